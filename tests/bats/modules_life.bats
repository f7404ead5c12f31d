#!/usr/bin/env bats
# Modules over a run (issue 11, part B), on this machine through ksymtrace-double
# (tests/double): the real plan, run loop, module watcher and printers over a fake
# BPF engine. A test root (KSYMTRACE_SYSROOT) stands for a kernel with kprobes:
# /proc/kallsyms is tests/fixtures/attach.kallsyms (dummy loaded), /lib/modules
# holds fixmod.ko (not loaded), and /sys/module/MOD/initstate is what a test
# writes and removes, as insmod and rmmod would. What a real kernel does with
# the probes: tests/vm/modules_life.bats.
load helpers

DOUBLE=${KSYMTRACE_DOUBLE:-$(dirname "$KSYMTRACE")/ksymtrace-double}
REL=6.1.0-test

setup() {
	[[ -x $DOUBLE ]] || {
		echo "no $DOUBLE: build it (cmake --build build)" >&2
		return 1
	}
	T=$BATS_TEST_TMPDIR
	K=$T/sysroot
	fake_kernel "$K" attach
	mkdir -p "$K/proc/sys/kernel" "$K/sys/module/dummy" "$K/lib/modules/$REL/kernel/drivers/misc"
	echo "$REL" >"$K/proc/sys/kernel/osrelease"
	echo 'kernel/drivers/misc/fixmod.ko:' >"$K/lib/modules/$REL/modules.dep"
	cp "$FIX/modules/fixmod.ko" "$K/lib/modules/$REL/kernel/drivers/misc/"
	echo live >"$K/sys/module/dummy/initstate"
	export KSYMTRACE_SYSROOT=$K KT_DOUBLE_DIR=$T KT_DOUBLE_LOG=$T/log KT_DOUBLE_RECORDS=$T/recs
	: >"$T/recs"
}

# kd ARGS...: ksymtrace-double on the test root's table, 20 s at most
kd() {
	timeout -k 2 20 "$DOUBLE" -k "$K/proc/kallsyms" "$@" </dev/null
}

# bg ARGS...: kd in the background, stdout to $T/out, stderr to $T/err; its pid in $PID
bg() {
	"$DOUBLE" -k "$K/proc/kallsyms" "$@" </dev/null >"$T/out" 2>"$T/err" &
	PID=$!
}

# said TEXT: until stderr has a line that contains TEXT, 10 s at most
said() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qF -- "$1" "$T/err" && return 0
		sleep 0.1
	done
	echo "not said in 10 s: $1"
	cat "$T/err"
	return 1
}

# finish PID: until it exits (10 s at most); its status in $status
finish() {
	status=0
	timeout 10 tail --pid="$1" -f /dev/null || { kill -KILL "$1"; return 1; }
	wait "$1" || status=$?
}

# load MOD / unload MOD: what insmod and rmmod do to /sys/module
load() { mkdir -p "$K/sys/module/$1" && echo live >"$K/sys/module/$1/initstate"; }
unload() { rm -r "$K/sys/module/$1"; }

@test "modules: a probe on a module not loaded waits for it, says so once, and counts its loads" {
	bg -j attach fixmod:fix_exported -d 8
	said "ksymtrace: waiting for module fixmod to load: 1 probe armed as it loads, before its init runs"
	said "ksymtrace: every probe waits for its module to load: waiting until a stop"
	load fixmod
	said "ksymtrace: fixmod loaded: 1 probe armed"
	unload fixmod
	said "ksymtrace: fixmod unloaded: 1 probe gone"
	said "every probe waits for its module to load" # again, now that none can fire
	load fixmod
	said "ksymtrace: fixmod loaded: 1 probe armed again"
	kill -INT "$PID"
	finish "$PID"
	[ "$status" -eq 0 ]
	# each line once per event, in order
	[ "$(grep -c 'waiting for module fixmod' "$T/err")" -eq 1 ]
	[ "$(grep -c 'every probe waits' "$T/err")" -eq 2 ]
	[ "$(grep -o 'fixmod [a-z]*loaded: [^;]*' "$T/err" | paste -sd '|')" = \
		"fixmod loaded: 1 probe armed|fixmod unloaded: 1 probe gone|fixmod loaded: 1 probe armed again" ]
	# loaded at the end: not marked
	tail -n 1 "$T/out" | jq -e '.summary and .probes[0].probe == "fixmod:fix_exported" and .probes[0].addr == null and .probes[0].unloaded == false'
}

@test "modules: rmmod of a loaded module's probe says it once, the others go on, the summary marks it" {
	bg attach dummy:dummy_get_stats64 vfs_read -d 8
	said "Ctrl-C to stop"
	unload dummy
	said "ksymtrace: dummy unloaded: 1 probe gone"
	sleep 0.5 # more looks at the module: nothing more said
	kill -INT "$PID"
	finish "$PID"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'dummy unloaded' "$T/err")" -eq 1 ]
	# vfs_read still fires: no "every probe waits"
	! grep -q 'every probe waits' "$T/err"
	grep -Eq '^ +0 +0 +kprobe +ffffffffc0395080 +dummy_get_stats64 \[dummy\] \(unloaded\)$' "$T/err"
	grep -Eq '^ +0 +0 +kprobe +[0-9a-f]{16} +vfs_read$' "$T/err"
}

