#!/usr/bin/env bats
# recipe.bats's stand-in for mymod's tests on a kernel this machine cannot build modules
# for: the kernel's own dummy.ko (KSYMTRACE_VM_KO), through the same vm-run --project --ko.

setup_file() {
	insmod "$KSYMTRACE_VM_KO"
}

teardown_file() {
	ip link del kt0 2>/dev/null || true
	rmmod dummy || true
}

setup() {
	bats_load_library ksymtrace
}

@test "dummy: adding a link validates it once, and dummy_validate returns 0" {
	ksymtrace_run dummy:dummy_validate 'dummy:dummy_validate%return' -- ip link add kt0 type dummy
	assert_probe_hits dummy_validate == 1
	assert_probe_retval 'dummy_validate%return' == 0
}

@test "dummy: reading one statistics file calls dummy_get_stats64 once" {
	# stated to ksymtrace: exit 4, and ksymtrace_run fails the test, if it does not hold
	ksymtrace_run dummy:dummy_get_stats64 --comm cat --expect 'dummy_get_stats64 == 1' \
		-- cat /sys/class/net/kt0/statistics/rx_bytes
}
