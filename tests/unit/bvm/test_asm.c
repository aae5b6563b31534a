/*
 * test_asm.c -- the assembler and disassembler (asm.h).
 *
 * Round trips: module -> listing -> module gives the same bytes (and the
 * same listing again), for a small program and for a module holding every
 * table and instruction format, broken code included (sample_modules.h),
 * and for large tables (assembly must stay fast).
 *
 * Syntax: hand-written listings assemble to the expected encodings:
 * symbolic and raw operands, labels, tables, constants and types added on
 * first use, quoting, defaults for .entry and .init.
 *
 * Errors: each kind of mistake gives a file:line:col diagnostic naming it.
 *
 * bvm_disassemble_insn prints each instruction exactly as the listing does.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "disasm.h"
#include "bcfile.h"
#include "sample_modules.h"
#include "verify.h"

/* Rounds of random damage in test_random_damage; raise it to fuzz longer. */
#ifndef ROUNDS
#define ROUNDS 300
#endif

/* ===== helpers ============================================================ */

static char *listing(const bvm_module *m, const char *source)
{
    bvm_buf b = {0};
    bvm_disassemble(m, source, &b);
    bvm_buf_u8(&b, 0);
    return (char *)b.data;
}

static bvm_module *assemble_ok(const char *text)
{
    bvm_diags d;
    bvm_diags_init(&d);
    bvm_module *m = bvm_assemble(text, strlen(text), "t.vasm", &d);
    ck_assert_msg(m != NULL, "assembly failed: %s:%d:%d: %s", d.count ? d.items[0].file : "", d.count ? d.items[0].line : 0,
                  d.count ? d.items[0].col : 0, d.count ? d.items[0].msg : "(no message)");
    ck_assert_int_eq(d.count, 0);
    bvm_diags_free(&d);
    return m;
}

/* Assembling `text` must fail with a first error at line:col whose message
 * contains `message`. */
static void assert_asm_error(const char *text, int line, int col, const char *message)
{
    bvm_diags d;
    bvm_diags_init(&d);
    bvm_module *m = bvm_assemble(text, strlen(text), "bad.vasm", &d);
    ck_assert_msg(m == NULL, "assembled, but should fail with '%s'", message);
    ck_assert_int_ge(d.count, 1);
    const bvm_diag *g = &d.items[0];
    ck_assert_str_eq(g->file, "bad.vasm");
    ck_assert_msg(g->line == line && g->col == col && strstr(g->msg, message),
                  "expected %d:%d '%s', got %d:%d '%s'", line, col, message, g->line, g->col, g->msg);
    bvm_diags_free(&d);
}

/* module -> listing -> module: same bytes, same listing. */
static void assert_text_round_trip(const bvm_module *m, const char *source)
{
    char *text = listing(m, source);
    bvm_diags d;
    bvm_diags_init(&d);
    bvm_module *back = bvm_assemble(text, strlen(text), "listing.vasm", &d);
    if (!back) {
        bvm_diags_print(&d, stderr);
        fputs(text, stderr);
    }
    ck_assert_msg(back != NULL, "the listing does not assemble: %d:%d %s", d.count ? d.items[0].line : 0,
                  d.count ? d.items[0].col : 0, d.count ? d.items[0].msg : "");
    bvm_buf want = bytes_of(m), got = bytes_of(back);
    ck_assert_uint_eq(want.len, got.len);
    ck_assert_msg(memcmp(want.data, got.data, want.len) == 0, "listing -> module changed the bytes");
    char *again = listing(back, source);
    ck_assert_str_eq(again, text);
    free(again);
    free(text);
    bvm_buf_free(&want);
    bvm_buf_free(&got);
    bvm_module_free(back);
    bvm_diags_free(&d);
}

static const bvm_function *function_named(const bvm_module *m, const char *name)
{
    int i = bvm_module_find_function(m, name);
    ck_assert_msg(i >= 0, "no function %s", name);
    return &m->funcs[i];
}

/* ===== round trips ======================================================== */

START_TEST(test_hello_round_trip)
{
    bvm_module *m = sample_hello_module();
    assert_text_round_trip(m, NULL);
    assert_text_round_trip(m, "void main() {\n    print(\"hi\");\n}\n");
    bvm_module_free(m);
}
END_TEST

START_TEST(test_full_round_trip)
{
    bvm_module *m = sample_full_module();
    assert_text_round_trip(m, NULL);
    assert_text_round_trip(m, "// sample\n\nline three\n  four  \r\nfive\n");
    bvm_module_free(m);
}
END_TEST

/* The listing of a module read from its file is the same as of the
 * module itself, and assembles back to that file. */
