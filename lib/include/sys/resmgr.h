/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/resmgr.h> for Linux (libchan-resmgr): QNX's resource-manager layer,
 * the contexts, handler tables and calls that route the I/O messages of
 * <sys/iomsg.h> to a manager's handlers, with QNX 7's names and values.
 *
 * The functions are in libchan-resmgr (pkg-config libchan-resmgr, which
 * pulls in libfuse3), not in libchan: programs that only pass messages do
 * not link libfuse.  A path under /dev given to resmgr_attach() becomes a
 * character device through CUSE, so that Linux programs reach the handlers
 * with open/read/write/ioctl/close (docs/RESMGR.md).
 *
 * As on QNX, include <sys/iofunc.h> before this header (or <sys/dispatch.h>)
 * so that RESMGR_HANDLE_T and RESMGR_OCB_T name the iofunc types (or your
 * own IOFUNC_ATTR_T / IOFUNC_OCB_T); otherwise they are void.
 */
#ifndef _SYS_RESMGR_H_INCLUDED
#define _SYS_RESMGR_H_INCLUDED

#include <sys/types.h>
#include <sys/iomsg.h>

#ifndef RESMGR_HANDLE_T
#define RESMGR_HANDLE_T		void
#endif
#ifndef RESMGR_OCB_T
#define RESMGR_OCB_T		void
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _DISPATCH_T_DECLARED
#define _DISPATCH_T_DECLARED
typedef struct _dispatch dispatch_t;
#endif

typedef struct _pulse io_pulse_t;

/* Every message a resource manager receives, as its receive buffer sees it. */
typedef union {
	_Uint16t		type;
	struct _pulse		pulse;
	io_open_t		open;
	io_close_t		close;
	io_read_t		read;
	io_write_t		write;
	io_stat_t		stat;
	io_notify_t		notify;
	io_devctl_t		devctl;
	io_pathconf_t		pathconf;
	io_lseek_t		lseek;
	io_chmod_t		chmod;
	io_chown_t		chown;
	io_utime_t		utime;
	io_openfd_t		openfd;
	io_fdinfo_t		fdinfo;
	io_lock_t		lock;
	io_space_t		space;
	io_shutdown_t		shutdown;
	io_mmap_t		mmap;
	io_msg_t		msg;
	io_dup_t		dup;
	io_sync_t		sync;
	io_power_t		power;
} resmgr_iomsgs_t;

/*
 * What a handler gets: the received message and its _msg_info, the reply
 * status (_IO_SET_READ_NBYTES) and iov[] for _RESMGR_NPARTS(n) replies
 * (resmgr_attr_t's nparts_max entries).
 */
typedef struct _resmgr_context {
	int			rcvid;
	struct _msg_info	info;
	resmgr_iomsgs_t		*msg;
	dispatch_t		*dpp;
	int			id;		/* resmgr_attach()'s id for this message */
	unsigned		tid;
	unsigned		msg_max_size;
	int			status;
	int			offset;		/* of this message in msg (combines: 0) */
	int			size;
	iov_t			iov[1];
} resmgr_context_t;

typedef struct _resmgr_attr {
	unsigned	flags;
	unsigned	nparts_max;
	unsigned	msg_max_size;
	int		(*other_func)(resmgr_context_t *__ctp, void *__msg);
	unsigned	reserved[4];
} resmgr_attr_t;

