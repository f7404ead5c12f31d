# shellcheck shell=bash
# Helpers for the bats files in tests/vm. They run as root inside the test VM that
# scripts/vm-run boots (DESIGN §5): the host's root is the guest's root, so the build tree,
# bats, binutils, python3 and iproute2 are the host's. Load with `load helpers`.

# The binary under test: $KSYMTRACE, else the build tree beside the sources.
KSYMTRACE=${KSYMTRACE:-$(realpath -m "$BATS_TEST_DIRNAME/../../build/ksymtrace")}

# require_vm — skip unless running inside scripts/vm-run's VM: these tests load modules and
# attach kprobes for real, which no test may do on a developer's own kernel.
require_vm() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || skip "runs inside the test VM: scripts/vm-run"
}

# require_ksymtrace — fail clearly when the binary has not been built.
require_ksymtrace() {
	[[ -x $KSYMTRACE ]] || {
		echo "no ksymtrace binary at $KSYMTRACE: build it first (or set KSYMTRACE)" >&2
		return 1
	}
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
	awk -v name="$1" -v mod="${2-}" '
		$3 == name && $2 ~ /^[tT]$/ {
			m = ($4 == "") ? "vmlinux" : substr($4, 2, length($4) - 2)
			if (mod == "" || mod == m) print "0x" $1
		}' "$KSYMS_FILE" | sort
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

# --- registered kprobes ----------------------------------------------------------------------

# kprobes_list — the kernel's list of registered kprobes, one per line:
# "ADDR  k|r  SYMBOL+OFFSET  [FLAGS]" (k kprobe, r kretprobe; FLAGS such as [FTRACE],
# [DISABLED], [GONE]). Needs debugfs, which the VM mounts.
kprobes_list() {
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
	python3 "$BATS_TEST_DIRNAME/pty_run.py" "$@"
}
