/*
 * target_dwarf.c -- the DWARF layer: a vdb_target that wraps a
 * machine-level x86-64 target (target_mhv.c, or any other with target.h's
 * core operations and gdb's amd64 register names) and adds what the
 * guest's ELF image tells (guest_dwarf.h, over elfutils' libdw/libdwfl).
 * It knows nothing of mhv: it sees target.h and the inner target's
 * operations only.
 *
 *   inner's, unchanged   registers, memory, stepi, continue, interrupt,
 *                        output, status, options, info exits and mode
 *   symbols              resolve (FUNCTION, FILE:LINE, LINE, *SYMBOL+OFF),
 *                        format_address ("kernel_main+23"), symbol (Tab),
 *                        disassembly with <symbol> on branch and call
 *                        targets and rip-relative operands
 *   lines (SOURCE)       source_line, function_bounds; step, next, until
 *                        by the line table
 *   frames (FRAMES)      libdwfl's unwinder over the inner target's
 *                        registers and memory, the rbp chain after it;
 *                        finish, with the value by the function's type
 *   variables            locals, args, globals, print, set var by DWARF
 *   exceptions           catch_exception: breakpoints on the handlers the
 *                        guest's IDT names
 *
 * Stepping by line is built on the inner target's stepi, breakpoints and
 * continue, so it keeps their promises (debug.h: a step over I/O is one
 * instruction; no interrupt is taken inside a step): a line is stepped
 * instruction by instruction until the pc leaves the line's addresses for
 * the start of another line; a call is stepped over (next, or step into a
 * function without lines) by a breakpoint at its return address and a
 * continue that counts only when the stack pointer is back where it was
 * before the call -- a deeper, recursive call of the same function that
 * reaches the return address sooner is let go on.  finish and `until
 * LOCATION` do the same with the CFA (the stack pointer before the call).
 *
 * Breakpoints of its own (the step-over, finish and catch ones) are
 * planted in the inner target only where no breakpoint of the user's is:
 * the inner target holds each address once, and a user's breakpoint there
 * is reported as the user's.
 *
 * Invariants:
 *   - user[] is exactly the set of addresses the front end inserted; the
 *     inner target holds user[] plus the internal breakpoints of the
 *     operation running now (none between resumes), plus the catch
 *     breakpoints while catchpoints are set and the IDT is known.
 *   - frames[] is valid (frames_valid) only for the stop it was made at:
 *     every resume, register write and memory write drops it.
 *   - Nothing here prints or exits; errors are one line in err.
 */
#include "target.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_dwarf.h"

#define MAX_USER_BREAKPOINTS 64
#define MAX_FRAMES 64
#define MAX_STEPS 1000000          /* instructions one line step may take (then it says so) */
#define MAX_CALL_SEARCH 4096       /* instructions walked to find a call before a return address */
#define EXCEPTION_VECTORS 32

typedef struct {
    vdb_target base;               /* first: a vdb_target * is a dwarf_target * */
    vdb_target_ops ops;            /* this target's table: inner's caps plus ours */
    vdb_target *inner;
    guest_dwarf *dw;
    char name[32];

    int reg[GUEST_REGS];           /* the inner target's index of each DWARF register; -1 none */
    int cr2, xmm0, idtr_base, idtr_limit;
    bool has_registers;            /* all of reg[] found */

    uint64_t user[MAX_USER_BREAKPOINTS];
    size_t nuser;

    bool frames_valid;
    guest_frame frames[MAX_FRAMES];
    size_t nframes;

    /* Catchpoints: which vectors, the handlers planted for them. */
    bool caught[EXCEPTION_VECTORS];
    uint64_t handler[EXCEPTION_VECTORS];   /* 0: not planted */
    bool catch_stop;                       /* the last stop is at a caught handler */
    uint64_t catch_rip, catch_rsp;         /* its exception frame */
    uint64_t lidt_after[8];                /* after each lidt in the image: where the IDT may change */
    size_t nlidt;
    bool lidt_scanned;

    bool exited;                   /* the guest ended normally: no frames (after a crash, the crash's) */
    volatile sig_atomic_t interrupted;
} dwarf_target;

static dwarf_target *self(vdb_target *t)
{
    return (dwarf_target *)t;
}

/* ==== the inner target ======================================================== */

static int inner_reg(dwarf_target *d, int index, uint64_t *value)
{
    char err[VDB_ERR_SIZE];
    if (index < 0)
        return -1;
    return d->inner->ops->read_register(d->inner, (size_t)index, value, err, sizeof err);
}

static uint64_t inner_pc(dwarf_target *d)
{
    return d->inner->ops->pc(d->inner);
}

static uint64_t inner_sp(dwarf_target *d)
{
    uint64_t sp = 0;
    inner_reg(d, d->reg[GUEST_REG_RSP], &sp);
    return sp;
}

static int read_guest(void *context, uint64_t address, void *buffer, size_t size, char *err, size_t err_size)
{
    dwarf_target *d = context;
    return d->inner->ops->read_memory(d->inner, 0, address, buffer, size, err, err_size);
}

static int write_guest(void *context, uint64_t address, const void *buffer, size_t size, char *err, size_t err_size)
{
    dwarf_target *d = context;
    d->frames_valid = false;
    return d->inner->ops->write_memory(d->inner, 0, address, buffer, size, err, err_size);
}

static int write_guest_register(void *context, int regno, uint64_t value, char *err, size_t err_size)
{
    dwarf_target *d = context;
    d->frames_valid = false;
    if (regno < 0 || regno >= GUEST_REGS || d->reg[regno] < 0) {
        snprintf(err, err_size, "DWARF register %d is not one of the target's", regno);
        return -1;
    }
    return d->inner->ops->write_register(d->inner, (size_t)d->reg[regno], value, err, err_size);
}

