#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/kmsg/run.sh [--kernel "6.1 6.12 6.1-rt"] [--clock "icount wall"] [--n N]
#
# Cost per kernel message, measured in the kernel (module/kmsg_test.c
# "bench" command) by a SCHED_FIFO kthread on CPU 0 of a 2-vCPU guest (best
# of three runs), next to the raw mechanisms kmsg is built on:
#   imm        kmsg immediate: send, spin until it has run (round trip)
#   imm_batch  kmsg immediate: N sends back to back, wait for the last
#   rtn        kmsg routine: send, sleep until it has run (round trip)
#   rtn_batch  kmsg routine: N sends back to back, wait for the last
#   scf        smp_call_function_single(wait=1) of an empty function
#   wq         queue_work_on(system_highpri_wq) + flush_work of an empty work
#   wake_local, wake_home
#              wake a kthread sleeping on the target CPU (free to move) with
#              qchan_kmsg_wake's two policies (wake_policy 0 and 1), wait for
#              its answer; "(k moves)": wake-ups that found it on another CPU
# "local" targets CPU 0 itself, "remote" CPU 1.  Clock icount: guest
# instructions per message (-icount shift=0: 1 ns = 1 instruction; with two
# vCPUs repeatable to ~1-2% across boots); wall: TCG wall-clock ns (noisy, ratios only).  Prints a
# Markdown table; raw guest output goes to $BUILD/bench-results/kmsg-*.log.
set -euo pipefail
source "$(dirname "$0")/../../scripts/common.sh"

kernels=$QCHAN_KERNELS_ALL
clocks="icount wall"
n=10000
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernels=$2; shift 2 ;;
	--clock) clocks=$2; shift 2 ;;
	--n) n=$2; shift 2 ;;
	-h | --help) sed -n '4,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option '$1' (see $0 --help)" ;;
	esac
done
[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--n: '$n' is not a count"

mkdir -p "$BUILD/bench-results"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
cols=()
for k in $kernels; do
	for c in $clocks; do
		case "$c" in
		icount) clockarg=(--icount) ;;
		wall) clockarg=() ;;
		*) die "unknown clock '$c' (icount, wall)" ;;
		esac
		log=$BUILD/bench-results/kmsg-$k-$c.log
		note "kernel $k, clock $c: $log"
		# tsc=reliable: with 2 vCPUs the guest would read the emulated hpet.
		"$TOP/scripts/vm" run --kernel "$k" --smp 2 "${clockarg[@]}" \
			--module-param kmsg_test=1 --append "tsc=reliable slub_debug=-" \
			--file "$TOP/bench/kmsg/guest.sh" -- sh ./guest.sh "$n" >"$log" 2>&1 ||
			die "kernel $k, clock $c failed: see $log"
		release=$(sed -n 's/^vm: booting \([^ ]*\).*/\1/p' "$log" | head -n1)
		col="$k $c"
		cols+=("$col")
		awk -v col="$col" '$1 == "result" { v = $4; if ($2 ~ /^wake/) v = v " (" $5 " moves)"; print col "\t" $2 "\t" $3 "\t" v }' "$log" >>"$results"
		[ -n "$release" ] && note "kernel $k = $release"
	done
done

# One row per mechanism and placement, one column per kernel and clock.
{
	printf '| mechanism | target |'
	for c in "${cols[@]}"; do printf ' %s |' "$c"; done
	printf '\n|---|---|'
	for c in "${cols[@]}"; do printf -- '---:|'; done
	printf '\n'
	for what in imm imm_batch rtn rtn_batch scf wq wake_local wake_home; do
		for where in local remote; do
			printf '| %s | %s |' "$what" "$where"
			for c in "${cols[@]}"; do
				v=$(awk -F'\t' -v col="$c" -v w="$what" -v p="$where" \
					'$1 == col && $2 == w && $3 == p { print $4 }' "$results")
				printf ' %s |' "${v:--}"
			done
			printf '\n'
		done
	done
}
