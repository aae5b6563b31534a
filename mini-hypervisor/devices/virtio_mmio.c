/*
 * virtio_mmio.c -- the virtio MMIO transport, version 2 (see virtio_mmio.h).
 *
 * One read and one write callback, each a switch on the register offset;
 * the rest is the device's three pieces of state machine: the status
 * (reset, feature negotiation, DRIVER_OK, NEEDS_RESET), the queues'
 * registers, and InterruptStatus with its line.
 */
#include "virtio_mmio.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "mhv_assert.h"

#define VIRTIO_MMIO_MAGIC 0x74726976u     /* "virt" in the register's bytes */
#define VIRTIO_MMIO_VERSION_MODERN 2
#define FEATURE(bit) (1ull << (bit))

static const uint32_t interrupt_bits = VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG;

uint64_t mhv_virtio_mmio_device_features(const struct mhv_virtio_mmio *device)
{
    return device->ops->features(device->backend) | FEATURE(VIRTIO_F_VERSION_1);
}

/* What the driver may accept: only what was offered, and version 1. */
static int features_acceptable(const struct mhv_virtio_mmio *device, uint64_t features)
{
    return (features & ~mhv_virtio_mmio_device_features(device)) == 0 && (features & FEATURE(VIRTIO_F_VERSION_1));
}

/* virtio_mmio.h's invariants. */
static int device_is_sound(const struct mhv_virtio_mmio *device)
{
    if (device->line_high != (device->interrupt_status != 0) || (device->interrupt_status & ~interrupt_bits))
        return 0;
    if ((device->status & VIRTIO_CONFIG_S_FEATURES_OK) && !features_acceptable(device, device->driver_features))
        return 0;
    for (unsigned i = 0; i < MHV_VIRTIO_MAX_QUEUES; i++) {
        const struct mhv_virtq *queue = &device->queues[i];
        if (queue->ready && (i >= device->ops->queues || queue->memory.base != device->memory.base))
            return 0;
    }
    return memchr(device->error, '\0', sizeof device->error) != NULL;
}

/* ---- the interrupt line ---------------------------------------------------------- */

static void set_line(struct mhv_virtio_mmio *device, int level)
{
    mhv_irq_set(&device->irq, level);
    device->line_high = level;
    if (level)
        device->interrupts++;
}

static void raise_interrupt(struct mhv_virtio_mmio *device, uint32_t bits)
{
    int was_clear = device->interrupt_status == 0;
    device->interrupt_status |= bits;
    if (was_clear)
        set_line(device, 1);
    /* Already high: the driver has not acknowledged yet, and its handler
     * scans the rings after its ACK, so it sees this one too. */
}

static void acknowledge_interrupt(struct mhv_virtio_mmio *device, uint32_t bits)
{
    if ((device->interrupt_status & bits) == 0)
        return;  /* nothing it names is pending: the line stays as it is */
    device->interrupt_status &= ~bits;
    set_line(device, 0);
    if (device->interrupt_status != 0)
        set_line(device, 1);  /* a fresh edge for the bits left */
}

/* ---- errors, reset --------------------------------------------------------------- */

/* Records one line in error[] (the backend's name first). */
__attribute__((format(printf, 2, 3)))
static void record_error(struct mhv_virtio_mmio *device, const char *format, ...)
{
    int used = snprintf(device->error, sizeof device->error, "%s: ", device->ops->name);
    if (used >= 0 && (size_t)used < sizeof device->error) {
        va_list args;
        va_start(args, format);
        vsnprintf(device->error + used, sizeof device->error - (size_t)used, format, args);
        va_end(args);
    }
    device->driver_errors++;
}

/* After a driver error (recorded first): DEVICE_NEEDS_RESET until the
 * driver resets, and the configuration change interrupt once DRIVER_OK is
 * set. */
static void needs_reset(struct mhv_virtio_mmio *device)
{
    device->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    if (device->status & VIRTIO_CONFIG_S_DRIVER_OK)
        raise_interrupt(device, VIRTIO_MMIO_INT_CONFIG);
}

static void device_reset(struct mhv_virtio_mmio *device)
{
    device->status = 0;
    device->device_features_sel = device->driver_features_sel = 0;
    device->driver_features = 0;
    device->queue_sel = 0;
    for (unsigned i = 0; i < MHV_VIRTIO_MAX_QUEUES; i++)
        mhv_virtq_reset(&device->queues[i]);
    device->interrupt_status = 0;
    if (device->line_high)
        set_line(device, 0);
    if (device->ops->reset)
        device->ops->reset(device->backend);
}

void mhv_virtio_mmio_init(struct mhv_virtio_mmio *device, const struct mhv_virtio_device_ops *ops, void *backend,
                          struct mhv_guest_memory memory, struct mhv_irq_line irq)
{
    MHV_ASSERT(ops->queues >= 1 && ops->queues <= MHV_VIRTIO_MAX_QUEUES);
    MHV_ASSERT(ops->queue_size_max >= 1 && ops->queue_size_max <= MHV_VIRTQ_MAX_SIZE);
    *device = (struct mhv_virtio_mmio){ .ops = ops, .backend = backend, .memory = memory, .irq = irq };
    device_reset(device);
    MHV_ASSERT(device_is_sound(device));
}

