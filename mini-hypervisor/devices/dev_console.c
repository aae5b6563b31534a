/*
 * dev_console.c -- port 0xE9: a byte out is printed; a read returns 0xE9,
 * the Bochs convention by which a guest learns the port exists.
 */
#include "dev_console.h"

#include "memlayout.h"

static void console_read(void *device, uint64_t offset, unsigned size, uint64_t *value)
{
    *value = MHV_PORT_DEBUG_CONSOLE;
}

static enum mhv_bus_result console_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_console_port *console = device;
    console->output(console->context, (uint8_t)value);
    console->bytes_out++;
    return MHV_BUS_OK;
}

const struct mhv_bus_device_ops mhv_console_port_ops = { .read = console_read, .write = console_write };
