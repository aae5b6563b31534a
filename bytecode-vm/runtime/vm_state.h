/*
 * vm_state.h -- the inside of a bvm_vm: its frames, functions, heap, hooks
 * and limits, shared by the runtime (vm.c: API, frames, exceptions, hooks;
 * heap.c: allocation and GC; value_text.c: conversions; interp.c: the
 * dispatch loops) and the JIT above it.  Nothing outside libbvm includes it.
 * The interfaces around it have headers of their own: interp.h (the loops),
 * tier.h (what the runtime asks of the compiled tier), value_text.h.
 *
 * Memory picture of a running program:
 *
 *   value stack (one contiguous array of 64-bit slots, grows up)
 *
 *     frame 0 (main)                 frame 1                    top frame
 *     +--------+----------------+    +--------+-----------+     +--------+-------
 *     | locals | operand stack  |    | locals | operands  | ... | locals | operands ... sp
 *     +--------+----------------+    +--------+-----------+     +--------+-------
 *     ^ base                          ^ base = where the caller pushed the arguments
 *
 *   frames[] (separate array): function, ip, base of each activation.
 *
 * Invariants:
 *   - frames[i].base + frames[i].fn->frame_size <= stack_end for every frame.
 *   - For every frame but the top one, ip points at the CALL instruction in
 *     progress; its live operand slots are [base + nlocals, frames[i+1].base).
 *   - For the top frame, ip and sp are only current in the bvm_vm while the
 *     interpreter is not running, or at a GC point / throw, where the
 *     interpreter stores them first (SAVE_STATE in interp_body.h).  At a GC
 *     point the instruction's operands are still on the stack, so the
 *     verifier's stack map for ip describes the stack exactly.
 */
#ifndef BVM_VM_STATE_H
#define BVM_VM_STATE_H

#include <signal.h>

#include "bvm_assert.h"
#include "heap.h"
#include "interp.h"
#include "tier.h"
#include "verify.h"
#include "vm.h"

typedef struct bvm_frame bvm_frame;

struct bvm_rt_function {
    const bvm_function *fn;
    uint16_t index;
    uint32_t frame_size;     /* nlocals + max_stack                            */
    uint8_t *local_is_ref;   /* [nlocals]: slot holds a reference             */
    uint8_t *breakpoints;    /* [code_len] armed flags, or NULL when none     */
    uint32_t nbreakpoints;
    /* the compiled tier (tier.h; only jit/ sets these): */
    bvm_jit_entry jit_entry; /* its compiled code, entered at frame->ip, or
                                bvm_jit_interpret_callee                      */
    bvm_jit_fast_entry jit_fast_entry; /* what compiled callers call: the
                                compiled code's entry for a frame just pushed
                                (fn and base set, not ip), or
                                bvm_jit_interpret_callee_fast -- always the
                                latter while the function has breakpoints    */
    bvm_jit_fast_entry jit_native_fast_entry; /* the compiled one, kept      */
    uint8_t jit_state;       /* bvm_jit_state                                  */
    uint32_t jit_calls;      /* calls and backward jumps counted toward the  */
    uint32_t jit_backedges;  /* thresholds                                   */
    bvm_jit_code jit_code;
};

typedef struct {
    uint16_t nfields;
    uint16_t nrefs;
    uint16_t *ref_fields;    /* indices of the fields holding references      */
} bvm_rt_record;

struct bvm_frame {
    bvm_rt_function *fn;
    const uint8_t *ip;       /* see the invariants above                      */
    bvm_value *base;         /* local 0; operands start at base + nlocals     */
};

typedef enum {
    BVM_PHASE_INIT,          /* not started, or running $init                 */
    BVM_PHASE_MAIN,          /* running main                                  */
    BVM_PHASE_DONE,          /* finished: result holds how                    */
} bvm_phase;



struct bvm_vm {
    const bvm_module *module;
    bvm_options opt;
    bvm_rt_function *funcs;      /* [module->nfuncs]                          */
    bvm_rt_record *records;      /* [module->nrecords]                        */
    bvm_value *consts;           /* [module->nconsts]; strings are pinned     */
    bvm_value *globals;          /* [module->nglobals]                        */
    uint8_t *global_is_ref;      /* [module->nglobals]                        */

    bvm_value *stack, *stack_end, *sp;
    size_t stack_bytes;
    bvm_frame *frames;
    uint32_t nframes, max_frames;
    size_t frames_bytes;

    bvm_heap heap;
    bvm_string *msg_out_of_memory;   /* preallocated: raising them must not allocate */
    bvm_string *msg_stack_overflow;   /* call depth limit reached                     */
    bvm_string *msg_value_stack_full; /* the value stack itself is full (huge frames) */
    bvm_buf scratch;             /* reused text buffer for tostr / sfmt       */

    bvm_phase phase;
    bvm_result result;
    int exit_code;

