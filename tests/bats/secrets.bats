#!/usr/bin/env bats
# Kernel addresses are what KASLR hides from other users (kptr_restrict shows them to
# root only): a script or test that copies /proc/kallsyms (or reads /proc/kcore) keeps
# the copy readable by its owner only, and removes it on every way out.
load helpers

# A stand-in for ksymtrace that records what bench-resolve.sh left in $TMPDIR at that
# moment (mode and name of each file and directory), then does $1: fail, or send
# SIGTERM to the benchmark.
fake_binary() {
	local fake=$BATS_TEST_TMPDIR/fake-ksymtrace
	cat >"$fake" <<-EOF
		#!/bin/bash
		find "$TMPDIR" -mindepth 1 -printf '%m %y %P\n' >"$BATS_TEST_TMPDIR/seen"
		case $1 in
		fail) exit 1 ;;
		term) kill -TERM \$PPID; sleep 1; exit 0 ;;
		esac
	EOF
	chmod +x "$fake"
	echo "$fake"
}

# bench-resolve.sh with $TMPDIR a world-readable directory, like /tmp
bench() {
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	chmod 0755 "$TMPDIR"
	run "$ROOT/scripts/bench-resolve.sh" -n 1 "$(fake_binary "$1")"
}

# what fake_binary saw: a copy of the table, and nothing another user could read
only_owner_could_read() {
	grep -q kallsyms "$BATS_TEST_TMPDIR/seen" || { echo "no copy of the table seen"; return 1; }
	local mode type path
	while read -r mode type path; do
		case $type in
		d) [ "$mode" = 700 ] ;;
		*) [ "$mode" = 600 ] ;;
		esac || { echo "$path: mode $mode"; return 1; }
	done <"$BATS_TEST_TMPDIR/seen"
}

# bench-resolve.sh failing ($1 = fail) or stopped ($1 = term): it saw a copy of the
# table that only its owner could read, and nothing is left
bench_cleans_up() {
	[[ -r /proc/kallsyms ]] || skip "no /proc/kallsyms"
	bench "$1"
	[ "$status" -ne 0 ]
	only_owner_could_read
	[ -z "$(ls -A "$TMPDIR")" ] || { ls -la "$TMPDIR"; return 1; }
}

@test "bench-resolve.sh: its copy of /proc/kallsyms is the owner's only, and gone when a run fails" {
	bench_cleans_up fail
}

@test "bench-resolve.sh: and gone when it is stopped with SIGTERM" {
	bench_cleans_up term
}

@test "every script and helper that sees kernel addresses creates its files for its owner only" {
	local f
	# (scripts/vm-run sees the test VM's addresses, not this machine's; its files are
	# in a mktemp -d directory, removed on exit, INT, TERM and HUP; scripts/test.sh
	# writes only mktemp files, 0600, and may install packages, so sets no umask)
	for f in scripts/bench-resolve.sh scripts/bench-attach.sh scripts/valgrind.sh \
		tests/bats/helpers.bash tests/vm/helpers.bash; do
		grep -qE '^(umask 077|os\.umask\(0o077\))' "$ROOT/$f" || { echo "$f: no umask 077"; return 1; }
	done
	# and none makes a name to open later (a race another user can win)
	run grep -rlE --exclude=secrets.bats 'tempfile\.mktemp|mktemp -u' "$ROOT/scripts" "$ROOT/tests"
	[ "$status" -eq 1 ] || { echo "$output"; return 1; }
}
