# SPDX-License-Identifier: GPL-2.0
#
# breakdown.awk: turns bench/breakdown-in-guest's output into the per-phase
# table (markdown) of one mechanism.  Method: see breakdown-in-guest.
#   awk -v mech=qchan -v t0=.. -v t1=.. -v tloop=.. -v tsys=.. -v krel=.. \
#       -f breakdown.awk qchan-16.graph ioctl.graph
# Pass 1 (the qchan trace): per task, a stack of open calls; on each close, the
# call's own time (before the overhead correction) goes to its phase, in the
# round trip (numbered by the client's MsgSend entries) that is current.
function phase(fn, par) {
	if (fn == "__x64_sys_ioctl" || fn == "qchan_ioctl") return "ioctl dispatch"
	if (fn == "_copy_from_user" || fn == "_copy_to_user") {
		if (par ~ /^qchan_msg_(send|receive|reply|reply_receive)$/) return "argument copy-in/out"
		if (par == "qchan_iov_import" || par == "import_iovec") return "iov import"
		if (par == "qchan_check_writable") return "reply-buffer check"
		return "copy"
	}
	if (fn == "qchan_iov_import" || fn == "import_iovec") return "iov import"
	if (fn ~ /^qchan_(gather_from_user|scatter_to_user|copy_from_sender|copy_reply_inline)$/) return "copy"
	if (fn == "qchan_check_writable") return "reply-buffer check"
	if (fn == "try_to_wake_up") return "wake-up (try_to_wake_up)"
	if (fn == "schedule") return "schedule + switch"
	if (fn ~ /^qchan_prio_/) return "priority inheritance (out of line)"
	if (fn ~ /^_raw_spin_/) {
		if (par ~ /^qchan_/) return "ctx lock"
		return ""
	}
	if (fn ~ /^qchan_/) return "state machine"
	return ""
}
FNR == 1 { file++ }
# "CPU) task-pid | duration | call" with funcgraph-proc; durations in us.
/\|/ {
	n = split($0, col, "|")
	# the benchmark's vCPU only (qbench pins both sides to vCPU 0)
	if (n < 3 || col[1] !~ /^ *0\)/) next
	who = col[1]; sub(/^ *[0-9]+\) */, "", who); sub(/ *$/, "", who)
	if (who == "") next
	dur = col[2]; gsub(/[^0-9.]/, "", dur)
	body = col[3]
	for (i = 4; i <= n; i++) body = body "|" col[i]
	if (body ~ /\(\) \{ *$/) {
		fn = body; sub(/^ */, "", fn); sub(/ *(\[[a-z_]+\])? *\(\).*/, "", fn)
		d = ++depth[who]; st[who, d] = fn; csum[who, d] = 0; ccnt[who, d] = 0; nd[who, d] = 0
		ph = phase(fn, d > 1 ? st[who, d - 1] : "")
		pph[who, d] = ph != "" ? ph : (d > 1 ? pph[who, d - 1] : "")
		if (file == 1 && fn == "qchan_msg_send") rt++
		if (file == 2 && fn == "__x64_sys_ioctl" && d == 1) rt2++
		next
	}
	if (body ~ /\(\); *$/) {	# a leaf: its parent is the open call
		fn = body; sub(/^ */, "", fn); sub(/ *(\[[a-z_]+\])? *\(\).*/, "", fn)
		d = depth[who]
		ph = phase(fn, d > 0 ? st[who, d] : "")
		if (ph == "") ph = d > 0 ? pph[who, d] : ""
		nd[who, d + 1] = 0
		close_call(who, fn, ph, dur * 1000, 0, 0, d)
		next
	}
	if (body ~ /^ *\}/) {
		d = depth[who]
		if (d < 1) next
		close_call(who, st[who, d], pph[who, d], dur * 1000, csum[who, d], ccnt[who, d], d - 1)
		depth[who] = d - 1
	}
}
# @pd: the depth of the parent, which collects the call's duration.
function close_call(who, fn, ph, ns, cs, cc, pd) {
	if (cc == 0 && (minleaf == "" || ns < minleaf)) minleaf = ns
	if (file == 1) {
		if (ph == "") ph = "other kernel"
		own[rt, ph] += ns - cs; kids[rt, ph] += cc; cnt[rt, ph]++
		phases[ph] = 1
		calls[rt]++
	} else if (fn == "__x64_sys_ioctl" && pd == 0) {
		sysown[rt2] = ns; sysdesc[rt2] = nd[who, pd + 1]
	}
	if (pd > 0) {
		csum[who, pd] += ns; ccnt[who, pd]++
		nd[who, pd] += 1 + nd[who, pd + 1]
	}
}
function median(arr, k,   i, j, t) {
	for (i = 2; i <= k; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
	return arr[int((k + 1) / 2)]
}
END {
	# Round trips 2 .. rt-1 are whole (the first starts mid-way, the last is cut).
	k = 0
	for (r = 2; r < rt; r++) v[++k] = calls[r]
	ncalls = median(v, k)
	o = (t1 - t0) / ncalls
	e = minleaf
	# the GET_FEATURES ioctl: what runs inside __x64_sys_ioctl, less the tracer
	k2 = 0
	for (r = 2; r < rt2; r++) w[++k2] = sysown[r] - e - sysdesc[r] * o
	sysbody = median(w, k2)
	entry_exit = tsys - tloop - sysbody
	total = 0
	printf "\n### %s, 16 B, %s\n\n", mech, krel
	printf "Untraced p50 %d; traced p50 %d over %d traced calls a round trip: %.1f instructions of tracer per call (O), E = %d (shortest traced leaf); %d round trips traced.\n\n", t0, t1, ncalls, o, e, rt - 2
	printf "| phase | instructions | share |\n|---|---:|---:|\n"
	for (ph in phases) {
		k = 0
		for (r = 2; r < rt; r++) x[++k] = own[r, ph] - kids[r, ph] * (o - e) - cnt[r, ph] * e
		val[ph] = median(x, k)
		total += val[ph]
	}
	rest = t0 - total
	nsys = (mech == "qchan") ? 3 : 2
	ee = nsys * entry_exit
	user = rest - ee
	ord = "ioctl dispatch|argument copy-in/out|iov import|copy|reply-buffer check|ctx lock|state machine|priority inheritance (out of line)|wake-up (try_to_wake_up)|schedule + switch|other kernel"
	m = split(ord, names, "|")
	own_q = 0
	for (i = 1; i <= m; i++) {
		ph = names[i]
		if (!(ph in phases)) continue
		printf "| %s | %d | %.1f%% |\n", ph, val[ph], 100 * val[ph] / t0
		if (ph != "schedule + switch" && ph != "wake-up (try_to_wake_up)" && ph != "other kernel")
			own_q += val[ph]
		delete phases[ph]
	}
	for (ph in phases) printf "| %s | %d | %.1f%% |\n", ph, val[ph], 100 * val[ph] / t0
	printf "| syscall entry/exit (%d x %d) | %d | %.1f%% |\n", nsys, entry_exit, ee, 100 * ee / t0
	printf "| user space: libchan + bench loop (timing %d) | %d | %.1f%% |\n", tloop, user, 100 * user / t0
	printf "| **round trip** | **%d** | |\n", t0
	printf "\nqchan's own part (everything but syscall entry/exit, the scheduler's wake-up and switch, other kernel code and the bench's timing calls): **%d**, %.1f%%: the module %d, user space %d (libchan with the bench loop around it).\n", own_q + user - tloop, 100 * (own_q + user - tloop) / t0, own_q, user - tloop
	printf "BREAKDOWN %s own=%d total=%d\n", mech, own_q + user - tloop, t0 > "/dev/stderr"
}
