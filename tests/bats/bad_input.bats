#!/usr/bin/env bats
# The bad-input matrix (issue 5): tables and specs that ksymtrace did not write.
# Each row is an input, the exit code (0 ok, 1 runtime failure or nothing found,
# 2 usage error, 3 ambiguous) and the whole of stderr, which must be the one line
# naming the cause and the fix (plus a HINT line where the code gives one). A
# rejected input prints nothing on stdout: no half answers. A crash, or a
# sanitizer report under build-asan, fails the row because stderr differs.
# Small fixtures are in tests/fixtures/bad; big and binary ones are made here.
load helpers

BAD="$ROOT/tests/fixtures/bad"
SPECS="$BAD/for-specs.kallsyms"

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# binary junk: 64 KiB from a seeded generator, the same every run
	python3 -c 'import random, sys; r = random.Random(5); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(65536)))' >"$d/junk.bin"
	# NUL bytes inside lines, between good lines
	printf 'ffffffff81000000 T _stext\nffffffff81000008 T nul\0inside\n\0\0\0\nffffffff81000010 T foo\n' >"$d/nul.kallsyms"
	# one 1 MiB line, alone and between good lines
	{ printf 'ffffffff81000008 T '; head -c 1048576 /dev/zero | tr '\0' a; echo; } >"$d/mib-line-only.kallsyms"
	{ echo 'ffffffff81000000 T _stext'; cat "$d/mib-line-only.kallsyms"; echo 'ffffffff81000010 T foo'; } >"$d/mib-line.kallsyms"
	# only names over 511 bytes
	printf 'ffffffff81000000 T %s\n' "$(head -c 600 /dev/zero | tr '\0' b)" "$(head -c 512 /dev/zero | tr '\0' c)" >"$d/long-names-only.kallsyms"
	: >"$d/empty.kallsyms"
	mkdir -p "$d/a-directory"
	# module files (modules.bats has the good ones): cut short, corrupt, not one
	local ko=$ROOT/tests/fixtures/modules/fixmod.ko
	head -c 1000 "$ko" >"$d/truncated.ko"
	xz --check=crc32 -c "$ko" | head -c 300 >"$d/truncated.ko.xz"
	gzip -c "$ko" | head -c 500 >"$d/truncated.ko.gz"
	zstd -q -c "$ko" | python3 -c 'import sys; b = bytearray(sys.stdin.buffer.read()); b[len(b) // 2] ^= 0x55; sys.stdout.buffer.write(b)' >"$d/corrupt.ko.zst"
	: >"$d/empty.ko"
	head -c 1048576 /dev/zero >"$d/zeros.ko"
}

# row STATUS STDERR ARGS...: run ksymtrace ARGS; its exit status and its whole
# stderr must be these, and a failure must print nothing on stdout.
row() {
	local want_status=$1 want_err=$2
	shift 2
	run --separate-stderr "$KSYMTRACE" "$@"
	if [ "$status" -ne "$want_status" ] || [ "$stderr" != "$want_err" ]; then
		printf 'ksymtrace %s\n  exit   %s (want %s)\n  stderr %s\n  want   %s\n' \
			"$*" "$status" "$want_status" "$stderr" "$want_err"
		return 1
	fi
	if [ "$status" -ne 0 ] && [ -n "$output" ]; then
		printf 'ksymtrace %s failed but printed on stdout:\n%s\n' "$*" "$output"
		return 1
	fi
}

# ---- tables -------------------------------------------------------------------

@test "bad table: malformed lines are skipped, the good ones load" {
	row 0 "" -k "$BAD/malformed-mix.kallsyms" resolve foo
	[ "${lines[0]}" = "foo: 1 instance" ]
	[[ ${lines[1]} == *" ffffffff81000010  T  vmlinux "*" foo" ]]
}

