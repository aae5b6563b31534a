/*
 * util.c -- see util.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void out_of_host_memory(size_t n)
{
    fprintf(stderr, "bvm: out of host memory allocating %zu bytes\n", n);
    abort();
}

void *bvm_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_host_memory(n);
    return p;
}

void *bvm_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_host_memory(count * size);
    return p;
}

void *bvm_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_host_memory(n);
    return q;
}

char *bvm_xstrdup(const char *s) { return bvm_xstrndup(s, strlen(s)); }

char *bvm_xstrndup(const char *s, size_t n)
{
    char *p = bvm_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *bvm_vformat(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return bvm_xstrdup("(format error)");
    char *s = bvm_xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *bvm_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = bvm_vformat(fmt, ap);
    va_end(ap);
    return s;
}

void bvm_buf_reserve(bvm_buf *b, size_t extra)
{
    if (b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra)
        cap *= 2;
    b->data = bvm_xrealloc(b->data, cap);
    b->cap = cap;
}

void bvm_buf_put(bvm_buf *b, const void *bytes, size_t n)
{
    if (n == 0)
        return;
    bvm_buf_reserve(b, n);
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

void bvm_buf_u8(bvm_buf *b, uint8_t v) { bvm_buf_put(b, &v, 1); }

void bvm_buf_u16(bvm_buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    bvm_buf_put(b, x, 2);
}

void bvm_buf_u32(bvm_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    bvm_buf_put(b, x, 4);
}

void bvm_buf_u64(bvm_buf *b, uint64_t v)
{
    bvm_buf_u32(b, (uint32_t)v);
    bvm_buf_u32(b, (uint32_t)(v >> 32));
}

void bvm_buf_printf(bvm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = bvm_vformat(fmt, ap);
    va_end(ap);
    bvm_buf_put(b, s, strlen(s));
    free(s);
}

void bvm_buf_free(bvm_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

bool bvm_read_file(const char *path, uint8_t **data, size_t *len, const char **why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *why = strerror(errno);
        return false;
    }
    bvm_buf b = {0};
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        bvm_buf_put(&b, chunk, n);
    if (ferror(f)) {
        *why = strerror(errno ? errno : EIO);
        fclose(f);
        bvm_buf_free(&b);
        return false;
    }
    fclose(f);
    bvm_buf_u8(&b, 0); /* NUL terminator, not counted */
    *data = b.data;
    *len = b.len - 1;
    return true;
}

bool bvm_parse_size(const char *text, uint64_t *out)
{
    if (!text || !*text)
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || text[0] == '-')
        return false;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return false;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0' || v == 0 || v > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

uint64_t bvm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
