#!/usr/bin/env bash
# bench.sh -- run every workload on every engine, side by side, in one run.
#
#   scripts/bench.sh [--engines LIST] [--workloads LIST] [--runs N]
#                    [--csv FILE] [--bvm PATH] [--cpu] [--build-only]
#
# The workloads live in workloads/ (NAME.vela, NAME.c, NAME.lua,
# NAME.java, NAME.expected).  For each workload and engine it runs the
# program N times (best of N: the smallest wall time -- or CPU time, with
# --cpu -- and the smallest peak RSS), checks that the engine printed
# exactly what native C printed, and then prints two tables -- seconds with the ratio to native, ending in a
# geometric-mean row, and peak memory -- and a verdict on the two targets.
# docs/benchmarks.md explains the method and how to read the tables.
#
# Engines are rows of ENGINE_ROWS below: adding one (a JIT, a KVM guest) is
# adding one row, plus a build_STEP function if it needs building first.
# An engine whose programs are missing is shown as "n/a", never dropped.
#
# Environment: BVM (bvm binary, default bin/bvm), BENCH_RUNS (default 3),
# BENCH_BUILD (build folder, default build/bench), BENCH_TIMEOUT (seconds
# per run before it is killed, default 300).
#
# Exit status: 0 when every engine that ran printed the right result; 1 when
# any run failed, timed out, printed something else, or a build failed;
# 2 on a usage error.  Missing a performance target is reported, not an
# error.

set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WL_DIR=$ROOT/workloads
BENCH_BUILD=${BENCH_BUILD:-$ROOT/build/bench}
BVM=${BVM:-$ROOT/bin/bvm}
RUNS=${BENCH_RUNS:-3}
TIMEOUT=${BENCH_TIMEOUT:-300}
ALL_WORKLOADS="fib loop sieve matmul trees"

# ---- the table of engines ------------------------------------------------------
#
#   ID | LABEL | NEEDS | BUILD | COMMAND
#
#   ID       the name used by --engines and in the CSV
#   LABEL    the column heading
#   NEEDS    programs that must exist: a name looked up on PATH, or a path
#   BUILD    a build step run once before any workload (function build_STEP), or -
#   COMMAND  how to run workload {w}; also {wl} the workloads folder,
#            {build} the build folder, {bvm} the bvm binary
#
# The reference engine is "native": ratios are taken to it, and every other
# engine's output is compared with its output (so it runs first in each
# round, whatever the order of the columns).
ENGINE_ROWS=(
  "native      | C gcc -O2    | gcc        | c    | {build}/c/{w}"
  "switch      | bvm switch   | {bvm}      | -    | {bvm} run --dispatch=switch {wl}/{w}.vela"
  "threaded    | bvm threaded | {bvm}      | -    | {bvm} run --dispatch=threaded {wl}/{w}.vela"
  "jit         | bvm jit      | {bvm}      | -    | {bvm} run --jit=on {wl}/{w}.vela"
  "lua5.4      | lua5.4       | lua5.4     | -    | lua5.4 {wl}/{w}.lua"
  "luajit-joff | luajit -joff | luajit     | -    | luajit -joff {wl}/{w}.lua"
  "luajit      | luajit       | luajit     | -    | luajit {wl}/{w}.lua"
  "java-xint   | java -Xint   | java javac | java | java -Xint -cp {build}/java {w}"
  "java        | java HotSpot | java javac | java | java -cp {build}/java {w}"
)

# The targets the verdict checks, "ENGINE PEER BOUND": ENGINE's time over
# PEER's, geometric mean over the workloads, must be at most BOUND.  The
# memory target compares the first ENGINE with its PEER on MEMORY_WORKLOAD.
TIME_TARGETS=(
  "threaded lua5.4 1.00"     # the interpreter at or below Lua 5.4's
  "jit threaded 0.20"        # the JIT at least 5 times faster than the interpreter
  "jit luajit 1.00"          # the JIT at or below LuaJIT's (JIT on)
)
TARGET_ENGINE=threaded
PEER_ENGINE=lua5.4
MEMORY_WORKLOAD=trees

