// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * _IO_NOTIFY helpers (QNX's iofunc_notify*): a client asks which of the
 * input, output and out-of-band conditions hold and may arm its event for
 * those that do not; the manager fires armed events with
 * iofunc_notify_trigger() (MsgDeliverEvent to the client, then disarmed)
 * and drops a client's entries at close with iofunc_notify_remove(). The
 * lists are the manager's, guarded by its attr lock as on QNX.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "rm.h"

_Static_assert(sizeof(struct sigevent) <= sizeof(((iofunc_notify_event_t *)0)->event),
	       "a struct sigevent fits the notify entry");

static const int cond_bit[3] = {
	[IOFUNC_NOTIFY_INPUT] = _NOTIFY_COND_INPUT,
	[IOFUNC_NOTIFY_OUTPUT] = _NOTIFY_COND_OUTPUT,
	[IOFUNC_NOTIFY_OBAND] = _NOTIFY_COND_OBAND,
};

/* Arms the client's event on list @i; one entry per client connection and list. */
static int notify_arm(resmgr_context_t *ctp, io_notify_t *msg, iofunc_notify_t *nop, int i,
		      int cnt)
{
	iofunc_notify_event_t *e;

	for (e = nop[i].list; e; e = e->next)
		if (e->scoid == ctp->info.scoid && e->coid == ctp->info.coid)
			break;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return ENOMEM;
		e->next = nop[i].list;
		nop[i].list = e;
	}
	e->rcvid = ctp->rcvid;
	e->scoid = ctp->info.scoid;
	e->coid = ctp->info.coid;
	e->cnt = cnt;
	e->flags = (unsigned)cond_bit[i];
	memcpy(e->event, msg->i.event, sizeof(e->event));
	return EOK;
}

RM_EXPORT int iofunc_notify(resmgr_context_t *ctp, io_notify_t *msg, iofunc_notify_t *nop,
			    int trig, const int *notifycounts, int *armed)
{
	int want, met, action, i, err, arm;

	if (!ctp || !msg || !nop)
		return EINVAL;
	want = msg->i.flags & (_NOTIFY_COND_INPUT | _NOTIFY_COND_OUTPUT | _NOTIFY_COND_OBAND);
	action = msg->i.action & _NOTIFY_ACTION_MASK;
	met = trig & want;
	if (armed)
		*armed = 0;
	/*
	 * POLL never arms; POLLARM and CONDARM arm only when nothing asked for
	 * holds; TRANARM always arms (the next transition fires it).
	 */
	arm = action == _NOTIFY_ACTION_TRANARM ||
	      ((action == _NOTIFY_ACTION_POLLARM || action == _NOTIFY_ACTION_CONDARM) && !met);
	if (arm) {
		for (i = 0; i < 3; i++) {
			if (!(want & cond_bit[i]))
				continue;
			err = notify_arm(ctp, msg, nop, i,
					 notifycounts ? notifycounts[i] : (nop[i].cnt ? nop[i].cnt : 1));
			if (err)
				return err;
		}
		if (armed)
			*armed = 1;
	}
	if (action == _NOTIFY_ACTION_CONDARM && !met)
		return EAGAIN;
	memset(&msg->o, 0, sizeof(msg->o));
	msg->o.flags = action == _NOTIFY_ACTION_TRANARM ? 0 : (_Uint32t)met;
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o));
}

RM_EXPORT void iofunc_notify_trigger(iofunc_notify_t *nop, int cnt, int index)
{
	iofunc_notify_event_t **pp, *e;
	struct sigevent ev;

	if (!nop || index < 0 || index > IOFUNC_NOTIFY_OBAND)
		return;
	pp = &nop[index].list;
	while ((e = *pp)) {
		if (e->cnt > cnt) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		memcpy(&ev, e->event, sizeof(ev));
		/* A client gone meanwhile makes this fail: its entry goes all the same. */
		MsgDeliverEvent(e->rcvid, &ev);
		free(e);
	}
}

RM_EXPORT void iofunc_notify_remove(resmgr_context_t *ctp, iofunc_notify_t *nop)
{
	iofunc_notify_event_t **pp, *e;
	int i;

	if (!ctp || !nop)
		return;
	for (i = 0; i < 3; i++) {
		pp = &nop[i].list;
		while ((e = *pp)) {
			if (e->scoid == ctp->info.scoid && e->coid == ctp->info.coid) {
				*pp = e->next;
				free(e);
			} else {
				pp = &e->next;
			}
		}
	}
}
