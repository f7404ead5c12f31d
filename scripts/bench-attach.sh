#!/usr/bin/env bash
# Attach time and event throughput, ksymtrace side by side with bpftrace, in one run
# on one kernel (DESIGN.md §6: ratios measured together, never timed tests).
#
#   scripts/bench-attach.sh                         # as root, on a kernel with kprobes
#   scripts/vm-run -k 6.1 --with-bpftrace -- scripts/bench-attach.sh  # in the test VM
#   scripts/vm-run -k latest --with-bpftrace -- env BENCH_SIZES='1 100' scripts/bench-attach.sh
# The header names the kernel (uname -r, and the VM's series): compare figures of one kernel.
#
# 1. Attach: N distinct functions (N = 1, 100, 1000 by default), counted per probe:
#      ksymtrace attach --count F1..FN -c CMD    vs    bpftrace 'kprobe:F1,... { @[probe] = count(); }' -c CMD
#    "attach" is the time from start until CMD runs (both start it once every probe
#    is attached), "total" until the tool has exited (detached and printed counts).
# 2. Glob: every function of BENCH_GLOB (default ext4_*, the ext4 module loaded if it
#    is not), as each tool expands a wildcard:
#      ksymtrace attach --count 'GLOB' -c CMD    vs    bpftrace 'kprobe:GLOB { @[func] = count(); }' -c CMD
#    Both use kprobe_multi links where the kernel has them (6.12: CONFIG_FPROBE),
#    else one perf kprobe per function. "detach" is total - attach: from CMD's start
#    (date, which ends at once) until the tool has exited.
# 3. Events: dd reads one byte at a time (one vfs_read per byte); both tools print
#    one line per call of dd's, with time, CPU, comm, pid/tid, probe and six
#    arguments, to a file. Throughput is events delivered / the time from dd's start
#    until the tool has printed them all and exited; ring buffers are the same size
#    (32 MiB in all) and large enough that no event need be lost (lost ones are shown).
#
# Environment: KSYMTRACE (binary, default build/ksymtrace), BENCH_SIZES ("1 100 1000"),
# BENCH_GLOB (ext4_*; empty: no glob case),
# BENCH_EVENTS (dd's reads, default 200000), BPFTRACE (default bpftrace).
# Functions are picked from the running kernel: unique names, in available_filter_functions,
# not blacklisted, core kernel, from quiet subsystems (no scheduler, locking, memory).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KSYMTRACE=${KSYMTRACE:-$ROOT/build/ksymtrace}
BPFTRACE=${BPFTRACE:-bpftrace}
SIZES=${BENCH_SIZES-1 100 1000} # empty: events only
GLOB=${BENCH_GLOB-ext4_*}
EVENTS=${BENCH_EVENTS:-200000} # 200000 events fit a 32 MiB ring: none need be lost
# what the tools print holds this boot's kernel addresses: for the owner only,
# and removed on every way out (bash runs no EXIT trap on a signal it does not trap)
umask 077
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

die() {
	echo "bench-attach: $*" >&2
	exit 1
}

[[ $(id -u) -eq 0 ]] || die "run as root: attaching kprobes needs it"
[[ -x $KSYMTRACE ]] || die "no $KSYMTRACE: build first (cmake --build build)"
command -v "$BPFTRACE" >/dev/null || die "no bpftrace: apt-get install bpftrace (Debian 12: 0.17)"
[[ -e /sys/bus/event_source/devices/kprobe ]] || die "this kernel has no kprobe PMU: run in the VM (scripts/vm-run)"
command -v jq >/dev/null || die "needs jq"

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# Both tools open 2 descriptors per probe; bpftrace does not raise the limit itself.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# bpftrace makes one BPF program per probe when the program uses `probe`.
export BPFTRACE_MAX_BPF_PROGS=5000 BPFTRACE_MAX_PROBES=5000
# 32 MiB of ring: ksymtrace's one ring buffer, bpftrace's perf buffers across CPUs.
NCPU=$(nproc)
export BPFTRACE_PERF_RB_PAGES=$((32 * 1024 * 1024 / 4096 / NCPU))

pick_functions() { # N
	"$KSYMTRACE" -j list --traceable 2>/dev/null |
		jq -r 'select(.count == 1 and .traceable == true and .module == "vmlinux") | .name' |
		grep -E '^(ext4_|proc_|seq_|kernfs_|sysfs_|debugfs_|tty_|pci_|acpi_|input_|crypto_|blk_|scsi_|netlink_|rtnl_|ethtool_|cpufreq_|thermal_|serial_|vt_|fb_|hid_|usb_|efi_|dmi_|firmware_|kobject_|driver_|bus_|class_|device_)[a-z0-9_]+$' |
		head -n "$1"
}

