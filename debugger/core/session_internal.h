/*
 * session_internal.h -- the session's state, shared by the files that
 * implement session.h: session.c (life cycle, running, dispatch),
 * breakpoints.c, values.c, inspect.c (the commands), pane.c (the panes),
 * source.c (source files).
 */
#ifndef VDB_SESSION_INTERNAL_H
#define VDB_SESSION_INTERNAL_H

#include <signal.h>
#include <string.h>

#include "number_format.h"
#include "session.h"

#define VDB_MAX_BREAKPOINTS 64
#define VDB_MAX_DISPLAYS 16
#define VDB_MAX_REGISTERS 64
#define VDB_OUTPUT_KEPT 8192  /* bytes of program output the output pane keeps */

typedef enum { VDB_BP_CODE, VDB_BP_WATCH } vdb_breakpoint_kind;

typedef struct {
    int number;
    vdb_breakpoint_kind kind;
    bool enabled;
    bool temporary;          /* tbreak: deleted when hit                       */
    uint64_t address;        /* CODE                                           */
    char spec[256];          /* as typed: the location, or the watched expression */
    char value[VDB_LINE_MAX]; /* WATCH: the value last seen                    */
    unsigned hits;
} vdb_breakpoint;

typedef struct {
    int number;
    char format;             /* print/F letter, or 0                           */
    char expression[256];
} vdb_display;

typedef struct vdb_source_file vdb_source_file;

struct vdb_session {
    vdb_target *t;
    vdb_target_opener opener;
    void *opener_context;
    vdb_sink sink;

    bool started;                 /* resumed at least once since (re)start   */
    vdb_stop stop;                /* the last stop                           */
    volatile sig_atomic_t resuming;    /* a resume is under way           */
    volatile sig_atomic_t interrupted; /* Ctrl-C during it                   */
    vdb_target *volatile scout;   /* reverse.c's replay target, while it runs */
    size_t frame;                 /* the selected frame, 0 = innermost       */
    char last_function[64];       /* frame 0's function at the last stop     */

    vdb_breakpoint breakpoints[VDB_MAX_BREAKPOINTS];
    size_t nbreakpoints;
    int next_breakpoint;
    vdb_display displays[VDB_MAX_DISPLAYS];
    size_t ndisplays;
    int next_display;
    unsigned print_count;         /* $N of print                             */

    /* Registers at this stop and the one before (for "changed"). */
    size_t nregisters;
    uint64_t register_now[VDB_MAX_REGISTERS], register_before[VDB_MAX_REGISTERS];
    bool register_valid[VDB_MAX_REGISTERS], register_was_valid[VDB_MAX_REGISTERS];
    bool registers_read;

    /* x: the last format and where a bare x goes on; the memory pane. */
    vdb_examine_format examine;
    bool examined;
    int examine_space;
    uint64_t examine_next;
    int memory_space;
    uint64_t memory_address;

    uint32_t list_next;           /* where a bare list goes on (0: around here) */
    vdb_layout layout;
    char output[VDB_OUTPUT_KEPT]; /* the tail of the program's output        */
    size_t output_len;
    char completion[64];
    vdb_source_file *sources;     /* source.c's cache                        */
};

/* ---- session.c ---- */

