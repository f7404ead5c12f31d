#!/usr/bin/env bash
# Measure, on the running kernel, the per-kernel facts of tests/vm/README.md's table: what
# the boot loaded, how a kprobe by a duplicated name is refused, cookies, kprobe_multi,
# module BTF, the symbol table's size and duplicates, the entry of a function. Run it in the
# test VM, on every kernel at once:
#
#   scripts/vm-run -k all -- scripts/vm-facts.sh
#
# It loads dummy.ko and adds (then removes) one tracefs kprobe event; run it only in the VM.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ -n ${KSYMTRACE_VM_KERNEL:-} ]] || {
	echo "vm-facts: runs inside the test VM (scripts/vm-run -- scripts/vm-facts.sh)" >&2
	exit 2
}
KSYMTRACE=${KSYMTRACE:-$ROOT/build/ksymtrace} # helpers.bash would ask bats where it is
# shellcheck source=tests/vm/helpers.bash
. "$ROOT/tests/vm/helpers.bash"
T=/sys/kernel/tracing
fact() { printf '%-28s %s\n' "$1:" "$2"; }

fact kernel "$KSYMTRACE_VM_KERNEL ($(uname -r))"
fact "guest uptime at start" "$(cut -d' ' -f1 /proc/uptime) s"
# What /init loaded, in its order: boot-modules beside the config in the host's cache.
fact "modules loaded at boot" "$(sed 's|.*/||; s|\.ko$||' "${KSYMTRACE_VM_CONFIG%/*}/boot-modules" | paste -sd' ')"
if [[ -d /sys/module/virtio_pci ]] && ! grep -qw '^virtio_pci' /proc/modules; then
	fact virtio_pci "built in"
else
	fact virtio_pci module
fi
kconfig() { sed -n "s/^$1=//p" "$KSYMTRACE_VM_CONFIG" | grep . || echo n; }
for c in CONFIG_FPROBE CONFIG_FPROBE_EVENTS CONFIG_DEBUG_INFO_BTF_MODULES CONFIG_X86_KERNEL_IBT; do
	fact "$c" "$(kconfig "$c")"
done

# A kprobe by the duplicated name c_start: through the perf kprobe PMU (what libbpf uses for
# a kprobe by name) and through tracefs, with the kernel's own words from error_log.
pmu_errno=$(python3 - <<'EOF'
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
name = ctypes.create_string_buffer(b"c_start")
attr = ctypes.create_string_buffer(128)
ctypes.c_uint32.from_buffer(attr, 0).value = int(open("/sys/bus/event_source/devices/kprobe/type").read())
ctypes.c_uint32.from_buffer(attr, 4).value = 112        # PERF_ATTR_SIZE_VER5
ctypes.c_uint64.from_buffer(attr, 56).value = ctypes.addressof(name)  # kprobe_func
fd = libc.syscall(298, attr, -1, 0, -1, 8)              # perf_event_open, FD_CLOEXEC
if fd >= 0:
    print("accepted (fd %d)" % fd)
else:
    e = ctypes.get_errno()
    print("%s (%d)" % (errno.errorcode.get(e, "?"), e))
EOF
)
fact "perf kprobe by name c_start" "$pmu_errno"
: >"$T/error_log" 2>/dev/null
if out=$(printf '%s\n' 'p:vmfacts/dup c_start' 2>&1 >>"$T/kprobe_events"); then
	fact "tracefs p:... c_start" "accepted"
	echo '-:vmfacts/dup' >>"$T/kprobe_events"
else
	fact "tracefs p:... c_start" "${out##*: } / error_log: $(grep -io 'error: .*' "$T/error_log" | tail -n1)"
fi

# bpftool probes every helper of every program type (about 20 s under TCG): only kprobe's.
helpers=$(bpftool feature probe kernel 2>/dev/null |
	sed -n '/helpers supported for program type kprobe:/,/^eBPF helpers supported/p')
for h in bpf_get_attach_cookie bpf_get_func_ip; do
	if grep -qw "$h" <<<"$helpers"; then fact "$h (kprobe)" yes; else fact "$h (kprobe)" no; fi
done
fact available_filter_functions_addrs "$([[ -e $T/available_filter_functions_addrs ]] && echo yes || echo no)"

insmod "$KSYMTRACE_VM_DUMMY_KO" 2>/dev/null || modprobe dummy
fact "/sys/kernel/btf/dummy" "$([[ -e /sys/kernel/btf/dummy ]] && echo yes || echo no)"

ksym_snapshot
fact "kallsyms lines" "$(wc -l <"$KSYMS_FILE") (dummy.ko loaded)"
fact "duplicated function names" "$(awk '$2 ~ /^[tT]$/ { n[$3]++ } END { for (k in n) if (n[k] > 1) d++; print d }' "$KSYMS_FILE")"
fact "__pfx_ symbols" "$(grep -c ' __pfx_' "$KSYMS_FILE")"
fact "c_start instances" "$(ksym_addrs c_start | wc -l)"
fact "first instruction of vfs_write" "$(kcore_disasm "$(ksym_addr vfs_write)" 8 | head -n1 | cut -f3)"
fact "first instruction of c_start#1" "$(kcore_disasm "$(ksym_addr c_start 1)" 8 | head -n1 | cut -f3)"
# Where a probe asked for at +0 is registered: +0x4 past an ENDBR (IBT kernels).
a=$(ksym_addr c_start 1)
printf 'p:vmfacts/c0 %s\n' "$a" >>"$T/kprobe_events"
printf 'p:vmfacts/w0 %s\n' "$(ksym_addr vfs_write)" >>"$T/kprobe_events"
fact "probe at c_start#1+0 is at" "$(kprobes_list | awk '$3 ~ /^c_start\+/ { print $3; exit }')"
fact "probe at vfs_write+0 is at" "$(kprobes_list | awk '$3 ~ /^vfs_write\+/ { print $3; exit }')"
echo '-:vmfacts/c0' >>"$T/kprobe_events"
echo '-:vmfacts/w0' >>"$T/kprobe_events"
rmmod dummy