# The kernel first: figures from different kernels (and the VM's TCG) are not comparable.
echo "== kernel $(uname -r)${KSYMTRACE_VM_KERNEL:+ (test VM: scripts/vm-run -k $KSYMTRACE_VM_KERNEL, TCG)}, $NCPU CPUs; ksymtrace $("$KSYMTRACE" --version | awk '{print $2}'), $("$BPFTRACE" --version)"
pick_functions 100000 >"$WORK/all"
echo "   $(wc -l <"$WORK/all") candidate functions"

printf '\n== attach: time until the command runs (attach), until the tool exits (total), seconds\n'
printf '%6s  %10s %10s  %10s %10s  %8s %8s\n' N ksym-att bpft-att ksym-total bpft-total att-x tot-x
for n in $SIZES; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "BENCH_SIZES: '$n' is not a number of probes"
	head -n "$n" "$WORK/all" >"$WORK/f"
	[[ $(wc -l <"$WORK/f") -eq $n ]] || die "only $(wc -l <"$WORK/f") functions to pick from, not $n"

	# ksymtrace
	t0=$(now)
	"$KSYMTRACE" attach --count $(cat "$WORK/f") -c "date +%s.%N >$WORK/k.go" >"$WORK/k.out" 2>"$WORK/k.err" ||
		die "ksymtrace failed: $(head -3 "$WORK/k.err")"
	t1=$(now)
	k_att=$(sub "$(cat "$WORK/k.go")" "$t0")
	k_tot=$(sub "$t1" "$t0")

	# bpftrace: the same probes, hits per probe
	{
		sed -e 's/^/kprobe:/' -e '$!s/$/,/' "$WORK/f"
		echo '{ @[probe] = count(); }'
	} >"$WORK/p.bt"
	t0=$(now)
	"$BPFTRACE" "$WORK/p.bt" -c "$(command -v date) +%s.%N" >"$WORK/b.out" 2>"$WORK/b.err" ||
		die "bpftrace failed: $(head -3 "$WORK/b.err")"
	t1=$(now)
	b_go=$(grep -m1 -E '^[0-9]+\.[0-9]+$' "$WORK/b.out") || die "bpftrace did not run the command"
	b_att=$(sub "$b_go" "$t0")
	b_tot=$(sub "$t1" "$t0")
	printf '%6s  %10s %10s  %10s %10s  %8s %8s\n' "$n" "$k_att" "$b_att" "$k_tot" "$b_tot" \
		"$(ratio "$b_att" "$k_att")" "$(ratio "$b_tot" "$k_tot")"
done
echo "   att-x, tot-x: bpftrace's time / ksymtrace's (above 1: ksymtrace is faster)"

# bench_glob: ksymtrace's and bpftrace's wildcard over the same functions
bench_glob() {
	local t0 t1 k_n b_n k_att k_tot b_att b_tot b_go
	# ext4 is a module in Debian's kernels, not loaded in the test VM
	if [[ $GLOB == ext4_* ]] && ! grep -q ' ext4_' /proc/kallsyms; then
		modprobe ext4 2>/dev/null || die "BENCH_GLOB $GLOB: no ext4 functions, and modprobe ext4 failed"
	fi
	printf '\n== glob %s: time until the command runs (attach), then until the tool exits (detach), seconds\n' "$GLOB"
	t0=$(now)
	"$KSYMTRACE" attach --count "$GLOB" --max-probes 65535 -c "date +%s.%N >$WORK/k.go" >"$WORK/k.out" 2>"$WORK/k.err" ||
		die "ksymtrace failed: $(head -3 "$WORK/k.err")"
	t1=$(now)
	k_att=$(sub "$(cat "$WORK/k.go")" "$t0")
	k_tot=$(sub "$t1" "$t0")
	k_n=$(sed -n 's/^ksymtrace: \([0-9]*\) probes\{0,1\} attached\(.*\), told apart.*/\1\2/p' "$WORK/k.err")

	t0=$(now)
	"$BPFTRACE" -e "kprobe:$GLOB { @[func] = count(); }" -c "$(command -v date) +%s.%N" >"$WORK/b.out" 2>"$WORK/b.err" ||
		die "bpftrace failed: $(head -3 "$WORK/b.err")"
	t1=$(now)
	b_go=$(grep -m1 -E '^[0-9]+\.[0-9]+$' "$WORK/b.out") || die "bpftrace did not run the command"
	b_att=$(sub "$b_go" "$t0")
	b_tot=$(sub "$t1" "$t0")
	b_n=$(sed -n 's/^Attaching \([0-9]*\) probes.*/\1/p' "$WORK/b.out" "$WORK/b.err" | head -1)
	printf '%-10s %10s %10s %10s  %s\n' tool attach detach total probes
	printf '%-10s %10s %10s %10s  %s\n' ksymtrace "$k_att" "$(sub "$k_tot" "$k_att")" "$k_tot" "$k_n"
	printf '%-10s %10s %10s %10s  %s\n' bpftrace "$b_att" "$(sub "$b_tot" "$b_att")" "$b_tot" "${b_n:-?}"
	echo "   bpftrace / ksymtrace: attach $(ratio "$b_att" "$k_att"), total $(ratio "$b_tot" "$k_tot")" \
		"(ksymtrace leaves out what it cannot trace: blacklisted, notrace)"
}
[[ -z $GLOB ]] || bench_glob

