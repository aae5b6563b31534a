/*
 * cmd_info.c -- info TOPIC (handlers.h).  The topics are commands.def's
 * TOPIC rows, the one list that the dispatch below, the message for a
 * bare `info`, help's usage and Tab completion all come from: the front
 * end's own topics are shown here, a target's are passed to target.h's
 * info.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command_table.h"
#include "handlers.h"
#include "location.h"
#include "session_state.h"
#include "values.h"

/* ==== the front end's topics ====================================================== */

static vdb_exec_result info_breakpoints(vdb_session *s, const char *rest)
{
    if (s->nbreakpoints == 0) {
        vdb_say(s, "No breakpoints or watchpoints.\n");
        return VDB_EXEC_OK;
    }
    vdb_say(s, "Num  Type        Disp  Enb  Where\n");
    for (size_t i = 0; i < s->nbreakpoints; i++) {
        const vdb_breakpoint *b = &s->breakpoints[i];
        char where[192];
        static const char *const types[] = {
            [VDB_BP_CODE] = "breakpoint", [VDB_BP_WATCH] = "watchpoint", [VDB_BP_CATCH] = "catchpoint",
        };
        static const char *const hit[] = {
            [VDB_BP_CODE] = "breakpoint already hit", [VDB_BP_WATCH] = "value changed",
            [VDB_BP_CATCH] = "catchpoint already hit",
        };
        if (b->kind != VDB_BP_CODE)
            snprintf(where, sizeof where, "%.*s", (int)sizeof where - 1, b->spec);
        else
            vdb_describe_location(s, b->address, where, sizeof where);
        vdb_say(s, "%-4d %-11s %-5s %-4s %s\n", b->number, types[b->kind],
            b->temporary ? "del" : "keep", b->enabled ? "y" : "n", where);
        if (b->hits)
            vdb_say(s, "     %s %u time%s\n", hit[b->kind], b->hits, b->hits == 1 ? "" : "s");
    }
    return VDB_EXEC_OK;
}

