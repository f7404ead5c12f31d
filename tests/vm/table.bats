#!/usr/bin/env bats
# The symbol table against a real kernel's own lists. Aliases: two or more names at one
# function's start (__do_sys_getpid, __ia32_sys_getpid and __x64_sys_getpid on 6.12). Since v6.5
# (commit 83f74441bcac) available_filter_functions_addrs names every traceable function once,
# by the address ftrace patches (the start, or start+4 after an ENDBR), under one of its
# names; every name at that start must read as traceable, and attach must take any of them
# without --force. The pair is found at run time from /proc/kallsyms, the _addrs file and the
# kprobes blacklist, never from ksymtrace's own answers.

# shellcheck disable=SC2154 # $err and $out are set by kt_run
load helpers

ADDRS=/sys/kernel/tracing/available_filter_functions_addrs

setup_file() {
	[[ -n ${KSYMTRACE_VM_KERNEL:-} && -r $ADDRS ]] || return 0 # setup() skips
	ksym_snapshot
	alias_vars
}

setup() {
	require_vm
	[[ -r $ADDRS ]] || skip "no $ADDRS on $(uname -r): the kernel lists functions by address since 6.5"
	require_ksymtrace
	[[ -n ${AL_START:-} ]] || {
		echo "no aliased traceable function found in $KSYMS_FILE and $ADDRS"
		return 1
	}
}

# alias_vars — export AL_START (0x…), the start of a core-kernel function with two or more
# text names, each unique in the table, whose start or start+4 the _addrs file lists and
# that no kprobes blacklist range covers; AL_SITE, the address listed; AL_LISTED, the name
# listed there; AL_OTHERS, its other names (space-separated). The first such in address order.
alias_vars() {
	local vars
	vars=$(python3 - "$KSYMS_FILE" "$ADDRS" /sys/kernel/debug/kprobes/blacklist <<'PY'
import collections, sys
kallsyms, addrs, blacklist = sys.argv[1:]
listed = {}
for line in open(addrs):
    f = line.split()
    if len(f) >= 2:
        listed[int(f[0], 16)] = f[1]
names, count = collections.defaultdict(list), collections.Counter()
for line in open(kallsyms):
    f = line.split()
    if f[1] in ("t", "T"):
        count[f[2]] += 1
        if len(f) == 3 and not f[2].startswith("__pfx_"):
            names[int(f[0], 16)].append(f[2])
ranges = []
for line in open(blacklist):
    start, _, end = line.split()[0].partition("-")
    ranges.append((int(start, 16), int(end, 16)))
for start in sorted(names):
    group = names[start]
    site = next((start + d for d in (0, 4) if start + d in listed), None)
    if len(group) < 2 or site is None or listed[site] not in group:
        continue
    if any(count[n] > 1 for n in group) or any(s <= start < e for s, e in ranges):
        continue
    others = " ".join(n for n in group if n != listed[site])
    print(f"AL_START=0x{start:x} AL_SITE=0x{site:x} AL_LISTED={listed[site]} AL_OTHERS='{others}'")
    break
PY
	)
	eval "$vars"
	export AL_START AL_SITE AL_LISTED AL_OTHERS
}

@test "aliases: resolve --traceable says yes for every name at a listed start" {
	echo "start $AL_START, listed at $AL_SITE as $AL_LISTED; also $AL_OTHERS"
	# shellcheck disable=SC2086 # AL_OTHERS is a list of names
	kt_run -j resolve --traceable "$AL_LISTED" $AL_OTHERS
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map(.addr) | unique' <<<"$out")" = "[\"$AL_START\"]" ]
	[ "$(jq -sc 'map(.traceable) | unique' <<<"$out")" = '[true]' ]
	[ "$(jq -s length <<<"$out")" -eq $((1 + $(wc -w <<<"$AL_OTHERS"))) ]
	# the address ftrace patches answers with every name there, all traceable
	kt_run -j resolve --traceable "$AL_SITE"
	[ "$status" -eq 0 ]
	[ "$(jq -sc 'map(.traceable) | unique' <<<"$out")" = '[true]' ]
	[ "$(jq -s length <<<"$out")" -eq $((1 + $(wc -w <<<"$AL_OTHERS"))) ]
}

@test "aliases: attach --dry-run takes each name without --force" {
	local name
	for name in "$AL_LISTED" $AL_OTHERS; do
		kt_run -j attach --dry-run "$name"
		[ "$status" -eq 0 ]
		[ "$(jq -c '[.probe, .addr, .traceable]' <<<"$out")" = "[\"$name\",\"$AL_START\",true]" ]
		[[ $err != *"--force"* ]]
	done
}
