/*
 * dev_pit.c -- the 8254 channel 0 model (see dev_pit.h).
 *
 * Port 0x43 takes the control word: bits 7:6 the channel (3 is read-back,
 * ignored), bits 5:4 the access mode (0 = latch the count), bits 3:1 the
 * mode.  Port 0x40 then takes the reload value in one or two bytes; the
 * last byte arms the channel, as on the real chip.
 */
#include "dev_pit.h"

#include "mhv_assert.h"

#define PIT_PORT_CHANNEL0 0
#define PIT_PORT_CONTROL 3

void mhv_pit_init(struct mhv_pit *pit, struct mhv_irq_line irq,
                  uint64_t (*now_ns)(void *clock), void *clock)
{
    *pit = (struct mhv_pit){ .irq = irq, .now_ns = now_ns, .clock = clock, .access = 3, .reload = 65536 };
}

/* dev_pit.h's invariants, whatever the guest wrote: the registers in their
 * ranges, a reload of 1..65536, and while armed a running count whose
 * period (at least the minimum) ends at next_tick_ns. */
static int pit_is_sound(const struct mhv_pit *pit)
{
    if (pit->mode > 7 || pit->access < 1 || pit->access > 3 || pit->reload < 1 || pit->reload > 65536)
        return 0;
    return !pit->armed || (pit->counting && pit->period_ns >= MHV_PIT_MIN_PERIOD_NS &&
                           pit->next_tick_ns > pit->start_ns);
}

static int periodic(const struct mhv_pit *pit)
{
    return (pit->mode & 3) == 2 || (pit->mode & 3) == 3;  /* 2, 3, 6, 7 */
}

/* Input clock ticks (1.193182 MHz) in ns nanoseconds. */
static uint64_t input_ticks(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * 1193182u / 1000000000u);
}

static void arm(struct mhv_pit *pit)
{
    uint64_t now = pit->now_ns(pit->clock);
    uint64_t period = (uint64_t)pit->reload * 1000000000u / 1193182u;
    if (period < MHV_PIT_MIN_PERIOD_NS)
        period = MHV_PIT_MIN_PERIOD_NS;
    pit->counting = 1;
    pit->armed = 1;
    pit->start_ns = now;
    pit->period_ns = period;
    pit->next_tick_ns = now + period;
}

void mhv_pit_update(struct mhv_pit *pit, uint64_t now_ns)
{
    MHV_ASSERT(pit_is_sound(pit));  /* period_ns divides below */
    if (!pit->armed || now_ns < pit->next_tick_ns)
        return;
    mhv_irq_pulse(&pit->irq);
    pit->ticks++;
    if (!periodic(pit)) {
        pit->armed = 0;  /* one shot: it counted down once */
        return;
    }
    /* Skip the periods that ended while nobody looked: their ticks are lost. */
    uint64_t late = now_ns - pit->next_tick_ns;
    pit->next_tick_ns += (late / pit->period_ns + 1) * pit->period_ns;
}

uint64_t mhv_pit_next_deadline(const struct mhv_pit *pit)
{
    return pit->armed ? pit->next_tick_ns : UINT64_MAX;
}

/* The counter as the guest would read it now: counting down from reload. */
static uint16_t current_count(const struct mhv_pit *pit)
{
    if (!pit->counting)
        return (uint16_t)pit->reload;  /* 65536 reads as 0, as on the chip */
    uint64_t elapsed = input_ticks(pit->now_ns(pit->clock) - pit->start_ns);
    if (!periodic(pit))
        return elapsed >= pit->reload ? 0 : (uint16_t)(pit->reload - elapsed);
    return (uint16_t)(pit->reload - elapsed % pit->reload);
}

static void pit_read(void *device, uint64_t offset, unsigned size, uint64_t *value)
{
    struct mhv_pit *pit = device;
    MHV_ASSERT(offset < 4 && pit_is_sound(pit));  /* 4 ports; reload divides in current_count */
    if (offset != PIT_PORT_CHANNEL0) {
        *value = 0;
        return;
    }
    uint16_t count = pit->latched ? pit->latch_value : current_count(pit);
    switch (pit->access) {
    case 1:
        *value = count & 0xFF;
        pit->latched = 0;
        break;
    case 2:
        *value = count >> 8;
        pit->latched = 0;
        break;
    default:
        *value = pit->read_high ? count >> 8 : count & 0xFF;
        if (pit->read_high)
            pit->latched = 0;  /* a latched count is read once, both bytes */
        pit->read_high = !pit->read_high;
        break;
    }
}

static enum mhv_bus_result pit_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_pit *pit = device;
    uint8_t byte = (uint8_t)value;
    MHV_ASSERT(offset < 4);

    if (offset == PIT_PORT_CONTROL) {
        unsigned channel = byte >> 6, access = (byte >> 4) & 3;
        if (channel != 0)
            return MHV_BUS_OK;  /* channels 1, 2 and read-back: not modelled */
        if (access == 0) {      /* counter latch command */
            if (!pit->latched) {
                pit->latch_value = current_count(pit);
                pit->latched = 1;
            }
            return MHV_BUS_OK;
        }
        pit->access = (uint8_t)access;
        pit->mode = (byte >> 1) & 7;
        pit->write_high = pit->read_high = 0;
        pit->latched = 0;
        pit->counting = 0;      /* a new control word stops the count */
        pit->armed = 0;
        return MHV_BUS_OK;
    }
    if (offset != PIT_PORT_CHANNEL0)
        return MHV_BUS_OK;

    uint32_t reload;
    switch (pit->access) {
    case 1:
        reload = byte;
        break;
    case 2:
        reload = (uint32_t)byte << 8;
        break;
    default:
        if (!pit->write_high) {
            pit->reload_low = byte;
            pit->write_high = 1;
            return MHV_BUS_OK;
        }
        pit->write_high = 0;
        reload = pit->reload_low | (uint32_t)byte << 8;
        break;
    }
    pit->reload = reload == 0 ? 65536 : reload;
    arm(pit);
    MHV_ASSERT(pit_is_sound(pit));
    return MHV_BUS_OK;
}

const struct mhv_bus_device_ops mhv_pit_ops = { .read = pit_read, .write = pit_write };
