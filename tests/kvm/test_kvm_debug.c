/*
 * test_kvm_debug.c -- the debug API of libmhv (debug.h) on real KVM.
 *
 * Every test boots a VM with libmhv directly (mhv_vm_create, then a flat
 * image through mhv_image_plan/mhv_image_load, as mhv run does) whose code
 * is a few instructions written out below as bytes, each commented with
 * its instruction.  Real mode images load at 0x1000 with CS = 0x0100, so
 * IP 0x0B is linear and physical 0x100B; long-mode ones run at 0x1000
 * under mhv's identity page tables.
 *
 *   step         each step lands on the next instruction (over mov, out to
 *                0xE9 with its output, inc, jmp); a step over `out` to 0xF4
 *                ends the guest; a step over hlt with nothing to wake the
 *                guest ends it (real and long mode); a step over in, out and
 *                a 5000-byte rep outsb is one instruction; the exit port
 *                leaves RIP past its `out`; interrupts are held during a
 *                step (it never lands in the handler) and delivered at the
 *                next continue.
 *   breakpoints  (each run with the probed route and with the hlt route)
 *                a hit stops before the instruction; continuing runs it and
 *                reaches the next one; removal lets the guest finish; a
 *                breakpoint on the guest's own hlt; a hlt elsewhere keeps
 *                its meaning; the table and its errors; the guest sees the
 *                patch byte, the debugger does not.
 *   registers    writing RAX changes what the guest writes to 0xF4; sregs
 *                and the PC; the mode in real, protected and long mode;
 *                consistent registers after a timeout in the middle of I/O.
 *   memory       physical and virtual reads and writes, across a page
 *                boundary, through a remapped page, and the errors: outside
 *                RAM, unmapped, overflowing -- all-or-nothing.
 *
 * Run on KVM: directly where /dev/kvm exists, else in the sandbox:
 *   tests/sandbox/kvm-sandbox.sh --add build/release/tests/kvm/test_kvm_debug:bin/test_kvm_debug -- test_kvm_debug
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "debug.h"
#include "image.h"
#include "machine.h"
#include "memlayout.h"
#include "paging.h"

#define RAM_SIZE (2u << 20)
#define LOAD_ADDR 0x1000
#define ERR_SIZE 256

/* ===== a guest to debug ====================================================== */

struct guest {
    struct mhv_vm vm;
    char output[256];        /* what it printed (0xE9, UART) */
    size_t output_count;     /* bytes printed, kept even past the buffer */
};

static void capture(void *context, uint8_t byte)
{
    struct guest *guest = context;
    if (guest->output_count < sizeof guest->output - 1)
        guest->output[guest->output_count] = (char)byte;
    guest->output_count++;
}

static struct guest *boot(enum mhv_mode mode, const uint8_t *code, size_t size)
{
    struct guest *guest = calloc(1, sizeof *guest);
    ck_assert_ptr_nonnull(guest);
    char err[ERR_SIZE];
    struct mhv_vm_config config = {
        .ram_size = RAM_SIZE, .output = capture, .output_context = guest, .input_fd = -1,
    };
    struct mhv_image_options options = { .mode_given = 1, .mode = mode, .load_addr = LOAD_ADDR, .cmdline = "" };
    struct mhv_image_plan plan;
    ck_assert_msg(mhv_image_plan(code, size, RAM_SIZE, &options, &plan, err, sizeof err) == 0, "plan: %s", err);
    ck_assert_msg(mhv_vm_create(&guest->vm, &config, err, sizeof err) == 0, "create: %s", err);
    ck_assert_msg(mhv_image_load(&guest->vm, code, size, &plan, "", err, sizeof err) == 0, "load: %s", err);
    mhv_vm_set_timeout(&guest->vm, 20);  /* a lost guest fails the test instead of hanging it */
    return guest;
}

static void shut_down(struct guest *guest)
{
    mhv_vm_destroy(&guest->vm);
    free(guest);
}

/* Loop tests run with _i = 0: the route the probe chose, 1: the hlt route
 * (which works on every KVM, so real KVM tests both). */
static void choose_route(struct guest *guest, int which)
{
    char err[ERR_SIZE];
    if (which == 1)
        ck_assert_msg(mhv_debug_set_route(&guest->vm, MHV_BREAKPOINT_HLT, err, sizeof err) == 0, "%s", err);
}

static uint8_t patch_byte(struct guest *guest)
{
    enum mhv_breakpoint_route route;
    char err[ERR_SIZE];
    ck_assert_msg(mhv_debug_route(&guest->vm, &route, err, sizeof err) == 0, "%s", err);
    return route == MHV_BREAKPOINT_INT3 ? 0xCC : 0xF4;
}

static struct kvm_regs regs_of(struct guest *guest)
{
    struct kvm_regs regs;
    char err[ERR_SIZE];
    ck_assert_msg(mhv_debug_get_regs(&guest->vm, &regs, err, sizeof err) == 0, "%s", err);
    return regs;
}

static const char *reason_name(enum mhv_stop_reason reason)
{
    static const char *const names[] = { "EXIT_PORT", "HALTED", "CRASHED", "TIMEOUT", "REQUESTED", "DEBUG" };
    return reason <= MHV_STOP_DEBUG ? names[reason] : "?";
}

static struct mhv_stop step(struct guest *guest)
{
    struct mhv_stop stop;
    char err[ERR_SIZE];
    ck_assert_msg(mhv_debug_step(&guest->vm, &stop, err, sizeof err) == 0, "step: %s", err);
    return stop;
}

static struct mhv_stop go_on(struct guest *guest)
{
    struct mhv_stop stop;
    char err[ERR_SIZE];
    ck_assert_msg(mhv_debug_continue(&guest->vm, &stop, err, sizeof err) == 0, "continue: %s", err);
    return stop;
}

/* One step that completes, landing at rip. */
static void step_to(struct guest *guest, uint64_t rip)
{
    struct mhv_stop stop = step(guest);
    ck_assert_msg(stop.reason == MHV_STOP_DEBUG && stop.debug_event == MHV_DEBUG_STEP,
                  "expected a completed step, got %s (%s)", reason_name(stop.reason), stop.description);
    ck_assert_uint_eq(regs_of(guest).rip, rip);
}

