#!/usr/bin/env bash
# check.sh -- lab 4's checker: the JIT, and an inline template for F2I.
#
# The template is checked by what it does: the dump shows no call at any
# f2i, compiled code runs quantize.vela's F2Is without the interpreter's
# help, every engine prints the expected output of the edge cases, and the
# golden suite passes under the JIT.  Answers that are numbers are computed
# here from fresh runs of the tools where the tree decides them; scratch
# files go to $LAB_TMP only.
. "$(dirname "$0")/../lib/grade.sh"

lab_begin 4 "the JIT"
lab_need bvm vdb "$BUILD/tests/golden-runner" "$BUILD/tests/test_x64"

FIB=$LAB_ROOT/workloads/fib.vela
T=$LAB_TMP


# The size in bytes of function $1's code, from a --jit-dump on stdin.
function_size() {
    awk -v name="$1" '$1 == "jit:" && $2 == name { for (i = 3; i < NF; i++) if ($i == "->") { print $(i + 1); exit } }'
}
# The bytes of x86-64 under the first instruction $2 of function $1 in a
# --jit-dump on stdin: from its first line of code to the next one's.
insn_bytes() {
    local range
    range=$(awk -v name="$1" -v insn="$2" '
        $1 == "jit:" { on = ($2 == name); next }
        !on { next }
        $1 == "pc" || /^  \(out of line/ {
            if (state == 1) { print "0 0"; exit }   # no code of its own
            if (state == 2) state = 3               # its code ends at the next line of code
            else if (state == 0 && $1 == "pc" && $3 == insn) state = 1
            next
        }
        /^      [0-9a-f]+  / {
            if (state == 1) { from = $1; state = 2 }
            else if (state == 3) { print from, $1; exit }
        }')
    [ -n "$range" ] && echo $((16#${range#* } - 16#${range% *}))
}

# ---- the template --------------------------------------------------------------

# Every f2i in a --jit=always dump: its code must not call anything.
# Prints "FUNCTION pc N: the call" for each call found, and, on its last
# line, "f2i: N" (how many f2i instructions the dump has).
f2i_calls() {
    awk '
        $1 == "jit:" { fn = $2; here = 0; next }
        /^  \(/ { here = 0; next }
        $1 == "pc" { here = ($3 == "f2i"); if (here) { n++; where = fn " pc " $2 }; next }
        here && $2 == "call" { print where ": " $2 " " $3 }
        END { print "f2i: " n + 0 }'
}
"$BVM" run --jit=always --jit-dump "$LAB_DIR/f2i.vela" 2>"$T/f2i.dump" >/dev/null
"$BVM" run --jit=always --jit-dump "$LAB_DIR/f2i-stack.vasm" 2>>"$T/f2i.dump" >/dev/null
f2i_calls <"$T/f2i.dump" >"$T/f2i.calls"
n_f2i=$(sed -n 's/^f2i: //p' "$T/f2i.calls")
if [ "${n_f2i:-0}" -lt 10 ]; then
    lab_fail_file "the f2i instructions compile to code without a call" 4 \
        "the --jit=always dumps of f2i.vela and f2i-stack.vasm show only ${n_f2i:-0} f2i instructions" "$T/f2i.dump"
elif grep -qv '^f2i: ' "$T/f2i.calls"; then
    grep -v '^f2i: ' "$T/f2i.calls" >"$T/f2i.found"
    lab_fail_file "the f2i instructions compile to code without a call" 4 \
        "$(wc -l <"$T/f2i.found") of the $n_f2i f2i instructions still call (bvm run --jit=always --jit-dump labs/04-jit/f2i.vela)" "$T/f2i.found"
else
    lab_pass "the f2i instructions compile to code without a call" 4
fi

# quantize.vela: ten million F2Is in a compiled loop; the interpreter's
# code may run the few other instructions (newarray, print), not those.
"$BVM" run --jit=on --jit-stats "$LAB_DIR/quantize.vela" >/dev/null 2>"$T/quantize.stats"
generic=$(sed -nE 's/.* ([0-9]+) instructions run by the interpreter.s code.*/\1/p' "$T/quantize.stats")
if [ -n "$generic" ] && [ "$generic" -lt 1000 ]; then
    lab_pass "quantize.vela's F2Is run in compiled code (--jit-stats)" 3
else
    lab_fail_file "quantize.vela's F2Is run in compiled code (--jit-stats)" 3 \
        "the interpreter's code ran ${generic:-?} instructions for compiled functions (fewer than 1000 expected)" "$T/quantize.stats"
fi

# The same output in every engine: the interpreter, every function compiled
# before it runs (with the collector stressed too, and counting fuel), and
# functions changing tier while they run.
MODES=(
    "--dispatch=switch"
    "--dispatch=threaded"
    "--jit=always"
    "--jit=always --gc-stress"
    "--jit=always --fuel=1000000000"
    "--jit=on --jit-call-threshold=2 --jit-loop-threshold=3"
)
# Runs $1 in every mode and compares with the file $2; on a difference,
# writes what differs (the first two lines) to $T/same.report.
same_everywhere() {
    local program=$1 expected=$2 mode status
    for mode in "${MODES[@]}"; do
        # shellcheck disable=SC2086 # a mode is several options
        timeout 60 "$BVM" run $mode "$program" >"$T/out" 2>&1
        status=$?
        if [ "$status" -ne 0 ] || ! cmp -s "$T/out" "$expected"; then
            {
                echo "bvm run $mode $(basename "$program") printed something else (exit status $status)"
                awk 'NR == FNR { want[FNR] = $0; n = FNR; next }
                     { got[FNR] = $0; m = FNR }
                     END {
                         for (i = 1; i <= (n > m ? n : m) && k < 2; i++)
                             if (!(i in want) || !(i in got) || want[i] != got[i]) {
                                 printf "line %d: want: %s\n", i, (i in want) ? want[i] : "(nothing)"
                                 printf "line %d: got:  %s\n", i, (i in got) ? got[i] : "(nothing)"
                                 k++
                             }
                     }' "$expected" "$T/out"
            } >"$T/same.report"
            return 1
        fi
    done
}
"$BVM" run --jit=off "$LAB_DIR/quantize.vela" >"$T/quantize.expected" 2>&1
for test in f2i.vela:f2i.expected f2i-stack.vasm:f2i-stack.expected quantize.vela:"$T/quantize.expected"; do
    program=$LAB_DIR/${test%%:*}
    expected=${test#*:}
    case $expected in /*) ;; *) expected=$LAB_DIR/$expected ;; esac
    name="$(basename "$program") prints the same in every tier"
    if same_everywhere "$program" "$expected"; then
        lab_pass "$name" 2
    else
        lab_fail_file "$name" 2 "$(head -n 1 "$T/same.report")" <(tail -n +2 "$T/same.report")
    fi
done

# The golden suite under the JIT, as tests/run-tests.sh runs it.
golden_timeout=20
[ -n "${LAB_SAN:-}" ] && golden_timeout=60
lab_check "the golden tests pass with --jit=always (and --gc-stress)" 3 "golden tests failed" -- \
    "$LAB_ROOT/$BUILD/tests/golden-runner" --bvm "$BVM" --timeout "$golden_timeout" -j "$(nproc 2>/dev/null || echo 2)" \
    --mode "--jit=always" --mode "--jit=always --gc-stress" "$LAB_ROOT/tests/golden"

# The encoder's own test: Capstone decodes every form x64.c emits.
lab_check "the x86-64 encoder's unit test (tests/unit/bvm/test_x64.c)" 1 "test_x64 failed" -- \
    "$LAB_ROOT/$BUILD/tests/test_x64"

# ---- the questions ---------------------------------------------------------------

"$BVM" run --jit=always --jit-dump "$FIB" 2>"$T/fib.dump" >/dev/null
fib_size=$(function_size fib <"$T/fib.dump")
lab_answer Q1 1 "$(lab_number "${fib_size:-unknown}")" "the first line of fib's dump gives its size"
lab_answer Q2 1 "cmp.*jge" "name both x86-64 instructions, on one line: cmp ... and the jump"

"$BVM" run --jit=on --jit-stats "$FIB" 2>"$T/fib.stats" >/dev/null
entries=$(sed -nE 's/^jit: ([0-9]+) entries into compiled code.*/\1/p' "$T/fib.stats")
lab_answer Q3 1 "$(lab_number "${entries:-unknown}")" "the third line of --jit-stats counts the entries"
lab_answer Q4 1 "fuel" "what does vdb give every program that bvm run does not?"

"$VDB" --jit=on --batch -x "$LAB_DIR/toggle.vdb" "$FIB" >"$T/toggle.out" 2>&1
insns=$(awk '$1 == "insns" { print $3 }' "$T/toggle.out" | sort -u)
if [ -n "$insns" ] && [ "$(printf '%s\n' "$insns" | wc -l)" -eq 1 ]; then
    lab_answer Q5 1 "$(lab_number "$insns")" "info registers insns, after the next"
else
    lab_fail_file "answer Q5" 1 "toggle.vdb did not show one instruction count for both runs" "$T/toggle.out"
fi
lab_answer Q6 1 "bvm_interp_one" "which function runs one instruction with the interpreter's own code?"

# Q7: before the template (the tree as handed out): trunc's f2i is 68 bytes.
lab_answer Q7 1 "$(lab_number 68)" "from the dump of the tree as handed out: the offsets of pc 3 and pc 4"
# Q8: after it: what the dump of this tree shows.
after=$(insn_bytes trunc f2i <"$T/f2i.dump" | head -n 1)
lab_answer Q8 1 "$(lab_number "${after:-unknown}")" "the offsets of trunc's pc 3 and pc 4 in your tree's dump"
# Q9: the F2Is the interpreter's code ran for quantize.vela before the template.
lab_answer Q9 1 "$(lab_number 9995004)" "bvm run --jit=on --jit-stats labs/04-jit/quantize.vela, in the tree as handed out"
lab_answer Q10 1

lab_end
