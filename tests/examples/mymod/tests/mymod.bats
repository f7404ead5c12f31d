#!/usr/bin/env bats
# mymod's tests: run as root inside each Debian kernel's VM by ../ci.sh (scripts/vm-run
# --project), where KSYMTRACE_VM_KO is the mymod.ko built for that kernel and ksymtrace's
# bats library is on BATS_LIB_PATH.

setup_file() {
	insmod "$KSYMTRACE_VM_KO"
}

teardown_file() {
	rmmod mymod || true
}

setup() {
	bats_load_library ksymtrace
}

@test "writing poke calls mymod_poke once, and it returns 0" {
	ksymtrace_run mymod:mymod_poke 'mymod:mymod_poke%return' -- sh -c 'echo 5 >/sys/module/mymod/parameters/poke'
	assert_probe_hits mymod_poke == 1
	assert_probe_retval 'mymod_poke%return' == 0
	[ "$(cat /sys/module/mymod/parameters/poke)" -eq 5 ]
}

@test "a value that is not a number: mymod_poke returns -EINVAL" {
	# the same check, stated to ksymtrace itself: exit 4 (and the test fails) if it does not hold
	ksymtrace_run 'mymod:mymod_poke%return' --expect 'mymod_poke%return retval == -22' \
		-- sh -c 'echo nope >/sys/module/mymod/parameters/poke || true'
}

@test "reading poke never calls mymod_poke" {
	ksymtrace_run mymod:mymod_poke -- cat /sys/module/mymod/parameters/poke
	assert_probe_never_fired mymod_poke
}
