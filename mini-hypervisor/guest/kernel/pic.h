/*
 * pic.h -- the 8259A interrupt controller (master only: mhv has no slave)
 * and the interrupt vectors the kernel gives its lines.
 *
 * Invariants:
 *   - After pic_init, IRQ n arrives at vector PIC_VECTOR_BASE + n, clear of
 *     the CPU's exceptions (0..31), and every line is masked until
 *     pic_unmask turns it on.
 *   - Every handled IRQ is acknowledged with pic_end_of_interrupt, or the
 *     PIC never delivers that line (or any lower-priority one) again.
 */
#ifndef KERNEL_PIC_H
#define KERNEL_PIC_H

#include <stdbool.h>

#define PIC_VECTOR_BASE 0x20
#define PIC_IRQ_COUNT 8
#define PIC_SPURIOUS_IRQ 7

void pic_init(void);
void pic_mask(int irq);
void pic_unmask(int irq);
void pic_end_of_interrupt(int irq);

/* Is IRQ 7 a spurious one (the line dropped before the CPU acknowledged
 * it)?  Then it is not in service, and must not be acknowledged. */
bool pic_irq7_is_spurious(void);

#endif
