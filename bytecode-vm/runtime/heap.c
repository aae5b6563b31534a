/*
 * heap.c -- allocation and mark-and-sweep collection (see heap.h).
 *
 * Small objects: size-class pages.  A page is one 64 KiB block of equal
 * cells.  A cell is either an object (its header's kind is a bvm_obj_kind)
 * or free (kind BVM_OBJ_FREE, with the next free cell's address stored just
 * after the header).  Sweeping a page reads its cells in address order.
 *
 * Large objects: one malloc each, a bvm_large header in front, on a list.
 *
 * In the sanitizer build the bodies of free cells are poisoned, so a
 * dangling reference to a collected object is reported by ASan even though
 * the memory stays inside a page.
 */
#include "heap.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "vm_state.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define PAGE_BYTES (64u * 1024)
#define MIN_CELL BVM_MIN_CELL

struct bvm_page {
    bvm_page *next;
    uint32_t cell_size;
    uint32_t pad_;
    _Alignas(16) uint8_t cells[];
};

struct bvm_large {
    bvm_large *next;
    size_t size;
    _Alignas(16) uint8_t object[];
};

#define CELLS_PER_PAGE(cell) ((PAGE_BYTES - offsetof(bvm_page, cells)) / (cell))

/* The free-list link lives right after the 8-byte header of a free cell. */
static inline bvm_obj **free_link(bvm_obj *cell) { return (bvm_obj **)((uint8_t *)cell + sizeof(bvm_obj)); }

static void make_free(bvm_obj *cell, uint32_t cell_size, bvm_obj *next)
{
    cell->kind = BVM_OBJ_FREE;
    cell->marked = 0;
    *free_link(cell) = next;
    POISON((uint8_t *)cell + MIN_CELL, cell_size - MIN_CELL);
}

void bvm_heap_init(bvm_heap *h, uint64_t limit, bool stress)
{
    memset(h, 0, sizeof *h);
    h->limit = limit;
    h->stress = stress;
    h->next_gc = BVM_GC_MIN_THRESHOLD;
}

void bvm_heap_free(bvm_heap *h)
{
    for (int c = 0; c < BVM_SIZE_CLASSES; c++) {
        bvm_page *p = h->classes[c].pages;
        while (p) {
            bvm_page *next = p->next;
            UNPOISON(p, PAGE_BYTES);
            free(p);
            p = next;
        }
    }
    for (bvm_large *l = h->large, *next; l; l = next) {
        next = l->next;
        free(l);
    }
    for (size_t i = 0; i < h->npinned; i++)
        free(h->pinned[i]);
    free(h->pinned);
    free(h->gray);
    memset(h, 0, sizeof *h);
}

/* ---- marking -------------------------------------------------------------- */

/* An object header as the allocator wrote it: a live kind, and the
 * element type or record index its kind gives meaning to. */
static bool header_is_valid(const bvm_vm *vm, const bvm_obj *o)
{
    switch (o->kind) {
    case BVM_OBJ_STRING: return o->aux == 0 && !o->elem_is_ref;
    case BVM_OBJ_ARRAY: return o->aux < vm->module->ntypes;
    case BVM_OBJ_RECORD: return o->aux < vm->module->nrecords && !o->elem_is_ref;
    default: return false; /* a free cell, or memory that is no object */
    }
}

static void mark(bvm_heap *h, bvm_obj *o)
{
    if (!o || o->marked || o->pinned)
        return;
    o->marked = 1;
    if (o->kind == BVM_OBJ_STRING || (o->kind == BVM_OBJ_ARRAY && !o->elem_is_ref))
        return; /* nothing inside to trace */
    BVM_PUSH(h->gray, h->ngray, h->gray_cap, o);
}

static void trace(bvm_vm *vm, bvm_obj *o)
{
    BVM_ASSERT(header_is_valid(vm, o) && o->marked);
    if (o->kind == BVM_OBJ_ARRAY) {
        bvm_array *a = BVM_AS_ARRAY(o);
        for (int64_t i = 0; i < a->length; i++)
            mark(&vm->heap, a->items[i].ref);
    } else {
        const bvm_rt_record *r = &vm->records[o->aux];
        bvm_record_obj *rec = BVM_AS_RECORD(o);
        for (uint16_t i = 0; i < r->nrefs; i++)
            mark(&vm->heap, rec->fields[r->ref_fields[i]].ref);
    }
}

