/*
 * test_jit.c -- the JIT from inside: compiled code gives a frame back to
 * the interpreter (deoptimization) when the debugger stops the program,
 * when a breakpoint is armed in a compiled function, and when the JIT is
 * switched off in the middle of a hot loop; the stop lands on the right
 * function and line; the program's output does not change.
 *
 * The program spins natively in a loop until a global says stop; a timer
 * interrupts it (bvm_vm_interrupt, as the debugger's Ctrl-C does) while
 * compiled code runs.  Every check that the JIT was really in play reads
 * the JIT's own statistics.  Last, stopping at an instruction count (the
 * debugger's way back in time) lands on the same place compiled or not.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "compiler.h"
#include "verify.h"
#include "vm.h"

/* Line numbers below are the source's: keep them in step. */
static const char spin_source[] =
    "int stop = 0;\n"                                   /* 1 */
    "int counter = 0;\n"                                /* 2 */
    "void spin() {\n"                                   /* 3 */
    "    while (stop == 0) {\n"                         /* 4 */
    "        counter = counter + 1;\n"                  /* 5 */
    "    }\n"                                           /* 6 */
    "}\n"                                               /* 7 */
    "void outer() { spin(); }\n"                        /* 8 */
    "void main() { outer(); print(counter > 0); }\n";   /* 9 */
#define SPIN_BODY_LINE 5
#define GLOBAL_STOP 0

typedef struct {
    bvm_module *m;
    bvm_vm *vm;
    char *out;
    size_t out_len;
    FILE *out_file;
} program;

static void start(program *p, const char *source, bvm_jit_mode jit)
{
    bvm_diags d;
    bvm_diags_init(&d);
    p->m = bvm_compile(source, strlen(source), "spin.vela", &d);
    ck_assert_msg(p->m != NULL, "the test program compiles");
    ck_assert(bvm_verify_module(p->m, "spin.vela", &d));
    bvm_diags_free(&d);
    p->out_file = open_memstream(&p->out, &p->out_len);
    bvm_options o;
    bvm_options_default(&o);
    o.jit = jit;
    o.out = p->out_file;
    const char *why = NULL;
    p->vm = bvm_vm_new(p->m, &o, &why);
    ck_assert_ptr_nonnull(p->vm);
}

static const char *output(program *p)
{
    fflush(p->out_file);
    return p->out;
}

static void finish(program *p)
{
    bvm_vm_free(p->vm);
    fclose(p->out_file);
    free(p->out);
    bvm_module_free(p->m);
}

static bvm_vm *interrupt_target;
static void on_alarm(int sig)
{
    bvm_vm_interrupt(interrupt_target);
}

/* Runs until the timer interrupts it (the loop never ends on its own). */
static bvm_result run_until_interrupted(program *p, int ms)
{
    interrupt_target = p->vm;
    signal(SIGALRM, on_alarm);
    struct itimerval after = { .it_value = { .tv_sec = 0, .tv_usec = ms * 1000 } };
    setitimer(ITIMER_REAL, &after, NULL);
    bvm_result r = bvm_vm_run(p->vm);
    struct itimerval off = { 0 };
    setitimer(ITIMER_REAL, &off, NULL);
    return r;
}

static void tell_it_to_stop(program *p)
{
    bvm_value one = { .i = 1 };
    ck_assert(bvm_vm_set_global(p->vm, GLOBAL_STOP, one));
}

static uint32_t function_index(const program *p, const char *name)
{
    for (uint32_t i = 0; i < p->m->nfuncs; i++)
        if (strcmp(p->m->funcs[i].name, name) == 0)
            return i;
    ck_abort_msg("no function %s", name);
    return 0;
}

