#!/usr/bin/env bats
# The per-boot symbol snapshot on real kernels (issue 15): a module loaded or unloaded between
# two runs changes the answer exactly as it changes a live read's, and BPF programs, which come
# and go without a module changing, are always read live. Every answer is compared with
# --no-cache, a live read of the same moment; what -v says shows which table answered.

# shellcheck disable=SC2154 # $err and $out are set by kt_run
load helpers

setup() {
	require_vm
	require_ksymtrace
	rmmod dummy 2>/dev/null || true
	T=$BATS_TEST_TMPDIR
}

teardown() {
	# a failed test must not leave its ksymtrace attached: a probe on an ftrace site
	# keeps an ftrace ops registered, and while one is, the kernel keeps a loaded
	# module's freed init symbols in /proc/kallsyms (ftrace_free_mem(), 4.15+),
	# which changes what the later module tests read
	ksymtrace_stop_left
	rmmod dummy 2>/dev/null || true
}

# same ARGS...: stdout and exit status equal a live read's; $err is what -v said
same() {
	local o s e
	kt_run -v "$@"
	o=$out s=$status e=$err
	kt_run --no-cache "$@"
	[ "$s" -eq "$status" ] && [ "$o" = "$out" ] || {
		echo "default ($s): $o"
		echo "live ($status): $out"
		return 1
	}
	err=$e
}

said() {
	[[ $err == *"$1"* ]] || {
		echo "stderr: $err"
		echo "want:   $1"
		return 1
	}
}

@test "vm cache: insmod and rmmod dummy between two runs change the answer as they change a live read's" {
	same resolve c_start
	same resolve c_start dummy_get_stats64
	[ "$status" -eq 1 ]
	said "snapshot used"
	insmod "$KSYMTRACE_VM_DUMMY_KO"
	same resolve dummy_get_stats64 'dummy:*' c_start
	[ "$status" -eq 0 ]
	said "snapshot missed: modules were loaded, unloaded or reloaded since it was written"
	said "snapshot rebuilt"
	same -j resolve dummy_get_stats64 'dummy:*' c_start
	said "snapshot used"
	[[ $out == *'"module":"dummy"'* ]]
	a=$(ksym_addr dummy_get_stats64 1 dummy)
	same resolve "$a" "$(printf '0x%x' $((a + 1)))"
	same list -m dummy
	said "snapshot used"
	rmmod dummy
	same resolve c_start dummy_get_stats64
	[ "$status" -eq 1 ]
	said "snapshot missed: modules were loaded, unloaded or reloaded since it was written"
	same list -m vmlinux 'c_*'
	said "snapshot used"
}

@test "vm cache: BPF programs are always read live, while ksymtrace's own are loaded and after" {
	sysctl -qw net.core.bpf_jit_kallsyms=1 2>/dev/null || true
	same resolve c_start
	# not through kt: $! must be ksymtrace's own pid, for the kill below
	"$KSYMTRACE" attach 'c_start#1' -d 90 </dev/null >"$T/attach.out" 2>&1 &
	pid=$!
	for _ in $(seq 120); do
		grep -q $'\t\\[bpf\\]$' /proc/kallsyms && break
		sleep 0.5
	done
	grep $'\t\\[bpf\\]$' /proc/kallsyms | awk '{print $3}' | sort >"$T/want"
	[ -s "$T/want" ] || {
		cat "$T/attach.out"
		return 1
	}
	kt_run -v -j resolve 'bpf:*'
	[ "$status" -eq 0 ]
	said "the live table answers that"
	jq -r .name <<<"$out" | sort >"$T/got"
	diff "$T/want" "$T/got"
	# a name the kernel shows once: a global BPF subprogram (kt_fetch_one) is one
	# symbol per program that calls it, all of one name, numbered #1, #2 by resolve
	name=$(uniq -u "$T/want" | head -n 1)
	[ -n "$name" ]
	addr=$(grep -m 1 " $name"$'\t' /proc/kallsyms | awk '{print $1}')
	kt_run -v resolve "$name" "0x$addr"
	[ "$status" -eq 0 ]
	said "the live table answers that"
	[[ $out == *"0x$addr: $name [bpf]"* ]]
	# the core kernel's and the modules' symbols still come from the snapshot
	same resolve c_start
	said "snapshot used"
	kill -TERM "$pid"
	wait "$pid"
	pid=
	# the kernel frees a program once the last perf event that held it is gone
	for _ in $(seq 60); do
		grep -q " $name"$'\t' /proc/kallsyms || break
		sleep 0.5
	done
	same resolve 'bpf:*' "$name"
	said "the live table answers that"
	[ "$status" -eq 1 ]
}
