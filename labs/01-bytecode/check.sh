#!/usr/bin/env bash
# check.sh -- lab 1's checker: from source to bytecode.
#
# Every expected answer is computed here from a fresh run of the tools
# (bvm dis, bvm run --trace, vdb), so the checks stay true when the
# compiler changes.  Scratch files go to $LAB_TMP only.
# shellcheck source=../lib/grade.sh
. "$(dirname "$0")/../lib/grade.sh"

lab_begin 1 "from source to bytecode"
lab_need bvm vdb

FIB=$LAB_ROOT/workloads/fib.vela
SQUARE=$LAB_DIR/square.vela
T=$LAB_TMP

# The listing of function NAME (from `.func ... NAME(` to `.end`) in the
# disassembly on stdin.
function_listing() {
    awk -v name="$1" '
        $1 == ".func" && index($0, " " name "(") { on = 1 }
        on { print }
        on && $1 == ".end" { exit }'
}
# The instructions of a listing on stdin, one per line, without labels,
# comments and directives: "MNEMONIC OPERANDS".
instructions() {
    grep -E '; pc [0-9]+$' | sed -E -e 's/[[:space:]]*; pc [0-9]+$//' \
        -e 's/^L[0-9]+://' -e 's/^[[:space:]]+//'
}
# An extended regex matching the words of $1 (numbers, names) in order,
# with anything between them that starts and ends with a non-word
# character: "[5, 9]" -> "5[^0-9A-Za-z](.*[^0-9A-Za-z])?9".
words_regex() {
    printf '%s\n' "$1" | tr -c 'A-Za-z0-9_$.\n-' ' ' | xargs | sed -e 's/\$/\\$/g' -e 's/ /[^0-9A-Za-z](.*[^0-9A-Za-z])?/g'
}

"$BVM" dis "$FIB" >"$T/fib.vasm" 2>&1 || lab_fail "bvm dis fib.vela" 1 "bvm dis failed: $(head -n 1 "$T/fib.vasm")"
function_listing fib <"$T/fib.vasm" >"$T/fib.func"

# Q1: how many instructions fib has.
n_insns=$(instructions <"$T/fib.func" | wc -l)
lab_answer Q1 1 "(^|[^0-9])$n_insns([^0-9]|$)" "count the lines of fib's listing that end in '; pc N'"

# Q2: the instruction `n < 2` becomes: the first compare or jump of line 7.
cmp_op=$(awk '$1 == ".line" { line = $2 } line == 7 && /; pc [0-9]+$/' "$T/fib.func" |
    instructions | awk '$1 ~ /^(j|icmp)/ { print $1; exit }')
lab_answer Q2 1 "\\b$cmp_op\\b" "which compare or jump instruction does line 7 hold?"

# Q3: fib's max_stack.
max_stack=$(awk '$1 == ".max_stack" { print $2; exit }' "$T/fib.func")
lab_answer Q3 1 "(^|[^0-9])$max_stack([^0-9]|$)" "see the .max_stack line of fib"

# Q4: the pc the verifier names when fib's max_stack is one too small.
awk -v ms="$max_stack" '
    $1 == ".func" && index($0, " fib(") { on = 1 }
    on && $1 == ".max_stack" { sub(/\.max_stack [0-9]+/, ".max_stack " ms - 1); on = 0 }
    { print }' "$T/fib.vasm" >"$T/small-stack.vasm"
"$BVM" verify "$T/small-stack.vasm" >"$T/verify.out" 2>&1
bad_pc=$(sed -nE "s/.*function 'fib' pc ([0-9]+): error:.*/\\1/p" "$T/verify.out" | head -n 1)
if [ -n "$bad_pc" ]; then
    lab_answer Q4 1 "(^|[^0-9])$bad_pc([^0-9]|$)" "lower fib's .max_stack by one in a listing and run bvm verify on it"
else
    lab_fail_file "answer Q4" 1 "the checker could not make the verifier reject fib with .max_stack $((max_stack - 1))" "$T/verify.out"
fi

# Q5 and Q6: bvm run --trace on square.vela.
"$BVM" run --trace "$SQUARE" >/dev/null 2>"$T/square.trace"
n_trace=$(wc -l <"$T/square.trace")
lab_answer Q5 1 "(^|[^0-9])$n_trace([^0-9]|$)" "count the lines bvm run --trace writes on stderr"
stack=$(awk '$1 == "main" && $3 == "iadd" && ++n == 3 { sub(/^[^[]*/, ""); print; exit }' "$T/square.trace")
lab_answer Q6 1 "(^|[^0-9])$(words_regex "$stack")([^0-9]|$)" "the operand stack is the [...] at the end of the trace line"

# Q7: the function vdb's first stepi stops in.
printf 'stepi\nbt\n' >"$T/first.vdb"
first=$("$VDB" --batch -x "$T/first.vdb" "$FIB" 2>&1 | awk '$1 == "*#0" { print $2; exit }')
lab_answer Q7 1 "(^|[^A-Za-z0-9_])$(printf '%s' "$first" | sed 's/\$/\\$/g')([^A-Za-z0-9_]|$)" \
    "name the function exactly as bt shows it"

# Q8, Q9: open questions, checked for an answer.
lab_answer Q8 1
lab_answer Q9 1

