/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qchan internals.
 *
 * Objects
 * -------
 * qchan_ctx      one per process that opened /dev/qchan: its channels, its
 *                side-channel connections and the rcvids of the messages its
 *                threads have received and not yet replied to.
 * qchan_channel  owned by one ctx; holds the queue of SEND-blocked messages
 *                (priority order, FIFO within a priority) and the list of
 *                RECEIVE-blocked server threads.
 * qchan_conn     a connection to a channel: an anon-inode file (fd coid) or an
 *                entry of the owner's side-channel table.
 * qchan_scon     a server connection: the server's view of all the connections
 *                one client process has to one channel, named by one scoid
 *                (notice.c).
 * qchan_msg      lives on the kernel stack of the sending thread for the whole
 *                send: the thread is blocked until the message is finished,
 *                so a message needs no allocation and no reference count.
 * qchan_receiver lives on the kernel stack of a RECEIVE-blocked server thread.
 *
 * Lifetimes
 * ---------
 * conn -> channel -> ctx are kref'd in that direction only (and conn -> scon
 * -> channel, conn -> acct ctx); the server's scoid table holds its scons
 * until the channel is destroyed, which breaks that cycle.  A ctx is "live"
 * until its owner process lets go of it, and only then: an explicit close()
 * (or dup2() over the fd) by one of its threads, exec (the fd is O_CLOEXEC),
 * or the death of the whole thread group.  Shutdown then destroys every
 * channel, which fails every queued and every REPLY-blocked message with
 * -ESRCH and wakes every receiver; the memory stays until the last kref goes.
 *
 * The file alone cannot tell: it is shared with whoever holds a copy of an fd
 * table (a forked child, a CLONE_FILES sibling process, an SCM_RIGHTS
 * receiver).  So ->flush shuts down only for a close from the owner's own
 * current table (fl_owner_t == current->files): a failed fork closes the
 * child's copy from the parent's thread, exit_files() clears tsk->files
 * first, and a thread's private table (unshare(CLONE_FILES)) dies with the
 * thread; none of those end the ctx.  Death is watched directly: open hangs
 * ctx->owner_wait on the owner's struct pid's wait_pidfd queue, which the
 * kernel wakes when the thread group exits (as for pidfd poll); the wake
 * queues ctx->owner_work (holding a ctx reference), which shuts down once
 * the group is really gone.  ->release shuts down too, for the last holder.
 *
 * A ctx holds a reference on its owner's struct pid, and qchan_ctx_table is
 * keyed by that struct pid, not by its number: a number freed at reaping and
 * handed to a new process can never find (or be refused by) a stale ctx.
 *
 * Locking overview
 * ----------------
 * ctx->lock (spinlock) is the one lock of the message state machine.  It
 * covers, for every channel of that ctx: the send queue (the list and its
 * priority bands, chan->bands: queue.c), the receiver list,
 * msg->state/status/busy, and the rcvid hash (ctx->rcvids, ctx->next_rcvid).
 * A server process is the natural unit: it never contends with other
 * servers, and one lock makes the queue -> rcvid -> done transitions atomic
 * without lock ordering.
 *
 * An rcvid names the server connection the message came through and a
 * sequence number: (scoid index << 16) | (per-ctx sequence & 0xffff),
 * skipping 0 and ids still in use, hashed into ctx->rcvids through a node
 * embedded in the message: binding a message to an rcvid allocates nothing.
 * The hash grows (never under ctx->lock's allocation) when the REPLY-blocked
 * messages outnumber its buckets twice: see qchan_rcvids_grow().  Its size
 * and count (ctx->rcvid_bits, ctx->nr_rcvids) change under ctx->lock; only
 * qchan_rcvids_maybe_grow(), called before ctx->lock on every path that may
 * bind an rcvid, reads them without it: a stale value delays the growth.
 * The scoid index (scoid - QCHAN_SIDE_CHANNEL, below 2^15 so rcvids stay
 * positive) lets MsgDeliverEvent find the client after the reply (event.c).
 * A stale rcvid can only name a new message of the same client process and
 * channel, after 65536 further messages to the server.
 *
 * ctx->conn_lock (mutex) serialises side-channel attach/detach, channel
 * create/destroy, the creation of server connections (scoids) on the ctx's
 * channels, the reservation of COIDDEATH notices and the list of parked
 * sends (msg.c); it is taken before ctx->lock, never inside it.  ctx->lock
 * also covers the ctx's scoid table and server connections (ctx->scons,
 * chan->scons, scon->conns) and, for the connections the ctx attached and its
 * COID_DISCONNECT channels, their notices (ctx->conns, conn->notices,
 * chan->notices).  No path holds two ctx->locks, or two conn_locks, at once:
 * a death notice crosses from one process's lock to the other's with a
 * reference in hand, never by nesting.
 * qchan_names_lock (name.c, global mutex) covers the names and every ctx's
 * names list; it nests inside a ctx's conn_lock (unpublishing a channel
 * drops its names), takes task_lock() inside, and no user copy runs under it.
 * qchan_td_lock (tdeath.c, global raw spinlock) covers the THREAD_DEATH
 * records' hash by task; it is the only lock the fork and exit tracepoint
 * probes take, it nests inside ctx->lock, and no message path takes it.
 * qchan_ctx_table (global hash, qchan_ctx_table_lock) maps the owner's
 * struct pid -> live ctx for ConnectAttach; it is looked up under RCU and
 * never on the send path.  The owner's wait_pidfd lock is the kernel's; the
 * wake function under it only takes a reference and queues work.
 *
 * ctx->uring_lock (spinlock) covers the ctx's io_uring commands (uring.c);
 * it is taken before a ctx->lock (an async send's is its channel owner's),
 * never inside one: completion hooks under ctx->lock only queue task work.
 *
 * Nothing that can sleep, fault or copy from/to user memory runs under
 * ctx->lock.  Wake-ups of a message's sender are issued with ctx->lock held:
 * the sender re-checks its state under the same lock before it returns, so
 * a woken sender cannot leave (and free its stack message, or exit) while
 * its waker still touches it.
 *
 * Message states (msg->state, under ctx->lock)
 * --------------------------------------------
 *   QUEUED     on chan->send_queue: the sender is SEND-blocked.
 *   RECEIVED   hashed by rcvid in ctx->rcvids: the sender is REPLY-blocked;
 *              the server may MsgRead/MsgWrite/MsgReply/MsgError it.
 *   REPLYING   still hashed, but only the one thread that claimed the reply
 *              may take it back by rcvid (a long reply, copied straight into
 *              the sender's pages); a signal or the channel's death no longer
 *              changes the outcome, only the sender's death does.
 *   DONE       finished (reply, error, abort, channel death); the sender
 *              returns as soon as msg->busy drops to zero.
 * A handled signal or the send's timeout ends a QUEUED message, and a
 * RECEIVED one unless the channel has QCHAN_CHF_UNBLOCK: then the message
 * stays RECEIVED with msg->unblock_req set, and its embedded unblock pulse
 * (msg->unblock) is queued on the channel or handed to a receiver.  The
 * pulse lives in the message, so finishing a message withdraws it, parking
 * moves it, and a receiver copies a pulse's data under ctx->lock (wait.c,
 * pulse.c).
 * msg->busy counts server threads copying from or to the sender's memory; the
 * sender's buffers (and its mm) stay valid while busy > 0 because the sender
 * does not return before busy is zero, even when killed.  So busy is only
 * ever held across copies that cannot wait on anyone: the server's side of a
 * copy runs with page faults disabled, and a server whose own buffer is not
 * present drops busy, faults it in, and takes the message back by rcvid
 * (a killed sender may be gone by then).  A killed sender never waits for a
 * server's page fault.  The pages a direct-tier sender pinned itself
 * (msg->pins, copy.c) follow the same rule: set before the message is
 * posted, read-only to servers under busy, unpinned by the sender (or a
 * parked message's release) when it returns, as for its buffers.
 *
 * An io_uring send (msg->uasync) has no sender thread: its message is on
 * the heap, its data in kernel buffers, and when it is DONE with busy == 0
 * uring.c posts the CQE from task work in the submitter.  A posted receive
 * is a qchan_receiver with r->uasync set: handing it a message queues task
 * work in the receiving thread, which copies.
 *
 * msg->waiter is the thread to wake when the message finishes: the sender
 * while it waits in its MsgSend, nobody while the message is parked (the
 * sender is in user space or sleeping elsewhere), the abandoning thread when
 * a parked message is given up.
 */
#ifndef QCHAN_INTERNAL_H
#define QCHAN_INTERNAL_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/jump_label.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/qchan.h>

#include "compat.h"

struct dentry;

/* Module parameters (main.c). */
extern unsigned int qchan_inline_max;
extern unsigned int qchan_max_channels;
extern unsigned int qchan_max_connections;
extern unsigned int qchan_max_queued;
extern unsigned int qchan_max_posted_receives;
extern unsigned int qchan_max_pulses;
extern unsigned int qchan_max_timers;
extern unsigned int qchan_max_names;

extern struct dentry *qchan_debugfs_dir;

/* Global counters of live objects, for introspection and leak tests. */
struct qchan_stats {
	atomic_t ctxs;			/* live: opened, not yet shut down */
	atomic_t ctx_objects;		/* allocated: until the last reference goes */
	atomic_t channels;
	atomic_t connections;
	atomic_t scons;			/* server connections (scoids), until the server lets go */
	atomic_t events;		/* registered (secure) events */
	atomic_t timers;		/* pulse timers (timer.c) */
	atomic_t td_records;		/* THREAD_DEATH per-thread records, spares included */
	atomic_t names;			/* attached names (name.c) */
	atomic_t channel_fds;		/* open channel fds (chanfd.c) */
	/* io_uring (uring.c) */
	atomic_t uring_cmds;		/* SEND/RECEIVE commands not yet completed */
	atomic_long_t uring_sends_handed; /* SENDs given straight to a waiting receiver */
	atomic_long_t uring_sends_queued; /* SENDs that had to queue */
	atomic_long_t uring_recv_inline;  /* RECEIVEs completed in the submitting call */
	atomic_long_t uring_recv_waited;  /* RECEIVEs that completed later */
};

extern struct qchan_stats qchan_stats;

/*
 * The counters every message or pulse moves: per CPU, so that senders on
 * different CPUs never share a cache line for them; a read sums every
 * possible CPU (a gauge may be negative on one CPU and positive on another).
 */
struct qchan_pcpu_stats {
	long msgs_in_flight;
	long pulses;			/* queued or being delivered */
	long pinned_pages;
	long msgs_total;
	long bytes_inline;
	long bytes_direct;
	long busy_polls;		/* busy-poll spins (busypoll.c) */
	long busy_poll_hits;		/* ... that saw what they waited for */
};

DECLARE_PER_CPU(struct qchan_pcpu_stats, qchan_pcpu_stats);
#define qchan_stat_add(field, n)	this_cpu_add(qchan_pcpu_stats.field, (long)(n))
#define qchan_stat_inc(field)		this_cpu_inc(qchan_pcpu_stats.field)
#define qchan_stat_dec(field)		this_cpu_dec(qchan_pcpu_stats.field)

#define QCHAN_RCVID_HASH_BITS	6	/* the hash a ctx starts with, in the ctx */
#define QCHAN_RCVID_HASH_MAX_BITS 13	/* 64 KiB of buckets: a kmalloc, never a vmalloc */
/* rcvid = scoid index << QCHAN_RCVID_SEQ_BITS | sequence; see above. */
#define QCHAN_RCVID_SEQ_BITS	16
#define QCHAN_RCVID_SEQ_MASK	((1U << QCHAN_RCVID_SEQ_BITS) - 1)
#define QCHAN_RCVID_SLOTS	(1U << (31 - QCHAN_RCVID_SEQ_BITS))

struct qchan_ctx {
	struct kref ref;
	struct rcu_head rcu;		/* qchan_ctx_table lookups are RCU */
	spinlock_t lock;		/* the message state machine: see above */
	struct hlist_head *rcvids;	/* RECEIVED messages by rcvid: 1 << rcvid_bits buckets */
	unsigned int rcvid_bits;	/* grows with nr_rcvids (queue.c), under lock */
	unsigned int nr_rcvids;		/* written under lock, read without */
	u32 next_rcvid;
	struct hlist_head rcvids_small[1 << QCHAN_RCVID_HASH_BITS]; /* the first @rcvids */
	struct mutex conn_lock;		/* channel and side-connection tables */
	struct xarray channels;		/* chid -> struct qchan_channel */
	struct xarray side_conns;	/* coid - QCHAN_SIDE_CHANNEL -> struct qchan_conn */
	/* scoid - QCHAN_SIDE_CHANNEL -> struct qchan_scon; the id is reserved in side_conns */
	struct xarray scons;
	u32 next_scon_id;		/* under conn_lock: scoid ids are allocated cyclically */
	struct pid *owner;		/* thread-group pid of the owning process; referenced */
	struct hlist_node table_node;	/* qchan_ctx_table, while live */
	struct wait_queue_entry owner_wait; /* on owner->wait_pidfd, while live */
	struct work_struct owner_work;	/* queued by owner_wait: is the owner gone? */
	/* Set under ctx->lock before shutdown empties the tables under conn_lock. */
	bool dead;
	atomic_t nr_queued;		/* messages this process has queued as a sender */
	/* QCHAN_IOC_NET_PROXY (netproxy.c): the remote node it sends for, or 0; set once */
	u32 net_nd;
	u32 net_srcnd;
	unsigned int nr_channels;	/* under conn_lock */
	atomic_t nr_conns;		/* connections this process attached, both kinds */
	struct list_head parked;	/* this process's parked sends, under conn_lock */
	struct list_head conns;		/* struct qchan_conn this ctx attached, under lock */
	/* COID_DISCONNECT channels, under conn_lock and lock (either for reading) */
	struct list_head coid_chans;
	unsigned int nr_coid_chans;
	struct xarray events;		/* handle -> registered event (event.c); its own lock */
	atomic_t nr_events;
	/* Pulse timers (timer.c): id -> struct qchan_timer, under timer_lock. */
	struct mutex timer_lock;	/* never taken under ctx->lock or conn_lock */
	struct xarray timers;
	unsigned int nr_timers;
	/* THREAD_DEATH channels, under conn_lock and lock (either for reading) */
	struct list_head td_chans;
	unsigned int nr_td_chans;
	struct list_head td_recs;	/* tdeath.c: live threads' records and spares, under lock */
	struct list_head td_dead;	/* tdeath.c: records whose notices went out, under lock */
	DECLARE_HASHTABLE(prios, 4);	/* struct qchan_prio of its server threads (prio.c), lock */
	unsigned int nr_prios;		/* records in @prios: written under lock, read without */
	/* Names this process attached (name.c), under qchan_names_lock */
	struct list_head names;
	unsigned int nr_names;
	/* io_uring commands of this ctx not yet completed (uring.c), under uring_lock */
	spinlock_t uring_lock;		/* taken before any ctx->lock, never inside one */
	struct hlist_head uring_cmds;
	bool uring_closed;		/* under uring_lock: shutdown cancelled them all */
	struct qchan_uasync *uring_free;	/* under uring_lock: freed commands to reuse */
	unsigned int uring_nfree;
	struct delayed_work uring_reap;	/* kernels without cancelable uring_cmds */
	/* A batch call's arrays above its stack's (batch.c), kept for the next: xchg()ed */
	void *batch_heap;
};

/* Called with ctx->lock held: the ctx->rcvids bucket of @rcvid. */
static inline struct hlist_head *qchan_rcvid_bucket(struct qchan_ctx *ctx, int rcvid)
{
	return &ctx->rcvids[hash_32(rcvid, ctx->rcvid_bits)];
}

/* compat.h: sparse sees the lock taken on PREEMPT_RT too */
#define ctx_lock(ctx)		qchan_spin_lock(&(ctx)->lock)
#define ctx_unlock(ctx)		qchan_spin_unlock(&(ctx)->lock)
#define ctx_lockdep_assert(ctx)	lockdep_assert_held(&(ctx)->lock)

struct qchan_channel {
	struct kref ref;
	struct rcu_head rcu;		/* lockless chid lookups */
	kuid_t euid;			/* creator's, for connect permission */
	struct qchan_ctx *ctx;		/* owner; holds a ctx reference */
	int chid;
	u32 flags;			/* QCHAN_CHF_* */
	bool dead;			/* under ctx->lock */
	bool busy_poll;			/* QCHAN_IOC_CHANNEL_BUSY_POLL; read without a lock */
	struct list_head send_queue;	/* struct qchan_msg, by priority then FIFO */
	struct rb_root bands;		/* the last queued message of each priority (queue.c) */
	struct list_head pulses;	/* struct qchan_pulse_item, by priority then FIFO */
	unsigned int nr_pulses;		/* on chan->pulses; under ctx->lock */
	u64 seq;			/* arrival order of messages and pulses; ctx->lock */
	struct list_head receivers;	/* struct qchan_receiver, FIFO */
	struct list_head scons;		/* struct qchan_scon, under ctx->lock */
	struct list_head notices;	/* COID_DISCONNECT: struct qchan_notice, under ctx->lock */
	struct list_head notice_node;	/* COID_DISCONNECT: ctx->coid_chans */
	struct list_head td_notices;	/* THREAD_DEATH: tdeath.c's notices, under ctx->lock */
	struct list_head td_node;	/* THREAD_DEATH: ctx->td_chans */
	struct qchan_prio *last_rec;	/* the thread that last received here (prio.c), lock */
	wait_queue_head_t poll_wq;	/* pollers of its channel fds (chanfd.c) */
	atomic_t nr_posted;		/* io_uring RECEIVEs posted here (uring.c) */
};

/*
 * Called with ctx->lock held, after a message or pulse was queued on @chan:
 * wakes its pollers (one EPOLLEXCLUSIVE waiter per arrival).  ->poll reads
 * the queues under the same lock after queueing itself, so the plain check
 * cannot miss one, and a channel nobody polls pays only this load (chanfd.c).
 */
static inline void qchan_poll_wake(struct qchan_channel *chan, __poll_t events)
{
	/* No barrier: a poller queues itself before it takes ctx->lock to look. */
	if (unlikely(waitqueue_active(&chan->poll_wq)))
		wake_up_interruptible_poll(&chan->poll_wq, events);
}

/* What a receive delivers of a pulse (QNX's struct _pulse carries these). */
struct qchan_pulse_data {
	u64 value;
	int scoid;
	s8 code;
};

/*
 * A queued pulse.  A process's pulse is a small slab object, allocated by
 * its sender and freed by its receiver, and counts against max_pulses.  A
 * kernel pulse (a death notice, a message's unblock pulse) is embedded in
 * the object it reports on, or reserved with it, and needs neither: its
 * owner withdraws it before it goes, so a receiver copies a pulse's data
 * while it holds ctx->lock and never touches it afterwards.
 */
struct qchan_pulse_item {
	struct list_head node;		/* chan->pulses; kernel pulses: empty when not queued */
	u64 seq;			/* against queued messages of the same priority */
	int priority;
	int kprio;			/* the boost it gives (prio.c) */
	bool kernel;			/* embedded or reserved: not freed, outside max_pulses */
	struct qchan_pulse_data d;
};

/*
 * A server connection (notice.c): all the connections of one client process
 * to one channel share it, and its scoid, from the first attach to the last
 * detach, as in QNX.  With QCHAN_CHF_DISCONNECT it then stays, holding its
 * scoid, until the server's CONNECT_DETACH of that scoid; its DISCONNECT
 * pulse is embedded.  Without the flag it goes with the last connection.
 */
struct qchan_scon {
	struct kref ref;
	struct qchan_channel *chan;	/* holds a channel reference */
	struct pid *client;		/* the client's thread-group pid; referenced */
	struct list_head chan_node;	/* chan->scons while published or connected */
	struct list_head conns;		/* struct qchan_conn, under chan->ctx->lock */
	struct list_head reap_node;	/* the channel's teardown */
	int scoid;
	bool published;			/* in chan->ctx->scons; under its lock */
	/* Its latest message's rcvid and sender (init ns tid), under chan->ctx->lock (event.c). */
	int last_rcvid;
	pid_t last_tid;
	u32 nd;				/* its client's net_nd when it was made (netproxy.c) */
	struct qchan_pulse_item disconnect;
};

/*
 * A COIDDEATH notice reserved for one connection and one COID_DISCONNECT
 * channel of the process that attached it, when the later of the two was
 * made: the death of the connection's channel never needs an allocation.
 */
struct qchan_notice {
	struct qchan_pulse_item pulse;
	struct list_head conn_node;	/* conn->notices */
	struct list_head chan_node;	/* chan->notices */
	struct qchan_channel *chan;	/* the COID_DISCONNECT channel; outlives its items */
};

/* A timeout: an absolute deadline on a clock (CLOCK_MONOTONIC or CLOCK_REALTIME). */
struct qchan_timeout {
	ktime_t deadline;
	clockid_t clock;
};

struct qchan_conn {
	struct kref ref;
	struct rcu_head rcu;		/* lockless side-channel lookups */
	struct qchan_channel *chan;	/* holds a channel reference */
	struct qchan_ctx *acct;		/* the attaching process's ctx: limits; holds a reference */
	struct qchan_scon *scon;	/* the server's view of it; holds a reference */
	struct list_head scon_node;	/* scon->conns, under chan->ctx->lock */
	struct list_head acct_node;	/* acct->conns, under acct->lock */
	struct list_head notices;	/* struct qchan_notice, under acct->lock */
	struct list_head death_node;	/* the teardown of its channel */
	u32 flags;			/* QCHAN_COF_* */
	int scoid;
	int coid;			/* as the client named it when it attached; -1 before */
	int death_prio;			/* under acct->lock: the priority of its channel's end */
	bool chan_gone;			/* under acct->lock: its channel died */
	bool notified;			/* under acct->lock: its COIDDEATH notices are out */
};

enum qchan_msg_state {
	QCHAN_MSG_QUEUED,
	QCHAN_MSG_RECEIVED,
	QCHAN_MSG_REPLYING,
	QCHAN_MSG_DONE,
};

#define QCHAN_SEND_TIMEOUTS	(QCHAN_SEND_TIMEOUT_SEND | QCHAN_SEND_TIMEOUT_REPLY)
#define QCHAN_SEND_KNOWN	(QCHAN_SEND_TIMEOUTS | QCHAN_SEND_FINISH)

/* Messages up to this size use a buffer on the sender's stack. */
#define QCHAN_STACK_INLINE	256
/* Pins of a direct-tier message that fit in the message itself (4 KiB each way). */
#define QCHAN_STACK_PINS	4

struct qchan_uasync;

struct qchan_msg {
	struct list_head node;		/* chan->send_queue while QUEUED */
	struct qchan_uasync *uasync;	/* an io_uring SEND: no sender thread waits (uring.c) */
	struct rb_node band;		/* chan->bands while QUEUED and last of its priority */
	struct hlist_node rcvid_node;	/* ctx->rcvids while RECEIVED */
	struct task_struct *sender;
	struct task_struct *waiter;	/* woken when the message finishes; NULL if parked */
	struct mm_struct *mm;		/* sender's mm: pinned against while busy */
	struct qchan_channel *chan;
	struct qchan_conn *conn;
	enum qchan_msg_state state;
	int busy;			/* server threads copying sender memory */
	bool parking;			/* the sender waits for busy == 0 to park */
	bool leaving;			/* the sender is killed: it waits only for busy == 0 */
	/*
	 * A blocking send handed to a posted io_uring RECEIVE that has not
	 * begun to copy it (its task work holds busy): under ctx->lock.
	 */
	struct qchan_receiver *posted;
	int rcvid;
	int coid;			/* as the sender named it, for _msg_info */
	pid_t net_pid;			/* QCHAN_IOC_NET_SEND: the remote sender, else 0 */
	pid_t net_tid;
	int priority;
	int kprio;			/* the sender's, on the kernel's scale (prio.c) */
	struct qchan_prio *prio_rec;	/* the server thread it boosts, under ctx->lock */
	bool prio_held;			/* counted in prio_rec->held (prio.h), under ctx->lock */
	u64 seq;			/* arrival order while QUEUED: chan->seq */
	unsigned long since;		/* jiffies: SEND-, then REPLY-blocked since (view.c) */
	int error;			/* -errno to return to the sender, or 0 */
	size_t delivered;		/* bytes the receive copied, for _msg_info */
	s64 status;			/* MsgReply status */

	/* The send's timeout: QCHAN_SEND_TIMEOUT_* it still covers, 0 once spent. */
	u32 timeout_states;
	struct qchan_timeout timeout;
	/* QCHAN_CHF_UNBLOCK: the sender asked to leave and @unblock was sent (once). */
	bool unblock_req;
	struct qchan_pulse_item unblock;

	/* The sender's vectors (kernel copies of its iovec arrays). */
	const struct iovec *siov;
	unsigned long sparts;
	size_t slen;
	const struct iovec *riov;
	unsigned long rparts;
	size_t rlen;

	/* Short-message tier: the send data, copied by the sender. */
	void *sbuf;			/* NULL when the server reads the sender's pages */
	/* Short-reply tier: the reply data, copied by the server, then by the sender. */
	void *rbuf;
	size_t rbuf_len;		/* bytes valid in rbuf */

	/*
	 * Direct tier: pages the sender pinned itself before it blocked
	 * (copy.c), the send vector's first nr_spins pages, then the reply
	 * vector's first nr_rpins.  Read-only once posted; the sender unpins.
	 */
	struct page **pins;
	unsigned int nr_spins;
	unsigned int nr_rpins;
	bool rpins_dirty;		/* a server wrote through the reply pins */

	u8 stack_sbuf[QCHAN_STACK_INLINE];
	u8 stack_rbuf[QCHAN_STACK_INLINE];
	struct page *stack_pins[QCHAN_STACK_PINS];
};

struct qchan_receiver {
	struct list_head node;		/* chan->receivers while waiting */
	struct qchan_uasync *uasync;	/* a posted io_uring RECEIVE: woken by task work */
	struct task_struct *task;
	struct qchan_msg *msg;		/* handed over by a sender, under ctx->lock */
	bool got_pulse;			/* or a pulse, copied into @pulse */
	bool pulse_only;		/* MsgReceivePulse: never hand this one a message */
	struct qchan_prio *prio;	/* the thread's record; NULL: FIXED_PRIORITY */
	int error;			/* set when the channel dies */
	unsigned long since;		/* jiffies: RECEIVE-blocked since (view.c) */
	struct qchan_pulse_data pulse;
};

/*
 * The view's wait stamp (waited_ms, view.c), taken as a thread starts to wait.
 * QCHAN_NO_INTROSPECTION (a bench-only build, see trace.h) leaves it out.
 */
static inline void qchan_wait_stamp(unsigned long *since)
{
#ifndef QCHAN_NO_INTROSPECTION
	*since = jiffies;
#endif
}

/* A sender's priority: its real-time priority, 0 for the other policies. */
static inline int qchan_current_priority(void)
{
	unsigned int policy = READ_ONCE(current->policy);

	return policy == SCHED_FIFO || policy == SCHED_RR ? current->rt_priority : 0;
}

/* main.c */
struct qchan_ctx *qchan_ctx_lookup_pid(struct pid *tgid);
struct qchan_ctx **qchan_ctx_snapshot(unsigned int *nr);
struct seq_file;
int qchan_stats_show(struct seq_file *m, void *unused);

/* view.c: /proc/qchan */
int qchan_view_init(void);
void qchan_view_exit(void);
void qchan_ctx_put(struct qchan_ctx *ctx);

/* channel.c */
int qchan_channel_create(struct qchan_ctx *ctx, struct qchan_channel_create __user *uarg);
int qchan_channel_destroy(struct qchan_ctx *ctx, int chid);
int qchan_channel_destroy_ioctl(struct qchan_ctx *ctx, struct qchan_channel_destroy __user *uarg);
struct qchan_channel *qchan_channel_get(struct qchan_ctx *ctx, int chid);
void qchan_channel_put(struct qchan_channel *chan);
void qchan_ctx_shutdown_channels(struct qchan_ctx *ctx);

/* wait.c: who runs first after a reply (module parameter reply_wake) */
extern unsigned int qchan_reply_wake;
void qchan_wake_finished(struct qchan_msg *msg);

/* busypoll.c */
DECLARE_STATIC_KEY_FALSE(qchan_busy_poll_used);
u64 qchan_busy_poll_window_on(void);

/*
 * The window current may spin for on @chan, in ns (0: it must not).  Every
 * wait asks, so until some channel first turns busy polling on, the
 * question is a patched-out jump (busypoll.c).
 */
static inline u64 qchan_busy_poll_window(const struct qchan_channel *chan)
{
	if (!static_branch_unlikely(&qchan_busy_poll_used) || likely(!READ_ONCE(chan->busy_poll)))
		return 0;
	return qchan_busy_poll_window_on();
}

void qchan_busy_poll_receive(struct qchan_channel *chan, bool pulse_only,
			     const struct qchan_timeout *t, u64 window);
void qchan_busy_poll_done(const struct qchan_msg *msg, const struct qchan_timeout *t,
			  u64 window);
int qchan_channel_busy_poll(struct qchan_ctx *ctx, struct qchan_channel_busy_poll __user *uarg);

/* chanfd.c */
int qchan_channel_fd(struct qchan_ctx *ctx, struct qchan_channel_fd __user *uarg);

/* connection.c */
int qchan_connect_attach(struct qchan_ctx *ctx, struct qchan_connect_attach __user *uarg);
int qchan_connect_detach(struct qchan_ctx *ctx, struct qchan_connect_detach __user *uarg);
int qchan_connect_query(struct qchan_ctx *ctx, struct qchan_connect_query __user *uarg);
int qchan_connect_chan(struct qchan_ctx *ctx, struct qchan_channel *chan, u32 flags, int index,
		       int __user *ucoid);
int qchan_server_info(struct qchan_ctx *ctx, struct qchan_server_info __user *uarg);
struct qchan_conn *qchan_conn_get(struct qchan_ctx *ctx, int coid);
void qchan_conn_put(struct qchan_conn *conn);
int qchan_conn_coid_now(struct qchan_conn *conn, int coid);
struct qchan_conn *qchan_conn_get_remote(struct pid *tgid, int coid);
void qchan_ctx_shutdown_conns(struct qchan_ctx *ctx);

/* msg.c, server.c */
int qchan_msg_send(struct qchan_ctx *ctx, struct qchan_msg_send __user *uarg);
int qchan_msg_send_as(struct qchan_ctx *ctx, struct qchan_msg_send __user *uarg,
		      pid_t net_pid, pid_t net_tid);
int qchan_msg_receive(struct qchan_ctx *ctx, struct qchan_msg_receive __user *uarg);
int qchan_msg_reply(struct qchan_ctx *ctx, struct qchan_msg_reply __user *uarg);
int qchan_msg_read(struct qchan_ctx *ctx, struct qchan_msg_rw __user *uarg);
int qchan_msg_write(struct qchan_ctx *ctx, struct qchan_msg_rw __user *uarg);
int qchan_msg_info(struct qchan_ctx *ctx, struct qchan_msg_info_get __user *uarg);
int qchan_msg_reply_receive(struct qchan_ctx *ctx, struct qchan_msg_reply_receive __user *uarg);
void qchan_channel_fail_all(struct qchan_channel *chan);
void qchan_msg_finish(struct qchan_ctx *ctx, struct qchan_msg *msg, int error);
void qchan_msg_fail(struct qchan_ctx *ctx, struct qchan_msg *msg, int error);
void qchan_msg_drop(struct qchan_ctx *ctx, struct qchan_msg *msg, int error);
pid_t qchan_rcvid_sender(struct qchan_ctx *ctx, int rcvid);

void qchan_msg_enqueue(struct qchan_channel *chan, struct qchan_msg *msg);
bool qchan_msg_post_locked(struct qchan_msg *msg, struct qchan_prio **boost);
struct qchan_msg *qchan_receive_take_locked(struct qchan_ctx *ctx, struct qchan_channel *chan,
					    bool pulse_only, struct qchan_pulse_data *pulse,
					    struct qchan_pulse_item **heap);
int qchan_receive_copy(struct qchan_ctx *ctx, const struct qchan_msg_receive *a,
		       struct qchan_msg *msg, struct iov_iter *iter,
		       struct qchan_msg_receive __user *uarg);
int qchan_receive_validate(const struct qchan_msg_receive *a, struct qchan_timeout *t);
/* for batch.c */
ssize_t qchan_import_iov(int dir, u64 ptr, u32 parts, struct iovec **iovp, struct iov_iter *iter);
struct qchan_prio;
struct qchan_msg *qchan_msg_wait(struct qchan_ctx *ctx, struct qchan_channel *chan,
				 bool pulse_only, const struct qchan_timeout *t,
				 struct qchan_pulse_data *pulse);
struct qchan_msg *qchan_receive_take_rec_locked(struct qchan_ctx *ctx, struct qchan_channel *chan,
						bool pulse_only, struct qchan_prio *rec,
						struct qchan_pulse_data *pulse,
						struct qchan_pulse_item **heap, bool *apply);
ssize_t qchan_receive_copy_msg(struct qchan_ctx *ctx, struct qchan_msg *msg,
			       struct iov_iter *iter, struct qchan_msg_info *info);
void qchan_rcvid_fail(struct qchan_ctx *ctx, int rcvid, int error);
int qchan_reply_validate(const struct qchan_msg_reply *a);
int qchan_msg_reply_args(struct qchan_ctx *ctx, const struct qchan_msg_reply *a, bool compat);
ssize_t qchan_reply_prepare(const struct qchan_msg_reply *a, void *buf, size_t room);
ssize_t qchan_receive_take_inline_locked(struct qchan_ctx *ctx, struct qchan_channel *chan,
					 struct qchan_prio *rec, void *buf, size_t cap,
					 size_t room, int *rcvid, bool *apply);
void qchan_rcvid_untake_locked(struct qchan_ctx *ctx, int rcvid);
struct qchan_prio *qchan_channel_hand_queued_locked(struct qchan_channel *chan);
int qchan_reply_claim_locked(struct qchan_ctx *ctx, const struct qchan_msg_reply *a,
			     const void *buf, size_t len);
struct qchan_receiver *qchan_pick_receiver(struct qchan_channel *chan, bool for_msg);

/* queue.c: the send queue's priority bands, the rcvid hash's growth */
void qchan_msg_dequeue(struct qchan_channel *chan, struct qchan_msg *msg);
void qchan_msg_requeue(struct qchan_channel *chan, struct qchan_msg *msg);
void qchan_rcvids_grow(struct qchan_ctx *ctx);

/* Before a message may be bound to an rcvid of @ctx: without locks. */
static inline void qchan_rcvids_maybe_grow(struct qchan_ctx *ctx)
{
	if (unlikely(READ_ONCE(ctx->nr_rcvids) > 2U << READ_ONCE(ctx->rcvid_bits)))
		qchan_rcvids_grow(ctx);
}

/* wait.c: how blocked threads wait (signals, stops, timeouts, the unblock protocol) */
#define QCHAN_WAIT_PARK	1	/* qchan_msg_wait_done(): park the message now */
int qchan_msg_wait_done_locked(struct qchan_ctx *ctx, struct qchan_msg *msg)
	__releases(&ctx->lock);
int qchan_msg_wait_done(struct qchan_ctx *ctx, struct qchan_msg *msg);
void qchan_msg_unblock(struct qchan_ctx *ctx, struct qchan_msg *msg, int error);
int qchan_timeout_import(bool armed, s64 deadline, s32 clock, struct qchan_timeout *t);
bool qchan_timeout_passed(const struct qchan_timeout *t);
bool qchan_msg_timed_out(const struct qchan_msg *msg);
void qchan_sleep(const struct qchan_timeout *t);

/* prio.c: priority inheritance (the hot-path checks: prio.h) */
#define QCHAN_KPRIO_NONE	MAX_PRIO	/* passes nothing on */
struct qchan_prio;

/* The kernel-scale priority a thread passes on: its effective one (inline: every send). */
static inline int qchan_prio_current(void)
{
	unsigned int policy = READ_ONCE(current->policy);
	int prio = READ_ONCE(current->prio);

	if (policy == SCHED_IDLE || prio < 0 || prio >= MAX_PRIO)
		return QCHAN_KPRIO_NONE;
	return prio;
}

int qchan_prio_pulse(int priority);
void qchan_prio_apply(struct qchan_ctx *ctx, struct qchan_prio *rec);
struct qchan_prio *qchan_prio_queued(struct qchan_channel *chan, int kprio);
bool qchan_prio_pulse_taken(struct qchan_prio *rec, int kprio);
struct qchan_prio *qchan_prio_create(struct qchan_ctx *ctx);
void qchan_prio_free_all(struct qchan_ctx *ctx);
struct qchan_prio *qchan_prio_resend(struct qchan_msg *msg);

/* pulse.c */
int qchan_pulse_send(struct qchan_ctx *ctx, struct qchan_pulse_send __user *uarg);
int qchan_pulse_send_conn(struct qchan_conn *conn, int priority, int code, u64 value);
struct qchan_pulse_item *qchan_pulse_take(struct qchan_channel *chan,
					  struct qchan_pulse_item *pulse,
					  struct qchan_pulse_data *data);
void qchan_pulse_free(struct qchan_pulse_item *pulse);
int qchan_pulse_deliver(const struct qchan_pulse_data *pulse, struct iov_iter *to);
int qchan_pulse_deliver_as(const struct qchan_pulse_data *pulse, struct iov_iter *to, bool compat);
void qchan_pulse_init_kernel(struct qchan_pulse_item *pulse);
void qchan_pulse_post_kernel(struct qchan_channel *chan, struct qchan_pulse_item *pulse);
void qchan_pulse_withdraw(struct qchan_pulse_item *pulse);
void qchan_channel_drop_pulses(struct qchan_channel *chan);
int qchan_pulse_init(void);
void qchan_pulse_exit(void);

/* notice.c: server connections, DISCONNECT and COIDDEATH notices */
int qchan_scon_link(struct qchan_conn *conn);
void qchan_scon_unlink(struct qchan_conn *conn);
int qchan_scon_detach(struct qchan_ctx *ctx, int scoid);
int qchan_conn_reserve_notices(struct qchan_conn *conn);
void qchan_conn_drop_notices(struct qchan_conn *conn);
void qchan_conn_named(struct qchan_conn *conn, int coid);
int qchan_channel_reserve_notices(struct qchan_channel *chan);
void qchan_channel_unlist(struct qchan_channel *chan);
void qchan_channel_gone(struct qchan_channel *chan);

/* event.c */
int qchan_msg_deliver_event(struct qchan_ctx *ctx, struct qchan_msg_deliver_event __user *uarg);
int qchan_msg_verify_event(struct qchan_ctx *ctx, struct qchan_msg_deliver_event __user *uarg);
int qchan_register_event(struct qchan_ctx *ctx, struct qchan_register_event __user *uarg);
int qchan_unregister_event(struct qchan_ctx *ctx, struct qchan_register_event __user *uarg);
void qchan_ctx_drop_events(struct qchan_ctx *ctx);
/* timer.c: timers that deliver pulses */
int qchan_timer_create(struct qchan_ctx *ctx, struct qchan_timer_create __user *uarg);
int qchan_timer_destroy(struct qchan_ctx *ctx, s32 id);
int qchan_timer_destroy_ioctl(struct qchan_ctx *ctx, struct qchan_timer_destroy __user *uarg);
int qchan_timer_settime(struct qchan_ctx *ctx, struct qchan_timer_settime __user *uarg);
int qchan_timer_info(struct qchan_ctx *ctx, struct qchan_timer_info __user *uarg);
void qchan_ctx_shutdown_timers(struct qchan_ctx *ctx);
int qchan_timer_init(void);
void qchan_timer_exit(void);
/* tdeath.c: THREAD_DEATH notices */
int qchan_td_channel_add(struct qchan_channel *chan);
void qchan_td_channel_unlist(struct qchan_channel *chan);
void qchan_td_exit(void);

/* name.c: the name service */
int qchan_name_attach(struct qchan_ctx *ctx, struct qchan_name_attach __user *uarg);
int qchan_name_detach(struct qchan_ctx *ctx, struct qchan_name_detach __user *uarg);
int qchan_name_open(struct qchan_ctx *ctx, struct qchan_name_open __user *uarg);
int qchan_name_list(struct qchan_ctx *ctx, struct qchan_name_list __user *uarg);
void qchan_names_show(struct seq_file *m, struct qchan_ctx *ctx, pid_t pid);
void qchan_names_channel_gone(struct qchan_channel *chan);

/* batch.c: QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH */
int qchan_msg_reply_receive_batch(struct qchan_ctx *ctx,
				  struct qchan_msg_reply_receive_batch __user *uarg);

/* info.c: ConnectClientInfo */
int qchan_client_info(struct qchan_ctx *ctx, struct qchan_client_info __user *uarg);
/* netproxy.c */
int qchan_net_proxy(struct qchan_ctx *ctx, struct qchan_net_proxy __user *uarg);
int qchan_net_send(struct qchan_ctx *ctx, struct qchan_net_send __user *uarg);

/* park.c */
struct qchan_msg_send;
int qchan_msg_park(struct qchan_ctx *sctx, struct qchan_msg *msg,
		   const struct qchan_msg_send *args);
s64 qchan_park_cookie(const struct qchan_msg *msg);
int qchan_msg_restart(struct qchan_ctx *ctx, const struct qchan_msg_send *a,
		      struct qchan_msg_send __user *uarg);
void qchan_parked_abandon_mine(struct qchan_ctx *sctx);
void qchan_ctx_drop_parked(struct qchan_ctx *ctx);

/* copy.c: the copy engine */
int qchan_iov_import(const struct iovec __user *uvec, u32 nr, struct iovec *fast,
		     struct iovec **iovp, size_t *total);
int qchan_iov_import_as(const struct iovec __user *uvec, u32 nr, struct iovec *fast,
			struct iovec **iovp, size_t *total, bool compat);
int qchan_check_readable(const struct iovec *iov, unsigned long nr);
int qchan_check_writable(const struct iovec *iov, unsigned long nr, size_t len);
int qchan_gather_from_user(void *buf, const struct iovec *iov, unsigned long nr, size_t len);
int qchan_scatter_to_user(const struct iovec *iov, unsigned long nr, const void *buf, size_t len);
ssize_t qchan_copy_from_sender(struct qchan_msg *msg, size_t offset, struct iov_iter *to);
int qchan_copy_reply_inline(void *buf, size_t len, struct iov_iter *from);
ssize_t qchan_copy_to_sender(struct qchan_msg *msg, size_t offset, struct iov_iter *from);
bool qchan_msg_pin(struct qchan_msg *msg, bool pin_reply);
void qchan_msg_unpin(struct qchan_msg *msg);

/* uring.c: io_uring commands (compat.h: the kernels' differences) */
struct io_uring_cmd;
int qchan_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);
void qchan_uring_ctx_init(struct qchan_ctx *ctx);
void qchan_uring_shutdown(struct qchan_ctx *ctx);
void qchan_uring_release(struct qchan_ctx *ctx);
void qchan_uring_send_done(struct qchan_msg *msg);
void qchan_uring_send_bound(struct qchan_msg *msg);
ssize_t qchan_uring_write(struct qchan_msg *msg, size_t offset, struct iov_iter *from);
void qchan_uring_receiver_ready(struct qchan_receiver *r);
void qchan_uring_receive_revoke(struct qchan_msg *msg);

/* kmsg.c */
int qchan_kmsg_init(void);
void qchan_kmsg_exit(void);

/* kmsg_test.c */
int qchan_kmsg_test_init(void);
void qchan_kmsg_test_exit(void);

/* kmsg_bench.c: kmsg_test.c's "bench" command and the result file */
int qchan_kmsg_bench(const char *what, unsigned int src, unsigned int dst, unsigned int n);
void qchan_kmsg_bench_report(const char *result);	/* what "bench" reads next */
extern const struct file_operations qchan_kmsg_bench_fops;

#endif /* QCHAN_INTERNAL_H */
