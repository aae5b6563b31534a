/*
 * test_kvm_crash.c -- a guest KVM cannot go on running, explained
 * (vmm/crash.h), and which KVM this is (vmm/kvm.h), on real KVM.
 *
 *   platform_from_modules   mhv_kvm_platform reads a module folder: none of
 *                           the three modules, kvm_amd, kvm_intel with and
 *                           without unrestricted guest (and without the
 *                           parameter), kvm_pvm (found first).
 *   platform_here           where these suites run, /sys/module names the
 *                           KVM module (kvm_amd in the sandbox, kvm_pvm on
 *                           a Firecracker microVM): never "unknown".
 *   emulation_failure_long  addsd on the MMIO device: KVM must emulate
 *                           every MMIO access and its emulator has no
 *                           addsd -- KVM_EXIT_INTERNAL_ERROR (suberror 1) on
 *                           every platform.  The stop names the address
 *                           and the bytes there; the likely cause is the
 *                           one for this platform, and for each platform
 *                           it is that platform's.
 *   emulation_failure_real  the same from real mode (fld on memory past
 *                           the end of RAM): the address as CS:IP, 16-bit
 *                           code, and on VMX without unrestricted guest the
 *                           cause says so.
 *   triple_fault_long       ud2 with no IDT in long mode shuts the CPU down
 *                           on every platform (KVM_EXIT_SHUTDOWN).
 *
 * Run on KVM: directly where /dev/kvm exists, else in the sandbox:
 *   tests/sandbox/kvm-sandbox.sh --add build/release/tests/kvm/test_kvm_crash:bin/test_kvm_crash -- test_kvm_crash
 */
#include <check.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crash.h"
#include "image.h"
#include "kvm.h"
#include "machine.h"

#define LOAD_ADDR 0x1000
#define ERR_SIZE 256

static void discard(void *context, uint8_t byte)
{
}

static void boot(struct mhv_vm *vm, enum mhv_mode mode, size_t ram_size, const uint8_t *code, size_t size)
{
    char err[ERR_SIZE];
    struct mhv_vm_config config = { .ram_size = ram_size, .output = discard, .input_fd = -1 };
    struct mhv_image_options options = { .mode_given = 1, .mode = mode, .load_addr = LOAD_ADDR, .cmdline = "" };
    struct mhv_image_plan plan;
    ck_assert_msg(mhv_image_plan(code, size, ram_size, &options, &plan, err, sizeof err) == 0, "plan: %s", err);
    ck_assert_msg(mhv_vm_create(vm, &config, err, sizeof err) == 0, "create: %s", err);
    ck_assert_msg(mhv_image_load(vm, code, size, &plan, "", err, sizeof err) == 0, "load: %s", err);
    mhv_vm_set_timeout(vm, 20);
}

static struct mhv_stop run_to_the_end(struct mhv_vm *vm)
{
    char err[ERR_SIZE];
    struct mhv_stop stop;
    ck_assert_msg(mhv_vm_run(vm, &stop, err, sizeof err) == 0, "%s", err);
    return stop;
}

static void expect_has(const char *text, const char *needle)
{
    ck_assert_msg(strstr(text, needle) != NULL, "\"%s\" lacks \"%s\"", text, needle);
}

/* ===== which KVM ============================================================== */

static char module_root[64];

static void make_dir(const char *relative)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", module_root, relative);
    ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s", path);
}

static void write_file(const char *relative, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", module_root, relative);
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
}

static struct mhv_kvm_platform platform_of_root(void)
{
    struct mhv_kvm_platform platform;
    mhv_kvm_platform(module_root, &platform);
    return platform;
}

