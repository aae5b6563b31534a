#!/usr/bin/env bash
#
# mhv.sh -- the hypervisor on real KVM, end to end.
#
# First what needs no KVM: bad command lines, missing, oversized or
# misplaced images and a missing /dev/kvm each end with status 125 and a
# message saying what to do.  Then the guests of mini-hypervisor/guest/
# (built into $MHV_GUESTS) run on KVM and their output and exit status are
# checked, and the Check suites that need KVM ($KVM_TESTS, tests/kvm/) run
# there too, their counts added to ours.
#
# Where KVM is: /dev/kvm here if it is usable; otherwise the nested-KVM
# sandbox named by SANDBOX (tests/sandbox/kvm-sandbox.sh), booted once for
# everything: a script added with --add runs every guest and suite and
# prints a transcript that the host then checks.  With neither, the KVM
# checks count as one failure that says so: never a silent skip.
#
#   MHV         the mhv program      (default bin/mhv)
#   MHV_GUESTS  the guest images     (default build/release/guest)
#   KVM_TESTS   Check programs that need KVM, space-separated (default none)
#   SANDBOX     the sandbox runner, used when there is no /dev/kvm
cd "$(dirname "$0")/../.." || exit 2

BVM=${MHV:-bin/mhv}   # lib.sh runs and checks $BVM
MHV_GUESTS=${MHV_GUESTS:-build/release/guest}
. tests/e2e/lib.sh
mhv() { bvm "$@"; }

expect_out_empty() {
    if [ -s "$OUT" ]; then not_ok "$1" "stdout should be empty" "$(last_run)"; else ok "$1"; fi
}
expect_out_has() {
    if grep -qF -- "$2" "$OUT"; then ok "$1"; else not_ok "$1" "stdout lacks: $2" "$(last_run)"; fi
}

for guest in hello16.bin hello64.bin exit7.bin halt.bin crash.bin crash64.bin mmio_sse.bin uart.bin spin.bin \
             ioloop.bin hello32.elf kernel.elf kernel-debug.elf; do
    if [ ! -f "$MHV_GUESTS/$guest" ]; then
        not_ok "guest image $guest" "$MHV_GUESTS/$guest is missing (build it with make)"
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
cannot_run "a folder as the image"  "Is a directory"         -- run "$E2E_TMP"
: >"$E2E_TMP/empty.bin"
cannot_run "empty image"           "empty"                  -- run "$E2E_TMP/empty.bin"

# ELF images: checked before KVM is opened.
elf32=$MHV_GUESTS/hello32.elf
head -c 40 "$elf32" >"$E2E_TMP/truncated.elf"
cannot_run "truncated ELF"         "truncated"              -- run "$E2E_TMP/truncated.elf"
cp "$elf32" "$E2E_TMP/arm.elf"
printf '\x28' | dd of="$E2E_TMP/arm.elf" bs=1 seek=18 conv=notrunc 2>/dev/null   # e_machine = EM_ARM
cannot_run "ELF for another machine" "ARM"                  -- run "$E2E_TMP/arm.elf"
cannot_run "ELF above the end of RAM" "--mem"               -- run --mem 1 "$elf32"
# The same ELF moved 64 KiB lower (entry and every PT_LOAD): in 1 MiB of
# RAM its code then lies in the top 64 KiB, which mhv keeps for itself.
u32() { od -An -tu4 -j "$2" -N 4 "$1" | tr -d ' '; }
u16() { od -An -tu2 -j "$2" -N 2 "$1" | tr -d ' '; }
put32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($3 & 255)) $(($3 >> 8 & 255)) $(($3 >> 16 & 255)) $(($3 >> 24 & 255)))" |
          dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
cp "$elf32" "$E2E_TMP/low.elf"
put32 "$E2E_TMP/low.elf" 24 $(( $(u32 "$elf32" 24) - 0x10000 ))
phoff=$(u32 "$elf32" 28) phentsize=$(u16 "$elf32" 42) phnum=$(u16 "$elf32" 44)
for ((i = 0; i < phnum; i++)); do
    ph=$((phoff + i * phentsize))
    if [ "$(u32 "$elf32" "$ph")" = 1 ]; then   # PT_LOAD: p_vaddr at +8, p_paddr at +12
        put32 "$E2E_TMP/low.elf" $((ph + 8)) $(( $(u32 "$elf32" $((ph + 8))) - 0x10000 ))
        put32 "$E2E_TMP/low.elf" $((ph + 12)) $(( $(u32 "$elf32" $((ph + 12))) - 0x10000 ))
    fi