@test "bad table: -v names the malformed lines by number" {
	run --separate-stderr "$KSYMTRACE" -v -k "$BAD/malformed-mix.kallsyms" resolve foo
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "ksymtrace: $BAD/malformed-mix.kallsyms: skipped 7 malformed lines (line 2, 3, 4, 5, 6, 7, 8)" ]
}

@test "bad table: every line malformed" {
	row 1 "ksymtrace: $BAD/all-malformed.kallsyms: no kernel symbols in it (every line is malformed: is it a copy of /proc/kallsyms?)" \
		-k "$BAD/all-malformed.kallsyms" resolve foo
}

@test "bad table: every line malformed, for list too" {
	row 1 "ksymtrace: $BAD/all-malformed.kallsyms: no kernel symbols in it (every line is malformed: is it a copy of /proc/kallsyms?)" \
		-k "$BAD/all-malformed.kallsyms" list
}

@test "bad table: binary junk" {
	local f=$BATS_FILE_TMPDIR/junk.bin
	row 1 "ksymtrace: $f: no kernel symbols in it (every line is malformed: is it a copy of /proc/kallsyms?)" \
		-k "$f" resolve foo
}

@test "bad table: binary junk on standard input" {
	run --separate-stderr "$KSYMTRACE" -k - resolve foo <"$BATS_FILE_TMPDIR/junk.bin"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ksymtrace: standard input: no kernel symbols in it (every line is malformed: is it a copy of /proc/kallsyms?)" ]
}

@test "bad table: NUL bytes make their lines malformed, not the file" {
	local f=$BATS_FILE_TMPDIR/nul.kallsyms
	row 0 "" -k "$f" resolve foo
	run --separate-stderr "$KSYMTRACE" -v -k "$f" resolve foo
	[ "${stderr_lines[0]}" = "ksymtrace: $f: skipped 2 malformed lines (line 2, 3)" ]
}

@test "bad table: a 1 MiB line alone" {
	local f=$BATS_FILE_TMPDIR/mib-line-only.kallsyms
	row 1 "ksymtrace: $f: no kernel symbols in it (every line is malformed: is it a copy of /proc/kallsyms?)" \
		-k "$f" resolve foo
}

@test "bad table: a 1 MiB line between good ones is skipped" {
	local f=$BATS_FILE_TMPDIR/mib-line.kallsyms
	row 0 "" -k "$f" resolve foo
	[ "${lines[0]}" = "foo: 1 instance" ]
	run --separate-stderr "$KSYMTRACE" -v -k "$f" resolve foo
	[ "${stderr_lines[0]}" = "ksymtrace: $f: skipped 1 malformed line (line 2)" ]
}

@test "bad table: truncated (no final newline) loads, with a warning" {
	row 0 "ksymtrace: warning: $BAD/truncated-name.kallsyms: the last line has no newline: the file may be truncated" \
		-k "$BAD/truncated-name.kallsyms" resolve foo
	[ "${lines[0]}" = "foo: 1 instance" ]
}

@test "bad table: unreadable, a path under a file (ENOTDIR)" {
	row 1 "ksymtrace: cannot read $SPECS/x: Not a directory" -k "$SPECS/x" resolve foo
}

@test "bad table: unreadable, the open works and the read fails (EIO)" {
	# /proc/self/mem opens, but reading at offset 0 (unmapped) fails with EIO
	row 1 "ksymtrace: cannot read /proc/self/mem: Input/output error" -k /proc/self/mem resolve foo
}

@test "bad table: a FIFO with no writer yet is waited on, and said so, not a silent hang" {
	local f=$BATS_TEST_TMPDIR/fifo out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err pid i
	mkfifo "$f"
	timeout 30 "$KSYMTRACE" -k "$f" resolve foo >"$out" 2>"$err" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ -s $err ]] && break
		sleep 0.1
	done
	[ "$(cat "$err")" = "ksymtrace: $f: a FIFO with nothing written to it yet: waiting for its writer (Ctrl-C to stop)" ] || {
		echo "stderr before any writer: $(cat "$err")"
		kill "$pid"
		wait "$pid" || true
		return 1
	}
	cat "$SPECS" >"$f"
	wait "$pid"
	[ "$(head -1 "$out")" = "foo: 2 instances" ]
	# a writer that goes away without writing: an empty table, said as such
	timeout 30 "$KSYMTRACE" -k "$f" resolve foo >"$out" 2>"$err" &
	pid=$!
	: >"$f"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 1 ]
	[ "$(tail -1 "$err")" = "ksymtrace: $f: no kernel symbols in it" ]
}

