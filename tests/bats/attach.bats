#!/usr/bin/env bats
# ksymtrace attach on this machine: plans (--dry-run), every refusal that needs no
# kprobes, the kernel-without-kprobes message, exit codes, JSON, the menu on a pty.
# A fake sysroot (KSYMTRACE_SYSROOT) stands for a kernel with kprobes, or without:
# it holds the kprobe PMU, the ftrace list, the kprobes blacklist, the config.
# Loading BPF programs (--dry-run) needs root; those tests skip otherwise.

load helpers

# PTY [ANSWER...] -- COMMAND [ARG...]: COMMAND on a terminal (tests/pty_run.py, shared
# with tests/vm); each ANSWER is typed, with Enter, once "which?" shows again; EOF
# types Ctrl-D. A command silent for 10 s is killed (status 124).
PTY() {
	local steps=()

	while [[ $1 != -- ]]; do
		if [[ $1 == EOF ]]; then
			steps+=(--expect 'which\?' --send $'\x04')
		else
			steps+=(--expect 'which\?' --send "$1"$'\n')
		fi
		shift
	done
	python3 "$BATS_TEST_DIRNAME/../pty_run.py" --timeout 10 "${steps[@]}" "$@"
}

setup() {
	# a kernel with kprobes: the PMU, and the lists traceable.c reads
	KPROBES=$BATS_TEST_TMPDIR/kprobes
	mkdir -p "$KPROBES/sys/bus/event_source/devices/kprobe" "$KPROBES/sys/kernel/tracing" \
		"$KPROBES/sys/kernel/debug/kprobes"
	echo 6 >"$KPROBES/sys/bus/event_source/devices/kprobe/type"
	cp "$FIX/attach.available_filter_functions" "$KPROBES/sys/kernel/tracing/available_filter_functions"
	cp "$FIX/attach.blacklist" "$KPROBES/sys/kernel/debug/kprobes/blacklist"
	export KSYMTRACE_SYSROOT=$KPROBES
}

# ksymtrace on the fixture table
kt() {
	"$KSYMTRACE" -k "$FIX/attach.kallsyms" "$@"
}

# a table row in $output, compared with runs of blanks squeezed to one
has_row() {
	tr -s ' ' <<<"$output" | grep -qF -- "$1" || { echo "no row: $1"; return 1; }
}

# attach ARGS... --dry-run must be refused (exit 1) with MESSAGE in what it says
refused() {
	local msg=$1
	shift
	run kt attach "$@" --dry-run
	[ "$status" -eq 1 ] || { echo "exit $status, not 1: $output"; return 1; }
	[[ $output == *"$msg"* ]] || { echo "no '$msg' in: $output"; return 1; }
}

need_bpf() {
	[[ $(id -u) -eq 0 ]] || skip "loading BPF programs needs root"
}

# a sysroot for a kernel without kprobes; $1 is its build config (or none)
no_kprobes_sysroot() {
	local root=$BATS_TEST_TMPDIR/nokprobes
	mkdir -p "$root/sys/bus/event_source/devices/software" "$root/proc"
	[[ -z ${1:-} ]] || printf '%s\n' "$1" >"$root/proc/config.gz" # gzread reads plain text too
	echo "$root"
}

# ---- plans -------------------------------------------------------------------------

@test "dry-run: --all plans one kprobe per instance, by address, and attaches nothing" {
	need_bpf
	run kt attach c_start --all --dry-run
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "SPEC"*"PROBE"*"KIND"*"ADDRESS"*"MODULE"*"SIZE" ]]
	has_row "c_start#1 kprobe ffffffff81001400 vmlinux 96"
	has_row "c_start#2 kprobe ffffffff810015c0 vmlinux 64"
	has_row "c_start#3 kprobe ffffffff81001700 vmlinux 80"
	has_row "c_start#4 kprobe ffffffffc0395140 dummy 96"
	[[ $output == *"the verifier accepted them"*"nothing attached"* ]]
}

