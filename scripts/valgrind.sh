#!/bin/bash
# Run resolve and list under valgrind's memcheck over the live table
# (/proc/kallsyms) and over bad input, and module files and decode over the
# fixtures, and fail on any memory error, any leak (definite, indirect or
# possible), a descriptor left open, or an unexpected exit code. Prints TAP (one test per command) for scripts/test.sh.
#   scripts/valgrind.sh                 uses build/ksymtrace (built if missing)
#   KSYMTRACE=path/to/ksymtrace scripts/valgrind.sh
# Memcheck needs an unsanitized binary: not build-asan.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! command -v valgrind >/dev/null; then
	echo "1..1"
	echo "not ok 1 - valgrind is not installed (apt-get install valgrind; scripts/test.sh's deps step does)"
	exit 1
fi
BIN=${KSYMTRACE:-$ROOT/build/ksymtrace}
if [[ ! -x $BIN ]]; then
	cmake -S "$ROOT" -B build >/dev/null && cmake --build build -j "$(nproc)" >/dev/null || {
		echo "1..1"
		echo "not ok 1 - cannot build $BIN"
		exit 1
	}
fi
KALLSYMS=${KSYMTRACE_KALLSYMS:-/proc/kallsyms}
# ksymtrace's messages over the live table hold this boot's kernel addresses: for
# the owner only, and removed on every way out (bash runs no EXIT trap on a
# signal it does not trap)
umask 077
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# Names to ask for that this table has: its most duplicated function name, one
# unique function, and an address inside that function.
read -r DUP UNIQ UNIQ_ADDR < <(awk '
	$2 ~ /^[tT]$/ && $1 !~ /^0+$/ && $3 !~ /^__pfx_/ { n[$3]++; a[$3] = $1 }
	END {
		best = ""; uniq = ""
		for (k in n) {
			if (n[k] > n[best]) best = k
			if (n[k] == 1 && uniq == "") uniq = k
		}
		print best, uniq, a[uniq]
	}' "$KALLSYMS")
if [[ -z ${UNIQ_ADDR:-} ]]; then
	echo "1..1"
	echo "not ok 1 - $KALLSYMS has no function with an address (run as root, or set KSYMTRACE_KALLSYMS)"
	exit 1
fi
ADDR=$(printf '0x%x' $((0x$UNIQ_ADDR + 1)))
printf 'ffffffff81000000 T _stext\nffffffff81000010 t ok_fn\nnot a line\n' >"$TMP/partly-bad.kallsyms"
# module files (libelf, liblzma, libzstd) and decode, on the fixtures
FIX=$ROOT/tests/fixtures
KO=$FIX/modules/fixmod.ko
xz -c "$KO" >"$TMP/fixmod.ko.xz"
zstd -q -c "$KO" >"$TMP/fixmod.ko.zst"
head -c 1000 "$KO" >"$TMP/truncated.ko"

# expected exit code | arguments (split on spaces; every case names its own table).
# Memcheck runs ~50x slower: a few runs over the whole live table, the error
# paths over small ones.
CASES=(
	"0|-k $KALLSYMS resolve $DUP $UNIQ $ADDR ${UNIQ}+0x4 vmlinux:$UNIQ ${UNIQ:0:4}*"
	"1|-k $KALLSYMS -j resolve --traceable $DUP ${UNIQ}_no_such_symbol"
	"0|-k $KALLSYMS -j list --all-types"
	"0|-k $KALLSYMS list --traceable ${UNIQ:0:4}*"
	"0|-v -k $TMP/partly-bad.kallsyms resolve ok_fn"
	"1|-k $TMP/partly-bad.kallsyms list no_such_symbol_*"
	"1|-k $TMP/no-such-file resolve x"
	"1|-k $TMP resolve x"
	"2|-k $TMP/partly-bad.kallsyms resolve foo+0xzz"
	"0|-k $FIX/basic.kallsyms resolve --module-file $KO --module-file $TMP/fixmod.ko.xz fixmod:* fixmod:fix_dup#2 c_start+0x10/0x40"
	"0|-k $FIX/basic.kallsyms -j list --module-file $TMP/fixmod.ko.zst --all-types fixmod:*"
	"1|-k $FIX/basic.kallsyms resolve --module-file $TMP/truncated.ko fixmod:*"
	"0|-k $FIX/basic.kallsyms decode $FIX/decode/oops.txt"
	"0|-k $FIX/basic.kallsyms -j decode $FIX/decode/stack.txt"
)

# "ERROR SUMMARY: 0 errors", "definitely lost: 0 bytes", ...: one number from the log
vg_num() { # log pattern
	sed -n "s/^==[0-9]*== *$2 \([0-9,]*\).*/\1/p" "$1" | tail -1 | tr -d ,
}
# descriptors open at exit that ksymtrace opened itself (not inherited, not std)
own_fds() { # log
	awk '/Open file descriptor [0-9]+:/ { fd = 1; next }
	     fd && /<inherited from parent>/ { fd = 0; next }
	     fd { n++; fd = 0 }
	     END { print n + 0 }' "$1"
}

echo "1..${#CASES[@]}"
failed=0
i=0
for c in "${CASES[@]}"; do
	i=$((i + 1))
	want=${c%%|*}
	read -r -a args <<<"${c#*|}"
	log=$TMP/vg.$i
	start=$SECONDS
	valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--track-fds=yes --log-file="$log" "$BIN" "${args[@]}" >/dev/null 2>"$TMP/err"
	rc=$?
	errors=$(vg_num "$log" 'ERROR SUMMARY:')
	in_use=$(vg_num "$log" 'in use at exit:')
	allocs=$(vg_num "$log" 'total heap usage:')
	fds=$(own_fds "$log")
	what="ksymtrace ${args[*]}: exit $rc, ${errors:-?} errors, ${in_use:-?} bytes in use at exit (${allocs:-?} allocations), $fds descriptors left open, $((SECONDS - start)) s"
	if ((rc == want)) && [[ $errors == 0 && $in_use == 0 && $fds == 0 ]]; then
		echo "ok $i - $what"
	else
		failed=1
		echo "not ok $i - $what (want exit $want, 0 errors, 0 bytes, 0 descriptors)"
		grep -v '^==[0-9]*== *$' "$log" | sed 's/^/# /' | head -n 60
		sed 's/^/# stderr: /' "$TMP/err" | head -n 5
	fi
done
exit "$failed"
