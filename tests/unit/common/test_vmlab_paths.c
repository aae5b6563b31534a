/*
 * test_vmlab_paths.c -- finding a guest image by name (common/vmlab_paths.h):
 * paths used as given, the lookup order and suffixes, folders skipped,
 * the folders derived from the program's own, and the message of a name
 * found nowhere.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmlab_paths.h"

static char scratch[256];

static void touch(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", scratch, dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("guest", f);
    fclose(f);
}

static void make_dir(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", scratch, dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void setup(void)
{
    snprintf(scratch, sizeof scratch, "%s/vmlab-paths.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    make_dir("first");
    make_dir("second");
    make_dir("second/kernel");   /* a folder named like a guest: skipped */
    touch("first", "hello16.bin");
    touch("second", "hello16.bin");
    touch("second", "hello32.elf");
    touch("second", "kernel.elf");
    touch("second", "plain");
    unsetenv("VMLAB_GUESTS");
}

static void teardown(void)
{
    char command[600];
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    ck_assert_int_eq(system(command), 0);
}

/* The two scratch folders, in order. */
static struct vmlab_guest_dirs two_dirs(void)
{
    struct vmlab_guest_dirs dirs = { .count = 2, .what = { "first", "second" } };
    snprintf(dirs.dir[0], VMLAB_PATH_MAX, "%s/first", scratch);
    snprintf(dirs.dir[1], VMLAB_PATH_MAX, "%s/second", scratch);
    return dirs;
}

START_TEST(test_paths_are_used_as_given)
{
    struct vmlab_guest_dirs dirs = two_dirs();
    char path[VMLAB_PATH_MAX], err[VMLAB_GUEST_ERR_SIZE];
    const char *image = "some/dir/hello16";   /* a '/': never looked up, even if missing */
    ck_assert_ptr_eq(vmlab_guest_lookup(image, &dirs, path, sizeof path, err, sizeof err), image);
    ck_assert_int_eq(chdir(scratch), 0);
    image = "first";                          /* an existing file or folder here: as given */
    ck_assert_ptr_eq(vmlab_guest_lookup(image, &dirs, path, sizeof path, err, sizeof err), image);
    image = "";
    ck_assert_ptr_eq(vmlab_guest_lookup(image, &dirs, path, sizeof path, err, sizeof err), image);
}
END_TEST

START_TEST(test_names_are_looked_up_in_order_with_suffixes)
{
    struct vmlab_guest_dirs dirs = two_dirs();
    char path[VMLAB_PATH_MAX], err[VMLAB_GUEST_ERR_SIZE], want[VMLAB_PATH_MAX];
    ck_assert_int_eq(chdir("/"), 0);

    snprintf(want, sizeof want, "%s/first/hello16.bin", scratch);   /* the first folder wins */
    ck_assert_str_eq(vmlab_guest_lookup("hello16", &dirs, path, sizeof path, err, sizeof err), want);
    ck_assert_str_eq(vmlab_guest_lookup("hello16.bin", &dirs, path, sizeof path, err, sizeof err), want);

    snprintf(want, sizeof want, "%s/second/hello32.elf", scratch);  /* .elf, in the second */
    ck_assert_str_eq(vmlab_guest_lookup("hello32", &dirs, path, sizeof path, err, sizeof err), want);

    snprintf(want, sizeof want, "%s/second/kernel.elf", scratch);   /* the folder kernel/ is no image */
    ck_assert_str_eq(vmlab_guest_lookup("kernel", &dirs, path, sizeof path, err, sizeof err), want);

    snprintf(want, sizeof want, "%s/second/plain", scratch);        /* the name itself first */
    ck_assert_str_eq(vmlab_guest_lookup("plain", &dirs, path, sizeof path, err, sizeof err), want);
}
END_TEST

START_TEST(test_an_unknown_name_lists_where_it_looked)
{
    struct vmlab_guest_dirs dirs = two_dirs();
    char path[VMLAB_PATH_MAX], err[VMLAB_GUEST_ERR_SIZE], want[VMLAB_PATH_MAX];
    ck_assert_int_eq(chdir("/"), 0);
    ck_assert_ptr_null(vmlab_guest_lookup("hello17", &dirs, path, sizeof path, err, sizeof err));
    ck_assert_msg(strstr(err, "no guest image 'hello17'") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "hello17.bin or hello17.elf") != NULL, "%s", err);
    snprintf(want, sizeof want, "\n  %s/first (first)\n  %s/second (second)", scratch, scratch);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);

    /* A folder that is not there says so. */
    struct vmlab_guest_dirs gone = { .count = 1, .what = { "build tree" } };
    snprintf(gone.dir[0], sizeof gone.dir[0], "%s/not-made", scratch);
    ck_assert_ptr_null(vmlab_guest_lookup("hello16", &gone, path, sizeof path, err, sizeof err));
    snprintf(want, sizeof want, "\n  %s/not-made (build tree: no such folder)", scratch);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);

    struct vmlab_guest_dirs none = { .count = 0 };
    ck_assert_ptr_null(vmlab_guest_lookup("hello16", &none, path, sizeof path, err, sizeof err));
    ck_assert_msg(strstr(err, "set VMLAB_GUESTS") != NULL, "%s", err);
}
END_TEST

