/*
 * typecheck.c -- name resolution and type checking (see typecheck.h).
 *
 * Types are module type indices from the start: the checker builds the
 * module's type table as it resolves types (interning each array type once,
 * by hash: bvm_module_intern_array_type), so type equality is index equality and
 * codegen needs no translation.  Two extra values live beside real indices:
 * BVM_TYPE_NULL_LITERAL (ast.h) for `null`, and TYPE_ERROR for an
 * expression that already had an error.
 *
 * Names: one table for the top level (structs, globals and functions share
 * one namespace), and a scoped table for locals: each local entry remembers
 * the entry it shadows, so leaving a scope restores the outer names in time
 * proportional to the names it declared.  Both tables are hash maps, so
 * checking is linear in the size of the program.
 */
#include "typecheck.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "printf_spec.h"

#define TYPE_ERROR 0xFFFFu

/* ---- names: name -> an index, or -1 for "declared, but broken" ----------- */

/* The value stored for key, or -1. */
static int map_get(const bvm_map *m, const char *key)
{
    uint32_t value;
    return bvm_map_get(m, 0, key, strlen(key), &value) ? (int)value : -1;
}

static void map_put(bvm_map *m, const char *key, int value) { bvm_map_set(m, 0, key, strlen(key), (uint32_t)value); }


/* ---- checker state -------------------------------------------------------- */

typedef struct {
    const char *name;
    uint16_t type;
    uint16_t slot;
    int depth;        /* scope depth it was declared at */
    int shadowed;     /* index of the entry it hides, or -1 */
    int line;
} local_entry;

typedef struct {
    bvm_module *m;
    bvm_program *prog;
    const char *file;
    bvm_arena *arena;
    bvm_diags *diags;

    bvm_map top;              /* name -> index into prog->decls */
    uint16_t *record_type;     /* [m->nrecords]: the record's type index */
    bool types_full_reported;

    /* the function being checked (NULL for global initializers) */
    bvm_decl *func;
    bvm_map local_map;        /* name -> index into locals */
    local_entry *locals;
    uint32_t nlocal_entries, locals_cap;
    int scope_depth;
    uint16_t *local_types;     /* [nslots] */
    uint32_t nslots, local_types_cap;
    bool locals_full_reported;
    bvm_stmt **loops;          /* enclosing loops, innermost last */
    uint32_t nloops, loops_cap;

    char type_names[4][96];    /* rotating buffers for type_name() */
    int next_type_name;
} checker;

