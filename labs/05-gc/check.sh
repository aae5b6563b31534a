#!/usr/bin/env bash
# check.sh -- lab 5's checker: garbage collection.
#
# The student's jobs.vela must print the line it always printed, build
# every tree it always built, and keep no more alive than it needs: its
# peak live bytes (bvm --gc-stats) must stay within the collector's first
# threshold, and it must run under --heap 384K, where the program as handed
# out fails with "out of memory".  Numbers in the answers that are not
# properties of jobs.vela itself are computed here from fresh runs.
# Scratch files go to $LAB_TMP only.
# shellcheck source=../lib/grade.sh
. "$(dirname "$0")/../lib/grade.sh"

lab_begin 5 "garbage collection"
lab_need bvm

JOBS=$LAB_DIR/jobs.vela
T=$LAB_TMP
EXPECTED='jobs = 300, nodes = 690516, largest = 8191'
HEAP=384K
# BVM_GC_MIN_THRESHOLD in bytecode-vm/runtime/heap.h, read from the tree graded.
THRESHOLD=$(sed -nE 's/^#define BVM_GC_MIN_THRESHOLD \(1u << ([0-9]+)\).*/\1/p' "$LAB_ROOT/bytecode-vm/runtime/heap.h")
THRESHOLD=$((1 << ${THRESHOLD:-20}))

# The value of a `gc: NAME   VALUE` line of --gc-stats output in file $1.
gc_stat() { sed -nE "s/^gc: $2 +([0-9]+).*/\\1/p" "$1" | head -n 1; }

# 1. The same result.
timeout 60 "$BVM" run --gc-stats "$JOBS" >"$T/out" 2>"$T/stats"
status=$?
if [ $status -eq 0 ] && [ "$(cat "$T/out")" = "$EXPECTED" ]; then
    lab_pass "jobs.vela prints '$EXPECTED'" 2
else
    printf 'status %s, output:\n' "$status" | cat - "$T/out" "$T/stats" >"$T/why"
    lab_fail_file "jobs.vela prints '$EXPECTED'" 2 "it printed something else" "$T/why"
fi

# 2. The same work: every tree is still built (one object per node).
nodes=$(sed -nE 's/.*nodes = ([0-9]+).*/\1/p' "$T/out")
objects=$(sed -nE 's/^gc: bytes allocated +[0-9]+ \(([0-9]+) objects\).*/\1/p' "$T/stats")
if [ -n "$nodes" ] && [ -n "$objects" ] && [ "$objects" -ge "$nodes" ]; then
    lab_pass "jobs.vela still builds every tree ($objects objects allocated)" 1
else
    lab_fail "jobs.vela still builds every tree" 1 \
        "it allocated ${objects:-?} objects for ${nodes:-?} tree nodes: keep the work, drop only the references"
fi

# 3. Peak live bytes within the first collection threshold.
peak=$(sed -nE 's/^gc: live bytes at exit +[0-9]+ \(peak ([0-9]+)\).*/\1/p' "$T/stats")
if [ -n "$peak" ] && [ "$peak" -le "$THRESHOLD" ]; then
    lab_pass "peak live bytes $peak <= $THRESHOLD (bvm run --gc-stats)" 3
else
    lab_fail "peak live bytes <= $THRESHOLD (bvm run --gc-stats)" 3 \
        "the peak was ${peak:-?} bytes: the heap grew past the collector's first threshold, so collections found too much alive"
fi

# 4. It fits in a small heap.
timeout 60 "$BVM" run --heap "$HEAP" "$JOBS" >"$T/small.out" 2>&1
status=$?
if [ $status -eq 0 ] && [ "$(cat "$T/small.out")" = "$EXPECTED" ]; then
    lab_pass "jobs.vela runs with --heap $HEAP" 4
else
    lab_fail_file "jobs.vela runs with --heap $HEAP" 4 "status $status" "$T/small.out"
fi

# Questions about jobs.vela as handed out: names in the program.
lab_answer Q1 1 '(^|[^A-Za-z0-9_])log([^A-Za-z0-9_]|$)' "which global variable is the root?"
lab_answer Q2 1 'log\.next\.input' "write the path as you would print it in vdb"
lab_answer Q3 1 '(^|[^A-Za-z0-9_])largest([^A-Za-z0-9_]|$)' "after the log, which other global holds a tree?"
lab_answer Q4 1 'slot[^0-9]{0,3}1([^0-9]|$)' "which of main's slots (x/5dg stack:0, and the .local lines of bvm dis) holds a pointer? write it as 'slot N'"

# Q5: the bytes one Tree node takes, measured.
cat >"$T/one.vela" <<'VELA'
struct Tree { Tree left; Tree right; }
Tree t;
void main() { t = new Tree(null, null); }
VELA
"$BVM" run --gc-stats "$T/one.vela" >/dev/null 2>"$T/one.stats"
node_bytes=$(gc_stat "$T/one.stats" "bytes allocated")
lab_answer Q5 1 "(^|[^0-9])${node_bytes:-none}([^0-9]|$)" "allocate one Tree and read --gc-stats"

# Q6: collections in workloads/trees.vela.
timeout 120 "$BVM" run --gc-stats "$LAB_ROOT/workloads/trees.vela" >/dev/null 2>"$T/trees.stats"
collections=$(gc_stat "$T/trees.stats" collections)
lab_answer Q6 1 "(^|[^0-9])${collections:-none}([^0-9]|$)" "read the first line of --gc-stats"

# Q7, Q8: open questions, checked for an answer.
lab_answer Q7 1
lab_answer Q8 1

lab_end
