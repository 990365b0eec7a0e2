/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan's QNX libc overlay: <stdlib.h> plus QNX's integer-to-string
 * conversions (itoa and family), implemented by libchan.
 */
#pragma GCC system_header	/* #include_next is a GCC extension */
#include_next <stdlib.h>

#if defined(_STDLIB_H) && !defined(_LIBCHAN_OVERLAY_STDLIB_H)
#define _LIBCHAN_OVERLAY_STDLIB_H

/*
 * QNX's <stdlib.h> includes <sys/wait.h>, and that <signal.h>: QNX code
 * declares a sig_atomic_t flag and a sigaction() handler having included
 * only <stdlib.h> and <unistd.h>.
 */
#include <sys/wait.h>

#ifdef __cplusplus
extern "C" {
#endif
/*
 * Write value in radix 2..36 (lower-case digits) to buf, which must hold
 * the digits, a '-' and the NUL; return buf.  Only radix 10 gives negative
 * values a '-': other radices show the two's-complement bits.  A radix
 * outside 2..36 stores "" and sets errno to EINVAL.
 */
extern char *itoa(int __value, char *__buf, int __radix);
extern char *ltoa(long __value, char *__buf, int __radix);
extern char *lltoa(long long __value, char *__buf, int __radix);
extern char *utoa(unsigned int __value, char *__buf, int __radix);
extern char *ultoa(unsigned long __value, char *__buf, int __radix);
extern char *ulltoa(unsigned long long __value, char *__buf, int __radix);
#ifdef __cplusplus
}
#else
/* QNX's <stdlib.h> has them for C (resource managers' min(nb, msg->i.nbytes)). */
#ifndef max
#define max(__a, __b)	(((__a) > (__b)) ? (__a) : (__b))
#endif
#ifndef min
#define min(__a, __b)	(((__a) < (__b)) ? (__a) : (__b))
#endif
#endif

#endif
