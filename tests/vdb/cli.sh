#!/usr/bin/env bash
# cli.sh -- the vdb command line from outside: flags, exit statuses, bad
# programs and scripts, commands from stdin, and the JIT seen from the
# debugger (what changes from run to run -- compile times, code addresses
# -- is checked here by pattern rather than in a golden transcript).
#
#   VDB  the vdb program (default bin/vdb)
cd "$(dirname "$0")/../.." || exit 2

BVM=${VDB:-bin/vdb}   # lib.sh runs and checks $BVM
. tests/e2e/lib.sh
vdb() { bvm "$@"; }

expect_out_has() {
    if grep -qF -- "$2" "$OUT"; then ok "$1"; else not_ok "$1" "stdout lacks: $2" "$(last_run)"; fi
}
expect_out_lacks() {
    if grep -qF -- "$2" "$OUT"; then not_ok "$1" "stdout has: $2" "$(last_run)"; else ok "$1"; fi
}

fib=workloads/fib.vela
program=tests/vdb/programs/inventory.vela
script=$E2E_TMP/script.vdb

# ---- usage ---------------------------------------------------------------------

vdb --help
expect_status "--help: status 0" 0
expect_out_has "--help: shows the usage" "usage: vdb [options] PROGRAM"
expect_out_has "--help: documents the exit statuses" "exit status: 0 ok"

usage() {
    local what=$1 text=$2
    shift 2
    vdb "$@"
    expect_status "$what: status 2" 2
    expect_err_has "$what: says what is wrong" "$text"
}
usage "no program"            "which program?"                --batch
usage "no image"              "which image?"                  --hv --batch
usage "--remote without HOST:PORT" "--remote needs HOST:PORT"   --remote
usage "--remote without a port" "--remote takes HOST:PORT"     --remote localhost --batch
usage "--remote and --gdbserver" "the client or the server"    --remote :1 --gdbserver 2
usage "--remote and the machine's flags" "are the server's"    --remote :1 --mode long --batch
usage "two programs"          "one too many"                  --batch "$program" "$program"
usage "unknown option"        "unknown option '--frobnicate'" --batch --frobnicate "$program"
usage "-x without a script"   "-x needs a script file"        --batch "$program" -x
usage "--jit on the hv"       "--jit is for the bytecode VM"  --hv --jit=on --batch x.bin
usage "--mode without --hv"   "are for the hypervisor"        --mode long --batch "$program"
usage "--kernel without --hv" "are for the hypervisor"        --kernel vmlinux --batch "$program"
usage "--remote and --kernel" "are the server's"               --remote :1 --kernel vmlinux --batch
usage "--kernel without a file" "--kernel needs a file"        --hv --batch --kernel
usage "--initrd twice"        "--initrd is given twice"        --hv --batch --kernel k --initrd a --initrd b
usage "--disk without --kernel" "--disk goes with --kernel"    --hv --batch --disk d.img x.bin
usage "a fourth --disk"       "--disk d: at most 3 disks"      --hv --batch --kernel k --disk a --disk b --disk c --disk d
usage "--mem not a number"    "--mem takes MiB"               --hv --mem lots --batch x.bin
usage "--load not an address" "--load takes an address"       --hv --load here --batch x.bin
usage "no terminal, no batch" "the TUI needs a terminal"      "$program"
usage "--gdbserver bad port"  "--gdbserver takes a port"      --hv --gdbserver 70000 x.bin
usage "--gdbserver with -x"   "takes no --batch or -x"        --hv --gdbserver - --batch x.bin

# ---- programs and scripts that cannot be used ----------------------------------------

vdb --batch "$E2E_TMP/missing.vela"
expect_status "a missing program: status 65 (as bvm)" 65
expect_err_has "a missing program: names it" "missing.vela"

printf 'void main() { int x = ; }\n' >"$E2E_TMP/broken.vela"
vdb --batch "$E2E_TMP/broken.vela"
expect_status "a program that does not compile: status 65" 65
expect_err_has "a program that does not compile: file:line:col" "broken.vela:1:"

vdb --batch --jit=sometimes "$program"
expect_status "a bad --jit value: status 65" 65
expect_err_has "a bad --jit value: says so" "--jit takes off, on or always"

vdb --batch -x "$E2E_TMP/no-such-script" "$program"
expect_status "a missing script: status 66" 66
expect_err_has "a missing script: names it" "no-such-script"

printf 'break 7\nprint \001\002\377\n' >"$script"
vdb --batch -x "$script" "$fib"
expect_status "junk bytes in a script: a failed command, status 1" 1
expect_out_has "junk bytes in a script: an error line" "error:"