/* ---- status ---------------------------------------------------------------------- */

static void write_status(struct mhv_virtio_mmio *device, uint32_t value)
{
    if (value == 0) {
        device_reset(device);
        return;
    }
    /* The driver adds bits; NEEDS_RESET is the device's alone. */
    uint32_t added = value & 0xFF & ~device->status & ~VIRTIO_CONFIG_S_NEEDS_RESET;
    if ((added & VIRTIO_CONFIG_S_FEATURES_OK) && !features_acceptable(device, device->driver_features)) {
        record_error(device, "FEATURES_OK refused: the driver accepted features 0x%llx of 0x%llx offered%s",
                     (unsigned long long)device->driver_features,
                     (unsigned long long)mhv_virtio_mmio_device_features(device),
                     device->driver_features & FEATURE(VIRTIO_F_VERSION_1) ? "" : ", without VIRTIO_F_VERSION_1");
        added &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
    }
    device->status |= added;
    if (!(added & VIRTIO_CONFIG_S_DRIVER_OK))
        return;
    if (!(device->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
        record_error(device, "DRIVER_OK before FEATURES_OK");
        needs_reset(device);
    } else if (device->status & VIRTIO_CONFIG_S_NEEDS_RESET) {
        needs_reset(device);  /* broken during setup: the interrupt is due now */
    }
}

/* ---- queues ---------------------------------------------------------------------- */

/* The selected queue, or NULL when QueueSel names none the device has. */
static struct mhv_virtq *selected_queue(struct mhv_virtio_mmio *device)
{
    return device->queue_sel < device->ops->queues ? &device->queues[device->queue_sel] : NULL;
}

static void write_queue_ready(struct mhv_virtio_mmio *device, struct mhv_virtq *queue, uint32_t value)
{
    if (!(value & 1)) {
        mhv_virtq_disable(queue);
        return;
    }
    if (queue->ready)
        return;
    char message[MHV_VIRTIO_ERROR_SIZE];
    if (mhv_virtq_enable(queue, device->memory, device->ops->queue_size_max, message, sizeof message) < 0) {
        record_error(device, "queue %u: %s", device->queue_sel, message);
        needs_reset(device);
    }
}

static void notify_queue(struct mhv_virtio_mmio *device, uint32_t index)
{
    device->notifies++;
    if (!(device->status & VIRTIO_CONFIG_S_DRIVER_OK) || (device->status & VIRTIO_CONFIG_S_NEEDS_RESET))
        return;
    if (index >= device->ops->queues || !device->queues[index].ready) {
        record_error(device, "QueueNotify for queue %u, which is not ready", index);
        needs_reset(device);
        return;
    }
    struct mhv_virtq *queue = &device->queues[index];
    uint16_t used_before = queue->next_used;
    char message[MHV_VIRTIO_ERROR_SIZE];
    int result = device->ops->queue_notify(device->backend, index, queue, message, sizeof message);
    if (queue->next_used != used_before && mhv_virtq_wants_interrupt(queue))
        raise_interrupt(device, VIRTIO_MMIO_INT_VRING);
    if (result < 0) {
        record_error(device, "queue %u: %s", index, message);
        needs_reset(device);
    }
}

/* Sets the low (high = 0) or high half of a 64-bit register. */
static void set_half(uint64_t *reg, int high, uint32_t value)
{
    if (high)
        *reg = (*reg & 0xFFFFFFFFull) | (uint64_t)value << 32;
    else
        *reg = (*reg & ~0xFFFFFFFFull) | value;
}

static uint32_t get_half(uint64_t reg, int high)
{
    return (uint32_t)(high ? reg >> 32 : reg);
}

/* ---- the registers --------------------------------------------------------------- */

/* The configuration space: size bytes at offset, little-endian; bytes past
 * its end read 0. */
static uint64_t read_config(struct mhv_virtio_mmio *device, uint64_t offset, unsigned size)
{
    uint8_t config[MHV_VIRTIO_CONFIG_MAX] = { 0 };
    size_t length = device->ops->config_read(device->backend, config, sizeof config);
    MHV_ASSERT(length <= sizeof config);
    uint64_t value = 0;
    for (unsigned i = 0; i < size && i < 8; i++)
        if (offset + i < length)
            value |= (uint64_t)config[offset + i] << (8 * i);
    return value;
}

static uint32_t read_register(struct mhv_virtio_mmio *device, uint64_t offset)
{
    struct mhv_virtq *queue = selected_queue(device);
    uint64_t features = mhv_virtio_mmio_device_features(device);
    switch (offset) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION:
        return VIRTIO_MMIO_VERSION_MODERN;
    case VIRTIO_MMIO_DEVICE_ID:
        return device->ops->device_id;
    case VIRTIO_MMIO_VENDOR_ID:
        return MHV_VIRTIO_VENDOR_ID;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return device->device_features_sel < 2 ? get_half(features, device->device_features_sel == 1) : 0;
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        return device->device_features_sel;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        return device->driver_features_sel < 2
                   ? get_half(device->driver_features, device->driver_features_sel == 1) : 0;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        return device->driver_features_sel;
    case VIRTIO_MMIO_QUEUE_SEL:
        return device->queue_sel;
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
        return queue ? device->ops->queue_size_max : 0;
    case VIRTIO_MMIO_QUEUE_NUM:
        return queue ? queue->size : 0;
    case VIRTIO_MMIO_QUEUE_READY:
        return queue ? (uint32_t)queue->ready : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS:
        return device->interrupt_status;
    case VIRTIO_MMIO_STATUS:
        return device->status;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        return queue ? get_half(queue->desc_addr, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH) : 0;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
        return queue ? get_half(queue->driver_addr, offset == VIRTIO_MMIO_QUEUE_AVAIL_HIGH) : 0;
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
        return queue ? get_half(queue->device_addr, offset == VIRTIO_MMIO_QUEUE_USED_HIGH) : 0;
    case VIRTIO_MMIO_SHM_LEN_LOW:
    case VIRTIO_MMIO_SHM_LEN_HIGH:
        return 0xFFFFFFFFu;  /* all ones: no such region */
    case VIRTIO_MMIO_CONFIG_GENERATION:  /* the configuration never changes */
    default:
        return 0;
    }
}

