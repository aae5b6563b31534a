#!/usr/bin/env bash
# check.sh -- lab 10's checker: a virtio entropy device (virtio-rng) in
# mhv, driven first by test_rng.c on the host, then by Linux's virtio_rng.
#
#   - builds the tree's mhv (with the student's device) and the virtio
#     unit tests, and runs those;
#   - builds labs/10-virtio-rng/test_rng.c against the tree's libmhv and
#     runs it: the device behind the virtio-mmio transport, in a fake
#     guest RAM, part by part (its "-- " lines), each part a check;
#   - only when every part passed: builds an initramfs with rng.sh (into
#     $BUILD/labs/10-virtio-rng/grade, inside the tree, so that
#     scripts/on-kvm carries it) and boots Debian's Linux on KVM, once,
#     under `mhv run --kernel ... --rng --stats`: the module, the current
#     hwrng, two reads of /dev/hwrng, the device's line of --stats;
#   - checks answers.md, Q3 and Q4 against that boot's --stats.
. "$(dirname "$0")/../lib/grade.sh"

lab_begin 10 "virtio: an entropy device of your own, and Linux drives it"
lab_need mhv vdb "$BUILD/tests/test_mhv_virtio"   # vdb: scripts/on-kvm wants the whole tree built

OUT=$BUILD/labs/10-virtio-rng/grade   # relative to LAB_ROOT, as lab_kvm wants it

# ---- on the host: the unit tests -------------------------------------------------

lab_check "the virtio unit tests still pass" 1 "tests/unit/mhv/test_mhv_virtio failed" -- \
    "$LAB_ROOT/$BUILD/tests/test_mhv_virtio"

# test_rng.c's parts, in the order it runs them, and their points.
parts=("the identity: device ID 4, one queue, no features, no config:1"
       "one request of 64 device-writable bytes filled and answered:2"
       "chained buffers, and two requests in one notify:2"
       "a request of 8 KiB gets MHV_VIRTIO_RNG_MAX_REQUEST bytes:1"
       "driver errors refused without crashing mhv, then a reset:2"
       "the host's getrandom: bytes not all equal, two reads differ:1")
unit_ok=0
# With the flags of the build graded (LAB_SAN: make asan's sanitizers, which
# a program linking its libmhv needs too), against what a device sees
# (devices/ and abi/), and libvmlab_common.a's assertion handler.
# shellcheck disable=SC2086  # LAB_SAN is a list of compiler flags
if ! (cd "$LAB_ROOT" && ${CC:-cc} -std=c11 ${LAB_SAN:-} -Icommon -Imini-hypervisor/devices -Imini-hypervisor/abi \
        -o "$LAB_TMP/test_rng" labs/10-virtio-rng/test_rng.c "$BUILD/libmhv.a" "$BUILD/libvmlab_common.a") \
        >"$LAB_TMP/cc.log" 2>&1; then
    lab_fail_file "test_rng.c: ${parts[0]%:*}" "${parts[0]##*:}" \
        "test_rng.c does not build against mini-hypervisor/devices/dev_virtio_rng.h and libmhv:" \
        < <(grep -m 4 -E 'error|undefined' "$LAB_TMP/cc.log")
    for p in "${parts[@]:1}"; do
        lab_fail "test_rng.c: ${p%:*}" "${p##*:}" "test_rng.c does not build (above)"
    done
else
    "$LAB_TMP/test_rng" >"$LAB_TMP/test_rng.out" 2>&1
    status=$?
    unit_ok=1
    for i in "${!parts[@]}"; do
        p=${parts[$i]}
        # The lines of part i+1: after its "-- " line, up to the next one.
        awk -v n=$((i + 1)) '/^-- / { k++; next } k == n' "$LAB_TMP/test_rng.out" >"$LAB_TMP/part.out"
        reached=$(grep -c '^-- ' "$LAB_TMP/test_rng.out")
        if [ "$reached" -le "$i" ]; then
            unit_ok=0
            lab_fail_file "test_rng.c: ${p%:*}" "${p##*:}" \
                "test_rng stopped before this part (status $status); its last lines:" \
                < <(tail -n 4 "$LAB_TMP/test_rng.out")
        elif grep -q '^FAIL ' "$LAB_TMP/part.out"; then
            unit_ok=0
            lab_fail_file "test_rng.c: ${p%:*}" "${p##*:}" "some expectations failed:" \
                < <(grep '^FAIL ' "$LAB_TMP/part.out")
        else
            lab_pass "test_rng.c: ${p%:*}" "${p##*:}"
        fi
    done
    [ "$status" = 0 ] || unit_ok=0
