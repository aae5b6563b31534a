#!/usr/bin/env bash
#
# linux.sh -- mhv boots Linux (Debian's kernel, the package the sandbox
# fetches), end to end.
#
# First what needs no KVM: --kernel's flags, and kernels that cannot boot
# (not a kernel, too short, truncated, a corrupt header or payload start,
# too little RAM, an initrd that does not fit, a disk that cannot be used)
# each end with status 125 and a message that says what is wrong.
#
# Then on KVM -- /dev/kvm here if usable, else one boot of the nested-KVM
# sandbox ($SANDBOX) that runs every Linux boot and prints a transcript
# (the format of tests/hv/mhv.sh: "== NAME STATUS", then o| and e| lines):
#
#   shell     the bzImage boots to the initramfs's shell; commands come
#             through the console from a pipe: uname -r is the package's
#             version, /proc/cpuinfo shows the vCPU, the clock is kvm-clock, /proc/interrupts shows
#             the timer and the UART advancing; the disk (virtio-blk) is
#             mounted, a file the host put there is read, one is written and
#             synced; a second disk, read-only, refuses a write; bvm runs the
#             workloads; `poweroff` gives 0.  Then, on the host side, the
#             written file is in the image with the same bytes (debugfs).
#   reboot    vmlinux, `reboot` (init answers its signal): status 122
#   panic     vmlinux, `echo c > /proc/sysrq-trigger`: status 123 with the
#             panic's text
#   timeout   --timeout 2 while the kernel still boots: status 124
#   corrupt   a bzImage whose compressed kernel is damaged in the middle
#             (its header is fine): the decompressor halts; status 125
#
#   MHV      the mhv program (default bin/mhv)
#   BVM      the bvm program, copied into the guest (default bin/bvm)
#   SANDBOX  the sandbox runner, used when there is no /dev/kvm
cd "$(dirname "$0")/../.." || exit 2

MHV_BIN=${MHV:-bin/mhv}
BVM_BIN=${BVM:-bin/bvm}
BVM=$MHV_BIN   # lib.sh runs and checks $BVM
. tests/e2e/lib.sh
mhv() { bvm "$@"; }

expect_out_has() {
    if grep -qF -- "$2" "$OUT"; then ok "$1"; else not_ok "$1" "stdout lacks: $2" "$(last_run)"; fi
}

# The kernel package's files (fetched on first use, as the sandbox does).
if ! KERNEL_DIR=$(scripts/linux-kernel.sh 2>"$E2E_TMP/fetch.err"); then
    not_ok "the kernel package" "scripts/linux-kernel.sh failed" "$(head -n 5 "$E2E_TMP/fetch.err")"
    finish
fi
VMLINUZ=$KERNEL_DIR/vmlinuz
VMLINUX=$KERNEL_DIR/vmlinux
KERNEL_VERSION=$(sed -n 's/^kernel //p' "$KERNEL_DIR/version")

# ---- no KVM needed: flags and kernels that cannot boot ----------------------------

cannot_run() {
    local what=$1 text=$2
    shift 3
    mhv "$@"
    expect_status "$what: exit status 125" 125
    expect_err_has "$what: names the problem" "$text"
}

head -c 300 "$VMLINUZ" >"$E2E_TMP/short"
head -c $(($(stat -c %s "$VMLINUZ") / 2)) "$VMLINUZ" >"$E2E_TMP/truncated"
# The compressed kernel's first bytes (payload_offset counts from the end
# of the setup sectors), then a copy damaged in the middle of the payload.
setup_sects=$(od -An -tu1 -j $((0x1f1)) -N 1 "$VMLINUZ" | tr -d ' ')
payload=$(( (setup_sects + 1) * 512 + $(od -An -tu4 -j $((0x248)) -N 4 "$VMLINUZ" | tr -d ' ') ))
payload_length=$(od -An -tu4 -j $((0x24c)) -N 4 "$VMLINUZ" | tr -d ' ')
cp "$VMLINUZ" "$E2E_TMP/bad-magic"
printf '\0\0\0\0' | dd of="$E2E_TMP/bad-magic" bs=1 seek="$payload" conv=notrunc 2>/dev/null
cp "$VMLINUZ" "$E2E_TMP/corrupt"
head -c 65536 /dev/zero | dd of="$E2E_TMP/corrupt" bs=1 seek=$((payload + payload_length / 2)) conv=notrunc 2>/dev/null
cp "$VMLINUZ" "$E2E_TMP/old-protocol"
printf '\x0b\x02' | dd of="$E2E_TMP/old-protocol" bs=1 seek=$((0x206)) conv=notrunc 2>/dev/null
head -c $((200 * 1024 * 1024)) /dev/zero >"$E2E_TMP/huge-initrd" 2>/dev/null || true
head -c 1000 /dev/zero >"$E2E_TMP/odd-disk"
head -c 1048576 /dev/zero >"$E2E_TMP/disk-1m"

