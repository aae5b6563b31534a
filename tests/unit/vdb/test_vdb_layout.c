/*
 * test_vdb_layout.c -- where the TUI puts its panes (debugger/ui/layout.h),
 * a pure function of the terminal's size, the layout and the target's
 * capabilities, tested without a terminal.
 *
 *   sizes      each layout on both targets at 80x24 and 200x60, pane by
 *              pane; the memory pane, the native code beside the code, the
 *              right column going on a narrow terminal
 *   minimum    30x10 is the smallest screen with panes; one row or one
 *              column less is "too small", which still places the console
 *   tiling     for every layout, both targets and a sweep of sizes: every
 *              cell of the screen is covered exactly once (panes, console,
 *              status row, command row), every rectangle lies inside the
 *              screen, every pane has room for its box and a line
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "target.h"

/* What each target can do (as its adapter says, target_bvm.c and
 * target_mhv.c). */
#define BVM_CAPS (VDB_CAP_SOURCE | VDB_CAP_FRAMES | VDB_CAP_VARIABLES | VDB_CAP_JIT | VDB_CAP_REVERSE)
#define MHV_CAPS (VDB_CAP_EXITS | VDB_CAP_CPU_MODE)

static vdb_screen_layout l;

/* The rectangle of pane p, failing the test when it is not placed. */
static vdb_rect pane_at(vdb_pane p)
{
    for (size_t i = 0; i < l.npanes; i++)
        if (l.pane[i] == p)
            return l.where[i];
    ck_abort_msg("pane %d is not placed", (int)p);
    return (vdb_rect){ 0, 0, 0, 0 };
}

static bool placed(vdb_pane p)
{
    for (size_t i = 0; i < l.npanes; i++)
        if (l.pane[i] == p)
            return true;
    return false;
}

static void expect_rect(vdb_rect r, int y, int x, int h, int w)
{
    ck_assert_msg(r.y == y && r.x == x && r.h == h && r.w == w, "got (%d,%d %dx%d), expected (%d,%d %dx%d)", r.y, r.x,
                  r.h, r.w, y, x, h, w);
}

static void expect_pane(vdb_pane p, int y, int x, int h, int w) { expect_rect(pane_at(p), y, x, h, w); }

/* ---- sizes ---- */

START_TEST(bvm_at_80x24)
{
    /* 22 rows above the status line: 5 for the console, 17 for the panes;
     * the right column 32 wide (35%, at least 32); no memory pane (17 < 18). */
    vdb_layout_screen(24, 80, VDB_LAYOUT_SRC, BVM_CAPS, &l);
    ck_assert(!l.too_small);
    ck_assert_uint_eq(l.npanes, 3);
    expect_pane(VDB_PANE_SOURCE, 0, 0, 17, 48);
    expect_pane(VDB_PANE_FRAMES, 0, 48, 10, 32);
    expect_pane(VDB_PANE_OUTPUT, 10, 48, 7, 32);
    expect_rect(l.console, 17, 0, 5, 80);
    ck_assert_int_eq(l.status_row, 22);
    ck_assert_int_eq(l.command_row, 23);

    vdb_layout_screen(24, 80, VDB_LAYOUT_ASM, BVM_CAPS, &l);
    ck_assert_uint_eq(l.npanes, 3);
    expect_pane(VDB_PANE_CODE, 0, 0, 17, 48); /* 48 < 96: no native code beside it */
    expect_pane(VDB_PANE_REGISTERS, 0, 48, 10, 32);
    expect_pane(VDB_PANE_OUTPUT, 10, 48, 7, 32);

    vdb_layout_screen(24, 80, VDB_LAYOUT_SPLIT, BVM_CAPS, &l);
    ck_assert_uint_eq(l.npanes, 4);
    expect_pane(VDB_PANE_SOURCE, 0, 0, 8, 48);
    expect_pane(VDB_PANE_CODE, 8, 0, 9, 48);
    expect_pane(VDB_PANE_FRAMES, 0, 48, 10, 32);

    vdb_layout_screen(24, 80, VDB_LAYOUT_REGS, BVM_CAPS, &l);
    ck_assert_uint_eq(l.npanes, 4);
    expect_pane(VDB_PANE_SOURCE, 0, 0, 17, 48);
    expect_pane(VDB_PANE_REGISTERS, 0, 48, 5, 32);
    expect_pane(VDB_PANE_FRAMES, 5, 48, 6, 32);
    expect_pane(VDB_PANE_OUTPUT, 11, 48, 6, 32);
}
END_TEST

