/*
 * vm.c -- the VM around the interpreter loops: setting up a run, the phase
 * machine ($init, then main), frames and limits, exceptions and stack
 * traces, debugger hooks, and the inspection API (vm.h).
 *
 * The interpreter loops (interp.c) execute instructions; everything that is
 * not on the per-instruction fast path lives here, so the loops stay small
 * and the rules (how a frame is pushed, how a handler is found) are written
 * once for all four loop variants.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "opcodes.h"
#include "value_text.h"
#include "vm_state.h"

/* Value stack slots reserved up front.  The memory is mapped lazily, so
 * only the slots a program really uses ever become resident. */
#define BVM_STACK_SLOTS (16u << 20) /* 128 MiB of address space */

void bvm_options_default(bvm_options *o)
{
    memset(o, 0, sizeof *o);
    o->dispatch = BVM_DISPATCH_THREADED;
}

static void *reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void init_functions(bvm_vm *vm)
{
    const bvm_module *m = vm->module;
    vm->funcs = bvm_xcalloc(m->nfuncs, sizeof *vm->funcs);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const bvm_function *f = &m->funcs[i];
        bvm_rt_function *rf = &vm->funcs[i];
        rf->fn = f;
        rf->index = (uint16_t)i;
        rf->frame_size = (uint32_t)f->nlocals + f->max_stack;
        rf->local_is_ref = bvm_xcalloc(f->nlocals ? f->nlocals : 1, 1);
        for (uint16_t s = 0; s < f->nlocals; s++)
            rf->local_is_ref[s] = bvm_type_is_ref(m, f->local_types[s]);
        rf->jit_entry = bvm_jit_interpret_callee; /* until it is compiled */
        rf->jit_fast_entry = bvm_jit_interpret_callee_fast;
    }
    vm->records = bvm_xcalloc(m->nrecords, sizeof *vm->records);
    for (uint32_t r = 0; r < m->nrecords; r++) {
        const bvm_record *rec = &m->records[r];
        bvm_rt_record *rr = &vm->records[r];
        rr->nfields = rec->nfields;
        rr->ref_fields = bvm_xcalloc(rec->nfields ? rec->nfields : 1, sizeof *rr->ref_fields);
        for (uint16_t j = 0; j < rec->nfields; j++)
            if (bvm_type_is_ref(m, rec->fields[j].type))
                rr->ref_fields[rr->nrefs++] = j;
    }
}

static void init_constants(bvm_vm *vm)
{
    const bvm_module *m = vm->module;
    vm->consts = bvm_xcalloc(m->nconsts, sizeof *vm->consts);
    for (uint32_t i = 0; i < m->nconsts; i++) {
        const bvm_const *c = &m->consts[i];
        switch ((bvm_const_kind)c->kind) {
        case BVM_CONST_INT: vm->consts[i].i = c->as.i; break;
        case BVM_CONST_FLOAT: vm->consts[i].f = c->as.f; break;
        case BVM_CONST_STRING:
            vm->consts[i].ref = &bvm_heap_pinned_string(&vm->heap, c->as.s.chars, c->as.s.len)->obj;
            break;
        }
    }
    vm->globals = bvm_xcalloc(m->nglobals, sizeof *vm->globals);
    vm->global_is_ref = bvm_xcalloc(m->nglobals, 1);
    for (uint32_t g = 0; g < m->nglobals; g++)
        vm->global_is_ref[g] = bvm_type_is_ref(m, m->globals[g].type);
}

