/*
 * bus.c -- address ranges to devices, for ports and for MMIO.
 *
 * A machine has a handful of devices, so the lookup is a linear scan of a
 * small array: simpler than a tree, and faster at this size.  The accesses
 * counter per range is what `mhv run --stats` breaks exits down by.
 */
#include "bus.h"

#include <stdio.h>

#include "mhv_assert.h"

#define PORT_SPACE_END 0x10000ull  /* ports are 16 bits */

void mhv_bus_init(struct mhv_bus *bus, enum mhv_bus_space space)
{
    *bus = (struct mhv_bus){ .space = space };
}

static const char *space_name(const struct mhv_bus *bus)
{
    return bus->space == MHV_BUS_PORT ? "port" : "MMIO";
}

/* bus.h's invariants: at most MHV_BUS_MAX_DEVICES ranges, each non-empty,
 * not wrapping and inside its space, and no two overlapping. */
static int bus_is_sound(const struct mhv_bus *bus)
{
    if (bus->count > MHV_BUS_MAX_DEVICES)
        return 0;
    for (size_t i = 0; i < bus->count; i++) {
        const struct mhv_bus_range *range = &bus->ranges[i];
        if (range->size == 0 || range->base + range->size < range->base || !range->ops ||
            (bus->space == MHV_BUS_PORT && range->base + range->size > PORT_SPACE_END))
            return 0;
        for (size_t j = 0; j < i; j++)
            if (range->base < bus->ranges[j].base + bus->ranges[j].size &&
                bus->ranges[j].base < range->base + range->size)
                return 0;
    }
    return 1;
}

int mhv_bus_attach(struct mhv_bus *bus, uint64_t base, uint64_t size, const char *name,
                   const struct mhv_bus_device_ops *ops, void *device,
                   char *err, size_t err_size)
{
    if (size == 0 || base + size < base || (bus->space == MHV_BUS_PORT && base + size > PORT_SPACE_END)) {
        snprintf(err, err_size, "%s: %s range 0x%llx + 0x%llx is empty or out of the address space",
                 name, space_name(bus), (unsigned long long)base, (unsigned long long)size);
        return -1;
    }
    for (size_t i = 0; i < bus->count; i++) {
        const struct mhv_bus_range *other = &bus->ranges[i];
        if (base < other->base + other->size && other->base < base + size) {
            snprintf(err, err_size, "%s: %s range 0x%llx..0x%llx overlaps %s at 0x%llx..0x%llx", name,
                     space_name(bus), (unsigned long long)base, (unsigned long long)(base + size - 1),
                     other->name, (unsigned long long)other->base,
                     (unsigned long long)(other->base + other->size - 1));
            return -1;
        }
    }
    if (bus->count == MHV_BUS_MAX_DEVICES) {
        snprintf(err, err_size, "%s: the %s bus is full (%d devices)", name, space_name(bus),
                 MHV_BUS_MAX_DEVICES);
        return -1;
    }
    bus->ranges[bus->count++] = (struct mhv_bus_range){
        .base = base, .size = size, .name = name, .ops = ops, .device = device,
    };
    MHV_ASSERT(bus_is_sound(bus));
    return 0;
}

struct mhv_bus_range *mhv_bus_find(struct mhv_bus *bus, uint64_t addr)
{
    MHV_ASSERT(bus->count <= MHV_BUS_MAX_DEVICES);
    for (size_t i = 0; i < bus->count; i++)
        if (addr - bus->ranges[i].base < bus->ranges[i].size) /* unsigned: also addr >= base */
            return &bus->ranges[i];
    return NULL;
}

struct mhv_bus_range *mhv_bus_read(struct mhv_bus *bus, uint64_t addr, unsigned size, uint64_t *value)
{
    MHV_ASSERT(size >= 1 && size <= 8);  /* what KVM reports, as the run loop passes it */
    struct mhv_bus_range *range = mhv_bus_find(bus, addr);
    if (!range)
        return NULL;
    range->accesses++;
    if (range->ops->read)
        range->ops->read(range->device, addr - range->base, size, value);
    else
        *value = ~0ull;
    return range;
}

struct mhv_bus_range *mhv_bus_write(struct mhv_bus *bus, uint64_t addr, unsigned size, uint64_t value,
                                    enum mhv_bus_result *result)
{
    MHV_ASSERT(size >= 1 && size <= 8);
    struct mhv_bus_range *range = mhv_bus_find(bus, addr);
    *result = MHV_BUS_OK;
    if (!range)
        return NULL;
    range->accesses++;
    if (range->ops->write)
        *result = range->ops->write(range->device, addr - range->base, size, value);
    return range;
}
