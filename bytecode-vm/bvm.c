/*
 * bvm.c -- the `bvm` command: run, compile, dis, asm, verify, isa.
 *
 * The command line is the only place in the bytecode VM that prints
 * diagnostics and chooses exit statuses; the library reports, this decides.
 *
 * Exit statuses (bvm(1); common/exit_status.h defines them):
 *   0   ok (or the value main returned)
 *   2   usage error
 *   65  compile, load or verification error (EX_DATAERR)
 *   70  uncaught runtime error or fuel exhausted (EX_SOFTWARE)
 *   74  the program's output could not be written (EX_IOERR)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit_status.h"
#include "vmlab_cli.h"

#include "asm.h"
#include "disasm.h"
#include "bcfile.h"
#include "load.h"
#include "opcodes.h"
#include "util.h"
#include "verify.h"
#include "vm.h"


#define BVM_VERSION "0.1"

static const char usage_text[] =
    "usage: bvm run [options] FILE       run a Vela source, .vasm or bytecode file\n"
    "       bvm compile -o OUT SRC       compile (and verify) to a bytecode file\n"
    "       bvm dis FILE                 disassemble, with source lines interleaved (unverified)\n"
    "       bvm asm -o OUT FILE.vasm     assemble (without verifying) to a bytecode file\n"
    "       bvm verify FILE              load and verify only\n"
    "       bvm isa                      print the instruction set reference (markdown)\n"
    "\n"
    "run options:\n"
    "  --dispatch=switch|threaded   interpreter dispatch (default threaded)\n"
    "  --jit=off|on|always          interpret only (default); compile hot functions to x86-64;\n"
    "                               or compile every function before it first runs\n"
    "  --jit-call-threshold N       calls before a function is compiled (default 1000)\n"
    "  --jit-loop-threshold N       backward jumps before it is compiled and entered (default 5000)\n"
    "  --jit-stats                  print what the JIT did on exit (stderr)\n"
    "  --jit-dump                   print each compiled function, bytecode with its x86-64 (stderr)\n"
    "  --jit-perf-map               write /tmp/perf-PID.map so that perf names compiled functions\n"
    "  --fuel N                     stop after N instructions (status 70)\n"
    "  --heap SIZE                  managed heap limit, e.g. 64K, 16M (default 1G)\n"
    "  --max-depth N                call depth limit (default 100000)\n"
    "  --gc-stats                   print garbage collector statistics on exit (stderr)\n"
    "  --gc-stress                  collect garbage before every allocation\n"
    "  --trace                      print every instruction executed (stderr)\n"
    "\n"
    "exit status: 0 ok (or main's int result), 2 usage error, 65 compile/load/verify error,\n"
    "             70 uncaught runtime error or fuel exhausted, 74 output could not be written\n";

#define usage_error(...) vmlab_usage_error("bvm", __VA_ARGS__)

static int report(bvm_diags *d)
{
    fflush(stdout);
    bvm_diags_print(d, stderr);
    bvm_diags_free(d);
    return VMLAB_EXIT_DATA;
}

/* Load FILE (source, assembly or bytecode), verified or not; on failure
 * print the diagnostics and set *status. */
static bvm_module *load_module(const char *file, bool verify, int *status)
{
    bvm_diags d;
    bvm_diags_init(&d);
    bvm_module *m = verify ? bvm_load_file(file, &d, NULL) : bvm_load_file_unverified(file, &d, NULL);
    if (!m) {
        *status = report(&d);
        return NULL;
    }
    bvm_diags_free(&d);
    return m;
}

/* Output that could not be written is an error, never a silent loss: flush
 * stdout and say so if any write to it failed. */
static int finish_output(int status)
{
    if (fflush(stdout) == EOF || ferror(stdout)) {
        fprintf(stderr, "bvm: cannot write to stdout: %s\n", strerror(errno ? errno : EIO));
        return VMLAB_EXIT_OUTPUT;
    }
    return status;
}

/* ---- run ------------------------------------------------------------------ */

typedef struct {
    bvm_options vm;
    bool gc_stats;
    bool jit_stats;
    bool trace;
    const char *file;
} run_args;

/* A positive decimal count. */
static bool parse_count(const char *text, uint64_t *out)
{
    return vmlab_parse_u64(text, 10, out) && *out != 0;
}

