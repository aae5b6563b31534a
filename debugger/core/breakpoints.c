/*
 * breakpoints.c -- breakpoints and watchpoints: the table, keeping the
 * target's insertions in step with it, and the commands break, tbreak,
 * watch, delete, disable, enable and info breakpoints.
 *
 * Invariant (session.h): the target holds exactly the addresses of the
 * enabled code breakpoints, once each.  Watchpoints are checked by the
 * session after each instruction while any is enabled (session.c).
 */
#include "session_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== breakpoints ================================================================== */

static vdb_breakpoint *find_breakpoint(vdb_session *s, int number)
{
    for (size_t i = 0; i < s->nbreakpoints; i++)
        if (s->breakpoints[i].number == number)
            return &s->breakpoints[i];
    return NULL;
}

/* Whether some other enabled breakpoint than `except` sits at address. */
bool vdb_address_still_used(const vdb_session *s, uint64_t address, const vdb_breakpoint *except)
{
    for (size_t i = 0; i < s->nbreakpoints; i++) {
        const vdb_breakpoint *b = &s->breakpoints[i];
        if (b != except && b->kind == VDB_BP_CODE && b->enabled && b->address == address)
            return true;
    }
    return false;
}

/* Makes the target hold b's address iff some enabled breakpoint has it. */
int vdb_arm(vdb_session *s, vdb_breakpoint *b, bool enabled, char *err, size_t err_size)
{
    if (b->kind == VDB_BP_CODE && enabled != b->enabled && !vdb_address_still_used(s, b->address, b)) {
        int rc = enabled ? s->t->ops->insert_breakpoint(s->t, b->address, err, err_size)
                         : s->t->ops->remove_breakpoint(s->t, b->address, err, err_size);
        if (rc != 0)
            return -1;
    }
    b->enabled = enabled;
    return 0;
}

static vdb_breakpoint *new_breakpoint(vdb_session *s)
{
    if (s->nbreakpoints == VDB_MAX_BREAKPOINTS)
        return NULL;
    vdb_breakpoint *b = &s->breakpoints[s->nbreakpoints++];
    memset(b, 0, sizeof *b);
    b->number = s->next_breakpoint++;
    return b;
}

void vdb_remove_breakpoint_at(vdb_session *s, size_t i)
{
    char err[VDB_ERR_SIZE];
    vdb_arm(s, &s->breakpoints[i], false, err, sizeof err);
    memmove(&s->breakpoints[i], &s->breakpoints[i + 1], (s->nbreakpoints - i - 1) * sizeof s->breakpoints[0]);
    s->nbreakpoints--;
}

/* Re-evaluates the enabled watchpoints; the first whose value changed is
 * reported and returned. */
vdb_breakpoint *vdb_changed_watchpoint(vdb_session *s)
{
    for (size_t i = 0; i < s->nbreakpoints; i++) {
        vdb_breakpoint *b = &s->breakpoints[i];
        if (b->kind != VDB_BP_WATCH || !b->enabled)
            continue;
        char value[VDB_LINE_MAX], err[VDB_ERR_SIZE];
        if (vdb_evaluate(s, b->spec, 0, value, sizeof value, err, sizeof err) != 0)
            snprintf(value, sizeof value, "<%.200s>", err);
        if (strcmp(value, b->value) != 0) {
            char old[VDB_LINE_MAX];
            memcpy(old, b->value, sizeof old);
            memcpy(b->value, value, sizeof b->value);
            b->hits++;
            vdb_say(s, "\nWatchpoint %d: %s\n\nOld value = %s\nNew value = %s\n", b->number, b->spec, old, value);
            return b;
        }
    }
    return NULL;
}

bool vdb_any_watchpoint(const vdb_session *s)
{
    for (size_t i = 0; i < s->nbreakpoints; i++)
        if (s->breakpoints[i].kind == VDB_BP_WATCH && s->breakpoints[i].enabled)
            return true;
    return false;
}

/* ==== breakpoint commands ========================================================== */

