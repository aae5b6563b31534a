#!/usr/bin/env bash
# demo.sh -- a quick tour: the built-in workloads, compiled to bytecode and
# run by bvm's threaded interpreter, each checked against native C.
#
#   scripts/demo.sh [--bvm PATH] [--workloads LIST]
#
# For each workload of labs/workloads/ it compiles NAME.vela to a verified
# bytecode file (bvm compile), runs that file with bvm run
# --dispatch=threaded, runs the gcc -O2 build of NAME.c, and prints both
# results and times.  So it doubles as a sanity check: a result that
# differs from native C fails the demo (exit status 1).  One run each, a
# few seconds per workload; scripts/bench.sh is the careful measurement.
#
# Environment: BVM (bvm binary, default bin/bvm), DEMO_BUILD (build folder,
# default build/demo).

set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WL_DIR=$ROOT/labs/workloads
DEMO_BUILD=${DEMO_BUILD:-$ROOT/build/demo}
BVM=${BVM:-$ROOT/bin/bvm}
WORKLOADS="fib loop sieve matmul trees"

usage() {
    echo "demo.sh: $*" >&2
    echo "usage: scripts/demo.sh [--bvm PATH] [--workloads LIST]" >&2
    exit 2
}
while [[ $# -gt 0 ]]; do
    case $1 in
        --bvm)         [[ $# -ge 2 ]] || usage "--bvm needs a path"; BVM=$2; shift 2 ;;
        --bvm=*)       BVM=${1#*=}; shift ;;
        --workloads)   [[ $# -ge 2 ]] || usage "--workloads needs a list"; WORKLOADS=${2//,/ }; shift 2 ;;
        --workloads=*) WORKLOADS=${1#*=}; WORKLOADS=${WORKLOADS//,/ }; shift ;;
        -h|--help)     sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *)             usage "unknown option '$1'" ;;
    esac
done
for w in $WORKLOADS; do
    [[ -f $WL_DIR/$w.vela ]] || usage "unknown workload '$w' (no labs/workloads/$w.vela)"
done
if [[ ! -x $BVM ]]; then
    echo "demo.sh: $BVM is not built yet: run 'make' first (or pass --bvm PATH)" >&2
    exit 1
fi

# The measuring tool and the native builds come from bench.sh, so both
# scripts build them the same way.
mkdir -p "$DEMO_BUILD"
if ! BENCH_BUILD=$DEMO_BUILD "$ROOT/scripts/bench.sh" --build-only --engines native \
    --workloads "${WORKLOADS// /,}" 2>"$DEMO_BUILD/build.log"; then
    cat "$DEMO_BUILD/build.log" >&2
    echo "demo.sh: cannot build the native workloads" >&2
    exit 1
fi
MEASURE=$DEMO_BUILD/measure

cat <<EOF
vmlab demo: the benchmark workloads on the bytecode VM
-------------------------------------------------------
Each workload in labs/workloads/ is written in Vela (NAME.vela) and in C
(NAME.c).  Here every Vela program is compiled to a verified bytecode
file, run by bvm's threaded interpreter, and its result compared with the
same workload built by gcc -O2 and run natively.  'make bench' adds Lua,
LuaJIT and Java and measures carefully (docs/benchmarks.md).

  fib     recursive Fibonacci          -- calls and returns
  loop    a tight arithmetic loop      -- instruction dispatch
  sieve   sieve of Eratosthenes        -- array loads and stores
  matmul  float matrix multiplication  -- float arithmetic, 2-D arrays
  trees   binary trees                 -- allocation and garbage collection

EOF

# Show a taste of what the interpreter runs: fib's bytecode.
if [[ " $WORKLOADS " == *" fib "* ]] &&
    "$BVM" compile -o "$DEMO_BUILD/fib.vbc" "$WL_DIR/fib.vela" 2>/dev/null; then
    echo "What the interpreter runs -- the function fib as bytecode (bvm dis):"
    "$BVM" dis "$DEMO_BUILD/fib.vbc" 2>/dev/null |
        awk '/^\.func .*[ ]fib\(/ { on = 1 } on { print } on && /^\.end/ { exit }' |
        head -40 | sed 's/^/    /'
    echo
fi

# Run one command through measure; sets RUN_TIME and RUN_STATUS.
run_measured() {
    local out=$1 err=$2 line
    shift 2
    line=$("$MEASURE" -o "$out" -e "$err" -- "$@") || { RUN_STATUS=measure; RUN_TIME=0; return; }
    read -r RUN_TIME _ _ RUN_STATUS <<<"$line"   # wall, cpu, rss, status
}

printf '%-8s %-32s %10s %10s %8s  %s\n' workload "result (bvm threaded)" "bvm" "native" "ratio" check
failures=0
for w in $WORKLOADS; do
    vbc=$DEMO_BUILD/$w.vbc
    if ! "$BVM" compile -o "$vbc" "$WL_DIR/$w.vela" 2>"$DEMO_BUILD/$w.compile.err"; then
        printf '%-8s %s\n' "$w" "COMPILE FAILED:"
        sed 's/^/    /' "$DEMO_BUILD/$w.compile.err" | head -10
        failures=$((failures + 1))
        continue
    fi
    run_measured "$DEMO_BUILD/$w.native.out" "$DEMO_BUILD/$w.native.err" "$DEMO_BUILD/c/$w"
    native_time=$RUN_TIME native_status=$RUN_STATUS
    run_measured "$DEMO_BUILD/$w.bvm.out" "$DEMO_BUILD/$w.bvm.err" "$BVM" run --dispatch=threaded "$vbc"
    bvm_time=$RUN_TIME bvm_status=$RUN_STATUS
    result=$(head -1 "$DEMO_BUILD/$w.bvm.out")

    if [[ $bvm_status != exit:0 ]]; then
        check="FAILED (${bvm_status/:/ })"
    elif [[ $native_status != exit:0 ]]; then
        check="native C FAILED (${native_status/:/ })"
    elif ! cmp -s "$DEMO_BUILD/$w.bvm.out" "$DEMO_BUILD/$w.native.out"; then
        check="DIFFERS from native: $(head -1 "$DEMO_BUILD/$w.native.out")"
    else
        check=ok
    fi
    ratio=$(awk -v b="$bvm_time" -v n="$native_time" 'BEGIN { if (n > 0) printf "%.1fx", b / n; else print "-" }')
    printf '%-8s %-32s %9.3fs %9.3fs %8s  %s\n' "$w" "$result" "$bvm_time" "$native_time" "$ratio" "$check"
    if [[ $check != ok ]]; then
        failures=$((failures + 1))
        tail -5 "$DEMO_BUILD/$w.bvm.err" 2>/dev/null | sed 's/^/    /'
    fi
done

echo
if ((failures > 0)); then
    echo "demo: $failures workload(s) did not match native C"
    exit 1
fi
echo "demo: every workload printed the same result as native C."
echo "Next: 'make bench' for the full side-by-side comparison with Lua, LuaJIT and Java."
