/*
 * vdb.c -- the vdb command: pick a target from the arguments, make a
 * session, and run it in the TUI or in batch mode.
 *
 *   vdb [--jit=off|on|always] PROGRAM              a Vela program on bvm
 *   vdb --hv [--mode M] [--load A] [--entry A] [--mem MIB] [--cmdline T] [--symbols ELF] IMAGE
 *                                an ELF image (or the --symbols ELF of a
 *                                flat one) gives the session the DWARF
 *                                layer: symbols, and with DWARF source
 *                                lines, frames, variables (target.h's
 *                                vdb_dwarf_wrap)
 *   vdb --hv --kernel K [--initrd I] [--append T] [--disk F[,ro]]... [--mem MIB] [--symbols MAP]
 *                                a Linux guest, the machine `mhv run
 *                                --kernel` boots (vmm/linux_machine.h),
 *                                with nokaslr added; its symbols from a
 *                                System.map (symbol_map.h)
 *   ... --batch [-x SCRIPT]...   no TUI: run the scripts' commands (or
 *                                stdin's), print everything as text
 *   vdb [--hv] --gdbserver PORT|- FILE   serve the real gdb instead
 *                                (gdbserver.h; - is stdin/stdout, for
 *                                gdb's `target remote | vdb ...`)
 *   vdb --remote HOST:PORT [IMAGE]   debug a machine that a server of gdb's
 *                                protocol runs (vdb --gdbserver, QEMU's
 *                                gdbstub): target_remote.c
 *
 * Batch mode writes one transcript on stdout, in order: each command after
 * "(vdb) ", its answer, the program's output, errors ("error: ...").
 *
 * Exit status: 0 the commands ran (or quit); 1 a command failed in batch
 * mode (the others still ran); 2 usage error; 65 the program could not be
 * loaded (as bvm); 66 a script could not be read; 125 the hypervisor could
 * not run the image (as mhv), or the remote could not be reached or does
 * not speak gdb's protocol.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exit_status.h"
#include "vmlab_cli.h"
#include "vmlab_paths.h"

#include "dispatch.h"
#include "gdbserver.h"
#include "session.h"
#include "target.h"
#include "tui.h"

#define MAX_SCRIPTS 16

static const char usage_text[] =
    "usage: vdb [options] PROGRAM           debug a Vela program (source, .vasm or bytecode) on bvm\n"
    "       vdb --hv [options] IMAGE        debug a guest image (ELF or flat) on mhv\n"
    "                                       (a file, or a guest's name as for `mhv run`: hello16)\n"
    "       vdb --hv [options] --kernel FILE  debug a Linux guest on mhv, as `mhv run --kernel` boots it\n"
    "       vdb --remote HOST:PORT [IMAGE]  debug a machine that a gdb server runs: vdb --gdbserver\n"
    "                                       (scripts/on-kvm runs one in the sandbox), QEMU's -s\n"
    "\n"
    "options:\n"
    "  --batch             no TUI: run the commands of the -x scripts (or of stdin), print as text\n"
    "  -x SCRIPT           run the commands in SCRIPT first (several -x run in order)\n"
    "  --jit=off|on|always the bytecode VM's JIT at the start (default off; `jit on|off` changes it)\n"
    "  --mode real|protected|long, --load ADDR, --entry ADDR, --mem MIB, --cmdline TEXT\n"
    "                      the hypervisor's, as for `mhv run`\n"
    "  --kernel FILE, --initrd FILE, --append CMDLINE, --disk FILE[,ro]\n"
    "                      a Linux guest, as for `mhv run --kernel`; vdb adds nokaslr to the command\n"
    "                      line unless it names kaslr or nokaslr, so the kernel runs where its\n"
    "                      System.map says\n"
    "  --symbols FILE      the hypervisor: the symbols (and DWARF) of a flat IMAGE, from the ELF it\n"
    "                      was made of (an ELF IMAGE brings its own); or a System.map (ADDRESS TYPE\n"
    "                      NAME lines, told apart by its text), such as the Linux kernel's\n"
    "                      build/sandbox/kernel/System.map-nokaslr (scripts/linux-guest/system-map.sh)\n"
    "  --gdbserver PORT|-  serve gdb's remote protocol on 127.0.0.1:PORT, or on stdin/stdout for\n"
    "                      gdb's `target remote | vdb [--hv] --gdbserver - FILE`\n"
    "  --remote HOST:PORT  be the client instead: the machine runs in the server (:PORT is\n"
    "                      127.0.0.1:PORT); IMAGE, the ELF it runs, is for its symbols\n"
    "  --help              this text\n"
    "\n"
    "exit status: 0 ok, 1 a command failed in batch mode, 2 usage error, 65 the program could not be\n"
    "             loaded, 66 a script could not be read, 125 the hypervisor could not run the image\n"
    "             (--remote: the remote could not be reached, or does not speak gdb's protocol)\n";

typedef struct {
    bool hv, batch;
    const char *gdbserver;   /* a port, or "-" for stdin/stdout */
    const char *remote;      /* HOST:PORT of a gdb server to be the client of */
    bool remote_opened;      /* its one connection is made: no second (run again) */
    const char *scripts[MAX_SCRIPTS];
    int nscripts;
    vdb_bvm_config bvm;
    vdb_mhv_config mhv;
    const char *file;
    const char *symbols;     /* --symbols ELF, or NULL */
} options;

