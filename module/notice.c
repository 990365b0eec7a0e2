// SPDX-License-Identifier: GPL-2.0
/*
 * Death and disconnect notices: server connections and their scoids
 * (QCHAN_CHF_DISCONNECT), and connections that outlive their channel
 * (QCHAN_CHF_COID_DISCONNECT).
 *
 * Server connections.  All the connections one client process has to one
 * channel share a struct qchan_scon and its scoid, from the first attach to
 * the last detach: a process that attaches twice gets the same scoid, as in
 * QNX.  A scoid is QCHAN_SIDE_CHANNEL + an id reserved in the server's own
 * side-channel table, so it is never one of the server's side-channel coids
 * and never an fd: libchan's ConnectDetach() passes it to CONNECT_DETACH as
 * it would a side coid, and the kernel tells the two apart by which of the
 * server's tables holds the id.  When the last connection goes (detach,
 * close, exit, exec, kill), a QCHAN_CHF_DISCONNECT channel gets the scon's
 * embedded DISCONNECT pulse and the scon keeps its scoid - not reused, still
 * what the server's pulses and messages named - until the server detaches
 * it; a later connection of the same process gets a new scon.  Without the
 * flag the scon goes with its last connection.  Destroying the channel, or
 * the end of the server's ctx, drops its scons.
 *
 * COIDDEATH.  A process with QCHAN_CHF_COID_DISCONNECT channels hears, on
 * each of them, of every connection it attached whose channel went away.
 * The pulse for each (connection, such channel) pair is reserved when the
 * later of the two is made (struct qchan_notice), so a channel's death never
 * allocates and never competes with a process's pulses for max_pulses.  A
 * connection's notices go with it: a coid detached before its pulse was
 * received is not reported.
 *
 * Kernel pulses go at the priority of the thread whose call or exit caused
 * them (what QNX's kernel does; its documentation names none): the thread
 * that dropped the last connection, the thread that destroyed the channel;
 * 0 when the module learns of a death from its owner watch (a kworker).
 */
#include <linux/slab.h>

#include "qchan.h"

static void qchan_scon_free(struct kref *ref)
{
	struct qchan_scon *scon = container_of(ref, struct qchan_scon, ref);

	qchan_channel_put(scon->chan);
	put_pid(scon->client);
	atomic_dec(&qchan_stats.scons);
	kfree(scon);
}

static void qchan_scon_put(struct qchan_scon *scon)
{
	kref_put(&scon->ref, qchan_scon_free);
}

/* Called with ctx->lock held: the live server connection of @client on @chan, or NULL. */
static struct qchan_scon *qchan_scon_find(struct qchan_channel *chan, struct pid *client)
{
	struct qchan_scon *scon;

	list_for_each_entry(scon, &chan->scons, chan_node)
		if (scon->client == client && !list_empty(&scon->conns))
			return scon;
	return NULL;
}

/* Called with ctx->lock held. */
static void qchan_scon_add(struct qchan_scon *scon, struct qchan_conn *conn)
{
	kref_get(&scon->ref);
	list_add_tail(&conn->scon_node, &scon->conns);
	conn->scon = scon;
	conn->scoid = scon->scoid;
}

/*
 * Called with ctx->lock held: takes @scon out of its server's tables, with
 * its DISCONNECT pulse if that is queued; the scoid is free again.  The
 * caller puts the reference the table held.
 */
static void qchan_scon_unpublish(struct qchan_ctx *ctx, struct qchan_scon *scon)
{
	u32 id = scon->scoid - QCHAN_SIDE_CHANNEL;

	scon->published = false;
	qchan_pulse_withdraw(&scon->disconnect);
	xa_erase(&ctx->scons, id);
	xa_erase(&ctx->side_conns, id);
	if (list_empty(&scon->conns))
		list_del_init(&scon->chan_node);
}

static struct qchan_scon *qchan_scon_alloc(struct qchan_channel *chan, struct pid *client)
{
	struct qchan_scon *scon = kzalloc(sizeof(*scon), GFP_KERNEL_ACCOUNT);

	if (!scon)
		return NULL;
	kref_init(&scon->ref);
	kref_get(&chan->ref);
	scon->chan = chan;
	scon->client = get_pid(client);
	INIT_LIST_HEAD(&scon->chan_node);
	INIT_LIST_HEAD(&scon->conns);
	INIT_LIST_HEAD(&scon->reap_node);
	qchan_pulse_init_kernel(&scon->disconnect);
	atomic_inc(&qchan_stats.scons);
	return scon;
}

