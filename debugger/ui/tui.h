/*
 * tui.h -- vdb's terminal interface: ncurses panes (drawn from
 * vdb_pane_render) above a GNU readline command line (its callback
 * interface, inside the curses screen).  See docs/debugger.md.
 *
 * Layer: ui, the top one but for vdb.c: over the dispatcher
 * (commands/dispatch.h), which runs the lines typed, and the service
 * layer's public face (core/session.h, core/pane.h).  Used by vdb.c.
 */
#ifndef VDB_TUI_H
#define VDB_TUI_H

#include "session.h"

/* Runs the TUI on the terminal until quit (or end of input).  history is
 * the file the command history is read from and saved to (NULL: none).
 * Returns 0, or 1 with a message on stderr when the terminal cannot be
 * used.  The session's sink must be vdb_tui_sink's (below). */
int vdb_tui_run(vdb_session *s, const char *history);

/* The sink a session needs to show its text in the TUI's panes: made
 * before the session (vdb_session_new takes it), usable before
 * vdb_tui_run starts (text is kept and shown when the screen opens;
 * console_lines.c keeps it). */
const vdb_sink *vdb_tui_sink(void);

#endif
