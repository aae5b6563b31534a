/*
 * test_rng.c -- lab 10: the virtio entropy device on the host, driven
 * through the virtio-mmio transport the way Linux's driver drives it (the
 * registers, then requests in the rings of a fake guest RAM and a
 * QueueNotify), without KVM.  The lab's checker builds it against the
 * tree's libmhv; by hand:
 *
 *   cc -std=c11 -Icommon -Imini-hypervisor/devices -Imini-hypervisor/abi -o /tmp/test_rng \
 *       labs/10-virtio-rng/test_rng.c build/release/libmhv.a build/release/libvmlab_common.a && /tmp/test_rng
 *
 * It prints one line per failed expectation, a line per part, and
 * "test_rng: N passed, M failed"; exit status 0 when none failed.
 */
#define _DEFAULT_SOURCE   /* htole16 and friends under -std=c11 */
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "dev_virtio_rng.h"
#include "guest_memory.h"
#include "virtio_mmio.h"

#define RAM_SIZE (1u << 20)
#define QUEUE_SIZE 8
#define DESC_ADDR 0x1000u
#define AVAIL_ADDR 0x2000u
#define USED_ADDR 0x3000u
#define DATA_ADDR 0x10000u
#define POISON 0xA5

static int passed, failed;

/* Counts one expectation; a failed one is printed with detail after it. */
static void record(const char *what, int held, const char *detail)
{
    if (held) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s%s\n", what, detail);
    }
}

static void expect_true(const char *what, int condition)
{
    record(what, condition, "");
}

static void expect(const char *what, uint64_t got, uint64_t want)
{
    char detail[96] = "";
    if (got != want)
        snprintf(detail, sizeof detail, ": got %llu (0x%llx), want %llu (0x%llx)", (unsigned long long)got,
                 (unsigned long long)got, (unsigned long long)want, (unsigned long long)want);
    record(what, got == want, detail);
}

/* ---- the fake machine: RAM, the interrupt line, the driver's queue ---------------- */

static uint8_t *ram;
static struct mhv_virtio_rng rng;
static struct mhv_virtio_mmio dev;
static int line_level, line_rises;
static uint16_t avail_idx;   /* the driver's copy */
static uint8_t counter;      /* the counting source's next byte */
static int source_fails;

static void set_level(void *controller, unsigned irq, int level)
{
    (void)controller, (void)irq;
    if (level && !line_level)
        line_rises++;
    line_level = level;
}

/* A source that counts 0, 1, 2, ...: each byte tells where it came from. */
static int counting_source(void *context, uint8_t *bytes, size_t len)
{
    (void)context;
    if (source_fails)
        return -1;
    for (size_t i = 0; i < len; i++)
        bytes[i] = counter++;
    return 0;
}

static uint32_t reg(uint64_t offset)
{
    uint64_t value = 0;
    mhv_virtio_mmio_ops.read(&dev, offset, 4, &value);
    return (uint32_t)value;
}

static void set_reg(uint64_t offset, uint32_t value)
{
    mhv_virtio_mmio_ops.write(&dev, offset, 4, value);
}

static struct vring_desc *desc(unsigned i) { return (struct vring_desc *)(ram + DESC_ADDR) + i; }
static struct vring_avail *avail(void) { return (struct vring_avail *)(ram + AVAIL_ADDR); }
static struct vring_used *used(void) { return (struct vring_used *)(ram + USED_ADDR); }