typedef struct _resmgr_connect_funcs {
	unsigned nfuncs;
	int (*open)(resmgr_context_t *__ctp, io_open_t *__msg, RESMGR_HANDLE_T *__handle,
		    void *__extra);
	int (*unlink)(resmgr_context_t *__ctp, io_unlink_t *__msg, RESMGR_HANDLE_T *__handle,
		      void *__reserved);
	int (*rename)(resmgr_context_t *__ctp, io_rename_t *__msg, RESMGR_HANDLE_T *__handle,
		      io_rename_extra_t *__extra);
	int (*mknod)(resmgr_context_t *__ctp, io_mknod_t *__msg, RESMGR_HANDLE_T *__handle,
		     void *__reserved);
	int (*readlink)(resmgr_context_t *__ctp, io_readlink_t *__msg, RESMGR_HANDLE_T *__handle,
			void *__reserved);
	int (*link)(resmgr_context_t *__ctp, io_link_t *__msg, RESMGR_HANDLE_T *__handle,
		    io_link_extra_t *__extra);
	int (*unblock)(resmgr_context_t *__ctp, io_pulse_t *__msg, RESMGR_HANDLE_T *__handle,
		       void *__reserved);
	int (*mount)(resmgr_context_t *__ctp, io_mount_t *__msg, RESMGR_HANDLE_T *__handle,
		     io_mount_extra_t *__extra);
} resmgr_connect_funcs_t;

/* In the order of the _IO_* types from _IO_READ (0x101) to _IO_UTIME64 (0x121). */
typedef struct _resmgr_io_funcs {
	unsigned nfuncs;
	int (*read)(resmgr_context_t *__ctp, io_read_t *__msg, RESMGR_OCB_T *__ocb);
	int (*write)(resmgr_context_t *__ctp, io_write_t *__msg, RESMGR_OCB_T *__ocb);
	int (*close_ocb)(resmgr_context_t *__ctp, void *__reserved, RESMGR_OCB_T *__ocb);
	int (*stat)(resmgr_context_t *__ctp, io_stat_t *__msg, RESMGR_OCB_T *__ocb);
	int (*notify)(resmgr_context_t *__ctp, io_notify_t *__msg, RESMGR_OCB_T *__ocb);
	int (*devctl)(resmgr_context_t *__ctp, io_devctl_t *__msg, RESMGR_OCB_T *__ocb);
	int (*unblock)(resmgr_context_t *__ctp, io_pulse_t *__msg, RESMGR_OCB_T *__ocb);
	int (*pathconf)(resmgr_context_t *__ctp, io_pathconf_t *__msg, RESMGR_OCB_T *__ocb);
	int (*lseek)(resmgr_context_t *__ctp, io_lseek_t *__msg, RESMGR_OCB_T *__ocb);
	int (*chmod)(resmgr_context_t *__ctp, io_chmod_t *__msg, RESMGR_OCB_T *__ocb);
	int (*chown)(resmgr_context_t *__ctp, io_chown_t *__msg, RESMGR_OCB_T *__ocb);
	int (*utime)(resmgr_context_t *__ctp, io_utime_t *__msg, RESMGR_OCB_T *__ocb);
	int (*openfd)(resmgr_context_t *__ctp, io_openfd_t *__msg, RESMGR_OCB_T *__ocb);
	int (*fdinfo)(resmgr_context_t *__ctp, io_fdinfo_t *__msg, RESMGR_OCB_T *__ocb);
	int (*lock)(resmgr_context_t *__ctp, io_lock_t *__msg, RESMGR_OCB_T *__ocb);
	int (*space)(resmgr_context_t *__ctp, io_space_t *__msg, RESMGR_OCB_T *__ocb);
	int (*shutdown)(resmgr_context_t *__ctp, io_shutdown_t *__msg, RESMGR_OCB_T *__ocb);
	int (*mmap)(resmgr_context_t *__ctp, io_mmap_t *__msg, RESMGR_OCB_T *__ocb);
	int (*msg)(resmgr_context_t *__ctp, io_msg_t *__msg, RESMGR_OCB_T *__ocb);
	int (*reserved)(resmgr_context_t *__ctp, void *__msg, RESMGR_OCB_T *__ocb);
	int (*dup)(resmgr_context_t *__ctp, io_dup_t *__msg, RESMGR_OCB_T *__ocb);
	int (*close_dup)(resmgr_context_t *__ctp, io_close_t *__msg, RESMGR_OCB_T *__ocb);
	int (*lock_ocb)(resmgr_context_t *__ctp, void *__reserved, RESMGR_OCB_T *__ocb);
	int (*unlock_ocb)(resmgr_context_t *__ctp, void *__reserved, RESMGR_OCB_T *__ocb);
	int (*sync)(resmgr_context_t *__ctp, io_sync_t *__msg, RESMGR_OCB_T *__ocb);
	int (*power)(resmgr_context_t *__ctp, io_power_t *__msg, RESMGR_OCB_T *__ocb);
	int (*acl)(resmgr_context_t *__ctp, io_acl_t *__msg, RESMGR_OCB_T *__ocb);
	int (*pause)(resmgr_context_t *__ctp, void *__reserved, RESMGR_OCB_T *__ocb);
	int (*unpause)(resmgr_context_t *__ctp, io_pulse_t *__msg, RESMGR_OCB_T *__ocb);
	int (*read64)(resmgr_context_t *__ctp, io_read_t *__msg, RESMGR_OCB_T *__ocb);
	int (*write64)(resmgr_context_t *__ctp, io_write_t *__msg, RESMGR_OCB_T *__ocb);
	int (*notify64)(resmgr_context_t *__ctp, io_notify_t *__msg, RESMGR_OCB_T *__ocb);
	int (*utime64)(resmgr_context_t *__ctp, io_utime_t *__msg, RESMGR_OCB_T *__ocb);
} resmgr_io_funcs_t;

