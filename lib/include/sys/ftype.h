/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/ftype.h> for Linux (libchan): QNX's file types, as _IO_CONNECT's
 * file_type carries them (name_open() sends _FTYPE_NAME).
 */
#ifndef _SYS_FTYPE_H_INCLUDED
#define _SYS_FTYPE_H_INCLUDED

enum _file_type {
	_FTYPE_MATCHED = -1,
	_FTYPE_ALL = -1,
	_FTYPE_ANY = 0,
	_FTYPE_FILE,
	_FTYPE_LINK,
	_FTYPE_SYMLINK,
	_FTYPE_PIPE,
	_FTYPE_SHMEM,
	_FTYPE_MQUEUE,
	_FTYPE_SOCKET,
	_FTYPE_SEM,
	_FTYPE_PHOTON,
	_FTYPE_DUMPER,
	_FTYPE_MOUNT,
	_FTYPE_NAME,
	_FTYPE_TYMEM
};

#endif /* _SYS_FTYPE_H_INCLUDED */
