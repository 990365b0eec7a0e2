// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compiled (never run) by "make -C lib check" twice: natively and with -m32
 * (M32=1).  A 32-bit process reaches the module through compat_ioctl with
 * the very same argument blocks, so every struct of uapi/linux/qchan.h must
 * have the same size and every field the same offset on x86-64 and i386,
 * where a __u64 is only 4-byte aligned: a field added without explicit
 * padding would shift on one side only and change the ioctl number (which
 * encodes the size) or, worse, silently move the fields after it.  The
 * offsets below are absolute, so each build checks itself against the one
 * layout the module was written for.
 *
 * The QNX types of <sys/neutrino.h> are checked against QNX's own layout
 * for the target: struct _msg_info is the same everywhere (QNX 7's
 * _msg_info32), iov_t and struct _pulse follow the pointer size, as on QNX.
 */
#include <stddef.h>
#include <stdint.h>
#include <signal.h>

#include <linux/qchan.h>
#include <sys/neutrino.h>

#define FIELD(type, field, off, size)						\
	_Static_assert(offsetof(type, field) == (off) &&			\
		       sizeof(((type *)0)->field) == (size), #type "." #field)
#define SIZE(type, size)	_Static_assert(sizeof(type) == (size), "sizeof " #type)

/* The ioctl numbers carry the size: equal sizes give equal commands. */
_Static_assert(QCHAN_IOC_MSG_SEND == 0xc03851b0, "QCHAN_IOC_MSG_SEND");
_Static_assert(QCHAN_IOC_MSG_REPLY_RECEIVE == 0xc07051b6, "QCHAN_IOC_MSG_REPLY_RECEIVE");
_Static_assert(QCHAN_IOC_MSG_SEND_PULSE == 0xc02851b7, "QCHAN_IOC_MSG_SEND_PULSE");

SIZE(struct qchan_features, 64);
FIELD(struct qchan_features, size, 0, 4);
FIELD(struct qchan_features, abi_version, 4, 4);
FIELD(struct qchan_features, features, 8, 8);
FIELD(struct qchan_features, max_iov, 16, 4);
FIELD(struct qchan_features, inline_max, 20, 4);
FIELD(struct qchan_features, flags, 24, 4);
FIELD(struct qchan_features, pad, 28, 4);
FIELD(struct qchan_features, reserved, 32, 32);

SIZE(struct qchan_channel_create, 24);
FIELD(struct qchan_channel_create, flags, 0, 4);
FIELD(struct qchan_channel_create, chid, 4, 4);
FIELD(struct qchan_channel_create, reserved, 8, 16);

SIZE(struct qchan_channel_destroy, 16);
FIELD(struct qchan_channel_destroy, chid, 0, 4);
FIELD(struct qchan_channel_destroy, flags, 4, 4);
FIELD(struct qchan_channel_destroy, reserved, 8, 8);

SIZE(struct qchan_connect_attach, 40);
FIELD(struct qchan_connect_attach, nd, 0, 4);
FIELD(struct qchan_connect_attach, pid, 4, 4);
FIELD(struct qchan_connect_attach, chid, 8, 4);
FIELD(struct qchan_connect_attach, flags, 12, 4);
FIELD(struct qchan_connect_attach, index, 16, 4);
FIELD(struct qchan_connect_attach, coid, 20, 4);
FIELD(struct qchan_connect_attach, reserved, 24, 16);

SIZE(struct qchan_connect_detach, 16);
FIELD(struct qchan_connect_detach, coid, 0, 4);
FIELD(struct qchan_connect_detach, flags, 4, 4);
FIELD(struct qchan_connect_detach, reserved, 8, 8);

SIZE(struct qchan_connect_query, 40);
FIELD(struct qchan_connect_query, coid, 0, 4);
FIELD(struct qchan_connect_query, flags, 4, 4);
FIELD(struct qchan_connect_query, pid, 8, 4);
FIELD(struct qchan_connect_query, chid, 12, 4);
FIELD(struct qchan_connect_query, coflags, 16, 4);
FIELD(struct qchan_connect_query, pad, 20, 4);
FIELD(struct qchan_connect_query, reserved, 24, 16);

SIZE(struct qchan_msg_send, 56);
FIELD(struct qchan_msg_send, coid, 0, 4);
FIELD(struct qchan_msg_send, flags, 4, 4);
FIELD(struct qchan_msg_send, send_parts, 8, 4);
FIELD(struct qchan_msg_send, reply_parts, 12, 4);
FIELD(struct qchan_msg_send, send_iov_ptr, 16, 8);
FIELD(struct qchan_msg_send, reply_iov_ptr, 24, 8);
FIELD(struct qchan_msg_send, status, 32, 8);
FIELD(struct qchan_msg_send, timeout, 40, 8);
FIELD(struct qchan_msg_send, timeout_clock, 48, 4);
FIELD(struct qchan_msg_send, reserved, 52, 4);

SIZE(struct qchan_msg_info, 48);
FIELD(struct qchan_msg_info, nd, 0, 4);
FIELD(struct qchan_msg_info, srcnd, 4, 4);
FIELD(struct qchan_msg_info, pid, 8, 4);
FIELD(struct qchan_msg_info, tid, 12, 4);
FIELD(struct qchan_msg_info, chid, 16, 4);
FIELD(struct qchan_msg_info, scoid, 20, 4);
FIELD(struct qchan_msg_info, coid, 24, 4);
FIELD(struct qchan_msg_info, msglen, 28, 4);
FIELD(struct qchan_msg_info, srcmsglen, 32, 4);
FIELD(struct qchan_msg_info, dstmsglen, 36, 4);
FIELD(struct qchan_msg_info, priority, 40, 2);
FIELD(struct qchan_msg_info, flags, 42, 2);
FIELD(struct qchan_msg_info, reserved, 44, 4);

SIZE(struct qchan_msg_receive, 56);
FIELD(struct qchan_msg_receive, chid, 0, 4);
FIELD(struct qchan_msg_receive, flags, 4, 4);
FIELD(struct qchan_msg_receive, parts, 8, 4);
FIELD(struct qchan_msg_receive, pad, 12, 4);
FIELD(struct qchan_msg_receive, iov_ptr, 16, 8);
FIELD(struct qchan_msg_receive, info_ptr, 24, 8);
FIELD(struct qchan_msg_receive, rcvid, 32, 4);
FIELD(struct qchan_msg_receive, bytes, 36, 4);
FIELD(struct qchan_msg_receive, timeout, 40, 8);
FIELD(struct qchan_msg_receive, timeout_clock, 48, 4);
FIELD(struct qchan_msg_receive, reserved, 52, 4);

SIZE(struct qchan_msg_reply, 48);
FIELD(struct qchan_msg_reply, rcvid, 0, 4);
FIELD(struct qchan_msg_reply, flags, 4, 4);
FIELD(struct qchan_msg_reply, status, 8, 8);
FIELD(struct qchan_msg_reply, parts, 16, 4);
FIELD(struct qchan_msg_reply, error, 20, 4);
FIELD(struct qchan_msg_reply, iov_ptr, 24, 8);
FIELD(struct qchan_msg_reply, reserved, 32, 16);

SIZE(struct qchan_msg_rw, 56);
FIELD(struct qchan_msg_rw, rcvid, 0, 4);
FIELD(struct qchan_msg_rw, flags, 4, 4);
FIELD(struct qchan_msg_rw, offset, 8, 8);
FIELD(struct qchan_msg_rw, parts, 16, 4);
FIELD(struct qchan_msg_rw, pad, 20, 4);
FIELD(struct qchan_msg_rw, iov_ptr, 24, 8);
FIELD(struct qchan_msg_rw, bytes, 32, 8);
FIELD(struct qchan_msg_rw, reserved, 40, 16);

SIZE(struct qchan_msg_info_get, 32);
FIELD(struct qchan_msg_info_get, rcvid, 0, 4);
FIELD(struct qchan_msg_info_get, flags, 4, 4);
FIELD(struct qchan_msg_info_get, info_ptr, 8, 8);
FIELD(struct qchan_msg_info_get, reserved, 16, 16);

SIZE(struct qchan_msg_reply_receive, 112);
FIELD(struct qchan_msg_reply_receive, reply, 0, 48);
FIELD(struct qchan_msg_reply_receive, receive, 48, 56);
FIELD(struct qchan_msg_reply_receive, reply_result, 104, 4);
FIELD(struct qchan_msg_reply_receive, pad, 108, 4);

SIZE(struct qchan_batch_reply, 56);
FIELD(struct qchan_batch_reply, reply, 0, 48);
FIELD(struct qchan_batch_reply, result, 48, 4);
FIELD(struct qchan_batch_reply, pad, 52, 4);

SIZE(struct qchan_batch_slot, 80);
FIELD(struct qchan_batch_slot, iov_ptr, 0, 8);
FIELD(struct qchan_batch_slot, parts, 8, 4);
FIELD(struct qchan_batch_slot, flags, 12, 4);
FIELD(struct qchan_batch_slot, reserved, 16, 8);
FIELD(struct qchan_batch_slot, rcvid, 24, 4);
FIELD(struct qchan_batch_slot, bytes, 28, 4);
FIELD(struct qchan_batch_slot, info, 32, 48);

SIZE(struct qchan_msg_reply_receive_batch, 64);
FIELD(struct qchan_msg_reply_receive_batch, chid, 0, 4);
FIELD(struct qchan_msg_reply_receive_batch, flags, 4, 4);
FIELD(struct qchan_msg_reply_receive_batch, nr_replies, 8, 4);
FIELD(struct qchan_msg_reply_receive_batch, nr_slots, 12, 4);
FIELD(struct qchan_msg_reply_receive_batch, replies_ptr, 16, 8);
FIELD(struct qchan_msg_reply_receive_batch, slots_ptr, 24, 8);
FIELD(struct qchan_msg_reply_receive_batch, timeout, 32, 8);
FIELD(struct qchan_msg_reply_receive_batch, timeout_clock, 40, 4);
FIELD(struct qchan_msg_reply_receive_batch, nr_received, 44, 4);
FIELD(struct qchan_msg_reply_receive_batch, reserved, 48, 16);

/* What a 64-bit receiver gets; a 32-bit one gets struct _pulse's 16-byte layout (below). */
SIZE(struct qchan_pulse, 24);
FIELD(struct qchan_pulse, type, 0, 2);
FIELD(struct qchan_pulse, subtype, 2, 2);
FIELD(struct qchan_pulse, code, 4, 1);
FIELD(struct qchan_pulse, zero, 5, 3);
FIELD(struct qchan_pulse, value, 8, 8);
FIELD(struct qchan_pulse, scoid, 16, 4);
FIELD(struct qchan_pulse, pad, 20, 4);

SIZE(struct qchan_pulse_send, 40);
FIELD(struct qchan_pulse_send, coid, 0, 4);
FIELD(struct qchan_pulse_send, flags, 4, 4);
FIELD(struct qchan_pulse_send, priority, 8, 4);
FIELD(struct qchan_pulse_send, code, 12, 4);
FIELD(struct qchan_pulse_send, value, 16, 8);
FIELD(struct qchan_pulse_send, reserved, 24, 16);

SIZE(struct qchan_sigevent, 48);
FIELD(struct qchan_sigevent, notify, 0, 4);
FIELD(struct qchan_sigevent, signo, 4, 4);
FIELD(struct qchan_sigevent, code, 8, 4);
FIELD(struct qchan_sigevent, priority, 12, 4);
FIELD(struct qchan_sigevent, value, 16, 8);
FIELD(struct qchan_sigevent, handle, 24, 4);
FIELD(struct qchan_sigevent, pad, 28, 4);
FIELD(struct qchan_sigevent, reserved, 32, 16);

SIZE(struct qchan_msg_deliver_event, 72);
FIELD(struct qchan_msg_deliver_event, rcvid, 0, 4);
FIELD(struct qchan_msg_deliver_event, flags, 4, 4);
FIELD(struct qchan_msg_deliver_event, event, 8, 48);
FIELD(struct qchan_msg_deliver_event, reserved, 56, 16);

SIZE(struct qchan_register_event, 72);
FIELD(struct qchan_register_event, coid, 0, 4);
FIELD(struct qchan_register_event, flags, 4, 4);
FIELD(struct qchan_register_event, event, 8, 48);
FIELD(struct qchan_register_event, reserved, 56, 16);

SIZE(struct qchan_timer_create, 48);
FIELD(struct qchan_timer_create, clock, 0, 4);
FIELD(struct qchan_timer_create, flags, 4, 4);
FIELD(struct qchan_timer_create, coid, 8, 4);
FIELD(struct qchan_timer_create, priority, 12, 4);
FIELD(struct qchan_timer_create, code, 16, 4);
FIELD(struct qchan_timer_create, timer_id, 20, 4);
FIELD(struct qchan_timer_create, value, 24, 8);
FIELD(struct qchan_timer_create, reserved, 32, 16);

SIZE(struct qchan_timer_destroy, 16);
FIELD(struct qchan_timer_destroy, timer_id, 0, 4);
FIELD(struct qchan_timer_destroy, flags, 4, 4);
FIELD(struct qchan_timer_destroy, reserved, 8, 8);

SIZE(struct qchan_timer_settime, 56);
FIELD(struct qchan_timer_settime, timer_id, 0, 4);
FIELD(struct qchan_timer_settime, flags, 4, 4);
FIELD(struct qchan_timer_settime, value, 8, 8);
FIELD(struct qchan_timer_settime, interval, 16, 8);
FIELD(struct qchan_timer_settime, old_value, 24, 8);
FIELD(struct qchan_timer_settime, old_interval, 32, 8);
FIELD(struct qchan_timer_settime, reserved, 40, 16);

SIZE(struct qchan_timer_info, 48);
FIELD(struct qchan_timer_info, timer_id, 0, 4);
FIELD(struct qchan_timer_info, flags, 4, 4);
FIELD(struct qchan_timer_info, value, 8, 8);
FIELD(struct qchan_timer_info, interval, 16, 8);
FIELD(struct qchan_timer_info, overrun, 24, 4);
FIELD(struct qchan_timer_info, clock, 28, 4);
FIELD(struct qchan_timer_info, event_value, 32, 8);
FIELD(struct qchan_timer_info, event_coid, 40, 4);
FIELD(struct qchan_timer_info, event_priority, 44, 2);
FIELD(struct qchan_timer_info, event_code, 46, 1);
FIELD(struct qchan_timer_info, info_flags, 47, 1);

SIZE(struct qchan_name_attach, 32);
FIELD(struct qchan_name_attach, name_ptr, 0, 8);
FIELD(struct qchan_name_attach, chid, 8, 4);
FIELD(struct qchan_name_attach, flags, 12, 4);
FIELD(struct qchan_name_attach, reserved, 16, 16);

SIZE(struct qchan_name_detach, 32);
FIELD(struct qchan_name_detach, name_ptr, 0, 8);
FIELD(struct qchan_name_detach, flags, 8, 4);
FIELD(struct qchan_name_detach, pad, 12, 4);
FIELD(struct qchan_name_detach, reserved, 16, 16);

SIZE(struct qchan_name_open, 48);
FIELD(struct qchan_name_open, name_ptr, 0, 8);
FIELD(struct qchan_name_open, flags, 8, 4);
FIELD(struct qchan_name_open, coflags, 12, 4);
FIELD(struct qchan_name_open, coid, 16, 4);
FIELD(struct qchan_name_open, pid, 20, 4);
FIELD(struct qchan_name_open, chid, 24, 4);
FIELD(struct qchan_name_open, pad, 28, 4);
FIELD(struct qchan_name_open, reserved, 32, 16);

SIZE(struct qchan_name_entry, 272);
FIELD(struct qchan_name_entry, pid, 0, 4);
FIELD(struct qchan_name_entry, chid, 4, 4);
FIELD(struct qchan_name_entry, flags, 8, 4);
FIELD(struct qchan_name_entry, pad, 12, 4);
FIELD(struct qchan_name_entry, name, 16, 256);

SIZE(struct qchan_name_list, 40);
FIELD(struct qchan_name_list, entries_ptr, 0, 8);
FIELD(struct qchan_name_list, capacity, 8, 4);
FIELD(struct qchan_name_list, count, 12, 4);
FIELD(struct qchan_name_list, total, 16, 4);
FIELD(struct qchan_name_list, flags, 20, 4);
FIELD(struct qchan_name_list, reserved, 24, 16);

SIZE(struct qchan_uring_cmd, 16);
FIELD(struct qchan_uring_cmd, arg_ptr, 0, 8);
FIELD(struct qchan_uring_cmd, flags, 8, 4);
FIELD(struct qchan_uring_cmd, reserved, 12, 4);
SIZE(struct qchan_uring_send_batch, 40);
FIELD(struct qchan_uring_send_batch, sends_ptr, 0, 8);
FIELD(struct qchan_uring_send_batch, results_ptr, 8, 8);
FIELD(struct qchan_uring_send_batch, count, 16, 4);
FIELD(struct qchan_uring_send_batch, flags, 20, 4);
FIELD(struct qchan_uring_send_batch, reserved, 24, 16);

SIZE(struct qchan_client_info, 72);
FIELD(struct qchan_client_info, scoid, 0, 4);
FIELD(struct qchan_client_info, flags, 4, 4);
FIELD(struct qchan_client_info, ngroups, 8, 4);
FIELD(struct qchan_client_info, pad, 12, 4);
FIELD(struct qchan_client_info, groups_ptr, 16, 8);
FIELD(struct qchan_client_info, pid, 24, 4);
FIELD(struct qchan_client_info, sid, 28, 4);
FIELD(struct qchan_client_info, ruid, 32, 4);
FIELD(struct qchan_client_info, euid, 36, 4);
FIELD(struct qchan_client_info, suid, 40, 4);
FIELD(struct qchan_client_info, rgid, 44, 4);
FIELD(struct qchan_client_info, egid, 48, 4);
FIELD(struct qchan_client_info, sgid, 52, 4);
FIELD(struct qchan_client_info, nd, 56, 4);
FIELD(struct qchan_client_info, pad2, 60, 4);
FIELD(struct qchan_client_info, reserved, 64, 8);

SIZE(struct qchan_net_proxy, 32);
FIELD(struct qchan_net_proxy, nd, 0, 4);
FIELD(struct qchan_net_proxy, srcnd, 4, 4);
FIELD(struct qchan_net_proxy, flags, 8, 4);
FIELD(struct qchan_net_proxy, pad, 12, 4);
FIELD(struct qchan_net_proxy, reserved, 16, 16);

SIZE(struct qchan_net_send, 88);
FIELD(struct qchan_net_send, send, 0, 56);
FIELD(struct qchan_net_send, pid, 56, 4);
FIELD(struct qchan_net_send, tid, 60, 4);
FIELD(struct qchan_net_send, flags, 64, 4);
FIELD(struct qchan_net_send, pad, 68, 4);
FIELD(struct qchan_net_send, reserved, 72, 16);
_Static_assert(QCHAN_IOC_NET_PROXY == 0xc02051cc, "QCHAN_IOC_NET_PROXY");
_Static_assert(QCHAN_IOC_NET_SEND == 0xc05851cd, "QCHAN_IOC_NET_SEND");

SIZE(struct qchan_server_info, 40);
FIELD(struct qchan_server_info, coid, 0, 4);
FIELD(struct qchan_server_info, flags, 4, 4);
FIELD(struct qchan_server_info, pid, 8, 4);
FIELD(struct qchan_server_info, chid, 12, 4);
FIELD(struct qchan_server_info, scoid, 16, 4);
FIELD(struct qchan_server_info, coflags, 20, 4);
FIELD(struct qchan_server_info, reserved, 24, 16);

SIZE(struct qchan_channel_fd, 32);
FIELD(struct qchan_channel_fd, chid, 0, 4);
FIELD(struct qchan_channel_fd, flags, 4, 4);
FIELD(struct qchan_channel_fd, fd, 8, 4);
FIELD(struct qchan_channel_fd, pad, 12, 4);
FIELD(struct qchan_channel_fd, reserved, 16, 16);
SIZE(struct qchan_channel_busy_poll, 24);
FIELD(struct qchan_channel_busy_poll, chid, 0, 4);
FIELD(struct qchan_channel_busy_poll, flags, 4, 4);
FIELD(struct qchan_channel_busy_poll, reserved, 8, 16);

/* <sys/neutrino.h>: QNX's layout on this target. */
#define PTR	sizeof(void *)

SIZE(struct _itimer, 16);
FIELD(struct _itimer, nsec, 0, 8);
FIELD(struct _itimer, interval_nsec, 8, 8);

SIZE(struct _msg_info, 48);
FIELD(struct _msg_info, nd, 0, 4);
FIELD(struct _msg_info, srcnd, 4, 4);
FIELD(struct _msg_info, pid, 8, 4);
FIELD(struct _msg_info, tid, 12, 4);
FIELD(struct _msg_info, chid, 16, 4);
FIELD(struct _msg_info, scoid, 20, 4);
FIELD(struct _msg_info, coid, 24, 4);
FIELD(struct _msg_info, msglen, 28, 4);
FIELD(struct _msg_info, srcmsglen, 32, 4);
FIELD(struct _msg_info, dstmsglen, 36, 4);
FIELD(struct _msg_info, priority, 40, 2);
FIELD(struct _msg_info, flags, 42, 2);
FIELD(struct _msg_info, reserved, 44, 4);

/* QNX's iov_t: a pointer and a size_t, 8 bytes on a 32-bit target (the compat iovec). */
SIZE(iov_t, 2 * PTR);
FIELD(iov_t, iov_base, 0, PTR);
FIELD(iov_t, iov_len, PTR, PTR);

/*
 * QNX's struct _pulse: 16 bytes on a 32-bit target, 24 on a 64-bit one
 * (struct qchan_pulse); the module copies out the one for the caller's ABI.
 */
SIZE(struct _pulse, PTR == 4 ? 16 : 24);
FIELD(struct _pulse, type, 0, 2);
FIELD(struct _pulse, subtype, 2, 2);
FIELD(struct _pulse, code, 4, 1);
FIELD(struct _pulse, zero, 5, 3);
FIELD(struct _pulse, value, 8, PTR);
FIELD(struct _pulse, scoid, 8 + PTR, 4);

SIZE(rcvid_t, 4);
SIZE(pid_t, 4);
SIZE(_Int64t, 8);
SIZE(_Uint64t, 8);
