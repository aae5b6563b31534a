/*
 * test_vdb_mhv.c -- vdb's hypervisor target (debugger/targets/target_mhv.c)
 * on real KVM, driven only through debugger/targets/target.h, as vdb's
 * front end drives it.
 *
 * Every test opens one of the guest images of mini-hypervisor/guest/ (built
 * into $(BUILD)/guest) with vdb_mhv_open and checks what the front end
 * would show.  The addresses come from those sources: a flat image loads
 * at 0x1000; real-mode ones run with CS = 0x0100, so IP 0x0E is linear
 * 0x100E.  hello16.bin:
 *
 *   0x1000 mov si, 0x13   0x1003 mov dx, 0xe9   0x1006 lodsb   0x1007 test al, al
 *   0x1009 je 0x100e      0x100B out dx, al     0x100C jmp 0x1006
 *   0x100E mov al, 0      0x1010 out 0xf4, al   0x1012 hlt     0x1013 "hello from real mode\n"
 *
 * and hello64.bin (long mode, mhv's identity page tables):
 *
 *   0x1000 movabs eax, [0xe0000000]   0x1009 cmp eax, "MHVI"   0x100E jne 0x1027
 *   0x1010 lea rsi, [rip + 0x14]      0x1017 mov dx, 0xe9      0x101B lodsb ...
 *   0x1020 out dx, al                 0x1023 exit 0            0x1027 exit 1 (bad ID)
 *
 * Where a test needs an address it finds it by disassembling from the
 * entry, so it also checks the disassembly.
 *
 *   open         registers and memory show the image at its entry before
 *                the first resume; bad images, modes and sizes give NULL with
 *                mhv's messages.
 *   run          each way a guest ends (exit port, halt, triple fault, an
 *                instruction KVM's emulator cannot run) and its status; the guest's output through take_output (0xE9
 *                and the UART); an ended guest gives the same end again;
 *                step/next/finish are refused.
 *   step         stepi lands on the next instruction, in real and long mode,
 *                with the register effects and the output of each.
 *   breakpoints  (each with the probed route and with breakpoint-route hlt)
 *                a hit stops before the instruction, at the address as set;
 *                continuing hits it again; removal lets the guest finish;
 *                disassembly shows the guest's byte, not the patch; the
 *                guest's own int3 with a breakpoint set; resolve and the
 *                errors; the route option.
 *   registers    the table; writing RAX changes the exit status, writing RIP
 *                the path taken; segment selectors; control registers.
 *   memory       virt and phys, through a remapped page; writes the guest
 *                sees; errors outside RAM or unmapped; undecodable bytes.
 *   exits        info exits counts the port I/O exactly; info mode; status.
 *   interrupt    from a second thread and from a signal handler, a spinning
 *                guest stops with VDB_STOP_INTERRUPT and can go on.
 *
 * The images are found in $MHV_GUESTS, else ./guests (where tests/hv/mhv.sh
 * puts them in the sandbox), else build/release/guest.  Run on KVM: directly
 * where /dev/kvm exists, else in the sandbox:
 *   tests/sandbox/kvm-sandbox.sh --add build/release/tests/kvm/test_vdb_mhv:bin/test_vdb_mhv \
 *       --add build/release/guest:guests -- test_vdb_mhv
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "target.h"

#define LOAD_ADDR 0x1000
#define RAM_SIZE (16u << 20)     /* MHV_DEFAULT_MEM_MIB */

static const char *guests;      /* the folder of the guest images */

/* ===== helpers =============================================================== */

static char *guest_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", guests, name);
    return path;
}

static vdb_target *open_guest(const char *name, const char *mode, const char *cmdline)
{
    char err[VDB_ERR_SIZE] = "";
    vdb_mhv_config config = { .image = guest_path(name), .mode = mode, .cmdline = cmdline };
    vdb_target *target = vdb_mhv_open(&config, err, sizeof err);
    ck_assert_msg(target != NULL, "open %s: %s", name, err);
    return target;
}

static void close_guest(vdb_target *target)
{
    target->ops->destroy(target);
}

/* A whole file, for comparing guest memory with the image. */
static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    ck_assert_msg(file != NULL, "cannot open %s", path);
    uint8_t *data = malloc(1 << 20);
    ck_assert_ptr_nonnull(data);
    *size = fread(data, 1, 1 << 20, file);
    fclose(file);
    return data;
}

static const char *stop_name(vdb_stop_kind kind)
{
    static const char *const names[] = { "NOT_STARTED", "STEP", "BREAKPOINT", "INTERRUPT", "EXITED", "ERROR" };
    return kind <= VDB_STOP_ERROR ? names[kind] : "?";
}

static vdb_stop resume(vdb_target *target, vdb_resume_kind kind)
{
    vdb_stop stop;
    memset(&stop, 0x5A, sizeof stop);  /* what the target leaves unset shows */
    char err[VDB_ERR_SIZE] = "";
    ck_assert_msg(target->ops->resume(target, kind, &stop, err, sizeof err) == 0, "resume: %s", err);
    return stop;
}

static void expect_stop(vdb_stop stop, vdb_stop_kind kind)
{
    ck_assert_msg(stop.kind == kind, "expected %s, got %s (status %d, %s)", stop_name(kind), stop_name(stop.kind),
                  stop.exit_status, stop.detail);
}

static void expect_exited(vdb_stop stop, int status)
{
    expect_stop(stop, VDB_STOP_EXITED);
    ck_assert_int_eq(stop.exit_status, status);
}

static void expect_breakpoint(vdb_target *target, vdb_stop stop, uint64_t address)
{
    expect_stop(stop, VDB_STOP_BREAKPOINT);
    ck_assert_uint_eq(stop.address, address);
    ck_assert_uint_eq(target->ops->pc(target), address);
}

/* One completed stepi, landing at pc. */
static void stepi_to(vdb_target *target, uint64_t pc)
{
    expect_stop(resume(target, VDB_RESUME_STEPI), VDB_STOP_STEP);
    ck_assert_uint_eq(target->ops->pc(target), pc);
}

/* The output since the last call, "" when none; the caller frees it. */
static char *output_of(vdb_target *target)
{
    char *text = (char *)1;  /* must be replaced, by NULL when there is none */
    size_t length = target->ops->take_output(target, &text);
    if (length == 0) {
        ck_assert_ptr_null(text);
        return strdup("");
    }
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(strlen(text), length);
    return text;
}

static void expect_output(vdb_target *target, const char *expected)
{
    char *text = output_of(target);
    ck_assert_str_eq(text, expected);
    free(text);
}

static size_t register_index(vdb_target *target, const char *name)
{
    for (size_t i = 0; i < target->ops->register_count(target); i++)
        if (strcmp(target->ops->register_info(target, i)->name, name) == 0)
            return i;
    ck_abort_msg("no register %s", name);
    return 0;
}

