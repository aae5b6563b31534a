/*
 * virtqueue.c -- the split virtqueue, the device's side (see virtqueue.h).
 *
 * Every field of the rings is little-endian in guest RAM (virtio 1.x), so
 * each access goes through le16toh/le32toh/le64toh or back: a no-op on
 * x86, and the place to look on a big-endian host.
 */
#include "virtqueue.h"

#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mhv_assert.h"

/* The sizes of the three areas for a queue of size entries (the spec's
 * 2.7 table; the rings' last field, used_event / avail_event, belongs to
 * VIRTIO_F_EVENT_IDX, which is not offered, but the driver lays it out). */
static uint64_t desc_table_bytes(uint32_t size) { return 16ull * size; }
static uint64_t avail_ring_bytes(uint32_t size) { return 6 + 2ull * size; }
static uint64_t used_ring_bytes(uint32_t size) { return 6 + 8ull * size; }

static int is_power_of_two(uint32_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

static int pointer_is_inside(const struct mhv_guest_memory *memory, const void *p, uint64_t len)
{
    const uint8_t *byte = p;
    return byte >= memory->base && (uint64_t)(byte - memory->base) <= memory->size &&
           len <= memory->size - (uint64_t)(byte - memory->base);
}

/* virtqueue.h's invariants while ready. */
static int queue_is_sound(const struct mhv_virtq *queue)
{
    if (!queue->ready)
        return queue->desc == NULL && queue->avail == NULL && queue->used == NULL;
    return is_power_of_two(queue->size) && queue->size <= MHV_VIRTQ_MAX_SIZE &&
           pointer_is_inside(&queue->memory, queue->desc, desc_table_bytes(queue->size)) &&
           pointer_is_inside(&queue->memory, queue->avail, avail_ring_bytes(queue->size)) &&
           pointer_is_inside(&queue->memory, queue->used, used_ring_bytes(queue->size)) &&
           (uint16_t)(queue->last_avail - queue->next_used) <= queue->size;
}

void mhv_virtq_reset(struct mhv_virtq *queue)
{
    *queue = (struct mhv_virtq){ 0 };
}

/* One of the three areas: aligned, and wholly inside RAM. */
static void *area_at(const struct mhv_guest_memory *memory, uint64_t addr, uint64_t len, uint64_t align,
                     const char *what, char *err, size_t err_size)
{
    if (addr % align != 0) {
        snprintf(err, err_size, "%s at 0x%" PRIx64 " is not %" PRIu64 "-byte aligned", what, addr, align);
        return NULL;
    }
    void *area = mhv_guest_memory_at(memory, addr, len);
    if (area == NULL)
        snprintf(err, err_size, "%s [0x%" PRIx64 ", +%" PRIu64 ") is outside guest RAM (%" PRIu64 " bytes)",
                 what, addr, len, memory->size);
    return area;
}

int mhv_virtq_enable(struct mhv_virtq *queue, struct mhv_guest_memory memory, uint32_t max_size,
                     char *err, size_t err_size)
{
    MHV_ASSERT(!queue->ready && max_size <= MHV_VIRTQ_MAX_SIZE);
    uint32_t size = queue->size;
    if (size == 0 || !is_power_of_two(size) || size > max_size) {
        snprintf(err, err_size, "queue size %" PRIu32 " is not a power of two in [1, %" PRIu32 "]", size, max_size);
        return -1;
    }
    void *desc = area_at(&memory, queue->desc_addr, desc_table_bytes(size), VRING_DESC_ALIGN_SIZE,
                         "descriptor table", err, err_size);
    void *avail = desc ? area_at(&memory, queue->driver_addr, avail_ring_bytes(size), VRING_AVAIL_ALIGN_SIZE,
                                 "available ring", err, err_size) : NULL;
    void *used = avail ? area_at(&memory, queue->device_addr, used_ring_bytes(size), VRING_USED_ALIGN_SIZE,
                                 "used ring", err, err_size) : NULL;
    if (used == NULL)
        return -1;

    queue->memory = memory;
    queue->desc = desc;
    queue->avail = avail;
    queue->used = used;
    queue->last_avail = queue->next_used = 0;
    queue->chains = 0;
    queue->ready = 1;
    MHV_ASSERT(queue_is_sound(queue));
    return 0;
}

void mhv_virtq_disable(struct mhv_virtq *queue)
{
    queue->ready = 0;
    queue->desc = NULL;
    queue->avail = NULL;
    queue->used = NULL;
    MHV_ASSERT(queue_is_sound(queue));
}

/* Walks the chain from head into *chain, checking each descriptor. */
static int walk_chain(const struct mhv_virtq *queue, uint16_t head, struct mhv_virtq_chain *chain,
                      char *err, size_t err_size)
{
    chain->head = head;
    chain->count = chain->readable = 0;
    chain->readable_len = chain->writable_len = 0;
    uint32_t index = head;
    for (;;) {
        if (index >= queue->size) {
            snprintf(err, err_size, "descriptor %" PRIu32 " is outside the table of %" PRIu32, index, queue->size);
            return -1;
        }
        if (chain->count == queue->size) {
            snprintf(err, err_size, "the chain from descriptor %u is longer than the table (%" PRIu32 "): a loop",
                     head, queue->size);
            return -1;
        }
        const struct vring_desc *desc = &queue->desc[index];
        uint64_t addr = le64toh(desc->addr);
        uint32_t len = le32toh(desc->len);
        uint16_t flags = le16toh(desc->flags);
        if (flags & VRING_DESC_F_INDIRECT) {
            snprintf(err, err_size, "descriptor %" PRIu32 " is indirect (VIRTIO_F_INDIRECT_DESC was not offered)",
                     index);
            return -1;
        }
        uint8_t *data = mhv_guest_memory_at(&queue->memory, addr, len);
        if (data == NULL) {
            snprintf(err, err_size, "descriptor %" PRIu32 ": buffer [0x%" PRIx64 ", +%" PRIu32
                     ") is outside guest RAM (%" PRIu64 " bytes)", index, addr, len, queue->memory.size);
            return -1;
        }
        int writable = (flags & VRING_DESC_F_WRITE) != 0;
        if (!writable && chain->count > chain->readable) {
            snprintf(err, err_size, "descriptor %" PRIu32 " is device-readable but follows a device-writable one",
                     index);
            return -1;
        }
        chain->segments[chain->count++] = (struct mhv_virtq_segment){ .data = data, .len = len, .writable = writable };
        if (writable) {
            chain->writable_len += len;
        } else {
            chain->readable++;
            chain->readable_len += len;
        }
        if (!(flags & VRING_DESC_F_NEXT))
            return 0;
        index = le16toh(desc->next);
    }
}

int mhv_virtq_pop(struct mhv_virtq *queue, struct mhv_virtq_chain *chain, char *err, size_t err_size)
{
    MHV_ASSERT(queue->ready && queue_is_sound(queue));
    uint16_t avail_idx = le16toh(queue->avail->idx);
    uint16_t waiting = (uint16_t)(avail_idx - queue->last_avail);
    if (waiting == 0)
        return 0;
    if (waiting > queue->size) {
        snprintf(err, err_size, "the available index went from %u to %u, more than the %" PRIu32 " entries of the ring",
                 queue->last_avail, avail_idx, queue->size);
        return -1;
    }
    __atomic_thread_fence(__ATOMIC_ACQUIRE);  /* the index first, then what it covers */

    uint16_t head = le16toh(queue->avail->ring[queue->last_avail % queue->size]);
    if (walk_chain(queue, head, chain, err, err_size) < 0)
        return -1;
    queue->last_avail++;
    MHV_ASSERT(queue_is_sound(queue) && chain->count <= queue->size);
    return 1;
}

void mhv_virtq_push(struct mhv_virtq *queue, uint16_t head, uint32_t written)
{
    MHV_ASSERT(queue->ready && head < queue->size);
    MHV_ASSERT(queue->last_avail != queue->next_used);  /* only a chain that was popped */
    struct vring_used_elem *elem = &queue->used->ring[queue->next_used % queue->size];
    elem->id = htole32(head);
    elem->len = htole32(written);
    queue->next_used++;
    queue->chains++;
    __atomic_thread_fence(__ATOMIC_RELEASE);  /* the element first, then the index that shows it */
    queue->used->idx = htole16(queue->next_used);
    MHV_ASSERT(queue_is_sound(queue));
}

int mhv_virtq_wants_interrupt(const struct mhv_virtq *queue)
{
    MHV_ASSERT(queue->ready);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);  /* the used index is out before the flag is read */
    return !(le16toh(queue->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
}

int mhv_virtq_chain_range(const struct mhv_virtq_chain *chain, int writable, uint64_t offset, uint64_t len,
                          struct mhv_virtq_segment pieces[MHV_VIRTQ_MAX_SIZE])
{
    uint64_t stream_len = writable ? chain->writable_len : chain->readable_len;
    if (offset > stream_len || len > stream_len - offset)
        return -1;
    unsigned first = writable ? chain->readable : 0;
    unsigned end = writable ? chain->count : chain->readable;
    int count = 0;
    for (unsigned i = first; i < end && len > 0; i++) {
        const struct mhv_virtq_segment *segment = &chain->segments[i];
        if (offset >= segment->len) {
            offset -= segment->len;  /* the range starts past this segment */
            continue;
        }
        uint64_t take = segment->len - offset < len ? segment->len - offset : len;
        pieces[count++] = (struct mhv_virtq_segment){
            .data = segment->data + offset, .len = (uint32_t)take, .writable = segment->writable };
        offset = 0;
        len -= take;
    }
    MHV_ASSERT(len == 0 && count <= MHV_VIRTQ_MAX_SIZE);
    return count;
}

/* Copies len bytes at offset between the host and one stream of the
 * chain: into to_host out of the readable stream, or out of from_host
 * into the writable stream (the other pointer is NULL). */
static int copy_stream(const struct mhv_virtq_chain *chain, uint64_t offset, uint8_t *to_host,
                       const uint8_t *from_host, size_t len)
{
    struct mhv_virtq_segment pieces[MHV_VIRTQ_MAX_SIZE];
    int count = mhv_virtq_chain_range(chain, to_host == NULL, offset, len, pieces);
    if (count < 0)
        return -1;
    size_t done = 0;
    for (int i = 0; i < count; i++) {
        if (to_host)
            memcpy(to_host + done, pieces[i].data, pieces[i].len);
        else
            memcpy(pieces[i].data, from_host + done, pieces[i].len);
        done += pieces[i].len;
    }
    return 0;
}

int mhv_virtq_chain_read(const struct mhv_virtq_chain *chain, uint64_t offset, void *out, size_t len)
{
    return copy_stream(chain, offset, out, NULL, len);
}

int mhv_virtq_chain_write(const struct mhv_virtq_chain *chain, uint64_t offset, const void *in, size_t len)
{
    return copy_stream(chain, offset, NULL, in, len);
}
