/*
 * test_compiler.c -- the whole compiler (compiler.c, codegen.c): the code it
 * emits, the tables around the code, and properties every compiled program
 * must have.
 *
 * Code is compared as a listing written by this file from the opcode table
 * (one "mnemonic operands" per instruction, jump targets as @pc), so a test
 * shows the exact instruction selection: fused compare-and-branch, iinc,
 * rotated loops, printf lowering.  Property tests compile every golden
 * program and mutated programs and check that each result passes the
 * verifier, that max_stack is exact, and that the line, handler and local
 * name tables keep their invariants.
 */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compiler.h"
#include "diag.h"
#include "lexer.h"
#include "module.h"
#include "opcodes.h"
#include "util.h"
#include "verify.h"

/* ---- helpers -------------------------------------------------------------- */

static bvm_module *compile_n(const char *src, size_t len, bvm_diags *diags)
{
    bvm_diags_init(diags);
    return bvm_compile(src, len, "t.vela", diags);
}

/* Compile a correct program; fails the test on any diagnostic. */
static bvm_module *compile_ok(const char *src)
{
    bvm_diags d;
    bvm_module *m = compile_n(src, strlen(src), &d);
    ck_assert_msg(m != NULL, "compile error: %d:%d: %s", d.count ? d.items[0].line : 0,
                  d.count ? d.items[0].col : 0, d.count ? d.items[0].msg : "?");
    bvm_diags_free(&d);
    return m;
}

static const bvm_function *func(const bvm_module *m, const char *name)
{
    int i = bvm_module_find_function(m, name);
    ck_assert_msg(i >= 0, "no function %s", name);
    return &m->funcs[i];
}

/* One instruction as text, operands resolved through the module. */
static void list_insn(const bvm_module *m, const bvm_function *f, uint32_t pc, bvm_buf *out)
{
    const uint8_t *code = f->code + pc;
    const bvm_op_info *info = bvm_op(code[0]);
    char tbuf[64];
    bvm_buf_printf(out, "%s", info->mnemonic);
    switch (info->format) {
    case BVM_FMT_NONE: break;
    case BVM_FMT_U8: bvm_buf_printf(out, " %u", code[1]); break;
    case BVM_FMT_I32: bvm_buf_printf(out, " %d", bvm_read_i32(code + 1)); break;
    case BVM_FMT_CONST: {
        const bvm_const *c = &m->consts[bvm_read_u16(code + 1)];
        if (c->kind == BVM_CONST_INT)
            bvm_buf_printf(out, " %lld", (long long)c->as.i);
        else if (c->kind == BVM_CONST_FLOAT)
            bvm_buf_printf(out, " %g", c->as.f);
        else {
            bvm_buf_printf(out, " \"");
            for (uint32_t i = 0; i < c->as.s.len; i++) {
                if (c->as.s.chars[i] == '\n')
                    bvm_buf_printf(out, "\\n");
                else
                    bvm_buf_u8(out, (uint8_t)c->as.s.chars[i]);
            }
            bvm_buf_u8(out, '"');
        }
        break;
    }
    case BVM_FMT_LOCAL: bvm_buf_printf(out, " %u", bvm_read_u16(code + 1)); break;
    case BVM_FMT_LOCAL_I32: bvm_buf_printf(out, " %u %d", bvm_read_u16(code + 1), bvm_read_i32(code + 3)); break;
    case BVM_FMT_GLOBAL: bvm_buf_printf(out, " %s", m->globals[bvm_read_u16(code + 1)].name); break;
    case BVM_FMT_FUNC: bvm_buf_printf(out, " %s", m->funcs[bvm_read_u16(code + 1)].name); break;
    case BVM_FMT_TYPE: bvm_buf_printf(out, " %s", bvm_type_name(m, bvm_read_u16(code + 1), tbuf, sizeof tbuf)); break;
    case BVM_FMT_FIELD: {
        const bvm_record *r = &m->records[bvm_read_u16(code + 1)];
        bvm_buf_printf(out, " %s.%s", r->name, r->fields[bvm_read_u16(code + 3)].name);
        break;
    }
    case BVM_FMT_JUMP: bvm_buf_printf(out, " @%d", (int)pc + bvm_read_i32(code + 1)); break;
    default: break;
    }
}

/* The whole function: "pc: insn" lines when with_pcs, else "insn; insn". */
static char *listing(const bvm_module *m, const char *name, bool with_pcs)
{
    const bvm_function *f = func(m, name);
    bvm_buf b = {0};
    for (uint32_t pc = 0; pc < f->code_len; pc += bvm_op(f->code[pc])->length) {
        if (with_pcs)
            bvm_buf_printf(&b, "%u: ", pc);
        else if (pc)
            bvm_buf_printf(&b, "; ");
        list_insn(m, f, pc, &b);
        if (with_pcs)
            bvm_buf_u8(&b, '\n');
    }
    bvm_buf_u8(&b, 0);
    return (char *)b.data;
}

