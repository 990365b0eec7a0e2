// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compiled (never run) in strict modes by "make -C lib check": a QNX
 * program's view of <sys/neutrino.h> and <sys/dispatch.h> must compile with
 * -std=c99 -pedantic, -std=gnu11 and as C++, and every prototype must match
 * QNX 7's (assigning each function to a pointer of the QNX type checks it).
 */
#include <sys/neutrino.h>
#include <sys/dispatch.h>
#include <sys/netmgr.h>

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

int headers_test(void);
int headers_test(void)
{
	recv_buf_t buf;
	iov_t iov;
	struct _msg_info info;
	rcvid_t rcvid;
	int coid = ConnectAttach(ND_LOCAL_NODE, 0, 1, _NTO_SIDE_CHANNEL, _NTO_COF_CLOEXEC);

	SETIOV(&iov, &buf, sizeof(buf));
	rcvid = MsgReceivev(1, &iov, 1, &info);
	if (rcvid == 0 && buf.pulse.code == _PULSE_CODE_DISCONNECT)
		return ConnectDetach(buf.pulse.scoid);
	if (info.flags & _NTO_MI_UNBLOCK_REQ)
		return MsgError(rcvid, ESRVRFAULT);
	return MsgReply(rcvid, EOK, GETIOVBASE(&iov), GETIOVLEN(&iov)) + coid;
}
