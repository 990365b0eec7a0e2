// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The POSIX layer (<sys/iofunc.h>): attributes, OCBs and the default
 * handlers, with QNX's documented semantics and errnos.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <devctl.h>

#include "rm.h"

RM_EXPORT void iofunc_func_init(unsigned nconnect, resmgr_connect_funcs_t *connect,
				unsigned nio, resmgr_io_funcs_t *io)
{
	resmgr_connect_funcs_t c;
	resmgr_io_funcs_t f;

	memset(&c, 0, sizeof(c));
	c.open = iofunc_open_default;
	memset(&f, 0, sizeof(f));
	f.read = iofunc_read_default;
	f.write = iofunc_write_default;
	f.close_ocb = iofunc_close_ocb_default;
	f.stat = iofunc_stat_default;
	f.devctl = iofunc_devctl_default;
	f.unblock = iofunc_unblock_default;
	f.lseek = iofunc_lseek_default;
	f.close_dup = iofunc_close_dup_default;
	f.lock_ocb = iofunc_lock_ocb_default;
	f.unlock_ocb = iofunc_unlock_ocb_default;

	/* A table sized for an older header gets the first n entries. */
	if (connect) {
		if (nconnect > _RESMGR_CONNECT_NFUNCS)
			nconnect = _RESMGR_CONNECT_NFUNCS;
		memset(connect, 0, sizeof(unsigned) + nconnect * sizeof(void *));
		memcpy((char *)connect + offsetof(resmgr_connect_funcs_t, open), &c.open,
		       nconnect * sizeof(void *));
		connect->nfuncs = nconnect;
	}
	if (io) {
		if (nio > _RESMGR_IO_NFUNCS)
			nio = _RESMGR_IO_NFUNCS;
		memcpy((char *)io + offsetof(resmgr_io_funcs_t, read), &f.read,
		       nio * sizeof(void *));
		io->nfuncs = nio;
	}
}

RM_EXPORT void iofunc_attr_init(iofunc_attr_t *attr, mode_t mode, iofunc_attr_t *dattr,
				struct _client_info *info)
{
	time_t now = time(NULL);

	if (!attr)
		return;
	memset(attr, 0, sizeof(*attr));
	attr->mode = mode;
	attr->nlink = 1;
	attr->mtime = attr->atime = attr->ctime = now;
	if (info) {
		attr->uid = info->cred.euid;
		attr->gid = info->cred.egid;
	} else if (dattr) {
		attr->uid = dattr->uid;
		attr->gid = dattr->gid;
	}
	if (dattr)
		attr->mount = dattr->mount;
}

/*
 * The client's credentials.  An open bridged from a Linux program (CUSE)
 * arrives from this very process: the credentials are that program's.
 */
RM_EXPORT int iofunc_client_info(const resmgr_context_t *const ctp, const int ioflag,
				 struct _client_info *info)
{
	uid_t uid;
	gid_t gid;
	pid_t pid;

	(void)ioflag;
	if (!ctp || !info)
		return EINVAL;
	memset(info, 0, sizeof(*info));
	if (ctp->info.pid == getpid() && rm_bridge_creds(ctp->info.coid, &uid, &gid, &pid) == 0) {
		info->nd = ND_LOCAL_NODE;
		info->pid = pid;
		info->cred.ruid = info->cred.euid = info->cred.suid = uid;
		info->cred.rgid = info->cred.egid = info->cred.sgid = gid;
		return EOK;
	}
	if (ConnectClientInfo(ctp->info.scoid, info, 0) == -1)
		return errno;
	return EOK;
}

