/*
 * test_check.c -- name resolution and type checking (typecheck.c).
 *
 * Two kinds of test.  Annotation tests run the checker on a correct program
 * and look at what it wrote into the tree and the module: the type of each
 * expression, where each name resolved to, the implicit int->float
 * conversions made explicit, which statements can complete, each
 * function's locals.  Error tests check messages and positions, that one
 * mistake gives one message, and the table limits (which need programs too
 * large for golden files).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "lexer.h"
#include "module.h"
#include "parser.h"
#include "typecheck.h"
#include "util.h"

typedef struct {
    bvm_arena arena;
    bvm_diags diags;
    bvm_token_list toks;
    bvm_program *prog;
    bvm_module *m;
} checked;

static checked *check_n(const char *src, size_t len)
{
    checked *c = calloc(1, sizeof *c);
    bvm_arena_init(&c->arena);
    bvm_diags_init(&c->diags);
    bvm_lex(src, len, "t.vela", &c->arena, &c->diags, &c->toks);
    c->prog = bvm_parse(&c->toks, "t.vela", &c->arena, &c->diags);
    ck_assert_msg(c->diags.errors == 0, "parse error: %s", c->diags.count ? c->diags.items[0].msg : "?");
    c->m = bvm_check(c->prog, "t.vela", &c->arena, &c->diags);
    return c;
}

static checked *check_src(const char *src) { return check_n(src, strlen(src)); }

static void checked_free(checked *c)
{
    bvm_module_free(c->m);
    bvm_token_list_free(&c->toks);
    bvm_arena_free(&c->arena);
    bvm_diags_free(&c->diags);
    free(c);
}

static char *errors_of(const checked *c)
{
    bvm_buf b = {0};
    for (int i = 0; i < c->diags.count; i++) {
        const bvm_diag *d = &c->diags.items[i];
        if (d->line > 0)
            bvm_buf_printf(&b, "%s%d:%d: %s", i ? "\n" : "", d->line, d->col, d->msg);
        else
            bvm_buf_printf(&b, "%sfile: %s", i ? "\n" : "", d->msg);
    }
    bvm_buf_u8(&b, 0);
    return (char *)b.data;
}

#define ck_check_errors(src, expected)             \
    do {                                           \
        checked *c_ = check_src(src);              \
        char *got_ = errors_of(c_);                \
        ck_assert_str_eq(got_, expected);          \
        ck_assert(c_->m == NULL);                  \
        free(got_);                                \
        checked_free(c_);                          \
    } while (0)

static const bvm_decl *find_decl(const checked *c, const char *name)
{
    for (uint32_t i = 0; i < c->prog->count; i++)
        if (strcmp(c->prog->decls[i]->name, name) == 0)
            return c->prog->decls[i];
    ck_abort_msg("no declaration %s", name);
    return NULL;
}

/* Statement i of function `name`'s body. */
static const bvm_stmt *stmt_of(const checked *c, const char *name, uint32_t i)
{
    const bvm_stmt *body = find_decl(c, name)->as.func.body;
    ck_assert_uint_lt(i, body->as.block.count);
    return body->as.block.stmts[i];
}

static const char *type_of(const checked *c, uint16_t t, char *buf, size_t size)
{
    if (t == BVM_TYPE_NULL_LITERAL)
        return "null";
    return bvm_type_name(c->m, t, buf, size);
}

#define ck_type(c, t, expected)                                    \
    do {                                                           \
        char buf_[64];                                             \
        ck_assert_str_eq(type_of(c, t, buf_, sizeof buf_), expected); \
    } while (0)

/* ---- annotations ---------------------------------------------------------- */

