/*
 * test_mhv_virtio.c -- virtio over MMIO in libmhv: guest memory
 * (guest_memory.h), the split virtqueue (virtqueue.h), the MMIO transport
 * (virtio_mmio.h) and the block device (dev_virtio_blk.h).
 *
 * The tests are the driver.  Guest RAM is a malloc'd MiB with the rings at
 * fixed addresses; the driver's initialization sequence (reset,
 * ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queue 0, DRIVER_OK) goes
 * through the device's bus ops as the run loop would pass the MMIO exits;
 * requests are built in that RAM, announced in the available ring and
 * kicked with QueueNotify; the checks read the used ring, the status byte,
 * the data, the disk file (a temporary one), and the interrupt line (a
 * fake controller that records each level it is given, or the real PIC).
 *
 *   memory     inside, at the edges, overflowing ranges, no RAM.
 *   virtqueue  enable's checks (size, alignment, RAM), pop and push, a
 *              chain's two byte streams, the 16-bit index wrap, every
 *              broken chain (head and next out of the table, a loop, a
 *              buffer outside RAM, indirect, readable after writable),
 *              an available index that jumps, VRING_AVAIL_F_NO_INTERRUPT.
 *   transport  the identity registers, features and their selectors,
 *              FEATURES_OK accepted and refused, the status bits, queue
 *              registers and their errors, the reset, the configuration
 *              space, access sizes, notifies at the wrong time, the bus.
 *   interrupt  the line's level and edges: a completion, one while the
 *              line is high, a partial ACK, an ACK of nothing, no
 *              interrupt asked, the PIC seeing each edge, the
 *              configuration change interrupt.
 *   blk        IN, OUT (any descriptor layout), FLUSH, GET_ID, unsupported
 *              types, read-only disks, the capacity's edge, partial
 *              sectors, host I/O errors, a file that shrank, several
 *              requests at once, a chain of the whole queue, and the
 *              driver errors a request can make.
 *   disk       mhv_virtio_blk_disk_open's checks and messages.
 */
#include <check.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "bus.h"
#include "dev_pic.h"
#include "dev_virtio_blk.h"
#include "guest_memory.h"
#include "irq.h"
#include "virtio_mmio.h"
#include "virtqueue.h"

/* ===== the fake machine ======================================================== */

#define RAM_SIZE (1u << 20)
#define DESC_ADDR 0x1000u     /* the descriptor table (16 x 256 bytes at most) */
#define AVAIL_ADDR 0x2000u
#define USED_ADDR 0x3000u
#define DATA_ADDR 0x10000u    /* request buffers from here on */
#define DISK_SECTORS 512
#define SECTOR 512
#define MAX_FILES 8
#define LEVELS 64

#define F(bit) (1ull << (bit))
#define S_ACK VIRTIO_CONFIG_S_ACKNOWLEDGE
#define S_DRIVER VIRTIO_CONFIG_S_DRIVER
#define S_FEATURES_OK VIRTIO_CONFIG_S_FEATURES_OK
#define S_DRIVER_OK VIRTIO_CONFIG_S_DRIVER_OK
#define S_NEEDS_RESET VIRTIO_CONFIG_S_NEEDS_RESET

/* An interrupt controller that keeps every level it is given. */
struct level_log {
    int level;
    int rises;               /* 0 -> 1 */
    unsigned count;
    int levels[LEVELS];      /* the first LEVELS calls */
    unsigned irq;
};

static void log_level(void *controller, unsigned irq, int level)
{
    struct level_log *log = controller;
    if (level && !log->level)
        log->rises++;
    if (log->count < LEVELS)
        log->levels[log->count] = level;
    log->count++;
    log->level = level;
    log->irq = irq;
}

static struct {
    uint8_t *ram;
    struct mhv_guest_memory memory;
    struct level_log line;
    struct mhv_virtio_blk blk;
    struct mhv_virtio_mmio dev;
    char dir[64];
    char files[MAX_FILES][128];  /* to remove at the end */
    unsigned file_count;
    char disk_path[128];
    int fd;
    /* The driver's side of queue 0. */
    uint32_t qsize;
    uint16_t avail_idx;
    uint16_t next_desc;
    uint64_t next_data;
} t;

/* What each byte of the disk holds at the start. */
static uint8_t pattern(uint64_t offset)
{
    return (uint8_t)(offset * 31 + (offset >> 9) * 7 + 1);
}

/* A path in the test's directory, removed in teardown. */
static const char *test_path(const char *name)
{
    ck_assert_uint_lt(t.file_count, MAX_FILES);
    char *path = t.files[t.file_count++];
    snprintf(path, sizeof t.files[0], "%s/%s", t.dir, name);
    return path;
}

static const char *make_file(const char *name, uint64_t size, mode_t mode)
{
    const char *path = test_path(name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    uint8_t block[SECTOR];
    for (uint64_t at = 0; at < size; at += SECTOR) {
        size_t len = size - at < SECTOR ? (size_t)(size - at) : SECTOR;
        for (size_t i = 0; i < len; i++)
            block[i] = pattern(at + i);
        ck_assert_int_eq(pwrite(fd, block, len, (off_t)at), (ssize_t)len);
    }
    close(fd);
    ck_assert_int_eq(chmod(path, mode), 0);
    return path;
}

static struct mhv_irq_line fake_line(void)
{
    return (struct mhv_irq_line){ .set_level = log_level, .controller = &t.line, .irq = 5 };
}

/* The device on disk, freshly reset, with an empty line log. */
static void attach_disk(struct mhv_virtio_blk_disk disk, const char *serial)
{
    memset(&t.line, 0, sizeof t.line);
    mhv_virtio_blk_init(&t.blk, disk, serial);
    mhv_virtio_mmio_init(&t.dev, &mhv_virtio_blk_ops, &t.blk, t.memory, fake_line());
    memset(&t.line, 0, sizeof t.line);
}

static void setup(void)
{
    memset(&t, 0, sizeof t);
    t.ram = calloc(1, RAM_SIZE);
    ck_assert_ptr_nonnull(t.ram);
    t.memory = (struct mhv_guest_memory){ .base = t.ram, .size = RAM_SIZE };
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(t.dir, sizeof t.dir, "%s/mhv_virtio.XXXXXX", tmp);
    ck_assert_ptr_nonnull(mkdtemp(t.dir));
    ck_assert_int_eq(chmod(t.dir, 0755), 0);  /* another user may look in (the permission tests) */
    snprintf(t.disk_path, sizeof t.disk_path, "%s", make_file("disk.img", DISK_SECTORS * SECTOR, 0600));
    t.fd = open(t.disk_path, O_RDWR);
    ck_assert_int_ge(t.fd, 0);
    attach_disk((struct mhv_virtio_blk_disk){ .fd = t.fd, .sectors = DISK_SECTORS }, "mhv-test-disk");
    t.qsize = 8;
    t.next_data = DATA_ADDR;
}

static void teardown(void)
{
    if (t.fd >= 0)
        close(t.fd);
    for (unsigned i = 0; i < t.file_count; i++)
        unlink(t.files[i]);
    rmdir(t.dir);
    free(t.ram);
}

/* ===== the driver's side: registers, RAM, rings ===================================== */

static uint32_t reg_read(uint64_t offset)
{
    uint64_t value = 0xAAAAAAAAAAAAAAAAull;
    mhv_virtio_mmio_ops.read(&t.dev, offset, 4, &value);
    ck_assert_uint_le(value, UINT32_MAX);
    return (uint32_t)value;
}

static void reg_write(uint64_t offset, uint32_t value)
{
    ck_assert_int_eq(mhv_virtio_mmio_ops.write(&t.dev, offset, 4, value), MHV_BUS_OK);
}

static uint64_t config_read(uint64_t offset, unsigned size)
{
    uint64_t value = 0xAAAAAAAAAAAAAAAAull;
    mhv_virtio_mmio_ops.read(&t.dev, VIRTIO_MMIO_CONFIG + offset, size, &value);
    return value;
}

static void put8(uint64_t addr, uint8_t v) { t.ram[addr] = v; }
static void put16(uint64_t addr, uint16_t v) { v = htole16(v); memcpy(t.ram + addr, &v, 2); }
static void put32(uint64_t addr, uint32_t v) { v = htole32(v); memcpy(t.ram + addr, &v, 4); }
static void put64(uint64_t addr, uint64_t v) { v = htole64(v); memcpy(t.ram + addr, &v, 8); }
static uint8_t get8(uint64_t addr) { return t.ram[addr]; }
static uint16_t get16(uint64_t addr) { uint16_t v; memcpy(&v, t.ram + addr, 2); return le16toh(v); }
static uint32_t get32(uint64_t addr) { uint32_t v; memcpy(&v, t.ram + addr, 4); return le32toh(v); }

static uint64_t alloc(uint32_t len)
{
    uint64_t addr = t.next_data;
    t.next_data += (len + 15u) & ~15u;
    ck_assert_uint_le(t.next_data, RAM_SIZE);
    return addr;
}

static void put_desc(uint32_t index, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint64_t at = DESC_ADDR + 16ull * index;
    put64(at, addr);
    put32(at + 8, len);
    put16(at + 12, flags);
    put16(at + 14, next);
}

/* One buffer of a chain the test builds. */
struct seg {
    uint64_t addr;
    uint32_t len;
    int writable;
};

/* Writes a chain into the next free descriptors (wrapping in the table)
 * and returns its head; offer() then makes it available. */
static uint16_t make_chain(const struct seg *segs, unsigned n)
{
    uint16_t head = t.next_desc;
    for (unsigned i = 0; i < n; i++) {
        uint16_t index = (uint16_t)((head + i) % t.qsize);
        uint16_t next = (uint16_t)((head + i + 1) % t.qsize);
        uint16_t flags = (uint16_t)((segs[i].writable ? VRING_DESC_F_WRITE : 0) | (i + 1 < n ? VRING_DESC_F_NEXT : 0));
        put_desc(index, segs[i].addr, segs[i].len, flags, i + 1 < n ? next : 0);
    }
    t.next_desc = (uint16_t)((head + n) % t.qsize);
    return head;
}

static void offer(uint16_t head)
{
    put16(AVAIL_ADDR + 4 + 2ull * (t.avail_idx % t.qsize), head);
    t.avail_idx++;
    put16(AVAIL_ADDR + 2, t.avail_idx);
}

static uint16_t used_idx(void) { return get16(USED_ADDR + 2); }
static uint32_t used_id(uint16_t i) { return get32(USED_ADDR + 4 + 8ull * (i % t.qsize)); }
static uint32_t used_len(uint16_t i) { return get32(USED_ADDR + 8 + 8ull * (i % t.qsize)); }

/* Reset, ACKNOWLEDGE, DRIVER, then the features: the driver accepts what
 * is offered and in accept, and sets FEATURES_OK.  Returns the status read
 * back. */
static uint32_t negotiate(uint64_t accept)
{
    reg_write(VIRTIO_MMIO_STATUS, 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), 0);
    reg_write(VIRTIO_MMIO_STATUS, S_ACK);
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
    reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t offered = reg_read(VIRTIO_MMIO_DEVICE_FEATURES);
    reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    offered |= (uint64_t)reg_read(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    uint64_t wanted = offered & accept;
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)wanted);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(wanted >> 32));
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    return reg_read(VIRTIO_MMIO_STATUS);
}

