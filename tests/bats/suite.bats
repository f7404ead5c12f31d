#!/usr/bin/env bats
# scripts/test.sh itself: what it counts, and what it calls a failure. A copy of
# it runs in a scratch tree where bats, ctest and cmake are stand-ins that print
# canned results, so each row is one shape of result, seen as a user sees it:
# the summary line and the exit status.
load helpers

setup() {
	T=$BATS_TEST_TMPDIR/tree
	mkdir -p "$T/scripts" "$T/bin" "$T/build" "$T/build-asan"
	cp "$ROOT/scripts/test.sh" "$T/scripts/"
	printf '#!/bin/sh\nexit 0\n' >"$T/scripts/deps.sh"
	printf '#!/bin/sh\nexit 0\n' >"$T/bin/cmake"
	# the stand-ins print $FAKE_OUT and exit with $FAKE_RC
	printf '#!/bin/sh\ncat "$FAKE_OUT"\nexit "${FAKE_RC:-0}"\n' >"$T/bin/bats"
	cp "$T/bin/bats" "$T/bin/ctest"
	for b in build build-asan; do
		printf '#!/bin/sh\n' >"$T/$b/ksymtrace"
		cp "$T/$b/ksymtrace" "$T/$b/ksymtrace-test"
	done
	chmod +x "$T"/scripts/* "$T"/bin/* "$T"/build*/ksymtrace*
	export FAKE_OUT=$BATS_TEST_TMPDIR/fake.out
}

# suite STEP: the copy of test.sh runs STEP over the canned $FAKE_OUT
suite() {
	run env PATH="$T/bin:$PATH" "$T/scripts/test.sh" "$@"
	echo "$output"
}

@test "test.sh: a skipped test is counted as skipped, not as passed" {
	printf '1..4\nok 1 a\nok 2 b # skip needs root\nok 3 c # SKIP no kprobes\nnot ok 4 d\n' >"$FAKE_OUT"
	FAKE_RC=1 suite cli
	[ "$status" -ne 0 ]
	[ "${lines[-1]}" = "summary: 1 passed, 1 failed, 2 skipped" ]
	printf '1..2\nok 1 a\nok 2 b # skip needs root\n' >"$FAKE_OUT"
	suite cli
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "summary: 1 passed, 0 failed, 1 skipped" ]
}

@test "test.sh: a bats step that ran no test fails" {
	printf '1..0\n' >"$FAKE_OUT"
	suite cli
	[ "$status" -ne 0 ]
	[[ $output == *"cli: no test ran"* ]]
	[[ $output == *"failed steps: cli"* ]]
	[ "${lines[-1]}" = "summary: 0 passed, 1 failed, 0 skipped" ]
}

@test "test.sh: a step whose every test skipped ran no test, and fails" {
	printf '1..2\nok 1 a # skip needs root\nok 2 b # skip needs root\n' >"$FAKE_OUT"
	suite cli
	[ "$status" -ne 0 ]
	[[ $output == *"failed steps: cli"* ]]
	[ "${lines[-1]}" = "summary: 0 passed, 1 failed, 2 skipped" ]
}

@test "test.sh: a CTest step with no tests fails; CTest's skips are counted as skipped" {
	printf 'No tests were found!!!\n' >"$FAKE_OUT"
	FAKE_RC=0 suite unit
	[ "$status" -ne 0 ]
	[[ $output == *"failed steps: unit"* ]]
	[ "${lines[-1]}" = "summary: 0 passed, 1 failed, 0 skipped" ]
	printf '100%% tests passed, 0 tests failed out of 0\n' >"$FAKE_OUT"
	suite unit
	[ "$status" -ne 0 ]
	[[ $output == *"unit: no test ran"* ]]
	cat >"$FAKE_OUT" <<-'EOF'
		1/3 Test #1: ksyms ....   Passed    0.01 sec
		2/3 Test #2: spec .....***Skipped   0.00 sec
		3/3 Test #3: plan .....   Passed    0.01 sec

		100% tests passed, 0 tests failed out of 3

		The following tests did not run:
			  2 - spec (Skipped)
	EOF
	suite unit
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "summary: 2 passed, 0 failed, 1 skipped" ]
}

# ---- the assertion helpers: each must be able to fail ----------------------------------

@test "helpers: assert_jsonl fails on empty output, and on a line that is not an object" {
	output=''
	run assert_jsonl
	[ "$status" -ne 0 ]
	output=$'{"a":1}\n[1]'
	run assert_jsonl
	[ "$status" -ne 0 ]
	output=$'{"a":1}\nnot json'
	run assert_jsonl
	[ "$status" -ne 0 ]
	output=$'{"a":1}\n{"b":2}'
	run assert_jsonl
	[ "$status" -eq 0 ]
}

@test "helpers: assert_one_error_line fails on no line, two lines, or another message" {
	stderr=''
	run assert_one_error_line "x"
	[ "$status" -ne 0 ]
	stderr=$'ksymtrace: x\nksymtrace: y'
	run assert_one_error_line "x"
	[ "$status" -ne 0 ]
	stderr='ksymtrace: y'
	run assert_one_error_line "x"
	[ "$status" -ne 0 ]
	stderr='ksymtrace: x'
	run assert_one_error_line "x"
	[ "$status" -eq 0 ]
}

@test "helpers: assert_usage fails unless exit 2, empty stdout and the message first" {
	local try="Try \`ksymtrace list --help' or \`ksymtrace list --usage' for more information."
	# STATUS | STDOUT | STDERR | what assert_usage "bad" must say: 0 passes, 1 fails
	local -a rows=(
		"2||ksymtrace list: bad"$'\n'"$try|0"
		"1||ksymtrace list: bad"$'\n'"$try|1"
		"2|half an answer|ksymtrace list: bad"$'\n'"$try|1"
		"2||ksymtrace list: other"$'\n'"$try|1"
		"2||ksymtrace list: bad"$'\n'"ksymtrace: and more"$'\n'"$try|1"
		"2|||1"
	)
	local row want
	for row in "${rows[@]}"; do
		IFS='|' read -r -d '' status output stderr want <<<"$row" || true
		want=${want%$'\n'}
		run assert_usage "bad"
		if ((want == 0)); then [ "$status" -eq 0 ]; else [ "$status" -ne 0 ]; fi || {
			echo "row: $row"
			return 1
		}
	done
}
