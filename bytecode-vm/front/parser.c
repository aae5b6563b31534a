/*
 * parser.c -- recursive-descent parser for Vela (see parser.h).
 *
 * Layout: token access and error reporting first, then recovery, then the
 * grammar from the bottom up: types, expressions, statements, declarations.
 * Each grammar function is named after the rule it parses and starts at
 * the rule's first token.
 *
 * Errors come in two strengths:
 *   - syntax errors (syntax_error) put the parser into panic mode, which
 *     silences every further report until a resynchronisation point;
 *   - structural mistakes the parser can see but that leave the tree
 *     well-formed ("statement has no effect", a literal too large) are
 *     reported with soft_error and parsing simply continues.
 * In panic mode no nested statement is started (parse_statement returns
 * NULL), so control unwinds to the innermost block loop, which skips to
 * the next statement boundary.
 */
#include "parser.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const bvm_token *toks;
    size_t pos;              /* the current token; never an ERROR token   */
    size_t prev;             /* the token consumed last                   */
    const char *file;
    bvm_arena *arena;
    bvm_diags *diags;
    bool panic;              /* an error was reported; resync pending     */
    bool fatal;              /* nesting limit hit: parsing has stopped    */
    bool eof_reported;       /* an unclosed '{' was reported at EOF       */
    int depth;               /* current nesting, at most BVM_MAX_NESTING  */
} parser;

/* A list growing by doubling inside the arena (the old copies are simply
 * abandoned: at most as much again as the final list). */
typedef struct {
    void *items;
    uint32_t count, cap;
} list;

static void *list_push(parser *p, list *l, size_t item_size)
{
    if (l->count == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 4;
        void *items = bvm_arena_alloc(p->arena, (size_t)cap * item_size);
        if (l->count)
            memcpy(items, l->items, (size_t)l->count * item_size);
        l->items = items;
        l->cap = cap;
    }
    return (char *)l->items + (size_t)l->count++ * item_size;
}

#define LIST_PUSH_PTR(p, l, ptr) (*(void **)list_push((p), (l), sizeof(void *)) = (ptr))

/* ---- tokens --------------------------------------------------------------- */

static const bvm_token *cur(const parser *p) { return &p->toks[p->pos]; }
static bvm_token_kind cur_kind(const parser *p) { return p->toks[p->pos].kind; }
static const bvm_token *prev_token(const parser *p) { return &p->toks[p->prev]; }

/* Index of the first non-ERROR token at or after i (the list ends with
 * EOF, which is never an ERROR token). */
static size_t skip_error_tokens(const parser *p, size_t i)
{
    while (p->toks[i].kind == BVM_TOK_ERROR)
        i++;
    return i;
}

/* The token n places after the current one (EOF repeats at the end). */
static bvm_token_kind peek_kind(const parser *p, int n)
{
    size_t i = p->pos;
    while (n-- > 0 && p->toks[i].kind != BVM_TOK_EOF)
        i = skip_error_tokens(p, i + 1);
    return p->toks[i].kind;
}

static void advance(parser *p)
{
    if (cur_kind(p) == BVM_TOK_EOF)
        return;
    p->prev = p->pos;
    size_t next = skip_error_tokens(p, p->pos + 1);
    if (next != p->pos + 1)
        p->panic = true; /* the lexer reported those bytes already */
    p->pos = next;
}

static bool match(parser *p, bvm_token_kind kind)
{
    if (cur_kind(p) != kind)
        return false;
    advance(p);
    return true;
}

static bvm_pos pos_of(const bvm_token *t) { return (bvm_pos){t->line, t->col}; }

/* ---- errors --------------------------------------------------------------- */

/* "'while'", "'count'", "end of file"; long tokens are shortened. */
static const char *describe(const bvm_token *t, char *buf, size_t size)
{
    if (t->kind == BVM_TOK_EOF)
        return "end of file";
    if (t->len > 32)
        snprintf(buf, size, "'%.29s...'", t->text);
    else
        snprintf(buf, size, "'%.*s'", (int)t->len, t->text);
    return buf;
}

static void vreport(parser *p, bvm_pos at, const char *fmt, va_list ap)
{
    bvm_diag_vat(p->diags, BVM_DIAG_ERROR, p->file, at.line, at.col, fmt, ap);
}

