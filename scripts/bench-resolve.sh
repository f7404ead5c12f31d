#!/bin/bash
# Side-by-side benchmark of the symbol table. Prints, from one run, with the runs
# of each case interleaved so that machine noise hits them all:
#   1. median wall time of `grep -w NAME /proc/kallsyms` (the kernel's own
#      generation of the file is the floor of any live read) and of `ksymtrace
#      resolve NAME` three ways: with a valid per-boot snapshot (cached; target
#      <= 0.1x grep), with none (cold: the live read and writing the snapshot;
#      target <= 1.3x grep) and with --no-cache (live), each with its ratio to
#      grep; the cached and cold cases need root (the snapshot is root's), and
#      remove /run/ksymtrace/kallsyms.snap before each cold run;
#   2. median load-and-index time of a saved copy of this machine's table, as
#      ksymtrace -v reports it (target <= 30 ms for ~120k symbols), and, from
#      bench_load beside the binary, the time to complete the whole name index
#      afterwards (queries sort the part of it they touch; `list` pays for all
#      of it);
#   3. peak RSS of resolve, cached and live (target <= 24 MiB for ~120k symbols);
#   4. median wall time of `list` (every function, numbered) on the saved copy:
#      the whole name index and the instance numbers of every duplicated name.
# With --baseline BIN, every figure is also measured for BIN (and for the
# bench_load beside it, if there is one) and a ratio printed: the way to show
# what a change bought (a baseline without a snapshot reads live in every case).
#   scripts/bench-resolve.sh [-n RUNS] [--name NAME] [--baseline BIN] [BIN]
set -euo pipefail
# a copy of /proc/kallsyms is this boot's kernel layout: for the owner's eyes only
umask 077

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=21
NAME=c_start
BASE=
BIN=$ROOT/build/ksymtrace
while (($#)); do
	case $1 in
	-n) RUNS=$2; shift 2 ;;
	--name) NAME=$2; shift 2 ;;
	--baseline) BASE=$2; shift 2 ;;
	-h | --help) sed -n '2,24p' "$0"; exit 0 ;;
	*) BIN=$1; shift ;;
	esac
done
[[ -x $BIN ]] || { echo "bench: no binary at $BIN: build first (cmake --build build)" >&2; exit 1; }
[[ -r /proc/kallsyms ]] || { echo "bench: /proc/kallsyms is not readable" >&2; exit 1; }

exec python3 - "$RUNS" "$NAME" "$BIN" "$BASE" <<'PY'
import atexit, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

runs, name, bin_, base = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
# The copy of the table holds this boot's kernel addresses: in a directory only
# the owner can enter (mkdtemp: mode 0700, a new name no one else can take),
# made 0600, and removed however the run ends: an error, Ctrl-C, SIGTERM, SIGHUP.
os.umask(0o077)
work = tempfile.mkdtemp(prefix="ksymtrace-bench-")
atexit.register(shutil.rmtree, work, True)  # on exit, an exception, or SystemExit
def stop(signum, frame):
    raise SystemExit(128 + signum)  # Python's default for these skips atexit
signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGHUP, stop)
out = open(os.path.join(work, "out"), "w")  # a file, not /dev/null:
# GNU grep stops at the first match when its output is /dev/null
saved = os.path.join(work, "kallsyms")
with open("/proc/kallsyms") as src, open(saved, "w") as dst:
    dst.write(src.read())
nlines = sum(1 for _ in open(saved))
SNAP = "/run/ksymtrace/kallsyms.snap"
root = os.geteuid() == 0
env = {k: v for k, v in os.environ.items() if not k.startswith("KSYMTRACE_")}

def wall(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL, check=True, env=env)
    return (time.perf_counter() - t0) * 1e3

def load_ms(b):
    r = subprocess.run([b, "-v", "-k", saved, "resolve", name], stdout=out,
                       stderr=subprocess.PIPE, text=True, check=True, env=env)
    return float(re.search(r"loaded in ([0-9.]+) ms", r.stderr).group(1))

def rss_kib(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=out,
                       stderr=subprocess.PIPE, text=True, check=True, env=env)
    return int(r.stderr.strip().splitlines()[-1])

