#!/usr/bin/env bash
#
# remote.sh -- vdb's remote target (debugger/targets/target_remote.c) on a
# KVM guest that runs in the nested-KVM sandbox, driven from outside it:
# the route `scripts/on-kvm bin/vdb --hv IMAGE` takes where there is no
# usable /dev/kvm.  ON_KVM=sandbox makes on-kvm take it anywhere, so these
# checks are the same on every machine.
#
#   TUI, kernel.elf   the TUI on this side's terminal (tmux), the guest in
#                     the sandbox: the source, code and registers panes show
#                     the guest, stepi moves the marker and marks a changed
#                     register, breakpoints by address and by name stop it,
#                     print reads through a pointer, info mode comes
#                     from the server, the guest's console fills the output
#                     pane, Tab and history work, a resize redraws at the
#                     new size, quit ends vdb and the sandbox
#   source pane       the guest's C source through the remote route (the
#                     DWARF layer over the remote target): kmain.c with
#                     the current line marked, the marker moving after next
#   TUI, spin.bin     Ctrl-C stops a guest that spins, in real mode
#   batch             tests/vdb/hv/long_mode.vdb through `vdb --remote`
#                     against `scripts/on-kvm --serve`: the transcript is
#                     the hypervisor target's own, tests/vdb/hv/long_mode.out
#                     (registers, cr0 and efer, disassembly, steps over I/O,
#                     breakpoints, virtual and physical memory, info mode,
#                     info exits, errors), line for line
#   direct            where /dev/kvm is usable here (kvm_pvm too), the TUI
#                     on the hypervisor target itself, as before
#
# Three sandbox boots (the TUI's two and the batch one).
#
#   VDB         the vdb program      (default bin/vdb)
#   MHV_GUESTS  the guest images     (default build/release/guest)
#   TUI_SCREEN  if set, a file for the remote TUI's screen at the breakpoint
#               (tmux capture-pane), for a person to look at
# shellcheck disable=SC2317  # the predicates below run through wait_until
cd "$(dirname "$0")/../.." || exit 2

BVM=${VDB:-bin/vdb}   # lib.sh checks $BVM
MHV_GUESTS=${MHV_GUESTS:-build/release/guest}
. tests/e2e/lib.sh
VDB=$BVM

if ! command -v tmux >/dev/null 2>&1; then
    not_ok "tmux is needed to drive the TUI (apt-get install tmux); no remote TUI test ran"
    finish
fi
TUI_PROGRAM=scripts/on-kvm
. tests/vdb/tmux.sh
"${TMUX_CMD[@]}" new-session -d -s keeper -x 20 -y 5 "sleep 3600"

# on-kvm finds the programs and guests of this build (make asan's too).
BINDIR=$(dirname "$VDB")
BUILD=$(dirname "$MHV_GUESTS")
kernel=$MHV_GUESTS/kernel.elf
spin=$MHV_GUESTS/spin.bin
for image in "$kernel" "$spin" "$MHV_GUESTS/hello64.bin"; do
    [ -f "$image" ] || not_ok "guest image $image" "missing (build it with make)"
done