printf '\n== events: dd bs=1 count=%s, one line per vfs_read of dd, to a file\n' "$EVENTS"
# The command notes when it starts, then becomes dd (same pid, comm "dd"). The
# ring buffers hold every event, so nothing need be lost: "deliver-s" runs from
# dd's start until the tool has printed the last event and exited.
cat >"$WORK/dd.sh" <<EOS
date +%s.%N >"$WORK/dd.start"
exec dd if=/dev/zero of=/dev/null bs=1 count=$EVENTS
EOS
dd_seconds() { sed -n 's/.* copied, \([0-9.e+-]*\) s,.*/\1/p' "$1" | tail -1; }

bash "$WORK/dd.sh" 2>"$WORK/base.err"
base=$(dd_seconds "$WORK/base.err")

"$KSYMTRACE" attach vfs_read --comm dd -b 32M -c "bash $WORK/dd.sh" >"$WORK/k.ev" 2>"$WORK/k.err" ||
	die "ksymtrace failed: $(head -3 "$WORK/k.err")"
t1=$(now)
k_s=$(dd_seconds "$WORK/k.err")
k_d=$(sub "$t1" "$(cat "$WORK/dd.start")")
k_n=$(grep -c ' vfs_read ' "$WORK/k.ev")
k_lost=$(sed -n 's/.*; \([0-9]*\) events\{0,1\} lost to a full ring buffer.*/\1/p' "$WORK/k.err")

"$BPFTRACE" -e 'kprobe:vfs_read /comm == "dd"/ { printf("%llu [%03d] %s[%d/%d] %s (%lx, %lx, %lx, %lx, %lx, %lx)\n", nsecs, cpu, comm, pid, tid, probe, arg0, arg1, arg2, arg3, arg4, arg5); }' \
	-c "$(command -v bash) $WORK/dd.sh" >"$WORK/b.ev" 2>"$WORK/b.err" ||
	die "bpftrace failed: $(head -3 "$WORK/b.err")"
t1=$(now)
b_s=$(dd_seconds "$WORK/b.err")
b_d=$(sub "$t1" "$(cat "$WORK/dd.start")")
b_n=$(grep -c 'kprobe:vfs_read' "$WORK/b.ev")
b_lost=$(cat "$WORK/b.ev" "$WORK/b.err" | sed -n 's/.*Lost \([0-9]*\) events.*/\1/p' | awk '{s += $1} END {print s + 0}')

rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }
printf '%-10s %9s %9s %9s %10s %10s\n' tool events lost dd-s deliver-s events/s
printf '%-10s %9s %9s %9s %10s %10s\n' "(no probe)" - - "$base" - -
printf '%-10s %9s %9s %9s %10s %10s\n' ksymtrace "$k_n" "${k_lost:-?}" "$k_s" "$k_d" "$(rate "$k_n" "$k_d")"
printf '%-10s %9s %9s %9s %10s %10s\n' bpftrace "$b_n" "$b_lost" "$b_s" "$b_d" "$(rate "$b_n" "$b_d")"
echo "   dd-s: dd's run under the probe; deliver-s: from dd's start until every event was printed"
echo "   events/s ratio ksymtrace / bpftrace: $(ratio "$(rate "$k_n" "$k_d")" "$(rate "$b_n" "$b_d")")"
[[ ${k_lost:-1} == 0 && $b_lost == 0 ]] || echo "   NOTE: events were lost: lower BENCH_EVENTS for a no-loss figure"
