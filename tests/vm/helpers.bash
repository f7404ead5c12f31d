# shellcheck shell=bash
# Helpers for the bats files in tests/vm. They run as root inside the test VM that
# scripts/vm-run boots (DESIGN §5): the host's root is the guest's root, so the build tree,
# bats, binutils, python3 and iproute2 are the host's. Load with `load helpers`.

# ksym_snapshot copies /proc/kallsyms and kcore_disasm kernel text: files for the owner only.
umask 077

# The binary under test: $KSYMTRACE, else the test build beside the sources (ksymtrace with
# its test hooks, such as KSYMTRACE_FORCE_ADDR_IDS: -DKSYMTRACE_TEST_HOOKS=ON, which
# scripts/test.sh sets).
# (No subshell here: this file is sourced again for every test, and under TCG each fork
# costs ~0.1 s. bats makes BATS_TEST_DIRNAME absolute: this checkout's tests/vm.)
VM_CHECKOUT=${BATS_TEST_DIRNAME%/tests/vm}
KSYMTRACE=${KSYMTRACE:-$VM_CHECKOUT/build/ksymtrace-test}

# The bats helper library users load (bats/ksymtrace/load.bash): these tests read hits and
# return values with it, so that it runs on every kernel. It runs $KSYMTRACE too.
BATS_LIB_PATH=$VM_CHECKOUT/bats bats_load_library ksymtrace

# require_vm — skip unless running inside scripts/vm-run's VM: these tests load modules and
# attach kprobes for real, which no test may do on a developer's own kernel.
require_vm() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || skip "runs inside the test VM: scripts/vm-run"
}

# require_ksymtrace — fail clearly when the binary has not been built.
require_ksymtrace() {
	[[ -x $KSYMTRACE ]] || {
		echo "no ksymtrace binary at $KSYMTRACE: build it first, with -DKSYMTRACE_TEST_HOOKS=ON (or set KSYMTRACE)" >&2
		return 1
	}
}

# missed_none — the summary's MISSED column, as a regex, for a probe that missed nothing: 0,
# or ? before Linux 6.7, whose kernel keeps no missed count for BPF's kprobes.
missed_none() {
	if kernel_at_least 6.7; then echo 0; else echo '\?'; fi
}

# attach_setup — setup() of a file whose tests attach: in the VM, with the binary built, the
# probes registered before the test noted (kprobes_baseline); T is the test's directory.
attach_setup() {
	require_vm
	require_ksymtrace
	kprobes_baseline
	T=$BATS_TEST_TMPDIR
}

# c_start_setup_file — setup_file() of a file whose tests probe the three c_start functions:
# the symbol table's copy and c_start_vars. Outside the VM it does nothing (bats 1.8 cannot
# skip in setup_file: attach_setup does).
c_start_setup_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0
	ksym_snapshot
	c_start_vars
}

# kernel_at_least MAJOR.MINOR — compare the running kernel's version.
kernel_at_least() {
	local want=$1 have
	have=$(uname -r)
	have=${have%%-*}
	[[ $(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1) == "$want" ]]
}

# --- the symbol table ------------------------------------------------------------------------

# Generating /proc/kallsyms takes about a second under TCG (100,000-170,000 lines), so the
# helpers below read $KSYMS_FILE: /proc/kallsyms unless ksym_snapshot saved a copy.
KSYMS_FILE=${KSYMS_FILE:-/proc/kallsyms}

