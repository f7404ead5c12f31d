#!/usr/bin/env bats
# The per-boot symbol snapshot (issue 15), through a test root (KSYMTRACE_SYSROOT)
# that stands for the kernel's files: proc/kallsyms, the keys (boot_id, osrelease,
# proc/modules, sys/module/*/notes) and run/ksymtrace. Each key that changes is a
# miss and a rebuild; a damaged or foreign snapshot is replaced; queries that could
# involve a pseudo-module read the live table; answers never differ from a live
# read. The snapshot is root's: these tests need root.
load helpers

setup() {
	[[ $(id -u) -eq 0 ]] || skip "the snapshot is written and read by root only"
	# world-readable, so that the test as nobody can read the kernel's files
	SR=$(mktemp -d /tmp/ksymtrace-cache.XXXXXX)
	chmod 755 "$SR"
	mkdir -p "$SR/proc/sys/kernel/random" "$SR/run" "$SR/sys/module/dummy/notes"
	cp "$FIX/basic.kallsyms" "$SR/proc/kallsyms"
	echo 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 >"$SR/proc/sys/kernel/random/boot_id"
	echo 6.1.0-99-amd64 >"$SR/proc/sys/kernel/osrelease"
	printf '%s\n' 'dummy 16384 0 - Live 0xffffffffc0395000' \
		'ext4mini 8192 1 - Live 0xffffffffc0200000 (OE)' >"$SR/proc/modules"
	printf '\004\000\000\000\024\000\000\000\003\000\000\000GNU\000build-one' \
		>"$SR/sys/module/dummy/notes/.note.gnu.build-id"
	export KSYMTRACE_SYSROOT=$SR
	DIR=$SR/run/ksymtrace
	SNAP=$DIR/kallsyms.snap
}

teardown() {
	[[ -n ${SR:-} ]] && rm -rf "$SR"
}

# ks_v ARGS...: ksymtrace -v; $output is stdout, $stderr what -v said
ks_v() {
	run --separate-stderr "$KSYMTRACE" -v "$@"
}

# said TEXT: -v said it
said() {
	[[ $stderr == *"$1"* ]] || {
		echo "stderr: $stderr"
		echo "want:   $1"
		return 1
	}
}

# same_as_live ARGS...: the answer to ARGS is the live table's, and came from the snapshot
same_as_live() {
	ks_v "$@"
	local got=$output st=$status
	said "snapshot used"
	run --separate-stderr "$KSYMTRACE" --no-cache "$@"
	[ "$st" -eq "$status" ] && [ "$got" = "$output" ] || {
		echo "snapshot ($st): $got"
		echo "live ($status): $output"
		return 1
	}
}

# used_snapshot FILE: every run whose -v is in FILE used the snapshot
used_snapshot() {
	grep -q "snapshot used" "$1" && ! grep "snapshot missed\|snapshot not used\|live table answers" "$1"
}

# rebuilt_after WHY: the next run misses for WHY, rebuilds, answers as live; the
# one after uses the new snapshot
rebuilt_after() {
	ks_v resolve c_start
	[ "$status" -eq 0 ]
	said "snapshot missed: $1"
	said "snapshot rebuilt"
	[ "$(stat -c '%u %a' "$SNAP")" = "0 600" ]
	same_as_live resolve c_start
}

@test "cache: written after a first live read, root's alone, then used; answers as live" {
	ks_v resolve c_start
	[ "$status" -eq 0 ]
	said "snapshot missed: there is none yet"
	said "snapshot rebuilt: 37 symbols"
	[ "$(stat -c '%u %a' "$DIR")" = "0 700" ]
	[ "$(stat -c '%u %a %F' "$SNAP")" = "0 600 regular file" ]
	first=$output
	ks_v resolve c_start
	said "snapshot used: $SNAP: 34 symbols in 3 modules"
	[ "$output" = "$first" ]
	for q in c_start 'c_start#2' 'dummy:c_start' 'vmlinux:c_*' init_once __func__.0 \
		vfs_reed tcp_fastopen_init bar 0xffffffff81000115 0xffffffffc0395010 0xffffffff82000104; do
		same_as_live resolve "$q"
		same_as_live -j resolve "$q"
	done
	same_as_live resolve --functions -m vmlinux init_once
	same_as_live -j list -m dummy
	same_as_live list -m vmlinux 'c_*'
}

