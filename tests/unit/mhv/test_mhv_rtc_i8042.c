/*
 * test_mhv_rtc_i8042.c -- the CMOS clock (dev_rtc.h) and the keyboard
 * controller (dev_i8042.h), driven through their bus ops as the run loop
 * drives them, on a fake wall clock and a fake interrupt line.
 *
 *   rtc      the power-on time in BCD and binary, 24- and 12-hour hours;
 *            setting the time with SET and without, in every format, and
 *            reading it back advancing; the century, year and month
 *            rollovers; impossible dates; the derived weekday; UIP in the
 *            last 244 us of each second and never under SET; register C's
 *            UF, AF (alarm fields, "any", a long gap, one that never
 *            matches) and PF, cleared on read, IRQF; A, B, D's read-only
 *            bits; the NMI bit outside the index; the CMOS RAM; a host
 *            clock that goes back; Linux's read loop across a second
 *            boundary; the port bus.
 *   i8042    power on; the status bits; every controller command (RAM and
 *            command byte, self-tests, aux and keyboard on/off, output
 *            port, D2/D3/D4, the pulses) and the reset path; the keyboard's
 *            commands with and without translation; its queue while the
 *            interface is off, when full, and behind a controller reply;
 *            IRQ 1's level and edges; reads of an empty buffer; what
 *            Linux 6.1's i8042 and atkbd probes do, in order; the bus.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "bus.h"
#include "dev_i8042.h"
#include "dev_rtc.h"
#include "irq.h"

#define NS_PER_S 1000000000ull
#define MS (NS_PER_S / 1000)
#define US (NS_PER_S / 1000000)

/* ===== fakes ===================================================================== */

/* The wall clock: a number the test moves; each read may move it by step. */
struct wall {
    uint64_t now;
    uint64_t step;   /* added after each read (0: still) */
    int reads;
};

static uint64_t wall_read(void *context)
{
    struct wall *wall = context;
    uint64_t now = wall->now;
    wall->now += wall->step;
    wall->reads++;
    return now;
}

/* An interrupt line: its level, its rising edges, the pin it was told. */
struct line_probe {
    int level, rises;
    unsigned irq;
};

static void probe_set_level(void *controller, unsigned irq, int level)
{
    struct line_probe *probe = controller;
    probe->rises += level && !probe->level;
    probe->level = level != 0;
    probe->irq = irq;
}

/* ===== rtc helpers ================================================================ */

#define RTC_INDEX_PORT 0
#define RTC_DATA_PORT 1

struct rtc_rig {
    struct wall wall;
    struct mhv_rtc rtc;
};

/* A clock whose host time is seconds s plus ns. */
static void rtc_rig_init(struct rtc_rig *rig, uint64_t s, uint64_t ns)
{
    memset(rig, 0, sizeof *rig);
    rig->wall.now = s * NS_PER_S + ns;
    mhv_rtc_init(&rig->rtc, wall_read, &rig->wall);
}

static void rtc_at(struct rtc_rig *rig, uint64_t s, uint64_t ns)
{
    rig->wall.now = s * NS_PER_S + ns;
}

static void rtc_port_out(struct rtc_rig *rig, uint64_t port, uint8_t value)
{
    ck_assert_int_eq(mhv_rtc_ops.write(&rig->rtc, port, 1, value), MHV_BUS_OK);
}

static uint8_t rtc_port_in(struct rtc_rig *rig, uint64_t port)
{
    uint64_t value = 0x5A5A5A5A5A5A5A5Aull;
    mhv_rtc_ops.read(&rig->rtc, port, 1, &value);
    ck_assert_uint_le(value, 0xFF);
    return (uint8_t)value;
}

static uint8_t cmos_get(struct rtc_rig *rig, uint8_t reg)
{
    rtc_port_out(rig, RTC_INDEX_PORT, reg);
    return rtc_port_in(rig, RTC_DATA_PORT);
}

static void cmos_put(struct rtc_rig *rig, uint8_t reg, uint8_t value)
{
    rtc_port_out(rig, RTC_INDEX_PORT, reg);
    rtc_port_out(rig, RTC_DATA_PORT, value);
}

/* The eight time registers, as the guest reads them now. */
struct clock_bytes {
    uint8_t sec, min, hour, wday, day, month, year, century;
};

static struct clock_bytes clock_read(struct rtc_rig *rig)
{
    return (struct clock_bytes){
        .sec = cmos_get(rig, MHV_RTC_SECONDS), .min = cmos_get(rig, MHV_RTC_MINUTES),
        .hour = cmos_get(rig, MHV_RTC_HOURS), .wday = cmos_get(rig, MHV_RTC_WEEKDAY),
        .day = cmos_get(rig, MHV_RTC_DAY), .month = cmos_get(rig, MHV_RTC_MONTH),
        .year = cmos_get(rig, MHV_RTC_YEAR), .century = cmos_get(rig, MHV_RTC_CENTURY),
    };
}

static void ck_clock_bytes(struct clock_bytes got, struct clock_bytes want)
{
    ck_assert_msg(memcmp(&got, &want, sizeof got) == 0,
                  "clock %02x:%02x:%02x wday %x %02x%02x-%02x-%02x, want %02x:%02x:%02x wday %x %02x%02x-%02x-%02x",
                  got.hour, got.min, got.sec, got.wday, got.century, got.year, got.month, got.day,
                  want.hour, want.min, want.sec, want.wday, want.century, want.year, want.month, want.day);
}

#define ck_clock(rig, s, mi, h, wd, d, mo, y, c)                                                  \
    ck_clock_bytes(clock_read(rig), (struct clock_bytes){ .sec = (s), .min = (mi), .hour = (h), \
                   .wday = (wd), .day = (d), .month = (mo), .year = (y), .century = (c) })

/* Writes the date and time registers (in the current format), wday left. */
static void clock_write(struct rtc_rig *rig, struct clock_bytes t)
{
    cmos_put(rig, MHV_RTC_SECONDS, t.sec);
    cmos_put(rig, MHV_RTC_MINUTES, t.min);
    cmos_put(rig, MHV_RTC_HOURS, t.hour);
    cmos_put(rig, MHV_RTC_DAY, t.day);
    cmos_put(rig, MHV_RTC_MONTH, t.month);
    cmos_put(rig, MHV_RTC_YEAR, t.year);
    cmos_put(rig, MHV_RTC_CENTURY, t.century);
}

/* The alarm's three bytes, with the periodic flag off (rate 0) so that
 * register C shows updates and alarms alone. */
static void alarm_at(struct rtc_rig *rig, uint8_t hours, uint8_t minutes, uint8_t seconds)
{
    cmos_put(rig, MHV_RTC_STATUS_A, 0x20);
    cmos_put(rig, MHV_RTC_HOURS_ALARM, hours);
    cmos_put(rig, MHV_RTC_MINUTES_ALARM, minutes);
    cmos_put(rig, MHV_RTC_SECONDS_ALARM, seconds);
}

/* Host instants (seconds since the epoch, UTC). */
#define T_2024_02_29_134507 1709214307ull   /* a Thursday */
#define T_2023_05_01_000000 1682899200ull   /* a Monday */
#define T_2099_12_31_235959 4102444799ull

/* ===== rtc: the time as read =========================================================== */

START_TEST(test_rtc_power_on_bcd_24h)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 500 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_B), 0x02);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0x26);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_D), 0x80);
    ck_clock(&rig, 0x07, 0x45, 0x13, 5, 0x29, 0x02, 0x24, 0x20);
    ck_assert_int_eq(rig.rtc.base_s, 0);       /* the host's time, no offset */
    /* The alarms and the RAM start at zero. */
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS_ALARM), 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS_ALARM), 0);
    ck_assert_uint_eq(cmos_get(&rig, 0x0E), 0);
    ck_assert_uint_eq(cmos_get(&rig, 0x7F), 0);
}
END_TEST

