#!/bin/bash
# Build the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan, and run each
# for a bounded time, in parallel up to the number of cores.
#   scripts/fuzz.sh                      every target, $KSYMTRACE_FUZZ_SECONDS (60) s each
#   scripts/fuzz.sh --seconds 600 ksyms  one target for ten minutes
#   scripts/fuzz.sh --seed 1             the same inputs as the last run with seed 1
# Options: --seconds N, --jobs N (targets at once; default nproc), --build DIR
# (default build-fuzz), --seed N (libFuzzer's random seed; default
# $KSYMTRACE_FUZZ_SEED, else a new one each run). Targets: ksyms (the table
# loader and its queries), spec, line (the kallsyms line parser against a plain
# reading of its grammar), choose (the duplicate menu's answer parser, likewise),
# fetch (--arg expressions: the grammar, and the compiler against the fixture
# kernel's BTF), decode (stack frames in log text, and their resolution),
# modfile (module files: decompression, libelf, the chained table), events (the
# ring buffer's record decoder and the event and summary printers), snap (the
# snapshot reader, on snapshots written from fuzzed tables and damaged where the
# fuzzer says), expect (--expect texts: the grammar, binding to a plan's labels,
# and the verdicts, report and JSON at a run's end).
#
# Seeds, assembled at run time: tests/fuzz/seeds/TARGET, tests/fuzz/regress/TARGET
# (every input a fuzzer ever found), and for ksyms, line and decode every file
# under tests/fixtures. Only files in the repository, so that a fixed --seed repeats a
# run (seeds/ksyms/live-slice.kallsyms is a real table's slice). New inputs are kept
# in BUILD/fuzz/corpus/TARGET, so longer runs build on earlier ones.
# A crash, leak, failed check or timeout leaves its input in
# BUILD/fuzz/artifacts/TARGET/; the script prints how to replay it. Exit 0 when
# every target ran clean, 1 when one did not, 2 on a usage error.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SECONDS_EACH=${KSYMTRACE_FUZZ_SECONDS:-60}
SEED=${KSYMTRACE_FUZZ_SEED:-0}
JOBS=$(nproc)
BUILD=build-fuzz
TARGETS=()
ALL_TARGETS=(ksyms spec line choose fetch decode modfile events snap expect)

usage() {
	sed -n '2,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

while (($#)); do
	case $1 in
	--seconds) SECONDS_EACH=${2:-}; shift 2 || usage ;;
	--jobs) JOBS=${2:-}; shift 2 || usage ;;
	--build) BUILD=${2:-}; shift 2 || usage ;;
	--seed) SEED=${2:-}; shift 2 || usage ;;
	-h | --help) usage ;;
	-*) echo "fuzz.sh: unknown option '$1'" >&2; usage ;;
	*) TARGETS+=("$1"); shift ;;
	esac
