// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The resource-manager layer (<sys/resmgr.h>): resmgr_attach() and its
 * /dev node, the OCB bound to each client connection, and the routing of
 * _IO_* messages to the connect and I/O handler tables with QNX's reply
 * rules for a handler's return value.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rm.h"

static struct rm_attach *find_attach(dispatch_t *dpp, int id, struct rm_attach *copy)
{
	struct rm_attach *a;

	pthread_mutex_lock(&dpp->lock);
	for (a = dpp->attaches; a; a = a->next)
		if (a->id == id)
			break;
	if (a)
		*copy = *a;
	pthread_mutex_unlock(&dpp->lock);
	return a ? copy : NULL;
}

RM_EXPORT int resmgr_attach(dispatch_t *dpp, resmgr_attr_t *attr, const char *path,
			    enum _file_type file_type, unsigned flags,
			    const resmgr_connect_funcs_t *connect_funcs,
			    const resmgr_io_funcs_t *io_funcs, RESMGR_HANDLE_T *handle)
{
	struct rm_attach *a;
	mode_t mode = 0600;
	int ret;

	(void)file_type;
	if (!dpp || !connect_funcs || !io_funcs || (flags & ~(unsigned)_RESMGR_FLAG_MASK)) {
		errno = EINVAL;
		return -1;
	}
	/* Only /dev nodes exist for Linux programs so far (docs/RESMGR.md). */
	if (path && (strncmp(path, "/dev/", 5) != 0 || !path[5] || (flags & _RESMGR_FLAG_DIR))) {
		errno = ENOTSUP;
		return -1;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		errno = ENOMEM;
		return -1;
	}
	a->connect_funcs = connect_funcs;
	a->io_funcs = io_funcs;
	a->handle = handle;

	pthread_mutex_lock(&dpp->lock);
	if (attr) {
		if (attr->nparts_max > dpp->nparts_max)
			dpp->nparts_max = attr->nparts_max;
		if (attr->msg_max_size > dpp->msg_max_size)
			dpp->msg_max_size = attr->msg_max_size;
		if (attr->other_func)
			dpp->other_func = attr->other_func;
	}
	a->id = dpp->next_id++;
	pthread_mutex_unlock(&dpp->lock);

	/* The node's permissions are the handle's when it is an iofunc attr. */
	if (handle) {
		const iofunc_attr_t *ia = (const iofunc_attr_t *)handle;

		if (ia->mode & 0777)
			mode = ia->mode & 07777;
	}
	if (path) {
		ret = rm_cuse_start(dpp, a, path, mode);
		if (ret) {
			free(a);
			errno = ret;
			return -1;
		}
	}
	pthread_mutex_lock(&dpp->lock);
	a->next = dpp->attaches;
	dpp->attaches = a;
	pthread_mutex_unlock(&dpp->lock);
	return a->id;
}

RM_EXPORT int resmgr_detach(dispatch_t *dpp, int id, unsigned flags)
{
	struct rm_attach **pp, *a;

	if (!dpp || (flags & ~(unsigned)(_RESMGR_DETACH_PATHNAME | _RESMGR_DETACH_CLOSE))) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&dpp->lock);
	for (pp = &dpp->attaches; (a = *pp); pp = &a->next)
		if (a->id == id)
			break;
	if (a)
		*pp = a->next;
	pthread_mutex_unlock(&dpp->lock);
	if (!a) {
		errno = EINVAL;
		return -1;
	}
	/* The node goes; opens of it fail from now on (ENODEV once the bridge is gone). */
	if (a->cuse)
		rm_cuse_stop(a->cuse);
	free(a);
	return 0;
}

