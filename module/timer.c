// SPDX-License-Identifier: GPL-2.0
/*
 * Timers whose expiry is a pulse: QNX's timer_create() with a SIGEV_PULSE
 * event, the idiom for periodic work in a server's receive loop.
 *
 * A timer belongs to the ctx that created it (at most qchan_max_timers per
 * process: -EAGAIN beyond) and goes with it.  Its pulse goes to a connection
 * of that process, looked up when the timer is created and referenced for
 * the timer's lifetime, so firing never looks anything up.
 *
 * Firing never allocates and never loses a tick silently.  The pulse is a
 * kernel pulse embedded in the timer (outside max_pulses, queued at most
 * once); an expiry that finds it still queued counts an overrun instead, as
 * QNX counts identical pulses, and so does every period the hrtimer itself
 * skipped (hrtimer_forward()).
 *
 * Where the pulse is posted.  The hrtimer callback cannot take the channel's
 * ctx->lock: on mainline it runs in hard irq and ctx->lock is taken with
 * plain spin_lock() everywhere (not irq-safe); a soft hrtimer would run in a
 * softirq that may interrupt a holder on its own CPU.  So the callback only
 * counts the tick and hands the posting to a thread, chosen by who created
 * the timer:
 *
 * - a real-time (SCHED_FIFO/SCHED_RR) thread: the module's kthread_worker
 *   "qchan_timer", SCHED_FIFO at priority 50 (sched_set_fifo(): the
 *   threaded-irq default; chrt can move it), fed from a hard hrtimer on
 *   every kernel.  A real-time receiver is not held up by lower-priority
 *   real-time work: without this, a SCHED_FIFO 5 busy loop on the CPU kept
 *   a SCHED_FIFO 10 receiver's 10 ms ticks ~36 ms late on 6.1 (the posting
 *   thread only ran in RT throttling's 5% window) and starved them for good
 *   on 6.1-rt.  Only real-time creators get it: they could keep the CPU
 *   themselves anyway, so it gives nobody new power over the machine.
 * - anyone else, mainline: the timer's embedded kernel message (kmsg.h),
 *   ROUTINE, to the CPU the timer fired on; that CPU's SCHED_OTHER kmsg
 *   kthread posts the pulse, fairly scheduled against other SCHED_OTHER
 *   tasks.
 * - anyone else, PREEMPT_RT: a soft hrtimer, which expires in the per-CPU
 *   "ktimers" thread (SCHED_FIFO 1), where spinlock_t may be taken: the
 *   callback posts the pulse itself, as the kernel's own POSIX timers are
 *   expired there.
 *
 * A late post loses nothing: the ticks are counted in the callback, and
 * those that find the pulse still queued are overruns.
 *
 * Overruns follow timer_getoverrun(): the count belongs to the last pulse a
 * receiver took.  Expiries that find the pulse queued accumulate in
 * @pending; the next post (the previous pulse is gone: received, or
 * dropped with its channel) moves them to @last.  So while a pulse is
 * queued, the count of the one received before it is @last, and once it is
 * taken (not queued, not yet re-posted) its count is @pending.
 *
 * Destruction (QCHAN_IOC_TIMER_DESTROY, the ctx's end): the timer leaves
 * the ctx's table, hrtimer_cancel() waits for a running callback,
 * qchan_kmsg_sync() for a posting in flight, then a pulse still queued is
 * withdrawn under the channel's lock: nothing can post it again.
 *
 * Memory: one struct qchan_timer (~250 bytes) per timer, at most
 * qchan_max_timers per process.
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/time.h>
#include <linux/uaccess.h>

#include "kmsg.h"
#include "qchan.h"

/* The hrtimer's mode for other than real-time creators: see above. */
#ifdef CONFIG_PREEMPT_RT
#define QCHAN_TIMER_MODE	HRTIMER_MODE_ABS_SOFT
#else
#define QCHAN_TIMER_MODE	HRTIMER_MODE_ABS_HARD
#endif

/* Posts the pulses of real-time creators' timers (SCHED_FIFO 50). */
static struct kthread_worker *qchan_timer_worker;

