/*
 * virtio_mmio.h -- the virtio MMIO transport, version 2 (virtio 1.x, spec
 * section 4.2): one page of registers through which a driver finds a
 * virtio device, agrees on features, sets up its virtqueues and kicks
 * them.  What the device is -- a block device, say -- plugs in below it as
 * a backend (struct mhv_virtio_device_ops; dev_virtio_blk.h is one).
 *
 * Linux finds it from its command line, `virtio_mmio.device=4K@BASE:IRQ`:
 * the integrator attaches mhv_virtio_mmio_ops at BASE for
 * MHV_VIRTIO_MMIO_SIZE bytes on the MMIO bus and wires the IRQ line.
 *
 * The registers (offsets from <linux/virtio_mmio.h>; R read, W write):
 *   0x000 R  MagicValue "virt"      0x004 R  Version 2
 *   0x008 R  DeviceID (the backend) 0x00c R  VendorID MHV_VIRTIO_VENDOR_ID
 *   0x010 R  DeviceFeatures, 32 bits of them, chosen by 0x014 W DeviceFeaturesSel
 *   0x020 W  DriverFeatures, chosen by 0x024 W DriverFeaturesSel
 *   0x030 W  QueueSel: which queue the queue registers below mean
 *   0x034 R  QueueNumMax            0x038 W  QueueNum (its size)
 *   0x044 RW QueueReady             0x050 W  QueueNotify (a queue index)
 *   0x060 R  InterruptStatus        0x064 W  InterruptACK
 *   0x070 RW Status (writing 0 resets the device)
 *   0x080/0x084, 0x090/0x094, 0x0a0/0x0a4 W  QueueDesc, QueueDriver,
 *            QueueDevice, Low and High halves (virtqueue.h's three areas)
 *   0x0fc R  ConfigGeneration       0x100... the backend's configuration
 * The write-only ones read back what was written (the spec leaves such
 * reads undefined; a debugger is glad of them); reads elsewhere give 0,
 * writes elsewhere and to read-only registers are ignored.
 *
 * Requests are done synchronously, on the vCPU thread, inside the
 * KVM_EXIT_MMIO of the driver's QueueNotify write: the machine runs KVM
 * without an in-kernel irqchip, so there is no irqfd or ioeventfd to hand
 * the work to another thread, and one thread keeps every step -- the exit,
 * the ring, the pread, the used element, the interrupt -- in one call
 * chain a student can follow.  The guest waits for its disk meanwhile.
 *
 * Status: the driver's bits accumulate (the spec forbids it to clear one,
 * so a write that would clear one keeps it), except by writing 0, which
 * resets the device: status, features, queues, InterruptStatus and the
 * line, and the backend (its reset op).  FEATURES_OK sticks only when the
 * driver accepted VIRTIO_F_VERSION_1 and nothing that was not offered;
 * else the device leaves it clear, as the spec says, and the driver reads
 * that back and gives up.  Queue registers are ignored while their queue
 * is ready, driver features once FEATURES_OK is set; a QueueNotify before
 * DRIVER_OK or while DEVICE_NEEDS_RESET is set does nothing.
 *
 * The interrupt line and the edge-triggered 8259A: the line is high
 * exactly while InterruptStatus is non-zero.  It rises when the first bit
 * is set (VIRTIO_MMIO_INT_VRING when a queue was answered and the driver
 * did not set VRING_AVAIL_F_NO_INTERRUPT, VIRTIO_MMIO_INT_CONFIG when the
 * device needs a reset); the driver's handler reads InterruptStatus,
 * writes those bits to InterruptACK, and only then scans the used rings
 * (Linux's vm_interrupt does exactly this).  So:
 *   - A completion while the line is already high makes no new edge, and
 *     needs none: its used element is in the ring before the driver's ACK,
 *     and the scan that follows the ACK finds it.
 *   - A completion after the ACK finds InterruptStatus 0, and so raises
 *     the line again: a new edge for the next handler.
 *   - An ACK that leaves a bit set (the driver acknowledged only part)
 *     lowers the line and raises it again at once: the PIC sees a fresh
 *     edge for what is left, which a line held high would never give it.
 *
 * A driver error -- a ring or buffer outside RAM, a broken chain, a queue
 * size that is not a power of two or above QueueNumMax, a request the
 * backend cannot parse, a register accessed with other than 32 bits,
 * DRIVER_OK before FEATURES_OK, a notify for a queue that is not ready --
 * never stops mhv.  The device sets DEVICE_NEEDS_RESET (and, once the
 * driver has set DRIVER_OK, raises VIRTIO_MMIO_INT_CONFIG, the
 * configuration change notification the spec asks for), stops answering
 * notifies until a reset, and writes one line into error[] for the
 * integrator to print; driver_errors counts them (a refused FEATURES_OK
 * is recorded there too, without DEVICE_NEEDS_RESET).  Nothing here
 * prints or exits.
 *
 * Not modelled: the legacy (version 1) registers, VIRTIO_F_NOTIFICATION_DATA,
 * VIRTIO_F_RING_RESET (QueueReset), shared memory regions (SHMLen reads
 * all ones: no region), configuration changes (ConfigGeneration stays 0)
 * and writes to the configuration space.
 *
 * Invariants (MHV_ASSERT): line_high == (interrupt_status != 0) and
 * interrupt_status holds only INT_VRING | INT_CONFIG, after every call;
 * FEATURES_OK set implies driver_features has VIRTIO_F_VERSION_1 and is a
 * subset of the device's features; a ready queue is sound (virtqueue.h);
 * error[] is always a NUL-terminated string.
 */
