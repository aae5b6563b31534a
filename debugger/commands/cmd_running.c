/*
 * cmd_running.c -- the commands that run the program: run, start,
 * continue, step, next, stepi, finish (handlers.h).  The running itself
 * is the service layer's (core/running.h).
 */
#include <stdio.h>

#include "breakpoints.h"
#include "handlers.h"
#include "location.h"
#include "running.h"
#include "session_state.h"

/* continue, step, next, stepi and finish: a count, what the target can
 * do, then the resume. */
static vdb_exec_result resume_command(vdb_session *s, const vdb_parsed *p, vdb_resume_kind kind)
{
    unsigned count;
    if (!vdb_parse_count(p->args, &count))
        return vdb_fail(s, "%s: '%s' is not a count (1 or more)", p->command->name, p->args);
    if (kind == VDB_RESUME_UNTIL && !s->t->ops->resume_to)
        return vdb_fail(s, "until: the %s target has no until (next steps over calls)", s->t->ops->name);
    if ((kind == VDB_RESUME_STEP || kind == VDB_RESUME_NEXT || kind == VDB_RESUME_UNTIL) && !vdb_has(s, VDB_CAP_SOURCE))
        return vdb_fail(s, "%s: the %s target has no source lines; use stepi", p->command->name, s->t->ops->name);
    if (kind == VDB_RESUME_FINISH && !vdb_has(s, VDB_CAP_FRAMES))
        return vdb_fail(s, "finish: the %s target has no call frames", s->t->ops->name);
    /* (step, next and stepi begin the program, one step in; finish has no
     * function to return from before it runs: gdb's "not being run") */
    if (kind == VDB_RESUME_FINISH && !s->started)
        return vdb_fail(s, "finish: the program is not running");
    if (vdb_program_ended(s))
        return vdb_fail_ended(s);
    if (kind == VDB_RESUME_FINISH) {
        vdb_frame f;
        char err[VDB_ERR_SIZE], where[192];
        size_t frames = vdb_has(s, VDB_CAP_FRAMES) ? s->t->ops->frame_count(s->t) : 0;
        if (frames == 0)
            return vdb_fail(s, "finish: the program is not running");
        if (frames < 2)
            return vdb_fail(s, "finish: the outermost frame has no caller to return to");
        if (s->t->ops->frame(s->t, 0, &f, err, sizeof err) == 0) {
            vdb_describe_location(s, f.address, where, sizeof where);
            vdb_say(s, "Run till exit from #0  %s\n", where);
        }
    }
    return vdb_resume(s, kind, count);
}

vdb_exec_result vdb_cmd_continue(vdb_session *s, const vdb_parsed *p)
{
    return resume_command(s, p, VDB_RESUME_CONTINUE);
}

vdb_exec_result vdb_cmd_step(vdb_session *s, const vdb_parsed *p) { return resume_command(s, p, VDB_RESUME_STEP); }
vdb_exec_result vdb_cmd_next(vdb_session *s, const vdb_parsed *p) { return resume_command(s, p, VDB_RESUME_NEXT); }
vdb_exec_result vdb_cmd_stepi(vdb_session *s, const vdb_parsed *p) { return resume_command(s, p, VDB_RESUME_STEPI); }

/* until: next that does not go back (a loop's jump back runs on);
 * until LOCATION: to it in this frame, or until this frame returns. */
vdb_exec_result vdb_cmd_until(vdb_session *s, const vdb_parsed *p)
{
    if (!p->args[0])
        return resume_command(s, p, VDB_RESUME_UNTIL);  /* until takes a place, never a count (gdb's) */
    if (!s->t->ops->resume_to)
        return vdb_fail(s, "until: the %s target has no until", s->t->ops->name);
    if (!s->started)  /* no frame yet to run in: gdb's "not being run" */
        return vdb_fail(s, "until: the program is not running (run or start begins it)");
    uint64_t address;
    char err[VDB_ERR_SIZE];
    if (s->t->ops->resolve(s->t, p->args, &address, err, sizeof err) != 0)
        return vdb_fail(s, "until: %s", err);
    return vdb_resume_to(s, address);
}

vdb_exec_result vdb_cmd_finish(vdb_session *s, const vdb_parsed *p)
{
    return resume_command(s, p, VDB_RESUME_FINISH);
}

/* run (start, after its breakpoint): from the start, again if it ran. */
static vdb_exec_result run_from_start(vdb_session *s)
{
    char err[VDB_ERR_SIZE];
    if (s->started) {
        if (vdb_restart(s, err, sizeof err) != 0)
            return vdb_fail(s, "run: %s", err);
        vdb_say(s, "Starting the program again.\n");
    }
    return vdb_resume(s, VDB_RESUME_CONTINUE, 1);
}

vdb_exec_result vdb_cmd_run(vdb_session *s, const vdb_parsed *p) { return run_from_start(s); }

/* start: tbreak main, then run. */
vdb_exec_result vdb_cmd_start(vdb_session *s, const vdb_parsed *p)
{
    if (!vdb_has(s, VDB_CAP_SOURCE))
        return vdb_fail(s, "start: the %s target has no main function; it is at its entry point (stepi, continue)",
                        s->t->ops->name);
    if (vdb_set_breakpoint(s, "main", true) != VDB_EXEC_OK)
        return VDB_EXEC_ERROR;
    return run_from_start(s);
}