static void syntax_error(parser *p, bvm_pos at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void syntax_error(parser *p, bvm_pos at, const char *fmt, ...)
{
    if (p->panic || p->fatal)
        return;
    p->panic = true;
    va_list ap;
    va_start(ap, fmt);
    vreport(p, at, fmt, ap);
    va_end(ap);
}

static void soft_error(parser *p, bvm_pos at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void soft_error(parser *p, bvm_pos at, const char *fmt, ...)
{
    if (p->panic || p->fatal)
        return;
    va_list ap;
    va_start(ap, fmt);
    vreport(p, at, fmt, ap);
    va_end(ap);
}

/* "expected WHAT, found TOKEN" at the current token. */
static void error_expected(parser *p, const char *what)
{
    char buf[48];
    syntax_error(p, pos_of(cur(p)), "expected %s, found %s", what, describe(cur(p), buf, sizeof buf));
}

/* The same after an expression, where two mistakes are common enough to
 * deserve their own explanation: assignment and ++ used as expressions. */
static void error_expected_after_expr(parser *p, const char *what)
{
    const bvm_token *t = cur(p);
    if (t->kind == BVM_TOK_EQ)
        syntax_error(p, pos_of(t), "'=' cannot be used inside an expression (assignment is a statement; use '==' to compare)");
    else if (t->kind == BVM_TOK_PLUS_PLUS || t->kind == BVM_TOK_MINUS_MINUS)
        syntax_error(p, pos_of(t), "'%s' cannot be used inside an expression (write it as a statement of its own, as in i%s;)",
                     bvm_token_kind_name(t->kind), bvm_token_kind_name(t->kind));
    else
        error_expected(p, what);
}

static bool expect(parser *p, bvm_token_kind kind, const char *what)
{
    if (match(p, kind))
        return true;
    error_expected(p, what);
    return false;
}

static bool expect_after_expr(parser *p, bvm_token_kind kind, const char *what)
{
    if (match(p, kind))
        return true;
    error_expected_after_expr(p, what);
    return false;
}

/* A missing ';' is reported right after the token it should follow (the
 * next token is often on the next line, which would mislead). */
static void expect_semicolon(parser *p)
{
    if (match(p, BVM_TOK_SEMI))
        return;
    const bvm_token *t = cur(p);
    if (t->kind == BVM_TOK_EQ || t->kind == BVM_TOK_PLUS_PLUS || t->kind == BVM_TOK_MINUS_MINUS) {
        error_expected_after_expr(p, "';'");
        return;
    }
    const bvm_token *before = prev_token(p);
    char buf[48];
    syntax_error(p, (bvm_pos){before->line, before->col + (int)before->len}, "expected ';' after %s",
                 describe(before, buf, sizeof buf));
}

/* At end of file with '{' still open: reported for the innermost one only
 * (the outer ones are unclosed for the same reason). */
static void error_unclosed(parser *p, const bvm_token *open)
{
    if (!p->eof_reported)
        syntax_error(p, pos_of(cur(p)), "expected '}' to close the '{' at line %d, found end of file", open->line);
    p->eof_reported = true;
}

/* ---- nesting -------------------------------------------------------------- */

/* Every recursive rule calls enter() first.  Past the limit, parsing stops:
 * the current token jumps to EOF, so every loop ends and every later
 * expectation fails silently. */
static bool enter(parser *p)
{
    if (p->fatal)
        return false;
    if (p->depth >= BVM_MAX_NESTING) {
        bvm_diag_at(p->diags, BVM_DIAG_ERROR, p->file, cur(p)->line, cur(p)->col,
                    "too deeply nested (the limit is %d levels)", BVM_MAX_NESTING);
        p->fatal = true;
        while (cur_kind(p) != BVM_TOK_EOF)
            p->pos++;
        return false;
    }
    p->depth++;
    return true;
}

static void leave(parser *p) { p->depth--; }

/* ---- resynchronisation ---------------------------------------------------- */

static bool starts_statement_keyword(bvm_token_kind k)
{
    switch (k) {
    case BVM_TOK_IF: case BVM_TOK_WHILE: case BVM_TOK_FOR: case BVM_TOK_RETURN:
    case BVM_TOK_BREAK: case BVM_TOK_CONTINUE: case BVM_TOK_THROW: case BVM_TOK_TRY:
    case BVM_TOK_INT_KW: case BVM_TOK_FLOAT_KW: case BVM_TOK_BOOL: case BVM_TOK_STRING_KW:
    case BVM_TOK_VOID: case BVM_TOK_STRUCT:
        return true;
    default:
        return false;
    }
}

/* Skip to the next statement boundary: just after a ';' or before a '}'
 * or a statement keyword, passing over whole { } groups. */
static void sync_statement(parser *p)
{
    if (p->prev < p->pos && prev_token(p)->kind == BVM_TOK_SEMI) {
        p->panic = false; /* the broken statement ended properly */
        return;
    }
    int braces = 0;
    for (;;) {
        bvm_token_kind k = cur_kind(p);
        if (k == BVM_TOK_EOF)
            break;
        if (braces == 0 && (k == BVM_TOK_RBRACE || starts_statement_keyword(k)))
            break;
        if (k == BVM_TOK_LBRACE)
            braces++;
        else if (k == BVM_TOK_RBRACE)
            braces--;
        advance(p);
        if (k == BVM_TOK_SEMI && braces == 0)
            break;
    }
    p->panic = false;
}

static bool starts_declaration_keyword(bvm_token_kind k)
{
    return k == BVM_TOK_STRUCT || k == BVM_TOK_VOID || k == BVM_TOK_INT_KW || k == BVM_TOK_FLOAT_KW ||
           k == BVM_TOK_BOOL || k == BVM_TOK_STRING_KW;
}

/* Skip to the next top-level declaration: before a keyword that starts
 * one, or just after a ';' or the '}' that closes a body. */
static void sync_declaration(parser *p)
{
    if (p->prev < p->pos && prev_token(p)->kind == BVM_TOK_SEMI) {
        p->panic = false;
        return;
    }
    int braces = 0;
    for (;;) {
        bvm_token_kind k = cur_kind(p);
        if (k == BVM_TOK_EOF || (braces == 0 && starts_declaration_keyword(k)))
            break;
        if (k == BVM_TOK_LBRACE)
            braces++;
        advance(p);
        if (k == BVM_TOK_RBRACE && --braces <= 0)
            break;
        if (k == BVM_TOK_SEMI && braces == 0)
            break;
    }
    p->panic = false;
}

/* The ')' that ends the header of if, while, for, catch or a parameter
 * list.  When it is missing or the header had an error, skip to the
 * matching ')' -- or to the '{' of the body -- and go on from there, so a
 * mistake in a condition costs one message and the body is still checked.
 * A ';' ends the search, except in a for header, which contains two. */
static void end_header(parser *p, const char *what, bool after_expr, bool in_for)
{
    if (match(p, BVM_TOK_RPAREN)) {
        p->panic = false;
        return;
    }
    if (after_expr)
        error_expected_after_expr(p, what);
    else
        error_expected(p, what);
    int parens = 0;
    for (;;) {
        bvm_token_kind k = cur_kind(p);
        if (k == BVM_TOK_EOF || (k == BVM_TOK_SEMI && !in_for) || k == BVM_TOK_RBRACE)
            return; /* not repaired: the enclosing block resynchronises */
        if (k == BVM_TOK_LBRACE) {
            p->panic = false;
            return;
        }
        if (k == BVM_TOK_LPAREN)
            parens++;
        advance(p);
        if (k == BVM_TOK_RPAREN && parens-- == 0) {
            p->panic = false;
            return;
        }
    }
}

/* ---- node construction ---------------------------------------------------- */

static bvm_expr *new_expr(parser *p, bvm_expr_kind kind, bvm_pos pos)
{
    bvm_expr *e = bvm_arena_alloc(p->arena, sizeof *e);
    e->kind = kind;
    e->pos = pos;
    e->height = 1;
    return e;
}

static bvm_expr *error_expr(parser *p) { return new_expr(p, BVM_EXPR_ERROR, pos_of(cur(p))); }

/* Account for a child in the parent's height, enforcing the limit. */
static void add_child(parser *p, bvm_expr *parent, const bvm_expr *child)
{
    if (child->height < parent->height)
        return;
    if (child->height >= BVM_MAX_EXPR_HEIGHT) {
        syntax_error(p, parent->pos, "expression is too complex (more than %d operations deep)", BVM_MAX_EXPR_HEIGHT);
        parent->height = BVM_MAX_EXPR_HEIGHT;
        return;
    }
    parent->height = (uint16_t)(child->height + 1);
}

static bvm_stmt *new_stmt(parser *p, bvm_stmt_kind kind, bvm_pos pos)
{
    bvm_stmt *s = bvm_arena_alloc(p->arena, sizeof *s);
    s->kind = kind;
    s->pos = pos;
    return s;
}

static bvm_stmt *empty_block(parser *p)
{
    bvm_stmt *s = new_stmt(p, BVM_STMT_BLOCK, pos_of(cur(p)));
    s->as.block.end = s->pos;
    return s;
}

static const char *copy_name(parser *p, const bvm_token *t) { return bvm_arena_strndup(p->arena, t->text, t->len); }

/* ---- types ---------------------------------------------------------------- */

static bool is_type_keyword(bvm_token_kind k)
{
    return k == BVM_TOK_INT_KW || k == BVM_TOK_FLOAT_KW || k == BVM_TOK_BOOL || k == BVM_TOK_STRING_KW;
}

/* The base of a type (int, float, bool, string or a struct name). */
static bool parse_base_type(parser *p, bvm_type_expr *out, const char *what)
{
    const bvm_token *t = cur(p);
    memset(out, 0, sizeof *out);
    out->pos = pos_of(t);
    switch (t->kind) {
    case BVM_TOK_INT_KW: out->base = BVM_BASE_INT; break;
    case BVM_TOK_FLOAT_KW: out->base = BVM_BASE_FLOAT; break;
    case BVM_TOK_BOOL: out->base = BVM_BASE_BOOL; break;
    case BVM_TOK_STRING_KW: out->base = BVM_BASE_STRING; break;
    case BVM_TOK_IDENT:
        out->base = BVM_BASE_NAMED;
        out->name = copy_name(p, t);
        break;
    case BVM_TOK_VOID:
        syntax_error(p, pos_of(t), "'void' is only allowed as a function's return type");
        return false;
    default:
        error_expected(p, what);
        return false;
    }
    advance(p);
    return true;
}

/* One "[]" more on a type, with the dimension limit. */
static bool add_dimension(parser *p, bvm_type_expr *t, bvm_pos at)
{
    if (t->dims >= BVM_MAX_ARRAY_DIMS) {
        syntax_error(p, at, "too many array dimensions (the limit is %d)", BVM_MAX_ARRAY_DIMS);
        return false;
    }
    t->dims++;
    return true;
}

/* type = ( "int" | "float" | "bool" | "string" | IDENT ) { "[" "]" } */
static bool parse_type(parser *p, bvm_type_expr *out)
{
    if (!parse_base_type(p, out, "a type"))
        return false;
    while (cur_kind(p) == BVM_TOK_LBRACKET) {
        bvm_pos at = pos_of(cur(p));
        if (peek_kind(p, 1) != BVM_TOK_RBRACKET) {
            advance(p);
            syntax_error(p, pos_of(cur(p)),
                         "an array type has no length: write int[] a = new int[n] to create one");
            return false;
        }
        advance(p);
        advance(p);
        if (!add_dimension(p, out, at))
            return false;
    }
    return true;
}

/* ---- expressions ---------------------------------------------------------- */

static bvm_expr *parse_expression(parser *p);

/* "(" [ expr { "," expr } ] ")" after the '(' was consumed. */
static bvm_expr **parse_arguments(parser *p, bvm_expr *node, uint32_t *count)
{
    list args = {0};
    if (cur_kind(p) != BVM_TOK_RPAREN) {
        do {
            bvm_expr *arg = parse_expression(p);
            add_child(p, node, arg);
            LIST_PUSH_PTR(p, &args, arg);
        } while (match(p, BVM_TOK_COMMA));
    }
    expect_after_expr(p, BVM_TOK_RPAREN, "',' or ')'");
    *count = args.count;
    return args.items;
}

/* new_expr = "new" IDENT "(" [ args ] ")"
 *          | "new" base_type "[" expr "]" { "[" "]" } */
static bvm_expr *parse_new(parser *p)
{
    bvm_pos at = pos_of(cur(p));
    advance(p); /* new */
    bvm_type_expr elem;
    const bvm_token *name = cur(p);
    if (name->kind == BVM_TOK_VOID || !(is_type_keyword(name->kind) || name->kind == BVM_TOK_IDENT)) {
        error_expected(p, "a type after 'new'");
        return error_expr(p);
    }
    parse_base_type(p, &elem, "a type");
    if (name->kind == BVM_TOK_IDENT && cur_kind(p) == BVM_TOK_LPAREN) {
        advance(p);
        bvm_expr *e = new_expr(p, BVM_EXPR_NEW_STRUCT, at);
        e->as.new_struct.name = elem.name;
        e->as.new_struct.name_pos = elem.pos;
        e->as.new_struct.args = parse_arguments(p, e, &e->as.new_struct.nargs);
        return e;
    }
    if (cur_kind(p) != BVM_TOK_LBRACKET) {
        syntax_error(p, pos_of(cur(p)),
                     "'new' needs an array length or constructor arguments, as in new int[n] or new Node(...)");
        return error_expr(p);
    }
    advance(p);
    bvm_expr *e = new_expr(p, BVM_EXPR_NEW_ARRAY, at);
    e->as.new_array.length = parse_expression(p);
    add_child(p, e, e->as.new_array.length);
    expect_after_expr(p, BVM_TOK_RBRACKET, "']'");
    while (cur_kind(p) == BVM_TOK_LBRACKET) {
        bvm_pos bracket = pos_of(cur(p));
        if (peek_kind(p, 1) != BVM_TOK_RBRACKET) {
            syntax_error(p, bracket,
                         "only the first dimension of 'new' can have a length (write new int[n][] and create each row)");
            return e;
        }
        advance(p);
        advance(p);
        if (!add_dimension(p, &elem, bracket))
            return e;
    }
    e->as.new_array.elem = elem;
    return e;
}

/* primary = INT | FLOAT | STRING | CHAR | "true" | "false" | "null"
 *         | IDENT [ "(" [ args ] ")" ] | ( "int" | "float" ) "(" args ")"
 *         | "(" expr ")" | new_expr | "[" expr { "," expr } "]" */
static bvm_expr *parse_primary(parser *p)
{
    const bvm_token *t = cur(p);
    bvm_pos at = pos_of(t);
    bvm_expr *e;
    switch (t->kind) {
    case BVM_TOK_INT:
        e = new_expr(p, BVM_EXPR_INT, at);
        if (t->decimal && t->as.int_value > (uint64_t)INT64_MAX)
            soft_error(p, at, "integer literal %.*s is too large (the largest int is 9223372036854775807)",
                       (int)t->len, t->text);
        else
            e->as.int_value = (int64_t)t->as.int_value;
        advance(p);
        return e;
    case BVM_TOK_FLOAT:
        e = new_expr(p, BVM_EXPR_FLOAT, at);
        e->as.float_value = t->as.float_value;
        advance(p);
        return e;
    case BVM_TOK_STRING:
        e = new_expr(p, BVM_EXPR_STRING, at);
        e->as.string = t->as.string;
        advance(p);
        return e;
    case BVM_TOK_TRUE:
    case BVM_TOK_FALSE:
        e = new_expr(p, BVM_EXPR_BOOL, at);
        e->as.bool_value = t->kind == BVM_TOK_TRUE;
        advance(p);
        return e;
    case BVM_TOK_NULL:
        advance(p);
        return new_expr(p, BVM_EXPR_NULL, at);
    case BVM_TOK_INT_KW:
    case BVM_TOK_FLOAT_KW:
    case BVM_TOK_IDENT:
        if (t->kind != BVM_TOK_IDENT && peek_kind(p, 1) != BVM_TOK_LPAREN)
            break; /* a type where an expression belongs */
        advance(p);
        if (match(p, BVM_TOK_LPAREN)) {
            e = new_expr(p, BVM_EXPR_CALL, at);
            e->as.call.name = copy_name(p, t);
            e->as.call.args = parse_arguments(p, e, &e->as.call.nargs);
            return e;
        }
        e = new_expr(p, BVM_EXPR_NAME, at);
        e->as.name.name = copy_name(p, t);
        return e;
    case BVM_TOK_LPAREN:
        advance(p);
        e = parse_expression(p);
        expect_after_expr(p, BVM_TOK_RPAREN, "')'");
        return e;
    case BVM_TOK_NEW:
        return parse_new(p);
    case BVM_TOK_LBRACKET: {
        advance(p);
        if (match(p, BVM_TOK_RBRACKET)) {
            soft_error(p, at, "empty array literal (use new T[0] for an empty array)");
            return new_expr(p, BVM_EXPR_ERROR, at);
        }
        e = new_expr(p, BVM_EXPR_ARRAY, at);
        list elems = {0};
        do {
            bvm_expr *elem = parse_expression(p);
            add_child(p, e, elem);
            LIST_PUSH_PTR(p, &elems, elem);
        } while (match(p, BVM_TOK_COMMA));
        expect_after_expr(p, BVM_TOK_RBRACKET, "',' or ']'");
        e->as.array.elems = elems.items;
        e->as.array.count = elems.count;
        return e;
    }
    case BVM_TOK_LBRACE:
        syntax_error(p, at, "array literals are written with [ ] in Vela, as in [1, 2, 3]");
        return error_expr(p);
    default:
        break;
    }
    error_expected_after_expr(p, "an expression");
    return error_expr(p);
}

/* postfix = primary { "[" expr "]" | "." IDENT } */
static bvm_expr *parse_postfix_operators(parser *p, bvm_expr *e)
{
    for (;;) {
        const bvm_token *t = cur(p);
        if (t->kind == BVM_TOK_LBRACKET) {
            advance(p);
            bvm_expr *index = new_expr(p, BVM_EXPR_INDEX, pos_of(t));
            index->as.index.base = e;
            index->as.index.index = parse_expression(p);
            add_child(p, index, e);
            add_child(p, index, index->as.index.index);
            expect_after_expr(p, BVM_TOK_RBRACKET, "']'");
            e = index;
        } else if (t->kind == BVM_TOK_DOT) {
            advance(p);
            const bvm_token *name = cur(p);
            if (!expect(p, BVM_TOK_IDENT, "a field name after '.'"))
                return e;
            bvm_expr *field = new_expr(p, BVM_EXPR_FIELD, pos_of(name));
            field->as.field.base = e;
            field->as.field.name = copy_name(p, name);
            add_child(p, field, e);
            e = field;
        } else if (t->kind == BVM_TOK_LPAREN) {
            syntax_error(p, pos_of(t), "only a function name can be called");
            return e;
        } else {
            return e;
        }
    }
}

/* unary = ( "-" | "!" | "~" ) unary | postfix
 * A minus directly before a number literal is part of the literal, which
 * is what makes -9223372036854775808 expressible. */
static bvm_expr *parse_unary(parser *p)
{
    const bvm_token *t = cur(p);
    bvm_unop op;
    switch (t->kind) {
    case BVM_TOK_MINUS: op = BVM_UNOP_NEG; break;
    case BVM_TOK_BANG: op = BVM_UNOP_NOT; break;
    case BVM_TOK_TILDE: op = BVM_UNOP_BITNOT; break;
    default: return parse_postfix_operators(p, parse_primary(p));
    }
    if (op == BVM_UNOP_NEG && (peek_kind(p, 1) == BVM_TOK_INT || peek_kind(p, 1) == BVM_TOK_FLOAT)) {
        advance(p);
        const bvm_token *lit = cur(p);
        bvm_expr *e;
        if (lit->kind == BVM_TOK_INT) {
            /* the lexer admits decimal magnitudes up to 2^63, whose
             * negation wraps to INT64_MIN exactly */
            e = new_expr(p, BVM_EXPR_INT, pos_of(t));
            e->as.int_value = (int64_t)(0 - lit->as.int_value);
        } else {
            e = new_expr(p, BVM_EXPR_FLOAT, pos_of(t));
            e->as.float_value = -lit->as.float_value;
        }
        advance(p);
        return parse_postfix_operators(p, e);
    }
    if (!enter(p))
        return error_expr(p);
    advance(p);
    bvm_expr *e = new_expr(p, BVM_EXPR_UNARY, pos_of(t));
    e->as.unary.op = op;
    e->as.unary.operand = parse_unary(p);
    add_child(p, e, e->as.unary.operand);
    leave(p);
    return e;
}

/* Binary operators by precedence, lowest first; 0 = not a binary operator. */
static int binary_precedence(bvm_token_kind k, bvm_binop *op)
{
    switch (k) {
    case BVM_TOK_OR_OR: *op = BVM_BINOP_OR; return 1;
    case BVM_TOK_AND_AND: *op = BVM_BINOP_AND; return 2;
    case BVM_TOK_PIPE: *op = BVM_BINOP_BITOR; return 3;
    case BVM_TOK_CARET: *op = BVM_BINOP_BITXOR; return 4;
    case BVM_TOK_AMP: *op = BVM_BINOP_BITAND; return 5;
    case BVM_TOK_EQ_EQ: *op = BVM_BINOP_EQ; return 6;
    case BVM_TOK_BANG_EQ: *op = BVM_BINOP_NE; return 6;
    case BVM_TOK_LT: *op = BVM_BINOP_LT; return 7;
    case BVM_TOK_LT_EQ: *op = BVM_BINOP_LE; return 7;
    case BVM_TOK_GT: *op = BVM_BINOP_GT; return 7;
    case BVM_TOK_GT_EQ: *op = BVM_BINOP_GE; return 7;
    case BVM_TOK_SHL: *op = BVM_BINOP_SHL; return 8;
    case BVM_TOK_SHR: *op = BVM_BINOP_SHR; return 8;
    case BVM_TOK_PLUS: *op = BVM_BINOP_ADD; return 9;
    case BVM_TOK_MINUS: *op = BVM_BINOP_SUB; return 9;
    case BVM_TOK_STAR: *op = BVM_BINOP_MUL; return 10;
    case BVM_TOK_SLASH: *op = BVM_BINOP_DIV; return 10;
    case BVM_TOK_PERCENT: *op = BVM_BINOP_REM; return 10;
    default: return 0;
    }
}

/* Precedence climbing: operators of precedence >= min_prec, all left-
 * associative.  Recursion depth is bounded by the number of levels. */
static bvm_expr *parse_binary(parser *p, int min_prec)
{
    bvm_expr *left = parse_unary(p);
    for (;;) {
        bvm_binop op;
        int prec = binary_precedence(cur_kind(p), &op);
        if (prec < min_prec || prec == 0)
            return left;
        bvm_pos at = pos_of(cur(p));
        advance(p);
        bvm_expr *right = parse_binary(p, prec + 1);
        bvm_expr *e = new_expr(p, BVM_EXPR_BINARY, at);
        e->as.binary.op = op;
        e->as.binary.left = left;
        e->as.binary.right = right;
        add_child(p, e, left);
        add_child(p, e, right);
        left = e;
    }
}

/* conditional = or_expr [ "?" expr ":" conditional ] */
static bvm_expr *parse_conditional(parser *p)
{
    bvm_expr *cond = parse_binary(p, 1);
    if (cur_kind(p) != BVM_TOK_QUESTION)
        return cond;
    bvm_expr *e = new_expr(p, BVM_EXPR_CONDITIONAL, pos_of(cur(p)));
    advance(p);
    e->as.conditional.cond = cond;
    e->as.conditional.then_value = parse_expression(p);
    expect_after_expr(p, BVM_TOK_COLON, "':' in the conditional expression");
    if (enter(p)) {
        e->as.conditional.else_value = parse_conditional(p);
        leave(p);
    } else {
        e->as.conditional.else_value = error_expr(p);
    }
    add_child(p, e, cond);
    add_child(p, e, e->as.conditional.then_value);
    add_child(p, e, e->as.conditional.else_value);
    return e;
}

/* expr = conditional */
static bvm_expr *parse_expression(parser *p)
{
    if (!enter(p))
        return error_expr(p);
    bvm_expr *e = parse_conditional(p);
    leave(p);
    return e;
}

/* ---- statements ----------------------------------------------------------- */

static bvm_stmt *parse_statement(parser *p);
static bvm_stmt *parse_block(parser *p);

/* Does a local variable declaration start here?  "int x", "Node n",
 * "Node[] a", but not "int(x)" (a conversion) or "a[i]" (an element). */
static bool at_declaration(const parser *p)
{
    switch (cur_kind(p)) {
    case BVM_TOK_INT_KW:
    case BVM_TOK_FLOAT_KW:
        return peek_kind(p, 1) != BVM_TOK_LPAREN;
    case BVM_TOK_BOOL:
    case BVM_TOK_STRING_KW:
        return true;
    case BVM_TOK_IDENT:
        return peek_kind(p, 1) == BVM_TOK_IDENT ||
               (peek_kind(p, 1) == BVM_TOK_LBRACKET && peek_kind(p, 2) == BVM_TOK_RBRACKET);
    default:
        return false;
    }
}

/* Skip a balanced group starting at the current token, the opener. */
static void skip_group(parser *p, bvm_token_kind open, bvm_token_kind close)
{
    int depth = 0;
    do {
        if (cur_kind(p) == open)
            depth++;
        else if (cur_kind(p) == close)
            depth--;
        advance(p);
    } while (depth > 0 && cur_kind(p) != BVM_TOK_EOF);
}

/* Pass over a function written inside another one (its parameters and
 * body), so that its inside is not mistaken for statements. */
static void skip_nested_function(parser *p)
{
    skip_group(p, BVM_TOK_LPAREN, BVM_TOK_RPAREN);
    if (cur_kind(p) == BVM_TOK_LBRACE)
        skip_group(p, BVM_TOK_LBRACE, BVM_TOK_RBRACE);
    p->panic = false; /* at a statement boundary again */
}

/* var_decl = type IDENT [ "=" expr ]   (the ';' is the caller's)
 * Returns NULL after a function declared inside a function (reported and
 * skipped whole, with no ';' to expect). */
static bvm_stmt *parse_var_decl(parser *p)
{
    bvm_stmt *s = new_stmt(p, BVM_STMT_VAR, pos_of(cur(p)));
    if (!parse_type(p, &s->as.var.type))
        return s;
    const bvm_token *name = cur(p);
    if (!expect(p, BVM_TOK_IDENT, "a variable name"))
        return s;
    s->pos = pos_of(name);
    s->as.var.name = copy_name(p, name);
    if (cur_kind(p) == BVM_TOK_LPAREN) {
        syntax_error(p, pos_of(name), "functions can only be declared at the top level, not inside another function");
        skip_nested_function(p);
        return NULL;
    }
    if (match(p, BVM_TOK_EQ))
        s->as.var.init = parse_expression(p);
    return s;
}

static bool is_assignable(const bvm_expr *e)
{
    return e->kind == BVM_EXPR_NAME || e->kind == BVM_EXPR_INDEX || e->kind == BVM_EXPR_FIELD;
}

/* Compound assignment operator of a token, or false. */
static bool compound_operator(bvm_token_kind k, bvm_binop *op)
{
    switch (k) {
    case BVM_TOK_PLUS_EQ: *op = BVM_BINOP_ADD; return true;
    case BVM_TOK_MINUS_EQ: *op = BVM_BINOP_SUB; return true;
    case BVM_TOK_STAR_EQ: *op = BVM_BINOP_MUL; return true;
    case BVM_TOK_SLASH_EQ: *op = BVM_BINOP_DIV; return true;
    case BVM_TOK_PERCENT_EQ: *op = BVM_BINOP_REM; return true;
    case BVM_TOK_AMP_EQ: *op = BVM_BINOP_BITAND; return true;
    case BVM_TOK_PIPE_EQ: *op = BVM_BINOP_BITOR; return true;
    case BVM_TOK_CARET_EQ: *op = BVM_BINOP_BITXOR; return true;
    case BVM_TOK_SHL_EQ: *op = BVM_BINOP_SHL; return true;
    case BVM_TOK_SHR_EQ: *op = BVM_BINOP_SHR; return true;
    default: return false;
    }
}

/* simple = lvalue "=" expr | lvalue OP= expr | lvalue "++" | lvalue "--"
 *        | call   (the ';' is the caller's) */
static bvm_stmt *parse_simple(parser *p)
{
    bvm_pos at = pos_of(cur(p));
    bvm_expr *target = parse_expression(p);
    const bvm_token *t = cur(p);
    bvm_binop op = BVM_BINOP_ADD;
    bool compound = compound_operator(t->kind, &op);
    bool incdec = t->kind == BVM_TOK_PLUS_PLUS || t->kind == BVM_TOK_MINUS_MINUS;
    if (t->kind == BVM_TOK_EQ || compound || incdec) {
        if (!is_assignable(target) && target->kind != BVM_EXPR_ERROR)
            soft_error(p, at, "cannot assign to this expression (only a variable, an array element or a field can be assigned)");
        advance(p);
        bvm_stmt *s = new_stmt(p, BVM_STMT_ASSIGN, at);
        s->as.assign.target = target;
        s->as.assign.compound = compound || incdec;
        s->as.assign.incdec = incdec;
        if (incdec) {
            s->as.assign.op = t->kind == BVM_TOK_PLUS_PLUS ? BVM_BINOP_ADD : BVM_BINOP_SUB;
            s->as.assign.value = new_expr(p, BVM_EXPR_INT, pos_of(t));
            s->as.assign.value->as.int_value = 1;
        } else {
            s->as.assign.op = op;
            s->as.assign.value = parse_expression(p);
        }
        return s;
    }
    if (target->kind != BVM_EXPR_CALL) {
        if (target->kind != BVM_EXPR_ERROR)
            soft_error(p, at, "statement has no effect");
        return NULL;
    }
    bvm_stmt *s = new_stmt(p, BVM_STMT_EXPR, at);
    s->as.expr.call = target;
    return s;
}

/* The body of if, while, for: any statement (an empty block if it did not
 * parse, so the tree stays complete). */
static bvm_stmt *parse_body(parser *p)
{
    bvm_stmt *s = parse_statement(p);
    return s ? s : empty_block(p);
}

static bvm_stmt *parse_if(parser *p)
{
    bvm_stmt *s = new_stmt(p, BVM_STMT_IF, pos_of(cur(p)));
    advance(p);
    expect(p, BVM_TOK_LPAREN, "'(' after 'if'");
    s->as.if_.cond = parse_expression(p);
    end_header(p, "')'", true, false);
    s->as.if_.then_stmt = parse_body(p);
    if (match(p, BVM_TOK_ELSE))
        s->as.if_.else_stmt = parse_body(p);
    return s;
}

static bvm_stmt *parse_while(parser *p)
{
    bvm_stmt *s = new_stmt(p, BVM_STMT_WHILE, pos_of(cur(p)));
    advance(p);
    expect(p, BVM_TOK_LPAREN, "'(' after 'while'");
    s->as.loop.cond = parse_expression(p);
    end_header(p, "')'", true, false);
    s->as.loop.body = parse_body(p);
    return s;
}

/* "for" "(" [ for_init ] ";" [ expr ] ";" [ simple ] ")" statement */
static bvm_stmt *parse_for(parser *p)
{
    bvm_stmt *s = new_stmt(p, BVM_STMT_FOR, pos_of(cur(p)));
    advance(p);
    expect(p, BVM_TOK_LPAREN, "'(' after 'for'");
    if (cur_kind(p) != BVM_TOK_SEMI)
        s->as.loop.init = at_declaration(p) ? parse_var_decl(p) : parse_simple(p);
    expect_after_expr(p, BVM_TOK_SEMI, "';' in the for header");
    if (cur_kind(p) != BVM_TOK_SEMI)
        s->as.loop.cond = parse_expression(p);
    expect_after_expr(p, BVM_TOK_SEMI, "';' in the for header");
    if (cur_kind(p) != BVM_TOK_RPAREN)
        s->as.loop.update = parse_simple(p);
    end_header(p, "')'", true, true);
    s->as.loop.body = parse_body(p);
    return s;
}

/* "try" block "catch" "(" IDENT ")" block */
static bvm_stmt *parse_try(parser *p)
{
    bvm_stmt *s = new_stmt(p, BVM_STMT_TRY, pos_of(cur(p)));
    advance(p);
    s->as.try_.body = parse_block(p);
    s->as.try_.handler = empty_block(p);
    s->as.try_.name = "";
    if (!expect(p, BVM_TOK_CATCH, "'catch' after the try block"))
        return s;
    expect(p, BVM_TOK_LPAREN, "'(' after 'catch'");
    const bvm_token *name = cur(p);
    if (expect(p, BVM_TOK_IDENT, "a variable name")) {
        s->as.try_.name = copy_name(p, name);
        s->as.try_.name_pos = pos_of(name);
    }
    end_header(p, "')'", false, false);
    s->as.try_.handler = parse_block(p);
    return s;
}

static bvm_stmt *parse_statement_inner(parser *p)
{
    const bvm_token *t = cur(p);
    bvm_stmt *s;
    switch (t->kind) {
    case BVM_TOK_LBRACE:
        return parse_block(p);
    case BVM_TOK_IF:
        return parse_if(p);
    case BVM_TOK_WHILE:
        return parse_while(p);
    case BVM_TOK_FOR:
        return parse_for(p);
    case BVM_TOK_TRY:
        return parse_try(p);
    case BVM_TOK_BREAK:
    case BVM_TOK_CONTINUE:
        s = new_stmt(p, t->kind == BVM_TOK_BREAK ? BVM_STMT_BREAK : BVM_STMT_CONTINUE, pos_of(t));
        advance(p);
        expect_semicolon(p);
        return s;
    case BVM_TOK_RETURN:
        s = new_stmt(p, BVM_STMT_RETURN, pos_of(t));
        advance(p);
        if (cur_kind(p) != BVM_TOK_SEMI && cur_kind(p) != BVM_TOK_RBRACE)
            s->as.ret.value = parse_expression(p);
        expect_semicolon(p);
        return s;
    case BVM_TOK_THROW:
        s = new_stmt(p, BVM_STMT_THROW, pos_of(t));
        advance(p);
        s->as.throw_.value = parse_expression(p);
        expect_semicolon(p);
        return s;
    case BVM_TOK_SEMI:
        soft_error(p, pos_of(t), "empty statement ';' is not allowed (use {} for an empty body)");
        advance(p);
        return NULL;
    case BVM_TOK_ELSE:
        syntax_error(p, pos_of(t), "'else' without a matching 'if'");
        advance(p);
        return NULL;
    case BVM_TOK_CATCH:
        syntax_error(p, pos_of(t), "'catch' without a matching 'try'");
        advance(p);
        return NULL;
    case BVM_TOK_VOID:
        syntax_error(p, pos_of(t), "'void' is only allowed as a function's return type");
        return NULL;
    case BVM_TOK_STRUCT:
        syntax_error(p, pos_of(t), "structs can only be declared at the top level");
        return NULL;
    default:
        break;
    }
    if (at_declaration(p)) {
        s = parse_var_decl(p);
        if (!s)
            return NULL; /* a nested function, skipped */
    } else {
        s = parse_simple(p);
    }
    expect_semicolon(p);
    return s;
}

/* Returns NULL for nothing to add (an error, or a stray ';').  In panic
 * mode it parses nothing and leaves the tokens to the caller's resync. */
static bvm_stmt *parse_statement(parser *p)
{
    if (p->panic || !enter(p))
        return NULL;
    bvm_stmt *s = parse_statement_inner(p);
    leave(p);
    return s;
}

/* block = "{" { statement } "}" */
static bvm_stmt *parse_block(parser *p)
{
    const bvm_token *open = cur(p);
    bvm_stmt *b = new_stmt(p, BVM_STMT_BLOCK, pos_of(open));
    b->as.block.end = b->pos;
    if (p->panic || !expect(p, BVM_TOK_LBRACE, "'{'"))
        return b;
    list stmts = {0};
    while (cur_kind(p) != BVM_TOK_RBRACE && cur_kind(p) != BVM_TOK_EOF) {
        size_t before = p->pos;
        bvm_stmt *s = parse_statement(p);
        if (s)
            LIST_PUSH_PTR(p, &stmts, s);
        if (p->panic) {
            if (p->pos == before)
                advance(p); /* always make progress */
            sync_statement(p);
        }
    }
    b->as.block.stmts = stmts.items;
    b->as.block.count = stmts.count;
    b->as.block.end = pos_of(cur(p));
    if (!match(p, BVM_TOK_RBRACE))
        error_unclosed(p, open);
    return b;
}

/* ---- declarations --------------------------------------------------------- */

static bvm_decl *new_decl(parser *p, bvm_decl_kind kind, const bvm_token *name)
{
    bvm_decl *d = bvm_arena_alloc(p->arena, sizeof *d);
    d->kind = kind;
    d->pos = pos_of(name);
    d->name = copy_name(p, name);
    return d;
}

/* struct_decl = "struct" IDENT "{" { type IDENT ";" } "}" [ ";" ] */
static bvm_decl *parse_struct(parser *p)
{
    advance(p); /* struct */
    const bvm_token *name = cur(p);
    if (!expect(p, BVM_TOK_IDENT, "a struct name after 'struct'"))
        return NULL;
    bvm_decl *d = new_decl(p, BVM_DECL_STRUCT, name);
    const bvm_token *open = cur(p);
    if (!expect(p, BVM_TOK_LBRACE, "'{' after the struct name"))
        return d;
    list fields = {0};
    while (cur_kind(p) != BVM_TOK_RBRACE && cur_kind(p) != BVM_TOK_EOF) {
        size_t before = p->pos;
        bvm_typed_name field;
        if (parse_type(p, &field.type)) {
            const bvm_token *fname = cur(p);
            if (expect(p, BVM_TOK_IDENT, "a field name")) {
                field.name = copy_name(p, fname);
                field.pos = pos_of(fname);
                *(bvm_typed_name *)list_push(p, &fields, sizeof field) = field;
                if (cur_kind(p) == BVM_TOK_EQ)
                    syntax_error(p, pos_of(cur(p)), "struct fields cannot have initializers (every field starts at its zero value)");
                else
                    expect_semicolon(p);
            }
        }
        if (p->panic) {
            /* skip to the end of this field */
            if (p->pos == before)
                advance(p);
            while (cur_kind(p) != BVM_TOK_EOF && cur_kind(p) != BVM_TOK_RBRACE && !match(p, BVM_TOK_SEMI))
                advance(p);
            p->panic = false;
        }
    }
    d->as.struct_.fields = fields.items;
    d->as.struct_.nfields = fields.count;
    if (!match(p, BVM_TOK_RBRACE))
        error_unclosed(p, open);
    match(p, BVM_TOK_SEMI); /* C habit: allowed */
    return d;
}

/* params = param { "," param }, param = type IDENT; after the '('. */
static void parse_parameters(parser *p, bvm_decl *d)
{
    list params = {0};
    if (cur_kind(p) != BVM_TOK_RPAREN) {
        do {
            bvm_typed_name param;
            if (!parse_type(p, &param.type))
                break;
            const bvm_token *name = cur(p);
            if (!expect(p, BVM_TOK_IDENT, "a parameter name"))
                break;
            param.name = copy_name(p, name);
            param.pos = pos_of(name);
            *(bvm_typed_name *)list_push(p, &params, sizeof param) = param;
        } while (match(p, BVM_TOK_COMMA));
    }
    d->as.func.params = params.items;
    d->as.func.nparams = params.count;
    end_header(p, "',' or ')'", false, false);
}

/* Does the top level hold a statement here (a common beginner's mistake)? */
static bool at_stray_statement(const parser *p)
{
    bvm_token_kind k = cur_kind(p);
    if (k == BVM_TOK_IF || k == BVM_TOK_WHILE || k == BVM_TOK_FOR || k == BVM_TOK_RETURN ||
        k == BVM_TOK_BREAK || k == BVM_TOK_CONTINUE || k == BVM_TOK_THROW || k == BVM_TOK_TRY ||
        k == BVM_TOK_LBRACE)
        return true;
    if (k != BVM_TOK_IDENT)
        return false;
    bvm_binop op;
    bvm_token_kind next = peek_kind(p, 1);
    return next == BVM_TOK_LPAREN || next == BVM_TOK_EQ || next == BVM_TOK_DOT || next == BVM_TOK_PLUS_PLUS ||
           next == BVM_TOK_MINUS_MINUS || compound_operator(next, &op) ||
           (next == BVM_TOK_LBRACKET && peek_kind(p, 2) != BVM_TOK_RBRACKET);
}

/* global_decl = type IDENT [ "=" expr ] ";"
 * func_decl   = ( type | "void" ) IDENT "(" [ params ] ")" block */
static bvm_decl *parse_declaration(parser *p)
{
    const bvm_token *t = cur(p);
    if (t->kind == BVM_TOK_STRUCT)
        return parse_struct(p);
    if (at_stray_statement(p)) {
        syntax_error(p, pos_of(t), "statements can only appear inside a function (the program starts in main)");
        return NULL;
    }
    if (t->kind != BVM_TOK_VOID && !is_type_keyword(t->kind) && t->kind != BVM_TOK_IDENT) {
        error_expected(p, "a declaration (a struct, a function or a global variable)");
        return NULL;
    }
    bvm_type_expr type;
    if (t->kind == BVM_TOK_VOID) {
        memset(&type, 0, sizeof type);
        type.pos = pos_of(t);
        type.base = BVM_BASE_VOID;
        advance(p);
    } else if (!parse_type(p, &type)) {
        return NULL;
    }
    const bvm_token *name = cur(p);
    if (!expect(p, BVM_TOK_IDENT, "a name for the function or global variable"))
        return NULL;
    if (match(p, BVM_TOK_LPAREN)) {
        bvm_decl *d = new_decl(p, BVM_DECL_FUNC, name);
        d->as.func.ret = type;
        parse_parameters(p, d);
        if (cur_kind(p) == BVM_TOK_SEMI) {
            syntax_error(p, pos_of(cur(p)),
                         "a function needs a body (Vela has no prototypes: functions can be used before their declaration)");
            d->as.func.body = empty_block(p);
            return d;
        }
        d->as.func.body = parse_block(p);
        return d;
    }
    if (type.base == BVM_BASE_VOID) {
        syntax_error(p, type.pos, "'void' is only allowed as a function's return type");
        return NULL;
    }
    bvm_decl *d = new_decl(p, BVM_DECL_GLOBAL, name);
    d->as.global.type = type;
    if (match(p, BVM_TOK_EQ))
        d->as.global.init = parse_expression(p);
    expect_semicolon(p);
    return d;
}

bvm_program *bvm_parse(const bvm_token_list *tokens, const char *file, bvm_arena *arena, bvm_diags *diags)
{
    parser p = {.toks = tokens->items, .file = file, .arena = arena, .diags = diags};
    p.pos = skip_error_tokens(&p, 0);
    p.prev = p.pos;
    p.panic = p.pos != 0;
    /* An unterminated string or comment swallows the '}' after it: with
     * lexical errors, a missing '}' at the end is not worth a message. */
    for (size_t i = 0; i < tokens->count && !p.eof_reported; i++)
        p.eof_reported = tokens->items[i].kind == BVM_TOK_ERROR;
    list decls = {0};
    while (cur_kind(&p) != BVM_TOK_EOF) {
        size_t before = p.pos;
        bvm_decl *d = parse_declaration(&p);
        if (d)
            LIST_PUSH_PTR(&p, &decls, d);
        if (p.panic) {
            if (p.pos == before)
                advance(&p);
            sync_declaration(&p);
        }
    }
    bvm_program *prog = bvm_arena_alloc(arena, sizeof *prog);
    prog->decls = decls.items;
    prog->count = decls.count;
    return prog;
}
