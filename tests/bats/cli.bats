#!/usr/bin/env bats
# The command line itself: help, version, dispatch, and the documentation in sync.
load helpers

commands() {
	"$KSYMTRACE" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF {print $1}'
}

long_options() { # [command]: the options argp lists (not the examples' words)
	"$KSYMTRACE" $1 --help | grep -oE -- '^ +(-[[:alnum:]?], )?--[a-z][a-z-]*' |
		grep -o -- '--[a-z][a-z-]*' | sort -u | grep -v -x -e --help -e --usage -e --version
}

@test "cli: --help lists every command and the exit codes" {
	run "$KSYMTRACE" --help
	[ "$status" -eq 0 ]
	[ "$(commands | tr '\n' ' ')" = "resolve list attach decode " ]
	[[ $output == *"Exit status: 0 success; 1 runtime failure"* ]]
	[[ $output == *"3 a spec names several symbols"* ]]
}

@test "cli: --help's command list has each command's operands and one column of summaries" {
	run "$KSYMTRACE" --help
	rows=$(sed -n '/^Commands:/,/^$/p' <<<"$output" | sed '1d;/^$/d')
	grep -qx '  resolve SPEC\.\.\.  .*' <<<"$rows"
	grep -qx '  list \[GLOB\]  *symbols matching GLOB.*' <<<"$rows"
	# every summary starts in the same column, two blanks after the longest "name args"
	cols=$(sed -E 's/^(  [^ ]+ [^ ]+ +).*/\1/' <<<"$rows" | awk '{print length}' | sort -u)
	[ "$(wc -l <<<"$cols")" -eq 1 ] || { echo "$rows"; return 1; }
	grep -qE '^  [^ ]+ [^ ]+  [^ ]' <<<"$rows"
}

@test "cli: every command answers --help with its own usage" {
	for c in $(commands); do
		run "$KSYMTRACE" "$c" --help
		[ "$status" -eq 0 ]
		[[ ${lines[0]} == "Usage: ksymtrace $c "* ]]
	done
}

@test "cli: --version" {
	run "$KSYMTRACE" --version
	[ "$status" -eq 0 ]
	[[ $output =~ ^ksymtrace\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "cli: an unknown command is a usage error that names the commands" {
	run --separate-stderr "$KSYMTRACE" resolv c_start
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	assert_one_error_line "unknown command 'resolv': the commands are resolve, list, attach and decode"
}

@test "cli: no command is a usage error" {
	run --separate-stderr "$KSYMTRACE"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	# argp names the program as invoked: ksymtrace, or ksymtrace-test
	[[ ${stderr_lines[0]} == "Usage: ksymtrace"*" [OPTION...] COMMAND [ARGS...]" ]]
}

@test "cli: an unknown option is a usage error" {
	run --separate-stderr "$KSYMTRACE" resolve --no-such-option c_start
	assert_usage "unrecognized option '--no-such-option'"
}

@test "cli: every option in --help is in the man page, the README and the completion" {
	man="$ROOT/man/ksymtrace.8"
	readme="$ROOT/README.md"
	comp="$ROOT/scripts/ksymtrace-completion.bash"
	missing=()
	for c in $(commands) ""; do
		for o in $(long_options "$c"); do
			# whole options only: --count must not pass for --count-events
			grep -qE -- "(^|[^a-z\\-])$(sed 's/-/\\\\-/g' <<<"$o")([^a-z\\-]|$)" "$man" ||
				missing+=("man:$c:$o")
			grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" "$readme" || missing+=("README:$c:$o")
			grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" "$comp" || missing+=("completion:$c:$o")
		done
		[ -z "$c" ] || grep -q "^\.SH $(tr a-z A-Z <<<"$c")" "$man" || missing+=("man:section:$c")
		[ -z "$c" ] || grep -qE "commands=\"([^\"]* )?$c( [^\"]*)?\"" "$comp" || missing+=("completion:command:$c")
	done
	[ "${#missing[@]}" -eq 0 ] || {
		printf 'undocumented: %s\n' "${missing[@]}"
		return 1
	}
}

@test "cli: the man page renders without warnings" {
	command -v man >/dev/null || skip "man is not installed"
	run bash -c "MANWIDTH=80 man --warnings -l '$ROOT/man/ksymtrace.8' 2>&1 >/dev/null"
	[ -z "$output" ]
	run bash -c "MANWIDTH=80 man -l '$ROOT/man/ksymtrace.8' | grep -c ."
	[ "$output" -gt 100 ]
}

@test "cli: a table that cannot be read says which file and why" {
	run --separate-stderr "$KSYMTRACE" -k /nonexistent/kallsyms resolve c_start
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ ${stderr_lines[0]} == "ksymtrace: cannot read /nonexistent/kallsyms: No such file or directory" ]]
}

@test "cli: a kptr_restrict table is refused with the hint" {
	run --separate-stderr "$KSYMTRACE" -k "$FIX/zero.kallsyms" resolve c_start
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ ${stderr_lines[0]} == *"every address reads 0: kernel.kptr_restrict hides them" ]]
	[[ ${stderr_lines[1]} == "HINT: run as root"* ]]
}

@test "cli: -v names malformed lines by number; -q silences warnings" {
	run --separate-stderr "$KSYMTRACE" -v -k "$FIX/malformed.kallsyms" resolve last_good
	[ "$status" -eq 0 ]
	[[ $stderr == *"skipped 9 malformed lines (line 2, 3, 4, 5, 7, 9, 10, 11, ...)"* ]]
	run --separate-stderr "$KSYMTRACE" -k "$FIX/truncated.kallsyms" resolve _stext
	[ "$status" -eq 0 ]
	assert_one_error_line "warning: $FIX/truncated.kallsyms: the last line has no newline: the file may be truncated"
	local answer=$output
	[[ ${lines[0]} == "_stext: 1 instance" ]]
	# -q: the same answer, without the warning
	run --separate-stderr "$KSYMTRACE" -q -k "$FIX/truncated.kallsyms" resolve _stext
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$answer" ]
	# and errors still show
	run --separate-stderr "$KSYMTRACE" -q -k "$FIX/truncated.kallsyms" resolve no_such_symbol
	[ "$status" -eq 1 ]
	assert_one_error_line "no_such_symbol: no such symbol"
}
