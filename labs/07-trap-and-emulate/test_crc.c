/*
 * test_crc.c -- lab 07: the CRC-32 device on the host, driven through its
 * bus ops the way the run loop drives it (an offset into its range and a
 * size), without KVM.  The lab's checker builds it against the tree's
 * libmhv; by hand:
 *
 *   cc -std=c11 -Icommon -Imini-hypervisor/devices -Imini-hypervisor/abi -o /tmp/test_crc \
 *       labs/07-trap-and-emulate/test_crc.c build/release/libmhv.a build/release/libvmlab_common.a && /tmp/test_crc
 *
 * It prints one line per failed expectation and "test_crc: N passed, M
 * failed"; exit status 0 when none failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dev_crc.h"

#define DATA 0     /* the register offsets lab 07's README specifies */
#define CONTROL 4

static int passed, failed;

static void expect(const char *what, uint64_t got, uint64_t want)
{
    if (got == want) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s: got 0x%llx, want 0x%llx\n", what, (unsigned long long)got, (unsigned long long)want);
    }
}

static uint64_t in(struct mhv_crc_device *crc, uint64_t offset, unsigned size)
{
    uint64_t value = 0;
    mhv_crc_ops.read(crc, offset, size, &value);
    return size < 8 ? value & ((1ull << (8 * size)) - 1) : value;
}

static void out(struct mhv_crc_device *crc, uint64_t offset, unsigned size, uint64_t value)
{
    expect("a write returns MHV_BUS_OK", mhv_crc_ops.write(crc, offset, size, value), MHV_BUS_OK);
}

static void feed_bytes(struct mhv_crc_device *crc, const char *text)
{
    for (size_t i = 0; text[i]; i++)
        out(crc, DATA, 1, (uint8_t)text[i]);
}

int main(void)
{
    struct mhv_crc_device crc;
    memset(&crc, 0x5A, sizeof crc);   /* garbage: init must set every field */
    mhv_crc_init(&crc);

    expect("power on: CRC-32 of nothing", in(&crc, DATA, 4), 0);
    expect("power on: count", in(&crc, CONTROL, 4), 0);

    feed_bytes(&crc, "123456789");
    expect("CRC-32 of \"123456789\" (the check value)", in(&crc, DATA, 4), 0xCBF43926);
    expect("count after 9 bytes", in(&crc, CONTROL, 4), 9);
    expect("a 2-byte read of DATA: the low half", in(&crc, DATA, 2), 0x3926);
    expect("a 1-byte read of DATA: the low byte", in(&crc, DATA, 1), 0x26);
    expect("reading does not change the CRC", in(&crc, DATA, 4), 0xCBF43926);

    out(&crc, CONTROL, 1, 0x42);
    expect("reset: CRC-32 of nothing", in(&crc, DATA, 4), 0);
    expect("reset: count", in(&crc, CONTROL, 4), 0);

    feed_bytes(&crc, "The quick brown fox jumps over the lazy dog");
    expect("CRC-32 of the quick brown fox", in(&crc, DATA, 4), 0x414FA339);
    expect("count after 43 bytes", in(&crc, CONTROL, 4), 43);

    /* Wider writes feed their bytes low byte first: "1234" as one
     * 4-byte write, "56" as one 2-byte write, then "789" byte by byte. */
    out(&crc, CONTROL, 1, 0);
    out(&crc, DATA, 4, 0x34333231);
    out(&crc, DATA, 2, 0x3635);
    feed_bytes(&crc, "789");
    expect("\"123456789\" by 4-, 2- and 1-byte writes", in(&crc, DATA, 4), 0xCBF43926);
    expect("count after 4 + 2 + 3 bytes", in(&crc, CONTROL, 4), 9);

    /* Offsets 1-3 and 5-7 hold no register. */
    expect("offset 2 reads all ones", in(&crc, 2, 1), 0xFF);
    out(&crc, 6, 1, 0);
    expect("a write to offset 6 changes nothing", in(&crc, DATA, 4), 0xCBF43926);

    printf("test_crc: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