@test "bad table: unreadable, no permission (EACCES)" {
	local dir f
	# root reads a mode-000 file anyway: drop to nobody for the read
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "needs setpriv (util-linux) to drop root"
		runas=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	else
		runas=()
	fi
	# a directory nobody may enter, so only the file's own mode is in the way
	dir=$(mktemp -d /tmp/ksymtrace-bad.XXXXXX)
	chmod 755 "$dir"
	f=$dir/secret.kallsyms
	cp "$SPECS" "$f"
	chmod 000 "$f"
	run --separate-stderr "${runas[@]}" "$KSYMTRACE" -k "$f" resolve foo
	rm -rf "$dir"
	if [ "$status" -eq 126 ] || [ "$status" -eq 127 ]; then
		skip "$KSYMTRACE cannot be run as another user here"
	fi
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ksymtrace: cannot read $f: Permission denied" ]
}

@test "bad table: no such file" {
	row 1 "ksymtrace: cannot read $BAD/no-such-file: No such file or directory
HINT: give a saved copy of /proc/kallsyms with -k FILE" -k "$BAD/no-such-file" resolve foo
}

@test "bad table: a directory" {
	local d=$BATS_FILE_TMPDIR/a-directory
	row 1 "ksymtrace: cannot read $d: Is a directory
HINT: -k takes a file, such as a saved copy of /proc/kallsyms" -k "$d" resolve foo
}

@test "bad table: an empty file" {
	local f=$BATS_FILE_TMPDIR/empty.kallsyms
	row 1 "ksymtrace: $f: no kernel symbols in it" -k "$f" resolve foo
	row 1 "ksymtrace: /dev/null: no kernel symbols in it" -k /dev/null list
}

@test "bad table: every address zero (kptr_restrict)" {
	row 1 "ksymtrace: $BAD/zero-addrs.kallsyms: every address reads 0: kernel.kptr_restrict hides them
HINT: run as root (CAP_SYSLOG); if that is not enough, sysctl kernel.kptr_restrict=0 (2 hides them from everyone)" \
		-k "$BAD/zero-addrs.kallsyms" resolve foo
}

@test "bad table: a 600-byte name is a malformed line; 511 bytes is a name" {
	local c511
	c511=$(head -c 511 /dev/zero | tr '\0' c)
	row 0 "" -k "$BAD/name-600.kallsyms" resolve foo "$c511"
	[ "${lines[0]}" = "foo: 1 instance" ]
	[ "${lines[2]}" = "$c511: 1 instance" ]
	run --separate-stderr "$KSYMTRACE" -v -k "$BAD/name-600.kallsyms" resolve foo
	[ "${stderr_lines[0]}" = "ksymtrace: $BAD/name-600.kallsyms: skipped 1 malformed line (line 2)" ]
}

@test "bad table: only names over 511 bytes" {
	local f=$BATS_FILE_TMPDIR/long-names-only.kallsyms
	row 1 "ksymtrace: $f: no kernel symbols in it (every line is malformed: is it a copy of /proc/kallsyms?)" \
		-k "$f" list
}

@test "bad table: non-ASCII names are kept and printed as they are" {
	row 0 "" -k "$BAD/non-ascii.kallsyms" resolve 'café' $'\xe5\x86\x85\xe6\xa0\xb8_fn' $'bad\xff\xfeutf8'
	[ "${lines[1]}" = "  ffffffff81000010  t  vmlinux      16  café" ]
	[ "${lines[3]}" = $'  ffffffff81000020  t  vmlinux      16  \xe5\x86\x85\xe6\xa0\xb8_fn' ]
	[ "${lines[5]}" = $'  ffffffff81000030  t  vmlinux      16  bad\xff\xfeutf8' ]
}