#define ck_code(src, fname, expected)                      \
    do {                                                   \
        bvm_module *m_ = compile_ok(src);                  \
        char *l_ = listing(m_, fname, false);              \
        ck_assert_str_eq(l_, expected);                    \
        free(l_);                                          \
        bvm_module_free(m_);                               \
    } while (0)

/* Listing of `void main() { BODY }` (locals in declaration order). */
#define ck_main(body, expected) ck_code("void main() { " body " }", "main", expected)

/* Checks every compiled module must pass; returns a description of the
 * first failure, or NULL. */
static char *check_invariants(bvm_module *m)
{
    bvm_diags d;
    bvm_diags_init(&d);
    if (!bvm_verify_module(m, "t.vela", &d)) {
        char *why = bvm_format("verifier: function %s pc %lld: %s", d.items[0].func ? d.items[0].func : "?",
                               (long long)d.items[0].pc, d.items[0].msg);
        bvm_diags_free(&d);
        return why;
    }
    bvm_diags_free(&d);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const bvm_function *f = &m->funcs[i];
        /* max_stack is exact: the deepest stack before a reachable instruction */
        uint32_t deepest = 0;
        for (uint32_t pc = 0; pc < f->code_len; pc++)
            if (f->verified->depth[pc] != BVM_NOT_INSN && f->verified->depth[pc] > deepest)
                deepest = f->verified->depth[pc];
        if (deepest != f->max_stack)
            return bvm_format("%s: max_stack %u, but the deepest stack is %u", f->name, f->max_stack, deepest);
        /* every instruction is reachable: no dead code is emitted */
        for (uint32_t pc = 0; pc < f->code_len; pc += bvm_op(f->code[pc])->length)
            if (f->verified->depth[pc] == BVM_NOT_INSN)
                return bvm_format("%s: unreachable instruction at pc %u", f->name, pc);
        /* line table: from pc 0, strictly increasing, one entry per change */
        if (f->code_len && (f->nlines == 0 || f->lines[0].pc != 0))
            return bvm_format("%s: line table does not start at pc 0", f->name);
        for (uint32_t k = 1; k < f->nlines; k++)
            if (f->lines[k].pc <= f->lines[k - 1].pc || f->lines[k].line == f->lines[k - 1].line)
                return bvm_format("%s: line table entry %u", f->name, k);
        for (uint32_t k = 0; k < f->nlines; k++)
            if (f->lines[k].pc >= f->code_len || f->lines[k].line == 0)
                return bvm_format("%s: line table entry %u out of range", f->name, k);
        /* local names: in slot order, non-empty ranges inside the code */
        for (uint32_t k = 0; k < f->nlocal_names; k++) {
            const bvm_local_name *n = &f->local_names[k];
            if (n->slot >= f->nlocals || n->start >= n->end || n->end > f->code_len)
                return bvm_format("%s: local name %s", f->name, n->name);
            if (k && n->slot <= f->local_names[k - 1].slot)
                return bvm_format("%s: local names out of order", f->name);
        }
        for (uint32_t p = 0; p < f->nparams; p++) {
            const bvm_local_name *n = &f->local_names[p];
            if (n->slot != p || n->start != 0 || n->end != f->code_len)
                return bvm_format("%s: parameter %u is not named over the whole code", f->name, p);
        }
    }
    return NULL;
}

#define ck_invariants(m)                                   \
    do {                                                   \
        char *why_ = check_invariants(m);                  \
        ck_assert_msg(why_ == NULL, "%s", why_);           \
    } while (0)

/* ---- instruction selection ------------------------------------------------ */

START_TEST(recursive_function)
{
    ck_code("int fib(int n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }\n"
            "void main() { print(fib(20)); }",
            "fib",
            "load 0; iconst 2; jige @17; load 0; retv; load 0; iconst 1; isub; call fib; load 0; iconst 2; isub; "
            "call fib; iadd; retv");
}
END_TEST

START_TEST(for_loop_tests_at_the_bottom)
{
    ck_code("int sum(int[] a) { int s = 0; for (int i = 0; i < len(a); i++) s += a[i]; return s; }\n"
            "void main() { }",
            "sum",
            "iconst 0; store 1; iconst 0; store 2; jmp @42; load 1; load 0; load 2; aload; iadd; store 1; "
            "iinc 2 1; load 2; load 0; alen; jilt @21; load 1; retv");
}
END_TEST

START_TEST(while_loops)
{
    ck_main("int i = 10; while (i > 0) i--;",
            "iconst 10; store 0; jmp @20; iinc 0 -1; load 0; iconst 0; jigt @13; ret");
    /* no test at all for while (true); break leaves it */
    ck_main("int i = 0; while (true) { i++; if (i == 5) break; } print(i);",
            "iconst 0; store 0; iinc 0 1; load 0; iconst 5; jieq @33; jmp @8; load 0; tostr int; print; "
            "ldc \"\\n\"; print; ret");
    /* while (false) emits nothing */
    ck_main("while (false) { print(1); } print(2);", "ldc \"2\\n\"; print; ret");
}
END_TEST