static void expect_breakpoint(struct mhv_stop stop, uint64_t physical)
{
    ck_assert_msg(stop.reason == MHV_STOP_DEBUG && stop.debug_event == MHV_DEBUG_BREAKPOINT,
                  "expected a breakpoint at 0x%llx, got %s (event %d) %s", (unsigned long long)physical,
                  reason_name(stop.reason), (int)stop.debug_event, stop.description);
    ck_assert_uint_eq(stop.breakpoint, physical);
}

static void expect_exit(struct mhv_stop stop, uint8_t value)
{
    ck_assert_msg(stop.reason == MHV_STOP_EXIT_PORT, "expected exit %u, got %s (%s)", value,
                  reason_name(stop.reason), stop.description);
    ck_assert_uint_eq(stop.exit_value, value);
}

static void add_breakpoint(struct guest *guest, enum mhv_address_space space, uint64_t address)
{
    char err[ERR_SIZE];
    uint64_t physical;
    ck_assert_msg(mhv_debug_add_breakpoint(&guest->vm, space, address, &physical, err, sizeof err) == 0,
                  "add 0x%llx: %s", (unsigned long long)address, err);
}

static void expect_error(int status, const char *err, const char *needle)
{
    ck_assert_int_eq(status, -1);
    ck_assert_msg(strstr(err, needle) != NULL, "the error \"%s\" does not say \"%s\"", err, needle);
}

/* ===== the guests ============================================================ */

/* Real mode: a byte out, an inc, a jump over two hlts, exit 7. */
static const uint8_t real_steps[] = {
    /* 0x00 */ 0xB0, 0x41,  /* mov $'A', %al                 */
    /* 0x02 */ 0xE6, 0xE9,  /* out %al, $0xE9                 */
    /* 0x04 */ 0x40,        /* inc %ax                        */
    /* 0x05 */ 0xEB, 0x02,  /* jmp 0x09                       */
    /* 0x07 */ 0xF4, 0xF4,  /* hlt; hlt (jumped over)         */
    /* 0x09 */ 0xB0, 0x07,  /* mov $7, %al                    */
    /* 0x0B */ 0xE6, 0xF4,  /* out %al, $0xF4: the guest ends */
};

/* Long mode: RAX = 42, then 43, printed ('+'), a jump, exit 43. */
static const uint8_t long_steps[] = {
    /* 0x1000 */ 0x48, 0xC7, 0xC0, 0x2A, 0x00, 0x00, 0x00,  /* mov $42, %rax        */
    /* 0x1007 */ 0x48, 0xFF, 0xC0,                          /* inc %rax             */
    /* 0x100A */ 0xE6, 0xE9,                                /* out %al, $0xE9 ('+') */
    /* 0x100C */ 0xEB, 0x01,                                /* jmp 0x100F           */
    /* 0x100E */ 0xF4,                                      /* hlt (jumped over)    */
    /* 0x100F */ 0xE6, 0xF4,                                /* out %al, $0xF4: exit 43 */
};

/* ===== step ================================================================== */

START_TEST(step_real_mode)
{
    struct guest *guest = boot(MHV_MODE_REAL, real_steps, sizeof real_steps);
    ck_assert_uint_eq(regs_of(guest).rip, 0x00);
    step_to(guest, 0x02);                       /* mov */
    ck_assert_uint_eq(regs_of(guest).rax & 0xFF, 'A');
    ck_assert_uint_eq(guest->output_count, 0);
    step_to(guest, 0x04);                       /* out to 0xE9: done, and RIP past it */
    ck_assert_uint_eq(guest->output_count, 1);
    ck_assert_int_eq(guest->output[0], 'A');
    step_to(guest, 0x05);                       /* inc */
    ck_assert_uint_eq(regs_of(guest).rax & 0xFFFF, 'B');
    step_to(guest, 0x09);                       /* jmp */
    step_to(guest, 0x0B);                       /* mov */
    expect_exit(step(guest), 7);                /* out to 0xF4 ends the guest during the step */
    ck_assert_uint_eq(guest->output_count, 1);
    shut_down(guest);
}
END_TEST

START_TEST(step_long_mode)
{
    struct guest *guest = boot(MHV_MODE_LONG, long_steps, sizeof long_steps);
    ck_assert_uint_eq(regs_of(guest).rip, 0x1000);
    step_to(guest, 0x1007);
    ck_assert_uint_eq(regs_of(guest).rax, 42);
    step_to(guest, 0x100A);
    ck_assert_uint_eq(regs_of(guest).rax, 43);
    step_to(guest, 0x100C);                     /* out: 2 bytes, and the byte is out */
    ck_assert_uint_eq(guest->output_count, 1);
    ck_assert_int_eq(guest->output[0], '+');
    step_to(guest, 0x100F);                     /* jmp over the hlt */
    expect_exit(step(guest), 43);
    shut_down(guest);
}
END_TEST

/* A step over hlt with interrupts off: the guest halts for good, and the
 * step says so instead of pretending the hlt was passed. */
START_TEST(step_over_final_hlt)
{
    static const uint8_t code[] = {
        /* 0x00 */ 0xF4,  /* hlt (interrupts are off) */
        /* 0x01 */ 0xF4,  /* hlt                      */
    };
    struct guest *guest = boot(MHV_MODE_REAL, code, sizeof code);
    struct mhv_stop stop = step(guest);
    ck_assert_msg(stop.reason == MHV_STOP_HALTED, "got %s", reason_name(stop.reason));
    shut_down(guest);
}
END_TEST

/* The same in long mode, and a step over hlt with interrupts on and no
 * device to wake the guest: halted for good too.  KVM's instruction
 * emulator (all of ring 0 on kvm_pvm) reports the trap of such a step and
 * drops the halt, so mhv steps a hlt without the trap (debug.c). */
