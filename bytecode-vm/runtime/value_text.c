/*
 * value_text.c -- how values become text: str(), print, printf conversions.
 *
 * One function, bvm_value_to_text, decides how every type prints, so print,
 * str(), string concatenation, `%s` and the debugger all agree.  Records
 * print as Name{field: value, ...}; nested records are shown to a depth of
 * BVM_PRINT_RECORD_DEPTH, deeper ones as Name{...}, so cyclic structures
 * print in bounded depth.  Size is bounded separately: a record holding a
 * large array of references to itself would otherwise print in cubic size,
 * so every caller gives a byte budget and learns whether the text fit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "printf_spec.h"
#include "value_text.h"
#include "vm_state.h"

#define BVM_PRINT_RECORD_DEPTH 3

void bvm_float_to_text(double f, bvm_buf *out)
{
    if (isnan(f)) {
        bvm_buf_put(out, "nan", 3);
        return;
    }
    if (isinf(f)) {
        bvm_buf_put(out, f < 0 ? "-inf" : "inf", f < 0 ? 4 : 3);
        return;
    }
    /* The fewest significant digits that read back as the same double;
     * then fixed notation for decimal exponents -4..15 (100.0, 0.001),
     * scientific beyond (1e+100, 1e-05), as Python and JavaScript do. */
    char text[400];
    int digits = 1;
    for (; digits < 17; digits++) {
        snprintf(text, sizeof text, "%.*e", digits - 1, f);
        if (strtod(text, NULL) == f)
            break;
    }
    snprintf(text, sizeof text, "%.*e", digits - 1, f);
    int exponent = atoi(strchr(text, 'e') + 1);
    if (exponent >= -4 && exponent < 16) {
        int decimals = digits - 1 - exponent;
        snprintf(text, sizeof text, "%.*f", decimals > 0 ? decimals : 0, f);
    }
    bvm_buf_put(out, text, strlen(text));
    if (!strpbrk(text, ".e"))
        bvm_buf_put(out, ".0", 2); /* a float always looks like one */
}

/* Appends to out; false as soon as out holds more than max_len bytes. */
static bool to_text(const bvm_vm *vm, uint16_t type, bvm_value v, bvm_buf *out, int record_depth, size_t max_len)
{
    const bvm_module *m = vm->module;
    if (type == BVM_VT_NULL) {
        bvm_buf_put(out, "null", 4);
        return out->len <= max_len;
    }
    const bvm_type *t = &m->types[type];
    switch ((bvm_type_kind)t->kind) {
    case BVM_TK_INT:
        bvm_buf_printf(out, "%lld", (long long)v.i);
        return out->len <= max_len;
    case BVM_TK_FLOAT:
        bvm_float_to_text(v.f, out);
        return out->len <= max_len;
    case BVM_TK_BOOL:
        bvm_buf_put(out, v.i ? "true" : "false", v.i ? 4 : 5);
        return out->len <= max_len;
    case BVM_TK_VOID:
        return true;
    case BVM_TK_STRING:
    case BVM_TK_ARRAY:
    case BVM_TK_RECORD:
        break;
    }
    if (!v.ref) {
        bvm_buf_put(out, "null", 4);
        return out->len <= max_len;
    }
    if (t->kind == BVM_TK_STRING) {
        bvm_string *s = BVM_AS_STRING(v.ref);
        if (out->len > max_len || (size_t)s->length > max_len - out->len)
            return false;
        bvm_buf_put(out, s->chars, (size_t)s->length);
    } else if (t->kind == BVM_TK_ARRAY) {
        bvm_array *a = BVM_AS_ARRAY(v.ref);
        bvm_buf_u8(out, '[');
        for (int64_t i = 0; i < a->length; i++) {
            if (i)
                bvm_buf_put(out, ", ", 2);
            if (!to_text(vm, t->arg, a->items[i], out, record_depth, max_len))
                return false;
        }
        bvm_buf_u8(out, ']');
    } else {
        const bvm_record *r = &m->records[t->arg];
        bvm_buf_put(out, r->name, strlen(r->name));
        if (record_depth >= BVM_PRINT_RECORD_DEPTH) {
            bvm_buf_put(out, "{...}", 5);
            return out->len <= max_len;
        }
        bvm_buf_u8(out, '{');
        bvm_record_obj *rec = BVM_AS_RECORD(v.ref);
        for (uint16_t i = 0; i < r->nfields; i++) {
            if (i)
                bvm_buf_put(out, ", ", 2);
            bvm_buf_printf(out, "%s: ", r->fields[i].name);
            if (!to_text(vm, r->fields[i].type, rec->fields[i], out, record_depth + 1, max_len))
                return false;
        }
        bvm_buf_u8(out, '}');
    }
    return out->len <= max_len;
}