START_TEST(fused_int_branches)
{
    /* the branch jumps when the condition is false: each test is inverted */
    const char *ops[] = {"<", "<=", ">", ">=", "==", "!="};
    const char *jumps[] = {"jige", "jigt", "jile", "jilt", "jine", "jieq"};
    for (int k = 0; k < 6; k++) {
        char src[128], want[128];
        snprintf(src, sizeof src, "void f(int a, int b) { if (a %s b) print(1); }\nvoid main() { }", ops[k]);
        snprintf(want, sizeof want, "load 0; load 1; %s @15; ldc \"1\\n\"; print; ret", jumps[k]);
        ck_code(src, "f", want);
    }
}
END_TEST

START_TEST(conditions_never_materialize_bools)
{
    ck_code("void f(int a, int b) { if (a < b && b < 10 || a == 0) print(1); }\nvoid main() { }", "f",
            "load 0; load 1; jige @24; load 1; iconst 10; jilt @37; load 0; iconst 0; jine @41; ldc \"1\\n\"; "
            "print; ret");
    ck_code("void f(int a, int b) { while (!(a >= b)) a++; }\nvoid main() { }", "f",
            "jmp @12; iinc 0 1; load 0; load 1; jilt @5; ret");
    /* floats cannot be inverted (NaN): compare, then branch on the bool */
    ck_code("void f(float x) { if (x < 1.5) print(1); }\nvoid main() { }", "f",
            "load 0; ldc 1.5; fcmplt; jf @16; ldc \"1\\n\"; print; ret");
    ck_code("void f(bool b, string s) { if (b && s != null) print(1); }\nvoid main() { }", "f",
            "load 0; jf @22; load 1; null; scmpne; jf @22; ldc \"1\\n\"; print; ret");
}
END_TEST

START_TEST(bool_values_of_logical_operators)
{
    ck_code("bool f(int a, bool b) { return a > 0 && b; }\nvoid main() { }", "f",
            "load 0; iconst 0; jile @21; load 1; jmp @23; bconst 0; retv");
    ck_code("bool f(int a, bool b) { return a > 0 || b; }\nvoid main() { }", "f",
            "load 0; iconst 0; jigt @21; load 1; jmp @23; bconst 1; retv");
    ck_code("int f(bool c) { return c ? 1 : 2; }\nvoid main() { }", "f",
            "load 0; jf @18; iconst 1; jmp @23; iconst 2; retv");
    ck_code("bool f(int a) { return !(a < 3); }\nvoid main() { }", "f", "load 0; iconst 3; icmplt; not; retv");
}
END_TEST

START_TEST(increments_use_iinc)
{
    ck_main("int i = 0; i++; i--; i += 5; i -= 7; i = i + 9; i = i - 2147483647; i += -2147483648;",
            "iconst 0; store 0; iinc 0 1; iinc 0 -1; iinc 0 5; iinc 0 -7; iinc 0 9; iinc 0 -2147483647; "
            "iinc 0 -2147483648; ret");
    /* these do not fit or are not int locals */
    ck_main("int i = 0; i -= -2147483648; i += 3000000000; i = 1 + i; i *= 2;",
            "iconst 0; store 0; load 0; iconst -2147483648; isub; store 0; load 0; ldc 3000000000; iadd; "
            "store 0; iconst 1; load 0; iadd; store 0; load 0; iconst 2; imul; store 0; ret");
    ck_main("float f = 0; f++; f += 2;", "ldc 0; store 0; load 0; ldc 1; fadd; store 0; load 0; ldc 2; fadd; "
                                          "store 0; ret");
    ck_code("int g; void main() { g++; }", "main", "gload g; iconst 1; iadd; gstore g; ret");
}
END_TEST

START_TEST(constants)
{
    ck_main("int a = 2147483647; int b = -2147483648; int c = 2147483648; int d = -9223372036854775808; "
            "float e = 2; float f = -0.5; string s = \"s\"; string t = \"s\"; bool g = true;",
            "iconst 2147483647; store 0; iconst -2147483648; store 1; ldc 2147483648; store 2; "
            "ldc -9223372036854775808; store 3; ldc 2; store 4; ldc -0.5; store 5; ldc \"s\"; store 6; ldc \"s\"; "
            "store 7; bconst 1; store 8; ret");
    bvm_module *m = compile_ok("void main() { print(\"s\", \"s\", 7000000000, 7000000000, 1.5, 1.5, 0.0, -0.0); }");
    /* equal constants share one pool entry; 0.0 and -0.0 are different */
    uint32_t floats = 0;
    for (uint32_t i = 0; i < m->nconsts; i++)
        floats += m->consts[i].kind == BVM_CONST_FLOAT;
    ck_assert_uint_eq(floats, 3); /* 1.5 once; 0.0 and -0.0 apart (bitwise equality) */
    bvm_module_free(m);
    m = compile_ok("void main() { float a = 1.5; float b = 1.5; float c = 0.0; float d = -0.0; "
                   "int e = 7000000000; int f = 7000000000; }");
    ck_assert_uint_eq(m->nconsts, 4);
    bvm_module_free(m);
}
END_TEST

