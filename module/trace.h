/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qchan's tracepoints (events/qchan/ in tracefs; docs/INTROSPECTION.md).
 * Disabled, each is a static-key nop on the message path.  pids and tids are
 * global (init namespace) numbers: tracing is a root-only, system-wide view.
 * CREATE_TRACE_POINTS: view.c.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM qchan

#if !defined(QCHAN_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define QCHAN_TRACE_H

#include <linux/sched.h>
#include <linux/tracepoint.h>

#include "qchan.h"

#define QCHAN_TRACE_SEND	0
#define QCHAN_TRACE_REPLY	1
#define QCHAN_TRACE_RECEIVE	2

TRACE_DEFINE_ENUM(QCHAN_MSG_QUEUED);
TRACE_DEFINE_ENUM(QCHAN_MSG_RECEIVED);
TRACE_DEFINE_ENUM(QCHAN_MSG_REPLYING);
TRACE_DEFINE_ENUM(QCHAN_MSG_DONE);

/*
 * QCHAN_NO_INTROSPECTION (Kbuild; a module variant bench/run builds, never
 * shipped): every event an empty inline, so that `make bench` can compare the
 * message path with its disabled tracepoints against the path without them.
 */
#ifdef QCHAN_NO_INTROSPECTION
#define QCHAN_TRACE_EVENT		TRACE_EVENT_NOP
#define QCHAN_DECLARE_EVENT_CLASS	DECLARE_EVENT_CLASS_NOP
#define QCHAN_DEFINE_EVENT		DEFINE_EVENT_NOP
#define QCHAN_TRACE_EVENT_CONDITION(name, proto, args, cond, tstruct, assign, print) \
	TRACE_EVENT_NOP(name, PARAMS(proto), PARAMS(args), PARAMS(tstruct), PARAMS(assign), \
			PARAMS(print))
#else
#define QCHAN_TRACE_EVENT		TRACE_EVENT
#define QCHAN_DECLARE_EVENT_CLASS	DECLARE_EVENT_CLASS
#define QCHAN_DEFINE_EVENT		DEFINE_EVENT
#define QCHAN_TRACE_EVENT_CONDITION	TRACE_EVENT_CONDITION
#endif

#define qchan_trace_dir(d)						\
	__print_symbolic(d, { QCHAN_TRACE_SEND, "send" }, { QCHAN_TRACE_REPLY, "reply" }, \
			 { QCHAN_TRACE_RECEIVE, "receive" })

#define qchan_trace_state(s)						\
	__print_symbolic(s, { QCHAN_MSG_QUEUED, "SEND" }, { QCHAN_MSG_RECEIVED, "REPLY" }, \
			 { QCHAN_MSG_REPLYING, "REPLY" }, { QCHAN_MSG_DONE, "DONE" })

QCHAN_TRACE_EVENT(qchan_send,
		  TP_PROTO(const struct qchan_msg *msg),
		  TP_ARGS(msg),
		  TP_STRUCT__entry(__field(int, server)
				   __field(int, chid)
				   __field(int, coid)
				   __field(int, scoid)
				   __field(size_t, slen)
				   __field(size_t, rlen)
				   __field(int, priority)
				   __field(int, kprio)),
		  TP_fast_assign(__entry->server = pid_nr(msg->chan->ctx->owner);
				 __entry->chid = msg->chan->chid;
				 __entry->coid = msg->coid;
				 __entry->scoid = msg->conn->scoid;
				 __entry->slen = msg->slen;
				 __entry->rlen = msg->rlen;
				 __entry->priority = msg->priority;
				 __entry->kprio = msg->kprio;),
		  TP_printk("server=%d chid=%d coid=%d scoid=%d slen=%zu rlen=%zu prio=%d kprio=%d",
			    __entry->server, __entry->chid, __entry->coid, __entry->scoid,
			    __entry->slen, __entry->rlen, __entry->priority, __entry->kprio));

QCHAN_TRACE_EVENT(qchan_receive,
		  TP_PROTO(const struct qchan_msg *msg, size_t len),
		  TP_ARGS(msg, len),
		  TP_STRUCT__entry(__field(int, rcvid)
				   __field(int, chid)
				   __field(int, sender)
				   __field(size_t, len)
				   __field(int, priority)),
		  TP_fast_assign(__entry->rcvid = msg->rcvid;
				 __entry->chid = msg->chan->chid;
				 __entry->sender = task_pid_nr(msg->sender);
				 __entry->len = len;
				 __entry->priority = msg->priority;),
		  TP_printk("rcvid=%d chid=%d sender=%d len=%zu prio=%d", __entry->rcvid,
			    __entry->chid, __entry->sender, __entry->len, __entry->priority));

QCHAN_TRACE_EVENT(qchan_reply,
		  TP_PROTO(const struct qchan_msg *msg, long status, size_t len),
		  TP_ARGS(msg, status, len),
		  TP_STRUCT__entry(__field(int, rcvid)
				   __field(int, sender)
				   __field(long, status)
				   __field(size_t, len)),
		  TP_fast_assign(__entry->rcvid = msg->rcvid;
				 __entry->sender = task_pid_nr(msg->sender);
				 __entry->status = status;
				 __entry->len = len;),
		  TP_printk("rcvid=%d sender=%d status=%ld len=%zu", __entry->rcvid,
			    __entry->sender, __entry->status, __entry->len));