static bool breakpoint_is_users(const dwarf_target *d, uint64_t address)
{
    for (size_t i = 0; i < d->nuser; i++)
        if (d->user[i] == address)
            return true;
    return false;
}

/* An internal breakpoint: planted unless the user has one there.  *planted
 * says whether to take it out again. */
static int plant(dwarf_target *d, uint64_t address, bool *planted, char *err, size_t err_size)
{
    *planted = false;
    if (breakpoint_is_users(d, address))
        return 0;
    if (d->inner->ops->insert_breakpoint(d->inner, address, err, err_size) != 0)
        return -1;
    *planted = true;
    return 0;
}

static void unplant(dwarf_target *d, uint64_t address, bool planted)
{
    char err[VDB_ERR_SIZE];
    if (planted)
        d->inner->ops->remove_breakpoint(d->inner, address, err, sizeof err);
}

/* The instruction at address: its text and the next address; false when
 * it cannot be read. */
static bool instruction_at(dwarf_target *d, uint64_t address, char *text, size_t size, uint64_t *next)
{
    char err[VDB_ERR_SIZE];
    return d->inner->ops->disassemble(d->inner, address, text, size, next, err, sizeof err) == 0;
}

static bool starts_with(const char *text, const char *word)
{
    size_t n = strlen(word);
    return strncmp(text, word, n) == 0 && (text[n] == ' ' || text[n] == '\0');
}

/* ==== frames ================================================================= */

/* guest_find_call: the call instruction that ends at return_address,
 * walking the function from its start. */
static uint64_t find_call(void *context, uint64_t start, uint64_t return_address)
{
    dwarf_target *d = context;
    uint64_t at = start;
    for (int i = 0; i < MAX_CALL_SEARCH && at < return_address; i++) {
        char text[160];
        uint64_t next;
        if (!instruction_at(d, at, text, sizeof text, &next) || next <= at)
            return 0;
        if (next == return_address)
            return starts_with(text, "call") ? at : 0;
        at = next;
    }
    return 0;
}

/* Frame 0 as the inner target's registers have it. */
static bool innermost(dwarf_target *d, guest_frame *f)
{
    *f = (guest_frame){ 0 };
    for (int r = 0; r < GUEST_REGS; r++) {
        if (inner_reg(d, d->reg[r], &f->regs[r]) != 0)
            return false;
        f->known |= 1u << r;
    }
    f->pc = inner_pc(d);
    return true;
}

static void make_frames(dwarf_target *d)
{
    if (d->frames_valid)
        return;
    d->nframes = 0;
    d->frames_valid = true;
    guest_frame top;
    if (d->exited || !d->has_registers || !innermost(d, &top))
        return;
    guest_access access = { d, read_guest, NULL, NULL };
    d->nframes = guest_dwarf_unwind(d->dw, &top, &access, find_call, d, d->frames, MAX_FRAMES);
    if (d->catch_stop && top.pc == inner_pc(d) && (d->nframes < 2 || !d->frames[1].interrupted)) {
        /* At a caught exception's handler that the CFI does not describe
         * as a signal frame: frame 0 is the handler, frame 1 the faulting
         * instruction, with the rip and rsp the CPU pushed -- what the
         * CFI of a handler that has it gives. */
        guest_frame faulting = top;
        faulting.pc = faulting.regs[GUEST_REG_RIP] = d->catch_rip;
        faulting.regs[GUEST_REG_RSP] = d->catch_rsp;
        d->nframes = 1 + guest_dwarf_unwind(d->dw, &faulting, &access, find_call, d, d->frames + 1, MAX_FRAMES - 1);
        d->frames[0] = top;
        d->frames[1].interrupted = true;
        d->frames[1].return_address = d->catch_rip;
    }
}

static size_t dwarf_frame_count(vdb_target *t)
{
    dwarf_target *d = self(t);
    make_frames(d);
    return d->nframes;
}

static int dwarf_frame(vdb_target *t, size_t depth, vdb_frame *out, char *err, size_t err_size)
{
    dwarf_target *d = self(t);
    make_frames(d);
    if (depth >= d->nframes) {
        snprintf(err, err_size, "no frame #%zu", depth);
        return -1;
    }
    const guest_frame *f = &d->frames[depth];
    *out = (vdb_frame){ .address = f->pc };
    guest_function fn;
    if (guest_dwarf_function(d->dw, f->pc, &fn))
        snprintf(out->function, sizeof out->function, "%s", fn.name);
    else if (!guest_dwarf_symbolize(d->dw, f->pc, out->function, sizeof out->function))
        snprintf(out->function, sizeof out->function, "??");
    guest_line line;
    if (guest_dwarf_line(d->dw, f->pc, &line))
        out->line = line.line;
    return 0;
}

static bool frame_cfa(dwarf_target *d, size_t depth, uint64_t *cfa)
{
    make_frames(d);
    return depth < d->nframes && guest_dwarf_cfa(d->dw, &d->frames[depth], cfa);
}

/* ==== variables ============================================================== */

typedef struct {
    vdb_variable *out;
    size_t max, count;
} var_list;

static void take_variable(void *context, const char *name, const char *type, const char *value)
{
    var_list *l = context;
    if (l->count < l->max) {
        vdb_variable *v = &l->out[l->count];
        snprintf(v->name, sizeof v->name, "%s", name);
        snprintf(v->type, sizeof v->type, "%s", type);
        snprintf(v->value, sizeof v->value, "%s", value);
    }
    l->count++;
}