START_TEST(an_interrupt_stops_compiled_code_in_the_right_frame)
{
    if (!bvm_jit_host_supported())
        return; /* nothing to compile to: the interpreter's own tests cover it */
    program p;
    start(&p, spin_source, BVM_JIT_ALWAYS);
    ck_assert_int_eq(run_until_interrupted(&p, 50), BVM_RESULT_STOPPED);
    ck_assert_int_eq(bvm_vm_stop_reason(p.vm), BVM_STOP_INTERRUPT);
    bvm_jit_stats s = bvm_vm_jit_stats(p.vm);
    ck_assert_uint_ge(s.functions_compiled, 3);   /* main, outer, spin */
    ck_assert_uint_ge(s.native_entries, 1);
    ck_assert_uint_ge(s.deoptimizations, 1);      /* spin's loop handed its frame back */

    /* The frames are the program's, innermost first: spin, outer, main. */
    ck_assert_uint_eq(bvm_vm_frame_count(p.vm), 3);
    bvm_frame_info f;
    ck_assert(bvm_vm_frame(p.vm, 0, &f));
    ck_assert_uint_eq(f.function, function_index(&p, "spin"));
    ck_assert(f.line == 4 || f.line == 5);
    ck_assert(bvm_vm_frame(p.vm, 1, &f));
    ck_assert_uint_eq(f.function, function_index(&p, "outer"));
    ck_assert(bvm_vm_frame(p.vm, 2, &f));
    ck_assert_uint_eq(f.function, function_index(&p, "main"));

    /* The loop counted natively; let it finish. */
    bvm_typed_value counter;
    ck_assert(bvm_vm_global(p.vm, 1, &counter));
    ck_assert_int_gt(counter.value.i, 0);
    tell_it_to_stop(&p);
    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_OK);
    ck_assert_str_eq(output(&p), "true\n");
    finish(&p);
}
END_TEST

START_TEST(switching_the_jit_off_in_a_hot_loop)
{
    if (!bvm_jit_host_supported())
        return;
    program p;
    start(&p, spin_source, BVM_JIT_ALWAYS);
    ck_assert_int_eq(run_until_interrupted(&p, 50), BVM_RESULT_STOPPED);
    bvm_vm_set_jit(p.vm, false);
    ck_assert(!bvm_vm_jit_enabled(p.vm));
    uint64_t entries = bvm_vm_jit_stats(p.vm).native_entries;

    /* Resumed with the JIT off: the interpreter carries the same loop on,
     * with the same counter, and nothing enters compiled code again. */
    bvm_typed_value before, after;
    ck_assert(bvm_vm_global(p.vm, 1, &before));
    ck_assert_int_eq(run_until_interrupted(&p, 30), BVM_RESULT_STOPPED);
    ck_assert(bvm_vm_global(p.vm, 1, &after));
    ck_assert_int_gt(after.value.i, before.value.i);
    ck_assert_uint_eq(bvm_vm_jit_stats(p.vm).native_entries, entries);

    tell_it_to_stop(&p);
    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_OK);
    ck_assert_str_eq(output(&p), "true\n");
    finish(&p);
}
END_TEST

START_TEST(a_breakpoint_in_a_compiled_function_stops_on_its_line)
{
    if (!bvm_jit_host_supported())
        return;
    program p;
    start(&p, spin_source, BVM_JIT_ALWAYS);
    ck_assert_int_eq(run_until_interrupted(&p, 50), BVM_RESULT_STOPPED);
    uint32_t spin = function_index(&p, "spin");
    ck_assert_uint_ge(bvm_vm_jit_stats(p.vm).functions_compiled, 3);

    uint16_t functions[4];
    uint32_t pcs[4];
    ck_assert_uint_ge(bvm_vm_line_to_pcs(p.vm, SPIN_BODY_LINE, functions, pcs, 4), 1);
    ck_assert_uint_eq(functions[0], spin);
    ck_assert(bvm_vm_set_breakpoint(p.vm, functions[0], pcs[0], true));

    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_STOPPED);
    ck_assert_int_eq(bvm_vm_stop_reason(p.vm), BVM_STOP_BREAKPOINT);
    bvm_frame_info f;
    ck_assert(bvm_vm_frame(p.vm, 0, &f));
    ck_assert_uint_eq(f.function, spin);
    ck_assert_uint_eq(f.line, SPIN_BODY_LINE);
    ck_assert_uint_eq(f.pc, pcs[0]);

    /* Off again, and the compiled code is entered again: same output. */
    ck_assert(bvm_vm_set_breakpoint(p.vm, functions[0], pcs[0], false));
    uint64_t entries = bvm_vm_jit_stats(p.vm).native_entries;
    ck_assert_int_eq(run_until_interrupted(&p, 30), BVM_RESULT_STOPPED);
    ck_assert_uint_gt(bvm_vm_jit_stats(p.vm).native_entries, entries);
    tell_it_to_stop(&p);
    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_OK);
    ck_assert_str_eq(output(&p), "true\n");
    finish(&p);
}
END_TEST

