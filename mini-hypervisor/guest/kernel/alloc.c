/*
 * alloc.c -- bump allocation with exact-size free lists (see alloc.h).
 *
 * heap_alloc first looks for a free block of exactly the rounded size; only
 * if there is none does it carve a new block from the untouched top of the
 * range.  The block header keeps the rounded size, so heap_free needs only
 * the pointer, and a tag word that tells used, free and garbage apart, so a
 * double free is caught instead of corrupting a list.
 */
#include "alloc.h"

#define TAG_USED 0x646573556b6c6248ULL /* "HblkUsed" */
#define TAG_FREE 0x656572466b6c6248ULL /* "HblkFree" */

struct block_header {
    uint64_t size;  /* payload bytes, rounded up to HEAP_ALIGN */
    uint64_t tag;   /* TAG_USED or TAG_FREE */
};

_Static_assert(sizeof(struct block_header) == HEAP_HEADER_SIZE, "header size");

static uintptr_t align_up(uintptr_t value)
{
    return (value + HEAP_ALIGN - 1) & ~(uintptr_t)(HEAP_ALIGN - 1);
}

static struct block_header *header_of(void *block)
{
    return (struct block_header *)((char *)block - HEAP_HEADER_SIZE);
}

void heap_init(struct heap *heap, void *start, void *end)
{
    *heap = (struct heap){ 0 };
    heap->bump_end = (uintptr_t)end;
    heap->bump_start = align_up((uintptr_t)start);
    if (heap->bump_start > heap->bump_end)
        heap->bump_start = heap->bump_end; /* a range too small for anything */
    heap->bump_next = heap->bump_start;
}

/* The list for blocks of this size, or NULL if none has been made. */
static struct heap_size_list *find_list(struct heap *heap, size_t size)
{
    for (int i = 0; i < heap->list_count; i++)
        if (heap->lists[i].size == size)
            return &heap->lists[i];
    return NULL;
}

void *heap_alloc(struct heap *heap, size_t size)
{
    if (size > SIZE_MAX - 2 * HEAP_ALIGN)
        return NULL; /* rounding would wrap */
    size_t rounded = size == 0 ? HEAP_ALIGN : align_up(size);

    struct heap_size_list *list = find_list(heap, rounded);
    if (list != NULL && list->first != NULL) {
        struct heap_free_block *free_block = list->first;
        list->first = free_block->next;
        header_of(free_block)->tag = TAG_USED;
        heap->reused_blocks++;
        return free_block;
    }

    if (heap->bump_end - heap->bump_next < HEAP_HEADER_SIZE ||
        heap->bump_end - heap->bump_next - HEAP_HEADER_SIZE < rounded)
        return NULL;
    struct block_header *header = (struct block_header *)heap->bump_next;
    header->size = rounded;
    header->tag = TAG_USED;
    heap->bump_next += HEAP_HEADER_SIZE + rounded;
    return header + 1;
}

bool heap_free(struct heap *heap, void *block)
{
    if (block == NULL)
        return true;
    uintptr_t address = (uintptr_t)block;
    /* Only an aligned address inside the carved part can be ours: check
     * before reading the header, so a wild pointer is not dereferenced. */
    if (address % HEAP_ALIGN != 0 || address < heap->bump_start + HEAP_HEADER_SIZE ||
        address >= heap->bump_next)
        return false;
    struct block_header *header = header_of(block);
    if (header->tag != TAG_USED)
        return false;

    struct heap_size_list *list = find_list(heap, header->size);
    if (list == NULL) {
        if (heap->list_count == HEAP_SIZE_LISTS) {
            header->tag = TAG_FREE; /* a later free of it is still caught */
            heap->leaked_bytes += header->size;
            return true;
        }
        list = &heap->lists[heap->list_count++];
        list->size = header->size;
        list->first = NULL;
    }
    header->tag = TAG_FREE;
    struct heap_free_block *free_block = block;
    free_block->next = list->first;
    list->first = free_block;
    return true;
}

size_t heap_bytes_used(const struct heap *heap)
{
    return heap->bump_next - heap->bump_start;
}