static void error(checker *c, bvm_pos at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void error(checker *c, bvm_pos at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bvm_diag_vat(c->diags, BVM_DIAG_ERROR, c->file, at.line, at.col, fmt, ap);
    va_end(ap);
}

/* ---- types ---------------------------------------------------------------- */

static const char *type_name(checker *c, uint16_t t)
{
    if (t == BVM_TYPE_NULL_LITERAL)
        return "null";
    char *buf = c->type_names[c->next_type_name++ % 4];
    return bvm_type_name(c->m, t, buf, sizeof c->type_names[0]);
}

static uint8_t kind_of(const checker *c, uint16_t t)
{
    return t < c->m->ntypes ? c->m->types[t].kind : BVM_TK_VOID;
}

static bool is_numeric(const checker *c, uint16_t t) { return t == BVM_TYPE_INT || t == BVM_TYPE_FLOAT; }
static bool is_ref(const checker *c, uint16_t t)
{
    return t != TYPE_ERROR && t != BVM_TYPE_NULL_LITERAL && bvm_type_is_ref(c->m, t);
}
static bool is_array(const checker *c, uint16_t t) { return t != TYPE_ERROR && kind_of(c, t) == BVM_TK_ARRAY; }
static bool is_record(const checker *c, uint16_t t) { return t != TYPE_ERROR && kind_of(c, t) == BVM_TK_RECORD; }

/* Room for one more type?  Reports (once) when not. */
static bool type_room(checker *c, bvm_pos at)
{
    if (c->m->ntypes < BVM_CHECK_MAX_TYPES)
        return true;
    if (!c->types_full_reported)
        error(c, at, "too many types in the program (the limit is %u struct and array types)",
              BVM_CHECK_MAX_TYPES - BVM_TYPE__FIRST_USER);
    c->types_full_reported = true;
    return false;
}

/* The array type of elements `elem`, interned by the module (module.c):
 * one type per element type, so type equality is index equality. */
static uint16_t array_of(checker *c, uint16_t elem, bvm_pos at)
{
    if (elem == TYPE_ERROR)
        return TYPE_ERROR;
    uint16_t t;
    if (bvm_module_find_type(c->m, BVM_TK_ARRAY, elem, &t))
        return t;
    if (!type_room(c, at))
        return TYPE_ERROR;
    return bvm_module_intern_array_type(c->m, elem);
}

static uint16_t element_type(const checker *c, uint16_t array) { return c->m->types[array].arg; }

static const bvm_decl *top_decl(const checker *c, const char *name)
{
    int i = map_get(&c->top, name);
    return i < 0 ? NULL : c->prog->decls[i];
}

/* A written type to a type index (TYPE_ERROR after reporting). */
static uint16_t resolve_type(checker *c, const bvm_type_expr *t)
{
    uint16_t type;
    switch (t->base) {
    case BVM_BASE_INT: type = BVM_TYPE_INT; break;
    case BVM_BASE_FLOAT: type = BVM_TYPE_FLOAT; break;
    case BVM_BASE_BOOL: type = BVM_TYPE_BOOL; break;
    case BVM_BASE_STRING: type = BVM_TYPE_STRING; break;
    case BVM_BASE_VOID: type = BVM_TYPE_VOID; break;
    case BVM_BASE_NAMED: {
        const bvm_decl *d = top_decl(c, t->name);
        if (!d || d->kind != BVM_DECL_STRUCT) {
            if (d)
                error(c, t->pos, "'%s' is not a type (it is a %s)", t->name,
                      d->kind == BVM_DECL_FUNC ? "function" : "global variable");
            else
                error(c, t->pos, "unknown type '%s'", t->name);
            return TYPE_ERROR;
        }
        type = c->record_type[d->as.struct_.record];
        break;
    }
    default: return TYPE_ERROR;
    }
    for (uint32_t i = 0; i < t->dims && type != TYPE_ERROR; i++)
        type = array_of(c, type, t->pos);
    return type;
}

/* May a value of type `from` be stored where `to` is expected? */
static bool assignable(const checker *c, uint16_t from, uint16_t to)
{
    if (from == TYPE_ERROR || to == TYPE_ERROR || from == to)
        return true;
    if (from == BVM_TYPE_INT && to == BVM_TYPE_FLOAT)
        return true;
    return from == BVM_TYPE_NULL_LITERAL && is_ref(c, to);
}

/* A hint for the usual conversions a student forgets, appended to messages. */
static const char *conversion_hint(const checker *c, uint16_t from, uint16_t to)
{
    if (from == BVM_TYPE_FLOAT && to == BVM_TYPE_INT)
        return " (use int(...) to convert)";
    if (to == BVM_TYPE_STRING && from != BVM_TYPE_NULL_LITERAL)
        return " (use str(...) to convert)";
    if (from == BVM_TYPE_NULL_LITERAL)
        return " (only strings, arrays and structs can be null)";
    return "";
}

/* Make the promotion of an int to float explicit (after assignable()). */
static bvm_expr *coerce(checker *c, bvm_expr *e, uint16_t to)
{
    if (e->type != BVM_TYPE_INT || to != BVM_TYPE_FLOAT)
        return e;
    if (e->kind == BVM_EXPR_INT) {
        /* A literal is converted now: `float x = 1;` loads 1.0. */
        e->kind = BVM_EXPR_FLOAT;
        e->as.float_value = (double)e->as.int_value;
        e->type = BVM_TYPE_FLOAT;
        return e;
    }
    bvm_expr *conv = bvm_arena_alloc(c->arena, sizeof *conv);
    conv->kind = BVM_EXPR_CONVERT;
    conv->pos = e->pos;
    conv->height = (uint16_t)(e->height + 1);
    conv->type = BVM_TYPE_FLOAT;
    conv->as.convert.operand = e;
    return conv;
}

/* ---- locals and scopes ---------------------------------------------------- */

static void begin_scope(checker *c) { c->scope_depth++; }

static void end_scope(checker *c)
{
    while (c->nlocal_entries > 0 && c->locals[c->nlocal_entries - 1].depth == c->scope_depth) {
        local_entry *e = &c->locals[--c->nlocal_entries];
        map_put(&c->local_map, e->name, e->shadowed);
    }
    c->scope_depth--;
}

static const local_entry *find_local(const checker *c, const char *name)
{
    int i = map_get(&c->local_map, name);
    return i < 0 ? NULL : &c->locals[i];
}

/* Declare a local in the current scope; returns its slot. */
static uint16_t declare_local(checker *c, const char *name, uint16_t type, bvm_pos at)
{
    int prev = map_get(&c->local_map, name);
    if (prev >= 0 && c->locals[prev].depth == c->scope_depth) {
        error(c, at, "'%s' is already declared in this scope (at line %d)", name, c->locals[prev].line);
        return c->locals[prev].slot;
    }
    if (c->nslots >= 0xFFFFu) {
        if (!c->locals_full_reported)
            error(c, at, "too many local variables in function '%s' (the limit is 65535)", c->func->name);
        c->locals_full_reported = true;
        return 0;
    }
    BVM_GROW(c->local_types, c->nslots, c->local_types_cap);
    uint16_t slot = (uint16_t)c->nslots++;
    c->local_types[slot] = type == TYPE_ERROR ? BVM_TYPE_INT : type;
    BVM_GROW(c->locals, c->nlocal_entries, c->locals_cap);
    c->locals[c->nlocal_entries] = (local_entry){
        .name = name, .type = type, .slot = slot, .depth = c->scope_depth, .shadowed = prev, .line = at.line,
    };
    map_put(&c->local_map, name, (int)c->nlocal_entries++);
    return slot;
}

/* ---- expressions ---------------------------------------------------------- */

static uint16_t check_expr(checker *c, bvm_expr *e);

static bool is_builtin_name(const char *name)
{
    return strcmp(name, "print") == 0 || strcmp(name, "printf") == 0 || strcmp(name, "len") == 0 ||
           strcmp(name, "str") == 0;
}

/* Check an expression whose value is used: a void call is an error. */
static uint16_t check_value(checker *c, bvm_expr *e)
{
    uint16_t t = check_expr(c, e);
    if (t == BVM_TYPE_VOID && e->kind == BVM_EXPR_CALL) {
        error(c, e->pos, "'%s' returns void, so it has no value to use", e->as.call.name);
        e->type = TYPE_ERROR;
        return TYPE_ERROR;
    }
    return t;
}

static void check_condition(checker *c, bvm_expr *e)
{
    uint16_t t = check_value(c, e);
    if (t != TYPE_ERROR && t != BVM_TYPE_BOOL)
        error(c, e->pos, "condition must be bool, not %s", type_name(c, t));
}

static uint16_t check_name(checker *c, bvm_expr *e)
{
    const char *name = e->as.name.name;
    const local_entry *local = find_local(c, name);
    if (local) {
        e->as.name.is_global = false;
        e->as.name.index = local->slot;
        return local->type;
    }
    const bvm_decl *d = top_decl(c, name);
    if (d && d->kind == BVM_DECL_GLOBAL) {
        e->as.name.is_global = true;
        e->as.name.index = d->as.global.index;
        return d->as.global.var_type;
    }
    if ((d && d->kind == BVM_DECL_FUNC) || is_builtin_name(name))
        error(c, e->pos, "'%s' is a function; call it as %s(...)", name, name);
    else if (d && d->kind == BVM_DECL_STRUCT)
        error(c, e->pos, "'%s' is a struct type, not a variable", name);
    else
        error(c, e->pos, "undefined variable '%s'", name);
    return TYPE_ERROR;
}

static uint16_t check_unary_type(checker *c, bvm_expr *e)
{
    uint16_t t = check_value(c, e->as.unary.operand);
    if (t == TYPE_ERROR)
        return TYPE_ERROR;
    const char *op = bvm_unop_text(e->as.unary.op);
    switch (e->as.unary.op) {
    case BVM_UNOP_NEG:
        if (is_numeric(c, t))
            return t;
        error(c, e->pos, "operator '%s' needs a number, not %s", op, type_name(c, t));
        return TYPE_ERROR;
    case BVM_UNOP_NOT:
        if (t == BVM_TYPE_BOOL)
            return t;
        error(c, e->pos, "operator '%s' needs a bool, not %s", op, type_name(c, t));
        return TYPE_ERROR;
    case BVM_UNOP_BITNOT:
        if (t == BVM_TYPE_INT)
            return t;
        error(c, e->pos, "operator '%s' needs an int, not %s", op, type_name(c, t));
        return TYPE_ERROR;
    }
    return TYPE_ERROR;
}

/* ---- constant folding ------------------------------------------------------
 * Operators applied to literals are computed now, as they would be at run
 * time (wrapping int arithmetic).  Beyond saving instructions this makes
 * `while (1 < 2)` a loop whose condition is known, like `while (true)`, and
 * lets codegen drop branches that can never run.  Division by zero is left
 * for run time, where it throws. */

/* Replace e by a bool literal. */
static void make_bool_literal(bvm_expr *e, bool value)
{
    e->kind = BVM_EXPR_BOOL;
    e->as.bool_value = value;
    e->height = 1;
}

/* Replace e by an int literal. */
static void make_int_literal(bvm_expr *e, uint64_t value)
{
    e->kind = BVM_EXPR_INT;
    e->as.int_value = (int64_t)value;
    e->height = 1;
}

/* Fold a unary operator applied to a literal. */
static void fold_unary(bvm_expr *e)
{
    const bvm_expr *x = e->as.unary.operand;
    if (x->kind == BVM_EXPR_BOOL && e->as.unary.op == BVM_UNOP_NOT)
        make_bool_literal(e, !x->as.bool_value);
    else if (x->kind == BVM_EXPR_INT && e->as.unary.op == BVM_UNOP_NEG)
        make_int_literal(e, 0 - (uint64_t)x->as.int_value);
    else if (x->kind == BVM_EXPR_INT && e->as.unary.op == BVM_UNOP_BITNOT)
        make_int_literal(e, ~(uint64_t)x->as.int_value);
}

static uint16_t check_unary(checker *c, bvm_expr *e)
{
    e->type = check_unary_type(c, e);
    if (e->type != TYPE_ERROR)
        fold_unary(e);
    return e->type;
}

/* Can a value of this type be converted to text by string concatenation? */
static bool concatenable(uint16_t t)
{
    return t == BVM_TYPE_INT || t == BVM_TYPE_FLOAT || t == BVM_TYPE_BOOL || t == BVM_TYPE_STRING;
}

/* The result type of `l op r` for the arithmetic, bitwise and comparison
 * operators (not && ||), promoting an int operand to float where needed.
 * Shared by binary expressions and compound assignments (where *left is
 * NULL: the target cannot be converted).  TYPE_ERROR after reporting. */
static uint16_t binary_result(checker *c, bvm_binop op, bvm_pos at, bvm_expr **left, uint16_t lt, bvm_expr **right,
                              uint16_t rt)
{
    if (lt == TYPE_ERROR || rt == TYPE_ERROR)
        return TYPE_ERROR;
    const char *text = bvm_binop_text(op);
    bool numbers = is_numeric(c, lt) && is_numeric(c, rt);
    uint16_t common = lt == BVM_TYPE_FLOAT || rt == BVM_TYPE_FLOAT ? BVM_TYPE_FLOAT : BVM_TYPE_INT;
    switch (op) {
    case BVM_BINOP_ADD:
        if (lt == BVM_TYPE_STRING || rt == BVM_TYPE_STRING) {
            uint16_t other = lt == BVM_TYPE_STRING ? rt : lt;
            if (concatenable(other))
                return BVM_TYPE_STRING;
            error(c, at, "cannot concatenate string and %s (use str(...) to convert it)", type_name(c, other));
            return TYPE_ERROR;
        }
        /* fall through */
    case BVM_BINOP_SUB:
    case BVM_BINOP_MUL:
    case BVM_BINOP_DIV:
    case BVM_BINOP_LT:
    case BVM_BINOP_LE:
    case BVM_BINOP_GT:
    case BVM_BINOP_GE:
        if (!numbers) {
            error(c, at, "operator '%s' needs numbers, not %s and %s", text, type_name(c, lt), type_name(c, rt));
            return TYPE_ERROR;
        }
        if (left)
            *left = coerce(c, *left, common);
        *right = coerce(c, *right, common);
        return op >= BVM_BINOP_LT ? BVM_TYPE_BOOL : common;
    case BVM_BINOP_REM:
    case BVM_BINOP_BITAND:
    case BVM_BINOP_BITOR:
    case BVM_BINOP_BITXOR:
    case BVM_BINOP_SHL:
    case BVM_BINOP_SHR:
        if (lt != BVM_TYPE_INT || rt != BVM_TYPE_INT) {
            error(c, at, "operator '%s' needs ints, not %s and %s", text, type_name(c, lt), type_name(c, rt));
            return TYPE_ERROR;
        }
        return BVM_TYPE_INT;
    case BVM_BINOP_EQ:
    case BVM_BINOP_NE: {
        bool ok = numbers || (lt == BVM_TYPE_BOOL && rt == BVM_TYPE_BOOL) ||
                  (lt == rt && is_ref(c, lt)) ||
                  (lt == BVM_TYPE_NULL_LITERAL && (rt == BVM_TYPE_NULL_LITERAL || is_ref(c, rt))) ||
                  (rt == BVM_TYPE_NULL_LITERAL && is_ref(c, lt));
        if (!ok) {
            error(c, at, "cannot compare %s and %s", type_name(c, lt), type_name(c, rt));
            return TYPE_ERROR;
        }
        if (numbers) {
            if (left)
                *left = coerce(c, *left, common);
            *right = coerce(c, *right, common);
        }
        return BVM_TYPE_BOOL;
    }
    case BVM_BINOP_AND:
    case BVM_BINOP_OR:
        break;
    }
    return TYPE_ERROR;
}

/* Fold an int operation on two int literals into a literal. */
static void fold_int_literals(bvm_expr *e)
{
    const bvm_expr *l = e->as.binary.left, *r = e->as.binary.right;
    if (l->kind != BVM_EXPR_INT || r->kind != BVM_EXPR_INT || e->type != BVM_TYPE_INT)
        return;
    uint64_t a = (uint64_t)l->as.int_value, b = (uint64_t)r->as.int_value;
    int64_t sa = l->as.int_value, sb = r->as.int_value;
    uint64_t v;
    switch (e->as.binary.op) {
    case BVM_BINOP_ADD: v = a + b; break;
    case BVM_BINOP_SUB: v = a - b; break;
    case BVM_BINOP_MUL: v = a * b; break;
    case BVM_BINOP_DIV:
        if (sb == 0)
            return;
        v = sb == -1 ? 0 - a : (uint64_t)(sa / sb);
        break;
    case BVM_BINOP_REM:
        if (sb == 0)
            return;
        v = sb == -1 ? 0 : (uint64_t)(sa % sb);
        break;
    case BVM_BINOP_BITAND: v = a & b; break;
    case BVM_BINOP_BITOR: v = a | b; break;
    case BVM_BINOP_BITXOR: v = a ^ b; break;
    case BVM_BINOP_SHL: v = a << (b & 63); break;
    case BVM_BINOP_SHR: /* arithmetic: shift the magnitude of the complement for negatives */
        v = sa < 0 ? ~(~a >> (b & 63)) : a >> (b & 63);
        break;
    default: return;
    }
    make_int_literal(e, v);
}

/* Fold a comparison of two int or two bool literals. */
static void fold_comparison(bvm_expr *e)
{
    const bvm_expr *l = e->as.binary.left, *r = e->as.binary.right;
    int64_t a, b;
    if (l->kind == BVM_EXPR_INT && r->kind == BVM_EXPR_INT) {
        a = l->as.int_value;
        b = r->as.int_value;
    } else if (l->kind == BVM_EXPR_BOOL && r->kind == BVM_EXPR_BOOL &&
               (e->as.binary.op == BVM_BINOP_EQ || e->as.binary.op == BVM_BINOP_NE)) {
        a = l->as.bool_value;
        b = r->as.bool_value;
    } else {
        return;
    }
    switch (e->as.binary.op) {
    case BVM_BINOP_EQ: make_bool_literal(e, a == b); break;
    case BVM_BINOP_NE: make_bool_literal(e, a != b); break;
    case BVM_BINOP_LT: make_bool_literal(e, a < b); break;
    case BVM_BINOP_LE: make_bool_literal(e, a <= b); break;
    case BVM_BINOP_GT: make_bool_literal(e, a > b); break;
    case BVM_BINOP_GE: make_bool_literal(e, a >= b); break;
    default: break;
    }
}

/* Fold && and || whose left side is a literal: `true && b` is b, `false
 * && b` is false (b is never evaluated), and dually for ||. */
static void fold_logical(bvm_expr *e)
{
    const bvm_expr *l = e->as.binary.left;
    if (l->kind != BVM_EXPR_BOOL)
        return;
    bool is_and = e->as.binary.op == BVM_BINOP_AND;
    if (l->as.bool_value == is_and)
        *e = *e->as.binary.right; /* the result is the right side */
    else
        make_bool_literal(e, l->as.bool_value);
}

static uint16_t check_binary(checker *c, bvm_expr *e)
{
    bvm_binop op = e->as.binary.op;
    uint16_t lt = check_value(c, e->as.binary.left);
    uint16_t rt = check_value(c, e->as.binary.right);
    if (op == BVM_BINOP_AND || op == BVM_BINOP_OR) {
        if (lt == TYPE_ERROR || rt == TYPE_ERROR)
            return TYPE_ERROR;
        if (lt != BVM_TYPE_BOOL || rt != BVM_TYPE_BOOL) {
            error(c, e->pos, "operator '%s' needs bools, not %s and %s", bvm_binop_text(op), type_name(c, lt),
                  type_name(c, rt));
            return TYPE_ERROR;
        }
        e->type = BVM_TYPE_BOOL;
        fold_logical(e);
        return BVM_TYPE_BOOL;
    }
    e->type = binary_result(c, op, e->pos, &e->as.binary.left, lt, &e->as.binary.right, rt);
    if (e->type != TYPE_ERROR) {
        fold_int_literals(e);
        if (e->kind == BVM_EXPR_BINARY)
            fold_comparison(e);
    }
    return e->type;
}

/* The common type of two values that meet (branches of ?:, elements of an
 * array literal), or TYPE_ERROR if they have none (without reporting). */
static uint16_t unify(const checker *c, uint16_t a, uint16_t b)
{
    if (a == b)
        return a;
    if (is_numeric(c, a) && is_numeric(c, b))
        return BVM_TYPE_FLOAT;
    if (a == BVM_TYPE_NULL_LITERAL && is_ref(c, b))
        return b;
    if (b == BVM_TYPE_NULL_LITERAL && is_ref(c, a))
        return a;
    return TYPE_ERROR;
}

static uint16_t check_conditional(checker *c, bvm_expr *e)
{
    check_condition(c, e->as.conditional.cond);
    uint16_t a = check_value(c, e->as.conditional.then_value);
    uint16_t b = check_value(c, e->as.conditional.else_value);
    if (a == TYPE_ERROR || b == TYPE_ERROR)
        return TYPE_ERROR;
    uint16_t t = unify(c, a, b);
    if (t == TYPE_ERROR) {
        error(c, e->pos, "the two branches of '?:' have different types: %s and %s", type_name(c, a), type_name(c, b));
        return TYPE_ERROR;
    }
    e->as.conditional.then_value = coerce(c, e->as.conditional.then_value, t);
    e->as.conditional.else_value = coerce(c, e->as.conditional.else_value, t);
    return t;
}

static void arity_error(checker *c, bvm_expr *e, const char *expected)
{
    error(c, e->pos, "wrong number of arguments to '%s': expected %s, got %u", e->as.call.name, expected,
          e->as.call.nargs);
}

/* Parse and check a printf format (arg 0, a string literal), splitting it
 * into pieces for codegen and checking each argument against it. */
static uint16_t check_printf(checker *c, bvm_expr *e)
{
    bvm_expr **args = e->as.call.args;
    uint32_t nargs = e->as.call.nargs;
    for (uint32_t i = 1; i < nargs; i++)
        check_value(c, args[i]);
    if (nargs == 0) {
        arity_error(c, e, "at least 1");
        return BVM_TYPE_VOID;
    }
    if (args[0]->kind != BVM_EXPR_STRING) {
        check_value(c, args[0]);
        error(c, args[0]->pos, "printf: the format must be a string literal");
        return BVM_TYPE_VOID;
    }
    args[0]->type = BVM_TYPE_STRING;
    bvm_bytes fmt = args[0]->as.string;
    bvm_pos at = args[0]->pos;

    /* Split into pieces; pieces[] has at most one entry per format byte
     * plus one, so size it for that. */
    bvm_format_piece *pieces = bvm_arena_alloc(c->arena, ((size_t)fmt.len + 1) * sizeof *pieces);
    uint32_t npieces = 0, nconv = 0;
    bvm_buf text = {0};
    bool ok = true;
    for (uint32_t i = 0; i < fmt.len && ok; i++) {
        char ch = fmt.chars[i];
        if (ch != '%') {
            bvm_buf_u8(&text, (uint8_t)ch);
            continue;
        }
        if (i + 1 < fmt.len && fmt.chars[i + 1] == '%') {
            bvm_buf_u8(&text, '%');
            i++;
            continue;
        }
        bvm_printf_spec spec;
        const char *conversion = fmt.chars + i;
        bvm_spec_status status = bvm_printf_parse(conversion, fmt.len - i, &spec);
        int shown = (int)spec.length; /* the spec up to where the parser stopped */
        switch (status) {
        case BVM_SPEC_OK: break;
        case BVM_SPEC_REPEATED_FLAG:
            error(c, at, "printf: the flag '%c' appears twice in '%.*s'", spec.bad, shown, conversion);
            break;
        case BVM_SPEC_WIDTH_TOO_LARGE:
        case BVM_SPEC_PRECISION_TOO_LARGE:
            error(c, at, "printf: %s %.*s is too large (the limit is %d)",
                  status == BVM_SPEC_WIDTH_TOO_LARGE ? "width" : "precision", shown - (int)spec.field_at,
                  conversion + spec.field_at, BVM_PRINTF_MAX_FIELD);
            break;
        case BVM_SPEC_UNFINISHED:
            error(c, at, "printf: the format ends in the middle of a conversion ('%.*s')", shown, conversion);
            break;
        case BVM_SPEC_UNKNOWN_CONVERSION:
            if (spec.bad > 0x20 && spec.bad < 0x7f)
                error(c, at, "printf: unknown conversion '%.*s'", shown + 1, conversion);
            else
                error(c, at, "printf: '%.*s' is not followed by a conversion letter", shown, conversion);
            break;
        }
        if (status != BVM_SPEC_OK) {
            ok = false;
            break;
        }
        uint32_t j = i + spec.length - 1; /* the conversion letter */
        char conv = spec.conversion;
        if (text.len) {
            pieces[npieces++] = (bvm_format_piece){
                .text = {bvm_arena_strndup(c->arena, (const char *)text.data, text.len), (uint32_t)text.len}};
            text.len = 0;
        }
        pieces[npieces++] = (bvm_format_piece){
            .is_conversion = true,
            .text = {bvm_arena_strndup(c->arena, fmt.chars + i, j + 1 - i), j + 1 - i},
            .conv = conv,
            .plain = j == i + 1,
        };
        nconv++;
        i = j;
    }
    if (ok && text.len)
        pieces[npieces++] = (bvm_format_piece){
            .text = {bvm_arena_strndup(c->arena, (const char *)text.data, text.len), (uint32_t)text.len}};
    bvm_buf_free(&text);
    if (!ok)
        return BVM_TYPE_VOID;
    if (nconv != nargs - 1) {
        error(c, at, "printf: the format needs %u argument%s, got %u", nconv, nconv == 1 ? "" : "s", nargs - 1);
        return BVM_TYPE_VOID;
    }
    uint32_t arg = 1;
    for (uint32_t k = 0; k < npieces; k++) {
        if (!pieces[k].is_conversion)
            continue;
        bvm_expr **a = &args[arg++];
        uint16_t t = (*a)->type;
        if (t == TYPE_ERROR)
            continue;
        const char *want = NULL;
        switch (bvm_printf_conversion_type(pieces[k].conv)) {
        case BVM_TYPE_INT:
            if (t != BVM_TYPE_INT)
                want = "int";
            break;
        case BVM_TYPE_FLOAT:
            if (is_numeric(c, t))
                *a = coerce(c, *a, BVM_TYPE_FLOAT);
            else
                want = "float";
            break;
        case BVM_TYPE_BOOL:
            if (t != BVM_TYPE_BOOL)
                want = "bool";
            break;
        default: /* %s: any value, which becomes a string */
            break;
        }
        if (want)
            error(c, (*a)->pos, "printf: %s expects %s, got %s", pieces[k].text.chars, want, type_name(c, t));
    }
    e->as.call.pieces = pieces;
    e->as.call.npieces = npieces;
    return BVM_TYPE_VOID;
}

static uint16_t check_builtin_call(checker *c, bvm_expr *e, bvm_builtin b)
{
    e->as.call.builtin = b;
    bvm_expr **args = e->as.call.args;
    uint32_t nargs = e->as.call.nargs;
    if (b == BVM_BUILTIN_PRINTF)
        return check_printf(c, e);
    for (uint32_t i = 0; i < nargs; i++)
        check_value(c, args[i]);
    if (b == BVM_BUILTIN_PRINT)
        return BVM_TYPE_VOID;
    if (nargs != 1) {
        arity_error(c, e, "1");
        return TYPE_ERROR;
    }
    uint16_t t = args[0]->type;
    if (t == TYPE_ERROR)
        return TYPE_ERROR;
    switch (b) {
    case BVM_BUILTIN_LEN:
        if (t == BVM_TYPE_STRING || is_array(c, t))
            return BVM_TYPE_INT;
        error(c, args[0]->pos, "len() needs a string or an array, not %s", type_name(c, t));
        return TYPE_ERROR;
    case BVM_BUILTIN_STR:
        return BVM_TYPE_STRING;
    case BVM_BUILTIN_INT:
        if (t == BVM_TYPE_INT || t == BVM_TYPE_FLOAT || t == BVM_TYPE_BOOL)
            return BVM_TYPE_INT;
        error(c, args[0]->pos, "int() cannot convert %s (it converts float, bool and int)", type_name(c, t));
        return TYPE_ERROR;
    case BVM_BUILTIN_FLOAT:
        if (is_numeric(c, t))
            return BVM_TYPE_FLOAT;
        error(c, args[0]->pos, "float() cannot convert %s (it converts int and float)", type_name(c, t));
        return TYPE_ERROR;
    default:
        return TYPE_ERROR;
    }
}

static uint16_t check_call(checker *c, bvm_expr *e)
{
    static const struct {
        const char *name;
        bvm_builtin builtin;
    } builtins[] = {
        {"print", BVM_BUILTIN_PRINT}, {"printf", BVM_BUILTIN_PRINTF}, {"len", BVM_BUILTIN_LEN},
        {"str", BVM_BUILTIN_STR},     {"int", BVM_BUILTIN_INT},       {"float", BVM_BUILTIN_FLOAT},
    };
    const char *name = e->as.call.name;
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(name, builtins[i].name) == 0)
            return check_builtin_call(c, e, builtins[i].builtin);

    bvm_expr **args = e->as.call.args;
    uint32_t nargs = e->as.call.nargs;
    for (uint32_t i = 0; i < nargs; i++)
        check_value(c, args[i]);
    const bvm_decl *d = top_decl(c, name);
    if (!d || d->kind != BVM_DECL_FUNC) {
        if (d && d->kind == BVM_DECL_STRUCT)
            error(c, e->pos, "'%s' is a struct; create one with new %s(...)", name, name);
        else if (d || find_local(c, name))
            error(c, e->pos, "'%s' is a variable, not a function", name);
        else
            error(c, e->pos, "undefined function '%s'", name);
        return TYPE_ERROR;
    }
    e->as.call.function = d->as.func.index;
    const bvm_function *f = &c->m->funcs[d->as.func.index];
    if (nargs != d->as.func.nparams) {
        char expected[16];
        snprintf(expected, sizeof expected, "%u", d->as.func.nparams);
        arity_error(c, e, expected);
        return f->ret_type;
    }
    for (uint32_t i = 0; i < nargs; i++) {
        uint16_t want = f->local_types[i], got = args[i]->type;
        if (!assignable(c, got, want))
            error(c, args[i]->pos, "argument %u of '%s' must be %s, not %s%s", i + 1, name, type_name(c, want),
                  type_name(c, got), conversion_hint(c, got, want));
        else
            args[i] = coerce(c, args[i], want);
    }
    return f->ret_type;
}