@test "dry-run: a stack trace's NAME+OFF/SIZE picks the instance of that size" {
	need_bpf
	# c_start: 96, 64 and 80 bytes in vmlinux, 96 in dummy
	run kt attach 'c_start+0x10/0x40' --dry-run
	[ "$status" -eq 0 ]
	has_row "c_start+0x10/0x40 c_start+0x10#2 kprobe ffffffff810015d0 vmlinux 64"
	# two of 96 bytes: still a choice to make
	run kt attach 'c_start+0x10/0x60' --dry-run </dev/null
	[ "$status" -eq 3 ]
	[[ $output == *"c_start#1"*"c_start#4"* && $output != *"c_start#2 "* ]]
	refused "c_start+0x10/0x30: no c_start is 0x30 bytes long; the sizes are 0x60 (#1), 0x40 (#2), 0x50 (#3), 0x60 (#4)" \
		'c_start+0x10/0x30'
}

@test "dry-run: #N, @ADDR, --addr, MOD: and --module each pick one instance" {
	need_bpf
	local -A want=(
		['c_start#2']="c_start#2 kprobe ffffffff810015c0"
		['c_start@0xffffffff810015c0']="c_start#2 kprobe ffffffff810015c0"
		['c_start --addr 0xffffffff810015c0']="c_start#2 kprobe ffffffff810015c0"
		['dummy:c_start']="c_start#4 kprobe ffffffffc0395140 dummy"
		['c_start --module dummy']="c_start#4 kprobe ffffffffc0395140 dummy"
		['kprobe:dummy:c_start']="c_start#4 kprobe ffffffffc0395140 dummy"
	)
	for pick in "${!want[@]}"; do
		run kt attach $pick --dry-run
		[ "$status" -eq 0 ]
		[ "$(grep -c ' kprobe ' <<<"$output")" -eq 1 ]
		has_row "${want[$pick]}"
	done
}

@test "dry-run: offsets, addresses and %return / -r / kretprobe: spellings" {
	need_bpf
	run kt attach vfs_read+0x10 0xffffffff81001204 'vfs_write%return' kretprobe:show_cpuinfo --dry-run
	[ "$status" -eq 0 ]
	has_row "vfs_read+0x10 kprobe ffffffff81001020"
	has_row "vfs_write+0x4 kprobe ffffffff81001204"
	has_row "vfs_write%return kretprobe ffffffff81001200"
	has_row "show_cpuinfo%return kretprobe ffffffff81001640"
	run kt attach vfs_read -r --dry-run
	[ "$status" -eq 0 ]
	has_row "vfs_read%return kretprobe ffffffff81001010"
}

@test "dry-run -j: one JSON object per probe, that jq reads" {
	need_bpf
	run kt -j attach c_start#3 'vfs_read%return' --dry-run
	[ "$status" -eq 0 ]
	local plan
	plan=$(kt -j attach c_start#3 'vfs_read%return' --dry-run 2>/dev/null)
	[ "$(jq -s length <<<"$plan")" -eq 2 ]
	[ "$(jq -r 'select(.kind=="kprobe") | [.spec,.probe,.addr,.module,.size,.traceable] | @tsv' <<<"$plan")" = \
		"$(printf 'c_start#3\tc_start#3\t0xffffffff81001700\tvmlinux\t80\ttrue')" ]
	[ "$(jq -r 'select(.kind=="kretprobe") | [.probe,.addr,.offset] | @tsv' <<<"$plan")" = \
		"$(printf 'vfs_read\t0xffffffff81001010\t0')" ]
}

@test "dry-run: the same place named twice is probed once" {
	need_bpf
	run kt attach vfs_read c_start#1 vfs_read --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"vfs_read is already in the list: one probe there"* ]]
	[ "$(grep -c ' kprobe ' <<<"$output")" -eq 2 ]
}

@test "dry-run: a lone compiler clone is taken, and said to be a clone" {
	need_bpf
	run kt attach helper --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"no function has that exact name; tracing its compiler clone helper.isra.0 [vmlinux]"* ]]
	has_row "helper.isra.0 (clone) kprobe ffffffff81001500"
}

