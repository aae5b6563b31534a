#!/usr/bin/env bash
# layers.sh -- the include rules of the layers of bytecode-vm/,
# mini-hypervisor/ and debugger/ (docs/architecture.md) hold: a file in a
# layer that includes a header of a layer it may not see does not build,
# and one that includes a header it may see does.
#
# Each rule compiles a one-line C file (#include "HEADER") with exactly the
# flags the Makefile gives files of that folder (`make layer-flags DIR=`),
# so a rule loosened in the Makefile fails here.
#
#   folder                          may include        may not include
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 2

RULES=(
    # libbvm, lowest layer first
    "bytecode-vm/support            util.h             module.h"
    "bytecode-vm/bytecode           diag.h             ast.h"
    "bytecode-vm/bytecode           module.h           vm.h"
    "bytecode-vm/front              verify.h           vm.h"
    "bytecode-vm/front              module.h           vm_state.h"
    "bytecode-vm/front              ast.h              jit.h"
    "bytecode-vm/runtime            verify.h           ast.h"
    "bytecode-vm/runtime            vm_state.h         compiler.h"
    "bytecode-vm/runtime            tier.h             jit.h"
    "bytecode-vm/runtime            heap.h             x64.h"
    "bytecode-vm/jit                vm_state.h         parser.h"
    # libmhv and its guests
    "mini-hypervisor/abi            memlayout.h        bus.h"
    "mini-hypervisor/devices        memlayout.h        machine.h"
    "mini-hypervisor/devices        bus.h              kvm.h"
    "mini-hypervisor/vmm            bus.h              debug.h"
    "mini-hypervisor/vmm            machine.h          probe.h"
    "mini-hypervisor/debug          machine.h          vm.h"
    "mini-hypervisor/guest/kernel   boot.h             machine.h"
    "mini-hypervisor/guest/kernel   workload.h         bus.h"
    "mini-hypervisor/guest/kernel   memlayout.h        vmlab_cli.h"
    # a lab's kernel files (lab 9's uart.c) see what the kernel's files see
    "labs/09-guest-debugging/kernel uart.h             machine.h"
    # libvdb: the front end never sees a VM's headers; each adapter sees its own VM's
    "debugger/targets                target.h           session.h"
    "debugger/targets                target.h           vm.h"
    "debugger/targets                rsp.h              session.h"
    "debugger/targets                x86_target.h       debug.h"
    "debugger/core                   session_state.h    dispatch.h"
    "debugger/core                   target.h           handlers.h"
    "debugger/core                   session_state.h    command_table.h"
    "debugger/core                   target.h           tui.h"
    "debugger/core                   session_state.h    layout.h"
    "debugger/core                   target.h           gdbserver.h"
    "debugger/core                   session_state.h    vm.h"
    "debugger/core                   target.h           memlayout.h"
    "debugger/commands               dispatch.h         tui.h"
    "debugger/commands               session_state.h    layout.h"
    "debugger/commands               dispatch.h         gdbserver.h"
    "debugger/commands               session_state.h    vm.h"
    "debugger/ui                     tui.h              gdbserver.h"
    "debugger/ui                     dispatch.h         vm.h"
    "debugger/ui                     tui.h              memlayout.h"
    "debugger/gdb                    gdbserver.h        session.h"
    "debugger/gdb                    target.h           dispatch.h"
    "debugger/gdb                    rsp.h              machine.h"
    "debugger/targets/target_bvm.c   vm.h               session.h"
    "debugger/targets/target_bvm.c   target.h           memlayout.h"
    "debugger/targets/target_mhv.c   memlayout.h        session.h"
    # the DWARF layer sees target.h and libdw, nothing of a VM or the front end
    "debugger/targets/target_dwarf.c guest_dwarf.h      debug.h"
    "debugger/targets/target_dwarf.c target.h           session.h"
    "debugger/targets/guest_dwarf.c  guest_dwarf_internal.h machine.h"
    "debugger/targets/guest_values.c guest_dwarf_internal.h vm.h"
    "debugger/vdb.c                  gdbserver.h        vm.h"
    "debugger/vdb.c                  tui.h              machine.h"
)

# Compiles `#include "HEADER"` as a file of FOLDER would be; sets $status and
# leaves the compiler's messages in $ERR.
compile_in() {
    local folder=$1 header=$2 flags
    if ! flags=$(make -s --no-print-directory layer-flags DIR="$folder" 2>"$ERR"); then
        status=2
        return
    fi
    # shellcheck disable=SC2086  # flags is a list of compiler flags
    printf '#include "%s"\n' "$header" | ${CC:-cc} $flags -fsyntax-only -x c - 2>"$ERR"
    status=$?
}

for rule in "${RULES[@]}"; do
    read -r folder allowed forbidden <<<"$rule"
    compile_in "$folder" "$allowed"
    if [ "$status" -eq 0 ]; then
        ok
    else
        not_ok "$folder may include $allowed" "it did not build:" "$(head -n 3 "$ERR")"
    fi
    compile_in "$folder" "$forbidden"
    if [ "$status" -ne 0 ] && grep -q "$forbidden: No such file" "$ERR"; then
        ok
    else
        not_ok "$folder may not include $forbidden" "status $status; it should fail to find the header:" \
            "$(head -n 3 "$ERR")"
    fi
done

finish
