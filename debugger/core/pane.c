/*
 * pane.c -- what each pane shows, as lines of text with flags (pane.h).
 * The TUI draws these lines; the batch mode's `screen` prints them; so a
 * test of one is a test of the other.
 *
 * Every pane fits its content to the height asked for, keeping the line
 * that matters (the current line, the current instruction) inside it.
 */
#include "pane.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "location.h"
#include "session_state.h"
#include "source.h"
#include "values.h"

static void put(vdb_line *line, unsigned flags, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(vdb_line *line, unsigned flags, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line->text, sizeof line->text, fmt, ap);
    va_end(ap);
    line->flags = flags;
}

/* The first of `count` items to show in a window of `max`, so that item
 * `focus` is in it (about a third from the top). */
static size_t window_start(size_t count, size_t max, size_t focus)
{
    if (count <= max || focus < max / 3)
        return 0;
    size_t start = focus - max / 3;
    return start + max > count ? count - max : start;
}

/* ---- source ---- */

/* The breakpoint flags of a source line. */
static unsigned line_breakpoints(vdb_session *s, const char *file, uint32_t line)
{
    unsigned flags = 0;
    for (size_t i = 0; i < s->nbreakpoints; i++) {
        const vdb_breakpoint *b = &s->breakpoints[i];
        const char *bfile;
        uint32_t bline;
        if (b->kind != VDB_BP_CODE || !s->t->ops->source_line(s->t, b->address, &bfile, &bline) || bline != line ||
            strcmp(bfile, file) != 0)
            continue;
        flags |= b->enabled ? VDB_LINE_BREAKPOINT : VDB_LINE_DISABLED;
    }
    if (flags & VDB_LINE_BREAKPOINT)
        flags &= ~(unsigned)VDB_LINE_DISABLED;
    return flags;
}

static size_t render_source(vdb_session *s, vdb_line *lines, size_t max, char *title, size_t title_size)
{
    if (!vdb_has(s, VDB_CAP_SOURCE)) {
        snprintf(title, title_size, "source");
        put(&lines[0], 0, "(the %s target has no source: its code is in the code pane)", s->t->ops->name);
        return 1;
    }
    const char *file;
    uint32_t current = 0, focus;
    bool here = s->t->ops->source_line(s->t, vdb_selected_address(s), &file, &current);
    if (!here) {
        uint64_t main_address;
        char err[VDB_ERR_SIZE];
        if (s->t->ops->resolve(s->t, "main", &main_address, err, sizeof err) != 0 ||
            !s->t->ops->source_line(s->t, main_address, &file, &focus)) {
            snprintf(title, title_size, "source");
            put(&lines[0], 0, "(no source line here)");
            return 1;
        }
    } else {
        focus = current;
    }
    const char *slash = strrchr(file, '/');
    snprintf(title, title_size, "source: %s", slash ? slash + 1 : file);
    size_t count = vdb_source_line_count(s, file);
    if (count == 0) {
        put(&lines[0], 0, "(cannot read %s)", file);
        return 1;
    }
    size_t first = window_start(count, max, focus - 1);
    size_t n = 0;
    bool is_current_here = here && vdb_program_running(s);
    for (size_t i = first; i < count && n < max; i++, n++) {
        uint32_t number = (uint32_t)i + 1;
        unsigned flags = line_breakpoints(s, file, number);
        if (is_current_here && number == current)
            flags |= VDB_LINE_CURRENT;
        char mark = flags & VDB_LINE_BREAKPOINT ? 'B' : flags & VDB_LINE_DISABLED ? 'b' : ' ';
        put(&lines[n], flags, "%c%c%4u  %s", mark, flags & VDB_LINE_CURRENT ? '>' : ' ', number,
            vdb_source_line(s, file, number));
    }
    return n;
}

/* ---- code ---- */

