/*
 * session.c -- a debugging session (session.h): its life cycle, the
 * program's output, the registers at each stop, where it is, running and
 * reporting stops, and the dispatch of every command of commands.def to
 * the file that runs it: breakpoints.c, values.c, inspect.c.  The panes
 * are rendered in pane.c.
 */
#include "session_internal.h"

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

/* Reports a failed command (one line) and returns VDB_EXEC_ERROR. */
vdb_exec_result vdb_fail(vdb_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
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


/* The program's output since the last look: to the sink, and kept (its
 * tail) for the output pane. */
static void take_program_output(vdb_session *s)
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
    free(text);
}

/* ==== registers at each stop ====================================================== */

void vdb_read_registers(vdb_session *s)
{
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

/* ==== locations ==================================================================== */

/* The address of the selected frame (the pc for frame 0). */
uint64_t vdb_selected_address(vdb_session *s)
{
    if (s->frame > 0 && vdb_has(s, VDB_CAP_FRAMES)) {
        vdb_frame f;
        char err[VDB_ERR_SIZE];
        if (s->t->ops->frame(s->t, s->frame, &f, err, sizeof err) == 0)
            return f.address;
    }
    return s->t->ops->pc(s->t);
}

/* "fib at fib.vela:7" or "0x1005". */
void vdb_describe_location(vdb_session *s, uint64_t address, char *out, size_t size)
{
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

/* The source line of address, or its instruction: what gdb prints after
 * a stop ("7\t    if (n < 2) return n;", "0x1005:\tmov eax, 1"). */
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

/* ==== running ====================================================================== */

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

static bool same_function_as_last_stop(vdb_session *s)
{
    char now[sizeof s->last_function];
    current_function(s, now, sizeof now);
    return strcmp(now, s->last_function) == 0;
}

static void remember_function(vdb_session *s)
{
    current_function(s, s->last_function, sizeof s->last_function);
}

/* Reports a stop: which breakpoint, or how the program ended, then the
 * code line and the displays. */
static void report_stop(vdb_session *s, vdb_resume_kind kind, bool watch_hit)
{
    vdb_stop *st = &s->stop;
    char where[192];
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
    case VDB_STOP_INTERRUPT:
        vdb_describe_location(s, s->t->ops->pc(s->t), where, sizeof where);
        vdb_say(s, "\nProgram stopped%s%s at %s\n", st->detail[0] ? ": " : " (interrupted)", st->detail, where);
        break;
    case VDB_STOP_STEP:
        /* A source line alone would not say where the step went when it
         * went into another function (or a watchpoint stopped it). */
        if (vdb_has(s, VDB_CAP_SOURCE) && (watch_hit || !same_function_as_last_stop(s))) {
            vdb_describe_location(s, s->t->ops->pc(s->t), where, sizeof where);
            vdb_say(s, "%s\n", where);
        }
        break;
    }
    remember_function(s);
    /* After stepi in the middle of a line, the address says where. */
    uint64_t pc = s->t->ops->pc(s->t);
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

/* Restarts the program (run after it ran): a new target with the
 * enabled breakpoints inserted again. */
static int restart(vdb_session *s, char *err, size_t err_size)
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

/* Resumes count times (stopping early at anything but a completed step),
 * then reports.  With watchpoints armed, a continue runs one instruction
 * at a time and compares. */
static vdb_exec_result resume(vdb_session *s, vdb_resume_kind kind, unsigned count)
{
    char err[VDB_ERR_SIZE];
    if (s->stop.kind == VDB_STOP_EXITED || s->stop.kind == VDB_STOP_ERROR)
        return vdb_fail(s, "the program is not running (it ended; run starts it again)");
    bool watch_hit = false;
    bool watching = vdb_any_watchpoint(s);
    s->resuming = 1;
    for (unsigned i = 0; i < count; i++) {
        vdb_resume_kind k = kind == VDB_RESUME_CONTINUE && watching ? VDB_RESUME_STEPI : kind;
        do {
            if (s->t->ops->resume(s->t, k, &s->stop, err, sizeof err) != 0) {
                s->resuming = 0;
                take_program_output(s);
                return vdb_fail(s, "%s", err);
            }
            s->started = true;
            take_program_output(s);
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
    s->frame = 0;
    vdb_read_registers(s);
    report_stop(s, kind, watch_hit);
}

bool vdb_parse_count(const char *args, unsigned *count)
{
    uint64_t v = 1;
    if (args[0] && (!vdb_parse_number(args, &v) || v == 0 || v > 1000000000))
        return false;
    *count = (unsigned)v;
    return true;
}

static vdb_exec_result cmd_resume(vdb_session *s, const vdb_parsed *p, vdb_resume_kind kind)
{
    unsigned count;
    if (!vdb_parse_count(p->args, &count))
        return vdb_fail(s, "%s: '%s' is not a count (1 or more)", p->command->name, p->args);
    if ((kind == VDB_RESUME_STEP || kind == VDB_RESUME_NEXT) && !vdb_has(s, VDB_CAP_SOURCE))
        return vdb_fail(s, "%s: the %s target has no source lines; use stepi", p->command->name, s->t->ops->name);
    if (kind == VDB_RESUME_FINISH && !vdb_has(s, VDB_CAP_FRAMES))
        return vdb_fail(s, "finish: the %s target has no call frames", s->t->ops->name);
    if (s->stop.kind == VDB_STOP_EXITED || s->stop.kind == VDB_STOP_ERROR)
        return vdb_fail(s, "the program is not running (it ended; run starts it again)");
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
    return resume(s, kind, count);
}

static vdb_exec_result cmd_run(vdb_session *s)
{
    char err[VDB_ERR_SIZE];
    if (s->started) {
        if (restart(s, err, sizeof err) != 0)
            return vdb_fail(s, "run: %s", err);
        vdb_say(s, "Starting the program again.\n");
    }
    return resume(s, VDB_RESUME_CONTINUE, 1);
}

static vdb_exec_result cmd_start(vdb_session *s)
{
    if (!vdb_has(s, VDB_CAP_SOURCE))
        return vdb_fail(s, "start: the %s target has no main function; it is at its entry point (stepi, continue)",
                    s->t->ops->name);
    char line[32];
    snprintf(line, sizeof line, "tbreak main");
    if (vdb_session_execute(s, line) != VDB_EXEC_OK)
        return VDB_EXEC_ERROR;
    return cmd_run(s);
}

/* ==== the rest ===================================================================== */

static vdb_exec_result cmd_layout(vdb_session *s, const char *args)
{
    if (strcmp(args, "next") == 0) {
        s->layout = (vdb_layout)((s->layout + 1) % VDB_LAYOUT_COUNT);
    } else {
        int found = -1;
        for (int i = 0; i < VDB_LAYOUT_COUNT; i++)
            if (strcmp(args, vdb_layout_name((vdb_layout)i)) == 0)
                found = i;
        if (found < 0)
            return vdb_fail(s, "layout: src, asm, split, regs or next, not '%s'", args);
        s->layout = (vdb_layout)found;
    }
    vdb_say(s, "layout: %s\n", vdb_layout_name(s->layout));
    return VDB_EXEC_OK;
}

static vdb_exec_result cmd_jit(vdb_session *s, const char *args)
{
    char err[VDB_ERR_SIZE];
    if (!vdb_has(s, VDB_CAP_JIT))
        return vdb_fail(s, "jit: the %s target has no JIT", s->t->ops->name);
    if (s->t->ops->set_option(s->t, "jit", args, err, sizeof err) != 0)
        return vdb_fail(s, "%s", err);
    vdb_say(s, "JIT %s.\n", args);
    return VDB_EXEC_OK;
}

static vdb_exec_result cmd_help(vdb_session *s, const char *args)
{
    char err[VDB_ERR_SIZE];
    if (args[0]) {
        const vdb_command *c = vdb_command_find(args, err, sizeof err);
        if (!c)
            return vdb_fail(s, "help: %s", err);
        vdb_say(s, "%s%s%s%s -- %s\n", c->usage, c->alias ? " (" : "", c->alias ? c->alias : "", c->alias ? ")" : "",
            c->help);
        return VDB_EXEC_OK;
    }
    for (size_t i = 0; i < VDB_CMD_COUNT; i++) {
        const vdb_command *c = &vdb_commands[i];
        char name[32];
        snprintf(name, sizeof name, "%s%s%s%s", c->name, c->alias ? " (" : "", c->alias ? c->alias : "",
                 c->alias ? ")" : "");
        vdb_say(s, "  %-22s %s\n", name, c->help);
    }
    return VDB_EXEC_OK;
}

static vdb_exec_result cmd_screen(vdb_session *s)
{
    static const vdb_pane panes[] = { VDB_PANE_SOURCE, VDB_PANE_CODE, VDB_PANE_REGISTERS, VDB_PANE_FRAMES,
                                      VDB_PANE_MEMORY, VDB_PANE_OUTPUT };
    char status[VDB_LINE_MAX];
    vdb_line lines[24];
    for (size_t p = 0; p < sizeof panes / sizeof panes[0]; p++) {
        char title[VDB_LINE_MAX];
        size_t n = vdb_pane_render(s, panes[p], lines, 12, title, sizeof title);
        vdb_say(s, "--- %s ---\n", title);
        for (size_t i = 0; i < n; i++)
            vdb_say(s, "%s%s\n", lines[i].text, lines[i].flags & VDB_LINE_CHANGED ? "  (changed)" : "");
    }
    vdb_session_status(s, status, sizeof status);
    vdb_say(s, "--- status ---\n%s\n", status);
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_session_execute(vdb_session *s, const char *line)
{
    vdb_parsed p;
    char err[VDB_ERR_SIZE];
    int parsed = vdb_parse_line(line, &p, err, sizeof err);
    if (parsed == 0)
        return VDB_EXEC_OK;
    if (parsed < 0)
        return vdb_fail(s, "%s", err);
    const char *args = p.args;
    bool takes_suffix = p.command->id == VDB_CMD_EXAMINE || p.command->id == VDB_CMD_PRINT ||
                        p.command->id == VDB_CMD_DISPLAY || p.command->id == VDB_CMD_DISASSEMBLE;
    if (p.suffix[0] && !takes_suffix)
        return vdb_fail(s, "%s takes no /FORMAT", p.command->name);
    switch (p.command->id) {
    case VDB_CMD_RUN: return cmd_run(s);
    case VDB_CMD_START: return cmd_start(s);
    case VDB_CMD_CONTINUE: return cmd_resume(s, &p, VDB_RESUME_CONTINUE);
    case VDB_CMD_STEP: return cmd_resume(s, &p, VDB_RESUME_STEP);
    case VDB_CMD_NEXT: return cmd_resume(s, &p, VDB_RESUME_NEXT);
    case VDB_CMD_STEPI: return cmd_resume(s, &p, VDB_RESUME_STEPI);
    case VDB_CMD_FINISH: return cmd_resume(s, &p, VDB_RESUME_FINISH);
    case VDB_CMD_BREAK: return vdb_cmd_break(s, args, false);
    case VDB_CMD_TBREAK:
        if (!args[0])
            return vdb_fail(s, "tbreak: where? (tbreak LOCATION)");
        return vdb_cmd_break(s, args, true);
    case VDB_CMD_DELETE:
    case VDB_CMD_DISABLE:
    case VDB_CMD_ENABLE: return vdb_cmd_each_breakpoint(s, &p);
    case VDB_CMD_WATCH: return vdb_cmd_watch(s, args);
    case VDB_CMD_INFO: return vdb_cmd_info(s, args);
    case VDB_CMD_EXAMINE: return vdb_cmd_examine(s, &p);
    case VDB_CMD_PRINT: return vdb_cmd_print(s, &p);
    case VDB_CMD_DISPLAY: return vdb_cmd_display(s, &p);
    case VDB_CMD_UNDISPLAY: return vdb_cmd_undisplay(s, args);
    case VDB_CMD_SET: return vdb_cmd_set(s, args);
    case VDB_CMD_BACKTRACE: return vdb_cmd_backtrace(s);
    case VDB_CMD_FRAME:
    case VDB_CMD_UP:
    case VDB_CMD_DOWN: return vdb_cmd_frame(s, &p);
    case VDB_CMD_LIST: return vdb_cmd_list(s, args);
    case VDB_CMD_DISASSEMBLE: return vdb_cmd_disassemble(s, &p);
    case VDB_CMD_LAYOUT: return cmd_layout(s, args);
    case VDB_CMD_SCREEN: return cmd_screen(s);
    case VDB_CMD_JIT: return cmd_jit(s, args);
    case VDB_CMD_REVERSE_STEPI: return vdb_cmd_reverse(s, &p, VDB_RESUME_STEPI);
    case VDB_CMD_REVERSE_STEP: return vdb_cmd_reverse(s, &p, VDB_RESUME_STEP);
    case VDB_CMD_REVERSE_CONTINUE: return vdb_cmd_reverse(s, &p, VDB_RESUME_CONTINUE);
    case VDB_CMD_HELP: return cmd_help(s, args);
    case VDB_CMD_QUIT: return VDB_EXEC_QUIT;
    case VDB_CMD_COUNT: break;
    }
    return vdb_fail(s, "%s: not handled", p.command->name);
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
    static const char *const names[VDB_LAYOUT_COUNT] = { "src", "asm", "split", "regs" };
    return layout < VDB_LAYOUT_COUNT ? names[layout] : "?";
}

bool vdb_breakpoint_at(const vdb_session *s, uint64_t address)
{
    for (size_t i = 0; i < s->nbreakpoints; i++)
        if (s->breakpoints[i].kind == VDB_BP_CODE && s->breakpoints[i].address == address)
            return true;
    return false;
}

void vdb_session_status(vdb_session *s, char *out, size_t size)
{
    /* Short: it shares the status row with the function keys. */
    static const char *const reasons[] = {
        [VDB_STOP_NOT_STARTED] = "not started", [VDB_STOP_STEP] = "step",
        [VDB_STOP_BREAKPOINT] = "breakpoint", [VDB_STOP_INTERRUPT] = "interrupted",
        [VDB_STOP_EXITED] = "exited", [VDB_STOP_ERROR] = "error",
    };
    char target[160];
    s->t->ops->status(s->t, target, sizeof target);
    if (s->stop.kind == VDB_STOP_EXITED || s->stop.kind == VDB_STOP_ERROR)
        snprintf(out, size, "%s | %s %d | %s", s->t->ops->name, reasons[s->stop.kind], s->stop.exit_status, target);
    else
        snprintf(out, size, "%s | %s | %s", s->t->ops->name, reasons[s->stop.kind], target);
}

/* The words a command takes as its first argument, for completion. */
static const char *const *argument_words(vdb_command_id id)
{
    static const char *const layouts[] = { "src", "asm", "split", "regs", "next", NULL };
    static const char *const topics[] = { "breakpoints", "registers", "frame", "locals", "globals", "stack",
                                          "display", "exits", "mode", "jit", "gc", NULL };
    static const char *const switches[] = { "on", "off", NULL };
    static const char *const settings[] = { "var", "reg", "jit", "breakpoint-route", NULL };
    switch (id) {
    case VDB_CMD_LAYOUT: return layouts;
    case VDB_CMD_INFO: return topics;
    case VDB_CMD_JIT: return switches;
    case VDB_CMD_SET: return settings;
    default: return NULL;
    }
}

const char *vdb_session_complete(vdb_session *s, const char *command, const char *prefix, size_t state)
{
    size_t len = strlen(prefix);
    size_t seen = 0;
    char err[VDB_ERR_SIZE];
    const vdb_command *c = command && command[0] ? vdb_command_find(command, err, sizeof err) : NULL;
    if (!command || !command[0] || (c && c->id == VDB_CMD_HELP)) {
        for (size_t i = 0; i < VDB_CMD_COUNT; i++)
            if (strncmp(vdb_commands[i].name, prefix, len) == 0 && seen++ == state)
                return vdb_commands[i].name;
        return NULL;
    }
    const char *const *words = c ? argument_words(c->id) : NULL;
    if (words) {
        for (size_t i = 0; words[i]; i++)
            if (strncmp(words[i], prefix, len) == 0 && seen++ == state)
                return words[i];
        return NULL;
    }
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