static uint16_t check_index(checker *c, bvm_expr *e)
{
    uint16_t base = check_value(c, e->as.index.base);
    uint16_t index = check_value(c, e->as.index.index);
    if (index != TYPE_ERROR && index != BVM_TYPE_INT)
        error(c, e->as.index.index->pos, "an index must be int, not %s", type_name(c, index));
    if (base == TYPE_ERROR)
        return TYPE_ERROR;
    if (base == BVM_TYPE_STRING)
        return BVM_TYPE_INT;
    if (is_array(c, base))
        return element_type(c, base);
    error(c, e->pos, "cannot index %s (only arrays and strings can be indexed)", type_name(c, base));
    return TYPE_ERROR;
}

static uint16_t check_field(checker *c, bvm_expr *e)
{
    uint16_t base = check_value(c, e->as.field.base);
    if (base == TYPE_ERROR)
        return TYPE_ERROR;
    const char *name = e->as.field.name;
    if (!is_record(c, base)) {
        if (is_array(c, base) && strcmp(name, "length") == 0)
            error(c, e->pos, "arrays have no field 'length'; use len(...)");
        else
            error(c, e->pos, "cannot access field '%s' of %s (only structs have fields)", name, type_name(c, base));
        return TYPE_ERROR;
    }
    uint16_t record = c->m->types[base].arg;
    const bvm_record *r = &c->m->records[record];
    for (uint32_t i = 0; i < r->nfields; i++) {
        if (strcmp(r->fields[i].name, name) == 0) {
            e->as.field.record = record;
            e->as.field.field = (uint16_t)i;
            return r->fields[i].type;
        }
    }
    error(c, e->pos, "struct '%s' has no field '%s'", r->name, name);
    return TYPE_ERROR;
}

