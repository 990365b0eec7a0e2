/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The message protocol shared by qnx_server and qnx_client: plain QNX
 * style, a 16-bit type first so that a server can tell messages (and pulses)
 * apart from the first bytes it receives.
 */
#ifndef QNX_EXAMPLE_H
#define QNX_EXAMPLE_H

#include <stdint.h>
#include <sys/neutrino.h>

/* Clear of _PULSE_TYPE (0) and of QNX's I/O message types (0x100 .. 0x1ff). */
#define EX_UPPER	0x1001	/* text -> the text in upper case; status: its length */
#define EX_SUM		0x1002	/* int32 values -> their int64 sum; status: the count */
#define EX_REVERSE	0x1003	/* a payload of any size -> reversed (MsgRead/MsgWrite); status: checksum */
#define EX_QUIT		0x1004	/* the server replies EOK and exits */

#define EX_TEXT_MAX	128
#define EX_SUM_MAX	64

struct ex_hdr {
	uint16_t	type;
	uint16_t	subtype;
	uint32_t	len;		/* bytes that follow the header */
};

struct ex_upper {
	struct ex_hdr	hdr;
	char		text[EX_TEXT_MAX];
};

struct ex_sum {
	struct ex_hdr	hdr;
	int32_t		values[EX_SUM_MAX];
};

/* What the server receives first: any message's leading part, or a pulse. */
union ex_recv {
	uint16_t	type;
	struct _pulse	pulse;
	struct ex_hdr	hdr;
	struct ex_upper	upper;
	struct ex_sum	sum;
};

/* A checksum both sides compute over EX_REVERSE payloads. */
static inline long ex_checksum(const unsigned char *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i < n; i++)
		sum = (sum << 5) + sum + p[i];	/* djb2 */
	return (long)sum;
}

#endif /* QNX_EXAMPLE_H */
