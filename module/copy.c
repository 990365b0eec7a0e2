// SPDX-License-Identifier: GPL-2.0
/*
 * The copy engine: moves message bytes between a sender's address space and
 * the calling server thread's.
 *
 * Two tiers.  A message of at most qchan_inline_max bytes is copied by the
 * sender into a kernel buffer before it blocks (on its stack up to
 * QCHAN_STACK_INLINE bytes): no page is pinned and the server's copy-out is a
 * plain copy_to_iter().  A larger message is copied once, directly between
 * the address spaces, by the server thread, so the bytes land in the cache
 * of the thread that uses them.  The sender pins the first pin_max pages of
 * its vectors itself before it blocks (pin_user_pages_fast on its own mm:
 * lockless, one call for the lot) and unpins them when the message ends; the
 * server copies through those and pins whatever lies beyond them itself, a
 * bounded chunk at a time (pin_user_pages_remote on the sender's mm), so a
 * message of any size never pins more than 2 x pin_max + QCHAN_PIN_CHUNK
 * pages at once.  Replies mirror this: a short reply goes through a kernel
 * buffer that the sender copies out when it wakes, a long one is written
 * straight into the sender's pinned reply pages.
 *
 * The server side of every copy (its own buffers) runs with page faults
 * disabled: the caller holds the message busy, which keeps its sender from
 * leaving, and a server's page fault may take forever (userfaultfd, FUSE).
 * A copy that stops short because the server's buffer is not present returns
 * the bytes it did copy; server.c then lets go of the message, faults the
 * pages in, takes the message back and copies the rest.
 *
 * Errors: -EREMOTEIO is a fault in the sender's buffers, -EINTR the caller
 * being killed (a long copy stops between chunks); server.c turns them into
 * the errnos each side sees.
 */
#include <linux/compat.h>
#include <linux/futex.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <asm/futex.h>

#include "qchan.h"

#define QCHAN_PIN_CHUNK	16	/* pages pinned at once: 64 KiB with 4 KiB pages */

/*
 * A 32-bit caller's vector is an array of struct compat_iovec (QNX's 32-bit
 * iov_t), as import_iovec() reads it for the other commands; the kernel's
 * own reader, iovec_from_user(), is not exported.
 */
static int qchan_compat_iov_copy(struct iovec *iov, const struct iovec __user *uvec, u32 nr)
{
	const struct compat_iovec __user *uiov = (const struct compat_iovec __user *)uvec;
	compat_uptr_t base;
	compat_size_t len;
	u32 i;

	if (!user_access_begin(uiov, array_size(nr, sizeof(*uiov))))
		return -EFAULT;
	for (i = 0; i < nr; i++) {
		unsafe_get_user(base, &uiov[i].iov_base, err_fault);
		unsafe_get_user(len, &uiov[i].iov_len, err_fault);
		iov[i].iov_base = compat_ptr(base);
		iov[i].iov_len = len;
	}
	user_access_end();
	return 0;

err_fault:
	user_access_end();
	return -EFAULT;
}

/*
 * Copies a sender's iovec array into the kernel, validated: at most
 * UIO_MAXIOV parts, each inside the user address range, the total at most
 * MAX_RW_COUNT (QNX's EOVERFLOW otherwise).  *iovp is @fast or a kmalloc'ed
 * array the caller kfree()s.
 */
int qchan_iov_import(const struct iovec __user *uvec, u32 nr, struct iovec *fast,
		     struct iovec **iovp, size_t *total)
{
	return qchan_iov_import_as(uvec, nr, fast, iovp, total, in_compat_syscall());
}

/* As qchan_iov_import(), for a caller of the ABI @compat says (an io_uring submitter's). */
int qchan_iov_import_as(const struct iovec __user *uvec, u32 nr, struct iovec *fast,
			struct iovec **iovp, size_t *total, bool compat)
{
	struct iovec *iov = fast;
	size_t len = 0;
	u32 i;
	int err;

