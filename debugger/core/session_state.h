/*
 * session_state.h -- the base of the service layer: a session's state,
 * its output to the sink, the registers at each stop.  Every service
 * (core/) and every command (commands/) includes it; the programs that
 * hold a session (vdb.c, ui/) see session.h only.
 *
 * Layer: core.  The order inside it, each file using those above only:
 *
 *   command.h, number_format.h    text: parsing and formatting
 *   session_state.h (session.c)   state, output, registers
 *   source.h                      source files, read once
 *   location.h                    the selected frame, places as text
 *   values.h                      expressions, variables, displays
 *   breakpoints.h                 the breakpoint table and the target
 *   running.h                     resuming, stops and their reports
 *   reverse.h                     going back by running again
 *   pane.h                        what the panes show
 *
 * None of them knows the command table: the commands call them, never the
 * other way round.
 *
 * Invariants (checked with VDB_ASSERT where they are relied on):
 *   - Breakpoints have numbers from 1 that are never reused (watchpoints
 *     share the numbering, as in gdb), kept in the table in the order they
 *     were made; the target holds exactly the enabled code breakpoints'
 *     addresses (one insertion per address, however many share it).
 *   - The target is inspected only while it is stopped: never while its
 *     resume or run_to runs (target_running); a stop it reports has a
 *     reason, and an error a description.
 *   - The selected frame is 0 or one of the target's frames.
 *   - Registers are read once per stop; `changed` compares with the
 *     previous stop's values.
 *   - Library code: nothing here exits or touches the terminal.
 */
#ifndef VDB_SESSION_STATE_H
#define VDB_SESSION_STATE_H

#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "command.h"
#include "pane.h"
#include "session.h"
#include "target.h"
#include "vdb_assert.h"

#define VDB_MAX_BREAKPOINTS 64
#define VDB_MAX_DISPLAYS 16
#define VDB_MAX_REGISTERS 64
#define VDB_OUTPUT_KEPT 8192  /* bytes of program output the output pane keeps */

typedef enum { VDB_BP_CODE, VDB_BP_WATCH, VDB_BP_CATCH } vdb_breakpoint_kind;

typedef struct {
    int number;
    vdb_breakpoint_kind kind;
    bool enabled;
    bool temporary;          /* tbreak: deleted when hit                       */
    uint64_t address;        /* CODE                                           */
    int vector;              /* CATCH: the exception's vector, -1 for all      */
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
    bool target_running;          /* inside t's resume or run_to (running.c) */
    volatile sig_atomic_t resuming;    /* a command is running the target    */
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

/* ---- output ---- */

void vdb_out(vdb_session *s, vdb_stream stream, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define vdb_say(s, ...) vdb_out((s), VDB_OUT_CONSOLE, __VA_ARGS__)
/* Reports a failed command ("error: ..." on one line); returns VDB_EXEC_ERROR. */
vdb_exec_result vdb_fail(vdb_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The program's output since the last look: to the sink, and its tail
 * kept for the output pane.  Called after every resume. */
void vdb_take_program_output(vdb_session *s);

/* ---- the target ---- */

static inline bool vdb_has(const vdb_session *s, unsigned cap) { return (s->t->ops->caps & cap) != 0; }

/* The program ended (exited, or stopped by an error): it runs no more
 * until `run` makes it again. */
static inline bool vdb_program_ended(const vdb_session *s)
{
    return s->stop.kind == VDB_STOP_EXITED || s->stop.kind == VDB_STOP_ERROR;
}

/* It started and has not ended: it has a place, frames, a current line. */
static inline bool vdb_program_running(const vdb_session *s) { return s->started && !vdb_program_ended(s); }

/* The target may be inspected: it is stopped (target.h). */
static inline bool vdb_target_stopped(const vdb_session *s) { return !s->target_running; }

/* A register named pc holds a code address, shown as the target writes
 * one.  (x86's rip is not: in real mode the pc is cs * 16 + ip.) */
static inline bool vdb_is_pc_register(const vdb_register *r) { return strcmp(r->name, "pc") == 0; }

/* ---- registers at each stop ---- */

void vdb_read_registers(vdb_session *s);
int vdb_find_register(const vdb_session *s, const char *name);
bool vdb_register_changed(const vdb_session *s, size_t i);

/* Tab completion of a name the user may type as an argument: the i-th
 * (state from 0 up) register ($rax, or rax) or symbol starting with
 * prefix, or NULL when there are no more. */
const char *vdb_complete_name(vdb_session *s, const char *prefix, size_t state);

#endif