bvm_vm *bvm_vm_new(const bvm_module *m, const bvm_options *o, const char **why)
{
    bvm_vm *vm = bvm_xcalloc(1, sizeof *vm);
    vm->module = m;
    if (o)
        vm->opt = *o;
    else
        bvm_options_default(&vm->opt);
    if (!vm->opt.out)
        vm->opt.out = stdout;
    if (!vm->opt.heap_limit)
        vm->opt.heap_limit = BVM_DEFAULT_HEAP_LIMIT;
    if (!vm->opt.max_depth)
        vm->opt.max_depth = BVM_DEFAULT_MAX_DEPTH;
    vm->fuel_left = vm->opt.fuel;

    vm->stack_bytes = (size_t)BVM_STACK_SLOTS * sizeof(bvm_value);
    vm->stack = reserve(vm->stack_bytes);
    vm->max_frames = vm->opt.max_depth;
    vm->frames_bytes = (size_t)vm->max_frames * sizeof(bvm_frame);
    vm->frames = reserve(vm->frames_bytes);
    if (!vm->stack || !vm->frames) {
        *why = "cannot reserve address space for the value stack and call frames";
        bvm_vm_free(vm);
        return NULL;
    }
    vm->stack_end = vm->stack + BVM_STACK_SLOTS;
    vm->sp = vm->stack;

    bvm_heap_init(&vm->heap, vm->opt.heap_limit, vm->opt.gc_stress);
    init_functions(vm);
    init_constants(vm);
    bvm_jit_init(vm);
    char msg[128];
    snprintf(msg, sizeof msg, "out of memory: heap limit of %llu bytes reached",
             (unsigned long long)vm->opt.heap_limit);
    vm->msg_out_of_memory = bvm_heap_pinned_string(&vm->heap, msg, strlen(msg));
    snprintf(msg, sizeof msg, "stack overflow: call depth limit of %u reached", vm->opt.max_depth);
    vm->msg_stack_overflow = bvm_heap_pinned_string(&vm->heap, msg, strlen(msg));
    snprintf(msg, sizeof msg, "stack overflow: the value stack of %u slots is full", BVM_STACK_SLOTS);
    vm->msg_value_stack_full = bvm_heap_pinned_string(&vm->heap, msg, strlen(msg));
    vm->phase = BVM_PHASE_INIT;
    return vm;
}

void bvm_vm_free(bvm_vm *vm)
{
    if (!vm)
        return;
    if (vm->stack)
        munmap(vm->stack, vm->stack_bytes);
    if (vm->frames)
        munmap(vm->frames, vm->frames_bytes);
    if (vm->funcs) {
        for (uint32_t i = 0; i < vm->module->nfuncs; i++) {
            free(vm->funcs[i].local_is_ref);
            free(vm->funcs[i].breakpoints);
        }
        bvm_jit_free_code(vm);
        free(vm->funcs);
    }
    if (vm->records) {
        for (uint32_t r = 0; r < vm->module->nrecords; r++)
            free(vm->records[r].ref_fields);
        free(vm->records);
    }
    free(vm->consts);
    free(vm->globals);
    free(vm->global_is_ref);
    bvm_heap_free(&vm->heap);
    bvm_buf_free(&vm->scratch);
    free(vm->error_message);
    free(vm->trace);
    free(vm);
}

/* ---- frames --------------------------------------------------------------- */

/* ---- errors, exceptions, traces ------------------------------------------ */

static void capture_trace(bvm_vm *vm)
{
    free(vm->trace);
    vm->trace_len = vm->nframes;
    vm->trace = bvm_xcalloc(vm->nframes ? vm->nframes : 1, sizeof *vm->trace);
    for (uint32_t i = 0; i < vm->nframes; i++) {
        const bvm_frame *fr = &vm->frames[vm->nframes - 1 - i];
        const bvm_function *f = fr->fn->fn;
        uint32_t pc = (uint32_t)(fr->ip - f->code);
        vm->trace[i] = (bvm_trace_entry){.function = f->name, .pc = pc, .line = bvm_function_line_at(f, pc)};
    }
}

static const bvm_handler *find_handler(const bvm_function *f, uint32_t pc)
{
    for (uint32_t i = 0; i < f->nhandlers; i++)
        if (pc >= f->handlers[i].start && pc < f->handlers[i].end)
            return &f->handlers[i];
    return NULL;
}

