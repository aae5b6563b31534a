/*
 * test_jit_mem.c -- executable memory for the JIT: installed code runs,
 * and its pages are read+execute, never writable (W^X), as
 * /proc/self/maps reports them.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit_mem.h"

/* The permissions ("r-xp") of the mapping that holds addr, or "" if none. */
static void permissions_of(const void *addr, char perms[5])
{
    strcpy(perms, "");
    FILE *maps = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(maps);
    char line[512];
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end;
        char p[5];
        if (sscanf(line, "%lx-%lx %4s", &start, &end, p) == 3 &&
            (uintptr_t)addr >= start && (uintptr_t)addr < end) {
            strcpy(perms, p);
            break;
        }
    }
    fclose(maps);
}

/* mov eax, 42 ; ret */
static const uint8_t return_42[] = { 0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3 };

START_TEST(installed_code_runs)
{
    bvm_jit_code code;
    const char *why = NULL;
    ck_assert(bvm_jit_code_install(&code, return_42, sizeof return_42, &why));
    ck_assert_uint_eq(code.size, sizeof return_42);
    ck_assert_uint_ge(code.mapped, code.size);
    int (*function)(void);
    memcpy(&function, &code.entry, sizeof function); /* object to function pointer, portably */
    ck_assert_int_eq(function(), 42);
    bvm_jit_code_free(&code);
    ck_assert_ptr_null(code.entry);
}
END_TEST

START_TEST(pages_are_never_writable_and_executable)
{
    bvm_jit_code code;
    const char *why = NULL;
    ck_assert(bvm_jit_code_install(&code, return_42, sizeof return_42, &why));
    char perms[5];
    permissions_of(code.entry, perms);
    ck_assert_str_eq(perms, "r-xp");
    bvm_jit_code_free(&code);
    permissions_of(return_42, perms); /* sanity: the helper sees other mappings */
    ck_assert(perms[0] == 'r');
}
END_TEST

START_TEST(the_rest_of_the_page_traps)
{
    bvm_jit_code code;
    const char *why = NULL;
    ck_assert(bvm_jit_code_install(&code, return_42, sizeof return_42, &why));
    const uint8_t *bytes = code.entry;
    ck_assert_mem_eq(bytes, return_42, sizeof return_42);
    for (size_t i = sizeof return_42; i < code.mapped; i++)
        ck_assert_uint_eq(bytes[i], 0xCC);
    bvm_jit_code_free(&code);
}
END_TEST

START_TEST(empty_code_is_refused)
{
    bvm_jit_code code;
    const char *why = NULL;
    ck_assert(!bvm_jit_code_install(&code, return_42, 0, &why));
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_null(code.entry);
    bvm_jit_code_free(&code); /* safe on a failed install */
}
END_TEST

START_TEST(several_pages)
{
    size_t size = 3 * 4096 + 10;
    uint8_t *bytes = malloc(size);
    ck_assert_ptr_nonnull(bytes);
    memset(bytes, 0x90, size);                 /* nops ... */
    memcpy(bytes + size - sizeof return_42, return_42, sizeof return_42); /* ... then the function */
    bvm_jit_code code;
    const char *why = NULL;
    ck_assert(bvm_jit_code_install(&code, bytes, size, &why));
    free(bytes);
    ck_assert_uint_eq(code.mapped % 4096, 0);
    ck_assert_uint_ge(code.mapped, size);
    int (*function)(void);
    memcpy(&function, &code.entry, sizeof function);
    ck_assert_int_eq(function(), 42);          /* slides through the nops */
    bvm_jit_code_free(&code);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("jit_mem");
    TCase *tc = tcase_create("install");
    tcase_add_test(tc, installed_code_runs);
    tcase_add_test(tc, pages_are_never_writable_and_executable);
    tcase_add_test(tc, the_rest_of_the_page_traps);
    tcase_add_test(tc, empty_code_is_refused);
    tcase_add_test(tc, several_pages);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
