/*
 * layout.h -- where the TUI puts everything for a terminal size, a layout
 * (session.h: src, asm, split, regs) and what the target can do: which
 * panes, their sizes and places, the console, the status line and the
 * command line.  A pure function, so that it is unit-tested
 * (tests/unit/vdb/test_vdb_layout.c) rather than only seen through tmux.
 *
 * The screen, top to bottom (W columns, H rows):
 *
 *   +- source / code ------------+- frames or registers -+
 *   |                            |                       |
 *   |                            +- output --------------+
 *   +- memory -------------------+                       |
 *   |                            |                       |
 *   +----------------------------+-----------------------+
 *   +- console ------------------------------------------+
 *   |  (vdb) break fib   -- commands and their answers   |
 *   +----------------------------------------------------+
 *    bvm | stopped at a breakpoint | ...     F5 run ...    (status line)
 *   (vdb) the command line
 *
 * The left column shows, by layout: src the source; asm the code; split
 * the source over the code; regs the source (or the code, on a target
 * without source).  asm and split put the native code (JIT) beside the
 * code when the left column has 96 columns.  The right column holds the
 * frames (src, split) or the registers (asm, and any target without
 * frames), over the program's output; regs stacks registers, frames and
 * output.  Narrower than 60 columns the right column and the memory pane
 * go; below 30x10 only a "terminal too small" line (row 0), the console's
 * last lines, the status and the command line are left.
 *
 * Layer: ui, over core/session.h and core/pane.h (the names of layouts and
 * panes) and targets/target.h (the capabilities).  Used by tui.c.
 *
 * Invariants (asserted): for any size of at least VDB_SCREEN_MIN_COLUMNS x
 * VDB_SCREEN_MIN_ROWS, the panes, the console, the status row and the
 * command row cover the screen exactly once -- nothing overlaps, nothing
 * is left out -- and every pane has room for its box and a line
 * (VDB_PANE_MIN_ROWS x VDB_PANE_MIN_COLUMNS).  Smaller, no pane is placed
 * and the console takes the rows between the message and the status line.
 */
#ifndef VDB_LAYOUT_H
#define VDB_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "pane.h"
#include "session.h"

#define VDB_SCREEN_MIN_COLUMNS 30    /* narrower: too small                      */
#define VDB_SCREEN_MIN_ROWS 10       /* fewer: too small (8 rows above the status) */
#define VDB_SCREEN_WIDE_COLUMNS 60   /* from here on: the right column, memory   */
#define VDB_NATIVE_BESIDE_MIN 96     /* left column width for code + native      */
#define VDB_PANE_MIN_ROWS 3          /* a box and one line                       */
#define VDB_PANE_MIN_COLUMNS 8
#define VDB_SCREEN_MAX_PANES 8

typedef struct {
    int y, x, h, w;
} vdb_rect;

typedef struct {
    bool too_small;
    size_t npanes;
    vdb_pane pane[VDB_SCREEN_MAX_PANES];
    vdb_rect where[VDB_SCREEN_MAX_PANES];
    vdb_rect console;            /* boxed unless too_small                  */
    int status_row, command_row;
} vdb_screen_layout;

/* Where everything goes on a screen of rows x columns (at least 2 x 1),
 * for layout on a target with capabilities caps (VDB_CAP_*). */
void vdb_layout_screen(int rows, int columns, vdb_layout layout, unsigned caps, vdb_screen_layout *out);

#endif
