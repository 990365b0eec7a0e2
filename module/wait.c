// SPDX-License-Identifier: GPL-2.0
/*
 * How a blocked sender waits for its message to finish, and what ends the
 * wait early: a handled signal, its timeout, a stop (parking, park.c), its
 * death.  The unblock protocol of QCHAN_CHF_UNBLOCK channels lives here too:
 * a REPLY-blocked sender that a signal or a timeout would release asks its
 * server instead (an unblock pulse, pulse.c) and waits on for the reply.
 * The message states and locking rules are in qchan.h.
 */
#include <linux/hrtimer.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/time.h>

#include "qchan.h"
#include "trace.h"

/*
 * Validates a timeout of the ABI (an absolute deadline in ns on a clock,
 * given when @armed) into @t.  Without @armed both fields must be 0.
 */
int qchan_timeout_import(bool armed, s64 deadline, s32 clock, struct qchan_timeout *t)
{
	if (!armed)
		return deadline || clock ? -EINVAL : 0;
	if (deadline < 0 || (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME))
		return -EINVAL;
	t->deadline = ns_to_ktime(deadline);
	t->clock = clock;
	return 0;
}

bool qchan_timeout_passed(const struct qchan_timeout *t)
{
	ktime_t now = t->clock == CLOCK_REALTIME ? ktime_get_real() : ktime_get();

	return ktime_compare(now, t->deadline) >= 0;
}

/*
 * Sleeps in the state the caller set until woken, or until @t's deadline
 * (NULL: no deadline).  Returns in TASK_RUNNING; the caller finds out under
 * its lock what woke it (qchan_timeout_passed() for the deadline).
 */
void qchan_sleep(const struct qchan_timeout *t)
{
	ktime_t expires;

	if (!t) {
		schedule();
		return;
	}
	expires = t->deadline;
	schedule_hrtimeout_range_clock(&expires, current->timer_slack_ns, HRTIMER_MODE_ABS,
				       t->clock);
}

unsigned int qchan_reply_wake;
module_param_named(reply_wake, qchan_reply_wake, uint, 0644);
MODULE_PARM_DESC(reply_wake,
		 "Who runs first after a reply: 0 = the scheduler decides, 1 = the QNX rule (sync wake-ups)");

/*
 * Called with ctx->lock held: wakes the sender of the finished @msg by the
 * QNX rule for who runs first after a reply (module parameter reply_wake 1,
 * issue 15 goal 6): the client, if another server thread is RECEIVE-blocked
 * on the channel to take its next message at once; otherwise the server,
 * which will re-block in MsgReceive and be ready for it.  A module has no
 * direct switch; what it can say is WF_SYNC ("the waker sleeps soon", as
 * wake_up_sync() on a wait queue), which lets the scheduler queue the
 * client behind the server on the server's CPU instead of on an idle one.
 */
void qchan_wake_finished(struct qchan_msg *msg)
{
	struct wait_queue_entry entry;
	struct wait_queue_head wq;
	struct qchan_receiver *r;

	list_for_each_entry(r, &msg->chan->receivers, node) {
		if (!r->pulse_only) {
			wake_up_process(msg->waiter);
			return;
		}
	}
	init_waitqueue_head(&wq);
	init_waitqueue_entry(&entry, msg->waiter);
	__add_wait_queue(&wq, &entry);
	__wake_up_sync(&wq, TASK_NORMAL);
}

/*
 * Called with ctx->lock held, for the RECEIVED or REPLYING @msg on a
 * QCHAN_CHF_UNBLOCK channel whose sender wants to leave: tells the server,
 * once per message, with the pulse embedded in the message (its value the
 * rcvid, at the sender's priority).  It needs no allocation and no room in
 * max_pulses, so a flood of process pulses can never hold it back; the
 * message withdraws it when it finishes, and parking moves it.
 */
