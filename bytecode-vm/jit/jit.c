/*
 * jit.c -- the JIT's runtime: deciding when a function is compiled, entering
 * and leaving compiled code, running a callee that has none, statistics.
 * The compiler itself is jit_compile.c; docs/jit.md is the design.
 *
 * Entering.  The interpreter's plain loops call bvm_jit_try_enter at a
 * CALL (the callee's frame already pushed) and at a backward jump (the
 * frame's ip saved at the loop header).  Each counts toward its threshold;
 * the first time a function is hot it is compiled, or refused for good.
 * Compiled code then runs the top frame from its saved ip.
 *
 * Leaving.  Compiled code returns BVM_EXEC_RETURNED after popping its frame,
 * or another status with everything saved in the VM; the interpreter loop
 * that entered it continues from frames[] (interp_body.h, ENTER_COMPILED).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jit.h"
#include "jit_mem.h"

/* Compiled code keeps this much C stack free below itself: a callee that
 * would go deeper runs in the interpreter instead (docs/jit.md, section 2). */
#define JIT_STACK_MARGIN (512u * 1024u)

bool bvm_jit_host_supported(void)
{
#if defined(__x86_64__)
    return true;
#else
    return false;
#endif
}

/* The lowest C stack address compiled code may use on this thread. */
static uintptr_t stack_limit(void)
{
    pthread_attr_t attr;
    void *low = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        pthread_attr_getstack(&attr, &low, &size);
        pthread_attr_destroy(&attr);
    }
    uintptr_t here = (uintptr_t)&attr;
    if (!low || size <= JIT_STACK_MARGIN || here < (uintptr_t)low)
        return here - 4u * 1024u * 1024u + JIT_STACK_MARGIN; /* unknown: assume 4 MiB below us */
    return (uintptr_t)low + JIT_STACK_MARGIN;
}

void bvm_jit_init(bvm_vm *vm)
{
    vm->jit_enabled = false;
    memset(&vm->jit_stats, 0, sizeof vm->jit_stats);
    if (vm->opt.jit == BVM_JIT_OFF || !bvm_jit_host_supported())
        return;
    if (vm->opt.jit == BVM_JIT_ALWAYS) {
        vm->opt.jit_call_threshold = 1;
        vm->opt.jit_loop_threshold = 1;
    }
    if (vm->opt.jit_call_threshold == 0)
        vm->opt.jit_call_threshold = BVM_DEFAULT_JIT_CALL_THRESHOLD;
    if (vm->opt.jit_loop_threshold == 0)
        vm->opt.jit_loop_threshold = BVM_DEFAULT_JIT_LOOP_THRESHOLD;
    vm->jit_stack_limit = stack_limit();
    vm->jit_enabled = true;
}

void bvm_jit_free_code(bvm_vm *vm)
{
    for (uint32_t i = 0; i < vm->module->nfuncs; i++)
        bvm_jit_code_free(&vm->funcs[i].jit_code);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* One line per compiled function in /tmp/perf-PID.map, the format perf
 * reads for code it has no symbols for: "START SIZE NAME" in hex. */
static void add_to_perf_map(const bvm_rt_function *fn)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
    FILE *map = fopen(path, "a");
    if (!map)
        return; /* a profiling aid: its absence must not stop the program */
    fprintf(map, "%lx %zx bvm:%s\n", (unsigned long)(uintptr_t)fn->jit_code.entry, fn->jit_code.size,
            fn->fn->name);
    fclose(map);
}

static void compile(bvm_vm *vm, bvm_rt_function *fn)
{
    BVM_ASSERT(fn->jit_state == BVM_JIT_NOT_TRIED); /* compiled or refused once, for good (tier.h) */
    uint64_t started = now_ns();
    const char *why = NULL;
    bvm_jit_listing listing = { NULL };
    if (vm->opt.jit_dump)
        listing.pc_offset = calloc(fn->fn->code_len + 1, sizeof *listing.pc_offset);
    bool compiled = bvm_jit_compile(vm, fn, listing.pc_offset ? &listing : NULL, &why);
    uint64_t took = now_ns() - started;
    vm->jit_stats.compile_ns += took;
    if (compiled) {
        fn->jit_state = BVM_JIT_COMPILED;
        bvm_jit_refresh_fast_entry(fn);
        vm->jit_stats.functions_compiled++;
        vm->jit_stats.bytes_emitted += fn->jit_code.size;
        if (vm->opt.jit_perf_map)
            add_to_perf_map(fn);
        if (listing.pc_offset)
            bvm_jit_dump(vm, fn, &listing, took, vm->opt.jit_dump);
    } else {
        fn->jit_state = BVM_JIT_REFUSED;
        vm->jit_stats.functions_refused++;
        if (vm->opt.jit_dump)
            fprintf(vm->opt.jit_dump, "jit: %s stays interpreted: %s\n", fn->fn->name, why ? why : "?");
    }
    free(listing.pc_offset);
}

/* Counts toward the thresholds; compiles when one is reached.  Returns
 * whether fn was still below them. */
static bool below_threshold(bvm_vm *vm, bvm_rt_function *fn, bool is_loop)
{
    uint32_t count = is_loop ? ++fn->jit_backedges : ++fn->jit_calls;
    if (count < (is_loop ? vm->opt.jit_loop_threshold : vm->opt.jit_call_threshold))
        return true;
    compile(vm, fn);
    return false;
}