static void queue_setup(uint32_t sel, uint32_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
    reg_write(VIRTIO_MMIO_QUEUE_SEL, sel);
    reg_write(VIRTIO_MMIO_QUEUE_NUM, size);
    reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    reg_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    reg_write(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
    reg_write(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
    reg_write(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
    reg_write(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
    reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
}

static void driver_ok(void)
{
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

/* The whole sequence, as Linux's virtio_mmio and virtio_blk do it. */
static void driver_setup(uint32_t qsize)
{
    memset(t.ram + DESC_ADDR, 0, DATA_ADDR - DESC_ADDR);
    t.qsize = qsize;
    t.avail_idx = t.next_desc = 0;
    ck_assert_uint_eq(negotiate(~0ull), S_ACK | S_DRIVER | S_FEATURES_OK);
    reg_write(VIRTIO_MMIO_QUEUE_SEL, 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_NUM_MAX), MHV_VIRTQ_MAX_SIZE);
    queue_setup(0, qsize, DESC_ADDR, AVAIL_ADDR, USED_ADDR);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 1);
    driver_ok();
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

static void notify(void)
{
    reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

/* What Linux's interrupt handler does first: read, then acknowledge. */
static uint32_t handle_interrupt(void)
{
    uint32_t status = reg_read(VIRTIO_MMIO_INTERRUPT_STATUS);
    reg_write(VIRTIO_MMIO_INTERRUPT_ACK, status);
    return status;
}

static void assert_needs_reset(const char *message_part)
{
    ck_assert_uint_ne(reg_read(VIRTIO_MMIO_STATUS) & S_NEEDS_RESET, 0);
    ck_assert_msg(strstr(t.dev.error, message_part) != NULL, "error '%s' lacks '%s'", t.dev.error, message_part);
    ck_assert_msg(strncmp(t.dev.error, "virtio-blk: ", 12) == 0, "error '%s' does not name the device", t.dev.error);
    ck_assert_uint_ge(t.dev.driver_errors, 1);
}

/* The driver sets queue 0 up with these values after FEATURES_OK; the
 * device refuses it at QueueReady. */
static void assert_queue_refused(uint32_t size, uint64_t desc, uint64_t avail, uint64_t used,
                                 const char *message_part)
{
    ck_assert_uint_eq(negotiate(~0ull), S_ACK | S_DRIVER | S_FEATURES_OK);
    queue_setup(0, size, desc, avail, used);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 0);
    assert_needs_reset(message_part);
}

/* The chains offered so far are kicked and the first is refused: no used
 * element, the device needs a reset. */
static void assert_request_refused(const char *message_part)
{
    notify();
    assert_needs_reset(message_part);
    ck_assert_uint_eq(used_idx(), 0);
}

/* A block request in the usual three descriptors: header, data (if any),
 * status; the status byte starts as 0xEE so that an answer shows. */
struct blk_req {
    uint16_t head;
    uint64_t header, data, status;
};

static struct blk_req blk_request(uint32_t type, uint64_t sector, uint32_t data_len, int data_writable)
{
    struct blk_req r = { .header = alloc(16) };
    put32(r.header, type);
    put32(r.header + 4, 0);
    put64(r.header + 8, sector);
    r.data = data_len ? alloc(data_len) : 0;
    r.status = alloc(1);
    put8(r.status, 0xEE);
    struct seg segs[3];
    unsigned n = 0;
    segs[n++] = (struct seg){ r.header, 16, 0 };
    if (data_len)
        segs[n++] = (struct seg){ r.data, data_len, data_writable };
    segs[n++] = (struct seg){ r.status, 1, 1 };
    r.head = make_chain(segs, n);
    offer(r.head);
    return r;
}

/* One request, kicked; returns its status byte after checking it was
 * answered with used length expect_len. */
static uint8_t blk_do(uint32_t type, uint64_t sector, uint32_t data_len, int data_writable, uint32_t expect_len,
                      struct blk_req *out)
{
    uint16_t before = used_idx();
    struct blk_req r = blk_request(type, sector, data_len, data_writable);
    notify();
    ck_assert_uint_eq(used_idx(), (uint16_t)(before + 1));
    ck_assert_uint_eq(used_id(before), r.head);
    ck_assert_uint_eq(used_len(before), expect_len);
    if (out)
        *out = r;
    return get8(r.status);
}

static void assert_disk_pattern(uint64_t offset, uint64_t len)
{
    uint8_t byte;
    for (uint64_t i = 0; i < len; i++) {
        ck_assert_int_eq(pread(t.fd, &byte, 1, (off_t)(offset + i)), 1);
        ck_assert_msg(byte == pattern(offset + i), "disk byte %llu changed", (unsigned long long)(offset + i));
    }
}

static void assert_ram_pattern(uint64_t addr, uint64_t disk_offset, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++)
        ck_assert_msg(get8(addr + i) == pattern(disk_offset + i), "RAM byte 0x%llx is not disk byte %llu",
                      (unsigned long long)(addr + i), (unsigned long long)(disk_offset + i));
}

/* ===== guest memory ============================================================ */

START_TEST(test_memory_inside_and_edges)
{
    ck_assert_ptr_eq(mhv_guest_memory_at(&t.memory, 0, RAM_SIZE), t.ram);
    ck_assert_ptr_eq(mhv_guest_memory_at(&t.memory, 0x1234, 16), t.ram + 0x1234);
    ck_assert_ptr_eq(mhv_guest_memory_at(&t.memory, RAM_SIZE - 1, 1), t.ram + RAM_SIZE - 1);
    ck_assert_ptr_eq(mhv_guest_memory_at(&t.memory, RAM_SIZE, 0), t.ram + RAM_SIZE);  /* empty, at the end */
    ck_assert_ptr_null(mhv_guest_memory_at(&t.memory, RAM_SIZE - 1, 2));
    ck_assert_ptr_null(mhv_guest_memory_at(&t.memory, RAM_SIZE, 1));
    ck_assert_ptr_null(mhv_guest_memory_at(&t.memory, RAM_SIZE + 1, 0));
    ck_assert_ptr_null(mhv_guest_memory_at(&t.memory, 0, RAM_SIZE + 1));
}
END_TEST

START_TEST(test_memory_overflow_and_no_ram)
{
    /* addr + len wraps to a small number: still outside. */
    ck_assert_ptr_null(mhv_guest_memory_at(&t.memory, UINT64_MAX - 3, 8));
    ck_assert_ptr_null(mhv_guest_memory_at(&t.memory, 16, UINT64_MAX - 8));
    ck_assert_ptr_null(mhv_guest_memory_at(&t.memory, UINT64_MAX, UINT64_MAX));
    struct mhv_guest_memory none = { .base = NULL, .size = 0 };
    ck_assert_ptr_null(mhv_guest_memory_at(&none, 0, 0));
    ck_assert_ptr_null(mhv_guest_memory_at(&none, 0, 1));
}
END_TEST

/* ===== the virtqueue on its own =================================================== */

static char err[MHV_VIRTIO_ERROR_SIZE];

static int virtq_enable(struct mhv_virtq *q, uint32_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
    mhv_virtq_reset(q);
    q->size = size;
    q->desc_addr = desc;
    q->driver_addr = avail;
    q->device_addr = used;
    err[0] = '\0';
    return mhv_virtq_enable(q, t.memory, MHV_VIRTQ_MAX_SIZE, err, sizeof err);
}

/* A queue of size entries at the usual addresses, the test's driver side
 * matching it. */
static void virtq_ready(struct mhv_virtq *q, uint32_t size)
{
    t.qsize = size;
    ck_assert_msg(virtq_enable(q, size, DESC_ADDR, AVAIL_ADDR, USED_ADDR) == 0, "enable: %s", err);
}

static void assert_pop_fails(struct mhv_virtq *q, const char *message_part)
{
    struct mhv_virtq_chain chain;
    uint16_t before = q->last_avail;
    err[0] = '\0';
    ck_assert_int_eq(mhv_virtq_pop(q, &chain, err, sizeof err), -1);
    ck_assert_msg(strstr(err, message_part) != NULL, "error '%s' lacks '%s'", err, message_part);
    ck_assert_uint_eq(q->last_avail, before);  /* not taken */
}

START_TEST(test_virtq_enable_checks_size)
{
    struct mhv_virtq q;
    const uint32_t bad[] = { 0, 3, 6, 100, 255, 257, 512, 0x10000, 0x80000000u };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(virtq_enable(&q, bad[i], DESC_ADDR, AVAIL_ADDR, USED_ADDR), -1);
        ck_assert_msg(strstr(err, "is not a power of two in [1, 256]") != NULL, "size %u: '%s'", bad[i], err);
        ck_assert_int_eq(q.ready, 0);
    }
    const uint32_t good[] = { 1, 2, 4, 128, 256 };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ck_assert_msg(virtq_enable(&q, good[i], DESC_ADDR, AVAIL_ADDR, USED_ADDR) == 0, "size %u: %s", good[i], err);
        ck_assert_int_eq(q.ready, 1);
        ck_assert_uint_eq(q.last_avail, 0);
        ck_assert_uint_eq(q.next_used, 0);
    }
    /* A backend's own maximum is below the array's. */
    mhv_virtq_reset(&q);
    q.size = 64;
    q.desc_addr = DESC_ADDR, q.driver_addr = AVAIL_ADDR, q.device_addr = USED_ADDR;
    ck_assert_int_eq(mhv_virtq_enable(&q, t.memory, 32, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "queue size 64 is not a power of two in [1, 32]"));
}
END_TEST

START_TEST(test_virtq_enable_checks_areas)
{
    struct mhv_virtq q;
    ck_assert_int_eq(virtq_enable(&q, 8, DESC_ADDR + 8, AVAIL_ADDR, USED_ADDR), -1);
    ck_assert_str_eq(err, "descriptor table at 0x1008 is not 16-byte aligned");
    ck_assert_int_eq(virtq_enable(&q, 8, DESC_ADDR, AVAIL_ADDR + 1, USED_ADDR), -1);
    ck_assert_str_eq(err, "available ring at 0x2001 is not 2-byte aligned");
    ck_assert_int_eq(virtq_enable(&q, 8, DESC_ADDR, AVAIL_ADDR, USED_ADDR + 2), -1);
    ck_assert_str_eq(err, "used ring at 0x3002 is not 4-byte aligned");
    /* 8 descriptors are 128 bytes: the last one would cross the end. */
    ck_assert_int_eq(virtq_enable(&q, 8, RAM_SIZE - 112, AVAIL_ADDR, USED_ADDR), -1);
    ck_assert_str_eq(err, "descriptor table [0xfff90, +128) is outside guest RAM (1048576 bytes)");
    ck_assert_int_eq(virtq_enable(&q, 8, RAM_SIZE - 128, AVAIL_ADDR, USED_ADDR), 0);  /* ends at the end */
    ck_assert_int_eq(virtq_enable(&q, 8, DESC_ADDR, RAM_SIZE - 20, USED_ADDR), -1);   /* 6 + 2 x 8 = 22 */
    ck_assert_str_eq(err, "available ring [0xfffec, +22) is outside guest RAM (1048576 bytes)");
    ck_assert_int_eq(virtq_enable(&q, 8, DESC_ADDR, AVAIL_ADDR, RAM_SIZE - 68), -1);   /* 6 + 8 x 8 = 70 */
    ck_assert_str_eq(err, "used ring [0xfffbc, +70) is outside guest RAM (1048576 bytes)");
    ck_assert_int_eq(virtq_enable(&q, 8, 0xFFFFFFFFFFFFFFF0ull, AVAIL_ADDR, USED_ADDR), -1);  /* wraps */
    ck_assert_ptr_nonnull(strstr(err, "descriptor table [0xfffffffffffffff0, +128) is outside guest RAM"));
    ck_assert_int_eq(q.ready, 0);
    ck_assert_ptr_null(q.desc);
}
END_TEST

START_TEST(test_virtq_pop_empty_then_one)
{
    struct mhv_virtq q;
    struct mhv_virtq_chain chain;
    virtq_ready(&q, 8);
    ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 0);
    struct seg segs[] = { { 0x10000, 16, 0 }, { 0x11000, 512, 1 }, { 0x12000, 1, 1 } };
    uint16_t head = make_chain(segs, 3);
    offer(head);
    ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 1);
    ck_assert_uint_eq(chain.head, head);
    ck_assert_uint_eq(chain.count, 3);
    ck_assert_uint_eq(chain.readable, 1);
    ck_assert_uint_eq(chain.readable_len, 16);
    ck_assert_uint_eq(chain.writable_len, 513);
    ck_assert_ptr_eq(chain.segments[0].data, t.ram + 0x10000);
    ck_assert_uint_eq(chain.segments[0].len, 16);
    ck_assert_int_eq(chain.segments[0].writable, 0);
    ck_assert_ptr_eq(chain.segments[1].data, t.ram + 0x11000);
    ck_assert_uint_eq(chain.segments[1].len, 512);
    ck_assert_int_eq(chain.segments[1].writable, 1);
    ck_assert_ptr_eq(chain.segments[2].data, t.ram + 0x12000);
    ck_assert_uint_eq(q.last_avail, 1);
    ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 0);  /* nothing more */
    /* A zero-length buffer is a buffer. */
    struct seg empty[] = { { RAM_SIZE, 0, 0 } };
    offer(make_chain(empty, 1));
    ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 1);
    ck_assert_uint_eq(chain.count, 1);
    ck_assert_uint_eq(chain.readable_len, 0);
}
END_TEST

