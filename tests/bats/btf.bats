#!/usr/bin/env bats
# BTF on this machine: prototypes in resolve and list (--proto, --kfuncs), what
# attach --dry-run plans to record for each probe (typed parameters, or raw
# registers and the reason), and --arg expressions, good and bad.
# The fixture kernel: tests/fixtures/btf.kallsyms, and its BTF, which the build
# writes with stable types (tests/fixtures/btf, mkbtf) as two sysroots: BTF as
# pahole 1.27+ writes it (kfunc tags: prototypes of shared names checked), and
# as older pahole did. A few tests read the live kernel's BTF instead, and
# assert only what every kernel with BTF has (vfs_read's prototype).
load helpers

BTF_DIR="$(dirname "$KSYMTRACE")/tests/btf"
TABLE="$FIX/btf.kallsyms"

setup() {
	[[ -f $BTF_DIR/checked/sys/kernel/btf/vmlinux ]] || {
		echo "no fixture BTF in $BTF_DIR: build first" >&2
		return 1
	}
	for v in checked unchecked; do
		mkdir -p "$BATS_TEST_TMPDIR/$v/sys/kernel"
		ln -s "$BTF_DIR/$v/sys/kernel/btf" "$BATS_TEST_TMPDIR/$v/sys/kernel/btf"
	done
	mkdir -p "$BATS_TEST_TMPDIR/nobtf/sys/kernel"
	export KSYMTRACE_SYSROOT=$BATS_TEST_TMPDIR/checked
}

kt() { "$KSYMTRACE" -k "$TABLE" "$@"; }
unchecked() { KSYMTRACE_SYSROOT=$BATS_TEST_TMPDIR/unchecked "$@"; }
nobtf() { KSYMTRACE_SYSROOT=$BATS_TEST_TMPDIR/nobtf "$@"; }

need_bpf() {
	[[ $(id -u) -eq 0 ]] || skip "loading BPF programs needs root"
}

# the line under $1's row in $output
under() {
	printf '%s\n' "$output" | grep -A1 -F -- "$1" | sed -n 2p
}

# ---- resolve and list --proto ---------------------------------------------------

@test "proto: resolve --proto shows vfs_read's prototype from this kernel's BTF" {
	[[ -r /sys/kernel/btf/vmlinux ]] || skip "this kernel has no BTF"
	unset KSYMTRACE_SYSROOT
	run --separate-stderr "$KSYMTRACE" resolve --proto vfs_read
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "      ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)" ]
	run --separate-stderr "$KSYMTRACE" -j resolve --proto vfs_read
	[ "$(jq -r .proto <<<"$output")" = "ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)" ]
	[ "$(jq -r .kfunc <<<"$output")" != "true" ]
}

@test "proto: each function's prototype, or why there is none" {
	run --separate-stderr kt resolve --proto vfs_read helper type_show asm_exc_int3 e1000_probe do_nothing init_task
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(under ' vfs_read')" = "      ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)" ]
	[ "$(under 'helper.isra.0')" = "      int helper(int a, int b)  [helper.isra.0 is a compiler clone of helper: its parameters may differ from helper's prototype]" ]
	[ "$(under 'type_show#1')" = "      (no prototype)  [2 functions are named type_show, and BTF has 2 different prototypes for the name, but no addresses to tell which is which]" ]
	[ "$(under ' asm_exc_int3')" = "      (no prototype)  [no prototype of asm_exc_int3 in vmlinux's BTF]" ]
	[ "$(under ' e1000_probe')" = "      (no prototype)  [module e1000 has no BTF (no /sys/kernel/btf/e1000: module BTF needs Linux 5.11+ with CONFIG_DEBUG_INFO_BTF_MODULES)]" ]
	[ "$(under ' do_nothing')" = "      void do_nothing(void)" ]
	# a data symbol (the last row): no line under it
	[[ ${lines[-1]} == *"  init_task" ]]
	# a module's function has the module's prototype, not vmlinux's of the same name
	run --separate-stderr kt resolve --proto dummy:c_start
	[ "${lines[2]}" = "      int c_start(struct net_device *dev)" ]
}

@test "proto: a name several functions share, with BTF checked and unchecked" {
	run --separate-stderr kt resolve --proto c_start#2
	[ "${lines[2]}" = "      void *c_start(struct seq_file *m, loff_t *pos)" ]
	run --separate-stderr unchecked kt resolve --proto c_start#2
	[ "${lines[2]}" = "      void *c_start(struct seq_file *m, loff_t *pos)  [3 functions are named c_start, and this kernel's BTF comes from a pahole that kept a prototype for some of them without checking the others (before 1.25)]" ]
}