/* S_IREAD/S_IWRITE/S_IEXEC against the mode; S_ISUID: must own it.  Root passes. */
RM_EXPORT int iofunc_check_access(resmgr_context_t *ctp, const iofunc_attr_t *attr,
				  mode_t checkmode, const struct _client_info *info)
{
	struct _client_info local;
	mode_t bits, need;
	unsigned i;
	int ret;

	if (!attr)
		return EINVAL;
	if (!info) {
		ret = iofunc_client_info(ctp, 0, &local);
		if (ret)
			return ret;
		info = &local;
	}
	if (info->cred.euid == 0)
		return EOK;
	if ((checkmode & S_ISUID) && info->cred.euid != attr->uid)
		return EPERM;
	need = checkmode & (S_IRUSR | S_IWUSR | S_IXUSR);
	if (!need)
		return EOK;
	if (info->cred.euid == attr->uid) {
		bits = attr->mode & S_IRWXU;
	} else {
		bits = attr->mode << 6 & S_IRWXU;	/* others' bits, as the owner's */
		if (info->cred.egid == attr->gid)
			bits = attr->mode << 3 & S_IRWXU;
		for (i = 0; i < info->cred.ngroups && i < __QCHAN_NGROUPS_MAX; i++)
			if (info->cred.grouplist[i] == attr->gid)
				bits = attr->mode << 3 & S_IRWXU;
	}
	return (bits & need) == need ? EOK : EACCES;
}

RM_EXPORT int iofunc_open(resmgr_context_t *ctp, io_open_t *msg, iofunc_attr_t *attr,
			  iofunc_attr_t *dattr, struct _client_info *info)
{
	mode_t check = 0;
	uint32_t ioflag;

	(void)dattr;
	if (!ctp || !msg || !attr)
		return EINVAL;
	ioflag = msg->connect.ioflag;
	if ((ioflag & O_CREAT) && (ioflag & O_EXCL))
		return EEXIST;
	if (ioflag & _IO_FLAG_RD)
		check |= S_IRUSR;
	if (ioflag & _IO_FLAG_WR)
		check |= S_IWUSR;
	return iofunc_check_access(ctp, attr, check, info);
}

RM_EXPORT iofunc_ocb_t *iofunc_ocb_calloc(resmgr_context_t *ctp, iofunc_attr_t *attr)
{
	(void)ctp;
	(void)attr;
	return calloc(1, sizeof(iofunc_ocb_t));
}

RM_EXPORT void iofunc_ocb_free(iofunc_ocb_t *ocb)
{
	free(ocb);
}

/* A manager's own OCB allocator, if its mount names one (IOFUNC_OCB_T pattern). */
static iofunc_funcs_t *mount_funcs(iofunc_attr_t *attr)
{
	iofunc_funcs_t *f = attr && attr->mount ? attr->mount->funcs : NULL;

	return f && f->nfuncs >= 2 ? f : NULL;
}

/*
 * The attribute lock the library takes around each I/O handler
 * (lock_ocb/unlock_ocb), recursive per thread: lock_tid and lock_count,
 * waited on under one process-wide mutex.  A mount's own attr_lock wins.
 */
static pthread_mutex_t attr_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t attr_cond = PTHREAD_COND_INITIALIZER;

static int attr_lock(iofunc_attr_t *attr, int wait)
{
	int32_t self = (int32_t)gettid();
	int ret = EOK;

	pthread_mutex_lock(&attr_mutex);
	while (attr->lock_count && attr->lock_tid != self) {
		if (!wait) {
			ret = EBUSY;
			break;
		}
		pthread_cond_wait(&attr_cond, &attr_mutex);
	}
	if (ret == EOK) {
		attr->lock_tid = self;
		attr->lock_count++;
	}
	pthread_mutex_unlock(&attr_mutex);
	return ret;
}

RM_EXPORT int iofunc_attr_lock(iofunc_attr_t *attr)
{
	iofunc_funcs_t *f = attr && attr->mount ? attr->mount->funcs : NULL;

	if (!attr)
		return EINVAL;
	if (f && f->nfuncs >= 3 && f->attr_lock)
		return f->attr_lock(attr);
	return attr_lock(attr, 1);
}

RM_EXPORT int iofunc_attr_trylock(iofunc_attr_t *attr)
{
	iofunc_funcs_t *f = attr && attr->mount ? attr->mount->funcs : NULL;

	if (!attr)
		return EINVAL;
	if (f && f->nfuncs >= 5 && f->attr_trylock)
		return f->attr_trylock(attr);
	return attr_lock(attr, 0);
}

