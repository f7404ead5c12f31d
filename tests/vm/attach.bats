#!/usr/bin/env bats
# ksymtrace attach for real, on every kernel scripts/vm-run boots (DESIGN §2, §3, §5): by name,
# at an instruction inside a function, in a module, at a return, on each of the three
# functions named c_start, and which probe every event names. What each event must say is
# worked out independently of ksymtrace: addresses from /proc/kallsyms, instruction boundaries
# from the live text in /proc/kcore, registered probes from debugfs, and the values the
# user-space side of the traced command saw.
# Every attach here is --no-multi: these tests check the perf kprobes themselves in
# debugfs's kprobes list, where a kprobe_multi link (6.12+) never shows; scale.bats tests
# the links.

# shellcheck disable=SC2154 # $err and $out are set by kt_run
load helpers

setup_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0 # bats 1.8 cannot skip here: setup() does
	insmod "$KSYMTRACE_VM_DUMMY_KO"
	ip link add kt0 type dummy
	ksym_snapshot # after insmod: the copy has dummy's functions
	c_start_vars
}

teardown_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0
	ip link del kt0 2>/dev/null || true
	rmmod dummy 2>/dev/null || true
}

setup() { attach_setup; }

# Text event lines: "HH:MM:SS.uuuuuu [CPU] COMM[PID/TID] PROBE [MOD] ADDR (ARGS) | = RETVAL";
# ARGS typed from BTF (name=value, ...), or with --raw the six argument registers.
TIME='[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} \[[0-9]{3}\]'
HEX='0x[0-9a-f]+'
ARGS="\\($HEX, $HEX, $HEX, $HEX, $HEX, $HEX\\)"