@test "proto: -j adds proto, kfunc and proto_note" {
	run --separate-stderr kt -j resolve --proto bpf_cgroup_acquire vfs_read type_show#1
	[ "$status" -eq 0 ]
	assert_jsonl
	[ "$(sed -n 1p <<<"$output" | jq -c '[.proto, .kfunc, .proto_note]')" = '["struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp)",true,null]' ]
	[ "$(sed -n 2p <<<"$output" | jq -c '[.kfunc, .proto_note]')" = '[false,null]' ]
	[ "$(sed -n 3p <<<"$output" | jq -c '[.proto, .kfunc]')" = '[null,null]' ]
	[[ $(sed -n 3p <<<"$output" | jq -r .proto_note) == "2 functions are named type_show"* ]]
	# without tags in BTF, kfunc is unknown
	run --separate-stderr unchecked kt -j resolve --proto vfs_read
	[ "$(jq -c .kfunc <<<"$output")" = null ]
	# and without --proto, none of the three
	run --separate-stderr kt -j resolve vfs_read
	[ "$(jq -c 'has("proto") or has("kfunc") or has("proto_note")' <<<"$output")" = false ]
}

@test "proto: a kernel without BTF says so once, and prints no prototypes" {
	run --separate-stderr nobtf kt resolve --proto vfs_read c_start
	[ "$status" -eq 0 ]
	[ "$stderr" = "ksymtrace: warning: this kernel has no BTF (no /sys/kernel/btf/vmlinux: it needs CONFIG_DEBUG_INFO_BTF): no prototypes" ]
	! grep -q '^      ' <<<"$output"
	run --separate-stderr nobtf kt -j list --proto 'vfs_*'
	[ "$(jq -c '[.proto, .kfunc]' <<<"$output" | sort -u)" = '[null,null]' ]
}

@test "kfuncs: list --kfuncs lists the tagged functions, with their prototypes" {
	run --separate-stderr kt list --kfuncs
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} == *" bpf_cgroup_acquire" ]]
	[ "${lines[1]}" = "      struct cgroup *bpf_cgroup_acquire(struct cgroup *cgrp)  [kfunc]" ]
	[ "${lines[3]}" = "      void bpf_rcu_read_lock(void)  [kfunc]" ]
	run --separate-stderr kt list --kfuncs 'vfs_*'
	[ "$status" -eq 1 ]
	[ "$stderr" = "ksymtrace: no kfunc matches vfs_*" ]
}

@test "kfuncs: BTF without kfunc tags, or no BTF, is one line and exit 1" {
	run --separate-stderr unchecked kt list --kfuncs
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ksymtrace: this kernel's BTF marks no kfuncs: the bpf_kfunc declaration tags came with Linux 6.11 and pahole 1.27 (Linux 5.10 and 6.1 have none)" ]
	run --separate-stderr nobtf kt list --kfuncs
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "ksymtrace: this kernel has no BTF (no /sys/kernel/btf/vmlinux: it needs CONFIG_DEBUG_INFO_BTF): no kfuncs to list" ]
}

@test "kfuncs: this kernel's kfuncs, each with its prototype" {
	unset KSYMTRACE_SYSROOT
	[[ -r /sys/kernel/btf/vmlinux ]] || skip "this kernel has no BTF"
	run --separate-stderr "$KSYMTRACE" -j list --kfuncs
	if [[ $stderr == *"marks no kfuncs"* ]]; then
		skip "this kernel's BTF has no kfunc tags"
	fi
	[ "$status" -eq 0 ]
	assert_jsonl
	[ "$(jq -c 'select(.kfunc != true or .proto == null)' <<<"$output" | wc -l)" -eq 0 ]
	[ "$(wc -l <<<"$output")" -gt 10 ]
}

# ---- what attach records: the plan ---------------------------------------------------

