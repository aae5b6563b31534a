/*
 * kprintf.c -- the guest kernel's printf engine (see kprintf.h).
 *
 * One pass over the format string.  Each conversion is parsed into a small
 * spec (flags, width, precision, length), its argument is fetched at the
 * width the length modifier names, and the text is emitted by one of two
 * printers: emit_number for integers (sign, digits, zero or space padding)
 * and emit_text for strings and characters.  Digits are produced into a
 * local buffer backwards, the usual way, since 2^64 has at most 20 decimal
 * digits there is no allocation and no recursion.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kprintf.h"

/* Counts the characters as it forwards them to the caller's sink. */
struct output {
    format_sink sink;
    void *context;
    int count;
};

static void put(struct output *out, char c)
{
    out->sink(out->context, c);
    out->count++;
}

static void put_repeated(struct output *out, char c, int times)
{
    for (int i = 0; i < times; i++)
        put(out, c);
}

enum length { LENGTH_INT, LENGTH_LONG, LENGTH_LONG_LONG, LENGTH_SIZE };

struct spec {
    bool left_justify;  /* '-': pad on the right */
    bool zero_pad;      /* '0': pad numbers with zeros after the sign */
    int width;          /* minimum field width, 0 if none */
    int precision;      /* %s: the most bytes to print, -1 if none */
    enum length length;
};

static void emit_padded(struct output *out, const struct spec *spec, int len,
                        const char *prefix, int prefix_len, const char *body)
{
    int padding = spec->width > prefix_len + len ? spec->width - prefix_len - len : 0;
    if (!spec->left_justify && !spec->zero_pad)
        put_repeated(out, ' ', padding);
    for (int i = 0; i < prefix_len; i++)
        put(out, prefix[i]);
    if (!spec->left_justify && spec->zero_pad)
        put_repeated(out, '0', padding);
    for (int i = 0; i < len; i++)
        put(out, body[i]);
    if (spec->left_justify)
        put_repeated(out, ' ', padding);
}

/* An integer: magnitude in the given base, a '-' if negative, a "0x" if
 * asked for (%p). */
static void emit_number(struct output *out, const struct spec *spec, uint64_t magnitude,
                        bool negative, unsigned base, bool uppercase, bool hex_prefix)
{
    const char *digits = uppercase ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int pos = sizeof buf;
    do {
        buf[--pos] = digits[magnitude % base];
        magnitude /= base;
    } while (magnitude != 0);

    const char *prefix = negative ? "-" : hex_prefix ? "0x" : "";
    int prefix_len = negative ? 1 : hex_prefix ? 2 : 0;
    emit_padded(out, spec, (int)sizeof buf - pos, prefix, prefix_len, buf + pos);
}

static void emit_text(struct output *out, struct spec *spec, const char *text)
{
    if (text == NULL)
        text = "(null)";
    int len = 0;
    while (text[len] != '\0' && (spec->precision < 0 || len < spec->precision))
        len++;
    spec->zero_pad = false; /* zeros pad numbers only */
    emit_padded(out, spec, len, "", 0, text);
}

static int64_t fetch_signed(va_list *args, enum length length)
{
    switch (length) {
    case LENGTH_LONG: return va_arg(*args, long);
    case LENGTH_LONG_LONG: return va_arg(*args, long long);
    case LENGTH_SIZE: return (int64_t)va_arg(*args, size_t);
    default: return va_arg(*args, int);
    }
}

static uint64_t fetch_unsigned(va_list *args, enum length length)
{
    switch (length) {
    case LENGTH_LONG: return va_arg(*args, unsigned long);
    case LENGTH_LONG_LONG: return va_arg(*args, unsigned long long);
    case LENGTH_SIZE: return va_arg(*args, size_t);
    default: return va_arg(*args, unsigned int);
    }
}

/* Reads the part of a conversion between '%' and its letter into spec;
 * returns a pointer to the letter. */
static const char *parse_spec(const char *p, va_list *args, struct spec *spec)
{
    *spec = (struct spec){ .precision = -1, .length = LENGTH_INT };
    for (;; p++) {
        if (*p == '-')
            spec->left_justify = true;
        else if (*p == '0')
            spec->zero_pad = true;
        else
            break;
    }
    if (*p == '*') {
        spec->width = va_arg(*args, int);
        if (spec->width < 0) {
            spec->left_justify = true;
            spec->width = -spec->width;
        }
        p++;
    } else {
        while (*p >= '0' && *p <= '9')
            spec->width = spec->width * 10 + (*p++ - '0');
    }
    if (*p == '.') {
        p++;
        spec->precision = 0;
        if (*p == '*') {
            spec->precision = va_arg(*args, int);
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                spec->precision = spec->precision * 10 + (*p++ - '0');
        }
    }
    for (;; p++) {
        if (*p == 'l')
            spec->length = spec->length == LENGTH_LONG ? LENGTH_LONG_LONG : LENGTH_LONG;
        else if (*p == 'z')
            spec->length = LENGTH_SIZE;
        else if (*p != 'h') /* short and char arrive promoted to int anyway */
            break;
    }
    return p;
}

int format_v(format_sink sink, void *context, const char *fmt, va_list args)
{
    struct output out = { sink, context, 0 };
    va_list ap;
    va_copy(ap, args); /* so that helpers can take a pointer to it */

    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            put(&out, *p);
            continue;
        }
        const char *start = p;
        struct spec spec;
        p = parse_spec(p + 1, &ap, &spec);
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t value = fetch_signed(&ap, spec.length);
            /* negate as unsigned: -INT64_MIN does not fit in int64_t */
            uint64_t magnitude = value < 0 ? -(uint64_t)value : (uint64_t)value;
            emit_number(&out, &spec, magnitude, value < 0, 10, false, false);
            break;
        }
        case 'u':
            emit_number(&out, &spec, fetch_unsigned(&ap, spec.length), false, 10, false, false);
            break;
        case 'x':
        case 'X':
            emit_number(&out, &spec, fetch_unsigned(&ap, spec.length), false, 16, *p == 'X', false);
            break;
        case 'p':
            emit_number(&out, &spec, (uintptr_t)va_arg(ap, void *), false, 16, false, true);
            break;
        case 's':
            emit_text(&out, &spec, va_arg(ap, const char *));
            break;
        case 'c': {
            char c = (char)va_arg(ap, int); /* even '\0' is printed */
            spec.zero_pad = false;
            emit_padded(&out, &spec, 1, "", 0, &c);
            break;
        }
        case '%':
            put(&out, '%');
            break;
        default: /* unknown, or the format ended inside a conversion */
            for (const char *q = start; q < p; q++)
                put(&out, *q);
            if (*p == '\0')
                p--; /* let the loop see the end */
            else
                put(&out, *p);
            break;
        }
    }
    va_end(ap);
    return out.count;
}

/* A sink that fills a buffer and drops what does not fit. */
struct buffer_sink {
    char *buf;
    size_t size;
    size_t len;
};

static void buffer_put(void *context, char c)
{
    struct buffer_sink *b = context;
    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

int format_buffer(char *buf, size_t size, const char *fmt, ...)
{
    struct buffer_sink b = { buf, size, 0 };
    va_list args;
    va_start(args, fmt);
    int count = format_v(buffer_put, &b, fmt, args);
    va_end(args);
    if (size > 0)
        buf[b.len < size ? b.len : size - 1] = '\0';
    return count;
}
