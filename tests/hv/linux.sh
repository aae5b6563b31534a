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
#   other-console  vmlinux with console=tty0: nothing on the UART, the
#             guest powers off all the same: status 0, and mhv says why it was silent
#   corrupt   a bzImage whose compressed kernel is damaged in the middle
#             (its header is fine): the decompressor halts; status 125
#   system-map  the shell boot (bzImage, nokaslr) also wrote its
#             /proc/kallsyms to a raw third disk, as
#             scripts/linux-guest/system-map.sh does: the map has the
#             kernel's functions at 0xffffffff8...
#   vdb       vdb --batch on the vmlinux with that map (vdb adds nokaslr):
#             break start_kernel stops there (after its ftrace call site),
#             RIP is the map's address, x/i and info symbol name it, stepi
#             moves on inside it; a breakpoint on the uname system call
#             stops once the guest's user space runs (its page tables:
#             cr3); continue to the guest's poweroff, status 0
#   vdb-bzimage  vdb on the bzImage refuses a breakpoint in the kernel
#             before the decompressor has written it, and says why
#   vdb-remote  the same machine under vdb --hv --gdbserver PORT --kernel,
#             reached by vdb --remote :PORT --symbols MAP
#
#   MHV      the mhv program (default bin/mhv)
#   VDB      the vdb program (default bin/vdb)
#   BVM      the bvm program, copied into the guest (default bin/bvm)
#   SANDBOX  the sandbox runner, used when there is no /dev/kvm
cd "$(dirname "$0")/../.." || exit 2

MHV_BIN=${MHV:-bin/mhv}
VDB_BIN=${VDB:-bin/vdb}
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

# vdb --hv --kernel refuses what mhv run --kernel refuses, in mhv's words:
# the kernel, the initrd, the disks at status 125, the flags as vdb's
# usage errors (status 2).
vdb_cannot_run() {
    local what=$1 text=$2 want=$3
    shift 4
    (ulimit -t 30 && exec "$VDB_BIN" --hv --batch "$@") </dev/null >"$OUT" 2>"$ERR"
    status=$?
    LAST_COMMAND="vdb --hv --batch $*"
    expect_status "vdb: $what: exit status $want" "$want"
    expect_err_has "vdb: $what: names the problem as mhv does" "$text"
}
vdb_cannot_run "--kernel twice"         "--kernel is given twice"  2 -- --kernel "$VMLINUZ" --kernel "$VMLINUZ"
vdb_cannot_run "--kernel and an IMAGE"  "give one or the other"    2 -- --kernel "$VMLINUZ" "$VMLINUZ"
vdb_cannot_run "--append without --kernel" "go with --kernel"      2 -- --append quiet "$VMLINUZ"
vdb_cannot_run "--disk without --kernel" "--disk goes with --kernel" 2 -- --disk "$E2E_TMP/disk-1m" "$VMLINUZ"
vdb_cannot_run "--mode with --kernel"   "are for an IMAGE"         2 -- --kernel "$VMLINUZ" --mode long
vdb_cannot_run "a missing kernel"       "cannot read the kernel"   125 -- --kernel "$E2E_TMP/none"
vdb_cannot_run "not a kernel"           "not a Linux kernel"       125 -- --kernel "$E2E_TMP/disk-1m"
vdb_cannot_run "too little RAM"         "Linux needs at least 128 MiB" 125 -- --kernel "$VMLINUZ" --mem 64
vdb_cannot_run "a disk of 1000 bytes"   "whole number of 512-byte sectors" 125 -- --kernel "$VMLINUZ" --disk "$E2E_TMP/odd-disk"
vdb_cannot_run "a disk with ro twice"    "ro is given twice"        125 -- --kernel "$VMLINUZ" --disk "$E2E_TMP/disk-1m,ro,ro"
vdb_cannot_run "one image as two disks" "the same file as --disk"  125 -- --kernel "$VMLINUZ" --disk "$E2E_TMP/disk-1m" --disk "$E2E_TMP/disk-1m,ro"
vdb_cannot_run "the package's placeholder System.map" ":1: unexpected text after the name" 125 \
    -- --kernel "$VMLINUX" --symbols "$KERNEL_DIR/System.map"

# ---- the guest's files ------------------------------------------------------------------

