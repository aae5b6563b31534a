#!/usr/bin/env bash
# demo.sh -- the same workloads run five ways, side by side: interpreted
# (bvm's switch and threaded loops), JIT-compiled (bvm --jit=on), bvm's JIT
# again inside Linux booted by mhv, as machine code in a KVM guest (mhv
# booting the guest kernel), and natively (gcc -O2).
#
#   scripts/demo.sh [--workloads LIST] [--sizes NAME=N,...] [--engines LIST]
#                   [--runs N] [--quick] [--workload-dir DIR]
#                   [--csv FILE] [--json FILE] [--chart FILE.svg|FILE.png]
#                   [--bvm PATH] [-h|--help]
#
#   --workloads fib,trees   the rows (default: fib loop sieve matmul trees,
#                           and every workload of --workload-dir)
#   --sizes fib=30,loop=1000000
#                           run at other sizes: the Vela program runs from a
#                           copy with its `int SIZE = N;` changed, the C code
#                           and the guest take the size as an argument
#   --engines LIST          the columns, of: switch threaded jit linux kvm
#                           native (default all; native always runs, as
#                           reference)
#   --runs N                best of N runs per cell (default 1)
#   --quick                 small sizes, a few seconds in all (for tests)
#   --workload-dir DIR      also take workloads from DIR (NAME.vela, NAME.c
#                           written to workloads/workload.h, and
#                           NAME.expected), found there first
#   --csv FILE, --json FILE the table, one record per cell
#   --chart FILE            a bar chart drawn by gnuplot, SVG or PNG by the
#                           name (default build/demo/demo.svg when gnuplot
#                           is installed)
#   --bvm PATH              the bvm to run (default bin/bvm, or BVM)
#
# Every engine's output is compared with native C's, and native C's (at
# the default size) with NAME.expected.  docs/benchmarks.md explains the
# table; scripts/bench.sh is the careful comparison with Lua and Java.
#
# The KVM guest runs on /dev/kvm when this machine has it, else in the
# nested-KVM sandbox (tests/sandbox/kvm-sandbox.sh), all workloads in one
# boot.  There the host CPU is emulated by QEMU, so the guest's wall time
# means nothing; what carries over to real hardware is the ratio of the
# guest's TSC cycles to the same C code's cycles natively in the same
# machine, and the table shows that ratio with an estimated time
# (native time here x ratio), marked with "~".
#
# The engine "linux" (column "bvm in Linux on mhv") is bvm --jit=on, the
# jit column's command, run inside Debian's Linux booted by mhv (the kernel
# of scripts/linux-kernel.sh, the initramfs of scripts/linux-guest/ with
# bvm, its libraries, measure and the Vela files in it): one Linux boot
# runs every workload, each timed inside the guest by measure.  On
# /dev/kvm that time is the cell.  In the sandbox (the same boot as the KVM
# column's) bvm also runs in the sandbox machine itself, and the cell is
# bvm jit's time here x (time in Linux / time in the sandbox machine),
# marked "~".  There the column costs about 20 s of the demo's 45 on two
# cores (8 s with --quick): the Linux boot, and bvm's runs under QEMU,
# twice.  Without a kernel (scripts/linux-kernel.sh fails), mhv or KVM
# its cells say n/a and why.
#
# Environment: BVM (default bin/bvm), MHV (default bin/mhv), MHV_GUESTS
# (default build/release/guest), CYCLES (default build/release/workloads/cycles),
# DEMO_BUILD (default build/demo), DEMO_KERNEL_DIR (the Linux kernel cache,
# default build/sandbox/kernel), DEMO_TIMEOUT (seconds per run, default
# 300), GNUPLOT (the gnuplot program, default gnuplot from PATH).
#
# Exit status: 0 when every engine printed the right result; 1 when one
# printed something else, failed, or could not be built; 2 on a usage error.

set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WL_DIR=$ROOT/workloads
DEMO_BUILD=${DEMO_BUILD:-$ROOT/build/demo}
BVM=${BVM:-$ROOT/bin/bvm}
MHV=${MHV:-$ROOT/bin/mhv}
MHV_GUESTS=${MHV_GUESTS:-$ROOT/build/release/guest}
CYCLES=${CYCLES:-$ROOT/build/release/workloads/cycles}
KERNEL_DIR=${DEMO_KERNEL_DIR:-$ROOT/build/sandbox/kernel}
TIMEOUT=${DEMO_TIMEOUT:-300}
GNUPLOT=${GNUPLOT:-gnuplot}

BUILTIN_WORKLOADS="fib loop sieve matmul trees"   # also compiled into the guest kernel
QUICK_SIZES="fib=27 loop=3000000 sieve=100000 matmul=100 trees=12"
ALL_ENGINES="switch threaded jit linux kvm native"
declare -A LABEL=([switch]="bvm switch" [threaded]="bvm threaded" [jit]="bvm jit"
                  [linux]="bvm in Linux on mhv" [kvm]="KVM guest" [native]="native C")

usage() {
    echo "demo.sh: $*" >&2
    echo "usage: scripts/demo.sh [--workloads LIST] [--sizes NAME=N,...] [--engines LIST] [--runs N]" >&2
    echo "                       [--quick] [--workload-dir DIR] [--csv FILE] [--json FILE] [--chart FILE]" >&2
    echo "                       [--bvm PATH]   (scripts/demo.sh --help says more)" >&2
    exit 2
}

# ---- options -------------------------------------------------------------------

WORKLOADS= SIZES= ENGINES=$ALL_ENGINES RUNS=1 QUICK=0 EXTRA_DIR= CSV= JSON= CHART=
need() { [[ $# -ge 2 && -n $2 ]] || usage "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
    opt=$1 value=
    if [[ $opt == --*=* ]]; then value=${opt#*=}; opt=${opt%%=*}; set -- "$opt" "$value" "${@:2}"; fi
    case $opt in
        --workloads)    need "$@"; WORKLOADS=${2//,/ }; shift 2 ;;
        --sizes)        need "$@"; SIZES="$SIZES ${2//,/ }"; shift 2 ;;
        --engines)      need "$@"; ENGINES=${2//,/ }; shift 2 ;;
        --runs)         need "$@"; RUNS=$2; shift 2 ;;
        --workload-dir) need "$@"; EXTRA_DIR=$2; shift 2 ;;
        --csv)          need "$@"; CSV=$2; shift 2 ;;
        --json)         need "$@"; JSON=$2; shift 2 ;;
        --chart)        need "$@"; CHART=$2; shift 2 ;;
        --bvm)          need "$@"; BVM=$2; shift 2 ;;
        --quick)        QUICK=1; shift ;;
        -h|--help)      sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *)              usage "unknown option '$1'" ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || usage "--runs wants a positive whole number, not '$RUNS'"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || usage "DEMO_TIMEOUT wants whole seconds, not '$TIMEOUT'"
if [[ -n $EXTRA_DIR ]]; then
    [[ -d $EXTRA_DIR ]] || usage "--workload-dir: '$EXTRA_DIR' is not a folder"
    EXTRA_DIR=$(cd "$EXTRA_DIR" && pwd)
fi
if [[ -n $CHART && $CHART != *.svg && $CHART != *.png ]]; then
    usage "--chart wants a file name ending in .svg or .png, not '$CHART'"
