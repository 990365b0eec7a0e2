// SPDX-License-Identifier: GPL-2.0
/*
 * chanstat: who is blocked where in qchan, like QNX's pidin, from the kernel
 * view /proc/qchan/state (its format: docs/INTROSPECTION.md).  Prints every
 * blocked thread, the channels, connections and names, and the wait-for
 * graph between processes with its cycles: a cycle of SEND- and
 * REPLY-blocked threads that no receiver can break, among processes whose
 * every thread is blocked in qchan, is a deadlock.
 *
 *	chanstat [-p PID] [--json | --dot] [--watch [-n SECS]] [-f FILE]
 *
 * Exits 0, or 2 when a deadlock was found (not with --watch), 1 on errors.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FIELDS	32

struct rec {
	char *kind;
	int n;
	char *key[MAX_FIELDS];
	char *val[MAX_FIELDS];
};

static struct rec *recs;
static int nrecs, recs_cap;
static int version;

static const char *get(const struct rec *r, const char *key)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], key))
			return r->val[i];
	return NULL;
}

static long num(const struct rec *r, const char *key)
{
	const char *v = get(r, key);

	return v ? strtol(v, NULL, 0) : 0;
}

/* The kernel escapes " \t\n\\=" in comm and name= as \ooo (seq_escape). */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = 0;
}

static void free_recs(void)
{
	int i;

	for (i = 0; i < nrecs; i++)
		free(recs[i].kind);	/* one allocation per line: kind points at its start */
	nrecs = 0;
}

static int load(const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	free_recs();
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "chanstat: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (is qchan.ko loaded?)" : "");
		return -1;
	}
	version = 0;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *tok, *copy;
		struct rec *r;

		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "version ", 8)) {
			version = atoi(line + 8);
			continue;
		}
		copy = strdup(line);
		if (!copy)
			goto oom;
		if (nrecs == recs_cap) {
			struct rec *n;

			recs_cap = recs_cap ? recs_cap * 2 : 64;
			n = realloc(recs, recs_cap * sizeof(*recs));
			if (!n) {
				free(copy);
				goto oom;
			}
			recs = n;
		}
		r = &recs[nrecs];
		memset(r, 0, sizeof(*r));
		r->kind = strtok_r(copy, " ", &save);
		if (!r->kind) {
			free(copy);
			continue;
		}
		while ((tok = strtok_r(NULL, " ", &save)) && r->n < MAX_FIELDS) {
			char *eq = strchr(tok, '=');

			if (!eq)
				continue;	/* unknown syntax: ignored, as the format says */
			*eq = 0;
			r->key[r->n] = tok;
			r->val[r->n] = eq + 1;
			unescape(r->val[r->n]);
			r->n++;
		}
		nrecs++;
	}
	free(line);
	fclose(f);
	if (version != 1)
		fprintf(stderr, "chanstat: %s: format version %d, expected 1\n", path, version);
	return 0;
oom:
	fprintf(stderr, "chanstat: out of memory\n");
	free(line);
	fclose(f);
	return -1;
}

/* -p PID: the process's own records, and the threads that wait on it. */
static long filter_pid;

static bool shown(const struct rec *r)
{
	if (!filter_pid)
		return true;
	if (!strcmp(r->kind, "kmsg"))
		return false;
	return num(r, "pid") == filter_pid ||
	       (!strcmp(r->kind, "thread") && num(r, "server") == filter_pid);
}

/* ------------------------------------------------------------ wait-for graph */

static const char *comm_of(long pid)
{
	int i;

	for (i = 0; i < nrecs; i++)
		if (!strcmp(recs[i].kind, "process") && num(&recs[i], "pid") == pid)
			return get(&recs[i], "comm");
	return "?";
}

/* Server threads waiting in MsgReceive on the channel (server, chid). */
static int receivers(long server, long chid)
{
	int i, n = 0;

	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];

		if (!strcmp(r->kind, "thread") && num(r, "pid") == server &&
		    num(r, "chid") == chid && !strcmp(get(r, "state") ?: "", "RECEIVE"))
			n++;
	}
	return n;
}

/*
 * Does thread record @r wait on another process with nobody to release it?
 * A REPLY-blocked thread waits for its server; a SEND-blocked one too, unless
 * a thread of the server already waits to receive on that channel.
 */
static signed char *blocking;	/* per record: -1 not known yet, else the answer */

