#!/usr/bin/env bats
# Attach at scale (issue 10) on this machine: globs and --max-probes, compiler
# clones (--clones, .cold), and through ksymtrace-double (tests/double) the
# banner's kprobe_multi links and the summary's MISSED column. The fake kernel
# is tests/fixtures/scale.*: net_rx has the clones net_rx.isra.0 and
# net_rx.constprop.1 and the piece net_rx.cold; net_poll is notrace, net_bl
# blacklisted, __pfx_net_rx padding. Real links, misses and tracefs events:
# tests/vm/scale.bats.
load helpers

TABLE="$FIX/scale.kallsyms"

setup() { double_setup scale; }

need_bpf() {
	[[ $(id -u) -eq 0 ]] || skip "loading BPF programs needs root"
}

kt() {
	"$KSYMTRACE" -k "$TABLE" "$@"
}

# kd ARGS...: ksymtrace-double on the fixture table, no terminal, 20 s at most
kd() {
	timeout -k 2 20 "$DOUBLE" -k "$TABLE" "$@" </dev/null
}

# the PROBE column of a --dry-run plan, sorted, one line
planned() {
	awk '$3 == "kprobe" || $3 == "kretprobe" || $4 == "kprobe" || $4 == "kretprobe" { print $2 }' <<<"$output" |
		sort | paste -sd ' '
}

# ---- globs -----------------------------------------------------------------------------

@test "glob: every traceable match is taken; the untraceable are left out in one line, listed with -v" {
	need_bpf
	run --separate-stderr kt attach 'net_*' --dry-run
	[ "$status" -eq 0 ]
	[ "$(planned)" = "net_mod net_mod.isra.0 net_rx net_rx.constprop.1 net_rx.isra.0 net_tx net_tx.llvm.123456 net_tx.part.0" ]
	[ "$(grep -c 'left out' <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"net_*: left out 6 matches that cannot be traced"*"-v lists them)"* ]]
	run --separate-stderr kt attach 'net_*' --dry-run -v
	[ "$status" -eq 0 ]
	[[ $stderr == *"net_bl [vmlinux] 0xffffffff81001700: in the kprobes blacklist"* ]]
	# the kernel refuses a clone of a blacklisted function too (within_kprobe_blacklist()
	# looks the name up again without its suffix): seen refused on 6.1's pci_serr_error.part.0
	[[ $stderr == *"net_bl.part.0 [vmlinux] 0xffffffff81001a00: in the kprobes blacklist"* ]]
	[[ $stderr == *"net_poll [vmlinux] 0xffffffff81001600: notrace (not in available_filter_functions)"* ]]
	[[ $stderr == *"net_rx.cold [vmlinux] 0xffffffff81001300: a .cold piece, not a function entry"* ]]
	[[ $stderr == *"net_tx.part.0.cold [vmlinux]"* && $stderr == *"net_gone.cold [vmlinux]"* ]]
	# a module's glob
	run --separate-stderr kt attach 'dummy:*' --dry-run
	[ "$status" -eq 0 ]
	[ "$(planned)" = "dummy_last net_mod net_mod.isra.0" ]
}

@test "glob: more matches than --max-probes is refused with the count and the option" {
	need_bpf
	run --separate-stderr kt attach 'net_*' --max-probes 7 --dry-run
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"ksymtrace: net_*: 8 functions match, more than --max-probes 7: refused, nothing attached"* ]]
	[[ $stderr == *"HINT: --max-probes 8 takes them all, or give a narrower glob"* ]]
	run --separate-stderr kt attach 'net_*' --max-probes 8 --dry-run
	[ "$status" -eq 0 ]
	# exact names are not bounded by it: they keep their own rules
	run --separate-stderr kt attach net_rx net_tx vfs_read --max-probes 1 --dry-run
	[ "$status" -eq 0 ]
	[ "$(planned)" = "net_rx net_tx vfs_read" ]
}

@test "usage: --max-probes and --maxactive want numbers in range, exit 2" {
	run --separate-stderr kt attach net_rx --max-probes 0 --dry-run
	assert_usage "--max-probes '0': give a number of probes from 1 to"
	run --separate-stderr kt attach net_rx -r --maxactive 0 --dry-run
	assert_usage "--maxactive '0': give a number of kretprobe instances from 1 to 4096"
	run --separate-stderr kt attach net_rx -r --maxactive 4097 --dry-run
	assert_usage "--maxactive '4097': give a number of kretprobe instances from 1 to 4096"
}

# ---- compiler clones -------------------------------------------------------------------

@test "clones: resolve and attach say in one line that calls through them are not traced" {
	run --separate-stderr kt resolve net_rx
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ] # the header and net_rx
	[ "$stderr" = "ksymtrace: net_rx: also compiled as net_rx.constprop.1 and net_rx.isra.0: calls through them are not traced by a probe on the name; attach --clones adds them" ]
	need_bpf
	run --separate-stderr kt attach net_rx --dry-run
	[ "$status" -eq 0 ]
	[ "$(planned)" = "net_rx" ]
	[[ $stderr == *"ksymtrace: net_rx: also compiled as net_rx.constprop.1 and net_rx.isra.0: calls through them are not traced; --clones adds them"* ]]
	# a name without clones says nothing of them
	run --separate-stderr kt attach vfs_read --dry-run
	[[ $stderr != *"compiled as"* ]]
}

@test "clones: --clones probes them too (never the .cold piece), and says so" {
	need_bpf
	run --separate-stderr kt attach net_rx --clones --dry-run
	[ "$status" -eq 0 ]
	[ "$(planned)" = "net_rx net_rx.constprop.1 net_rx.isra.0" ]
	[[ $stderr == *"net_rx: with its compiler clones net_rx.constprop.1 and net_rx.isra.0 (--clones)"* ]]
	run --separate-stderr kt attach 'net_tx%return' --clones --dry-run
	[ "$status" -eq 0 ]
	[ "$(planned)" = "net_tx%return net_tx.llvm.123456%return net_tx.part.0%return" ]
}