static guest_access access_for(dwarf_target *d, size_t depth)
{
    return (guest_access){ d, read_guest, write_guest, depth == 0 ? write_guest_register : NULL };
}

static size_t dwarf_variables(vdb_target *t, size_t depth, vdb_var_set set, vdb_variable *out, size_t max)
{
    dwarf_target *d = self(t);
    make_frames(d);
    var_list l = { out, max, 0 };
    guest_frame none = { .pc = inner_pc(d) };
    const guest_frame *f = depth < d->nframes ? &d->frames[depth] : &none;
    guest_access access = access_for(d, depth);
    switch (set) {
    case VDB_VARS_LOCALS:   /* target.h: parameters first */
        guest_dwarf_variables(d->dw, f, &access, GUEST_VARS_ARGS, take_variable, &l);
        guest_dwarf_variables(d->dw, f, &access, GUEST_VARS_LOCALS, take_variable, &l);
        break;
    case VDB_VARS_ARGS:
        guest_dwarf_variables(d->dw, f, &access, GUEST_VARS_ARGS, take_variable, &l);
        break;
    case VDB_VARS_GLOBALS:
        guest_dwarf_variables(d->dw, f, &access, GUEST_VARS_GLOBALS, take_variable, &l);
        break;
    case VDB_VARS_STACK:
        break;  /* x86 has no operand stack */
    }
    return l.count;
}

static const guest_frame *frame_or_pc(dwarf_target *d, size_t depth, guest_frame *none)
{
    make_frames(d);
    if (depth < d->nframes)
        return &d->frames[depth];
    *none = (guest_frame){ .pc = inner_pc(d) };
    return none;
}

static int dwarf_evaluate(vdb_target *t, size_t depth, const char *expression, char *out, size_t size, char *err,
                          size_t err_size)
{
    dwarf_target *d = self(t);
    guest_frame none;
    guest_access access = access_for(d, depth);
    return guest_dwarf_evaluate(d->dw, frame_or_pc(d, depth, &none), &access, expression, out, size, err, err_size);
}

static int dwarf_assign(vdb_target *t, size_t depth, const char *expression, const char *value, char *err,
                        size_t err_size)
{
    dwarf_target *d = self(t);
    guest_frame none;
    guest_access access = access_for(d, depth);
    int rc = guest_dwarf_assign(d->dw, frame_or_pc(d, depth, &none), &access, expression, value, err, err_size);
    d->frames_valid = false;
    return rc;
}

/* ==== exceptions ============================================================= */

/* Which vectors push an error code (the SDM's table of exceptions). */
static bool has_error_code(int vector)
{
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 ||
           vector == 30;
}

static const char *const exception_names[EXCEPTION_VECTORS] = {
    "DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM", "DF", "CSO", "TS", "NP", "SS", "GP", "PF", "15",
    "MF", "AC", "MC", "XM", "VE", "CP", "22", "23", "24", "25", "26", "27", "HV", "VC", "SX", "31",
};

static bool any_caught(const dwarf_target *d)
{
    for (int v = 0; v < EXCEPTION_VECTORS; v++)
        if (d->caught[v])
            return true;
    return false;
}

/* The handler of vector v in the guest's IDT (16-byte long-mode gates);
 * 0 when the IDT does not have one. */
static uint64_t gate_handler(dwarf_target *d, int vector)
{
    uint64_t base, limit;
    if (inner_reg(d, d->idtr_base, &base) != 0 || inner_reg(d, d->idtr_limit, &limit) != 0 ||
        limit < (uint64_t)vector * 16 + 15)
        return 0;
    uint8_t gate[16];
    char err[VDB_ERR_SIZE];
    if (read_guest(d, base + (uint64_t)vector * 16, gate, sizeof gate, err, sizeof err) != 0 || !(gate[5] & 0x80))
        return 0;  /* not readable, or not present */
    return (uint64_t)gate[0] | (uint64_t)gate[1] << 8 | (uint64_t)gate[6] << 16 | (uint64_t)gate[7] << 24 |
           (uint64_t)gate[8] << 32 | (uint64_t)gate[9] << 40 | (uint64_t)gate[10] << 48 | (uint64_t)gate[11] << 56;
}

/* Plants (or takes out) the handlers of the caught vectors as the IDT has
 * them now; a vector whose handler moved is planted anew. */
static void arm_catches(dwarf_target *d)
{
    for (int v = 0; v < EXCEPTION_VECTORS; v++) {
        uint64_t want = d->caught[v] ? gate_handler(d, v) : 0;
        if (want == d->handler[v])
            continue;
        char err[VDB_ERR_SIZE];
        if (d->handler[v] && !breakpoint_is_users(d, d->handler[v]))
            d->inner->ops->remove_breakpoint(d->inner, d->handler[v], err, sizeof err);
        d->handler[v] = 0;
        if (want && (breakpoint_is_users(d, want) ||
                     d->inner->ops->insert_breakpoint(d->inner, want, err, sizeof err) == 0))
            d->handler[v] = want;
    }
}

/* The instructions after each lidt in the image's functions: until the
 * guest has loaded its IDT, a breakpoint there tells when it has. */
