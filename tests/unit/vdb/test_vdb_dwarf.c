/*
 * test_vdb_dwarf.c -- the DWARF layer's reading of a guest image
 * (debugger/targets/guest_dwarf.h) over the built debug kernel,
 * build/release/guest/kernel-debug.elf (MHV_GUESTS names the folder).  No
 * KVM: the guest's memory is the ELF's own loaded segments, read from the
 * file, plus a stack the tests lay out.  What is expected comes from the
 * binutils that read the same file -- nm for symbols and sizes, addr2line
 * for lines -- so a test checks libdw's reading against another reader's.
 *
 *   symbols    name to address (nm), address to name+offset, completion
 *   lines      address to file:line (addr2line), FILE:LINE to an address,
 *              a line without code to the next line with code, the paths
 *   functions  bounds (nm -S), where `break NAME` stops (after the
 *              prologue, on the first line of the body)
 *   frames     the CFI unwinder and the rbp chain over a stack laid out here;
 *              through an interrupt frame (entry.S's signal-frame CFI) into
 *              the interrupted function, at the interrupted instruction
 *   values     globals, struct fields, pointers, arrays, chars and strings,
 *              *p, p->f, a[i], &x; a parameter in a frame; set var; the
 *              returned value by its type; errors
 *   images     an ELF without DWARF (symbols only), a truncated ELF, a file
 *              that is no ELF; truncated and overwritten headers, sections,
 *              DWARF units and line tables, each refused with what and where
 */
#include <check.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_dwarf.h"

static char kernel[4096], hello32[4096];
static guest_dwarf *g;

/* ---- what binutils say ---- */

/* nm's address (and size) of a symbol; 0 when nm does not list it. */
static uint64_t nm_address(const char *name, uint64_t *size)
{
    char command[8192], line[512];
    snprintf(command, sizeof command, "nm -S '%s'", kernel);
    FILE *p = popen(command, "r");
    ck_assert_ptr_nonnull(p);
    uint64_t address = 0;
    while (fgets(line, sizeof line, p)) {
        char sym[256], type[256], extra[256];
        unsigned long long a, s = 0;
        /* ADDRESS [SIZE] TYPE NAME: four words when sized (a type letter
         * such as 'b' would read as a hex size) */
        bool sized = sscanf(line, "%llx %llx %255s %255s", &a, &s, type, extra) == 4;
        if (sized)
            snprintf(sym, sizeof sym, "%s", extra);
        if ((sized || sscanf(line, "%llx %255s %255s", &a, type, sym) == 3) && strcmp(sym, name) == 0) {
            address = a;
            if (size)
                *size = sized ? s : 0;
        }
    }
    pclose(p);
    return address;
}

/* addr2line's "FILE:LINE" for an address. */
static void addr2line(uint64_t address, char *out, size_t size)
{
    char command[8192];
    snprintf(command, sizeof command, "addr2line -e '%s' 0x%" PRIx64, kernel, address);
    FILE *p = popen(command, "r");
    ck_assert_ptr_nonnull(p);
    out[0] = '\0';
    if (fgets(out, (int)size, p))
        out[strcspn(out, " \n")] = '\0';
    pclose(p);
}

/* ---- the guest's memory: the ELF's segments, and a stack ---- */

#define STACK_BASE 0x700000u
#define STACK_SIZE 0x1000u

typedef struct {
    uint8_t *image;           /* the file */
    size_t image_size;
    GElf_Phdr loads[8];
    int nloads;
    uint8_t stack[STACK_SIZE];
} memory;

static memory mem;

static int read_memory(void *context, uint64_t address, void *buffer, size_t size, char *err, size_t err_size)
{
    memory *m = context;
    if (address >= STACK_BASE && address + size <= STACK_BASE + STACK_SIZE) {
        memcpy(buffer, m->stack + (address - STACK_BASE), size);
        return 0;
    }
    for (int i = 0; i < m->nloads; i++) {
        const GElf_Phdr *ph = &m->loads[i];
        if (address < ph->p_vaddr || address + size > ph->p_vaddr + ph->p_memsz)
            continue;
        for (size_t k = 0; k < size; k++) {
            uint64_t off = address + k - ph->p_vaddr;
            ((uint8_t *)buffer)[k] = off < ph->p_filesz ? m->image[ph->p_offset + off] : 0;
        }
        return 0;
    }
    snprintf(err, err_size, "cannot read memory at 0x%" PRIx64, address);
    return -1;
}

static int write_memory(void *context, uint64_t address, const void *buffer, size_t size, char *err, size_t err_size)
{
    memory *m = context;
    if (address >= STACK_BASE && address + size <= STACK_BASE + STACK_SIZE) {
        memcpy(m->stack + (address - STACK_BASE), buffer, size);
        return 0;
    }
    snprintf(err, err_size, "read-only at 0x%" PRIx64, address);
    return -1;
}

static const guest_access access_ops = { &mem, read_memory, write_memory, NULL };

