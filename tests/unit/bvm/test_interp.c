/*
 * test_interp.c -- the interpreter on hand-built bytecode: arithmetic edge
 * cases, calls, exceptions and handlers, limits, output, the hook API, and
 * that both dispatch modes agree.  Every test runs once per dispatch mode
 * (Check's loop tests, _i = 0 switch, 1 threaded).
 */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>

#include "build.h"
#include "verify.h"
#include "vm.h"

static bvm_dispatch dispatch_of(int i) { return i == 0 ? BVM_DISPATCH_SWITCH : BVM_DISPATCH_THREADED; }

typedef struct {
    bvm_module *m;
    bvm_vm *vm;
    char *out;
    size_t out_len;
    FILE *out_file;
    bvm_result result;
} run_t;

/* Verify m, make a VM with output to memory, run it to the end.  The
 * memstream writes through &r->out, so r must stay where it is. */
static void run_module(run_t *rp, bvm_module *m, int dispatch, uint64_t fuel, uint32_t max_depth)
{
    run_t r = {.m = m};
    bvm_diags d;
    bvm_diags_init(&d);
    bool ok = bvm_verify_module(m, "test", &d);
    if (!ok)
        bvm_diags_print(&d, stderr);
    ck_assert_msg(ok, "module should verify");
    bvm_diags_free(&d);
    r.out_file = NULL;
    bvm_options o;
    bvm_options_default(&o);
    o.dispatch = dispatch_of(dispatch);
    o.fuel = fuel;
    o.max_depth = max_depth;
    *rp = r;
    rp->out_file = open_memstream(&rp->out, &rp->out_len);
    o.out = rp->out_file;
    const char *why;
    rp->vm = bvm_vm_new(m, &o, &why);
    ck_assert_ptr_nonnull(rp->vm);
    rp->result = bvm_vm_run(rp->vm);
    fflush(rp->out_file);
}

static void run_free(run_t *r)
{
    bvm_vm_free(r->vm);
    fclose(r->out_file);
    free(r->out);
    bvm_module_free(r->m);
}

/* main returns the int on top of the stack after `body` emitted code;
 * the value is also stored in global 0 so tests see all 64 bits. */
static int64_t global0(run_t *r)
{
    bvm_typed_value v;
    ck_assert(bvm_vm_global(r->vm, 0, &v));
    return v.value.i;
}

static fn_builder main_storing_int(bvm_module *m)
{
    bvm_module_add_global(m, "result", BVM_TYPE_INT);
    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    m->entry = b.index;
    return b;
}

static int64_t eval_binary(int dispatch, int op, int64_t a, int64_t b_)
{
    bvm_module *m = bvm_module_new();
    fn_builder b = main_storing_int(m);
    emit(&b, BVM_OP_LDC, bvm_module_intern_int(m, a));
    emit(&b, BVM_OP_LDC, bvm_module_intern_int(m, b_));
    emit(&b, op);
    emit(&b, BVM_OP_GSTORE, 0);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 2);
    run_t r;
    run_module(&r, m, dispatch, 0, 0);
    ck_assert_int_eq(r.result, BVM_RESULT_OK);
    int64_t v = global0(&r);
    run_free(&r);
    return v;
}

START_TEST(int_arithmetic_edges)
{
    ck_assert_int_eq(eval_binary(_i, BVM_OP_IADD, INT64_MAX, 1), INT64_MIN); /* wraps */
    ck_assert_int_eq(eval_binary(_i, BVM_OP_IMUL, INT64_MIN, -1), INT64_MIN);
    ck_assert_int_eq(eval_binary(_i, BVM_OP_IDIV, INT64_MIN, -1), INT64_MIN);
    ck_assert_int_eq(eval_binary(_i, BVM_OP_IREM, INT64_MIN, -1), 0);
    ck_assert_int_eq(eval_binary(_i, BVM_OP_IDIV, -7, 2), -3); /* truncates toward zero */
    ck_assert_int_eq(eval_binary(_i, BVM_OP_IREM, -7, 2), -1); /* sign of the dividend */
    ck_assert_int_eq(eval_binary(_i, BVM_OP_ISHL, 1, 65), 2); /* count mod 64 */
    ck_assert_int_eq(eval_binary(_i, BVM_OP_ISHR, -16, 2), -4); /* arithmetic */
    ck_assert_int_eq(eval_binary(_i, BVM_OP_IXOR, 0xF0, 0xFF), 0x0F);
}
END_TEST

