/*
 * test_parser.c -- the Vela parser (parser.c): the tree it builds, printed
 * as S-expressions by bvm_ast_print_*, for every construct of the grammar
 * and every precedence level; and its error handling: each message and
 * location, recovery that reports several independent mistakes in one run
 * without follow-on messages, and the limits that keep pathological input
 * (deep nesting, huge expressions) from exhausting the C stack.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "lexer.h"
#include "parser.h"
#include "util.h"

typedef struct {
    bvm_arena arena;
    bvm_diags diags;
    bvm_token_list toks;
    bvm_program *prog;
} parsed;

static parsed *parse_n(const char *src, size_t len)
{
    parsed *p = calloc(1, sizeof *p);
    bvm_arena_init(&p->arena);
    bvm_diags_init(&p->diags);
    bvm_lex(src, len, "t.vela", &p->arena, &p->diags, &p->toks);
    p->prog = bvm_parse(&p->toks, "t.vela", &p->arena, &p->diags);
    return p;
}

static parsed *parse(const char *src) { return parse_n(src, strlen(src)); }

static void parsed_free(parsed *p)
{
    bvm_token_list_free(&p->toks);
    bvm_arena_free(&p->arena);
    bvm_diags_free(&p->diags);
    free(p);
}

static char *printed(const parsed *p)
{
    bvm_buf b = {0};
    bvm_ast_print_program(p->prog, &b);
    bvm_buf_u8(&b, 0);
    return (char *)b.data;
}

static char *errors_of(const parsed *p)
{
    bvm_buf b = {0};
    for (int i = 0; i < p->diags.count; i++)
        bvm_buf_printf(&b, "%s%d:%d: %s", i ? "\n" : "", p->diags.items[i].line, p->diags.items[i].col,
                       p->diags.items[i].msg);
    bvm_buf_u8(&b, 0);
    return (char *)b.data;
}

/* The printed tree of a whole program. */
#define ck_program(src, expected)                  \
    do {                                           \
        parsed *p_ = parse(src);                   \
        char *e_ = errors_of(p_);                  \
        ck_assert_str_eq(e_, "");                  \
        char *got_ = printed(p_);                  \
        ck_assert_str_eq(got_, expected);          \
        free(e_);                                  \
        free(got_);                                \
        parsed_free(p_);                           \
    } while (0)

/* The printed body of `void f() { BODY }`, without the (block ...). */
static char *body_of(const char *body, char **errors)
{
    bvm_buf src = {0};
    bvm_buf_printf(&src, "void f() {\n%s\n}\n", body);
    parsed *p = parse_n((const char *)src.data, src.len);
    *errors = errors_of(p);
    bvm_buf b = {0};
    if (p->prog->count == 1 && p->prog->decls[0]->kind == BVM_DECL_FUNC) {
        const bvm_stmt *blk = p->prog->decls[0]->as.func.body;
        for (uint32_t i = 0; i < blk->as.block.count; i++) {
            if (i)
                bvm_buf_u8(&b, ' ');
            bvm_ast_print_stmt(blk->as.block.stmts[i], &b);
        }
    }
    bvm_buf_u8(&b, 0);
    parsed_free(p);
    bvm_buf_free(&src);
    return (char *)b.data;
}

#define ck_body(body, expected)                    \
    do {                                           \
        char *e_;                                  \
        char *got_ = body_of(body, &e_);           \
        ck_assert_str_eq(e_, "");                  \
        ck_assert_str_eq(got_, expected);          \
        free(e_);                                  \
        free(got_);                                \
    } while (0)

/* An expression, through `x = EXPR;`. */
#define ck_expr(text, expected) ck_body("x = " text ";", "(= x " expected ")")

/* The diagnostics of a whole program. */
#define ck_errors(src, expected)                   \
    do {                                           \
        parsed *p_ = parse(src);                   \
        char *got_ = errors_of(p_);                \
        ck_assert_str_eq(got_, expected);          \
        free(got_);                                \
        parsed_free(p_);                           \
    } while (0)

/* The diagnostics of a function body; lines count from 2. */
#define ck_body_errors(body, expected)             \
    do {                                           \
        char *e_;                                  \
        char *got_ = body_of(body, &e_);           \
        ck_assert_str_eq(e_, expected);            \
        free(e_);                                  \
        free(got_);                                \
    } while (0)

