# SPDX-License-Identifier: GPL-2.0
#
# Sums a function_graph trace (-icount: 1 ns = 1 guest instruction) per
# traced function: calls per message, inclusive instructions per message, and
# the same less the tracer's overhead O (-v o=) for each traced call nested
# inside it.  -v n=MESSAGES.  Stacks are kept per task: one CPU, tasks switch
# inside schedule().
function dur(s,   v) {
	v = s; gsub(/[^0-9.]/, "", v)
	return v * 1000
}
/^ *[0-9]+\)/ {
	split($0, f, "|")
	if (length(f) < 3)
		next
	pid = f[1]; sub(/^ *[0-9]+\) */, "", pid); gsub(/ /, "", pid)
	d = f[2]; body = f[3]
	for (i = 4; i <= length(f); i++) body = body "|" f[i]
	if (body ~ /\) \{ *$/) {		# entry
		fn = body; sub(/^ */, "", fn); sub(/\(.*/, "", fn)
		sp[pid]++; st[pid, sp[pid]] = fn; ds[pid, sp[pid]] = 0
	} else if (body ~ /^ *\}/) {		# exit
		fn = body; sub(/.*\/\* */, "", fn); sub(/ *\*\/.*/, "", fn)
		if (sp[pid] < 1)
			next
		x = dur(d); nd = ds[pid, sp[pid]]
		calls[fn]++; tot[fn] += x; net[fn] += x - nd * o - e
		sp[pid]--
		if (sp[pid] > 0)
			ds[pid, sp[pid]] += nd + 1
	} else if (body ~ /\);/) {		# leaf
		fn = body; sub(/^ */, "", fn); sub(/\(.*/, "", fn)
		x = dur(d)
		calls[fn]++; tot[fn] += x; net[fn] += x - e
		if (sp[pid] > 0)
			ds[pid, sp[pid]]++
	}
}
END {
	for (fn in calls) {
		all += calls[fn]
		printf "%-36s %8.2f %10.0f %10.0f\n", fn, calls[fn] / n, tot[fn] / n, net[fn] / n
	}
	printf "%-36s %8.2f\n", "ALL-TRACED-CALLS", all / n
}
