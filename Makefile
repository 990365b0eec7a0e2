# SPDX-License-Identifier: GPL-2.0
#
# qchan: QNX Neutrino-style message passing for Linux.
#
#   make                 qchan.ko (Debian 6.1 headers, or KDIR=...), libchan,
#                        selftests, examples, tools, benchmarks
#   make demo            install what is missing, build, boot a guest, show it
#   make check           install what is missing, build, test on every kernel
#                        (KERNELS="6.1 6.12 6.1-rt"; TESTS="msg_basic_test ..." picks binaries;
#                        DKMS=0 skips the dkms builds; LINT=0 skips make lint;
#                        BENCH=0 skips the benchmark smoke run)
#   make check-debug     the suite on the 6.1-debug kernel (KASAN, lockdep, kmemleak,
#                        fault injection; built once and cached by scripts/debug-kernel)
#                        and on 6.1 in a 256 MiB guest (TESTS= as for make check)
#   make lint            checkpatch --strict and sparse on every kernel
#   make dkms-check      build through dkms against every kernel's headers
#   make bench           the benchmarks (bench/run; BENCH_ARGS=--smoke for a quick pass)
#   make install         headers, libchan.so/.a, libchan.pc, chanstat (DESTDIR, PREFIX)
#                        and the man pages (sections 1, 3, 4; docs/man/)
#   make man             the man pages into $(BUILD)/man (scripts/mangen)
#   make deb             Debian packages in $(BUILD)/deb (qchan-dkms, libchan1,
#                        libchan-dev, qchan-tools), checked with lintian
#   make check-distro    a Debian 12 guest (its own kernel, systemd, udev) installs
#                        the packages with apt: dkms, modprobe, boot, pkg-config
#
# Outputs go to $(BUILD) (default build/); sub-makes get BUILD and TOP.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD ?= $(TOP)/build
override BUILD := $(abspath $(BUILD))
export TOP BUILD

# The kernel series `make` builds for (KDIR overrides it), and the series
# `make check` / `make modules` cover.
KERNEL ?= 6.1
KERNELS ?= 6.1 6.12 6.1-rt
KDIR ?=
PREFIX ?= /usr/local
DESTDIR ?=

SUBMAKE = $(MAKE) -C $(1) TOP=$(TOP) BUILD=$(BUILD)
# Parts owned by other people that may not exist yet in a given checkout.
have = $(wildcard $(TOP)/$(1)/Makefile)

CC ?= gcc
TOOLS_CFLAGS := -O2 -g -Wall -Wextra -Werror -I$(TOP)/uapi -I$(TOP)/lib/include

all: module lib lib32 selftests examples tools bench-build

# ------------------------------------------------------------------ module
# qchan.ko for one kernel in $(BUILD)/mod-<release>/, linked to $(BUILD)/qchan.ko.
module:
	$(TOP)/scripts/build-module --link $(if $(KDIR),--kdir $(KDIR),--kernel $(KERNEL))

# qchan.ko for every kernel of KERNELS.
modules:
	@set -e; for k in $(KERNELS); do $(TOP)/scripts/build-module --kernel $$k; done

# ------------------------------------------------------------------ userspace
# libchan, and libchan-resmgr (the resource-manager layer, over libfuse3).
lib:
	$(call SUBMAKE,lib) all resmgr

# libchan for 32-bit programs (-m32), in $(BUILD)/lib32: the ia32 selftests link it.
lib32:
	$(call SUBMAKE,lib) M32=1

selftests: lib lib32
	$(call SUBMAKE,selftests)

examples: lib
	$(if $(call have,examples),$(call SUBMAKE,examples),@echo "examples/: nothing to build yet")

bench-build: lib
	$(if $(call have,bench),$(call SUBMAKE,bench),@echo "bench/: nothing to build yet")

