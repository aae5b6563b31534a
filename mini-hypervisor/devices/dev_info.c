/*
 * dev_info.c -- the MMIO info device (see dev_info.h).
 */
#include "dev_info.h"

#include <string.h>

#include "memlayout.h"
#include "mhv_assert.h"

#define INFO_REGISTERS_END 0x20

/* The register block as it reads at this moment. */
static void snapshot(const struct mhv_info_device *info, uint8_t block[INFO_REGISTERS_END])
{
    uint32_t id = MHV_INFO_ID_VALUE, version = 1;
    uint64_t host_ns = info->now_ns(info->clock) - info->start_ns;
    uint64_t exits = info->exit_count ? *info->exit_count : 0;
    memcpy(block + MHV_INFO_ID, &id, 4);
    memcpy(block + MHV_INFO_VERSION, &version, 4);
    memcpy(block + MHV_INFO_HOST_NS, &host_ns, 8);
    memcpy(block + MHV_INFO_EXITS, &exits, 8);
    memcpy(block + MHV_INFO_SCRATCH, &info->scratch, 8);
}

static void info_read(void *device, uint64_t offset, unsigned size, uint64_t *value)
{
    MHV_ASSERT(offset < MHV_MMIO_INFO_SIZE);  /* the bus passes offsets inside the device's page */
    uint8_t block[INFO_REGISTERS_END];
    snapshot(device, block);
    uint8_t bytes[8] = { 0 };
    for (unsigned i = 0; i < size && i < 8; i++)
        if (offset + i < INFO_REGISTERS_END)
            bytes[i] = block[offset + i];
    memcpy(value, bytes, 8);
}

static enum mhv_bus_result info_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_info_device *info = device;
    MHV_ASSERT(offset < MHV_MMIO_INFO_SIZE);
    /* Only bytes that fall inside the scratch register change it. */
    uint8_t scratch[8];
    memcpy(scratch, &info->scratch, 8);
    for (unsigned i = 0; i < size && i < 8; i++) {
        uint64_t at = offset + i;
        if (at >= MHV_INFO_SCRATCH && at < MHV_INFO_SCRATCH + 8)
            scratch[at - MHV_INFO_SCRATCH] = (uint8_t)(value >> (8 * i));
    }
    memcpy(&info->scratch, scratch, 8);
    return MHV_BUS_OK;
}

const struct mhv_bus_device_ops mhv_info_ops = { .read = info_read, .write = info_write };
