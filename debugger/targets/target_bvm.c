/*
 * target_bvm.c -- the bytecode VM as a vdb target: debugger/targets/target.h's
 * operations over the hook and inspection API of bytecode-vm/runtime/vm.h.
 *
 * Addresses.  A code address is (function index << 32 | pc), shown and
 * typed back as "fib+12" ("fib" alone is pc 0).  Memory is one space,
 * "stack": the value stack as raw 8-byte slots, from its bottom (0) to the
 * top of the innermost frame's operands (the register sp).
 *
 * Registers.  The VM has none in the hardware sense; the target shows what
 * plays their part: pc (a code address), sp (the stack's top, a "stack"
 * address), depth (call frames) and insns (instructions run).  They are
 * read-only: a new pc or sp would break what the verifier proved about the
 * stack; variables are changed with set var.
 *
 * Tiers.  The VM is always made with the JIT available (BVM_JIT_ON) when
 * the host supports it, and the jit option switches it on and off; while
 * a step or breakpoint is armed the VM runs its instrumented interpreter
 * (deoptimizing compiled frames), so every stop is in the interpreter.
 * Compiled functions' listings are kept (the VM writes them to a
 * temporary file as it compiles) for native_code.
 *
 * Going back.  The VM is deterministic, and it runs under a fuel budget too
 * large to run out, which makes its instruction count exact (compiled code
 * counts too); run_to stops at a given count (bvm_vm_set_stop_at), so the
 * front end goes back in time by running the program again from its start.
 *
 * Invariants:
 *   - Before the first resume, vm has no frames; after an end (exited or
 *     error), `ended` is set and resume returns `end` again without running.
 *   - The program's output goes to a temporary file (output); take_output
 *     hands over the bytes past output_taken.
 *   - Nothing here prints or exits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exit_status.h"
#include "disasm.h"
#include "diag.h"
#include "load.h"
#include "target.h"
#include "util.h"
#include "verify.h"
#include "vm.h"


typedef struct {
    vdb_target base;
    bvm_module *module;
    bvm_vm *vm;
    FILE *output;          /* what the program prints                       */
    uint64_t output_taken; /* bytes of it already handed over               */
    FILE *jit_listing;     /* compiled functions, as --jit-dump prints them */
    bool jit_available;    /* the host can run the JIT                      */
    bool ended;
    vdb_stop end;
} bvm_target;

static bvm_target *self(vdb_target *t) { return (bvm_target *)t; }

static uint16_t address_function(uint64_t address) { return (uint16_t)(address >> 32); }
static uint32_t address_pc(uint64_t address) { return (uint32_t)address; }
static uint64_t make_address(uint32_t function, uint32_t pc) { return (uint64_t)function << 32 | pc; }

/* The function an address names, or NULL (err set) when there is none. */
static const bvm_function *function_of(bvm_target *b, uint64_t address, char *err, size_t err_size)
{
    uint64_t f = address >> 32;
    if (f >= b->module->nfuncs) {
        snprintf(err, err_size, "0x%" PRIx64 " is not a code address: there is no function #%" PRIu64,
                 address, f);
        return NULL;
    }
    return &b->module->funcs[f];
}

/* Whether pc starts an instruction of f (reachable or not). */
static bool starts_instruction(const bvm_function *f, uint32_t pc)
{
    return pc < f->code_len && f->verified->depth[pc] != BVM_NOT_INSN;
}

/* ==== running ================================================================== */

static void end_with(bvm_target *b, vdb_stop_kind kind, int status, const char *detail)
{
    b->ended = true;
    b->end = (vdb_stop){ .kind = kind, .exit_status = status };
    snprintf(b->end.detail, sizeof b->end.detail, "%s", detail ? detail : "");
}

/* After a finish: the caller's top operand is what the callee returned. */
static void returned_value(bvm_target *b, vdb_stop *stop)
{
    bvm_frame_info caller;
    bvm_typed_value v;
    if (!bvm_vm_frame(b->vm, 0, &caller) || caller.stack_depth == 0 ||
        !bvm_vm_stack_slot(b->vm, 0, (uint16_t)(caller.stack_depth - 1), &v))
        return;
    char *text = bvm_vm_format_value(b->vm, v);
    snprintf(stop->returned, sizeof stop->returned, "%s", text);
    free(text);
}