RM_EXPORT int iofunc_attr_unlock(iofunc_attr_t *attr)
{
	iofunc_funcs_t *f = attr && attr->mount ? attr->mount->funcs : NULL;
	int ret = EOK;

	if (!attr)
		return EINVAL;
	if (f && f->nfuncs >= 4 && f->attr_unlock)
		return f->attr_unlock(attr);
	pthread_mutex_lock(&attr_mutex);
	if (!attr->lock_count || attr->lock_tid != (int32_t)gettid())
		ret = EPERM;
	else if (--attr->lock_count == 0)
		pthread_cond_broadcast(&attr_cond);
	pthread_mutex_unlock(&attr_mutex);
	return ret;
}

RM_EXPORT int iofunc_lock_ocb_default(resmgr_context_t *ctp, void *reserved, iofunc_ocb_t *ocb)
{
	(void)ctp;
	(void)reserved;
	return ocb && ocb->attr ? iofunc_attr_lock(ocb->attr) : EOK;
}

RM_EXPORT int iofunc_unlock_ocb_default(resmgr_context_t *ctp, void *reserved, iofunc_ocb_t *ocb)
{
	(void)ctp;
	(void)reserved;
	return ocb && ocb->attr ? iofunc_attr_unlock(ocb->attr) : EOK;
}

RM_EXPORT int iofunc_ocb_attach(resmgr_context_t *ctp, io_open_t *msg, iofunc_ocb_t *ocb,
				iofunc_attr_t *attr, const resmgr_io_funcs_t *io_funcs)
{
	iofunc_funcs_t *mf = mount_funcs(attr);
	int allocated = 0;

	if (!ctp || !msg || !attr)
		return EINVAL;
	if (!ocb) {
		ocb = mf && mf->ocb_calloc ? mf->ocb_calloc(ctp, attr) : iofunc_ocb_calloc(ctp, attr);
		if (!ocb)
			return ENOMEM;
		allocated = 1;
	}
	ocb->attr = attr;
	ocb->ioflag = (int32_t)msg->connect.ioflag;
	ocb->sflag = msg->connect.sflag;
	ocb->offset = (msg->connect.ioflag & O_APPEND) ? attr->nbytes : 0;
	if (resmgr_open_bind(ctp, ocb, io_funcs) == -1) {
		int err = errno;

		if (allocated) {
			if (mf && mf->ocb_free)
				mf->ocb_free(ocb);
			else
				iofunc_ocb_free(ocb);
		}
		return err;
	}
	attr->count++;
	if (ocb->ioflag & _IO_FLAG_RD)
		attr->rcount++;
	if (ocb->ioflag & _IO_FLAG_WR)
		attr->wcount++;
	return EOK;
}

/* Returns which last user left: IOFUNC_OCB_LAST_*. */
RM_EXPORT int iofunc_ocb_detach(resmgr_context_t *ctp, iofunc_ocb_t *ocb)
{
	iofunc_attr_t *attr;
	int last = 0;

	(void)ctp;
	if (!ocb || !ocb->attr)
		return 0;
	attr = ocb->attr;
	if (attr->count && --attr->count == 0)
		last |= IOFUNC_OCB_LAST_INUSE;
	if ((ocb->ioflag & _IO_FLAG_RD) && attr->rcount && --attr->rcount == 0)
		last |= IOFUNC_OCB_LAST_READER;
	if ((ocb->ioflag & _IO_FLAG_WR) && attr->wcount && --attr->wcount == 0)
		last |= IOFUNC_OCB_LAST_WRITER;
	return last;
}

RM_EXPORT int iofunc_open_default(resmgr_context_t *ctp, io_open_t *msg, iofunc_attr_t *attr,
				  void *extra)
{
	int ret;

	(void)extra;
	ret = iofunc_open(ctp, msg, attr, NULL, NULL);
	if (ret != EOK)
		return ret;
	return iofunc_ocb_attach(ctp, msg, NULL, attr, NULL);
}