static void find_lidts(dwarf_target *d)
{
    if (d->lidt_scanned)
        return;
    d->lidt_scanned = true;
    for (size_t i = 0; d->nlidt < sizeof d->lidt_after / sizeof d->lidt_after[0]; i++) {
        const char *name = guest_dwarf_completion(d->dw, i);
        if (!name)
            break;
        guest_function f;
        if (!guest_dwarf_function_named(d->dw, name, &f) || f.high - f.low > 65536)
            continue;
        for (uint64_t at = f.low; at < f.high;) {
            char text[160];
            uint64_t next;
            if (!instruction_at(d, at, text, sizeof text, &next) || next <= at)
                break;
            if (starts_with(text, "lidt") && d->nlidt < sizeof d->lidt_after / sizeof d->lidt_after[0])
                d->lidt_after[d->nlidt++] = next;
            at = next;
        }
    }
}

static int vector_at(const dwarf_target *d, uint64_t pc)
{
    for (int v = 0; v < EXCEPTION_VECTORS; v++)
        if (d->caught[v] && d->handler[v] == pc)
            return v;
    return -1;
}

/* A stop at a caught handler, as the CPU left the exception frame. */
static void describe_exception(dwarf_target *d, int vector, vdb_stop *stop)
{
    uint64_t sp = inner_sp(d), code = 0, rip = 0, cr2 = 0;
    char err[VDB_ERR_SIZE];
    bool coded = has_error_code(vector);
    if (coded)
        read_guest(d, sp, &code, 8, err, sizeof err);
    read_guest(d, sp + (coded ? 8 : 0), &rip, 8, err, sizeof err);
    d->catch_stop = true;
    d->catch_rip = rip;
    read_guest(d, sp + (coded ? 8 : 0) + 24, &d->catch_rsp, 8, err, sizeof err);
    *stop = (vdb_stop){ .kind = VDB_STOP_EXCEPTION, .vector = vector, .address = rip };
    size_t n = (size_t)snprintf(stop->detail, sizeof stop->detail, "#%s (vector %d)", exception_names[vector], vector);
    if (coded && n < sizeof stop->detail)
        n += (size_t)snprintf(stop->detail + n, sizeof stop->detail - n, ", error code 0x%" PRIx64, code);
    if (vector == 14 && inner_reg(d, d->cr2, &cr2) == 0 && n < sizeof stop->detail)
        snprintf(stop->detail + n, sizeof stop->detail - n, ", cr2 0x%" PRIx64, cr2);
}

static int dwarf_catch_exception(vdb_target *t, int vector, bool caught, char *err, size_t err_size)
{
    dwarf_target *d = self(t);
    if (d->idtr_base < 0 || d->idtr_limit < 0) {
        snprintf(err, err_size, "catch exception: the %s target shows no IDT register (idtr)", d->name);
        return -1;
    }
    if (vector < -1 || vector >= EXCEPTION_VECTORS) {
        snprintf(err, err_size, "catch exception: the exceptions are vectors 0 to 31, not %d", vector);
        return -1;
    }
    for (int v = 0; v < EXCEPTION_VECTORS; v++)
        if (vector == -1 || v == vector)
            d->caught[v] = caught;
    arm_catches(d);
    return 0;
}

/* ==== running ================================================================ */

static int inner_resume(dwarf_target *d, vdb_resume_kind kind, vdb_stop *stop, char *err, size_t err_size)
{
    d->frames_valid = false;
    d->catch_stop = false;
    return d->inner->ops->resume(d->inner, kind, stop, err, err_size);
}

/* Where a run may stop for us, and when it counts: at address, when the
 * CFA there is at least min_cfa (the frame is the one we meant, or one
 * outside it), or always (min_cfa 0). */
typedef struct {
    uint64_t address;
    uint64_t min_sp;     /* the stack pointer must be at least this: not a deeper call */
    bool planted;
} waypoint;

/* Continues until one of the waypoints counts (a STEP stop, *which its
 * index), or the run stops otherwise (that stop, *which -1): a user's
 * breakpoint, a caught exception, the end, an interrupt. */
static int run_to_waypoints(dwarf_target *d, waypoint *w, size_t n, vdb_stop *stop, int *which, char *err,
                            size_t err_size)
{
    *which = -1;
    for (size_t i = 0; i < n; i++)
        if (plant(d, w[i].address, &w[i].planted, err, err_size) != 0) {
            while (i-- > 0)
                unplant(d, w[i].address, w[i].planted);
            return -1;
        }
    int rc = 0;
    for (;;) {
        if (any_caught(d)) {
            find_lidts(d);
            arm_catches(d);
        }
        bool lidt_planted[8] = { false };
        bool before_idt = any_caught(d) && gate_handler(d, 0) == 0;
        for (size_t i = 0; before_idt && i < d->nlidt; i++)
            plant(d, d->lidt_after[i], &lidt_planted[i], err, err_size);
        rc = inner_resume(d, VDB_RESUME_CONTINUE, stop, err, err_size);
        for (size_t i = 0; before_idt && i < d->nlidt; i++)
            unplant(d, d->lidt_after[i], lidt_planted[i]);
        if (rc != 0 || stop->kind != VDB_STOP_BREAKPOINT)
            break;
        uint64_t pc = inner_pc(d), sp = inner_sp(d);
        int vector = vector_at(d, pc);
        if (vector >= 0) {
            describe_exception(d, vector, stop);
            break;
        }
        if (breakpoint_is_users(d, pc))
            break;
        bool counts = false;
        for (size_t i = 0; i < n && !counts; i++)
            if (w[i].address == pc && sp >= w[i].min_sp) {
                counts = true;
                *which = (int)i;
            }
        if (counts) {
            *stop = (vdb_stop){ .kind = VDB_STOP_STEP };
            break;
        }
        bool ours = false;
        for (size_t i = 0; i < n; i++)
            ours |= w[i].address == pc;
        for (size_t i = 0; i < d->nlidt; i++)
            ours |= d->lidt_after[i] == pc;
        if (!ours)
            break;  /* a breakpoint nobody here knows: report it as the inner target did */
        if (d->interrupted) {
            *stop = (vdb_stop){ .kind = VDB_STOP_INTERRUPT };
            break;
        }
        /* ours, but a deeper frame (recursion), or the IDT just loaded: on */
    }
    for (size_t i = 0; i < n; i++)
        unplant(d, w[i].address, w[i].planted);
    return rc;
}

