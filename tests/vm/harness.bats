#!/usr/bin/env bats
# The test VM itself and the helpers the attach tests build on, on every kernel that
# scripts/vm-run boots. Each @test costs about a second under TCG, so checks are grouped.

load helpers

setup() {
	require_vm
}

teardown() {
	local p
	for p in vmtest/b vmtest/nb vmtest/m vmtest/mn; do
		echo "-:$p" >>/sys/kernel/tracing/kprobe_events 2>/dev/null || true
	done
	ip link del vmtest0 2>/dev/null || true
	rmmod dummy 2>/dev/null || true
}

# kprobe_event DEFINITION — add a tracefs kprobe event; the kernel's own checks (symbol,
# instruction boundary) decide, so this is the reference the helpers are checked against.
kprobe_event() {
	echo "$1" >>/sys/kernel/tracing/kprobe_events
}

@test "vm: the kernel facilities attach relies on are there" {
	[ "$(uname -r)" = "$KSYMTRACE_VM_RELEASE" ]
	[ -d /sys/bus/event_source/devices/kprobe ]
	[ -w /sys/kernel/tracing/kprobe_events ]
	kprobes_list >/dev/null
	grep -q ' /sys/fs/bpf bpf ' /proc/mounts
	[ "$(cat /proc/sys/kernel/kptr_restrict)" = 0 ]
	ksym_snapshot
	[ "$(ksym_addr vfs_read)" != 0x0000000000000000 ]
	# The duplicated name of DESIGN §1, three times on every kernel.
	[ "$(ksym_addrs c_start | wc -l)" -eq 3 ]
	# bats and process substitution need /dev/fd.
	[ "$(cat <(echo fd))" = fd ]
}

@test "helpers: vmlinux instruction boundaries from /proc/kcore match the kernel's" {
	ksym_snapshot
	run insn_offsets vfs_read
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0x0 ]
	[ "${#lines[@]}" -gt 10 ]
	local b=${lines[2]} nb a
	nb=$(insn_not_boundary vfs_read)
	a=$(ksym_addr vfs_read)
	kprobe_event "p:vmtest/b vfs_read+$b"
	kprobes_at $((a + b))
	run kprobe_event "p:vmtest/nb vfs_read+$nb"
	[ "$status" -ne 0 ]
	[[ $output == *"Invalid or incomplete multibyte"* ]] # EILSEQ
}

@test "vm: dummy.ko loads; helpers find boundaries in module text" {
	insmod "$KSYMTRACE_VM_DUMMY_KO"
	ip link add vmtest0 type dummy
	ksym_snapshot
	grep -qF $' t dummy_get_stats64\t[dummy]' "$KSYMS_FILE"
	run ksym_addrs dummy_get_stats64 dummy
	[ "${#lines[@]}" -eq 1 ]
	local a=${lines[0]} b nb
	b=$(insn_boundary "$a" 2)
	nb=$(insn_not_boundary "$a")
	kprobe_event "p:vmtest/m dummy:dummy_get_stats64+$b"
	kprobes_at $((a + b))
	run kprobe_event "p:vmtest/mn dummy:dummy_get_stats64+$nb"
	[ "$status" -ne 0 ]
	# modprobe finds the modules unpacked for this kernel.
	kprobe_event "-:vmtest/m"
	ip link del vmtest0
	rmmod dummy
	modprobe dummy
}

@test "helpers: pty_run answers a prompt on a terminal" {
	# shellcheck disable=SC2016 # $x is the inner shell's
	run pty_run --expect 'choice' --send $'2\n' -- \
		bash -c '[ -t 0 ] && [ -t 2 ] || exit 9; read -r -p "choice: " x; echo "got=$x"; exit 4'
	[ "$status" -eq 4 ]
	[[ $output == *"got=2"* ]]
	run pty_run --timeout 1 -- sleep 10
	[ "$status" -eq 124 ]
}
