#!/usr/bin/env bats
# ksymtrace resolve on the fixtures: what a user sees, in text and JSON.
load helpers

@test "resolve: every instance of a duplicated name, text" {
	run --separate-stderr ks -k "$BASIC" resolve c_start
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "c_start: 4 instances" ]
	[ "${#lines[@]}" -eq 5 ]
	[[ ${lines[1]} =~ ^\ \ ffffffff81000230\ \ t\ \ vmlinux\ +48\ \ c_start#1$ ]]
	[[ ${lines[2]} == *"ffffffff81000280  t  vmlinux"*"64  c_start#2" ]]
	[[ ${lines[4]} == *"ffffffffc0395040  t  dummy"*"64  c_start#4" ]]
	[ -z "$stderr" ]
}

@test "resolve: JSON Lines with every field of the contract" {
	run --separate-stderr ks -k "$BASIC" -j resolve c_start
	[ "$status" -eq 0 ]
	assert_jsonl
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 4 ]
	run jq -sc '.[1]' <<<"$output"
	[ "$output" = '{"name":"c_start","addr":"0xffffffff81000280","type":"t","module":"vmlinux","size":64,"index":2,"count":4,"traceable":null,"aliases":[],"aliases_total":0,"clone":false,"query":"c_start"}' ]
}

@test "resolve: MOD: filters, and vmlinux is the core kernel" {
	run ks -k "$BASIC" -j resolve dummy:c_start vmlinux:c_start
	[ "$status" -eq 0 ]
	[ "$(jq -sc '[.[] | select(.query == "dummy:c_start") | .addr]' <<<"$output")" = '["0xffffffffc0395040"]' ]
	[ "$(jq -sc '[.[] | select(.query == "vmlinux:c_start") | [.index, .count]]' <<<"$output")" = '[[1,3],[2,3],[3,3]]' ]
}

@test "resolve: --module does what MOD: does" {
	run ks -k "$BASIC" -j resolve --module dummy c_start
	[ "$status" -eq 0 ]
	[ "$(jq -r .addr <<<"$output")" = "0xffffffffc0395040" ]
}

@test "resolve: #N and @ADDR select one instance" {
	run ks -k "$BASIC" -j resolve 'c_start#3' 'c_start@0xffffffff81000280'
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map([.addr, .index])' <<<"$output")" = '[["0xffffffff81000480",3],["0xffffffff81000280",2]]' ]
}

@test "resolve: #N past the last instance says how many there are" {
	run --separate-stderr ks -k "$BASIC" resolve 'c_start#9'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_error_line "c_start#9: c_start has only 4 instances"
}

@test "resolve: @ADDR that starts no instance lists where they start" {
	run --separate-stderr ks -k "$BASIC" resolve 'c_start@0xffffffff81000231'
	[ "$status" -eq 1 ]
	assert_one_error_line "no instance of c_start starts at 0xffffffff81000231; they start at 0xffffffff81000230, 0xffffffff81000280"
}

@test "resolve: an address gives the containing symbol, offset and aliases" {
	run --separate-stderr ks -k "$BASIC" resolve 0xffffffff810004b0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0xffffffff810004b0: __x64_sys_read_alias+0x10 [vmlinux], 2 names at 0xffffffff810004a0" ]
	[[ ${lines[1]} == *"__x64_sys_read_alias+0x10" ]]
	[[ ${lines[2]} == *"ksys_read+0x10" ]]
	run ks -k "$BASIC" -j resolve 0xffffffff81000121
	[ "$(jq -c '[.name, .offset, .query]' <<<"$output")" = '["vfs_read","0x11","0xffffffff81000121"]' ]
}

@test "resolve: an address of a duplicated name gives its instance number" {
	run ks -k "$BASIC" resolve 0xffffffff81000290
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == *"c_start+0x10#2" ]]
}

@test "resolve: an address in a gap or past the end says so" {
	run --separate-stderr ks -k "$BASIC" resolve 0xffffffff82001005
	[ "$status" -eq 1 ]
	assert_one_error_line "past _end at 0xffffffff82001000 [vmlinux], the last symbol of its module, whose size is unknown"
	run --separate-stderr ks -k "$BASIC" resolve 0xffffffffc0396010
	[ "$status" -eq 1 ]
	assert_one_error_line "past dummy_netdev_ops"
}

