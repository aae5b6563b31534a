/*
 * test_mhv_bus.c -- the device bus of libmhv (bus.h): address ranges in
 * the port and MMIO spaces, and the one lookup the run loop makes on each
 * KVM_EXIT_IO and KVM_EXIT_MMIO.
 *
 *   attach   what a bus accepts, and every refusal with its message: an
 *            empty range, one that wraps, one past the 64 Ki port space,
 *            an overlap (on either side, inside, around), a full bus.
 *   find     the edges of a range (first byte, last byte, one past),
 *            neighbours that touch, addresses nobody claims.
 *   access   reads and writes reach the device with the offset into its
 *            range and the size; unclaimed accesses return NULL and leave
 *            *value alone; a device without a read op reads all ones and
 *            one without a write op ignores writes; the accesses counter;
 *            MHV_BUS_STOP comes back from a write.
 *
 * The devices here are a recorder that remembers its last call.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"

#define ERR_SIZE 256

/* ===== a recording device =================================================== */

struct recorder {
    int reads, writes;
    uint64_t offset;         /* of the last access */
    unsigned size;
    uint64_t written;        /* the last value written */
    uint64_t read_value;     /* what a read returns: read_value + offset */
    enum mhv_bus_result result;  /* what a write returns */
};

static void recorder_read(void *device, uint64_t offset, unsigned size, uint64_t *value)
{
    struct recorder *r = device;
    r->reads++;
    r->offset = offset;
    r->size = size;
    *value = r->read_value + offset;
}

static enum mhv_bus_result recorder_write(void *device, uint64_t offset, unsigned size, uint64_t value)
{
    struct recorder *r = device;
    r->writes++;
    r->offset = offset;
    r->size = size;
    r->written = value;
    return r->result;
}

static const struct mhv_bus_device_ops recorder_ops = { .read = recorder_read, .write = recorder_write };
static const struct mhv_bus_device_ops no_ops = { .read = NULL, .write = NULL };

static int attach(struct mhv_bus *bus, uint64_t base, uint64_t size, const char *name, void *device,
                  char *err)
{
    err[0] = '\0';
    return mhv_bus_attach(bus, base, size, name, &recorder_ops, device, err, ERR_SIZE);
}

static void assert_attached(struct mhv_bus *bus, uint64_t base, uint64_t size, const char *name)
{
    char err[ERR_SIZE];
    size_t before = bus->count;
    ck_assert_msg(attach(bus, base, size, name, NULL, err) == 0, "%s refused: %s", name, err);
    ck_assert_uint_eq(bus->count, before + 1);
    const struct mhv_bus_range *r = &bus->ranges[bus->count - 1];
    ck_assert_uint_eq(r->base, base);
    ck_assert_uint_eq(r->size, size);
    ck_assert_str_eq(r->name, name);
    ck_assert_uint_eq(r->accesses, 0);
}

/* Refused, with a one-line message holding every part (NULL ends), and
 * the bus unchanged. */
static void assert_refused(struct mhv_bus *bus, uint64_t base, uint64_t size, const char *name,
                           const char *const *parts)
{
    char err[ERR_SIZE];
    struct mhv_bus before = *bus;
    ck_assert_int_eq(attach(bus, base, size, name, NULL, err), -1);
    ck_assert_msg(strchr(err, '\n') == NULL, "message is not one line: '%s'", err);
    for (size_t i = 0; parts[i]; i++)
        ck_assert_msg(strstr(err, parts[i]) != NULL, "'%s' not in '%s'", parts[i], err);
    ck_assert_uint_eq(bus->count, before.count);
    ck_assert(memcmp(bus->ranges, before.ranges, sizeof bus->ranges) == 0);
}

/* ===== attach ================================================================ */

START_TEST(test_init)
{
    struct mhv_bus bus;
    memset(&bus, 0x5A, sizeof bus);
    mhv_bus_init(&bus, MHV_BUS_MMIO);
    ck_assert_int_eq(bus.space, MHV_BUS_MMIO);
    ck_assert_uint_eq(bus.count, 0);
    ck_assert_ptr_null(mhv_bus_find(&bus, 0));
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(bus.space, MHV_BUS_PORT);
    ck_assert_uint_eq(bus.count, 0);
}
END_TEST

