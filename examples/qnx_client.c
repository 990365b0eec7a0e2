// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * qnx_client: the client of qnx_server, written against the QNX API only.
 *
 *	qnx_client [-q] PID CHID
 *	qnx_client [-q] -f FILE		(FILE holds "PID CHID", as qnx_server writes it)
 *
 * Connects to the server's channel through a side channel and through an
 * fd connection, sends each kind of message, prints what comes back and
 * checks it (including the errors the server gives with MsgError).  -q asks
 * the server to quit at the end.  Exits 0 only if every reply was right.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/neutrino.h>

#include "qnx_example.h"

#define BIG	(256 * 1024)

static int checks, failures;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("client: %s: %s\n", ok ? "ok" : "FAILED", what);
}

/* EX_UPPER through @coid. */
static void upper(int coid, const char *text)
{
	struct ex_upper msg = { .hdr = { .type = EX_UPPER } };
	char reply[EX_TEXT_MAX + 1] = "";
	size_t len = strlen(text), i;
	long status;
	int same = 1;

	msg.hdr.len = (uint32_t)len;
	memcpy(msg.text, text, len);
	status = MsgSend(coid, &msg, sizeof(msg.hdr) + len, reply, EX_TEXT_MAX);
	if (status == -1) {
		printf("client: EX_UPPER: MsgSend: %s\n", strerror(errno));
		check(0, "EX_UPPER");
		return;
	}
	printf("client: EX_UPPER \"%s\" -> status %ld, \"%.*s\"\n", text, status,
	       (int)(status > 0 && status <= EX_TEXT_MAX ? status : 0), reply);
	for (i = 0; i < len; i++)
		same &= reply[i] == (char)((text[i] >= 'a' && text[i] <= 'z') ? text[i] - 32 : text[i]);
	check(status == (long)len && same, "EX_UPPER reply is the text in upper case");
}

/* EX_SUM with the header and the values in separate parts (MsgSendv). */
static void sum(int coid, int n)
{
	struct ex_hdr hdr = { .type = EX_SUM, .len = (uint32_t)(n * sizeof(int32_t)) };
	int32_t values[EX_SUM_MAX];
	int64_t result = 0, want = 0;
	iov_t siov[2], riov[1];
	long status;
	int i;

	for (i = 0; i < n; i++) {
		values[i] = (i + 1) * (i % 2 ? -3 : 7);
		want += values[i];
	}
	SETIOV(&siov[0], &hdr, sizeof(hdr));
	SETIOV(&siov[1], values, hdr.len);
	SETIOV(&riov[0], &result, sizeof(result));
	status = MsgSendv(coid, siov, 2, riov, 1);
	if (status == -1) {
		printf("client: EX_SUM: MsgSendv: %s\n", strerror(errno));
		check(0, "EX_SUM");
		return;
	}
	printf("client: EX_SUM of %d values -> status %ld, sum %lld (expected %lld)\n", n, status,
	       (long long)result, (long long)want);
	check(status == n && result == want, "EX_SUM reply is the sum");
}

/* A message the server refuses with MsgError(@want_errno). */
static void refused(int coid, const void *msg, size_t len, int want_errno, const char *what)
{
	char reply[16];
	long status = MsgSend(coid, msg, len, reply, sizeof(reply));
	int err = errno;

	printf("client: %s -> status %ld, errno %d (%s)\n", what, status, status == -1 ? err : 0,
	       status == -1 ? strerror(err) : "-");
	check(status == -1 && err == want_errno, what);
}

/* EX_REVERSE: a payload larger than any server buffer, handled with MsgRead/MsgWrite. */
static void reverse(int coid)
{
	struct ex_hdr hdr = { .type = EX_REVERSE, .len = BIG };
	unsigned char *in = malloc(BIG), *out = malloc(BIG);
	iov_t siov[2];
	long status, want;
	size_t i;
	int same = 1;

	if (!in || !out) {
		check(0, "EX_REVERSE: out of memory");
		goto out;
	}
	for (i = 0; i < BIG; i++)
		in[i] = (unsigned char)(i * 131 + (i >> 9));
	memset(out, 0, BIG);
	want = ex_checksum(in, BIG, 5381);
	SETIOV(&siov[0], &hdr, sizeof(hdr));
	SETIOV(&siov[1], in, BIG);
	status = MsgSendvs(coid, siov, 2, out, BIG);
	if (status == -1) {
		printf("client: EX_REVERSE: MsgSendvs: %s\n", strerror(errno));
		check(0, "EX_REVERSE");
		goto out;
	}
	for (i = 0; i < BIG; i++)
		same &= out[i] == in[BIG - 1 - i];
	printf("client: EX_REVERSE of %d bytes -> status %#lx (checksum %#lx), reply %s\n", BIG,
	       status, want, same ? "reversed" : "WRONG");
	check(status == want && same, "EX_REVERSE via MsgRead/MsgWrite");
out:
	free(in);
	free(out);
}