#ifndef MHV_VIRTIO_MMIO_H
#define MHV_VIRTIO_MMIO_H

#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "guest_memory.h"
#include "irq.h"
#include "virtqueue.h"

#define MHV_VIRTIO_MMIO_SIZE 0x1000      /* one page: `4K@` on Linux's command line */
#define MHV_VIRTIO_MAX_QUEUES 2
#define MHV_VIRTIO_CONFIG_MAX 256        /* bytes of configuration space a backend may have */
#define MHV_VIRTIO_ERROR_SIZE 192
#define MHV_VIRTIO_VENDOR_ID 0x424C4D56u /* "VMLB" in the register's bytes */

/* What a device backend gives the transport. */
struct mhv_virtio_device_ops {
    const char *name;          /* "virtio-blk": the start of each error message */
    uint32_t device_id;        /* VIRTIO_ID_BLOCK, ... (<linux/virtio_ids.h>) */
    unsigned queues;           /* how many virtqueues, 1 .. MHV_VIRTIO_MAX_QUEUES */
    uint32_t queue_size_max;   /* QueueNumMax, at most MHV_VIRTQ_MAX_SIZE */

    /* The device-type features offered (bits 0-23); the transport adds
     * VIRTIO_F_VERSION_1. */
    uint64_t (*features)(void *backend);

    /* Fills config (room for max bytes) with the configuration space as
     * the driver reads it now; returns its length. */
    size_t (*config_read)(void *backend, uint8_t *config, size_t max);

    /* The driver kicked queue index: answer what is available, with
     * mhv_virtq_pop()/mhv_virtq_push().  Returns 0, or -1 with a message
     * when the driver broke the protocol. */
    int (*queue_notify)(void *backend, unsigned index, struct mhv_virtq *queue, char *err, size_t err_size);

    /* The device was reset: forget anything of the driver's session.  May
     * be NULL when there is nothing to forget. */
    void (*reset)(void *backend);
};

struct mhv_virtio_mmio {
    const struct mhv_virtio_device_ops *ops;
    void *backend;
    struct mhv_guest_memory memory;    /* where the driver's rings and buffers are */
    struct mhv_irq_line irq;

    uint32_t status;                   /* VIRTIO_CONFIG_S_* */
    uint32_t device_features_sel, driver_features_sel;
    uint64_t driver_features;          /* what the driver wrote */
    uint32_t queue_sel;
    struct mhv_virtq queues[MHV_VIRTIO_MAX_QUEUES];
    uint32_t interrupt_status;         /* VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG */
    int line_high;                     /* the level the irq line was last given */

    char error[MHV_VIRTIO_ERROR_SIZE]; /* the last driver error, "" until one */
    uint64_t driver_errors;
    uint64_t notifies;                 /* QueueNotify writes */
    uint64_t interrupts;               /* rising edges of the line */
};

extern const struct mhv_bus_device_ops mhv_virtio_mmio_ops;

/* The device after a reset, with its backend, the guest's RAM and its
 * interrupt line. */
void mhv_virtio_mmio_init(struct mhv_virtio_mmio *device, const struct mhv_virtio_device_ops *ops, void *backend,
                          struct mhv_guest_memory memory, struct mhv_irq_line irq);

/* The features the device offers: the backend's and VIRTIO_F_VERSION_1. */
uint64_t mhv_virtio_mmio_device_features(const struct mhv_virtio_mmio *device);

#endif
