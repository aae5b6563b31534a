/*
 * values.c -- expressions, variables, registers as text, displays
 * (values.h).
 */
#include "values.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number_format.h"
#include "session_state.h"

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

bool vdb_is_integer_expression(const char *text)
{
    return text[0] == '$' || text[0] == '*' || (text[0] >= '0' && text[0] <= '9') ||
           (text[0] == '-' && text[1] >= '0' && text[1] <= '9');
}

int vdb_evaluate(vdb_session *s, const char *expression, char format, char *out, size_t size, char *err,
                 size_t err_size)
{
    VDB_ASSERT(vdb_target_stopped(s));
    if (format && !strchr("xduotc", format)) {
        snprintf(err, err_size, "/%c is not a format (x d u o t c)", format);
        return -1;
    }
    if (strcmp(expression, "$") == 0) {
        snprintf(err, err_size, "'$' names no register (print $NAME, e.g. $pc)");
        return -1;
    }
    /* *NAME, *(...), *&...: a pointer the target dereferences by its type;
     * *NUMBER and *$REGISTER stay the front end's 64-bit words. */
    const char *after = expression + strspn(expression, "*");
    bool target_pointer = expression[0] == '*' && vdb_has(s, VDB_CAP_VARIABLES) &&
                          (isalpha((unsigned char)*after) || *after == '_' || *after == '(' || *after == '&');
    if (vdb_is_integer_expression(expression) && !target_pointer) {
        uint64_t v;
        if (vdb_integer_expression(s, expression, &v, err, err_size) != 0)
            return -1;
        vdb_format_number(v, 8, format, false, out, size);
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
            vdb_format_number(v, 8, format, false, out, size);
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

