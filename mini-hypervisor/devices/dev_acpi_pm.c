/*
 * dev_acpi_pm.c -- PM1a status, enable, control and the PM timer (see
 * dev_acpi_pm.h).
 */
#include "dev_acpi_pm.h"

#include "mhv_assert.h"

#define PM1_CNT_SCI_EN 0x0001

void mhv_acpi_pm_init(struct mhv_acpi_pm *pm, uint64_t (*now_ns)(void *context), void *context)
{
    *pm = (struct mhv_acpi_pm){ .now_ns = now_ns, .context = context, .control = PM1_CNT_SCI_EN };
    pm->start_ns = now_ns(context);
}

uint32_t mhv_acpi_pm_timer(const struct mhv_acpi_pm *pm)
{
    uint64_t elapsed = pm->now_ns(pm->context) - pm->start_ns;
    return (uint32_t)((unsigned __int128)elapsed * MHV_ACPI_PM_TIMER_HZ / 1000000000u);
}

/* The 16- or 32-bit register an offset falls in, and the byte within it. */
static uint32_t register_value(const struct mhv_acpi_pm *pm, uint64_t offset, unsigned *shift)
{
    if (offset >= MHV_ACPI_PM_TMR) {
        *shift = (unsigned)(offset - MHV_ACPI_PM_TMR) * 8;
        return mhv_acpi_pm_timer(pm);
    }
    *shift = (unsigned)(offset % 2) * 8;
    switch (offset & ~1ull) {
    case MHV_ACPI_PM1_EVT: return pm->status;
    case MHV_ACPI_PM1_EVT + 2: return pm->enable;
    case MHV_ACPI_PM1_CNT: return pm->control | PM1_CNT_SCI_EN;
    default: return 0;  /* offset 6: nothing there */
    }
}

static void pm_read(void *device, uint64_t offset, unsigned size, uint64_t *value)
{
    struct mhv_acpi_pm *pm = device;
    MHV_ASSERT(offset < MHV_ACPI_PM_SIZE);
    uint64_t result = 0;
    for (unsigned i = 0; i < size && offset + i < MHV_ACPI_PM_SIZE; i++) {
        unsigned shift;
        uint32_t reg = register_value(pm, offset + i, &shift);
        result |= (uint64_t)((reg >> shift) & 0xFF) << (8 * i);
    }
    *value = result;
}

static enum mhv_bus_result pm_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_acpi_pm *pm = device;
    MHV_ASSERT(offset < MHV_ACPI_PM_SIZE);
    for (unsigned i = 0; i < size && offset + i < MHV_ACPI_PM_SIZE; i++) {
        uint64_t at = offset + i;
        uint16_t byte = (uint16_t)((value >> (8 * i)) & 0xFF);
        unsigned shift = (unsigned)(at % 2) * 8;
        switch (at & ~1ull) {
        case MHV_ACPI_PM1_EVT:
            pm->status &= (uint16_t)~(byte << shift);  /* write 1 to clear */
            break;
        case MHV_ACPI_PM1_EVT + 2:
            pm->enable = (uint16_t)((pm->enable & ~(0xFF << shift)) | (byte << shift));
            break;
        case MHV_ACPI_PM1_CNT:
            pm->control = (uint16_t)((pm->control & ~(0xFF << shift)) | (byte << shift));
            break;
        default:
            break;  /* the timer is read-only */
        }
    }
    return MHV_BUS_OK;
}

const struct mhv_bus_device_ops mhv_acpi_pm_ops = { pm_read, pm_write };