@test "dry-run: a glob with --all leaves out what cannot be traced" {
	need_bpf
	run kt attach 'do_*' 'native_*' vfs_read --all --dry-run
	[ "$status" -eq 1 ]
	[[ $output == *"do_*: left out 1 match that cannot be traced"* ]]
	[[ $output == *"do_*: no match can be traced: nothing to attach"* ]]
	run kt attach 'c_n*' '*_read' --all --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"*_read: left out 1 match that cannot be traced (padding"* ]]
	[ "$(grep -c ' kprobe ' <<<"$output")" -eq 4 ]
	has_row "vfs_read kprobe ffffffff81001010"
}

@test "dry-run works on this machine's own kernel and says what it could not check" {
	need_bpf
	[[ -r /proc/kallsyms ]] && grep -qw vfs_read /proc/kallsyms || skip "no live symbol table"
	unset KSYMTRACE_SYSROOT
	run "$KSYMTRACE" attach vfs_read 'vfs_read%return' --dry-run
	[ "$status" -eq 0 ]
	has_row "vfs_read%return kretprobe"
	if [[ ! -e /sys/bus/event_source/devices/kprobe ]]; then
		[[ $output == *"not verified: that the kernel takes each address"* ]]
	fi
}

# ---- choosing ----------------------------------------------------------------------

@test "ambiguous without a terminal: candidates, how to pick, exit 3" {
	run kt attach c_start </dev/null
	[ "$status" -eq 3 ]
	[[ $output == *"c_start: 4 functions have that name; say which to trace (there is no terminal to ask on):"* ]]
	has_row "2 ffffffff810015c0 t vmlinux 64 yes c_start#2"
	has_row "4 ffffffffc0395140 t dummy 96 yes c_start#4"
	[[ $output == *"HINT: say which with c_start#1 .. c_start#4, or NAME@ADDR or --addr ADDR"* ]]
	[[ $output == *"--module MOD"*"--all"* ]]
}

@test "ambiguous clones without a terminal: exit 3, with the names to give" {
	run kt attach walk </dev/null
	[ "$status" -eq 3 ]
	[[ $output == *"walk.constprop.0  (clone)"* ]]
	[[ $output == *"walk.part.0  (clone)"* ]]
	[[ $output == *"HINT: name one of them (walk.constprop.0, ...), or --all for all 2"* ]]
}

@test "a terminal on stdin but not on stderr is no terminal to ask on" {
	run PTY -- sh -c 'exec "$0" -k "$1" attach c_start --dry-run 2>"$2"' \
		"$KSYMTRACE" "$FIX/attach.kallsyms" "$BATS_TEST_TMPDIR/err"
	[ "$status" -eq 3 ]
	grep -q "there is no terminal to ask on" "$BATS_TEST_TMPDIR/err"
	[[ $output != *"which?"* ]]
}

@test "menu on a terminal: bad answers ask again, 1,3 takes two" {
	need_bpf
	run PTY 9 x '' 1,3 -- "$KSYMTRACE" -k "$FIX/attach.kallsyms" attach c_start --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"c_start: 4 functions have that name:"* ]]
	[[ $output == *"9 is not in the list: choose 1 to 4"* ]]
	[[ $output == *"'x' is not a number"* ]]
	[[ $output == *"nothing chosen: type a number from the list, a or q"* ]]
	[ "$(grep -c ' kprobe ' <<<"$output")" -eq 2 ]
	has_row "c_start#1 kprobe ffffffff81001400"
	has_row "c_start#3 kprobe ffffffff81001700"
}