START_TEST(test_attach_records_the_range)
{
    struct mhv_bus bus;
    struct recorder device = { 0 };
    char err[ERR_SIZE];
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(mhv_bus_attach(&bus, 0x3F8, 8, "uart", &recorder_ops, &device, err, sizeof err), 0);
    ck_assert_uint_eq(bus.count, 1);
    ck_assert_uint_eq(bus.ranges[0].base, 0x3F8);
    ck_assert_uint_eq(bus.ranges[0].size, 8);
    ck_assert_str_eq(bus.ranges[0].name, "uart");
    ck_assert_ptr_eq(bus.ranges[0].ops, &recorder_ops);
    ck_assert_ptr_eq(bus.ranges[0].device, &device);
    ck_assert_uint_eq(bus.ranges[0].accesses, 0);
}
END_TEST

START_TEST(test_attach_touching_ranges)
{
    struct mhv_bus bus;
    mhv_bus_init(&bus, MHV_BUS_PORT);
    assert_attached(&bus, 0x40, 4, "pit");
    assert_attached(&bus, 0x3C, 4, "below");   /* ends where pit starts */
    assert_attached(&bus, 0x44, 1, "above");   /* starts where pit ends */
    assert_attached(&bus, 0x0, 1, "port 0");
    assert_attached(&bus, 0xFFFF, 1, "last port");
    assert_attached(&bus, 0x1000, 0xEFFF, "up to the last port");
}
END_TEST

START_TEST(test_whole_port_space)
{
    struct mhv_bus bus;
    mhv_bus_init(&bus, MHV_BUS_PORT);
    assert_attached(&bus, 0, 0x10000, "everything");
    assert_refused(&bus, 0x1234, 1, "more", (const char *const[]){ "overlaps everything", NULL });
}
END_TEST

START_TEST(test_attach_mmio_high)
{
    struct mhv_bus bus;
    mhv_bus_init(&bus, MHV_BUS_MMIO);
    assert_attached(&bus, 0xE0000000, 0x1000, "info");
    /* MMIO is not limited to 64 Ki: up to the last byte below 2^64. */
    assert_attached(&bus, 0x100000000ull, 0x10000, "above 4 GiB");
    assert_attached(&bus, UINT64_MAX - 0xFFF, 0xFFF, "top");
}
END_TEST

START_TEST(test_refuse_empty)
{
    struct mhv_bus bus;
    mhv_bus_init(&bus, MHV_BUS_PORT);
    assert_refused(&bus, 0x80, 0, "nothing",
                   (const char *const[]){ "nothing: ", "port range 0x80 + 0x0", "empty", NULL });
    mhv_bus_init(&bus, MHV_BUS_MMIO);
    assert_refused(&bus, 0xE0000000, 0, "nothing",
                   (const char *const[]){ "nothing: ", "MMIO range 0xe0000000 + 0x0", "empty", NULL });
}
END_TEST

START_TEST(test_refuse_wrap)
{
    struct mhv_bus bus;
    mhv_bus_init(&bus, MHV_BUS_MMIO);
    assert_refused(&bus, UINT64_MAX - 0xF, 0x20, "wraps",
                   (const char *const[]){ "wraps: ", "MMIO range 0xfffffffffffffff0 + 0x20",
                                          "out of the address space", NULL });
    /* Ending exactly at 2^64 wraps base + size to 0: refused too. */
    assert_refused(&bus, UINT64_MAX - 0xFFF, 0x1000, "to the end",
                   (const char *const[]){ "out of the address space", NULL });
    assert_refused(&bus, 1, UINT64_MAX, "huge", (const char *const[]){ "out of the address space", NULL });
    mhv_bus_init(&bus, MHV_BUS_PORT);
    assert_refused(&bus, UINT64_MAX, 2, "wraps", (const char *const[]){ "port range", NULL });
}
END_TEST