/* ---- expressions ---------------------------------------------------------- */

START_TEST(precedence_of_every_level)
{
    ck_expr("1 + 2 * 3", "(+ 1 (* 2 3))");
    ck_expr("1 * 2 + 3", "(+ (* 1 2) 3)");
    ck_expr("a - b - c", "(- (- a b) c)");
    ck_expr("a / b % c * d", "(* (% (/ a b) c) d)");
    ck_expr("a << 1 + 2", "(<< a (+ 1 2))");
    ck_expr("a < b << 1", "(< a (<< b 1))");
    ck_expr("a == b < c", "(== a (< b c))");
    ck_expr("a & b == c", "(& a (== b c))");
    ck_expr("a ^ b & c", "(^ a (& b c))");
    ck_expr("a | b ^ c", "(| a (^ b c))");
    ck_expr("a && b | c", "(&& a (| b c))");
    ck_expr("a || b && c", "(|| a (&& b c))");
    ck_expr("a || b || c", "(|| (|| a b) c)");
    ck_expr("c ? a || b : d", "(? c (|| a b) d)");
    ck_expr("c ? a : d ? e : f", "(? c a (? d e f))");
    ck_expr("a ? b ? 1 : 2 : 3", "(? a (? b 1 2) 3)");
    ck_expr("(1 + 2) * 3", "(* (+ 1 2) 3)");
}
END_TEST

START_TEST(unary_operators)
{
    ck_expr("-a * b", "(* (- a) b)");
    ck_expr("!a == b", "(== (! a) b)");
    ck_expr("~-!x", "(~ (- (! x)))");
    ck_expr("- -x", "(- (- x))");
    ck_expr("-a.b[1]", "(- (index (. a b) 1))");
}
END_TEST

START_TEST(negative_literals_are_folded)
{
    ck_expr("-5", "-5");
    ck_expr("-9223372036854775808", "-9223372036854775808");
    ck_expr("- 2.5", "-2.5");
    ck_expr("1 - 5", "(- 1 5)");
    ck_expr("-0x8000000000000000", "-9223372036854775808");
    ck_expr("-0xFFFFFFFFFFFFFFFF", "1");
    ck_expr("0xFFFFFFFFFFFFFFFF", "-1");
    ck_expr("'A' + 1", "(+ 65 1)");
}
END_TEST

START_TEST(literals)
{
    ck_expr("\"a\\\"b\"", "\"a\\\"b\"");
    ck_expr("true", "true");
    ck_expr("null", "null");
    ck_expr("1.5e3", "1500");
}
END_TEST

START_TEST(postfix_calls_and_new)
{
    ck_expr("f()", "(call f)");
    ck_expr("f(1, g(2), a[3])", "(call f 1 (call g 2) (index a 3))");
    ck_expr("a.b.c[i][j].d", "(. (index (index (. (. a b) c) i) j) d)");
    ck_expr("int(2.5) + float(1)", "(+ (call int 2.5) (call float 1))");
    ck_expr("new int[n + 1]", "(new-array int (+ n 1))");
    ck_expr("new int[3][][]", "(new-array int[][] 3)");
    ck_expr("new Node[2]", "(new-array Node 2)");
    ck_expr("new Node()", "(new Node)");
    ck_expr("new Node(1, null)", "(new Node 1 null)");
    ck_expr("[1, 2, 3]", "(array 1 2 3)");
    ck_expr("[[1], [2, 3]]", "(array (array 1) (array 2 3))");
}
END_TEST

/* ---- statements ----------------------------------------------------------- */

START_TEST(declarations_and_assignments)
{
    ck_body("int x; float y = 1; Node n = null; int[] a; Node[][] g = null; string s = \"\";",
            "(var int x) (var float y 1) (var Node n null) (var int[] a) (var Node[][] g null) (var string s \"\")");
    ck_body("x = 1; a[i] = 2; p.f = 3; a[i].f[j] = 4;",
            "(= x 1) (= (index a i) 2) (= (. p f) 3) (= (index (. (index a i) f) j) 4)");
    ck_body("x += 1; x -= 2; x *= 3; x /= 4; x %= 5; x &= 6; x |= 7; x ^= 8; x <<= 9; x >>= 10;",
            "(+= x 1) (-= x 2) (*= x 3) (/= x 4) (%= x 5) (&= x 6) (|= x 7) (^= x 8) (<<= x 9) (>>= x 10)");
    ck_body("i++; a[i]--; f(x); print();", "(++ i) (-- (index a i)) (call f x) (call print)");
    ck_body("int(x);", "(call int x)"); /* a conversion, not a declaration */
}
END_TEST

