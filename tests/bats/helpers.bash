# Shared by the bats files: the binary under test and the fixtures.
bats_require_minimum_version 1.5.0

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
KSYMTRACE="${KSYMTRACE:-$ROOT/build/ksymtrace}"
FIX="$ROOT/tests/fixtures"
BASIC="$FIX/basic.kallsyms"

ks() { "$KSYMTRACE" "$@"; }

# Every line of $output (stdout) must be a JSON object.
assert_jsonl() {
	local n
	n=$(printf '%s\n' "$output" | jq -c 'select(type == "object")' | wc -l)
	[ "$n" -eq "$(printf '%s\n' "$output" | grep -c .)" ]
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
