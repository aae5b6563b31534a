#!/usr/bin/env bash
#
# mhv.sh -- the `mhv` command end to end: bad command lines, missing or
# oversized images and a missing /dev/kvm each end with status 125 and a
# message saying what to do; and guests really run on KVM: the real-mode
# images of mini-hypervisor/guest/ (built into $MHV_GUESTS) print through
# ports 0xE9 and 0x3F8, end through port 0xF4, halt, and triple-fault.
#
# The KVM checks need /dev/kvm.  With SANDBOX set (make sandbox-check) they
# run inside the nested-KVM sandbox, in one boot: a script added with --add
# runs every guest and prints a transcript that the host then checks.
# Without SANDBOX they run here if this machine has /dev/kvm; otherwise the
# script says loudly that they did not run (never a silent skip).
#
#   MHV         the mhv program      (default bin/mhv)
#   MHV_GUESTS  the guest images     (default build/release/guest)
cd "$(dirname "$0")/../.." || exit 2

BVM=${MHV:-bin/mhv}   # lib.sh runs and checks $BVM
MHV_GUESTS=${MHV_GUESTS:-build/release/guest}
. tests/e2e/lib.sh
mhv() { bvm "$@"; }

expect_out_empty() {
    if [ -s "$OUT" ]; then not_ok "$1" "stdout should be empty" "$(last_run)"; else ok "$1"; fi
}

for guest in hello16 exit7 halt crash uart; do
    if [ ! -f "$MHV_GUESTS/$guest.bin" ]; then
        not_ok "guest image $guest.bin" "$MHV_GUESTS/$guest.bin is missing (build it with make)"
    fi
done
hello=$MHV_GUESTS/hello16.bin

# ---- no KVM needed: the command line and the image ------------------------------

# cannot_run WHAT TEXT-IN-STDERR -- ARGS...: status 125, a message, no stdout.
cannot_run() {
    local what=$1 text=$2
    shift 3
    mhv "$@"
    expect_status "$what: exit status 125" 125
    expect_err_has "$what: names the problem" "$text"
    expect_out_empty "$what: prints nothing on stdout"
}

cannot_run "no arguments"          "missing command"        --
cannot_run "unknown command"       "frobnicate"             -- frobnicate "$hello"
cannot_run "unknown flag"          "unknown flag --bogus"   -- run --bogus "$hello"
cannot_run "run without an image"  "missing IMAGE"          -- run
cannot_run "two images"            "one too many"           -- run "$hello" "$hello"
cannot_run "--mem not a number"    "--mem"                  -- run --mem lots "$hello"
cannot_run "--mem zero"            "--mem"                  -- run --mem 0 "$hello"
cannot_run "--load without value"  "--load"                 -- run "$hello" --load
cannot_run "--mode bogus"          "--mode bogus"           -- run --mode bogus "$hello"
cannot_run "--timeout not a number" "--timeout needs"      -- run --timeout soon "$hello"
cannot_run "--timeout zero"        "--timeout needs"        -- run --timeout 0 "$hello"
cannot_run "--timeout negative"    "--timeout needs"        -- run --timeout -1 "$hello"
cannot_run "--cmdline without value" "--cmdline needs"      -- run "$hello" --cmdline
cannot_run "--cmdline too long"    "longer than the 3000"   -- run --cmdline "$(head -c 3001 /dev/zero | tr '\0' x)" "$hello"
cannot_run "--mem above 3072"      "--mem"                  -- run --mem 3073 "$hello"
cannot_run "--stats=value"         "unknown flag"           -- run --stats=1 "$hello"
cannot_run "missing image"         "$E2E_TMP/none.bin"      -- run "$E2E_TMP/none.bin"
head -c $((2 * 1024 * 1024)) /dev/zero >"$E2E_TMP/big.bin"
cannot_run "image bigger than --mem" "bigger than guest RAM" -- run --mem 1 "$E2E_TMP/big.bin"
cannot_run "image past the end of RAM" "does not fit in guest RAM" -- run --mem 1 --load 0xffff0 "$hello"
cannot_run "real mode above 1 MiB" "above 1 MiB"            -- run --load 0x100000 "$hello"
cannot_run "long mode over mhv's area" "less the 64 KiB mhv keeps" -- run --mem 1 --mode long --load 0xfff00 "$hello"
cannot_run "entry outside RAM"     "entry point 0x"         -- run --mode long --entry 0x40000000 "$hello"
cannot_run "real-mode entry out of the segment" "outside the code segment" -- run --entry 0x20000 "$hello"
: >"$E2E_TMP/empty.bin"
cannot_run "empty image"           "empty"                  -- run "$E2E_TMP/empty.bin"

mhv run "$hello" --bogus
expect_err_has "a usage error shows the usage" "usage: mhv run"

mhv --help
expect_status "--help: status 0" 0
if grep -q "usage: mhv run" "$OUT"; then ok "--help: usage on stdout"; else not_ok "--help: usage on stdout" "$(last_run)"; fi

