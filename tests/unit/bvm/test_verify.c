/*
 * test_verify.c -- the bytecode verifier (verify.c).
 *
 * Modules are built by hand with module.h's builders and code bytes emitted
 * one instruction at a time, so each test shows exactly what the verifier
 * sees.  There is one test per rejection rule, checking the message and its
 * location (function, pc), and acceptance tests of correct code -- merges,
 * loops, handlers, calls, every opcode -- that also check the stack maps
 * (depth and stack_types) the interpreter's GC and the debugger rely on.
 */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "module.h"
#include "opcodes.h"
#include "util.h"
#include "verify.h"

/* ===== building modules by hand ========================================= */

/* Append one instruction.  Operands follow in encoding order as ints; a
 * jump's operand is its absolute target pc.  Returns the instruction's pc. */
static uint32_t emit(bvm_buf *code, unsigned op, ...)
{
    uint32_t pc = (uint32_t)code->len;
    va_list ap;
    va_start(ap, op);
    bvm_buf_u8(code, (uint8_t)op);
    switch (bvm_op(op)->format) {
    case BVM_FMT_NONE:
        break;
    case BVM_FMT_U8:
        bvm_buf_u8(code, (uint8_t)va_arg(ap, int));
        break;
    case BVM_FMT_I32:
        bvm_buf_u32(code, (uint32_t)va_arg(ap, int));
        break;
    case BVM_FMT_JUMP:
        bvm_buf_u32(code, (uint32_t)(va_arg(ap, int) - (int)pc));
        break;
    case BVM_FMT_LOCAL_I32: {
        int slot = va_arg(ap, int);
        bvm_buf_u16(code, (uint16_t)slot);
        bvm_buf_u32(code, (uint32_t)va_arg(ap, int));
        break;
    }
    case BVM_FMT_FIELD: {
        int record = va_arg(ap, int);
        bvm_buf_u16(code, (uint16_t)record);
        bvm_buf_u16(code, (uint16_t)va_arg(ap, int));
        break;
    }
    default: /* one u16 index */
        bvm_buf_u16(code, (uint16_t)va_arg(ap, int));
        break;
    }
    va_end(ap);
    return pc;
}

/* Point the jump at `at` to `target` (for forward jumps). */
static void patch(bvm_buf *code, uint32_t at, uint32_t target)
{
    bvm_write_i32(code->data + at + 1, (int32_t)(target - at));
}

static uint32_t here(const bvm_buf *code) { return (uint32_t)code->len; }

/* Add a function: return type, parameter count, declared max_stack, its
 * code (taken over), then nlocals local types.  `main` becomes the entry. */
static uint16_t add_fn(bvm_module *m, const char *name, uint16_t ret, uint16_t nparams, uint16_t max_stack,
                       bvm_buf *code, int nlocals, ...)
{
    uint16_t i = bvm_module_add_function(m, name);
    bvm_function *f = &m->funcs[i];
    f->ret_type = ret;
    f->nparams = nparams;
    f->max_stack = max_stack;
    f->nlocals = (uint16_t)nlocals;
    f->local_types = calloc((size_t)nlocals + 1, sizeof *f->local_types);
    va_list ap;
    va_start(ap, nlocals);
    for (int l = 0; l < nlocals; l++)
        f->local_types[l] = (uint16_t)va_arg(ap, int);
    va_end(ap);
    /* An exact-size copy, so that ASan catches any read past the end. */
    f->code_len = (uint32_t)code->len;
    f->code = malloc(code->len + !code->len);
    if (code->len)
        memcpy(f->code, code->data, code->len);
    bvm_buf_free(code);
    if (strcmp(name, "main") == 0)
        m->entry = i;
    return i;
}

static void add_handler(bvm_module *m, uint16_t fi, uint32_t start, uint32_t end, uint32_t handler)
{
    bvm_function *f = &m->funcs[fi];
    f->handlers = realloc(f->handlers, (f->nhandlers + 1) * sizeof *f->handlers);
    f->handlers[f->nhandlers++] = (bvm_handler){start, end, handler};
}

static void add_line(bvm_module *m, uint16_t fi, uint32_t pc, uint32_t line)
{
    bvm_function *f = &m->funcs[fi];
    f->lines = realloc(f->lines, (f->nlines + 1) * sizeof *f->lines);
    f->lines[f->nlines++] = (bvm_line){pc, line};
}

static void add_local_name(bvm_module *m, uint16_t fi, const char *name, uint16_t slot, uint32_t start, uint32_t end)
{
    bvm_function *f = &m->funcs[fi];
    f->local_names = realloc(f->local_names, (f->nlocal_names + 1) * sizeof *f->local_names);
    f->local_names[f->nlocal_names++] = (bvm_local_name){bvm_xstrdup(name), slot, start, end};
}

/* A module whose main (void, no locals) is just the given code. */
static bvm_module *main_module(uint16_t max_stack, bvm_buf *code)
{
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_VOID, 0, max_stack, code, 0);
    return m;
}

/* ===== checking the verdict ============================================= */

static bvm_diags diags;

static void setup(void) { bvm_diags_init(&diags); }
static void teardown(void) { bvm_diags_free(&diags); }

static bool verify(bvm_module *m)
{
    bvm_diags_free(&diags);
    return bvm_verify_module(m, "test.vbc", &diags);
}

static void assert_no_stack_maps(const bvm_module *m)
{
    for (uint32_t i = 0; i < m->nfuncs; i++)
        ck_assert_ptr_null(m->funcs[i].verified);
}

/* Diagnostic i is an error with this function (NULL: a module error), pc
 * and message. */
static void assert_diag(int i, const char *func, int64_t pc, const char *msg)
{
    ck_assert_int_gt(diags.count, i);
    const bvm_diag *d = &diags.items[i];
    ck_assert_int_eq(d->level, BVM_DIAG_ERROR);
    ck_assert_str_eq(d->msg, msg);
    ck_assert_str_eq(d->file, "test.vbc");
    if (func)
        ck_assert_str_eq(d->func, func);
    else
        ck_assert_ptr_null(d->func);
    ck_assert_int_eq(d->pc, pc);
}

/* Verification fails with exactly this one error, and frees the module. */
static void reject(bvm_module *m, const char *func, int64_t pc, const char *msg)
{
    ck_assert(!verify(m));
    assert_diag(0, func, pc, msg);
    ck_assert_int_eq(diags.count, 1);
    assert_no_stack_maps(m);
    bvm_module_free(m);
}

/* Verification succeeds; every function gets its stack maps. */
static void accept(bvm_module *m)
{
    bool ok = verify(m);
    ck_assert_msg(ok, "rejected: %s", diags.count ? diags.items[0].msg : "(no message)");
    ck_assert_int_eq(diags.count, 0);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const bvm_verified *v = m->funcs[i].verified;
        ck_assert_ptr_nonnull(v);
        ck_assert_uint_eq(v->code_len, m->funcs[i].code_len);
        ck_assert_uint_eq(v->max_stack, m->funcs[i].max_stack);
    }
}

static uint16_t depth_at(const bvm_module *m, uint16_t fi, uint32_t pc) { return m->funcs[fi].verified->depth[pc]; }

static uint16_t type_at(const bvm_module *m, uint16_t fi, uint32_t pc, uint16_t slot)
{
    const bvm_verified *v = m->funcs[fi].verified;
    ck_assert_uint_lt(slot, v->depth[pc]);
    return v->stack_types[(size_t)pc * v->max_stack + slot];
}

/* ===== module tables ===================================================== */

/* The smallest valid main, for tests about the tables. */
static bvm_module *tiny_module(void)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    return main_module(0, &c);
}

START_TEST(table_builtin_type_replaced)
{
    bvm_module *m = tiny_module();
    m->types[BVM_TYPE_FLOAT].kind = BVM_TK_STRING;
    reject(m, NULL, -1, "type 2 must be the built-in type float");
}
END_TEST

START_TEST(table_user_type_of_builtin_kind)
{
    bvm_module *m = tiny_module();
    bvm_module_add_type(m, (bvm_type){.kind = BVM_TK_INT});
    reject(m, NULL, -1, "type 5: only array and record types may follow the built-in types, found int");
}
END_TEST

START_TEST(table_unknown_type_kind)
{
    bvm_module *m = tiny_module();
    bvm_module_add_type(m, (bvm_type){.kind = 42});
    reject(m, NULL, -1, "type 5: unknown type kind 42");
}
END_TEST

START_TEST(table_array_element_after_array)
{
    bvm_module *m = tiny_module();
    bvm_module_add_type(m, (bvm_type){.kind = BVM_TK_ARRAY, .arg = 5}); /* itself */
    reject(m, NULL, -1, "type 5: array element type 5 must come before the array type");
}
END_TEST

