/*
 * values.c -- what the user reads and writes: integer expressions
 * ($register, numbers, *ADDRESS, + and -), the target's variables, and
 * the commands print, display, undisplay, set, x and info registers.
 */
#include "session_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== values: $registers, numbers, *ADDRESS, and the target's variables ============ */

/* An integer term: a number, $register, or *ADDRESS (a 64-bit word). */
static int integer_term(vdb_session *s, const char *text, uint64_t *value, char *err, size_t err_size)
{
    if (text[0] == '$') {
        int r = vdb_find_register(s, text + 1);
        if (r < 0 && strcmp(text, "$pc") == 0) {
            *value = s->t->ops->pc(s->t); /* gdb's $pc, whatever the target calls it */
            return 0;
        }
        if (r < 0) {
            snprintf(err, err_size, "no register '%s'", text + 1);
            return -1;
        }
        return s->t->ops->read_register(s->t, (size_t)r, value, err, err_size);
    }
    if (text[0] == '*') {
        uint64_t address;
        int space;
        if (vdb_parse_address(s, text + 1, &space, &address, err, err_size) != 0)
            return -1;
        uint8_t bytes[8];
        if (s->t->ops->read_memory(s->t, space, address, bytes, sizeof bytes, err, err_size) != 0)
            return -1;
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
            v = v << 8 | bytes[i]; /* x86 and the value stack: little-endian */
        *value = v;
        return 0;
    }
    if (vdb_parse_number(text, value))
        return 0;
    snprintf(err, err_size, "'%s' is not a number, $register or *address", text);
    return -1;
}

/* An integer expression: terms joined by + and -. */
int vdb_integer_expression(vdb_session *s, const char *text, uint64_t *value, char *err, size_t err_size)
{
    char term[256];
    uint64_t total = 0;
    char op = '+';
    const char *p = text;
    for (;;) {
        while (*p == ' ')
            p++;
        size_t n = 0;
        /* A term ends at + or -, or at the end; a leading '-' belongs to
         * a number.  (*ADDRESS applies to one term: *$sp - 8 is the word
         * at sp, minus 8.) */
        while (p[n] && !(n > 0 && (p[n] == '+' || p[n] == '-')))
            n++;
        while (n > 0 && p[n - 1] == ' ')
            n--;
        if (n == 0 || n >= sizeof term) {
            snprintf(err, err_size, "'%s' is not an integer expression", text);
            return -1;
        }
        memcpy(term, p, n);
        term[n] = '\0';
        uint64_t v;
        if (integer_term(s, term, &v, err, err_size) != 0)
            return -1;
        total = op == '+' ? total + v : total - v;
        p += n;
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        op = *p++;
    }
    *value = total;
    return 0;
}

/* [SPACE:]EXPRESSION -> the space's index and the address. */
int vdb_parse_address(vdb_session *s, const char *text, int *space, uint64_t *address, char *err, size_t err_size)
{
    *space = 0;
    const char *colon = strchr(text, ':');
    if (colon) {
        size_t len = (size_t)(colon - text);
        int found = -1;
        for (int i = 0; s->t->ops->spaces[i]; i++)
            if (strlen(s->t->ops->spaces[i]) == len && strncmp(s->t->ops->spaces[i], text, len) == 0)
                found = i;
        if (found < 0) {
            char names[128] = "";
            for (int i = 0; s->t->ops->spaces[i]; i++)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", s->t->ops->spaces[i]);
            snprintf(err, err_size, "no address space '%.*s' (this target has: %s)", (int)len, text, names);
            return -1;
        }
        *space = found;
        text = colon + 1;
    }
    return vdb_integer_expression(s, text, address, err, err_size);
}

/* Whether text is for the front end (registers, numbers, *ADDRESS) or
 * names the program's variables (the target's evaluate). */
bool vdb_is_integer_expression(const char *text)
{
    return text[0] == '$' || text[0] == '*' || (text[0] >= '0' && text[0] <= '9') ||
           (text[0] == '-' && text[1] >= '0' && text[1] <= '9');
}

/* An integer shown in format f (x d u o t c), or naturally (0). */
static void format_integer(uint64_t v, char f, char *out, size_t size)
{
    switch (f) {
    case 'x': snprintf(out, size, "0x%" PRIx64, v); break;
    case 'o': snprintf(out, size, "0%" PRIo64, v); break;
    case 'u': snprintf(out, size, "%" PRIu64, v); break;
    case 't': {
        char bits[65];
        int n = 0;
        for (int i = 63; i >= 0; i--)
            if (n || (v >> i & 1) || i == 0)
                bits[n++] = (char)('0' + (v >> i & 1));
        bits[n] = '\0';
        snprintf(out, size, "%s", bits);
        break;
    }
    case 'c':
        if (v >= 32 && v < 127)
            snprintf(out, size, "%" PRIu64 " '%c'", v, (int)v);
        else
            snprintf(out, size, "%" PRIu64 " '\\x%02x'", v, (unsigned)(v & 0xFF));
        break;
    default: snprintf(out, size, "%" PRId64, (int64_t)v); break;
    }
}

