/*
 * layout.c -- where the TUI puts everything (layout.h).
 */
#include "layout.h"

#include "target.h"
#include "vdb_assert.h"

static int clamp(int value, int low, int high)
{
    return value < low ? low : value > high ? high : value;
}

static bool inside(vdb_rect r, int rows, int columns)
{
    return r.y >= 0 && r.x >= 0 && r.h >= 0 && r.w >= 0 && r.y + r.h <= rows && r.x + r.w <= columns;
}

static void place(vdb_screen_layout *l, vdb_pane pane, int y, int x, int h, int w)
{
    if (l->npanes == VDB_SCREEN_MAX_PANES || h < VDB_PANE_MIN_ROWS || w < VDB_PANE_MIN_COLUMNS)
        return;
    l->pane[l->npanes] = pane;
    l->where[l->npanes] = (vdb_rect){ y, x, h, w };
    l->npanes++;
}

/* The code pane, with the native code beside it when the target has a JIT
 * and the space allows. */
static void place_code(vdb_screen_layout *l, bool native, int y, int x, int h, int w)
{
    if (native && w >= VDB_NATIVE_BESIDE_MIN) {
        place(l, VDB_PANE_CODE, y, x, h, w / 2);
        place(l, VDB_PANE_NATIVE, y, x + w / 2, h, w - w / 2);
    } else {
        place(l, VDB_PANE_CODE, y, x, h, w);
    }
}

void vdb_layout_screen(int rows, int columns, vdb_layout layout, unsigned caps, vdb_screen_layout *l)
{
    VDB_ASSERT(rows >= 2 && columns >= 1);
    *l = (vdb_screen_layout){ .status_row = rows - 2, .command_row = rows - 1 };
    int area = rows - 2; /* above the status line */
    if (columns < VDB_SCREEN_MIN_COLUMNS || rows < VDB_SCREEN_MIN_ROWS) {
        l->too_small = true;
        l->console = (vdb_rect){ 1, 0, area > 1 ? area - 1 : 0, columns };
        VDB_ASSERT(inside(l->console, rows, columns));
        return;
    }
    bool source = caps & VDB_CAP_SOURCE, frames = caps & VDB_CAP_FRAMES, jit = caps & VDB_CAP_JIT;

    int console_h = clamp(area / 4, 4, 12);
    int top_h = area - console_h;
    l->console = (vdb_rect){ top_h, 0, console_h, columns };

    bool wide = columns >= VDB_SCREEN_WIDE_COLUMNS;
    int right_w = wide ? clamp(columns * 35 / 100, 32, 56) : 0;
    int left_w = columns - right_w;
    int memory_h = wide && top_h >= 18 ? clamp(top_h / 4, 4, 8) : 0;
    int main_h = top_h - memory_h;

    /* The left column: what the layout shows. */
    bool native = jit && (layout == VDB_LAYOUT_ASM || layout == VDB_LAYOUT_SPLIT);
    switch (layout) {
    case VDB_LAYOUT_ASM:
        place_code(l, native, 0, 0, main_h, left_w);
        break;
    case VDB_LAYOUT_SPLIT:
        if (source && main_h >= 6) {
            place(l, VDB_PANE_SOURCE, 0, 0, main_h / 2, left_w);
            place_code(l, native, main_h / 2, 0, main_h - main_h / 2, left_w);
        } else {
            place_code(l, native, 0, 0, main_h, left_w);
        }
        break;
    case VDB_LAYOUT_SRC:
    case VDB_LAYOUT_REGS:
    case VDB_LAYOUT_COUNT:
        if (source)
            place(l, VDB_PANE_SOURCE, 0, 0, main_h, left_w);
        else
            place_code(l, false, 0, 0, main_h, left_w);
        break;
    }
    if (memory_h)
        place(l, VDB_PANE_MEMORY, main_h, 0, memory_h, left_w);

    /* The right column: registers or frames, then the program's output. */
    if (wide) {
        vdb_pane side = layout == VDB_LAYOUT_ASM || layout == VDB_LAYOUT_REGS || !frames ? VDB_PANE_REGISTERS
                                                                                        : VDB_PANE_FRAMES;
        int x = left_w;
        if (top_h < 8) {
            place(l, side, 0, x, top_h, right_w);
        } else if (layout == VDB_LAYOUT_REGS && frames && top_h >= 14) {
            int regs_h = top_h * 35 / 100, frames_h = top_h * 40 / 100;
            place(l, VDB_PANE_REGISTERS, 0, x, regs_h, right_w);
            place(l, VDB_PANE_FRAMES, regs_h, x, frames_h, right_w);
            place(l, VDB_PANE_OUTPUT, regs_h + frames_h, x, top_h - regs_h - frames_h, right_w);
        } else {
            int side_h = top_h * 6 / 10;
            place(l, side, 0, x, side_h, right_w);
            place(l, VDB_PANE_OUTPUT, side_h, x, top_h - side_h, right_w);
        }
    }
    for (size_t i = 0; i < l->npanes; i++)
        VDB_ASSERT(inside(l->where[i], top_h, columns));
    VDB_ASSERT(inside(l->console, l->status_row, columns));
}
