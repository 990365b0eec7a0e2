// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compiled (never run) in strict modes by "make -C lib check": a QNX
 * program's view of libchan's headers must compile with -std=c99 -pedantic,
 * -std=gnu11 and as C++, with and without the libc overlay; every prototype
 * must match QNX 7's (assigning each function to a pointer of the QNX type
 * checks it) and every constant must have QNX's value (programs print and
 * compare them).
 */
#include <errno.h>
#include <stddef.h>
#include <sys/neutrino.h>
#include <sys/dispatch.h>
#include <sys/netmgr.h>
#include <sys/iomsg.h>
#include <sys/iofunc.h>
#include <sys/resmgr.h>
#include <sys/siginfo.h>
#include <process.h>
#include <devctl.h>

/* A compile-time check that works in C99 and C++98 alike. */
#define QNX_VALUE(name, value) typedef char check_##name[(name) == (value) ? 1 : -1]
#define QNX_SIZE(type, tag, size) typedef char size_##tag[sizeof(type) == (size) ? 1 : -1]

/* The handler tables: QNX 7's sizes, the I/O entries in _IO_* order. */
#define QNX_ASSERT(tag, cond) typedef char assert_##tag[(cond) ? 1 : -1]
QNX_ASSERT(connect_nfuncs, _RESMGR_CONNECT_NFUNCS == 8);
QNX_ASSERT(io_nfuncs, _RESMGR_IO_NFUNCS == _IO_UTIME64 - _IO_READ + 1);
QNX_ASSERT(io_devctl, offsetof(resmgr_io_funcs_t, devctl) - offsetof(resmgr_io_funcs_t, read) ==
	   (_IO_DEVCTL - _IO_READ) * sizeof(void *));
QNX_ASSERT(io_close, offsetof(resmgr_io_funcs_t, close_dup) - offsetof(resmgr_io_funcs_t, read) ==
	   (_IO_CLOSE - _IO_READ) * sizeof(void *));
QNX_ASSERT(io_utime64, offsetof(resmgr_io_funcs_t, utime64) - offsetof(resmgr_io_funcs_t, read) ==
	   (_IO_UTIME64 - _IO_READ) * sizeof(void *));