static int64_t eval_f2i(int dispatch, double f)
{
    bvm_module *m = bvm_module_new();
    fn_builder b = main_storing_int(m);
    emit(&b, BVM_OP_LDC, bvm_module_intern_float(m, f));
    emit(&b, BVM_OP_F2I);
    emit(&b, BVM_OP_GSTORE, 0);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 1);
    run_t r;
    run_module(&r, m, dispatch, 0, 0);
    int64_t v = global0(&r);
    run_free(&r);
    return v;
}

START_TEST(float_to_int_saturates)
{
    ck_assert_int_eq(eval_f2i(_i, -2.9), -2);
    ck_assert_int_eq(eval_f2i(_i, NAN), 0);
    ck_assert_int_eq(eval_f2i(_i, 1e300), INT64_MAX);
    ck_assert_int_eq(eval_f2i(_i, -INFINITY), INT64_MIN);
}
END_TEST

/* int fib(int n) { if (n < 2) return n; return fib(n-1) + fib(n-2); } */
static uint16_t add_fib(bvm_module *m)
{
    fn_builder b = fn_begin(m, "fib", BVM_TYPE_INT, 1, BVM_TYPE_INT);
    uint16_t self = b.index;
    fn_line(&b, 1);
    emit(&b, BVM_OP_LOAD, 0);
    emit(&b, BVM_OP_ICONST, 2);
    uint32_t j = emit(&b, BVM_OP_JIGE, 0);
    emit(&b, BVM_OP_LOAD, 0);
    emit(&b, BVM_OP_RETV);
    patch_jump(&b, j, fn_pc(&b));
    fn_line(&b, 2);
    emit(&b, BVM_OP_LOAD, 0);
    emit(&b, BVM_OP_ICONST, 1);
    emit(&b, BVM_OP_ISUB);
    emit(&b, BVM_OP_CALL, self);
    emit(&b, BVM_OP_LOAD, 0);
    emit(&b, BVM_OP_ICONST, 2);
    emit(&b, BVM_OP_ISUB);
    emit(&b, BVM_OP_CALL, self);
    emit(&b, BVM_OP_IADD);
    emit(&b, BVM_OP_RETV);
    fn_end(&b, 3);
    return self;
}

START_TEST(recursive_calls)
{
    bvm_module *m = bvm_module_new();
    uint16_t fib = add_fib(m);
    fn_builder b = main_storing_int(m);
    emit(&b, BVM_OP_ICONST, 20);
    emit(&b, BVM_OP_CALL, fib);
    emit(&b, BVM_OP_GSTORE, 0);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 1);
    run_t r;
    run_module(&r, m, _i, 0, 0);
    ck_assert_int_eq(r.result, BVM_RESULT_OK);
    ck_assert_int_eq(global0(&r), 6765);
    run_free(&r);
}
END_TEST

START_TEST(main_int_result_is_exit_code)
{
    bvm_module *m = bvm_module_new();
    fn_builder b = fn_begin(m, "main", BVM_TYPE_INT, 0);
    m->entry = b.index;
    emit(&b, BVM_OP_ICONST, 256 + 7);
    emit(&b, BVM_OP_RETV);
    fn_end(&b, 1);
    run_t r;
    run_module(&r, m, _i, 0, 0);
    ck_assert_int_eq(r.result, BVM_RESULT_OK);
    ck_assert_int_eq(bvm_vm_exit_code(r.vm), 7); /* status & 255 */
    run_free(&r);
}
END_TEST

/* f(d): d == 0 ? 1 / 0 : f(d - 1); main calls f(3) inside a handler range
 * iff `caught`, storing the message in a string global. */