/* The text `print/f expression` shows. */
int vdb_evaluate(vdb_session *s, const char *expression, char format, char *out, size_t size, char *err,
                 size_t err_size)
{
    if (format && !strchr("xduotc", format)) {
        snprintf(err, err_size, "/%c is not a format (x d u o t c)", format);
        return -1;
    }
    if (strcmp(expression, "$") == 0) {
        snprintf(err, err_size, "'$' names no register (print $NAME, e.g. $pc)");
        return -1;
    }
    if (vdb_is_integer_expression(expression)) {
        uint64_t v;
        if (vdb_integer_expression(s, expression, &v, err, err_size) != 0)
            return -1;
        format_integer(v, format, out, size);
        int r = expression[0] == '$' ? vdb_find_register(s, expression + 1) : -1;
        bool is_pc = strcmp(expression, "$pc") == 0 ||
                     (r >= 0 && vdb_is_pc_register(s->t->ops->register_info(s->t, (size_t)r)));
        if (is_pc && !format) {
            char where[96];
            s->t->ops->format_address(s->t, v, where, sizeof where);
            size_t used = strlen(out);
            snprintf(out + used, size - used, " <%s>", where);
        }
        return 0;
    }
    if (!vdb_has(s, VDB_CAP_VARIABLES)) {
        snprintf(err, err_size, "the %s target has no variables: print a $register, a number or *ADDRESS",
                 s->t->ops->name);
        return -1;
    }
    if (s->t->ops->evaluate(s->t, s->frame, expression, out, size, err, err_size) != 0)
        return -1;
    if (format) {
        uint64_t v;
        if (vdb_parse_number(out, &v))
            format_integer(v, format, out, size);
    }
    return 0;
}

void vdb_show_displays(vdb_session *s)
{
    for (size_t i = 0; i < s->ndisplays; i++) {
        char value[VDB_LINE_MAX], err[VDB_ERR_SIZE];
        const vdb_display *d = &s->displays[i];
        if (vdb_evaluate(s, d->expression, d->format, value, sizeof value, err, sizeof err) == 0)
            vdb_say(s, "%d: %s = %s\n", d->number, d->expression, value);
        else
            vdb_say(s, "%d: %s = <%s>\n", d->number, d->expression, err);
    }
}

void vdb_format_register(vdb_session *s, size_t i, char *out, size_t size)
{
    const vdb_register *r = s->t->ops->register_info(s->t, i);
    if (!s->register_valid[i]) {
        snprintf(out, size, "%-8s <unavailable>", r->name);
        return;
    }
    uint64_t v = s->register_now[i];
    unsigned digits = (r->bits + 3) / 4;
    if (vdb_is_pc_register(r)) { /* its natural form is a place in the code */
        char where[96];
        s->t->ops->format_address(s->t, v, where, sizeof where);
        snprintf(out, size, "%-8s 0x%0*" PRIx64 "  <%s>", r->name, (int)digits, v, where);
        return;
    }
    snprintf(out, size, "%-8s 0x%0*" PRIx64 "  %" PRIu64, r->name, (int)digits, v, v);
}

vdb_exec_result vdb_info_registers(vdb_session *s, const char *names)
{
    if (!s->registers_read) {
        vdb_read_registers(s);
        s->registers_read = true;
    }
    char line[VDB_LINE_MAX];
    if (!names[0]) {
        const char *group = NULL;
        for (size_t i = 0; i < s->nregisters; i++) {
            const vdb_register *r = s->t->ops->register_info(s->t, i);
            if (!group || strcmp(group, r->group) != 0) {
                group = r->group;
                if (s->nregisters > 8)
                    vdb_say(s, "%s:\n", group);
            }
            vdb_format_register(s, i, line, sizeof line);
            vdb_say(s, "%s%s\n", line, vdb_register_changed(s, i) ? "  (changed)" : "");
        }
        return VDB_EXEC_OK;
    }
    char list[VDB_ARGS_MAX];
    snprintf(list, sizeof list, "%s", names);
    vdb_exec_result result = VDB_EXEC_OK;
    for (char *save = NULL, *word = strtok_r(list, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
        int r = vdb_find_register(s, word[0] == '$' ? word + 1 : word);
        if (r < 0) {
            result = vdb_fail(s, "info registers: no register '%s'", word);
            continue;
        }
        vdb_format_register(s, (size_t)r, line, sizeof line);
        vdb_say(s, "%s%s\n", line, vdb_register_changed(s, (size_t)r) ? "  (changed)" : "");
    }
    return result;
}

/* ==== memory, print, display, set ================================================= */

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
        if (s->examine.format != 'i' || s->t->ops->resolve(s->t, p->args, &address, resolve_err, sizeof resolve_err) != 0)
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

static char print_format(const vdb_parsed *p)
{
    return p->suffix[0];
}

vdb_exec_result vdb_cmd_print(vdb_session *s, const vdb_parsed *p)
{
    char value[VDB_LINE_MAX * 4], err[VDB_ERR_SIZE];
    if (!p->args[0])
        return vdb_fail(s, "print: what? (print EXPRESSION)");
    if (strlen(p->suffix) > 1)
        return vdb_fail(s, "print/%s: one format letter (x d u o t c)", p->suffix);
    if (vdb_evaluate(s, p->args, print_format(p), value, sizeof value, err, sizeof err) != 0)
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
    d->format = print_format(p);
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

vdb_exec_result vdb_cmd_undisplay(vdb_session *s, const char *args)
{
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

vdb_exec_result vdb_cmd_set(vdb_session *s, const char *args)
{
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
