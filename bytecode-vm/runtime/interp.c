/*
 * interp.c -- the four interpreter loops, stamped out from interp_body.h:
 * {switch, threaded} dispatch x {plain, instrumented}, and the table that
 * picks one per run of a loop (interp.h; vm.h explains why there are two
 * of each).
 *
 * The small helpers below are the slow-ish parts of a few instructions,
 * kept out of the body so that it reads as one line of intent per opcode.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "opcodes.h"
#include "value_text.h"
#include "vm_state.h"

static inline bool bvm_strings_equal(const bvm_obj *a, const bvm_obj *b)
{
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    const bvm_string *sa = (const bvm_string *)a, *sb = (const bvm_string *)b;
    return sa->length == sb->length && memcmp(sa->chars, sb->chars, (size_t)sa->length) == 0;
}

/* float -> int as the language defines it: truncate, NaN -> 0, saturate. */
static inline int64_t bvm_float_to_int(double f)
{
    if (isnan(f))
        return 0;
    if (f >= 9223372036854775808.0)
        return INT64_MAX;
    if (f <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)f;
}

/* a + b, a null operand reading as "null".  NULL when the heap is full. */
static bvm_string *bvm_concat(bvm_vm *vm, const bvm_obj *a, const bvm_obj *b)
{
    const char *pa = a ? ((const bvm_string *)a)->chars : "null";
    const char *pb = b ? ((const bvm_string *)b)->chars : "null";
    size_t la = a ? (size_t)((const bvm_string *)a)->length : 4;
    size_t lb = b ? (size_t)((const bvm_string *)b)->length : 4;
    bvm_string *s = bvm_heap_string(vm, NULL, la + lb);
    if (!s)
        return NULL;
    /* a and b stay valid across a collection: they are still on the
     * operand stack, and the collector does not move objects. */
    memcpy(s->chars, pa, la);
    memcpy(s->chars + la, pb, lb);
    return s;
}

static inline const char *bvm_field_name(const bvm_vm *vm, uint16_t record, uint16_t field)
{
    return vm->module->records[record].fields[field].name;
}

/* The four loops (interp_body.h defaults INTERP_ONE to 0 and
 * INTERP_LINKAGE to static, and undefines its parameters at its end). */
#define INTERP_NAME bvm_interp_switch_plain
#define INTERP_THREADED 0
#define INTERP_INSTRUMENTED 0
#include "interp_body.h"

#define INTERP_NAME bvm_interp_switch_instrumented
#define INTERP_THREADED 0
#define INTERP_INSTRUMENTED 1
#include "interp_body.h"

#define INTERP_NAME bvm_interp_threaded_plain
#define INTERP_THREADED 1
#define INTERP_INSTRUMENTED 0
#include "interp_body.h"

#define INTERP_NAME bvm_interp_threaded_instrumented
#define INTERP_THREADED 1
#define INTERP_INSTRUMENTED 1
#include "interp_body.h"

/* The one place that picks a loop: by dispatch, and by whether anything
 * is armed that the instrumented loop must see to. */
static const bvm_interp_loop loops[2][2] = {
    [BVM_DISPATCH_SWITCH] = { bvm_interp_switch_plain, bvm_interp_switch_instrumented },
    [BVM_DISPATCH_THREADED] = { bvm_interp_threaded_plain, bvm_interp_threaded_instrumented },
};

bvm_exec_status bvm_interp_run(bvm_vm *vm)
{
    BVM_ASSERT(vm->nframes >= 1 && vm->loop_entry_frames >= 1 && vm->loop_entry_frames <= vm->nframes);
    return loops[vm->opt.dispatch][bvm_vm_needs_instrumentation(vm)](vm);
}

/* One instruction, for compiled code (jit.c): the switch loop, leaving
 * after the instruction it started with; the one loop seen outside. */
#define INTERP_NAME bvm_interp_one
#define INTERP_LINKAGE extern
#define INTERP_THREADED 0
#define INTERP_INSTRUMENTED 0
#define INTERP_ONE 1
#include "interp_body.h"