START_TEST(test_file_to_text_and_back)
{
    bvm_module *m = sample_full_module();
    bvm_buf file = bytes_of(m);
    bvm_diags d;
    bvm_diags_init(&d);
    bvm_module *read = bvm_read_module(file.data, file.len, "x.vbc", &d);
    ck_assert_ptr_nonnull(read);
    char *a = listing(m, NULL), *b = listing(read, NULL);
    ck_assert_str_eq(a, b);
    bvm_module *back = assemble_ok(b);
    bvm_buf again = bytes_of(back);
    ck_assert_uint_eq(again.len, file.len);
    ck_assert_int_eq(memcmp(again.data, file.data, file.len), 0);
    free(a);
    free(b);
    bvm_buf_free(&file);
    bvm_buf_free(&again);
    bvm_module_free(m);
    bvm_module_free(read);
    bvm_module_free(back);
}
END_TEST

/* The listing of the smallest program, exactly: docs/assembly.md shows it. */
START_TEST(test_hello_listing)
{
    bvm_module *m = sample_hello_module();
    char *text = listing(m, "void main() { print(\"hi\"); }\n");
    ck_assert_str_eq(text,
                     "; vmlab bytecode assembly: `bvm asm` turns this listing back into the same bytecode\n"
                     ".source \"hello.vela\"\n"
                     ".entry main\n"
                     ".init none\n"
                     "\n"
                     "; constants\n"
                     ".const string \"hi\\n\"                    ; #0\n"
                     "\n"
                     ".func void main()                       ; function #0\n"
                     "        .max_stack 1\n"
                     "\n"
                     "; 1 | void main() { print(\"hi\"); }\n"
                     "        .line 1\n"
                     "        ldc \"hi\\n\"                      ; pc 0\n"
                     "        print                           ; pc 3\n"
                     "        ret                             ; pc 4\n"
                     ".end\n");
    free(text);
    bvm_module_free(m);
}
END_TEST

/* Large tables, many duplicate names, many symbolic operands: listing and
 * assembling stay exact (and fast: names are looked up through hash maps).
 * The sizes are moderate because module.c grows tables one entry at a
 * time, which is slow under ASan. */
START_TEST(test_large_tables)
{
    bvm_module *m = bvm_module_new();
    for (int i = 0; i < 4000; i++) {
        bvm_module_add_const(m, (bvm_const){.kind = BVM_CONST_INT, .as.i = i % 1000}); /* many duplicates */
        bvm_module_add_global(m, i % 2 ? "g" : "h", BVM_TYPE_INT);
    }
    for (int i = 0; i < 2000; i++)
        bvm_module_add_type(m, (bvm_type){BVM_TK_ARRAY, (uint16_t)(i % 50)});
    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    for (int i = 0; i < 60; i++)
        fn_local(&b, BVM_TYPE_INT);
    for (int i = 0; i < 30000; i++) {
        emit(&b, BVM_OP_LDC, i % 4000);
        emit(&b, BVM_OP_GSTORE, i % 4000);
        emit(&b, BVM_OP_NEWARRAY, i % 2000 + 5);
        emit(&b, BVM_OP_STORE, i % 60);
        emit(&b, BVM_OP_JMP, 0);
    }
    emit(&b, BVM_OP_RET);
    fn_end(&b, 1);
    for (uint16_t s = 0; s < 60; s++)
        sample_local_name(m, b.index, "x", s, 0, 1); /* 60 slots named x */
    for (int i = 0; i < 1500; i++) {
        fn_builder g = fn_begin(m, "f", BVM_TYPE_VOID, 0);
        emit(&g, BVM_OP_CALL, i);
        emit(&g, BVM_OP_RET);
        fn_end(&g, 0);
    }
    m->entry = 0;
    assert_text_round_trip(m, NULL);
    bvm_module_free(m);
}
END_TEST

/* ===== syntax ============================================================= */

static const char *const list_program =
    "; sum of a list, written by hand\n"
    ".record Node\n"
    "    .field int value\n"
    "    .field Node next\n"
    ".end\n"
    "\n"
    ".func int sum(Node list)\n"
    "    .local int total\n"
    "    .max_stack 2\n"
    "    .var list 0 done\n"
    "    .var total total 5 done\n"
    "    .line 3\n"
    "    iconst 0\n"
    "    store total\n"
    "loop:\n"
    "    .line 4\n"
    "    load list\n"
    "    null\n"
    "    rcmpeq\n"
    "    jt done\n"
    "    load total\n"
    "    load list\n"
    "    getfield Node.value\n"
    "    iadd\n"
    "    store total\n"
    "    load list\n"
    "    getfield Node.next\n"
    "    store list\n"
    "    jmp loop\n"
    "done: load total\n"
    "    retv\n"
    ".end\n"
    "\n"
    ".func void main()\n"
    "    .local Node list\n"
    "    .local int i\n"
    "    .max_stack 3\n"
    "    iconst 1\n"
    "    store i\n"
    "next:\n"
    "    load i\n"
    "    iconst 10\n"
    "    jigt print     ; leave the loop after 10\n"
    "    new Node\n"
    "    dup\n"
    "    load i\n"
    "    putfield Node.value\n"
    "    dup\n"
    "    load list\n"
    "    putfield Node.next\n"
    "    store list\n"
    "    iinc i, 1\n"
    "    jmp next\n"
    "print:\n"
    "    ldc \"sum = \"\n"
    "    load list\n"
    "    call sum\n"
    "    sfmt \"%d\"\n"
    "    sconcat\n"
    "    print\n"
    "    ret\n"
    ".end\n";

