/*
 * cmd_reverse.c -- reverse-stepi, reverse-step and reverse-continue
 * (handlers.h).  Going back is the service layer's (core/reverse.h).
 */
#include "handlers.h"
#include "reverse.h"
#include "session_state.h"

static vdb_exec_result go_back_command(vdb_session *s, const vdb_parsed *p, vdb_resume_kind kind)
{
    const char *name = p->command->name;
    if (!vdb_has(s, VDB_CAP_REVERSE))
        return vdb_fail(s, "%s: the %s target cannot go back (it is not deterministic)", name, s->t->ops->name);
    if (!s->opener)
        return vdb_fail(s, "%s: this session cannot run the program again", name);
    if (!s->started)
        return vdb_fail(s, "%s: the program has not started", name);
    unsigned count = 1;
    if (kind != VDB_RESUME_CONTINUE && !vdb_parse_count(p->args, &count))
        return vdb_fail(s, "%s: '%s' is not a count (1 or more)", name, p->args);
    if (kind == VDB_RESUME_CONTINUE && p->args[0])
        return vdb_fail(s, "%s takes no argument", name);
    return vdb_go_back(s, name, kind, count);
}

vdb_exec_result vdb_cmd_reverse_stepi(vdb_session *s, const vdb_parsed *p)
{
    return go_back_command(s, p, VDB_RESUME_STEPI);
}

vdb_exec_result vdb_cmd_reverse_step(vdb_session *s, const vdb_parsed *p)
{
    return go_back_command(s, p, VDB_RESUME_STEP);
}

vdb_exec_result vdb_cmd_reverse_continue(vdb_session *s, const vdb_parsed *p)
{
    return go_back_command(s, p, VDB_RESUME_CONTINUE);
}