@test "cache: another boot, another kernel release, other modules: each a miss and a rebuild" {
	ks_v resolve c_start
	said "snapshot rebuilt"
	echo 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1 >"$SR/proc/sys/kernel/random/boot_id"
	rebuilt_after "it is of another boot (boot_id)"
	echo 6.1.0-100-amd64 >"$SR/proc/sys/kernel/osrelease"
	rebuilt_after "it is of another kernel release"
	# a module reloaded at another address
	sed -i 's/0xffffffffc0395000/0xffffffffc0495000/' "$SR/proc/modules"
	rebuilt_after "modules were loaded, unloaded or reloaded since it was written"
	# one more module
	echo 'veth 40960 0 - Live 0xffffffffc0600000' >>"$SR/proc/modules"
	rebuilt_after "modules were loaded, unloaded or reloaded since it was written"
	# rebuilt and loaded again where it was, with the same size: its build id
	printf '\004\000\000\000\024\000\000\000\003\000\000\000GNU\000build-two' \
		>"$SR/sys/module/dummy/notes/.note.gnu.build-id"
	rebuilt_after "modules were loaded, unloaded or reloaded since it was written"
	# what /proc/modules says that does not matter: use counts, dependants
	sed -i 's/^dummy 16384 0 -/dummy 16384 3 veth,/' "$SR/proc/modules"
	same_as_live resolve c_start
}

@test "cache: a truncated, damaged or other-version snapshot is ignored and replaced" {
	ks_v resolve c_start
	said "snapshot rebuilt"
	size=$(stat -c %s "$SNAP")
	truncate -s $((size - 9)) "$SNAP"
	rebuilt_after "it is truncated"
	truncate -s 0 "$SNAP"
	rebuilt_after "it is truncated"
	# one byte of a name, in the middle of the arena
	printf 'X' | dd of="$SNAP" bs=1 seek=$((size - 200)) conv=notrunc status=none
	rebuilt_after "it is corrupt"
	# the format version, the 4 bytes after the magic
	printf '\377' | dd of="$SNAP" bs=1 seek=8 conv=notrunc status=none
	rebuilt_after "it is of another format version"
	echo "not a snapshot" >"$SNAP"
	rebuilt_after "it is not a ksymtrace snapshot"
}

@test "cache: a snapshot that is not root's alone is replaced, and the open never hangs" {
	ks_v resolve c_start
	chown nobody "$SNAP"
	rebuilt_after "it is owned by uid 65534, not by root"
	chmod 644 "$SNAP"
	rebuilt_after "its mode 0644 lets others read or write it"
	rm "$SNAP"
	mkfifo -m 600 "$SNAP"
	rebuilt_after "it is not a regular file"
	rm "$SNAP"
	ln -s /etc/passwd "$SNAP"
	rebuilt_after "it is a symbolic link"
	[ ! -L "$SNAP" ]
}

@test "cache: a directory others can write into, or not root's, is not used: a warning says so" {
	want=$("$KSYMTRACE" --no-cache resolve c_start)
	ks_v resolve c_start
	chmod 777 "$DIR"
	rm "$SNAP"
	ks_v resolve c_start
	[ "$status" -eq 0 ]
	[[ $stderr == *"ksymtrace: warning: $DIR is not a directory of root's that only root can write: the symbol snapshot is not used"* ]]
	[ "$output" = "$want" ]
	[ ! -e "$SNAP" ]
	chmod 700 "$DIR"
	chown nobody "$DIR"
	ks_v resolve c_start
	said "warning: $DIR is not a directory of root's"
	rm -rf "$DIR"
	mkdir -m 700 "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$DIR"
	ks_v resolve c_start
	said "warning: $DIR is not a directory of root's"
	[ -z "$(ls "$BATS_TEST_TMPDIR/elsewhere")" ]
}

@test "cache: not root: the snapshot is neither read nor written" {
	su_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	su_nobody test -x "$KSYMTRACE" || skip "nobody cannot run $KSYMTRACE"
	chmod -R go+rX "$SR" # whatever the umask: the kernel's files are readable
	run --separate-stderr su_nobody env KSYMTRACE_SYSROOT="$SR" "$KSYMTRACE" -v resolve c_start
	[ "$status" -eq 0 ]
	said "snapshot not used: not running as root"
	[ ! -e "$DIR" ]
	want=$output
	run --separate-stderr "$KSYMTRACE" --no-cache resolve c_start
	[ "$output" = "$want" ]
}

@test "cache: --no-cache reads live and writes nothing; -k never reads or writes it" {
	ks_v --no-cache resolve c_start
	said "snapshot not used: --no-cache"
	[ ! -e "$DIR" ]
	ks_v -k "$FIX/basic.kallsyms" resolve c_start
	[[ $stderr != *snapshot* ]]
	[ ! -e "$DIR" ]
	ks_v resolve c_start
	said "snapshot rebuilt"
	# with a valid snapshot, -k still reads its own file
	ks_v -k "$FIX/attach.kallsyms" resolve c_start
	[[ $stderr != *snapshot* ]]
	[[ $output == *"c_start: 4 instances"* ]]
	ks_v -j --no-cache resolve 'dummy:c_start'
	said "snapshot not used: --no-cache"
}

