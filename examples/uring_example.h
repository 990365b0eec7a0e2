/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The protocol of uring_server and uring_client. */
#ifndef URING_EXAMPLE_H
#define URING_EXAMPLE_H

#include <stdint.h>

#define URING_OP_INCR	1	/* reply: value + 1 */
#define URING_OP_QUIT	2	/* the server replies, then stops */

struct uring_req {
	uint32_t op;
	int32_t value;
};

#endif
