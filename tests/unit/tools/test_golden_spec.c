/*
 * test_golden_spec.c -- unit tests of the golden-test runner's directive
 * parser and output checker (tests/tools/golden_spec.c).
 *
 * The runner decides whether every golden test passes, so a bug here could
 * turn failing programs into passing tests; these tests pin down what each
 * directive means and that each kind of difference is caught.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "golden_spec.h"

static golden_spec parse(const char *text, const char *marker)
{
    golden_spec s;
    golden_spec_parse(&s, text, strlen(text), marker);
    return s;
}

/* Run the checker on a fake run; returns whether it passed, and the report
 * in *report (caller frees). */
static bool check_run(const char *test_text, const char *out, const char *err, int status,
                      char **report)
{
    golden_spec s = parse(test_text, "//");
    ck_assert_uint_eq(s.problems.count, 0);
    golden_run run = {out, strlen(out), err, strlen(err), GOLDEN_EXITED, status};
    golden_text t = {0};
    golden_text_append(&t, "", 0);
    bool ok = golden_check(&s, "t.vela", &run, &t);
    golden_spec_free(&s);
    *report = t.data;
    return ok;
}

/* ---- parsing ------------------------------------------------------------------ */

START_TEST(expect_lines_keep_text_after_one_space)
{
    golden_spec s = parse("print(1); // expect: 1\n"
                          "// expect:\n"
                          "//expect:  two spaces\n"
                          "print(\"a//b\"); // expect: a//b\n",
                          "//");
    ck_assert_uint_eq(s.problems.count, 0);
    ck_assert_uint_eq(s.out_lines.count, 4);
    ck_assert_str_eq(s.out_lines.items[0], "1");
    ck_assert_str_eq(s.out_lines.items[1], "");
    ck_assert_str_eq(s.out_lines.items[2], " two spaces");
    ck_assert_str_eq(s.out_lines.items[3], "a//b");
    ck_assert_int_eq(golden_expected_status(&s), 0);
    golden_spec_free(&s);
}
END_TEST

START_TEST(assembly_comments_use_semicolons)
{
    golden_spec s = parse("  ldc 0 ; expect: 5\n;; expect exit: 3\n// expect: not a comment here\n",
                          ";");
    ck_assert_uint_eq(s.problems.count, 0);
    ck_assert_uint_eq(s.out_lines.count, 1);
    ck_assert_str_eq(s.out_lines.items[0], "5");
    ck_assert_int_eq(golden_expected_status(&s), 3);
    golden_spec_free(&s);
}
END_TEST

START_TEST(default_statuses_follow_the_kind_of_error)
{
    golden_spec s = parse("// expect error: 2:5: undefined variable 'x'\n", "//");
    ck_assert_uint_eq(s.problems.count, 0);
    ck_assert_int_eq(golden_expected_status(&s), 65);
    golden_spec_free(&s);

    s = parse("// expect runtime error: uncaught exception: boom\n", "//");
    ck_assert_int_eq(golden_expected_status(&s), 70);
    golden_spec_free(&s);

    s = parse("// expect runtime error: fuel exhausted: 10 instructions executed\n"
              "// expect exit: 9\n",
              "//");
    ck_assert_int_eq(golden_expected_status(&s), 9);
    golden_spec_free(&s);
}
END_TEST

START_TEST(args_split_on_blanks)
{
    golden_spec s = parse("// args: --fuel 100\t --heap  64K\n// args: --gc-stats\n// expect: x\n",
                          "//");
    ck_assert_uint_eq(s.args.count, 5);
    ck_assert_str_eq(s.args.items[0], "--fuel");
    ck_assert_str_eq(s.args.items[1], "100");
    ck_assert_str_eq(s.args.items[2], "--heap");
    ck_assert_str_eq(s.args.items[3], "64K");
    ck_assert_str_eq(s.args.items[4], "--gc-stats");
    golden_spec_free(&s);
}
END_TEST

START_TEST(a_test_without_assertions_is_malformed)
{
    golden_spec s = parse("print(1); // prints one\n// args: --fuel 5\n", "//");
    ck_assert_uint_eq(s.problems.count, 1);
    ck_assert_ptr_nonnull(strstr(s.problems.items[0], "no directives"));
    golden_spec_free(&s);
}
END_TEST

