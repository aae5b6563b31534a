/*
 * heap.h -- the managed heap: allocation of strings, arrays and records,
 * and a precise, stop-the-world mark-and-sweep garbage collector.
 *
 * Allocation.  Small objects (up to BVM_SMALL_MAX bytes) live in 64 KiB
 * pages, each page holding cells of one size class (multiples of 8 bytes).
 * Allocating pops a cell off its class's free list, or carves the next cell
 * of the class's newest page; nothing calls malloc per object.  Larger
 * objects are malloc'd one by one and kept on a list.  Memory accounting
 * (live bytes, the --heap limit, the statistics) counts cell sizes, that is
 * the memory objects really occupy.
 *
 * Precise roots (nothing is scanned conservatively):
 *   - globals whose declared type is a reference;
 *   - in every frame, locals whose declared type is a reference, and operand
 *     stack slots that the verifier's stack map (bvm_verified) says hold a
 *     reference at that frame's pc;
 *   - the constant-pool strings are pinned: allocated outside the pages and
 *     freed with the VM.
 *
 * Marking uses an explicit gray stack, so a million-element linked list
 * does not recurse a million C frames deep.  Sweeping walks the pages in
 * address order (cache-friendly), turns dead cells into free cells, and
 * gives wholly empty pages back to the system.
 *
 * Policy: a collection runs when an allocation would take live bytes past
 * `next_gc` (then next_gc = 2 x live, at least BVM_GC_MIN_THRESHOLD), before
 * every allocation in stress mode, and always before reporting out of
 * memory.  An allocation that still does not fit under the heap limit
 * returns NULL, which the interpreter turns into the catchable
 * "out of memory" exception.
 */
#ifndef BVM_HEAP_H
#define BVM_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"
#include "value.h"
#include "vm.h"

#define BVM_GC_MIN_THRESHOLD (1u << 20)
#define BVM_SMALL_MAX 256                            /* bytes; larger objects are "large" */
#define BVM_SIZE_CLASSES (BVM_SMALL_MAX / 8 + 1)     /* class c holds cells of 8*c bytes  */

#define BVM_MIN_CELL 16u                             /* header + free-list link            */

/* The bytes an object of `size` bytes takes from the heap (and counts
 * against its limit): a cell rounded up to 8 bytes for a small object.
 * Compiled code allocates records inline with the same rule (jit_compile.c,
 * new_record), so it is defined here, once. */
static inline size_t bvm_heap_charge(size_t size)
{
    if (size > BVM_SMALL_MAX)
        return size;
    return size < BVM_MIN_CELL ? BVM_MIN_CELL : (size + 7) & ~(size_t)7;
}

typedef struct bvm_page bvm_page;
typedef struct bvm_large bvm_large;

/* A size class.  Compiled code allocates from it inline (jit_compile.c,
 * new_record) exactly as small_cell in heap.c does: a cell from the free
 * list (the link is the 8 bytes after the header), else from the bump
 * range; anything else (a new page, a collection) is heap.c's. */
typedef struct {
    bvm_page *pages;         /* pages of this class, newest first              */
    bvm_obj *free;           /* free cells (linked through the cell body)      */
    uint8_t *bump, *bump_end; /* never-used cells of the newest page           */
} bvm_size_class;

typedef struct {
    bvm_size_class classes[BVM_SIZE_CLASSES];
    bvm_large *large;        /* large objects                                  */
    bvm_obj **pinned;        /* constants; never collected                     */
    size_t npinned, pinned_cap;
    uint64_t live_bytes;     /* bytes of collectable objects now               */
    uint64_t next_gc;        /* collect when live_bytes would pass this        */
    uint64_t limit;          /* hard cap on live_bytes                         */
    bool stress;
    bvm_obj **gray;          /* mark stack                                     */
    size_t ngray, gray_cap;
    bvm_gc_stats stats;
} bvm_heap;

struct bvm_vm;

void bvm_heap_init(bvm_heap *h, uint64_t limit, bool stress);
void bvm_heap_free(bvm_heap *h);

/* Allocate a string of len bytes (contents copied from bytes when not
 * NULL).  May collect first: the caller's frame state must be saved.
 * NULL when the heap limit is reached. */
bvm_string *bvm_heap_string(struct bvm_vm *vm, const char *bytes, size_t len);
/* A string that is never collected (constants, preallocated messages). */
bvm_string *bvm_heap_pinned_string(bvm_heap *h, const char *bytes, size_t len);
/* Array of `length` zeroed slots of array type `array_type`. */
bvm_array *bvm_heap_array(struct bvm_vm *vm, uint16_t array_type, int64_t length);
/* Record of record type `record_type`, every field zero. */
bvm_record_obj *bvm_heap_record(struct bvm_vm *vm, uint16_t record_type);

/* Run a full collection now. */
void bvm_heap_collect(struct bvm_vm *vm);

#endif
