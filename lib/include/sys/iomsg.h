/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/iomsg.h> for Linux (libchan): QNX's I/O message types and headers,
 * with QNX 7's numbers, for servers that decode them by hand: the classic
 * receive loop switching on msg.hdr.type (_IO_CONNECT, the range
 * _IO_BASE < type <= _IO_MAX, or a pulse) and replying to each.
 *
 * Types and constants only.  libchan-resmgr (<sys/resmgr.h>, <sys/iofunc.h>)
 * routes them to a resource manager's handlers; its CUSE bridge builds them
 * from Linux programs' open/read/write/ioctl/close of the manager's /dev node.
 */
#ifndef _SYS_IOMSG_H_INCLUDED
#define _SYS_IOMSG_H_INCLUDED

#include <sys/types.h>
#include <sys/stat.h>
#include <utime.h>
#include <sys/neutrino.h>
#include <sys/ftype.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Message types 0x100..0x1ff are the I/O messages; a server's own messages
 * use types outside that range (below _IO_BASE or above _IO_MAX, as QNX's
 * documentation advises), and a pulse has type _PULSE_TYPE (0).
 */
enum _io_msg_bases {
	_IO_BASE = 0x100,
	_IO_MAX = 0x1ff
};

enum _io_msg_type {
	_IO_CONNECT = _IO_BASE,		/* 0x100: open, unlink, rename, ... by path */
	_IO_READ,			/* 0x101 */
	_IO_WRITE,			/* 0x102 */
	_IO_RSVD_CLOSE_OCB,		/* 0x103 */
	_IO_STAT,			/* 0x104 */
	_IO_NOTIFY,			/* 0x105 */
	_IO_DEVCTL,			/* 0x106 */
	_IO_RSVD_UNBLOCK,		/* 0x107 */
	_IO_PATHCONF,			/* 0x108 */
	_IO_LSEEK,			/* 0x109 */
	_IO_CHMOD,			/* 0x10a */
	_IO_CHOWN,			/* 0x10b */
	_IO_UTIME,			/* 0x10c */
	_IO_OPENFD,			/* 0x10d */
	_IO_FDINFO,			/* 0x10e */
	_IO_LOCK,			/* 0x10f */
	_IO_SPACE,			/* 0x110 */
	_IO_SHUTDOWN,			/* 0x111 */
	_IO_MMAP,			/* 0x112 */
	_IO_MSG,			/* 0x113: a manager-specific message */
	_IO_RSVD,			/* 0x114 */
	_IO_DUP,			/* 0x115 */
	_IO_CLOSE,			/* 0x116 */
	_IO_RSVD_LOCK_OCB,		/* 0x117 */
	_IO_RSVD_UNLOCK_OCB,		/* 0x118 */
	_IO_SYNC,			/* 0x119 */
	_IO_POWER,			/* 0x11a */
	_IO_ACL,			/* 0x11b: QNX 7 */
	_IO_RSVD_PAUSE,			/* 0x11c */
	_IO_RSVD_UNPAUSE,		/* 0x11d */
	_IO_READ64,			/* 0x11e */
	_IO_WRITE64,			/* 0x11f */
	_IO_NOTIFY64,			/* 0x120 */
	_IO_UTIME64			/* 0x121 */
};

/* xtype of _IO_READ and _IO_WRITE: the low byte is a type, the rest flags. */
enum _io_msg_xtypes {
	_IO_XTYPE_NONE,
	_IO_XTYPE_READCOND,
	_IO_XTYPE_MQUEUE,
	_IO_XTYPE_TCPIP,
	_IO_XTYPE_TCPIP_MSG,
	_IO_XTYPE_OFFSET,
	_IO_XTYPE_REGISTRY,
	_IO_XTYPE_TCPIP_MSG2,
	_IO_XTYPE_TCPIP_MMSG,
	_IO_XTYPE_READDIR,
	_IO_XTYPE_MASK = 0x000000ff,
	_IO_XFLAG_DIR_EXTRA_HINT = 0x00000100,
	_IO_XFLAG_NONBLOCK = 0x00004000,
	_IO_XFLAG_BLOCK = 0x00008000
};

