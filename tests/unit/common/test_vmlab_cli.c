/*
 * test_vmlab_cli.c -- the command-line helpers bvm, mhv and vdb share
 * (common/vmlab_cli.h): flags with values, flags given once, unsigned
 * numbers, the usage error.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exit_status.h"
#include "vmlab_cli.h"

START_TEST(flag_with_equals_or_a_separate_value)
{
    char *argv[] = {"prog", "--fuel=10", "--fuel", "20", "--jit-stats", "--jit", NULL};
    int argc = 6, i = 1;
    const char *v = "untouched";
    ck_assert(vmlab_flag_value(argc, argv, &i, "--fuel", &v));
    ck_assert_str_eq(v, "10");
    ck_assert_int_eq(i, 1); /* the value was in the same argument */
    i = 2;
    ck_assert(vmlab_flag_value(argc, argv, &i, "--fuel", &v));
    ck_assert_str_eq(v, "20");
    ck_assert_int_eq(i, 3); /* moved past the separate value */
    i = 4;
    v = "untouched";
    ck_assert(!vmlab_flag_value(argc, argv, &i, "--jit", &v)); /* --jit-stats is another flag */
    ck_assert_str_eq(v, "untouched");
    ck_assert_int_eq(i, 4);
    i = 5;
    ck_assert(vmlab_flag_value(argc, argv, &i, "--jit", &v)); /* the last argument: no value */
    ck_assert_ptr_null(v);
    ck_assert_int_eq(i, 5);
    char *empty[] = {"prog", "--cmdline=", NULL};
    i = 1;
    ck_assert(vmlab_flag_value(2, empty, &i, "--cmdline", &v)); /* an empty value is a value */
    ck_assert_str_eq(v, "");
}
END_TEST

START_TEST(flag_given_once)
{
    char *argv[] = {"prog", "--kernel", "a", "--kernel=b", "--kernels", "--kernel", NULL};
    int argc = 6, i = 1;
    const char *slot = NULL;
    char problem[64] = "stale";
    ck_assert(vmlab_flag_once(argc, argv, &i, "--kernel", "a file", &slot, problem, sizeof problem));
    ck_assert_str_eq(slot, "a");
    ck_assert_str_eq(problem, "");
    ck_assert_int_eq(i, 2);
    i = 3;
    ck_assert(vmlab_flag_once(argc, argv, &i, "--kernel", "a file", &slot, problem, sizeof problem));
    ck_assert_str_eq(problem, "--kernel is given twice");
    ck_assert_str_eq(slot, "a"); /* the first stays */
    i = 4;
    ck_assert(!vmlab_flag_once(argc, argv, &i, "--kernel", "a file", &slot, problem, sizeof problem));
    const char *other = NULL;
    i = 5;
    ck_assert(vmlab_flag_once(argc, argv, &i, "--kernel", "a file", &other, problem, sizeof problem));
    ck_assert_str_eq(problem, "--kernel needs a file");
    ck_assert_ptr_null(other);
}
END_TEST

START_TEST(unsigned_numbers)
{
    uint64_t n = 7;
    ck_assert(vmlab_parse_u64("0", 10, &n) && n == 0);
    ck_assert(vmlab_parse_u64("18446744073709551615", 10, &n) && n == UINT64_MAX);
    ck_assert(vmlab_parse_u64("0x1000", 0, &n) && n == 0x1000);
    ck_assert(vmlab_parse_u64("010", 0, &n) && n == 8);
    n = 7;
    static const char *const bad[] = {"", "-1", "+1", " 1", "\t1", "1 ", "12x", "18446744073709551616", "0x", NULL};
    for (int k = 0; bad[k]; k++)
        ck_assert_msg(!vmlab_parse_u64(bad[k], 0, &n), "'%s' was taken", bad[k]);
    ck_assert_uint_eq(n, 7); /* nothing written on failure */
    ck_assert(!vmlab_parse_u64(NULL, 10, &n));
    ck_assert(!vmlab_parse_u64("0x10", 10, &n)); /* base 10 has no prefix */
}
END_TEST

START_TEST(usage_error_names_the_program_and_the_hint)
{
    char path[] = "/tmp/test_vmlab_cli.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    int status = vmlab_usage_error("bvm", "--%s needs a value", "fuel");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ck_assert_int_eq(status, VMLAB_EXIT_USAGE);
    char text[256] = {0};
    ck_assert_int_gt(pread(fd, text, sizeof text - 1, 0), 0);
    close(fd);
    unlink(path);
    ck_assert_str_eq(text, "bvm: --fuel needs a value\n(run 'bvm --help' for usage)\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vmlab_cli");
    TCase *t = tcase_create("cli");
    tcase_add_test(t, flag_with_equals_or_a_separate_value);
    tcase_add_test(t, flag_given_once);
    tcase_add_test(t, unsigned_numbers);
    tcase_add_test(t, usage_error_names_the_program_and_the_hint);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
