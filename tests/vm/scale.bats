#!/usr/bin/env bats
# Attach at scale (issue 10), for real, on every kernel scripts/vm-run boots: a glob of
# some 500 functions (what the kernel's own lists say cannot be traced left out), ended by
# `| head -1`; an exact name's compiler clones (--clones); kretprobes as tracefs events
# (--maxactive) and the calls they miss, and no tracefs event left on any way out; on 6.12+
# (CONFIG_FPROBE), kprobe_multi links against one perf kprobe per address on one workload.
# What must hold is worked out without ksymtrace: names from /proc/kallsyms, traceability
# from available_filter_functions and the kprobes blacklist, events from tracefs.

# shellcheck disable=SC2154 # $err and $out are set by kt_run
load helpers

TRACING=/sys/kernel/tracing
GLOBS=('proc_*' 'seq_*' 'kernfs_*' 'sysfs_*')

setup_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || return 0 # bats 1.8 cannot skip here: setup() does
	ksym_snapshot
}

setup() { attach_setup; }

# no_events_left — no tracefs kprobe event of any ksymtrace group is there.
no_events_left() {
	! grep -E '^[pr][0-9]*:ksymtrace_' "$TRACING/kprobe_events" || {
		echo "tracefs events left behind"
		return 1
	}
}

# no_ftrace_left — no function is hooked by ftrace (a kprobe_multi link's fprobe, or a
# kprobe on ftrace): the VM hooks none of its own.
no_ftrace_left() {
	[[ -z $(<"$TRACING/enabled_functions") ]] || {
		echo "functions still hooked:"
		head "$TRACING/enabled_functions"
		return 1
	}
}

# multi_kernel — whether this kernel has kprobe_multi links (tests/vm/README.md's table:
# CONFIG_FPROBE from Debian's 6.12 on)
multi_kernel() {
	kernel_at_least 6.12
}

# the text symbols (core kernel and modules) whose names begin with one of PREFIXES...
text_named() {
	awk -v p="$*" 'BEGIN { n = split(p, want, " ") }
		$2 == "t" || $2 == "T" {
			for (i = 1; i <= n; i++) if (index($3, want[i]) == 1) { print $3; next }
		}' "$KSYMS_FILE"
}

# busy / unbusy — something that reads files in /proc all along, so that probes fire
busy() {
	(while :; do cat /proc/self/stat /proc/cpuinfo >/dev/null; sleep 0.05; done) 3>&- &
	BUSY=$!
}
unbusy() {
	kill "$BUSY" 2>/dev/null || true
	wait "$BUSY" 2>/dev/null || true
}

teardown() {
	[[ -z ${BUSY:-} ]] || unbusy
	ksymtrace_stop_left
}

@test "glob: some 500 functions, the untraceable left out; | head -1 ends it, nothing left behind" {
	local planned left total n
	# the plan: every probe ftrace lists and kprobes may take, the rest said once per glob
	kt_run -j attach "${GLOBS[@]}" --dry-run
	[ "$status" -eq 0 ]
	jq -r '.name' <<<"$out" | sort -u >"$T/planned"
	planned=$(jq -s length <<<"$out")
	left=$(grep -o 'left out [0-9]* match' <<<"$err" | awk '{ s += $3 } END { print s + 0 }')
	total=$(text_named "${GLOBS[@]%\*}" | wc -l)
	echo "planned $planned, left out $left, $total text symbols"
	[ "$planned" -ge 400 ]
	[ "$left" -gt 0 ]
	[ $((planned + left)) -eq "$total" ]
	# each one in the ftrace list and none in the blacklist, by the kernel's own files
	awk '{ print $1 }' "$TRACING/available_filter_functions" | sort -u >"$T/ftrace"
	[ -z "$(comm -23 "$T/planned" "$T/ftrace")" ]
	awk '{ print $2 }' /sys/kernel/debug/kprobes/blacklist | sort -u >"$T/blacklist"
	[ -z "$(comm -12 "$T/planned" "$T/blacklist")" ]

	# for real, until the first event reaches head: the pipe's end stops the run
	busy
	timeout -k 5 240 "$KSYMTRACE" attach "${GLOBS[@]}" </dev/null 2>"$T/e" | head -n 1 >"$T/first"
	unbusy
	cat "$T/e"
	n=$(sed -n 's/^ksymtrace: \([0-9]*\) probes attached.*/\1/p' "$T/e")
	[ "$n" -eq "$planned" ]
	if multi_kernel; then
		grep -q "^ksymtrace: $n probes attached through 1 kprobe_multi link," "$T/e"
	fi
	[ "$(wc -l <"$T/first")" -eq 1 ]
	no_probes_left
	no_ftrace_left
	no_events_left
}

