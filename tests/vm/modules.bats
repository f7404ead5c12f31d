#!/usr/bin/env bats
# Modules that are not loaded, and stack traces decoded (issue 11, part A), on real kernels.
# What ksymtrace says is checked against what it does not compute itself: the file modprobe
# would load (modinfo -n), the module's kallsyms lines once it is loaded, and /proc/kallsyms
# for every address a stack trace decodes to (awk over the file, not ksymtrace's table).

# shellcheck disable=SC2154 # $err and $out are set by kt_run
load helpers

setup_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0 # bats 1.8 cannot skip here: setup() does
	rmmod dummy 2>/dev/null || true
}

teardown_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0
	rmmod dummy 2>/dev/null || true
}

setup() {
	require_vm
	require_ksymtrace
	T=$BATS_TEST_TMPDIR
}

# "name size init" of every function row of ksymtrace -j's output in $1, in address order
# within each name (the order of its instances)
fn_rows() {
	jq -r '"\(.name) \(.size // "?") \(.init // false)"' "$1"
}

@test "modules: resolve 'dummy:*' before insmod (its .ko) and after (kallsyms): same functions, ELF sizes <= kallsyms sizes" {
	local file
	file=$(modinfo -n dummy)
	# before: from the file modprobe would load, with the ELF sizes
	kt_run -j resolve --functions 'dummy:*'
	[ "$status" -eq 0 ]
	[ "$err" = "ksymtrace: dummy is not loaded: its symbols are read from $file" ]
	printf '%s\n' "$out" >"$T/elf.json"
	[ "$(jq -s 'map(select(.addr != null or .loaded != false)) | length' "$T/elf.json")" -eq 0 ]
	fn_rows "$T/elf.json" >"$T/elf"
	grep -q '^dummy_init_module [0-9]* true$' "$T/elf"  # .init code, marked
	grep -q '^dummy_get_stats64 [0-9]* false$' "$T/elf"

	insmod "$KSYMTRACE_VM_DUMMY_KO"
	kt_run -j resolve --functions 'dummy:*'
	[ "$status" -eq 0 ]
	[ -z "$err" ]
	printf '%s\n' "$out" >"$T/ksyms.json"
	fn_rows "$T/ksyms.json" >"$T/ksyms"
	# the kernel's own list of dummy's functions, read with awk
	awk '$4 == "[dummy]" && $2 ~ /^[tT]$/ { print $3 }' /proc/kallsyms | sort >"$T/awk"
	rmmod dummy

	# the same names, once the .init ones are gone (the kernel frees them after init)
	diff <(awk '$3 == "false" { print $1 }' "$T/elf" | sort) "$T/awk"
	diff <(awk '{ print $1 }' "$T/ksyms" | sort) "$T/awk"
	# and each instance's exact ELF size fits in the size kallsyms gives it
	join <(awk '$3 == "false" { print $1 "#" ++n[$1], $2 }' "$T/elf" | sort) \
		<(awk '{ print $1 "#" ++n[$1], $2 }' "$T/ksyms" | sort) >"$T/sizes"
	[ "$(wc -l <"$T/sizes")" -eq "$(wc -l <"$T/awk")" ]
	awk '$3 != "?" && !($2 <= $3) { print "ELF size above kallsyms size:", $0; bad = 1 } END { exit bad }' "$T/sizes"
}

@test "modules: list and attach --dry-run plan a module that is not loaded" {
	kt_run list 'dummy:dummy_get_*'
	[ "$status" -eq 0 ]
	grep -Eq '^  \(not loaded\) +t +dummy +[0-9]+ +dummy_get_stats64$' <<<"$out"
	kt_run -j attach --dry-run dummy:dummy_get_stats64 'dummy:dummy_xmit+0x1'
	if ! kernel_at_least 5.15; then
		# no attach cookies: a probe without an address could not be told apart
		[ "$status" -eq 1 ]
		[[ $err == *"dummy:dummy_get_stats64: module dummy is not loaded, and this kernel has no attach cookies (Linux 5.15)"* ]]
		return 0
	fi
	[ "$status" -eq 0 ]
	[ "$(jq -r '"\(.probe) \(.addr) \(.loaded)"' <<<"$out" | tr '\n' ' ')" = "dummy:dummy_get_stats64 null false dummy:dummy_xmit+0x1 null false " ]
	# a real attach waits for the module: modules_life.bats
}

