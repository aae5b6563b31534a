/*
 * test_kvm_multi.c -- several VMs in one process, and the ways a run is
 * ended from outside or by the guest's own mistake (machine.h), on real KVM.
 *
 *   two_vms_two_threads   two long-mode guests run at once, each on its own
 *                         thread, each filling a page of its own RAM with its
 *                         own pattern and then spinning: each RAM holds its
 *                         pattern and nowhere the other's; mhv_vm_request_stop
 *                         from the main thread stops each (MHV_STOP_REQUESTED)
 *                         while the other keeps running.
 *   timeout_stops_a_spin  mhv_vm_set_timeout ends a guest that never exits
 *                         (MHV_STOP_TIMEOUT) on time.
 *   read_past_ram_end     a load from the first physical address after RAM
 *                         crashes the guest, and the description names it.
 *
 * Run on KVM: directly where /dev/kvm exists, else in the sandbox:
 *   tests/sandbox/kvm-sandbox.sh --add build/release/tests/kvm/test_kvm_multi:bin/test_kvm_multi -- test_kvm_multi
 */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "machine.h"

#define RAM_SIZE (2u << 20)
#define LOAD_ADDR 0x1000
#define ERR_SIZE 256
#define PATTERN_AT 0x10000
#define PATTERN_WORDS 512

static void discard(void *context, uint8_t byte)
{
}

