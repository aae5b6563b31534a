#!/usr/bin/env bash
# check.sh -- lab 06's checker: the guest labs/06-cpu-modes/modes.S must
# climb from real mode to long mode by itself.
#
# It assembles modes.S as build.sh does (into $BUILD/labs/06-cpu-modes/grade,
# inside the tree, so that scripts/on-kvm carries it into the sandbox), then
# in ONE KVM boot runs
#   - the guest under mhv: its three lines and its exit status;
#   - vdb with a script of its own, with breakpoints at the labels (vdb
#     reads them from modes.elf, --symbols): the mode, CS and the control
#     registers at protected_mode, paging_on and long_mode, and how x/i
#     decodes long_mode's first instruction;
#   - vdb with the student's steps.vdb: its transcript must show real,
#     protected and long mode, in that order;
# and checks answers.md.
. "$(dirname "$0")/../lib/grade.sh"

lab_begin 06 "CPU modes: from real mode to protected to long mode"
lab_need mhv vdb

OUT=$BUILD/labs/06-cpu-modes/grade   # relative to LAB_ROOT, as lab_kvm wants it
KVM_OUT=$LAB_TMP/kvm.out

# ---- assemble the guest ------------------------------------------------------

built=0
rm -rf "${LAB_ROOT:?}/$OUT" && mkdir -p "$LAB_ROOT/$OUT"
if (cd "$LAB_ROOT" &&
    gcc -m32 -c -o "$OUT/modes.o" labs/06-cpu-modes/modes.S &&
    ld -m elf_i386 -Ttext=0x1000 -e _start -o "$OUT/modes.elf" "$OUT/modes.o" &&
    objcopy -O binary -j .text "$OUT/modes.elf" "$OUT/modes.bin") >"$LAB_TMP/as.log" 2>&1; then
    built=1
    lab_pass "modes.S assembles and links at 0x1000" 1
else
    lab_fail_file "modes.S assembles and links at 0x1000" 1 "the assembler or linker failed:" \
        < <(grep -m 6 -iE 'error|undefined' "$LAB_TMP/as.log")
fi

# The address of a label of modes.S (hex digits without leading zeros), or
# nothing when it is not defined.
label() {
    nm "$LAB_ROOT/$OUT/modes.elf" 2>/dev/null |
        awk -v name="$1" '$3 == name { sub(/^0+/, "", $1); print $1 }'
}

ran=0
if [ "$built" = 1 ]; then
    protected=$(label protected_mode) paging=$(label paging_on) long=$(label long_mode)
    if [ -z "$protected" ] || [ -z "$paging" ] || [ -z "$long" ]; then
        lab_fail "the labels protected_mode, paging_on and long_mode exist" 1 \
            "modes.S must keep these three labels (the checker stops at them)"
    else
        lab_pass "the labels protected_mode, paging_on and long_mode exist" 1
        cat >"$LAB_ROOT/$OUT/check.vdb" <<EOF
set breakpoint-route hlt
break protected_mode
break paging_on
break long_mode
info mode
continue
info mode
continue
info mode
info registers cr0 cr4 efer cs
continue
info mode
info registers cs
x/1i \$pc
EOF
        if [ -f "$LAB_DIR/steps.vdb" ]; then
            cp "$LAB_DIR/steps.vdb" "$LAB_ROOT/$OUT/steps.vdb"
        else
            echo "info mode" >"$LAB_ROOT/$OUT/steps.vdb"
        fi
        # One boot for everything; a guest that loops is cut off by mhv's
        # --timeout, a vdb that waits for it by timeout(1).
        cat >"$LAB_ROOT/$OUT/kvm.sh" <<'EOF'