static int usage(void)
{
	fprintf(stderr, "usage: qnx_client [-q] PID CHID | qnx_client [-q] -f FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct ex_sum bad_sum = { .hdr = { .type = EX_SUM, .len = 7 } };
	struct ex_hdr bogus = { .type = 0x1fff };
	struct ex_hdr quit = { .type = EX_QUIT };
	int pid, chid, coid, fdcoid, flags, opt, do_quit = 0;
	const char *file = NULL;

	while ((opt = getopt(argc, argv, "qf:")) != -1) {
		switch (opt) {
		case 'q':
			do_quit = 1;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			return usage();
		}
	}
	if (file) {
		FILE *f = fopen(file, "r");

		if (!f || fscanf(f, "%d %d", &pid, &chid) != 2) {
			fprintf(stderr, "client: cannot read \"pid chid\" from %s\n", file);
			return 1;
		}
		fclose(f);
	} else if (optind + 2 == argc) {
		pid = atoi(argv[optind]);
		chid = atoi(argv[optind + 1]);
	} else {
		return usage();
	}

	/* A side channel: QNX's usual client connection, outside the fd space. */
	coid = ConnectAttach(ND_LOCAL_NODE, pid, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1) {
		fprintf(stderr, "client: ConnectAttach(pid %d, chid %d): %s\n", pid, chid,
			strerror(errno));
		return 1;
	}
	printf("client: connected to pid %d chid %d: side-channel coid %#x\n", pid, chid, coid);
	check(coid >= (int)_NTO_SIDE_CHANNEL, "side-channel coid is above _NTO_SIDE_CHANNEL");

	upper(coid, "hello from qnx_client");
	sum(coid, 10);
	refused(coid, &bad_sum, sizeof(bad_sum.hdr) + bad_sum.hdr.len, EINVAL,
		"EX_SUM with a ragged length is refused with EINVAL");
	refused(coid, &bogus, sizeof(bogus), ENOSYS, "an unknown message type gets ENOSYS");
	reverse(coid);

	/* An fd connection: a file descriptor, close-on-exec as asked. */
	fdcoid = ConnectAttach(ND_LOCAL_NODE, pid, chid, 0, _NTO_COF_CLOEXEC);
	if (fdcoid == -1) {
		printf("client: ConnectAttach (fd): %s\n", strerror(errno));
		check(0, "fd connection");
	} else {
		flags = ConnectFlags(0, fdcoid, 0, 0);
		printf("client: fd connection coid %d, flags %#x, FD_CLOEXEC %s\n", fdcoid, flags,
		       (fcntl(fdcoid, F_GETFD) & FD_CLOEXEC) ? "set" : "clear");
		check(fdcoid < (int)_NTO_SIDE_CHANNEL && flags == (int)_NTO_COF_CLOEXEC,
		      "fd connection with _NTO_COF_CLOEXEC");
		upper(fdcoid, "sent over an fd connection");
		check(ConnectDetach(fdcoid) == 0, "ConnectDetach of the fd connection");
	}

	if (do_quit) {
		long status = MsgSend(coid, &quit, sizeof(quit), NULL, 0);

		printf("client: EX_QUIT -> %ld\n", status);
		check(status == EOK, "the server quits");
	}
	check(ConnectDetach(coid) == 0, "ConnectDetach of the side channel");
	if (!do_quit) {
		long status = MsgSend(coid, &bogus, sizeof(bogus), NULL, 0);

		check(status == -1 && errno == EBADF, "a detached coid gives EBADF");
	}

	printf("client: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
