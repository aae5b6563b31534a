/*
 * alloc.h -- the guest kernel's memory allocator: a bump pointer over one
 * range of memory plus a free list per exact block size.
 *
 * The workloads (workloads/workload.h) ask for only a few distinct
 * sizes and free whole structures of one size at a time (trees frees its
 * 16-byte nodes and builds the next tree from them), so a freed block is
 * only ever reused for a request of the same rounded size: no splitting,
 * no merging, no searching beyond a short table of sizes.
 *
 * Layout of a block, 16-byte aligned:
 *
 *   +-----------------+-----------------+---------------------------+
 *   | size (rounded)  | state tag       | payload: size bytes        |
 *   +-----------------+-----------------+---------------------------+
 *                                       ^ what heap_alloc returns;
 *                                         while free, its first 8 bytes
 *                                         link the next free block
 *
 * Invariants:
 *   - bump_start <= bump_next <= bump_end, the first two 16-byte aligned;
 *     [bump_start, bump_next) is carved into blocks, one after the other;
 *     [bump_next, bump_end) has never been handed out.
 *   - Every block in lists[i] has size lists[i].size and the FREE tag;
 *     every block handed out and not yet freed has the USED tag.
 *   - Sizes are rounded up to HEAP_ALIGN, so a request for 10 bytes and one
 *     for 16 share a list.
 *   - At most HEAP_SIZE_LISTS distinct sizes have a list; a freed block of
 *     any further size is not reusable and is counted in leaked_bytes.
 *   - Pure: no I/O, works on whatever range it is given (the hosted unit
 *     tests use a static array).
 */
#ifndef KERNEL_ALLOC_H
#define KERNEL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_ALIGN 16
#define HEAP_HEADER_SIZE 16
#define HEAP_SIZE_LISTS 32

struct heap_free_block {
    struct heap_free_block *next;
};

struct heap_size_list {
    size_t size;                    /* payload bytes, a multiple of HEAP_ALIGN */
    struct heap_free_block *first;  /* NULL when empty */
};

struct heap {
    uintptr_t bump_start;           /* the first block's header, aligned */
    uintptr_t bump_next;            /* next never-used byte, aligned */
    uintptr_t bump_end;             /* end of the range */
    struct heap_size_list lists[HEAP_SIZE_LISTS];
    int list_count;                 /* lists[0 .. list_count) in use */
    size_t leaked_bytes;            /* freed blocks no list could hold */
    size_t reused_blocks;           /* allocations served from a free list */
};

/* Manage [start, end); the ends need not be aligned. */
void heap_init(struct heap *heap, void *start, void *end);

/* A block of at least size bytes, 16-byte aligned, or NULL if the range is
 * exhausted.  A request for 0 bytes gets a block of HEAP_ALIGN bytes. */
void *heap_alloc(struct heap *heap, size_t size);

/* Give back a block from heap_alloc.  NULL is ignored.  Returns false,
 * changing nothing, if block is evidently not a live block: misaligned,
 * outside the carved part of the range, or with a header not tagged as in
 * use (a double free; most pointers the heap never returned). */
bool heap_free(struct heap *heap, void *block);

/* Bytes taken from the range so far, headers included. */
size_t heap_bytes_used(const struct heap *heap);

#endif
