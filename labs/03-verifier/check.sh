#!/usr/bin/env bash
# check.sh -- lab 3's checker: bytecode the verifier rejects; a new rule.
#
# Part A: each module in reject/ must assemble and be rejected by
# `bvm verify` (status 65) with its own message.  Part B: the rule "max_stack
# is exactly the deepest the operand stack gets", on modules made here, and
# everything the compiler makes (workloads, golden programs) still
# verifying.  Expected answers come from fresh runs of the tools.  Scratch
# files go to $LAB_TMP only.
. "$(dirname "$0")/../lib/grade.sh"

lab_begin 3 "verification"
GOLDEN_RUNNER=$BUILD/tests/golden-runner
lab_need bvm vdb "$GOLDEN_RUNNER"

T=$LAB_TMP
REJECT=$LAB_DIR/reject


# ---- part A: modules the verifier must reject ---------------------------------------

# reject FILE MESSAGE-REGEX: FILE assembles, and bvm verify rejects it with
# status 65 and an error matching the regex.
reject() {
    local file=$REJECT/$1 regex=$2 name="reject/$1: $3" status
    if [ ! -f "$file" ]; then
        lab_fail "$name" 1 "there is no $file"
        return
    fi
    if ! "$BVM" asm -o "$T/a.vbc" "$file" >"$T/asm.out" 2>&1; then
        lab_fail_file "$name" 1 "bvm asm cannot assemble it" "$T/asm.out"
        return
    fi
    "$BVM" verify "$file" >"$T/verify.out" 2>&1
    status=$?
    if [ "$status" -ne 65 ]; then
        lab_fail_file "$name" 1 "bvm verify exited with $status, not 65" "$T/verify.out"
    elif ! grep -Eq "error: $regex" "$T/verify.out"; then
        lab_fail_file "$name" 1 "rejected, but not with the message of its TODO" "$T/verify.out"
    else
        lab_pass "$name" 1
    fi
}

reject underflow.vasm 'stack underflow: isub needs 2 values, stack has 1' "stack underflow"
reject int_plus_float.vasm 'type mismatch: iadd expects int, found float \(stack slot 1\)' "int + float"
reject jump_into.vasm 'jump target [0-9]+ is inside the instruction at [0-9]+' "a jump into an instruction"
reject join_depth.vasm 'stack depth differs where control flow merges \(1 vs 0\)' "depths differ at a join"
reject call_args.vasm "call to 'twice': argument 1 must be int, found string" "a call with a wrong argument"
reject return_type.vasm 'type mismatch: retv expects int, found float \(stack slot 0\)' "a wrong return type"
reject falls_off.vasm 'control falls off the end of the function' "falling off the end"
reject overflow.vasm 'stack overflow: after [a-z0-9]+ the stack would hold 3 values, but max_stack is 2' "stack overflow"

# ---- part B: max_stack must be exact ------------------------------------------------------

# module MAX_STACK BODY...: a module whose main has that .max_stack and body.
module() {
    local max=$1
    shift
    printf '.entry main\n.init none\n\n.func void main()\n        .max_stack %s\n' "$max"
    printf '        %s\n' "$@"
    printf '.end\n'
}
module 3 "iconst 1" "iconst 2" "iadd" "pop" "ret" >"$T/roomy.vasm"
module 2 "iconst 1" "iconst 2" "iadd" "pop" "ret" >"$T/exact.vasm"
module 1 "ret" >"$T/unused.vasm"
# A handler starts with the message on the stack: max_stack 1 although
# the protected code pushes nothing.
cat >"$T/handler.vasm" <<'EOF'
.entry main
.init none

.func void main()
        .local string message
        .max_stack 1
        .handler Try End Catch
Try:    call fail
End:    ret
Catch:  store message
        ret
.end

.func void fail()
        .max_stack 1
        ldc "no"
        throw
.end
EOF

"$BVM" verify "$T/roomy.vasm" >"$T/roomy.out" 2>&1
status=$?
if [ "$status" -eq 65 ] &&
   grep -Eq "function 'main': error: max_stack is 3, but the operand stack never holds more than 2 values" "$T/roomy.out"; then
    lab_pass "max_stack 3 where the stack holds 2 values: rejected" 2
else
    lab_fail_file "max_stack 3 where the stack holds 2 values: rejected" 2 \
        "want status 65 and \"function 'main': error: max_stack is 3, but the operand stack never holds more than 2 values\"" \
        "$T/roomy.out"
fi
"$BVM" verify "$T/unused.vasm" >"$T/unused.out" 2>&1
status=$?
if [ "$status" -eq 65 ] &&
   grep -Eq "function 'main': error: max_stack is 1, but the operand stack never holds more than 0 values" "$T/unused.out"; then
    lab_pass "max_stack 1 where the stack is never used: rejected" 1
else
    lab_fail_file "max_stack 1 where the stack is never used: rejected" 1 \
        "want status 65 and \"... max_stack is 1, but the operand stack never holds more than 0 values\"" \
        "$T/unused.out"