START_TEST(test_refuse_past_port_space)
{
    struct mhv_bus bus;
    mhv_bus_init(&bus, MHV_BUS_PORT);
    assert_refused(&bus, 0xFFFF, 2, "straddles",
                   (const char *const[]){ "straddles: port range 0xffff + 0x2", "out of the address space", NULL });
    assert_refused(&bus, 0x10000, 1, "beyond", (const char *const[]){ "port range 0x10000 + 0x1", NULL });
    assert_refused(&bus, 0, 0x10001, "too big", (const char *const[]){ "0x0 + 0x10001", NULL });
    /* The same ranges are fine as MMIO. */
    mhv_bus_init(&bus, MHV_BUS_MMIO);
    assert_attached(&bus, 0xFFFF, 2, "straddles");
    assert_attached(&bus, 0x10001, 1, "beyond");
}
END_TEST

START_TEST(test_refuse_overlap)
{
    struct mhv_bus bus;
    mhv_bus_init(&bus, MHV_BUS_PORT);
    assert_attached(&bus, 0x3F8, 8, "uart");
    const char *const uart_parts[] = { "overlaps uart at 0x3f8..0x3ff", NULL };
    assert_refused(&bus, 0x3F8, 8, "same", uart_parts);
    assert_refused(&bus, 0x3F0, 9, "over the first byte", uart_parts);
    assert_refused(&bus, 0x3FF, 1, "the last byte", uart_parts);
    assert_refused(&bus, 0x3FA, 2, "inside", uart_parts);
    assert_refused(&bus, 0x300, 0x200, "around", uart_parts);
    assert_refused(&bus, 0x3FC, 0x10, "over the end", uart_parts);
    assert_refused(&bus, 0x3FA, 2, "inside",
                   (const char *const[]){ "inside: port range 0x3fa..0x3fb overlaps uart", NULL });
    /* The overlapped one is named even when it is not the first. */
    assert_attached(&bus, 0x20, 2, "pic");
    assert_refused(&bus, 0x21, 1, "mask", (const char *const[]){ "overlaps pic at 0x20..0x21", NULL });

    mhv_bus_init(&bus, MHV_BUS_MMIO);
    assert_attached(&bus, 0xE0000000, 0x1000, "info");
    assert_refused(&bus, 0xE0000FFF, 0x10, "next",
                   (const char *const[]){ "next: MMIO range 0xe0000fff..0xe000100e overlaps info at "
                                          "0xe0000000..0xe0000fff", NULL });
}
END_TEST

START_TEST(test_refuse_full_bus)
{
    struct mhv_bus bus;
    char name[MHV_BUS_MAX_DEVICES][16];
    mhv_bus_init(&bus, MHV_BUS_PORT);
    for (int i = 0; i < MHV_BUS_MAX_DEVICES; i++) {
        snprintf(name[i], sizeof name[i], "dev%d", i);
        assert_attached(&bus, 0x100 + 0x10 * (uint64_t)i, 0x10, name[i]);
    }
    ck_assert_uint_eq(bus.count, MHV_BUS_MAX_DEVICES);
    assert_refused(&bus, 0x1000, 1, "one more",
                   (const char *const[]){ "one more: the port bus is full (16 devices)", NULL });
    /* An overlap on a full bus is reported as the overlap. */
    assert_refused(&bus, 0x100, 1, "again", (const char *const[]){ "overlaps dev0", NULL });
    /* Every range is still found. */
    for (int i = 0; i < MHV_BUS_MAX_DEVICES; i++)
        ck_assert_ptr_eq(mhv_bus_find(&bus, 0x10F + 0x10 * (uint64_t)i), &bus.ranges[i]);
}
END_TEST

START_TEST(test_small_error_buffer)
{
    struct mhv_bus bus;
    char err[8];
    memset(err, 'x', sizeof err);
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(mhv_bus_attach(&bus, 0, 0, "a-long-device-name", &recorder_ops, NULL, err, sizeof err), -1);
    ck_assert_uint_eq(strlen(err), sizeof err - 1);   /* truncated, terminated */
    ck_assert_int_eq(mhv_bus_attach(&bus, 0, 0, "a", &recorder_ops, NULL, NULL, 0), -1);
}
END_TEST

/* ===== find ================================================================== */

