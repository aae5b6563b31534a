/*
 * location.c -- the selected frame and places as text (location.h).
 */
#include "location.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "session_state.h"
#include "source.h"

/* The invariant of location.h: frame 0, or one of the target's. */
static bool frame_in_range(vdb_session *s)
{
    return s->frame == 0 || (vdb_has(s, VDB_CAP_FRAMES) && s->frame < s->t->ops->frame_count(s->t));
}

uint64_t vdb_selected_address(vdb_session *s)
{
    VDB_ASSERT(vdb_target_stopped(s));
    VDB_ASSERT(frame_in_range(s));
    if (s->frame > 0 && vdb_has(s, VDB_CAP_FRAMES)) {
        vdb_frame f;
        char err[VDB_ERR_SIZE];
        if (s->t->ops->frame(s->t, s->frame, &f, err, sizeof err) == 0)
            return f.address;
    }
    return s->t->ops->pc(s->t);
}

void vdb_describe_location(vdb_session *s, uint64_t address, char *out, size_t size)
{
    VDB_ASSERT(vdb_target_stopped(s));
    char where[128];
    s->t->ops->format_address(s->t, address, where, sizeof where);
    const char *file;
    uint32_t line;
    if (vdb_has(s, VDB_CAP_SOURCE) && s->t->ops->source_line(s->t, address, &file, &line)) {
        const char *slash = strrchr(file, '/');
        /* Functions are named without their offset: "fib+12" -> "fib". */
        char *plus = strchr(where, '+');
        if (plus)
            *plus = '\0';
        snprintf(out, size, "%s at %s:%u", where, slash ? slash + 1 : file, line);
    } else {
        snprintf(out, size, "%s", where);
    }
}

void vdb_show_code_line(vdb_session *s, uint64_t address)
{
    const char *file;
    uint32_t line;
    if (vdb_has(s, VDB_CAP_SOURCE) && s->t->ops->source_line(s->t, address, &file, &line)) {
        const char *text = vdb_source_line(s, file, line);
        vdb_say(s, "%u\t%s\n", line, text ? text : "(source not available)");
        s->list_next = line > 5 ? line - 5 : 1;
        return;
    }
    char text[160], where[64], err[VDB_ERR_SIZE];
    uint64_t next;
    s->t->ops->format_address(s->t, address, where, sizeof where);
    if (s->t->ops->disassemble(s->t, address, text, sizeof text, &next, err, sizeof err) == 0)
        vdb_say(s, "%s:\t%s\n", where, text);
    else
        vdb_say(s, "%s:\t(%s)\n", where, err);
}

int vdb_resolve_address(vdb_session *s, const char *spec, uint64_t *address, char *err, size_t err_size)
{
    const vdb_target_ops *ops = s->t->ops;
    if (isalpha((unsigned char)spec[0]) || spec[0] == '_') {
        char star[VDB_ERR_SIZE];
        if (snprintf(star, sizeof star, "*%s", spec) < (int)sizeof star &&
            ops->resolve(s->t, star, address, err, err_size) == 0)
            return 0;
    }
    return ops->resolve(s->t, spec, address, err, err_size);
}

vdb_exec_result vdb_select_frame(vdb_session *s, const char *command, int64_t depth)
{
    if (!vdb_has(s, VDB_CAP_FRAMES))
        return vdb_fail(s, "%s: the %s target has no call frames", command, s->t->ops->name);
    size_t n = s->t->ops->frame_count(s->t);
    if (n == 0)
        return vdb_fail(s, "%s: the program is not running", command);
    if (depth < 0 || (uint64_t)depth >= n)
        return vdb_fail(s, "%s: no frame #%" PRId64 " (frames 0 to %zu)", command, depth, n - 1);
    s->frame = (size_t)depth;
    VDB_ASSERT(frame_in_range(s));
    vdb_frame f;
    char err[VDB_ERR_SIZE], where[192];
    if (s->t->ops->frame(s->t, s->frame, &f, err, sizeof err) != 0)
        return vdb_fail(s, "%s: %s", command, err);
    vdb_describe_location(s, f.address, where, sizeof where);
    vdb_say(s, "#%zu  %s\n", s->frame, where);
    vdb_show_code_line(s, f.address);
    return VDB_EXEC_OK;
}
