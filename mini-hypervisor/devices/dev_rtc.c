/*
 * dev_rtc.c -- the MC146818 model (see dev_rtc.h).
 *
 * Every access to the data port first reads the host clock and brings the
 * chip up to that instant (catch_up: the flags of register C; refresh: the
 * time registers while SET is clear), then acts on the registers.  Time is
 * kept as seconds since the epoch, signed (a guest may set any year from
 * 0000 to 9999), and converted to and from the calendar with the civil
 * day-count algorithms (proleptic Gregorian calendar, days since
 * 1970-01-01).
 */
#include "dev_rtc.h"

#include "mhv_assert.h"

#define RTC_PORT_INDEX 0
#define RTC_PORT_DATA 1

#define NS_PER_S 1000000000
#define S_PER_DAY 86400
#define TICKS_PER_S 32768       /* the 32.768 kHz time base of register A */
#define ALARM_ANY 0xC0          /* an alarm byte with both top bits set: any value */
#define HOUR_PM 0x80            /* 12-hour mode: bit 7 of an hour */
#define A_WRITABLE 0x7F

/* A point of the guest's clock. */
struct rtc_time {
    int64_t s;    /* seconds since the epoch */
    int64_t ns;   /* 0 .. NS_PER_S - 1 into that second */
};

static int64_t floor_div(int64_t a, int64_t b)  /* b > 0 */
{
    int64_t q = a / b;
    return a % b < 0 ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)  /* b > 0: 0 .. b - 1 */
{
    return a - floor_div(a, b) * b;
}

/* Days since 1970-01-01 of year y, month m (1..12), day d (any: it counts on). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;                                    /* years start in March */
    int64_t era = floor_div(y, 400);
    int64_t year_of_era = y - era * 400;            /* 0..399 */
    int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    days += 719468;                                 /* from 0000-03-01 */
    int64_t era = floor_div(days, 146097);
    int64_t day_of_era = days - era * 146097;       /* 0..146096 */
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153;  /* 0 = March */
    *d = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    *m = (int)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    *y = era * 400 + year_of_era + (*m <= 2);
}

/* ===== register formats ======================================================== */

static int binary_mode(const struct mhv_rtc *rtc)
{
    return (rtc->ram[MHV_RTC_STATUS_B] & MHV_RTC_B_BINARY) != 0;
}

static int hour_24_mode(const struct mhv_rtc *rtc)
{
    return (rtc->ram[MHV_RTC_STATUS_B] & MHV_RTC_B_24H) != 0;
}

/* value: 0..99 */
static uint8_t encode(const struct mhv_rtc *rtc, int64_t value)
{
    return (uint8_t)(binary_mode(rtc) ? value : (value / 10) << 4 | value % 10);
}

/* Any byte: BCD digits above 9 count as their value (0x9A is 100). */
static int64_t decode(const struct mhv_rtc *rtc, uint8_t byte)
{
    return binary_mode(rtc) ? byte : (byte >> 4) * 10 + (byte & 0x0F);
}

/* hour: 0..23 */
static uint8_t encode_hour(const struct mhv_rtc *rtc, int64_t hour)
{
    if (hour_24_mode(rtc))
        return encode(rtc, hour);
    int64_t on_dial = hour % 12 == 0 ? 12 : hour % 12;
    return encode(rtc, on_dial) | (hour >= 12 ? HOUR_PM : 0);
}

static int64_t decode_hour(const struct mhv_rtc *rtc, uint8_t byte)
{
    if (hour_24_mode(rtc))
        return decode(rtc, byte);
    return decode(rtc, byte & ~HOUR_PM) % 12 + (byte & HOUR_PM ? 12 : 0);
}

/* ===== the clock ================================================================ */

static struct rtc_time guest_time(const struct mhv_rtc *rtc, uint64_t host_ns)
{
    int64_t elapsed = (int64_t)(host_ns - rtc->base_ns);  /* negative if the host clock went back */
    return (struct rtc_time){ .s = rtc->base_s + floor_div(elapsed, NS_PER_S),
                              .ns = floor_mod(elapsed, NS_PER_S) };
}

static int set_mode(const struct mhv_rtc *rtc)
{
    return (rtc->ram[MHV_RTC_STATUS_B] & MHV_RTC_B_SET) != 0;
}

static int is_time_register(uint8_t index)
{
    switch (index) {
    case MHV_RTC_SECONDS: case MHV_RTC_MINUTES: case MHV_RTC_HOURS: case MHV_RTC_WEEKDAY:
    case MHV_RTC_DAY: case MHV_RTC_MONTH: case MHV_RTC_YEAR: case MHV_RTC_CENTURY:
        return 1;
    default:
        return 0;
    }
}

