/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/iofunc.h> for Linux (libchan-resmgr): QNX's POSIX layer for resource
 * managers, the attribute, OCB and mount structures and the iofunc_*
 * helpers and default handlers, with QNX 7's names.
 *
 * A manager extends the structures QNX's way: define IOFUNC_ATTR_T,
 * IOFUNC_OCB_T (and IOFUNC_MOUNT_T) to its own struct, whose first member is
 * the iofunc one, before including this header; RESMGR_HANDLE_T and
 * RESMGR_OCB_T follow them into <sys/resmgr.h>'s handler tables and the
 * OCB allocators, while the helpers take the iofunc types, as QNX's do.
 */
#ifndef _SYS_IOFUNC_H_INCLUDED
#define _SYS_IOFUNC_H_INCLUDED

#include <stdint.h>
#include <sys/types.h>

/*
 * QNX's <sys/stat.h> type of a "special named file", which QNX's own
 * resource-manager examples give their attr (S_IFNAM | 0666); Linux has
 * no file type of that value, so a /dev node made for it is a character
 * device as any other.
 */
#ifndef S_IFNAM
#define S_IFNAM			0x5000
#endif

#ifndef IOFUNC_ATTR_T
#define IOFUNC_ATTR_T		struct _iofunc_attr
#endif
#ifndef IOFUNC_OCB_T
#define IOFUNC_OCB_T		struct _iofunc_ocb
#endif
#ifndef IOFUNC_MOUNT_T
#define IOFUNC_MOUNT_T		struct _iofunc_mount
#endif
#ifndef RESMGR_HANDLE_T
#define RESMGR_HANDLE_T		IOFUNC_ATTR_T
#endif
#ifndef RESMGR_OCB_T
#define RESMGR_OCB_T		IOFUNC_OCB_T
#endif

/* Declared before <sys/resmgr.h> names them in its handler tables. */
IOFUNC_ATTR_T;
IOFUNC_OCB_T;
IOFUNC_MOUNT_T;

#include <sys/iomsg.h>
#include <sys/resmgr.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * How a manager allocates its own (larger) OCBs and locks its attributes:
 * iofunc_mount_t's funcs (NULL entries: the library's own).
 */
typedef struct _iofunc_funcs {
	unsigned	nfuncs;
	IOFUNC_OCB_T	*(*ocb_calloc)(resmgr_context_t *__ctp, IOFUNC_ATTR_T *__attr);
	void		(*ocb_free)(IOFUNC_OCB_T *__ocb);
	int		(*attr_lock)(IOFUNC_ATTR_T *__attr);
	int		(*attr_unlock)(IOFUNC_ATTR_T *__attr);
	int		(*attr_trylock)(IOFUNC_ATTR_T *__attr);
} iofunc_funcs_t;

#define _IOFUNC_NFUNCS	((sizeof(iofunc_funcs_t) - sizeof(unsigned)) / sizeof(void *))

typedef struct _iofunc_mount {
	uint32_t	flags;
	uint32_t	conf;
	dev_t		dev;
	int32_t		blocksize;
	iofunc_funcs_t	*funcs;
	void		*power;		/* reserved */
} iofunc_mount_t;

/* What a resource (the handle of resmgr_attach) is: stat()'s fields and counts. */
typedef struct _iofunc_attr {
	IOFUNC_MOUNT_T	*mount;
	uint32_t	flags;		/* IOFUNC_ATTR_* */
	int32_t		lock_tid;
	uint16_t	lock_count;
	uint16_t	count;		/* open OCBs */
	uint16_t	rcount;		/* of them for reading */
	uint16_t	wcount;		/* for writing */
	uint16_t	rlocks;
	uint16_t	wlocks;
	struct _iofunc_mmap_list *mmap_list;
	struct _iofunc_lock_list *lock_list;
	void		*lockobj;
	void		*acl;
	int64_t		nbytes;
	ino_t		inode;
	uid_t		uid;
	gid_t		gid;
	time_t		mtime;
	time_t		atime;
	time_t		ctime;
	mode_t		mode;
	nlink_t		nlink;
	dev_t		rdev;
} iofunc_attr_t;

