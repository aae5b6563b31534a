/*
 * symbol_map.c -- the System.map text format (symbol_map.h).
 */
#include "symbol_map.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

int symbol_map_parse_line(const char *line, size_t length, symbol_map_entry *out, char *why, size_t why_size)
{
    size_t i = 0;
    while (i < length && (blank(line[i]) || line[i] == '\r'))
        i++;
    if (i == length)
        return 0;
    i = 0;
    *out = (symbol_map_entry){ 0 };
    size_t digits = 0;
    while (i < length && isxdigit((unsigned char)line[i])) {
        char c = line[i++];
        out->address = out->address << 4 | (uint64_t)(isdigit((unsigned char)c) ? c - '0' : tolower(c) - 'a' + 10);
        digits++;
    }
    if (digits == 0 || digits > 16 || i == length || !blank(line[i])) {
        snprintf(why, why_size, digits > 16 ? "the address has more than 16 hex digits"
                                            : "expected ADDRESS TYPE NAME (a hex address, then a blank)");
        return -1;
    }
    while (i < length && blank(line[i]))
        i++;
    if (i == length || !isalpha((unsigned char)line[i]) || (i + 1 < length && !blank(line[i + 1])) ||
        i + 1 == length) {
        snprintf(why, why_size, "expected ADDRESS TYPE NAME (the type is one letter, as nm prints it: T, t, D, ...)");
        return -1;
    }
    out->type = line[i++];
    while (i < length && blank(line[i]))
        i++;
    size_t start = i;
    while (i < length && !blank(line[i]) && line[i] != '\r')
        i++;
    if (i == start) {
        snprintf(why, why_size, "expected ADDRESS TYPE NAME (no name after the type)");
        return -1;
    }
    out->name = line + start;
    out->name_length = i - start;
    while (i < length && blank(line[i]))
        i++;
    if (i < length && line[i] == '[') {
        size_t open = ++i;
        while (i < length && line[i] != ']' && !blank(line[i]))
            i++;
        if (i == length || line[i] != ']' || i == open) {
            snprintf(why, why_size, "a module's name goes in brackets after the symbol: NAME\t[MODULE]");
            return -1;
        }
        out->module = line + open;
        out->module_length = i - open;
        i++;
        while (i < length && blank(line[i]))
            i++;
    }
    if (i < length && line[i] == '\r')
        i++;
    if (i != length) {
        snprintf(why, why_size, "unexpected text after the name: '%.*s'", (int)(length - i > 40 ? 40 : length - i),
                 line + i);
        return -1;
    }
    return 1;
}

bool symbol_map_detect(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char start[64];
    size_t got = fread(start, 1, sizeof start, f);
    fclose(f);
    size_t i = 0;
    while (i < got && (blank(start[i]) || start[i] == '\n' || start[i] == '\r'))
        i++;
    size_t digits = 0;
    while (i < got && isxdigit((unsigned char)start[i])) {
        i++;
        digits++;
    }
    /* Text that starts as a System.map line does: its other lines, the
     * parser judges (and names the first bad one). */
    return digits > 0 && i < got && blank(start[i]) && !memchr(start, '\0', got);
}

long symbol_map_parse(const char *path, const char *text, size_t size,
                      bool (*visit)(void *context, const symbol_map_entry *entry), void *context,
                      char *err, size_t err_size)
{
    long count = 0;
    size_t line_number = 0;
    for (size_t at = 0; at < size;) {
        const char *end = memchr(text + at, '\n', size - at);
        size_t length = end ? (size_t)(end - (text + at)) : size - at;
        line_number++;
        symbol_map_entry entry;
        char why[160];
        if (memchr(text + at, '\0', length)) {
            snprintf(err, err_size, "%s:%zu: a NUL byte: this is no System.map text", path, line_number);
            return -1;
        }
        int parsed = symbol_map_parse_line(text + at, length, &entry, why, sizeof why);
        if (parsed < 0) {
            snprintf(err, err_size, "%s:%zu: %s", path, line_number, why);
            return -1;
        }
        if (parsed == 1) {
            if (!visit(context, &entry)) {
                snprintf(err, err_size, "out of memory reading %s", path);
                return -1;
            }
            count++;
        }
        at += length + 1;
    }
    return count;
}
