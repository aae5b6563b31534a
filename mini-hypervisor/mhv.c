/*
 * mhv.c -- the `mhv` command: run a guest image on KVM.
 *
 * This is the only file of the mini-hypervisor that prints or chooses an
 * exit status; libmhv reports through message buffers.  Everything that
 * can be checked without KVM (flags, the image file, its fit in guest RAM,
 * the ELF headers) is checked before /dev/kvm is opened, so those errors
 * read the same on every machine.
 *
 * Exit statuses (mhv(1); common/exit_status.h defines them):
 *   V    the guest wrote V to port 0xF4
 *   0    the guest halted with nothing left to wake it
 *   123  the guest crashed (triple fault, failed entry, an access to
 *        memory that is neither RAM nor a device, an unhandled exit):
 *        a register dump goes to stderr
 *   124  the guest ran past --timeout
 *   125  mhv could not run it: no /dev/kvm, bad image, bad flags
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include <capstone.h>

#include "exit_status.h"
#include "vmlab_cli.h"
#include "vmlab_paths.h"

#include "boot.h"
#include "console_escape.h"
#include "cpu.h"
#include "image.h"
#include "linux_boot.h"
#include "linux_machine.h"
#include "machine.h"


static const char usage_text[] =
    "usage: mhv run [--mode real|protected|long] [--load ADDR] [--entry ADDR] [--mem MIB]\n"
    "               [--cmdline TEXT] [--timeout SEC] [--stats] IMAGE\n"
    "       mhv run --kernel FILE [--initrd FILE] [--append CMDLINE] [--mem MIB]\n"
    "               [--disk FILE[,ro]]... [--timeout SEC] [--stats]\n"
    "       mhv --help\n";

static const char help_text[] =
    "\n"
    "Runs IMAGE on KVM with --mem MiB of guest RAM (default 16, at most 3072).\n"
    "An ELF image is loaded where its program headers say and entered at its\n"
    "entry point, in protected mode (ELF32, i386) or long mode (ELF64, x86-64).\n"
    "A flat binary is loaded at --load (default 0x1000) and entered at --entry\n"
    "(default the load address), in real mode unless --mode says otherwise.\n"
    "IMAGE is a file, or a guest's name (hello16, kernel) looked up in $VMLAB_GUESTS,\n"
    "the installed guests and the build tree (mhv(1), FILES).\n"
    "In protected and long mode, mhv builds the GDT and identity page tables and\n"
    "passes a boot info block with --cmdline TEXT to the guest (mini-hypervisor/abi/boot.h).\n"
    "\n"
    "--kernel boots Linux (a bzImage, or an ELF vmlinux) through the x86 boot protocol's\n"
    "64-bit entry, with --mem MiB (default 256, at least 128), the --initrd FILE and\n"
    "the kernel command line --append CMDLINE, to which mhv adds console=ttyS0, panic=-1,\n"
    "reboot=k, pci=off and i8042.noaux unless given.  --disk FILE is a virtio-blk disk\n"
    "on a raw image (read-write; FILE,ro read-only), /dev/vda, vdb, ... in order (at most 3).  On a terminal the console is raw: every key goes to\n"
    "the guest; Ctrl-A x quits, Ctrl-A h lists the keys.\n"
    "\n"
    "Devices: a 16550 UART at 0x3F8 (IRQ 4; output to stdout, input from stdin),\n"
    "the debug console port 0xE9 (stdout), the exit port 0xF4, an 8259 PIC at 0x20\n"
    "and an 8254 timer at 0x40 (IRQ 0), an MMIO info device at 0xE0000000.\n"
    "\n"
    "  --timeout SEC  stop the guest after SEC seconds (status 124)\n"
    "  --stats        print VM exits by reason, with the time spent on them, on stderr\n"
    "\n"
    "Exit status: V when the guest writes V to port 0xF4; 0 when it halts with\n"
    "nothing left to wake it (Linux: poweroff), or on Ctrl-A x; 122 when it resets\n"
    "(Linux: reboot); 123 when it crashes (register dump on stderr; Linux: a\n"
    "panic); 124 on --timeout; 125 when mhv cannot run it (bad flags, bad image or\n"
    "kernel, no /dev/kvm).\n";

static int usage_error(const char *format, const char *detail)
{
    fprintf(stderr, "mhv: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\n%s(mhv --help says more)\n", usage_text);
    return VMLAB_EXIT_CANNOT_RUN;
}

static int parse_seconds(const char *text, double *value)
{
    char *end;
    errno = 0;
    double parsed = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(parsed > 0) || parsed > 1e6)
        return -1;
    *value = parsed;
    return 0;
}

struct run_options {
    struct mhv_image_options image;
    uint64_t mem_mib;
    int mem_given;
    int load_given;
    double timeout_seconds;  /* 0: none */
    int stats;
    const char *image_path;
    /* --kernel: a Linux boot instead of an image. */
    const char *kernel_path, *initrd_path, *append;
    const char *disk_specs[MHV_VIRTIO_MAX];   /* --disk FILE[,ro], in order: /dev/vda, vdb, ... */
    size_t disk_count;
};