START_TEST(test_find_edges)
{
    struct mhv_bus bus;
    mhv_bus_init(&bus, MHV_BUS_PORT);
    assert_attached(&bus, 0x20, 2, "pic");
    assert_attached(&bus, 0x40, 4, "pit");
    assert_attached(&bus, 0x44, 1, "next to pit");
    struct mhv_bus_range *pic = &bus.ranges[0], *pit = &bus.ranges[1], *next = &bus.ranges[2];

    ck_assert_ptr_null(mhv_bus_find(&bus, 0x1F));   /* one before */
    ck_assert_ptr_eq(mhv_bus_find(&bus, 0x20), pic);  /* first */
    ck_assert_ptr_eq(mhv_bus_find(&bus, 0x21), pic);  /* last */
    ck_assert_ptr_null(mhv_bus_find(&bus, 0x22));   /* one past */
    ck_assert_ptr_null(mhv_bus_find(&bus, 0x3F));
    ck_assert_ptr_eq(mhv_bus_find(&bus, 0x40), pit);
    ck_assert_ptr_eq(mhv_bus_find(&bus, 0x43), pit);
    ck_assert_ptr_eq(mhv_bus_find(&bus, 0x44), next); /* one past pit: its neighbour */
    ck_assert_ptr_null(mhv_bus_find(&bus, 0x45));
    ck_assert_ptr_null(mhv_bus_find(&bus, 0));
    ck_assert_ptr_null(mhv_bus_find(&bus, 0xFFFF));
    ck_assert_ptr_null(mhv_bus_find(&bus, 0x10020));  /* no aliasing past 64 Ki */
    ck_assert_ptr_null(mhv_bus_find(&bus, UINT64_MAX));
}
END_TEST

START_TEST(test_find_at_the_top_of_mmio)
{
    struct mhv_bus bus;
    mhv_bus_init(&bus, MHV_BUS_MMIO);
    assert_attached(&bus, UINT64_MAX - 0xF, 0xF, "top");   /* the last byte, 2^64 - 1, is left out */
    assert_attached(&bus, 0, 0x10, "bottom");
    ck_assert_ptr_null(mhv_bus_find(&bus, UINT64_MAX - 0x10));
    ck_assert_ptr_eq(mhv_bus_find(&bus, UINT64_MAX - 0xF), &bus.ranges[0]);
    ck_assert_ptr_eq(mhv_bus_find(&bus, UINT64_MAX - 1), &bus.ranges[0]);
    ck_assert_ptr_null(mhv_bus_find(&bus, UINT64_MAX));
    ck_assert_ptr_eq(mhv_bus_find(&bus, 0), &bus.ranges[1]);
    ck_assert_ptr_eq(mhv_bus_find(&bus, 0xF), &bus.ranges[1]);
    ck_assert_ptr_null(mhv_bus_find(&bus, 0x10));
}
END_TEST

START_TEST(test_find_on_empty_bus)
{
    struct mhv_bus bus;
    mhv_bus_init(&bus, MHV_BUS_MMIO);
    ck_assert_ptr_null(mhv_bus_find(&bus, 0));
    ck_assert_ptr_null(mhv_bus_find(&bus, 0xE0000000));
    ck_assert_ptr_null(mhv_bus_find(&bus, UINT64_MAX));
}
END_TEST

/* ===== access ================================================================== */

START_TEST(test_read_reaches_device_with_offset)
{
    struct mhv_bus bus;
    struct recorder uart = { .read_value = 0x100 }, pic = { .read_value = 0x200 };
    char err[ERR_SIZE];
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(attach(&bus, 0x3F8, 8, "uart", &uart, err), 0);
    ck_assert_int_eq(attach(&bus, 0x20, 2, "pic", &pic, err), 0);

    uint64_t value = 0;
    ck_assert_ptr_eq(mhv_bus_read(&bus, 0x3FD, 1, &value), &bus.ranges[0]);
    ck_assert_uint_eq(value, 0x105);
    ck_assert_int_eq(uart.reads, 1);
    ck_assert_uint_eq(uart.offset, 5);
    ck_assert_uint_eq(uart.size, 1);

    ck_assert_ptr_eq(mhv_bus_read(&bus, 0x3F8, 2, &value), &bus.ranges[0]);
    ck_assert_uint_eq(value, 0x100);
    ck_assert_uint_eq(uart.offset, 0);
    ck_assert_uint_eq(uart.size, 2);

    ck_assert_ptr_eq(mhv_bus_read(&bus, 0x3FF, 4, &value), &bus.ranges[0]);
    ck_assert_uint_eq(uart.offset, 7);
    ck_assert_uint_eq(uart.size, 4);

    ck_assert_ptr_eq(mhv_bus_read(&bus, 0x21, 1, &value), &bus.ranges[1]);
    ck_assert_uint_eq(value, 0x201);
    ck_assert_int_eq(pic.reads, 1);
    ck_assert_int_eq(pic.writes, 0);
    ck_assert_int_eq(uart.reads, 3);
    ck_assert_int_eq(uart.writes, 0);
}
END_TEST