if [ ! -e /dev/kvm ]; then
    cannot_run "no /dev/kvm" "no /dev/kvm" -- run "$hello"
    expect_err_has "no /dev/kvm: points at the sandbox" "tests/sandbox/kvm-sandbox.sh --add bin/mhv"
fi

# ---- KVM: the guests run ---------------------------------------------------------

# The script that runs every guest; one section per guest in its transcript:
#   == NAME STATUS        then   o|LINE (stdout)   e|LINE (stderr)
cat >"$E2E_TMP/run-guests.sh" <<'EOF_INSIDE'
#!/bin/sh
# run-guests.sh MHV GUESTS-DIR SCRATCH
mhv=$1 guests=$2 scratch=$3
run() {
    name=$1
    shift
    "$mhv" run "$@" >"$scratch/o" 2>"$scratch/e" </dev/null
    echo "== $name $?"
    sed 's/^/o|/' "$scratch/o"
    sed 's/^/e|/' "$scratch/e"
}
run hello "$guests/hello16.bin"
run hello-high --load 0x8000 --mem 1 "$guests/hello16.bin"
run exit7 "$guests/exit7.bin"
run halt "$guests/halt.bin"
run crash "$guests/crash.bin"
run uart "$guests/uart.bin"
EOF_INSIDE
chmod +x "$E2E_TMP/run-guests.sh"

transcript=$E2E_TMP/transcript
where=""
if [ -n "${SANDBOX:-}" ]; then
    t0=$EPOCHREALTIME
    LAST_COMMAND="$SANDBOX ... -- run-guests.sh"
    "$SANDBOX" --add "$BVM:bin/mhv" --add "$MHV_GUESTS:guests" \
        --add "$E2E_TMP/run-guests.sh:bin/run-guests.sh" \
        -- run-guests.sh /work/bin/mhv /work/guests /tmp >"$transcript" 2>"$E2E_TMP/sandbox.err" </dev/null
    sandbox_status=$?
    echo "  ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s: one sandbox boot runs every guest)"
    if [ "$sandbox_status" -eq 0 ]; then
        ok "the sandbox ran the guests"
        where="in the sandbox"
    else
        not_ok "the sandbox ran the guests" "status $sandbox_status" "$(head -n 8 "$E2E_TMP/sandbox.err")"
    fi
elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    bash "$E2E_TMP/run-guests.sh" "$BVM" "$MHV_GUESTS" "$E2E_TMP" >"$transcript"
    where="here, on /dev/kvm"
else
    echo "mhv: NOT RUN: the guest checks (hello, exit status, hlt, triple fault, UART) need /dev/kvm," \
        "which this machine lacks; run them in the nested-KVM sandbox with 'make sandbox-check'"
fi

# guest NAME: take that guest's section of the transcript into $OUT, $ERR
# and $status, as if mhv had just run it.
guest() {
    LAST_COMMAND="mhv run ($1, $where)"
    awk -v name="$1" -v out="$OUT" -v err="$ERR" '
        BEGIN { printf "" >out; printf "" >err; status = -1 }
        /^== / { inside = ($2 == name); if (inside) status = $3; next }
        inside && /^o\|/ { print substr($0, 3) >out }
        inside && /^e\|/ { print substr($0, 3) >err }
        END { print status }' "$transcript" >"$E2E_TMP/status"
    status=$(cat "$E2E_TMP/status")
    if [ "$status" -lt 0 ]; then
        not_ok "$1: ran" "no section for it in the transcript"
        status=999
    fi
}

if [ -n "$where" ]; then
    printf 'hello from real mode\n' >"$E2E_TMP/hello.expected"
    guest hello
    expect_status "hello16: status 0 (written to port 0xF4)" 0
    expect_out_is "hello16: prints through port 0xE9" "$E2E_TMP/hello.expected"
    guest hello-high
    expect_status "hello16 at --load 0x8000 --mem 1: status 0" 0
    expect_out_is "hello16 at --load 0x8000 --mem 1: prints" "$E2E_TMP/hello.expected"
    guest exit7
    expect_status "exit7: status 7 from port 0xF4" 7
    expect_out_empty "exit7: prints nothing"
    guest halt
    expect_status "halt: cli; hlt ends with status 0" 0
    guest crash
    expect_status "crash: a triple fault gives status 123" 123
    expect_err_has "crash: says the guest crashed" "guest crashed"
    expect_err_has "crash: register dump with RIP and RFLAGS" "RIP="
    expect_err_has "crash: register dump with CR0" "CR0="
    expect_err_has "crash: register dump with segments" "CS="
    printf 'hello from the uart\n' >"$E2E_TMP/uart.expected"
    guest uart
    expect_out_is "uart: prints through the UART at 0x3F8" "$E2E_TMP/uart.expected"
    expect_status "uart: an unclaimed port reads 0xFF (its exit status)" 255
fi
finish