static int continue_run(dwarf_target *d, vdb_stop *stop, char *err, size_t err_size)
{
    int which;
    return run_to_waypoints(d, NULL, 0, stop, &which, err, err_size);
}

/* step, next, until: to the start of another line (step_into: entering
 * calls to functions that have lines; until: never back to a lower
 * address of this function). */
static int line_step(dwarf_target *d, vdb_resume_kind kind, vdb_stop *stop, char *err, size_t err_size)
{
    uint64_t pc = inner_pc(d);
    guest_line line;
    guest_function here;
    bool in_function = guest_dwarf_function(d->dw, pc, &here);
    if (!guest_dwarf_line(d->dw, pc, &line) || !in_function) {
        /* No line here (assembly, or code without DWARF): one instruction,
         * as gdb's stepi, and say nothing more. */
        return inner_resume(d, VDB_RESUME_STEPI, stop, err, err_size);
    }
    uint64_t range_start = kind == VDB_RESUME_UNTIL ? here.low : line.start, range_end = line.end;
    uint32_t current = line.line;
    const char *file = line.name;
    for (long steps = 0; steps < MAX_STEPS; steps++) {
        if (d->interrupted) {
            *stop = (vdb_stop){ .kind = VDB_STOP_INTERRUPT };
            return 0;
        }
        char text[160];
        uint64_t next = 0;
        bool known = instruction_at(d, pc, text, sizeof text, &next);
        bool is_call = known && starts_with(text, "call");
        bool is_return = known && (starts_with(text, "ret") || starts_with(text, "iretq"));
        uint64_t sp_before = inner_sp(d);
        if (inner_resume(d, VDB_RESUME_STEPI, stop, err, err_size) != 0)
            return -1;
        if (stop->kind != VDB_STOP_STEP)
            return 0;
        pc = inner_pc(d);
        if (is_call && pc != next) {
            guest_function callee;
            bool has_lines = guest_dwarf_function(d->dw, pc, &callee) && callee.has_lines && pc == callee.low;
            if (kind == VDB_RESUME_STEP && has_lines) {
                /* Into it: through its prologue, to its first line. */
                for (int i = 0; i < 256 && pc != callee.body && pc >= callee.low && pc < callee.high; i++) {
                    if (inner_resume(d, VDB_RESUME_STEPI, stop, err, err_size) != 0)
                        return -1;
                    if (stop->kind != VDB_STOP_STEP)
                        return 0;
                    pc = inner_pc(d);
                }
                return 0;
            }
            /* Over it: back at the return address, in this frame. */
            waypoint back = { .address = next, .min_sp = sp_before };
            int which;
            if (run_to_waypoints(d, &back, 1, stop, &which, err, err_size) != 0)
                return -1;
            if (which != 0)
                return 0;  /* a breakpoint, an exception, the end: that is the stop */
            pc = inner_pc(d);
        }
        if (is_return || pc < here.low || pc >= here.high)
            return 0;  /* out of the function: stop in the caller, as gdb does */
        if (pc >= range_start && pc < range_end)
            continue;
        guest_line now;
        if (!guest_dwarf_line(d->dw, pc, &now))
            continue;  /* line 0: compiler-made code, on */
        if (guest_dwarf_line_starts(d->dw, pc) && (now.line != current || strcmp(now.name, file) != 0))
            return 0;
        /* The middle of a line, or another row of the same line: that
         * line's addresses are the range now. */
        if (kind != VDB_RESUME_UNTIL)
            range_start = now.start;
        range_end = now.end;
        current = now.line;
        file = now.name;
    }
    snprintf(err, err_size, "the line did not end after %d instructions (a loop? Ctrl-C stops it)", MAX_STEPS);
    return -1;
}

static int finish(dwarf_target *d, vdb_stop *stop, char *err, size_t err_size)
{
    make_frames(d);
    if (d->nframes < 2) {
        snprintf(err, err_size, "finish: the outermost frame has no caller to return to");
        return -1;
    }
    uint64_t cfa = 0;
    guest_function fn;
    bool known = guest_dwarf_function(d->dw, d->frames[0].pc, &fn);
    if (!frame_cfa(d, 0, &cfa))
        cfa = inner_sp(d) + 8;
    waypoint back = { .address = d->frames[1].return_address, .min_sp = cfa };
    int which;
    if (run_to_waypoints(d, &back, 1, stop, &which, err, err_size) != 0)
        return -1;
    if (which == 0 && known) {
        uint64_t rax = 0, xmm0 = 0;
        inner_reg(d, d->reg[GUEST_REG_RAX], &rax);
        bool have_xmm0 = inner_reg(d, d->xmm0, &xmm0) == 0;
        if (!guest_dwarf_return_value(d->dw, fn.name, rax, have_xmm0, xmm0, stop->returned, sizeof stop->returned))
            stop->returned[0] = '\0';
    }
    return 0;
}

