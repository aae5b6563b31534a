/*
 * tui.c -- vdb's terminal interface (tui.h): curses panes drawn from
 * vdb_pane_render, a console of the commands' answers, a status line, and
 * a GNU readline command line, all on one curses screen.
 *
 * Where each pane goes is layout.h's (a pure function, unit-tested);
 * what a pane shows is core/pane.h's; the console's lines are
 * console_lines.h's (kept by the session's sink); this file draws them
 * all, the status line and readline's command line, and takes the keys.
 *
 * Keys: Enter runs the line -- an empty one runs continue, step, next,
 * stepi or finish again, and list or x on from where they stopped; Tab
 * completes commands, then registers and symbols; Up/Down walk the
 * history (~/.vdb_history); F5 run, F6 next, F7 step, F8 stepi,
 * F9 continue, F10 finish, F2 the next layout; PgUp/PgDn scroll the
 * console; Ctrl-L repaints; Ctrl-C stops a running program, or clears the
 * line at the prompt; quit, or Ctrl-D on an empty line, leaves.  The
 * other keys are readline's (emacs or vi, as ~/.inputrc says).
 *
 * Readline runs through its callback interface and never touches the
 * terminal: its input comes from curses (rl_getc_function reads a queue
 * that curses keys are pushed into), it draws nothing (rl_redisplay_function
 * draws rl_line_buffer ourselves, rl_outstream is /dev/null), it prepares
 * no terminal modes and catches no signals.  Curses runs in cbreak mode, so
 * ISIG stays on and Ctrl-C reaches vdb.c's SIGINT handler, which stops a
 * running target; our own handler, chained in front of it, also tells the
 * idle prompt (through a pipe) to clear the line.
 *
 * Invariants:
 *   - Everything is drawn on stdscr and redrawn whole from the session's
 *     state (curses sends only the difference), so a resize, Ctrl-L or
 *     any command leaves nothing stale behind.
 *   - Commands run outside readline's callbacks: the line handler only
 *     hands the line over; the main loop runs it.
 *   - endwin() is called on every way out of vdb_tui_run once the screen
 *     was opened; signal handlers, locale and readline hooks are put back.
 *   - The sink (console_lines.c) keeps the console's text from the start
 *     (before the screen opens); once the TUI has ended it writes
 *     straight to stdout/stderr.
 */
#define NCURSES_WIDECHAR 1

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "command.h"
#include "console_lines.h"
#include "dispatch.h"
#include "layout.h"
#include "pane.h"
#include "session.h"
#include "terminal.h"
#include "tui.h"
#include "vdb_assert.h"

#define PROMPT "(vdb) "
#define HISTORY_KEPT 1000        /* lines of command history saved          */
#define TAB_STOP 8
#define POLL_MS 250              /* wake-up, to notice a SIGWINCH we missed */
#define DRAW_MAX 1024            /* wide characters drawn in one call       */

/* ==== the TUI's state ============================================================== */

enum {
    PAIR_BREAKPOINT = 1,
    PAIR_DISABLED,
    PAIR_CHANGED,
    PAIR_ERROR,
    PAIR_TITLE,
    PAIR_STATUS,
};

static struct {
    vdb_session *session;
    bool active;                 /* inside vdb_tui_run                      */
    bool quit;
    bool colours;                /* has_colors() and pairs made             */
    bool redraw;                 /* the whole screen is out of date         */
    unsigned long console_drawn; /* vdb_console_version() last drawn              */
    int console_scroll;          /* console rows scrolled back (PgUp)       */
    int console_rows;            /* the console's visible rows (for PgUp)   */
    const char *running;         /* the command running now, for the status */
    char repeat[VDB_ARGS_MAX];   /* what an empty line runs again, or ""    */

    /* Keys for readline: what rl_getc_function hands out. */
    unsigned char queue[16];
    size_t queue_len, queue_pos;
    char *line;                  /* a line readline finished, to run        */
    bool line_ready;             /* (line NULL and ready: end of input)     */
    bool first_word;             /* completion: of the command word         */
    char command_word[32];       /* ... else the command it is an argument of */
    size_t completion_index;

    int signal_pipe[2];          /* SIGINT / SIGTERM / SIGHUP -> main loop  */
    struct sigaction old_int, old_term, old_hup;
    bool took_term, took_hup;
} ui = { .signal_pipe = { -1, -1 } };