# ---- build steps -------------------------------------------------------------------
# Called by name, as build_STEP, for the BUILD field of the engines in use.
# shellcheck disable=SC2317

build_c() {
    mkdir -p "$BENCH_BUILD/c" || return 1
    local w
    for w in $WORKLOADS; do
        gcc -std=c11 -O2 -Wall -Wextra -o "$BENCH_BUILD/c/$w" "$WL_DIR/$w.c" || return 1
    done
}

# shellcheck disable=SC2317
build_java() {
    mkdir -p "$BENCH_BUILD/java" || return 1
    local w sources=()
    for w in $WORKLOADS; do sources+=("$WL_DIR/$w.java"); done
    javac -d "$BENCH_BUILD/java" "${sources[@]}"
}

build_measure() {
    mkdir -p "$BENCH_BUILD" || return 1
    gcc -std=c11 -O2 -Wall -Wextra -o "$BENCH_BUILD/measure" "$WL_DIR/measure.c"
}

# ---- helpers ---------------------------------------------------------------------------

die_usage() {
    echo "bench.sh: $*" >&2
    echo "usage: scripts/bench.sh [--engines LIST] [--workloads LIST] [--runs N] [--csv FILE] [--bvm PATH] [--cpu] [--build-only]" >&2
    echo "  engines:   $(all_engine_ids)" >&2
    echo "  workloads: $ALL_WORKLOADS" >&2
    exit 2
}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

# Field F (1-based) of the ENGINE_ROWS row of engine ID.
engine_field() {
    local id=$1 f=$2 row fields
    for row in "${ENGINE_ROWS[@]}"; do
        IFS='|' read -ra fields <<<"$row"
        if [[ $(trim "${fields[0]}") == "$id" ]]; then
            trim "${fields[f - 1]}"
            return 0
        fi
    done
    return 1
}

all_engine_ids() {
    local row fields ids=()
    for row in "${ENGINE_ROWS[@]}"; do
        IFS='|' read -ra fields <<<"$row"
        ids+=("$(trim "${fields[0]}")")
    done
    echo "${ids[*]}"
}

