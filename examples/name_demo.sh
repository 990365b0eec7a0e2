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
# shellcheck source=examples/demo_lib.sh
. "$(cd "$(dirname "$0")" && pwd)/demo_lib.sh"
demo_init name-demo

echo "name demo: starting name_server"
demo_start "name demo" server "" "$dir/name_server"

echo "name demo: running name_client -q"
"$dir/name_client" -q
client_rc=$?

demo_stop "name demo" server 50
rm -rf "$tmp"
demo_verdict "name demo" "$client_rc"
echo "name demo: PASS"
exit 0
