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
#   3. median wall time of `resolve FUNC` and `resolve --proto FUNC`.
#   scripts/bench-btf.sh [-n RUNS] [--func FUNC] [BIN]
# In the test VM: scripts/vm-run -k 6.1 -- scripts/bench-btf.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=15
FUNC=vfs_read
BIN=$ROOT/build/ksymtrace
while (($#)); do
	case $1 in
	-n) RUNS=$2; shift 2 ;;
	--func) FUNC=$2; shift 2 ;;
	-h | --help) sed -n '2,13p' "$0"; exit 0 ;;
	*) BIN=$1; shift ;;
	esac
done
[[ -x $BIN ]] || { echo "bench: no binary at $BIN: build first (cmake --build build)" >&2; exit 1; }
[[ -r /sys/kernel/btf/vmlinux ]] || { echo "bench: this kernel has no BTF (/sys/kernel/btf/vmlinux)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "bench: attach --dry-run loads BPF programs: run as root" >&2; exit 1; }

exec python3 - "$RUNS" "$FUNC" "$BIN" <<'PY'
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