START_TEST(control_statements)
{
    ck_body("if (a) x = 1;", "(if a (= x 1))");
    ck_body("if (a) x = 1; else if (b) x = 2; else x = 3;", "(if a (= x 1) (if b (= x 2) (= x 3)))");
    ck_body("if (a) if (b) x = 1; else x = 2;", "(if a (if b (= x 1) (= x 2)))"); /* dangling else */
    ck_body("while (i < n) { i++; }", "(while (< i n) (block (++ i)))");
    ck_body("for (int i = 0; i < n; i++) f(i);", "(for (var int i 0) (< i n) (++ i) (call f i))");
    ck_body("for (;;) {}", "(for () () () (block))");
    ck_body("for (i = 0; ; i += 2) { break; continue; }",
            "(for (= i 0) () (+= i 2) (block (break) (continue)))");
    ck_body("return; return x + 1; throw \"e\";", "(return) (return (+ x 1)) (throw \"e\")");
    ck_body("try { f(); } catch (e) { print(e); }", "(try (block (call f)) e (block (call print e)))");
    ck_body("{ { } }", "(block (block))");
}
END_TEST

START_TEST(top_level_declarations)
{
    ck_program("struct Node { int value; Node next; }\n"
               "struct Empty {};\n"
               "int count = 3;\n"
               "float[] weights;\n"
               "void main() { }\n"
               "Node[] make(int n, Node[] old) { return old; }\n",
               "(struct Node ((int value) (Node next)))\n"
               "(struct Empty ())\n"
               "(global int count 3)\n"
               "(global float[] weights)\n"
               "(func void main () (block))\n"
               "(func Node[] make ((int n) (Node[] old)) (block (return old)))\n");
    ck_program("", "");
}
END_TEST

START_TEST(positions_in_the_tree)
{
    parsed *p = parse("void f() {\n  int x = a +\n    b.c;\n}\n");
    const bvm_stmt *s = p->prog->decls[0]->as.func.body->as.block.stmts[0];
    ck_assert_int_eq(s->pos.line, 2); /* a declaration: at its name */
    ck_assert_int_eq(s->pos.col, 7);
    const bvm_expr *plus = s->as.var.init;
    ck_assert_int_eq(plus->pos.line, 2); /* a binary operator: at the operator */
    ck_assert_int_eq(plus->pos.col, 13);
    const bvm_expr *field = plus->as.binary.right;
    ck_assert_int_eq(field->pos.line, 3); /* a field: at its name */
    ck_assert_int_eq(field->pos.col, 7);
    ck_assert_int_eq(plus->height, 3);
    const bvm_stmt *body = p->prog->decls[0]->as.func.body;
    ck_assert_int_eq(body->as.block.end.line, 4);
    ck_assert_int_eq(body->as.block.end.col, 1);
    parsed_free(p);
}
END_TEST

/* ---- errors --------------------------------------------------------------- */

START_TEST(missing_semicolon_is_reported_after_the_previous_token)
{
    ck_body_errors("int x = 1\nint y = 2;", "2:10: expected ';' after '1'");
    ck_body_errors("f(x)\n", "2:5: expected ';' after ')'");
    ck_body_errors("return\n", "2:7: expected ';' after 'return'");
}
END_TEST

