/*
 * target.h -- the one interface between vdb's front end and a virtual
 * machine.  The front end (commands, batch mode, TUI) includes this header
 * and never a VM's own: everything it shows or changes goes through a
 * vdb_target's operations.  An adapter per VM fills them in:
 *
 *   target_bvm.c     the bytecode VM (bytecode-vm/runtime/vm.h's hook API)
 *   target_mhv.c     the mini-hypervisor (mini-hypervisor/debug/debug.h)
 *   target_remote.c  a machine another program runs, through gdb's remote
 *                    serial protocol (vdb --gdbserver, QEMU's gdbstub)
 *
 * and one that wraps another: target_dwarf.c (vdb_dwarf_wrap) gives a
 * machine-level x86-64 target -- the hypervisor's, or any with the core
 * operations and gdb's amd64 register names -- the symbols, source lines,
 * line stepping, frames and variables of the guest's ELF image.
 *
 * Addresses are 64-bit numbers whose meaning the target defines and
 * formats (format_address): for the bytecode VM a code address is
 * (function index << 32 | pc), for the hypervisor a guest address.  Memory
 * is reached by (space, address), the target naming its spaces (bvm:
 * "stack", the value stack in 8-byte slots; mhv: "virt" and "phys").
 *
 * Layer: targets, the bottom one: it includes nothing of vdb, and every
 * layer above sees it (core/session.h lists them).  Only the adapters'
 * files see a VM's headers (the Makefile's VDB_*_ADAPTER_INC).
 *
 * Invariants every adapter keeps:
 *   - No operation prints, exits or blocks on the terminal.  Failures
 *     return -1 with one line in err (what and where); err_size is at
 *     least VDB_ERR_SIZE.
 *   - Between resumes the target is stopped, and every read returns the
 *     state at that stop.  After the program ended (VDB_STOP_EXITED,
 *     VDB_STOP_ERROR) reads still work where the VM keeps its state;
 *     resume returns the same end again.
 *   - The program's own output is never written to vdb's stdout by the
 *     target: it is buffered and handed over by take_output, so the front
 *     end decides where it goes (a pane, or the batch transcript).
 *   - interrupt is the only operation that may be called from a signal
 *     handler while resume runs.
 */
#ifndef VDB_TARGET_H
#define VDB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VDB_ERR_SIZE 256

typedef struct vdb_target vdb_target;

/* What a target can do beyond the common core (run, stepi, breakpoints by
 * address, registers, memory, disassembly). */
enum {
    VDB_CAP_SOURCE = 1u << 0,     /* source lines: step by line, break FILE:LINE */
    VDB_CAP_FRAMES = 1u << 1,     /* call frames: next, finish, info frame, up/down */
    VDB_CAP_VARIABLES = 1u << 2,  /* locals, globals, print NAME[i].field, set var */
    VDB_CAP_JIT = 1u << 3,        /* the jit option and native code of a function */
    VDB_CAP_EXITS = 1u << 4,      /* info exits: VM exits by reason */
    VDB_CAP_CPU_MODE = 1u << 5,   /* a CPU mode (real, protected, long) */
    VDB_CAP_REVERSE = 1u << 6,    /* exact instruction counts and run_to: the
                                     program is deterministic, so the front
                                     end goes back by running it again      */
    VDB_CAP_OPERAND_STACK = 1u << 7, /* a frame has an operand stack
                                     (variables' VDB_VARS_STACK)            */
    VDB_CAP_RESTART = 1u << 8,    /* a fresh one can run the program again
                                     (`run` after it ended); a remote
                                     server's machine ran it once           */
};

typedef enum {
    VDB_RESUME_CONTINUE,   /* until a breakpoint, an interrupt or the end     */
    VDB_RESUME_STEPI,      /* one instruction                                 */
    VDB_RESUME_STEP,       /* to another source line, into calls (SOURCE)     */
    VDB_RESUME_NEXT,       /* to another source line, over calls (FRAMES)     */
    VDB_RESUME_FINISH,     /* until the current function returns (FRAMES)     */
    VDB_RESUME_UNTIL,      /* next, but never back to a line before (targets
                              with resume_to)                                */
} vdb_resume_kind;

typedef enum {
    VDB_STOP_NOT_STARTED,  /* before the first resume                          */
    VDB_STOP_STEP,         /* the step asked for completed                     */
    VDB_STOP_BREAKPOINT,   /* before the instruction at a breakpoint           */
    VDB_STOP_INTERRUPT,    /* interrupt() (Ctrl-C), or a timeout               */
    VDB_STOP_EXITED,       /* the program ended normally; exit_status is set   */
    VDB_STOP_ERROR,        /* it ended abnormally: uncaught exception, crash   */
    VDB_STOP_EXCEPTION,    /* a caught guest exception (catch_exception): at
                              the gate's handler; vector and detail say which,
                              address is where it happened                   */
} vdb_stop_kind;

