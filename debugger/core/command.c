/*
 * command.c -- the line parser over a table of commands (command.h).
 */
#include "command.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab_chars.h"

const vdb_command *vdb_command_find(const vdb_command *commands, size_t ncommands, const char *word, char *err,
                                    size_t err_size)
{
    size_t len = strlen(word);
    for (size_t i = 0; i < ncommands; i++)
        if (strcmp(commands[i].name, word) == 0 || (commands[i].alias && strcmp(commands[i].alias, word) == 0))
            return &commands[i];
    const vdb_command *found = NULL;
    char candidates[160] = "";
    size_t count = 0;
    for (size_t i = 0; i < ncommands && len > 0; i++) {
        if (strncmp(commands[i].name, word, len) != 0)
            continue;
        found = &commands[i];
        size_t used = strlen(candidates);
        snprintf(candidates + used, sizeof candidates - used, "%s%s", count ? ", " : "", found->name);
        count++;
    }
    if (count == 1)
        return found;
    if (count > 1)
        snprintf(err, err_size, "ambiguous command '%s': %s", word, candidates);
    else
        snprintf(err, err_size, "unknown command '%s' (try help)", word);
    return NULL;
}

void vdb_command_usage(const vdb_command *c, char *out, size_t size)
{
    if (c->usage || !c->words) {
        snprintf(out, size, "%s", c->usage ? c->usage : c->name);
        return;
    }
    size_t used = (size_t)snprintf(out, size, "%s ", c->name);
    for (size_t i = 0; c->words[i] && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? "|" : "", c->words[i]);
}

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int vdb_parse_line(const vdb_command *commands, size_t count, const char *line, vdb_parsed *out, char *err,
                   size_t err_size)
{
    const char *p = skip_spaces(line);
    if (*p == '\0' || *p == '\n' || *p == '#')
        return 0;
    /* The command word: letters, digits and '-', up to a space or '/'. */
    char word[32];
    size_t len = 0;
    while (p[len] && p[len] != ' ' && p[len] != '\t' && p[len] != '/' && p[len] != '\n') {
        unsigned char ch = (unsigned char)p[len];
        if (!isalnum(ch) && ch != '-' && ch != '_') {
            snprintf(err, err_size, "'%.*s' is not a command", (int)(len + 1), p);
            return -1;
        }
        if (len + 1 >= sizeof word) {
            snprintf(err, err_size, "unknown command '%.20s...' (try help)", p);
            return -1;
        }
        word[len] = (char)ch;
        len++;
    }
    word[len] = '\0';
    out->command = vdb_command_find(commands, count, word, err, err_size);
    if (!out->command)
        return -1;
    p += len;
    out->suffix[0] = '\0';
    if (*p == '/') {
        p++;
        size_t n = 0;
        while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n')
            n++;
        if (n == 0 || n >= sizeof out->suffix) {
            snprintf(err, err_size, "%s: a bad format after '/'", out->command->name);
            return -1;
        }
        memcpy(out->suffix, p, n);
        out->suffix[n] = '\0';
        p += n;
    }
    p = skip_spaces(p);
    size_t n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    if (n >= sizeof out->args) {
        snprintf(err, err_size, "%s: the arguments are too long (%zu characters, at most %zu)", out->command->name, n,
                 sizeof out->args - 1);
        return -1;
    }
    memcpy(out->args, p, n);
    out->args[n] = '\0';
    return 1;
}

int vdb_parse_examine_format(const char *text, vdb_examine_format *fmt, char *err, size_t err_size)
{
    const char *p = text;
    fmt->count = 1; /* gdb: the count is 1 unless given; format and size stay */
    if (isdigit((unsigned char)*p)) {
        errno = 0;
        char *end;
        unsigned long count = strtoul(p, &end, 10);
        if (errno || count == 0 || count > 4096) {
            snprintf(err, err_size, "x/%s: the count must be 1 to 4096", text);
            return -1;
        }
        fmt->count = (unsigned)count;
        p = end;
    }
    for (; *p; p++) {
        switch (*p) {
        case 'x': case 'd': case 'u': case 'o': case 't': case 'c': case 'i': case 's':
            fmt->format = *p;
            break;
        case 'b': fmt->size = 1; break;
        case 'h': fmt->size = 2; break;
        case 'w': fmt->size = 4; break;
        case 'g': fmt->size = 8; break;
        default:
            snprintf(err, err_size, "x/%s: '%c' is neither a format (x d u o t c i s) nor a size (b h w g)", text, *p);
            return -1;
        }
    }
    if (fmt->format == 'c' || fmt->format == 's')
        fmt->size = 1;
    return 0;
}

bool vdb_parse_number(const char *text, uint64_t *value)
{
    const char *p = text;
    bool negative = *p == '-';
    if (negative)
        p++;
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
        base = 2;
        p += 2;
    } else if (p[0] == '0' && p[1]) {
        base = 8;
        p++;
    }
    if (!*p)
        return false;
    uint64_t v = 0;
    for (; *p; p++) {
        int digit = vmlab_digit_value((unsigned char)*p);
        if (digit < 0 || digit >= base || v > (UINT64_MAX - (uint64_t)digit) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + (uint64_t)digit;
    }
    *value = negative ? (uint64_t)0 - v : v;
    return true;
}

bool vdb_parse_count(const char *text, unsigned *count)
{
    uint64_t v = 1;
    if (text[0] && (!vdb_parse_number(text, &v) || v == 0 || v > 1000000000))
        return false;
    *count = (unsigned)v;
    return true;
}

static void copy_trimmed(const char *start, size_t len, char *out, size_t size)
{
    while (len > 0 && (*start == ' ' || *start == '\t')) {
        start++;
        len--;
    }
    while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(out, start, len);
    out[len] = '\0';
}

int vdb_split_assignment(const char *text, char *name, size_t name_size, char *value, size_t value_size,
                         char *err, size_t err_size)
{
    const char *eq = strchr(text, '=');
    if (!eq) {
        snprintf(err, err_size, "expected NAME = VALUE, got '%s'", text);
        return -1;
    }
    copy_trimmed(text, (size_t)(eq - text), name, name_size);
    copy_trimmed(eq + 1, strlen(eq + 1), value, value_size);
    if (!name[0] || !value[0]) {
        snprintf(err, err_size, "expected NAME = VALUE, got '%s'", text);
        return -1;
    }
    return 0;
}
