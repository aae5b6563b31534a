/*
 * cmd_breakpoints.c -- the breakpoint commands: break, tbreak, delete,
 * disable, enable and watch (handlers.h).  The table and the target's
 * insertions are the service layer's (core/breakpoints.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "breakpoints.h"
#include "handlers.h"
#include "session_state.h"
#include "values.h"

vdb_exec_result vdb_cmd_break(vdb_session *s, const vdb_parsed *p) { return vdb_set_breakpoint(s, p->args, false); }

vdb_exec_result vdb_cmd_tbreak(vdb_session *s, const vdb_parsed *p)
{
    if (!p->args[0])
        return vdb_fail(s, "tbreak: where? (tbreak LOCATION)");
    return vdb_set_breakpoint(s, p->args, true);
}

vdb_exec_result vdb_cmd_watch(vdb_session *s, const vdb_parsed *p)
{
    const char *expression = p->args;
    char err[VDB_ERR_SIZE];
    if (!expression[0])
        return vdb_fail(s, "watch: which expression? (watch EXPRESSION)");
    vdb_breakpoint *b = vdb_breakpoint_new(s);
    if (!b)
        return vdb_fail(s, "watch: too many breakpoints (at most %d)", VDB_MAX_BREAKPOINTS);
    b->kind = VDB_BP_WATCH;
    b->enabled = true;
    if (strlen(expression) >= sizeof b->spec) {
        vdb_breakpoint_drop_new(s);
        return vdb_fail(s, "watch: the expression is too long (at most %zu characters)", sizeof b->spec - 1);
    }
    snprintf(b->spec, sizeof b->spec, "%.255s", expression);
    if (vdb_evaluate(s, expression, 0, b->value, sizeof b->value, err, sizeof err) != 0) {
        vdb_breakpoint_drop_new(s);
        return vdb_fail(s, "watch: %s", err);
    }
    vdb_say(s, "Watchpoint %d: %s (now %s)\n", b->number, expression, b->value);
    return VDB_EXEC_OK;
}

/* catch exception [VECTOR]: x86's exceptions, by number or mnemonic. */
vdb_exec_result vdb_cmd_catch(vdb_session *s, const vdb_parsed *p)
{
    static const char *const names[32] = {
        "de", "db", "nmi", "bp", "of", "br", "ud", "nm", "df", "cso", "ts", "np", "ss", "gp", "pf", NULL,
        "mf", "ac", "mc", "xm", "ve", "cp", NULL, NULL, NULL, NULL, NULL, NULL, "hv", "vc", "sx", NULL,
    };
    char word[32] = "", what[32] = "";
    int n = sscanf(p->args, "%31s %31s", word, what);
    if (n < 1 || strcmp(word, "exception") != 0)
        return vdb_fail(s, "catch: catch exception [VECTOR] (0 to 31, or a name: pf, gp, ud ...)");
    if (n < 2)
        return vdb_set_catchpoint(s, -1, "exceptions 0-31");
    const char *name = what[0] == '#' ? what + 1 : what;
    int vector = -1;
    uint64_t number;
    if (vdb_parse_number(name, &number) && number < 32)
        vector = (int)number;
    for (int v = 0; v < 32 && vector < 0; v++)
        if (names[v] && strcasecmp(names[v], name) == 0)
            vector = v;
    if (vector < 0)
        return vdb_fail(s, "catch exception: '%s' is not an exception (0 to 31, or a name: pf, gp, ud ...)", what);
    char spec[64], upper[8] = "";
    for (int i = 0; names[vector] && names[vector][i] && i < 7; i++)
        upper[i] = (char)toupper((unsigned char)names[vector][i]);
    if (upper[0])
        snprintf(spec, sizeof spec, "exception #%s (vector %d)", upper, vector);
    else
        snprintf(spec, sizeof spec, "exception vector %d", vector);
    return vdb_set_catchpoint(s, vector, spec);
}

typedef enum { DELETE, DISABLE, ENABLE } each_action;

/* delete, disable, enable: on the numbers listed, or on all. */
static vdb_exec_result each_breakpoint(vdb_session *s, const vdb_parsed *p, each_action action)
{
    char err[VDB_ERR_SIZE];
    if (!p->args[0]) {
        if (action == DELETE) {
            while (s->nbreakpoints)
                vdb_remove_breakpoint_at(s, s->nbreakpoints - 1);
            return VDB_EXEC_OK;
        }
        for (size_t i = 0; i < s->nbreakpoints; i++)
            if (vdb_arm(s, &s->breakpoints[i], action == ENABLE, err, sizeof err) != 0)
                return vdb_fail(s, "%s: %s", p->command->name, err);
        return VDB_EXEC_OK;
    }
    char list[VDB_ARGS_MAX];
    snprintf(list, sizeof list, "%s", p->args);
    vdb_exec_result result = VDB_EXEC_OK;
    for (char *save = NULL, *word = strtok_r(list, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
        uint64_t n;
        vdb_breakpoint *b = vdb_parse_number(word, &n) && n <= 1000000 ? vdb_breakpoint_find(s, (int)n) : NULL;
        if (!b) {
            result = vdb_fail(s, "%s: no breakpoint number '%s'", p->command->name, word);
            continue;
        }
        if (action == DELETE)
            vdb_remove_breakpoint_at(s, (size_t)(b - s->breakpoints));
        else if (vdb_arm(s, b, action == ENABLE, err, sizeof err) != 0)
            result = vdb_fail(s, "%s: %s", p->command->name, err);
    }
    return result;
}

vdb_exec_result vdb_cmd_delete(vdb_session *s, const vdb_parsed *p) { return each_breakpoint(s, p, DELETE); }
vdb_exec_result vdb_cmd_disable(vdb_session *s, const vdb_parsed *p) { return each_breakpoint(s, p, DISABLE); }
vdb_exec_result vdb_cmd_enable(vdb_session *s, const vdb_parsed *p) { return each_breakpoint(s, p, ENABLE); }
