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
#		--file examples/demo.sh --file examples/demo_lib.sh -- sh demo.sh
set -u

dir=${1:-$(cd "$(dirname "$0")" && pwd)}
# shellcheck source=examples/demo_lib.sh
. "$(cd "$(dirname "$0")" && pwd)/demo_lib.sh"
demo_init qnx-demo
idfile=$tmp/server.id

echo "demo: starting qnx_server"
demo_start demo server "$idfile" "$dir/qnx_server" "$idfile"
echo "demo: server is up: pid/chid $(cat "$idfile")"

echo "demo: running qnx_client -q -f $idfile"
"$dir/qnx_client" -q -f "$idfile"
client_rc=$?

# The client's last message asks the server to quit; make sure it does.
demo_stop demo server 50
rm -rf "$tmp"
demo_verdict demo "$client_rc"

# The ticker pair: a periodic timer pulse, client pulses and the unblock protocol.
if [ -x "$dir/qnx_ticker_server" ] && [ -x "$dir/qnx_ticker_client" ]; then
	mkdir -p "$tmp" || exit 1
	echo
	echo "demo: starting qnx_ticker_server (a timer pulse every 50 ms, _NTO_CHF_UNBLOCK)"
	demo_start demo "ticker server" "$idfile" "$dir/qnx_ticker_server" "$idfile"
	echo "demo: running qnx_ticker_client -f $idfile"
	"$dir/qnx_ticker_client" -f "$idfile"
	client_rc=$?
	demo_stop demo "ticker server" 50
	rm -rf "$tmp"
	demo_verdict demo "$client_rc" ticker
fi

# One epoll loop: a channel fd, a timerfd and a pipe (poll_server forks its client).
if [ -x "$dir/poll_server" ]; then
	echo
	echo "demo: running poll_server (epoll on a channel fd, a timerfd and a pipe)"
	"$dir/poll_server" || { echo "demo: poll_server FAIL"; exit 1; }
fi
echo "demo: PASS"
exit 0
