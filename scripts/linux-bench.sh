#!/usr/bin/env bash
# linux-bench.sh -- what booting Linux on mhv costs, measured on real KVM.
#
#   scripts/linux-bench.sh [--runs N] [--transcript FILE]
#
# For Debian's kernel (scripts/linux-kernel.sh's cache), as an uncompressed
# vmlinux and as the bzImage, with `quiet` and the initramfs of
# scripts/linux-guest/initramfs.sh, each best of N boots (default 3):
#   - from `mhv run` to the kernel's first console byte (mhv --stats);
#   - to /init ("vmlab-init: started" on the console);
#   - to the shell: the first command piped into the console comes back;
#   - the VM exits of the boot by reason, and the interrupts (mhv --stats),
#     for the vmlinux boot that was fastest.
# Then virtio-blk: a 64 MiB dd written (conv=fsync) to /dev/vda and read
# back (caches dropped) in the guest, against the same dd on the file
# behind it, on the machine mhv runs on.
#
# Times are taken on the machine mhv runs on, as each line reaches mhv's
# stdout (bash's $EPOCHREALTIME), from just before mhv starts.
#
# Where: on /dev/kvm when this machine has it (not kvm_pvm, which cannot run
# Linux), else inside the nested-KVM sandbox (tests/sandbox/kvm-sandbox.sh),
# all in one boot.  There the CPU is QEMU's, emulated, so the times are the
# emulator's: the output says where it ran, and docs/hypervisor.md ("Booting
# Linux") says what carries over.
#
# --transcript FILE keeps what the boots printed (each console line with its
# time), from which the report is made.
#
# Environment: MHV (default bin/mhv), KERNEL_DIR (default build/sandbox/kernel).
# Exit status: 0; 1 when a boot failed or printed something unexpected; 2 on
# a usage error.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
MHV=${MHV:-bin/mhv}
KERNEL_DIR=${KERNEL_DIR:-build/sandbox/kernel}
RUNS=3
KEEP=""

usage() {
    echo "linux-bench: $*" >&2
    echo "usage: scripts/linux-bench.sh [--runs N] [--transcript FILE]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
        --runs)
            [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage "--runs needs a whole number from 1, not '${2:-}'"
            RUNS=$2; shift 2 ;;
        --transcript)
            [ -n "${2:-}" ] || usage "--transcript needs a file"
            KEEP=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) usage "unknown argument '$1'" ;;
    esac
