/*
 * dev_console.h -- the debug console port 0xE9 (Bochs and QEMU have it):
 * every byte written is printed.  The smallest device there is, and the
 * one to copy when adding a new one.
 */
#ifndef MHV_DEV_CONSOLE_H
#define MHV_DEV_CONSOLE_H

#include <stdint.h>

#include "bus.h"

struct mhv_console_port {
    void (*output)(void *context, uint8_t byte);
    void *context;
    uint64_t bytes_out;
};

extern const struct mhv_bus_device_ops mhv_console_port_ops;

#endif
