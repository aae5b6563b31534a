/*
 * tier.h -- the compiled tier as the interpreter sees it.
 *
 * The runtime runs every program in the interpreter; a compiled tier may
 * take over a hot function's frames.  This header is what the runtime asks
 * of that tier and what it keeps for it in each function: the jit/ layer
 * defines the functions declared here (jit.c) and is the only code that
 * sets the fields.  The runtime never includes a header of jit/: the layer
 * above implements the interface the layer below declares, so the include
 * rules (Makefile, BVM_SEES_runtime) keep the interpreter free of the
 * compiler.  docs/jit.md describes the tier.
 *
 * Invariants (the jit_* fields of each bvm_rt_function, vm_state.h):
 *   - jit_entry and jit_fast_entry are never NULL: until the function is
 *     compiled they are bvm_jit_interpret_callee and
 *     bvm_jit_interpret_callee_fast, which run its frame in the interpreter.
 *   - jit_state only moves NOT_TRIED -> COMPILED or NOT_TRIED -> REFUSED.
 *   - jit_fast_entry is jit_native_fast_entry exactly when jit_state is
 *     COMPILED and the function has no breakpoint
 *     (bvm_jit_refresh_fast_entry keeps this).
 */
#ifndef BVM_TIER_H
#define BVM_TIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interp.h"

typedef struct bvm_rt_function bvm_rt_function;

/* Compiled code: runs the top frame from its saved ip (its start, or a loop
 * header), returns BVM_EXEC_RETURNED after popping the frame, or any other
 * status with the state saved in vm (docs/jit.md). */
typedef bvm_exec_status (*bvm_jit_entry)(bvm_vm *vm);
/* What compiled callers call, with the JIT's own convention (docs/jit.md
 * section 3): the caller has pushed the callee's frame and set r12 = vm,
 * r13 = that frame, rbx = its base, rdi = vm; the callee preserves r12,
 * r13 and rbx, and may clobber every other register.  A C function of this
 * type (bvm_jit_interpret_callee_fast) keeps that contract by the ABI. */
typedef bvm_exec_status (*bvm_jit_fast_entry)(bvm_vm *vm);

typedef enum { BVM_JIT_NOT_TRIED, BVM_JIT_COMPILED, BVM_JIT_REFUSED } bvm_jit_state;

/* Machine code the tier installed (jit/jit_mem.c maps it, never writable
 * and executable at once). */
typedef struct {
    void *entry;    /* the first byte of the code: executable, read-only */
    size_t size;    /* bytes of code                                     */
    size_t mapped;  /* bytes mapped, a whole number of pages             */
} bvm_jit_code;

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

/* Sets up the tier's part of a new VM (vm->opt.jit, the host, the C stack),
 * and frees every function's compiled code with the VM. */
void bvm_jit_init(bvm_vm *vm);
void bvm_jit_free_code(bvm_vm *vm);

#endif
