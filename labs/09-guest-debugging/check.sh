#!/usr/bin/env bash
# check.sh -- lab 09's checker: the lab's console driver,
# labs/09-guest-debugging/kernel/uart.c, must print what the kernel's own
# driver prints, byte for byte; and the student's vdb script and answers
# must show the moment it went wrong.
#
# It builds the lab's kernel with the tree's Makefile (the debug kernel
# with the lab's uart.c), then in ONE KVM boot runs
#   - the lab's kernel and the kernel's debug build (its own uart.c, the
#     reference) under mhv, on two command lines: the handout's, and echo
#     lines longer than the ring with the input piped in; the outputs are
#     compared there with cmp, and shown;
#   - vdb with a script of its own: the fifth call of uart_flush, the one
#     whose bytes run past the ring's end on the handout's command line
#     (the ring, the backtrace): the numbers the answers are checked with;
#   - vdb with the student's hunt.vdb: its transcript must show a stop at
#     a flush whose bytes wrap, and a backtrace from there;
# and checks answers.md.
. "$(dirname "$0")/../lib/grade.sh"

lab_begin 09 "guest debugging: a lost byte in the console driver, found at source level"
lab_need mhv vdb guests "$BUILD/labs/09-guest-debugging/kernel.elf"

OUT=$BUILD/labs/09-guest-debugging/grade   # relative to LAB_ROOT, as lab_kvm wants it
KVM_OUT=$LAB_TMP/kvm.out
CMDLINE_A='ticks=1 ticks=2 ticks=3 ticks=4 exit=0'
CMDLINE_B='echo ticks=1 echo ticks=2 echo exit=7'

rm -rf "${LAB_ROOT:?}/$OUT" && mkdir -p "$LAB_ROOT/$OUT"
cp "$LAB_ROOT/$BUILD/labs/09-guest-debugging/kernel.elf" "$LAB_ROOT/$OUT/kernel.elf"
if [ -f "$LAB_DIR/hunt.vdb" ]; then
    cp "$LAB_DIR/hunt.vdb" "$LAB_ROOT/$OUT/hunt.vdb"
else
    echo "continue" >"$LAB_ROOT/$OUT/hunt.vdb"
fi
cat >"$LAB_ROOT/$OUT/check.vdb" <<'EOF'
set breakpoint-route hlt
break uart_flush
continue
continue
continue
continue
continue
print port->tx
bt
delete
continue
EOF
# The echo lines of command line B: the second is longer than the ring.
printf '%s\n' "the quick brown fox jumps over the lazy dog" \
    "pack my box with five dozen liquor jugs, then seventy-two more, and count them twice" \
    "sphinx of black quartz, judge my vow" >"$LAB_ROOT/$OUT/input.txt"
# One boot for everything; a guest that loops is cut off by mhv's
# --timeout, a vdb that waits for it by timeout(1).  The limits are far
# above the second a run takes; the -O0 reference kernel gets 60 s (on a
# loaded machine, under a sanitizer build of mhv, it once took more than
# 20), the lab's kernel, built with the tree's optimization, 20 s: a
# driver that loses a byte waits for it until then.
cat >"$LAB_ROOT/$OUT/kvm.sh" <<'EOF'
bin=$1 out=$2 guests=$3 a=$4 b=$5
run() {   # NAME KERNEL CMDLINE SECONDS
    "$bin/mhv" run --timeout "$4" --cmdline "$3" "$2" <"$out/input.txt" >"$out/$1.out" 2>"$out/$1.err"
    echo "=== $1-status $?"
}
run ref-a "$guests/kernel-debug.elf" "$a" 60
run lab-a "$out/kernel.elf" "$a" 20
run ref-b "$guests/kernel-debug.elf" "$b" 60
run lab-b "$out/kernel.elf" "$b" 20
for x in a b; do
    if cmp -s "$out/ref-$x.out" "$out/lab-$x.out"; then echo "=== same-$x yes"; else echo "=== same-$x no"; fi
    echo "=== lab-$x"
    cat "$out/lab-$x.out" "$out/lab-$x.err"
    echo
