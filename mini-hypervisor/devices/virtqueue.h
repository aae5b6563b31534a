/*
 * virtqueue.h -- a virtio 1.x split virtqueue, the device's side (the
 * virtio spec, section 2.7): how a driver hands buffers to a device and
 * gets them back.
 *
 * The driver owns three areas of guest RAM, at addresses it writes into
 * the transport's registers (virtio_mmio.h):
 *
 *   descriptor table  size x struct vring_desc {addr, len, flags, next}:
 *                     one guest buffer each; VRING_DESC_F_NEXT links a
 *                     descriptor to the next of a chain, VRING_DESC_F_WRITE
 *                     marks a buffer the device writes (else it reads it).
 *   available ring    struct vring_avail {flags, idx, ring[size]}: the
 *                     driver puts the head of each new chain at
 *                     ring[idx % size] and then increments idx.
 *   used ring         struct vring_used {flags, idx, ring[size]}: the
 *                     device puts {head, bytes written} of each finished
 *                     chain at ring[idx % size] and then increments idx.
 *
 * Both indexes run freely and wrap at 65536; the device keeps its own copy
 * of how far it has read (last_avail) and written (next_used).  Sizes are
 * powers of two, so that idx % size stays continuous across that wrap.
 *
 * The device's cycle, on the vCPU thread when the driver notifies it:
 * mhv_virtq_pop() takes the next available chain and checks every
 * descriptor of it; the backend does the request on the chain's segments
 * and answers with mhv_virtq_push(); mhv_virtq_wants_interrupt() says
 * whether the driver asked to be interrupted for it.
 *
 * Supported: direct descriptor chains in any layout (a device must not
 * assume where a request's parts begin and end, VIRTIO_F_VERSION_1 says
 * so: mhv_virtq_chain_read/write/range see a chain as two byte streams,
 * what the device reads and what it writes), VRING_AVAIL_F_NO_INTERRUPT.
 * Not supported, so never offered: VIRTIO_F_INDIRECT_DESC (an indirect
 * descriptor is a driver error), VIRTIO_F_EVENT_IDX (the interrupt and
 * notification suppression by index), VIRTIO_F_RING_PACKED.  The device
 * never sets VRING_USED_F_NO_NOTIFY: every notify is welcome, and cheap to
 * answer with nothing to do.
 *
 * A driver's mistake is never trusted, never fatal: each one below makes
 * mhv_virtq_enable() or mhv_virtq_pop() return -1 with a one-line message,
 * and the transport then marks the device DEVICE_NEEDS_RESET.
 *   - a size that is 0, not a power of two, or above the maximum;
 *   - a ring that is misaligned or not wholly inside guest RAM;
 *   - the available index moved by more than size since the device looked;
 *   - a head or next index outside the table; a chain longer than the
 *     table (which only a loop can make);
 *   - a buffer not wholly inside guest RAM (guest_memory.h);
 *   - a device-readable descriptor after a device-writable one (the spec's
 *     order: what the device reads comes first);
 *   - VRING_DESC_F_INDIRECT.
 *
 * Memory order: the one vCPU is stopped in a VM exit while the device
 * runs, so no access can race the driver's.  The fences in virtqueue.c are
 * still where a device on its own thread would need them (read idx, then
 * the ring; write the ring, then idx), as the spec's 2.7.13 sets out.
 *
 * Invariants, while ready (MHV_ASSERT): size is a power of two in
 * [1, MHV_VIRTQ_MAX_SIZE]; desc, avail and used point into guest RAM for
 * the whole of their areas, suitably aligned; the chains taken but not yet
 * answered, (uint16_t)(last_avail - next_used), never exceed size.  A
 * popped chain has count <= size segments, all of them inside guest RAM,
 * the device-readable ones first.
 */
#ifndef MHV_VIRTQUEUE_H
#define MHV_VIRTQUEUE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_ring.h>

#include "guest_memory.h"

/* The largest queue this device offers (QueueNumMax). */
#define MHV_VIRTQ_MAX_SIZE 256

