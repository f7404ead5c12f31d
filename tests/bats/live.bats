#!/usr/bin/env bats
# On the running kernel: the table agrees with an independent reading of the file.
load helpers

setup() {
	[ -r /proc/kallsyms ] || skip "no /proc/kallsyms"
	# one snapshot for both readers: module loads must not race the comparison
	cp /proc/kallsyms "$BATS_TEST_TMPDIR/kallsyms"
	if [ "$(awk '$1 != "0000000000000000"' "$BATS_TEST_TMPDIR/kallsyms" | head -1 | wc -l)" -eq 0 ]; then
		skip "kptr_restrict hides the addresses (not root?)"
	fi
}

# "name addr module" for every function line, by awk alone
awk_functions() {
	awk -F'[ \t]+' '$2 == "t" || $2 == "T" {
		mod = ($4 == "") ? "vmlinux" : substr($4, 2, length($4) - 2)
		print $3, "0x" $1, mod
	}' "$1" | sed 's/ 0x0*\([0-9a-f]\)/ 0x\1/'
}

@test "live: every duplicated function name resolves to exactly awk's (address, module) set" {
	awk_functions "$BATS_TEST_TMPDIR/kallsyms" >"$BATS_TEST_TMPDIR/all"
	awk '{print $1}' "$BATS_TEST_TMPDIR/all" | sort | uniq -d >"$BATS_TEST_TMPDIR/dups"
	ndup=$(wc -l <"$BATS_TEST_TMPDIR/dups")
	[ "$ndup" -gt 10 ] # every Debian kernel has hundreds
	awk 'NR == FNR { d[$1] = 1; next } ($1 in d)' "$BATS_TEST_TMPDIR/dups" "$BATS_TEST_TMPDIR/all" |
		sort >"$BATS_TEST_TMPDIR/want"
	xargs -a "$BATS_TEST_TMPDIR/dups" "$KSYMTRACE" -k "$BATS_TEST_TMPDIR/kallsyms" -j resolve --functions |
		jq -r '"\(.name) \(.addr) \(.module)"' | sort >"$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/got")" -gt "$ndup" ]
}

@test "live: the live table loads and counts every line" {
	run --separate-stderr "$KSYMTRACE" -v --no-cache resolve c_start
	[ "$status" -eq 0 ]
	[[ $stderr =~ /proc/kallsyms:\ ([0-9]+)\ symbols ]]
	n=${BASH_REMATCH[1]}
	# the file may gain lines between two reads (modules, bpf programs): within 1%
	lines=$(wc -l </proc/kallsyms)
	[ $((n * 100 / lines)) -ge 99 ] && [ $((lines * 100 / n)) -ge 99 ]
}

@test "live: list agrees with awk on the number of functions" {
	want=$(awk_functions "$BATS_TEST_TMPDIR/kallsyms" | wc -l)
	got=$("$KSYMTRACE" -k "$BATS_TEST_TMPDIR/kallsyms" -j list | wc -l)
	[ "$want" -eq "$got" ]
}

@test "live: resolving a function's own address gives the function back" {
	read -r addr _ name _ < <(grep -m1 ' [tT] vfs_read$' "$BATS_TEST_TMPDIR/kallsyms")
	[ -n "$name" ] || skip "no vfs_read"
	run "$KSYMTRACE" -k "$BATS_TEST_TMPDIR/kallsyms" -j resolve "0x$addr"
	[ "$status" -eq 0 ]
	[ "$(jq -sr 'map(.name) | index("vfs_read") != null' <<<"$output")" = true ]
}