START_TEST(test_hand_written_program)
{
    bvm_module *m = assemble_ok(list_program);
    bvm_diags d;
    bvm_diags_init(&d);
    ck_assert_msg(bvm_verify_module(m, "t.vasm", &d), "does not verify: %s", d.count ? d.items[0].msg : "");
    ck_assert_uint_eq(m->entry, 1);
    ck_assert_uint_eq(m->init, BVM_NO_FUNC);
    /* Node's record type was added on first use; the format string too. */
    ck_assert_uint_eq(m->ntypes, BVM_TYPE__FIRST_USER + 1);
    ck_assert_uint_eq(m->types[5].kind, BVM_TK_RECORD);
    ck_assert_uint_eq(m->nconsts, 2);
    ck_assert_str_eq(m->consts[0].as.s.chars, "sum = ");
    ck_assert_str_eq(m->consts[1].as.s.chars, "%d");
    const bvm_function *sum = function_named(m, "sum");
    ck_assert_uint_eq(sum->nparams, 1);
    ck_assert_uint_eq(sum->nlocals, 2);
    ck_assert_uint_eq(sum->local_types[0], 5);
    ck_assert_uint_eq(sum->code[13], BVM_OP_JT);
    ck_assert_int_eq(bvm_read_i32(sum->code + 14), 49 - 13); /* done is at pc 49 */
    ck_assert_uint_eq(sum->code[44], BVM_OP_JMP);
    ck_assert_int_eq(bvm_read_i32(sum->code + 45), 8 - 44);
    ck_assert_uint_eq(sum->nlines, 2);
    ck_assert_uint_eq(sum->lines[1].pc, 8);
    ck_assert_uint_eq(sum->lines[1].line, 4);
    ck_assert_uint_eq(sum->nlocal_names, 2);
    ck_assert_str_eq(sum->local_names[1].name, "total");
    ck_assert_uint_eq(sum->local_names[1].slot, 1);
    ck_assert_uint_eq(sum->local_names[1].start, 5);
    ck_assert_uint_eq(sum->local_names[1].end, 49);
    const bvm_function *mn = function_named(m, "main");
    ck_assert_uint_eq(mn->code[45], BVM_OP_IINC);
    ck_assert_uint_eq(bvm_read_u16(mn->code + 46), 1);
    ck_assert_int_eq(bvm_read_i32(mn->code + 48), 1);
    assert_text_round_trip(m, NULL);
    bvm_diags_free(&d);
    bvm_module_free(m);
}
END_TEST

START_TEST(test_raw_operands)
{
    bvm_module *m;
    m = assemble_ok(".record R\n.field int a\n.field int b\n.end\n"
                    ".func void main()\n"
                    ".local int\n"
                    ".max_stack 0\n"
                    "jmp +2\n"         /* pc 0 */
                    "load #3\n"        /* pc 5 */
                    "getfield #0.#1\n" /* pc 8 */
                    "getfield R.#7\n"  /* pc 13 */
                    "getfield #9.#9\n" /* pc 18 */
                    ".byte 0xEE, 1 2\n" /* pc 23 */
                    "bconst 7\n"       /* pc 26 */
                    "bconst true\n"    /* pc 28 */
                    "call #12\n"       /* pc 30 */
                    "new #300\n"       /* pc 33 */
                    "ldc #65535\n"     /* pc 36 */
                    "iconst -2147483648\n" /* pc 39 */
                    "iconst 0x7fffffff\n"  /* pc 44 */
                    "iinc #0 -3\n"     /* pc 49: 7 bytes */
                    ".end\n");
    const bvm_function *f = &m->funcs[0];
    ck_assert_uint_eq(f->code_len, 56);
    ck_assert_int_eq(bvm_read_i32(f->code + 1), 2);
    ck_assert_uint_eq(bvm_read_u16(f->code + 6), 3);
    ck_assert_uint_eq(bvm_read_u16(f->code + 9), 0);
    ck_assert_uint_eq(bvm_read_u16(f->code + 11), 1);
    ck_assert_uint_eq(bvm_read_u16(f->code + 14), 0);
    ck_assert_uint_eq(bvm_read_u16(f->code + 16), 7);
    ck_assert_uint_eq(bvm_read_u16(f->code + 19), 9);
    ck_assert_uint_eq(f->code[23], 0xEE);
    ck_assert_uint_eq(f->code[24], 1);
    ck_assert_uint_eq(f->code[25], 2);
    ck_assert_uint_eq(f->code[27], 7);
    ck_assert_uint_eq(f->code[29], 1);
    ck_assert_uint_eq(bvm_read_u16(f->code + 31), 12);
    ck_assert_uint_eq(bvm_read_u16(f->code + 34), 300);
    ck_assert_uint_eq(bvm_read_u16(f->code + 37), 65535);
    ck_assert_int_eq(bvm_read_i32(f->code + 40), INT32_MIN);
    ck_assert_int_eq(bvm_read_i32(f->code + 45), INT32_MAX);
    ck_assert_int_eq(bvm_read_i32(f->code + 52), -3);
    assert_text_round_trip(m, NULL);
    bvm_module_free(m);
}
END_TEST