/* ==== text: UTF-8 to columns ======================================================= */

/* Reads text glyph by glyph: a tab is a run of spaces to the next stop,
 * control bytes and bytes the locale cannot decode show as '?'. */
typedef struct {
    const char *p, *end;
    mbstate_t state;
    int column;
} glyph_reader;

static glyph_reader glyphs_of(const char *text, size_t len)
{
    glyph_reader r = { .p = text, .end = text + len, .column = 0 };
    memset(&r.state, 0, sizeof r.state);
    return r;
}

/* The next glyph: its character (L'\t' for a tab), its columns. */
static bool next_glyph(glyph_reader *r, wchar_t *wc, int *width)
{
    if (r->p >= r->end)
        return false;
    unsigned char c = (unsigned char)*r->p;
    if (c == '\t') {
        *wc = L'\t';
        *width = TAB_STOP - r->column % TAB_STOP;
        r->p++;
    } else if (c < 0x20 || c == 0x7f) {
        *wc = L'?';
        *width = 1;
        r->p++;
    } else {
        size_t n = mbrtowc(wc, r->p, (size_t)(r->end - r->p), &r->state);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            memset(&r->state, 0, sizeof r->state);
            *wc = L'?';
            *width = 1;
            r->p++;
        } else {
            int w = wcwidth(*wc);
            if (w < 0) {
                *wc = L'?';
                w = 1;
            }
            *width = w;
            r->p += n;
        }
    }
    r->column += *width;
    return true;
}

/* Draws text at (y, x) in at most `columns` columns, padded with spaces to
 * all of them when pad (a highlighted line is highlighted to the edge).
 * Returns the columns drawn. */
static int draw_text(int y, int x, const char *text, size_t len, int columns, attr_t attr, short pair, bool pad)
{
    if (columns <= 0)
        return 0;
    wchar_t buffer[DRAW_MAX + 1];
    int n = 0, column = 0;
    glyph_reader r = glyphs_of(text, len);
    wchar_t wc;
    int width;
    while (n < DRAW_MAX - TAB_STOP && next_glyph(&r, &wc, &width)) {
        if (column + width > columns)
            break;
        if (wc == L'\t') {
            for (int i = 0; i < width; i++)
                buffer[n++] = L' ';
        } else {
            buffer[n++] = wc;
        }
        column += width;
    }
    while (pad && column < columns && n < DRAW_MAX) {
        buffer[n++] = L' ';
        column++;
    }
    buffer[n] = L'\0';
    attr_set(attr, pair, NULL);
    mvaddnwstr(y, x, buffer, n);
    attr_set(A_NORMAL, 0, NULL);
    return column;
}

static int draw_string(int y, int x, const char *text, int columns, attr_t attr, short pair, bool pad)
{
    return draw_text(y, x, text, strlen(text), columns, attr, pair, pad);
}

/* The bytes of text that fill at most `columns` columns: at least one
 * glyph, so that wrapping always moves on. */
static size_t bytes_that_fit(const char *text, size_t len, int columns)
{
    glyph_reader r = glyphs_of(text, len);
    wchar_t wc;
    int width, column = 0;
    const char *before = r.p;
    while (next_glyph(&r, &wc, &width)) {
        if (column + width > columns && before > text) {
            r.p = before;
            break;
        }
        column += width;
        before = r.p;
    }
    return (size_t)(r.p - text);
}

/* ==== drawing ====================================================================== */

static short pair_if(short pair)
{
    return ui.colours ? pair : 0;
}

static void draw_box(vdb_rect r, const char *title)
{
    if (r.h < 2 || r.w < 2)
        return;
    mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
    mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
    mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
    mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
    mvaddch(r.y, r.x, ACS_ULCORNER);
    mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
    mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
    mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
    if (title[0] && r.w > 6) {
        char spaced[VDB_LINE_MAX + 2];
        snprintf(spaced, sizeof spaced, " %s ", title);
        draw_string(r.y, r.x + 2, spaced, r.w - 4, A_BOLD, pair_if(PAIR_TITLE), false);
    }
}

/* How a pane line looks: the current line reversed, breakpoints and
 * changed values in colour (or bold, underlined, dim without colours). */