START_TEST(test_rtc_binary_mode)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H | MHV_RTC_B_BINARY);
    ck_clock(&rig, 7, 45, 13, 5, 29, 2, 24, 20);
    /* Back to BCD: the same time, other bytes. */
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H);
    ck_clock(&rig, 0x07, 0x45, 0x13, 5, 0x29, 0x02, 0x24, 0x20);
}
END_TEST

START_TEST(test_rtc_12_hour_mode)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2023_05_01_000000, 0);
    cmos_put(&rig, MHV_RTC_STATUS_B, 0x00);                  /* 12-hour, BCD */
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x12);  /* midnight: 12 AM */
    rtc_at(&rig, T_2023_05_01_000000 + 1 * 3600, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x01);
    rtc_at(&rig, T_2023_05_01_000000 + 11 * 3600, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x11);
    rtc_at(&rig, T_2023_05_01_000000 + 12 * 3600, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x92);  /* noon: 12 PM */
    rtc_at(&rig, T_2023_05_01_000000 + 13 * 3600, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x81);
    rtc_at(&rig, T_2023_05_01_000000 + 23 * 3600 + 59 * 60, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x91);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_MINUTES), 0x59);
    /* Binary 12-hour: PM is still bit 7. */
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_BINARY);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x80 | 11);
    rtc_at(&rig, T_2023_05_01_000000 + 12 * 3600, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x80 | 12);
    rtc_at(&rig, T_2023_05_01_000000, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 12);
    /* And 24-hour again. */
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x00);
}
END_TEST

START_TEST(test_rtc_time_advances_with_the_host)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    rtc_at(&rig, T_2024_02_29_134507, 999 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS), 0x07);
    rtc_at(&rig, T_2024_02_29_134507 + 1, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS), 0x08);
    /* Across midnight of a leap day: 2024-03-01, a Friday. */
    rtc_at(&rig, T_2024_02_29_134507 + (23 - 13) * 3600 + (59 - 45) * 60 + (59 - 7) + 1, 0);
    ck_clock(&rig, 0x00, 0x00, 0x00, 6, 0x01, 0x03, 0x24, 0x20);
}
END_TEST

/* ===== rtc: setting the time ============================================================ */

START_TEST(test_rtc_set_with_set_bit)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 500 * MS);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_SET | MHV_RTC_B_24H);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_B), 0x82);
    /* Frozen at the moment SET rose. */
    rtc_at(&rig, T_2024_02_29_134507 + 5, 0);
    ck_clock(&rig, 0x07, 0x45, 0x13, 5, 0x29, 0x02, 0x24, 0x20);
    /* 1985-07-04 12:00:00, written field by field, reads back as written. */
    clock_write(&rig, (struct clock_bytes){ .sec = 0x00, .min = 0x00, .hour = 0x12, .day = 0x04,
                                            .month = 0x07, .year = 0x85, .century = 0x19 });
    rtc_at(&rig, T_2024_02_29_134507 + 9, 0);
    ck_clock(&rig, 0x00, 0x00, 0x12, 5, 0x04, 0x07, 0x85, 0x19);  /* weekday as it was */
    /* Clearing SET starts the clock there: one second per host second. */
    rtc_at(&rig, T_2024_02_29_134507 + 10, 250 * MS);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H);
    ck_assert_int_eq(rig.rtc.base_s, 489326400);                  /* 1985-07-04T12:00:00Z */
    ck_clock(&rig, 0x00, 0x00, 0x12, 5, 0x04, 0x07, 0x85, 0x19);  /* a Thursday too */
    rtc_at(&rig, T_2024_02_29_134507 + 11, 249 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS), 0x00);
    rtc_at(&rig, T_2024_02_29_134507 + 11, 250 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS), 0x01);
    rtc_at(&rig, T_2024_02_29_134507 + 10 + 3661, 250 * MS);
    ck_clock(&rig, 0x01, 0x01, 0x13, 5, 0x04, 0x07, 0x85, 0x19);
}
END_TEST

START_TEST(test_rtc_set_without_set_bit)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 700 * MS);
    /* One field written while the clock runs: the others keep its time. */
    cmos_put(&rig, MHV_RTC_MINUTES, 0x30);
    ck_clock(&rig, 0x07, 0x30, 0x13, 5, 0x29, 0x02, 0x24, 0x20);
    /* The written second starts at the write (not at the host's). */
    rtc_at(&rig, T_2024_02_29_134507 + 1, 699 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS), 0x07);
    rtc_at(&rig, T_2024_02_29_134507 + 1, 700 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS), 0x08);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_MINUTES), 0x30);
    /* The year alone: 2031-02-29 is no date, so it is March 1. */
    cmos_put(&rig, MHV_RTC_YEAR, 0x31);
    ck_clock(&rig, 0x08, 0x30, 0x13, 7, 0x01, 0x03, 0x31, 0x20);  /* 2031-03-01, a Saturday */
}
END_TEST

START_TEST(test_rtc_set_binary_and_rollover_to_2000)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_SET | MHV_RTC_B_BINARY | MHV_RTC_B_24H);
    clock_write(&rig, (struct clock_bytes){ .sec = 59, .min = 59, .hour = 23, .day = 31,
                                            .month = 12, .year = 99, .century = 19 });
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_BINARY | MHV_RTC_B_24H);
    ck_assert_int_eq(rig.rtc.base_s, 946684799);
    ck_clock(&rig, 59, 59, 23, 6, 31, 12, 99, 19);                /* a Friday */
    rtc_at(&rig, T_2024_02_29_134507 + 1, 0);
    ck_clock(&rig, 0, 0, 0, 7, 1, 1, 0, 20);                      /* 2000-01-01, a Saturday */
}
END_TEST

START_TEST(test_rtc_century_rollover)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2099_12_31_235959, 0);
    ck_clock(&rig, 0x59, 0x59, 0x23, 5, 0x31, 0x12, 0x99, 0x20);
    rtc_at(&rig, T_2099_12_31_235959 + 1, 0);
    ck_clock(&rig, 0x00, 0x00, 0x00, 6, 0x01, 0x01, 0x00, 0x21);  /* 2100-01-01, a Friday (no leap day in 2100) */
    /* The century register sets the clock too: a century back. */
    cmos_put(&rig, MHV_RTC_CENTURY, 0x20);
    ck_clock(&rig, 0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00, 0x20);  /* 2000-01-01 */
}
END_TEST

START_TEST(test_rtc_set_12_hour)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2023_05_01_000000, 0);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_SET);              /* 12-hour, BCD */
    cmos_put(&rig, MHV_RTC_HOURS, 0x92);                          /* 12 PM */
    cmos_put(&rig, MHV_RTC_STATUS_B, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x92);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x12);
    cmos_put(&rig, MHV_RTC_STATUS_B, 0);
    cmos_put(&rig, MHV_RTC_HOURS, 0x12);                          /* 12 AM, no SET */
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 0x00);
    cmos_put(&rig, MHV_RTC_STATUS_B, 0);
    cmos_put(&rig, MHV_RTC_HOURS, 0x87);                          /* 7 PM */
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H | MHV_RTC_B_BINARY);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_HOURS), 19);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_DAY), 1);            /* the date untouched */
}
END_TEST

