/*
 * ast.c -- an S-expression printer for the tree (used by the parser tests
 * and handy in a debugger).  The tree lives in an arena (support/arena.h).
 */
#include "ast.h"

#include <stdlib.h>
#include <string.h>


/* ---- printing ------------------------------------------------------------- */

const char *bvm_binop_text(bvm_binop op)
{
    static const char *const text[] = {
        [BVM_BINOP_ADD] = "+",    [BVM_BINOP_SUB] = "-",    [BVM_BINOP_MUL] = "*",
        [BVM_BINOP_DIV] = "/",    [BVM_BINOP_REM] = "%",    [BVM_BINOP_BITAND] = "&",
        [BVM_BINOP_BITOR] = "|",  [BVM_BINOP_BITXOR] = "^", [BVM_BINOP_SHL] = "<<",
        [BVM_BINOP_SHR] = ">>",   [BVM_BINOP_EQ] = "==",    [BVM_BINOP_NE] = "!=",
        [BVM_BINOP_LT] = "<",     [BVM_BINOP_LE] = "<=",    [BVM_BINOP_GT] = ">",
        [BVM_BINOP_GE] = ">=",    [BVM_BINOP_AND] = "&&",   [BVM_BINOP_OR] = "||",
    };
    return text[op];
}

const char *bvm_unop_text(bvm_unop op)
{
    static const char *const text[] = {[BVM_UNOP_NEG] = "-", [BVM_UNOP_NOT] = "!", [BVM_UNOP_BITNOT] = "~"};
    return text[op];
}

static void print_type(const bvm_type_expr *t, bvm_buf *out)
{
    static const char *const base[] = {
        [BVM_BASE_INT] = "int",       [BVM_BASE_FLOAT] = "float", [BVM_BASE_BOOL] = "bool",
        [BVM_BASE_STRING] = "string", [BVM_BASE_VOID] = "void",   [BVM_BASE_NAMED] = NULL,
    };
    bvm_buf_printf(out, "%s", t->base == BVM_BASE_NAMED ? t->name : base[t->base]);
    for (uint32_t i = 0; i < t->dims; i++)
        bvm_buf_printf(out, "[]");
}

/* A string literal in source syntax, so the output stays on one line. */
static void print_string(bvm_bytes s, bvm_buf *out)
{
    bvm_buf_u8(out, '"');
    for (uint32_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.chars[i];
        if (c == '"' || c == '\\')
            bvm_buf_printf(out, "\\%c", c);
        else if (c == '\n')
            bvm_buf_printf(out, "\\n");
        else if (c < 0x20 || c >= 0x7f)
            bvm_buf_printf(out, "\\x%02x", c);
        else
            bvm_buf_u8(out, c);
    }
    bvm_buf_u8(out, '"');
}

static void print_list(bvm_expr *const *items, uint32_t n, bvm_buf *out)
{
    for (uint32_t i = 0; i < n; i++) {
        bvm_buf_u8(out, ' ');
        bvm_ast_print_expr(items[i], out);
    }
}

