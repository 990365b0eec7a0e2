// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The asynchronous API (<qchan/uring.h>): SQEs for the QCHAN_UCMD_*
 * commands.  Only liburing's inline helpers are used: libchan does not link
 * liburing, its callers do.
 */
#include <errno.h>
#include <string.h>
#include <liburing.h>

#include <qchan/libchan.h>
#include <qchan/uring.h>

#include "internal.h"

#define U64(p)	PTR_U64(p)

static int prep(struct io_uring_sqe *sqe, unsigned int op, uint64_t arg)
{
	struct qchan_uring_cmd uc = { .arg_ptr = arg };
	uint64_t user_data = sqe->user_data;
	int fd = qchan_context_fd();

	if (fd < 0)
		return fd;
	/* io_uring_prep_rw() clears the SQE, user_data included: the caller may have set it. */
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &uc, sizeof(uc));
	sqe->user_data = user_data;
	return 0;
}

QCHAN_EXPORT int qchan_prep_sendv(struct io_uring_sqe *sqe, struct qchan_async_send *s, int coid,
				 const iov_t *siov, unsigned int sparts, const iov_t *riov,
				 unsigned int rparts)
{
	memset(&s->arg, 0, sizeof(s->arg));
	s->arg.coid = coid;
	s->arg.send_parts = sparts;
	s->arg.reply_parts = rparts;
	s->arg.send_iov_ptr = U64(siov);
	s->arg.reply_iov_ptr = U64(riov);
	return prep(sqe, QCHAN_UCMD_SEND, U64(&s->arg));
}

QCHAN_EXPORT int qchan_prep_send(struct io_uring_sqe *sqe, struct qchan_async_send *s, int coid,
				const void *smsg, size_t sbytes, void *rmsg, size_t rbytes)
{
	SETIOV(&s->siov, smsg, sbytes);
	SETIOV(&s->riov, rmsg, rbytes);
	return qchan_prep_sendv(sqe, s, coid, &s->siov, 1, &s->riov, 1);
}

QCHAN_EXPORT int qchan_prep_receivev(struct io_uring_sqe *sqe, struct qchan_async_receive *r,
				    int chid, const iov_t *iov, unsigned int parts,
				    struct _msg_info *info)
{
	memset(&r->arg, 0, sizeof(r->arg));
	r->arg.chid = chid;
	r->arg.parts = parts;
	r->arg.iov_ptr = U64(iov);
	r->arg.info_ptr = U64(info);
	return prep(sqe, QCHAN_UCMD_RECEIVE, U64(&r->arg));
}

QCHAN_EXPORT int qchan_prep_receive(struct io_uring_sqe *sqe, struct qchan_async_receive *r,
				   int chid, void *msg, size_t bytes, struct _msg_info *info)
{
	SETIOV(&r->iov, msg, bytes);
	return qchan_prep_receivev(sqe, r, chid, &r->iov, 1, info);
}

QCHAN_EXPORT int qchan_prep_reply_receive(struct io_uring_sqe *sqe,
					 struct qchan_async_reply_receive *rr, int rcvid,
					 long status, const void *rmsg, size_t rbytes, int chid,
					 void *msg, size_t bytes, struct _msg_info *info)
{
	memset(&rr->arg, 0, sizeof(rr->arg));
	SETIOV(&rr->riov, rmsg, rbytes);
	SETIOV(&rr->iov, msg, bytes);
	rr->arg.reply.rcvid = rcvid;
	rr->arg.reply.status = status;
	rr->arg.reply.parts = 1;
	rr->arg.reply.iov_ptr = U64(&rr->riov);
	rr->arg.receive.chid = chid;
	rr->arg.receive.parts = 1;
	rr->arg.receive.iov_ptr = U64(&rr->iov);
	rr->arg.receive.info_ptr = U64(info);
	return prep(sqe, QCHAN_UCMD_REPLY_RECEIVE, U64(&rr->arg));
}

QCHAN_EXPORT int qchan_prep_send_pulse(struct io_uring_sqe *sqe, struct qchan_pulse_send *p,
				      int coid, int priority, int code, int value)
{
	memset(p, 0, sizeof(*p));
	p->coid = coid;
	p->priority = priority;
	p->code = code;
	p->value = (uint64_t)(int64_t)value;
	return prep(sqe, QCHAN_UCMD_SEND_PULSE, U64(p));
}

QCHAN_EXPORT int qchan_prep_cancel(struct io_uring_sqe *sqe, uint64_t user_data)
{
	return prep(sqe, QCHAN_UCMD_CANCEL, user_data);
}

QCHAN_EXPORT void qchan_batch_entry(struct qchan_msg_send *e, int coid, const iov_t *siov,
				   unsigned int sparts, const iov_t *riov, unsigned int rparts)
{
	memset(e, 0, sizeof(*e));
	e->coid = coid;
	e->send_parts = sparts;
	e->reply_parts = rparts;
	e->send_iov_ptr = U64(siov);
	e->reply_iov_ptr = U64(riov);
}

QCHAN_EXPORT int qchan_prep_send_batch(struct io_uring_sqe *sqe, struct qchan_uring_send_batch *b,
				      struct qchan_msg_send *sends, int32_t *results,
				      unsigned int count)
{
	memset(b, 0, sizeof(*b));
	b->sends_ptr = U64(sends);
	b->results_ptr = U64(results);
	b->count = count;
	return prep(sqe, QCHAN_UCMD_SEND_BATCH, U64(b));
}
