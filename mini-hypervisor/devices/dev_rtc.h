/*
 * dev_rtc.h -- an MC146818 CMOS real-time clock and its 128 bytes of CMOS
 * RAM (ports 0x70-0x71): the guest's calendar clock, read at boot (Linux's
 * mach_get_cmos_time, its rtc_cmos driver) and written back by hwclock.
 *
 * Port 0x70 (write only; reads 0xFF) selects a register: bits 0-6 the
 * index, bit 7 the NMI mask.  The mask is kept (nmi_masked) and does
 * nothing, as mhv has no NMI source; it never takes part in the index.
 * Port 0x71 reads and writes the selected register.
 *
 * The clock is not stepped.  Its time is the host's wall clock (the
 * wall_clock_ns callback: realtime ns since the epoch, a fake one in
 * tests) plus an offset: the guest time is base_s at the host instant
 * base_ns and runs at the host's rate from there.  Power on: base_s = 0,
 * base_ns = 0, so the guest reads the host's UTC time.  A guest that sets
 * the time (as QEMU does it) moves the base, so that it reads back what it
 * wrote, advancing one second per host second from the moment it wrote it.
 *
 *   0x00 seconds   0x02 minutes   0x04 hours   0x06 weekday (1 = Sunday)
 *   0x07 day       0x08 month     0x09 year (00-99)   0x32 century
 *       In binary or BCD and the hour in 24- or 12-hour form (bit 7 = PM,
 *       12 AM is midnight), as register B says at the time of the access.
 *       While SET is clear they hold the clock's time, refreshed before
 *       each access; writing one sets the clock (the others keep the
 *       clock's values).  While SET is 1 they are frozen storage: the
 *       time at the moment SET was set, as the guest overwrites it; clearing
 *       SET starts the clock there.  The weekday is derived from the date:
 *       a written one reads back only while SET holds.  A date the calendar
 *       does not have (April 31, hour 25, BCD digits above 9) is taken
 *       linearly and reads back as the date it amounts to (May 1, ...).
 *   0x01, 0x03, 0x05 the alarm's seconds, minutes, hours: storage, in the
 *       same format; 0xC0-0xFF is "any", as on the chip.
 *   0x0A status A: bit 7 UIP (read only), bits 6-4 the divider, bits 3-0
 *       the periodic rate.  UIP reads 1 in the last 244 us of each second
 *       of the guest's clock and 0 otherwise, as on the chip (whose update
 *       follows within 244 us of UIP rising) and 0 while SET is 1: a guest
 *       that waits for UIP to clear waits at most 244 us.  The divider is
 *       stored and read back; the clock runs whatever it says.
 *   0x0B status B: bit 7 SET, 6 PIE, 5 AIE, 4 UIE, 3 SQWE, 2 DM (1 =
 *       binary), 1 24/12 (1 = 24-hour), 0 DSE, all stored.  Setting SET
 *       clears UIE, as the datasheet says.  Power on 0x02: 24-hour, BCD
 *       (what a PC BIOS leaves; Linux on x86 reads the clock as BCD and
 *       its rtc_cmos driver refuses the 12-hour mode).
 *   0x0C status C (read only): UF bit 4, AF bit 5, PF bit 6 are set for
 *       what happened since the register was last read -- an update (a
 *       second of the clock ended), the alarm matched at an update, a
 *       periodic tick at the rate of A (rates 1 and 2 as 8 and 9, 0 none)
 *       -- whatever B enables, as on the chip; IRQF bit 7 says whether an
 *       enabled one is among them.  Reading C returns them and clears them.
 *       While SET is 1 no updates happen, so neither UF nor AF is set.
 *   0x0D status D (read only): 0x80, VRT (valid RAM and time); bit 6 is
 *       0, which Linux requires before it trusts the chip.
 *   0x0E-0x7F but 0x32: plain storage, zero at power on.
 *
 * No interrupt: the RTC's line is IRQ 8, on the slave 8259A, which this
 * machine does not have (dev_pic.h).  The flags of register C are still
 * kept, for a guest that polls them; Linux's rtc_cmos probes and reads the
 * time without an interrupt (its alarm never fires).
 *
 * Not modelled: daylight saving (DSE is stored only), the square-wave
 * output, the divider's reset and test modes, the 500 ms delay before the
 * first update after the divider leaves reset, extended banks of later
 * chipsets.  Accesses are byte wide; a wider one takes or gives its low
 * byte.
 *
 * Invariants (MHV_ASSERT, dev_rtc.c's rtc_is_sound): index < 128; the RAM
 * copy of A has UIP clear (UIP is computed when A is read); flags holds
 * only UF, AF and PF; seen_ns is the host time the flags were brought up
 * to, and the registers do not change between two accesses, so a C read
 * reports exactly what the clock did since the previous access.
 */
#ifndef MHV_DEV_RTC_H
#define MHV_DEV_RTC_H

#include <stdint.h>

#include "bus.h"

#define MHV_RTC_RAM_SIZE 128

/* Register indexes (port 0x70, bits 0-6). */
#define MHV_RTC_SECONDS 0x00
#define MHV_RTC_SECONDS_ALARM 0x01
#define MHV_RTC_MINUTES 0x02
#define MHV_RTC_MINUTES_ALARM 0x03
#define MHV_RTC_HOURS 0x04
#define MHV_RTC_HOURS_ALARM 0x05
#define MHV_RTC_WEEKDAY 0x06
#define MHV_RTC_DAY 0x07
#define MHV_RTC_MONTH 0x08
#define MHV_RTC_YEAR 0x09
#define MHV_RTC_STATUS_A 0x0A
#define MHV_RTC_STATUS_B 0x0B
#define MHV_RTC_STATUS_C 0x0C
#define MHV_RTC_STATUS_D 0x0D
#define MHV_RTC_CENTURY 0x32

/* Register bits. */
#define MHV_RTC_A_UIP 0x80
#define MHV_RTC_B_SET 0x80
#define MHV_RTC_B_PIE 0x40
#define MHV_RTC_B_AIE 0x20
#define MHV_RTC_B_UIE 0x10
#define MHV_RTC_B_BINARY 0x04
#define MHV_RTC_B_24H 0x02
#define MHV_RTC_C_IRQF 0x80
#define MHV_RTC_C_PF 0x40
#define MHV_RTC_C_AF 0x20
#define MHV_RTC_C_UF 0x10
#define MHV_RTC_D_VRT 0x80

/* How long before the end of each second UIP reads 1. */
#define MHV_RTC_UIP_NS 244000

struct mhv_rtc {
    uint64_t (*wall_clock_ns)(void *context);  /* host realtime, ns since the epoch */
    void *context;

    uint8_t index;         /* the selected register, 0..127 */
    uint8_t nmi_masked;    /* bit 7 of the last index write: kept, no effect */
    uint8_t flags;         /* register C's UF, AF, PF not yet read */
    uint8_t ram[MHV_RTC_RAM_SIZE];  /* the registers and the CMOS RAM */
    int64_t base_s;        /* the guest's time, seconds since the epoch, ... */
    uint64_t base_ns;      /* ... at this host wall-clock time */
    uint64_t seen_ns;      /* the host time of the last access (flags are up to it) */
};

extern const struct mhv_bus_device_ops mhv_rtc_ops;

/* Power-on state (above); reads the clock once, so that register C starts
 * empty. */
void mhv_rtc_init(struct mhv_rtc *rtc, uint64_t (*wall_clock_ns)(void *context), void *context);

#endif