static int target_resume(vdb_target *t, vdb_resume_kind kind, vdb_stop *stop, char *err, size_t err_size)
{
    bvm_target *b = self(t);
    if (b->ended) {
        *stop = b->end;
        return 0;
    }
    uint32_t depth = bvm_vm_frame_count(b->vm);
    bool finishing_with_value = false;
    switch (kind) {
    case VDB_RESUME_CONTINUE:
        bvm_vm_set_step(b->vm, BVM_STEP_NONE, 0);
        break;
    case VDB_RESUME_STEPI:
        bvm_vm_set_step(b->vm, BVM_STEP_INSTRUCTION, UINT32_MAX);
        break;
    case VDB_RESUME_STEP:
        bvm_vm_set_step(b->vm, BVM_STEP_LINE, UINT32_MAX);
        break;
    case VDB_RESUME_NEXT:
        bvm_vm_set_step(b->vm, BVM_STEP_LINE, depth ? depth : UINT32_MAX);
        break;
    case VDB_RESUME_FINISH:
        if (depth <= 1) {
            snprintf(err, err_size, "finish: the outermost frame has no caller to return to");
            return -1;
        }
        bvm_vm_set_step(b->vm, BVM_STEP_INSTRUCTION, depth - 1);
        bvm_frame_info top;
        finishing_with_value = bvm_vm_frame(b->vm, 0, &top) &&
                               b->module->funcs[top.function].ret_type != BVM_TYPE_VOID;
        break;
    case VDB_RESUME_UNTIL:  /* no resume_to: the front end does not ask */
        snprintf(err, err_size, "the bytecode VM target has no until");
        return -1;
    }
    bvm_result r = bvm_vm_run(b->vm);
    fflush(b->output);
    *stop = (vdb_stop){ .kind = VDB_STOP_STEP };
    switch (r) {
    case BVM_RESULT_STOPPED:
        switch (bvm_vm_stop_reason(b->vm)) {
        case BVM_STOP_BREAKPOINT:
            stop->kind = VDB_STOP_BREAKPOINT;
            stop->address = t->ops->pc(t);
            break;
        case BVM_STOP_INTERRUPT:
            stop->kind = VDB_STOP_INTERRUPT;
            break;
        case BVM_STOP_STEP:
        case BVM_STOP_NONE:
            if (finishing_with_value)
                returned_value(b, stop);
            break;
        }
        return 0;
    case BVM_RESULT_OK:
        end_with(b, VDB_STOP_EXITED, bvm_vm_exit_code(b->vm), NULL);
        break;
    case BVM_RESULT_EXCEPTION:
    case BVM_RESULT_FUEL: {
        char detail[sizeof stop->detail];
        snprintf(detail, sizeof detail, "uncaught exception: %s", bvm_vm_error_message(b->vm));
        if (bvm_vm_trace_length(b->vm) > 0) {
            bvm_trace_entry where = bvm_vm_trace_entry(b->vm, 0);
            size_t used = strlen(detail);
            if (where.line)
                snprintf(detail + used, sizeof detail - used, " (in %s, line %u)", where.function, where.line);
            else
                snprintf(detail + used, sizeof detail - used, " (in %s, pc %u)", where.function, where.pc);
        }
        end_with(b, VDB_STOP_ERROR, VMLAB_EXIT_RUNTIME, detail);
        break;
    }
    case BVM_RESULT_OUTPUT_ERROR:
        end_with(b, VDB_STOP_ERROR, VMLAB_EXIT_OUTPUT, bvm_vm_error_message(b->vm));
        break;
    }
    *stop = b->end;
    return 0;
}

static void target_interrupt(vdb_target *t) { bvm_vm_interrupt(self(t)->vm); }

static uint64_t target_instructions(vdb_target *t) { return bvm_vm_instructions(self(t)->vm); }

static int target_run_to(vdb_target *t, uint64_t count, vdb_stop *stop, char *err, size_t err_size)
{
    bvm_target *b = self(t);
    if (!b->ended && !bvm_vm_set_stop_at(b->vm, count)) {
        snprintf(err, err_size, "instruction %" PRIu64 " has run already (now %" PRIu64 ")", count,
                 bvm_vm_instructions(b->vm));
        return -1;
    }
    return target_resume(t, VDB_RESUME_CONTINUE, stop, err, err_size);
}

static size_t target_take_output(vdb_target *t, char **text)
{
    bvm_target *b = self(t);
    *text = NULL;
    fflush(b->output);
    struct stat st;
    if (fstat(fileno(b->output), &st) != 0 || (uint64_t)st.st_size <= b->output_taken)
        return 0;
    size_t n = (size_t)((uint64_t)st.st_size - b->output_taken);
    char *buffer = malloc(n + 1);
    if (!buffer)
        return 0;
    ssize_t got = pread(fileno(b->output), buffer, n, (off_t)b->output_taken);
    if (got <= 0) {
        free(buffer);
        return 0;
    }
    buffer[got] = '\0';
    b->output_taken += (uint64_t)got;
    *text = buffer;
    return (size_t)got;
}

/* ==== where it is ================================================================ */

static uint64_t target_pc(vdb_target *t)
{
    bvm_target *b = self(t);
    bvm_frame_info info;
    if (bvm_vm_frame(b->vm, 0, &info))
        return make_address(info.function, info.pc);
    return make_address(b->module->entry, 0); /* not started: where main begins */
}

static void target_format_address(vdb_target *t, uint64_t address, char *out, size_t size)
{
    bvm_target *b = self(t);
    uint16_t f = address_function(address);
    if (address >> 32 >= b->module->nfuncs) {
        snprintf(out, size, "0x%" PRIx64, address);
        return;
    }
    uint32_t pc = address_pc(address);
    if (pc == 0)
        snprintf(out, size, "%s", b->module->funcs[f].name);
    else
        snprintf(out, size, "%s+%u", b->module->funcs[f].name, pc);
}