START_TEST(module_declarations_in_order)
{
    checked *c = check_src("int helper(float x, Node n) { return 1; }\n"
                           "struct Node { int value; Node next; float[] w; }\n"
                           "string name = \"n\";\n"
                           "Node[] all;\n"
                           "void main() { }\n");
    ck_assert_ptr_nonnull(c->m);
    bvm_module *m = c->m;
    ck_assert_uint_eq(m->nrecords, 1);
    ck_assert_str_eq(m->records[0].name, "Node");
    ck_assert_uint_eq(m->records[0].nfields, 3);
    ck_assert_str_eq(m->records[0].fields[1].name, "next");
    ck_type(c, m->records[0].fields[1].type, "Node");
    ck_type(c, m->records[0].fields[2].type, "float[]");
    ck_assert_uint_eq(m->nglobals, 2);
    ck_assert_str_eq(m->globals[1].name, "all");
    ck_type(c, m->globals[1].type, "Node[]");
    ck_assert_uint_eq(m->nfuncs, 2);
    ck_assert_str_eq(m->funcs[0].name, "helper");
    ck_assert_uint_eq(m->funcs[0].nparams, 2);
    ck_assert_uint_eq(m->funcs[0].ret_type, BVM_TYPE_INT);
    ck_type(c, m->funcs[0].local_types[1], "Node");
    ck_assert_uint_eq(m->entry, 1);
    ck_assert_uint_eq(m->funcs[0].code_len, 0); /* code is codegen's */
    checked_free(c);
}
END_TEST

START_TEST(array_types_are_interned)
{
    checked *c = check_src("int[] a; int[] b; int[][] g; void main() { int[] c = new int[3]; g[0] = [1, 2]; }");
    ck_assert_ptr_nonnull(c->m);
    ck_assert_uint_eq(c->m->globals[0].type, c->m->globals[1].type);
    uint16_t int_array = c->m->globals[0].type;
    ck_assert_uint_eq(c->m->types[c->m->globals[2].type].arg, int_array);
    ck_assert_uint_eq(c->m->ntypes, BVM_TYPE__FIRST_USER + 2);
    const bvm_stmt *s = stmt_of(c, "main", 1);
    ck_assert_uint_eq(s->as.assign.value->type, int_array);
    checked_free(c);
}
END_TEST

START_TEST(names_resolve_to_slots_and_globals)
{
    checked *c = check_src("int g = 1;\n"
                           "void f(int a, int b) {\n"
                           "  int x = a;\n"       /* 0 */
                           "  { int a = g; x = a; }\n" /* 1: a shadows the parameter in a new block */
                           "  x = a + b;\n"      /* 2 */
                           "}\n"
                           "void main() { }\n");
    ck_assert_ptr_nonnull(c->m);
    const bvm_decl *f = find_decl(c, "f");
    ck_assert_uint_eq(f->as.func.nlocals, 4); /* a b x a' */
    const bvm_stmt *s0 = stmt_of(c, "f", 0);
    ck_assert_uint_eq(s0->as.var.slot, 2);
    ck_assert_uint_eq(s0->as.var.init->as.name.index, 0);
    const bvm_stmt *inner = stmt_of(c, "f", 1)->as.block.stmts[0];
    ck_assert_uint_eq(inner->as.var.slot, 3);
    ck_assert(inner->as.var.init->as.name.is_global);
    ck_assert_uint_eq(inner->as.var.init->as.name.index, 0);
    const bvm_stmt *assign = stmt_of(c, "f", 1)->as.block.stmts[1];
    ck_assert_uint_eq(assign->as.assign.value->as.name.index, 3);
    const bvm_expr *sum = stmt_of(c, "f", 2)->as.assign.value;
    ck_assert_uint_eq(sum->as.binary.left->as.name.index, 0); /* the parameter again */
    ck_assert(!sum->as.binary.left->as.name.is_global);
    checked_free(c);
}
END_TEST

START_TEST(functions_and_structs_can_be_used_before_declaration)
{
    checked *c = check_src("void main() { Later l = new Later(first(2)); print(l.v); }\n"
                           "int first(int x) { return second(x) + 1; }\n"
                           "int second(int x) { return x; }\n"
                           "struct Later { int v; }\n");
    ck_assert_ptr_nonnull(c->m);
    const bvm_expr *call = stmt_of(c, "main", 0)->as.var.init->as.new_struct.args[0];
    ck_assert_int_eq(call->as.call.builtin, BVM_BUILTIN_NONE);
    ck_assert_uint_eq(call->as.call.function, 1);
    const bvm_expr *print = stmt_of(c, "main", 1)->as.expr.call;
    ck_assert_int_eq(print->as.call.builtin, BVM_BUILTIN_PRINT);
    const bvm_expr *field = print->as.call.args[0];
    ck_assert_uint_eq(field->as.field.record, 0);
    ck_assert_uint_eq(field->as.field.field, 0);
    ck_assert_uint_eq(field->type, BVM_TYPE_INT);
    checked_free(c);
}
END_TEST

