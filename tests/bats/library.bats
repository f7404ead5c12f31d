#!/usr/bin/env bats
# The bats helper library (bats/ksymtrace/load.bash) on this machine: loaded the way a
# user loads it, run over the test double of the BPF engine (tests/double) in place of
# ksymtrace, so that its records say what the kernel delivered. Its assertions must agree
# with attach --expect, which the same runs evaluate. tests/vm uses it on real kernels.
load helpers

setup() {
	double_setup
	BATS_LIB_PATH=$ROOT/bats bats_load_library ksymtrace
	export KSYMTRACE=$DOUBLE
	TAB=$FIX/attach.kallsyms
}

@test "library: installed by cmake --install, and found by bats_load_library" {
	local p=$T/prefix
	run cmake --install "$(dirname "$KSYMTRACE_INSTALLED")" --prefix "$p"
	[ "$status" -eq 0 ]
	cmp "$ROOT/bats/ksymtrace/load.bash" "$p/lib/bats/ksymtrace/load.bash"
	[ -x "$p/sbin/ksymtrace" ]
	# (printf: bats would take a line of a here-document that begins with @test as its own)
	printf '%s\n' 'setup() { bats_load_library ksymtrace; }' '@test "a test of the user" {' \
		'	declare -F ksymtrace_run assert_probe_hits assert_probe_retval' '}' >"$T/user.bats"
	# a bats of its own: not this one's variables, its TAP stream (fd 3), or its libexec
	# directory first in PATH (where `bats` is the inner runner)
	local path
	path=$(tr : '\n' <<<"$PATH" | grep -v bats-core | paste -sd :)
	run env -i PATH="$path" HOME="$HOME" BATS_LIB_PATH="$p/lib/bats" bats --tap "$T/user.bats" 3>&-
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "ok 1 a test of the user" ]
}

@test "library: ksymtrace_run runs the command under the probes, its words quoted" {
	recs <<<"probe=0"
	# -c's command is run by /bin/sh: the words must be quoted for it, not for bash ($'...')
	ksymtrace_run -k "$TAB" vfs_read c_start --all -- touch "$T/a file" "$T/it's" "$T/two"$'\n'"lines"
	[ "$ksymtrace_status" -eq 0 ]
	[ -e "$T/a file" ] && [ -e "$T/it's" ] && [ -e "$T/two"$'\n'"lines" ]
	[ "$(ksymtrace_summary .printed)" -eq 1 ]
	[ "$(ksymtrace_summary '.probes | length')" -eq 5 ]
	[ "$(ksymtrace_hits vfs_read)" -eq 1 ]
	[ "$(ksymtrace_events | wc -l)" -eq 1 ]
	[ "$(ksymtrace_events 'c_start#*' | wc -l)" -eq 0 ]
	[[ $ksymtrace_stderr == *"5 probes attached"* ]]
	# no command: the run ends by -d
	ksymtrace_run -k "$TAB" vfs_read -d 0.2
	[ "$(ksymtrace_hits vfs_read)" -eq 1 ]
}

@test "library: a run that fails returns ksymtrace's status and shows its stderr" {
	recs <<<"probe=0"
	run ksymtrace_run -k "$TAB" vfs_read --expect 'vfs_read == 2' -- true
	[ "$status" -eq 4 ]
	[[ $output == *"exited 4:"*"ksymtrace: --expect 'vfs_read == 2' failed: actual: 1 hit"* ]]
	ksymtrace_run -k "$TAB" vfs_read --expect 'vfs_read == 2' --expect 'vfs_read >= 1' -- true || true
	[ "$ksymtrace_status" -eq 4 ]
	run assert_expectations_held
	[ "$status" -eq 1 ]
	[ "$output" = "assert_expectations_held: vfs_read == 2: actual: 1 hit" ]
	ksymtrace_run -k "$TAB" vfs_read --expect 'vfs_read == 1' -- true
	assert_expectations_held
	run ksymtrace_run -k "$TAB" nosuchfunction -- true
	[ "$status" -eq 1 ]
}