/* The driver's initialization (virtio 3.1.1) with queue 0 of QUEUE_SIZE. */
static void driver_init(void)
{
    memset(ram, 0, RAM_SIZE);
    memset(ram + DATA_ADDR, POISON, RAM_SIZE - DATA_ADDR);
    avail_idx = 0;
    set_reg(VIRTIO_MMIO_STATUS, 0);
    set_reg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    set_reg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    set_reg(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    set_reg(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
    set_reg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
    set_reg(VIRTIO_MMIO_QUEUE_SEL, 0);
    set_reg(VIRTIO_MMIO_QUEUE_NUM, QUEUE_SIZE);
    set_reg(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_ADDR);
    set_reg(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL_ADDR);
    set_reg(VIRTIO_MMIO_QUEUE_USED_LOW, USED_ADDR);
    set_reg(VIRTIO_MMIO_QUEUE_READY, 1);
    set_reg(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                                VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    *desc(i) = (struct vring_desc){ .addr = htole64(addr), .len = htole32(len), .flags = htole16(flags),
                                    .next = htole16(next) };
}

/* Puts head in the available ring and moves its index. */
static void offer(uint16_t head)
{
    avail()->ring[avail_idx % QUEUE_SIZE] = htole16(head);
    avail_idx++;
    avail()->idx = htole16(avail_idx);
}

static void notify(void)
{
    set_reg(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static int needs_reset(void)
{
    return (reg(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET) != 0;
}

static int all_poison(const uint8_t *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (bytes[i] != POISON)
            return 0;
    return 1;
}

/* bytes[0 .. len) count up from first (mod 256). */
static int counts_from(const uint8_t *bytes, size_t len, uint8_t first)
{
    for (size_t i = 0; i < len; i++)
        if (bytes[i] != (uint8_t)(first + i))
            return 0;
    return 1;
}

static void part(const char *name)
{
    printf("-- %s\n", name);
}

/* ---- the tests ---------------------------------------------------------------------- */

static void test_identity(void)
{
    part("the device's identity: DeviceID 4, one queue, no features, no configuration");
    expect("MagicValue \"virt\"", reg(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
    expect("DeviceID (virtio 5.4: entropy device)", reg(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_RNG);
    set_reg(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    expect("device features 0-31 (none are defined for it)", reg(VIRTIO_MMIO_DEVICE_FEATURES), 0);
    set_reg(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    expect("device features 32-63: VIRTIO_F_VERSION_1 only", reg(VIRTIO_MMIO_DEVICE_FEATURES),
           1u << (VIRTIO_F_VERSION_1 - 32));
    set_reg(VIRTIO_MMIO_QUEUE_SEL, 0);
    expect_true("queue 0 exists (QueueNumMax > 0)", reg(VIRTIO_MMIO_QUEUE_NUM_MAX) >= QUEUE_SIZE);
    set_reg(VIRTIO_MMIO_QUEUE_SEL, 1);
    expect("queue 1 does not (one request queue: QueueNumMax 0)", reg(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
    set_reg(VIRTIO_MMIO_QUEUE_SEL, 0);
    expect("the configuration space reads 0", reg(VIRTIO_MMIO_CONFIG), 0);
    driver_init();
    expect_true("the driver's initialization leaves DRIVER_OK set, NEEDS_RESET clear",
                (reg(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK) && !needs_reset());
}

static void test_one_request(void)
{
    part("one request: a device-writable buffer of 64 bytes, as Linux's virtio_rng offers it");
    driver_init();
    counter = 0;
    int rises = line_rises;
    set_desc(3, DATA_ADDR, 64, VRING_DESC_F_WRITE, 0);
    offer(3);
    notify();
    expect("the used index after one request", le16toh(used()->idx), 1);
    expect("the used element names the chain's head", le32toh(used()->ring[0].id), 3);
    expect("the used element's length: all 64 bytes", le32toh(used()->ring[0].len), 64);
    expect_true("the buffer holds the source's bytes, in order", counts_from(ram + DATA_ADDR, 64, 0));
    expect_true("the byte after the buffer is untouched", ram[DATA_ADDR + 64] == POISON);
    expect("an interrupt was raised", (uint64_t)(line_rises - rises), 1);
    expect("InterruptStatus: the used ring", reg(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
    expect("requests counted", rng.requests, 1);
    expect("bytes counted", rng.bytes, 64);
    expect_true("no NEEDS_RESET", !needs_reset());
    set_reg(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);

    notify();
    expect("a notify with nothing new available answers nothing", le16toh(used()->idx), 1);
}

static void test_chains(void)
{
    part("chained buffers: 16 + 1 + 47 bytes in three descriptors, and two requests in one notify");
    driver_init();
    counter = 0;
    set_desc(0, DATA_ADDR + 0x1000, 16, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 5);
    set_desc(5, DATA_ADDR + 0x3000, 1, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
    set_desc(2, DATA_ADDR + 0x2000, 47, VRING_DESC_F_WRITE, 0);
    offer(0);
    set_desc(7, DATA_ADDR + 0x4000, 8, VRING_DESC_F_WRITE, 0);
    offer(7);
    uint64_t notifies = dev.notifies;
    notify();
    expect("both requests answered in one notify (used index 2)", le16toh(used()->idx), 2);
    expect("one notify", dev.notifies - notifies, 1);
    expect("the first used element: head 0", le32toh(used()->ring[0].id), 0);
    expect("the first used element: 64 bytes", le32toh(used()->ring[0].len), 64);
    expect("the second used element: head 7", le32toh(used()->ring[1].id), 7);
    expect("the second used element: 8 bytes", le32toh(used()->ring[1].len), 8);
    expect_true("the chain's first buffer: bytes 0-15", counts_from(ram + DATA_ADDR + 0x1000, 16, 0));
    expect_true("its second, of one byte: byte 16", counts_from(ram + DATA_ADDR + 0x3000, 1, 16));
    expect_true("its third: bytes 17-63", counts_from(ram + DATA_ADDR + 0x2000, 47, 17));
    expect_true("the next request: bytes 64-71", counts_from(ram + DATA_ADDR + 0x4000, 8, 64));
    expect_true("nothing written past any buffer",
                ram[DATA_ADDR + 0x1000 + 16] == POISON && ram[DATA_ADDR + 0x3000 + 1] == POISON &&
                ram[DATA_ADDR + 0x2000 + 47] == POISON && ram[DATA_ADDR + 0x4000 + 8] == POISON);
}

static void test_large_request(void)
{
    part("a request of 8 KiB: the device fills MHV_VIRTIO_RNG_MAX_REQUEST bytes of it, no more");
    driver_init();
    counter = 0;
    set_desc(1, DATA_ADDR, 8192, VRING_DESC_F_WRITE, 0);
    offer(1);
    notify();
    expect("answered", le16toh(used()->idx), 1);
    expect("the used length", le32toh(used()->ring[0].len), MHV_VIRTIO_RNG_MAX_REQUEST);
    expect_true("the first 4096 bytes filled", counts_from(ram + DATA_ADDR, MHV_VIRTIO_RNG_MAX_REQUEST, 0));
    expect_true("the rest untouched", all_poison(ram + DATA_ADDR + MHV_VIRTIO_RNG_MAX_REQUEST,
                                                 8192 - MHV_VIRTIO_RNG_MAX_REQUEST));
}

/* A driver error: NEEDS_RESET set, the chain not answered, the buffers
 * untouched, and the device works again after a reset. */
static void expect_refused(const char *what, uint64_t buffer, size_t len)
{
    char name[160];
    snprintf(name, sizeof name, "%s: NEEDS_RESET set", what);
    expect_true(name, needs_reset());
    snprintf(name, sizeof name, "%s: nothing answered (used index 0)", what);
    expect(name, le16toh(used()->idx), 0);
    snprintf(name, sizeof name, "%s: the guest's buffer untouched", what);
    expect_true(name, all_poison(ram + buffer, len));
    snprintf(name, sizeof name, "%s: a message says what was wrong", what);
    expect_true(name, dev.error[0] != '\0');
    snprintf(name, sizeof name, "%s: later notifies are ignored until a reset", what);
    notify();
    expect(name, le16toh(used()->idx), 0);
}

static void test_driver_errors(void)
{
    part("driver errors: refused, never fatal");
    driver_init();
    set_desc(0, DATA_ADDR, 64, 0, 0);   /* device-readable */
    offer(0);
    notify();
    expect_refused("a device-readable descriptor", DATA_ADDR, 64);

    driver_init();
    set_desc(0, DATA_ADDR, 16, VRING_DESC_F_NEXT, 1);   /* readable, then writable */
    set_desc(1, DATA_ADDR + 0x100, 48, VRING_DESC_F_WRITE, 0);
    offer(0);
    notify();
    expect_refused("a device-readable descriptor before a writable one", DATA_ADDR + 0x100, 48);

    driver_init();
    set_desc(0, DATA_ADDR, 0, VRING_DESC_F_WRITE, 0);
    offer(0);
    notify();
    expect_refused("a chain without a device-writable byte", DATA_ADDR, 16);

    driver_init();
    offer(QUEUE_SIZE + 3);   /* a head outside the table */
    notify();
    expect_refused("a head index outside the descriptor table", DATA_ADDR, 64);

    driver_init();
    set_desc(0, DATA_ADDR, 32, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 200);   /* next outside */
    offer(0);
    notify();
    expect_refused("a next index outside the descriptor table", DATA_ADDR, 32);

    driver_init();
    set_desc(0, DATA_ADDR, 32, VRING_DESC_F_WRITE, 0);
    offer(0);
    avail()->idx = htole16(QUEUE_SIZE + 1);   /* the available index jumps past the ring */
    notify();
    expect_refused("an available index that moved by more than the queue size", DATA_ADDR, 32);

    driver_init();
    set_desc(0, RAM_SIZE - 16, 64, VRING_DESC_F_WRITE, 0);   /* runs off the end of RAM */
    offer(0);
    notify();
    expect_refused("a buffer that runs past the end of RAM", RAM_SIZE - 16, 16);

    driver_init();
    source_fails = 1;
    set_desc(0, DATA_ADDR, 32, VRING_DESC_F_WRITE, 0);
    offer(0);
    notify();
    source_fails = 0;
    expect_true("a source that fails: NEEDS_RESET set", needs_reset());
    expect("a source that fails: nothing answered", le16toh(used()->idx), 0);

    driver_init();
    counter = 0;
    set_desc(0, DATA_ADDR, 32, VRING_DESC_F_WRITE, 0);
    offer(0);
    notify();
    expect("after a reset the device answers again", le16toh(used()->idx), 1);
    expect_true("... with the source's bytes", counts_from(ram + DATA_ADDR, 32, 0));
}

static void test_host_source(void)
{
    part("the default source, the host's getrandom: two reads of 32 bytes");
    mhv_virtio_rng_init(&rng, NULL, NULL);
    driver_init();
    set_desc(0, DATA_ADDR, 32, VRING_DESC_F_WRITE, 0);
    offer(0);
    set_desc(1, DATA_ADDR + 32, 32, VRING_DESC_F_WRITE, 0);
    offer(1);
    notify();
    expect("both answered", le16toh(used()->idx), 2);
    const uint8_t *a = ram + DATA_ADDR, *b = ram + DATA_ADDR + 32;
    int all_equal = 1;
    for (int i = 1; i < 32; i++)
        all_equal &= a[i] == a[0];
    expect_true("the 32 bytes of a read are not all equal", !all_equal);
    expect_true("the two reads differ", memcmp(a, b, 32) != 0);
}

int main(void)
{
    ram = aligned_alloc(4096, RAM_SIZE);
    if (!ram) {
        printf("test_rng: out of memory\n");
        return 1;
    }
    memset(&rng, 0x5A, sizeof rng);   /* garbage: init must set every field */
    mhv_virtio_rng_init(&rng, counting_source, NULL);
    struct mhv_guest_memory memory = { .base = ram, .size = RAM_SIZE };
    struct mhv_irq_line line = { set_level, &line_level, 0 };
    mhv_virtio_mmio_init(&dev, &mhv_virtio_rng_ops, &rng, memory, line);

    test_identity();
    test_one_request();
    test_chains();
    test_large_request();
    test_driver_errors();
    test_host_source();

    printf("test_rng: %d passed, %d failed\n", passed, failed);
    free(ram);
    return failed != 0;
}
