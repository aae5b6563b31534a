/*
 * idt.h -- the interrupt descriptor table and the C side of every
 * interrupt: entry.S saves the registers into a struct trap_frame and calls
 * interrupt_dispatch, which sends exceptions to the exception report,
 * IRQs to their drivers, and anything else to a report too.
 *
 * Invariants:
 *   - All 256 gates point at entry.S's stubs, as 64-bit interrupt gates
 *     (IF cleared on entry) with the VMM's code selector MHV_GDT_CODE64,
 *     ring 0, no IST: interrupts run on the stack they arrive on, which is
 *     why the kernel is built with -mno-red-zone.
 *   - struct trap_frame matches entry.S's push order exactly.
 *   - This file, and everything interrupt_dispatch calls, is compiled with
 *     -mgeneral-regs-only: the stubs save no SSE state, and the workloads'
 *     doubles must survive an interrupt.
 *   - Interrupts are enabled only after idt_init has loaded the table.
 */
#ifndef KERNEL_IDT_H
#define KERNEL_IDT_H

#include <stdint.h>

#define IDT_GATE_COUNT 256
#define IDT_EXCEPTION_COUNT 32

/* What entry.S leaves on the stack, lowest address first. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;      /* pushed by the stub */
    uint64_t error_code;  /* pushed by the CPU, or 0 by the stub */
    /* pushed by the CPU */
    uint64_t rip, cs, rflags, rsp, ss;
};

/* Fill in and load the table. */
void idt_init(void);

/* Called by entry.S for every interrupt and exception. */
void interrupt_dispatch(struct trap_frame *frame);

#endif
