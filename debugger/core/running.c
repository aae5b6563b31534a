/*
 * running.c -- resuming, restarting and reporting stops (running.h).
 */
#include "running.h"

#include <stdio.h>
#include <string.h>

#include "breakpoints.h"
#include "location.h"
#include "session_state.h"
#include "source.h"
#include "values.h"

/* The innermost frame's function at a stop ("" without frames). */
static void current_function(vdb_session *s, char *out, size_t size)
{
    vdb_frame f;
    char err[VDB_ERR_SIZE];
    if (vdb_has(s, VDB_CAP_FRAMES) && s->t->ops->frame_count(s->t) > 0 && s->t->ops->frame(s->t, 0, &f, err, sizeof err) == 0)
        snprintf(out, size, "%s", f.function);
    else
        out[0] = '\0';
}

/* At a caught exception: the frame of the faulting instruction (the
 * first whose pc is the stop's address), below the handler's; 0 when the
 * target shows no such frame. */
static size_t faulting_frame(vdb_session *s, uint64_t address)
{
    if (!vdb_has(s, VDB_CAP_FRAMES))
        return 0;
    size_t n = s->t->ops->frame_count(s->t);
    for (size_t i = 0; i < n; i++) {
        vdb_frame f;
        char err[VDB_ERR_SIZE];
        if (s->t->ops->frame(s->t, i, &f, err, sizeof err) == 0 && f.address == address)
            return i;
    }
    return 0;
}

/* What a stop has a reason for (target.h): anything but "not started";
 * an error says what it was. */
static bool stop_has_reason(const vdb_stop *stop)
{
    return stop->kind != VDB_STOP_NOT_STARTED && (stop->kind != VDB_STOP_ERROR || stop->detail[0]);
}

/* Reports a stop: which breakpoint, or how the program ended, then the
 * code line and the displays. */
static void report_stop(vdb_session *s, vdb_resume_kind kind, bool watch_hit)
{
    vdb_stop *st = &s->stop;
    char where[192];
    uint64_t pc = 0;
    char function[sizeof s->last_function] = "";
    if (!vdb_program_ended(s) && st->kind != VDB_STOP_NOT_STARTED) {
        /* Where it stopped, read once for all of the report. */
        pc = s->t->ops->pc(s->t);
        current_function(s, function, sizeof function);
    }
    switch (st->kind) {
    case VDB_STOP_EXITED:
        vdb_say(s, "[program exited with status %d]\n", st->exit_status);
        return;
    case VDB_STOP_ERROR:
        vdb_say(s, "[program stopped: %s; exit status %d]\n", st->detail, st->exit_status);
        return;
    case VDB_STOP_NOT_STARTED:
        return;
    case VDB_STOP_BREAKPOINT: {
        vdb_describe_location(s, st->address, where, sizeof where);
        /* Every enabled breakpoint at the address counts a hit; the
         * temporary ones go. */
        int reported = 0;
        for (size_t i = 0; i < s->nbreakpoints;) {
            vdb_breakpoint *b = &s->breakpoints[i];
            if (b->kind == VDB_BP_CODE && b->enabled && b->address == st->address) {
                b->hits++;
                if (!reported)
                    vdb_say(s, "\n%s %d, %s\n", b->temporary ? "Temporary breakpoint" : "Breakpoint", b->number, where);
                reported = b->number;
                if (b->temporary) {
                    vdb_remove_breakpoint_at(s, i);
                    continue;
                }
            }
            i++;
        }
        if (!reported)
            vdb_say(s, "\nStopped at %s\n", where);
        break;
    }
    case VDB_STOP_EXCEPTION: {
        /* At the handler: where the guest was is the faulting instruction. */
        int reported = 0;
        for (size_t i = 0; i < s->nbreakpoints; i++) {
            vdb_breakpoint *b = &s->breakpoints[i];
            if (b->kind == VDB_BP_CATCH && b->enabled && (b->vector == -1 || b->vector == st->vector)) {
                b->hits++;
                if (!reported)
                    reported = b->number;
            }
        }
        vdb_describe_location(s, st->address, where, sizeof where);
        if (reported)
            vdb_say(s, "\nCatchpoint %d, exception %s\n", reported, st->detail);
        else
            vdb_say(s, "\nException %s\n", st->detail);
        vdb_say(s, "%s\n", where);
        memcpy(s->last_function, function, sizeof s->last_function);
        /* What is shown is what is selected: list, info locals and print
         * act on the faulting frame (frame 0 is the handler's). */
        s->frame = faulting_frame(s, st->address);
        vdb_show_code_line(s, st->address);
        vdb_show_displays(s);
        return;
    }
    case VDB_STOP_INTERRUPT:
        vdb_describe_location(s, pc, where, sizeof where);
        vdb_say(s, "\nProgram stopped%s%s at %s\n", st->detail[0] ? ": " : " (interrupted)", st->detail, where);
        break;
    case VDB_STOP_STEP:
        /* A source line alone would not say where the step went when it
         * went into another function (or a watchpoint stopped it). */
        if (vdb_has(s, VDB_CAP_SOURCE) && (watch_hit || strcmp(function, s->last_function) != 0)) {
            vdb_describe_location(s, pc, where, sizeof where);
            vdb_say(s, "%s\n", where);
        }
        break;
    }
    memcpy(s->last_function, function, sizeof s->last_function);
    /* After stepi in the middle of a line, the address says where. */
    const char *file;
    uint32_t line;
    if (kind == VDB_RESUME_STEPI && st->kind == VDB_STOP_STEP && vdb_has(s, VDB_CAP_SOURCE) &&
        s->t->ops->source_line(s->t, pc, &file, &line)) {
        s->t->ops->format_address(s->t, pc, where, sizeof where);
        const char *text = vdb_source_line(s, file, line);
        vdb_say(s, "%s\t%u\t%s\n", where, line, text ? text : "(source not available)");
    } else {
        vdb_show_code_line(s, pc);
    }
    if (st->kind == VDB_STOP_STEP && st->returned[0]) {
        s->print_count++;
        vdb_say(s, "Value returned is $%u = %s\n", s->print_count, st->returned);
    }
    vdb_show_displays(s);
}