head -c 100000 /dev/urandom | tr -d '\000' >"$script"
vdb --batch -x "$script" "$program"
if [ "$status" -le 1 ]; then ok "random bytes as a script: no crash (status $status)"; else
    not_ok "random bytes as a script: no crash" "status $status" "$(last_run)"; fi

vdb --hv --batch "$E2E_TMP/missing.bin"
expect_status "a missing guest image: status 125 (as mhv)" 125
expect_err_has "a missing guest image: names it" "missing.bin"

# A damaged ELF (truncated: its section headers are past its end) is
# refused as --symbols with what is wrong and where, status 125, before the
# machine starts (no /dev/kvm needed); as the image it runs without
# symbols, with a warning that says why.
guests=${MHV_GUESTS:-build/release/guest}
if [ -r "$guests/kernel-debug.elf" ] && [ -r "$guests/hello64.bin" ]; then
    head -c 40000 "$guests/kernel-debug.elf" >"$E2E_TMP/truncated.elf"
    printf 'info symbol 0x100000\n' >"$script"
    vdb --hv --symbols "$E2E_TMP/truncated.elf" --batch -x "$script" "$guests/hello64.bin"
    expect_status "--symbols a truncated ELF: status 125" 125
    expect_err_has "--symbols a truncated ELF: says what and where" \
        "vdb: --symbols $E2E_TMP/truncated.elf: $E2E_TMP/truncated.elf: the section header table (offset 0x"
    expect_err_has "--symbols a truncated ELF: and the file's size" "runs past the end of the file (40000 bytes)"
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
        vdb --hv --batch -x "$script" "$E2E_TMP/truncated.elf"
        expect_err_has "a truncated ELF image: runs with a warning" \
            "vdb: warning: no symbols: $E2E_TMP/truncated.elf: the section header table"
    fi
else
    not_ok "a damaged ELF" "$guests/kernel-debug.elf or hello64.bin is missing (make guests)"
fi

# ---- commands from stdin, and the transcript's order ---------------------------------

(ulimit -t 30 && printf 'break fib\nrun\nprint n\ndelete\ncontinue\n' | "$BVM" --batch "$fib") >"$OUT" 2>"$ERR"
status=$?
LAST_COMMAND="printf ... | vdb --batch $fib"
expect_status "commands from stdin: status 0" 0
expect_out_has "commands from stdin: the breakpoint" "Breakpoint 1, fib at fib.vela:7"
expect_out_has "commands from stdin: the value" "\$1 = 36"
if grep -n 'fib(36) = 14930352' "$OUT" | grep -q . &&
   [ "$(grep -n 'fib(36)' "$OUT" | cut -d: -f1)" -lt "$(grep -n 'program exited' "$OUT" | cut -d: -f1)" ]; then
    ok "the program's output comes before the end is reported"
else
    not_ok "the program's output comes before the end is reported" "$(last_run)"
fi

printf 'quit\nbreak fib\n' >"$script"
vdb --batch -x "$script" -x "$script" "$fib"
expect_status "quit: status 0" 0
expect_out_lacks "quit: nothing after it runs" "Breakpoint 1"

# ---- the JIT, seen from the debugger -----------------------------------------------

printf 'break fib\nrun\ninfo jit\ndisassemble/n\ndelete\njit off\ncontinue\n' >"$script"
vdb --batch --jit=always -x "$script" "$fib"
expect_status "--jit=always: status 0" 0
expect_out_has "--jit=always: fib is compiled before it runs, though a breakpoint is armed" "jit: 1 functions compiled"
expect_out_has "disassemble/n: the native code's header" "jit: fib (function #0)"
expect_out_has "disassemble/n: bytecode interleaved" "pc 0     load n"
if grep -qE '^ +[0-9a-f]{4}  (mov|push|cmp) ' "$OUT"; then ok "disassemble/n: x86-64 from Capstone"; else
    not_ok "disassemble/n: x86-64 from Capstone" "$(last_run)"; fi
expect_out_has "jit off: said" "JIT off."
expect_out_has "the program's output, unchanged" "fib(36) = 14930352"

printf 'break fib\nrun\ndisassemble/n\njit on\ndelete\nnext\nnext\ninfo jit\n' >"$script"
vdb --batch -x "$script" "$fib"
expect_out_has "--jit=off: no native code at a stop" "fib has no native code: it has not been compiled"
expect_out_has "jit on at a stop: said" "JIT on."
if grep -qE '^jit: [1-9][0-9]* functions compiled' "$OUT"; then
    ok "jit on at a stop: fib becomes hot and is compiled during next"
else
    not_ok "jit on at a stop: fib becomes hot and is compiled during next" "$(last_run)"
fi

printf 'info gc\ninfo jit\n' >"$script"
vdb --batch -x "$script" "$program"
expect_out_has "info gc: the collector's statistics" "gc: collections"

# ---- the real gdb, through --gdbserver, on the bytecode VM -------------------------------