static int dwarf_resume(vdb_target *t, vdb_resume_kind kind, vdb_stop *stop, char *err, size_t err_size)
{
    dwarf_target *d = self(t);
    d->interrupted = 0;
    int rc;
    switch (kind) {
    case VDB_RESUME_CONTINUE:
        rc = continue_run(d, stop, err, err_size);
        break;
    case VDB_RESUME_STEPI:
        rc = inner_resume(d, VDB_RESUME_STEPI, stop, err, err_size);
        break;
    case VDB_RESUME_STEP:
    case VDB_RESUME_NEXT:
    case VDB_RESUME_UNTIL:
        if (!guest_dwarf_has_lines(d->dw)) {
            snprintf(err, err_size, "%s has no line table: use stepi", d->name);
            return -1;
        }
        rc = line_step(d, kind, stop, err, err_size);
        break;
    case VDB_RESUME_FINISH:
        rc = finish(d, stop, err, err_size);
        break;
    default:
        snprintf(err, err_size, "unknown resume kind %d", (int)kind);
        return -1;
    }
    d->frames_valid = false;
    if (rc == 0 && stop->kind == VDB_STOP_EXITED)
        d->exited = true;
    return rc;
}

static int dwarf_resume_to(vdb_target *t, uint64_t address, vdb_stop *stop, char *err, size_t err_size)
{
    dwarf_target *d = self(t);
    d->interrupted = 0;
    make_frames(d);
    uint64_t cfa = 0, sp = inner_sp(d);
    waypoint w[2] = { { .address = address, .min_sp = sp } };
    size_t n = 1;
    if (d->nframes >= 2 && frame_cfa(d, 0, &cfa))
        w[n++] = (waypoint){ .address = d->frames[1].return_address, .min_sp = cfa };
    int which;
    int rc = run_to_waypoints(d, w, n, stop, &which, err, err_size);
    d->frames_valid = false;
    if (rc == 0 && stop->kind == VDB_STOP_EXITED)
        d->exited = true;
    return rc;
}

static void dwarf_interrupt(vdb_target *t)
{
    dwarf_target *d = self(t);
    d->interrupted = 1;
    d->inner->ops->interrupt(d->inner);
}

static size_t dwarf_take_output(vdb_target *t, char **text)
{
    return self(t)->inner->ops->take_output(self(t)->inner, text);
}

/* ==== where it is ============================================================ */

static uint64_t dwarf_pc(vdb_target *t)
{
    return inner_pc(self(t));
}

static void dwarf_format_address(vdb_target *t, uint64_t address, char *out, size_t size)
{
    dwarf_target *d = self(t);
    if (!guest_dwarf_symbolize(d->dw, address, out, size))
        d->inner->ops->format_address(d->inner, address, out, size);
}

static void dwarf_status(vdb_target *t, char *out, size_t size)
{
    self(t)->inner->ops->status(self(t)->inner, out, size);
}

/* ==== breakpoints ============================================================ */

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* SYMBOL or SYMBOL+OFFSET (the form format_address writes). */
static bool symbol_offset(dwarf_target *d, const char *text, uint64_t *address)
{
    char name[128];
    const char *plus = strchr(text, '+');
    size_t n = plus ? (size_t)(plus - text) : strlen(text);
    while (n > 0 && text[n - 1] == ' ')
        n--;
    if (n == 0 || n >= sizeof name)
        return false;
    memcpy(name, text, n);
    name[n] = '\0';
    uint64_t base, offset = 0;
    if (!guest_dwarf_symbol_address(d->dw, name, &base))
        return false;
    if (plus) {
        char *end;
        const char *digits = plus + 1;
        while (*digits == ' ')
            digits++;
        offset = strtoull(digits, &end, 0);
        if (end == digits || *end)
            return false;
    }
    *address = base + offset;
    return true;
}

/* Where `break FUNCTION` stops in a function without a line table: its
 * first byte -- or after its ftrace call site, when it starts with one.
 * A kernel built with gcc -pg -mfentry (Linux with CONFIG_FTRACE) starts
 * each traceable function with `call __fentry__`, which the kernel itself
 * rewrites at boot (to a 5-byte nop) and whenever tracing starts, and it
 * checks that the bytes are what it expects: a breakpoint's patch there
 * would make ftrace give up on the function (its "ftrace bug").  So the
 * site is skipped, as a prologue is where lines say where it ends. */
static uint64_t after_ftrace_site(dwarf_target *d, uint64_t start)
{
    static const uint8_t nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
    uint8_t bytes[5];
    char ignored[VDB_ERR_SIZE];
    uint64_t fentry;
    if (!guest_dwarf_symbol_address(d->dw, "__fentry__", &fentry) ||
        d->inner->ops->read_memory(d->inner, 0, start, bytes, sizeof bytes, ignored, sizeof ignored) < 0)
        return start;
    int32_t displacement;
    memcpy(&displacement, bytes + 1, sizeof displacement);
    bool calls_fentry = bytes[0] == 0xe8 && start + 5 + (uint64_t)(int64_t)displacement == fentry;
    return calls_fentry || memcmp(bytes, nop5, sizeof nop5) == 0 ? start + 5 : start;
}

