#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# examples/resmgr_demo.sh: runs resmgr_server (a QNX resource manager) in a
# guest with qchan and cuse loaded, and uses its /dev node from the shell,
# as a QNX course does: cat reads it, echo writes it (POSIX sh: busybox).
#
#	sh resmgr_demo.sh [DIR]
set -u

dir=${1:-$(cd "$(dirname "$0")" && pwd)}
dev=/dev/qchan-example
# shellcheck source=examples/demo_lib.sh
. "$(cd "$(dirname "$0")" && pwd)/demo_lib.sh"
demo_init resmgr-demo

echo "resmgr demo: starting resmgr_server"
demo_start "resmgr demo" server "" "$dir/resmgr_server" "$dev"
tries=0
while [ ! -c "$dev" ] && [ $tries -lt 100 ]; do
	tries=$((tries + 1))
	sleep 0.1
done
rc=0
echo "resmgr demo: \$ cat $dev"
cat "$dev" || rc=1
echo "resmgr demo: \$ echo 'written by a Linux shell' > $dev"
echo "written by a Linux shell" >"$dev" || rc=1
echo "resmgr demo: \$ cat $dev"
got=$(cat "$dev")
echo "$got"
[ "$got" = "written by a Linux shell" ] || rc=1
echo "resmgr demo: \$ echo quit > $dev"
echo quit >"$dev" || rc=1

demo_stop "resmgr demo" server 50
rm -rf "$tmp"
demo_verdict "resmgr demo" "$rc"
echo "resmgr demo: PASS"
exit 0