static void target_status(vdb_target *t, char *out, size_t size)
{
    bvm_target *b = self(t);
    const char *jit = !b->jit_available ? "no jit" : bvm_vm_jit_enabled(b->vm) ? "jit on" : "jit off";
    bvm_jit_stats js = bvm_vm_jit_stats(b->vm);
    /* At a stop the tier is always the interpreter (deoptimization). */
    snprintf(out, size, "interpreter, %s, %u compiled | %" PRIu64 " insns", jit, js.functions_compiled,
             bvm_vm_instructions(b->vm));
}

/* ==== breakpoints ================================================================ */

/* "fib", "fib+12", or a number: a code address. */
static int parse_code_address(bvm_target *b, const char *text, uint64_t *address, char *err, size_t err_size)
{
    char *end;
    errno = 0;
    if (text[0] >= '0' && text[0] <= '9') {
        unsigned long long v = strtoull(text, &end, 0);
        if (*end || errno) {
            snprintf(err, err_size, "'%s' is not an address", text);
            return -1;
        }
        *address = v;
    } else {
        const char *plus = strchr(text, '+');
        size_t name_len = plus ? (size_t)(plus - text) : strlen(text);
        char name[128];
        if (name_len == 0 || name_len >= sizeof name) {
            snprintf(err, err_size, "'%s' is not an address", text);
            return -1;
        }
        memcpy(name, text, name_len);
        name[name_len] = '\0';
        int f = bvm_module_find_function(b->module, name);
        if (f < 0) {
            snprintf(err, err_size, "no function named '%s'", name);
            return -1;
        }
        unsigned long pc = 0;
        if (plus) {
            pc = strtoul(plus + 1, &end, 0);
            if (!plus[1] || *end || errno || pc > UINT32_MAX) {
                snprintf(err, err_size, "'%s': the offset after '+' is not a number", text);
                return -1;
            }
        }
        *address = make_address((uint32_t)f, (uint32_t)pc);
    }
    const bvm_function *f = function_of(b, *address, err, err_size);
    if (!f)
        return -1;
    if (!starts_instruction(f, address_pc(*address))) {
        snprintf(err, err_size, "pc %u of %s does not start an instruction", address_pc(*address), f->name);
        return -1;
    }
    return 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int resolve_line(bvm_target *b, const char *text, uint64_t *address, char *err, size_t err_size)
{
    char *end;
    errno = 0;
    unsigned long line = strtoul(text, &end, 10);
    if (*end || errno || line == 0 || line > UINT32_MAX) {
        snprintf(err, err_size, "'%s' is not a line number", text);
        return -1;
    }
    uint16_t function;
    uint32_t pc;
    if (bvm_vm_line_to_pcs(b->vm, (uint32_t)line, &function, &pc, 1) == 0) {
        const char *file = b->module->source_file ? base_name(b->module->source_file) : "the program";
        snprintf(err, err_size, "line %lu of %s has no code", line, file);
        return -1;
    }
    *address = make_address(function, pc);
    return 0;
}

static int target_resolve(vdb_target *t, const char *spec, uint64_t *address, char *err, size_t err_size)
{
    bvm_target *b = self(t);
    if (spec[0] == '*')
        return parse_code_address(b, spec + 1, address, err, err_size);
    if (spec[0] >= '0' && spec[0] <= '9')
        return resolve_line(b, spec, address, err, err_size);
    const char *colon = strrchr(spec, ':');
    if (colon) {
        const char *file = b->module->source_file;
        size_t len = (size_t)(colon - spec);
        bool same = file && (strlen(file) == len ? strncmp(file, spec, len) == 0
                                                 : strlen(base_name(file)) == len && strncmp(base_name(file), spec, len) == 0);
        if (!same) {
            snprintf(err, err_size, "no source file '%.*s' (the program's is %s)", (int)len, spec,
                     file ? base_name(file) : "unknown");
            return -1;
        }
        return resolve_line(b, colon + 1, address, err, err_size);
    }
    int f = bvm_module_find_function(b->module, spec);
    if (f < 0) {
        snprintf(err, err_size, "no function named '%s'", spec);
        return -1;
    }
    *address = make_address((uint32_t)f, 0);
    return 0;
}

static int set_breakpoint(vdb_target *t, uint64_t address, bool armed, char *err, size_t err_size)
{
    bvm_target *b = self(t);
    const bvm_function *f = function_of(b, address, err, err_size);
    if (!f)
        return -1;
    if (!bvm_vm_set_breakpoint(b->vm, address_function(address), address_pc(address), armed)) {
        snprintf(err, err_size, "pc %u of %s does not start an instruction", address_pc(address), f->name);
        return -1;
    }
    return 0;
}

static int target_insert_breakpoint(vdb_target *t, uint64_t address, char *err, size_t err_size)
{
    return set_breakpoint(t, address, true, err, err_size);
}

static int target_remove_breakpoint(vdb_target *t, uint64_t address, char *err, size_t err_size)
{
    return set_breakpoint(t, address, false, err, err_size);
}

/* ==== registers ================================================================== */

static const vdb_register registers[] = {
    { "pc", 64, "vm" },
    { "sp", 64, "vm" },
    { "depth", 32, "vm" },
    { "insns", 64, "vm" },
};
#define NREGISTERS (sizeof registers / sizeof registers[0])

static size_t target_register_count(vdb_target *t) { return NREGISTERS; }

static const vdb_register *target_register_info(vdb_target *t, size_t i) { return i < NREGISTERS ? &registers[i] : NULL; }

static int target_read_register(vdb_target *t, size_t i, uint64_t *value, char *err, size_t err_size)
{
    bvm_target *b = self(t);
    switch (i) {
    case 0: *value = target_pc(t); return 0;
    case 1: *value = bvm_vm_stack_bytes(b->vm); return 0;
    case 2: *value = bvm_vm_frame_count(b->vm); return 0;
    case 3: *value = bvm_vm_instructions(b->vm); return 0;
    }
    snprintf(err, err_size, "no register #%zu", i);
    return -1;
}

static int target_write_register(vdb_target *t, size_t i, uint64_t value, char *err, size_t err_size)
{
    snprintf(err, err_size, "the bytecode VM's registers are read-only (a new %s would break what the "
             "verifier proved); change variables with set var", i < NREGISTERS ? registers[i].name : "value");
    return -1;
}

/* ==== memory ===================================================================== */

static const char *const spaces[] = { "stack", NULL };

static int target_read_memory(vdb_target *t, int space, uint64_t address, void *buffer, size_t size,
                           char *err, size_t err_size)
{
    bvm_target *b = self(t);
    if (!bvm_vm_read_stack(b->vm, address, buffer, size)) {
        snprintf(err, err_size, "stack 0x%" PRIx64 "..0x%" PRIx64 " is outside the value stack in use "
                 "(0x0..0x%" PRIx64 ")", address, address + size, bvm_vm_stack_bytes(b->vm));
        return -1;
    }
    return 0;
}

static int target_write_memory(vdb_target *t, int space, uint64_t address, const void *buffer, size_t size,
                            char *err, size_t err_size)
{
    snprintf(err, err_size, "the value stack is not written raw (a slot's bits could break its verified type); "
             "use set var");
    return -1;
}

/* ==== code ======================================================================= */

static int target_disassemble(vdb_target *t, uint64_t address, char *text, size_t size, uint64_t *next,
                           char *err, size_t err_size)
{
    bvm_target *b = self(t);
    const bvm_function *f = function_of(b, address, err, err_size);
    if (!f)
        return -1;
    uint32_t pc = address_pc(address);
    if (pc >= f->code_len) {
        snprintf(err, err_size, "pc %u is past the end of %s (%u bytes of code)", pc, f->name, f->code_len);
        return -1;
    }
    bvm_buf line = { 0 };
    uint32_t length = bvm_disassemble_insn(b->module, f, pc, &line);
    if (length == 0) {
        bvm_buf_free(&line);
        snprintf(err, err_size, "pc %u of %s does not start an instruction", pc, f->name);
        return -1;
    }
    snprintf(text, size, "%.*s", (int)line.len, line.data ? (const char *)line.data : "");
    bvm_buf_free(&line);
    *next = address + length;
    return 0;
}

static bool target_source_line(vdb_target *t, uint64_t address, const char **file, uint32_t *line)
{
    bvm_target *b = self(t);
    if (address >> 32 >= b->module->nfuncs || !b->module->source_file)
        return false;
    const bvm_function *f = &b->module->funcs[address_function(address)];
    if (address_pc(address) >= f->code_len)
        return false;
    *line = bvm_function_line_at(f, address_pc(address));
    *file = b->module->source_file;
    return *line != 0;
}

static bool target_function_bounds(vdb_target *t, uint64_t address, uint64_t *start, uint64_t *end)
{
    bvm_target *b = self(t);
    if (address >> 32 >= b->module->nfuncs)
        return false;
    uint16_t f = address_function(address);
    *start = make_address(f, 0);
    *end = make_address(f, b->module->funcs[f].code_len);
    return true;
}

/* ==== frames and variables ======================================================= */

static size_t target_frame_count(vdb_target *t) { return bvm_vm_frame_count(self(t)->vm); }

static int target_frame(vdb_target *t, size_t depth, vdb_frame *out, char *err, size_t err_size)
{
    bvm_target *b = self(t);
    bvm_frame_info info;
    if (depth > UINT32_MAX || !bvm_vm_frame(b->vm, (uint32_t)depth, &info)) {
        snprintf(err, err_size, "no frame #%zu (there are %u)", depth, bvm_vm_frame_count(b->vm));
        return -1;
    }
    snprintf(out->function, sizeof out->function, "%s", b->module->funcs[info.function].name);
    out->address = make_address(info.function, info.pc);
    out->line = info.line;
    return 0;
}

/* The name local `slot` has at pc, or NULL when it is out of scope there.
 * Parameters are always in scope.  Of several names for one slot the
 * innermost (latest start) wins. */
static const char *local_name(const bvm_function *f, uint16_t slot, uint32_t pc)
{
    const bvm_local_name *best = NULL;
    for (uint32_t i = 0; i < f->nlocal_names; i++) {
        const bvm_local_name *n = &f->local_names[i];
        if (n->slot == slot && (slot < f->nparams || (n->start <= pc && pc < n->end)) &&
            (!best || n->start > best->start))
            best = n;
    }
    return best ? best->name : NULL;
}

/* The local of that name in scope at pc: its slot, or -1. */
static int find_local(const bvm_function *f, const char *name, uint32_t pc)
{
    for (uint16_t slot = 0; slot < f->nlocals; slot++) {
        const char *n = local_name(f, slot, pc);
        if (n && strcmp(n, name) == 0)
            return slot;
    }
    return -1;
}

static void describe(bvm_target *b, const char *name, bvm_typed_value v, vdb_variable *out)
{
    snprintf(out->name, sizeof out->name, "%s", name);
    if (v.type == BVM_VT_NULL)
        snprintf(out->type, sizeof out->type, "null");
    else if (v.type == BVM_VT_TOP)
        snprintf(out->type, sizeof out->type, "?");
    else
        bvm_type_name(b->module, v.type, out->type, sizeof out->type);
    char *text = bvm_vm_format_value(b->vm, v);
    size_t len = strlen(text);
    if (len >= sizeof out->value)
        snprintf(out->value, sizeof out->value, "%.*s...", (int)(sizeof out->value - 4), text);
    else
        memcpy(out->value, text, len + 1);
    free(text);
}

static size_t target_variables(vdb_target *t, size_t depth, vdb_var_set set, vdb_variable *out, size_t max)
{
    bvm_target *b = self(t);
    size_t n = 0;
    bvm_typed_value v;
    if (set == VDB_VARS_GLOBALS) {
        for (uint16_t g = 0; g < b->module->nglobals; g++, n++)
            if (n < max && bvm_vm_global(b->vm, g, &v))
                describe(b, b->module->globals[g].name, v, &out[n]);
        return n;
    }
    bvm_frame_info info;
    if (depth > UINT32_MAX || !bvm_vm_frame(b->vm, (uint32_t)depth, &info))
        return 0;
    const bvm_function *f = &b->module->funcs[info.function];
    if (set == VDB_VARS_STACK) {
        for (uint16_t s = 0; s < info.stack_depth; s++, n++) {
            if (n < max && bvm_vm_stack_slot(b->vm, (uint32_t)depth, s, &v)) {
                char name[16];
                snprintf(name, sizeof name, "[%u]", s);
                describe(b, name, v, &out[n]);
            }
        }
        return n;
    }
    uint16_t locals = set == VDB_VARS_ARGS ? f->nparams : f->nlocals;  /* the parameters are the first */
    for (uint16_t slot = 0; slot < locals; slot++) {
        const char *name = local_name(f, slot, info.pc);
        if (!name)
            continue;
        if (n < max && bvm_vm_local(b->vm, (uint32_t)depth, slot, &v))
            describe(b, name, v, &out[n]);
        n++;
    }
    return n;
}

/* ---- expressions: NAME, then [INDEX] and .FIELD, chained ---- */

typedef struct {
    const char *text;
    size_t at;
} cursor;

static void skip_spaces(cursor *c)
{
    while (c->text[c->at] == ' ' || c->text[c->at] == '\t')
        c->at++;
}

static bool is_name_char(char ch, bool first)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || (!first && ch >= '0' && ch <= '9');
}