# Small tools, one .c file each, statically linked so any guest can run them.
TOOLS := $(patsubst $(TOP)/tools/%.c,$(BUILD)/tools/%,$(wildcard $(TOP)/tools/*.c))
tools: $(TOOLS)

$(BUILD)/tools/%: $(TOP)/tools/%.c $(TOP)/uapi/linux/qchan.h
	@mkdir -p $(dir $@)
	$(CC) $(TOOLS_CFLAGS) -static -o $@ $<

install: lib $(BUILD)/tools/chanstat
	$(call SUBMAKE,lib) install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/tools/chanstat $(DESTDIR)$(PREFIX)/bin/
	$(TOP)/scripts/mangen install $(BUILD)/lib/man $(DESTDIR)$(PREFIX)/share/man 1 4

# The man pages (docs/man/*.md), generated; make -C lib check checks them.
man:
	$(TOP)/scripts/mangen pages $(BUILD)/man

# ------------------------------------------------------------------ run
deps:
	$(TOP)/scripts/deps

# The README's two commands.  Both install what is missing first; the rest
# runs in a sub-make so nothing is evaluated before the dependencies exist.
demo:
	$(TOP)/scripts/deps
	$(MAKE) -f $(TOP)/Makefile module lib examples tools
	$(TOP)/scripts/demo --kernel $(KERNEL)

# scripts/check --build builds everything itself and counts what fails to
# build as failed tests, so the run always ends with its totals line.
check:
	$(TOP)/scripts/deps
	$(TOP)/scripts/check --build --kernels "$(KERNELS)" $(if $(TESTS),--tests "$(TESTS)") \
		$(if $(filter 0 no,$(DKMS)),,--dkms) $(if $(filter 0 no,$(LINT)),,--lint) \
		$(if $(filter 0 no,$(BENCH)),,--bench-smoke)

# Not part of make check: the debug kernel's cold build alone takes longer
# than CI's budget for the whole run (README.md, "The debug kernel").
DEBUG_TIMEOUT ?= 7200
LOWMEM ?= 256
check-debug:
	$(TOP)/scripts/deps
	$(TOP)/scripts/debug-kernel >/dev/null
	@rc=0; \
	$(TOP)/scripts/check --build --kernels 6.1-debug $(if $(TESTS),--tests "$(TESTS)") \
		--timeout $(DEBUG_TIMEOUT) --test-timeout 1800 || rc=1; \
	$(TOP)/scripts/check --kernels 6.1 --mem $(LOWMEM) --allow-oom \
		$(if $(TESTS),--tests "$(TESTS)") || rc=1; \
	exit $$rc

lint:
	$(TOP)/scripts/deps
	$(TOP)/scripts/lint $(KERNELS)

dkms-check:
	$(TOP)/scripts/dkms-check $(KERNELS)

deb:
	$(TOP)/scripts/deps
	$(TOP)/scripts/deb

# Not part of `make check`: the first run builds the Debian image (cached).
check-distro:
	$(TOP)/scripts/deps
	$(TOP)/scripts/check-distro

# BENCH_ARGS go to bench/run, e.g. BENCH_ARGS=--smoke.
bench:
	@if [ -x $(TOP)/bench/run ]; then \
		$(TOP)/scripts/deps && $(MAKE) -f $(TOP)/Makefile modules lib bench-build && \
		KERNELS="$(KERNELS)" $(TOP)/bench/run $(BENCH_ARGS); \
	else \
		echo "bench/run does not exist yet: no benchmarks to run"; \
	fi

clean:
	rm -rf $(BUILD)/mod-* $(BUILD)/lib $(BUILD)/lib32 $(BUILD)/selftests $(BUILD)/examples \
		$(BUILD)/tools $(BUILD)/bench $(BUILD)/qchan.ko $(BUILD)/vm $(BUILD)/dkms $(BUILD)/deb

# Also drops the kernel image cache and the linux-source extracts.
distclean:
	rm -rf $(BUILD)

.PHONY: all module modules lib lib32 selftests examples bench-build tools install deps demo man \
	check check-debug lint dkms-check deb check-distro bench clean distclean
