// SPDX-License-Identifier: GPL-2.0
/*
 * Channel fds (QCHAN_IOC_CHANNEL_FD): a channel in an event loop.
 *
 * The fd is an anon-inode file holding a channel reference, so the
 * channel's memory (and the ctx's, through the channel) stays while any
 * process holds the file, whatever happens to the channel or its owner.
 * Its ->poll only reads the channel's queues under ctx->lock: it never
 * receives, so handing the fd to another process (fork, SCM_RIGHTS) gives
 * away nothing but readiness.  Receiving stays the owner's (main.c).
 *
 * Readiness is level-triggered and never cached: EPOLLIN whenever the send
 * queue or the pulse queue is non-empty when someone looks.  The queues
 * change only under ctx->lock, and ->poll reads them under it after
 * poll_wait() has queued the poller: the queueing paths then see the
 * poller with a plain waitqueue_active() (qchan_poll_wake(), qchan.h), so a
 * send to a channel nobody polls pays one load of a list head.
 * A message handed straight to a RECEIVE-blocked thread is never queued and
 * never wakes a poller.
 *
 * The channel's death (destroy, or the end of its ctx) sets chan->dead
 * and wakes every poller, exclusive ones too, with EPOLLHUP | EPOLLERR
 * (qchan_channel_fail_all()).
 * The wait queue lives in the channel, which the file keeps: it cannot go
 * away under a poller, so no POLLFREE is needed.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

#include "qchan.h"

static __poll_t qchan_chanfd_poll(struct file *file, poll_table *wait)
{
	struct qchan_channel *chan = file->private_data;
	struct qchan_ctx *ctx = chan->ctx;
	__poll_t mask = 0;

	poll_wait(file, &chan->poll_wq, wait);
	ctx_lock(ctx);
	if (chan->dead)
		mask = EPOLLHUP | EPOLLERR;
	else if (!list_empty(&chan->send_queue) || !list_empty(&chan->pulses))
		mask = EPOLLIN | EPOLLRDNORM;
	ctx_unlock(ctx);
	return mask;
}

static int qchan_chanfd_release(struct inode *inode, struct file *file)
{
	struct qchan_channel *chan = file->private_data;

	qchan_channel_put(chan);
	atomic_dec(&qchan_stats.channel_fds);
	return 0;
}

static const struct file_operations qchan_chanfd_fops = {
	.owner = THIS_MODULE,
	.poll = qchan_chanfd_poll,
	.release = qchan_chanfd_release,
	.llseek = noop_llseek,
};

int qchan_channel_fd(struct qchan_ctx *ctx, struct qchan_channel_fd __user *uarg)
{
	struct qchan_channel_fd a;
	struct qchan_channel *chan;
	struct file *file;
	int fd, err;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~QCHAN_CHFD_CLOEXEC) || a.pad ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	/* Only the owner's ioctls get here, so only its own channels are found. */
	chan = qchan_channel_get(ctx, a.chid);
	if (!chan)
		return -ESRCH;

	fd = get_unused_fd_flags(O_RDONLY | (a.flags & QCHAN_CHFD_CLOEXEC ? O_CLOEXEC : 0));
	if (fd < 0) {
		err = fd;
		goto err_put_chan;
	}
	file = anon_inode_getfile("[qchan-channel]", &qchan_chanfd_fops, chan, O_RDONLY);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto err_put_fd;
	}
	atomic_inc(&qchan_stats.channel_fds);
	/* Before fd_install(): once installed, another thread may close the fd. */
	if (put_user(fd, &uarg->fd)) {
		fput(file);	/* ->release drops the channel and the count */
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	return fd;

err_put_fd:
	put_unused_fd(fd);
err_put_chan:
	qchan_channel_put(chan);
	return err;
}