struct qchan_timer {
	struct hrtimer hr;
	enum hrtimer_mode mode;
	bool rt;			/* a real-time creator: posted by qchan_timer_worker */
	struct kthread_work rt_post;
	struct qchan_kmsg post;		/* mainline: posts the pulse in process context */
	struct qchan_conn *conn;	/* where the pulse goes; referenced */
	struct qchan_pulse_item pulse;	/* the timer's one pulse: under conn->chan->ctx->lock */
	atomic_long_t ticks;		/* expiries not yet posted */
	u64 pending;			/* overruns while the pulse is queued; ctx->lock */
	u64 last;			/* overruns of the last pulse taken; ctx->lock */
	/* Set while the hrtimer is stopped (under ctx->timer_lock): the callback reads it. */
	ktime_t interval;
	clockid_t clock;
	int id;
	/* For QCHAN_IOC_TIMER_INFO, as created: the pulse's coid and priority (-1 kept). */
	s32 coid;
	s16 priority;
	bool abstime;			/* armed with QCHAN_TIMER_ABSTIME; ctx->timer_lock */
};

static bool qchan_timer_clock_ok(s32 clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME;
}

/* Posts the pulse for the ticks counted so far; process context (a kthread on RT). */
static void qchan_timer_post(struct qchan_timer *t)
{
	struct qchan_channel *chan = t->conn->chan;
	struct qchan_ctx *ctx = chan->ctx;
	long n = atomic_long_xchg(&t->ticks, 0);

	/* A tick already posted, or one a settime/destroy cancelled. */
	if (n <= 0)
		return;
	ctx_lock(ctx);
	if (!list_empty(&t->pulse.node)) {
		t->pending += n;
	} else {
		t->last = t->pending;
		t->pending = n - 1;
		qchan_pulse_post_kernel(chan, &t->pulse);
	}
	ctx_unlock(ctx);
}

static void qchan_timer_post_kmsg(struct qchan_kmsg *m)
{
	qchan_timer_post(container_of(m, struct qchan_timer, post));
}

static void qchan_timer_post_work(struct kthread_work *work)
{
	qchan_timer_post(container_of(work, struct qchan_timer, rt_post));
}

static enum hrtimer_restart qchan_timer_fire(struct hrtimer *hr)
{
	struct qchan_timer *t = container_of(hr, struct qchan_timer, hr);
	u64 n = 1;

	if (t->interval)
		n = hrtimer_forward_now(hr, t->interval);
	atomic_long_add(min_t(u64, n, LONG_MAX / 2), &t->ticks);
	/* kthread_queue_work() takes a raw spinlock: fine in hard irq, on RT too. */
	if (t->rt)
		kthread_queue_work(qchan_timer_worker, &t->rt_post);
	else if (IS_ENABLED(CONFIG_PREEMPT_RT))
		qchan_timer_post(t);
	else
		qchan_kmsg_send(smp_processor_id(), &t->post, QCHAN_KMSG_ROUTINE);
	return t->interval ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

/*
 * Stops @t's hrtimer and forgets ticks not yet posted; a posting already
 * under way finishes first.  Process context, ctx->lock not held.
 */
static void qchan_timer_stop(struct qchan_timer *t)
{
	hrtimer_cancel(&t->hr);
	qchan_kmsg_sync(&t->post);
	kthread_cancel_work_sync(&t->rt_post);
	atomic_long_set(&t->ticks, 0);
}

static void qchan_timer_free(struct qchan_timer *t)
{
	struct qchan_ctx *cctx = t->conn->chan->ctx;

	qchan_timer_stop(t);
	ctx_lock(cctx);
	qchan_pulse_withdraw(&t->pulse);
	ctx_unlock(cctx);
	qchan_conn_put(t->conn);
	atomic_dec(&qchan_stats.timers);
	kfree(t);
}

/* Called with ctx->timer_lock held. */
static struct qchan_timer *qchan_timer_find(struct qchan_ctx *ctx, s32 id)
{
	if (id < 0)
		return NULL;
	return xa_load(&ctx->timers, id);
}

int qchan_timer_create(struct qchan_ctx *ctx, struct qchan_timer_create __user *uarg)
{
	struct qchan_timer_create a;
	struct qchan_timer *t;
	struct qchan_conn *conn;
	u32 id;
	int err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.timer_id || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	if (!qchan_timer_clock_ok(a.clock) ||
	    a.code < QCHAN_PULSE_CODE_MIN || a.code > QCHAN_PULSE_CODE_MAX ||
	    a.priority < -1 || a.priority > QCHAN_PRIO_MAX)
		return -EINVAL;

	conn = qchan_conn_get(ctx, a.coid);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t) {
		qchan_conn_put(conn);
		return -ENOMEM;
	}
	t->rt = qchan_current_priority() > 0;
	t->mode = t->rt ? HRTIMER_MODE_ABS_HARD : QCHAN_TIMER_MODE;
	hrtimer_init(&t->hr, a.clock, t->mode);
	t->hr.function = qchan_timer_fire;
	kthread_init_work(&t->rt_post, qchan_timer_post_work);
	qchan_kmsg_init_msg(&t->post, qchan_timer_post_kmsg);
	qchan_pulse_init_kernel(&t->pulse);
	t->pulse.priority = a.priority < 0 ? qchan_current_priority() : a.priority;
	t->pulse.kprio = qchan_prio_pulse(t->pulse.priority);	/* capped by the creator's rights */
	t->pulse.d.code = a.code;
	t->pulse.d.value = a.value;
	t->pulse.d.scoid = conn->scoid;
	t->conn = conn;
	t->clock = a.clock;
	t->coid = a.coid;
	t->priority = a.priority;
	atomic_inc(&qchan_stats.timers);

