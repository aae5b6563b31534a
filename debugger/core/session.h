/*
 * session.h -- one debugging session: a target (target.h), the user's
 * breakpoints, watchpoints and displays, the selected frame, and the
 * commands that work on them.  The batch mode and the TUI are two faces of
 * one session: both hand it command lines and show what it says; the TUI
 * also draws the panes this module renders (vdb_pane_render), and the
 * batch mode's `screen` command prints the very same lines.
 *
 * Text goes out through a sink, by stream: the session's own answers
 * (CONSOLE), errors (ERROR), and the program's output (PROGRAM), which is
 * taken from the target after every resume, before the stop is reported,
 * so a transcript keeps the order in which things happened.
 *
 * Invariants:
 *   - Breakpoints have numbers from 1 that are never reused (watchpoints
 *     share the numbering, as in gdb); the target holds exactly the
 *     enabled breakpoints' addresses (one insertion per address, however
 *     many breakpoints share it).
 *   - Registers are read once per stop; `changed` compares with the
 *     previous stop's values.
 *   - Library code: nothing here exits or touches the terminal.
 */
#ifndef VDB_SESSION_H
#define VDB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command.h"
#include "target.h"

typedef enum {
    VDB_OUT_CONSOLE,   /* the answer to a command, a stop report       */
    VDB_OUT_ERROR,     /* a command failed: one line                    */
    VDB_OUT_PROGRAM,   /* the program's (the guest's) own output        */
} vdb_stream;

typedef struct {
    void (*write)(void *context, vdb_stream stream, const char *text, size_t len);
    void *context;
} vdb_sink;

/* Makes (again) the target of a session: for `run` after the program ran.
 * Returns NULL with err set. */
typedef vdb_target *(*vdb_target_opener)(void *context, char *err, size_t err_size);

typedef struct vdb_session vdb_session;

/* The session takes the target (and destroys it).  opener may be NULL: the
 * program then cannot be restarted. */
vdb_session *vdb_session_new(vdb_target *target, vdb_target_opener opener, void *opener_context,
                             const vdb_sink *sink);
void vdb_session_free(vdb_session *s);

typedef enum {
    VDB_EXEC_OK,       /* the command ran                                */
    VDB_EXEC_ERROR,    /* it failed; the error went to the sink          */
    VDB_EXEC_QUIT,     /* quit                                           */
} vdb_exec_result;

/* Runs one command line (blank lines and # comments do nothing). */
vdb_exec_result vdb_session_execute(vdb_session *s, const char *line);

/* Asks a running target to stop (Ctrl-C); does nothing while no command
 * runs it.  Async-signal-safe. */
void vdb_session_interrupt(vdb_session *s);

vdb_target *vdb_session_target(vdb_session *s);

/* ---- what the panes show ---- */

typedef enum {
    VDB_PANE_SOURCE,       /* source around the selected frame's line       */
    VDB_PANE_CODE,         /* disassembly around the selected address       */
    VDB_PANE_NATIVE,       /* the function's native code (JIT), if compiled */
    VDB_PANE_REGISTERS,
    VDB_PANE_FRAMES,       /* call frames, locals and operand stack         */
    VDB_PANE_MEMORY,       /* memory at the last x address                  */
    VDB_PANE_OUTPUT,       /* the program's output, its last lines          */
    VDB_PANE_COUNT
} vdb_pane;

enum {
    VDB_LINE_CURRENT = 1u << 0,    /* where the selected frame is             */
    VDB_LINE_BREAKPOINT = 1u << 1, /* an enabled breakpoint is here           */
    VDB_LINE_DISABLED = 1u << 2,   /* only disabled breakpoints are here      */
    VDB_LINE_CHANGED = 1u << 3,    /* a value that changed since the last stop */
    VDB_LINE_HEADER = 1u << 4,     /* a heading inside a pane                 */
};

#define VDB_LINE_MAX 256

typedef struct {
    char text[VDB_LINE_MAX];
    unsigned flags;                /* VDB_LINE_* */
} vdb_line;

/* The pane's title ("source: fib.vela", "registers") into title, and up to
 * max lines of content for a pane `max` lines high, chosen so the current
 * line is visible; returns the number filled. */
size_t vdb_pane_render(vdb_session *s, vdb_pane pane, vdb_line *lines, size_t max, char *title, size_t title_size);

/* The layout the user chose (layout command): which panes, in order. */
typedef enum { VDB_LAYOUT_SRC, VDB_LAYOUT_ASM, VDB_LAYOUT_SPLIT, VDB_LAYOUT_REGS, VDB_LAYOUT_COUNT } vdb_layout;
vdb_layout vdb_session_layout(const vdb_session *s);
const char *vdb_layout_name(vdb_layout layout);

/* One line for the status bar: target, tier, stop reason, instructions. */
void vdb_session_status(vdb_session *s, char *out, size_t size);

/* Tab completion: the i-th candidate starting with prefix (state from 0
 * up), or NULL when there are no more.  command is the line's first word,
 * or NULL (or "") when the word being completed is the command itself:
 * then the candidates are command names; after layout, info, jit and set
 * their words; after help command names; else registers ($rax) and
 * symbols. */
const char *vdb_session_complete(vdb_session *s, const char *command, const char *prefix, size_t state);

#endif