# steps.vasm: the student's function, on its own and with our main.
# shellcheck disable=SC2317  # called through lab_check
assemble_and_verify() { "$BVM" asm -o "$T/steps.vbc" "$LAB_DIR/steps.vasm" && "$BVM" verify "$T/steps.vbc"; }
lab_check "steps.vasm assembles and verifies" 2 "bvm asm or bvm verify rejected labs/01-bytecode/steps.vasm" -- \
    assemble_and_verify

# The expected values, from the same function in Vela.
cat >"$T/steps.vela" <<'VELA'
int steps(int n) {
    int count = 0;
    while (n != 1) {
        if (n % 2 == 0) n = n / 2;
        else n = 3 * n + 1;
        count++;
    }
    return count;
}
void main() {
    int[] ns = [6, 27, 1, 7, 97, 871, 837799];
    for (int i = 0; i < len(ns); i++) printf("steps(%d) = %d\n", ns[i], steps(ns[i]));
}
VELA
"$BVM" run "$T/steps.vela" >"$T/steps.expected" 2>&1
head -n 2 "$T/steps.expected" >"$T/steps2.expected"
if timeout 10 "$BVM" run --fuel 100000000 "$LAB_DIR/steps.vasm" >"$T/steps.out" 2>&1 &&
        cmp -s "$T/steps.out" "$T/steps2.expected"; then
    lab_pass "steps.vasm prints steps(6) and steps(27)" 2
else
    diff "$T/steps2.expected" "$T/steps.out" | grep '^[<>]' | sed -e 's/^</want:/' -e 's/^>/got: /' >"$T/diff"
    lab_fail_file "steps.vasm prints steps(6) and steps(27)" 2 "bvm run labs/01-bytecode/steps.vasm printed something else" "$T/diff"
fi

# Our main and show, with the student's steps.
cat >"$T/driver.vasm" <<'VASM'
.func void main()
        .max_stack 1
        iconst 6
        call show
        iconst 27
        call show
        iconst 1
        call show
        iconst 7
        call show
        iconst 97
        call show
        iconst 871
        call show
        iconst 837799
        call show
        ret
.end
.func void show(int n)
        .max_stack 3
        ldc "steps("
        load n
        tostr int
        sconcat
        ldc ") = "
        sconcat
        load n
        call steps
        tostr int
        sconcat
        print
        ldc "\n"
        print
        ret
.end
VASM
awk '$1 == ".func" && /[[:space:]]steps[[:space:]]*\(/ { on = 1 } on { print } on && $1 == ".end" { exit }' \
    "$LAB_DIR/steps.vasm" >>"$T/driver.vasm"
if timeout 10 "$BVM" run --fuel 100000000 "$T/driver.vasm" >"$T/driver.out" 2>&1 &&
        cmp -s "$T/driver.out" "$T/steps.expected"; then
    lab_pass "your steps gives the right count for 7 values of n" 3
else
    diff "$T/steps.expected" "$T/driver.out" | grep '^[<>]' | sed -e 's/^</want:/' -e 's/^>/got: /' >"$T/diff"
    lab_fail_file "your steps gives the right count for 7 values of n" 3 "the checker's main calling your steps printed something else" "$T/diff"
fi

# stop.vdb: compare its last four commands' answers with ours at the place
# it must stop (the second time fib's iadd is about to run).
iadd_pc=$(grep -E '; pc [0-9]+$' "$T/fib.func" | sed -E 's/^L[0-9]+://' | awk '$1 == "iadd" { print $NF; exit }')
# shellcheck disable=SC2016  # vdb's $pc and $depth
printf 'break *fib+%s\nrun\ncontinue\nx/i $pc\nprint n\ninfo stack\nprint $depth\n' "$iadd_pc" >"$T/ref.vdb"
"$VDB" --batch -x "$T/ref.vdb" "$FIB" >"$T/ref.out" 2>&1
tail_from_x() { awk '/^\(vdb\) x\/i \$pc$/ { n = NR } { line[NR] = $0 } END { for (i = n; n && i <= NR; i++) print line[i] }' "$1" |
    sed -E 's/^\$[0-9]+ = /= /'; }
tail_from_x "$T/ref.out" >"$T/ref.tail"
if ! "$VDB" --batch -x "$LAB_DIR/stop.vdb" "$FIB" >"$T/stop.out" 2>&1; then
    grep -m 3 '^error:' "$T/stop.out" >"$T/errors"
    lab_fail_file "stop.vdb runs without errors" 1 "vdb reported an error" "$T/errors"
else
    lab_pass "stop.vdb runs without errors" 1
fi
tail_from_x "$T/stop.out" >"$T/stop.tail"
if [ -s "$T/ref.tail" ] && cmp -s "$T/ref.tail" "$T/stop.tail"; then
    lab_pass "stop.vdb stops before fib's second iadd" 3
else
    diff "$T/ref.tail" "$T/stop.tail" | grep '^[<>]' | sed -e 's/^</want:/' -e 's/^>/got: /' >"$T/diff"
    lab_fail_file "stop.vdb stops before fib's second iadd" 3 "its last four commands print something else than they do there" "$T/diff"
fi

lab_end
