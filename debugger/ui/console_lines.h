/*
 * console_lines.h -- the TUI's console: the commands typed and the session's
 * answers and errors, kept as lines, by the sink the session writes to
 * (tui.h's vdb_tui_sink).  It keeps text from the start, before the
 * screen opens (what -x scripts say), so that the TUI shows it; and once
 * the TUI has ended (vdb_console_close) it writes straight through to
 * stdout and stderr.
 *
 * Layer: ui, over core/session.h (the sink and its streams).  Used by
 * tui.c, which draws the lines.
 *
 * Invariants: at most VDB_CONSOLE_KEPT lines (the oldest go first), each
 * at most VDB_CONSOLE_LINE_MAX bytes, without its newline; the version
 * changes whenever a line does.  Best effort: out of memory, text is
 * dropped and the session is unaffected.
 */
#ifndef VDB_CONSOLE_H
#define VDB_CONSOLE_H

#include <stddef.h>

#define VDB_CONSOLE_KEPT 1000        /* lines kept, for PgUp                */
#define VDB_CONSOLE_LINE_MAX 4096    /* bytes of one line kept              */

typedef enum { VDB_CONSOLE_ANSWER, VDB_CONSOLE_ERROR, VDB_CONSOLE_COMMAND } vdb_console_kind;

typedef struct {
    char *text;                  /* malloc'd (or NULL when empty), no newline */
    size_t len;
    vdb_console_kind kind;
} vdb_console_line;

/* Adds text, split at newlines; a line left open goes on with the next
 * text of the same kind. */
void vdb_console_add(vdb_console_kind kind, const char *text, size_t len);

/* The lines kept, 0 the oldest. */
size_t vdb_console_count(void);
const vdb_console_line *vdb_console_at(size_t i);

/* Changes whenever the lines do: the screen is drawn again. */
unsigned long vdb_console_version(void);

/* What was kept, as text on stdout (errors on stderr): the TUI could not
 * open its screen, and what the session said is not lost. */
void vdb_console_print(void);

/* The TUI ended: the lines go, and the sink writes through from now on. */
void vdb_console_close(void);

#endif
