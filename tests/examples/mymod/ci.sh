#!/bin/bash
# mymod's CI: build the module against each Debian kernel's headers, then run tests/*.bats
# as root inside that kernel's VM, with ksymtrace checking what the kernel did. Copy this
# directory into your project and set KSYMTRACE_DIR to a built ksymtrace checkout:
#
#   KSYMTRACE_DIR=../ksymtrace ./ci.sh              # kernels 5.10 and 6.1
#   KSYMTRACE_DIR=../ksymtrace KERNELS=6.1 ./ci.sh
#
# Debian 12 builds modules for 5.10 and 6.1 only: trixie's kbuild programs (6.12 and the
# newest kernel's) need a newer C library, and `vm-run --headers` says so.
set -euo pipefail
cd "$(dirname "$0")"
vm_run=${KSYMTRACE_DIR:?set KSYMTRACE_DIR to a built checkout of ksymtrace}/scripts/vm-run
read -r -a kernels <<<"${KERNELS:-5.10 6.1}"
for k in "${kernels[@]}"; do
	# the kernel's headers, fetched once into vm-run's cache
	kdir=$("$vm_run" -k "$k" --headers)
	mkdir -p "build/$k"
	cp mymod.c Kbuild "build/$k/"
	# CC=gcc: this machine's compiler, not the one the kernel was built with
	make -C "$kdir" M="$PWD/build/$k" CC=gcc modules
done
# every kernel's VM boots with this directory as the current one and runs bats --tap tests
exec "$vm_run" -k "$(IFS=,; echo "${kernels[*]}")" --project . --ko 'build/%k/mymod.ko'