/* Locals the JIT keeps in registers: at a stop the frame holds their
 * current values (written back when compiled code handed the frame over),
 * and a value the debugger writes is what compiled code sees when it is
 * entered again (loaded at the loop header). */
static const char locals_source[] =
    "void spin() {\n"
    "    int i = 0;\n"
    "    int stop = 0;\n"
    "    while (stop == 0) { i = i + 1; }\n"
    "    print(i > 0);\n"
    "}\n"
    "void main() { spin(); }\n";
#define LOCAL_I 0
#define LOCAL_STOP 1

START_TEST(locals_in_registers_are_exact_at_a_stop)
{
    if (!bvm_jit_host_supported())
        return;
    program p;
    start(&p, locals_source, BVM_JIT_ALWAYS);
    ck_assert_int_eq(run_until_interrupted(&p, 50), BVM_RESULT_STOPPED);
    bvm_typed_value i;
    ck_assert(bvm_vm_local(p.vm, 0, LOCAL_I, &i));
    ck_assert_int_gt(i.value.i, 0); /* written back from its register */

    /* The debugger moves i far ahead; resumed, compiled code (entered at
     * the loop header) counts on from there. */
    bvm_value far = { .i = 1000000000 };
    ck_assert(bvm_vm_set_local(p.vm, 0, LOCAL_I, far));
    uint64_t entries = bvm_vm_jit_stats(p.vm).osr_entries;
    ck_assert_int_eq(run_until_interrupted(&p, 30), BVM_RESULT_STOPPED);
    ck_assert_uint_gt(bvm_vm_jit_stats(p.vm).osr_entries, entries);
    ck_assert(bvm_vm_local(p.vm, 0, LOCAL_I, &i));
    ck_assert_int_gt(i.value.i, far.i);

    bvm_value one = { .i = 1 };
    ck_assert(bvm_vm_set_local(p.vm, 0, LOCAL_STOP, one));
    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_OK);
    ck_assert_str_eq(output(&p), "true\n");
    finish(&p);
}
END_TEST

/* Exceptions cross compiled and interpreted frames: thrown in a compiled
 * callee, caught in its compiled caller, with the same output as the
 * interpreter's. */
static const char throwing_source[] =
    "int risky(int x) { if (x == 3) throw \"three\"; return 10 / (x - 5); }\n"
    "int sum() {\n"
    "    int total = 0;\n"
    "    for (int i = 0; i < 8; i++) {\n"
    "        try { total = total + risky(i); } catch (e) { print(e); }\n"
    "    }\n"
    "    return total;\n"
    "}\n"
    "void main() { print(sum()); }\n";

static char *run_to_end(const char *source, bvm_jit_mode jit, bvm_result *result)
{
    program p;
    start(&p, source, jit);
    *result = bvm_vm_run(p.vm);
    char *text = strdup(output(&p));
    if (*result == BVM_RESULT_EXCEPTION) {
        size_t len = strlen(text);
        text = realloc(text, len + 200);
        snprintf(text + len, 200, "uncaught: %s", bvm_vm_error_message(p.vm));
    }
    finish(&p);
    return text;
}

START_TEST(exceptions_across_compiled_frames)
{
    bvm_result interpreted, compiled;
    char *expected = run_to_end(throwing_source, BVM_JIT_OFF, &interpreted);
    char *actual = run_to_end(throwing_source, BVM_JIT_ALWAYS, &compiled);
    ck_assert_int_eq(compiled, interpreted);
    ck_assert_str_eq(actual, expected);
    ck_assert_ptr_nonnull(strstr(expected, "division by zero"));
    ck_assert_ptr_nonnull(strstr(expected, "three"));
    free(expected);
    free(actual);
}
END_TEST