/* What follows a read or write header for _IO_XTYPE_READCOND and _OFFSET. */
struct _xtype_readcond {
	_Int32t		min;
	_Int32t		time;
	_Int32t		timeout;
};

struct _xtype_offset {
	_Int64t		offset;
};

/* _IO_CONNECT: a path-based request (open() and friends). */
struct _io_connect {
	_Uint16t	type;		/* _IO_CONNECT */
	_Uint16t	subtype;	/* _IO_CONNECT_* */
	_Uint32t	file_type;	/* _FTYPE_* */
	_Uint16t	reply_max;
	_Uint16t	entry_max;
	_Uint32t	key;
	_Uint32t	handle;
	_Uint32t	ioflag;		/* O_* and _IO_FLAG_* */
	_Uint32t	mode;		/* S_IF* */
	_Uint16t	sflag;		/* SH_* */
	_Uint16t	access;
	_Uint16t	zero;
	_Uint16t	path_len;
	_Uint8t		eflag;		/* _IO_CONNECT_EFLAG_* */
	_Uint8t		extra_type;	/* _IO_CONNECT_EXTRA_* */
	_Uint16t	extra_len;
	char		path[1];	/* path_len bytes, NUL, extra_len bytes */
};

enum _io_connect_subtypes {
	_IO_CONNECT_COMBINE,
	_IO_CONNECT_COMBINE_CLOSE,
	_IO_CONNECT_OPEN,
	_IO_CONNECT_UNLINK,
	_IO_CONNECT_RENAME,
	_IO_CONNECT_MKNOD,
	_IO_CONNECT_READLINK,
	_IO_CONNECT_LINK,
	_IO_CONNECT_RSVD_UNBLOCK,
	_IO_CONNECT_MOUNT
};

enum _io_connect_extra_type {
	_IO_CONNECT_EXTRA_NONE,
	_IO_CONNECT_EXTRA_LINK,
	_IO_CONNECT_EXTRA_SYMLINK,
	_IO_CONNECT_EXTRA_MQUEUE,
	_IO_CONNECT_EXTRA_PHOTON,
	_IO_CONNECT_EXTRA_SOCKET,
	_IO_CONNECT_EXTRA_SEM,
	_IO_CONNECT_EXTRA_RESMGR_LINK,
	_IO_CONNECT_EXTRA_PROC_SYMLINK,
	_IO_CONNECT_EXTRA_RENAME,
	_IO_CONNECT_EXTRA_MOUNT,
	_IO_CONNECT_EXTRA_MOUNT_OCB,
	_IO_CONNECT_EXTRA_TYMEM
};

#define _IO_FLAG_RD			0x00000001
#define _IO_FLAG_WR			0x00000002
#define _IO_FLAG_EX			0x00000004
#define _IO_FLAG_MASK			0x00000007

#define _IO_CONNECT_EFLAG_DIR		0x01
#define _IO_CONNECT_EFLAG_DOT		0x02
#define _IO_CONNECT_EFLAG_DOTDOT	0x04

/* Status bits of a connect reply (always negative: _IO_CONNECT_RET_FLAG). */
#define _IO_CONNECT_RET_FTYPE		0x00008000u
#define _IO_CONNECT_RET_LINK		0x00010000u
#define _IO_CONNECT_RET_TYPE_MASK	0x0001e000u
#define _IO_CONNECT_RET_UMASK		0x00020000u
#define _IO_CONNECT_RET_NOCTTY		0x00040000u
#define _IO_CONNECT_RET_CHROOT		0x00080000u
#define _IO_CONNECT_RET_MSG		0x00100000u
#define _IO_CONNECT_RET_FLAG		0x80000000u

typedef union {
	struct _io_connect	connect;
} io_open_t;

/* The header every fd-based message starts with. */
struct _io_combine {
	_Uint16t	type;
	_Uint16t	combine_len;	/* | _IO_COMBINE_FLAG: another message follows */
};