done
echo "=== check.vdb"
timeout 60 "$bin/vdb" --hv --cmdline "$a" --batch -x "$out/check.vdb" "$out/kernel.elf" 2>&1
echo "=== hunt.vdb"
timeout 60 "$bin/vdb" --hv --cmdline "$a" --batch -x "$out/hunt.vdb" "$out/kernel.elf" 2>&1
echo "=== end"
EOF
# (on-kvm takes the guests' sources along: vdb shows the line of each stop)
lab_kvm sh "$OUT/kvm.sh" "$BINDIR" "$OUT" "$BUILD/guest" "$CMDLINE_A" "$CMDLINE_B" >"$KVM_OUT" 2>&1
ran=0
if grep -q '^=== end$' "$KVM_OUT"; then
    ran=1
else
    lab_fail_file "run the kernels on KVM" 1 "scripts/on-kvm could not run them:" < <(tail -n 4 "$KVM_OUT")
fi

# The lines of one section of the KVM run's output.
section() { lab_section "$KVM_OUT" "$1"; }
# The word after a one-line section's name: "=== NAME WORD".
marker() {
    awk -v name="$1" '$1 == "===" && $2 == name { print $3 }' "$KVM_OUT"
}
# The first ring printed in a transcript (on stdin) as "size head tail".
ring_of() {
    grep -o 'size = [0-9]*, head = [0-9]*, tail = [0-9]*' | head -n 1 | tr -cs '0-9' ' ' | sed 's/^ //'
}

# ---- the console output ------------------------------------------------------------

if [ "$ran" = 1 ]; then
    for x in a b; do
        case $x in
            a) name="console output of the handout's command line, byte for byte" points=3 ;;
            b) name="console output of echo lines longer than the ring" points=2 ;;
        esac
        if [ "$(marker "same-$x")" = yes ]; then
            lab_pass "$name" "$points"
        else
            lab_fail_file "$name" "$points" \
                "the lab's kernel printed something else than the kernel's own driver prints; it printed:" \
                < <(section "lab-$x")
        fi
    done
    status_differs=""
    for x in a b; do
        ref=$(marker "ref-$x-status") lab=$(marker "lab-$x-status")
        [ "$ref" = "$lab" ] || status_differs="$status_differs $x:$lab(want $ref)"
    done
    if [ -z "$status_differs" ]; then
        lab_pass "the lab's kernel ends with the reference's statuses" 1
    else
        lab_fail "the lab's kernel ends with the reference's statuses" 1 "mhv's statuses:$status_differs"
    fi
else
    lab_fail "console output of the handout's command line, byte for byte" 3 "the kernels did not run"
    lab_fail "console output of echo lines longer than the ring" 2 "the kernels did not run"
    lab_fail "the lab's kernel ends with the reference's statuses" 1 "the kernels did not run"
fi

# ---- vdb: the checker's stop at the flush that wraps ------------------------------------

# From the checker's own transcript: the ring at the fifth uart_flush, and
# the function whose print reached it (the frame above kprintf).
size="" head="" tail="" caller="" caller_line=""
if [ "$ran" = 1 ]; then
    section check.vdb >"$LAB_TMP/check.out"
    answer() { lab_vdb_answer "$1" <"$LAB_TMP/check.out"; }
    if answer 7 | grep -q '^Breakpoint 1, uart_flush at uart\.c:'; then
        read -r size head tail < <(answer 8 | ring_of)
        read -r caller caller_line < <(answer 9 |
            awk '/ kprintf at / { want = 1; next } want && $3 == "at" { split($4, at, ":"); print $2, at[2]; exit }')
    fi