static uint64_t read_register(vdb_target *target, const char *name)
{
    uint64_t value = 0;
    char err[VDB_ERR_SIZE] = "";
    ck_assert_msg(target->ops->read_register(target, register_index(target, name), &value, err, sizeof err) == 0,
                  "read %s: %s", name, err);
    return value;
}

static void write_register(vdb_target *target, const char *name, uint64_t value)
{
    char err[VDB_ERR_SIZE] = "";
    ck_assert_msg(target->ops->write_register(target, register_index(target, name), value, err, sizeof err) == 0,
                  "write %s: %s", name, err);
}

enum { VIRT, PHYS };  /* the indexes of "virt" and "phys" in ops->spaces */

static void read_memory(vdb_target *target, int space, uint64_t address, void *buffer, size_t size)
{
    char err[VDB_ERR_SIZE] = "";
    ck_assert_msg(target->ops->read_memory(target, space, address, buffer, size, err, sizeof err) == 0,
                  "read 0x%llx: %s", (unsigned long long)address, err);
}

static void write_memory(vdb_target *target, int space, uint64_t address, const void *buffer, size_t size)
{
    char err[VDB_ERR_SIZE] = "";
    ck_assert_msg(target->ops->write_memory(target, space, address, buffer, size, err, sizeof err) == 0,
                  "write 0x%llx: %s", (unsigned long long)address, err);
}

/* The instruction at address as text; *next the address after it. */
static const char *disassemble(vdb_target *target, uint64_t address, uint64_t *next)
{
    static char text[128];
    char err[VDB_ERR_SIZE] = "";
    uint64_t ignored;
    ck_assert_msg(target->ops->disassemble(target, address, text, sizeof text, next ? next : &ignored, err,
                                           sizeof err) == 0,
                  "disassemble 0x%llx: %s", (unsigned long long)address, err);
    return text;
}

/* The address of the first instruction from `from` whose text is `text`. */
static uint64_t find_instruction(vdb_target *target, uint64_t from, const char *text)
{
    uint64_t address = from, next;
    for (int i = 0; i < 64; i++, address = next)
        if (strcmp(disassemble(target, address, &next), text) == 0)
            return address;
    ck_abort_msg("no '%s' in the 64 instructions from 0x%llx", text, (unsigned long long)from);
    return 0;
}

static void insert_breakpoint(vdb_target *target, uint64_t address)
{
    char err[VDB_ERR_SIZE] = "";
    ck_assert_msg(target->ops->insert_breakpoint(target, address, err, sizeof err) == 0, "break 0x%llx: %s",
                  (unsigned long long)address, err);
}

static void remove_breakpoint(vdb_target *target, uint64_t address)
{
    char err[VDB_ERR_SIZE] = "";
    ck_assert_msg(target->ops->remove_breakpoint(target, address, err, sizeof err) == 0, "delete 0x%llx: %s",
                  (unsigned long long)address, err);
}

static void set_option(vdb_target *target, const char *name, const char *value)
{
    char err[VDB_ERR_SIZE] = "";
    ck_assert_msg(target->ops->set_option(target, name, value, err, sizeof err) == 0, "%s %s: %s", name, value, err);
}

/* info TOPIC's text; the caller frees it. */
static char *info(vdb_target *target, const char *topic)
{
    char *text = NULL;
    char err[VDB_ERR_SIZE] = "";
    ck_assert_msg(target->ops->info(target, topic, &text, err, sizeof err) == 0, "info %s: %s", topic, err);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(text[0] != '\0' && text[strlen(text) - 1] == '\n', "info %s: \"%s\"", topic, text);
    return text;
}

static void expect_error(int status, const char *err, const char *needle)
{
    ck_assert_int_eq(status, -1);
    ck_assert_msg(strstr(err, needle) != NULL, "the error \"%s\" does not say \"%s\"", err, needle);
    ck_assert_msg(strchr(err, '\n') == NULL, "the error \"%s\" is more than one line", err);
}

/* Breakpoint tests run with _i = 0: the route the probe chose; 1: the hlt
 * route (which works on every KVM, so real KVM tests both). */
static void choose_route(vdb_target *target, int which)
{
    if (which == 1)
        set_option(target, "breakpoint-route", "hlt");
}

/* ===== open ================================================================== */

START_TEST(open_at_the_entry_point)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    const vdb_target_ops *ops = target->ops;
    ck_assert_str_eq(ops->name, "mhv");
    ck_assert_uint_eq(ops->caps, VDB_CAP_EXITS | VDB_CAP_CPU_MODE | VDB_CAP_RESTART);
    ck_assert_str_eq(ops->spaces[0], "virt");
    ck_assert_str_eq(ops->spaces[1], "phys");
    ck_assert_ptr_null(ops->spaces[2]);
    ck_assert_ptr_null(ops->frame_count);
    ck_assert_ptr_null(ops->native_code);

    ck_assert_uint_eq(ops->pc(target), LOAD_ADDR);
    ck_assert_uint_eq(read_register(target, "rip"), LOAD_ADDR);
    char address[32];
    ops->format_address(target, ops->pc(target), address, sizeof address);
    ck_assert_str_eq(address, "0x1000");
    char status[128];
    ops->status(target, status, sizeof status);
    ck_assert_str_eq(status, "long mode | 0 exits");
    char *mode = info(target, "mode");
    ck_assert_str_eq(mode, "long mode (64-bit)\n");
    free(mode);

    /* The image is in memory at the PC, in both spaces. */
    size_t size;
    uint8_t *image = read_file(guest_path("hello64.bin"), &size);
    uint8_t virt[64], phys[64];
    ck_assert_uint_ge(size, sizeof virt);
    read_memory(target, VIRT, LOAD_ADDR, virt, sizeof virt);
    read_memory(target, PHYS, LOAD_ADDR, phys, sizeof phys);
    ck_assert_int_eq(memcmp(virt, image, sizeof virt), 0);
    ck_assert_int_eq(memcmp(phys, image, sizeof phys), 0);
    ck_assert_str_eq(disassemble(target, LOAD_ADDR, NULL), "movabs eax, dword ptr [0xe0000000]");
    free(image);
    expect_output(target, "");
    close_guest(target);
}
END_TEST

