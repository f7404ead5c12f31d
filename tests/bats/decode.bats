#!/usr/bin/env bats
# ksymtrace decode: kernel log text with every stack frame annotated, against the
# basic fixture, whose duplicated names are the cases: c_start (vmlinux 0x30,
# 0x40, 0x20 bytes; dummy 0x40), init_once (vmlinux 0x40 twice, ext4mini).
# tests/fixtures/decode/*.decoded are the expected outputs, checked by hand
# against basic.kallsyms (addresses and sizes in the comments of this file's
# tests). Bad input is in bad_input.bats.
load helpers

DEC=$FIX/decode

kt() { "$KSYMTRACE" -k "$BASIC" "$@"; }

@test "decode: an oops, each frame with its address and instance" {
	run --separate-stderr kt decode "$DEC/oops.txt"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	diff <(printf '%s\n' "$output") "$DEC/oops.decoded"
	# the size tells c_start#2 (0x40 bytes at ...280) from #1 and #3
	grep -qxF '[   12.345690] RIP: 0010:c_start+0x10/0x40 (0xffffffff81000290 #2)' <<<"$output"
	# two init_once of 0x40 bytes: the size cannot tell
	grep -qxF '[   12.345703]  ? init_once+0x10/0x40 (ambiguous: #1 or #2)' <<<"$output"
	# [MOD] and a build ID: the module's own c_start, #4 of all
	grep -qF 'c_start+0x1/0x40 [dummy 0123456789abcdef0123456789abcdef01234567] (0xffffffffc0395041 #4)' <<<"$output"
}

@test "decode: lines without frames pass through unchanged" {
	run kt decode "$DEC/oops.txt"
	diff <(grep -v -e '+0x' "$DEC/oops.txt") <(grep -v -e '+0x' <<<"$output")
	kt decode "$BASIC" | cmp - "$BASIC"
}

@test "decode: /proc/PID/stack and ksymtrace's own --stack output" {
	run --separate-stderr kt decode "$DEC/stack.txt"
	[ "$status" -eq 0 ]
	diff <(printf '%s\n' "$output") "$DEC/stack.decoded"
	# no size: the offset says which c_start can hold it (0x38: only the 0x40 one)
	grep -qxF '    c_start+0x38 [vmlinux] (0xffffffff810002b8 #2)' <<<"$output"
	# neither size nor [MOD]: not a frame this could tell from other text
	grep -qx '    vfs_read+0x21' <<<"$output"
}

@test "decode: standard input, and '-'" {
	run kt decode <"$DEC/oops.txt"
	diff <(printf '%s\n' "$output") "$DEC/oops.decoded"
	run kt decode - <"$DEC/oops.txt"
	diff <(printf '%s\n' "$output") "$DEC/oops.decoded"
}

@test "decode: -j prints one object per frame, with every field" {
	run --separate-stderr kt -j decode "$DEC/oops.txt"
	[ "$status" -eq 0 ]
	assert_jsonl
	[ "${#lines[@]}" -eq 11 ]
	[ "$(jq -c 'select(.line == 4)' <<<"$output")" = '{"line":4,"frame":"c_start+0x10/0x40","name":"c_start","offset":16,"size":64,"module":"vmlinux","reliable":true,"status":"exact","addr":"0xffffffff81000290","index":2,"count":4,"candidates":[2],"spec":"c_start+0x10#2","reason":null}' ]
	[ "$(jq -c 'select(.line == 10) | [.reliable, .status, .addr, .candidates, .count]' <<<"$output")" = '[false,"ambiguous",null,[1,2],3]' ]
	[ "$(jq -r 'select(.line == 12) | .module' <<<"$output")" = dummy ]
	[ "$(jq -c 'select(.line == 14) | [.status, .addr, .reason]' <<<"$output")" = '["size_differs","0xffffffff81000131","the trace says 0x99 bytes, the table 0x120"]' ]
	[ "$(jq -r 'select(.line == 15) | .status + ": " + .reason' <<<"$output")" = "no_size: vmlinux:c_start+0x1/0x50: no c_start is 0x50 bytes long; the sizes are 0x30 (#1), 0x40 (#2), 0x20 (#3) (a table from another build?)" ]
	[ "$(jq -r 'select(.line == 16) | .status' <<<"$output")" = not_found ]
	[ "$(jq -r 'select(.line == 17) | .reason' <<<"$output")" = "nomod:do_syscall_64+0x38/0x90: no module 'nomod' in the symbol table: is it loaded? (lsmod)" ]
	# the spec field is a spec: resolve takes it back to the same address
	run kt resolve "$(kt -j decode "$DEC/oops.txt" | jq -r 'select(.line == 9) | .spec')"
	[[ ${lines[1]} == "  ffffffff81000480  t  vmlinux "*"c_start#3" ]]
}

@test "decode: a return address at a function's end (%pB's OFF == SIZE) is decoded; past it, not" {
	# sprint_backtrace() looks up address - 1 and prints its offset + 1: a call
	# that ends a function reads c_start+0x40/0x40 (6.1's sysrq trace has one)
	run kt decode <<<' ? c_start+0x40/0x40'
	[ "$output" = ' ? c_start+0x40/0x40 (0xffffffff810002c0 #2)' ]
	run kt -j decode <<<' foo_bar+0x41/0x40'
	[ "$(jq -r .status <<<"$output")" = bad ]
	run kt decode <<<' c_start+0x41/0x40'
	[ "$output" = ' c_start+0x41/0x40 (offset past the size)' ]
}

@test "decode: each line is written as it is read, for dmesg -w" {
	local fifo=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	mkfifo "$fifo"
	kt decode <"$fifo" >"$out" &
	local pid=$!
	exec 9>"$fifo"
	echo ' c_start+0x8/0x20' >&9
	for _ in $(seq 50); do
		grep -q '#3' "$out" 2>/dev/null && break
		sleep 0.1
	done
	grep -qxF ' c_start+0x8/0x20 (0xffffffff81000488 #3)' "$out"
	exec 9>&-
	wait "$pid"
}