static bool blocking_edge(const struct rec *r)
{
	const char *state = get(r, "state");
	signed char *b = blocking ? &blocking[r - recs] : NULL;
	bool ret;

	if (b && *b >= 0)
		return *b;
	if (strcmp(r->kind, "thread") || !state || num(r, "server") <= 0)
		ret = false;
	else if (!strcmp(state, "REPLY"))
		ret = true;
	else
		ret = !strcmp(state, "SEND") && !receivers(num(r, "server"), num(r, "chid"));
	if (b)
		*b = ret;
	return ret;
}

#define MAX_CYCLES	64
#define MAX_LEN		64

static long cycles[MAX_CYCLES][MAX_LEN];	/* process pids, in wait order */
static int cycle_len[MAX_CYCLES], ncycles, ndeadlocks;
static long cycle_free[MAX_CYCLES];		/* a process of it with a thread outside qchan */

static long *nodes;
static int nnodes;

static int node_index(long pid)
{
	int i;

	for (i = 0; i < nnodes; i++)
		if (nodes[i] == pid)
			return i;
	return -1;
}

/* Records a cycle once, whatever process it was entered at. */
static void add_cycle(const long *path, int len)
{
	int i, j, k, start = 0;

	for (i = 1; i < len; i++)
		if (path[i] < path[start])
			start = i;
	for (k = 0; k < ncycles; k++) {
		if (cycle_len[k] != len)
			continue;
		for (j = 0; j < len && cycles[k][j] == path[(start + j) % len]; j++)
			;
		if (j == len)
			return;
	}
	if (ncycles == MAX_CYCLES || len > MAX_LEN)
		return;
	for (j = 0; j < len; j++)
		cycles[ncycles][j] = path[(start + j) % len];
	cycle_len[ncycles++] = len;
}

static void dfs(int u, int *color, long *path, int depth)
{
	int i, k;

	color[u] = 1;
	path[depth] = nodes[u];
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];
		int v;

		if (!blocking_edge(r) || num(r, "pid") != nodes[u])
			continue;
		v = node_index(num(r, "server"));
		if (v < 0)
			continue;
		if (color[v] == 1) {		/* back edge: the cycle is on the path */
			for (k = depth; k >= 0 && path[k] != nodes[v]; k--)
				;
			if (k >= 0)
				add_cycle(path + k, depth - k + 1);
		} else if (!color[v] && depth + 1 < MAX_LEN) {
			dfs(v, color, path, depth + 1);
		}
	}
	color[u] = 0;	/* every simple cycle through u is found from some start */
}

static int find_cycles(void)
{
	long path[MAX_LEN];
	int *color, i;

	ncycles = 0;
	nnodes = 0;
	free(blocking);
	blocking = malloc(nrecs + 1);
	if (!blocking)
		return -1;
	memset(blocking, -1, nrecs + 1);
	nodes = calloc(nrecs + 1, sizeof(*nodes) * 2);
	if (!nodes)
		return -1;
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];

		if (!blocking_edge(r))
			continue;
		if (node_index(num(r, "pid")) < 0)
			nodes[nnodes++] = num(r, "pid");
		if (node_index(num(r, "server")) < 0)
			nodes[nnodes++] = num(r, "server");
	}
	color = calloc(nnodes + 1, sizeof(*color));
	if (!color) {
		free(nodes);
		return -1;
	}
	for (i = 0; i < nnodes && nnodes <= 4096; i++)
		dfs(i, color, path, 0);
	free(color);
	free(nodes);
	return ncycles;
}

static bool from_file;		/* -f: this machine's /proc says nothing about it */

