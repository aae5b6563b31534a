/*
 * dev_virtio_rng.h -- a virtio entropy device (virtio spec 5.4): the
 * backend that virtio_mmio.h's transport drives, so that Linux's
 * virtio_rng sees /dev/hwrng.  Lab 10 adds it (`mhv run --kernel ... --rng`).
 *
 * Device ID 4 (VIRTIO_ID_RNG), one virtqueue, the request queue, no
 * device-type features and no configuration space.  A request is a
 * descriptor chain of device-writable buffers, taken as one byte stream
 * (virtqueue.h), however the driver cut it into descriptors.  The device
 * fills the first min(writable bytes, MHV_VIRTIO_RNG_MAX_REQUEST) of it
 * with bytes from its source and answers with a used element of that
 * length: the spec lets a device use less than the whole buffer, so a
 * guest that offers gigabytes gets 4 KiB, not a long stall of the vCPU.
 * Each request is done at once, on the vCPU thread in the QueueNotify exit
 * (virtio_mmio.h says why).
 *
 * The source: getrandom(2) from the host's kernel unless the integrator
 * gives another (a test gives a counter, so that it can tell which byte
 * went where).
 *
 * Driver errors (the transport then sets DEVICE_NEEDS_RESET, and the
 * chain is not answered): a chain with a device-readable buffer (the
 * device never reads guest memory: there is nothing to read), a chain
 * without a device-writable byte (the spec says the device MUST put at
 * least one byte into the buffer), and whatever mhv_virtq_pop() rejects
 * (an index outside the table, an available index that jumped by more
 * than the queue's size, a buffer outside RAM).  A source that fails is
 * reported the same way: answering with nothing would break that MUST,
 * and Linux's driver waits for bytes that would never come.
 *
 * Invariants: bytes counts what was written into the guest's buffers,
 * requests the chains answered; when a notify returns 0, every chain it
 * popped was answered with exactly one used element (MHV_ASSERT).
 */
#ifndef MHV_DEV_VIRTIO_RNG_H
#define MHV_DEV_VIRTIO_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "virtio_mmio.h"

/* The most bytes one request gets. */
#define MHV_VIRTIO_RNG_MAX_REQUEST 4096

/* Fills bytes[0 .. len) with random bytes.  Returns 0, or -1 with errno. */
typedef int (*mhv_virtio_rng_source)(void *context, uint8_t *bytes, size_t len);

struct mhv_virtio_rng {
    mhv_virtio_rng_source source;
    void *source_context;
    uint64_t requests;    /* chains answered (statistics) */
    uint64_t bytes;       /* bytes written into them */
};

/* The backend for mhv_virtio_mmio_init(): backend is a struct mhv_virtio_rng. */
extern const struct mhv_virtio_device_ops mhv_virtio_rng_ops;

/* The device with its source (NULL: getrandom(2), context unused). */
void mhv_virtio_rng_init(struct mhv_virtio_rng *rng, mhv_virtio_rng_source source, void *context);

#endif