	mutex_lock(&ctx->timer_lock);
	if (READ_ONCE(ctx->dead)) {
		err = -ESRCH;
	} else if (ctx->nr_timers >= READ_ONCE(qchan_max_timers)) {
		err = -EAGAIN;
	} else {
		err = xa_alloc(&ctx->timers, &id, t, XA_LIMIT(0, INT_MAX), GFP_KERNEL_ACCOUNT);
		if (err == -EBUSY)
			err = -EAGAIN;
	}
	if (!err) {
		t->id = id;
		ctx->nr_timers++;
	}
	mutex_unlock(&ctx->timer_lock);
	if (err) {
		qchan_timer_free(t);
		return err;
	}
	if (put_user(id, &uarg->timer_id)) {
		/* Nobody can know the id: take it back. */
		qchan_timer_destroy(ctx, id);
		return -EFAULT;
	}
	return 0;
}

int qchan_timer_destroy(struct qchan_ctx *ctx, s32 id)
{
	struct qchan_timer *t;

	mutex_lock(&ctx->timer_lock);
	t = qchan_timer_find(ctx, id);
	if (t) {
		xa_erase(&ctx->timers, id);
		ctx->nr_timers--;
	}
	mutex_unlock(&ctx->timer_lock);
	if (!t)
		return -EINVAL;
	qchan_timer_free(t);
	return 0;
}

int qchan_timer_destroy_ioctl(struct qchan_ctx *ctx, struct qchan_timer_destroy __user *uarg)
{
	struct qchan_timer_destroy a;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.reserved)
		return -EINVAL;
	return qchan_timer_destroy(ctx, a.timer_id);
}

/* Called with ctx->timer_lock held: what is left until @t's next expiry, 0 if none. */
static s64 qchan_timer_left(struct qchan_timer *t)
{
	ktime_t left;

	if (!hrtimer_active(&t->hr))
		return 0;
	left = hrtimer_get_remaining(&t->hr);
	/* Due or running: armed all the same. */
	return max_t(s64, ktime_to_ns(left), 1);
}