START_TEST(compound_assignment_to_fields_and_elements)
{
    ck_code("struct P { int x; string s; }\nvoid f(P p, int[] a, int i) { p.x += 2; a[i] *= 3; p.s += 1; "
            "a[i] = 4; p.x = 5; }\nvoid main() { }",
            "f",
            "load 0; dup; getfield P.x; iconst 2; iadd; putfield P.x; load 1; load 2; dup2; aload; iconst 3; imul; "
            "astore; load 0; dup; getfield P.s; iconst 1; tostr int; sconcat; putfield P.s; load 1; load 2; "
            "iconst 4; astore; load 0; iconst 5; putfield P.x; ret");
}
END_TEST

START_TEST(objects_and_arrays)
{
    ck_code("struct P { int x; P next; }\nP f(P n) { return new P(1, n); }\nvoid main() { }", "f",
            "new P; dup; iconst 1; putfield P.x; dup; load 0; putfield P.next; retv");
    ck_main("int[] a = [4, 5]; float[][] g = new float[3][]; print(a[1], len(g), \"ab\"[0]);",
            "iconst 2; newarray int[]; dup; iconst 0; iconst 4; astore; dup; iconst 1; iconst 5; astore; store 0; "
            "iconst 3; newarray float[][]; store 1; load 0; iconst 1; aload; tostr int; ldc \" \"; sconcat; "
            "load 1; alen; tostr int; sconcat; ldc \" \"; sconcat; ldc \"ab\"; iconst 0; schar; tostr int; "
            "sconcat; print; ldc \"\\n\"; print; ret");
}
END_TEST

START_TEST(conversions)
{
    ck_code("float f(int i, float x, bool b) { return i + x + float(i) + int(x) + int(b) + int(i); }\n"
            "void main() { }",
            "f",
            "load 0; i2f; load 1; fadd; load 0; i2f; fadd; load 1; f2i; i2f; fadd; load 2; b2i; i2f; fadd; "
            "load 0; i2f; fadd; retv");
    ck_code("string f(int i, float x, bool b, int[] a) { return \"\" + i + x + b + str(a) + str(\"s\"); }\n"
            "void main() { }",
            "f",
            "ldc \"\"; load 0; tostr int; sconcat; load 1; tostr float; sconcat; load 2; tostr bool; sconcat; "
            "load 3; tostr int[]; sconcat; ldc \"s\"; tostr string; sconcat; retv");
}
END_TEST

START_TEST(print_evaluates_every_argument_first)
{
    /* nothing can throw: pieces are printed one by one, no concatenation */
    ck_main("int i = 1; print(\"i =\", i, true);",
            "iconst 1; store 0; ldc \"i = \"; print; load 0; tostr int; print; ldc \" true\\n\"; print; ret");
    /* a call may throw or print: everything up to it is joined first */
    ck_code("int f() { return 1; }\nvoid main() { int i = 2; print(i, f(), i); }", "main",
            "iconst 2; store 0; load 0; tostr int; ldc \" \"; sconcat; call f; tostr int; sconcat; print; "
            "ldc \" \"; print; load 0; tostr int; print; ldc \"\\n\"; print; ret");
    ck_main("print(); print(\"a\", \"b\");", "ldc \"\\n\"; print; ldc \"a b\\n\"; print; ret");
    ck_main("string s = null; print(s);", "null; store 0; load 0; print; ldc \"\\n\"; print; ret");
}
END_TEST

START_TEST(printf_lowering)
{
    ck_main("int n = 3; float x = 1.5; printf(\"n=%d x=%6.2f %s|%5s|%x %b%%\\n\", n, x, n, \"ab\", n, true);",
            "iconst 3; store 0; ldc 1.5; store 1; ldc \"n=\"; print; load 0; tostr int; print; ldc \" x=\"; "
            "print; load 1; sfmt \"%6.2f\"; print; ldc \" \"; print; load 0; tostr int; print; ldc \"|\"; print; "
            "ldc \"ab\"; sfmt \"%5s\"; print; ldc \"|\"; print; load 0; sfmt \"%x\"; print; ldc \" \"; print; "
            "bconst 1; sfmt \"%b\"; print; ldc \"%\\n\"; print; ret");
    /* literal arguments of %s and %d are formatted now */
    ck_main("printf(\"%s and %d %s %s\\n\", \"text\", -4, true, null);", "ldc \"text and -4 true null\\n\"; print; ret");
    ck_main("printf(\"%f %5s\\n\", 2, 7);", "ldc 2; sfmt \"%f\"; print; ldc \" \"; print; iconst 7; tostr int; "
                                          "sfmt \"%5s\"; print; ldc \"\\n\"; print; ret");
    ck_main("printf(\"\");", "ret");
}
END_TEST

START_TEST(locals_in_loops_are_zeroed_each_time)
{
    ck_main("int a; for (int i = 0; i < 2; i++) { int x; float y; bool z; string s; x++; }",
            "iconst 0; store 1; jmp @50; iconst 0; store 2; ldc 0; store 3; bconst 0; store 4; null; store 5; "
            "iinc 2 1; iinc 1 1; load 1; iconst 2; jilt @13; ret");
}
END_TEST

