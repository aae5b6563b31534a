/*
 * idt.c -- the interrupt descriptor table and interrupt_dispatch (see
 * idt.h).
 *
 * An exception in this kernel is always a bug or a deliberate fault=
 * command, never something to recover from, so its handler reports what
 * the CPU said (which exception, the error code, where, and for a page
 * fault the address) and ends the guest with KERNEL_STATUS_EXCEPTION.  The
 * two IRQs the PIC lets through go to their drivers and are acknowledged.
 */
#include <stdbool.h>

#include "boot.h"
#include "console.h"
#include "idt.h"
#include "memlayout.h"
#include "pic.h"
#include "pit.h"
#include "uart.h"
#include "x86.h"

/* One 16-byte long-mode gate descriptor. */
struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;          /* 0: stay on the current stack */
    uint8_t type_attributes;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "a long-mode gate is 16 bytes");

#define GATE_PRESENT_RING0_INTERRUPT 0x8E  /* P=1, DPL=0, type 0xE */

/* The operand of lidt. */
struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/* entry.S: the address of each vector's stub. */
extern const uint64_t interrupt_stubs[IDT_GATE_COUNT];

static struct idt_gate idt[IDT_GATE_COUNT] __attribute__((aligned(16)));

static const char *const exception_names[IDT_EXCEPTION_COUNT] = {
    [0] = "DE",  [1] = "DB",  [2] = "NMI", [3] = "BP",  [4] = "OF",  [5] = "BR",
    [6] = "UD",  [7] = "NM",  [8] = "DF",  [9] = "CSO", [10] = "TS", [11] = "NP",
    [12] = "SS", [13] = "GP", [14] = "PF", [16] = "MF", [17] = "AC", [18] = "MC",
    [19] = "XM", [20] = "VE", [21] = "CP", [28] = "HV", [29] = "VC", [30] = "SX",
};

#define VECTOR_PAGE_FAULT 14
#define VECTOR_TIMER (PIC_VECTOR_BASE + MHV_IRQ_TIMER)
#define VECTOR_UART (PIC_VECTOR_BASE + MHV_IRQ_UART)
#define VECTOR_PIC_SPURIOUS (PIC_VECTOR_BASE + PIC_SPURIOUS_IRQ)

void idt_init(void)
{
    for (int vector = 0; vector < IDT_GATE_COUNT; vector++) {
        uint64_t stub = interrupt_stubs[vector];
        idt[vector] = (struct idt_gate){
            .offset_low = (uint16_t)stub,
            .selector = MHV_GDT_CODE64,
            .ist = 0,
            .type_attributes = GATE_PRESENT_RING0_INTERRUPT,
            .offset_middle = (uint16_t)(stub >> 16),
            .offset_high = (uint32_t)(stub >> 32),
        };
    }
    struct idt_pointer pointer = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(pointer) : "memory");
}

static void report_exception(const struct trap_frame *frame)
{
    /* A fault while reporting one (say, in the UART code) would recurse
     * until the stack ran out: the second time, just end. */
    static bool reporting;
    if (reporting)
        kernel_exit(KERNEL_STATUS_EXCEPTION);
    reporting = true;

    const char *name = exception_names[frame->vector] ? exception_names[frame->vector] : "??";
    if (frame->vector == VECTOR_PAGE_FAULT)
        kernel_fail(KERNEL_STATUS_EXCEPTION,
                    "exception #%s (vector %llu, error 0x%llx) at rip 0x%llx cr2 0x%llx", name,
                    (unsigned long long)frame->vector, (unsigned long long)frame->error_code,
                    (unsigned long long)frame->rip, (unsigned long long)cr2_read());
    kernel_fail(KERNEL_STATUS_EXCEPTION, "exception #%s (vector %llu, error 0x%llx) at rip 0x%llx",
                name, (unsigned long long)frame->vector, (unsigned long long)frame->error_code,
                (unsigned long long)frame->rip);
}

void interrupt_dispatch(struct trap_frame *frame)
{
    switch (frame->vector) {
    case VECTOR_TIMER:
        pit_on_interrupt();
        pic_end_of_interrupt(MHV_IRQ_TIMER);
        return;
    case VECTOR_UART:
        uart_on_interrupt();
        pic_end_of_interrupt(MHV_IRQ_UART);
        return;
    case VECTOR_PIC_SPURIOUS:
        if (pic_irq7_is_spurious())
            return; /* nothing in service: nothing to acknowledge */
        break;
    default:
        if (frame->vector < IDT_EXCEPTION_COUNT)
            report_exception(frame);
        break;
    }
    kernel_fail(KERNEL_STATUS_EXCEPTION, "unexpected interrupt (vector %llu) at rip 0x%llx",
                (unsigned long long)frame->vector, (unsigned long long)frame->rip);
}
