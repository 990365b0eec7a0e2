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
 * The dispatch layer (dispatch_create, dispatch_block, dispatch_handler,
 * pulse_attach, message_attach, and resmgr_attach in <sys/resmgr.h>) is in
 * libchan-resmgr (pkg-config libchan-resmgr), not in libchan; name_attach()
 * only stores its dpp.  docs/RESMGR.md.
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

#ifndef _DISPATCH_T_DECLARED
#define _DISPATCH_T_DECLARED
typedef struct _dispatch dispatch_t;
#endif

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

/*
 * A dispatch context: what dispatch_block() received and dispatch_handler()
 * hands to a resource manager's, pulse_attach()'s or message_attach()'s
 * handler.  All views share one layout (QNX: a union of equal prefixes).
 */
typedef resmgr_context_t message_context_t;

typedef union _dispatch_context {
	resmgr_context_t	resmgr_context;
	message_context_t	message_context;
} dispatch_context_t;

/* dispatch_create_channel() flags. */
#define DISPATCH_FLAG_NOLOCK		0x00000001

/* pulse_attach() and message_attach() flags. */
#define MSG_FLAG_TYPE_PULSE		0x00000001
#define MSG_FLAG_ALLOC_PULSE		0x00000002
#define MSG_FLAG_DEFAULT_FUNC		0x00000100
#define MSG_FLAG_CROSS_ENDIAN		0x00000200
#define _DISPATCH_MAX_PULSE_CODE	127

extern dispatch_t *dispatch_create(void);
extern dispatch_t *dispatch_create_channel(int __chid, unsigned __flags);
extern int dispatch_destroy(dispatch_t *__dpp);
extern dispatch_context_t *dispatch_context_alloc(dispatch_t *__dpp);
extern void dispatch_context_free(dispatch_context_t *__ctp);
extern dispatch_context_t *dispatch_block(dispatch_context_t *__ctp);
extern int dispatch_handler(dispatch_context_t *__ctp);
extern void dispatch_unblock(dispatch_context_t *__ctp);
extern int pulse_attach(dispatch_t *__dpp, int __flags, int __code,
			int (*__func)(message_context_t *__ctp, int __code, unsigned __flags,
				      void *__handle),
			void *__handle);
extern int pulse_detach(dispatch_t *__dpp, int __code, int __flags);
extern int message_attach(dispatch_t *__dpp, resmgr_attr_t *__attr, int __low, int __high,
			  int (*__func)(message_context_t *__ctp, int __code, unsigned __flags,
					void *__handle),
			  void *__handle);
extern int message_detach(dispatch_t *__dpp, int __low, int __high, int __flags);

/*
 * Thread pools (libchan-resmgr): threads that each own a context and loop
 * block_func -> handler_func, their number kept between the water marks.
 * As on QNX, define THREAD_POOL_PARAM_T (usually dispatch_context_t) and
 * THREAD_POOL_HANDLE_T before including this header to type the callbacks.
 */
#ifndef THREAD_POOL_PARAM_T
#define THREAD_POOL_PARAM_T	void
#endif
#ifndef THREAD_POOL_HANDLE_T
#define THREAD_POOL_HANDLE_T	dispatch_t
#endif

/* thread_pool_create() flags. */
#define POOL_FLAG_EXIT_SELF		0x00000001
#define POOL_FLAG_USE_SELF		0x00000002

/* thread_pool_control() flags. */
#define THREAD_POOL_CONTROL_HIWATER	0x0001
#define THREAD_POOL_CONTROL_LOWATER	0x0002
#define THREAD_POOL_CONTROL_MAXIMUM	0x0004
#define THREAD_POOL_CONTROL_INCREMENT	0x0008
#define THREAD_POOL_CONTROL_NONBLOCK	0x4000

typedef struct _thread_pool thread_pool_t;

typedef struct _thread_pool_attr {
	THREAD_POOL_HANDLE_T	*handle;
	THREAD_POOL_PARAM_T	*(*block_func)(THREAD_POOL_PARAM_T *__ctp);
	void			(*unblock_func)(THREAD_POOL_PARAM_T *__ctp);
	int			(*handler_func)(THREAD_POOL_PARAM_T *__ctp);
	THREAD_POOL_PARAM_T	*(*context_alloc)(THREAD_POOL_HANDLE_T *__handle);
	void			(*context_free)(THREAD_POOL_PARAM_T *__ctp);
	pthread_attr_t		*attr;
	unsigned short		lo_water;
	unsigned short		increment;
	unsigned short		hi_water;
	unsigned short		maximum;
	unsigned		reserved[8];
} thread_pool_attr_t;

extern thread_pool_t *thread_pool_create(thread_pool_attr_t *__pool_attr, unsigned __flags);
extern int thread_pool_start(void *__pool);
extern int thread_pool_destroy(thread_pool_t *__pool);
extern int thread_pool_control(thread_pool_t *__pool, thread_pool_attr_t *__attr,
			       _Uint16t __lower, _Uint16t __upper, unsigned __flags);
extern int thread_pool_limits(thread_pool_t *__pool, int __lowater, int __hiwater,
			      int __maximum, int __increment, unsigned __flags);

extern name_attach_t *name_attach(dispatch_t *__dpp, const char *__path, unsigned __flags);
extern int name_detach(name_attach_t *__attach, unsigned __flags);
extern int name_open(const char *__name, int __flags);
extern int name_close(int __coid);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_DISPATCH_H_INCLUDED */