static void write_to_stdout(void *context, uint8_t byte)
{
    putchar(byte);
}

/* ==== The console of a Linux guest ============================================ */

/* The terminal on stdin in raw mode, as QEMU's -nographic: every key goes
 * to the guest (Ctrl-C too), Ctrl-A is the escape (console_escape.h).
 * Output processing stays on, so mhv's own messages end their lines. */
static struct termios saved_terminal;
static int terminal_is_raw;

static void restore_terminal(void)
{
    if (terminal_is_raw)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
    terminal_is_raw = 0;
}

static void restore_terminal_on_signal(int signal_number)
{
    restore_terminal();
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

static void make_terminal_raw(void)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_terminal) < 0)
        return;
    struct termios raw = saved_terminal;
    cfmakeraw(&raw);
    raw.c_oflag = saved_terminal.c_oflag;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0)
        return;
    terminal_is_raw = 1;
    atexit(restore_terminal);
    signal(SIGTERM, restore_terminal_on_signal);
    signal(SIGHUP, restore_terminal_on_signal);
}

struct linux_console {
    struct mhv_vm *vm;
    struct mhv_console_escape escape;
    struct mhv_linux_console_watch watch;
    int bzimage;          /* the kernel is a bzImage (it has a decompressor) */
    int serial_console;   /* the kernel's console is mhv's UART: --append names no other */
};

/* Does the kernel print on ttyS0?  mhv adds console=ttyS0 unless --append
 * names a console; one that names only others (console=tty0) prints
 * nowhere mhv can see. */
static int console_on_serial(const char *append)
{
    return !mhv_linux_cmdline_has(append, "console=") || mhv_linux_cmdline_has(append, "console=ttyS0");
}

static void linux_console_output(void *context, uint8_t byte)
{
    struct linux_console *console = context;
    mhv_linux_watch_byte(&console->watch, byte);
    putchar(byte);
}

static size_t linux_console_input(void *context, uint8_t *bytes, size_t count)
{
    struct linux_console *console = context;
    size_t kept = mhv_console_escape_filter(&console->escape, bytes, count);
    if (console->escape.help) {
        console->escape.help = 0;
        fprintf(stderr, "\nmhv: console keys: Ctrl-A x quit, Ctrl-A Ctrl-A send Ctrl-A, Ctrl-A h this help\n");
    }
    if (console->escape.quit)
        mhv_vm_request_stop(console->vm);
    return kept;
}

/* When main() began: the start of "time to the first console byte". */
static uint64_t mhv_started_ns;

/* Bytes of guest RAM that are resident (touched): mincore page by page. */
static size_t resident_ram_bytes(const struct mhv_vm *vm)
{
    size_t page = 4096, pages = vm->ram_size / page, resident = 0;
    unsigned char *vector = malloc(pages);
    if (!vector || mincore(vm->ram, vm->ram_size, vector) < 0) {
        free(vector);
        return 0;
    }
    for (size_t i = 0; i < pages; i++)
        resident += vector[i] & 1;
    free(vector);
    return resident * page;
}