QNX_ASSERT(iofunc_nfuncs, _IOFUNC_NFUNCS == 5);
QNX_ASSERT(nparts, _RESMGR_NPARTS(2) == -2);
QNX_VALUE(IOFUNC_ATTR_MTIME, 1);
QNX_VALUE(IOFUNC_ATTR_ATIME, 2);
QNX_VALUE(IOFUNC_ATTR_CTIME, 4);
QNX_ASSERT(getflags, (unsigned)DCMD_ALL_GETFLAGS == 0x40040101u);
QNX_ASSERT(setflags, (unsigned)DCMD_ALL_SETFLAGS == 0x80040102u);
QNX_VALUE(_NTO_TIMEOUT_NANOSLEEP, 0x1000);
QNX_VALUE(_NTO_TIMER_SEARCH, 1);
QNX_VALUE(_NTO_TIMER_RESET_OVERRUNS, 2);
QNX_VALUE(_NTO_TI_ACTIVE, 1);
QNX_VALUE(_NTO_TI_ABSOLUTE, 2);
QNX_VALUE(_NTO_TI_EXPIRED, 4);
QNX_VALUE(_NTO_TI_TOD_BASED, 8);
QNX_VALUE(_NTO_TI_TARGET_PROCESS, 0x10);
QNX_VALUE(_IO_BASE, 0x100);
QNX_VALUE(_IO_MAX, 0x1ff);
QNX_VALUE(_IO_CONNECT, 0x100);
QNX_VALUE(_IO_READ, 0x101);
QNX_VALUE(_IO_WRITE, 0x102);
QNX_VALUE(_IO_STAT, 0x104);
QNX_VALUE(_IO_NOTIFY, 0x105);
QNX_VALUE(_IO_DEVCTL, 0x106);
QNX_VALUE(_IO_PATHCONF, 0x108);
QNX_VALUE(_IO_LSEEK, 0x109);
QNX_VALUE(_IO_UTIME, 0x10c);
QNX_VALUE(_IO_LOCK, 0x10f);
QNX_VALUE(_IO_MMAP, 0x112);
QNX_VALUE(_IO_MSG, 0x113);
QNX_VALUE(_IO_DUP, 0x115);
QNX_VALUE(_IO_CLOSE, 0x116);
QNX_VALUE(_IO_SYNC, 0x119);
QNX_VALUE(_IO_POWER, 0x11a);
QNX_VALUE(_IO_ACL, 0x11b);
QNX_VALUE(_IO_READ64, 0x11e);
QNX_VALUE(_IO_WRITE64, 0x11f);
QNX_VALUE(_IO_NOTIFY64, 0x120);
QNX_VALUE(_IO_UTIME64, 0x121);
QNX_VALUE(_IO_XTYPE_OFFSET, 5);
QNX_VALUE(_IO_XTYPE_READDIR, 9);
QNX_VALUE(_IO_XFLAG_NONBLOCK, 0x4000);
QNX_VALUE(_IO_CONNECT_OPEN, 2);
QNX_VALUE(_IO_CONNECT_MOUNT, 9);
QNX_VALUE(_IO_CONNECT_EXTRA_TYMEM, 12);
QNX_VALUE(_PULSE_TYPE, 0);
QNX_VALUE(_PULSE_SUBTYPE, 0);
QNX_VALUE(_PULSE_CODE_UNBLOCK, -32);
QNX_VALUE(_PULSE_CODE_DISCONNECT, -33);
QNX_VALUE(_PULSE_CODE_THREADDEATH, -34);
QNX_VALUE(_PULSE_CODE_COIDDEATH, -35);
QNX_VALUE(_PULSE_CODE_NET_ACK, -36);
QNX_VALUE(_PULSE_CODE_NET_UNBLOCK, -37);
QNX_VALUE(_PULSE_CODE_NET_DETACH, -38);
QNX_VALUE(_PULSE_CODE_RESTART, -39);
QNX_VALUE(_PULSE_CODE_NORESTART, -40);
QNX_VALUE(_PULSE_CODE_UNBLOCK_RESTART, -41);
QNX_VALUE(_PULSE_CODE_UNBLOCK_TIMER, -42);
QNX_VALUE(_PULSE_CODE_PIPE_INPUT, -43);
QNX_VALUE(_PULSE_CODE_PIPE_OUTPUT, -44);
QNX_VALUE(_PULSE_CODE_MINAVAIL, 0);
QNX_VALUE(_PULSE_CODE_MAXAVAIL, 127);
QNX_VALUE(_NTO_PULSE_IF_UNIQUE, 0x1000);
QNX_VALUE(_NTO_PULSE_REPLACE, 0x2000);
QNX_VALUE(_NTO_CHF_FIXED_PRIORITY, 0x0001);
QNX_VALUE(_NTO_CHF_UNBLOCK, 0x0002);
QNX_VALUE(_NTO_CHF_THREAD_DEATH, 0x0004);
QNX_VALUE(_NTO_CHF_DISCONNECT, 0x0008);
QNX_VALUE(_NTO_CHF_SENDER_LEN, 0x0020);
QNX_VALUE(_NTO_CHF_COID_DISCONNECT, 0x0040);
QNX_VALUE(_NTO_CHF_REPLY_LEN, 0x0080);
QNX_VALUE(_NTO_CHF_PRIVATE, 0x1000);
QNX_VALUE(_NTO_COF_CLOEXEC, 0x0001);
QNX_VALUE(_NTO_SIDE_CHANNEL, 0x40000000);
QNX_VALUE(_NTO_MI_ENDIAN_BIG, 0x0001);
QNX_VALUE(_NTO_MI_ENDIAN_DIFF, 0x0002);
QNX_VALUE(_NTO_MI_UNBLOCK_REQ, 0x0100);
QNX_VALUE(_NTO_MI_NET_CRED_DIRTY, 0x0200);
QNX_VALUE(_IO_FLAG_RD, 1);
QNX_VALUE(_IO_FLAG_WR, 2);
QNX_VALUE(_IO_COMBINE_FLAG, 0x8000);
QNX_VALUE(_RESMGR_NOREPLY, 0x80000000u);
QNX_VALUE(_RESMGR_DEFAULT, 0x80000001u);
QNX_VALUE(_RESMGR_FLAG_DIR, 0x0100);

/* Message headers are 16 bytes, as their users' offsets assume. */
QNX_SIZE(struct _io_read, io_read, 16);
QNX_SIZE(struct _io_write, io_write, 16);
QNX_SIZE(struct _io_devctl, io_devctl, 16);
QNX_SIZE(struct _io_msg, io_msg, 8);
QNX_SIZE(struct _msg_info64, msg_info64, 64);