RM_EXPORT int iofunc_close_ocb_default(resmgr_context_t *ctp, void *reserved, iofunc_ocb_t *ocb)
{
	iofunc_funcs_t *mf;

	(void)reserved;
	if (!ocb)
		return EOK;
	mf = mount_funcs(ocb->attr);
	iofunc_time_update(ocb->attr);
	iofunc_ocb_detach(ctp, ocb);
	if (mf && mf->ocb_free)
		mf->ocb_free(ocb);
	else
		iofunc_ocb_free(ocb);
	return EOK;
}

RM_EXPORT int iofunc_close_dup_default(resmgr_context_t *ctp, io_close_t *msg, iofunc_ocb_t *ocb)
{
	(void)ctp;
	(void)msg;
	(void)ocb;
	return EOK;
}

static int xtype_nonblock(uint32_t xtype, int32_t ioflag)
{
	if (xtype & _IO_XFLAG_NONBLOCK)
		return O_NONBLOCK;
	if (xtype & _IO_XFLAG_BLOCK)
		return 0;
	return ioflag & O_NONBLOCK;
}

RM_EXPORT int iofunc_read_verify(resmgr_context_t *ctp, io_read_t *msg, iofunc_ocb_t *ocb,
				 int *nonblock)
{
	(void)ctp;
	if (!msg || !ocb)
		return EINVAL;
	if (!(ocb->ioflag & _IO_FLAG_RD))
		return EBADF;
	if (nonblock)
		*nonblock = xtype_nonblock(msg->i.xtype, ocb->ioflag);
	return EOK;
}

RM_EXPORT int iofunc_write_verify(resmgr_context_t *ctp, io_write_t *msg, iofunc_ocb_t *ocb,
				  int *nonblock)
{
	int64_t head, sent;

	if (!ctp || !msg || !ocb)
		return EINVAL;
	if (!(ocb->ioflag & _IO_FLAG_WR))
		return EBADF;
	/* The client sent fewer bytes than its header claims. */
	head = (int64_t)ctp->offset + (int64_t)sizeof(msg->i);
	sent = ctp->info.srcmsglen > head ? ctp->info.srcmsglen - head : 0;
	if ((int64_t)msg->i.nbytes > sent)
		return EBADMSG;
	if (nonblock)
		*nonblock = xtype_nonblock(msg->i.xtype, ocb->ioflag);
	return EOK;
}

RM_EXPORT int iofunc_read_default(resmgr_context_t *ctp, io_read_t *msg, iofunc_ocb_t *ocb)
{
	int ret = iofunc_read_verify(ctp, msg, ocb, NULL);

	if (ret != EOK)
		return ret;
	_IO_SET_READ_NBYTES(ctp, 0);
	return _RESMGR_NPARTS(0);
}

RM_EXPORT int iofunc_write_default(resmgr_context_t *ctp, io_write_t *msg, iofunc_ocb_t *ocb)
{
	int ret = iofunc_write_verify(ctp, msg, ocb, NULL);

	if (ret != EOK)
		return ret;
	if ((msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE &&
	    (msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_OFFSET)
		return EINVAL;
	_IO_SET_WRITE_NBYTES(ctp, msg->i.nbytes);
	if (msg->i.nbytes)
		ocb->attr->flags |= IOFUNC_ATTR_MTIME | IOFUNC_ATTR_CTIME;
	return _RESMGR_NPARTS(0);
}

RM_EXPORT int iofunc_time_update(iofunc_attr_t *attr)
{
	time_t now;

	if (!attr)
		return EINVAL;
	if (!(attr->flags & (IOFUNC_ATTR_ATIME | IOFUNC_ATTR_MTIME | IOFUNC_ATTR_CTIME)))
		return EOK;
	now = time(NULL);
	if (attr->flags & IOFUNC_ATTR_ATIME)
		attr->atime = now;
	if (attr->flags & IOFUNC_ATTR_MTIME)
		attr->mtime = now;
	if (attr->flags & IOFUNC_ATTR_CTIME)
		attr->ctime = now;
	attr->flags &= ~(uint32_t)(IOFUNC_ATTR_ATIME | IOFUNC_ATTR_MTIME | IOFUNC_ATTR_CTIME);
	attr->flags |= IOFUNC_ATTR_DIRTY_TIME;
	return EOK;
}

RM_EXPORT int iofunc_stat(resmgr_context_t *ctp, iofunc_attr_t *attr, struct stat *st)
{
	(void)ctp;
	if (!attr || !st)
		return EINVAL;
	memset(st, 0, sizeof(*st));
	st->st_ino = attr->inode;
	st->st_size = (off_t)attr->nbytes;
	st->st_uid = attr->uid;
	st->st_gid = attr->gid;
	st->st_mode = attr->mode;
	st->st_nlink = attr->nlink;
	st->st_rdev = attr->rdev;
	st->st_atime = attr->atime;
	st->st_mtime = attr->mtime;
	st->st_ctime = attr->ctime;
	if (attr->mount) {
		st->st_dev = attr->mount->dev;
		st->st_blksize = attr->mount->blocksize;
	}
	return EOK;
}

RM_EXPORT int iofunc_stat_default(resmgr_context_t *ctp, io_stat_t *msg, iofunc_ocb_t *ocb)
{
	struct stat st;

	if (!msg || !ocb)
		return EINVAL;
	iofunc_time_update(ocb->attr);
	iofunc_stat(ctp, ocb->attr, &st);
	memcpy(&msg->o, &st, sizeof(st));
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o));
}