@test "menu on a terminal: a takes all, ranges work" {
	need_bpf
	run PTY a -- "$KSYMTRACE" -k "$FIX/attach.kallsyms" attach c_start --dry-run
	[ "$status" -eq 0 ]
	[ "$(grep -c ' kprobe ' <<<"$output")" -eq 4 ]
	run PTY 2-3 -- "$KSYMTRACE" -k "$FIX/attach.kallsyms" attach c_start --dry-run
	[ "$status" -eq 0 ]
	[ "$(grep -c ' kprobe ' <<<"$output")" -eq 2 ]
	has_row "c_start#2 kprobe"
	has_row "c_start#3 kprobe"
}

@test "menu on a terminal: q and end of input quit with exit 3, nothing attached" {
	run PTY q -- "$KSYMTRACE" -k "$FIX/attach.kallsyms" attach c_start --dry-run
	[ "$status" -eq 3 ]
	[[ $output == *"c_start: nothing chosen: nothing attached"* ]]
	[[ $output != *" kprobe "* ]]
	run PTY EOF -- "$KSYMTRACE" -k "$FIX/attach.kallsyms" attach c_start --dry-run
	[ "$status" -eq 3 ]
	[[ $output == *"c_start: nothing chosen: nothing attached"* ]]
}

@test "one exact instance needs no question, even on a terminal" {
	need_bpf
	run PTY -- "$KSYMTRACE" -k "$FIX/attach.kallsyms" attach vfs_read --dry-run
	[ "$status" -eq 0 ]
	[[ $output != *"which?"* ]]
	has_row "vfs_read kprobe ffffffff81001010"
}

# ---- refusals (exit 1), each with its own line --------------------------------------

@test "refused: an offset past the end of the function, unless --force" {
	run kt attach vfs_read+0x1f0 --dry-run
	[ "$status" -eq 1 ]
	[[ ${lines[0]} == "ksymtrace: vfs_read+0x1f0: offset 0x1f0 is past the end of vfs_read (496 bytes): the kernel would put the probe in vfs_write" ]]
	[[ ${lines[1]} == "HINT: give an offset below 0x1f0, or --force to probe 0xffffffff81001200 anyway" ]]
	need_bpf
	run kt attach vfs_read+0x1f0 --force --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"warning: vfs_read+0x1f0: past the end of vfs_read"* ]]
}

@test "refused: any offset when the size is unknown (last symbol of a module), unless --force" {
	refused "dummy_last+0x4: the size of dummy_last is unknown (the last symbol of dummy)" dummy_last+4
	[[ $output == *"HINT: --force to probe 0xffffffffc03951a4 anyway"* ]]
	need_bpf
	run kt attach dummy_last --dry-run
	[ "$status" -eq 0 ]
}

@test "refused: a kretprobe at an offset, even with --force" {
	for spec in 'vfs_read+4%return' 'kretprobe:vfs_read+4'; do
		refused "vfs_read+0x4: a kretprobe goes on a function's entry, not at an offset" "$spec" --force
		[[ $output == *"HINT: drop +0x4 to trace vfs_read's return"* ]]
	done
	refused "a kretprobe goes on a function's entry" vfs_read+4 -r
}

@test "refusal: another name for the same address does not hide a refused spec" {
	need_bpf
	# vfs_read+0x1f0 is vfs_write's address: as %return it is still a kretprobe at an
	# offset, refused, even though vfs_write%return asks for the same place
	refused "vfs_read+0x1f0: a kretprobe goes on a function's entry, not at an offset" \
		'vfs_write%return' 'vfs_read+0x1f0%return'
	# as kprobes both are fine, and become one probe
	run kt attach vfs_write 'vfs_read+0x1f0' --force --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"vfs_read+0x1f0 is vfs_write's address: one probe there"* ]]
	[ "$(grep -c ' kprobe ' <<<"$output")" -eq 1 ]
}

@test "refused: a blacklisted function, even with --force" {
	refused "do_int3: in the kprobes blacklist (NOKPROBE_SYMBOL or a __kprobes section)" do_int3 --force
}

