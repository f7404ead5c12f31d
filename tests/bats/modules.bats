#!/usr/bin/env bats
# Modules that are not loaded (issue 11): MOD:NAME resolved, listed and planned
# from the module's file, found through the running kernel's modules.dep, as
# .ko, .ko.xz and .ko.zst, or named with --module-file. A test root
# (KSYMTRACE_SYSROOT) stands in for /proc/sys/kernel/osrelease and /lib/modules;
# the module is tests/fixtures/modules/fixmod.ko, and what it holds is read
# with readelf here, not taken from ksymtrace. Bad module files are rows of
# bad_input.bats.
load helpers

REL=6.1.0-test
KO=$FIX/modules/fixmod.ko

# a test root whose module tree holds fixmod as FILE (fixmod.ko, .ko.xz, .ko.zst)
make_root() {
	local root=$1 file=$2
	mkdir -p "$root/proc/sys/kernel" "$root/lib/modules/$REL/kernel/drivers/misc"
	echo "$REL" >"$root/proc/sys/kernel/osrelease"
	printf 'kernel/drivers/misc/%s:\nkernel/drivers/net/dummy.ko:\n' "$file" >"$root/lib/modules/$REL/modules.dep"
	echo kernel/drivers/virtio/virtio.ko >"$root/lib/modules/$REL/modules.builtin"
}

setup_file() {
	local d=$BATS_FILE_TMPDIR
	# a root with the running kernel's release but no module tree
	mkdir -p "$d/nowhere/proc/sys/kernel"
	echo "$REL" >"$d/nowhere/proc/sys/kernel/osrelease"
	make_root "$d/ko" fixmod.ko
	cp "$KO" "$d/ko/lib/modules/$REL/kernel/drivers/misc/"
	make_root "$d/xz" fixmod.ko.xz
	xz --check=crc32 -c "$KO" >"$d/xz/lib/modules/$REL/kernel/drivers/misc/fixmod.ko.xz"
	make_root "$d/zst" fixmod.ko.zst
	zstd -q -c "$KO" >"$d/zst/lib/modules/$REL/kernel/drivers/misc/fixmod.ko.zst"
	# a module whose file says nothing of its name: the file name tells (fix-mod)
	objcopy --remove-section .modinfo "$KO" "$d/fix-mod.ko"
	# the functions in the file: name, size and place, as readelf reads them
	readelf -sW "$KO" | awk '$4 == "FUNC" && $5 != "WEAK" { print $8, $3, $7, $2 }' |
		sort -k1,1 -k3,3n -k4,4 >"$d/funcs"
}

# ksymtrace on the basic table, with the module tree of test root $1
kt() {
	local root=$1
	shift
	KSYMTRACE_SYSROOT=$BATS_FILE_TMPDIR/$root "$KSYMTRACE" -k "$BASIC" "$@"
}

@test "modules: resolve MOD:GLOB of a module not loaded gives every function of its file, ELF sizes exact" {
	run --separate-stderr kt ko -j resolve --functions 'fixmod:*'
	[ "$status" -eq 0 ]
	assert_jsonl
	# every function readelf sees, duplicates included, with its st_size
	diff <(jq -r '"\(.name) \(.size)"' <<<"$output" | sort) \
		<(awk '{ print $1, $2 }' "$BATS_FILE_TMPDIR/funcs" | sort)
	# no address yet, and the JSON says so
	[ "$(jq -s 'map(select(.addr == null and .loaded == false and .module == "fixmod")) | length' <<<"$output")" -eq "$(wc -l <"$BATS_FILE_TMPDIR/funcs")" ]
	[ "$stderr" = "ksymtrace: fixmod is not loaded: its symbols are read from $BATS_FILE_TMPDIR/ko/lib/modules/$REL/kernel/drivers/misc/fixmod.ko" ]
}