static attr_t line_look(unsigned flags, short *pair)
{
    attr_t attr = A_NORMAL;
    *pair = 0;
    if (flags & VDB_LINE_HEADER)
        attr |= A_BOLD;
    if (flags & VDB_LINE_CHANGED) {
        attr |= A_BOLD;
        if (ui.colours)
            *pair = PAIR_CHANGED;
        else
            attr |= A_UNDERLINE;
    }
    if (flags & VDB_LINE_BREAKPOINT) {
        if (ui.colours)
            *pair = PAIR_BREAKPOINT;
        else
            attr |= A_BOLD;
    } else if (flags & VDB_LINE_DISABLED) {
        if (ui.colours)
            *pair = PAIR_DISABLED;
        else
            attr |= A_DIM;
    }
    if (flags & VDB_LINE_CURRENT)
        attr |= A_REVERSE;
    return attr;
}

static void draw_pane(vdb_pane pane, vdb_rect r)
{
    int inner_h = r.h - 2, inner_w = r.w - 2;
    vdb_line *lines = calloc((size_t)inner_h, sizeof *lines);
    char title[VDB_LINE_MAX] = "";
    size_t n = lines ? vdb_pane_render(ui.session, pane, lines, (size_t)inner_h, title, sizeof title) : 0;
    draw_box(r, title);
    for (size_t i = 0; i < n; i++) {
        short pair;
        attr_t attr = line_look(lines[i].flags, &pair);
        draw_string(r.y + 1 + (int)i, r.x + 1, lines[i].text, inner_w, attr, pair,
                    (lines[i].flags & VDB_LINE_CURRENT) != 0);
    }
    free(lines);
}

static attr_t console_look(vdb_console_kind kind, short *pair)
{
    *pair = 0;
    if (kind == VDB_CONSOLE_ERROR) {
        *pair = pair_if(PAIR_ERROR);
        return ui.colours ? A_BOLD : A_BOLD | A_UNDERLINE;
    }
    return kind == VDB_CONSOLE_COMMAND ? A_BOLD : A_NORMAL;
}

enum { MAX_WRAPS = 64 }; /* rows one console line may take; the rest is cut */

/* A console line wrapped at w columns: where each row starts and its
 * length in bytes; returns the number of rows (1 for an empty line). */
static size_t wrap_line(const vdb_console_line *line, int w, size_t starts[MAX_WRAPS], size_t lens[MAX_WRAPS])
{
    const char *text = line->text ? line->text : "";
    size_t n = 0, at = 0;
    do {
        size_t part = bytes_that_fit(text + at, line->len - at, w);
        starts[n] = at;
        lens[n++] = part;
        at += part;
    } while (at < line->len && n < MAX_WRAPS);
    return n;
}

/* The console's rows, newest at the bottom, long lines wrapped, `scroll`
 * rows back from the end (clamped so that the window stays full). */
static void draw_console(vdb_rect r, bool boxed)
{
    int y = r.y, x = r.x, h = r.h, w = r.w;
    if (boxed) {
        y++, x++, h -= 2, w -= 2;
    }
    ui.console_rows = h;
    size_t starts[MAX_WRAPS], lens[MAX_WRAPS];
    if (h > 0 && w > 0 && ui.console_scroll > 0) {
        int total = 0;
        for (size_t i = 0; i < vdb_console_count(); i++)
            total += (int)wrap_line(vdb_console_at(i), w, starts, lens);
        int most = total > h ? total - h : 0;
        if (ui.console_scroll > most)
            ui.console_scroll = most;
    }
    /* Walks back from the newest line: skips the rows scrolled past, then
     * fills the window from the bottom up. */
    int skip = ui.console_scroll, row = y + h - 1;
    for (size_t i = vdb_console_count(); i-- > 0 && row >= y && w > 0;) {
        const vdb_console_line *line = vdb_console_at(i);
        size_t rows = wrap_line(line, w, starts, lens);
        short pair;
        attr_t attr = console_look(line->kind, &pair);
        for (size_t k = rows; k-- > 0 && row >= y;) {
            if (skip > 0) {
                skip--;
                continue;
            }
            draw_text(row--, x, (line->text ? line->text : "") + starts[k], lens[k], w, attr, pair, false);
        }
    }
    if (boxed) {
        char title[64];
        if (ui.console_scroll > 0)
            snprintf(title, sizeof title, "console (%d rows back; PgDn)", ui.console_scroll);
        else
            snprintf(title, sizeof title, "console");
        draw_box(r, title);
    }
    ui.console_drawn = vdb_console_version();
}

/* The function keys: the command each runs, and its label in the status
 * line's legend (F2 only in the long legend). */
