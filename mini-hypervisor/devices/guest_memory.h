/*
 * guest_memory.h -- guest RAM as a device that does DMA sees it: one block
 * of host memory holding guest physical addresses [0, size).
 *
 * A device below the machine cannot include vmm/machine.h, so the machine
 * hands it this small view instead (its RAM pointer and size).  The one way
 * in is mhv_guest_memory_at(): every guest physical address a driver gives
 * a device -- a virtqueue's rings, a buffer -- goes through it, and a range
 * that is not wholly inside RAM gets NULL, never a pointer.
 *
 * Invariants: a range is inside RAM when addr + len <= size, computed so
 * that it cannot overflow (addr and len come from the guest and may be
 * anything); a non-NULL result p satisfies base <= p and p + len <=
 * base + size.  An empty range (len 0) is inside when addr <= size.
 * Nothing here allocates or keeps a pointer: the machine owns the RAM.
 */
#ifndef MHV_GUEST_MEMORY_H
#define MHV_GUEST_MEMORY_H

#include <stddef.h>
#include <stdint.h>

struct mhv_guest_memory {
    uint8_t *base;   /* host address of guest physical address 0; NULL: no RAM */
    uint64_t size;   /* bytes of RAM */
};

/* The host pointer to guest physical [addr, addr + len), or NULL when any
 * byte of it lies outside RAM.  Written as two comparisons that cannot
 * wrap: "addr + len <= size" itself would wrap for a large addr. */
static inline void *mhv_guest_memory_at(const struct mhv_guest_memory *memory, uint64_t addr, uint64_t len)
{
    if (memory->base == NULL || addr > memory->size || len > memory->size - addr)
        return NULL;
    return memory->base + addr;
}

#endif
