/*
 * vm.h -- running a verified module: the public API of the interpreter,
 * its limits, its garbage-collection statistics, and the hook API the
 * debugger uses to stop, step and look inside a running program.
 *
 * Life cycle:
 *
 *     bvm_vm *vm = bvm_vm_new(module, &options);   // module already verified
 *     bvm_result r = bvm_vm_run(vm);               // runs init, then main
 *     while (r == BVM_RESULT_STOPPED) { ...inspect...; r = bvm_vm_run(vm); }
 *     bvm_vm_free(vm);
 *
 * All execution state (frames, operand stacks, heap) lives in the bvm_vm,
 * never on the C stack, so bvm_vm_run can return at any instruction boundary
 * and later resume exactly there.
 *
 * Cost of hooks: the interpreter is compiled twice from one body
 * (interp_body.h): a plain loop that checks nothing per instruction, and an
 * instrumented loop that counts fuel and checks steps and breakpoints.  The
 * plain loop runs whenever no fuel limit, step or breakpoint is armed; it
 * polls a single flag only at calls and backward jumps to notice that the
 * debugger armed something (or bvm_vm_interrupt was called), and then
 * continues in the instrumented loop at the same pc.
 */
#ifndef BVM_VM_H
#define BVM_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "module.h"
#include "value.h"

typedef struct bvm_vm bvm_vm;

typedef enum { BVM_DISPATCH_SWITCH, BVM_DISPATCH_THREADED } bvm_dispatch;

#define BVM_DEFAULT_HEAP_LIMIT (1024ull * 1024 * 1024) /* 1 GiB of managed objects */
#define BVM_DEFAULT_MAX_DEPTH 100000u                   /* call frames            */

/* The JIT (docs/jit.md): off, on (a function is compiled once it is hot:
 * called jit_call_threshold times, or jit_loop_threshold backward jumps
 * taken in it), or always (compiled before it first runs). */
typedef enum { BVM_JIT_OFF, BVM_JIT_ON, BVM_JIT_ALWAYS } bvm_jit_mode;

#define BVM_DEFAULT_JIT_CALL_THRESHOLD 1000u
#define BVM_DEFAULT_JIT_LOOP_THRESHOLD 5000u

typedef struct {
    bvm_dispatch dispatch;   /* default BVM_DISPATCH_THREADED                    */
    bvm_jit_mode jit;        /* default BVM_JIT_OFF                               */
    uint32_t jit_call_threshold; /* 0 = default                                   */
    uint32_t jit_loop_threshold; /* 0 = default                                   */
    FILE *jit_dump;          /* print each compiled function's bytecode and
                                x86-64 here (Capstone); NULL = don't           */
    bool jit_perf_map;       /* append compiled functions to /tmp/perf-PID.map
                                so `perf report` names them                    */
    bool jit_timing;         /* measure the time spent in compiled code (two
                                clock reads per entry; for --jit-stats)        */
    uint64_t fuel;           /* instruction budget; 0 = unlimited                 */
    uint64_t heap_limit;     /* bytes of live managed objects; 0 = default        */
    uint32_t max_depth;      /* call depth limit; 0 = default                     */
    bool gc_stress;          /* collect before every allocation                   */
    FILE *out;               /* where print writes; NULL = stdout                 */
} bvm_options;

void bvm_options_default(bvm_options *o);

typedef enum {
    BVM_RESULT_OK,           /* main returned; see bvm_vm_exit_code              */
    BVM_RESULT_STOPPED,      /* a step, breakpoint or interrupt stopped it       */
    BVM_RESULT_EXCEPTION,    /* an exception was not caught                      */
    BVM_RESULT_FUEL,         /* the instruction budget ran out                   */
    BVM_RESULT_OUTPUT_ERROR, /* print could not write to options.out             */
} bvm_result;

/* The module must outlive the VM and must have passed bvm_verify_module.
 * Returns NULL (with *why set to static text) if the VM cannot be set up,
 * e.g. the value stack cannot be reserved. */
bvm_vm *bvm_vm_new(const bvm_module *m, const bvm_options *o, const char **why);
void bvm_vm_free(bvm_vm *vm);

/* Start, or resume after BVM_RESULT_STOPPED.  After OK/EXCEPTION/FUEL the
 * program is over and further calls return the same result. */
bvm_result bvm_vm_run(bvm_vm *vm);

/* main's int result (0 for void main), valid after BVM_RESULT_OK. */
int bvm_vm_exit_code(const bvm_vm *vm);