static void print_stats(const struct mhv_vm *vm, uint64_t run_ns)
{
    const struct mhv_stats *stats = &vm->stats;
    uint64_t handling = 0;
    for (unsigned i = 0; i < MHV_EXIT_REASON_SLOTS; i++)
        handling += stats->handling_ns[i];
    fprintf(stderr, "mhv: stats: %llu exits in %.6f s (%.0f exits/s); %.6f s in the guest, %.6f s handling exits, "
            "%.6f s waiting at hlt\n",
            (unsigned long long)stats->exits, run_ns / 1e9, run_ns ? stats->exits / (run_ns / 1e9) : 0.0,
            stats->guest_ns / 1e9, handling / 1e9, stats->halt_wait_ns / 1e9);
    fprintf(stderr, "  %-16s %12s %14s %12s\n", "exit reason", "count", "handling (s)", "per exit");
    for (unsigned i = 0; i < MHV_EXIT_REASON_SLOTS; i++) {
        if (stats->by_reason[i] == 0)
            continue;
        fprintf(stderr, "  %-16s %12llu %14.6f %9.2f us\n", mhv_exit_reason_name(i),
                (unsigned long long)stats->by_reason[i], stats->handling_ns[i] / 1e9,
                stats->handling_ns[i] / 1e3 / (double)stats->by_reason[i]);
    }
    fprintf(stderr, "  %-16s %12s\n", "device", "accesses");
    const struct mhv_bus *buses[] = { &vm->ports, &vm->mmio };
    for (size_t b = 0; b < 2; b++)
        for (size_t i = 0; i < buses[b]->count; i++)
            if (buses[b]->ranges[i].accesses)
                fprintf(stderr, "  %-16s %12llu\n", buses[b]->ranges[i].name,
                        (unsigned long long)buses[b]->ranges[i].accesses);
    for (size_t i = 0; i < vm->disk_count; i++) {
        const struct mhv_virtio_blk *disk = &vm->disks[i];
        fprintf(stderr, "  virtio-blk%zu: %llu reads, %llu writes, %llu flushes, %llu I/O errors; "
                "%llu notifies, %llu interrupts%s%s\n", i,
                (unsigned long long)disk->reads, (unsigned long long)disk->writes,
                (unsigned long long)disk->flushes, (unsigned long long)disk->io_errors,
                (unsigned long long)vm->virtio[i].notifies, (unsigned long long)vm->virtio[i].interrupts,
                vm->virtio[i].error[0] ? "; driver error: " : "", vm->virtio[i].error);
    }
    fprintf(stderr, "  interrupts injected: %llu (timer ticks %llu)\n",
            (unsigned long long)stats->interrupts_injected, (unsigned long long)vm->pit.ticks);
    if (stats->first_output_ns)
        fprintf(stderr, "  first console byte: %.3f ms after mhv started (%.3f ms after the VM was created)\n",
                (vm->created_ns - mhv_started_ns + stats->first_output_ns) / 1e6, stats->first_output_ns / 1e6);

    /* Firecracker's yardstick: the VMM's own memory, beyond the guest's. */
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    size_t max_rss = (size_t)usage.ru_maxrss * 1024, guest = resident_ram_bytes(vm);
    fprintf(stderr, "  memory: max RSS %zu KiB, guest RAM touched %zu KiB, mhv's own %zu KiB\n",
            max_rss / 1024, guest / 1024, (max_rss > guest ? max_rss - guest : 0) / 1024);
}

/* The instruction a KVM internal error stopped at, by name (Capstone), when
 * its bytes are known: "mhv: the instruction: movsd xmm0, qword ptr [...]". */
static void print_crash_instruction(const struct mhv_stop *stop)
{
    if (stop->reason != MHV_STOP_CRASHED || stop->code_size == 0)
        return;
    cs_mode mode = stop->code_bits == 64 ? CS_MODE_64 : stop->code_bits == 32 ? CS_MODE_32 : CS_MODE_16;
    csh handle;
    if (cs_open(CS_ARCH_X86, mode, &handle) != CS_ERR_OK)
        return;
    cs_insn *insn;
    if (cs_disasm(handle, stop->code, stop->code_size, stop->code_address, 1, &insn) == 1) {
        fprintf(stderr, "mhv: the instruction: %s%s%s\n", insn[0].mnemonic, insn[0].op_str[0] ? " " : "",
                insn[0].op_str);
        cs_free(insn, 1);
    } else {
        fprintf(stderr, "mhv: the instruction: (not a valid x86 instruction)\n");
    }
    cs_close(&handle);
}

