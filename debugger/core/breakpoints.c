/*
 * breakpoints.c -- the breakpoint table and the target's insertions
 * (breakpoints.h).  Watchpoints are checked by running.c after each
 * instruction while any is enabled.
 */
#include "breakpoints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "location.h"
#include "values.h"

/* The table's invariants (breakpoints.h), all but the target's side,
 * which only the target knows. */
static bool table_consistent(const vdb_session *s)
{
    if (s->nbreakpoints > VDB_MAX_BREAKPOINTS)
        return false;
    int before = 0;
    for (size_t i = 0; i < s->nbreakpoints; i++) {
        const vdb_breakpoint *b = &s->breakpoints[i];
        if (b->number <= before || b->number >= s->next_breakpoint)
            return false;
        if (b->kind != VDB_BP_CODE && b->kind != VDB_BP_WATCH && b->kind != VDB_BP_CATCH)
            return false;
        before = b->number;
    }
    return true;
}

/* ==== the table ===================================================================== */

vdb_breakpoint *vdb_breakpoint_find(vdb_session *s, int number)
{
    for (size_t i = 0; i < s->nbreakpoints; i++)
        if (s->breakpoints[i].number == number)
            return &s->breakpoints[i];
    return NULL;
}

bool vdb_breakpoint_at(const vdb_session *s, uint64_t address)
{
    for (size_t i = 0; i < s->nbreakpoints; i++)
        if (s->breakpoints[i].kind == VDB_BP_CODE && s->breakpoints[i].address == address)
            return true;
    return false;
}

/* Whether some other enabled breakpoint than `except` sits at address. */
static bool address_still_used(const vdb_session *s, uint64_t address, const vdb_breakpoint *except)
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
    VDB_ASSERT(b >= s->breakpoints && b < s->breakpoints + s->nbreakpoints);
    if (b->kind == VDB_BP_CATCH) {
        bool was = b->enabled;
        b->enabled = enabled;
        if (vdb_sync_catchpoints(s, s->t, err, err_size) != 0) {
            b->enabled = was;
            return -1;
        }
        return 0;
    }
    if (b->kind == VDB_BP_CODE && enabled != b->enabled && !address_still_used(s, b->address, b)) {
        int rc = enabled ? s->t->ops->insert_breakpoint(s->t, b->address, err, err_size)
                         : s->t->ops->remove_breakpoint(s->t, b->address, err, err_size);
        if (rc != 0)
            return -1;
    }
    b->enabled = enabled;
    return 0;
}

vdb_breakpoint *vdb_breakpoint_new(vdb_session *s)
{
    if (s->nbreakpoints == VDB_MAX_BREAKPOINTS)
        return NULL;
    vdb_breakpoint *b = &s->breakpoints[s->nbreakpoints++];
    memset(b, 0, sizeof *b);
    b->number = s->next_breakpoint++;
    VDB_ASSERT(table_consistent(s));
    return b;
}

void vdb_breakpoint_drop_new(vdb_session *s)
{
    VDB_ASSERT(s->nbreakpoints > 0);
    const vdb_breakpoint *newest = &s->breakpoints[s->nbreakpoints - 1];
    /* the newest, its number the last given, not armed in the target */
    VDB_ASSERT(newest->number == s->next_breakpoint - 1 && (!newest->enabled || newest->kind != VDB_BP_CODE));
    s->nbreakpoints--;
    s->next_breakpoint--;
}

void vdb_remove_breakpoint_at(vdb_session *s, size_t i)
{
    VDB_ASSERT(i < s->nbreakpoints);
    char err[VDB_ERR_SIZE];
    vdb_arm(s, &s->breakpoints[i], false, err, sizeof err);
    memmove(&s->breakpoints[i], &s->breakpoints[i + 1], (s->nbreakpoints - i - 1) * sizeof s->breakpoints[0]);
    s->nbreakpoints--;
    VDB_ASSERT(table_consistent(s));
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

/* ==== setting one ================================================================== */

vdb_exec_result vdb_set_breakpoint(vdb_session *s, const char *spec, bool temporary)
{
    char err[VDB_ERR_SIZE];
    uint64_t address;
    if (!spec[0])
        address = vdb_selected_address(s);
    else if (s->t->ops->resolve(s->t, spec, &address, err, sizeof err) != 0)
        return vdb_fail(s, "break: %s", err);
    vdb_breakpoint *b = vdb_breakpoint_new(s);
    if (!b)
        return vdb_fail(s, "break: too many breakpoints (at most %d)", VDB_MAX_BREAKPOINTS);
    b->kind = VDB_BP_CODE;
    b->address = address;
    b->temporary = temporary;
    snprintf(b->spec, sizeof b->spec, "%.255s", spec);
    if (vdb_arm(s, b, true, err, sizeof err) != 0) {
        vdb_breakpoint_drop_new(s);
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

/* ==== a target made again ========================================================== */

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
    return vdb_sync_catchpoints(s, t, err, err_size);
}

/* ==== catchpoints ================================================================== */

#define EXCEPTION_VECTORS 32

int vdb_sync_catchpoints(vdb_session *s, vdb_target *t, char *err, size_t err_size)
{
    bool any = false, want[EXCEPTION_VECTORS] = { false };
    for (size_t i = 0; i < s->nbreakpoints; i++) {
        const vdb_breakpoint *b = &s->breakpoints[i];
        if (b->kind != VDB_BP_CATCH)
            continue;
        any = true;
        for (int v = 0; v < EXCEPTION_VECTORS; v++)
            want[v] |= b->enabled && (b->vector == -1 || b->vector == v);
    }
    if (!t->ops->catch_exception)
        return 0;  /* nothing to tell (the command refuses such a target) */
    for (int v = 0; any && v < EXCEPTION_VECTORS; v++)
        if (t->ops->catch_exception(t, v, want[v], err, err_size) != 0)
            return -1;
    if (!any)
        return t->ops->catch_exception(t, -1, false, err, err_size);
    return 0;
}

vdb_exec_result vdb_set_catchpoint(vdb_session *s, int vector, const char *spec)
{
    char err[VDB_ERR_SIZE];
    if (!s->t->ops->catch_exception)
        return vdb_fail(s, "catch exception: the %s target cannot catch exceptions", s->t->ops->name);
    vdb_breakpoint *b = vdb_breakpoint_new(s);
    if (!b)
        return vdb_fail(s, "catch: too many breakpoints (at most %d)", VDB_MAX_BREAKPOINTS);
    b->kind = VDB_BP_CATCH;
    b->vector = vector;
    snprintf(b->spec, sizeof b->spec, "%.255s", spec);
    if (vdb_arm(s, b, true, err, sizeof err) != 0) {
        b->enabled = false;
        vdb_breakpoint_drop_new(s);
        return vdb_fail(s, "catch: %s", err);
    }
    vdb_say(s, "Catchpoint %d (%s)\n", b->number, b->spec);
    return VDB_EXEC_OK;
}