bool bvm_vm_throw(bvm_vm *vm, bvm_string *msg)
{
    /* Search first, unwind after: an uncaught exception keeps the frames
     * intact, so the trace (and a debugger) sees where it was raised. */
    for (uint32_t i = vm->nframes; i-- > 0;) {
        bvm_frame *fr = &vm->frames[i];
        const bvm_function *f = fr->fn->fn;
        const bvm_handler *h = find_handler(f, (uint32_t)(fr->ip - f->code));
        if (!h)
            continue;
        vm->nframes = i + 1;
        fr->ip = f->code + h->handler;
        vm->sp = fr->base + f->nlocals;
        (vm->sp++)->ref = &msg->obj;
        /* A handler starts with the message alone on its stack (verify.c). */
        BVM_ASSERT(h->handler < f->code_len && f->verified->depth[h->handler] == 1);
        return true;
    }
    capture_trace(vm);
    free(vm->error_message);
    vm->error_message = bvm_xstrndup(msg->chars, (size_t)msg->length);
    vm->error_is_fuel = false;
    return false;
}

bool bvm_vm_throw_error(bvm_vm *vm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = bvm_vformat(fmt, ap);
    va_end(ap);
    bvm_string *msg = bvm_heap_string(vm, text, strlen(text));
    free(text);
    return bvm_vm_throw(vm, msg ? msg : vm->msg_out_of_memory);
}

void bvm_vm_fuel_exhausted(bvm_vm *vm)
{
    capture_trace(vm);
    free(vm->error_message);
    vm->error_message = bvm_format("fuel exhausted: %llu instructions executed", (unsigned long long)vm->opt.fuel);
    vm->error_is_fuel = true;
}

bool bvm_vm_fuel_stop(bvm_vm *vm)
{
    if (!vm->stop_at_armed)
        return false;
    vm->stop_at_armed = false;
    vm->fuel_left = vm->fuel_held;
    vm->stop_reason = BVM_STOP_STEP;
    return true;
}

bool bvm_vm_set_stop_at(bvm_vm *vm, uint64_t count)
{
    if (vm->opt.fuel == 0 || count < vm->instructions)
        return false;
    uint64_t ahead = count - vm->instructions;
    if (vm->stop_at_armed) { /* a new target replaces the old one */
        vm->fuel_left += vm->fuel_held;
        vm->stop_at_armed = false;
    }
    if (ahead >= vm->fuel_left)
        return true; /* the budget ends first: that is where the run stops */
    vm->fuel_held = vm->fuel_left - ahead;
    vm->fuel_left = ahead;
    vm->stop_at_armed = true;
    return true;
}

/* ---- running -------------------------------------------------------------- */

/* Runs the top frame until it returns or something needs the caller: in
 * compiled code if the JIT takes the phase function, else in the loop
 * bvm_interp_run picks. */
static bvm_exec_status run_loop(bvm_vm *vm)
{
    vm->poll = 0;
    if (!vm->opt.fuel && !bvm_vm_hooks_armed(vm))
        vm->skip_stop_once = false; /* nothing armed: nothing to skip */
    /* The phase function ($init, main) is not reached by a CALL: offer it
     * to the JIT here, once, when it starts. */
    if (vm->jit_enabled && bvm_vm_hooks_idle(vm) && !vm->jit_tried_start && vm->nframes == 1) {
        bvm_frame *top = &vm->frames[0];
        vm->jit_tried_start = true;
        bvm_exec_status status;
        if (top->ip == top->fn->fn->code && bvm_jit_try_enter(vm, top->fn, false, &status))
            return status;
    }
    return bvm_interp_run(vm);
}

static bvm_result finish(bvm_vm *vm, bvm_result r)
{
    vm->phase = BVM_PHASE_DONE;
    vm->result = r;
    return r;
}

/* Start the next phase's function with an empty stack.  It always fits
 * (a frame is at most 2 x 65535 slots, max_depth at least 1); should it
 * not, the program ends with the overflow error rather than run nothing. */
static bool start_phase_function(bvm_vm *vm, uint16_t f)
{
    vm->sp = vm->stack;
    vm->jit_tried_start = false;
    if (bvm_vm_push_frame(vm, &vm->funcs[f], vm->stack))
        return true;
    free(vm->error_message);
    vm->error_message = bvm_xstrdup(bvm_vm_overflow_message(vm)->chars);
    return false;
}

static bvm_result run(bvm_vm *vm);

