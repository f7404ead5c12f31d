# shellcheck shell=bash
# ksymtrace's bats helper library: run a command under kprobes and assert what the kernel
# did, in a user's own bats tests. `cmake --install` puts it in PREFIX/lib/bats/ksymtrace/;
# load it with
#
#     bats_load_library ksymtrace     # BATS_LIB_PATH=/usr/local/lib/bats (bats 1.7+)
#     load /usr/local/lib/bats/ksymtrace/load
#
# Tests that attach must run as root, on a kernel with kprobes (scripts/vm-run boots Debian's
# kernels for that). The library reads ksymtrace's JSON Lines with jq (Debian's jq package):
# one jq pass per run, the assertions themselves are bash.
#
#   ksymtrace_run [ATTACH-ARG...] [-- COMMAND [ARG...]]
#                          ksymtrace -j attach ATTACH-ARGs -c 'COMMAND ARG...': the probes
#                          are attached before COMMAND starts and removed when it ends
#   ksymtrace_load FILE    read FILE, JSON Lines that some other `ksymtrace -j attach` wrote
#   ksymtrace_hits PROBE   the hits of PROBE (a glob sums them), from the summary
#   ksymtrace_retvals PROBE  the return values of PROBE's events, one per line, as the 64-bit
#                          register in signed decimal (a bool as 1 or 0), or an enum's
#                          enumerator name, as ksymtrace showed it
#   ksymtrace_events [PROBE]  the events (of PROBE), one JSON object per line
#   ksymtrace_summary [JQ-FILTER]  the summary object, or FILTER applied to it
#   assert_probe_hits PROBE OP N          OP: == != >= <= > <
#   assert_probe_never_fired PROBE
#   assert_probe_retval PROBE [any|all] OP N   (N: a number, or with == and != an enum's
#                                               enumerator name)
#   assert_expectations_held     every --expect given to ksymtrace_run held
#
# PROBE is a probe's label as ksymtrace's summary prints it (c_start#1, vfs_read%return,
# dummy_get_stats64), or a glob over the labels. The assertions read as --expect does
# (ksymtrace attach --help) and compare the same way: a retval N from -2^31 to 2^31-1
# compares the register's low 32 bits, signed (an int's upper half is undefined on x86-64),
# other N all 64 bits, signed below 2^63. A failed assertion prints one line, what was
# expected and what was seen, and returns 1, which fails the test.
#
# Variables: KSYMTRACE (the binary; default: ksymtrace in PATH), KSYMTRACE_TIMEOUT (seconds
# one run may take, default 120). After ksymtrace_run: ksymtrace_status (its exit status),
# ksymtrace_stderr (its standard error, where COMMAND's output goes too), KSYMTRACE_JSONL
# (the file of its standard output).