static size_t render_code(vdb_session *s, vdb_line *lines, size_t max, char *title, size_t title_size)
{
    uint64_t focus = vdb_selected_address(s);
    uint64_t pc = s->t->ops->pc(s->t);
    uint64_t start, end;
    char where[64], err[VDB_ERR_SIZE];
    bool bounded = s->t->ops->function_bounds(s->t, focus, &start, &end);
    s->t->ops->format_address(s->t, bounded ? start : focus, where, sizeof where);
    snprintf(title, title_size, "code: %s", where);
    /* Decode the function (or max instructions from the focus), then keep
     * the window around the focus. */
    size_t capacity = bounded ? 256 : max;
    uint64_t *addresses = malloc(capacity * sizeof *addresses);
    char (*texts)[160] = malloc(capacity * sizeof *texts);
    if (!addresses || !texts) {
        free(addresses);
        free(texts);
        put(&lines[0], 0, "(out of memory)");
        return 1;
    }
    size_t count = 0, focus_index = 0;
    uint64_t a = bounded ? start : focus;
    while (count < capacity && (!bounded || a < end)) {
        uint64_t next;
        if (s->t->ops->disassemble(s->t, a, texts[count], sizeof texts[count], &next, err, sizeof err) != 0) {
            if (!bounded) {
                snprintf(texts[count], sizeof texts[count], "(%.150s)", err);
                addresses[count++] = a;
                break;
            }
            a++;
            continue;
        }
        if (a <= focus)
            focus_index = count;
        addresses[count++] = a;
        a = next;
        /* A long function: once the focus has been passed by a window's
         * worth, the rest would not be shown. */
        if (bounded && count == capacity && focus_index + max < count)
            break;
    }
    size_t first = window_start(count, max, focus_index);
    size_t n = 0;
    for (size_t i = first; i < count && n < max; i++, n++) {
        unsigned flags = 0;
        for (size_t b = 0; b < s->nbreakpoints; b++)
            if (s->breakpoints[b].kind == VDB_BP_CODE && s->breakpoints[b].address == addresses[i])
                flags |= s->breakpoints[b].enabled ? VDB_LINE_BREAKPOINT : VDB_LINE_DISABLED;
        if (flags & VDB_LINE_BREAKPOINT)
            flags &= ~(unsigned)VDB_LINE_DISABLED;
        if (vdb_program_running(s) && addresses[i] == pc)
            flags |= VDB_LINE_CURRENT;
        s->t->ops->format_address(s->t, addresses[i], where, sizeof where);
        char mark = flags & VDB_LINE_BREAKPOINT ? 'B' : flags & VDB_LINE_DISABLED ? 'b' : ' ';
        put(&lines[n], flags, "%c%c %-14s %s", mark, flags & VDB_LINE_CURRENT ? '>' : ' ', where, texts[i]);
    }
    free(addresses);
    free(texts);
    return n;
}

static size_t render_native(vdb_session *s, vdb_line *lines, size_t max, char *title, size_t title_size)
{
    uint64_t address = vdb_selected_address(s);
    char where[64], err[VDB_ERR_SIZE];
    s->t->ops->format_address(s->t, address, where, sizeof where);
    char *plus = strchr(where, '+');
    if (plus)
        *plus = '\0';
    snprintf(title, title_size, "native code: %s", where);
    char *text = NULL;
    if (!vdb_has(s, VDB_CAP_JIT) || s->t->ops->native_code(s->t, address, &text, err, sizeof err) != 0) {
        put(&lines[0], 0, "(%s)", vdb_has(s, VDB_CAP_JIT) ? err : "this target has no JIT");
        return 1;
    }
    /* Split into lines, then show the window around the current one. */
    size_t count = 0, focus = 0;
    for (char *p = text; *p; p++)
        count += *p == '\n';
    char **all = calloc(count + 1, sizeof *all);
    if (!all) {
        free(text);
        put(&lines[0], 0, "(out of memory)");
        return 1;
    }
    count = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "=>", 2) == 0)
            focus = count;
        all[count++] = line;
    }
    size_t n = 0;
    for (size_t i = window_start(count, max, focus); i < count && n < max; i++) {
        bool current = strncmp(all[i], "=>", 2) == 0;
        unsigned flags = current && vdb_program_running(s) ? VDB_LINE_CURRENT
                       : strncmp(all[i], "  pc ", 5) == 0 || current ? VDB_LINE_HEADER : 0;
        put(&lines[n++], flags, "%s", all[i]);
    }
    free(all);
    free(text);
    return n;
}

/* ---- registers, frames ---- */

static size_t render_registers(vdb_session *s, vdb_line *lines, size_t max, char *title, size_t title_size)
{
    snprintf(title, title_size, "registers");
    size_t n = 0;
    for (size_t i = 0; i < s->nregisters && n < max; i++, n++) {
        vdb_format_register(s, i, lines[n].text, sizeof lines[n].text);
        lines[n].flags = vdb_register_changed(s, i) ? VDB_LINE_CHANGED : 0;
    }
    return n;
}

static size_t add_variables(vdb_session *s, vdb_var_set set, const char *heading, vdb_line *lines, size_t n,
                            size_t max)
{
    vdb_variable vars[32];
    size_t count = s->t->ops->variables(s->t, s->frame, set, vars, 32);
    if (n < max)
        put(&lines[n++], VDB_LINE_HEADER, "%s%s", heading, count ? ":" : ": (none)");
    for (size_t i = 0; i < count && i < 32 && n < max; i++)
        put(&lines[n++], 0, "  %s = %s", vars[i].name, vars[i].value);
    return n;
}

