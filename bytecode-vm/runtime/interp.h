/*
 * interp.h -- the interpreter as the rest of the runtime and the JIT call
 * it: what a run of a loop ends with, the loop the VM's state calls for,
 * and one instruction for compiled code.
 *
 * interp.c stamps four loops out of one body (interp_body.h): {switch,
 * threaded} dispatch x {plain, instrumented}.  Which one runs is decided in
 * one place, bvm_interp_run's table: the instrumented loop while anything
 * is armed (fuel, a step, a breakpoint, an interrupt, a stop to step past:
 * bvm_vm_needs_instrumentation in vm_state.h), else the plain one, in the
 * dispatch the options chose.
 *
 * Invariant: a loop runs until the frame that was on top when it started
 * returns (nframes drops below vm->loop_entry_frames), or until something
 * needs its caller; ip and sp are saved in the VM whenever it returns.
 */
#ifndef BVM_INTERP_H
#define BVM_INTERP_H

typedef struct bvm_vm bvm_vm;

/* What one run of an interpreter loop, or of compiled code, ended with. */
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

typedef bvm_exec_status (*bvm_interp_loop)(bvm_vm *vm);

/* Runs the top frame from its saved ip in the loop the VM's state calls
 * for (the table in interp.c). */
bvm_exec_status bvm_interp_run(bvm_vm *vm);

/* Exactly one instruction of the top frame, the interpreter's own code for
 * it: compiled code calls this for opcodes it does not compile itself.
 * Returns BVM_EXEC_ONE_DONE with ip and sp saved, or another status. */
bvm_exec_status bvm_interp_one(bvm_vm *vm);

#endif
