#!/usr/bin/env bash
#
# system-map.sh -- make the System.map of the guest's kernel: the kernel's
# own /proc/kallsyms, read once from a boot on mhv with nokaslr, for vdb's
# symbols (vdb --hv --kernel K --symbols MAP, docs/linux-guest.md).
#
#   scripts/linux-guest/system-map.sh [--kernel DIR] [-o OUT]
#   scripts/linux-guest/system-map.sh --guest-command DEVICE
#
# Why this way: Debian's kernel package ships a one-line placeholder for
# System.map (the real one is in the -dbg package, 850 MB), and its vmlinux
# is stripped.  The running kernel has the table itself, in the same
# "ADDRESS TYPE NAME" format (CONFIG_KALLSYMS_ALL=y: functions and data).
# KASLR would move it at each boot; nokaslr keeps it at the link address,
# 0xffffffff81000000 -- where a vmlinux entered directly always runs (the
# randomization is the bzImage decompressor's).  So one boot is enough, and
# the map holds for every later boot with nokaslr, bzImage or vmlinux (vdb
# --hv --kernel adds nokaslr itself).
#
# The boot: the kernel cache's vmlinux with the guest's initramfs
# (initramfs.sh) and a raw 16 MiB disk (no file system: the guest writes
# the compressed table at its start).  The guest prints the byte count on
# the console ("@@kallsyms-gz N"); then N bytes of the disk are the map,
# gzip'd.  On a machine without a usable /dev/kvm the boot runs in the
# nested-KVM sandbox (tests/sandbox/kvm-sandbox.sh), which sends the bytes
# back on its stdout as base64.  No network is used.
#
#   --kernel DIR     the kernel cache (default: scripts/linux-kernel.sh's, build/sandbox/kernel)
#   -o OUT           the map (default DIR/System.map-nokaslr)
#   --guest-command DEVICE  print the guest's shell command, writing to the
#                    raw disk DEVICE (/dev/vdc), for a test that folds this
#                    into a boot of its own (tests/hv/linux.sh)
#
#   MHV      the mhv program (default bin/mhv)
#
# Exit status: 0 made; 1 it could not be made (the message says why); 2 usage.

set -uo pipefail

PROG=system-map
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

# The guest's side: the table, compressed, at the start of the raw disk
# DEVICE, and its length on the console.  (In init's vmlab.run="..." no "
# may appear.)
guest_command() {  # DEVICE
    echo "gzip -c /proc/kallsyms >/tmp/kallsyms.gz && echo @@kallsyms-gz \$(wc -c </tmp/kallsyms.gz) && dd if=/tmp/kallsyms.gz of=$1 bs=65536 2>/dev/null && sync"
}

die() { echo "$PROG: $*" >&2; exit 1; }
usage() {
    echo "usage: scripts/linux-guest/system-map.sh [--kernel DIR] [-o OUT] | --guest-command DEVICE" >&2
    exit 2
}

# --inside MHV VMLINUX INITRD DISK: the boot, where KVM is; prints the
# console's count line, then the gzip'd map in base64.
if [ "${1:-}" = --inside ]; then
    [ $# -eq 5 ] || exit 2
    mhv=$2 kernel=$3 initrd=$4 disk=$5
    "$mhv" run --kernel "$kernel" --initrd "$initrd" --disk "$disk" --timeout 300 \
        --append "nokaslr vmlab.run=\"$(guest_command /dev/vda)\"" </dev/null >/tmp/console.out 2>/tmp/console.err
    status=$?
    size=$(tr -d '\r' </tmp/console.out | sed -n 's/^@@kallsyms-gz \([0-9][0-9]*\)$/\1/p' | head -n 1)
    if [ $status -ne 0 ] || [ -z "$size" ]; then
        echo "the boot ended with status $status and no @@kallsyms-gz line; its console:" >&2
        tail -n 20 /tmp/console.out /tmp/console.err >&2
        exit 1
    fi
    echo "@@size $size"
    head -c "$size" "$disk" | base64
    exit 0
fi

kernel_dir="" out=""
while [ $# -gt 0 ]; do
    case $1 in
        --guest-command) [ $# -ge 2 ] || usage; guest_command "$2"; exit 0 ;;
        --kernel) [ $# -ge 2 ] || usage; kernel_dir=$2; shift 2 ;;
        -o|--output) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
        -h|--help) usage ;;
        *) echo "$PROG: unknown argument '$1'" >&2; usage ;;
    esac
done
cd "$REPO" || exit 1
if [ -z "$kernel_dir" ]; then
    kernel_dir=$(scripts/linux-kernel.sh) || die "scripts/linux-kernel.sh could not fetch the kernel"
fi
[ -s "$kernel_dir/vmlinux" ] || die "$kernel_dir/vmlinux is missing (scripts/linux-kernel.sh unpacks it)"
out=${out:-$kernel_dir/System.map-nokaslr}
MHV_BIN=${MHV:-bin/mhv}
[ -x "$MHV_BIN" ] || die "$MHV_BIN is missing: run make first"

tmp=$(mktemp -d) || die "cannot make a temporary folder"
trap 'rm -rf "$tmp"' EXIT
scripts/linux-guest/initramfs.sh -o "$tmp/initramfs.cpio" --kernel "$kernel_dir" >/dev/null ||
    die "scripts/linux-guest/initramfs.sh failed"
truncate -s 16M "$tmp/disk.img" || die "cannot make the disk image"

if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then
    bash "$HERE/system-map.sh" --inside "$MHV_BIN" "$kernel_dir/vmlinux" "$tmp/initramfs.cpio" "$tmp/disk.img" \
        >"$tmp/reply" || die "the boot failed"
else
    tests/sandbox/kvm-sandbox.sh --mem 768 --timeout 600 --add "$MHV_BIN:bin/mhv" \
        --add "$HERE/system-map.sh:bin/system-map.sh" --add "$kernel_dir/vmlinux:kernel/vmlinux" \
        --add "$tmp/initramfs.cpio:initramfs.cpio" --add "$tmp/disk.img:disk.img" -- \
        bash /work/bin/system-map.sh --inside /work/bin/mhv /work/kernel/vmlinux /work/initramfs.cpio /work/disk.img \
        >"$tmp/reply" </dev/null || die "the boot in the nested-KVM sandbox failed (status $?)"
fi
size=$(sed -n 's/^@@size //p' "$tmp/reply")
[ -n "$size" ] || die "the boot sent no map back"
sed -n '/^@@size /,$p' "$tmp/reply" | tail -n +2 | tr -d '\r' | base64 -d >"$tmp/map.gz" || die "the map came back damaged (base64)"
[ "$(stat -c %s "$tmp/map.gz")" = "$size" ] || die "the map came back with $(stat -c %s "$tmp/map.gz") bytes, not $size"
gzip -dc "$tmp/map.gz" >"$tmp/map" || die "the map came back damaged (gzip)"
grep -qE '^ffffffff8[0-9a-f]{7} T start_kernel$' "$tmp/map" ||
    die "the map has no start_kernel at the link address (was the boot without nokaslr?)"
mv "$tmp/map" "$out" || die "cannot write $out"
echo "$out: $(wc -l <"$out") symbols"