START_TEST(test_constants_and_types_on_first_use)
{
    bvm_module *m = assemble_ok(".const int 7\n"
                                ".type int[]\n"
                                ".func void main()\n"
                                ".local int[][] grid\n"
                                ".local float[] xs\n"
                                ".max_stack 1\n"
                                "ldc 7\n"        /* the declared #0 */
                                "ldc \"a\\n\"\n" /* added: #1 */
                                "ldc 7.0\n"      /* a float: #2 */
                                "ldc \"a\\n\"\n" /* #1 again */
                                "ldc -inf\n"     /* #3 */
                                "ldc 7\n"
                                "newarray int[]\n"
                                "ret\n"
                                ".end\n");
    ck_assert_uint_eq(m->nconsts, 4);
    ck_assert_uint_eq(m->consts[1].as.s.len, 2);
    ck_assert_uint_eq(m->consts[2].kind, BVM_CONST_FLOAT);
    ck_assert(m->consts[3].as.f < -1e308);
    const uint8_t *code = m->funcs[0].code;
    static const uint16_t want[] = {0, 1, 2, 1, 3, 0};
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(bvm_read_u16(code + 1 + 3 * i), want[i]);
    /* int[] was declared (#5); int[][] (#6) and float[] (#7) were added. */
    ck_assert_uint_eq(m->ntypes, 8);
    ck_assert_uint_eq(m->types[6].kind, BVM_TK_ARRAY);
    ck_assert_uint_eq(m->types[6].arg, 5);
    ck_assert_uint_eq(m->types[7].arg, BVM_TYPE_FLOAT);
    ck_assert_uint_eq(m->funcs[0].local_types[0], 6);
    ck_assert_uint_eq(bvm_read_u16(code + 19), 5);
    bvm_module_free(m);
}
END_TEST

START_TEST(test_tables_and_module_directives)
{
    bvm_module *m = assemble_ok(".source \"x.vela\"\r\n"
                                ".entry \"go\"\r\n"
                                ".init none\r\n"
                                ".global \"int\"[] weird\n"
                                ".record \"int\"\n"
                                ".end\n"
                                ".type \"int\"\n"
                                ".type record #9\n"
                                ".type #40[]\n"
                                ".const float bits 0x7ff0000000000001\n"
                                ".func void $init()\n.max_stack 0\nret\n.end\n"
                                ".func int go(int a, float)\n"
                                "  .max_stack 1\n"
                                "  .handler 0 top L5\n"
                                "  .handler top L5 7\n"
                                "  .var a 0 L5\n"
                                "  .var \"a b\" #1 1 2\n"
                                "  .var \"\", a 2, 3\n"
                                "  .line 9 3\n"
                                "top:\n"
                                "  .line 10\n"
                                "  load a\n"
                                "L5: retv\n"
                                "  .line 11\n"
                                ".end\n");
    ck_assert_str_eq(m->source_file, "x.vela");
    ck_assert_uint_eq(m->entry, 1);
    ck_assert_uint_eq(m->init, BVM_NO_FUNC);
    ck_assert_uint_eq(m->ntypes, 9);
    ck_assert_uint_eq(m->types[5].kind, BVM_TK_RECORD);
    ck_assert_uint_eq(m->types[5].arg, 0);
    ck_assert_uint_eq(m->types[6].arg, 9);
    ck_assert_uint_eq(m->types[7].kind, BVM_TK_ARRAY);
    ck_assert_uint_eq(m->types[7].arg, 40);
    ck_assert_uint_eq(m->types[8].arg, 5); /* "int"[] for the global, added */
    ck_assert_uint_eq(m->globals[0].type, 8);
    uint64_t bits;
    memcpy(&bits, &m->consts[0].as.f, 8);
    ck_assert(bits == 0x7ff0000000000001ull);
    const bvm_function *f = &m->funcs[1];
    ck_assert_uint_eq(f->nparams, 2);
    ck_assert_uint_eq(f->nhandlers, 2);
    ck_assert_uint_eq(f->handlers[0].start, 0);
    ck_assert_uint_eq(f->handlers[0].end, 0);
    ck_assert_uint_eq(f->handlers[0].handler, 3);
    ck_assert_uint_eq(f->handlers[1].handler, 7);
    ck_assert_uint_eq(f->nlocal_names, 3);
    ck_assert_uint_eq(f->local_names[0].end, 3);
    ck_assert_str_eq(f->local_names[1].name, "a b");
    ck_assert_uint_eq(f->local_names[1].slot, 1);
    ck_assert_str_eq(f->local_names[2].name, "");
    ck_assert_uint_eq(f->nlines, 3);
    ck_assert_uint_eq(f->lines[0].pc, 3);
    ck_assert_uint_eq(f->lines[0].line, 9);
    ck_assert_uint_eq(f->lines[1].pc, 0);
    ck_assert_uint_eq(f->lines[2].pc, 4);
    assert_text_round_trip(m, NULL);
    bvm_module_free(m);

    /* Without .entry and .init: the functions named main and $init. */
    m = assemble_ok(".func void $init()\n.max_stack 0\n.end\n.func void main()\n.max_stack 0\n.end\n");
    ck_assert_uint_eq(m->entry, 1);
    ck_assert_uint_eq(m->init, 0);
    bvm_module_free(m);
    m = assemble_ok("");
    ck_assert_uint_eq(m->entry, BVM_NO_FUNC);
    ck_assert_uint_eq(m->nfuncs, 0);
    bvm_module_free(m);
}
END_TEST

