/*
 * console_lines.c -- the TUI's console and the sink that fills it
 * (console_lines.h, tui.h's vdb_tui_sink).
 */
#include "console_lines.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "tui.h"
#include "vdb_assert.h"

static struct {
    vdb_console_line lines[VDB_CONSOLE_KEPT]; /* a ring: first, then count more      */
    size_t first, count;
    bool open;                   /* the newest line has no newline yet       */
    bool closed;                 /* the TUI ended: write through             */
    unsigned long version;       /* bumped at every change: redraw          */
} console;

static vdb_console_line *console_newest(void)
{
    return console.count ? &console.lines[(console.first + console.count - 1) % VDB_CONSOLE_KEPT] : NULL;
}

static vdb_console_line *line_at(size_t i)
{
    return &console.lines[(console.first + i) % VDB_CONSOLE_KEPT];
}

static void console_new_line(vdb_console_kind kind)
{
    if (console.count == VDB_CONSOLE_KEPT) {
        free(console.lines[console.first].text);
        console.first = (console.first + 1) % VDB_CONSOLE_KEPT;
        console.count--;
    }
    vdb_console_line *line = &console.lines[(console.first + console.count) % VDB_CONSOLE_KEPT];
    *line = (vdb_console_line){ .text = NULL, .len = 0, .kind = kind };
    console.count++;
    VDB_ASSERT(console.count <= VDB_CONSOLE_KEPT);
    console.open = true;
}

static void console_append(vdb_console_line *line, const char *text, size_t len)
{
    if (line->len + len > VDB_CONSOLE_LINE_MAX)
        len = VDB_CONSOLE_LINE_MAX - line->len;
    if (len == 0)
        return;
    char *grown = realloc(line->text, line->len + len + 1);
    if (!grown)
        return; /* the console is best effort: the session is unaffected */
    memcpy(grown + line->len, text, len);
    line->len += len;
    grown[line->len] = '\0';
    line->text = grown;
}

void vdb_console_add(vdb_console_kind kind, const char *text, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(text, '\n', len);
        size_t part = nl ? (size_t)(nl - text) : len;
        vdb_console_line *newest = console_newest();
        if (!console.open || !newest || newest->kind != kind) {
            console_new_line(kind);
            newest = console_newest();
        }
        size_t keep = part;
        if (keep > 0 && text[keep - 1] == '\r')
            keep--;
        console_append(newest, text, keep);
        if (nl) {
            console.open = false;
            part++;
        }
        text += part;
        len -= part;
    }
    console.version++;
}

static void console_free(void)
{
    for (size_t i = 0; i < console.count; i++)
        free(line_at(i)->text);
    console.first = console.count = 0;
    console.open = false;
    console.version++;
}

void vdb_console_print(void)
{
    for (size_t i = 0; i < console.count; i++) {
        const vdb_console_line *line = line_at(i);
        FILE *to = line->kind == VDB_CONSOLE_ERROR ? stderr : stdout;
        fprintf(to, "%.*s\n", (int)line->len, line->text ? line->text : "");
    }
    fflush(stdout);
}

static void sink_write(void *context, vdb_stream stream, const char *text, size_t len)
{
    (void)context;
    if (console.closed) {
        FILE *to = stream == VDB_OUT_ERROR ? stderr : stdout;
        fwrite(text, 1, len, to);
        fflush(to);
        return;
    }
    /* The program's output: the session keeps its tail for the output pane. */
    if (stream == VDB_OUT_PROGRAM)
        return;
    vdb_console_add(stream == VDB_OUT_ERROR ? VDB_CONSOLE_ERROR : VDB_CONSOLE_ANSWER, text, len);
}

/* At exit, text the screen never showed (a -x script that quit before the
 * TUI started, say) goes to stdout/stderr rather than nowhere. */
static void console_at_exit(void)
{
    if (console.closed)
        return;
    vdb_console_print();
    vdb_console_close();
}

size_t vdb_console_count(void) { return console.count; }

const vdb_console_line *vdb_console_at(size_t i)
{
    VDB_ASSERT(i < console.count);
    return line_at(i);
}

unsigned long vdb_console_version(void) { return console.version; }

void vdb_console_close(void)
{
    console_free();
    console.closed = true;
}

const vdb_sink *vdb_tui_sink(void)
{
    static const vdb_sink sink = { sink_write, NULL };
    static bool at_exit_registered;
    if (!at_exit_registered)
        at_exit_registered = atexit(console_at_exit) == 0;
    return &sink;
}