vdb_exec_result vdb_cmd_break(vdb_session *s, const char *spec, bool temporary)
{
    char err[VDB_ERR_SIZE];
    uint64_t address;
    if (!spec[0])
        address = vdb_selected_address(s);
    else if (s->t->ops->resolve(s->t, spec, &address, err, sizeof err) != 0)
        return vdb_fail(s, "break: %s", err);
    vdb_breakpoint *b = new_breakpoint(s);
    if (!b)
        return vdb_fail(s, "break: too many breakpoints (at most %d)", VDB_MAX_BREAKPOINTS);
    b->kind = VDB_BP_CODE;
    b->address = address;
    b->temporary = temporary;
    snprintf(b->spec, sizeof b->spec, "%.255s", spec);
    if (vdb_arm(s, b, true, err, sizeof err) != 0) {
        s->nbreakpoints--;
        s->next_breakpoint--;
        return vdb_fail(s, "break: %s", err);
    }
    char where[64];
    s->t->ops->format_address(s->t, address, where, sizeof where);
    const char *file;
    uint32_t line;
    const char *kind = temporary ? "Temporary breakpoint" : "Breakpoint";
    if (vdb_has(s, VDB_CAP_SOURCE) && s->t->ops->source_line(s->t, address, &file, &line)) {
        const char *slash = strrchr(file, '/');
        vdb_say(s, "%s %d at %s: file %s, line %u.\n", kind, b->number, where, slash ? slash + 1 : file, line);
    } else {
        vdb_say(s, "%s %d at %s\n", kind, b->number, where);
    }
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_watch(vdb_session *s, const char *expression)
{
    char err[VDB_ERR_SIZE];
    if (!expression[0])
        return vdb_fail(s, "watch: which expression? (watch EXPRESSION)");
    vdb_breakpoint *b = new_breakpoint(s);
    if (!b)
        return vdb_fail(s, "watch: too many breakpoints (at most %d)", VDB_MAX_BREAKPOINTS);
    b->kind = VDB_BP_WATCH;
    b->enabled = true;
    if (strlen(expression) >= sizeof b->spec) {
        s->nbreakpoints--;
        s->next_breakpoint--;
        return vdb_fail(s, "watch: the expression is too long (at most %zu characters)", sizeof b->spec - 1);
    }
    snprintf(b->spec, sizeof b->spec, "%.255s", expression);
    if (vdb_evaluate(s, expression, 0, b->value, sizeof b->value, err, sizeof err) != 0) {
        s->nbreakpoints--;
        s->next_breakpoint--;
        return vdb_fail(s, "watch: %s", err);
    }
    vdb_say(s, "Watchpoint %d: %s (now %s)\n", b->number, expression, b->value);
    return VDB_EXEC_OK;
}

/* delete, disable, enable: on the numbers listed, or on all. */
vdb_exec_result vdb_cmd_each_breakpoint(vdb_session *s, const vdb_parsed *p)
{
    char err[VDB_ERR_SIZE];
    vdb_command_id id = p->command->id;
    if (!p->args[0]) {
        if (id == VDB_CMD_DELETE) {
            while (s->nbreakpoints)
                vdb_remove_breakpoint_at(s, s->nbreakpoints - 1);
            return VDB_EXEC_OK;
        }
        for (size_t i = 0; i < s->nbreakpoints; i++)
            if (vdb_arm(s, &s->breakpoints[i], id == VDB_CMD_ENABLE, err, sizeof err) != 0)
                return vdb_fail(s, "%s: %s", p->command->name, err);
        return VDB_EXEC_OK;
    }
    char list[VDB_ARGS_MAX];
    snprintf(list, sizeof list, "%s", p->args);
    vdb_exec_result result = VDB_EXEC_OK;
    for (char *save = NULL, *word = strtok_r(list, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
        uint64_t n;
        vdb_breakpoint *b = vdb_parse_number(word, &n) && n <= 1000000 ? find_breakpoint(s, (int)n) : NULL;
        if (!b) {
            result = vdb_fail(s, "%s: no breakpoint number '%s'", p->command->name, word);
            continue;
        }
        if (id == VDB_CMD_DELETE)
            vdb_remove_breakpoint_at(s, (size_t)(b - s->breakpoints));
        else if (vdb_arm(s, b, id == VDB_CMD_ENABLE, err, sizeof err) != 0)
            result = vdb_fail(s, "%s: %s", p->command->name, err);
    }
    return result;
}


void vdb_info_breakpoints(vdb_session *s)
{
    if (s->nbreakpoints == 0) {
        vdb_say(s, "No breakpoints or watchpoints.\n");
        return;
    }
    vdb_say(s, "Num  Type        Disp  Enb  Where\n");
    for (size_t i = 0; i < s->nbreakpoints; i++) {
        const vdb_breakpoint *b = &s->breakpoints[i];
        char where[192];
        if (b->kind == VDB_BP_WATCH)
            snprintf(where, sizeof where, "%s", b->spec);
        else
            vdb_describe_location(s, b->address, where, sizeof where);
        vdb_say(s, "%-4d %-11s %-5s %-4s %s\n", b->number, b->kind == VDB_BP_WATCH ? "watchpoint" : "breakpoint",
            b->temporary ? "del" : "keep", b->enabled ? "y" : "n", where);
        if (b->hits)
            vdb_say(s, "     %s %u time%s\n", b->kind == VDB_BP_WATCH ? "value changed" : "breakpoint already hit", b->hits,
                b->hits == 1 ? "" : "s");
    }
}

int vdb_insert_breakpoints(vdb_session *s, vdb_target *t, char *err, size_t err_size)
{
    for (size_t i = 0; i < s->nbreakpoints; i++) {
        const vdb_breakpoint *b = &s->breakpoints[i];
        if (b->kind != VDB_BP_CODE || !b->enabled)
            continue;
        bool inserted_before = false;
        for (size_t j = 0; j < i; j++)
            if (s->breakpoints[j].kind == VDB_BP_CODE && s->breakpoints[j].enabled &&
                s->breakpoints[j].address == b->address)
                inserted_before = true;
        if (!inserted_before && t->ops->insert_breakpoint(t, b->address, err, err_size) != 0)
            return -1;
    }
    return 0;
}