typedef struct {
    vdb_stop_kind kind;
    int exit_status;       /* EXITED and ERROR: the status the VM's own
                              program (bvm, mhv) would have exited with      */
    uint64_t address;      /* BREAKPOINT: the breakpoint's address; EXCEPTION:
                              the faulting instruction's                     */
    int vector;            /* EXCEPTION: the vector (0 .. 31)                 */
    char detail[256];      /* ERROR: the message ("division by zero",
                              "triple fault"); EXCEPTION: what the CPU said
                              ("#PF, error code 0x0, cr2 0x100000000000");
                              otherwise empty                                 */
    char returned[256];    /* after FINISH: the value the function returned,
                              as evaluate shows values; empty when none      */
} vdb_stop;

/* A register, as the target describes it. */
typedef struct {
    const char *name;      /* "rax", "pc"                                     */
    unsigned bits;         /* 8 .. 64                                          */
    const char *group;     /* "general", "segment", "control", "vm"           */
} vdb_register;

/* A call frame (VDB_CAP_FRAMES), 0 = innermost. */
typedef struct {
    char function[64];
    uint64_t address;      /* the instruction about to run (outer frames: the
                              call in progress)                                */
    uint32_t line;         /* 0 when unknown                                   */
} vdb_frame;

/* A variable visible in a frame (VDB_CAP_VARIABLES). */
typedef struct {
    char name[64];
    char type[64];
    char value[256];       /* as `print` shows it (cut with "..." if longer)  */
} vdb_variable;

typedef enum {
    VDB_VARS_LOCALS,       /* the frame's locals, parameters first            */
    VDB_VARS_ARGS,         /* the frame's parameters alone                    */
    VDB_VARS_GLOBALS,
    VDB_VARS_STACK,        /* the frame's operand stack, bottom first         */
} vdb_var_set;