fi
[[ $BVM == /* ]] || BVM=$PWD/$BVM
[[ $MHV == /* ]] || MHV=$ROOT/$MHV
[[ $MHV_GUESTS == /* ]] || MHV_GUESTS=$ROOT/$MHV_GUESTS
[[ $CYCLES == /* ]] || CYCLES=$ROOT/$CYCLES
[[ $KERNEL_DIR == /* ]] || KERNEL_DIR=$PWD/$KERNEL_DIR

# Where workload NAME's files are: --workload-dir first, then workloads.
declare -A SRC=()
source_dir() {
    if [[ -n $EXTRA_DIR && -f $EXTRA_DIR/$1.vela ]]; then echo "$EXTRA_DIR"
    elif [[ -f $WL_DIR/$1.vela ]]; then echo "$WL_DIR"
    else return 1
    fi
}
if [[ -z $WORKLOADS ]]; then
    WORKLOADS=$BUILTIN_WORKLOADS
    if [[ -n $EXTRA_DIR ]]; then
        for f in "$EXTRA_DIR"/*.vela; do
            [[ -f $f ]] || continue
            w=$(basename "$f" .vela)
            [[ " $WORKLOADS " == *" $w "* ]] || WORKLOADS="$WORKLOADS $w"
        done
    fi
fi
for w in $WORKLOADS; do
    [[ $w =~ ^[a-z_][a-z0-9_]*$ ]] || usage "'$w' is not a workload name"
    dir=$(source_dir "$w") || usage "unknown workload '$w' (no $w.vela in workloads${EXTRA_DIR:+ or $EXTRA_DIR})"
    [[ -f $dir/$w.c ]] || usage "workload '$w' has no C version ($dir/$w.c)"
    SRC[$w]=$dir
done
[[ -n ${WORKLOADS// /} ]] || usage "--workloads is empty"

for e in $ENGINES; do
    [[ " $ALL_ENGINES " == *" $e "* ]] || usage "unknown engine '$e' (engines: $ALL_ENGINES)"
done
[[ " $ENGINES " == *" native "* ]] || ENGINES="$ENGINES native"   # the reference

# SIZE[w]: the size asked for, or empty for the workload's own.
declare -A SIZE=()
((QUICK)) && for word in $QUICK_SIZES; do [[ " $WORKLOADS " == *" ${word%=*} "* ]] && SIZE[${word%=*}]=${word#*=}; done
for word in $SIZES; do
    [[ $word =~ ^([a-z_][a-z0-9_]*)=([0-9]+)$ ]] || usage "--sizes wants NAME=N,..., not '$word'"
    [[ " $WORKLOADS " == *" ${BASH_REMATCH[1]} "* ]] || usage "--sizes: '${BASH_REMATCH[1]}' is not among the workloads"
    SIZE[${BASH_REMATCH[1]}]=$((10#${BASH_REMATCH[2]}))
done

# ---- helpers -------------------------------------------------------------------

fmt() { awk -v x="$2" "BEGIN { printf \"$1\", x }"; }
geomean() { printf '%s\n' "$@" | awk '{ s += log($1); n++ } END { if (n) printf "%.6f", exp(s / n) }'; }
ratio_text() { awk -v r="$1" 'BEGIN { if (r < 9.995) printf "%.2fx", r; else if (r < 99.95) printf "%.1fx", r; else printf "%.0fx", r }'; }
divide() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a / b }'; }
smaller() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
progress() { printf '%s\n' "$*" >&2; }

# ---- build ---------------------------------------------------------------------

[[ -x $BVM ]] || { echo "demo.sh: $BVM is not built yet: run 'make' first (or pass --bvm PATH)" >&2; exit 1; }
mkdir -p "$DEMO_BUILD"/{c,vela,out} || exit 1
OUT=$DEMO_BUILD/out
rm -f "$OUT"/*

# The measuring tool and the C programs of the built-in workloads come from
# bench.sh, so `make bench` and the demo run the very same binaries.
# (With none of them at its own size, only the measuring tool: the engine
# "switch" needs no build step.)
builtin=()
for w in $WORKLOADS; do [[ ${SRC[$w]} == "$WL_DIR" && -z ${SIZE[$w]:-} ]] && builtin+=("$w"); done
bench_args=(--engines switch)
((${#builtin[@]})) && bench_args=(--engines native --workloads "$(IFS=,; echo "${builtin[*]}")")
if ! BENCH_BUILD=$DEMO_BUILD "$ROOT/scripts/bench.sh" --build-only "${bench_args[@]}" 2>"$DEMO_BUILD/build.log" >&2; then
    cat "$DEMO_BUILD/build.log" >&2
    echo "demo.sh: cannot build the measuring tool and the native workloads (scripts/bench.sh --build-only)" >&2
    exit 1
fi
MEASURE=$DEMO_BUILD/measure

# A driver for a C workload at another size: the workload's own file with
# -DWORKLOAD_NO_MAIN, and a main() taking the size as its argument.
cat >"$DEMO_BUILD/c/sized.c" <<'EOF'
#include <stdlib.h>
#include "native.h"
extern const wl_workload WL;
int main(int argc, char **argv)
{
    wl_workload w = WL;
    if (argc > 1)
        w.size = strtoll(argv[1], NULL, 10);
    return wl_native_main(&w);
}
EOF

# NATIVE[w]: the C program's command line; VELA[w]: the Vela file to run.
declare -A NATIVE=() VELA=()
for w in $WORKLOADS; do
    dir=${SRC[$w]} size=${SIZE[$w]:-}
    if [[ -n $size ]]; then
        [[ $DEMO_BUILD/c/$w.sized -nt $dir/$w.c && $DEMO_BUILD/c/$w.sized -nt $WL_DIR/native.h ]] ||
        gcc -std=c11 -O2 -Wall -Wextra -DWORKLOAD_NO_MAIN -DWL="wl_$w" -I"$WL_DIR" -o "$DEMO_BUILD/c/$w.sized" \
            "$dir/$w.c" "$DEMO_BUILD/c/sized.c" 2>>"$DEMO_BUILD/build.log" ||
            { cat "$DEMO_BUILD/build.log" >&2; echo "demo.sh: cannot build $dir/$w.c" >&2; exit 1; }
        NATIVE[$w]="$DEMO_BUILD/c/$w.sized $size"
        grep -Eq '^int SIZE = [0-9]+;' "$dir/$w.vela" ||
            { echo "demo.sh: $dir/$w.vela has no line 'int SIZE = N;': cannot change its size" >&2; exit 1; }
        sed -E "s/^int SIZE = [0-9]+;/int SIZE = $size;/" "$dir/$w.vela" >"$DEMO_BUILD/vela/$w.vela" || exit 1
        VELA[$w]=$DEMO_BUILD/vela/$w.vela
    else
        if [[ $dir != "$WL_DIR" ]]; then
            gcc -std=c11 -O2 -Wall -Wextra -I"$WL_DIR" -o "$DEMO_BUILD/c/$w" "$dir/$w.c" 2>>"$DEMO_BUILD/build.log" ||
                { cat "$DEMO_BUILD/build.log" >&2; echo "demo.sh: cannot build $dir/$w.c" >&2; exit 1; }
        fi
        NATIVE[$w]=$DEMO_BUILD/c/$w
        VELA[$w]=$dir/$w.vela
    fi
done

# Where KVM is -- here (direct), in the nested-KVM sandbox, or nowhere
# (KVM_NOWHERE says why) -- when the KVM guest or Linux is to run.
KVM_WHERE= KVM_NOWHERE= KVM_NA= LINUX_NA= LINUX_WHY=
if [[ " $ENGINES " == *" kvm "* || " $ENGINES " == *" linux "* ]]; then
    # kvm_pvm (no VMX/SVM) emulates the guest kernel and cannot run its
    # SSE workloads, nor Linux: the sandbox's KVM can (docs/no-kvm.md, "Which KVM").
    if [[ -r /dev/kvm && -w /dev/kvm && ! -e /sys/module/kvm_pvm ]]; then
        KVM_WHERE=direct
    elif command -v qemu-system-x86_64 >/dev/null 2>&1; then
        KVM_WHERE=sandbox
    else
        KVM_NOWHERE="n/a (no /dev/kvm, no QEMU)"
    fi
fi
if [[ " $ENGINES " == *" kvm "* ]]; then
    for f in "$MHV" "$MHV_GUESTS/kernel.elf" "$CYCLES"; do
        [[ -e $f ]] || { KVM_NA="n/a (no ${f#"$ROOT"/}: run make)"; break; }
    done
    [[ -n $KVM_NA ]] || KVM_NA=$KVM_NOWHERE
fi
# Linux needs mhv, KVM and the kernel cache (fetched now on first use);
# LINUX_WHY is the longer story, printed before the table.
if [[ " $ENGINES " == *" linux "* ]]; then
    if [[ ! -e $MHV ]]; then
        LINUX_NA="n/a (no ${MHV#"$ROOT"/}: run make)"
    elif [[ -n $KVM_NOWHERE ]]; then
        LINUX_NA=$KVM_NOWHERE
    elif ! "$ROOT/scripts/linux-kernel.sh" "$KERNEL_DIR" >/dev/null 2>"$DEMO_BUILD/kernel.err"; then
        LINUX_NA="n/a (no Linux kernel)"
        LINUX_WHY="scripts/linux-kernel.sh ${KERNEL_DIR#"$ROOT"/} failed: $(tail -n 1 "$DEMO_BUILD/kernel.err")"
    fi
fi
LINUX_KERNEL=$KERNEL_DIR/vmlinux          # mhv boots it without decompressing
[[ -s $LINUX_KERNEL ]] || LINUX_KERNEL=$KERNEL_DIR/vmlinuz

# The Linux guest's initramfs: bvm (with its libraries), measure, the Vela
# files as they run here, and the script its init runs (vmlab.run=): per
# round, each workload, timed by measure, as sections
# "== linux ROUND NAME STATUS MEASURE-LINE" with o| and e| lines.
LINUX_FILES=$DEMO_BUILD/linux
if [[ " $ENGINES " == *" linux "* && -z $LINUX_NA ]]; then
    rm -rf "$LINUX_FILES" && mkdir -p "$LINUX_FILES/vela" || exit 1
    for w in $WORKLOADS; do cp "${VELA[$w]}" "$LINUX_FILES/vela/$w.vela" || exit 1; done
    cat >"$LINUX_FILES/demo-guest.sh" <<'EOF_GUEST'
#!/bin/sh
# demo-guest.sh TIMEOUT RUNS NAME...: in the Linux guest, in /work
timeout=$1 runs=$2
shift 2
round=1
while [ "$round" -le "$runs" ]; do
    for w in "$@"; do
        m=$(bin/measure -t "$timeout" -o /tmp/demo.o -e /tmp/demo.e -- bin/bvm run --jit=on "vela/$w.vela")
        echo "== linux $round $w $? $m"
        sed 's/^/o|/' /tmp/demo.o
        sed 's/^/e|/' /tmp/demo.e
    done
    round=$((round + 1))
done
EOF_GUEST
    if ! "$ROOT/scripts/linux-guest/initramfs.sh" -o "$LINUX_FILES/initramfs.cpio" --kernel "$KERNEL_DIR" \
            --add "$BVM:bin/bvm" --add "$MEASURE:bin/measure" --add "$LINUX_FILES/vela:vela" \
            --add "$LINUX_FILES/demo-guest.sh:demo-guest.sh" >/dev/null 2>"$LINUX_FILES/initramfs.err"; then
        LINUX_NA="n/a (no initramfs)"
        LINUX_WHY="scripts/linux-guest/initramfs.sh failed: $(tail -n 1 "$LINUX_FILES/initramfs.err")"
    fi
fi

# ---- the introduction ------------------------------------------------------------

cat <<EOF
vmlab demo: one piece of work, five ways to run it
===================================================
Each workload is written in Vela (NAME.vela) and in C (NAME.c):

  fib     recursive Fibonacci          calls and returns
  loop    a tight arithmetic loop      dispatch of simple instructions
  sieve   sieve of Eratosthenes        array loads and stores
  matmul  float matrix multiplication  float arithmetic, 2-D arrays
  trees   binary trees                 allocation and garbage collection

The engines:

  bvm switch    Vela -> bytecode, interpreted: one switch per instruction
  bvm threaded  the same bytecode, computed-goto ("threaded") dispatch
  bvm jit       hot functions compiled to x86-64 by bvm's JIT (--jit=on)
  bvm in Linux on mhv
                bvm --jit=on again, in Debian's Linux booted by mhv under
                KVM: the jit column's work under a kernel and a hypervisor
  KVM guest     the C code, gcc -O2, in mhv's guest kernel under KVM:
                hardware-assisted, VM exits only for I/O
  native C      the C code, gcc -O2, as a Linux process: the reference
EOF
# What runs on KVM, in words: "the guest", "Linux" or both.
on_kvm=()
[[ " $ENGINES " == *" kvm "* && -z $KVM_NA ]] && on_kvm+=("the guest")
[[ " $ENGINES " == *" linux "* && -z $LINUX_NA ]] && on_kvm+=("Linux")
if ((${#on_kvm[@]})); then
    what=${on_kvm[0]} verb=runs columns="its column shows an estimate: see the note"
    ((${#on_kvm[@]} == 2)) && what="the guest and Linux" verb=run columns="their columns show estimates: see the notes"
    case $KVM_WHERE in
        direct)  echo; echo "KVM: this machine has /dev/kvm: $what $verb on it, timed like the others." ;;
        sandbox) echo
                 if [[ -e /sys/module/kvm_pvm ]]; then
                     echo "KVM: this machine's /dev/kvm is kvm_pvm (no VMX or SVM: it emulates the guest kernel),"
                     echo "so $what $verb in the nested-KVM sandbox"
                 else
                     echo "KVM: this machine has no /dev/kvm, so $what $verb in the nested-KVM sandbox"
                 fi
                 echo "(tests/sandbox/kvm-sandbox.sh: QEMU emulating a CPU with SVM, one boot for all"
                 echo "workloads), and $columns under the table." ;;
    esac
fi
[[ -n $KVM_NA ]] && { echo; echo "KVM: not run here: $KVM_NA."; }
if [[ -n $LINUX_NA ]]; then
    echo; echo "bvm in Linux on mhv: not run here: $LINUX_NA."
    [[ -n $LINUX_WHY ]] && echo "  $LINUX_WHY"
fi

load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)
echo
echo "Machine: $(nproc) CPU(s), load average ${load:-?} at the start."
if [[ -n $load ]] && awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l >= n / 2) }'; then
    echo "The machine is busy: wall times will be inflated and noisy (--runs 3 helps)."
fi

# ---- run on the host -------------------------------------------------------------------

# Per "workload engine": STATE ok | wrong | fail:WHY | na:WHY; TIME best
# seconds; RESULT the line printed; EST=1 when TIME is an estimate.  For kvm
# also GCYC/NCYC, the guest's and native cycles (best); for linux L2/L1,
# bvm's best time in Linux and outside it (in the sandbox machine, or here).
declare -A STATE=() TIME=() RESULT=() GCYC=() NCYC=() EST=() L2=() L1=()
FAILURES=0

# The Linux column's estimate scales bvm jit's time here: measured even
# when jit is not a column.
host_engines=()
for e in $ENGINES; do [[ $e != kvm && $e != linux ]] && host_engines+=("$e"); done
if [[ " $ENGINES " == *" linux "* && -z $LINUX_NA && " $ENGINES " != *" jit "* ]]; then
    host_engines+=(jit)
fi
total=0 step=0
for w in $WORKLOADS; do
    total=$((total + ${#host_engines[@]}))
    [[ " $ENGINES " == *" kvm "* && -z $KVM_NA && ${SRC[$w]} == "$WL_DIR" ]] && total=$((total + 1))
    [[ " $ENGINES " == *" linux "* && -z $LINUX_NA ]] && total=$((total + 1))
done

command_of() {
    local w=$1 e=$2
    case $e in
        native)   echo "${NATIVE[$w]}" ;;
        switch)   echo "$BVM run --dispatch=switch ${VELA[$w]}" ;;
        threaded) echo "$BVM run --dispatch=threaded ${VELA[$w]}" ;;
        jit)      echo "$BVM run --jit=on ${VELA[$w]}" ;;
    esac
}

# One run of workload W on engine E; keeps the best time.
run_once() {
    local w=$1 e=$2 line wall status out=$OUT/$w.$e.out err=$OUT/$w.$e.err argv
    read -ra argv <<<"$(command_of "$w" "$e")"
    line=$("$MEASURE" -t "$TIMEOUT" -o "$out" -e "$err" -- "${argv[@]}") ||
        { STATE["$w $e"]="fail:measure"; return; }
    read -r wall _ _ status <<<"$line"
    if [[ $status != exit:0 ]]; then
        STATE["$w $e"]="fail:${status/:/ }"
        return
    fi
    RESULT["$w $e"]=$(head -n 1 "$out")
    STATE["$w $e"]=ok
    if [[ -z ${TIME["$w $e"]:-} ]] || smaller "$wall" "${TIME["$w $e"]}"; then TIME["$w $e"]=$wall; fi
}

for w in $WORKLOADS; do
    order=(native)
    for e in "${host_engines[@]}"; do [[ $e != native ]] && order+=("$e"); done
    # Rounds: every engine once, then again, so a burst of load elsewhere
    # falls on all of them alike.
    for ((round = 1; round <= RUNS; round++)); do
        for e in "${order[@]}"; do
            [[ ${STATE["$w $e"]:-ok} == ok ]] && run_once "$w" "$e"
        done
    done
    for e in "${order[@]}"; do
        step=$((step + 1))
        case ${STATE["$w $e"]} in
            ok) progress "[$step/$total] $w on ${LABEL[$e]} ... $(fmt %.3f "${TIME["$w $e"]}") s" ;;
            *)  progress "[$step/$total] $w on ${LABEL[$e]} ... FAILED (${STATE["$w $e"]#fail:})" ;;
        esac
    done
done

# ---- run on KVM: the KVM guest and Linux ---------------------------------------------

# The part that runs on KVM (here, or in the sandbox), the same either way.
# The KVM guest: per round, every workload natively (cycles), then each in
# its own guest boot, timed by measure: sections "== native ROUND STATUS"
# and "== guest ROUND WORD STATUS MEASURE-LINE", then what the run printed.
# Linux: in the sandbox, per round, bvm --jit=on on each workload in the
# sandbox machine itself ("== l1 ROUND NAME STATUS MEASURE-LINE", o| and e|
# lines); then one Linux boot that runs them all, its console passed on as
# it comes (the guest's "== linux ..." sections among the kernel's and
# init's lines), and "== linux-end STATUS" with mhv's stderr as e| lines.
cat >"$DEMO_BUILD/inside.sh" <<'EOF_INSIDE'
#!/bin/sh
# inside.sh MEASURE TIMEOUT RUNS MHV KERNEL CYCLES KVM-WORDS BVM VELA LINUX-KERNEL INITRD LINUX-NAMES
#   KVM-WORDS, LINUX-NAMES: comma-separated, "-" for none; BVM "-": no runs
#   of bvm outside Linux; VELA: the folder of NAME.vela
measure=$1 timeout=$2 runs=$3 mhv=$4 kernel=$5 cycles=$6 kvm_words=$7 bvm=$8 vela=$9
linux_kernel=${10} initrd=${11} linux_names=${12}
[ "$kvm_words" = - ] && kvm_words=
[ "$linux_names" = - ] && linux_names=
kvm_words=$(echo "$kvm_words" | tr , ' ') linux_names=$(echo "$linux_names" | tr , ' ')
t=${TMPDIR:-/tmp}
round=1
while [ -n "$kvm_words" ] && [ "$round" -le "$runs" ]; do
    "$cycles" $kvm_words >"$t/demo.o" 2>&1; echo "== native $round $?"; cat "$t/demo.o"
    for word in $kvm_words; do
        m=$("$measure" -t "$timeout" -o "$t/demo.o" -e "$t/demo.e" -- "$mhv" run --cmdline "$word" "$kernel")
        echo "== guest $round $word $? $m"; cat "$t/demo.o" "$t/demo.e"
    done
    round=$((round + 1))
done
[ -n "$linux_names" ] || exit 0
round=1
while [ "$bvm" != - ] && [ "$round" -le "$runs" ]; do
    for w in $linux_names; do
        m=$("$measure" -t "$timeout" -o "$t/demo.o" -e "$t/demo.e" -- "$bvm" run --jit=on "$vela/$w.vela")
        echo "== l1 $round $w $? $m"; sed 's/^/o|/' "$t/demo.o"; sed 's/^/e|/' "$t/demo.e"
    done
    round=$((round + 1))
done
# No disk, so no modules; vmlab.exitport: mhv's status is the script's.
{
    "$mhv" run --kernel "$linux_kernel" --initrd "$initrd" --timeout $((timeout * runs + 120)) \
        --append "quiet vmlab.modules=none vmlab.exitport=0xf4 vmlab.run=\"sh demo-guest.sh $timeout $runs $linux_names\"" \
        </dev/null 2>"$t/linux.e"
    echo "== linux-end $?"
} | tr -d '\r'
sed 's/^/e|/' "$t/linux.e"
EOF_INSIDE
chmod +x "$DEMO_BUILD/inside.sh"

kvm_words=()
for w in $WORKLOADS; do
    if [[ " $ENGINES " != *" kvm "* ]]; then
        :
    elif [[ -n $KVM_NA ]]; then
        STATE["$w kvm"]="na:$KVM_NA"
    elif [[ -n $KVM_WHERE ]]; then
        if [[ ${SRC[$w]} == "$WL_DIR" ]]; then
            kvm_words+=("$w${SIZE[$w]:+=${SIZE[$w]}}")
        else
            STATE["$w kvm"]="na:n/a (not in the guest kernel)"
        fi
    fi
done
linux_names=()
if [[ " $ENGINES " == *" linux "* ]]; then
    for w in $WORKLOADS; do
        if [[ -n $LINUX_NA ]]; then STATE["$w linux"]="na:$LINUX_NA"; else linux_names+=("$w"); fi
    done
fi

# Turn the transcript's lines into progress lines as they arrive.
kvm_progress() {
    local line where=$1 n=0 nl=0 round word status wall again= nk=${#kvm_words[@]}
    while IFS= read -r line; do
        printf '%s\n' "$line"
        case $line in
            "== guest "*)
                read -r _ _ round word status wall _ <<<"$line"
                ((RUNS > 1)) && again=" (run $round of $RUNS)"
                n=$((n % nk + 1))
                progress "[$((step + n))/$total] ${word%%=*} on ${LABEL[kvm]} ($where)$again ... ${wall:-?} s wall, status $status" ;;
            "== l1 "*)
                read -r _ _ round word status wall _ <<<"$line"
                ((RUNS > 1)) && again=" (run $round of $RUNS)"
                progress "[linux] $word: bvm jit in the sandbox machine itself$again ... ${wall:-?} s, status $status" ;;
            "vmlab-init: ready "*)
                progress "[linux] Linux is up: ${line#vmlab-init: }" ;;
            "== linux "*)
                read -r _ _ round word status wall _ <<<"$line"
                ((RUNS > 1)) && again=" (run $round of $RUNS)"
                nl=$((nl % ${#linux_names[@]} + 1))
                progress "[$((step + nk + nl))/$total] $word on ${LABEL[linux]} ($where)$again ... ${wall:-?} s in the guest, status $status" ;;
        esac
    done
}

if ((${#kvm_words[@]} + ${#linux_names[@]} > 0)); then
    transcript=$DEMO_BUILD/kvm.transcript
    kvm_list=$(IFS=,; echo "${kvm_words[*]:--}") linux_list=$(IFS=,; echo "${linux_names[*]:--}")
    if [[ $KVM_WHERE == direct ]]; then
        progress "[kvm] on /dev/kvm: ${kvm_words[*]:+the guest kernel for ${kvm_words[*]}}${linux_names[*]:+${kvm_words[*]:+, }one Linux boot for ${linux_names[*]}} ..."
        "$DEMO_BUILD/inside.sh" "$MEASURE" "$TIMEOUT" "$RUNS" "$MHV" "$MHV_GUESTS/kernel.elf" "$CYCLES" "$kvm_list" \
            - - "$LINUX_KERNEL" "$LINUX_FILES/initramfs.cpio" "$linux_list" | kvm_progress "/dev/kvm" >"$transcript"
        kvm_status=$?
    else
        progress "[kvm] booting the nested-KVM sandbox once for: ${kvm_words[*]:+the KVM guest (${kvm_words[*]})}${linux_names[*]:+${kvm_words[*]:+ and }Linux (${linux_names[*]})} (a few seconds to boot) ..."
        kvm_start=$SECONDS
        sandbox_args=(--add "$MHV:bin/mhv" --add "$MEASURE:bin/measure" --add "$DEMO_BUILD/inside.sh:bin/inside.sh")
        limit=0
        if ((${#kvm_words[@]})); then
            sandbox_args+=(--add "$CYCLES:bin/cycles" --add "$MHV_GUESTS/kernel.elf:g/kernel.elf")
            limit=$((TIMEOUT * RUNS + 300))
        fi
        # Linux, and mhv's 256 MiB for it, need more than the sandbox's default memory.
        if ((${#linux_names[@]})); then
            sandbox_args+=(--mem 768 --add "$BVM:bin/bvm" --add "$LINUX_FILES/vela:vela"
                           --add "$LINUX_KERNEL:g/vmlinux" --add "$LINUX_FILES/initramfs.cpio:g/initramfs.cpio")
            limit=$((limit + 2 * TIMEOUT * RUNS + 300))
        fi
        "$ROOT/tests/sandbox/kvm-sandbox.sh" --timeout "$limit" "${sandbox_args[@]}" \
            -- inside.sh /work/bin/measure "$TIMEOUT" "$RUNS" /work/bin/mhv /work/g/kernel.elf /work/bin/cycles "$kvm_list" \
            /work/bin/bvm /work/vela /work/g/vmlinux /work/g/initramfs.cpio "$linux_list" \
            2>"$DEMO_BUILD/kvm.err" | kvm_progress "sandbox" >"$transcript"
        kvm_status=$?
        progress "[kvm] sandbox done in $((SECONDS - kvm_start)) s"
    fi
    why=
    ((kvm_status != 0)) && why="$(if [[ $KVM_WHERE == sandbox ]]; then echo sandbox; else echo runs; fi) status $kvm_status"
    # The best cycle counts and wall time of each workload.
    for word in "${kvm_words[@]}"; do
        w=${word%%=*}
        ncyc=$(awk -v w="$w" '/^== / { inside = ($2 == "native"); next }
                   inside && index($0, w "(") == 1 { sub(/.*cycles=/, ""); print }' "$transcript" | sort -n | head -n 1)
        nres=$(awk -v w="$w" '/^== / { inside = ($2 == "native"); next }
                   inside && index($0, w "(") == 1 { sub(/ cycles=.*/, ""); print }' "$transcript" | head -n 1)
        gres=$(awk -v word="$word" '/^== / { inside = ($2 == "guest" && $4 == word); next }
                   inside && $0 ~ /^[a-z_0-9]+\(.* cycles=/ { sub(/ cycles=.*/, ""); print }' "$transcript" | sort -u)
        gcyc=$(awk -v word="$word" '/^== / { inside = ($2 == "guest" && $4 == word); next }
                   inside && $0 ~ /^[a-z_0-9]+\(.* cycles=/ { sub(/.*cycles=/, ""); print }' "$transcript" | sort -n | head -n 1)
        bad=$(awk -v word="$word" '$1 == "==" && $2 == "guest" && $4 == word && ($5 != 0 || $9 != "exit:0") { print $9 }' "$transcript" | head -n 1)
        wall=$(awk -v word="$word" '$1 == "==" && $2 == "guest" && $4 == word { print $6 }' "$transcript" | sort -n | head -n 1)
        if [[ -n $bad || -z $gres || -z $gcyc ]]; then
            STATE["$w kvm"]="fail:${bad:-${why:-no result line}}"
            [[ -n $bad ]] && STATE["$w kvm"]="fail:mhv ${bad/:/ }"
            continue
        fi
        if [[ $(wc -l <<<"$gres") -gt 1 ]]; then
            STATE["$w kvm"]=wrong RESULT["$w kvm"]=$(head -n 1 <<<"$gres")
            continue
        fi
        STATE["$w kvm"]=ok RESULT["$w kvm"]=$gres GCYC[$w]=$gcyc NCYC[$w]=${ncyc:-}
        if [[ -n $ncyc && $nres != "$gres" ]]; then
            STATE["$w kvm"]=wrong      # the guest and cycles disagree: show it
        fi
        if [[ $KVM_WHERE == direct ]]; then
            TIME["$w kvm"]=$wall
        elif [[ -n $ncyc && ${STATE["$w native"]} == ok ]]; then
            TIME["$w kvm"]=$(awk -v t="${TIME["$w native"]}" -v g="$gcyc" -v n="$ncyc" 'BEGIN { printf "%.6f", t * g / n }')
            EST["$w kvm"]=1
        fi
    done
    # Linux: each round's output and stderr (o| and e| lines of the section
    # KIND ROUND NAME) as OUT/NAME.FILE.ROUND and .err.ROUND; the best time.
    sections() {  # KIND NAME FILE
        awk -v kind="$1" -v w="$2" -v out="$OUT/$2.$3" '
            /^== / { inside = ($2 == kind && $4 == w); if (inside) { round = $3; printf "" >(out "." round); printf "" >(out ".err." round) }; next }
            inside && /^o\|/ { print substr($0, 3) >(out "." round) }
            inside && /^e\|/ { print substr($0, 3) >(out ".err." round) }' "$transcript"
    }
    linux_end=$(awk '$1 == "==" && $2 == "linux-end" { print $3 }' "$transcript")
    [[ -n $linux_end && $linux_end != 0 ]] && why="mhv status $linux_end"
    for w in "${linux_names[@]}"; do
        for kind in linux l1; do
            [[ $kind == l1 && $KVM_WHERE == direct ]] && continue
            file=linux where=""
            [[ $kind == l1 ]] && file=linux-l1 where="bvm in the sandbox machine: "
            sections "$kind" "$w" "$file"
            [[ -e $OUT/$w.$file.err.1 ]] && cp "$OUT/$w.$file.err.1" "$OUT/$w.linux.err"
            bad=$(awk -v kind="$kind" -v w="$w" '$1 == "==" && $2 == kind && $4 == w && ($5 != 0 || $9 != "exit:0") { print $9 }' "$transcript" | head -n 1)
            best=$(awk -v kind="$kind" -v w="$w" '$1 == "==" && $2 == kind && $4 == w { print $6 }' "$transcript" | sort -n | head -n 1)
            if [[ -n $bad ]]; then
                STATE["$w linux"]="fail:${where}bvm ${bad/:/ }"
            elif [[ -z $best || ! -e $OUT/$w.$file.1 ]]; then
                STATE["$w linux"]="fail:$where${why:-no result}"
            else
                cp "$OUT/$w.$file.1" "$OUT/$w.$file.out"
                for f in "$OUT/$w.$file".[0-9]*; do     # every round must print the same
                    cmp -s "$f" "$OUT/$w.$file.out" && continue
                    if [[ $kind == linux ]]; then STATE["$w linux"]=wrong; cp "$f" "$OUT/$w.linux.out"
                    else STATE["$w linux"]="fail:${where}its runs printed different results"; fi
                done
            fi
            [[ ${STATE["$w linux"]:-} == fail:* ]] && break
            if [[ $kind == linux ]]; then
                L2[$w]=$best
                [[ ${STATE["$w linux"]:-} == wrong ]] || STATE["$w linux"]=ok
            else
                L1[$w]=$best
            fi
        done
        [[ ${STATE["$w linux"]} == ok ]] || continue
        # A wrong result in Linux is the cell's first problem (the result
        # check below says what it printed); then what the estimate needs.
        if [[ ${STATE["$w native"]} == ok ]] && ! cmp -s "$OUT/$w.linux.out" "$OUT/$w.native.out"; then
            STATE["$w linux"]=wrong
        elif [[ $KVM_WHERE == direct ]]; then
            TIME["$w linux"]=${L2[$w]}
            [[ ${STATE["$w jit"]:-} == ok ]] && L1[$w]=${TIME["$w jit"]}
        elif [[ ${STATE["$w jit"]:-} != ok ]]; then
            STATE["$w linux"]="fail:no bvm jit time here to scale"
        elif ! cmp -s "$OUT/$w.jit.out" "$OUT/$w.native.out"; then
            STATE["$w linux"]="fail:bvm jit here printed '$(head -n 1 "$OUT/$w.jit.out")'"
        elif ! cmp -s "$OUT/$w.linux-l1.out" "$OUT/$w.native.out"; then
            STATE["$w linux"]="fail:bvm in the sandbox machine printed '$(head -n 1 "$OUT/$w.linux-l1.out")'"
        else
            TIME["$w linux"]=$(awk -v t="${TIME["$w jit"]}" -v a="${L2[$w]}" -v b="${L1[$w]}" 'BEGIN { printf "%.6f", t * a / b }')
            EST["$w linux"]=1
        fi
    done
    if [[ $kvm_status != 0 || ( -n $linux_end && $linux_end != 0 ) ]]; then
        echo "demo.sh: the KVM runs ended with status $kvm_status${linux_end:+, mhv running Linux with $linux_end}; the end of their output:" >&2
        tail -n 5 "$transcript" "$DEMO_BUILD/kvm.err" 2>/dev/null | sed 's/^/    /' >&2
    fi
fi

# ---- the result check ------------------------------------------------------------------------

# Native C must print NAME.expected (at the default size); every engine
# must print what native C printed.
declare -A EXPECTED_BAD=()
for w in $WORKLOADS; do
    if [[ ${STATE["$w native"]} == ok && -z ${SIZE[$w]:-} && -f ${SRC[$w]}/$w.expected ]] &&
        ! cmp -s "$OUT/$w.native.out" "${SRC[$w]}/$w.expected"; then
        STATE["$w native"]=wrong
        EXPECTED_BAD[$w]=$(head -n 1 "${SRC[$w]}/$w.expected")
    fi
    for e in $ENGINES; do
        [[ $e == native || ${STATE["$w $e"]:-} != ok ]] && continue
        if [[ ${STATE["$w native"]} == fail:* ]]; then continue; fi
        if [[ $e == kvm ]]; then
            [[ ${RESULT["$w kvm"]} == "$(head -n 1 "$OUT/$w.native.out")" ]] || STATE["$w kvm"]=wrong
        elif ! cmp -s "$OUT/$w.$e.out" "$OUT/$w.native.out"; then
            STATE["$w $e"]=wrong
        fi
    done
done

# ---- the table -------------------------------------------------------------------------------

cell_text() {
    local w=$1 e=$2 key="$1 $2" t r
    case ${STATE[$key]:-na:-} in
        na:*)   echo "${STATE[$key]#na:}" ;;
        wrong)  echo "WRONG" ;;
        fail:*) echo "FAIL" ;;
        ok)     t=$(fmt %.3f "${TIME[$key]:-0}")
                [[ -n ${EST[$key]:-} ]] && t="~$t"
                if [[ -n ${TIME[$key]:-} && ${STATE["$w native"]} == ok ]]; then
                    r=$(ratio_text "$(divide "${TIME[$key]}" "${TIME["$w native"]}")")
                    printf '%s %7s' "$t" "$r"
                else
                    echo "$t"
                fi ;;
    esac
}

