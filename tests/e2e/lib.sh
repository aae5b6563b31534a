# shellcheck shell=bash
# lib.sh -- shared helpers of the end-to-end tests (sourced, not run).
#
# Each tests/e2e/NAME.sh sources this, runs the real bvm program ($BVM,
# default bin/bvm) and checks what it prints and how it exits.  Every check
# counts once; the script ends with `finish`, which prints
#
#   NAME: N passed, N failed
#
# (the line tests/run-tests.sh adds up) and exits nonzero if any failed.
#
#   bvm ARGS...            run bvm (30 s of CPU at most, stdin /dev/null);
#                          sets $status, and the files $OUT and $ERR
#   expect_status WHAT N   the last bvm ended with status N
#   expect_err_has WHAT T  its stderr contains the text T
#   expect_out_is WHAT F   its stdout equals the file F
#   ok WHAT / not_ok WHAT WHY...   count a check by hand
#
# On failure the command, the status and the start of stderr are printed.

set -u

BVM=${BVM:-bin/bvm}
E2E_NAME=$(basename "$0" .sh)
E2E_PASSED=0
E2E_FAILED=0
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmlab-e2e.XXXXXX")
trap 'rm -rf "$E2E_TMP"' EXIT
OUT=$E2E_TMP/stdout
ERR=$E2E_TMP/stderr
LAST_COMMAND=""
status=0

if [ ! -x "$BVM" ]; then
    echo "$E2E_NAME: $BVM is not an executable program (build it first)" >&2
    echo "$E2E_NAME: 0 passed, 1 failed"
    exit 1
fi

# The CPU limit (SIGXCPU) stops a runaway bvm without the cost of one more
# process per run that timeout(1) would add.
bvm() {
    LAST_COMMAND="$BVM $*"
    (ulimit -t 30 && exec "$BVM" "$@") >"$OUT" 2>"$ERR" </dev/null
    status=$?
}

ok() {
    E2E_PASSED=$((E2E_PASSED + 1))
}

not_ok() {
    local what=$1
    shift
    E2E_FAILED=$((E2E_FAILED + 1))
    echo "FAIL $E2E_NAME: $what"
    printf '  %s\n' "$@"
}

# Context for a failure of the last bvm command.
last_run() {
    local err
    err=$(head -c 600 "$ERR" | head -n 6 | sed 's/^/    | /')
    printf 'command: %s\nstatus: %s\nstderr:\n%s' "$LAST_COMMAND" "$(describe_status "$status")" "$err"
}

describe_status() {
    if [ "$1" -eq 152 ]; then
        echo "152 (killed by SIGXCPU: ran past the 30 s CPU limit)"
    elif [ "$1" -gt 128 ]; then
        echo "$1 (killed by signal $(kill -l "$(($1 - 128))" 2>/dev/null || echo "$(($1 - 128))"))"
    else
        echo "$1"
    fi
}

expect_status() {
    if [ "$status" -eq "$2" ]; then
        ok "$1"
    else
        not_ok "$1" "expected exit status $2" "$(last_run)"
    fi
}

expect_err_has() {
    if grep -qF -- "$2" "$ERR"; then
        ok "$1"
    else
        not_ok "$1" "stderr lacks: $2" "$(last_run)"
    fi
}

expect_out_is() {
    if cmp -s "$OUT" "$2"; then
        ok "$1"
    else
        not_ok "$1" "stdout differs from what was expected; first difference:" \
            "$(diff "$2" "$OUT" | head -n 6)" "$(last_run)"
    fi
}

# The `args:` flags of a golden test, on one line (bash only: no process).
golden_args() {
    local line flags=""
    while IFS= read -r line || [ -n "$line" ]; do
        if [[ $line =~ (//|\;)[[:space:]]*args:[[:space:]]*(.*)$ ]]; then
            flags="$flags ${BASH_REMATCH[2]}"
        fi
    done <"$1"
    echo "$flags"
}

# A TCP port of 127.0.0.1 that nothing listens on (34599 if fifty tries
# found none: the test that uses it then fails, saying so).
free_port() {
    local port
    for port in $(shuf -i 20000-60000 -n 50); do
        (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null || { echo "$port"; return; }
    done
    echo 34599
}

# transcript_section NAME TRANSCRIPT WHAT: take section NAME of a transcript
# that a batch of runs printed -- "== NAME STATUS", then o|LINE (stdout) and
# e|LINE (stderr) -- into $OUT, $ERR and $status, as if that run had just
# happened here (WHAT names it in failures).  A missing section is a failure,
# with status 999.
transcript_section() {
    LAST_COMMAND=$3
    awk -v name="$1" -v out="$OUT" -v err="$ERR" '
        BEGIN { printf "" >out; printf "" >err; status = -1 }
        /^== / { inside = ($2 == name); if (inside) status = $3; next }
        inside && /^o\|/ { print substr($0, 3) >out }
        inside && /^e\|/ { print substr($0, 3) >err }
        END { print status }' "$2" >"$E2E_TMP/status"
    status=$(cat "$E2E_TMP/status")
    if [ "$status" -lt 0 ]; then
        not_ok "$1: ran" "no section for it in the transcript"
        status=999
    fi
}

finish() {
    echo "$E2E_NAME: $E2E_PASSED passed, $E2E_FAILED failed"
    [ "$E2E_FAILED" -eq 0 ]
    exit
}