START_TEST(step_over_final_hlt_long_mode)
{
    static const uint8_t code[] = {
        /* 0x1000 */ 0xFB,  /* sti                                      */
        /* 0x1001 */ 0x90,  /* nop (shielded by sti)                    */
        /* 0x1002 */ 0xF4,  /* hlt: IF set, but nothing can interrupt   */
        /* 0x1003 */ 0xF4,  /* hlt                                      */
    };
    struct guest *guest = boot(MHV_MODE_LONG, code, sizeof code);
    step_to(guest, 0x1001);
    step_to(guest, 0x1002);
    struct mhv_stop stop = step(guest);
    ck_assert_msg(stop.reason == MHV_STOP_HALTED, "got %s", reason_name(stop.reason));
    ck_assert_uint_eq(regs_of(guest).rip, 0x1003);  /* after the hlt, as KVM leaves it */
    shut_down(guest);
}
END_TEST

/* A step over an I/O instruction is that one instruction, in and out,
 * however KVM runs it: on the CPU (the trap comes after mhv's part) or in
 * its emulator (which finishes an `out` before the exit and reports no
 * trap after it).  A string `rep outsb` of more than a page takes KVM
 * several exits and is still one step. */
START_TEST(step_over_io_is_one_instruction)
{
    static const uint8_t code[] = {
        /* 0x1000 */ 0xE6, 0xE9,                          /* out %al, $0xE9 ('\0')   */
        /* 0x1002 */ 0xE4, 0xF0,                          /* in $0xF0, %al (0xFF)    */
        /* 0x1004 */ 0xE6, 0xE9,                          /* out %al, $0xE9 (0xFF)   */
        /* 0x1006 */ 0x66, 0xBA, 0xE9, 0x00,              /* mov $0xE9, %dx          */
        /* 0x100A */ 0xB9, 0x88, 0x13, 0x00, 0x00,        /* mov $5000, %ecx         */
        /* 0x100F */ 0x31, 0xF6,                          /* xor %esi, %esi          */
        /* 0x1011 */ 0xF3, 0x6E,                          /* rep outsb (5000 bytes)  */
        /* 0x1013 */ 0x48, 0xFF, 0xC3,                    /* inc %rbx                */
        /* 0x1016 */ 0xB0, 0x05,                          /* mov $5, %al             */
        /* 0x1018 */ 0xE6, 0xF4,                          /* out %al, $0xF4: exit 5  */
    };
    struct guest *guest = boot(MHV_MODE_LONG, code, sizeof code);
    step_to(guest, 0x1002);
    ck_assert_uint_eq(guest->output_count, 1);
    step_to(guest, 0x1004);
    ck_assert_uint_eq(regs_of(guest).rax & 0xFF, 0xFF);  /* no device at 0xF0: the bus floats high */
    step_to(guest, 0x1006);
    ck_assert_uint_eq(guest->output_count, 2);
    ck_assert_int_eq((uint8_t)guest->output[1], 0xFF);
    step_to(guest, 0x100A);
    step_to(guest, 0x100F);
    step_to(guest, 0x1011);
    step_to(guest, 0x1013);                              /* the whole rep outsb */
    ck_assert_uint_eq(guest->output_count, 2 + 5000);
    ck_assert_uint_eq(regs_of(guest).rcx, 0);
    ck_assert_uint_eq(regs_of(guest).rbx, 0);            /* inc %rbx has not run */
    step_to(guest, 0x1016);
    step_to(guest, 0x1018);
    expect_exit(step(guest), 5);
    shut_down(guest);
}
END_TEST

/* Where a guest that ended at the exit port stands: past its `out` (the
 * instruction is finished, as after any exit), on every platform -- where
 * the CPU runs the `out`, KVM finishes it only at the next KVM_RUN, which
 * mhv makes without running anything else. */
START_TEST(exit_port_leaves_rip_past_the_out)
{
    static const uint8_t real_code[] = {
        /* 0x00 */ 0xB0, 0x07,  /* mov $7, %al                 */
        /* 0x02 */ 0xE6, 0xF4,  /* out %al, $0xF4: exit 7      */
        /* 0x04 */ 0xF4,        /* hlt                         */
    };
    struct guest *guest = boot(MHV_MODE_REAL, real_code, sizeof real_code);
    struct mhv_stop stop;
    char err[ERR_SIZE];
    ck_assert_msg(mhv_vm_run(&guest->vm, &stop, err, sizeof err) == 0, "%s", err);
    expect_exit(stop, 7);
    ck_assert_uint_eq(regs_of(guest).rip, 0x04);
    shut_down(guest);

    static const uint8_t long_code[] = {
        /* 0x1000 */ 0xB0, 0x09,        /* mov $9, %al                 */
        /* 0x1002 */ 0x66, 0xBA, 0xF4, 0x00,  /* mov $0xF4, %dx        */
        /* 0x1006 */ 0xEE,              /* out %al, %dx: exit 9        */
        /* 0x1007 */ 0xF4,              /* hlt                         */
    };
    guest = boot(MHV_MODE_LONG, long_code, sizeof long_code);
    ck_assert_msg(mhv_vm_run(&guest->vm, &stop, err, sizeof err) == 0, "%s", err);
    expect_exit(stop, 9);
    ck_assert_uint_eq(regs_of(guest).rip, 0x1007);
    shut_down(guest);

    guest = boot(MHV_MODE_LONG, long_code, sizeof long_code);  /* and when a step ends it */
    step_to(guest, 0x1002);
    step_to(guest, 0x1006);
    expect_exit(step(guest), 9);
    ck_assert_uint_eq(regs_of(guest).rip, 0x1007);
    shut_down(guest);
}
END_TEST

/* Interrupts are held during a step: a step with an interrupt due lands
 * after the instruction, never in the handler; so does a step over hlt
 * once the interrupt is due; the next continue delivers it. */
