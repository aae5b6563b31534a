/*
 * inspect.c -- looking around a stopped program: info, backtrace, frame,
 * up, down, list and disassemble.
 */
#include "session_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== info ========================================================================= */

static vdb_exec_result info_variables(vdb_session *s, vdb_var_set set, const char *what)
{
    if (!vdb_has(s, VDB_CAP_VARIABLES))
        return vdb_fail(s, "info %s: the %s target has no variables", what, s->t->ops->name);
    if (set != VDB_VARS_GLOBALS && s->t->ops->frame_count(s->t) == 0)
        return vdb_fail(s, "info %s: the program is not running", what);
    vdb_variable vars[64];
    size_t n = s->t->ops->variables(s->t, s->frame, set, vars, 64);
    if (n == 0)
        vdb_say(s, "No %s.\n", what);
    for (size_t i = 0; i < n && i < 64; i++)
        vdb_say(s, "%s = %s  (%s)\n", vars[i].name, vars[i].value, vars[i].type);
    if (n > 64)
        vdb_say(s, "... and %zu more\n", n - 64);
    return VDB_EXEC_OK;
}

static vdb_exec_result info_frame(vdb_session *s)
{
    if (!vdb_has(s, VDB_CAP_FRAMES))
        return vdb_fail(s, "info frame: the %s target has no call frames", s->t->ops->name);
    size_t count = s->t->ops->frame_count(s->t);
    if (count == 0)
        return vdb_fail(s, "info frame: the program is not running");
    vdb_frame f;
    char err[VDB_ERR_SIZE], where[192];
    if (s->t->ops->frame(s->t, s->frame, &f, err, sizeof err) != 0)
        return vdb_fail(s, "info frame: %s", err);
    vdb_describe_location(s, f.address, where, sizeof where);
    char pc[64];
    s->t->ops->format_address(s->t, f.address, pc, sizeof pc);
    vdb_say(s, "Frame #%zu of %zu: %s, pc %s\n", s->frame, count, where, pc);
    if (s->frame + 1 < count && s->t->ops->frame(s->t, s->frame + 1, &f, err, sizeof err) == 0) {
        vdb_describe_location(s, f.address, where, sizeof where);
        vdb_say(s, "  called by frame #%zu: %s\n", s->frame + 1, where);
    }
    if (s->frame > 0)
        vdb_say(s, "  calls frame #%zu\n", s->frame - 1);
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_info(vdb_session *s, const char *args)
{
    char topic[32];
    size_t n = strcspn(args, " \t");
    if (n == 0)
        return vdb_fail(s, "info: which? (breakpoints, registers, frame, locals, globals, stack, display, "
                       "or the target's: exits, mode, jit, gc)");
    snprintf(topic, sizeof topic, "%.*s", (int)(n < sizeof topic ? n : sizeof topic - 1), args);
    const char *rest = args + n;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    size_t len = strlen(topic);
    static const char *const topics[] = { "breakpoints", "watchpoints", "registers", "frame", "locals",
                                          "globals", "stack", "display", NULL };
    const char *chosen = NULL;
    for (int i = 0; topics[i]; i++)
        if (strncmp(topics[i], topic, len) == 0 && (!chosen || strcmp(topics[i], topic) == 0))
            chosen = chosen && strcmp(chosen, topic) != 0 && strcmp(topics[i], topic) != 0 ? chosen : topics[i];
    if (strcmp(topic, "b") == 0 || strcmp(topic, "break") == 0)
        chosen = "breakpoints";
    if (strcmp(topic, "r") == 0 || strcmp(topic, "reg") == 0)
        chosen = "registers";
    if (chosen && (strcmp(chosen, "breakpoints") == 0 || strcmp(chosen, "watchpoints") == 0)) {
        vdb_info_breakpoints(s);
        return VDB_EXEC_OK;
    }
    if (chosen && strcmp(chosen, "registers") == 0)
        return vdb_info_registers(s, rest);
    if (chosen && strcmp(chosen, "frame") == 0)
        return info_frame(s);
    if (chosen && strcmp(chosen, "locals") == 0)
        return info_variables(s, VDB_VARS_LOCALS, "locals");
    if (chosen && strcmp(chosen, "globals") == 0)
        return info_variables(s, VDB_VARS_GLOBALS, "globals");
    if (chosen && strcmp(chosen, "stack") == 0)
        return info_variables(s, VDB_VARS_STACK, "operands on the stack");
    if (chosen && strcmp(chosen, "display") == 0) {
        if (s->ndisplays == 0)
            vdb_say(s, "No displays.\n");
        for (size_t i = 0; i < s->ndisplays; i++)
            vdb_say(s, "%d: %s%c%s%s\n", s->displays[i].number, s->displays[i].format ? "/" : "",
                s->displays[i].format ? s->displays[i].format : ' ', s->displays[i].format ? " " : "",
                s->displays[i].expression);
        return VDB_EXEC_OK;
    }
    char err[VDB_ERR_SIZE], *text = NULL;
    if (!s->t->ops->info || s->t->ops->info(s->t, topic, &text, err, sizeof err) != 0)
        return vdb_fail(s, "info: %s", s->t->ops->info ? err : "unknown topic");
    vdb_say(s, "%s", text);
    free(text);
    return VDB_EXEC_OK;
}

/* ==== frames ======================================================================= */

vdb_exec_result vdb_cmd_backtrace(vdb_session *s)
{
    if (!vdb_has(s, VDB_CAP_FRAMES))
        return vdb_fail(s, "backtrace: the %s target has no call frames", s->t->ops->name);
    size_t n = s->t->ops->frame_count(s->t);
    if (n == 0)
        return vdb_fail(s, "backtrace: the program is not running");
    for (size_t i = 0; i < n; i++) {
        if (n > 40 && i == 20) {
            vdb_say(s, "... %zu frames ...\n", n - 40);
            i = n - 20;
        }
        vdb_frame f;
        char err[VDB_ERR_SIZE], where[192];
        if (s->t->ops->frame(s->t, i, &f, err, sizeof err) != 0)
            return vdb_fail(s, "backtrace: %s", err);
        vdb_describe_location(s, f.address, where, sizeof where);
        vdb_say(s, "%c#%-3zu %s\n", i == s->frame ? '*' : ' ', i, where);
    }
    return VDB_EXEC_OK;
}

static vdb_exec_result select_frame(vdb_session *s, const char *name, int64_t target)
{
    if (!vdb_has(s, VDB_CAP_FRAMES))
        return vdb_fail(s, "%s: the %s target has no call frames", name, s->t->ops->name);
    size_t n = s->t->ops->frame_count(s->t);
    if (n == 0)
        return vdb_fail(s, "%s: the program is not running", name);
    if (target < 0 || (uint64_t)target >= n)
        return vdb_fail(s, "%s: no frame #%" PRId64 " (frames 0 to %zu)", name, target, n - 1);
    s->frame = (size_t)target;
    vdb_frame f;
    char err[VDB_ERR_SIZE], where[192];
    if (s->t->ops->frame(s->t, s->frame, &f, err, sizeof err) != 0)
        return vdb_fail(s, "%s: %s", name, err);
    vdb_describe_location(s, f.address, where, sizeof where);
    vdb_say(s, "#%zu  %s\n", s->frame, where);
    vdb_show_code_line(s, f.address);
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_frame(vdb_session *s, const vdb_parsed *p)
{
    uint64_t n = s->frame;
    if (p->command->id == VDB_CMD_FRAME) {
        if (p->args[0] && !vdb_parse_number(p->args, &n))
            return vdb_fail(s, "frame: '%s' is not a frame number", p->args);
        return select_frame(s, "frame", (int64_t)n);
    }
    unsigned count;
    if (!vdb_parse_count(p->args, &count))
        return vdb_fail(s, "%s: '%s' is not a count", p->command->name, p->args);
    int64_t target = p->command->id == VDB_CMD_UP ? (int64_t)s->frame + count : (int64_t)s->frame - count;
    return select_frame(s, p->command->name, target);
}

/* ==== source and code ============================================================== */

vdb_exec_result vdb_cmd_list(vdb_session *s, const char *args)
{
    if (!vdb_has(s, VDB_CAP_SOURCE))
        return vdb_fail(s, "list: the %s target has no source (x/10i $pc shows its code)", s->t->ops->name);
    const char *file;
    uint32_t line;
    uint32_t first = s->list_next;
    if (!s->t->ops->source_line(s->t, vdb_selected_address(s), &file, &line)) {
        /* not started: the start of main */
        uint64_t main_address;
        char err[VDB_ERR_SIZE];
        if (s->t->ops->resolve(s->t, "main", &main_address, err, sizeof err) != 0 ||
            !s->t->ops->source_line(s->t, main_address, &file, &line))
            return vdb_fail(s, "list: no source lines");
    }
    if (args[0]) {
        uint64_t n;
        if (vdb_parse_number(args, &n) && n > 0 && n < UINT32_MAX) {
            size_t lines = vdb_source_line_count(s, file);
            if (n > lines)
                return vdb_fail(s, "list: line %" PRIu64 " is past the end of %s (%zu lines)", n, file, lines);
            first = (uint32_t)n > 5 ? (uint32_t)n - 5 : 1;
        } else {
            uint64_t address;
            char err[VDB_ERR_SIZE];
            if (s->t->ops->resolve(s->t, args, &address, err, sizeof err) != 0 ||
                !s->t->ops->source_line(s->t, address, &file, &line))
                return vdb_fail(s, "list: %s", err);
            first = line > 5 ? line - 5 : 1;
        }
    } else if (first == 0) {
        first = line > 5 ? line - 5 : 1;
    }
    size_t total = vdb_source_line_count(s, file);
    if (total == 0)
        return vdb_fail(s, "list: cannot read %s", file);
    if (first > total)
        return vdb_fail(s, "list: line %u is past the end of %s (%zu lines)", first, file, total);
    uint32_t last = first + 9;
    for (uint32_t l = first; l <= last && l <= total; l++)
        vdb_say(s, "%u\t%s\n", l, vdb_source_line(s, file, l));
    s->list_next = last + 1;
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_disassemble(vdb_session *s, const vdb_parsed *p)
{
    char err[VDB_ERR_SIZE];
    uint64_t address = vdb_selected_address(s);
    if (p->args[0]) {
        int space;
        char resolve_err[VDB_ERR_SIZE];
        if (s->t->ops->resolve(s->t, p->args, &address, resolve_err, sizeof resolve_err) != 0 &&
            vdb_parse_address(s, p->args, &space, &address, err, sizeof err) != 0)
            return vdb_fail(s, "disassemble: %s", vdb_is_integer_expression(p->args) ? err : resolve_err);
    }
    if (strcmp(p->suffix, "n") == 0) {
        if (!vdb_has(s, VDB_CAP_JIT))
            return vdb_fail(s, "disassemble/n: the %s target has no JIT", s->t->ops->name);
        char *text = NULL;
        if (s->t->ops->native_code(s->t, address, &text, err, sizeof err) != 0)
            return vdb_fail(s, "disassemble/n: %s", err);
        vdb_say(s, "%s", text);
        free(text);
        return VDB_EXEC_OK;
    }
    if (p->suffix[0])
        return vdb_fail(s, "disassemble/%s: the only modifier is /n (native code)", p->suffix);
    uint64_t start = address, end = 0;
    bool bounded = s->t->ops->function_bounds(s->t, address, &start, &end);
    char where[64];
    s->t->ops->format_address(s->t, start, where, sizeof where);
    vdb_say(s, "Code of %s:\n", where);
    uint64_t pc = s->t->ops->pc(s->t);
    for (unsigned i = 0; bounded ? start < end : i < 16; i++) {
        char text[160];
        uint64_t next;
        if (s->t->ops->disassemble(s->t, start, text, sizeof text, &next, err, sizeof err) != 0) {
            if (!bounded)
                return vdb_fail(s, "disassemble: %s", err);
            next = start + 1; /* a byte that is not an instruction start: skip it */
            continue;
        }
        s->t->ops->format_address(s->t, start, where, sizeof where);
        vdb_say(s, "%s%s %-14s %s\n", start == pc && s->started ? "=>" : "  ",
            vdb_breakpoint_at(s, start) ? "b" : " ", where, text);
        start = next;
    }
    return VDB_EXEC_OK;
}