/* The time registers show second s of the guest's clock. */
static void show_time(struct mhv_rtc *rtc, int64_t s)
{
    int64_t days = floor_div(s, S_PER_DAY), second_of_day = s - days * S_PER_DAY;
    int64_t year;
    int month, day;
    civil_from_days(days, &year, &month, &day);
    year = floor_mod(year, 10000);                  /* four digits: century and year */
    uint8_t *ram = rtc->ram;
    ram[MHV_RTC_SECONDS] = encode(rtc, second_of_day % 60);
    ram[MHV_RTC_MINUTES] = encode(rtc, second_of_day / 60 % 60);
    ram[MHV_RTC_HOURS] = encode_hour(rtc, second_of_day / 3600);
    ram[MHV_RTC_WEEKDAY] = encode(rtc, floor_mod(days + 4, 7) + 1);  /* 1970-01-01 was a Thursday (5) */
    ram[MHV_RTC_DAY] = encode(rtc, day);
    ram[MHV_RTC_MONTH] = encode(rtc, month);
    ram[MHV_RTC_YEAR] = encode(rtc, year % 100);
    ram[MHV_RTC_CENTURY] = encode(rtc, year / 100);
}

/* The second the time registers name, impossible dates counted on linearly. */
static int64_t time_of_registers(const struct mhv_rtc *rtc)
{
    const uint8_t *ram = rtc->ram;
    int64_t month_index = decode(rtc, ram[MHV_RTC_MONTH]) - 1;   /* month 0 is the December before */
    int64_t year = decode(rtc, ram[MHV_RTC_CENTURY]) * 100 + decode(rtc, ram[MHV_RTC_YEAR]) +
                   floor_div(month_index, 12);
    int64_t days = days_from_civil(year, floor_mod(month_index, 12) + 1, 1) + decode(rtc, ram[MHV_RTC_DAY]) - 1;
    return days * S_PER_DAY + decode_hour(rtc, ram[MHV_RTC_HOURS]) * 3600 +
           decode(rtc, ram[MHV_RTC_MINUTES]) * 60 + decode(rtc, ram[MHV_RTC_SECONDS]);
}

/* The clock starts at what the time registers say, at host time now. */
static void start_clock(struct mhv_rtc *rtc, uint64_t now)
{
    rtc->base_s = time_of_registers(rtc);
    rtc->base_ns = now;
}

/* UIP: the last MHV_RTC_UIP_NS of each second, never while SET holds. */
static int update_in_progress(const struct mhv_rtc *rtc, uint64_t now)
{
    return !set_mode(rtc) && guest_time(rtc, now).ns >= NS_PER_S - MHV_RTC_UIP_NS;
}

/* ===== register C ============================================================== */

/* One alarm field: does value match the alarm byte? */
static int alarm_wants(uint8_t alarm, int64_t alarm_value, int64_t value)
{
    return (alarm & ALARM_ANY) == ALARM_ANY || alarm_value == value;
}

/* Did the alarm match any second in (after, until]?  A day holds every time
 * of day, so only the last one is searched, field by field: each step
 * jumps to the next second that can match the field that failed. */
static int alarm_matched(const struct mhv_rtc *rtc, int64_t after, int64_t until)
{
    const uint8_t *ram = rtc->ram;
    uint8_t hour_alarm = ram[MHV_RTC_HOURS_ALARM], minute_alarm = ram[MHV_RTC_MINUTES_ALARM],
            second_alarm = ram[MHV_RTC_SECONDS_ALARM];
    int64_t hour = decode_hour(rtc, hour_alarm), minute = decode(rtc, minute_alarm),
            second = decode(rtc, second_alarm);
    if (until - after > S_PER_DAY)
        after = until - S_PER_DAY;
    for (int64_t t = after + 1; t <= until;) {
        int64_t of_day = floor_mod(t, S_PER_DAY);
        int64_t h = of_day / 3600, m = of_day / 60 % 60, s = of_day % 60;
        if (!alarm_wants(hour_alarm, hour, h))
            t += hour > h && hour < 24 ? (hour - h) * 3600 - of_day % 3600 : S_PER_DAY - of_day;
        else if (!alarm_wants(minute_alarm, minute, m))
            t += minute > m && minute < 60 ? (minute - m) * 60 - s : 3600 - of_day % 3600;
        else if (!alarm_wants(second_alarm, second, s))
            t += second > s && second < 60 ? second - s : 60 - s;
        else
            return 1;
    }
    return 0;
}

/* Ticks of the 32.768 kHz time base since the epoch. */
static int64_t time_base_ticks(struct rtc_time t)
{
    return t.s * TICKS_PER_S + t.ns * TICKS_PER_S / NS_PER_S;
}