static bvm_module *throwing_program(bool caught)
{
    bvm_module *m = bvm_module_new();
    bvm_module_add_global(m, "message", BVM_TYPE_STRING);
    fn_builder f = fn_begin(m, "f", BVM_TYPE_INT, 1, BVM_TYPE_INT);
    fn_line(&f, 10);
    emit(&f, BVM_OP_LOAD, 0);
    emit(&f, BVM_OP_ICONST, 0);
    uint32_t j = emit(&f, BVM_OP_JINE, 0);
    fn_line(&f, 11);
    emit(&f, BVM_OP_ICONST, 1);
    emit(&f, BVM_OP_ICONST, 0);
    emit(&f, BVM_OP_IDIV);
    emit(&f, BVM_OP_RETV);
    patch_jump(&f, j, fn_pc(&f));
    fn_line(&f, 12);
    emit(&f, BVM_OP_LOAD, 0);
    emit(&f, BVM_OP_ICONST, 1);
    emit(&f, BVM_OP_ISUB);
    emit(&f, BVM_OP_CALL, f.index);
    emit(&f, BVM_OP_RETV);
    fn_end(&f, 2);

    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    m->entry = b.index;
    fn_line(&b, 20);
    uint32_t start = emit(&b, BVM_OP_ICONST, 3);
    emit(&b, BVM_OP_CALL, f.index);
    emit(&b, BVM_OP_POP);
    uint32_t end = fn_pc(&b);
    emit(&b, BVM_OP_RET);
    uint32_t handler = emit(&b, BVM_OP_GSTORE, 0);
    emit(&b, BVM_OP_RET);
    if (caught)
        fn_handler(&b, start, end, handler);
    fn_end(&b, 1);
    return m;
}

START_TEST(exception_caught_across_frames)
{
    run_t r;
    run_module(&r, throwing_program(true), _i, 0, 0);
    ck_assert_int_eq(r.result, BVM_RESULT_OK);
    bvm_typed_value v;
    ck_assert(bvm_vm_global(r.vm, 0, &v));
    char *text = bvm_vm_format_value(r.vm, v);
    ck_assert_str_eq(text, "division by zero");
    free(text);
    run_free(&r);
}
END_TEST

START_TEST(uncaught_exception_has_trace)
{
    run_t r;
    run_module(&r, throwing_program(false), _i, 0, 0);
    ck_assert_int_eq(r.result, BVM_RESULT_EXCEPTION);
    ck_assert_str_eq(bvm_vm_error_message(r.vm), "division by zero");
    ck_assert_uint_eq(bvm_vm_trace_length(r.vm), 5); /* f x4, main */
    bvm_trace_entry t0 = bvm_vm_trace_entry(r.vm, 0), t4 = bvm_vm_trace_entry(r.vm, 4);
    ck_assert_str_eq(t0.function, "f");
    ck_assert_uint_eq(t0.line, 11);
    ck_assert_str_eq(t4.function, "main");
    ck_assert_uint_eq(t4.line, 20);
    run_free(&r);
}
END_TEST

/* void main() { loop(); }  void loop() { loop(); } */
static bvm_module *infinite_recursion(void)
{
    bvm_module *m = bvm_module_new();
    fn_builder l = fn_begin(m, "loop", BVM_TYPE_VOID, 0);
    emit(&l, BVM_OP_CALL, l.index);
    emit(&l, BVM_OP_RET);
    fn_end(&l, 0);
    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    m->entry = b.index;
    emit(&b, BVM_OP_CALL, l.index);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 0);
    return m;
}

START_TEST(stack_overflow_is_an_exception)
{
    run_t r;
    run_module(&r, infinite_recursion(), _i, 0, 100);
    ck_assert_int_eq(r.result, BVM_RESULT_EXCEPTION);
    ck_assert_str_eq(bvm_vm_error_message(r.vm), "stack overflow: call depth limit of 100 reached");
    ck_assert_uint_eq(bvm_vm_trace_length(r.vm), 100);
    run_free(&r);
}
END_TEST

START_TEST(fuel_limits_instructions)
{
    bvm_module *m = bvm_module_new();
    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    m->entry = b.index;
    emit(&b, BVM_OP_NOP);
    emit(&b, BVM_OP_JMP, 0);
    fn_end(&b, 0);
    run_t r;
    run_module(&r, m, _i, 1001, 0);
    ck_assert_int_eq(r.result, BVM_RESULT_FUEL);
    ck_assert_str_eq(bvm_vm_error_message(r.vm), "fuel exhausted: 1001 instructions executed");
    ck_assert_uint_eq(bvm_vm_instructions(r.vm), 1001);
    run_free(&r);
}
END_TEST