int qchan_timer_settime(struct qchan_ctx *ctx, struct qchan_timer_settime __user *uarg)
{
	struct qchan_timer_settime a;
	struct qchan_timer *t;
	ktime_t expires;
	s64 old_value, old_interval;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~QCHAN_TIMER_ABSTIME) || a.old_value || a.old_interval ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	if (a.value < 0 || a.interval < 0)
		return -EINVAL;

	mutex_lock(&ctx->timer_lock);
	t = qchan_timer_find(ctx, a.timer_id);
	if (!t) {
		mutex_unlock(&ctx->timer_lock);
		return -EINVAL;
	}
	old_value = qchan_timer_left(t);
	old_interval = ktime_to_ns(t->interval);
	qchan_timer_stop(t);
	t->interval = a.value ? ns_to_ktime(a.interval) : 0;
	t->abstime = a.value && (a.flags & QCHAN_TIMER_ABSTIME);
	if (t->interval && t->interval < QCHAN_TIMER_MIN_INTERVAL)
		t->interval = QCHAN_TIMER_MIN_INTERVAL;
	if (a.value) {
		expires = ns_to_ktime(a.value);
		if (!(a.flags & QCHAN_TIMER_ABSTIME))
			expires = ktime_add_safe(hrtimer_cb_get_time(&t->hr), expires);
		hrtimer_start(&t->hr, expires, t->mode);
	}
	mutex_unlock(&ctx->timer_lock);

	a.old_value = old_value;
	a.old_interval = old_interval;
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

int qchan_timer_info(struct qchan_ctx *ctx, struct qchan_timer_info __user *uarg)
{
	struct qchan_timer_info a;
	struct qchan_timer *t;
	struct qchan_ctx *cctx;
	unsigned long id;
	u64 *count;
	u64 overrun;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~(QCHAN_TIMER_INFO_SEARCH | QCHAN_TIMER_INFO_RESET_OVERRUNS)) ||
	    a.event_value || a.event_coid || a.event_priority || a.event_code || a.info_flags)
		return -EINVAL;

	mutex_lock(&ctx->timer_lock);
	if (a.flags & QCHAN_TIMER_INFO_SEARCH) {
		id = a.timer_id;
		t = a.timer_id < 0 ? NULL : xa_find(&ctx->timers, &id, INT_MAX, XA_PRESENT);
		if (t)
			a.timer_id = id;
	} else {
		t = qchan_timer_find(ctx, a.timer_id);
	}
	if (!t) {
		mutex_unlock(&ctx->timer_lock);
		return -EINVAL;
	}
	a.value = qchan_timer_left(t);
	a.interval = ktime_to_ns(t->interval);
	a.clock = t->clock;
	a.event_value = t->pulse.d.value;
	a.event_coid = t->coid;
	a.event_priority = t->priority;
	a.event_code = t->pulse.d.code;
	a.info_flags = t->abstime && a.value ? QCHAN_TIMER_INFO_ABSTIME : 0;
	cctx = t->conn->chan->ctx;
	ctx_lock(cctx);
	/* The count of the last pulse taken: see the overrun rules above. */
	count = list_empty(&t->pulse.node) ? &t->pending : &t->last;
	overrun = *count;
	if (a.flags & QCHAN_TIMER_INFO_RESET_OVERRUNS)
		*count = 0;
	ctx_unlock(cctx);
	mutex_unlock(&ctx->timer_lock);
	a.overrun = min_t(u64, overrun, INT_MAX);
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

/* The ctx is dead: no new timer can appear.  Destroys every timer it has. */
void qchan_ctx_shutdown_timers(struct qchan_ctx *ctx)
{
	struct qchan_timer *t;
	unsigned long id;

	for (;;) {
		mutex_lock(&ctx->timer_lock);
		id = 0;
		t = xa_find(&ctx->timers, &id, ULONG_MAX, XA_PRESENT);
		if (t) {
			xa_erase(&ctx->timers, id);
			ctx->nr_timers--;
		}
		mutex_unlock(&ctx->timer_lock);
		if (!t)
			break;
		qchan_timer_free(t);
	}
}

int qchan_timer_init(void)
{
	qchan_timer_worker = kthread_create_worker(0, "qchan_timer");
	if (IS_ERR(qchan_timer_worker))
		return PTR_ERR(qchan_timer_worker);
	sched_set_fifo(qchan_timer_worker->task);
	return 0;
}

/* After the last ctx: no timer is left to queue work. */
void qchan_timer_exit(void)
{
	kthread_destroy_worker(qchan_timer_worker);
}