bin=$1 out=$2
echo "=== mhv"
"$bin/mhv" run --timeout 5 "$out/modes.bin" 2>&1
echo "=== mhv status $?"
echo "=== check.vdb"
timeout 30 "$bin/vdb" --hv --batch -x "$out/check.vdb" --symbols "$out/modes.elf" "$out/modes.bin" 2>&1
echo "=== steps.vdb"
timeout 30 "$bin/vdb" --hv --batch -x "$out/steps.vdb" --symbols "$out/modes.elf" "$out/modes.bin" 2>&1
echo "=== end"
EOF
        lab_kvm sh "$OUT/kvm.sh" "$BINDIR" "$OUT" >"$KVM_OUT" 2>&1
        if grep -q '^=== end$' "$KVM_OUT"; then
            ran=1
        else
            lab_fail_file "run the guest on KVM" 1 "scripts/on-kvm could not run it:" < <(tail -n 4 "$KVM_OUT")
        fi
    fi
fi

# The lines of one section of the KVM run's output.
section() { lab_section "$KVM_OUT" "$1"; }

# ---- the guest under mhv -----------------------------------------------------

if [ "$ran" = 1 ]; then
    section mhv >"$LAB_TMP/mhv.out"
    status=$(sed -n 's/^=== mhv status //p' "$KVM_OUT")

    if grep -qx 'real mode:      CR0=60000010' "$LAB_TMP/mhv.out" &&
       grep -qx 'protected mode: CR0=60000011' "$LAB_TMP/mhv.out"; then
        lab_pass "the guest prints its real-mode and protected-mode lines" 1
    else
        lab_fail_file "the guest prints its real-mode and protected-mode lines" 1 \
            "expected 'real mode:      CR0=60000010' and 'protected mode: CR0=60000011'; mhv printed:" \
            < <(head -n 4 "$LAB_TMP/mhv.out")
    fi
    want='long mode:      CR0=E0000011 CR4=00000020 EFER=00000500'
    if grep -qx "$want" "$LAB_TMP/mhv.out"; then
        lab_pass "the guest prints its long-mode line" 3
    else
        lab_fail_file "the guest prints its long-mode line" 3 "expected '$want'; mhv printed:" \
            < <(head -n 4 "$LAB_TMP/mhv.out")
    fi
    if [ "$status" = 64 ]; then
        lab_pass "the guest ends with status 64" 1
    else
        case $status in
            123) why="it crashed (123: a triple fault): run it yourself for mhv's report, or stop before the step in vdb" ;;
            124) why="it ran into mhv's --timeout of 5 s (124): it loops somewhere" ;;
            0)   why="it halted (0) instead of writing 64 to port 0xF4" ;;
            *)   why="mhv's status was ${status:-unknown}" ;;
        esac
        lab_fail "the guest ends with status 64" 1 "$why"
    fi
else
    lab_fail "the guest prints its real-mode and protected-mode lines" 1 "the guest did not run"
    lab_fail "the guest prints its long-mode line" 3 "the guest did not run"
    lab_fail "the guest ends with status 64" 1 "the guest did not run"
fi

# ---- vdb: the checker's stops --------------------------------------------------