@test "refused: a notrace function, unless --force" {
	refused "native_sched_clock: not in available_filter_functions" native_sched_clock
	[[ $output == *"HINT: kprobes can hit some notrace code: --force to try anyway"* ]]
	need_bpf
	run kt attach native_sched_clock --force --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"native_sched_clock: notrace: probing it anyway (--force)"* ]]
}

@test "refused: __pfx_ padding and generated code" {
	refused "__pfx_vfs_read: __pfx_ symbols are the padding before a function, not code" __pfx_vfs_read
	[[ $output == *"HINT: probe vfs_read instead"* ]]
	refused "lives in [bpf], generated code" bpf_prog_6deef7357e7b4530_sd_fw_ingress
}

# ---- refusals at the final address: where sym+off lands, not only what was named --------

@test "final address: past the end into a blacklisted function is refused, even with --force" {
	# vfs_read+0x470 is do_int3, in the blacklist
	refused "vfs_read+0x470: lands in do_int3, in the kprobes blacklist (NOKPROBE_SYMBOL or a __kprobes section): the kernel refuses probes there, even with --force" \
		vfs_read+0x470 --force
	[[ $output == *"HINT: trace a caller of do_int3, or a function it calls"* ]]
	# no "probing it" before the refusal
	[[ $output != *"warning"* ]]
	refused "vfs_read+0x470: offset 0x470 is past the end of vfs_read (496 bytes): the kernel would put the probe in do_int3" \
		vfs_read+0x470
	[[ $output == *"HINT: give an offset below 0x1f0; 0xffffffff81001480 is in do_int3, blacklisted: not even --force probes there"* ]]
	refused "lands in do_int3+0x10, in the kprobes blacklist" vfs_read+0x480 --force
}

@test "final address: an offset into a function of unknown size that reaches [bpf] code is refused, even with --force" {
	# dummy_last is the last symbol of [dummy]; +0x6ae60 is a BPF program's image
	refused "dummy_last+0x6ae60: lands in bpf_prog_6deef7357e7b4530_sd_fw_ingress [bpf], generated code (BPF programs, ftrace or kprobe trampolines), not kernel text: kprobes cannot go there, even with --force" \
		dummy_last+0x6ae60 --force
	refused "lands in bpf_prog_6deef7357e7b4530_sd_fw_ingress+0x8 [bpf], generated code" dummy_last+0x6ae68 --force
	refused "dummy_last+0x6ae60: the size of dummy_last is unknown (the last symbol of dummy)" dummy_last+0x6ae60
	[[ $output == *"HINT: 0xffffffffc0400000 is in bpf_prog_6deef7357e7b4530_sd_fw_ingress [bpf], generated code: not even --force probes there"* ]]
}

@test "final address: padding and data past the end are refused, even with --force" {
	# _stext's 0x1000 bytes end where vfs_read's padding begins
	refused "_stext+0x1000: lands in __pfx_vfs_read, the padding before a function, not code" _stext+0x1000 --force
	[[ $output == *"HINT: probe vfs_read instead"* ]]
	[[ $output != *"warning"* ]]
	# without --force the offset is the mistake, and --force is not offered
	refused "_stext+0x1000: offset 0x1000 is past the end of _stext (4096 bytes): the kernel would put the probe in __pfx_vfs_read" \
		_stext+0x1000
	[[ $output == *"HINT: give an offset below 0x1000; 0xffffffff81001000 is in __pfx_vfs_read, padding: not even --force probes there"* ]]
	refused "show_cpuinfo+0x1c0: lands in init_task, a data symbol (kallsyms type 'D'), not code: kprobes cannot go there" \
		show_cpuinfo+0x1c0 --force
}

