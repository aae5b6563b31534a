/*
 * heap.c -- allocation and mark-and-sweep collection (see heap.h).
 *
 * Every collectable object is one malloc'd block on a singly linked list.
 * Collection marks from the precise roots described in heap.h, tracing
 * through an explicit gray stack, then sweeps the list freeing what is
 * unmarked.  Sizes are recomputed from the object header on free, so the
 * header carries no size field.
 */
#include "heap.h"

#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"

void bvm_heap_init(bvm_heap *h, uint64_t limit, bool stress)
{
    memset(h, 0, sizeof *h);
    h->limit = limit;
    h->stress = stress;
    h->next_gc = BVM_GC_MIN_THRESHOLD;
}

static void free_list(bvm_obj *o)
{
    while (o) {
        bvm_obj *next = o->next;
        free(o);
        o = next;
    }
}

void bvm_heap_free(bvm_heap *h)
{
    free_list(h->objects);
    free_list(h->pinned);
    free(h->gray);
    memset(h, 0, sizeof *h);
}

static size_t object_size(const bvm_vm *vm, const bvm_obj *o)
{
    switch ((bvm_obj_kind)o->kind) {
    case BVM_OBJ_STRING: return sizeof(bvm_string) + (size_t)BVM_AS_STRING(o)->length + 1;
    case BVM_OBJ_ARRAY: return sizeof(bvm_array) + (size_t)BVM_AS_ARRAY(o)->length * sizeof(bvm_value);
    case BVM_OBJ_RECORD: return sizeof(bvm_record_obj) + vm->records[o->aux].nfields * sizeof(bvm_value);
    }
    return 0;
}

/* ---- marking -------------------------------------------------------------- */

static void mark(bvm_heap *h, bvm_obj *o)
{
    if (!o || o->marked || o->pinned)
        return;
    o->marked = 1;
    if (o->kind == BVM_OBJ_STRING || (o->kind == BVM_OBJ_ARRAY && !o->elem_is_ref))
        return; /* nothing inside to trace */
    if (h->ngray == h->gray_cap) {
        h->gray_cap = h->gray_cap ? h->gray_cap * 2 : 256;
        h->gray = bvm_xrealloc(h->gray, h->gray_cap * sizeof *h->gray);
    }
    h->gray[h->ngray++] = o;
}

static void trace(bvm_vm *vm, bvm_obj *o)
{
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

static void sweep(bvm_vm *vm)
{
    bvm_heap *h = &vm->heap;
    bvm_obj **link = &h->objects;
    while (*link) {
        bvm_obj *o = *link;
        if (o->marked) {
            o->marked = 0;
            link = &o->next;
        } else {
            size_t size = object_size(vm, o);
            *link = o->next;
            h->live_bytes -= size;
            h->stats.bytes_freed += size;
            h->stats.objects_freed++;
            free(o);
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

/* Room for `size` more live bytes, collecting when policy says so.  Returns
 * NULL when the limit is reached even after a collection. */
static bvm_obj *allocate(bvm_vm *vm, size_t size, bvm_obj_kind kind)
{
    bvm_heap *h = &vm->heap;
    if (h->stress || h->live_bytes + size > h->next_gc || h->live_bytes + size > h->limit)
        bvm_heap_collect(vm);
    if (h->live_bytes + size > h->limit || size > h->limit)
        return NULL;
    bvm_obj *o = malloc(size);
    if (!o)
        return NULL; /* the host is out of memory: also an out-of-memory exception */
    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)kind;
    o->next = h->objects;
    h->objects = o;
    h->live_bytes += size;
    h->stats.bytes_allocated += size;
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
    s->obj.next = h->pinned;
    h->pinned = &s->obj;
    s->length = (int64_t)len;
    memcpy(s->chars, bytes, len);
    s->chars[len] = '\0';
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
