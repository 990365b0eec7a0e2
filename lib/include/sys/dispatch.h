/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/dispatch.h> for Linux (libchan).
 *
 * QNX declares the name service (name_attach, name_open, ...) and the
 * resource-manager dispatch layer here.  libchan does not implement them
 * yet, so only the kernel calls of <sys/neutrino.h> are available; a program
 * that uses the name service fails to compile rather than to link.
 */
#ifndef _SYS_DISPATCH_H_INCLUDED
#define _SYS_DISPATCH_H_INCLUDED

#include <sys/neutrino.h>

#endif /* _SYS_DISPATCH_H_INCLUDED */
