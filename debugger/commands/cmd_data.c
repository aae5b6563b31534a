/*
 * cmd_data.c -- the commands that read and write the program's data:
 * print, display, undisplay, set and x (handlers.h).  Expressions and
 * their values are the service layer's (core/values.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "location.h"
#include "number_format.h"
#include "session_state.h"
#include "values.h"

vdb_exec_result vdb_cmd_examine(vdb_session *s, const vdb_parsed *p)
{
    char err[VDB_ERR_SIZE];
    if (vdb_parse_examine_format(p->suffix, &s->examine, err, sizeof err) != 0)
        return vdb_fail(s, "%s", err);
    int space = s->examine_space;
    uint64_t address = s->examine_next;
    uint64_t start;
    /* An address, or (for x/i) a place in the code: "main", "fib+12". */
    if (p->args[0] && vdb_parse_address(s, p->args, &space, &address, err, sizeof err) != 0) {
        char resolve_err[VDB_ERR_SIZE];
        if (s->examine.format != 'i' || vdb_resolve_address(s, p->args, &address, resolve_err, sizeof resolve_err) != 0)
            return vdb_fail(s, "x: %s", err);
        space = 0;
    }
    if (!p->args[0] && !s->examined)
        return vdb_fail(s, "x: which address? (x/FMT ADDRESS)");
    start = address;
    if (s->examine.format == 's') {
        /* count strings, each up to its NUL (or 200 characters) */
        for (unsigned i = 0; i < s->examine.count; i++) {
            char text[201];
            size_t n = 0;
            uint8_t byte = 1;
            while (n < sizeof text - 1 &&
                   s->t->ops->read_memory(s->t, space, address + n, &byte, 1, err, sizeof err) == 0 && byte)
                text[n++] = (char)byte;
            if (n == 0 && byte)
                return vdb_fail(s, "x/s: %s", err);
            text[n] = '\0';
            char where[64];
            snprintf(where, sizeof where, "%s:0x%" PRIx64, s->t->ops->spaces[space], address);
            vdb_say(s, "%s:\t\"", where);
            for (size_t k = 0; k < n; k++) {
                unsigned char ch = (unsigned char)text[k];
                if (ch == '\n')
                    vdb_say(s, "\\n");
                else if (ch == '"' || ch == '\\')
                    vdb_say(s, "\\%c", ch);
                else if (ch >= 32 && ch < 127)
                    vdb_say(s, "%c", ch);
                else
                    vdb_say(s, "\\x%02x", ch);
            }
            vdb_say(s, "\"%s\n", byte ? "..." : "");
            address += n + (byte ? 0 : 1);
        }
    } else if (s->examine.format == 'i') {
        for (unsigned i = 0; i < s->examine.count; i++) {
            char text[160], where[64];
            uint64_t next;
            s->t->ops->format_address(s->t, address, where, sizeof where);
            if (s->t->ops->disassemble(s->t, address, text, sizeof text, &next, err, sizeof err) != 0)
                return vdb_fail(s, "x/i: %s", err);
            vdb_say(s, "%s %s:\t%s\n", address == s->t->ops->pc(s->t) ? "=>" : "  ", where, text);
            address = next;
        }
    } else {
        size_t total = (size_t)s->examine.count * s->examine.size;
        uint8_t *bytes = malloc(total);
        if (!bytes)
            return vdb_fail(s, "x: out of memory");
        if (s->t->ops->read_memory(s->t, space, address, bytes, total, err, sizeof err) != 0) {
            free(bytes);
            return vdb_fail(s, "x: %s", err);
        }
        char *text = vdb_format_memory(s->t->ops->spaces[space], address, bytes, total, &s->examine);
        free(bytes);
        if (text)
            vdb_say(s, "%s", text);
        free(text);
        address += total;
    }
    s->examined = true;
    s->examine_space = space;
    s->examine_next = address;     /* a bare x goes on from here */
    s->memory_address = start;     /* the memory pane shows what x showed */
    s->memory_space = space;
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_print(vdb_session *s, const vdb_parsed *p)
{
    char value[VDB_LINE_MAX * 4], err[VDB_ERR_SIZE];
    if (!p->args[0])
        return vdb_fail(s, "print: what? (print EXPRESSION)");
    if (strlen(p->suffix) > 1)
        return vdb_fail(s, "print/%s: one format letter (x d u o t c)", p->suffix);
    if (vdb_evaluate(s, p->args, p->suffix[0], value, sizeof value, err, sizeof err) != 0)
        return vdb_fail(s, "print: %s", err);
    s->print_count++;
    vdb_say(s, "$%u = %s\n", s->print_count, value);
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_display(vdb_session *s, const vdb_parsed *p)
{
    if (!p->args[0]) {
        vdb_show_displays(s);
        return VDB_EXEC_OK;
    }
    if (s->ndisplays == VDB_MAX_DISPLAYS)
        return vdb_fail(s, "display: too many displays (at most %d)", VDB_MAX_DISPLAYS);
    if (strlen(p->suffix) > 1 || (p->suffix[0] && !strchr("xduotc", p->suffix[0])))
        return vdb_fail(s, "display/%s: one format letter (x d u o t c)", p->suffix);
    vdb_display *d = &s->displays[s->ndisplays++];
    d->number = s->next_display++;
    d->format = p->suffix[0];
    if (strlen(p->args) >= sizeof d->expression) {
        s->ndisplays--;
        s->next_display--;
        return vdb_fail(s, "display: the expression is too long (at most %zu characters)", sizeof d->expression - 1);
    }
    snprintf(d->expression, sizeof d->expression, "%.255s", p->args);
    char value[VDB_LINE_MAX], err[VDB_ERR_SIZE];
    if (s->started && vdb_evaluate(s, d->expression, d->format, value, sizeof value, err, sizeof err) == 0)
        vdb_say(s, "%d: %s = %s\n", d->number, d->expression, value);
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_undisplay(vdb_session *s, const vdb_parsed *p)
{
    const char *args = p->args;
    if (!args[0]) {
        s->ndisplays = 0;
        return VDB_EXEC_OK;
    }
    char list[VDB_ARGS_MAX];
    snprintf(list, sizeof list, "%s", args);
    vdb_exec_result result = VDB_EXEC_OK;
    for (char *save = NULL, *word = strtok_r(list, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
        uint64_t n;
        size_t i = 0;
        while (i < s->ndisplays && !(vdb_parse_number(word, &n) && (uint64_t)s->displays[i].number == n))
            i++;
        if (i == s->ndisplays) {
            result = vdb_fail(s, "undisplay: no display number '%s'", word);
            continue;
        }
        memmove(&s->displays[i], &s->displays[i + 1], (s->ndisplays - i - 1) * sizeof s->displays[0]);
        s->ndisplays--;
    }
    return result;
}

static vdb_exec_result set_register(vdb_session *s, const char *name, const char *value_text)
{
    char err[VDB_ERR_SIZE];
    int r = vdb_find_register(s, name[0] == '$' ? name + 1 : name);
    if (r < 0)
        return vdb_fail(s, "set reg: no register '%s'", name);
    uint64_t value;
    if (vdb_integer_expression(s, value_text, &value, err, sizeof err) != 0)
        return vdb_fail(s, "set reg: %s", err);
    if (s->t->ops->write_register(s->t, (size_t)r, value, err, sizeof err) != 0)
        return vdb_fail(s, "set reg: %s", err);
    s->register_valid[r] = s->t->ops->read_register(s->t, (size_t)r, &s->register_now[r], err, sizeof err) == 0;
    return VDB_EXEC_OK;
}

vdb_exec_result vdb_cmd_set(vdb_session *s, const vdb_parsed *p)
{
    const char *args = p->args;
    char err[VDB_ERR_SIZE], name[256], value[512];
    size_t word = strcspn(args, " \t");
    bool is_var = strncmp(args, "var", word) == 0 && word > 0 && word <= 3;
    bool is_reg = strncmp(args, "reg", word) == 0 && word > 0 && word <= 3 && !is_var;
    if (strncmp(args, "variable", word) == 0 && word > 3)
        is_var = true;
    if (strncmp(args, "register", word) == 0 && word > 3)
        is_reg = true;
    if (!is_var && !is_reg) {
        /* set OPTION VALUE: the target's own settings (breakpoint-route, jit) */
        char option[64];
        const char *value_start = args + word;
        while (*value_start == ' ' || *value_start == '\t')
            value_start++;
        if (word == 0 || word >= sizeof option || !*value_start || !s->t->ops->set_option)
            return vdb_fail(s, "set: set var EXPRESSION = VALUE, set reg NAME = VALUE, or set OPTION VALUE");
        snprintf(option, sizeof option, "%.*s", (int)word, args);
        if (s->t->ops->set_option(s->t, option, value_start, err, sizeof err) != 0)
            return vdb_fail(s, "set %s: %s", option, err);
        return VDB_EXEC_OK;
    }
    const char *rest = args + word;
    if (vdb_split_assignment(rest, name, sizeof name, value, sizeof value, err, sizeof err) != 0)
        return vdb_fail(s, "set: %s", err);
    if (is_reg || name[0] == '$')
        return set_register(s, name, value);
    if (!vdb_has(s, VDB_CAP_VARIABLES))
        return vdb_fail(s, "set var: the %s target has no variables: set reg NAME = VALUE", s->t->ops->name);
    if (s->t->ops->assign(s->t, s->frame, name, value, err, sizeof err) != 0)
        return vdb_fail(s, "set var: %s", err);
    return VDB_EXEC_OK;
}