typedef struct {
    const char *name;      /* "bvm", "mhv"                                    */
    unsigned caps;         /* VDB_CAP_*                                       */

    void (*destroy)(vdb_target *t);

    /* ---- running ---- */
    int (*resume)(vdb_target *t, vdb_resume_kind kind, vdb_stop *stop, char *err, size_t err_size);
    void (*interrupt)(vdb_target *t);     /* async-signal-safe */
    /* Appends the program's output since the last call to *text (malloc'd,
     * NUL-terminated, NULL when none); returns its length. */
    size_t (*take_output)(vdb_target *t, char **text);

    /* REVERSE: the instructions run since the start, exact; and running on
     * until exactly `count` have run (a breakpoint on the way stops it
     * first, as resume would). */
    uint64_t (*instructions)(vdb_target *t);
    int (*run_to)(vdb_target *t, uint64_t count, vdb_stop *stop, char *err, size_t err_size);
    /* `until LOCATION`: runs until address is reached in the current frame
     * (or one outside it), or the current frame returns -- a STEP stop
     * either way.  A target that has it takes VDB_RESUME_UNTIL too; NULL
     * for the others. */
    int (*resume_to)(vdb_target *t, uint64_t address, vdb_stop *stop, char *err, size_t err_size);
    /* `catch exception [VECTOR]`: stop when the guest takes exception
     * `vector` (0 .. 31; -1: each of them) -- on (caught) or off.  NULL
     * where the target cannot tell. */
    int (*catch_exception)(vdb_target *t, int vector, bool caught, char *err, size_t err_size);

    /* ---- where it is ---- */
    uint64_t (*pc)(vdb_target *t);
    /* "fib+12" (bvm), "0x1000" (mhv): the form the user types back. */
    void (*format_address)(vdb_target *t, uint64_t address, char *out, size_t size);
    /* The one-line state for the status bar: tier, mode, instruction count. */
    void (*status)(vdb_target *t, char *out, size_t size);

    /* ---- breakpoints (by address; the front end numbers them) ---- */
    /* Resolves what the user typed after `break`: a line, FILE:LINE, a
     * function name (where its body starts, after any prologue), or
     * *ADDRESS (*NAME, *NAME+OFF: the symbol's own address, which is what
     * a name means as an address: core/location.h's vdb_resolve_address). */
    int (*resolve)(vdb_target *t, const char *spec, uint64_t *address, char *err, size_t err_size);
    int (*insert_breakpoint)(vdb_target *t, uint64_t address, char *err, size_t err_size);
    int (*remove_breakpoint)(vdb_target *t, uint64_t address, char *err, size_t err_size);

    /* ---- registers ---- */
    size_t (*register_count)(vdb_target *t);
    const vdb_register *(*register_info)(vdb_target *t, size_t i);
    int (*read_register)(vdb_target *t, size_t i, uint64_t *value, char *err, size_t err_size);
    int (*write_register)(vdb_target *t, size_t i, uint64_t value, char *err, size_t err_size);

    /* ---- memory ---- */
    const char *const *spaces;            /* NULL-terminated; [0] is the default */
    int (*read_memory)(vdb_target *t, int space, uint64_t address, void *buffer, size_t size,
                       char *err, size_t err_size);
    int (*write_memory)(vdb_target *t, int space, uint64_t address, const void *buffer, size_t size,
                        char *err, size_t err_size);

    /* ---- code ---- */
    /* One instruction at address as text ("iadd", "mov eax, 1"); *next is
     * the address after it.  The disassembly follows the CPU mode. */
    int (*disassemble)(vdb_target *t, uint64_t address, char *text, size_t size, uint64_t *next,
                       char *err, size_t err_size);
    /* The source line of an address (SOURCE): *file (owned by the target)
     * and *line; false when it has none. */
    bool (*source_line)(vdb_target *t, uint64_t address, const char **file, uint32_t *line);
    /* The line-table row holding address (SOURCE): its code is [*start,
     * *end), as `info line` reports it.  NULL, or false: the front end
     * walks the instructions from address to where the line changes. */
    bool (*line_range)(vdb_target *t, uint64_t address, uint64_t *start, uint64_t *end);
    /* The first and one-past-last address of the function holding address
     * (for disassembly panes); false when the target has no functions. */
    bool (*function_bounds)(vdb_target *t, uint64_t address, uint64_t *start, uint64_t *end);

    /* ---- frames and variables (FRAMES, VARIABLES) ---- */
    size_t (*frame_count)(vdb_target *t);
    int (*frame)(vdb_target *t, size_t depth, vdb_frame *out, char *err, size_t err_size);
    /* Fills up to max variables of a set; returns how many there are. */
    size_t (*variables)(vdb_target *t, size_t depth, vdb_var_set set, vdb_variable *out, size_t max);
    /* print EXPR: NAME, NAME[INDEX], NAME.FIELD, chained, in frame depth. */
    int (*evaluate)(vdb_target *t, size_t depth, const char *expression, char *out, size_t size,
                    char *err, size_t err_size);
    /* set var EXPR = VALUE. */
    int (*assign)(vdb_target *t, size_t depth, const char *expression, const char *value,
                  char *err, size_t err_size);

    /* ---- target options and facts ---- */
    /* `jit on|off` and the like: name and value as typed. */
    int (*set_option)(vdb_target *t, const char *name, const char *value, char *err, size_t err_size);
    /* `info TOPIC` for a topic the front end does not know itself ("exits",
     * "mode"); the text is malloc'd, lines ending in '\n'. */
    int (*info)(vdb_target *t, const char *topic, char **text, char *err, size_t err_size);
    /* The topics info takes, NULL-terminated (what Tab offers after
     * `info `); NULL: none. */
    const char *const *info_topics;
    /* Names the user may type (functions, globals) for tab completion:
     * the i-th, or NULL past the last.  May be NULL (no symbols). */
    const char *(*symbol)(vdb_target *t, size_t i);
    /* The native code of the function holding address, interleaved with
     * its bytecode (JIT), malloc'd, the line of address's instruction
     * starting with "=>"; -1 when it has none. */
    int (*native_code)(vdb_target *t, uint64_t address, char **text, char *err, size_t err_size);
} vdb_target_ops;

struct vdb_target {
    const vdb_target_ops *ops;
};

/* The operations every adapter has, whatever its capabilities, which the
 * front end calls without asking: an adapter names them PREFIX_OPERATION
 * (target_resume, ...) and its table starts
 *
 *     { .name = "bvm", .caps = ..., VDB_TARGET_CORE_OPS(target), .spaces = ...,
 *       then the operations of its capabilities and options }
 *
 * so that a core operation an adapter lacks is a compile error, not a
 * NULL call.  The others may be NULL where the capability is missing
 * (instructions, run_to: REVERSE; frame_count ... assign: FRAMES and
 * VARIABLES; native_code: JIT) or the target has none (set_option, info,
 * symbol). */