/* Runs a loaded VM to its end and turns the stop into mhv's exit status
 * (mhv(1)).  console is the Linux guest's (NULL for an image): it knows
 * whether the kernel panicked and whether the user quit. */
static int run_to_end(struct mhv_vm *vm, const struct run_options *options, const struct linux_console *console)
{
    char err[512];
    mhv_vm_set_timeout(vm, options->timeout_seconds);

    struct mhv_stop stop;
    int status;
    char registers[1024];
    uint64_t run_started = mhv_now_ns();
    int run_status = mhv_vm_run(vm, &stop, err, sizeof err);
    uint64_t run_ns = mhv_now_ns() - run_started;
    fflush(stdout);
    restore_terminal();
    const char *panic = console && console->watch.panicked ? console->watch.panic : NULL;
    if (run_status < 0) {
        fprintf(stderr, "mhv: %s\n", err);
        status = VMLAB_EXIT_CANNOT_RUN;
    } else if (stop.reason == MHV_STOP_EXIT_PORT) {
        status = stop.exit_value;
    } else if (stop.reason == MHV_STOP_REQUESTED && console && console->escape.quit) {
        fprintf(stderr, "\nmhv: quit (Ctrl-A x)\n");
        status = VMLAB_EXIT_OK;
    } else if (panic && (stop.reason == MHV_STOP_RESET || stop.reason == MHV_STOP_CRASHED)) {
        /* panic=-1 reboots at once: the reset (or a triple fault) that
         * follows the banner is the panic's. */
        fprintf(stderr, "mhv: guest crashed: Linux panicked: %s\n", panic);
        if (strstr(panic, "Unable to mount root fs") && !options->initrd_path)
            fprintf(stderr, "mhv: no --initrd was given, and no disk holds a root file system the kernel "
                            "can mount: give one (scripts/linux-guest/initramfs.sh builds it)\n");
        status = VMLAB_EXIT_GUEST_CRASHED;
    } else if (stop.reason == MHV_STOP_RESET) {
        fprintf(stderr, "mhv: the guest reset itself (a reboot); mhv does not restart it\n");
        status = VMLAB_EXIT_GUEST_RESET;
    } else if (stop.reason == MHV_STOP_HALTED && console && vm->stats.first_output_ns == 0 &&
               !console->serial_console) {
        fprintf(stderr, "mhv: the guest halted, and printed nothing on the console: --append names a console "
                        "other than ttyS0, mhv's UART\n");
        status = VMLAB_EXIT_OK;
    } else if (stop.reason == MHV_STOP_HALTED && console && vm->stats.first_output_ns == 0 && console->bzimage) {
        fprintf(stderr, "mhv: the kernel halted before it printed anything: a bzImage's decompressor "
                        "stops this way when the compressed kernel is corrupt (--append earlyprintk=serial "
                        "shows its message)\n");
        status = VMLAB_EXIT_CANNOT_RUN;
    } else if (stop.reason == MHV_STOP_HALTED) {
        status = VMLAB_EXIT_OK;
    } else if (stop.reason == MHV_STOP_TIMEOUT) {
        mhv_cpu_format_registers(vm, registers, sizeof registers);
        fprintf(stderr, "mhv: timeout: the guest was still running after %g s\n%s",
                options->timeout_seconds, registers);
        status = VMLAB_EXIT_TIMEOUT;
    } else {
        mhv_cpu_format_registers(vm, registers, sizeof registers);
        fprintf(stderr, "mhv: guest crashed: %s\n",
                stop.reason == MHV_STOP_CRASHED ? stop.description : "it stopped for the debugger");
        print_crash_instruction(&stop);
        if (stop.reason == MHV_STOP_CRASHED && stop.cause[0])
            fprintf(stderr, "mhv: likely cause: %s\n", stop.cause);
        fputs(registers, stderr);
        status = VMLAB_EXIT_GUEST_CRASHED;
    }
    if ((fflush(stdout) != 0 || ferror(stdout)) && status == 0) {
        fprintf(stderr, "mhv: cannot write the guest's output: %s\n", strerror(errno));
        status = VMLAB_EXIT_CANNOT_RUN;
    }
    if (options->stats)
        print_stats(vm, run_ns);
    return status;
}

