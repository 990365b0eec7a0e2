/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan's native API: the qchan ioctls as C calls, plus qchan's extensions
 * to the QNX API.
 *
 * Every qchan_* call returns a non-negative result on success and -errno on
 * failure; none touches errno.  Flags are the kernel's (QCHAN_CHF_*,
 * QCHAN_COF_* of <linux/qchan.h>), info is struct qchan_msg_info, which has
 * the layout of QNX's struct _msg_info (a pointer to either may be cast to
 * the other).
 *
 * The process's qchan context (one open file of /dev/qchan) is opened on
 * first use and shared by all threads.  A child created by fork() opens its
 * own on first use: it inherits no channels and no side-channel connections,
 * only fd connections (which stay usable).  The context is closed on exec.
 */
#ifndef _QCHAN_LIBCHAN_H
#define _QCHAN_LIBCHAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <linux/qchan.h>
#include <sys/neutrino.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The context fd (opened now if needed), or -errno (-ENOENT without the module). */
int qchan_context_fd(void);

/* QCHAN_IOC_GET_FEATURES: what the loaded module implements. */
int qchan_get_features(struct qchan_features *features);

/* Returns the new chid.  flags: QCHAN_CHF_*. */
int qchan_channel_create(unsigned int flags);
int qchan_channel_destroy(int chid);

/*
 * A new fd standing for channel @chid, for poll/select/epoll: EPOLLIN while
 * a message or pulse is queued and not yet received, EPOLLHUP | EPOLLERR
 * once the channel is gone.  flags: QCHAN_CHFD_CLOEXEC.  Returns the fd.
 * Take what it reports with qchan_msg_try_receive*() (lib/README.md).
 */
int qchan_channel_fd(int chid, unsigned int flags);

/*
 * Busy polling on channel @chid (flags QCHAN_BUSY_POLL_ON) or not (0): its
 * receivers and senders spin up to busy_poll_us before they sleep.  Returns 0.
 */
int qchan_channel_busy_poll(int chid, unsigned int flags);

/*
 * Connects to channel @chid of process @pid (0: the caller's) on node @nd
 * (0 only).  flags: QCHAN_COF_*.  With QCHAN_COF_SIDE_CHANNEL the coid is a
 * side-channel id >= max(@index, QCHAN_SIDE_CHANNEL + 1); otherwise it is a file
 * descriptor >= @index (moved there with F_DUPFD if the kernel's lowest free
 * fd is below).  Returns the coid.
 */
int qchan_connect_attach(uint32_t nd, pid_t pid, int chid, int index, unsigned int flags);
/* Detaches a side-channel coid or closes an fd coid (-EINVAL if it is no connection). */
int qchan_connect_detach(int coid);
/* Describes coid (query->pid, chid, coflags); -EINVAL or -EBADF if it is no connection. */
int qchan_connect_query(int coid, struct qchan_connect_query *query);

/*
 * The name service (QCHAN_IOC_NAME_*): attach a name to one of the caller's
 * channels, detach it, connect to a named channel (returns the coid; the
 * server's pid and chid into @pid / @chid if not NULL), and list the live
 * names of the caller's IPC namespace (returns the entries written, the
 * total into @total).  <sys/dispatch.h> has QNX's name_* calls on top.
 */
int qchan_name_attach(const char *name, int chid, unsigned int flags);
int qchan_name_detach(const char *name);
int qchan_name_open(const char *name, unsigned int flags, unsigned int coflags, pid_t *pid,
		    int *chid);
int qchan_name_list(struct qchan_name_entry *entries, unsigned int capacity,
		    unsigned int *total);
/* QCHAN_IOC_CLIENT_INFO: @info's scoid, ngroups and groups_ptr are the input. */
int qchan_client_info(struct qchan_client_info *info);

/*
 * Sends and waits for the reply; returns 0 with the server's reply status
 * in *status (may be NULL), or -errno: the errno MsgError gave, -ESRVRFAULT
 * if the server faulted on its buffers, -EFAULT, -ESRCH, -EINTR, -EBADF, ...
 * The native calls take a timeout armed by TimerTimeout() as the QNX calls
 * do (-ETIMEDOUT), and every native call clears it.
 */
int qchan_msg_send(int coid, const void *smsg, size_t sbytes, void *rmsg, size_t rbytes,
		   long *status);
int qchan_msg_sendv(int coid, const struct iovec *siov, size_t sparts,
		    const struct iovec *riov, size_t rparts, long *status);

/*
 * Qnet's network proxies (QCHAN_IOC_NET_PROXY, QCHAN_IOC_NET_SEND; docs/QNET.md):
 * mark the process as sending for the remote node @nd (CAP_SYS_ADMIN, before
 * any connection), then send as qchan_msg_sendv on behalf of a remote
 * sender whose pid and tid the server's _msg_info shows.  0 or -errno.
 */
int qchan_net_proxy(uint32_t nd, uint32_t srcnd);
int qchan_net_sendv(int coid, pid_t pid, pid_t tid, const struct iovec *siov, size_t sparts,
		    const struct iovec *riov, size_t rparts, long *status);

