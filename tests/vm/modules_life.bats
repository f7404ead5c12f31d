#!/usr/bin/env bats
# Modules over their whole life (issue 11, part B) on real kernels: a probe armed as its
# module loads, before init runs; a module unloaded while attached, then loaded again.
# What ksymtrace says is checked against what it does not compute: the hits the traced
# commands cause (one init call per insmod, one dummy_get_stats64 per statistics file read,
# attach.bats), and after every way out, tracefs's own kprobe_events and the kprobes
# registered (debugfs): nothing of ksymtrace's is left.

# shellcheck disable=SC2154 # $err and $out are set by kt_run
load helpers

setup_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0 # bats 1.8 cannot skip here: setup() does
	rmmod dummy 2>/dev/null || true
}

teardown() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0
	ksymtrace_stop_left
	ftrace_off
}

# ftrace_on / ftrace_off — the function tracer on one function: an ftrace user, as a
# kprobe on an ftrace site or perf's function tracing is
TRACING=/sys/kernel/tracing
ftrace_on() {
	echo vfs_fsync >"$TRACING/set_ftrace_filter" && echo function >"$TRACING/current_tracer"
}
ftrace_off() {
	echo nop >"$TRACING/current_tracer" && echo >"$TRACING/set_ftrace_filter"
}

teardown_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0
	rmmod dummy 2>/dev/null || true
}

setup() {
	require_vm
	require_ksymtrace
	T=$BATS_TEST_TMPDIR
	EVENTS=/sys/kernel/tracing/kprobe_events
	kprobes_baseline
}

# no_events_left — no ksymtrace_ group in kprobe_events, and the kprobes as before the test
no_events_left() {
	! grep ksymtrace_ "$EVENTS" || { echo "events left behind"; return 1; }
	no_probes_left
}

# said TEXT [N] — until ksymtrace's stderr ($T/err) has TEXT on N lines (1), 60 s at most
# (TCG is slow): a line said again is waited for, not taken from its first time
said() {
	local i n=${2:-1}
	for ((i = 0; i < 600; i++)); do
		(($(grep -cF -- "$1" "$T/err") >= n)) && return 0
		sleep 0.1
	done
	printf 'not said %d times in 60 s: %s\n--- stderr:\n%s\n' "$n" "$1" "$(cat "$T/err")"
	return 1
}

# kaddr NAME — the address of dummy's function NAME in /proc/kallsyms now, 0x...
kaddr() {
	awk -v n="$1" '$3 == n && $4 == "[dummy]" { print "0x" $1 }' /proc/kallsyms
}

# stats N — read dummy0's statistics N times: N calls of dummy_get_stats64 (attach.bats)
stats() {
	local i
	for ((i = 0; i < $1; i++)); do
		cat /sys/class/net/dummy0/statistics/rx_bytes >/dev/null
	done
}

@test "modules: dummy:dummy_init_module, attached before load, catches insmod's init exactly once" {
	kt_run -j attach dummy:dummy_init_module -c "insmod $KSYMTRACE_VM_DUMMY_KO"
	if ! kernel_at_least 5.15; then
		# no attach cookies: nothing could tell the probe apart before it has an address
		[ "$status" -eq 1 ]
		[[ $err == *"dummy:dummy_init_module: module dummy is not loaded, and this kernel has no attach cookies (Linux 5.15) to tell its probes apart before they have addresses"* ]]
		! grep -q '^dummy ' /proc/modules # -c never ran
		no_events_left
		skip "Linux $KSYMTRACE_VM_KERNEL has no attach cookies: refused, with the reason"
	fi
	[ "$status" -eq 0 ]
	[[ $err == *"waiting for module dummy to load: 1 probe armed as it loads, before its init runs"* ]]
	grep -q '^dummy ' /proc/modules
	# one event, of insmod, at an address in module space; the summary counts one hit
	jq -s -e 'map(select(.summary | not)) | length == 1 and (.[0] | .probe == "dummy:dummy_init_module" and .comm == "insmod" and .module == "dummy" and (.addr | test("^0xffffffffc[0-9a-f]{7}$")))' <<<"$out"
	tail -n 1 <<<"$out" | jq -e '.summary and .probes[0].hits == 1 and .probes[0].unloaded == false and .probes[0].addr == null'
	no_events_left

	# loaded now: its init code is gone, and the probe is refused with the reason
	kt_run attach dummy:dummy_init_module -c true
	[ "$status" -eq 1 ]
	[[ $err == *"dummy:dummy_init_module: dummy_init_module is init code of module dummy, which is loaded: the kernel freed it once init ran"* ]]
	rmmod dummy
	no_events_left
}