/* Register C's flags for what the clock did from the last access to now. */
static void catch_up(struct mhv_rtc *rtc, uint64_t now)
{
    if (now <= rtc->seen_ns) {  /* no time passed (or the host clock went back) */
        rtc->seen_ns = now;
        return;
    }
    struct rtc_time then = guest_time(rtc, rtc->seen_ns), at = guest_time(rtc, now);
    if (!set_mode(rtc) && at.s > then.s) {
        rtc->flags |= MHV_RTC_C_UF;
        if (alarm_matched(rtc, then.s, at.s))
            rtc->flags |= MHV_RTC_C_AF;
    }
    unsigned rate = rtc->ram[MHV_RTC_STATUS_A] & 0x0F;
    if (rate != 0) {
        /* Rate r ticks every 2^(r-1) time-base ticks; 1 and 2 are 8 and 9. */
        int64_t period = (int64_t)1 << (rate <= 2 ? rate + 6 : rate - 1);
        if (floor_div(time_base_ticks(at), period) != floor_div(time_base_ticks(then), period))
            rtc->flags |= MHV_RTC_C_PF;
    }
    rtc->seen_ns = now;
}

/* ===== the ports =============================================================== */

void mhv_rtc_init(struct mhv_rtc *rtc, uint64_t (*wall_clock_ns)(void *context), void *context)
{
    *rtc = (struct mhv_rtc){ .wall_clock_ns = wall_clock_ns, .context = context };
    rtc->ram[MHV_RTC_STATUS_A] = 0x26;                /* 32.768 kHz divider, 1024 Hz rate */
    rtc->ram[MHV_RTC_STATUS_B] = MHV_RTC_B_24H;       /* 24-hour, BCD */
    rtc->seen_ns = wall_clock_ns(context);
}

/* dev_rtc.h's invariants, whatever the guest wrote. */
static int rtc_is_sound(const struct mhv_rtc *rtc)
{
    return rtc->index < MHV_RTC_RAM_SIZE && (rtc->ram[MHV_RTC_STATUS_A] & MHV_RTC_A_UIP) == 0 &&
           (rtc->flags & ~(MHV_RTC_C_UF | MHV_RTC_C_AF | MHV_RTC_C_PF)) == 0;
}

/* What every data access does first: the chip brought up to now. */
static uint64_t begin_access(struct mhv_rtc *rtc)
{
    uint64_t now = rtc->wall_clock_ns(rtc->context);
    catch_up(rtc, now);
    if (!set_mode(rtc))
        show_time(rtc, guest_time(rtc, now).s);
    return now;
}

static void rtc_read(void *device, uint64_t offset, unsigned size, uint64_t *value)
{
    struct mhv_rtc *rtc = device;
    MHV_ASSERT(offset < 2 && rtc_is_sound(rtc));
    if (offset == RTC_PORT_INDEX) {
        *value = 0xFF;  /* write only */
        return;
    }
    uint64_t now = begin_access(rtc);
    uint8_t byte;
    switch (rtc->index) {
    case MHV_RTC_STATUS_A:
        byte = rtc->ram[MHV_RTC_STATUS_A] | (update_in_progress(rtc, now) ? MHV_RTC_A_UIP : 0);
        break;
    case MHV_RTC_STATUS_C:
        byte = rtc->flags;  /* UF, AF, PF sit on the bits of UIE, AIE, PIE in B */
        if (rtc->flags & rtc->ram[MHV_RTC_STATUS_B] & (MHV_RTC_B_PIE | MHV_RTC_B_AIE | MHV_RTC_B_UIE))
            byte |= MHV_RTC_C_IRQF;
        rtc->flags = 0;
        break;
    case MHV_RTC_STATUS_D:
        byte = MHV_RTC_D_VRT;
        break;
    default:
        byte = rtc->ram[rtc->index];
        break;
    }
    *value = byte;
    MHV_ASSERT(rtc_is_sound(rtc));
}

static enum mhv_bus_result rtc_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_rtc *rtc = device;
    uint8_t byte = (uint8_t)value;
    MHV_ASSERT(offset < 2 && rtc_is_sound(rtc));
    if (offset == RTC_PORT_INDEX) {
        rtc->index = byte & 0x7F;
        rtc->nmi_masked = byte >> 7;
        return MHV_BUS_OK;
    }
    uint64_t now = begin_access(rtc);
    uint8_t index = rtc->index;
    switch (index) {
    case MHV_RTC_STATUS_A:
        rtc->ram[index] = byte & A_WRITABLE;
        break;
    case MHV_RTC_STATUS_B: {
        int was_set = set_mode(rtc);
        if (byte & MHV_RTC_B_SET)
            byte &= (uint8_t)~MHV_RTC_B_UIE;
        rtc->ram[index] = byte;          /* SET rising: the registers hold now's time, frozen */
        if (was_set && !set_mode(rtc))
            start_clock(rtc, now);
        break;
    }
    case MHV_RTC_STATUS_C:
    case MHV_RTC_STATUS_D:
        break;                           /* read only */
    case MHV_RTC_WEEKDAY:
        rtc->ram[index] = byte;          /* derived from the date again at the next access without SET */
        break;
    default:
        rtc->ram[index] = byte;
        if (is_time_register(index) && !set_mode(rtc))
            start_clock(rtc, now);
        break;
    }
    MHV_ASSERT(rtc_is_sound(rtc));
    return MHV_BUS_OK;
}

const struct mhv_bus_device_ops mhv_rtc_ops = { .read = rtc_read, .write = rtc_write };