static bool take_name(cursor *c, char *name, size_t size)
{
    skip_spaces(c);
    size_t start = c->at;
    if (!is_name_char(c->text[c->at], true))
        return false;
    while (is_name_char(c->text[c->at], false))
        c->at++;
    size_t len = c->at - start;
    if (len >= size)
        return false;
    memcpy(name, c->text + start, len);
    name[len] = '\0';
    return true;
}

/* What an expression names: a value, and how to assign to it. */
typedef enum { PLACE_LOCAL, PLACE_GLOBAL, PLACE_ELEMENT, PLACE_FIELD } place_kind;

typedef struct {
    place_kind kind;
    bvm_typed_value value;
    bvm_typed_value container;  /* ELEMENT: the array; FIELD: the record */
    int64_t index;              /* LOCAL: slot; GLOBAL: global; ELEMENT; FIELD */
} place;

static int evaluate_place(bvm_target *b, uint32_t depth, cursor *c, place *out, char *err, size_t err_size);

static int lookup_name(bvm_target *b, uint32_t depth, const char *name, place *out, char *err, size_t err_size)
{
    bvm_frame_info info;
    if (bvm_vm_frame(b->vm, depth, &info)) {
        const bvm_function *f = &b->module->funcs[info.function];
        int slot = find_local(f, name, info.pc);
        if (slot >= 0 && bvm_vm_local(b->vm, depth, (uint16_t)slot, &out->value)) {
            out->kind = PLACE_LOCAL;
            out->index = slot;
            return 0;
        }
    }
    int g = bvm_module_find_global(b->module, name);
    if (g >= 0 && bvm_vm_global(b->vm, (uint16_t)g, &out->value)) {
        out->kind = PLACE_GLOBAL;
        out->index = g;
        return 0;
    }
    snprintf(err, err_size, "no variable '%s' in scope here", name);
    return -1;
}

