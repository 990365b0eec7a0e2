/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the supported kernels (Debian 6.1, 6.12 and the
 * 6.1 PREEMPT_RT flavour) lives here, so the rest of the module reads as if
 * there were one kernel.
 */
#ifndef QCHAN_COMPAT_H
#define QCHAN_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>
#include <linux/uio.h>

/* 6.5 dropped the vmas argument of pin_user_pages_remote(). */
static inline long qchan_pin_user_pages_remote(struct mm_struct *mm, unsigned long start,
					       unsigned long nr_pages, unsigned int gup_flags,
					       struct page **pages, int *locked)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked);
#else
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages, NULL, locked);
#endif
}

/*
 * One user buffer as an iterator, capped at MAX_RW_COUNT and checked with
 * access_ok() (-EFAULT): 6.7 replaced import_single_range() with
 * import_ubuf(), whose iterator does not point at @iov.
 */
static inline int qchan_import_single(int dir, struct iovec *iov, struct iov_iter *iter)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	return import_ubuf(dir, iov->iov_base, iov->iov_len, iter);
#else
	return import_single_range(dir, iov->iov_base, iov->iov_len, iov, iter);
#endif
}

/*
 * The default inline_max: where the pinned direct copy starts to beat the
 * copy through a kernel buffer (docs/PERFORMANCE.md, "Copy-tier crossover").
 * Above its 256-byte stack buffer the inline tier allocates per message: on
 * 6.1 that alone makes it dearer than pinning one page each way, so 6.1
 * crosses over at the end of the stack buffer; 6.12 allocates cheaper, and
 * inline wins there up to 512 B (768 B before the sender pinned its own
 * pages, which made the direct tier cheaper).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define QCHAN_INLINE_MAX_DEFAULT	512
#else
#define QCHAN_INLINE_MAX_DEFAULT	256
#endif

/*
 * A stack buffer the code writes before it reads it: not zero-filled on
 * entry under CONFIG_INIT_STACK_ALL_ZERO (Debian's kernels), which costs a
 * `rep stos` per call (the reply's 256-byte buffer and iovec array: ~50
 * instructions a reply under icount).  Only for buffers whose bytes are
 * read no further than they were written.
 */
#if defined(CONFIG_INIT_STACK_ALL_ZERO) && __has_attribute(__uninitialized__)
#define __qchan_noinit	__attribute__((__uninitialized__))
#else
#define __qchan_noinit
#endif

/* 6.1 names iterator directions READ/WRITE; later kernels ITER_DEST/ITER_SOURCE. */
#ifndef ITER_DEST
#define ITER_DEST	READ
#define ITER_SOURCE	WRITE
#endif

/*
 * PREEMPT_RT's spin_lock() and spin_unlock() (rtmutexes) carry no sparse
 * context annotation, the others do (through _raw_spin_lock()): add it, so
 * that sparse checks __releases() and __must_hold() functions the same way.
 */
static __always_inline void qchan_spin_lock(spinlock_t *lock)
	__acquires(lock)
{
	spin_lock(lock);
#ifdef CONFIG_PREEMPT_RT
	__acquire(lock);
#endif
}

static __always_inline void qchan_spin_unlock(spinlock_t *lock)
	__releases(lock)
{
#ifdef CONFIG_PREEMPT_RT
	__release(lock);
#endif
	spin_unlock(lock);
}

/*
 * May the caller use kmalloc(GFP_ATOMIC) and kfree() here?  Never in hard
 * irq, on any kernel: kmsg's immediates promise that nothing in hard irq can
 * sleep, and on PREEMPT_RT the allocator's locks do.  There they sleep in
 * every atomic context (irqs or preemption off, raw spinlocks), so only
 * preemptible code may allocate; a held spinlock_t (an rtmutex there) or a
 * softirq (a thread) leaves the caller preemptible.
 */
static inline bool qchan_may_alloc_atomic(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return preemptible();
	return !in_hardirq() && !in_nmi();
}

/*
 * Threads the kernel makes in a user process without a fork tracepoint
 * (create_io_thread(), vhost's user workers): 6.4 marks them all
 * PF_USER_WORKER, 6.1 has only io_uring's PF_IO_WORKER.
 */
#ifdef PF_USER_WORKER
#define QCHAN_PF_USER_WORKERS	(PF_IO_WORKER | PF_USER_WORKER)
#else
#define QCHAN_PF_USER_WORKERS	PF_IO_WORKER
#endif

