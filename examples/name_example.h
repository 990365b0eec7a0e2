/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The protocol of name_server and name_client: the server registers a name
 * with name_attach(), the client finds it with name_open().  Message types
 * lie outside QNX's I/O range (0x100 .. 0x1ff), which name_open's
 * _IO_CONNECT message and other QNX clients use.
 */
#ifndef NAME_EXAMPLE_H
#define NAME_EXAMPLE_H

#include <stdint.h>

#define NS_NAME		"qchan-name-demo"

#define NS_HELLO	0x2001	/* -> a greeting naming the client's pid and uid */
#define NS_QUIT		0x2002	/* the server replies EOK, detaches its name and exits */

struct ns_msg {
	uint16_t	type;
	uint16_t	subtype;
	int32_t		value;
};

struct ns_greeting {
	int32_t		pid;		/* as ConnectClientInfo saw the client */
	int32_t		uid;
	int32_t		value;		/* the request's value + 1 */
	char		text[64];
};

#endif /* NAME_EXAMPLE_H */
