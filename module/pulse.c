// SPDX-License-Identifier: GPL-2.0
/*
 * Pulses: small one-way messages (a code and a value) that never block
 * their sender.  A pulse is queued on its channel next to the messages, in
 * one priority order (FIFO within a priority, by the channel's arrival
 * sequence), or handed straight to a waiting receiver; a receive returns it
 * as QNX's struct _pulse with rcvid 0.
 *
 * Memory is bounded per channel: at most qchan_max_pulses queued pulses,
 * each one small slab object allocated by the sender before it takes the
 * channel's lock and freed by the receiver once it has copied it out.  A
 * sender that finds the channel full gets -EAGAIN: pulses are never dropped
 * silently, and a flood of them only ever fails its own senders.
 *
 * The kernel's own pulses (death notices, notice.c) are never allocated when
 * they are sent and never count against max_pulses: each is embedded in the
 * object it reports on, or reserved with it, and queued at most once.  So a
 * receiver copies a pulse's data while it holds ctx->lock (the owner of a
 * kernel pulse withdraws it under that lock before it goes) and frees only
 * a process's pulse, after dropping the lock.
 */
#include <linux/compat.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "kmsg.h"
#include "qchan.h"
#include "trace.h"

static struct kmem_cache *qchan_pulse_cache;

void qchan_pulse_free(struct qchan_pulse_item *pulse)
{
	kmem_cache_free(qchan_pulse_cache, pulse);
	qchan_stat_dec(pulses);
}

/* Called with ctx->lock held: higher priorities first, FIFO within a priority. */
static void qchan_pulse_enqueue(struct qchan_channel *chan, struct qchan_pulse_item *pulse)
{
	struct qchan_pulse_item *pos;

	pulse->seq = chan->seq++;
	if (pulse->kernel)
		qchan_stat_inc(pulses);
	else
		chan->nr_pulses++;
	list_for_each_entry_reverse(pos, &chan->pulses, node) {
		if (pos->priority >= pulse->priority) {
			list_add(&pulse->node, &pos->node);
			goto queued;
		}
	}
	list_add(&pulse->node, &chan->pulses);
queued:
	qchan_poll_wake(chan, EPOLLIN | EPOLLRDNORM);
}

/*
 * Called with ctx->lock held: takes the queued @pulse off @chan and copies
 * what a receive delivers into @data.  Returns the item if it is the
 * caller's to free (with qchan_pulse_free(), once the lock is dropped),
 * NULL for a kernel pulse (its owner may free it as soon as the lock is).
 */
struct qchan_pulse_item *qchan_pulse_take(struct qchan_channel *chan,
					  struct qchan_pulse_item *pulse,
					  struct qchan_pulse_data *data)
{
	list_del_init(&pulse->node);
	*data = pulse->d;
	if (pulse->kernel) {
		qchan_stat_dec(pulses);
		return NULL;
	}
	chan->nr_pulses--;
	return pulse;
}

/*
 * Called with ctx->lock held: hands @pulse's data to a waiting receiver, if
 * there is one.  With @boost, a receiver that the pulse must raise is
 * returned there, for the caller to apply once the lock is dropped.
 */
static bool qchan_pulse_hand_over(struct qchan_channel *chan, const struct qchan_pulse_item *pulse,
				  struct qchan_prio **boost)
{
	struct qchan_receiver *r = qchan_pick_receiver(chan, false);

	if (!r)
		return false;
	list_del(&r->node);
	r->pulse = pulse->d;
	r->got_pulse = true;
	/* Without @boost (a kernel pulse, under a lock) the woken receiver raises itself. */
	if (qchan_prio_pulse_taken(r->prio, pulse->kprio) && boost)
		*boost = r->prio;
	if (unlikely(r->uasync))
		qchan_uring_receiver_ready(r);
	else
		qchan_kmsg_wake(r->task);
	return true;
}

/* Queues @pulse on @chan or hands it to a waiting receiver; consumes @pulse. */
static int qchan_pulse_post(struct qchan_channel *chan, struct qchan_pulse_item *pulse)
{
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_prio *boost = NULL;
	int err = 0;

	ctx_lock(ctx);
	if (chan->dead) {
		err = -EBADF;	/* QNX: the connection is no longer connected to a channel */
	} else if (qchan_pulse_hand_over(chan, pulse, &boost)) {
		;	/* the receiver has a copy: ours is freed below */
	} else if (chan->nr_pulses >= READ_ONCE(qchan_max_pulses)) {
		err = -EAGAIN;
	} else {
		qchan_pulse_enqueue(chan, pulse);
		boost = qchan_prio_queued(chan, pulse->kprio);
		pulse = NULL;
	}
	ctx_unlock(ctx);
	if (pulse)
		qchan_pulse_free(pulse);
	if (boost)
		qchan_prio_apply(ctx, boost);
	return err;
}

