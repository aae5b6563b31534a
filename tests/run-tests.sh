#!/usr/bin/env bash
#
# run-tests.sh -- run every test suite and add up the results.
#
# `make test` (and so `make check` and `make asan`) calls this with the paths
# of the build it belongs to, so the sanitizer build tests its own programs:
#
#   BVM            the bvm program              (default bin/bvm)
#   UNIT_TESTS     the Check programs, space-separated (default: every
#                  build/release/tests/test_*)
#   GOLDEN_RUNNER  tests/tools/golden.c built   (default build/release/tests/golden-runner)
#   FUZZER         tests/tools/fuzz.c built     (default build/release/tests/bytecode-fuzz)
#   FUZZ_COUNT     mutants for the fuzz check   (default 10000)
#   FUZZ_SEED      its random seed              (default 1)
#   SANITIZED      1 for an ASan/UBSan build: longer time limits
#   SCRIPT_TIMEOUT seconds a test script may run before it is stopped and
#                  counted as failed (default 1800)
#   VDB            the vdb program              (default bin/vdb)
#   MHV, MHV_GUESTS, KVM_TESTS, SANDBOX   for the hypervisor suite (tests/hv/)
#   CYCLES         the native workload runner, for the demo's test
#   LAB_BUILD, LAB_BINDIR, LAB_OPT, LAB_SAN   the build the labs' checkers
#                  grade and make (labs/lib/grade.sh); the install suite
#                  hands them to make install, which must install the
#                  release build all the same
#
# The suites, in order: unit (Check's own output is shown as it comes),
# golden, e2e, debugger, hypervisor, labs, docs, install, fuzz.  Each prints its own `NAME: N passed, N failed` line;
# a suite that dies without one (a crash, a missing program) counts as one
# failure.  The last line is the total over all suites:
#
#   N passed, N failed
#
# and the exit status is 0 only when nothing failed.

set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

BVM=${BVM:-bin/bvm}
VDB=${VDB:-bin/vdb}
GOLDEN_RUNNER=${GOLDEN_RUNNER:-build/release/tests/golden-runner}
FUZZER=${FUZZER:-build/release/tests/bytecode-fuzz}
FUZZ_COUNT=${FUZZ_COUNT:-10000}
FUZZ_SEED=${FUZZ_SEED:-1}
SANITIZED=${SANITIZED:-0}
if [ -z "${UNIT_TESTS:-}" ]; then
    UNIT_TESTS=""
    for prog in build/release/tests/test_*; do
        case "$prog" in *.d) ;; *) [ -x "$prog" ] && UNIT_TESTS="$UNIT_TESTS $prog" ;; esac
    done
fi

# Sanitizer findings must fail loudly: abort (so the run ends by a signal,
# which every runner reports) and print a stack.  LeakSanitizer is on: a
# leak at exit fails the run too.  Harmless in a plain build.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-abort_on_error=1:print_stacktrace=1:halt_on_error=1}
if [ "$SANITIZED" = 1 ]; then
    export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
    GOLDEN_TIMEOUT=60
    FUZZ_TIME_LIMIT=60
else
    GOLDEN_TIMEOUT=20
    FUZZ_TIME_LIMIT=20
fi
export BVM

total_passed=0
total_failed=0
failed_suites=()
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-tests.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

banner() { printf '\n==== %s ====\n' "$*"; }

# add NAME PASSED FAILED
add() {
    total_passed=$((total_passed + $2))
    total_failed=$((total_failed + $3))
    if [ "$3" -gt 0 ]; then failed_suites+=("$1"); fi
}

# Run a command, showing its output as it comes and keeping a copy; then
# take its counts from the last line that matches PATTERN (an ERE whose
# groups 1 and 2 are the passed and failed counts).  No such line, or a
# nonzero exit with nothing counted as failed, is one failure.
#   run_counted NAME PATTERN COMMAND...
run_counted() {
    local name=$1 pattern=$2
    shift 2
    local log="$scratch/log"
    "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local counts
    counts=$(grep -E "$pattern" "$log" | tail -n 1 | sed -E "s/.*$pattern.*/\\1 \\2/")
    if [ -z "$counts" ]; then
        echo "$name: FAILED: '$*' ended with status $status without reporting its results" >&2
        add "$name" 0 1
        return
    fi
    local passed=${counts% *} failed=${counts#* }
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
        echo "$name: FAILED: '$*' reported no failure but exited with status $status" >&2
        failed=1
    fi
    add "$name" "$passed" "$failed"
}

# ---- unit: the Check programs ----------------------------------------------------

# Check's summary: "100%: Checks: 12, Failures: 0, Errors: 0".  Checks
# counts every test; failures and errors (crashes, timeouts) are the failed.
# Prints "PASSED FAILED" for one Check program whose output is in $1.
check_counts() {
    local log=$1 status=$2 prog=$3 summary
    summary=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -n 1)
    if [ -z "$summary" ]; then
        echo "unit: FAILED: $prog ended with status $status without a Check summary" >&2
        echo "0 1"
        return
    fi
    local checks failures errors
    checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$summary")
    failures=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$summary")
    errors=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$summary")
    local failed=$((failures + errors))
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
        echo "unit: FAILED: $prog passed its checks but exited with status $status" >&2
        failed=1
    fi
    echo "$((checks - failures - errors)) $failed"
}

