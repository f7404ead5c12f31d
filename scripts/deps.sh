#!/bin/bash
# Install what ksymtrace needs to build and test, from Debian 12 packages only.
# Idempotent and quick when everything is there: the test command runs it first,
# because CI may start on a fresh machine.
set -euo pipefail

# build: compiler, CMake, libbpf 1.1 + bpftool for skeletons, clang for the BPF
# target, libelf and zlib (libbpf's own dependencies; libelf also reads module
# files), liblzma and libzstd (.ko.xz and .ko.zst decompressed in process); tests:
# bats, jq, python3 (pty driving), util-linux's script, xz and zstd (compressed
# module fixtures); the VM: qemu, busybox, kmod, xz.
PKGS=(
	build-essential cmake pkg-config
	clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev liblzma-dev libzstd-dev
	bats jq python3 util-linux binutils zstd
	qemu-system-x86 busybox-static kmod xz-utils cpio iproute2
)
# extra packages a step asks for (sanitizers, valgrind, fuzzing)
PKGS+=(${KSYMTRACE_EXTRA_PKGS:-})

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if ((${#missing[@]} == 0)); then
	exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing packages: ${missing[*]}; run this script as root to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