START_TEST(platform_from_modules)
{
    snprintf(module_root, sizeof module_root, "/tmp/mhv-modules.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(module_root));

    make_dir("kvm");  /* kvm.ko alone says nothing of the vendor */
    struct mhv_kvm_platform platform = platform_of_root();
    ck_assert_int_eq(platform.backend, MHV_KVM_BACKEND_UNKNOWN);
    ck_assert_int_eq(platform.unrestricted_guest, -1);
    ck_assert_str_eq(mhv_kvm_backend_name(platform.backend), "unknown");

    make_dir("kvm_amd");
    platform = platform_of_root();
    ck_assert_int_eq(platform.backend, MHV_KVM_SVM);
    ck_assert_int_eq(platform.unrestricted_guest, -1);
    ck_assert_str_eq(mhv_kvm_backend_name(platform.backend), "kvm_amd (SVM)");

    make_dir("kvm_intel");  /* found before kvm_amd; its parameter not readable yet */
    platform = platform_of_root();
    ck_assert_int_eq(platform.backend, MHV_KVM_VMX);
    ck_assert_int_eq(platform.unrestricted_guest, -1);
    make_dir("kvm_intel/parameters");
    write_file("kvm_intel/parameters/unrestricted_guest", "Y\n");
    ck_assert_int_eq(platform_of_root().unrestricted_guest, 1);
    write_file("kvm_intel/parameters/unrestricted_guest", "N\n");
    platform = platform_of_root();
    ck_assert_int_eq(platform.backend, MHV_KVM_VMX);
    ck_assert_int_eq(platform.unrestricted_guest, 0);
    ck_assert_str_eq(mhv_kvm_backend_name(platform.backend), "kvm_intel (VMX)");

    make_dir("kvm_pvm");
    platform = platform_of_root();
    ck_assert_int_eq(platform.backend, MHV_KVM_PVM);
    ck_assert_int_eq(platform.unrestricted_guest, -1);
    ck_assert_str_eq(mhv_kvm_backend_name(platform.backend), "kvm_pvm (no VMX/SVM)");

    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", module_root);
    ck_assert_int_eq(system(command), 0);
}
END_TEST

START_TEST(platform_here)
{
    struct mhv_kvm_platform platform;
    mhv_kvm_platform(NULL, &platform);
    ck_assert_msg(platform.backend != MHV_KVM_BACKEND_UNKNOWN,
                  "/sys/module has none of kvm_pvm, kvm_intel, kvm_amd, yet /dev/kvm works");
    fprintf(stderr, "test_kvm_crash: this KVM is %s\n", mhv_kvm_backend_name(platform.backend));
}
END_TEST

/* ===== KVM_EXIT_INTERNAL_ERROR explained ======================================== */

/* The likely cause the stop's state gives on a platform mhv is told. */
static const char *cause_on(struct mhv_vm *vm, enum mhv_kvm_backend backend, int unrestricted_guest)
{
    static struct mhv_stop stop;
    struct mhv_kvm_platform platform = { .backend = backend, .unrestricted_guest = unrestricted_guest };
    mhv_crash_internal_error(vm, &platform, &stop);
    ck_assert_int_eq(stop.reason, MHV_STOP_CRASHED);
    return stop.cause;
}

static const char kvm_pvm_cause[] = "this /dev/kvm is kvm_pvm, which virtualizes without VMX or SVM";
static const char mmio_cause[] = "above all an access to MMIO";
static const char vmx_real_mode_cause[] = "kvm_intel runs without unrestricted guest";

START_TEST(emulation_failure_long)
{
    static const uint8_t code[] = {
        /* 0x1000 */ 0xB8, 0x00, 0x00, 0x00, 0xE0,  /* mov $0xE0000000, %eax (the info device) */
        /* 0x1005 */ 0xF2, 0x0F, 0x58, 0x00,        /* addsd (%rax), %xmm0                     */
        /* 0x1009 */ 0xB0, 0x00,                    /* mov $0, %al                             */
        /* 0x100B */ 0xE6, 0xF4,                    /* out %al, $0xF4 (not reached)            */
    };
    struct mhv_vm vm;
    boot(&vm, MHV_MODE_LONG, 2u << 20, code, sizeof code);
    struct mhv_stop stop = run_to_the_end(&vm);
    ck_assert_msg(stop.reason == MHV_STOP_CRASHED, "reason %d: %s", stop.reason, stop.description);
    ck_assert_uint_eq(stop.exit_reason, KVM_EXIT_INTERNAL_ERROR);
    ck_assert_uint_eq(vm.run->internal.suberror, KVM_INTERNAL_ERROR_EMULATION);
    expect_has(stop.description, "KVM's instruction emulator cannot run the instruction at 0x1005 (f2 0f 58 00");
    expect_has(stop.description, "KVM_INTERNAL_ERROR_EMULATION");
    ck_assert_uint_ge(stop.code_size, 4);
    ck_assert_int_eq(memcmp(stop.code, code + 5, 4), 0);
    ck_assert_int_eq(stop.code_bits, 64);
    ck_assert_uint_eq(stop.code_address, 0x1005);

    struct mhv_kvm_platform here;
    mhv_kvm_platform(NULL, &here);
    expect_has(stop.cause, here.backend == MHV_KVM_PVM ? kvm_pvm_cause : mmio_cause);

    expect_has(cause_on(&vm, MHV_KVM_PVM, -1), kvm_pvm_cause);
    expect_has(cause_on(&vm, MHV_KVM_SVM, -1), mmio_cause);
    expect_has(cause_on(&vm, MHV_KVM_VMX, 1), mmio_cause);
    expect_has(cause_on(&vm, MHV_KVM_VMX, 0), mmio_cause);  /* not real mode: not that */
    expect_has(cause_on(&vm, MHV_KVM_BACKEND_UNKNOWN, -1), mmio_cause);
    mhv_vm_destroy(&vm);
}
END_TEST

START_TEST(emulation_failure_real)
{
    /* 1 MiB of RAM: FFFF:0020 is linear 0x100010, past its end -- an MMIO
     * access KVM must emulate, and its emulator has no fld. */
    static const uint8_t code[] = {
        /* 0x00 */ 0xB8, 0xFF, 0xFF,              /* mov $0xFFFF, %ax         */
        /* 0x03 */ 0x8E, 0xC0,                    /* mov %ax, %es             */
        /* 0x05 */ 0x26, 0xD9, 0x06, 0x20, 0x00,  /* flds %es:0x20            */
        /* 0x0A */ 0xB0, 0x00,                    /* mov $0, %al              */
        /* 0x0C */ 0xE6, 0xF4,                    /* out %al, $0xF4 (not reached) */
    };
    struct mhv_vm vm;
    boot(&vm, MHV_MODE_REAL, 1u << 20, code, sizeof code);
    struct mhv_stop stop = run_to_the_end(&vm);
    ck_assert_msg(stop.reason == MHV_STOP_CRASHED, "reason %d: %s", stop.reason, stop.description);
    ck_assert_uint_eq(stop.exit_reason, KVM_EXIT_INTERNAL_ERROR);
    expect_has(stop.description, "cannot run the instruction at 0100:0005 (26 d9 06 20 00");
    ck_assert_int_eq(stop.code_bits, 16);
    ck_assert_uint_eq(stop.code_address, 0x1005);
    ck_assert_int_eq(memcmp(stop.code, code + 5, 5), 0);

    expect_has(cause_on(&vm, MHV_KVM_PVM, -1), kvm_pvm_cause);
    expect_has(cause_on(&vm, MHV_KVM_VMX, 0), vmx_real_mode_cause);
    expect_has(cause_on(&vm, MHV_KVM_VMX, 1), mmio_cause);
    expect_has(cause_on(&vm, MHV_KVM_SVM, -1), mmio_cause);
    mhv_vm_destroy(&vm);
}
END_TEST

START_TEST(triple_fault_long)
{
    static const uint8_t code[] = { 0x0F, 0x0B };  /* ud2, with no IDT */
    struct mhv_vm vm;
    boot(&vm, MHV_MODE_LONG, 2u << 20, code, sizeof code);
    struct mhv_stop stop = run_to_the_end(&vm);
    ck_assert_msg(stop.reason == MHV_STOP_CRASHED, "reason %d: %s", stop.reason, stop.description);
    ck_assert_uint_eq(stop.exit_reason, KVM_EXIT_SHUTDOWN);
    ck_assert_str_eq(stop.description, "the guest shut down (triple fault)");
    ck_assert_uint_eq(stop.code_size, 0);
    ck_assert_str_eq(stop.cause, "");
    mhv_vm_destroy(&vm);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("kvm_crash");
    TCase *platform = tcase_create("platform");
    tcase_add_test(platform, platform_from_modules);
    tcase_add_test(platform, platform_here);
    suite_add_tcase(suite, platform);

    TCase *crash = tcase_create("crash");
    tcase_set_timeout(crash, 60);
    tcase_add_test(crash, emulation_failure_long);
    tcase_add_test(crash, emulation_failure_real);
    tcase_add_test(crash, triple_fault_long);
    suite_add_tcase(suite, crash);

    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
