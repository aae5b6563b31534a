/*
 * session.c -- a debugging session's base (session.h, session_state.h):
 * its life cycle, its output to the sink, the program's output, the
 * registers at each stop, the names Tab completes, the status line.
 */
#include "session_state.h"

#include "source.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== output ===================================================================== */

void vdb_out(vdb_session *s, vdb_stream stream, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof text) {
        s->sink.write(s->sink.context, stream, text, (size_t)n);
        return;
    }
    /* Long text (a listing of native code): the whole of it, never cut. */
    char *big = malloc((size_t)n + 1);
    if (!big) {
        s->sink.write(s->sink.context, stream, text, sizeof text - 1);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->sink.write(s->sink.context, stream, big, (size_t)n);
    free(big);
}

vdb_exec_result vdb_fail(vdb_session *s, const char *fmt, ...)
{
    char text[VDB_ERR_SIZE + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    vdb_out(s, VDB_OUT_ERROR, "error: %s\n", text);
    return VDB_EXEC_ERROR;
}


void vdb_take_program_output(vdb_session *s)
{
    char *text = NULL;
    size_t len = s->t->ops->take_output(s->t, &text);
    if (len == 0) {
        free(text);
        return;
    }
    s->sink.write(s->sink.context, VDB_OUT_PROGRAM, text, len);
    if (len >= VDB_OUTPUT_KEPT) {
        memcpy(s->output, text + len - VDB_OUTPUT_KEPT, VDB_OUTPUT_KEPT);
        s->output_len = VDB_OUTPUT_KEPT;
    } else {
        if (s->output_len + len > VDB_OUTPUT_KEPT) {
            size_t drop = s->output_len + len - VDB_OUTPUT_KEPT;
            memmove(s->output, s->output + drop, s->output_len - drop);
            s->output_len -= drop;
        }
        memcpy(s->output + s->output_len, text, len);
        s->output_len += len;
    }
    VDB_ASSERT(s->output_len <= VDB_OUTPUT_KEPT);
    free(text);
}

/* ==== registers at each stop ====================================================== */

void vdb_read_registers(vdb_session *s)
{
    VDB_ASSERT(vdb_target_stopped(s));
    char err[VDB_ERR_SIZE];
    for (size_t i = 0; i < s->nregisters; i++) {
        s->register_before[i] = s->register_now[i];
        s->register_was_valid[i] = s->register_valid[i];
        s->register_valid[i] = s->t->ops->read_register(s->t, i, &s->register_now[i], err, sizeof err) == 0;
    }
}

bool vdb_register_changed(const vdb_session *s, size_t i)
{
    return s->register_valid[i] && s->register_was_valid[i] && s->register_now[i] != s->register_before[i];
}

int vdb_find_register(const vdb_session *s, const char *name)
{
    for (size_t i = 0; i < s->nregisters; i++)
        if (strcmp(s->t->ops->register_info(s->t, i)->name, name) == 0)
            return (int)i;
    return -1;
}

/* ==== life cycle and small queries ================================================= */

vdb_session *vdb_session_new(vdb_target *target, vdb_target_opener opener, void *opener_context,
                             const vdb_sink *sink)
{
    vdb_session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->t = target;
    s->opener = opener;
    s->opener_context = opener_context;
    s->sink = *sink;
    s->stop.kind = VDB_STOP_NOT_STARTED;
    s->next_breakpoint = 1;
    s->next_display = 1;
    s->examine = (vdb_examine_format){ .count = 1, .format = 'x', .size = 8 };
    s->layout = (target->ops->caps & VDB_CAP_SOURCE) ? VDB_LAYOUT_SRC : VDB_LAYOUT_ASM;
    s->nregisters = target->ops->register_count(target);
    if (s->nregisters > VDB_MAX_REGISTERS)
        s->nregisters = VDB_MAX_REGISTERS;
    vdb_read_registers(s);
    vdb_read_registers(s); /* twice: nothing counts as changed at the start */
    s->registers_read = true;
    return s;
}

void vdb_session_free(vdb_session *s)
{
    if (!s)
        return;
    s->t->ops->destroy(s->t);
    vdb_source_free(s);
    free(s);
}

void vdb_session_interrupt(vdb_session *s)
{
    /* Only a running target is stopped: a request made at the prompt would
     * stay pending in some targets (mhv) and stop the next continue. */
    if (!s->resuming)
        return;
    s->interrupted = 1;
    s->t->ops->interrupt(s->t);
    vdb_target *scout = s->scout;
    if (scout)
        scout->ops->interrupt(scout);
}

vdb_target *vdb_session_target(vdb_session *s) { return s->t; }

vdb_layout vdb_session_layout(const vdb_session *s) { return s->layout; }

const char *vdb_layout_name(vdb_layout layout)
{
    static const char *const names[] = { VDB_LAYOUT_NAMES };
    _Static_assert(sizeof names / sizeof names[0] == VDB_LAYOUT_COUNT, "a name for every layout");
    return layout < VDB_LAYOUT_COUNT ? names[layout] : "?";
}

void vdb_session_status(vdb_session *s, char *out, size_t size)
{
    /* Short: it shares the status row with the function keys. */
    static const char *const reasons[] = {
        [VDB_STOP_NOT_STARTED] = "not started", [VDB_STOP_STEP] = "step",
        [VDB_STOP_BREAKPOINT] = "breakpoint", [VDB_STOP_INTERRUPT] = "interrupted",
        [VDB_STOP_EXITED] = "exited", [VDB_STOP_ERROR] = "error", [VDB_STOP_EXCEPTION] = "exception",
    };
    char target[160];
    s->t->ops->status(s->t, target, sizeof target);
    if (vdb_program_ended(s))
        snprintf(out, size, "%s | %s %d | %s", s->t->ops->name, reasons[s->stop.kind], s->stop.exit_status, target);
    else
        snprintf(out, size, "%s | %s | %s", s->t->ops->name, reasons[s->stop.kind], target);
}

/* ==== names for Tab ================================================================ */

const char *vdb_complete_name(vdb_session *s, const char *prefix, size_t state)
{
    size_t len = strlen(prefix);
    size_t seen = 0;
    bool dollar = prefix[0] == '$';
    for (size_t i = 0; i < s->nregisters; i++) {
        const char *name = s->t->ops->register_info(s->t, i)->name;
        if (strncmp(name, prefix + dollar, len - dollar) == 0 && seen++ == state) {
            snprintf(s->completion, sizeof s->completion, "%s%s", dollar ? "$" : "", name);
            return s->completion;
        }
    }
    if (dollar || !s->t->ops->symbol)
        return NULL;
    const char *name;
    for (size_t i = 0; (name = s->t->ops->symbol(s->t, i)) != NULL; i++)
        if (strncmp(name, prefix, len) == 0 && seen++ == state)
            return name;
    return NULL;
}