@test "final address: past the end into a notrace function needs --force for that too, and says so" {
	# vfs_read+0x4b0 is native_sched_clock, not in available_filter_functions
	refused "vfs_read+0x4b0: offset 0x4b0 is past the end of vfs_read (496 bytes): the kernel would put the probe in native_sched_clock" \
		vfs_read+0x4b0
	need_bpf
	run --separate-stderr kt attach vfs_read+0x4b0 --force --dry-run
	[ "$status" -eq 0 ]
	[[ $stderr == *"warning: vfs_read+0x4b0: past the end of vfs_read: probing 0xffffffff810014c0 in native_sched_clock (--force)"* ]]
	[[ $stderr == *"warning: vfs_read+0x4b0: lands in native_sched_clock, notrace: probing it anyway (--force)"* ]]
	has_row "vfs_read+0x4b0 kprobe ffffffff810014c0"
}

@test "final address: an offset that wraps past 2^64 is refused, even with --force" {
	refused "vfs_read+0xfffffffffffffff0: the offset wraps past the end of the address space (0xffffffff81001010 + 0xfffffffffffffff0): no function is that long" \
		vfs_read+0xfffffffffffffff0 --force
	[[ $output != *"__pfx_vfs_read"* ]]
	[[ $output != *"past the end of vfs_read"* ]]
	refused "wraps past the end of the address space" 'vfs_read+0xffffffffffffffff' --force
}

@test "every refusal is reported; --skip-failed goes on with the rest and lists them" {
	run kt attach do_int3 vfs_read native_sched_clock --dry-run
	[ "$status" -eq 1 ]
	[[ $output == *"do_int3: in the kprobes blacklist"* ]]
	[[ $output == *"native_sched_clock: not in available_filter_functions"* ]]
	[[ $output == *"HINT: --skip-failed goes on without the refused probes"* ]]
	need_bpf
	run kt attach do_int3 vfs_read native_sched_clock --skip-failed --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"skipping 2 of 3 probes: do_int3, native_sched_clock"* ]]
	[ "$(grep -c ' kprobe ' <<<"$output")" -eq 1 ]
	has_row "vfs_read kprobe"
}

@test "not found, not a function, no such module: exit 1" {
	refused "vfs_reed: no such symbol; did you mean: vfs_read?" vfs_reed
	refused "counter is not a function (kallsyms type 'd')" counter
	refused "no module 'nosuchmod'" nosuchmod:c_start
	refused "c_start has only 4 instances" 'c_start#9'
}

# ---- the kernel ----------------------------------------------------------------------

@test "this machine without kprobes: attach says CONFIG_KPROBES, not ENOENT" {
	[[ ! -e /sys/bus/event_source/devices/kprobe ]] || skip "this kernel has kprobes"
	unset KSYMTRACE_SYSROOT
	run "$KSYMTRACE" attach vfs_read -d 1
	[ "$status" -eq 1 ]
	[[ ${lines[0]} == "ksymtrace: "*"CONFIG_KPROBES"* ]]
	[[ $output != *"No such file"* ]]
}

@test "no kprobe PMU: the build config names the missing option" {
	export KSYMTRACE_SYSROOT
	KSYMTRACE_SYSROOT=$(no_kprobes_sysroot '# CONFIG_KPROBES is not set')
	run kt attach vfs_read
	[ "$status" -eq 1 ]
	[[ ${lines[0]} == "ksymtrace: this kernel was built without CONFIG_KPROBES: it cannot place kprobes at all" ]]
	[[ ${lines[1]} == "HINT: "*"CONFIG_KPROBES=y"* ]]
	rm -rf "$KSYMTRACE_SYSROOT"
	KSYMTRACE_SYSROOT=$(no_kprobes_sysroot "$(printf 'CONFIG_KPROBES=y\n# CONFIG_KPROBE_EVENTS is not set')")
	run kt attach vfs_read
	[ "$status" -eq 1 ]
	[[ $output == *"built without CONFIG_KPROBE_EVENTS"* ]]
}