START_TEST(no_code_after_return_throw_break)
{
    ck_code("int f(int x) { return x; print(1); x++; }\nvoid main() { }", "f", "load 0; retv");
    ck_main("throw \"e\"; print(1);", "ldc \"e\"; throw");
    ck_main("for (;;) { break; print(1); }", "jmp @5; ret");
    ck_code("int f(bool c) { if (c) return 1; else return 2; }\nvoid main() { }", "f",
            "load 0; jf @14; iconst 1; retv; iconst 2; retv");
    ck_code("int f() { while (true) { } }\nvoid main() { }", "f", "jmp @0");
    ck_main("if (true) print(1); else print(2); if (false) print(3);", "ldc \"1\\n\"; print; ret");
}
END_TEST

START_TEST(jumps_to_jumps_are_threaded)
{
    ck_code("void f(int a) { while (a > 0) { if (a == 3) { a = 0; } else { a--; } } }\nvoid main() { }", "f",
            "jmp @38; load 0; iconst 3; jine @31; iconst 0; store 0; jmp @38; iinc 0 -1; load 0; iconst 0; "
            "jigt @5; ret");
}
END_TEST

START_TEST(globals_and_init)
{
    bvm_module *m = compile_ok("int a = 1 + 2; int b; string s = \"x\" + a; int[] t = [a];\n"
                               "void main() { b = a; }");
    ck_assert_uint_ne(m->init, BVM_NO_FUNC);
    ck_assert_str_eq(m->funcs[m->init].name, "$init");
    ck_assert_uint_eq(m->funcs[m->init].nparams, 0);
    ck_assert_uint_eq(m->funcs[m->init].ret_type, BVM_TYPE_VOID);
    ck_assert_uint_eq(m->entry, (uint16_t)bvm_module_find_function(m, "main"));
    char *l = listing(m, "$init", false);
    ck_assert_str_eq(l, "iconst 3; gstore a; ldc \"x\"; gload a; tostr int; sconcat; gstore s; iconst 1; "
                        "newarray int[]; dup; iconst 0; gload a; astore; gstore t; ret");
    free(l);
    ck_invariants(m);
    bvm_module_free(m);
    m = compile_ok("int a; void main() { a = 1; }");
    ck_assert_uint_eq(m->init, BVM_NO_FUNC);
    ck_assert_int_eq(bvm_module_find_function(m, "$init"), -1);
    bvm_module_free(m);
}
END_TEST

/* ---- tables ---------------------------------------------------------------- */

START_TEST(exception_handlers)
{
    bvm_module *m = compile_ok("void main() {\n"
                               "  try {\n"
                               "    try { throw \"a\"; } catch (inner) { print(inner); throw \"b\"; }\n"
                               "  } catch (outer) { print(outer); }\n"
                               "  try { } catch (never) { print(1); }\n"
                               "}\n");
    const bvm_function *f = func(m, "main");
    char *l = listing(m, "main", true);
    ck_assert_str_eq(l, "0: ldc \"a\"\n3: throw\n4: store 0\n7: load 0\n10: print\n11: ldc \"\\n\"\n14: print\n"
                        "15: ldc \"b\"\n18: throw\n19: store 1\n22: load 1\n25: print\n26: ldc \"\\n\"\n29: print\n"
                        "30: ret\n");
    free(l);
    /* the inner try comes first; an empty try has no handler at all */
    ck_assert_uint_eq(f->nhandlers, 2);
    ck_assert_uint_eq(f->handlers[0].start, 0);
    ck_assert_uint_eq(f->handlers[0].end, 4);
    ck_assert_uint_eq(f->handlers[0].handler, 4);
    ck_assert_uint_eq(f->handlers[1].start, 0);
    ck_assert_uint_eq(f->handlers[1].end, 19);
    ck_assert_uint_eq(f->handlers[1].handler, 19);
    ck_assert_uint_eq(f->max_stack, 1);
    ck_invariants(m);
    bvm_module_free(m);
}
END_TEST

START_TEST(line_table)
{
    bvm_module *m = compile_ok("void main() {\n"        /* 1 */
                               "  int x = 1;\n"         /* 2 */
                               "\n"
                               "  while (x < 10)\n"     /* 4 */
                               "    x = x * 2;\n"       /* 5 */
                               "  print(x,\n"           /* 6 */
                               "        x + 1);\n"      /* 7 */
                               "}\n");                  /* 8 */
    const bvm_function *f = func(m, "main");
    /* x=1 | jmp (line 4) | body (5) | test (4) | print x (6) | x + 1 (7) | print (6) | ret (8) */
    static const uint32_t want[][2] = {{0, 2}, {8, 4}, {13, 5}, {25, 4}, {38, 6}, {49, 7}, {61, 6}, {66, 8}};
    ck_assert_uint_eq(f->nlines, sizeof want / sizeof want[0]);
    for (uint32_t i = 0; i < f->nlines; i++) {
        ck_assert_uint_eq(f->lines[i].pc, want[i][0]);
        ck_assert_uint_eq(f->lines[i].line, want[i][1]);
    }
    ck_invariants(m);
    bvm_module_free(m);
}
END_TEST

