/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the kernel view /proc/qchan/state (module/view.c, format in
 * docs/INTROSPECTION.md) from a selftest: one line per object, "kind
 * key=value key=value ...".  Shared by chanstat_test and prio_test.  The
 * rules of qchan_test_util.h hold: nothing here ASSERTs.
 */
#ifndef QCHAN_VIEW_UTIL_H
#define QCHAN_VIEW_UTIL_H

#include <limits.h>
#include <stdbool.h>

#include "qchan_test_util.h"

#define QT_VIEW_PATH	"/proc/qchan/state"

/* The whole file, NUL-terminated (malloc'd), or NULL. */
static inline char *qt_read_file(const char *path)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

/*
 * The first line of @kind (e.g. "thread") that contains @a (and @b), each
 * ending a field (followed by a space or the end of the line), or NULL
 * (malloc'd).  @a and @b start with a space: " tid=12", or several adjacent
 * fields as in " pid=3 chid=1".
 */
static inline char *qt_view_line(const char *buf, const char *kind, const char *a, const char *b)
{
	const char *p = buf;
	size_t klen = strlen(kind);

	while (p && *p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *line = strndup(p, len);

		if (line) {
			char *pa = a ? strstr(line, a) : line;
			char *pb = b ? strstr(line, b) : line;
			bool ok = !strncmp(line, kind, klen) && line[klen] == ' ' && pa && pb;

			if (ok && a && pa[strlen(a)] != ' ' && pa[strlen(a)] != 0)
				ok = false;
			if (ok && b && pb[strlen(b)] != ' ' && pb[strlen(b)] != 0)
				ok = false;
			if (ok)
				return line;
			free(line);
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

/* The value of " key=" in @line, or LONG_MIN. */
static inline long qt_view_field(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	return p ? strtol(p + strlen(pat), NULL, 0) : LONG_MIN;
}

static inline bool qt_view_has_field(const char *line, const char *key)
{
	return qt_view_field(line, key) != LONG_MIN;
}

/*
 * Polls the view (bounded by QT_WAIT_MS) for a line as qt_view_line() finds
 * it that also contains @extra (anywhere) if given; the malloc'd line, or
 * NULL.
 */
static inline char *qt_view_wait(const char *kind, const char *a, const char *b, const char *extra)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	for (;;) {
		char *buf = qt_read_file(QT_VIEW_PATH), *line = NULL, *l;

		if (buf) {
			l = qt_view_line(buf, kind, a, b);
			if (l && (!extra || strstr(l, extra)))
				line = l;
			else
				free(l);
			free(buf);
		}
		if (line || qt_now_ms() > end)
			return line;
		qt_sleep_ms(5);
	}
}

#endif /* QCHAN_VIEW_UTIL_H */