static void mark_frames(bvm_vm *vm)
{
    const bvm_module *m = vm->module;
    for (uint32_t i = 0; i < vm->nframes; i++) {
        const bvm_frame *fr = &vm->frames[i];
        const bvm_rt_function *rf = fr->fn;
        const bvm_function *f = rf->fn;
        /* Frame links (vm_state.h): each frame lies in the value stack, and
         * the next one starts among its operands. */
        BVM_ASSERT(fr->base >= vm->stack && fr->base + rf->frame_size <= vm->stack_end);
        BVM_ASSERT(fr->ip >= f->code && fr->ip < f->code + f->code_len);
        BVM_ASSERT(i + 1 == vm->nframes || (vm->frames[i + 1].base >= fr->base + f->nlocals &&
                                            vm->frames[i + 1].base <= fr->base + rf->frame_size));
        for (uint16_t s = 0; s < f->nlocals; s++)
            if (rf->local_is_ref[s])
                mark(&vm->heap, fr->base[s].ref);

        /* Operand slots: the verifier's map at this frame's pc.  Outer
         * frames are inside a call whose arguments now belong to the
         * callee (they are its parameters), so stop where the callee's
         * frame begins. */
        uint32_t pc = (uint32_t)(fr->ip - f->code);
        const bvm_verified *v = f->verified;
        const bvm_value *operands = fr->base + f->nlocals;
        uint32_t live = (i + 1 < vm->nframes) ? (uint32_t)(vm->frames[i + 1].base - operands) : v->depth[pc];
        /* At a GC point the operand stack is exactly what the stack map
         * says (vm_state.h): the top frame's sp at its depth; an outer
         * frame's call has its arguments' slots past what stays live. */
        BVM_ASSERT(v->depth[pc] != BVM_NOT_INSN && live <= v->depth[pc]);
        BVM_ASSERT(i + 1 < vm->nframes || vm->sp == operands + live);
        const uint16_t *types = v->stack_types + (size_t)pc * v->max_stack;
        for (uint32_t k = 0; k < live; k++)
            if (types[k] != BVM_VT_NULL && types[k] != BVM_VT_TOP && bvm_type_is_ref(m, types[k]))
                mark(&vm->heap, operands[k].ref);
    }
}

static void mark_roots(bvm_vm *vm)
{
    for (uint32_t g = 0; g < vm->module->nglobals; g++)
        if (vm->global_is_ref[g])
            mark(&vm->heap, vm->globals[g].ref);
    mark_frames(vm);
}

/* ---- sweeping ------------------------------------------------------------- */

static void count_freed(bvm_heap *h, size_t size)
{
    h->live_bytes -= size;
    h->stats.bytes_freed += size;
    h->stats.objects_freed++;
}

/* Sweep one size class: rebuild its free list from its pages, giving back
 * pages with no live cell (except the page being carved). */
static void sweep_class(const bvm_vm *vm, bvm_heap *h, bvm_size_class *sc)
{
    sc->free = NULL;
    bvm_page **link = &sc->pages;
    while (*link) {
        bvm_page *p = *link;
        uint32_t cell = p->cell_size;
        BVM_ASSERT(cell >= BVM_MIN_CELL && cell <= BVM_SMALL_MAX && cell % 8 == 0 && &h->classes[cell / 8] == sc);
        uint8_t *end = p == sc->pages ? sc->bump : p->cells + CELLS_PER_PAGE(cell) * cell;
        bvm_obj *page_free = NULL, *page_free_tail = NULL;
        size_t live = 0;
        for (uint8_t *q = p->cells; q < end; q += cell) {
            bvm_obj *o = (bvm_obj *)q;
            BVM_ASSERT(o->kind == BVM_OBJ_FREE || header_is_valid(vm, o));
            if (o->kind != BVM_OBJ_FREE && o->marked) {
                o->marked = 0;
                live++;
                continue;
            }
            if (o->kind != BVM_OBJ_FREE)
                count_freed(h, cell);
            make_free(o, cell, page_free);
            if (!page_free_tail)
                page_free_tail = o;
            page_free = o;
        }
        if (live == 0 && p != sc->pages) {
            *link = p->next; /* nothing alive: give the page back */
            UNPOISON(p, PAGE_BYTES);
            free(p);
            continue;
        }
        if (page_free) {
            *free_link(page_free_tail) = sc->free;
            sc->free = page_free;
        }
        link = &p->next;
    }
}

static void sweep(bvm_vm *vm)
{
    bvm_heap *h = &vm->heap;
    for (int c = 0; c < BVM_SIZE_CLASSES; c++)
        if (h->classes[c].pages)
            sweep_class(vm, h, &h->classes[c]);
    bvm_large **link = &h->large;
    while (*link) {
        bvm_large *l = *link;
        bvm_obj *o = (bvm_obj *)l->object;
        if (o->marked) {
            o->marked = 0;
            link = &l->next;
        } else {
            *link = l->next;
            count_freed(h, l->size);
            free(l);
        }
    }
}

void bvm_heap_collect(bvm_vm *vm)
{
    bvm_heap *h = &vm->heap;
    uint64_t start = bvm_now_ns();
    mark_roots(vm);
    while (h->ngray > 0)
        trace(vm, h->gray[--h->ngray]);
    sweep(vm);
    h->next_gc = h->live_bytes * 2 > BVM_GC_MIN_THRESHOLD ? h->live_bytes * 2 : BVM_GC_MIN_THRESHOLD;
    uint64_t pause = bvm_now_ns() - start;
    h->stats.collections++;
    h->stats.pause_total_ns += pause;
    if (pause > h->stats.pause_max_ns)
        h->stats.pause_max_ns = pause;
}

/* ---- allocation ----------------------------------------------------------- */

/* A cell of `cell` bytes from size class sc, or NULL if the host is out
 * of memory for a new page. */
