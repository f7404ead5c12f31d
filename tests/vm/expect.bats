#!/usr/bin/env bats
# attach --expect and the bats helper library (issue 13) on real kernels: what
# /proc/cpuinfo's reader goes through, a false expectation, and the return values of
# vfs_read against the bytes a reader got. Which c_start serves /proc/cpuinfo is
# worked out from the symbol table (c_start_vars), not assumed.

# shellcheck disable=SC2154 # $err and $out are set by kt_run
load helpers

setup_file() { c_start_setup_file; }
setup() { attach_setup; }

# Each test is one ksymtrace run (TCG makes every attach cost seconds): the text report on
# stderr and the JSON on stdout of the same run are both checked.

@test "expect: cat /proc/cpuinfo goes through its own c_start and never the others" {
	local n=$CS_CPU_N i
	local -a never=()
	for i in 1 2 3; do ((i == n)) || never+=(--expect "c_start#$i==0"); done
	# the issue's example, c_start#1 >= 1 and c_start#2 == 0, on every kernel here: the
	# cpuinfo instance is the first in address order (README "Kernel facts")
	echo "# kernel $KSYMTRACE_VM_KERNEL: /proc/cpuinfo's c_start is c_start#$n" >&3
	ksymtrace_run c_start --all --expect "c_start#$n>=1" "${never[@]}" -- cat /proc/cpuinfo
	[[ $ksymtrace_stderr == *$'\n'"ksymtrace: 3 expectations held"* ]]
	[ "$(grep -c -- --expect <<<"$ksymtrace_stderr")" -eq 0 ]
	[ "$(ksymtrace_summary '.expectations | map(.ok) | [length, all] | tostring')" = '[3,true]' ]
	# the library's own assertions agree on the same run
	assert_expectations_held
	assert_probe_hits "c_start#$n" '>=' 1
	assert_probe_hits 'c_start#*' == "$(ksymtrace_hits "c_start#$n")"
	for i in 1 2 3; do ((i == n)) || assert_probe_never_fired "c_start#$i"; done
	no_probes_left
}

@test "expect: a false expectation exits 4 with one line each, after a run that went fine" {
	local con=$CS_CON_N missed
	# --count: the kernel's counters alone decide. missed: >= 0 holds whenever the count is
	# known, and must fail, saying why, where the summary has none (a kernel before 6.7, or
	# misses a kprobe_multi link counted for several probes)
	kt_run -j attach c_start --all --count --expect "c_start#$con >= 1" --expect 'c_start#* >= 1' \
		--expect "missed:c_start#$con >= 0" -c 'cat /proc/cpuinfo >/dev/null'
	[ "$status" -eq 4 ]
	[ "$(ksymtrace_summary '.probes | length')" -eq 3 ]
	missed=$(ksymtrace_summary ".probes[] | select(.probe == \"c_start#$con\") | .missed")
	echo "the summary's missed count of c_start#$con: $missed"
	if [[ $missed == null ]]; then
		local why
		[ "$(grep -c -- --expect <<<"$err")" -eq 2 ]
		[ "$(grep -- --expect <<<"$err" | head -n 1)" = "ksymtrace: --expect 'c_start#$con >= 1' failed: actual: 0 hits" ]
		why=$(grep -- "--expect 'missed:" <<<"$err")
		[[ $why == "ksymtrace: --expect 'missed:c_start#$con >= 0' failed: missed counts are not available on this kernel" ||
			$why == "ksymtrace: --expect 'missed:c_start#$con >= 0' failed: c_start#$con's misses are counted with other probes' (a kprobe_multi link): --no-multi counts them per probe" ]]
		[ "$(ksymtrace_summary '.expectations | map(.ok) | tostring')" = '[false,true,false]' ]
		[ "$(ksymtrace_summary '.expectations[2].actual')" = null ]
	else
		[ "$(grep -- --expect <<<"$err")" = "ksymtrace: --expect 'c_start#$con >= 1' failed: actual: 0 hits" ]
		[ "$(ksymtrace_summary '.expectations | map(.ok) | tostring')" = '[false,true,true]' ]
		[ "$(ksymtrace_summary '.expectations[2].actual')" = "$missed" ]
	fi
	[ "$(ksymtrace_summary '.expectations[0].actual')" -eq 0 ]
	no_probes_left
}

@test "expect: vfs_read%return's retval is the bytes dd read" {
	# a file of an odd size, read whole in one read(2) and then 0 at its end; dd's loader
	# reads ELF headers with read(2) too, so the file's size is one return among several
	local f=$T/data size=4321
	head -c "$size" /dev/zero >"$f"
	kt_run -j attach 'vfs_read%return' --comm dd --expect "vfs_read%return retval any == $size" \
		--expect 'vfs_read%return retval any == 0' --expect 'vfs_read%return retval >= 0' \
		--expect "vfs_read%return retval any == $((size + 1))" \
		-c "dd if=$f of=/dev/null bs=64k 2>/dev/null"
	[ "$status" -eq 4 ]
	[ "$(grep -c -- --expect <<<"$err")" -eq 1 ]
	[[ $(tail -n 1 <<<"$err") =~ ^ksymtrace:\ --expect\ \'vfs_read%return\ retval\ any\ ==\ 4322\'\ failed:\ actual:\ 0\ of\ [0-9]+\ returns\ ==\ 4322\ \(the\ first\ other:\ -?[0-9]+\)$ ]]
	[ "$(ksymtrace_summary '.expectations | map(.ok) | tostring')" = '[true,true,true,false]' ]

	# the library agrees, on the events themselves
	assert_probe_retval 'vfs_read%return' any == "$size"
	assert_probe_retval 'vfs_read%return' all '>=' 0
	ksymtrace_retvals 'vfs_read%return' | grep -qx "$size"
	run assert_probe_retval 'vfs_read%return' any == $((size + 1))
	[ "$status" -eq 1 ]
	no_probes_left
}