START_TEST(table_array_of_void)
{
    bvm_module *m = tiny_module();
    bvm_module_add_type(m, (bvm_type){.kind = BVM_TK_ARRAY, .arg = BVM_TYPE_VOID});
    reject(m, NULL, -1, "type 5: array of void");
}
END_TEST

START_TEST(table_record_type_out_of_range)
{
    bvm_module *m = tiny_module();
    bvm_module_add_record(m, "Node");
    bvm_module_add_type(m, (bvm_type){.kind = BVM_TK_RECORD, .arg = 1});
    reject(m, NULL, -1, "type 5: record 1 out of range (the module has 1 record)");
}
END_TEST

START_TEST(table_too_many_types)
{
    bvm_module *m = tiny_module();
    /* Filled in place: the builder grows tables one entry at a time. */
    m->types = realloc(m->types, 0xFFFF * sizeof *m->types);
    for (; m->ntypes < 0xFFFF; m->ntypes++)
        m->types[m->ntypes] = (bvm_type){.kind = BVM_TK_ARRAY, .arg = BVM_TYPE_INT};
    reject(m, NULL, -1, "too many types: 65535 (at most 65534)");
}
END_TEST

START_TEST(table_unknown_constant_kind)
{
    bvm_module *m = tiny_module();
    bvm_module_intern_int(m, 7);
    bvm_module_add_const(m, (bvm_const){.kind = 9});
    reject(m, NULL, -1, "constant 1: unknown constant kind 9");
}
END_TEST

START_TEST(table_field_type_out_of_range)
{
    bvm_module *m = tiny_module();
    uint16_t r = bvm_module_add_record(m, "Node");
    bvm_module_add_field(m, r, "value", BVM_TYPE_INT);
    bvm_module_add_field(m, r, "next", 99);
    reject(m, NULL, -1, "record 'Node' field 'next': type 99 out of range (the module has 5 types)");
}
END_TEST

START_TEST(table_field_of_void)
{
    bvm_module *m = tiny_module();
    uint16_t r = bvm_module_add_record(m, "Node");
    bvm_module_add_field(m, r, "nothing", BVM_TYPE_VOID);
    reject(m, NULL, -1, "record 'Node' field 'nothing': void is not a value type");
}
END_TEST

START_TEST(table_global_of_void)
{
    bvm_module *m = tiny_module();
    bvm_module_add_global(m, "g", BVM_TYPE_VOID);
    reject(m, NULL, -1, "global 'g': void is not a value type");
}
END_TEST

START_TEST(table_return_type_out_of_range)
{
    bvm_module *m = tiny_module();
    m->funcs[0].ret_type = 77;
    reject(m, "main", -1, "return type 77 out of range (the module has 5 types)");
}
END_TEST

START_TEST(table_more_params_than_locals)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    bvm_module *m = tiny_module();
    uint16_t f = add_fn(m, "f", BVM_TYPE_VOID, 2, 0, &c, 1, BVM_TYPE_INT);
    (void)f;
    reject(m, "f", -1, "2 parameters but only 1 local (parameters are the first locals)");
}
END_TEST

START_TEST(table_max_stack_too_large)
{
    /* 0xFFFF is BVM_NOT_INSN, so no depth may reach it. */
    bvm_module *m = tiny_module();
    m->funcs[0].max_stack = 0xFFFF;
    reject(m, "main", -1, "max_stack 65535 is too large (at most 65534)");
}
END_TEST

START_TEST(table_local_of_void)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_VOID, 0, 0, &c, 2, BVM_TYPE_INT, BVM_TYPE_VOID);
    reject(m, "main", -1, "local 1: void is not a value type");
}
END_TEST

START_TEST(table_local_type_out_of_range)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_VOID, 0, 0, &c, 1, 300);
    reject(m, "main", -1, "local 0: type 300 out of range (the module has 5 types)");
}
END_TEST

START_TEST(entry_missing)
{
    bvm_module *m = tiny_module();
    m->entry = BVM_NO_FUNC;
    reject(m, NULL, -1, "the module has no entry function (main)");
}
END_TEST

START_TEST(entry_out_of_range)
{
    bvm_module *m = tiny_module();
    m->entry = 3;
    reject(m, NULL, -1, "entry function 3 out of range (the module has 1 function)");
}
END_TEST

START_TEST(entry_not_main)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    m->entry = add_fn(m, "start", BVM_TYPE_VOID, 0, 0, &c, 0);
    reject(m, "start", -1, "the entry function must be named 'main'");
}
END_TEST

START_TEST(entry_with_parameters)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_VOID, 1, 0, &c, 1, BVM_TYPE_INT);
    reject(m, "main", -1, "main must take no parameters, it takes 1");
}
END_TEST

START_TEST(entry_returning_float)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_LDC, 0);
    emit(&c, BVM_OP_RETV);
    bvm_module *m = bvm_module_new();
    bvm_module_intern_float(m, 1.5);
    add_fn(m, "main", BVM_TYPE_FLOAT, 0, 1, &c, 0);
    reject(m, "main", -1, "main must return void or int");
}
END_TEST

START_TEST(init_with_parameters)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    bvm_module *m = tiny_module();
    m->init = add_fn(m, "$init", BVM_TYPE_VOID, 1, 0, &c, 1, BVM_TYPE_INT);
    reject(m, "$init", -1, "the global initializer must be a void function without parameters");
}
END_TEST

START_TEST(init_out_of_range)
{
    bvm_module *m = tiny_module();
    m->init = 4;
    reject(m, NULL, -1, "initializer function 4 out of range (the module has 1 function)");
}
END_TEST

/* ===== decoding and operands ============================================ */

START_TEST(code_empty)
{
    bvm_buf c = {0};
    reject(main_module(0, &c), "main", -1, "the function has no code (it must end in ret, retv, throw or jmp)");
}
END_TEST

START_TEST(code_unknown_opcode)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NOP);
    bvm_buf_u8(&c, 0xEE);
    reject(main_module(0, &c), "main", 1, "unknown opcode 0xee");
}
END_TEST

START_TEST(code_truncated_instruction)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NOP);
    bvm_buf_u8(&c, BVM_OP_ICONST);
    bvm_buf_u16(&c, 7); /* two of the four operand bytes */
    reject(main_module(1, &c), "main", 1,
           "truncated instruction: iconst needs 5 bytes, only 3 left before the end of the code");
}
END_TEST

START_TEST(operand_bool_not_0_or_1)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 2);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    reject(main_module(1, &c), "main", 0, "bconst operand must be 0 or 1, found 2");
}
END_TEST

START_TEST(operand_constant_out_of_range)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    emit(&c, BVM_OP_LDC, 3); /* unreachable code is checked too */
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(1, &c);
    bvm_module_intern_int(m, 1);
    reject(m, "main", 1, "constant 3 out of range (the module has 1 constant)");
}
END_TEST

START_TEST(operand_sfmt_not_string)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_SFMT, 0);
    emit(&c, BVM_OP_PRINT);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(1, &c);
    bvm_module_intern_int(m, 1);
    reject(m, "main", 5, "sfmt needs a string constant, constant 0 is an int");
}
END_TEST

/* A module whose main formats an int with the given sfmt constant. */
static bvm_module *sfmt_module(const char *spec, uint32_t len)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_SFMT, 0);
    emit(&c, BVM_OP_PRINT);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(1, &c);
    bvm_module_intern_string(m, spec, len);
    return m;
}

START_TEST(operand_sfmt_bad_specs)
{
    static const struct {
        const char *spec;
        const char *why;
    } cases[] = {
        {"d", "must start with '%'"},
        {"", "must start with '%'"},
        {"%d%d", "must hold exactly one conversion and nothing else"},
        {"%d\n", "must hold exactly one conversion and nothing else"},
        {"x=%d", "must start with '%'"},
        {"%q", "has the unknown conversion 'q'"},
        {"%ld", "has the unknown conversion 'l'"},
        {"%%", "has the unknown conversion '%'"},
        {"%--5d", "repeats the flag '-'"},
        {"%5", "ends before its conversion letter"},
        {"%1000d", "asks for a width over 999"},
        {"%.1000f", "asks for a precision over 999"},
        {"%*d", "has the unknown conversion '*'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *msg = bvm_format("sfmt format (constant 0) %s", cases[i].why);
        reject(sfmt_module(cases[i].spec, (uint32_t)strlen(cases[i].spec)), "main", 5, msg);
        free(msg);
    }
    /* A NUL byte inside the spec is not its conversion letter. */
    reject(sfmt_module("%\0d", 3), "main", 5, "sfmt format (constant 0) has the unknown conversion byte 0x00");
}
END_TEST

START_TEST(operand_local_out_of_range)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_LOAD, 2);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_VOID, 0, 1, &c, 2, BVM_TYPE_INT, BVM_TYPE_INT);
    reject(m, "main", 0, "local 2 out of range (the function has 2 locals)");
}
END_TEST