START_TEST(open_real_mode_and_elf)
{
    vdb_target *target = open_guest("hello16.bin", NULL, NULL);  /* flat: real mode unless told */
    ck_assert_uint_eq(target->ops->pc(target), LOAD_ADDR);       /* linear: CS base + IP */
    ck_assert_uint_eq(read_register(target, "rip"), 0);
    ck_assert_uint_eq(read_register(target, "cs"), LOAD_ADDR >> 4);
    ck_assert_uint_eq(read_register(target, "cr0") & 1, 0);       /* PE clear */
    char *mode = info(target, "mode");
    ck_assert_str_eq(mode, "real mode (16-bit)\n");
    free(mode);
    ck_assert_str_eq(disassemble(target, LOAD_ADDR, NULL), "mov si, 0x13");
    close_guest(target);

    /* An ELF64: entered in long mode at its entry point (e_entry, at byte 24). */
    size_t size;
    uint8_t *elf = read_file(guest_path("kernel.elf"), &size);
    uint64_t entry;
    memcpy(&entry, elf + 24, sizeof entry);
    free(elf);
    target = open_guest("kernel.elf", NULL, "fib=5");
    ck_assert_uint_eq(target->ops->pc(target), entry);
    ck_assert_uint_ne(read_register(target, "cr0") & 0x80000001u, 0);
    ck_assert_uint_eq(read_register(target, "cr0") & 0x80000001u, 0x80000001u);  /* PE and PG */
    ck_assert_uint_ne(read_register(target, "efer") & (1u << 10), 0);            /* LMA */
    ck_assert_uint_ne(read_register(target, "cr3"), 0);
    mode = info(target, "mode");
    ck_assert_str_eq(mode, "long mode (64-bit)\n");
    free(mode);

    /* An ELF32 in protected mode. */
    close_guest(target);
    target = open_guest("hello32.elf", NULL, NULL);
    mode = info(target, "mode");
    ck_assert_str_eq(mode, "protected mode (32-bit)\n");
    free(mode);
    close_guest(target);
}
END_TEST

/* A scratch file in /tmp with size bytes of fill. */
static void scratch_file(char *path, size_t path_size, size_t size, int fill)
{
    snprintf(path, path_size, "/tmp/test_vdb_mhv.XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *file = fdopen(fd, "wb");
    for (size_t i = 0; i < size; i++)
        fputc(fill, file);
    fclose(file);
}

static void expect_open_fails(const vdb_mhv_config *config, const char *needle)
{
    char err[VDB_ERR_SIZE] = "";
    vdb_target *target = vdb_mhv_open(config, err, sizeof err);
    if (target)
        close_guest(target);
    ck_assert_msg(target == NULL, "opened, though it should fail with \"%s\"", needle);
    ck_assert_msg(strstr(err, needle) != NULL, "the error \"%s\" does not say \"%s\"", err, needle);
}

START_TEST(open_errors)
{
    vdb_mhv_config config = { .image = "/nonexistent/guest.bin" };
    expect_open_fails(&config, "cannot read the image /nonexistent/guest.bin: No such file or directory");

    char path[64];
    scratch_file(path, sizeof path, 0, 0);
    config.image = path;
    expect_open_fails(&config, "the image is empty");
    unlink(path);

    scratch_file(path, sizeof path, 2u << 20, 0x90);
    config.mem_mib = 1;
    expect_open_fails(&config, "bigger than guest RAM");
    unlink(path);

    config = (vdb_mhv_config){ .image = guest_path("hello16.bin"), .load = 0x100000 };
    expect_open_fails(&config, "above 1 MiB");
    config = (vdb_mhv_config){ .image = guest_path("hello16.bin"), .entry = 0x20000 };
    expect_open_fails(&config, "outside the code segment");
    config = (vdb_mhv_config){ .image = guest_path("hello16.bin"), .mode = "unreal" };
    expect_open_fails(&config, "unknown CPU mode 'unreal'");
    config = (vdb_mhv_config){ .image = guest_path("hello16.bin"), .mem_mib = 4096 };
    expect_open_fails(&config, "4096 MiB");
    config = (vdb_mhv_config){ .image = NULL };
    expect_open_fails(&config, "no guest image");

    /* A Linux guest's files are checked as mhv run --kernel checks them
     * (vmm/linux_machine.c), before KVM. */
    config = (vdb_mhv_config){ .kernel = "/nonexistent/vmlinux" };
    expect_open_fails(&config, "cannot read the kernel /nonexistent/vmlinux");
    config = (vdb_mhv_config){ .kernel = guest_path("hello16.bin") };
    expect_open_fails(&config, "too short to be a Linux kernel");
    config = (vdb_mhv_config){ .kernel = guest_path("hello16.bin"), .mem_mib = 4096 };
    expect_open_fails(&config, "4096 MiB");

    /* Flat images at another load address and entry work. */
    config = (vdb_mhv_config){ .image = guest_path("hello16.bin"), .load = 0x8000, .mem_mib = 1 };
    char err[VDB_ERR_SIZE] = "";
    vdb_target *target = vdb_mhv_open(&config, err, sizeof err);
    ck_assert_msg(target != NULL, "%s", err);
    ck_assert_uint_eq(target->ops->pc(target), 0x8000);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    expect_output(target, "hello from real mode\n");
    close_guest(target);
}
END_TEST

/* ===== run =================================================================== */

START_TEST(continue_to_the_end)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    expect_output(target, "hello from long mode\n");
    expect_output(target, "");  /* handed over once */

    /* Over: the same end again, without running anything, and reads work. */
    char status[128], again[128];
    target->ops->status(target, status, sizeof status);
    ck_assert_msg(strstr(status, "exited 0") != NULL, "%s", status);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    expect_exited(resume(target, VDB_RESUME_STEPI), 0);
    target->ops->status(target, again, sizeof again);
    ck_assert_str_eq(again, status);  /* the exit count did not move */
    ck_assert_uint_eq(read_register(target, "rax") & 0xFF, 0);
    ck_assert_str_eq(disassemble(target, target->ops->pc(target), NULL), "mov al, 1");  /* RIP past the out that ended it */
    expect_output(target, "");
    close_guest(target);
}
END_TEST

START_TEST(real_mode_and_uart_output)
{
    vdb_target *target = open_guest("hello16.bin", NULL, NULL);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    expect_output(target, "hello from real mode\n");
    close_guest(target);

    target = open_guest("uart.bin", NULL, NULL);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 255);  /* the unclaimed port's 0xFF */
    expect_output(target, "hello from the uart\n");
    close_guest(target);
}
END_TEST

START_TEST(exit_port_and_halt)
{
    vdb_target *target = open_guest("exit7.bin", NULL, NULL);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 7);
    close_guest(target);

    target = open_guest("halt.bin", NULL, NULL);  /* cli; hlt: nothing can wake it */
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    close_guest(target);
}
END_TEST

/* kvm_pvm runs a guest's ring 0 and real mode in KVM's instruction emulator
 * (docs/no-kvm.md, "Which KVM"), and a few of these guests reach what it
 * lacks: the test checks what that platform legitimately does there. */
static bool on_kvm_pvm(void)
{
    return access("/sys/module/kvm_pvm", F_OK) == 0;
}

/* crash64.bin: ud2 in long mode with no IDT, a triple fault on every KVM
 * (crash.bin, in real mode, stops kvm_pvm's emulator instead). */
