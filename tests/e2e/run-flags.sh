#!/usr/bin/env bash
#
# run-flags.sh -- each `bvm run` flag does what README.md says: --gc-stats
# prints the collector's statistics on stderr, --gc-stress and --dispatch
# change nothing visible, --trace lists instructions on stderr, --heap and
# --max-depth turn into catchable-or-fatal runtime errors, --jit=off is
# accepted.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

# Allocates far more than it keeps: a small heap must collect often.
cat >"$E2E_TMP/churn.vela" <<'EOF'
struct Node { int value; Node next; }

void main() {
    int kept = 0;
    for (int round = 0; round < 200; round++) {
        Node list = null;
        for (int i = 0; i < 100; i++) list = new Node(i, list);
        kept += list.value;
    }
    print("done", kept);
}
EOF
printf 'done 19800\n' >"$E2E_TMP/churn.expected"
churn=$E2E_TMP/churn.vela

bvm run --gc-stats --heap 64K "$churn"
expect_status "--gc-stats: exit status 0" 0
expect_out_is "--gc-stats: stdout unchanged" "$E2E_TMP/churn.expected"
collections=$(sed -n -E 's/^gc: collections +([0-9]+).*/\1/p' "$ERR")
if [ -n "$collections" ] && [ "$collections" -gt 0 ]; then
    ok "--gc-stats: reports collections"
else
    not_ok "--gc-stats: a 'gc: collections N' line with N > 0 on stderr (64K heap)" "$(last_run)"
fi
expect_err_has "--gc-stats: reports bytes allocated" "gc: bytes allocated"
expect_err_has "--gc-stats: reports bytes freed" "gc: bytes freed"

bvm run "$churn"
if [ -s "$ERR" ]; then not_ok "without --gc-stats: stderr is empty" "$(last_run)"; else
    ok "without --gc-stats: stderr is empty"; fi

for flags in "--dispatch=switch" "--dispatch=threaded" "--gc-stress" "--jit=off" "--dispatch switch" \
    "--jit=on" "--jit=always" "--jit always" "--jit=on --jit-call-threshold=1 --jit-loop-threshold=1" \
    "--jit=always --dispatch=switch"; do
    # shellcheck disable=SC2086  # flags split into words on purpose
    bvm run $flags "$churn"
    expect_status "$flags: exit status 0" 0
    expect_out_is "$flags: same output" "$E2E_TMP/churn.expected"
done

# --jit-stats: what the JIT did, on stderr; the program's output unchanged.
bvm run --jit=always --jit-stats "$churn"
expect_status "--jit-stats: exit status 0" 0
expect_out_is "--jit-stats: same output" "$E2E_TMP/churn.expected"
if grep -qE '^jit: [1-9][0-9]* functions compiled' "$ERR"; then ok "--jit-stats: functions compiled"; else
    not_ok "--jit-stats: a 'jit: N functions compiled' line with N > 0 on stderr" "$(last_run)"; fi
expect_err_has "--jit-stats: entries and deoptimizations" "entries into compiled code"
expect_err_has "--jit-stats: time in compiled code and in the interpreter" "s in compiled code"
bvm run --jit=off --jit-stats "$churn"
expect_err_has "--jit=off --jit-stats: nothing compiled" "jit: 0 functions compiled"

# --jit-dump: each compiled function's bytecode with its x86-64 (Capstone).
printf 'int twice(int x) { return x + x; }\nvoid main() { print(twice(21)); }\n' >"$E2E_TMP/twice.vela"
bvm run --jit=always --jit-dump "$E2E_TMP/twice.vela"
expect_status "--jit-dump: exit status 0" 0
printf '42\n' >"$E2E_TMP/twice.expected"
expect_out_is "--jit-dump: the program's output unchanged" "$E2E_TMP/twice.expected"
expect_err_has "--jit-dump: a header per compiled function" "jit: twice (function #0):"
expect_err_has "--jit-dump: bytecode lines" "iadd"
expect_err_has "--jit-dump: the x86-64 they became" "add     r"
expect_err_has "--jit-dump: the prologue" "push    rbx"

# --jit-perf-map: /tmp/perf-PID.map names the compiled functions for perf.
LAST_COMMAND="$BVM run --jit=always --jit-perf-map twice.vela"
"$BVM" run --jit=always --jit-perf-map "$E2E_TMP/twice.vela" >"$OUT" 2>"$ERR" &
pid=$!
wait "$pid"
status=$?
expect_status "--jit-perf-map: exit status 0" 0
if [ -f "/tmp/perf-$pid.map" ] && grep -qE '^[0-9a-f]+ [0-9a-f]+ bvm:twice$' "/tmp/perf-$pid.map"; then
    ok "--jit-perf-map: /tmp/perf-PID.map has 'START SIZE bvm:twice'"
else
    not_ok "--jit-perf-map: /tmp/perf-PID.map has 'START SIZE bvm:twice'" "$(cat "/tmp/perf-$pid.map" 2>&1)"
fi
rm -f "/tmp/perf-$pid.map"

printf 'void main() { int x = 1 + 2; print(x); }\n' >"$E2E_TMP/small.vela"
bvm run --trace "$E2E_TMP/small.vela"
expect_status "--trace: exit status 0" 0
printf '3\n' >"$E2E_TMP/small.expected"
expect_out_is "--trace: stdout unchanged" "$E2E_TMP/small.expected"
if [ "$(wc -l <"$ERR")" -ge 3 ] && grep -q "main" "$ERR"; then
    ok "--trace: lists instructions on stderr"
else
    not_ok "--trace: one stderr line per instruction, naming the function" "$(last_run)"
fi

# A heap too small for what the program keeps alive.
cat >"$E2E_TMP/hoard.vela" <<'EOF'
void main() {
    int[][] all = new int[1000][];
    for (int i = 0; i < 1000; i++) all[i] = new int[1000];
    print("unreachable");
}
EOF
bvm run --heap 64K "$E2E_TMP/hoard.vela"
expect_status "--heap too small: exit status 70" 70
expect_err_has "--heap too small: message" "uncaught exception: out of memory: heap limit of 65536 bytes reached"

# Recursion deeper than --max-depth.
cat >"$E2E_TMP/deep.vela" <<'EOF'
int depth(int n) { return n == 0 ? 0 : 1 + depth(n - 1); }
void main() { print(depth(1000)); }
EOF
bvm run --max-depth 100 "$E2E_TMP/deep.vela"
expect_status "--max-depth 100: exit status 70" 70
expect_err_has "--max-depth 100: message" "uncaught exception: stack overflow: call depth limit of 100 reached"
bvm run --max-depth 2000 "$E2E_TMP/deep.vela"
expect_status "--max-depth 2000: deep enough" 0

finish