fi
# What the rule must accept, and everything the compiler makes still
# verifying: only meaningful once the rule exists (without it, the checks
# above fail already).
if grep -q 'never holds more than' "$T/roomy.out"; then
    lab_check "an exact max_stack is accepted" 1 "bvm verify rejects a main whose max_stack 2 is needed" -- \
        "$BVM" verify "$T/exact.vasm"
    if "$BVM" asm -o "$T/handler.vbc" "$T/handler.vasm" >"$T/handler.out" 2>&1; then
        lab_check "a handler's message counts (max_stack 1)" 1 "bvm verify rejects a handler's max_stack of 1" -- \
            "$BVM" verify "$T/handler.vasm"
    else
        lab_fail_file "a handler's message counts (max_stack 1)" 1 "the checker's module did not assemble" \
            "$T/handler.out"
    fi
    bad=()
    for w in "$LAB_ROOT"/workloads/*.vela; do
        "$BVM" verify "$w" >"$T/w.out" 2>&1 || bad+=("| $(head -n 1 "$T/w.out")")
    done
    if [ ${#bad[@]} -eq 0 ]; then
        lab_pass "every workload verifies" 1
    else
        lab_fail "every workload verifies" 1 "the compiler makes code the new rule rejects" "${bad[@]}"
    fi
    "$LAB_ROOT/$GOLDEN_RUNNER" --bvm "$BVM" --timeout 20 --mode "--dispatch=threaded" \
        "$LAB_ROOT/tests/golden" >"$T/golden.out" 2>&1
    if [ $? -eq 0 ] && grep -Eq '^golden: [0-9]+ passed, 0 failed$' "$T/golden.out"; then
        lab_pass "golden suite passes (verifier tests included)" 2
    else
        lab_fail_file "golden suite passes (verifier tests included)" 2 "some golden programs fail" \
            <(grep -E 'FAIL|failed' "$T/golden.out")
    fi
    (cd "$LAB_ROOT" && BVM=$BVM bash tests/e2e/verify.sh) >"$T/e2e.out" 2>&1
    if [ $? -eq 0 ] && grep -Eq '^verify: [0-9]+ passed, 0 failed$' "$T/e2e.out"; then
        lab_pass "the verifier's end-to-end tests pass (tests/e2e/verify.sh)" 1
    else
        lab_fail_file "the verifier's end-to-end tests pass (tests/e2e/verify.sh)" 1 "some fail" \
            <(grep -E 'FAIL|failed' "$T/e2e.out")
    fi
else
    for check in "an exact max_stack is accepted:1" "a handler's message counts (max_stack 1):1" \
                 "every workload verifies:1" "golden suite passes (verifier tests included):2" \
                 "the verifier's end-to-end tests pass (tests/e2e/verify.sh):1"; do
        lab_fail "${check%:*}" "${check##*:}" "add the max_stack rule first"
    done
fi

# ---- answers ---------------------------------------------------------------------------

# Q1: the pc bvm verify names for broken.vasm.
"$BVM" verify "$LAB_DIR/broken.vasm" >"$T/broken.out" 2>&1
broken_pc=$(sed -nE "s/.*function 'main' pc ([0-9]+): error:.*/\\1/p" "$T/broken.out" | head -n 1)
if [ -n "$broken_pc" ]; then
    lab_answer Q1 1 "$(lab_number "$broken_pc")" "run bin/bvm verify labs/03-verifier/broken.vasm"
else
    lab_fail_file "answer Q1" 1 "bvm verify did not reject broken.vasm at a pc" "$T/broken.out"
fi

# Q2: the types vdb shows before tostr float in f of types.vela.
"$BVM" dis "$LAB_DIR/types.vela" >"$T/types.vasm" 2>&1
steps=$(awk '$1 == ".func" && index($0, " f(") { on = 1 } on && /; pc [0-9]+$/ { n++ }
             on && /tostr float/ { print n - 1; exit }' "$T/types.vasm")
printf 'break f\nrun\nstepi %s\ninfo stack\n' "${steps:-0}" >"$T/types.vdb"
types=$("$VDB" --batch -x "$T/types.vdb" "$LAB_DIR/types.vela" 2>&1 |
    sed -nE 's/^\[[0-9]+\] = .*\(([a-z]+(\[\])*)\)$/\1/p' | tr '\n' ' ')
if [ -n "$types" ]; then
    lab_answer Q2 1 "\\b$(printf '%s' "$types" | xargs | sed 's/ /\\b.*\\b/g')\\b" \
        "the types on the stack, bottom first (vdb's info stack shows them)"
else
    lab_fail "answer Q2" 1 "the checker could not read the stack from vdb"
fi
lab_answer Q3 1 '[0-9a-z]'
lab_answer Q4 1 'null|bound|index|zero|division'
lab_answer Q5 1 'zero|0|default|null|false'
# Q6: count_primes's max_stack, as the compiler computes it.
cp_max=$("$BVM" dis "$LAB_ROOT/workloads/sieve.vela" 2>/dev/null |
    awk '$1 == ".func" && index($0, " count_primes(") { on = 1 } on && $1 == ".max_stack" { print $2; exit }')
lab_answer Q6 1 "$(lab_number "${cp_max:-x}")" "see count_primes's .max_stack in bvm dis workloads/sieve.vela"
lab_answer Q7 1 'dataflow|worklist|state|merge|after'

lab_end