@test "plan: typed parameters, each with its register or stack slot and its format" {
	need_bpf
	run --separate-stderr kt attach --dry-run vfs_read do_sys_openat2 many_args
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | tr -s ' ' >"$BATS_TEST_TMPDIR/plan"
	grep -qxF ' ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' file di pointer' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' buf si string if in the kernel, else pointer (64 bytes at most)' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' count dx unsigned 8-byte' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' filename si string (64 bytes at most)' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' dfd di signed 4-byte' "$BATS_TEST_TMPDIR/plan"
	# the seventh and later parameters on the stack, a struct by value as a marker
	grep -qxF ' a7 sp+8 signed 4-byte' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' a9 sp+24 struct by value (16 bytes)' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' a10 sp+40 bool' "$BATS_TEST_TMPDIR/plan"
	[[ $output != *"raw registers"* ]]
}

@test "plan: every reason for raw registers, once per probe" {
	need_bpf
	local -A want=(
		['helper.isra.0']="helper.isra.0 is a compiler clone of helper: its parameters may differ from helper's prototype"
		['type_show#1']="2 functions are named type_show, and BTF has 2 different prototypes for the name, but no addresses to tell which is which"
		['asm_exc_int3']="no prototype of asm_exc_int3 in vmlinux's BTF"
		['e1000_probe']="module e1000 has no BTF (no /sys/kernel/btf/e1000: module BTF needs Linux 5.11+ with CONFIG_DEBUG_INFO_BTF_MODULES)"
		['vfs_read+0x10']="at +0x10 the parameters need not be where the calling convention put them"
		['vfs_read --raw']="--raw"
	)
	for spec in "${!want[@]}"; do
		run --separate-stderr kt attach $spec --dry-run
		[ "$status" -eq 0 ]
		[ "${lines[2]}" = "  raw registers: ${want[$spec]}" ] || { echo "$spec: ${lines[2]}"; return 1; }
		[ "$(grep -c 'raw registers' <<<"$output")" -eq 1 ]
		run --separate-stderr kt -j attach $spec --dry-run
		[ "$(jq -r .raw_reason <<<"$output")" = "${want[$spec]}" ]
		[ "$(jq -c '[.proto, .args]' <<<"$output")" = '[null,[]]' ]
	done
	run --separate-stderr unchecked kt attach 'c_start#1' --dry-run
	[ "${lines[2]}" = "  raw registers: 3 functions are named c_start, and this kernel's BTF comes from a pahole that kept a prototype for some of them without checking the others (before 1.25)" ]
	run --separate-stderr nobtf kt attach vfs_read dummy:dummy_get_stats64 --dry-run
	[ "$(grep -c '^  raw registers: this kernel has no BTF (no /sys/kernel/btf/vmlinux: it needs CONFIG_DEBUG_INFO_BTF)$' <<<"$output")" -eq 2 ]
}

@test "plan -j: args, retval and the reason, as the README says" {
	need_bpf
	run --separate-stderr kt -j attach vfs_read 'vfs_read%return' 'do_nothing%return' c_start#4 --dry-run
	[ "$status" -eq 0 ]
	assert_jsonl
	local first
	first=$(sed -n 1p <<<"$output")
	[ "$(jq -c '[.proto, .raw_reason, .retval, .note]' <<<"$first")" = '["ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)",null,null,null]' ]
	[ "$(jq -c '.args[2]' <<<"$first")" = '{"name":"count","type":"size_t","where":"dx","reads":0,"format":"unsigned 8-byte"}' ]
	[ "$(jq -c '[.args[].name]' <<<"$first")" = '["file","buf","count","pos"]' ]
	# a kretprobe: the return value's type and format, no parameters
	[ "$(sed -n 2p <<<"$output" | jq -c '[.args, .retval]')" = '[[],{"type":"ssize_t","where":"retval","reads":0,"format":"signed 8-byte"}]' ]
	[ "$(sed -n 3p <<<"$output" | jq -c .retval)" = '{"type":"void","where":"retval","reads":0,"format":"none"}' ]
	[ "$(sed -n 4p <<<"$output" | jq -r .proto)" = "int c_start(struct net_device *dev)" ]
}

@test "plan: parameters that are not recorded say why" {
	need_bpf
	run --separate-stderr kt attach scale mul128 vprint --dry-run
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | tr -s ' ' >"$BATS_TEST_TMPDIR/plan"
	grep -qxF ' factor - not recorded: floating point travels in SSE registers, which a kprobe does not save' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' n di signed 4-byte' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' a di:si not recorded: integers wider than 8 bytes are not recorded' "$BATS_TEST_TMPDIR/plan"
	grep -qxF " note: variadic: the arguments past '...' are not recorded" "$BATS_TEST_TMPDIR/plan"
}

