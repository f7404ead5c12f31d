#!/usr/bin/env bats
# The CI recipe of tests/examples/mymod, run exactly as a user would run it: a copy of the
# example project outside this checkout, its module built from its few lines of C against
# each Debian kernel's headers (scripts/vm-run --headers), and its own bats file run as
# root in each kernel's VM by scripts/vm-run --project --ko. Where this machine cannot
# build for a kernel (trixie's kbuild programs need glibc 2.38; Debian 12 has 2.36), the
# same runs with the kernel's own dummy.ko and a test of it, and the reason is printed.
# Boots every kernel once: scripts/test.sh recipe. As root, like the VM suite.

setup_file() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	P=$BATS_FILE_TMPDIR/project
	CACHE=${KSYMTRACE_VM_CACHE:-/var/cache/ksymtrace-vm}
	cp -r "$ROOT/tests/examples/mymod" "$P"
	# a test of dummy.ko for the kernels no module can be built for here, beside the
	# project's own tests (not in them: `bats tests` must not run it)
	cp -r "$BATS_TEST_DIRNAME/dummy" "$P/dummy-tests"
	BUILT='' DUMMY=''
	local k why
	for k in 5.10 6.1 6.12 latest; do
		if why=$("$ROOT/scripts/vm-run" -k "$k" --headers 2>&1 >/dev/null); then
			BUILT+=" $k"
		else
			DUMMY+=" $k"
			printf '# %s: dummy.ko: %s\n' "$k" "$(grep -v '^Get:\|^Fetched' <<<"$why" | tail -n 1)" >&3
		fi
	done
	export ROOT P CACHE BUILT DUMMY
}

setup() {
	[[ $EUID -eq 0 ]] || skip "boots the test VM as root: scripts/test.sh recipe"
	[[ -x $ROOT/build/ksymtrace ]] || { echo "build ksymtrace first (cmake --build build)" >&2; return 1; }
}

# summary_ok OUTPUT KERNEL... — vm-run's summary line of each kernel says its tests passed
summary_ok() {
	local out=$1 k rel
	shift
	for k; do
		rel=$(basename "$(realpath "$CACHE/kernels/$k")")
		[[ $k != latest ]] || rel="latest ($rel)"
		grep -qE "^vm $(sed 's/[.+()]/\\&/g' <<<"$rel"): [1-9][0-9]* passed, 0 failed$" <<<"$out" || {
			echo "no passing summary for $k ($rel)"
			return 1
		}
	done
}

@test "recipe: ci.sh builds mymod for each kernel and its tests pass in each kernel's VM" {
	[[ -n $BUILT ]] || skip "this machine can build modules for none of the kernels"
	# the VMs need the slot only while they run; ci.sh is all a user's CI would call
	run env KSYMTRACE_DIR="$ROOT" KERNELS="${BUILT# }" "$P/ci.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	local k
	for k in $BUILT; do
		[ "$(modinfo -F name "$P/build/$k/mymod.ko")" = mymod ]
	done
	summary_ok "$output" $BUILT
	# each kernel ran the project's three tests
	[ "$(grep -c '^ok [0-9]* writing poke calls mymod_poke once, and it returns 0$' <<<"$output")" -eq "$(wc -w <<<"$BUILT")" ]
}

@test "recipe: kernels this machine cannot build for run the same way with dummy.ko" {
	[[ -n $DUMMY ]] || skip "every kernel's module was built"
	local ko="$CACHE/kernels/%r/lib/modules/%r/kernel/drivers/net/dummy.ko"
	run "$ROOT/scripts/vm-run" -j "${KSYMTRACE_VM_JOBS:-2}" -k "$(tr ' ' , <<<"${DUMMY# }")" --project "$P" --ko "$ko" \
		-- bats --tap dummy-tests
	echo "$output"
	[ "$status" -eq 0 ]
	summary_ok "$output" $DUMMY
}
