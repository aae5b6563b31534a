/*
 * cmd_ui.c -- the commands about vdb itself: layout, screen, jit, help
 * and quit (handlers.h).  help reads the table of commands
 * (command_table.h); the others are the session's and the target's.
 */
#include <stdio.h>
#include <string.h>

#include "command_table.h"
#include "handlers.h"
#include "pane.h"
#include "session_state.h"

/* "src, asm, split, regs or next": the words of a command, for a message. */
static void list_words(const char *const *words, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; words[i] && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i == 0 ? "" : words[i + 1] ? ", " : " or ",
                                 words[i]);
}

vdb_exec_result vdb_cmd_layout(vdb_session *s, const vdb_parsed *p)
{
    const char *args = p->args;
    if (strcmp(args, "next") == 0) {
        s->layout = (vdb_layout)((s->layout + 1) % VDB_LAYOUT_COUNT);
    } else {
        int found = -1;
        for (int i = 0; i < VDB_LAYOUT_COUNT; i++)
            if (strcmp(args, vdb_layout_name((vdb_layout)i)) == 0)
                found = i;
        if (found < 0) {
            char words[128];
            list_words(p->command->words, words, sizeof words);
            return vdb_fail(s, "layout: %s, not '%s'", words, args);
        }
        s->layout = (vdb_layout)found;
    }
    vdb_say(s, "layout: %s\n", vdb_layout_name(s->layout));
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_jit(vdb_session *s, const vdb_parsed *p)
{
    char err[VDB_ERR_SIZE];
    if (!vdb_has(s, VDB_CAP_JIT))
        return vdb_fail(s, "jit: the %s target has no JIT", s->t->ops->name);
    if (s->t->ops->set_option(s->t, "jit", p->args, err, sizeof err) != 0)
        return vdb_fail(s, "%s", err);
    vdb_say(s, "JIT %s.\n", p->args);
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_screen(vdb_session *s, const vdb_parsed *p)
{
    static const vdb_pane panes[] = { VDB_PANE_SOURCE, VDB_PANE_CODE, VDB_PANE_REGISTERS, VDB_PANE_FRAMES,
                                      VDB_PANE_MEMORY, VDB_PANE_OUTPUT };
    char status[VDB_LINE_MAX];
    vdb_line lines[24];
    for (size_t i = 0; i < sizeof panes / sizeof panes[0]; i++) {
        char title[VDB_LINE_MAX];
        size_t n = vdb_pane_render(s, panes[i], lines, 12, title, sizeof title);
        vdb_say(s, "--- %s ---\n", title);
        for (size_t k = 0; k < n; k++)
            vdb_say(s, "%s%s\n", lines[k].text, lines[k].flags & VDB_LINE_CHANGED ? "  (changed)" : "");
    }
    vdb_session_status(s, status, sizeof status);
    vdb_say(s, "--- status ---\n%s\n", status);
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_help(vdb_session *s, const vdb_parsed *p)
{
    char err[VDB_ERR_SIZE];
    if (p->args[0]) {
        const vdb_command *c = vdb_command_find(vdb_commands, VDB_CMD_COUNT, p->args, err, sizeof err);
        if (!c)
            return vdb_fail(s, "help: %s", err);
        char usage[256];
        vdb_command_usage(c, usage, sizeof usage);
        vdb_say(s, "%s%s%s%s -- %s\n", usage, c->alias ? " (" : "", c->alias ? c->alias : "", c->alias ? ")" : "",
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

vdb_exec_result vdb_cmd_quit(vdb_session *s, const vdb_parsed *p) { return VDB_EXEC_QUIT; }