START_TEST(int_to_float_promotion_is_explicit)
{
    checked *c = check_src("float h(float x) { return x; }\n"
                           "void main() {\n"
                           "  int i = 2;\n"
                           "  float a = i;\n"        /* 1 */
                           "  float b = 3;\n"        /* 2: a literal becomes a float literal */
                           "  float d = i * 1.5;\n"  /* 3 */
                           "  bool e = i < a;\n"     /* 4 */
                           "  h(i);\n"               /* 5 */
                           "  float[] f = [1, 2.5];\n" /* 6 */
                           "  d += i;\n"             /* 7 */
                           "  float g = true ? i : 0.5;\n" /* 8 */
                           "}\n");
    ck_assert_ptr_nonnull(c->m);
    ck_assert_int_eq(stmt_of(c, "main", 1)->as.var.init->kind, BVM_EXPR_CONVERT);
    const bvm_expr *lit = stmt_of(c, "main", 2)->as.var.init;
    ck_assert_int_eq(lit->kind, BVM_EXPR_FLOAT);
    ck_assert_double_eq(lit->as.float_value, 3.0);
    const bvm_expr *mul = stmt_of(c, "main", 3)->as.var.init;
    ck_assert_int_eq(mul->as.binary.left->kind, BVM_EXPR_CONVERT);
    ck_assert_uint_eq(mul->type, BVM_TYPE_FLOAT);
    const bvm_expr *lt = stmt_of(c, "main", 4)->as.var.init;
    ck_assert_int_eq(lt->as.binary.left->kind, BVM_EXPR_CONVERT);
    ck_assert_uint_eq(lt->type, BVM_TYPE_BOOL);
    ck_assert_int_eq(stmt_of(c, "main", 5)->as.expr.call->as.call.args[0]->kind, BVM_EXPR_CONVERT);
    const bvm_expr *arr = stmt_of(c, "main", 6)->as.var.init;
    ck_assert_int_eq(arr->as.array.elems[0]->kind, BVM_EXPR_FLOAT);
    ck_type(c, arr->type, "float[]");
    ck_assert_int_eq(stmt_of(c, "main", 7)->as.assign.value->kind, BVM_EXPR_CONVERT);
    const bvm_expr *cond = stmt_of(c, "main", 8)->as.var.init;
    ck_assert_int_eq(cond->as.conditional.then_value->kind, BVM_EXPR_CONVERT);
    ck_assert_uint_eq(cond->type, BVM_TYPE_FLOAT);
    checked_free(c);
}
END_TEST

START_TEST(expression_types)
{
    checked *c = check_src("struct P { string s; }\n"
                           "void main() {\n"
                           "  string a = \"x\" + 1 + 2.5 + true;\n"
                           "  int b = \"abc\"[1];\n"
                           "  P p = null;\n"
                           "  bool n = p == null && \"s\" != null;\n"
                           "  string[] t = [null, \"u\"];\n"
                           "  P q = true ? null : p;\n"
                           "  int l = len([1]) + len(\"ab\") + int(2.5) + int(false);\n"
                           "  string s = str(p) + str(null);\n"
                           "}\n");
    ck_assert_ptr_nonnull(c->m);
    ck_assert_uint_eq(stmt_of(c, "main", 0)->as.var.init->type, BVM_TYPE_STRING);
    ck_assert_uint_eq(stmt_of(c, "main", 1)->as.var.init->type, BVM_TYPE_INT);
    const bvm_expr *eq = stmt_of(c, "main", 3)->as.var.init->as.binary.left;
    ck_assert_uint_eq(eq->as.binary.right->type, BVM_TYPE_NULL_LITERAL);
    const bvm_expr *arr = stmt_of(c, "main", 4)->as.var.init;
    ck_assert_uint_eq(arr->as.array.elems[0]->type, BVM_TYPE_STRING); /* null given the element type */
    ck_type(c, stmt_of(c, "main", 5)->as.var.init->type, "P");
    checked_free(c);
}
END_TEST