static void load_image(void)
{
    FILE *f = fopen(kernel, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    mem.image_size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    mem.image = malloc(mem.image_size);
    ck_assert_uint_eq(fread(mem.image, 1, mem.image_size, f), mem.image_size);
    fclose(f);
    elf_version(EV_CURRENT);
    Elf *elf = elf_memory((char *)mem.image, mem.image_size);
    size_t n;
    ck_assert_int_eq(elf_getphdrnum(elf, &n), 0);
    for (size_t i = 0; i < n && mem.nloads < 8; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
            mem.loads[mem.nloads++] = ph;
    }
    elf_end(elf);
}

static void setup(void)
{
    const char *guests = getenv("MHV_GUESTS");
    snprintf(kernel, sizeof kernel, "%s/kernel-debug.elf", guests && guests[0] ? guests : "build/release/guest");
    snprintf(hello32, sizeof hello32, "%s/hello32.elf", guests && guests[0] ? guests : "build/release/guest");
    char err[256];
    g = guest_dwarf_open(kernel, err, sizeof err);
    ck_assert_msg(g != NULL, "%s", err);
    if (!mem.image)
        load_image();
    memset(mem.stack, 0, sizeof mem.stack);
}

static void teardown(void)
{
    guest_dwarf_close(g);
    g = NULL;
}

/* ==== symbols ================================================================ */

START_TEST(symbols_by_name_as_nm_says)
{
    const char *names[] = { "fib", "workload_fib", "kernel_main", "wl_fib", "exception_names", "_start",
                            "interrupt_common" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint64_t address = 0, expected = nm_address(names[i], NULL);
        ck_assert_msg(expected != 0, "nm lists %s", names[i]);
        ck_assert_msg(guest_dwarf_symbol_address(g, names[i], &address), "%s is found", names[i]);
        ck_assert_uint_eq(address, expected);
    }
    uint64_t address;
    ck_assert(!guest_dwarf_symbol_address(g, "no_such_symbol", &address));
}
END_TEST

START_TEST(addresses_as_name_plus_offset)
{
    char out[128];
    uint64_t fib = nm_address("fib", NULL), kmain = nm_address("kernel_main", NULL);
    ck_assert(guest_dwarf_symbolize(g, fib, out, sizeof out));
    ck_assert_str_eq(out, "fib");
    ck_assert(guest_dwarf_symbolize(g, kmain + 23, out, sizeof out));
    ck_assert_str_eq(out, "kernel_main+23");
    /* an assembly label inside the stubs: its own name */
    uint64_t stub = nm_address("interrupt_stub_14", NULL);
    ck_assert(guest_dwarf_symbolize(g, stub + 2, out, sizeof out));
    ck_assert_str_eq(out, "interrupt_stub_14+2");
    ck_assert(!guest_dwarf_symbolize(g, 0x10, out, sizeof out));
    ck_assert_str_eq(out, "0x10");
}
END_TEST

START_TEST(completion_is_sorted_and_has_functions_and_globals)
{
    bool fib = false, wl_fib = false;
    const char *before = NULL, *name;
    for (size_t i = 0; (name = guest_dwarf_completion(g, i)) != NULL; i++) {
        if (before)
            ck_assert_msg(strcmp(before, name) < 0, "%s before %s", before, name);
        fib |= strcmp(name, "fib") == 0;
        wl_fib |= strcmp(name, "wl_fib") == 0;
        before = name;
    }
    ck_assert(fib && wl_fib);
}
END_TEST

/* ==== lines ================================================================== */

START_TEST(lines_as_addr2line_says)
{
    guest_function f;
    ck_assert(guest_dwarf_function_named(g, "kernel_main", &f));
    int checked = 0;
    for (uint64_t a = f.low; a < f.high; a += 7) {
        guest_line line;
        char expected[4096], got[4200];
        addr2line(a, expected, sizeof expected);
        ck_assert(guest_dwarf_line(g, a, &line));
        ck_assert(line.start <= a && a < line.end);
        snprintf(got, sizeof got, "%s:%u", line.path, line.line);
        ck_assert_str_eq(got, expected);
        checked++;
    }
    ck_assert_int_gt(checked, 10);
}
END_TEST

START_TEST(file_names_and_paths)
{
    guest_line line;
    ck_assert(guest_dwarf_line(g, nm_address("fib", NULL), &line));
    ck_assert_str_eq(line.name, "workloads/fib.c");
    ck_assert_msg(access(line.path, R_OK) == 0, "%s can be read", line.path);
    const char *slash = strrchr(line.path, '/');
    ck_assert_str_eq(slash ? slash + 1 : line.path, "fib.c");
}
END_TEST

START_TEST(file_and_line_to_an_address)
{
    uint64_t address;
    uint32_t found;
    char err[256], where[4096];
    /* fib.c line 16: "return fib(n - 1) + fib(n - 2);" */
    ck_assert_int_eq(guest_dwarf_find_line(g, "fib.c", 16, &address, &found, err, sizeof err), 0);
    ck_assert_uint_eq(found, 16);
    addr2line(address, where, sizeof where);
    ck_assert_msg(strstr(where, "workloads/fib.c:16") != NULL, "%s", where);
    ck_assert(guest_dwarf_line_starts(g, address));
    /* a longer suffix of the path works too */
    uint64_t again;
    ck_assert_int_eq(guest_dwarf_find_line(g, "workloads/fib.c", 16, &again, &found, err, sizeof err), 0);
    ck_assert_uint_eq(again, address);
    /* line 9 is blank, 10 and 11 a #define and a blank: the next with code is 13 ("{") */
    ck_assert_int_eq(guest_dwarf_find_line(g, "fib.c", 9, &address, &found, err, sizeof err), 0);
    ck_assert_uint_eq(found, 13);
    ck_assert_uint_eq(address, nm_address("fib", NULL));
    /* errors */
    ck_assert_int_eq(guest_dwarf_find_line(g, "nosuch.c", 1, &address, &found, err, sizeof err), -1);
    ck_assert_str_eq(err, "no source file named nosuch.c");
    ck_assert_int_eq(guest_dwarf_find_line(g, "fib.c", 9999, &address, &found, err, sizeof err), -1);
    ck_assert_str_eq(err, "fib.c has no code at line 9999 or after it");
}
END_TEST

/* ==== functions ============================================================== */

START_TEST(function_bounds_as_nm_says)
{
    const char *names[] = { "fib", "workload_fib", "kernel_main", "commands_run" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint64_t size = 0, low = nm_address(names[i], &size);
        guest_function f;
        ck_assert(guest_dwarf_function(g, low + size / 2, &f));
        ck_assert_str_eq(f.name, names[i]);
        ck_assert_uint_eq(f.low, low);
        ck_assert_uint_eq(f.high, low + size);
        ck_assert(f.has_lines);
        /* the body: after the prologue, on a later line than the opening one */
        guest_line open, body;
        ck_assert(guest_dwarf_line(g, f.low, &open));
        ck_assert(guest_dwarf_line(g, f.body, &body));
        ck_assert_uint_gt(f.body, f.low);
        ck_assert_uint_gt(body.line, open.line);
    }
    guest_function f;
    ck_assert(guest_dwarf_function_named(g, "fib", &f));
    guest_line line;
    ck_assert(guest_dwarf_line(g, f.body, &line));
    ck_assert_uint_eq(line.line, 14);  /* if (n < 2) */
    /* assembly: from the symbol table, no lines of its own kind */
    ck_assert(guest_dwarf_function_named(g, "_start", &f));
    ck_assert_uint_eq(f.low, nm_address("_start", NULL));
}
END_TEST

/* ==== frames ================================================================= */

/* A stack as fib called from workload_fib called from workload_run would
 * leave it, at fib's first line: frame records [rbp] = the caller's rbp,
 * [rbp + 8] = the return address. */
static guest_frame lay_out_stack(uint64_t *ret1, uint64_t *ret2)
{
    guest_function fib, wf, wr;
    ck_assert(guest_dwarf_function_named(g, "fib", &fib));
    ck_assert(guest_dwarf_function_named(g, "workload_fib", &wf));
    ck_assert(guest_dwarf_function_named(g, "workload_run", &wr));
    *ret1 = wf.body + 8;   /* inside workload_fib's body */
    *ret2 = wr.body + 8;
    uint64_t rbp0 = STACK_BASE + 0x100, rbp1 = STACK_BASE + 0x200, rbp2 = STACK_BASE + 0x300;
    uint64_t words[][2] = { { rbp1, *ret1 }, { rbp2, *ret2 }, { 0, 0 } };
    memcpy(mem.stack + (rbp0 - STACK_BASE), words[0], 16);
    memcpy(mem.stack + (rbp1 - STACK_BASE), words[1], 16);
    memcpy(mem.stack + (rbp2 - STACK_BASE), words[2], 16);
    /* fib's locals and its spilled n, somewhere in the 48 bytes below rbp: all 7 */
    for (uint64_t a = rbp0 - 48; a < rbp0; a += 8) {
        uint64_t seven = 7;
        memcpy(mem.stack + (a - STACK_BASE), &seven, 8);
    }
    guest_frame f = { .pc = fib.body, .known = (1u << GUEST_REGS) - 1 };
    f.regs[GUEST_REG_RIP] = fib.body;
    f.regs[GUEST_REG_RBP] = rbp0;
    f.regs[GUEST_REG_RSP] = rbp0 - 48;
    return f;
}

START_TEST(unwinds_through_the_cfi)
{
    uint64_t ret1, ret2;
    guest_frame top = lay_out_stack(&ret1, &ret2), frames[16];
    size_t n = guest_dwarf_unwind(g, &top, &access_ops, NULL, NULL, frames, 16);
    ck_assert_uint_ge(n, 3);
    guest_function f;
    ck_assert(guest_dwarf_function(g, frames[0].pc, &f));
    ck_assert_str_eq(f.name, "fib");
    ck_assert_uint_eq(frames[1].return_address, ret1);
    ck_assert_uint_eq(frames[1].pc, ret1 - 1);
    ck_assert(guest_dwarf_function(g, frames[1].pc, &f));
    ck_assert_str_eq(f.name, "workload_fib");
    ck_assert_uint_eq(frames[2].return_address, ret2);
    ck_assert(guest_dwarf_function(g, frames[2].pc, &f));
    ck_assert_str_eq(f.name, "workload_run");
    /* the caller's rbp and rsp, restored by the CFI */
    ck_assert(frames[1].known & (1u << GUEST_REG_RBP));
    ck_assert_uint_eq(frames[1].regs[GUEST_REG_RBP], STACK_BASE + 0x200);
    uint64_t cfa;
    ck_assert(guest_dwarf_cfa(g, &frames[0], &cfa));
    ck_assert_uint_eq(cfa, STACK_BASE + 0x110);
}
END_TEST

static uint64_t call_before(void *context, uint64_t start, uint64_t return_address)
{
    return return_address - 5;  /* a call rel32 */
}

START_TEST(the_call_in_progress_and_the_rbp_chain)
{
    uint64_t ret1, ret2;
    guest_frame top = lay_out_stack(&ret1, &ret2), frames[16];
    size_t n = guest_dwarf_unwind(g, &top, &access_ops, call_before, NULL, frames, 16);
    ck_assert_uint_ge(n, 2);
    ck_assert_uint_eq(frames[1].pc, ret1 - 5);
    /* From code without CFI (entry.S's halt loop): the rbp chain. */
    top.pc = top.regs[GUEST_REG_RIP] = nm_address("halt_forever", NULL);
    n = guest_dwarf_unwind(g, &top, &access_ops, NULL, NULL, frames, 16);
    ck_assert_uint_ge(n, 2);
    ck_assert_uint_eq(frames[1].return_address, ret1);
}
END_TEST

/* The interrupt frame entry.S's stubs and interrupt_common build (the CPU's
 * ss, rsp, rflags, cs, rip; the error code, the vector; the 15 registers,
 * r15 lowest) at `at`, interrupting `rip` with the stack `rsp` and `rbp`
 * (the other registers' slots hold their DWARF numbers plus 100).
 * Returns where the CPU's rip is. */
static uint64_t lay_out_interrupt(uint64_t at, uint64_t rip, uint64_t rsp, uint64_t rbp)
{
    /* DWARF numbers: r15 .. r8, rbp, rdi, rsi, rdx, rcx, rbx, rax */
    static const int pushed[15] = { 15, 14, 13, 12, 11, 10, 9, 8, GUEST_REG_RBP, 5, 4, 1, 2, 3, GUEST_REG_RAX };
    uint64_t words[22];
    for (int i = 0; i < 15; i++)
        words[i] = pushed[i] == GUEST_REG_RBP ? rbp : (uint64_t)pushed[i] + 100;
    uint64_t cpu[7] = { 32, 0, rip, 8, 0x202, rsp, 16 };  /* vector, error code, rip, cs, rflags, rsp, ss */
    memcpy(words + 15, cpu, sizeof cpu);
    memcpy(mem.stack + (at - STACK_BASE), words, sizeof words);
    return at + 17 * 8;
}

/* Where interrupt_common's call of interrupt_dispatch returns: after the
 * e8 rel32 in interrupt_common that calls it. */
static uint64_t after_dispatch_call(void)
{
    guest_function common;
    ck_assert(guest_dwarf_function_named(g, "interrupt_common", &common));
    uint64_t dispatch = nm_address("interrupt_dispatch", NULL);
    char err[128];
    for (uint64_t at = common.low; at + 5 <= common.high; at++) {
        uint8_t code[5];
        ck_assert_int_eq(read_memory(&mem, at, code, 5, err, sizeof err), 0);
        int32_t rel;
        memcpy(&rel, code + 1, 4);
        if (code[0] == 0xe8 && at + 5 + (uint64_t)(int64_t)rel == dispatch)
            return at + 5;
    }
    ck_abort_msg("no call of interrupt_dispatch in interrupt_common");
    return 0;
}

/* fib's state as lay_out_stack leaves it, interrupted at its first line:
 * frames[i] must be fib (at the interrupted instruction itself, not a
 * call before it), then workload_fib and workload_run. */
static void check_interrupted_fib(const guest_frame *frames, size_t n, size_t i, const guest_frame *fib)
{
    ck_assert_uint_ge(n, i + 3);
    guest_function f;
    ck_assert(frames[i].interrupted);
    ck_assert(!frames[i].by_frame_pointer);
    ck_assert_uint_eq(frames[i].pc, fib->pc);
    ck_assert_uint_eq(frames[i].return_address, fib->pc);
    ck_assert_uint_eq(frames[i].regs[GUEST_REG_RSP], fib->regs[GUEST_REG_RSP]);
    ck_assert_uint_eq(frames[i].regs[GUEST_REG_RBP], fib->regs[GUEST_REG_RBP]);
    ck_assert(guest_dwarf_function(g, frames[i].pc, &f));
    ck_assert_str_eq(f.name, "fib");
    ck_assert(!frames[i + 1].interrupted);
    ck_assert(guest_dwarf_function(g, frames[i + 1].pc, &f));
    ck_assert_str_eq(f.name, "workload_fib");
    ck_assert(guest_dwarf_function(g, frames[i + 2].pc, &f));
    ck_assert_str_eq(f.name, "workload_run");
}

START_TEST(unwinds_through_an_interrupt_frame)
{
    uint64_t ret1, ret2;
    guest_frame fib = lay_out_stack(&ret1, &ret2), frames[16];
    uint64_t frame = STACK_BASE + 0x800;
    uint64_t cpu = lay_out_interrupt(frame, fib.pc, fib.regs[GUEST_REG_RSP], fib.regs[GUEST_REG_RBP]);

    /* At the timer's stub, before its pushes: the CPU's frame only. */
    guest_frame top = fib;
    top.pc = top.regs[GUEST_REG_RIP] = nm_address("interrupt_stub_32", NULL);
    top.regs[GUEST_REG_RSP] = cpu;
    top.regs[GUEST_REG_RBP] = fib.regs[GUEST_REG_RBP];
    size_t n = guest_dwarf_unwind(g, &top, &access_ops, call_before, NULL, frames, 16);
    check_interrupted_fib(frames, n, 1, &fib);

    /* In interrupt_dispatch, called by interrupt_common with the frame
     * complete: the registers come from where it saved them. */
    uint64_t call_sp = frame - 8, back = after_dispatch_call();
    memcpy(mem.stack + (call_sp - STACK_BASE), &back, 8);
    top.pc = top.regs[GUEST_REG_RIP] = nm_address("interrupt_dispatch", NULL);
    top.regs[GUEST_REG_RSP] = call_sp;
    top.regs[GUEST_REG_RBP] = 0x1234;   /* interrupt_dispatch has not pushed it yet */
    top.regs[3] = 0x5678;      /* rbx */
    n = guest_dwarf_unwind(g, &top, &access_ops, call_before, NULL, frames, 16);
    guest_function f;
    ck_assert(guest_dwarf_function(g, frames[0].pc, &f));
    ck_assert_str_eq(f.name, "interrupt_dispatch");
    ck_assert(!frames[1].interrupted);
    ck_assert_uint_eq(frames[1].return_address, back);
    ck_assert_uint_eq(frames[1].pc, back - 5);
    ck_assert(guest_dwarf_function(g, frames[1].pc, &f));
    ck_assert_str_eq(f.name, "interrupt_common");
    check_interrupted_fib(frames, n, 2, &fib);
    ck_assert(frames[2].known & (1u << 3));
    ck_assert_uint_eq(frames[2].regs[3], 3 + 100);     /* rbx, as interrupt_common saved it */
    ck_assert_uint_eq(frames[2].regs[15], 15 + 100);   /* r15 */
}
END_TEST

/* ==== values ================================================================= */

static void print_ok(const guest_frame *frame, const char *expression, const char *expected)
{
    char out[1024], err[256] = "";
    int rc = guest_dwarf_evaluate(g, frame, &access_ops, expression, out, sizeof out, err, sizeof err);
    ck_assert_msg(rc == 0, "print %s: %s", expression, err);
    ck_assert_msg(strcmp(out, expected) == 0, "print %s: '%s', not '%s'", expression, out, expected);
}

static void print_fails(const guest_frame *frame, const char *expression, const char *expected)
{
    char out[1024], err[256] = "";
    int rc = guest_dwarf_evaluate(g, frame, &access_ops, expression, out, sizeof out, err, sizeof err);
    ck_assert_msg(rc != 0, "print %s should fail, gave '%s'", expression, out);
    ck_assert_msg(strcmp(err, expected) == 0, "print %s: '%s', not '%s'", expression, err, expected);
}

START_TEST(globals_fields_pointers_arrays)
{
    guest_frame top = { .pc = nm_address("kernel_main", NULL) };
    char fib[64], expected[256];
    snprintf(fib, sizeof fib, "0x%" PRIx64 " <workload_fib>", nm_address("workload_fib", NULL));
    print_ok(&top, "wl_fib.size", "36");
    print_ok(&top, "*wl_fib.name", "102 'f'");
    print_ok(&top, "wl_fib.name[2]", "98 'b'");
    print_ok(&top, "wl_fib.run", fib);
    /* a struct, and a pointer to it */
    uint64_t name_address;
    ck_assert_int_eq(read_memory(&mem, nm_address("wl_fib", NULL), &name_address, 8, expected, sizeof expected), 0);
    snprintf(expected, sizeof expected, "{name = 0x%" PRIx64 " \"fib\", size = 36, run = %s}", name_address, fib);
    print_ok(&top, "wl_fib", expected);
    snprintf(expected, sizeof expected, "(const wl_workload *) 0x%" PRIx64 " <wl_fib>", nm_address("wl_fib", NULL));
    print_ok(&top, "&wl_fib", expected);
    print_ok(&top, "(&wl_fib)->size", "36");
    print_ok(&top, "*&wl_fib.size", "36");
    /* an array of strings, indexed, through a pointer: idt.c's names */
    char pf[128];
    uint64_t pf_address;
    ck_assert_int_eq(read_memory(&mem, nm_address("exception_names", NULL) + 14 * 8, &pf_address, 8, pf, sizeof pf), 0);
    snprintf(pf, sizeof pf, "0x%" PRIx64 " \"PF\"", pf_address);
    print_ok(&top, "exception_names[14]", pf);
    print_ok(&top, "exception_names[14][1]", "70 'F'");
    print_ok(&top, "exception_names[15]", "0x0");
    print_fails(&top, "exception_names[32]", "index 32 is outside the array (0 to 31)");
    print_fails(&top, "nosuch", "no symbol 'nosuch' in the current context");
    print_fails(&top, "wl_fib.nosuch", "const wl_workload has no member named nosuch");
    print_fails(&top, "wl_fib.size.x", "'.x': not a struct or union");
    print_fails(&top, "*wl_fib.size", "*: not a pointer or an array");
    print_fails(&top, "wl_fib[", "expected a name at ''");
}
END_TEST

/* A function is a value of its own type, as gdb prints it; a symbol
 * without DWARF is named as gdb names it, and the message for a data
 * symbol suggests only what works. */
START_TEST(functions_and_symbols_without_debug_information)
{
    guest_frame top = { .pc = nm_address("kernel_main", NULL) };
    char expected[256];
    uint64_t fib = nm_address("fib", NULL), start = nm_address("_start", NULL);
    uint64_t stack = nm_address("kernel_stack", NULL);
    snprintf(expected, sizeof expected, "{long long int (long long int)} 0x%" PRIx64 " <fib>", fib);
    print_ok(&top, "fib", expected);
    print_ok(&top, "*fib", expected);
    snprintf(expected, sizeof expected, "(long long int (*)(long long int)) 0x%" PRIx64 " <fib>", fib);
    print_ok(&top, "&fib", expected);
    snprintf(expected, sizeof expected, "(void (*)(void)) 0x%" PRIx64 " <idt_init>", nm_address("idt_init", NULL));
    print_ok(&top, "&idt_init", expected);
    snprintf(expected, sizeof expected, "{<text variable, no debug info>} 0x%" PRIx64 " <_start>", start);
    print_ok(&top, "_start", expected);
    snprintf(expected, sizeof expected, "(<text variable, no debug info> *) 0x%" PRIx64 " <_start>", start);
    print_ok(&top, "&_start", expected);
    snprintf(expected, sizeof expected, "(<data variable, no debug info> *) 0x%" PRIx64 " <kernel_stack>", stack);
    print_ok(&top, "&kernel_stack", expected);
    snprintf(expected, sizeof expected, "'kernel_stack' has no debug information, so no type: it is at 0x%" PRIx64
             " (x/8xb 0x%" PRIx64 " shows its bytes)", stack, stack);
    print_fails(&top, "kernel_stack", expected);
}
END_TEST

START_TEST(a_parameter_in_its_frame)
{
    uint64_t ret1, ret2;
    guest_frame top = lay_out_stack(&ret1, &ret2);
    print_ok(&top, "n", "7");
}
END_TEST

static char listed[1024];
static void collect(void *context, const char *name, const char *type, const char *value)
{
    size_t used = strlen(listed);
    snprintf(listed + used, sizeof listed - used, "%s%s %s = %s", used ? "; " : "", type, name, value);
}

START_TEST(args_locals_and_set_var)
{
    uint64_t ret1, ret2;
    guest_frame top = lay_out_stack(&ret1, &ret2);
    listed[0] = '\0';
    ck_assert_uint_eq(guest_dwarf_variables(g, &top, &access_ops, GUEST_VARS_ARGS, collect, NULL), 1);
    ck_assert_str_eq(listed, "long long int n = 7");
    listed[0] = '\0';
    ck_assert_uint_eq(guest_dwarf_variables(g, &top, &access_ops, GUEST_VARS_LOCALS, collect, NULL), 0);
    char err[256];
    ck_assert_int_eq(guest_dwarf_assign(g, &top, &access_ops, "n", "-12", err, sizeof err), 0);
    print_ok(&top, "n", "-12");
    ck_assert_int_eq(guest_dwarf_assign(g, &top, &access_ops, "n", "0x20", err, sizeof err), 0);
    print_ok(&top, "n", "32");
    ck_assert_int_eq(guest_dwarf_assign(g, &top, &access_ops, "wl_fib.size", "3", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "read-only") != NULL, "%s", err);
    ck_assert_int_eq(guest_dwarf_assign(g, &top, &access_ops, "wl_fib", "3", err, sizeof err), -1);
    ck_assert_str_eq(err, "wl_fib: vdb sets numbers, characters and pointers, not a value of this type");
}
END_TEST

static char global_types[16384];
static void collect_types(void *context, const char *name, const char *type, const char *value)
{
    size_t used = strlen(global_types);
    snprintf(global_types + used, sizeof global_types - used, "%s: %s\n", name, type);
}

/* Type names as gdb writes them: a const array of const elements (gcc
 * qualifies both) is qualified once. */
START_TEST(type_names_as_gdb_writes_them)
{
    guest_frame top = { .pc = nm_address("kernel_main", NULL) };
    global_types[0] = '\0';
    ck_assert_uint_gt(guest_dwarf_variables(g, &top, &access_ops, GUEST_VARS_GLOBALS, collect_types, NULL), 0);
    ck_assert_msg(strstr(global_types, "exception_names: const char * const [32]\n") != NULL, "%s", global_types);
    ck_assert_msg(strstr(global_types, "keywords: const struct keyword [") != NULL, "%s", global_types);
    ck_assert_msg(strstr(global_types, "const const") == NULL, "%s", global_types);
    ck_assert_msg(strstr(global_types, "volatile volatile") == NULL, "%s", global_types);
}
END_TEST

START_TEST(returned_values_by_type)
{
    char out[256];
    ck_assert(guest_dwarf_return_value(g, "fib", 55, false, 0, out, sizeof out));
    ck_assert_str_eq(out, "55");
    ck_assert(guest_dwarf_return_value(g, "fib", (uint64_t)-3, false, 0, out, sizeof out));
    ck_assert_str_eq(out, "-3");
    ck_assert(!guest_dwarf_return_value(g, "kernel_main", 1, false, 0, out, sizeof out));  /* void */
}
END_TEST

/* ==== other images ============================================================ */

/* kernel.elf is -O2: a function's breakpoint is its first address, as
 * gdb's, because the row after it is often a branch not taken there
 * (kernel_main's is its failure path, on the line of kernel_exit). */
START_TEST(optimized_code_breaks_at_the_entry)
{
    char err[256], optimized[4096];
    const char *guests = getenv("MHV_GUESTS");
    snprintf(optimized, sizeof optimized, "%s/kernel.elf", guests && guests[0] ? guests : "build/release/guest");
    guest_dwarf *o = guest_dwarf_open(optimized, err, sizeof err);
    ck_assert_msg(o != NULL, "%s", err);
    guest_function f;
    ck_assert(guest_dwarf_function_named(o, "kernel_main", &f));
    ck_assert_uint_eq(f.body, f.low);
    guest_line line;
    ck_assert(guest_dwarf_line(o, f.body, &line));
    ck_assert_str_eq(line.name, "mini-hypervisor/guest/kernel/kmain.c");
    guest_dwarf_close(o);
    /* and the -O0 kernel's is past its prologue (function_bounds_as_nm_says) */
    ck_assert(guest_dwarf_function_named(g, "kernel_main", &f));
    ck_assert_uint_gt(f.body, f.low);
}
END_TEST

START_TEST(an_elf_with_symbols_only)
{
    char err[256];
    guest_dwarf *h = guest_dwarf_open(hello32, err, sizeof err);
    ck_assert_msg(h != NULL, "%s", err);
    ck_assert(!guest_dwarf_has_lines(h));
    ck_assert(!guest_dwarf_has_info(h));
    ck_assert(!guest_dwarf_is_x86_64(h));
    uint64_t address;
    ck_assert(guest_dwarf_symbol_address(h, "_start", &address));
    ck_assert_uint_eq(address, 0x100000);
    guest_function f;
    ck_assert(guest_dwarf_function(h, address, &f));
    ck_assert_str_eq(f.name, "_start");
    ck_assert_uint_eq(f.body, f.low);
    /* an unsized symbol names only its section's addresses: not the
     * linker's _edata past .text's end, nor an address far from fact */
    char out[128];
    ck_assert(guest_dwarf_symbolize(h, 0x100050, out, sizeof out));
    ck_assert_str_eq(out, "fact+3");
    ck_assert_msg(!guest_dwarf_symbolize(h, 0x100060, out, sizeof out), "%s", out);
    ck_assert_msg(!guest_dwarf_symbolize(h, 0x100f93, out, sizeof out), "%s", out);
    ck_assert_msg(!guest_dwarf_symbolize(h, 0x101056, out, sizeof out), "%s", out);
    ck_assert_str_eq(out, "0x101056");
    ck_assert(!guest_dwarf_function(h, 0x100060, &f));
    guest_dwarf_close(h);
}
END_TEST

START_TEST(bad_images_get_messages)
{
    char err[256], path[] = "/tmp/vdb-dwarf-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "#!/bin/sh\n", 10), 10);
    close(fd);
    ck_assert_ptr_null(guest_dwarf_open(path, err, sizeof err));
    ck_assert_msg(strstr(err, "is no ELF file, nor a System.map") != NULL, "%s", err);
    /* the first 100 bytes of the kernel: an ELF header, and nothing it points at */
    fd = open(path, O_WRONLY | O_TRUNC);
    ck_assert_int_eq(write(fd, mem.image, 100), 100);
    close(fd);
    ck_assert_ptr_null(guest_dwarf_open(path, err, sizeof err));
    char expected[512];
    snprintf(expected, sizeof expected, "%s: the program header table (offset 0x40, 2 x 56 bytes) runs past the end "
             "of the file (100 bytes)", path);
    ck_assert_str_eq(err, expected);
    unlink(path);
    ck_assert_ptr_null(guest_dwarf_open("/nonexistent/kernel.elf", err, sizeof err));
    ck_assert_str_eq(err, "/nonexistent/kernel.elf: No such file or directory");
}
END_TEST

/* A copy of the kernel, changed by `damage`, at path. */
static void write_damaged(const char *path, size_t size, void (*damage)(uint8_t *image, size_t size))
{
    uint8_t *copy = malloc(mem.image_size);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, mem.image, mem.image_size);
    if (damage)
        damage(copy, mem.image_size);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(copy, 1, size, f), size);
    fclose(f);
    free(copy);
}