/*
 * Publishes a new server connection for @conn's process on @conn's channel.
 * Called with the server's conn_lock held, which keeps its tables' ids
 * stable; the scoid's id is reserved in side_conns before the scon is
 * stored, so no side-channel attach can take it.
 */
static int qchan_scon_create(struct qchan_conn *conn)
{
	struct qchan_channel *chan = conn->chan;
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_scon *scon;
	u32 id;
	int err;

	scon = qchan_scon_alloc(chan, conn->acct->owner);
	if (!scon)
		return -ENOMEM;
	scon->nd = READ_ONCE(conn->acct->net_nd);
	/*
	 * Below QCHAN_RCVID_SLOTS: the index is part of the rcvids (qchan.h);
	 * from 1: QCHAN_SIDE_CHANNEL itself is QNX's SYSMGR_COID.
	 * Cyclic, so that a departed client's rcvids name nobody for a while
	 * rather than the next client to connect (MsgDeliverEvent).
	 */
	err = xa_alloc_cyclic(&ctx->side_conns, &id, NULL, XA_LIMIT(1, QCHAN_RCVID_SLOTS - 1),
			      &ctx->next_scon_id, GFP_KERNEL);
	if (err < 0) {
		err = err == -EBUSY ? -EAGAIN : err;
		goto err_put;
	}
	scon->scoid = QCHAN_SIDE_CHANNEL + id;
	/* Not yet published: a CONNECT_DETACH that finds it refuses it. */
	err = xa_insert(&ctx->scons, id, scon, GFP_KERNEL);
	if (err)
		goto err_release_id;

	ctx_lock(ctx);
	if (chan->dead) {
		xa_erase(&ctx->scons, id);
		err = -ESRCH;
	} else {
		scon->published = true;
		list_add_tail(&scon->chan_node, &chan->scons);
		qchan_scon_add(scon, conn);
	}
	ctx_unlock(ctx);
	if (err)
		goto err_release_id;
	return 0;	/* the table holds the creation reference */

err_release_id:
	xa_erase(&ctx->side_conns, id);
err_put:
	qchan_scon_put(scon);
	return err;
}

/*
 * Gives the new connection @conn its server connection: the one its process
 * already has on the channel, or a new one.  -ESRCH if the channel died.
 */
int qchan_scon_link(struct qchan_conn *conn)
{
	struct qchan_channel *chan = conn->chan;
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_scon *scon;
	int err = 0;

	mutex_lock(&ctx->conn_lock);
	ctx_lock(ctx);
	scon = chan->dead ? NULL : qchan_scon_find(chan, conn->acct->owner);
	if (scon)
		qchan_scon_add(scon, conn);
	else if (chan->dead)
		err = -ESRCH;
	ctx_unlock(ctx);
	if (!scon && !err)
		err = qchan_scon_create(conn);
	mutex_unlock(&ctx->conn_lock);
	return err;
}

/*
 * The connection @conn is going.  If it was its process's last one to the
 * channel, the server hears of it (QCHAN_CHF_DISCONNECT) and keeps the scoid
 * until it detaches it, or the server connection goes now.  Never allocates.
 */
void qchan_scon_unlink(struct qchan_conn *conn)
{
	struct qchan_scon *scon = conn->scon;
	struct qchan_channel *chan;
	struct qchan_ctx *ctx;
	bool put_table = false;

	if (!scon)
		return;
	chan = scon->chan;
	ctx = chan->ctx;
	ctx_lock(ctx);
	list_del(&conn->scon_node);
	if (list_empty(&scon->conns)) {
		if (scon->published && (chan->flags & QCHAN_CHF_DISCONNECT) && !chan->dead) {
			scon->disconnect.priority = qchan_current_priority();
			scon->disconnect.d = (struct qchan_pulse_data) {
				.code = QCHAN_PULSE_CODE_DISCONNECT,
				.scoid = scon->scoid,
			};
			qchan_pulse_post_kernel(chan, &scon->disconnect);
		} else if (scon->published) {
			qchan_scon_unpublish(ctx, scon);
			put_table = true;
		} else {
			list_del_init(&scon->chan_node);
		}
	}
	ctx_unlock(ctx);
	if (put_table)
		qchan_scon_put(scon);
	qchan_scon_put(scon);
}

