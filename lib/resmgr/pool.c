// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Thread pools (<sys/dispatch.h>: thread_pool_*), QNX's semantics: each
 * thread owns a context (context_alloc) and loops block_func, handler_func.
 * "Waiting" threads are those in (or about to enter) block_func. A thread
 * leaving block_func that sees fewer than lo_water waiting starts
 * `increment` more (never more than `maximum` in all); a thread done with
 * a handler that would make more than hi_water waiting exits instead.
 * unblock_func (dispatch_unblock) wakes waiting threads so that they can
 * exit when the limits shrink or the pool is destroyed.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rm.h"

struct _thread_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* created changed */
	thread_pool_attr_t a;		/* the limits change under lock */
	unsigned flags;
	unsigned created;		/* threads alive, those starting included */
	unsigned waiting;		/* threads in or on their way to block_func */
	int started;
	int exiting;			/* thread_pool_destroy() runs */
	int controlling;		/* one thread_pool_control() at a time */
};

static void *pool_thread(void *arg);

/* QNX's normalisation: hi_water <= maximum, lo_water <= hi_water. */
static void pool_normalise(thread_pool_attr_t *a)
{
	if (a->hi_water > a->maximum)
		a->hi_water = a->maximum;
	if (a->lo_water > a->hi_water)
		a->lo_water = a->hi_water;
}

/* Called with the lock held: one more thread, counted as waiting already. */
static int pool_spawn(thread_pool_t *pool)
{
	int err, state = PTHREAD_CREATE_JOINABLE;
	pthread_t tid;

	pool->created++;
	pool->waiting++;
	err = pthread_create(&tid, pool->a.attr, pool_thread, pool);
	if (err) {
		pool->created--;
		pool->waiting--;
		pthread_cond_broadcast(&pool->cond);
		return err;
	}
	/* Nobody joins pool threads: detach those the attr left joinable. */
	if (pool->a.attr)
		pthread_attr_getdetachstate(pool->a.attr, &state);
	if (state == PTHREAD_CREATE_JOINABLE)
		pthread_detach(tid);
	return 0;
}

/* Called with the lock held, after a thread left block_func. */
static void pool_grow(thread_pool_t *pool)
{
	unsigned n = pool->a.increment ? pool->a.increment : 1;

	while (n-- && !pool->exiting && pool->waiting < pool->a.lo_water &&
	       pool->created < pool->a.maximum)
		if (pool_spawn(pool))
			break;
}

/*
 * One pool thread. Returns whether it ended because the pool is being
 * destroyed (as opposed to the water marks sending it away).
 */
static int pool_run(thread_pool_t *pool)
{
	THREAD_POOL_PARAM_T *ctp, *got;
	int destroyed;

	ctp = pool->a.context_alloc(pool->a.handle);
	pthread_mutex_lock(&pool->lock);
	if (!ctp) {
		pool->waiting--;
		goto out;
	}
	for (;;) {
		if (pool->exiting || pool->created > pool->a.maximum) {
			pool->waiting--;
			break;
		}
		pthread_mutex_unlock(&pool->lock);
		got = pool->a.block_func(ctp);
		pthread_mutex_lock(&pool->lock);
		pool->waiting--;
		if (pool->exiting)
			break;
		pool_grow(pool);
		if (got) {
			ctp = got;
			pthread_mutex_unlock(&pool->lock);
			pool->a.handler_func(ctp);
			pthread_mutex_lock(&pool->lock);
		}
		if (pool->waiting >= pool->a.hi_water || pool->created > pool->a.maximum)
			break;
		pool->waiting++;
	}
	pthread_mutex_unlock(&pool->lock);
	pool->a.context_free(ctp);
	pthread_mutex_lock(&pool->lock);
out:
	destroyed = pool->exiting;
	pool->created--;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	return destroyed;
}

static void *pool_thread(void *arg)
{
	pool_run(arg);
	return NULL;
}