/* One open of a resource (QNX: the Open Control Block). */
typedef struct _iofunc_ocb {
	IOFUNC_ATTR_T	*attr;
	int32_t		ioflag;		/* open()'s flags with the access mode + 1 (_IO_FLAG_*) */
	int64_t		offset;
	uint16_t	sflag;
	uint16_t	flags;		/* IOFUNC_OCB_* */
	void		*reserved;
} iofunc_ocb_t;

/* iofunc_attr_t flags: times to update, and what changed. */
#define IOFUNC_ATTR_MTIME		0x00000001
#define IOFUNC_ATTR_ATIME		0x00000002
#define IOFUNC_ATTR_CTIME		0x00000004
#define IOFUNC_ATTR_DIRTY_MASK		0x00000ff0
#define IOFUNC_ATTR_DIRTY_SIZE		0x00000010
#define IOFUNC_ATTR_DIRTY_OWNER		0x00000020
#define IOFUNC_ATTR_DIRTY_TIME		0x00000040
#define IOFUNC_ATTR_DIRTY_MODE		0x00000080
#define IOFUNC_ATTR_DIRTY_NLINK		0x00000100
#define IOFUNC_ATTR_DIRTY_RDEV		0x00000200
#define IOFUNC_ATTR_RSVD		0x0000ffff
#define IOFUNC_ATTR_PRIVATE		0xffff0000

/* iofunc_ocb_t flags. */
#define IOFUNC_OCB_PRIVILEGED		0x0001
#define IOFUNC_OCB_MMAP			0x0002
#define IOFUNC_OCB_FLAGS_PRIVATE	0xf000

/* iofunc_mount_t flags. */
#define IOFUNC_MOUNT_FLAGS		0x000000ff
#define IOFUNC_MOUNT_32BIT		0x00000100
#define IOFUNC_MOUNT_FLAGS_PRIVATE	0xfffff000

/* What iofunc_ocb_detach() returns. */
#define IOFUNC_OCB_LAST_INUSE		0x0001
#define IOFUNC_OCB_LAST_READER		0x0002
#define IOFUNC_OCB_LAST_WRITER		0x0004

extern void iofunc_func_init(unsigned __nconnect, resmgr_connect_funcs_t *__connect,
			     unsigned __nio, resmgr_io_funcs_t *__io);
extern void iofunc_attr_init(iofunc_attr_t *__attr, mode_t __mode, iofunc_attr_t *__dattr,
			     struct _client_info *__info);
extern int iofunc_client_info(const resmgr_context_t *const __ctp, const int __ioflag,
			      struct _client_info *__info);
extern int iofunc_check_access(resmgr_context_t *__ctp, const iofunc_attr_t *__attr,
			       mode_t __checkmode, const struct _client_info *__info);
extern int iofunc_open(resmgr_context_t *__ctp, io_open_t *__msg, iofunc_attr_t *__attr,
		       iofunc_attr_t *__dattr, struct _client_info *__info);
extern int iofunc_ocb_attach(resmgr_context_t *__ctp, io_open_t *__msg, iofunc_ocb_t *__ocb,
			     iofunc_attr_t *__attr, const resmgr_io_funcs_t *__io_funcs);
extern int iofunc_ocb_detach(resmgr_context_t *__ctp, iofunc_ocb_t *__ocb);
extern IOFUNC_OCB_T *iofunc_ocb_calloc(resmgr_context_t *__ctp, IOFUNC_ATTR_T *__attr);
extern void iofunc_ocb_free(IOFUNC_OCB_T *__ocb);
extern int iofunc_open_default(resmgr_context_t *__ctp, io_open_t *__msg,
			       iofunc_attr_t *__attr, void *__extra);
extern int iofunc_read_verify(resmgr_context_t *__ctp, io_read_t *__msg, iofunc_ocb_t *__ocb,
			      int *__nonblock);