START_TEST(test_virtq_chain_streams)
{
    struct mhv_virtq q;
    struct mhv_virtq_chain chain;
    virtq_ready(&q, 8);
    struct seg segs[] = { { 0x10000, 10, 0 }, { 0x10100, 6, 0 }, { 0x10200, 3, 1 }, { 0x10300, 5, 1 } };
    for (unsigned i = 0; i < 16; i++)
        put8(i < 10 ? 0x10000 + i : 0x10100 + i - 10, (uint8_t)(0xA0 + i));
    offer(make_chain(segs, 4));
    ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 1);
    ck_assert_uint_eq(chain.readable_len, 16);
    ck_assert_uint_eq(chain.writable_len, 8);

    struct mhv_virtq_segment pieces[MHV_VIRTQ_MAX_SIZE];
    ck_assert_int_eq(mhv_virtq_chain_range(&chain, 0, 8, 8, pieces), 2);   /* crosses the first boundary */
    ck_assert_ptr_eq(pieces[0].data, t.ram + 0x10008);
    ck_assert_uint_eq(pieces[0].len, 2);
    ck_assert_ptr_eq(pieces[1].data, t.ram + 0x10100);
    ck_assert_uint_eq(pieces[1].len, 6);
    ck_assert_int_eq(mhv_virtq_chain_range(&chain, 1, 2, 4, pieces), 2);
    ck_assert_ptr_eq(pieces[0].data, t.ram + 0x10202);
    ck_assert_uint_eq(pieces[0].len, 1);
    ck_assert_int_eq(pieces[0].writable, 1);
    ck_assert_ptr_eq(pieces[1].data, t.ram + 0x10300);
    ck_assert_uint_eq(pieces[1].len, 3);
    ck_assert_int_eq(mhv_virtq_chain_range(&chain, 1, 8, 0, pieces), 0);   /* empty, at the end */
    ck_assert_int_eq(mhv_virtq_chain_range(&chain, 0, 10, 7, pieces), -1); /* past the end */
    ck_assert_int_eq(mhv_virtq_chain_range(&chain, 1, 9, 0, pieces), -1);
    ck_assert_int_eq(mhv_virtq_chain_range(&chain, 0, UINT64_MAX, 2, pieces), -1);

    uint8_t bytes[16];
    ck_assert_int_eq(mhv_virtq_chain_read(&chain, 0, bytes, 16), 0);
    for (unsigned i = 0; i < 16; i++)
        ck_assert_uint_eq(bytes[i], 0xA0 + i);
    ck_assert_int_eq(mhv_virtq_chain_read(&chain, 1, bytes, 16), -1);
    ck_assert_int_eq(mhv_virtq_chain_write(&chain, 1, "abcdef", 6), 0);
    ck_assert_mem_eq(t.ram + 0x10201, "ab", 2);
    ck_assert_mem_eq(t.ram + 0x10300, "cdef", 4);
    ck_assert_uint_eq(get8(0x10200), 0);
    ck_assert_int_eq(mhv_virtq_chain_write(&chain, 1, "012345678", 9), -1);
    ck_assert_uint_eq(get8(0x10200), 0);  /* nothing copied */
}
END_TEST

START_TEST(test_virtq_push_fills_the_used_ring)
{
    struct mhv_virtq q;
    struct mhv_virtq_chain chain;
    virtq_ready(&q, 4);
    struct seg segs[] = { { 0x10000, 4, 1 } };
    uint16_t a = make_chain(segs, 1), b = make_chain(segs, 1);
    offer(a);
    offer(b);
    ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 1);
    ck_assert_uint_eq(chain.head, a);
    mhv_virtq_push(&q, chain.head, 3);
    ck_assert_uint_eq(used_idx(), 1);
    ck_assert_uint_eq(used_id(0), a);
    ck_assert_uint_eq(used_len(0), 3);
    ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 1);
    ck_assert_uint_eq(chain.head, b);
    mhv_virtq_push(&q, chain.head, 4);
    ck_assert_uint_eq(used_idx(), 2);
    ck_assert_uint_eq(used_id(1), b);
    ck_assert_uint_eq(used_len(1), 4);
    ck_assert_uint_eq(q.chains, 2);
    ck_assert_uint_eq(get16(USED_ADDR), 0);  /* used flags: never VRING_USED_F_NO_NOTIFY */
}
END_TEST

START_TEST(test_virtq_indexes_wrap)
{
    struct mhv_virtq q;
    struct mhv_virtq_chain chain;
    virtq_ready(&q, 4);
    /* 65536 + 6 chains, one at a time: both indexes pass 65535 -> 0. */
    for (uint32_t i = 0; i < 65536 + 6; i++) {
        struct seg segs[] = { { 0x10000 + 16 * (i % 4), 1 + i % 7, 1 } };
        uint16_t head = make_chain(segs, 1);
        offer(head);
        ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 1);
        ck_assert_uint_eq(chain.head, head);
        ck_assert_uint_eq(chain.writable_len, 1 + i % 7);
        mhv_virtq_push(&q, chain.head, i % 7);
        ck_assert_uint_eq(used_idx(), (uint16_t)(i + 1));
        ck_assert_uint_eq(used_id((uint16_t)i), head);
        ck_assert_uint_eq(used_len((uint16_t)i), i % 7);
    }
    ck_assert_uint_eq(q.last_avail, 6);
    ck_assert_uint_eq(q.next_used, 6);
    ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 0);
    /* Four at once across the wrap as well. */
    uint16_t heads[4];
    for (unsigned i = 0; i < 4; i++) {
        struct seg segs[] = { { 0x10000, 8, 0 } };
        heads[i] = make_chain(segs, 1);
        offer(heads[i]);
    }
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 1);
        ck_assert_uint_eq(chain.head, heads[i]);
        mhv_virtq_push(&q, chain.head, 0);
    }
    ck_assert_uint_eq(used_idx(), 10);
}
END_TEST

START_TEST(test_virtq_head_and_next_outside_the_table)
{
    struct mhv_virtq q;
    virtq_ready(&q, 8);
    put16(AVAIL_ADDR + 4, 8);  /* a head one past the table */
    put16(AVAIL_ADDR + 2, 1);
    assert_pop_fails(&q, "descriptor 8 is outside the table of 8");
    virtq_ready(&q, 8);
    put_desc(0, 0x10000, 16, VRING_DESC_F_NEXT, 200);
    put16(AVAIL_ADDR + 4, 0);
    assert_pop_fails(&q, "descriptor 200 is outside the table of 8");
}
END_TEST

START_TEST(test_virtq_chain_loop)
{
    struct mhv_virtq q;
    virtq_ready(&q, 8);
    put_desc(0, 0x10000, 16, VRING_DESC_F_NEXT, 1);
    put_desc(1, 0x10010, 16, VRING_DESC_F_NEXT, 2);
    put_desc(2, 0x10020, 16, VRING_DESC_F_NEXT, 0);  /* back to the head */
    offer(0);
    assert_pop_fails(&q, "the chain from descriptor 0 is longer than the table (8): a loop");
    virtq_ready(&q, 8);
    put_desc(3, 0x10000, 16, VRING_DESC_F_NEXT, 3);  /* onto itself */
    t.avail_idx = 0;
    offer(3);
    assert_pop_fails(&q, "a loop");
}
END_TEST

START_TEST(test_virtq_buffer_outside_ram)
{
    struct mhv_virtq q;
    virtq_ready(&q, 8);
    put_desc(0, RAM_SIZE - 8, 16, 0, 0);
    offer(0);
    assert_pop_fails(&q, "descriptor 0: buffer [0xffff8, +16) is outside guest RAM (1048576 bytes)");
    virtq_ready(&q, 8);
    put_desc(0, 0x10000, 16, VRING_DESC_F_NEXT, 1);
    put_desc(1, 0xFFFFFFFFFFFFFFF8ull, 16, VRING_DESC_F_WRITE, 0);  /* addr + len wraps to 8 */
    assert_pop_fails(&q, "descriptor 1: buffer [0xfffffffffffffff8, +16) is outside guest RAM");
}
END_TEST

