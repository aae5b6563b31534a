/*
 * dev_exit.c -- port 0xF4: the write that stops the run loop.  Reads find
 * no register (0xFF, as an empty port).
 */
#include "dev_exit.h"

static enum mhv_bus_result exit_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_exit_port *exit_port = device;
    exit_port->written = 1;
    exit_port->value = (uint8_t)value;
    return MHV_BUS_STOP;
}

const struct mhv_bus_device_ops mhv_exit_port_ops = { .read = NULL, .write = exit_write };