/* An index: a number, or an expression of type int. */
static int evaluate_index(bvm_target *b, uint32_t depth, cursor *c, int64_t *index, char *err, size_t err_size)
{
    skip_spaces(c);
    const char *start = c->text + c->at;
    if ((*start >= '0' && *start <= '9') || *start == '-') {
        char *end;
        errno = 0;
        long long v = strtoll(start, &end, 0);
        if (end == start || errno) {
            snprintf(err, err_size, "'%s': a bad index", start);
            return -1;
        }
        c->at += (size_t)(end - start);
        *index = v;
        return 0;
    }
    place p;
    if (evaluate_place(b, depth, c, &p, err, err_size) != 0)
        return -1;
    if (p.value.type != BVM_TYPE_INT) {
        snprintf(err, err_size, "an index must be an int");
        return -1;
    }
    *index = p.value.value.i;
    return 0;
}

static int evaluate_place(bvm_target *b, uint32_t depth, cursor *c, place *out, char *err, size_t err_size)
{
    char name[128];
    if (!take_name(c, name, sizeof name)) {
        snprintf(err, err_size, "expected a variable name at '%s'", c->text + c->at);
        return -1;
    }
    if (lookup_name(b, depth, name, out, err, err_size) != 0)
        return -1;
    for (;;) {
        skip_spaces(c);
        char ch = c->text[c->at];
        if (ch == '[') {
            c->at++;
            int64_t index;
            if (evaluate_index(b, depth, c, &index, err, err_size) != 0)
                return -1;
            skip_spaces(c);
            if (c->text[c->at] != ']') {
                snprintf(err, err_size, "expected ']' at '%s'", c->text + c->at);
                return -1;
            }
            c->at++;
            int64_t length = bvm_vm_array_length(b->vm, out->value);
            bvm_typed_value element;
            if (length < 0) {
                snprintf(err, err_size, "%s", out->value.value.ref == NULL && bvm_type_is_ref(b->module, out->value.type)
                                                  ? "cannot index null" : "only an array can be indexed");
                return -1;
            }
            if (!bvm_vm_array_element(b->vm, out->value, index, &element)) {
                snprintf(err, err_size, "index %" PRId64 " is out of bounds (length %" PRId64 ")", index, length);
                return -1;
            }
            out->container = out->value;
            out->value = element;
            out->kind = PLACE_ELEMENT;
            out->index = index;
        } else if (ch == '.') {
            c->at++;
            char field[128];
            if (!take_name(c, field, sizeof field)) {
                snprintf(err, err_size, "expected a field name after '.'");
                return -1;
            }
            uint16_t type = out->value.type;
            if (type >= b->module->ntypes || b->module->types[type].kind != BVM_TK_RECORD) {
                snprintf(err, err_size, "only a record has fields (.%s)", field);
                return -1;
            }
            if (!out->value.value.ref) {
                snprintf(err, err_size, "cannot read .%s of null", field);
                return -1;
            }
            const bvm_record *r = &b->module->records[b->module->types[type].arg];
            int found = -1;
            for (uint16_t i = 0; i < r->nfields; i++)
                if (strcmp(r->fields[i].name, field) == 0)
                    found = i;
            bvm_typed_value value;
            if (found < 0 || !bvm_vm_record_field(b->vm, out->value, (uint16_t)found, &value)) {
                snprintf(err, err_size, "%s has no field '%s'", r->name, field);
                return -1;
            }
            out->container = out->value;
            out->value = value;
            out->kind = PLACE_FIELD;
            out->index = found;
        } else {
            return 0;
        }
    }
}