START_TEST(test_the_folders_come_from_the_program_s_own)
{
    struct vmlab_guest_dirs dirs;
    vmlab_guest_dirs_find("/opt/vmlab/bin", &dirs);
    /* Built by the Makefile: the installed guests, then the build tree's. */
    ck_assert_int_eq(dirs.count, 2);
    ck_assert_str_eq(dirs.dir[0], "/opt/vmlab/share/vmlab/guests");
    ck_assert_str_eq(dirs.what[0], "installed");
    ck_assert_str_eq(dirs.what[1], "build tree");
    size_t n = strlen(dirs.dir[1]);
    ck_assert_msg(n > 6 && strcmp(dirs.dir[1] + n - 6, "/guest") == 0, "%s", dirs.dir[1]);
    ck_assert_msg(strstr(dirs.dir[1], "..") == NULL, "%s", dirs.dir[1]);

    setenv("VMLAB_GUESTS", "/elsewhere/guests", 1);
    vmlab_guest_dirs_find("/opt/vmlab/bin", &dirs);
    ck_assert_int_eq(dirs.count, 3);
    ck_assert_str_eq(dirs.dir[0], "/elsewhere/guests");
    ck_assert_str_eq(dirs.dir[1], "/opt/vmlab/share/vmlab/guests");
    setenv("VMLAB_GUESTS", "", 1);   /* empty: as if unset */
    vmlab_guest_dirs_find("/opt/vmlab/bin", &dirs);
    ck_assert_int_eq(dirs.count, 2);
}
END_TEST

START_TEST(test_the_running_program_s_folder)
{
    /* This test program lies in $(BUILD)/tests/: its "installed" folder is
     * $(BUILD)/share/vmlab/guests, found from /proc/self/exe. */
    char exe[VMLAB_PATH_MAX], want[VMLAB_PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    ck_assert_int_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(want, sizeof want, "%s/share/vmlab/guests", exe);
    struct vmlab_guest_dirs dirs;
    vmlab_guest_dirs_find(NULL, &dirs);
    ck_assert_int_eq(dirs.count, 2);
    ck_assert_str_eq(dirs.dir[0], want);

    /* $VMLAB_GUESTS comes first, before the build tree's guests (which
     * the build tree's folder may hold: build/asan/tests/../guest is
     * make asan's guest folder). */
    char path[VMLAB_PATH_MAX], err[VMLAB_GUEST_ERR_SIZE];
    snprintf(want, sizeof want, "%s/second", scratch);
    setenv("VMLAB_GUESTS", want, 1);
    ck_assert_int_eq(chdir("/"), 0);
    snprintf(want, sizeof want, "%s/second/hello32.elf", scratch);
    ck_assert_str_eq(vmlab_guest_image("hello32", path, sizeof path, err, sizeof err), want);
    ck_assert_ptr_null(vmlab_guest_image("no-such-guest", path, sizeof path, err, sizeof err));
    ck_assert_msg(strstr(err, "($VMLAB_GUESTS)") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "is not set") == NULL, "%s", err);
    unsetenv("VMLAB_GUESTS");
    ck_assert_ptr_null(vmlab_guest_image("no-such-guest", path, sizeof path, err, sizeof err));
    ck_assert_msg(strstr(err, "$VMLAB_GUESTS, a folder of guest images, is not set") != NULL, "%s", err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vmlab_paths");
    TCase *tc = tcase_create("lookup");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_paths_are_used_as_given);
    tcase_add_test(tc, test_names_are_looked_up_in_order_with_suffixes);
    tcase_add_test(tc, test_an_unknown_name_lists_where_it_looked);
    tcase_add_test(tc, test_the_folders_come_from_the_program_s_own);
    tcase_add_test(tc, test_the_running_program_s_folder);
    suite_add_tcase(s, tc);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