# Replace the {placeholders} in one word.
expand_word() {
    local word=$1 w=${2:-}
    word=${word//\{w\}/$w}
    word=${word//\{wl\}/$WL_DIR}
    word=${word//\{build\}/$BENCH_BUILD}
    word=${word//\{bvm\}/$BVM}
    printf '%s' "$word"
}

# Why engine ID cannot run here, or nothing if it can.
engine_missing() {
    local needs need path
    needs=$(engine_field "$1" 3)
    for need in $needs; do
        path=$(expand_word "$need")
        if [[ $path == */* ]]; then
            [[ -x $path ]] || { echo "n/a (no ${path#"$ROOT"/})"; return; }
        else
            command -v "$path" >/dev/null 2>&1 || { echo "n/a (not installed)"; return; }
        fi
    done
}

fmt() { awk -v x="$2" "BEGIN { printf \"$1\", x }"; }

# Geometric mean of the numbers given as arguments.
geomean() { printf '%s\n' "$@" | awk '{ s += log($1); n++ } END { if (n) printf "%.6f", exp(s / n) }'; }

# ---- options -------------------------------------------------------------------------------

ENGINES=$(all_engine_ids)
WORKLOADS=$ALL_WORKLOADS
CSV=
METRIC=wall
BUILD_ONLY=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --engines)    [[ $# -ge 2 ]] || die_usage "--engines needs a list"; ENGINES=${2//,/ }; shift 2 ;;
        --engines=*)  ENGINES=${1#*=}; ENGINES=${ENGINES//,/ }; shift ;;
        --workloads)  [[ $# -ge 2 ]] || die_usage "--workloads needs a list"; WORKLOADS=${2//,/ }; shift 2 ;;
        --workloads=*) WORKLOADS=${1#*=}; WORKLOADS=${WORKLOADS//,/ }; shift ;;
        --runs)       [[ $# -ge 2 ]] || die_usage "--runs needs a number"; RUNS=$2; shift 2 ;;
        --runs=*)     RUNS=${1#*=}; shift ;;
        --csv)        [[ $# -ge 2 ]] || die_usage "--csv needs a file"; CSV=$2; shift 2 ;;
        --csv=*)      CSV=${1#*=}; shift ;;
        --bvm)        [[ $# -ge 2 ]] || die_usage "--bvm needs a path"; BVM=$2; shift 2 ;;
        --bvm=*)      BVM=${1#*=}; shift ;;
        --cpu)        METRIC=cpu; shift ;;
        --build-only) BUILD_ONLY=1; shift ;;
        -h|--help)    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *)            die_usage "unknown option '$1'" ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die_usage "--runs wants a positive whole number, not '$RUNS'"
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die_usage "BENCH_TIMEOUT wants whole seconds, not '$TIMEOUT'"
[[ -n $ENGINES ]] || die_usage "--engines is empty"
[[ -n $WORKLOADS ]] || die_usage "--workloads is empty"
for e in $ENGINES; do
    engine_field "$e" 1 >/dev/null || die_usage "unknown engine '$e'"
done
for w in $WORKLOADS; do
    [[ " $ALL_WORKLOADS " == *" $w "* ]] || die_usage "unknown workload '$w'"
done
[[ $BVM == /* ]] || BVM=$PWD/$BVM

# ---- build -------------------------------------------------------------------------------------

declare -A UNAVAILABLE=()   # engine -> the cell text shown instead of results
declare -A BUILT=()         # build step -> ok | failed
FAILURES=0

build_measure || { echo "bench.sh: cannot build the measuring tool workloads/measure.c" >&2; exit 1; }
MEASURE=$BENCH_BUILD/measure

for e in $ENGINES; do
    missing=$(engine_missing "$e")
    if [[ -n $missing ]]; then
        UNAVAILABLE[$e]=$missing
        continue
    fi
    step=$(engine_field "$e" 4)
    [[ $step == - ]] && continue
    if [[ -z ${BUILT[$step]:-} ]]; then
        echo "bench.sh: building $step ..." >&2
        if "build_$step"; then BUILT[$step]=ok; else BUILT[$step]=failed; fi
    fi
    if [[ ${BUILT[$step]} == failed ]]; then
        UNAVAILABLE[$e]="FAIL (build)"
        FAILURES=$((FAILURES + 1))
    fi
done
[[ $BUILD_ONLY == 1 ]] && exit $((FAILURES > 0))

# ---- run -----------------------------------------------------------------------------------------

# Key "workload engine".  STATE: ok | wrong | fail:WHY | na.  WALL and CPU
# are the best (smallest) seconds, RSS the smallest peak in KiB; TIME is
# whichever of WALL and CPU the tables show.
declare -A TIME=() WALL=() CPU=() RSS=() STATE=() ARGV=()
SEP=$'\x1f'   # separates the words of a command line stored in ARGV
OUT_DIR=$BENCH_BUILD/out
mkdir -p "$OUT_DIR"

smaller() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# Run engine E on workload W once; update its cell.  A failed or wrong run
# settles the cell: it is not run again.
run_once() {
    local w=$1 e=$2 key="$1 $2" line wall cpu rss status reference argv=()
    IFS=$SEP read -ra argv <<<"${ARGV[$key]}"
    if [[ $e == native ]]; then
        reference=$WL_DIR/$w.expected
    elif [[ ${STATE["$w native"]:-} == ok ]]; then
        reference=$OUT_DIR/$w.native.out
    else
        reference=$WL_DIR/$w.expected
    fi
    line=$("$MEASURE" -t "$TIMEOUT" -o "$OUT_DIR/$w.$e.out" -e "$OUT_DIR/$w.$e.err" -- "${argv[@]}") || {
        STATE[$key]="fail:measure"
        return
    }
    read -r wall cpu rss status <<<"$line"
    if [[ $status != exit:0 ]]; then
        STATE[$key]="fail:${status/:/ }"   # "exit 70", "signal 11", "timeout"
        return
    fi
    if ! cmp -s "$OUT_DIR/$w.$e.out" "$reference"; then
        STATE[$key]=wrong
        return
    fi
    STATE[$key]=ok
    if [[ -z ${WALL[$key]:-} ]] || smaller "$wall" "${WALL[$key]}"; then WALL[$key]=$wall; fi
    if [[ -z ${CPU[$key]:-} ]] || smaller "$cpu" "${CPU[$key]}"; then CPU[$key]=$cpu; fi
    if [[ -z ${RSS[$key]:-} ]] || ((rss < RSS[$key])); then RSS[$key]=$rss; fi
    if [[ $METRIC == cpu ]]; then TIME[$key]=${CPU[$key]}; else TIME[$key]=${WALL[$key]}; fi
}

echo "bench.sh: best of $RUNS run(s) per cell, $METRIC time; machine: $(nproc) CPU(s)," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
if [[ $METRIC == wall ]] && awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" 'BEGIN { exit !(l >= n / 2) }'; then
    echo "bench.sh: warning: the machine is busy (load average above half its CPUs): wall times" \
         "will be inflated and noisy; --cpu measures CPU time instead" >&2
fi
RUN_ORDER=
for e in $ENGINES; do
    if [[ $e == native ]]; then RUN_ORDER="native $RUN_ORDER"; else RUN_ORDER="$RUN_ORDER $e"; fi
done
for w in $WORKLOADS; do
    # The command line of each cell: the row's COMMAND, word by word, with
    # the placeholders filled in (so paths may contain spaces).
    for e in $ENGINES; do
        [[ -n ${UNAVAILABLE[$e]:-} ]] && { STATE["$w $e"]=na; continue; }
        words=() argv=()
        read -ra words <<<"$(engine_field "$e" 5)"
        for word in "${words[@]}"; do argv+=("$(expand_word "$word" "$w")"); done
        ARGV["$w $e"]=$(IFS=$SEP; echo "${argv[*]}")
    done
    # Rounds: every engine once, then every engine again, so that a burst
    # of load on the machine falls on all engines alike, not on one.
    for ((round = 1; round <= RUNS; round++)); do
        for e in $RUN_ORDER; do
            state=${STATE["$w $e"]:-}
            [[ -z $state || $state == ok ]] && run_once "$w" "$e"
        done
    done
    printf 'bench.sh: %-7s' "$w" >&2
    for e in $ENGINES; do
        case ${STATE["$w $e"]} in
            ok) printf ' %s %ss' "$e" "$(fmt '%.2f' "${TIME["$w $e"]}")" >&2 ;;
            na) printf ' %s n/a' "$e" >&2 ;;
            *)  printf ' %s %s' "$e" "${STATE["$w $e"]^^}" >&2 ;;
        esac
    done
    echo >&2
done

# ---- report -------------------------------------------------------------------------------------

# The text of one cell of the time table (with ratio) or the memory table.
time_cell() {
    local key="$1 $2" native="${TIME["$1 native"]:-}"
    case ${STATE[$key]} in
        na)     echo "${UNAVAILABLE[$2]}" ;;
        wrong)  echo "WRONG OUTPUT" ;;
        fail:*) echo "FAIL (${STATE[$key]#fail:})" ;;
        ok)     if [[ -n $native ]]; then
                    awk -v t="${TIME[$key]}" -v n="$native" 'BEGIN { printf "%.3f %6.1fx", t, t / n }'
                else
                    fmt '%.3f' "${TIME[$key]}"
                fi ;;
    esac
}
memory_cell() {
    local key="$1 $2"
    case ${STATE[$key]} in
        ok) awk -v k="${RSS[$key]}" 'BEGIN { printf "%.1f", k / 1024 }' ;;
        *)  time_cell "$1" "$2" ;;
    esac
}

# Column width: wide enough for the heading and every cell of that engine.
declare -A WIDTH=()
for e in $ENGINES; do
    width=$(engine_field "$e" 2); width=${#width}
    ((width < 14)) && width=14
    for w in $WORKLOADS; do
        cell=$(time_cell "$w" "$e"); ((${#cell} > width)) && width=${#cell}
    done
    WIDTH[$e]=$width
done

print_header() {
    printf '%-10s' "$1"
    local e
    for e in $ENGINES; do printf '  %*s' "${WIDTH[$e]}" "$(engine_field "$e" 2)"; done
    echo
}

echo
echo "Time: $METRIC seconds, best of $RUNS, and the ratio to native C (lower is better)"
print_header workload
for w in $WORKLOADS; do
    printf '%-10s' "$w"
    for e in $ENGINES; do printf '  %*s' "${WIDTH[$e]}" "$(time_cell "$w" "$e")"; done
    echo
done

# Geometric means over the workloads, for engines that ran all of them.
declare -A GMEAN=()
printf '%-10s' "geo. mean"
for e in $ENGINES; do
    times=() ratios=() complete=1
    for w in $WORKLOADS; do
        if [[ ${STATE["$w $e"]} == ok ]]; then
            times+=("${TIME["$w $e"]}")
            [[ ${STATE["$w native"]:-} == ok ]] && ratios+=("$(awk -v t="${TIME["$w $e"]}" -v n="${TIME["$w native"]}" 'BEGIN { print t / n }')")
        else
            complete=0
        fi
    done
    cell=-
    if ((complete)); then
        GMEAN[$e]=$(geomean "${times[@]}")
        cell=$(fmt '%.3f' "${GMEAN[$e]}")
        ((${#ratios[@]} == ${#times[@]})) && cell="$cell $(fmt '%6.1fx' "$(geomean "${ratios[@]}")")"
    fi
    printf '  %*s' "${WIDTH[$e]}" "$cell"
done
echo

echo
echo "Peak memory: max RSS in MiB, best of $RUNS (lower is better)"
print_header workload
for w in $WORKLOADS; do
    printf '%-10s' "$w"
    for e in $ENGINES; do printf '  %*s' "${WIDTH[$e]}" "$(memory_cell "$w" "$e")"; done
    echo
done

# Show what a wrong or failing engine printed, so the failure explains itself.
for w in $WORKLOADS; do
    for e in $ENGINES; do
        case ${STATE["$w $e"]} in
            wrong)
                FAILURES=$((FAILURES + 1))
                echo
                echo "!!! $w on $e printed something else than native C; diff (expected first):"
                if [[ $e != native && ${STATE["$w native"]:-} == ok ]]; then
                    diff "$OUT_DIR/$w.native.out" "$OUT_DIR/$w.$e.out" | head -20
                else
                    diff "$WL_DIR/$w.expected" "$OUT_DIR/$w.$e.out" | head -20
                fi ;;
            fail:*)
                FAILURES=$((FAILURES + 1))
                echo
                echo "!!! $w on $e failed (${STATE["$w $e"]#fail:}); its stderr ends with:"
                tail -5 "$OUT_DIR/$w.$e.err" 2>/dev/null | sed 's/^/    /' ;;
        esac
    done
done

# ---- verdict on the targets -----------------------------------------------------------

echo
echo "Targets (computed from this run):"
target_label=$(engine_field "$TARGET_ENGINE" 2)
peer_label=$(engine_field "$PEER_ENGINE" 2)
verdict() { awk -v r="$1" 'BEGIN { print (r <= 1.0 ? "MET" : "MISSED") }'; }

verdict_bound() { awk -v r="$1" -v b="$2" 'BEGIN { print (r <= b ? "MET" : "MISSED") }'; }

# time_target ENGINE PEER BOUND: one line of the verdict.
time_target() {
    local engine=$1 peer=$2 bound=$3 w label_e label_p
    label_e=$(engine_field "$engine" 2)
    label_p=$(engine_field "$peer" 2)
    if [[ " $ENGINES " != *" $engine "* || " $ENGINES " != *" $peer "* ]]; then
        echo "  time:   $label_e / $label_p not measured (both must be among the engines)"
        return
    fi
    local ratios=() skipped=()
    for w in $WORKLOADS; do
        if [[ ${STATE["$w $engine"]} == ok && ${STATE["$w $peer"]} == ok ]]; then
            ratios+=("$(awk -v a="${TIME["$w $engine"]}" -v b="${TIME["$w $peer"]}" 'BEGIN { print a / b }')")
        else
            skipped+=("$w")
        fi
    done
    if ((${#ratios[@]} == 0)); then
        echo "  time:   $label_e / $label_p not measured (no workload ran on both)"
        return
    fi
    local r note=""
    r=$(geomean "${ratios[@]}")
    ((${#skipped[@]})) && note=" -- INCOMPLETE, without: ${skipped[*]}"
    echo "  time:   $label_e / $label_p ($METRIC), geometric mean over ${#ratios[@]} workload(s): $(fmt '%.2f' "$r")x" \
         "(target <= $(fmt '%.2f' "$bound")x): $(verdict_bound "$r" "$bound")$note"
}

for t in "${TIME_TARGETS[@]}"; do
    # shellcheck disable=SC2086  # ENGINE PEER BOUND as three words
    time_target $t
done

key_t="$MEMORY_WORKLOAD $TARGET_ENGINE" key_p="$MEMORY_WORKLOAD $PEER_ENGINE"
if [[ ${STATE[$key_t]:-} == ok && ${STATE[$key_p]:-} == ok ]]; then
    r=$(awk -v a="${RSS[$key_t]}" -v b="${RSS[$key_p]}" 'BEGIN { print a / b }')
    echo "  memory: $MEMORY_WORKLOAD peak RSS, $target_label $(memory_cell "$MEMORY_WORKLOAD" "$TARGET_ENGINE") MiB" \
         "/ $peer_label $(memory_cell "$MEMORY_WORKLOAD" "$PEER_ENGINE") MiB = $(fmt '%.2f' "$r")x (target <= 1.00x): $(verdict "$r")"
elif [[ " $WORKLOADS " != *" $MEMORY_WORKLOAD "* ]]; then
    echo "  memory: not measured ($MEMORY_WORKLOAD is not among the workloads)"
else
    echo "  memory: not measured ($MEMORY_WORKLOAD did not run correctly on both $target_label and $peer_label)"
fi

# ---- CSV -------------------------------------------------------------------------------------

if [[ -n $CSV ]]; then
    {
        echo "workload,engine,status,wall_seconds,cpu_seconds,max_rss_kib,ratio_to_native"
        for w in $WORKLOADS; do
            for e in $ENGINES; do
                key="$w $e" status=${STATE["$w $e"]} ratio=""
                [[ $status == na ]] && status="n/a"
                if [[ $status == ok && ${STATE["$w native"]:-} == ok ]]; then
                    ratio=$(awk -v t="${TIME[$key]}" -v n="${TIME["$w native"]}" 'BEGIN { printf "%.3f", t / n }')
                fi
                echo "$w,$e,$status,${WALL[$key]:-},${CPU[$key]:-},${RSS[$key]:-},$ratio"
            done
        done
    } >"$CSV" || { echo "bench.sh: cannot write $CSV" >&2; exit 1; }
    echo
    echo "CSV written to $CSV"
fi

if ((FAILURES > 0)); then
    echo
    echo "bench.sh: $FAILURES failure(s): see the !!! lines above" >&2
    exit 1
fi
exit 0