@test "no kprobe PMU: the config beside the modules (Debian 6.19+, no /boot/config-*) names it too" {
	export KSYMTRACE_SYSROOT
	KSYMTRACE_SYSROOT=$(no_kprobes_sysroot)
	mkdir -p "$KSYMTRACE_SYSROOT/usr/lib/modules/$(uname -r)"
	echo '# CONFIG_KPROBES is not set' >"$KSYMTRACE_SYSROOT/usr/lib/modules/$(uname -r)/config"
	run kt attach vfs_read
	[ "$status" -eq 1 ]
	[[ ${lines[0]} == "ksymtrace: this kernel was built without CONFIG_KPROBES: it cannot place kprobes at all" ]]
}

@test "no kprobe PMU and no config: said from sysfs and tracefs" {
	export KSYMTRACE_SYSROOT
	KSYMTRACE_SYSROOT=$(no_kprobes_sysroot)
	run kt attach vfs_read
	[ "$status" -eq 1 ]
	[[ $output == *"no kprobe PMU in /sys/bus/event_source/devices and no kprobe_events in tracefs"* ]]
	mkdir -p "$KSYMTRACE_SYSROOT/sys/kernel/tracing"
	touch "$KSYMTRACE_SYSROOT/sys/kernel/tracing/kprobe_events"
	run kt attach vfs_read
	[ "$status" -eq 1 ]
	[[ $output == *"kprobe_events but no kprobe PMU"*"older than Linux 4.17"* ]]
}

@test "without kprobes, --dry-run still resolves, checks, loads and says what it could not verify" {
	need_bpf
	export KSYMTRACE_SYSROOT
	KSYMTRACE_SYSROOT=$(no_kprobes_sysroot '# CONFIG_KPROBES is not set')
	run kt attach c_start#1 --dry-run
	[ "$status" -eq 0 ]
	has_row "c_start#1 kprobe ffffffff81001400"
	[[ $output == *"not verified: that the kernel takes each address (instruction boundary, its own blacklist), because this kernel was built without CONFIG_KPROBES"* ]]
	run kt attach vfs_read+0x1f0 --dry-run
	[ "$status" -eq 1 ]
}

@test "without the capabilities: one line naming them" {
	need_bpf
	command -v setpriv >/dev/null || skip "no setpriv"
	run setpriv --bounding-set=-bpf,-perfmon,-sys_admin --inh-caps=-bpf,-perfmon,-sys_admin \
		"$KSYMTRACE" -k "$FIX/attach.kallsyms" attach vfs_read --dry-run
	[ "$status" -eq 1 ]
	[[ ${lines[0]} == "ksymtrace: not allowed to load BPF programs: ksymtrace needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN" ]]
	[[ ${lines[1]} == "HINT: run as root"* ]]
}

@test "without attach cookies, kretprobes need current_kprobe in the table" {
	need_bpf
	grep -v -e current_kprobe "$FIX/attach.kallsyms" >"$BATS_TEST_TMPDIR/t"
	printf 'ffffffff81004000 D __per_cpu_offset\n' >>"$BATS_TEST_TMPDIR/t"
	KSYMTRACE_FORCE_ADDR_IDS=1 run "$KSYMTRACE" -k "$BATS_TEST_TMPDIR/t" attach 'vfs_read%return' --dry-run
	[ "$status" -eq 1 ]
	[[ $output == *"tells kretprobes apart through current_kprobe and __per_cpu_offset, and the symbol table lacks current_kprobe"* ]]
	printf '0000000000020458 A current_kprobe\n' >>"$BATS_TEST_TMPDIR/t"
	KSYMTRACE_FORCE_ADDR_IDS=1 run "$KSYMTRACE" -k "$BATS_TEST_TMPDIR/t" attach 'vfs_read%return' vfs_read --dry-run
	[ "$status" -eq 0 ]
	[[ $output == *"probes are told apart by address lookup (KSYMTRACE_FORCE_ADDR_IDS=1)"* ]]
}

