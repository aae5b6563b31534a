/*
 * dev_info.h -- the MMIO info device at MHV_MMIO_INFO_BASE (memlayout.h
 * lists its registers): an ID, the host's clock, the number of VM exits so
 * far, and a scratch register.  It is the machine's one MMIO device, there
 * to show the KVM_EXIT_MMIO path, and it gives a guest two numbers a lab
 * wants: host time next to the guest's rdtsc, and what its own exits cost.
 *
 * Every access is an exit to mhv (the page is not RAM), 1 to 8 bytes at
 * any offset: the registers form one little-endian block, and a read takes
 * the bytes it covers; bytes past the last register read 0.  Only the
 * scratch register is writable (writes elsewhere are ignored).
 */
#ifndef MHV_DEV_INFO_H
#define MHV_DEV_INFO_H

#include <stdint.h>

#include "bus.h"

struct mhv_info_device {
    uint64_t (*now_ns)(void *clock);
    void *clock;
    uint64_t start_ns;          /* the host time HOST_NS counts from */
    const uint64_t *exit_count; /* the run loop's counter of exits */
    uint64_t scratch;
};

extern const struct mhv_bus_device_ops mhv_info_ops;

#endif
