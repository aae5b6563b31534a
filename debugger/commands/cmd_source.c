/*
 * cmd_source.c -- the program's code: list (source lines) and
 * disassemble (handlers.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breakpoints.h"
#include "handlers.h"
#include "location.h"
#include "session_state.h"
#include "source.h"
#include "values.h"

vdb_exec_result vdb_cmd_list(vdb_session *s, const vdb_parsed *p)
{
    const char *args = p->args;
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
        if (vdb_resolve_address(s, p->args, &address, resolve_err, sizeof resolve_err) != 0 &&
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