static uint16_t check_new_array(checker *c, bvm_expr *e)
{
    uint16_t elem = resolve_type(c, &e->as.new_array.elem);
    uint16_t length = check_value(c, e->as.new_array.length);
    if (length != TYPE_ERROR && length != BVM_TYPE_INT)
        error(c, e->as.new_array.length->pos, "an array length must be int, not %s", type_name(c, length));
    return array_of(c, elem, e->pos);
}

static uint16_t check_new_struct(checker *c, bvm_expr *e)
{
    bvm_expr **args = e->as.new_struct.args;
    uint32_t nargs = e->as.new_struct.nargs;
    for (uint32_t i = 0; i < nargs; i++)
        check_value(c, args[i]);
    const char *name = e->as.new_struct.name;
    const bvm_decl *d = top_decl(c, name);
    if (!d || d->kind != BVM_DECL_STRUCT) {
        bvm_type_expr t = {.pos = e->as.new_struct.name_pos, .base = BVM_BASE_NAMED, .name = name};
        resolve_type(c, &t); /* reports the right message */
        return TYPE_ERROR;
    }
    uint16_t record = d->as.struct_.record;
    e->as.new_struct.record = record;
    const bvm_record *r = &c->m->records[record];
    if (nargs != 0 && nargs != r->nfields) {
        error(c, e->pos, "wrong number of arguments to 'new %s': expected 0 or %u, got %u", name, r->nfields, nargs);
        return c->record_type[record];
    }
    for (uint32_t i = 0; i < nargs; i++) {
        uint16_t want = r->fields[i].type, got = args[i]->type;
        if (!assignable(c, got, want))
            error(c, args[i]->pos, "field '%s' of %s is %s, not %s%s", r->fields[i].name, name, type_name(c, want),
                  type_name(c, got), conversion_hint(c, got, want));
        else
            args[i] = coerce(c, args[i], want);
    }
    return c->record_type[record];
}

