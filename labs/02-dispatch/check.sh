#!/usr/bin/env bash
# check.sh -- lab 2's checker: dispatch, and the superinstruction load2.
#
# The checks run the tree's own bvm: the opcode table (bvm isa), the
# compiler (bvm dis of fused.vela), every engine (switch, threaded, the
# JIT), the instruction counts (--trace, --fuel), the assembler (a round
# trip), and the golden suite.  Expected answers are computed from fresh
# runs; the "before" numbers from the "after" ones, since each load2
# executed or encoded stands for exactly two loads.  Scratch files go to
# $LAB_TMP only.
. "$(dirname "$0")/../lib/grade.sh"

lab_begin 2 "dispatch and a superinstruction"
GOLDEN_RUNNER=$BUILD/tests/golden-runner
lab_need bvm "$GOLDEN_RUNNER"

T=$LAB_TMP
FUSED=$LAB_DIR/fused.vela
WORKLOADS=$LAB_ROOT/workloads

# The listing of function NAME in the disassembly on stdin.
function_listing() {
    awk -v name="$1" '
        $1 == ".func" && index($0, " " name "(") { on = 1 }
        on { print }
        on && $1 == ".end" { exit }'
}

# ---- the opcode table ---------------------------------------------------------

"$BVM" isa >"$T/isa.md" 2>&1
if grep -Eq '^\| [0-9]+ \| `load2` \| local,local \| 5 \| - \| \* \|' "$T/isa.md"; then
    have_load2=true
    lab_pass "bvm isa lists load2 (operands local,local, 5 bytes)" 2
else
    have_load2=false
    lab_fail "bvm isa lists load2 (operands local,local, 5 bytes)" 2 \
        "no row '| N | \`load2\` | local,local | 5 | - | * | ...' in bvm isa's table" \
        "$(grep -E 'load2|`load`' "$T/isa.md" | sed 's/^/| /')"
fi
# The checks below test load2 or what it must not break: without it they
# fail at once (no points for a tree that does not have it yet).
with_load2() {
    $have_load2 && return 0
    lab_fail "$1" "$2" "add load2 to the opcode table first (bvm isa does not list it)"
    return 1
}

if with_load2 "docs/isa.md is bvm isa's output" 1; then
    lab_check "docs/isa.md is bvm isa's output" 1 "regenerate it: bin/bvm isa > docs/isa.md" -- \
        cmp "$T/isa.md" "$LAB_ROOT/docs/isa.md"
fi

# ---- the compiler emits it, and only where it may -----------------------------------

"$BVM" dis "$FUSED" >"$T/fused.vasm" 2>&1
if function_listing sub <"$T/fused.vasm" | grep -Eq '^(L[0-9]+:)?[[:space:]]+load2 a, b[[:space:]]+; pc 0$'; then
    lab_pass "fused.vela: sub starts with load2 a, b" 2
else
    lab_fail_file "fused.vela: sub starts with load2 a, b" 2 "bvm dis $FUSED shows no 'load2 a, b' at pc 0 of sub" \
        <(function_listing sub <"$T/fused.vasm" | grep '; pc')
fi
if ! with_load2 "no load2 across a jump target or a line" 1; then
    :
elif function_listing pick <"$T/fused.vasm" | grep -q 'load2' ||
   function_listing spread <"$T/fused.vasm" | grep -q 'load2'; then
    lab_fail_file "no load2 across a jump target or a line" 1 \
        "pick's loads meet a jump target, spread's are on two lines: neither may fuse" \
        <(function_listing pick <"$T/fused.vasm" | grep 'load')
else
    lab_pass "no load2 across a jump target or a line" 1
fi

# ---- every engine runs it the same way ------------------------------------------------

