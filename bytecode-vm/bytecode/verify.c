/*
 * verify.c -- the bytecode verifier: proves a module safe to run (verify.h).
 *
 * The interpreter and the JIT check nothing but null references, array
 * bounds and division by zero; everything else about a module is proved
 * here, once, before any of it runs.  Verification goes in phases, each
 * relying on the ones before it:
 *
 *   1. Tables.  Counts fit their u16 indices; the built-in types sit at
 *      their fixed indices; user types are arrays (of an earlier, non-void
 *      type) or records (of an existing record); constants, record fields,
 *      globals, return and local types are well formed.  If a table is
 *      broken no code is checked, since every code check reads the tables.
 *      Then the entry (`main`) and global initializer (`$init`) signatures.
 *
 *   2. Per function, static checks:
 *        decode    linear decoding from pc 0 meets only known opcodes and
 *                  ends exactly at code_len; it marks instruction starts;
 *        operands  every index is in range and of the right kind, every
 *                  jump lands on an instruction start -- for ALL
 *                  instructions, reachable or not, so every later stage
 *                  (interpreter, JIT, disassembler) may trust operands;
 *        handlers  well-formed [start, end) ranges on instruction
 *                  boundaries, handler pcs on instruction starts.
 *
 *   3. Per function, dataflow: abstract interpretation over operand-stack
 *      *types* (locals have fixed declared types, so the stack is the whole
 *      state).  Entry points are pc 0 with an empty stack and every handler
 *      pc with [string].  A worklist holds pcs whose entry state changed;
 *      it always takes the smallest pc first, so straight-line code is
 *      checked in order and errors are reported where a reader expects them.
 *
 *   4. Per function, debug tables: line table and local variable names.
 *
 * The type lattice.  A stack slot holds a type index or BVM_VT_NULL (the
 * type of the `null` literal, which fits every reference type).  Merging
 * two states needs equal depth; per slot equal types stay, null and a
 * reference type give the reference type, anything else is an error.  So a
 * slot's type can change at most once after it is first set (null -> ref),
 * and each instruction is visited at most depth + 1 times: the worklist
 * always terminates, in time linear in code size for real programs.
 *
 * Types are compared by canonical index: structurally equal types (two
 * entries both meaning int[], say) get the same canonical index, computed
 * once per module, so type equality in the dataflow is integer equality.
 *
 * One check is not monotone: aload/astore/alen reject a statically-null
 * array (its element type is unknown), yet a slot that is null now may
 * become an array type after a later merge.  Such an instruction is
 * deferred instead of rejected; only if the slot is still null when the
 * worklist is empty is it an error.
 *
 * Results: on success each function gets a bvm_verified whose depth[] and
 * stack_types[] are exactly the dataflow's entry states (the worklist
 * writes them in place), read by the GC's stack maps and the debugger.
 * A stack type is a canonical type index or BVM_VT_NULL (a slot that is
 * always null); v->max_stack is the function's declared max_stack.  On
 * failure no function keeps one.
 *
 * Limits, so that no input can make verification unbounded: max_stack is
 * below BVM_NOT_INSN; a module's stack maps total at most STACK_MAP_LIMIT
 * entries; an sfmt spec's width and precision are at most BVM_PRINTF_MAX_FIELD.
 */
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opcodes.h"
#include "printf_spec.h"
#include "util.h"

/* Type indices 0xFFFE and 0xFFFF are BVM_VT_NULL and BVM_VT_TOP. */
#define MAX_TYPES 0xFFFEu

/* Limit on the stack maps of a whole module: the sum over its functions of
 * code_len * max_stack entries (2 bytes each), so that a hostile file
 * cannot make the verifier allocate without bound. */
#define STACK_MAP_LIMIT (1u << 26)

/* Room for a type's spelling in a message ("Node[][]"). */
#define TYPE_TEXT 96

/* ===== the verifier's state ============================================= */

typedef struct {
    bvm_module *m;
    const char *file;
    bvm_diags *diags;
    bool failed;                /* some error was reported                   */
    uint16_t *canon;            /* [ntypes] canonical index of each type     */
    uint16_t *record_type;      /* [nrecords] canonical type of record r, or
                                   BVM_VT_TOP when no type names it          */
    uint16_t *sfmt_type;        /* [nconsts] operand type of a valid sfmt
                                   spec, BVM_VT_TOP until checked            */
    uint64_t stack_map_slots;   /* used so far by this module's functions    */
} verifier;

/* Bits of code_check.flags, one byte per code byte. */
enum {
    PC_INSN = 1 << 0,     /* an instruction starts here (linear decode)   */
    PC_QUEUED = 1 << 1,   /* in the worklist                              */
    PC_DEFERRED = 1 << 2, /* waiting for a null array operand to resolve  */
};

typedef struct {
    verifier *vr;
    bvm_function *f;
    uint8_t *flags;       /* [code_len] PC_* bits                          */
    bvm_verified *v;      /* being built: depth/stack_types ARE the states */
    uint16_t *stack;      /* [max_stack] the state being transformed       */
    uint32_t *heap;       /* pending pcs, a binary min-heap                */
    uint32_t nheap;
    bool decoded;         /* linear decoding reached code_len              */
} code_check;

typedef enum { STEP_OK, STEP_DEFER, STEP_ERROR } step_result;

/* ===== diagnostics ====================================================== */