static const struct function_key {
    int number;
    const char *command;
    const char *label, *short_label;
} function_keys[] = {
    { 5, "run", "run", "run" },    { 6, "next", "next", "next" },         { 7, "step", "step", "step" },
    { 8, "stepi", "stepi", "si" }, { 9, "continue", "continue", "cont" }, { 10, "finish", "finish", "fin" },
    { 2, "layout next", "layout", NULL },
};

/* The legend of the function keys, in full ("F5 run  F6 next ..."), short
 * ("F5 run F6 next F7 step F8 si ...") or tiny ("F5-F10 run/next/...", the
 * keys in order). */
typedef enum { LEGEND_FULL, LEGEND_SHORT, LEGEND_TINY } legend_size;

static void key_legend(char *out, size_t size, legend_size legend)
{
    size_t used = 0;
    out[0] = '\0';
    if (legend == LEGEND_TINY)
        used = (size_t)snprintf(out, size, "F5-F10 ");
    for (size_t i = 0; i < sizeof function_keys / sizeof function_keys[0] && used < size; i++) {
        const struct function_key *k = &function_keys[i];
        const char *label = legend == LEGEND_FULL ? k->label : k->short_label;
        if (!label)
            continue;
        int n = legend == LEGEND_TINY ? snprintf(out + used, size - used, "%s%s", i ? "/" : "", label)
                                      : snprintf(out + used, size - used, "%sF%d %s",
                                                 i ? (legend == LEGEND_FULL ? "  " : " ") : "", k->number, label);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* The status line: the session's status (or the command running) on the
 * left, the legend of the function keys on the right, the longest legend
 * that leaves the status whole; when none does, the tiny one and the
 * status cut. */
static void draw_status(int row, int columns)
{
    char status[VDB_LINE_MAX + 64], legend[160];
    if (ui.running) {
        snprintf(status, sizeof status, " running: %.200s   (Ctrl-C stops it)", ui.running);
    } else {
        status[0] = ' ';
        vdb_session_status(ui.session, status + 1, sizeof status - 1);
    }
    int status_len = (int)strlen(status), legend_len = 0;
    bool with_legend = false;
    for (legend_size size = LEGEND_FULL; size <= LEGEND_TINY && !with_legend; size++) {
        key_legend(legend, sizeof legend, size);
        legend_len = (int)strlen(legend);
        with_legend = status_len + 2 + legend_len + 1 <= columns ||
                      (size == LEGEND_TINY && legend_len + 1 + 20 <= columns);
    }
    attr_t attr = ui.colours ? A_NORMAL : A_REVERSE;
    short pair = pair_if(PAIR_STATUS);
    int status_room = with_legend ? columns - legend_len - 2 : columns;
    draw_string(row, 0, "", columns, attr, pair, true);
    draw_string(row, 0, status, status_room, attr | (ui.running ? A_BOLD : 0), pair, false);
    if (with_legend)
        draw_string(row, columns - legend_len - 1, legend, legend_len, attr, pair, false);
}

/* The command line: the prompt and readline's buffer, scrolled sideways to
 * keep the cursor in view; the last column stays free (writing to the
 * bottom-right corner would scroll some terminals). */
static void draw_command_line(int row, int columns)
{
    const char *prompt = rl_display_prompt ? rl_display_prompt : PROMPT;
    move(row, 0);
    clrtoeol();
    int prompt_cols = draw_string(row, 0, prompt, columns - 1, A_NORMAL, 0, false);
    int room = columns - 1 - prompt_cols;
    const char *buffer = rl_line_buffer ? rl_line_buffer : "";
    size_t end = rl_line_buffer ? (size_t)rl_end : 0, point = rl_line_buffer ? (size_t)rl_point : 0;
    if (point > end)
        point = end;
    if (room <= 0) {
        move(row, prompt_cols < columns ? prompt_cols : columns - 1);
        return;
    }
    /* Columns up to the cursor, then the first column shown. */
    glyph_reader r = glyphs_of(buffer, point);
    wchar_t wc;
    int width;
    while (next_glyph(&r, &wc, &width)) {
    }
    int cursor = r.column;
    int first = cursor >= room ? cursor - room + 1 : 0;
    r = glyphs_of(buffer, end);
    const char *glyph_start = r.p;
    while (next_glyph(&r, &wc, &width)) {
        int column = r.column - width;
        if (column >= first && column + width - first <= room)
            draw_text(row, prompt_cols + column - first, glyph_start, (size_t)(r.p - glyph_start), width, A_NORMAL, 0,
                      false);
        glyph_start = r.p;
    }
    move(row, prompt_cols + cursor - first);
}

/* Everything, from the session's state. */
static void draw_screen(void)
{
    int rows = LINES, columns = COLS;
    vdb_screen_layout l;
    erase();
    if (rows < 1 || columns < 1) {
        refresh();
        return;
    }
    if (rows < 2) {
        draw_command_line(0, columns);
        refresh();
        return;
    }
    vdb_layout_screen(rows, columns, vdb_session_layout(ui.session), vdb_session_target(ui.session)->ops->caps, &l);
    if (l.too_small) {
        char message[96];
        snprintf(message, sizeof message, "terminal too small (%dx%d): vdb needs %dx%d", columns, rows,
                 VDB_SCREEN_MIN_COLUMNS, VDB_SCREEN_MIN_ROWS);
        if (l.status_row > 0)
            draw_string(0, 0, message, columns, A_BOLD, 0, false);
        draw_console(l.console, false);
    } else {
        for (size_t i = 0; i < l.npanes; i++)
            draw_pane(l.pane[i], l.where[i]);
        draw_console(l.console, true);
    }
    draw_status(l.status_row, columns);
    draw_command_line(l.command_row, columns);
    refresh();
    ui.redraw = false;
}

/* Readline's redisplay: only the command line changes. */
static void redisplay_command_line(void)
{
    if (!ui.active || LINES < 1)
        return;
    draw_command_line(LINES - 1, COLS);
    refresh();
}

/* ==== readline glue ================================================================ */

/* Readline reads its keys from here: bytes the main loop queued from curses. */
static int queued_key(FILE *stream)
{
    (void)stream;
    if (ui.queue_pos < ui.queue_len)
        return ui.queue[ui.queue_pos++];
    /* Never reached: readline is called only while keys are queued.  A
     * NUL (set-mark) is harmless where EOF would end the session. */
    return 0;
}

static int keys_queued(void)
{
    return ui.queue_pos < ui.queue_len;
}

static void no_terminal_prep(int meta)
{
    (void)meta;
}

static void no_terminal_deprep(void)
{
}

/* Readline finished a line (NULL: Ctrl-D on an empty line): the main loop
 * runs it once readline is out of its callback. */
static void line_finished(char *line)
{
    free(ui.line);
    ui.line = line;
    ui.line_ready = true;
}

/* Hands bytes to readline, one key per call, and runs each line it
 * finishes. */
static void run_line(const char *line);

static void feed_readline(const char *bytes, size_t len)
{
    if (len > sizeof ui.queue)
        len = sizeof ui.queue;
    memcpy(ui.queue, bytes, len);
    ui.queue_len = len;
    ui.queue_pos = 0;
    while (keys_queued() && !ui.quit) {
        rl_callback_read_char();
        if (ui.line_ready) {
            char *line = ui.line;
            ui.line = NULL;
            ui.line_ready = false;
            if (!line)
                ui.quit = true; /* Ctrl-D */
            else
                run_line(line);
            free(line);
        }
    }
    ui.queue_len = ui.queue_pos = 0;
}

static char *completion_candidate(const char *text, int state)
{
    if (state == 0)
        ui.completion_index = 0;
    const char *candidate = vdb_session_complete(ui.session, ui.first_word ? NULL : ui.command_word, text,
                                                 ui.completion_index++);
    return candidate ? strdup(candidate) : NULL;
}

/* Tab: command names for the first word; then the command's own words
 * (layout, info, jit, set), or registers and symbols. */
static char **complete(const char *text, int start, int end)
{
    (void)end;
    rl_attempted_completion_over = 1; /* never file names */
    int i = 0;
    while (i < start && isspace((unsigned char)rl_line_buffer[i]))
        i++;
    ui.first_word = i == start;
    /* The command word, for completing its arguments (x/4gx: just "x"). */
    size_t n = 0;
    while (i + (int)n < start && n + 1 < sizeof ui.command_word &&
           !isspace((unsigned char)rl_line_buffer[i + n]) && rl_line_buffer[i + n] != '/')
        n++;
    memcpy(ui.command_word, rl_line_buffer + i, n);
    ui.command_word[n] = '\0';
    return rl_completion_matches(text, completion_candidate);
}

/* Several candidates: listed in the console, not on the terminal. */
static void show_matches(char **matches, int count, int longest)
{
    (void)longest;
    char list[VDB_CONSOLE_LINE_MAX];
    size_t used = 0;
    for (int i = 1; i <= count && used < sizeof list; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s", i > 1 ? "  " : "", matches[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (used >= sizeof list)
        used = sizeof list - 1;
    vdb_console_add(VDB_CONSOLE_ANSWER, list, used);
    vdb_console_add(VDB_CONSOLE_ANSWER, "\n", 1);
    ui.console_scroll = 0;
    ui.redraw = true;
}

/* ==== commands ===================================================================== */

/* What an empty line runs again after `line` (dispatch.h). */
static void remember_repeat(const char *line)
{
    vdb_repeat_of(line, ui.repeat, sizeof ui.repeat);
}

static void drain_signal_pipe(char *seen, size_t size)
{
    char bytes[64];
    ssize_t n;
    size_t kept = 0;
    while ((n = read(ui.signal_pipe[0], bytes, sizeof bytes)) > 0) {
        for (ssize_t i = 0; i < n && seen && kept + 1 < size; i++)
            if (!memchr(seen, bytes[i], kept))
                seen[kept++] = bytes[i];
    }
    if (seen && size)
        seen[kept] = '\0';
}

/* Runs one command: echoed in the console, the status saying so while it
 * runs (a continue may take long), the screen redrawn after. */
static void execute(const char *line)
{
    vdb_console_add(VDB_CONSOLE_COMMAND, PROMPT, strlen(PROMPT));
    vdb_console_add(VDB_CONSOLE_COMMAND, line, strlen(line));
    vdb_console_add(VDB_CONSOLE_COMMAND, "\n", 1);
    ui.console_scroll = 0;
    ui.running = line;
    draw_screen();
    vdb_exec_result result = vdb_session_execute(ui.session, line);
    ui.running = NULL;
    /* A Ctrl-C meant for the running command is spent. */
    char seen[8];
    drain_signal_pipe(seen, sizeof seen);
    if (strchr(seen, 'q'))
        ui.quit = true;
    if (result == VDB_EXEC_QUIT)
        ui.quit = true;
    ui.redraw = true;
}

/* A line from readline: history, the empty-line repeat, then the command. */
static void run_line(const char *line)
{
    const char *start = line + strspn(line, " \t");
    if (*start == '\0') {
        if (ui.repeat[0]) {
            char again[sizeof ui.repeat];
            snprintf(again, sizeof again, "%s", ui.repeat);
            execute(again);
        }
        return;
    }
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    if (!last || strcmp(last->line, line) != 0)
        add_history(line);
    /* Readline's place in the history goes back to the end: left on an
     * entry, readline would revert that entry to the next line's undo
     * list (and blank it). */
    using_history();
    remember_repeat(line);
    execute(line);
}

/* ==== keys ========================================================================= */

/* Curses' names of editing keys, as the bytes readline knows them by. */
static const struct {
    int key;
    const char *bytes;
} editing_keys[] = {
    { KEY_UP, "\033[A" },   { KEY_DOWN, "\033[B" }, { KEY_RIGHT, "\033[C" },   { KEY_LEFT, "\033[D" },
    { KEY_HOME, "\033[H" }, { KEY_END, "\033[F" },  { KEY_DC, "\033[3~" },     { KEY_BACKSPACE, "\177" },
    { KEY_ENTER, "\r" },
};

static void handle_key(int key)
{
    if (key == KEY_RESIZE) {
        rl_set_screen_size(LINES, COLS);
        ui.redraw = true;
        return;
    }
    if (key == 12) { /* Ctrl-L: the terminal may hold anything; repaint it all */
        clearok(curscr, TRUE);
        ui.redraw = true;
        return;
    }
    if (key == KEY_PPAGE || key == KEY_NPAGE) {
        int page = ui.console_rows > 1 ? ui.console_rows - 1 : 1;
        ui.console_scroll += key == KEY_PPAGE ? page : -page;
        if (ui.console_scroll < 0)
            ui.console_scroll = 0;
        ui.redraw = true;
        return;
    }
    for (size_t i = 0; i < sizeof function_keys / sizeof function_keys[0]; i++) {
        if (key == KEY_F(function_keys[i].number)) {
            remember_repeat(function_keys[i].command);
            execute(function_keys[i].command);
            return;
        }
    }
    for (size_t i = 0; i < sizeof editing_keys / sizeof editing_keys[0]; i++) {
        if (key == editing_keys[i].key) {
            feed_readline(editing_keys[i].bytes, strlen(editing_keys[i].bytes));
            return;
        }
    }
    if (key >= 0 && key < 256) {
        char byte = (char)key;
        feed_readline(&byte, 1);
    }
    /* other curses keys: nothing */
}

/* Ctrl-C at the prompt: the line (and any half-done search) goes. */
static void clear_command_line(void)
{
    rl_callback_sigcleanup();
    rl_replace_line("", 0);
    rl_point = rl_end = 0;
    rl_reset_line_state();
    using_history();
    ui.redraw = true;
}

/* ==== signals ====================================================================== */

static bool is_function(const struct sigaction *sa)
{
    return (sa->sa_flags & SA_SIGINFO) ? sa->sa_sigaction != NULL
                                       : sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN;
}

/* Ctrl-C: to the handler that was there before ours (vdb.c's, which stops
 * a running target) -- or, with none, stops it here; and to the main loop,
 * which clears the prompt's line if nothing was running.  Hang-up and
 * terminate: stop what runs, and the main loop leaves. */
static void on_signal(int signo)
{
    int saved_errno = errno;
    char byte = signo == SIGINT ? 'i' : 'q';
    if (ui.signal_pipe[1] >= 0) {
        ssize_t ignored = write(ui.signal_pipe[1], &byte, 1);
        (void)ignored;
    }
    if (signo == SIGINT && is_function(&ui.old_int)) {
        if (ui.old_int.sa_flags & SA_SIGINFO)
            ui.old_int.sa_sigaction(signo, NULL, NULL);
        else
            ui.old_int.sa_handler(signo);
    } else {
        vdb_session_interrupt(ui.session);
    }
    errno = saved_errno;
}

static int install_signals(void)
{
    if (pipe2(ui.signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &ui.old_int);
    /* Hang-up and terminate: leave cleanly (history saved, terminal reset),
     * unless they were ignored on purpose (nohup). */
    struct sigaction now;
    if (sigaction(SIGTERM, NULL, &now) == 0 && !(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_DFL)
        ui.took_term = sigaction(SIGTERM, &sa, &ui.old_term) == 0;
    if (sigaction(SIGHUP, NULL, &now) == 0 && !(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_DFL)
        ui.took_hup = sigaction(SIGHUP, &sa, &ui.old_hup) == 0;
    return 0;
}

static void restore_signals(void)
{
    if (ui.signal_pipe[0] < 0)
        return;
    sigaction(SIGINT, &ui.old_int, NULL);
    if (ui.took_term)
        sigaction(SIGTERM, &ui.old_term, NULL);
    if (ui.took_hup)
        sigaction(SIGHUP, &ui.old_hup, NULL);
    ui.took_term = ui.took_hup = false;
    close(ui.signal_pipe[0]);
    close(ui.signal_pipe[1]);
    ui.signal_pipe[0] = ui.signal_pipe[1] = -1;
}

/* ==== the run ====================================================================== */

static void start_colours(void)
{
    ui.colours = false;
    if (!has_colors() || start_color() == ERR)
        return;
    short background = use_default_colors() == OK ? -1 : COLOR_BLACK;
    init_pair(PAIR_BREAKPOINT, COLOR_RED, background);
    init_pair(PAIR_DISABLED, COLOR_YELLOW, background);
    init_pair(PAIR_CHANGED, COLOR_GREEN, background);
    init_pair(PAIR_ERROR, COLOR_RED, background);
    init_pair(PAIR_TITLE, COLOR_CYAN, background);
    init_pair(PAIR_STATUS, COLOR_BLACK, COLOR_CYAN);
    ui.colours = true;
}

/* Readline's hooks: ours while the TUI runs (keys from the queue, drawing
 * and completion here, no terminal modes), readline's own after; one
 * place for both, so that none is left behind. */
static void set_readline_hooks(bool ours, FILE *out)
{
    rl_outstream = out;
    rl_prep_term_function = ours ? no_terminal_prep : rl_prep_terminal;
    rl_deprep_term_function = ours ? no_terminal_deprep : rl_deprep_terminal;
    rl_getc_function = ours ? queued_key : rl_getc;
    rl_input_available_hook = ours ? keys_queued : NULL;
    rl_redisplay_function = ours ? redisplay_command_line : rl_redisplay;
    rl_attempted_completion_function = ours ? complete : NULL;
    rl_completion_display_matches_hook = ours ? show_matches : NULL;
}

static void start_readline(FILE *nowhere)
{
    rl_readline_name = "vdb";
    rl_change_environment = 0; /* LINES/COLUMNS in the environment would pin curses' size */
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_instream = stdin;
    set_readline_hooks(true, nowhere);
    rl_completer_word_break_characters = " \t\n\"'`@><=;|&{(,+-*/[]!";
    rl_callback_handler_install(PROMPT, line_finished);
    rl_set_screen_size(LINES, COLS);
}

static void stop_readline(void)
{
    rl_callback_handler_remove();
    set_readline_hooks(false, NULL);
    free(ui.line);
    ui.line = NULL;
    ui.line_ready = false;
}

/* The main loop: wait for a key or a signal, act, redraw what changed. */
static void main_loop(void)
{
    ui.redraw = true;
    while (!ui.quit) {
        if (ui.redraw || ui.console_drawn != vdb_console_version())
            draw_screen();
        struct pollfd fds[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
                                 { .fd = ui.signal_pipe[0], .events = POLLIN } };
        int n = poll(fds, 2, POLL_MS);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0 && (fds[1].revents & POLLIN)) {
            char seen[8];
            drain_signal_pipe(seen, sizeof seen);
            if (strchr(seen, 'q'))
                ui.quit = true;
            else if (strchr(seen, 'i'))
                clear_command_line();
        }
        if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) && !(fds[0].revents & POLLIN))
            break; /* the terminal went away */
        /* Curses also reports a resize it noticed (KEY_RESIZE) here. */
        int key;
        while (!ui.quit && (key = getch()) != ERR)
            handle_key(key);
    }
}

/* The terminal in curses mode, or NULL (with the reason on stderr) when
 * curses cannot use it.  newterm, not initscr: initscr exits the program
 * on a terminal it does not know. */
static SCREEN *open_screen(void)
{
    SCREEN *screen = vdb_terminal_known() ? newterm(NULL, stdout, stdin) : NULL;
    if (!screen) {
        const char *term = getenv("TERM");
        fprintf(stderr, "vdb: cannot use the terminal '%s' for the TUI; use --batch\n", term ? term : "(TERM unset)");
        return NULL;
    }
    set_term(screen);
    cbreak(); /* not raw(): Ctrl-C must still raise SIGINT */
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    start_colours();
    return screen;
}

static void load_history(const char *history)
{
    stifle_history(HISTORY_KEPT);
    if (history)
        read_history(history); /* none yet is fine */
    using_history();
}

static void save_history(const char *history)
{
    int err = history ? write_history(history) : 0;
    if (err != 0)
        fprintf(stderr, "vdb: cannot save the command history to %s: %s\n", history, strerror(err));
    clear_history();
}

int vdb_tui_run(vdb_session *s, const char *history)
{
    if (ui.active) {
        fprintf(stderr, "vdb: the TUI is already running\n");
        return 1;
    }
    ui.session = s;
    ui.quit = false;
    ui.repeat[0] = '\0';
    ui.console_scroll = 0;

    const char *locale_now = setlocale(LC_CTYPE, NULL);
    char *saved_locale = strdup(locale_now ? locale_now : "C");
    setlocale(LC_CTYPE, ""); /* UTF-8 source lines and input, where the terminal's locale says so */

    bool ran = false;
    FILE *nowhere = fopen("/dev/null", "w");
    SCREEN *screen = NULL;
    if (!nowhere || install_signals() != 0)
        fprintf(stderr, "vdb: cannot start the TUI: %s\n", strerror(errno));
    else
        screen = open_screen();
    if (screen) {
        ui.active = true;
        load_history(history);
        start_readline(nowhere);
        main_loop();
        stop_readline();
        endwin();
        delscreen(screen);
        ui.active = false;
        save_history(history);
        ran = true;
    } else {
        vdb_console_print(); /* what the session said is not lost */
    }
    restore_signals();
    if (nowhere)
        fclose(nowhere);
    vdb_console_close();
    setlocale(LC_CTYPE, saved_locale ? saved_locale : "C");
    free(saved_locale);
    return ran ? 0 : 1;
}