START_TEST(expression_errors)
{
    ck_body_errors("x = 1 + ;", "2:9: expected an expression, found ';'");
    ck_body_errors("if (x = 1) f();", "2:7: '=' cannot be used inside an expression (assignment is a statement; use "
                                      "'==' to compare)");
    ck_body_errors("a = b = 0;", "2:7: '=' cannot be used inside an expression (assignment is a statement; use "
                                 "'==' to compare)");
    ck_body_errors("a[i++] = 0;", "2:4: '++' cannot be used inside an expression (write it as a statement of its "
                                  "own, as in i++;)");
    ck_body_errors("x = c ? 1 2;", "2:11: expected ':' in the conditional expression, found '2'");
    ck_body_errors("x = [];", "2:5: empty array literal (use new T[0] for an empty array)");
    ck_body_errors("x = {1};", "2:5: array literals are written with [ ] in Vela, as in [1, 2, 3]");
    ck_body_errors("p.f(1);", "2:4: only a function name can be called");
    ck_body_errors("x = new 3;", "2:9: expected a type after 'new', found '3'");
    ck_body_errors("x = new int;", "2:12: 'new' needs an array length or constructor arguments, as in new int[n] "
                                   "or new Node(...)");
    ck_body_errors("x = new int[2][3];", "2:15: only the first dimension of 'new' can have a length (write new "
                                         "int[n][] and create each row)");
    ck_body_errors("x = 9223372036854775808;",
                   "2:5: integer literal 9223372036854775808 is too large (the largest int is 9223372036854775807)");
    ck_body_errors("f(1 2);", "2:5: expected ',' or ')', found '2'");
    ck_body_errors("x = p.3;", "2:7: expected a field name after '.', found '3'");
}
END_TEST

START_TEST(statement_errors)
{
    ck_body_errors("x + 1;", "2:1: statement has no effect");
    ck_body_errors("f() = 1;", "2:1: cannot assign to this expression (only a variable, an array element or a "
                               "field can be assigned)");
    ck_body_errors("while (x);", "2:10: empty statement ';' is not allowed (use {} for an empty body)");
    ck_body_errors("else f();", "2:1: 'else' without a matching 'if'");
    ck_body_errors("catch (e) {}", "2:1: 'catch' without a matching 'try'");
    ck_body_errors("void v;", "2:1: 'void' is only allowed as a function's return type");
    ck_body_errors("struct S { int x; }", "2:1: structs can only be declared at the top level");
    ck_body_errors("int g(int a) { return a; }\nf();",
                   "2:5: functions can only be declared at the top level, not inside another function");
    ck_body_errors("int[3] a;", "2:5: an array type has no length: write int[] a = new int[n] to create one");
    ck_body_errors("int 3;", "2:5: expected a variable name, found '3'");
    ck_body_errors("if x {}", "2:4: expected '(' after 'if', found 'x'");
    ck_body_errors("try {} f();", "2:8: expected 'catch' after the try block, found 'f'");
    ck_body_errors("try {} catch (1) {}", "2:15: expected a variable name, found '1'");
    ck_body_errors("for (i = 0, i < 1; i++) {}", "2:11: expected ';' in the for header, found ','");
}
END_TEST

START_TEST(declaration_errors)
{
    ck_errors("struct { int x; }", "1:8: expected a struct name after 'struct', found '{'");
    ck_errors("struct S int x;", "1:10: expected '{' after the struct name, found 'int'");
    ck_errors("struct S { int x = 1; }", "1:18: struct fields cannot have initializers (every field starts at its "
                                         "zero value)");
    ck_errors("struct S { 1 x; }", "1:12: expected a type, found '1'");
    ck_errors("struct S { int; }", "1:15: expected a field name, found ';'");
    ck_errors("int = 1;", "1:5: expected a name for the function or global variable, found '='");
    ck_errors("void x;", "1:1: 'void' is only allowed as a function's return type");
    ck_errors("int f(int) {}", "1:10: expected a parameter name, found ')'");
    ck_errors("int f(int a int b) {}", "1:13: expected ',' or ')', found 'int'");
    ck_errors("int f(int a);", "1:13: a function needs a body (Vela has no prototypes: functions can be used "
                               "before their declaration)");
    ck_errors("int f() return 1;", "1:9: expected '{', found 'return'");
    ck_errors("print(1);", "1:1: statements can only appear inside a function (the program starts in main)");
    ck_errors("if (x) {}", "1:1: statements can only appear inside a function (the program starts in main)");
    ck_errors("+", "1:1: expected a declaration (a struct, a function or a global variable), found '+'");
    ck_errors("void f() {\n  {\n", "3:1: expected '}' to close the '{' at line 2, found end of file");
    ck_errors("struct S {\n int x;", "2:8: expected '}' to close the '{' at line 1, found end of file");
}
END_TEST

