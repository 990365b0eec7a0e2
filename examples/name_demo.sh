#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# examples/name_demo.sh: runs name_server and name_client inside a guest that
# has qchan loaded and libchan installed (POSIX sh: busybox is enough).
#
#	sh name_demo.sh [DIR]
#
# DIR holds name_server and name_client (default: this script's directory).
# The client finds the server by its name alone (name_open), and asks it to
# quit at the end; exits non-zero unless both succeeded.
set -u

dir=${1:-$(cd "$(dirname "$0")" && pwd)}
out=${TMPDIR:-/tmp}/name-demo.$$

echo "name demo: starting name_server"
"$dir/name_server" >"$out" 2>&1 &
server=$!

echo "name demo: running name_client -q"
"$dir/name_client" -q
client_rc=$?

tries=0
while kill -0 "$server" 2>/dev/null && [ $tries -lt 50 ]; do
	tries=$((tries + 1))
	sleep 0.1
done
if kill -0 "$server" 2>/dev/null; then
	echo "name demo: the server did not quit; killing it"
	kill "$server"
fi
wait "$server"
server_rc=$?

echo "name demo: --- server output ---"
cat "$out"
echo "name demo: --- end of server output ---"
rm -f "$out"

echo "name demo: client exit status $client_rc, server exit status $server_rc"
if [ "$client_rc" -eq 0 ] && [ "$server_rc" -eq 0 ]; then
	echo "name demo: PASS"
	exit 0
fi
echo "name demo: FAIL"
exit 1