@test "--clones: an exact name's clones are said, then probed, and summed by source name" {
	local base clones n
	# a core-kernel name of one function whose clones (none of them .cold) and itself
	# ftrace lists, and kprobes do not refuse: "name clone..." in $T/pick
	awk 'FILENAME == ARGV[1] { ok[$1] = 1; next }
		FILENAME == ARGV[2] { bl[$2] = 1; next }
		NF == 3 && ($2 == "t" || $2 == "T") {
			if ($3 ~ /^[A-Za-z0-9_]+(\.(isra|constprop|part|llvm)\.[0-9]+)+$/) {
				b = $3; sub(/\..*/, "", b); cl[b] = cl[b] " " $3; if (!ok[$3]) bad[b] = 1
			} else if ($3 !~ /\./) exact[$3]++
		}
		END { for (b in cl) if (exact[b] == 1 && ok[b] && !bl[b] && !bad[b]) print b cl[b] }' \
		"$TRACING/available_filter_functions" /sys/kernel/debug/kprobes/blacklist "$KSYMS_FILE" |
		sort | head -n 1 >"$T/pick"
	read -r base _ <"$T/pick"
	[ -n "$base" ]
	clones=$(($(wc -w <"$T/pick") - 1))
	echo "$base: $clones clones: $(<"$T/pick")"
	kt_run attach "$base" --dry-run
	[ "$status" -eq 0 ]
	[[ $err == *"$base: also compiled as "*": calls through "*" are not traced; --clones adds "* ]]
	kt_run -j attach "$base" --clones -c true
	[ "$status" -eq 0 ]
	n=$((clones + 1))
	[[ $err == *"$base: with its compiler clone"* ]]
	tail -n 1 <<<"$out" | jq -e --arg b "$base" --argjson n "$n" \
		'.sources == [{"source": $b, "kind": "kprobe", "probes": $n, "hits": ([.probes[].hits] | add),
		  "missed": .sources[0].missed}] and (.probes | length) == $n'
	no_probes_left
	no_ftrace_left
}

# sleepers N — N sleep processes at once, each once through do_nanosleep
SLEEPERS='for i in $(seq 64); do sleep 1 & done; wait'

@test "--maxactive: 1 instance for 64 sleepers misses calls, 128 misses none; its events go" {
	kt_run -j attach 'do_nanosleep%return' --maxactive 1 --comm sleep -c "grep -c '^r1:ksymtrace_' $TRACING/kprobe_events >$T/ev; $SLEEPERS"
	[ "$status" -eq 0 ]
	[ "$(<"$T/ev")" -eq 1 ]
	[[ $err == *"1 probe attached as tracefs kretprobe events (--maxactive)"* ]]
	tail -n 1 <<<"$out" | jq -e '.probes[0].missed > 0 and .probes[0].hits + .probes[0].missed >= 64'
	no_events_left
	kt_run -j attach 'do_nanosleep%return' --maxactive 128 --comm sleep -c "$SLEEPERS"
	[ "$status" -eq 0 ]
	tail -n 1 <<<"$out" | jq -e '.probes[0].missed == 0 and .probes[0].hits == 64'
	no_events_left
	no_probes_left
}

# bg_events ARGS... — ksymtrace attach ARGS in the background ($pid), once its tracefs
# events are there
bg_events() {
	"$KSYMTRACE" attach "$@" >/dev/null 2>"$T/e" </dev/null 3>&- &
	pid=$!
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q "^[pr][0-9]*:ksymtrace_$pid/" "$TRACING/kprobe_events" && grep -q 'probes\? attached' "$T/e" && return 0
		sleep 0.1
	done
	echo "no event of $pid after 30 s"
	cat "$T/e"
	kill -KILL "$pid"
	return 1
}

@test "--maxactive: no tracefs event left after SIGTERM, SIGINT, | head -1, a refused attach; SIGKILL's by the next run" {
	local sig rc
	for sig in TERM INT; do
		bg_events 'vfs_read%return' --maxactive 4
		kill -"$sig" "$pid"
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" -eq 0 ]
		no_events_left
	done
	busy
	kt attach 'vfs_read%return' --maxactive 4 2>"$T/e" | head -n 1 >/dev/null
	unbusy
	no_events_left
	# a probe the kernel refuses (inside an instruction) after the event was made
	kt_run attach 'do_nanosleep%return' --maxactive 4 'vfs_write+1' -c true
	[ "$status" -eq 1 ]
	no_events_left
	bg_events 'vfs_read%return' --maxactive 4
	kill -KILL "$pid"
	wait "$pid" || true
	grep -q "^r4:ksymtrace_$pid/" "$TRACING/kprobe_events"
	kt_run attach vfs_read --maxactive 4 -r -c true
	[ "$status" -eq 0 ]
	[[ $err == *"removed 1 tracefs kprobe event left by ksymtrace processes that are gone (pid $pid)"* ]]
	no_events_left
	no_probes_left
}

@test "kprobe_multi (6.12+): one workload, the same events and summary as one kprobe per address" {
	multi_kernel || skip "no kprobe_multi before 6.12 in Debian (CONFIG_FPROBE off)"
	local way
	for way in multi single; do
		kt_run -j attach c_start --all 'vfs_read%return' --comm cat --stack \
			$([[ $way == single ]] && echo --no-multi) -c 'cat /proc/cpuinfo >/dev/null'
		[ "$status" -eq 0 ]
		if [[ $way == multi ]]; then
			[[ $err == *"4 probes attached through 2 kprobe_multi links, told apart by attach cookies"* ]]
		else
			[[ $err == *"4 probes attached one kprobe each (--no-multi), told apart by attach cookies"* ]]
		fi
		# what identifies each event, and the first frame of its stack
		jq -c 'select(has("summary") | not) | [.probe, .addr, .kind, .module, (.stack[0] // null)]' \
			<<<"$out" >"$T/$way.events"
		tail -n 1 <<<"$out" | jq -c '[.probes[] | [.probe, .addr, .kind, .hits, .missed]], .lost' >"$T/$way.summary"
	done
	cat "$T/multi.summary"
	[ -s "$T/multi.events" ]
	diff "$T/multi.events" "$T/single.events"
	diff "$T/multi.summary" "$T/single.summary"
	# counted per link, and 0: every probe's missed is 0, not unknown
	head -n 1 "$T/multi.summary" | jq -e 'map(.[4]) | all(. == 0)'
	no_probes_left
	no_ftrace_left
}