fi
have_ring=0
if [ -n "$size" ] && [ -n "$head" ] && [ -n "$tail" ] && [ "$size" -gt 0 ] &&
   [ $((tail % size + head - tail)) -gt "$size" ]; then
    have_ring=1
    start=$((tail % size)) count=$((head - tail)) first=$((size - tail % size))
fi
why_not="the checker's vdb could not stop at the flush that wraps: $(head -c 200 "$LAB_TMP/check.out" 2>/dev/null | tr '\n' ' ')"

# ---- vdb: the student's hunt.vdb ---------------------------------------------------------

if [ "$ran" = 1 ]; then
    section hunt.vdb >"$LAB_TMP/hunt.out"
    read -r hsize hhead htail < <(grep -o 'size = [0-9]*, head = [0-9]*, tail = [0-9]*' "$LAB_TMP/hunt.out" |
        tr -cs '0-9\n' ' ' | awk '$1 > 0 && $3 % $1 + $2 - $3 > $1 { print; exit }')
    if [ -n "${hsize:-}" ]; then
        lab_pass "hunt.vdb: stops at a flush whose bytes wrap" 2
    else
        lab_fail_file "hunt.vdb: stops at a flush whose bytes wrap" 2 \
            "no ring printed in your transcript has tail % size + (head - tail) > size; the rings it printed:" \
            < <(grep -o 'size = [0-9]*, head = [0-9]*, tail = [0-9]*' "$LAB_TMP/hunt.out" | head -n 4; echo "(end)")
    fi
    if grep -q '^\*#0 .*uart_flush at uart\.c:' "$LAB_TMP/hunt.out" &&
       grep -q '^ #1 .*uart_write_byte at uart\.c:' "$LAB_TMP/hunt.out"; then
        lab_pass "hunt.vdb: a backtrace from uart_flush" 1
    else
        lab_fail "hunt.vdb: a backtrace from uart_flush" 1 \
            "your transcript has no bt with uart_flush as frame #0 and uart_write_byte as #1"
    fi
else
    lab_fail "hunt.vdb: stops at a flush whose bytes wrap" 2 "the kernels did not run"
    lab_fail "hunt.vdb: a backtrace from uart_flush" 1 "the kernels did not run"
fi

# ---- answers -------------------------------------------------------------------------

# answers.md's QN holds every NUMBER given (each standing alone), in any
# order; the first one missing is named by lab_answer's message.
lab_answer_all() {   # QN HINT NUMBER...
    local q=$1 hint=$2 n text
    shift 2
    text=$(lab__answer_text "$q" | paste -sd ' ' -)
    for n in "$@"; do
        if ! printf '%s\n' "$text" | grep -Eq -- "$(lab_number "$n")"; then
            lab_answer "$q" 1 "$(lab_number "$n")" "$hint"
            return
        fi
    done
    lab_answer "$q" 1
}

if [ "$have_ring" = 1 ]; then
    # The lost byte is the one in the ring's last slot: byte tail - start +
    # size of the stream, counted from 1 as cmp counts.
    lab_answer_all Q1 "the byte's place in the output, as cmp counts it" "$((tail - start + size))"
    lab_answer_all Q2 "tail and head, as print *ring shows them at that flush" "$tail" "$head"
    lab_answer_all Q3 "start, count, and the length the first piece should have" "$start" "$count" "$first"
else
    lab_fail "answer Q1" 1 "cannot check: $why_not"
    lab_fail "answer Q2" 1 "cannot check: $why_not"
    lab_fail "answer Q3" 1 "cannot check: $why_not"
fi
if [ -n "$caller" ] && [ -n "$caller_line" ]; then
    lab_answer Q4 1 "$caller.*$(lab_number "$caller_line")|$(lab_number "$caller_line").*$caller" \
        "the function and the line of bt's frame above kprintf"
else
    lab_fail "answer Q4" 1 "cannot check: $why_not"
fi
lab_answer Q5 1 'last *- *start' "quote the statement as uart.c has it"
lab_answer Q6 1
lab_answer Q7 1

lab_end
