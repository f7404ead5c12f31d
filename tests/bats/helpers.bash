# Shared by the bats files: the binary under test and the fixtures.
bats_require_minimum_version 1.5.0
# Tests copy /proc/kallsyms (live.bats) and print its addresses: every file they
# make is the owner's only (bats removes its temporary directory at the end).
umask 077

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
# the test build, which reads the test hooks (src/kernel_hooks.c); and the one
# `cmake --install` installs, which must not
KSYMTRACE="${KSYMTRACE:-$ROOT/build/ksymtrace-test}"
KSYMTRACE_INSTALLED="${KSYMTRACE_INSTALLED:-$ROOT/build/ksymtrace}"
[[ -x $KSYMTRACE ]] ||
	echo "no test build at $KSYMTRACE: configure with -DKSYMTRACE_TEST_HOOKS=ON (scripts/test.sh does)" >&2
FIX="$ROOT/tests/fixtures"
BASIC="$FIX/basic.kallsyms"

ks() { "$KSYMTRACE" "$@"; }

# $output (stdout) is one JSON object per line, and at least one: an empty
# answer is not a JSON answer.
assert_jsonl() {
	local n objects
	n=$(printf '%s\n' "$output" | grep -c .)
	objects=$(printf '%s\n' "$output" | jq -c 'select(type == "object")' 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] && [ "$objects" -eq "$n" ] || {
		printf 'not JSON Lines (%s lines, %s objects):\n%s\n' "$n" "$objects" "$output"
		return 1
	}
}

# a usage error as argp reports one: exit 2, nothing on stdout, and on stderr the
# line that contains $1, then at most argp's "Try `ksymtrace CMD --help' ..."
# (which argp wraps at 79 columns). Run with --separate-stderr.
assert_usage() {
	[ "$status" -eq 2 ] || { echo "exit $status, not 2; stderr: $stderr"; return 1; }
	[ -z "$output" ] || { echo "a usage error printed on stdout: $output"; return 1; }
	local first rest
	first=$(printf '%s\n' "$stderr" | sed -n 1p)
	rest=$(printf '%s\n' "$stderr" | sed 1d | paste -sd ' ')
	[[ $first == ksymtrace*": "*"$1"* ]] &&
		[[ -z $rest || $rest =~ ^Try\ \`ksymtrace[a-z\ ]*--help\'\ or\ \`ksymtrace[a-z\ ]*--usage\'\ for\ more\ information\.$ ]] || {
		echo "stderr: $stderr"
		echo "want:   $1, on one line"
		return 1
	}
}

# stderr is one line that contains $1
assert_one_error_line() {
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ] || {
		echo "stderr: $stderr"
		return 1
	}
	[[ $stderr == *"$1"* ]] || {
		echo "stderr: $stderr"
		echo "want:   $1"
		return 1
	}
}

# fake_kernel DIR NAME: in DIR, a sysroot (KSYMTRACE_SYSROOT) for a kernel with kprobes:
# the kprobe PMU, and tests/fixtures/NAME.available_filter_functions, NAME.blacklist and,
# as its live /proc/kallsyms, NAME.kallsyms
fake_kernel() {
	mkdir -p "$1/sys/bus/event_source/devices/kprobe" "$1/sys/kernel/tracing" \
		"$1/sys/kernel/debug/kprobes" "$1/proc"
	echo 6 >"$1/sys/bus/event_source/devices/kprobe/type"
	cp "$FIX/$2.available_filter_functions" "$1/sys/kernel/tracing/available_filter_functions"
	cp "$FIX/$2.blacklist" "$1/sys/kernel/debug/kprobes/blacklist"
	cp "$FIX/$2.kallsyms" "$1/proc/kallsyms"
}

# ---- the test double of the BPF engine (tests/double) --------------------------------

DOUBLE=${KSYMTRACE_DOUBLE:-$(dirname "$KSYMTRACE")/ksymtrace-double}
MKRECORDS=$(dirname "$DOUBLE")/mkrecords

# double_setup [NAME]: for a test that runs ksymtrace-double: $T, a fake sysroot that
# stands for a kernel with kprobes whose live table is tests/fixtures/NAME.kallsyms
# (fake_kernel; NAME attach by default), the double's log ($T/log) and an empty records
# file ($T/recs)
double_setup() {
	[[ -x $DOUBLE && -x $MKRECORDS ]] || {
		echo "no $DOUBLE or $MKRECORDS: build them (cmake --build build)" >&2
		return 1
	}
	T=$BATS_TEST_TMPDIR
	local k=$T/sysroot
	fake_kernel "$k" "${1:-attach}"
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

# typed_sysroot: the fixture kernel of btf.bats (tests/fixtures/btf.kallsyms and its BTF),
# with kprobes; kb ARGS...: ksymtrace-double on it
typed_sysroot() {
	local k=$T/sysroot btf
	btf="$(dirname "$DOUBLE")/tests/btf/checked/sys/kernel/btf"
	[[ -d $btf ]] || { echo "no fixture BTF at $btf: build first" >&2; return 1; }
	ln -s "$btf" "$k/sys/kernel/btf"
	cp "$FIX/btf.kallsyms" "$k/proc/kallsyms"
	awk '$2 ~ /^[tT]$/ { print $3 ($4 ? " " $4 : "") }' "$FIX/btf.kallsyms" >"$k/sys/kernel/tracing/available_filter_functions"
	: >"$k/sys/kernel/debug/kprobes/blacklist"
}
kb() {
	timeout -k 2 20 "$DOUBLE" -k "$FIX/btf.kallsyms" "$@" </dev/null
}
# what the double did, one word per line: load, attach, refuse, detach, free
did() {
	awk '{ print $1 }' "$T/log" | uniq | paste -sd ' '
}
