#!/usr/bin/env bats
# attach --expect on this machine (issue 13): the grammar and its refusals (exit 2, one
# line, before anything is attached), and the evaluation at the end of a run (exit 4,
# one line per expectation that failed, the JSON summary's expectations) through the
# real run loop over the test double of the BPF engine (tests/double), whose records
# say exactly what the kernel would have delivered.
load helpers

setup() {
	double_setup
}

# row STDERR ARGS...: attach --dry-run ARGS on the fixture table exits 2 with exactly
# STDERR (one line) and nothing on stdout, and nothing was loaded
row() {
	local want=$1
	shift
	rm -f "$T/log"
	run --separate-stderr kd attach --dry-run "$@"
	if [ "$status" -ne 2 ] || [ "$stderr" != "$want" ] || [ -n "$output" ] || [ -e "$T/log" ]; then
		printf 'attach --dry-run %s\n  exit   %s (want 2)\n  stderr %s\n  want   %s\n  stdout %s\n  double %s\n' \
			"$*" "$status" "$stderr" "$want" "$output" "$(cat "$T/log" 2>/dev/null)"
		return 1
	fi
}

@test "bad --expect: the grammar, one line each, exit 2, before the table is read" {
	local e="ksymtrace: --expect"
	row "$e 'c_start#1': no comparison: write PROBE OP N, such as 'c_start#1 >= 1' (OP: == != >= <= > <)" \
		c_start --all --expect 'c_start#1'
	row "$e 'c_start#1 = 1': '=' is not a comparison: OP is ==, !=, >=, <=, > or <" c_start --all --expect 'c_start#1 = 1'
	row "$e 'c_start#1=>1': '=>' is not a comparison: OP is ==, !=, >=, <=, > or <" c_start --all --expect 'c_start#1=>1'
	row "$e 'c_start#1 >=': no number after '>='" c_start --all --expect 'c_start#1 >='
	row "$e 'c_start#1 == -1': '-1': a count is never negative" c_start --all --expect 'c_start#1 == -1'
	row "$e 'c_start#1 == 1x': '1x' is not a number (decimal or 0x hex, 64 bits at most)" c_start --all --expect 'c_start#1 == 1x'
	row "$e 'c_start#1 == 18446744073709551616': '18446744073709551616' is not a number (decimal or 0x hex, 64 bits at most)" \
		c_start --all --expect 'c_start#1 == 18446744073709551616'
	row "$e 'c_start#1 == 1 2': '1 2' is not a number (decimal or 0x hex, 64 bits at most)" c_start --all --expect 'c_start#1 == 1 2'
	row "$e ' >= 1': no PROBE: write PROBE OP N, such as 'c_start#1 >= 1'" c_start --all --expect ' >= 1'
	row "$e 'c_start#1 hits >= 1': 'hits >= 1': after PROBE comes OP N, or retval [any|all] OP N" \
		c_start --all --expect 'c_start#1 hits >= 1'
	row "$e 'missed:vfs_write%return retval == 0': a missed count has no return values: drop missed: or retval" \
		'vfs_write%return' --expect 'missed:vfs_write%return retval == 0'
	row "$e 'vfs_write%return retval some == 0': no comparison after retval [any|all]: write PROBE OP N, such as 'c_start#1 >= 1' (OP: == != >= <= > <)" \
		'vfs_write%return' --expect 'vfs_write%return retval some == 0'
	row "$e 'vfs_write%return retval == -9223372036854775809': '-9223372036854775809' is not a number (decimal or 0x hex, 64 bits at most)" \
		'vfs_write%return' --expect 'vfs_write%return retval == -9223372036854775809'
	row "$e 'vfs_read\\x1b[31m >= 1': PROBE holds a control byte: give a probe label as the summary prints it" \
		vfs_read --expect $'vfs_read\e[31m >= 1'
	row "$e 'vfs_write%return retval == 0': --count sends no events, so no return values: drop --count" \
		'vfs_write%return' --count --expect 'vfs_write%return retval == 0'
	local -a many=()
	for i in $(seq 65); do many+=(--expect "vfs_read >= $i"); done
	row "$e: at most 64 expectations in one run" vfs_read "${many[@]}"
	# the grammar comes before the table: a table that cannot be read is not reached
	run --separate-stderr "$DOUBLE" -k /nonexistent attach vfs_read --expect 'vfs_read' --dry-run
	[ "$status" -eq 2 ]
	[ "$stderr" = "$e 'vfs_read': no comparison: write PROBE OP N, such as 'c_start#1 >= 1' (OP: == != >= <= > <)" ]
}

