/*
 * pit.h -- the 8254 programmable interval timer, channel 0 (IRQ 0): the
 * kernel's clock, counting ticks.
 *
 * Invariants:
 *   - pit_ticks only grows; it counts IRQ 0 interrupts since boot, at
 *     whatever rates were set along the way.
 *   - pit_hz() is 0 exactly when the timer is off (IRQ 0 masked).
 *   - pit_wait_ticks must be called with interrupts enabled and the timer
 *     on; it returns with interrupts enabled.
 */
#ifndef KERNEL_PIT_H
#define KERNEL_PIT_H

#include <stdint.h>

#define PIT_DEFAULT_HZ 100

/* Interrupt hz times a second (19..1193182), or stop if hz is 0. */
void pit_set_hz(uint32_t hz);
uint32_t pit_hz(void);

/* IRQ 0. */
void pit_on_interrupt(void);

uint64_t pit_ticks(void);

/* Sleep (hlt) until count more ticks have happened. */
void pit_wait_ticks(uint64_t count);

#endif
