/*
 * reverse.c -- going back in time (reverse.h): what reverse-stepi,
 * reverse-step and reverse-continue do, on targets that can
 * (VDB_CAP_REVERSE: the bytecode VM).
 *
 * No history is recorded.  The program is deterministic and the target
 * counts its instructions exactly, so "back to instruction n" is: make the
 * target again, run it from its start until exactly n instructions have
 * run (run_to), and put it in place of the old one.  Finding n is a replay
 * too, on a scout target:
 *
 *   reverse-stepi N      n = now - N
 *   reverse-step N       the scout steps by source line from the start,
 *                        noting where each line begins; n = the N-th
 *                        latest of those before now
 *   reverse-continue     the scout runs from breakpoint to breakpoint;
 *                        n = the latest hit before now, or the start
 *
 * So a reverse command costs one or two runs of the program up to now.
 * Output the program printed again during a replay is dropped: it was
 * shown when it first happened, and the output pane keeps it.
 * Watchpoints play no part going back.
 */
#include "reverse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "breakpoints.h"
#include "running.h"
#include "session_state.h"

/* The program's output during a replay: already shown once. */
static void drop_output(vdb_target *t)
{
    char *text = NULL;
    t->ops->take_output(t, &text);
    free(text);
}

/* Puts a fresh target at instruction `count` in place of the session's,
 * with the breakpoints inserted; reports where it is as the forward
 * command `kind` would (a breakpoint's stop for reverse-continue). */
static vdb_exec_result go_to(vdb_session *s, const char *command, uint64_t count, vdb_resume_kind kind)
{
    char err[VDB_ERR_SIZE];
    vdb_target *fresh = s->opener(s->opener_context, err, sizeof err);
    if (!fresh)
        return vdb_fail(s, "%s: %s", command, err);
    vdb_stop stop = { .kind = VDB_STOP_NOT_STARTED };
    if (count > 0 && fresh->ops->run_to(fresh, count, &stop, err, sizeof err) != 0) {
        fresh->ops->destroy(fresh);
        return vdb_fail(s, "%s: %s", command, err);
    }
    drop_output(fresh);
    if (count > 0 && (stop.kind != VDB_STOP_STEP || fresh->ops->instructions(fresh) != count)) {
        fresh->ops->destroy(fresh);
        return vdb_fail(s, "%s: the program ran differently the second time (it did not reach instruction "
                           "%" PRIu64 ")", command, count);
    }
    if (vdb_insert_breakpoints(s, fresh, err, sizeof err) != 0) {
        fresh->ops->destroy(fresh);
        return vdb_fail(s, "%s: %s", command, err);
    }
    s->t->ops->destroy(s->t);
    s->t = fresh;
    s->stop = stop;
    s->started = count > 0;
    if (count == 0) {
        vdb_say(s, "Back at the start of the program.\n");
        vdb_read_registers(s);
        s->frame = 0;
        return VDB_EXEC_OK;
    }
    if (kind == VDB_RESUME_CONTINUE && vdb_breakpoint_at(s, s->t->ops->pc(s->t))) {
        s->stop.kind = VDB_STOP_BREAKPOINT;
        s->stop.address = s->t->ops->pc(s->t);
    }
    vdb_after_stop(s, kind, false);
    return VDB_EXEC_OK;
}

/* The counts at which a scout (a fresh target, run from the start) stops
 * while running `kind` again and again, before `now`: the `back`-th latest
 * of them, or 0 (the start) when there are fewer. */
static int scout(vdb_session *s, vdb_resume_kind kind, bool with_breakpoints, uint64_t now, unsigned back,
                 uint64_t *found, char *err, size_t err_size)
{
    vdb_target *t = s->opener(s->opener_context, err, err_size);
    if (!t)
        return -1;
    if (with_breakpoints && vdb_insert_breakpoints(s, t, err, err_size) != 0) {
        t->ops->destroy(t);
        return -1;
    }
    /* A ring of the last `back` stops. */
    uint64_t *latest = calloc(back, sizeof *latest);
    if (!latest) {
        t->ops->destroy(t);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    size_t seen = 0;
    int rc = 0;
    s->scout = t; /* Ctrl-C reaches it */
    for (;;) {
        vdb_stop stop;
        /* A continue goes no further than now: past it nothing counts. */
        int step = kind == VDB_RESUME_CONTINUE ? t->ops->run_to(t, now, &stop, err, err_size)
                                               : t->ops->resume(t, kind, &stop, err, err_size);
        if (step != 0) {
            rc = -1;
            break;
        }
        drop_output(t);
        uint64_t at = t->ops->instructions(t);
        if ((stop.kind != VDB_STOP_STEP && stop.kind != VDB_STOP_BREAKPOINT) || at >= now || s->interrupted)
            break;
        latest[seen++ % back] = at;
    }
    if (s->interrupted) {
        snprintf(err, err_size, "interrupted");
        rc = -1;
    }
    *found = seen >= back ? latest[(seen - back) % back] : 0;
    free(latest);
    s->scout = NULL;
    t->ops->destroy(t);
    return rc;
}

vdb_exec_result vdb_go_back(vdb_session *s, const char *name, vdb_resume_kind kind, unsigned count)
{
    VDB_ASSERT(vdb_has(s, VDB_CAP_REVERSE) && s->opener && s->started);
    char err[VDB_ERR_SIZE];
    uint64_t now = s->t->ops->instructions(s->t);
    uint64_t target = 0;
    s->resuming = 1;
    switch (kind) {
    case VDB_RESUME_STEPI:
        target = now > count ? now - count : 0;
        break;
    case VDB_RESUME_STEP:
        if (scout(s, VDB_RESUME_STEP, false, now, count, &target, err, sizeof err) != 0) {
            s->resuming = 0;
            s->interrupted = 0;
            return vdb_fail(s, "%s: %s", name, err);
        }
        break;
    default:
        if (scout(s, VDB_RESUME_CONTINUE, true, now, 1, &target, err, sizeof err) != 0) {
            s->resuming = 0;
            s->interrupted = 0;
            return vdb_fail(s, "%s: %s", name, err);
        }
        break;
    }
    s->resuming = 0;
    s->interrupted = 0;
    return go_to(s, name, target, kind);
}
