/*
 * vm_internal.h -- the inside of a bvm_vm, shared by vm.c (API, frames,
 * exceptions, hooks), heap.c (allocation and GC), strings.c (conversions)
 * and interp.c (the dispatch loops).  Nothing outside libbvm includes it.
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
#ifndef BVM_VM_INTERNAL_H
#define BVM_VM_INTERNAL_H

#include <signal.h>

#include "heap.h"
#include "jit_mem.h"
#include "verify.h"
#include "vm.h"

/* What one run of an interpreter loop ended with. */
typedef enum {
    BVM_EXEC_RETURNED,       /* the outermost frame returned                  */
    BVM_EXEC_SWITCH,         /* the plain loop saw `poll`: rerun instrumented */
    BVM_EXEC_STOPPED,        /* a hook stopped it                             */
    BVM_EXEC_UNCAUGHT,       /* exception with no handler; trace captured     */
    BVM_EXEC_FUEL,           /* budget exhausted; trace captured              */
    BVM_EXEC_OUTPUT_ERROR,   /* print failed to write (full disk, closed pipe) */
    /* Only between compiled code and the loops (docs/jit.md, section 2): */
    BVM_EXEC_DEOPT,          /* compiled code handed the top frame back at its
                                saved ip: the nearest loop continues it      */
    BVM_EXEC_UNWIND,         /* an exception was caught: frames[] end at the
                                handler's frame, at the handler              */
    BVM_EXEC_ONE_DONE,       /* bvm_interp_one ran its one instruction       */
} bvm_exec_status;

/* Compiled code: runs the top frame from its saved ip (its start, or a loop
 * header), returns BVM_EXEC_RETURNED after popping the frame, or any other
 * status with the state saved in vm (docs/jit.md). */
typedef struct bvm_frame bvm_frame;
typedef bvm_exec_status (*bvm_jit_entry)(bvm_vm *vm);
/* What compiled callers call, with the JIT's own convention (docs/jit.md
 * section 3): the caller has pushed the callee's frame and set r12 = vm,
 * r13 = that frame, rbx = its base, rdi = vm; the callee preserves r12,
 * r13 and rbx, and may clobber every other register.  A C function of this
 * type (bvm_jit_interpret_callee_fast) keeps that contract by the ABI. */
typedef bvm_exec_status (*bvm_jit_fast_entry)(bvm_vm *vm);

typedef enum { BVM_JIT_NOT_TRIED, BVM_JIT_COMPILED, BVM_JIT_REFUSED } bvm_jit_state;

typedef struct {
    const bvm_function *fn;
    uint16_t index;
    uint32_t frame_size;     /* nlocals + max_stack                            */
    uint8_t *local_is_ref;   /* [nlocals]: slot holds a reference             */
    uint8_t *breakpoints;    /* [code_len] armed flags, or NULL when none     */
    uint32_t nbreakpoints;
    /* the JIT (jit.c): */
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
} bvm_rt_function;

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

/* Does the instrumented loop have anything to do? */
static inline bool bvm_vm_needs_instrumentation(const bvm_vm *vm)
{
    return vm->opt.fuel != 0 || vm->step_mode != BVM_STEP_NONE || vm->breakpoints_armed != 0 ||
           vm->interrupt_requested;
}

/* Is nothing armed but (perhaps) fuel?  Then compiled code, which counts
 * fuel itself, may run. */