/* The kernel's section header of a section, from its own bytes. */
static Elf64_Shdr *section_header(uint8_t *image, const char *name)
{
    Elf64_Ehdr *ehdr = (Elf64_Ehdr *)image;
    Elf64_Shdr *shdrs = (Elf64_Shdr *)(image + ehdr->e_shoff);
    const char *names = (const char *)image + shdrs[ehdr->e_shstrndx].sh_offset;
    for (unsigned i = 0; i < ehdr->e_shnum; i++)
        if (strcmp(names + shdrs[i].sh_name, name) == 0)
            return &shdrs[i];
    ck_abort_msg("no section %s", name);
    return NULL;
}

static void overwrite_section_headers(uint8_t *image, size_t size)
{
    Elf64_Ehdr *ehdr = (Elf64_Ehdr *)image;
    memset(image + ehdr->e_shoff, 0xff, (size_t)ehdr->e_shnum * ehdr->e_shentsize);
}

static void move_debug_info_past_the_end(uint8_t *image, size_t size)
{
    section_header(image, ".debug_info")->sh_offset = size - 16;
}

static void overwrite_unit_header(uint8_t *image, size_t size)
{
    memset(image + section_header(image, ".debug_info")->sh_offset, 0xff, 32);
}

static void overwrite_line_table(uint8_t *image, size_t size)
{
    memset(image + section_header(image, ".debug_line")->sh_offset, 0xff, 64);
}