@test "resolve: aliases are listed with the symbol" {
	run ks -k "$BASIC" resolve _text
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == *"_text  = _stext startup_64" ]]
	run ks -k "$BASIC" -j resolve _text
	[ "$(jq -c .aliases <<<"$output")" = '["_stext","startup_64"]' ]
}

@test "resolve: no exact match offers compiler clones, marked" {
	run ks -k "$BASIC" resolve bar
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "bar: no exact match; 3 compiler clones" ]
	[[ ${lines[1]} == *"bar.cold  (clone)" ]]
	[[ $output != *bar_real* ]]
	run ks -k "$BASIC" -j resolve bar
	[ "$(jq -sc 'map(.clone) | unique' <<<"$output")" = '[true]' ]
}

@test "resolve: globs match names, with instance numbers per name" {
	run ks -k "$BASIC" -j resolve 'c_st*'
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map(.name) | unique' <<<"$output")" = '["c_start","c_stop"]' ]
	[ "$(jq -sc 'map(select(.name == "c_stop") | [.index, .count])' <<<"$output")" = '[[1,1]]' ]
}

@test "resolve: --functions drops data symbols of the same name" {
	run --separate-stderr ks -k "$BASIC" -j resolve init_once
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map(.type)' <<<"$output")" = '["t","t","d","t"]' ]
	run --separate-stderr ks -k "$BASIC" -j resolve --functions init_once
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -sc 'map([.type, .index, .count])' <<<"$output")" = '[["t",1,3],["t",2,3],["t",3,3]]' ]
	# a data symbol alone: nothing to show, said as such
	run --separate-stderr ks -k "$BASIC" -j resolve --functions init_task
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_error_line "init_task: init_task is not a function (kallsyms type 'D')"
}

@test "resolve: sizes are null when unknown" {
	run ks -k "$BASIC" -j resolve dummy_netdev_ops ext4mini_fill
	[ "$(jq -sc 'map(.size)' <<<"$output")" = '[null,null]' ]
	run ks -k "$BASIC" resolve dummy_netdev_ops
	[[ ${lines[1]} == *" ?  dummy_netdev_ops" ]]
}

@test "resolve: pseudo-modules are modules" {
	run ks -k "$BASIC" -j resolve ftrace_trampoline kprobe_insn_page 'bpf_prog_*'
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map(.module)' <<<"$output")" = '["__builtin__ftrace","__builtin__kprobes","bpf"]' ]
}

@test "resolve: not found suggests the nearest names and exits 1" {
	run --separate-stderr ks -k "$BASIC" resolve vfs_reed
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_error_line "vfs_reed: no such symbol; did you mean: vfs_read"
}

@test "resolve: found and not found together print what was found and exit 1" {
	run --separate-stderr ks -k "$BASIC" resolve vfs_read nosuch_symbol_here
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "vfs_read: 1 instance" ]
	assert_one_error_line "nosuch_symbol_here: no such symbol"
}

@test "resolve: an unknown module is named, with the fix" {
	# a module tree of the running kernel without it (modules.bats has the others)
	local root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/proc/sys/kernel" "$root/lib/modules/6.1.0-test"
	echo 6.1.0-test >"$root/proc/sys/kernel/osrelease"
	: >"$root/lib/modules/6.1.0-test/modules.dep"
	KSYMTRACE_SYSROOT=$root run --separate-stderr ks -k "$BASIC" resolve nomod:vfs_read
	[ "$status" -eq 1 ]
	assert_one_error_line "nomod:vfs_read: no module 'nomod' in the symbol table, nor in the modules.dep of 6.1.0-test: is it loaded (lsmod), or built for this kernel? --module-file names its file"
}

@test "resolve: a bad spec is a usage error before anything is printed" {
	run --separate-stderr ks -k "$BASIC" resolve vfs_read 'c_start#0'
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	assert_one_error_line "c_start#0: instance numbers start at 1"
}

@test "resolve: no spec is a usage error" {
	run --separate-stderr ks -k "$BASIC" resolve
	assert_usage "give at least one SPEC: a name, MOD:NAME, a glob or an address"
}