START_TEST(test_write_reaches_device_with_offset)
{
    struct mhv_bus bus;
    struct recorder info = { .result = MHV_BUS_OK };
    char err[ERR_SIZE];
    mhv_bus_init(&bus, MHV_BUS_MMIO);
    ck_assert_int_eq(attach(&bus, 0xE0000000, 0x1000, "info", &info, err), 0);

    enum mhv_bus_result result = MHV_BUS_STOP;
    ck_assert_ptr_eq(mhv_bus_write(&bus, 0xE0000018, 8, 0x1122334455667788ull, &result), &bus.ranges[0]);
    ck_assert_int_eq(result, MHV_BUS_OK);
    ck_assert_int_eq(info.writes, 1);
    ck_assert_int_eq(info.reads, 0);
    ck_assert_uint_eq(info.offset, 0x18);
    ck_assert_uint_eq(info.size, 8);
    ck_assert_uint_eq(info.written, 0x1122334455667788ull);

    ck_assert_ptr_eq(mhv_bus_write(&bus, 0xE0000FFF, 1, 0xAB, &result), &bus.ranges[0]);
    ck_assert_uint_eq(info.offset, 0xFFF);
    ck_assert_uint_eq(info.size, 1);
    ck_assert_uint_eq(info.written, 0xAB);
    ck_assert_int_eq(info.writes, 2);
}
END_TEST

START_TEST(test_unclaimed_access)
{
    struct mhv_bus bus;
    struct recorder device = { 0 };
    char err[ERR_SIZE];
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(attach(&bus, 0x40, 4, "pit", &device, err), 0);

    uint64_t value = 0xDEADBEEF;
    ck_assert_ptr_null(mhv_bus_read(&bus, 0x44, 1, &value));
    ck_assert_uint_eq(value, 0xDEADBEEF);   /* untouched */
    ck_assert_ptr_null(mhv_bus_read(&bus, 0x3F, 4, &value));
    ck_assert_uint_eq(value, 0xDEADBEEF);

    enum mhv_bus_result result = MHV_BUS_STOP;
    ck_assert_ptr_null(mhv_bus_write(&bus, 0x80, 1, 0x12, &result));
    ck_assert_int_eq(result, MHV_BUS_OK);   /* an unclaimed write never stops the guest */

    ck_assert_int_eq(device.reads, 0);
    ck_assert_int_eq(device.writes, 0);
    ck_assert_uint_eq(bus.ranges[0].accesses, 0);
}
END_TEST

START_TEST(test_null_ops_read_all_ones_and_ignore_writes)
{
    struct mhv_bus bus;
    char err[ERR_SIZE];
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(mhv_bus_attach(&bus, 0xF4, 1, "exit-ish", &no_ops, NULL, err, sizeof err), 0);

    uint64_t value = 0;
    ck_assert_ptr_eq(mhv_bus_read(&bus, 0xF4, 1, &value), &bus.ranges[0]);
    ck_assert_uint_eq(value, UINT64_MAX);
    ck_assert_uint_eq((uint8_t)value, 0xFF);

    enum mhv_bus_result result = MHV_BUS_STOP;
    ck_assert_ptr_eq(mhv_bus_write(&bus, 0xF4, 1, 7, &result), &bus.ranges[0]);
    ck_assert_int_eq(result, MHV_BUS_OK);
    ck_assert_uint_eq(bus.ranges[0].accesses, 2);   /* both still counted */
}
END_TEST

