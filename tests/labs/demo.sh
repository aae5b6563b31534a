#!/usr/bin/env bash
#
# demo.sh -- the side-by-side demo (scripts/demo.sh, `make demo`), at small
# sizes (--quick), on every engine, the KVM guest and bvm in Linux on mhv
# included (in the nested-KVM sandbox when this machine has no /dev/kvm:
# one sandbox boot for both, and in it one Linux boot):
#   - the table has a column per engine, a row per workload and a geometric
#     mean, the bar chart a bar per engine, the result check says every
#     engine agreed, and the demo exits 0;
#   - in the sandbox, the KVM and Linux columns are marked as estimates
#     ("~", a note each), with the cycles and the Linux/sandbox-machine
#     times they come from;
#   - the CSV and the JSON parse and hold the same cells as each other;
#   - a wrong result is caught: a workload folder (--workload-dir) whose
#     Vela copy computes something else (bvm here and in Linux print the
#     wrong sum), and one whose NAME.expected is wrong, each make the demo
#     print MISMATCH and exit 1;
#   - without a Linux kernel (scripts/linux-kernel.sh fails) the Linux
#     column says n/a and why, and the demo exits 0;
#   - bad flags, unknown workloads and engines exit 2 with a message.
# Ends with "demo: N passed, N failed".
#
# Environment: BVM, MHV, MHV_GUESTS, CYCLES (as make check passes them).

set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

. tests/labs/lib.sh
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-demo.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export DEMO_BUILD=$scratch/build

# check WHAT COMMAND...: one check, passed when COMMAND exits 0.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what" "failed: $*"; fi
}

# demo NAME ARGS...: run the demo, stdout in $scratch/NAME.out, stderr in
# $scratch/NAME.err, status in $status.
demo() {
    local name=$1
    shift
    bash scripts/demo.sh "$@" >"$scratch/$name.out" 2>"$scratch/$name.err" </dev/null
    status=$?
}
has() { grep -qF -- "$2" "$scratch/$1"; }

# ---- usage errors: status 2 and a message ------------------------------------

while IFS='|' read -r args message; do
    # shellcheck disable=SC2086  # the arguments, as words
    demo usage $args
    if [ "$status" -eq 2 ] && has usage.err "$message"; then
        ok "demo.sh $args: status 2, '$message'"
    else
        not_ok "demo.sh $args: status 2, '$message'" "status $status; stderr:" "$(head -n 3 "$scratch/usage.err")"
    fi
done <<'EOF'
--frobnicate|unknown option '--frobnicate'
--workloads fib,nosuch|unknown workload 'nosuch'
--engines jit,pypy|unknown engine 'pypy'
--runs 0|--runs wants a positive whole number
--sizes fib|--sizes wants NAME=N
--sizes loop=5 --workloads fib|'loop' is not among the workloads
--chart chart.txt|--chart wants a file name ending in .svg or .png
--csv|--csv needs a value
EOF
demo help --help
if [ "$status" -eq 0 ] && has help.out "usage" && has help.out "--workload-dir"; then
    ok "demo.sh --help: status 0, the options"
else
    not_ok "demo.sh --help: status 0, the options" "status $status"
fi

# ---- the whole demo, small sizes -----------------------------------------------

demo quick --quick --csv "$scratch/demo.csv" --json "$scratch/demo.json"
if [ "$status" -eq 0 ] && has quick.out "demo: every engine printed the same result as native C."; then
    ok "demo.sh --quick: every engine agrees, status 0"
else
    not_ok "demo.sh --quick: every engine agrees, status 0" "status $status; the end of its output:" \
        "$(tail -n 12 "$scratch/quick.out")" "$(tail -n 5 "$scratch/quick.err")"
fi
header=$(grep -A1 '^Time: wall seconds' "$scratch/quick.out" | tail -n 1)
missing=""
for label in "bvm switch" "bvm threaded" "bvm jit" "bvm in Linux on mhv" "KVM guest" "native C"; do
    [[ $header == *"$label"* ]] || missing="$missing '$label'"
done
[ -z "$missing" ] && ok "the table has a column per engine" || not_ok "the table has a column per engine" "missing:$missing" "$header"
rows=0
for w in fib loop sieve matmul trees; do
    # a row: the name, then per engine "SECONDS RATIOx" (~ before an estimate)
    grep -Eq "^$w( +~?[0-9]+\.[0-9]{3} +[0-9.]+x){6}\$" "$scratch/quick.out" && rows=$((rows + 1))
done
[ "$rows" -eq 5 ] && ok "the table has a row of times and ratios per workload" ||
    not_ok "the table has a row of times and ratios per workload" "$rows of 5 rows found"
check "the table ends with a geometric-mean row" grep -Eq '^geo\. mean( +~?[0-9]+\.[0-9]{3} +[0-9.]+x){6}$' "$scratch/quick.out"
check "native C's ratio to itself is 1.00x" grep -Eq '^fib .* 1\.00x$' "$scratch/quick.out"
agree=$(grep -Ec '^  [a-z]+ +[a-z]+\([0-9]+\) = -?[0-9]+ +ok: 6 engines agree$' "$scratch/quick.out")
[ "$agree" -eq 5 ] && ok "the result check: 6 engines agree on each workload" ||
    not_ok "the result check: 6 engines agree on each workload" "$agree of 5 lines" \
        "$(grep -A6 '^Result check' "$scratch/quick.out")"