RM_EXPORT thread_pool_t *thread_pool_create(thread_pool_attr_t *pool_attr, unsigned flags)
{
	thread_pool_t *pool;

	if (!pool_attr || !pool_attr->block_func || !pool_attr->handler_func ||
	    !pool_attr->context_alloc || !pool_attr->context_free ||
	    (flags & ~(unsigned)(POOL_FLAG_EXIT_SELF | POOL_FLAG_USE_SELF)) ||
	    (flags & POOL_FLAG_EXIT_SELF && flags & POOL_FLAG_USE_SELF) ||
	    !pool_attr->maximum) {
		errno = EINVAL;
		return NULL;
	}
	pool = calloc(1, sizeof(*pool));
	if (!pool) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->cond, NULL);
	pool->a = *pool_attr;
	pool_normalise(&pool->a);
	pool->flags = flags;
	return pool;
}

/*
 * Starts lo_water threads (at least one, the caller among them with
 * POOL_FLAG_USE_SELF). POOL_FLAG_EXIT_SELF ends the calling thread once
 * they run; POOL_FLAG_USE_SELF returns only when the pool is destroyed.
 */
RM_EXPORT int thread_pool_start(void *arg)
{
	thread_pool_t *pool = arg;
	unsigned n, self;
	int err = 0;

	if (!pool) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&pool->lock);
	if (pool->started || pool->exiting) {
		pthread_mutex_unlock(&pool->lock);
		errno = EBUSY;
		return -1;
	}
	pool->started = 1;
	self = pool->flags & POOL_FLAG_USE_SELF ? 1 : 0;
	n = pool->a.lo_water ? pool->a.lo_water : 1;
	if (n > pool->a.maximum)
		n = pool->a.maximum;
	if (self) {
		pool->created++;
		pool->waiting++;
	}
	while (!err && pool->created < n)
		err = pool_spawn(pool);
	if (err && pool->created == self) {
		/* Not one thread to serve: the pool can be started again. */
		pool->created = 0;
		pool->waiting = 0;
		pool->started = 0;
		pthread_mutex_unlock(&pool->lock);
		errno = err;
		return -1;
	}
	pthread_mutex_unlock(&pool->lock);
	if (pool->flags & POOL_FLAG_EXIT_SELF)
		pthread_exit(NULL);
	if (self && !pool_run(pool))
		/* The water marks sent the caller away: it ends as pool threads do. */
		pthread_exit(NULL);
	return 0;
}

/*
 * Called with the lock held and `controlling` set: wakes waiting threads
 * beyond hi_water or maximum so that they exit. The lock is dropped meanwhile.
 */
static int pool_shrink(thread_pool_t *pool, unsigned count)
{
	THREAD_POOL_PARAM_T *ctp;

	if (!count || !pool->a.unblock_func)
		return 0;
	pthread_mutex_unlock(&pool->lock);
	ctp = pool->a.context_alloc(pool->a.handle);
	if (ctp) {
		while (count--)
			pool->a.unblock_func(ctp);
		pool->a.context_free(ctp);
	}
	pthread_mutex_lock(&pool->lock);
	return ctp ? 0 : -1;
}

