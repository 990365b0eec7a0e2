// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Messages: MsgSend*, MsgReceive*, MsgReply*, MsgError, MsgRead*, MsgWrite*,
 * MsgInfo, MsgReplyReceive and their native counterparts.
 *
 * Each is one ioctl on the context fd with its argument block on the stack:
 * no allocation, no other system call, errno untouched except by the QNX
 * calls that report through it.  Single buffers become one-element vectors.
 */
#include <limits.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/qchan.h>
#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "internal.h"

/* struct _msg_info is the kernel's struct qchan_msg_info: MsgReceive passes it through. */
#define SAME_FIELD(f) \
	_Static_assert(offsetof(struct _msg_info, f) == offsetof(struct qchan_msg_info, f) && \
		       sizeof(((struct _msg_info *)0)->f) == sizeof(((struct qchan_msg_info *)0)->f), \
		       "_msg_info." #f)
SAME_FIELD(nd);
SAME_FIELD(srcnd);
SAME_FIELD(pid);
SAME_FIELD(tid);
SAME_FIELD(chid);
SAME_FIELD(scoid);
SAME_FIELD(coid);
SAME_FIELD(msglen);
SAME_FIELD(srcmsglen);
SAME_FIELD(dstmsglen);
SAME_FIELD(priority);
SAME_FIELD(flags);
SAME_FIELD(reserved);
_Static_assert(sizeof(struct _msg_info) == sizeof(struct qchan_msg_info), "_msg_info size");
_Static_assert(sizeof(iov_t) == 16 || sizeof(void *) != 8, "iov_t is struct iovec");
_Static_assert(_NTO_MI_UNBLOCK_REQ == QCHAN_MI_UNBLOCK_REQ, "_NTO_MI_UNBLOCK_REQ");
_Static_assert(_PULSE_CODE_UNBLOCK == QCHAN_PULSE_CODE_UNBLOCK, "_PULSE_CODE_UNBLOCK");

/*
 * The kernel counts parts in 32 bits; anything larger is over its limit
 * anyway: QNX's EOVERFLOW ("too many parts"), as the kernel says.
 */
static inline int parts_ok(size_t parts)
{
	return likely(parts <= UINT32_MAX);
}

/* Core calls: -errno on failure. */

/* The armed TimerTimeout() for a send: its flags and deadline in @arg. */
static void send_timeout(struct qchan_msg_send *arg, uint32_t states, const struct qchan_armed *t)
{
	if (states & _NTO_TIMEOUT_SEND)
		arg->flags |= QCHAN_SEND_TIMEOUT_SEND;
	if (states & _NTO_TIMEOUT_REPLY)
		arg->flags |= QCHAN_SEND_TIMEOUT_REPLY;
	if (arg->flags) {
		arg->timeout = t->deadline;
		arg->timeout_clock = t->clock;
	}
}

/* MSG_SEND or NET_SEND (@arg), whose send block is @s. */
static inline int send_call(int fd, unsigned long cmd, void *arg, struct qchan_msg_send *s,
			    long *status)
{
	int ret = qchan_ioctl(fd, cmd, arg);

	/*
	 * EINTR with the park cookie still in status: a signal handler ran
	 * while the send was parked (the thread was stopped), and the kernel
	 * could not tell.  Conclude it now, as QNX would have when the signal
	 * came: the reply if it arrived meanwhile, else EINTR (or, on an
	 * _NTO_CHF_UNBLOCK channel, the unblock pulse and the wait for the reply).
	 */
	while (unlikely(ret == -EINTR && s->status)) {
		s->flags |= QCHAN_SEND_FINISH;
		ret = qchan_ioctl(fd, cmd, arg);
	}
	if (unlikely(ret < 0))
		return ret;
	*status = (long)s->status;
	return 0;
}

static inline int msg_sendv(int coid, const struct iovec *siov, size_t sparts,
			    const struct iovec *riov, size_t rparts, long *status)
{
	struct qchan_msg_send arg = {
		.coid = coid,
		.send_parts = (uint32_t)sparts,
		.reply_parts = (uint32_t)rparts,
		.send_iov_ptr = PTR_U64(siov),
		.reply_iov_ptr = PTR_U64(riov),
	};
	struct qchan_armed t;
	uint32_t tmo = qchan_timeout_take(&t);
	int fd = qchan_ctx();

	if (unlikely(fd < 0))
		return fd;
	if (!parts_ok(sparts) || !parts_ok(rparts))
		return -EOVERFLOW;
	if (unlikely(tmo))
		send_timeout(&arg, tmo, &t);
	return send_call(fd, QCHAN_IOC_MSG_SEND, &arg, &arg, status);
}

/* The armed TimerTimeout() for a receive, if it covers STATE_RECEIVE. */
static void receive_timeout(struct qchan_msg_receive *arg, uint32_t states,
			    const struct qchan_armed *t)
{
	if (!(states & _NTO_TIMEOUT_RECEIVE))
		return;
	arg->flags |= QCHAN_RECEIVE_TIMEOUT;
	arg->timeout = t->deadline;
	arg->timeout_clock = t->clock;
}

static inline int msg_receivev_flags(int chid, uint32_t flags, const struct iovec *iov,
				     size_t parts, void *info)
{
	struct qchan_msg_receive arg = {
		.chid = chid,
		.flags = flags,
		.parts = (uint32_t)parts,
		.iov_ptr = PTR_U64(iov),
		.info_ptr = PTR_U64(info),
	};
	struct qchan_armed t;
	uint32_t tmo = qchan_timeout_take(&t);
	int fd = qchan_ctx();
	int ret;

	if (unlikely(fd < 0))
		return fd;
	if (!parts_ok(parts))
		return -EOVERFLOW;
	if (unlikely(tmo))
		receive_timeout(&arg, tmo, &t);
	ret = qchan_ioctl(fd, QCHAN_IOC_MSG_RECEIVE, &arg);
	return unlikely(ret < 0) ? ret : arg.rcvid;
}

/* The rcvid of a message (> 0), 0 for a pulse, or -errno. */
static inline int msg_receivev(int chid, const struct iovec *iov, size_t parts, void *info)
{
	return msg_receivev_flags(chid, 0, iov, parts, info);
}

static inline int msg_send_pulse(int coid, int priority, int code, uint64_t value)
{
	struct qchan_pulse_send arg = {
		.coid = coid,
		.priority = priority,
		.code = code,
		.value = value,
	};
	int fd = qchan_ctx();
	int ret;

	if (unlikely(fd < 0))
		return fd;
	if (qnet_in_use() && qnet_send_pulse(coid, priority, code, value, &ret))
		return ret;
	return qchan_ioctl(fd, QCHAN_IOC_MSG_SEND_PULSE, &arg);
}

static inline int msg_reply(int rcvid, uint32_t flags, long status, int error,
			    const struct iovec *iov, size_t parts)
{
	struct qchan_msg_reply arg = {
		.rcvid = rcvid,
		.flags = flags,
		.status = status,
		.parts = (uint32_t)parts,
		.error = error,
		.iov_ptr = PTR_U64(iov),
	};
	int fd = qchan_ctx();
	int ret;

	if (unlikely(fd < 0))
		return fd;
	if (!parts_ok(parts))
		return -EOVERFLOW;
	ret = qchan_ioctl(fd, QCHAN_IOC_MSG_REPLY, &arg);
	return unlikely(ret < 0) ? ret : 0;
}

static inline ssize_t msg_rw(unsigned long req, int rcvid, const struct iovec *iov, size_t parts,
			     size_t offset)
{
	struct qchan_msg_rw arg = {
		.rcvid = rcvid,
		.offset = offset,
		.parts = (uint32_t)parts,
		.iov_ptr = PTR_U64(iov),
	};
	int fd = qchan_ctx();
	int ret;

	if (unlikely(fd < 0))
		return fd;
	if (!parts_ok(parts))
		return -EOVERFLOW;
	ret = qchan_ioctl(fd, req, &arg);
	return unlikely(ret < 0) ? ret : (ssize_t)arg.bytes;
}

static inline int msg_info(int rcvid, void *info)
{
	struct qchan_msg_info_get arg = {
		.rcvid = rcvid,
		.info_ptr = PTR_U64(info),
	};
	int fd = qchan_ctx();
	int ret;

	if (unlikely(fd < 0))
		return fd;
	ret = qchan_ioctl(fd, QCHAN_IOC_MSG_INFO, &arg);
	return unlikely(ret < 0) ? ret : 0;
}

static inline int msg_reply_receive(int rcvid, long status, const struct iovec *riov,
				    size_t rparts, int chid, const struct iovec *iov, size_t parts,
				    void *info, int *reply_result)
{
	struct qchan_msg_reply_receive arg = {
		.receive = {
			.chid = chid,
			.parts = (uint32_t)parts,
			.iov_ptr = PTR_U64(iov),
			.info_ptr = PTR_U64(info),
		},
	};
	struct qchan_armed t;
	uint32_t tmo = qchan_timeout_take(&t);
	int fd = qchan_ctx();
	int ret;

	if (unlikely(fd < 0))
		return fd;
	if (!parts_ok(parts) || !parts_ok(rparts))
		return -EOVERFLOW;
	if (unlikely(tmo))
		receive_timeout(&arg.receive, tmo, &t);
	/* rcvid 0 means "no reply": leave the reply block all zero. */
	if (rcvid) {
		arg.reply.rcvid = rcvid;
		arg.reply.status = status;
		arg.reply.parts = (uint32_t)rparts;
		arg.reply.iov_ptr = PTR_U64(riov);
	}
	ret = qchan_ioctl(fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &arg);
	if (reply_result)
		*reply_result = arg.reply_result;
	return unlikely(ret < 0) ? ret : arg.receive.rcvid;
}

#define IOV1(base, len)	{ .iov_base = (void *)(base), .iov_len = (len) }

/* The armed TimerTimeout() for a batch's receive half. */
static void batch_timeout(struct qchan_msg_reply_receive_batch *arg, uint32_t states,
			  const struct qchan_armed *t)
{
	if (!(states & _NTO_TIMEOUT_RECEIVE))
		return;
	arg->flags |= QCHAN_RECEIVE_TIMEOUT;
	arg->timeout = t->deadline;
	arg->timeout_clock = t->clock;
}

QCHAN_EXPORT int qchan_msg_reply_receive_batch(int chid, struct qchan_batch_reply *replies,
					       size_t nreplies, struct qchan_batch_slot *slots,
					       size_t nslots, unsigned int flags)
{
	struct qchan_msg_reply_receive_batch arg = {
		.chid = chid,
		.flags = flags,
		.nr_replies = (uint32_t)nreplies,
		.nr_slots = (uint32_t)nslots,
		.replies_ptr = PTR_U64(replies),
		.slots_ptr = PTR_U64(slots),
	};
	struct qchan_armed t;
	uint32_t tmo = qchan_timeout_take(&t);
	int fd = qchan_ctx();
	int ret;

	if (unlikely(fd < 0))
		return fd;
	/* The kernel's own check, before a count could wrap in 32 bits; timeouts: TimerTimeout(). */
	if (nreplies > QCHAN_BATCH_MAX || nslots > QCHAN_BATCH_MAX ||
	    (flags & QCHAN_RECEIVE_TIMEOUT))
		return -EINVAL;
	if (unlikely(tmo) && nslots)
		batch_timeout(&arg, tmo, &t);
	ret = qchan_ioctl(fd, QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH, &arg);
	return unlikely(ret < 0) ? ret : (int)arg.nr_received;
}

/* Native API. */

QCHAN_EXPORT int qchan_msg_sendv(int coid, const struct iovec *siov, size_t sparts,
				 const struct iovec *riov, size_t rparts, long *status)
{
	long st;
	int ret = msg_sendv(coid, siov, sparts, riov, rparts, &st);

	if (ret == 0 && status)
		*status = st;
	return ret;
}

QCHAN_EXPORT int qchan_net_proxy(uint32_t nd, uint32_t srcnd)
{
	struct qchan_net_proxy arg = { .nd = nd, .srcnd = srcnd };
	int fd = qchan_ctx();

	if (fd < 0)
		return fd;
	return qchan_ioctl(fd, QCHAN_IOC_NET_PROXY, &arg);
}

QCHAN_EXPORT int qchan_net_sendv(int coid, pid_t pid, pid_t tid, const struct iovec *siov,
				 size_t sparts, const struct iovec *riov, size_t rparts,
				 long *status)
{
	struct qchan_net_send arg = {
		.send = {
			.coid = coid,
			.send_parts = (uint32_t)sparts,
			.reply_parts = (uint32_t)rparts,
			.send_iov_ptr = PTR_U64(siov),
			.reply_iov_ptr = PTR_U64(riov),
		},
		.pid = pid,
		.tid = tid,
	};
	struct qchan_armed t;
	uint32_t tmo = qchan_timeout_take(&t);
	int fd = qchan_ctx();
	long st;
	int ret;

	if (fd < 0)
		return fd;
	if (!parts_ok(sparts) || !parts_ok(rparts))
		return -EOVERFLOW;
	if (tmo)
		send_timeout(&arg.send, tmo, &t);
	ret = send_call(fd, QCHAN_IOC_NET_SEND, &arg, &arg.send, &st);
	if (ret == 0 && status)
		*status = st;
	return ret;
}

QCHAN_EXPORT int qchan_msg_send(int coid, const void *smsg, size_t sbytes, void *rmsg,
				size_t rbytes, long *status)
{
	struct iovec s = IOV1(smsg, sbytes), r = IOV1(rmsg, rbytes);

	return qchan_msg_sendv(coid, &s, 1, &r, 1, status);
}

QCHAN_EXPORT int qchan_msg_receivev(int chid, const struct iovec *iov, size_t parts,
				    struct qchan_msg_info *info)
{
	return msg_receivev(chid, iov, parts, info);
}

QCHAN_EXPORT int qchan_msg_receive(int chid, void *msg, size_t bytes, struct qchan_msg_info *info)
{
	struct iovec v = IOV1(msg, bytes);

	return msg_receivev(chid, &v, 1, info);
}

/*
 * A receive that never blocks: a deadline of 0 has passed, so the kernel
 * takes what is queued or fails at once, without arming a timer.  -EAGAIN
 * (an event loop's idiom) rather than the kernel's -ETIMEDOUT, which a
 * deadline in the past cannot mean otherwise.
 */
QCHAN_EXPORT int qchan_msg_try_receivev(int chid, const struct iovec *iov, size_t parts,
					struct qchan_msg_info *info)
{
	struct qchan_msg_receive arg = {
		.chid = chid,
		.flags = QCHAN_RECEIVE_TIMEOUT,
		.parts = (uint32_t)parts,
		.iov_ptr = PTR_U64(iov),
		.info_ptr = PTR_U64(info),
		.timeout_clock = CLOCK_MONOTONIC,
	};
	struct qchan_armed t;
	int fd = qchan_ctx();
	int ret;

	qchan_timeout_take(&t);		/* a native call clears an armed timeout */
	if (unlikely(fd < 0))
		return fd;
	if (!parts_ok(parts))
		return -EOVERFLOW;
	ret = qchan_ioctl(fd, QCHAN_IOC_MSG_RECEIVE, &arg);
	if (ret == -ETIMEDOUT)
		return -EAGAIN;
	return unlikely(ret < 0) ? ret : arg.rcvid;
}

QCHAN_EXPORT int qchan_msg_try_receive(int chid, void *msg, size_t bytes,
				       struct qchan_msg_info *info)
{
	struct iovec v = IOV1(msg, bytes);

	return qchan_msg_try_receivev(chid, &v, 1, info);
}

QCHAN_EXPORT int qchan_msg_send_pulse(int coid, int priority, int code, uint64_t value)
{
	return msg_send_pulse(coid, priority, code, value);
}

QCHAN_EXPORT int qchan_msg_receive_pulsev(int chid, const struct iovec *iov, size_t parts)
{
	return msg_receivev_flags(chid, QCHAN_RECEIVE_PULSE_ONLY, iov, parts, NULL);
}

QCHAN_EXPORT int qchan_msg_replyv(int rcvid, long status, const struct iovec *iov, size_t parts)
{
	return msg_reply(rcvid, 0, status, 0, iov, parts);
}

QCHAN_EXPORT int qchan_msg_reply(int rcvid, long status, const void *msg, size_t bytes)
{
	struct iovec v = IOV1(msg, bytes);

	return msg_reply(rcvid, 0, status, 0, &v, 1);
}

QCHAN_EXPORT int qchan_msg_error(int rcvid, int error)
{
	return msg_reply(rcvid, QCHAN_REPLY_ERROR, 0, error, NULL, 0);
}

QCHAN_EXPORT ssize_t qchan_msg_readv(int rcvid, const struct iovec *iov, size_t parts,
				     size_t offset)
{
	return msg_rw(QCHAN_IOC_MSG_READ, rcvid, iov, parts, offset);
}

QCHAN_EXPORT ssize_t qchan_msg_read(int rcvid, void *msg, size_t bytes, size_t offset)
{
	struct iovec v = IOV1(msg, bytes);

	return msg_rw(QCHAN_IOC_MSG_READ, rcvid, &v, 1, offset);
}

QCHAN_EXPORT ssize_t qchan_msg_writev(int rcvid, const struct iovec *iov, size_t parts,
				      size_t offset)
{
	return msg_rw(QCHAN_IOC_MSG_WRITE, rcvid, iov, parts, offset);
}

QCHAN_EXPORT ssize_t qchan_msg_write(int rcvid, const void *msg, size_t bytes, size_t offset)
{
	struct iovec v = IOV1(msg, bytes);

	return msg_rw(QCHAN_IOC_MSG_WRITE, rcvid, &v, 1, offset);
}

QCHAN_EXPORT int qchan_msg_info(int rcvid, struct qchan_msg_info *info)
{
	return msg_info(rcvid, info);
}

QCHAN_EXPORT int qchan_msg_reply_receive(int rcvid, long status, const struct iovec *riov,
					 size_t rparts, int chid, const struct iovec *iov,
					 size_t parts, struct qchan_msg_info *info,
					 int *reply_result)
{
	return msg_reply_receive(rcvid, status, riov, rparts, chid, iov, parts, info,
				 reply_result);
}

/*
 * QNX API.  MsgSend* return the reply status, which may itself be negative:
 * only the failure path sets errno (or returns -errno from the _r twin).
 */

#define DEFINE_SEND(name, stype, sparam, slen, rtype, rparam, rlen, SIOV, RIOV)		\
QCHAN_EXPORT long name##_r(int coid, stype sparam, size_t slen, rtype rparam, size_t rlen)	\
{												\
	SIOV; RIOV;										\
	long status;										\
	int ret = msg_sendv(coid, siov_, sparts_, riov_, rparts_, &status);			\
												\
	return ret < 0 ? ret : status;								\
}												\
												\
QCHAN_EXPORT long name(int coid, stype sparam, size_t slen, rtype rparam, size_t rlen)		\
{												\
	SIOV; RIOV;										\
	long status;										\
	int ret = msg_sendv(coid, siov_, sparts_, riov_, rparts_, &status);			\
												\
	if (unlikely(ret < 0)) {								\
		errno = -ret;									\
		return -1;									\
	}											\
	return status;										\
}

#define S_BUF	struct iovec s_ = IOV1(smsg, sbytes); const struct iovec *siov_ = &s_; \
		size_t sparts_ = 1
#define S_IOV	const struct iovec *siov_ = siov; size_t sparts_ = sparts
#define R_BUF	struct iovec r_ = IOV1(rmsg, rbytes); const struct iovec *riov_ = &r_; \
		size_t rparts_ = 1
#define R_IOV	const struct iovec *riov_ = riov; size_t rparts_ = rparts

DEFINE_SEND(MsgSend, const void *, smsg, sbytes, void *, rmsg, rbytes, S_BUF, R_BUF)
DEFINE_SEND(MsgSendsv, const void *, smsg, sbytes, const iov_t *, riov, rparts, S_BUF, R_IOV)
DEFINE_SEND(MsgSendvs, const iov_t *, siov, sparts, void *, rmsg, rbytes, S_IOV, R_BUF)
DEFINE_SEND(MsgSendv, const iov_t *, siov, sparts, const iov_t *, riov, rparts, S_IOV, R_IOV)

/* No call of qchan's is a cancellation point: the "nc" variants are the same functions. */
#define ALIAS(name, target)	__attribute__((alias(#target))) QCHAN_EXPORT
long MsgSendnc(int, const void *, size_t, void *, size_t) ALIAS(MsgSendnc, MsgSend);
long MsgSendnc_r(int, const void *, size_t, void *, size_t) ALIAS(MsgSendnc_r, MsgSend_r);
long MsgSendsvnc(int, const void *, size_t, const iov_t *, size_t) ALIAS(MsgSendsvnc, MsgSendsv);
long MsgSendsvnc_r(int, const void *, size_t, const iov_t *, size_t)
	ALIAS(MsgSendsvnc_r, MsgSendsv_r);
long MsgSendvsnc(int, const iov_t *, size_t, void *, size_t) ALIAS(MsgSendvsnc, MsgSendvs);
long MsgSendvsnc_r(int, const iov_t *, size_t, void *, size_t) ALIAS(MsgSendvsnc_r, MsgSendvs_r);
long MsgSendvnc(int, const iov_t *, size_t, const iov_t *, size_t) ALIAS(MsgSendvnc, MsgSendv);
long MsgSendvnc_r(int, const iov_t *, size_t, const iov_t *, size_t) ALIAS(MsgSendvnc_r, MsgSendv_r);

QCHAN_EXPORT int MsgReceive_r(int chid, void *msg, size_t bytes, struct _msg_info *info)
{
	struct iovec v = IOV1(msg, bytes);

	return msg_receivev(chid, &v, 1, info);
}

QCHAN_EXPORT int MsgReceive(int chid, void *msg, size_t bytes, struct _msg_info *info)
{
	struct iovec v = IOV1(msg, bytes);

	return (int)qchan_set_errno(msg_receivev(chid, &v, 1, info));
}

QCHAN_EXPORT int MsgReceivev_r(int chid, const iov_t *iov, size_t parts, struct _msg_info *info)
{
	return msg_receivev(chid, iov, parts, info);
}

QCHAN_EXPORT int MsgReceivev(int chid, const iov_t *iov, size_t parts, struct _msg_info *info)
{
	return (int)qchan_set_errno(msg_receivev(chid, iov, parts, info));
}

/*
 * Pulses.  QNX's int value is sign-extended into the 64-bit sigval, so a
 * receiver reads it back as sival_int (and as sival_long, QNX 7.1+).
 */
QCHAN_EXPORT int MsgSendPulse_r(int coid, int priority, int code, int value)
{
	return msg_send_pulse(coid, priority, code, (uint64_t)(int64_t)value);
}

QCHAN_EXPORT int MsgSendPulse(int coid, int priority, int code, int value)
{
	return (int)qchan_set_errno(msg_send_pulse(coid, priority, code,
						   (uint64_t)(int64_t)value));
}

QCHAN_EXPORT int MsgSendPulsePtr_r(int coid, int priority, int code, void *value)
{
	return msg_send_pulse(coid, priority, code, (uint64_t)(uintptr_t)value);
}

QCHAN_EXPORT int MsgSendPulsePtr(int coid, int priority, int code, void *value)
{
	return (int)qchan_set_errno(msg_send_pulse(coid, priority, code,
						   (uint64_t)(uintptr_t)value));
}

QCHAN_EXPORT int MsgReceivePulse_r(int chid, void *pulse, size_t bytes, struct _msg_info *info)
{
	struct iovec v = IOV1(pulse, bytes);

	return msg_receivev_flags(chid, QCHAN_RECEIVE_PULSE_ONLY, &v, 1, info);
}

QCHAN_EXPORT int MsgReceivePulse(int chid, void *pulse, size_t bytes, struct _msg_info *info)
{
	struct iovec v = IOV1(pulse, bytes);

	return (int)qchan_set_errno(msg_receivev_flags(chid, QCHAN_RECEIVE_PULSE_ONLY, &v, 1,
						       info));
}

QCHAN_EXPORT int MsgReceivePulsev_r(int chid, const iov_t *iov, size_t parts,
				    struct _msg_info *info)
{
	return msg_receivev_flags(chid, QCHAN_RECEIVE_PULSE_ONLY, iov, parts, info);
}

QCHAN_EXPORT int MsgReceivePulsev(int chid, const iov_t *iov, size_t parts,
				  struct _msg_info *info)
{
	return (int)qchan_set_errno(msg_receivev_flags(chid, QCHAN_RECEIVE_PULSE_ONLY, iov,
						       parts, info));
}

QCHAN_EXPORT int MsgReply_r(int rcvid, long status, const void *msg, size_t bytes)
{
	struct iovec v = IOV1(msg, bytes);

	return msg_reply(rcvid, 0, status, 0, &v, 1);
}

QCHAN_EXPORT int MsgReply(int rcvid, long status, const void *msg, size_t bytes)
{
	struct iovec v = IOV1(msg, bytes);

	return (int)qchan_set_errno(msg_reply(rcvid, 0, status, 0, &v, 1));
}

QCHAN_EXPORT int MsgReplyv_r(int rcvid, long status, const iov_t *iov, size_t parts)
{
	return msg_reply(rcvid, 0, status, 0, iov, parts);
}

QCHAN_EXPORT int MsgReplyv(int rcvid, long status, const iov_t *iov, size_t parts)
{
	return (int)qchan_set_errno(msg_reply(rcvid, 0, status, 0, iov, parts));
}

QCHAN_EXPORT int MsgError_r(int rcvid, int err)
{
	return msg_reply(rcvid, QCHAN_REPLY_ERROR, 0, err, NULL, 0);
}

QCHAN_EXPORT int MsgError(int rcvid, int err)
{
	return (int)qchan_set_errno(msg_reply(rcvid, QCHAN_REPLY_ERROR, 0, err, NULL, 0));
}

QCHAN_EXPORT ssize_t MsgRead_r(int rcvid, void *msg, size_t bytes, size_t offset)
{
	struct iovec v = IOV1(msg, bytes);

	return msg_rw(QCHAN_IOC_MSG_READ, rcvid, &v, 1, offset);
}

QCHAN_EXPORT ssize_t MsgRead(int rcvid, void *msg, size_t bytes, size_t offset)
{
	struct iovec v = IOV1(msg, bytes);

	return qchan_set_errno(msg_rw(QCHAN_IOC_MSG_READ, rcvid, &v, 1, offset));
}

QCHAN_EXPORT ssize_t MsgReadv_r(int rcvid, const iov_t *iov, size_t parts, size_t offset)
{
	return msg_rw(QCHAN_IOC_MSG_READ, rcvid, iov, parts, offset);
}

QCHAN_EXPORT ssize_t MsgReadv(int rcvid, const iov_t *iov, size_t parts, size_t offset)
{
	return qchan_set_errno(msg_rw(QCHAN_IOC_MSG_READ, rcvid, iov, parts, offset));
}

QCHAN_EXPORT ssize_t MsgWrite_r(int rcvid, const void *msg, size_t bytes, size_t offset)
{
	struct iovec v = IOV1(msg, bytes);

	return msg_rw(QCHAN_IOC_MSG_WRITE, rcvid, &v, 1, offset);
}

QCHAN_EXPORT ssize_t MsgWrite(int rcvid, const void *msg, size_t bytes, size_t offset)
{
	struct iovec v = IOV1(msg, bytes);

	return qchan_set_errno(msg_rw(QCHAN_IOC_MSG_WRITE, rcvid, &v, 1, offset));
}

QCHAN_EXPORT ssize_t MsgWritev_r(int rcvid, const iov_t *iov, size_t parts, size_t offset)
{
	return msg_rw(QCHAN_IOC_MSG_WRITE, rcvid, iov, parts, offset);
}

QCHAN_EXPORT ssize_t MsgWritev(int rcvid, const iov_t *iov, size_t parts, size_t offset)
{
	return qchan_set_errno(msg_rw(QCHAN_IOC_MSG_WRITE, rcvid, iov, parts, offset));
}

QCHAN_EXPORT int MsgInfo_r(int rcvid, struct _msg_info *info)
{
	return msg_info(rcvid, info);
}

QCHAN_EXPORT int MsgInfo(int rcvid, struct _msg_info *info)
{
	return (int)qchan_set_errno(msg_info(rcvid, info));
}

QCHAN_EXPORT int MsgReplyReceive_r(int rcvid, long status, const iov_t *riov, size_t rparts,
				   int chid, const iov_t *iov, size_t parts,
				   struct _msg_info *info)
{
	return msg_reply_receive(rcvid, status, riov, rparts, chid, iov, parts, info, NULL);
}

QCHAN_EXPORT int MsgReplyReceive(int rcvid, long status, const iov_t *riov, size_t rparts,
				 int chid, const iov_t *iov, size_t parts, struct _msg_info *info)
{
	return (int)qchan_set_errno(msg_reply_receive(rcvid, status, riov, rparts, chid, iov,
						      parts, info, NULL));
}
