#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# examples/demo.sh: runs the QNX example pair inside a guest that has qchan
# loaded and libchan installed (POSIX sh: busybox is enough).
#
#	sh demo.sh [DIR]
#
# DIR holds qnx_server and qnx_client (default: this script's directory),
# and qnx_ticker_server and qnx_ticker_client, then poll_server, run next if
# they are there.
# Starts the server in the background, runs the client against it (the
# client asks the server to quit at the end), shows both sides' output and
# exits non-zero unless both succeeded.  From the host:
#	scripts/vm run --file build/examples/qnx_server --file build/examples/qnx_client \
#		--file examples/demo.sh -- sh demo.sh
set -u

dir=${1:-$(cd "$(dirname "$0")" && pwd)}
tmp=${TMPDIR:-/tmp}/qnx-demo.$$
mkdir -p "$tmp" || exit 1
idfile=$tmp/server.id

echo "demo: starting qnx_server"
"$dir/qnx_server" "$idfile" >"$tmp/server.out" 2>&1 &
server=$!

# The server publishes "pid chid" with a rename: poll for it, bounded.
tries=0
while [ ! -s "$idfile" ]; do
	if ! kill -0 "$server" 2>/dev/null || [ $tries -ge 100 ]; then
		echo "demo: the server did not start:"
		cat "$tmp/server.out"
		kill "$server" 2>/dev/null
		exit 1
	fi
	tries=$((tries + 1))
	sleep 0.1
done
echo "demo: server is up: pid/chid $(cat "$idfile")"

echo "demo: running qnx_client -q -f $idfile"
"$dir/qnx_client" -q -f "$idfile"
client_rc=$?

# The client's last message asks the server to quit; make sure it does.
tries=0
while kill -0 "$server" 2>/dev/null && [ $tries -lt 50 ]; do
	tries=$((tries + 1))
	sleep 0.1
done
if kill -0 "$server" 2>/dev/null; then
	echo "demo: the server did not quit; killing it"
	kill "$server"
fi
wait "$server"
server_rc=$?

echo "demo: --- server output ---"
cat "$tmp/server.out"
echo "demo: --- end of server output ---"
rm -rf "$tmp"

echo "demo: client exit status $client_rc, server exit status $server_rc"
[ "$client_rc" -eq 0 ] && [ "$server_rc" -eq 0 ] || { echo "demo: FAIL"; exit 1; }

# The ticker pair: a periodic timer pulse, client pulses and the unblock protocol.
if [ -x "$dir/qnx_ticker_server" ] && [ -x "$dir/qnx_ticker_client" ]; then
	mkdir -p "$tmp" || exit 1
	echo
	echo "demo: starting qnx_ticker_server (a timer pulse every 50 ms, _NTO_CHF_UNBLOCK)"
	"$dir/qnx_ticker_server" "$idfile" >"$tmp/server.out" 2>&1 &
	server=$!
	tries=0
	while [ ! -s "$idfile" ]; do
		if ! kill -0 "$server" 2>/dev/null || [ $tries -ge 100 ]; then
			echo "demo: the ticker server did not start:"
			cat "$tmp/server.out"
			kill "$server" 2>/dev/null
			exit 1
		fi
		tries=$((tries + 1))
		sleep 0.1
	done
	echo "demo: running qnx_ticker_client -f $idfile"
	"$dir/qnx_ticker_client" -f "$idfile"
	client_rc=$?
	tries=0
	while kill -0 "$server" 2>/dev/null && [ $tries -lt 50 ]; do
		tries=$((tries + 1))
		sleep 0.1
	done
	if kill -0 "$server" 2>/dev/null; then
		echo "demo: the ticker server did not quit; killing it"
		kill "$server"
	fi
	wait "$server"
	server_rc=$?
	echo "demo: --- ticker server output ---"
	cat "$tmp/server.out"
	echo "demo: --- end of ticker server output ---"
	rm -rf "$tmp"
	echo "demo: ticker client exit status $client_rc, server exit status $server_rc"
	[ "$client_rc" -eq 0 ] && [ "$server_rc" -eq 0 ] || { echo "demo: FAIL"; exit 1; }
fi

# One epoll loop: a channel fd, a timerfd and a pipe (poll_server forks its client).
if [ -x "$dir/poll_server" ]; then
	echo
	echo "demo: running poll_server (epoll on a channel fd, a timerfd and a pipe)"
	"$dir/poll_server" || { echo "demo: poll_server FAIL"; exit 1; }
fi
echo "demo: PASS"
exit 0