START_TEST(int_literal_arithmetic_is_folded)
{
    checked *c = check_src("void main() {\n"
                           "  int a = 65536 / 16 + (1 << 20) - -3 * 2;\n"
                           "  int b = 7 / 0;\n" /* left for run time: it throws */
                           "  int c = -9223372036854775807 - 1 - 1;\n"
                           "  int d = (-9223372036854775807 - 1) / -1 + -8 >> 1 + 7 % -3;\n"
                           "}\n");
    ck_assert_ptr_nonnull(c->m);
    const bvm_expr *a = stmt_of(c, "main", 0)->as.var.init;
    ck_assert_int_eq(a->kind, BVM_EXPR_INT);
    ck_assert_int_eq(a->as.int_value, 4096 + 1048576 + 6);
    ck_assert_int_eq(stmt_of(c, "main", 1)->as.var.init->kind, BVM_EXPR_BINARY);
    ck_assert_int_eq(stmt_of(c, "main", 2)->as.var.init->as.int_value, INT64_MAX); /* wraps */
    const bvm_expr *d = stmt_of(c, "main", 3)->as.var.init;
    ck_assert_int_eq(d->kind, BVM_EXPR_INT);
    /* INT_MIN / -1 is INT_MIN; INT_MIN - 8 wraps; 7 % -3 is 1, so the shift is by 2 */
    ck_assert_int_eq(d->as.int_value, (int64_t)((uint64_t)INT64_MIN - 8) >> 2);
    checked_free(c);
}
END_TEST

START_TEST(completion_of_statements)
{
    checked *c = check_src("int f(int x) {\n"
                           "  if (x > 0) return 1; else return 2;\n"     /* 0: does not complete */
                           "}\n"
                           "int g(int x) {\n"
                           "  while (true) { if (x > 3) break; x++; }\n" /* 0: completes (break) */
                           "  for (;;) { if (x > 3) continue; }\n"       /* 1: never completes */
                           "}\n"
                           "int h() {\n"
                           "  try { return 1; } catch (e) { throw e; }\n"
                           "}\n"
                           "void main() { while (false) { } }\n");
    char *e = errors_of(c);
    ck_assert_str_eq(e, "");
    free(e);
    const bvm_stmt *if_ = stmt_of(c, "f", 0);
    ck_assert(!if_->completes);
    ck_assert(!find_decl(c, "f")->as.func.body->completes);
    const bvm_stmt *w = stmt_of(c, "g", 0);
    ck_assert(w->completes);
    ck_assert(w->as.loop.has_break);
    ck_assert(!w->as.loop.has_continue);
    const bvm_stmt *forever = stmt_of(c, "g", 1);
    ck_assert(!forever->completes);
    ck_assert(forever->as.loop.has_continue);
    ck_assert(!stmt_of(c, "h", 0)->completes);
    ck_assert(stmt_of(c, "main", 0)->completes);
    checked_free(c);
}
END_TEST

START_TEST(locals_get_one_slot_each)
{
    checked *c = check_src("void main() {\n"
                           "  for (int i = 0; i < 2; i++) { float t = 0; }\n"
                           "  for (int i = 0; i < 2; i++) { string t = \"\"; }\n"
                           "  try { } catch (e) { bool t = false; }\n"
                           "}\n");
    ck_assert_ptr_nonnull(c->m);
    const bvm_decl *d = find_decl(c, "main");
    ck_assert_uint_eq(d->as.func.nlocals, 6);
    static const uint16_t expected[] = {BVM_TYPE_INT, BVM_TYPE_FLOAT, BVM_TYPE_INT, BVM_TYPE_STRING,
                                        BVM_TYPE_STRING, BVM_TYPE_BOOL};
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(d->as.func.local_types[i], expected[i]);
    ck_assert_uint_eq(stmt_of(c, "main", 2)->as.try_.slot, 4);
    checked_free(c);
}
END_TEST