START_TEST(print_and_tostr)
{
    bvm_module *m = bvm_module_new();
    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    m->entry = b.index;
    emit(&b, BVM_OP_LDC, bvm_module_intern_float(m, 0.1));
    emit(&b, BVM_OP_TOSTR, BVM_TYPE_FLOAT);
    emit(&b, BVM_OP_LDC, bvm_module_intern_string(m, " ", 1));
    emit(&b, BVM_OP_SCONCAT);
    emit(&b, BVM_OP_LDC, bvm_module_intern_float(m, 3.0));
    emit(&b, BVM_OP_TOSTR, BVM_TYPE_FLOAT);
    emit(&b, BVM_OP_SCONCAT);
    emit(&b, BVM_OP_PRINT);
    emit(&b, BVM_OP_NULL);
    emit(&b, BVM_OP_PRINT);
    emit(&b, BVM_OP_ICONST, -42);
    emit(&b, BVM_OP_SFMT, bvm_module_intern_string(m, "%6d", 3));
    emit(&b, BVM_OP_PRINT);
    emit(&b, BVM_OP_BCONST, 1);
    emit(&b, BVM_OP_TOSTR, BVM_TYPE_BOOL);
    emit(&b, BVM_OP_PRINT);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 2);
    run_t r;
    run_module(&r, m, _i, 0, 0);
    ck_assert_int_eq(r.result, BVM_RESULT_OK);
    ck_assert_str_eq(r.out, "0.1 3.0null   -42true");
    run_free(&r);
}
END_TEST

START_TEST(hooks_step_and_breakpoint)
{
    bvm_module *m = bvm_module_new();
    uint16_t fib = add_fib(m);
    fn_builder b = main_storing_int(m);
    fn_line(&b, 30);
    emit(&b, BVM_OP_ICONST, 5);
    emit(&b, BVM_OP_CALL, fib);
    emit(&b, BVM_OP_GSTORE, 0);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 1);
    bvm_diags d;
    bvm_diags_init(&d);
    ck_assert(bvm_verify_module(m, "test", &d));
    bvm_options o;
    bvm_options_default(&o);
    o.dispatch = dispatch_of(_i);
    const char *why;
    bvm_vm *vm = bvm_vm_new(m, &o, &why);

    /* Step one instruction at a time from the start: the first stop is
     * before main's first instruction, the second before the call. */
    bvm_vm_set_step(vm, BVM_STEP_INSTRUCTION, UINT32_MAX);
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_STOPPED);
    ck_assert_int_eq(bvm_vm_stop_reason(vm), BVM_STOP_STEP);
    bvm_frame_info fi;
    ck_assert(bvm_vm_frame(vm, 0, &fi));
    ck_assert_uint_eq(fi.pc, 0);
    ck_assert_uint_eq(fi.line, 30);
    bvm_vm_set_step(vm, BVM_STEP_INSTRUCTION, UINT32_MAX);
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_STOPPED);
    ck_assert(bvm_vm_frame(vm, 0, &fi));
    ck_assert_uint_eq(fi.pc, 5);
    ck_assert_uint_eq(fi.stack_depth, 1);
    bvm_typed_value tv;
    ck_assert(bvm_vm_stack_slot(vm, 0, 0, &tv));
    ck_assert_int_eq(tv.type, BVM_TYPE_INT);
    ck_assert_int_eq(tv.value.i, 5);

    /* A breakpoint on fib's line 2: reached first with n = 5 at depth 2. */
    uint16_t fns[4];
    uint32_t pcs[4];
    ck_assert_uint_eq(bvm_vm_line_to_pcs(vm, 2, fns, pcs, 4), 1);
    ck_assert(bvm_vm_set_breakpoint(vm, fns[0], pcs[0], true));
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_STOPPED);
    ck_assert_int_eq(bvm_vm_stop_reason(vm), BVM_STOP_BREAKPOINT);
    ck_assert_uint_eq(bvm_vm_frame_count(vm), 2);
    ck_assert(bvm_vm_local(vm, 0, 0, &tv));
    ck_assert_int_eq(tv.value.i, 5);
    /* Continuing stops again one level deeper (n = 4). */
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_STOPPED);
    ck_assert_uint_eq(bvm_vm_frame_count(vm), 3);
    ck_assert(bvm_vm_local(vm, 0, 0, &tv));
    ck_assert_int_eq(tv.value.i, 4);
    /* `finish` out of this frame: stops in the caller (depth 2). */
    ck_assert(bvm_vm_set_breakpoint(vm, fns[0], pcs[0], false));
    bvm_vm_set_step(vm, BVM_STEP_LINE, bvm_vm_frame_count(vm) - 1);
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_STOPPED);
    ck_assert_uint_eq(bvm_vm_frame_count(vm), 2);
    /* Nothing armed: runs to the end with the right answer. */
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_OK);
    ck_assert(bvm_vm_global(vm, 0, &tv));
    ck_assert_int_eq(tv.value.i, 5);
    bvm_vm_free(vm);
    bvm_diags_free(&d);
    bvm_module_free(m);
}
END_TEST

