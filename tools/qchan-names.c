// SPDX-License-Identifier: GPL-2.0
/*
 * qchan-names: lists the names attached (name_attach) in the caller's IPC
 * namespace, with the owner's pid and the channel, via QCHAN_IOC_NAME_LIST.
 * Exits 0 when the listing worked (even if empty), 1 otherwise.
 *
 *	qchan-names [DEVICE]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/qchan.h>

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/qchan";
	struct qchan_name_entry *e = NULL;
	struct qchan_name_list l;
	unsigned int cap = 64, i;
	int fd;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "qchan-names: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	/* Grow until one call holds them all: names come and go meanwhile. */
	for (;;) {
		free(e);
		e = calloc(cap, sizeof(*e));
		if (!e) {
			fprintf(stderr, "qchan-names: out of memory\n");
			return 1;
		}
		memset(&l, 0, sizeof(l));
		l.entries_ptr = (uint64_t)(uintptr_t)e;
		l.capacity = cap;
		if (ioctl(fd, QCHAN_IOC_NAME_LIST, &l)) {
			fprintf(stderr, "qchan-names: QCHAN_IOC_NAME_LIST: %s\n", strerror(errno));
			return 1;
		}
		if (l.total <= l.count || cap >= 65536)
			break;
		cap = l.total + 16 < 65536 ? l.total + 16 : 65536;
	}
	close(fd);
	printf("%-8s %-6s %s\n", "PID", "CHID", "NAME");
	for (i = 0; i < l.count; i++)
		printf("%-8d %-6d %s%s\n", e[i].pid, e[i].chid, e[i].name,
		       (e[i].flags & QCHAN_NAME_GLOBAL) ? " (global)" : "");
	free(e);
	return 0;
}
