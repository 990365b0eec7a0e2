/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <devctl.h> for Linux (libchan): QNX's device-control command encoding.
 * A dcmd is laid out as a Linux ioctl number (command 0-7, class 8-15,
 * size 16-29) with the two direction bits the other way round:
 * DEVDIR_TO (client to driver) is Linux's _IOC_WRITE.  The CUSE bridge of
 * libchan-resmgr turns a Linux ioctl into the _IO_DEVCTL message of that
 * dcmd, so __DIOF(class, cmd, type) matches _IOR(class, cmd, type).
 */
#ifndef _DEVCTL_H_INCLUDED
#define _DEVCTL_H_INCLUDED

#include <stddef.h>

#define _POSIX_DEVDIR_NONE	0
#define _POSIX_DEVDIR_TO	0x80000000u
#define _POSIX_DEVDIR_FROM	0x40000000u
#define _POSIX_DEVDIR_TOFROM	(_POSIX_DEVDIR_TO | _POSIX_DEVDIR_FROM)
#define _POSIX_DEVDIR_CMD_MASK	0x0000ffffu

#define DEVDIR_NONE		_POSIX_DEVDIR_NONE
#define DEVDIR_TO		_POSIX_DEVDIR_TO
#define DEVDIR_FROM		_POSIX_DEVDIR_FROM
#define DEVDIR_TOFROM		_POSIX_DEVDIR_TOFROM
#define DEVDIR_CMD_MASK		_POSIX_DEVDIR_CMD_MASK

#define __POSIX_DEVCTL(__dir, __class, __cmd, __size) \
	((int)((unsigned)(__dir) | ((unsigned)(__size) & 0x3fffu) << 16 | \
	       ((unsigned)(__class) & 0xffu) << 8 | ((unsigned)(__cmd) & 0xffu)))

#define __DION(__class, __cmd)		__POSIX_DEVCTL(DEVDIR_NONE, __class, __cmd, 0)
#define __DIOF(__class, __cmd, __data)	__POSIX_DEVCTL(DEVDIR_FROM, __class, __cmd, sizeof(__data))
#define __DIOT(__class, __cmd, __data)	__POSIX_DEVCTL(DEVDIR_TO, __class, __cmd, sizeof(__data))
#define __DIOTF(__class, __cmd, __data)	__POSIX_DEVCTL(DEVDIR_TOFROM, __class, __cmd, sizeof(__data))

#define get_device_direction(__dcmd)	((unsigned)(__dcmd) & DEVDIR_TOFROM)
#define get_device_command(__dcmd)	((unsigned)(__dcmd) & DEVDIR_CMD_MASK)

/* Command classes. */
#define _DCMD_ALL	0x01
#define _DCMD_FSYS	0x02
#define _DCMD_BLK	_DCMD_FSYS
#define _DCMD_CHR	0x03
#define _DCMD_NET	0x04
#define _DCMD_MISC	0x05
#define _DCMD_IP	0x06
#define _DCMD_MIXER	0x07
#define _DCMD_PROC	0x08
#define _DCMD_MEM	0x09
#define _DCMD_INPUT	0x0b
#define _DCMD_PHOTON	0x0b

/* The commands every resource manager's iofunc_devctl() answers. */
#define DCMD_ALL_GETFLAGS	__DIOF(_DCMD_ALL, 1, int)
#define DCMD_ALL_SETFLAGS	__DIOT(_DCMD_ALL, 2, int)
#define DCMD_ALL_GETMOUNTFLAGS	__DIOF(_DCMD_ALL, 3, int)
#define DCMD_ALL_GETOWN		__DIOF(_DCMD_ALL, 4, int)
#define DCMD_ALL_SETOWN		__DIOT(_DCMD_ALL, 5, int)

#endif /* _DEVCTL_H_INCLUDED */
