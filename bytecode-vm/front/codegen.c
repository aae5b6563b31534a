/*
 * codegen.c -- a checked tree to bytecode (see codegen.h).
 *
 * One pass over each function's tree.  Expressions are compiled for their
 * value (gen_expr) or, where they decide a branch, for control flow
 * (gen_branch): `if (i < n && a[i] != 0)` becomes two conditional jumps and
 * never materialises a bool.  Forward jumps go to labels that are patched
 * when the function is finished.
 *
 * The operand stack depth is tracked at every emitted instruction (its
 * effect comes from opcodes.def where the table knows it, from
 * stack_effect() for the instructions the table marks '*'), and each label
 * remembers the depth its jumps arrive with, so max_stack comes out exact.
 */
#include "codegen.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "bvm_assert.h"
#include "opcodes.h"
#include "util.h"

#define MAX_STACK_SLOTS 0xFFFEu /* 0xFFFF is the verifier's "not an instruction" mark */
#define MAX_CONSTANTS BVM_MAX_TABLE

/* ---- module-wide state ------------------------------------------------------ */

typedef struct {
    bvm_module *m;
    const char *file;
    bvm_diags *diags;
    bool failed;              /* a limit error was reported */
} codegen;

static void cg_error(codegen *g, bvm_pos at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cg_error(codegen *g, bvm_pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvm_diag_vat(g->diags, BVM_DIAG_ERROR, g->file, at.line, at.col, fmt, ap);
    va_end(ap);
    g->failed = true;
}

/* The pool index of a constant equal to *c, interned by the module
 * (module.c).  Reports the pool limit once, at `at`. */
static uint16_t constant(codegen *g, const bvm_const *c, bvm_pos at)
{
    uint16_t index;
    if (bvm_module_intern_const(g->m, c, &index))
        return index;
    if (!g->failed)
        cg_error(g, at, "too many constants in the program (the limit is %u)", MAX_CONSTANTS);
    g->failed = true;
    return 0;
}

static uint16_t int_constant(codegen *g, int64_t v, bvm_pos at)
{
    return constant(g, &(bvm_const){.kind = BVM_CONST_INT, .as.i = v}, at);
}

static uint16_t float_constant(codegen *g, double v, bvm_pos at)
{
    return constant(g, &(bvm_const){.kind = BVM_CONST_FLOAT, .as.f = v}, at);
}

static uint16_t string_constant(codegen *g, bvm_bytes s, bvm_pos at)
{
    bvm_const c = {.kind = BVM_CONST_STRING};
    c.as.s.chars = (char *)s.chars;
    c.as.s.len = s.len;
    return constant(g, &c, at);
}

/* ---- per-function state --------------------------------------------------- */

/* What the generator knows of a label beyond where it is (the builder's):
 * the stack depth control arrives with. */
typedef struct {
    int depth;        /* stack depth the jumps arrive with */
    bool used;        /* some jump targets it */
} label_flow;

typedef struct {
    const char *name;
    uint16_t slot;
    uint32_t start;
} open_name;

typedef struct {
    uint32_t break_label, continue_label;
} loop_labels;

typedef struct {
    codegen *g;
    bvm_function *fn;
    bvm_builder b;            /* the code, the tables and the labels (builder.h) */
    int depth, max_depth;
    bool reachable;           /* can control reach the next emitted instruction? */
    int line;                 /* source line of the code being emitted */
    label_flow *flow;         /* [b.nlabels] */
    uint32_t flow_cap;
    open_name *open;          /* locals in scope, outermost first */
    uint32_t nopen, open_cap;
    loop_labels *loops;
    uint32_t nloops, loops_cap;
} fn_state;

static uint32_t pc(const fn_state *f) { return bvm_builder_pc(&f->b); }

/* ---- emitting instructions ------------------------------------------------ */

/* Stack effect of an instruction: from opcodes.def's pops/pushes columns,
 * except for the instructions marked '*' there, whose effect depends on
 * their operand or on types. */
static int stack_effect(const bvm_module *m, bvm_opcode op, uint32_t operand)
{
    switch (op) {
    case BVM_OP_LDC: case BVM_OP_NULL: case BVM_OP_LOAD: case BVM_OP_GLOAD: case BVM_OP_NEW: case BVM_OP_DUP:
        return 1;
    case BVM_OP_DUP2:
        return 2;
    case BVM_OP_STORE: case BVM_OP_GSTORE: case BVM_OP_POP: case BVM_OP_RETV:
    case BVM_OP_RCMPEQ: case BVM_OP_RCMPNE: case BVM_OP_ALOAD:
        return -1;
    case BVM_OP_PUTFIELD:
        return -2;
    case BVM_OP_ASTORE:
        return -3;
    case BVM_OP_TOSTR: case BVM_OP_SFMT: case BVM_OP_NEWARRAY: case BVM_OP_ALEN: case BVM_OP_GETFIELD:
        return 0;
    case BVM_OP_CALL: {
        const bvm_function *callee = &m->funcs[operand];
        return (callee->ret_type != BVM_TYPE_VOID) - (int)callee->nparams;
    }
    default: {
        const bvm_op_info *info = bvm_op(op);
        BVM_ASSERT(!strchr(info->pops, '*') && !strchr(info->pushes, '*'));
        return (int)strlen(info->pushes) - (int)strlen(info->pops);
    }
    }
}

/* Record the current line for the instruction about to be emitted at pc. */
static void mark_line(fn_state *f)
{
    uint32_t at = pc(f), line = (uint32_t)f->line;
    bvm_builder *b = &f->b;
    if (b->nlines > 0) {
        bvm_line *last = &b->lines[b->nlines - 1];
        if (last->line == line)
            return;
        if (last->pc == at) {
            /* nothing was emitted for the previous line: replace it */
            b->nlines--;
            if (b->nlines > 0 && b->lines[b->nlines - 1].line == line)
                return;
        }
    }
    BVM_PUSH(b->lines, b->nlines, b->lines_cap, ((bvm_line){.pc = at, .line = line}));
}

/* Emit one instruction; `a` and `b` are its operands as its format needs
 * them (FIELD: record a, field b; LOCAL_I32: slot a, immediate b).
 * Returns its pc. */
static uint32_t emit(fn_state *f, bvm_opcode op, int64_t a, int64_t b)
{
    uint32_t at = pc(f);
    if (!f->reachable)
        return at; /* dead code (after a jump, before any label in use) is not emitted */
    mark_line(f);
    bvm_buf_u8(&f->b.code, (uint8_t)op);
    switch (bvm_op(op)->format) {
    case BVM_FMT_NONE: break;
    case BVM_FMT_U8: bvm_buf_u8(&f->b.code, (uint8_t)a); break;
    case BVM_FMT_I32:
    case BVM_FMT_JUMP: bvm_buf_u32(&f->b.code, (uint32_t)(int32_t)a); break;
    case BVM_FMT_CONST:
    case BVM_FMT_LOCAL:
    case BVM_FMT_GLOBAL:
    case BVM_FMT_FUNC:
    case BVM_FMT_TYPE: bvm_buf_u16(&f->b.code, (uint16_t)a); break;
    case BVM_FMT_FIELD:
        bvm_buf_u16(&f->b.code, (uint16_t)a);
        bvm_buf_u16(&f->b.code, (uint16_t)b);
        break;
    case BVM_FMT_LOCAL_I32:
        bvm_buf_u16(&f->b.code, (uint16_t)a);
        bvm_buf_u32(&f->b.code, (uint32_t)(int32_t)b);
        break;
    default: BVM_ASSERT(!"unknown operand format"); break;
    }
    f->depth += stack_effect(f->g->m, op, (uint32_t)a);
    BVM_ASSERT(f->depth >= 0);
    if (f->depth > f->max_depth)
        f->max_depth = f->depth;
    if (bvm_op(op)->flags & OPF_END)
        f->reachable = false;
    return at;
}

static uint32_t emit0(fn_state *f, bvm_opcode op) { return emit(f, op, 0, 0); }
static uint32_t emit1(fn_state *f, bvm_opcode op, int64_t a) { return emit(f, op, a, 0); }

static uint32_t new_label(fn_state *f)
{
    uint32_t label = bvm_builder_new_label(&f->b);
    BVM_GROW(f->flow, label, f->flow_cap);
    f->flow[label] = (label_flow){0};
    return label;
}

static void emit_jump(fn_state *f, bvm_opcode op, uint32_t target)
{
    if (!f->reachable)
        return; /* a dead jump makes no label reachable */
    uint32_t at = emit1(f, op, 0);
    label_flow *l = &f->flow[target];
    BVM_ASSERT(!l->used || !f->reachable || l->depth == f->depth);
    l->used = true;
    l->depth = f->depth; /* after the jump's own pops */
    bvm_builder_use_label(&f->b, BVM_FIX_JUMP, at, target, 0);
}

static void place_label(fn_state *f, uint32_t index)
{
    bvm_builder_place_label(&f->b, index);
    const label_flow *l = &f->flow[index];
    if (!l->used)
        return;
    if (!f->reachable) {
        f->depth = l->depth;
        f->reachable = true;
    }
    BVM_ASSERT(f->depth == l->depth);
}

/* ---- local variable names ------------------------------------------------- */

static void open_local(fn_state *f, const char *name, uint16_t slot)
{
    BVM_GROW(f->open, f->nopen, f->open_cap);
    f->open[f->nopen++] = (open_name){.name = name, .slot = slot, .start = pc(f)};
}

/* Close the locals opened after mark: their range ends here. */
static void close_locals(fn_state *f, uint32_t mark)
{
    while (f->nopen > mark) {
        open_name *o = &f->open[--f->nopen];
        if (o->start == pc(f))
            continue; /* valid for no instruction */
        bvm_builder *b = &f->b;
        BVM_GROW(b->names, b->nnames, b->names_cap);
        b->names[b->nnames++] = (bvm_local_name){
            .name = bvm_xstrdup(o->name), .slot = o->slot, .start = o->start, .end = pc(f)};
    }
}

/* ---- expressions ---------------------------------------------------------- */

static void gen_expr(fn_state *f, const bvm_expr *e);
static void gen_branch(fn_state *f, const bvm_expr *e, bool jump_if, uint32_t target);

static uint8_t type_kind(const fn_state *f, uint16_t t)
{
    return t == BVM_TYPE_NULL_LITERAL ? BVM_TK_STRING : f->g->m->types[t].kind;
}

static bool fits_i32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

static void gen_int(fn_state *f, int64_t v, bvm_pos at)
{
    if (fits_i32(v))
        emit1(f, BVM_OP_ICONST, v);
    else
        emit1(f, BVM_OP_LDC, int_constant(f->g, v, at));
}

/* Convert the value on top (of type t) to a string unless it is one. */
static void gen_to_string(fn_state *f, uint16_t t)
{
    if (t == BVM_TYPE_STRING)
        return;
    emit1(f, BVM_OP_TOSTR, t == BVM_TYPE_NULL_LITERAL ? BVM_TYPE_STRING : t);
}

/* The arithmetic instruction for op on two ints or two floats. */
static bvm_opcode arithmetic_opcode(bvm_binop op, bool is_float)
{
    static const bvm_opcode int_ops[] = {
        [BVM_BINOP_ADD] = BVM_OP_IADD,    [BVM_BINOP_SUB] = BVM_OP_ISUB,   [BVM_BINOP_MUL] = BVM_OP_IMUL,
        [BVM_BINOP_DIV] = BVM_OP_IDIV,    [BVM_BINOP_REM] = BVM_OP_IREM,   [BVM_BINOP_BITAND] = BVM_OP_IAND,
        [BVM_BINOP_BITOR] = BVM_OP_IOR,   [BVM_BINOP_BITXOR] = BVM_OP_IXOR, [BVM_BINOP_SHL] = BVM_OP_ISHL,
        [BVM_BINOP_SHR] = BVM_OP_ISHR,
    };
    static const bvm_opcode float_ops[] = {
        [BVM_BINOP_ADD] = BVM_OP_FADD, [BVM_BINOP_SUB] = BVM_OP_FSUB,
        [BVM_BINOP_MUL] = BVM_OP_FMUL, [BVM_BINOP_DIV] = BVM_OP_FDIV,
    };
    return is_float ? float_ops[op] : int_ops[op];
}

/* The comparison instruction for op (EQ..GE) on operands of types lt, rt
 * (one type, or a reference and null). */
static bvm_opcode compare_opcode(bvm_binop op, uint16_t lt, uint16_t rt)
{
    int i = (int)op - BVM_BINOP_EQ; /* EQ NE LT LE GT GE */
    if (lt == BVM_TYPE_INT)
        return (bvm_opcode)(BVM_OP_ICMPEQ + i);
    if (lt == BVM_TYPE_FLOAT)
        return (bvm_opcode)(BVM_OP_FCMPEQ + i);
    if (lt == BVM_TYPE_BOOL)
        return op == BVM_BINOP_EQ ? BVM_OP_BCMPEQ : BVM_OP_BCMPNE;
    if (lt == BVM_TYPE_STRING || rt == BVM_TYPE_STRING)
        return op == BVM_BINOP_EQ ? BVM_OP_SCMPEQ : BVM_OP_SCMPNE;
    return op == BVM_BINOP_EQ ? BVM_OP_RCMPEQ : BVM_OP_RCMPNE;
}

/* Both opcode groups follow the order EQ NE LT LE GT GE in opcodes.def. */
_Static_assert(BVM_OP_ICMPGE - BVM_OP_ICMPEQ == BVM_BINOP_GE - BVM_BINOP_EQ, "icmp order");
_Static_assert(BVM_OP_FCMPGE - BVM_OP_FCMPEQ == BVM_BINOP_GE - BVM_BINOP_EQ, "fcmp order");
_Static_assert(BVM_OP_JIGE - BVM_OP_JIEQ == BVM_BINOP_GE - BVM_BINOP_EQ, "jump order");

static bool is_comparison(bvm_binop op) { return op >= BVM_BINOP_EQ && op <= BVM_BINOP_GE; }

/* The comparison that is true exactly when op is false (for ints). */
static bvm_binop negate_comparison(bvm_binop op)
{
    switch (op) {
    case BVM_BINOP_EQ: return BVM_BINOP_NE;
    case BVM_BINOP_NE: return BVM_BINOP_EQ;
    case BVM_BINOP_LT: return BVM_BINOP_GE;
    case BVM_BINOP_LE: return BVM_BINOP_GT;
    case BVM_BINOP_GT: return BVM_BINOP_LE;
    default: return BVM_BINOP_LT; /* GE */
    }
}

/* ---- print and printf ----------------------------------------------------
 *
 * A line to print is a list of pieces: constant text, or a value with its
 * conversion to text.  Every argument must be evaluated before anything is
 * written (an argument may throw, or print something itself), so the pieces
 * up to the last argument that could do either are joined with sconcat and
 * printed at once; the pieces after it are printed one by one, which saves
 * allocating the joined string (and lets a program print with a full heap).
 */

typedef enum { PIECE_TEXT, PIECE_VALUE, PIECE_FORMAT } piece_kind;

typedef struct {
    piece_kind kind;
    bvm_buf text;             /* TEXT */
    const bvm_expr *value;    /* VALUE: converted with tostr; FORMAT: with sfmt */
    bvm_bytes spec;          /* FORMAT */
} line_piece;

typedef struct {
    line_piece *items;
    uint32_t count, cap;
} line_pieces;

static void add_text(line_pieces *l, const char *chars, uint32_t len)
{
    if (len == 0)
        return;
    if (l->count == 0 || l->items[l->count - 1].kind != PIECE_TEXT) {
        BVM_GROW(l->items, l->count, l->cap);
        l->items[l->count++] = (line_piece){.kind = PIECE_TEXT};
    }
    bvm_buf_put(&l->items[l->count - 1].text, chars, len);
}

static void add_value(line_pieces *l, piece_kind kind, const bvm_expr *value, bvm_bytes spec)
{
    BVM_GROW(l->items, l->count, l->cap);
    l->items[l->count++] = (line_piece){.kind = kind, .value = value, .spec = spec};
}

/* Can evaluating e throw (other than running out of memory) or write
 * output?  Conservative: any call, index, field or division may. */
static bool may_act(const bvm_expr *e)
{
    switch (e->kind) {
    case BVM_EXPR_INT: case BVM_EXPR_FLOAT: case BVM_EXPR_STRING: case BVM_EXPR_BOOL: case BVM_EXPR_NULL:
    case BVM_EXPR_NAME:
        return false;
    case BVM_EXPR_UNARY:
        return may_act(e->as.unary.operand);
    case BVM_EXPR_CONVERT:
        return may_act(e->as.convert.operand);
    case BVM_EXPR_BINARY:
        if ((e->as.binary.op == BVM_BINOP_DIV || e->as.binary.op == BVM_BINOP_REM) && e->type == BVM_TYPE_INT &&
            !(e->as.binary.right->kind == BVM_EXPR_INT && e->as.binary.right->as.int_value != 0))
            return true; /* division by zero */
        return may_act(e->as.binary.left) || may_act(e->as.binary.right);
    case BVM_EXPR_CONDITIONAL:
        return may_act(e->as.conditional.cond) || may_act(e->as.conditional.then_value) ||
               may_act(e->as.conditional.else_value);
    default:
        return true;
    }
}

/* Push one piece as a string. */
static void gen_piece(fn_state *f, const line_piece *p, bvm_pos at)
{
    switch (p->kind) {
    case PIECE_TEXT: {
        bvm_bytes s = {(const char *)p->text.data, (uint32_t)p->text.len};
        emit1(f, BVM_OP_LDC, string_constant(f->g, s, at));
        break;
    }
    case PIECE_VALUE:
        gen_expr(f, p->value);
        gen_to_string(f, p->value->type);
        break;
    case PIECE_FORMAT:
        gen_expr(f, p->value);
        if (p->spec.chars[p->spec.len - 1] == 's')
            gen_to_string(f, p->value->type); /* %s takes any value, sfmt a string */
        f->line = at.line;
        emit1(f, BVM_OP_SFMT, string_constant(f->g, p->spec, p->value->pos));
        break;
    }
}

static void gen_line(fn_state *f, line_pieces *l, bvm_pos at)
{
    uint32_t joined = 0; /* pieces [0, joined) are printed as one string */
    for (uint32_t i = 0; i < l->count; i++)
        if (l->items[i].kind != PIECE_TEXT && may_act(l->items[i].value))
            joined = i + 1;
    for (uint32_t i = 0; i < l->count; i++) {
        gen_piece(f, &l->items[i], at);
        f->line = at.line;
        if (i > 0 && i < joined)
            emit0(f, BVM_OP_SCONCAT);
        if (i + 1 >= joined)
            emit0(f, BVM_OP_PRINT);
    }
    for (uint32_t i = 0; i < l->count; i++)
        bvm_buf_free(&l->items[i].text);
    free(l->items);
}

/* The text str() gives for a literal, known now: ints, bools, strings and
 * null (not floats, whose shortest form is the VM's to compute). */
static bool literal_text(const bvm_expr *e, bvm_buf *out)
{
    switch (e->kind) {
    case BVM_EXPR_STRING: bvm_buf_put(out, e->as.string.chars, e->as.string.len); return true;
    case BVM_EXPR_INT: bvm_buf_printf(out, "%lld", (long long)e->as.int_value); return true;
    case BVM_EXPR_BOOL: bvm_buf_printf(out, "%s", e->as.bool_value ? "true" : "false"); return true;
    case BVM_EXPR_NULL: bvm_buf_printf(out, "null"); return true;
    default: return false;
    }
}

/* Add a value's text: as constant text when it is known now. */
static void add_converted(line_pieces *l, const bvm_expr *e)
{
    bvm_buf text = {0};
    if (literal_text(e, &text))
        add_text(l, (const char *)text.data, (uint32_t)text.len);
    else
        add_value(l, PIECE_VALUE, e, (bvm_bytes){0});
    bvm_buf_free(&text);
}

/* print(a, b, ...): the arguments separated by spaces, then a newline. */
static void gen_print(fn_state *f, const bvm_expr *e)
{
    line_pieces l = {0};
    for (uint32_t i = 0; i < e->as.call.nargs; i++) {
        const bvm_expr *arg = e->as.call.args[i];
        if (i > 0)
            add_text(&l, " ", 1);
        add_converted(&l, arg);
    }
    add_text(&l, "\n", 1);
    gen_line(f, &l, e->pos);
}

/* printf: the checker split the format into pieces.  %d, %i and %s without
 * flags, width or precision print exactly what tostr gives; the rest go
 * through sfmt with their spec. */
static void gen_printf(fn_state *f, const bvm_expr *e)
{
    line_pieces l = {0};
    uint32_t arg = 1;
    for (uint32_t i = 0; i < e->as.call.npieces; i++) {
        const bvm_format_piece *p = &e->as.call.pieces[i];
        if (!p->is_conversion) {
            add_text(&l, p->text.chars, p->text.len);
            continue;
        }
        const bvm_expr *value = e->as.call.args[arg++];
        bool as_tostr = p->plain && (p->conv == 's' || p->conv == 'd' || p->conv == 'i');
        if (as_tostr)
            add_converted(&l, value);
        else
            add_value(&l, PIECE_FORMAT, value, p->text);
    }
    gen_line(f, &l, e->pos);
}

static void gen_call(fn_state *f, const bvm_expr *e)
{
    bvm_expr *const *args = e->as.call.args;
    switch (e->as.call.builtin) {
    case BVM_BUILTIN_NONE:
        for (uint32_t i = 0; i < e->as.call.nargs; i++)
            gen_expr(f, args[i]);
        f->line = e->pos.line;
        emit1(f, BVM_OP_CALL, e->as.call.function);
        return;
    case BVM_BUILTIN_PRINT:
        gen_print(f, e);
        return;
    case BVM_BUILTIN_PRINTF:
        gen_printf(f, e);
        return;
    case BVM_BUILTIN_LEN:
        gen_expr(f, args[0]);
        f->line = e->pos.line;
        emit0(f, args[0]->type == BVM_TYPE_STRING ? BVM_OP_SLEN : BVM_OP_ALEN);
        return;
    case BVM_BUILTIN_STR:
        gen_expr(f, args[0]);
        /* str(s) of a null string is "null", so strings convert too */
        emit1(f, BVM_OP_TOSTR, args[0]->type == BVM_TYPE_NULL_LITERAL ? BVM_TYPE_STRING : args[0]->type);
        return;
    case BVM_BUILTIN_INT:
        gen_expr(f, args[0]);
        if (args[0]->type == BVM_TYPE_FLOAT)
            emit0(f, BVM_OP_F2I);
        else if (args[0]->type == BVM_TYPE_BOOL)
            emit0(f, BVM_OP_B2I);
        return;
    case BVM_BUILTIN_FLOAT:
        gen_expr(f, args[0]);
        if (args[0]->type == BVM_TYPE_INT)
            emit0(f, BVM_OP_I2F);
        return;
    }
}

/* `a && b` / `a || b` as a value: the left side only branches. */
static void gen_logical_value(fn_state *f, const bvm_expr *e)
{
    bool is_and = e->as.binary.op == BVM_BINOP_AND;
    uint32_t short_circuit = new_label(f), end = new_label(f);
    gen_branch(f, e->as.binary.left, !is_and, short_circuit);
    gen_expr(f, e->as.binary.right);
    if (!f->flow[short_circuit].used)
        return; /* `true && b` is just b */
    emit_jump(f, BVM_OP_JMP, end);
    place_label(f, short_circuit);
    emit1(f, BVM_OP_BCONST, is_and ? 0 : 1);
    place_label(f, end);
}

static void gen_binary(fn_state *f, const bvm_expr *e)
{
    bvm_binop op = e->as.binary.op;
    const bvm_expr *l = e->as.binary.left, *r = e->as.binary.right;
    if (op == BVM_BINOP_AND || op == BVM_BINOP_OR) {
        gen_logical_value(f, e);
        return;
    }
    if (op == BVM_BINOP_ADD && e->type == BVM_TYPE_STRING) {
        gen_expr(f, l);
        gen_to_string(f, l->type);
        gen_expr(f, r);
        gen_to_string(f, r->type);
        f->line = e->pos.line;
        emit0(f, BVM_OP_SCONCAT);
        return;
    }
    gen_expr(f, l);
    gen_expr(f, r);
    f->line = e->pos.line;
    if (is_comparison(op))
        emit0(f, compare_opcode(op, l->type, r->type));
    else
        emit0(f, arithmetic_opcode(op, e->type == BVM_TYPE_FLOAT));
}

static void gen_expr(fn_state *f, const bvm_expr *e)
{
    codegen *g = f->g;
    f->line = e->pos.line;
    switch (e->kind) {
    case BVM_EXPR_INT:
        gen_int(f, e->as.int_value, e->pos);
        return;
    case BVM_EXPR_FLOAT:
        emit1(f, BVM_OP_LDC, float_constant(g, e->as.float_value, e->pos));
        return;
    case BVM_EXPR_STRING:
        emit1(f, BVM_OP_LDC, string_constant(g, e->as.string, e->pos));
        return;
    case BVM_EXPR_BOOL:
        emit1(f, BVM_OP_BCONST, e->as.bool_value);
        return;
    case BVM_EXPR_NULL:
        emit0(f, BVM_OP_NULL);
        return;
    case BVM_EXPR_NAME:
        emit1(f, e->as.name.is_global ? BVM_OP_GLOAD : BVM_OP_LOAD, e->as.name.index);
        return;
    case BVM_EXPR_UNARY:
        gen_expr(f, e->as.unary.operand);
        f->line = e->pos.line;
        switch (e->as.unary.op) {
        case BVM_UNOP_NEG: emit0(f, e->type == BVM_TYPE_FLOAT ? BVM_OP_FNEG : BVM_OP_INEG); break;
        case BVM_UNOP_NOT: emit0(f, BVM_OP_NOT); break;
        case BVM_UNOP_BITNOT: emit0(f, BVM_OP_INOT); break;
        }
        return;
    case BVM_EXPR_BINARY:
        gen_binary(f, e);
        return;
    case BVM_EXPR_CONDITIONAL: {
        if (e->as.conditional.cond->kind == BVM_EXPR_BOOL) {
            /* only one side can be chosen */
            gen_expr(f, e->as.conditional.cond->as.bool_value ? e->as.conditional.then_value
                                                               : e->as.conditional.else_value);
            return;
        }
        uint32_t other = new_label(f), end = new_label(f);
        gen_branch(f, e->as.conditional.cond, false, other);
        gen_expr(f, e->as.conditional.then_value);
        emit_jump(f, BVM_OP_JMP, end);
        place_label(f, other);
        gen_expr(f, e->as.conditional.else_value);
        place_label(f, end);
        return;
    }
    case BVM_EXPR_CALL:
        gen_call(f, e);
        return;
    case BVM_EXPR_INDEX:
        gen_expr(f, e->as.index.base);
        gen_expr(f, e->as.index.index);
        f->line = e->pos.line;
        emit0(f, e->as.index.base->type == BVM_TYPE_STRING ? BVM_OP_SCHAR : BVM_OP_ALOAD);
        return;
    case BVM_EXPR_FIELD:
        gen_expr(f, e->as.field.base);
        f->line = e->pos.line;
        emit(f, BVM_OP_GETFIELD, e->as.field.record, e->as.field.field);
        return;
    case BVM_EXPR_NEW_ARRAY:
        gen_expr(f, e->as.new_array.length);
        f->line = e->pos.line;
        emit1(f, BVM_OP_NEWARRAY, e->type);
        return;
    case BVM_EXPR_NEW_STRUCT:
        emit1(f, BVM_OP_NEW, e->type);
        for (uint32_t i = 0; i < e->as.new_struct.nargs; i++) {
            emit0(f, BVM_OP_DUP);
            gen_expr(f, e->as.new_struct.args[i]);
            f->line = e->pos.line;
            emit(f, BVM_OP_PUTFIELD, e->as.new_struct.record, i);
        }
        return;
    case BVM_EXPR_ARRAY:
        emit1(f, BVM_OP_ICONST, e->as.array.count);
        emit1(f, BVM_OP_NEWARRAY, e->type);
        for (uint32_t i = 0; i < e->as.array.count; i++) {
            emit0(f, BVM_OP_DUP);
            emit1(f, BVM_OP_ICONST, i);
            gen_expr(f, e->as.array.elems[i]);
            f->line = e->pos.line;
            emit0(f, BVM_OP_ASTORE);
        }
        return;
    case BVM_EXPR_CONVERT:
        gen_expr(f, e->as.convert.operand);
        f->line = e->pos.line;
        emit0(f, BVM_OP_I2F);
        return;
    case BVM_EXPR_ERROR:
        BVM_ASSERT(!"error node reached code generation");
        return;
    }
}

/* Jump to target when e evaluates to jump_if; fall through otherwise. */
static void gen_branch(fn_state *f, const bvm_expr *e, bool jump_if, uint32_t target)
{
    f->line = e->pos.line;
    if (e->kind == BVM_EXPR_BOOL) {
        if (e->as.bool_value == jump_if)
            emit_jump(f, BVM_OP_JMP, target);
        return;
    }
    if (e->kind == BVM_EXPR_UNARY && e->as.unary.op == BVM_UNOP_NOT) {
        gen_branch(f, e->as.unary.operand, !jump_if, target);
        return;
    }
    if (e->kind == BVM_EXPR_BINARY) {
        bvm_binop op = e->as.binary.op;
        const bvm_expr *l = e->as.binary.left, *r = e->as.binary.right;
        if (op == BVM_BINOP_AND || op == BVM_BINOP_OR) {
            /* `a && b` jumps on false as soon as a is false; it jumps on
             * true only when both are true (and dually for ||). */
            bool jumps_early = (op == BVM_BINOP_AND) != jump_if;
            if (jumps_early) {
                gen_branch(f, l, jump_if, target);
                gen_branch(f, r, jump_if, target);
            } else {
                uint32_t skip = new_label(f);
                gen_branch(f, l, !jump_if, skip);
                gen_branch(f, r, jump_if, target);
                place_label(f, skip);
            }
            return;
        }
        if (is_comparison(op) && l->type == BVM_TYPE_INT) {
            gen_expr(f, l);
            gen_expr(f, r);
            f->line = e->pos.line;
            bvm_binop test = jump_if ? op : negate_comparison(op);
            emit_jump(f, (bvm_opcode)(BVM_OP_JIEQ + (test - BVM_BINOP_EQ)), target);
            return;
        }
    }
    gen_expr(f, e);
    emit_jump(f, jump_if ? BVM_OP_JT : BVM_OP_JF, target);
}

/* ---- statements ----------------------------------------------------------- */

static void gen_stmt(fn_state *f, const bvm_stmt *s);

/* Statements of a block in order, stopping after one that cannot complete
 * (the rest is unreachable and is not emitted). */
static void gen_statements(fn_state *f, const bvm_stmt *block)
{
    for (uint32_t i = 0; i < block->as.block.count; i++) {
        const bvm_stmt *s = block->as.block.stmts[i];
        gen_stmt(f, s);
        if (!s->completes)
            break;
    }
}

static void gen_block(fn_state *f, const bvm_stmt *block)
{
    uint32_t mark = f->nopen;
    gen_statements(f, block);
    close_locals(f, mark);
}

static void gen_zero(fn_state *f, uint16_t type, bvm_pos at)
{
    switch (type_kind(f, type)) {
    case BVM_TK_INT: emit1(f, BVM_OP_ICONST, 0); break;
    case BVM_TK_FLOAT: emit1(f, BVM_OP_LDC, float_constant(f->g, 0.0, at)); break;
    case BVM_TK_BOOL: emit1(f, BVM_OP_BCONST, 0); break;
    default: emit0(f, BVM_OP_NULL); break;
    }
}

static bool is_local_int(const bvm_expr *e) { return e->kind == BVM_EXPR_NAME && !e->as.name.is_global && e->type == BVM_TYPE_INT; }

/* The iinc immediate for `x op value` on an int local, if there is one. */
static bool increment_of(bvm_binop op, const bvm_expr *value, int32_t *delta)
{
    if (value->kind != BVM_EXPR_INT || (op != BVM_BINOP_ADD && op != BVM_BINOP_SUB))
        return false;
    int64_t v = value->as.int_value;
    if (op == BVM_BINOP_SUB) {
        if (v == INT64_MIN)
            return false;
        v = -v;
    }
    if (!fits_i32(v))
        return false;
    *delta = (int32_t)v;
    return true;
}

/* The new value of a compound assignment, with the old one on the stack. */
static void gen_compound_value(fn_state *f, const bvm_stmt *s)
{
    const bvm_expr *target = s->as.assign.target, *value = s->as.assign.value;
    gen_expr(f, value);
    f->line = s->pos.line;
    if (target->type == BVM_TYPE_STRING) {
        gen_to_string(f, value->type);
        emit0(f, BVM_OP_SCONCAT);
    } else {
        emit0(f, arithmetic_opcode(s->as.assign.op, target->type == BVM_TYPE_FLOAT));
    }
}

static void gen_assign(fn_state *f, const bvm_stmt *s)
{
    const bvm_expr *target = s->as.assign.target, *value = s->as.assign.value;
    int32_t delta;
    switch (target->kind) {
    case BVM_EXPR_NAME: {
        uint16_t index = target->as.name.index;
        bool global = target->as.name.is_global;
        if (!s->as.assign.compound) {
            /* x = x + c  and  x = x - c  are increments too */
            if (is_local_int(target) && value->kind == BVM_EXPR_BINARY &&
                value->as.binary.left->kind == BVM_EXPR_NAME && !value->as.binary.left->as.name.is_global &&
                value->as.binary.left->as.name.index == index &&
                increment_of(value->as.binary.op, value->as.binary.right, &delta)) {
                emit(f, BVM_OP_IINC, index, delta);
                return;
            }
            gen_expr(f, value);
            f->line = s->pos.line;
            emit1(f, global ? BVM_OP_GSTORE : BVM_OP_STORE, index);
            return;
        }
        if (is_local_int(target) && increment_of(s->as.assign.op, value, &delta)) {
            emit(f, BVM_OP_IINC, index, delta);
            return;
        }
        emit1(f, global ? BVM_OP_GLOAD : BVM_OP_LOAD, index);
        gen_compound_value(f, s);
        emit1(f, global ? BVM_OP_GSTORE : BVM_OP_STORE, index);
        return;
    }
    case BVM_EXPR_FIELD: {
        uint16_t record = target->as.field.record, field = target->as.field.field;
        gen_expr(f, target->as.field.base);
        if (s->as.assign.compound) {
            emit0(f, BVM_OP_DUP);
            emit(f, BVM_OP_GETFIELD, record, field);
            gen_compound_value(f, s);
        } else {
            gen_expr(f, value);
        }
        f->line = s->pos.line;
        emit(f, BVM_OP_PUTFIELD, record, field);
        return;
    }
    case BVM_EXPR_INDEX:
        gen_expr(f, target->as.index.base);
        gen_expr(f, target->as.index.index);
        if (s->as.assign.compound) {
            emit0(f, BVM_OP_DUP2);
            emit0(f, BVM_OP_ALOAD);
            gen_compound_value(f, s);
        } else {
            gen_expr(f, value);
        }
        f->line = s->pos.line;
        emit0(f, BVM_OP_ASTORE);
        return;
    default:
        BVM_ASSERT(!"assignment to a non-lvalue");
    }
}

static void gen_if(fn_state *f, const bvm_stmt *s)
{
    const bvm_expr *cond = s->as.if_.cond;
    const bvm_stmt *then_stmt = s->as.if_.then_stmt, *else_stmt = s->as.if_.else_stmt;
    if (cond->kind == BVM_EXPR_BOOL) {
        /* if (true) / if (false): only one branch can run */
        const bvm_stmt *taken = cond->as.bool_value ? then_stmt : else_stmt;
        if (taken)
            gen_stmt(f, taken);
        return;
    }
    /* if (c) break;  and  if (c) continue;  are one conditional jump */
    const bvm_stmt *only = then_stmt;
    while (only->kind == BVM_STMT_BLOCK && only->as.block.count == 1)
        only = only->as.block.stmts[0];
    if (!else_stmt && (only->kind == BVM_STMT_BREAK || only->kind == BVM_STMT_CONTINUE)) {
        const loop_labels *loop = &f->loops[f->nloops - 1];
        gen_branch(f, cond, true, only->kind == BVM_STMT_BREAK ? loop->break_label : loop->continue_label);
        return;
    }
    uint32_t end = new_label(f);
    uint32_t other = else_stmt ? new_label(f) : end;
    gen_branch(f, cond, false, other);
    gen_stmt(f, then_stmt);
    if (else_stmt) {
        if (then_stmt->completes)
            emit_jump(f, BVM_OP_JMP, end);
        place_label(f, other);
        gen_stmt(f, else_stmt);
    }
    place_label(f, end);
}

/* while and for, with the test at the bottom:
 *
 *         init
 *         jmp test         (omitted when the condition is always true)
 *   top:  body
 *   next: update           (continue jumps here)
 *   test: if cond goto top
 *   exit:                  (break jumps here)
 */
static void gen_loop(fn_state *f, const bvm_stmt *s)
{
    uint32_t mark = f->nopen;
    if (s->as.loop.init)
        gen_stmt(f, s->as.loop.init);
    const bvm_expr *cond = s->as.loop.cond;
    if (cond && cond->kind == BVM_EXPR_BOOL && !cond->as.bool_value) {
        close_locals(f, mark); /* while (false): the body never runs */
        return;
    }
    bool always = !cond || cond->kind == BVM_EXPR_BOOL;
    uint32_t top = new_label(f), next = new_label(f), test = new_label(f), exit = new_label(f);
    f->line = s->pos.line;
    /* the jump back to top comes later; top is a target all the same
     * (unless the whole loop is dead code) */
    f->flow[top].used = f->reachable;
    f->flow[top].depth = f->depth;
    if (!always)
        emit_jump(f, BVM_OP_JMP, test);
    place_label(f, top);
    BVM_GROW(f->loops, f->nloops, f->loops_cap);
    f->loops[f->nloops++] = (loop_labels){.break_label = exit, .continue_label = next};
    gen_stmt(f, s->as.loop.body);
    f->nloops--;
    bool end_reachable = s->as.loop.body->completes || s->as.loop.has_continue;
    place_label(f, next);
    if (end_reachable && s->as.loop.update)
        gen_stmt(f, s->as.loop.update);
    place_label(f, test);
    if (always) {
        if (end_reachable) {
            f->line = s->pos.line;
            emit_jump(f, BVM_OP_JMP, top);
        }
    } else {
        gen_branch(f, cond, true, top);
    }
    place_label(f, exit);
    close_locals(f, mark);
}

static void gen_try(fn_state *f, const bvm_stmt *s)
{
    uint32_t start = pc(f);
    gen_block(f, s->as.try_.body);
    uint32_t end = pc(f);
    if (start == end)
        return; /* an empty try block cannot throw: the handler is dead */
    uint32_t after = new_label(f);
    if (s->as.try_.body->completes)
        emit_jump(f, BVM_OP_JMP, after);
    /* The handler is entered with the stack holding just the message. */
    uint32_t handler = pc(f);
    f->depth = 1;
    f->reachable = true;
    if (f->max_depth < 1)
        f->max_depth = 1;
    f->line = s->as.try_.name_pos.line;
    emit1(f, BVM_OP_STORE, s->as.try_.slot);
    bvm_builder *b = &f->b;
    BVM_PUSH(b->handlers, b->nhandlers, b->handlers_cap, ((bvm_handler){.start = start, .end = end, .handler = handler}));
    uint32_t mark = f->nopen;
    open_local(f, s->as.try_.name, s->as.try_.slot);
    gen_block(f, s->as.try_.handler);
    close_locals(f, mark);
    place_label(f, after);
}

static void gen_stmt(fn_state *f, const bvm_stmt *s)
{
    f->line = s->pos.line;
    switch (s->kind) {
    case BVM_STMT_BLOCK:
        gen_block(f, s);
        break;
    case BVM_STMT_VAR:
        if (s->as.var.init) {
            gen_expr(f, s->as.var.init);
            f->line = s->pos.line;
            emit1(f, BVM_OP_STORE, s->as.var.slot);
        } else if (f->nloops > 0) {
            /* each iteration starts with a fresh zero value */
            gen_zero(f, s->as.var.var_type, s->pos);
            emit1(f, BVM_OP_STORE, s->as.var.slot);
        }
        open_local(f, s->as.var.name, s->as.var.slot);
        break;
    case BVM_STMT_ASSIGN:
        gen_assign(f, s);
        break;
    case BVM_STMT_EXPR:
        gen_expr(f, s->as.expr.call);
        if (s->as.expr.call->type != BVM_TYPE_VOID)
            emit0(f, BVM_OP_POP);
        break;
    case BVM_STMT_IF:
        gen_if(f, s);
        break;
    case BVM_STMT_WHILE:
    case BVM_STMT_FOR:
        gen_loop(f, s);
        break;
    case BVM_STMT_BREAK:
        emit_jump(f, BVM_OP_JMP, f->loops[f->nloops - 1].break_label);
        break;
    case BVM_STMT_CONTINUE:
        emit_jump(f, BVM_OP_JMP, f->loops[f->nloops - 1].continue_label);
        break;
    case BVM_STMT_RETURN:
        if (s->as.ret.value) {
            gen_expr(f, s->as.ret.value);
            f->line = s->pos.line;
            emit0(f, BVM_OP_RETV);
        } else {
            emit0(f, BVM_OP_RET);
        }
        break;
    case BVM_STMT_THROW:
        gen_expr(f, s->as.throw_.value);
        f->line = s->pos.line;
        emit0(f, BVM_OP_THROW);
        break;
    case BVM_STMT_TRY:
        gen_try(f, s);
        break;
    }
}

/* ---- functions ------------------------------------------------------------ */

static int compare_names(const void *a, const void *b)
{
    const bvm_local_name *x = a, *y = b;
    return x->slot != y->slot ? (x->slot < y->slot ? -1 : 1) : (x->start < y->start ? -1 : x->start > y->start);
}

/* Patch the jumps and move the finished tables into the function. */
static void finish_function(fn_state *f, const char *name, bvm_pos where)
{
    bvm_builder *b = &f->b;
    bvm_builder_resolve(b, NULL, NULL); /* every label used is placed */
    /* Jump threading: a jump to a `jmp` goes straight to that jmp's target
     * (the stack is the same there).  Only a jmp that control also falls
     * into is skipped over, so no jmp is left unreachable.  Few hops
     * suffice; a cycle of jmps (an empty infinite loop) stops at the limit. */
    uint8_t *code = b->code.data;
    uint8_t *falls_into = bvm_xcalloc(b->code.len + 1, 1);
    for (uint32_t pc = 0; pc < b->code.len; pc += bvm_op(code[pc])->length)
        falls_into[pc + bvm_op(code[pc])->length] = !(bvm_op(code[pc])->flags & OPF_END);
    for (uint32_t i = 0; i < b->nfixups; i++) {
        uint32_t at = b->fixups[i].index;
        uint32_t target = at + (uint32_t)bvm_read_i32(code + at + 1);
        for (int hops = 0; hops < 8 && code[target] == BVM_OP_JMP && falls_into[target] && target != at; hops++)
            target += (uint32_t)bvm_read_i32(code + target + 1);
        bvm_write_i32(code + at + 1, (int32_t)(target - at));
    }
    free(falls_into);
    if (f->max_depth > (int)MAX_STACK_SLOTS)
        cg_error(f->g, where, "function '%s' needs more than %u operand stack slots (an expression is too large)", name,
                 MAX_STACK_SLOTS);
    if (b->nnames > 1)
        qsort(b->names, b->nnames, sizeof *b->names, compare_names);
    f->fn->max_stack = (uint16_t)(f->max_depth > (int)MAX_STACK_SLOTS ? (int)MAX_STACK_SLOTS : f->max_depth);
    bvm_builder_finish(b, f->fn);
    free(f->flow);
    free(f->open);
    free(f->loops);
}

static void gen_function(codegen *g, const bvm_decl *d)
{
    bvm_function *fn = &g->m->funcs[d->as.func.index];
    fn_state f = {.g = g, .fn = fn, .reachable = true, .line = d->pos.line};
    free(fn->local_types);
    fn->nlocals = d->as.func.nlocals;
    fn->local_types = bvm_xmalloc((size_t)(fn->nlocals ? fn->nlocals : 1) * sizeof *fn->local_types);
    memcpy(fn->local_types, d->as.func.local_types, (size_t)fn->nlocals * sizeof *fn->local_types);
    for (uint32_t p = 0; p < d->as.func.nparams; p++)
        open_local(&f, d->as.func.params[p].name, (uint16_t)p);
    const bvm_stmt *body = d->as.func.body;
    gen_statements(&f, body);
    if (body->completes) {
        f.line = body->as.block.end.line;
        emit0(&f, BVM_OP_RET); /* only void functions complete (typecheck.c) */
    }
    close_locals(&f, 0);
    finish_function(&f, d->name, d->pos);
}

/* $init: the global initializers in declaration order. */
static void gen_init(codegen *g, const bvm_program *prog)
{
    const bvm_decl *first = NULL;
    for (uint32_t i = 0; i < prog->count && !first; i++)
        if (prog->decls[i]->kind == BVM_DECL_GLOBAL && prog->decls[i]->as.global.init)
            first = prog->decls[i];
    if (!first)
        return;
    uint16_t index = bvm_module_add_function(g->m, "$init");
    bvm_function *fn = &g->m->funcs[index];
    fn->ret_type = BVM_TYPE_VOID;
    fn->local_types = bvm_xmalloc(1);
    fn_state f = {.g = g, .fn = fn, .reachable = true, .line = first->pos.line};
    for (uint32_t i = 0; i < prog->count; i++) {
        const bvm_decl *d = prog->decls[i];
        if (d->kind != BVM_DECL_GLOBAL || !d->as.global.init)
            continue;
        f.line = d->pos.line;
        gen_expr(&f, d->as.global.init);
        f.line = d->pos.line;
        emit1(&f, BVM_OP_GSTORE, d->as.global.index);
    }
    emit0(&f, BVM_OP_RET);
    finish_function(&f, "$init", first->pos);
    g->m->init = index;
}

bool bvm_codegen(const bvm_program *prog, bvm_module *m, const char *file, bvm_diags *diags)
{
    codegen g = {.m = m, .file = file, .diags = diags};
    for (uint32_t i = 0; i < prog->count; i++)
        if (prog->decls[i]->kind == BVM_DECL_FUNC)
            gen_function(&g, prog->decls[i]);
    gen_init(&g, prog);
    return !g.failed;
}