static inline bool bvm_vm_hooks_idle(const bvm_vm *vm)
{
    return vm->step_mode == BVM_STEP_NONE && vm->breakpoints_armed == 0 && !vm->interrupt_requested &&
           !vm->skip_stop_once;
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

/* The interpreter entry points (interp.c).  Each runs until the frame
 * that was on top when it started returns (loop_entry_frames), or until
 * something needs the caller (a stop, an error, a switch of loop). */
bvm_exec_status bvm_interp_switch_plain(bvm_vm *vm);
bvm_exec_status bvm_interp_switch_instrumented(bvm_vm *vm);
bvm_exec_status bvm_interp_threaded_plain(bvm_vm *vm);
bvm_exec_status bvm_interp_threaded_instrumented(bvm_vm *vm);
/* Exactly one instruction of the top frame, the interpreter's own code for
 * it: compiled code calls this for opcodes it does not compile itself.
 * Returns BVM_EXEC_ONE_DONE with ip and sp saved, or another status. */
bvm_exec_status bvm_interp_one(bvm_vm *vm);

/* ---- the JIT (jit.c) -------------------------------------------------------- */

/* Enter compiled code for the top frame, compiling its function first if
 * it is hot enough (or always).  Called by the interpreter at a CALL (the
 * callee's frame pushed, is_loop false) and at a backward jump (frame->ip
 * at the loop header, is_loop true).  Returns false when the function has
 * no compiled code (nothing was run), else true with *status what the
 * compiled code returned. */
bool bvm_jit_try_enter(bvm_vm *vm, bvm_rt_function *fn, bool is_loop, bvm_exec_status *status);
/* Counts a call or backward jump of fn toward the thresholds and compiles
 * it once it is hot, without entering it (while a debugger hook is armed). */
void bvm_jit_count(bvm_vm *vm, bvm_rt_function *fn, bool is_loop);

/* May the frame on top (of fn, at depth vm->nframes) run compiled code
 * while the debugger has hooks armed?  Deoptimization is per function: not
 * if fn has a breakpoint, not where an armed step could stop (a frame no
 * deeper than the step's limit), not while an interrupt is pending.  A
 * function with breakpoints is never entered from compiled callers either
 * (its jit_fast_entry, bvm_jit_refresh_fast_entry). */
bool bvm_jit_may_enter(const bvm_vm *vm, const bvm_rt_function *fn);

/* Sets fn->jit_fast_entry from its state: compiled code, unless it has
 * breakpoints; else bvm_jit_interpret_callee_fast. */
void bvm_jit_refresh_fast_entry(bvm_rt_function *fn);

/* The jit_entry of a function without compiled code: runs its frame (the
 * top one) in an interpreter loop until it returns. */
bvm_exec_status bvm_jit_interpret_callee(bvm_vm *vm);
/* The same, as a jit_fast_entry: first completes the frame a compiled
 * caller pushed (its ip at the start, vm->sp past its locals). */
bvm_exec_status bvm_jit_interpret_callee_fast(bvm_vm *vm);

/* Runs the interpreter loop that vm.c would pick (plain or instrumented,
 * switch or threaded) on the top frame. */
bvm_exec_status bvm_vm_run_loop(bvm_vm *vm);

/* Sets up the JIT's part of a new VM (vm->opt.jit, the host, the C stack). */
void bvm_jit_init(bvm_vm *vm);
void bvm_jit_free_code(bvm_vm *vm);

/* What the compiler records for --jit-dump: the offset in the code where
 * each pc's instructions begin (UINT32_MAX: none), and the code's size. */
typedef struct {
    uint32_t *pc_offset;     /* [code_len + 1] */
} bvm_jit_listing;

/* Compiles one function (jit_compile.c).  Returns false, with a static
 * reason in *why, when it cannot: the function then stays interpreted. */
bool bvm_jit_compile(bvm_vm *vm, bvm_rt_function *fn, bvm_jit_listing *listing, const char **why);



/* Prints fn's bytecode interleaved with the x86-64 it became
 * (jit_dump.c, Capstone). */
void bvm_jit_dump(const bvm_vm *vm, const bvm_rt_function *fn, const bvm_jit_listing *listing,
                  uint64_t compile_ns, FILE *out);

/* ---- strings.c: values to text ------------------------------------------- */

/* Append the str() text of a value of static type `type` to out.  Returns
 * false, leaving a partial text, once more than max_len bytes would be
 * appended (the rest is not produced). */
bool bvm_value_to_text(const bvm_vm *vm, uint16_t type, bvm_value v, bvm_buf *out, size_t max_len);
/* Format v with one printf conversion spec, which the verifier has checked
 * is well-formed and fits v's type.  Appends to out. */
void bvm_format_spec(const bvm_string *spec, bvm_value v, bvm_buf *out);
/* Shortest round-trip text of a double, always with '.', 'e', inf or nan. */
void bvm_float_to_text(double f, bvm_buf *out);

#endif