cannot_run "--kernel without a file"   "--kernel needs a file"    -- run --kernel
cannot_run "--kernel and an IMAGE"     "give one or the other"    -- run --kernel "$VMLINUZ" "$VMLINUZ"
cannot_run "--append without --kernel" "go with --kernel"         -- run --append quiet "$VMLINUZ"
cannot_run "--mode with --kernel"      "are for an IMAGE"         -- run --kernel "$VMLINUZ" --mode long
cannot_run "a missing kernel"          "cannot read the kernel"   -- run --kernel "$E2E_TMP/none"
cannot_run "a missing initrd"          "cannot read the initrd"   -- run --kernel "$VMLINUZ" --initrd "$E2E_TMP/none"
cannot_run "not a kernel"              "not a Linux kernel"       -- run --kernel "$E2E_TMP/disk-1m"
cannot_run "too short"                 "too short to be a Linux kernel" -- run --kernel "$E2E_TMP/short"
cannot_run "a truncated bzImage"       "truncated: the header says the kernel is" -- run --kernel "$E2E_TMP/truncated"
cannot_run "a corrupt payload header"  "corrupt: the compressed kernel at" -- run --kernel "$E2E_TMP/bad-magic"
cannot_run "an old boot protocol"      "boot protocol version 2.11" -- run --kernel "$E2E_TMP/old-protocol"
cannot_run "too little RAM"            "Linux needs at least 128 MiB" -- run --kernel "$VMLINUZ" --mem 64
cannot_run "an initrd that does not fit" "does not fit in RAM"    -- run --kernel "$VMLINUZ" --mem 256 --initrd "$E2E_TMP/huge-initrd"
cannot_run "a command line too long"   "more than the 2047"       -- run --kernel "$VMLINUZ" --append "$(head -c 2100 /dev/zero | tr '\0' x)"
cannot_run "--disk without --kernel"   "--disk goes with --kernel" -- run --disk "$E2E_TMP/disk-1m" "$VMLINUZ"
cannot_run "a missing disk"            "$E2E_TMP/none"            -- run --kernel "$VMLINUZ" --disk "$E2E_TMP/none"
cannot_run "a disk of 1000 bytes"      "whole number of 512-byte sectors"          -- run --kernel "$VMLINUZ" --disk "$E2E_TMP/odd-disk"
cannot_run "a disk option unknown"     "--disk FILE[,ro]"         -- run --kernel "$VMLINUZ" --disk "$E2E_TMP/disk-1m,rw"
cannot_run "a disk with ro twice"      "ro is given twice"        -- run --kernel "$VMLINUZ" --disk "$E2E_TMP/disk-1m,ro,ro"
cannot_run "one image as two disks"    "the same file as --disk"  -- run --kernel "$VMLINUZ" --disk "$E2E_TMP/disk-1m" --disk "$E2E_TMP/disk-1m,ro"
cannot_run "--kernel twice"            "--kernel is given twice"  -- run --kernel "$VMLINUZ" --kernel "$VMLINUZ"
cannot_run "--load with --kernel"      "are for an IMAGE"         -- run --kernel "$VMLINUZ" --load 0x1000
cannot_run "an ELF that is no kernel"  'without the "Linux" ELF notes' -- run --kernel "$MHV_BIN"
if [ -e /sys/module/kvm_pvm ] && [ -w /dev/kvm ]; then
    cannot_run "Linux on kvm_pvm"      "this /dev/kvm is kvm_pvm" -- run --kernel "$VMLINUX"
