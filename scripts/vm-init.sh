#!/bin/busybox sh
# /init of the test VM's initramfs (busybox-static), written by scripts/vm-run.
#
# Loads the virtio, 9p and overlay modules listed in /modules/order, mounts the host's root
# read-only over virtio-9p with a tmpfs overlay on top, mounts the kernel filesystems the tests
# need, runs /job/job with bash in a chroot into the overlay, reports the exit status on the
# console and powers off. The host reads the console: every marker line carries this run's
# nonce (from /job/nonce) so output of the command can never be mistaken for one.

/bin/busybox mkdir -p /proc /sys /dev /sbin /usr/bin /usr/sbin /lower /rw /newroot
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

nonce=$(cat /job/nonce)

# Tell the host why, then stop the machine: never leave it waiting for a timeout.
die() {
	echo "ksymtrace-vm: init: $*"
	echo "KSYMTRACE_VM_EXIT=125 run=$nonce"
	halt_vm
}

halt_vm() {
	sync
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 10
}

while read -r m; do
	insmod "/modules/$m" || die "insmod $m failed"
done </modules/order

# The virtio device may be probed a moment after its driver registers.
i=0
until mount -t 9p -o "ro,trans=virtio,version=9p2000.L,msize=262144$(cat /job/9p-opts)" hostroot /lower 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || die "cannot mount the host root (9p tag hostroot)"
	sleep 0.1
done
mount -t tmpfs -o mode=0755 tmpfs /rw || die "tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot ||
	die "cannot mount the overlay on the host root"

r=/newroot
mount -t proc proc $r/proc || die "proc"
mount -t sysfs sysfs $r/sys || die "sysfs"
mount -t devtmpfs devtmpfs $r/dev || die "devtmpfs"
mkdir -p $r/dev/pts $r/dev/shm
# Since Linux 4.7 /dev/ptmx opens the devpts instance mounted at the pts beside it.
mount -t devpts -o ptmxmode=0666,mode=0620,gid=5 devpts $r/dev/pts || die "devpts"
mount -t tmpfs -o mode=1777 tmpfs $r/dev/shm
# bats and bash process substitution need /dev/fd.
ln -sfn /proc/self/fd $r/dev/fd
ln -sfn /proc/self/fd/0 $r/dev/stdin
ln -sfn /proc/self/fd/1 $r/dev/stdout
ln -sfn /proc/self/fd/2 $r/dev/stderr
mount -t tmpfs -o mode=0755 tmpfs $r/run
mount -t tracefs tracefs $r/sys/kernel/tracing || die "tracefs"
mount -t debugfs debugfs $r/sys/kernel/debug || die "debugfs"
mount -t bpf bpf $r/sys/fs/bpf || die "bpffs"
mount -t cgroup2 cgroup2 $r/sys/fs/cgroup 2>/dev/null || true

# modprobe/modinfo in the guest see only the modules unpacked for this kernel.
rel=$(uname -r)
kmods=$(cat /job/kmods)
mkdir -p "$r/lib/modules/$rel"
mount -o bind "$r$kmods" "$r/lib/modules/$rel" || die "cannot bind $kmods"

mkdir -p $r/run/ksymtrace-vm
cp /job/* $r/run/ksymtrace-vm/
hostname ksymtrace-vm

# From here on the console carries the command's output: only errors and worse from the
# kernel (what "quiet" would show), unless the host asked for --verbose. dmesg has the rest.
[ "$(cat /job/verbose)" = 1 ] || echo 4 >/proc/sys/kernel/printk
echo "KSYMTRACE_VM_BOOTED run=$nonce"
if [ "$(cat /job/mode)" = shell ]; then
	# A controlling terminal for job control and Ctrl-C: ttyS0, not /dev/console.
	setsid -c chroot $r /bin/bash /run/ksymtrace-vm/job <>/dev/ttyS0 >&0 2>&0
else
	chroot $r /bin/bash /run/ksymtrace-vm/job </dev/null
fi
rc=$?
echo "KSYMTRACE_VM_EXIT=$rc run=$nonce"
halt_vm