START_TEST(operand_iinc_not_int)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_IINC, 0, 1);
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_VOID, 0, 0, &c, 1, BVM_TYPE_FLOAT);
    reject(m, "main", 0, "iinc needs an int local, local 0 is float");
}
END_TEST

START_TEST(operand_global_out_of_range)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_GLOAD, 1);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(1, &c);
    bvm_module_add_global(m, "g", BVM_TYPE_INT);
    reject(m, "main", 0, "global 1 out of range (the module has 1 global)");
}
END_TEST

START_TEST(operand_function_out_of_range)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_CALL, 5);
    emit(&c, BVM_OP_RET);
    reject(main_module(1, &c), "main", 0, "function 5 out of range (the module has 1 function)");
}
END_TEST

START_TEST(operand_type_out_of_range)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_TOSTR, 9);
    emit(&c, BVM_OP_PRINT);
    emit(&c, BVM_OP_RET);
    reject(main_module(1, &c), "main", 5, "type 9 out of range (the module has 5 types)");
}
END_TEST

START_TEST(operand_new_not_record)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NEW, BVM_TYPE_STRING);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    reject(main_module(1, &c), "main", 0, "new needs a record type, type 4 is string");
}
END_TEST

START_TEST(operand_newarray_not_array)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 3);
    emit(&c, BVM_OP_NEWARRAY, BVM_TYPE_INT);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    reject(main_module(1, &c), "main", 5, "newarray needs an array type, type 1 is int");
}
END_TEST

START_TEST(operand_tostr_void)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 3);
    emit(&c, BVM_OP_TOSTR, BVM_TYPE_VOID);
    emit(&c, BVM_OP_PRINT);
    emit(&c, BVM_OP_RET);
    reject(main_module(1, &c), "main", 5, "tostr needs a value type, type 0 is void");
}
END_TEST

START_TEST(operand_record_out_of_range)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NULL);
    emit(&c, BVM_OP_GETFIELD, 1, 0);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(1, &c);
    bvm_module_add_record(m, "Node");
    reject(m, "main", 1, "record 1 out of range (the module has 1 record)");
}
END_TEST

START_TEST(operand_field_out_of_range)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NULL);
    emit(&c, BVM_OP_GETFIELD, 0, 2);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(1, &c);
    uint16_t r = bvm_module_add_record(m, "Point");
    bvm_module_add_field(m, r, "x", BVM_TYPE_INT);
    bvm_module_add_field(m, r, "y", BVM_TYPE_INT);
    reject(m, "main", 1, "field 2 out of range (record 'Point' has 2 fields)");
}
END_TEST

START_TEST(jump_outside_code)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NOP);
    emit(&c, BVM_OP_JMP, 40);
    emit(&c, BVM_OP_RET);
    reject(main_module(0, &c), "main", 1, "jump target 40 is outside the code (0 to 6)");
}
END_TEST

START_TEST(jump_backward_outside_code)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NOP);
    emit(&c, BVM_OP_JMP, -3);
    reject(main_module(0, &c), "main", 1, "jump target -3 is outside the code (0 to 5)");
}
END_TEST

START_TEST(jump_into_instruction)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 1);       /* 0 */
    emit(&c, BVM_OP_JT, 17);          /* 2 */
    emit(&c, BVM_OP_ICONST, 1);       /* 7 */
    emit(&c, BVM_OP_POP);             /* 12 */
    emit(&c, BVM_OP_NOP);             /* 13 */
    emit(&c, BVM_OP_NOP);             /* 14 */
    emit(&c, BVM_OP_ICONST, 5);       /* 15: 17 is inside */
    emit(&c, BVM_OP_POP);             /* 20 */
    emit(&c, BVM_OP_RET);             /* 21 */
    reject(main_module(1, &c), "main", 2, "jump target 17 is inside the instruction at 15");
}
END_TEST

/* ===== exception handler table ========================================== */

/* main: iconst 1; pop; ldc "x"; throw | handler 10: print; ret */
static bvm_module *handler_module(uint32_t start, uint32_t end, uint32_t handler)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1); /* 0 */
    emit(&c, BVM_OP_POP);       /* 5 */
    emit(&c, BVM_OP_LDC, 0);    /* 6 */
    emit(&c, BVM_OP_THROW);     /* 9 */
    emit(&c, BVM_OP_PRINT);     /* 10 */
    emit(&c, BVM_OP_RET);       /* 11 */
    bvm_module *m = main_module(1, &c);
    bvm_module_intern_string(m, "x", 1);
    add_handler(m, 0, start, end, handler);
    return m;
}

START_TEST(handler_accepted)
{
    bvm_module *m = handler_module(0, 10, 10);
    accept(m);
    ck_assert_uint_eq(depth_at(m, 0, 10), 1);
    ck_assert_uint_eq(type_at(m, 0, 10, 0), BVM_TYPE_STRING);
    ck_assert_uint_eq(depth_at(m, 0, 11), 0);
    bvm_module_free(m);
}
END_TEST

START_TEST(handler_empty_range)
{
    reject(handler_module(6, 6, 10), "main", -1, "handler 0: range [6, 6) is empty");
}
END_TEST

START_TEST(handler_range_past_code)
{
    reject(handler_module(0, 13, 10), "main", -1, "handler 0: range end 13 is past the end of the code (12 bytes)");
}
END_TEST

START_TEST(handler_range_start_inside_instruction)
{
    reject(handler_module(2, 10, 10), "main", -1, "handler 0: range start 2 is inside the instruction at 0");
}
END_TEST

START_TEST(handler_range_end_inside_instruction)
{
    reject(handler_module(0, 8, 10), "main", -1, "handler 0: range end 8 is inside the instruction at 6");
}
END_TEST

START_TEST(handler_pc_inside_instruction)
{
    reject(handler_module(0, 10, 7), "main", -1, "handler 0: handler pc 7 is inside the instruction at 6");
}
END_TEST

START_TEST(handler_pc_outside_code)
{
    reject(handler_module(0, 10, 12), "main", -1, "handler 0: handler pc 12 is outside the code (0 to 11)");
}
END_TEST

START_TEST(handler_needs_a_stack_slot)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(0, &c);
    add_handler(m, 0, 0, 1, 1);
    reject(m, "main", 1, "a handler starts with the exception message on the stack, but max_stack is 0");
}
END_TEST

START_TEST(handler_reached_by_fallthrough_with_other_depth)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NOP); /* 0: falls into the handler with an empty stack */
    emit(&c, BVM_OP_POP); /* 1: handler */
    emit(&c, BVM_OP_RET); /* 2 */
    bvm_module *m = main_module(1, &c);
    add_handler(m, 0, 0, 1, 1);
    reject(m, "main", 1, "stack depth differs where control flow merges (1 vs 0)");
}
END_TEST

/* ===== dataflow: stack depth and types ================================== */

START_TEST(stack_underflow)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_IADD);
    emit(&c, BVM_OP_RET);
    reject(main_module(2, &c), "main", 5, "stack underflow: iadd needs 2 values, stack has 1");
}
END_TEST

START_TEST(stack_underflow_pop)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    reject(main_module(2, &c), "main", 0, "stack underflow: pop needs 1 value, stack has 0");
}
END_TEST

START_TEST(stack_overflow)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_ICONST, 2);
    emit(&c, BVM_OP_DUP2);
    emit(&c, BVM_OP_RET);
    reject(main_module(3, &c), "main", 10, "stack overflow: after dup2 the stack would hold 4 values, but max_stack is 3");
}
END_TEST

START_TEST(type_mismatch_int_float)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_LDC, 0);
    emit(&c, BVM_OP_IADD);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(2, &c);
    bvm_module_intern_float(m, 2.0);
    reject(m, "main", 8, "type mismatch: iadd expects int, found float (stack slot 1)");
}
END_TEST