@test "bad table: non-ASCII names in JSON: valid, invalid UTF-8 becomes U+FFFD" {
	row 0 "" -k "$BAD/non-ascii.kallsyms" -j list
	assert_jsonl
	[ "$(jq -r 'select(.addr == "0xffffffff81000010") | .name' <<<"$output")" = "café" ]
	[ "$(jq -r 'select(.addr == "0xffffffff81000030") | .name' <<<"$output")" = $'bad\xef\xbf\xbd\xef\xbf\xbdutf8' ]
	[ "$(jq -r 'select(.addr == "0xffffffff81000040") | .name' <<<"$output")" = $'nbsp\xc2\xa0x' ]
}

@test "bad table: 200,000 symbols at one address load in seconds, not minutes" {
	local f=$BATS_FILE_TMPDIR/one-address.kallsyms
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "ffffffff81000000 t n%d\n", i
		     print "ffffffff81000010 T foo" }' >"$f"
	run --separate-stderr timeout 10 "$KSYMTRACE" -k "$f" resolve foo n199999
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "foo: 1 instance" ]
	[ "${lines[2]}" = "n199999: 1 instance" ]
}

@test "bad table: 65,535 modules load in seconds; more are refused by name" {
	local f=$BATS_FILE_TMPDIR/many-modules.kallsyms
	# lines alternate between modules, so no line is in the module of the last
	awk 'BEGIN { for (i = 0; i < 131070; i++)
			printf "ffffffffc%07x t f%d\t[m%d]\n", i * 16, i, i % 65535 }' >"$f"
	run --separate-stderr timeout 10 "$KSYMTRACE" -k "$f" resolve m65534:f131069
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "m65534:f131069: 1 instance" ]
	echo 'ffffffffd0000000 t one_too_many	[m65535]' >>"$f"
	row 1 "ksymtrace: $f: more than 65,535 modules: is it a copy of /proc/kallsyms?" -k "$f" resolve f1
}

# run's own redirections do not reach the command (it captures stdout through
# a pipe): these rows redirect inside bash -c
@test "bad table: standard input closed reads as /dev/null: an empty table" {
	run --separate-stderr bash -c '"$0" "$@" <&-' "$KSYMTRACE" -k - resolve foo
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ksymtrace: standard input: no kernel symbols in it" ]
}

@test "bad output: a full disk is a failure, not a silent half answer" {
	run --separate-stderr bash -c '"$0" "$@" >/dev/full' "$KSYMTRACE" -k "$SPECS" resolve foo '*'
	[ "$status" -eq 1 ]
	[ "$stderr" = "ksymtrace: cannot write the output: No space left on device" ]
	run --separate-stderr bash -c '"$0" "$@" >/dev/full' "$KSYMTRACE" -k "$SPECS" -j list
	[ "$status" -eq 1 ]
	[ "$stderr" = "ksymtrace: cannot write the output: No space left on device" ]
}

# ---- module files (--module-file, or found through modules.dep) ------------------

# row for a module file F: resolve 'fixmod:*' with it, on a good table
modfile_row() {
	local f=$1 why=$2
	row 1 "ksymtrace: $f: $why" -k "$SPECS" resolve --module-file "$f" 'fixmod:*'
}

@test "bad module file: a .ko cut short" {
	modfile_row "$BATS_FILE_TMPDIR/truncated.ko" "truncated ELF file: its section table ends past its 1000 bytes"
}

@test "bad module file: a .ko.xz cut short" {
	modfile_row "$BATS_FILE_TMPDIR/truncated.ko.xz" "truncated xz data"
}

@test "bad module file: a .ko.gz cut short" {
	modfile_row "$BATS_FILE_TMPDIR/truncated.ko.gz" "truncated gzip data"
}