START_TEST(mhv_at_80x24)
{
    /* No source, no frames: the code where the source would be, the
     * registers where the frames would be, in every layout. */
    for (int layout = 0; layout < VDB_LAYOUT_COUNT; layout++) {
        vdb_layout_screen(24, 80, (vdb_layout)layout, MHV_CAPS, &l);
        ck_assert_uint_eq(l.npanes, 3);
        expect_pane(VDB_PANE_CODE, 0, 0, 17, 48);
        expect_pane(VDB_PANE_REGISTERS, 0, 48, 10, 32);
        expect_pane(VDB_PANE_OUTPUT, 10, 48, 7, 32);
        ck_assert(!placed(VDB_PANE_SOURCE) && !placed(VDB_PANE_FRAMES) && !placed(VDB_PANE_NATIVE));
    }
}
END_TEST

START_TEST(wide_screen_memory_and_native_code)
{
    /* 200x60: console 12 (at most), 46 rows of panes, 8 of them memory;
     * the right column 56 (at most); the left 144, so asm and split put
     * the native code beside the code. */
    vdb_layout_screen(60, 200, VDB_LAYOUT_ASM, BVM_CAPS, &l);
    ck_assert_uint_eq(l.npanes, 5);
    expect_pane(VDB_PANE_CODE, 0, 0, 38, 72);
    expect_pane(VDB_PANE_NATIVE, 0, 72, 38, 72);
    expect_pane(VDB_PANE_MEMORY, 38, 0, 8, 144);
    expect_pane(VDB_PANE_REGISTERS, 0, 144, 27, 56);
    expect_pane(VDB_PANE_OUTPUT, 27, 144, 19, 56);
    expect_rect(l.console, 46, 0, 12, 200);

    vdb_layout_screen(60, 200, VDB_LAYOUT_SPLIT, BVM_CAPS, &l);
    expect_pane(VDB_PANE_SOURCE, 0, 0, 19, 144);
    expect_pane(VDB_PANE_CODE, 19, 0, 19, 72);
    expect_pane(VDB_PANE_NATIVE, 19, 72, 19, 72);

    /* src and regs show no native code; neither does a target without a JIT */
    vdb_layout_screen(60, 200, VDB_LAYOUT_SRC, BVM_CAPS, &l);
    ck_assert(!placed(VDB_PANE_NATIVE));
    vdb_layout_screen(60, 200, VDB_LAYOUT_ASM, MHV_CAPS, &l);
    ck_assert(!placed(VDB_PANE_NATIVE));
    expect_pane(VDB_PANE_CODE, 0, 0, 38, 144);
}
END_TEST

START_TEST(narrow_screen_has_one_column)
{
    /* Below 60 columns: no right column, no memory pane. */
    vdb_layout_screen(40, 59, VDB_LAYOUT_REGS, BVM_CAPS, &l);
    ck_assert_uint_eq(l.npanes, 1);
    expect_pane(VDB_PANE_SOURCE, 0, 0, 29, 59);
    expect_rect(l.console, 29, 0, 9, 59);
    vdb_layout_screen(40, 60, VDB_LAYOUT_REGS, BVM_CAPS, &l);
    ck_assert(placed(VDB_PANE_REGISTERS) && placed(VDB_PANE_MEMORY));
}
END_TEST

/* ---- the minimum ---- */

START_TEST(minimum_size)
{
    vdb_layout_screen(VDB_SCREEN_MIN_ROWS, VDB_SCREEN_MIN_COLUMNS, VDB_LAYOUT_SPLIT, BVM_CAPS, &l);
    ck_assert(!l.too_small);
    ck_assert_uint_eq(l.npanes, 1); /* 4 rows of panes: too few to split */
    expect_pane(VDB_PANE_CODE, 0, 0, 4, 30);
    expect_rect(l.console, 4, 0, 4, 30);

    const int too_small[][2] = { { VDB_SCREEN_MIN_ROWS - 1, VDB_SCREEN_MIN_COLUMNS },
                                 { VDB_SCREEN_MIN_ROWS, VDB_SCREEN_MIN_COLUMNS - 1 },
                                 { 2, 1 }, { 3, 200 }, { 60, 10 } };
    for (size_t i = 0; i < sizeof too_small / sizeof too_small[0]; i++) {
        int rows = too_small[i][0], columns = too_small[i][1];
        vdb_layout_screen(rows, columns, VDB_LAYOUT_SRC, BVM_CAPS, &l);
        ck_assert_msg(l.too_small, "%dx%d", columns, rows);
        ck_assert_uint_eq(l.npanes, 0);
        /* the message on row 0, the console below it, then status and command */
        expect_rect(l.console, 1, 0, rows > 3 ? rows - 3 : 0, columns);
        ck_assert_int_eq(l.status_row, rows - 2);
        ck_assert_int_eq(l.command_row, rows - 1);
    }
}
END_TEST