/* The name_attach server's buffer: a pulse, a connect or an own message. */
typedef struct _pulse msg_header_t;
typedef union {
	msg_header_t hdr;
	struct _pulse pulse;
	struct _io_connect connect;
	io_read_t read;
	io_write_t write;
	io_msg_t iomsg;
	struct {
		msg_header_t hdr;
		int data;
	} own;
} server_msg_t;

typedef union {
	struct _pulse pulse;
	struct {
		_Uint16t type;
		char text[64];
	} msg;
} recv_buf_t;

int (*p_ChannelCreate)(unsigned) = ChannelCreate;
int (*p_ChannelDestroy)(int) = ChannelDestroy;
int (*p_ConnectAttach)(_Uint32t, pid_t, int, unsigned, int) = ConnectAttach;
int (*p_ConnectDetach)(int) = ConnectDetach;
int (*p_ConnectFlags)(pid_t, int, unsigned, unsigned) = ConnectFlags;
long (*p_MsgSend)(int, const void *, size_t, void *, size_t) = MsgSend;
long (*p_MsgSendnc)(int, const void *, size_t, void *, size_t) = MsgSendnc;
long (*p_MsgSendsv)(int, const void *, size_t, const iov_t *, size_t) = MsgSendsv;
long (*p_MsgSendvs)(int, const iov_t *, size_t, void *, size_t) = MsgSendvs;
long (*p_MsgSendv)(int, const iov_t *, size_t, const iov_t *, size_t) = MsgSendv;
long (*p_MsgSendvnc)(int, const iov_t *, size_t, const iov_t *, size_t) = MsgSendvnc;
int (*p_MsgReceive)(int, void *, size_t, struct _msg_info *) = MsgReceive;
int (*p_MsgReceivev)(int, const iov_t *, size_t, struct _msg_info *) = MsgReceivev;
int (*p_MsgReply)(int, long, const void *, size_t) = MsgReply;
int (*p_MsgReplyv)(int, long, const iov_t *, size_t) = MsgReplyv;
int (*p_MsgError)(int, int) = MsgError;
ssize_t (*p_MsgRead)(int, void *, size_t, size_t) = MsgRead;
ssize_t (*p_MsgReadv)(int, const iov_t *, size_t, size_t) = MsgReadv;
ssize_t (*p_MsgWrite)(int, const void *, size_t, size_t) = MsgWrite;
ssize_t (*p_MsgWritev)(int, const iov_t *, size_t, size_t) = MsgWritev;
int (*p_MsgInfo)(int, struct _msg_info *) = MsgInfo;
int (*p_TimerTimeout)(clockid_t, int, const struct sigevent *, const uint64_t *, uint64_t *) =
	TimerTimeout;
#ifdef SIGEV_NONE
int (*p_TimerInfo)(pid_t, timer_t, int, struct _timer_info *) = TimerInfo;
#endif

int (*p_ConnectClientInfo)(int, struct _client_info *, int) = ConnectClientInfo;
int (*p_ConnectServerInfo)(pid_t, int, struct _server_info *) = ConnectServerInfo;
name_attach_t *(*p_name_attach)(dispatch_t *, const char *, unsigned) = name_attach;
int (*p_name_detach)(name_attach_t *, unsigned) = name_detach;
int (*p_name_open)(const char *, int) = name_open;
int (*p_name_close)(int) = name_close;
QNX_VALUE(_FTYPE_NAME, 12);
QNX_VALUE(NAME_FLAG_ATTACH_GLOBAL, 0x2);
QNX_VALUE(NAME_FLAG_DETACH_SAVEDPP, 0x1);
QNX_VALUE(_NOTIFY_COND_EXTEN, 0x80000000);
QNX_VALUE(_NOTIFY_COND_OBAND, 0x40000000);
QNX_VALUE(_NOTIFY_COND_OUTPUT, 0x20000000);
QNX_VALUE(_NOTIFY_COND_INPUT, 0x10000000);
QNX_VALUE(_NOTIFY_ACTION_TRANARM, 0);
QNX_VALUE(_NOTIFY_ACTION_CONDARM, 1);
QNX_VALUE(_NOTIFY_ACTION_POLL, 2);
QNX_VALUE(_NOTIFY_ACTION_POLLARM, 3);
QNX_VALUE(IOFUNC_NOTIFY_INPUT, 0);
QNX_VALUE(IOFUNC_NOTIFY_OUTPUT, 1);
QNX_VALUE(IOFUNC_NOTIFY_OBAND, 2);
int (*p_iofunc_notify)(resmgr_context_t *, io_notify_t *, iofunc_notify_t *, int, const int *,
		       int *) = iofunc_notify;