START_TEST(crash_is_an_error)
{
    vdb_target *target = open_guest("crash64.bin", "long", NULL);
    vdb_stop stop = resume(target, VDB_RESUME_CONTINUE);
    expect_stop(stop, VDB_STOP_ERROR);
    ck_assert_int_eq(stop.exit_status, 123);
    ck_assert_msg(strstr(stop.detail, "triple fault") != NULL, "%s", stop.detail);
    ck_assert_msg(strstr(stop.detail, "info registers") != NULL, "%s", stop.detail);

    vdb_stop again = resume(target, VDB_RESUME_STEPI);  /* the same end, detail and all */
    expect_stop(again, VDB_STOP_ERROR);
    ck_assert_int_eq(again.exit_status, 123);
    ck_assert_str_eq(again.detail, stop.detail);
    char status[128];
    target->ops->status(target, status, sizeof status);
    ck_assert_msg(strstr(status, "crashed") != NULL, "%s", status);
    (void)read_register(target, "rip");  /* the state it crashed in is still there */
    (void)read_register(target, "cr0");
    close_guest(target);
}
END_TEST

/* An instruction KVM's emulator cannot run (addsd on the MMIO device, on
 * every platform) ends the guest as a crash that names it. */
START_TEST(internal_error_is_an_error)
{
    vdb_target *target = open_guest("mmio_sse.bin", "long", NULL);
    vdb_stop stop = resume(target, VDB_RESUME_CONTINUE);
    expect_stop(stop, VDB_STOP_ERROR);
    ck_assert_int_eq(stop.exit_status, 123);
    ck_assert_msg(strstr(stop.detail, "guest crashed: KVM's instruction emulator cannot run the instruction at "
                                      "0x1005 (f2 0f 58 00") != NULL, "%s", stop.detail);
    ck_assert_msg(strstr(stop.detail, "info registers") != NULL, "%s", stop.detail);
    ck_assert_uint_eq(target->ops->pc(target), 0x1005);  /* on the instruction */
    ck_assert_str_eq(disassemble(target, 0x1005, NULL), "addsd xmm0, qword ptr [rax]");
    close_guest(target);
}
END_TEST

START_TEST(kernel_runs_to_its_exit)
{
    vdb_target *target = open_guest("kernel.elf", NULL, "ticks=3 exit=42");
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 42);
    char *text = output_of(target);
    ck_assert_msg(strstr(text, "vmlab guest kernel: RAM 16 MiB, cmdline 'ticks=3 exit=42'") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "ticks: waited 3") != NULL, "%s", text);
    free(text);

    /* Timer interrupts woke it from hlt: injected, and counted. */
    char *exits = info(target, "exits");
    const char *line = strstr(exits, "interrupts injected");
    ck_assert_msg(line != NULL, "%s", exits);
    ck_assert_msg(strtoull(line + strlen("interrupts injected"), NULL, 10) >= 3, "%s", exits);
    free(exits);
    close_guest(target);
}
END_TEST

START_TEST(step_next_finish_are_refused)
{
    vdb_target *target = open_guest("exit7.bin", NULL, NULL);
    static const vdb_resume_kind kinds[] = { VDB_RESUME_STEP, VDB_RESUME_NEXT, VDB_RESUME_FINISH };
    for (size_t i = 0; i < 3; i++) {
        vdb_stop stop;
        char err[VDB_ERR_SIZE] = "";
        expect_error(target->ops->resume(target, kinds[i], &stop, err, sizeof err), err, "stepi");
    }
    ck_assert_uint_eq(target->ops->pc(target), LOAD_ADDR);  /* nothing ran */
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 7);
    close_guest(target);
}
END_TEST

/* ===== step ================================================================== */

START_TEST(stepi_in_real_mode)
{
    vdb_target *target = open_guest("hello16.bin", NULL, NULL);
    uint64_t next;
    ck_assert_str_eq(disassemble(target, 0x1000, &next), "mov si, 0x13");
    ck_assert_uint_eq(next, 0x1003);
    stepi_to(target, 0x1003);
    ck_assert_uint_eq(read_register(target, "rsi") & 0xFFFF, 0x13);
    ck_assert_uint_eq(read_register(target, "rip"), 0x03);

    ck_assert_str_eq(disassemble(target, 0x1003, &next), "mov dx, 0xe9");
    stepi_to(target, next);
    ck_assert_uint_eq(read_register(target, "rdx") & 0xFFFF, 0xE9);

    ck_assert_str_eq(disassemble(target, 0x1006, NULL), "lodsb al, byte ptr [si]");
    stepi_to(target, 0x1007);
    ck_assert_uint_eq(read_register(target, "rax") & 0xFF, 'h');
    ck_assert_uint_eq(read_register(target, "rsi") & 0xFFFF, 0x14);
    stepi_to(target, 0x1009);  /* test al, al */
    ck_assert_str_eq(disassemble(target, 0x1009, NULL), "je 0x100e");
    stepi_to(target, 0x100B);  /* not taken */
    expect_output(target, "");
    ck_assert_str_eq(disassemble(target, 0x100B, NULL), "out dx, al");
    stepi_to(target, 0x100C);  /* the out is complete: the byte is out */
    expect_output(target, "h");
    ck_assert_str_eq(disassemble(target, 0x100C, NULL), "jmp 0x1006");
    stepi_to(target, 0x1006);
    close_guest(target);
}
END_TEST

START_TEST(stepi_in_long_mode)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    uint64_t next;
    disassemble(target, 0x1000, &next);
    stepi_to(target, next);  /* the MMIO read exited to mhv and is complete */
    ck_assert_uint_eq(read_register(target, "rax"), 0x4956484D);  /* "MHVI" */
    ck_assert_str_eq(disassemble(target, target->ops->pc(target), &next), "cmp eax, 0x4956484d");
    stepi_to(target, next);
    ck_assert_str_eq(disassemble(target, target->ops->pc(target), &next), "jne 0x1027");
    stepi_to(target, next);  /* not taken: the ID was right */
    ck_assert_str_eq(disassemble(target, target->ops->pc(target), &next), "lea rsi, [rip + 0x14]");
    stepi_to(target, next);
    ck_assert_uint_eq(read_register(target, "rsi"), 0x102B);  /* the message */
    close_guest(target);
}
END_TEST

START_TEST(stepi_to_the_end)
{
    vdb_target *target = open_guest("exit7.bin", NULL, NULL);
    ck_assert_str_eq(disassemble(target, 0x1000, NULL), "mov al, 7");
    stepi_to(target, 0x1002);
    expect_exited(resume(target, VDB_RESUME_STEPI), 7);  /* the out to 0xF4 ends it during the step */
    close_guest(target);

    target = open_guest("halt.bin", NULL, NULL);
    stepi_to(target, 0x1001);                            /* cli */
    expect_exited(resume(target, VDB_RESUME_STEPI), 0);  /* hlt with nothing to wake it */
    close_guest(target);
}
END_TEST

/* ===== breakpoints =========================================================== */

