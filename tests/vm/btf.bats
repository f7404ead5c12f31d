#!/usr/bin/env bats
# The kernel's own BTF on every kernel scripts/vm-run boots (issue 9, part A): prototypes for
# vmlinux and for a module (dummy), the kfunc tags, what attach --dry-run plans to record, and
# the reasons for raw registers that each kernel's BTF gives. What each kernel's BTF holds was
# measured from the Debian images (bpftool btf dump): 5.10's pahole kept one prototype per name
# and no module BTF; 6.1's pahole 1.24 -j one per encoder thread (type_show: 3, of 10
# functions); 6.12's and 7.3's pahole 1.30 check every function of a name and tag kfuncs.
# Kernels are told apart by version (kernel_at_least), so a newer "latest" falls on the
# side of 6.12.

load helpers

# dummy, for a module's BTF (6.1, 6.12) or its absence (5.10)
setup_file() {
	[[ -z ${KSYMTRACE_VM_KERNEL:-} ]] || insmod "$KSYMTRACE_VM_DUMMY_KO"
}

teardown_file() {
	[[ -z ${KSYMTRACE_VM_KERNEL:-} ]] || rmmod dummy 2>/dev/null || true
}

setup() {
	require_vm
	require_ksymtrace
}

# the line under the row naming $1 in $out
under() {
	printf '%s\n' "$out" | grep -A1 -E -- "  $1( |$)" | sed -n 2p
}

@test "proto: vfs_read's and a module's prototype from this kernel's BTF" {
	kt_run resolve --proto vfs_read dummy:dummy_get_stats64
	[ "$status" -eq 0 ]
	[ "$(under vfs_read)" = "      ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)" ]
	if kernel_at_least 6.1; then
		[ "$(under dummy_get_stats64)" = "      void dummy_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *stats)" ]
	else
		[[ $(under dummy_get_stats64) == "      (no prototype)  [module dummy has no BTF (no /sys/kernel/btf/dummy: "* ]]
	fi
}

@test "kfuncs: tagged from 6.12, and one line where BTF has no tags" {
	kt_run list --kfuncs 'bpf_*'
	if kernel_at_least 6.12; then
		[ "$status" -eq 0 ]
		[ "$(grep -c '^      .*  \[kfunc\]$' <<<"$out")" -gt 5 ]
		[ -z "$err" ]
	else
		[ "$status" -eq 1 ]
		[ -z "$out" ]
		[ "$err" = "ksymtrace: this kernel's BTF marks no kfuncs: the bpf_kfunc declaration tags came with Linux 6.11 and pahole 1.27 (Linux 5.10 and 6.1 have none)" ]
	fi
}

@test "plan: c_start and type_show, typed or raw as each kernel's BTF allows" {
	kt_run attach 'c_start#1' 'type_show#1' --dry-run
	[ "$status" -eq 0 ]
	if kernel_at_least 6.12; then
		# pahole 1.30 checked all three c_start: one prototype, typed
		[[ $out == *"c_start#1"*$'\n'"  void *c_start(struct seq_file *m, loff_t *pos)"$'\n'"    m    di  pointer"* ]]
		[[ $out == *"type_show#1"*"  raw registers: no prototype of type_show in vmlinux's BTF"* ]]
	elif kernel_at_least 6.1; then
		[[ $out == *"c_start#1"*"  raw registers: 3 functions are named c_start, and this kernel's BTF comes from a pahole"* ]]
		[[ $out == *"type_show#1"*"  raw registers: "*" functions are named type_show, and BTF has 3 different prototypes for the name, but no addresses to tell which is which"* ]]
	else
		[[ $out == *"c_start#1"*"  raw registers: 3 functions are named c_start, and this kernel's BTF comes from a pahole that kept a prototype for some of them without checking the others (before 1.25)"* ]]
		[[ $out == *"type_show#1"*"  raw registers: "*" functions are named type_show, and this kernel's BTF comes from a pahole that kept"* ]]
	fi
}

@test "plan: a compiler clone and an offset are raw, with the reason" {
	local clone
	# a clone of the core kernel (not its __pfx_ padding)
	clone=$(awk '$2 ~ /^[tT]$/ && $3 ~ /^[a-z_]+\.(isra|constprop)\.0$/ && $3 !~ /^__pfx_/ && NF == 3 { print $3; exit }' /proc/kallsyms)
	[ -n "$clone" ]
	kt_run attach "$clone" 'vfs_read+0x8' --force --dry-run
	[ "$status" -eq 0 ]
	[[ $out == *"  raw registers: $clone is a compiler clone of ${clone%%.*}: its parameters may differ from ${clone%%.*}'s prototype"* ]]
	[[ $out == *"  raw registers: at +0x8 the parameters need not be where the calling convention put them"* ]]
}

@test "--arg: the issue's expressions compile against this kernel's BTF" {
	local open=do_sys_openat2
	kernel_at_least 5.11 || open=do_sys_open
	kt_run attach vfs_read "$open" --dry-run
	[ "$status" -eq 0 ]
	[[ $(tr -s ' ' <<<"$out") == *" filename si string (64 bytes at most)"* ]]
	kt_run attach vfs_read --arg 'name=file->f_path.dentry->d_name.name:string' --dry-run
	[ "$status" -eq 0 ]
	[[ $(tr -s ' ' <<<"$out") == *" name di+2 reads string (64 bytes at most) = name=file->f_path.dentry->d_name.name:string"* ]]
	kt_run attach dummy:dummy_get_stats64 --arg 'dev->name:string' --dry-run
	if kernel_at_least 6.1; then
		[ "$status" -eq 0 ]
		[[ $(tr -s ' ' <<<"$out") == *" dev->name di string (64 bytes at most) = dev->name:string"* ]]
	else
		[ "$status" -eq 2 ]
		[[ $err == "ksymtrace: dummy_get_stats64: --arg 'dev->name:string': at 'dev': parameter names need BTF types, and here there are none (module dummy has no BTF "* ]]
	fi
}