@test "cache: a query that could involve a pseudo-module reads the live table" {
	ks_v resolve c_start
	said "snapshot rebuilt"
	# BPF programs come and go without any key changing
	printf '%s\n' 'ffffffffc0390800 t bpf_prog_0123456789abcdef_new	[bpf]' \
		'ffffffffc03908c0 t bpf_prog_fedcba9876543210_c_start	[bpf]' >>"$SR/proc/kallsyms"
	for q in 'bpf:*' 'bpf:bpf_prog_0123456789abcdef_new' bpf_prog_0123456789abcdef_new \
		'*_c_start' 'c_st*' 0xffffffffc0390804 0xffffffffc03908c0 \
		'__builtin__ftrace:ftrace_trampoline' ftrace_trampoline kprobe_insn_page; do
		ks_v resolve "$q"
		said "the live table answers that"
		[[ $stderr != *"snapshot used"* ]]
		[ "$status" -eq 0 ]
	done
	ks_v resolve 0xffffffffc0390804
	[[ $output == *"bpf_prog_0123456789abcdef_new+0x4 [bpf]"* ]]
	ks_v resolve -m bpf 'bpf_prog_*'
	[[ $output == *bpf_prog_fedcba9876543210_c_start* ]]
	ks_v list
	said "a listing of every module"
	[[ $output == *bpf_prog_0123456789abcdef_new* ]]
	ks_v list --all-types -m dummy
	said "a listing of every type"
	# the core kernel's and the modules' queries still use the snapshot
	same_as_live resolve c_start
	same_as_live list -m dummy
	same_as_live resolve 'dummy:*'
}

@test "cache: answers identical to a live read for every duplicated name of this machine, text and JSON" {
	[ -r /proc/kallsyms ] && head -1 /proc/kallsyms | grep -qv '^0000000000000000' ||
		skip "no readable /proc/kallsyms"
	cp /proc/kallsyms "$SR/proc/kallsyms"
	cp /proc/sys/kernel/random/boot_id "$SR/proc/sys/kernel/random/boot_id"
	if [ -r /proc/modules ]; then cp /proc/modules "$SR/proc/modules"; else rm "$SR/proc/modules"; fi
	rm -rf "$SR/sys/module"
	# every duplicated function name but those only the live table answers for
	awk '$2 ~ /^[tT]$/ {print $3}' "$SR/proc/kallsyms" | sort | uniq -d |
		grep -v -e '^bpf_' -e '^ftrace_trampoline$' -e '^kprobe_.*insn_page$' >"$BATS_TEST_TMPDIR/dups"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/dups")" -gt 10 ]
	ks_v resolve c_start
	said "snapshot rebuilt"
	for fmt in "" -j; do
		xargs -a "$BATS_TEST_TMPDIR/dups" "$KSYMTRACE" -v $fmt resolve \
			>"$BATS_TEST_TMPDIR/snap" 2>"$BATS_TEST_TMPDIR/err"
		used_snapshot "$BATS_TEST_TMPDIR/err"
		xargs -a "$BATS_TEST_TMPDIR/dups" "$KSYMTRACE" --no-cache $fmt resolve >"$BATS_TEST_TMPDIR/live"
		cmp "$BATS_TEST_TMPDIR/snap" "$BATS_TEST_TMPDIR/live"
	done
	# and the address one byte into each, aliases and offsets included
	xargs -a "$BATS_TEST_TMPDIR/dups" "$KSYMTRACE" -j resolve -m vmlinux | jq -r '.addr' | head -2000 |
		while read -r a; do printf '0x%x\n' $((a + 1)); done >"$BATS_TEST_TMPDIR/addrs"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/addrs")" -gt 20 ]
	xargs -a "$BATS_TEST_TMPDIR/addrs" "$KSYMTRACE" -v -j resolve >"$BATS_TEST_TMPDIR/snap" 2>"$BATS_TEST_TMPDIR/err"
	used_snapshot "$BATS_TEST_TMPDIR/err"
	xargs -a "$BATS_TEST_TMPDIR/addrs" "$KSYMTRACE" --no-cache -j resolve >"$BATS_TEST_TMPDIR/live"
	cmp "$BATS_TEST_TMPDIR/snap" "$BATS_TEST_TMPDIR/live"
	same_as_live -j list -m vmlinux 'c_*'
}

