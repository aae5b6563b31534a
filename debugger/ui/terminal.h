/*
 * terminal.h -- whether terminfo knows the terminal the TUI would use.
 * Asked before curses' newterm, which on a terminal it cannot use fails
 * and leaves behind memory that ncurses never frees.  (Its own file:
 * <term.h> defines a macro for every terminfo capability -- lines,
 * columns, tab... -- which must not reach tui.c.)
 *
 * Layer: ui; it includes nothing of vdb.  Used by tui.c.
 */
#ifndef VDB_TERMINAL_H
#define VDB_TERMINAL_H

#include <stdbool.h>

/* True when terminfo has a description of $TERM for stdout. */
bool vdb_terminal_known(void);

#endif