vdb_exec_result vdb_fail_ended(vdb_session *s)
{
    if (s->opener && vdb_has(s, VDB_CAP_RESTART))
        return vdb_fail(s, "the program is not running (it ended; run starts it again)");
    return vdb_fail(s, "the program is not running (it ended, and the %s target cannot start it again: quit, and "
                    "start vdb again)", s->t->ops->name);
}

int vdb_restart(vdb_session *s, char *err, size_t err_size)
{
    if (!s->opener) {
        snprintf(err, err_size, "this session cannot restart the program");
        return -1;
    }
    vdb_target *fresh = s->opener(s->opener_context, err, err_size);
    if (!fresh)
        return -1;
    s->t->ops->destroy(s->t);
    s->t = fresh;
    s->started = false;
    s->stop = (vdb_stop){ .kind = VDB_STOP_NOT_STARTED };
    s->frame = 0;
    return vdb_insert_breakpoints(s, s->t, err, err_size);
}

/* The target's resume, inside the invariants of running.h: nothing
 * inspects the target while it runs, and the stop it reports has a
 * reason. */
static int resume_target(vdb_session *s, vdb_resume_kind kind, char *err, size_t err_size)
{
    s->target_running = true;
    int rc = s->t->ops->resume(s->t, kind, &s->stop, err, err_size);
    s->target_running = false;
    VDB_ASSERT(rc != 0 || stop_has_reason(&s->stop));
    return rc;
}

vdb_exec_result vdb_resume_to(vdb_session *s, uint64_t address)
{
    char err[VDB_ERR_SIZE];
    if (vdb_program_ended(s))
        return vdb_fail_ended(s);
    s->resuming = 1;
    s->target_running = true;
    int rc = s->t->ops->resume_to(s->t, address, &s->stop, err, sizeof err);
    s->target_running = false;
    s->resuming = 0;
    VDB_ASSERT(rc != 0 || stop_has_reason(&s->stop));
    s->started = true;
    vdb_take_program_output(s);
    if (rc != 0)
        return vdb_fail(s, "%s", err);
    if (s->interrupted && s->stop.kind == VDB_STOP_STEP)
        s->stop.kind = VDB_STOP_INTERRUPT;
    s->interrupted = 0;
    vdb_after_stop(s, VDB_RESUME_UNTIL, false);
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_resume(vdb_session *s, vdb_resume_kind kind, unsigned count)
{
    char err[VDB_ERR_SIZE];
    if (vdb_program_ended(s))
        return vdb_fail_ended(s);
    bool watch_hit = false;
    bool watching = vdb_any_watchpoint(s);
    s->resuming = 1;
    for (unsigned i = 0; i < count; i++) {
        vdb_resume_kind k = kind == VDB_RESUME_CONTINUE && watching ? VDB_RESUME_STEPI : kind;
        do {
            if (resume_target(s, k, err, sizeof err) != 0) {
                s->resuming = 0;
                vdb_take_program_output(s);
                return vdb_fail(s, "%s", err);
            }
            s->started = true;
            vdb_take_program_output(s);
            if (watching && s->stop.kind == VDB_STOP_STEP && vdb_changed_watchpoint(s)) {
                watch_hit = true;
                break;
            }
        } while (k != kind && s->stop.kind == VDB_STOP_STEP && !s->interrupted);
        if (s->stop.kind != VDB_STOP_STEP || watch_hit || s->interrupted)
            break;
    }
    s->resuming = 0;
    if (s->interrupted && s->stop.kind == VDB_STOP_STEP)
        s->stop.kind = VDB_STOP_INTERRUPT;
    s->interrupted = 0;
    vdb_after_stop(s, kind, watch_hit);
    return VDB_EXEC_OK;
}

void vdb_after_stop(vdb_session *s, vdb_resume_kind kind, bool watch_hit)
{
    VDB_ASSERT(stop_has_reason(&s->stop));
    s->frame = 0;
    vdb_read_registers(s);
    report_stop(s, kind, watch_hit);
}
