/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/resmgr.h> for Linux (libchan): the resource-manager names that QNX
 * servers use outside the framework itself (handler return values, the
 * pulse type of an unblock handler, attach flags), with QNX's values.
 *
 * The framework (resmgr_attach, resmgr_context_t, dispatch contexts, the
 * thread pool) is not part of libchan yet: nothing here is a function, and
 * a program calling one fails to compile rather than to link.
 */
#ifndef _SYS_RESMGR_H_INCLUDED
#define _SYS_RESMGR_H_INCLUDED

#include <sys/iomsg.h>

typedef struct _pulse io_pulse_t;

/* What a handler returns: no reply yet, the default action, or n iov parts. */
#define _RESMGR_NOREPLY			0x80000000u
#define _RESMGR_DEFAULT			0x80000001u
#define _RESMGR_NPARTS(__n)		(-(__n))
#define _RESMGR_ERRNO(__err)		(__err)

/* resmgr_attach() flags (they equal the path manager's). */
#define _RESMGR_FLAG_BEFORE		0x0001
#define _RESMGR_FLAG_AFTER		0x0002
#define _RESMGR_FLAG_OPAQUE		0x0004
#define _RESMGR_FLAG_FTYPEONLY		0x0008
#define _RESMGR_FLAG_FTYPEALL		0x0010
#define _RESMGR_FLAG_DIR		0x0100
#define _RESMGR_FLAG_SELF		0x0200
#define _RESMGR_FLAG_MASK		0x031f

/* resmgr_detach() flags. */
#define _RESMGR_DETACH_ALL		0x0000
#define _RESMGR_DETACH_PATHNAME		0x0001
#define _RESMGR_DETACH_CLOSE		0x8000

#endif /* _SYS_RESMGR_H_INCLUDED */