# check_frames FILE — every frame of ksymtrace -j decode's output in FILE against
# /proc/kallsyms, read here: an exact frame has a function of its name and module starting at
# addr - offset and, for the core kernel (whose sizes the kernel computes from the same list),
# the next address after it is start + the size the kernel printed; an ambiguous frame's name
# has exactly as many functions of that size there as it lists candidates, at least two. Prints
# how many frames were checked; says what does not hold on stderr, and fails.
check_frames() {
	python3 - "$1" <<'PY'
import bisect, collections, json, sys
starts, by_mod, funcs = {}, collections.defaultdict(set), collections.defaultdict(list)
for line in open("/proc/kallsyms"):
    f = line.split()
    if len(f) < 3:
        continue
    mod = f[3][1:-1] if len(f) > 3 else "vmlinux"
    addr = int(f[0], 16)
    by_mod[mod].add(addr)
    if f[1] in "tTwW":
        starts.setdefault((addr, mod), set()).add(f[2])
        funcs[(f[2], mod)].append(addr)
order = {m: sorted(a) for m, a in by_mod.items()}

def size(mod, start):
    a = order[mod]
    return a[bisect.bisect_right(a, start)] - start

checked, bad = 0, 0
for line in open(sys.argv[1]):
    fr = json.loads(line)
    name, mod, want = fr["name"], fr["module"], fr["size"]
    if fr["status"] == "ambiguous" and want:
        fit = [a for a in funcs[(name, mod)] if size(mod, a) == want]
        if len(fit) < 2 or len(fit) != len(fr["candidates"]):
            print(f"{name} [{mod}]: {len(fit)} of size {want:#x} here, {fr['candidates']} in the answer", file=sys.stderr)
            bad = 1
        checked += 1
        continue
    if fr["addr"] is None:
        continue
    start = int(fr["addr"], 16) - fr["offset"]
    checked += 1
    if name not in starts.get((start, mod), ()):
        print(f"no {name} [{mod}] at {start:x}", file=sys.stderr)
        bad = 1
    elif mod == "vmlinux" and want and size(mod, start) != want:
        print(f"{name} at {start:x}: {size(mod, start):#x} bytes here, {want:#x} in the trace", file=sys.stderr)
        bad = 1
print(checked)
sys.exit(bad)
PY
}

@test "decode: sysrq backtraces (echo l > /proc/sysrq-trigger), every frame's address found in /proc/kallsyms" {
	dmesg -C
	echo l >/proc/sysrq-trigger
	sleep 1
	dmesg >"$T/dmesg"
	grep -q 'Call Trace:' "$T/dmesg" || { cat "$T/dmesg"; return 1; }
	kt_run -j decode "$T/dmesg"
	[ "$status" -eq 0 ]
	printf '%s\n' "$out" >"$T/frames.json"
	# every frame resolved: one place, or (6.12: ? count_memcg_events.constprop.0+0x1a/0x30,
	# two of 0x30 bytes) the instances the size leaves, which check_frames counts again
	[ "$(jq -s 'map(select(.status != "exact" and .status != "ambiguous")) | length' "$T/frames.json")" -eq 0 ] || {
		jq -c 'select(.status != "exact" and .status != "ambiguous")' "$T/frames.json"
		return 1
	}
	grep -q '"name":"write_sysrq_trigger"' "$T/frames.json"
	local n
	n=$(check_frames "$T/frames.json")
	[ "$n" -ge 5 ]
	# the text form: the log back, each frame followed by its address or its candidates
	kt_run decode "$T/dmesg"
	[ "$(grep -c ' (\(0xffff[0-9a-f]*\( #[0-9]*\)\?\|ambiguous: [#0-9, or]*\))$' <<<"$out")" -eq "$(wc -l <"$T/frames.json")" ]
	diff <(sed 's/ (\(0xffff[0-9a-f]*\( #[0-9]*\)\?\|ambiguous: [#0-9, or]*\))$//' <<<"$out") "$T/dmesg"
}

@test "decode: /proc/PID/stack and ksymtrace's own --stack output" {
	sleep 30 &
	local pid=$!
	sleep 0.5
	kt_run -j decode "/proc/$pid/stack"
	kill "$pid"
	[ "$status" -eq 0 ]
	printf '%s\n' "$out" >"$T/stack.json"
	[ "$(jq -s 'map(select(.status != "exact" and .status != "ambiguous")) | length' "$T/stack.json")" -eq 0 ]
	local n
	n=$(check_frames "$T/stack.json")
	[ "$n" -ge 2 ]

	# --stack prints "sym+0xoff [mod]", without sizes: placed by the offset
	kt_run attach vfs_read --stack -n 1 --comm cat -c 'cat /etc/hostname >/dev/null'
	[ "$status" -eq 0 ]
	grep -E '^    [A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+ \[[a-z0-9_]+\]$' <<<"$out" >"$T/own" || {
		echo "no stack lines"
		return 1
	}
	kt_run -j decode "$T/own"
	printf '%s\n' "$out" >"$T/own.json"
	[ "$(wc -l <"$T/own.json")" -eq "$(wc -l <"$T/own")" ]
	[ "$(jq -s 'map(select(.status != "exact" and .status != "ambiguous")) | length' "$T/own.json")" -eq 0 ]
	n=$(check_frames "$T/own.json")
	[ "$n" -ge 3 ]
}