#define _IO_COMBINE_FLAG		0x8000u

struct _io_close {
	_Uint16t	type;		/* _IO_CLOSE */
	_Uint16t	combine_len;
};

typedef union {
	struct _io_close	i;
} io_close_t;

/* _IO_READ and _IO_READ64 (nbytes_hi holds bits 32..63): the same 16 bytes. */
struct _io_read {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	nbytes;
	_Uint32t	xtype;		/* _IO_XTYPE_* | _IO_XFLAG_* */
	_Uint32t	zero;
};

struct _io_read64 {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	nbytes;
	_Uint32t	xtype;
	_Uint32t	nbytes_hi;
};

typedef union {
	struct _io_read		i;
	struct _io_read64	i64;
} io_read_t;

/* _IO_WRITE and _IO_WRITE64, followed by nbytes of data. */
struct _io_write {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	nbytes;
	_Uint32t	xtype;
	_Uint32t	zero;
};

struct _io_write64 {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	nbytes;
	_Uint32t	xtype;
	_Uint32t	nbytes_hi;
};

typedef union {
	struct _io_write	i;
	struct _io_write64	i64;
} io_write_t;

/* _IO_DEVCTL, followed (and replied to) by nbytes of data. */
struct _io_devctl {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Int32t		dcmd;
	_Uint32t	nbytes;
	_Int32t		zero;
};

struct _io_devctl_reply {
	_Uint32t	zero;
	_Int32t		ret_val;
	_Uint32t	nbytes;
	_Int32t		zero2;
};

typedef union {
	struct _io_devctl	i;
	struct _io_devctl_reply	o;
} io_devctl_t;

struct _io_lseek {
	_Uint16t	type;
	_Uint16t	combine_len;
	short		whence;
	_Uint16t	zero;
	_Uint64t	offset;
};

typedef union {
	struct _io_lseek	i;
	_Uint64t		o;
} io_lseek_t;

struct _io_pathconf {
	_Uint16t	type;
	_Uint16t	combine_len;
	short		name;
	_Uint16t	zero;
};

typedef union {
	struct _io_pathconf	i;
} io_pathconf_t;

/* _IO_MSG: a message for one manager, told apart by mgrid and subtype. */
struct _io_msg {
	_Uint16t	type;		/* _IO_MSG */
	_Uint16t	combine_len;
	_Uint16t	mgrid;
	_Uint16t	subtype;
};

typedef union {
	struct _io_msg		i;
} io_msg_t;

/*
 * The connect messages other than open: one header, told apart by subtype.
 * Their extra data (rename and link sources, mount options) is not decoded.
 */
typedef union {
	struct _io_connect	connect;
} io_unlink_t;
typedef union {
	struct _io_connect	connect;
} io_rename_t;
typedef union {
	struct _io_connect	connect;
} io_mknod_t;
typedef union {
	struct _io_connect	connect;
} io_readlink_t;
typedef union {
	struct _io_connect	connect;
} io_link_t;
typedef union {
	struct _io_connect	connect;
} io_mount_t;
typedef union _io_rename_extra io_rename_extra_t;
typedef union _io_link_extra io_link_extra_t;
typedef union _io_mount_extra io_mount_extra_t;

/* _IO_STAT: the reply is the Linux struct stat (QNX has its own layout). */
struct _io_stat {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	zero;
};

typedef union {
	struct _io_stat		i;
	struct stat		o;
} io_stat_t;

/* _IO_NOTIFY conditions (flags) and actions (QNX's <sys/iomgr.h> values). */
#define _NOTIFY_COND_EXTEN		0x80000000
#define _NOTIFY_COND_OBAND		0x40000000
#define _NOTIFY_COND_OUTPUT		0x20000000
#define _NOTIFY_COND_INPUT		0x10000000
#define _NOTIFY_COND_MASK		0xf0000000
#define _NOTIFY_DATA_MASK		(~_NOTIFY_COND_MASK)
#define _NOTIFY_ACTION_TRANARM		0x0
#define _NOTIFY_ACTION_CONDARM		0x1
#define _NOTIFY_ACTION_POLL		0x2
#define _NOTIFY_ACTION_POLLARM		0x3
#define _NOTIFY_ACTION_MASK		0x3

