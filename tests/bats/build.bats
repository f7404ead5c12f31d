#!/usr/bin/env bats
# The build itself: the BPF programs compile from bpf/kt_vmlinux.h, not from the
# build machine's kernel BTF, so a machine without /sys/kernel/btf/vmlinux (a
# container, a CI runner on an old kernel, a cross build) builds ksymtrace too.
# The machine's BTF is hidden under an empty tmpfs in a private mount
# namespace: that needs root, and the tests skip otherwise.

load helpers

setup() {
	[[ $(id -u) -eq 0 ]] || skip "hiding /sys/kernel/btf needs root (a mount namespace)"
	unshare -m true 2>/dev/null || skip "no mount namespaces here (unshare -m fails)"
	export ROOT B=$BATS_TEST_TMPDIR/b
}

# Run CMD... where /sys/kernel/btf is an empty directory; the build dir is $B.
without_btf() {
	run unshare -m bash -c '
		if [[ -d /sys/kernel/btf ]]; then
			mount -t tmpfs kt-no-btf /sys/kernel/btf || exit 99
		fi
		[[ ! -e /sys/kernel/btf/vmlinux ]] || exit 99
		"$@"' without_btf "$@"
	[ "$status" -ne 99 ] || skip "cannot hide /sys/kernel/btf: $output"
}

# configure a fresh build dir $B with OPTIONS..., and build the skeleton only
build_bpf() {
	cmake -S "$ROOT" -B "$B" "$@" >"$B.log" 2>&1 &&
		cmake --build "$B" --target bpf_skel >>"$B.log" 2>&1 || { cat "$B.log"; return 1; }
}
export -f build_bpf

@test "the BPF object and its skeleton build without the build machine's kernel BTF" {
	without_btf build_bpf
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	# a skeleton, around an object that holds the programs
	grep -q 'ksymtrace_bpf__open' "$B/bpf/ksymtrace.skel.h"
	llvm-objdump -h "$B/bpf/ksymtrace.bpf.o" | grep -qw kprobe
}

@test "the BPF side builds for arm64 too, where registers are struct user_pt_regs" {
	# CMake's cross-compiling switch: only the BPF target is built, so the host
	# compiler standing in for an aarch64 one does not matter
	without_btf build_bpf -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	bpftool btf dump file "$B/bpf/ksymtrace.bpf.o" | grep -q "STRUCT 'user_pt_regs'"
}

@test "a Release build (-O3, more inlining) compiles the table and module code under -Werror" {
	# -O3 inlines more, and GCC's -Wformat-truncation then sees through calls
	# that -O2 does not: a Release build once failed in modfile.c that way
	cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=Release >"$B.log" 2>&1 || { cat "$B.log"; return 1; }
	run cmake --build "$B" --target ksymcore -j2
	[ "$status" -eq 0 ] || { echo "$output" | grep -A3 error; return 1; }
}
