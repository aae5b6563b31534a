#!/usr/bin/env bash
#
# usage.sh -- bad command lines: every one ends with status 2 and a message
# that names what is wrong and points at the usage; --help, --version and
# isa succeed.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh

cat >"$E2E_TMP/hello.vela" <<'EOF'
void main() { print("hello"); }
EOF
hello=$E2E_TMP/hello.vela

# usage_error WHAT TEXT-IN-STDERR -- ARGS...
usage_error() {
    local what=$1 text=$2
    shift 3
    bvm "$@"
    expect_status "$what: exit status 2" 2
    expect_err_has "$what: names the problem" "$text"
    expect_err_has "$what: points at the usage" "usage"
    if [ -s "$OUT" ]; then
        not_ok "$what: prints nothing on stdout" "$(last_run)"
    else
        ok "$what: prints nothing on stdout"
    fi
}

usage_error "no arguments"            "missing command"   --
usage_error "unknown command"         "frobnicate"        -- frobnicate "$hello"
usage_error "unknown run flag"        "--bogus"           -- run --bogus "$hello"
usage_error "run without a file"      "FILE"              -- run
usage_error "run with two files"      "one too many"      -- run "$hello" "$hello"
usage_error "--fuel not a number"     "--fuel"            -- run --fuel abc "$hello"
usage_error "--fuel negative"         "--fuel"            -- run --fuel -5 "$hello"
usage_error "--fuel zero"             "--fuel"            -- run --fuel 0 "$hello"
usage_error "--fuel without a value"  "--fuel"            -- run "$hello" --fuel
usage_error "--fuel too large"        "--fuel"            -- run --fuel 99999999999999999999999 "$hello"
usage_error "--heap bad unit"         "--heap"            -- run --heap 12Q "$hello"
usage_error "--heap zero"             "--heap"            -- run --heap 0 "$hello"
usage_error "--max-depth not a number" "--max-depth"      -- run --max-depth lots "$hello"
usage_error "--dispatch unknown"      "--dispatch"        -- run --dispatch=fast "$hello"
usage_error "--jit unknown"           "--jit"             -- run --jit=maybe "$hello"
usage_error "--jit-call-threshold 0"  "--jit-call-threshold" -- run --jit-call-threshold=0 "$hello"
usage_error "--jit-loop-threshold x"  "--jit-loop-threshold" -- run --jit-loop-threshold=x "$hello"
usage_error "compile without -o"      "-o"                -- compile "$hello"
usage_error "compile -o without name" "-o"                -- compile "$hello" -o
usage_error "asm without input"       "asm"               -- asm -o "$E2E_TMP/x.vbc"
usage_error "dis without a file"      "dis"               -- dis
usage_error "verify with two files"   "verify"            -- verify "$hello" "$hello"
usage_error "isa with an argument"    "isa"               -- isa extra

# A file that does not exist is a load error (65), named in the message.
bvm run "$E2E_TMP/no-such-file.vela"
expect_status "missing file: exit status 65" 65
expect_err_has "missing file: named" "$E2E_TMP/no-such-file.vela"

# The good paths.
bvm --help
expect_status "--help: exit status 0" 0
if grep -q "bvm run" "$OUT"; then ok "--help"; else not_ok "--help prints the usage on stdout" "$(last_run)"; fi

bvm --version
expect_status "--version: exit status 0" 0
if grep -qE '^bvm [0-9]' "$OUT"; then ok "--version"; else not_ok "--version prints 'bvm VERSION'" "$(last_run)"; fi

bvm isa
expect_status "isa: exit status 0" 0
if grep -q '^| ' "$OUT" && grep -q '^#' "$OUT"; then
    ok "isa prints a markdown table"
else
    not_ok "isa prints a markdown table" "$(last_run)"
fi

bvm run "$hello"
expect_status "run hello: exit status 0" 0
echo hello >"$E2E_TMP/hello.expected"
expect_out_is "run hello: output" "$E2E_TMP/hello.expected"

finish