	if (nr > UIO_MAXIOV)
		return -EOVERFLOW;
	if (nr > UIO_FASTIOV) {
		iov = kmalloc_array(nr, sizeof(*iov), GFP_KERNEL);
		if (!iov)
			return -ENOMEM;
	}
	if (unlikely(compat)) {
		err = qchan_compat_iov_copy(iov, uvec, nr);
		if (err)
			goto err_free;
	} else if (nr == 1) {
		/* A constant size: no run-time hardened-usercopy check of the stack array. */
		if (copy_from_user(iov, uvec, sizeof(*iov))) {
			err = -EFAULT;
			goto err_free;
		}
	} else if (copy_from_user(iov, uvec, array_size(nr, sizeof(*iov)))) {
		err = -EFAULT;
		goto err_free;
	}
	for (i = 0; i < nr; i++) {
		if (check_add_overflow(len, iov[i].iov_len, &len) || len > MAX_RW_COUNT) {
			err = -EOVERFLOW;
			goto err_free;
		}
		if (!access_ok(iov[i].iov_base, iov[i].iov_len)) {
			err = -EFAULT;
			goto err_free;
		}
	}
	*iovp = iov;
	*total = len;
	return 0;

err_free:
	if (iov != fast)
		kfree(iov);
	return err;
}

/*
 * Direct tier: the sender checks that its whole send buffer is readable
 * before it is queued, so a bad buffer fails the send whether or not the
 * server's receive reaches the bad part, exactly as in the short tier.
 */