# answered N: out.1 .. out.N each hold $want, and the directory one snapshot
answered() {
	for i in $(seq "$1"); do
		[ "$(cat "$BATS_TEST_TMPDIR/out.$i")" = "$want" ] || {
			echo "out.$i: $(cat "$BATS_TEST_TMPDIR/out.$i")"
			return 1
		}
	done
	[ "$(ls "$DIR")" = kallsyms.snap ]
}

@test "cache: processes starting at once neither corrupt it nor wait: all answer, one file stays" {
	want=$("$KSYMTRACE" --no-cache resolve c_start 'dummy:c_start')
	for round in missing stale; do
		for i in $(seq 8); do
			"$KSYMTRACE" resolve c_start 'dummy:c_start' >"$BATS_TEST_TMPDIR/out.$i" 2>&1 &
		done
		wait
		answered 8
		same_as_live resolve c_start 'dummy:c_start'
		echo 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f2 >"$SR/proc/sys/kernel/random/boot_id"
	done
	# readers while writers replace it: every reader sees a whole file
	for i in $(seq 6); do
		echo "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1a$i" >"$SR/proc/sys/kernel/random/boot_id"
		"$KSYMTRACE" resolve c_start >/dev/null 2>&1 &
		echo 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f2 >"$SR/proc/sys/kernel/random/boot_id"
		"$KSYMTRACE" resolve c_start 'dummy:c_start' >"$BATS_TEST_TMPDIR/out.$i" 2>&1 &
	done
	wait
	answered 6
}

@test "cache: not written while a module loads, when addresses are hidden, or for a module /proc/modules lacks" {
	sed 's/^[0-9a-f]\{16\}/0000000000000000/' "$FIX/basic.kallsyms" >"$SR/proc/kallsyms"
	ks_v resolve c_start
	[ "$status" -eq 1 ]
	said "every address reads 0: kernel.kptr_restrict hides them"
	[ ! -e "$SNAP" ]
	cp "$FIX/basic.kallsyms" "$SR/proc/kallsyms"
	sed -i 's/ Live / Loading /' "$SR/proc/modules"
	ks_v resolve c_start
	said "snapshot not written: a module is being loaded or unloaded"
	[ ! -e "$SNAP" ]
	sed -i 's/ Loading / Live /; s/0xffffffffc0395000/0x0000000000000000/' "$SR/proc/modules"
	ks_v resolve c_start
	said "snapshot not written: /proc/modules hides the module addresses (kptr_restrict)"
	[ ! -e "$SNAP" ]
	sed -i '/^dummy /d' "$SR/proc/modules"
	ks_v resolve c_start
	said "snapshot not written: [dummy] is in /proc/kallsyms but is neither a loaded module nor a pseudo-module"
	[ ! -e "$SNAP" ]
	# a kernel built without modules has no /proc/modules at all
	grep -v '\[' "$FIX/basic.kallsyms" >"$SR/proc/kallsyms"
	rm "$SR/proc/modules"
	ks_v resolve c_start
	said "snapshot rebuilt"
	same_as_live resolve c_start
}

@test "cache: a temporary file left by a writer that died is removed by the next writer" {
	mkdir -m 700 "$DIR"
	touch -d '2 minutes ago' "$DIR/kallsyms.snap.tmp.1234.5678"
	touch "$DIR/kallsyms.snap.tmp.1235.5678" # a writer at work
	ks_v resolve c_start
	said "snapshot rebuilt"
	[ ! -e "$DIR/kallsyms.snap.tmp.1234.5678" ]
	[ -e "$DIR/kallsyms.snap.tmp.1235.5678" ]
}

@test "cache: attach checks a saved table against the snapshot of the running kernel" {
	mkdir -p "$SR/sys/bus/event_source/devices/kprobe"
	echo 6 >"$SR/sys/bus/event_source/devices/kprobe/type"
	ks_v resolve c_start
	said "snapshot rebuilt"
	# attach.kallsyms puts dummy's c_start elsewhere than this "kernel" does
	run --separate-stderr "$KSYMTRACE" -v -k "$FIX/attach.kallsyms" attach 'dummy:c_start' -d 1
	[ "$status" -eq 1 ]
	said "snapshot used"
	said "c_start [dummy] is at 0xffffffffc0395140 in $FIX/attach.kallsyms but not in the running kernel"
	run --separate-stderr "$KSYMTRACE" -v --no-cache -k "$FIX/attach.kallsyms" attach 'dummy:c_start' -d 1
	[ "$status" -eq 1 ]
	said "snapshot not used: --no-cache"
	said "c_start [dummy] is at 0xffffffffc0395140"
}