@test "bad --expect: PROBE against the plan's labels, one line naming those there are" {
	local e="ksymtrace: --expect" all="the probes are: c_start#1, c_start#2, c_start#3, c_start#4"
	row "$e 'c_start#5 >= 1': no probe is labelled c_start#5; $all" c_start --all --expect 'c_start#5 >= 1'
	row "$e 'c_stop* >= 1': no probe's label matches c_stop*; $all" c_start --all --expect 'c_stop* >= 1'
	# a '[' that opens no bracket expression is a character like any other (it crashed:
	# "[]" with no ']' after it was read as a class that ended past the text)
	row "$e '[] >= 1': no probe's label matches []; $all" c_start --all --expect '[] >= 1'
	row "$e '[]': no comparison: write PROBE OP N, such as 'c_start#1 >= 1' (OP: == != >= <= > <)" \
		c_start --all --expect '[]'
	row "$e 'c_start[!] >= 1': no probe's label matches c_start[!]; $all" c_start --all --expect 'c_start[!] >= 1'
	row "$e 'c_start[]1-3]x == 1': no probe's label matches c_start[]1-3]x; $all" c_start --all --expect 'c_start[]1-3]x == 1'
	# a kretprobe's label is the summary's, with %return
	row "$e 'vfs_write == 1': no probe is labelled vfs_write; the probes are: vfs_read, vfs_write%return" \
		vfs_read 'vfs_write%return' --expect 'vfs_write == 1'
	row "$e 'vfs_read retval == 0': vfs_read is a kprobe: return values are a kretprobe's (vfs_read%return)" \
		vfs_read 'vfs_write%return' --expect 'vfs_read retval == 0'
	row "$e 'vfs_* retval any == 0': vfs_read is a kprobe: return values are a kretprobe's (vfs_read%return)" \
		vfs_read 'vfs_write%return' --expect 'vfs_* retval any == 0'
	# many probes: the first eight, and how many more
	row "$e 'nothing == 0': no probe is labelled nothing; the probes are: vfs_read, vfs_write, c_start#1, c_start#2, c_start#3, c_start#4, c_next#1, c_next#2 (and 1 more)" \
		vfs_read vfs_write c_start c_next --all --expect 'nothing == 0'
}

@test "bad --expect: refused before anything is attached; -c never runs" {
	run --separate-stderr kd attach vfs_read -c "touch $T/ran" --expect 'vfs_write >= 1'
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == "ksymtrace: --expect 'vfs_write >= 1': no probe is labelled vfs_write; the probes are: vfs_read" ]]
	[ ! -e "$T/log" ]
	[ ! -e "$T/ran" ]
}

@test "good --expect: the dry run checks them against the plan and attaches nothing" {
	run --separate-stderr kd attach c_start --all 'vfs_write%return' --dry-run \
		--expect 'c_start#1>=1' --expect 'c_start#2 == 0' --expect 'c_start#* <= 9' \
		--expect 'missed:c_start#[13] == 0' --expect 'vfs_write%return retval any == -2'
	[ "$status" -eq 0 ]
	[ "$(grep -cE '^(c_start|vfs_write%return) ' <<<"$output")" -eq 5 ]
	[ "$(did)" = "load free" ]
}

# ---- the evaluation ---------------------------------------------------------------------

@test "hits: expectations that hold exit 0 and say so; a false one exits 4 with one line" {
	recs <<-EOF
		probe=0
		probe=0
		probe=0
		probe=1
	EOF
	run --separate-stderr kd attach vfs_read c_start --all -d 0.3 \
		--expect 'vfs_read == 3' --expect 'c_start#1>=1' --expect 'c_start#2 == 0' --expect 'c_start#* == 1'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${stderr_lines[-1]}" = "ksymtrace: 4 expectations held" ]

	rm "$T/log"
	run --separate-stderr kd attach vfs_read c_start --all -d 0.3 \
		--expect 'vfs_read == 3' --expect 'c_start#2 != 0' --expect 'c_start#* > 1'
	[ "$status" -eq 4 ]
	# the run itself went as ever: the events, the summary; then one line per failure
	[ "${#lines[@]}" -eq 4 ]
	[[ $stderr == *"5 probes, 4 hits; 0 events lost to a full ring buffer"$'\n'* ]]
	[ "$(grep -c -- --expect <<<"$stderr")" -eq 2 ]
	[ "${stderr_lines[-2]}" = "ksymtrace: --expect 'c_start#2 != 0' failed: actual: 0 hits" ]
	[ "${stderr_lines[-1]}" = "ksymtrace: --expect 'c_start#* > 1' failed: actual: 1 hit" ]
	[ "$(did)" = "load attach detach free" ]
}