/* Threads of @pid in /proc (as the reader's /proc numbers them), or -1. */
static int proc_threads(long pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if (from_file)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/*
 * A cycle is a deadlock when no process in it has a thread left that could
 * break it: every one of its threads is blocked in qchan.  Otherwise it is
 * reported as a cycle only (a thread outside qchan may still reply).
 */
static void classify_cycles(void)
{
	int k, j, i;

	ndeadlocks = 0;
	for (k = 0; k < ncycles; k++) {
		cycle_free[k] = 0;
		for (j = 0; j < cycle_len[k] && !cycle_free[k]; j++) {
			long pid = cycles[k][j];
			int blocked = 0, total = proc_threads(pid);

			for (i = 0; i < nrecs; i++)
				if (!strcmp(recs[i].kind, "thread") && num(&recs[i], "pid") == pid)
					blocked++;
			if (total > blocked)
				cycle_free[k] = pid;
		}
		if (!cycle_free[k])
			ndeadlocks++;
	}
}

static bool in_cycle(long from, long to)
{
	int k, j;

	for (k = 0; k < ncycles; k++)
		for (j = 0; j < cycle_len[k]; j++)
			if (cycles[k][j] == from && cycles[k][(j + 1) % cycle_len[k]] == to)
				return true;
	return false;
}

/* ------------------------------------------------------------ text */

static void print_text(void)
{
	int i, k, j;

	printf("%8s %8s %-16s %-8s %-28s %4s %4s %10s\n", "pid", "tid", "name", "state",
	       "blocked on", "prio", "own", "waited");
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];
		char on[64];
		const char *state = get(r, "state");

		if (strcmp(r->kind, "thread") || !shown(r))
			continue;
		if (!strcmp(state, "RECEIVE"))
			snprintf(on, sizeof(on), "chid %ld", num(r, "chid"));
		else if (get(r, "rcvid") && num(r, "rcvid"))
			snprintf(on, sizeof(on), "pid %ld chid %ld rcvid %ld", num(r, "server"),
				 num(r, "chid"), num(r, "rcvid"));
		else
			snprintf(on, sizeof(on), "pid %ld chid %ld", num(r, "server"), num(r, "chid"));
		printf("%8ld %8ld %-16s %-8s %-28s %4ld %4ld %9.1fs%s%s\n", num(r, "pid"),
		       num(r, "tid"), get(r, "comm") ?: "?", state, on, num(r, "prio"),
		       num(r, "base"), num(r, "waited_ms") / 1000.0,
		       num(r, "stopped") ? " STOPPED" : "",
		       num(r, "unblock") ? " UNBLOCK-PENDING" : "");
	}

	printf("\n%8s %5s %-16s %6s %6s %6s %9s  %s\n", "pid", "chid", "owner", "flags",
	       "queued", "pulses", "receivers", "by priority");
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];

		if (strcmp(r->kind, "channel") || !shown(r))
			continue;
		printf("%8ld %5ld %-16s %6s %6ld %6ld %9ld  %s\n", num(r, "pid"), num(r, "chid"),
		       comm_of(num(r, "pid")), get(r, "flags") ?: "?", num(r, "queued"),
		       num(r, "pulses"), num(r, "receivers"), get(r, "qprio") ?: "-");
	}

	printf("\n%8s %10s %10s %8s %5s\n", "pid", "coid", "scoid", "server", "chid");
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];

		if (strcmp(r->kind, "conn") || !shown(r))
			continue;
		printf("%8ld %10ld %10ld %8ld %5ld\n", num(r, "pid"), num(r, "coid"),
		       num(r, "scoid"), num(r, "server"), num(r, "chid"));
	}
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];

		if (!strcmp(r->kind, "name") && shown(r))
			printf("name %-32s pid %ld chid %ld\n", get(r, "name") ?: "?",
			       num(r, "pid"), num(r, "chid"));
	}

	if (!ncycles) {
		printf("\nwait-for graph: no cycle\n");
		return;
	}
	for (k = 0; k < ncycles; k++) {
		if (cycle_free[k])
			printf("\nwait-for cycle of %d processes (not a deadlock: pid %ld has threads outside qchan):\n",
			       cycle_len[k], cycle_free[k]);
		else
			printf("\nDEADLOCK: wait-for cycle of %d processes:\n", cycle_len[k]);
		for (j = 0; j < cycle_len[k]; j++) {
			long from = cycles[k][j], to = cycles[k][(j + 1) % cycle_len[k]];

			for (i = 0; i < nrecs; i++) {
				const struct rec *r = &recs[i];

				if (blocking_edge(r) && num(r, "pid") == from && num(r, "server") == to)
					printf("  pid %ld (%s) tid %ld %s-blocked on pid %ld (%s) chid %ld\n",
					       from, comm_of(from), num(r, "tid"), get(r, "state"),
					       to, comm_of(to), num(r, "chid"));
			}
		}
	}
}

/* ------------------------------------------------------------ json */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static bool is_number(const char *key, const char *v)
{
	char *end;

	if (!strcmp(key, "comm") || !strcmp(key, "name") || !strcmp(key, "qprio") ||
	    !strcmp(key, "state") || !*v)
		return false;
	errno = 0;
	strtoll(v, &end, 0);
	return !*end && !errno;
}