# gdb sees an amd64 machine whose rip is the bytecode address (function
# << 32 | pc) and rsp the value stack's top; memory is the value stack.
gdb_session() {
    gdb -nx -batch -ex "target remote $1" -ex 'info registers rip rsp' -ex 'break *0x0' -ex 'continue' \
        -ex 'info registers rip' -ex 'x/2gx $rsp - 16' -ex 'stepi' -ex 'info registers rip' -ex 'delete' \
        -ex 'continue' >"$OUT" 2>&1 </dev/null
    status=$?
}
check_gdb_session() {
    local way=$1
    expect_status "gdb over $way: status 0" 0
    expect_out_has "gdb over $way: rip at main's start (function 1, pc 0)" "rip            0x100000000"
    expect_out_has "gdb over $way: a breakpoint at fib+0" "Breakpoint 1, 0x0000000000000000"
    expect_out_has "gdb over $way: the value stack holds n = 36" "0x0000000000000024"
    expect_out_has "gdb over $way: stepi goes one bytecode instruction on" "rip            0x3"
    expect_out_has "gdb over $way: the program's output, sent to gdb (O packets)" "fib(36) = 14930352"
    expect_out_has "gdb over $way: the end" "[Inferior 1 (Remote target) exited normally]"
}
if command -v gdb >/dev/null; then
    LAST_COMMAND="gdb -batch -ex 'target remote | vdb --gdbserver - $fib' ..."
    gdb_session "| $BVM --gdbserver - $fib"
    check_gdb_session "a pipe"
    port=$((20000 + $$ % 20000))
    (ulimit -t 60 && exec "$BVM" --gdbserver "$port" "$fib") 2>"$E2E_TMP/server.err" &
    server=$!
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        grep -q "waiting for gdb" "$E2E_TMP/server.err" && break
        sleep 0.2
    done
    LAST_COMMAND="gdb -batch -ex 'target remote 127.0.0.1:$port' ... (vdb --gdbserver $port $fib)"
    gdb_session "127.0.0.1:$port"
    check_gdb_session "TCP"
    wait "$server"
    status=$?
    expect_status "the TCP server ends when gdb is done" 0
    if grep -qF "fib(36) = 14930352" "$E2E_TMP/server.err"; then
        not_ok "TCP: the program's output goes to gdb, not to vdb's stderr" "$(cat "$E2E_TMP/server.err")"
    else ok "TCP: the program's output goes to gdb, not to vdb's stderr"; fi
else
    not_ok "gdb against vdb --gdbserver" "NOT RUN: no gdb on this machine (scripts/deps.sh hypervisor installs it)"
fi

# ---- vdb --remote, with no server --------------------------------------------------------

# (The remote target against vdb --gdbserver on the guests: tests/hv/remote.sh;
# against broken servers: tests/unit/vdb/test_vdb_remote.c.)
port=$((20000 + ($$ + 7) % 20000))
printf 'info registers\n' >"$script"
vdb --remote "127.0.0.1:$port" --batch -x "$script"
expect_status "--remote with nothing listening: status 125" 125
expect_err_has "--remote with nothing listening: says so" "cannot connect to 127.0.0.1:$port: Connection refused"

# After the program ends, the hint says what `run` can do on this target:
# the bytecode VM starts it again; the remote target (here against vdb's
# gdb server on the bytecode VM, no KVM needed) cannot, and says so.
printf 'continue\ncontinue\n' >"$script"
vdb --batch -x "$script" "$fib"
expect_out_has "continue after the end: run starts it again" "(it ended; run starts it again)"
port=$(free_port)
"$BVM" --gdbserver "$port" "$fib" >/dev/null 2>&1 </dev/null &
server=$!
printf 'continue\ncontinue\nrun\n' >"$script"
vdb --remote "127.0.0.1:$port" --batch -x "$script"
wait "$server"
expect_status "the remote target after the end: a failed command, status 1" 1
expect_out_lacks "the remote target after the end: no hint that run starts it again" "run starts it again"
expect_out_has "the remote target after the end: says it cannot" \
    "(it ended, and the remote target cannot start it again: quit, and start vdb again)"

# ---- the manual lists every command ---------------------------------------------------

printf 'help\n' >"$script"
vdb --batch -x "$script" "$program"
missing=""
for name in $(sed -n 's/^  \([a-z-]*\).*/\1/p' "$OUT"); do
    grep -qE "^\| \`$name\`|^\| \`[a-z]+\` / \`$name\`|, \`$name\`" docs/debugger.md || missing="$missing $name"
done
if [ -z "$missing" ] && [ -s "$OUT" ]; then ok "docs/debugger.md describes every command of help"; else
    not_ok "docs/debugger.md describes every command of help" "missing:$missing"; fi

finish
