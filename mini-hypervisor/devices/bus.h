/*
 * bus.h -- the machine's two address spaces for devices, I/O ports and
 * MMIO, and the one lookup the run loop does on every KVM_EXIT_IO and
 * KVM_EXIT_MMIO: which device owns this address?
 *
 * A device claims a range in one space with mhv_bus_attach() and gets
 * called with the offset into its range, so it never needs to know where
 * it was placed.  Adding a device to the machine is one attach call (see
 * machine.c) plus the device's own file.
 *
 * Invariants (MHV_ASSERT checks them after every attach):
 *   - Ranges in one space never overlap (attach refuses) and never wrap;
 *     port ranges lie below 0x10000.
 *   - At most MHV_BUS_MAX_DEVICES ranges per bus.
 *   - An access no device claims is reported to the caller (-1), which
 *     decides what it means: an empty ISA port reads 0xFF, an MMIO access
 *     outside RAM and devices crashes the guest.
 *   - Nothing here prints, allocates or exits.
 */
#ifndef MHV_BUS_H
#define MHV_BUS_H

#include <stddef.h>
#include <stdint.h>

#define MHV_BUS_MAX_DEVICES 16

enum mhv_bus_space { MHV_BUS_PORT, MHV_BUS_MMIO };

/* What a device's write asks of the run loop. */
enum mhv_bus_result {
    MHV_BUS_OK,        /* handled, the guest goes on */
    MHV_BUS_STOP,      /* handled, and the guest must stop (the exit port) */
    MHV_BUS_RESET,     /* handled, and the guest asked for a reset (the i8042's pulse) */
};

struct mhv_bus_device_ops {
    /* Reads size bytes (1, 2, 4 or 8) at offset into *value. */
    void (*read)(void *device, uint64_t offset, unsigned size, uint64_t *value);
    /* Writes the low size bytes of value at offset. */
    enum mhv_bus_result (*write)(void *device, uint64_t offset, unsigned size, uint64_t value);
};

struct mhv_bus_range {
    uint64_t base, size;
    const char *name;                     /* for --stats and messages */
    const struct mhv_bus_device_ops *ops; /* a NULL read or write: reads 0xFF.., ignores writes */
    void *device;
    uint64_t accesses;                    /* how many times it was reached */
};

struct mhv_bus {
    enum mhv_bus_space space;
    size_t count;
    struct mhv_bus_range ranges[MHV_BUS_MAX_DEVICES];
};

void mhv_bus_init(struct mhv_bus *bus, enum mhv_bus_space space);

/* Claims [base, base + size) for a device.  Returns 0, or -1 with a
 * message when the range is empty, wraps, overlaps another, or the bus is
 * full. */
int mhv_bus_attach(struct mhv_bus *bus, uint64_t base, uint64_t size, const char *name,
                   const struct mhv_bus_device_ops *ops, void *device,
                   char *err, size_t err_size);

/* The range holding addr, or NULL. */
struct mhv_bus_range *mhv_bus_find(struct mhv_bus *bus, uint64_t addr);

/* One access of size bytes at addr.  Returns the range that took it, or
 * NULL when none claims addr (then *value is untouched on a read). */
struct mhv_bus_range *mhv_bus_read(struct mhv_bus *bus, uint64_t addr, unsigned size, uint64_t *value);
struct mhv_bus_range *mhv_bus_write(struct mhv_bus *bus, uint64_t addr, unsigned size, uint64_t value,
                                    enum mhv_bus_result *result);

#endif