START_TEST(test_virtq_indirect_descriptor)
{
    struct mhv_virtq q;
    virtq_ready(&q, 8);
    put_desc(0, 0x10000, 64, VRING_DESC_F_INDIRECT, 0);
    offer(0);
    assert_pop_fails(&q, "descriptor 0 is indirect (VIRTIO_F_INDIRECT_DESC was not offered)");
}
END_TEST

START_TEST(test_virtq_readable_after_writable)
{
    struct mhv_virtq q;
    virtq_ready(&q, 8);
    struct seg segs[] = { { 0x10000, 16, 0 }, { 0x10100, 1, 1 }, { 0x10200, 512, 0 } };
    offer(make_chain(segs, 3));
    assert_pop_fails(&q, "descriptor 2 is device-readable but follows a device-writable one");
}
END_TEST

START_TEST(test_virtq_available_index_jumps)
{
    struct mhv_virtq q;
    struct mhv_virtq_chain chain;
    virtq_ready(&q, 8);
    put_desc(0, 0x10000, 16, 0, 0);
    put16(AVAIL_ADDR + 2, 8);  /* a full ring: allowed */
    for (unsigned i = 0; i < 8; i++)
        ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 1);
    for (unsigned i = 0; i < 8; i++)
        mhv_virtq_push(&q, 0, 0);
    put16(AVAIL_ADDR + 2, 8 + 9);  /* nine more than were taken, in a ring of eight */
    assert_pop_fails(&q, "the available index went from 8 to 17, more than the 8 entries of the ring");
    put16(AVAIL_ADDR + 2, 7);      /* backwards: 65535 new entries */
    assert_pop_fails(&q, "from 8 to 7");
}
END_TEST

START_TEST(test_virtq_no_interrupt_flag)
{
    struct mhv_virtq q;
    virtq_ready(&q, 8);
    ck_assert_int_eq(mhv_virtq_wants_interrupt(&q), 1);
    put16(AVAIL_ADDR, VRING_AVAIL_F_NO_INTERRUPT);
    ck_assert_int_eq(mhv_virtq_wants_interrupt(&q), 0);
    put16(AVAIL_ADDR, 0);
    ck_assert_int_eq(mhv_virtq_wants_interrupt(&q), 1);
}
END_TEST

START_TEST(test_virtq_disable_and_enable_again)
{
    struct mhv_virtq q;
    struct mhv_virtq_chain chain;
    virtq_ready(&q, 8);
    struct seg segs[] = { { 0x10000, 16, 0 } };
    offer(make_chain(segs, 1));
    ck_assert_int_eq(mhv_virtq_pop(&q, &chain, err, sizeof err), 1);
    mhv_virtq_push(&q, chain.head, 0);
    mhv_virtq_disable(&q);
    ck_assert_int_eq(q.ready, 0);
    ck_assert_ptr_null(q.desc);
    ck_assert_ptr_null(q.avail);
    ck_assert_ptr_null(q.used);
    ck_assert_uint_eq(q.size, 8);  /* the registers stay */
    ck_assert_uint_eq(q.desc_addr, DESC_ADDR);
    ck_assert_int_eq(mhv_virtq_enable(&q, t.memory, MHV_VIRTQ_MAX_SIZE, err, sizeof err), 0);
    ck_assert_uint_eq(q.last_avail, 0);  /* a new start: the driver's rings are new too */
    ck_assert_uint_eq(q.next_used, 0);
    ck_assert_uint_eq(q.chains, 0);
    mhv_virtq_reset(&q);
    ck_assert_uint_eq(q.size, 0);
    ck_assert_uint_eq(q.desc_addr, 0);
    ck_assert_int_eq(q.ready, 0);
}
END_TEST

/* ===== the transport ============================================================ */

START_TEST(test_mmio_identity)
{
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);  /* "virt" */
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_VERSION), 2);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_VENDOR_ID), MHV_VIRTIO_VENDOR_ID);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_CONFIG_GENERATION), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_SHM_LEN_LOW), 0xFFFFFFFFu);   /* no shared memory region */
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_SHM_LEN_HIGH), 0xFFFFFFFFu);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    ck_assert_uint_eq(reg_read(0x0F0), 0);  /* nothing there */
    reg_write(VIRTIO_MMIO_MAGIC_VALUE, 0);  /* read-only: ignored */
    reg_write(VIRTIO_MMIO_VERSION, 1);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_VERSION), 2);
    ck_assert_uint_eq(t.dev.driver_errors, 0);
}
END_TEST

START_TEST(test_mmio_features)
{
    reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_DEVICE_FEATURES_SEL), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_DEVICE_FEATURES), F(VIRTIO_BLK_F_FLUSH) | F(VIRTIO_BLK_F_SEG_MAX));
    reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_DEVICE_FEATURES), 1u << (VIRTIO_F_VERSION_1 - 32));
    reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_DEVICE_FEATURES), 0);
    ck_assert_uint_eq(mhv_virtio_mmio_device_features(&t.dev),
                      F(VIRTIO_F_VERSION_1) | F(VIRTIO_BLK_F_FLUSH) | F(VIRTIO_BLK_F_SEG_MAX));
    /* The driver's, read back by selector. */
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 1);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, F(VIRTIO_BLK_F_FLUSH));
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 5);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 0xFFFFFFFFu);  /* no such half: ignored */
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_DRIVER_FEATURES), 0);
    ck_assert_uint_eq(t.dev.driver_features, F(VIRTIO_F_VERSION_1) | F(VIRTIO_BLK_F_FLUSH));
}
END_TEST

START_TEST(test_mmio_init_sequence)
{
    reg_write(VIRTIO_MMIO_STATUS, S_ACK);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), S_ACK);
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), S_ACK | S_DRIVER);
    ck_assert_uint_eq(negotiate(~0ull), S_ACK | S_DRIVER | S_FEATURES_OK);
    ck_assert_uint_eq(t.dev.driver_features, F(VIRTIO_F_VERSION_1) | F(VIRTIO_BLK_F_FLUSH) | F(VIRTIO_BLK_F_SEG_MAX));

    reg_write(VIRTIO_MMIO_QUEUE_SEL, 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 0);
    queue_setup(0, 128, 0x0000000000001000ull, 0x2000, 0x3000);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 1);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_NUM), 128);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_DESC_LOW), 0x1000);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_DESC_HIGH), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_AVAIL_LOW), 0x2000);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_USED_LOW), 0x3000);
    ck_assert_ptr_eq(t.dev.queues[0].desc, (void *)(t.ram + 0x1000));
    ck_assert_ptr_eq(t.dev.queues[0].avail, (void *)(t.ram + 0x2000));
    ck_assert_ptr_eq(t.dev.queues[0].used, (void *)(t.ram + 0x3000));
    /* The device has one queue: the second reads as absent. */
    reg_write(VIRTIO_MMIO_QUEUE_SEL, 1);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_SEL), 1);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 0);

    driver_ok();
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    ck_assert_uint_eq(t.dev.driver_errors, 0);
    ck_assert_str_eq(t.dev.error, "");
    ck_assert_uint_eq(t.line.count, 0);  /* no interrupt yet */
}
END_TEST

START_TEST(test_mmio_features_ok_needs_version_1)
{
    ck_assert_uint_eq(negotiate(~F(VIRTIO_F_VERSION_1)), S_ACK | S_DRIVER);  /* a legacy driver */
    ck_assert_str_eq(t.dev.error, "virtio-blk: FEATURES_OK refused: the driver accepted features 0x204 of "
                                  "0x100000204 offered, without VIRTIO_F_VERSION_1");
    ck_assert_uint_eq(t.dev.driver_errors, 1);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS) & S_NEEDS_RESET, 0);  /* refused, not broken */
    ck_assert_uint_eq(t.line.count, 0);
    /* Only VERSION_1 is enough. */
    ck_assert_uint_eq(negotiate(F(VIRTIO_F_VERSION_1)), S_ACK | S_DRIVER | S_FEATURES_OK);
}
END_TEST

START_TEST(test_mmio_features_ok_refuses_what_was_not_offered)
{
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, F(VIRTIO_BLK_F_RO));  /* not offered: the disk is writable */
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 1);
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), S_ACK | S_DRIVER);
    ck_assert_ptr_nonnull(strstr(t.dev.error, "FEATURES_OK refused: the driver accepted features 0x100000020"));
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_RING_PACKED - 32) | 1);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, 0);
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), S_ACK | S_DRIVER);
    ck_assert_uint_eq(t.dev.driver_errors, 2);
}
END_TEST

START_TEST(test_mmio_driver_features_frozen_after_features_ok)
{
    ck_assert_uint_eq(negotiate(F(VIRTIO_F_VERSION_1)), S_ACK | S_DRIVER | S_FEATURES_OK);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, F(VIRTIO_BLK_F_RO));
    ck_assert_uint_eq(t.dev.driver_features, F(VIRTIO_F_VERSION_1));
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_DRIVER_FEATURES), 0);
}
END_TEST

START_TEST(test_mmio_status_bits_accumulate)
{
    driver_setup(8);
    reg_write(VIRTIO_MMIO_STATUS, S_ACK);  /* would clear bits: they stay */
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_NEEDS_RESET);  /* the device's bit: not the driver's to set */
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS) & S_NEEDS_RESET, 0);
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK | VIRTIO_CONFIG_S_FAILED);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK |
                                                    VIRTIO_CONFIG_S_FAILED);
    ck_assert_uint_eq(t.dev.driver_errors, 0);
}
END_TEST

START_TEST(test_mmio_queue_size_not_a_power_of_two)
{
    assert_queue_refused(3, DESC_ADDR, AVAIL_ADDR, USED_ADDR,
                         "queue 0: queue size 3 is not a power of two in [1, 256]");
    /* Before DRIVER_OK the spec asks for no interrupt ... */
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    ck_assert_uint_eq(t.line.count, 0);
    /* ... and at DRIVER_OK the configuration change one. */
    driver_ok();
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
    ck_assert_int_eq(t.line.level, 1);
    ck_assert_int_eq(t.line.rises, 1);
}
END_TEST

START_TEST(test_mmio_queue_size_above_the_maximum)
{
    assert_queue_refused(512, DESC_ADDR, AVAIL_ADDR, USED_ADDR,
                         "queue 0: queue size 512 is not a power of two in [1, 256]");
    assert_queue_refused(0, DESC_ADDR, AVAIL_ADDR, USED_ADDR, "queue size 0 is not");  /* negotiate() resets first */
}
END_TEST