bool bvm_value_to_text(const bvm_vm *vm, uint16_t type, bvm_value v, bvm_buf *out, size_t max_len)
{
    size_t start = out->len;
    return to_text(vm, type, v, out, 0, start + max_len);
}

/* ---- printf conversions --------------------------------------------------- */

/* Pad `text` to the spec's width (left-justified with '-'). */
static void pad(bvm_buf *out, const char *text, size_t len, int width, bool left)
{
    size_t fill = width > 0 && (size_t)width > len ? (size_t)width - len : 0;
    if (!left)
        for (size_t i = 0; i < fill; i++)
            bvm_buf_u8(out, ' ');
    bvm_buf_put(out, text, len);
    if (left)
        for (size_t i = 0; i < fill; i++)
            bvm_buf_u8(out, ' ');
}

void bvm_format_spec(const bvm_string *spec, bvm_value v, bvm_buf *out)
{
    bvm_printf_spec parsed;
    bvm_spec_status status = bvm_printf_parse(spec->chars, (size_t)spec->length, &parsed);
    BVM_ASSERT(status == BVM_SPEC_OK); /* the verifier accepted it */
    (void)status;
    const char *flags = parsed.flags;
    int width = parsed.width, prec = parsed.precision;
    char conv = parsed.conversion;
    bool left = strchr(flags, '-') != NULL;
    char fmt[48];

    switch (conv) {
    case 'd': case 'i': case 'x': case 'X': case 'o': {
        if (prec >= 0)
            snprintf(fmt, sizeof fmt, "%%%s%d.%dll%c", flags, width, prec, conv);
        else
            snprintf(fmt, sizeof fmt, "%%%s%dll%c", flags, width, conv);
        char *s = bvm_format(fmt, (long long)v.i);
        bvm_buf_put(out, s, strlen(s));
        free(s);
        return;
    }
    case 'f': case 'e': case 'g': case 'E': case 'G': {
        if (prec >= 0)
            snprintf(fmt, sizeof fmt, "%%%s%d.%d%c", flags, width, prec, conv);
        else
            snprintf(fmt, sizeof fmt, "%%%s%d%c", flags, width, conv);
        char *s = bvm_format(fmt, v.f);
        bvm_buf_put(out, s, strlen(s));
        free(s);
        return;
    }
    case 'c': {
        char byte = (char)(unsigned char)v.i;
        pad(out, &byte, 1, width, left);
        return;
    }
    case 'b': {
        const char *b = v.i ? "true" : "false";
        size_t n = strlen(b);
        if (prec >= 0 && (size_t)prec < n)
            n = (size_t)prec;
        pad(out, b, n, width, left);
        return;
    }
    case 's': {
        if (!v.ref) {
            pad(out, "null", prec >= 0 && prec < 4 ? (size_t)prec : 4, width, left);
            return;
        }
        const bvm_string *s = BVM_AS_STRING(v.ref);
        size_t n = (size_t)s->length;
        if (prec >= 0 && (size_t)prec < n)
            n = (size_t)prec;
        pad(out, s->chars, n, width, left);
        return;
    }
    default:
        /* unreachable for verified code */
        return;
    }
}
