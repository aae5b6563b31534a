/*
 * main.c -- the `mhv` command: run a guest image on KVM.
 *
 * This is the only file of the mini-hypervisor that prints or chooses an
 * exit status; libmhv (kvm.c, vm.c) reports through message buffers.
 * Everything that can be checked without KVM (flags, the image file, its
 * fit in guest RAM) is checked before /dev/kvm is opened, so those errors
 * read the same on every machine.
 *
 * Exit statuses (DESIGN.md):
 *   V    the guest wrote V to port 0xF4
 *   0    the guest halted with nothing left to wake it
 *   123  the guest crashed (triple fault, failed entry, unhandled exit):
 *        a register dump goes to stderr
 *   124  timeout (not implemented yet: --timeout is refused)
 *   125  mhv could not run it: no /dev/kvm, bad image, bad flags
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

#define EXIT_GUEST_HALTED 0
#define EXIT_GUEST_CRASHED 123
#define EXIT_CANNOT_RUN 125

#define MHV_MAX_MEM_MIB 4096

static const char usage_text[] =
    "usage: mhv run [--mode real] [--load ADDR] [--entry ADDR] [--mem MIB] IMAGE\n"
    "       mhv --help\n"
    "\n"
    "Runs IMAGE, a flat binary, on KVM: loaded at --load (default 0x1000) into\n"
    "--mem MiB of guest RAM (default 2), entered at --entry (default the load\n"
    "address) in real mode.  Ports 0xE9 and 0x3F8 print to stdout; a byte V\n"
    "written to port 0xF4 ends the guest and mhv exits with status V.\n"
    "\n"
    "Exit status: V from port 0xF4; 0 when the guest halts; 123 when it crashes\n"
    "(register dump on stderr); 125 when mhv cannot run it.\n"
    "Not yet: --mode protected|long, ELF images, --timeout, --stats.\n";

static int usage_error(const char *format, const char *detail)
{
    fprintf(stderr, "mhv: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\n%s", usage_text);
    return EXIT_CANNOT_RUN;
}

static int parse_number(const char *text, uint64_t *value)
{
    char *end;
    errno = 0;
    if (text[0] == '-' || text[0] == '\0')
        return -1;
    unsigned long long parsed = strtoull(text, &end, 0);
    if (errno != 0 || *end != '\0')
        return -1;
    *value = parsed;
    return 0;
}

struct run_options {
    uint64_t load_addr;
    uint64_t entry;
    int entry_given;
    uint64_t mem_mib;
    const char *image_path;
};

/* Reads a whole file (at most max_size bytes, else *too_big is set). */
static uint8_t *read_image(const char *path, size_t max_size, size_t *size, int *too_big)
{
    *too_big = 0;
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    uint8_t *data = malloc(max_size + 1);
    if (!data) {
        fclose(file);
        errno = ENOMEM;
        return NULL;
    }
    size_t got = fread(data, 1, max_size + 1, file);
    int read_error = ferror(file);
    fclose(file);
    if (read_error) {
        free(data);
        errno = EIO;
        return NULL;
    }
    if (got > max_size)
        *too_big = 1;
    *size = got;
    return data;
}

static void write_to_stdout(void *context, uint8_t byte)
{
    putchar(byte);
}