RM_EXPORT int resmgr_open_bind(resmgr_context_t *ctp, void *ocb, const resmgr_io_funcs_t *iofuncs)
{
	struct rm_attach copy, *a;
	struct rm_binding *b, *e;
	dispatch_t *dpp;

	if (!ctp || !ocb) {
		errno = EINVAL;
		return -1;
	}
	dpp = ctp->dpp;
	if (!iofuncs) {
		a = find_attach(dpp, ctp->id, &copy);
		if (!a) {
			errno = EINVAL;
			return -1;
		}
		iofuncs = a->io_funcs;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		errno = ENOMEM;
		return -1;
	}
	b->scoid = ctp->info.scoid;
	b->coid = ctp->info.coid;
	b->id = ctp->id;
	b->ocb = ocb;
	b->io_funcs = iofuncs;
	pthread_mutex_lock(&dpp->lock);
	for (e = dpp->bindings; e; e = e->next)
		if (e->scoid == b->scoid && e->coid == b->coid)
			break;
	if (e) {
		/* A connection opens once: a second open on it is the client's bug. */
		pthread_mutex_unlock(&dpp->lock);
		free(b);
		errno = EBUSY;
		return -1;
	}
	b->next = dpp->bindings;
	dpp->bindings = b;
	pthread_mutex_unlock(&dpp->lock);
	return 0;
}

static struct rm_binding *find_binding(dispatch_t *dpp, int scoid, int coid,
				       struct rm_binding *copy)
{
	struct rm_binding *b;

	pthread_mutex_lock(&dpp->lock);
	for (b = dpp->bindings; b; b = b->next)
		if (b->scoid == scoid && b->coid == coid)
			break;
	if (b)
		*copy = *b;
	pthread_mutex_unlock(&dpp->lock);
	return b ? copy : NULL;
}

RM_EXPORT void *resmgr_ocb(resmgr_context_t *ctp)
{
	struct rm_binding copy, *b;

	if (!ctp)
		return NULL;
	b = find_binding(ctp->dpp, ctp->info.scoid, ctp->info.coid, &copy);
	return b ? b->ocb : NULL;
}

/* Unbinds, and returns, the binding of one connection (NULL: none). */
static struct rm_binding *unbind(dispatch_t *dpp, int scoid, int coid)
{
	struct rm_binding **pp, *b;

	pthread_mutex_lock(&dpp->lock);
	for (pp = &dpp->bindings; (b = *pp); pp = &b->next)
		if (b->scoid == scoid && b->coid == coid)
			break;
	if (b)
		*pp = b->next;
	pthread_mutex_unlock(&dpp->lock);
	return b;
}

static void close_binding(resmgr_context_t *ctp, struct rm_binding *b)
{
	int saved_id = ctp->id;

	ctp->id = b->id;
	if (b->io_funcs->nfuncs >= 3 && b->io_funcs->close_ocb)
		b->io_funcs->close_ocb(ctp, NULL, b->ocb);
	ctp->id = saved_id;
	free(b);
}

/*
 * A handler's return value: _RESMGR_NOREPLY (it replied, or will), an
 * errno (MsgError; EOK replies ctp->status), _RESMGR_NPARTS(n) (status and
 * iov[0..n-1]), or _RESMGR_DEFAULT (ENOSYS, the default of most types).
 */
void rm_reply(resmgr_context_t *ctp, int ret)
{
	struct rm_context *rc;
	int n;

	if (ret == (int)_RESMGR_NOREPLY)
		return;
	if (ret == (int)_RESMGR_DEFAULT) {
		MsgError(ctp->rcvid, ENOSYS);
		return;
	}
	if (ret < 0) {
		n = -ret;
		rc = (struct rm_context *)((char *)ctp - offsetof(struct rm_context, ctx));
		if ((unsigned)n > rc->nparts) {
			MsgError(ctp->rcvid, EINVAL);
			return;
		}
		MsgReplyv(ctp->rcvid, ctp->status, ctp->iov, (size_t)n);
		return;
	}
	if (ret == EOK)
		MsgReply(ctp->rcvid, ctp->status, NULL, 0);
	else
		MsgError(ctp->rcvid, ret);
}