START_TEST(local_variable_names)
{
    bvm_module *m = compile_ok("int f(int a, float b) {\n"
                               "  int sum = a;\n"
                               "  for (int i = 0; i < 3; i++) { int sq = i * i; sum += sq; }\n"
                               "  try { sum++; } catch (err) { print(err); }\n"
                               "  return sum;\n"
                               "}\nvoid main() { }");
    const bvm_function *f = func(m, "f");
    ck_assert_uint_eq(f->nlocals, 6);
    ck_assert_uint_eq(f->nlocal_names, 6);
    static const char *const names[] = {"a", "b", "sum", "i", "sq", "err"};
    for (int i = 0; i < 6; i++) {
        ck_assert_str_eq(f->local_names[i].name, names[i]);
        ck_assert_uint_eq(f->local_names[i].slot, i);
    }
    ck_assert_uint_eq(f->local_names[0].end, f->code_len);
    ck_assert_uint_eq(f->local_names[2].start, 6); /* after `sum = a` is stored */
    /* sq lives inside the loop body, i over the loop */
    ck_assert_uint_gt(f->local_names[4].start, f->local_names[3].start);
    ck_assert_uint_lt(f->local_names[4].end, f->local_names[3].end);
    ck_assert_uint_eq(f->local_types[1], BVM_TYPE_FLOAT);
    ck_assert_uint_eq(f->local_types[5], BVM_TYPE_STRING);
    ck_invariants(m);
    bvm_module_free(m);
}
END_TEST

START_TEST(max_stack_is_exact)
{
    const char *srcs[] = {
        "void main() { }",
        "void main() { int x = 1; }",
        "int f(int a, int b, int c) { return a; }\nvoid main() { print(f(1, 2, f(3, 4, 5))); }",
        "void main() { int[] a = [1, 2]; a[0] += a[1] * (a[0] + (a[1] - 3)); }",
        "struct P { P n; int v; }\nvoid main() { P p = new P(new P(null, 1), 2); p.n.v -= 1; }",
        "void main() { int x = 1; bool b = x < 2 && (x < 4 || x > 6); print(b ? 1 : 2); }",
        "void main() { try { throw \"x\"; } catch (e) { print(e); } }",
    };
    static const uint16_t want[] = {0, 1, 5, 7, 5, 2, 1};
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
        bvm_module *m = compile_ok(srcs[i]);
        ck_assert_msg(func(m, "main")->max_stack == want[i], "%s: max_stack %u", srcs[i], func(m, "main")->max_stack);
        ck_invariants(m);
        bvm_module_free(m);
    }
}
END_TEST

START_TEST(source_file_is_recorded)
{
    bvm_diags d;
    bvm_module *m = compile_n("void main() { }", 15, &d);
    ck_assert_str_eq(m->source_file, "t.vela");
    bvm_module_free(m);
    bvm_diags_free(&d);
}
END_TEST

START_TEST(compilation_is_deterministic)
{
    const char *src = "struct P { int x; }\nint g = 3;\nint f(P p) { return p.x + g; }\n"
                      "void main() { printf(\"%d %5.1f\\n\", f(new P(2)), 1.5); }";
    bvm_module *a = compile_ok(src), *b = compile_ok(src);
    ck_assert_uint_eq(a->nfuncs, b->nfuncs);
    for (uint32_t i = 0; i < a->nfuncs; i++) {
        ck_assert_uint_eq(a->funcs[i].code_len, b->funcs[i].code_len);
        ck_assert(memcmp(a->funcs[i].code, b->funcs[i].code, a->funcs[i].code_len) == 0);
    }
    ck_assert_uint_eq(a->nconsts, b->nconsts);
    bvm_module_free(a);
    bvm_module_free(b);
}
END_TEST

/* ---- errors and limits ----------------------------------------------------- */

START_TEST(errors_are_sorted_and_nothing_is_generated)
{
    bvm_diags d;
    const char *src = "void main() { int x = 1 @ 2; }\nint f() { return 1 }\nint g() { x = 3; }\n";
    bvm_module *m = compile_n(src, strlen(src), &d);
    ck_assert_ptr_null(m);
    /* lexer and parser errors together, in source order; no type errors
     * (the program did not parse) */
    ck_assert_int_eq(d.count, 2);
    ck_assert_int_eq(d.items[0].line, 1);
    ck_assert_str_eq(d.items[0].msg, "unexpected character '@'");
    ck_assert_int_eq(d.items[1].line, 2);
    ck_assert_str_eq(d.items[1].file, "t.vela");
    bvm_diags_free(&d);

    /* type errors found in different passes still come out in source order */
    src = "void main() { int x = \"s\"; }\nstruct S { Missing m; }\n";
    m = compile_n(src, strlen(src), &d);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(d.count, 2);
    ck_assert_int_eq(d.items[0].line, 1);
    ck_assert_int_eq(d.items[1].line, 2);
    bvm_diags_free(&d);
}
END_TEST