static int parse_expression(bvm_target *b, size_t depth, const char *expression, place *out, char *err,
                            size_t err_size)
{
    if (depth >= bvm_vm_frame_count(b->vm) && depth > 0) {
        snprintf(err, err_size, "no frame #%zu", depth);
        return -1;
    }
    cursor c = { expression, 0 };
    if (evaluate_place(b, (uint32_t)depth, &c, out, err, err_size) != 0)
        return -1;
    skip_spaces(&c);
    if (c.text[c.at]) {
        snprintf(err, err_size, "unexpected '%s' after the expression", c.text + c.at);
        return -1;
    }
    return 0;
}

static int target_evaluate(vdb_target *t, size_t depth, const char *expression, char *out, size_t size,
                        char *err, size_t err_size)
{
    bvm_target *b = self(t);
    place p;
    if (parse_expression(b, depth, expression, &p, err, err_size) != 0)
        return -1;
    char *text = bvm_vm_format_value(b->vm, p.value);
    snprintf(out, size, "%s", text);
    free(text);
    return 0;
}

/* The value `text` means for a place of static type `type`. */
static int parse_value(bvm_target *b, uint16_t type, const char *text, bvm_value *out, char *err, size_t err_size)
{
    char *end;
    errno = 0;
    char type_name[64];
    bvm_type_name(b->module, type, type_name, sizeof type_name);
    switch (type < b->module->ntypes ? b->module->types[type].kind : BVM_TK_VOID) {
    case BVM_TK_INT: {
        long long v = strtoll(text, &end, 0);
        if (end == text || *end || errno) {
            snprintf(err, err_size, "'%s' is not an int", text);
            return -1;
        }
        out->i = v;
        return 0;
    }
    case BVM_TK_FLOAT: {
        double v = strtod(text, &end);
        if (end == text || *end) {
            snprintf(err, err_size, "'%s' is not a float", text);
            return -1;
        }
        out->f = v;
        return 0;
    }
    case BVM_TK_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
            out->i = text[0] == 't';
            return 0;
        }
        snprintf(err, err_size, "'%s' is not a bool (true or false)", text);
        return -1;
    case BVM_TK_STRING:
    case BVM_TK_ARRAY:
    case BVM_TK_RECORD:
        if (strcmp(text, "null") == 0) {
            out->ref = NULL;
            return 0;
        }
        snprintf(err, err_size, "%s values can only be set to null from the debugger", type_name);
        return -1;
    default:
        snprintf(err, err_size, "a value of type %s cannot be set", type_name);
        return -1;
    }
}