done
cannot_run "ELF over mhv's area"   "64 KiB"                 -- run --mem 1 "$E2E_TMP/low.elf"

mhv run "$hello" --bogus
expect_err_has "a usage error shows the usage" "usage: mhv run"

mhv --help
expect_status "--help: status 0" 0
if grep -q "usage: mhv run" "$OUT"; then ok "--help: usage on stdout"; else not_ok "--help: usage on stdout" "$(last_run)"; fi

if [ ! -e /dev/kvm ]; then
    cannot_run "no /dev/kvm" "no /dev/kvm" -- run "$hello"
    expect_err_has "no /dev/kvm: points at the sandbox" "scripts/mhv-sandbox run [flags] IMAGE"
    # vdb names its own route, not mhv's
    LAST_COMMAND="${VDB:-bin/vdb} --hv --batch $hello"
    "${VDB:-bin/vdb}" --hv --batch "$hello" </dev/null >"$OUT" 2>"$ERR"
    status=$?
    expect_status "vdb without /dev/kvm: status 125" 125
    expect_err_has "vdb without /dev/kvm: names vdb's route into the sandbox" "scripts/on-kvm bin/vdb --hv [flags] IMAGE"
fi

# scripts/mhv-sandbox: the same mhv command line, run in the sandbox, with
# the guest's console, mhv's messages and its status passed back.
if [ -n "${SANDBOX:-}" ]; then
    LAST_COMMAND="scripts/mhv-sandbox run --mode long $MHV_GUESTS/hello64.bin"
    MHV=$BVM scripts/mhv-sandbox run --mode long "$MHV_GUESTS/hello64.bin" >"$OUT" 2>"$ERR" </dev/null
    status=$?
    printf 'hello from long mode\n' >"$E2E_TMP/long.expected"
    expect_status "mhv-sandbox: the guest's status" 0
    expect_out_is "mhv-sandbox: the guest's console" "$E2E_TMP/long.expected"
    LAST_COMMAND="scripts/mhv-sandbox run $MHV_GUESTS/exit7.bin"
    MHV=$BVM scripts/mhv-sandbox run "$MHV_GUESTS/exit7.bin" >"$OUT" 2>"$ERR" </dev/null
    status=$?
    expect_status "mhv-sandbox: a status from port 0xF4 comes back" 7
fi

# scripts/on-kvm: --help without a boot (a QEMU that is not there would
# fail it); then one boot, run from another folder, checks what travels:
# a piped stdin reaches the guest kernel's echo, --opt=FILE (a file of the
# tree, by a path from that folder) and FILE,ro (outside the tree) are
# copied in and renamed, and a --disk=FILE the command writes comes back;
# then ON_KVM_TIMEOUT is the knob a timeout names.
LAST_COMMAND="scripts/on-kvm --help"
QEMU=/nonexistent/qemu scripts/on-kvm --help >"$OUT" 2>"$ERR" </dev/null
status=$?
expect_status "on-kvm --help: status 0" 0
if grep -q "^usage: scripts/on-kvm COMMAND" "$OUT" && ! grep -q "kvm-sandbox" "$ERR"; then
    ok "on-kvm --help: the usage on stdout, no sandbox booted"
else
    not_ok "on-kvm --help: the usage on stdout, no sandbox booted" "$(last_run)"