#define VDB_TARGET_CORE_OPS(prefix)                                                                    \
    .destroy = prefix##_destroy, .resume = prefix##_resume, .interrupt = prefix##_interrupt,            \
    .take_output = prefix##_take_output, .pc = prefix##_pc, .format_address = prefix##_format_address, \
    .status = prefix##_status, .resolve = prefix##_resolve,                                            \
    .insert_breakpoint = prefix##_insert_breakpoint, .remove_breakpoint = prefix##_remove_breakpoint,   \
    .register_count = prefix##_register_count, .register_info = prefix##_register_info,                \
    .read_register = prefix##_read_register, .write_register = prefix##_write_register,                \
    .read_memory = prefix##_read_memory, .write_memory = prefix##_write_memory,                        \
    .disassemble = prefix##_disassemble, .source_line = prefix##_source_line,                          \
    .function_bounds = prefix##_function_bounds

/* The adapters.  Each returns NULL with err set when the program or image
 * cannot be loaded. */
typedef struct {
    const char *program;   /* a .vela source, .vasm or bytecode file        */
    const char *jit;       /* "off" (default), "on" or "always"             */
} vdb_bvm_config;
vdb_target *vdb_bvm_open(const vdb_bvm_config *config, char *err, size_t err_size);

typedef struct {
    const char *image;     /* an ELF or flat guest image                    */
    const char *mode;      /* NULL: from the image; "real", "protected", "long" */
    uint64_t load, entry;  /* flat images; 0: mhv's defaults                */
    unsigned mem_mib;      /* 0: MHV_DEFAULT_MEM_MIB                        */
    const char *cmdline;   /* the guest kernel's command line, or NULL      */
    /* A Linux guest instead of an image, as `mhv run --kernel` boots it
     * (mini-hypervisor/vmm/linux_machine.h): kernel is a bzImage or a
     * vmlinux; append gets nokaslr added unless it names kaslr or nokaslr,
     * so that the kernel runs at the addresses of its System.map. */
    const char *kernel, *initrd, *append;
    const char *disks[3];  /* FILE or FILE,ro, in order: /dev/vda, vdb, vdc */
    unsigned disk_count;
} vdb_mhv_config;
vdb_target *vdb_mhv_open(const vdb_mhv_config *config, char *err, size_t err_size);

/* A remote x86 machine: a server of gdb's remote serial protocol runs it
 * (vdb --gdbserver, in the sandbox or elsewhere; QEMU's gdbstub; gdbserver)
 * and this target is its client.  Its registers carry gdb's amd64 names
 * (rax .. r15, rip, rflags, cs .., and cr0 .. efer where the server has
 * them), so that a layer over it can find them by name. */
typedef struct {
    const char *address;          /* "HOST:PORT", or ":PORT" for 127.0.0.1     */
    bool use_fd;                  /* talk on fd instead (a connected socket, */
    int fd;                       /* which the target then owns): tests      */
    unsigned timeout_ms;          /* a reply's limit; 0: VDB_REMOTE_TIMEOUT_MS */
    unsigned connect_timeout_ms;  /* a refused connection is tried again for
                                     so long; 0: VDB_REMOTE_CONNECT_MS        */
} vdb_remote_config;
#define VDB_REMOTE_TIMEOUT_MS 10000
#define VDB_REMOTE_CONNECT_MS 5000
vdb_target *vdb_remote_open(const vdb_remote_config *config, char *err, size_t err_size);

/* The DWARF layer (target_dwarf.c): a target over `inner` that adds what
 * the ELF image at elf_path tells -- symbols (break NAME, NAME+OFF
 * addresses, symbolic disassembly) from its symbol table; with DWARF also
 * source lines, stepping by line, frames and variables.  inner must have
 * the core operations and, for frames and variables, x86-64 registers
 * named as gdb's amd64 names (rax .. r15, rip).  The machine-level
 * operations are inner's.  On success the new target owns inner (its
 * destroy destroys inner); NULL with err set when the file is no ELF,
 * is damaged (truncated, overwritten: guest_dwarf_open says what and
 * where) or libdw cannot read it, and then inner is the caller's still. */
vdb_target *vdb_dwarf_wrap(vdb_target *inner, const char *elf_path, char *err, size_t err_size);
/* Whether vdb_dwarf_wrap can read the ELF at elf_path (no target needed:
 * a bad --symbols file is reported before the machine starts).  0, or -1
 * with err set as vdb_dwarf_wrap sets it. */
int vdb_dwarf_check(const char *elf_path, char *err, size_t err_size);

#endif
