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
 */
#include <linux/compat.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "kmsg.h"
#include "qchan.h"

static struct kmem_cache *qchan_pulse_cache;

static void qchan_pulse_free(struct qchan_pulse_item *pulse)
{
	kmem_cache_free(qchan_pulse_cache, pulse);
	atomic_dec(&qchan_stats.pulses);
}

/* Called with ctx->lock held: higher priorities first, FIFO within a priority. */
static void qchan_pulse_enqueue(struct qchan_channel *chan, struct qchan_pulse_item *pulse)
{
	struct qchan_pulse_item *pos;

	pulse->seq = chan->seq++;
	chan->nr_pulses++;
	list_for_each_entry_reverse(pos, &chan->pulses, node) {
		if (pos->priority >= pulse->priority) {
			list_add(&pulse->node, &pos->node);
			return;
		}
	}
	list_add(&pulse->node, &chan->pulses);
}

/* Queues @pulse on @chan or hands it to a waiting receiver; consumes @pulse. */
static int qchan_pulse_post(struct qchan_channel *chan, struct qchan_pulse_item *pulse)
{
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_receiver *r;
	int err = 0;

	ctx_lock(ctx);
	r = chan->dead ? NULL : qchan_pick_receiver(chan, false);
	if (chan->dead) {
		err = -ESRCH;
	} else if (r) {
		list_del(&r->node);
		r->pulse = pulse;
		pulse = NULL;
		qchan_kmsg_wake(r->task);
	} else if (chan->nr_pulses >= READ_ONCE(qchan_max_pulses)) {
		err = -EAGAIN;
	} else {
		qchan_pulse_enqueue(chan, pulse);
		pulse = NULL;
	}
	ctx_unlock(ctx);
	if (pulse)
		qchan_pulse_free(pulse);
	return err;
}

int qchan_pulse_send(struct qchan_ctx *ctx, struct qchan_pulse_send __user *uarg)
{
	struct qchan_pulse_send a;
	struct qchan_pulse_item *pulse;
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
	pulse = kmem_cache_alloc(qchan_pulse_cache, GFP_KERNEL_ACCOUNT);
	if (!pulse) {
		err = -ENOMEM;
		goto out_put_conn;
	}
	atomic_inc(&qchan_stats.pulses);
	pulse->priority = a.priority < 0 ? qchan_current_priority() : a.priority;
	pulse->code = a.code;
	pulse->value = a.value;
	pulse->scoid = conn->scoid;
	err = qchan_pulse_post(conn->chan, pulse);
out_put_conn:
	qchan_conn_put(conn);
	return err;
}

/*
 * A receiver copies out the pulse it took, in QNX's layout for the caller's
 * ABI, and frees it.  Returns the bytes copied (the vector may be shorter
 * than the pulse), or -EFAULT; the pulse is consumed either way.
 */
int qchan_pulse_deliver(struct qchan_pulse_item *pulse, struct iov_iter *to)
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
	if (in_compat_syscall()) {
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
	qchan_pulse_free(pulse);
	len = min(len, iov_iter_count(to));
	n = copy_to_iter(&out, len, to);
	return n == len ? n : -EFAULT;
}

/* Called with ctx->lock held: the channel is going away with its queued pulses. */
void qchan_channel_drop_pulses(struct qchan_channel *chan)
{
	struct qchan_pulse_item *pulse, *tmp;

	list_for_each_entry_safe(pulse, tmp, &chan->pulses, node) {
		list_del(&pulse->node);
		qchan_pulse_free(pulse);
	}
	chan->nr_pulses = 0;
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
