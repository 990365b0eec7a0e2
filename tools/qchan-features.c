// SPDX-License-Identifier: GPL-2.0
/*
 * qchan-features: asks /dev/qchan what it supports (QCHAN_IOC_GET_FEATURES)
 * and prints the answer.  Exits 0 when the module answered with the ABI
 * version this program was built for, 1 otherwise.
 *
 *	qchan-features [DEVICE]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/qchan.h>

static const struct {
	unsigned long long bit;
	const char *name;
	const char *what;
} features[] = {
	{ QCHAN_FEAT_MSG, "MSG", "channels, connections, send/receive/reply/read/write/info" },
	{ QCHAN_FEAT_REPLY_RECEIVE, "REPLY_RECEIVE", "reply and receive in one call" },
	{ QCHAN_FEAT_SIDE_CHANNEL, "SIDE_CHANNEL", "side-channel connections" },
	{ QCHAN_FEAT_KMSG, "KMSG", "per-CPU kernel messages (debugfs test interface)" },
	{ QCHAN_FEAT_PULSE, "PULSE", "pulses: MsgSendPulse, MsgReceivePulse" },
	{ QCHAN_FEAT_DISCONNECT, "DISCONNECT", "disconnect and COIDDEATH notices, shared scoids" },
	{ QCHAN_FEAT_UNBLOCK, "UNBLOCK", "the unblock protocol (_NTO_CHF_UNBLOCK)" },
	{ QCHAN_FEAT_TIMEOUT, "TIMEOUT", "send and receive timeouts (TimerTimeout)" },
	{ QCHAN_FEAT_EVENT, "EVENT", "MsgDeliverEvent, MsgVerifyEvent, registered events" },
	{ QCHAN_FEAT_TIMER, "TIMER", "timers that deliver pulses (timer_create, TimerCreate)" },
	{ QCHAN_FEAT_NAME, "NAME", "the name service (name_attach, name_open)" },
	{ QCHAN_FEAT_CLIENT_INFO, "CLIENT_INFO", "ConnectClientInfo, ConnectServerInfo" },
	{ QCHAN_FEAT_PRIO_INHERIT, "PRIO_INHERIT", "priority inheritance through messages and pulses" },
	{ QCHAN_FEAT_POLL, "POLL", "channel fds for poll/epoll (qchan_channel_fd)" },
	{ QCHAN_FEAT_URING, "URING", "io_uring commands: async send, receive, reply-receive, pulse" },
	{ QCHAN_FEAT_BUSY_POLL, "BUSY_POLL", "opt-in busy polling per channel (qchan_channel_busy_poll)" },
	{ QCHAN_FEAT_URING_TIMEOUT, "URING_TIMEOUT",
	  "io_uring send/receive timeouts, MsgWrite to async senders" },
	{ QCHAN_FEAT_TIMER_INFO_EVENT, "TIMER_INFO_EVENT",
	  "TimerInfo: _NTO_TIMER_SEARCH, _NTO_TIMER_RESET_OVERRUNS, the event, ABSTIME" },
	{ QCHAN_FEAT_BATCH, "BATCH", "batched replies and receives (qchan_msg_reply_receive_batch)" },
	{ QCHAN_FEAT_URING_SEND_BATCH, "URING_SEND_BATCH",
	  "several async sends in one io_uring command (qchan_prep_send_batch)" },
	{ QCHAN_FEAT_NET_PROXY, "NET_PROXY",
	  "Qnet proxies: a remote client's nd, pid and tid in _msg_info (qchan_net_proxy)" },
};

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/qchan";
	struct qchan_features f;
	unsigned long long rest;
	unsigned int i;
	int fd;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "qchan-features: open %s: %s%s\n", dev, strerror(errno),
			errno == ENOENT ? " (is qchan.ko loaded?)" : "");
		return 1;
	}
	memset(&f, 0, sizeof(f));
	if (ioctl(fd, QCHAN_IOC_GET_FEATURES, &f)) {
		fprintf(stderr, "qchan-features: QCHAN_IOC_GET_FEATURES: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);

	printf("%s: qchan ABI version %u (this program: %u), struct size %u\n", dev,
	       f.abi_version, QCHAN_ABI_VERSION, f.size);
	printf("features 0x%llx:\n", (unsigned long long)f.features);
	rest = f.features;
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		printf("  [%c] %-14s %s\n", f.features & features[i].bit ? 'x' : ' ',
		       features[i].name, features[i].what);
		rest &= ~features[i].bit;
	}
	if (rest)
		printf("  unknown bits 0x%llx\n", rest);
	printf("max_iov %u, inline_max %u bytes\n", f.max_iov, f.inline_max);
	return f.abi_version == QCHAN_ABI_VERSION ? 0 : 1;
}