/*
 * CONNECT_DETACH of a scoid by its server: only once every connection of the
 * client is gone (QNX's EINVAL otherwise); a DISCONNECT pulse still queued
 * goes with it.
 */
int qchan_scon_detach(struct qchan_ctx *ctx, int scoid)
{
	struct qchan_scon *scon;

	ctx_lock(ctx);
	scon = xa_load(&ctx->scons, scoid - QCHAN_SIDE_CHANNEL);
	if (!scon || !scon->published || !list_empty(&scon->conns)) {
		ctx_unlock(ctx);
		return -EINVAL;
	}
	qchan_scon_unpublish(ctx, scon);
	ctx_unlock(ctx);
	qchan_scon_put(scon);
	return 0;
}

/* Frees notices chained by chan_node, none of them linked any more. */
static void qchan_notices_free(struct list_head *list)
{
	struct qchan_notice *n, *tmp;

	list_for_each_entry_safe(n, tmp, list, chan_node)
		kfree(n);
}

/* Allocates @nr notices onto @list (by chan_node); all or none. */
static int qchan_notices_alloc(struct list_head *list, unsigned int nr)
{
	struct qchan_notice *n;

	while (nr--) {
		n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
		if (!n) {
			qchan_notices_free(list);
			INIT_LIST_HEAD(list);
			return -ENOMEM;
		}
		qchan_pulse_init_kernel(&n->pulse);
		list_add(&n->chan_node, list);
	}
	return 0;
}

/* Called with the ctx->lock of @conn's process: a spare notice of @spare now serves the pair. */
static void qchan_notice_link(struct list_head *spare, struct qchan_conn *conn,
			      struct qchan_channel *chan)
{
	struct qchan_notice *n = list_first_entry(spare, struct qchan_notice, chan_node);

	list_del(&n->chan_node);
	n->chan = chan;
	list_add_tail(&n->chan_node, &chan->notices);
	list_add_tail(&n->conn_node, &conn->notices);
}

/* Called with the ctx->lock of @n's process: unlinks @n (unqueued) and chains it by chan_node. */
static void qchan_notice_unlink(struct qchan_notice *n, struct list_head *gone)
{
	qchan_pulse_withdraw(&n->pulse);
	list_del(&n->conn_node);
	list_move(&n->chan_node, gone);
}

/*
 * A new connection of @conn->acct: reserves its COIDDEATH notice on each of
 * the process's COID_DISCONNECT channels, and lists it for the ones to come.
 */
int qchan_conn_reserve_notices(struct qchan_conn *conn)
{
	struct qchan_ctx *ctx = conn->acct;
	struct qchan_channel *chan;
	LIST_HEAD(spare);
	int err;

	mutex_lock(&ctx->conn_lock);
	err = qchan_notices_alloc(&spare, ctx->nr_coid_chans);
	if (!err) {
		ctx_lock(ctx);
		list_for_each_entry(chan, &ctx->coid_chans, notice_node)
			qchan_notice_link(&spare, conn, chan);
		list_add_tail(&conn->acct_node, &ctx->conns);
		ctx_unlock(ctx);
	}
	mutex_unlock(&ctx->conn_lock);
	return err;
}

/* The connection @conn is going: its notices go with it, queued or not. */
void qchan_conn_drop_notices(struct qchan_conn *conn)
{
	struct qchan_ctx *ctx = conn->acct;
	struct qchan_notice *n, *tmp;
	LIST_HEAD(gone);

	ctx_lock(ctx);
	list_del_init(&conn->acct_node);
	list_for_each_entry_safe(n, tmp, &conn->notices, conn_node)
		qchan_notice_unlink(n, &gone);
	ctx_unlock(ctx);
	qchan_notices_free(&gone);
}

/* Called with the ctx->lock of @conn's process: sends its COIDDEATH notices, once. */
static void qchan_conn_notify(struct qchan_conn *conn, int coid)
{
	struct qchan_notice *n;

	if (conn->notified)
		return;
	conn->notified = true;
	list_for_each_entry(n, &conn->notices, conn_node) {
		n->pulse.priority = conn->death_prio;
		n->pulse.d = (struct qchan_pulse_data) {
			.code = QCHAN_PULSE_CODE_COIDDEATH,
			.value = (u64)(s64)coid,
			.scoid = -1,
		};
		qchan_pulse_post_kernel(n->chan, &n->pulse);
	}
}

/*
 * @conn got its coid, as its process names it.  A channel that died while
 * it was being attached is reported now.
 */