static void json_kind(const char *kind, const char *label, bool *first_section)
{
	bool first = true;
	int i, j;

	printf("%s\n  \"%s\": [", *first_section ? "" : ",", label);
	*first_section = false;
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];

		if (strcmp(r->kind, kind) || !shown(r))
			continue;
		printf("%s\n    {", first ? "" : ",");
		first = false;
		for (j = 0; j < r->n; j++) {
			printf("%s", j ? ", " : "");
			json_str(r->key[j]);
			printf(": ");
			if (is_number(r->key[j], r->val[j]))
				printf("%lld", strtoll(r->val[j], NULL, 0));
			else
				json_str(r->val[j]);
		}
		printf("}");
	}
	printf("%s]", first ? "" : "\n  ");
}

static void print_json(void)
{
	bool first_section = true;
	int i, j, k, n;

	printf("{\n  \"version\": %d,", version);
	json_kind("process", "processes", &first_section);
	json_kind("thread", "threads", &first_section);
	json_kind("channel", "channels", &first_section);
	json_kind("conn", "connections", &first_section);
	json_kind("name", "names", &first_section);
	json_kind("kmsg", "kmsg", &first_section);
	printf(",\n  \"cycles\": [");
	for (k = 0; k < ncycles; k++) {
		printf("%s\n    {\"deadlock\": %s, \"threads\": [", k ? "," : "",
		       cycle_free[k] ? "false" : "true");
		n = 0;
		for (j = 0; j < cycle_len[k]; j++) {
			long from = cycles[k][j], to = cycles[k][(j + 1) % cycle_len[k]];

			for (i = 0; i < nrecs; i++) {
				const struct rec *r = &recs[i];

				if (!blocking_edge(r) || num(r, "pid") != from || num(r, "server") != to)
					continue;
				printf("%s{\"pid\": %ld, \"tid\": %ld, \"state\": ", n++ ? ", " : "",
				       from, num(r, "tid"));
				json_str(get(r, "state"));
				printf(", \"server\": %ld, \"chid\": %ld}", to, num(r, "chid"));
			}
		}
		printf("]}");
	}
	printf("%s]\n}\n", ncycles ? "\n  " : "");
}

/* ------------------------------------------------------------ dot */

static void print_dot(void)
{
	int i;

	printf("digraph qchan {\n  rankdir=LR;\n  node [shape=box];\n");
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];

		if (strcmp(r->kind, "process") || !shown(r))
			continue;
		printf("  p%ld [label=\"%ld\\n", num(r, "pid"), num(r, "pid"));
		for (const char *c = get(r, "comm") ?: "?"; *c; c++)
			if (isalnum((unsigned char)*c) || strchr("-_.:/ ", *c))
				putchar(*c);
		printf("\"];\n");
	}
	for (i = 0; i < nrecs; i++) {
		const struct rec *r = &recs[i];
		const char *state = get(r, "state");
		long from = num(r, "pid"), to = num(r, "server");

		if (strcmp(r->kind, "thread") || !shown(r) || !state || !strcmp(state, "RECEIVE"))
			continue;
		printf("  p%ld -> p%ld [label=\"tid %ld %s chid %ld\"%s%s];\n", from, to,
		       num(r, "tid"), state, num(r, "chid"),
		       blocking_edge(r) ? "" : ", style=dashed",
		       in_cycle(from, to) && blocking_edge(r) ? ", color=red, penwidth=2" : "");
	}
	printf("}\n");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: chanstat [-p PID] [--json | --dot] [--watch [-n SECS]] [-f FILE]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "dot", no_argument, NULL, 'd' },
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'n' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "/proc/qchan/state";
	bool json = false, dot = false, watch = false;
	unsigned int interval = 1;
	int c;

	while ((c = getopt_long(argc, argv, "p:jdwn:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			filter_pid = strtol(optarg, NULL, 10);
			if (filter_pid <= 0) {
				fprintf(stderr, "chanstat: bad pid '%s'\n", optarg);
				return 1;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'd':
			dot = true;
			break;
		case 'w':
			watch = true;
			break;
		case 'n':
			interval = (unsigned int)strtoul(optarg, NULL, 10);
			if (!interval)
				interval = 1;
			break;
		case 'f':
			path = optarg;
			from_file = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc || (json && dot)) {
		usage(stderr);
		return 1;
	}
	for (;;) {
		if (load(path) || find_cycles() < 0)
			return 1;
		classify_cycles();
		if (watch && !json && !dot)
			printf("\033[H\033[2J");
		if (json)
			print_json();
		else if (dot)
			print_dot();
		else
			print_text();
		fflush(stdout);
		if (!watch)
			break;
		sleep(interval);
	}
	return ndeadlocks ? 2 : 0;
}
