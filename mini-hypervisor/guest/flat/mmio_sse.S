/*
 * mmio_sse.S -- a long-mode guest (mhv run --mode long) that reads the MMIO
 * info device with an SSE instruction.  Every access to MMIO leaves the
 * CPU, and KVM runs the instruction in its own x86 emulator to learn what
 * it accesses; that emulator has no addsd, so KVM gives up with
 * KVM_EXIT_INTERNAL_ERROR (suberror 1, emulation), on every platform.  mhv
 * reports it as a crash (status 123) naming the instruction and the likely
 * cause.  A guest should reach device registers with plain mov, as
 * hello64.S does.
 */
#include "memlayout.h"

    .code64
    .text
    .globl _start
_start:
    mov     $MHV_MMIO_INFO_BASE, %eax
    addsd   (%rax), %xmm0           /* exits to KVM, which cannot emulate it */
    mov     $0, %al                 /* not reached */
    outb    %al, $0xF4
