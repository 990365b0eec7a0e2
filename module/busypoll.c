// SPDX-License-Identifier: GPL-2.0
/*
 * Opt-in busy polling (QCHAN_IOC_CHANNEL_BUSY_POLL, issue 15 goal 7).
 *
 * Across CPUs every blocking hand-off pays the remote wake-up: the sleeper's
 * CPU has to be interrupted and scheduled back in.  A receiver or a sender
 * that spins a little before it sleeps is found running instead: the other
 * side only queues (or finishes) the message, and the spinner sees it.  The
 * spin looks at the channel or the message without ctx->lock (a hint) and
 * the caller re-checks everything under the lock afterwards, so a spin can
 * only change how long a thread takes to notice, never what it decides.
 * It is bounded (busy_poll_us), and ends at once when the scheduler wants
 * the CPU, on a signal (so kill -9 and the unblock protocol work as when
 * asleep) and at the call's deadline.  Until a channel first asks for it, a
 * wait pays a patched-out jump (a static key); after that, a channel without
 * the flag pays one load of chan->busy_poll per wait.
 */
#include <linux/moduleparam.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>

#include "qchan.h"

/* Longest window an administrator may set: a spin beyond that is a bug, not a tuning. */
#define QCHAN_BUSY_POLL_MAX_US	1000000U

static unsigned int qchan_busy_poll_us = 50;
module_param_named(busy_poll_us, qchan_busy_poll_us, uint, 0644);
MODULE_PARM_DESC(busy_poll_us,
		 "Busy-poll window (us) on QCHAN_BUSY_POLL_ON channels before sleeping; 0 = never");

/*
 * A spinning thread keeps lower priorities off its CPU for the window.  49:
 * PREEMPT_RT's interrupt threads run at SCHED_FIFO 50, and nothing at or
 * above them should wait behind a poll loop it did not ask for.
 */
static unsigned int qchan_busy_poll_rt_max = 49;
module_param_named(busy_poll_rt_max, qchan_busy_poll_rt_max, uint, 0644);
MODULE_PARM_DESC(busy_poll_rt_max,
		 "SCHED_FIFO/RR threads above this priority never busy-poll (default 49)");

/* Enabled for good the first time a channel turns busy polling on. */
DEFINE_STATIC_KEY_FALSE(qchan_busy_poll_used);

/* qchan_busy_poll_window() of a channel with busy polling on. */
u64 qchan_busy_poll_window_on(void)
{
	unsigned int us, policy;

	us = min(READ_ONCE(qchan_busy_poll_us), QCHAN_BUSY_POLL_MAX_US);
	policy = READ_ONCE(current->policy);
	if (policy == SCHED_DEADLINE ||
	    ((policy == SCHED_FIFO || policy == SCHED_RR) &&
	     current->rt_priority > READ_ONCE(qchan_busy_poll_rt_max)))
		return 0;
	return (u64)us * NSEC_PER_USEC;
}

/* Should a spin that started at local_clock() @start stop? */
static bool qchan_busy_poll_stop(u64 start, u64 window, const struct qchan_timeout *t)
{
	return need_resched() || signal_pending(current) || local_clock() - start >= window ||
	       (t && qchan_timeout_passed(t));
}

static void qchan_busy_poll_count(bool hit)
{
	qchan_stat_inc(busy_polls);
	if (hit)
		qchan_stat_inc(busy_poll_hits);
}

/*
 * A receiver, ctx->lock not held, about to sleep on @chan: spins until
 * something it could take is there (or the channel dies), for up to @window
 * ns.  The caller then looks again under the lock.
 */
void qchan_busy_poll_receive(struct qchan_channel *chan, bool pulse_only,
			     const struct qchan_timeout *t, u64 window)
{
	u64 start = local_clock();
	bool hit;

	for (;;) {
		hit = (!pulse_only && !list_empty(&chan->send_queue)) ||
		      !list_empty(&chan->pulses) || READ_ONCE(chan->dead);
		if (hit || qchan_busy_poll_stop(start, window, t))
			break;
		cpu_relax();
	}
	qchan_busy_poll_count(hit);
}

/*
 * A sender, ctx->lock not held, about to sleep until @msg is finished:
 * spins until it is, for up to @window ns.
 */
void qchan_busy_poll_done(const struct qchan_msg *msg, const struct qchan_timeout *t,
			  u64 window)
{
	u64 start = local_clock();
	bool hit;

	for (;;) {
		hit = READ_ONCE(msg->state) == QCHAN_MSG_DONE;
		if (hit || qchan_busy_poll_stop(start, window, t))
			break;
		cpu_relax();
	}
	qchan_busy_poll_count(hit);
}

int qchan_channel_busy_poll(struct qchan_ctx *ctx, struct qchan_channel_busy_poll __user *uarg)
{
	struct qchan_channel_busy_poll a;
	struct qchan_channel *chan;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~QCHAN_BUSY_POLL_ON) || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	/* Only the owner's ioctls get here, so only its own channels are found. */
	chan = qchan_channel_get(ctx, a.chid);
	if (!chan)
		return -ESRCH;
	/* Before the flag: a waiter that sees the flag must not miss it behind the key. */
	if (a.flags & QCHAN_BUSY_POLL_ON)
		static_branch_enable(&qchan_busy_poll_used);
	WRITE_ONCE(chan->busy_poll, !!(a.flags & QCHAN_BUSY_POLL_ON));
	qchan_channel_put(chan);
	return 0;
}