bars=$(grep -Ec '^([a-z]+)? +(bvm switch|bvm threaded|bvm jit|bvm in Linux on mhv|KVM guest|native C) +(#|█)+ ~?[0-9.]+x$' "$scratch/quick.out")
[ "$bars" -eq 30 ] && ok "the bar chart has a bar per engine and workload" ||
    not_ok "the bar chart has a bar per engine and workload" "$bars of 30 bars"
progress=$(grep -Ec '^\[[0-9]+/30\] [a-z]+ on .* \.\.\. ' "$scratch/quick.err")
[ "$progress" -eq 30 ] && ok "progress: a line per cell on stderr" || not_ok "progress: a line per cell on stderr" "$progress of 30 lines"
# The columns' order is switch threaded jit linux kvm native: in the
# sandbox, "~" before the Linux and KVM cells and no others; on /dev/kvm none.
cell='[0-9]+\.[0-9]{3} +[0-9.]+x'
estimated_rows=$(grep -Ec "^[a-z]+( +$cell){3} +~$cell +~$cell +[0-9]+\.[0-9]{3} +1\.00x\$" "$scratch/quick.out")
measured_rows=$(grep -Ec "^[a-z]+( +$cell){6}\$" "$scratch/quick.out")
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then
    check "KVM: the guest and Linux ran on /dev/kvm, and the output says so" \
        has quick.out "this machine has /dev/kvm: the guest and Linux run on it"
    [ "$measured_rows" -eq 5 ] && ok "Linux: on /dev/kvm the column is measured, not estimated (no ~)" ||
        not_ok "Linux: on /dev/kvm the column is measured, not estimated (no ~)" "$measured_rows of 5 rows"
    check "Linux: bvm's time in Linux against here, per workload" \
        grep -Eq '^  trees +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{2}$' "$scratch/quick.out"
else
    check "KVM: the output says the guest and Linux ran in the nested-KVM sandbox" \
        has quick.out "the guest and Linux run in the nested-KVM sandbox"
    check "KVM: the sandbox column is marked as an estimate, with its footnote" \
        grep -Eq '^~ The KVM column is an estimate' "$scratch/quick.out"
    [ "$estimated_rows" -eq 5 ] && ok "Linux and KVM: their cells, and only theirs, are marked as estimates (~)" ||
        not_ok "Linux and KVM: their cells, and only theirs, are marked as estimates (~)" "$estimated_rows of 5 rows" \
            "$(grep -A6 '^Time: wall seconds' "$scratch/quick.out")"
    check "Linux: the column's footnote says how it is estimated" \
        grep -Eq '^~ The bvm-in-Linux column is an estimate too' "$scratch/quick.out"
    check "Linux: bvm's time in Linux and in the sandbox machine, per workload" \
        grep -Eq '^  trees +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{2}$' "$scratch/quick.out"
    boots=$(grep -c 'booting the nested-KVM sandbox once' "$scratch/quick.err")
    [ "$boots" -eq 1 ] && ok "KVM: one sandbox boot for all workloads, the guest's and Linux's" ||
        not_ok "KVM: one sandbox boot for all workloads, the guest's and Linux's" "$boots boots"
fi
ups=$(grep -c '^\[linux\] Linux is up' "$scratch/quick.err")
[ "$ups" -eq 1 ] && ok "Linux: one boot ran every workload" || not_ok "Linux: one boot ran every workload" "$ups boots"
check "KVM: guest and native cycles, per workload" grep -Eq '^  trees +[0-9]+ +[0-9]+ +[0-9]+\.[0-9]{2}$' "$scratch/quick.out"
# The chart: by gnuplot when there is one (make check installs it); and
# without it, a line saying so and how to get it (a cheap second run).
if command -v gnuplot >/dev/null 2>&1; then
    check "the chart: written by gnuplot to build/demo/demo.svg" grep -q '<svg' "$DEMO_BUILD/demo.svg"
else
    not_ok "the chart: written by gnuplot" "gnuplot is not installed (scripts/deps.sh demo installs gnuplot-nox)"
fi
GNUPLOT=/nonexistent/gnuplot DEMO_BUILD=$scratch/nognuplot bash scripts/demo.sh --quick --engines native --workloads fib \
    >"$scratch/nognuplot.out" 2>&1 </dev/null
check "the chart: not written without gnuplot, and the demo says how to get it" \
    has nognuplot.out "Chart: not written: gnuplot is not installed (apt-get install gnuplot-nox"

# CSV and JSON: parse both, the same 36 records (30 cells, 6 means).
if python3 -c 'import csv, json' 2>/dev/null; then
    if python3 - "$scratch/demo.csv" "$scratch/demo.json" >"$scratch/compare.out" 2>&1 <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