/* Things a verifier test needs to write: all assemble. */
START_TEST(test_invalid_programs_assemble)
{
    bvm_module *m = assemble_ok(".func void main()\n"
                                ".max_stack 0\n"
                                "iadd\n"          /* stack underflow */
                                "jmp +1\n"        /* into the middle of itself */
                                "fadd\n"
                                ".byte 0x01\n"    /* iconst cut short */
                                ".end\n");
    bvm_diags d;
    bvm_diags_init(&d);
    ck_assert(!bvm_verify_module(m, "t.vasm", &d));
    bvm_diags_free(&d);
    bvm_module_free(m);
}
END_TEST

/* ===== errors ============================================================= */

START_TEST(test_errors)
{
    static const struct {
        const char *text;
        int line, col;
        const char *message;
    } cases[] = {
        {".func void main()\n.max_stack 0\n  frob 1\n.end\n", 3, 3, "unknown instruction 'frob'"},
        {".func void main()\n.max_stack 0\njmp nowhere\n.end\n", 3, 5, "unknown label 'nowhere' in function 'main'"},
        {".func void main()\n.max_stack 0\na:\na: ret\n.end\n", 4, 1, "duplicate label 'a'"},
        {".const string \"abc\n", 1, 19, "unterminated string"},
        {".const string \"a\\qb\"\n", 1, 17, "unknown escape '\\q'"},
        {".const string \"a\\x4\"\n", 1, 17, "\\x must be followed by two hex digits"},
        {".func void main()\n.max_stack 0\n", 1, 1, "'.func' block has no '.end' before the end of the file"},
        {".end\n", 1, 1, "'.end' without a '.record' or '.func' to end"},
        {".func void f()\n.max_stack 0\n.func void g()\n.max_stack 0\n.end\n", 3, 1,
         "'.func' block opened on line 1 has no '.end'"},
        {".func void main()\n.local int x\n.max_stack 0\nload\n.end\n", 4, 5, "'load' needs a local operand"},
        {".func void main()\n.max_stack 0\niadd 1\n.end\n", 3, 6, "unexpected '1': 'iadd' takes no operands"},
        {".func void main()\n.max_stack 0\niconst 3000000000\n.end\n", 3, 8, "int operand 3000000000 is out of range"},
        {".func void main()\n.max_stack 0\nbconst 256\n.end\n", 3, 8, "byte 256 is out of range (0 to 255)"},
        {".func void main()\n.max_stack 0\nload #70000\n.end\n", 3, 6, "index #70000 is out of range"},
        {".func void main()\n.max_stack 0\niconst 12ab\n.end\n", 3, 8, "'12ab' is not a valid integer"},
        {".func Foo main()\n.max_stack 0\n.end\n", 1, 7, "unknown type 'Foo'"},
        {".type Foo\n", 1, 7, "unknown record 'Foo'"},
        {".type int\n", 1, 7, "the built-in types need no declaration"},
        {".type int[][]\n.type int[]\n", 1, 7, "type 'int[]' is not declared before this line"},
        {".record R\n.field int a\n.end\n.func void main()\n.max_stack 0\ngetfield R.b\n.end\n", 6, 12,
         "record 'R' has no field 'b'"},
        {".func void main()\n.max_stack 0\ncall nobody\n.end\n", 3, 6, "unknown function 'nobody'"},
        {".func void main()\n.max_stack 0\ngload g\n.end\n", 3, 7, "unknown global 'g'"},
        {".func void main()\n.max_stack 0\nload x\n.end\n", 3, 6, "unknown local 'x'"},
        {".func void main()\n.max_stack 0\nret\n.local int x\n.end\n", 4, 1,
         "'.local' must come before the function's first instruction"},
        {".func void main()\nret\n.end\n", 1, 1, "function 'main' has no .max_stack"},
        {".func void main()\n.max_stack 0\n.max_stack 1\n.end\n", 3, 1, "duplicate .max_stack"},
        {".global int none\n", 1, 13, "'none' is a reserved word; write \"none\" (quoted)"},
        {".global int \"a\\0b\"\n", 1, 13, "a global name cannot contain a NUL byte"},
        {"iadd\n", 1, 1, "an instruction must be inside a '.func' block"},
        {".field int x\n", 1, 1, "'.field' must be inside a '.record' block"},
        {".func void main()\n.max_stack 0\n.type int[]\n.end\n", 3, 1, "'.type' must be outside any '.record'"},
        {".frobnicate\n", 1, 1, "unknown directive '.frobnicate'"},
        {".func void main(int x, int x)\n.max_stack 0\n.end\n", 1, 28, "local name 'x' is already slot 0"},
        {".func void main()\n.max_stack 0\n.var y 0 1\n.end\n", 3, 6, "no local is named 'y'"},
        {".func void main()\n.max_stack 0\nret ; fine\n  \x01\n.end\n", 4, 3, "unexpected byte 0x01"},
        {"iadd @\n", 1, 6, "unexpected character '@'"},
        {".entry main\n", 1, 8, "unknown function 'main'"},
        {".entry none\n.entry none\n", 2, 8, "duplicate .entry (the first is on line 1)"},
        {".const double 1\n", 1, 8, "expected a constant kind: int, float or string"},
        {".const float 1e999\n", 1, 14, "'1e999' is not a valid float"},
        {".const int 9223372036854775808\n", 1, 12, "is not a valid integer"},
        {".func void main()\n.max_stack 0\nldc 0x\n.end\n", 3, 5, "'0x' is not a valid integer"},
        {".func void main()\n.max_stack 0\nL1:\n.end\nL2:\n", 5, 1, "a label must be inside a '.func' block"},
        {".func void main()\n.max_stack 0\n# 3\n.end\n", 3, 1, "'#' must be followed by an index number"},
        {".func void main(\n.max_stack 0\n.end\n", 1, 17, "expected a type"},
        /* a line that fails after using a label must not leave the label's use behind */
        {".func void main()\n.max_stack 0\n.handler a b\na: b: ret\n.end\n", 3, 13, "expected a pc"},
        {".func void main()\n.max_stack 0\n.var \"v\" #0 a #5\na: ret\n.end\n", 3, 15, "expected a pc"},
        {".func void main()\n.max_stack 0\n.line 3 a b\na: ret\n.end\n", 3, 11, "unexpected 'b'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_asm_error(cases[i].text, cases[i].line, cases[i].col, cases[i].message);
}
END_TEST

/* Every bad line is reported, in the order of the text, whichever pass
 * found it; good lines around them are not. */
START_TEST(test_errors_reported_in_order)
{
    const char *text = ".func void main()\n"   /* 1 */
                       ".max_stack 0\n"        /* 2 */
                       "frob\n"                /* 3: pass 3 */
                       "ret\n"                 /* 4 */
                       ".end\n"                /* 5 */
                       ".type Nope\n"          /* 6: pass 2 */
                       ".const string \"x\n"   /* 7: pass 1 (lexical) */
                       ".type int[]\n";        /* 8 */
    bvm_diags d;
    bvm_diags_init(&d);
    ck_assert_ptr_null(bvm_assemble(text, strlen(text), "e.vasm", &d));
    ck_assert_int_eq(d.count, 3);
    ck_assert_int_eq(d.items[0].line, 3);
    ck_assert_int_eq(d.items[1].line, 6);
    ck_assert_int_eq(d.items[2].line, 7);
    bvm_diags_free(&d);

    /* A NUL byte inside the text is an error, not the end of the text. */
    static const char with_nul[] = ".func void main()\n.max_stack 0\nret\0\n.end\n";
    bvm_diags_init(&d);
    ck_assert_ptr_null(bvm_assemble(with_nul, sizeof with_nul - 1, "n.vasm", &d));
    ck_assert_int_eq(d.count, 1);
    ck_assert_int_eq(d.items[0].line, 3);
    ck_assert_int_eq(d.items[0].col, 4);
    bvm_diags_free(&d);
}
END_TEST

/* Random damage to a listing -- characters changed, lines deleted, swapped
 * or repeated -- gives a module or diagnostics, never a crash (under ASan
 * in `make asan`) or an error without a position. */
START_TEST(test_random_damage)
{
    bvm_module *m = sample_full_module();
    char *good = listing(m, NULL);
    size_t len = strlen(good);
    static const char alphabet[] = " \n\t:;,.#\"\\[]()+-0123456789xLabc@$";
    uint32_t seed = 4321;
    for (int round = 0; round < ROUNDS; round++) {
        char *text = bvm_xmalloc(len * 2 + 1);
        memcpy(text, good, len + 1);
        size_t n = len;
        for (int k = 0; k < 1 + round % 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 4) % n;
            switch ((seed >> 28) % 4) {
            case 0: /* change a character */
                text[at] = alphabet[(seed >> 12) % (sizeof alphabet - 1)];
                break;
            case 1: { /* delete the rest of a line */
                char *eol = strchr(text + at, '\n');
                if (eol)
                    memmove(text + at, eol, strlen(eol) + 1);
                break;
            }
            case 2: { /* repeat a line */
                char *start = text + at;
                while (start > text && start[-1] != '\n')
                    start--;
                char *eol = strchr(start, '\n');
                size_t line = eol ? (size_t)(eol - start) + 1 : strlen(start);
                if (n + line <= len * 2) {
                    memmove(start + line, start, strlen(start) + 1);
                    n += line;
                }
                break;
            }
            default: /* cut the text short */
                text[at] = '\0';
                break;
            }
            n = strlen(text);
            if (n == 0)
                break;
        }
        bvm_diags d;
        bvm_diags_init(&d);
        bvm_module *r = bvm_assemble(text, strlen(text), "fuzz.vasm", &d);
        if (r) {
            ck_assert_int_eq(d.count, 0);
            bvm_module_free(r);
        } else {
            ck_assert_int_ge(d.count, 1);
            for (int i = 0; i < d.count; i++)
                ck_assert_msg(d.items[i].line > 0 && d.items[i].col > 0, "%s", d.items[i].msg);
        }
        bvm_diags_free(&d);
        free(text);
    }
    free(good);
    bvm_module_free(m);
}
END_TEST

/* Every file the reader accepts lists and assembles back to itself: damage
 * to the bytes of a valid file makes modules no compiler would (indices
 * anywhere, code that does not decode), which must survive all the same. */
START_TEST(test_damaged_files_round_trip)
{
    bvm_module *m = sample_full_module();
    bvm_buf good = bytes_of(m);
    uint32_t seed = 777;
    int accepted = 0;
    for (int round = 0; round < ROUNDS; round++) {
        uint8_t *copy = bvm_xmalloc(good.len);
        memcpy(copy, good.data, good.len);
        for (int k = 0; k < 1 + round % 3; k++) {
            seed = seed * 1103515245u + 12345u;
            copy[(seed >> 8) % good.len] ^= (uint8_t)(1u << ((seed >> 3) % 8));
        }
        bvm_diags d;
        bvm_diags_init(&d);
        bvm_module *r = bvm_read_module(copy, good.len, "fuzz.vbc", &d);
        if (r) {
            accepted++;
            char *text = listing(r, NULL);
            bvm_module *back = bvm_assemble(text, strlen(text), "fuzz.vasm", &d);
            ck_assert_msg(back != NULL, "round %d: listing does not assemble: %d:%d %s", round,
                          d.count ? d.items[0].line : 0, d.count ? d.items[0].col : 0, d.count ? d.items[0].msg : "");
            bvm_buf again = bytes_of(back);
            ck_assert_msg(again.len == good.len && memcmp(again.data, copy, good.len) == 0,
                          "round %d: file -> listing -> file changed the bytes", round);
            bvm_buf_free(&again);
            bvm_module_free(back);
            bvm_module_free(r);
            free(text);
        }
        bvm_diags_free(&d);
        free(copy);
    }
    ck_assert_int_gt(accepted, ROUNDS / 10);
    bvm_buf_free(&good);
    bvm_module_free(m);
}
END_TEST

/* ===== one instruction ==================================================== */

/* Every instruction line of the listing is what bvm_disassemble_insn says
 * for that function and pc. */
START_TEST(test_insn_matches_listing)
{
    bvm_module *m = sample_full_module();
    char *text = listing(m, NULL);
    int func = -1;
    unsigned checked = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, ".func ", 6) == 0)
            func++;
        char *pc_comment = strstr(line, "; pc ");
        if (!pc_comment || func < 0)
            continue;
        uint32_t pc = (uint32_t)strtoul(pc_comment + 5, NULL, 10);
        char *start = line;
        if (start[0] == 'L')
            start = strchr(start, ':') + 1;
        while (*start == ' ')
            start++;
        char *end = pc_comment;
        while (end > start && end[-1] == ' ')
            end--;
        *end = '\0';
        const bvm_function *f = &m->funcs[func];
        bvm_buf one = {0};
        uint32_t len = bvm_disassemble_insn(m, f, pc, &one);
        bvm_buf_u8(&one, 0);
        ck_assert_str_eq((char *)one.data, start);
        ck_assert_uint_eq(len == 0, strncmp(start, ".byte", 5) == 0);
        bvm_buf_free(&one);
        checked++;
    }
    ck_assert_uint_gt(checked, 300);
    free(text);

    bvm_buf none = {0};
    ck_assert_uint_eq(bvm_disassemble_insn(m, &m->funcs[0], m->funcs[0].code_len, &none), 0);
    ck_assert_uint_eq(none.len, 0);
    bvm_module_free(m);
}
END_TEST