static int target_assign(vdb_target *t, size_t depth, const char *expression, const char *value_text,
                      char *err, size_t err_size)
{
    bvm_target *b = self(t);
    place p;
    if (parse_expression(b, depth, expression, &p, err, err_size) != 0)
        return -1;
    bvm_value v;
    if (parse_value(b, p.value.type, value_text, &v, err, err_size) != 0)
        return -1;
    bool ok = false;
    switch (p.kind) {
    case PLACE_LOCAL: ok = bvm_vm_set_local(b->vm, (uint32_t)depth, (uint16_t)p.index, v); break;
    case PLACE_GLOBAL: ok = bvm_vm_set_global(b->vm, (uint16_t)p.index, v); break;
    case PLACE_ELEMENT: ok = bvm_vm_set_array_element(b->vm, p.container, p.index, v); break;
    case PLACE_FIELD: ok = bvm_vm_set_record_field(b->vm, p.container, (uint16_t)p.index, v); break;
    }
    if (!ok) {
        snprintf(err, err_size, "'%s' cannot be set here", expression);
        return -1;
    }
    return 0;
}

/* ==== options, info, native code ================================================= */

static int target_set_option(vdb_target *t, const char *name, const char *value, char *err, size_t err_size)
{
    bvm_target *b = self(t);
    if (strcmp(name, "jit") != 0) {
        snprintf(err, err_size, "the bytecode VM has no option '%s' (it has: jit)", name);
        return -1;
    }
    bool on = strcmp(value, "on") == 0;
    if (!on && strcmp(value, "off") != 0) {
        snprintf(err, err_size, "jit takes on or off, not '%s'", value);
        return -1;
    }
    if (on && !b->jit_available) {
        snprintf(err, err_size, "the JIT compiles to x86-64 only; this host runs the program interpreted");
        return -1;
    }
    bvm_vm_set_jit(b->vm, on);
    return 0;
}

/* Runs print(vm, memstream) and hands back the text. */
static int capture_text(void (*print)(const bvm_vm *, FILE *), bvm_target *b, char **text, char *err, size_t err_size)
{
    size_t size = 0;
    FILE *f = open_memstream(text, &size);
    if (!f) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    print(b->vm, f);
    fclose(f);
    return 0;
}

static int target_info(vdb_target *t, const char *topic, char **text, char *err, size_t err_size)
{
    bvm_target *b = self(t);
    if (strcmp(topic, "jit") == 0)
        return capture_text(bvm_vm_print_jit_stats, b, text, err, err_size);
    if (strcmp(topic, "gc") == 0)
        return capture_text(bvm_vm_print_gc_stats, b, text, err, err_size);
    snprintf(err, err_size, "no info %s for the bytecode VM (it has: jit, gc)", topic);
    return -1;
}

/* The listing the JIT printed for function f when it compiled it: from
 * its "jit: NAME (function #F)" line up to the next "jit: " line. */
static int target_native_code(vdb_target *t, uint64_t address, char **text, char *err, size_t err_size)
{
    bvm_target *b = self(t);
    const bvm_function *f = function_of(b, address, err, err_size);
    if (!f)
        return -1;
    if (!b->jit_listing) {
        snprintf(err, err_size, "the JIT is not available on this host");
        return -1;
    }
    fflush(b->jit_listing);
    char header[160];
    snprintf(header, sizeof header, "jit: %s (function #%u)", f->name, address_function(address));
    rewind(b->jit_listing);
    bvm_buf out = { 0 };
    char *line = NULL;
    size_t capacity = 0;
    bool inside = false;
    /* The instruction at address is marked "=>" (the pane follows it). */
    char here[32];
    snprintf(here, sizeof here, "  pc %-5u ", address_pc(address));
    while (getline(&line, &capacity, b->jit_listing) > 0) {
        if (strncmp(line, "jit: ", 5) == 0)
            inside = strncmp(line, header, strlen(header)) == 0;
        if (!inside)
            continue;
        if (strncmp(line, here, strlen(here)) == 0)
            line[0] = '=', line[1] = '>';
        bvm_buf_put(&out, line, strlen(line));
    }
    free(line);
    fseek(b->jit_listing, 0, SEEK_END);
    if (out.len == 0) {
        bvm_buf_free(&out);
        snprintf(err, err_size, "%s has no native code: it has not been compiled (the JIT is off, or it is not hot yet)",
                 f->name);
        return -1;
    }
    bvm_buf_u8(&out, 0);
    *text = (char *)out.data;
    return 0;
}