static int run_image(const struct run_options *options)
{
    char err[512];
    size_t ram_size = (size_t)options->mem_mib << 20;

    size_t image_size = 0;
    uint8_t *image = NULL;
    struct mhv_image_plan plan;
    if (mhv_image_read_and_plan(options->image_path, ram_size, &options->image, &image, &image_size, &plan,
                                err, sizeof err) < 0) {
        fprintf(stderr, "mhv: %s\n", err);
        return VMLAB_EXIT_CANNOT_RUN;
    }

    struct mhv_vm vm;
    struct mhv_vm_config config = {
        .ram_size = ram_size, .output = write_to_stdout, .input_fd = 0,
    };
    if (mhv_vm_create(&vm, &config, err, sizeof err) < 0 ||
        mhv_image_load(&vm, image, image_size, &plan, options->image.cmdline, err, sizeof err) < 0) {
        fprintf(stderr, "mhv: %s\n", err);
        mhv_vm_destroy(&vm);
        free(image);
        return VMLAB_EXIT_CANNOT_RUN;
    }
    free(image);
    int status = run_to_end(&vm, options, NULL);
    mhv_vm_destroy(&vm);
    return status;
}

/* mhv run --kernel: the machine (linux_machine.h: every check before KVM
 * opens), then the boot with the console on the terminal. */
static int run_linux(const struct run_options *options)
{
    char err[1024];
    struct mhv_linux_files files = {
        .kernel_path = options->kernel_path, .initrd_path = options->initrd_path, .append = options->append,
        .disk_count = options->disk_count, .ram_size = (size_t)options->mem_mib << 20,
        .on_kvm_hint = "scripts/on-kvm bin/mhv run --kernel ...",
    };
    memcpy(files.disk_specs, options->disk_specs, sizeof files.disk_specs);
    static struct mhv_vm vm;
    static struct linux_console console;
    console = (struct linux_console){ .vm = &vm };
    struct mhv_vm_config config = {
        .ram_size = files.ram_size, .output = linux_console_output, .output_context = &console,
        .input_fd = STDIN_FILENO, .input_filter = linux_console_input, .input_filter_context = &console,
    };
    struct mhv_linux_plan plan;
    if (mhv_linux_machine_create(&vm, &config, &files, &plan, err, sizeof err) < 0) {
        fprintf(stderr, "mhv: %s\n", err);
        return VMLAB_EXIT_CANNOT_RUN;
    }
    console.bzimage = plan.format == MHV_LINUX_BZIMAGE;
    console.serial_console = console_on_serial(options->append);
    make_terminal_raw();
    int status = run_to_end(&vm, options, &console);
    mhv_vm_destroy(&vm);
    return status;
}

static int parse_mode(const char *text, enum mhv_mode *mode)
{
    static const enum mhv_mode modes[] = { MHV_MODE_REAL, MHV_MODE_PROTECTED, MHV_MODE_LONG };
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(text, mhv_mode_name(modes[i])) == 0) {
            *mode = modes[i];
            return 0;
        }
    }
    return -1;
}

