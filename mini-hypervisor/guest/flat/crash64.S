/*
 * crash64.S -- a long-mode guest that triple-faults: run it with `mhv run
 * --mode long`.  mhv enters long mode with no interrupt table (IDT limit
 * 0, boot.h), so the invalid-opcode exception of ud2 cannot be delivered
 * (#GP), nor can that (#DF), and the CPU shuts down: status 123 and a
 * register dump, on every KVM.  crash.bin does the same in real mode,
 * which kvm_pvm runs in KVM's instruction emulator: that stops at the ud2
 * instead (docs/no-kvm.md, "Which KVM").
 */
    .code64
    .text
    .globl _start
_start:
    ud2