START_TEST(test_rtc_impossible_dates_count_on)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2023_05_01_000000, 0);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_SET | MHV_RTC_B_24H);
    clock_write(&rig, (struct clock_bytes){ .sec = 0x00, .min = 0x00, .hour = 0x10, .day = 0x31,
                                            .month = 0x04, .year = 0x23, .century = 0x20 });
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H);
    ck_clock(&rig, 0x00, 0x00, 0x10, 2, 0x01, 0x05, 0x23, 0x20);  /* April 31 is May 1 */
    cmos_put(&rig, MHV_RTC_HOURS, 0x25);                          /* hour 25: 01:00 the next day */
    ck_clock(&rig, 0x00, 0x00, 0x01, 3, 0x02, 0x05, 0x23, 0x20);
    cmos_put(&rig, MHV_RTC_MONTH, 0x13);                          /* month 13: January next year */
    ck_clock(&rig, 0x00, 0x00, 0x01, 3, 0x02, 0x01, 0x24, 0x20);  /* 2024-01-02, a Tuesday */
    cmos_put(&rig, MHV_RTC_MONTH, 0x00);                          /* month 0: December before */
    ck_clock(&rig, 0x00, 0x00, 0x01, 7, 0x02, 0x12, 0x23, 0x20);  /* 2023-12-02, a Saturday */
    cmos_put(&rig, MHV_RTC_DAY, 0x00);                            /* day 0: the last of November */
    ck_clock(&rig, 0x00, 0x00, 0x01, 5, 0x30, 0x11, 0x23, 0x20);
    cmos_put(&rig, MHV_RTC_SECONDS, 0x5A);                        /* BCD "5A" is 60 */
    ck_clock(&rig, 0x00, 0x01, 0x01, 5, 0x30, 0x11, 0x23, 0x20);
}
END_TEST

START_TEST(test_rtc_weekday_is_derived)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    cmos_put(&rig, MHV_RTC_WEEKDAY, 2);            /* without SET: no effect */
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_WEEKDAY), 5);
    ck_assert_int_eq(rig.rtc.base_s, 0);           /* nor on the clock */
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_SET | MHV_RTC_B_24H);
    cmos_put(&rig, MHV_RTC_WEEKDAY, 2);            /* with SET: reads back while it holds */
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_WEEKDAY), 2);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_WEEKDAY), 5);
    ck_clock(&rig, 0x07, 0x45, 0x13, 5, 0x29, 0x02, 0x24, 0x20);
}
END_TEST

/* ===== rtc: status registers ============================================================ */

START_TEST(test_rtc_uip_window)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0x26);
    rtc_at(&rig, T_2024_02_29_134507, NS_PER_S - MHV_RTC_UIP_NS - 1);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0x26);
    rtc_at(&rig, T_2024_02_29_134507, NS_PER_S - MHV_RTC_UIP_NS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0xA6);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS), 0x07);  /* the update comes at the second */
    rtc_at(&rig, T_2024_02_29_134507, NS_PER_S - 1);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0xA6);
    rtc_at(&rig, T_2024_02_29_134507 + 1, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0x26);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS), 0x08);
    /* Never while SET holds. */
    rtc_at(&rig, T_2024_02_29_134507 + 1, NS_PER_S - 100 * US);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_SET | MHV_RTC_B_24H);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0x26);
    /* After a set, the guest's seconds start at the write. */
    rtc_at(&rig, T_2024_02_29_134507 + 2, 900 * MS);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0x26);
    rtc_at(&rig, T_2024_02_29_134507 + 3, 900 * MS - MHV_RTC_UIP_NS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0xA6);
}
END_TEST

START_TEST(test_rtc_status_a_b_d_bits)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    cmos_put(&rig, MHV_RTC_STATUS_A, 0xFF);        /* UIP is read only */
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0x7F);
    ck_assert_uint_eq(rig.rtc.ram[MHV_RTC_STATUS_A], 0x7F);
    cmos_put(&rig, MHV_RTC_STATUS_A, 0x26);
    /* SET clears UIE; the other bits of B are kept. */
    cmos_put(&rig, MHV_RTC_STATUS_B, 0xFF);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_B), 0xEF);
    cmos_put(&rig, MHV_RTC_STATUS_B, 0x7F);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_B), 0x7F);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H);
    /* D: VRT, read only; C: read only. */
    cmos_put(&rig, MHV_RTC_STATUS_D, 0x00);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_D), 0x80);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_D) & 0x40, 0);
    cmos_put(&rig, MHV_RTC_STATUS_C, 0xFF);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);
}
END_TEST

START_TEST(test_rtc_register_c_update_and_periodic)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 500 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);    /* nothing since power on */
    rtc_at(&rig, T_2024_02_29_134507, 800 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_PF);  /* 1024 Hz ticks, no second */
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);    /* cleared by the read */
    rtc_at(&rig, T_2024_02_29_134507 + 1, 100 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_PF);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);
    /* Any access brings the flags up to date, so another register's read
     * in between does not lose them. */
    rtc_at(&rig, T_2024_02_29_134507 + 2, 100 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS), 0x09);
    rtc_at(&rig, T_2024_02_29_134507 + 2, 100 * MS + 1);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_PF);
    /* Rate 0: no periodic flag; rate 15 (2 Hz) ticks at the half seconds. */
    cmos_put(&rig, MHV_RTC_STATUS_A, 0x20);
    rtc_at(&rig, T_2024_02_29_134507 + 2, 900 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);
    cmos_put(&rig, MHV_RTC_STATUS_A, 0x2F);
    rtc_at(&rig, T_2024_02_29_134507 + 2, 950 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);
    rtc_at(&rig, T_2024_02_29_134507 + 3, 400 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_PF);
    rtc_at(&rig, T_2024_02_29_134507 + 3, 499 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);
    rtc_at(&rig, T_2024_02_29_134507 + 3, 500 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_PF);
    /* Rate 1 is 256 Hz: a tick within 4 ms. */
    cmos_put(&rig, MHV_RTC_STATUS_A, 0x21);
    rtc_at(&rig, T_2024_02_29_134507 + 3, 504 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_PF);
}
END_TEST

START_TEST(test_rtc_register_c_irqf_follows_enables)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 500 * MS);
    cmos_put(&rig, MHV_RTC_STATUS_A, 0x20);        /* no periodic ticks */
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H | MHV_RTC_B_UIE);
    rtc_at(&rig, T_2024_02_29_134507 + 1, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_IRQF | MHV_RTC_C_UF);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H | MHV_RTC_B_PIE | MHV_RTC_B_AIE);
    rtc_at(&rig, T_2024_02_29_134507 + 2, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF);  /* UF not enabled */
}
END_TEST

START_TEST(test_rtc_alarm)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 500 * MS);
    alarm_at(&rig, 0x13, 0x45, 0x10);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS_ALARM), 0x10);
    rtc_at(&rig, T_2024_02_29_134507 + 2, 0);      /* 13:45:09 */
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF);
    rtc_at(&rig, T_2024_02_29_134507 + 3, 0);      /* 13:45:10 */
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_AF);
    rtc_at(&rig, T_2024_02_29_134507 + 4, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF);
    /* With AIE, IRQF. */
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H | MHV_RTC_B_AIE);
    rtc_at(&rig, T_2024_02_29_134507 + 3 + 86400, 0);   /* a day later, the same time */
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_IRQF | MHV_RTC_C_UF | MHV_RTC_C_AF);
    /* Passed over between two reads: still seen. */
    rtc_at(&rig, T_2024_02_29_134507 + 3 + 2 * 86400 + 5, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_IRQF | MHV_RTC_C_UF | MHV_RTC_C_AF);
    /* Not within a gap that misses it. */
    rtc_at(&rig, T_2024_02_29_134507 + 3 + 3 * 86400 - 10, 0);
    cmos_get(&rig, MHV_RTC_STATUS_C);
    rtc_at(&rig, T_2024_02_29_134507 + 3 + 3 * 86400 - 1, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_B), MHV_RTC_B_24H | MHV_RTC_B_AIE);
}
END_TEST