# The geometric means, for engines that ran every workload right.
declare -A GTIME=() GRATIO=() GEST=()
for e in $ENGINES; do
    times=() ratios=() complete=1
    for w in $WORKLOADS; do
        if [[ ${STATE["$w $e"]:-} == ok && -n ${TIME["$w $e"]:-} && ${STATE["$w native"]} == ok ]]; then
            times+=("${TIME["$w $e"]}")
            ratios+=("$(divide "${TIME["$w $e"]}" "${TIME["$w native"]}")")
            [[ -n ${EST["$w $e"]:-} ]] && GEST[$e]=1
        else
            complete=0
        fi
    done
    if ((complete)); then
        GTIME[$e]=$(geomean "${times[@]}")
        GRATIO[$e]=$(geomean "${ratios[@]}")
    fi
done
geo_cell() {
    local t
    [[ -n ${GTIME[$1]:-} ]] || { echo -; return; }
    t=$(fmt %.3f "${GTIME[$1]}")
    [[ -n ${GEST[$1]:-} ]] && t="~$t"
    printf '%s %7s' "$t" "$(ratio_text "${GRATIO[$1]}")"
}

declare -A WIDTH=()
for e in $ENGINES; do
    width=${#LABEL[$e]}
    ((width < 15)) && width=15
    for w in $WORKLOADS; do cell=$(cell_text "$w" "$e"); ((${#cell} > width)) && width=${#cell}; done
    cell=$(geo_cell "$e"); ((${#cell} > width)) && width=${#cell}
    WIDTH[$e]=$width
done
row_width=10
for w in $WORKLOADS; do ((${#w} > row_width)) && row_width=${#w}; done

echo
echo "Time: wall seconds, best of $RUNS, and the ratio to native C (lower is better)"
printf '%-*s' "$row_width" workload
for e in $ENGINES; do printf '  %*s' "${WIDTH[$e]}" "${LABEL[$e]}"; done
echo
for w in $WORKLOADS; do
    printf '%-*s' "$row_width" "$w"
    for e in $ENGINES; do printf '  %*s' "${WIDTH[$e]}" "$(cell_text "$w" "$e")"; done
    echo
done
printf '%-*s' "$row_width" "geo. mean"
for e in $ENGINES; do printf '  %*s' "${WIDTH[$e]}" "$(geo_cell "$e")"; done
echo
sized=()
for w in $WORKLOADS; do [[ -n ${SIZE[$w]:-} ]] && sized+=("$w=${SIZE[$w]}"); done
((${#sized[@]})) && echo "Sizes: ${sized[*]} (the others at their own size)."
# estimated ENGINE: is one of ENGINE's cells an estimate?
estimated() {
    local w
    for w in $WORKLOADS; do [[ -n ${EST["$w $1"]:-} ]] && return 0; done
    return 1
}
if estimated kvm; then
    cat <<EOF
~ The KVM column is an estimate.  With no hardware KVM here, the guest ran in the
  nested-KVM sandbox, where the "host" is a CPU emulated by QEMU, so its wall
  time says nothing about real hardware.  What does carry over is the cost of
  hardware-assisted virtualization: the ratio of the guest's TSC cycles to
  the same C code's cycles natively in that same machine.  Shown: that ratio,
  and native C's time here multiplied by it.
EOF
fi
if estimated linux; then
    cat <<EOF
~ The bvm-in-Linux column is an estimate$(estimated kvm && echo " too, for the same reason"): with no hardware KVM
  here, Linux ran in the nested-KVM sandbox, on a CPU emulated by QEMU.  In the
  sandbox, bvm --jit=on ran each workload twice: in the sandbox machine itself,
  and in Linux booted there by mhv (one boot for all), each run timed by
  measure where it ran.  What carries over is the ratio of the two times, the
  cost of a kernel and a hypervisor under the same bvm.  Shown: bvm jit's
  time here multiplied by that ratio (both times are in the table below).
EOF
fi
if ((${#GCYC[@]} > 0)); then
    echo
    echo "KVM guest against native, TSC cycles, best of $RUNS ($([[ $KVM_WHERE == direct ]] && echo "on /dev/kvm" || echo "both inside the sandbox machine")):"
    printf '  %-*s %16s %16s %12s\n' "$row_width" workload "guest cycles" "native cycles" "guest/native"
    for w in $WORKLOADS; do
        [[ -n ${GCYC[$w]:-} ]] || continue
        r=-
        [[ -n ${NCYC[$w]:-} ]] && r=$(fmt %.2f "$(divide "${GCYC[$w]}" "${NCYC[$w]}")")
        printf '  %-*s %16s %16s %12s\n' "$row_width" "$w" "${GCYC[$w]}" "${NCYC[$w]:--}" "$r"
    done
fi
if ((${#L2[@]} > 0)); then
    echo
    if [[ $KVM_WHERE == direct ]]; then
        echo "bvm --jit=on in Linux on mhv against bvm jit here, wall seconds, best of $RUNS (on /dev/kvm):"
        printf '  %-*s %16s %16s %12s\n' "$row_width" workload "in Linux" "here" "Linux/here"
    else
        echo "bvm --jit=on in Linux on mhv against the sandbox machine itself, wall seconds, best of $RUNS:"
        printf '  %-*s %16s %16s %12s\n' "$row_width" workload "in Linux" "sandbox machine" "Linux/machine"
    fi
    for w in $WORKLOADS; do
        [[ -n ${L2[$w]:-} ]] || continue
        r=-
        [[ -n ${L1[$w]:-} ]] && r=$(fmt %.2f "$(divide "${L2[$w]}" "${L1[$w]}")")
        printf '  %-*s %16s %16s %12s\n' "$row_width" "$w" "$(fmt %.3f "${L2[$w]}")" \
            "$( [[ -n ${L1[$w]:-} ]] && fmt %.3f "${L1[$w]}" || echo -)" "$r"
    done
fi

# ---- the bar chart ---------------------------------------------------------------------------

# Per workload a bar per engine: time over native C, on a log scale that
# starts at half the smallest ratio (so native C's 1.00x is a bar too); the
# gnuplot chart below uses the same scale.
lo=1 hi=1
for w in $WORKLOADS; do
    for e in $ENGINES; do
        [[ ${STATE["$w $e"]:-} == ok && -n ${TIME["$w $e"]:-} && ${STATE["$w native"]} == ok ]] || continue
        r=$(divide "${TIME["$w $e"]}" "${TIME["$w native"]}")
        smaller "$r" "$lo" && lo=$r
        smaller "$hi" "$r" && hi=$r
    done
done
lo=$(awk -v l="$lo" 'BEGIN { printf "%.6f", l / 2 }')
bar_char='#'
[[ $(locale charmap 2>/dev/null) == UTF-8 ]] && bar_char='█'
BAR_WIDTH=50
label_width=0
for e in $ENGINES; do ((${#LABEL[$e]} > label_width)) && label_width=${#LABEL[$e]}; done
echo
echo "Time over native C, log scale: each bar from $(ratio_text "$lo") to its ratio; the longest is $(ratio_text "$hi")"
for w in $WORKLOADS; do
    first=1
    for e in $ENGINES; do
        head=$w; ((first)) || head=""; first=0
        if [[ ${STATE["$w $e"]:-} == ok && -n ${TIME["$w $e"]:-} && ${STATE["$w native"]} == ok ]]; then
            r=$(divide "${TIME["$w $e"]}" "${TIME["$w native"]}")
            n=$(awk -v r="$r" -v lo="$lo" -v hi="$hi" -v wd="$BAR_WIDTH" 'BEGIN {
                    n = int(wd * log(r / lo) / log(hi / lo) + 0.5); print (n < 1 ? 1 : n) }')
            bar=$(printf "%${n}s" "" | sed "s/ /$bar_char/g")
            mark=$(ratio_text "$r"); [[ -n ${EST["$w $e"]:-} ]] && mark="~$mark"
            printf '%-*s %-*s %s %s\n' "$row_width" "$head" "$label_width" "${LABEL[$e]}" "$bar" "$mark"
        else
            printf '%-*s %-*s %s\n' "$row_width" "$head" "$label_width" "${LABEL[$e]}" "$(cell_text "$w" "$e")"
        fi
    done
done

# ---- the result check, shown -------------------------------------------------------------------

echo
echo "Result check: every engine must print what native C printed, and native C"
echo "what NAME.expected says (at the default size)."
for w in $WORKLOADS; do
    problems=()
    for e in $ENGINES; do
        case ${STATE["$w $e"]:-} in
            wrong)
                if [[ $e == native ]]; then
                    problems+=("native C printed '$(head -n 1 "$OUT/$w.native.out")', $w.expected says '${EXPECTED_BAD[$w]}'")
                elif [[ $e == kvm ]]; then
                    problems+=("${LABEL[$e]} printed '${RESULT["$w kvm"]}'")
                else
                    problems+=("${LABEL[$e]} printed '$(head -n 1 "$OUT/$w.$e.out")'")
                fi ;;
            fail:*)
                problems+=("${LABEL[$e]} failed (${STATE["$w $e"]#fail:})")
                [[ -s $OUT/$w.$e.err ]] && problems+=("$(tail -n 3 "$OUT/$w.$e.err" | sed 's/^/    | /')") ;;
        esac
    done
    reference=$(head -n 1 "$OUT/$w.native.out" 2>/dev/null)
    if ((${#problems[@]} == 0)); then
        agree=0
        for e in $ENGINES; do [[ ${STATE["$w $e"]} == ok ]] && agree=$((agree + 1)); done
        printf '  %-*s %-34s ok: %d engines agree\n' "$row_width" "$w" "$reference" "$agree"
    else
        FAILURES=$((FAILURES + 1))
        printf '  %-*s %-34s MISMATCH:\n' "$row_width" "$w" "${reference:-(native C printed nothing)}"
        printf '      %s\n' "${problems[@]}"
    fi
done

# ---- CSV, JSON, the chart ----------------------------------------------------------------------

# One record per cell and per engine's geometric mean ("geomean" rows):
# workload, engine, size, status, seconds, ratio_to_native, estimated,
# guest_cycles, native_cycles, result.
records() {
    local w e size status seconds ratio est gc nc result
    for w in $WORKLOADS geomean; do
        for e in $ENGINES; do
            size=${SIZE[$w]:-} gc= nc= result= est=false seconds= ratio=
            if [[ $w == geomean ]]; then
                size=
                if [[ -n ${GTIME[$e]:-} ]]; then status=ok seconds=${GTIME[$e]} ratio=${GRATIO[$e]}; else status=n/a; fi
                [[ -n ${GEST[$e]:-} ]] && est=true
            else
                [[ -z $size ]] && size=$(sed -nE 's/^int SIZE = ([0-9]+);.*/\1/p' "${VELA[$w]}" | head -n 1)
                status=${STATE["$w $e"]:-n/a}
                case $status in na:*) status=n/a ;; fail:*) status=fail ;; esac
                if [[ $status == ok && -n ${TIME["$w $e"]:-} ]]; then
                    seconds=${TIME["$w $e"]}
                    [[ ${STATE["$w native"]} == ok ]] && ratio=$(divide "$seconds" "${TIME["$w native"]}")
                fi
                [[ -n ${EST["$w $e"]:-} ]] && est=true
                if [[ $e == kvm ]]; then gc=${GCYC[$w]:-} nc=${NCYC[$w]:-}; result=${RESULT["$w kvm"]:-}
                elif [[ -s $OUT/$w.$e.out ]]; then result=$(head -n 1 "$OUT/$w.$e.out"); fi
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$e" "$size" "$status" "$seconds" "$ratio" "$est" "$gc" "$nc" "$result"
        done
    done
}
if [[ -n $CSV || -n $JSON ]]; then
    records >"$DEMO_BUILD/records.tsv"
fi
if [[ -n $CSV ]]; then
    {
        echo "workload,engine,size,status,seconds,ratio_to_native,estimated,guest_cycles,native_cycles,result"
        awk -F'\t' -v OFS=, '{ gsub(/"/, "\"\"", $10); $10 = "\"" $10 "\""; print }' "$DEMO_BUILD/records.tsv"
    } >"$CSV" || { echo "demo.sh: cannot write $CSV" >&2; exit 1; }
    echo
    echo "CSV written to $CSV"
fi
if [[ -n $JSON ]]; then
    linux_where=none
    [[ " $ENGINES " == *" linux "* && -z $LINUX_NA ]] && linux_where=${KVM_WHERE:-none}
    awk -F'\t' -v runs="$RUNS" -v kvm="${KVM_WHERE:-none}" -v linux="$linux_where" -v host="$(nproc) CPU(s)" '
        function str(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
        function num(s) { return s == "" ? "null" : s }
        BEGIN { printf "{\n  \"runs\": %d,\n  \"kvm\": %s,\n  \"linux\": %s,\n  \"machine\": %s,\n  \"cells\": [", runs, str(kvm), str(linux), str(host) }
        {
            printf "%s\n    {\"workload\": %s, \"engine\": %s, \"size\": %s, \"status\": %s, \"seconds\": %s, " \
                   "\"ratio_to_native\": %s, \"estimated\": %s, \"guest_cycles\": %s, \"native_cycles\": %s, \"result\": %s}",
                   (NR > 1 ? "," : ""), str($1), str($2), num($3), str($4), num($5), num($6), $7, num($8), num($9), str($10)
        }
        END { printf "\n  ]\n}\n" }' "$DEMO_BUILD/records.tsv" >"$JSON" || { echo "demo.sh: cannot write $JSON" >&2; exit 1; }
    echo "JSON written to $JSON"
fi

# ", KVM guest and bvm in Linux on mhv estimated" for the chart's title.
estimated_labels() {
    local e names=()
    for e in kvm linux; do estimated "$e" && names+=("${LABEL[$e]}"); done
    case ${#names[@]} in
        1) echo ", ${names[0]} estimated" ;;
        2) echo ", ${names[0]} and ${names[1]} estimated" ;;
    esac
}
chart_file=$CHART
[[ -z $chart_file ]] && chart_file=$DEMO_BUILD/demo.svg
echo
if ! command -v "$GNUPLOT" >/dev/null 2>&1; then
    echo "Chart: not written: gnuplot is not installed (apt-get install gnuplot-nox, then run again)."
else
    # Rows: workloads; columns: engines; values: ratio to native (- when none).
    {
        printf 'workload'; for e in $ENGINES; do printf '\t"%s"' "${LABEL[$e]}"; done; echo
        for w in $WORKLOADS; do
            printf '%s' "$w"
            for e in $ENGINES; do
                if [[ ${STATE["$w $e"]:-} == ok && -n ${TIME["$w $e"]:-} && ${STATE["$w native"]} == ok ]]; then
                    printf '\t%s' "$(divide "${TIME["$w $e"]}" "${TIME["$w native"]}")"
                else
                    printf '\t-'
                fi
            done
            echo
        done
    } >"$DEMO_BUILD/chart.dat"
    ncols=$(wc -w <<<"$ENGINES")
    if [[ $chart_file == *.png ]]; then terminal="pngcairo size 900,500"; else terminal="svg size 900,500 dynamic"; fi
    [[ $chart_file == *.png ]] && ! "$GNUPLOT" -e 'set terminal pngcairo' 2>/dev/null && terminal="png size 900,500"
    mkdir -p "$(dirname "$chart_file")"
    if "$GNUPLOT" 2>"$DEMO_BUILD/gnuplot.err" <<EOF
set terminal $terminal
set output "$chart_file"
set title "Time over native C (log scale; lower is better)$(estimated_labels)"
set datafile missing "-"
set datafile separator "\t"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [$lo:*]
set grid ytics
set ylabel "time / native C"
set key outside right top
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2
plot for [i=2:$((ncols + 1))] "$DEMO_BUILD/chart.dat" using i:xtic(1) title columnheader(i)
EOF
    then
        echo "Chart: written to ${chart_file#"$ROOT"/}"
    else
        echo "Chart: gnuplot could not write $chart_file:"
        sed 's/^/    /' "$DEMO_BUILD/gnuplot.err" | head -n 5
    fi
fi

echo
if ((FAILURES > 0)); then
    echo "demo: $FAILURES workload(s) with a wrong or missing result: see MISMATCH above"
    exit 1
fi
echo "demo: every engine printed the same result as native C."
echo "Next: 'make bench' adds Lua, LuaJIT and Java and measures more carefully (docs/benchmarks.md)."
exit 0