START_TEST(breakpoint_stops_there)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    choose_route(target, _i);
    uint64_t out = find_instruction(target, target->ops->pc(target), "out dx, al");
    ck_assert_uint_eq(out, 0x1020);

    /* As the user types it back: format, then resolve. */
    char typed[40] = "*";
    target->ops->format_address(target, out, typed + 1, sizeof typed - 1);
    uint64_t address = 0;
    char err[VDB_ERR_SIZE] = "";
    ck_assert_msg(target->ops->resolve(target, typed, &address, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(address, out);
    insert_breakpoint(target, address);

    /* The debugger sees the guest's byte, not the patch. */
    ck_assert_str_eq(disassemble(target, out, NULL), "out dx, al");
    uint8_t byte = 0;
    read_memory(target, VIRT, out, &byte, 1);
    ck_assert_uint_eq(byte, 0xEE);
    read_memory(target, PHYS, out, &byte, 1);
    ck_assert_uint_eq(byte, 0xEE);

    expect_breakpoint(target, resume(target, VDB_RESUME_CONTINUE), out);
    expect_output(target, "");                  /* stopped before the out */
    ck_assert_uint_eq(read_register(target, "rax") & 0xFF, 'h');
    expect_breakpoint(target, resume(target, VDB_RESUME_CONTINUE), out);
    expect_output(target, "h");                 /* one round of the loop */
    expect_breakpoint(target, resume(target, VDB_RESUME_CONTINUE), out);
    expect_output(target, "e");

    stepi_to(target, out + 1);                  /* a step off the breakpoint runs the guest's out */
    expect_output(target, "l");
    remove_breakpoint(target, out);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    expect_output(target, "lo from long mode\n");
    close_guest(target);
}
END_TEST

START_TEST(breakpoint_in_real_mode)
{
    vdb_target *target = open_guest("hello16.bin", NULL, NULL);
    choose_route(target, _i);
    uint64_t done = find_instruction(target, 0x1000, "mov al, 0");
    ck_assert_uint_eq(done, 0x100E);
    uint64_t exit_out = find_instruction(target, done, "out 0xf4, al");
    insert_breakpoint(target, done);
    insert_breakpoint(target, exit_out);

    expect_breakpoint(target, resume(target, VDB_RESUME_CONTINUE), done);
    ck_assert_uint_eq(read_register(target, "rip"), 0x0E);  /* IP; the stop is linear */
    expect_output(target, "hello from real mode\n");
    expect_breakpoint(target, resume(target, VDB_RESUME_CONTINUE), exit_out);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    close_guest(target);
}
END_TEST

/* A breakpoint on a jump to itself: continuing steps over it and lands on
 * it again at once. */
START_TEST(breakpoint_on_a_spin)
{
    vdb_target *target = open_guest("spin.bin", NULL, NULL);
    choose_route(target, _i);
    ck_assert_str_eq(disassemble(target, 0x1000, NULL), "jmp 0x1000");
    insert_breakpoint(target, 0x1000);
    expect_breakpoint(target, resume(target, VDB_RESUME_CONTINUE), 0x1000);
    expect_breakpoint(target, resume(target, VDB_RESUME_CONTINUE), 0x1000);
    stepi_to(target, 0x1000);
    close_guest(target);
}
END_TEST

/* The guest kernel's own int3 (fault=bp), with a breakpoint set: on the
 * hlt route it reaches the guest's #BP handler, which reports it and ends
 * with status 3; on the int3 route KVM traps it, and the stop says why; on
 * kvm_pvm, whose emulator cannot run an int3 in long mode, the guest
 * crashes there, and the stop names the instruction. */
START_TEST(guest_int3_with_a_breakpoint)
{
    vdb_target *target = open_guest("kernel.elf", NULL, "fault=bp");
    choose_route(target, _i);
    char err[VDB_ERR_SIZE] = "";
    bool int3_route = _i == 0 && target->ops->set_option(target, "breakpoint-route", "int3", err, sizeof err) == 0;
    uint64_t second;  /* not the entry: a continue runs the instruction under the PC first */
    ck_assert_str_eq(disassemble(target, target->ops->pc(target), &second), "cld");
    insert_breakpoint(target, second);
    expect_breakpoint(target, resume(target, VDB_RESUME_CONTINUE), second);
    ck_assert_str_eq(disassemble(target, second, NULL), "mov r12, rdi");
    vdb_stop stop = resume(target, VDB_RESUME_CONTINUE);
    if (int3_route) {
        expect_stop(stop, VDB_STOP_INTERRUPT);
        ck_assert_msg(strstr(stop.detail, "the guest's own int3") != NULL, "%s", stop.detail);
    } else if (on_kvm_pvm()) {
        /* Ring 0 is emulated there, and KVM's emulator has no int3 outside real mode. */
        expect_stop(stop, VDB_STOP_ERROR);
        ck_assert_int_eq(stop.exit_status, 123);
        ck_assert_msg(strstr(stop.detail, "KVM's instruction emulator cannot run the instruction at 0x") != NULL &&
                          strstr(stop.detail, " (cc ") != NULL, "%s", stop.detail);
    } else {
        expect_exited(stop, 3);
        char *text = output_of(target);
        ck_assert_msg(strstr(text, "guest kernel: exception #BP (vector 3") != NULL, "%s", text);
        free(text);
    }
    close_guest(target);
}
END_TEST

START_TEST(breakpoint_errors)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    char err[VDB_ERR_SIZE] = "";
    expect_error(target->ops->insert_breakpoint(target, RAM_SIZE + 0x1000, err, sizeof err), err,
                 "outside guest RAM");
    expect_error(target->ops->insert_breakpoint(target, 0x100000000ull, err, sizeof err), err, "not mapped");
    insert_breakpoint(target, 0x1009);
    expect_error(target->ops->insert_breakpoint(target, 0x1009, err, sizeof err), err, "already");
    expect_error(target->ops->remove_breakpoint(target, 0x100E, err, sizeof err), err, "no breakpoint at");
    remove_breakpoint(target, 0x1009);
    expect_error(target->ops->remove_breakpoint(target, 0x1009, err, sizeof err), err, "no breakpoint at");
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    close_guest(target);
}
END_TEST