static size_t render_frames(vdb_session *s, vdb_line *lines, size_t max, char *title, size_t title_size)
{
    snprintf(title, title_size, "frames");
    if (!vdb_has(s, VDB_CAP_FRAMES)) {
        char status[VDB_LINE_MAX];
        s->t->ops->status(s->t, status, sizeof status);
        put(&lines[0], 0, "(the %s target has no call frames)", s->t->ops->name);
        if (max < 2)
            return 1;
        put(&lines[1], 0, "%s", status);
        return 2;
    }
    size_t count = vdb_program_running(s) ? s->t->ops->frame_count(s->t) : 0;
    if (count == 0) {
        put(&lines[0], 0, "(the program is not running)");
        return 1;
    }
    size_t n = 0;
    size_t shown = count < max / 3 ? count : max / 3 ? max / 3 : 1;
    for (size_t i = 0; i < shown && n < max; i++) {
        vdb_frame f;
        char err[VDB_ERR_SIZE];
        if (s->t->ops->frame(s->t, i, &f, err, sizeof err) != 0)
            break;
        char where[64];
        s->t->ops->format_address(s->t, f.address, where, sizeof where);
        if (f.line)
            snprintf(where, sizeof where, "line %u", f.line);
        put(&lines[n++], i == s->frame ? VDB_LINE_CURRENT : 0, "%c#%-2zu %s, %s", i == s->frame ? '>' : ' ', i,
            f.function, where);
    }
    if (shown < count && n < max)
        put(&lines[n++], 0, "  ... %zu more", count - shown);
    n = add_variables(s, VDB_VARS_LOCALS, "locals", lines, n, max);
    if (vdb_has(s, VDB_CAP_OPERAND_STACK))
        n = add_variables(s, VDB_VARS_STACK, "operand stack", lines, n, max);
    return n;
}

/* ---- memory, output ---- */

static size_t render_memory(vdb_session *s, vdb_line *lines, size_t max, char *title, size_t title_size)
{
    int space = s->examined ? s->memory_space : 0;
    uint64_t address = s->examined ? s->memory_address : 0;
    char err[VDB_ERR_SIZE];
    uint8_t probe;
    /* Until x moves it: the code at the pc, where the space holds code. */
    if (!s->examined && s->t->ops->read_memory(s->t, 0, s->t->ops->pc(s->t), &probe, 1, err, sizeof err) == 0)
        address = s->t->ops->pc(s->t);
    const char *name = s->t->ops->spaces[space];
    snprintf(title, title_size, "memory: %s:0x%" PRIx64 "%s", name, address, s->examined ? "" : " (x ADDRESS moves it)");
    size_t n = 0;
    for (; n < max; n++) {
        uint8_t bytes[16];
        uint64_t at = address + 16 * n;
        size_t got = sizeof bytes;
        /* At the end of what can be read, show what is left of the row. */
        while (got > 0 && s->t->ops->read_memory(s->t, space, at, bytes, got, err, sizeof err) != 0)
            got = got > 8 ? 8 : got - 1;
        if (got == 0) {
            if (n == 0)
                put(&lines[n++], 0, "(%s)", err);
            break;
        }
        char hex[3 * 16 + 1] = "", ascii[17] = "";
        for (size_t i = 0; i < got; i++) {
            snprintf(hex + 3 * i, sizeof hex - 3 * i, "%02x ", bytes[i]);
            ascii[i] = bytes[i] >= 32 && bytes[i] < 127 ? (char)bytes[i] : '.';
        }
        ascii[got] = '\0';
        put(&lines[n], 0, "%08" PRIx64 "  %-48s |%s|", at, hex, ascii);
        if (got < sizeof bytes) {
            n++;
            break;
        }
    }
    return n;
}

static size_t render_output(vdb_session *s, vdb_line *lines, size_t max, char *title, size_t title_size)
{
    snprintf(title, title_size, "output");
    /* The last max lines (a partial last line counts). */
    size_t end = s->output_len;
    size_t start = end, count = 0;
    if (end > 0 && s->output[end - 1] == '\n')
        end--;
    while (start > 0 && count < max) {
        start--;
        if (s->output[start] == '\n') {
            count++;
            if (count == max) {
                start++;
                break;
            }
        }
    }
    size_t n = 0;
    const char *p = s->output + start;
    const char *stop = s->output + end;
    while (p < stop && n < max) {
        const char *nl = memchr(p, '\n', (size_t)(stop - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(stop - p);
        put(&lines[n++], 0, "%.*s", (int)(len < VDB_LINE_MAX ? len : VDB_LINE_MAX - 1), p);
        p += len + 1;
    }
    if (n == 0)
        put(&lines[n++], 0, "(no output yet)");
    return n;
}

static size_t (*const renderers[VDB_PANE_COUNT])(vdb_session *, vdb_line *, size_t, char *, size_t) = {
    [VDB_PANE_SOURCE] = render_source,       [VDB_PANE_CODE] = render_code,
    [VDB_PANE_NATIVE] = render_native,       [VDB_PANE_REGISTERS] = render_registers,
    [VDB_PANE_FRAMES] = render_frames,       [VDB_PANE_MEMORY] = render_memory,
    [VDB_PANE_OUTPUT] = render_output,
};

size_t vdb_pane_render(vdb_session *s, vdb_pane pane, vdb_line *lines, size_t max, char *title, size_t title_size)
{
    VDB_ASSERT(vdb_target_stopped(s));
    if (max == 0)
        return 0;
    if ((unsigned)pane >= VDB_PANE_COUNT) {
        snprintf(title, title_size, "?");
        return 0;
    }
    size_t n = renderers[pane](s, lines, max, title, title_size);
    VDB_ASSERT(n <= max);
    return n;
}
