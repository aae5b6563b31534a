/*
 * pic.c -- programming the master 8259A (see pic.h).
 *
 * The initialization sequence is the classic one for a PC: ICW1 (edge
 * triggered, cascade mode, ICW4 follows), ICW2 (the vector base), ICW3 (a
 * slave on line 2: KVM's PIC model does not support single mode, and the
 * line stays masked since mhv has no slave), ICW4 (8086 mode).  After it,
 * writes to the data port set the mask (OCW1), and writes to the command
 * port acknowledge (OCW2) or select a register to read (OCW3).
 */
#include <stdint.h>

#include "memlayout.h"
#include "pic.h"
#include "x86.h"

#define PIC_COMMAND MHV_PORT_PIC_MASTER
#define PIC_DATA (MHV_PORT_PIC_MASTER + 1)

#define ICW1_INIT_WITH_ICW4 0x11
#define ICW3_SLAVE_ON_IRQ2 0x04
#define ICW4_8086 0x01
#define OCW2_NONSPECIFIC_EOI 0x20
#define OCW3_READ_ISR 0x0B

static uint8_t irq_mask = 0xFF; /* bit n set: IRQ n masked */

void pic_init(void)
{
    outb(PIC_COMMAND, ICW1_INIT_WITH_ICW4);
    outb(PIC_DATA, PIC_VECTOR_BASE);
    outb(PIC_DATA, ICW3_SLAVE_ON_IRQ2);
    outb(PIC_DATA, ICW4_8086);
    irq_mask = 0xFF;
    outb(PIC_DATA, irq_mask);
}

void pic_mask(int irq)
{
    irq_mask |= (uint8_t)(1u << irq);
    outb(PIC_DATA, irq_mask);
}

void pic_unmask(int irq)
{
    irq_mask &= (uint8_t)~(1u << irq);
    outb(PIC_DATA, irq_mask);
}

void pic_end_of_interrupt(int irq)
{
    (void)irq; /* the master alone: a non-specific EOI ends the highest in service */
    outb(PIC_COMMAND, OCW2_NONSPECIFIC_EOI);
}

bool pic_irq7_is_spurious(void)
{
    outb(PIC_COMMAND, OCW3_READ_ISR);
    return !(inb(PIC_COMMAND) & (1u << PIC_SPURIOUS_IRQ));
}
