/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * qchan: QNX Neutrino-style synchronous message passing for Linux.
 *
 * Userspace opens /dev/qchan once per process (the "context"); every ioctl
 * below is issued on that file descriptor.  A context belongs to the process
 * that opened it (a second open by it gets -EBUSY while the first lives):
 * other processes (a child after fork(), a CLONE_FILES sibling, a receiver of
 * the fd over SCM_RIGHTS) get -EBADFD for every ioctl but GET_FEATURES, sends
 * included.  The context ends when its owner lets go of it: a close() of the
 * fd by one of its threads, exec with O_CLOEXEC, or the exit of its last
 * thread, even while another process still holds the file; a close() of
 * one of several fds the owner has for it (after F_DUPFD) does not count.
 * That destroys its channels and fails every message queued on them or
 * waiting for a reply from it.  Nothing else ends it: not a fork or clone
 * that fails, nor a thread that unshares its fd table and exits.
 *
 * Connections without QCHAN_COF_SIDE_CHANNEL are real file descriptors
 * (close, dup, fork and CLOEXEC behave as for any fd, as QNX fd-space coids
 * do).  Side-channel connections live in the context, numbered from
 * QCHAN_SIDE_CHANNEL + 1 up (QNX keeps QCHAN_SIDE_CHANNEL for SYSMGR_COID).
 * A server names the connections of one client process to one of its
 * channels by one server connection id (scoid, in
 * qchan_msg_info and qchan_pulse), taken from the same range as its own
 * side-channel coids, never equal to one of them.
 *
 * Conventions: every struct has a flags word (unknown bits are -EINVAL) and
 * reserved fields that must be zero on input; user pointers travel as __u64
 * *_ptr; vectors are arrays of struct iovec (the layout of QNX's iov_t).
 * Known but not yet implemented flag bits give -EOPNOTSUPP.
 *
 * 32-bit (ia32 compat) processes may issue every command.  Each struct has
 * the same layout on i386 as on x86-64 (explicit pads keep every 64-bit
 * field at a multiple of 8 and every size a multiple of 8: keep it so), and
 * a 32-bit caller's vectors are its own 8-byte struct iovec (the kernel's
 * compat_iovec, QNX's 32-bit iov_t).  lib/test/abi_layout_test.c asserts
 * every offset natively and -m32; the selftests' *_test32 binaries run as
 * 32-bit processes.
 */
#ifndef _UAPI_LINUX_QCHAN_H
#define _UAPI_LINUX_QCHAN_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define QCHAN_ABI_VERSION	1

/* Feature bits reported by QCHAN_IOC_GET_FEATURES. */
/* channels, connections, send/receive/reply/read/write/info */
#define QCHAN_FEAT_MSG			(1ULL << 0)
#define QCHAN_FEAT_REPLY_RECEIVE	(1ULL << 1) /* QCHAN_IOC_MSG_REPLY_RECEIVE */
#define QCHAN_FEAT_SIDE_CHANNEL		(1ULL << 2) /* QCHAN_COF_SIDE_CHANNEL connections */
/* per-CPU kernel messages (internal; debugfs test interface) */
#define QCHAN_FEAT_KMSG			(1ULL << 3)
/* QCHAN_IOC_MSG_SEND_PULSE, pulses from MSG_RECEIVE, QCHAN_RECEIVE_PULSE_ONLY */
#define QCHAN_FEAT_PULSE		(1ULL << 4)
/* QCHAN_CHF_UNBLOCK: the unblock protocol, QCHAN_PULSE_CODE_UNBLOCK, QCHAN_MI_UNBLOCK_REQ */
#define QCHAN_FEAT_UNBLOCK		(1ULL << 5)
/* QCHAN_SEND_TIMEOUT_*, QCHAN_RECEIVE_TIMEOUT, QCHAN_SEND_FINISH */
#define QCHAN_FEAT_TIMEOUT		(1ULL << 6)
/* QCHAN_CHF_DISCONNECT, QCHAN_CHF_COID_DISCONNECT, one scoid per client process, its detach */
#define QCHAN_FEAT_DISCONNECT		(1ULL << 7)
/* QCHAN_IOC_MSG_DELIVER_EVENT, _REGISTER_EVENT, _UNREGISTER_EVENT, _VERIFY_EVENT */
#define QCHAN_FEAT_EVENT		(1ULL << 8)
/* QCHAN_IOC_TIMER_*: timers whose expiry is a pulse (timer_create with SIGEV_PULSE) */
#define QCHAN_FEAT_TIMER		(1ULL << 9)
/* QCHAN_IOC_NAME_*: the name service (QNX's name_attach, name_open) */
#define QCHAN_FEAT_NAME			(1ULL << 10)
/* QCHAN_IOC_CLIENT_INFO, QCHAN_IOC_SERVER_INFO; side-channel ids start above QCHAN_SIDE_CHANNEL */
#define QCHAN_FEAT_CLIENT_INFO		(1ULL << 11)
/* Priority inheritance through messages and pulses, off with QCHAN_CHF_FIXED_PRIORITY */
#define QCHAN_FEAT_PRIO_INHERIT		(1ULL << 12)
/* QCHAN_IOC_CHANNEL_FD: a pollable fd standing for a channel */
#define QCHAN_FEAT_POLL			(1ULL << 13)
/* IORING_OP_URING_CMD on the context fd: QCHAN_UCMD_* (struct qchan_uring_cmd) */
#define QCHAN_FEAT_URING		(1ULL << 14)
/* QCHAN_IOC_CHANNEL_BUSY_POLL: opt-in busy polling per channel */
#define QCHAN_FEAT_BUSY_POLL		(1ULL << 16)
/* io_uring SEND/RECEIVE take their timeouts; MsgWrite reaches an async sender */
#define QCHAN_FEAT_URING_TIMEOUT	(1ULL << 17)
/* QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH: many replies and receives in one call (no QNX twin) */
#define QCHAN_FEAT_BATCH		(1ULL << 18)
/* QCHAN_IOC_TIMER_INFO: QCHAN_TIMER_INFO_SEARCH, _RESET_OVERRUNS; reports the pulse and ABSTIME */
#define QCHAN_FEAT_TIMER_INFO_EVENT	(1ULL << 22)
/* QCHAN_UCMD_SEND_BATCH (struct qchan_uring_send_batch) */
#define QCHAN_FEAT_URING_SEND_BATCH	(1ULL << 23)
/* QCHAN_IOC_NET_PROXY, QCHAN_IOC_NET_SEND, qchan_client_info.nd */
#define QCHAN_FEAT_NET_PROXY		(1ULL << 24)

/* QNX's "server fault" errno: a fault in the server's buffers, reported to the client. */
#define QCHAN_ESRVRFAULT	312

/* Side-channel connection ids start here (QNX's _NTO_SIDE_CHANNEL). */
#define QCHAN_SIDE_CHANNEL	0x40000000

/* Largest errno MsgError may pass (kernel restart codes start at 512). */
#define QCHAN_MAX_ERROR		511

struct qchan_features {
	__u32 size;		/* out: sizeof(struct qchan_features) of the kernel */
	__u32 abi_version;	/* out: QCHAN_ABI_VERSION */
	__u64 features;		/* out: QCHAN_FEAT_* */
	__u32 max_iov;		/* out: most iovecs in one vector */
	__u32 inline_max;	/* out: messages up to this size go through a kernel buffer */
	__u32 flags;		/* in: 0 */
	__u32 pad;		/* in: 0 */
	__u64 reserved[4];	/* in: 0 */
};

/* Channel flags: the values of QNX's _NTO_CHF_* where QNX has one. */
#define QCHAN_CHF_FIXED_PRIORITY	(1U << 0)  /* no priority inheritance */
/*
 * A REPLY-blocked sender that a handled signal or its timeout would unblock
 * stays blocked; the server gets a QCHAN_PULSE_CODE_UNBLOCK pulse whose
 * value is the rcvid (once per message), MSG_INFO shows QCHAN_MI_UNBLOCK_REQ,
 * and only MSG_REPLY (or an error reply) releases the sender.
 */
#define QCHAN_CHF_UNBLOCK		(1U << 1)
/*
 * When a thread of the owning process exits (pthread_exit, return from its
 * start routine, cancellation, SYS_exit), the channel gets a
 * QCHAN_PULSE_CODE_THREADDEATH pulse (value: its tid, scoid -1).  Never lost:
 * reserved per thread while the process has such channels.
 */
#define QCHAN_CHF_THREAD_DEATH		(1U << 2)
/*
 * When the last connection of a client process to the channel goes (detach,
 * close, exit, exec, kill), the channel gets a QCHAN_PULSE_CODE_DISCONNECT
 * pulse whose scoid names it; the scoid stays the client's (not reused) until
 * the server passes it to QCHAN_IOC_CONNECT_DETACH.  Without the flag a
 * scoid goes with the client's last connection.
 */
#define QCHAN_CHF_DISCONNECT		(1U << 3)
#define QCHAN_CHF_SENDER_LEN		(1U << 5)  /* accepted: info always carries srcmsglen */
/*
 * The channel gets a QCHAN_PULSE_CODE_COIDDEATH pulse (value: the coid,
 * scoid -1) for each connection of its process whose channel goes away (its
 * destruction, the end of its process), as long as that coid is attached.
 */
#define QCHAN_CHF_COID_DISCONNECT	(1U << 6)
#define QCHAN_CHF_REPLY_LEN		(1U << 7)  /* accepted: info always carries dstmsglen */
#define QCHAN_CHF_PRIVATE		(1U << 12) /* only the owning process may connect */
/* qchan: any uid may connect (default: same euid or CAP_SYS_ADMIN) */
#define QCHAN_CHF_PUBLIC		(1U << 30)

struct qchan_channel_create {
	__u32 flags;		/* in: QCHAN_CHF_* */
	__s32 chid;		/* out */
	__u64 reserved[2];	/* in: 0 */
};

struct qchan_channel_destroy {
	__s32 chid;		/* in */
	__u32 flags;		/* in: 0 */
	__u64 reserved;		/* in: 0 */
};

/* Connection flags. */
#define QCHAN_COF_CLOEXEC	(1U << 0)  /* fd connection: O_CLOEXEC */
#define QCHAN_COF_SIDE_CHANNEL	(1U << 1)  /* id in the context, >= QCHAN_SIDE_CHANNEL */

struct qchan_connect_attach {
	__u32 nd;		/* in: node descriptor; 0 (local) only */
	__s32 pid;		/* in: 0 = the caller's process, else in the caller's pid ns */
	__s32 chid;		/* in */
	__u32 flags;		/* in: QCHAN_COF_* */
	__s32 index;		/* in: side channel: lowest acceptable coid (0 = any); fd: 0 */
	__s32 coid;		/* out: fd, or side-channel coid */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * Detaches a side-channel connection (fd connections are closed with
 * close()), or, given a scoid of one of the caller's channels, ends that
 * server connection: -EINVAL while the client still has a connection.
 */
struct qchan_connect_detach {
	__s32 coid;		/* in */
	__u32 flags;		/* in: 0 */
	__u64 reserved;		/* in: 0 */
};

/* Describes a connection of either kind: lets libchan tell a coid from any other fd. */
struct qchan_connect_query {
	__s32 coid;		/* in */
	__u32 flags;		/* in: 0 */
	__s32 pid;		/* out: channel owner, in the caller's pid ns (0: context ended) */
	__s32 chid;		/* out */
	__u32 coflags;		/* out: QCHAN_COF_* the connection was made with */
	__u32 pad;		/* in: 0 */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * MSG_SEND flags.  With a QCHAN_SEND_TIMEOUT_* flag, timeout is an absolute
 * deadline in ns on timeout_clock (CLOCK_MONOTONIC, 1, or CLOCK_REALTIME, 0; a
 * deadline already passed times out at once): while the sender is
 * SEND-blocked (not yet received) and / or REPLY-blocked.  When it passes the
 * send fails with -ETIMEDOUT; a SEND-blocked message is never delivered, and
 * a REPLY-blocked one on a QCHAN_CHF_UNBLOCK channel is not failed but
 * unblock-requested, exactly as a handled signal would do (see
 * QCHAN_CHF_UNBLOCK).  Without these flags, timeout and timeout_clock are 0.
 */
#define QCHAN_SEND_TIMEOUT_SEND		(1U << 0)
#define QCHAN_SEND_TIMEOUT_REPLY	(1U << 1)
/*
 * With the cookie of a send that failed -EINTR because a signal handler ran
 * while it was parked (see status): conclude that send.  Its outcome if the
 * server has finished it already; else -EINTR (the message is withdrawn:
 * never delivered if it was queued, a later reply gets -ESRCH), or on a
 * QCHAN_CHF_UNBLOCK channel, with the message received, the unblock protocol
 * (the pulse, then the wait for the reply).  The other fields must be those
 * of the interrupted call.  A thread that never concludes such a send loses
 * its parked message at its next fresh MSG_SEND, or when the context closes.
 */
#define QCHAN_SEND_FINISH		(1U << 2)

struct qchan_msg_send {
	__s32 coid;		/* in */
	__u32 flags;		/* in: QCHAN_SEND_* */
	__u32 send_parts;	/* in: iovecs at send_iov_ptr */
	__u32 reply_parts;	/* in: iovecs at reply_iov_ptr */
	__u64 send_iov_ptr;	/* in: const struct iovec * */
	__u64 reply_iov_ptr;	/* in: struct iovec * */
	/*
	 * in: 0.  out: the status the server passed to MsgReply.  A send whose
	 * thread must leave the kernel while blocked (a stop signal, a
	 * debugger) leaves a cookie here and is restarted by the kernel with
	 * it; a restarted send whose message was given up meanwhile fails
	 * with EINTR (and status 0) instead of being sent again.  A send that
	 * fails -EINTR with the cookie still here was interrupted by a signal
	 * handler while parked: see QCHAN_SEND_FINISH.  Any other non-zero
	 * status: -EINVAL.
	 */
	__s64 status;
	__s64 timeout;		/* in: with QCHAN_SEND_TIMEOUT_*: the deadline (ns), else 0 */
	__s32 timeout_clock;	/* in: with QCHAN_SEND_TIMEOUT_*: its clock, else 0 */
	__u32 reserved;		/* in: 0 */
};

/* struct _msg_info of QNX, with fixed-width types. */
struct qchan_msg_info {
	__u32 nd;		/* sender's node as this node names it (0: local) */
	__u32 srcnd;		/* this node as the sender's node names it (0 local) */
	/*
	 * Sender's process and thread, in the receiver's pid namespace; for a
	 * QCHAN_IOC_NET_SEND message, the remote sender's on node nd.
	 */
	__s32 pid;
	__s32 tid;
	__s32 chid;
	__s32 scoid;		/* server connection id: one per sending process and channel */
	__s32 coid;		/* the sender's coid */
	__s32 msglen;		/* bytes delivered by this call */
	__s32 srcmsglen;	/* total bytes the sender sent */
	__s32 dstmsglen;	/* total bytes of the sender's reply buffers */
	__s16 priority;		/* sender's priority: rt_priority, 0 for non-realtime */
	__s16 flags;		/* QCHAN_MI_* */
	__u32 reserved;
};

/* info.flags: the sender asked to be unblocked (QCHAN_CHF_UNBLOCK); QNX's _NTO_MI_UNBLOCK_REQ. */
#define QCHAN_MI_UNBLOCK_REQ	0x100

/* MsgReceivePulse: take only pulses; messages stay queued for other receives. */
#define QCHAN_RECEIVE_PULSE_ONLY	(1U << 0)
/*
 * timeout is an absolute deadline in ns on timeout_clock (CLOCK_MONOTONIC or
 * CLOCK_REALTIME): a receive that would still block then fails -ETIMEDOUT.
 * A deadline already passed polls: what is queued is taken, else -ETIMEDOUT.
 */
#define QCHAN_RECEIVE_TIMEOUT		(1U << 1)

/*
 * A receive that takes a message returns its rcvid (> 0); one that takes a
 * pulse returns rcvid 0 and copies a struct qchan_pulse (QNX's struct _pulse)
 * into the vector, as much of it as fits, without touching info.  Messages
 * and pulses are taken in one priority order, FIFO within a priority.
 */
struct qchan_msg_receive {
	__s32 chid;		/* in */
	__u32 flags;		/* in: QCHAN_RECEIVE_* */
	__u32 parts;		/* in: iovecs at iov_ptr */
	__u32 pad;		/* in: 0 */
	__u64 iov_ptr;		/* in: struct iovec * */
	__u64 info_ptr;		/* in: struct qchan_msg_info *, or 0 */
	__s32 rcvid;		/* out: > 0 for a message */
	__u32 bytes;		/* out: bytes copied into the iovecs */
	__s64 timeout;		/* in: with QCHAN_RECEIVE_TIMEOUT: the deadline (ns), else 0 */
	__s32 timeout_clock;	/* in: with QCHAN_RECEIVE_TIMEOUT: its clock, else 0 */
	__u32 reserved;		/* in: 0 */
};

#define QCHAN_REPLY_ERROR	(1U << 0)  /* fail the send with errno 'error' (MsgError) */

struct qchan_msg_reply {
	__s32 rcvid;		/* in */
	__u32 flags;		/* in: QCHAN_REPLY_* */
	__s64 status;		/* in: what MsgSend returns */
	__u32 parts;		/* in: iovecs at iov_ptr */
	__s32 error;		/* in: with QCHAN_REPLY_ERROR: 0 (EOK) .. QCHAN_MAX_ERROR */
	__u64 iov_ptr;		/* in: const struct iovec * */
	__u64 reserved[2];	/* in: 0 */
};

/* MsgRead / MsgWrite: the sender's send buffers / reply buffers at an offset. */
struct qchan_msg_rw {
	__s32 rcvid;		/* in */
	__u32 flags;		/* in: 0 */
	__u64 offset;		/* in */
	__u32 parts;		/* in: iovecs at iov_ptr */
	__u32 pad;		/* in: 0 */
	__u64 iov_ptr;		/* in */
	__u64 bytes;		/* out: bytes copied */
	__u64 reserved[2];	/* in: 0 */
};

struct qchan_msg_info_get {
	__s32 rcvid;		/* in */
	__u32 flags;		/* in: 0 */
	__u64 info_ptr;		/* in: struct qchan_msg_info * */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * MsgReply followed by MsgReceive in one call.  reply.rcvid == 0 skips the
 * reply (the rest of the reply block is still validated).  The reply's
 * outcome lands in reply_result (0 or -errno); the ioctl's own result is the
 * receive's, exactly as if the calls were made in sequence by a loop that
 * ignores a failed reply.  When the receive half is interrupted by a signal
 * that restarts the call (a stop, a debugger), the kernel sets reply.rcvid to
 * 0 first, so the restarted call only receives.
 */
struct qchan_msg_reply_receive {
	struct qchan_msg_reply reply;		/* in */
	struct qchan_msg_receive receive;	/* in/out */
	__s32 reply_result;			/* out */
	__u32 pad;				/* in: 0 */
};

/* Pulse codes a process may send; negative codes are the kernel's (_PULSE_CODE_*). */
#define QCHAN_PULSE_CODE_MIN	0
#define QCHAN_PULSE_CODE_MAX	127
/* QCHAN_CHF_UNBLOCK: a REPLY-blocked sender asks to leave; value = its rcvid. */
#define QCHAN_PULSE_CODE_UNBLOCK	(-32)
/* QCHAN_CHF_DISCONNECT: a client process's last connection went; scoid names it, value 0. */
#define QCHAN_PULSE_CODE_DISCONNECT	(-33)
/* QCHAN_CHF_THREAD_DEATH: a thread of the owner exited; value = its tid, scoid -1. */
#define QCHAN_PULSE_CODE_THREADDEATH	(-34)
/* QCHAN_CHF_COID_DISCONNECT: value = a coid of ours whose channel went away; scoid -1. */
#define QCHAN_PULSE_CODE_COIDDEATH	(-35)
#define QCHAN_PRIO_MAX		255

/*
 * struct _pulse of QNX, as a receive delivers it.  A 32-bit (compat) caller
 * gets QNX's 32-bit layout instead: value is 4 bytes, scoid follows at
 * offset 12, 16 bytes in all.
 */
struct qchan_pulse {
	__u16 type;		/* 0 (_PULSE_TYPE) */
	__u16 subtype;		/* 0 (_PULSE_SUBTYPE) */
	__s8 code;
	__u8 zero[3];
	__u64 value;		/* union sigval */
	__s32 scoid;		/* the sender's, as _msg_info.scoid names it; -1: COIDDEATH */
	__u32 pad;
};

/* MsgSendPulse: never blocks; -EAGAIN when the channel already holds max_pulses pulses. */
struct qchan_pulse_send {
	__s32 coid;		/* in */
	__u32 flags;		/* in: 0 */
	__s32 priority;		/* in: -1 = the caller's, else 0 .. QCHAN_PRIO_MAX */
	__s32 code;		/* in: QCHAN_PULSE_CODE_MIN .. QCHAN_PULSE_CODE_MAX */
	__u64 value;		/* in: union sigval */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * Events (MsgDeliverEvent).  The kinds and flag bits have the values of
 * libchan's struct sigevent (glibc's numbers where glibc has the kind, QNX 7's
 * 64-bit ones for QNX's own kinds), so libchan passes sigev_notify unchanged.
 */
#define QCHAN_SIGEV_SIGNAL		0x00	/* signo, value: to the client process */
#define QCHAN_SIGEV_NONE		0x01	/* nothing is delivered */
#define QCHAN_SIGEV_THREAD		0x02	/* not deliverable: -EINVAL */
#define QCHAN_SIGEV_SIGNAL_CODE		0x82	/* signo, value, code: to the client process */
#define QCHAN_SIGEV_SIGNAL_THREAD	0x83	/* signo, value, code: to the sending thread */
#define QCHAN_SIGEV_PULSE		0x84	/* coid (the client's), priority, code, value */
#define QCHAN_SIGEV_UNBLOCK		0x85	/* not deliverable: -EINVAL */
#define QCHAN_SIGEV_INTR		0x86	/* not deliverable: -EINVAL */
#define QCHAN_SIGEV_TYPE_MASK		0xffU
/* Flag bits of notify (QNX's SIGEV_FLAG_*): accepted and ignored unless named here. */
#define QCHAN_SIGEV_FLAG_CRITICAL	0x0100U
#define QCHAN_SIGEV_FLAG_OVERDRIVE	0x0200U
/* a registered event: the server's value replaces the registered one */
#define QCHAN_SIGEV_FLAG_UPDATEABLE	0x0400U
#define QCHAN_SIGEV_FLAG_SIVAL_INT	0x0800U
#define QCHAN_SIGEV_FLAG_NOQUEUE	0x1000U
/* handle names an event its client registered (QCHAN_IOC_REGISTER_EVENT) */
#define QCHAN_SIGEV_FLAG_HANDLE		0x2000U
/* a registered event: the server's code replaces the registered one */
#define QCHAN_SIGEV_FLAG_CODE_UPDATEABLE 0x4000U
/* SIGEV_PULSE priority: the delivering thread's */
#define QCHAN_SIGEV_PULSE_PRIO_INHERIT	(-1)

/* struct sigevent as the kernel reads it: libchan translates each ABI's layout. */
struct qchan_sigevent {
	__u32 notify;		/* QCHAN_SIGEV_* | QCHAN_SIGEV_FLAG_* */
	__s32 signo;		/* signal number; SIGEV_PULSE: the client's coid */
	__s32 code;		/* SIGNAL_CODE/THREAD: si_code (-128 .. -1); PULSE: 0 .. 127 */
	__s32 priority;		/* SIGEV_PULSE: 0 .. QCHAN_PRIO_MAX or PULSE_PRIO_INHERIT */
	__u64 value;		/* union sigval */
	__u32 handle;		/* with QCHAN_SIGEV_FLAG_HANDLE: a registered event */
	__u32 pad;		/* in: 0 */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * MsgDeliverEvent / MsgVerifyEvent: rcvid names the client: a message being
 * received, or one replied to while the client's connection (its scoid)
 * still exists.  VERIFY checks all a delivery would and delivers nothing;
 * with rcvid 0 it checks only the event's form.
 */
struct qchan_msg_deliver_event {
	__s32 rcvid;		/* in */
	__u32 flags;		/* in: 0 */
	struct qchan_sigevent event;	/* in */
	__u64 reserved[2];	/* in: 0 */
};

/* MsgRegisterEvent: coid names the one server allowed to deliver the event. */
#define QCHAN_REGEVENT_ANY_SERVER	(1U << 0)	/* coid -1: any server may */

struct qchan_register_event {
	__s32 coid;		/* in: a connection to the server; -1 with ANY_SERVER */
	__u32 flags;		/* in: QCHAN_REGEVENT_* */
	struct qchan_sigevent event;	/* in: the event; out: handle set */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * Timers that deliver a pulse (QNX's timer_create() with a SIGEV_PULSE
 * event).  A timer belongs to the process that created it and ends with its
 * context.  Its pulse goes to the connection coid (fd or side channel, of the
 * creating process), resolved when the timer is created: the timer keeps
 * that connection (and its channel) for its own lifetime.  The pulse carries
 * code, value and the connection's scoid; priority -1 is the creator's.  A
 * timer has one pulse: while it is still queued, further expiries count as
 * overruns (QCHAN_IOC_TIMER_INFO) instead of queueing more.  Intervals
 * shorter than QCHAN_TIMER_MIN_INTERVAL run at that interval.
 */
#define QCHAN_TIMER_MIN_INTERVAL	50000	/* ns */

struct qchan_timer_create {
	__s32 clock;		/* in: CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME */
	__u32 flags;		/* in: 0 */
	__s32 coid;		/* in: where the pulse goes */
	__s32 priority;		/* in: -1 = the caller's, else 0 .. QCHAN_PRIO_MAX */
	__s32 code;		/* in: QCHAN_PULSE_CODE_MIN .. QCHAN_PULSE_CODE_MAX */
	__s32 timer_id;		/* out: >= 0 */
	__u64 value;		/* in: the pulse's value (union sigval) */
	__u64 reserved[2];	/* in: 0 */
};

struct qchan_timer_destroy {
	__s32 timer_id;		/* in */
	__u32 flags;		/* in: 0 */
	__u64 reserved;		/* in: 0 */
};

/* settime: value is an absolute time on the timer's clock, not relative to now. */
#define QCHAN_TIMER_ABSTIME	(1U << 0)

/*
 * Arms (value > 0) or disarms (value == 0) a timer; an absolute time already
 * passed fires at once.  interval 0: one-shot.  The old setting comes back
 * as QCHAN_IOC_TIMER_INFO would have reported it.
 */
struct qchan_timer_settime {
	__s32 timer_id;		/* in */
	__u32 flags;		/* in: QCHAN_TIMER_ABSTIME */
	__s64 value;		/* in: ns, >= 0: first expiry (0 disarms) */
	__s64 interval;		/* in: ns, >= 0: period after it */
	__s64 old_value;	/* out: ns until the next expiry before this call, 0 if disarmed */
	__s64 old_interval;	/* out */
	__u64 reserved[2];	/* in: 0 */
};

/* info: report the caller's timer with the lowest id >= timer_id (QNX's _NTO_TIMER_SEARCH). */
#define QCHAN_TIMER_INFO_SEARCH		(1U << 0)
/* info: the overrun count reported starts again from 0 (_NTO_TIMER_RESET_OVERRUNS). */
#define QCHAN_TIMER_INFO_RESET_OVERRUNS	(1U << 1)
/* info_flags: armed by a settime with QCHAN_TIMER_ABSTIME */
#define QCHAN_TIMER_INFO_ABSTIME	(1U << 0)

struct qchan_timer_info {
	__s32 timer_id;		/* in; out: the timer reported (QCHAN_TIMER_INFO_SEARCH) */
	__u32 flags;		/* in: QCHAN_TIMER_INFO_SEARCH, _RESET_OVERRUNS */
	__s64 value;		/* out: ns until the next expiry, 0 if disarmed */
	__s64 interval;		/* out: ns */
	/*
	 * out: expiries that found the pulse still queued (or went by while
	 * the timer could not post), counted for the last pulse received
	 * (timer_getoverrun()); up to INT32_MAX.
	 */
	__s32 overrun;
	__s32 clock;		/* out */
	/*
	 * in: 0.  out (QCHAN_FEAT_TIMER_INFO_EVENT; 0 before): the pulse as
	 * QCHAN_IOC_TIMER_CREATE was given it (coid, priority -1 included),
	 * and QCHAN_TIMER_INFO_ABSTIME.  Were reserved[2].
	 */
	__u64 event_value;
	__s32 event_coid;
	__s16 event_priority;
	__s8 event_code;
	__u8 info_flags;
};

/*
 * The name service.  A name binds a string to one of the caller's channels
 * in the caller's IPC namespace (a container sees its own names), until the
 * name is detached, the channel destroyed or the process's context ends.
 * A name is 1..QCHAN_NAME_MAX bytes, NUL-terminated, without '/', and not
 * "." or "..": else -EINVAL (-ENAMETOOLONG when longer).  A name already
 * attached in the namespace: -EEXIST; more than the module's max_names per
 * process: -EAGAIN.  A process that moves to another IPC namespace takes its
 * names out of sight of both until it returns.
 */
#define QCHAN_NAME_MAX		255
/* NAME_FLAG_ATTACH_GLOBAL: accepted; the name stays local (no network yet). */
#define QCHAN_NAME_GLOBAL	(1U << 0)

struct qchan_name_attach {
	__u64 name_ptr;		/* in: const char *, NUL-terminated */
	__s32 chid;		/* in: one of the caller's channels */
	__u32 flags;		/* in: QCHAN_NAME_GLOBAL */
	__u64 reserved[2];	/* in: 0 */
};

/* Detaches a name the caller attached: -ENOENT if it has none of that name. */
struct qchan_name_detach {
	__u64 name_ptr;		/* in */
	__u32 flags;		/* in: 0 */
	__u32 pad;		/* in: 0 */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * Looks the name up and connects to its channel in one call (the name's
 * channel at the time of the lookup; exactly CONNECT_ATTACH's rules and
 * results, -ENOENT for an unknown name).  QNX's name_open makes a
 * side-channel connection: pass QCHAN_COF_SIDE_CHANNEL.
 */
struct qchan_name_open {
	__u64 name_ptr;		/* in */
	__u32 flags;		/* in: QCHAN_NAME_GLOBAL */
	__u32 coflags;		/* in: QCHAN_COF_* for the connection */
	__s32 coid;		/* out */
	__s32 pid;		/* out: the server, in the caller's pid namespace */
	__s32 chid;		/* out */
	__u32 pad;		/* in: 0 */
	__u64 reserved[2];	/* in: 0 */
};

/* One live name, as QCHAN_IOC_NAME_LIST reports it. */
struct qchan_name_entry {
	__s32 pid;		/* owner, in the caller's pid namespace (0: not visible there) */
	__s32 chid;
	__u32 flags;		/* QCHAN_NAME_* it was attached with */
	__u32 pad;
	char name[QCHAN_NAME_MAX + 1];	/* NUL-terminated */
};

/* The live names of the caller's IPC namespace, for tools; in no particular order. */
struct qchan_name_list {
	__u64 entries_ptr;	/* in: struct qchan_name_entry[capacity] */
	__u32 capacity;		/* in */
	__u32 count;		/* out: entries written */
	__u32 total;		/* out: names live in the namespace */
	__u32 flags;		/* in: 0 */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * QNX's ConnectClientInfo: who is behind a server connection.  scoid is one
 * of the caller's scoids (or -1: the caller itself); ids are mapped into
 * the caller's user namespace.  -EINVAL: no such scoid; -ESRCH: the client
 * process is gone.  The first min(ngroups, total) supplementary groups are
 * written to groups_ptr; ngroups returns the total.
 */
struct qchan_client_info {
	__s32 scoid;		/* in */
	__u32 flags;		/* in: 0 */
	__u32 ngroups;		/* in: room at groups_ptr; out: the client's number of groups */
	__u32 pad;		/* in: 0 */
	__u64 groups_ptr;	/* in: __u32 gid[ngroups], or 0 */
	__s32 pid;		/* out: in the caller's pid namespace */
	__s32 sid;		/* out: session id, in the caller's pid namespace */
	__u32 ruid;		/* out */
	__u32 euid;
	__u32 suid;
	__u32 rgid;
	__u32 egid;
	__u32 sgid;
	/*
	 * in: 0.  out (QCHAN_FEAT_NET_PROXY; 0 before): the client's node as
	 * this node names it, 0 (ND_LOCAL_NODE) for a local client; a network
	 * proxy's (QCHAN_IOC_NET_PROXY) connections show the nd it was given.
	 */
	__u32 nd;
	__u32 pad2;		/* in: 0 */
	__u64 reserved;		/* in: 0 */
};

/*
 * QNX's ConnectServerInfo for the caller's own connections: the connection
 * with the lowest coid >= coid (fds first, then side channels), and the
 * channel it leads to.  -EINVAL if there is none.
 */
struct qchan_server_info {
	__s32 coid;		/* in: where to start; out: the connection found */
	__u32 flags;		/* in: 0 */
	__s32 pid;		/* out: the server, in the caller's pid namespace (0: gone) */
	__s32 chid;		/* out */
	__s32 scoid;		/* out: the server's name for the caller's connections */
	__u32 coflags;		/* out: QCHAN_COF_* */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * io_uring (IORING_OP_URING_CMD on the context fd, normal 64-byte SQEs):
 * sqe->cmd_op is a QCHAN_UCMD_* and sqe->cmd holds a struct qchan_uring_cmd
 * whose arg_ptr points at the ioctl argument struct of the same command.
 * The kernel reads that struct (and the vectors it names) when the SQE is
 * issued; results are written back into it, and the vectors filled, before
 * the CQE is posted, from the submitting thread: it and the buffers must
 * stay valid until then.  cqe->res is the command's result or -errno.
 *
 * SEND: MsgSend.  Send and reply data go through kernel buffers (both at
 * most QCHAN_URING_MAX_MSG bytes, else -EMSGSIZE); flags: the
 * QCHAN_SEND_TIMEOUT_* (with timeout, timeout_clock) as for MSG_SEND, which
 * complete it -ETIMEDOUT (a received message on a QCHAN_CHF_UNBLOCK channel:
 * the unblock protocol); QCHAN_SEND_FINISH is -EINVAL.  The CQE (res 0)
 * comes when the server replies (MSG_REPLY, from a blocking or an async
 * server); the status is in the struct.  A server's MSG_READ and MSG_WRITE
 * work on the kernel buffers: the written bytes land in the reply buffers
 * with the CQE, then the reply's over them, as for a blocking sender (a
 * fault there fails the send -EFAULT).  Priority orders the queue but is
 * not inherited.
 * RECEIVE: a receive posted in advance, at most max_posted_receives (a
 * module parameter) per channel, else -EAGAIN; res is the rcvid (0: a
 * pulse), rcvid, bytes and info as for MSG_RECEIVE, QCHAN_RECEIVE_TIMEOUT
 * too (-ETIMEDOUT; a deadline passed polls).  Served FIFO with the blocking
 * receivers.
 * REPLY_RECEIVE: the reply at once, then RECEIVE; reply_result as the ioctl.
 * SEND_PULSE: MsgSendPulse, completed at once.
 * CANCEL: arg_ptr is the user_data of a SEND or RECEIVE of this context,
 * res 0 or -ENOENT: a receive completes with -ECANCELED; a send ends as a
 * signal would end a blocking one (-ECANCELED, or the unblock protocol on
 * a QCHAN_CHF_UNBLOCK channel once it is received).
 * The context's end, the ring's close and the submitter's exit complete
 * every command (-ECANCELED, -ESRCH when the channel went).
 */
#define QCHAN_URING_MAX_MSG	65536

struct qchan_uring_cmd {
	__u64 arg_ptr;		/* in: the command's argument struct (CANCEL: a user_data) */
	__u32 flags;		/* in: 0 */
	__u32 reserved;		/* in: 0 */
};

/*
 * SEND_BATCH (QCHAN_FEAT_URING_SEND_BATCH): count SENDs in one command, a
 * qchan extension (think sendmmsg).  sends_ptr points at count struct
 * qchan_msg_send, each exactly as SEND's argument (coid, vectors,
 * QCHAN_SEND_TIMEOUT_* with its own deadline, status 0, reserved 0);
 * results_ptr at count __s32, where each send's result goes: 0 (its status
 * is then in its struct) or -errno as SEND's CQE would have said.
 *
 * Everything is checked before any send is queued: the batch's flags and
 * reserved fields, count (1..QCHAN_SEND_BATCH_MAX), each entry's fields,
 * vectors and sizes, the copy-in of its data, its connection (a closed coid
 * or a destroyed channel): one bad entry fails the whole command with
 * nothing sent (the issue's -errno in the CQE: -EINVAL, -EFAULT, -EBADF,
 * -EMSGSIZE, -ENOMEM; -EAGAIN when the sends would exceed the context's
 * queued messages), results not written.  Then the sends are queued in
 * array order, each exactly as one SEND (so FIFO within a priority: a batch
 * is the same sends submitted one after another, with nobody's send in
 * between on a channel they share): the same rcvids, blocking and async
 * servers alike, MsgRead/MsgWrite, MsgError, its timeouts, the unblock
 * protocol.  A channel destroyed between the check and its send's queueing
 * fails that send alone (-EBADF in its result), as if it died just after.
 * The one CQE (res 0) comes when the last of the sends has ended, every
 * reply, status and result written; res is -EFAULT when a result could not
 * be written.  CANCEL with the batch's user_data ends all its sends (each
 * as a signal would end it); the context's end, the ring's close and the
 * submitter's exit end them all, as for single commands.
 */
#define QCHAN_SEND_BATCH_MAX	64

struct qchan_uring_send_batch {
	__u64 sends_ptr;	/* in: struct qchan_msg_send[count] (status out per entry) */
	__u64 results_ptr;	/* in: __s32[count]: out, each send's 0 or -errno */
	__u32 count;		/* in: 1..QCHAN_SEND_BATCH_MAX */
	__u32 flags;		/* in: 0 */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * CHANNEL_FD: a new file descriptor standing for one of the caller's
 * channels, for poll/select/epoll next to other fds.  It reports EPOLLIN |
 * EPOLLRDNORM while a message or pulse is queued on the channel and not yet
 * received (level-triggered: re-checked at every poll), and EPOLLHUP |
 * EPOLLERR once the channel is destroyed or its context ends.  A message
 * that finds a thread RECEIVE-blocked in MSG_RECEIVE goes to it and is
 * never queued, so such threads take precedence and a poller sees only
 * what nobody was waiting for.  EPOLLIN is a hint: take the message with a
 * receive that does not block (QCHAN_RECEIVE_TIMEOUT with deadline 0),
 * which fails -ETIMEDOUT when another thread was quicker.
 * The fd only reports readiness: any holder (a forked child, an SCM_RIGHTS
 * receiver) may poll it, only the channel's owner can receive.  It keeps
 * the channel's memory (not the channel) alive until it is closed.
 */
#define QCHAN_CHFD_CLOEXEC	(1U << 0)  /* the new fd is O_CLOEXEC */

struct qchan_channel_fd {
	__s32 chid;		/* in: one of the caller's channels */
	__u32 flags;		/* in: QCHAN_CHFD_* */
	__s32 fd;		/* out: also the ioctl's result */
	__u32 pad;		/* in: 0 */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * QCHAN_IOC_CHANNEL_BUSY_POLL: turns busy polling on (QCHAN_BUSY_POLL_ON)
 * or off (flags 0) for one of the caller's channels.  While it is on, a
 * thread that would block in MSG_RECEIVE on the channel, or a sender that
 * would block SEND- or REPLY-blocked on a message to it, first spins for up
 * to the module parameter busy_poll_us (0: never) waiting for what it waits
 * for, and only then sleeps: across CPUs the other side then finds it
 * running and no wake-up (an inter-processor interrupt) is needed.  Threads
 * of a real-time policy above priority busy_poll_rt_max never spin; a spin
 * ends early when the CPU is wanted (need_resched), on a signal and at the
 * call's timeout, so none of those change meaning.  io_uring commands never
 * spin.  Off by default: it burns the CPU for the window on every wait.
 */
#define QCHAN_BUSY_POLL_ON	(1U << 0)

struct qchan_channel_busy_poll {
	__s32 chid;		/* in: one of the caller's channels */
	__u32 flags;		/* in: QCHAN_BUSY_POLL_ON or 0 */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH, a qchan extension (QNX has no batched
 * call; think recvmmsg/sendmmsg): replies to nr_replies messages, then
 * receives up to nr_slots messages or pulses on chid, in one call.
 *
 * Every argument is checked before anything happens: counts above
 * QCHAN_BATCH_MAX, unknown flags, nonzero reserved or pad fields, a reply
 * entry MSG_REPLY would reject as invalid, a slot with more than 1024 parts:
 * -EINVAL and no reply given.  Then each reply entry is done in order
 * exactly as MSG_REPLY (QCHAN_REPLY_ERROR: MsgError) and its outcome written
 * to its result: 0, or the -errno MSG_REPLY would have returned (-ESRCH for
 * a client that went away, a duplicate or a stale rcvid).  A failed entry
 * does not fail the call.  rcvid 0 skips an entry (result 0).
 *
 * The receive half (nr_slots > 0) waits as MSG_RECEIVE would, with its
 * flags (QCHAN_RECEIVE_PULSE_ONLY, QCHAN_RECEIVE_TIMEOUT with timeout and
 * timeout_clock), for the first message or pulse only; it then takes what
 * else is queued, without waiting, into the following slots, in the queue's
 * priority order (FIFO within a priority).  nr_received says how many slots
 * were filled; each got rcvid (> 0 a message, 0 a pulse copied into its
 * vector), bytes, and for a message its info.  A failure of the wait
 * (timeout, signal, dead channel) is the call's result, with nr_received 0;
 * a fault in a later slot's buffer ends the batch there (that message's
 * send fails with ESRVRFAULT, as for MSG_RECEIVE) and the call succeeds with
 * the slots before it.  nr_slots 0 only replies.
 *
 * Priority inheritance: the first message (or pulse) raises the thread as
 * MSG_RECEIVE would; every message of the batch is then held by the thread,
 * which runs at the best priority among those it holds (the first, in
 * queue order) until each is replied to.
 *
 * When the receive half is interrupted by a signal that restarts the call,
 * the kernel sets nr_replies to 0 first, so the restarted call only receives.
 */
#define QCHAN_BATCH_MAX		64	/* most reply entries, and most slots, in one call */
/* flags: the slots' info is not wanted (left untouched): a message costs less to receive */
#define QCHAN_BATCH_NO_INFO	(1U << 16)

struct qchan_batch_reply {
	struct qchan_msg_reply reply;	/* in: as for QCHAN_IOC_MSG_REPLY; rcvid 0 skips it */
	__s32 result;			/* out: 0 or -errno */
	__u32 pad;			/* in: 0 */
};

struct qchan_batch_slot {
	__u64 iov_ptr;			/* in: struct iovec * */
	__u32 parts;			/* in: iovecs at iov_ptr */
	__u32 flags;			/* in: 0 */
	__u64 reserved;			/* in: 0 */
	__s32 rcvid;			/* out: > 0 a message, 0 a pulse */
	__u32 bytes;			/* out: bytes copied into the iovecs */
	struct qchan_msg_info info;	/* out: for a message (not for a pulse, nor NO_INFO) */
};

struct qchan_msg_reply_receive_batch {
	__s32 chid;		/* in */
	__u32 flags;		/* in: QCHAN_RECEIVE_PULSE_ONLY, _TIMEOUT, QCHAN_BATCH_NO_INFO */
	__u32 nr_replies;	/* in: entries at replies_ptr, 0 .. QCHAN_BATCH_MAX */
	__u32 nr_slots;		/* in: slots at slots_ptr, 0 .. QCHAN_BATCH_MAX */
	__u64 replies_ptr;	/* in: struct qchan_batch_reply * */
	__u64 slots_ptr;	/* in: struct qchan_batch_slot * */
	__s64 timeout;		/* in: with QCHAN_RECEIVE_TIMEOUT: the deadline (ns), else 0 */
	__s32 timeout_clock;	/* in: with QCHAN_RECEIVE_TIMEOUT: its clock, else 0 */
	__u32 nr_received;	/* out: slots filled */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * Qnet (docs/QNET.md): marks the caller's context as a network proxy for the
 * remote node nd, i.e. a process that sends on behalf of another node's
 * clients (node B's qnetd worker).  Needs CAP_SYS_ADMIN (-EPERM), once
 * (-EBUSY), before the context attached any connection (-EBUSY): a root
 * process marks itself, then drops its ids.  From then on the servers of
 * its connections see nd in qchan_client_info and (with srcnd) in
 * qchan_msg_info, and QCHAN_IOC_NET_SEND may name the remote sender.
 */
struct qchan_net_proxy {
	__u32 nd;		/* in: the client node as this node names it, != 0 */
	__u32 srcnd;		/* in: this node as node nd names it (QNX's srcnd) */
	__u32 flags;		/* in: 0 */
	__u32 pad;		/* in: 0 */
	__u64 reserved[2];	/* in: 0 */
};

/*
 * MSG_SEND by a network proxy on behalf of one remote sender: the server's
 * qchan_msg_info of this message shows pid and tid (the sender's, as node nd
 * numbers them) instead of the proxy thread's.  send is exactly a MSG_SEND
 * block (its status, restart and QCHAN_SEND_FINISH included).  -EPERM from
 * a context not marked by QCHAN_IOC_NET_PROXY.
 */
struct qchan_net_send {
	struct qchan_msg_send send;
	__s32 pid;		/* in: > 0 */
	__s32 tid;		/* in: > 0 */
	__u32 flags;		/* in: 0 */
	__u32 pad;		/* in: 0 */
	__u64 reserved[2];	/* in: 0 */
};

#define QCHAN_IOC_MAGIC	'Q'

#define QCHAN_IOC_GET_FEATURES		_IOWR(QCHAN_IOC_MAGIC, 0xa0, struct qchan_features)
#define QCHAN_IOC_CHANNEL_CREATE	_IOWR(QCHAN_IOC_MAGIC, 0xa1, struct qchan_channel_create)
#define QCHAN_IOC_CHANNEL_DESTROY	_IOWR(QCHAN_IOC_MAGIC, 0xa2, struct qchan_channel_destroy)
#define QCHAN_IOC_CONNECT_ATTACH	_IOWR(QCHAN_IOC_MAGIC, 0xa3, struct qchan_connect_attach)
#define QCHAN_IOC_CONNECT_DETACH	_IOWR(QCHAN_IOC_MAGIC, 0xa4, struct qchan_connect_detach)
#define QCHAN_IOC_CONNECT_QUERY		_IOWR(QCHAN_IOC_MAGIC, 0xa5, struct qchan_connect_query)
#define QCHAN_IOC_CLIENT_INFO		_IOWR(QCHAN_IOC_MAGIC, 0xa6, struct qchan_client_info)
#define QCHAN_IOC_SERVER_INFO		_IOWR(QCHAN_IOC_MAGIC, 0xa7, struct qchan_server_info)
#define QCHAN_IOC_MSG_SEND		_IOWR(QCHAN_IOC_MAGIC, 0xb0, struct qchan_msg_send)
#define QCHAN_IOC_MSG_RECEIVE		_IOWR(QCHAN_IOC_MAGIC, 0xb1, struct qchan_msg_receive)
#define QCHAN_IOC_MSG_REPLY		_IOWR(QCHAN_IOC_MAGIC, 0xb2, struct qchan_msg_reply)
#define QCHAN_IOC_MSG_READ		_IOWR(QCHAN_IOC_MAGIC, 0xb3, struct qchan_msg_rw)
#define QCHAN_IOC_MSG_WRITE		_IOWR(QCHAN_IOC_MAGIC, 0xb4, struct qchan_msg_rw)
#define QCHAN_IOC_MSG_INFO		_IOWR(QCHAN_IOC_MAGIC, 0xb5, struct qchan_msg_info_get)
#define QCHAN_IOC_MSG_REPLY_RECEIVE	_IOWR(QCHAN_IOC_MAGIC, 0xb6, struct qchan_msg_reply_receive)
#define QCHAN_IOC_MSG_SEND_PULSE	_IOWR(QCHAN_IOC_MAGIC, 0xb7, struct qchan_pulse_send)
#define QCHAN_IOC_MSG_DELIVER_EVENT	_IOWR(QCHAN_IOC_MAGIC, 0xb8, struct qchan_msg_deliver_event)
#define QCHAN_IOC_REGISTER_EVENT	_IOWR(QCHAN_IOC_MAGIC, 0xb9, struct qchan_register_event)
/* event.handle names the event; the rest of the block is 0 */
#define QCHAN_IOC_UNREGISTER_EVENT	_IOWR(QCHAN_IOC_MAGIC, 0xba, struct qchan_register_event)
#define QCHAN_IOC_MSG_VERIFY_EVENT	_IOWR(QCHAN_IOC_MAGIC, 0xbb, struct qchan_msg_deliver_event)
#define QCHAN_IOC_CHANNEL_FD		_IOWR(QCHAN_IOC_MAGIC, 0xbc, struct qchan_channel_fd)
#define QCHAN_IOC_TIMER_CREATE		_IOWR(QCHAN_IOC_MAGIC, 0xc0, struct qchan_timer_create)
#define QCHAN_IOC_TIMER_DESTROY		_IOWR(QCHAN_IOC_MAGIC, 0xc1, struct qchan_timer_destroy)
#define QCHAN_IOC_TIMER_SETTIME		_IOWR(QCHAN_IOC_MAGIC, 0xc2, struct qchan_timer_settime)
#define QCHAN_IOC_TIMER_INFO		_IOWR(QCHAN_IOC_MAGIC, 0xc3, struct qchan_timer_info)
#define QCHAN_IOC_CHANNEL_BUSY_POLL	_IOWR(QCHAN_IOC_MAGIC, 0xc8, struct qchan_channel_busy_poll)
#define QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH \
	_IOWR(QCHAN_IOC_MAGIC, 0xc9, struct qchan_msg_reply_receive_batch)
#define QCHAN_IOC_NET_PROXY		_IOWR(QCHAN_IOC_MAGIC, 0xcc, struct qchan_net_proxy)
#define QCHAN_IOC_NET_SEND		_IOWR(QCHAN_IOC_MAGIC, 0xcd, struct qchan_net_send)
#define QCHAN_IOC_NAME_ATTACH		_IOWR(QCHAN_IOC_MAGIC, 0xd0, struct qchan_name_attach)
#define QCHAN_IOC_NAME_DETACH		_IOWR(QCHAN_IOC_MAGIC, 0xd1, struct qchan_name_detach)
#define QCHAN_IOC_NAME_OPEN		_IOWR(QCHAN_IOC_MAGIC, 0xd2, struct qchan_name_open)
#define QCHAN_IOC_NAME_LIST		_IOWR(QCHAN_IOC_MAGIC, 0xd3, struct qchan_name_list)
/* io_uring command ops (sqe->cmd_op); not ioctls (-ENOTTY there) */
#define QCHAN_UCMD_SEND			_IOWR(QCHAN_IOC_MAGIC, 0xe2, struct qchan_msg_send)
#define QCHAN_UCMD_RECEIVE		_IOWR(QCHAN_IOC_MAGIC, 0xe3, struct qchan_msg_receive)
#define QCHAN_UCMD_REPLY_RECEIVE	_IOWR(QCHAN_IOC_MAGIC, 0xe4, struct qchan_msg_reply_receive)
#define QCHAN_UCMD_SEND_PULSE		_IOWR(QCHAN_IOC_MAGIC, 0xe5, struct qchan_pulse_send)
#define QCHAN_UCMD_CANCEL		_IOWR(QCHAN_IOC_MAGIC, 0xe6, struct qchan_uring_cmd)
#define QCHAN_UCMD_SEND_BATCH		_IOWR(QCHAN_IOC_MAGIC, 0xe8, struct qchan_uring_send_batch)

#endif /* _UAPI_LINUX_QCHAN_H */