START_TEST(test_rtc_alarm_any_fields)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2023_05_01_000000, 0);
    alarm_at(&rig, 0xC0, 0xFF, 0x30);              /* any hour, any minute, second 30 */
    rtc_at(&rig, T_2023_05_01_000000 + 7 * 3600 + 28, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_AF);  /* 00:00:30 and on */
    rtc_at(&rig, T_2023_05_01_000000 + 7 * 3600 + 29, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF);  /* 07:00:29: not yet */
    rtc_at(&rig, T_2023_05_01_000000 + 7 * 3600 + 30, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_AF);
    rtc_at(&rig, T_2023_05_01_000000 + 7 * 3600 + 89, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF);  /* 07:01:29 */
    rtc_at(&rig, T_2023_05_01_000000 + 7 * 3600 + 95, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_AF);
    /* Hour 21 (9 PM in 12-hour mode), any minute and second. */
    cmos_put(&rig, MHV_RTC_STATUS_B, 0x00);
    alarm_at(&rig, 0x89, 0xFF, 0xC0);
    rtc_at(&rig, T_2023_05_01_000000 + 20 * 3600 + 59 * 60 + 59, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF);
    rtc_at(&rig, T_2023_05_01_000000 + 21 * 3600, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_AF);
    rtc_at(&rig, T_2023_05_01_000000 + 22 * 3600, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_AF);  /* 21:59:59 was in */
    rtc_at(&rig, T_2023_05_01_000000 + 22 * 3600 + 1, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF);
}
END_TEST

START_TEST(test_rtc_alarm_that_cannot_match)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2023_05_01_000000, 0);
    alarm_at(&rig, 0x25, 0xC0, 0xC0);              /* hour 25 */
    rtc_at(&rig, T_2023_05_01_000000 + 3 * 86400, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF);
    alarm_at(&rig, 0x00, 0x60, 0xC0);              /* minute 60 */
    rtc_at(&rig, T_2023_05_01_000000 + 365 * 86400, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF);
    /* Any time at all: every update matches. */
    alarm_at(&rig, 0xFF, 0xFF, 0xC0);
    rtc_at(&rig, T_2023_05_01_000000 + 365 * 86400 + 1, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_AF);
}
END_TEST

START_TEST(test_rtc_no_updates_under_set)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    alarm_at(&rig, 0xC0, 0xC0, 0xC0);              /* any time */
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_SET | MHV_RTC_B_24H);
    rtc_at(&rig, T_2024_02_29_134507 + 10, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);
    cmos_put(&rig, MHV_RTC_STATUS_B, MHV_RTC_B_24H);
    rtc_at(&rig, T_2024_02_29_134507 + 10, 999 * MS);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);    /* the restarted second not over */
    rtc_at(&rig, T_2024_02_29_134507 + 11, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), MHV_RTC_C_UF | MHV_RTC_C_AF);
}
END_TEST

/* ===== rtc: ports and RAM ============================================================ */

START_TEST(test_rtc_nmi_bit_is_not_index)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    rtc_port_out(&rig, RTC_INDEX_PORT, 0x80 | MHV_RTC_STATUS_A);
    ck_assert_uint_eq(rig.rtc.index, MHV_RTC_STATUS_A);
    ck_assert_uint_eq(rig.rtc.nmi_masked, 1);
    ck_assert_uint_eq(rtc_port_in(&rig, RTC_DATA_PORT), 0x26);
    rtc_port_out(&rig, RTC_INDEX_PORT, 0x80 | 0x0E);
    rtc_port_out(&rig, RTC_DATA_PORT, 0x55);
    ck_assert_uint_eq(cmos_get(&rig, 0x0E), 0x55);
    ck_assert_uint_eq(rig.rtc.nmi_masked, 0);
    rtc_port_out(&rig, RTC_INDEX_PORT, 0xFF);      /* 0x7F, NMI masked */
    rtc_port_out(&rig, RTC_DATA_PORT, 0x77);
    ck_assert_uint_eq(rig.rtc.ram[0x7F], 0x77);
    /* The index port reads 0xFF; the index stays selected. */
    ck_assert_uint_eq(rtc_port_in(&rig, RTC_INDEX_PORT), 0xFF);
    ck_assert_uint_eq(rtc_port_in(&rig, RTC_DATA_PORT), 0x77);
    ck_assert_uint_eq(rtc_port_in(&rig, RTC_DATA_PORT), 0x77);
}
END_TEST

START_TEST(test_rtc_cmos_ram)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    for (unsigned reg = 0x0E; reg < MHV_RTC_RAM_SIZE; reg++)
        if (reg != MHV_RTC_CENTURY)
            cmos_put(&rig, (uint8_t)reg, (uint8_t)(reg ^ 0xA5));
    for (unsigned reg = 0x0E; reg < MHV_RTC_RAM_SIZE; reg++)
        if (reg != MHV_RTC_CENTURY)
            ck_assert_uint_eq(cmos_get(&rig, (uint8_t)reg), reg ^ 0xA5);
    /* The clock did not move for it. */
    ck_clock(&rig, 0x07, 0x45, 0x13, 5, 0x29, 0x02, 0x24, 0x20);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_A), 0x26);
}
END_TEST

START_TEST(test_rtc_host_clock_goes_back)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    rtc_at(&rig, T_2024_02_29_134507 - 10, 0);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_SECONDS), 0x57);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_MINUTES), 0x44);
    ck_assert_uint_eq(cmos_get(&rig, MHV_RTC_STATUS_C), 0x00);
    /* A set clock followed by a host step back reads before what it set. */
    cmos_put(&rig, MHV_RTC_HOURS, 0x00);
    rtc_at(&rig, T_2024_02_29_134507 - 11, 0);
    ck_clock(&rig, 0x56, 0x44, 0x00, 5, 0x29, 0x02, 0x24, 0x20);
    rtc_at(&rig, T_2024_02_29_134507 - 10 - 44 * 60 - 58, 0);     /* 23:59:59 the day before */
    ck_clock(&rig, 0x59, 0x59, 0x23, 4, 0x28, 0x02, 0x24, 0x20);
}
END_TEST

/* Linux's read (mc146818_avoid_UIP, mach_get_cmos_time), on a clock that
 * moves 30 us at each access, started inside the UIP window: it waits
 * 1 ms, then reads one consistent time, the one after the update. */
START_TEST(test_rtc_linux_read_loop)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2099_12_31_235959, NS_PER_S - 200 * US);
    rig.wall.step = 30 * US;
    struct clock_bytes t = { 0 };
    int tries = 0, done = 0;
    while (!done && tries < 10) {
        tries++;
        uint8_t sec = cmos_get(&rig, MHV_RTC_SECONDS);
        if (cmos_get(&rig, MHV_RTC_STATUS_A) & MHV_RTC_A_UIP) {
            rig.wall.now += MS;   /* mdelay(1) */
            continue;
        }
        if (sec != cmos_get(&rig, MHV_RTC_SECONDS))
            continue;
        t = clock_read(&rig);
        if (cmos_get(&rig, MHV_RTC_STATUS_A) & MHV_RTC_A_UIP)
            continue;
        done = sec == cmos_get(&rig, MHV_RTC_SECONDS) && sec == t.sec;
    }
    ck_assert_int_eq(done, 1);
    ck_assert_int_eq(tries, 2);
    ck_clock_bytes(t, (struct clock_bytes){ .sec = 0x00, .min = 0x00, .hour = 0x00, .wday = 6,
                                            .day = 0x01, .month = 0x01, .year = 0x00, .century = 0x21 });
}
END_TEST

START_TEST(test_rtc_on_the_port_bus)
{
    struct rtc_rig rig;
    rtc_rig_init(&rig, T_2024_02_29_134507, 0);
    struct mhv_bus bus;
    char err[256];
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(mhv_bus_attach(&bus, 0x70, 2, "rtc", &mhv_rtc_ops, &rig.rtc, err, sizeof err), 0);
    enum mhv_bus_result result = MHV_BUS_STOP;
    ck_assert_ptr_nonnull(mhv_bus_write(&bus, 0x70, 1, MHV_RTC_HOURS, &result));
    ck_assert_int_eq(result, MHV_BUS_OK);
    uint64_t value = 0;
    ck_assert_ptr_nonnull(mhv_bus_read(&bus, 0x71, 1, &value));
    ck_assert_uint_eq(value, 0x13);
    /* A wider read gives the byte alone. */
    value = UINT64_MAX;
    ck_assert_ptr_nonnull(mhv_bus_read(&bus, 0x71, 2, &value));
    ck_assert_uint_eq(value, 0x13);
    ck_assert_ptr_null(mhv_bus_find(&bus, 0x72));
}
END_TEST