bvm_result bvm_vm_run(bvm_vm *vm)
{
    if (!vm->opt.jit_timing)
        return run(vm);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bvm_result r = run(vm);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    vm->jit_stats.run_ns += (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
    return r;
}

static bvm_result run(bvm_vm *vm)
{
    if (vm->phase == BVM_PHASE_DONE)
        return vm->result;
    if (vm->nframes == 0) {
        /* Not started yet: $init (if any), else main. */
        uint16_t first = vm->module->init != BVM_NO_FUNC ? vm->module->init : vm->module->entry;
        if (first == vm->module->entry)
            vm->phase = BVM_PHASE_MAIN;
        if (!start_phase_function(vm, first))
            return finish(vm, BVM_RESULT_EXCEPTION);
    }
    vm->stop_reason = BVM_STOP_NONE;
    for (;;) {
        vm->loop_entry_frames = 1; /* the outermost loop runs every frame */
        switch (run_loop(vm)) {
        case BVM_EXEC_SWITCH:
            continue;
        case BVM_EXEC_STOPPED:
            BVM_ASSERT(vm->nframes >= 1 && vm->stop_reason != BVM_STOP_NONE);
            vm->skip_stop_once = true;
            return BVM_RESULT_STOPPED;
        case BVM_EXEC_UNCAUGHT:
            return finish(vm, BVM_RESULT_EXCEPTION);
        case BVM_EXEC_FUEL:
            return finish(vm, BVM_RESULT_FUEL);
        case BVM_EXEC_OUTPUT_ERROR:
            capture_trace(vm);
            free(vm->error_message);
            vm->error_message = bvm_format("cannot write output: %s", strerror(errno ? errno : EIO));
            return finish(vm, BVM_RESULT_OUTPUT_ERROR);
        case BVM_EXEC_DEOPT:   /* only compiled code returns these, and the */
        case BVM_EXEC_UNWIND:  /* loops handle them before they get here    */
        case BVM_EXEC_ONE_DONE:
            continue;
        case BVM_EXEC_RETURNED:
            BVM_ASSERT(vm->nframes == 0); /* the phase function itself returned */
            if (vm->phase == BVM_PHASE_INIT) {
                vm->phase = BVM_PHASE_MAIN;
                if (!start_phase_function(vm, vm->module->entry))
                    return finish(vm, BVM_RESULT_EXCEPTION);
                continue;
            }
            /* main's result, if it returns int, was left in stack[0]. */
            if (vm->module->funcs[vm->module->entry].ret_type == BVM_TYPE_INT)
                vm->exit_code = (int)(vm->stack[0].i & 255);
            return finish(vm, BVM_RESULT_OK);
        }
    }
}

int bvm_vm_exit_code(const bvm_vm *vm) { return vm->exit_code; }
const char *bvm_vm_error_message(const bvm_vm *vm) { return vm->error_message ? vm->error_message : ""; }
uint32_t bvm_vm_trace_length(const bvm_vm *vm) { return vm->trace_len; }
uint64_t bvm_vm_instructions(const bvm_vm *vm) { return vm->instructions; }
const bvm_module *bvm_vm_module(const bvm_vm *vm) { return vm->module; }

bvm_trace_entry bvm_vm_trace_entry(const bvm_vm *vm, uint32_t i)
{
    if (i >= vm->trace_len)
        return (bvm_trace_entry){.function = "?"};
    return vm->trace[i];
}

void bvm_vm_print_error(const bvm_vm *vm, FILE *out)
{
    if (vm->error_is_fuel || vm->result == BVM_RESULT_OUTPUT_ERROR)
        fprintf(out, "%s\n", vm->error_message);
    else
        fprintf(out, "uncaught exception: %s\n", bvm_vm_error_message(vm));
    /* A deep trace shows its innermost and outermost frames, as Python and
     * Java do: the middle of a runaway recursion is the same frame again. */
    const uint32_t shown_each_end = 20;
    const char *file = vm->module->source_file ? vm->module->source_file : "?";
    for (uint32_t i = 0; i < vm->trace_len; i++) {
        if (vm->trace_len > 2 * shown_each_end + 1 && i == shown_each_end) {
            uint32_t omitted = vm->trace_len - 2 * shown_each_end;
            fprintf(out, "  ... %u frames omitted ...\n", omitted);
            i += omitted - 1;
            continue;
        }
        const bvm_trace_entry *t = &vm->trace[i];
        if (t->line)
            fprintf(out, "  at %s (%s:%u)\n", t->function, file, t->line);
        else
            fprintf(out, "  at %s (pc %u)\n", t->function, t->pc);
    }
}

/* ---- GC statistics -------------------------------------------------------- */

bvm_gc_stats bvm_vm_gc_stats(const bvm_vm *vm)
{
    bvm_gc_stats s = vm->heap.stats;
    s.live_bytes = vm->heap.live_bytes;
    return s;
}

void bvm_vm_print_gc_stats(const bvm_vm *vm, FILE *out)
{
    bvm_gc_stats s = bvm_vm_gc_stats(vm);
    fprintf(out, "gc: collections        %llu\n", (unsigned long long)s.collections);
    fprintf(out, "gc: bytes allocated    %llu (%llu objects)\n", (unsigned long long)s.bytes_allocated,
            (unsigned long long)s.objects_allocated);
    fprintf(out, "gc: bytes freed        %llu (%llu objects)\n", (unsigned long long)s.bytes_freed,
            (unsigned long long)s.objects_freed);
    fprintf(out, "gc: live bytes at exit %llu (peak %llu)\n", (unsigned long long)s.live_bytes,
            (unsigned long long)s.peak_live_bytes);
    fprintf(out, "gc: pause total        %.3f ms (max %.3f ms)\n", s.pause_total_ns / 1e6, s.pause_max_ns / 1e6);
}

/* ---- hooks ---------------------------------------------------------------- */

static uint32_t current_line(const bvm_vm *vm)
{
    const bvm_frame *fr = &vm->frames[vm->nframes - 1];
    return bvm_function_line_at(fr->fn->fn, (uint32_t)(fr->ip - fr->fn->fn->code));
}

void bvm_vm_set_step(bvm_vm *vm, bvm_step_mode mode, uint32_t max_depth)
{
    vm->step_mode = mode;
    vm->step_max_depth = max_depth;
    vm->step_start_frames = vm->nframes;
    if (vm->nframes) {
        vm->step_start_func = vm->frames[vm->nframes - 1].fn->index;
        vm->step_start_line = current_line(vm);
    } else {
        vm->step_start_func = BVM_NO_FUNC;
        vm->step_start_line = 0;
    }
    vm->poll = 1;
}

bool bvm_vm_set_breakpoint(bvm_vm *vm, uint16_t function, uint32_t pc, bool armed)
{
    if (function >= vm->module->nfuncs)
        return false;
    bvm_rt_function *rf = &vm->funcs[function];
    const bvm_verified *v = rf->fn->verified;
    if (pc >= rf->fn->code_len || v->depth[pc] == BVM_NOT_INSN)
        return false;
    if (!rf->breakpoints)
        rf->breakpoints = bvm_xcalloc(rf->fn->code_len, 1);
    if (rf->breakpoints[pc] != armed) {
        rf->breakpoints[pc] = armed;
        rf->nbreakpoints += armed ? 1 : (uint32_t)-1;
        vm->breakpoints_armed += armed ? 1 : (uint32_t)-1;
        /* The counts are the flags summed: a function's over its pcs, the
         * VM's over its functions (what the loops test, vm_state.h). */
        BVM_ASSERT(rf->nbreakpoints <= rf->fn->code_len && vm->breakpoints_armed >= rf->nbreakpoints);
        bvm_jit_refresh_fast_entry(rf); /* compiled callers no longer enter it natively */
    }
    vm->poll = 1;
    return true;
}

uint32_t bvm_vm_line_to_pcs(const bvm_vm *vm, uint32_t line, uint16_t *functions, uint32_t *pcs, uint32_t max)
{
    uint32_t n = 0;
    for (uint32_t fi = 0; fi < vm->module->nfuncs; fi++) {
        const bvm_function *f = &vm->module->funcs[fi];
        for (uint32_t i = 0; i < f->nlines; i++) {
            if (f->lines[i].line != line || f->verified->depth[f->lines[i].pc] == BVM_NOT_INSN)
                continue;
            if (n < max) {
                functions[n] = (uint16_t)fi;
                pcs[n] = f->lines[i].pc;
            }
            n++;
        }
    }
    return n;
}

void bvm_vm_interrupt(bvm_vm *vm)
{
    vm->interrupt_requested = 1;
    vm->poll = 1;
}

bvm_stop_reason bvm_vm_stop_reason(const bvm_vm *vm) { return vm->stop_reason; }

bool bvm_vm_should_stop(bvm_vm *vm)
{
    if (vm->skip_stop_once) {
        vm->skip_stop_once = false;
        return false;
    }
    if (vm->interrupt_requested) {
        vm->interrupt_requested = 0;
        vm->stop_reason = BVM_STOP_INTERRUPT;
        return true;
    }
    const bvm_frame *fr = &vm->frames[vm->nframes - 1];
    uint32_t pc = (uint32_t)(fr->ip - fr->fn->fn->code);
    if (fr->fn->breakpoints && fr->fn->breakpoints[pc]) {
        vm->step_mode = BVM_STEP_NONE;
        vm->stop_reason = BVM_STOP_BREAKPOINT;
        return true;
    }
    if (vm->step_mode == BVM_STEP_NONE || vm->nframes > vm->step_max_depth)
        return false;
    bool stop = vm->step_mode == BVM_STEP_INSTRUCTION || vm->nframes != vm->step_start_frames ||
                fr->fn->index != vm->step_start_func || current_line(vm) != vm->step_start_line;
    if (stop) {
        vm->step_mode = BVM_STEP_NONE;
        vm->stop_reason = BVM_STOP_STEP;
    }
    return stop;
}

/* ---- inspection ----------------------------------------------------------- */

uint32_t bvm_vm_frame_count(const bvm_vm *vm) { return vm->phase == BVM_PHASE_DONE && vm->result == BVM_RESULT_OK ? 0 : vm->nframes; }

static const bvm_frame *frame_at(const bvm_vm *vm, uint32_t depth)
{
    if (depth >= bvm_vm_frame_count(vm))
        return NULL;
    return &vm->frames[vm->nframes - 1 - depth];
}

static uint16_t frame_stack_depth(const bvm_vm *vm, uint32_t depth)
{
    const bvm_frame *fr = frame_at(vm, depth);
    const bvm_function *f = fr->fn->fn;
    if (depth > 0)
        return (uint16_t)(vm->frames[vm->nframes - depth].base - (fr->base + f->nlocals));
    uint16_t d = f->verified->depth[fr->ip - f->code];
    return d == BVM_NOT_INSN ? 0 : d;
}

bool bvm_vm_frame(const bvm_vm *vm, uint32_t depth, bvm_frame_info *out)
{
    const bvm_frame *fr = frame_at(vm, depth);
    if (!fr)
        return false;
    const bvm_function *f = fr->fn->fn;
    out->function = fr->fn->index;
    out->pc = (uint32_t)(fr->ip - f->code);
    out->line = bvm_function_line_at(f, out->pc);
    out->stack_depth = frame_stack_depth(vm, depth);
    return true;
}

bool bvm_vm_local(const bvm_vm *vm, uint32_t depth, uint16_t slot, bvm_typed_value *out)
{
    const bvm_frame *fr = frame_at(vm, depth);
    if (!fr || slot >= fr->fn->fn->nlocals)
        return false;
    out->type = fr->fn->fn->local_types[slot];
    out->value = fr->base[slot];
    return true;
}

bool bvm_vm_stack_slot(const bvm_vm *vm, uint32_t depth, uint16_t slot, bvm_typed_value *out)
{
    const bvm_frame *fr = frame_at(vm, depth);
    if (!fr || slot >= frame_stack_depth(vm, depth))
        return false;
    const bvm_function *f = fr->fn->fn;
    uint32_t pc = (uint32_t)(fr->ip - f->code);
    out->type = f->verified->stack_types[(size_t)pc * f->verified->max_stack + slot];
    out->value = fr->base[f->nlocals + slot];
    return true;
}

bool bvm_vm_global(const bvm_vm *vm, uint16_t global, bvm_typed_value *out)
{
    if (global >= vm->module->nglobals)
        return false;
    out->type = vm->module->globals[global].type;
    out->value = vm->globals[global];
    return true;
}

bool bvm_vm_set_local(bvm_vm *vm, uint32_t depth, uint16_t slot, bvm_value v)
{
    const bvm_frame *fr = frame_at(vm, depth);
    if (!fr || slot >= fr->fn->fn->nlocals)
        return false;
    fr->base[slot] = v;
    return true;
}

bool bvm_vm_set_global(bvm_vm *vm, uint16_t global, bvm_value v)
{
    if (global >= vm->module->nglobals)
        return false;
    vm->globals[global] = v;
    return true;
}

static bool is_kind(const bvm_vm *vm, uint16_t type, bvm_type_kind kind)
{
    return type < vm->module->ntypes && vm->module->types[type].kind == kind;
}

int64_t bvm_vm_array_length(const bvm_vm *vm, bvm_typed_value array)
{
    if (!is_kind(vm, array.type, BVM_TK_ARRAY) || !array.value.ref)
        return -1;
    return BVM_AS_ARRAY(array.value.ref)->length;
}

bool bvm_vm_array_element(const bvm_vm *vm, bvm_typed_value array, int64_t i, bvm_typed_value *out)
{
    int64_t n = bvm_vm_array_length(vm, array);
    if (i < 0 || i >= n)
        return false;
    out->type = vm->module->types[array.type].arg;
    out->value = BVM_AS_ARRAY(array.value.ref)->items[i];
    return true;
}

bool bvm_vm_record_field(const bvm_vm *vm, bvm_typed_value record, uint16_t field, bvm_typed_value *out)
{
    if (!is_kind(vm, record.type, BVM_TK_RECORD) || !record.value.ref)
        return false;
    const bvm_record *r = &vm->module->records[vm->module->types[record.type].arg];
    if (field >= r->nfields)
        return false;
    out->type = r->fields[field].type;
    out->value = BVM_AS_RECORD(record.value.ref)->fields[field];
    return true;
}

bool bvm_vm_set_array_element(bvm_vm *vm, bvm_typed_value array, int64_t i, bvm_value v)
{
    int64_t n = bvm_vm_array_length(vm, array);
    if (i < 0 || i >= n)
        return false;
    BVM_AS_ARRAY(array.value.ref)->items[i] = v;
    return true;
}

bool bvm_vm_set_record_field(bvm_vm *vm, bvm_typed_value record, uint16_t field, bvm_value v)
{
    if (!is_kind(vm, record.type, BVM_TK_RECORD) || !record.value.ref)
        return false;
    if (field >= vm->module->records[vm->module->types[record.type].arg].nfields)
        return false;
    BVM_AS_RECORD(record.value.ref)->fields[field] = v;
    return true;
}

uint64_t bvm_vm_stack_bytes(const bvm_vm *vm)
{
    return (uint64_t)(vm->sp - vm->stack) * sizeof(bvm_value);
}

bool bvm_vm_read_stack(const bvm_vm *vm, uint64_t offset, void *buffer, size_t size)
{
    uint64_t used = bvm_vm_stack_bytes(vm);
    if (offset > used || size > used - offset)
        return false;
    memcpy(buffer, (const uint8_t *)vm->stack + offset, size);
    return true;
}

char *bvm_vm_format_value(const bvm_vm *vm, bvm_typed_value v)
{
    bvm_buf b = {0};
    if (v.type == BVM_VT_TOP)
        bvm_buf_put(&b, "<no value>", 10);
    else
        if (!bvm_value_to_text(vm, v.type, v.value, &b, BVM_FORMAT_VALUE_MAX))
            bvm_buf_put(&b, "...", 3);
    bvm_buf_u8(&b, 0);
    return (char *)b.data;
}
