// SPDX-License-Identifier: GPL-2.0
/*
 * The structures that keep a crowded server O(1) or O(log n) per message:
 * the send queue's priority bands and the growth of the rcvid hash
 * (qchan.h has the locking rules).
 */
#include <linux/hash.h>
#include <linux/rbtree.h>
#include <linux/slab.h>

#include "qchan.h"

/*
 * Called with ctx->lock held: FIFO within a priority, higher priorities first.
 * The queue is one list in that order (receive takes its head); chan->bands
 * holds the last message of each priority present, higher priorities to the
 * left, so a send finds its place in O(log(priorities queued)), never by
 * walking the messages of other priorities.
 */
void qchan_msg_enqueue(struct qchan_channel *chan, struct qchan_msg *msg)
{
	struct rb_node **link = &chan->bands.rb_node, *parent = NULL;
	struct qchan_msg *pos, *higher = NULL;

	msg->seq = chan->seq++;
	while (*link) {
		parent = *link;
		pos = rb_entry(parent, struct qchan_msg, band);
		if (msg->priority == pos->priority) {
			/* The new last of its band. */
			list_add(&msg->node, &pos->node);
			rb_replace_node(&pos->band, &msg->band, &chan->bands);
			RB_CLEAR_NODE(&pos->band);
			goto queued;
		}
		if (msg->priority > pos->priority) {
			link = &parent->rb_left;
		} else {
			higher = pos;	/* the lowest band above ours seen so far */
			link = &parent->rb_right;
		}
	}
	/* A new band: right behind the band above it, or first. */
	if (higher)
		list_add(&msg->node, &higher->node);
	else
		list_add(&msg->node, &chan->send_queue);
	rb_link_node(&msg->band, parent, link);
	rb_insert_color(&msg->band, &chan->bands);
queued:
	qchan_poll_wake(chan, EPOLLIN | EPOLLRDNORM);
}

/*
 * Called with ctx->lock held: takes the QUEUED @msg off its channel's queue;
 * msg->priority must still be the one it was queued with (its band's).
 */
void qchan_msg_dequeue(struct qchan_channel *chan, struct qchan_msg *msg)
{
	struct qchan_msg *prev;

	if (!RB_EMPTY_NODE(&msg->band)) {
		prev = list_prev_entry(msg, node);
		if (&prev->node != &chan->send_queue && prev->priority == msg->priority)
			rb_replace_node(&msg->band, &prev->band, &chan->bands);
		else
			rb_erase(&msg->band, &chan->bands);
		RB_CLEAR_NODE(&msg->band);
	}
	list_del(&msg->node);
}

/*
 * Grows ctx->rcvids when its REPLY-blocked messages outnumber its buckets
 * twice, so that a reply by rcvid stays a short walk with thousands of
 * clients waiting.  Called without locks (qchan_rcvids_maybe_grow()) before
 * a message may be bound to an rcvid: the allocation happens outside
 * ctx->lock, only the rehash (amortised O(1) per message: the table
 * quadruples) runs under it.  It never shrinks while the ctx lives; a failed
 * allocation only leaves the chains longer.
 */
void qchan_rcvids_grow(struct qchan_ctx *ctx)
{
	unsigned int bits = READ_ONCE(ctx->rcvid_bits), new_bits, i;
	struct hlist_head *old, *new;
	struct hlist_node *next;
	struct qchan_msg *msg;

	if (READ_ONCE(ctx->nr_rcvids) <= 2U << bits || bits >= QCHAN_RCVID_HASH_MAX_BITS)
		return;
	new_bits = min(bits + 2, QCHAN_RCVID_HASH_MAX_BITS);
	new = kmalloc_array(1U << new_bits, sizeof(*new), GFP_KERNEL | __GFP_NOWARN);
	if (!new)
		return;
	for (i = 0; i < 1U << new_bits; i++)
		INIT_HLIST_HEAD(&new[i]);
	ctx_lock(ctx);
	if (ctx->rcvid_bits != bits) {	/* another thread grew it first */
		ctx_unlock(ctx);
		kfree(new);
		return;
	}
	old = ctx->rcvids;
	for (i = 0; i < 1U << bits; i++)
		hlist_for_each_entry_safe(msg, next, &old[i], rcvid_node) {
			hlist_del(&msg->rcvid_node);
			hlist_add_head(&msg->rcvid_node, &new[hash_32(msg->rcvid, new_bits)]);
		}
	ctx->rcvids = new;
	WRITE_ONCE(ctx->rcvid_bits, new_bits);
	ctx_unlock(ctx);
	if (old != ctx->rcvids_small)
		kfree(old);
}

/*
 * Called with ctx->lock held: puts @msg, taken off the queue and given back
 * unseen (batch.c), where its priority and its arrival (msg->seq, kept) place
 * it: not at the tail of its band, as a new message would go.
 */
void qchan_msg_requeue(struct qchan_channel *chan, struct qchan_msg *msg)
{
	struct rb_node **link = &chan->bands.rb_node, *parent = NULL;
	struct qchan_msg *pos, *prev, *higher = NULL;

	while (*link) {
		parent = *link;
		pos = rb_entry(parent, struct qchan_msg, band);
		if (msg->priority == pos->priority)
			goto band;
		if (msg->priority > pos->priority) {
			link = &parent->rb_left;
		} else {
			higher = pos;
			link = &parent->rb_right;
		}
	}
	/* Its band is empty: a new one, as qchan_msg_enqueue() makes it. */
	list_add(&msg->node, higher ? &higher->node : &chan->send_queue);
	rb_link_node(&msg->band, parent, link);
	rb_insert_color(&msg->band, &chan->bands);
	goto queued;

band:
	if (pos->seq < msg->seq) {
		/* Later than all of its band: its new last. */
		list_add(&msg->node, &pos->node);
		rb_replace_node(&pos->band, &msg->band, &chan->bands);
		RB_CLEAR_NODE(&pos->band);
		goto queued;
	}
	/* Before the first of its band that came later (a walk: a fault path only). */
	for (;;) {
		prev = list_prev_entry(pos, node);
		if (&prev->node == &chan->send_queue || prev->priority != msg->priority ||
		    prev->seq < msg->seq)
			break;
		pos = prev;
	}
	list_add_tail(&msg->node, &pos->node);
	RB_CLEAR_NODE(&msg->band);
queued:
	qchan_poll_wake(chan, EPOLLIN | EPOLLRDNORM);
}
