#!/usr/bin/env bash
# The consumer's cost per event, in instructions, measured with callgrind on the
# host: ksymtrace-double (the real run loop and printers over a test double of
# the BPF engine, tests/double) prints N events from a record file, and the cost
# of a run with no events is taken off. Instructions are the same on every run
# and machine, unlike times on a shared 2-core host; the VM figure that counts is
# scripts/bench-attach.sh's events/s.
#
#   scripts/bench-events.sh                            # this build
#   scripts/bench-events.sh --baseline OTHER/ksymtrace-double   # side by side
#   scripts/bench-events.sh --annotate                 # and where the instructions go
#
# Environment: BUILD (default build), BENCH_EVENTS (default 20000).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
EVENTS=${BENCH_EVENTS:-20000}
DOUBLE=$BUILD/ksymtrace-double
BASE=''
ANNOTATE=0

die() {
	echo "bench-events: $*" >&2
	exit 1
}

while (($#)); do
	case $1 in
	--baseline) BASE=${2:-}; shift 2 || die "--baseline needs a ksymtrace-double binary" ;;
	--annotate) ANNOTATE=1; shift ;;
	-h | --help) sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
[[ -x $DOUBLE && -x $BUILD/mkrecords ]] || die "no $DOUBLE: build first (cmake --build build)"
[[ -z $BASE || -x $BASE ]] || die "--baseline $BASE: not an executable"
command -v valgrind >/dev/null || die "needs valgrind (apt-get install valgrind)"
[[ $EVENTS =~ ^[1-9][0-9]*$ ]] || die "BENCH_EVENTS: give a number of events"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# A kernel with kprobes whose live table is the fixture: the double attaches there.
K=$WORK/sysroot
mkdir -p "$K/sys/bus/event_source/devices/kprobe" "$K/sys/kernel/tracing" "$K/proc"
echo 6 >"$K/sys/bus/event_source/devices/kprobe/type"
cp "$ROOT/tests/fixtures/attach.available_filter_functions" "$K/sys/kernel/tracing/available_filter_functions"
cp "$ROOT/tests/fixtures/attach.kallsyms" "$K/proc/kallsyms"
export KSYMTRACE_SYSROOT=$K KT_DOUBLE_BATCH=256

# What bench-attach.sh's dd run produces: one kprobe on vfs_read, dd's reads of one
# byte, timestamps a few microseconds apart, the time crossing a second now and then.
{
	for ((i = 0; i < 4096; i++)); do
		printf 'probe=0 ts=%d pid=1234 tid=1234 cpu=0 comm=dd args=0xffff8880%08x,0x55d0c0a1b000,1,0xffffc90000a3bf08,0,0\n' \
			$((5000000000 + i * 11500)) $((i * 64))
	done
} | "$BUILD/mkrecords" -n "$EVENTS" >"$WORK/recs"

instructions() { # binary records n [ksymtrace options...]: total Ir of one run
	local bin=$1 recs=$2 n=$3 out
	shift 3
	out=$WORK/cg.$RANDOM
	if ((n)); then set -- "$@" -n "$n"; else set -- "$@" -d 0.01; fi
	KT_DOUBLE_RECORDS=$recs valgrind --tool=callgrind --callgrind-out-file="$out" \
		"$bin" -q -k "$ROOT/tests/fixtures/attach.kallsyms" "$@" >"$WORK/events" 2>"$WORK/err" </dev/null ||
		die "$bin failed: $(grep -v "^==" "$WORK/err" | head -3)"
	((n == 0)) || [[ $(grep -c . "$WORK/events") -ge $n ]] || die "$bin printed $(grep -c . "$WORK/events") of $n events"
	sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out"
	if ((ANNOTATE)) && [[ $bin == "$DOUBLE" ]] && ((n)); then
		callgrind_annotate --inclusive=no "$out" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n '3,22p' >"$WORK/annotate.$mode"
	fi
	rm -f "$out"
}

per_event() { # binary [options...]
	local bin=$1 empty full
	shift
	: >"$WORK/none"
	empty=$(instructions "$bin" "$WORK/none" 0 attach vfs_read "$@")
	full=$(instructions "$bin" "$WORK/recs" "$EVENTS" attach vfs_read "$@")
	awk -v a="$full" -v b="$empty" -v n="$EVENTS" 'BEGIN { printf "%.0f", (a - b) / n }'
}

printf '== instructions per event (callgrind), %s events of a kprobe with six arguments\n' "$EVENTS"
printf '%-6s %12s %12s %8s\n' output this baseline ratio
for mode in text json; do
	opts=()
	[[ $mode == json ]] && opts=(-j)
	this=$(per_event "$DOUBLE" "${opts[@]}")
	base=-
	ratio=-
	if [[ -n $BASE ]]; then
		base=$(per_event "$BASE" "${opts[@]}")
		ratio=$(awk -v a="$base" -v b="$this" 'BEGIN { printf "%.2f", a / b }')
	fi
	printf '%-6s %12s %12s %8s\n' "$mode" "$this" "$base" "$ratio"
done
echo "   ratio: baseline / this (above 1: this build spends fewer instructions per event)"
if ((ANNOTATE)); then
	for f in "$WORK"/annotate.*; do
		printf '\n== where the instructions of this build go, %s\n' "${f#"$WORK"/annotate.}"
		cat "$f"
	done
fi