#define usage_error(...) vmlab_usage_error("vdb", __VA_ARGS__)

/* --kernel, --initrd, --append or --disk: a Linux guest's flags. */
static bool linux_flags(const options *o)
{
    return o->mhv.kernel || o->mhv.initrd || o->mhv.append || o->mhv.disk_count;
}

static int parse_options(int argc, char **argv, options *o)
{
    char problem[128];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        uint64_t n;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            exit(0);
        } else if (strcmp(a, "--hv") == 0) {
            o->hv = true;
        } else if (strcmp(a, "--batch") == 0) {
            o->batch = true;
        } else if (strcmp(a, "-x") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a script file", a);
            if (o->nscripts == MAX_SCRIPTS)
                return usage_error("at most 16 scripts (%s)", a);
            o->scripts[o->nscripts++] = argv[++i];
        } else if (vmlab_flag_value(argc, argv, &i, "--gdbserver", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (strcmp(v, "-") != 0 && (!vmlab_parse_u64(v, 0, &n) || n == 0 || n > 65535))
                return usage_error("--gdbserver takes a port (1-65535) or -, not '%s'", v);
            o->gdbserver = v;
        } else if (vmlab_flag_value(argc, argv, &i, "--remote", &v)) {
            if (!v || !*v)
                return usage_error("%s needs HOST:PORT (e.g. localhost:1234, or :1234)", a);
            if (!strchr(v, ':'))
                return usage_error("--remote takes HOST:PORT (e.g. localhost:1234, or :1234), not '%s'", v);
            o->remote = v;
        } else if (vmlab_flag_value(argc, argv, &i, "--jit", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            o->bvm.jit = v;
        } else if (vmlab_flag_value(argc, argv, &i, "--mode", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            o->mhv.mode = v;
        } else if (vmlab_flag_value(argc, argv, &i, "--load", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (!vmlab_parse_u64(v, 0, &o->mhv.load))
                return usage_error("--load takes an address, not '%s'", v);
        } else if (vmlab_flag_value(argc, argv, &i, "--entry", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (!vmlab_parse_u64(v, 0, &o->mhv.entry))
                return usage_error("--entry takes an address, not '%s'", v);
        } else if (vmlab_flag_value(argc, argv, &i, "--mem", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (!vmlab_parse_u64(v, 0, &n) || n == 0 || n > 3072)
                return usage_error("--mem takes MiB from 1 to 3072, not '%s'", v);
            o->mhv.mem_mib = (unsigned)n;
        } else if (vmlab_flag_value(argc, argv, &i, "--symbols", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            o->symbols = v;
        } else if (vmlab_flag_once(argc, argv, &i, "--kernel", "a file (a bzImage or a vmlinux)", &o->mhv.kernel,
                                   problem, sizeof problem) ||
                   vmlab_flag_once(argc, argv, &i, "--initrd", "a file", &o->mhv.initrd, problem, sizeof problem) ||
                   vmlab_flag_once(argc, argv, &i, "--append", "the kernel command line", &o->mhv.append,
                                   problem, sizeof problem)) {
            /* mhv's flags, in mhv's words (vmlab_flag_once) */
            if (problem[0])
                return usage_error("%s", problem);
        } else if (vmlab_flag_value(argc, argv, &i, "--disk", &v)) {
            if (!v)
                return usage_error("%s needs FILE[,ro]", "--disk");
            if (o->mhv.disk_count == sizeof o->mhv.disks / sizeof o->mhv.disks[0])
                return usage_error("--disk %s: at most 3 disks", v);
            o->mhv.disks[o->mhv.disk_count++] = v;
        } else if (vmlab_flag_value(argc, argv, &i, "--cmdline", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            o->mhv.cmdline = v;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (o->file) {
            return usage_error("one program or image at a time ('%s' is one too many)", a);
        } else {
            o->file = a;
        }
    }
    if (o->remote) {
        /* The machine is the server's: its flags go to the server. */
        if (o->gdbserver)
            return usage_error("%s", "--remote and --gdbserver: vdb is the client or the server, not both");
        if (o->bvm.jit || o->mhv.mode || o->mhv.load || o->mhv.entry || o->mhv.mem_mib || o->mhv.cmdline ||
            linux_flags(o))
            return usage_error("%s", "--jit, --mode, --load, --entry, --mem, --cmdline, --kernel, --initrd, "
                                     "--append and --disk are the server's with --remote: give them to the "
                                     "vdb --gdbserver that runs the machine");
        o->hv = true;  /* a machine, with images named as for --hv */
        o->mhv.image = o->file;
        return 0;
    }
    if (!o->hv && (o->mhv.mode || o->mhv.load || o->mhv.entry || o->mhv.mem_mib || o->mhv.cmdline || o->symbols ||
                   linux_flags(o)))
        return usage_error("%s", "--mode, --load, --entry, --mem, --cmdline, --kernel, --initrd, --append, --disk "
                                 "and --symbols are for the hypervisor (--hv)");
    /* A Linux guest: the combinations mhv run refuses, in its words. */
    if (o->mhv.kernel) {
        if (o->file)
            return usage_error("--kernel boots Linux instead of an IMAGE: give one or the other, not '%s' too",
                               o->file);
        if (o->mhv.mode || o->mhv.load || o->mhv.entry || o->mhv.cmdline)
            return usage_error("%s", "--mode, --load, --entry and --cmdline are for an IMAGE; "
                                     "a Linux kernel takes --initrd and --append");
    } else if (o->mhv.initrd || o->mhv.append) {
        return usage_error("%s", "--initrd and --append go with --kernel");
    } else if (o->mhv.disk_count) {
        return usage_error("%s", "--disk goes with --kernel (a Linux guest's virtio disk)");
    }
    if (!o->file && !o->mhv.kernel)
        return usage_error("%s", o->hv ? "which image? (vdb --hv IMAGE, or vdb --hv --kernel FILE)"
                                       : "which program? (vdb PROGRAM)");
    if (o->hv && o->bvm.jit)
        return usage_error("%s", "--jit is for the bytecode VM, not the hypervisor (--hv)");
    if (o->gdbserver && (o->batch || o->nscripts))
        return usage_error("%s", "--gdbserver takes no --batch or -x: gdb gives the commands");
    o->bvm.program = o->file;
    o->mhv.image = o->file;
    return 0;
}

/* The remote target, over its one connection. */
static vdb_target *open_remote(options *o, char *err, size_t err_size)
{
    if (o->remote_opened) {
        snprintf(err, err_size, "the remote target cannot start the program again (the server ran it once); "
                 "quit, and start the server and vdb again");
        return NULL;
    }
    vdb_remote_config config = { .address = o->remote };
    vdb_target *t = vdb_remote_open(&config, err, err_size);
    o->remote_opened = t != NULL;
    return t;
}

static bool is_elf(const char *path)
{
    unsigned char magic[4] = { 0 };
    FILE *f = path ? fopen(path, "rb") : NULL;
    bool elf = f && fread(magic, 1, sizeof magic, f) == sizeof magic && memcmp(magic, "\177ELF", 4) == 0;
    if (f)
        fclose(f);
    return elf;
}

/* The machine-level target alone: what the gdb server serves. */
static vdb_target *open_machine(options *o, char *err, size_t err_size)
{
    if (o->remote)
        return open_remote(o, err, err_size);
    return o->hv ? vdb_mhv_open(&o->mhv, err, err_size) : vdb_bvm_open(&o->bvm, err, err_size);
}

/* A session's target: on the hypervisor or a remote machine, with the
 * DWARF layer over it when the image is an ELF or --symbols names one.  An
 * ELF image whose symbols cannot be read still runs, without them (a
 * warning says why); an unreadable --symbols file is an error. */
static vdb_target *open_target(void *context, char *err, size_t err_size)
{
    options *o = context;
    char why[VDB_ERR_SIZE];
    if (o->symbols && vdb_dwarf_check(o->symbols, why, sizeof why) != 0) {
        snprintf(err, err_size, "--symbols %s: %s", o->symbols, why);
        return NULL;
    }
    vdb_target *t = open_machine(o, err, err_size);
    /* A Linux kernel's symbols come from --symbols alone (a System.map):
     * Debian's vmlinux has no symbol table. */
    const char *elf = o->symbols ? o->symbols : o->hv && !o->mhv.kernel && is_elf(o->mhv.image) ? o->mhv.image : NULL;
    if (!t || !o->hv || !elf)
        return t;
    vdb_target *wrapped = vdb_dwarf_wrap(t, elf, why, sizeof why);
    if (wrapped)
        return wrapped;
    if (o->symbols) {
        t->ops->destroy(t);
        snprintf(err, err_size, "--symbols %s: %s", o->symbols, why);
        return NULL;
    }
    static bool warned;  /* once, not again at each `run` */
    if (!warned)
        fprintf(stderr, "vdb: warning: no symbols: %s\n", why);
    warned = true;
    return t;
}

/* ---- batch mode ---- */

static void batch_write(void *context, vdb_stream stream, const char *text, size_t len)
{
    fwrite(text, 1, len, stdout);
    if (stream == VDB_OUT_PROGRAM || stream == VDB_OUT_ERROR)
        fflush(stdout);
}

static const vdb_sink batch_sink = { batch_write, NULL };

static vdb_session *current_session;

static void on_interrupt(int signo)
{
    (void)signo;
    if (current_session)
        vdb_session_interrupt(current_session);
}

/* Runs the commands of one stream, echoing each after "(vdb) " in batch
 * mode.  Returns 0, or 1 if a command failed; *quit is set by quit. */
static int run_commands(vdb_session *s, FILE *in, bool echo, bool *quit)
{
    int status = 0;
    char *line = NULL;
    size_t capacity = 0;
    ssize_t len;
    while (!*quit && (len = getline(&line, &capacity, in)) > 0) {
        if (memchr(line, '\0', (size_t)len)) {
            if (echo)
                printf("error: a command line holds a NUL byte\n");
            status = 1;
            continue;
        }
        line[strcspn(line, "\r\n")] = '\0';
        const char *first = line + strspn(line, " \t");
        if (*first == '\0' || *first == '#')
            continue; /* blank lines and comments: not commands, not echoed */
        if (echo)
            printf("(vdb) %s\n", line);
        vdb_exec_result r = vdb_session_execute(s, line);
        if (r == VDB_EXEC_ERROR)
            status = 1;
        if (r == VDB_EXEC_QUIT)
            *quit = true;
        if (echo)
            fflush(stdout);
    }
    free(line);
    return status;
}

static int run_batch(vdb_session *s, const options *o)
{
    int status = 0;
    bool quit = false;
    for (int i = 0; i < o->nscripts && !quit; i++) {
        FILE *in = fopen(o->scripts[i], "r");
        if (!in) {
            fprintf(stderr, "vdb: cannot read the script %s: %s\n", o->scripts[i], strerror(errno));
            return VMLAB_EXIT_NO_INPUT;
        }
        status |= run_commands(s, in, true, &quit);
        fclose(in);
    }
    if (o->nscripts == 0)
        status |= run_commands(s, stdin, true, &quit);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "vdb: cannot write to stdout: %s\n", strerror(errno ? errno : EIO));
        return VMLAB_EXIT_OUTPUT;
    }
    return status;
}

int main(int argc, char **argv)
{
    static options o;
    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc;
    for (int i = 0; i < o.nscripts; i++) {
        if (access(o.scripts[i], R_OK) != 0) {
            fprintf(stderr, "vdb: cannot read the script %s: %s\n", o.scripts[i], strerror(errno));
            return VMLAB_EXIT_NO_INPUT;
        }
    }
    if (!o.batch && !o.gdbserver && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "vdb: the TUI needs a terminal; without one, use --batch [-x SCRIPT]\n");
        return VMLAB_EXIT_USAGE;
    }
    /* A guest's name (hello16, kernel) is looked up, as by mhv: vmlab_paths.h. */
    static char image_path[VMLAB_PATH_MAX];
    char lookup_err[VMLAB_GUEST_ERR_SIZE];
    if (o.hv && o.file &&
        !(o.mhv.image = vmlab_guest_image(o.file, image_path, sizeof image_path, lookup_err, sizeof lookup_err))) {
        fprintf(stderr, "vdb: %s\n", lookup_err);
        return VMLAB_EXIT_CANNOT_RUN;
    }
    char err[VDB_ERR_SIZE];
    vdb_target *t = o.gdbserver ? open_machine(&o, err, sizeof err) : open_target(&o, err, sizeof err);
    if (!t) {
        fprintf(stderr, "%s%s\n", o.hv ? "vdb: " : "", err);
        return o.hv ? VMLAB_EXIT_CANNOT_RUN : VMLAB_EXIT_DATA;
    }
    if (o.gdbserver) {
        /* gdb drives the target itself: no session, no TUI. */
        int served = strcmp(o.gdbserver, "-") == 0
                     ? vdb_gdbserver_serve(t, STDIN_FILENO, STDOUT_FILENO, stderr, err, sizeof err)
                     : vdb_gdbserver_listen(t, atoi(o.gdbserver), stderr, err, sizeof err);
        t->ops->destroy(t);
        if (served != 0) {
            fprintf(stderr, "vdb: %s\n", err);
            return VMLAB_EXIT_CANNOT_RUN;
        }
        return 0;
    }
    vdb_session *s = vdb_session_new(t, open_target, &o, o.batch ? &batch_sink : vdb_tui_sink());
    if (!s) {
        t->ops->destroy(t);
        fprintf(stderr, "vdb: out of memory\n");
        return 1;
    }
    current_session = s;
    struct sigaction sa = { .sa_handler = on_interrupt };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);

    int status;
    if (o.batch) {
        status = run_batch(s, &o);
    } else {
        bool quit = false;
        status = 0;
        for (int i = 0; i < o.nscripts && !quit; i++) {
            FILE *in = fopen(o.scripts[i], "r");
            if (in) {
                run_commands(s, in, false, &quit);
                fclose(in);
            }
        }
        const char *home = getenv("HOME");
        char history[4096];
        snprintf(history, sizeof history, "%s/.vdb_history", home && home[0] ? home : ".");
        if (!quit)
            status = vdb_tui_run(s, history);
    }
    current_session = NULL;
    vdb_session_free(s);
    return status;
}