START_TEST(test_insn_in_verified_code)
{
    bvm_module *m = assemble_ok(list_program);
    bvm_diags d;
    bvm_diags_init(&d);
    ck_assert(bvm_verify_module(m, "t.vasm", &d));
    const bvm_function *mn = function_named(m, "main");
    static const struct {
        uint32_t pc;
        const char *text;
    } expect[] = {
        {0, "iconst 1"}, {16, "jigt L57"}, {21, "new Node"}, {28, "putfield Node.value"},
        {45, "iinc #1, 1"}, {52, "jmp L8"}, {57, "ldc \"sum = \""}, {63, "call sum"}, {66, "sfmt \"%d\""},
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        bvm_buf b = {0};
        ck_assert_uint_eq(bvm_disassemble_insn(m, mn, expect[i].pc, &b), bvm_op(mn->code[expect[i].pc])->length);
        bvm_buf_u8(&b, 0);
        ck_assert_str_eq((char *)b.data, expect[i].text);
        bvm_buf_free(&b);
    }
    const bvm_function *sum = function_named(m, "sum");
    bvm_buf b = {0};
    bvm_disassemble_insn(m, sum, 5, &b);
    bvm_buf_u8(&b, 0);
    ck_assert_str_eq((char *)b.data, "store total"); /* named from the debug names */
    bvm_buf_free(&b);
    bvm_diags_free(&d);
    bvm_module_free(m);
}
END_TEST