/* The queue registers: ignored for a queue the device lacks, or while the
 * selected one is ready. */
static void write_queue_register(struct mhv_virtio_mmio *device, uint64_t offset, uint32_t value)
{
    struct mhv_virtq *queue = selected_queue(device);
    if (queue == NULL)
        return;
    if (offset == VIRTIO_MMIO_QUEUE_READY) {
        write_queue_ready(device, queue, value);
        return;
    }
    if (queue->ready)
        return;
    switch (offset) {
    case VIRTIO_MMIO_QUEUE_NUM:
        queue->size = value;
        break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        set_half(&queue->desc_addr, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
        break;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
        set_half(&queue->driver_addr, offset == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, value);
        break;
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
        set_half(&queue->device_addr, offset == VIRTIO_MMIO_QUEUE_USED_HIGH, value);
        break;
    default:
        break;
    }
}

static void write_register(struct mhv_virtio_mmio *device, uint64_t offset, uint32_t value)
{
    switch (offset) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        device->device_features_sel = value;
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (device->driver_features_sel < 2 && !(device->status & VIRTIO_CONFIG_S_FEATURES_OK))
            set_half(&device->driver_features, device->driver_features_sel == 1, value);
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        device->driver_features_sel = value;
        break;
    case VIRTIO_MMIO_QUEUE_SEL:
        device->queue_sel = value;
        break;
    case VIRTIO_MMIO_QUEUE_NUM:
    case VIRTIO_MMIO_QUEUE_READY:
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
        write_queue_register(device, offset, value);
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        notify_queue(device, value & 0xFFFF);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        acknowledge_interrupt(device, value);
        break;
    case VIRTIO_MMIO_STATUS:
        write_status(device, value);
        break;
    default: /* read-only, legacy or unknown */
        break;
    }
}

/* The registers below the configuration space take aligned 32-bit
 * accesses only (the spec's 4.2.2.2). */
static int register_access_ok(struct mhv_virtio_mmio *device, uint64_t offset, unsigned size, const char *what)
{
    if (size == 4 && offset % 4 == 0)
        return 1;
    record_error(device, "%u-byte %s at register offset 0x%03llx: registers take aligned 32-bit accesses",
                 size, what, (unsigned long long)offset);
    needs_reset(device);
    return 0;
}

static void virtio_mmio_read(void *opaque, uint64_t offset, unsigned size, uint64_t *value)
{
    struct mhv_virtio_mmio *device = opaque;
    MHV_ASSERT(offset < MHV_VIRTIO_MMIO_SIZE);  /* the bus passes offsets inside the page */
    if (offset >= VIRTIO_MMIO_CONFIG)
        *value = read_config(device, offset - VIRTIO_MMIO_CONFIG, size);
    else
        *value = register_access_ok(device, offset, size, "read") ? read_register(device, offset) : 0;
    MHV_ASSERT(device_is_sound(device));
}

static enum mhv_bus_result virtio_mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct mhv_virtio_mmio *device = opaque;
    MHV_ASSERT(offset < MHV_VIRTIO_MMIO_SIZE);
    if (offset < VIRTIO_MMIO_CONFIG && register_access_ok(device, offset, size, "write"))
        write_register(device, offset, (uint32_t)value);
    /* Configuration space writes: nothing of it is writable. */
    MHV_ASSERT(device_is_sound(device));
    return MHV_BUS_OK;
}

const struct mhv_bus_device_ops mhv_virtio_mmio_ops = { .read = virtio_mmio_read, .write = virtio_mmio_write };
