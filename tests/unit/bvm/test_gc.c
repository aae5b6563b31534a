/*
 * test_gc.c -- the garbage collector: garbage is reclaimed under a small
 * heap limit, everything reachable from globals, locals and the operand
 * stack survives (also when collecting at every allocation), a long list
 * is marked without deep C recursion, and a full heap is the catchable
 * out-of-memory exception.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "build.h"
#include "verify.h"
#include "vm.h"

/* struct Node { int value; Node next; } -- returns the record type. */
static uint16_t add_node(bvm_module *m, uint16_t *record)
{
    *record = bvm_module_add_record(m, "Node");
    uint16_t t = bvm_module_intern_record_type(m, *record);
    bvm_module_add_field(m, *record, "value", BVM_TYPE_INT);
    bvm_module_add_field(m, *record, "next", t);
    return t;
}

/* main: for (i = 0; i < n; i++) { node = new Node; node.value = i;
 *       if keep: node.next = list, list = node }  -- list is global 0;
 * then sums the list into global 1. */
static bvm_module *list_program(int n, bool keep)
{
    bvm_module *m = bvm_module_new();
    uint16_t rec, node_t = add_node(m, &rec);
    bvm_module_add_global(m, "list", node_t);
    bvm_module_add_global(m, "sum", BVM_TYPE_INT);
    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    m->entry = b.index;
    uint16_t i = fn_local(&b, BVM_TYPE_INT), node = fn_local(&b, node_t);
    uint32_t top = emit(&b, BVM_OP_LOAD, i);
    emit(&b, BVM_OP_LDC, bvm_module_intern_int(m, n));
    uint32_t exit_jump = emit(&b, BVM_OP_JIGE, 0);
    emit(&b, BVM_OP_NEW, node_t);
    emit(&b, BVM_OP_STORE, node);
    emit(&b, BVM_OP_LOAD, node);
    emit(&b, BVM_OP_LOAD, i);
    emit(&b, BVM_OP_PUTFIELD, rec, 0);
    if (keep) {
        emit(&b, BVM_OP_LOAD, node);
        emit(&b, BVM_OP_GLOAD, 0);
        emit(&b, BVM_OP_PUTFIELD, rec, 1);
        emit(&b, BVM_OP_LOAD, node);
        emit(&b, BVM_OP_GSTORE, 0);
    }
    emit(&b, BVM_OP_IINC, i, 1);
    emit(&b, BVM_OP_JMP, top);
    patch_jump(&b, exit_jump, fn_pc(&b));
    /* sum the list */
    emit(&b, BVM_OP_GLOAD, 0);
    emit(&b, BVM_OP_STORE, node);
    uint32_t loop = emit(&b, BVM_OP_LOAD, node);
    emit(&b, BVM_OP_NULL);
    emit(&b, BVM_OP_RCMPEQ);
    uint32_t done = emit(&b, BVM_OP_JT, 0);
    emit(&b, BVM_OP_GLOAD, 1);
    emit(&b, BVM_OP_LOAD, node);
    emit(&b, BVM_OP_GETFIELD, rec, 0);
    emit(&b, BVM_OP_IADD);
    emit(&b, BVM_OP_GSTORE, 1);
    emit(&b, BVM_OP_LOAD, node);
    emit(&b, BVM_OP_GETFIELD, rec, 1);
    emit(&b, BVM_OP_STORE, node);
    emit(&b, BVM_OP_JMP, loop);
    patch_jump(&b, done, fn_pc(&b));
    emit(&b, BVM_OP_RET);
    fn_end(&b, 3);
    return m;
}

static bvm_vm *start(bvm_module *m, uint64_t heap, bool stress)
{
    bvm_diags d;
    bvm_diags_init(&d);
    ck_assert(bvm_verify_module(m, "test", &d));
    bvm_diags_free(&d);
    bvm_options o;
    bvm_options_default(&o);
    o.heap_limit = heap;
    o.gc_stress = stress;
    const char *why;
    bvm_vm *vm = bvm_vm_new(m, &o, &why);
    ck_assert_ptr_nonnull(vm);
    return vm;
}

static int64_t global_int(bvm_vm *vm, uint16_t g)
{
    bvm_typed_value v;
    ck_assert(bvm_vm_global(vm, g, &v));
    return v.value.i;
}