if [ "$ran" = 1 ]; then
    section check.vdb >"$LAB_TMP/check.out"
    answer() { lab_vdb_answer "$1" <"$LAB_TMP/check.out"; }
    reg() { answer "$1" | awk -v r="$2" '$1 == r { print $2 }'; }

    if answer 5 | grep -q '^real mode (16-bit)' && answer 6 | grep -q '^Breakpoint 1,' &&
       answer 7 | grep -q '^protected mode (32-bit)'; then
        lab_pass "vdb: real mode at _start, protected mode at protected_mode" 1
    else
        lab_fail_file "vdb: real mode at _start, protected mode at protected_mode" 1 \
            "want 'real mode (16-bit)', a stop at protected_mode (0x$protected), 'protected mode (32-bit)'; vdb said:" \
            < <({ answer 5; answer 6; answer 7; } | head -n 6)
    fi

    if ! answer 8 | grep -q '^Breakpoint 2,'; then
        lab_fail_file "vdb: at paging_on, compatibility mode: long mode active, CS still 32-bit" 1 \
            "the guest never reached paging_on (0x$paging):" < <(answer 8 | head -n 3)
        lab_fail "vdb: at paging_on, CR0 = 0xe0000011, CR4 = 0x20, EFER = 0x500" 2 \
            "the guest never reached paging_on"
    else
        if answer 9 | grep -q '^compatibility mode (32-bit code' && [ "$(reg 10 cs)" = 0x0018 ]; then
            lab_pass "vdb: at paging_on, compatibility mode: long mode active, CS still 32-bit" 1
        else
            lab_fail "vdb: at paging_on, compatibility mode: long mode active, CS still 32-bit" 1 \
                "info mode said '$(answer 9 | head -n 1)' and CS is $(reg 10 cs) (want 'compatibility mode (32-bit code ...' and 0x0018)"
        fi
        cr0=$(reg 10 cr0) cr4=$(reg 10 cr4) efer=$(reg 10 efer)
        if [ "$cr0" = 0x00000000e0000011 ] && [ "$cr4" = 0x0000000000000020 ] &&
           [ "$efer" = 0x0000000000000500 ]; then
            lab_pass "vdb: at paging_on, CR0 = 0xe0000011, CR4 = 0x20, EFER = 0x500" 2
        else
            lab_fail "vdb: at paging_on, CR0 = 0xe0000011, CR4 = 0x20, EFER = 0x500" 2 \
                "vdb read CR0 = $cr0, CR4 = $cr4, EFER = $efer"
        fi
    fi

    if answer 11 | grep -q '^Breakpoint 3,' && answer 12 | grep -q '^long mode (64-bit)' &&
       [ "$(reg 13 cs)" = 0x0008 ] && answer 14 | grep -q 'lea rsi, \[rip'; then
        lab_pass "vdb: at long_mode, 64-bit code through CS 0x08" 2
    else
        lab_fail_file "vdb: at long_mode, 64-bit code through CS 0x08" 2 \
            "want a stop at long_mode (0x$long), 'long mode (64-bit)', cs 0x0008 and 'lea rsi, [rip + ...]'; vdb said:" \
            < <({ answer 11; answer 12; answer 13; answer 14; } | head -n 6)
    fi
else
    lab_fail "vdb: real mode at _start, protected mode at protected_mode" 1 "the guest did not run"
    lab_fail "vdb: at paging_on, compatibility mode: long mode active, CS still 32-bit" 1 "the guest did not run"
    lab_fail "vdb: at paging_on, CR0 = 0xe0000011, CR4 = 0x20, EFER = 0x500" 2 "the guest did not run"
    lab_fail "vdb: at long_mode, 64-bit code through CS 0x08" 2 "the guest did not run"
fi

# ---- vdb: the student's steps.vdb ----------------------------------------------

if [ "$ran" = 1 ]; then
    modes=$(section steps.vdb | sed -n 's/^\(real\|protected\|long\) mode ([0-9]*-bit)$/\1/p' |
            uniq | tr '\n' ' ')
    case $modes in
        "real protected long "*)
            lab_pass "steps.vdb: info mode shows real, protected, long" 2 ;;
        *)
            lab_fail "steps.vdb: info mode shows real, protected, long" 2 \
                "in your transcript info mode said: ${modes:-nothing}(want: real protected long)" ;;
    esac
else
    lab_fail "steps.vdb: info mode shows real, protected, long" 2 "the guest did not run"
fi

# ---- answers ---------------------------------------------------------------------

lab_answer Q1 1 '60000010' "the value, as vdb or the guest prints it"
lab_answer Q2 1 'e0000011' "the value at paging_on (vdb: info registers cr0)"
if [ -n "${long:-}" ]; then
    lab_answer Q3 1 "(^|[^0-9a-fx])(0x)?0*$long([^0-9a-f]|\$)" "long_mode's address in your modes.elf (nm)"
else
    lab_fail "answer Q3" 1 "cannot check: modes.S did not build with a long_mode label"
fi
lab_answer Q4 1 'compatib' "name the sub-mode of long mode"
lab_answer Q5 1 'rex' "what is byte 0x48 in 64-bit code?"
lab_answer Q6 1 '53' "give L's bit number in the 64-bit descriptor"
lab_answer Q7 1 '515' "count the tables: page tables, PD, PDPT, PML4"
lab_answer Q8 1 'ff2000' "the address, as info registers cr3 shows it"

lab_end