int qchan_check_readable(const struct iovec *iov, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (iov[i].iov_len && fault_in_readable(iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
	return 0;
}

/*
 * The sender checks that the first @len bytes of its reply vector can be
 * written, without changing them.  A short reply is copied out by the sender
 * after the server's MsgReply has returned, too late to fail that reply as
 * QNX does (the server's EFAULT): so a reply buffer a short reply cannot
 * reach fails the send before any server sees it.  Each page is probed by
 * atomically adding zero to an aligned word in it (the futex code's user
 * access): a real write as far as the MMU is concerned (faulting the page in
 * for writing, breaking COW, honouring every mapping's rules), yet no byte
 * changes, even under a concurrent writer.  GUP would cost ten times more.
 */
int qchan_check_writable(const struct iovec *iov, unsigned long nr, size_t len)
{
	unsigned long i;
	int old;

	for (i = 0; i < nr && len; i++) {
		unsigned long addr = (unsigned long)iov[i].iov_base;
		size_t n = min(iov[i].iov_len, len);

		len -= n;
		while (n) {
			size_t piece = min_t(size_t, n, PAGE_SIZE - offset_in_page(addr));
			u32 __user *word = (u32 __user *)(addr & ~(sizeof(u32) - 1));

			if (arch_futex_atomic_op_inuser(FUTEX_OP_ADD, 0, &old, word))
				return -EFAULT;
			addr += piece;
			n -= piece;
		}
	}
	return 0;
}

/*
 * The sender gathers its own send data into @buf (short-message tier).
 * @buf holds @len bytes (the message's stack buffer or its allocation), so
 * the copies skip hardened usercopy's run-time object check, which costs a
 * stack or heap look-up per part; the vector was checked by access_ok() on
 * import.
 */
int qchan_gather_from_user(void *buf, const struct iovec *iov, unsigned long nr, size_t len)
{
	size_t done = 0, n;
	unsigned long i;

	for (i = 0; i < nr && done < len; i++) {
		n = min(iov[i].iov_len, len - done);
		if (_copy_from_user(buf + done, iov[i].iov_base, n))
			return -EFAULT;
		done += n;
	}
	return 0;
}

/* The sender scatters a short reply from @buf (@len bytes: unchecked, as above) into its vector. */
int qchan_scatter_to_user(const struct iovec *iov, unsigned long nr, const void *buf, size_t len)
{
	size_t done = 0, n;
	unsigned long i;

	for (i = 0; i < nr && done < len; i++) {
		n = min(iov[i].iov_len, len - done);
		if (_copy_to_user(iov[i].iov_base, buf + done, n))
			return -EFAULT;
		done += n;
	}
	return 0;
}

/*
 * Pages of each direction of a message the sender pins itself before it
 * blocks (pin_user_pages_fast: its own mm, no mmap lock, one lockless walk
 * for the lot), so the server copies without pinning.  What lies beyond
 * them, or what that pin could not take, the server pins remotely a chunk at
 * a time.  Bounds what one blocked sender holds pinned: 2 x 1 MiB by default.
 */
static unsigned int qchan_pin_max = 256;
module_param_named(pin_max, qchan_pin_max, uint, 0644);
MODULE_PARM_DESC(pin_max,
		 "Pages per direction a direct-tier sender pins before it blocks (0: none)");

#define QCHAN_PIN_LIMIT	(MAX_RW_COUNT >> PAGE_SHIFT)

/* Pages @iov spans, part by part: a part's pages are its own even if it shares one. */
static unsigned long qchan_iov_pages(const struct iovec *iov, unsigned long nr)
{
	unsigned long i, n = 0;

	for (i = 0; i < nr; i++)
		if (iov[i].iov_len)
			n += DIV_ROUND_UP(offset_in_page(iov[i].iov_base) + iov[i].iov_len,
					  PAGE_SIZE);
	return n;
}

/* Pins the first pages of @iov, at most @max, into @pages; how many (a prefix). */
static unsigned int qchan_pin_vec(const struct iovec *iov, unsigned long nr, unsigned int max,
				  unsigned int gup_flags, struct page **pages)
{
	unsigned int done = 0;
	unsigned long i;

	for (i = 0; i < nr && done < max; i++) {
		unsigned long addr = (unsigned long)iov[i].iov_base;
		unsigned int n;
		int got;

		if (!iov[i].iov_len)
			continue;
		n = min_t(unsigned long, max - done,
			  DIV_ROUND_UP(offset_in_page(addr) + iov[i].iov_len, PAGE_SIZE));
		got = pin_user_pages_fast(addr & PAGE_MASK, n, gup_flags, pages + done);
		if (got > 0)
			done += got;
		if (got != n)
			break;	/* the server's remote pin meets the fault, as without this */
	}
	return done;
}

/*
 * The sender of a direct-tier @msg, before it posts it: pins the start of
 * its send vector and, with @pin_reply, of its reply vector (reply first, for writing:
 * where the two overlap, the send pins then find the very pages a MsgWrite
 * changes).  Failing to pin is not an error: the server pins remotely then.
 * True when the whole send vector is pinned, so known to be readable.
 */
bool qchan_msg_pin(struct qchan_msg *msg, bool pin_reply)
{
	unsigned int max = min_t(unsigned int, READ_ONCE(qchan_pin_max), QCHAN_PIN_LIMIT);
	unsigned long sall = 0, ns = 0, nr = 0;
	struct page **pins;

	sall = qchan_iov_pages(msg->siov, msg->sparts);
	ns = min_t(unsigned long, sall, max);
	if (pin_reply)
		nr = min_t(unsigned long, qchan_iov_pages(msg->riov, msg->rparts), max);
	if (!ns && !nr)
		return false;
	pins = msg->stack_pins;
	if (ns + nr > ARRAY_SIZE(msg->stack_pins)) {
		pins = kvmalloc_array(ns + nr, sizeof(*pins), GFP_KERNEL_ACCOUNT);
		if (!pins)
			return false;
	}
	msg->pins = pins;
	if (nr)
		msg->nr_rpins = qchan_pin_vec(msg->riov, msg->rparts, nr, FOLL_WRITE, pins);
	if (ns)
		msg->nr_spins = qchan_pin_vec(msg->siov, msg->sparts, ns, 0,
					      pins + msg->nr_rpins);
	qchan_stat_add(pinned_pages, msg->nr_spins + msg->nr_rpins);
	return sall && msg->nr_spins == sall;
}

/* The sender, once no server can copy @msg any more: lets go of its pins. */
void qchan_msg_unpin(struct qchan_msg *msg)
{
	if (!msg->pins)
		return;
	if (msg->nr_rpins) {
		if (msg->rpins_dirty)
			unpin_user_pages_dirty_lock(msg->pins, msg->nr_rpins, true);
		else
			unpin_user_pages(msg->pins, msg->nr_rpins);
	}
	if (msg->nr_spins)
		unpin_user_pages(msg->pins + msg->nr_rpins, msg->nr_spins);
	qchan_stat_add(pinned_pages, -(long)(msg->nr_spins + msg->nr_rpins));
	if (msg->pins != msg->stack_pins)
		kvfree(msg->pins);
	msg->pins = NULL;
	msg->nr_spins = 0;
	msg->nr_rpins = 0;
}

/*
 * Copies @len bytes between @pages (from @pgoff in the first) and @iter.
 * Without highmem a page is its direct-map address, and pages that lie next
 * to each other there (common for a freshly faulted buffer) are copied as
 * one run: one user copy, one iterator step, instead of one per page.
 * Returns the bytes not copied: nonzero when the caller's buffer is absent.
 */
static size_t qchan_copy_pages(struct page **pages, unsigned long pgoff, size_t len,
			       struct iov_iter *iter, bool to_sender)
{
	unsigned long i = 0;

	pagefault_disable();
	while (len) {
		size_t piece = min(len, PAGE_SIZE - pgoff);
		unsigned long n = 1;
		size_t copied;

		if (IS_ENABLED(CONFIG_HIGHMEM)) {
			copied = to_sender ? copy_page_from_iter(pages[i], pgoff, piece, iter) :
					     copy_page_to_iter(pages[i], pgoff, piece, iter);
		} else {
			u8 *kaddr = page_address(pages[i]);

			while (piece < len && page_address(pages[i + n]) == kaddr + n * PAGE_SIZE) {
				piece += min_t(size_t, len - piece, PAGE_SIZE);
				n++;
			}
			copied = to_sender ? _copy_from_iter(kaddr + pgoff, piece, iter) :
					     _copy_to_iter(kaddr + pgoff, piece, iter);
		}
		len -= copied;
		if (copied != piece)
			break;
		i += n;
		pgoff = 0;
	}
	pagefault_enable();
	return len;
}

/*
 * Moves up to iov_iter_count(@iter) bytes between the sender's vector
 * (@iov, @nr, @total bytes) from @offset and @iter: through the pages the
 * sender pinned (@pins, @npins: the vector's first pages), and beyond them
 * through pages of the sender's mm pinned here a chunk at a time.
 * @to_sender: the iter is the source and the sender's pages are written.
 */
static ssize_t qchan_copy_remote(struct qchan_msg *msg, const struct iovec *iov,
				 unsigned long nr, size_t total, size_t offset,
				 struct iov_iter *iter, bool to_sender,
				 struct page **pins, unsigned int npins)
{
	struct page *pages[QCHAN_PIN_CHUNK];
	size_t want, done = 0;
	unsigned long seg = 0, segpage = 0;	/* index of iov[seg]'s first page */

	if (offset >= total)
		return 0;
	want = min(iov_iter_count(iter), total - offset);

	while (done < want) {
		unsigned long addr, pgoff, npages, idx;
		size_t chunk, left;
		long pinned;

		/* Find the part holding @offset (zero-length parts are skipped here too). */
		while (seg < nr && offset >= iov[seg].iov_len) {
			if (iov[seg].iov_len)
				segpage += DIV_ROUND_UP(offset_in_page(iov[seg].iov_base) +
							iov[seg].iov_len, PAGE_SIZE);
			offset -= iov[seg].iov_len;
			seg++;
		}
		if (WARN_ON_ONCE(seg >= nr))
			break;

		addr = (unsigned long)iov[seg].iov_base + offset;
		pgoff = offset_in_page(addr);
		idx = segpage + ((offset_in_page(iov[seg].iov_base) + offset) >> PAGE_SHIFT);
		if (idx < npins) {
			/* The sender's own pins: no pinning here, and no chunk limit. */
			chunk = min3(iov[seg].iov_len - offset, want - done,
				     (size_t)(npins - idx) * PAGE_SIZE - pgoff);
			left = qchan_copy_pages(pins + idx, pgoff, chunk, iter, to_sender);
			goto advance;
		}

		if (fatal_signal_pending(current))
			return -EINTR;
		chunk = min3(iov[seg].iov_len - offset, want - done,
			     (size_t)QCHAN_PIN_CHUNK * PAGE_SIZE - pgoff);
		npages = DIV_ROUND_UP(pgoff + chunk, PAGE_SIZE);

		mmap_read_lock(msg->mm);
		pinned = qchan_pin_user_pages_remote(msg->mm, addr & PAGE_MASK, npages,
						     to_sender ? FOLL_WRITE : 0, pages, NULL);
		mmap_read_unlock(msg->mm);
		/* GUP gives up when we are being killed: not the sender's fault. */
		if (pinned < 0 && fatal_signal_pending(current))
			return -EINTR;
		if (pinned == -ENOMEM)
			return -ENOMEM;
		if (pinned <= 0)
			return -EREMOTEIO;
		qchan_stat_add(pinned_pages, pinned);
		if (pinned < npages)	/* copy what was pinned; the next round reports the fault */
			chunk = pinned * PAGE_SIZE - pgoff;

		left = qchan_copy_pages(pages, pgoff, chunk, iter, to_sender);

		if (to_sender)
			unpin_user_pages_dirty_lock(pages, pinned, true);
		else
			unpin_user_pages(pages, pinned);
		qchan_stat_add(pinned_pages, -pinned);
advance:
		if (left) {
			done += chunk - left;
			break;
		}

		done += chunk;
		offset += chunk;
	}
	qchan_stat_add(bytes_direct, done);
	return done;
}

/* Server side: the sender's send data from @offset into @to; short if @to is not present. */
ssize_t qchan_copy_from_sender(struct qchan_msg *msg, size_t offset, struct iov_iter *to)
{
	size_t n, copied;

	if (!msg->sbuf)
		return qchan_copy_remote(msg, msg->siov, msg->sparts, msg->slen, offset, to, false,
					 msg->pins + msg->nr_rpins, msg->nr_spins);

	if (offset >= msg->slen)
		return 0;
	n = min(iov_iter_count(to), msg->slen - offset);
	/*
	 * Unchecked copy: sbuf may sit on the sender's (vmalloc'ed) stack, where
	 * hardened usercopy would search the vmap tree under a global lock on
	 * every message; the bounds were established above.
	 */
	pagefault_disable();
	copied = _copy_to_iter(msg->sbuf + offset, n, to);
	pagefault_enable();
	qchan_stat_add(bytes_inline, copied);
	return copied;
}

/*
 * Server side: a short reply into the server's own @buf, before the message
 * is claimed (nothing waits on this copy, so it may fault).
 */
int qchan_copy_reply_inline(void *buf, size_t len, struct iov_iter *from)
{
	if (_copy_from_iter(buf, len, from) != len)
		return -EFAULT;
	qchan_stat_add(bytes_inline, len);
	return 0;
}

/* Server side: @from into the sender's reply buffers from @offset; short if @from is absent. */
ssize_t qchan_copy_to_sender(struct qchan_msg *msg, size_t offset, struct iov_iter *from)
{
	/* An io_uring sender's reply goes through a kernel buffer; there is no mm to write. */
	if (msg->uasync)
		return qchan_uring_write(msg, offset, from);
	if (msg->nr_rpins && !msg->rpins_dirty)
		WRITE_ONCE(msg->rpins_dirty, true);
	return qchan_copy_remote(msg, msg->riov, msg->rparts, msg->rlen, offset, from, true,
				 msg->pins, msg->nr_rpins);
}