void bvm_ast_print_expr(const bvm_expr *e, bvm_buf *out)
{
    switch (e->kind) {
    case BVM_EXPR_INT: bvm_buf_printf(out, "%lld", (long long)e->as.int_value); break;
    case BVM_EXPR_FLOAT: bvm_buf_printf(out, "%.17g", e->as.float_value); break;
    case BVM_EXPR_STRING: print_string(e->as.string, out); break;
    case BVM_EXPR_BOOL: bvm_buf_printf(out, "%s", e->as.bool_value ? "true" : "false"); break;
    case BVM_EXPR_NULL: bvm_buf_printf(out, "null"); break;
    case BVM_EXPR_NAME: bvm_buf_printf(out, "%s", e->as.name.name); break;
    case BVM_EXPR_ERROR: bvm_buf_printf(out, "<error>"); break;
    case BVM_EXPR_UNARY:
        bvm_buf_printf(out, "(%s ", bvm_unop_text(e->as.unary.op));
        bvm_ast_print_expr(e->as.unary.operand, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_EXPR_BINARY:
        bvm_buf_printf(out, "(%s ", bvm_binop_text(e->as.binary.op));
        bvm_ast_print_expr(e->as.binary.left, out);
        bvm_buf_u8(out, ' ');
        bvm_ast_print_expr(e->as.binary.right, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_EXPR_CONDITIONAL:
        bvm_buf_printf(out, "(? ");
        bvm_ast_print_expr(e->as.conditional.cond, out);
        bvm_buf_u8(out, ' ');
        bvm_ast_print_expr(e->as.conditional.then_value, out);
        bvm_buf_u8(out, ' ');
        bvm_ast_print_expr(e->as.conditional.else_value, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_EXPR_CALL:
        bvm_buf_printf(out, "(call %s", e->as.call.name);
        print_list(e->as.call.args, e->as.call.nargs, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_EXPR_INDEX:
        bvm_buf_printf(out, "(index ");
        bvm_ast_print_expr(e->as.index.base, out);
        bvm_buf_u8(out, ' ');
        bvm_ast_print_expr(e->as.index.index, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_EXPR_FIELD:
        bvm_buf_printf(out, "(. ");
        bvm_ast_print_expr(e->as.field.base, out);
        bvm_buf_printf(out, " %s)", e->as.field.name);
        break;
    case BVM_EXPR_NEW_ARRAY:
        bvm_buf_printf(out, "(new-array ");
        print_type(&e->as.new_array.elem, out);
        bvm_buf_u8(out, ' ');
        bvm_ast_print_expr(e->as.new_array.length, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_EXPR_NEW_STRUCT:
        bvm_buf_printf(out, "(new %s", e->as.new_struct.name);
        print_list(e->as.new_struct.args, e->as.new_struct.nargs, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_EXPR_ARRAY:
        bvm_buf_printf(out, "(array");
        print_list(e->as.array.elems, e->as.array.count, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_EXPR_CONVERT:
        bvm_buf_printf(out, "(float ");
        bvm_ast_print_expr(e->as.convert.operand, out);
        bvm_buf_u8(out, ')');
        break;
    }
}

static void print_opt_stmt(const bvm_stmt *s, bvm_buf *out)
{
    bvm_buf_u8(out, ' ');
    if (s)
        bvm_ast_print_stmt(s, out);
    else
        bvm_buf_printf(out, "()");
}

static void print_opt_expr(const bvm_expr *e, bvm_buf *out)
{
    bvm_buf_u8(out, ' ');
    if (e)
        bvm_ast_print_expr(e, out);
    else
        bvm_buf_printf(out, "()");
}

void bvm_ast_print_stmt(const bvm_stmt *s, bvm_buf *out)
{
    switch (s->kind) {
    case BVM_STMT_BLOCK:
        bvm_buf_printf(out, "(block");
        for (uint32_t i = 0; i < s->as.block.count; i++) {
            bvm_buf_u8(out, ' ');
            bvm_ast_print_stmt(s->as.block.stmts[i], out);
        }
        bvm_buf_u8(out, ')');
        break;
    case BVM_STMT_VAR:
        bvm_buf_printf(out, "(var ");
        print_type(&s->as.var.type, out);
        bvm_buf_printf(out, " %s", s->as.var.name);
        if (s->as.var.init) {
            bvm_buf_u8(out, ' ');
            bvm_ast_print_expr(s->as.var.init, out);
        }
        bvm_buf_u8(out, ')');
        break;
    case BVM_STMT_ASSIGN:
        if (s->as.assign.incdec)
            bvm_buf_printf(out, "(%s ", s->as.assign.op == BVM_BINOP_ADD ? "++" : "--");
        else if (s->as.assign.compound)
            bvm_buf_printf(out, "(%s= ", bvm_binop_text(s->as.assign.op));
        else
            bvm_buf_printf(out, "(= ");
        bvm_ast_print_expr(s->as.assign.target, out);
        if (!s->as.assign.incdec) {
            bvm_buf_u8(out, ' ');
            bvm_ast_print_expr(s->as.assign.value, out);
        }
        bvm_buf_u8(out, ')');
        break;
    case BVM_STMT_EXPR: bvm_ast_print_expr(s->as.expr.call, out); break;
    case BVM_STMT_IF:
        bvm_buf_printf(out, "(if ");
        bvm_ast_print_expr(s->as.if_.cond, out);
        bvm_buf_u8(out, ' ');
        bvm_ast_print_stmt(s->as.if_.then_stmt, out);
        if (s->as.if_.else_stmt) {
            bvm_buf_u8(out, ' ');
            bvm_ast_print_stmt(s->as.if_.else_stmt, out);
        }
        bvm_buf_u8(out, ')');
        break;
    case BVM_STMT_WHILE:
        bvm_buf_printf(out, "(while ");
        bvm_ast_print_expr(s->as.loop.cond, out);
        bvm_buf_u8(out, ' ');
        bvm_ast_print_stmt(s->as.loop.body, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_STMT_FOR:
        bvm_buf_printf(out, "(for");
        print_opt_stmt(s->as.loop.init, out);
        print_opt_expr(s->as.loop.cond, out);
        print_opt_stmt(s->as.loop.update, out);
        bvm_buf_u8(out, ' ');
        bvm_ast_print_stmt(s->as.loop.body, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_STMT_BREAK: bvm_buf_printf(out, "(break)"); break;
    case BVM_STMT_CONTINUE: bvm_buf_printf(out, "(continue)"); break;
    case BVM_STMT_RETURN:
        bvm_buf_printf(out, "(return");
        if (s->as.ret.value) {
            bvm_buf_u8(out, ' ');
            bvm_ast_print_expr(s->as.ret.value, out);
        }
        bvm_buf_u8(out, ')');
        break;
    case BVM_STMT_THROW:
        bvm_buf_printf(out, "(throw ");
        bvm_ast_print_expr(s->as.throw_.value, out);
        bvm_buf_u8(out, ')');
        break;
    case BVM_STMT_TRY:
        bvm_buf_printf(out, "(try ");
        bvm_ast_print_stmt(s->as.try_.body, out);
        bvm_buf_printf(out, " %s ", s->as.try_.name);
        bvm_ast_print_stmt(s->as.try_.handler, out);
        bvm_buf_u8(out, ')');
        break;
    }
}

static void print_typed_names(const bvm_typed_name *items, uint32_t n, bvm_buf *out)
{
    bvm_buf_u8(out, '(');
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            bvm_buf_u8(out, ' ');
        bvm_buf_u8(out, '(');
        print_type(&items[i].type, out);
        bvm_buf_printf(out, " %s)", items[i].name);
    }
    bvm_buf_u8(out, ')');
}

void bvm_ast_print_program(const bvm_program *p, bvm_buf *out)
{
    for (uint32_t i = 0; i < p->count; i++) {
        const bvm_decl *d = p->decls[i];
        switch (d->kind) {
        case BVM_DECL_STRUCT:
            bvm_buf_printf(out, "(struct %s ", d->name);
            print_typed_names(d->as.struct_.fields, d->as.struct_.nfields, out);
            bvm_buf_u8(out, ')');
            break;
        case BVM_DECL_GLOBAL:
            bvm_buf_printf(out, "(global ");
            print_type(&d->as.global.type, out);
            bvm_buf_printf(out, " %s", d->name);
            if (d->as.global.init) {
                bvm_buf_u8(out, ' ');
                bvm_ast_print_expr(d->as.global.init, out);
            }
            bvm_buf_u8(out, ')');
            break;
        case BVM_DECL_FUNC:
            bvm_buf_printf(out, "(func ");
            print_type(&d->as.func.ret, out);
            bvm_buf_printf(out, " %s ", d->name);
            print_typed_names(d->as.func.params, d->as.func.nparams, out);
            bvm_buf_u8(out, ' ');
            bvm_ast_print_stmt(d->as.func.body, out);
            bvm_buf_u8(out, ')');
            break;
        }
        bvm_buf_u8(out, '\n');
    }
}
