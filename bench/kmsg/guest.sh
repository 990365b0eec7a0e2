#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (busybox sh): the in-kernel kmsg benchmarks of
# module/kmsg_test.c, from CPU 0 to CPU 0 (local) and CPU 1 (remote),
# best of three runs of N messages each.
# Usage: guest.sh N   (messages per measurement)
# Prints one line per measurement: "result WHAT local|remote NS_PER_MSG MOVES".
n=${1:-10000}
ctl=/sys/kernel/debug/qchan/kmsg/test/ctl
res=/sys/kernel/debug/qchan/kmsg/test/bench
[ -w "$ctl" ] || { echo "no $ctl: qchan needs kmsg_test=1" >&2; exit 1; }
for what in imm imm_batch rtn rtn_batch scf wq wake_local wake_home; do
	for dst in 0 1; do
		where=local
		[ "$dst" = 0 ] || where=remote
		# A short first pass pays for TCG's code translation; then the
		# best of three, so a stray interrupt or kthread on the other vCPU
		# (in icount mode every vCPU's instructions advance the clock)
		# does not count.
		echo "bench $what 0 $dst 200" >"$ctl" || exit 1
		best=
		for rep in 1 2 3; do
			echo "bench $what 0 $dst $n" >"$ctl" || exit 1
			set -- $(cat "$res")
			if [ -z "$best" ] || [ "$6" -lt "$best" ]; then
				best=$6
				moves=$7
			fi
		done
		echo "result $what $where $best $moves"
	done
done
