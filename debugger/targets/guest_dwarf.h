/*
 * guest_dwarf.h -- what a guest's ELF image says about its code, read with
 * elfutils' libdw and libdwfl: symbols, the line table, functions, the
 * call-frame information (unwinding), variables with their DWARF types.
 * The DWARF layer of vdb's hypervisor target (target_dwarf.c) is built on
 * it; it knows nothing of vdb's targets or of any VM, so its tests need
 * only a built ELF (tests/unit/vdb/test_vdb_dwarf.c).
 *
 * Why libdw: DWARF is a large format (DWARF 4 and 5, location lists,
 * forms, abbreviations, line programs, CFI) that gcc keeps growing; libdw
 * is what elfutils' own tools (eu-readelf, eu-stack, eu-addr2line) and
 * systemtap read it with, so it decodes what the system's gcc writes.
 * What is ours: the tables built from it at open (sorted for lookups),
 * the evaluation of a location expression against a frame's registers
 * and the guest's memory, and the printing of values by their types
 * (guest_values.c), which every debugger does for itself.
 *
 * Registers are in the x86-64 DWARF numbering (the psABI's): 0 rax,
 * 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp, 8..15 r8..r15, 16 the
 * return address (rip).  Addresses are guest virtual addresses, which for
 * an ET_EXEC image are the ones it was linked at.
 *
 * Invariants:
 *   - A guest_dwarf is immutable after open, except the unwinder's
 *     per-call state; lookups never fail for lack of memory (all is
 *     allocated at open).
 *   - Strings it returns (paths, names) live as long as the guest_dwarf.
 *   - Guest memory is read only through the guest_access given to a call,
 *     and a failed read is an error for that value, never a crash: a
 *     corrupt image or a guest in any state gets messages.
 *   - Nothing here prints or exits; errors are one line in err.
 */
#ifndef VDB_GUEST_DWARF_H
#define VDB_GUEST_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct guest_dwarf guest_dwarf;

#define GUEST_REG_RAX 0
#define GUEST_REG_RBP 6
#define GUEST_REG_RSP 7
#define GUEST_REG_RIP 16
#define GUEST_REGS 17

/* How the guest is reached: its memory (virtual addresses) and, for the
 * innermost frame, its registers (DWARF numbers).  write and
 * write_register may be NULL (a read-only view). */
typedef struct {
    void *context;
    int (*read)(void *context, uint64_t address, void *buffer, size_t size, char *err, size_t err_size);
    int (*write)(void *context, uint64_t address, const void *buffer, size_t size, char *err, size_t err_size);
    int (*write_register)(void *context, int regno, uint64_t value, char *err, size_t err_size);
} guest_access;

/* A call frame as the unwinder leaves it. */
typedef struct {
    uint64_t pc;                  /* frame 0: the next instruction; outer frames: the call in progress */
    uint64_t return_address;      /* outer frames: where the call returns (0 for frame 0) */
    uint64_t regs[GUEST_REGS];
    uint32_t known;               /* bit i: regs[i] is known in this frame */
    bool by_frame_pointer;        /* found through the rbp chain, not the CFI */
    bool interrupted;             /* stopped by an interrupt or exception: pc (and return_address) is
                                     the interrupted instruction, not a call */
} guest_frame;

/* ---- opening ---- */

/* Opens an ELF image.  NULL with err set when it is no ELF file, cannot be
 * read, or libdwfl rejects it, and when it is damaged, with what and
 * where: a header table, section or segment past the file's end (a
 * truncated file), a symbol table, DWARF unit or line table that libelf
 * or libdw cannot read (an overwritten one).  An ELF without DWARF (only
 * a symbol table) opens: it has symbols, no lines or variables. */
guest_dwarf *guest_dwarf_open(const char *path, char *err, size_t err_size);
void guest_dwarf_close(guest_dwarf *g);

bool guest_dwarf_has_lines(const guest_dwarf *g);      /* a line table with rows */
bool guest_dwarf_has_info(const guest_dwarf *g);       /* functions in .debug_info */
bool guest_dwarf_is_x86_64(const guest_dwarf *g);      /* ELFCLASS64, EM_X86_64 */
bool guest_dwarf_has_cfi(const guest_dwarf *g);        /* .debug_frame or .eh_frame */
size_t guest_dwarf_symbol_count(const guest_dwarf *g);

/* ---- symbols ---- */

/* A function, object or label by name (DWARF functions first, then the
 * ELF symbol table): its address. */