START_TEST(step_holds_interrupts)
{
    static const uint8_t code[] = {
        /* 0x00 */ 0xFB,                    /* sti                               */
        /* 0x01 */ 0x90,                    /* nop (the instruction sti shields) */
        /* 0x02 */ 0x43,                    /* inc %bx                           */
        /* 0x03 */ 0xF4,                    /* hlt                               */
        /* 0x04 */ 0x43,                    /* inc %bx                           */
        /* 0x05 */ 0xB0, 0x01,              /* mov $1, %al                       */
        /* 0x07 */ 0xE6, 0xF4,              /* out %al, $0xF4: exit 1            */
        /* 0x09 */ 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,  /* nop x 7        */
        /* 0x10 */ 0x88, 0xD8,              /* handler of IRQ 0: mov %bl, %al    */
        /* 0x12 */ 0xE6, 0xF4,              /* out %al, $0xF4: exit BX           */
    };
    struct guest *guest = boot(MHV_MODE_REAL, code, sizeof code);
    char err[ERR_SIZE];
    static const uint8_t ivt_entry[4] = { 0x10, 0x00, 0x00, 0x01 };  /* 0100:0010 */
    uint64_t vector = guest->vm.pic.vector_base;  /* IRQ 0's vector (0x08 after reset) */
    ck_assert_msg(mhv_debug_write(&guest->vm, MHV_PHYSICAL, vector * 4, ivt_entry, 4, err, sizeof err) == 0,
                  "%s", err);

    step_to(guest, 0x01);                           /* sti */
    step_to(guest, 0x02);                           /* nop */
    guest->vm.pic.imr = 0xFE;                       /* IRQ 0 unmasked ... */
    mhv_pic_set_level(&guest->vm.pic, MHV_IRQ_TIMER, 1);  /* ... and raised */
    ck_assert_int_ge(mhv_pic_pending_vector(&guest->vm.pic), 0);

    step_to(guest, 0x03);                           /* inc %bx: not the handler */
    ck_assert_uint_eq(regs_of(guest).rbx & 0xFFFF, 1);
    ck_assert_int_ge(mhv_pic_pending_vector(&guest->vm.pic), 0);  /* still pending */
    step_to(guest, 0x04);                           /* hlt: woken by the interrupt, which waits */
    ck_assert_int_ge(mhv_pic_pending_vector(&guest->vm.pic), 0);

    add_breakpoint(guest, MHV_PHYSICAL, 0x1010);
    struct mhv_stop stop = go_on(guest);            /* the interrupt comes first thing */
    expect_breakpoint(stop, 0x1010);
    ck_assert_uint_eq(regs_of(guest).rip, 0x10);
    ck_assert_uint_eq(regs_of(guest).rbx & 0xFFFF, 1);
    expect_exit(go_on(guest), 1);
    shut_down(guest);
}
END_TEST

/* A step over sti stops after it, though the CPU may hold the trap for one
 * more instruction; the temporary breakpoint that ensures it leaves no
 * trace.  sti; hlt is the idle loop of most kernels. */
START_TEST(step_over_sti)
{
    static const uint8_t code[] = {
        /* 0x00 */ 0xFB,        /* sti                                     */
        /* 0x01 */ 0xF4,        /* hlt (no interrupt can come: halts)      */
        /* 0x02 */ 0xFB,        /* sti                                     */
        /* 0x03 */ 0x40,        /* inc %ax                                 */
        /* 0x04 */ 0xE6, 0xF4,  /* out %al, $0xF4                         */
    };
    struct guest *guest = boot(MHV_MODE_REAL, code, sizeof code);
    step_to(guest, 0x01);
    const struct mhv_breakpoint *list;
    ck_assert_uint_eq(mhv_debug_breakpoints(&guest->vm, &list), 0);
    ck_assert_int_eq(memcmp(guest->vm.ram + 0x1000, code, sizeof code), 0);

    struct kvm_regs regs = regs_of(guest);         /* skip the hlt */
    regs.rip = 0x02;
    char err[ERR_SIZE];
    ck_assert_msg(mhv_debug_set_regs(&guest->vm, &regs, err, sizeof err) == 0, "%s", err);
    add_breakpoint(guest, MHV_PHYSICAL, 0x1003);   /* a breakpoint where the step lands */
    step_to(guest, 0x03);
    ck_assert_uint_eq(regs_of(guest).rax, 0);      /* inc %ax has not run */
    ck_assert_uint_eq(mhv_debug_breakpoints(&guest->vm, &list), 1);
    step_to(guest, 0x04);
    expect_exit(go_on(guest), 1);
    shut_down(guest);
}
END_TEST

/* ===== breakpoints =========================================================== */

