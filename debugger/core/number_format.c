/*
 * number_format.c -- numbers in the formats of print and x, and x's memory
 * dumps (number_format.h).
 */
#include "number_format.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vdb_format_number(uint64_t v, unsigned size, char f, bool padded, char *out, size_t out_size)
{
    unsigned bits = size * 8;
    uint64_t mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    v &= mask;
    switch (f) {
    case 'x':
        if (padded)
            snprintf(out, out_size, "0x%0*" PRIx64, (int)(size * 2), v);
        else
            snprintf(out, out_size, "0x%" PRIx64, v);
        break;
    case 'u': snprintf(out, out_size, "%" PRIu64, v); break;
    case 'o': snprintf(out, out_size, "0%" PRIo64, v); break;
    case 't': {
        size_t n = 0;
        for (unsigned i = bits; i-- > 0 && n + 1 < out_size;)
            if (padded || n || (v >> i & 1) || i == 0)
                out[n++] = (char)('0' + (v >> i & 1));
        out[n] = '\0';
        break;
    }
    case 'c':
        if (v >= 32 && v < 127)
            snprintf(out, out_size, "%" PRIu64 " '%c'", v, (int)v);
        else
            snprintf(out, out_size, "%" PRIu64 " '\\x%02x'", v, (unsigned)(v & 0xFF));
        break;
    default: { /* d, and print's natural form */
        int64_t signed_v = bits == 64 || !(v >> (bits - 1)) ? (int64_t)v : (int64_t)(v | ~mask);
        snprintf(out, out_size, "%" PRId64, signed_v);
        break;
    }
    }
}

char *vdb_format_memory(const char *space, uint64_t address, const uint8_t *bytes, size_t size,
                        const vdb_examine_format *fmt)
{
    unsigned unit = fmt->size ? fmt->size : 8;
    size_t per_line = unit == 8 ? 2 : unit == 4 ? 4 : 8;
    char *text = NULL;
    size_t text_size = 0;
    FILE *out = open_memstream(&text, &text_size);
    if (!out)
        return NULL;
    size_t units = size / unit;
    for (size_t i = 0; i < units; i++) {
        if (i % per_line == 0)
            fprintf(out, "%s%s:0x%" PRIx64 ":", i ? "\n" : "", space, address + i * unit);
        uint64_t v = 0;
        for (unsigned b = unit; b-- > 0;)
            v = v << 8 | bytes[i * unit + b];
        char item[80];
        vdb_format_number(v, unit, fmt->format, true, item, sizeof item);
        fprintf(out, "\t%s", item);
    }
    if (units)
        fputc('\n', out);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