bool guest_dwarf_symbol_address(const guest_dwarf *g, const char *name, uint64_t *address);
/* "fib" or "fib+4": the function or symbol at or before address; false
 * when none is (then out is "0x..."). */
bool guest_dwarf_symbolize(const guest_dwarf *g, uint64_t address, char *out, size_t size);
/* The names to complete (functions and globals), sorted, the i-th or NULL. */
const char *guest_dwarf_completion(const guest_dwarf *g, size_t i);

/* ---- lines ---- */

typedef struct {
    const char *path;     /* to open the file: the comp dir joined, or as named if that is what exists */
    const char *name;     /* as the DWARF names it, relative to the comp dir where it is inside */
    uint32_t line;
    uint64_t start, end;  /* the row's addresses: [start, end) */
} guest_line;

/* The row holding address; false where the line table has none (or line 0). */
bool guest_dwarf_line(const guest_dwarf *g, uint64_t address, guest_line *out);
/* Whether address begins a statement row (is_stmt, line not 0). */
bool guest_dwarf_line_starts(const guest_dwarf *g, uint64_t address);
/* The first address of FILE:LINE (FILE matches a whole name or its last
 * components: "fib.c", "workloads/fib.c"); a line without code gives the
 * next line of that file that has code, and *found says which. */
int guest_dwarf_find_line(const guest_dwarf *g, const char *file, uint32_t line, uint64_t *address,
                          uint32_t *found, char *err, size_t err_size);

/* ---- functions ---- */

typedef struct {
    const char *name;
    uint64_t low, high;   /* [low, high) */
    uint64_t body;        /* where `break NAME` stops: after the prologue (-O0), the entry (optimized) */
    bool has_lines;
} guest_function;

bool guest_dwarf_function(const guest_dwarf *g, uint64_t address, guest_function *out);
bool guest_dwarf_function_named(const guest_dwarf *g, const char *name, guest_function *out);

/* ---- frames ---- */

/* Unwinds from frame 0 (regs all known) with libdwfl's unwinder over the
 * image's CFI, the rbp chain where the CFI ends or is missing.  Fills up
 * to max frames, returns how many.  Outer frames' pc is the call
 * instruction when find_call can tell it (it returns 0 when not), else
 * the return address less one; a frame below a signal frame's CFI (an
 * interrupt or exception handler's) is `interrupted`, its pc the
 * interrupted instruction's. */
typedef uint64_t (*guest_find_call)(void *context, uint64_t function_start, uint64_t return_address);
size_t guest_dwarf_unwind(guest_dwarf *g, const guest_frame *innermost, const guest_access *access,
                          guest_find_call find_call, void *find_context, guest_frame *frames, size_t max);

/* The CFA (the stack pointer before the call) of a frame: from the CFI at
 * its pc, else rbp + 16; false when its registers do not tell. */
bool guest_dwarf_cfa(const guest_dwarf *g, const guest_frame *frame, uint64_t *cfa);

/* ---- variables and values (guest_values.c) ---- */

typedef enum {
    GUEST_VARS_ARGS,      /* the function's parameters */
    GUEST_VARS_LOCALS,    /* its locals, innermost block first */
    GUEST_VARS_GLOBALS,   /* every global and static variable */
} guest_var_set;

typedef void (*guest_var_callback)(void *context, const char *name, const char *type, const char *value);
/* Calls back for each variable of the set, with its value as print shows
 * it; returns how many there are. */
size_t guest_dwarf_variables(const guest_dwarf *g, const guest_frame *frame, const guest_access *access,
                             guest_var_set set, guest_var_callback callback, void *context);

/* print EXPRESSION in a frame: NAME, *E, &E, E[I], E.FIELD, E->FIELD,
 * (E), numbers; locals, parameters, globals. */
int guest_dwarf_evaluate(const guest_dwarf *g, const guest_frame *frame, const guest_access *access,
                         const char *expression, char *out, size_t size, char *err, size_t err_size);
/* set var EXPRESSION = VALUE (a number, a character 'c', or an expression
 * of the same kinds); a register only in frame 0. */
int guest_dwarf_assign(const guest_dwarf *g, const guest_frame *frame, const guest_access *access,
                       const char *expression, const char *value, char *err, size_t err_size);
/* The value a function returns, by its DWARF type: integers and pointers
 * from rax, float and double from xmm0 (have_xmm0 false: said so).
 * Returns false for a void function (nothing to show). */
bool guest_dwarf_return_value(const guest_dwarf *g, const char *function, uint64_t rax, bool have_xmm0,
                              uint64_t xmm0, char *out, size_t size);

#endif