/* ===== i8042 helpers ============================================================== */

struct kbc_rig {
    struct line_probe line;
    struct mhv_i8042 kbc;
};

static void kbc_rig_init(struct kbc_rig *rig)
{
    memset(rig, 0, sizeof *rig);
    mhv_i8042_init(&rig->kbc, (struct mhv_irq_line){ .set_level = probe_set_level,
                                                     .controller = &rig->line, .irq = 1 });
}

static uint8_t kbc_status(struct kbc_rig *rig)
{
    uint64_t value = 0x5A5A5A5A5A5A5A5Aull;
    mhv_i8042_command_ops.read(&rig->kbc, 0, 1, &value);
    ck_assert_uint_le(value, 0xFF);
    ck_assert_uint_eq(value & MHV_I8042_STATUS_IBF, 0);   /* never busy */
    return (uint8_t)value;
}

static enum mhv_bus_result kbc_command_result(struct kbc_rig *rig, uint8_t command)
{
    return mhv_i8042_command_ops.write(&rig->kbc, 0, 1, command);
}

static void kbc_command(struct kbc_rig *rig, uint8_t command)
{
    ck_assert_int_eq(kbc_command_result(rig, command), MHV_BUS_OK);
}

static void kbc_put(struct kbc_rig *rig, uint8_t byte)
{
    ck_assert_int_eq(mhv_i8042_data_ops.write(&rig->kbc, 0, 1, byte), MHV_BUS_OK);
}

static uint8_t kbc_read_data(struct kbc_rig *rig)
{
    uint64_t value = 0x5A5A5A5A5A5A5A5Aull;
    mhv_i8042_data_ops.read(&rig->kbc, 0, 1, &value);
    ck_assert_uint_le(value, 0xFF);
    return (uint8_t)value;
}

/* The next byte, which must be there (OBF set, not from aux). */
static uint8_t kbc_get(struct kbc_rig *rig)
{
    uint8_t status = kbc_status(rig);
    ck_assert_msg(status & MHV_I8042_STATUS_OBF, "output buffer empty (status %02x)", status);
    ck_assert_uint_eq(status & MHV_I8042_STATUS_AUX, 0);
    return kbc_read_data(rig);
}

static void ck_empty(struct kbc_rig *rig)
{
    ck_assert_uint_eq(kbc_status(rig) & MHV_I8042_STATUS_OBF, 0);
}

/* A controller command with a one-byte reply. */
static uint8_t kbc_ask(struct kbc_rig *rig, uint8_t command)
{
    kbc_command(rig, command);
    return kbc_get(rig);
}

static void kbc_write_ctr(struct kbc_rig *rig, uint8_t ctr)
{
    kbc_command(rig, 0x60);
    kbc_put(rig, ctr);
}

/* Bytes to the keyboard; then its answer must be exactly want[0..n). */
static void ck_keyboard(struct kbc_rig *rig, const uint8_t *send, int n_send, const uint8_t *want, int n_want)
{
    for (int i = 0; i < n_send; i++)
        kbc_put(rig, send[i]);
    for (int i = 0; i < n_want; i++) {
        uint8_t got = kbc_get(rig);
        ck_assert_msg(got == want[i], "keyboard byte %d: %02x, want %02x", i, got, want[i]);
    }
    ck_empty(rig);
}

#define KBD(...) (const uint8_t[]){ __VA_ARGS__ }, (int)sizeof((const uint8_t[]){ __VA_ARGS__ })

/* ===== i8042: the controller ======================================================= */

START_TEST(test_i8042_power_on)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    ck_assert_uint_eq(kbc_status(&rig), MHV_I8042_STATUS_UNLOCKED | MHV_I8042_STATUS_SYS);
    ck_assert_int_eq(rig.line.level, 0);
    ck_assert_uint_eq(kbc_read_data(&rig), 0x00);  /* empty: the last byte, none yet */
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x65);
    ck_assert_uint_eq(kbc_ask(&rig, 0xD0), 0xC3);
    /* The keyboard: set 2, scanning, nothing to say. */
    ck_assert_msg(rig.kbc.kbd_set == 2 && rig.kbc.kbd_scanning && rig.kbc.kbd_count == 0 && rig.kbc.resets == 0,
                  "keyboard set %u scanning %u queued %u, resets %llu", rig.kbc.kbd_set, rig.kbc.kbd_scanning,
                  rig.kbc.kbd_count, (unsigned long long)rig.kbc.resets);
}
END_TEST

START_TEST(test_i8042_status_bits)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    kbc_command(&rig, 0x20);
    ck_assert_uint_eq(kbc_status(&rig), MHV_I8042_STATUS_UNLOCKED | MHV_I8042_STATUS_COMMAND |
                                        MHV_I8042_STATUS_SYS | MHV_I8042_STATUS_OBF);
    kbc_read_data(&rig);
    kbc_write_ctr(&rig, 0x61);                     /* the system flag off */
    ck_assert_uint_eq(kbc_status(&rig), MHV_I8042_STATUS_UNLOCKED);   /* and the last write was data */
    ck_assert_uint_eq(kbc_ask(&rig, 0xAA), 0x55);  /* the self-test sets it */
    ck_assert_uint_eq(kbc_status(&rig), MHV_I8042_STATUS_UNLOCKED | MHV_I8042_STATUS_COMMAND |
                                        MHV_I8042_STATUS_SYS);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x65);
}
END_TEST

START_TEST(test_i8042_empty_buffer_reads_last_byte)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    ck_assert_uint_eq(kbc_ask(&rig, 0xAA), 0x55);
    ck_empty(&rig);
    ck_assert_uint_eq(kbc_read_data(&rig), 0x55);
    ck_assert_uint_eq(kbc_read_data(&rig), 0x55);
    ck_empty(&rig);
    ck_assert_int_eq(rig.line.level, 0);
    ck_assert_int_eq(rig.line.rises, 1);           /* the one reply; no edge from the empty reads */
}
END_TEST

START_TEST(test_i8042_command_byte_and_ram)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    kbc_write_ctr(&rig, 0x74);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x74);
    ck_assert_uint_eq(rig.kbc.ram[0], 0x74);
    for (uint8_t n = 1; n < MHV_I8042_RAM_SIZE; n++) {
        kbc_command(&rig, (uint8_t)(0x60 + n));
        kbc_put(&rig, (uint8_t)(n * 7));
    }
    for (uint8_t n = 1; n < MHV_I8042_RAM_SIZE; n++)
        ck_assert_uint_eq(kbc_ask(&rig, (uint8_t)(0x20 + n)), (uint8_t)(n * 7));
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x74);  /* byte 0 untouched */
}
END_TEST

START_TEST(test_i8042_self_tests)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    ck_assert_uint_eq(kbc_ask(&rig, 0xAA), 0x55);
    ck_assert_uint_eq(kbc_ask(&rig, 0xAB), 0x00);
    ck_assert_uint_eq(kbc_ask(&rig, 0xA9), 0x00);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x65);  /* the command byte unchanged */
}
END_TEST

START_TEST(test_i8042_interfaces_on_and_off)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    kbc_command(&rig, 0xA8);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x45);
    kbc_command(&rig, 0xA7);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x65);
    kbc_command(&rig, 0xAD);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x75);
    kbc_command(&rig, 0xAE);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x65);
    ck_empty(&rig);                                /* none of them replies */
}
END_TEST

