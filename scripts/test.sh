#!/bin/bash
# The whole test suite: what .ci/run runs and what the README's quick start names.
#   scripts/test.sh            every step
#   scripts/test.sh unit cli   only those steps
# Steps: unit (CTest), cli (bats on this machine), asan (unit + cli under
# ASan/UBSan), valgrind (resolve and list under memcheck on the live table), fuzz
# (libFuzzer, KSYMTRACE_FUZZ_SECONDS each, default 60, seed KSYMTRACE_FUZZ_SEED,
# default 1), vm (bats inside qemu on
# Debian 5.10, 6.1, 6.12 and the newest kernel, from trixie-backports; two VMs at
# once, KSYMTRACE_VM_JOBS), recipe (tests/examples: the CI recipe users copy, its
# module built against each kernel's headers and its bats file run in the VMs).
# Ends with one line "summary: N passed, N failed, N skipped"; exits non-zero if
# anything failed, or if a step ran no test (every test skipped counts as none:
# a step that checked nothing must not read as green).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STEPS=("$@")
((${#STEPS[@]})) || STEPS=(unit cli asan valgrind fuzz vm recipe)
JOBS=$(nproc)
PASSED=0
FAILED=0
SKIPPED=0
FAILED_STEPS=()

note() { printf '\n== %s\n' "$*"; }

# Count a TAP stream's results into "passed failed skipped" in $TAP_COUNTS; pass
# the output through. "ok N ... # skip" is a skip (TAP's directive, any case).
count_tap() {
	local line ok=0 bad=0 skip=0
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"ok "*) if [[ ${line,,} == *" # skip"* ]]; then skip=$((skip + 1)); else ok=$((ok + 1)); fi ;;
		"not ok "*) bad=$((bad + 1)) ;;
		esac
	done
	echo "$ok $bad $skip" >"$TAP_COUNTS"
}
# mktemp makes its files for the owner only (what the VM step prints holds kernel
# addresses); they are removed on every way out (bash runs no EXIT trap on a
# signal it does not trap). No umask here: the deps step may install packages.
TAP_COUNTS=$(mktemp)
VM_OUT=
trap 'rm -f "$TAP_COUNTS" ${VM_OUT:+"$VM_OUT"}' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

record() { # step-name passed failed skipped rc
	local step=$1 p=$2 f=$3 s=$4 rc=$5
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + s))
	if ((rc == 0 && f == 0 && p == 0)); then
		echo "$step: no test ran$( ((s == 0)) || echo " ($s skipped)"): a step that checks nothing fails"
		rc=1
	fi
	if ((rc != 0 || f != 0)); then
		FAILED_STEPS+=("$step")
		if ((f == 0)); then FAILED=$((FAILED + 1)); fi
	fi
}

# Every build here has the test hooks on: it makes DIR/ksymtrace-test (what the
# bats suites run) beside DIR/ksymtrace (what cmake --install installs, without
# hooks; tests/bats/hooks.bats checks that it ignores them).
build() { # dir [cmake options...]
	local dir=$1
	shift
	cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKSYMTRACE_TEST_HOOKS=ON "$@" >/dev/null &&
		cmake --build "$dir" -j "$JOBS" >/dev/null
}