@test "bad module file: a .ko.zst with a byte changed" {
	modfile_row "$BATS_FILE_TMPDIR/corrupt.ko.zst" "corrupt zstd data: Restored data doesn't match checksum"
}

@test "bad module file: binary junk, zeros, an empty file" {
	local why="not an ELF file (nor xz, zstd or gzip data): not a kernel module"
	modfile_row "$BATS_FILE_TMPDIR/junk.bin" "$why"
	modfile_row "$BATS_FILE_TMPDIR/zeros.ko" "$why"
	modfile_row "$BATS_FILE_TMPDIR/empty.ko" "$why"
}

@test "bad module file: an ELF file that is not a module" {
	modfile_row "$KSYMTRACE" "a shared object or PIE (ET_DYN), not a kernel module (a relocatable object, ET_REL)"
}

@test "bad module file: a directory, no such file" {
	row 1 "ksymtrace: cannot read $BATS_FILE_TMPDIR/a-directory: Is a directory" \
		-k "$SPECS" list --module-file "$BATS_FILE_TMPDIR/a-directory" 'fixmod:*'
	row 1 "ksymtrace: cannot read $BAD/no-such.ko: No such file or directory" \
		-k "$SPECS" attach --dry-run --module-file "$BAD/no-such.ko" fixmod:fix_dup
}

# ---- decode: log text is anything at all -----------------------------------------

# decode FILE on a good table: exit 0, nothing on stderr, and stdout is FILE
# itself, byte for byte (SED, when given, is what decode adds to it)
decode_row() {
	local f=$1 sed=${2:-}
	"$KSYMTRACE" -k "$SPECS" decode "$f" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || {
		echo "decode $f: exit $?"; cat "$BATS_TEST_TMPDIR/err"; return 1
	}
	[ ! -s "$BATS_TEST_TMPDIR/err" ] || { cat "$BATS_TEST_TMPDIR/err"; return 1; }
	if [ -n "$sed" ]; then
		sed "$sed" "$BATS_TEST_TMPDIR/out" | cmp - "$f"
	else
		cmp "$BATS_TEST_TMPDIR/out" "$f"
	fi
}

@test "bad log: binary junk passes through byte for byte" {
	decode_row "$BATS_FILE_TMPDIR/junk.bin"
	"$KSYMTRACE" -k "$SPECS" decode <"$BATS_FILE_TMPDIR/junk.bin" | cmp - "$BATS_FILE_TMPDIR/junk.bin"
}

@test "bad log: a 1 MiB line passes through undecoded; the frames around it are decoded" {
	local f=$BATS_TEST_TMPDIR/mib.log
	{ echo ' foo+0x4/0x70'; head -c 1048576 /dev/zero | tr '\0' a; echo; printf ' foo+0x4/0x80 \0 foo+0x1/0x70\n'; } >"$f"
	decode_row "$f" 's/ (0xffffffff81000[0-9a-f]* #[12])//g'
	run "$KSYMTRACE" -k "$SPECS" -j decode "$f"
	[ "$(jq -r '"\(.line) \(.index)"' <<<"$output" | tr '\n' ' ')" = "1 1 3 2 3 1 " ]
}

@test "bad log: NUL bytes and no final newline" {
	local f=$BATS_TEST_TMPDIR/nul.log
	printf 'a\0b\n\0\0\n foo+0x1/0x80' >"$f"
	decode_row "$f" 's/ (0xffffffff81000081 #2)$//'
}

@test "bad log: no such file, a directory, two files" {
	row 1 "ksymtrace: cannot read $BAD/no-such.log: No such file or directory" -k "$SPECS" decode "$BAD/no-such.log"
	row 1 "ksymtrace: cannot read $BATS_FILE_TMPDIR/a-directory: Is a directory" -k "$SPECS" decode "$BATS_FILE_TMPDIR/a-directory"
	run --separate-stderr "$KSYMTRACE" -k "$SPECS" decode "$SPECS" "$SPECS"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ ${stderr_lines[0]} == "ksymtrace decode: decode reads one FILE (or standard input)" ]]
}