@test "a -k table from another boot is refused before attaching: its addresses are not this kernel's" {
	mkdir -p "$KPROBES/proc"
	# the running kernel's table: the dummy module was reloaded elsewhere
	sed 's/^ffffffffc0395140 t c_start/ffffffffc0495140 t c_start/' "$FIX/attach.kallsyms" >"$KPROBES/proc/kallsyms"
	run kt attach vfs_read c_start#4 -d 1
	[ "$status" -eq 1 ]
	[[ ${lines[0]} == "ksymtrace: c_start [dummy] is at 0xffffffffc0395140 in $FIX/attach.kallsyms but not in the running kernel: "* ]]
	[[ $output == *"HINT: attaching by those addresses would probe whatever code is there now"* ]]
	[[ $output != *"vfs_read [vmlinux]"* ]]
	# a kernel that hides its addresses cannot vouch for the file either
	sed 's/^[0-9a-f]\{16\}/0000000000000000/' "$FIX/attach.kallsyms" >"$KPROBES/proc/kallsyms"
	run kt attach vfs_read -d 1
	[ "$status" -eq 1 ]
	[[ $output == *"hides its addresses (kptr_restrict): cannot check that"* ]]
}

# ---- usage (exit 2) --------------------------------------------------------------------

@test "usage errors exit 2 with one line" {
	# ARGS | the line that says why
	local -a bad=(
		'attach|give at least one SPEC: NAME, NAME+OFF, MOD:NAME, NAME#N, NAME@ADDR or ADDR'
		'attach vfs_read --follow|--follow follows the process of -c CMD: give -c'
		'attach vfs_read --follow -p 1 -c true|--follow and -p both choose the process: give one'
		'attach c_start --all --addr 0xffffffff81001400|--all takes every instance and --addr one: give one'
		'attach vfs_read vfs_write --addr 0xffffffff81001010|--addr picks one instance of one SPEC: with several, write NAME@ADDR in each'
		'attach vfs_read --count --stack|--count prints no events, so no stacks: drop --stack or --count'
		'attach vfs_read --count -n 5|--count prints no events, so -n has nothing to count: use -d or -c'
		"attach vfs_read -b 1000K|--ringbuf-size '1000K': the kernel wants a power of two: 512K or 1024K"
		"attach vfs_read -b 1|--ringbuf-size '1': at least one page (4K)"
		"attach vfs_read -b 2G|--ringbuf-size '2G': give a size from 4K to 1G"
		"attach vfs_read -d 0|-d '0': give a number of seconds greater than 0, such as 5 or 0.5"
		"attach vfs_read -d soon|-d 'soon': give a number of seconds greater than 0, such as 5 or 0.5"
		"attach vfs_read -n 0|-n '0': give a number of events, 1 or more"
		"attach vfs_read -p 0|-p '0': give a process id"
		"attach vfs_read%retrun|vfs_read%retrun: unknown suffix '%retrun': the only one is %return"
		"attach vfs_read+0xzz|vfs_read+0xzz: bad offset after '+' '0xzz': use decimal or 0x-hex digits"
	)
	local row
	for row in "${bad[@]}"; do
		run --separate-stderr kt ${row%%|*}
		assert_usage "${row#*|}" || { echo "ksymtrace ${row%%|*}"; return 1; }
	done
}

@test "--ringbuf-size takes KiB, K, M and G" {
	need_bpf
	for size in 64 256K 8M 1G; do
		run kt attach vfs_read -b "$size" --dry-run
		[ "$status" -eq 0 ]
	done
}

@test "-p names a process that exists" {
	refused "-p 4194304: no such process" vfs_read -p 4194304
}

@test "--help lists every attach option" {
	run "$KSYMTRACE" attach --help
	[ "$status" -eq 0 ]
	for opt in --ret --all --addr --module --force --skip-failed --dry-run --pid --comm --stack \
		--count --ringbuf-size --duration --max-events --cmd --follow; do
		[[ $output == *"$opt"* ]] || { echo "missing $opt"; return 1; }
	done
}