@test "a clone of a blacklisted function is refused like it, as the kernel would" {
	need_bpf
	run --separate-stderr kt attach net_bl.part.0 --dry-run
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"net_bl.part.0"*"blacklist"* ]]
}

@test "clones: a .cold piece is no entry nor return: refused, saying why" {
	need_bpf
	run --separate-stderr kt attach net_rx.cold --dry-run
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"net_rx.cold is a .cold piece of net_rx, not a function: net_rx jumps to it on an unlikely path and nothing calls it, so it has no entry"* ]]
	run --separate-stderr kt attach 'net_rx.cold%return' --dry-run
	[ "$status" -eq 1 ]
	[[ $stderr == *"a .cold piece of net_rx, not a function"* ]]
}

# ---- links and missed counts, through the test double --------------------------------

@test "banner: kprobe_multi links where the kernel has them; --no-multi and offsets one kprobe each" {
	KT_DOUBLE_MULTI=1 run --separate-stderr kd attach net_rx 'net_tx%return' -d 0.2
	[ "$status" -eq 0 ]
	[[ $stderr == *"ksymtrace: 2 probes attached through 2 kprobe_multi links, told apart by"* ]]
	KT_DOUBLE_MULTI=1 run --separate-stderr kd attach net_rx 'net_tx%return' --no-multi -d 0.2
	[ "$status" -eq 0 ]
	[[ $stderr == *"ksymtrace: 2 probes attached one kprobe each (--no-multi), told apart by"* ]]
	KT_DOUBLE_MULTI=1 run --separate-stderr kd attach net_rx net_tx+4 -d 0.2
	[ "$status" -eq 0 ]
	[[ $stderr == *"ksymtrace: 2 probes attached: 1 through 1 kprobe_multi link, 1 one kprobe each (at an offset, or in code ftrace cannot hook), told apart by"* ]]
	run --separate-stderr kd attach net_rx -d 0.2
	[[ $stderr == *"ksymtrace: 1 probe attached one kprobe each (this kernel has no kprobe_multi), told apart by"* ]]
}

@test "missed: the MISSED column and JSON's missed, per probe; ? and null where the kernel cannot tell" {
	recs <<-EOF
		probe=0 args=1,2,3,4,5,6
		probe=1 kind=kretprobe retval=0
		probe=1 kind=kretprobe retval=0
	EOF
	KT_DOUBLE_MISSED='0:7,1:?' run --separate-stderr kd attach net_rx 'net_tx%return' -d 0.3
	[ "$status" -eq 0 ]
	[[ $stderr =~ \ +HITS\ +MISSED\ +KIND\ +ADDRESS\ +PROBE ]]
	[[ $stderr =~ \ +1\ +7\ +kprobe\ +ffffffff81001010\ +net_rx$'\n' ]]
	[[ $stderr =~ \ +2\ +\?\ +kretprobe\ +ffffffff81001400\ +net_tx%return$'\n' ]]
	[[ $stderr == *"2 probes, 3 hits, 7 missed; 0 events lost to a full ring buffer"* ]]
	KT_DOUBLE_MISSED='0:7,1:?' run --separate-stderr kd -j attach net_rx 'net_tx%return' -d 0.3
	[ "$status" -eq 0 ]
	tail -n 1 <<<"$output" | jq -e '.summary == true and .lost == 0 and
		([.probes[] | {probe, missed, source}] == [{"probe": "net_rx", "missed": 7, "source": "net_rx"},
		 {"probe": "net_tx", "missed": null, "source": "net_tx"}])'
}

@test "missed: one line each for the counts this kernel does not keep, or keeps per link" {
	KT_DOUBLE_UNCOUNTED=kprobe,recursion KT_DOUBLE_MISSED='0:?' run --separate-stderr kd attach net_rx -d 0.2
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ksymtrace: missed: ' <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"missed: this kernel (before Linux 6.7) counts neither a kprobe's own misses nor the BPF programs' recursion"* ]]
	KT_DOUBLE_MULTI=1 KT_DOUBLE_SHARED=5:2 KT_DOUBLE_MISSED='0:?,1:?' run --separate-stderr kd attach net_rx net_tx -d 0.2
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ksymtrace: missed: ' <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"missed: 5 hits missed by 2 probes together, counted for a kprobe_multi link"* ]]
	# a kernel that counts everything per probe says nothing of it
	run --separate-stderr kd attach net_rx -d 0.2
	[[ $stderr != *"missed:"* ]]
}

@test "clones: the summary sums each source name's instances, text and JSON" {
	recs <<-EOF
		probe=0 args=1,2,3,4,5,6
		probe=1 args=1,2,3,4,5,6
		probe=2 args=1,2,3,4,5,6
		probe=2 args=1,2,3,4,5,6
	EOF
	run --separate-stderr kd attach net_rx --clones -d 0.3
	[ "$status" -eq 0 ]
	[[ $stderr =~ \ +HITS\ +MISSED\ +KIND\ +PROBES\ +SOURCE ]]
	[[ $stderr =~ \ +4\ +0\ +kprobe\ +3\ +net_rx ]]
	run --separate-stderr kd -j attach net_rx --clones -d 0.3
	[ "$status" -eq 0 ]
	tail -n 1 <<<"$output" | jq -e '.sources == [{"source": "net_rx", "kind": "kprobe", "probes": 3, "hits": 4, "missed": 0}]
		and ([.probes[].source] | unique) == ["net_rx"] and ([.probes[].hits] | add) == 4'
}