# ---- specs (against a good table) -----------------------------------------------

@test "bad spec: +" {
	row 2 "ksymtrace: +: missing offset after '+' (decimal or 0x-hex)" -k "$SPECS" resolve +
}

@test "bad spec: foo+" {
	row 2 "ksymtrace: foo+: missing offset after '+' (decimal or 0x-hex)" -k "$SPECS" resolve foo+
}

@test "bad spec: foo+0x" {
	row 2 "ksymtrace: foo+0x: missing hex digits after '0x' in the offset after '+'" -k "$SPECS" resolve foo+0x
}

@test "bad spec: foo+-1" {
	row 2 "ksymtrace: foo+-1: bad offset after '+' '-1': use decimal or 0x-hex digits" -k "$SPECS" resolve foo+-1
}

@test "bad spec: foo+99999999999999999999" {
	row 2 "ksymtrace: foo+99999999999999999999: offset after '+' '99999999999999999999' is out of range (over 64 bits)" \
		-k "$SPECS" resolve foo+99999999999999999999
}

@test "bad spec: foo#0" {
	row 2 "ksymtrace: foo#0: instance numbers start at 1 (#1 is the lowest address)" -k "$SPECS" resolve 'foo#0'
}

@test "bad spec: foo#999 (parses; the table has 2)" {
	row 1 "ksymtrace: foo#999: foo has only 2 instances: pick #1 to #2" -k "$SPECS" resolve 'foo#999'
	row 1 "ksymtrace: vmlinux:foo.isra.0#2: foo.isra.0 has only 1 instance in that module: drop the '#2'" \
		-k "$SPECS" resolve 'vmlinux:foo.isra.0#2'
}

@test "bad spec: foo+0x11/0x10 and foo/0x10" {
	row 2 "ksymtrace: foo+0x11/0x10: offset 0x11 is past the end of a function of 0x10 bytes: OFF is at most SIZE in NAME+OFF/SIZE" \
		-k "$SPECS" resolve foo+0x11/0x10
	row 2 "ksymtrace: foo/0x10: /SIZE goes after an offset, as in a stack trace: NAME+OFF/SIZE (c_start+0x10/0x50)" \
		-k "$SPECS" resolve foo/0x10
}

@test "bad spec: foo+0/0x77 (parses; no foo is that size)" {
	row 1 "ksymtrace: foo+0/0x77: no foo is 0x77 bytes long; the sizes are 0x70 (#1), 0x80 (#2) (a table from another build?)" \
		-k "$SPECS" resolve foo+0/0x77
}

@test "bad spec: foo@0xzz" {
	row 2 "ksymtrace: foo@0xzz: bad address after '@' '0xzz': use decimal or 0x-hex digits" -k "$SPECS" resolve 'foo@0xzz'
}

@test "bad spec: :foo" {
	row 2 "ksymtrace: :foo: empty module name before ':': write MOD:NAME, or drop the ':'" -k "$SPECS" resolve :foo
}

@test "bad spec: a:b:c" {
	row 2 "ksymtrace: a:b:c: too many ':': write MOD:NAME (or kprobe:MOD:NAME)" -k "$SPECS" resolve a:b:c
}

@test "bad spec: %return alone" {
	row 2 "ksymtrace: %return: empty symbol name: write NAME, NAME+OFF or an address" -k "$SPECS" resolve %return
}

@test "bad spec: the empty string" {
	row 2 "ksymtrace: empty spec: give a symbol name (vfs_read), NAME+OFF or an address" -k "$SPECS" resolve ''
}

