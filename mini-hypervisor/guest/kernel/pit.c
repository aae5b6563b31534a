/*
 * pit.c -- channel 0 of the 8254 as a periodic tick (see pit.h).
 *
 * Mode 2, the rate generator: the counter reloads the divisor by itself
 * and pulses IRQ 0 each time it wraps, so one programming gives a steady
 * clock of 1193182 / divisor Hz.  To stop it, IRQ 0 is masked at the PIC
 * and the channel is put in mode 0 without a count, in which it waits for
 * a count that never comes: no more interrupts, and no more host timers
 * for the VMM to run for a guest that ignores them.
 */
#include "memlayout.h"
#include "pic.h"
#include "pit.h"
#include "x86.h"

#define PIT_CHANNEL0 MHV_PORT_PIT
#define PIT_COMMAND (MHV_PORT_PIT + 3)

/* Command bytes: channel 0, low byte then high byte, binary counting. */
#define PIT_CMD_RATE_GENERATOR 0x34  /* mode 2 */
#define PIT_CMD_ONE_SHOT 0x30        /* mode 0 */

static volatile uint64_t ticks;  /* written by pit_on_interrupt only */
static uint32_t current_hz;

void pit_set_hz(uint32_t hz)
{
    if (hz == 0) {
        pic_mask(MHV_IRQ_TIMER);
        outb(PIT_COMMAND, PIT_CMD_ONE_SHOT);
        current_hz = 0;
        return;
    }
    uint32_t divisor = (MHV_PIT_HZ + hz / 2) / hz;
    if (divisor > 0xFFFF)
        divisor = 0xFFFF;  /* the slowest the counter can go, about 18.2 Hz */
    if (divisor < 1)
        divisor = 1;
    outb(PIT_COMMAND, PIT_CMD_RATE_GENERATOR);
    outb(PIT_CHANNEL0, (uint8_t)(divisor & 0xFF));
    outb(PIT_CHANNEL0, (uint8_t)(divisor >> 8));
    current_hz = hz;
    pic_unmask(MHV_IRQ_TIMER);
}

uint32_t pit_hz(void)
{
    return current_hz;
}

void pit_on_interrupt(void)
{
    ticks = ticks + 1;
}

uint64_t pit_ticks(void)
{
    return ticks;
}

void pit_wait_ticks(uint64_t count)
{
    uint64_t start = ticks;
    interrupts_disable();
    while (ticks - start < count)
        wait_for_interrupt();
    interrupts_enable();
}