/* Deoptimization is per function: a breakpoint in one function, or a
 * step over a call, leaves the rest running compiled. */
static const char per_function_source[] =
    "int hits = 0;\n"                                                     /* 1 */
    "void leaf(int i) {\n"                                                /* 2 */
    "    hits = hits + i;\n"                                              /* 3 */
    "}\n"                                                                 /* 4 */
    "int work(int n) {\n"                                                 /* 5 */
    "    int s = 0;\n"                                                    /* 6 */
    "    for (int i = 0; i < n; i++) { s = s + i % 7; if (i % 50000 == 49999) leaf(i); }\n" /* 7 */
    "    return s;\n"                                                     /* 8 */
    "}\n"                                                                 /* 9 */
    "void main() {\n"                                                     /* 10 */
    "    int total = work(200000);\n"                                     /* 11 */
    "    print(total + hits);\n"                                          /* 12 */
    "}\n";                                                                /* 13 */

/* Arms (or clears) a breakpoint at the first instruction of a line. */
static void break_at_line(program *p, uint32_t line, bool armed)
{
    uint16_t functions[4];
    uint32_t pcs[4];
    ck_assert_uint_ge(bvm_vm_line_to_pcs(p->vm, line, functions, pcs, 4), 1);
    ck_assert(bvm_vm_set_breakpoint(p->vm, functions[0], pcs[0], armed));
}

START_TEST(a_breakpoint_elsewhere_leaves_the_rest_compiled)
{
    if (!bvm_jit_host_supported())
        return;
    program p;
    start(&p, per_function_source, BVM_JIT_ALWAYS);
    break_at_line(&p, 3, true);
    for (int hit = 1; hit <= 4; hit++) {
        ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_STOPPED);
        ck_assert_int_eq(bvm_vm_stop_reason(p.vm), BVM_STOP_BREAKPOINT);
        bvm_frame_info f;
        ck_assert(bvm_vm_frame(p.vm, 0, &f));
        ck_assert_uint_eq(f.line, 3);
        bvm_typed_value i;
        ck_assert(bvm_vm_local(p.vm, 0, 0, &i));
        ck_assert_int_eq(i.value.i, 50000 * hit - 1); /* every hit, in order */
        ck_assert(bvm_vm_frame(p.vm, 1, &f));
        ck_assert_uint_eq(f.line, 7);                 /* called from work's loop */
    }
    /* work's loop ran compiled while leaf's breakpoint was armed. */
    ck_assert_uint_gt(bvm_vm_jit_stats(p.vm).native_entries, 0);
    break_at_line(&p, 3, false);
    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_OK);
    program plain;
    start(&plain, per_function_source, BVM_JIT_OFF);
    ck_assert_int_eq(bvm_vm_run(plain.vm), BVM_RESULT_OK);
    ck_assert_str_eq(output(&p), output(&plain));
    finish(&plain);
    finish(&p);
}
END_TEST

START_TEST(next_over_a_call_runs_the_callee_compiled)
{
    if (!bvm_jit_host_supported())
        return;
    program p;
    start(&p, per_function_source, BVM_JIT_ALWAYS);
    break_at_line(&p, 11, true);
    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_STOPPED);
    break_at_line(&p, 11, false);
    uint64_t entries = bvm_vm_jit_stats(p.vm).native_entries;
    /* next: a line step that stops only in main's frame (depth 1) */
    bvm_vm_set_step(p.vm, BVM_STEP_LINE, bvm_vm_frame_count(p.vm));
    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_STOPPED);
    ck_assert_int_eq(bvm_vm_stop_reason(p.vm), BVM_STOP_STEP);
    bvm_frame_info f;
    ck_assert(bvm_vm_frame(p.vm, 0, &f));
    ck_assert_uint_eq(f.line, 12);
    ck_assert_uint_gt(bvm_vm_jit_stats(p.vm).native_entries, entries); /* work ran compiled */
    bvm_typed_value hits;
    ck_assert(bvm_vm_global(p.vm, 0, &hits));
    ck_assert_int_eq(hits.value.i, 49999 + 99999 + 149999 + 199999);
    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_OK);
    finish(&p);
}
END_TEST