/* One guest buffer of a chain, as a host pointer checked against RAM. */
struct mhv_virtq_segment {
    uint8_t *data;
    uint32_t len;
    int writable;   /* VRING_DESC_F_WRITE: the device writes it */
};

/* A chain the device took: its head (what the used element names) and its
 * buffers in chain order, the `readable` device-readable ones first. */
struct mhv_virtq_chain {
    uint16_t head;
    unsigned count;
    unsigned readable;                  /* segments[0 .. readable) are device-readable */
    uint64_t readable_len;              /* bytes in those */
    uint64_t writable_len;              /* bytes in segments[readable .. count) */
    struct mhv_virtq_segment segments[MHV_VIRTQ_MAX_SIZE];
};

struct mhv_virtq {
    /* What the driver wrote through the transport's registers. */
    uint32_t size;                      /* QueueNum */
    uint64_t desc_addr;                 /* QueueDesc */
    uint64_t driver_addr;               /* QueueDriver: the available ring */
    uint64_t device_addr;               /* QueueDevice: the used ring */
    int ready;                          /* QueueReady, once mhv_virtq_enable() accepted it */

    /* Set by mhv_virtq_enable(), valid while ready. */
    struct mhv_guest_memory memory;
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    uint16_t last_avail;                /* the next available entry to take */
    uint16_t next_used;                 /* the used index the next push publishes */
    uint64_t chains;                    /* chains answered since enabled */
};

/* The queue with nothing written: size 0, not ready. */
void mhv_virtq_reset(struct mhv_virtq *queue);

/* QueueReady = 1: checks size and the three areas against memory and
 * max_size, and starts both indexes at 0.  Returns 0, or -1 with a message
 * (the queue stays not ready). */
int mhv_virtq_enable(struct mhv_virtq *queue, struct mhv_guest_memory memory, uint32_t max_size,
                     char *err, size_t err_size);

/* QueueReady = 0: the device stops using the areas (the registers stay). */
void mhv_virtq_disable(struct mhv_virtq *queue);

/* Takes the next available chain into *chain.  Returns 1, 0 when none is
 * available, or -1 with a message when the driver broke the ring (the
 * chain is not taken). */
int mhv_virtq_pop(struct mhv_virtq *queue, struct mhv_virtq_chain *chain, char *err, size_t err_size);

/* Answers a popped chain: {head, written} into the used ring, then the
 * used index.  written is how many bytes the device wrote into the chain's
 * writable buffers. */
void mhv_virtq_push(struct mhv_virtq *queue, uint16_t head, uint32_t written);

/* After pushes: does the driver want an interrupt for them?  (It does
 * unless it set VRING_AVAIL_F_NO_INTERRUPT.) */
int mhv_virtq_wants_interrupt(const struct mhv_virtq *queue);

/* A chain as two byte streams, the device-readable bytes (writable = 0:
 * the request) and the device-writable ones (writable = 1: the answer),
 * whatever the descriptors' boundaries.
 *
 * mhv_virtq_chain_range: bytes [offset, offset + len) of one stream as the
 * pieces of segments that hold them, in pieces[] (room for
 * MHV_VIRTQ_MAX_SIZE).  Returns how many, or -1 if the stream is shorter
 * than offset + len.
 * mhv_virtq_chain_read / _write: copy len bytes at offset out of the
 * readable stream / into the writable one.  Return 0, or -1 (nothing
 * copied) if the stream is shorter than offset + len. */
int mhv_virtq_chain_range(const struct mhv_virtq_chain *chain, int writable, uint64_t offset, uint64_t len,
                          struct mhv_virtq_segment pieces[MHV_VIRTQ_MAX_SIZE]);
int mhv_virtq_chain_read(const struct mhv_virtq_chain *chain, uint64_t offset, void *out, size_t len);
int mhv_virtq_chain_write(const struct mhv_virtq_chain *chain, uint64_t offset, const void *in, size_t len);

#endif