/* The DCMD_ALL_* commands; anything else is the manager's (_RESMGR_DEFAULT). */
RM_EXPORT int iofunc_devctl(resmgr_context_t *ctp, io_devctl_t *msg, iofunc_ocb_t *ocb,
			    iofunc_attr_t *attr)
{
	const int32_t settable = O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC;
	int32_t v = 0;

	if (!ctp || !msg || !ocb)
		return EINVAL;
	switch (msg->i.dcmd) {
	case DCMD_ALL_GETFLAGS:
		/* fcntl(F_GETFL)'s view: the access mode back to O_RDONLY..O_RDWR. */
		v = (ocb->ioflag & ~O_ACCMODE) | ((ocb->ioflag & _IO_FLAG_MASK) - 1);
		break;
	case DCMD_ALL_SETFLAGS:
		if (ctp->info.msglen < (int)(sizeof(msg->i) + sizeof(v)))
			return EINVAL;
		memcpy(&v, _DEVCTL_DATA(msg->i), sizeof(v));
		ocb->ioflag = (ocb->ioflag & ~settable) | (v & settable);
		v = 0;
		break;
	case DCMD_ALL_GETMOUNTFLAGS:
		v = attr && attr->mount ? (int32_t)attr->mount->flags : 0;
		break;
	default:
		return (int)_RESMGR_DEFAULT;
	}
	memset(&msg->o, 0, sizeof(msg->o));
	msg->o.nbytes = sizeof(v);
	memcpy(_DEVCTL_DATA(msg->o), &v, sizeof(v));
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o) + sizeof(v));
}

RM_EXPORT int iofunc_devctl_default(resmgr_context_t *ctp, io_devctl_t *msg, iofunc_ocb_t *ocb)
{
	return iofunc_devctl(ctp, msg, ocb, ocb ? ocb->attr : NULL);
}

RM_EXPORT int iofunc_unblock_default(resmgr_context_t *ctp, io_pulse_t *msg, iofunc_ocb_t *ocb)
{
	(void)ctp;
	(void)msg;
	(void)ocb;
	return (int)_RESMGR_DEFAULT;
}

RM_EXPORT int iofunc_lseek_default(resmgr_context_t *ctp, io_lseek_t *msg, iofunc_ocb_t *ocb)
{
	int64_t base, off;

	if (!msg || !ocb)
		return EINVAL;
	switch (msg->i.whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = ocb->offset;
		break;
	case SEEK_END:
		base = ocb->attr->nbytes;
		break;
	default:
		return EINVAL;
	}
	if (__builtin_add_overflow(base, (int64_t)msg->i.offset, &off) || off < 0)
		return EINVAL;
	ocb->offset = off;
	msg->o = (uint64_t)off;
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o));
}