void vdb_out(vdb_session *s, vdb_stream stream, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define vdb_say(s, ...) vdb_out((s), VDB_OUT_CONSOLE, __VA_ARGS__)
/* Reports a failed command ("error: ..." on one line); returns VDB_EXEC_ERROR. */
vdb_exec_result vdb_fail(vdb_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline bool vdb_has(const vdb_session *s, unsigned cap) { return (s->t->ops->caps & cap) != 0; }

/* A register named pc holds a code address, shown as the target writes
 * one.  (x86's rip is not: in real mode the pc is cs * 16 + ip.) */
static inline bool vdb_is_pc_register(const vdb_register *r) { return strcmp(r->name, "pc") == 0; }

void vdb_read_registers(vdb_session *s);
int vdb_find_register(const vdb_session *s, const char *name);
bool vdb_register_changed(const vdb_session *s, size_t i);
uint64_t vdb_selected_address(vdb_session *s);
/* "fib at fib.vela:7", or the target's form of the address. */
void vdb_describe_location(vdb_session *s, uint64_t address, char *out, size_t size);
/* The source line of address, or its instruction, as printed after a stop. */
void vdb_show_code_line(vdb_session *s, uint64_t address);
/* A count argument (step 3): 1 when empty; false when not 1..10^9. */
bool vdb_parse_count(const char *args, unsigned *count);
/* After the target stopped: frame 0, registers read, the stop reported. */
void vdb_after_stop(vdb_session *s, vdb_resume_kind kind, bool watch_hit);

/* ---- breakpoints.c ---- */

bool vdb_breakpoint_at(const vdb_session *s, uint64_t address);
bool vdb_address_still_used(const vdb_session *s, uint64_t address, const vdb_breakpoint *except);
/* Enables or disables b, inserting or removing its address in the target
 * when no other enabled breakpoint has it. */
int vdb_arm(vdb_session *s, vdb_breakpoint *b, bool enabled, char *err, size_t err_size);
void vdb_remove_breakpoint_at(vdb_session *s, size_t i);
bool vdb_any_watchpoint(const vdb_session *s);
/* The first enabled watchpoint whose value changed (reported), or NULL. */
vdb_breakpoint *vdb_changed_watchpoint(vdb_session *s);
void vdb_info_breakpoints(vdb_session *s);
/* Inserts the enabled breakpoints' addresses, each once, into t (a target
 * made again: run, the reverse commands). */
int vdb_insert_breakpoints(vdb_session *s, vdb_target *t, char *err, size_t err_size);
vdb_exec_result vdb_cmd_break(vdb_session *s, const char *spec, bool temporary);
vdb_exec_result vdb_cmd_watch(vdb_session *s, const char *expression);
vdb_exec_result vdb_cmd_each_breakpoint(vdb_session *s, const vdb_parsed *p);

/* ---- values.c ---- */

int vdb_parse_address(vdb_session *s, const char *text, int *space, uint64_t *address, char *err, size_t err_size);
int vdb_integer_expression(vdb_session *s, const char *text, uint64_t *value, char *err, size_t err_size);
/* Whether text is for the front end ($register, number, *ADDRESS) rather
 * than the target's variables. */
bool vdb_is_integer_expression(const char *text);
/* The text `print/format expression` shows. */
int vdb_evaluate(vdb_session *s, const char *expression, char format, char *out, size_t size, char *err,
                 size_t err_size);
void vdb_format_register(vdb_session *s, size_t i, char *out, size_t size);
void vdb_show_displays(vdb_session *s);
vdb_exec_result vdb_info_registers(vdb_session *s, const char *names);
vdb_exec_result vdb_cmd_examine(vdb_session *s, const vdb_parsed *p);
vdb_exec_result vdb_cmd_print(vdb_session *s, const vdb_parsed *p);
vdb_exec_result vdb_cmd_display(vdb_session *s, const vdb_parsed *p);
vdb_exec_result vdb_cmd_undisplay(vdb_session *s, const char *args);
vdb_exec_result vdb_cmd_set(vdb_session *s, const char *args);

/* ---- reverse.c ---- */

vdb_exec_result vdb_cmd_reverse(vdb_session *s, const vdb_parsed *p, vdb_resume_kind kind);

/* ---- inspect.c ---- */

vdb_exec_result vdb_cmd_info(vdb_session *s, const char *args);
vdb_exec_result vdb_cmd_backtrace(vdb_session *s);
vdb_exec_result vdb_cmd_frame(vdb_session *s, const vdb_parsed *p);
vdb_exec_result vdb_cmd_list(vdb_session *s, const char *args);
vdb_exec_result vdb_cmd_disassemble(vdb_session *s, const vdb_parsed *p);

/* source.c: a source file's lines, read once.  Line numbers from 1; NULL
 * past the end or when the file cannot be read. */
const char *vdb_source_line(vdb_session *s, const char *path, uint32_t line);
size_t vdb_source_line_count(vdb_session *s, const char *path);
void vdb_source_free(vdb_session *s);

#endif
