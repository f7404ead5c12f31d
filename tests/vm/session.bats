#!/usr/bin/env bats
# How a ksymtrace attach run begins and ends, for real, on every kernel scripts/vm-run boots:
# the refusals that come before anything is attached, the menu on a terminal, Ctrl-C and
# signals (also while probes are attached, and with a reader of stdout that reads nothing),
# -c's command and what it started, and a ring buffer too small for the events. After each, no probe may be left in
# /sys/kernel/debug/kprobes/list.
# Every attach here is --no-multi: these tests check the perf kprobes themselves in
# debugfs's kprobes list, where a kprobe_multi link (6.12+) never shows; scale.bats tests
# the links.

# shellcheck disable=SC2154 # $err and $out are set by kt_run
load helpers

setup_file() { c_start_setup_file; }
setup() { attach_setup; }

teardown() {
	ksymtrace_stop_left
	echo '-:ktvm/bl' >>/sys/kernel/tracing/kprobe_events 2>/dev/null || true
}

# refused MESSAGE ARGS... — ksymtrace attach ARGS... -c CMD exits 1 saying MESSAGE, prints no
# event, never runs CMD and leaves no probe.
refused() {
	local msg=$1
	shift
	kt_run attach --no-multi "$@" -c "touch $T/ran"
	[ "$status" -eq 1 ] || { echo "exit $status, not 1"; return 1; }
	[[ $err == *"$msg"* ]] || { echo "no '$msg' in stderr"; return 1; }
	[ -z "$out" ]
	[ ! -e "$T/ran" ] || { echo "-c ran"; return 1; }
	no_probes_left
}

@test "refused before attaching: a kretprobe at an offset, a blacklisted function, past the end" {
	# a valid probe first each time: the refusal must take the whole run down with it
	refused "vfs_read+0x4: a kretprobe goes on a function's entry, not at an offset" \
		vfs_write 'vfs_read+4%return'
	[[ $err == *"HINT: drop +0x4 to trace vfs_read's return"* ]]
	refused "vfs_read+0x4: a kretprobe goes on a function's entry" vfs_read+4 -r

	# notify_die is NOKPROBE_SYMBOL on every kernel here, and the kernel does refuse it
	grep -qP '\tnotify_die$' /sys/kernel/debug/kprobes/blacklist
	run bash -c 'echo "p:ktvm/bl notify_die" >>/sys/kernel/tracing/kprobe_events'
	[ "$status" -ne 0 ]
	refused "notify_die: in the kprobes blacklist (NOKPROBE_SYMBOL or a __kprobes section)" \
		vfs_write notify_die
	refused "notify_die: in the kprobes blacklist" notify_die --force

	# Past the end the kernel would say nothing and probe the next function (DESIGN §2).
	local a size off next
	a=$(ksym_addr vfs_read)
	size=$(ksym_size "$a")
	off=$(printf '0x%x' "$size")
	refused "vfs_read+$off: offset $off is past the end of vfs_read ($size bytes): the kernel would put the probe in " \
		c_start#1 "vfs_read+$off"
	# ...in the function that starts there, by the symbol table
	next=$(sed -n 's/.*the kernel would put the probe in \([^ ]*\)$/\1/p' <<<"$err")
	awk -v a="$(printf '%016x' $((a + size)))" -v n="$next" '$1 == a && $3 == n { f = 1 } END { exit !f }' "$KSYMS_FILE"
	# --force is offered where it would be let through; on 6.2+ the next function's
	# __pfx_ padding starts there, which not even --force probes (refusals are made
	# where the probe lands)
	if [[ $next == __pfx_* ]]; then
		[[ $err == *"HINT: give an offset below $off; $(printf '0x%x' $((a + size))) is in $next, padding: not even --force probes there"* ]]
	else
		[[ $err == *"HINT: give an offset below $off, or --force to probe $(printf '0x%x' $((a + size))) anyway"* ]]
	fi
}

@test "a refused spec stays refused when another spec names the same address" {
	# vfs_read+D, with D the distance to vfs_write, is vfs_write's address. Written with
	# %return it is a kretprobe at an offset, refused whatever else is asked for.
	local r w d
	r=$(ksym_addr vfs_read) w=$(ksym_addr vfs_write)
	d=$(printf '0x%x' $((w - r)))
	refused "vfs_read+$d: a kretprobe goes on a function's entry, not at an offset" \
		'vfs_write%return' "vfs_read+$d%return"

	# vfs_read+SIZE is the address of the next function: past vfs_read's end, whatever
	# else is asked for. On 6.2+ the __pfx_ padding of the next function starts there.
	local size off next
	size=$(ksym_size "$r")
	off=$(printf '0x%x' "$size")
	next=$(awk -v a="$(printf '%016x' $((r + size)))" '$1 == a && $2 ~ /^[tT]$/ && $3 !~ /^__pfx_/ { print $3; exit }' "$KSYMS_FILE")
	[[ -z $next ]] || refused "vfs_read+$off: offset $off is past the end of vfs_read ($size bytes)" "$next" "vfs_read+$off"
}