banner "unit tests (Check)"
unit_passed=0
unit_failed=0
for prog in $UNIT_TESTS; do
    if [ ! -x "$prog" ]; then
        echo "unit: FAILED: $prog is missing (not built?)" >&2
        unit_failed=$((unit_failed + 1))
        continue
    fi
    "$prog" 2>&1 | tee "$scratch/log"
    status=${PIPESTATUS[0]}
    counts=$(check_counts "$scratch/log" "$status" "$prog")
    unit_passed=$((unit_passed + ${counts% *}))
    unit_failed=$((unit_failed + ${counts#* }))
done
echo "unit: $unit_passed passed, $unit_failed failed"
add unit "$unit_passed" "$unit_failed"

# A test script (tests/e2e/lib.sh style) ends with "NAME: N passed, N
# failed".  Prints "PASSED FAILED" for one script from its log and exit
# status; no such line, or a nonzero status with no failure, is a failure.
#   script_counts SUITE SCRIPT LOG STATUS
script_counts() {
    local suite=$1 script=$2 log=$3 status=$4 counts
    counts=$(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 |
        sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')
    if [ -z "$counts" ]; then
        echo "$suite: FAILED: $script ended with status $status without reporting its results" >&2
        echo "0 1"
    elif [ "$status" -ne 0 ] && [ "${counts#* }" -eq 0 ]; then
        echo "$suite: FAILED: $script reported no failure but exited with status $status" >&2
        echo "${counts% *} 1"
    else
        echo "$counts"
    fi
}

# Runs test scripts one after the other, showing their output as it comes,
# and adds their counts up as one suite.
#   run_scripts SUITE SCRIPT...
# No script may hang the run: one still going after SCRIPT_TIMEOUT seconds
# is stopped (it and what it started) and counted as one failure.
SCRIPT_TIMEOUT=${SCRIPT_TIMEOUT:-1800}
run_script_limited() {
    local script=$1 status
    timeout -k 30 "$SCRIPT_TIMEOUT" bash "$script"
    status=$?
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        echo "$script: FAILED: still running after $SCRIPT_TIMEOUT s (SCRIPT_TIMEOUT), stopped" >&2
    fi
    return "$status"
}

run_scripts() {
    local suite=$1 passed=0 failed=0 counts script
    shift
    for script in "$@"; do
        run_script_limited "$script" 2>&1 | tee "$scratch/log"
        counts=$(script_counts "$suite" "$script" "$scratch/log" "${PIPESTATUS[0]}")
        passed=$((passed + ${counts% *}))
        failed=$((failed + ${counts#* }))
    done
    echo "$suite: $passed passed, $failed failed"
    add "$suite" "$passed" "$failed"
}

# ---- golden: programs with expected output ---------------------------------------

# Each golden program runs in every mode: both dispatch loops, the garbage
# collector stressed, and the JIT differential -- compiled before anything
# runs, under GC stress too, and with thresholds so low that functions
# change tier while they run (docs/jit.md).
GOLDEN_MODES=(
    --mode "--dispatch=switch"
    --mode "--dispatch=threaded"
    --mode "--dispatch=threaded --gc-stress"
    --mode "--jit=always"
    --mode "--jit=always --gc-stress"
    --mode "--jit=on --jit-call-threshold=2 --jit-loop-threshold=3"
)
banner "golden tests"
if [ -x "$GOLDEN_RUNNER" ]; then
    run_counted golden '^golden: ([0-9]+) passed, ([0-9]+) failed$' \
        "$GOLDEN_RUNNER" --bvm "$BVM" --timeout "$GOLDEN_TIMEOUT" "${GOLDEN_MODES[@]}" tests/golden
else
    echo "golden: FAILED: the runner $GOLDEN_RUNNER is missing (not built?)" >&2
    add golden 0 1
fi

# ---- e2e: the bvm command line, end to end -----------------------------------------

banner "end-to-end tests"
# The scripts are independent, so they run side by side; their output is
# shown afterwards, script by script.
e2e_passed=0
e2e_failed=0
e2e_scripts=()
for script in tests/e2e/*.sh; do
    [ "$(basename "$script")" = lib.sh ] && continue
    e2e_scripts+=("$script")
    log="$scratch/e2e-$(basename "$script").log"
    (run_script_limited "$script" >"$log" 2>&1; echo $? >"$log.status") &
done
wait
for script in "${e2e_scripts[@]}"; do
    log="$scratch/e2e-$(basename "$script").log"
    cat "$log"
    counts=$(script_counts e2e "$script" "$log" "$(cat "$log.status" 2>/dev/null || echo 1)")
    e2e_passed=$((e2e_passed + ${counts% *}))
    e2e_failed=$((e2e_failed + ${counts#* }))
done
echo "e2e: $e2e_passed passed, $e2e_failed failed"
add e2e "$e2e_passed" "$e2e_failed"

# ---- debugger: vdb in batch mode and in its TUI ---------------------------------------

# Golden batch transcripts on the bytecode VM (tests/vdb/batch/), the vdb
# command line (cli.sh) and the TUI driven through tmux (tui.sh).  The hypervisor
# target's transcripts run with the hypervisor suite, on KVM.
banner "debugger tests (vdb)"
export VDB
run_scripts debugger tests/vdb/batch.sh tests/vdb/cli.sh tests/vdb/tui.sh

# ---- hypervisor: mhv and its guests on real KVM ----------------------------------------

# On KVM: /dev/kvm when this machine has it, else the nested-KVM sandbox
# (QEMU TCG with SVM), booted once by mhv.sh for every guest and every KVM
# Check suite.  sandbox.sh first tests the sandbox runner itself (three
# short boots); gdb.sh has the real gdb debug a guest through vdb's GDB
# server (one more boot, and one for gdb here against the server in the
# sandbox); remote.sh drives vdb's TUI here on a guest in the sandbox
# through the remote target (three boots); linux.sh boots Debian's Linux on
# mhv six times, in one sandbox boot.  They run one after the other:
# each keeps a CPU busy.
banner "hypervisor tests (mhv on KVM: $( [ -w /dev/kvm ] && echo "/dev/kvm here" || echo "in the nested-KVM sandbox"))"
run_scripts hypervisor tests/hv/sandbox.sh tests/hv/mhv.sh tests/hv/gdb.sh tests/hv/remote.sh tests/hv/linux.sh

# ---- labs and docs: what a student and a reader meet ---------------------------------

# Every lab's checker against its starter state (must fail) and its
# reference solution (must pass), each in a scratch copy of the tree; the
# demo (make demo's script) on small sizes, every engine; then every
# command quoted in docs/, the README and the lab handouts, run.  Labs 6,
# 7 and 9, lab 10's Linux boot (its solution's only), the demo's KVM column
# and some docs commands run on KVM, in the sandbox when this machine has
# no /dev/kvm.
banner "labs and the demo"
export MHV MHV_GUESTS CYCLES LAB_BUILD LAB_BINDIR LAB_OPT LAB_SAN
run_scripts labs tests/labs/labs.sh tests/labs/demo.sh
banner "docs: every command they quote"
run_scripts docs tests/docs/commands.sh

# ---- install: make install and make uninstall ---------------------------------------

# make install into a scratch DESTDIR (always the release build, whichever
# build is under test), the installed programs run from another folder --
# mhv and vdb by guest name, on KVM: /dev/kvm or one sandbox boot -- the man
# pages, and make uninstall (tests/install/install.sh).
banner "install"
run_scripts install tests/install/install.sh

# ---- fuzz: damaged bytecode ---------------------------------------------------------

banner "bytecode fuzz ($FUZZ_COUNT mutants, seed $FUZZ_SEED)"
if [ -x "$FUZZER" ]; then
    run_counted fuzz '^fuzz: ([0-9]+) passed, ([0-9]+) failed$' \
        "$FUZZER" --seed "$FUZZ_SEED" --count "$FUZZ_COUNT" --time-limit "$FUZZ_TIME_LIMIT" \
        --save "$scratch/last-mutant.vbc" tests/golden
    if [ -s "$scratch/last-mutant.vbc" ] && [[ " ${failed_suites[*]} " == *" fuzz "* ]]; then
        keep="$(dirname "$FUZZER")/fuzz-failing-mutant.vbc"
        cp "$scratch/last-mutant.vbc" "$keep" && echo "fuzz: the last mutant run is kept in $keep"
    fi
else
    echo "fuzz: FAILED: the fuzzer $FUZZER is missing (not built?)" >&2
    add fuzz 0 1
fi

# ---- total --------------------------------------------------------------------------

echo
if [ ${#failed_suites[@]} -gt 0 ]; then
    echo "FAILED in: ${failed_suites[*]}"
fi
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
