#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# examples/uring_demo.sh: uring_server (one thread, io_uring) serving
# uring_client's blocking and async clients, inside a guest with qchan.
#
#	sh uring_demo.sh [DIR]
set -u

dir=${1:-$(cd "$(dirname "$0")" && pwd)}
tmp=${TMPDIR:-/tmp}/uring-demo.$$
mkdir -p "$tmp" || exit 1
idfile=$tmp/server.id

"$dir/uring_server" "$idfile" >"$tmp/server.out" 2>&1 &
server=$!
tries=0
while [ ! -s "$idfile" ]; do
	if ! kill -0 "$server" 2>/dev/null || [ $tries -ge 100 ]; then
		echo "uring demo: the server did not start:"
		cat "$tmp/server.out"
		kill "$server" 2>/dev/null
		exit 1
	fi
	tries=$((tries + 1))
	sleep 0.1
done
"$dir/uring_client" "$idfile"
client_rc=$?
tries=0
while kill -0 "$server" 2>/dev/null && [ $tries -lt 100 ]; do
	tries=$((tries + 1))
	sleep 0.1
done
kill "$server" 2>/dev/null
wait "$server"
server_rc=$?
cat "$tmp/server.out"
rm -rf "$tmp"
echo "uring demo: client exit status $client_rc, server exit status $server_rc"
[ "$client_rc" -eq 0 ] && [ "$server_rc" -eq 0 ] || { echo "uring demo: FAIL"; exit 1; }
echo "uring demo: PASS"
