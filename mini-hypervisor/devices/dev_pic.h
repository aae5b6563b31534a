/*
 * dev_pic.h -- an 8259A programmable interrupt controller (the master one
 * of a PC, ports 0x20-0x21), in edge-triggered mode.
 *
 * The VMM is the interrupt controller here: KVM runs without its in-kernel
 * irqchip, so the run loop asks the PIC for the vector to inject
 * (mhv_pic_pending_vector) and injects it with KVM_INTERRUPT when the guest
 * can take it, then acknowledges it (mhv_pic_acknowledge), which moves it
 * from "requested" to "in service" until the guest writes an EOI.
 *
 * Supported: the ICW1..ICW4 initialization sequence (vector base, auto-EOI),
 * OCW1 (mask), OCW2 non-specific and specific EOI, OCW3 read IRR/ISR.
 * Not modelled: cascading (there is no slave), priority rotation, special
 * mask mode, level-triggered mode, polling.
 *
 * Invariants: irr, isr and imr hold one bit per line, bit n = IRQ n; line n
 * requests an interrupt only on a 0 -> 1 transition of its level.
 */
#ifndef MHV_DEV_PIC_H
#define MHV_DEV_PIC_H

#include <stdint.h>

#include "bus.h"

struct mhv_pic {
    uint8_t irr;           /* interrupt request register: edges seen, not yet taken */
    uint8_t isr;           /* in-service register: taken, not yet EOI'd */
    uint8_t imr;           /* interrupt mask register: 1 = masked */
    uint8_t levels;        /* the current level of each input line */
    uint8_t vector_base;   /* ICW2: IRQ n arrives as vector_base + n */
    uint8_t init_step;     /* 0 ready; 2, 3, 4: expecting that ICW next */
    uint8_t expects_icw4;  /* ICW1 bit 0 */
    uint8_t single;        /* ICW1 bit 1: no ICW3 */
    uint8_t auto_eoi;      /* ICW4 bit 1 */
    uint8_t read_isr;      /* OCW3: port 0 reads the ISR (else the IRR) */
};

extern const struct mhv_bus_device_ops mhv_pic_ops;

/* Power-on state: every line masked, vector base 0x08 (as a PC BIOS
 * leaves it before an OS reprograms it). */
void mhv_pic_init(struct mhv_pic *pic);

/* The irq.h callback: controller is a struct mhv_pic. */
void mhv_pic_set_level(void *controller, unsigned irq, int level);

/* The vector the guest should take next, or -1 when nothing is pending
 * (nothing requested and unmasked, or a request waits behind one of equal
 * or higher priority in service). */
int mhv_pic_pending_vector(const struct mhv_pic *pic);

/* The CPU took the pending interrupt: returns its vector (or -1). */
int mhv_pic_acknowledge(struct mhv_pic *pic);

#endif