@test "modules: without attach cookies a module probe goes by address: gone for good when it unloads" {
	export KT_DOUBLE_NO_COOKIES=1
	bg -j attach dummy:dummy_get_stats64 -d 8
	said "Ctrl-C to stop"
	unload dummy
	said "ksymtrace: dummy unloaded: 1 probe gone"
	said "ksymtrace: no probe can fire again (attached by address, they went with their modules)"
	load dummy
	said "ksymtrace: dummy loaded: 0 probes armed again; 1 attached by address stays gone"
	kill -INT "$PID"
	finish "$PID"
	[ "$status" -eq 0 ]
	tail -n 1 "$T/out" | jq -e '.probes[0].unloaded == true'
}

@test "modules: without attach cookies, a probe on a module not loaded is refused, dry run too" {
	export KT_DOUBLE_NO_COOKIES=1
	for dry in --dry-run ''; do
		run --separate-stderr kd attach $dry fixmod:fix_exported -c 'echo ran'
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		[[ $stderr == *"fixmod:fix_exported: module fixmod is not loaded, and this kernel has no attach cookies (Linux 5.15) to tell its probes apart before they have addresses"*"HINT: load the module first (modprobe), then attach" ]]
	done
	# nothing was attached
	! grep -q '^attach' "$T/log"
}

@test "modules: a name a module not loaded has twice cannot be named to the kernel: refused with the count" {
	run --separate-stderr kd -q attach --dry-run 'fixmod:fix_dup#2'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_error_line "fixmod:fix_dup#2: fixmod has 2 symbols named fix_dup, and before it loads the kernel can name a probe only as fixmod:fix_dup: load the module first, then pick one"
}

@test "modules: init code of a loaded module is refused with the reason, other misses are not" {
	# fixmod loaded: its kallsyms lines, without the .init ones (freed after init)
	{
		cat "$FIX/attach.kallsyms"
		printf 'ffffffffc0500000 t fix_dup\t[fixmod]\nffffffffc0500010 T fix_exported\t[fixmod]\n'
	} >"$K/proc/kallsyms"
	load fixmod
	run --separate-stderr kd attach --dry-run fixmod:fix_init
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ksymtrace: fixmod:fix_init: fix_init is init code of module fixmod, which is loaded: the kernel freed it once init ran
HINT: rmmod fixmod, then attach before it loads again (with -c 'modprobe fixmod', for one)" ]
	# --module says the same
	run --separate-stderr kd attach --dry-run fix_init --module fixmod
	[ "$status" -eq 1 ]
	[[ $stderr == "ksymtrace: fix_init: fix_init is init code of module fixmod"* ]]
	# a name the module never had is not found, as before
	run --separate-stderr kd attach --dry-run fixmod:fix_nothing
	[ "$status" -eq 1 ]
	[[ $stderr != *"init code"* ]]
}

@test "modules: init code kallsyms still lists while ftrace is in use is refused as freed, not as notrace, --force too" {
	# while any ftrace user is active the kernel keeps a module's init symbols in
	# kallsyms after freeing the code (ftrace_free_mem(), 4.15+); ftrace's own list
	# (available_filter_functions) no longer has them
	{
		cat "$FIX/attach.kallsyms"
		printf 'ffffffffc0500000 t fix_dup\t[fixmod]\nffffffffc0500010 T fix_exported\t[fixmod]\n'
		printf 'ffffffffc0508000 t fix_init\t[fixmod]\n'
	} >"$K/proc/kallsyms"
	load fixmod
	for force in '' --force; do
		run --separate-stderr kd attach --dry-run fixmod:fix_init $force
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		[ "$stderr" = "ksymtrace: fix_init: fix_init is init code of module fixmod, which is loaded: the kernel freed it once init ran (kallsyms still lists it while ftrace is in use)
HINT: rmmod fixmod, then attach before it loads again (with -c 'modprobe fixmod', for one)" ]
	done
	# a loaded module's function that ftrace does not list is still notrace
	run --separate-stderr kd attach --dry-run fixmod:fix_exported
	[ "$status" -eq 1 ]
	[[ $stderr == *"fix_exported: not in available_filter_functions: fix_exported is notrace"* ]]
}

@test "modules: an event on a module is shown where the kernel placed the probe: past ENDBR is the start" {
	# probe 0 is dummy_get_stats64 at ffffffffc0395080: an event there, one at +4 (a probe
	# at +0 sits after ENDBR64 since 5.18), one where the module landed after a reload
	printf '%s\n' 'probe=0 addr=0xffffffffc0395080' 'probe=0 addr=0xffffffffc0395084' \
		'probe=0 addr=0xffffffffc0495080' | "$(dirname "$DOUBLE")/mkrecords" >"$T/recs"
	run --separate-stderr kd -j attach dummy:dummy_get_stats64 -n 3
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.summary | not) | .addr' <<<"$output" | paste -sd ' ')" = \
		"0xffffffffc0395080 0xffffffffc0395080 0xffffffffc0495080" ]
}
