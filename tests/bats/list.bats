#!/usr/bin/env bats
# ksymtrace list on the fixtures.
load helpers

@test "list: functions by default, sorted by name then address" {
	run --separate-stderr ks -k "$BASIC" -j list
	[ "$status" -eq 0 ]
	assert_jsonl
	[ "$(jq -sc 'map(.type) | unique' <<<"$output")" = '["T","t"]' ]
	[ "$(jq -r .name <<<"$output" | LC_ALL=C sort -c && echo sorted)" = sorted ]
	[ "$(jq -sc 'map(select(.name == "c_start") | .addr)' <<<"$output")" = '["0xffffffff81000230","0xffffffff81000280","0xffffffff81000480","0xffffffffc0395040"]' ]
}

@test "list: a glob, with instance numbers that are specs" {
	run --separate-stderr ks -k "$BASIC" list 'c_*'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	[[ ${lines[0]} == *"c_start#1" ]]
	[[ ${lines[3]} == *"dummy"*"c_start#4" ]]
	[[ ${lines[4]} == *"c_stop" ]]
}

@test "list: --all-types includes data symbols" {
	run ks -k "$BASIC" -j list --all-types '__func__*'
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map([.name, .index, .count])' <<<"$output")" = '[["__func__.0",1,2],["__func__.0",2,2],["__func__.1",1,1]]' ]
	run --separate-stderr ks -k "$BASIC" list '__func__*'
	[ "$status" -eq 1 ]
	[[ $stderr == *"no function matches __func__*"* ]]
	[[ $stderr == *"HINT: --all-types includes data symbols"* ]]
}

@test "list: --module, with instance numbers within the module" {
	run ks -k "$BASIC" -j list --module vmlinux 'c_start'
	[ "$(jq -sc 'map([.index, .count])' <<<"$output")" = '[[1,3],[2,3],[3,3]]' ]
	run ks -k "$BASIC" -j list --module dummy
	[ "$(jq -sc 'map(.name)' <<<"$output")" = '["c_start","dummy_dev_init","dummy_get_stats64"]' ]
	run --separate-stderr ks -k "$BASIC" list --module nosuch
	[ "$status" -eq 1 ]
	assert_one_error_line "no module 'nosuch' in the symbol table"
}

@test "list: --traceable fills the column" {
	root="$BATS_TEST_TMPDIR/root"
	mkdir -p "$root/sys/kernel/tracing" "$root/sys/kernel/debug/kprobes"
	printf 'vfs_read\n' >"$root/sys/kernel/tracing/available_filter_functions"
	: >"$root/sys/kernel/debug/kprobes/blacklist"
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$BASIC" -j list --traceable 'vfs_*'
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -c '[.name, .traceable]' <<<"$output")" = '["vfs_read",true]' ]
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$BASIC" list --traceable 'ksys_*'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(tr -s ' ' <<<"${lines[0]}")" = " ffffffff810004a0 T vmlinux 96 no ksys_read = __x64_sys_read_alias" ]
	# without --traceable, no such column
	run --separate-stderr "$KSYMTRACE" -k "$BASIC" list 'ksys_*'
	[ "$status" -eq 0 ]
	[ "$(tr -s ' ' <<<"${lines[0]}")" = " ffffffff810004a0 T vmlinux 96 ksys_read = __x64_sys_read_alias" ]
}

@test "list: two globs is a usage error" {
	run --separate-stderr ks -k "$BASIC" list 'a*' 'b*'
	assert_usage "list takes one GLOB (quote it: 'vfs_*')"
	run --separate-stderr ks -k "$BASIC" list ''
	assert_usage "empty GLOB: give a pattern such as 'vfs_*', or none for all"
	run --separate-stderr ks -k "$BASIC" list --module ''
	assert_usage "--module needs a module name"
}

@test "list: nothing matches exits 1" {
	run --separate-stderr ks -k "$BASIC" list 'zzz*'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "ksymtrace: no function matches zzz*" ]
}

@test "list: --traceable keeps both names of an aliased traceable function" {
	root="$BATS_TEST_TMPDIR/root"
	mkdir -p "$root/sys/kernel/tracing" "$root/sys/kernel/debug/kprobes" "$root/proc"
	cp "$FIX/alias.available_filter_functions_addrs" "$root/sys/kernel/tracing/available_filter_functions_addrs"
	: >"$root/sys/kernel/debug/kprobes/blacklist"
	# this boot's own table: the addresses of the _addrs file apply to it
	cp "$BASIC" "$root/proc/kallsyms"
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$root/proc/kallsyms" -j list --traceable '*read*'
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map([.name, .traceable])' <<<"$output")" = '[["__pfx_vfs_read",false],["__x64_sys_read_alias",true],["ksys_read",true],["vfs_read",true]]' ]
}
