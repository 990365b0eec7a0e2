# SPDX-License-Identifier: LGPL-2.1-or-later
#
# examples/demo_lib.sh: what demo.sh, name_demo.sh and uring_demo.sh share,
# sourced from the directory they are in (POSIX sh: busybox is enough).
# Each pair is a server in the background and a client that asks it to quit
# at the end.

# demo_init NAME: a scratch directory $tmp for this run; exits 1 if it cannot.
demo_init() {
	tmp=${TMPDIR:-/tmp}/$1.$$
	mkdir -p "$tmp" || exit 1
}

# demo_start LABEL NOUN IDFILE COMMAND [ARGS]...: starts COMMAND in the
# background (its output in $tmp/server.out, its pid in $server); with an
# IDFILE, waits (bounded) until the server has published it, and exits 1 if
# it never does.  LABEL and NOUN name the demo and the server in messages.
demo_start() {
	_label=$1 _noun=$2 _idfile=$3
	shift 3
	"$@" >"$tmp/server.out" 2>&1 &
	server=$!
	[ -n "$_idfile" ] || return 0
	# The server publishes "pid chid" with a rename: poll for it.
	_tries=0
	while [ ! -s "$_idfile" ]; do
		if ! kill -0 "$server" 2>/dev/null || [ $_tries -ge 100 ]; then
			echo "$_label: the $_noun did not start:"
			cat "$tmp/server.out"
			kill "$server" 2>/dev/null
			exit 1
		fi
		_tries=$((_tries + 1))
		sleep 0.1
	done
}

# demo_stop LABEL NOUN TRIES [quiet]: the client has asked the server to quit:
# waits up to TRIES tenths of a second for that, kills it if it is still
# there, sets $server_rc and shows the server's output, framed unless quiet.
demo_stop() {
	_tries=0
	while kill -0 "$server" 2>/dev/null && [ $_tries -lt "$3" ]; do
		_tries=$((_tries + 1))
		sleep 0.1
	done
	if [ "${4:-}" = quiet ]; then
		kill "$server" 2>/dev/null
	elif kill -0 "$server" 2>/dev/null; then
		echo "$1: the $2 did not quit; killing it"
		kill "$server"
	fi
	wait "$server"
	server_rc=$?
	[ "${4:-}" = quiet ] || echo "$1: --- $2 output ---"
	cat "$tmp/server.out"
	[ "${4:-}" = quiet ] || echo "$1: --- end of $2 output ---"
}

# demo_verdict LABEL CLIENT_RC [WHAT]: prints the client's and the server's
# exit status (WHAT names the pair); exits 1 unless both are 0.
demo_verdict() {
	echo "$1: ${3:+$3 }client exit status $2, server exit status $server_rc"
	if [ "$2" -ne 0 ] || [ "$server_rc" -ne 0 ]; then
		echo "$1: FAIL"
		exit 1
	fi
}
