#!/usr/bin/env bats
# The test hooks (src/kernel_hooks.c) are read by the test build only. The tests
# run build/ksymtrace-test ($KSYMTRACE); the binary `cmake --install` installs is
# build/ksymtrace ($KSYMTRACE_INSTALLED), which runs as root, and whose trust in
# the kernel's files no environment variable may change.
load helpers

setup() {
	[[ -x $KSYMTRACE_INSTALLED ]] || {
		echo "no installable binary at $KSYMTRACE_INSTALLED: build first"
		return 1
	}
	# a kernel older than 4.17 in a sysroot: kprobe_events, but no kprobe PMU; and
	# a /proc/kallsyms that vouches for the fixture table
	R=$BATS_TEST_TMPDIR/root
	mkdir -p "$R/sys/bus/event_source/devices/software" "$R/sys/kernel/tracing" "$R/proc"
	touch "$R/sys/kernel/tracing/kprobe_events"
	cp "$FIX/attach.kallsyms" "$R/proc/kallsyms"
}

@test "hooks: the test build reads KSYMTRACE_SYSROOT" {
	KSYMTRACE_SYSROOT=$R run --separate-stderr "$KSYMTRACE" -k "$FIX/attach.kallsyms" attach vfs_read -d 1
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[0]} == *"kprobe_events but no kprobe PMU"*"older than Linux 4.17" ]]
}

@test "hooks: the installed binary ignores KSYMTRACE_SYSROOT" {
	KSYMTRACE_SYSROOT=$R run --separate-stderr "$KSYMTRACE_INSTALLED" -k "$FIX/attach.kallsyms" attach vfs_read -d 1
	# whatever this machine's kernel is, it is not the sysroot's: no kprobes here
	# (CONFIG_KPROBES), or the saved table is not this boot's, or no privileges
	[ "$status" -eq 1 ]
	[[ $stderr != *"older than Linux 4.17"* ]]
	[[ $stderr == *"CONFIG_KPROBES"* || $stderr == *"not in the running kernel"* ||
		$stderr == *"not allowed"* ]]
	# and the hooks' names are not even in it
	run strings -a "$KSYMTRACE_INSTALLED"
	[ "$status" -eq 0 ]
	! grep -qx -e KSYMTRACE_SYSROOT -e KSYMTRACE_FORCE_ADDR_IDS <<<"$output"
}

@test "hooks: the installed binary reads no environment variable itself" {
	# no call of getenv or secure_getenv at all (the C library and libbpf read
	# theirs: TZ, LANG, POSIXLY_CORRECT...; see ENVIRONMENT in the man page); a new
	# one must go through kernel__test_hook, or be argued for here
	run nm -D "$KSYMTRACE_INSTALLED"
	[ "$status" -eq 0 ]
	! grep -qE ' U (secure_)?getenv(@|$)' <<<"$output"
	# while the test build does read its hooks
	nm -D "$KSYMTRACE" | grep -qE ' U getenv(@|$)'
}

@test "hooks: the installed binary ignores KSYMTRACE_FORCE_ADDR_IDS" {
	[[ $(id -u) -eq 0 ]] || skip "loading BPF programs (--dry-run) needs root"
	unset KSYMTRACE_SYSROOT
	KSYMTRACE_FORCE_ADDR_IDS=1 run --separate-stderr "$KSYMTRACE" -k "$FIX/attach.kallsyms" attach vfs_read --dry-run
	[ "$status" -eq 0 ]
	[[ $stderr == *"probes are told apart by address lookup (KSYMTRACE_FORCE_ADDR_IDS=1)"* ]]
	KSYMTRACE_FORCE_ADDR_IDS=1 run --separate-stderr "$KSYMTRACE_INSTALLED" -k "$FIX/attach.kallsyms" attach vfs_read --dry-run
	[ "$status" -eq 0 ]
	[[ $stderr == *"probes are told apart by "* ]]
	[[ $stderr != *"KSYMTRACE_FORCE_ADDR_IDS"* ]]
}