# ksymtrace_run [ATTACH-ARG...] [-- COMMAND [ARG...]] — returns 0 when ksymtrace exits 0;
# otherwise prints its stderr and returns its status (4: an --expect did not hold), so that
# the test fails there unless it says `|| true` and checks $ksymtrace_status itself.
ksymtrace_run() {
	local -a args=()
	local cmd='' dir=${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}
	while (($#)) && [[ $1 != -- ]]; do
		args+=("$1")
		shift
	done
	if (($#)); then
		shift
		(($#)) || { echo "ksymtrace_run: nothing after --: give a command" >&2; return 2; }
		# for /bin/sh, which runs -c: each word in single quotes (bash's printf %q may
		# write $'...', which dash does not read)
		local w sq="'\\''"
		for w; do cmd+="'${w//\'/$sq}' "; done
		args+=(-c "$cmd")
	fi
	local bin=${KSYMTRACE:-ksymtrace}
	command -v "$bin" >/dev/null || { echo "ksymtrace_run: no $bin: install ksymtrace or set KSYMTRACE" >&2; return 2; }
	ksymtrace_status=0
	timeout -k 5 "${KSYMTRACE_TIMEOUT:-120}" "$bin" -j attach "${args[@]}" \
		</dev/null >"$dir/ksymtrace.jsonl" 2>"$dir/ksymtrace.stderr" || ksymtrace_status=$?
	ksymtrace_stderr=$(<"$dir/ksymtrace.stderr")
	ksymtrace_load "$dir/ksymtrace.jsonl" || return
	if ((ksymtrace_status != 0)); then
		printf 'ksymtrace_run: ksymtrace -j attach %s exited %d:\n%s\n' "${args[*]}" \
			"$ksymtrace_status" "$ksymtrace_stderr" >&2
		return "$ksymtrace_status"
	fi
}

# ksymtrace_load FILE — index FILE's summary and returns for the readers and assertions
# (one jq pass). A run that printed no summary leaves them with no probe.
ksymtrace_load() {
	KSYMTRACE_JSONL=$1
	local idx=$1.idx
	# hits<TAB>label<TAB>N and ret<TAB>label<TAB>VALUE: the label as the summary prints
	# it; a return value as ksymtrace typed it (attach --help): a number or a hex string
	# as they are, a bool as 1 or 0, an enumerator's name as =NAME, and ?WHAT where there
	# is no value to compare: a void function (or one BTF cannot type), a struct
	jq -r 'if .summary == true then (.probes[] |
			"hits\t\(.probe)\(if .kind == "kretprobe" then "%return" else "" end)\t\(.hits)")
		elif .kind == "kretprobe" and has("ts_ns") then
			"ret\t\(.probe)%return\t\(.retval | if type == "boolean" then (if . then 1 else 0 end)
				elif type == "string" and (test("^-?[0-9]") | not) then "=\(.)"
				elif type == "object" then (.value // "?a struct returned by value")
				elif . == null then "?no value (a void function, or BTF cannot say)"
				else . end)"
		else empty end' "$1" >"$idx" 2>/dev/null || {
		echo "ksymtrace_load: $1 is not ksymtrace's JSON Lines (ksymtrace -j attach)" >&2
		return 1
	}
}

_ksymtrace_need_run() {
	[[ -n ${KSYMTRACE_JSONL:-} && -e $KSYMTRACE_JSONL.idx ]] || {
		echo "${FUNCNAME[1]}: no run to read: call ksymtrace_run (or ksymtrace_load FILE) first" >&2
		return 1
	}
}

# ksymtrace_hits PROBE — the hits of every probe whose label matches PROBE, summed; fails
# when none does.
ksymtrace_hits() {
	_ksymtrace_need_run || return
	local kind label n sum=0 found=0
	while IFS=$'\t' read -r kind label n; do
		# shellcheck disable=SC2053 # PROBE is a glob
		[[ $kind == hits && $label == $1 ]] || continue
		found=1
		sum=$((sum + 10#$n))
	done <"$KSYMTRACE_JSONL.idx"
	((found)) || {
		echo "ksymtrace_hits: no probe is labelled $1; the probes are: $(_ksymtrace_labels)" >&2
		return 1
	}
	echo "$sum"
}

_ksymtrace_labels() {
	awk -F'\t' '$1 == "hits" { printf "%s%s", sep, $2; sep = ", " }' "$KSYMTRACE_JSONL.idx"
}

# ksymtrace_retvals PROBE — the return register of each event of the kretprobes PROBE
# matches, in signed 64-bit decimal, in order; an enum's value by its enumerator's name.
ksymtrace_retvals() {
	_ksymtrace_need_run || return
	local kind label v
	while IFS=$'\t' read -r kind label v; do
		# shellcheck disable=SC2053
		[[ $kind == ret && $label == $1 ]] || continue
		case $v in
		=*) echo "${v#=}"; continue ;;
		'?'*) echo "ksymtrace_retvals: $label: ${v#\?}" >&2; return 1 ;;
		esac
		_ksymtrace_int "$v" v || { echo "ksymtrace_retvals: $label: not a return value: $v" >&2; return 1; }
		echo "$v"
	done <"$KSYMTRACE_JSONL.idx"
}

# ksymtrace_events [PROBE] — the events, one JSON object per line; with PROBE, those of the
# probes whose label matches it.
ksymtrace_events() {
	_ksymtrace_need_run || return
	local label obj
	while IFS=$'\t' read -r label obj; do
		# shellcheck disable=SC2053 # PROBE is a glob
		if [[ $# -eq 0 || $label == $1 ]]; then printf '%s\n' "$obj"; fi
	done < <(jq -r 'select(.summary | not)
		| "\(.probe)\(if .kind == "kretprobe" then "%return" else "" end)\t\(tojson)"' "$KSYMTRACE_JSONL")
}

# ksymtrace_summary [JQ-FILTER] — the summary object, compact, or FILTER applied to it
# (raw output: `ksymtrace_summary .lost` prints a number).
ksymtrace_summary() {
	_ksymtrace_need_run || return
	jq -c -e 'select(.summary == true)' "$KSYMTRACE_JSONL" >/dev/null || {
		echo "ksymtrace_summary: $KSYMTRACE_JSONL has no summary: the run did not end normally" >&2
		return 1
	}
	jq -r "select(.summary == true) | ${1:-tojson}" "$KSYMTRACE_JSONL"
}

# _ksymtrace_int TEXT VAR — TEXT (decimal, 0x hex, a leading -) as bash's 64-bit integer
# into VAR: the register's bits; fails past 64 bits. Never octal: 010 is ten.
_ksymtrace_int() {
	local t=$1 neg='' m
	[[ $t == -* ]] && neg=- t=${t#-}
	if [[ $t =~ ^0[xX]0*([0-9a-fA-F]{1,16})$ ]]; then
		m=$((16#${BASH_REMATCH[1]}))
	elif [[ $t =~ ^0*([0-9]{1,20})$ ]]; then
		local d=${BASH_REMATCH[1]}
		# twenty digits: compared as text, which is their order (bash would wrap)
		# shellcheck disable=SC2071
		((${#d} < 20)) || [[ $d < 18446744073709551616 ]] || return 1
		m=$((10#$d))
	else
		return 1
	fi
	[[ -z $neg ]] || m=$((0 - m))
	printf -v "$2" '%d' "$m"
}

# _ksymtrace_width N — how a return register compares with the literal N: s32, s64 or u64.
_ksymtrace_width() {
	local t=${1#-} v
	_ksymtrace_int "$t" v || return 1
	if [[ $1 == -* ]]; then
		# bash's 64 bits: -(2^63) is its own magnitude; -(2^63 + k) is no s64
		((v >= 0 && v <= 2147483648)) && echo s32 && return
		((v > 0)) || [[ $v == -9223372036854775808 ]] || return 1
		echo s64
	elif ((v >= 0 && v <= 2147483647)); then echo s32
	elif ((v > 0)); then echo s64
	else echo u64
	fi
}

# _ksymtrace_cmp A OP B WIDTH — A OP B, 64-bit values compared as WIDTH says.
_ksymtrace_cmp() {
	local a=$1 b=$3
	case $4 in
	s32) a=$(((a & 0xffffffff) ^ 0x80000000)) a=$((a - 0x80000000)) ;;
	u64) a=$((a ^ (1 << 63))) b=$((b ^ (1 << 63))) ;;
	esac
	case $2 in
	'==') ((a == b)) ;; '!=') ((a != b)) ;; '>=') ((a >= b)) ;;
	'<=') ((a <= b)) ;; '>') ((a > b)) ;; '<') ((a < b)) ;;
	*) return 2 ;;
	esac
}

_ksymtrace_op() {
	case $1 in '==' | '!=' | '>=' | '<=' | '>' | '<') return 0 ;; esac
	echo "${FUNCNAME[1]}: '$1' is not a comparison: OP is ==, !=, >=, <=, > or <" >&2
	return 2
}

# assert_probe_hits PROBE OP N — the hits of PROBE (summed over a glob) compare true.
assert_probe_hits() {
	(($# == 3)) || { echo "usage: assert_probe_hits PROBE OP N" >&2; return 2; }
	_ksymtrace_op "$2" || return
	local n
	[[ $3 =~ ^[0-9]+$ ]] || { echo "assert_probe_hits: '$3' is not a count" >&2; return 2; }
	n=$(ksymtrace_hits "$1") || return 1
	_ksymtrace_cmp "$n" "$2" "$((10#$3))" s64 || {
		echo "assert_probe_hits: expected $1 $2 $3, actual: $n hit$( ((n == 1)) || echo s)" >&2
		return 1
	}
}

# assert_probe_never_fired PROBE — no hit on PROBE (any probe a glob matches).
assert_probe_never_fired() {
	local n
	n=$(ksymtrace_hits "$1") || return 1
	((n == 0)) || {
		echo "assert_probe_never_fired: $1 fired: $n hit$( ((n == 1)) || echo s)" >&2
		return 1
	}
}

# assert_probe_retval PROBE [any|all] OP N — all (the default): at least one return, and
# every return value of PROBE compares true; any: at least one does.
assert_probe_retval() {
	local mode=all
	if [[ $2 == any || $2 == all ]]; then mode=$2; set -- "$1" "${@:3}"; fi
	(($# == 3)) || { echo "usage: assert_probe_retval PROBE [any|all] OP N" >&2; return 2; }
	_ksymtrace_op "$2" || return
	local w=name n=$3 v returns=0 matched=0 first='' hits lost values names=0 num=
	if [[ $3 =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
		[[ $2 == '==' || $2 == '!=' ]] || {
			echo "assert_probe_retval: an enumerator ($3) compares with == or != only" >&2
			return 2
		}
	elif ! w=$(_ksymtrace_width "$3") || ! _ksymtrace_int "$3" n; then
		echo "assert_probe_retval: '$3' is not a number (decimal or 0x hex, 64 bits at most) nor an enumerator's name" >&2
		return 2
	fi
	hits=$(ksymtrace_hits "$1") || return 1
	values=$(ksymtrace_retvals "$1") || return 1
	while read -r v; do
		[[ -n $v ]] || continue
		returns=$((returns + 1))
		if [[ $v =~ ^[A-Za-z_] && $w != name ]]; then
			echo "assert_probe_retval: $1 returned $v, an enumerator: compare it by name (== $v)" >&2
			return 2
		fi
		# by name (a value no enumerator names is shown as a number: never equal)
		if [[ $w == name ]]; then
			if [[ $v =~ ^[A-Za-z_] ]]; then names=$((names + 1)); else num=${num:-$v}; fi
			if [[ ($2 == '==' && $v == "$n") || ($2 == '!=' && $v != "$n") ]]; then
				matched=$((matched + 1))
			elif [[ -z $first ]]; then
				first=$v
			fi
		elif _ksymtrace_cmp "$v" "$2" "$n" "$w"; then
			matched=$((matched + 1))
		elif [[ -z $first ]]; then
			first=$v
			[[ $w != s32 ]] || first=$(((v & 0xffffffff) ^ 0x80000000)) first=$((first - 0x80000000))
		fi
	done <<<"$values"
	if [[ $w == name ]] && ((returns > 0 && names == 0)); then
		echo "assert_probe_retval: $1 returned numbers (the first: $num): '$3' is neither a number nor, there, an enumerator" >&2
		return 2
	fi
	# returns the kernel counted but never delivered (a full ring buffer)
	lost=$((hits - returns))
	if [[ $mode == any ]] && ((matched > 0)); then return 0; fi
	if [[ $mode == all ]] && ((returns > 0 && matched == returns && lost <= 0)); then return 0; fi
	local why="$matched of $returns returns $2 $3${first:+ (the first other: $first)}"
	((returns > 0 || lost > 0)) || why='no return was seen'
	((lost <= 0)) || why+=", and $lost more were lost (a full ring buffer)"
	echo "assert_probe_retval: expected $1 retval $mode $2 $3, actual: $why" >&2
	return 1
}

# assert_expectations_held — every --expect of the run held (the summary's expectations);
# prints the reason of each that did not.
assert_expectations_held() {
	local bad
	bad=$(ksymtrace_summary '.expectations // [] | .[] | select(.ok | not) | "\(.expr): \(.why)"') || return 1
	[[ -z $bad ]] || {
		printf 'assert_expectations_held: %s\n' "$bad" >&2
		return 1
	}
}