START_TEST(garbage_is_reclaimed_under_a_small_limit)
{
    /* 200000 records of 32 bytes = 6.4 MB of garbage through a 256 KiB heap. */
    bvm_module *m = list_program(200000, false);
    bvm_vm *vm = start(m, 256 * 1024, false);
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_OK);
    bvm_gc_stats s = bvm_vm_gc_stats(vm);
    ck_assert_uint_gt(s.collections, 10);
    ck_assert_uint_eq(s.objects_allocated, 200000);
    ck_assert_uint_ge(s.objects_freed, 190000);
    ck_assert_uint_le(s.peak_live_bytes, 256 * 1024);
    ck_assert_uint_eq(s.bytes_allocated, s.bytes_freed + s.live_bytes);
    bvm_vm_free(vm);
    bvm_module_free(m);
}
END_TEST

START_TEST(reachable_objects_survive_stress_collection)
{
    /* Every allocation collects; the list reachable from a global and the
     * node held in a local must all survive: sum 0..1999. */
    bvm_module *m = list_program(2000, true);
    bvm_vm *vm = start(m, 0, true);
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_OK);
    ck_assert_int_eq(global_int(vm, 1), 1999 * 2000 / 2);
    bvm_gc_stats s = bvm_vm_gc_stats(vm);
    ck_assert_uint_ge(s.collections, 2000);
    ck_assert_uint_eq(s.objects_freed, 0);
    bvm_vm_free(vm);
    bvm_module_free(m);
}
END_TEST

START_TEST(operand_stack_is_a_root)
{
    /* "a" + str(1) concatenated while a fresh string sits on the operand
     * stack below: with stress GC, the lower string must survive. */
    bvm_module *m = bvm_module_new();
    bvm_module_add_global(m, "s", BVM_TYPE_STRING);
    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    m->entry = b.index;
    emit(&b, BVM_OP_ICONST, 12345);
    emit(&b, BVM_OP_TOSTR, BVM_TYPE_INT);         /* fresh "12345" on the stack */
    emit(&b, BVM_OP_ICONST, 678);
    emit(&b, BVM_OP_TOSTR, BVM_TYPE_INT);         /* collects: "12345" is only on the stack */
    emit(&b, BVM_OP_NEW, bvm_module_intern_record_type(m, bvm_module_add_record(m, "Empty")));
    emit(&b, BVM_OP_POP);                         /* more collections */
    emit(&b, BVM_OP_SCONCAT);
    emit(&b, BVM_OP_GSTORE, 0);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 3);
    bvm_vm *vm = start(m, 0, true);
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_OK);
    bvm_typed_value v;
    ck_assert(bvm_vm_global(vm, 0, &v));
    char *text = bvm_vm_format_value(vm, v);
    ck_assert_str_eq(text, "12345678");
    free(text);
    bvm_vm_free(vm);
    bvm_module_free(m);
}
END_TEST

START_TEST(long_list_marks_without_recursion)
{
    /* One million live nodes: a recursive marker would need a million C
     * frames; the gray stack needs none. */
    bvm_module *m = list_program(1000000, true);
    bvm_vm *vm = start(m, 0, false);
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_OK);
    ck_assert_int_eq(global_int(vm, 1), (int64_t)999999 * 1000000 / 2);
    ck_assert_uint_gt(bvm_vm_gc_stats(vm).collections, 0);
    bvm_vm_free(vm);
    bvm_module_free(m);
}
END_TEST

START_TEST(full_heap_is_out_of_memory_exception)
{
    bvm_module *m = list_program(100000, true); /* keeps 3.2 MB live */
    bvm_vm *vm = start(m, 1024 * 1024, false);
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_EXCEPTION);
    ck_assert_str_eq(bvm_vm_error_message(vm), "out of memory: heap limit of 1048576 bytes reached");
    ck_assert_uint_le(bvm_vm_gc_stats(vm).peak_live_bytes, 1024 * 1024);
    bvm_vm_free(vm);
    bvm_module_free(m);
}
END_TEST

static Suite *gc_suite(void)
{
    Suite *s = suite_create("gc");
    TCase *tc = tcase_create("collector");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, garbage_is_reclaimed_under_a_small_limit);
    tcase_add_test(tc, reachable_objects_survive_stress_collection);
    tcase_add_test(tc, operand_stack_is_a_root);
    tcase_add_test(tc, long_list_marks_without_recursion);
    tcase_add_test(tc, full_heap_is_out_of_memory_exception);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(gc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
