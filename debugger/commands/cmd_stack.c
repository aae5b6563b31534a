/*
 * cmd_stack.c -- the call frames: backtrace, frame, up, down
 * (handlers.h).  Selecting a frame is the service layer's
 * (core/location.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "handlers.h"
#include "location.h"
#include "session_state.h"

vdb_exec_result vdb_cmd_backtrace(vdb_session *s, const vdb_parsed *p)
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

vdb_exec_result vdb_cmd_frame(vdb_session *s, const vdb_parsed *p)
{
    uint64_t n = s->frame;
    if (p->args[0] && !vdb_parse_number(p->args, &n))
        return vdb_fail(s, "frame: '%s' is not a frame number", p->args);
    return vdb_select_frame(s, "frame", (int64_t)n);
}

/* up N, down N: N frames outwards (up) or inwards from the selected one. */
static vdb_exec_result move_frame(vdb_session *s, const vdb_parsed *p, int direction)
{
    unsigned count;
    if (!vdb_parse_count(p->args, &count))
        return vdb_fail(s, "%s: '%s' is not a count", p->command->name, p->args);
    return vdb_select_frame(s, p->command->name, (int64_t)s->frame + direction * (int64_t)count);
}

vdb_exec_result vdb_cmd_up(vdb_session *s, const vdb_parsed *p) { return move_frame(s, p, +1); }
vdb_exec_result vdb_cmd_down(vdb_session *s, const vdb_parsed *p) { return move_frame(s, p, -1); }
