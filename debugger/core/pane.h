/*
 * pane.h -- what each pane of the TUI shows, as lines of text with flags.
 * The TUI (ui/tui.c) draws these lines where its layout (ui/layout.h)
 * puts the panes; the `screen` command prints them in batch mode, so a
 * test of one is a test of the other.  They are the service layer's: a
 * pane is a view of the session, which the batch mode needs as much as
 * the screen does.
 *
 * Layer: core, over the session's state (session_state.h) and its
 * services.  Used by ui/ and by the screen command.
 *
 * Invariants: a pane fills at most the `max` lines it is given, keeping
 * the line that matters (the current line, the current instruction) among
 * them; rendering reads the stopped target and the session, and changes
 * neither (but for the source cache, source.h).
 */
#ifndef VDB_PANE_H
#define VDB_PANE_H

#include <stddef.h>

#include "session.h"

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

#endif