START_TEST(resolve_addresses)
{
    vdb_target *target = open_guest("exit7.bin", NULL, NULL);
    static const struct { const char *spec; uint64_t address; } good[] = {
        { "*0x1000", 0x1000 }, { "0x1000", 0x1000 }, { "*4096", 4096 }, { "4096", 4096 },
        { "*0XaBc", 0xABC }, { "*0", 0 }, { "*0xffffffffffffffff", UINT64_MAX },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint64_t address = 1;
        char err[VDB_ERR_SIZE] = "";
        ck_assert_msg(target->ops->resolve(target, good[i].spec, &address, err, sizeof err) == 0, "%s: %s",
                      good[i].spec, err);
        ck_assert_uint_eq(address, good[i].address);
    }
    static const struct { const char *spec, *needle; } bad[] = {
        { "main", "no symbol 'main': the hypervisor target has no symbols: give an address, e.g. *0x1000" },
        { "hello.S:12", "'hello.S:12'" },
        { "*0xZZ", "'*0xZZ' is not an address" },
        { "*", "'*' is not an address" },
        { "*0x", "'*0x' is not an address" },
        { "*-1", "'*-1' is not an address" },
        { "* 12", "'* 12' is not an address" },
        { "12abc", "'12abc' is not an address" },
        { "*0x10000000000000000", "is not an address" },
        { "", "no symbol ''" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t address = 1;
        char err[VDB_ERR_SIZE] = "";
        expect_error(target->ops->resolve(target, bad[i].spec, &address, err, sizeof err), err, bad[i].needle);
        ck_assert_uint_eq(address, 1);
    }
    close_guest(target);
}
END_TEST

START_TEST(breakpoint_route_option)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    char err[VDB_ERR_SIZE] = "";
    set_option(target, "breakpoint-route", "hlt");
    expect_error(target->ops->set_option(target, "breakpoint-route", "nop", err, sizeof err), err,
                 "breakpoint-route: expected int3 or hlt, not 'nop'");
    expect_error(target->ops->set_option(target, "jit", "on", err, sizeof err), err, "no option 'jit'");

    /* Not while breakpoints are planted: they would keep the other patch. */
    insert_breakpoint(target, 0x1020);
    expect_error(target->ops->set_option(target, "breakpoint-route", "hlt", err, sizeof err), err,
                 "cannot change the breakpoint route while 1 breakpoint is planted");
    expect_breakpoint(target, resume(target, VDB_RESUME_CONTINUE), 0x1020);
    remove_breakpoint(target, 0x1020);

    /* int3: taken where the probe saw it trap, refused with its evidence elsewhere. */
    int status = target->ops->set_option(target, "breakpoint-route", "int3", err, sizeof err);
    if (status < 0)
        expect_error(status, err, "int3 breakpoints do not work on this KVM");
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    close_guest(target);
}
END_TEST

/* ===== registers ============================================================= */

START_TEST(register_table)
{
    vdb_target *target = open_guest("exit7.bin", NULL, NULL);
    static const char *const general[] = {
        "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
        "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags",
    };
    static const char *const segment[] = { "cs", "ds", "es", "fs", "gs", "ss" };
    static const char *const control[] = { "cr0", "cr2", "cr3", "cr4", "cr8", "efer" };
    size_t count = target->ops->register_count(target);
    ck_assert_uint_eq(count, 18 + 6 + 6 + 2);
    /* the IDT register, base and limit (the DWARF layer's catch exception reads it) */
    ck_assert_uint_eq(target->ops->register_info(target, register_index(target, "idtr"))->bits, 64);
    ck_assert_uint_eq(target->ops->register_info(target, register_index(target, "idtr_limit"))->bits, 16);
    ck_assert_str_eq(target->ops->register_info(target, register_index(target, "idtr"))->group, "control");
    for (size_t i = 0; i < 18; i++) {
        const vdb_register *info = target->ops->register_info(target, register_index(target, general[i]));
        ck_assert_uint_eq(info->bits, 64);
        ck_assert_str_eq(info->group, "general");
    }
    for (size_t i = 0; i < 6; i++) {
        const vdb_register *info = target->ops->register_info(target, register_index(target, segment[i]));
        ck_assert_uint_eq(info->bits, 16);
        ck_assert_str_eq(info->group, "segment");
        info = target->ops->register_info(target, register_index(target, control[i]));
        ck_assert_uint_eq(info->bits, 64);
        ck_assert_str_eq(info->group, "control");
    }
    for (size_t i = 0; i < count; i++)
        for (size_t j = i + 1; j < count; j++)
            ck_assert_str_ne(target->ops->register_info(target, i)->name, target->ops->register_info(target, j)->name);
    ck_assert_ptr_null(target->ops->register_info(target, count));
    uint64_t value;
    char err[VDB_ERR_SIZE] = "";
    expect_error(target->ops->read_register(target, count, &value, err, sizeof err), err, "no register 32");
    expect_error(target->ops->write_register(target, count, 0, err, sizeof err), err, "no register 32");
    /* idtr is written and read back; a limit has 16 bits */
    ck_assert_int_eq(target->ops->write_register(target, register_index(target, "idtr"), 0x5000, err, sizeof err), 0);
    ck_assert_uint_eq(read_register(target, "idtr"), 0x5000);
    expect_error(target->ops->write_register(target, register_index(target, "idtr_limit"), 0x10000, err, sizeof err),
                 err, "idtr_limit: a limit has 16 bits");

    ck_assert_uint_ne(read_register(target, "rflags") & 2, 0);  /* bit 1 is always set */
    close_guest(target);
}
END_TEST

/* Writing RAX at the `out` to 0xF4 changes the exit status. */
START_TEST(register_write_changes_the_exit)
{
    vdb_target *target = open_guest("exit7.bin", NULL, NULL);
    stepi_to(target, 0x1002);
    ck_assert_uint_eq(read_register(target, "rax") & 0xFF, 7);
    write_register(target, "rax", 0x33);
    ck_assert_uint_eq(read_register(target, "rax"), 0x33);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0x33);
    close_guest(target);
}
END_TEST

/* Writing RIP sends the guest down its bad-ID path. */
START_TEST(register_write_moves_the_pc)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    write_register(target, "rip", 0x1027);
    ck_assert_uint_eq(target->ops->pc(target), 0x1027);
    ck_assert_str_eq(disassemble(target, 0x1027, NULL), "mov al, 1");
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 1);
    expect_output(target, "");
    close_guest(target);
}
END_TEST

START_TEST(segment_and_control_registers)
{
    vdb_target *target = open_guest("hello16.bin", NULL, NULL);
    /* Real mode: a selector is all there is (the base follows it). */
    ck_assert_uint_eq(read_register(target, "ds"), 0x100);
    write_register(target, "es", 0x200);
    ck_assert_uint_eq(read_register(target, "es"), 0x200);
    /* Point DS at a copy of the message 0x1000 higher, changed: the guest prints it. */
    char message[32] = "HELLO from real mode\n";
    write_memory(target, PHYS, 0x2013, message, strlen(message) + 1);
    write_register(target, "ds", 0x200);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    expect_output(target, "HELLO from real mode\n");
    char err[VDB_ERR_SIZE] = "";
    expect_error(target->ops->write_register(target, register_index(target, "ds"), 0x10000, err, sizeof err), err,
                 "16 bits");
    close_guest(target);

    target = open_guest("hello64.bin", "long", NULL);
    expect_error(target->ops->write_register(target, register_index(target, "ds"), 0x10, err, sizeof err), err,
                 "ds: vdb sets segment selectors in real mode only");
    ck_assert_uint_ne(read_register(target, "cs"), 0);
    uint64_t cr0 = read_register(target, "cr0");
    ck_assert_uint_eq(cr0 & 0x80000001u, 0x80000001u);
    write_register(target, "cr2", 0xDEADB000);  /* CR2 is plain data to the CPU */
    ck_assert_uint_eq(read_register(target, "cr2"), 0xDEADB000);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    close_guest(target);
}
END_TEST