@test "plan: --arg expressions replace the parameters, with where they start and how many reads" {
	need_bpf
	run --separate-stderr kt attach vfs_read --arg 'name=file->f_path.dentry->d_name.name:string' \
		--arg 'file->f_flags' --arg '$comm' --arg '+8(%si):x32' --string-size 128 --dry-run
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | tr -s ' ' >"$BATS_TEST_TMPDIR/plan"
	grep -qxF ' name di+2 reads string (128 bytes at most) = name=file->f_path.dentry->d_name.name:string' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' file->f_flags di+1 read unsigned 4-byte (unsigned int)' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' $comm comm string' "$BATS_TEST_TMPDIR/plan"
	grep -qxF ' +8(%si) si+1 read hex 4-byte = +8(%si):x32' "$BATS_TEST_TMPDIR/plan"
	[[ $output != *" count "* ]]
	run --separate-stderr kt -j attach vfs_read --arg 'n=file->f_path.dentry->d_name.len' --dry-run
	[ "$(jq -c '.args' <<<"$output")" = '[{"name":"n","expr":"n=file->f_path.dentry->d_name.len","type":"u32","where":"di","reads":2,"format":"unsigned 4-byte"}]' ]
	# raw registers do not stop %REG, $argN and +OFF( )
	run --separate-stderr kt attach 'type_show#1' --arg '$arg3:string' --arg '+8(%di)' --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"raw registers: 2 functions are named type_show"* ]]
	[[ $output == *'$arg3 '*'dx '*'string (64 bytes at most)'* ]]
	# a kretprobe's value, typed
	run --separate-stderr kt -j attach 'vfs_read%return' --arg '$retval' --dry-run
	[ "$(jq -c '.args[0] | [.type, .format]' <<<"$output")" = '["ssize_t","signed 8-byte"]' ]
}

@test "plan: this kernel's vfs_read, typed from its BTF" {
	need_bpf
	[[ -r /sys/kernel/btf/vmlinux ]] || skip "this kernel has no BTF"
	unset KSYMTRACE_SYSROOT
	run --separate-stderr "$KSYMTRACE" attach vfs_read --dry-run \
		--arg 'name=file->f_path.dentry->d_name.name:string'
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "  ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)" ]
	[[ $(tr -s ' ' <<<"${lines[3]}") == " name di+2 reads string (64 bytes at most) = name=file->f_path.dentry->d_name.name:string" ]]
}

# ---- bad --arg: one line on stderr, exit 2, nothing on stdout ---------------------------

# row STDERR ARGS...: attach --dry-run ARGS on the fixture exits 2 with exactly
# STDERR and an empty stdout
row() {
	local want=$1
	shift
	run --separate-stderr kt attach --dry-run "$@"
	if [ "$status" -ne 2 ] || [ "$stderr" != "$want" ] || [ -n "$output" ]; then
		printf 'attach %s\n  exit   %s (want 2)\n  stderr %s\n  want   %s\n  stdout %s\n' "$*" \
			"$status" "$stderr" "$want" "$output"
		return 1
	fi
}