# ksym_snapshot — save /proc/kallsyms once (e.g. in setup_file, after loading modules) and
# point KSYMS_FILE at the copy; take a new one after loading or unloading a module.
ksym_snapshot() {
	KSYMS_FILE=${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/kallsyms
	cat /proc/kallsyms >"$KSYMS_FILE"
	export KSYMS_FILE
}

# ksym_addrs NAME [MODULE] — every text-symbol address of NAME as 0x…, in address order;
# MODULE "vmlinux" means the core kernel, empty means anywhere.
ksym_addrs() {
	# grep -F first: under TCG it reads the table in a quarter of the time awk takes
	grep -F -- " $1" "$KSYMS_FILE" | awk -v name="$1" -v mod="${2-}" '
		$3 == name && $2 ~ /^[tT]$/ {
			m = ($4 == "") ? "vmlinux" : substr($4, 2, length($4) - 2)
			if (mod == "" || mod == m) print "0x" $1
		}' | sort
}

# ksym_addr NAME [N [MODULE]] — the Nth (1-based, address order) address of NAME.
ksym_addr() {
	ksym_addrs "$1" "${3-}" | sed -n "${2:-1}p" | grep .
}

# ksym_size ADDR — bytes from ADDR to the next higher symbol address of the same module (the
# rule of DESIGN §4), at most 64 KiB. On 6.2+ the next symbol is the __pfx_ padding of the
# following function, so the padding is not counted.
ksym_size() {
	local a=${1#0x}
	a=$(printf '%016x' "0x$a")
	awk -v a="$a" '
		$1 == a && !found { mod = $4; found = 1 }
		{ addr[NR] = $1; m[NR] = $4 }
		END {
			best = ""
			for (i = 1; i <= NR; i++)
				if (m[i] == mod && addr[i] > a && (best == "" || addr[i] < best)) best = addr[i]
			if (!found || best == "") exit 1
			print best
		}' "$KSYMS_FILE" | {
		local next
		read -r next || return 1
		local size=$((0x$next - 0x$a))
		((size > 65536)) && size=65536
		echo "$size"
	}
}

# --- live kernel text, from /proc/kcore ------------------------------------------------------

# kcore_read ADDR LEN FILE — copy LEN bytes of live kernel memory at ADDR (vmlinux or module
# text) into FILE. /proc/kcore is an ELF core file: find the LOAD segment holding ADDR with
# readelf and read just those bytes with dd. (objdump --start-address on /proc/kcore itself
# also works, but reads the whole segment first: 52 MB for vmlinux text and 1 GiB for the
# module area on 6.1, 12 s under TCG.)
kcore_read() {
	local addr=$(($1)) len=$2 file=$3 off vaddr filesz d
	while read -r off vaddr filesz; do
		# Kernel addresses are "negative" in bash's signed 64-bit arithmetic: compare offsets.
		d=$((addr - vaddr))
		if ((d >= 0 && d + len <= filesz)); then
			dd if=/proc/kcore of="$file" bs=4096 iflag=skip_bytes,count_bytes \
				skip=$((off + d)) count="$len" status=none
			return
		fi
	done < <(readelf -lW /proc/kcore | awk '$1 == "LOAD" { print $2, $3, $5 }')
	echo "kcore_read: $1 is in no /proc/kcore segment" >&2
	return 1
}

# kcore_disasm ADDR LEN — objdump of the live instructions in [ADDR, ADDR+LEN), one per line
# ("ffffffff815669e0:<TAB>0f 1f 44 00 00<TAB>nopl 0x0(%rax,%rax,1)"). Decode from a
# function's start: x86 can only be decoded forwards from a known boundary. The bytes are the
# live ones, so call it before attaching: a registered kprobe shows as int3 (0xcc).
kcore_disasm() {
	local addr=$(($1)) len=$2 tmp rc=0
	tmp=$(mktemp)
	kcore_read "$addr" "$len" "$tmp" || rc=$?
	if ((rc == 0)); then
		objdump -D -b binary -m i386:x86-64 --insn-width=15 \
			--adjust-vma="$(printf '0x%x' "$addr")" "$tmp" |
			awk -F'\t' '$1 ~ /^ *[0-9a-f]+:$/ && NF >= 3'
	fi
	rm -f "$tmp"
	return "$rc"
}

# insn_offsets SYM_OR_ADDR [SIZE] — the offset (0x…) of every instruction boundary in a
# function, from its start up to SIZE (default: ksym_size). A name must be unique; pass an
# address (ksym_addr NAME N) for a duplicated one.
insn_offsets() {
	local addr size
	if [[ $1 == 0x* ]]; then addr=$1; else addr=$(ksym_addr "$1") || return 1; fi
	size=${2:-$(ksym_size "$addr")} || return 1
	kcore_disasm "$addr" "$size" | awk -F'\t' '
		{ a = $1; sub(/^ */, "", a); sub(/:$/, "", a); print a }' |
		while read -r a; do printf '0x%x\n' $((0x$a - addr)); done
}

# insn_boundary SYM_OR_ADDR N — the offset of the Nth instruction (N=1 is offset 0).
insn_boundary() {
	insn_offsets "$1" | sed -n "${2}p" | grep .
}

# insn_not_boundary SYM_OR_ADDR — an offset inside the function that is not an instruction
# boundary (one byte into the first instruction longer than one byte), for EILSEQ tests.
insn_not_boundary() {
	local prev='' off
	while read -r off; do
		if [[ -n $prev ]] && (( off - prev > 1 )); then
			printf '0x%x\n' $((prev + 1))
			return 0
		fi
		prev=$off
	done < <(insn_offsets "$1")
	return 1
}

# insn_entry_site SYM_OR_ADDR — "OFFSET LENGTH" (OFFSET 0x…) of an instruction that runs on
# every call of the function: the last one of the entry block (what comes before the first
# jump, call or return) that is longer than one byte and not a no-op (the ftrace site, a
# sealed ENDBR) or an ENDBR; never offset 0. A probe there fires exactly as often as one at
# +0, and OFFSET+1 is inside an instruction.
insn_entry_site() {
	local addr a len
	if [[ $1 == 0x* ]]; then addr=$1; else addr=$(ksym_addr "$1") || return 1; fi
	read -r a len < <(kcore_disasm "$addr" 96 | awk -F'\t' '
		{
			a = $1; sub(/^ */, "", a); sub(/:$/, "", a)
			bytes = $2; gsub(/^ +| +$/, "", bytes); n = split(bytes, b, / +/)
			m = $3; sub(/^ +/, "", m)
			if (m ~ /^(j|call|ret|lret|iret|sysret|ud[0-9]|int|hlt|loop|bnd|notrack|\(bad\))/) exit
			if (NR > 1 && n > 1 && m !~ /nop|xchg +%ax,%ax|endbr/) { site = a; len = n }
		}
		END { if (site != "") print site, len }')
	[[ -n $a ]] || { echo "insn_entry_site: no instruction to probe in $1's entry block" >&2; return 1; }
	printf '0x%x %d\n' $((0x$a - addr)) "$len"
}

# --- registered kprobes ----------------------------------------------------------------------

# kprobes_list — the kernel's list of registered kprobes, one per line:
# "ADDR  k|r  SYMBOL+OFFSET  [FLAGS]" (k kprobe, r kretprobe; FLAGS such as [FTRACE],
# [DISABLED], [GONE]). Needs debugfs, which the VM mounts; fails loudly without it, so
# that "no probe left" cannot pass by reading nothing twice.
kprobes_list() {
	[[ -r /sys/kernel/debug/kprobes/list ]] || {
		echo "kprobes_list: /sys/kernel/debug/kprobes/list is not readable (debugfs not mounted?)" >&2
		return 1
	}
	cat /sys/kernel/debug/kprobes/list
}

# kprobes_count — how many kprobes are registered now.
kprobes_count() {
	kprobes_list | grep -c . || true
}

# kprobes_at ADDR — the registered kprobes at ADDR (exit 1 when there are none).
kprobes_at() {
	local a
	a=$(printf '%016x' "$(($1))")
	kprobes_list | grep "^$a "
}

# --- terminals -------------------------------------------------------------------------------

# pty_run [--expect REGEX --send TEXT]... [--timeout SEC] -- CMD [ARG...] — run CMD with a
# pseudo-terminal as its stdin, stdout and stderr (what ksymtrace's interactive menu
# needs), send each TEXT once the output so far matches the REGEX before it, print all the
# output (CR LF as LF; the terminal echoes what was typed), and exit with CMD's status, or
# 124 on timeout (default 30 s). Example:
#   run pty_run --expect 'choice' --send $'2\n' -- "$KSYMTRACE" attach c_start -c true
pty_run() {
	python3 "$BATS_TEST_DIRNAME/../pty_run.py" "$@"
}

# --- running ksymtrace -----------------------------------------------------------------------

# kt ARGS... — the binary under test, with stdin from /dev/null (so no terminal to ask on),
# killed after KT_TIMEOUT seconds (default 120): a hang fails one test, not the kernel's run.
kt() {
	timeout -k 5 "${KT_TIMEOUT:-120}" "$KSYMTRACE" "$@" </dev/null
}

# kt_run ARGS... — kt, with the exit status in $status, stdout in $out and stderr in $err.
# Both are echoed, so that bats shows them when the test fails. With -j, the helper
# library's readers and assertions (ksymtrace_hits, assert_probe_hits...) read the run.
# shellcheck disable=SC2034 # out and err are for the test that calls it
kt_run() {
	local o=$BATS_TEST_TMPDIR/kt.out e=$BATS_TEST_TMPDIR/kt.err
	status=0
	kt "$@" >"$o" 2>"$e" || status=$?
	out=$(<"$o") err=$(<"$e")
	[[ $1 != -j ]] || ksymtrace_load "$o"
	printf '$ ksymtrace %s\nexit %d\n--- stderr:\n%s\n--- stdout (head):\n' "$*" "$status" "$err"
	head -n 30 "$o"
}

# live — a command to put first in a -c command ("$(live); cat ..."): it saves the kprobes
# registered while the command runs, that is once every probe is attached, for live_has.
live() {
	printf 'cat /sys/kernel/debug/kprobes/list >%q' "$BATS_TEST_TMPDIR/live"
}

# live_has ADDR [k|r] — live saw a probe of that kind (default k) at exactly ADDR.
live_has() {
	live_find "$1" "$1" "${2:-k}"
}

# live_has_entry ADDR [k|r] — the same for a probe at a function's entry ADDR, which may sit
# at ADDR+4: since 5.18 a probe at +0 of a function that starts with ENDBR is put after it.
live_has_entry() {
	live_find "$1" $(($1 + 4)) "${2:-k}"
}

live_find() {
	local a b
	a=$(printf '%016x' "$(($1))") b=$(printf '%016x' "$(($2))")
	awk -v a="$a" -v b="$b" -v k="$3" '($1 == a || $1 == b) && $2 == k { f = 1 } END { exit !f }' \
		"$BATS_TEST_TMPDIR/live" || {
		printf 'no %s probe at 0x%s in:\n' "$3" "$a"
		cat "$BATS_TEST_TMPDIR/live"
		return 1
	}
}

# live_new — the lines live saved that were not registered before the test (kprobes_baseline).
live_new() {
	grep -vxF -f <(printf '%s' "${KPROBES_BEFORE-}") "$BATS_TEST_TMPDIR/live" || true
}

# kprobes_baseline / no_probes_left — what was registered before a test, and a check that
# exactly that is registered now (call it after ksymtrace has exited).
# kprobes_wait_new N — wait up to 60 s until N more probes than the baseline are registered.
kprobes_baseline() {
	KPROBES_BEFORE=$(kprobes_list) || return 1
}
kprobes_wait_new() {
	local i n
	for ((i = 0; i < 600; i++)); do
		n=$(grep -cvxF -f <(printf '%s' "${KPROBES_BEFORE-}") /sys/kernel/debug/kprobes/list || true)
		((n >= $1)) && return 0
		sleep 0.1
	done
	echo "kprobes_wait_new: $n of $1 probes registered after 60 s"
	return 1
}
no_probes_left() {
	local now
	now=$(kprobes_list) || return 1
	[[ -v KPROBES_BEFORE ]] || { echo "no_probes_left: no kprobes_baseline was taken"; return 1; }
	[[ $now == "${KPROBES_BEFORE-}" ]] || {
		printf 'probes left behind:\n%s\n' "$(diff <(echo "${KPROBES_BEFORE-}") <(echo "$now"))"
		return 1
	}
}

# ksymtrace_stop_left — stop every ksymtrace (or ksymtrace-test) still running (a failed test's background
# attach), TERM then KILL after 10 s, and wait until each is gone. Call it from teardown:
# a probe left attached poisons the tests after it (cache.bats: an ftrace-based probe keeps
# the kernel listing a module's freed init symbols; scale.bats: its tracefs events stay).
ksymtrace_stop_left() {
	local p c pids=() i
	for p in /proc/[0-9]*; do
		c=
		read -r c 2>/dev/null <"$p/comm" || true
		[[ $c == ksymtrace* ]] && pids+=("${p#/proc/}")
	done
	((${#pids[@]})) || return 0
	echo "teardown: stopping ksymtrace left running: ${pids[*]}"
	kill -TERM "${pids[@]}" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		# the test's shell may be its parent and not have reaped it: a zombie is gone
		for p in "${pids[@]}"; do
			grep -qs '^State:[[:space:]]*[^Z]' "/proc/$p/status" && break
			p=
		done
		[[ -z $p ]] && return 0
		sleep 0.1
	done
	kill -KILL "${pids[@]}" 2>/dev/null || true
	sleep 0.5
}

# ksym_nearest NAME ANCHOR — the address of the instance of NAME closest to the unique symbol
# ANCHOR: which c_start serves /proc/cpuinfo (show_cpuinfo's file) or /proc/consoles
# (show_console_dev's), told from the symbol table alone.
ksym_nearest() {
	local anchor best='' bd=-1 a d
	anchor=$(ksym_addr "$2") || return 1
	for a in $(ksym_addrs "$1"); do
		d=$((a - anchor))
		((d < 0)) && d=$((-d))
		if ((bd < 0 || d < bd)); then best=$a bd=$d; fi
	done
	[[ -n $best ]] && echo "$best"
}

# c_start_vars — export what the tests need to know of the three c_start (DESIGN §1), once
# per file (setup_file, after ksym_snapshot): CS_ALL their addresses in address order (c_start#1
# first), CS_CPU and CS_CPU_N the address and number of the one behind /proc/cpuinfo, CS_CON
# and CS_CON_N those of the one behind /proc/consoles.
c_start_vars() {
	CS_ALL=$(ksym_addrs c_start | paste -sd ' ')
	[[ -n $CS_ALL ]] || { echo "c_start_vars: no c_start in $KSYMS_FILE" >&2; return 1; }
	CS_CPU=$(ksym_nearest c_start show_cpuinfo) || return 1
	CS_CON=$(ksym_nearest c_start show_console_dev) || return 1
	CS_CPU_N=$(ksym_index c_start "$CS_CPU") || return 1
	CS_CON_N=$(ksym_index c_start "$CS_CON") || return 1
	export CS_ALL CS_CPU CS_CON CS_CPU_N CS_CON_N
}

# ksym_index NAME ADDR — N such that NAME#N is the instance at ADDR (address order).
ksym_index() {
	ksym_addrs "$1" | awk -v a="$2" '$1 == a { print NR; f = 1 } END { exit !f }'
}