START_TEST(printf_format_is_split)
{
    checked *c = check_src("void main() { printf(\"a%%b%5.2f|%s%d\\n\", 1, true, 3); }");
    ck_assert_ptr_nonnull(c->m);
    const bvm_expr *call = stmt_of(c, "main", 0)->as.expr.call;
    ck_assert_uint_eq(call->as.call.npieces, 6);
    const bvm_format_piece *p = call->as.call.pieces;
    ck_assert(!p[0].is_conversion);
    ck_assert_str_eq(p[0].text.chars, "a%b");
    ck_assert(p[1].is_conversion);
    ck_assert_str_eq(p[1].text.chars, "%5.2f");
    ck_assert(!p[1].plain);
    ck_assert_str_eq(p[2].text.chars, "|");
    ck_assert_int_eq(p[3].conv, 's');
    ck_assert(p[3].plain);
    ck_assert_int_eq(p[4].conv, 'd');
    ck_assert_str_eq(p[5].text.chars, "\n");
    ck_assert_int_eq(call->as.call.args[1]->kind, BVM_EXPR_FLOAT); /* %f promotes the int */
    checked_free(c);
}
END_TEST

/* ---- errors --------------------------------------------------------------- */

START_TEST(errors_do_not_cascade)
{
    ck_check_errors("struct P { int x; }\n"
                    "int f(int a) { return a; }\n"
                    "void main() {\n"
                    "  int x = undefined.field[3] + 1 * f(2);\n" /* one message, not four */
                    "  P p = new P(nope);\n"
                    "  x = f(p.nothing) + len(missing);\n"
                    "  if (!(x + oops > 1)) x++;\n"
                    "  string s = \"a\" + f(bad);\n"
                    "  print(-unknown, [gone, 1], zip ? 1 : 2);\n"
                    "}\n",
                    "4:11: undefined variable 'undefined'\n"
                    "5:15: undefined variable 'nope'\n"
                    "6:11: struct 'P' has no field 'nothing'\n"
                    "6:26: undefined variable 'missing'\n"
                    "7:13: undefined variable 'oops'\n"
                    "8:22: undefined variable 'bad'\n"
                    "9:10: undefined variable 'unknown'\n"
                    "9:20: undefined variable 'gone'\n"
                    "9:30: undefined variable 'zip'");
}
END_TEST

START_TEST(messages_name_what_is_wrong)
{
    ck_check_errors("void main() { int x = 2.5; }", "1:23: cannot assign float to int (use int(...) to convert)");
    ck_check_errors("void main() { if (1) {} }", "1:19: condition must be bool, not int");
    ck_check_errors("int f() { }\nvoid main() { }", "1:11: missing return in function 'f' returning int");
    ck_check_errors("void main() { break; }", "1:15: break outside of a loop");
    ck_check_errors("void main() { printf(\"%d\", \"s\"); }", "1:28: printf: %d expects int, got string");
    ck_check_errors("int f(int a, int b) { return a; }\nvoid main() { f(1, 2, 3); }",
                    "2:15: wrong number of arguments to 'f': expected 2, got 3");
    ck_check_errors("struct Node { Node next; }\nvoid main() { Node n = new Node(); n = n.nxt; }",
                    "2:42: struct 'Node' has no field 'nxt'");
    ck_check_errors("void helper() { }", "file: function 'main' is missing");
    ck_check_errors("void main() { x = 1; }", "1:15: undefined variable 'x'");
}
END_TEST

START_TEST(errors_are_found_in_every_function)
{
    ck_check_errors("int a = \"s\";\n"
                    "void f() { return 1; }\n"
                    "void main() { bool b = 1; }\n"
                    "int g() { return; }\n",
                    "1:9: cannot assign string to int\n"
                    "2:19: function 'f' returns void, so 'return' cannot have a value\n"
                    "3:24: cannot assign int to bool\n"
                    "4:11: function 'g' must return a value of type int");
}
END_TEST

/* Build "PREFIX ITEM(0) ITEM(1) ... SUFFIX" with n items. */
static char *generate(const char *prefix, const char *item_fmt, int n, const char *suffix, size_t *len)
{
    bvm_buf b = {0};
    bvm_buf_printf(&b, "%s", prefix);
    for (int i = 0; i < n; i++)
        bvm_buf_printf(&b, item_fmt, i);
    bvm_buf_printf(&b, "%s", suffix);
    *len = b.len;
    return (char *)b.data;
}