@test "modules: rows say (not loaded); duplicates are numbered in section and offset order" {
	run --separate-stderr kt ko resolve fixmod:fix_dup fixmod:fix_init
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "fixmod:fix_dup: 2 instances" ]
	# readelf's two fix_dup, by offset: #1 is the lower
	read -r _ size1 _ _ < <(grep '^fix_dup ' "$BATS_FILE_TMPDIR/funcs" | sort -k4,4 | head -1)
	read -r _ size2 _ _ < <(grep '^fix_dup ' "$BATS_FILE_TMPDIR/funcs" | sort -k4,4 | tail -1)
	[[ ${lines[1]} =~ ^\ \ \(not\ loaded\)\ +t\ +fixmod\ +$size1\ +fix_dup#1$ ]]
	[[ ${lines[2]} =~ ^\ \ \(not\ loaded\)\ +t\ +fixmod\ +$size2\ +fix_dup#2$ ]]
	# .init code is marked: once the module is loaded it is gone
	[[ ${lines[4]} == "  (not loaded)"*" fix_init  (init)  = init_module" ]]
	run kt ko -q -j resolve fixmod:init_module
	[ "$(jq -r '"\(.init) \(.aliases[0])"' <<<"$output")" = "true fix_init" ]
}

@test "modules: list MOD:GLOB and list --module read the file too" {
	run --separate-stderr kt ko list 'fixmod:fix_*'
	[ "$status" -eq 0 ]
	local by_glob=$output
	run --separate-stderr kt ko list --module fixmod 'fix_*'
	[ "$status" -eq 0 ]
	[ "$output" = "$by_glob" ]
	# functions by default: the weak one ('w') and data are not
	[[ $output == *"fix_exported"* && $output != *fix_weak* && $output != *fix_data* ]]
	run kt ko -q list --all-types 'fixmod:fix_*'
	[[ $output == *" d  fixmod "*" fix_data"* && $output == *" w  fixmod "*" fix_weak"* ]]
	[[ $output == *" b  fixmod "*" fix_bss"* && $output == *" r  fixmod "*" fix_rodata"* ]]
	# an exported function is upper case, as kallsyms will show it
	[[ $output == *" T  fixmod "*" fix_exported"* ]]
	run --separate-stderr kt ko list 'fixmod:'
	[ "$status" -eq 2 ]
	[[ $stderr == *"'fixmod:': write MOD:GLOB, such as 'dummy:*'"* ]]
}

@test "modules: .ko.xz and .ko.zst in modules.dep read the same as the .ko" {
	run kt ko -q -j resolve 'fixmod:*'
	[ "$status" -eq 0 ]
	local want=$output
	for root in xz zst; do
		run --separate-stderr kt $root -j resolve 'fixmod:*'
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
		[[ $stderr == *"read from $BATS_FILE_TMPDIR/$root/lib/modules/$REL/kernel/drivers/misc/fixmod.ko.$root" ]]
	done
}

@test "modules: a module file built for another kernel is read, with a warning" {
	mkdir -p "$BATS_TEST_TMPDIR/other/proc/sys/kernel"
	echo 6.12.0-other >"$BATS_TEST_TMPDIR/other/proc/sys/kernel/osrelease"
	run --separate-stderr env KSYMTRACE_SYSROOT="$BATS_TEST_TMPDIR/other" "$KSYMTRACE" -k "$BASIC" resolve --module-file "$KO" fixmod:fix_exported
	[ "$status" -eq 0 ]
	[ "${stderr_lines[1]}" = "ksymtrace: warning: $KO is built for $REL, not for the running 6.12.0-other: it may not load, and its symbols may not be what loads" ]
}

@test "modules: --module-file names a file directly, compressed or not" {
	run kt ko -q -j resolve 'fixmod:*'
	local want=$output
	xz -c "$KO" >"$BATS_TEST_TMPDIR/fixmod.ko.xz"
	zstd -q -c "$KO" >"$BATS_TEST_TMPDIR/fixmod.ko.zst"
	for f in "$KO" "$BATS_TEST_TMPDIR/fixmod.ko.xz" "$BATS_TEST_TMPDIR/fixmod.ko.zst"; do
		# a root with no module tree at all: only the file is read
		run --separate-stderr kt nowhere -j resolve --module-file "$f" 'fixmod:*'
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
		[ "$stderr" = "ksymtrace: fixmod is not loaded: its symbols are read from $f" ]
	done
	# the module name comes from .modinfo, else from the file name, '-' as '_'
	run --separate-stderr kt nowhere -q resolve --module-file "$BATS_FILE_TMPDIR/fix-mod.ko" 'fix-mod:fix_exported' 'fix_mod:fix_b_entry'
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == "  (not loaded)"*" fix_mod "*" fix_exported" ]]
	# a module that is loaded keeps its kallsyms symbols, with a warning
	cp "$BATS_FILE_TMPDIR/fix-mod.ko" "$BATS_TEST_TMPDIR/dummy.ko"
	run --separate-stderr kt nowhere resolve --module-file "$BATS_TEST_TMPDIR/dummy.ko" dummy:c_start
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == "  ffffffffc0395040  t  dummy"* ]]
	[ "$stderr" = "ksymtrace: warning: $BATS_TEST_TMPDIR/dummy.ko: module dummy is loaded: its symbols come from the kernel, not from this file" ]
	# two files of one module: the first is read
	run --separate-stderr kt nowhere -j resolve --module-file "$KO" --module-file "$BATS_TEST_TMPDIR/fixmod.ko.xz" 'fixmod:*'
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	[ "${stderr_lines[1]}" = "ksymtrace: warning: $BATS_TEST_TMPDIR/fixmod.ko.xz: module fixmod is read from another file already: this one is left out" ]
}

