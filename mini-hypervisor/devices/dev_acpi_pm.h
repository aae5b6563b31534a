/*
 * dev_acpi_pm.h -- the ACPI power-management registers a PC's chipset has
 * and the FADT points at (vmm/acpi.c): the PM1a event block (status and
 * enable), the PM1a control block, and the PM timer.
 *
 * Why mhv has them: Linux finds the virtio devices through ACPI's DSDT
 * (vmm/acpi.h), and ACPI without these registers is the "hardware-reduced"
 * kind, with which Linux drops the 8259 PIC and the PIT altogether (it
 * expects an APIC then).  With them, Linux keeps the PIC and the PIT, and
 * the PM timer, a free-running 3.579545 MHz counter, also gives it the
 * reference it times the TSC against.
 *
 *   offset 0  PM1a_STS (16 bits)   write 1 to clear; nothing ever sets a bit
 *   offset 2  PM1a_EN  (16 bits)   stored, read back
 *   offset 4  PM1a_CNT (16 bits)   SCI_EN (bit 0) always reads 1: the machine
 *                                  is in ACPI mode from the start (the FADT's
 *                                  SMI_CMD is 0); the rest is stored
 *   offset 8  PM_TMR   (32 bits)   the host's monotonic clock at 3.579545 MHz,
 *                                  wrapping at 2^32 (the FADT says 32 bits)
 *
 * Not modelled: the SCI (no event ever sets a status bit, so the line
 * never rises), sleep states (SLP_EN is ignored: Linux powers off by
 * halting when the DSDT has no \_S5), the power and sleep buttons (the
 * FADT says there are none), general-purpose events.
 *
 * Invariant: accesses are at the offsets above (the bus range is 12
 * bytes); a read of a register's upper bytes returns zero.
 */
#ifndef MHV_DEV_ACPI_PM_H
#define MHV_DEV_ACPI_PM_H

#include <stdint.h>

#include "bus.h"

#define MHV_ACPI_PM_SIZE 12
#define MHV_ACPI_PM1_EVT 0          /* offsets inside the range */
#define MHV_ACPI_PM1_CNT 4
#define MHV_ACPI_PM_TMR 8
#define MHV_ACPI_PM_TIMER_HZ 3579545

struct mhv_acpi_pm {
    uint64_t (*now_ns)(void *context);  /* host monotonic time */
    void *context;
    uint64_t start_ns;                  /* the timer counts from here */
    uint16_t status, enable, control;
};

extern const struct mhv_bus_device_ops mhv_acpi_pm_ops;

void mhv_acpi_pm_init(struct mhv_acpi_pm *pm, uint64_t (*now_ns)(void *context), void *context);

/* The PM timer's count now (the low 32 bits). */
uint32_t mhv_acpi_pm_timer(const struct mhv_acpi_pm *pm);

#endif
