/*
 * hello64.S -- a flat long-mode guest: run with `mhv run --mode long`.
 * mhv enters it in 64-bit mode with its own GDT and identity page tables
 * (mini-hypervisor/abi/boot.h), so the first instruction can already use
 * 64-bit registers and any address below 4 GiB.  It reads the ID of the
 * MMIO info device (an exit to mhv through KVM_EXIT_MMIO), prints a line
 * through port 0xE9, and ends with status 0 -- or 1 if the ID is wrong.
 */
#include "print_e9.inc"

    .code64
    .text
    .globl _start
_start:
    movl    0xE0000000, %eax        /* the info device's ID register */
    cmpl    $0x4956484D, %eax       /* "MHVI" */
    jne     bad_id
    lea     message(%rip), %rsi
    PRINT_E9                        /* rsi, the 64-bit form */
    mov     $0, %al
    outb    %al, $0xF4
bad_id:
    mov     $1, %al
    outb    %al, $0xF4

message:
    .asciz  "hello from long mode\n"