/*
 * io_uring commands (uring.c).  6.1 hands ->uring_cmd the 16 command bytes
 * of the SQE and cannot cancel a command (no IORING_URING_CMD_CANCELABLE:
 * ring exit just waits for it); 6.7 moved the declarations to
 * <linux/io_uring/cmd.h>, passes the SQE and calls ->uring_cmd with
 * IO_URING_F_CANCEL for commands marked cancelable, at ring exit and task
 * exit.  Without that, uring.c polls whether the ring is being torn down.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#include <linux/io_uring/cmd.h>
#define QCHAN_URING_CANCELABLE	1

static inline const void *qchan_uring_cmd_bytes(const struct io_uring_cmd *cmd)
{
	return io_uring_sqe_cmd(cmd->sqe);
}

static inline void qchan_uring_mark_cancelable(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	io_uring_cmd_mark_cancelable(cmd, issue_flags);
}

static inline bool qchan_uring_cancel_call(unsigned int issue_flags)
{
	return issue_flags & IO_URING_F_CANCEL;
}

/*
 * The ring cancels the command itself at its exit, and at the exit of the
 * whole process (which closes it); not at the exit of a submitting thread
 * whose process lives on: io_uring_cancel_generic() then stops at once when
 * the thread has no tracked (REQ_F_INFLIGHT) request, and uring_cmds are not
 * tracked.  So that case is polled, as on 6.1.  The request holds a
 * reference to its task.
 */
static inline bool qchan_uring_ring_dying(struct io_uring_cmd *cmd)
{
	return READ_ONCE(cmd_to_io_kiocb(cmd)->task->flags) & PF_EXITING;
}

/*
 * Task work that always posts a CQE: on a DEFER_TASKRUN ring the waiter is
 * woken only once as many completions are pending as it waits for, not for
 * each one.  6.1 has no lazy wake (its local work wakes on each addition).
 */
static inline void qchan_uring_complete_lazy(struct io_uring_cmd *cmd,
					     void (*tw)(struct io_uring_cmd *, unsigned int))
{
	io_uring_cmd_do_in_task_lazy(cmd, tw);
}

/* Was the ring set up by a 32-bit (ia32) process?  Its structs and vectors are compat's. */
static inline bool qchan_uring_compat(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	return issue_flags & IO_URING_F_COMPAT;
}
#else
#include <linux/io_uring.h>
#include <linux/io_uring_types.h>
#include <linux/percpu-refcount.h>
#include <linux/sched/signal.h>
#define QCHAN_URING_CANCELABLE	0

static inline const void *qchan_uring_cmd_bytes(const struct io_uring_cmd *cmd)
{
	return cmd->cmd;
}

static inline void qchan_uring_mark_cancelable(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
}

static inline bool qchan_uring_cancel_call(unsigned int issue_flags)
{
	return false;
}

/*
 * The ring's references are killed first thing when its last file reference
 * goes.  And exec waits in io_uring_task_cancel() for every request its
 * thread submitted, before the close-on-exec that would end the context.
 * A submitter that exits (its process living on) leaves its commands behind:
 * they go with it.  An SQPOLL ring's submitter is its io_uring thread, which
 * at the process's exit (or exec) waits for every request it issued before
 * it exits, and so before the fd table it shares (the ring's and the
 * context's files) lets go: the process's group exit is that ring's end.
 * The request holds a reference to its task, so the task's flags and signal
 * struct can be read.
 */
static inline bool qchan_uring_ring_dying(struct io_uring_cmd *cmd)
{
	struct task_struct *submitter = cmd_to_io_kiocb(cmd)->task;
	struct signal_struct *sig = submitter->signal;

	/* A racy read: a bit field; the next round sees what this one missed. */
	return percpu_ref_is_dying(&cmd_to_io_kiocb(cmd)->ctx->refs) || submitter->in_execve ||
	       (READ_ONCE(submitter->flags) & PF_EXITING) ||
	       (READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT) || READ_ONCE(sig->group_exec_task);
}

static inline void qchan_uring_complete_lazy(struct io_uring_cmd *cmd,
					     void (*tw)(struct io_uring_cmd *, unsigned int))
{
	io_uring_cmd_complete_in_task(cmd, tw);
}

/* 6.1 has no IO_URING_F_COMPAT: the ring's ctx says it (what 6.7+ derives the flag from). */
static inline bool qchan_uring_compat(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	return cmd_to_io_kiocb(cmd)->ctx->compat;
}
#endif

static inline u64 qchan_uring_user_data(struct io_uring_cmd *cmd)
{
	return cmd_to_io_kiocb(cmd)->cqe.user_data;
}

#endif /* QCHAN_COMPAT_H */
