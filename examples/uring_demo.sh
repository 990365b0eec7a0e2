#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# examples/uring_demo.sh: uring_server (one thread, io_uring) serving
# uring_client's blocking and async clients, inside a guest with qchan.
#
#	sh uring_demo.sh [DIR]
set -u

dir=${1:-$(cd "$(dirname "$0")" && pwd)}
# shellcheck source=examples/demo_lib.sh
. "$(cd "$(dirname "$0")" && pwd)/demo_lib.sh"
demo_init uring-demo
idfile=$tmp/server.id

demo_start "uring demo" server "$idfile" "$dir/uring_server" "$idfile"
"$dir/uring_client" "$idfile"
client_rc=$?
demo_stop "uring demo" server 100 quiet
rm -rf "$tmp"
demo_verdict "uring demo" "$client_rc"
echo "uring demo: PASS"