static bvm_obj *small_cell(bvm_size_class *sc, uint32_t cell)
{
    bvm_obj *o = sc->free;
    if (o) {
        UNPOISON(o, cell);
        BVM_ASSERT(o->kind == BVM_OBJ_FREE); /* only free cells are on a free list */
        sc->free = *free_link(o);
        return o;
    }
    if (!sc->bump || cell > (size_t)(sc->bump_end - sc->bump)) {
        bvm_page *p = malloc(PAGE_BYTES);
        if (!p)
            return NULL;
        p->next = sc->pages;
        p->cell_size = cell;
        sc->pages = p;
        sc->bump = p->cells;
        sc->bump_end = p->cells + CELLS_PER_PAGE(cell) * cell;
    }
    o = (bvm_obj *)sc->bump;
    sc->bump += cell;
    return o;
}

/* Memory for an object of `size` bytes, collecting when policy says so.
 * Returns NULL when the limit is reached even after a collection. */
static bvm_obj *allocate(bvm_vm *vm, size_t size, bvm_obj_kind kind)
{
    bvm_heap *h = &vm->heap;
    if (size > h->limit || size > SIZE_MAX - sizeof(bvm_large))
        return NULL; /* can never fit; also keeps the sums below from wrapping */
    size_t charged = bvm_heap_charge(size);
    /* Written as subtractions so nothing wraps: live_bytes <= limit always
     * holds, and live_bytes may have passed next_gc (a big allocation). */
    bool over_threshold = h->live_bytes >= h->next_gc || charged > h->next_gc - h->live_bytes;
    if (h->stress || over_threshold || charged > h->limit - h->live_bytes)
        bvm_heap_collect(vm);
    if (charged > h->limit - h->live_bytes)
        return NULL;
    bvm_obj *o;
    if (size <= BVM_SMALL_MAX) {
        o = small_cell(&h->classes[charged / 8], (uint32_t)charged);
    } else {
        bvm_large *l = malloc(sizeof(bvm_large) + size);
        if (l) {
            l->size = size;
            l->next = h->large;
            h->large = l;
        }
        o = l ? (bvm_obj *)l->object : NULL;
    }
    if (!o)
        return NULL; /* the host is out of memory: also an out-of-memory exception */
    BVM_ASSERT(size > BVM_SMALL_MAX || charged / 8 < BVM_SIZE_CLASSES);
    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)kind;
    h->live_bytes += charged;
    BVM_ASSERT(h->live_bytes <= h->limit);
    h->stats.bytes_allocated += charged;
    h->stats.objects_allocated++;
    if (h->live_bytes > h->stats.peak_live_bytes)
        h->stats.peak_live_bytes = h->live_bytes;
    return o;
}

bvm_string *bvm_heap_string(bvm_vm *vm, const char *bytes, size_t len)
{
    if (len > (size_t)INT64_MAX - sizeof(bvm_string) - 1)
        return NULL;
    bvm_string *s = (bvm_string *)allocate(vm, sizeof(bvm_string) + len + 1, BVM_OBJ_STRING);
    if (!s)
        return NULL;
    s->length = (int64_t)len;
    if (bytes)
        memcpy(s->chars, bytes, len);
    s->chars[len] = '\0';
    return s;
}

bvm_string *bvm_heap_pinned_string(bvm_heap *h, const char *bytes, size_t len)
{
    bvm_string *s = bvm_xmalloc(sizeof(bvm_string) + len + 1);
    memset(&s->obj, 0, sizeof s->obj);
    s->obj.kind = BVM_OBJ_STRING;
    s->obj.pinned = 1;
    s->length = (int64_t)len;
    memcpy(s->chars, bytes, len);
    s->chars[len] = '\0';
    BVM_PUSH(h->pinned, h->npinned, h->pinned_cap, &s->obj);
    return s;
}

bvm_array *bvm_heap_array(bvm_vm *vm, uint16_t array_type, int64_t length)
{
    if (length < 0 || (uint64_t)length > (SIZE_MAX - sizeof(bvm_array)) / sizeof(bvm_value))
        return NULL;
    size_t size = sizeof(bvm_array) + (size_t)length * sizeof(bvm_value);
    bvm_array *a = (bvm_array *)allocate(vm, size, BVM_OBJ_ARRAY);
    if (!a)
        return NULL;
    uint16_t elem = vm->module->types[array_type].arg;
    a->obj.aux = elem;
    a->obj.elem_is_ref = bvm_type_is_ref(vm->module, elem);
    a->length = length;
    memset(a->items, 0, (size_t)length * sizeof(bvm_value));
    return a;
}

bvm_record_obj *bvm_heap_record(bvm_vm *vm, uint16_t record_type)
{
    uint16_t r = vm->module->types[record_type].arg;
    uint16_t nfields = vm->records[r].nfields;
    bvm_record_obj *rec = (bvm_record_obj *)allocate(vm, sizeof(bvm_record_obj) + nfields * sizeof(bvm_value),
                                                     BVM_OBJ_RECORD);
    if (!rec)
        return NULL;
    rec->obj.aux = r;
    memset(rec->fields, 0, nfields * sizeof(bvm_value));
    return rec;
}