@test "bad spec: a newline or escape in it is not echoed" {
	row 2 "ksymtrace: 'foo\\x0abar': spaces and control characters are not allowed in a spec (byte 4 is 0x0a): a spec is one word, such as vfs_read+0x10" \
		-k "$SPECS" resolve $'foo\nbar'
	row 2 "ksymtrace: '\\x1b[31mfoo': spaces and control characters are not allowed in a spec (byte 1 is 0x1b): a spec is one word, such as vfs_read+0x10" \
		-k "$SPECS" resolve $'\e[31mfoo'
	row 2 "ksymtrace: 'foo\\x9b31m': spaces and control characters are not allowed in a spec (byte 4 is 0x9b): a spec is one word, such as vfs_read+0x10" \
		-k "$SPECS" resolve $'foo\x9b31m'
}

@test "bad spec: a name over 511 bytes" {
	local n512
	n512=$(head -c 512 /dev/zero | tr '\0' n)
	row 2 "ksymtrace: nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...: symbol name longer than 511 bytes" \
		-k "$SPECS" resolve "$n512"
}

@test "bad spec: a long name keeps the cause at the end of the message" {
	local a300 c510 c511
	a300=$(head -c 300 /dev/zero | tr '\0' a)
	c510=$(head -c 510 /dev/zero | tr '\0' c)
	c511=${c510}c
	row 2 "ksymtrace: $a300+zz: bad offset after '+' 'zz': use decimal or 0x-hex digits" \
		-k "$SPECS" resolve "$a300+zz"
	row 1 "ksymtrace: $c510: no such symbol; did you mean: $c511?" \
		-k "$BAD/name-600.kallsyms" resolve "$c510"
}

@test "bad spec: over 1 KiB" {
	row 2 "ksymtrace: dddddddddddddddddddddddddddddddddddddddd...: spec longer than 1024 bytes: a symbol name has at most 511" \
		-k "$SPECS" resolve "$(head -c 2000 /dev/zero | tr '\0' d)"
	# too long and with a newline among its first 40 bytes: still one line,
	# quoting only what comes before the newline (found by fuzz_spec in CI)
	row 2 "ksymtrace: foo...: spec longer than 1024 bytes: a symbol name has at most 511" \
		-k "$SPECS" resolve "foo"$'\n'"$(head -c 2000 /dev/zero | tr '\0' d)"
}

@test "bad spec: one bad spec among good ones prints nothing" {
	row 2 "ksymtrace: foo+: missing offset after '+' (decimal or 0x-hex)" -k "$SPECS" resolve foo 'foo#2' foo+
}

@test "bad spec: specs are checked before the table is read" {
	row 2 "ksymtrace: foo+: missing offset after '+' (decimal or 0x-hex)" -k "$BAD/no-such-file" resolve foo+
}

# ---- what the user typed, echoed back: never raw --------------------------------------
# A name (GLOB, --module) may hold no space or control byte, like a spec: it is refused
# (exit 2). Free text (--comm, the -k path, -c, option values) is quoted with \xNN
# escapes. Either way stderr holds only printable text, one line per message.

# stderr holds nothing but printable ASCII and newlines, and $1 lines of it
printable_stderr() {
	local junk
	junk=$(printf '%s' "$stderr" | LC_ALL=C tr -d '\n\040-\176' | wc -c)
	[ "$junk" -eq 0 ] || { printf 'raw bytes on stderr: %q\n' "$stderr"; return 1; }
	[ "${#stderr_lines[@]}" -le "$1" ] || { printf 'more than %s lines: %s\n' "$1" "$stderr"; return 1; }
}

@test "echoes: list's GLOB with an escape or a newline is refused, and quoted" {
	run --separate-stderr "$KSYMTRACE" -k "$SPECS" list $'\e[31mfoo*'
	assert_usage "'\\x1b[31mfoo*': spaces and control characters are not allowed in a GLOB"
	printable_stderr 3
	run --separate-stderr "$KSYMTRACE" -k "$SPECS" list $'foo\nbar'
	assert_usage "'foo\\x0abar': spaces and control characters are not allowed in a GLOB"
	printable_stderr 3
}