START_TEST(test_accesses_counter)
{
    struct mhv_bus bus;
    struct recorder a = { 0 }, b = { 0 };
    char err[ERR_SIZE];
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(attach(&bus, 0x10, 4, "a", &a, err), 0);
    ck_assert_int_eq(attach(&bus, 0x20, 4, "b", &b, err), 0);

    uint64_t value;
    enum mhv_bus_result result;
    for (int i = 0; i < 5; i++)
        mhv_bus_read(&bus, 0x10 + (uint64_t)(i % 4), 1, &value);
    for (int i = 0; i < 3; i++)
        mhv_bus_write(&bus, 0x13, 1, (uint64_t)i, &result);
    mhv_bus_read(&bus, 0x23, 1, &value);
    mhv_bus_read(&bus, 0x14, 1, &value);   /* nobody's: counted nowhere */
    mhv_bus_write(&bus, 0x1F, 1, 0, &result);
    mhv_bus_find(&bus, 0x10);              /* a lookup alone is not an access */

    ck_assert_uint_eq(bus.ranges[0].accesses, 8);
    ck_assert_uint_eq(bus.ranges[1].accesses, 1);
    ck_assert_int_eq(a.reads, 5);
    ck_assert_int_eq(a.writes, 3);
    ck_assert_int_eq(b.reads, 1);
}
END_TEST

START_TEST(test_stop_propagates)
{
    struct mhv_bus bus;
    struct recorder exit_port = { .result = MHV_BUS_STOP }, console = { .result = MHV_BUS_OK };
    char err[ERR_SIZE];
    mhv_bus_init(&bus, MHV_BUS_PORT);
    ck_assert_int_eq(attach(&bus, 0xF4, 1, "exit", &exit_port, err), 0);
    ck_assert_int_eq(attach(&bus, 0xE9, 1, "console", &console, err), 0);

    enum mhv_bus_result result = MHV_BUS_OK;
    ck_assert_ptr_eq(mhv_bus_write(&bus, 0xF4, 1, 42, &result), &bus.ranges[0]);
    ck_assert_int_eq(result, MHV_BUS_STOP);
    ck_assert_uint_eq(exit_port.written, 42);
    /* The next write's result is its own. */
    ck_assert_ptr_eq(mhv_bus_write(&bus, 0xE9, 1, 'x', &result), &bus.ranges[1]);
    ck_assert_int_eq(result, MHV_BUS_OK);
    /* A read of a stopping device does not stop anything (reads have no result). */
    uint64_t value;
    ck_assert_ptr_eq(mhv_bus_read(&bus, 0xF4, 1, &value), &bus.ranges[0]);
    ck_assert_int_eq(exit_port.reads, 1);
}
END_TEST

static Suite *bus_suite(void)
{
    Suite *s = suite_create("mhv_bus");
    TCase *tc = tcase_create("attach");
    tcase_add_test(tc, test_init);
    tcase_add_test(tc, test_attach_records_the_range);
    tcase_add_test(tc, test_attach_touching_ranges);
    tcase_add_test(tc, test_whole_port_space);
    tcase_add_test(tc, test_attach_mmio_high);
    tcase_add_test(tc, test_refuse_empty);
    tcase_add_test(tc, test_refuse_wrap);
    tcase_add_test(tc, test_refuse_past_port_space);
    tcase_add_test(tc, test_refuse_overlap);
    tcase_add_test(tc, test_refuse_full_bus);
    tcase_add_test(tc, test_small_error_buffer);
    suite_add_tcase(s, tc);
    tc = tcase_create("find");
    tcase_add_test(tc, test_find_edges);
    tcase_add_test(tc, test_find_at_the_top_of_mmio);
    tcase_add_test(tc, test_find_on_empty_bus);
    suite_add_tcase(s, tc);
    tc = tcase_create("access");
    tcase_add_test(tc, test_read_reaches_device_with_offset);
    tcase_add_test(tc, test_write_reaches_device_with_offset);
    tcase_add_test(tc, test_unclaimed_access);
    tcase_add_test(tc, test_null_ops_read_all_ones_and_ignore_writes);
    tcase_add_test(tc, test_accesses_counter);
    tcase_add_test(tc, test_stop_propagates);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bus_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