static vdb_exec_result info_registers(vdb_session *s, const char *names)
{
    if (!s->registers_read) {
        vdb_read_registers(s);
        s->registers_read = true;
    }
    char line[VDB_LINE_MAX];
    if (!names[0]) {
        const char *group = NULL;
        for (size_t i = 0; i < s->nregisters; i++) {
            const vdb_register *r = s->t->ops->register_info(s->t, i);
            if (!group || strcmp(group, r->group) != 0) {
                group = r->group;
                if (s->nregisters > 8)
                    vdb_say(s, "%s:\n", group);
            }
            vdb_format_register(s, i, line, sizeof line);
            vdb_say(s, "%s%s\n", line, vdb_register_changed(s, i) ? "  (changed)" : "");
        }
        return VDB_EXEC_OK;
    }
    char list[VDB_ARGS_MAX];
    snprintf(list, sizeof list, "%s", names);
    vdb_exec_result result = VDB_EXEC_OK;
    for (char *save = NULL, *word = strtok_r(list, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
        int r = vdb_find_register(s, word[0] == '$' ? word + 1 : word);
        if (r < 0) {
            result = vdb_fail(s, "info registers: no register '%s'", word);
            continue;
        }
        vdb_format_register(s, (size_t)r, line, sizeof line);
        vdb_say(s, "%s%s\n", line, vdb_register_changed(s, (size_t)r) ? "  (changed)" : "");
    }
    return result;
}


static vdb_exec_result info_frame(vdb_session *s, const char *rest)
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

static vdb_exec_result info_locals(vdb_session *s, const char *rest)
{
    return info_variables(s, VDB_VARS_LOCALS, "locals");
}

static vdb_exec_result info_args(vdb_session *s, const char *rest)
{
    return info_variables(s, VDB_VARS_ARGS, "arguments");
}

/* "fib.c:16" or "16": the line asked for (0: none). */
static uint32_t line_asked(const char *spec)
{
    const char *colon = strrchr(spec, ':');
    const char *digits = colon ? colon + 1 : spec;
    if (!*digits || strspn(digits, "0123456789") != strlen(digits))
        return 0;
    return (uint32_t)strtoul(digits, NULL, 10);
}

/* info line [LOCATION]: where a line's code is (default: the selected
 * frame's), the next line with code for a line that has none. */
static vdb_exec_result info_line(vdb_session *s, const char *rest)
{
    char err[VDB_ERR_SIZE], where[128], end_where[128];
    if (!vdb_has(s, VDB_CAP_SOURCE))
        return vdb_fail(s, "info line: the %s target has no source lines", s->t->ops->name);
    uint64_t address = vdb_selected_address(s);
    if (rest[0] && s->t->ops->resolve(s->t, rest, &address, err, sizeof err) != 0)
        return vdb_fail(s, "info line: %s", err);
    const char *file;
    uint32_t line;
    s->t->ops->format_address(s->t, address, where, sizeof where);
    if (!s->t->ops->source_line(s->t, address, &file, &line)) {
        vdb_say(s, "No line number information available for address %s\n", where);
        return VDB_EXEC_OK;
    }
    /* The line-table row that holds address, as gdb reports it; else
     * from address to the first instruction of another line. */
    uint64_t start = address, end = address, fstart, fend = 0;
    bool bounded = s->t->ops->function_bounds(s->t, address, &fstart, &fend);
    bool row = s->t->ops->line_range && s->t->ops->line_range(s->t, address, &start, &end);
    if (row)
        s->t->ops->format_address(s->t, start, where, sizeof where);
    for (int i = 0; i < 4096 && !row; i++) {
        char text[160];
        const char *f2;
        uint32_t l2;
        uint64_t next;
        if (s->t->ops->disassemble(s->t, end, text, sizeof text, &next, err, sizeof err) != 0 || next <= end)
            break;
        end = next;
        if ((bounded && end >= fend) || !s->t->ops->source_line(s->t, end, &f2, &l2) || l2 != line ||
            strcmp(f2, file) != 0)
            break;
    }
    s->t->ops->format_address(s->t, end, end_where, sizeof end_where);
    const char *slash = strrchr(file, '/');
    const char *name = slash ? slash + 1 : file;
    uint32_t asked = rest[0] ? line_asked(rest) : 0;
    if (asked && asked != line)
        vdb_say(s, "Line %u of \"%s\" has no code; the next line with code, %u, starts at 0x%" PRIx64
            " <%s> and ends at 0x%" PRIx64 " <%s>.\n", asked, name, line, start, where, end, end_where);
    else
        vdb_say(s, "Line %u of \"%s\" starts at address 0x%" PRIx64 " <%s> and ends at 0x%" PRIx64 " <%s>.\n",
            line, name, start, where, end, end_where);
    return VDB_EXEC_OK;
}

/* info symbol ADDRESS: the symbol an address is in, and its line. */
static vdb_exec_result info_symbol(vdb_session *s, const char *rest)
{
    char err[VDB_ERR_SIZE], where[192];
    uint64_t address;
    int space;
    if (!rest[0])
        return vdb_fail(s, "info symbol: which address? (info symbol ADDRESS)");
    if (vdb_parse_address(s, rest, &space, &address, err, sizeof err) != 0 &&
        vdb_resolve_address(s, rest, &address, err, sizeof err) != 0)
        return vdb_fail(s, "info symbol: %s", err);
    char name[128];
    s->t->ops->format_address(s->t, address, name, sizeof name);
    if (!s->t->ops->symbol || strncmp(name, "0x", 2) == 0) {
        vdb_say(s, "No symbol matches %s.\n", rest);
        return VDB_EXEC_OK;
    }
    vdb_describe_location(s, address, where, sizeof where);
    const char *at = strstr(where, " at ");
    char *plus = strchr(name, '+');
    if (plus)
        vdb_say(s, "%.*s + %s%s\n", (int)(plus - name), name, plus + 1, at ? at : "");
    else
        vdb_say(s, "%s%s\n", name, at ? at : "");
    return VDB_EXEC_OK;
}

static vdb_exec_result info_globals(vdb_session *s, const char *rest)
{
    return info_variables(s, VDB_VARS_GLOBALS, "globals");
}

static vdb_exec_result info_stack(vdb_session *s, const char *rest)
{
    return info_variables(s, VDB_VARS_STACK, "operands on the stack");
}

static vdb_exec_result info_display(vdb_session *s, const char *rest)
{
    if (s->ndisplays == 0)
        vdb_say(s, "No displays.\n");
    for (size_t i = 0; i < s->ndisplays; i++)
        vdb_say(s, "%d: %s%c%s%s\n", s->displays[i].number, s->displays[i].format ? "/" : "",
            s->displays[i].format ? s->displays[i].format : ' ', s->displays[i].format ? " " : "",
            s->displays[i].expression);
    return VDB_EXEC_OK;
}

/* ==== the topics, from commands.def =============================================== */

static const struct {
    const char *word;
    vdb_exec_result (*show)(vdb_session *s, const char *rest);  /* NULL: the target's */
    vdb_topic_kind kind;
} topics[] = {
#define TOPIC(word, handler, kind, cap) { word, handler, kind },
#include "commands.def"
};

#define TOPIC_COUNT (sizeof topics / sizeof topics[0])

/* "breakpoints, registers, ..., or the target's: exits, mode, jit, gc". */
static void list_topics(char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        vdb_topic_kind kind = pass == 0 ? VDB_TOPIC_OWN : VDB_TOPIC_TARGET;
        bool first = true;
        for (size_t i = 0; i < TOPIC_COUNT && used < size; i++) {
            if (topics[i].kind != kind)
                continue;
            const char *lead = first && pass == 1 ? ", or the target's: " : first ? "" : ", ";
            used += (size_t)snprintf(out + used, size - used, "%s%s", lead, topics[i].word);
            first = false;
        }
    }
}

/* The front end's topic that a word names: the one it spells out, else
 * the first it is a prefix of; -1 for none (a target's, or unknown). */
static int own_topic(const char *word)
{
    size_t len = strlen(word);
    int chosen = -1;
    for (size_t i = 0; i < TOPIC_COUNT; i++) {
        if (topics[i].kind == VDB_TOPIC_TARGET || strncmp(topics[i].word, word, len) != 0)
            continue;
        if (strcmp(topics[i].word, word) == 0)
            return (int)i;
        if (chosen < 0)
            chosen = (int)i;
    }
    return chosen;
}

vdb_exec_result vdb_cmd_info(vdb_session *s, const vdb_parsed *p)
{
    const char *args = p->args;
    char topic[32];
    size_t n = strcspn(args, " \t");
    if (n == 0) {
        char all[256];
        list_topics(all, sizeof all);
        return vdb_fail(s, "info: which? (%s)", all);
    }
    snprintf(topic, sizeof topic, "%.*s", (int)(n < sizeof topic ? n : sizeof topic - 1), args);
    const char *rest = args + n;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    int chosen = own_topic(topic);
    if (chosen >= 0)
        return topics[chosen].show(s, rest);
    char err[VDB_ERR_SIZE], *text = NULL;
    if (!s->t->ops->info || s->t->ops->info(s->t, topic, &text, err, sizeof err) != 0)
        return vdb_fail(s, "info: %s", s->t->ops->info ? err : "unknown topic");
    vdb_say(s, "%s", text);
    free(text);
    return VDB_EXEC_OK;
}