@test "modules: '-' and '_' are the same in a module name" {
	local root=$BATS_TEST_TMPDIR/dash
	make_root "$root" fix-mod.ko
	cp "$BATS_FILE_TMPDIR/fix-mod.ko" "$root/lib/modules/$REL/kernel/drivers/misc/"
	run --separate-stderr env KSYMTRACE_SYSROOT="$root" "$KSYMTRACE" -k "$BASIC" resolve fix-mod:fix_exported fix_mod:fix_b_entry
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "fix-mod:fix_exported: 1 instance" ]
	[ "${lines[2]}" = "fix_mod:fix_b_entry: 1 instance" ]
	# read once: the second spec finds the module the first one added
	[ "$(grep -c 'is not loaded' <<<"$stderr")" -eq 1 ]
}

@test "modules: the kernel's stack-trace form picks by the ELF size" {
	read -r _ size2 _ _ < <(grep '^fix_dup ' "$BATS_FILE_TMPDIR/funcs" | sort -k4,4 | tail -1)
	run --separate-stderr kt ko resolve "fixmod:fix_dup+0x1/$size2"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "fixmod:fix_dup+0x1/$size2: 1 instance" ]
	[[ ${lines[1]} == *" fix_dup#2" ]]
	run --separate-stderr kt ko -q resolve 'fixmod:fix_dup+0x1/0x999'
	[ "$status" -eq 1 ]
	assert_one_error_line "fixmod:fix_dup+0x1/0x999: no fix_dup is 0x999 bytes long; the sizes are 0x"
}

@test "modules: what a module not loaded cannot have is refused with the reason" {
	run --separate-stderr kt ko resolve 'fixmod:fix_dup@0x10'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"fixmod:fix_dup@0x10: module fixmod is not loaded: its functions have no addresses yet; pick one with #N" ]]
	run --separate-stderr kt ko resolve -m fixmod 0xffffffff81000121
	[ "$status" -eq 1 ]
	[[ $stderr == *"0xffffffff81000121: module fixmod is not loaded: none of its symbols has an address yet" ]]
	# a name it does not have: suggestions from its own symbols
	run --separate-stderr kt ko resolve fixmod:fix_dupp
	[ "$status" -eq 1 ]
	[[ $stderr == *"fixmod:fix_dupp: no such symbol; did you mean: fix_dup?" ]]
}