doc = json.load(open(sys.argv[2]))
cells = doc["cells"]
assert len(rows) == 36 and len(cells) == 36, (len(rows), len(cells))
for row, cell in zip(rows, cells):
    for key in ("workload", "engine", "status", "result"):
        assert row[key] == str(cell[key]), (key, row, cell)
    for key in ("seconds", "ratio_to_native", "size", "guest_cycles", "native_cycles"):
        assert (row[key] == "") == (cell[key] is None), (key, row, cell)
        if row[key]:
            assert abs(float(row[key]) - float(cell[key])) < 1e-9, (key, row, cell)
    assert row["estimated"] == str(cell["estimated"]).lower()
assert all(c["status"] == "ok" for c in cells), [c for c in cells if c["status"] != "ok"]
native = [c for c in cells if c["engine"] == "native" and c["workload"] != "geomean"]
assert all(abs(c["ratio_to_native"] - 1) < 1e-9 for c in native)
kvm = [c for c in cells if c["engine"] == "kvm" and c["workload"] != "geomean"]
assert all(c["guest_cycles"] > 0 and c["native_cycles"] > 0 for c in kvm)
linux = [c for c in cells if c["engine"] == "linux"]
assert len(linux) == 6 and doc["linux"] in ("direct", "sandbox"), doc["linux"]
assert all(c["estimated"] == (doc["linux"] == "sandbox") for c in linux), linux
assert all(c["result"] == n["result"] for c, n in zip(linux, native)), linux
print("ok")
EOF
    then
        ok "the CSV and the JSON parse, and agree cell by cell (36 records)"
    else
        not_ok "the CSV and the JSON parse, and agree cell by cell (36 records)" "$(tail -n 3 "$scratch/compare.out")"
    fi
else
    not_ok "the CSV and the JSON parse, and agree" "python3 is needed to read them"
fi

# ---- a wrong result is caught ---------------------------------------------------------

# A workload folder whose Vela fib adds one too many: the interpreters,
# and bvm in Linux, print something else than native C.
mkdir -p "$scratch/wrong" "$scratch/expected"
cp workloads/fib.c workloads/fib.expected "$scratch/wrong/"
sed 's/return fib(n - 1) + fib(n - 2);/return fib(n - 1) + fib(n - 2) + 1;/' workloads/fib.vela >"$scratch/wrong/fib.vela"
demo wrong --workload-dir "$scratch/wrong" --workloads fib --sizes fib=20 --engines switch,linux,kvm,native
if [ "$status" -eq 1 ] && grep -Eq '^  fib +fib\(20\) = 6765 +MISMATCH:' "$scratch/wrong.out" &&
    grep -Eq "^      bvm switch printed 'fib\(20\) = 17710'" "$scratch/wrong.out" &&
    grep -Eq "^      bvm in Linux on mhv printed 'fib\(20\) = 17710'" "$scratch/wrong.out" &&
    grep -Eq '^fib +WRONG +WRONG +n/a \(not in the guest kernel\) ' "$scratch/wrong.out"; then
    ok "a Vela program that computes something else: MISMATCH, status 1"
else
    not_ok "a Vela program that computes something else: MISMATCH, status 1" "status $status" \
        "$(grep -A3 '^Result check' "$scratch/wrong.out")"
fi
check "a workload from --workload-dir: the KVM guest cannot run it (n/a)" has wrong.out "n/a (not in the guest kernel)"

# No Linux kernel: its cache folder cannot even be made (a file is in the
# way), so scripts/linux-kernel.sh fails at once, before any download.
: >"$scratch/not-a-folder"
DEMO_KERNEL_DIR=$scratch/not-a-folder/kernel demo nokernel --quick --workloads fib --engines linux,native
if [ "$status" -eq 0 ] && grep -Eq '^fib +n/a \(no Linux kernel\) +[0-9]+\.[0-9]{3} +1\.00x$' "$scratch/nokernel.out" &&
    has nokernel.out "scripts/linux-kernel.sh $scratch/not-a-folder/kernel failed: linux-kernel: cannot create the folder"; then
    ok "no Linux kernel: the column says n/a and why, status 0"
else
    not_ok "no Linux kernel: the column says n/a and why, status 0" "status $status" \
        "$(grep -B3 -A3 '^fib ' "$scratch/nokernel.out")"
fi

# A folder whose loop.expected is wrong: native C itself fails the check.
cp workloads/loop.c workloads/loop.vela "$scratch/expected/"
echo "loop(80000000) = 42" >"$scratch/expected/loop.expected"
demo expected --workload-dir "$scratch/expected" --workloads loop --engines native
if [ "$status" -eq 1 ] && has expected.out "native C printed 'loop(80000000) = 39959772570', loop.expected says 'loop(80000000) = 42'"; then
    ok "native C against a wrong NAME.expected: MISMATCH, status 1"
else
    not_ok "native C against a wrong NAME.expected: MISMATCH, status 1" "status $status" \
        "$(grep -A3 '^Result check' "$scratch/expected.out")"
fi

finish demo

