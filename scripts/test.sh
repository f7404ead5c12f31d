#!/bin/bash
# The whole test suite: what .ci/run runs and what the README's quick start names.
#   scripts/test.sh            every step
#   scripts/test.sh unit cli   only those steps
# Steps: unit (CTest), cli (bats on this machine), asan (unit + cli under
# ASan/UBSan), valgrind (resolve and list under memcheck on the live table), fuzz
# (libFuzzer, KSYMTRACE_FUZZ_SECONDS each, default 60, seed KSYMTRACE_FUZZ_SEED,
# default 1), vm (bats inside qemu on
# Debian 5.10, 6.1, 6.12 and the newest kernel, from trixie-backports; two VMs at
# once, KSYMTRACE_VM_JOBS).
# Ends with one line "summary: N passed, N failed"; exits non-zero if anything failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STEPS=("$@")
((${#STEPS[@]})) || STEPS=(unit cli asan valgrind fuzz vm)
JOBS=$(nproc)
PASSED=0
FAILED=0
FAILED_STEPS=()

note() { printf '\n== %s\n' "$*"; }

# Count a TAP stream's results into the totals; pass the output through.
count_tap() {
	local line ok=0 bad=0
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"ok "*) ok=$((ok + 1)) ;;
		"not ok "*) bad=$((bad + 1)) ;;
		esac
	done
	echo "$ok $bad" >"$TAP_COUNTS"
}
TAP_COUNTS=$(mktemp)
trap 'rm -f "$TAP_COUNTS"' EXIT

record() { # step-name passed failed rc
	PASSED=$((PASSED + $2))
	FAILED=$((FAILED + $3))
	if (($4 != 0)) || (($3 != 0)); then
		FAILED_STEPS+=("$1")
		if (($3 == 0)); then FAILED=$((FAILED + 1)); fi
	fi
}

build() { # dir [cmake options...]
	local dir=$1
	shift
	cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null &&
		cmake --build "$dir" -j "$JOBS" >/dev/null
}

run_ctest() { # step dir
	local out rc p f
	out=$(ctest --test-dir "$2" --output-on-failure 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 \1/p' <<<"$out")
	if [[ -n $p ]]; then
		read -r total f <<<"$p"
		record "$1" $((total - f)) "$f" $rc
	else
		record "$1" 0 1 1
	fi
}

run_bats() { # step dir...
	local step=$1 rc
	shift
	bats --tap "$@" | count_tap
	rc=${PIPESTATUS[0]}
	read -r ok bad <"$TAP_COUNTS"
	record "$step" "$ok" "$bad" "$rc"
}

step_unit() {
	note "unit: build and CTest"
	if ! build build; then
		record unit 0 1 1
		return
	fi
	run_ctest unit build
}

step_cli() {
	note "cli: bats tests/bats"
	[[ -x build/ksymtrace ]] || build build || { record cli 0 1 1; return; }
	KSYMTRACE="$ROOT/build/ksymtrace" run_bats cli tests/bats
}

step_asan() {
	note "asan: unit and cli under AddressSanitizer + UndefinedBehaviorSanitizer"
	if ! build build-asan -DKSYMTRACE_SANITIZE=ON; then
		record asan 0 1 1
		return
	fi
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	run_ctest asan build-asan
	KSYMTRACE="$ROOT/build-asan/ksymtrace" run_bats asan tests/bats
	unset ASAN_OPTIONS UBSAN_OPTIONS
}

step_valgrind() {
	note "valgrind: resolve and list under memcheck, over the live table"
	[[ -x build/ksymtrace ]] || build build || { record valgrind 0 1 1; return; }
	KSYMTRACE="$ROOT/build/ksymtrace" scripts/valgrind.sh | count_tap
	local rc=${PIPESTATUS[0]} ok bad
	read -r ok bad <"$TAP_COUNTS"
	record valgrind "$ok" "$bad" "$rc"
}

step_fuzz() {
	note "fuzz: libFuzzer targets, ${KSYMTRACE_FUZZ_SECONDS:-60} s each"
	if [[ ! -x scripts/fuzz.sh ]]; then
		echo "fuzz: scripts/fuzz.sh not present"
		record fuzz 0 1 1
		return
	fi
	# A fixed seed: the test run walks the same inputs every time, so a red
	# step comes from the change under test, and its finding replays exactly.
	# Exploring new inputs is what longer runs by hand are for (random seed).
	scripts/fuzz.sh --seconds "${KSYMTRACE_FUZZ_SECONDS:-60}" --seed "${KSYMTRACE_FUZZ_SEED:-1}"
	local rc=$?
	record fuzz $((rc == 0)) $((rc != 0)) 0
}

step_vm() {
	note "vm: attach tests inside qemu on Debian 5.10, 6.1, 6.12 and the newest kernel"
	local out rc p f
	[[ -x build/ksymtrace ]] || build build || { record vm 0 1 1; return; }
	out=$(mktemp)
	scripts/vm-run 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	# vm-run ends with "vm: N passed, M failed" over every kernel
	read -r p f < <(sed -n 's/^vm: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$out" | tail -1)
	rm -f "$out"
	record vm "${p:-0}" "${f:-1}" "$rc"
}

note "deps"
KSYMTRACE_EXTRA_PKGS="${KSYMTRACE_EXTRA_PKGS:-} libclang-rt-14-dev valgrind" scripts/deps.sh || {
	echo "deps: cannot install what the tests need" >&2
	exit 1
}

for s in "${STEPS[@]}"; do
	case $s in
	unit | cli | asan | valgrind | fuzz | vm) "step_$s" ;;
	*)
		echo "test.sh: unknown step '$s' (steps: unit cli asan valgrind fuzz vm)" >&2
		exit 2
		;;
	esac
done

echo
if ((${#FAILED_STEPS[@]})); then
	echo "failed steps: ${FAILED_STEPS[*]}"
fi
echo "summary: $PASSED passed, $FAILED failed"
((${#FAILED_STEPS[@]} == 0))