done
[ -x "$MHV" ] || { echo "linux-bench: $MHV is missing: run make first" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/linux-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# The kernel (fetched once, as the sandbox's is) and an initramfs with
# nothing added: the boot alone.
scripts/linux-kernel.sh "$KERNEL_DIR" >/dev/null 2>"$scratch/kernel.log" ||
    { echo "linux-bench: scripts/linux-kernel.sh could not provide the kernel:" >&2; tail -n 5 "$scratch/kernel.log" >&2; exit 1; }
scripts/linux-guest/initramfs.sh -o "$scratch/initramfs.cpio" --kernel "$KERNEL_DIR" >/dev/null 2>"$scratch/initramfs.err" ||
    { echo "linux-bench: scripts/linux-guest/initramfs.sh failed:" >&2; head -n 5 "$scratch/initramfs.err" >&2; exit 1; }

# The part that runs on KVM.  Sections "== NAME RUN STATUS", then lines:
# "t SECONDS LINE" for each console line, "e LINE" for mhv's stderr.
cat >"$scratch/inside.sh" <<'EOF_INSIDE'
#!/usr/bin/env bash
# inside.sh MHV KERNEL-DIR INITRAMFS SCRATCH RUNS
mhv=$1 kernel_dir=$2 initrd=$3 work=$4 runs=$5

# boot NAME RUN KERNEL INPUT [MHV-FLAGS...]: one boot, each console line
# stamped with the seconds since mhv started.
boot() {
    local name=$1 run=$2 kernel=$3 input=$4 status start line
    shift 4
    start=$EPOCHREALTIME
    {
        printf '%b' "$input" | "$mhv" run --stats --timeout 600 --kernel "$kernel" --initrd "$initrd" \
            --append quiet "$@" 2>"$work/err"
        echo "@@status $?"
    } | while IFS= read -r line; do
        line=${line//$'\r'/}     # the guest's tty ends its lines with CR LF
        printf 't %s %s\n' "$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')" "$line"
    done >"$work/out"
    status=$(sed -n 's/^t [0-9.]* @@status //p' "$work/out")
    echo "== $name $run ${status:-?}"
    grep -v '@@status' "$work/out"
    sed 's/^/e /' "$work/err"
}

i=1
while [ "$i" -le "$runs" ]; do
    for kernel in vmlinux vmlinuz; do
        boot "boot-$kernel" "$i" "$kernel_dir/$kernel" 'echo @@shell\npoweroff\n'
    done
    i=$((i + 1))
done

# virtio-blk: 64 MiB each way through the guest, then the same on the file.
truncate -s 80M "$work/disk.img"
boot disk 1 "$kernel_dir/vmlinux" \
    'echo @@write; dd if=/dev/zero of=/dev/vda bs=1M count=64 conv=fsync 2>&1 | tail -n 1\necho 3 >/proc/sys/vm/drop_caches\necho @@read; dd if=/dev/vda of=/dev/null bs=1M count=64 2>&1 | tail -n 1\npoweroff\n' \
    --disk "$work/disk.img"
# stamp: the seconds since $1 ($EPOCHREALTIME), as boot's lines have them.
stamp() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
echo "== host 1 0"
start=$EPOCHREALTIME
echo "t $(stamp "$start") @@write"
dd if=/dev/zero of="$work/disk.img" bs=1M count=64 conv=fsync 2>/dev/null
echo "t $(stamp "$start") 64+0 records out"
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
echo "t $(stamp "$start") @@read"
dd if="$work/disk.img" of=/dev/null bs=1M count=64 2>/dev/null
echo "t $(stamp "$start") 64+0 records out"
EOF_INSIDE
chmod +x "$scratch/inside.sh"

where=""
transcript=$scratch/transcript
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then
    where="on /dev/kvm"
    "$scratch/inside.sh" "$MHV" "$KERNEL_DIR" "$scratch/initramfs.cpio" "$scratch" "$RUNS" >"$transcript"
else
    where="in the nested-KVM sandbox (QEMU's emulated CPU: the emulator's times)"
    echo "linux-bench: no usable /dev/kvm here; booting the sandbox once for $((2 * RUNS + 1)) Linux boots ..." >&2
    tests/sandbox/kvm-sandbox.sh --mem 768 --timeout 1800 --add "$MHV:bin/mhv" --add "$scratch/inside.sh:bin/inside.sh" \
        --add "$KERNEL_DIR/vmlinux:kernel/vmlinux" --add "$KERNEL_DIR/vmlinuz:kernel/vmlinuz" \
        --add "$scratch/initramfs.cpio:initramfs.cpio" -- \
        inside.sh /work/bin/mhv /work/kernel /work/initramfs.cpio /tmp "$RUNS" >"$transcript" 2>"$scratch/sandbox.err" </dev/null ||
        { echo "linux-bench: the sandbox failed:" >&2; tail -n 5 "$scratch/sandbox.err" >&2; exit 1; }
fi

[ -n "$KEEP" ] && cp "$transcript" "$KEEP"

# ---- the report -----------------------------------------------------------------

awk -v where="$where" -v runs="$RUNS" '
    function min(name, value) { if (!(name in best) || value < best[name]) best[name] = value }
    /^== / { section = $2; run = $3; status = $4; if (status != 0) bad = bad " " section "#" run "(status " status ")"; next }
    section ~ /^boot-/ && /^e .*first console byte:/ {
        for (i = 1; i <= NF; i++) if ($i == "byte:") { min(section " first", $(i + 1) / 1000); break }
    }
    section ~ /^boot-/ && /^t .*vmlab-init: started/ { min(section " init", $2) }
    section ~ /^boot-/ && /^t [0-9.]* @@shell$/ {
        min(section " shell", $2)
        if (section == "boot-vmlinux" && (fastest == "" || $2 < fastest)) { fastest = $2; keep = run }
    }
    section == "boot-vmlinux" { stats[run] = stats[run] (/^e / ? substr($0, 3) "\n" : "") }
    (section == "disk" || section == "host") && /^t [0-9.]* @@(write|read)$/ { what = substr($3, 3); began = $2; next }
    (section == "disk" || section == "host") && what != "" && /^t [0-9.]* 64\+0 records out$/ {
        dd[section " " what] = $2 - began; what = ""
    }
    END {
        if (!("boot-vmlinux shell" in best) || !("boot-vmlinuz shell" in best) || !("disk read" in dd) || !("host read" in dd))
            missing = 1
        printf "Linux on mhv, %s; best of %d boots each, with quiet:\n\n", where, runs
        printf "  %-28s %14s %10s %12s\n", "kernel", "first byte (s)", "/init (s)", "shell (s)"
        n = split("boot-vmlinux boot-vmlinuz", ks, " ")
        for (k = 1; k <= n; k++)
            printf "  %-28s %14.3f %10.3f %12.3f\n", (ks[k] == "boot-vmlinux" ? "vmlinux (uncompressed)" : "bzImage (vmlinuz)"),
                best[ks[k] " first"], best[ks[k] " init"], best[ks[k] " shell"]
        printf "\nThe fastest vmlinux boot, by mhv --stats:\n%s", stats[keep]
        printf "\nvirtio-blk, 64 MiB by dd (bs=1M), timed from the console lines around it:\n"
        printf "  %-34s %8s %10s\n", "", "seconds", "MiB/s"
        split("disk write|disk read|host write|host read", keys, "|")
        split("guest: write /dev/vda, fsync|guest: read /dev/vda, cold|host: write the image, fsync|host: read the image, cold", words, "|")
        for (k = 1; k <= 4; k++)
            if (keys[k] in dd)
                printf "  %-34s %8.3f %10.1f\n", words[k], dd[keys[k]], (dd[keys[k]] > 0 ? 64 / dd[keys[k]] : 0)
        if (("disk write" in dd) && ("host write" in dd) && dd["host write"] > 0 && dd["host read"] > 0)
            printf "  guest/host time: write %.1fx, read %.1fx\n", dd["disk write"] / dd["host write"], dd["disk read"] / dd["host read"]
        if (bad != "") { printf "\nlinux-bench: runs that failed:%s\n", bad; exit 1 }
        if (missing) { print "\nlinux-bench: some figures are missing: a boot did not reach its shell or its dd"; exit 1 }
    }' "$transcript" || {
    cp "$transcript" "${TMPDIR:-/tmp}/linux-bench.transcript"
    echo "linux-bench: the raw transcript is kept in ${TMPDIR:-/tmp}/linux-bench.transcript" >&2
    exit 1
}
