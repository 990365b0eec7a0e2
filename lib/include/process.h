/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <process.h> for Linux (libchan).  On QNX it declares the process calls
 * (getpid, the exec family, exit, ...) and the spawn* family; QNX programs
 * include it mostly for the former, which glibc declares in <unistd.h> and
 * <stdlib.h>.  The spawn* calls and their P_* modes are not provided: a
 * program using them fails to compile (posix_spawn is the Linux
 * equivalent).
 */
#ifndef _PROCESS_H_INCLUDED
#define _PROCESS_H_INCLUDED

#include <stdlib.h>
#include <unistd.h>

#endif /* _PROCESS_H_INCLUDED */