START_TEST(recovery_reports_each_mistake_once)
{
    ck_errors("struct P { int x; int y }\n"       /* missing ';' in a struct        */
              "int f(int a {\n"                    /* missing ')' before the body    */
              "  return a +;\n"                    /* the body is still parsed       */
              "}\n"
              "void main() {\n"
              "  int x = f(1)\n"                   /* missing ';'                    */
              "  if (x > 1 { print(x); }\n"        /* repaired condition             */
              "  while (x > 0) { x = x - ; }\n"    /* error inside a nested block    */
              "  print(x;\n"
              "  int ok = 1;\n"
              "}\n"
              ") garbage ;\n"                      /* between declarations           */
              "int g() { return 1 1; }\n",
              "1:24: expected ';' after 'y'\n"
              "2:13: expected ',' or ')', found '{'\n"
              "3:13: expected an expression, found ';'\n"
              "6:15: expected ';' after ')'\n"
              "7:13: expected ')', found '{'\n"
              "8:27: expected an expression, found ';'\n"
              "9:10: expected ',' or ')', found ';'\n"
              "12:1: expected a declaration (a struct, a function or a global variable), found ')'\n"
              "13:19: expected ';' after '1'");
}
END_TEST

START_TEST(lexical_errors_do_not_cascade)
{
    /* the lexer reported these; the parser must stay quiet about them */
    ck_errors("void main() { int x = 1 @ 2; print(\"abc); }\n",
              "1:25: unexpected character '@'\n1:36: unterminated string literal (strings must end on the line "
              "they start)");
    ck_errors("void main() {\n  /* open", "2:3: unterminated comment");
}
END_TEST

START_TEST(deep_nesting_is_an_error_not_a_crash)
{
    bvm_buf b = {0};
    bvm_buf_printf(&b, "void main() { int x = ");
    for (int i = 0; i < 100000; i++)
        bvm_buf_u8(&b, '(');
    bvm_buf_u8(&b, '1');
    for (int i = 0; i < 100000; i++)
        bvm_buf_u8(&b, ')');
    bvm_buf_printf(&b, "; }");
    parsed *p = parse_n((const char *)b.data, b.len);
    ck_assert_int_eq(p->diags.count, 1);
    ck_assert_str_eq(p->diags.items[0].msg, "too deeply nested (the limit is 256 levels)");
    ck_assert_int_eq(p->diags.items[0].col, 23 + 255);
    parsed_free(p);

    /* statements, unary operators and ?: chains count too */
    static const struct {
        const char *start, *repeated;
    } openers[] = {{"", "{"}, {"", "if (x) "}, {"x = ", "- "}, {"x = ", "!"}, {"x = ", "x ? 1 : "}, {"", "f("}};
    for (size_t k = 0; k < sizeof openers / sizeof openers[0]; k++) {
        b.len = 0;
        bvm_buf_printf(&b, "void main() { %s", openers[k].start);
        for (int i = 0; i < 50000; i++)
            bvm_buf_printf(&b, "%s", openers[k].repeated);
        parsed *q = parse_n((const char *)b.data, b.len);
        ck_assert_msg(q->diags.count == 1, "%s: %d errors, first %s", openers[k].repeated, q->diags.count,
                      q->diags.items[0].msg);
        ck_assert_str_eq(q->diags.items[0].msg, "too deeply nested (the limit is 256 levels)");
        parsed_free(q);
    }
    bvm_buf_free(&b);
}
END_TEST

START_TEST(nesting_just_under_the_limit_parses)
{
    bvm_buf b = {0};
    bvm_buf_printf(&b, "void main() ");
    for (int i = 0; i < 255; i++)
        bvm_buf_u8(&b, '{');
    for (int i = 0; i < 255; i++)
        bvm_buf_u8(&b, '}');
    parsed *p = parse_n((const char *)b.data, b.len);
    ck_assert_int_eq(p->diags.count, 0);
    parsed_free(p);
    bvm_buf_free(&b);
}
END_TEST