START_TEST(test_i8042_output_port)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    kbc_command(&rig, 0xD1);
    kbc_put(&rig, 0xDD);                           /* A20 off; bit 4 written is live, not kept */
    ck_assert_uint_eq(kbc_ask(&rig, 0xD0), 0xCD);
    /* Bits 4 and 5 say what the buffer held when D0 came. */
    kbc_command(&rig, 0xD2);
    kbc_put(&rig, 0x11);
    ck_assert_uint_eq(kbc_ask(&rig, 0xD0), 0xDD);
    kbc_command(&rig, 0xD3);
    kbc_put(&rig, 0x22);
    ck_assert_uint_eq(kbc_ask(&rig, 0xD0), 0xED);
    ck_assert_uint_eq(rig.kbc.resets, 0);
}
END_TEST

START_TEST(test_i8042_reset_through_output_port)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    kbc_command(&rig, 0xD1);
    ck_assert_int_eq(mhv_i8042_data_ops.write(&rig.kbc, 0, 1, 0xC2), MHV_BUS_RESET);
    ck_assert_uint_eq(rig.kbc.resets, 1);
    ck_assert_uint_eq(kbc_ask(&rig, 0xD0), 0xC3);  /* the line is high again */
    /* Bit 0 set: no reset. */
    kbc_command(&rig, 0xD1);
    kbc_put(&rig, 0xC3);
    ck_assert_uint_eq(rig.kbc.resets, 1);
    /* The byte after a D1 is taken once: the next goes to the keyboard. */
    ck_keyboard(&rig, KBD(0xC2), KBD(0xFE));
}
END_TEST

START_TEST(test_i8042_reset_pulse_commands)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    ck_assert_int_eq(kbc_command_result(&rig, 0xFE), MHV_BUS_RESET);
    ck_assert_uint_eq(rig.kbc.resets, 1);
    ck_empty(&rig);
    for (unsigned command = 0xF0; command <= 0xFF; command++)
        ck_assert_int_eq(kbc_command_result(&rig, (uint8_t)command),
                         command & 1 ? MHV_BUS_OK : MHV_BUS_RESET);
    ck_assert_uint_eq(rig.kbc.resets, 9);
    /* The controller goes on as before. */
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x65);
    ck_assert_uint_eq(kbc_ask(&rig, 0xD0), 0xC3);
}
END_TEST

START_TEST(test_i8042_write_buffers)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    /* D2: back as keyboard data, with IRQ 1. */
    kbc_command(&rig, 0xD2);
    kbc_put(&rig, 0x83);
    ck_assert_int_eq(rig.line.level, 1);
    ck_assert_uint_eq(kbc_get(&rig), 0x83);        /* not translated */
    ck_assert_int_eq(rig.line.level, 0);
    /* D3: back as aux data, no IRQ 1. */
    kbc_command(&rig, 0xD3);
    kbc_put(&rig, 0x5A);
    ck_assert_uint_eq(kbc_status(&rig), MHV_I8042_STATUS_UNLOCKED | MHV_I8042_STATUS_SYS |
                                        MHV_I8042_STATUS_AUX | MHV_I8042_STATUS_OBF);
    ck_assert_int_eq(rig.line.level, 0);
    ck_assert_uint_eq(kbc_read_data(&rig), 0x5A);
    ck_empty(&rig);
    ck_assert_int_eq(rig.line.rises, 1);
    /* D4: to the aux device, which is not there. */
    kbc_command(&rig, 0xD4);
    kbc_put(&rig, 0xFF);
    ck_empty(&rig);
    ck_assert_uint_eq(rig.kbc.kbd_count, 0);
}
END_TEST

START_TEST(test_i8042_unknown_commands_and_cancel)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    static const uint8_t ignored[] = { 0x00, 0x1F, 0x90, 0xA1, 0xA4, 0xC0, 0xC1, 0xE0, 0xD5, 0xEF };
    for (size_t i = 0; i < sizeof ignored; i++)
        kbc_command(&rig, ignored[i]);
    ck_empty(&rig);
    ck_assert_uint_eq(rig.kbc.pending, 0);
    /* A command after 0x60 cancels it: the byte then goes to the keyboard. */
    kbc_command(&rig, 0x60);
    ck_assert_uint_eq(rig.kbc.pending, 0x60);
    ck_assert_uint_eq(kbc_ask(&rig, 0xAA), 0x55);
    ck_keyboard(&rig, KBD(0xF4), KBD(0xFA));
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x65);
}
END_TEST

/* ===== i8042: the keyboard ======================================================== */

START_TEST(test_i8042_keyboard_identify_and_reset)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    ck_keyboard(&rig, KBD(0xF2), KBD(0xFA, 0xAB, 0x41));   /* translated */
    ck_keyboard(&rig, KBD(0xFF), KBD(0xFA, 0xAA));
    kbc_write_ctr(&rig, 0x25);                              /* translation off */
    ck_keyboard(&rig, KBD(0xF2), KBD(0xFA, 0xAB, 0x83));
    ck_keyboard(&rig, KBD(0xFF), KBD(0xFA, 0xAA));
}
END_TEST

START_TEST(test_i8042_keyboard_commands)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    ck_keyboard(&rig, KBD(0xEE), KBD(0xEE));
    ck_keyboard(&rig, KBD(0xED, 0x07), KBD(0xFA, 0xFA));
    ck_assert_uint_eq(rig.kbc.kbd_leds, 7);
    ck_keyboard(&rig, KBD(0xED, 0xFA), KBD(0xFA, 0xFA));    /* any byte is the parameter */
    ck_assert_uint_eq(rig.kbc.kbd_leds, 2);
    ck_keyboard(&rig, KBD(0xF3, 0x20), KBD(0xFA, 0xFA));
    ck_assert_uint_eq(rig.kbc.kbd_typematic, 0x20);
    ck_keyboard(&rig, KBD(0xF5), KBD(0xFA));
    ck_assert_uint_eq(rig.kbc.kbd_scanning, 0);
    ck_assert_uint_eq(rig.kbc.kbd_typematic, 0x2B);        /* defaults */
    ck_keyboard(&rig, KBD(0xF4), KBD(0xFA));
    ck_assert_uint_eq(rig.kbc.kbd_scanning, 1);
    ck_keyboard(&rig, KBD(0xF3, 0x00, 0xF6), KBD(0xFA, 0xFA, 0xFA));
    ck_assert_uint_eq(rig.kbc.kbd_typematic, 0x2B);
    for (uint8_t command = 0xF7; command <= 0xFD; command++)
        ck_keyboard(&rig, &command, 1, KBD(0xFA));
    ck_keyboard(&rig, KBD(0x00), KBD(0xFE));                /* unknown */
    ck_keyboard(&rig, KBD(0xE0), KBD(0xFE));
    ck_keyboard(&rig, KBD(0xEC), KBD(0xFE));
    /* Reset: defaults, LEDs off, scanning. */
    ck_keyboard(&rig, KBD(0xED, 0x04, 0xF5, 0xFF), KBD(0xFA, 0xFA, 0xFA, 0xFA, 0xAA));
    ck_assert_uint_eq(rig.kbc.kbd_leds, 0);
    ck_assert_uint_eq(rig.kbc.kbd_scanning, 1);
}
END_TEST

START_TEST(test_i8042_keyboard_scan_set)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    ck_keyboard(&rig, KBD(0xF0, 0x00), KBD(0xFA, 0xFA, 0x41));   /* set 2, translated */
    kbc_write_ctr(&rig, 0x25);
    ck_keyboard(&rig, KBD(0xF0, 0x00), KBD(0xFA, 0xFA, 0x02));
    ck_keyboard(&rig, KBD(0xF0, 0x03, 0xF0, 0x00), KBD(0xFA, 0xFA, 0xFA, 0xFA, 0x03));
    ck_keyboard(&rig, KBD(0xF0, 0x01, 0xF0, 0x00), KBD(0xFA, 0xFA, 0xFA, 0xFA, 0x01));
    ck_keyboard(&rig, KBD(0xF0, 0x07), KBD(0xFA, 0xFE));         /* no set 7 */
    ck_assert_uint_eq(rig.kbc.kbd_set, 1);
    ck_keyboard(&rig, KBD(0xF6), KBD(0xFA));                     /* defaults: set 2 */
    ck_assert_uint_eq(rig.kbc.kbd_set, 2);
    kbc_write_ctr(&rig, 0x65);
    ck_keyboard(&rig, KBD(0xF0, 0x01, 0xF0, 0x00), KBD(0xFA, 0xFA, 0xFA, 0xFA, 0x43));
    ck_keyboard(&rig, KBD(0xF0, 0x03, 0xF0, 0x00), KBD(0xFA, 0xFA, 0xFA, 0xFA, 0x3F));
}
END_TEST