/*
 * Returns the rcvid (> 0) and fills *info if not NULL (info->msglen: bytes
 * delivered); or 0 for a pulse (info untouched).
 */
int qchan_msg_receive(int chid, void *msg, size_t bytes, struct qchan_msg_info *info);
int qchan_msg_receivev(int chid, const struct iovec *iov, size_t parts,
		       struct qchan_msg_info *info);
/* As qchan_msg_receive*(), but -EAGAIN at once when nothing is queued. */
int qchan_msg_try_receive(int chid, void *msg, size_t bytes, struct qchan_msg_info *info);
int qchan_msg_try_receivev(int chid, const struct iovec *iov, size_t parts,
			   struct qchan_msg_info *info);

/*
 * Pulses: never block.  @priority -1 is the caller's; @code 0..127; -EAGAIN
 * when the channel already holds the module's max_pulses.  A receive that
 * takes a pulse returns 0 and copies a struct qchan_pulse (QNX's _pulse);
 * qchan_msg_receive_pulsev takes pulses only, leaving messages queued.
 */
int qchan_msg_send_pulse(int coid, int priority, int code, uint64_t value);
int qchan_msg_receive_pulsev(int chid, const struct iovec *iov, size_t parts);

/* Return 0. */
int qchan_msg_reply(int rcvid, long status, const void *msg, size_t bytes);
int qchan_msg_replyv(int rcvid, long status, const struct iovec *iov, size_t parts);
/* Fails the client's send with errno @error (0 = EOK: the send returns 0). */
int qchan_msg_error(int rcvid, int error);

/* The client's send (read) or reply (write) buffers at @offset; return bytes moved. */
ssize_t qchan_msg_read(int rcvid, void *msg, size_t bytes, size_t offset);
ssize_t qchan_msg_readv(int rcvid, const struct iovec *iov, size_t parts, size_t offset);
ssize_t qchan_msg_write(int rcvid, const void *msg, size_t bytes, size_t offset);
ssize_t qchan_msg_writev(int rcvid, const struct iovec *iov, size_t parts, size_t offset);

int qchan_msg_info(int rcvid, struct qchan_msg_info *info);

/*
 * Replies to @rcvid (unless it is 0) with @status and @riov, then receives
 * on @chid into @iov, in one system call.  The result is the receive's (the
 * new rcvid or -errno), exactly as for a server loop that ignores a failed
 * reply; the reply's own outcome (0 or -errno) goes to *reply_result if it
 * is not NULL (0 when the reply was skipped).
 */
int qchan_msg_reply_receive(int rcvid, long status, const struct iovec *riov, size_t rparts,
			    int chid, const struct iovec *iov, size_t parts,
			    struct qchan_msg_info *info, int *reply_result);

/*
 * qchan extension (QNX has no batched call; recvmmsg/sendmmsg are the model):
 * replies to the @nreplies entries of @replies in order, each as
 * qchan_msg_replyv() (QCHAN_REPLY_ERROR in its flags: qchan_msg_error()),
 * its outcome (0 or -errno, e.g. -ESRCH for a client that went away) in its
 * result; then receives on @chid into up to @nslots slots: it waits as
 * qchan_msg_receivev() for the first message or pulse (an armed
 * TimerTimeout() with _NTO_TIMEOUT_RECEIVE applies) and takes what else is
 * queued without waiting, in priority order.  Each filled slot has rcvid
 * (0: a pulse in its buffer), bytes and, for a message, info.  Returns the
 * slots filled (0 when @nslots is 0), or -errno: -EINVAL for more than
 * QCHAN_BATCH_MAX entries or slots or any invalid entry (then no reply was
 * given), else the receive's error.  Entries with rcvid 0 are skipped.
 * @flags: QCHAN_RECEIVE_PULSE_ONLY, QCHAN_BATCH_NO_INFO (info not filled in).
 */
int qchan_msg_reply_receive_batch(int chid, struct qchan_batch_reply *replies, size_t nreplies,
				  struct qchan_batch_slot *slots, size_t nslots, unsigned int flags);

/*
 * qchan extension to the QNX API, in QNX style: MsgReplyv(rcvid, status,
 * riov, rparts) followed by MsgReceivev(chid, iov, parts, info) in one
 * system call; rcvid 0 skips the reply.  Returns the new rcvid; on a failed
 * receive -1 and errno (MsgReplyReceive_r: -errno).  A failed reply is not
 * reported (the receive proceeds), as in the usual server loop
 *	for (rcvid = 0;;) { MsgReply(rcvid, ...); rcvid = MsgReceive(...); }
 */
int MsgReplyReceive(int rcvid, long status, const iov_t *riov, size_t rparts,
		    int chid, const iov_t *iov, size_t parts, struct _msg_info *info);
int MsgReplyReceive_r(int rcvid, long status, const iov_t *riov, size_t rparts,
		      int chid, const iov_t *iov, size_t parts, struct _msg_info *info);

#ifdef __cplusplus
}
#endif

#endif /* _QCHAN_LIBCHAN_H */