START_TEST(long_operator_chains)
{
    /* 1000 operators deep is fine; a chain deeper than the limit is one error */
    bvm_buf b = {0};
    bvm_buf_printf(&b, "void main() { x = 1");
    for (int i = 0; i < 1000; i++)
        bvm_buf_printf(&b, " + 1");
    bvm_buf_printf(&b, "; }");
    parsed *p = parse_n((const char *)b.data, b.len);
    ck_assert_int_eq(p->diags.count, 0);
    parsed_free(p);
    for (int i = 0; i < 100000; i++)
        bvm_buf_printf(&b, " + 1");
    b.len = 0;
    bvm_buf_printf(&b, "void main() { x = 1");
    for (int i = 0; i < 100000; i++)
        bvm_buf_printf(&b, " * 1");
    bvm_buf_printf(&b, "; }");
    p = parse_n((const char *)b.data, b.len);
    ck_assert_int_eq(p->diags.count, 1);
    ck_assert_str_eq(p->diags.items[0].msg, "expression is too complex (more than 1024 operations deep)");
    parsed_free(p);
    bvm_buf_free(&b);
}
END_TEST

START_TEST(array_dimension_limit)
{
    bvm_buf b = {0};
    bvm_buf_printf(&b, "int");
    for (int i = 0; i < 255; i++)
        bvm_buf_printf(&b, "[]");
    bvm_buf_printf(&b, " ok;\nint");
    for (int i = 0; i < 300; i++)
        bvm_buf_printf(&b, "[]");
    bvm_buf_printf(&b, " bad;\n");
    parsed *p = parse_n((const char *)b.data, b.len);
    ck_assert_int_eq(p->diags.count, 1);
    ck_assert_int_eq(p->diags.items[0].line, 2);
    ck_assert_int_eq(p->diags.items[0].col, 4 + 2 * 255);
    ck_assert_str_eq(p->diags.items[0].msg, "too many array dimensions (the limit is 255)");
    parsed_free(p);
    bvm_buf_free(&b);
}
END_TEST

START_TEST(garbage_never_hangs_or_crashes)
{
    /* every prefix of a program, and some token soups */
    const char *prog = "struct P { int x; }\nint f(int a, P p) { if (a > 0) { return p.x + f(a - 1, p); }\n"
                       "  for (int i = 0; i < a; i++) { try { throw \"x\"; } catch (e) { print(e); } }\n"
                       "  return [1, 2][0] + new int[3][1] + (a > 1 ? 1 : 2); }\n";
    size_t n = strlen(prog);
    for (size_t len = 0; len <= n; len++) {
        parsed *p = parse_n(prog, len);
        parsed_free(p);
    }
    const char *soups[] = {")))(((", "}}}}", "{{{{", "int int int", "if if if", "else else", ";;;;",
                           "struct struct", "void (", "new new new", "[[[[", "= = =", "a.b.c.", "f(,,)",
                           "x ? ? :", "for (;;;;;) {", "try try catch catch"};
    for (size_t i = 0; i < sizeof soups / sizeof soups[0]; i++) {
        parsed *p = parse(soups[i]);
        ck_assert_int_gt(p->diags.errors, 0);
        parsed_free(p);
        bvm_buf b = {0};
        bvm_buf_printf(&b, "void main() { %s }", soups[i]);
        p = parse_n((const char *)b.data, b.len);
        parsed_free(p);
        bvm_buf_free(&b);
    }
}
END_TEST

static Suite *parser_suite(void)
{
    Suite *s = suite_create("parser");
    TCase *tc = tcase_create("trees");
    tcase_add_test(tc, precedence_of_every_level);
    tcase_add_test(tc, unary_operators);
    tcase_add_test(tc, negative_literals_are_folded);
    tcase_add_test(tc, literals);
    tcase_add_test(tc, postfix_calls_and_new);
    tcase_add_test(tc, declarations_and_assignments);
    tcase_add_test(tc, control_statements);
    tcase_add_test(tc, top_level_declarations);
    tcase_add_test(tc, positions_in_the_tree);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, missing_semicolon_is_reported_after_the_previous_token);
    tcase_add_test(tc, expression_errors);
    tcase_add_test(tc, statement_errors);
    tcase_add_test(tc, declaration_errors);
    tcase_add_test(tc, recovery_reports_each_mistake_once);
    tcase_add_test(tc, lexical_errors_do_not_cascade);
    tcase_add_test(tc, deep_nesting_is_an_error_not_a_crash);
    tcase_add_test(tc, nesting_just_under_the_limit_parses);
    tcase_add_test(tc, long_operator_chains);
    tcase_add_test(tc, array_dimension_limit);
    tcase_add_test(tc, garbage_never_hangs_or_crashes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(parser_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