static void qchan_msg_unblock_pulse(struct qchan_msg *msg)
{
	struct qchan_pulse_item *pulse = &msg->unblock;

	if (msg->unblock_req || msg->chan->dead ||
	    (msg->state != QCHAN_MSG_RECEIVED && msg->state != QCHAN_MSG_REPLYING))
		return;
	msg->unblock_req = true;
	pulse->priority = msg->priority;
	pulse->kprio = msg->kprio;
	pulse->d.code = QCHAN_PULSE_CODE_UNBLOCK;
	pulse->d.value = msg->rcvid;
	pulse->d.scoid = msg->conn->scoid;
	qchan_pulse_post_kernel(msg->chan, pulse);
}

/*
 * Called with ctx->lock held: the sender of @msg wants out (@error: -EINTR
 * for a handled signal, -ETIMEDOUT for its timeout).  A SEND-blocked message
 * always ends, never delivered.  A REPLY-blocked one ends too, unless its
 * channel has QCHAN_CHF_UNBLOCK: then the server is told, once, and only its
 * reply releases the sender.  A reply under way (REPLYING) decides the
 * outcome in any case.  Either way the timeout is spent: it is one-shot.
 */
void qchan_msg_unblock(struct qchan_ctx *ctx, struct qchan_msg *msg, int error)
{
	msg->timeout_states = 0;
	trace_qchan_unblock(msg, error, msg->state != QCHAN_MSG_QUEUED &&
			    (msg->chan->flags & QCHAN_CHF_UNBLOCK));
	if (msg->state == QCHAN_MSG_QUEUED || !(msg->chan->flags & QCHAN_CHF_UNBLOCK))
		qchan_msg_fail(ctx, msg, error);
	else
		qchan_msg_unblock_pulse(msg);
}

/* Called with ctx->lock held: the timeout that covers @msg's state now, or NULL. */
static const struct qchan_timeout *qchan_msg_timeout(const struct qchan_msg *msg)
{
	u32 covers;

	switch (msg->state) {
	case QCHAN_MSG_QUEUED:
		covers = QCHAN_SEND_TIMEOUT_SEND;
		break;
	case QCHAN_MSG_RECEIVED:
	case QCHAN_MSG_REPLYING:
		covers = QCHAN_SEND_TIMEOUT_REPLY;
		break;
	default:
		return NULL;
	}
	return msg->timeout_states & covers ? &msg->timeout : NULL;
}

/* Called with ctx->lock held: has the timeout that covers @msg's state now passed? */
bool qchan_msg_timed_out(const struct qchan_msg *msg)
{
	const struct qchan_timeout *t = qchan_msg_timeout(msg);

	return t && qchan_timeout_passed(t);
}

/*
 * Does any pending, unblocked signal run a handler?  Signals that only stop,
 * continue or are ignored do not unblock a REPLY-blocked sender: it parks
 * instead (see qchan_msg_park()).
 */
static bool qchan_handler_signal_pending(void)
{
	/* Only this thread's own exec could replace its sighand. */
	struct sighand_struct *sighand = rcu_dereference_protected(current->sighand, 1);
	bool handler = false;
	sigset_t pending;
	int sig;

	spin_lock_irq(&sighand->siglock);
	sigorsets(&pending, &current->pending.signal, &current->signal->shared_pending.signal);
	sigandnsets(&pending, &pending, &current->blocked);
	for (sig = 1; sig < _NSIG && !handler; sig++) {
		__sighandler_t h = sighand->action[sig - 1].sa.sa_handler;

		handler = sigismember(&pending, sig) && h != SIG_DFL && h != SIG_IGN;
	}
	spin_unlock_irq(&sighand->siglock);
	return handler;
}