START_TEST(misspelt_directives_are_reported_with_their_line)
{
    golden_spec s = parse("// expect: 1\n"
                          "// expect errors: 1:1: x\n"
                          "// expected: 2\n"
                          "// we expected this to work\n" /* prose: not a directive */
                          "// expect exit: 300\n"
                          "// expect error: somewhere: x\n",
                          "//");
    ck_assert_uint_eq(s.problems.count, 4);
    ck_assert_ptr_nonnull(strstr(s.problems.items[0], "line 2: unknown directive 'expect errors:'"));
    ck_assert_ptr_nonnull(strstr(s.problems.items[1], "line 3: unknown directive 'expected:'"));
    ck_assert_ptr_nonnull(strstr(s.problems.items[2], "line 5:"));
    ck_assert_ptr_nonnull(strstr(s.problems.items[3], "line 6:"));
    golden_spec_free(&s);
}
END_TEST

START_TEST(contradictory_directives_are_malformed)
{
    golden_spec s = parse("// expect: 1\n// expect error: 1:1: bad\n", "//");
    ck_assert_uint_eq(s.problems.count, 1);
    golden_spec_free(&s);
    s = parse("// expect runtime error: a\n// expect runtime error: b\n", "//");
    ck_assert_uint_eq(s.problems.count, 1);
    golden_spec_free(&s);
}
END_TEST

START_TEST(error_locations_render_as_bvm_prints_them)
{
    char *l = golden_error_line("3:7: expected ';'", "a/b.vela");
    ck_assert_str_eq(l, "a/b.vela:3:7: error: expected ';'");
    free(l);
    l = golden_error_line("function 'main' pc 12: stack underflow", "x.vasm");
    ck_assert_str_eq(l, "x.vasm: function 'main' pc 12: error: stack underflow");
    free(l);
    l = golden_error_line("function 'f': missing return", "x.vasm");
    ck_assert_str_eq(l, "x.vasm: function 'f': error: missing return");
    free(l);
    l = golden_error_line("file: bad magic: not a bytecode file", "x.vbc");
    ck_assert_str_eq(l, "x.vbc: error: bad magic: not a bytecode file");
    free(l);
}
END_TEST

/* ---- checking --------------------------------------------------------------- */

START_TEST(matching_output_passes)
{
    char *r;
    ck_assert(check_run("// expect: 1\n// expect: 2\n", "1\n2\n", "", 0, &r));
    ck_assert_str_eq(r, "");
    free(r);
}
END_TEST

START_TEST(first_differing_line_is_shown)
{
    char *r;
    ck_assert(!check_run("// expect: 1\n// expect: 2\n// expect: 3\n", "1\nX\t\n3\n", "", 0, &r));
    ck_assert_ptr_nonnull(strstr(r, "stdout differs at line 2"));
    ck_assert_ptr_nonnull(strstr(r, "expected: \"2\""));
    ck_assert_ptr_nonnull(strstr(r, "actual:   \"X\\t\""));
    free(r);
}
END_TEST

START_TEST(missing_extra_and_unterminated_lines_fail)
{
    char *r;
    ck_assert(!check_run("// expect: 1\n// expect: 2\n", "1\n", "", 0, &r));
    ck_assert_ptr_nonnull(strstr(r, "first missing line 2"));
    free(r);
    ck_assert(!check_run("// expect: 1\n", "1\n2\n", "", 0, &r));
    ck_assert_ptr_nonnull(strstr(r, "extra line"));
    free(r);
    ck_assert(!check_run("// expect: 1\n", "1", "", 0, &r));
    ck_assert_ptr_nonnull(strstr(r, "not followed by a newline"));
    free(r);
    ck_assert(!check_run("// expect exit: 0\n", "\n", "", 0, &r));
    free(r);
}
END_TEST

START_TEST(wrong_status_and_unexpected_stderr_fail)
{
    char *r;
    ck_assert(!check_run("// expect: 1\n", "1\n", "", 3, &r));
    ck_assert_ptr_nonnull(strstr(r, "expected exit status 0, got exit status 3"));
    free(r);
    ck_assert(!check_run("// expect: 1\n", "1\n", "warning\n", 0, &r));
    ck_assert_ptr_nonnull(strstr(r, "stderr should be empty"));
    free(r);
}
END_TEST