/* The plain loop checks nothing per instruction; an interrupt from a
 * signal handler must still stop it (it polls at backward jumps). */
static bvm_vm *interrupt_target;
static void on_alarm(int sig)
{
    (void)sig;
    bvm_vm_interrupt(interrupt_target);
}

START_TEST(interrupt_stops_the_plain_loop)
{
    /* for (i = 0; i < 3e9; i++) {}  -- seconds of work unless stopped */
    bvm_module *m = bvm_module_new();
    bvm_module_add_global(m, "i", BVM_TYPE_INT);
    fn_builder b = fn_begin(m, "main", BVM_TYPE_VOID, 0);
    m->entry = b.index;
    uint16_t i = fn_local(&b, BVM_TYPE_INT);
    uint32_t top = emit(&b, BVM_OP_IINC, i, 1);
    emit(&b, BVM_OP_LOAD, i);
    emit(&b, BVM_OP_LDC, bvm_module_intern_int(m, 3000000000LL));
    emit(&b, BVM_OP_JILT, top);
    emit(&b, BVM_OP_LOAD, i);
    emit(&b, BVM_OP_GSTORE, 0);
    emit(&b, BVM_OP_RET);
    fn_end(&b, 2);
    bvm_diags d;
    bvm_diags_init(&d);
    ck_assert(bvm_verify_module(m, "test", &d));
    bvm_options o;
    bvm_options_default(&o);
    o.dispatch = dispatch_of(_i);
    const char *why;
    bvm_vm *vm = bvm_vm_new(m, &o, &why);
    interrupt_target = vm;
    signal(SIGALRM, on_alarm);
    struct itimerval after_200ms = {.it_value = {.tv_sec = 0, .tv_usec = 200000}};
    setitimer(ITIMER_REAL, &after_200ms, NULL);
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_STOPPED);
    ck_assert_int_eq(bvm_vm_stop_reason(vm), BVM_STOP_INTERRUPT);
    bvm_typed_value tv;
    ck_assert(bvm_vm_local(vm, 0, i, &tv));
    ck_assert_int_gt(tv.value.i, 0);
    ck_assert_int_lt(tv.value.i, 3000000000LL);
    /* Set i near the end and resume: it finishes with the right value. */
    ck_assert(bvm_vm_set_local(vm, 0, i, (bvm_value){.i = 2999999990LL}));
    ck_assert_int_eq(bvm_vm_run(vm), BVM_RESULT_OK);
    ck_assert(bvm_vm_global(vm, 0, &tv));
    ck_assert_int_eq(tv.value.i, 3000000000LL);
    bvm_vm_free(vm);
    bvm_diags_free(&d);
    bvm_module_free(m);
}
END_TEST

static Suite *interp_suite(void)
{
    Suite *s = suite_create("interpreter");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, int_arithmetic_edges, 0, 2);
    tcase_add_loop_test(tc, float_to_int_saturates, 0, 2);
    tcase_add_loop_test(tc, recursive_calls, 0, 2);
    tcase_add_loop_test(tc, main_int_result_is_exit_code, 0, 2);
    tcase_add_loop_test(tc, exception_caught_across_frames, 0, 2);
    tcase_add_loop_test(tc, uncaught_exception_has_trace, 0, 2);
    tcase_add_loop_test(tc, stack_overflow_is_an_exception, 0, 2);
    tcase_add_loop_test(tc, fuel_limits_instructions, 0, 2);
    tcase_add_loop_test(tc, print_and_tostr, 0, 2);
    tcase_add_loop_test(tc, hooks_step_and_breakpoint, 0, 2);
    tcase_add_loop_test(tc, interrupt_stops_the_plain_loop, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(interp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
