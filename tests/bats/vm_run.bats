#!/usr/bin/env bats
# scripts/vm-run and scripts/vm-kernels.sh on this machine, without booting anything: which
# kernel `latest` is, what -k and -j accept. A fake cache stands for fetched kernels, so no
# network is used.
load helpers

setup() {
	command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64 (scripts/deps.sh)"
	[ -x /bin/busybox ] || skip "no busybox-static (scripts/deps.sh)"
	export KSYMTRACE_VM_CACHE=$BATS_TEST_TMPDIR/cache
	mkdir -p "$KSYMTRACE_VM_CACHE/kernels"
}

# cached RELEASE [SERIES] — a fetched kernel in the fake cache, SERIES (default latest)
# pointing at it.
cached() {
	local d=$KSYMTRACE_VM_CACHE/kernels/$1
	mkdir -p "$d"
	echo "linux-image-$1 1" >"$d/package"
	touch "$d/.complete"
	ln -sfn "$1" "$KSYMTRACE_VM_CACHE/kernels/${2:-latest}"
}

@test "vm-kernels: latest is the newest generic amd64 image by Debian version" {
	# shellcheck source=scripts/vm-kernels.sh
	. "$ROOT/scripts/vm-kernels.sh"
	run vm_newest_image <<'EOF'
linux-image-6.19.14+deb13-amd64 6.19.14-1~bpo13+1
linux-image-7.9.2+deb13-amd64 7.9.2-1~bpo13+1
linux-image-7.10.1+deb13-amd64 7.10.1-1~bpo13+1
linux-image-7.11.0+deb13-cloud-amd64 7.11.0-1~bpo13+1
linux-image-7.11.0+deb13-rt-amd64 7.11.0-1~bpo13+1
linux-image-7.11.0+deb13-amd64-dbg 7.11.0-1~bpo13+1
linux-image-7.11.0+deb13-amd64-unsigned 7.11.0-1~bpo13+1
linux-image-amd64 7.11.0-1~bpo13+1
linux-image-6.1.0-56-amd64 6.1.192-2
EOF
	[ "$status" -eq 0 ]
	[ "$output" = "linux-image-7.10.1+deb13-amd64 7.10.1-1~bpo13+1" ]
	run vm_newest_image <<<"linux-image-cloud-amd64 7.3.4-1"
	[ "$status" -ne 0 ]
	[ -z "$output" ]
}

@test "vm-run: -k 7.3 and -k latest name the cached newest kernel, with its release" {
	cached 7.3.4+deb13-amd64
	run "$ROOT/scripts/vm-run" -k 7.3 --fetch-only
	[ "$status" -eq 0 ]
	[ "$output" = "vm latest (7.3.4+deb13-amd64): linux-image-7.3.4+deb13-amd64 1 in $KSYMTRACE_VM_CACHE/kernels/7.3.4+deb13-amd64" ]
	run "$ROOT/scripts/vm-run" -k latest,7.3 --fetch-only
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == "vm latest (7.3.4+deb13-amd64): "* ]]
}

@test "vm-run: an unknown series says which exist, exit 2" {
	run "$ROOT/scripts/vm-run" -k 7.3 --fetch-only
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: unknown kernel '7.3' (5.10, 6.1, 6.12, latest or all)" ]
	cached 7.3.4+deb13-amd64
	run "$ROOT/scripts/vm-run" -k 7.2 --fetch-only
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: unknown kernel '7.2' (5.10, 6.1, 6.12, latest (7.3) or all)" ]
}

@test "vm-run: -j and KSYMTRACE_VM_JOBS want a number of VMs, exit 2" {
	run "$ROOT/scripts/vm-run" -j 0 --fetch-only
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: --jobs (KSYMTRACE_VM_JOBS) wants a number of VMs, not '0'" ]
	KSYMTRACE_VM_JOBS=two run "$ROOT/scripts/vm-run" --fetch-only
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: --jobs (KSYMTRACE_VM_JOBS) wants a number of VMs, not 'two'" ]
}

@test "vm-run: --ko is checked against each kernel's release before anything boots, exit 2" {
	local ko=$ROOT/tests/fixtures/modules/fixmod.ko # vermagic 6.1.0-test
	cached 6.1.0-test 6.1
	cached 6.1.0-other latest
	mkdir -p "$BATS_TEST_TMPDIR/b/6.1"
	cp "$ko" "$BATS_TEST_TMPDIR/b/6.1/fixmod.ko"
	run "$ROOT/scripts/vm-run" -k 6.1 --ko "$BATS_TEST_TMPDIR/b/%k/fixmod.ko" --fetch-only
	[ "$status" -eq 0 ]
	run "$ROOT/scripts/vm-run" -k 6.1 --ko "$ko" --fetch-only
	[ "$status" -eq 0 ]
	run "$ROOT/scripts/vm-run" -k latest --ko "$ko" --fetch-only
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: --ko $ko: built for 6.1.0-test, not for kernel latest (6.1.0-other): build it against scripts/vm-run -k latest --headers" ]
	run "$ROOT/scripts/vm-run" -k 6.1,latest --ko "$BATS_TEST_TMPDIR/b/%k/fixmod.ko" --fetch-only
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: --ko: no $BATS_TEST_TMPDIR/b/latest/fixmod.ko for kernel latest (6.1.0-other)" ]
	run "$ROOT/scripts/vm-run" -k 6.1 --ko "$BATS_TEST_TMPDIR/nothing.ko" --fetch-only
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: --ko $BATS_TEST_TMPDIR/nothing.ko: no such file" ]
	run "$ROOT/scripts/vm-run" -k 6.1 --ko "$ROOT/README.md" --fetch-only
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: --ko $ROOT/README.md: not a kernel module" ]
}

@test "vm-run: --project wants a directory, --headers one kernel and no command, exit 2" {
	run "$ROOT/scripts/vm-run" --project "$BATS_TEST_TMPDIR/none" --fetch-only
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: --project $BATS_TEST_TMPDIR/none: no such directory" ]
	run "$ROOT/scripts/vm-run" -k 5.10,6.1 --headers
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: --headers takes one kernel: -k 5.10, 6.1, 6.12 or latest" ]
	run "$ROOT/scripts/vm-run" -k 6.1 --headers -- true
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vm-run: --headers fetches and prints: give no command" ]
}