struct _io_notify {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Int32t		action;
	_Int32t		flags;
	_Int32t		mgr[2];
	_Int32t		flags_extra_mask;
	_Int32t		flags_exten;
	_Int32t		nfds;
	_Int32t		fd_first;
	_Int32t		nfds_ready;
	_Int64t		timo;
	/* The client's struct sigevent (64 bytes; strict C99 has no such type). */
	_Uint64t	event[8];
};

struct _io_notify_reply {
	_Uint32t	zero;
	_Uint32t	flags;
	_Int32t		flags2;
	_Int32t		flags_extra_mask;
	_Int32t		flags_exten;
	_Int32t		nfds;
	_Int32t		nfds_ready;
	_Int32t		zero2[3];
};

typedef union {
	struct _io_notify	i;
	struct _io_notify_reply	o;
} io_notify_t;

struct _io_chmod {
	_Uint16t	type;
	_Uint16t	combine_len;
	mode_t		mode;
};

typedef union {
	struct _io_chmod	i;
} io_chmod_t;

struct _io_chown {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Int32t		gid;
	_Int32t		uid;
};

typedef union {
	struct _io_chown	i;
} io_chown_t;

struct _io_utime {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Int32t		cur_flag;	/* nonzero: set both times to now */
	struct utimbuf	times;
};

typedef union {
	struct _io_utime	i;
} io_utime_t;

struct _io_openfd {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	ioflag;
	_Uint16t	sflag;
	_Uint16t	xtype;
	struct _msg_info info;
	_Uint32t	reserved2;
	_Uint32t	key;
};

typedef union {
	struct _io_openfd	i;
} io_openfd_t;

struct _io_fdinfo {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	flags;
	_Int32t		path_len;
	_Uint32t	reserved;
};

typedef union {
	struct _io_fdinfo	i;
} io_fdinfo_t;

struct _io_lock {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	subtype;
	_Int32t		nbytes;
};

typedef union {
	struct _io_lock		i;
} io_lock_t;

struct _io_space {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint16t	subtype;
	short		whence;
	_Uint64t	start;
	_Uint64t	len;
};

typedef union {
	struct _io_space	i;
	_Uint64t		o;
} io_space_t;

struct _io_shutdown {
	_Uint16t	type;
	_Uint16t	combine_len;
};

typedef union {
	struct _io_shutdown	i;
} io_shutdown_t;

struct _io_mmap {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	prot;
	_Uint64t	offset;
	struct _msg_info info;
	_Uint32t	required_prot;
	_Uint32t	zero[5];
};

typedef union {
	struct _io_mmap		i;
} io_mmap_t;

struct _io_dup {
	_Uint16t	type;
	_Uint16t	combine_len;
	struct _msg_info info;
	_Uint32t	reserved;
	_Uint32t	key;
};

typedef union {
	struct _io_dup		i;
} io_dup_t;

struct _io_sync {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	flag;
};

typedef union {
	struct _io_sync		i;
} io_sync_t;

struct _io_power {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	subtype;
	_Uint32t	zero[2];
};

typedef union {
	struct _io_power	i;
} io_power_t;

struct _io_acl {
	_Uint16t	type;
	_Uint16t	combine_len;
	_Uint32t	subtype;
	_Uint32t	zero[2];
};

typedef union {
	struct _io_acl		i;
} io_acl_t;

/* The data that follows a devctl header, in or out: _DEVCTL_DATA(msg->i). */
#define _DEVCTL_DATA(__msg)	((void *)((char *)&(__msg) + sizeof(__msg)))

#ifdef __cplusplus
}
#endif

#endif /* _SYS_IOMSG_H_INCLUDED */