@test "modules: a module that is not there says where ksymtrace looked, one line" {
	run --separate-stderr kt ko resolve vfs_read nomod:foo
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "vfs_read: 1 instance" ]
	assert_one_error_line "nomod:foo: no module 'nomod' in the symbol table, nor in the modules.dep of $REL: is it loaded (lsmod), or built for this kernel? --module-file names its file"
	run --separate-stderr kt ko resolve virtio:foo
	[ "$status" -eq 1 ]
	assert_one_error_line "virtio:foo: module virtio is built into $REL (modules.builtin): its symbols are vmlinux's; drop 'virtio:'"
	run --separate-stderr kt nowhere list -m nomod
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	assert_one_error_line "no module 'nomod' in the symbol table, and no $BATS_FILE_TMPDIR/nowhere/lib/modules/$REL/modules.dep to look for its file in (No such file or directory): is it loaded (lsmod)? --module-file names its file"
	# kallsyms' pseudo-modules have no file to look for
	run --separate-stderr kt ko resolve __builtin__nothing:foo
	assert_one_error_line "__builtin__nothing:foo: no module '__builtin__nothing' in the symbol table: is it loaded? (lsmod)"
}

@test "modules: attach --dry-run plans a module not loaded against its file's symbols" {
	[[ $(id -u) -eq 0 ]] || skip "loading BPF programs needs root"
	run --separate-stderr kt ko attach --dry-run fixmod:fix_b_entry 'fixmod:fix_exported+0x1' fixmod:fix_init
	[ "$status" -eq 0 ]
	# the plan's rows, without the indented lines that say what each probe records
	mapfile -t rows < <(grep -v '^  ' <<<"$output")
	[[ ${rows[0]} == "SPEC"*"PROBE"*"ADDRESS"*"MODULE"*"SIZE" ]]
	# the probe's name is a spec that means it: with its module
	[[ $(tr -s ' ' <<<"${rows[1]}") == "fixmod:fix_b_entry fixmod:fix_b_entry kprobe (not loaded) fixmod "* ]]
	[[ $(tr -s ' ' <<<"${rows[2]}") == "fixmod:fix_exported+0x1 fixmod:fix_exported+0x1 kprobe (not loaded) fixmod "* ]]
	# a name the module has twice: MOD:NAME, the kernel's only name for a probe
	# before the module loads, cannot say which (tests/bats/modules_life.bats)
	run --separate-stderr kt ko attach --dry-run fixmod:fix_dup#2
	[ "$status" -eq 1 ]
	[[ $stderr == *"fixmod:fix_dup#2: fixmod has 2 symbols named fix_dup, and before it loads the kernel can name a probe only as fixmod:fix_dup: load the module first, then pick one" ]]
	run kt ko -q -j attach --dry-run fixmod:fix_init
	[ "$(jq -r '"\(.addr) \(.loaded) \(.module) \(.probe)"' <<<"$output")" = "null false fixmod fixmod:fix_init" ]
	# the offset is checked against the ELF size
	read -r _ size _ _ < <(grep '^fix_b_entry ' "$BATS_FILE_TMPDIR/funcs")
	run --separate-stderr kt ko attach --dry-run "fixmod:fix_b_entry+$size"
	[ "$status" -eq 1 ]
	[[ $stderr == *"fixmod:fix_b_entry+0x$(printf %x "$size"): offset 0x$(printf %x "$size") is past the end of fix_b_entry ($size bytes in fixmod's file)"* ]]
}

@test "modules: attaching to a module not loaded makes a tracefs event: without tracefs, one line with the fix, and the command never runs" {
	[[ $(id -u) -eq 0 ]] || skip "the refusal comes after the privilege check"
	local root=$BATS_FILE_TMPDIR/ko
	# a kernel with kprobes (attach.bats' fake) but no tracefs: the event
	# "p:ksymtrace_PID/... fixmod:fix_exported+0" has nowhere to go
	mkdir -p "$root/sys/bus/event_source/devices/kprobe"
	echo 6 >"$root/sys/bus/event_source/devices/kprobe/type"
	cp "$BASIC" "$root/proc/kallsyms"
	run --separate-stderr kt ko attach fixmod:fix_exported -c 'echo ran'
	rm -r "$root/sys" "$root/proc/kallsyms"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"fixmod:fix_exported: the kernel refused a kprobe that waits for module fixmod: No such file or directory"*"HINT: kprobe events need tracefs: mount -t tracefs nodev /sys/kernel/tracing" ]]
	[[ $stderr != *ran* ]]
}