void bvm_jit_count(bvm_vm *vm, bvm_rt_function *fn, bool is_loop)
{
    if (fn->jit_state == BVM_JIT_NOT_TRIED)
        below_threshold(vm, fn, is_loop);
}

bool bvm_jit_try_enter(bvm_vm *vm, bvm_rt_function *fn, bool is_loop, bvm_exec_status *status)
{
    if (fn->jit_state == BVM_JIT_NOT_TRIED && below_threshold(vm, fn, is_loop))
        return false;
    if (fn->jit_state != BVM_JIT_COMPILED)
        return false;
    BVM_ASSERT(fn->jit_entry != NULL && fn->jit_code.entry != NULL);
    vm->jit_stats.native_entries++;
    if (is_loop)
        vm->jit_stats.osr_entries++;
    if (vm->opt.jit_timing && !vm->in_native) {
        /* The time from here to the return, less the time compiled code
         * spends back in the interpreter (bvm_jit_interpret_callee). */
        uint64_t started = now_ns();
        vm->in_native = true;
        *status = fn->jit_entry(vm);
        vm->in_native = false;
        vm->jit_stats.native_ns += now_ns() - started;
    } else {
        *status = fn->jit_entry(vm);
    }
    if (*status == BVM_EXEC_DEOPT)
        vm->jit_stats.deoptimizations++;
    return true;
}

bool bvm_jit_may_enter(const bvm_vm *vm, const bvm_rt_function *fn)
{
    if (!vm->jit_enabled || vm->interrupt_requested || vm->skip_stop_once || fn->nbreakpoints != 0)
        return false;
    /* An armed step stops only in frames at most step_max_depth deep (next,
     * finish): deeper ones may run natively. */
    return vm->step_mode == BVM_STEP_NONE || vm->nframes > vm->step_max_depth;
}

void bvm_jit_refresh_fast_entry(bvm_rt_function *fn)
{
    fn->jit_fast_entry = fn->jit_state == BVM_JIT_COMPILED && fn->nbreakpoints == 0 ? fn->jit_native_fast_entry
                                                                                     : bvm_jit_interpret_callee_fast;
}

bvm_exec_status bvm_jit_interpret_callee(bvm_vm *vm)
{
    /* Something armed for the debugger: all of it goes back to the
     * outermost loop, which picks the instrumented one. */
    if (vm->poll)
        return BVM_EXEC_SWITCH;
    /* Called from compiled code: count the call, as the interpreter's CALL
     * does, and run compiled code if the callee has (or now gets) some. */
    bvm_exec_status status;
    bvm_rt_function *callee = vm->frames[vm->nframes - 1].fn;
    bool hooks = !bvm_vm_hooks_idle(vm);
    if (callee->jit_state != BVM_JIT_REFUSED) {
        if (!hooks || bvm_jit_may_enter(vm, callee)) {
            if (bvm_jit_try_enter(vm, callee, false, &status))
                return status;
        } else {
            bvm_jit_count(vm, callee, false);
        }
    }
    uint32_t outer = vm->loop_entry_frames;
    vm->loop_entry_frames = vm->nframes;
    bool timed = vm->opt.jit_timing && vm->in_native;
    uint64_t started = timed ? now_ns() : 0;
    vm->in_native = false;
    status = bvm_interp_run(vm);
    if (timed) {
        vm->in_native = true;
        vm->jit_stats.native_ns -= now_ns() - started;
    }
    vm->loop_entry_frames = outer;
    return status;
}

bvm_exec_status bvm_jit_interpret_callee_fast(bvm_vm *vm)
{
    bvm_frame *top = &vm->frames[vm->nframes - 1];
    top->ip = top->fn->fn->code;
    vm->sp = top->base + top->fn->fn->nlocals;
    return bvm_jit_interpret_callee(vm);
}

/* ---- public API ------------------------------------------------------------- */

void bvm_vm_set_jit(bvm_vm *vm, bool on)
{
    if (vm->opt.jit == BVM_JIT_OFF || !bvm_jit_host_supported())
        return;
    vm->jit_enabled = on;
    if (!on)
        vm->poll = 1; /* compiled code leaves at its next call or backward jump */
}

bool bvm_vm_jit_enabled(const bvm_vm *vm) { return vm->jit_enabled; }

bvm_jit_stats bvm_vm_jit_stats(const bvm_vm *vm) { return vm->jit_stats; }

void bvm_vm_print_jit_stats(const bvm_vm *vm, FILE *out)
{
    const bvm_jit_stats *s = &vm->jit_stats;
    fprintf(out, "jit: %u functions compiled, %u stayed interpreted; %llu bytes of code in %.3f ms\n",
            s->functions_compiled, s->functions_refused, (unsigned long long)s->bytes_emitted,
            s->compile_ns / 1e6);
    if (vm->opt.jit_timing && s->run_ns)
        fprintf(out, "jit: %.3f s in compiled code (and the runtime it calls), %.3f s in the interpreter\n",
                s->native_ns / 1e9, (s->run_ns > s->native_ns ? s->run_ns - s->native_ns : 0) / 1e9);
    fprintf(out, "jit: %llu entries into compiled code (%llu at loop headers), %llu deoptimizations, "
                 "%llu instructions run by the interpreter's code for compiled functions\n",
            (unsigned long long)s->native_entries, (unsigned long long)s->osr_entries,
            (unsigned long long)s->deoptimizations, (unsigned long long)s->generic_instructions);
}
