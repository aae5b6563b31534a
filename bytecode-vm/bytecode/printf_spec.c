/*
 * printf_spec.c -- parsing one printf conversion spec (printf_spec.h).
 */
#include <stdbool.h>
#include <string.h>

#include "bvm_assert.h"
#include "module.h"
#include "printf_spec.h"

static bool is_flag(char c) { return c != '\0' && strchr(BVM_PRINTF_FLAGS, c) != NULL; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

bvm_spec_status bvm_printf_parse(const char *text, size_t len, bvm_printf_spec *spec)
{
    BVM_ASSERT(len >= 1 && text[0] == '%');
    *spec = (bvm_printf_spec){.precision = -1};
    size_t j = 1, nflags = 0;
    for (; j < len && is_flag(text[j]); j++) {
        if (memchr(spec->flags, text[j], nflags)) {
            if (!spec->bad)
                spec->bad = text[j];
        } else {
            spec->flags[nflags++] = text[j];
        }
    }
    if (spec->bad) {
        spec->length = (uint32_t)j;
        return BVM_SPEC_REPEATED_FLAG;
    }
    for (int field = 0; field < 2; field++) { /* the width, then the precision */
        if (field == 1) {
            if (j >= len || text[j] != '.')
                break;
            j++;
        }
        size_t start = j;
        int value = 0;
        for (; j < len && is_digit(text[j]); j++)
            if (value <= BVM_PRINTF_MAX_FIELD)
                value = value * 10 + (text[j] - '0');
        if (value > BVM_PRINTF_MAX_FIELD) {
            spec->field_at = (uint32_t)start;
            spec->length = (uint32_t)j;
            return field ? BVM_SPEC_PRECISION_TOO_LARGE : BVM_SPEC_WIDTH_TOO_LARGE;
        }
        if (field)
            spec->precision = value;
        else
            spec->width = value;
    }
    spec->length = (uint32_t)j;
    if (j >= len)
        return BVM_SPEC_UNFINISHED;
    char c = text[j];
    if (c == '\0' || !strchr("dixXocfeEgGsb", c)) {
        spec->bad = c;
        return BVM_SPEC_UNKNOWN_CONVERSION;
    }
    spec->conversion = c;
    spec->length = (uint32_t)j + 1;
    return BVM_SPEC_OK;
}

uint16_t bvm_printf_conversion_type(char conversion)
{
    switch (conversion) {
    case 'f': case 'e': case 'E': case 'g': case 'G': return BVM_TYPE_FLOAT;
    case 'b': return BVM_TYPE_BOOL;
    case 's': return BVM_TYPE_STRING;
    default: return BVM_TYPE_INT; /* d i x X o c */
    }
}