/* ===== memory ================================================================ */

/* Makes virtual [2 MiB, 4 MiB) map physical [0, 2 MiB): mhv's page tables,
 * found from CR3, map the first 4 GiB with 2 MiB pages. */
static void remap_second_2mib(vdb_target *target)
{
    const uint64_t address_bits = 0x000FFFFFFFFFF000ull;
    uint64_t pml4 = read_register(target, "cr3") & address_bits, pml4e, pdpte;
    read_memory(target, PHYS, pml4, &pml4e, 8);
    read_memory(target, PHYS, pml4e & address_bits, &pdpte, 8);
    uint64_t pd = pdpte & address_bits, pde;
    read_memory(target, PHYS, pd + 8, &pde, 8);
    ck_assert_uint_eq(pde & address_bits, 2u << 20);  /* identity, as boot.h says */
    ck_assert_uint_ne(pde & 0x80, 0);                 /* a large page */
    pde &= ~address_bits;                             /* the same flags, physical 0 */
    write_memory(target, PHYS, pd + 8, &pde, 8);
}

START_TEST(virtual_and_physical_memory)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    uint8_t data[16], back[16], code[16];
    for (int i = 0; i < 16; i++)
        data[i] = (uint8_t)(0xA0 + i);
    /* Identity-mapped: one write, seen in both spaces, across a page. */
    write_memory(target, PHYS, 0x2FF8, data, sizeof data);
    read_memory(target, VIRT, 0x2FF8, back, sizeof back);
    ck_assert_int_eq(memcmp(back, data, sizeof data), 0);

    remap_second_2mib(target);
    read_memory(target, PHYS, 0x1000, code, sizeof code);
    read_memory(target, VIRT, 0x201000, back, sizeof back);  /* the code, through the new mapping */
    ck_assert_int_eq(memcmp(back, code, sizeof code), 0);
    read_memory(target, PHYS, 0x201000, back, sizeof back);  /* physical 2 MiB + 4 KiB: untouched RAM */
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(back[i], 0);
    ck_assert_str_eq(disassemble(target, 0x201000, NULL), "movabs eax, dword ptr [0xe0000000]");

    /* A breakpoint set through the remapped address fires on the physical byte. */
    insert_breakpoint(target, 0x201020);
    expect_stop(resume(target, VDB_RESUME_CONTINUE), VDB_STOP_BREAKPOINT);
    ck_assert_uint_eq(target->ops->pc(target), 0x1020);
    close_guest(target);
}
END_TEST

START_TEST(memory_errors)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    char err[VDB_ERR_SIZE] = "";
    uint8_t buffer[16];
    memset(buffer, 0x5A, sizeof buffer);
    expect_error(target->ops->read_memory(target, PHYS, RAM_SIZE - 8, buffer, 16, err, sizeof err), err,
                 "physical 0x1000000 is outside guest RAM");
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(buffer[i], 0x5A);  /* all or nothing */
    expect_error(target->ops->write_memory(target, PHYS, RAM_SIZE, buffer, 1, err, sizeof err), err,
                 "outside guest RAM");
    expect_error(target->ops->read_memory(target, VIRT, 0x100000000ull, buffer, 4, err, sizeof err), err,
                 "virtual 0x100000000 is not mapped");
    expect_error(target->ops->read_memory(target, 2, 0x1000, buffer, 4, err, sizeof err), err,
                 "no memory space 2");
    expect_error(target->ops->read_memory(target, -1, 0x1000, buffer, 4, err, sizeof err), err,
                 "no memory space -1");
    expect_error(target->ops->disassemble(target, RAM_SIZE, (char *)buffer, sizeof buffer, &(uint64_t){ 0 },
                                          err, sizeof err),
                 err, "outside guest RAM");
    close_guest(target);
}
END_TEST

/* A write the guest then reads: the message it prints. */
START_TEST(memory_write_changes_the_guest)
{
    vdb_target *target = open_guest("hello16.bin", NULL, NULL);
    size_t size;
    uint8_t *image = read_file(guest_path("hello16.bin"), &size);
    uint8_t *message = memmem(image, size, "hello", 5);
    ck_assert_ptr_nonnull(message);
    write_memory(target, VIRT, LOAD_ADDR + (uint64_t)(message - image), "j", 1);
    free(image);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    expect_output(target, "jello from real mode\n");
    close_guest(target);
}
END_TEST

START_TEST(undecodable_bytes)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    uint8_t push_es = 0x06;  /* invalid in 64-bit mode */
    write_memory(target, VIRT, 0x3000, &push_es, 1);
    uint64_t next = 0;
    ck_assert_str_eq(disassemble(target, 0x3000, &next), "(bad)");
    ck_assert_uint_eq(next, 0x3001);

    /* The last byte of RAM: one byte is all there is to decode. */
    uint8_t nop = 0x90;
    write_memory(target, PHYS, RAM_SIZE - 1, &nop, 1);
    ck_assert_str_eq(disassemble(target, RAM_SIZE - 1, &next), "nop");
    ck_assert_uint_eq(next, RAM_SIZE);
    close_guest(target);
}
END_TEST

/* ===== exits ================================================================= */

/* The count on the line of info exits that starts with "  NAME ". */
static uint64_t exit_count(const char *text, const char *name)
{
    char start[40];
    snprintf(start, sizeof start, "  %s ", name);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, start, strlen(start)) == 0)
            return strtoull(line + strlen(start), NULL, 10);
    ck_abort_msg("no line for %s in:\n%s", name, text);
    return 0;
}

START_TEST(info_exits_counts_them)
{
    vdb_target *target = open_guest("hello64.bin", "long", NULL);
    expect_exited(resume(target, VDB_RESUME_CONTINUE), 0);
    char *text = info(target, "exits");
    /* 21 bytes to 0xE9 and the exit: one port I/O exit each. */
    ck_assert_uint_eq(exit_count(text, "IO"), 22);
    ck_assert_uint_eq(exit_count(text, "MMIO"), 1);  /* the ID register */
    uint64_t total = exit_count(text, "total");
    ck_assert_uint_ge(total, 23);
    ck_assert_uint_eq(exit_count(text, "interrupts injected"), 0);
    free(text);

    char status[128], expected[128];
    target->ops->status(target, status, sizeof status);
    snprintf(expected, sizeof expected, "long mode | %llu exits | exited 0", (unsigned long long)total);
    ck_assert_str_eq(status, expected);

    char *bogus = (char *)1;
    char err[VDB_ERR_SIZE] = "";
    expect_error(target->ops->info(target, "frames", &bogus, err, sizeof err), err,
                 "no info frames for the hypervisor target");
    close_guest(target);
}
END_TEST

/* ===== interrupt ============================================================= */

static void pause_ms(long ms)
{
    struct timespec wait = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&wait, NULL);
}

static void *interrupt_later(void *context)
{
    vdb_target *target = context;
    pause_ms(200);
    target->ops->interrupt(target);
    return NULL;
}

