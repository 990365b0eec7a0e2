/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/netmgr.h> for Linux (libchan): QNX programs take ND_LOCAL_NODE from
 * here.  qchan has no network manager: every node descriptor but the local
 * one is refused by ConnectAttach.
 */
#ifndef _SYS_NETMGR_H_INCLUDED
#define _SYS_NETMGR_H_INCLUDED

#include <sys/neutrino.h>

#endif /* _SYS_NETMGR_H_INCLUDED */