static int command_run(int argc, char **argv)
{
    struct run_options options = {
        .image = { .load_addr = MHV_DEFAULT_LOAD_ADDR, .cmdline = "" },
        .mem_mib = MHV_DEFAULT_MEM_MIB,
    };
    char problem[128];
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char *value;
        if (vmlab_flag_value(argc, argv, &i, "--mode", &value)) {
            if (!value)
                return usage_error("%s needs a value", "--mode");
            if (parse_mode(value, &options.image.mode) < 0)
                return usage_error("--mode %s: expected real, protected or long", value);
            options.image.mode_given = 1;
        } else if (vmlab_flag_value(argc, argv, &i, "--load", &value)) {
            if (!value || !vmlab_parse_u64(value, 0, &options.image.load_addr))
                return usage_error("--load needs an address (like 0x1000), not '%s'", value ? value : "");
            options.load_given = 1;
        } else if (vmlab_flag_value(argc, argv, &i, "--entry", &value)) {
            if (!value || !vmlab_parse_u64(value, 0, &options.image.entry))
                return usage_error("--entry needs an address (like 0x1000), not '%s'", value ? value : "");
            options.image.entry_given = 1;
        } else if (vmlab_flag_value(argc, argv, &i, "--mem", &value)) {
            if (!value || !vmlab_parse_u64(value, 0, &options.mem_mib) ||
                options.mem_mib < 1 || options.mem_mib > MHV_MAX_RAM_MIB)
                return usage_error("--mem needs a size in MiB from 1 to 3072, not '%s'", value ? value : "");
            options.mem_given = 1;
        } else if (vmlab_flag_value(argc, argv, &i, "--cmdline", &value)) {
            if (!value)
                return usage_error("%s needs a value", "--cmdline");
            if (strlen(value) > MHV_CMDLINE_MAX)
                return usage_error("--cmdline: longer than the %s bytes a guest gets", "3000");
            options.image.cmdline = value;
        } else if (vmlab_flag_value(argc, argv, &i, "--timeout", &value)) {
            if (!value || parse_seconds(value, &options.timeout_seconds) < 0)
                return usage_error("--timeout needs a number of seconds above 0, not '%s'", value ? value : "");
        } else if (vmlab_flag_once(argc, argv, &i, "--kernel", "a file (a bzImage or a vmlinux)",
                                   &options.kernel_path, problem, sizeof problem) ||
                   vmlab_flag_once(argc, argv, &i, "--initrd", "a file", &options.initrd_path, problem, sizeof problem) ||
                   vmlab_flag_once(argc, argv, &i, "--append", "the kernel command line", &options.append,
                                   problem, sizeof problem)) {
            if (problem[0])
                return usage_error("%s", problem);
        } else if (vmlab_flag_value(argc, argv, &i, "--disk", &value)) {
            if (!value)
                return usage_error("%s needs FILE[,ro]", "--disk");
            if (options.disk_count == MHV_VIRTIO_MAX)
                return usage_error("--disk %s: at most 3 disks", value);
            options.disk_specs[options.disk_count++] = value;
        } else if (strcmp(arg, "--stats") == 0) {
            options.stats = 1;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return usage_error("unknown flag %s", arg);
        } else if (options.image_path) {
            return usage_error("one too many images: %s", arg);
        } else {
            options.image_path = arg;
        }
    }
    if (options.kernel_path) {
        if (options.image_path)
            return usage_error("--kernel boots Linux instead of an IMAGE: give one or the other, not '%s' too",
                               options.image_path);
        if (options.image.mode_given || options.image.entry_given || options.load_given || options.image.cmdline[0])
            return usage_error("%s", "--mode, --load, --entry and --cmdline are for an IMAGE; "
                                     "a Linux kernel takes --initrd and --append");
        if (!options.mem_given)
            options.mem_mib = MHV_LINUX_DEFAULT_RAM_MIB;
        return run_linux(&options);
    }
    if (options.initrd_path || options.append)
        return usage_error("%s", "--initrd and --append go with --kernel");
    if (options.disk_count)
        return usage_error("%s", "--disk goes with --kernel (a Linux guest's virtio disk)");
    if (!options.image_path)
        return usage_error("%s", "missing IMAGE (or --kernel FILE)");
    /* A guest's name (hello16, kernel) is looked up: vmlab_paths.h. */
    static char image_path[VMLAB_PATH_MAX];
    char lookup_err[VMLAB_GUEST_ERR_SIZE];
    options.image_path = vmlab_guest_image(options.image_path, image_path, sizeof image_path,
                                           lookup_err, sizeof lookup_err);
    if (!options.image_path) {
        fprintf(stderr, "mhv: %s\n", lookup_err);
        return VMLAB_EXIT_CANNOT_RUN;
    }
    return run_image(&options);
}

int main(int argc, char **argv)
{
    mhv_started_ns = mhv_now_ns();
    /* A closed stdout is an error we report, not a signal that kills us. */
    signal(SIGPIPE, SIG_IGN);
    /* Line by line: a guest that prints, then runs a long time, shows it. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2)
        return usage_error("%s", "missing command");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        fputs(help_text, stdout);
        return 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return command_run(argc, argv);
    return usage_error("unknown command '%s'", argv[1]);
}