/* A truncated or overwritten image is refused with what is wrong and
 * where, not opened as an ELF with nothing in it (no symbols, no reason). */
START_TEST(damaged_images_say_what_and_where)
{
    char err[512], expected[1024], path[] = "/tmp/vdb-dwarf-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    Elf64_Ehdr *ehdr = (Elf64_Ehdr *)mem.image;

    write_damaged(path, 3000, NULL);
    ck_assert_ptr_null(guest_dwarf_open(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s: program header 0 (PT_LOAD: offset 0x%" PRIx64, path,
             (uint64_t)mem.loads[0].p_offset);
    ck_assert_msg(strncmp(err, expected, strlen(expected)) == 0 &&
                  strstr(err, "runs past the end of the file (3000 bytes)") != NULL, "%s", err);

    write_damaged(path, 40000, NULL);
    ck_assert_ptr_null(guest_dwarf_open(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s: the section header table (offset 0x%" PRIx64 ", %u x 64 bytes) runs "
             "past the end of the file (40000 bytes)", path, (uint64_t)ehdr->e_shoff, ehdr->e_shnum);
    ck_assert_str_eq(err, expected);

    write_damaged(path, mem.image_size, overwrite_section_headers);
    ck_assert_ptr_null(guest_dwarf_open(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s: section 1 (offset 0xffffffffffffffff, 0xffffffffffffffff bytes) runs "
             "past the end of the file (%zu bytes)", path, mem.image_size);
    ck_assert_str_eq(err, expected);

    write_damaged(path, mem.image_size, move_debug_info_past_the_end);
    ck_assert_ptr_null(guest_dwarf_open(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s: section .debug_info (offset 0x%zx, 0x%" PRIx64 " bytes) runs past the "
             "end of the file (%zu bytes)", path, mem.image_size - 16,
             (uint64_t)section_header(mem.image, ".debug_info")->sh_size, mem.image_size);
    ck_assert_str_eq(err, expected);

    write_damaged(path, mem.image_size, overwrite_unit_header);
    ck_assert_ptr_null(guest_dwarf_open(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s: section .debug_info: the unit at offset 0x0 cannot be read", path);
    ck_assert_msg(strncmp(err, expected, strlen(expected)) == 0, "%s", err);

    write_damaged(path, mem.image_size, overwrite_line_table);
    ck_assert_ptr_null(guest_dwarf_open(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s: section .debug_line: the line table of the unit at offset 0x0 cannot "
             "be read", path);
    ck_assert_msg(strncmp(err, expected, strlen(expected)) == 0, "%s", err);

    /* and the whole file still opens */
    write_damaged(path, mem.image_size, NULL);
    guest_dwarf *h = guest_dwarf_open(path, err, sizeof err);
    ck_assert_msg(h != NULL, "%s", err);
    guest_dwarf_close(h);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vdb DWARF layer");
    struct { const char *name; const TTest *tests[8]; } cases[] = {
        { "symbols", { symbols_by_name_as_nm_says, addresses_as_name_plus_offset,
                       completion_is_sorted_and_has_functions_and_globals } },
        { "lines", { lines_as_addr2line_says, file_names_and_paths, file_and_line_to_an_address } },
        { "functions", { function_bounds_as_nm_says, optimized_code_breaks_at_the_entry } },
        { "frames", { unwinds_through_the_cfi, the_call_in_progress_and_the_rbp_chain,
                      unwinds_through_an_interrupt_frame } },
        { "values", { globals_fields_pointers_arrays, functions_and_symbols_without_debug_information,
                      a_parameter_in_its_frame, args_locals_and_set_var,
                      returned_values_by_type, type_names_as_gdb_writes_them } },
        { "images", { an_elf_with_symbols_only, bad_images_get_messages, damaged_images_say_what_and_where } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        for (size_t k = 0; k < 8 && cases[i].tests[k]; k++)
            tcase_add_test(tc, cases[i].tests[k]);
        suite_add_tcase(s, tc);
    }
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    free(mem.image);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
