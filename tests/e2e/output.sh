#!/usr/bin/env bash
#
# output.sh -- how a run ends, seen from outside: output printed before an
# uncaught exception or running out of fuel is all there, whether stdout is
# a file or a pipe; runtime errors exit 70 with the message and a stack
# trace on stderr; main's int result is the exit status; a failure to write
# stdout is reported, not ignored.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

# Enough output to fill any stdio buffer several times over before it fails.
cat >"$E2E_TMP/throws.vela" <<'EOF'
void fail(int n) {
    if (n == 0) throw "stop here";
    fail(n - 1);
}

void main() {
    for (int i = 0; i < 20000; i++) print("line", i);
    fail(2);
}
EOF
for ((i = 0; i < 20000; i++)); do echo "line $i"; done >"$E2E_TMP/throws.expected"

bvm run "$E2E_TMP/throws.vela"
expect_status "uncaught exception: exit status 70" 70
expect_out_is "uncaught exception: all output before it, into a file" "$E2E_TMP/throws.expected"
if [ "$(head -n 1 "$ERR")" = "uncaught exception: stop here" ]; then
    ok "uncaught exception: message"
else
    not_ok "uncaught exception: first stderr line is 'uncaught exception: stop here'" "$(last_run)"
fi
expect_err_has "uncaught exception: trace names the innermost frame" "  at fail ($E2E_TMP/throws.vela:2)"
expect_err_has "uncaught exception: trace names main" "  at main ($E2E_TMP/throws.vela:8)"

# The same through a pipe (stdout fully buffered, then a reader at the end).
timeout -s KILL 30 "$BVM" run "$E2E_TMP/throws.vela" 2>"$ERR" </dev/null | cat >"$OUT"
status=${PIPESTATUS[0]}
LAST_COMMAND="$BVM run $E2E_TMP/throws.vela | cat"
expect_status "uncaught exception, stdout a pipe: exit status 70" 70
expect_out_is "uncaught exception, stdout a pipe: all output" "$E2E_TMP/throws.expected"

# Division by zero is a runtime error too.
cat >"$E2E_TMP/divide.vela" <<'EOF'
int divide(int a, int b) { return a / b; }
void main() {
    print("before");
    print(divide(1, 0));
    print("after");
}
EOF
bvm run "$E2E_TMP/divide.vela"
expect_status "division by zero: exit status 70" 70
expect_err_has "division by zero: message" "uncaught exception: division by zero"
printf 'before\n' >"$E2E_TMP/divide.expected"
expect_out_is "division by zero: output before it" "$E2E_TMP/divide.expected"

# Fuel: an endless loop stops after the budget, with its output kept.
cat >"$E2E_TMP/forever.vela" <<'EOF'
void main() {
    print("starting");
    int i = 0;
    while (true) i++;
}
EOF
bvm run --fuel 5000 "$E2E_TMP/forever.vela"
expect_status "fuel exhausted: exit status 70" 70
expect_err_has "fuel exhausted: message" "fuel exhausted: 5000 instructions executed"
printf 'starting\n' >"$E2E_TMP/forever.expected"
expect_out_is "fuel exhausted: output before it" "$E2E_TMP/forever.expected"

# int main's result is the exit status (mod 256).
printf 'int main() { print("bye"); return 3; }\n' >"$E2E_TMP/three.vela"
bvm run "$E2E_TMP/three.vela"
expect_status "int main returning 3: exit status 3" 3
printf 'int main() { return 259; }\n' >"$E2E_TMP/wrap.vela"
bvm run "$E2E_TMP/wrap.vela"
expect_status "int main returning 259: exit status 3" 3

# Output that cannot be written is an error, not silently lost.
printf 'void main() { for (int i = 0; i < 20000; i++) print("line", i); }\n' >"$E2E_TMP/many.vela"
if [ -w /dev/full ]; then
    LAST_COMMAND="$BVM run $E2E_TMP/many.vela >/dev/full"
    timeout -s KILL 30 "$BVM" run "$E2E_TMP/many.vela" >/dev/full 2>"$ERR" </dev/null
    status=$?
    if [ "$status" -eq 74 ] && grep -q "^bvm: cannot write to stdout: " "$ERR"; then
        ok "stdout on a full disk: reported"
    else
        not_ok "stdout on a full disk (/dev/full): status 74 and 'bvm: cannot write to stdout: ...' on stderr" \
            "$(last_run)"
    fi
fi

# A reader that goes away (| head) is an output error too: status 74 and a
# message, never death by SIGPIPE, and the program stops instead of running on.
LAST_COMMAND="$BVM run $E2E_TMP/many.vela | head -n 1"
first_line=$(timeout -s KILL 30 "$BVM" run "$E2E_TMP/many.vela" 2>"$ERR" </dev/null | head -n 1; exit "${PIPESTATUS[0]}")
status=$?
if [ "$status" -eq 74 ] && [ "$first_line" = "line 0" ] && grep -q "^bvm: cannot write to stdout: " "$ERR"; then
    ok "stdout closed by the reader: status 74 and a message"
else
    not_ok "stdout closed by the reader (| head -n 1): status 74 (got $status), first line 'line 0' (got '$first_line'), message on stderr" \
        "$(last_run)"
fi

finish
