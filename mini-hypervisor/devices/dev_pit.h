/*
 * dev_pit.h -- an 8254 programmable interval timer, channel 0 (ports
 * 0x40 and 0x43), wired to IRQ 0: the guest's clock tick.
 *
 * The counter is not stepped 1,193,182 times a second; it is computed from
 * the host clock when the guest reads it, and the run loop asks
 * mhv_pit_update() at each exit and each timer signal whether periods have
 * ended, pulsing IRQ 0 once if so.  Periods that end while a tick is still
 * pending are lost, as on a real PC whose interrupts are masked too long.
 *
 * Supported: channel 0 in modes 0 (one shot), 2 (rate generator) and 3
 * (square wave) -- 1, 4, 5 behave as 0, 6 and 7 as 2 and 3 --, the access
 * modes lobyte, hibyte and lobyte/hibyte, the counter latch command, and
 * reading the count.  Channels 1 and 2 accept writes and read 0.  Not
 * modelled: BCD counting, the gate input, the read-back command.
 *
 * Invariants: while armed, period_ns > 0 and next_tick_ns is the host time
 * at which the current period ends; a reload of 0 means 65536.
 */
#ifndef MHV_DEV_PIT_H
#define MHV_DEV_PIT_H

#include <stdint.h>

#include "bus.h"
#include "irq.h"

/* Periods shorter than this are stretched to it: each tick costs the host
 * a signal and a VM exit or two, and 10 kHz is already far above what a
 * teaching kernel needs. */
#define MHV_PIT_MIN_PERIOD_NS 100000

struct mhv_pit {
    struct mhv_irq_line irq;
    uint64_t (*now_ns)(void *clock);  /* the host clock (a fake one in tests) */
    void *clock;

    uint8_t mode;          /* 0..7 (6 and 7 act as 2 and 3) */
    uint8_t access;        /* 1 lobyte, 2 hibyte, 3 lobyte then hibyte */
    uint8_t write_high;    /* access 3: the next write is the high byte */
    uint8_t read_high;     /* access 3: the next read is the high byte */
    uint8_t latched;       /* a latch command froze latch_value */
    uint16_t latch_value;
    uint16_t reload_low;   /* the low byte written so far (access 3) */
    uint32_t reload;       /* 1..65536 */
    int counting;          /* a reload value was written: the count runs */
    int armed;             /* ... and a tick is due at next_tick_ns (not once a
                              one shot has fired: its count stays at 0) */
    uint64_t start_ns;     /* when counting began */
    uint64_t period_ns;
    uint64_t next_tick_ns;
    uint64_t ticks;        /* IRQ 0 pulses so far */
};

extern const struct mhv_bus_device_ops mhv_pit_ops;

void mhv_pit_init(struct mhv_pit *pit, struct mhv_irq_line irq,
                  uint64_t (*now_ns)(void *clock), void *clock);

/* Pulses IRQ 0 if a period ended by now_ns; schedules the next. */
void mhv_pit_update(struct mhv_pit *pit, uint64_t now_ns);

/* The host time of the next tick, or UINT64_MAX when none will come. */
uint64_t mhv_pit_next_deadline(const struct mhv_pit *pit);

#endif
