/*
 * test_support.c -- the pieces libbvm's layers share: the hash map
 * (support/hashmap.h), the function builder (bytecode/builder.h), the
 * printf spec parser (bytecode/printf_spec.h), the module's interning by
 * hash (module.c) and BVM_ASSERT itself (support/bvm_assert.h).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "bvm_assert.h"
#include "hashmap.h"
#include "module.h"
#include "opcodes.h"
#include "printf_spec.h"

/* ---- the hash map ----------------------------------------------------------- */

START_TEST(map_first_value_stays_and_set_replaces)
{
    bvm_map m = {0};
    uint32_t v = 0;
    ck_assert(!bvm_map_get(&m, 0, "x", 1, &v)); /* empty: nothing allocated yet */
    ck_assert(bvm_map_add(&m, 0, "x", 1, 7));
    ck_assert(!bvm_map_add(&m, 0, "x", 1, 8)); /* the first value stays */
    ck_assert(bvm_map_get(&m, 0, "x", 1, &v));
    ck_assert_uint_eq(v, 7);
    bvm_map_set(&m, 0, "x", 1, 9);
    ck_assert(bvm_map_get(&m, 0, "x", 1, &v));
    ck_assert_uint_eq(v, 9);
    ck_assert_uint_eq(m.count, 1);
    bvm_map_free(&m);
    ck_assert_uint_eq(m.cap, 0);
}
END_TEST

START_TEST(map_scopes_lengths_and_empty_keys_are_distinct)
{
    bvm_map m = {0};
    uint32_t v = 0;
    ck_assert(bvm_map_add(&m, 1, "ab", 2, 1));
    ck_assert(bvm_map_add(&m, 2, "ab", 2, 2));   /* same bytes, another scope */
    ck_assert(bvm_map_add(&m, 1, "ab\0", 3, 3)); /* a key may hold a NUL */
    ck_assert(bvm_map_add(&m, 1, NULL, 0, 4));   /* the empty key, given as NULL */
    ck_assert(!bvm_map_add(&m, 1, "", 0, 5));    /* ... is the same as "" */
    ck_assert(bvm_map_get(&m, 2, "ab", 2, &v) && v == 2);
    ck_assert(bvm_map_get(&m, 1, "ab\0", 3, &v) && v == 3);
    ck_assert(bvm_map_get(&m, 1, "", 0, &v) && v == 4);
    ck_assert(!bvm_map_get(&m, 3, "ab", 2, &v));
    bvm_map_free(&m);
}
END_TEST

START_TEST(map_grows_and_keeps_every_key)
{
    bvm_map m = {0};
    char key[32];
    for (uint32_t i = 0; i < 20000; i++) {
        int n = snprintf(key, sizeof key, "name%u", i);
        ck_assert(bvm_map_add(&m, i % 3, key, (size_t)n, i));
        ck_assert(m.count * 2 <= m.cap && (m.cap & (m.cap - 1)) == 0); /* at most half full, a power of two */
    }
    for (uint32_t i = 0; i < 20000; i++) {
        int n = snprintf(key, sizeof key, "name%u", i);
        uint32_t v;
        ck_assert(bvm_map_get(&m, i % 3, key, (size_t)n, &v));
        ck_assert_uint_eq(v, i);
        ck_assert(!bvm_map_get(&m, i % 3 + 1, key, (size_t)n, &v));
    }
    bvm_map_free(&m);
}
END_TEST

START_TEST(map_copies_its_keys)
{
    bvm_map m = {0};
    char key[] = "transient";
    ck_assert(bvm_map_add(&m, 0, key, strlen(key), 1));
    memset(key, 'x', strlen(key)); /* the caller's bytes change */
    uint32_t v;
    ck_assert(bvm_map_get(&m, 0, "transient", 9, &v) && v == 1);
    bvm_map_free(&m);
}
END_TEST

/* ---- the module's interning ------------------------------------------------- */