fi

# ---- on KVM: Linux with the device -------------------------------------------------

boot_checks=("Linux boots with --rng and rng.sh runs to its end:1"
             "the virtio_rng module is loaded, bound to a device of ID 4:1"
             "rng_current is virtio_rng (the kernel uses your device):1"
             "/dev/hwrng: 128 bytes, not all equal:1"
             "/dev/hwrng: two reads differ:1"
             "--stats: the virtio-rng line, notifies, no driver error:1")
fail_boot() {
    local p
    for p in "${boot_checks[@]}"; do lab_fail "${p%:*}" "${p##*:}" "$1"; done
}

ran=0
if [ "$unit_ok" != 1 ]; then
    fail_boot "not run: the device does not pass test_rng.c on the host yet"
elif ! (cd "$LAB_ROOT" && rm -rf "$OUT" && mkdir -p "$OUT" &&
        scripts/linux-guest/initramfs.sh -o "$OUT/initramfs.cpio" --add labs/10-virtio-rng/rng.sh:rng.sh) \
        >"$LAB_TMP/initramfs.log" 2>&1; then
    fail_boot "not run: scripts/linux-guest/initramfs.sh failed: $(tail -n 1 "$LAB_TMP/initramfs.log")"
else
    # stdout and stderr apart: the console, then mhv's statistics.
    lab_kvm "$BINDIR/mhv" run --kernel build/sandbox/kernel/vmlinuz --initrd "$OUT/initramfs.cpio" \
        --append 'quiet vmlab.run="sh rng.sh"' --rng --stats --timeout 240 \
        >"$LAB_TMP/console.raw" 2>"$LAB_TMP/stats.out"
    status=$?
    tr -d '\r' <"$LAB_TMP/console.raw" >"$LAB_TMP/console.out"
    if [ "$status" = 0 ] && grep -q '^=== end' "$LAB_TMP/console.out" &&
       grep -q '^vmlab-init: exit 0' "$LAB_TMP/console.out"; then
        ran=1
        lab_pass "${boot_checks[0]%:*}" 1
    else
        # mhv's own messages ("mhv: unknown flag --rng"), else the end of stderr.
        grep -E '^(mhv|on-kvm|kvm-sandbox)' "$LAB_TMP/stats.out" | grep -v '^mhv: stats:' | head -n 4 \
            >"$LAB_TMP/why.out"
        [ -s "$LAB_TMP/why.out" ] || tail -n 5 "$LAB_TMP/stats.out" >"$LAB_TMP/why.out"
        lab_fail_file "${boot_checks[0]%:*}" 1 "mhv's status $status; its messages:" "$LAB_TMP/why.out"
        for p in "${boot_checks[@]:1}"; do lab_fail "${p%:*}" "${p##*:}" "Linux did not run rng.sh to its end"; done
    fi
fi

section() { lab_section "$LAB_TMP/console.out" "$1"; }
# A read's bytes, one per line (od's hex).
bytes_of() { section "$1" | tr -s ' \t' '\n' | grep -E '^[0-9a-f]{2}$'; }
# A field of the --stats line "  virtio-rng: N requests, N bytes; N notifies, N interrupts".
rng_stat() {
    grep -m 1 '^  virtio-rng: ' "$LAB_TMP/stats.out" | grep -oE "[0-9]+ $1" | head -n 1 | cut -d ' ' -f 1
}