run_ctest() { # step dir
	local out rc p f total s
	out=$(ctest --test-dir "$2" --output-on-failure 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 \1/p' <<<"$out")
	# CTest counts a skipped test (SKIP_RETURN_CODE) among the passed ones
	s=$(grep -c '^[[:space:]]*[0-9]* - .* (Skipped)$' <<<"$out")
	if [[ -n $p ]]; then
		read -r total f <<<"$p"
		record "$1" $((total - f - s)) "$f" "$s" $rc
	else
		record "$1" 0 1 0 1
	fi
}

run_bats() { # step dir...
	local step=$1 rc
	shift
	bats --tap "$@" | count_tap
	rc=${PIPESTATUS[0]}
	read -r ok bad skip <"$TAP_COUNTS"
	record "$step" "$ok" "$bad" "$skip" "$rc"
}

step_unit() {
	note "unit: build and CTest"
	if ! build build; then
		record unit 0 1 0 1
		return
	fi
	run_ctest unit build
}

step_cli() {
	note "cli: bats tests/bats"
	build build || { record cli 0 1 0 1; return; }
	KSYMTRACE="$ROOT/build/ksymtrace-test" KSYMTRACE_INSTALLED="$ROOT/build/ksymtrace" \
		run_bats cli tests/bats
}

step_asan() {
	note "asan: unit and cli under AddressSanitizer + UndefinedBehaviorSanitizer"
	if ! build build-asan -DKSYMTRACE_SANITIZE=ON; then
		record asan 0 1 0 1
		return
	fi
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	run_ctest asan build-asan
	KSYMTRACE="$ROOT/build-asan/ksymtrace-test" KSYMTRACE_INSTALLED="$ROOT/build-asan/ksymtrace" \
		run_bats asan tests/bats
	unset ASAN_OPTIONS UBSAN_OPTIONS
}

step_valgrind() {
	note "valgrind: resolve and list under memcheck, over the live table"
	build build || { record valgrind 0 1 0 1; return; }
	KSYMTRACE="$ROOT/build/ksymtrace" scripts/valgrind.sh | count_tap
	local rc=${PIPESTATUS[0]} ok bad skip
	read -r ok bad skip <"$TAP_COUNTS"
	record valgrind "$ok" "$bad" "$skip" "$rc"
}

step_fuzz() {
	note "fuzz: libFuzzer targets, ${KSYMTRACE_FUZZ_SECONDS:-60} s each"
	if [[ ! -x scripts/fuzz.sh ]]; then
		echo "fuzz: scripts/fuzz.sh not present"
		record fuzz 0 1 0 1
		return
	fi
	# A fixed seed: the test run walks the same inputs every time, so a red
	# step comes from the change under test, and its finding replays exactly.
	# Exploring new inputs is what longer runs by hand are for (random seed).
	scripts/fuzz.sh --seconds "${KSYMTRACE_FUZZ_SECONDS:-60}" --seed "${KSYMTRACE_FUZZ_SEED:-1}"
	local rc=$?
	record fuzz $((rc == 0)) $((rc != 0)) 0 0
}

step_vm() {
	note "vm: attach tests inside qemu on Debian 5.10, 6.1, 6.12 and the newest kernel"
	local rc p f s
	build build || { record vm 0 1 0 1; return; }
	VM_OUT=$(mktemp)
	# 900 s a kernel, not vm-run's 600: on a busy shared machine 5.10 took 486 s of
	# 600 (all four kernels end in ~15 minutes, two at a time); a limit meant for a
	# hung VM must not fail a slow one
	scripts/vm-run --timeout 900 2>&1 | tee "$VM_OUT"
	rc=${PIPESTATUS[0]}
	# vm-run ends with "vm: N passed, M failed[, K skipped]" over every kernel
	read -r p f s < <(sed -n 's/^vm: \([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}.*/\1 \2 \4/p' "$VM_OUT" | tail -1)
	rm -f "$VM_OUT"
	VM_OUT=
	record vm "${p:-0}" "${f:-1}" "${s:-0}" "$rc"
}

step_recipe() {
	note "recipe: tests/examples' CI recipe, as a user runs it; each kernel boots once"
	build build || { record recipe 0 1 0 1; return; }
	run_bats recipe tests/examples
}

note "deps"
KSYMTRACE_EXTRA_PKGS="${KSYMTRACE_EXTRA_PKGS:-} libclang-rt-14-dev valgrind" scripts/deps.sh || {
	echo "deps: cannot install what the tests need" >&2
	exit 1
}

# how long each step took: CI must stay under 30 minutes, and this says where they go
TIMES=()
T0=$SECONDS
for s in "${STEPS[@]}"; do
	t=$SECONDS
	case $s in
	unit | cli | asan | valgrind | fuzz | vm | recipe) "step_$s" ;;
	*)
		echo "test.sh: unknown step '$s' (steps: unit cli asan valgrind fuzz vm recipe)" >&2
		exit 2
		;;
	esac
	TIMES+=("$s $((SECONDS - t)) s")
done

echo
if ((${#FAILED_STEPS[@]})); then
	echo "failed steps: ${FAILED_STEPS[*]}"
fi
(IFS=,; echo "times: ${TIMES[*]}; all steps $((SECONDS - T0)) s" | sed 's/,/, /g')
echo "summary: $PASSED passed, $FAILED failed, $SKIPPED skipped"
((${#FAILED_STEPS[@]} == 0))