/* Slots sharing a debug name get unique assembly names. */
START_TEST(test_slot_names)
{
    bvm_module *m = sample_full_module();
    char *text = listing(m, NULL);
    ck_assert_ptr_nonnull(strstr(text, ".local int x "));     /* slot 0 keeps x */
    ck_assert_ptr_nonnull(strstr(text, ".local Node        ")); /* slot 1: x@1 is taken, so unnamed */
    ck_assert_ptr_nonnull(strstr(text, ".local int y "));
    ck_assert_ptr_nonnull(strstr(text, ".local Node x@1 "));
    ck_assert_ptr_nonnull(strstr(text, ".var x #1 5 L965\n")); /* 5 is inside iconst */
    ck_assert_ptr_nonnull(strstr(text, ".var \"a b\" #3 L0 L"));
    ck_assert_ptr_nonnull(strstr(text, ".var y L0 3\n"));        /* 3 is mid-instruction */
    free(text);
    bvm_module_free(m);

    m = assemble_ok(".func void f(int, int, int)\n.max_stack 0\n.var i #0 0 0\n.var i #1 0 0\n.var i #2 0 0\n.end\n");
    text = listing(m, NULL);
    ck_assert_ptr_nonnull(strstr(text, ".func void f(int i, int i@1, int i@2)"));
    ck_assert_ptr_nonnull(strstr(text, ".var i i@1 L0 L0"));
    free(text);
    bvm_module_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("asm");
    TCase *rt = tcase_create("round trip");
    tcase_set_timeout(rt, 60);
    tcase_add_test(rt, test_hello_round_trip);
    tcase_add_test(rt, test_full_round_trip);
    tcase_add_test(rt, test_file_to_text_and_back);
    tcase_add_test(rt, test_hello_listing);
    tcase_add_test(rt, test_large_tables);
    tcase_add_test(rt, test_damaged_files_round_trip);
    suite_add_tcase(s, rt);
    TCase *syntax = tcase_create("syntax");
    tcase_add_test(syntax, test_hand_written_program);
    tcase_add_test(syntax, test_raw_operands);
    tcase_add_test(syntax, test_constants_and_types_on_first_use);
    tcase_add_test(syntax, test_tables_and_module_directives);
    tcase_add_test(syntax, test_invalid_programs_assemble);
    suite_add_tcase(s, syntax);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_errors);
    tcase_add_test(errors, test_errors_reported_in_order);
    tcase_add_test(errors, test_random_damage);
    tcase_set_timeout(errors, 120);
    suite_add_tcase(s, errors);
    TCase *insn = tcase_create("one instruction");
    tcase_add_test(insn, test_insn_matches_listing);
    tcase_add_test(insn, test_insn_in_verified_code);
    tcase_add_test(insn, test_slot_names);
    suite_add_tcase(s, insn);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
