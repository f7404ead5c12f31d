#!/usr/bin/env bats
# What a probe records, for real (issue 9, part B): parameters typed from the running
# kernel's BTF and fetched by the BPF interpreter, typed return values, --arg expressions
# with strings and a read that faults, the seventh and later parameters from the stack, and
# raw registers with their reason once in the banner. Each check is against what the traced
# command did or what the kernel's own files say, not against ksymtrace's other output.

# shellcheck disable=SC2154 # $err and $out are set by kt_run
load helpers

setup_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0
	insmod "$KSYMTRACE_VM_DUMMY_KO" # numdummies=1: dummy0
}

teardown_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0
	rmmod dummy 2>/dev/null || true
}

setup() {
	require_vm
	require_ksymtrace
	T=$BATS_TEST_TMPDIR
}

HEX='0x[0-9a-f]+'

@test "typed: vfs_read's count in decimal, its return the bytes read; /dev/full's -28 (ENOSPC)" {
	local size
	size=$(stat -c %s /etc/hostname)
	# head reads /etc/hostname whole (it is shorter than head's buffer), then writes 5 bytes
	# to /dev/full, which fails with ENOSPC
	kt_run attach vfs_read 'vfs_read%return' 'vfs_write%return' --comm head \
		-c 'head -c 5 /etc/hostname >/dev/full'
	[ "$status" -eq 0 ]
	[[ $err == *"exited with status 1"* ]] # head failed to write, as it should
	grep -qE " vfs_read [0-9a-f]+ \(file=$HEX, buf=$HEX, count=[0-9]+, pos=($HEX|NULL)\)$" <<<"$out"
	# each return follows its call (one thread) and is at most its count; one is the file's size
	awk -v size="$size" '
		/ vfs_read [0-9a-f]+ \(/ { match($0, /count=[0-9]+/); count = substr($0, RSTART + 6, RLENGTH - 6) + 0 }
		/ vfs_read%return / { n++; if ($NF + 0 > count) bad++; if ($NF == size) hit++ }
		END { exit !(n >= 1 && !bad && hit >= 1) }' <<<"$out"
	[ "$(grep -c ' vfs_write%return [0-9a-f]* = -28 (ENOSPC)$' <<<"$out")" -ge 1 ]
	[[ $out != *"vfs_write%return"*"= 0x"* ]]
}

@test "strings: the open path's file name, --arg's dentry name and \$comm; a read that faults" {
	local open=do_sys_openat2
	# 5.10's open(2) reaches do_sys_openat2 through do_sys_open, either of which may be
	# inlined: the one that is a function in this kernel
	grep -q ' do_sys_openat2$' /proc/kallsyms || open=do_sys_open
	kt_run -j attach "$open" --comm head -c 'head -c 5 /etc/hostname >/dev/null'
	[ "$status" -eq 0 ]
	jq -e -s 'map(select(.args.filename == "/etc/hostname")) | length >= 1' <<<"$out"
	# %si at vfs_read is buf, a user address: reading it as kernel memory faults, and the
	# event is still printed with the other values
	kt_run attach vfs_read --comm head --arg 'name=file->f_path.dentry->d_name.name:string' \
		--arg 'f=+0(%si)' --arg '$comm' -c 'head -c 5 /etc/hostname >/dev/null'
	[ "$status" -eq 0 ]
	[ "$(grep -cE " vfs_read [0-9a-f]+ \(name=\"hostname\", f=<fault>, \\\$comm=\"head\"\)$" <<<"$out")" -ge 1 ]
	[ "$(grep -cvE " vfs_read [0-9a-f]+ \(name=\"[^\"]*\", f=<fault>, \\\$comm=\"head\"\)$" <<<"$out")" -eq 0 ]
}

@test "module BTF: dummy_get_stats64's dev->name is dummy0 (6.1+)" {
	kernel_at_least 6.1 || skip "5.10 has no module BTF (btf.bats checks the refusal)"
	kt_run -j attach dummy:dummy_get_stats64 --arg 'dev->name:string' \
		-c 'cat /sys/class/net/dummy0/statistics/rx_bytes >/dev/null'
	[ "$status" -eq 0 ]
	jq -e -s 'map(select(.summary | not)) | length >= 1 and all(.[]; .args == {"dev->name": "dummy0"})' <<<"$out"
}

@test "stack: do_mmap's parameters past the sixth come from the stack at a probe at +0" {
	# 5.10: do_mmap(file, addr, len, prot, flags, pgoff, populate, uf); 6.1 and later add
	# vm_flags before pgoff, which puts pgoff on the stack. python3 maps its own binary at
	# page 3: pgoff=3, and populate and uf point into the caller's frame (kernel stack).
	local pg
	kt_run attach do_mmap --comm python3 -c \
		"python3 -c 'import mmap; f = open(\"/usr/bin/python3\", \"rb\"); mmap.mmap(f.fileno(), 4096, prot=mmap.PROT_READ, offset=3 * 4096)'"
	[ "$status" -eq 0 ]
	pg=$(grep -cE " do_mmap [0-9a-f]+ \(file=0xff[0-9a-f]+, .*, pgoff=3, populate=0xff[0-9a-f]+, uf=(0xff[0-9a-f]+|NULL)\)$" <<<"$out")
	[ "$pg" -ge 1 ]
	[[ $out != *"<unavailable>"* && $out != *"<fault>"* ]]
	# what that rests on: sp at a probe at +0 points at the return address, into the
	# caller (read(2)'s ksys_read, or the syscall entry it is inlined into)
	local ret
	kt_run attach vfs_read --arg 'ret=+0(%sp)' --comm head -n 1 -c 'head -c 5 /etc/hostname >/dev/null'
	[ "$status" -eq 0 ]
	ret=$(grep -oE 'ret=0x[0-9a-f]+' <<<"$out" | cut -d= -f2)
	kt_run resolve "$ret"
	[[ $out =~ (ksys_read|sys_read)\+0x[0-9a-f]+ ]]
}

@test "raw registers: the reason once per probe in the banner, the registers on each event" {
	local clone
	# a clone ftrace can probe (so kprobes can), of the core kernel
	clone=$(grep -m1 -E '^[a-z_]+\.(isra|constprop)\.0$' /sys/kernel/tracing/available_filter_functions)
	[ -n "$clone" ]
	kt_run attach c_start --all "$clone" 'type_show#1' --force --skip-failed -c 'cat /proc/cpuinfo /proc/cpuinfo >/dev/null'
	[ "$status" -eq 0 ]
	[ "$(grep -c "^ksymtrace: $clone: raw registers: $clone is a compiler clone of ${clone%%.*}: its parameters may differ from ${clone%%.*}'s prototype$" <<<"$err")" -eq 1 ]
	# a duplicated name: 6.1's BTF has several prototypes for type_show, 6.12's none
	if kernel_at_least 6.12; then
		grep -qx "ksymtrace: type_show#1: raw registers: no prototype of type_show in vmlinux's BTF.*" <<<"$err"
	elif kernel_at_least 6.1; then
		grep -qx "ksymtrace: type_show#1: raw registers: [0-9]* functions are named type_show, and BTF has [0-9]* different prototypes for the name, but no addresses to tell which is which" <<<"$err"
	else
		grep -qx "ksymtrace: type_show#1: raw registers: [0-9]* functions are named type_show, and this kernel's BTF comes from a pahole that kept .*" <<<"$err"
	fi
	if kernel_at_least 6.12; then
		# pahole 1.30 checked every c_start: one prototype, typed
		[[ $err != *"c_start#"*"raw registers"* ]]
		grep -qE " c_start#[0-9] [0-9a-f]+ \(m=$HEX, pos=$HEX\)$" <<<"$out"
	else
		# one reason, three probes: one line
		grep -qx "ksymtrace: c_start#[1-3] and 2 more probes: raw registers: 3 functions are named c_start, .*" <<<"$err"
		[ "$(grep -c 'raw registers' <<<"$err")" -eq 3 ]
		# two reads of cpuinfo, several events, the reason still once
		[ "$(grep -cE " c_start#[0-9] [0-9a-f]+ \($HEX, $HEX, $HEX, $HEX, $HEX, $HEX\)$" <<<"$out")" -ge 2 ]
	fi
}