/*
 * Sleeps until @msg is finished and no server thread copies the sender's
 * memory.  A handled signal or the send's timeout unblocks the sender as
 * qchan_msg_unblock() says (-EINTR, -ETIMEDOUT, or the unblock protocol); a
 * signal that only stops the thread (job control, ptrace) or asks it to run
 * kernel work makes this return QCHAN_WAIT_PARK once no server is copying,
 * for the caller to park the message: it keeps its place in the queue, or
 * its rcvid, while the thread is away.  A fatal signal fails the message,
 * and the thread leaves as soon as no server copies its memory: a reply
 * under way whose server waits on its own page faults is abandoned.
 * The waits after a signal are killable until the thread is killed, then
 * uninterruptible: busy is only held across copies that never wait on a
 * server's memory.  (A handled signal stays pending, so on an unblock
 * channel the sender waits for the reply killable: a stop arriving then
 * takes effect once the call returns, and the handler runs after it.)
 */
int qchan_msg_wait_done_locked(struct qchan_ctx *ctx, struct qchan_msg *msg)
	__releases(&ctx->lock)
{
	unsigned int sleep_state = TASK_INTERRUPTIBLE;
	u64 spin = qchan_busy_poll_window(msg->chan);

	msg->waiter = current;
	for (;;) {
		const struct qchan_timeout *t;
		struct qchan_prio *rec = NULL;

		/* Checked here, inline: the wait loop runs on every send. */
		if (unlikely(qchan_prio_current() != msg->kprio))
			rec = qchan_prio_resend(msg);
		if (unlikely(rec)) {	/* we were raised or lowered: so is our server */
			ctx_unlock(ctx);
			qchan_prio_apply(ctx, rec);
			ctx_lock(ctx);
			continue;
		}

		if (!msg->busy) {
			if (msg->state == QCHAN_MSG_DONE)
				break;
			if (msg->leaving) {		/* REPLYING: its server is faulting */
				qchan_msg_finish(ctx, msg, -EINTR);
				break;
			}
			if (msg->parking && msg->state != QCHAN_MSG_REPLYING) {
				msg->parking = false;
				msg->waiter = NULL;
				ctx_unlock(ctx);
				return QCHAN_WAIT_PARK;
			}
		}
		t = qchan_msg_timeout(msg);
		if (t && qchan_timeout_passed(t)) {
			trace_qchan_timeout(msg->chan->chid, msg->state == QCHAN_MSG_QUEUED ?
					    QCHAN_TRACE_SEND : QCHAN_TRACE_REPLY);
			qchan_msg_unblock(ctx, msg, -ETIMEDOUT);
			continue;
		}
		/* Once per wait, and not after a signal: the reply may come without a wake-up. */
		if (unlikely(spin) && sleep_state == TASK_INTERRUPTIBLE) {
			ctx_unlock(ctx);
			qchan_busy_poll_done(msg, t, spin);
			spin = 0;
			ctx_lock(ctx);
			continue;
		}
		set_current_state(sleep_state);
		ctx_unlock(ctx);
		/* @t stays valid: only this thread changes a message's timeout. */
		qchan_sleep(t);
		if (sleep_state != TASK_UNINTERRUPTIBLE && signal_pending(current)) {
			bool fatal = fatal_signal_pending(current);
			bool handler = !fatal && sleep_state == TASK_INTERRUPTIBLE &&
				       qchan_handler_signal_pending();

			ctx_lock(ctx);
			if (fatal) {
				sleep_state = TASK_UNINTERRUPTIBLE;
				msg->leaving = true;
				msg->parking = false;
				qchan_msg_fail(ctx, msg, -EINTR);
				/*
				 * A posted receive's copy waits for task work in
				 * its thread, which may be this one: take it back.
				 */
				if (msg->posted)
					qchan_uring_receive_revoke(msg);
			} else if (sleep_state == TASK_INTERRUPTIBLE) {
				sleep_state = TASK_KILLABLE;
				if (handler)
					qchan_msg_unblock(ctx, msg, -EINTR);
				else
					msg->parking = true;
			}
			continue;
		}
		ctx_lock(ctx);
	}
	msg->parking = false;
	__set_current_state(TASK_RUNNING);
	ctx_unlock(ctx);
	return msg->error;
}

int qchan_msg_wait_done(struct qchan_ctx *ctx, struct qchan_msg *msg)
{
	ctx_lock(ctx);
	return qchan_msg_wait_done_locked(ctx, msg);
}