static int run_image(const struct run_options *options)
{
    char err[512];
    size_t ram_size = (size_t)options->mem_mib << 20;
    uint64_t entry = options->entry_given ? options->entry : options->load_addr;

    size_t image_size = 0;
    int too_big = 0;
    uint8_t *image = read_image(options->image_path, ram_size, &image_size, &too_big);
    if (!image) {
        fprintf(stderr, "mhv: cannot read the image %s: %s\n", options->image_path, strerror(errno));
        return EXIT_CANNOT_RUN;
    }
    if (too_big) {
        fprintf(stderr, "mhv: %s: the image is bigger than guest RAM (%llu MiB): give more with --mem\n",
                options->image_path, (unsigned long long)options->mem_mib);
        free(image);
        return EXIT_CANNOT_RUN;
    }
    if (image_size >= 4 && memcmp(image, "\177ELF", 4) == 0) {
        fprintf(stderr, "mhv: %s: ELF images are not supported yet: give a flat binary\n",
                options->image_path);
        free(image);
        return EXIT_CANNOT_RUN;
    }
    if (mhv_vm_image_fits(options->load_addr, image_size, ram_size, err, sizeof err) < 0) {
        fprintf(stderr, "mhv: %s: %s\n", options->image_path, err);
        free(image);
        return EXIT_CANNOT_RUN;
    }

    struct mhv_vm vm;
    struct mhv_console console = { .write_byte = write_to_stdout, .context = NULL };
    if (mhv_vm_create(&vm, ram_size, console, err, sizeof err) < 0 ||
        mhv_vm_load_flat(&vm, image, image_size, options->load_addr, err, sizeof err) < 0 ||
        mhv_vm_setup_real_mode(&vm, options->load_addr, entry, err, sizeof err) < 0) {
        fprintf(stderr, "mhv: %s\n", err);
        mhv_vm_destroy(&vm);
        free(image);
        return EXIT_CANNOT_RUN;
    }
    free(image);

    struct mhv_stop stop;
    int status;
    if (mhv_vm_run(&vm, &stop, err, sizeof err) < 0) {
        fflush(stdout);
        fprintf(stderr, "mhv: %s\n", err);
        status = EXIT_CANNOT_RUN;
    } else if (stop.reason == MHV_STOP_EXIT_PORT) {
        status = stop.exit_value;
    } else if (stop.reason == MHV_STOP_HALTED) {
        status = EXIT_GUEST_HALTED;
    } else {
        char registers[1024];
        fflush(stdout);
        mhv_vm_format_registers(&vm, registers, sizeof registers);
        fprintf(stderr, "mhv: guest crashed: %s\n%s", stop.description, registers);
        status = EXIT_GUEST_CRASHED;
    }
    mhv_vm_destroy(&vm);
    if (fflush(stdout) != 0 && status == 0)
        status = EXIT_CANNOT_RUN;
    return status;
}

/* The value of --flag VALUE or --flag=VALUE; advances *i past it. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
    size_t length = strlen(flag);
    if (argv[*i][length] == '=')
        return argv[*i] + length + 1;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static int flag_is(const char *arg, const char *flag)
{
    size_t length = strlen(flag);
    return strncmp(arg, flag, length) == 0 && (arg[length] == '\0' || arg[length] == '=');
}

static int command_run(int argc, char **argv)
{
    struct run_options options = {
        .load_addr = MHV_DEFAULT_LOAD_ADDR,
        .mem_mib = MHV_DEFAULT_MEM_MIB,
    };
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char *value;
        if (flag_is(arg, "--timeout") || flag_is(arg, "--stats"))
            return usage_error("%s: not implemented yet", arg);
        if (flag_is(arg, "--mode")) {
            if (!(value = flag_value(argc, argv, &i, "--mode")))
                return usage_error("%s needs a value", "--mode");
            if (strcmp(value, "protected") == 0 || strcmp(value, "long") == 0)
                return usage_error("--mode %s: not implemented yet (only real mode)", value);
            if (strcmp(value, "real") != 0)
                return usage_error("--mode %s: expected real, protected or long", value);
        } else if (flag_is(arg, "--load")) {
            if (!(value = flag_value(argc, argv, &i, "--load")) || parse_number(value, &options.load_addr) < 0)
                return usage_error("--load needs an address (like 0x1000), not '%s'", value ? value : "");
        } else if (flag_is(arg, "--entry")) {
            if (!(value = flag_value(argc, argv, &i, "--entry")) || parse_number(value, &options.entry) < 0)
                return usage_error("--entry needs an address (like 0x1000), not '%s'", value ? value : "");
            options.entry_given = 1;
        } else if (flag_is(arg, "--mem")) {
            if (!(value = flag_value(argc, argv, &i, "--mem")) || parse_number(value, &options.mem_mib) < 0 ||
                options.mem_mib < 1 || options.mem_mib > MHV_MAX_MEM_MIB)
                return usage_error("--mem needs a size in MiB from 1 to 4096, not '%s'", value ? value : "");
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return usage_error("unknown flag %s", arg);
        } else if (options.image_path) {
            return usage_error("one too many images: %s", arg);
        } else {
            options.image_path = arg;
        }
    }
    if (!options.image_path)
        return usage_error("%s", "missing IMAGE");
    return run_image(&options);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "missing command");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return command_run(argc, argv);
    return usage_error("unknown command '%s'", argv[1]);
}