static uint16_t check_array_literal(checker *c, bvm_expr *e)
{
    bvm_expr **elems = e->as.array.elems;
    uint32_t n = e->as.array.count;
    uint16_t t = BVM_TYPE_NULL_LITERAL;
    uint32_t first = 0; /* the element that set t */
    bool failed = false;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t et = check_value(c, elems[i]);
        if (et == TYPE_ERROR) {
            failed = true;
            continue;
        }
        if (failed)
            continue;
        uint16_t u = i == 0 ? et : unify(c, t, et);
        if (u == TYPE_ERROR) {
            error(c, elems[i]->pos, "array elements must all have one type: element %u is %s, element %u is %s",
                  i + 1, type_name(c, et), first + 1, type_name(c, t));
            failed = true;
        } else if (u != t) {
            t = u;
            first = i;
        }
    }
    if (failed)
        return TYPE_ERROR;
    if (t == BVM_TYPE_NULL_LITERAL) {
        error(c, e->pos, "cannot tell the type of an array literal holding only null");
        return TYPE_ERROR;
    }
    for (uint32_t i = 0; i < n; i++) {
        elems[i] = coerce(c, elems[i], t);
        if (elems[i]->type == BVM_TYPE_NULL_LITERAL)
            elems[i]->type = t; /* null elements of a known array type */
    }
    return array_of(c, t, e->pos);
}