@test "library: assert_probe_hits and assert_probe_never_fired, one line when they fail" {
	recs <<-EOF
		probe=0
		probe=0
		probe=2
	EOF
	ksymtrace_run -k "$TAB" vfs_read c_start --all -- true
	assert_probe_hits vfs_read == 2
	assert_probe_hits 'c_start#2' '>=' 1
	assert_probe_hits 'c_start#*' == 1
	assert_probe_hits '*' '<' 4
	assert_probe_never_fired 'c_start#1'
	assert_probe_never_fired 'c_start#[34]'
	run assert_probe_hits vfs_read '!=' 2
	[ "$status" -eq 1 ]
	[ "$output" = "assert_probe_hits: expected vfs_read != 2, actual: 2 hits" ]
	run assert_probe_never_fired 'c_start#2'
	[ "$status" -eq 1 ]
	[ "$output" = "assert_probe_never_fired: c_start#2 fired: 1 hit" ]
	run assert_probe_hits 'c_start#9' == 0
	[ "$status" -eq 1 ]
	[ "$output" = "ksymtrace_hits: no probe is labelled c_start#9; the probes are: vfs_read, c_start#1, c_start#2, c_start#3, c_start#4" ]
	run assert_probe_hits vfs_read = 2
	[ "$status" -eq 2 ]
}

# agree RECORDS PROBE-SPEC EXPR...: for each EXPR ("PROBE retval [any|all] OP N"), attach
# --expect and assert_probe_retval give the same verdict on the same run
agree() {
	local probe=$2 e verdict_c verdict_lib
	shift 2
	for e in "$@"; do
		verdict_c=held
		ksymtrace_run -k "$TAB" "$probe" -d 0.2 --expect "$e" 2>/dev/null || verdict_c=failed
		verdict_lib=held
		# shellcheck disable=SC2086 # EXPR's words
		assert_probe_retval ${e/retval /} 2>/dev/null || verdict_lib=failed
		[ "$verdict_c" = "$verdict_lib" ] || {
			echo "'$e': --expect $verdict_c, assert_probe_retval $verdict_lib"
			return 1
		}
	done
}

@test "library: assert_probe_retval compares as --expect does: s32, s64, u64, any, all" {
	printf 'probe=0 kind=kretprobe retval=%s\n' 0xfffffffe -2 5 0xffffffff00000000 | recs
	agree "$T/recs" 'vfs_read%return' \
		'vfs_read%return retval any == -2' 'vfs_read%return retval == -2' 'vfs_read%return retval any == 4294967294' \
		'vfs_read%return retval any == 0xfffffffffffffffe' 'vfs_read%return retval any == -4294967296' \
		'vfs_read%return retval all <= 5' 'vfs_read%return retval any > 5' 'vfs_read%return retval all >= -2147483648' \
		'vfs_read%return retval any == 0' 'vfs_read%return retval all != 0' 'vfs_read%return retval any >= 0x8000000000000000' \
		'vfs_read%return retval any < 0x10' 'vfs_read%return retval any == -9223372036854775808' 'vfs_*%return retval any == 5'
	run assert_probe_retval 'vfs_read%return' == 5
	[ "$status" -eq 1 ]
	[ "$output" = "assert_probe_retval: expected vfs_read%return retval all == 5, actual: 1 of 4 returns == 5 (the first other: -2)" ]
	[ "$(ksymtrace_retvals 'vfs_read%return' | paste -sd ' ')" = "4294967294 -2 5 -4294967296" ]
}