typedef int (*rm_io_fn)(resmgr_context_t *, void *, void *);

/* The I/O handler for @type: resmgr_io_funcs_t is laid out in _IO_* order. */
static rm_io_fn io_handler(const resmgr_io_funcs_t *f, int type)
{
	unsigned idx = (unsigned)(type - _IO_READ);
	rm_io_fn fn;

	if (idx >= f->nfuncs || idx >= _RESMGR_IO_NFUNCS)
		return NULL;
	memcpy(&fn, (const char *)&f->read + idx * sizeof(fn), sizeof(fn));
	return fn;
}

static int handle_connect(resmgr_context_t *ctp)
{
	struct _io_connect *m = &ctp->msg->open.connect;
	const resmgr_connect_funcs_t *cf;
	struct rm_attach copy, *a;
	int ret;

	if (ctp->info.msglen < (int)offsetof(struct _io_connect, path)) {
		MsgError(ctp->rcvid, EBADMSG);
		return -1;
	}
	a = find_attach(ctp->dpp, (int)m->handle, &copy);
	if (!a) {
		MsgError(ctp->rcvid, ENOENT);
		return -1;
	}
	ctp->id = a->id;
	cf = a->connect_funcs;
	switch (m->subtype) {
	case _IO_CONNECT_OPEN:
	case _IO_CONNECT_COMBINE:
	case _IO_CONNECT_COMBINE_CLOSE:
		ret = cf->nfuncs >= 1 && cf->open ?
			cf->open(ctp, &ctp->msg->open, a->handle, NULL) : ENOSYS;
		break;
	case _IO_CONNECT_UNLINK:
		ret = cf->nfuncs >= 2 && cf->unlink ?
			cf->unlink(ctp, (io_unlink_t *)ctp->msg, a->handle, NULL) : ENOSYS;
		break;
	case _IO_CONNECT_MKNOD:
		ret = cf->nfuncs >= 4 && cf->mknod ?
			cf->mknod(ctp, (io_mknod_t *)ctp->msg, a->handle, NULL) : ENOSYS;
		break;
	case _IO_CONNECT_READLINK:
		ret = cf->nfuncs >= 5 && cf->readlink ?
			cf->readlink(ctp, (io_readlink_t *)ctp->msg, a->handle, NULL) : ENOSYS;
		break;
	default:
		ret = ENOSYS;
		break;
	}
	rm_reply(ctp, ret);
	return 0;
}

int rm_handle_io(resmgr_context_t *ctp)
{
	struct rm_binding copy, *b;
	rm_io_fn fn;
	int type = ctp->msg->type;
	int ret;

	if (type == _IO_CONNECT)
		return handle_connect(ctp);
	b = find_binding(ctp->dpp, ctp->info.scoid, ctp->info.coid, &copy);
	if (!b) {
		/* No open on this connection: QNX's answer to an I/O message without an OCB. */
		MsgError(ctp->rcvid, EBADF);
		return -1;
	}
	ctp->id = b->id;
	if (type == _IO_CLOSE) {
		ret = b->io_funcs->close_dup ?
			b->io_funcs->close_dup(ctp, &ctp->msg->close, b->ocb) : EOK;
		rm_reply(ctp, ret);
		b = unbind(ctp->dpp, ctp->info.scoid, ctp->info.coid);
		if (b)
			close_binding(ctp, b);
		return 0;
	}
	fn = io_handler(b->io_funcs, type);
	if (!fn) {
		MsgError(ctp->rcvid, ENOSYS);
		return 0;
	}
	/* QNX's lock_ocb/unlock_ocb bracket: the attr is locked while a handler runs. */
	if (b->io_funcs->nfuncs > 22 && b->io_funcs->lock_ocb)
		b->io_funcs->lock_ocb(ctp, NULL, b->ocb);
	ret = fn(ctp, ctp->msg, b->ocb);
	if (b->io_funcs->nfuncs > 23 && b->io_funcs->unlock_ocb)
		b->io_funcs->unlock_ocb(ctp, NULL, b->ocb);
	if (ret == (int)_RESMGR_DEFAULT && type == _IO_DEVCTL) {
		/* devctl()'s answer to a command nobody handles. */
		MsgError(ctp->rcvid, ENOTTY);
		return 0;
	}
	rm_reply(ctp, ret);
	return 0;
}

