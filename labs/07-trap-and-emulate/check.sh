#!/usr/bin/env bash
# check.sh -- lab 07's checker: a CRC-32 device at ports 0x300-0x307 in
# mhv, reached by the lab's guest through VM exits.
#
#   - builds the tree's mhv (with the student's device) and the bus and
#     device unit tests, and runs those;
#   - builds labs/07-trap-and-emulate/test_crc.c against the tree's libmhv
#     and runs it: the device's registers, on the host, without KVM;
#   - assembles guest.S (into $BUILD/labs/07-trap-and-emulate/grade, inside
#     the tree, so that scripts/on-kvm carries it) and runs it on KVM, in
#     one boot, under `mhv run --stats`: its lines, its status, the device's
#     accesses and the IO exits;
#   - checks answers.md, the measured costs of Q4 among them.
. "$(dirname "$0")/../lib/grade.sh"

lab_begin 07 "trap and emulate: a device of your own, and what an exit costs"
lab_need mhv "$BUILD/tests/test_mhv_bus" "$BUILD/tests/test_mhv_devices"

OUT=$BUILD/labs/07-trap-and-emulate/grade   # relative to LAB_ROOT, as lab_kvm wants it

# ---- on the host: the unit tests -------------------------------------------------

lab_check "the bus and device unit tests still pass" 1 "tests/unit/mhv/test_mhv_{bus,devices} failed" -- \
    sh -c "'$LAB_ROOT/$BUILD/tests/test_mhv_bus' && '$LAB_ROOT/$BUILD/tests/test_mhv_devices'"

# With the flags of the build graded (LAB_SAN: the sanitizers of make asan's
# libmhv, which a program linking it must be built with too), against what a
# device sees (devices/ and abi/), and with the assertion handler that
# libmhv calls in make asan and make debug (libvmlab_common.a).
# shellcheck disable=SC2086  # LAB_SAN is a list of compiler flags
if ! (cd "$LAB_ROOT" && ${CC:-cc} -std=c11 ${LAB_SAN:-} -Icommon -Imini-hypervisor/devices -Imini-hypervisor/abi \
        -o "$LAB_TMP/test_crc" labs/07-trap-and-emulate/test_crc.c "$BUILD/libmhv.a" "$BUILD/libvmlab_common.a") \
        >"$LAB_TMP/cc.log" 2>&1; then
    lab_fail_file "test_crc.c: the device on the host" 3 \
        "test_crc.c does not build against mini-hypervisor/devices/dev_crc.h and libmhv:" \
        < <(grep -m 4 -E 'error|undefined' "$LAB_TMP/cc.log")
elif "$LAB_TMP/test_crc" >"$LAB_TMP/test_crc.out" 2>&1; then
    lab_pass "test_crc.c: the device on the host" 3
else
    lab_fail_file "test_crc.c: the device on the host" 3 "some expectations failed:" \
        < <(head -n 5 "$LAB_TMP/test_crc.out")
fi

# ---- on KVM: the guest ---------------------------------------------------------------

ran=0
rm -rf "${LAB_ROOT:?}/$OUT" && mkdir -p "$LAB_ROOT/$OUT"
if ! (cd "$LAB_ROOT" &&
      gcc -m32 -c -o "$OUT/guest.o" labs/07-trap-and-emulate/guest.S &&
      ld -m elf_i386 -Ttext=0 -e _start -o "$OUT/guest.elf" "$OUT/guest.o" &&
      objcopy -O binary -j .text "$OUT/guest.elf" "$OUT/guest.bin") >"$LAB_TMP/as.log" 2>&1; then
    lab_fail_file "the guest runs on KVM" 1 "guest.S does not assemble (it is given complete: restore it):" \
        < <(grep -m 4 -i error "$LAB_TMP/as.log")
else
    # stdout and stderr apart: the guest's lines, then mhv's statistics.
    lab_kvm "$BINDIR/mhv" run --stats --timeout 10 "$OUT/guest.bin" >"$LAB_TMP/guest.out" 2>"$LAB_TMP/stats.out"
    status=$?
    if grep -q '^mhv: stats:' "$LAB_TMP/stats.out"; then
        ran=1
        lab_pass "the guest runs on KVM" 1
    else
        lab_fail_file "the guest runs on KVM" 1 "no statistics from mhv (status $status):" \
            < <(tail -n 4 "$LAB_TMP/stats.out")
    fi
fi

# The count on one line of --stats ("  NAME   COUNT ..."), or nothing.
stat() {
    awk -v name="$1" '$1 == name { print $2; exit }' "$LAB_TMP/stats.out"
}

if [ "$ran" = 1 ]; then
    want='crc32 by outb:      CBF43926 ok