/* After EXCEPTION, FUEL or OUTPUT_ERROR: the message ("division by zero", ...) and the
 * stack trace captured where it was raised, innermost frame first. */
const char *bvm_vm_error_message(const bvm_vm *vm);
typedef struct {
    const char *function;
    uint32_t pc;
    uint32_t line;           /* 0 when unknown */
} bvm_trace_entry;
uint32_t bvm_vm_trace_length(const bvm_vm *vm);
bvm_trace_entry bvm_vm_trace_entry(const bvm_vm *vm, uint32_t i);
/* Print "uncaught exception: MSG" or "fuel exhausted: ..." then one
 * "  at FUNC (FILE:LINE)" line per frame. */
void bvm_vm_print_error(const bvm_vm *vm, FILE *out);

/* Instructions executed so far (counted exactly only while fuel or a hook
 * is armed; otherwise the count of the instrumented loop alone). */
uint64_t bvm_vm_instructions(const bvm_vm *vm);

/* ---- the JIT ---------------------------------------------------------------- */

/* Switch the JIT on or off while the program runs (the debugger's `jit
 * on|off`).  Off: compiled code in progress returns to the interpreter at
 * its next call or backward jump, and nothing is entered natively again
 * until it is switched back on.  Ignored when the VM was made with
 * BVM_JIT_OFF or the host cannot run compiled code. */
void bvm_vm_set_jit(bvm_vm *vm, bool on);
/* Can this host run compiled code (x86-64)?  Elsewhere BVM_JIT_ON and
 * BVM_JIT_ALWAYS run interpreted. */
bool bvm_jit_host_supported(void);
bool bvm_vm_jit_enabled(const bvm_vm *vm);

typedef struct {
    uint32_t functions_compiled;
    uint32_t functions_refused;   /* stayed interpreted: the compiler said why  */
    uint64_t bytes_emitted;
    uint64_t compile_ns;
    uint64_t native_entries;      /* times the interpreter entered compiled code */
    uint64_t osr_entries;         /* ... of them at a loop header                */
    uint64_t deoptimizations;     /* compiled code handed a frame back           */
    uint64_t generic_instructions;/* instructions compiled code ran through the
                                     interpreter's own code (rare opcodes)       */
    uint64_t native_ns;           /* time in compiled code (with jit_timing)     */
    uint64_t run_ns;              /* time in bvm_vm_run (with jit_timing)        */
} bvm_jit_stats;

bvm_jit_stats bvm_vm_jit_stats(const bvm_vm *vm);
void bvm_vm_print_jit_stats(const bvm_vm *vm, FILE *out);

/* ---- garbage collector statistics --------------------------------------- */

typedef struct {
    uint64_t collections;
    uint64_t bytes_allocated;   /* total, over the whole run                   */
    uint64_t bytes_freed;
    uint64_t objects_allocated;
    uint64_t objects_freed;
    uint64_t live_bytes;        /* now                                         */
    uint64_t peak_live_bytes;
    uint64_t pause_total_ns;
    uint64_t pause_max_ns;
} bvm_gc_stats;

bvm_gc_stats bvm_vm_gc_stats(const bvm_vm *vm);
void bvm_vm_print_gc_stats(const bvm_vm *vm, FILE *out);

/* ---- hooks for the debugger ---------------------------------------------- */

typedef enum {
    BVM_STOP_NONE,
    BVM_STOP_STEP,           /* the armed step completed                        */
    BVM_STOP_BREAKPOINT,     /* reached an armed breakpoint pc                  */
    BVM_STOP_INTERRUPT,      /* bvm_vm_interrupt was called                     */
} bvm_stop_reason;

typedef enum {
    BVM_STEP_NONE,
    BVM_STEP_INSTRUCTION,    /* stop before the next instruction                */
    BVM_STEP_LINE,           /* stop at the first instruction of another line,
                                or of the same line in another frame            */
} bvm_step_mode;

/* Arm a step.  It completes only at a stop where the call depth is at most
 * max_depth (use UINT32_MAX for "any depth"): depth = current depth gives
 * `next`, depth - 1 gives `finish`. */
void bvm_vm_set_step(bvm_vm *vm, bvm_step_mode mode, uint32_t max_depth);

/* Arm or clear a breakpoint before the instruction at (function, pc).
 * Returns false if pc does not start an instruction of that function. */
bool bvm_vm_set_breakpoint(bvm_vm *vm, uint16_t function, uint32_t pc, bool armed);