/* Going back in time (the debugger's reverse steps): under a fuel budget
 * every instruction counts, compiled ones included, so stopping at an
 * instruction count lands on the same place whether the code runs
 * interpreted or compiled, and the run goes on unchanged from there. */
static const char count_source[] =
    "int total = 0;\n"
    "int square(int x) { return x * x; }\n"
    "void main() {\n"
    "    for (int i = 0; i < 3000; i++) total = total + square(i) % 7;\n"
    "    print(total);\n"
    "}\n";

typedef struct {
    uint64_t instructions;
    bvm_frame_info frame;
    int64_t total;
} place;

static place stop_at(bvm_jit_mode jit, uint64_t count, char *out, size_t out_size)
{
    program p;
    bvm_diags d;
    bvm_diags_init(&d);
    p.m = bvm_compile(count_source, strlen(count_source), "count.vela", &d);
    ck_assert(p.m && bvm_verify_module(p.m, "count.vela", &d));
    bvm_diags_free(&d);
    p.out_file = open_memstream(&p.out, &p.out_len);
    bvm_options o;
    bvm_options_default(&o);
    o.jit = jit;
    o.fuel = UINT64_MAX / 2; /* counts every instruction, never runs out */
    o.out = p.out_file;
    const char *why = NULL;
    p.vm = bvm_vm_new(p.m, &o, &why);
    ck_assert_ptr_nonnull(p.vm);
    ck_assert(bvm_vm_set_stop_at(p.vm, count));
    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_STOPPED);
    ck_assert_int_eq(bvm_vm_stop_reason(p.vm), BVM_STOP_STEP);
    place at = { .instructions = bvm_vm_instructions(p.vm) };
    ck_assert(bvm_vm_frame(p.vm, 0, &at.frame));
    bvm_typed_value total;
    ck_assert(bvm_vm_global(p.vm, 0, &total));
    at.total = total.value.i;
    ck_assert(!bvm_vm_set_stop_at(p.vm, count - 1)); /* that count has passed */
    ck_assert_int_eq(bvm_vm_run(p.vm), BVM_RESULT_OK);
    snprintf(out, out_size, "%s", output(&p));
    finish(&p);
    return at;
}

START_TEST(stopping_at_an_instruction_count_is_exact_in_compiled_code)
{
    static const uint64_t counts[] = { 1, 2, 17, 1000, 12345, 40001 };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        char interpreted_out[64], compiled_out[64];
        place interpreted = stop_at(BVM_JIT_OFF, counts[i], interpreted_out, sizeof interpreted_out);
        place compiled = stop_at(BVM_JIT_ALWAYS, counts[i], compiled_out, sizeof compiled_out);
        ck_assert_uint_eq(interpreted.instructions, counts[i]);
        ck_assert_uint_eq(compiled.instructions, counts[i]);
        ck_assert_uint_eq(compiled.frame.function, interpreted.frame.function);
        ck_assert_uint_eq(compiled.frame.pc, interpreted.frame.pc);
        ck_assert_uint_eq(compiled.frame.stack_depth, interpreted.frame.stack_depth);
        ck_assert_int_eq(compiled.total, interpreted.total);
        ck_assert_str_eq(compiled_out, interpreted_out);
        ck_assert_str_eq(compiled_out, "5999\n");
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jit");
    TCase *tc = tcase_create("deoptimization");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, an_interrupt_stops_compiled_code_in_the_right_frame);
    tcase_add_test(tc, switching_the_jit_off_in_a_hot_loop);
    tcase_add_test(tc, a_breakpoint_in_a_compiled_function_stops_on_its_line);
    tcase_add_test(tc, exceptions_across_compiled_frames);
    tcase_add_test(tc, locals_in_registers_are_exact_at_a_stop);
    tcase_add_test(tc, stopping_at_an_instruction_count_is_exact_in_compiled_code);
    tcase_add_test(tc, a_breakpoint_elsewhere_leaves_the_rest_compiled);
    tcase_add_test(tc, next_over_a_call_runs_the_callee_compiled);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