crc32 by rep outsb: CBF43926 ok
bytes counted:      00000009'
    if [ "$(cat "$LAB_TMP/guest.out")" = "$want" ]; then
        lab_pass "the guest gets CBF43926 twice and a count of 9" 3
    else
        lab_fail_file "the guest gets CBF43926 twice and a count of 9" 3 "the guest printed:" \
            < <(head -n 4 "$LAB_TMP/guest.out")
    fi
    if [ "$status" = 0 ]; then
        lab_pass "the guest ends with status 0" 1
    else
        lab_fail "the guest ends with status 0" 1 "mhv's status was $status (1: a wrong answer from the device)"
    fi

    # 1 + 9 + 1 accesses in part 1, as many in part 2, 1 in part 3.
    crc=$(stat crc32)
    if [ "$crc" = 23 ]; then
        lab_pass "--stats: 23 accesses to the device named crc32" 1
    else
        lab_fail "--stats: 23 accesses to the device named crc32" 1 \
            "--stats counted ${crc:-no} accesses to a device named crc32 (attach it as \"crc32\" at 0x300, 8 ports)"
    fi

    # Every port access is an IO exit, except that KVM may hand mhv several
    # elements of the rep outsb in one exit (run->io.count > 1).
    io=$(stat IO)
    accesses=$(awk '/^  device / { on = 1; next } /^  interrupts/ { on = 0 } on { n += $2 } END { print n + 0 }' \
               "$LAB_TMP/stats.out")
    if [ -n "$io" ] && [ "$crc" = 23 ] && [ "$io" -le "$accesses" ] && [ "$io" -ge $((accesses - 8)) ]; then
        lab_pass "--stats: an IO exit for each port access" 1
    else
        lab_fail "--stats: an IO exit for each port access" 1 \
            "IO exits: ${io:-none}; accesses of the devices: $accesses (want the device's 23 among them)"
    fi
else
    lab_fail "the guest gets CBF43926 twice and a count of 9" 3 "the guest did not run"
    lab_fail "the guest ends with status 0" 1 "the guest did not run"
    lab_fail "--stats: 23 accesses to the device named crc32" 1 "the guest did not run"
    lab_fail "--stats: an IO exit for each port access" 1 "the guest did not run"
fi

# ---- answers -----------------------------------------------------------------------

# A number matched alone, not as a part of a longer one.
number() { echo "(^|[^0-9.])$1([^0-9.]|\$)"; }

lab_answer Q1 1 'ffffffff|0xff|all ones' "what does a read of a port no device claims return?"
if [ "$ran" = 1 ] && [ -n "$io" ]; then
    lab_answer Q2 1 "$(number "$io")" "the IO count of your run: $io"
    rep=$((9 - (accesses - io)))
    lab_answer Q3 1 "$(number "$rep")" "count it from the IO exits and the device accesses"
else
    lab_fail "answer Q2" 1 "cannot check it: the guest did not run"
    lab_fail "answer Q3" 1 "cannot check it: the guest did not run"
fi

# Q4: four numbers, "NAME = NUMBER".
measure() {
    lab__answer_text Q4 | sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\([0-9][0-9.]*\([eE][0-9]*\)\{0,1\}\).*/\1/p" | head -n 1
}
exit_ns=$(measure exit_ns) dispatch_ns=$(measure dispatch_ns) call_ns=$(measure call_ns) ratio=$(measure exit_per_dispatch)
if [ -z "$exit_ns" ] || [ -z "$dispatch_ns" ] || [ -z "$call_ns" ] || [ -z "$ratio" ]; then
    lab_fail "answer Q4" 2 "want four lines 'exit_ns = N', 'dispatch_ns = N', 'call_ns = N', 'exit_per_dispatch = N' under '## Q4'"
else
    verdict=$(awk -v e="$exit_ns" -v d="$dispatch_ns" -v c="$call_ns" -v r="$ratio" 'BEGIN {
        if (e <= 0 || d <= 0 || c <= 0 || r <= 0) print "every number must be positive"
        else if (e < 100 * d || e < 100 * c)
            print "an exit should cost hundreds of times a dispatch or a call: measure again"
        else if (d > 10 * c || c > 10 * d)
            print "a dispatch and a call should be within a factor of 10 of each other: measure again"
        else if (r < 0.9 * e / d || r > 1.1 * e / d)
            printf "exit_per_dispatch should be exit_ns / dispatch_ns = %.0f\n", e / d
    }')
    if [ -z "$verdict" ]; then
        lab_pass "answer Q4" 2
    else
        lab_fail "answer Q4" 2 "$verdict"
    fi
fi
lab_answer Q5 1
lab_answer Q6 1 'mhv_bus_(read|write|find)|bus\.c' "name the function (and file)"
lab_answer Q7 1 '(^|[^a-z])(popf|popfd|pushf|pushfd|sgdt|sidt|sldt|smsw|str|lar|lsl|verr|verw)([^a-z]|$)' \
    "name one of the classic ones by its mnemonic"

lab_end
