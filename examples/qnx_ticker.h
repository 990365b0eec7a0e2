/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The protocol of qnx_ticker_server and qnx_ticker_client: a server whose
 * clock is a periodic timer pulse, holding clients REPLY-blocked until
 * enough ticks have gone by, and letting go of one that asks to leave
 * (_NTO_CHF_UNBLOCK).
 */
#ifndef QNX_TICKER_H
#define QNX_TICKER_H

#include <stdint.h>
#include <sys/neutrino.h>

#define TK_WAIT		0x2001	/* reply after 'ticks' more timer ticks; status: the tick count */
#define TK_COUNT	0x2002	/* reply at once; status: the tick count */
#define TK_QUIT		0x2003	/* the server replies EOK and exits */

/* Pulse codes (_PULSE_CODE_MINAVAIL and up). */
#define TK_PULSE_TICK	(_PULSE_CODE_MINAVAIL + 1)	/* the server's own timer */
#define TK_PULSE_HELLO	(_PULSE_CODE_MINAVAIL + 2)	/* from a client: value is logged */

#define TK_PERIOD_MS	50

struct tk_msg {
	uint16_t	type;
	uint16_t	subtype;
	uint32_t	ticks;
};

#endif /* QNX_TICKER_H */