START_TEST(module_interns_by_value)
{
    bvm_module *m = bvm_module_new();
    uint16_t a = bvm_module_intern_int(m, 42), b = bvm_module_intern_int(m, 42);
    ck_assert_uint_eq(a, b);
    ck_assert_uint_ne(bvm_module_intern_float(m, 0.0), bvm_module_intern_float(m, -0.0)); /* bitwise */
    uint16_t s1 = bvm_module_intern_string(m, "a\0b", 3), s2 = bvm_module_intern_string(m, "a\0b", 3);
    ck_assert_uint_eq(s1, s2);
    ck_assert_uint_ne(s1, bvm_module_intern_string(m, "a", 1));
    ck_assert_uint_ne(bvm_module_intern_int(m, 1), bvm_module_intern_float(m, 4.9406564584124654e-324)); /* same bits, other kind */
    /* An entry added without interning is found by the next intern. */
    bvm_const c = {.kind = BVM_CONST_INT, .as.i = 99};
    uint16_t added = bvm_module_add_const(m, c);
    ck_assert_uint_eq(bvm_module_intern_int(m, 99), added);
    /* Types: one array type per element type. */
    uint16_t ints = bvm_module_intern_array_type(m, BVM_TYPE_INT);
    ck_assert_uint_eq(bvm_module_intern_array_type(m, BVM_TYPE_INT), ints);
    ck_assert_uint_ne(bvm_module_intern_array_type(m, ints), ints);
    uint16_t found;
    ck_assert(bvm_module_find_type(m, BVM_TK_ARRAY, BVM_TYPE_INT, &found) && found == ints);
    ck_assert(!bvm_module_find_type(m, BVM_TK_ARRAY, BVM_TYPE_BOOL, &found));
    bvm_module_free(m);
}
END_TEST

START_TEST(module_pool_reports_full)
{
    bvm_module *m = bvm_module_new();
    uint16_t index;
    for (int64_t i = 0; i < BVM_MAX_TABLE; i++) {
        bvm_const c = {.kind = BVM_CONST_INT, .as.i = i};
        ck_assert(bvm_module_intern_const(m, &c, &index));
        ck_assert_uint_eq(index, (uint16_t)i);
    }
    bvm_const existing = {.kind = BVM_CONST_INT, .as.i = 5};
    ck_assert(bvm_module_intern_const(m, &existing, &index) && index == 5); /* found: no room needed */
    bvm_const fresh = {.kind = BVM_CONST_INT, .as.i = -1};
    ck_assert(!bvm_module_intern_const(m, &fresh, &index));
    ck_assert_uint_eq(m->nconsts, BVM_MAX_TABLE);
    bvm_module_free(m);
}
END_TEST

/* ---- the function builder --------------------------------------------------- */

static void emit_jump(bvm_builder *b, uint32_t label)
{
    uint32_t at = bvm_builder_pc(b);
    bvm_buf_u8(&b->code, BVM_OP_JMP);
    bvm_buf_u32(&b->code, 0);
    bvm_builder_use_label(b, BVM_FIX_JUMP, at, label, at);
}