# The workloads at small sizes (the emulated CPU of the sandbox is slow),
# and what bvm prints for them here: the guest must print the same.
mkdir -p "$E2E_TMP/work/workloads"
for word in fib=24 loop=300000 sieve=20000 matmul=30 trees=9; do
    w=${word%=*}
    sed -E "s/^int SIZE = [0-9]+;/int SIZE = ${word#*=};/" "workloads/$w.vela" >"$E2E_TMP/work/workloads/$w.vela"
    "$BVM_BIN" run "$E2E_TMP/work/workloads/$w.vela" >"$E2E_TMP/$w.native" 2>&1
done
# The guest's side of scripts/linux-guest/system-map.sh, on the third disk.
scripts/linux-guest/system-map.sh --guest-command /dev/vdc >"$E2E_TMP/kallsyms.sh"
if ! scripts/linux-guest/initramfs.sh -o "$E2E_TMP/initramfs.cpio" --kernel "$KERNEL_DIR" \
        --add "$BVM_BIN:bin/bvm" --add "$E2E_TMP/work/workloads:workloads" --add "$E2E_TMP/kallsyms.sh:kallsyms.sh" \
        >/dev/null 2>"$E2E_TMP/initramfs.err"; then
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
# linux-boots.sh MHV KERNEL_DIR INITRAMFS DISK RO_DISK CORRUPT DEBUGFS VDB VDB_SCRIPT VDB_REMOTE_SCRIPT
mhv=$1 kernel_dir=$2 initrd=$3 disk=$4 ro_disk=$5 corrupt=$6 debugfs=$7 vdb=$8 vdb_script=$9
vdb_remote_script=${10}
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
echo @@signals; grep SigIgn /proc/self/status
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
echo @@kallsyms; sh /work/kallsyms.sh
echo @@end
poweroff
'
# The third disk is raw: the kernel's symbol table goes there (system-map.sh).
head -c 16777216 /dev/zero >/tmp/kallsyms.img
boot shell "$kernel_dir/vmlinuz" "$shell" --stats --disk "$disk" --disk "$ro_disk,ro" --disk /tmp/kallsyms.img \
    --append nokaslr
echo "== disk-after 0"
"$debugfs" -R "cat /guest.txt" "$disk" 2>/dev/null | sed 's/^/o|/'
size=$(tr -d '\r' <"$out" | sed -n 's/^@@kallsyms-gz \([0-9][0-9]*\)$/\1/p' | head -n 1)
head -c "${size:-0}" /tmp/kallsyms.img | gzip -dc >/tmp/System.map 2>"$err"
echo "== system-map $?"
echo "o|symbols $(grep -c . /tmp/System.map)"
grep -E ' (start_kernel|__x64_sys_newuname)$' /tmp/System.map | sed 's/^/o|/'
sed 's/^/e|/' "$err"
# vdb, on the vmlinux, with the map the bzImage's boot gave: the same addresses.
timeout 300 "$vdb" --hv --batch --kernel "$kernel_dir/vmlinux" --initrd "$initrd" --symbols /tmp/System.map \
    --append 'vmlab.run="uname -r"' -x "$vdb_script" </dev/null >"$out" 2>"$err"
section vdb $?
# A bzImage: the kernel is not there before the decompressor writes it.
printf 'break start_kernel\n' | timeout 120 "$vdb" --hv --batch --kernel "$kernel_dir/vmlinuz" --initrd "$initrd" \
    --symbols /tmp/System.map >"$out" 2>"$err"
section vdb-bzimage $?
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
timeout 300 "$vdb" --hv --gdbserver 51234 --kernel "$kernel_dir/vmlinux" --initrd "$initrd" \
    --append 'vmlab.run="uname -r"' </dev/null >/tmp/server.out 2>/tmp/server.err &
timeout 300 "$vdb" --remote :51234 --symbols /tmp/System.map --batch -x "$vdb_remote_script" </dev/null >"$out" 2>"$err"
remote_status=$?
wait $!
echo "server status $?" >>"$err"
section vdb-remote $remote_status
boot reboot "$kernel_dir/vmlinux" 'reboot\n'
boot panic "$kernel_dir/vmlinux" 'echo c >/proc/sysrq-trigger\n'
boot other-console "$kernel_dir/vmlinux" '' --append 'console=tty0 vmlab.run=true'
printf '' | "$mhv" run --kernel "$kernel_dir/vmlinuz" --initrd "$initrd" --timeout 2 >"$out" 2>"$err"
section timeout $?
printf '' | "$mhv" run --kernel "$corrupt" --timeout 120 >"$out" 2>"$err"
section corrupt $?
EOF
chmod +x "$E2E_TMP/linux-boots.sh"
printf '%s\n' 'break start_kernel' continue 'info symbol $pc' 'info registers rip' 'x/3i $pc' stepi \
    'info symbol $pc' 'delete 1' 'break __x64_sys_newuname' continue 'info symbol $pc' 'x/2i $pc' \
    'info registers cr3' 'delete 2' continue >"$E2E_TMP/linux.vdb"