fi
rm -f "$E2E_TMP/huge-initrd"

# ---- the guest's files ------------------------------------------------------------------

# The workloads at small sizes (the emulated CPU of the sandbox is slow),
# and what bvm prints for them here: the guest must print the same.
mkdir -p "$E2E_TMP/work/workloads"
for word in fib=24 loop=300000 sieve=20000 matmul=30 trees=9; do
    w=${word%=*}
    sed -E "s/^int SIZE = [0-9]+;/int SIZE = ${word#*=};/" "workloads/$w.vela" >"$E2E_TMP/work/workloads/$w.vela"
    "$BVM_BIN" run "$E2E_TMP/work/workloads/$w.vela" >"$E2E_TMP/$w.native" 2>&1
done
if ! scripts/linux-guest/initramfs.sh -o "$E2E_TMP/initramfs.cpio" --kernel "$KERNEL_DIR" \
        --add "$BVM_BIN:bin/bvm" --add "$E2E_TMP/work/workloads:workloads" >/dev/null 2>"$E2E_TMP/initramfs.err"; then
    not_ok "the initramfs" "scripts/linux-guest/initramfs.sh failed" "$(head -n 5 "$E2E_TMP/initramfs.err")"
    finish
fi
mkdir -p "$E2E_TMP/disk-files/sub" "$E2E_TMP/ro-files"
echo "hello from the host" >"$E2E_TMP/disk-files/hello.txt"
seq 1 20000 >"$E2E_TMP/disk-files/sub/numbers"
echo "read-only data" >"$E2E_TMP/ro-files/ro.txt"
scripts/linux-guest/disk.sh create -o "$E2E_TMP/disk.img" --size 32M --from "$E2E_TMP/disk-files" >/dev/null &&
    scripts/linux-guest/disk.sh create -o "$E2E_TMP/ro.img" --size 8M --from "$E2E_TMP/ro-files" >/dev/null ||
    { not_ok "the disk images" "scripts/linux-guest/disk.sh failed"; finish; }
numbers_sum=$(md5sum <"$E2E_TMP/disk-files/sub/numbers" | cut -d' ' -f1)

# The boots, run where KVM is.  Each is a section of the transcript.
cat >"$E2E_TMP/linux-boots.sh" <<'EOF'
#!/bin/bash
# linux-boots.sh MHV KERNEL_DIR INITRAMFS DISK RO_DISK CORRUPT DEBUGFS
mhv=$1 kernel_dir=$2 initrd=$3 disk=$4 ro_disk=$5 corrupt=$6 debugfs=$7
out=/tmp/boot.out err=/tmp/boot.err
section() {  # NAME STATUS: the last boot's output as a section
    echo "== $1 $2"
    sed 's/^/o|/' "$out"
    sed 's/^/e|/' "$err"
}
boot() {  # NAME KERNEL INPUT MHV-ARGS...: one boot, its console input from INPUT
    local name=$1 kernel=$2 input=$3
    shift 3
    printf '%b' "$input" | "$mhv" run --kernel "$kernel" --initrd "$initrd" --timeout 240 "$@" >"$out" 2>"$err"
    section "$name" $?
}

shell='echo @@uname; uname -r
echo @@cpuinfo; grep -E "^(processor|vendor_id|flags)" /proc/cpuinfo | cut -c1-60
echo @@clock; cat /sys/devices/system/clocksource/clocksource0/current_clocksource
echo @@interrupts1; cat /proc/interrupts
sleep 1
echo @@interrupts2; cat /proc/interrupts
echo @@disk; mount /dev/vda /mnt && cat /mnt/hello.txt && md5sum </mnt/sub/numbers
echo "written by the guest" >/mnt/guest.txt && sync && echo @@synced
umount /mnt
echo @@ro; mkdir -p /ro && mount -o ro /dev/vdb /ro && cat /ro/ro.txt
mount -o remount,rw /ro 2>&1; echo x >/ro/new.txt 2>&1; echo "@@ro-write status $?"
dd if=/dev/zero of=/dev/vdb bs=512 count=1 2>&1; echo "@@ro-dd status $?"
echo @@bvm; for w in fib loop sieve matmul trees; do echo "@@bvm-$w"; bvm run /work/workloads/$w.vela; done
echo @@end
poweroff
'
boot shell "$kernel_dir/vmlinuz" "$shell" --stats --disk "$disk" --disk "$ro_disk,ro"
echo "== disk-after 0"
"$debugfs" -R "cat /guest.txt" "$disk" 2>/dev/null | sed 's/^/o|/'
boot reboot "$kernel_dir/vmlinux" 'reboot\n'
boot panic "$kernel_dir/vmlinux" 'echo c >/proc/sysrq-trigger\n'
printf '' | "$mhv" run --kernel "$kernel_dir/vmlinuz" --initrd "$initrd" --timeout 2 >"$out" 2>"$err"
section timeout $?
printf '' | "$mhv" run --kernel "$corrupt" --timeout 120 >"$out" 2>"$err"
section corrupt $?
EOF
chmod +x "$E2E_TMP/linux-boots.sh"