/* Resolve a source line to instruction starts: fills up to max (function,
 * pc) pairs, the first pc of each line-table run for that line; returns
 * how many there are. */
uint32_t bvm_vm_line_to_pcs(const bvm_vm *vm, uint32_t line, uint16_t *functions, uint32_t *pcs,
                            uint32_t max);

/* Stop (BVM_STOP_STEP) when exactly `count` instructions have run in all,
 * as bvm_vm_instructions counts them -- how the debugger goes back in time:
 * it runs the program again from its start up to an earlier count (the VM
 * is deterministic).  Counts are exact only under a fuel budget, which
 * makes every instruction count, compiled ones included: the debugger sets
 * one too large to run out.  False without a budget, or when count has
 * passed already. */
bool bvm_vm_set_stop_at(bvm_vm *vm, uint64_t count);

/* Ask a running VM to stop at the next instruction boundary.  Safe to call
 * from a signal handler. */
void bvm_vm_interrupt(bvm_vm *vm);

bvm_stop_reason bvm_vm_stop_reason(const bvm_vm *vm);

/* ---- inspection (valid while stopped, and after the run ended) ----------- */

/* Call frames, 0 = innermost.  count is 0 before the first bvm_vm_run and
 * after the program ended normally. */
uint32_t bvm_vm_frame_count(const bvm_vm *vm);

typedef struct {
    uint16_t function;       /* index into the module's functions              */
    uint32_t pc;             /* the instruction about to run (or the call
                                in progress for outer frames)                   */
    uint32_t line;
    uint16_t stack_depth;    /* operand stack values in this frame             */
} bvm_frame_info;

bool bvm_vm_frame(const bvm_vm *vm, uint32_t depth, bvm_frame_info *out);

/* A value together with its static type (from the verifier for stack slots,
 * from declarations for locals, globals and fields).  type may be
 * BVM_VT_NULL for a stack slot the verifier knows is the null literal. */
typedef struct {
    uint16_t type;
    bvm_value value;
} bvm_typed_value;

bool bvm_vm_local(const bvm_vm *vm, uint32_t depth, uint16_t slot, bvm_typed_value *out);
bool bvm_vm_stack_slot(const bvm_vm *vm, uint32_t depth, uint16_t slot, bvm_typed_value *out);
bool bvm_vm_global(const bvm_vm *vm, uint16_t global, bvm_typed_value *out);
bool bvm_vm_set_local(bvm_vm *vm, uint32_t depth, uint16_t slot, bvm_value v);
bool bvm_vm_set_global(bvm_vm *vm, uint16_t global, bvm_value v);

/* Element i of an array value / field f of a record value (for `print a[3]`,
 * `print p.next.value`).  False on null, out of range, or wrong kind. */
bool bvm_vm_array_element(const bvm_vm *vm, bvm_typed_value array, int64_t i, bvm_typed_value *out);
int64_t bvm_vm_array_length(const bvm_vm *vm, bvm_typed_value array); /* -1 if null/not array */
bool bvm_vm_record_field(const bvm_vm *vm, bvm_typed_value record, uint16_t field, bvm_typed_value *out);

/* Change element i of an array / field f of a record (for `set var`).  The
 * value must have the element's or field's type: the caller checks (a
 * reference may only be null or another value of the same type).  False
 * on null, out of range, or wrong kind. */
bool bvm_vm_set_array_element(bvm_vm *vm, bvm_typed_value array, int64_t i, bvm_value v);
bool bvm_vm_set_record_field(bvm_vm *vm, bvm_typed_value record, uint16_t field, bvm_value v);

/* The value stack as raw memory (the debugger's `x`): bytes in use, from
 * the bottom of the stack to its top; a read must lie inside them. */
uint64_t bvm_vm_stack_bytes(const bvm_vm *vm);
bool bvm_vm_read_stack(const bvm_vm *vm, uint64_t offset, void *buffer, size_t size);

/* Render a value as the language's str() would ("3", "2.5", "true",
 * "hello", "[1, 2]", "Point{x: 1, y: 2}", "null"); nested records are
 * shown to a bounded depth so cycles terminate, and a text longer than
 * BVM_FORMAT_VALUE_MAX bytes is cut there and ends in "...".  Returns a
 * malloc'd string. */
#define BVM_FORMAT_VALUE_MAX 4096
char *bvm_vm_format_value(const bvm_vm *vm, bvm_typed_value v);

const bvm_module *bvm_vm_module(const bvm_vm *vm);

#endif