printf '%s\n' 'break __x64_sys_newuname' continue 'info symbol $pc' 'delete 1' continue >"$E2E_TMP/remote.vdb"

transcript=$E2E_TMP/transcript
where=""
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then
    bash "$E2E_TMP/linux-boots.sh" "$MHV_BIN" "$KERNEL_DIR" "$E2E_TMP/initramfs.cpio" "$E2E_TMP/disk.img" \
        "$E2E_TMP/ro.img" "$E2E_TMP/corrupt" "$(command -v debugfs)" "$VDB_BIN" "$E2E_TMP/linux.vdb" \
        "$E2E_TMP/remote.vdb" >"$transcript"
    where="here, on /dev/kvm"
elif [ -n "${SANDBOX:-}" ]; then
    t0=$EPOCHREALTIME
    LAST_COMMAND="$SANDBOX ... -- linux-boots.sh"
    "$SANDBOX" --mem 768 --timeout 900 --add "$MHV_BIN:bin/mhv" --add "$E2E_TMP/linux-boots.sh:bin/linux-boots.sh" \
        --add "$VMLINUZ:kernel/vmlinuz" --add "$VMLINUX:kernel/vmlinux" --add "$E2E_TMP/initramfs.cpio:initramfs.cpio" \
        --add "$E2E_TMP/disk.img:disk.img" --add "$E2E_TMP/ro.img:ro.img" --add "$E2E_TMP/corrupt:corrupt" \
        --add "$(command -v debugfs):bin/debugfs" --add "$VDB_BIN:bin/vdb" --add "$E2E_TMP/linux.vdb:linux.vdb" \
        --add "$E2E_TMP/remote.vdb:remote.vdb" -- \
        linux-boots.sh /work/bin/mhv /work/kernel /work/initramfs.cpio /work/disk.img /work/ro.img /work/corrupt \
        /work/bin/debugfs /work/bin/vdb /work/linux.vdb /work/remote.vdb \
        >"$transcript" 2>"$E2E_TMP/sandbox.err" </dev/null
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
# Ctrl-C reaches what the shell runs: its commands do not ignore SIGINT (2)
# or SIGQUIT (3), as a job that init started with & would.
if between signals | grep -qx 'SigIgn:[[:space:]]*0*'; then
    ok "shell: its commands take SIGINT and SIGQUIT (Ctrl-C works)"
else not_ok "shell: its commands take SIGINT and SIGQUIT (Ctrl-C works)" "$(between signals)"; fi
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

section system-map
expect_status "system-map: the guest's /proc/kallsyms came back through the raw disk" 0
map_count=$(sed -n 's/^symbols //p' "$OUT")
if [ "${map_count:-0}" -gt 50000 ]; then ok "system-map: it holds the kernel's symbols ($map_count)"
else not_ok "system-map: it holds the kernel's symbols" "only '${map_count:-0}'" "$(last_run)"; fi
start_kernel=$(sed -n 's/^\(ffffffff8[0-9a-f]\{7\}\) T start_kernel$/\1/p' "$OUT")
[ -n "$start_kernel" ] && ok "system-map: start_kernel is at the link address (nokaslr): 0x$start_kernel" ||
    not_ok "system-map: start_kernel is at the link address (nokaslr)" "$(last_run)"

section vdb
LAST_COMMAND="vdb --hv --batch --kernel vmlinux --initrd ... --symbols System.map -x linux.vdb ($where)"
expect_status "vdb: the session ran every command, to the guest's poweroff" 0
# The answer to a command: the lines after its "(vdb) COMMAND" echo (the
# kernel's log lines left out), up to the next command.
answer() {
    awk -v command="(vdb) $1" '$0 == command { inside = 1; next } /^\(vdb\) / { inside = 0 } inside' "$OUT" |
        grep -v '^\[ *[0-9.]*\]' | head -n "${2:-1}"
}
expect_out_has "vdb: break start_kernel is set after its ftrace call site" "Breakpoint 1 at start_kernel+5"
expect_out_has "vdb: continue stops there" "Breakpoint 1, start_kernel+5"
[ "$(answer 'info symbol $pc')" = "start_kernel + 5" ] && ok "vdb: info symbol \$pc names start_kernel" ||
    not_ok "vdb: info symbol \$pc names start_kernel" "got '$(answer 'info symbol $pc')'" "$(last_run)"
