#!/usr/bin/env bash
# hv-bench.sh -- what the mini-hypervisor costs, measured on real KVM.
#
#   scripts/hv-bench.sh [--runs N] [--sizes "fib=30 loop=..."]
#
# Four figures, each the best (or median) of N runs taken in one session:
#   - time from `mhv run` to the guest's first console byte (mhv --stats),
#     for the real-mode hello16 and the long-mode guest kernel;
#   - VM exits per second for a port-I/O loop (guest/flat/ioloop.S: 50,000 outs);
#   - mhv's own memory: its peak RSS minus the guest RAM the guest touched;
#   - each lab workload's TSC cycles inside the guest kernel next to the same
#     C code run natively on the same (virtual) machine (workloads/cycles.c).
#
# Where: on /dev/kvm when this machine has it, else inside the nested-KVM
# sandbox (tests/sandbox/kvm-sandbox.sh), in one boot.  In the sandbox the
# "host" is QEMU's emulated CPU and the guest runs nested inside it, so the
# ratios, not the absolute numbers, are what carry over to real hardware;
# the output says where it ran.
#
# Environment: MHV (default bin/mhv), MHV_GUESTS (default
# build/release/guest), CYCLES (default build/release/workloads/cycles).
# Exit status: 0, or 1 when a run failed or printed something unexpected.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
MHV=${MHV:-bin/mhv}
MHV_GUESTS=${MHV_GUESTS:-build/release/guest}
CYCLES=${CYCLES:-build/release/workloads/cycles}
RUNS=3
SIZES="fib loop sieve matmul trees"

while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
        --sizes) SIZES=${2:?--sizes needs a list}; shift 2 ;;
        *) echo "usage: scripts/hv-bench.sh [--runs N] [--sizes \"fib=30 ...\"]" >&2; exit 2 ;;
    esac
done
for program in "$MHV" "$CYCLES" "$MHV_GUESTS/hello16.bin" "$MHV_GUESTS/ioloop.bin" "$MHV_GUESTS/kernel.elf"; do
    [ -e "$program" ] || { echo "hv-bench: $program is missing: run make first" >&2; exit 1; }
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/hv-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# The part that runs on KVM.  Sections: "== NAME RUN STATUS", then lines.
cat >"$scratch/inside.sh" <<'EOF_INSIDE'
#!/bin/sh
# inside.sh MHV GUESTS CYCLES RUNS SIZES
mhv=$1 G=$2 cycles=$3 runs=$4 sizes=$5
i=1
while [ "$i" -le "$runs" ]; do
    "$mhv" run --stats "$G/hello16.bin" >/dev/null 2>/tmp/e; echo "== hello16 $i $?"; cat /tmp/e
    "$mhv" run --stats --cmdline exit=0 "$G/kernel.elf" >/dev/null 2>/tmp/e; echo "== kernel-boot $i $?"; cat /tmp/e
    "$mhv" run --stats "$G/ioloop.bin" >/dev/null 2>/tmp/e; echo "== ioloop $i $?"; cat /tmp/e
    "$cycles" $sizes >/tmp/o 2>&1; echo "== native $i $?"; cat /tmp/o
    "$mhv" run --stats --cmdline "$sizes" "$G/kernel.elf" >/tmp/o 2>/tmp/e; echo "== guest $i $?"; cat /tmp/o /tmp/e
    i=$((i + 1))
done
EOF_INSIDE
chmod +x "$scratch/inside.sh"

if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then  # kvm_pvm: docs/no-kvm.md
    where="on /dev/kvm, $(uname -m)"
    "$scratch/inside.sh" "$MHV" "$MHV_GUESTS" "$CYCLES" "$RUNS" "$SIZES" >"$scratch/transcript" ||
        { echo "hv-bench: the runs failed" >&2; exit 1; }
else
    where="in the nested-KVM sandbox (QEMU TCG with SVM: the guest is nested inside an emulated CPU)"
    tests/sandbox/kvm-sandbox.sh --timeout 1800 --add "$MHV:bin/mhv" --add "$CYCLES:bin/cycles" \
        --add "$MHV_GUESTS/hello16.bin:g/hello16.bin" --add "$MHV_GUESTS/ioloop.bin:g/ioloop.bin" \
        --add "$MHV_GUESTS/kernel.elf:g/kernel.elf" --add "$scratch/inside.sh:bin/inside.sh" \
        -- inside.sh /work/bin/mhv /work/g /work/bin/cycles "$RUNS" "$SIZES" >"$scratch/transcript" ||
        { echo "hv-bench: the sandbox run failed" >&2; exit 1; }
fi

# Every run must have ended with status 0.
if awk '/^== / && $4 != 0 { bad = 1; print "hv-bench: " $2 " run " $3 " ended with status " $4 > "/dev/stderr" }
        END { exit !bad }' "$scratch/transcript"; then
    exit 1
fi

# values SECTION AWK-EXPRESSION-ON-MATCHING-LINES PATTERN: one value per run.
values() {
    awk -v want="$1" -v pattern="$2" -v field="$3" '
        /^== / { inside = ($2 == want); next }
        inside && $0 ~ pattern { print $field }' "$scratch/transcript"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
best() { sort -n | head -n 1; }

echo
echo "mhv on KVM -- $where"
echo "($RUNS runs of each, $(date -u +%Y-%m-%d))"
echo
printf '  %-58s %s\n' "time from \`mhv run\` to the first console byte (median):" ""
printf '    %-56s %8.1f ms\n' "hello16, real mode, port 0xE9" \
    "$(values hello16 'first console byte' 4 | median)"
printf '    %-56s %8.1f ms\n' "guest kernel, long mode, UART" \
    "$(values kernel-boot 'first console byte' 4 | median)"
exits_per_second=$(values ioloop 'exits/s' 8 | tr -d '(' | sort -n | tail -n 1)
handling=$(values ioloop '^  IO ' 4 | best)
printf '  %-58s %8s exits/s\n' "port-I/O loop, best run:" "$exits_per_second"
printf '  %-58s %8s us per exit\n' "  of which handling the exit in mhv (best):" "$handling"
printf '  %-58s %8s KiB\n' "mhv's own memory, kernel run (max RSS - guest RAM touched):" \
    "$(values guest "mhv's own" 13 | sort -n | tail -n 1)"
echo
printf '  %-18s %16s %16s %10s\n' "workload" "guest cycles" "native cycles" "guest/native"
# The workloads in the order they ran (the first native run's).
for name in $(values native 'cycles=' 0 | sed 's/(.*//' | awk '!seen[$0]++'); do
    guest=$(values guest "^$name\\(" 0 | sed 's/.*cycles=//' | best)
    native=$(values native "^$name\\(" 0 | sed 's/.*cycles=//' | best)
    guest_result=$(values guest "^$name\\(" 0 | sed 's/ cycles=.*//' | sort -u)
    native_result=$(values native "^$name\\(" 0 | sed 's/ cycles=.*//' | sort -u)
    if [ "$guest_result" != "$native_result" ]; then
        echo "hv-bench: $name: the guest printed '$guest_result', native C '$native_result'" >&2
        exit 1
    fi
    printf '  %-18s %16s %16s %10s\n' "${native_result%% =*}" "$guest" "$native" \
        "$(awk -v g="$guest" -v n="$native" 'BEGIN { printf "%.2f", g / n }')"
done
