/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/netmgr.h> for Linux (libchan): ND_LOCAL_NODE, and node names to node
 * descriptors and back through the node's qnetd (Qnet over TIPC,
 * docs/QNET.md).  Without a qnetd both calls fail with EOPNOTSUPP (ENOTSUP).
 */
#ifndef _SYS_NETMGR_H_INCLUDED
#define _SYS_NETMGR_H_INCLUDED

#include <stddef.h>
#include <sys/neutrino.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The nd of a node name (up to a '/'), ND_LOCAL_NODE for this node's own name. */
extern int netmgr_strtond(const char *__nodename, char **__endstr);
/* The node name of an nd into buf (at most maxbuf bytes, NUL included); its length. */
extern int netmgr_ndtostr(unsigned __flags, int __nd, char *__buf, size_t __maxbuf);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_NETMGR_H_INCLUDED */