START_TEST(breakpoint_stops_before_the_instruction)
{
    struct guest *guest = boot(MHV_MODE_LONG, long_steps, sizeof long_steps);
    choose_route(guest, _i);
    char err[ERR_SIZE];
    uint64_t physical = 0;
    ck_assert_msg(mhv_debug_add_breakpoint(&guest->vm, MHV_VIRTUAL, 0x1007, &physical, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_uint_eq(physical, 0x1007);        /* identity-mapped */
    struct mhv_stop stop = go_on(guest);
    expect_breakpoint(stop, 0x1007);
    ck_assert_uint_eq(regs_of(guest).rip, 0x1007);
    ck_assert_uint_eq(regs_of(guest).rax, 42);  /* inc %rax has not run */
    ck_assert_uint_eq(guest->output_count, 0);
    shut_down(guest);
}
END_TEST

START_TEST(continue_reaches_the_next_breakpoint)
{
    struct guest *guest = boot(MHV_MODE_LONG, long_steps, sizeof long_steps);
    choose_route(guest, _i);
    add_breakpoint(guest, MHV_VIRTUAL, 0x1007);
    add_breakpoint(guest, MHV_PHYSICAL, 0x100F);
    expect_breakpoint(go_on(guest), 0x1007);
    expect_breakpoint(go_on(guest), 0x100F);    /* inc, out, jmp ran on the way */
    ck_assert_uint_eq(regs_of(guest).rip, 0x100F);
    ck_assert_uint_eq(regs_of(guest).rax, 43);
    ck_assert_uint_eq(guest->output_count, 1);
    ck_assert_int_eq(guest->output[0], '+');
    expect_exit(go_on(guest), 43);
    shut_down(guest);
}
END_TEST

START_TEST(removed_breakpoints_let_the_guest_finish)
{
    struct guest *guest = boot(MHV_MODE_LONG, long_steps, sizeof long_steps);
    choose_route(guest, _i);
    char err[ERR_SIZE];
    add_breakpoint(guest, MHV_VIRTUAL, 0x1007);
    add_breakpoint(guest, MHV_PHYSICAL, 0x100F);
    expect_breakpoint(go_on(guest), 0x1007);
    ck_assert_msg(mhv_debug_remove_breakpoint(&guest->vm, MHV_VIRTUAL, 0x1007, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(mhv_debug_remove_breakpoint(&guest->vm, MHV_PHYSICAL, 0x100F, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(memcmp(guest->vm.ram + 0x1000, long_steps, sizeof long_steps), 0);  /* bytes restored */
    expect_exit(go_on(guest), 43);
    ck_assert_uint_eq(guest->output_count, 1);
    shut_down(guest);
}
END_TEST

/* A step from a breakpoint runs the real instruction and plants it again. */
START_TEST(step_from_a_breakpoint)
{
    struct guest *guest = boot(MHV_MODE_LONG, long_steps, sizeof long_steps);
    choose_route(guest, _i);
    add_breakpoint(guest, MHV_PHYSICAL, 0x1007);
    expect_breakpoint(go_on(guest), 0x1007);
    step_to(guest, 0x100A);                     /* inc %rax is 3 bytes */
    ck_assert_uint_eq(regs_of(guest).rax, 43);
    ck_assert_uint_eq(guest->vm.ram[0x1007], patch_byte(guest));  /* planted again */
    expect_exit(go_on(guest), 43);
    shut_down(guest);
}
END_TEST

/* Breakpoints in real mode are by linear = physical address; the PC is
 * CS base + IP. */
START_TEST(breakpoint_real_mode)
{
    struct guest *guest = boot(MHV_MODE_REAL, real_steps, sizeof real_steps);
    choose_route(guest, _i);
    char err[ERR_SIZE];
    add_breakpoint(guest, MHV_VIRTUAL, 0x1005);  /* jmp */
    add_breakpoint(guest, MHV_PHYSICAL, 0x100B); /* out to 0xF4 */
    expect_breakpoint(go_on(guest), 0x1005);
    ck_assert_uint_eq(regs_of(guest).rip, 0x05);
    uint64_t pc;
    ck_assert_msg(mhv_debug_pc(&guest->vm, &pc, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(pc, 0x1005);
    expect_breakpoint(go_on(guest), 0x100B);
    ck_assert_uint_eq(regs_of(guest).rax & 0xFF, 7);
    expect_exit(go_on(guest), 7);
    shut_down(guest);
}
END_TEST

/* A breakpoint on the guest's own hlt stops there first; continuing then
 * runs the hlt, which halts for good. */
START_TEST(breakpoint_on_a_hlt)
{
    static const uint8_t code[] = {
        /* 0x1000 */ 0x90,  /* nop                      */
        /* 0x1001 */ 0xF4,  /* hlt (interrupts are off) */
    };
    struct guest *guest = boot(MHV_MODE_LONG, code, sizeof code);
    choose_route(guest, _i);
    add_breakpoint(guest, MHV_PHYSICAL, 0x1001);
    expect_breakpoint(go_on(guest), 0x1001);
    ck_assert_uint_eq(regs_of(guest).rip, 0x1001);
    struct mhv_stop stop = go_on(guest);
    ck_assert_msg(stop.reason == MHV_STOP_HALTED, "got %s", reason_name(stop.reason));
    shut_down(guest);
}
END_TEST

/* With breakpoints planted elsewhere, a hlt keeps its meaning. */
START_TEST(other_hlt_keeps_its_meaning)
{
    static const uint8_t code[] = {
        /* 0x1000 */ 0xF4,              /* hlt (interrupts are off)  */
        /* 0x1001 */ 0xB0, 0x09,        /* mov $9, %al (never runs)  */
        /* 0x1003 */ 0xE6, 0xF4,        /* out %al, $0xF4            */
    };
    struct guest *guest = boot(MHV_MODE_LONG, code, sizeof code);
    choose_route(guest, _i);
    add_breakpoint(guest, MHV_PHYSICAL, 0x1003);
    struct mhv_stop stop = go_on(guest);
    ck_assert_msg(stop.reason == MHV_STOP_HALTED, "got %s", reason_name(stop.reason));
    ck_assert_uint_eq(regs_of(guest).rip, 0x1001);
    shut_down(guest);
}
END_TEST

START_TEST(breakpoint_table)
{
    struct guest *guest = boot(MHV_MODE_LONG, long_steps, sizeof long_steps);
    choose_route(guest, _i);
    char err[ERR_SIZE];
    add_breakpoint(guest, MHV_VIRTUAL, 0x1007);
    add_breakpoint(guest, MHV_PHYSICAL, 0x100A);
    add_breakpoint(guest, MHV_PHYSICAL, 0x100F);

    const struct mhv_breakpoint *list;
    ck_assert_uint_eq(mhv_debug_breakpoints(&guest->vm, &list), 3);
    ck_assert_uint_eq(list[0].physical, 0x1007);
    ck_assert_int_eq(list[0].space, MHV_VIRTUAL);
    ck_assert_uint_eq(list[0].original, 0x48);
    ck_assert_uint_eq(list[1].physical, 0x100A);
    ck_assert_uint_eq(list[1].original, 0xE6);
    ck_assert_uint_eq(list[2].physical, 0x100F);

    expect_error(mhv_debug_add_breakpoint(&guest->vm, MHV_PHYSICAL, 0x1007, NULL, err, sizeof err), err,
                 "already a breakpoint at physical 0x1007");
    expect_error(mhv_debug_add_breakpoint(&guest->vm, MHV_PHYSICAL, RAM_SIZE, NULL, err, sizeof err), err,
                 "physical 0x200000 is outside guest RAM");
    expect_error(mhv_debug_add_breakpoint(&guest->vm, MHV_VIRTUAL, 0x100000000ull, NULL, err, sizeof err), err,
                 "virtual 0x100000000 is not mapped");
    expect_error(mhv_debug_remove_breakpoint(&guest->vm, MHV_PHYSICAL, 0x1008, err, sizeof err), err,
                 "no breakpoint at physical 0x1008");
    expect_error(mhv_debug_set_route(&guest->vm, MHV_BREAKPOINT_HLT, err, sizeof err), err,
                 "while 3 breakpoints are planted");

    ck_assert_msg(mhv_debug_remove_breakpoint(&guest->vm, MHV_PHYSICAL, 0x100A, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(mhv_debug_breakpoints(&guest->vm, &list), 2);
    ck_assert_uint_eq(list[0].physical, 0x1007);
    ck_assert_uint_eq(list[1].physical, 0x100F);
    ck_assert_uint_eq(guest->vm.ram[0x100A], 0xE6);

    /* Removal by the physical address of a breakpoint set by virtual one. */
    ck_assert_msg(mhv_debug_remove_breakpoint(&guest->vm, MHV_PHYSICAL, 0x1007, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(mhv_debug_breakpoints(&guest->vm, &list), 1);

    for (int i = 0; i < MHV_DEBUG_MAX_BREAKPOINTS - 1; i++)
        add_breakpoint(guest, MHV_PHYSICAL, 0x4000 + (uint64_t)i);
    expect_error(mhv_debug_add_breakpoint(&guest->vm, MHV_PHYSICAL, 0x5000, NULL, err, sizeof err), err,
                 "no room");
    shut_down(guest);
}
END_TEST

/* The guest reading its own code sees the patch (a documented limit, as
 * under gdb); the debugger's reads show the guest's byte; a debugger write
 * under a patch changes the byte the guest gets back on removal. */
START_TEST(patch_seen_by_the_guest_not_the_debugger)
{
    static const uint8_t code[] = {
        /* 0x1000 */ 0x8A, 0x04, 0x25, 0x10, 0x10, 0x00, 0x00,  /* mov 0x1010, %al            */
        /* 0x1007 */ 0xE6, 0xF4,                                /* out %al, $0xF4: exit AL    */
        /* 0x1009 */ 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,  /* nop x 7                    */
        /* 0x1010 */ 0x11,                                      /* data, never executed       */
    };
    struct guest *guest = boot(MHV_MODE_LONG, code, sizeof code);
    choose_route(guest, _i);
    char err[ERR_SIZE];
    add_breakpoint(guest, MHV_PHYSICAL, 0x1010);
    uint8_t byte = 0;
    ck_assert_msg(mhv_debug_read(&guest->vm, MHV_PHYSICAL, 0x1010, &byte, 1, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(byte, 0x11);
    uint8_t around[3];
    ck_assert_msg(mhv_debug_read(&guest->vm, MHV_VIRTUAL, 0x100F, around, 3, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(around[1], 0x11);

    byte = 0x22;
    ck_assert_msg(mhv_debug_write(&guest->vm, MHV_PHYSICAL, 0x1010, &byte, 1, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(guest->vm.ram[0x1010], patch_byte(guest));  /* still planted */
    expect_exit(go_on(guest), patch_byte(guest));                  /* what the guest read */
    ck_assert_msg(mhv_debug_remove_breakpoint(&guest->vm, MHV_PHYSICAL, 0x1010, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(guest->vm.ram[0x1010], 0x22);
    shut_down(guest);
}
END_TEST

START_TEST(route_choice)
{
    struct guest *guest = boot(MHV_MODE_LONG, long_steps, sizeof long_steps);
    char err[ERR_SIZE], evidence[512];
    enum mhv_breakpoint_route probed, route;
    ck_assert_msg(mhv_debug_probe(&probed, evidence, sizeof evidence, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(mhv_debug_route(&guest->vm, &route, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(route, probed);
    ck_assert_msg(strstr(evidence, probed == MHV_BREAKPOINT_INT3 ? "int3 traps" : "int3 does not trap"),
                  "%s", evidence);
    int status = mhv_debug_set_route(&guest->vm, MHV_BREAKPOINT_INT3, err, sizeof err);
    if (probed == MHV_BREAKPOINT_INT3)
        ck_assert_msg(status == 0, "%s", err);
    else
        expect_error(status, err, "int3 breakpoints do not work on this KVM");
    ck_assert_msg(mhv_debug_set_route(&guest->vm, MHV_BREAKPOINT_HLT, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(mhv_debug_route(&guest->vm, &route, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(route, MHV_BREAKPOINT_HLT);
    shut_down(guest);
}
END_TEST

/* ===== registers ============================================================= */

/* Writing RAX at the `out` to 0xF4 changes the exit value. */
START_TEST(register_write_changes_the_result)
{
    struct guest *guest = boot(MHV_MODE_REAL, real_steps, sizeof real_steps);
    char err[ERR_SIZE];
    add_breakpoint(guest, MHV_PHYSICAL, 0x100B);
    expect_breakpoint(go_on(guest), 0x100B);
    struct kvm_regs regs = regs_of(guest);
    ck_assert_uint_eq(regs.rax & 0xFF, 7);
    regs.rax = 0x33;
    ck_assert_msg(mhv_debug_set_regs(&guest->vm, &regs, err, sizeof err) == 0, "%s", err);
    expect_exit(step(guest), 0x33);
    shut_down(guest);
}
END_TEST

START_TEST(segment_registers_and_pc)
{
    struct guest *guest = boot(MHV_MODE_REAL, real_steps, sizeof real_steps);
    char err[ERR_SIZE];
    struct kvm_sregs sregs;
    ck_assert_msg(mhv_debug_get_sregs(&guest->vm, &sregs, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(sregs.cs.selector, 0x0100);
    ck_assert_uint_eq(sregs.cs.base, 0x1000);
    step_to(guest, 0x02);
    uint64_t pc;
    ck_assert_msg(mhv_debug_pc(&guest->vm, &pc, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(pc, 0x1002);

    /* Moving DS moves what the guest addresses; write one and read it back. */
    sregs.ds.selector = 0x0200;
    sregs.ds.base = 0x2000;
    ck_assert_msg(mhv_debug_set_sregs(&guest->vm, &sregs, err, sizeof err) == 0, "%s", err);
    struct kvm_sregs again;
    ck_assert_msg(mhv_debug_get_sregs(&guest->vm, &again, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(again.ds.selector, 0x0200);
    ck_assert_uint_eq(again.ds.base, 0x2000);
    shut_down(guest);
}
END_TEST

START_TEST(mode_is_reported)
{
    static const uint8_t code[] = { 0xF4 };  /* hlt */
    static const enum mhv_mode modes[] = { MHV_MODE_REAL, MHV_MODE_PROTECTED, MHV_MODE_LONG };
    for (size_t i = 0; i < 3; i++) {
        struct guest *guest = boot(modes[i], code, sizeof code);
        char err[ERR_SIZE];
        enum mhv_mode mode;
        ck_assert_msg(mhv_debug_mode(&guest->vm, &mode, err, sizeof err) == 0, "%s", err);
        ck_assert_str_eq(mhv_mode_name(mode), mhv_mode_name(modes[i]));
        shut_down(guest);
    }
}
END_TEST

/* A run stopped between exits (here by its timeout) leaves the registers
 * consistent with the output: RIP on the `out` means it has not run yet,
 * anywhere else it has run as often as inc %rbx. */
START_TEST(registers_consistent_after_a_timeout)
{
    static const uint8_t code[] = {
        /* 0x1000 */ 0x48, 0xFF, 0xC3,  /* inc %rbx       */
        /* 0x1003 */ 0xE6, 0xE9,        /* out %al, $0xE9 */
        /* 0x1005 */ 0xEB, 0xF9,        /* jmp 0x1000     */
    };
    struct guest *guest = boot(MHV_MODE_LONG, code, sizeof code);
    char err[ERR_SIZE];
    int on_the_out = 0;
    for (int round = 0; round < 8; round++) {
        mhv_vm_set_timeout(&guest->vm, 0.05);
        struct mhv_stop stop;
        ck_assert_msg(mhv_vm_run(&guest->vm, &stop, err, sizeof err) == 0, "%s", err);
        ck_assert_msg(stop.reason == MHV_STOP_TIMEOUT, "got %s", reason_name(stop.reason));
        struct kvm_regs regs = regs_of(guest);
        ck_assert_msg(regs.rip == 0x1000 || regs.rip == 0x1003 || regs.rip == 0x1005, "rip 0x%llx",
                      (unsigned long long)regs.rip);
        uint64_t done = regs.rip == 0x1003 ? regs.rbx - 1 : regs.rbx;
        on_the_out += regs.rip == 0x1003;
        ck_assert_msg(guest->output_count == done, "round %d: rip 0x%llx, rbx %llu, but %zu bytes out", round,
                      (unsigned long long)regs.rip, (unsigned long long)regs.rbx, guest->output_count);
    }
    fprintf(stderr, "registers_consistent_after_a_timeout: %d of 8 stops on the out\n", on_the_out);
    shut_down(guest);
}
END_TEST

/* ===== memory ================================================================ */

START_TEST(physical_memory)
{
    struct guest *guest = boot(MHV_MODE_LONG, long_steps, sizeof long_steps);
    char err[ERR_SIZE];
    uint8_t data[16], back[16];
    for (int i = 0; i < 16; i++)
        data[i] = (uint8_t)(0xA0 + i);
    ck_assert_msg(mhv_debug_write(&guest->vm, MHV_PHYSICAL, 0x3000, data, 16, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(memcmp(guest->vm.ram + 0x3000, data, 16), 0);
    ck_assert_msg(mhv_debug_read(&guest->vm, MHV_PHYSICAL, 0x3000, back, 16, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(memcmp(back, data, 16), 0);

    /* The last bytes of RAM are fine; one more is not, and nothing moves. */
    ck_assert_msg(mhv_debug_read(&guest->vm, MHV_PHYSICAL, RAM_SIZE - 16, back, 16, err, sizeof err) == 0,
                  "%s", err);
    memset(back, 0x5A, sizeof back);
    expect_error(mhv_debug_read(&guest->vm, MHV_PHYSICAL, RAM_SIZE - 8, back, 16, err, sizeof err), err,
                 "physical 0x200000 is outside guest RAM");
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(back[i], 0x5A);
    uint8_t tail[8];
    memcpy(tail, guest->vm.ram + RAM_SIZE - 8, 8);
    expect_error(mhv_debug_write(&guest->vm, MHV_PHYSICAL, RAM_SIZE - 8, data, 16, err, sizeof err), err,
                 "physical 0x200000 is outside guest RAM");
    ck_assert_int_eq(memcmp(tail, guest->vm.ram + RAM_SIZE - 8, 8), 0);
    expect_error(mhv_debug_read(&guest->vm, MHV_PHYSICAL, MHV_MMIO_INFO_BASE, back, 4, err, sizeof err), err,
                 "physical 0xe0000000 is outside guest RAM");
    expect_error(mhv_debug_read(&guest->vm, MHV_PHYSICAL, 0x1000, back, SIZE_MAX, err, sizeof err), err,
                 "past the end of the address space");
    expect_error(mhv_debug_read(&guest->vm, MHV_PHYSICAL, 0x1000, back, SIZE_MAX / 2, err, sizeof err), err,
                 "physical 0x200000 is outside guest RAM");
    ck_assert_int_eq(mhv_debug_read(&guest->vm, MHV_PHYSICAL, RAM_SIZE, back, 0, err, sizeof err), 0);
    shut_down(guest);
}
END_TEST

START_TEST(virtual_memory)
{
    struct guest *guest = boot(MHV_MODE_LONG, long_steps, sizeof long_steps);
    char err[ERR_SIZE];
    uint8_t data[16], back[32];
    for (int i = 0; i < 16; i++)
        data[i] = (uint8_t)(0x30 + i);

    /* Across a page boundary, both ways. */
    ck_assert_msg(mhv_debug_write(&guest->vm, MHV_VIRTUAL, 0x2FF8, data, 16, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(memcmp(guest->vm.ram + 0x2FF8, data, 16), 0);
    ck_assert_msg(mhv_debug_read(&guest->vm, MHV_VIRTUAL, 0x2FF8, back, 16, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(memcmp(back, data, 16), 0);

    uint64_t physical;
    ck_assert_msg(mhv_debug_translate(&guest->vm, 0x1234, &physical, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(physical, 0x1234);

    /* Mapped (identity, up to 4 GiB) but not RAM. */
    expect_error(mhv_debug_read(&guest->vm, MHV_VIRTUAL, RAM_SIZE, back, 4, err, sizeof err), err,
                 "physical 0x200000 (virtual 0x200000) is outside guest RAM");
    /* Not mapped at all. */
    expect_error(mhv_debug_read(&guest->vm, MHV_VIRTUAL, 0x100000000ull, back, 4, err, sizeof err), err,
                 "virtual 0x100000000 is not mapped");

    /* Make virtual [2 MiB, 4 MiB) map physical [0, 2 MiB) instead: the
     * translation, not the address, decides what is read and planted. */
    uint64_t pd1 = MHV_RESERVED_BASE(RAM_SIZE) + MHV_RESERVED_PD + 8;
    uint64_t entry = 0 | MHV_PAGE_PRESENT | MHV_PAGE_WRITABLE | MHV_PAGE_LARGE;
    ck_assert_msg(mhv_debug_write(&guest->vm, MHV_PHYSICAL, pd1, &entry, 8, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(mhv_debug_read(&guest->vm, MHV_VIRTUAL, 0x201000, back, sizeof long_steps, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_int_eq(memcmp(back, long_steps, sizeof long_steps), 0);
    ck_assert_msg(mhv_debug_add_breakpoint(&guest->vm, MHV_VIRTUAL, 0x201007, &physical, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_uint_eq(physical, 0x1007);
    expect_breakpoint(go_on(guest), 0x1007);

    /* Unmap it: a range that starts mapped and runs into the hole fails
     * naming the first unmapped address, and writes nothing. */
    entry = 0;
    ck_assert_msg(mhv_debug_write(&guest->vm, MHV_PHYSICAL, pd1, &entry, 8, err, sizeof err) == 0, "%s", err);
    uint8_t last[8];
    memcpy(last, guest->vm.ram + RAM_SIZE - 8, 8);
    expect_error(mhv_debug_write(&guest->vm, MHV_VIRTUAL, RAM_SIZE - 8, data, 16, err, sizeof err), err,
                 "virtual 0x200000 is not mapped");
    ck_assert_int_eq(memcmp(last, guest->vm.ram + RAM_SIZE - 8, 8), 0);
    shut_down(guest);
}
END_TEST

/* Real mode has no paging: virtual (linear) is physical. */
START_TEST(virtual_memory_real_mode)
{
    struct guest *guest = boot(MHV_MODE_REAL, real_steps, sizeof real_steps);
    char err[ERR_SIZE];
    uint8_t back[sizeof real_steps];
    ck_assert_msg(mhv_debug_read(&guest->vm, MHV_VIRTUAL, 0x1000, back, sizeof back, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_int_eq(memcmp(back, real_steps, sizeof back), 0);
    expect_error(mhv_debug_read(&guest->vm, MHV_VIRTUAL, RAM_SIZE + 0x10, back, 1, err, sizeof err), err,
                 "outside guest RAM");
    shut_down(guest);
}
END_TEST

/* ===== the suite ============================================================= */

static Suite *debug_suite(void)
{
    Suite *suite = suite_create("kvm_debug");

    TCase *steps = tcase_create("step");
    tcase_set_timeout(steps, 60);
    tcase_add_test(steps, step_real_mode);
    tcase_add_test(steps, step_long_mode);
    tcase_add_test(steps, step_over_final_hlt);
    tcase_add_test(steps, step_over_final_hlt_long_mode);
    tcase_add_test(steps, step_over_io_is_one_instruction);
    tcase_add_test(steps, exit_port_leaves_rip_past_the_out);
    tcase_add_test(steps, step_holds_interrupts);
    tcase_add_test(steps, step_over_sti);
    suite_add_tcase(suite, steps);

    TCase *breakpoints = tcase_create("breakpoints");
    tcase_set_timeout(breakpoints, 60);
    tcase_add_loop_test(breakpoints, breakpoint_stops_before_the_instruction, 0, 2);
    tcase_add_loop_test(breakpoints, continue_reaches_the_next_breakpoint, 0, 2);
    tcase_add_loop_test(breakpoints, removed_breakpoints_let_the_guest_finish, 0, 2);
    tcase_add_loop_test(breakpoints, step_from_a_breakpoint, 0, 2);
    tcase_add_loop_test(breakpoints, breakpoint_real_mode, 0, 2);
    tcase_add_loop_test(breakpoints, breakpoint_on_a_hlt, 0, 2);
    tcase_add_loop_test(breakpoints, other_hlt_keeps_its_meaning, 0, 2);
    tcase_add_loop_test(breakpoints, breakpoint_table, 0, 2);
    tcase_add_loop_test(breakpoints, patch_seen_by_the_guest_not_the_debugger, 0, 2);
    tcase_add_test(breakpoints, route_choice);
    suite_add_tcase(suite, breakpoints);

    TCase *registers = tcase_create("registers");
    tcase_set_timeout(registers, 60);
    tcase_add_test(registers, register_write_changes_the_result);
    tcase_add_test(registers, segment_registers_and_pc);
    tcase_add_test(registers, mode_is_reported);
    tcase_add_test(registers, registers_consistent_after_a_timeout);
    suite_add_tcase(suite, registers);

    TCase *memory = tcase_create("memory");
    tcase_set_timeout(memory, 60);
    tcase_add_test(memory, physical_memory);
    tcase_add_test(memory, virtual_memory);
    tcase_add_test(memory, virtual_memory_real_mode);
    suite_add_tcase(suite, memory);
    return suite;
}

int main(void)
{
    /* Probe once here, before Check forks a process per test: each inherits
     * the answer, and the log says which route the breakpoints take. */
    char err[ERR_SIZE], evidence[512];
    enum mhv_breakpoint_route route;
    if (mhv_debug_probe(&route, evidence, sizeof evidence, err, sizeof err) < 0) {
        fprintf(stderr, "test_kvm_debug: %s\n", err);
        return 1;
    }
    fprintf(stderr, "test_kvm_debug: breakpoint route %s (%s)\n", mhv_breakpoint_route_name(route), evidence);

    SRunner *runner = srunner_create(debug_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
