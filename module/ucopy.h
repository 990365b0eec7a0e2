/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A sender's short-path user accesses, shared by the blocking send (msg.c)
 * and the io_uring one (uring.c): its arguments, a one-part vector, a short
 * message and a short reply each in one user access, without a call.  Under
 * Debian's kernels a copy_from_user() costs a call, its checks and a copy
 * loop (no FSRM on the emulated CPU: one instruction a byte under icount),
 * and the stack struct it fills is zeroed first (CONFIG_INIT_STACK_ALL_ZERO):
 * docs/PERFORMANCE.md, "Third round: the client" and "the blocking client".
 * Longer or many-part cases go to copy.c's general routines.
 */
#ifndef QCHAN_UCOPY_H
#define QCHAN_UCOPY_H

#include <linux/compat.h>
#include <linux/futex.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <asm/futex.h>

#include "qchan.h"

/* The send's arguments, a field at a time (same layout for a 32-bit caller). */
static __always_inline int qchan_send_args_get(struct qchan_msg_send *a,
					       const struct qchan_msg_send __user *u)
{
	if (!user_access_begin(u, sizeof(*u)))
		return -EFAULT;
	unsafe_get_user(a->coid, &u->coid, efault);
	unsafe_get_user(a->flags, &u->flags, efault);
	unsafe_get_user(a->send_parts, &u->send_parts, efault);
	unsafe_get_user(a->reply_parts, &u->reply_parts, efault);
	unsafe_get_user(a->send_iov_ptr, &u->send_iov_ptr, efault);
	unsafe_get_user(a->reply_iov_ptr, &u->reply_iov_ptr, efault);
	unsafe_get_user(a->status, &u->status, efault);
	unsafe_get_user(a->timeout, &u->timeout, efault);
	unsafe_get_user(a->timeout_clock, &u->timeout_clock, efault);
	unsafe_get_user(a->reserved, &u->reserved, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/* A one-part vector's iovec in one user access: two loads, not a copy routine. */
static __always_inline int qchan_get_iovec(struct iovec *iov, const struct iovec __user *u)
{
	if (!user_access_begin(u, sizeof(*u)))
		return -EFAULT;
	unsafe_get_user(iov->iov_base, &u->iov_base, efault);
	unsafe_get_user(iov->iov_len, &u->iov_len, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * A send's or reply's vector into @fast, as qchan_iov_import_as() does it,
 * a one-part vector (a short message's usual case) read in one user access;
 * a 32-bit caller's as its struct compat_iovec.
 */
static __always_inline int qchan_iov_import_fast(u64 ptr, u32 parts, struct iovec *fast,
						 struct iovec **iovp, size_t *len, bool compat)
{
	const struct iovec __user *u = u64_to_user_ptr(ptr);

	if (parts != 1)
		return qchan_iov_import_as(u, parts, fast, iovp, len, compat);
	if (unlikely(compat)) {
		const struct compat_iovec __user *cu = (const struct compat_iovec __user *)u;
		compat_uptr_t base;
		compat_size_t clen;

		if (!user_access_begin(cu, sizeof(*cu)))
			return -EFAULT;
		unsafe_get_user(base, &cu->iov_base, efault);
		unsafe_get_user(clen, &cu->iov_len, efault);
		user_access_end();
		fast->iov_base = compat_ptr(base);
		fast->iov_len = clen;
	} else if (qchan_get_iovec(fast, u)) {
		return -EFAULT;
	}
	if (fast->iov_len > MAX_RW_COUNT)
		return -EOVERFLOW;
	if (!access_ok(fast->iov_base, fast->iov_len))
		return -EFAULT;
	*iovp = fast;
	*len = fast->iov_len;
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * @len bytes from user @src in one user access, a word at a time: the kernel
 * has no unsafe_copy_from_user() (its generic one is a checked copy), and
 * copy_from_user() costs a call, its checks and a byte loop.  For short
 * lengths only (a message or reply of the stack tier).
 */
static __always_inline int qchan_read_short(void *dst, const char __user *src, size_t len)
{
	if (!user_access_begin(src, len))
		return -EFAULT;
	for (; len >= sizeof(u64); dst += sizeof(u64), src += sizeof(u64), len -= sizeof(u64))
		unsafe_get_user(*(u64 *)dst, (const u64 __user *)src, efault);
	if (len & sizeof(u32)) {
		unsafe_get_user(*(u32 *)dst, (const u32 __user *)src, efault);
		dst += sizeof(u32);
		src += sizeof(u32);
	}
	if (len & sizeof(u16)) {
		unsafe_get_user(*(u16 *)dst, (const u16 __user *)src, efault);
		dst += sizeof(u16);
		src += sizeof(u16);
	}
	if (len & sizeof(u8))
		unsafe_get_user(*(u8 *)dst, src, efault);
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

/* The send's bytes into msg->sbuf: a short message in one part with qchan_read_short(). */
static __always_inline int qchan_gather_short(struct qchan_msg *msg)
{
	if (msg->sparts != 1 || msg->slen > sizeof(msg->stack_sbuf))
		return qchan_gather_from_user(msg->sbuf, msg->siov, msg->sparts, msg->slen);
	return qchan_read_short(msg->sbuf, msg->siov[0].iov_base, msg->slen);
}

/*
 * The reply's bytes (msg->rbuf) into the sender's buffers.  A short reply
 * to a one-part vector (rbuf_len never exceeds it) is written in one user
 * access; a long one by the string copy.
 */
static __always_inline int qchan_reply_out(struct qchan_msg *msg)
{
	void __user *dst;

	if (msg->rparts != 1 || msg->rbuf_len > sizeof(msg->stack_rbuf))
		return qchan_scatter_to_user(msg->riov, msg->rparts, msg->rbuf, msg->rbuf_len);
	dst = msg->riov[0].iov_base;
	if (!user_write_access_begin(dst, msg->rbuf_len))
		return -EFAULT;
	unsafe_copy_to_user(dst, msg->rbuf, msg->rbuf_len, efault);
	user_write_access_end();
	return 0;
efault:
	user_write_access_end();
	return -EFAULT;
}

/*
 * qchan_check_writable() of the usual short reply buffer, one part within
 * one page: its one probe without the call and the walk.
 */
static __always_inline int qchan_check_writable_fast(const struct iovec *iov, unsigned long nr,
						     size_t len)
{
	unsigned long addr;
	int old;

	if (nr != 1)
		return qchan_check_writable(iov, nr, len);
	addr = (unsigned long)iov->iov_base;
	len = min(iov->iov_len, len);
	if (!len)
		return 0;
	if (offset_in_page(addr) + len > PAGE_SIZE)
		return qchan_check_writable(iov, nr, len);
	return arch_futex_atomic_op_inuser(FUTEX_OP_ADD, 0, &old,
					   (u32 __user *)(addr & ~(sizeof(u32) - 1))) ? -EFAULT : 0;
}

#endif /* QCHAN_UCOPY_H */
