# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the qchan scripts (sourced, not executed).
#
# TOP is the repository, BUILD the git-ignored output tree; both can be
# overridden from the environment (the top Makefile passes them).

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-$TOP/build}

# The supported kernel series and the Debian meta packages behind them.
QCHAN_KERNELS_ALL="6.1 6.12 6.1-rt"
# Built here rather than packaged by Debian (scripts/debug-kernel): KASAN,
# lockdep, kmemleak, fault injection.  Not in the default set: a cold build
# takes over half an hour (`make check-debug`).
QCHAN_KERNELS_DEBUG="6.1-debug"

# The project's version, one place for dkms.conf, libchan.pc and the Debian
# packages: the top-level VERSION file.
qchan_version() {
	local v
	v=$(cat "$TOP/VERSION" 2>/dev/null) || die "no VERSION file in $TOP"
	[[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "VERSION '$v' is not MAJOR.MINOR.PATCH"
	echo "$v"
}

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

note() {
	echo "${0##*/}: $*" >&2
}

# series -> meta package suffix: 6.1 is Debian's default kernel, 6.12 the
# backport, 6.1-rt the PREEMPT_RT flavour of the default kernel.
kernel_meta_suffix() {
	case "$1" in
	6.1) echo "amd64" ;;
	6.12) echo "6.12-amd64" ;;
	6.1-rt) echo "rt-amd64" ;;
	*) die "unknown kernel series '$1' (supported: $QCHAN_KERNELS_ALL $QCHAN_KERNELS_DEBUG)" ;;
	esac
}

# Prints the ABI name (e.g. 6.1.0-56-amd64) of a series.  The installed
# headers meta package decides, so the image always matches the headers the
# module was built against; apt's candidate is the fallback before the
# headers are installed.  Never hard-coded, never uname -r.
kernel_release() {
	local meta dep
	if [ "$1" = 6.1-debug ]; then
		dep=$("$TOP/scripts/debug-kernel") || exit 1
		cat "$dep/release"
		return
	fi
	meta=linux-headers-$(kernel_meta_suffix "$1") || exit 1
	dep=$(dpkg-query -W -f='${Depends}' "$meta" 2>/dev/null | grep -o 'linux-headers-[^ ,]*' | head -n1)
	if [ -z "$dep" ]; then
		dep=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-headers-[^ ]*\)$/\1/p' | head -n1)
	fi
	[ -n "$dep" ] || die "cannot resolve $meta: run scripts/deps first"
	echo "${dep#linux-headers-}"
}

# The headers (KDIR) of a series.
kernel_headers() {
	local kver
	if [ "$1" = 6.1-debug ]; then
		kver=$("$TOP/scripts/debug-kernel") || exit 1
		echo "$kver/build"
		return
	fi
	kver=$(kernel_release "$1") || exit 1
	echo "/usr/src/linux-headers-$kver"
}

# Extracts the few linux-source files the build needs (kselftest harness,
# checkpatch, extract-vmlinux) into $BUILD/linux-src, once.
linux_src() {
	local tarball=/usr/src/linux-source-6.1.tar.xz dst=$BUILD/linux-src
	local stamp=$dst/.stamp

	if [ -f "$stamp" ] && [ "$stamp" -nt "$tarball" ]; then
		echo "$dst"
		return
	fi
	[ -f "$tarball" ] || die "$tarball missing: run scripts/deps"
	note "extracting kselftest harness and checkpatch from ${tarball##*/}"
	rm -rf "$dst.tmp"
	mkdir -p "$dst.tmp"
	tar -xJf "$tarball" -C "$dst.tmp" --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch \
		linux-source-6.1/scripts/extract-vmlinux ||
		die "extracting from $tarball failed"
	rm -rf "$dst"
	mv "$dst.tmp" "$dst"
	touch "$stamp"
	echo "$dst"
}
