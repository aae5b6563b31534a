/*
 * sample_modules.h -- modules for the file-format and assembler tests
 * (test_bcfile.c, test_asm.c), built with module.h's builders.
 *
 * sample_hello_module() is the smallest real program.  sample_full_module()
 * fills every table and uses every instruction with every kind of operand,
 * including what only hand-made or damaged files hold: duplicate names and
 * duplicate types, names that need quoting, out-of-range indices, code that
 * does not decode, jumps into the middle of instructions, unsorted line
 * tables.  None of it need verify; it must survive every round trip.
 */
#ifndef TEST_SAMPLE_MODULES_H
#define TEST_SAMPLE_MODULES_H

#include <stdint.h>
#include <string.h>

#include "bcfile.h"
#include "build.h"
#include "module.h"
#include "opcodes.h"
#include "util.h"

/* What `bvm compile -o hello.vbc hello.vela` makes of the one-line
 * hello.vela `void main() { print("hi"); }` (print adds the newline). */
/* The file bytes of m (caller frees with bvm_buf_free). */
static inline bvm_buf bytes_of(const bvm_module *m)
{
    bvm_buf b = {0};
    bvm_write_module(m, &b);
    return b;
}

static inline bvm_module *sample_hello_module(void)
{
    bvm_module *m = bvm_module_new();
    m->source_file = bvm_xstrdup("hello.vela");
    uint16_t hi = bvm_module_intern_string(m, "hi\n", 3);
    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    fn_line(&b, 1);
    emit(&b, BVM_OP_LDC, hi);
    emit(&b, BVM_OP_PRINT);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 1);
    m->entry = b.index;
    return m;
}

static inline void sample_local_name(bvm_module *m, uint16_t func, const char *name, uint16_t slot, uint32_t start,
                                     uint32_t end)
{
    bvm_function *f = &m->funcs[func];
    f->local_names = bvm_xrealloc(f->local_names, (f->nlocal_names + 1) * sizeof *f->local_names);
    f->local_names[f->nlocal_names++] = (bvm_local_name){bvm_xstrdup(name), slot, start, end};
}

static inline void sample_raw_line(bvm_module *m, uint16_t func, uint32_t pc, uint32_t line)
{
    bvm_function *f = &m->funcs[func];
    f->lines = bvm_xrealloc(f->lines, (f->nlines + 1) * sizeof *f->lines);
    f->lines[f->nlines++] = (bvm_line){pc, line};
}

/* Every opcode, once per interesting operand: each table entry (named
 * symbolically or not) and one index past the end of its table. */
static inline void sample_every_instruction(fn_builder *b)
{
    bvm_module *m = b->m;
    for (int op = 0; op < BVM_OP__COUNT; op++) {
        switch (bvm_op(op)->format) {
        case BVM_FMT_NONE: emit(b, op); break;
        case BVM_FMT_U8:
            emit(b, op, 0);
            emit(b, op, 1);
            emit(b, op, 200);
            break;
        case BVM_FMT_I32:
            emit(b, op, 0);
            emit(b, op, -7);
            emit(b, op, INT32_MIN);
            emit(b, op, INT32_MAX);
            break;
        case BVM_FMT_CONST:
            for (uint32_t k = 0; k <= m->nconsts; k++)
                emit(b, op, k);
            emit(b, op, 0xFFFF);
            break;
        case BVM_FMT_LOCAL:
            for (uint32_t s = 0; s <= b->nlocals; s++)
                emit(b, op, s);
            break;
        case BVM_FMT_LOCAL_I32:
            for (uint32_t s = 0; s <= b->nlocals; s++)
                emit(b, op, s, (int)s - 2);
            break;
        case BVM_FMT_GLOBAL:
            for (uint32_t g = 0; g <= m->nglobals; g++)
                emit(b, op, g);
            break;
        case BVM_FMT_FUNC:
            for (uint32_t f = 0; f < 8; f++) /* some not made yet: out of range */
                emit(b, op, f);
            emit(b, op, 0xFFFF);
            break;
        case BVM_FMT_TYPE:
            for (uint32_t t = 0; t <= m->ntypes; t++)
                emit(b, op, t);
            emit(b, op, 5000);
            break;
        case BVM_FMT_FIELD:
            for (uint32_t r = 0; r <= m->nrecords; r++) {
                uint32_t n = r < m->nrecords ? m->records[r].nfields : 1;
                for (uint32_t f = 0; f <= n; f++)
                    emit(b, op, r, f);
            }
            break;
        case BVM_FMT_JUMP: {
            uint32_t here = fn_pc(b);
            emit(b, op, 0);                /* back to the start           */
            emit(b, op, (int)here);        /* to itself                   */
            emit(b, op, (int)here + 1);    /* into its own middle         */
            emit(b, op, (int)here + 100000); /* far past the end           */
            emit(b, op, -1000);            /* before the start            */
            break;
        }
        default: break;
        }
    }
}