START_TEST(test_mmio_queue_ring_outside_ram)
{
    assert_queue_refused(8, DESC_ADDR, AVAIL_ADDR, 0x100000000ull,  /* 4 GiB: past the MiB of RAM */
                         "queue 0: used ring [0x100000000, +70) is outside guest RAM (1048576 bytes)");
}
END_TEST

START_TEST(test_mmio_queue_registers_ignored_while_ready)
{
    driver_setup(8);
    reg_write(VIRTIO_MMIO_QUEUE_NUM, 16);
    reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x5000);
    reg_write(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 1);
    reg_write(VIRTIO_MMIO_QUEUE_USED_LOW, 0x7000);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_NUM), 8);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_DESC_LOW), DESC_ADDR);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_AVAIL_HIGH), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_USED_LOW), USED_ADDR);
    reg_write(VIRTIO_MMIO_QUEUE_READY, 1);  /* again: nothing changes */
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 1);
    /* A queue the device lacks takes nothing. */
    reg_write(VIRTIO_MMIO_QUEUE_SEL, 1);
    reg_write(VIRTIO_MMIO_QUEUE_NUM, 8);
    reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, 0x5000);
    reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_NUM), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_DESC_LOW), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 0);
    ck_assert_int_eq(t.dev.queues[1].ready, 0);
    ck_assert_uint_eq(t.dev.driver_errors, 0);
}
END_TEST

START_TEST(test_mmio_queue_ready_zero_disables)
{
    driver_setup(8);
    reg_write(VIRTIO_MMIO_QUEUE_READY, 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 0);
    /* Now the queue registers take writes again, and a new size. */
    reg_write(VIRTIO_MMIO_QUEUE_NUM, 16);
    reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 1);
    ck_assert_uint_eq(t.dev.queues[0].size, 16);
    t.qsize = 16;
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(test_mmio_reset)
{
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 1, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, 1);  /* and a driver error on top */
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
    ck_assert_int_eq(t.line.level, 1);

    reg_write(VIRTIO_MMIO_STATUS, 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    ck_assert_int_eq(t.line.level, 0);
    ck_assert_uint_eq(t.dev.driver_features, 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_SEL), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_READY), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_NUM), 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_QUEUE_DESC_LOW), 0);
    ck_assert_ptr_nonnull(strstr(t.dev.error, "QueueNotify for queue 1"));  /* the record stays */
    /* And it works as new. */
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 2, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
}
END_TEST

START_TEST(test_mmio_config_space)
{
    ck_assert_uint_eq(config_read(0, 8), DISK_SECTORS);  /* capacity */
    ck_assert_uint_eq(config_read(0, 4), DISK_SECTORS);
    ck_assert_uint_eq(config_read(4, 4), 0);
    ck_assert_uint_eq(config_read(1, 1), DISK_SECTORS >> 8);
    ck_assert_uint_eq(config_read(0, 2), DISK_SECTORS);
    ck_assert_uint_eq(config_read(12, 4), MHV_VIRTQ_MAX_SIZE - 2);  /* seg_max */
    ck_assert_uint_eq(config_read(8, 4), 0);                        /* size_max: not offered */
    ck_assert_uint_eq(config_read(20, 4), 0);                       /* blk_size: not offered */
    ck_assert_uint_eq(config_read(sizeof(struct virtio_blk_config) - 2, 4), 0);  /* straddles the end */
    ck_assert_uint_eq(config_read(0x200, 4), 0);                    /* far past it */
    ck_assert_uint_eq(config_read(0xEFC, 4), 0);                    /* the page's last word */
    ck_assert_int_eq(mhv_virtio_mmio_ops.write(&t.dev, VIRTIO_MMIO_CONFIG, 4, 1), MHV_BUS_OK);
    ck_assert_uint_eq(config_read(0, 8), DISK_SECTORS);             /* nothing writable */
    ck_assert_uint_eq(t.dev.driver_errors, 0);
    /* A large disk needs both halves. */
    attach_disk((struct mhv_virtio_blk_disk){ .fd = t.fd, .sectors = 0x123456789ull }, NULL);
    ck_assert_uint_eq(config_read(0, 4), 0x23456789u);
    ck_assert_uint_eq(config_read(4, 4), 0x1);
}
END_TEST

START_TEST(test_mmio_registers_take_32_bit_accesses)
{
    uint64_t value = 0x55;
    mhv_virtio_mmio_ops.read(&t.dev, VIRTIO_MMIO_MAGIC_VALUE, 1, &value);
    ck_assert_uint_eq(value, 0);
    assert_needs_reset("1-byte read at register offset 0x000: registers take aligned 32-bit accesses");
    reg_write(VIRTIO_MMIO_STATUS, 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), 0);
    ck_assert_int_eq(mhv_virtio_mmio_ops.write(&t.dev, VIRTIO_MMIO_STATUS + 1, 4, S_ACK), MHV_BUS_OK);
    assert_needs_reset("4-byte write at register offset 0x071");
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), S_NEEDS_RESET);  /* and S_ACK was not taken */
    ck_assert_int_eq(mhv_virtio_mmio_ops.write(&t.dev, VIRTIO_MMIO_QUEUE_SEL, 8, 0), MHV_BUS_OK);
    assert_needs_reset("8-byte write at register offset 0x030");
}
END_TEST

START_TEST(test_mmio_driver_ok_before_features_ok)
{
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER);
    reg_write(VIRTIO_MMIO_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
    assert_needs_reset("DRIVER_OK before FEATURES_OK");
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
    ck_assert_int_eq(t.line.level, 1);
}
END_TEST

START_TEST(test_mmio_notify_before_driver_ok_is_ignored)
{
    ck_assert_uint_eq(negotiate(~0ull), S_ACK | S_DRIVER | S_FEATURES_OK);
    queue_setup(0, 8, DESC_ADDR, AVAIL_ADDR, USED_ADDR);
    blk_request(VIRTIO_BLK_T_IN, 0, SECTOR, 1);
    notify();
    ck_assert_uint_eq(used_idx(), 0);
    ck_assert_uint_eq(t.dev.notifies, 1);
    ck_assert_uint_eq(t.dev.driver_errors, 0);
    driver_ok();
    notify();  /* now it is taken */
    ck_assert_uint_eq(used_idx(), 1);
}
END_TEST

START_TEST(test_mmio_notify_for_a_queue_not_ready)
{
    driver_setup(8);
    reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    assert_needs_reset("QueueNotify for queue 1, which is not ready");
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
    reg_write(VIRTIO_MMIO_STATUS, 0);
    driver_setup(8);
    reg_write(VIRTIO_MMIO_QUEUE_READY, 0);
    notify();
    assert_needs_reset("QueueNotify for queue 0, which is not ready");
}
END_TEST

START_TEST(test_mmio_needs_reset_stops_the_device)
{
    driver_setup(8);
    struct seg bad[] = { { alloc(16), 16, 1 }, { alloc(1), 1, 1 } };  /* the header is device-writable */
    offer(make_chain(bad, 2));
    assert_request_refused("request of 0 device-readable bytes: its header needs 16");
    uint64_t errors = t.dev.driver_errors;
    struct blk_req r = blk_request(VIRTIO_BLK_T_IN, 0, SECTOR, 1);  /* a good one: not taken now */
    notify();
    ck_assert_uint_eq(used_idx(), 0);
    ck_assert_uint_eq(get8(r.status), 0xEE);
    ck_assert_uint_eq(t.dev.driver_errors, errors);
    reg_write(VIRTIO_MMIO_STATUS, 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS), 0);
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(test_mmio_on_the_bus)
{
    struct mhv_bus bus;
    char bus_err[128];
    mhv_bus_init(&bus, MHV_BUS_MMIO);
    ck_assert_int_eq(mhv_bus_attach(&bus, 0xd0000000ull, MHV_VIRTIO_MMIO_SIZE, "virtio-blk", &mhv_virtio_mmio_ops,
                                    &t.dev, bus_err, sizeof bus_err), 0);
    uint64_t value = 0;
    ck_assert_ptr_nonnull(mhv_bus_read(&bus, 0xd0000000ull, 4, &value));
    ck_assert_uint_eq(value, 0x74726976);
    ck_assert_ptr_nonnull(mhv_bus_read(&bus, 0xd0000000ull + VIRTIO_MMIO_DEVICE_ID, 4, &value));
    ck_assert_uint_eq(value, VIRTIO_ID_BLOCK);
    ck_assert_ptr_nonnull(mhv_bus_read(&bus, 0xd0000000ull + VIRTIO_MMIO_CONFIG, 8, &value));
    ck_assert_uint_eq(value, DISK_SECTORS);
    enum mhv_bus_result result;
    ck_assert_ptr_nonnull(mhv_bus_write(&bus, 0xd0000000ull + VIRTIO_MMIO_STATUS, 4, S_ACK, &result));
    ck_assert_int_eq(result, MHV_BUS_OK);
    ck_assert_uint_eq(t.dev.status, S_ACK);
    ck_assert_ptr_null(mhv_bus_read(&bus, 0xd0001000ull, 4, &value));  /* one page only */
}
END_TEST

/* ===== the interrupt line ======================================================= */

START_TEST(test_irq_completion_raises_and_ack_lowers)
{
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    ck_assert_int_eq(t.line.level, 1);
    ck_assert_int_eq(t.line.rises, 1);
    ck_assert_uint_eq(t.line.irq, 5);
    ck_assert_uint_eq(handle_interrupt(), VIRTIO_MMIO_INT_VRING);
    ck_assert_int_eq(t.line.level, 0);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    ck_assert_uint_eq(t.line.count, 2);
    ck_assert_int_eq(t.line.levels[0], 1);
    ck_assert_int_eq(t.line.levels[1], 0);
    ck_assert_uint_eq(t.dev.interrupts, 1);
}
END_TEST

START_TEST(test_irq_completion_while_the_line_is_high)
{
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    /* The handler has not run yet: a second completion makes no new edge ... */
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 1, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    ck_assert_int_eq(t.line.rises, 1);
    ck_assert_uint_eq(t.line.count, 1);
    /* ... and needs none: when the handler acknowledges, both are in the
     * used ring it then scans. */
    ck_assert_uint_eq(handle_interrupt(), VIRTIO_MMIO_INT_VRING);
    ck_assert_uint_eq(used_idx(), 2);
    ck_assert_int_eq(t.line.level, 0);
    /* After the ACK the next completion is a new edge. */
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 2, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    ck_assert_int_eq(t.line.rises, 2);
    ck_assert_int_eq(t.line.level, 1);
}
END_TEST