static int dwarf_resolve(vdb_target *t, const char *spec, uint64_t *address, char *err, size_t err_size)
{
    dwarf_target *d = self(t);
    if (spec[0] == '*') {
        if (symbol_offset(d, spec + 1, address))
            return 0;
        return d->inner->ops->resolve(d->inner, spec, address, err, err_size);
    }
    const char *colon = strrchr(spec, ':');
    uint32_t found;
    if (colon && all_digits(colon + 1, strlen(colon + 1))) {
        char file[256];
        snprintf(file, sizeof file, "%.*s", (int)(colon - spec), spec);
        unsigned long line = strtoul(colon + 1, NULL, 10);
        if (!guest_dwarf_has_lines(d->dw)) {
            snprintf(err, err_size, "%s has no line table: break FUNCTION or *ADDRESS", d->name);
            return -1;
        }
        return guest_dwarf_find_line(d->dw, file, (uint32_t)line, address, &found, err, err_size);
    }
    if (all_digits(spec, strlen(spec))) {
        guest_line here;
        if (!guest_dwarf_line(d->dw, inner_pc(d), &here)) {
            snprintf(err, err_size, "no current source file for line %s: give FILE:LINE", spec);
            return -1;
        }
        return guest_dwarf_find_line(d->dw, here.name, (uint32_t)strtoul(spec, NULL, 10), address, &found, err,
                                     err_size);
    }
    guest_function f;
    if (guest_dwarf_function_named(d->dw, spec, &f)) {
        *address = f.has_lines ? f.body : after_ftrace_site(d, f.body);
        return 0;
    }
    if (symbol_offset(d, spec, address))
        return 0;
    if (d->inner->ops->resolve(d->inner, spec, address, err, err_size) == 0)
        return 0;
    if (spec[0] >= '0' && spec[0] <= '9')
        return -1;  /* the inner target's message about the number */
    snprintf(err, err_size, "no function or symbol '%s' in the image (Tab completes the names)", spec);
    return -1;
}

static int dwarf_insert_breakpoint(vdb_target *t, uint64_t address, char *err, size_t err_size)
{
    dwarf_target *d = self(t);
    if (d->nuser == MAX_USER_BREAKPOINTS) {
        snprintf(err, err_size, "at most %d breakpoints", MAX_USER_BREAKPOINTS);
        return -1;
    }
    bool internal = false;
    for (int v = 0; v < EXCEPTION_VECTORS; v++)
        internal |= d->handler[v] == address;
    if (!internal && d->inner->ops->insert_breakpoint(d->inner, address, err, err_size) != 0)
        return -1;
    d->user[d->nuser++] = address;
    return 0;
}

static int dwarf_remove_breakpoint(vdb_target *t, uint64_t address, char *err, size_t err_size)
{
    dwarf_target *d = self(t);
    for (size_t i = 0; i < d->nuser; i++) {
        if (d->user[i] != address)
            continue;
        d->user[i] = d->user[--d->nuser];
        bool internal = false;
        for (int v = 0; v < EXCEPTION_VECTORS; v++)
            internal |= d->handler[v] == address;
        return internal ? 0 : d->inner->ops->remove_breakpoint(d->inner, address, err, err_size);
    }
    return d->inner->ops->remove_breakpoint(d->inner, address, err, err_size);
}

/* ==== registers and memory: the inner target's ============================== */

static size_t dwarf_register_count(vdb_target *t)
{
    return self(t)->inner->ops->register_count(self(t)->inner);
}

static const vdb_register *dwarf_register_info(vdb_target *t, size_t i)
{
    return self(t)->inner->ops->register_info(self(t)->inner, i);
}

static int dwarf_read_register(vdb_target *t, size_t i, uint64_t *value, char *err, size_t err_size)
{
    return self(t)->inner->ops->read_register(self(t)->inner, i, value, err, err_size);
}

static int dwarf_write_register(vdb_target *t, size_t i, uint64_t value, char *err, size_t err_size)
{
    self(t)->frames_valid = false;
    return self(t)->inner->ops->write_register(self(t)->inner, i, value, err, err_size);
}

static int dwarf_read_memory(vdb_target *t, int space, uint64_t address, void *buffer, size_t size, char *err,
                             size_t err_size)
{
    return self(t)->inner->ops->read_memory(self(t)->inner, space, address, buffer, size, err, err_size);
}

static int dwarf_write_memory(vdb_target *t, int space, uint64_t address, const void *buffer, size_t size,
                              char *err, size_t err_size)
{
    self(t)->frames_valid = false;
    return self(t)->inner->ops->write_memory(self(t)->inner, space, address, buffer, size, err, err_size);
}

/* ==== code =================================================================== */

/* "0x1013a0" alone: a branch or call target. */
static bool plain_hex(const char *s, uint64_t *value)
{
    if (s[0] != '0' || s[1] != 'x' || !s[2])
        return false;
    char *end;
    *value = strtoull(s + 2, &end, 16);
    return *end == '\0';
}

static int dwarf_disassemble(vdb_target *t, uint64_t address, char *text, size_t size, uint64_t *next, char *err,
                             size_t err_size)
{
    dwarf_target *d = self(t);
    if (d->inner->ops->disassemble(d->inner, address, text, size, next, err, err_size) != 0)
        return -1;
    char symbol[128];
    const char *space = strchr(text, ' ');
    uint64_t target;
    bool branch = text[0] == 'j' || starts_with(text, "call") || strncmp(text, "loop", 4) == 0;
    size_t used = strlen(text);
    if (branch && space && plain_hex(space + 1, &target)) {
        if (guest_dwarf_symbolize(d->dw, target, symbol, sizeof symbol))
            snprintf(text + used, size - used, " <%s>", symbol);
        return 0;
    }
    /* rip-relative operands: the address they name, as gdb comments it */
    const char *rip = strstr(text, "[rip ");
    if (rip && (rip[5] == '+' || rip[5] == '-')) {
        char *end;
        uint64_t displacement = strtoull(rip + 7, &end, 0);
        if (*end == ']') {
            target = rip[5] == '+' ? *next + displacement : *next - displacement;
            if (guest_dwarf_symbolize(d->dw, target, symbol, sizeof symbol))
                snprintf(text + used, size - used, "    # 0x%" PRIx64 " <%s>", target, symbol);
        }
    }
    return 0;
}