done
[[ $SECONDS_EACH =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --seconds takes a positive number of seconds" >&2; exit 2; }
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --jobs takes a positive number" >&2; exit 2; }
[[ $SEED =~ ^[0-9]+$ ]] && ((SEED < 4294967296)) || { echo "fuzz.sh: --seed takes a number from 0 (a new seed each run) to 4294967295" >&2; exit 2; }
((${#TARGETS[@]})) || TARGETS=("${ALL_TARGETS[@]}")
for t in "${TARGETS[@]}"; do
	[[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (targets: ${ALL_TARGETS[*]})" >&2; exit 2; }
done

# Per target: the longest input, its dictionary, and libFuzzer's time limit for
# one input. A 64 KiB table is ~1,500 lines, enough for every shape of line,
# module and duplicate; specs are refused past 1 KiB (SPEC_TEXT_MAX), so a little
# more reaches that check too; a few lines, one of them longer than a name may
# be, are enough for the line parser, and a few dozen log lines for decode's; a
# menu answer is one typed line, and 256 bytes pass its 32-byte token limit many
# times; an expression is refused past 512 bytes (FETCH_TEXT_MAX); a module file
# of 16 KiB has every section and symbol shape (the fixture module is 2 KiB),
# compressed or not; a record is 376 bytes with its stack, up to 2 KiB with
# values and strings, and a little more reaches the size check (the events
# target has no dictionary: its input is binary); a snapshot's input is a table and up to 255 edits of 5 bytes;
# --expect texts are short, and 4 KiB holds 65 of them (one past the limit). One
# input takes milliseconds: 10 s means a hang.
declare -A MAX_LEN=([ksyms]=65536 [spec]=1100 [line]=4096 [choose]=256 [fetch]=600 [decode]=8192 [modfile]=16384 [events]=2048 [snap]=66816 [expect]=4096)
declare -A DICT=([ksyms]=ksyms [spec]=spec [line]=ksyms [choose]=choose [fetch]=fetch [decode]=decode [modfile]=modfile [events]= [snap]=ksyms [expect]=expect)
TIMEOUT=10

CC=${CC:-clang}
if ! command -v "$CC" >/dev/null || ! "$CC" --version | grep -q clang; then
	echo "fuzz.sh: needs clang (with libclang-rt for libFuzzer); set CC=clang-14 if it has another name" >&2
	exit 1
fi
echo "fuzz: building ${TARGETS[*]} in $BUILD with $CC"
mkdir -p "$BUILD"
if ! CC=$CC cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKSYMTRACE_FUZZ=ON >"$BUILD/fuzz-build.log" 2>&1 ||
	! cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]/#/fuzz_}" >>"$BUILD/fuzz-build.log" 2>&1; then
	tail -n 30 "$BUILD/fuzz-build.log"
	echo "fuzz: build failed (log: $BUILD/fuzz-build.log)" >&2
	exit 1
fi

WORK=$BUILD/fuzz
seed_dir() { # target: assemble the read-only seeds, fresh each run
	local t=$1 dir=$WORK/seeds/$1 f
	rm -rf "$dir"
	mkdir -p "$dir"
	cp tests/fuzz/seeds/"$t"/* tests/fuzz/regress/"$t"/* "$dir"/ 2>/dev/null
	if [[ $t == ksyms || $t == line || $t == decode ]]; then
		# the fixtures, good and bad, whoever wrote them; bigger ones get cut to max_len
		while IFS= read -r -d '' f; do
			cp "$f" "$dir/fixture-$(echo "${f#tests/fixtures/}" | tr / -)"
		done < <(find tests/fixtures -type f -size -1M -print0 2>/dev/null)
	fi
	echo "$dir"
}

run_target() { # target: prints one summary line; returns libFuzzer's status
	local t=$1 bin=$BUILD/tests/fuzz/fuzz_$1 log=$WORK/$1.log seeds rc dict=()
	[[ -z ${DICT[$t]} ]] || dict=(-dict="tests/fuzz/${DICT[$t]}.dict")
	seeds=$(seed_dir "$t")
	mkdir -p "$WORK/corpus/$t" "$WORK/artifacts/$t"
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" "$WORK/corpus/$t" "$seeds" \
		-max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb=2048 \
		-max_len="${MAX_LEN[$t]}" "${dict[@]}" -seed="$SEED" \
		-artifact_prefix="$WORK/artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
	rc=$?
	local runs cov seed
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	seed=$(sed -n 's/^INFO: Seed: \([0-9]*\)$/\1/p' "$log" | head -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if ((rc == 0)); then
		echo "fuzz: $t: clean, ${runs:-?} inputs in ${SECONDS_EACH} s, ${cov:-cov: ?}, corpus $(ls "$WORK/corpus/$t" | wc -l), seed ${seed:-?}"
		return 0
	fi
	echo "fuzz: $t: FAILED (libFuzzer exit $rc) after ${runs:-?} inputs, seed ${seed:-?}; log $log:"
	# the finding, and the stack frames in ksymtrace's own code
	grep -E "ERROR|SUMMARY|check failed|Test unit written|^ *#[0-9]+ .* $ROOT/(src|tests)/" "$log" |
		head -n 20 | sed "s|$ROOT/||g; s/^ */    /"
	local art
	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	if [[ -n $art ]]; then
		echo "fuzz: $t: replay with: $bin $art"
		echo "fuzz: $t: once fixed, keep it: cp $art tests/fuzz/regress/$t/"
	fi
	return "$rc"
}

mkdir -p "$WORK"
echo "fuzz: ${TARGETS[*]}: ${SECONDS_EACH} s each, up to $JOBS at once"
failed=0
# in batches of JOBS: each libFuzzer process uses one core
for ((i = 0; i < ${#TARGETS[@]}; i += JOBS)); do
	pids=()
	for t in "${TARGETS[@]:i:JOBS}"; do
		run_target "$t" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || failed=1
	done
done
if ((failed)); then
	echo "fuzz: failed"
	exit 1
fi
echo "fuzz: all clean"