START_TEST(limit_constants)
{
    bvm_buf b = {0};
    bvm_buf_printf(&b, "void main() { int v;\n");
    for (int i = 0; i < 65536; i++)
        bvm_buf_printf(&b, "v = %lld;\n", 3000000000LL + i);
    bvm_buf_printf(&b, "}\n");
    bvm_diags d;
    bvm_module *m = compile_n((const char *)b.data, b.len, &d);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(d.count, 1);
    ck_assert_str_eq(d.items[0].msg, "too many constants in the program (the limit is 65535)");
    ck_assert_int_eq(d.items[0].line, 65537);
    ck_assert_int_eq(d.items[0].col, 5);
    bvm_diags_free(&d);
    bvm_buf_free(&b);
}
END_TEST

START_TEST(limit_operand_stack)
{
    /* 70 nested calls with 1000 arguments each need 70000 slots (calls
     * nest at most 256 deep, so only wide calls get there) */
    bvm_buf b = {0};
    bvm_buf_printf(&b, "int f(");
    for (int i = 0; i < 1000; i++)
        bvm_buf_printf(&b, "%sint a%d", i ? ", " : "", i);
    bvm_buf_printf(&b, ") { return 0; }\nvoid main() {\n  int x = ");
    for (int d = 0; d < 70; d++) {
        bvm_buf_printf(&b, "f(");
        for (int i = 0; i < 999; i++)
            bvm_buf_printf(&b, "1, ");
    }
    bvm_buf_printf(&b, "0");
    for (int d = 0; d < 70; d++)
        bvm_buf_printf(&b, ")");
    bvm_buf_printf(&b, ";\n}\n");
    bvm_diags d;
    bvm_module *m = compile_n((const char *)b.data, b.len, &d);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(d.count, 1);
    ck_assert_str_eq(d.items[0].msg,
                     "function 'main' needs more than 65534 operand stack slots (an expression is too large)");
    ck_assert_int_eq(d.items[0].line, 2);
    ck_assert_int_eq(d.items[0].col, 6);
    bvm_diags_free(&d);
    bvm_buf_free(&b);
}
END_TEST

START_TEST(limit_source_size)
{
    size_t len = BVM_MAX_SOURCE_BYTES + 1;
    char *src = malloc(len);
    memset(src, ' ', len);
    bvm_diags d;
    ck_assert_ptr_null(compile_n(src, len, &d));
    ck_assert_int_eq(d.count, 1);
    ck_assert_int_eq(d.items[0].line, 0);
    ck_assert_str_eq(d.items[0].msg, "source file is too large (16777217 bytes; the limit is 16 MiB)");
    bvm_diags_free(&d);
    free(src);
}
END_TEST

/* ---- properties over many programs ---------------------------------------- */

static char *read_text(const char *path, size_t *len)
{
    uint8_t *data;
    const char *why;
    if (!bvm_read_file(path, &data, len, &why))
        return NULL;
    return (char *)data;
}

/* Every golden program that is expected to compile does, and its module
 * passes the verifier with all the invariants above. */
START_TEST(every_golden_program_verifies)
{
    const char *root = getenv("VMLAB_GOLDEN_DIR") ? getenv("VMLAB_GOLDEN_DIR") : "tests/golden";
    DIR *top = opendir(root);
    ck_assert_msg(top != NULL, "cannot open %s (run the tests from the repository root)", root);
    int compiled = 0;
    struct dirent *cat;
    while ((cat = readdir(top)) != NULL) {
        if (cat->d_name[0] == '.')
            continue;
        char *dir_path = bvm_format("%s/%s", root, cat->d_name);
        DIR *dir = opendir(dir_path);
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL) {
            size_t n = strlen(e->d_name);
            if (n < 5 || strcmp(e->d_name + n - 5, ".vela") != 0)
                continue;
            char *path = bvm_format("%s/%s", dir_path, e->d_name);
            size_t len;
            char *src = read_text(path, &len);
            ck_assert_ptr_nonnull(src);
            bvm_diags d;
            bvm_diags_init(&d);
            bvm_module *m = bvm_compile(src, len, path, &d);
            bool expects_error = memmem(src, len, "expect error:", 13) != NULL;
            if (expects_error) {
                ck_assert_msg(m == NULL, "%s compiled but expects an error", path);
            } else {
                ck_assert_msg(m != NULL, "%s: %d:%d: %s", path, d.count ? d.items[0].line : 0,
                              d.count ? d.items[0].col : 0, d.count ? d.items[0].msg : "?");
                char *why = check_invariants(m);
                ck_assert_msg(why == NULL, "%s: %s", path, why);
                compiled++;
            }
            bvm_module_free(m);
            bvm_diags_free(&d);
            free(src);
            free(path);
        }
        if (dir)
            closedir(dir);
        free(dir_path);
    }
    closedir(top);
    ck_assert_int_gt(compiled, 50);
}
END_TEST