def full_index_ms(b):  # bench_load beside the binary: its median of 5 loads
    r = subprocess.run([os.path.join(os.path.dirname(b), "bench_load"), saved, "5"],
                       capture_output=True, text=True, check=True)
    return float(re.search(r"full_index_ms ([0-9.]+)", r.stdout).group(1))

def cold(b):  # no snapshot: the live read and writing one (untimed: the removal)
    if os.path.exists(SNAP):
        os.unlink(SNAP)
    return wall([b, "resolve", name])

sides = {"ksymtrace": bin_}
if base:
    sides["baseline"] = base
keys = ["cached", "cold", "live", "load", "rss_cached", "rss_live", "full", "list"]
res = {k: {key: [] for key in keys} for k in sides}
has_full = {k: os.access(os.path.join(os.path.dirname(b), "bench_load"), os.X_OK)
            for k, b in sides.items()}
nocache = {k: subprocess.run([b, "--no-cache", "--version"], capture_output=True, env=env).returncode == 0
           for k, b in sides.items()}
grep = []
for _ in range(runs):  # interleaved: noise hits every case alike
    grep.append(wall(["grep", "-w", name, "/proc/kallsyms"]))
    for k, b in sides.items():
        live = [b, "--no-cache"] if nocache[k] else [b]
        if root:
            res[k]["cold"].append(cold(b))
            res[k]["cached"].append(wall([b, "resolve", name]))
            res[k]["rss_cached"].append(rss_kib([b, "resolve", name]))
        res[k]["live"].append(wall(live + ["resolve", name]))
        res[k]["rss_live"].append(rss_kib(live + ["resolve", name]))
        res[k]["load"].append(load_ms(b))
        res[k]["list"].append(wall([b, "-k", saved, "list"]))
        if has_full[k]:
            res[k]["full"].append(full_index_ms(b))

med = statistics.median
g = med(grep)
print(f"# {runs} runs each, interleaved; /proc/kallsyms has {nlines} lines; medians"
      + ("" if root else "; not root: no snapshot, so no cached or cold case"))
print(f"{'':30}{'ksymtrace':>12}" + (f"{'baseline':>12}{'new/base':>10}" if base else "") + f"{'target':>10}")
def row(label, key, fmt, target="", div=1.0):
    if not all(res[k][key] for k in sides):
        return None
    v = {k: med(res[k][key]) / div for k in sides}
    line = f"{label:30}{fmt(v['ksymtrace']):>12}"
    if base:
        line += f"{fmt(v['baseline']):>12}{v['ksymtrace'] / v['baseline']:>10.2f}"
    print(line + f"{target:>10}")
    return v
print(f"{'grep -w ' + name + ' (ms)':30}{g:>12.1f}")
for key, label, target in (("cached", "with the snapshot", "<= 0.1"),
                           ("cold", "live read + writing it", "<= 1.3"),
                           ("live", "--no-cache", "")):
    if row(f"resolve {name}, {key} (ms)", key, lambda x: f"{x:.1f}") is not None:
        row(f"  {label} / grep", key, lambda x: f"{x:.3f}" if x < 0.1 else f"{x:.2f}", target, div=g)
v = row("load+index, saved (ms)", "load", lambda x: f"{x:.1f}", "<= 30")
if all(has_full.values()):
    f = row("  + whole name index (ms)", "full", lambda x: f"{x:.1f}")
    t = {k: v[k] + f[k] for k in sides}
    line = f"{'  = load, fully indexed (ms)':30}{t['ksymtrace']:>12.1f}"
    if base:
        line += f"{t['baseline']:>12.1f}{t['ksymtrace'] / t['baseline']:>10.2f}"
    print(line + f"{'<= 30':>10}")
row("peak RSS, cached (MiB)", "rss_cached", lambda x: f"{x / 1024:.1f}", "<= 24")
row("peak RSS, live (MiB)", "rss_live", lambda x: f"{x / 1024:.1f}", "<= 24")
row("list, saved (ms)", "list", lambda x: f"{x:.1f}")
PY
