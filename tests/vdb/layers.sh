#!/usr/bin/env bash
# layers.sh -- the debugger's layers, as the compiler enforces them: a
# file of each layer that includes a header of a layer above it, or a
# VM's header, does not compile; one that includes a header of its own
# layer or of one below does.  The include rules are the Makefile's
# VDB_*_INC (printed by `make vdb-include-rules`), so this checks the
# rules the build uses, not a copy of them.
#
#   VDB  the vdb program (default bin/vdb; only that it was built)
#   CC   the compiler (default cc)
cd "$(dirname "$0")/../.." || exit 2

BVM=${VDB:-bin/vdb}   # lib.sh checks $BVM exists
. tests/e2e/lib.sh
CC=${CC:-cc}

declare -A rules
while read -r layer flags; do
    rules[$layer]=$flags
done < <(make -s --no-print-directory vdb-include-rules 2>"$ERR")
if [ "${#rules[@]}" -lt 7 ]; then
    not_ok "make vdb-include-rules prints every layer's rule" "$(head -n 5 "$ERR")"
    finish
fi

# try LAYER HEADER builds|fails
try() {
    local layer=$1 header=$2 want=$3 got
    # shellcheck disable=SC2086  # the rule is a list of -I flags
    if printf '#include "%s"\n' "$header" |
        "$CC" -std=c11 -D_GNU_SOURCE -Icommon ${rules[$layer]} -fsyntax-only -x c - 2>"$ERR"; then
        got=builds
    else
        got=fails
    fi
    if [ "$got" = "$want" ]; then
        ok "$layer: #include \"$header\" $want"
    else
        not_ok "$layer: #include \"$header\" $want" "it $got (rule: ${rules[$layer]})" "$(head -n 3 "$ERR")"
    fi
}

# targets/: target.h sees nothing else of vdb, and no VM.
try targets target.h builds
try targets session.h fails
try targets vm.h fails
# core/, the service layer: the interface below it, never the commands,
# the ui, gdb or a VM.
try core session_state.h builds
try core target.h builds
try core dispatch.h fails
try core handlers.h fails
try core command_table.h fails
try core tui.h fails
try core layout.h fails
try core gdbserver.h fails
try core vm.h fails
try core memlayout.h fails
# commands/: the services below, never the ui, gdb or a VM.
try commands dispatch.h builds
try commands session_state.h builds
try commands tui.h fails
try commands layout.h fails
try commands gdbserver.h fails
try commands vm.h fails
# ui/: the dispatcher and below, not gdb, not a VM.
try ui tui.h builds
try ui dispatch.h builds
try ui gdbserver.h fails
try ui vm.h fails
try ui memlayout.h fails
# gdb/: the target interface alone.
try gdb gdbserver.h builds
try gdb target.h builds
try gdb session.h fails
try gdb dispatch.h fails
# the adapters: the interface and their own VM, nothing of the front end.
try bvm-adapter vm.h builds
try bvm-adapter target.h builds
try bvm-adapter session.h fails
try bvm-adapter memlayout.h fails
try mhv-adapter memlayout.h builds
try mhv-adapter target.h builds
try mhv-adapter session.h fails

finish