@test "by name: vfs_write's kprobe sits at its kallsyms address and sees what sh wrote" {
	local a
	a=$(ksym_addr vfs_write)
	# --follow: only the -c shell's own events. Its builtin printf is one write(2), of its
	# own pid here, so the event's pid, buf and count can be checked against the file;
	# typed from BTF: buf (const char *) is the string written, count (size_t) decimal.
	kt_run attach --no-multi vfs_write --follow -c "$(live); printf %s \$\$ >$T/pid"
	[ "$status" -eq 0 ]
	live_has_entry "$a"
	[ "$(wc -l <<<"$out")" -eq 1 ]
	local pid count
	pid=$(<"$T/pid") count=$(stat -c %s "$T/pid")
	[[ $out =~ ^$TIME\ sh\[$pid/$pid\]\ vfs_write\ ${a#0x}\ \(file=$HEX,\ buf=\"$pid\",\ count=$count,\ pos=$HEX\)$ ]]
	[[ $err == *"1 probe attached"* ]]
	[[ $err =~ \ +1\ +$(missed_none)\ +kprobe\ +${a#0x}\ +vfs_write$'\n' ]]
	[[ $err == *"1 probe, 1 hit; 0 events lost to a full ring buffer"* ]]
	no_probes_left
}

@test "kretprobe: vfs_write%return gives the byte counts and the -ENOSPC that sh saw" {
	local a
	a=$(ksym_addr vfs_write)
	# Known return values: sh's builtin printf makes one write(2) per printf: first the 16
	# bytes "ksymtrace-return" to a file, then one byte to /dev/full, which fails with ENOSPC
	# (-28); sh then reports that on stderr, a file here, in one write or several. So the
	# return values are 16, -28, then writes that add up to the size of the error file.
	kt_run -j attach --no-multi 'vfs_write%return' --follow -c "$(live); printf %s ksymtrace-return >$T/o; printf x >/dev/full 2>$T/e"
	[ "$status" -eq 0 ]
	live_has_entry "$a" r
	[[ $err == *"exited with status 1"* ]] # the printf to /dev/full failed, as it should
	local -a ret
	mapfile -t ret < <(jq -r 'select(has("summary") | not) | .retval' <<<"$out")
	[ "${#ret[@]}" -ge 3 ]
	[ "$((ret[0]))" -eq "$(stat -c %s "$T/o")" ]
	[ "${ret[1]}" = -28 ] # -ENOSPC, typed from vfs_write's ssize_t
	local sum=0 i
	for ((i = 2; i < ${#ret[@]}; i++)); do sum=$((sum + ret[i])); done
	[ "$sum" -eq "$(stat -c %s "$T/e")" ]
	# every event: this probe, a kretprobe, a retval (a number: ssize_t) with the errno's name
	# only where it is one, and no argument registers; the summary counts them all
	jq -e -s --arg a "$a" '(map(select(has("summary") | not))) as $ev
		| all($ev[]; .probe == "vfs_write" and .addr == $a and .kind == "kretprobe" and .comm == "sh"
			and (.retval | type == "number") and (has("args") | not) and (has("regs") | not)
			and (.errno == (if .retval == -28 then "ENOSPC" else null end)))' <<<"$out"
	assert_probe_hits 'vfs_write%return' == "${#ret[@]}"
	assert_probe_retval 'vfs_write%return' any == -28
	no_probes_left
}

@test "sym+off: a probe on an instruction boundary fires there; inside an instruction: refused" {
	local a off len inside
	a=$(ksym_addr vfs_write)
	# An instruction of the entry block, decoded from the live text (before anything is
	# attached: a live probe shows as int3): it runs on every call, like +0.
	read -r off len < <(insn_entry_site "$a")
	[ "$len" -gt 1 ]
	inside=$(printf '0x%x' $((off + 1)))
	kt_run -j attach --no-multi vfs_write "vfs_write+$off" --follow -c "$(live); printf %s \$\$ >$T/pid"
	[ "$status" -eq 0 ]
	live_has $((a + off))
	# one write: the entry probe, then the one inside, each once, at its own address
	[ "$(jq -r 'select(has("summary") | not) | [.probe, .addr] | @tsv' <<<"$out")" = "$(printf 'vfs_write\t%s\nvfs_write+%s\t0x%x' \
		"$a" "$off" $((a + off)))" ]
	no_probes_left

	# one byte further is inside that instruction: the kernel says EILSEQ, ksymtrace says
	# which probe and why, removes the probe it had already attached, and -c never runs
	kt_run attach --no-multi vfs_write "vfs_write+$inside" -c "touch $T/ran"
	[ "$status" -eq 1 ]
	[[ $err == *"vfs_write+$inside: not on an instruction boundary ($(printf '0x%x' $((a + off + 1))))"* ]]
	[ -z "$out" ]
	[ ! -e "$T/ran" ]
	no_probes_left
}

@test "--stack: the first frame is the probed address itself, at an entry and at an offset" {
	local a off len
	a=$(ksym_addr vfs_read)
	read -r off len < <(insn_entry_site "$a")
	# every read of cat's goes through both probes, the entry's first; the first frame of
	# each is where the probe sits (the int3 trap, ftrace's and optimized kprobes all report
	# the instruction pointer one byte on)
	kt_run attach --no-multi vfs_read "vfs_read+$off" --stack --comm cat -n 2 -c 'cat /etc/hostname >/dev/null'
	[ "$status" -eq 0 ]
	[ "$(awk '/^[0-9]/ { probe = $4; getline; print probe, $1, $2 }' <<<"$out")" = \
		"$(printf 'vfs_read vfs_read+0x0 [vmlinux]\nvfs_read+%s vfs_read+%s [vmlinux]' "$off" "$off")" ]
	# the frames below are the callers: ksys_read, then the system call's way in
	[[ $out == *$'\n    ksys_read+0x'* ]]
	no_probes_left
}

@test "module: dummy:dummy_get_stats64 [dummy] fires once per statistics file read" {
	local a n
	a=$(ksym_addr dummy_get_stats64 1 dummy)
	# Reading a file under /sys/class/net/DEV/statistics calls dev_get_stats() once, and
	# with it the driver's ndo_get_stats64; ip -s link show asks for the stats too.
	local s=/sys/class/net/kt0/statistics
	kt_run attach --no-multi dummy:dummy_get_stats64 --raw -c "$(live); cat $s/rx_bytes $s/tx_bytes $s/rx_packets >/dev/null; ip -s link show kt0 >/dev/null"
	[ "$status" -eq 0 ]
	live_has_entry "$a"
	[ "$(grep -cE "^$TIME cat\[[0-9]+/[0-9]+\] dummy_get_stats64 \[dummy\] ${a#0x} $ARGS$" <<<"$out")" -eq 3 ]
	n=$(grep -cE "^$TIME ip\[[0-9]+/[0-9]+\] dummy_get_stats64 \[dummy\] ${a#0x} $ARGS$" <<<"$out")
	[ "$n" -ge 1 ]
	[ "$(wc -l <<<"$out")" -eq $((3 + n)) ]
	# with attach cookies (5.15) a module's probe is a tracefs event (armed on each load),
	# whose misses kprobe_profile counts on every kernel
	local m
	if kernel_at_least 5.15; then m=0; else m=$(missed_none); fi
	[[ $err =~ \ +$((3 + n))\ +$m\ +kprobe\ +${a#0x}\ +dummy_get_stats64\ \[dummy\]$'\n' ]]
	no_probes_left
}

@test "c_start x3, no rule and no terminal: the three listed, exit 3, nothing attached" {
	kt_run attach --no-multi c_start -c "touch $T/ran"
	[ "$status" -eq 3 ]
	[[ $err == *"c_start: 3 functions have that name; say which to trace (there is no terminal to ask on):"* ]]
	local i=0 a
	for a in $CS_ALL; do
		i=$((i + 1))
		[[ $err =~ $'\n'\ +$i\ +${a#0x}\ +t\ +vmlinux\ +[0-9]+\ +yes\ +c_start#$i$'\n' ]]
	done
	[ "$i" -eq 3 ]
	[[ $err == *"HINT: say which with c_start#1 .. c_start#3, or NAME@ADDR"* ]]
	[ -z "$out" ]
	[ ! -e "$T/ran" ]
	no_probes_left
}

@test "c_start --all -j: three probes; cat /proc/cpuinfo fires only its own; JSON Lines per DESIGN" {
	local cpu n a
	cpu=$CS_CPU
	n=$CS_CPU_N
	kt_run -j attach --no-multi c_start --all --raw -c "$(live); cat /proc/cpuinfo >/dev/null"
	[ "$status" -eq 0 ]
	[ "$(live_new | wc -l)" -eq 3 ]
	for a in $CS_ALL; do live_has_entry "$a"; done
	# every line is one JSON object: the events with the fields of DESIGN §3 and their types
	# (addresses as hex strings), all from the cpuinfo instance, in time order; last the
	# summary, with every probe's hits (only the cpuinfo instance's) and nothing lost
	[ "$(jq -c . <<<"$out" | wc -l)" -eq "$(wc -l <<<"$out")" ]
	jq -e -s --arg p "c_start#$n" --arg a "$cpu" --argjson ncpu "$(nproc)" '
		(map(select(has("summary") | not))) as $ev | last as $s
		| ($ev | length) >= 1
		and all($ev[]; (keys == ["addr", "args", "comm", "cpu", "kind", "module", "pid", "probe", "regs", "tid", "ts_ns"])
			and (.ts_ns | type == "number") and .cpu < $ncpu
			and (.pid | type == "number") and .pid == .tid and .comm == "cat"
			and .probe == $p and .addr == $a and .module == "vmlinux" and .kind == "kprobe"
			and .args == {} and (.regs | keys_unsorted == ["di", "si", "dx", "cx", "r8", "r9"])
			and all(.regs[]; test("^0x[0-9a-f]+$")))
		and ([$ev[].ts_ns] | . == sort)
		and $s.summary == true and $s.lost == 0 and $s.unidentified == 0 and ($s.probes | length == 3)
		and all($s.probes[]; (.addr | test("^0x[0-9a-f]+$")) and .kind == "kprobe" and .module == "vmlinux")' <<<"$out"
	assert_probe_hits "c_start#$n" == "$(ksymtrace_events "c_start#$n" | wc -l)"
	local i
	for i in 1 2 3; do
		((i == n)) || assert_probe_never_fired "c_start#$i"
	done
	no_probes_left
}

# only_instance SPEC ADDR N — attach SPEC while cat reads /proc/consoles and /proc/cpuinfo,
# which call two different c_start: exactly one probe is placed, at ADDR, and every event
# is c_start#N there.
only_instance() {
	kt_run attach --no-multi "$1" --raw -c "$(live); cat /proc/consoles /proc/cpuinfo >/dev/null"
	[ "$status" -eq 0 ]
	[ "$(live_new | wc -l)" -eq 1 ]
	live_has_entry "$2"
	[ "$(wc -l <<<"$out")" -ge 1 ]
	[ "$(grep -cvE "^$TIME cat\[[0-9]+/[0-9]+\] c_start#$3 ${2#0x} $ARGS$" <<<"$out")" -eq 0 ]
}

@test "c_start#N and c_start@ADDR attach that one instance only" {
	[ "$CS_CON" != "$CS_CPU" ]
	only_instance "c_start#$CS_CON_N" "$CS_CON" "$CS_CON_N"
	only_instance "c_start@$CS_CPU" "$CS_CPU" "$CS_CPU_N"
	no_probes_left
}

@test "every event names the probe that fired (5.10: no cookies, found by address)" {
	# Five probes, kprobes and a kretprobe, in vmlinux and a module; three copies of cat
	# whose names say which file each reads, so the task name tells which probe must fire.
	local cpu con st ncpu ncon
	cpu=$CS_CPU
	con=$CS_CON
	st=$(ksym_addr dummy_get_stats64 1 dummy)
	ncpu=$CS_CPU_N ncon=$CS_CON_N
	local r
	for r in rd-cpuinfo rd-consoles rd-netstats; do cp /bin/cat "$T/$r"; done
	local cmd="$T/rd-cpuinfo /proc/cpuinfo >/dev/null; $T/rd-consoles /proc/consoles >/dev/null"
	cmd+="; $T/rd-netstats /sys/class/net/kt0/statistics/rx_bytes /sys/class/net/kt0/statistics/tx_bytes >/dev/null"
	local want
	want=$(printf '%s\n' \
		"rd-consoles	c_start#$ncon	kprobe	$con	vmlinux" \
		"rd-cpuinfo	c_start#$ncpu	kprobe	$cpu	vmlinux" \
		"rd-cpuinfo	c_start#$ncpu	kretprobe	$cpu	vmlinux" \
		"rd-netstats	dummy_get_stats64	kprobe	$st	dummy" | sort)

	# Attach cookies came in 5.15; before, the BPF side finds the probe by address. On 5.15+
	# KSYMTRACE_FORCE_ADDR_IDS=1 takes that path too, so both are checked on every kernel.
	local -a modes=(cookies forced)
	kernel_at_least 5.15 || modes=(address)
	local mode
	for mode in "${modes[@]}"; do
		if [[ $mode == forced ]]; then
			KSYMTRACE_FORCE_ADDR_IDS=1 kt_run -j attach --no-multi c_start --all "c_start@$cpu%return" dummy_get_stats64 -c "$cmd"
		else
			kt_run -j attach --no-multi c_start --all "c_start@$cpu%return" dummy_get_stats64 -c "$cmd"
		fi
		[ "$status" -eq 0 ]
		case $mode in
		# with cookies dummy_get_stats64 is a tracefs dummy:dummy_get_stats64 event (armed on each load)
		cookies) [[ $err == *"5 probes attached: 4 one kprobe each (--no-multi), 1 as tracefs events on their module (armed on each load), told apart by attach cookies"* ]] ;;
		forced) [[ $err == *"5 probes attached one kprobe each (--no-multi), told apart by address lookup (KSYMTRACE_FORCE_ADDR_IDS=1)"* ]] ;;
		address) [[ $err == *"5 probes attached one kprobe each (--no-multi), told apart by address lookup, as this kernel has no attach cookies"* ]] ;;
		esac
		[ "$(jq -r 'select(has("summary") | not) | [.comm, .probe, .kind, .addr, .module] | @tsv' <<<"$out" |
			sort -u)" = "$want" ]
		# as many returns as calls, two stats files read, two calls; the summary agrees event
		# for event, and nothing went unidentified
		jq -e -s '(map(select(has("summary") | not))) as $ev | last as $s
			| ([$ev[] | select(.comm == "rd-cpuinfo" and .kind == "kprobe")] | length)
				== ([$ev[] | select(.kind == "kretprobe")] | length)
			and ([$ev[] | select(.comm == "rd-netstats")] | length) == 2
			and $s.unidentified == 0 and $s.lost == 0 and ($s.probes | length == 5)' <<<"$out"
		local label
		for label in c_start#1 c_start#2 c_start#3 "c_start#$ncpu%return" dummy_get_stats64; do
			assert_probe_hits "$label" == "$(ksymtrace_events "$label" | wc -l)"
		done
	done
	no_probes_left
}
