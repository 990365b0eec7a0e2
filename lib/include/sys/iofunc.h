/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/iofunc.h> for Linux (libchan).  QNX programs include it for the I/O
 * message types and _IO_* values even when they decode messages by hand,
 * which is what it gives them here: <sys/iomsg.h> and <sys/resmgr.h>.
 *
 * The iofunc_* helpers and their attribute and OCB structures belong to
 * the resource-manager framework, which libchan does not implement yet;
 * they are not declared, so a program using them fails to compile.
 */
#ifndef _SYS_IOFUNC_H_INCLUDED
#define _SYS_IOFUNC_H_INCLUDED

#include <sys/iomsg.h>
#include <sys/resmgr.h>

#endif /* _SYS_IOFUNC_H_INCLUDED */