/* Sets and returns e->type. */
static uint16_t check_expr(checker *c, bvm_expr *e)
{
    uint16_t t = TYPE_ERROR;
    switch (e->kind) {
    case BVM_EXPR_INT: t = BVM_TYPE_INT; break;
    case BVM_EXPR_FLOAT: t = BVM_TYPE_FLOAT; break;
    case BVM_EXPR_STRING: t = BVM_TYPE_STRING; break;
    case BVM_EXPR_BOOL: t = BVM_TYPE_BOOL; break;
    case BVM_EXPR_NULL: t = BVM_TYPE_NULL_LITERAL; break;
    case BVM_EXPR_NAME: t = check_name(c, e); break;
    case BVM_EXPR_UNARY: t = check_unary(c, e); break;
    case BVM_EXPR_BINARY: t = check_binary(c, e); break;
    case BVM_EXPR_CONDITIONAL: t = check_conditional(c, e); break;
    case BVM_EXPR_CALL: t = check_call(c, e); break;
    case BVM_EXPR_INDEX: t = check_index(c, e); break;
    case BVM_EXPR_FIELD: t = check_field(c, e); break;
    case BVM_EXPR_NEW_ARRAY: t = check_new_array(c, e); break;
    case BVM_EXPR_NEW_STRUCT: t = check_new_struct(c, e); break;
    case BVM_EXPR_ARRAY: t = check_array_literal(c, e); break;
    case BVM_EXPR_CONVERT: t = BVM_TYPE_FLOAT; break;
    case BVM_EXPR_ERROR: t = TYPE_ERROR; break;
    }
    e->type = t;
    return t;
}

/* Check a value to be stored into something of type `to`; returns the
 * (possibly converted) expression. */
static bvm_expr *check_store(checker *c, bvm_expr *e, uint16_t to)
{
    uint16_t t = check_value(c, e);
    if (!assignable(c, t, to)) {
        error(c, e->pos, "cannot assign %s to %s%s", type_name(c, t), type_name(c, to), conversion_hint(c, t, to));
        return e;
    }
    return coerce(c, e, to);
}

/* ---- statements ----------------------------------------------------------- */

static void check_stmt(checker *c, bvm_stmt *s);

static bool is_true_literal(const bvm_expr *e) { return !e || (e->kind == BVM_EXPR_BOOL && e->as.bool_value); }

/* The statements of a block in the current scope; returns whether the
 * block can complete normally. */
static bool check_statements(checker *c, bvm_stmt *block)
{
    bool completes = true;
    for (uint32_t i = 0; i < block->as.block.count; i++) {
        bvm_stmt *s = block->as.block.stmts[i];
        check_stmt(c, s);
        if (!s->completes)
            completes = false; /* what follows is unreachable (allowed) */
    }
    block->completes = completes;
    return completes;
}

static void check_block(checker *c, bvm_stmt *block)
{
    begin_scope(c);
    check_statements(c, block);
    end_scope(c);
}