START_TEST(builder_resolves_forward_and_backward_uses)
{
    bvm_builder b = {0};
    uint32_t top = bvm_builder_new_label(&b), end = bvm_builder_new_label(&b);
    bvm_buf_u8(&b.code, BVM_OP_NOP);             /* pc 0 */
    bvm_builder_place_label(&b, top);            /* top = 1 */
    emit_jump(&b, end);                          /* pc 1: forward */
    emit_jump(&b, top);                          /* pc 6: backward */
    bvm_builder_place_label(&b, end);            /* end = 11 */
    bvm_buf_u8(&b.code, BVM_OP_RET);
    BVM_PUSH(b.lines, b.nlines, b.lines_cap, ((bvm_line){.pc = 0, .line = 3}));
    bvm_builder_use_label(&b, BVM_FIX_LINE, 0, end, 0);
    BVM_PUSH(b.handlers, b.nhandlers, b.handlers_cap, ((bvm_handler){0}));
    bvm_builder_use_label(&b, BVM_FIX_HANDLER_START, 0, top, 0);
    bvm_builder_use_label(&b, BVM_FIX_HANDLER_END, 0, end, 0);
    bvm_builder_use_label(&b, BVM_FIX_HANDLER_TARGET, 0, top, 0);
    bvm_local_name name = {.name = strdup("i"), .slot = 0};
    BVM_PUSH(b.names, b.nnames, b.names_cap, name);
    bvm_builder_use_label(&b, BVM_FIX_NAME_START, 0, top, 0);
    bvm_builder_use_label(&b, BVM_FIX_NAME_END, 0, end, 0);
    bvm_builder_resolve(&b, NULL, NULL);
    ck_assert_int_eq(bvm_read_i32(b.code.data + 2), 11 - 1);
    ck_assert_int_eq(bvm_read_i32(b.code.data + 7), 1 - 6);
    ck_assert_uint_eq(b.lines[0].pc, 11);
    ck_assert(b.handlers[0].start == 1 && b.handlers[0].end == 11 && b.handlers[0].handler == 1);
    ck_assert(b.names[0].start == 1 && b.names[0].end == 11);

    bvm_function f = {0};
    bvm_builder_finish(&b, &f);
    ck_assert_uint_eq(f.code_len, 12);
    ck_assert_uint_eq(f.code[11], BVM_OP_RET);
    ck_assert(f.nlines == 1 && f.nhandlers == 1 && f.nlocal_names == 1);
    ck_assert_str_eq(f.local_names[0].name, "i");
    ck_assert(b.code.data == NULL && b.nfixups == 0 && b.label_pc == NULL); /* emptied */
    free(f.code);
    free(f.lines);
    free(f.handlers);
    free(f.local_names[0].name);
    free(f.local_names);
}
END_TEST

static void record_unplaced(void *context, const bvm_fixup *use)
{
    bvm_buf *seen = context;
    bvm_buf_printf(seen, "%u;", use->tag);
}

START_TEST(builder_reports_unplaced_labels_in_order)
{
    bvm_builder b = {0};
    uint32_t never = bvm_builder_new_label(&b), placed = bvm_builder_new_label(&b);
    emit_jump(&b, never);  /* tag 0 */
    emit_jump(&b, placed); /* tag 5 */
    emit_jump(&b, never);  /* tag 10 */
    bvm_builder_place_label(&b, placed);
    bvm_buf seen = {0};
    bvm_builder_resolve(&b, record_unplaced, &seen);
    bvm_buf_u8(&seen, 0);
    ck_assert_str_eq((const char *)seen.data, "0;10;");
    ck_assert_int_eq(bvm_read_i32(b.code.data + 6), 15 - 5);
    ck_assert_int_eq(bvm_read_i32(b.code.data + 1), 0); /* left as it was */
    bvm_buf_free(&seen);
    bvm_builder_free(&b);
}
END_TEST

START_TEST(builder_finishes_an_empty_function)
{
    bvm_builder b = {0};
    bvm_function f = {0};
    bvm_builder_finish(&b, &f);
    ck_assert(f.code != NULL && f.code_len == 0); /* never a NULL code pointer */
    free(f.code);
}
END_TEST

/* ---- printf specs ----------------------------------------------------------- */

START_TEST(printf_parses_every_part)
{
    bvm_printf_spec s;
    const char *text = "%-+ 0#12.3x rest";
    ck_assert_int_eq(bvm_printf_parse(text, strlen(text), &s), BVM_SPEC_OK);
    ck_assert_str_eq(s.flags, "-+ 0#");
    ck_assert_int_eq(s.width, 12);
    ck_assert_int_eq(s.precision, 3);
    ck_assert_int_eq(s.conversion, 'x');
    ck_assert_uint_eq(s.length, 11); /* the spec ends before " rest" */
    ck_assert_int_eq(bvm_printf_parse("%d", 2, &s), BVM_SPEC_OK);
    ck_assert(s.width == 0 && s.precision == -1 && s.flags[0] == '\0');
    ck_assert_int_eq(bvm_printf_parse("%.f", 3, &s), BVM_SPEC_OK);
    ck_assert_int_eq(s.precision, 0);
    ck_assert_int_eq(bvm_printf_parse("%999.999e", 9, &s), BVM_SPEC_OK); /* the limit itself */
    ck_assert_uint_eq(bvm_printf_conversion_type('x'), BVM_TYPE_INT);
    ck_assert_uint_eq(bvm_printf_conversion_type('c'), BVM_TYPE_INT);
    ck_assert_uint_eq(bvm_printf_conversion_type('G'), BVM_TYPE_FLOAT);
    ck_assert_uint_eq(bvm_printf_conversion_type('b'), BVM_TYPE_BOOL);
    ck_assert_uint_eq(bvm_printf_conversion_type('s'), BVM_TYPE_STRING);
}
END_TEST