START_TEST(test_i8042_keyboard_resend)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    ck_keyboard(&rig, KBD(0xEE, 0xFE), KBD(0xEE, 0xEE));
    ck_keyboard(&rig, KBD(0xF2, 0xFE), KBD(0xFA, 0xAB, 0x41, 0x41));
    kbc_write_ctr(&rig, 0x25);
    ck_keyboard(&rig, KBD(0xFE), KBD(0x83));
}
END_TEST

START_TEST(test_i8042_keyboard_waits_while_off)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    kbc_put(&rig, 0xF2);
    kbc_command(&rig, 0xAD);
    ck_assert_uint_eq(kbc_get(&rig), 0xFA);        /* already in the buffer */
    ck_empty(&rig);                                /* the rest waits in the keyboard */
    ck_assert_uint_eq(rig.kbc.kbd_count, 2);
    kbc_command(&rig, 0xAE);
    /* The command byte's bit 4 holds it the same way. */
    kbc_write_ctr(&rig, 0x75);
    ck_assert_uint_eq(kbc_get(&rig), 0xAB);        /* moved when 0xAE came */
    ck_empty(&rig);
    ck_assert_uint_eq(rig.kbc.kbd_count, 1);
    kbc_write_ctr(&rig, 0x65);
    ck_assert_uint_eq(kbc_get(&rig), 0x41);
    ck_empty(&rig);
    /* Sending to the keyboard turns its interface on. */
    kbc_command(&rig, 0xAD);
    kbc_put(&rig, 0xF4);
    ck_assert_uint_eq(kbc_get(&rig), 0xFA);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x65);
}
END_TEST

START_TEST(test_i8042_keyboard_queue_full)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    for (int i = 0; i < MHV_I8042_KBD_QUEUE + 4; i++)
        kbc_put(&rig, 0xEE);
    ck_assert_uint_eq(rig.kbc.kbd_count, MHV_I8042_KBD_QUEUE);
    for (int i = 0; i < MHV_I8042_KBD_QUEUE + 1; i++)   /* the buffer and the queue */
        ck_assert_uint_eq(kbc_get(&rig), 0xEE);
    ck_empty(&rig);
}
END_TEST

START_TEST(test_i8042_reply_displaces_keyboard_byte)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    kbc_put(&rig, 0xF2);                           /* FA in the buffer, AB 41 queued */
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x65);
    ck_assert_uint_eq(kbc_get(&rig), 0xFA);
    ck_assert_uint_eq(kbc_get(&rig), 0xAB);
    ck_assert_uint_eq(kbc_get(&rig), 0x41);
    ck_empty(&rig);
    /* A D2 byte is the controller's: a reply replaces it. */
    kbc_command(&rig, 0xD2);
    kbc_put(&rig, 0x12);
    ck_assert_uint_eq(kbc_ask(&rig, 0xAB), 0x00);
    ck_empty(&rig);
}
END_TEST

/* ===== i8042: IRQ 1 ================================================================ */

START_TEST(test_i8042_irq_edges)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    kbc_put(&rig, 0xF2);
    ck_assert_int_eq(rig.line.level, 1);
    ck_assert_int_eq(rig.line.rises, 1);
    kbc_read_data(&rig);
    ck_assert_int_eq(rig.line.level, 1);           /* the next byte: a new edge */
    ck_assert_int_eq(rig.line.rises, 2);
    kbc_read_data(&rig);
    ck_assert_int_eq(rig.line.rises, 3);
    kbc_read_data(&rig);
    ck_assert_int_eq(rig.line.level, 0);
    ck_assert_int_eq(rig.line.rises, 3);
    ck_assert_uint_eq(rig.line.irq, 1);
}
END_TEST

START_TEST(test_i8042_irq_gated_by_command_byte)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    kbc_write_ctr(&rig, 0x64);                     /* IRQ 1 off */
    kbc_put(&rig, 0xEE);
    ck_assert_int_eq(rig.line.level, 0);
    ck_assert_uint_eq(kbc_get(&rig), 0xEE);
    kbc_command(&rig, 0x20);                       /* a reply waits ... */
    ck_assert_int_eq(rig.line.level, 0);
    kbc_write_ctr(&rig, 0x65);                     /* ... and IRQ 1 comes on over it */
    ck_assert_int_eq(rig.line.level, 1);
    ck_assert_int_eq(rig.line.rises, 1);
    ck_assert_uint_eq(kbc_get(&rig), 0x64);
    ck_assert_int_eq(rig.line.level, 0);
    /* Turning it off drops the line. */
    kbc_put(&rig, 0xEE);
    ck_assert_int_eq(rig.line.level, 1);
    kbc_write_ctr(&rig, 0x64);
    ck_assert_int_eq(rig.line.level, 0);
    /* Aux data never raises IRQ 1, whatever the command byte says. */
    kbc_read_data(&rig);
    kbc_write_ctr(&rig, 0x47);
    kbc_command(&rig, 0xD3);
    kbc_put(&rig, 0x01);
    ck_assert_int_eq(rig.line.level, 0);
}
END_TEST

START_TEST(test_i8042_unconnected_line)
{
    struct mhv_i8042 kbc;
    mhv_i8042_init(&kbc, (struct mhv_irq_line){ 0 });
    ck_assert_int_eq(mhv_i8042_data_ops.write(&kbc, 0, 1, 0xF2), MHV_BUS_OK);
    uint64_t value = 0;
    mhv_i8042_data_ops.read(&kbc, 0, 1, &value);
    ck_assert_uint_eq(value, 0xFA);
}
END_TEST

/* ===== i8042: Linux ============================================================ */

/* What Linux 6.1 does at boot, in order (i8042_controller_check, _init,
 * i8042_check_aux, i8042_setup_kbd, atkbd_probe and atkbd_connect), and at
 * `reboot=k`: every step gets the answer that lets it go on at once. */
