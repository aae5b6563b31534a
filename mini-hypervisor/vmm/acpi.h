/*
 * acpi.h -- the ACPI tables a Linux guest reads to find mhv's virtio
 * devices, as Firecracker writes them for its microVMs.
 *
 * Why ACPI at all: a virtio-mmio device sits at an address no bus can be
 * asked about, so something must tell the kernel where it is.  Linux knows
 * three ways -- the command line (virtio_mmio.device=, which Debian's
 * kernel is built without: CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set),
 * a device tree (CONFIG_OF, absent on Debian's x86 kernel) and ACPI, whose
 * DSDT describes each device as "LNRO0005" with its registers and its
 * interrupt.  ACPI is the one every x86 kernel has.
 *
 * What mhv writes (ACPI 6.x), in the BIOS area below 1 MiB that the e820
 * map marks reserved:
 *
 *   RSDP  "RSD PTR ", revision 2: where the XSDT is (the zero page's
 *         acpi_rsdp_addr points here, so the kernel need not scan for it)
 *   XSDT  one entry: the FADT
 *   FADT  revision 6, pointing at the DSDT and at the PM1a event and
 *         control blocks and the PM timer (devices/dev_acpi_pm.h): not
 *         "hardware-reduced ACPI", with which Linux would drop the PIC and
 *         the PIT this machine has; already in ACPI mode (SMI_CMD 0); no
 *         C2/C3 states, no fixed buttons; its IA-PC boot flags say there is
 *         an 8042 and no VGA
 *   DSDT  AML: Scope (\_SB) { Device (VR0n) { _HID "LNRO0005", _UID n,
 *         _CRS { Memory32Fixed (base, size), Interrupt (edge, high) {irq} } } }
 *         for each virtio device
 *
 * No MADT: the machine has no local or I/O APIC, and without a MADT Linux
 * keeps the 8259 PIC, which is what mhv models.
 *
 * Pure code: writes into a buffer (guest RAM) and checks nothing it was
 * not given.  Invariants: every table's checksum makes its bytes sum to 0
 * (the RSDP's first 20 bytes, and all 36, too); the tables fit in
 * MHV_ACPI_SIZE bytes for up to MHV_ACPI_MAX_DEVICES devices
 * (MHV_ASSERT checks it).
 */
#ifndef MHV_ACPI_H
#define MHV_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define MHV_ACPI_BASE 0xE0000      /* guest physical: the RSDP, then the other tables */
#define MHV_ACPI_SIZE 0x2000
#define MHV_ACPI_MAX_DEVICES 8

/* The FADT's SCI_INT: IRQ 9, which nothing else uses.  The SCI never
 * fires (dev_acpi_pm.h), but Linux claims the line. */
#define MHV_ACPI_SCI_IRQ 9

struct mhv_acpi_device {
    uint64_t base, size;           /* its MMIO registers */
    unsigned irq;                  /* its interrupt line (an ISA IRQ of the PIC) */
};

/* Writes the tables for devices[0 .. count) at guest physical
 * MHV_ACPI_BASE, ram being guest physical 0.  Returns the RSDP's address. */
uint64_t mhv_acpi_write(uint8_t *ram, const struct mhv_acpi_device *devices, size_t count);

#endif