/* A kernel pulse, not queued: its owner fills in priority and data before each post. */
void qchan_pulse_init_kernel(struct qchan_pulse_item *pulse)
{
	INIT_LIST_HEAD(&pulse->node);
	pulse->kernel = true;
	pulse->kprio = QCHAN_KPRIO_NONE;
}

/*
 * Called with ctx->lock held: sends the kernel pulse @pulse to @chan, handed
 * to a waiting receiver or queued in the one priority order.  Never fails
 * and never allocates; a pulse already queued, or to a dead channel, is not
 * sent again.
 */
void qchan_pulse_post_kernel(struct qchan_channel *chan, struct qchan_pulse_item *pulse)
{
	if (chan->dead || !list_empty(&pulse->node))
		return;
	if (!qchan_pulse_hand_over(chan, pulse, NULL))
		qchan_pulse_enqueue(chan, pulse);
}

/* Called with ctx->lock held: the owner of the kernel pulse @pulse is going; unqueue it. */
void qchan_pulse_withdraw(struct qchan_pulse_item *pulse)
{
	if (!list_empty(&pulse->node)) {
		list_del_init(&pulse->node);
		qchan_stat_dec(pulses);
	}
}

int qchan_pulse_send(struct qchan_ctx *ctx, struct qchan_pulse_send __user *uarg)
{
	struct qchan_pulse_send a;
	struct qchan_conn *conn;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	if (a.code < QCHAN_PULSE_CODE_MIN || a.code > QCHAN_PULSE_CODE_MAX ||
	    a.priority < -1 || a.priority > QCHAN_PRIO_MAX)
		return -EINVAL;

	conn = qchan_conn_get(ctx, a.coid);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	err = qchan_pulse_send_conn(conn, a.priority < 0 ? qchan_current_priority() : a.priority,
				    a.code, a.value);
	qchan_conn_put(conn);
	return err;
}

/* A process's pulse through @conn (MsgSendPulse, a SIGEV_PULSE event): validated values. */
int qchan_pulse_send_conn(struct qchan_conn *conn, int priority, int code, u64 value)
{
	struct qchan_pulse_item *pulse;

	pulse = kmem_cache_alloc(qchan_pulse_cache, GFP_KERNEL_ACCOUNT);
	if (!pulse)
		return -ENOMEM;
	qchan_stat_inc(pulses);
	pulse->kernel = false;
	pulse->priority = priority;
	pulse->kprio = qchan_prio_pulse(priority);
	pulse->d.code = code;
	pulse->d.value = value;
	pulse->d.scoid = conn->scoid;
	trace_qchan_pulse(conn->chan, pulse);
	return qchan_pulse_post(conn->chan, pulse);
}

/*
 * A receiver copies out the pulse it took, in QNX's layout for the caller's
 * ABI.  Returns the bytes copied (the vector may be shorter than the pulse),
 * or -EFAULT.
 */
int qchan_pulse_deliver(const struct qchan_pulse_data *pulse, struct iov_iter *to)
{
	return qchan_pulse_deliver_as(pulse, to, in_compat_syscall());
}

/* As qchan_pulse_deliver(), for a receiver of the ABI @compat says (an io_uring submitter's). */
int qchan_pulse_deliver_as(const struct qchan_pulse_data *pulse, struct iov_iter *to, bool compat)
{
	union {
		struct qchan_pulse p;
		struct {
			u16 type, subtype;
			s8 code;
			u8 zero[3];
			u32 value;
			s32 scoid;
		} p32;
	} out;
	size_t len, n;

	memset(&out, 0, sizeof(out));
	if (compat) {
		out.p32.code = pulse->code;
		out.p32.value = (u32)pulse->value;
		out.p32.scoid = pulse->scoid;
		len = sizeof(out.p32);
	} else {
		out.p.code = pulse->code;
		out.p.value = pulse->value;
		out.p.scoid = pulse->scoid;
		len = sizeof(out.p);
	}
	len = min(len, iov_iter_count(to));
	n = copy_to_iter(&out, len, to);
	return n == len ? n : -EFAULT;
}

/*
 * Called with ctx->lock held: the channel is going away with its queued
 * pulses.  Kernel pulses are only unqueued: their owners free them.
 */
void qchan_channel_drop_pulses(struct qchan_channel *chan)
{
	struct qchan_pulse_item *pulse, *tmp;
	struct qchan_pulse_data unused;

	list_for_each_entry_safe(pulse, tmp, &chan->pulses, node) {
		pulse = qchan_pulse_take(chan, pulse, &unused);
		if (pulse)
			qchan_pulse_free(pulse);
	}
}

int qchan_pulse_init(void)
{
	qchan_pulse_cache = KMEM_CACHE(qchan_pulse_item, SLAB_ACCOUNT);
	return qchan_pulse_cache ? 0 : -ENOMEM;
}

void qchan_pulse_exit(void)
{
	kmem_cache_destroy(qchan_pulse_cache);
}