void qchan_conn_named(struct qchan_conn *conn, int coid)
{
	struct qchan_ctx *ctx = conn->acct;

	ctx_lock(ctx);
	conn->coid = coid;
	if (conn->chan_gone)
		qchan_conn_notify(conn, coid);
	ctx_unlock(ctx);
}

/* @conn's channel died (the caller holds a reference on @conn): tell its process. */
static void qchan_conn_chan_gone(struct qchan_conn *conn, int prio)
{
	struct qchan_ctx *ctx = conn->acct;
	int coid = READ_ONCE(conn->coid);
	bool wanted;

	ctx_lock(ctx);
	wanted = !list_empty(&conn->notices);
	ctx_unlock(ctx);
	/* Where the process has the connection now: it may have moved it (fd coids only). */
	if (wanted && coid >= 0)
		coid = qchan_conn_coid_now(conn, coid);

	ctx_lock(ctx);
	conn->chan_gone = true;
	conn->death_prio = prio;
	if (conn->coid >= 0)
		qchan_conn_notify(conn, coid >= 0 ? coid : conn->coid);
	ctx_unlock(ctx);
}

/*
 * A new QCHAN_CHF_COID_DISCONNECT channel of its ctx, not yet published:
 * reserves a notice for each connection the ctx has, and lists the channel
 * for the connections to come.  Called with conn_lock held, under which
 * connections are listed: their number can only go down meanwhile.
 */
int qchan_channel_reserve_notices(struct qchan_channel *chan)
{
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_conn *conn;
	unsigned int nr = 0;
	LIST_HEAD(spare);
	int err;

	lockdep_assert_held(&ctx->conn_lock);
	ctx_lock(ctx);
	list_for_each_entry(conn, &ctx->conns, acct_node)
		nr++;
	ctx_unlock(ctx);
	err = qchan_notices_alloc(&spare, nr);
	if (err)
		return err;

	ctx_lock(ctx);
	list_for_each_entry(conn, &ctx->conns, acct_node)
		qchan_notice_link(&spare, conn, chan);
	list_add_tail(&chan->notice_node, &ctx->coid_chans);
	ctx->nr_coid_chans++;
	ctx_unlock(ctx);
	qchan_notices_free(&spare);
	return 0;
}

/*
 * @chan leaves its ctx's channel table (conn_lock held): a COID_DISCONNECT
 * channel takes no more notices and frees the ones it has, queued or not.
 */
void qchan_channel_unlist(struct qchan_channel *chan)
{
	struct qchan_ctx *ctx = chan->ctx;
	struct qchan_notice *n, *tmp;
	LIST_HEAD(gone);

	if (!(chan->flags & QCHAN_CHF_COID_DISCONNECT))
		return;
	lockdep_assert_held(&ctx->conn_lock);
	ctx_lock(ctx);
	list_del(&chan->notice_node);
	ctx->nr_coid_chans--;
	list_for_each_entry_safe(n, tmp, &chan->notices, chan_node)
		qchan_notice_unlink(n, &gone);
	ctx_unlock(ctx);
	qchan_notices_free(&gone);
}

/*
 * @chan is dead (qchan_channel_fail_all() ran): its scoids are dropped and
 * every connection to it is reported to the processes that asked
 * (COIDDEATH).  The connections are taken with a reference under the
 * server's lock and reported under their own process's, one after the other.
 */
void qchan_channel_gone(struct qchan_channel *chan)
{
	struct qchan_ctx *ctx = chan->ctx;
	int prio = qchan_current_priority();
	struct qchan_scon *scon, *stmp;
	struct qchan_conn *conn, *ctmp;
	LIST_HEAD(reap);
	LIST_HEAD(dying);

	ctx_lock(ctx);
	list_for_each_entry_safe(scon, stmp, &chan->scons, chan_node) {
		/* A connection whose last reference went is unlinking itself. */
		list_for_each_entry(conn, &scon->conns, scon_node)
			if (kref_get_unless_zero(&conn->ref))
				list_add_tail(&conn->death_node, &dying);
		if (scon->published) {
			qchan_scon_unpublish(ctx, scon);
			list_add(&scon->reap_node, &reap);
		}
	}
	ctx_unlock(ctx);

	list_for_each_entry_safe(scon, stmp, &reap, reap_node)
		qchan_scon_put(scon);
	list_for_each_entry_safe(conn, ctmp, &dying, death_node) {
		qchan_conn_chan_gone(conn, prio);
		qchan_conn_put(conn);
	}
}