RM_EXPORT int thread_pool_control(thread_pool_t *pool, thread_pool_attr_t *attr,
				  _Uint16t lower, _Uint16t upper, unsigned flags)
{
	unsigned over_max, over_hi;
	int ret = 0, err;

	if (!pool || lower > upper ||
	    (flags & ~(unsigned)(THREAD_POOL_CONTROL_HIWATER | THREAD_POOL_CONTROL_LOWATER |
				 THREAD_POOL_CONTROL_MAXIMUM | THREAD_POOL_CONTROL_INCREMENT |
				 THREAD_POOL_CONTROL_NONBLOCK)) ||
	    (!attr && (flags & ~(unsigned)THREAD_POOL_CONTROL_NONBLOCK))) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&pool->lock);
	while (pool->controlling)
		pthread_cond_wait(&pool->cond, &pool->lock);
	if (pool->exiting) {
		pthread_mutex_unlock(&pool->lock);
		errno = EINVAL;
		return -1;
	}
	pool->controlling = 1;
	if (flags & THREAD_POOL_CONTROL_MAXIMUM)
		pool->a.maximum = attr->maximum ? attr->maximum : 1;
	if (flags & THREAD_POOL_CONTROL_LOWATER)
		pool->a.lo_water = attr->lo_water;
	if (flags & THREAD_POOL_CONTROL_HIWATER)
		pool->a.hi_water = attr->hi_water;
	if (flags & THREAD_POOL_CONTROL_INCREMENT)
		pool->a.increment = attr->increment;
	pool_normalise(&pool->a);
	if (pool->started) {
		while (pool->waiting < pool->a.lo_water && pool->created < pool->a.maximum) {
			err = pool_spawn(pool);
			if (err) {
				errno = err;
				ret = -1;
				break;
			}
		}
		over_max = pool->created > pool->a.maximum ?
			   pool->created - pool->a.maximum : 0;
		over_hi = pool->waiting > pool->a.hi_water ?
			  pool->waiting - pool->a.hi_water : 0;
		if (!ret && pool_shrink(pool, over_max > over_hi ? over_max : over_hi)) {
			errno = ENOMEM;
			ret = -1;
		}
		/* Until the number of threads is within [lower, upper]. */
		while (!ret && !(flags & THREAD_POOL_CONTROL_NONBLOCK) && !pool->exiting &&
		       (pool->created < lower || pool->created > upper))
			pthread_cond_wait(&pool->cond, &pool->lock);
	}
	pool->controlling = 0;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	return ret;
}

RM_EXPORT int thread_pool_limits(thread_pool_t *pool, int lowater, int hiwater, int maximum,
				 int increment, unsigned flags)
{
	thread_pool_attr_t a;
	unsigned cflags = flags & THREAD_POOL_CONTROL_NONBLOCK;
	_Uint16t lower = 0, upper = USHRT_MAX;

	if ((flags & ~(unsigned)THREAD_POOL_CONTROL_NONBLOCK) || lowater > USHRT_MAX ||
	    hiwater > USHRT_MAX || maximum > USHRT_MAX || increment > USHRT_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	if (lowater >= 0) {
		a.lo_water = (unsigned short)lowater;
		lower = a.lo_water;
		cflags |= THREAD_POOL_CONTROL_LOWATER;
	}
	if (hiwater >= 0) {
		a.hi_water = (unsigned short)hiwater;
		cflags |= THREAD_POOL_CONTROL_HIWATER;
	}
	if (maximum >= 0) {
		a.maximum = (unsigned short)maximum;
		upper = a.maximum;
		cflags |= THREAD_POOL_CONTROL_MAXIMUM;
	}
	if (increment >= 0) {
		a.increment = (unsigned short)increment;
		cflags |= THREAD_POOL_CONTROL_INCREMENT;
	}
	return thread_pool_control(pool, &a, lower, upper, cflags);
}

/*
 * Wakes every waiting thread (unblock_func once per thread, as QNX) and
 * waits for all of them to end. Threads in a handler end when it returns.
 */
RM_EXPORT int thread_pool_destroy(thread_pool_t *pool)
{
	struct timespec until;

	if (!pool) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&pool->lock);
	while (pool->controlling)
		pthread_cond_wait(&pool->cond, &pool->lock);
	pool->exiting = 1;
	pool->controlling = 1;
	pool_shrink(pool, pool->waiting);
	while (pool->created) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		/*
		 * Another receiver on the channel (the program's own loop) may
		 * have taken a wake-up meant for the pool: send them again.
		 */
		if (pthread_cond_timedwait(&pool->cond, &pool->lock, &until) == ETIMEDOUT)
			pool_shrink(pool, pool->waiting);
	}
	pthread_mutex_unlock(&pool->lock);
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
	return 0;
}
