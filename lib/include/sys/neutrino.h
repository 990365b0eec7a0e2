/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/neutrino.h> for Linux: the QNX Neutrino 7 message-passing kernel calls,
 * implemented by libchan over the qchan kernel module (/dev/qchan).
 *
 * Source written for QNX compiles unchanged against this header (with -I to
 * libchan's include directory) and links with -lchan.  Names, prototypes and
 * constant values follow QNX Neutrino 7.0: sizes are size_t, MsgSend*
 * return long, receive ids are int (rcvid_t is provided for 7.1+ sources).
 *
 * Every call sets errno and returns -1 on failure; its _r twin returns
 * -errno instead and leaves errno alone.  What qchan does not implement
 * (the resource-manager layer, ...) is not declared, so such source
 * fails at compile time rather than at run time.
 *
 * Only the C library's own headers and libchan's QNX headers (<sys/siginfo.h>:
 * the sigevent vocabulary) are included: nothing qchan-specific leaks into a
 * QNX program's namespace.  As on QNX, <signal.h>, <sched.h>, <time.h> and
 * <limits.h> come with it: QNX code uses INT_MAX, sched_param or SIGUSR1
 * having included only this header.  The native API with qchan extensions
 * (MsgReplyReceive, qchan_*) lives in <qchan/libchan.h>.
 */
#ifndef _SYS_NEUTRINO_H_INCLUDED
#define _SYS_NEUTRINO_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sched.h>
#include <time.h>
#include <limits.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/siginfo.h>

#ifdef __cplusplus
extern "C" {
#endif

/* QNX's fixed-width type names, used by QNX sources and by this header. */
typedef int8_t		_Int8t;
typedef uint8_t		_Uint8t;
typedef int16_t		_Int16t;
typedef uint16_t	_Uint16t;
typedef int32_t		_Int32t;
typedef uint32_t	_Uint32t;
typedef int64_t		_Int64t;
typedef uint64_t	_Uint64t;

/* QNX errno values missing from Linux's <errno.h>. */
#ifndef EOK
#define EOK		0	/* no error */
#endif
#ifndef ESRVRFAULT
#define ESRVRFAULT	312	/* the server faulted on its own buffers */
#endif

/* The local node (QNX also has it in <sys/netmgr.h>); qchan has no network. */
#ifndef ND_LOCAL_NODE
#define ND_LOCAL_NODE	0
#endif

/* I/O vectors: QNX's iov_t is struct iovec. */
typedef struct iovec iov_t;

#define SETIOV(_iov, _addr, _len) \
	((_iov)->iov_base = (void *)(_addr), (_iov)->iov_len = (_len))
#define GETIOVBASE(_iov)	((_iov)->iov_base)
#define GETIOVLEN(_iov)		((_iov)->iov_len)

/* QNX 7.1 and later type receive ids; qchan's are int as in QNX 7.0. */
typedef int rcvid_t;

/*
 * Channel flags (ChannelCreate).  qchan implements FIXED_PRIORITY, UNBLOCK
 * (the unblock protocol: _PULSE_CODE_UNBLOCK below), SENDER_LEN, REPLY_LEN
 * (info always carries both lengths), PRIVATE, DISCONNECT, COID_DISCONNECT
 * and THREAD_DEATH (the death notices below); the kernel fails every other
 * flag with EINVAL.
 */
#define _NTO_CHF_FIXED_PRIORITY		0x0001u
#define _NTO_CHF_UNBLOCK		0x0002u
#define _NTO_CHF_THREAD_DEATH		0x0004u
#define _NTO_CHF_DISCONNECT		0x0008u
#define _NTO_CHF_NET_MSG		0x0010u
#define _NTO_CHF_SENDER_LEN		0x0020u
#define _NTO_CHF_COID_DISCONNECT	0x0040u
#define _NTO_CHF_REPLY_LEN		0x0080u
#define _NTO_CHF_STICKY			0x0100u
#define _NTO_CHF_ASYNC_NONBLOCK		0x0200u
#define _NTO_CHF_ASYNC			0x0400u
#define _NTO_CHF_GLOBAL			0x0800u
#define _NTO_CHF_PRIVATE		0x1000u
#define _NTO_CHF_MSG_PAUSING		0x2000u
#define _NTO_CHF_SIG_RESTART		0x4000u
#define _NTO_CHF_UNBLOCK_TIMER		0x8000u

/*
 * Connection flags (ConnectAttach, ConnectFlags).  qchan implements
 * _NTO_COF_CLOEXEC; ConnectAttach fails any other flag with EINVAL.
 */
#define _NTO_COF_CLOEXEC		0x0001u
#define _NTO_COF_DEAD			0x0002u
#define _NTO_COF_NOSHARE		0x0040u
#define _NTO_COF_NETCON			0x0080u
#define _NTO_COF_NONBLOCK		0x0100u
#define _NTO_COF_ASYNC			0x0200u
#define _NTO_COF_GLOBAL			0x0400u
#define _NTO_COF_NOEVENT		0x0800u
#define _NTO_COF_INSECURE		0x1000u

/*
 * As ConnectAttach's index: ask for a side-channel connection (a coid
 * outside the file-descriptor space).  Side-channel coids have this bit set.
 */
#define _NTO_SIDE_CHANNEL		0x40000000u

/* struct _msg_info flags. */
#define _NTO_MI_ENDIAN_BIG		0x0001u
#define _NTO_MI_ENDIAN_DIFF		0x0002u
#define _NTO_MI_UNBLOCK_REQ		0x0100u
#define _NTO_MI_NET_CRED_DIRTY		0x0200u

/*
 * What MsgReceive, MsgReceivev and MsgInfo report about a message: QNX's
 * field names, in the layout of QNX 6 and of QNX 7's _msg_info32 (32-bit
 * lengths; the kernel's struct qchan_msg_info), where 64-bit QNX 7 uses
 * _msg_info64 with ssize64_t lengths.  Source that uses the field names
 * compiles either way.  pid and tid are in the receiver's pid namespace.
 */
struct _msg_info {
	_Uint32t	nd;		/* client's node: ND_LOCAL_NODE, or Qnet's */
	_Uint32t	srcnd;		/* server's node as seen by the client */
	pid_t		pid;		/* client process */
	_Int32t		tid;		/* client thread (Linux tid) */
	_Int32t		chid;		/* channel the message arrived on */
	_Int32t		scoid;		/* server connection id: one per client process */
	_Int32t		coid;		/* client's connection id */
	_Int32t		msglen;		/* bytes delivered by this call */
	_Int32t		srcmsglen;	/* total bytes the client sent */
	_Int32t		dstmsglen;	/* total bytes of the client's reply buffers */
	_Int16t		priority;	/* client's realtime priority, 0 if none */
	_Int16t		flags;		/* _NTO_MI_* */
	_Uint32t	reserved;
};

#define _server_info	_msg_info
#define _msg_info32	_msg_info
#define _server_info32	_msg_info

/*
 * QNX 7.0-8.0's 64-bit layout (64 bytes; 8.0 calls nd and srcnd reserved[2]),
 * for sources that name it.  The Msg* calls take struct _msg_info, qchan's
 * 32-bit layout above: a _msg_info64 is not filled by any call yet.
 */
struct _msg_info64 {
	_Uint32t	nd;
	_Uint32t	srcnd;
	pid_t		pid;
	_Int32t		tid;
	_Int32t		chid;
	_Int32t		scoid;
	_Int32t		coid;
	_Int16t		priority;
	_Int16t		flags;
	_Int64t		msglen;
	_Int64t		srcmsglen;
	_Int64t		dstmsglen;
	_Uint32t	type_id;
	_Uint32t	reserved;
};

#define _server_info64	_msg_info64

/*
 * Pulses: MsgSendPulse never blocks; MsgReceive returns 0 for a pulse and
 * copies a struct _pulse (its info is left untouched); user pulses use
 * _PULSE_CODE_MINAVAIL.._PULSE_CODE_MAXAVAIL.  The kernel sends
 * _PULSE_CODE_UNBLOCK (value.sival_int: the rcvid of a REPLY-blocked client
 * that wants to leave) to _NTO_CHF_UNBLOCK channels, _PULSE_CODE_DISCONNECT
 * (scoid: the client process whose last connection went; ConnectDetach(scoid)
 * frees it) to _NTO_CHF_DISCONNECT channels and _PULSE_CODE_COIDDEATH (value:
 * a coid whose channel went away; scoid -1) to _NTO_CHF_COID_DISCONNECT
 * channels and _PULSE_CODE_THREADDEATH (value: the tid, as gettid() gives
 * it, of a thread of this process that exited; scoid -1) to
 * _NTO_CHF_THREAD_DEATH channels.
 */
#define _PULSE_TYPE			0
#define _PULSE_SUBTYPE			0
#define _PULSE_CODE_UNBLOCK		(-32)	/* value: rcvid */
#define _PULSE_CODE_DISCONNECT		(-33)	/* scoid: the server connection */
#define _PULSE_CODE_THREADDEATH		(-34)	/* value: thread id */
#define _PULSE_CODE_COIDDEATH		(-35)	/* value: coid */
#define _PULSE_CODE_NET_ACK		(-36)
#define _PULSE_CODE_NET_UNBLOCK		(-37)
#define _PULSE_CODE_NET_DETACH		(-38)
#define _PULSE_CODE_RESTART		(-39)	/* QNX 7 */
#define _PULSE_CODE_NORESTART		(-40)	/* QNX 7 */
#define _PULSE_CODE_UNBLOCK_RESTART	(-41)	/* QNX 7 */
#define _PULSE_CODE_UNBLOCK_TIMER	(-42)	/* QNX 7 */
#define _PULSE_CODE_PIPE_INPUT		(-43)	/* QNX 8 */
#define _PULSE_CODE_PIPE_OUTPUT		(-44)	/* QNX 8 */
#define _PULSE_CODE_MINAVAIL		0
#define _PULSE_CODE_MAXAVAIL		127

/* QNX's pulse-priority flags; qchan's MsgSendPulse takes -1 or 0..255 only. */
#define _NTO_PULSE_IF_UNIQUE		0x1000
#define _NTO_PULSE_REPLACE		0x2000

/*
 * 16 bytes on 32-bit targets, 24 on 64-bit ones, as on QNX: the first
 * fields overlay the type and subtype of every message, which is what lets
 * a server switch on msg.hdr.type or msg.pulse.code of one receive buffer.
 */
struct _pulse {
	_Uint16t	type;
	_Uint16t	subtype;
	_Int8t		code;
	_Uint8t		zero[3];
#ifdef SIGEV_NONE	/* <signal.h> declares union sigval (POSIX.1b visible) */
	union sigval	value;
#else
	union {
		int	sival_int;
		void	*sival_ptr;
	}		value;
#endif
	_Int32t		scoid;
};

/* Channels. */
extern int ChannelCreate(unsigned __flags);
extern int ChannelCreate_r(unsigned __flags);
extern int ChannelDestroy(int __chid);
extern int ChannelDestroy_r(int __chid);

/* Connections. */
extern int ConnectAttach(_Uint32t __nd, pid_t __pid, int __chid, unsigned __index, int __flags);
extern int ConnectAttach_r(_Uint32t __nd, pid_t __pid, int __chid, unsigned __index, int __flags);
extern int ConnectDetach(int __coid);
extern int ConnectDetach_r(int __coid);
extern int ConnectFlags(pid_t __pid, int __coid, unsigned __mask, unsigned __bits);
extern int ConnectFlags_r(pid_t __pid, int __coid, unsigned __mask, unsigned __bits);

/*
 * ConnectClientInfo: the credentials of the client process behind a server
 * connection (scoid from _msg_info, or -1 for the caller), ids mapped into
 * the caller's user namespace.  grouplist holds NGROUPS_MAX entries, so the
 * QNX idiom ConnectClientInfo(scoid, &info, NGROUPS_MAX) is safe; ngroups 0
 * only counts the groups.  cred.ngroups: the groups stored (with ngroups 0,
 * the client's number of groups).  flags is 0 and sid the client's session.
 */
#define __QCHAN_NGROUPS_MAX	65536	/* Linux's NGROUPS_MAX (<limits.h>, POSIX) */

struct _cred_info {
	uid_t		ruid;
	uid_t		euid;
	uid_t		suid;
	gid_t		rgid;
	gid_t		egid;
	gid_t		sgid;
	_Uint32t	ngroups;
	gid_t		grouplist[__QCHAN_NGROUPS_MAX];
};

struct _client_info {
	_Uint32t	nd;		/* the client's node: ND_LOCAL_NODE, or a Qnet client's */
	pid_t		pid;		/* in the caller's pid namespace */
	pid_t		sid;
	_Uint32t	flags;
	struct _cred_info cred;
};

extern int ConnectClientInfo(int __scoid, struct _client_info *__info, int __ngroups);
extern int ConnectClientInfo_r(int __scoid, struct _client_info *__info, int __ngroups);
/*
 * ConnectServerInfo: the caller's own connection with the lowest coid >=
 * @coid (pid 0 or the caller's; other processes: ESRCH): returns that coid
 * and fills pid, chid, scoid and coid of @info (the rest 0).
 */
extern int ConnectServerInfo(pid_t __pid, int __coid, struct _server_info *__info);
extern int ConnectServerInfo_r(pid_t __pid, int __coid, struct _server_info *__info);

/*
 * Sending.  The "nc" variants are the same calls: in qchan no Msg* call is a
 * cancellation point.
 */
extern long MsgSend(int __coid, const void *__smsg, size_t __sbytes, void *__rmsg, size_t __rbytes);
extern long MsgSend_r(int __coid, const void *__smsg, size_t __sbytes, void *__rmsg, size_t __rbytes);
extern long MsgSendnc(int __coid, const void *__smsg, size_t __sbytes, void *__rmsg, size_t __rbytes);
extern long MsgSendnc_r(int __coid, const void *__smsg, size_t __sbytes, void *__rmsg, size_t __rbytes);
extern long MsgSendsv(int __coid, const void *__smsg, size_t __sbytes, const iov_t *__riov, size_t __rparts);
extern long MsgSendsv_r(int __coid, const void *__smsg, size_t __sbytes, const iov_t *__riov, size_t __rparts);
extern long MsgSendsvnc(int __coid, const void *__smsg, size_t __sbytes, const iov_t *__riov, size_t __rparts);
extern long MsgSendsvnc_r(int __coid, const void *__smsg, size_t __sbytes, const iov_t *__riov, size_t __rparts);
extern long MsgSendvs(int __coid, const iov_t *__siov, size_t __sparts, void *__rmsg, size_t __rbytes);
extern long MsgSendvs_r(int __coid, const iov_t *__siov, size_t __sparts, void *__rmsg, size_t __rbytes);
extern long MsgSendvsnc(int __coid, const iov_t *__siov, size_t __sparts, void *__rmsg, size_t __rbytes);
extern long MsgSendvsnc_r(int __coid, const iov_t *__siov, size_t __sparts, void *__rmsg, size_t __rbytes);
extern long MsgSendv(int __coid, const iov_t *__siov, size_t __sparts, const iov_t *__riov, size_t __rparts);
extern long MsgSendv_r(int __coid, const iov_t *__siov, size_t __sparts, const iov_t *__riov, size_t __rparts);
extern long MsgSendvnc(int __coid, const iov_t *__siov, size_t __sparts, const iov_t *__riov, size_t __rparts);
extern long MsgSendvnc_r(int __coid, const iov_t *__siov, size_t __sparts, const iov_t *__riov, size_t __rparts);

/* Receiving. */
extern int MsgReceive(int __chid, void *__msg, size_t __bytes, struct _msg_info *__info);
extern int MsgReceive_r(int __chid, void *__msg, size_t __bytes, struct _msg_info *__info);
extern int MsgReceivev(int __chid, const iov_t *__iov, size_t __parts, struct _msg_info *__info);
extern int MsgReceivev_r(int __chid, const iov_t *__iov, size_t __parts, struct _msg_info *__info);

/* Replying: EOK on success. */
extern int MsgReply(int __rcvid, long __status, const void *__msg, size_t __bytes);
extern int MsgReply_r(int __rcvid, long __status, const void *__msg, size_t __bytes);
extern int MsgReplyv(int __rcvid, long __status, const iov_t *__iov, size_t __parts);
extern int MsgReplyv_r(int __rcvid, long __status, const iov_t *__iov, size_t __parts);
extern int MsgError(int __rcvid, int __err);
extern int MsgError_r(int __rcvid, int __err);

/* The client's buffers while it is REPLY-blocked: bytes moved. */
extern ssize_t MsgRead(int __rcvid, void *__msg, size_t __bytes, size_t __offset);
extern ssize_t MsgRead_r(int __rcvid, void *__msg, size_t __bytes, size_t __offset);
extern ssize_t MsgReadv(int __rcvid, const iov_t *__iov, size_t __parts, size_t __offset);
extern ssize_t MsgReadv_r(int __rcvid, const iov_t *__iov, size_t __parts, size_t __offset);
extern ssize_t MsgWrite(int __rcvid, const void *__msg, size_t __bytes, size_t __offset);
extern ssize_t MsgWrite_r(int __rcvid, const void *__msg, size_t __bytes, size_t __offset);
extern ssize_t MsgWritev(int __rcvid, const iov_t *__iov, size_t __parts, size_t __offset);
extern ssize_t MsgWritev_r(int __rcvid, const iov_t *__iov, size_t __parts, size_t __offset);

extern int MsgInfo(int __rcvid, struct _msg_info *__info);
extern int MsgInfo_r(int __rcvid, struct _msg_info *__info);

/* Pulses: EOK, or -1/errno (EAGAIN: the channel holds its limit of pulses). */
extern int MsgSendPulse(int __coid, int __priority, int __code, int __value);
extern int MsgSendPulse_r(int __coid, int __priority, int __code, int __value);
extern int MsgSendPulsePtr(int __coid, int __priority, int __code, void *__value);
extern int MsgSendPulsePtr_r(int __coid, int __priority, int __code, void *__value);
/* Pulses only (messages stay queued): 0 on success. */
extern int MsgReceivePulse(int __chid, void *__pulse, size_t __bytes, struct _msg_info *__info);
extern int MsgReceivePulse_r(int __chid, void *__pulse, size_t __bytes,
			     struct _msg_info *__info);
extern int MsgReceivePulsev(int __chid, const iov_t *__iov, size_t __parts,
			    struct _msg_info *__info);
extern int MsgReceivePulsev_r(int __chid, const iov_t *__iov, size_t __parts,
			      struct _msg_info *__info);

/*
 * Events (QNX 7.0.1+ secure events included).  MsgDeliverEvent(rcvid, ev)
 * delivers @ev to the client that sent the message @rcvid, during the
 * message or after the reply, while the client still has a connection to
 * the channel (ESRCH: no such client connection; EBADF: the client
 * detached).  SIGEV_PULSE goes through the client's own coid sigev_coid;
 * SIGEV_SIGNAL, SIGEV_SIGNAL_CODE to the client process,
 * SIGEV_SIGNAL_THREAD to the thread that sent the message; SIGEV_NONE
 * does nothing; the other kinds are EINVAL.  MsgRegisterEvent(ev, coid)
 * turns @ev into a handle event (SIGEV_FLAG_HANDLE, sigev_handle) only the
 * server of @coid (any server with -1) may deliver (EACCES otherwise).
 * MsgVerifyEvent checks what MsgDeliverEvent would, delivering nothing
 * (rcvid 0: the event's form only).
 */
struct sigevent;
extern int MsgDeliverEvent(int __rcvid, const struct sigevent *__event);
extern int MsgDeliverEvent_r(int __rcvid, const struct sigevent *__event);
extern int MsgVerifyEvent(int __rcvid, const struct sigevent *__event);
extern int MsgVerifyEvent_r(int __rcvid, const struct sigevent *__event);
extern int MsgRegisterEvent(struct sigevent *__event, int __coid);
extern int MsgRegisterEvent_r(struct sigevent *__event, int __coid);
extern int MsgUnregisterEvent(const struct sigevent *__event);
extern int MsgUnregisterEvent_r(const struct sigevent *__event);

/*
 * Kernel timeouts.  TimerTimeout arms a one-shot timeout for the calling
 * thread's next libchan call: a MsgSend* blocked in a state of @flags, a
 * MsgReceive* (_NTO_TIMEOUT_RECEIVE) or, with the libc overlay's
 * <pthread.h>, a pthread_join (_NTO_TIMEOUT_JOIN) fails with ETIMEDOUT when
 * it expires, and that call clears it whatever it does (any libchan call
 * does; other system calls do not).  @ntime is
 * relative, or absolute with TIMER_ABSTIME; NULL makes the next call poll
 * (MsgReceive takes what is queued, else ETIMEDOUT; MsgSend is never
 * delivered unless a server is waiting).  @notify is NULL or a
 * SIGEV_UNBLOCK event (<sys/siginfo.h>).  _NTO_TIMEOUT_NANOSLEEP sleeps
 * at once until @ntime; a signal handler ends the sleep with EINTR and the
 * time left in @otime (written in no other case).  Returns the flags of a
 * timeout armed before and not used (0: none).  @id: CLOCK_MONOTONIC
 * or CLOCK_REALTIME.  On an _NTO_CHF_UNBLOCK channel a REPLY timeout does not
 * fail the send: the server gets the unblock pulse and its reply ends the
 * call, as QNX documents.
 */
#define _NTO_TIMEOUT_SEND		(1u << 4)	/* STATE_SEND */
#define _NTO_TIMEOUT_RECEIVE		(1u << 5)	/* STATE_RECEIVE */
#define _NTO_TIMEOUT_REPLY		(1u << 6)	/* STATE_REPLY */
#define _NTO_TIMEOUT_NANOSLEEP		(1u << 12)	/* STATE_NANOSLEEP */
#define _NTO_TIMEOUT_JOIN		(1u << 15)	/* STATE_JOIN */

extern int TimerTimeout(clockid_t __id, int __flags, const struct sigevent *__notify,
			const uint64_t *__ntime, uint64_t *__otime);
extern int TimerTimeout_r(clockid_t __id, int __flags, const struct sigevent *__notify,
			  const uint64_t *__ntime, uint64_t *__otime);

/*
 * Timers whose expiry is a pulse.  TimerCreate takes a SIGEV_PULSE event
 * only (EINVAL otherwise: glibc's timer_create serves the other kinds) on
 * CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME, and returns the timer's
 * id; TimerSettime arms it (nsec 0 disarms; flags: TIMER_ABSTIME), returning
 * the old setting in @oitime if not NULL.  A timer has one pulse: expiries
 * while it is still queued count as overruns (timer_getoverrun() through
 * the libc overlay's <time.h>).  The timers go with the process.
 */
struct _itimer {
	uint64_t nsec;
	uint64_t interval_nsec;
};

extern int TimerCreate(clockid_t __id, const struct sigevent *__event);
extern int TimerCreate_r(clockid_t __id, const struct sigevent *__event);
extern int TimerSettime(timer_t __id, int __flags, const struct _itimer *__itime,
			struct _itimer *__oitime);
extern int TimerSettime_r(timer_t __id, int __flags, const struct _itimer *__itime,
			  struct _itimer *__oitime);
extern int TimerDestroy(timer_t __id);
extern int TimerDestroy_r(timer_t __id);

/*
 * ClockPeriod: @old gets the resolution of clock @id (clock_getres()); a
 * new period cannot be set on Linux (EPERM).  @reserved: 0.
 */
struct _clockperiod {
	unsigned long	nsec;
	long		fract;
};

/*
 * SchedGet: the scheduling policy (SCHED_OTHER, SCHED_FIFO, SCHED_RR: Linux's
 * values) and, with @param, the priority of thread @tid (Linux tid; 0: the
 * caller) of process @pid (0: the caller's).
 */
extern int SchedGet(pid_t __pid, int __tid, struct sched_param *__param);
extern int SchedGet_r(pid_t __pid, int __tid, struct sched_param *__param);

extern int ClockPeriod(clockid_t __id, const struct _clockperiod *__new,
		       struct _clockperiod *__old, int __reserved);
extern int ClockPeriod_r(clockid_t __id, const struct _clockperiod *__new,
			 struct _clockperiod *__old, int __reserved);

/*
 * TimerInfo: a timer of the caller's (pid 0 or getpid(), else ESRCH), as
 * QNX's struct _timer_info describes it: itime the absolute expiry on the
 * timer's clock (0: disarmed) and the interval, otime the time left and the
 * interval, flags _NTO_TI_ACTIVE while armed, _NTO_TI_ABSOLUTE when armed
 * with TIMER_ABSTIME (and _NTO_TI_TARGET_PROCESS), notify SIGEV_PULSE,
 * event the SIGEV_PULSE event the timer was created with (coid, priority,
 * code, value), clockid, overruns.  Returns the timer's id: with
 * _NTO_TIMER_SEARCH, the first timer from @id on.  _NTO_TIMER_RESET_OVERRUNS
 * restarts the overrun count after reporting it.
 */
#define _NTO_TIMER_SEARCH		0x00000001
#define _NTO_TIMER_RESET_OVERRUNS	0x00000002

#define _NTO_TI_ACTIVE			0x00000001
#define _NTO_TI_ABSOLUTE		0x00000002
#define _NTO_TI_EXPIRED			0x00000004
#define _NTO_TI_TOD_BASED		0x00000008
#define _NTO_TI_TARGET_PROCESS		0x00000010

#ifdef SIGEV_NONE	/* <signal.h> declares struct sigevent (POSIX.1b visible) */
struct _timer_info {
	struct _itimer	itime;
	struct _itimer	otime;
	_Uint32t	flags;
	_Int32t		tid;
	_Int32t		notify;
	clockid_t	clockid;
	_Uint32t	overruns;
	struct sigevent	event;
};

extern int TimerInfo(pid_t __pid, timer_t __id, int __flags, struct _timer_info *__info);
extern int TimerInfo_r(pid_t __pid, timer_t __id, int __flags, struct _timer_info *__info);
#endif

#ifdef __cplusplus
}
#endif

#endif /* _SYS_NEUTRINO_H_INCLUDED */