transcript=$E2E_TMP/transcript
where=""
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then
    bash "$E2E_TMP/linux-boots.sh" "$MHV_BIN" "$KERNEL_DIR" "$E2E_TMP/initramfs.cpio" "$E2E_TMP/disk.img" \
        "$E2E_TMP/ro.img" "$E2E_TMP/corrupt" "$(command -v debugfs)" >"$transcript"
    where="here, on /dev/kvm"
elif [ -n "${SANDBOX:-}" ]; then
    t0=$EPOCHREALTIME
    LAST_COMMAND="$SANDBOX ... -- linux-boots.sh"
    "$SANDBOX" --mem 768 --timeout 900 --add "$MHV_BIN:bin/mhv" --add "$E2E_TMP/linux-boots.sh:bin/linux-boots.sh" \
        --add "$VMLINUZ:kernel/vmlinuz" --add "$VMLINUX:kernel/vmlinux" --add "$E2E_TMP/initramfs.cpio:initramfs.cpio" \
        --add "$E2E_TMP/disk.img:disk.img" --add "$E2E_TMP/ro.img:ro.img" --add "$E2E_TMP/corrupt:corrupt" \
        --add "$(command -v debugfs):bin/debugfs" -- \
        linux-boots.sh /work/bin/mhv /work/kernel /work/initramfs.cpio /work/disk.img /work/ro.img /work/corrupt \
        /work/bin/debugfs >"$transcript" 2>"$E2E_TMP/sandbox.err" </dev/null
    sandbox_status=$?
    echo "  ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s: one sandbox boot ran every Linux boot)"
    if [ "$sandbox_status" -eq 0 ]; then
        ok "the sandbox ran the Linux boots"
        where="in the sandbox"
    else
        not_ok "the sandbox ran the Linux boots" "status $sandbox_status" "$(head -n 8 "$E2E_TMP/sandbox.err")"
    fi
else
    not_ok "Linux boots ran" "NOT RUN: they need /dev/kvm, which this machine lacks," \
        "and SANDBOX names no nested-KVM sandbox runner: run them with 'make check' or 'make sandbox-check'"
    finish
fi

section() { transcript_section "$1" "$transcript" "mhv run --kernel ... ($1, $where)"; }

# The lines of the shell's output between @@FROM and the next @@ marker,
# less the shell's prompt lines (its line editor shows each command it
# reads: "guest:/# echo ...").
between() {
    tr -d '\r' <"$OUT" | awk -v from="@@$1" '
        index($0, "@@") == 1 { inside = ($1 == from); next }
        inside && !/^guest:/ && !/\033/' 
}
# The count of interrupt line N (0: timer, 4: ttyS0) in /proc/interrupts' copy WHICH.
interrupt_count() {
    between "$1" | awk -v line="$2:" '$1 == line { print $2 }'
}

section shell
expect_status "shell: poweroff ends the run with 0" 0
expect_out_has "shell: init reached the ready line" "vmlab-init: ready"
expect_out_has "shell: init saw the disk" "vmlab-init: disk /dev/vda (32 MiB)"
got=$(between uname | grep -E '^[0-9]+\.[0-9]+\.[0-9]+-' | head -n 1)
if [ "$got" = "$KERNEL_VERSION" ]; then ok "shell: uname -r is the package's version"; else
    not_ok "shell: uname -r is the package's version" "expected $KERNEL_VERSION, got '$got'" "$(last_run)"; fi