fi
LAST_COMMAND="scripts/on-kvm --bogus"
QEMU=/nonexistent/qemu scripts/on-kvm --bogus >"$OUT" 2>"$ERR" </dev/null
status=$?
expect_status "on-kvm with an unknown option: status 125" 125
expect_err_has "on-kvm with an unknown option: names it" "on-kvm: unknown option '--bogus'"
if [ -n "${SANDBOX:-}" ]; then
    on_kvm_env=(BINDIR="$(dirname "$BVM")" BUILD="$(dirname "$MHV_GUESTS")" ON_KVM=sandbox)
    printf 'read-only data\n' >"$E2E_TMP/ro.txt"
    printf 'disk data\n' >"$E2E_TMP/rw.img"
    # shellcheck disable=SC2016  # the script is the sandbox's
    inside='head -n 1 "${1#--in=}"; echo "ro: $(cat "${2%,ro}") as $2"; echo written >>"${3#--disk=}"
            exec "$0" run --cmdline echo kernel'
    mhv_from_tests=$BVM
    [[ $BVM == /* ]] || mhv_from_tests=../$BVM
    LAST_COMMAND="(cd tests && printf ... | ../scripts/on-kvm sh -c ... $mhv_from_tests --in=hv/mhv.sh $E2E_TMP/ro.txt,ro --disk=$E2E_TMP/rw.img)"
    (cd tests && printf 'through the pipe\n' | env "${on_kvm_env[@]}" ../scripts/on-kvm sh -c "$inside" "$mhv_from_tests" \
        --in=hv/mhv.sh "$E2E_TMP/ro.txt,ro" "--disk=$E2E_TMP/rw.img") >"$OUT" 2>"$ERR"
    status=$?
    expect_status "on-kvm: the command's status" 0
    expect_out_has "on-kvm: --opt=FILE from another folder is copied in" "#!/usr/bin/env bash"
    expect_out_has "on-kvm: FILE,ro is copied in, the argument kept" "ro: read-only data as $E2E_TMP/ro.txt,ro"
    expect_out_has "on-kvm: a piped stdin reaches the guest (its echo)" "echo: through the pipe"
    if [ "$(cat "$E2E_TMP/rw.img")" = "$(printf 'disk data\nwritten')" ]; then
        ok "on-kvm: what the command wrote to a --disk comes back"
    else
        not_ok "on-kvm: what the command wrote to a --disk comes back" "$(cat "$E2E_TMP/rw.img")" "$(last_run)"
    fi
    LAST_COMMAND="ON_KVM_TIMEOUT=1 scripts/on-kvm sleep 30"
    env "${on_kvm_env[@]}" ON_KVM_TIMEOUT=1 scripts/on-kvm sleep 30 >"$OUT" 2>"$ERR" </dev/null
    status=$?
    expect_status "on-kvm: a timeout, status 124" 124
    expect_err_has "on-kvm: a timeout names ON_KVM_TIMEOUT" "ON_KVM_TIMEOUT)"
fi

# ---- KVM: the guests run ---------------------------------------------------------

# The scenarios, one per line: NAME, then what goes to mhv's stdin (printf
# %b escapes), then mhv run's arguments ($G is the guest folder), split by
# '|' (a tab would not do: read folds runs of whitespace separators, and an
# empty stdin field would vanish).  Each becomes a section of the transcript:
#   == NAME STATUS        then   o|LINE (stdout)   e|LINE (stderr)
scenario() {
    local IFS='|'
    printf '%s\n' "$*" >>"$E2E_TMP/scenarios"
}
: >"$E2E_TMP/scenarios"
scenario hello "" '$G/hello16.bin'
scenario hello-high "" '--load 0x8000 --mem 1 $G/hello16.bin'
scenario exit7 "" '$G/exit7.bin'
scenario halt "" '$G/halt.bin'
scenario crash "" '$G/crash.bin'
scenario crash-long "" '--mode long $G/crash64.bin'
scenario mmio-sse "" '--mode long $G/mmio_sse.bin'
scenario uart "" '$G/uart.bin'
scenario long-flat "" '--mode long $G/hello64.bin'
scenario long-flat-small "" '--mode long --mem 1 $G/hello64.bin'
scenario protected "" '$G/hello32.elf'
scenario stats "" '--stats $G/uart.bin'
scenario timeout "" '--timeout 1 $G/spin.bin'
scenario ioloop "" '--stats $G/ioloop.bin'

# The guest kernel (long mode, C): the workloads at small sizes, its
# devices, its exception reports, and each way it can end.  The first
# three workloads are integer code, the last two use SSE (doubles; gcc's
# pxor clears trees' nodes), which kvm_pvm's emulator lacks.
KERNEL_INTEGER="fib=20 loop=100000 sieve=20000"
KERNEL_SIZES="$KERNEL_INTEGER matmul=16 trees=8"
scenario kernel-workloads "" "--cmdline '$KERNEL_SIZES' \$G/kernel.elf"
scenario kernel-trees "" "--cmdline trees=8 \$G/kernel.elf"
# The debug build of the same kernel (-O0, frame pointers: vdb's), on the
# integer workloads at sizes small enough for kvm_pvm's emulator.
KERNEL_DEBUG_SIZES="fib=12 loop=1000 sieve=500"
scenario kernel-debug "" "--cmdline '$KERNEL_DEBUG_SIZES' \$G/kernel-debug.elf"
scenario kernel-info "" "--stats --cmdline info \$G/kernel.elf"
scenario kernel-ticks "" "--cmdline ticks=20 \$G/kernel.elf"
scenario kernel-fast-ticks "" "--cmdline 'hz=1000 ticks=200' \$G/kernel.elf"
scenario kernel-echo 'a line for the guest\n' "--cmdline echo \$G/kernel.elf"
for fault in ud gp pf de bp; do
    scenario "kernel-fault-$fault" "" "--cmdline fault=$fault \$G/kernel.elf"
done
scenario kernel-poke-device "" "--cmdline poke=0xE0000000 \$G/kernel.elf"
scenario kernel-poke-outside "" "--cmdline poke=0xF0000000 \$G/kernel.elf"
scenario kernel-poke-past-ram "" "--mem 4 --cmdline poke=0x400000 \$G/kernel.elf"
scenario kernel-spin "" "--timeout 1 --cmdline spin \$G/kernel.elf"
scenario kernel-bad-word "" "--cmdline 'fib=10 bogus' \$G/kernel.elf"
scenario kernel-exit "" "--cmdline exit=42 \$G/kernel.elf"
scenario kernel-out-of-memory "" "--mem 2 --cmdline sieve=10000000 \$G/kernel.elf"

# The debugger on the hypervisor target: each tests/vdb/hv/NAME.vdb runs
# as `vdb --batch -x NAME.vdb ARGS` (ARGS from its "# vdb:" line) and its
# transcript is compared with NAME.out, as tests/vdb/batch.sh does for the
# bytecode VM.  The source-level ones (VDB_HV_REMOTE) run a second time
# through the remote target, `vdb --remote` against `vdb --gdbserver` on
# the loopback device, each the other's process, with the DWARF layer on
# the client's side: the transcript must be the same.  Lines:
# NAME|SCRIPT (as a path inside)|ARGS|remote or nothing.
VDB=${VDB:-bin/vdb}
VDB_HV_DIR=tests/vdb/hv
: >"$E2E_TMP/vdb-scenarios"
if [ ! -x "$VDB" ]; then
    not_ok "vdb on the hypervisor target" "$VDB is not an executable program (build it first)"
fi
for script in "$VDB_HV_DIR"/*.vdb; do
    [ -x "$VDB" ] && [ -e "$script" ] || continue
    header=$(head -n 1 "$script")
    args=${header#"# vdb: "}
    echo "$(basename "$script" .vdb)|$(basename "$script")|${args//\$MHV_GUESTS/\$G}" >>"$E2E_TMP/vdb-scenarios"
done
VDB_HV_REMOTE="source_fib source_fault source_interrupt"
for name in $VDB_HV_REMOTE; do
    grep "^$name|" "$E2E_TMP/vdb-scenarios" | sed "s/^$name|\(.*\)/$name-remote|\1|remote/" >>"$E2E_TMP/vdb-scenarios"
done

# The script that runs them inside (or here), then each KVM Check suite:
#   == check:NAME STATUS   then its output, o|LINE
cat >"$E2E_TMP/run-guests.sh" <<'EOF_INSIDE'
#!/bin/sh
# run-guests.sh MHV GUESTS-DIR SCENARIOS SCRATCH VDB VDB-SCENARIOS VDB-SCRIPTS [CHECK-PROGRAM...]
mhv=$1 G=$2 scenarios=$3 scratch=$4 vdb=$5 vdb_scenarios=$6 vdb_scripts=$7
shift 7
checks="$*"   # the loop below reuses "$@" for each scenario's arguments
# No one command may hang the suite: one that runs past this fails its
# checks with status 124 (timeout's) and the rest go on.
limit="timeout 120"
# Which KVM this is (the module that serves /dev/kvm): what some guests
# can do depends on it (docs/no-kvm.md, "Which KVM").
platform=unknown
for module in kvm_pvm kvm_intel kvm_amd; do
    if [ -d "/sys/module/$module" ]; then platform=$module; break; fi
done
echo "== platform 0"
echo "o|$platform"
while IFS='|' read -r name input args; do
    eval "set -- $args"
    printf "%b" "$input" | $limit "$mhv" run "$@" >"$scratch/o" 2>"$scratch/e"
    echo "== $name $?"
    sed 's/^/o|/' "$scratch/o"
    sed 's/^/e|/' "$scratch/e"
done <"$scenarios"
port=23500
while IFS='|' read -r name script args how; do
    eval "set -- $args"
    if [ "$how" = remote ]; then
        # the server, then its client with the image for its symbols
        ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null
        port=$((port + 1))
        eval "image=\${$#}"
        timeout 300 "$vdb" --gdbserver "$port" "$@" 2>"$scratch/server.e" </dev/null &
        server=$!
        $limit "$vdb" --remote "127.0.0.1:$port" --batch -x "$vdb_scripts/$script" "$image" >"$scratch/o" 2>"$scratch/e" </dev/null
        status=$?
        wait "$server" || echo "vdb --gdbserver: status $? ($(cat "$scratch/server.e"))" >>"$scratch/e"
    else
        $limit "$vdb" --batch -x "$vdb_scripts/$script" "$@" >"$scratch/o" 2>"$scratch/e" </dev/null
        status=$?
    fi
    echo "== vdb:$name $status"
    sed 's/^/o|/' "$scratch/o"
    sed 's/^/e|/' "$scratch/e"
done <"$vdb_scenarios"
for check in $checks; do
    CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60} timeout 900 "$check" >"$scratch/o" 2>&1
    echo "== check:$(basename "$check") $?"
    sed 's/^/o|/' "$scratch/o"
done
EOF_INSIDE
chmod +x "$E2E_TMP/run-guests.sh"

checks=()
for check in ${KVM_TESTS:-}; do
    if [ -x "$check" ]; then checks+=("$check"); else not_ok "KVM suite $check" "it is missing (not built?)"; fi
done

transcript=$E2E_TMP/transcript
where=""
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    bash "$E2E_TMP/run-guests.sh" "$BVM" "$MHV_GUESTS" "$E2E_TMP/scenarios" "$E2E_TMP" \
        "$VDB" "$E2E_TMP/vdb-scenarios" "$VDB_HV_DIR" "${checks[@]}" >"$transcript"
    where="here, on /dev/kvm"
elif [ -n "${SANDBOX:-}" ]; then
    adds=(--add "$BVM:bin/mhv" --add "$MHV_GUESTS:guests" --add "$E2E_TMP/scenarios:scenarios"
          --add "$E2E_TMP/run-guests.sh:bin/run-guests.sh" --add "$E2E_TMP/vdb-scenarios:vdb-scenarios"
          --add "$VDB_HV_DIR:vdb-scripts"
          --add workloads:workloads --add mini-hypervisor/guest/kernel:mini-hypervisor/guest/kernel)
    # (the guest kernel's sources at their paths in the tree: the
    # source-level transcripts show its lines, found from /work as the
    # DWARF names them)
    [ -x "$VDB" ] && adds+=(--add "$VDB:bin/vdb")
    inside=()
    for check in "${checks[@]}"; do
        adds+=(--add "$check:bin/$(basename "$check")")
        inside+=("/work/bin/$(basename "$check")")
    done
    t0=$EPOCHREALTIME
    LAST_COMMAND="$SANDBOX ... -- run-guests.sh"
    "$SANDBOX" "${adds[@]}" -- run-guests.sh /work/bin/mhv /work/guests /work/scenarios /tmp \
        /work/bin/vdb /work/vdb-scenarios /work/vdb-scripts "${inside[@]}" \
        >"$transcript" 2>"$E2E_TMP/sandbox.err" </dev/null
    sandbox_status=$?
    echo "  ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s: one sandbox boot ran every guest and KVM suite)"
    if [ "$sandbox_status" -eq 0 ]; then
        ok "the sandbox ran the guests"
        where="in the sandbox"
    else
        not_ok "the sandbox ran the guests" "status $sandbox_status" "$(head -n 8 "$E2E_TMP/sandbox.err")"
    fi
else
    not_ok "KVM checks ran" "NOT RUN: the guest checks need /dev/kvm, which this machine lacks," \
        "and SANDBOX names no nested-KVM sandbox runner: run them with 'make check' or 'make sandbox-check'"
fi

# section NAME: take that section of the transcript into $OUT, $ERR and
# $status, as if mhv had just run it.
section() { transcript_section "$1" "$transcript" "mhv run ($1, $where)"; }
guest() { section "$@"; }

# What kvm_pvm's emulator reports where it stops (crash.h): the instruction,
# then why KVM was emulating it.
PVM_CAUSE="mhv: likely cause: this /dev/kvm is kvm_pvm, which virtualizes without VMX or SVM"
# expect_emulator_stop WHAT INSTRUCTION AT: the guest crashed where KVM's
# instruction emulator met INSTRUCTION (Capstone's words) at address AT.
expect_emulator_stop() {
    expect_status "$1: status 123" 123
    expect_err_has "$1: names the emulator's stop and the address" \
        "mhv: guest crashed: KVM's instruction emulator cannot run the instruction at $3"
    expect_err_has "$1: names the instruction" "mhv: the instruction: $2"
}

if [ -n "$where" ]; then
    section platform
    platform=$(head -n 1 "$OUT")
    echo "  (KVM $where: ${platform:-unknown})"
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
    if [ "$platform" = kvm_pvm ]; then
        # Real mode is KVM's emulator's there, and it has no ud2.
        expect_emulator_stop "crash on kvm_pvm: real mode is emulated" "ud2" "0100:0005 ("
        expect_err_has "crash on kvm_pvm: the likely cause" "$PVM_CAUSE"
    else
        expect_status "crash: a triple fault gives status 123" 123
        expect_err_has "crash: says the guest crashed" "guest crashed: the guest shut down (triple fault)"
    fi
    expect_err_has "crash: register dump with RIP and RFLAGS" "RIP="
    expect_err_has "crash: register dump with control registers" "CR0="
    expect_err_has "crash: register dump with segments" "CS="
    guest crash-long
    expect_status "crash64 (long mode): a triple fault gives status 123" 123
    expect_err_has "crash64: says the guest crashed" "guest crashed: the guest shut down (triple fault)"
    expect_err_has "crash64: register dump" "RIP="
    guest mmio-sse
    expect_emulator_stop "mmio_sse: addsd on the MMIO device" "addsd xmm0, qword ptr [rax]" "0x1005 ("
    expect_err_has "mmio_sse: the bytes at RIP" "at 0x1005 (f2 0f 58 00 "
    expect_err_has "mmio_sse: the suberror" "KVM_INTERNAL_ERROR_EMULATION"
    if [ "$platform" = kvm_pvm ]; then
        expect_err_has "mmio_sse on kvm_pvm: the likely cause" "$PVM_CAUSE"
    else
        expect_err_has "mmio_sse: the likely cause" "mhv: likely cause: KVM runs an instruction in its own emulator when the CPU cannot finish it alone -- above all an access to MMIO"
    fi
    expect_err_has "mmio_sse: register dump" "RIP=0000000000001005"
    printf 'hello from the uart\n' >"$E2E_TMP/uart.expected"
    guest uart
    expect_out_is "uart: prints through the UART at 0x3F8" "$E2E_TMP/uart.expected"
    expect_status "uart: an unclaimed port reads 0xFF (its exit status)" 255
    printf 'hello from long mode\n' >"$E2E_TMP/long.expected"
    guest long-flat
    expect_status "flat image in long mode: status 0 (it read the MMIO device's ID)" 0
    expect_out_is "flat image in long mode: prints" "$E2E_TMP/long.expected"
    guest long-flat-small
    expect_status "long mode in 1 MiB of RAM: status 0" 0
    printf 'hello from protected mode\nCR0.PE=1\n' >"$E2E_TMP/protected.expected"
    guest protected
    expect_status "ELF32 guest: entered in protected mode, status 0" 0
    expect_out_is "ELF32 guest: prints, and sees CR0.PE=1" "$E2E_TMP/protected.expected"
    guest stats
    expect_status "--stats: the guest's own status" 255
    expect_out_is "--stats: the guest's output is unchanged" "$E2E_TMP/uart.expected"
    expect_err_has "--stats: the exit table" "exit reason"
    expect_err_has "--stats: port I/O exits counted" "IO "
    expect_err_has "--stats: by device" "uart"
    expect_err_has "--stats: time to the first console byte" "first console byte"
    guest timeout
    expect_status "--timeout 1 on a guest that spins: status 124" 124
    expect_err_has "--timeout: says so" "timeout: the guest was still running after 1 s"
    expect_err_has "--timeout: register dump" "RIP="

    guest ioloop
    expect_status "ioloop: 50,000 port writes, then status 0" 0
    expect_err_has "ioloop: --stats counts the 50,001 port I/O exits" "IO                      50001"

    # expect_native_results WHAT SIZES...: the guest's result lines in $OUT
    # are those of native C (workloads/cycles.c) for these sizes, in order.
    expect_native_results() {
        local what=$1
        shift
        sed -n 's/ cycles=[0-9]*$//p' "$OUT" >"$E2E_TMP/guest-results"
        if [ ! -x "${CYCLES:-}" ]; then
            not_ok "$what" "CYCLES names no program (workloads/cycles.c)"
            return
        fi
        "$CYCLES" "$@" | sed 's/ cycles=[0-9]*$//' >"$E2E_TMP/native-results"
        if [ -s "$E2E_TMP/guest-results" ] && cmp -s "$E2E_TMP/guest-results" "$E2E_TMP/native-results"; then
            ok "$what"
        else
            not_ok "$what" "$(diff "$E2E_TMP/native-results" "$E2E_TMP/guest-results" | head -n 8)" "$(last_run)"
        fi
    }
    guest kernel-workloads
    expect_out_has "kernel: says hello with its RAM and command line" "vmlab guest kernel: RAM 16 MiB, cmdline '$KERNEL_SIZES'"
    if grep -qE '^fib\(20\) = 6765 cycles=[1-9][0-9]*$' "$OUT"; then ok "kernel: cycle counts"; else not_ok "kernel: cycle counts" "$(last_run)"; fi
    if [ "$platform" = kvm_pvm ]; then
        # All of ring 0 is emulated there: the integer workloads run (slowly),
        # matmul's first SSE instruction stops the emulator.
        expect_native_results "kernel on kvm_pvm: the integer workloads' results equal native C's" $KERNEL_INTEGER
        expect_emulator_stop "kernel matmul on kvm_pvm: SSE is not emulated" "movsd xmm0, qword ptr [rip + " "0x"
        expect_err_has "kernel matmul on kvm_pvm: the likely cause" "$PVM_CAUSE"
    else
        expect_status "kernel: the workloads run, status 0" 0
        expect_native_results "kernel: every workload's result equals native C's" $KERNEL_SIZES
        expect_out_has "kernel: the tick counter at the end" "ticks="
    fi
    guest kernel-trees
    if [ "$platform" = kvm_pvm ]; then
        expect_emulator_stop "kernel trees on kvm_pvm: SSE is not emulated" "pxor xmm0, xmm0" "0x"
    else
        expect_status "kernel trees=8: status 0" 0
        expect_native_results "kernel trees=8: the result equals native C's" trees=8
    fi

    guest kernel-debug
    expect_status "kernel-debug.elf (-O0): the integer workloads run, status 0" 0
    expect_native_results "kernel-debug.elf: the results equal native C's" $KERNEL_DEBUG_SIZES

    guest kernel-info
    expect_status "kernel info: status 0" 0
    if grep -qE '^info: id=MHVI version=1 host_ns=[1-9][0-9]* exits=[1-9][0-9]* scratch=ok$' "$OUT"; then
        ok "kernel info: the MMIO device's ID, clock, exit count and scratch register"
    else
        not_ok "kernel info: the MMIO device's ID, clock, exit count and scratch register" "$(head -n 5 "$OUT")" "$(last_run)"
    fi
    expect_err_has "kernel info: --stats counts MMIO exits" "MMIO "
    expect_err_has "kernel info: --stats names the device" "info "

    guest kernel-ticks
    expect_status "kernel ticks=20: status 0" 0
    expect_out_has "kernel ticks=20: 20 timer interrupts arrived (100 Hz)" "ticks: waited 20"
    expect_out_has "kernel ticks=20: the tick counter at the end" "ticks="
    guest kernel-fast-ticks
    expect_status "kernel hz=1000 ticks=200: status 0" 0
    expect_out_has "kernel hz=1000 ticks=200: 200 timer interrupts arrived" "ticks: waited 200"

    guest kernel-echo
    expect_status "kernel echo: status 0" 0
    expect_out_has "kernel echo: a line from stdin through the UART's receive interrupt" "echo: a line for the guest"

    for fault in ud gp pf de bp; do
        guest "kernel-fault-$fault"
        if [ "$fault" = bp ] && [ "$platform" = kvm_pvm ]; then
            # KVM's emulator runs int3 in real mode only.
            expect_emulator_stop "kernel fault=bp on kvm_pvm: int3 in ring 0 is not emulated" "int3" "0x"
            expect_err_has "kernel fault=bp on kvm_pvm: the likely cause" "$PVM_CAUSE"
            continue
        fi
        expect_status "kernel fault=$fault: its exception handler ends with status 3" 3
        case $fault in
            ud) name="#UD (vector 6" ;; gp) name="#GP (vector 13" ;; pf) name="#PF (vector 14" ;;
            de) name="#DE (vector 0" ;; bp) name="#BP (vector 3" ;;
        esac
        expect_out_has "kernel fault=$fault: reported over the serial port" "guest kernel: exception $name"
        if [ "$fault" = pf ]; then
            expect_out_has "kernel fault=pf: the faulting address" "cr2 0x100000000000"
        fi
    done

    guest kernel-poke-device
    expect_status "kernel poke of the MMIO device: status 0" 0
    expect_out_has "kernel poke of the MMIO device: reads its ID" "4956484d"
    guest kernel-poke-outside
    expect_status "kernel poke outside RAM and devices: status 123" 123
    expect_err_has "kernel poke outside RAM: names the address" "read 8 bytes at physical 0xf0000000, which is neither RAM"
    guest kernel-poke-past-ram
    expect_status "kernel poke just past the end of RAM: status 123" 123
    expect_err_has "kernel poke past RAM: names the address" "physical 0x400000, which is neither RAM (0..0x3fffff)"
    guest kernel-spin
    expect_status "kernel spin with interrupts on: --timeout gives 124" 124
    guest kernel-bad-word
    expect_status "kernel: a bad command-line word gives status 1" 1
    expect_out_has "kernel: names the bad word" "bad command line word 'bogus'"
    guest kernel-exit
    expect_status "kernel exit=42: status 42" 42
    guest kernel-out-of-memory
    expect_status "kernel out of memory: status 4" 4
    expect_out_has "kernel out of memory: says so" "out of memory"

    # vdb on the hypervisor target: each transcript as the golden one --
    # NAME.PLATFORM.out where this KVM legitimately shows another (after a
    # triple fault kvm_amd resets the vCPU, kvm_pvm keeps its state).
    while IFS='|' read -r name script _ how; do
        section "vdb:$name"
        base=${script%.vdb}
        LAST_COMMAND="vdb ${how:+--remote (against vdb --gdbserver) }--batch -x $VDB_HV_DIR/$script ($where)"
        { cat "$OUT" "$ERR"; echo "[vdb exit status $status]"; } >"$E2E_TMP/vdb-transcript"
        expected=$VDB_HV_DIR/$base.out
        [ -f "$VDB_HV_DIR/$base.$platform.out" ] && expected=$VDB_HV_DIR/$base.$platform.out
        if diff -u "$expected" "$E2E_TMP/vdb-transcript" >"$E2E_TMP/vdb-diff"; then
            ok "vdb $name"
        else
            not_ok "vdb $name: the transcript differs from $expected" "$(head -n 30 "$E2E_TMP/vdb-diff")"
        fi
    done <"$E2E_TMP/vdb-scenarios"

    # The KVM Check suites: their own summary lines are shown, their counts added.
    for check in "${checks[@]}"; do
        name=check:$(basename "$check")
        section "$name"
        sed 's/^/  /' "$OUT"
        summary=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$OUT" | tail -n 1)
        if [ -z "$summary" ]; then
            not_ok "$name" "ended with status $status without a Check summary" "$(head -n 10 "$OUT")"
            continue
        fi
        read -r total failures errors < <(sed -E 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/' <<<"$summary")
        E2E_PASSED=$((E2E_PASSED + total - failures - errors))
        E2E_FAILED=$((E2E_FAILED + failures + errors))
        if [ "$status" -ne 0 ] && [ $((failures + errors)) -eq 0 ]; then
            not_ok "$name" "passed its checks but exited with status $status"
        fi
    done
fi
finish