/* A message ends in an error for its sender: MsgError, a fault, its channel's death, ... */
QCHAN_TRACE_EVENT_CONDITION(qchan_error,
			    TP_PROTO(const struct qchan_msg *msg, int error),
			    TP_ARGS(msg, error),
			    TP_CONDITION(error),
			    TP_STRUCT__entry(__field(int, sender)
					     __field(int, chid)
					     __field(int, rcvid)
					     __field(int, state)
					     __field(int, error)),
			    TP_fast_assign(__entry->sender = task_pid_nr(msg->sender);
					   __entry->chid = msg->chan->chid;
					   __entry->rcvid = msg->state == QCHAN_MSG_QUEUED ?
							    0 : msg->rcvid;
					   __entry->state = msg->state;
					   __entry->error = error;),
			    TP_printk("sender=%d chid=%d rcvid=%d state=%s error=%d",
				      __entry->sender, __entry->chid, __entry->rcvid,
				      qchan_trace_state(__entry->state), __entry->error));

QCHAN_TRACE_EVENT(qchan_pulse,
		  TP_PROTO(const struct qchan_channel *chan, const struct qchan_pulse_item *pulse),
		  TP_ARGS(chan, pulse),
		  TP_STRUCT__entry(__field(int, server)
				   __field(int, chid)
				   __field(int, scoid)
				   __field(int, code)
				   __field(u64, value)
				   __field(int, priority)),
		  TP_fast_assign(__entry->server = pid_nr(chan->ctx->owner);
				 __entry->chid = chan->chid;
				 __entry->scoid = pulse->d.scoid;
				 __entry->code = pulse->d.code;
				 __entry->value = pulse->d.value;
				 __entry->priority = pulse->priority;),
		  TP_printk("server=%d chid=%d scoid=%d code=%d value=%#llx prio=%d",
			    __entry->server, __entry->chid, __entry->scoid, __entry->code,
			    (unsigned long long)__entry->value, __entry->priority));

QCHAN_TRACE_EVENT(qchan_pulse_receive,
		  TP_PROTO(int chid, const struct qchan_pulse_data *d),
		  TP_ARGS(chid, d),
		  TP_STRUCT__entry(__field(int, chid)
				   __field(int, scoid)
				   __field(int, code)
				   __field(u64, value)),
		  TP_fast_assign(__entry->chid = chid;
				 __entry->scoid = d->scoid;
				 __entry->code = d->code;
				 __entry->value = d->value;),
		  TP_printk("chid=%d scoid=%d code=%d value=%#llx", __entry->chid, __entry->scoid,
			    __entry->code, (unsigned long long)__entry->value));

/* A blocked sender wants out (a handled signal, its timeout): released, or its server asked. */
QCHAN_TRACE_EVENT(qchan_unblock,
		  TP_PROTO(const struct qchan_msg *msg, int error, bool pulse),
		  TP_ARGS(msg, error, pulse),
		  TP_STRUCT__entry(__field(int, sender)
				   __field(int, chid)
				   __field(int, rcvid)
				   __field(int, state)
				   __field(int, error)
				   __field(bool, pulse)),
		  TP_fast_assign(__entry->sender = task_pid_nr(msg->sender);
				 __entry->chid = msg->chan->chid;
				 __entry->rcvid = msg->state == QCHAN_MSG_QUEUED ? 0 : msg->rcvid;
				 __entry->state = msg->state;
				 __entry->error = error;
				 __entry->pulse = pulse;),
		  TP_printk("sender=%d chid=%d rcvid=%d state=%s error=%d action=%s",
			    __entry->sender, __entry->chid, __entry->rcvid,
			    qchan_trace_state(__entry->state), __entry->error,
			    __entry->pulse ? "pulse" : "release"));

QCHAN_TRACE_EVENT(qchan_timeout,
		  TP_PROTO(int chid, int dir),
		  TP_ARGS(chid, dir),
		  TP_STRUCT__entry(__field(int, chid)
				   __field(int, dir)),
		  TP_fast_assign(__entry->chid = chid;
				 __entry->dir = dir;),
		  TP_printk("chid=%d blocked=%s", __entry->chid, qchan_trace_dir(__entry->dir)));

QCHAN_DECLARE_EVENT_CLASS(qchan_prio_class,
			  TP_PROTO(pid_t tid, int from, int to),
			  TP_ARGS(tid, from, to),
			  TP_STRUCT__entry(__field(pid_t, tid)
					   __field(int, from)
					   __field(int, to)),
			  TP_fast_assign(__entry->tid = tid;
					 __entry->from = from;
					 __entry->to = to;),
			  TP_printk("tid=%d kprio=%d->%d", __entry->tid, __entry->from,
				    __entry->to));

QCHAN_DEFINE_EVENT(qchan_prio_class, qchan_prio_boost,
		   TP_PROTO(pid_t tid, int from, int to),
		   TP_ARGS(tid, from, to));

QCHAN_DEFINE_EVENT(qchan_prio_class, qchan_prio_restore,
		   TP_PROTO(pid_t tid, int from, int to),
		   TP_ARGS(tid, from, to));

QCHAN_TRACE_EVENT(qchan_copy_tier,
		  TP_PROTO(int dir, size_t len, bool direct),
		  TP_ARGS(dir, len, direct),
		  TP_STRUCT__entry(__field(int, dir)
				   __field(size_t, len)
				   __field(bool, direct)),
		  TP_fast_assign(__entry->dir = dir;
				 __entry->len = len;
				 __entry->direct = direct;),
		  TP_printk("%s len=%zu tier=%s", qchan_trace_dir(__entry->dir), __entry->len,
			    __entry->direct ? "direct" : "inline"));

#endif /* QCHAN_TRACE_H */

/* Out of tree: found through Kbuild's -I$(src)/module. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