if with_load2 "fused.vela prints -12025 (switch, threaded, JIT always, JIT on)" 3; then
    bad=()
    for mode in "--dispatch=switch" "--dispatch=threaded" "--jit=always" \
                "--jit=on --jit-call-threshold=2 --jit-loop-threshold=3"; do
        # shellcheck disable=SC2086  # a mode is a list of options
        out=$("$BVM" run $mode "$FUSED" 2>&1)
        [ "$out" = "-12025" ] || bad+=("| $mode: $(printf '%s' "$out" | head -n 2 | tr '\n' ' ')")
    done
    if [ ${#bad[@]} -eq 0 ]; then
        lab_pass "fused.vela prints -12025 (switch, threaded, JIT always, JIT on)" 3
    else
        lab_fail "fused.vela prints -12025 (switch, threaded, JIT always, JIT on)" 3 "wrong output in some modes" \
            "${bad[@]}"
    fi
fi

# The JIT compiles load2 itself: a function of loads and arithmetic runs
# nothing through the interpreter's code (jit.c's generic path).
cat >"$T/hot.vela" <<'EOF'
int main() {
    int a = 3;
    int b = 4;
    int s = 0;
    for (int i = 0; i < 1000; i++) s = s + a * b;
    return s / 1000;
}
EOF
"$BVM" run --jit=always --jit-stats "$T/hot.vela" >"$T/hot.out" 2>&1
hot_status=$?
if [ "$hot_status" -ne 12 ]; then
    lab_fail_file "the JIT compiles load2 (no generic instructions)" 1 \
        "hot.vela should exit with 12 under --jit=always, it exited with $hot_status" "$T/hot.out"
elif ! "$BVM" dis "$T/hot.vela" | grep -q 'load2'; then
    lab_fail "the JIT compiles load2 (no generic instructions)" 1 "hot.vela has no load2 to compile"
elif grep -q ' 0 instructions run by the interpreter' "$T/hot.out"; then
    lab_pass "the JIT compiles load2 (no generic instructions)" 1
else
    lab_fail_file "the JIT compiles load2 (no generic instructions)" 1 \
        "compiled code ran instructions through bvm_interp_one: give load2 a case in jit_compile.c" \
        <(grep 'instructions run' "$T/hot.out")
fi

# ---- fewer instructions executed ---------------------------------------------------------

sed 's/80000000/1000/' "$WORKLOADS/loop.vela" >"$T/loop1k.vela"
"$BVM" run --trace "$T/loop1k.vela" >/dev/null 2>"$T/loop1k.trace"
after=$(wc -l <"$T/loop1k.trace")
fused=$(awk '$3 == "load2"' "$T/loop1k.trace" | wc -l)
before=$((after + fused))
if [ "$fused" -ge 2000 ]; then
    lab_pass "loop(1000) runs $fused load2: $after instructions instead of $before" 2
else
    lab_fail "loop(1000) runs at least 2000 load2 (two per iteration)" 2 \
        "the trace of loop(1000) has $fused load2 among $after instructions"
fi
if with_load2 "--fuel counts a load2 as one instruction (interpreter and JIT)" 1; then
    fuel_ok=true
    for mode in --dispatch=switch --jit=always; do
        "$BVM" run "$mode" --fuel "$after" "$T/loop1k.vela" >/dev/null 2>&1 || fuel_ok=false
        "$BVM" run "$mode" --fuel "$((after - 1))" "$T/loop1k.vela" >/dev/null 2>&1
        [ $? -eq 70 ] || fuel_ok=false
    done
    if $fuel_ok; then
        lab_pass "--fuel counts a load2 as one instruction (interpreter and JIT)" 1
    else
        lab_fail "--fuel counts a load2 as one instruction (interpreter and JIT)" 1 \
            "loop(1000) runs $after instructions: --fuel $after should finish, --fuel $((after - 1)) stop"
    fi
fi

# ---- the assembler: a listing with load2 assembles to the same bytes ----------------------

cp "$WORKLOADS/sieve.vela" "$T/sieve.vela"
if ! "$BVM" compile -o "$T/compiled.vbc" "$T/sieve.vela" >"$T/rt.out" 2>&1 ||
   ! "$BVM" dis "$T/sieve.vela" >"$T/sieve.vasm" 2>>"$T/rt.out" ||
   ! "$BVM" asm -o "$T/assembled.vbc" "$T/sieve.vasm" >>"$T/rt.out" 2>&1; then
    lab_fail_file "dis -> asm round trip of sieve.vela" 2 "compile, dis or asm failed" "$T/rt.out"
elif ! grep -q 'load2' "$T/sieve.vasm"; then
    lab_fail "dis -> asm round trip of sieve.vela" 2 "sieve.vela's listing has no load2"
elif ! cmp -s "$T/compiled.vbc" "$T/assembled.vbc"; then
    lab_fail "dis -> asm round trip of sieve.vela" 2 "bvm asm of the listing differs from bvm compile's bytecode"
else
    lab_pass "dis -> asm round trip of sieve.vela (same bytes)" 2
fi

# ---- the golden suite ----------------------------------------------------------------------

if with_load2 "golden suite (switch, threaded, JIT)" 3; then
    "$LAB_ROOT/$GOLDEN_RUNNER" --bvm "$BVM" --timeout 20 \
        --mode "--dispatch=switch" --mode "--dispatch=threaded" --mode "--jit=always" \
        "$LAB_ROOT/tests/golden" >"$T/golden.out" 2>&1
    if [ $? -eq 0 ] && grep -Eq '^golden: [0-9]+ passed, 0 failed$' "$T/golden.out"; then
        lab_pass "golden suite (switch, threaded, JIT): $(grep -E '^golden: [0-9]+ passed' "$T/golden.out" | cut -d' ' -f2) runs pass" 3
    else
        lab_fail_file "golden suite (switch, threaded, JIT)" 3 "some golden programs fail" \
            <(grep -E 'FAIL|failed' "$T/golden.out")
    fi
fi

# ---- answers -----------------------------------------------------------------------------

# Q1: indirect jumps in the two plain loops (the threaded one has one more
# with load2 than without).
objdump -d --no-show-raw-insn "$BVM" 2>/dev/null | awk '
    /^[0-9a-f]+ <.*>:$/ { fn = $2 }
    /jmp +\*/ && fn == "<bvm_interp_threaded_plain>:" { n++ }
    END { print n + 0 }' >"$T/jumps"
threaded=$(cat "$T/jumps")
if grep -q '`load2`' "$T/isa.md"; then
    lab_answer Q1 1 "$(lab_number "($threaded|$((threaded - 1)))")" "count 'jmp *' in bvm_interp_threaded_plain with objdump"
else
    lab_answer Q1 1 "$(lab_number "$threaded")" "count 'jmp *' in bvm_interp_threaded_plain with objdump"
fi
lab_answer Q2 1 '[0-9]+(\.[0-9]+)? ?(s|ms|seconds?)\b.*[^0-9][0-9]+(\.[0-9]+)? ?(s|ms|seconds?)\b' \
    "give both times, with their unit (such as 0.42 s)"
lab_answer Q3 1 "$(lab_number "$before")" "count the trace lines of loop(1000) before your change"
lab_answer Q4 1 '\bload\b.*\bload\b' "run the awk one-liner of step 5 on sieve's trace"
if [ "$fused" -ge 2000 ]; then
    lab_answer Q5 1 "$(lab_number "$after")" "count the trace lines of loop(1000) after your change"
else
    lab_fail "answer Q5" 1 "the count after the change needs a working load2 first"
fi
lab_answer Q6 1 '[0-9]+(\.[0-9]+)? ?(s|ms|seconds?)\b.*[^0-9][0-9]+(\.[0-9]+)? ?(s|ms|seconds?)\b' \
    "give both times after the change, with their unit"
lab_answer Q7 1 'interp_one|jit_generic|run_generic|generic' "read compile_instruction's default case in jit_compile.c"
sieve_after=$("$BVM" verify "$WORKLOADS/sieve.vela" 2>/dev/null | sed -nE 's/.*, ([0-9]+) bytes of code.*/\1/p')
sieve_fused=$(grep -Ec '^(L[0-9]+:)?[[:space:]]+load2 ' "$T/sieve.vasm")
if [ -n "$sieve_after" ] && [ "$sieve_fused" -gt 0 ]; then
    lab_answer Q8 1 "$(lab_number "$((sieve_after + sieve_fused))").*$(lab_number "$sieve_after")" \
        "bvm verify workloads/sieve.vela prints the bytes of code: before, then after"
else
    lab_fail "answer Q8" 1 "the byte counts after the change need a working load2 first"
fi

lab_end