@test "echoes: --module with an escape is refused, and quoted, in every command" {
	local cmd
	for cmd in "list" "resolve foo" "attach foo"; do
		run --separate-stderr "$KSYMTRACE" -k "$SPECS" $cmd --module $'\e]0;title\a'
		assert_usage "--module '\\x1b]0;title\\x07': spaces and control characters are not allowed in a module name"
		printable_stderr 3
	done
}

@test "echoes: the -k path is quoted" {
	local hint=$'\nHINT: give a saved copy of /proc/kallsyms with -k FILE'
	row 1 "ksymtrace: cannot read /nonexistent/\\x1b[31mkallsyms: No such file or directory$hint" \
		-k $'/nonexistent/\e[31mkallsyms' resolve foo
	row 1 "ksymtrace: cannot read /nonexistent/a\\x0ab: No such file or directory$hint" \
		-k $'/nonexistent/a\nb' resolve foo
	# a backslash is written \\, so that what is shown reads back as one path
	row 1 "ksymtrace: cannot read /nonexistent/a\\\\x1b: No such file or directory$hint" \
		-k '/nonexistent/a\x1b' resolve foo
	# C1 controls too, raw (0x9b is CSI) or in UTF-8; other text passes as it is
	row 1 "ksymtrace: cannot read /nonexistent/\\x9b31m\\xc2\\x9b31m-café: No such file or directory$hint" \
		-k $'/nonexistent/\x9b31m\xc2\x9b31m-café' resolve foo
}

@test "echoes: --comm, option values and -c are quoted" {
	run --separate-stderr "$KSYMTRACE" -k "$SPECS" attach foo -d $'\e[2J'
	assert_usage "-d '\\x1b[2J': give a number of seconds"
	printable_stderr 3
	run --separate-stderr "$KSYMTRACE" -k "$SPECS" attach foo --ringbuf-size $'1\e[2J'
	assert_usage "--ringbuf-size '1\\x1b[2J'"
	printable_stderr 3
	run --separate-stderr "$KSYMTRACE" -k "$SPECS" attach foo --addr $'0x\n1'
	assert_usage "--addr '0x\\x0a1'"
	printable_stderr 3
	[[ $(id -u) -eq 0 ]] || skip "loading BPF programs (--dry-run) needs root"
	# a task name over 15 bytes is cut, with a warning that quotes it
	run --separate-stderr "$KSYMTRACE" -k "$SPECS" attach 'foo#1' --dry-run --comm $'\e[31mred-and-long-name' -c $'echo \e[31m'
	[[ $stderr == *"--comm \\x1b[31mred-and-long-name: the kernel keeps 15 bytes of a task's name: matching '\\x1b[31mred-and-lo'"* ]]
	[[ $stderr == *"'echo \\x1b[31m' not run (--dry-run)"* ]]
	printable_stderr 10
}

# ---- output that must not grow with the square of the table ----------------------------

@test "bad table: 5,000 names at one address: each JSON row lists 3 aliases and counts them all" {
	local f=$BATS_TEST_TMPDIR/aliases.kallsyms bytes
	python3 -c 'for i in range(5000): print(f"ffffffff81000000 t al_{i:05d}")' >"$f"
	echo 'ffffffff81001000 t next_fn' >>"$f"
	# linear: about 250 bytes a row (every alias of every row was 300 MB)
	bytes=$("$KSYMTRACE" -k "$f" -j list 2>/dev/null | head -c 50000000 | wc -c)
	[ "$bytes" -lt 2000000 ] || { echo "$bytes bytes"; return 1; }
	run --separate-stderr "$KSYMTRACE" -k "$f" -j resolve al_00000 next_fn
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map([.aliases, .aliases_total])' <<<"$output")" = \
		'[[["al_00001","al_00002","al_00003"],4999],[[],0]]' ]
	# text says the same: three, then how many in all
	run --separate-stderr "$KSYMTRACE" -k "$f" resolve al_00000
	[[ ${lines[1]} == *"al_00000  = al_00001 al_00002 al_00003 ...(4999)" ]]
}