START_TEST(type_mismatch_jt_needs_bool)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_JT, 10);
    emit(&c, BVM_OP_RET);
    reject(main_module(1, &c), "main", 5, "type mismatch: jt expects bool, found int (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_throw_needs_string)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_THROW);
    reject(main_module(1, &c), "main", 5, "type mismatch: throw expects string, found int (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_print_null_is_a_string)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NULL);
    emit(&c, BVM_OP_PRINT);
    emit(&c, BVM_OP_BCONST, 1);
    emit(&c, BVM_OP_PRINT);
    emit(&c, BVM_OP_RET);
    reject(main_module(1, &c), "main", 4, "type mismatch: print expects string, found bool (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_store)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_LDC, 0);
    emit(&c, BVM_OP_STORE, 1);
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    bvm_module_intern_string(m, "s", 1);
    add_fn(m, "main", BVM_TYPE_VOID, 0, 1, &c, 2, BVM_TYPE_STRING, BVM_TYPE_INT);
    reject(m, "main", 3, "type mismatch: store to local 1 expects int, found string (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_store_null_into_int)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NULL);
    emit(&c, BVM_OP_STORE, 0);
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_VOID, 0, 1, &c, 1, BVM_TYPE_INT);
    reject(m, "main", 1, "type mismatch: store to local 0 expects int, found null (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_gstore)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 0);
    emit(&c, BVM_OP_GSTORE, 0);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(1, &c);
    bvm_module_add_global(m, "count", BVM_TYPE_INT);
    reject(m, "main", 2, "type mismatch: gstore to global 'count' expects int, found bool (stack slot 0)");
}
END_TEST

/* A module with record Node { int value; Node next; }, its type (5) and
 * the type Node[] (6). */
static bvm_module *node_module(uint16_t max_stack, bvm_buf *code, int nlocals, uint16_t local0)
{
    bvm_module *m = bvm_module_new();
    uint16_t r = bvm_module_add_record(m, "Node");
    uint16_t node = bvm_module_intern_record_type(m, r);
    bvm_module_add_field(m, r, "value", BVM_TYPE_INT);
    bvm_module_add_field(m, r, "next", node);
    bvm_module_intern_array_type(m, node);
    add_fn(m, "main", BVM_TYPE_VOID, 0, max_stack, code, nlocals, local0);
    return m;
}

START_TEST(type_mismatch_putfield_value)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NEW, 5);
    emit(&c, BVM_OP_ICONST, 3);
    emit(&c, BVM_OP_PUTFIELD, 0, 1);
    emit(&c, BVM_OP_RET);
    reject(node_module(2, &c, 0, 0), "main", 8, "type mismatch: putfield Node.next expects Node, found int (stack slot 1)");
}
END_TEST

START_TEST(type_mismatch_getfield_object)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_LDC, 0);
    emit(&c, BVM_OP_GETFIELD, 0, 0);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    bvm_module *m = node_module(1, &c, 0, 0);
    bvm_module_intern_string(m, "not a node", 10);
    reject(m, "main", 3, "type mismatch: getfield Node.value expects Node, found string (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_getfield_other_record)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NEW, 8);
    emit(&c, BVM_OP_GETFIELD, 0, 0);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    bvm_module *m = node_module(1, &c, 0, 0);
    uint16_t r = bvm_module_add_record(m, "Point");
    bvm_module_add_field(m, r, "x", BVM_TYPE_INT);
    bvm_module_add_type(m, (bvm_type){BVM_TK_ARRAY, BVM_TYPE_INT}); /* 7 */
    ck_assert_uint_eq(bvm_module_intern_record_type(m, r), 8);
    reject(m, "main", 3, "type mismatch: getfield Node.value expects Node, found Point (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_aload_not_array)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_ICONST, 0);
    emit(&c, BVM_OP_ALOAD);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    reject(main_module(2, &c), "main", 10, "type mismatch: aload expects an array, found int (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_aload_index)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_LOAD, 0);
    emit(&c, BVM_OP_BCONST, 0);
    emit(&c, BVM_OP_ALOAD);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    reject(node_module(2, &c, 1, 6), "main", 5, "type mismatch: aload expects int, found bool (stack slot 1)");
}
END_TEST

START_TEST(type_mismatch_aload_statically_null)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NULL);
    emit(&c, BVM_OP_ICONST, 0);
    emit(&c, BVM_OP_ALOAD);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    reject(main_module(2, &c), "main", 6, "type mismatch: aload expects an array, found null (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_astore_element)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_LOAD, 0);
    emit(&c, BVM_OP_ICONST, 0);
    emit(&c, BVM_OP_ICONST, 7);
    emit(&c, BVM_OP_ASTORE);
    emit(&c, BVM_OP_RET);
    reject(node_module(3, &c, 1, 6), "main", 13, "type mismatch: astore expects Node, found int (stack slot 2)");
}
END_TEST

START_TEST(type_mismatch_alen_string)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_LDC, 0);
    emit(&c, BVM_OP_ALEN);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(1, &c);
    bvm_module_intern_string(m, "abc", 3);
    reject(m, "main", 3, "type mismatch: alen expects an array, found string (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_rcmpeq_string)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NULL);
    emit(&c, BVM_OP_LDC, 0);
    emit(&c, BVM_OP_RCMPEQ);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(2, &c);
    bvm_module_intern_string(m, "abc", 3);
    reject(m, "main", 4, "type mismatch: rcmpeq expects an array or record reference, found string (stack slot 1)");
}
END_TEST

START_TEST(type_mismatch_tostr)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_TOSTR, BVM_TYPE_FLOAT);
    emit(&c, BVM_OP_PRINT);
    emit(&c, BVM_OP_RET);
    reject(main_module(1, &c), "main", 5, "type mismatch: tostr expects float, found int (stack slot 0)");
}
END_TEST

START_TEST(type_mismatch_sfmt_operand)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_SFMT, 0);
    emit(&c, BVM_OP_PRINT);
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(1, &c);
    bvm_module_intern_string(m, "%-8.3f", 6);
    reject(m, "main", 5, "type mismatch: sfmt expects float, found int (stack slot 0)");
}
END_TEST

START_TEST(merge_depth_differs)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 1);           /* 0  [I]     */
    emit(&c, BVM_OP_BCONST, 1);           /* 5  [I B]   */
    uint32_t j = emit(&c, BVM_OP_JT, 0);  /* 7  [I]: the jump reaches 17 first */
    emit(&c, BVM_OP_ICONST, 2);           /* 12 [I I]   */
    uint32_t join = emit(&c, BVM_OP_POP); /* 17: [I] or [I I] */
    patch(&c, j, join);
    emit(&c, BVM_OP_RET);
    reject(main_module(3, &c), "main", 17, "stack depth differs where control flow merges (1 vs 2)");
}
END_TEST

START_TEST(merge_types_differ)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 1);                 /* 0 */
    uint32_t j = emit(&c, BVM_OP_JF, 0);        /* 2 */
    emit(&c, BVM_OP_ICONST, 1);                 /* 7 */
    uint32_t k = emit(&c, BVM_OP_JMP, 0);       /* 12 */
    uint32_t other = emit(&c, BVM_OP_LDC, 0);   /* 17 */
    uint32_t join = emit(&c, BVM_OP_POP);       /* 20 */
    emit(&c, BVM_OP_RET);
    patch(&c, j, other);
    patch(&c, k, join);
    bvm_module *m = main_module(1, &c);
    bvm_module_intern_float(m, 1.0);
    reject(m, "main", 20, "stack types differ where control flow merges (stack slot 0: int vs float)");
}
END_TEST

START_TEST(merge_null_with_int)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 1);                 /* 0 */
    uint32_t j = emit(&c, BVM_OP_JF, 0);        /* 2 */
    emit(&c, BVM_OP_NULL);                      /* 7 */
    uint32_t k = emit(&c, BVM_OP_JMP, 0);       /* 8 */
    uint32_t other = emit(&c, BVM_OP_ICONST, 4); /* 13 */
    uint32_t join = emit(&c, BVM_OP_POP);       /* 18 */
    emit(&c, BVM_OP_RET);
    patch(&c, j, other);
    patch(&c, k, join);
    reject(main_module(1, &c), "main", 18, "stack types differ where control flow merges (stack slot 0: null vs int)");
}
END_TEST

START_TEST(merge_different_references)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 1);                 /* 0 */
    uint32_t j = emit(&c, BVM_OP_JF, 0);        /* 2 */
    emit(&c, BVM_OP_NEW, 5);                    /* 7 */
    uint32_t k = emit(&c, BVM_OP_JMP, 0);       /* 10 */
    uint32_t other = emit(&c, BVM_OP_LOAD, 0);  /* 15 */
    uint32_t join = emit(&c, BVM_OP_POP);       /* 18 */
    emit(&c, BVM_OP_RET);
    patch(&c, j, other);
    patch(&c, k, join);
    reject(node_module(1, &c, 1, 6), "main", 18,
           "stack types differ where control flow merges (stack slot 0: Node vs Node[])");
}
END_TEST

START_TEST(loop_grows_stack)
{
    bvm_buf c = {0};
    uint32_t top = emit(&c, BVM_OP_ICONST, 1); /* 0: pushes one more each time round */
    emit(&c, BVM_OP_JMP, (int)top);
    reject(main_module(4, &c), "main", 0, "stack depth differs where control flow merges (0 vs 1)");
}
END_TEST