static inline bvm_module *sample_full_module(void)
{
    bvm_module *m = bvm_module_new();
    m->source_file = bvm_xstrdup("sample.vela");

    /* records: names that are plain, reserved, duplicated and spaced */
    uint16_t node = bvm_module_add_record(m, "Node");
    uint16_t int_named = bvm_module_add_record(m, "int");
    uint16_t node_again = bvm_module_add_record(m, "Node");
    bvm_module_add_record(m, "two words");
    bvm_module_add_record(m, "none");

    /* types: interned ones, a duplicate, broken ones, a cycle */
    uint16_t t_node = bvm_module_intern_record_type(m, node);
    uint16_t t_ints = bvm_module_intern_array_type(m, BVM_TYPE_INT);
    uint16_t t_nodes = bvm_module_intern_array_type(m, t_node);
    uint16_t t_int_grid = bvm_module_intern_array_type(m, t_ints);
    bvm_module_add_type(m, (bvm_type){BVM_TK_ARRAY, BVM_TYPE_INT}); /* a second int[] */
    bvm_module_intern_record_type(m, int_named);
    bvm_module_intern_record_type(m, node_again);
    bvm_module_add_type(m, (bvm_type){BVM_TK_ARRAY, 200});        /* element past the table */
    bvm_module_add_type(m, (bvm_type){BVM_TK_RECORD, 99});        /* no such record */
    uint16_t cycle = (uint16_t)m->ntypes;
    bvm_module_add_type(m, (bvm_type){BVM_TK_ARRAY, (uint16_t)(cycle + 1)});
    bvm_module_add_type(m, (bvm_type){BVM_TK_ARRAY, cycle});
    bvm_module_intern_array_type(m, BVM_TYPE_STRING);
    bvm_module_intern_array_type(m, BVM_TYPE_VOID);               /* void[]: verifier's to reject */
    uint16_t t_deep = t_int_grid;
    for (int i = 0; i < 3; i++)
        t_deep = bvm_module_intern_array_type(m, t_deep);

    /* fields */
    bvm_module_add_field(m, node, "value", BVM_TYPE_INT);
    bvm_module_add_field(m, node, "next", t_node);
    bvm_module_add_field(m, node, "the data", t_ints);
    bvm_module_add_field(m, node, "value", t_deep); /* a second 'value' */
    bvm_module_add_field(m, int_named, "x", 4000);  /* type out of range */
    bvm_module_add_field(m, node_again, "next", t_nodes);

    /* constants: every kind, edge values, duplicates, bytes that need escapes */
    bvm_module_intern_int(m, 42);
    bvm_module_add_const(m, (bvm_const){.kind = BVM_CONST_INT, .as.i = 42});
    bvm_module_intern_int(m, INT64_MIN);
    bvm_module_intern_int(m, INT64_MAX);
    bvm_module_intern_int(m, -1);
    static const double floats[] = {1.5, -0.0, 0.0, 0.1, 1e300, 5e-324, 1.0 / 0.0, -1.0 / 0.0, 123456789.0, 2.5e-8};
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++)
        bvm_module_intern_float(m, floats[i]);
    static const uint64_t nan_bits[] = {0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull,
                                        0x7ff8dead00000000ull};
    for (size_t i = 0; i < sizeof nan_bits / sizeof nan_bits[0]; i++) {
        bvm_const c = {.kind = BVM_CONST_FLOAT};
        memcpy(&c.as.f, &nan_bits[i], 8);
        bvm_module_add_const(m, c);
    }
    bvm_module_intern_string(m, "hi", 2);
    bvm_module_intern_string(m, "", 0);
    bvm_module_intern_string(m, "tab\there \"quoted\" back\\slash\n", 30);
    char all_bytes[256];
    for (int i = 0; i < 256; i++)
        all_bytes[i] = (char)i;
    bvm_module_intern_string(m, all_bytes, 256);
    bvm_const again = {.kind = BVM_CONST_STRING};
    again.as.s.chars = bvm_xstrdup("hi");
    again.as.s.len = 2;
    bvm_module_add_const(m, again);

    /* globals */
    bvm_module_add_global(m, "counter", BVM_TYPE_INT);
    bvm_module_add_global(m, "nodes", t_nodes);
    bvm_module_add_global(m, "counter", BVM_TYPE_FLOAT);
    bvm_module_add_global(m, "odd name", 999);

    /* main: every instruction; locals whose debug names collide */
    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    for (int i = 0; i < 7; i++)
        fn_local(&b, i % 2 ? t_node : BVM_TYPE_INT);
    fn_line(&b, 3);
    sample_every_instruction(&b);
    fn_line(&b, 4);
    uint32_t to_end = emit(&b, BVM_OP_JMP, 0);
    emit(&b, BVM_OP_RET);
    patch_jump(&b, to_end, fn_pc(&b)); /* a jump to the very end of the code */
    fn_line(&b, 5);                    /* a line entry at the end of the code */
    fn_handler(&b, 0, 5, 10);
    fn_end(&b, 12);
    uint16_t main_fn = b.index;
    uint32_t main_len = m->funcs[main_fn].code_len;
    sample_local_name(m, main_fn, "x", 0, 0, main_len);
    sample_local_name(m, main_fn, "x", 1, 5, main_len);     /* shadowing: x again */
    sample_local_name(m, main_fn, "y", 2, 0, 3);            /* 3: mid-instruction */
    sample_local_name(m, main_fn, "a b", 3, 0, main_len);   /* needs quotes */
    sample_local_name(m, main_fn, "x@1", 5, 0, main_len);   /* takes slot 1's x@1 */
    sample_local_name(m, main_fn, "int", 6, 0, 0);          /* reserved */
    sample_local_name(m, main_fn, "y", 2, 7, 9);            /* second name, same slot */
    sample_local_name(m, main_fn, "ghost", 50, 0, 1);       /* no such slot */

    /* sum(Node list): a real loop with a handler */
    b = fn_begin(m, "sum", BVM_TYPE_INT, 1, t_node);
    uint16_t total = fn_local(&b, BVM_TYPE_INT);
    fn_line(&b, 10);
    emit(&b, BVM_OP_ICONST, 0);
    emit(&b, BVM_OP_STORE, total);
    fn_line(&b, 11);
    uint32_t loop = emit(&b, BVM_OP_LOAD, 0);
    emit(&b, BVM_OP_NULL);
    emit(&b, BVM_OP_RCMPEQ);
    uint32_t exit_jump = emit(&b, BVM_OP_JT, 0);
    fn_line(&b, 12);
    emit(&b, BVM_OP_LOAD, total);
    emit(&b, BVM_OP_LOAD, 0);
    emit(&b, BVM_OP_GETFIELD, node, 0);
    emit(&b, BVM_OP_IADD);
    emit(&b, BVM_OP_STORE, total);
    emit(&b, BVM_OP_LOAD, 0);
    emit(&b, BVM_OP_GETFIELD, node, 1);
    emit(&b, BVM_OP_STORE, 0);
    emit(&b, BVM_OP_JMP, (int)loop);
    patch_jump(&b, exit_jump, fn_pc(&b));
    fn_line(&b, 11);
    uint32_t done = emit(&b, BVM_OP_LOAD, total);
    emit(&b, BVM_OP_RETV);
    uint32_t handler = emit(&b, BVM_OP_POP);
    emit(&b, BVM_OP_ICONST, -1);
    emit(&b, BVM_OP_RETV);
    fn_handler(&b, loop, done, handler);
    fn_end(&b, 2);
    sample_local_name(m, b.index, "list", 0, 0, done);
    sample_local_name(m, b.index, "total", total, 5, done);

    /* $init, and functions named to need quoting or to repeat a name */
    b = fn_begin(m, "$init", BVM_TYPE_VOID, 0);
    emit(&b, BVM_OP_ICONST, 7);
    emit(&b, BVM_OP_GSTORE, 0);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 1);
    uint16_t init_fn = b.index;
    b = fn_begin(m, "none", BVM_TYPE_VOID, 0);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 0);
    b = fn_begin(m, "main", t_int_grid, 2, t_ints, 4321); /* a second main; a type out of range */
    fn_local(&b, BVM_TYPE_STRING);
    emit(&b, BVM_OP_NULL);
    emit(&b, BVM_OP_RETV);
    fn_end(&b, 1);
    b = fn_begin(m, "", BVM_TYPE_VOID, 0); /* the empty name */
    fn_end(&b, 0);                         /* and no code at all */

    /* broken: code that does not decode, tables that point anywhere */
    b = fn_begin(m, "broken code", BVM_TYPE_INT, 1, BVM_TYPE_INT);
    emit(&b, BVM_OP_ICONST, 1);                 /* pc 0..4 */
    bvm_buf_u8(&b.code, 0xEE);                  /* pc 5: no such opcode */
    bvm_buf_u8(&b.code, 0xFF);                  /* pc 6 */
    emit(&b, BVM_OP_JMP, 2);                    /* pc 7: into iconst's middle */
    emit(&b, BVM_OP_JF, 5);                     /* pc 12: onto the 0xEE byte */
    bvm_buf_u8(&b.code, BVM_OP_LDC);            /* pc 17: ldc cut short */
    bvm_buf_u8(&b.code, 0x00);
    fn_end(&b, 3);
    uint16_t broken = b.index;
    sample_raw_line(m, broken, 5, 20);  /* unsorted and mid-instruction */
    sample_raw_line(m, broken, 0, 19);
    sample_raw_line(m, broken, 3, 21);
    sample_raw_line(m, broken, 900, 22);
    fn_handler(&b, 1, 2, 3);
    fn_handler(&b, 19, 0, 0xFFFFFFFFu);
    sample_local_name(m, broken, "", 0, 0, 0);
    sample_local_name(m, broken, "v", 0, 2, 19);
    sample_local_name(m, broken, "v", 0, 17, 19);
    sample_local_name(m, broken, "w", 9, 0xFFFFFFFFu, 1);

    m->entry = main_fn;
    m->init = init_fn;
    return m;
}

#endif