START_TEST(test_i8042_linux_probe)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    /* i8042_controller_check: a flush finds nothing, the status is not 0xFF. */
    ck_assert_uint_ne(kbc_status(&rig), 0xFF);
    ck_empty(&rig);
    /* i8042_controller_init: a stable CTR, no key lock, the CTR back. */
    uint8_t ctr = kbc_ask(&rig, 0x20);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), ctr);
    ck_assert_uint_ne(kbc_status(&rig) & MHV_I8042_STATUS_UNLOCKED, 0);
    ck_assert_uint_ne(ctr & MHV_I8042_CTR_XLATE, 0);          /* translated, not direct */
    ctr = (uint8_t)((ctr | MHV_I8042_CTR_KBD_OFF) & ~MHV_I8042_CTR_KBD_IRQ);
    kbc_write_ctr(&rig, ctr);
    ck_empty(&rig);
    /* i8042_check_aux: the loopback ... */
    kbc_command(&rig, 0xD3);
    kbc_put(&rig, 0x5A);
    ck_assert_uint_ne(kbc_status(&rig) & MHV_I8042_STATUS_AUX, 0);
    ck_assert_uint_eq(kbc_read_data(&rig), 0x5A);
    /* ... the aux off/on toggles, checked in the CTR ... */
    kbc_command(&rig, 0xA7);
    ck_assert_uint_ne(kbc_ask(&rig, 0x20) & MHV_I8042_CTR_AUX_OFF, 0);
    kbc_command(&rig, 0xA8);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20) & MHV_I8042_CTR_AUX_OFF, 0);
    /* ... and the IRQ 12 test: the 0xA5 comes back as aux data, but IRQ 1
     * does not rise for it (and IRQ 12 does not exist); the flush takes it. */
    int rises = rig.line.rises;
    kbc_write_ctr(&rig, (uint8_t)((ctr & ~MHV_I8042_CTR_AUX_OFF) | MHV_I8042_CTR_AUX_IRQ));
    kbc_command(&rig, 0xD3);
    kbc_put(&rig, 0xA5);
    ck_assert_int_eq(rig.line.rises, rises);
    ck_assert_uint_eq(kbc_status(&rig) & (MHV_I8042_STATUS_OBF | MHV_I8042_STATUS_AUX),
                      MHV_I8042_STATUS_OBF | MHV_I8042_STATUS_AUX);
    ck_assert_uint_eq(kbc_read_data(&rig), 0xA5);
    ck_empty(&rig);
    kbc_write_ctr(&rig, ctr | MHV_I8042_CTR_AUX_OFF);
    /* i8042_setup_kbd: the keyboard port on, IRQ 1 on. */
    ctr = (uint8_t)((ctr & ~MHV_I8042_CTR_KBD_OFF) | MHV_I8042_CTR_KBD_IRQ);
    kbc_write_ctr(&rig, ctr);
    ck_assert_uint_eq(kbc_ask(&rig, 0x20), 0x65);
    /* atkbd: every byte arrives through IRQ 1, one edge each. */
    rises = rig.line.rises;
    ck_keyboard(&rig, KBD(0xF2), KBD(0xFA, 0xAB, 0x41));    /* GETID: 0xab41 */
    ck_keyboard(&rig, KBD(0xF5), KBD(0xFA));                /* deactivate */
    ck_keyboard(&rig, KBD(0xED, 0x00), KBD(0xFA, 0xFA));    /* LEDs off */
    ck_keyboard(&rig, KBD(0xF3, 0x00), KBD(0xFA, 0xFA));    /* repeat rate */
    ck_keyboard(&rig, KBD(0xF4), KBD(0xFA));                /* enable */
    ck_assert_int_eq(rig.line.rises, rises + 9);
    ck_assert_int_eq(rig.line.level, 0);
    /* reboot=k: kb_wait sees IBF clear, then 0xFE. */
    ck_assert_uint_eq(kbc_status(&rig) & MHV_I8042_STATUS_IBF, 0);
    ck_assert_int_eq(kbc_command_result(&rig, 0xFE), MHV_BUS_RESET);
    ck_assert_uint_eq(rig.kbc.resets, 1);
}
END_TEST

START_TEST(test_i8042_on_the_port_bus)
{
    struct kbc_rig rig;
    kbc_rig_init(&rig);
    struct mhv_bus bus;
    char err[256];
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(mhv_bus_attach(&bus, 0x60, 1, "i8042-data", &mhv_i8042_data_ops, &rig.kbc,
                                    err, sizeof err), 0);
    ck_assert_int_eq(mhv_bus_attach(&bus, 0x64, 1, "i8042", &mhv_i8042_command_ops, &rig.kbc,
                                    err, sizeof err), 0);
    ck_assert_ptr_null(mhv_bus_find(&bus, 0x61));  /* port B stays free */
    enum mhv_bus_result result = MHV_BUS_STOP;
    ck_assert_ptr_nonnull(mhv_bus_write(&bus, 0x64, 1, 0x20, &result));
    ck_assert_int_eq(result, MHV_BUS_OK);
    uint64_t value = 0;
    ck_assert_ptr_nonnull(mhv_bus_read(&bus, 0x64, 1, &value));
    ck_assert_uint_eq(value & MHV_I8042_STATUS_OBF, MHV_I8042_STATUS_OBF);
    ck_assert_ptr_nonnull(mhv_bus_read(&bus, 0x60, 1, &value));
    ck_assert_uint_eq(value, 0x65);
    ck_assert_ptr_nonnull(mhv_bus_write(&bus, 0x64, 1, 0xFE, &result));
    ck_assert_int_eq(result, MHV_BUS_RESET);
}
END_TEST

static Suite *rtc_i8042_suite(void)
{
    Suite *s = suite_create("mhv_rtc_i8042");
    TCase *tc = tcase_create("rtc");
    tcase_add_test(tc, test_rtc_power_on_bcd_24h);
    tcase_add_test(tc, test_rtc_binary_mode);
    tcase_add_test(tc, test_rtc_12_hour_mode);
    tcase_add_test(tc, test_rtc_time_advances_with_the_host);
    tcase_add_test(tc, test_rtc_set_with_set_bit);
    tcase_add_test(tc, test_rtc_set_without_set_bit);
    tcase_add_test(tc, test_rtc_set_binary_and_rollover_to_2000);
    tcase_add_test(tc, test_rtc_century_rollover);
    tcase_add_test(tc, test_rtc_set_12_hour);
    tcase_add_test(tc, test_rtc_impossible_dates_count_on);
    tcase_add_test(tc, test_rtc_weekday_is_derived);
    tcase_add_test(tc, test_rtc_uip_window);
    tcase_add_test(tc, test_rtc_status_a_b_d_bits);
    tcase_add_test(tc, test_rtc_register_c_update_and_periodic);
    tcase_add_test(tc, test_rtc_register_c_irqf_follows_enables);
    tcase_add_test(tc, test_rtc_alarm);
    tcase_add_test(tc, test_rtc_alarm_any_fields);
    tcase_add_test(tc, test_rtc_alarm_that_cannot_match);
    tcase_add_test(tc, test_rtc_no_updates_under_set);
    tcase_add_test(tc, test_rtc_nmi_bit_is_not_index);
    tcase_add_test(tc, test_rtc_cmos_ram);
    tcase_add_test(tc, test_rtc_host_clock_goes_back);
    tcase_add_test(tc, test_rtc_linux_read_loop);
    tcase_add_test(tc, test_rtc_on_the_port_bus);
    suite_add_tcase(s, tc);
    tc = tcase_create("i8042");
    tcase_add_test(tc, test_i8042_power_on);
    tcase_add_test(tc, test_i8042_status_bits);
    tcase_add_test(tc, test_i8042_empty_buffer_reads_last_byte);
    tcase_add_test(tc, test_i8042_command_byte_and_ram);
    tcase_add_test(tc, test_i8042_self_tests);
    tcase_add_test(tc, test_i8042_interfaces_on_and_off);
    tcase_add_test(tc, test_i8042_output_port);
    tcase_add_test(tc, test_i8042_reset_through_output_port);
    tcase_add_test(tc, test_i8042_reset_pulse_commands);
    tcase_add_test(tc, test_i8042_write_buffers);
    tcase_add_test(tc, test_i8042_unknown_commands_and_cancel);
    tcase_add_test(tc, test_i8042_keyboard_identify_and_reset);
    tcase_add_test(tc, test_i8042_keyboard_commands);
    tcase_add_test(tc, test_i8042_keyboard_scan_set);
    tcase_add_test(tc, test_i8042_keyboard_resend);
    tcase_add_test(tc, test_i8042_keyboard_waits_while_off);
    tcase_add_test(tc, test_i8042_keyboard_queue_full);
    tcase_add_test(tc, test_i8042_reply_displaces_keyboard_byte);
    tcase_add_test(tc, test_i8042_irq_edges);
    tcase_add_test(tc, test_i8042_irq_gated_by_command_byte);
    tcase_add_test(tc, test_i8042_unconnected_line);
    tcase_add_test(tc, test_i8042_linux_probe);
    tcase_add_test(tc, test_i8042_on_the_port_bus);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rtc_i8042_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