START_TEST(call_argument_type)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    bvm_module_intern_string(m, "s", 1);
    add_fn(m, "f", BVM_TYPE_VOID, 2, 0, &c, 3, BVM_TYPE_STRING, BVM_TYPE_INT, BVM_TYPE_FLOAT);
    emit(&c, BVM_OP_LDC, 0);
    emit(&c, BVM_OP_LDC, 0);
    emit(&c, BVM_OP_CALL, 0);
    emit(&c, BVM_OP_RET);
    add_fn(m, "main", BVM_TYPE_VOID, 0, 2, &c, 0);
    reject(m, "main", 6, "call to 'f': argument 2 must be int, found string");
}
END_TEST

START_TEST(call_too_few_arguments)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    add_fn(m, "f", BVM_TYPE_VOID, 2, 0, &c, 2, BVM_TYPE_INT, BVM_TYPE_INT);
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_CALL, 0);
    emit(&c, BVM_OP_RET);
    add_fn(m, "main", BVM_TYPE_VOID, 0, 2, &c, 0);
    reject(m, "main", 5, "stack underflow: call to 'f' needs 2 arguments, stack has 1");
}
END_TEST

START_TEST(ret_in_non_void_function)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_INT, 0, 0, &c, 0);
    reject(m, "main", 0, "ret in a function returning int (use retv to return a value)");
}
END_TEST

START_TEST(retv_in_void_function)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 0);
    emit(&c, BVM_OP_RETV);
    reject(main_module(1, &c), "main", 5, "retv in a void function (use ret)");
}
END_TEST

START_TEST(retv_wrong_type)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 0);
    emit(&c, BVM_OP_RETV);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_INT, 0, 1, &c, 0);
    reject(m, "main", 2, "type mismatch: retv expects int, found bool (stack slot 0)");
}
END_TEST

START_TEST(falls_off_the_end)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NOP);
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_POP);
    reject(main_module(1, &c), "main", 6, "control falls off the end of the function");
}
END_TEST

START_TEST(conditional_branch_falls_off_the_end)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 1);
    emit(&c, BVM_OP_JT, 0);
    reject(main_module(1, &c), "main", 2, "control falls off the end of the function");
}
END_TEST

START_TEST(unreachable_code_may_fall_off)
{
    /* Unreachable code must decode, but is not run through the dataflow. */
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    emit(&c, BVM_OP_IADD);
    bvm_module *m = main_module(0, &c);
    accept(m);
    ck_assert_uint_eq(depth_at(m, 0, 0), 0);
    ck_assert_uint_eq(depth_at(m, 0, 1), BVM_NOT_INSN);
    bvm_module_free(m);
}
END_TEST

START_TEST(stack_map_limit)
{
    bvm_buf c = {0};
    for (int i = 0; i < 1100; i++)
        emit(&c, BVM_OP_NOP);
    emit(&c, BVM_OP_RET);
    reject(main_module(65534, &c), "main", -1,
           "code length 1101 times max_stack 65534 needs 72152934 stack-map entries, more than the verifier's "
           "limit of 67108864 for the whole module");
}
END_TEST

/* ===== debug tables ===================================================== */

START_TEST(lines_not_increasing)
{
    bvm_module *m = handler_module(0, 10, 10);
    add_line(m, 0, 0, 1);
    add_line(m, 0, 6, 2);
    add_line(m, 0, 6, 3);
    reject(m, "main", -1, "line table entry 2: pc 6 does not come after the previous entry's pc 6");
}
END_TEST

START_TEST(lines_past_code)
{
    bvm_module *m = handler_module(0, 10, 10);
    add_line(m, 0, 0, 1);
    add_line(m, 0, 12, 2);
    reject(m, "main", -1, "line table entry 1: pc 12 is past the end of the code (12 bytes)");
}
END_TEST

START_TEST(lines_inside_instruction)
{
    bvm_module *m = handler_module(0, 10, 10);
    add_line(m, 0, 3, 1);
    reject(m, "main", -1, "line table entry 0: pc 3 is not the start of an instruction");
}
END_TEST

START_TEST(local_name_slot_out_of_range)
{
    bvm_module *m = handler_module(0, 10, 10);
    add_local_name(m, 0, "x", 0, 0, 12);
    reject(m, "main", -1, "local name 0 ('x'): slot 0 out of range (the function has 0 locals)");
}
END_TEST

START_TEST(local_name_range)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_VOID, 0, 0, &c, 1, BVM_TYPE_INT);
    add_local_name(m, 0, "i", 0, 0, 1);
    add_local_name(m, 0, "j", 0, 1, 0);
    reject(m, "main", -1, "local name 1 ('j'): range [1, 0) is not within the code (1 byte)");
}
END_TEST

/* ===== several errors ==================================================== */

START_TEST(errors_in_several_functions)
{
    bvm_module *m = bvm_module_new();
    bvm_buf c = {0};
    emit(&c, BVM_OP_IADD); /* underflow, then more code the dataflow never reaches */
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    add_fn(m, "a", BVM_TYPE_VOID, 0, 2, &c, 0);
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_RET);
    add_fn(m, "b", BVM_TYPE_INT, 0, 1, &c, 0);
    emit(&c, BVM_OP_RET);
    add_fn(m, "main", BVM_TYPE_VOID, 0, 0, &c, 0);
    add_line(m, 2, 5, 1); /* past the end, in a function with valid code */
    ck_assert(!verify(m));
    ck_assert_int_eq(diags.count, 3);
    assert_diag(0, "a", 0, "stack underflow: iadd needs 2 values, stack has 0");
    assert_diag(1, "b", 5, "ret in a function returning int (use retv to return a value)");
    assert_diag(2, "main", -1, "line table entry 0: pc 5 is past the end of the code (1 byte)");
    assert_no_stack_maps(m);
    bvm_module_free(m);
}
END_TEST

START_TEST(table_errors_are_all_reported)
{
    bvm_module *m = tiny_module();
    bvm_module_add_global(m, "a", BVM_TYPE_VOID);
    bvm_module_add_global(m, "b", 1000);
    m->funcs[0].ret_type = 500;
    ck_assert(!verify(m));
    ck_assert_int_eq(diags.count, 3);
    assert_diag(0, NULL, -1, "global 'a': void is not a value type");
    assert_diag(1, NULL, -1, "global 'b': type 1000 out of range (the module has 5 types)");
    assert_diag(2, "main", -1, "return type 500 out of range (the module has 5 types)");
    bvm_module_free(m);
}
END_TEST

/* ===== acceptance and stack maps ======================================== */

START_TEST(accept_loop_with_counter)
{
    /* int i = 0; while (i < 10) i++; */
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 0);                 /* 0 */
    emit(&c, BVM_OP_STORE, 0);                  /* 5 */
    uint32_t top = emit(&c, BVM_OP_LOAD, 0);    /* 8 */
    emit(&c, BVM_OP_ICONST, 10);                /* 11 */
    uint32_t exit = emit(&c, BVM_OP_JIGE, 0);   /* 16 */
    emit(&c, BVM_OP_IINC, 0, 1);                /* 21 */
    emit(&c, BVM_OP_JMP, (int)top);             /* 28 */
    uint32_t end = emit(&c, BVM_OP_RET);        /* 33 */
    patch(&c, exit, end);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_VOID, 0, 2, &c, 1, BVM_TYPE_INT);
    accept(m);
    static const uint16_t expect_depth[] = {[0] = 0, [5] = 1, [8] = 0, [11] = 1, [16] = 2, [21] = 0, [28] = 0, [33] = 0};
    static const bool is_insn[] = {[0] = 1, [5] = 1, [8] = 1, [11] = 1, [16] = 1, [21] = 1, [28] = 1, [33] = 1};
    for (uint32_t pc = 0; pc < 34; pc++)
        ck_assert_uint_eq(depth_at(m, 0, pc), is_insn[pc] ? expect_depth[pc] : BVM_NOT_INSN);
    ck_assert_uint_eq(type_at(m, 0, 16, 0), BVM_TYPE_INT);
    ck_assert_uint_eq(type_at(m, 0, 16, 1), BVM_TYPE_INT);
    bvm_module_free(m);
}
END_TEST