START_TEST(test_irq_partial_ack_gives_a_fresh_edge)
{
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, 1);  /* a driver error: the configuration interrupt too */
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
    ck_assert_int_eq(t.line.rises, 1);
    reg_write(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
    ck_assert_int_eq(t.line.level, 1);
    ck_assert_int_eq(t.line.rises, 2);  /* lowered and raised again */
    ck_assert_uint_eq(t.line.count, 3);
    ck_assert_int_eq(t.line.levels[1], 0);
    ck_assert_int_eq(t.line.levels[2], 1);
    reg_write(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
    ck_assert_int_eq(t.line.level, 0);
    ck_assert_uint_eq(t.dev.interrupts, 2);
}
END_TEST

START_TEST(test_irq_ack_of_nothing_pending)
{
    driver_setup(8);
    reg_write(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
    ck_assert_uint_eq(t.line.count, 0);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    reg_write(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);  /* not the pending one */
    reg_write(VIRTIO_MMIO_INTERRUPT_ACK, 0);
    ck_assert_uint_eq(t.line.count, 1);
    ck_assert_int_eq(t.line.level, 1);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
    reg_write(VIRTIO_MMIO_INTERRUPT_STATUS, 0);  /* read-only */
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
}
END_TEST

START_TEST(test_irq_not_when_the_driver_says_so)
{
    driver_setup(8);
    put16(AVAIL_ADDR, VRING_AVAIL_F_NO_INTERRUPT);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    ck_assert_uint_eq(t.line.count, 0);
    put16(AVAIL_ADDR, 0);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    ck_assert_int_eq(t.line.level, 1);
    /* A notify with nothing new answers nothing, and interrupts for nothing. */
    ck_assert_uint_eq(handle_interrupt(), VIRTIO_MMIO_INT_VRING);
    notify();
    ck_assert_uint_eq(t.line.rises, 1);
    ck_assert_uint_eq(used_idx(), 2);
}
END_TEST

static void pic_write(struct mhv_pic *pic, uint64_t port, uint8_t value)
{
    ck_assert_int_eq(mhv_pic_ops.write(pic, port, 1, value), MHV_BUS_OK);
}

START_TEST(test_irq_reaches_the_pic)
{
    struct mhv_pic pic;
    mhv_pic_init(&pic);
    pic_write(&pic, 0, 0x11);  /* ICW1: edge, cascade, ICW4 */
    pic_write(&pic, 1, 0x20);  /* ICW2: vectors 0x20.. */
    pic_write(&pic, 1, 0x04);
    pic_write(&pic, 1, 0x01);
    pic_write(&pic, 1, 0x00);  /* all unmasked */
    mhv_virtio_mmio_init(&t.dev, &mhv_virtio_blk_ops, &t.blk, t.memory,
                         (struct mhv_irq_line){ .set_level = mhv_pic_set_level, .controller = &pic, .irq = 5 });
    driver_setup(8);
    ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    for (unsigned round = 0; round < 3; round++) {
        ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, round, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
        ck_assert_int_eq(mhv_pic_pending_vector(&pic), 0x25);
        ck_assert_int_eq(mhv_pic_acknowledge(&pic), 0x25);
        ck_assert_uint_eq(handle_interrupt(), VIRTIO_MMIO_INT_VRING);
        pic_write(&pic, 0, 0x20);  /* EOI */
        ck_assert_int_eq(mhv_pic_pending_vector(&pic), -1);
    }
}
END_TEST

START_TEST(test_irq_configuration_change_on_a_driver_error)
{
    driver_setup(8);
    struct seg segs[] = { { RAM_SIZE - 4, 16, 0 }, { alloc(1), 1, 1 } };
    offer(make_chain(segs, 2));
    notify();
    assert_needs_reset("queue 0: descriptor 0: buffer [0xffffc, +16) is outside guest RAM");
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
    ck_assert_int_eq(t.line.level, 1);
    ck_assert_int_eq(t.line.rises, 1);
    /* A second error changes the message, not the line. */
    uint64_t value;
    mhv_virtio_mmio_ops.read(&t.dev, VIRTIO_MMIO_STATUS, 2, &value);
    assert_needs_reset("2-byte read at register offset 0x070");
    ck_assert_uint_eq(t.dev.driver_errors, 2);
    ck_assert_int_eq(t.line.rises, 1);
    ck_assert_uint_eq(handle_interrupt(), VIRTIO_MMIO_INT_CONFIG);
    ck_assert_int_eq(t.line.level, 0);
}
END_TEST

/* ===== the block device ======================================================== */

START_TEST(test_blk_read)
{
    driver_setup(8);
    struct blk_req r;
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 3, 2 * SECTOR, 1, 2 * SECTOR + 1, &r), VIRTIO_BLK_S_OK);
    assert_ram_pattern(r.data, 3 * SECTOR, 2 * SECTOR);
    ck_assert_uint_eq(t.blk.reads, 1);
    /* The last sector, and a read of nothing at the end. */
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, SECTOR, 1, SECTOR + 1, &r), VIRTIO_BLK_S_OK);
    assert_ram_pattern(r.data, (DISK_SECTORS - 1) * SECTOR, SECTOR);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, DISK_SECTORS, 0, 1, 1, NULL), VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(test_blk_read_in_any_layout)
{
    driver_setup(8);
    uint64_t header = alloc(16), a = alloc(100), b = alloc(700), c = alloc(225);
    put32(header, VIRTIO_BLK_T_IN);
    put32(header + 4, 0);
    put64(header + 8, 5);
    put8(c + 224, 0xEE);
    /* The header cut in two, the data in three, the status in the last data buffer. */
    struct seg segs[] = { { header, 8, 0 }, { header + 8, 8, 0 }, { a, 100, 1 }, { b, 700, 1 }, { c, 225, 1 } };
    uint16_t head = make_chain(segs, 5);
    offer(head);
    notify();
    ck_assert_uint_eq(used_idx(), 1);
    ck_assert_uint_eq(used_id(0), head);
    ck_assert_uint_eq(used_len(0), 1025);
    ck_assert_uint_eq(get8(c + 224), VIRTIO_BLK_S_OK);
    assert_ram_pattern(a, 5 * SECTOR, 100);
    assert_ram_pattern(b, 5 * SECTOR + 100, 700);
    assert_ram_pattern(c, 5 * SECTOR + 800, 224);
}
END_TEST

START_TEST(test_blk_write)
{
    driver_setup(8);
    struct blk_req r = blk_request(VIRTIO_BLK_T_OUT, 7, 2 * SECTOR, 0);
    for (unsigned i = 0; i < 2 * SECTOR; i++)
        put8(r.data + i, (uint8_t)(i ^ 0x5A));
    notify();
    ck_assert_uint_eq(used_idx(), 1);
    ck_assert_uint_eq(used_len(0), 1);
    ck_assert_uint_eq(get8(r.status), VIRTIO_BLK_S_OK);
    uint8_t disk[2 * SECTOR];
    ck_assert_int_eq(pread(t.fd, disk, sizeof disk, 7 * SECTOR), (ssize_t)sizeof disk);
    for (unsigned i = 0; i < 2 * SECTOR; i++)
        ck_assert_uint_eq(disk[i], (uint8_t)(i ^ 0x5A));
    assert_disk_pattern(6 * SECTOR, SECTOR);  /* the neighbours are untouched */
    assert_disk_pattern(9 * SECTOR, SECTOR);
    ck_assert_uint_eq(t.blk.writes, 1);
    /* Read back through the device. */
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 7, 2 * SECTOR, 1, 2 * SECTOR + 1, &r), VIRTIO_BLK_S_OK);
    for (unsigned i = 0; i < 2 * SECTOR; i++)
        ck_assert_uint_eq(get8(r.data + i), (uint8_t)(i ^ 0x5A));
}
END_TEST

START_TEST(test_blk_write_in_any_layout)
{
    driver_setup(8);
    uint64_t request = alloc(16 + SECTOR), status = alloc(1);
    put32(request, VIRTIO_BLK_T_OUT);
    put64(request + 8, 2);
    memset(t.ram + request + 16, 0xC3, SECTOR);
    struct seg segs[] = { { request, 16 + SECTOR, 0 }, { status, 1, 1 } };  /* header and data in one */
    offer(make_chain(segs, 2));
    notify();
    ck_assert_uint_eq(get8(status), VIRTIO_BLK_S_OK);
    uint8_t disk[SECTOR], want[SECTOR];
    memset(want, 0xC3, sizeof want);
    ck_assert_int_eq(pread(t.fd, disk, SECTOR, 2 * SECTOR), SECTOR);
    ck_assert_mem_eq(disk, want, SECTOR);
}
END_TEST

START_TEST(test_blk_flush_after_write)
{
    driver_setup(8);
    struct blk_req r = blk_request(VIRTIO_BLK_T_OUT, 0, SECTOR, 0);
    memset(t.ram + r.data, 0x77, SECTOR);
    notify();
    ck_assert_uint_eq(get8(r.status), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 1, NULL), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(t.blk.flushes, 1);
    /* What the guest was told is written is in the file, for anyone. */
    int other = open(t.disk_path, O_RDONLY);
    ck_assert_int_ge(other, 0);
    uint8_t disk[SECTOR], want[SECTOR];
    memset(want, 0x77, sizeof want);
    ck_assert_int_eq(pread(other, disk, SECTOR, 0), SECTOR);
    close(other);
    ck_assert_mem_eq(disk, want, SECTOR);
}
END_TEST

START_TEST(test_blk_get_id)
{
    driver_setup(8);
    struct blk_req r;
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, 1, VIRTIO_BLK_ID_BYTES + 1, &r),
                      VIRTIO_BLK_S_OK);
    char want[VIRTIO_BLK_ID_BYTES] = "mhv-test-disk";  /* NUL-padded */
    ck_assert_mem_eq(t.ram + r.data, want, VIRTIO_BLK_ID_BYTES);
    /* A buffer of 10 gets 10. */
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_GET_ID, 0, 10, 1, 11, &r), VIRTIO_BLK_S_OK);
    ck_assert_mem_eq(t.ram + r.data, "mhv-test-d", 10);
    ck_assert_uint_eq(t.blk.get_ids, 2);
    /* A serial of 20 or more: its first 20 bytes, no NUL. */
    attach_disk((struct mhv_virtio_blk_disk){ .fd = t.fd, .sectors = DISK_SECTORS }, "0123456789abcdefghijKLMN");
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_GET_ID, 0, 32, 1, VIRTIO_BLK_ID_BYTES + 1, &r), VIRTIO_BLK_S_OK);
    ck_assert_mem_eq(t.ram + r.data, "0123456789abcdefghij", VIRTIO_BLK_ID_BYTES);
    ck_assert_uint_eq(get8(r.data + VIRTIO_BLK_ID_BYTES), 0);  /* the rest of the buffer is left alone */
    /* No serial: all NULs. */
    attach_disk((struct mhv_virtio_blk_disk){ .fd = t.fd, .sectors = DISK_SECTORS }, NULL);
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, 1, VIRTIO_BLK_ID_BYTES + 1, &r),
                      VIRTIO_BLK_S_OK);
    char zeros[VIRTIO_BLK_ID_BYTES] = { 0 };
    ck_assert_mem_eq(t.ram + r.data, zeros, VIRTIO_BLK_ID_BYTES);
}
END_TEST

