/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/dispatch.h> for Linux (libchan): QNX's name service.
 *
 * name_attach() creates a channel (_NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT,
 * and _NTO_CHF_COID_DISCONNECT for the process's first name) and registers
 * the name for it in the kernel, in the caller's IPC namespace; the name
 * goes with name_detach(), with the channel, or with the process (exit, exec
 * or kill -9 included).  name_open() connects to a named channel (a
 * side-channel coid) and sends it the _IO_CONNECT (_IO_CONNECT_OPEN)
 * message QNX's name_open sends, so the classic server loop works
 * unchanged; name_close() detaches the connection, and the server gets its
 * _PULSE_CODE_DISCONNECT pulse.
 *
 * The resource-manager dispatch layer (dispatch_create, resmgr_attach,
 * ...) is not part of libchan yet: dispatch_t is opaque and name_attach's
 * dpp is only stored (pass NULL).
 */
#ifndef _SYS_DISPATCH_H_INCLUDED
#define _SYS_DISPATCH_H_INCLUDED

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/neutrino.h>
/*
 * QNX's <sys/dispatch.h> includes <sys/resmgr.h>, hence <sys/iomsg.h>: the
 * classic name_attach server tests _IO_CONNECT, _IO_BASE and _IO_MAX
 * having included only this header.
 */
#include <sys/resmgr.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _dispatch dispatch_t;

typedef struct _name_attach {
	dispatch_t	*dpp;
	int		chid;
	int		mntid;		/* qchan: 0, no path-manager mount */
	int		zero[2];
} name_attach_t;

/* name_detach: keep the dispatch handle (no dispatch layer: no effect). */
#define NAME_FLAG_DETACH_SAVEDPP	0x00000001
/* name_attach, name_open: global name; accepted, the name stays local. */
#define NAME_FLAG_ATTACH_GLOBAL		0x00000002

extern name_attach_t *name_attach(dispatch_t *__dpp, const char *__path, unsigned __flags);
extern int name_detach(name_attach_t *__attach, unsigned __flags);
extern int name_open(const char *__name, int __flags);
extern int name_close(int __coid);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_DISPATCH_H_INCLUDED */