static const char *const sample_program =
    "struct Node { int value; Node next; }\n"
    "int total = 0;\n"
    "int[] table = [1, 2, 3];\n"
    "int sum(Node list) { int s = 0; while (list != null) { s += list.value; list = list.next; } return s; }\n"
    "float avg(int[] a) { float s = 0; for (int i = 0; i < len(a); i++) s += a[i]; return s / len(a); }\n"
    "string describe(int n) { return n % 2 == 0 ? \"even\" : \"odd\"; }\n"
    "int main() {\n"
    "  Node list = null;\n"
    "  for (int i = 1; i <= 10; i++) { if (i == 5) continue; list = new Node(i, list); }\n"
    "  try { int[] a = new int[2]; a[3] = 1; } catch (e) { print(\"caught\", e); }\n"
    "  printf(\"%d %5.2f %s %x\\n\", sum(list), avg(table), describe(total), 255);\n"
    "  while (true) { total++; if (total > 3 && total % 2 == 1 || total > 100) break; }\n"
    "  string s = \"\"; s += 'a'; s += 1.5; s += true;\n"
    "  bool b = !(total < 2) ? s == \"a\" : s != null;\n"
    "  return total & 0xFF ^ ~1 << 2 >> 1 | -9223372036854775808 % 7;\n"
    "}\n";

/* Mutations of a correct program (bytes replaced, deleted, duplicated)
 * must never crash the compiler, and whatever still compiles must verify. */
START_TEST(mutated_programs_never_crash_and_verify_when_accepted)
{
    size_t n = strlen(sample_program);
    unsigned seed = 12345;
    static const char alphabet[] = "(){}[];,.=+-*/%<>!&|^~?:\"'0123456789abxyz \n\\";
    int accepted = 0;
    for (int round = 0; round < 3000; round++) {
        char *src = malloc(n * 2 + 8);
        memcpy(src, sample_program, n);
        size_t len = n;
        int edits = 1 + round % 3;
        for (int k = 0; k < edits; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            switch ((seed >> 16) % 3) {
            case 0: src[at] = alphabet[(seed >> 4) % (sizeof alphabet - 1)]; break;
            case 1: memmove(src + at, src + at + 1, len - at - 1); len--; break;
            default: {
                size_t span = 1 + (seed >> 20) % 8;
                if (at + span > len)
                    span = len - at;
                memmove(src + at + span, src + at, len - at);
                len += span;
                break;
            }
            }
        }
        bvm_diags d;
        bvm_module *m = compile_n(src, len, &d);
        if (m) {
            accepted++;
            char *why = check_invariants(m);
            ck_assert_msg(why == NULL, "mutant %d: %s\n%.*s", round, why, (int)len, src);
        } else {
            ck_assert_int_gt(d.errors, 0);
        }
        bvm_module_free(m);
        bvm_diags_free(&d);
        free(src);
    }
    ck_assert_int_gt(accepted, 10);
}
END_TEST

START_TEST(sample_program_verifies)
{
    bvm_module *m = compile_ok(sample_program);
    ck_invariants(m);
    bvm_module_free(m);
}
END_TEST

static Suite *compiler_suite(void)
{
    Suite *s = suite_create("compiler");
    TCase *tc = tcase_create("instruction selection");
    tcase_add_test(tc, recursive_function);
    tcase_add_test(tc, for_loop_tests_at_the_bottom);
    tcase_add_test(tc, while_loops);
    tcase_add_test(tc, fused_int_branches);
    tcase_add_test(tc, conditions_never_materialize_bools);
    tcase_add_test(tc, bool_values_of_logical_operators);
    tcase_add_test(tc, increments_use_iinc);
    tcase_add_test(tc, constants);
    tcase_add_test(tc, compound_assignment_to_fields_and_elements);
    tcase_add_test(tc, objects_and_arrays);
    tcase_add_test(tc, conversions);
    tcase_add_test(tc, print_evaluates_every_argument_first);
    tcase_add_test(tc, printf_lowering);
    tcase_add_test(tc, locals_in_loops_are_zeroed_each_time);
    tcase_add_test(tc, no_code_after_return_throw_break);
    tcase_add_test(tc, jumps_to_jumps_are_threaded);
    tcase_add_test(tc, globals_and_init);
    suite_add_tcase(s, tc);
    tc = tcase_create("tables");
    tcase_add_test(tc, exception_handlers);
    tcase_add_test(tc, line_table);
    tcase_add_test(tc, local_variable_names);
    tcase_add_test(tc, max_stack_is_exact);
    tcase_add_test(tc, source_file_is_recorded);
    tcase_add_test(tc, compilation_is_deterministic);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors and limits");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, errors_are_sorted_and_nothing_is_generated);
    tcase_add_test(tc, limit_constants);
    tcase_add_test(tc, limit_operand_stack);
    tcase_add_test(tc, limit_source_size);
    suite_add_tcase(s, tc);
    tc = tcase_create("properties");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, sample_program_verifies);
    tcase_add_test(tc, every_golden_program_verifies);
    tcase_add_test(tc, mutated_programs_never_crash_and_verify_when_accepted);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(compiler_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
