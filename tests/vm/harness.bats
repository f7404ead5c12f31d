#!/usr/bin/env bats
# The test VM itself and the helpers the attach tests build on, on every kernel that
# scripts/vm-run boots. Each @test costs about a second under TCG, so checks are grouped.

load helpers

setup() {
	require_vm
}

teardown() {
	local p
	for p in vmtest/b vmtest/nb vmtest/m vmtest/mn vmtest/c0; do
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
	# The series tests compare is the release's major.minor (latest: 7.3 for 7.3.4+deb13).
	[[ $KSYMTRACE_VM_RELEASE == "$KSYMTRACE_VM_KERNEL".* ]]
	grep -qx 'CONFIG_KPROBES=y' "$KSYMTRACE_VM_CONFIG"
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

# The rows of tests/vm/README.md's table that tests elsewhere do not check, per kernel: a
# table entry that stops being true fails here (scripts/vm-facts.sh measures them all).
@test "vm: the kernel facts table holds: virtio, duplicate by name, ENDBR" {
	ksym_snapshot
	# virtio_pci is a module /init loads up to 6.1, built in from 6.12 on.
	local n
	n=$(grep -c '^virtio_pci ' /proc/modules || true)
	if kernel_at_least 6.12; then [ "$n" -eq 0 ]; else [ "$n" -eq 1 ]; fi
	# tracefs refuses the duplicated name: EADDRNOTAVAIL on 5.10.262 and 6.1, EINVAL from
	# 6.12 on (7.3 too); the error_log says why on all of them.
	: >/sys/kernel/tracing/error_log
	run kprobe_event "p:vmtest/c0 c_start"
	[ "$status" -ne 0 ]
	if kernel_at_least 6.12; then
		[[ $output == *"Invalid argument"* ]]
	else
		[[ $output == *"Cannot assign requested address"* ]]
	fi
	grep -q 'The symbol is not unique' /sys/kernel/tracing/error_log
	# A probe at c_start#1+0 is put after its endbr64 from 6.12 on (IBT kernels; 5.18+).
	local a
	a=$(ksym_addr c_start 1)
	kprobe_event "p:vmtest/c0 $a"
	if kernel_at_least 6.12; then kprobes_at $((a + 4)); else kprobes_at "$a"; fi
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
	# module BTF: 6.1 and later (the facts table)
	if kernel_at_least 6.1; then [ -e /sys/kernel/btf/dummy ]; else [ ! -e /sys/kernel/btf/dummy ]; fi
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