START_TEST(test_blk_unsupported_types)
{
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_DISCARD, 0, 16, 0, 1, NULL), VIRTIO_BLK_S_UNSUPP);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_WRITE_ZEROES, 0, 16, 0, 1, NULL), VIRTIO_BLK_S_UNSUPP);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_SCSI_CMD, 0, 0, 0, 1, NULL), VIRTIO_BLK_S_UNSUPP);
    ck_assert_uint_eq(blk_do(0x1234, 0, 0, 0, 1, NULL), VIRTIO_BLK_S_UNSUPP);
    ck_assert_uint_eq(t.blk.unsupported, 4);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS) & S_NEEDS_RESET, 0);
    assert_disk_pattern(0, SECTOR);
}
END_TEST

START_TEST(test_blk_read_only)
{
    attach_disk((struct mhv_virtio_blk_disk){ .fd = t.fd, .sectors = DISK_SECTORS, .read_only = 1 }, NULL);
    reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    ck_assert_uint_ne(reg_read(VIRTIO_MMIO_DEVICE_FEATURES) & F(VIRTIO_BLK_F_RO), 0);
    driver_setup(8);
    ck_assert_uint_ne(t.dev.driver_features & F(VIRTIO_BLK_F_RO), 0);
    struct blk_req r = blk_request(VIRTIO_BLK_T_OUT, 0, SECTOR, 0);
    memset(t.ram + r.data, 0, SECTOR);
    notify();
    ck_assert_uint_eq(get8(r.status), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(used_len(0), 1);
    assert_disk_pattern(0, SECTOR);
    ck_assert_int_eq(t.blk.last_errno, EROFS);
    ck_assert_uint_eq(t.blk.io_errors, 1);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, SECTOR + 1, &r), VIRTIO_BLK_S_OK);
    assert_ram_pattern(r.data, 0, SECTOR);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 1, NULL), VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(test_blk_beyond_the_capacity)
{
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, DISK_SECTORS, SECTOR, 1, 1, NULL), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 2 * SECTOR, 1, 1, NULL), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_OUT, DISK_SECTORS - 1, 2 * SECTOR, 0, 1, NULL), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, UINT64_MAX, SECTOR, 1, 1, NULL), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_OUT, UINT64_MAX / SECTOR + 1, SECTOR, 0, 1, NULL), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(t.blk.io_errors, 5);
    ck_assert_int_eq(t.blk.last_errno, 0);  /* the device's refusal, not the host's */
    assert_disk_pattern((DISK_SECTORS - 1) * SECTOR, SECTOR);
    struct stat st;
    ck_assert_int_eq(fstat(t.fd, &st), 0);
    ck_assert_int_eq(st.st_size, DISK_SECTORS * SECTOR);  /* the file did not grow */
}
END_TEST

START_TEST(test_blk_partial_sector)
{
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, 100, 1, 1, NULL), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_OUT, 0, SECTOR + 1, 0, 1, NULL), VIRTIO_BLK_S_IOERR);
    assert_disk_pattern(0, 2 * SECTOR);
}
END_TEST

START_TEST(test_blk_host_io_errors)
{
    /* A descriptor open for reading only, on a disk said to be writable. */
    int read_only_fd = open(t.disk_path, O_RDONLY);
    ck_assert_int_ge(read_only_fd, 0);
    attach_disk((struct mhv_virtio_blk_disk){ .fd = read_only_fd, .sectors = DISK_SECTORS }, NULL);
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_OUT, 0, SECTOR, 0, 1, NULL), VIRTIO_BLK_S_IOERR);
    ck_assert_int_eq(t.blk.last_errno, EBADF);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, SECTOR + 1, NULL), VIRTIO_BLK_S_OK);
    close(read_only_fd);
    /* No descriptor at all. */
    attach_disk((struct mhv_virtio_blk_disk){ .fd = -1, .sectors = DISK_SECTORS }, NULL);
    driver_setup(8);
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 0, SECTOR, 1, 1, NULL), VIRTIO_BLK_S_IOERR);
    ck_assert_int_eq(t.blk.last_errno, EBADF);
    t.blk.last_errno = 0;
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 1, NULL), VIRTIO_BLK_S_IOERR);
    ck_assert_int_eq(t.blk.last_errno, EBADF);
    ck_assert_uint_eq(t.blk.io_errors, 2);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_STATUS) & S_NEEDS_RESET, 0);  /* the host's fault, not the driver's */
}
END_TEST

START_TEST(test_blk_file_shrank)
{
    driver_setup(8);
    ck_assert_int_eq(ftruncate(t.fd, 8 * SECTOR), 0);
    struct blk_req r;
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 7, 2 * SECTOR, 1, 1, &r), VIRTIO_BLK_S_IOERR);
    ck_assert_int_eq(t.blk.last_errno, 0);  /* the file ended early */
    ck_assert_uint_eq(blk_do(VIRTIO_BLK_T_IN, 7, SECTOR, 1, SECTOR + 1, &r), VIRTIO_BLK_S_OK);
}
END_TEST