extern int iofunc_write_verify(resmgr_context_t *__ctp, io_write_t *__msg,
			       iofunc_ocb_t *__ocb, int *__nonblock);
extern int iofunc_read_default(resmgr_context_t *__ctp, io_read_t *__msg, iofunc_ocb_t *__ocb);
extern int iofunc_write_default(resmgr_context_t *__ctp, io_write_t *__msg,
				iofunc_ocb_t *__ocb);
extern int iofunc_close_ocb_default(resmgr_context_t *__ctp, void *__reserved,
				    iofunc_ocb_t *__ocb);
extern int iofunc_close_dup_default(resmgr_context_t *__ctp, io_close_t *__msg,
				    iofunc_ocb_t *__ocb);
extern int iofunc_stat(resmgr_context_t *__ctp, iofunc_attr_t *__attr, struct stat *__stat);
extern int iofunc_stat_default(resmgr_context_t *__ctp, io_stat_t *__msg, iofunc_ocb_t *__ocb);
extern int iofunc_devctl(resmgr_context_t *__ctp, io_devctl_t *__msg, iofunc_ocb_t *__ocb,
			 iofunc_attr_t *__attr);
extern int iofunc_devctl_default(resmgr_context_t *__ctp, io_devctl_t *__msg,
				 iofunc_ocb_t *__ocb);
extern int iofunc_unblock_default(resmgr_context_t *__ctp, io_pulse_t *__msg,
				  iofunc_ocb_t *__ocb);
extern int iofunc_lseek_default(resmgr_context_t *__ctp, io_lseek_t *__msg,
				iofunc_ocb_t *__ocb);
extern int iofunc_time_update(iofunc_attr_t *__attr);
extern int iofunc_attr_lock(iofunc_attr_t *__attr);
extern int iofunc_attr_trylock(iofunc_attr_t *__attr);
extern int iofunc_attr_unlock(iofunc_attr_t *__attr);
extern int iofunc_lock_ocb_default(resmgr_context_t *__ctp, void *__reserved, iofunc_ocb_t *__ocb);
extern int iofunc_unlock_ocb_default(resmgr_context_t *__ctp, void *__reserved,
				     iofunc_ocb_t *__ocb);

/*
 * _IO_NOTIFY (poll/select, ionotify): the manager keeps one list per
 * condition, armed by iofunc_notify() and fired by iofunc_notify_trigger();
 * the lists belong to the manager's attr (its lock guards them).
 */
#define IOFUNC_NOTIFY_INPUT	0
#define IOFUNC_NOTIFY_OUTPUT	1
#define IOFUNC_NOTIFY_OBAND	2

typedef struct _iofunc_notify_event {
	struct _iofunc_notify_event	*next;
	int				rcvid;
	int				scoid;
	int				cnt;
	int				coid;
	unsigned			flags;
	_Uint64t			event[8];	/* the client's struct sigevent */
} iofunc_notify_event_t;

typedef struct _iofunc_notify {
	int				cnt;	/* trigger count when notifycounts is NULL */
	struct _iofunc_notify_event	*list;
} iofunc_notify_t;

#define IOFUNC_NOTIFY_INIT(__nop)					\
	((__nop)[IOFUNC_NOTIFY_INPUT].cnt = (__nop)[IOFUNC_NOTIFY_OUTPUT].cnt = \
	 (__nop)[IOFUNC_NOTIFY_OBAND].cnt = 1,				\
	 (__nop)[IOFUNC_NOTIFY_INPUT].list = (__nop)[IOFUNC_NOTIFY_OUTPUT].list = \
	 (__nop)[IOFUNC_NOTIFY_OBAND].list = 0)

extern int iofunc_notify(resmgr_context_t *__ctp, io_notify_t *__msg, iofunc_notify_t *__nop,
			 int __trig, const int *__notifycounts, int *__armed);
extern void iofunc_notify_trigger(iofunc_notify_t *__nop, int __cnt, int __index);
extern void iofunc_notify_remove(resmgr_context_t *__ctp, iofunc_notify_t *__nop);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_IOFUNC_H_INCLUDED */