@test "resolve: --traceable reads the ftrace list and the kprobes blacklist" {
	root="$BATS_TEST_TMPDIR/root"
	mkdir -p "$root/sys/kernel/tracing" "$root/sys/kernel/debug/kprobes"
	printf 'vfs_read\nc_start\nc_start\nc_start\nksys_read\nc_start [dummy]\n' >"$root/sys/kernel/tracing/available_filter_functions"
	printf '0xffffffff810004a0-0xffffffff81000500\tksys_read\n' >"$root/sys/kernel/debug/kprobes/blacklist"
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$BASIC" -j resolve --traceable vfs_read ksys_read c_stop c_start init_task
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map([.name, .traceable])' <<<"$output")" = '[["vfs_read",true],["ksys_read",false],["c_stop",false],["c_start",true],["c_start",true],["c_start",true],["c_start",true],["init_task",false]]' ]
	run env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$BASIC" resolve --traceable vfs_read
	[[ ${lines[1]} == *" yes  vfs_read" ]]
}

@test "resolve: --traceable leaves instances a name cannot tell apart unknown" {
	root="$BATS_TEST_TMPDIR/root"
	mkdir -p "$root/sys/kernel/tracing"
	# two of the three core c_start instances are listed: which two, a name cannot say
	printf 'c_start\nc_start\n' >"$root/sys/kernel/tracing/available_filter_functions"
	run env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$BASIC" -j resolve --traceable vmlinux:c_start
	[ "$(jq -sc 'map(.traceable) | unique' <<<"$output")" = '[null]' ]
	# with the addresses file (v6.5+) every instance of this boot's table is known
	# (the sysroot's /proc/kallsyms); an empty blacklist is needed for a "true": an
	# unreadable one leaves listed functions unknown
	mkdir -p "$root/sys/kernel/debug/kprobes" "$root/proc"
	cp "$BASIC" "$root/proc/kallsyms"
	: >"$root/sys/kernel/debug/kprobes/blacklist"
	printf 'ffffffff81000230 c_start\nffffffff81000484 c_start\n' >"$root/sys/kernel/tracing/available_filter_functions_addrs"
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$root/proc/kallsyms" -j resolve --traceable vmlinux:c_start
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map(.traceable)' <<<"$output")" = '[true,false,true]' ]
}

@test "resolve: traceable is null without --traceable" {
	run ks -k "$BASIC" -j resolve vfs_read
	[ "$(jq -c .traceable <<<"$output")" = "null" ]
}

@test "resolve: reads the table from stdin with -k -" {
	run ks -k - -j resolve vfs_read <"$BASIC"
	[ "$status" -eq 0 ]
	[ "$(jq -r .addr <<<"$output")" = "0xffffffff81000110" ]
}

@test "resolve: global options work after the command too" {
	run ks resolve -k "$BASIC" c_start -j
	[ "$status" -eq 0 ]
	assert_jsonl
}

@test "resolve: the kallsyms-style 0xADDR%return and kprobe: spellings resolve" {
	run ks -k "$BASIC" -j resolve 'kprobe:dummy:c_start' 'kretprobe:vfs_read' 'vfs_read%return'
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map(.addr)' <<<"$output")" = '["0xffffffffc0395040","0xffffffff81000110","0xffffffff81000110"]' ]
}

# A sysroot whose tracefs lists functions by address (v6.5+), from the fixture
# alias.available_filter_functions_addrs, and an empty kprobes blacklist; its
# /proc/kallsyms is basic.kallsyms, which $LIVE names: the addresses apply to it.
addrs_sysroot() {
	local root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/sys/kernel/tracing" "$root/sys/kernel/debug/kprobes" "$root/proc"
	cp "$BASIC" "$root/proc/kallsyms"
	cp "$FIX/alias.available_filter_functions_addrs" "$root/sys/kernel/tracing/available_filter_functions_addrs"
	: >"$root/sys/kernel/debug/kprobes/blacklist"
	echo "$root"
}

@test "resolve: --traceable marks every name at a listed address, not only one" {
	# ksys_read and __x64_sys_read_alias share one start; the _addrs file names
	# that address once, as the kernel does, under one of the two names
	root=$(addrs_sysroot)
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$root/proc/kallsyms" -j resolve --traceable ksys_read __x64_sys_read_alias c_stop
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map([.name, .traceable])' <<<"$output")" = '[["ksys_read",true],["__x64_sys_read_alias",true],["c_stop",false]]' ]
	# an address query answers with both names, both traceable
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$root/proc/kallsyms" -j resolve --traceable 0xffffffff810004a4
	[ "$(jq -sc 'map([.name, .traceable])' <<<"$output")" = '[["__x64_sys_read_alias",true],["ksys_read",true]]' ]
}

