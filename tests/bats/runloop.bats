#!/usr/bin/env bats
# The run loop of attach on this machine, through ksymtrace-double: the real
# run.c and events.c over a test double of the BPF engine (tests/double), which
# fakes attach and detach (and can refuse or hold one attach) and hands over
# ring-buffer records written by mkrecords, good and corrupt. A fake sysroot
# stands for a kernel with kprobes whose live table is tests/fixtures/attach.kallsyms.
load helpers

DOUBLE=${KSYMTRACE_DOUBLE:-$(dirname "$KSYMTRACE")/ksymtrace-double}
MKRECORDS=$(dirname "$DOUBLE")/mkrecords

setup() {
	[[ -x $DOUBLE && -x $MKRECORDS ]] || {
		echo "no $DOUBLE or $MKRECORDS: build them (cmake --build build)" >&2
		return 1
	}
	T=$BATS_TEST_TMPDIR
	local k=$T/sysroot
	mkdir -p "$k/sys/bus/event_source/devices/kprobe" "$k/sys/kernel/tracing" \
		"$k/sys/kernel/debug/kprobes" "$k/proc"
	echo 6 >"$k/sys/bus/event_source/devices/kprobe/type"
	cp "$FIX/attach.available_filter_functions" "$k/sys/kernel/tracing/available_filter_functions"
	cp "$FIX/attach.blacklist" "$k/sys/kernel/debug/kprobes/blacklist"
	cp "$FIX/attach.kallsyms" "$k/proc/kallsyms"
	export KSYMTRACE_SYSROOT=$k KT_DOUBLE_DIR=$T KT_DOUBLE_LOG=$T/log KT_DOUBLE_RECORDS=$T/recs
	: >"$T/recs"
}

# recs [-n COUNT] < TEXT: the records the double hands over (tests/double/mkrecords.c)
recs() {
	"$MKRECORDS" "$@" >"$T/recs"
}

# kd ARGS...: ksymtrace-double on the fixture table, no terminal, 20 s at most
kd() {
	timeout -k 2 20 "$DOUBLE" -k "$FIX/attach.kallsyms" "$@" </dev/null
}

# what the double did, one word per line: load, attach, refuse, detach, free
did() {
	awk '{ print $1 }' "$T/log" | uniq | paste -sd ' '
}

# ---- events ------------------------------------------------------------------------

@test "runloop: events go through the real run loop and printers, then the summary" {
	recs <<-EOF
		probe=0 args=1,2,3,4,5,0xffffffffffffffff comm=cat pid=7 tid=8 cpu=1
		probe=1 kind=kretprobe retval=-2
	EOF
	run --separate-stderr kd attach vfs_read 'vfs_write%return' -d 0.3
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} =~ ^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\ \[001\]\ cat\[7/8\]\ vfs_read\ ffffffff81001010\ \(0x1,\ 0x2,\ 0x3,\ 0x4,\ 0x5,\ 0xffffffffffffffff\)$ ]]
	[[ ${lines[1]} == *" cat[100/100] vfs_write%return ffffffff81001200 = 0xfffffffffffffffe (-2)" ]]
	[[ $stderr == *"2 probes, 2 hits; 0 events lost to a full ring buffer"* ]]
	[ "$(did)" = "load attach detach free" ]
}