@test "modules: insmod while ftrace is in use keeps dummy's init symbols in kallsyms: still refused as freed init code" {
	rmmod dummy 2>/dev/null || true
	ftrace_on
	insmod "$KSYMTRACE_VM_DUMMY_KO"
	ftrace_off
	# what makes the case: the kernel kept the freed code's symbols for ftrace
	# (ftrace_free_mem(), 4.15+), listed under the loaded module until it unloads
	awk '$3 == "dummy_init_module" && $4 == "[dummy]" { found = 1 } END { exit !found }' /proc/kallsyms
	for force in '' --force; do
		kt_run attach dummy:dummy_init_module $force -c true
		[ "$status" -eq 1 ]
		[[ $err == *"dummy_init_module is init code of module dummy, which is loaded: the kernel freed it once init ran (kallsyms still lists it while ftrace is in use)"* ]]
	done
	rmmod dummy
	no_events_left
}

@test "modules: rmmod dummy while attached says so once and goes on; insmod arms it again; hits add up" {
	local rearmed=1 a1 a2
	kernel_at_least 5.15 || rearmed=0 # by address: gone with the module for good
	rmmod dummy 2>/dev/null || true # a test before may have left it
	insmod "$KSYMTRACE_VM_DUMMY_KO"
	# -d bounds it; no timeout(1) around it: on SIGINT that signals its whole process group
	# as well as its child, and a second SIGINT ends ksymtrace at once (exit 130)
	"$KSYMTRACE" -j attach dummy:dummy_get_stats64 -d 300 </dev/null >"$T/out" 2>"$T/err" &
	local pid=$!
	said "Ctrl-C to stop"
	stats 1
	a1=$(kaddr dummy_get_stats64)
	rmmod dummy
	said "ksymtrace: dummy unloaded: 1 probe gone"
	if ((rearmed)); then
		said "ksymtrace: every probe waits for its module to load: waiting until a stop"
	else
		said "ksymtrace: no probe can fire again (attached by address, they went with their modules)"
	fi
	insmod "$KSYMTRACE_VM_DUMMY_KO"
	if ((rearmed)); then
		said "ksymtrace: dummy loaded: 1 probe armed again"
	else
		said "ksymtrace: dummy loaded: 0 probes armed again; 1 attached by address stays gone"
	fi
	stats 2
	a2=$(kaddr dummy_get_stats64)
	# gone again at the end: the summary marks it (said only where the probe came back)
	rmmod dummy
	((rearmed)) && said "ksymtrace: dummy unloaded: 1 probe gone" 2
	sleep 0.5 # a look at the module, or more
	kill -INT "$pid"
	local status=0
	wait "$pid" || status=$?
	cat "$T/err"
	echo "exit $status"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'dummy unloaded' "$T/err")" -eq $((1 + rearmed)) ]
	cat "$T/out"
	# cat's reads: one before the first rmmod, two after the insmod (where the kernel armed
	# it again); the kernel calls dummy_get_stats64 itself too as dummy0 comes and goes
	# (its RTM_NEWLINK messages carry the statistics), counted as hits like any other
	[ "$(jq -c 'select(.comm == "cat")' "$T/out" | wc -l)" -eq $((1 + 2 * rearmed)) ]
	tail -n 1 "$T/out" | jq -e ".summary and .probes[0].unloaded == true and .probes[0].hits == $(jq -c 'select(.summary | not)' "$T/out" | wc -l)"
	# each of cat's events at the function's address in kallsyms for that load: the kernel
	# placed the probe again wherever the module landed
	[ "$(jq -r 'select(.comm == "cat") | .addr' "$T/out" | paste -sd ' ')" = \
		"$(((rearmed)) && echo "$a1 $a2 $a2" || echo "$a1")" ]
	no_events_left
}