void (*p_iofunc_notify_trigger)(iofunc_notify_t *, int, int) = iofunc_notify_trigger;
void (*p_iofunc_notify_remove)(resmgr_context_t *, iofunc_notify_t *) = iofunc_notify_remove;
QNX_VALUE(S_IFNAM, 0x5000);
QNX_VALUE(POOL_FLAG_EXIT_SELF, 0x1);
QNX_VALUE(POOL_FLAG_USE_SELF, 0x2);
QNX_VALUE(THREAD_POOL_CONTROL_HIWATER, 0x1);
QNX_VALUE(THREAD_POOL_CONTROL_LOWATER, 0x2);
QNX_VALUE(THREAD_POOL_CONTROL_MAXIMUM, 0x4);
QNX_VALUE(THREAD_POOL_CONTROL_INCREMENT, 0x8);
QNX_VALUE(THREAD_POOL_CONTROL_NONBLOCK, 0x4000);
/* QNX's thread_pool_attr_t: six callbacks, the attr, then four unsigned shorts. */
QNX_ASSERT(pool_lo_water, offsetof(thread_pool_attr_t, lo_water) == 7 * sizeof(void *));
QNX_ASSERT(pool_maximum, offsetof(thread_pool_attr_t, maximum) == 7 * sizeof(void *) + 6);
void (*p_dispatch_unblock)(dispatch_context_t *) = dispatch_unblock;
thread_pool_t *(*p_thread_pool_create)(thread_pool_attr_t *, unsigned) = thread_pool_create;
int (*p_thread_pool_start)(void *) = thread_pool_start;
int (*p_thread_pool_destroy)(thread_pool_t *) = thread_pool_destroy;
int (*p_thread_pool_control)(thread_pool_t *, thread_pool_attr_t *, _Uint16t, _Uint16t,
			     unsigned) = thread_pool_control;
int (*p_thread_pool_limits)(thread_pool_t *, int, int, int, int, unsigned) = thread_pool_limits;

int headers_test(void);
int headers_test(void)
{
	recv_buf_t buf;
	iov_t iov;
	struct _msg_info info;
	rcvid_t rcvid;
	int coid = ConnectAttach(ND_LOCAL_NODE, 0, 1, _NTO_SIDE_CHANNEL, _NTO_COF_CLOEXEC);

	SETIOV(&iov, &buf, sizeof(buf));
	TimerTimeout(0 /* CLOCK_REALTIME */, _NTO_TIMEOUT_RECEIVE | _NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY |
		     _NTO_TIMEOUT_JOIN, NULL, NULL, NULL);
	rcvid = MsgReceivev(1, &iov, 1, &info);
	if (rcvid == 0 && buf.pulse.code == _PULSE_CODE_UNBLOCK)
		return MsgError(buf.pulse.value.sival_int, ESRVRFAULT);
	if (rcvid == 0 && buf.pulse.code == _PULSE_CODE_DISCONNECT)
		return ConnectDetach(buf.pulse.scoid);
	if (info.flags & _NTO_MI_UNBLOCK_REQ)
		return MsgError(rcvid, ESRVRFAULT);
	{
		server_msg_t msg;

		if (MsgReceive(1, &msg, sizeof(msg), NULL) == 0 &&
		    msg.hdr.code == _PULSE_CODE_DISCONNECT)
			return ConnectDetach(msg.hdr.scoid);
		if (msg.hdr.type == _IO_CONNECT)
			return MsgReply(rcvid, EOK, NULL, 0);
		if (msg.hdr.type > _IO_BASE && msg.hdr.type <= _IO_MAX)
			return MsgError(rcvid, ENOSYS);
		if ((msg.read.i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE)
			return MsgError(rcvid, ENOSYS);
		if (msg.iomsg.i.mgrid == 0)
			return (int)_RESMGR_ERRNO(EINVAL);
	}
	return MsgReply(rcvid, EOK, GETIOVBASE(&iov), GETIOVLEN(&iov)) + coid;
}