rip=$(answer 'info registers rip' | awk '$1 == "rip" { print $2 }')
if [ -n "$start_kernel" ] && [ "$rip" = "$(printf '0x%016x' $((0x$start_kernel + 5)))" ]; then
    ok "vdb: RIP is the map's start_kernel+5, in the kernel's range ($rip)"
else not_ok "vdb: RIP is the map's start_kernel+5, in the kernel's range" "rip '$rip', map 0x$start_kernel" "$(last_run)"; fi
code=$(answer 'x/3i $pc' 3)
[[ $code == "=> start_kernel+5:"* && $(sed -n 2p <<<"$code") == "   start_kernel+"* ]] &&
    ok "vdb: x/3i \$pc disassembles it with symbols" || not_ok "vdb: x/3i \$pc disassembles it with symbols" "$code"
stepped=$(answer stepi)
[[ $stepped == start_kernel+* && $stepped != start_kernel+5:* ]] && ok "vdb: stepi moves one instruction ($stepped)" ||
    not_ok "vdb: stepi moves one instruction" "got '$stepped'" "$(last_run)"
expect_out_has "vdb: a breakpoint on the uname system call stops when user space calls it" \
    "Breakpoint 2, __x64_sys_newuname+5"
[[ $(answer 'x/2i $pc' 1) == "=> __x64_sys_newuname+5:"* ]] && ok "vdb: x/2i there names the system call" ||
    not_ok "vdb: x/2i there names the system call" "$(answer 'x/2i $pc' 2)"
cr3=$(answer 'info registers cr3' | awk '$1 == "cr3" { print $2 }')
[[ $cr3 =~ ^0x[0-9a-f]+$ ]] && [ $((cr3)) -ne 0 ] && ok "vdb: cr3 holds the guest's page tables ($cr3)" ||
    not_ok "vdb: cr3 holds the guest's page tables" "got '$cr3'"
expect_out_has "vdb: the guest's own output reaches the transcript" "$KERNEL_VERSION"
expect_out_has "vdb: continue runs to the guest's poweroff" "[program exited with status 0]"
expect_out_has "vdb: it added nokaslr to the kernel's command line" "Kernel command line: nokaslr vmlab.run="

section vdb-bzimage
expect_status "vdb-bzimage: a breakpoint in the kernel before it is decompressed fails (batch status 1)" 1
expect_out_has "vdb-bzimage: the refusal says why and what to do" \
    "which a bzImage's decompressor has not written yet (it would write over the breakpoint): boot the vmlinux"

section vdb-remote
LAST_COMMAND="vdb --hv --gdbserver PORT --kernel vmlinux ... and vdb --remote :PORT --symbols System.map ($where)"
expect_status "vdb-remote: the client's session ran" 0
expect_out_has "vdb-remote: the breakpoint by name stops the guest in the server" "Breakpoint 1, __x64_sys_newuname+5"
expect_out_has "vdb-remote: continue runs to the guest's poweroff" "[program exited with status 0]"
expect_err_has "vdb-remote: the server ended with status 0" "server status 0"

section reboot
expect_status "reboot: status 122" 122
expect_err_has "reboot: says the guest reset itself" "the guest reset itself (a reboot)"

section panic
expect_status "panic: status 123" 123
expect_err_has "panic: the panic's text" "Linux panicked: Kernel panic - not syncing: sysrq triggered crash"

section timeout
expect_status "timeout: status 124" 124
expect_err_has "timeout: says so" "timeout: the guest was still running after 2 s"

section other-console
expect_status "console=tty0: the guest powers off: status 0" 0
expect_err_has "console=tty0: says why nothing came" "names a console other than ttyS0"

section corrupt
expect_status "a corrupt compressed kernel: status 125" 125
expect_err_has "a corrupt compressed kernel: says what is likely wrong" "the compressed kernel is corrupt"

finish