@test "hits -j: the summary's expectations, expr, actual and ok, the reason of a failure" {
	recs <<<"probe=0"
	KT_DOUBLE_UNCOUNTED=kprobe KT_DOUBLE_MISSED='0:?' run --separate-stderr kd -j attach vfs_read c_start --all -d 0.3 \
		--expect 'vfs_read == 1' --expect 'c_start#2>=1' --expect 'missed:vfs_read == 0'
	[ "$status" -eq 4 ]
	assert_jsonl
	[ "$(tail -n 1 <<<"$output" | jq -c .expectations)" = '[{"expr":"vfs_read == 1","actual":1,"ok":true},{"expr":"c_start#2>=1","actual":0,"ok":false,"why":"actual: 0 hits"},{"expr":"missed:vfs_read == 0","actual":null,"ok":false,"why":"missed counts are not available on this kernel"}]' ]
	# without --expect the summary has no such member
	run --separate-stderr kd -j attach vfs_read -d 0.3
	[ "$status" -eq 0 ]
	tail -n 1 <<<"$output" | jq -e '.summary and (has("expectations") | not)'
}

@test "missed: an unknown count fails, never passes silently" {
	# a kernel before 6.7: no missed count for a BPF kprobe (the summary's ?)
	KT_DOUBLE_UNCOUNTED=kprobe KT_DOUBLE_MISSED='0:?' \
		run --separate-stderr kd attach vfs_read -d 0.3 --expect 'missed:vfs_read == 0' --expect 'vfs_read == 0'
	[ "$status" -eq 4 ]
	[ "${stderr_lines[-1]}" = "ksymtrace: --expect 'missed:vfs_read == 0' failed: missed counts are not available on this kernel" ]
	[ "$(grep -c -- --expect <<<"$stderr")" -eq 1 ]
	# a count the kernel keeps for a kprobe_multi link, not per probe
	KT_DOUBLE_MULTI=1 KT_DOUBLE_SHARED=5:2 KT_DOUBLE_MISSED='0:?,1:?' \
		run --separate-stderr kd attach vfs_read c_start#1 -d 0.3 --expect 'missed:vfs_read >= 0'
	[ "$status" -eq 4 ]
	[ "${stderr_lines[-1]}" = "ksymtrace: --expect 'missed:vfs_read >= 0' failed: vfs_read's misses are counted with other probes' (a kprobe_multi link): --no-multi counts them per probe" ]
}

@test "missed: the summary's per-probe MISSED count is what compares" {
	KT_DOUBLE_MISSED='0:3,1:0' run --separate-stderr kd -j attach vfs_read 'vfs_write%return' -d 0.3 \
		--expect 'missed:vfs_read == 3' --expect 'missed:vfs_write%return == 0' --expect 'missed:vfs_* == 3'
	[ "$status" -eq 0 ]
	[ "${stderr_lines[-1]}" = "ksymtrace: 3 expectations held" ]
	[ "$(tail -n 1 <<<"$output" | jq -c '[.expectations[].actual]')" = '[3,0,3]' ]
	KT_DOUBLE_MISSED='0:3' run --separate-stderr kd attach vfs_read -d 0.3 --expect 'missed:vfs_read == 0'
	[ "$status" -eq 4 ]
	[ "${stderr_lines[-1]}" = "ksymtrace: --expect 'missed:vfs_read == 0' failed: actual: 3 missed" ]
}

@test "hits with --count: counted by the kernel, checked the same" {
	recs <<-EOF
		probe=1
		probe=1
	EOF
	run --separate-stderr kd attach vfs_read c_start#1 --count -d 0.3 --expect 'c_start#1 == 2' --expect 'vfs_read == 0'
	[ "$status" -eq 0 ]
	run --separate-stderr kd attach vfs_read c_start#1 --count -d 0.3 --expect 'c_start#1 < 2'
	[ "$status" -eq 4 ]
	[[ ${lines[0]} == *HITS*PROBE ]]
	[ "${stderr_lines[-1]}" = "ksymtrace: --expect 'c_start#1 < 2' failed: actual: 2 hits" ]
}

@test "hits: unidentified events may be any probe's: only what holds for every share holds" {
	recs <<-EOF
		probe=0
		probe=0xffffffff addr=0xffffffff81001011
	EOF
	run --separate-stderr kd attach vfs_read vfs_write -d 0.3 \
		--expect 'vfs_read >= 1' --expect 'vfs_write <= 1' --expect 'vfs_read == 1' --expect 'vfs_write != 1'
	[ "$status" -eq 4 ]
	[ "$(grep -c -- --expect <<<"$stderr")" -eq 2 ]
	[[ $stderr == *"--expect 'vfs_read == 1' failed: actual: 1 hit, and some of the unidentified events may be its own"* ]]
	[[ $stderr == *"--expect 'vfs_write != 1' failed: actual: 0 hits, and some of the unidentified events may be its own"* ]]
}