START_TEST(test_blk_several_requests_in_one_notify)
{
    driver_setup(16);  /* nine descriptors in flight at once */
    struct blk_req a = blk_request(VIRTIO_BLK_T_IN, 10, SECTOR, 1);
    struct blk_req b = blk_request(VIRTIO_BLK_T_OUT, 11, SECTOR, 0);
    memset(t.ram + b.data, 0x99, SECTOR);
    struct blk_req c = blk_request(VIRTIO_BLK_T_IN, 11, SECTOR, 1);  /* after b: sees its data */
    notify();
    ck_assert_uint_eq(used_idx(), 3);
    ck_assert_uint_eq(used_id(0), a.head);
    ck_assert_uint_eq(used_id(1), b.head);
    ck_assert_uint_eq(used_id(2), c.head);
    ck_assert_uint_eq(used_len(0), SECTOR + 1);
    ck_assert_uint_eq(used_len(1), 1);
    ck_assert_uint_eq(used_len(2), SECTOR + 1);
    ck_assert_uint_eq(get8(a.status), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(get8(b.status), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(get8(c.status), VIRTIO_BLK_S_OK);
    assert_ram_pattern(a.data, 10 * SECTOR, SECTOR);
    ck_assert_mem_eq(t.ram + c.data, t.ram + b.data, SECTOR);
    ck_assert_int_eq(t.line.rises, 1);  /* one interrupt for the three */
    ck_assert_uint_eq(t.dev.queues[0].chains, 3);
}
END_TEST

START_TEST(test_blk_chain_of_the_whole_queue)
{
    driver_setup(MHV_VIRTQ_MAX_SIZE);
    uint32_t seg_max = (uint32_t)config_read(12, 4);
    ck_assert_uint_eq(seg_max, MHV_VIRTQ_MAX_SIZE - 2);
    static struct seg segs[MHV_VIRTQ_MAX_SIZE];
    uint64_t header = alloc(16), status = alloc(1);
    put32(header, VIRTIO_BLK_T_IN);
    put64(header + 8, 0);
    segs[0] = (struct seg){ header, 16, 0 };
    uint64_t data = alloc(seg_max * SECTOR);
    for (uint32_t i = 0; i < seg_max; i++)
        segs[1 + i] = (struct seg){ data + (uint64_t)i * SECTOR, SECTOR, 1 };
    segs[1 + seg_max] = (struct seg){ status, 1, 1 };
    uint16_t head = make_chain(segs, seg_max + 2);
    offer(head);
    notify();
    ck_assert_str_eq(t.dev.error, "");
    ck_assert_uint_eq(used_idx(), 1);
    ck_assert_uint_eq(used_len(0), seg_max * SECTOR + 1);
    ck_assert_uint_eq(get8(status), VIRTIO_BLK_S_OK);
    assert_ram_pattern(data, 0, (uint64_t)seg_max * SECTOR);
}
END_TEST

START_TEST(test_blk_header_must_be_device_readable)
{
    driver_setup(8);
    uint64_t header = alloc(16), status = alloc(1);
    put32(header, VIRTIO_BLK_T_IN);
    struct seg segs[] = { { header, 8, 0 }, { header + 8, 8, 1 }, { status, 1, 1 } };  /* half of it writable */
    offer(make_chain(segs, 3));
    assert_request_refused("queue 0: request of 8 device-readable bytes: its header needs 16");
}
END_TEST

START_TEST(test_blk_needs_a_status_byte)
{
    driver_setup(8);
    uint64_t header = alloc(16);
    put32(header, VIRTIO_BLK_T_FLUSH);
    struct seg segs[] = { { header, 16, 0 } };
    offer(make_chain(segs, 1));
    assert_request_refused("request without a device-writable byte for its status");
}
END_TEST

START_TEST(test_blk_read_into_device_readable_buffers)
{
    driver_setup(8);
    struct blk_req r = blk_request(VIRTIO_BLK_T_IN, 0, SECTOR, 0);  /* data marked device-readable */
    assert_request_refused("read request with 512 device-readable data bytes "
                           "(its data buffers must be device-writable)");
    ck_assert_uint_eq(get8(r.status), 0xEE);
    ck_assert_uint_eq(t.blk.reads, 0);
}
END_TEST

START_TEST(test_blk_write_from_device_writable_buffers)
{
    driver_setup(8);
    struct blk_req r = blk_request(VIRTIO_BLK_T_OUT, 0, SECTOR, 1);  /* data marked device-writable */
    memset(t.ram + r.data, 0, SECTOR);
    assert_request_refused("write request with 512 device-writable data bytes "
                           "(its data buffers must be device-readable)");
    assert_disk_pattern(0, SECTOR);
}
END_TEST

START_TEST(test_blk_chain_loop_at_notify)
{
    driver_setup(8);
    uint64_t header = alloc(16);
    put_desc(0, header, 16, VRING_DESC_F_NEXT, 1);
    put_desc(1, alloc(1), 1, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
    offer(0);
    assert_request_refused("queue 0: the chain from descriptor 0 is longer than the table (8): a loop");
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
}
END_TEST

START_TEST(test_blk_good_requests_before_a_bad_one)
{
    driver_setup(8);
    struct blk_req good = blk_request(VIRTIO_BLK_T_IN, 0, SECTOR, 1);
    struct seg bad[] = { { alloc(16), 16, 0 } };  /* no status byte */
    offer(make_chain(bad, 1));
    notify();
    ck_assert_uint_eq(used_idx(), 1);  /* the first was answered, and is signalled */
    ck_assert_uint_eq(get8(good.status), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(reg_read(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
    assert_needs_reset("without a device-writable byte");
}
END_TEST

/* ===== opening a disk =========================================================== */

static char open_err[256];

static int disk_open(const char *path, int read_only, struct mhv_virtio_blk_disk *disk)
{
    open_err[0] = '\0';
    return mhv_virtio_blk_disk_open(disk, path, read_only, open_err, sizeof open_err);
}

/* mhv_virtio_blk_disk_open as an unprivileged user, so that permissions
 * apply even when the suite runs as root: in a child, which drops to
 * nobody first. */
static int disk_open_unprivileged(const char *path, int read_only)
{
    int pipe_fds[2];
    ck_assert_int_eq(pipe(pipe_fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(pipe_fds[0]);
        if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
            _exit(2);
        struct mhv_virtio_blk_disk disk;
        int rc = disk_open(path, read_only, &disk);
        char answer[sizeof open_err + 1];
        answer[0] = rc == 0 ? '0' : '1';
        memcpy(answer + 1, open_err, sizeof open_err);
        _exit(write(pipe_fds[1], answer, sizeof answer) == (ssize_t)sizeof answer ? 0 : 3);
    }
    close(pipe_fds[1]);
    char answer[sizeof open_err + 1] = { 0 };
    ssize_t got = read(pipe_fds[0], answer, sizeof answer);
    close(pipe_fds[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the unprivileged child failed (%d)", status);
    ck_assert_int_eq(got, (ssize_t)sizeof answer);
    memcpy(open_err, answer + 1, sizeof open_err);
    return answer[0] == '0' ? 0 : -1;
}

START_TEST(test_disk_open_a_good_image)
{
    struct mhv_virtio_blk_disk disk;
    const char *path = make_file("good.img", 3 * SECTOR, 0600);
    ck_assert_msg(disk_open(path, 0, &disk) == 0, "%s", open_err);
    ck_assert_uint_eq(disk.sectors, 3);
    ck_assert_int_eq(disk.read_only, 0);
    ck_assert_int_ge(disk.fd, 0);
    ck_assert_int_eq(pwrite(disk.fd, "x", 1, 0), 1);  /* open for writing */
    ck_assert_int_ne(fcntl(disk.fd, F_GETFD) & FD_CLOEXEC, 0);
    mhv_virtio_blk_disk_close(&disk);
    ck_assert_int_eq(disk.fd, -1);
    mhv_virtio_blk_disk_close(&disk);  /* twice is harmless */
    ck_assert_msg(disk_open(path, 1, &disk) == 0, "%s", open_err);
    ck_assert_int_eq(disk.read_only, 1);
    ck_assert_int_eq(pwrite(disk.fd, "x", 1, 0), -1);  /* open for reading only */
    mhv_virtio_blk_disk_close(&disk);
}
END_TEST

START_TEST(test_disk_open_missing)
{
    struct mhv_virtio_blk_disk disk;
    const char *path = test_path("missing.img");
    ck_assert_int_eq(disk_open(path, 0, &disk), -1);
    char want[256];
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    ck_assert_str_eq(open_err, want);
}
END_TEST

START_TEST(test_disk_open_not_a_file)
{
    struct mhv_virtio_blk_disk disk;
    char want[256];
    ck_assert_int_eq(disk_open(t.dir, 1, &disk), -1);
    snprintf(want, sizeof want, "%s: not a regular file or block device", t.dir);
    ck_assert_str_eq(open_err, want);
    ck_assert_int_eq(disk_open("/dev/null", 0, &disk), -1);
    ck_assert_str_eq(open_err, "/dev/null: not a regular file or block device");
    const char *fifo = test_path("fifo");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(disk_open(fifo, 0, &disk), -1);  /* and without blocking in open() */
    ck_assert_ptr_nonnull(strstr(open_err, "fifo: not a regular file or block device"));
}
END_TEST

START_TEST(test_disk_open_size_not_whole_sectors)
{
    struct mhv_virtio_blk_disk disk;
    const char *path = make_file("odd.img", 1000, 0600);
    ck_assert_int_eq(disk_open(path, 0, &disk), -1);
    char want[512];
    snprintf(want, sizeof want, "%s: 1000 bytes is not a whole number of 512-byte sectors "
             "(if it is a disk image, `truncate -s %%512 %s` pads it)", path, path);
    ck_assert_str_eq(open_err, want);
}
END_TEST

START_TEST(test_disk_open_empty)
{
    struct mhv_virtio_blk_disk disk;
    const char *path = make_file("empty.img", 0, 0600);
    ck_assert_int_eq(disk_open(path, 1, &disk), -1);
    ck_assert_ptr_nonnull(strstr(open_err, "empty.img: empty; a disk needs at least one 512-byte sector"));
}
END_TEST

START_TEST(test_disk_open_not_readable)
{
    const char *path = make_file("secret.img", SECTOR, 0000);
    ck_assert_int_eq(disk_open_unprivileged(path, 1), -1);
    char want[256];
    snprintf(want, sizeof want, "%s: not readable (Permission denied)", path);
    ck_assert_str_eq(open_err, want);
    ck_assert_int_eq(disk_open_unprivileged(path, 0), -1);
    ck_assert_str_eq(open_err, want);
}
END_TEST

START_TEST(test_disk_open_not_writable)
{
    const char *path = make_file("locked.img", SECTOR, 0444);
    ck_assert_int_eq(disk_open_unprivileged(path, 0), -1);
    char want[256];
    snprintf(want, sizeof want, "%s: readable but not writable (Permission denied): use it read-only", path);
    ck_assert_str_eq(open_err, want);
    ck_assert_msg(disk_open_unprivileged(path, 1) == 0, "%s", open_err);  /* read-only is fine */
}
END_TEST

/* ===== the suite =============================================================== */

static TCase *tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup, teardown);
    suite_add_tcase(s, tc);
    return tc;
}

static Suite *virtio_suite(void)
{
    Suite *s = suite_create("mhv_virtio");
    TCase *tc = tcase(s, "memory");
    tcase_add_test(tc, test_memory_inside_and_edges);
    tcase_add_test(tc, test_memory_overflow_and_no_ram);
    tc = tcase(s, "virtqueue");
    tcase_add_test(tc, test_virtq_enable_checks_size);
    tcase_add_test(tc, test_virtq_enable_checks_areas);
    tcase_add_test(tc, test_virtq_pop_empty_then_one);
    tcase_add_test(tc, test_virtq_chain_streams);
    tcase_add_test(tc, test_virtq_push_fills_the_used_ring);
    tcase_add_test(tc, test_virtq_indexes_wrap);
    tcase_add_test(tc, test_virtq_head_and_next_outside_the_table);
    tcase_add_test(tc, test_virtq_chain_loop);
    tcase_add_test(tc, test_virtq_buffer_outside_ram);
    tcase_add_test(tc, test_virtq_indirect_descriptor);
    tcase_add_test(tc, test_virtq_readable_after_writable);
    tcase_add_test(tc, test_virtq_available_index_jumps);
    tcase_add_test(tc, test_virtq_no_interrupt_flag);
    tcase_add_test(tc, test_virtq_disable_and_enable_again);
    tc = tcase(s, "transport");
    tcase_add_test(tc, test_mmio_identity);
    tcase_add_test(tc, test_mmio_features);
    tcase_add_test(tc, test_mmio_init_sequence);
    tcase_add_test(tc, test_mmio_features_ok_needs_version_1);
    tcase_add_test(tc, test_mmio_features_ok_refuses_what_was_not_offered);
    tcase_add_test(tc, test_mmio_driver_features_frozen_after_features_ok);
    tcase_add_test(tc, test_mmio_status_bits_accumulate);
    tcase_add_test(tc, test_mmio_queue_size_not_a_power_of_two);
    tcase_add_test(tc, test_mmio_queue_size_above_the_maximum);
    tcase_add_test(tc, test_mmio_queue_ring_outside_ram);
    tcase_add_test(tc, test_mmio_queue_registers_ignored_while_ready);
    tcase_add_test(tc, test_mmio_queue_ready_zero_disables);
    tcase_add_test(tc, test_mmio_reset);
    tcase_add_test(tc, test_mmio_config_space);
    tcase_add_test(tc, test_mmio_registers_take_32_bit_accesses);
    tcase_add_test(tc, test_mmio_driver_ok_before_features_ok);
    tcase_add_test(tc, test_mmio_notify_before_driver_ok_is_ignored);
    tcase_add_test(tc, test_mmio_notify_for_a_queue_not_ready);
    tcase_add_test(tc, test_mmio_needs_reset_stops_the_device);
    tcase_add_test(tc, test_mmio_on_the_bus);
    tc = tcase(s, "interrupt");
    tcase_add_test(tc, test_irq_completion_raises_and_ack_lowers);
    tcase_add_test(tc, test_irq_completion_while_the_line_is_high);
    tcase_add_test(tc, test_irq_partial_ack_gives_a_fresh_edge);
    tcase_add_test(tc, test_irq_ack_of_nothing_pending);
    tcase_add_test(tc, test_irq_not_when_the_driver_says_so);
    tcase_add_test(tc, test_irq_reaches_the_pic);
    tcase_add_test(tc, test_irq_configuration_change_on_a_driver_error);
    tc = tcase(s, "blk");
    tcase_add_test(tc, test_blk_read);
    tcase_add_test(tc, test_blk_read_in_any_layout);
    tcase_add_test(tc, test_blk_write);
    tcase_add_test(tc, test_blk_write_in_any_layout);
    tcase_add_test(tc, test_blk_flush_after_write);
    tcase_add_test(tc, test_blk_get_id);
    tcase_add_test(tc, test_blk_unsupported_types);
    tcase_add_test(tc, test_blk_read_only);
    tcase_add_test(tc, test_blk_beyond_the_capacity);
    tcase_add_test(tc, test_blk_partial_sector);
    tcase_add_test(tc, test_blk_host_io_errors);
    tcase_add_test(tc, test_blk_file_shrank);
    tcase_add_test(tc, test_blk_several_requests_in_one_notify);
    tcase_add_test(tc, test_blk_chain_of_the_whole_queue);
    tcase_add_test(tc, test_blk_header_must_be_device_readable);
    tcase_add_test(tc, test_blk_needs_a_status_byte);
    tcase_add_test(tc, test_blk_read_into_device_readable_buffers);
    tcase_add_test(tc, test_blk_write_from_device_writable_buffers);
    tcase_add_test(tc, test_blk_chain_loop_at_notify);
    tcase_add_test(tc, test_blk_good_requests_before_a_bad_one);
    tc = tcase(s, "disk");
    tcase_add_test(tc, test_disk_open_a_good_image);
    tcase_add_test(tc, test_disk_open_missing);
    tcase_add_test(tc, test_disk_open_not_a_file);
    tcase_add_test(tc, test_disk_open_size_not_whole_sectors);
    tcase_add_test(tc, test_disk_open_empty);
    tcase_add_test(tc, test_disk_open_not_readable);
    tcase_add_test(tc, test_disk_open_not_writable);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