static void module_error(verifier *vr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void module_error(verifier *vr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvm_diag_vfile(vr->diags, vr->file, fmt, ap);
    va_end(ap);
    vr->failed = true;
}

/* An error located in function f at pc (-1: the function as a whole).
 * Returns false so checks can `return function_error(...)`. */
static bool function_error(verifier *vr, const bvm_function *f, int64_t pc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool function_error(verifier *vr, const bvm_function *f, int64_t pc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvm_diag_vcode(vr->diags, vr->file, f->name, pc, fmt, ap);
    va_end(ap);
    vr->failed = true;
    return false;
}

/* A type's spelling for messages; also knows the null literal's type. */
static const char *type_text(const bvm_module *m, uint16_t t, char buf[TYPE_TEXT])
{
    if (t == BVM_VT_NULL)
        return "null";
    return bvm_type_name(m, t, buf, TYPE_TEXT);
}

static const char *plural(uint32_t n) { return n == 1 ? "" : "s"; }

/* ===== phase 1: tables ================================================== */

static const char *const builtin_kind_name[BVM_TYPE__FIRST_USER] = {"void", "int", "float", "bool", "string"};

static bool check_table_sizes(verifier *vr)
{
    const bvm_module *m = vr->m;
    const struct {
        const char *what;
        uint32_t count, max;
    } tables[] = {
        {"types", m->ntypes, MAX_TYPES},
        {"constants", m->nconsts, BVM_MAX_TABLE},
        {"records", m->nrecords, BVM_MAX_TABLE},
        {"globals", m->nglobals, BVM_MAX_TABLE},
        {"functions", m->nfuncs, BVM_MAX_TABLE},
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (tables[i].count > tables[i].max) {
            module_error(vr, "too many %s: %u (at most %u)", tables[i].what, tables[i].count, tables[i].max);
            ok = false;
        }
    return ok;
}

static bool check_types(verifier *vr)
{
    const bvm_module *m = vr->m;
    bool ok = true;
    if (m->ntypes < BVM_TYPE__FIRST_USER) {
        module_error(vr, "the type table has %u entries but must begin with the %d built-in types", m->ntypes,
                     BVM_TYPE__FIRST_USER);
        return false;
    }
    for (uint32_t i = 0; i < BVM_TYPE__FIRST_USER; i++)
        if (m->types[i].kind != i) {
            module_error(vr, "type %u must be the built-in type %s", i, builtin_kind_name[i]);
            ok = false;
        }
    for (uint32_t i = BVM_TYPE__FIRST_USER; i < m->ntypes; i++) {
        const bvm_type *t = &m->types[i];
        switch (t->kind) {
        case BVM_TK_ARRAY:
            if (t->arg >= i) {
                module_error(vr, "type %u: array element type %u must come before the array type", i, t->arg);
                ok = false;
            } else if (t->arg == BVM_TYPE_VOID) {
                module_error(vr, "type %u: array of void", i);
                ok = false;
            }
            break;
        case BVM_TK_RECORD:
            if (t->arg >= m->nrecords) {
                module_error(vr, "type %u: record %u out of range (the module has %u record%s)", i, t->arg,
                             m->nrecords, plural(m->nrecords));
                ok = false;
            }
            break;
        default:
            if (t->kind < BVM_TYPE__FIRST_USER)
                module_error(vr, "type %u: only array and record types may follow the built-in types, found %s",
                             i, builtin_kind_name[t->kind]);
            else
                module_error(vr, "type %u: unknown type kind %u", i, t->kind);
            ok = false;
        }
    }
    return ok;
}

/* Give structurally equal types one canonical index (the first of them).
 * Needs a valid type table: element indices are smaller than their array's,
 * so an element's canonical index is known before the array's. */
static void canonicalize_types(verifier *vr)
{
    const bvm_module *m = vr->m;
    vr->canon = bvm_xmalloc(m->ntypes * sizeof *vr->canon);
    vr->record_type = bvm_xmalloc((m->nrecords + 1) * sizeof *vr->record_type);
    uint16_t *array_of = bvm_xmalloc(m->ntypes * sizeof *array_of); /* by canonical element */
    for (uint32_t r = 0; r < m->nrecords; r++)
        vr->record_type[r] = BVM_VT_TOP;
    for (uint32_t t = 0; t < m->ntypes; t++)
        array_of[t] = BVM_VT_TOP;
    for (uint32_t t = 0; t < m->ntypes; t++) {
        const bvm_type *ty = &m->types[t];
        uint16_t *first = NULL;
        if (ty->kind == BVM_TK_RECORD)
            first = &vr->record_type[ty->arg];
        else if (ty->kind == BVM_TK_ARRAY)
            first = &array_of[vr->canon[ty->arg]];
        if (first && *first == BVM_VT_TOP)
            *first = (uint16_t)t;
        vr->canon[t] = first ? *first : (uint16_t)t;
    }
    free(array_of);
}

/* Why t cannot be the type of a value (local, field, global), or NULL. */
static const char *value_type_problem(const bvm_module *m, uint16_t t, char *buf, size_t size)
{
    if (t >= m->ntypes) {
        snprintf(buf, size, "type %u out of range (the module has %u types)", t, m->ntypes);
        return buf;
    }
    if (t == BVM_TYPE_VOID)
        return "void is not a value type";
    return NULL;
}

static bool check_constants(verifier *vr)
{
    const bvm_module *m = vr->m;
    bool ok = true;
    for (uint32_t k = 0; k < m->nconsts; k++) {
        const bvm_const *c = &m->consts[k];
        if (c->kind > BVM_CONST_STRING) {
            module_error(vr, "constant %u: unknown constant kind %u", k, c->kind);
            ok = false;
        } else if (c->kind == BVM_CONST_STRING && !c->as.s.chars) {
            module_error(vr, "constant %u: string without characters", k);
            ok = false;
        }
    }
    return ok;
}

static bool check_records_and_globals(verifier *vr)
{
    const bvm_module *m = vr->m;
    bool ok = true;
    char buf[80];
    const char *why;
    for (uint32_t r = 0; r < m->nrecords; r++)
        for (uint32_t i = 0; i < m->records[r].nfields; i++) {
            const bvm_field *fd = &m->records[r].fields[i];
            if ((why = value_type_problem(m, fd->type, buf, sizeof buf))) {
                module_error(vr, "record '%s' field '%s': %s", m->records[r].name, fd->name, why);
                ok = false;
            }
        }
    for (uint32_t g = 0; g < m->nglobals; g++)
        if ((why = value_type_problem(m, m->globals[g].type, buf, sizeof buf))) {
            module_error(vr, "global '%s': %s", m->globals[g].name, why);
            ok = false;
        }
    return ok;
}

static bool check_signatures(verifier *vr)
{
    const bvm_module *m = vr->m;
    bool ok = true;
    char buf[80];
    const char *why;
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const bvm_function *f = &m->funcs[i];
        if (f->ret_type >= m->ntypes)
            ok = function_error(vr, f, -1, "return type %u out of range (the module has %u types)", f->ret_type,
                                m->ntypes);
        if (f->max_stack >= BVM_NOT_INSN)
            ok = function_error(vr, f, -1, "max_stack %u is too large (at most %u)", f->max_stack, BVM_NOT_INSN - 1);
        if (f->nparams > f->nlocals)
            ok = function_error(vr, f, -1, "%u parameter%s but only %u local%s (parameters are the first locals)",
                                f->nparams, plural(f->nparams), f->nlocals, plural(f->nlocals));
        for (uint32_t l = 0; l < f->nlocals; l++)
            if ((why = value_type_problem(m, f->local_types[l], buf, sizeof buf)))
                ok = function_error(vr, f, -1, "local %u: %s", l, why);
    }
    return ok;
}

static void check_entry_points(verifier *vr)
{
    const bvm_module *m = vr->m;
    if (m->entry == BVM_NO_FUNC) {
        module_error(vr, "the module has no entry function (main)");
    } else if (m->entry >= m->nfuncs) {
        module_error(vr, "entry function %u out of range (the module has %u function%s)", m->entry, m->nfuncs,
                     plural(m->nfuncs));
    } else {
        const bvm_function *f = &m->funcs[m->entry];
        if (strcmp(f->name, "main") != 0)
            function_error(vr, f, -1, "the entry function must be named 'main'");
        else if (f->nparams != 0)
            function_error(vr, f, -1, "main must take no parameters, it takes %u", f->nparams);
        else if (f->ret_type != BVM_TYPE_VOID && f->ret_type != BVM_TYPE_INT)
            function_error(vr, f, -1, "main must return void or int");
    }
    if (m->init == BVM_NO_FUNC)
        return;
    if (m->init >= m->nfuncs) {
        module_error(vr, "initializer function %u out of range (the module has %u function%s)", m->init, m->nfuncs,
                     plural(m->nfuncs));
        return;
    }
    const bvm_function *f = &m->funcs[m->init];
    if (f->nparams != 0 || f->ret_type != BVM_TYPE_VOID)
        function_error(vr, f, -1, "the global initializer must be a void function without parameters");
}

/* ===== phase 2: static checks of code =================================== */

static bool code_error(code_check *cc, int64_t pc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool code_error(code_check *cc, int64_t pc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvm_diag_vcode(cc->vr->diags, cc->vr->file, cc->f->name, pc, fmt, ap);
    va_end(ap);
    cc->vr->failed = true;
    return false;
}

static bool decode(code_check *cc)
{
    const bvm_function *f = cc->f;
    if (f->code_len == 0)
        return code_error(cc, -1, "the function has no code (it must end in ret, retv, throw or jmp)");
    for (uint32_t pc = 0; pc < f->code_len;) {
        uint8_t op = f->code[pc];
        if (!bvm_op_valid(op))
            return code_error(cc, pc, "unknown opcode 0x%02x", op);
        uint32_t len = bvm_op(op)->length;
        if (len > f->code_len - pc)
            return code_error(cc, pc, "truncated instruction: %s needs %u bytes, only %u left before the end of the code",
                              bvm_op(op)->mnemonic, len, f->code_len - pc);
        cc->flags[pc] |= PC_INSN;
        pc += len;
    }
    cc->decoded = true;
    return true;
}

/* The u16 index most formats start with (constant, local, global, function,
 * type, record); 0 for formats without one, whose bytes may end the code. */
static uint16_t first_u16_operand(const uint8_t *ip)
{
    return bvm_format_size[bvm_op(ip[0])->format] >= 2 ? bvm_read_u16(ip + 1) : 0;
}

/* Start of the instruction that covers pc (pc is not a start itself). */
static uint32_t insn_containing(const code_check *cc, uint32_t pc)
{
    while (pc > 0 && !(cc->flags[pc] & PC_INSN))
        pc--;
    return pc;
}

/* Is pc a place control may go to?  Reports why not, naming `what`. */
static bool check_destination(code_check *cc, int64_t at, const char *what, int64_t pc)
{
    if (pc < 0 || pc >= cc->f->code_len)
        return code_error(cc, at, "%s %lld is outside the code (0 to %u)", what, (long long)pc, cc->f->code_len - 1);
    if (!(cc->flags[pc] & PC_INSN))
        return code_error(cc, at, "%s %lld is inside the instruction at %u", what, (long long)pc,
                          insn_containing(cc, (uint32_t)pc));
    return true;
}

/* An sfmt spec: the whole constant is one conversion (printf_spec.h).
 * Returns the operand type it formats, or BVM_TYPE_VOID with *why set. */
static uint16_t sfmt_spec_type(const bvm_const *c, char *why, size_t size)
{
    const char *s = c->as.s.chars;
    if (c->as.s.len == 0 || *s != '%') {
        snprintf(why, size, "must start with '%%'");
        return BVM_TYPE_VOID;
    }
    bvm_printf_spec spec;
    switch (bvm_printf_parse(s, c->as.s.len, &spec)) {
    case BVM_SPEC_OK:
        break;
    case BVM_SPEC_REPEATED_FLAG:
        snprintf(why, size, "repeats the flag '%c'", spec.bad);
        return BVM_TYPE_VOID;
    case BVM_SPEC_WIDTH_TOO_LARGE:
        snprintf(why, size, "asks for a width over %d", BVM_PRINTF_MAX_FIELD);
        return BVM_TYPE_VOID;
    case BVM_SPEC_PRECISION_TOO_LARGE:
        snprintf(why, size, "asks for a precision over %d", BVM_PRINTF_MAX_FIELD);
        return BVM_TYPE_VOID;
    case BVM_SPEC_UNFINISHED:
        snprintf(why, size, "ends before its conversion letter");
        return BVM_TYPE_VOID;
    case BVM_SPEC_UNKNOWN_CONVERSION:
        if (spec.bad >= ' ' && spec.bad <= '~')
            snprintf(why, size, "has the unknown conversion '%c'", spec.bad);
        else
            snprintf(why, size, "has the unknown conversion byte 0x%02x", (unsigned char)spec.bad);
        return BVM_TYPE_VOID;
    }
    if (spec.length != c->as.s.len) {
        snprintf(why, size, "must hold exactly one conversion and nothing else");
        return BVM_TYPE_VOID;
    }
    return bvm_printf_conversion_type(spec.conversion);
}

static bool check_sfmt_constant(code_check *cc, uint32_t pc, uint16_t k)
{
    verifier *vr = cc->vr;
    const bvm_const *c = &vr->m->consts[k];
    if (c->kind != BVM_CONST_STRING)
        return code_error(cc, pc, "sfmt needs a string constant, constant %u is %s", k,
                          c->kind == BVM_CONST_INT ? "an int" : "a float");
    if (vr->sfmt_type[k] != BVM_VT_TOP)
        return true; /* already found valid */
    char why[96];
    uint16_t type = sfmt_spec_type(c, why, sizeof why);
    if (type == BVM_TYPE_VOID)
        return code_error(cc, pc, "sfmt format (constant %u) %s", k, why);
    vr->sfmt_type[k] = type;
    return true;
}

static bool check_operands(code_check *cc, uint32_t pc)
{
    const bvm_module *m = cc->vr->m;
    const bvm_function *f = cc->f;
    const uint8_t *ip = f->code + pc;
    unsigned op = ip[0];
    const char *mn = bvm_op(op)->mnemonic;
    char buf[TYPE_TEXT];
    uint16_t a = first_u16_operand(ip);

    switch (bvm_op(op)->format) {
    case BVM_FMT_NONE:
    case BVM_FMT_I32:
        return true;
    case BVM_FMT_U8: /* bconst: bools are 0 or 1 everywhere */
        if (ip[1] > 1)
            return code_error(cc, pc, "%s operand must be 0 or 1, found %u", mn, ip[1]);
        return true;
    case BVM_FMT_CONST:
        if (a >= m->nconsts)
            return code_error(cc, pc, "constant %u out of range (the module has %u constant%s)", a, m->nconsts,
                              plural(m->nconsts));
        return op != BVM_OP_SFMT || check_sfmt_constant(cc, pc, a);
    case BVM_FMT_LOCAL:
    case BVM_FMT_LOCAL_I32:
        if (a >= f->nlocals)
            return code_error(cc, pc, "local %u out of range (the function has %u local%s)", a, f->nlocals,
                              plural(f->nlocals));
        if (op == BVM_OP_IINC && f->local_types[a] != BVM_TYPE_INT)
            return code_error(cc, pc, "iinc needs an int local, local %u is %s", a,
                              bvm_type_name(m, f->local_types[a], buf, sizeof buf));
        return true;
    case BVM_FMT_GLOBAL:
        if (a >= m->nglobals)
            return code_error(cc, pc, "global %u out of range (the module has %u global%s)", a, m->nglobals,
                              plural(m->nglobals));
        return true;
    case BVM_FMT_FUNC:
        if (a >= m->nfuncs)
            return code_error(cc, pc, "function %u out of range (the module has %u function%s)", a, m->nfuncs,
                              plural(m->nfuncs));
        return true;
    case BVM_FMT_TYPE: {
        if (a >= m->ntypes)
            return code_error(cc, pc, "type %u out of range (the module has %u types)", a, m->ntypes);
        uint8_t kind = m->types[a].kind;
        if (op == BVM_OP_NEW && kind != BVM_TK_RECORD)
            return code_error(cc, pc, "new needs a record type, type %u is %s", a, bvm_type_name(m, a, buf, sizeof buf));
        if (op == BVM_OP_NEWARRAY && kind != BVM_TK_ARRAY)
            return code_error(cc, pc, "newarray needs an array type, type %u is %s", a,
                              bvm_type_name(m, a, buf, sizeof buf));
        if (a == BVM_TYPE_VOID)
            return code_error(cc, pc, "%s needs a value type, type %u is void", mn, a);
        return true;
    }
    case BVM_FMT_FIELD: {
        uint16_t field = bvm_read_u16(ip + 3);
        if (a >= m->nrecords)
            return code_error(cc, pc, "record %u out of range (the module has %u record%s)", a, m->nrecords,
                              plural(m->nrecords));
        if (field >= m->records[a].nfields)
            return code_error(cc, pc, "field %u out of range (record '%s' has %u field%s)", field, m->records[a].name,
                              m->records[a].nfields, plural(m->records[a].nfields));
        return true;
    }
    case BVM_FMT_JUMP:
        return check_destination(cc, pc, "jump target", (int64_t)pc + bvm_read_i32(ip + 1));
    case BVM_FMT__COUNT:
        break;
    }
    return code_error(cc, pc, "verifier has no rule for the operands of %s", mn);
}

static bool check_handlers(code_check *cc)
{
    const bvm_function *f = cc->f;
    for (uint32_t i = 0; i < f->nhandlers; i++) {
        const bvm_handler *h = &f->handlers[i];
        char what[48];
        if (h->start >= h->end)
            return code_error(cc, -1, "handler %u: range [%u, %u) is empty", i, h->start, h->end);
        if (h->end > f->code_len)
            return code_error(cc, -1, "handler %u: range end %u is past the end of the code (%u byte%s)", i, h->end,
                              f->code_len, plural(f->code_len));
        if (!(cc->flags[h->start] & PC_INSN))
            return code_error(cc, -1, "handler %u: range start %u is inside the instruction at %u", i, h->start,
                              insn_containing(cc, h->start));
        if (h->end < f->code_len && !(cc->flags[h->end] & PC_INSN))
            return code_error(cc, -1, "handler %u: range end %u is inside the instruction at %u", i, h->end,
                              insn_containing(cc, h->end));
        snprintf(what, sizeof what, "handler %u: handler pc", i);
        if (!check_destination(cc, -1, what, h->handler))
            return false;
    }
    return true;
}

/* ===== phase 3: dataflow over stack types =============================== */

static bool is_ref(const bvm_module *m, uint16_t t) { return t != BVM_VT_NULL && bvm_type_is_ref(m, t); }

/* May a value of verifier type `have` go where canonical type `want` is
 * declared? */
static bool fits(const bvm_module *m, uint16_t have, uint16_t want)
{
    return have == want || (have == BVM_VT_NULL && bvm_type_is_ref(m, want));
}

static void enqueue(code_check *cc, uint32_t pc)
{
    if (cc->flags[pc] & PC_QUEUED)
        return;
    cc->flags[pc] |= PC_QUEUED;
    uint32_t i = cc->nheap++;
    while (i > 0 && cc->heap[(i - 1) / 2] > pc) {
        cc->heap[i] = cc->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    cc->heap[i] = pc;
}

static uint32_t dequeue(code_check *cc)
{
    uint32_t top = cc->heap[0], last = cc->heap[--cc->nheap], i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= cc->nheap)
            break;
        if (child + 1 < cc->nheap && cc->heap[child + 1] < cc->heap[child])
            child++;
        if (cc->heap[child] >= last)
            break;
        cc->heap[i] = cc->heap[child];
        i = child;
    }
    cc->heap[i] = last;
    cc->flags[top] &= (uint8_t)~PC_QUEUED;
    return top;
}

/* Merge the state (types[0..depth)) into the entry state of pc, queueing pc
 * when that changes. */
static bool merge_into(code_check *cc, uint32_t pc, const uint16_t *types, uint32_t depth)
{
    bvm_verified *v = cc->v;
    uint16_t *have = v->stack_types + (size_t)pc * v->max_stack;
    if (v->depth[pc] == BVM_NOT_INSN) {
        v->depth[pc] = (uint16_t)depth;
        memcpy(have, types, depth * sizeof *types);
        enqueue(cc, pc);
        return true;
    }
    if (v->depth[pc] != depth)
        return code_error(cc, pc, "stack depth differs where control flow merges (%u vs %u)", v->depth[pc], depth);
    const bvm_module *m = cc->vr->m;
    bool changed = false;
    for (uint32_t i = 0; i < depth; i++) {
        if (have[i] == types[i] || (types[i] == BVM_VT_NULL && is_ref(m, have[i])))
            continue;
        if (have[i] == BVM_VT_NULL && is_ref(m, types[i])) {
            have[i] = types[i];
            changed = true;
            continue;
        }
        char a[TYPE_TEXT], b[TYPE_TEXT];
        return code_error(cc, pc, "stack types differ where control flow merges (stack slot %u: %s vs %s)", i,
                          type_text(m, have[i], a), type_text(m, types[i], b));
    }
    if (changed)
        enqueue(cc, pc);
    return true;
}

static uint16_t letter_type(char letter)
{
    switch (letter) {
    case 'I': return BVM_TYPE_INT;
    case 'F': return BVM_TYPE_FLOAT;
    case 'B': return BVM_TYPE_BOOL;
    case 'S': return BVM_TYPE_STRING;
    default: return BVM_VT_TOP; /* opcodes.def uses no other letters */
    }
}

/* Values an instruction pops: its pops column, or the rule for a "*" op
 * (0 for an op the verifier has no rule for; special_rule rejects it). */
static uint32_t pop_count(const code_check *cc, unsigned op, const uint8_t *ip)
{
    const char *pops = bvm_op(op)->pops;
    if (strcmp(pops, "*") != 0)
        return (uint32_t)strlen(pops);
    switch (op) {
    case BVM_OP_STORE: case BVM_OP_GSTORE: case BVM_OP_POP: case BVM_OP_DUP: case BVM_OP_TOSTR:
    case BVM_OP_SFMT: case BVM_OP_ALEN: case BVM_OP_GETFIELD: case BVM_OP_RETV:
        return 1;
    case BVM_OP_DUP2: case BVM_OP_RCMPEQ: case BVM_OP_RCMPNE: case BVM_OP_ALOAD: case BVM_OP_PUTFIELD:
        return 2;
    case BVM_OP_ASTORE:
        return 3;
    case BVM_OP_CALL:
        return cc->vr->m->funcs[bvm_read_u16(ip + 1)].nparams;
    default:
        return 0;
    }
}

/* Does the value in stack slot `slot` fit canonical type `want`?  `what`
 * names the consumer in the message ("iadd", "store to local 2"). */
static bool expect(code_check *cc, uint32_t pc, uint32_t slot, uint16_t want, const char *what)
{
    const bvm_module *m = cc->vr->m;
    uint16_t have = cc->stack[slot];
    if (fits(m, have, want))
        return true;
    char a[TYPE_TEXT], b[TYPE_TEXT];
    return code_error(cc, pc, "type mismatch: %s expects %s, found %s (stack slot %u)", what, type_text(m, want, a),
                      type_text(m, have, b), slot);
}

/* The array operand of aload/astore/alen: its canonical element type in
 * *elem.  A null operand defers the instruction until the dataflow is
 * done (final == false), or is an error (final == true). */
static step_result expect_array(code_check *cc, uint32_t pc, uint32_t slot, const char *what, bool final,
                                uint16_t *elem)
{
    const bvm_module *m = cc->vr->m;
    uint16_t have = cc->stack[slot];
    if (have == BVM_VT_NULL && !final)
        return STEP_DEFER;
    if (have != BVM_VT_NULL && m->types[have].kind == BVM_TK_ARRAY) {
        *elem = cc->vr->canon[m->types[have].arg];
        return STEP_OK;
    }
    char b[TYPE_TEXT];
    code_error(cc, pc, "type mismatch: %s expects an array, found %s (stack slot %u)", what, type_text(m, have, b),
               slot);
    return STEP_ERROR;
}

/* The record operand of getfield/putfield: a record of record r, or null
 * (which throws at run time). */
static bool expect_record(code_check *cc, uint32_t pc, uint32_t slot, uint16_t r, const char *what)
{
    const bvm_module *m = cc->vr->m;
    uint16_t have = cc->stack[slot];
    if (have == BVM_VT_NULL || (m->types[have].kind == BVM_TK_RECORD && m->types[have].arg == r))
        return true;
    char b[TYPE_TEXT];
    return code_error(cc, pc, "type mismatch: %s expects %s, found %s (stack slot %u)", what, m->records[r].name,
                      type_text(m, have, b), slot);
}

static step_result verdict(bool ok) { return ok ? STEP_OK : STEP_ERROR; }

/* The rules of opcodes.def's "*" entries, and the checks beyond the pops
 * column.  "fits T": the value's type is T, or it is null and T is a
 * reference type (string, array, record).
 *
 *   ldc k            pushes int, float or string by the constant's kind
 *   null             pushes the null type
 *   load/store n     push / pop a value that fits local n's declared type
 *   gload/gstore g   the same with global g
 *   pop dup dup2     any types; dup2 copies the top two
 *   rcmpeq/rcmpne    two arrays, records or nulls (strings use scmpeq)
 *   tostr t          a value that fits t
 *   sfmt k           a value of the type k's conversion formats
 *   newarray/new t   push t (an array type / a record type)
 *   aload/astore     an array (not statically null: its element type is
 *   alen             the result), an int index, a value fitting the element
 *   getfield/        a value that fits record r's type (null throws at run
 *    putfield r f    time), and for putfield a value fitting field f
 *   call f           f's parameters in order, first deepest; pushes its
 *                    result unless it returns void
 *   ret / retv       in a void / non-void function; retv's value fits the
 *                    return type
 *
 * The operands are stack[base..base+pop_count); appends what the
 * instruction pushes to push[]. */
static step_result special_rule(code_check *cc, uint32_t pc, const uint8_t *ip, uint32_t base, uint16_t *push,
                                unsigned *npush, bool final)
{
    verifier *vr = cc->vr;
    const bvm_module *m = vr->m;
    const bvm_function *f = cc->f;
    unsigned op = ip[0];
    const char *mn = bvm_op(op)->mnemonic;
    uint16_t a = first_u16_operand(ip);
    char what[160], tbuf[TYPE_TEXT];
    uint16_t elem;
    step_result r;

    switch (op) {
    case BVM_OP_LDC: {
        static const uint16_t const_type[] = {
            [BVM_CONST_INT] = BVM_TYPE_INT, [BVM_CONST_FLOAT] = BVM_TYPE_FLOAT, [BVM_CONST_STRING] = BVM_TYPE_STRING};
        push[(*npush)++] = const_type[m->consts[a].kind];
        return STEP_OK;
    }
    case BVM_OP_NULL:
        push[(*npush)++] = BVM_VT_NULL;
        return STEP_OK;
    case BVM_OP_LOAD:
        push[(*npush)++] = vr->canon[f->local_types[a]];
        return STEP_OK;
    case BVM_OP_STORE:
        snprintf(what, sizeof what, "store to local %u", a);
        return verdict(expect(cc, pc, base, vr->canon[f->local_types[a]], what));
    case BVM_OP_GLOAD:
        push[(*npush)++] = vr->canon[m->globals[a].type];
        return STEP_OK;
    case BVM_OP_GSTORE:
        snprintf(what, sizeof what, "gstore to global '%s'", m->globals[a].name);
        return verdict(expect(cc, pc, base, vr->canon[m->globals[a].type], what));
    case BVM_OP_POP:
        return STEP_OK;
    case BVM_OP_DUP:
        push[(*npush)++] = cc->stack[base];
        push[(*npush)++] = cc->stack[base];
        return STEP_OK;
    case BVM_OP_DUP2:
        for (int i = 0; i < 4; i++)
            push[(*npush)++] = cc->stack[base + (i & 1)];
        return STEP_OK;
    case BVM_OP_RCMPEQ:
    case BVM_OP_RCMPNE:
        for (uint32_t slot = base; slot < base + 2; slot++) {
            uint16_t t = cc->stack[slot];
            if (t != BVM_VT_NULL && m->types[t].kind != BVM_TK_ARRAY && m->types[t].kind != BVM_TK_RECORD) {
                code_error(cc, pc, "type mismatch: %s expects an array or record reference, found %s (stack slot %u)",
                           mn, type_text(m, t, tbuf), slot);
                return STEP_ERROR;
            }
        }
        return STEP_OK;
    case BVM_OP_TOSTR:
        return verdict(expect(cc, pc, base, vr->canon[a], mn));
    case BVM_OP_SFMT:
        return verdict(expect(cc, pc, base, vr->sfmt_type[a], mn));
    case BVM_OP_NEWARRAY:
    case BVM_OP_NEW:
        push[(*npush)++] = vr->canon[a];
        return STEP_OK;
    case BVM_OP_ALOAD:
        if ((r = expect_array(cc, pc, base, mn, final, &elem)) != STEP_OK)
            return r;
        if (!expect(cc, pc, base + 1, BVM_TYPE_INT, mn))
            return STEP_ERROR;
        push[(*npush)++] = elem;
        return STEP_OK;
    case BVM_OP_ASTORE:
        if ((r = expect_array(cc, pc, base, mn, final, &elem)) != STEP_OK)
            return r;
        return verdict(expect(cc, pc, base + 1, BVM_TYPE_INT, mn) && expect(cc, pc, base + 2, elem, mn));
    case BVM_OP_ALEN:
        return expect_array(cc, pc, base, mn, final, &elem);
    case BVM_OP_GETFIELD:
    case BVM_OP_PUTFIELD: {
        const bvm_record *rec = &m->records[a];
        const bvm_field *fd = &rec->fields[bvm_read_u16(ip + 3)];
        snprintf(what, sizeof what, "%s %s.%s", mn, rec->name, fd->name);
        if (!expect_record(cc, pc, base, a, what))
            return STEP_ERROR;
        if (op == BVM_OP_PUTFIELD)
            return verdict(expect(cc, pc, base + 1, vr->canon[fd->type], what));
        push[(*npush)++] = vr->canon[fd->type];
        return STEP_OK;
    }
    case BVM_OP_CALL: {
        const bvm_function *callee = &m->funcs[a];
        for (uint32_t i = 0; i < callee->nparams; i++) {
            uint16_t want = vr->canon[callee->local_types[i]], have = cc->stack[base + i];
            if (!fits(m, have, want)) {
                char b[TYPE_TEXT];
                code_error(cc, pc, "call to '%s': argument %u must be %s, found %s", callee->name, i + 1,
                           type_text(m, want, tbuf), type_text(m, have, b));
                return STEP_ERROR;
            }
        }
        if (callee->ret_type != BVM_TYPE_VOID)
            push[(*npush)++] = vr->canon[callee->ret_type];
        return STEP_OK;
    }
    case BVM_OP_RET:
        if (f->ret_type != BVM_TYPE_VOID) {
            code_error(cc, pc, "ret in a function returning %s (use retv to return a value)",
                       type_text(m, f->ret_type, tbuf));
            return STEP_ERROR;
        }
        return STEP_OK;
    case BVM_OP_RETV:
        if (f->ret_type == BVM_TYPE_VOID) {
            code_error(cc, pc, "retv in a void function (use ret)");
            return STEP_ERROR;
        }
        return verdict(expect(cc, pc, base, vr->canon[f->ret_type], mn));
    default:
        if (strcmp(bvm_op(op)->pops, "*") == 0 || strcmp(bvm_op(op)->pushes, "*") == 0) {
            code_error(cc, pc, "verifier has no rule for %s", mn);
            return STEP_ERROR;
        }
        return STEP_OK;
    }
}

/* Apply the instruction at pc to its entry state and merge the result
 * into its successors. */
static step_result step(code_check *cc, uint32_t pc, bool final)
{
    const bvm_module *m = cc->vr->m;
    const bvm_function *f = cc->f;
    bvm_verified *v = cc->v;
    const uint8_t *ip = f->code + pc;
    const bvm_op_info *info = bvm_op(ip[0]);
    uint32_t sp = v->depth[pc];
    memcpy(cc->stack, v->stack_types + (size_t)pc * v->max_stack, sp * sizeof *cc->stack);

    uint32_t npop = pop_count(cc, ip[0], ip);
    if (sp < npop) {
        if (ip[0] == BVM_OP_CALL)
            code_error(cc, pc, "stack underflow: call to '%s' needs %u argument%s, stack has %u",
                       m->funcs[bvm_read_u16(ip + 1)].name, npop, plural(npop), sp);
        else
            code_error(cc, pc, "stack underflow: %s needs %u value%s, stack has %u", info->mnemonic, npop,
                       plural(npop), sp);
        return STEP_ERROR;
    }
    uint32_t base = sp - npop;
    if (strcmp(info->pops, "*") != 0)
        for (uint32_t i = 0; i < npop; i++)
            if (!expect(cc, pc, base + i, letter_type(info->pops[i]), info->mnemonic))
                return STEP_ERROR;

    uint16_t push[4];
    unsigned npush = 0;
    if (strcmp(info->pushes, "*") != 0)
        for (const char *p = info->pushes; *p; p++)
            push[npush++] = letter_type(*p);
    step_result r = special_rule(cc, pc, ip, base, push, &npush, final);
    if (r != STEP_OK)
        return r;

    if (base + npush > v->max_stack) {
        code_error(cc, pc, "stack overflow: after %s the stack would hold %u values, but max_stack is %u",
                   info->mnemonic, base + npush, v->max_stack);
        return STEP_ERROR;
    }
    memcpy(cc->stack + base, push, npush * sizeof *push);
    sp = base + npush;

    if ((info->flags & OPF_BRANCH) && !merge_into(cc, (uint32_t)((int64_t)pc + bvm_read_i32(ip + 1)), cc->stack, sp))
        return STEP_ERROR;
    if (!(info->flags & OPF_END)) {
        uint32_t next = pc + info->length;
        if (next >= f->code_len) {
            code_error(cc, pc, "control falls off the end of the function");
            return STEP_ERROR;
        }
        if (!merge_into(cc, next, cc->stack, sp))
            return STEP_ERROR;
    }
    return STEP_OK;
}

static bool run_dataflow(code_check *cc)
{
    const bvm_function *f = cc->f;
    static const uint16_t handler_entry[1] = {BVM_TYPE_STRING};
    if (!merge_into(cc, 0, handler_entry, 0)) /* pc 0: an empty stack */
        return false;
    for (uint32_t i = 0; i < f->nhandlers; i++) {
        uint32_t h = f->handlers[i].handler;
        if (f->max_stack < 1)
            return code_error(cc, h, "a handler starts with the exception message on the stack, but max_stack is 0");
        if (!merge_into(cc, h, handler_entry, 1))
            return false;
    }
    while (cc->nheap > 0) {
        uint32_t pc = dequeue(cc);
        step_result r = step(cc, pc, false);
        if (r == STEP_ERROR)
            return false;
        if (r == STEP_DEFER)
            cc->flags[pc] |= PC_DEFERRED;
        else
            cc->flags[pc] &= (uint8_t)~PC_DEFERRED;
    }
    /* The states are final: an array operand still null is an error. */
    for (uint32_t pc = 0; pc < f->code_len; pc++)
        if ((cc->flags[pc] & PC_DEFERRED) && step(cc, pc, true) != STEP_OK)
            return false;
    return true;
}

/* ===== phase 4: debug tables ============================================ */

static bool check_debug_tables(verifier *vr, const bvm_function *f, const uint8_t *flags)
{
    bool ok = true;
    for (uint32_t i = 0; i < f->nlines; i++) {
        uint32_t pc = f->lines[i].pc;
        if (pc >= f->code_len)
            ok = function_error(vr, f, -1, "line table entry %u: pc %u is past the end of the code (%u byte%s)", i, pc,
                                f->code_len, plural(f->code_len));
        else if (i > 0 && pc <= f->lines[i - 1].pc)
            ok = function_error(vr, f, -1, "line table entry %u: pc %u does not come after the previous entry's pc %u",
                                i, pc, f->lines[i - 1].pc);
        else if (flags && !(flags[pc] & PC_INSN))
            ok = function_error(vr, f, -1, "line table entry %u: pc %u is not the start of an instruction", i, pc);
    }
    for (uint32_t i = 0; i < f->nlocal_names; i++) {
        const bvm_local_name *ln = &f->local_names[i];
        if (ln->slot >= f->nlocals)
            ok = function_error(vr, f, -1, "local name %u ('%s'): slot %u out of range (the function has %u local%s)",
                                i, ln->name, ln->slot, f->nlocals, plural(f->nlocals));
        else if (ln->start > ln->end || ln->end > f->code_len)
            ok = function_error(vr, f, -1, "local name %u ('%s'): range [%u, %u) is not within the code (%u byte%s)", i,
                                ln->name, ln->start, ln->end, f->code_len, plural(f->code_len));
    }
    return ok;
}

/* ===== one function ===================================================== */

static bool verify_code(code_check *cc)
{
    verifier *vr = cc->vr;
    const bvm_function *f = cc->f;
    if (!decode(cc))
        return false;
    for (uint32_t pc = 0; pc < f->code_len; pc += bvm_op(f->code[pc])->length)
        if (!check_operands(cc, pc))
            return false;
    if (!check_handlers(cc))
        return false;

    uint64_t slots = (uint64_t)f->code_len * f->max_stack;
    if (slots > STACK_MAP_LIMIT - vr->stack_map_slots)
        return code_error(cc, -1,
                          "code length %u times max_stack %u needs %llu stack-map entries, more than the verifier's "
                          "limit of %u for the whole module",
                          f->code_len, f->max_stack, (unsigned long long)slots, STACK_MAP_LIMIT);
    vr->stack_map_slots += slots;

    bvm_verified *v = bvm_xcalloc(1, sizeof *v);
    v->code_len = f->code_len;
    v->max_stack = f->max_stack;
    v->depth = bvm_xmalloc(f->code_len * sizeof *v->depth);
    v->stack_types = bvm_xmalloc((size_t)slots * sizeof *v->stack_types);
    for (uint32_t pc = 0; pc < f->code_len; pc++)
        v->depth[pc] = BVM_NOT_INSN;
    for (size_t i = 0; i < slots; i++)
        v->stack_types[i] = BVM_VT_TOP;
    cc->v = v;
    cc->stack = bvm_xmalloc(((size_t)f->max_stack + 1) * sizeof *cc->stack);
    cc->heap = bvm_xmalloc(f->code_len * sizeof *cc->heap);

    bool ok = run_dataflow(cc);
    free(cc->stack);
    free(cc->heap);
    if (ok)
        cc->f->verified = v;
    else
        bvm_verified_free(v);
    return ok;
}

static void verify_function(verifier *vr, bvm_function *f)
{
    code_check cc = {.vr = vr, .f = f};
    cc.flags = bvm_xcalloc(f->code_len ? f->code_len : 1, 1);
    verify_code(&cc);
    /* Whether line entries start instructions is known once decoding got
     * through the whole code, even if a later check failed. */
    check_debug_tables(vr, f, cc.decoded ? cc.flags : NULL);
    free(cc.flags);
}

/* ===== the module ======================================================= */

static void free_all_verified(bvm_module *m)
{
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        bvm_verified_free(m->funcs[i].verified);
        m->funcs[i].verified = NULL;
    }
}

bool bvm_verify_module(bvm_module *m, const char *file, bvm_diags *diags)
{
    verifier vr = {.m = m, .file = file, .diags = diags};
    free_all_verified(m);

    bool tables_ok = check_table_sizes(&vr) && check_types(&vr);
    if (tables_ok) {
        canonicalize_types(&vr);
        /* Each check reports all of its own errors. */
        bool consts_ok = check_constants(&vr);
        bool data_ok = check_records_and_globals(&vr);
        bool sigs_ok = check_signatures(&vr);
        tables_ok = consts_ok && data_ok && sigs_ok;
    }
    if (tables_ok)
        check_entry_points(&vr);
    if (tables_ok) {
        vr.sfmt_type = bvm_xmalloc((m->nconsts + 1) * sizeof *vr.sfmt_type);
        for (uint32_t k = 0; k < m->nconsts; k++)
            vr.sfmt_type[k] = BVM_VT_TOP;
        for (uint32_t i = 0; i < m->nfuncs; i++)
            verify_function(&vr, &m->funcs[i]);
    }
    if (vr.failed)
        free_all_verified(m);
    free(vr.canon);
    free(vr.record_type);
    free(vr.sfmt_type);
    return !vr.failed;
}

void bvm_verified_free(bvm_verified *v)
{
    if (!v)
        return;
    free(v->depth);
    free(v->stack_types);
    free(v);
}

bool bvm_verified_slot_is_ref(const bvm_module *m, const bvm_function *f, uint32_t pc, uint16_t slot)
{
    const bvm_verified *v = f->verified;
    if (!v || pc >= v->code_len || v->depth[pc] == BVM_NOT_INSN || slot >= v->depth[pc])
        return false;
    return is_ref(m, v->stack_types[(size_t)pc * v->max_stack + slot]);
}