START_TEST(printf_reports_where_a_spec_goes_wrong)
{
    bvm_printf_spec s;
    ck_assert_int_eq(bvm_printf_parse("%-0-+5d", 7, &s), BVM_SPEC_REPEATED_FLAG);
    ck_assert(s.bad == '-' && s.length == 5); /* the whole run of flags */
    ck_assert_int_eq(bvm_printf_parse("%1000d", 6, &s), BVM_SPEC_WIDTH_TOO_LARGE);
    ck_assert(s.field_at == 1 && s.length == 5);
    ck_assert_int_eq(bvm_printf_parse("%5.123456f", 10, &s), BVM_SPEC_PRECISION_TOO_LARGE);
    ck_assert(s.field_at == 3 && s.length == 9);
    ck_assert_int_eq(bvm_printf_parse("%5.", 3, &s), BVM_SPEC_UNFINISHED);
    ck_assert_uint_eq(s.length, 3);
    ck_assert_int_eq(bvm_printf_parse("%", 1, &s), BVM_SPEC_UNFINISHED);
    ck_assert_int_eq(bvm_printf_parse("%ld", 3, &s), BVM_SPEC_UNKNOWN_CONVERSION);
    ck_assert(s.bad == 'l' && s.length == 1);
    ck_assert_int_eq(bvm_printf_parse("%\0d", 3, &s), BVM_SPEC_UNKNOWN_CONVERSION); /* a NUL is no letter */
    ck_assert(s.bad == '\0');
    ck_assert_int_eq(bvm_printf_parse("%%", 2, &s), BVM_SPEC_UNKNOWN_CONVERSION); /* %% is printf's, not a spec */
}
END_TEST

/* ---- BVM_ASSERT ------------------------------------------------------------- */

#if VMLAB_ASSERTIONS_ON
/* In the debug and sanitizer builds a broken invariant aborts: a label
 * placed twice. */
START_TEST(assertion_failure_aborts)
{
    bvm_builder b = {0};
    uint32_t l = bvm_builder_new_label(&b);
    bvm_builder_place_label(&b, l);
    bvm_builder_place_label(&b, l);
}
END_TEST
#else
/* In the release build an assertion costs nothing: its condition is not
 * even evaluated. */
START_TEST(assertion_is_not_evaluated)
{
    int evaluated = 0;
    BVM_ASSERT((evaluated = 1) == 0);
    ck_assert_int_eq(evaluated, 0);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("support");
    TCase *map = tcase_create("hashmap");
    tcase_add_test(map, map_first_value_stays_and_set_replaces);
    tcase_add_test(map, map_scopes_lengths_and_empty_keys_are_distinct);
    tcase_add_test(map, map_grows_and_keeps_every_key);
    tcase_add_test(map, map_copies_its_keys);
    suite_add_tcase(s, map);
    TCase *intern = tcase_create("interning");
    tcase_add_test(intern, module_interns_by_value);
    tcase_add_test(intern, module_pool_reports_full);
    suite_add_tcase(s, intern);
    TCase *builder = tcase_create("builder");
    tcase_add_test(builder, builder_resolves_forward_and_backward_uses);
    tcase_add_test(builder, builder_reports_unplaced_labels_in_order);
    tcase_add_test(builder, builder_finishes_an_empty_function);
    suite_add_tcase(s, builder);
    TCase *spec = tcase_create("printf_spec");
    tcase_add_test(spec, printf_parses_every_part);
    tcase_add_test(spec, printf_reports_where_a_spec_goes_wrong);
    suite_add_tcase(s, spec);
    TCase *assertions = tcase_create("assertions");
#if VMLAB_ASSERTIONS_ON
    tcase_add_test_raise_signal(assertions, assertion_failure_aborts, SIGABRT);
#else
    tcase_add_test(assertions, assertion_is_not_evaluated);
#endif
    suite_add_tcase(s, assertions);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