static int parse_run_args(int argc, char **argv, run_args *ra)
{
    bvm_options_default(&ra->vm);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        uint64_t n;
        if (strcmp(a, "--gc-stats") == 0) {
            ra->gc_stats = true;
        } else if (strcmp(a, "--gc-stress") == 0) {
            ra->vm.gc_stress = true;
        } else if (strcmp(a, "--trace") == 0) {
            ra->trace = true;
        } else if (vmlab_flag_value(argc, argv, &i, "--dispatch", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (strcmp(v, "switch") == 0)
                ra->vm.dispatch = BVM_DISPATCH_SWITCH;
            else if (strcmp(v, "threaded") == 0)
                ra->vm.dispatch = BVM_DISPATCH_THREADED;
            else
                return usage_error("--dispatch must be 'switch' or 'threaded', not '%s'", v);
        } else if (strcmp(a, "--jit-stats") == 0) {
            ra->jit_stats = true;
            ra->vm.jit_timing = true;
        } else if (strcmp(a, "--jit-dump") == 0) {
            ra->vm.jit_dump = stderr;
        } else if (strcmp(a, "--jit-perf-map") == 0) {
            ra->vm.jit_perf_map = true;
        } else if (vmlab_flag_value(argc, argv, &i, "--jit-call-threshold", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (!parse_count(v, &n) || n > UINT32_MAX)
                return usage_error("--jit-call-threshold needs a count from 1 to 4294967295, not '%s'", v);
            ra->vm.jit_call_threshold = (uint32_t)n;
        } else if (vmlab_flag_value(argc, argv, &i, "--jit-loop-threshold", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (!parse_count(v, &n) || n > UINT32_MAX)
                return usage_error("--jit-loop-threshold needs a count from 1 to 4294967295, not '%s'", v);
            ra->vm.jit_loop_threshold = (uint32_t)n;
        } else if (vmlab_flag_value(argc, argv, &i, "--jit", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (strcmp(v, "off") == 0)
                ra->vm.jit = BVM_JIT_OFF;
            else if (strcmp(v, "on") == 0)
                ra->vm.jit = BVM_JIT_ON;
            else if (strcmp(v, "always") == 0)
                ra->vm.jit = BVM_JIT_ALWAYS;
            else
                return usage_error("--jit must be 'off', 'on' or 'always', not '%s'", v);
        } else if (vmlab_flag_value(argc, argv, &i, "--fuel", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (!parse_count(v, &n))
                return usage_error("--fuel needs a positive instruction count, not '%s'", v);
            ra->vm.fuel = n;
        } else if (vmlab_flag_value(argc, argv, &i, "--heap", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (!bvm_parse_size(v, &n))
                return usage_error("--heap needs a size such as 65536, 64K, 16M or 1G, not '%s'", v);
            ra->vm.heap_limit = n;
        } else if (vmlab_flag_value(argc, argv, &i, "--max-depth", &v)) {
            if (!v)
                return usage_error("%s needs a value", a);
            if (!parse_count(v, &n) || n > 10000000)
                return usage_error("--max-depth needs a call depth from 1 to 10000000, not '%s'", v);
            ra->vm.max_depth = (uint32_t)n;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option '%s' for 'bvm run'", a);
        } else if (ra->file) {
            return usage_error("'bvm run' takes one file; '%s' is one too many", a);
        } else {
            ra->file = a;
        }
    }
    if (!ra->file)
        return usage_error("%s", "'bvm run' needs a FILE to run");
    return 0;
}

/* A stack value for the trace: strings quoted with C escapes, anything
 * longer than 40 characters cut short with "...". */
static void append_shown(bvm_buf *line, const char *text, bool quoted)
{
    size_t n = strlen(text), shown = n > 40 ? 40 : n;
    if (quoted)
        bvm_buf_u8(line, '"');
    for (size_t i = 0; i < shown; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (quoted && (ch == '"' || ch == '\\'))
            bvm_buf_printf(line, "\\%c", ch);
        else if (ch == '\n')
            bvm_buf_put(line, "\\n", 2);
        else if (ch < 0x20 || ch >= 0x7f)
            bvm_buf_printf(line, "\\x%02x", ch);
        else
            bvm_buf_u8(line, ch);
    }
    if (n > shown)
        bvm_buf_put(line, "...", 3);
    if (quoted)
        bvm_buf_u8(line, '"');
}

/* --trace: stop before every instruction and print it with the stack.
 * Program output is flushed first, so the two interleave in order. */
static void trace_stop(const bvm_vm *vm, bvm_buf *line)
{
    bvm_frame_info fi;
    if (!bvm_vm_frame(vm, 0, &fi))
        return;
    const bvm_module *m = bvm_vm_module(vm);
    const bvm_function *f = &m->funcs[fi.function];
    line->len = 0;
    bvm_buf_printf(line, "%-12s %5u  ", f->name, fi.pc);
    size_t start = line->len;
    bvm_disassemble_insn(m, f, fi.pc, line);
    while (line->len < start + 28)
        bvm_buf_u8(line, ' ');
    bvm_buf_put(line, " [", 2);
    for (uint16_t s = 0; s < fi.stack_depth; s++) {
        bvm_typed_value tv;
        bvm_vm_stack_slot(vm, 0, s, &tv);
        char *text = bvm_vm_format_value(vm, tv);
        if (s)
            bvm_buf_put(line, ", ", 2);
        append_shown(line, text, tv.type == BVM_TYPE_STRING && tv.value.ref);
        free(text);
    }
    bvm_buf_put(line, "]\n", 2);
    fflush(stdout);
    fwrite(line->data, 1, line->len, stderr);
}

static int cmd_run(int argc, char **argv)
{
    run_args ra = {0};
    int rc = parse_run_args(argc, argv, &ra);
    if (rc)
        return rc;
    bvm_module *m = load_module(ra.file, true, &rc);
    if (!m)
        return rc;

    const char *why = NULL;
    if (ra.vm.jit != BVM_JIT_OFF && !bvm_jit_host_supported())
        fprintf(stderr, "bvm: the JIT compiles to x86-64 only; this host runs the program interpreted\n");
    bvm_vm *vm = bvm_vm_new(m, &ra.vm, &why);
    if (!vm) {
        fprintf(stderr, "bvm: %s\n", why);
        bvm_module_free(m);
        return VMLAB_EXIT_RUNTIME;
    }
    bvm_result r;
    if (ra.trace) {
        bvm_buf line = {0};
        bvm_vm_set_step(vm, BVM_STEP_INSTRUCTION, UINT32_MAX);
        while ((r = bvm_vm_run(vm)) == BVM_RESULT_STOPPED) {
            trace_stop(vm, &line);
            bvm_vm_set_step(vm, BVM_STEP_INSTRUCTION, UINT32_MAX);
        }
        bvm_buf_free(&line);
    } else {
        r = bvm_vm_run(vm);
    }
    fflush(stdout);
    int status = 0;
    switch (r) {
    case BVM_RESULT_OK:
        status = bvm_vm_exit_code(vm);
        break;
    case BVM_RESULT_EXCEPTION:
    case BVM_RESULT_FUEL:
        bvm_vm_print_error(vm, stderr);
        status = VMLAB_EXIT_RUNTIME;
        break;
    case BVM_RESULT_OUTPUT_ERROR:
        status = VMLAB_EXIT_OUTPUT; /* finish_output names the error, once */
        break;
    case BVM_RESULT_STOPPED:
        break; /* not reachable: nothing else arms hooks */
    }
    if (ra.gc_stats)
        bvm_vm_print_gc_stats(vm, stderr);
    if (ra.jit_stats)
        bvm_vm_print_jit_stats(vm, stderr);
    bvm_vm_free(vm);
    bvm_module_free(m);
    return status;
}

/* ---- compile, asm --------------------------------------------------------- */

static int write_output(const char *out, const bvm_module *m)
{
    bvm_buf b = {0};
    bvm_write_module(m, &b);
    FILE *f = fopen(out, "wb");
    bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
    if (f && fclose(f) != 0)
        ok = false;
    bvm_buf_free(&b);
    if (!ok) {
        fprintf(stderr, "bvm: cannot write '%s': %s\n", out, strerror(errno));
        return VMLAB_EXIT_DATA;
    }
    return 0;
}

/* Parse "-o OUT INPUT" in either order. */
static int parse_out_in(int argc, char **argv, const char *cmd, const char **out, const char **in)
{
    *out = *in = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0) {
            if (i + 1 >= argc)
                return usage_error("-o needs an output file name (bvm %s)", cmd);
            *out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("unknown option '%s'", argv[i]);
        } else if (*in) {
            return usage_error("one input file only; '%s' is one too many", argv[i]);
        } else {
            *in = argv[i];
        }
    }
    if (!*out || !*in)
        return usage_error("'bvm %s' needs -o OUT and an input file", cmd);
    return 0;
}

static int cmd_compile(int argc, char **argv)
{
    const char *out, *in;
    int rc = parse_out_in(argc, argv, "compile", &out, &in);
    if (rc)
        return rc;
    bvm_module *m = load_module(in, true, &rc);
    if (!m)
        return rc;
    rc = write_output(out, m);
    bvm_module_free(m);
    return rc;
}

static int cmd_asm(int argc, char **argv)
{
    const char *out, *in;
    int rc = parse_out_in(argc, argv, "asm", &out, &in);
    if (rc)
        return rc;
    bvm_diags d;
    bvm_diags_init(&d);
    uint8_t *text;
    size_t len;
    const char *why;
    if (!bvm_read_file(in, &text, &len, &why)) {
        bvm_diag_file(&d, in, "cannot read file: %s", why);
        return report(&d);
    }
    bvm_module *m = bvm_assemble((const char *)text, len, in, &d);
    free(text);
    if (!m)
        return report(&d);
    bvm_diags_free(&d);
    rc = write_output(out, m);
    bvm_module_free(m);
    return rc;
}

/* ---- dis, verify, isa ----------------------------------------------------- */

static int one_file_arg(int argc, char **argv, const char *cmd, const char **file)
{
    if (argc != 3 || (argv[2][0] == '-' && argv[2][1] != '\0'))
        return usage_error("'bvm %s' takes exactly one FILE", cmd);
    *file = argv[2];
    return 0;
}

static int cmd_dis(int argc, char **argv)
{
    const char *file = NULL;
    int rc = one_file_arg(argc, argv, "dis", &file);
    if (rc)
        return rc;
    /* Unverified on purpose: a listing of a module the verifier rejects is
     * how one sees why (the disassembler copes with any readable module). */
    bvm_module *m = load_module(file, false, &rc);
    if (!m)
        return rc;
    uint8_t *source = NULL;
    size_t len;
    const char *why;
    if (m->source_file && !bvm_read_file(m->source_file, &source, &len, &why))
        source = NULL; /* listing without source lines */
    bvm_buf out = {0};
    bvm_disassemble(m, (const char *)source, &out);
    fwrite(out.data, 1, out.len, stdout);
    bvm_buf_free(&out);
    free(source);
    bvm_module_free(m);
    return 0;
}

static int cmd_verify(int argc, char **argv)
{
    const char *file = NULL;
    int rc = one_file_arg(argc, argv, "verify", &file);
    if (rc)
        return rc;
    bvm_module *m = load_module(file, true, &rc);
    if (!m)
        return rc;
    uint64_t code = 0;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        code += m->funcs[i].code_len;
    printf("%s: ok (%u functions, %llu bytes of code)\n", file, m->nfuncs, (unsigned long long)code);
    bvm_module_free(m);
    return 0;
}

static int cmd_isa(void)
{
    printf("# Instruction set reference\n\n"
           "Generated by `bvm isa` from `bytecode-vm/bytecode/opcodes.def`; do not edit by hand.\n"
           "Stack effects list types bottom first: I int, F float, B bool, S string, * see the\n"
           "verifier's rules (docs/bytecode.md). Lengths are in bytes, opcode included.\n\n"
           "| opcode | mnemonic | operands | length | pops | pushes | effect |\n"
           "|---:|---|---|---:|---|---|---|\n");
    for (int op = 0; op < BVM_OP__COUNT; op++) {
        const bvm_op_info *o = bvm_op(op);
        printf("| %d | `%s` | %s | %u | %s | %s | ", op, o->mnemonic, bvm_format_name(o->format), o->length,
               *o->pops ? o->pops : "-", *o->pushes ? o->pushes : "-");
        for (const char *p = o->effect; *p; p++) /* a '|' would end the table cell */
            fputs(*p == '|' ? "\\|" : (char[]){*p, 0}, stdout);
        puts(" |");
    }
    return 0;
}

static int dispatch_command(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "missing command: run, compile, dis, asm, verify or isa");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("bvm %s (bytecode format %d.%d)\n", BVM_VERSION, BVM_VERSION_MAJOR, BVM_VERSION_MINOR);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(cmd, "compile") == 0)
        return cmd_compile(argc, argv);
    if (strcmp(cmd, "asm") == 0)
        return cmd_asm(argc, argv);
    if (strcmp(cmd, "dis") == 0)
        return cmd_dis(argc, argv);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(argc, argv);
    if (strcmp(cmd, "isa") == 0)
        return argc == 2 ? cmd_isa() : usage_error("%s", "'bvm isa' takes no arguments");
    return usage_error("unknown command '%s': expected run, compile, dis, asm, verify or isa", cmd);
}

int main(int argc, char **argv)
{
    /* A closed pipe is an output error (status 74), not a death by signal. */
    signal(SIGPIPE, SIG_IGN);
    return finish_output(dispatch_command(argc, argv));
}
