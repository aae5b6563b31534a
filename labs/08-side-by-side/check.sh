#!/usr/bin/env bash
# check.sh -- lab 8's checker: the collatz workload on every engine, the
# demo running it, and the answers (README.md, "Grading").
. "$(dirname "$0")/../lib/grade.sh"

lab_begin 8 "side by side"
lab_need bvm mhv guests
cd "$LAB_ROOT" || exit 1

expected=$(cat "$LAB_DIR/collatz.expected" 2>/dev/null)

# same_line NAME POINTS OUT-FILE ERR-FILE: the run printed exactly
# collatz.expected (the end of its stderr is shown when not).
same_line() {
    if [ -n "$expected" ] && [ "$(cat "$3")" = "$expected" ]; then
        lab_pass "$1" "$2"
    elif [ -s "$4" ]; then
        lab_fail "$1" "$2" "it printed '$(head -c 200 "$3" | head -n 1)', collatz.expected says '$expected'" \
            "$(tail -n 3 "$4" | sed 's/^/| /')"
    else
        lab_fail "$1" "$2" "it printed '$(head -c 200 "$3" | head -n 1)', collatz.expected says '$expected'"
    fi
}

# ---- the exercise: collatz on every engine ------------------------------------

if gcc -std=c11 -O2 -Wall -Wextra -Iworkloads -o "$LAB_TMP/collatz" "$LAB_DIR/collatz.c" 2>"$LAB_TMP/err"; then
    timeout 60 "$LAB_TMP/collatz" >"$LAB_TMP/out" 2>"$LAB_TMP/err"
    same_line "collatz.c (gcc -O2) prints collatz.expected" 2 "$LAB_TMP/out" "$LAB_TMP/err"
else
    lab_fail "collatz.c (gcc -O2) prints collatz.expected" 2 "collatz.c does not compile" \
        "$(grep -m 3 error "$LAB_TMP/err" | sed 's/^/| /')"
fi
for dispatch in switch threaded; do
    timeout 120 "$BVM" run --dispatch=$dispatch "$LAB_DIR/collatz.vela" >"$LAB_TMP/out" 2>"$LAB_TMP/err"
    same_line "collatz.vela on bvm $dispatch prints collatz.expected" 1 "$LAB_TMP/out" "$LAB_TMP/err"
done
timeout 120 "$BVM" run --jit=on --jit-dump "$LAB_DIR/collatz.vela" >"$LAB_TMP/out" 2>"$LAB_TMP/dump"
grep -v -e '^jit: ' -e '^ ' "$LAB_TMP/dump" >"$LAB_TMP/err"    # all but the dump
same_line "collatz.vela on bvm --jit=on prints collatz.expected" 1 "$LAB_TMP/out" "$LAB_TMP/err"
if grep -q '^jit: steps (function' "$LAB_TMP/dump"; then
    lab_pass "the JIT compiled steps" 1
else
    lab_fail "the JIT compiled steps" 1 "bvm --jit=on --jit-dump shows no 'jit: steps (function ...' line"
fi

# The demo, at a size the student cannot know in advance, against a sum
# computed here.
size=$((500 + RANDOM % 1000))
sum=$(awk -v size="$size" 'BEGIN {
    for (n = 1; n <= size; n++) for (m = n; m != 1; total++) m = (m % 2 == 0) ? m / 2 : 3 * m + 1
    printf "%d", total }')
DEMO_BUILD=$LAB_TMP/demo timeout 300 scripts/demo.sh --workload-dir "$LAB_DIR" --workloads collatz \
    --sizes "collatz=$size" --engines switch,threaded,jit,native >"$LAB_TMP/demo.out" 2>&1
status=$?
if [ "$status" -eq 0 ] && grep -Eq "^  collatz +collatz\($size\) = $sum +ok: 4 engines agree" "$LAB_TMP/demo.out"; then
    lab_pass "the demo runs collatz=$size on every engine: all print collatz($size) = $sum" 2
else
    lab_fail "the demo runs collatz=$size on every engine: all print collatz($size) = $sum" 2 \
        "scripts/demo.sh --workload-dir labs/08-side-by-side --workloads collatz --sizes collatz=$size exited $status:" \
        "$(grep -E -e '^  collatz ' -e '^      (bvm|native|KVM)' -e '^demo' "$LAB_TMP/demo.out" | head -n 6 | sed 's/^/| /')"
fi

# ---- the answers -----------------------------------------------------------------

# A number, as a whole word of the answer.
number() { printf '(^|[^0-9.,])%s([^0-9,]|$)' "$1"; }
# count_instructions FILE SIZE: instructions executed by FILE at that size.
count_instructions() {
    sed "s/^int SIZE = .*;/int SIZE = $2;/" "$1" >"$LAB_TMP/sized.vela"
    "$BVM" run --trace "$LAB_TMP/sized.vela" 2>&1 >/dev/null | wc -l
}

fib10=$(count_instructions workloads/fib.vela 10)
lab_answer Q1 2 "$(number "$fib10")" "count the lines of bvm run --trace"
loop1000=$(count_instructions workloads/loop.vela 1000)
loop2000=$(count_instructions workloads/loop.vela 2000)
per_iteration=$(((loop2000 - loop1000) / 1000))
lab_answer Q2 2 "$(number "$per_iteration")" "count loop.vela at two sizes and take the difference"
lab_answer Q3 1 'fib|loop|sieve|matmul|trees' "name the workload"
lab_answer Q4 1 'exit' "what would make the guest slower than native, and how often does loop cause it?"
lab_answer Q5 1 '(^|[^m])alloc|free.?list|bump' "see mini-hypervisor/guest/kernel/alloc.h"

# Q6: the exits of one guest run, measured again; the timer's exits vary
# with how long the run takes, so any number within a wide margin is right.
if lab_kvm "$BINDIR/mhv" run --stats --cmdline fib=20 "$BUILD/guest/kernel.elf" >"$LAB_TMP/stats" 2>&1; then
    exits=$(sed -nE 's/^mhv: stats: ([0-9]+) exits.*/\1/p' "$LAB_TMP/stats")
fi
if [ -n "${exits:-}" ]; then
    low=$((exits * 3 / 4 - 10)) high=$((exits * 5 / 4 + 10)) alternatives=""
    for ((n = low; n <= high; n++)); do alternatives="$alternatives${alternatives:+|}$n"; done
    lab_answer Q6 2 "$(number "($alternatives)").*uart|uart.*$(number "($alternatives)")" \
        "a run here made $exits exits (an answer within $low..$high is right); name the device behind most of them"
else
    lab_fail "answer Q6" 2 "could not run mhv --stats on KVM to compare with" "$(tail -n 3 "$LAB_TMP/stats" | sed 's/^/| /')"
fi
lab_answer Q7 1 'emulat|QEMU|TCG' "what is the sandbox's CPU?"
lab_answer Q8 1

lab_end