static void check_assign(checker *c, bvm_stmt *s)
{
    bvm_expr *target = s->as.assign.target;
    uint16_t tt = check_value(c, target);
    if (target->kind == BVM_EXPR_INDEX && target->as.index.base->type == BVM_TYPE_STRING) {
        error(c, target->pos, "cannot assign to a character of a string (strings are immutable)");
        tt = TYPE_ERROR;
    }
    if (!s->as.assign.compound) {
        s->as.assign.value = check_store(c, s->as.assign.value, tt);
        return;
    }
    if (s->as.assign.incdec) {
        check_value(c, s->as.assign.value); /* the literal 1 */
        if (tt != TYPE_ERROR && !is_numeric(c, tt))
            error(c, s->pos, "operator '%s' needs a number, not %s", s->as.assign.op == BVM_BINOP_ADD ? "++" : "--",
                  type_name(c, tt));
        else if (tt == BVM_TYPE_FLOAT)
            s->as.assign.value = coerce(c, s->as.assign.value, BVM_TYPE_FLOAT);
        return;
    }
    uint16_t vt = check_value(c, s->as.assign.value);
    uint16_t result = binary_result(c, s->as.assign.op, s->pos, NULL, tt, &s->as.assign.value, vt);
    if (result == TYPE_ERROR)
        return;
    if (!assignable(c, result, tt))
        error(c, s->pos, "cannot assign %s to %s%s", type_name(c, result), type_name(c, tt),
              conversion_hint(c, result, tt));
}

static void check_var(checker *c, bvm_stmt *s)
{
    uint16_t t = resolve_type(c, &s->as.var.type);
    if (s->as.var.init)
        s->as.var.init = check_store(c, s->as.var.init, t);
    s->as.var.var_type = t == TYPE_ERROR ? BVM_TYPE_INT : t;
    /* declared after its initializer: `int x = x + 1;` reads an outer x */
    s->as.var.slot = declare_local(c, s->as.var.name, t, s->pos);
}

static void push_loop(checker *c, bvm_stmt *loop)
{
    BVM_PUSH(c->loops, c->nloops, c->loops_cap, loop);
}

static void check_loop(checker *c, bvm_stmt *s)
{
    begin_scope(c); /* for (int i = ...): i belongs to the loop */
    if (s->as.loop.init)
        check_stmt(c, s->as.loop.init);
    if (s->as.loop.cond)
        check_condition(c, s->as.loop.cond);
    push_loop(c, s);
    check_stmt(c, s->as.loop.body);
    if (s->as.loop.update)
        check_stmt(c, s->as.loop.update);
    c->nloops--;
    end_scope(c);
    s->completes = !is_true_literal(s->as.loop.cond) || s->as.loop.has_break;
}

static void check_return(checker *c, bvm_stmt *s)
{
    const char *fname = c->func->name;
    uint16_t ret = c->m->funcs[c->func->as.func.index].ret_type;
    bvm_expr *value = s->as.ret.value;
    if (ret == BVM_TYPE_VOID) {
        if (value) {
            check_expr(c, value);
            error(c, value->pos, "function '%s' returns void, so 'return' cannot have a value", fname);
        }
        return;
    }
    if (!value) {
        error(c, s->pos, "function '%s' must return a value of type %s", fname, type_name(c, ret));
        return;
    }
    uint16_t t = check_value(c, value);
    if (!assignable(c, t, ret))
        error(c, value->pos, "cannot return %s from function '%s', which returns %s%s", type_name(c, t), fname,
              type_name(c, ret), conversion_hint(c, t, ret));
    else
        s->as.ret.value = coerce(c, value, ret);
}

static void check_stmt(checker *c, bvm_stmt *s)
{
    s->completes = true;
    switch (s->kind) {
    case BVM_STMT_BLOCK:
        check_block(c, s);
        break;
    case BVM_STMT_VAR:
        check_var(c, s);
        break;
    case BVM_STMT_ASSIGN:
        check_assign(c, s);
        break;
    case BVM_STMT_EXPR:
        check_expr(c, s->as.expr.call);
        break;
    case BVM_STMT_IF:
        check_condition(c, s->as.if_.cond);
        check_stmt(c, s->as.if_.then_stmt);
        if (s->as.if_.else_stmt)
            check_stmt(c, s->as.if_.else_stmt);
        s->completes = !s->as.if_.else_stmt || s->as.if_.then_stmt->completes || s->as.if_.else_stmt->completes;
        break;
    case BVM_STMT_WHILE:
    case BVM_STMT_FOR:
        check_loop(c, s);
        break;
    case BVM_STMT_BREAK:
    case BVM_STMT_CONTINUE:
        s->completes = false;
        if (c->nloops == 0) {
            error(c, s->pos, "%s outside of a loop", s->kind == BVM_STMT_BREAK ? "break" : "continue");
            break;
        }
        if (s->kind == BVM_STMT_BREAK)
            c->loops[c->nloops - 1]->as.loop.has_break = true;
        else
            c->loops[c->nloops - 1]->as.loop.has_continue = true;
        break;
    case BVM_STMT_RETURN:
        s->completes = false;
        check_return(c, s);
        break;
    case BVM_STMT_THROW: {
        s->completes = false;
        uint16_t t = check_value(c, s->as.throw_.value);
        if (t != TYPE_ERROR && t != BVM_TYPE_STRING)
            error(c, s->as.throw_.value->pos, "throw needs a string (the message), not %s", type_name(c, t));
        break;
    }
    case BVM_STMT_TRY:
        check_block(c, s->as.try_.body);
        begin_scope(c);
        s->as.try_.slot = declare_local(c, s->as.try_.name, BVM_TYPE_STRING, s->as.try_.name_pos);
        check_statements(c, s->as.try_.handler);
        end_scope(c);
        s->completes = s->as.try_.body->completes || s->as.try_.handler->completes;
        break;
    }
}

/* ---- declarations --------------------------------------------------------- */

/* Pass 1: every top-level name, and a record for every struct. */
static void register_names(checker *c)
{
    bvm_program *prog = c->prog;
    uint32_t nfuncs = 0;
    for (uint32_t i = 0; i < prog->count; i++) {
        bvm_decl *d = prog->decls[i];
        const bvm_decl *prev = top_decl(c, d->name);
        if (prev) {
            error(c, d->pos, "'%s' is already declared (at line %d)", d->name, prev->pos.line);
            continue;
        }
        if (d->kind == BVM_DECL_FUNC && is_builtin_name(d->name)) {
            error(c, d->pos, "'%s' is a built-in function and cannot be redefined", d->name);
            continue;
        }
        if (d->kind == BVM_DECL_FUNC && ++nfuncs > BVM_CHECK_MAX_FUNCTIONS) {
            if (nfuncs == BVM_CHECK_MAX_FUNCTIONS + 1)
                error(c, d->pos, "too many functions (the limit is %u)", BVM_CHECK_MAX_FUNCTIONS);
            continue;
        }
        if (d->kind == BVM_DECL_STRUCT) {
            if (!type_room(c, d->pos))
                continue;
            uint16_t record = (uint16_t)c->m->nrecords++;
            c->m->records[record] = (bvm_record){.name = bvm_xstrdup(d->name)};
            d->as.struct_.record = record;
            c->record_type[record] = bvm_module_intern_record_type(c->m, record);
        }
        map_put(&c->top, d->name, (int)i);
    }
}

