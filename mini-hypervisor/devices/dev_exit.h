/*
 * dev_exit.h -- the exit port 0xF4 (QEMU's isa-debug-exit has the same
 * idea): a byte V written ends the guest, and mhv exits with status V.
 */
#ifndef MHV_DEV_EXIT_H
#define MHV_DEV_EXIT_H

#include <stdint.h>

#include "bus.h"

struct mhv_exit_port {
    int written;     /* the guest wrote to it */
    uint8_t value;   /* what it wrote (the low byte of a wider write) */
};

extern const struct mhv_bus_device_ops mhv_exit_port_ops;

#endif