@test "library: assert_probe_retval: no return seen, and returns lost to a full ring buffer" {
	ksymtrace_run -k "$TAB" 'vfs_read%return' -d 0.2
	run assert_probe_retval 'vfs_read%return' == 0
	[ "$status" -eq 1 ]
	[ "$output" = "assert_probe_retval: expected vfs_read%return retval all == 0, actual: no return was seen" ]
	recs <<-EOF
		probe=0 kind=kretprobe retval=3
		probe=0 kind=kretprobe retval=3
	EOF
	export KT_DOUBLE_DROP=1
	agree "$T/recs" 'vfs_read%return' 'vfs_read%return retval == 3' 'vfs_read%return retval any == 3'
	run assert_probe_retval 'vfs_read%return' all == 3
	[ "$output" = "assert_probe_retval: expected vfs_read%return retval all == 3, actual: 1 of 1 returns == 3, and 1 more were lost (a full ring buffer)" ]
	run assert_probe_retval 'vfs_read%return' == x
	[ "$status" -eq 2 ]
	[ "$output" = "assert_probe_retval: vfs_read%return returned numbers (the first: 3): 'x' is neither a number nor, there, an enumerator" ]
	run assert_probe_retval 'vfs_read%return' != x
	[ "$output" = "assert_probe_retval: vfs_read%return returned numbers (the first: 3): 'x' is neither a number nor, there, an enumerator" ]
	run assert_probe_retval 'vfs_read%return' == 1x
	[ "$status" -eq 2 ]
	run assert_probe_retval vfs_read%return == 18446744073709551616
	[ "$status" -eq 2 ]
}

@test "library: typed return values: a bool as 1 or 0, an enumerator by name, no value for void or a struct" {
	typed_sysroot
	recs <<-'EOF'
		probe=0 kind=kretprobe retval=1
		probe=0 kind=kretprobe retval=0x100000000
		probe=1 kind=kretprobe retval=0
		probe=2 kind=kretprobe retval=0x1234
	EOF
	ksymtrace_run -k "$FIX/btf.kallsyms" 'set_mode%return' 'do_nothing%return' 'make_big%return' -d 0.3
	# set_mode returns bool: true, then false (a bool is its low byte)
	[ "$(ksymtrace_retvals 'set_mode%return' | paste -sd ' ')" = "1 0" ]
	assert_probe_retval 'set_mode%return' any == 1
	run assert_probe_retval 'set_mode%return' all == 1
	[ "$status" -eq 1 ]
	[ "$output" = "assert_probe_retval: expected set_mode%return retval all == 1, actual: 1 of 2 returns == 1 (the first other: 0)" ]
	# a void function and a struct by value have no value to compare
	run assert_probe_retval 'do_nothing%return' == 0
	[ "$status" -eq 1 ]
	[ "$output" = "ksymtrace_retvals: do_nothing%return: no value (a void function, or BTF cannot say)" ]
	run assert_probe_retval 'make_big%return' == 0
	[ "$status" -eq 1 ]
	[ "$output" = "ksymtrace_retvals: make_big%return: a struct returned by value" ]
	# an enum is shown by its enumerator's name: compared by name, == and != only
	printf '%s\n' '{"ts_ns":1,"probe":"get_mode","kind":"kretprobe","retval":"MODE_C"}' \
		'{"ts_ns":2,"probe":"get_mode","kind":"kretprobe","retval":7}' \
		'{"summary":true,"probes":[{"probe":"get_mode","kind":"kretprobe","hits":2,"missed":0}]}' >"$T/enum.jsonl"
	ksymtrace_load "$T/enum.jsonl"
	[ "$(ksymtrace_retvals 'get_mode%return' | paste -sd ' ')" = "MODE_C 7" ]
	assert_probe_retval 'get_mode%return' any == MODE_C
	assert_probe_retval 'get_mode%return' all != MODE_A
	run assert_probe_retval 'get_mode%return' all == MODE_C
	[ "$output" = "assert_probe_retval: expected get_mode%return retval all == MODE_C, actual: 1 of 2 returns == MODE_C (the first other: 7)" ]
	run assert_probe_retval 'get_mode%return' any == 0
	[ "$status" -eq 2 ]
	[ "$output" = "assert_probe_retval: get_mode%return returned MODE_C, an enumerator: compare it by name (== MODE_C)" ]
	run assert_probe_retval 'get_mode%return' '>' MODE_C
	[ "$status" -eq 2 ]
}