START_TEST(accept_null_then_reference_merge)
{
    /* print(cond ? null : "yes") -- the join first sees null, then string. */
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 1);                  /* 0 */
    uint32_t j = emit(&c, BVM_OP_JF, 0);         /* 2 */
    emit(&c, BVM_OP_NULL);                       /* 7 */
    uint32_t k = emit(&c, BVM_OP_JMP, 0);        /* 8 */
    uint32_t other = emit(&c, BVM_OP_LDC, 0);    /* 13 */
    uint32_t join = emit(&c, BVM_OP_PRINT);      /* 16 */
    emit(&c, BVM_OP_RET);                        /* 17 */
    patch(&c, j, other);
    patch(&c, k, join);
    bvm_module *m = main_module(1, &c);
    bvm_module_intern_string(m, "yes", 3);
    accept(m);
    ck_assert_uint_eq(type_at(m, 0, 8, 0), BVM_VT_NULL);
    ck_assert_uint_eq(type_at(m, 0, 16, 0), BVM_TYPE_STRING);
    ck_assert(!bvm_verified_slot_is_ref(m, &m->funcs[0], 8, 0)); /* always null */
    ck_assert(bvm_verified_slot_is_ref(m, &m->funcs[0], 16, 0));
    ck_assert(!bvm_verified_slot_is_ref(m, &m->funcs[0], 16, 1)); /* above the top */
    ck_assert(!bvm_verified_slot_is_ref(m, &m->funcs[0], 9, 0));  /* not an instruction */
    ck_assert(!bvm_verified_slot_is_ref(m, &m->funcs[0], 99, 0)); /* outside the code */
    bvm_module_free(m);
}
END_TEST

START_TEST(accept_reference_then_null_merge)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 1);                  /* 0 */
    uint32_t j = emit(&c, BVM_OP_JF, 0);         /* 2 */
    emit(&c, BVM_OP_LOAD, 0);                    /* 7 */
    uint32_t k = emit(&c, BVM_OP_JMP, 0);        /* 10 */
    uint32_t other = emit(&c, BVM_OP_NULL);      /* 15 */
    uint32_t join = emit(&c, BVM_OP_ALEN);       /* 16 */
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    patch(&c, j, other);
    patch(&c, k, join);
    bvm_module *m = node_module(1, &c, 1, 6);
    accept(m);
    ck_assert_uint_eq(type_at(m, 0, join, 0), 6);
    bvm_module_free(m);
}
END_TEST

START_TEST(accept_null_array_resolved_by_later_merge)
{
    /* The join is reached first (smallest pc first) with a null array; only
     * the path from pc 16 makes it an array.  The aload must wait. */
    bvm_buf c = {0};
    emit(&c, BVM_OP_BCONST, 1);                  /* 0 */
    uint32_t j = emit(&c, BVM_OP_JT, 0);         /* 2 */
    emit(&c, BVM_OP_NULL);                       /* 7 */
    uint32_t join = emit(&c, BVM_OP_ICONST, 0);  /* 8 */
    uint32_t use = emit(&c, BVM_OP_ALOAD);       /* 13 */
    emit(&c, BVM_OP_POP);                        /* 14 */
    emit(&c, BVM_OP_RET);                        /* 15 */
    uint32_t other = emit(&c, BVM_OP_LOAD, 0);   /* 16 */
    emit(&c, BVM_OP_JMP, (int)join);             /* 19 */
    patch(&c, j, other);
    bvm_module *m = node_module(2, &c, 1, 6);
    accept(m);
    ck_assert_uint_eq(type_at(m, 0, join, 0), 6);
    ck_assert_uint_eq(type_at(m, 0, use, 0), 6);
    ck_assert_uint_eq(type_at(m, 0, use, 1), BVM_TYPE_INT);
    ck_assert_uint_eq(type_at(m, 0, use + 1, 0), 5); /* the element: Node */
    bvm_module_free(m);
}
END_TEST

START_TEST(accept_structurally_equal_types)
{
    /* Two type entries both meaning int[]: values move freely between them. */
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 2);
    emit(&c, BVM_OP_NEWARRAY, 6);
    emit(&c, BVM_OP_STORE, 0);
    emit(&c, BVM_OP_LOAD, 0);
    emit(&c, BVM_OP_CALL, 1);
    emit(&c, BVM_OP_RET);
    bvm_module *m = bvm_module_new();
    bvm_module_add_type(m, (bvm_type){BVM_TK_ARRAY, BVM_TYPE_INT}); /* 5 */
    bvm_module_add_type(m, (bvm_type){BVM_TK_ARRAY, BVM_TYPE_INT}); /* 6 */
    add_fn(m, "main", BVM_TYPE_VOID, 0, 1, &c, 1, 5);
    emit(&c, BVM_OP_RET);
    add_fn(m, "take", BVM_TYPE_VOID, 1, 0, &c, 1, 6);
    accept(m);
    bvm_module_free(m);
}
END_TEST

START_TEST(accept_getfield_on_null_throws_at_run_time)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_NULL);
    emit(&c, BVM_OP_GETFIELD, 0, 1);
    emit(&c, BVM_OP_GETFIELD, 0, 0);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_RET);
    bvm_module *m = node_module(1, &c, 0, 0);
    accept(m);
    ck_assert_uint_eq(type_at(m, 0, 6, 0), 5);
    bvm_module_free(m);
}
END_TEST

START_TEST(accept_reverify)
{
    bvm_module *m = handler_module(0, 10, 10);
    accept(m);
    accept(m); /* replaces the maps; the old ones are freed (ASan checks) */
    m->funcs[0].code[0] = 0xEE;
    ck_assert(!verify(m));
    assert_no_stack_maps(m);
    bvm_module_free(m);
}
END_TEST

/* Every instruction of the set, in one program:
 *
 *   record Node { int value; Node next; }     types: 5 Node, 6 Node[], 7 int[]
 *   int add(int a, float b) { return a + f2i(b); }
 *   void main() { ...each opcode at least once... }
 */