/* Is d the declaration the top-level table holds for its name (not a
 * duplicate that was reported and skipped)? */
static bool is_registered(const checker *c, const bvm_decl *d) { return top_decl(c, d->name) == d; }

/* Pass 2: field types, global types, function signatures. */
static void declare_members(checker *c)
{
    bvm_program *prog = c->prog;
    for (uint32_t i = 0; i < prog->count; i++) {
        bvm_decl *d = prog->decls[i];
        if (!is_registered(c, d))
            continue;
        switch (d->kind) {
        case BVM_DECL_STRUCT: {
            bvm_map seen = {0};
            bvm_record *r = &c->m->records[d->as.struct_.record];
            r->fields = bvm_xcalloc(d->as.struct_.nfields ? d->as.struct_.nfields : 1, sizeof *r->fields);
            for (uint32_t f = 0; f < d->as.struct_.nfields; f++) {
                const bvm_typed_name *field = &d->as.struct_.fields[f];
                uint16_t t = resolve_type(c, &field->type);
                if (map_get(&seen, field->name) >= 0) {
                    error(c, field->pos, "duplicate field '%s' in struct '%s'", field->name, d->name);
                    continue;
                }
                if (f >= 0xFFFFu) {
                    error(c, field->pos, "struct '%s' has too many fields (the limit is 65535)", d->name);
                    break;
                }
                map_put(&seen, field->name, (int)f);
                r->fields[r->nfields++] = (bvm_field){.name = bvm_xstrdup(field->name),
                                                      .type = t == TYPE_ERROR ? BVM_TYPE_INT : t};
            }
            bvm_map_free(&seen);
            break;
        }
        case BVM_DECL_GLOBAL: {
            uint16_t t = resolve_type(c, &d->as.global.type);
            if (c->m->nglobals >= 0xFFFFu) {
                error(c, d->pos, "too many global variables (the limit is 65535)");
                map_put(&c->top, d->name, -1);
                continue;
            }
            d->as.global.var_type = t;
            d->as.global.index = (uint16_t)c->m->nglobals;
            c->m->globals[c->m->nglobals++] = (bvm_global){.name = bvm_xstrdup(d->name),
                                                           .type = t == TYPE_ERROR ? BVM_TYPE_INT : t};
            break;
        }
        case BVM_DECL_FUNC: {
            uint16_t ret = resolve_type(c, &d->as.func.ret);
            uint16_t index = (uint16_t)c->m->nfuncs++;
            d->as.func.index = index;
            bvm_function *f = &c->m->funcs[index];
            f->name = bvm_xstrdup(d->name);
            uint32_t n = d->as.func.nparams;
            f->ret_type = ret == TYPE_ERROR ? BVM_TYPE_VOID : ret;
            f->nparams = (uint16_t)(n > 0xFFFFu ? 0xFFFFu : n);
            f->local_types = bvm_xcalloc(n ? n : 1, sizeof *f->local_types);
            for (uint32_t p = 0; p < n; p++) {
                uint16_t t = resolve_type(c, &d->as.func.params[p].type);
                f->local_types[p] = t == TYPE_ERROR ? BVM_TYPE_INT : t;
            }
            break;
        }
        }
    }
}

static void check_function(checker *c, bvm_decl *d)
{
    bvm_function *f = &c->m->funcs[d->as.func.index];
    c->func = d;
    c->nslots = 0;
    c->locals_full_reported = false;
    begin_scope(c);
    for (uint32_t p = 0; p < d->as.func.nparams; p++)
        declare_local(c, d->as.func.params[p].name, f->local_types[p], d->as.func.params[p].pos);
    /* The body shares the parameters' scope, as in C: a local of the body
     * may not redeclare a parameter. */
    bvm_stmt *body = d->as.func.body;
    bool completes = check_statements(c, body);
    end_scope(c);
    if (completes && f->ret_type != BVM_TYPE_VOID)
        error(c, body->as.block.end, "missing return in function '%s' returning %s", d->name,
              type_name(c, f->ret_type));
    d->as.func.nlocals = (uint16_t)c->nslots;
    d->as.func.local_types = bvm_arena_copy(c->arena, c->local_types, c->nslots * sizeof *c->local_types);
    bvm_map_free(&c->local_map);
    c->func = NULL;
}

bvm_module *bvm_check(bvm_program *prog, const char *file, bvm_arena *arena, bvm_diags *diags)
{
    checker c = {.m = bvm_module_new(), .prog = prog, .file = file, .arena = arena, .diags = diags};
    int errors_before = diags->errors;
    /* Size the module's tables for every declaration (duplicates included). */
    uint32_t counts[3] = {0};
    for (uint32_t i = 0; i < prog->count; i++)
        counts[prog->decls[i]->kind]++;
    c.m->records = bvm_xcalloc(counts[BVM_DECL_STRUCT] + 1, sizeof *c.m->records);
    c.m->globals = bvm_xcalloc(counts[BVM_DECL_GLOBAL] + 1, sizeof *c.m->globals);
    c.m->funcs = bvm_xcalloc(counts[BVM_DECL_FUNC] + 1, sizeof *c.m->funcs);
    c.record_type = bvm_xcalloc(counts[BVM_DECL_STRUCT] + 1, sizeof *c.record_type);
    register_names(&c);
    declare_members(&c);

    /* Pass 3: global initializers (in no function), then bodies. */
    for (uint32_t i = 0; i < prog->count; i++) {
        bvm_decl *d = prog->decls[i];
        if (d->kind == BVM_DECL_GLOBAL && d->as.global.init && is_registered(&c, d))
            d->as.global.init = check_store(&c, d->as.global.init, d->as.global.var_type);
    }
    for (uint32_t i = 0; i < prog->count; i++) {
        bvm_decl *d = prog->decls[i];
        if (d->kind == BVM_DECL_FUNC && is_registered(&c, d))
            check_function(&c, d);
    }

    const bvm_decl *main_decl = top_decl(&c, "main");
    if (!main_decl || main_decl->kind != BVM_DECL_FUNC) {
        bvm_diag_file(diags, file, "function 'main' is missing");
    } else {
        const bvm_function *f = &c.m->funcs[main_decl->as.func.index];
        if (f->nparams != 0 || (f->ret_type != BVM_TYPE_VOID && f->ret_type != BVM_TYPE_INT))
            error(&c, main_decl->pos, "'main' must be declared as 'void main()' or 'int main()'");
        c.m->entry = main_decl->as.func.index;
    }

    bvm_map_free(&c.top);
    bvm_map_free(&c.local_map);
    free(c.record_type);
    free(c.locals);
    free(c.local_types);
    free(c.loops);
    if (diags->errors != errors_before) {
        bvm_module_free(c.m);
        return NULL;
    }
    return c.m;
}