static void continue_until_interrupted(vdb_target *target)
{
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, interrupt_later, target), 0);
    vdb_stop stop = resume(target, VDB_RESUME_CONTINUE);
    pthread_join(thread, NULL);
    expect_stop(stop, VDB_STOP_INTERRUPT);
    ck_assert_str_eq(stop.detail, "");
}

START_TEST(interrupt_from_a_thread)
{
    vdb_target *target = open_guest("spin.bin", NULL, NULL);
    continue_until_interrupted(target);
    ck_assert_uint_eq(target->ops->pc(target), 0x1000);  /* jmp to itself: always here */
    stepi_to(target, 0x1000);
    continue_until_interrupted(target);                  /* and again: it can go on */
    close_guest(target);

    /* The guest kernel spinning with its timer on: interrupts arrive, the stop too. */
    target = open_guest("kernel.elf", NULL, "spin");
    continue_until_interrupted(target);
    char *text = info(target, "exits");
    ck_assert_uint_ge(exit_count(text, "interrupts injected"), 1);
    free(text);
    close_guest(target);
}
END_TEST

static vdb_target *alarm_target;

static void on_alarm(int signal_number)
{
    alarm_target->ops->interrupt(alarm_target);  /* what vdb's SIGINT handler does */
}

START_TEST(interrupt_from_a_signal_handler)
{
    vdb_target *target = open_guest("spin.bin", NULL, NULL);
    alarm_target = target;
    struct sigaction action = { .sa_handler = on_alarm }, previous;
    sigemptyset(&action.sa_mask);
    ck_assert_int_eq(sigaction(SIGALRM, &action, &previous), 0);
    struct itimerval in_200_ms = { .it_value = { 0, 200000 } };
    ck_assert_int_eq(setitimer(ITIMER_REAL, &in_200_ms, NULL), 0);
    expect_stop(resume(target, VDB_RESUME_CONTINUE), VDB_STOP_INTERRUPT);
    sigaction(SIGALRM, &previous, NULL);
    ck_assert_uint_eq(target->ops->pc(target), 0x1000);
    close_guest(target);
}
END_TEST

/* ===== the suite ============================================================= */

static Suite *vdb_mhv_suite(void)
{
    Suite *suite = suite_create("vdb_mhv");

    TCase *open = tcase_create("open");
    tcase_set_timeout(open, 60);
    tcase_add_test(open, open_at_the_entry_point);
    tcase_add_test(open, open_real_mode_and_elf);
    tcase_add_test(open, open_errors);
    suite_add_tcase(suite, open);

    TCase *run = tcase_create("run");
    tcase_set_timeout(run, 60);
    tcase_add_test(run, continue_to_the_end);
    tcase_add_test(run, real_mode_and_uart_output);
    tcase_add_test(run, exit_port_and_halt);
    tcase_add_test(run, crash_is_an_error);
    tcase_add_test(run, internal_error_is_an_error);
    tcase_add_test(run, kernel_runs_to_its_exit);
    tcase_add_test(run, step_next_finish_are_refused);
    suite_add_tcase(suite, run);

    TCase *step = tcase_create("step");
    tcase_set_timeout(step, 60);
    tcase_add_test(step, stepi_in_real_mode);
    tcase_add_test(step, stepi_in_long_mode);
    tcase_add_test(step, stepi_to_the_end);
    suite_add_tcase(suite, step);

    TCase *breakpoints = tcase_create("breakpoints");
    tcase_set_timeout(breakpoints, 60);
    tcase_add_loop_test(breakpoints, breakpoint_stops_there, 0, 2);
    tcase_add_loop_test(breakpoints, breakpoint_in_real_mode, 0, 2);
    tcase_add_loop_test(breakpoints, breakpoint_on_a_spin, 0, 2);
    tcase_add_loop_test(breakpoints, guest_int3_with_a_breakpoint, 0, 2);
    tcase_add_test(breakpoints, breakpoint_errors);
    tcase_add_test(breakpoints, resolve_addresses);
    tcase_add_test(breakpoints, breakpoint_route_option);
    suite_add_tcase(suite, breakpoints);

    TCase *registers = tcase_create("registers");
    tcase_set_timeout(registers, 60);
    tcase_add_test(registers, register_table);
    tcase_add_test(registers, register_write_changes_the_exit);
    tcase_add_test(registers, register_write_moves_the_pc);
    tcase_add_test(registers, segment_and_control_registers);
    suite_add_tcase(suite, registers);

    TCase *memory = tcase_create("memory");
    tcase_set_timeout(memory, 60);
    tcase_add_test(memory, virtual_and_physical_memory);
    tcase_add_test(memory, memory_errors);
    tcase_add_test(memory, memory_write_changes_the_guest);
    tcase_add_test(memory, undecodable_bytes);
    suite_add_tcase(suite, memory);

    TCase *exits = tcase_create("exits");
    tcase_set_timeout(exits, 60);
    tcase_add_test(exits, info_exits_counts_them);
    suite_add_tcase(suite, exits);

    TCase *interrupt = tcase_create("interrupt");
    tcase_set_timeout(interrupt, 60);
    tcase_add_test(interrupt, interrupt_from_a_thread);
    tcase_add_test(interrupt, interrupt_from_a_signal_handler);
    suite_add_tcase(suite, interrupt);
    return suite;
}

/* $MHV_GUESTS, else the first folder that holds the images. */
static const char *find_guests(void)
{
    const char *named = getenv("MHV_GUESTS");
    if (named && named[0])
        return named;
    static const char *const places[] = { "guests", "build/release/guest" };
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/hello64.bin", places[i]);
        if (access(path, R_OK) == 0)
            return places[i];
    }
    return NULL;
}

int main(void)
{
    guests = find_guests();
    if (!guests) {
        fprintf(stderr, "test_vdb_mhv: no guest images: set MHV_GUESTS to the folder make builds them in "
                        "(build/release/guest)\n");
        return 1;
    }
    /* One open here, before Check forks a process per test: KVM works, the
     * images are there, and the breakpoint route is probed once, each test
     * inheriting the answer.  The log says whether int3 can be used. */
    char err[VDB_ERR_SIZE] = "";
    char path[512];
    snprintf(path, sizeof path, "%s/hello64.bin", guests);
    vdb_mhv_config config = { .image = path, .mode = "long" };
    vdb_target *target = vdb_mhv_open(&config, err, sizeof err);
    if (!target) {
        fprintf(stderr, "test_vdb_mhv: %s\n", err);
        return 1;
    }
    if (target->ops->set_option(target, "breakpoint-route", "int3", err, sizeof err) == 0)
        fprintf(stderr, "test_vdb_mhv: guests from %s; int3 breakpoints work here\n", guests);
    else
        fprintf(stderr, "test_vdb_mhv: guests from %s; %s\n", guests, err);
    target->ops->destroy(target);

    SRunner *runner = srunner_create(vdb_mhv_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