    /* the JIT (jit.c) */
    bool jit_enabled;            /* compiled code may be entered              */
    uint32_t loop_entry_frames;  /* the interpreter loop being entered returns
                                    once nframes drops below this (1 for the
                                    outermost loop; the callee's depth for a
                                    loop compiled code started)               */
    uintptr_t jit_stack_limit;   /* compiled code deoptimizes rather than call
                                    deeper once the C stack pointer is below  */
    bvm_jit_stats jit_stats;
    bool jit_tried_start;        /* the phase function was offered to the JIT */
    bool in_native;              /* jit_timing: compiled code is running now  */

    /* limits and hooks */
    uint64_t fuel_left;          /* meaningful when opt.fuel != 0              */
    bool stop_at_armed;          /* bvm_vm_set_stop_at: fuel_left runs out at
                                    the instruction to stop before ...         */
    uint64_t fuel_held;          /* ... and this much budget waits beyond it   */
    uint64_t instructions;       /* counted by the instrumented loop           */
    volatile sig_atomic_t poll;  /* plain loop: leave at next call/back-edge   */
    volatile sig_atomic_t interrupt_requested;
    bvm_step_mode step_mode;
    uint32_t step_max_depth;
    uint32_t step_start_frames;  /* where the armed step began                 */
    uint16_t step_start_func;
    uint32_t step_start_line;
    uint32_t breakpoints_armed;  /* total over all functions                   */
    bool skip_stop_once;         /* resume past the instruction we stopped at  */
    bvm_stop_reason stop_reason;

    /* the error that ended the run */
    char *error_message;
    bool error_is_fuel;
    bvm_trace_entry *trace;
    uint32_t trace_len;
};

/* ---- used by the interpreter loops (vm.c) -------------------------------- */

/* Is a debugger hook armed that can stop the run: a step, a breakpoint,
 * an interrupt? */
static inline bool bvm_vm_hooks_armed(const bvm_vm *vm)
{
    return vm->step_mode != BVM_STEP_NONE || vm->breakpoints_armed != 0 || vm->interrupt_requested;
}

/* Is nothing armed but (perhaps) fuel -- no hook, no stop to step past?
 * Then compiled code, which counts fuel itself, may run. */
static inline bool bvm_vm_hooks_idle(const bvm_vm *vm)
{
    return !bvm_vm_hooks_armed(vm) && !vm->skip_stop_once;
}

/* Does the instrumented loop have anything to do?  The one test that
 * picks the loop (bvm_interp_run). */
static inline bool bvm_vm_needs_instrumentation(const bvm_vm *vm)
{
    return vm->opt.fuel != 0 || !bvm_vm_hooks_idle(vm);
}

/* Called by the instrumented loop before each instruction (state saved):
 * decides whether a hook stops here, and if so records the reason. */
bool bvm_vm_should_stop(bvm_vm *vm);

/* Raise an exception with message `msg` (a managed string) in the top frame
 * at its saved ip.  Finds a handler, unwinding frames; returns true when one
 * was found (frames, ip, sp updated in vm), false when uncaught (the trace
 * is captured and the frames are left as they were). */
bool bvm_vm_throw(bvm_vm *vm, bvm_string *msg);

/* Raise a run-time error with a formatted message (allocated in the heap;
 * falls back to the out-of-memory message if the heap is full). */
bool bvm_vm_throw_error(bvm_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The exception for a call that does not fit: the depth limit, or (with
 * huge frames) the value stack itself. */
static inline bvm_string *bvm_vm_overflow_message(const bvm_vm *vm)
{
    return vm->nframes >= vm->max_frames ? vm->msg_stack_overflow : vm->msg_value_stack_full;
}

/* Push a frame for `callee` whose parameters are the arguments at `args`
 * (the top nparams operand slots of the caller, or the empty stack for
 * the first function); zero its other locals; set vm->sp past its locals.
 * Returns false, raising nothing, if the depth or stack limit is reached.
 * The one way a frame is made: CALL in interp_body.h and vm.c use it. */
static inline bool bvm_vm_push_frame(bvm_vm *vm, bvm_rt_function *callee, bvm_value *args)
{
    if (vm->nframes >= vm->max_frames || callee->frame_size > (size_t)(vm->stack_end - args))
        return false;
    /* A frame starts where its caller's arguments are: among the caller's
     * operands (or at the bottom of the stack for the first function). */
    BVM_ASSERT(vm->nframes == 0 ? args == vm->stack
                                : args >= vm->frames[vm->nframes - 1].base + vm->frames[vm->nframes - 1].fn->fn->nlocals);
    bvm_frame *fr = &vm->frames[vm->nframes++];
    fr->fn = callee;
    fr->ip = callee->fn->code;
    fr->base = args;
    for (bvm_value *v = args + callee->fn->nparams; v < args + callee->fn->nlocals; v++)
        v->i = 0;
    vm->sp = args + callee->fn->nlocals;
    return true;
}

/* Record the fuel-exhausted error with a trace of the current frames. */
void bvm_vm_fuel_exhausted(bvm_vm *vm);
/* Fuel ran out: was it the stop bvm_vm_set_stop_at asked for?  If so the
 * budget beyond it is restored and the stop recorded (BVM_STOP_STEP). */
bool bvm_vm_fuel_stop(bvm_vm *vm);

#endif