static void boot(struct mhv_vm *vm, const uint8_t *code, size_t size)
{
    char err[ERR_SIZE];
    struct mhv_vm_config config = { .ram_size = RAM_SIZE, .output = discard, .input_fd = -1 };
    struct mhv_image_options options = {
        .mode_given = 1, .mode = MHV_MODE_LONG, .load_addr = LOAD_ADDR, .cmdline = "",
    };
    struct mhv_image_plan plan;
    ck_assert_msg(mhv_image_plan(code, size, RAM_SIZE, &options, &plan, err, sizeof err) == 0, "plan: %s", err);
    ck_assert_msg(mhv_vm_create(vm, &config, err, sizeof err) == 0, "create: %s", err);
    ck_assert_msg(mhv_image_load(vm, code, size, &plan, "", err, sizeof err) == 0, "load: %s", err);
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* ===== two VMs, two threads ================================================== */

/* Fills PATTERN_WORDS quadwords at PATTERN_AT with the 8 bytes at offset
 * 12 (patched per VM), then spins. */
static const uint8_t fill_and_spin[] = {
    /* 0x1000 */ 0x48, 0xBF, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,  /* mov $0x10000, %rdi   */
    /* 0x100A */ 0x48, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0,                          /* mov $PATTERN, %rax   */
    /* 0x1014 */ 0xB9, 0x00, 0x02, 0x00, 0x00,                                /* mov $512, %ecx       */
    /* 0x1019 */ 0x48, 0x89, 0x07,                                            /* mov %rax, (%rdi)     */
    /* 0x101C */ 0x48, 0x83, 0xC7, 0x08,                                      /* add $8, %rdi         */
    /* 0x1020 */ 0xE2, 0xF7,                                                  /* loop 0x1019          */
    /* 0x1022 */ 0xEB, 0xFE,                                                  /* jmp 0x1022: spin     */
};
#define PATTERN_OFFSET 12

struct runner {
    struct mhv_vm vm;
    uint64_t pattern;
    pthread_t thread;
    struct mhv_stop stop;
    int status;
    char err[ERR_SIZE];
    int finished;           /* set (atomically) when mhv_vm_run returned */
};

static void *run_guest(void *context)
{
    struct runner *runner = context;
    runner->status = mhv_vm_run(&runner->vm, &runner->stop, runner->err, sizeof runner->err);
    __atomic_store_n(&runner->finished, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void start(struct runner *runner, uint64_t pattern)
{
    uint8_t code[sizeof fill_and_spin];
    memcpy(code, fill_and_spin, sizeof code);
    memcpy(code + PATTERN_OFFSET, &pattern, 8);
    runner->pattern = pattern;
    boot(&runner->vm, code, sizeof code);
    mhv_vm_set_timeout(&runner->vm, 60);  /* a safety net: the test stops them long before */
    ck_assert_int_eq(pthread_create(&runner->thread, NULL, run_guest, runner), 0);
}

static int is_finished(struct runner *runner)
{
    return __atomic_load_n(&runner->finished, __ATOMIC_ACQUIRE);
}

/* Has the guest filled its page with its pattern? (It writes while we read.) */
static int pattern_complete(const struct runner *runner)
{
    for (size_t i = 0; i < PATTERN_WORDS; i++) {
        uint64_t word = __atomic_load_n((const uint64_t *)(runner->vm.ram + PATTERN_AT) + i, __ATOMIC_RELAXED);
        if (word != runner->pattern)
            return 0;
    }
    return 1;
}

/* Does the pattern appear anywhere in this VM's RAM? */
static int ram_contains(const struct mhv_vm *vm, uint64_t pattern)
{
    return memmem(vm->ram, vm->ram_size, &pattern, sizeof pattern) != NULL;
}

START_TEST(two_vms_two_threads)
{
    static struct runner a, b;  /* big (the VM) and shared with the threads */
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    start(&a, 0x0123456789ABCDEFull);
    start(&b, 0xFEDCBA9876543210ull);

    struct timespec began;
    clock_gettime(CLOCK_MONOTONIC, &began);
    while (!(pattern_complete(&a) && pattern_complete(&b))) {
        ck_assert_msg(seconds_since(&began) < 30, "the guests did not fill their pages in 30 s (a %d, b %d)",
                      pattern_complete(&a), pattern_complete(&b));
        ck_assert_msg(!is_finished(&a) && !is_finished(&b), "a guest stopped early: %s%s", a.stop.description,
                      b.stop.description);
        nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
    }

    /* Each sees its own pattern only. */
    ck_assert(ram_contains(&a.vm, a.pattern));
    ck_assert(ram_contains(&b.vm, b.pattern));
    ck_assert_msg(!ram_contains(&a.vm, b.pattern), "VM a's RAM holds VM b's pattern");
    ck_assert_msg(!ram_contains(&b.vm, a.pattern), "VM b's RAM holds VM a's pattern");

    /* Stop a; b spins on. */
    mhv_vm_request_stop(&a.vm);
    ck_assert_int_eq(pthread_join(a.thread, NULL), 0);
    ck_assert_msg(a.status == 0, "%s", a.err);
    ck_assert_int_eq(a.stop.reason, MHV_STOP_REQUESTED);
    nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
    ck_assert_msg(!is_finished(&b), "stopping VM a stopped VM b too");

    mhv_vm_request_stop(&b.vm);
    ck_assert_int_eq(pthread_join(b.thread, NULL), 0);
    ck_assert_msg(b.status == 0, "%s", b.err);
    ck_assert_int_eq(b.stop.reason, MHV_STOP_REQUESTED);

    mhv_vm_destroy(&a.vm);
    mhv_vm_destroy(&b.vm);
}
END_TEST

/* ===== ends ================================================================== */

START_TEST(timeout_stops_a_spin)
{
    static const uint8_t spin[] = {
        /* 0x1000 */ 0xEB, 0xFE,  /* jmp 0x1000 */
    };
    struct mhv_vm vm;
    boot(&vm, spin, sizeof spin);
    char err[ERR_SIZE];
    struct mhv_stop stop;
    struct timespec began;
    clock_gettime(CLOCK_MONOTONIC, &began);
    mhv_vm_set_timeout(&vm, 0.5);
    ck_assert_msg(mhv_vm_run(&vm, &stop, err, sizeof err) == 0, "%s", err);
    double took = seconds_since(&began);
    ck_assert_int_eq(stop.reason, MHV_STOP_TIMEOUT);
    ck_assert_msg(took >= 0.5 && took < 5, "the 0.5 s timeout took %.3f s", took);
    mhv_vm_destroy(&vm);
}
END_TEST

START_TEST(read_past_ram_end)
{
    static const uint8_t code[] = {
        /* 0x1000 */ 0x48, 0x8B, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00,  /* mov 0x200000, %rax (RAM ends there) */
        /* 0x1008 */ 0xF4,                                            /* hlt                                  */
    };
    struct mhv_vm vm;
    boot(&vm, code, sizeof code);
    mhv_vm_set_timeout(&vm, 20);
    char err[ERR_SIZE];
    struct mhv_stop stop;
    ck_assert_msg(mhv_vm_run(&vm, &stop, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(stop.reason, MHV_STOP_CRASHED);
    ck_assert_msg(strstr(stop.description, "read") && strstr(stop.description, "0x200000"),
                  "the description does not name the read at 0x200000: %s", stop.description);
    mhv_vm_destroy(&vm);
}
END_TEST

static Suite *multi_suite(void)
{
    Suite *suite = suite_create("kvm_multi");
    TCase *threads = tcase_create("threads");
    tcase_set_timeout(threads, 60);
    tcase_add_test(threads, two_vms_two_threads);
    suite_add_tcase(suite, threads);

    TCase *ends = tcase_create("ends");
    tcase_set_timeout(ends, 60);
    tcase_add_test(ends, timeout_stops_a_spin);
    tcase_add_test(ends, read_past_ram_end);
    suite_add_tcase(suite, ends);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(multi_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
