// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compiled by "make -C lib check" with the overlay once per glibc header
 * that can be the first to declare union sigval (-DFIRST=<header>): QNX's
 * sival_long must exist whichever came first.
 */
#include FIRST
#include <sys/neutrino.h>

long sigval_order_test(union sigval v);
long sigval_order_test(union sigval v)
{
	return v.sival_long;
}