#define _RESMGR_CONNECT_NFUNCS \
	((sizeof(resmgr_connect_funcs_t) - sizeof(unsigned)) / sizeof(void *))
#define _RESMGR_IO_NFUNCS \
	((sizeof(resmgr_io_funcs_t) - sizeof(unsigned)) / sizeof(void *))

/* What a handler returns: no reply yet, the default action, or n iov parts. */
#define _RESMGR_NOREPLY			0x80000000u
#define _RESMGR_DEFAULT			0x80000001u
#define _RESMGR_NPARTS(__n)		(-(__n))
#define _RESMGR_ERRNO(__err)		(__err)
#define _RESMGR_STATUS(__ctp, __status)	((__ctp)->status = (__status))
#define _RESMGR_PTR(__ctp, __addr, __len) \
	(SETIOV((__ctp)->iov, (__addr), (__len)), _RESMGR_NPARTS(1))

/* The reply status of read() and write(): the byte count. */
#define _IO_SET_READ_NBYTES(__ctp, __nbytes)	((__ctp)->status = (int)(__nbytes))
#define _IO_SET_WRITE_NBYTES(__ctp, __nbytes)	((__ctp)->status = (int)(__nbytes))
#define _IO_SET_CONNECT_RET(__ctp, __status)	((__ctp)->status = (int)(__status))

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

extern int resmgr_attach(dispatch_t *__dpp, resmgr_attr_t *__attr, const char *__path,
			 enum _file_type __file_type, unsigned __flags,
			 const resmgr_connect_funcs_t *__connect_funcs,
			 const resmgr_io_funcs_t *__io_funcs, RESMGR_HANDLE_T *__handle);
extern int resmgr_detach(dispatch_t *__dpp, int __id, unsigned __flags);
extern int resmgr_open_bind(resmgr_context_t *__ctp, void *__ocb,
			    const resmgr_io_funcs_t *__iofuncs);
extern void *resmgr_ocb(resmgr_context_t *__ctp);
extern ssize_t resmgr_msgread(resmgr_context_t *__ctp, void *__msg, size_t __size,
			      size_t __offset);
extern ssize_t resmgr_msgreadv(resmgr_context_t *__ctp, iov_t *__iov, int __parts,
			       size_t __offset);
extern ssize_t resmgr_msgget(resmgr_context_t *__ctp, void *__msg, size_t __size,
			     size_t __offset);
extern ssize_t resmgr_msgwrite(resmgr_context_t *__ctp, const void *__msg, size_t __size,
			       size_t __offset);
extern ssize_t resmgr_msgwritev(resmgr_context_t *__ctp, const iov_t *__iov, int __parts,
				size_t __offset);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_RESMGR_H_INCLUDED */