START_TEST(runtime_errors_check_first_stderr_line_and_trace_in_order)
{
    const char *test = "// expect: before\n"
                       "// expect runtime error: uncaught exception: division by zero\n"
                       "// expect stderr:   at f ({file}:3)\n"
                       "// expect stderr:   at main ({file}:9)\n";
    const char *trace = "uncaught exception: division by zero\n"
                        "  at f (t.vela:3)\n"
                        "  at g (t.vela:5)\n"
                        "  at main (t.vela:9)\n";
    char *r;
    ck_assert(check_run(test, "before\n", trace, 70, &r));
    free(r);
    ck_assert(!check_run(test, "", trace, 70, &r)); /* output before the error lost */
    free(r);
    ck_assert(!check_run(test, "before\n", trace, 1, &r));
    free(r);
    const char *swapped = "uncaught exception: division by zero\n"
                          "  at main (t.vela:9)\n"
                          "  at f (t.vela:3)\n";
    ck_assert(!check_run(test, "before\n", swapped, 70, &r));
    ck_assert_ptr_nonnull(strstr(r, "stderr lacks the expected line"));
    free(r);
    ck_assert(!check_run(test, "before\n", "uncaught exception: other\n  at f (t.vela:3)\n"
                                           "  at main (t.vela:9)\n", 70, &r));
    ck_assert_ptr_nonnull(strstr(r, "first line differs"));
    free(r);
}
END_TEST

START_TEST(compile_errors_must_be_all_of_stderr)
{
    const char *test = "// expect error: 1:9: first\n// expect error: 2:1: second\n";
    char *r;
    ck_assert(check_run(test, "", "t.vela:1:9: error: first\nt.vela:2:1: error: second\n", 65, &r));
    free(r);
    ck_assert(!check_run(test, "", "t.vela:1:9: error: first\n", 65, &r));
    free(r);
    ck_assert(!check_run(test, "", "t.vela:1:9: error: first\nt.vela:2:1: error: second\nmore\n", 65,
                         &r));
    free(r);
    ck_assert(!check_run(test, "oops\n", "t.vela:1:9: error: first\nt.vela:2:1: error: second\n", 65,
                         &r));
    free(r);
}
END_TEST

START_TEST(signals_and_timeouts_are_named)
{
    golden_spec s = parse("// expect: 1\n", "//");
    golden_run run = {"1\n", 2, "", 0, GOLDEN_SIGNALED, 11};
    golden_text t = {0};
    ck_assert(!golden_check(&s, "t.vela", &run, &t));
    ck_assert_ptr_nonnull(strstr(t.data, "SIGSEGV"));
    golden_text_free(&t);
    run.ending = GOLDEN_TIMED_OUT;
    run.code = 20;
    ck_assert(!golden_check(&s, "t.vela", &run, &t));
    ck_assert_ptr_nonnull(strstr(t.data, "timed out after 20 s"));
    golden_text_free(&t);
    golden_spec_free(&s);
}
END_TEST

static Suite *golden_spec_suite(void)
{
    Suite *s = suite_create("golden_spec");
    TCase *p = tcase_create("parse");
    tcase_add_test(p, expect_lines_keep_text_after_one_space);
    tcase_add_test(p, assembly_comments_use_semicolons);
    tcase_add_test(p, default_statuses_follow_the_kind_of_error);
    tcase_add_test(p, args_split_on_blanks);
    tcase_add_test(p, a_test_without_assertions_is_malformed);
    tcase_add_test(p, misspelt_directives_are_reported_with_their_line);
    tcase_add_test(p, contradictory_directives_are_malformed);
    tcase_add_test(p, error_locations_render_as_bvm_prints_them);
    suite_add_tcase(s, p);
    TCase *c = tcase_create("check");
    tcase_add_test(c, matching_output_passes);
    tcase_add_test(c, first_differing_line_is_shown);
    tcase_add_test(c, missing_extra_and_unterminated_lines_fail);
    tcase_add_test(c, wrong_status_and_unexpected_stderr_fail);
    tcase_add_test(c, runtime_errors_check_first_stderr_line_and_trace_in_order);
    tcase_add_test(c, compile_errors_must_be_all_of_stderr);
    tcase_add_test(c, signals_and_timeouts_are_named);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(golden_spec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
