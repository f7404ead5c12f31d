#!/bin/bash
# Side-by-side benchmark of what reading the kernel's BTF adds (issue 9: at most
# 50 ms to attach's startup). Prints, from one run, with the runs of each side
# interleaved so machine noise hits both:
#   1. median wall time of `ksymtrace attach FUNC --dry-run` typed (BTF read,
#      parameters placed) and with --raw (BTF not read), the difference and the
#      ratio; --dry-run loads the BPF programs, so this is attach's startup less
#      the attaching (needs root);
#   2. the median time ksymtrace -v reports for reading and indexing vmlinux's
#      BTF alone;
#   3. median wall time of `resolve FUNC` and `resolve --proto FUNC`;
#   4. with --events N, on a kernel with kprobes: events/s of vfs_read printed
#      typed with one string fetch (its four parameters and the file's name), of
#      the raw path (--raw: six registers) and of bpftrace printing the same
#      fields, while dd reads N bytes one at a time; each to a file, from dd's
#      start until the tool has printed every event and exited.
#   scripts/bench-btf.sh [-n RUNS] [--func FUNC] [--events N] [BIN]
# In the test VM: scripts/vm-run -k 6.1 --with-bpftrace -- scripts/bench-btf.sh --events 50000
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=15
FUNC=vfs_read
EVENTS=0
BIN=$ROOT/build/ksymtrace
while (($#)); do
	case $1 in
	-n) RUNS=$2; shift 2 ;;
	--func) FUNC=$2; shift 2 ;;
	--events) EVENTS=$2; shift 2 ;;
	-h | --help) sed -n '2,19p' "$0"; exit 0 ;;
	*) BIN=$1; shift ;;
	esac
done
[[ -x $BIN ]] || { echo "bench: no binary at $BIN: build first (cmake --build build)" >&2; exit 1; }
[[ -r /sys/kernel/btf/vmlinux ]] || { echo "bench: this kernel has no BTF (/sys/kernel/btf/vmlinux)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "bench: attach --dry-run loads BPF programs: run as root" >&2; exit 1; }

python3 - "$RUNS" "$FUNC" "$BIN" <<'PY'
import re, statistics, subprocess, sys, time

runs, func, bin_ = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def wall(args):
    t0 = time.perf_counter()
    subprocess.run([bin_] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t0) * 1e3

def btf_ms():
    r = subprocess.run([bin_, "-v", "resolve", "--proto", func], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, check=True)
    return float(re.search(r"BTF of vmlinux: .* in ([0-9.]+) ms", r.stderr).group(1))

pairs = [
    ("attach --dry-run", ["attach", func, "--dry-run"], ["attach", func, "--dry-run", "--raw"]),
    ("resolve", ["resolve", "--proto", func], ["resolve", func]),
]
res = {name: ([], []) for name, _, _ in pairs}
read = []
for _ in range(runs):  # interleaved: noise hits both sides
    for name, typed, plain in pairs:
        res[name][0].append(wall(typed))
        res[name][1].append(wall(plain))
    read.append(btf_ms())

print(f"bench-btf: {runs} runs each, median wall time, {func}")
for name, typed, plain in pairs:
    t, p = statistics.median(res[name][0]), statistics.median(res[name][1])
    label = "typed" if name.startswith("attach") else "--proto"
    other = "--raw" if name.startswith("attach") else "plain"
    print(f"  {name:18s} {label:8s} {t:8.1f} ms   {other:6s} {p:8.1f} ms   "
          f"+{t - p:6.1f} ms   ratio {t / p:.2f}")
print(f"  vmlinux BTF read and indexed (ksymtrace -v): {statistics.median(read):.1f} ms"
      f" (min {min(read):.1f}, max {max(read):.1f}); target <= 50 ms")
PY

((EVENTS > 0)) || exit 0
[[ -e /sys/bus/event_source/devices/kprobe ]] || { echo "bench: --events: this kernel has no kprobe PMU: run in the VM" >&2; exit 1; }
umask 077
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/dd.sh" <<EOS
date +%s.%N >"$WORK/dd.start"
exec dd if=/dev/zero of=/dev/null bs=1 count=$EVENTS
EOS
now() { date +%s.%N; }
# SIDE CMD...: run CMD (which runs dd.sh), then "events lost seconds events/s"
side() {
	local name=$1 t1 n lost
	shift
	"$@" >"$WORK/$name.ev" 2>"$WORK/$name.err" || { echo "bench: $name failed: $(head -3 "$WORK/$name.err")" >&2; exit 1; }
	t1=$(now)
	n=$(grep -c 'vfs_read' "$WORK/$name.ev")
	lost=$(cat "$WORK/$name.ev" "$WORK/$name.err" | sed -n -e 's/.*; \([0-9]*\) events\{0,1\} lost to a full ring buffer.*/\1/p' \
		-e 's/.*Lost \([0-9]*\) events.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
	awk -v name="$name" -v n="$n" -v lost="$lost" -v t0="$(cat "$WORK/dd.start")" -v t1="$t1" \
		'BEGIN { printf "%-22s %9d %7d %9.2f %10.0f\n", name, n, lost, t1 - t0, n / (t1 - t0) }' | tee -a "$WORK/rates"
}
FIELDS=(--arg file --arg buf --arg count --arg pos --arg 'name=file->f_path.dentry->d_name.name:string')
printf '\n== events: dd bs=1 count=%s, one line per vfs_read of dd, to a file\n' "$EVENTS"
printf '%-22s %9s %7s %9s %10s\n' side events lost deliver-s events/s
side "typed+string" "$BIN" attach vfs_read "${FIELDS[@]}" --comm dd -b 32M -c "bash $WORK/dd.sh"
side "--raw" "$BIN" attach vfs_read --raw --comm dd -b 32M -c "bash $WORK/dd.sh"
if command -v bpftrace >/dev/null; then
	export BPFTRACE_PERF_RB_PAGES=$((32 * 1024 * 1024 / 4096 / $(nproc)))
	side "bpftrace same fields" bpftrace -e 'kprobe:vfs_read /comm == "dd"/ { printf("%llu [%03d] %s[%d/%d] vfs_read (file=%lx, buf=%lx, count=%lu, pos=%lx, name=\"%s\")\n", nsecs, cpu, comm, pid, tid, arg0, arg1, arg2, arg3, str(((struct file *)arg0)->f_path.dentry->d_name.name)); }' \
		-c "$(command -v bash) $WORK/dd.sh"
else
	echo "bpftrace: not installed (scripts/vm-run --with-bpftrace)"
fi
awk 'NR == 1 { t = $NF } NR == 2 { r = $NF } NR == 3 { b = $NF }
	END { printf "   typed+string / --raw: %.2f (target >= 0.80)", t / r; if (b) printf "; typed+string / bpftrace: %.2f", t / b; print "" }' "$WORK/rates"
