/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan's asynchronous API: qchan's messages through io_uring
 * (IORING_OP_URING_CMD on the context fd, QCHAN_FEAT_URING).  Each
 * qchan_prep_* fills an SQE the caller got from liburing
 * (io_uring_get_sqe()); the caller sets user_data, submits, and reads the
 * CQE: cqe->res is the command's result (0, an rcvid, or -errno).
 *
 * The argument block (struct qchan_async_*) and every buffer it names must
 * stay valid and unmoved until the command's CQE: the kernel writes the
 * results into the block (status, rcvid, bytes, _msg_info) and fills the
 * buffers right before the CQE, from the submitting thread.  Submit from a
 * thread of the process that owns the context (as for every call).
 *
 *   send         MsgSend: the CQE (res 0) comes with the reply, whose
 *                status is then qchan_async_status(); send and reply at
 *                most QCHAN_URING_MAX_MSG bytes each (-EMSGSIZE).
 *   receive      MsgReceive posted in advance: res is the rcvid, 0 for a
 *                pulse; completes in the submitting call if something is
 *                queued.  Reply with MsgReply() or qchan_prep_reply_receive().
 *   reply_receive  MsgReply then the next receive, in one SQE.
 *   send_pulse   MsgSendPulse; completes at once.
 *   cancel       ends the send or receive whose user_data is @user_data
 *                (-ECANCELED in its CQE; res -ENOENT if there is none).
 *   send_batch   count sends (1..QCHAN_SEND_BATCH_MAX) in one SQE
 *                (QCHAN_FEAT_URING_SEND_BATCH): sends[i] filled with
 *                qchan_batch_entry() (timeouts set in it by hand), queued
 *                in array order; one CQE (res 0) when the last has ended,
 *                results[i] 0 (status in sends[i].status) or -errno.  A bad
 *                entry fails the whole command (res -errno) with nothing
 *                sent; cancel with its user_data ends all its sends.
 * The prep calls return 0, or -errno when the context cannot be opened.
 * liburing is the caller's: pkg-config's libchan pulls it in.
 */
#ifndef _QCHAN_URING_H
#define _QCHAN_URING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/qchan.h>
#include <sys/neutrino.h>

#ifdef __cplusplus
extern "C" {
#endif

struct io_uring_sqe;

struct qchan_async_send {
	struct qchan_msg_send arg;
	iov_t siov, riov;		/* the single-buffer forms' vectors */
};

struct qchan_async_receive {
	struct qchan_msg_receive arg;	/* arg.rcvid, arg.bytes after the CQE */
	iov_t iov;
};

struct qchan_async_reply_receive {
	struct qchan_msg_reply_receive arg;	/* arg.reply_result after the CQE */
	iov_t riov, iov;
};

int qchan_prep_send(struct io_uring_sqe *sqe, struct qchan_async_send *s, int coid,
		    const void *smsg, size_t sbytes, void *rmsg, size_t rbytes);
int qchan_prep_sendv(struct io_uring_sqe *sqe, struct qchan_async_send *s, int coid,
		     const iov_t *siov, unsigned int sparts, const iov_t *riov,
		     unsigned int rparts);
int qchan_prep_receive(struct io_uring_sqe *sqe, struct qchan_async_receive *r, int chid,
		       void *msg, size_t bytes, struct _msg_info *info);
int qchan_prep_receivev(struct io_uring_sqe *sqe, struct qchan_async_receive *r, int chid,
			const iov_t *iov, unsigned int parts, struct _msg_info *info);
int qchan_prep_reply_receive(struct io_uring_sqe *sqe, struct qchan_async_reply_receive *rr,
			     int rcvid, long status, const void *rmsg, size_t rbytes,
			     int chid, void *msg, size_t bytes, struct _msg_info *info);
int qchan_prep_send_pulse(struct io_uring_sqe *sqe, struct qchan_pulse_send *p, int coid,
			  int priority, int code, int value);
int qchan_prep_cancel(struct io_uring_sqe *sqe, uint64_t user_data);
void qchan_batch_entry(struct qchan_msg_send *e, int coid, const iov_t *siov,
		       unsigned int sparts, const iov_t *riov, unsigned int rparts);
int qchan_prep_send_batch(struct io_uring_sqe *sqe, struct qchan_uring_send_batch *b,
			  struct qchan_msg_send *sends, int32_t *results, unsigned int count);

/* The reply's status of a send whose CQE said 0. */
static inline long qchan_async_status(const struct qchan_async_send *s)
{
	return (long)s->arg.status;
}

#ifdef __cplusplus
}
#endif

#endif /* _QCHAN_URING_H */