requests="" bytes=""
if [ "$ran" = 1 ]; then
    if section modules | grep -q '^virtio_rng ' && section devices | grep -q ':0x0004$'; then
        lab_pass "${boot_checks[1]%:*}" 1
    else
        lab_fail_file "${boot_checks[1]%:*}" 1 \
            "want a line 'virtio_rng ...' of /proc/modules and a virtio device 0x0004; the guest printed:" \
            < <(section modules; section devices)
    fi
    current=$(section current | head -n 1)
    if [[ $current == virtio_rng* ]]; then
        lab_pass "${boot_checks[2]%:*}" 1
    else
        lab_fail "${boot_checks[2]%:*}" 1 "rng_current is '${current:-nothing}' (is the DSDT entry there? mhv --rng?)"
    fi
    one=$(bytes_of read1) two=$(bytes_of read2)
    if [ "$(wc -l <<<"$one")" = 128 ] && [ "$(sort -u <<<"$one" | wc -l)" -gt 1 ]; then
        lab_pass "${boot_checks[3]%:*}" 1
    else
        lab_fail_file "${boot_checks[3]%:*}" 1 "dd if=/dev/hwrng bs=32 count=4 gave:" < <(section read1)
    fi
    if [ "$(wc -l <<<"$two")" = 128 ] && [ "$one" != "$two" ]; then
        lab_pass "${boot_checks[4]%:*}" 1
    else
        lab_fail_file "${boot_checks[4]%:*}" 1 "the second read gave:" < <(section read2)
    fi
    line=$(grep '^  virtio-rng: ' "$LAB_TMP/stats.out" | head -n 1)
    requests=$(rng_stat requests) bytes=$(rng_stat bytes) notifies=$(rng_stat notifies)
    if [ -n "$line" ] && [ "${notifies:-0}" -ge 1 ] && [ "${requests:-0}" -ge 1 ] &&
       [ "${bytes:-0}" -ge 256 ] && [[ $line != *"driver error"* ]]; then
        lab_pass "${boot_checks[5]%:*}" 1
    else
        lab_fail "${boot_checks[5]%:*}" 1 \
            "want '  virtio-rng: N requests, N bytes; N notifies, N interrupts' (256 bytes at least, no driver error);" \
            "--stats printed: ${line:-no virtio-rng line}"
    fi
fi

# ---- answers -----------------------------------------------------------------------

lab_answer Q1 1 'writ' "say which way each buffer goes, and why the device never reads one"
lab_answer Q2 1 'mhv_virtq_pop|virtqueue\.c' "name the function (and file) that notices"

# Q3 and Q4: "NAME = NUMBER" lines, compared with the boot's --stats.
measure() {
    lab__answer_text "$1" | sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\([0-9][0-9.]*\).*/\1/p" | head -n 1
}
per_request=$(measure Q3 bytes_per_request)
if [ -z "$requests" ] || [ "${requests:-0}" = 0 ]; then
    lab_fail "answer Q3" 1 "cannot check it: the boot with your device did not run"
elif [ -z "$per_request" ]; then
    lab_fail "answer Q3" 1 "want a line 'bytes_per_request = N' under '## Q3'"
elif awk -v a="$per_request" -v b="$bytes" -v r="$requests" 'BEGIN { exit !(a == b / r) }'; then
    lab_pass "answer Q3" 1
else
    lab_fail "answer Q3" 1 "bytes_per_request: the boot's --stats says $bytes bytes in $requests requests"
fi
exits_request=$(measure Q4 mmio_exits_per_request) exits_read=$(measure Q4 mmio_exits_per_read)
if [ -z "$exits_request" ] || [ -z "$exits_read" ]; then
    lab_fail "answer Q4" 2 "want lines 'mmio_exits_per_request = N' and 'mmio_exits_per_read = N' under '## Q4'"
elif [ "$exits_request" != 3 ]; then
    lab_fail "answer Q4" 2 "mmio_exits_per_request: count the driver's register accesses for one request" \
        "(boot twice with different counts of reads and compare the virtio-rng accesses and requests)"
elif [ -n "$per_request" ] && ! awk -v e="$exits_read" -v p="$per_request" 'BEGIN { exit !(e == 3 * 32 / p) }'; then
    lab_fail "answer Q4" 2 "mmio_exits_per_read: how many 32-byte reads does one request of $per_request bytes serve?"
else
    lab_pass "answer Q4" 2
fi
lab_answer Q5 1 'raise_interrupt|notify_queue|virtio_mmio\.c' "name the function (and file) that raises the line"
lab_answer Q6 1

lab_end