/* Functions, then globals. */
static const char *target_symbol(vdb_target *t, size_t i)
{
    bvm_target *b = self(t);
    if (i < b->module->nfuncs)
        return b->module->funcs[i].name;
    i -= b->module->nfuncs;
    return i < b->module->nglobals ? b->module->globals[i].name : NULL;
}

/* ==== life cycle ================================================================= */

static void target_destroy(vdb_target *t)
{
    bvm_target *b = self(t);
    if (!b)
        return;
    if (b->vm)
        bvm_vm_free(b->vm);
    if (b->module)
        bvm_module_free(b->module);
    if (b->output)
        fclose(b->output);
    if (b->jit_listing)
        fclose(b->jit_listing);
    free(b);
}

static const char *const info_topics[] = { "jit", "gc", NULL };

static const vdb_target_ops bvm_ops = {
    .name = "bvm",
    .caps = VDB_CAP_SOURCE | VDB_CAP_FRAMES | VDB_CAP_VARIABLES | VDB_CAP_JIT | VDB_CAP_REVERSE | VDB_CAP_RESTART |
            VDB_CAP_OPERAND_STACK,
    VDB_TARGET_CORE_OPS(target),
    .spaces = spaces,
    /* the capabilities' operations, and the options */
    .instructions = target_instructions, .run_to = target_run_to,                          /* REVERSE   */
    .frame_count = target_frame_count, .frame = target_frame,                              /* FRAMES    */
    .variables = target_variables, .evaluate = target_evaluate, .assign = target_assign,   /* VARIABLES */
    .native_code = target_native_code,                                                     /* JIT       */
    .set_option = target_set_option, .info = target_info, .info_topics = info_topics, .symbol = target_symbol,
};

/* The diagnostics of a failed load, as many lines as fit in err. */
static void diagnostics_to(bvm_diags *d, char *err, size_t err_size)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f) {
        bvm_diags_print(d, f);
        fclose(f);
    }
    while (size > 0 && text[size - 1] == '\n')
        text[--size] = '\0';
    snprintf(err, err_size, "%s", text && size ? text : "the program could not be loaded");
    free(text);
}

vdb_target *vdb_bvm_open(const vdb_bvm_config *config, char *err, size_t err_size)
{
    const char *jit = config->jit ? config->jit : "off";
    if (strcmp(jit, "off") != 0 && strcmp(jit, "on") != 0 && strcmp(jit, "always") != 0) {
        snprintf(err, err_size, "--jit takes off, on or always, not '%s'", jit);
        return NULL;
    }
    bvm_target *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    b->base.ops = &bvm_ops;
    bvm_diags d;
    bvm_diags_init(&d);
    b->module = bvm_load_file(config->program, &d, NULL);
    if (!b->module) {
        diagnostics_to(&d, err, err_size);
        bvm_diags_free(&d);
        target_destroy(&b->base);
        return NULL;
    }
    bvm_diags_free(&d);
    b->output = tmpfile();
    b->jit_available = bvm_jit_host_supported();
    if (b->jit_available)
        b->jit_listing = tmpfile();
    if (!b->output || (b->jit_available && !b->jit_listing)) {
        snprintf(err, err_size, "cannot make a temporary file for the program's output: %s", strerror(errno));
        target_destroy(&b->base);
        return NULL;
    }
    bvm_options o;
    bvm_options_default(&o);
    o.out = b->output;
    /* The JIT is made available whenever the host has it, so `jit on`
     * works whatever the program was started with. */
    o.jit = !b->jit_available ? BVM_JIT_OFF : strcmp(jit, "always") == 0 ? BVM_JIT_ALWAYS : BVM_JIT_ON;
    o.jit_dump = b->jit_listing;
    /* A budget that never runs out makes every instruction count, compiled
     * ones included: exact counts for the status line and for going back
     * (bvm_vm_set_stop_at). */
    o.fuel = UINT64_MAX / 2;
    const char *why = NULL;
    b->vm = bvm_vm_new(b->module, &o, &why);
    if (!b->vm) {
        snprintf(err, err_size, "%s", why ? why : "the VM could not be set up");
        target_destroy(&b->base);
        return NULL;
    }
    if (strcmp(jit, "off") == 0)
        bvm_vm_set_jit(b->vm, false);
    return &b->base;
}