START_TEST(accept_every_opcode)
{
    bvm_module *m = bvm_module_new();
    uint16_t rec = bvm_module_add_record(m, "Node");
    uint16_t node = bvm_module_intern_record_type(m, rec);
    bvm_module_add_field(m, rec, "value", BVM_TYPE_INT);
    bvm_module_add_field(m, rec, "next", node);
    uint16_t nodes = bvm_module_intern_array_type(m, node);
    uint16_t ints = bvm_module_intern_array_type(m, BVM_TYPE_INT);
    uint16_t k_int = bvm_module_intern_int(m, 1234567890123);
    uint16_t k_float = bvm_module_intern_float(m, 2.5);
    uint16_t k_str = bvm_module_intern_string(m, "boom", 4);
    uint16_t k_fmt = bvm_module_intern_string(m, "%+08.3f", 7);
    uint16_t k_bfmt = bvm_module_intern_string(m, "%-6b", 4);
    uint16_t g_count = bvm_module_add_global(m, "count", BVM_TYPE_INT);
    uint16_t g_list = bvm_module_add_global(m, "list", node);

    bvm_buf c = {0};
    emit(&c, BVM_OP_LOAD, 0);
    emit(&c, BVM_OP_LOAD, 1);
    emit(&c, BVM_OP_F2I);
    emit(&c, BVM_OP_IADD);
    emit(&c, BVM_OP_RETV);
    uint16_t add = add_fn(m, "add", BVM_TYPE_INT, 2, 2, &c, 2, BVM_TYPE_INT, BVM_TYPE_FLOAT);

    /* main's locals: 0 int i, 1 int[] arr, 2 Node n, 3 Node[] ns, 4 bool b */
    static const unsigned int_binary[] = {BVM_OP_IADD, BVM_OP_ISUB, BVM_OP_IMUL, BVM_OP_IDIV, BVM_OP_IREM,
                                          BVM_OP_IAND, BVM_OP_IOR,  BVM_OP_IXOR, BVM_OP_ISHL, BVM_OP_ISHR,
                                          BVM_OP_ICMPEQ, BVM_OP_ICMPNE, BVM_OP_ICMPLT, BVM_OP_ICMPLE,
                                          BVM_OP_ICMPGT, BVM_OP_ICMPGE};
    static const unsigned float_binary[] = {BVM_OP_FADD,   BVM_OP_FSUB,   BVM_OP_FMUL,   BVM_OP_FDIV,
                                            BVM_OP_FCMPEQ, BVM_OP_FCMPNE, BVM_OP_FCMPLT, BVM_OP_FCMPLE,
                                            BVM_OP_FCMPGT, BVM_OP_FCMPGE};
    static const unsigned int_jumps[] = {BVM_OP_JIEQ, BVM_OP_JINE, BVM_OP_JILT, BVM_OP_JILE, BVM_OP_JIGT, BVM_OP_JIGE};
    emit(&c, BVM_OP_NOP);
    for (size_t i = 0; i < sizeof int_binary / sizeof int_binary[0]; i++) {
        emit(&c, BVM_OP_ICONST, 7);
        emit(&c, BVM_OP_LDC, k_int);
        emit(&c, int_binary[i]);
        emit(&c, BVM_OP_POP);
    }
    for (size_t i = 0; i < sizeof float_binary / sizeof float_binary[0]; i++) {
        emit(&c, BVM_OP_LDC, k_float);
        emit(&c, BVM_OP_DUP);
        emit(&c, float_binary[i]);
        emit(&c, BVM_OP_POP);
    }
    for (size_t i = 0; i < sizeof int_jumps / sizeof int_jumps[0]; i++) {
        emit(&c, BVM_OP_ICONST, 1);
        emit(&c, BVM_OP_ICONST, 2);
        emit(&c, int_jumps[i], (int)here(&c) + 5); /* either way, to the next instruction */
    }
    emit(&c, BVM_OP_ICONST, 3);
    emit(&c, BVM_OP_INEG);
    emit(&c, BVM_OP_INOT);
    emit(&c, BVM_OP_I2F);
    emit(&c, BVM_OP_FNEG);
    emit(&c, BVM_OP_F2I);
    emit(&c, BVM_OP_STORE, 0);
    emit(&c, BVM_OP_IINC, 0, -1);
    emit(&c, BVM_OP_BCONST, 1);
    emit(&c, BVM_OP_NOT);
    emit(&c, BVM_OP_BCONST, 0);
    emit(&c, BVM_OP_BCMPEQ);
    emit(&c, BVM_OP_BCONST, 1);
    emit(&c, BVM_OP_BCMPNE);
    emit(&c, BVM_OP_DUP);
    emit(&c, BVM_OP_STORE, 4);
    emit(&c, BVM_OP_JT, (int)here(&c) + 5);
    emit(&c, BVM_OP_LOAD, 4);
    emit(&c, BVM_OP_JF, (int)here(&c) + 5);
    emit(&c, BVM_OP_LOAD, 4);
    emit(&c, BVM_OP_B2I);
    emit(&c, BVM_OP_GSTORE, g_count);
    emit(&c, BVM_OP_GLOAD, g_count);
    emit(&c, BVM_OP_LDC, k_float);
    emit(&c, BVM_OP_CALL, add);
    emit(&c, BVM_OP_POP);
    /* arrays */
    emit(&c, BVM_OP_ICONST, 4);
    uint32_t made_array = emit(&c, BVM_OP_NEWARRAY, ints);
    emit(&c, BVM_OP_STORE, 1);
    emit(&c, BVM_OP_LOAD, 1);
    emit(&c, BVM_OP_ICONST, 0);
    emit(&c, BVM_OP_ICONST, 9);
    uint32_t array_store = emit(&c, BVM_OP_ASTORE);
    emit(&c, BVM_OP_LOAD, 1);
    emit(&c, BVM_OP_ICONST, 0);
    emit(&c, BVM_OP_ALOAD);
    emit(&c, BVM_OP_LOAD, 1);
    emit(&c, BVM_OP_ALEN);
    emit(&c, BVM_OP_IADD);
    emit(&c, BVM_OP_POP);
    /* records */
    emit(&c, BVM_OP_NEW, node);
    emit(&c, BVM_OP_STORE, 2);
    emit(&c, BVM_OP_LOAD, 2);
    emit(&c, BVM_OP_ICONST, 5);
    emit(&c, BVM_OP_PUTFIELD, rec, 0);
    emit(&c, BVM_OP_LOAD, 2);
    emit(&c, BVM_OP_GLOAD, g_list);
    emit(&c, BVM_OP_PUTFIELD, rec, 1);
    emit(&c, BVM_OP_LOAD, 2);
    emit(&c, BVM_OP_GETFIELD, rec, 1);
    emit(&c, BVM_OP_GSTORE, g_list);
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_NEWARRAY, nodes);
    emit(&c, BVM_OP_STORE, 3);
    emit(&c, BVM_OP_LOAD, 3);
    emit(&c, BVM_OP_ICONST, 0);
    emit(&c, BVM_OP_LOAD, 2);
    emit(&c, BVM_OP_DUP2);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_ASTORE);
    emit(&c, BVM_OP_LOAD, 2);
    emit(&c, BVM_OP_NULL);
    emit(&c, BVM_OP_RCMPEQ);
    emit(&c, BVM_OP_LOAD, 3);
    emit(&c, BVM_OP_LOAD, 3);
    emit(&c, BVM_OP_RCMPNE);
    emit(&c, BVM_OP_BCMPEQ);
    emit(&c, BVM_OP_POP);
    /* strings and output */
    emit(&c, BVM_OP_LOAD, 3);
    emit(&c, BVM_OP_TOSTR, nodes);
    emit(&c, BVM_OP_LDC, k_str);
    emit(&c, BVM_OP_SCONCAT);
    emit(&c, BVM_OP_DUP);
    emit(&c, BVM_OP_SLEN);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_DUP);
    emit(&c, BVM_OP_ICONST, 0);
    emit(&c, BVM_OP_SCHAR);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_LDC, k_str);
    emit(&c, BVM_OP_SCMPEQ);
    emit(&c, BVM_OP_SFMT, k_bfmt);
    emit(&c, BVM_OP_PRINT);
    emit(&c, BVM_OP_LDC, k_str);
    emit(&c, BVM_OP_NULL);
    emit(&c, BVM_OP_SCMPNE);
    emit(&c, BVM_OP_POP);
    emit(&c, BVM_OP_LDC, k_float);
    emit(&c, BVM_OP_SFMT, k_fmt);
    emit(&c, BVM_OP_PRINT);
    /* exceptions: try { throw "boom"; } catch (msg) { print(msg); } */
    uint32_t try_start = emit(&c, BVM_OP_LDC, k_str);
    emit(&c, BVM_OP_THROW);
    uint32_t handler = emit(&c, BVM_OP_PRINT);
    uint32_t skip = emit(&c, BVM_OP_JMP, 0);
    uint32_t dead = emit(&c, BVM_OP_IADD); /* unreachable, never checked for types */
    uint32_t end = emit(&c, BVM_OP_RET);
    patch(&c, skip, end);
    uint16_t main = add_fn(m, "main", BVM_TYPE_VOID, 0, 5, &c, 5, BVM_TYPE_INT, ints, node, nodes, BVM_TYPE_BOOL);
    add_handler(m, main, try_start, handler, handler);

    /* The test really covers every opcode. */
    bool used[BVM_OP__COUNT] = {0};
    for (uint16_t fi = 0; fi < m->nfuncs; fi++)
        for (uint32_t pc = 0; pc < m->funcs[fi].code_len; pc += bvm_op(m->funcs[fi].code[pc])->length)
            used[m->funcs[fi].code[pc]] = true;
    for (unsigned op = 0; op < BVM_OP__COUNT; op++)
        ck_assert_msg(used[op], "accept_every_opcode does not use %s", bvm_op(op)->mnemonic);

    accept(m);
    ck_assert_uint_eq(depth_at(m, main, made_array), 1);
    ck_assert_uint_eq(depth_at(m, main, made_array + 3), 1); /* the store after newarray */
    ck_assert_uint_eq(type_at(m, main, made_array + 3, 0), ints);
    ck_assert_uint_eq(depth_at(m, main, array_store), 3);
    ck_assert_uint_eq(type_at(m, main, array_store, 0), ints);
    ck_assert_uint_eq(type_at(m, main, array_store, 1), BVM_TYPE_INT);
    ck_assert_uint_eq(type_at(m, main, array_store, 2), BVM_TYPE_INT);
    ck_assert(bvm_verified_slot_is_ref(m, &m->funcs[main], array_store, 0));
    ck_assert(!bvm_verified_slot_is_ref(m, &m->funcs[main], array_store, 1));
    ck_assert_uint_eq(depth_at(m, main, handler), 1);
    ck_assert_uint_eq(type_at(m, main, handler, 0), BVM_TYPE_STRING);
    ck_assert_uint_eq(depth_at(m, main, dead), BVM_NOT_INSN);
    ck_assert_uint_eq(depth_at(m, main, end), 0);
    ck_assert_uint_eq(depth_at(m, add, 0), 0);
    ck_assert_uint_eq(depth_at(m, add, 6), 2);
    ck_assert_uint_eq(type_at(m, add, 6, 1), BVM_TYPE_FLOAT);
    bvm_module_free(m);
}
END_TEST