@test "bad --arg: an expression that does not resolve names the probe, the expression and the step" {
	row "ksymtrace: vfs_read: --arg 'file->f_pathx': at '->f_pathx': struct file has no member 'f_pathx'" \
		vfs_read --arg 'file->f_pathx'
	row "ksymtrace: vfs_read: --arg 'count->x': at '->x': count is size_t, not a pointer: '->' needs one" \
		vfs_read --arg 'count->x'
	row "ksymtrace: vfs_read: --arg 'file->f_path.dentry->d_parent->d_parent->d_parent->d_parent->d_parent->d_parent->d_parent->d_name.name:string': at '.name:string': more than 8 memory reads in one expression" \
		vfs_read --arg 'file->f_path.dentry->d_parent->d_parent->d_parent->d_parent->d_parent->d_parent->d_parent->d_name.name:string'
	row "ksymtrace: vfs_read: --arg '\$retval': at '\$retval': the return value exists at a kretprobe only: add %return to the spec, or -r" \
		vfs_read --arg '$retval'
	row "ksymtrace: vfs_read: --arg 'fil': at 'fil': vfs_read has no parameter 'fil' (its parameters: file, buf, count, pos)" \
		vfs_read --arg 'fil'
	row "ksymtrace: vfs_read%return: --arg 'file': at 'file': the parameters are gone at a return: at a kretprobe give \$retval or %REG" \
		'vfs_read%return' --arg 'file'
	row "ksymtrace: do_nothing%return: --arg '\$retval': at '\$retval': do_nothing returns void" \
		'do_nothing%return' --arg '$retval'
	row "ksymtrace: vfs_read+0x10: --arg 'file': at 'file': parameter names: at an offset into the function the arguments need not be where the calling convention put them: give %REG" \
		vfs_read+0x10 --arg 'file'
	row "ksymtrace: helper.isra.0: --arg 'a': at 'a': parameter names need BTF types, and here there are none (helper.isra.0 is a compiler clone of helper: its parameters may differ from helper's prototype): give \$argN or %REG" \
		helper.isra.0 --arg 'a'
	row "ksymtrace: vfs_read: --arg 'file->f_ra_pages:string': at '->f_ra_pages:string': file->f_ra_pages is a bitfield, not a string" \
		vfs_read --arg 'file->f_ra_pages:string'
	row "ksymtrace: vfs_read: --arg 'file->f_path.mnt->x': at '->x': struct vfsmount is only declared in BTF, without its members" \
		vfs_read --arg 'file->f_path.mnt->x'
}

@test "bad --arg: one line for each probe an expression does not resolve for" {
	run --separate-stderr unchecked kt attach c_start --all --arg 'm->buf' --dry-run
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 4 ]
	[[ ${stderr_lines[0]} == "ksymtrace: c_start#1: --arg 'm->buf': at 'm': parameter names need BTF types, and here there are none (3 functions are named c_start, "* ]]
	[[ ${stderr_lines[2]} == "ksymtrace: c_start#3: --arg 'm->buf': at 'm': "* ]]
	# the module's own c_start has BTF, and another prototype
	[ "${stderr_lines[3]}" = "ksymtrace: c_start#4: --arg 'm->buf': at 'm': c_start has no parameter 'm' (its parameters: dev)" ]
}

@test "bad --arg: the grammar, before the table is read" {
	row "ksymtrace: --arg 'count:u128': unknown type 'u128': give u8, u16, u32, u64, s8, s16, s32, s64, x8, x16, x32, x64 or string (byte 7)" \
		vfs_read --arg 'count:u128'
	row "ksymtrace: --arg 'file->': a member name must follow '->' (byte 7)" vfs_read --arg 'file->'
	row "ksymtrace: --arg '': empty expression: give a parameter name, \$argN, %REG, \$retval or \$comm (byte 1)" \
		vfs_read --arg ''
	row "ksymtrace: --arg '%xx': unknown register '%xx': give di, si, dx, cx, r8, r9, ax, bx, bp, sp, r10-r15 or ip (byte 1)" \
		vfs_read --arg '%xx'
	row "ksymtrace: --arg: byte 2 is 0x20: an expression is one word of printable ASCII, such as file->f_flags" \
		vfs_read --arg 'a b'
	row "ksymtrace: --arg 'file->f_flags': 'file->f_flags' already names --arg 'file->f_flags:x32': give one of them a LABEL=" \
		vfs_read --arg 'file->f_flags:x32' --arg 'file->f_flags'
	row "ksymtrace: --arg: at most 8 expressions: a probe records 8 values" \
		vfs_read --arg a --arg b --arg c --arg d --arg e --arg f --arg g --arg h --arg i
	# a bad expression wins over a table that cannot be read: nothing is read first
	run --separate-stderr "$KSYMTRACE" -k /nonexistent attach vfs_read --arg 'x->' --dry-run
	[ "$status" -eq 2 ]
	[ "$stderr" = "ksymtrace: --arg 'x->': a member name must follow '->' (byte 4)" ]
}

@test "bad --arg: options that do not go with it" {
	run --separate-stderr kt attach vfs_read --arg 'count' --count --dry-run
	[ "$status" -eq 2 ]
	[[ ${stderr_lines[0]} == "ksymtrace attach: --count prints no events, so no --arg values: drop --arg or --count" ]]
	for n in 0 1025 x ''; do
		run --separate-stderr kt attach vfs_read --string-size "$n" --dry-run
		[ "$status" -eq 2 ]
		[[ ${stderr_lines[0]} == "ksymtrace attach: --string-size '$n': give a number of bytes from 1 to 1024" ]]
	done
}
