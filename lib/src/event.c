// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Events: MsgDeliverEvent, MsgVerifyEvent, MsgRegisterEvent,
 * MsgUnregisterEvent.
 *
 * The kernel reads struct qchan_sigevent, fixed-width; the struct sigevent
 * of each ABI (glibc's, with QNX's names laid over it: <sys/siginfo.h>) is
 * translated here, so a 32-bit program's 4-byte sigval and its other offsets
 * never reach the kernel.  sigev_notify's kinds and flags are the kernel's
 * numbers (QCHAN_SIGEV_*), passed through unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/qchan.h>
#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "internal.h"

_Static_assert(SIGEV_SIGNAL == QCHAN_SIGEV_SIGNAL && SIGEV_NONE == QCHAN_SIGEV_NONE &&
	       SIGEV_THREAD == QCHAN_SIGEV_THREAD &&
	       SIGEV_SIGNAL_CODE == QCHAN_SIGEV_SIGNAL_CODE &&
	       SIGEV_SIGNAL_THREAD == QCHAN_SIGEV_SIGNAL_THREAD &&
	       SIGEV_PULSE == QCHAN_SIGEV_PULSE && SIGEV_FLAG_HANDLE == QCHAN_SIGEV_FLAG_HANDLE &&
	       SIGEV_FLAG_UPDATEABLE == QCHAN_SIGEV_FLAG_UPDATEABLE &&
	       SIGEV_FLAG_CODE_UPDATEABLE == QCHAN_SIGEV_FLAG_CODE_UPDATEABLE &&
	       SIGEV_FLAG_SIVAL_INT == QCHAN_SIGEV_FLAG_SIVAL_INT,
	       "sigev_notify is passed to the kernel unchanged");

static void event_import(const struct sigevent *ev, struct qchan_sigevent *k)
{
	memset(k, 0, sizeof(*k));
	k->notify = (uint32_t)ev->sigev_notify;
	k->signo = ev->sigev_signo;
	k->code = ev->sigev_code;
	k->priority = ev->sigev_priority;
	/* An int value is sign-extended, as MsgSendPulse does; a pointer is the pointer. */
	if (ev->sigev_notify & SIGEV_FLAG_SIVAL_INT)
		k->value = (uint64_t)(int64_t)ev->sigev_value.sival_int;
	else
		k->value = (uint64_t)(uintptr_t)ev->sigev_value.sival_ptr;
	if (ev->sigev_notify & SIGEV_FLAG_HANDLE)
		k->handle = (uint32_t)ev->sigev_handle;
}

static int event_call(unsigned long req, int rcvid, const struct sigevent *event)
{
	struct qchan_msg_deliver_event arg;
	int fd;

	if (!event)
		return -EFAULT;
	fd = qchan_ctx();
	if (unlikely(fd < 0))
		return fd;
	memset(&arg, 0, sizeof(arg));
	arg.rcvid = rcvid;
	event_import(event, &arg.event);
	return qchan_ioctl(fd, req, &arg);
}

static int event_register(struct sigevent *event, int coid)
{
	struct qchan_register_event arg;
	int fd, err;

	if (!event)
		return -EFAULT;
	fd = qchan_ctx();
	if (unlikely(fd < 0))
		return fd;
	memset(&arg, 0, sizeof(arg));
	arg.coid = coid;
	arg.flags = coid == -1 ? QCHAN_REGEVENT_ANY_SERVER : 0;
	event_import(event, &arg.event);
	err = qchan_ioctl(fd, QCHAN_IOC_REGISTER_EVENT, &arg);
	if (err)
		return err;
	/* The event keeps its value (an UPDATEABLE one's default) and gains the handle. */
	event->sigev_notify = (int)arg.event.notify;
	event->sigev_handle = (int)arg.event.handle;
	return 0;
}

static int event_unregister(const struct sigevent *event)
{
	struct qchan_register_event arg;
	int fd;

	if (!event)
		return -EFAULT;
	if (!(event->sigev_notify & SIGEV_FLAG_HANDLE))
		return -ESRCH;
	fd = qchan_ctx();
	if (unlikely(fd < 0))
		return fd;
	memset(&arg, 0, sizeof(arg));
	arg.event.handle = (uint32_t)event->sigev_handle;
	return qchan_ioctl(fd, QCHAN_IOC_UNREGISTER_EVENT, &arg);
}

QCHAN_EXPORT int MsgDeliverEvent_r(int rcvid, const struct sigevent *event)
{
	return event_call(QCHAN_IOC_MSG_DELIVER_EVENT, rcvid, event);
}

QCHAN_EXPORT int MsgDeliverEvent(int rcvid, const struct sigevent *event)
{
	return (int)qchan_set_errno(event_call(QCHAN_IOC_MSG_DELIVER_EVENT, rcvid, event));
}

QCHAN_EXPORT int MsgVerifyEvent_r(int rcvid, const struct sigevent *event)
{
	return event_call(QCHAN_IOC_MSG_VERIFY_EVENT, rcvid, event);
}

QCHAN_EXPORT int MsgVerifyEvent(int rcvid, const struct sigevent *event)
{
	return (int)qchan_set_errno(event_call(QCHAN_IOC_MSG_VERIFY_EVENT, rcvid, event));
}

QCHAN_EXPORT int MsgRegisterEvent_r(struct sigevent *event, int coid)
{
	return event_register(event, coid);
}

QCHAN_EXPORT int MsgRegisterEvent(struct sigevent *event, int coid)
{
	return (int)qchan_set_errno(event_register(event, coid));
}

QCHAN_EXPORT int MsgUnregisterEvent_r(const struct sigevent *event)
{
	return event_unregister(event);
}

QCHAN_EXPORT int MsgUnregisterEvent(const struct sigevent *event)
{
	return (int)qchan_set_errno(event_unregister(event));
}