static bool dwarf_source_line(vdb_target *t, uint64_t address, const char **file, uint32_t *line)
{
    guest_line l;
    if (!guest_dwarf_line(self(t)->dw, address, &l))
        return false;
    *file = l.path;
    *line = l.line;
    return true;
}

static bool dwarf_line_range(vdb_target *t, uint64_t address, uint64_t *start, uint64_t *end)
{
    guest_line l;
    if (!guest_dwarf_line(self(t)->dw, address, &l) || l.end <= l.start)
        return false;
    *start = l.start;
    *end = l.end;
    return true;
}

static bool dwarf_function_bounds(vdb_target *t, uint64_t address, uint64_t *start, uint64_t *end)
{
    guest_function f;
    if (!guest_dwarf_function(self(t)->dw, address, &f))
        return false;
    *start = f.low;
    *end = f.high;
    return true;
}

/* ==== options and facts: the inner target's, and the names =================== */

static int dwarf_set_option(vdb_target *t, const char *name, const char *value, char *err, size_t err_size)
{
    vdb_target *inner = self(t)->inner;
    if (!inner->ops->set_option) {
        snprintf(err, err_size, "no option '%s' for the %s target", name, inner->ops->name);
        return -1;
    }
    return inner->ops->set_option(inner, name, value, err, err_size);
}

static int dwarf_info(vdb_target *t, const char *topic, char **text, char *err, size_t err_size)
{
    vdb_target *inner = self(t)->inner;
    if (!inner->ops->info) {
        snprintf(err, err_size, "no info %s for the %s target", topic, inner->ops->name);
        return -1;
    }
    return inner->ops->info(inner, topic, text, err, err_size);
}

static const char *dwarf_symbol(vdb_target *t, size_t i)
{
    return guest_dwarf_completion(self(t)->dw, i);
}

static void dwarf_destroy(vdb_target *t)
{
    dwarf_target *d = self(t);
    if (!d)
        return;
    d->inner->ops->destroy(d->inner);
    guest_dwarf_close(d->dw);
    free(d);
}

/* ==== making one ============================================================== */

static int register_named(vdb_target *inner, const char *name)
{
    size_t n = inner->ops->register_count(inner);
    for (size_t i = 0; i < n; i++) {
        const vdb_register *r = inner->ops->register_info(inner, i);
        if (r && strcmp(r->name, name) == 0)
            return (int)i;
    }
    return -1;
}

int vdb_dwarf_check(const char *elf_path, char *err, size_t err_size)
{
    guest_dwarf *dw = guest_dwarf_open(elf_path, err, err_size);
    guest_dwarf_close(dw);
    return dw ? 0 : -1;
}

vdb_target *vdb_dwarf_wrap(vdb_target *inner, const char *elf_path, char *err, size_t err_size)
{
    guest_dwarf *dw = guest_dwarf_open(elf_path, err, err_size);
    if (!dw)
        return NULL;
    dwarf_target *d = calloc(1, sizeof *d);
    if (!d) {
        guest_dwarf_close(dw);
        snprintf(err, err_size, "out of memory for the DWARF layer");
        return NULL;
    }
    d->inner = inner;
    d->dw = dw;
    snprintf(d->name, sizeof d->name, "%s", inner->ops->name);
    static const char *const dwarf_names[GUEST_REGS] = {
        "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
        "r15", "rip",
    };
    d->has_registers = true;
    for (int r = 0; r < GUEST_REGS; r++) {
        d->reg[r] = register_named(inner, dwarf_names[r]);
        d->has_registers &= d->reg[r] >= 0;
    }
    d->cr2 = register_named(inner, "cr2");
    d->xmm0 = register_named(inner, "xmm0");
    d->idtr_base = register_named(inner, "idtr");
    d->idtr_limit = register_named(inner, "idtr_limit");

    const vdb_target_ops *in = inner->ops;
    unsigned caps = in->caps & ~(VDB_CAP_REVERSE | VDB_CAP_JIT | VDB_CAP_SOURCE | VDB_CAP_FRAMES | VDB_CAP_VARIABLES |
                                 VDB_CAP_OPERAND_STACK);
    bool frames = d->has_registers && guest_dwarf_is_x86_64(dw);
    if (guest_dwarf_has_lines(dw))
        caps |= VDB_CAP_SOURCE;
    if (frames && guest_dwarf_has_info(dw))
        caps |= VDB_CAP_FRAMES | VDB_CAP_VARIABLES;
    d->ops = (vdb_target_ops){
        .name = d->name,
        .caps = caps,
        VDB_TARGET_CORE_OPS(dwarf),
        .spaces = in->spaces,
        .set_option = dwarf_set_option,
        .info = in->info ? dwarf_info : NULL,
        .info_topics = in->info_topics,
        .symbol = dwarf_symbol,
        .line_range = dwarf_line_range,
        .resume_to = frames && guest_dwarf_has_lines(dw) ? dwarf_resume_to : NULL,
        .catch_exception = d->idtr_base >= 0 && d->idtr_limit >= 0 ? dwarf_catch_exception : NULL,
    };
    if (caps & VDB_CAP_FRAMES) {
        d->ops.frame_count = dwarf_frame_count;
        d->ops.frame = dwarf_frame;
        d->ops.variables = dwarf_variables;
        d->ops.evaluate = dwarf_evaluate;
        d->ops.assign = dwarf_assign;
    }
    d->base.ops = &d->ops;
    return &d->base;
}