@test "resolve: what the alias fix is for: attach --dry-run takes either name without --force" {
	[[ $(id -u) -eq 0 ]] || skip "loading BPF programs (--dry-run) needs root"
	root=$(addrs_sysroot)
	# a kernel with kprobes: the PMU that attach looks for first
	mkdir -p "$root/sys/bus/event_source/devices/kprobe"
	echo 6 >"$root/sys/bus/event_source/devices/kprobe/type"
	for name in ksys_read __x64_sys_read_alias; do
		run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$root/proc/kallsyms" -j attach --dry-run "$name"
		[ "$status" -eq 0 ] || { echo "$name: exit $status: $stderr"; return 1; }
		[ "$(jq -c '[.probe, .addr, .traceable]' <<<"$output")" = "[\"$name\",\"0xffffffff810004a0\",true]" ]
	done
}

# ---- a saved table (-k) is not this boot's: the kernel's addresses do not apply --------

# A running kernel whose text sits 0x2000000 higher than basic.kallsyms says (another
# boot: KASLR): its lists by address, and by name.
kaslr_sysroot() {
	local root=$BATS_TEST_TMPDIR/kaslr
	mkdir -p "$root/sys/kernel/tracing" "$root/sys/kernel/debug/kprobes" "$root/proc"
	{
		echo 'ffffffff81000100 T nokprobe_fn'
		sed 's/^ffffffff81/ffffffff83/' "$FIX/basic.kallsyms"
	} >"$root/proc/kallsyms"
	printf 'ffffffff83000110 vfs_read\nffffffff830004a0 ksys_read\nffffffff83000230 c_start\n' \
		>"$root/sys/kernel/tracing/available_filter_functions_addrs"
	printf 'vfs_read\nksys_read\nc_start\n' >"$root/sys/kernel/tracing/available_filter_functions"
	# this boot's nokprobe_fn sits where the saved table has vfs_read
	printf '0xffffffff81000100-0xffffffff81000200\tnokprobe_fn\n0xffffffff83000260-0xffffffff83000280\tc_stop\n' \
		>"$root/sys/kernel/debug/kprobes/blacklist"
	echo "$root"
}

@test "-k: a saved table's traceability comes by name, not from this boot's addresses" {
	root=$(kaslr_sysroot)
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$BASIC" -j resolve --traceable \
		vfs_read ksys_read __x64_sys_read_alias c_stop vmlinux:c_start
	[ "$status" -eq 0 ]
	# by name: vfs_read and ksys_read (and its alias) are listed once, and have one
	# instance; c_stop is blacklisted by name; c_start is listed once for three: unknown
	[ "$(jq -sc 'map([.name, .traceable])' <<<"$output")" = \
		'[["vfs_read",true],["ksys_read",true],["__x64_sys_read_alias",true],["c_stop",false],["c_start",null],["c_start",null],["c_start",null]]' ]
}

@test "-k: attach --dry-run on a saved table is not refused as notrace after KASLR" {
	[[ $(id -u) -eq 0 ]] || skip "loading BPF programs (--dry-run) needs root"
	root=$(kaslr_sysroot)
	mkdir -p "$root/sys/bus/event_source/devices/kprobe"
	echo 6 >"$root/sys/bus/event_source/devices/kprobe/type"
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$BASIC" -j attach --dry-run vfs_read
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$(jq -c '[.probe, .addr, .traceable]' <<<"$output")" = '["vfs_read","0xffffffff81000110",true]' ]
}

@test "-k naming this boot's own table reads the kernel's lists by address" {
	root=$(kaslr_sysroot)
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$root/proc/kallsyms" -j resolve --traceable \
		vmlinux:c_start c_stop
	[ "$status" -eq 0 ]
	# the _addrs file tells c_start#1 from the others
	[ "$(jq -sc 'map([.name, .traceable])' <<<"$output")" = \
		'[["c_start",true],["c_start",false],["c_start",false],["c_stop",false]]' ]
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$root/proc/kallsyms" -j resolve --traceable vfs_read nokprobe_fn
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map([.name, .traceable])' <<<"$output")" = '[["vfs_read",true],["nokprobe_fn",false]]' ]
}