if between cpuinfo | grep -q '^processor.*: 0' && between cpuinfo | grep -q '^vendor_id'; then
    ok "shell: /proc/cpuinfo shows the vCPU"; else not_ok "shell: /proc/cpuinfo shows the vCPU" "$(between cpuinfo | head -n 3)"; fi
if between clock | grep -qx kvm-clock; then
    ok "shell: the guest keeps time with kvm-clock (CPUID offers KVM's clock)"
else not_ok "shell: the guest keeps time with kvm-clock (CPUID offers KVM's clock)" "clocksource: $(between clock)"; fi
if between cpuinfo | grep '^flags' | grep -qw apic; then
    not_ok "shell: the vCPU has no local APIC" "/proc/cpuinfo's flags name apic"; else ok "shell: the vCPU has no local APIC"; fi
for line in 0 4; do
    a=$(interrupt_count interrupts1 "$line") b=$(interrupt_count interrupts2 "$line")
    if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]; then ok "shell: IRQ $line advances in /proc/interrupts ($a -> $b)"
    else not_ok "shell: IRQ $line advances in /proc/interrupts" "first '$a', then '$b'" "$(between interrupts2 | head -n 8)"; fi
done
between interrupts1 | grep -q 'timer' && between interrupts1 | grep -q 'ttyS0' &&
    ok "shell: /proc/interrupts names the timer and ttyS0" ||
    not_ok "shell: /proc/interrupts names the timer and ttyS0" "$(between interrupts1 | head -n 6)"
disk=$(between disk)
[[ $disk == *"hello from the host"* ]] && ok "shell: the guest reads the host's file" ||
    not_ok "shell: the guest reads the host's file" "$disk"
[[ $disk == *"$numbers_sum"* ]] && ok "shell: a 100 KiB file reads back with the same bytes" ||
    not_ok "shell: a 100 KiB file reads back with the same bytes" "expected md5 $numbers_sum" "$disk"
grep -q '^@@synced' "$OUT" && ok "shell: the guest wrote and synced a file" || not_ok "shell: the guest wrote and synced a file" "$(last_run)"
ro=$(between ro)
[[ $ro == *"read-only data"* ]] && ok "shell: the read-only disk is read" || not_ok "shell: the read-only disk is read" "$ro"
grep -q '^@@ro-write status [1-9]' "$OUT" && ok "shell: the read-only disk refuses a file write" ||
    not_ok "shell: the read-only disk refuses a file write" "$(grep -A2 '@@ro' "$OUT" | head -n 8)"
grep -q '^@@ro-dd status [1-9]' "$OUT" && ok "shell: the read-only disk refuses a raw write" ||
    not_ok "shell: the read-only disk refuses a raw write" "$(grep -B3 '@@ro-dd' "$OUT" | head -n 8)"
for w in fib loop sieve matmul trees; do
    between "bvm-$w" >"$E2E_TMP/$w.guest"
    if cmp -s "$E2E_TMP/$w.native" "$E2E_TMP/$w.guest"; then ok "shell: bvm's $w in the guest prints what it prints here"
    else not_ok "shell: bvm's $w in the guest prints what it prints here" "here: $(head -c 200 "$E2E_TMP/$w.native")" \
        "guest: $(head -c 200 "$E2E_TMP/$w.guest")"; fi
done
expect_err_has "shell: --stats counts the disk's requests" "virtio-blk"

section disk-after
expect_out_has "the guest's file is in the image with its bytes (debugfs, after the run)" "written by the guest"

section reboot
expect_status "reboot: status 122" 122
expect_err_has "reboot: says the guest reset itself" "the guest reset itself (a reboot)"

section panic
expect_status "panic: status 123" 123
expect_err_has "panic: the panic's text" "Linux panicked: Kernel panic - not syncing: sysrq triggered crash"

section timeout
expect_status "timeout: status 124" 124
expect_err_has "timeout: says so" "timeout: the guest was still running after 2 s"

section corrupt
expect_status "a corrupt compressed kernel: status 125" 125
expect_err_has "a corrupt compressed kernel: says what is likely wrong" "the compressed kernel is corrupt"

finish