/*
 * The kernel's pulses to a resource manager: a client going away closes
 * every OCB it left open; a client that wants to leave its send (a signal,
 * a timeout) gets the I/O unblock handler's verdict, by default EINTR.
 */
int rm_handle_pulse(resmgr_context_t *ctp)
{
	struct _pulse *p = &ctp->msg->pulse;
	struct rm_binding copy, *b, **pp;
	struct _msg_info info;
	int scoid, rcvid, ret;

	switch (p->code) {
	case _PULSE_CODE_DISCONNECT:
		scoid = p->scoid;
		for (;;) {
			pthread_mutex_lock(&ctp->dpp->lock);
			for (pp = &ctp->dpp->bindings; (b = *pp); pp = &b->next)
				if (b->scoid == scoid)
					break;
			if (b)
				*pp = b->next;
			pthread_mutex_unlock(&ctp->dpp->lock);
			if (!b)
				break;
			close_binding(ctp, b);
		}
		ConnectDetach(scoid);
		return 0;
	case _PULSE_CODE_UNBLOCK:
		rcvid = p->value.sival_int;
		if (MsgInfo(rcvid, &info) == -1)
			return 0;	/* already replied */
		b = find_binding(ctp->dpp, info.scoid, info.coid, &copy);
		ret = (int)_RESMGR_DEFAULT;
		ctp->rcvid = rcvid;
		ctp->info = info;
		ctp->status = 0;
		if (b && b->io_funcs->nfuncs >= 7 && b->io_funcs->unblock) {
			ctp->id = b->id;
			ret = b->io_funcs->unblock(ctp, p, b->ocb);
		}
		if (ret == (int)_RESMGR_DEFAULT)
			MsgError(rcvid, EINTR);
		else
			rm_reply(ctp, ret);
		return 0;
	default:
		return -1;
	}
}

RM_EXPORT ssize_t resmgr_msgread(resmgr_context_t *ctp, void *msg, size_t size, size_t offset)
{
	return MsgRead(ctp->rcvid, msg, size, (size_t)ctp->offset + offset);
}

RM_EXPORT ssize_t resmgr_msgreadv(resmgr_context_t *ctp, iov_t *iov, int parts, size_t offset)
{
	if (parts < 0) {
		errno = EINVAL;
		return -1;
	}
	return MsgReadv(ctp->rcvid, iov, (size_t)parts, (size_t)ctp->offset + offset);
}

/* From the receive buffer when it holds the bytes, else from the client. */
RM_EXPORT ssize_t resmgr_msgget(resmgr_context_t *ctp, void *msg, size_t size, size_t offset)
{
	size_t start = (size_t)ctp->offset + offset;
	size_t have = ctp->info.msglen > 0 ? (size_t)ctp->info.msglen : 0;

	if (start <= have && size <= have - start) {
		memcpy(msg, (char *)ctp->msg + start, size);
		return (ssize_t)size;
	}
	return MsgRead(ctp->rcvid, msg, size, start);
}

RM_EXPORT ssize_t resmgr_msgwrite(resmgr_context_t *ctp, const void *msg, size_t size,
				  size_t offset)
{
	return MsgWrite(ctp->rcvid, msg, size, offset);
}

RM_EXPORT ssize_t resmgr_msgwritev(resmgr_context_t *ctp, const iov_t *iov, int parts,
				   size_t offset)
{
	if (parts < 0) {
		errno = EINVAL;
		return -1;
	}
	return MsgWritev(ctp->rcvid, iov, (size_t)parts, offset);
}