/* Check PREFIX + n ITEMs + SUFFIX: with message NULL it must pass, else give
 * exactly that one error at line:col. */
static void ck_limit(const char *prefix, const char *item, int n, const char *suffix, const char *message, int line,
                     int col)
{
    size_t len;
    char *src = generate(prefix, item, n, suffix, &len);
    checked *c = check_n(src, len);
    if (!message) {
        ck_assert_msg(c->diags.count == 0, "unexpected: %s", c->diags.count ? c->diags.items[0].msg : "");
        ck_assert_ptr_nonnull(c->m);
    } else {
        ck_assert_ptr_null(c->m);
        ck_assert_int_eq(c->diags.count, 1);
        ck_assert_str_eq(c->diags.items[0].msg, message);
        ck_assert_int_eq(c->diags.items[0].line, line);
        ck_assert_int_eq(c->diags.items[0].col, col);
    }
    checked_free(c);
    free(src);
}

START_TEST(limit_locals)
{
    ck_limit("void main() {\n", "int v%05d;\n", 65535, "}\n", NULL, 0, 0);
    ck_limit("void main() {\n", "int v%05d;\n", 65536, "}\n",
             "too many local variables in function 'main' (the limit is 65535)", 65537, 5);
    /* parameters count as locals */
    ck_limit("void f(int p", ", int p%05d", 65535, ") { }\nvoid main() { }\n",
             "too many local variables in function 'f' (the limit is 65535)", 1, 19 + 12 * 65534);
}
END_TEST

START_TEST(limit_globals)
{
    ck_limit("void main() { }\n", "int g%05d;\n", 65535, "", NULL, 0, 0);
    ck_limit("void main() { }\n", "int g%05d;\n", 65536, "", "too many global variables (the limit is 65535)",
             65537, 5);
}
END_TEST

START_TEST(limit_functions)
{
    /* main and 65533 more make 65534, the most; $init needs the last index */
    ck_limit("void main() { }\n", "void f%05d() { }\n", 65533, "", NULL, 0, 0);
    ck_limit("void main() { }\n", "void f%05d() { }\n", 65534, "", "too many functions (the limit is 65534)",
             65535, 6);
}
END_TEST

START_TEST(limit_types)
{
    /* 65534 types in all, of which 5 are built in */
    ck_limit("void main() { }\n", "struct S%05d { }\n", 65529, "", NULL, 0, 0);
    ck_limit("void main() { }\n", "struct S%05d { }\n", 65530, "",
             "too many types in the program (the limit is 65529 struct and array types)", 65531, 8);
    /* array types count too */
    ck_limit("int", "[]", 255, " a; void main() { }\n", NULL, 0, 0);
}
END_TEST

START_TEST(limit_fields)
{
    ck_limit("struct S {\n", "int f%05d;\n", 65535, "}\nvoid main() { }\n", NULL, 0, 0);
    ck_limit("struct S {\n", "int f%05d;\n", 65536, "}\nvoid main() { }\n",
             "struct 'S' has too many fields (the limit is 65535)", 65537, 5);
}
END_TEST

static Suite *check_suite(void)
{
    Suite *s = suite_create("typecheck");
    TCase *tc = tcase_create("annotations");
    tcase_add_test(tc, module_declarations_in_order);
    tcase_add_test(tc, array_types_are_interned);
    tcase_add_test(tc, names_resolve_to_slots_and_globals);
    tcase_add_test(tc, functions_and_structs_can_be_used_before_declaration);
    tcase_add_test(tc, int_to_float_promotion_is_explicit);
    tcase_add_test(tc, expression_types);
    tcase_add_test(tc, int_literal_arithmetic_is_folded);
    tcase_add_test(tc, completion_of_statements);
    tcase_add_test(tc, locals_get_one_slot_each);
    tcase_add_test(tc, printf_format_is_split);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, errors_do_not_cascade);
    tcase_add_test(tc, messages_name_what_is_wrong);
    tcase_add_test(tc, errors_are_found_in_every_function);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, limit_locals);
    tcase_add_test(tc, limit_globals);
    tcase_add_test(tc, limit_functions);
    tcase_add_test(tc, limit_types);
    tcase_add_test(tc, limit_fields);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(check_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
