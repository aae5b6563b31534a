/*
 * session.h -- one debugging session, as the programs that hold one see
 * it (vdb.c's batch mode, the TUI, the tests): a target (target.h), the
 * user's breakpoints, watchpoints and displays, the selected frame.  The
 * batch mode and the TUI are two faces of one session: both hand its
 * dispatcher (commands/dispatch.h) command lines and show what it says;
 * the TUI also draws the panes it renders (pane.h), and the batch mode's
 * `screen` command prints the very same lines.
 *
 * Text goes out through a sink, by stream: the session's own answers
 * (CONSOLE), errors (ERROR), and the program's output (PROGRAM), which is
 * taken from the target after every resume, before the stop is reported,
 * so a transcript keeps the order in which things happened.
 *
 * Layers, bottom up (each sees those below it only; the Makefile's
 * VDB_*_INC say so to the compiler):
 *
 *   targets/   target.h, the interface to a VM, and the adapters
 *   core/      the service layer: this session, running and stops,
 *              breakpoints, values, source, going back, the panes; and
 *              the command-line parser (command.h)
 *   commands/  a file per command family, commands.def, the dispatcher
 *   ui/        the TUI
 *   gdb/       the GDB remote protocol, over targets/ alone
 *
 * This header is the service layer's public face; its state and the
 * services the commands call are in session_state.h and the headers it
 * lists.  Library code: nothing here exits or touches the terminal.
 */
#ifndef VDB_SESSION_H
#define VDB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* What running a command did (commands/dispatch.h runs them). */
typedef enum {
    VDB_EXEC_OK,       /* the command ran                                */
    VDB_EXEC_ERROR,    /* it failed; the error went to the sink          */
    VDB_EXEC_QUIT,     /* quit                                           */
} vdb_exec_result;

/* Asks a running target to stop (Ctrl-C); does nothing while no command
 * runs it.  Async-signal-safe. */
void vdb_session_interrupt(vdb_session *s);

vdb_target *vdb_session_target(vdb_session *s);

/* The layouts the user chooses among (the layout command): which panes
 * the TUI shows, and where (ui/layout.h).  VDB_LAYOUT_NAMES are their
 * names, in the order of the enum. */
#define VDB_LAYOUT_NAMES "src", "asm", "split", "regs"
typedef enum { VDB_LAYOUT_SRC, VDB_LAYOUT_ASM, VDB_LAYOUT_SPLIT, VDB_LAYOUT_REGS, VDB_LAYOUT_COUNT } vdb_layout;
vdb_layout vdb_session_layout(const vdb_session *s);
const char *vdb_layout_name(vdb_layout layout);

/* One line for the status bar: target, tier, stop reason, instructions. */
void vdb_session_status(vdb_session *s, char *out, size_t size);

#endif