@test "menu on a terminal: the instance typed is the one attached; q attaches nothing (exit 3)" {
	local cpu n a i=0
	cpu=$CS_CPU
	n=$CS_CPU_N
	run pty_run --expect 'which\?' --send "$n"$'\n' -- \
		"$KSYMTRACE" attach --no-multi c_start -c "$(live); cat /proc/cpuinfo >/dev/null"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"c_start: 3 functions have that name:"* ]]
	for a in $CS_ALL; do
		i=$((i + 1))
		[[ $output =~ $'\n'\ +$i\ +${a#0x}\ +t\ +vmlinux\ +[0-9]+\ +yes\ +c_start#$i$'\n' ]]
	done
	[ "$(live_new | wc -l)" -eq 1 ]
	live_has_entry "$cpu"
	[[ $output =~ \]\ cat\[[0-9]+/[0-9]+\]\ c_start#$n\ ${cpu#0x}\ \( ]]
	[[ $output =~ \ +[1-9][0-9]*\ +$(missed_none)\ +kprobe\ +${cpu#0x}\ +c_start#$n$'\n' ]]
	no_probes_left

	run pty_run --expect 'which\?' --send $'q\n' -- "$KSYMTRACE" attach --no-multi c_start -c "touch $T/ran"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"c_start: nothing chosen: nothing attached"* ]]
	[ ! -e "$T/ran" ]
	no_probes_left
}

@test "Ctrl-C on a terminal: the summary, exit 0, no probe left behind" {
	local cpu n
	cpu=$CS_CPU
	n=$CS_CPU_N
	# read /proc/cpuinfo once the probe is in; Ctrl-C once its event is on the terminal
	(kprobes_wait_new 1 && cat /proc/cpuinfo >/dev/null) 3>&- &
	run pty_run --timeout 90 --expect "c_start#$n ${cpu#0x} \\(" --send $'\x03' -- \
		"$KSYMTRACE" attach --no-multi "c_start#$n"
	wait
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Ctrl-C to stop"* ]]
	[[ $output =~ \ +[1-9][0-9]*\ +$(missed_none)\ +kprobe\ +${cpu#0x}\ +c_start#$n$'\n' ]]
	[[ $output =~ 1\ probe,\ [0-9]+\ hits?\;\ 0\ events\ lost\ to\ a\ full\ ring\ buffer ]]
	no_probes_left
}

@test "SIGTERM: every event and the summary, exit 0, no probe left behind; SIGKILL neither" {
	local n=$CS_CPU_N pid rc=0
	"$KSYMTRACE" -j attach --no-multi c_start --all "c_start#$n%return" >"$T/o" 2>"$T/e" </dev/null 3>&- &
	pid=$!
	kprobes_wait_new 4 || { kill -KILL "$pid"; false; }
	cat /proc/cpuinfo >/dev/null
	kill -TERM "$pid"
	timeout 60 tail --pid="$pid" -f /dev/null || { kill -KILL "$pid"; false; }
	wait "$pid" || rc=$?
	cat "$T/e"
	[ "$rc" -eq 0 ]
	# what was hit before the signal was printed, and the summary counts it
	local k
	ksymtrace_load "$T/o"
	k=$(ksymtrace_events | wc -l)
	[ "$k" -ge 2 ]
	assert_probe_hits '*' == "$k"
	no_probes_left

	# SIGKILL runs none of ksymtrace's code: the kernel drops the probes with its file
	# descriptors, by the time the process is reaped
	"$KSYMTRACE" attach --no-multi c_start --all >/dev/null 2>&1 </dev/null 3>&- &
	pid=$!
	kprobes_wait_new 3 || { kill -KILL "$pid"; false; }
	kill -KILL "$pid"
	wait "$pid" || true
	no_probes_left
}

# blocked_writer: ksymtrace attach vfs_read for dd's 200,000 one-byte reads, its stdout a
# fifo whose reader ($rfd) reads nothing, stderr in $T/e; returns once ksymtrace sits in
# write(1, ...) on the full pipe ($pid)
blocked_writer() {
	local i
	mkfifo "$T/fifo"
	"$KSYMTRACE" attach --no-multi vfs_read --comm dd -c 'dd if=/dev/zero of=/dev/null bs=1 count=200000 2>/dev/null' \
		>"$T/fifo" 2>"$T/e" </dev/null 3>&- &
	pid=$!
	exec {rfd}<"$T/fifo"
	# /proc/PID/syscall says "1 0x1 ..." (wchan is not reliable on 5.10 with the ORC unwinder)
	for ((i = 0; i < 300; i++)); do
		[[ $(cat "/proc/$pid/syscall" 2>/dev/null) == "1 0x1 "* ]] && return 0
		sleep 0.2
	done
	echo "ksymtrace never waited on the pipe"
	cat "$T/e"
	kill -KILL "$pid"
	return 1
}

@test "SIGTERM while the output waits on a slow reader: still a clean stop, exit 0, the summary" {
	# Like Ctrl-C while the terminal is scrolled back or paused: ksymtrace sits in write(2)
	# on a full pipe when the signal comes. The reader reads once ksymtrace has been signalled.
	local pid rfd rc=0
	blocked_writer
	kill -TERM "$pid"
	timeout 60 cat <&"$rfd" >/dev/null || true
	exec {rfd}<&-
	timeout 60 tail --pid="$pid" -f /dev/null || { kill -KILL "$pid"; false; }
	wait "$pid" || rc=$?
	cat "$T/e"
	[ "$rc" -eq 0 ]
	[[ $(<"$T/e") != *"cannot write"* ]]
	# (what the ring buffer could not hold while ksymtrace waited is lost, and then fewer
	# events were printed than hit)
	grep -qE '^1 probe, [0-9]+ hits?(, [0-9]+ printed)?; [0-9]+ events? lost to a full ring buffer$' "$T/e"
	no_probes_left
}

@test "SIGTERM while the output's reader reads nothing: detached anyway, the rest counted lost" {
	local pid rfd rc=0
	blocked_writer
	kill -TERM "$pid"
	# the reader never reads: the probe must go all the same, and ksymtrace end
	timeout 60 tail --pid="$pid" -f /dev/null || { kill -KILL "$pid"; false; }
	wait "$pid" || rc=$?
	no_probes_left
	exec {rfd}<&-
	cat "$T/e"
	[ "$rc" -eq 0 ]
	grep -qE '^1 probe, [0-9]+ hits, [0-9]+ printed; [0-9]+ events? lost to a full ring buffer; [1-9][0-9]* events? lost: standard output took nothing for 2 s$' "$T/e"
}

@test "a stop while probes are being attached: nothing traced, all detached, -c never runs, 143" {
	# every traceable proc_* function: a few hundred probes, seconds of attaching under TCG
	local pid rc=0
	"$KSYMTRACE" attach --no-multi 'proc_*' --all --skip-failed -c "touch $T/ran" >"$T/o" 2>"$T/e" </dev/null 3>&- &
	pid=$!
	kprobes_wait_new 5 || { kill -KILL "$pid"; false; }
	kill -TERM "$pid"
	timeout 60 tail --pid="$pid" -f /dev/null || { kill -KILL "$pid"; false; }
	wait "$pid" || rc=$?
	cat "$T/e"
	[ "$rc" -eq 143 ]
	[ ! -e "$T/ran" ]
	[ -z "$(<"$T/o")" ]
	grep -q "^ksymtrace: stopped by SIGTERM while attaching probes: nothing traced, all detached; 'touch $T/ran' not run$" "$T/e"
	no_probes_left
}

@test "SIGHUP ends the run like SIGTERM, and -c's command goes with what it started" {
	local pid rc=0
	"$KSYMTRACE" attach --no-multi vfs_read --comm nobody -c "sleep 37 & echo \$! >$T/gc; wait" >"$T/o" 2>"$T/e" </dev/null 3>&- &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		[[ -s $T/gc ]] && break
		sleep 0.2
	done
	kill -HUP "$pid"
	timeout 60 tail --pid="$pid" -f /dev/null || { kill -KILL "$pid"; false; }
	wait "$pid" || rc=$?
	cat "$T/e"
	[ "$rc" -eq 0 ]
	grep -qE '^1 probe, 0 hits; 0 events lost to a full ring buffer$' "$T/e"
	grep -q "was stopped (SIGTERM)" "$T/e"
	# the grandchild is gone (or a zombie on its way out)
	[[ ! -e /proc/$(<"$T/gc")/stat || $(awk '{ print $3 }' "/proc/$(<"$T/gc")/stat") == Z ]]
	no_probes_left
}

@test "a one-page ring buffer under a flood: lost events counted and said, no hang" {
	# dd makes 4,000 one-byte reads, far more than 4 KiB of ring buffer holds at once
	KT_TIMEOUT=90 kt_run -j attach --no-multi vfs_read -b 4K --comm dd -c 'dd if=/dev/zero of=/dev/null bs=1 count=4000 2>/dev/null'
	[ "$status" -eq 0 ]
	local lost hits printed
	lost=$(ksymtrace_summary .lost)
	hits=$(ksymtrace_hits vfs_read)
	printed=$(ksymtrace_events | wc -l)
	echo "hits $hits, lost $lost, printed $printed"
	[ "$hits" -ge 4000 ]
	[ "$lost" -gt 0 ]
	[ "$printed" -gt 0 ]
	# every hit was either printed or counted lost, and the summary says how many printed
	[ $((printed + lost)) -eq "$hits" ]
	[ "$(ksymtrace_summary .printed)" -eq "$printed" ]
	[[ $err == *"warning: $lost events lost: the ring buffer was full; a larger --ringbuf-size, or --count"* ]]
	no_probes_left
}