/* ---- tiling ---- */

static int *grid;

static void cover(vdb_rect r, int rows, int columns)
{
    ck_assert_msg(r.y >= 0 && r.x >= 0 && r.y + r.h <= rows && r.x + r.w <= columns,
                  "(%d,%d %dx%d) leaves the %dx%d screen", r.y, r.x, r.h, r.w, columns, rows);
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            grid[y * columns + x]++;
}

static void expect_tiled(int rows, int columns, vdb_layout layout, unsigned caps)
{
    vdb_layout_screen(rows, columns, layout, caps, &l);
    ck_assert_msg(!l.too_small, "%dx%d", columns, rows);
    grid = calloc((size_t)rows * (size_t)columns, sizeof *grid);
    ck_assert_ptr_nonnull(grid);
    for (size_t i = 0; i < l.npanes; i++) {
        ck_assert_msg(l.where[i].h >= VDB_PANE_MIN_ROWS && l.where[i].w >= VDB_PANE_MIN_COLUMNS,
                      "%dx%d: pane %d is %dx%d", columns, rows, (int)l.pane[i], l.where[i].w, l.where[i].h);
        cover(l.where[i], rows, columns);
    }
    cover(l.console, rows, columns);
    cover((vdb_rect){ l.status_row, 0, 1, columns }, rows, columns);
    cover((vdb_rect){ l.command_row, 0, 1, columns }, rows, columns);
    int bad = -1;
    for (int i = 0; i < rows * columns && bad < 0; i++)
        if (grid[i] != 1)
            bad = i;
    ck_assert_msg(bad < 0, "%dx%d, layout %s: cell (%d,%d) covered %d times", columns, rows, vdb_layout_name(layout),
                  bad / columns, bad % columns, bad < 0 ? 1 : grid[bad]);
    /* no pane twice, the code or source always there */
    for (size_t i = 0; i < l.npanes; i++)
        for (size_t k = i + 1; k < l.npanes; k++)
            ck_assert(l.pane[i] != l.pane[k]);
    ck_assert(placed(VDB_PANE_CODE) || placed(VDB_PANE_SOURCE));
    free(grid);
    grid = NULL;
}

START_TEST(panes_tile_the_screen)
{
    static const unsigned caps[] = { BVM_CAPS, MHV_CAPS };
    for (size_t c = 0; c < 2; c++)
        for (int layout = 0; layout < VDB_LAYOUT_COUNT; layout++)
            for (int rows = VDB_SCREEN_MIN_ROWS; rows <= 70; rows += 2)
                for (int columns = VDB_SCREEN_MIN_COLUMNS; columns <= 240; columns += 3)
                    expect_tiled(rows, columns, (vdb_layout)layout, caps[c]);
    /* the edges of each rule: 59/60 columns, 95/96 left columns, 17/18 rows of panes */
    static const int sizes[][2] = { { 24, 59 },  { 24, 60 },  { 24, 147 }, { 24, 148 }, { 25, 80 },
                                    { 26, 80 },  { 17, 80 },  { 18, 80 },  { 50, 132 }, { 100, 300 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int layout = 0; layout < VDB_LAYOUT_COUNT; layout++)
            for (size_t c = 0; c < 2; c++)
                expect_tiled(sizes[i][0], sizes[i][1], (vdb_layout)layout, caps[c]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vdb_layout");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, bvm_at_80x24);
    tcase_add_test(tc, mhv_at_80x24);
    tcase_add_test(tc, wide_screen_memory_and_native_code);
    tcase_add_test(tc, narrow_screen_has_one_column);
    tcase_add_test(tc, minimum_size);
    tcase_add_test(tc, panes_tile_the_screen);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