# The sandbox of a port is gone: no QEMU listens on it any more.
sandbox_gone() { ! (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

on_kvm_env=(BINDIR="$BINDIR" BUILD="$BUILD" ON_KVM=sandbox)
BOOT=90   # seconds a screen may take to come: a sandbox boot, on a busy machine

# ---- the TUI on kernel.elf, through the remote route ----------------------------------

port=$(free_port)
kernel_main=0x$(nm "$kernel" | awk '$3 == "kernel_main" { sub(/^0+/, "", $1); print $1 }')
start kernel 120 40 "${on_kvm_env[@]}" ON_KVM_PORT="$port" -- "$BINDIR/vdb" --hv --cmdline fib=10 "$kernel"
expect_screen "remote TUI: the source pane shows the guest's entry, entry.S" kernel "source: entry.S" "$BOOT"
expect_screen "remote TUI: the memory pane shows the guest's memory" kernel "00100000  fc 49 89 fc"
expect_screen "remote TUI: the status line names the remote, the mode and the port" kernel \
    "remote | not started | long mode | 127.0.0.1:$port"
type_line kernel "stepi"
expect_screen "remote TUI, source: stepi marks entry.S's line 40" kernel ">  40      mov     %rdi, %r12"
expect_screen "remote TUI, source: the frames pane shows _start" kernel "#0  _start, line 40"
type_line kernel "layout asm"
expect_screen "remote TUI: layout asm: the code pane at the guest's entry, by symbol" kernel "> _start+1       mov r12, rdi"
expect_screen "remote TUI: the registers pane shows the guest's registers" kernel "rsp      0x0000000001000000"
type_line kernel "stepi"
expect_screen "remote TUI: stepi over mov r12, rdi" kernel "> _start+4       mov rdi, 0x"
expect_attribute "remote TUI: the changed r12 highlighted (bold)" kernel "r12      0x0000000000ff1000" 1
type_line kernel "break *$kernel_main"
expect_screen "remote TUI: a breakpoint by address, its function and line named" kernel \
    "Breakpoint 1 at kernel_main: file kmain.c, line 43."
type_line kernel "delete 1"
type_line kernel "break kernel_main"
expect_screen "remote TUI: a breakpoint by function name" kernel "Breakpoint 2 at kernel_main: file kmain.c, line 43."
type_line kernel "continue"
expect_screen "remote TUI: continue stops at it" kernel "Breakpoint 2, kernel_main at kmain.c:43" 30
expect_screen "remote TUI: the code pane at kernel_main" kernel "> kernel_main    push rbp"

# The source pane: the DWARF layer over the remote target.
type_line kernel "layout src"
expect_screen "remote TUI, source: the pane shows kmain.c" kernel "source: kmain.c"
expect_screen "remote TUI, source: line 43 marked" kernel ">  43  {"
expect_screen "remote TUI, source: the frames pane, kernel_main called by _start" kernel "#1  _start, line 51"
type_line kernel "next"
if wait_until 10 bash -c "tmux -L $SOCKET capture-pane -p -t kernel | grep -qE '[B ]>  *(4[4-9]|5[0-9])  '"; then
    ok "remote TUI, source: next moves the marker down kmain.c"
else not_ok "remote TUI, source: next moves the marker down kmain.c" "$(dump kernel)"; fi
type_line kernel "print boot->ram_size"
expect_screen "remote TUI: print through the boot info pointer (16 MiB)" kernel "= 16777216"
[ -n "${TUI_SCREEN:-}" ] && screen kernel >"$TUI_SCREEN"
type_line kernel "layout regs"
expect_screen "remote TUI: layout regs" kernel "registers"

type_line kernel "info mode"
expect_screen "remote TUI: info mode, from the server's monitor" kernel "long mode (64-bit)"
type_line kernel "delete"
type_line kernel "continue"
expect_screen "remote TUI: the guest runs to its end" kernel "[program exited with status 0]" 30
expect_screen "remote TUI: its console in the output pane" kernel "│vmlab guest kernel: RAM 16 MiB"
expect_screen "remote TUI: its workload's line there too" kernel "│fib(10) = 55"

type_text kernel "brea"
press kernel Tab
if wait_until 5 last_row_is kernel "(vdb) break"; then ok "remote TUI: Tab completes a command"; else
    not_ok "remote TUI: Tab completes a command" "last row: $(screen kernel | tail -n 1)"; fi
press kernel C-u
press kernel Up
if wait_until 5 last_row_is kernel "(vdb) continue"; then ok "remote TUI: Up recalls the last command"; else
    not_ok "remote TUI: Up recalls the last command" "last row: $(screen kernel | tail -n 1)"; fi
press kernel C-u

expect_resized "remote TUI: resize to 80x24" kernel " remote |"
"${TMUX_CMD[@]}" resize-window -t kernel -x 120 -y 40

type_line kernel "quit"
expect_end "remote TUI: quit ends vdb (and on-kvm) with status 0" kernel 0
if wait_until 10 sandbox_gone "$port"; then ok "remote TUI: quit ends the sandbox"; else
    not_ok "remote TUI: quit ends the sandbox" "something still listens on 127.0.0.1:$port"; fi
if grep -q "stopped it" "$E2E_TMP/kernel.err"; then
    not_ok "remote TUI: the server ended by itself after quit" "$(cat "$E2E_TMP/kernel.err")"
else ok "remote TUI: the server ended by itself after quit"; fi

# ---- Ctrl-C stops a spinning guest ---------------------------------------------------------

port=$(free_port)
start spin 120 40 "${on_kvm_env[@]}" ON_KVM_PORT="$port" -- "$BINDIR/vdb" --hv "$spin"
expect_screen "remote TUI, spin: the real-mode guest at 0x1000" spin "code: 0x1000" "$BOOT"
expect_screen "remote TUI, spin: real mode in the status line" spin "real mode | 127.0.0.1:$port"
type_line spin "continue"
expect_screen "remote TUI, spin: the status says it runs" spin "running: continue"
sleep 1
press spin C-c
expect_screen "remote TUI, spin: Ctrl-C stops it, in its loop" spin "Program stopped (interrupted) at 0x1000" 20
expect_screen "remote TUI, spin: the status says interrupted" spin "remote | interrupted"
type_line spin "continue"
expect_screen "remote TUI, spin: it runs again" spin "running: continue"
sleep 1
press spin C-c
if wait_until 20 shows_count spin "Program stopped (interrupted) at 0x1000" 2; then
    ok "remote TUI, spin: and stops again"
else not_ok "remote TUI, spin: and stops again" "$(dump spin)"; fi
type_line spin "quit"
expect_end "remote TUI, spin: quit, status 0" spin 0
if wait_until 10 sandbox_gone "$port"; then ok "remote TUI, spin: quit ends the sandbox"; else
    not_ok "remote TUI, spin: quit ends the sandbox" "something still listens on 127.0.0.1:$port"; fi

# ---- batch, through on-kvm --serve -------------------------------------------------------

script=tests/vdb/hv/long_mode.vdb
expected=$E2E_TMP/long_mode.out   # mhv.sh's transcript, less the status line its runner adds
# (and after the end, the hint the remote target gives: it cannot run the
# guest again, where the direct route's run can)
grep -v '^\[vdb exit status' tests/vdb/hv/long_mode.out |
    sed 's/(it ended; run starts it again)/(it ended, and the remote target cannot start it again: quit, and start vdb again)/' \
    >"$expected"
port=$(free_port)
: >"$E2E_TMP/serve.err"   # there before the loop below reads it
env "${on_kvm_env[@]}" scripts/on-kvm --serve "$port" --mode long "$MHV_GUESTS/hello64.bin" \
    >"$E2E_TMP/serve.out" 2>"$E2E_TMP/serve.err" </dev/null &
server=$!
for ((i = 0; i < BOOT * 10; i++)); do
    grep -q "waiting for gdb on 127.0.0.1:$port" "$E2E_TMP/serve.err" && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
LAST_COMMAND="$VDB --remote 127.0.0.1:$port --batch -x $script"
"$VDB" --remote "127.0.0.1:$port" --batch -x "$script" >"$OUT" 2>"$ERR" </dev/null
status=$?
expect_status "batch through the remote route: status 1 (the script's last two commands fail on purpose)" 1
if diff -u "$expected" "$OUT" >"$E2E_TMP/diff"; then
    ok "batch through the remote route: the transcript is the direct one (tests/vdb/hv/long_mode.out)"
else
    not_ok "batch through the remote route: the transcript is the direct one (tests/vdb/hv/long_mode.out)" \
        "$(head -n 40 "$E2E_TMP/diff")" \
        "the server said: $(cat "$E2E_TMP/serve.err")"; fi
wait "$server"
status=$?
LAST_COMMAND="scripts/on-kvm --serve $port --mode long hello64.bin"
expect_status "on-kvm --serve ends when its client is done" 0

# ---- the direct route, on this machine's /dev/kvm -------------------------------------------

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
    TUI_PROGRAM=$VDB
    start direct 120 40 -- --hv --mode long "$MHV_GUESTS/hello64.bin"
    expect_screen "direct TUI: the registers pane shows the guest's registers" direct "rsp      0x0000000001000000" 20
    expect_screen "direct TUI: the status line" direct "mhv | not started | long mode"
    type_line direct "stepi"
    expect_screen "direct TUI: stepi moves the marker" direct "> 0x1009" 20
    type_line direct "quit"
    expect_end "direct TUI: quit, status 0" direct 0
else
    echo "remote: the direct route (vdb's TUI on /dev/kvm here) needs a /dev/kvm; this machine has none," \
         "so scripts/on-kvm takes the remote route checked above"
fi

finish