@test "hits: a probe --skip-failed went on without has no count: its expectation fails" {
	KT_DOUBLE_FAIL_ATTACH=2 run --separate-stderr kd attach c_start --all --skip-failed -d 0.3 \
		--expect 'c_start#2 == 0' --expect 'c_start#1 == 0'
	[ "$status" -eq 4 ]
	[ "${stderr_lines[-1]}" = "ksymtrace: --expect 'c_start#2 == 0' failed: c_start#2 was not attached: its hits are unknown" ]
}

@test "a -c command that could not run outranks an expectation: exit 1" {
	run --separate-stderr kd attach vfs_read -c 'no-such-command-here' --expect 'vfs_read == 1'
	[ "$status" -eq 1 ]
	[[ $stderr == *"--expect 'vfs_read == 1' failed: actual: 0 hits"* ]]
}

# ---- return values ------------------------------------------------------------------------

@test "retval: all (the default) and any; N's literal picks s32, s64 or u64" {
	# an int function's -2 leaves the upper 32 bits as they were (0x00000000fffffffe);
	# a long's is sign-extended
	recs <<-EOF
		probe=0 kind=kretprobe retval=0xfffffffe
		probe=0 kind=kretprobe retval=-2
		probe=1 kind=kretprobe retval=5
		probe=1 kind=kretprobe retval=0
		probe=1 kind=kretprobe retval=0xffffffff00000000
	EOF
	run --separate-stderr kd attach 'vfs_read%return' 'vfs_write%return' -d 0.3 \
		--expect 'vfs_read%return retval == -2' --expect 'vfs_read%return retval all < 0' \
		--expect 'vfs_read%return retval any == 4294967294' --expect 'vfs_read%return retval any == 0xfffffffffffffffe' \
		--expect 'vfs_write%return retval any == 5' --expect 'vfs_write%return retval any == -4294967296' \
		--expect 'vfs_write%return retval >= 0' --expect 'vfs_*%return retval any == 0'
	[ "$status" -eq 0 ]
	[ "${stderr_lines[-1]}" = "ksymtrace: 8 expectations held" ]

	run --separate-stderr kd -j attach 'vfs_read%return' 'vfs_write%return' -d 0.3 \
		--expect 'vfs_write%return retval == 5' --expect 'vfs_write%return retval any > 5' \
		--expect 'vfs_read%return retval any == 4294967294' --expect 'vfs_read%return retval all != 0xfffffffffffffffe'
	[ "$status" -eq 4 ]
	[ "${stderr_lines[-3]}" = "ksymtrace: --expect 'vfs_write%return retval == 5' failed: actual: 1 of 3 returns == 5 (the first other: 0)" ]
	[ "${stderr_lines[-2]}" = "ksymtrace: --expect 'vfs_write%return retval any > 5' failed: actual: 0 of 3 returns > 5 (the first other: 5)" ]
	[ "${stderr_lines[-1]}" = "ksymtrace: --expect 'vfs_read%return retval all != 0xfffffffffffffffe' failed: actual: 1 of 2 returns != 18446744073709551614 (the first other: 18446744073709551614)" ]
	[ "$(tail -n 1 <<<"$output" | jq -c '[.expectations[] | [.actual, .returns, .ok]]')" = '[[1,3,false],[0,3,false],[1,2,true],[1,2,false]]' ]
}

@test "retval: all needs a return; every event counts, printed or not (-n)" {
	recs <<-EOF
		probe=0 kind=kretprobe retval=1
		probe=0 kind=kretprobe retval=7
	EOF
	run --separate-stderr kd attach 'vfs_read%return' 'vfs_write%return' -n 1 \
		--expect 'vfs_read%return retval any == 7' --expect 'vfs_write%return retval == 0'
	[ "$status" -eq 4 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "${stderr_lines[-1]}" = "ksymtrace: --expect 'vfs_write%return retval == 0' failed: actual: no return was seen" ]
	[ "$(grep -c -- --expect <<<"$stderr")" -eq 1 ]
}

@test "retval: returns lost to a full ring buffer leave all unknowable" {
	recs <<-EOF
		probe=0 kind=kretprobe retval=3
		probe=0 kind=kretprobe retval=3
		probe=0 kind=kretprobe retval=3
	EOF
	KT_DOUBLE_DROP=2 run --separate-stderr kd attach 'vfs_read%return' -d 0.3 \
		--expect 'vfs_read%return retval == 3' --expect 'vfs_read%return retval any == 3' --expect 'vfs_read%return == 3'
	[ "$status" -eq 4 ]
	[ "$(grep -c -- --expect <<<"$stderr")" -eq 1 ]
	[ "${stderr_lines[-1]}" = "ksymtrace: --expect 'vfs_read%return retval == 3' failed: actual: 2 of 2 returns == 3, and more were lost (a full ring buffer): cannot tell" ]
	[[ $stderr == *"1 event lost: the ring buffer was full"* ]]
}