START_TEST(accept_sfmt_specs)
{
    static const struct {
        const char *spec;
        uint16_t operand;
    } cases[] = {
        {"%d", BVM_TYPE_INT},        {"%-+ 0#12.3x", BVM_TYPE_INT}, {"%c", BVM_TYPE_INT},
        {"%999.999e", BVM_TYPE_FLOAT}, {"%G", BVM_TYPE_FLOAT},    {"%.f", BVM_TYPE_FLOAT},
        {"%-20s", BVM_TYPE_STRING},  {"%b", BVM_TYPE_BOOL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bvm_buf c = {0};
        emit(&c, BVM_OP_LOAD, 0);
        emit(&c, BVM_OP_SFMT, 0);
        emit(&c, BVM_OP_PRINT);
        emit(&c, BVM_OP_RET);
        bvm_module *m = bvm_module_new();
        bvm_module_intern_string(m, cases[i].spec, (uint32_t)strlen(cases[i].spec));
        add_fn(m, "main", BVM_TYPE_VOID, 0, 1, &c, 1, cases[i].operand);
        accept(m);
        bvm_module_free(m);
    }
}
END_TEST

START_TEST(accept_recursive_calls_and_int_main)
{
    /* int fib(int n) { if (n < 2) return n; return fib(n-1) + fib(n-2); } */
    bvm_buf c = {0};
    emit(&c, BVM_OP_LOAD, 0);                  /* 0 */
    emit(&c, BVM_OP_ICONST, 2);                /* 3 */
    uint32_t j = emit(&c, BVM_OP_JIGE, 0);     /* 8 */
    emit(&c, BVM_OP_LOAD, 0);                  /* 13 */
    emit(&c, BVM_OP_RETV);                     /* 16 */
    uint32_t rec = emit(&c, BVM_OP_LOAD, 0);   /* 17 */
    emit(&c, BVM_OP_ICONST, 1);
    emit(&c, BVM_OP_ISUB);
    emit(&c, BVM_OP_CALL, 0);
    uint32_t mid = emit(&c, BVM_OP_LOAD, 0);
    emit(&c, BVM_OP_ICONST, 2);
    emit(&c, BVM_OP_ISUB);
    emit(&c, BVM_OP_CALL, 0);
    emit(&c, BVM_OP_IADD);
    emit(&c, BVM_OP_RETV);
    patch(&c, j, rec);
    bvm_module *m = bvm_module_new();
    add_fn(m, "fib", BVM_TYPE_INT, 1, 3, &c, 1, BVM_TYPE_INT);
    emit(&c, BVM_OP_ICONST, 10);
    emit(&c, BVM_OP_CALL, 0);
    emit(&c, BVM_OP_RETV);
    add_fn(m, "main", BVM_TYPE_INT, 0, 1, &c, 0);
    accept(m);
    ck_assert_uint_eq(depth_at(m, 0, mid), 1);
    ck_assert_uint_eq(type_at(m, 0, mid, 0), BVM_TYPE_INT);
    bvm_module_free(m);
}
END_TEST

START_TEST(accept_init_function)
{
    bvm_buf c = {0};
    emit(&c, BVM_OP_ICONST, 42);
    emit(&c, BVM_OP_GSTORE, 0);
    emit(&c, BVM_OP_RET);
    bvm_module *m = tiny_module();
    bvm_module_add_global(m, "answer", BVM_TYPE_INT);
    m->init = add_fn(m, "$init", BVM_TYPE_VOID, 0, 1, &c, 0);
    accept(m);
    bvm_module_free(m);
}
END_TEST

START_TEST(accept_nested_handlers)
{
    /* try { try { throw } catch { rethrow } } catch { print } */
    bvm_buf c = {0};
    emit(&c, BVM_OP_LDC, 0);                   /* 0 */
    emit(&c, BVM_OP_THROW);                    /* 3 */
    uint32_t inner = emit(&c, BVM_OP_THROW);   /* 4: rethrow the message */
    uint32_t outer = emit(&c, BVM_OP_PRINT);   /* 5 */
    emit(&c, BVM_OP_RET);
    bvm_module *m = main_module(1, &c);
    bvm_module_intern_string(m, "e", 1);
    add_handler(m, 0, 0, inner, inner);
    add_handler(m, 0, 0, outer, outer);
    add_line(m, 0, 0, 3);
    add_line(m, 0, inner, 4);
    add_line(m, 0, outer, 6);
    accept(m);
    ck_assert_uint_eq(depth_at(m, 0, inner), 1);
    ck_assert_uint_eq(depth_at(m, 0, outer), 1);
    bvm_module_free(m);
}
END_TEST

/* A long function: many small loops in a row, each with a join carrying
 * a value, to show verification time stays linear in the code size. */
START_TEST(accept_big_function_fast)
{
    enum { BLOCKS = 50000 };
    bvm_buf c = {0};
    for (int b = 0; b < BLOCKS; b++) {
        uint32_t top = emit(&c, BVM_OP_IINC, 0, 1);
        emit(&c, BVM_OP_LOAD, 0);
        emit(&c, BVM_OP_ICONST, 10);
        emit(&c, BVM_OP_JILT, (int)top);
        emit(&c, BVM_OP_LOAD, 1);
        emit(&c, BVM_OP_BCONST, 1);
        uint32_t j = emit(&c, BVM_OP_JT, 0);
        emit(&c, BVM_OP_POP);
        emit(&c, BVM_OP_NULL);
        patch(&c, j, here(&c));
        emit(&c, BVM_OP_STORE, 1);
    }
    emit(&c, BVM_OP_RET);
    uint32_t len = here(&c);
    bvm_module *m = bvm_module_new();
    add_fn(m, "main", BVM_TYPE_VOID, 0, 2, &c, 2, BVM_TYPE_INT, BVM_TYPE_STRING);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    accept(m);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(seconds < 2.0, "verifying %u bytes took %.2f s", len, seconds);
    ck_assert_uint_eq(depth_at(m, 0, len - 1), 0);
    bvm_module_free(m);
}
END_TEST

/* ===== the suite ======================================================== */

static Suite *verify_suite(void)
{
    Suite *s = suite_create("verify");
    struct {
        const char *name;
        const TTest *tests[40];
    } groups[] = {
        {"tables",
         {table_builtin_type_replaced, table_user_type_of_builtin_kind, table_unknown_type_kind,
          table_array_element_after_array, table_array_of_void, table_record_type_out_of_range, table_too_many_types,
          table_unknown_constant_kind, table_field_type_out_of_range, table_field_of_void, table_global_of_void,
          table_return_type_out_of_range, table_max_stack_too_large, table_more_params_than_locals, table_local_of_void,
          table_local_type_out_of_range, entry_missing, entry_out_of_range, entry_not_main, entry_with_parameters,
          entry_returning_float, init_with_parameters, init_out_of_range, table_errors_are_all_reported}},
        {"decode and operands",
         {code_empty, code_unknown_opcode, code_truncated_instruction, operand_bool_not_0_or_1,
          operand_constant_out_of_range, operand_sfmt_not_string, operand_sfmt_bad_specs, operand_local_out_of_range,
          operand_iinc_not_int, operand_global_out_of_range, operand_function_out_of_range, operand_type_out_of_range,
          operand_new_not_record, operand_newarray_not_array, operand_tostr_void, operand_record_out_of_range,
          operand_field_out_of_range, jump_outside_code, jump_backward_outside_code, jump_into_instruction}},
        {"handlers",
         {handler_accepted, handler_empty_range, handler_range_past_code, handler_range_start_inside_instruction,
          handler_range_end_inside_instruction, handler_pc_inside_instruction, handler_pc_outside_code,
          handler_needs_a_stack_slot, handler_reached_by_fallthrough_with_other_depth}},
        {"dataflow",
         {stack_underflow, stack_underflow_pop, stack_overflow, type_mismatch_int_float, type_mismatch_jt_needs_bool,
          type_mismatch_throw_needs_string, type_mismatch_print_null_is_a_string, type_mismatch_store,
          type_mismatch_store_null_into_int, type_mismatch_gstore, type_mismatch_putfield_value,
          type_mismatch_getfield_object, type_mismatch_getfield_other_record, type_mismatch_aload_not_array,
          type_mismatch_aload_index, type_mismatch_aload_statically_null, type_mismatch_astore_element,
          type_mismatch_alen_string, type_mismatch_rcmpeq_string, type_mismatch_tostr, type_mismatch_sfmt_operand,
          merge_depth_differs, merge_types_differ, merge_null_with_int, merge_different_references, loop_grows_stack,
          call_argument_type, call_too_few_arguments, ret_in_non_void_function, retv_in_void_function,
          retv_wrong_type, falls_off_the_end, conditional_branch_falls_off_the_end, unreachable_code_may_fall_off,
          stack_map_limit}},
        {"debug tables and several errors",
         {lines_not_increasing, lines_past_code, lines_inside_instruction, local_name_slot_out_of_range,
          local_name_range, errors_in_several_functions}},
        {"acceptance",
         {accept_loop_with_counter, accept_null_then_reference_merge, accept_reference_then_null_merge,
          accept_null_array_resolved_by_later_merge, accept_structurally_equal_types,
          accept_getfield_on_null_throws_at_run_time, accept_reverify, accept_every_opcode, accept_sfmt_specs,
          accept_recursive_calls_and_int_main, accept_init_function, accept_nested_handlers,
          accept_big_function_fast}},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        TCase *tc = tcase_create(groups[g].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        for (size_t t = 0; t < sizeof groups[g].tests / sizeof groups[g].tests[0] && groups[g].tests[t]; t++)
            tcase_add_test(tc, groups[g].tests[t]);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(verify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
