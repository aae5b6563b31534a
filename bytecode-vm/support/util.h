/*
 * util.h -- small helpers shared by every libbvm module: checked allocation,
 * growable byte buffers, formatted strings, whole-file reading.
 *
 * Allocation failure of the *host* process (malloc returning NULL for the
 * compiler's or loader's own data) is not a condition a program can recover
 * from; bvm_xmalloc and friends abort with a message in that case.  The
 * managed heap of a running program is different: its exhaustion is the
 * catchable "out of memory" exception (heap.c), never an abort.
 */
#ifndef BVM_UTIL_H
#define BVM_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *bvm_xmalloc(size_t n);
void *bvm_xcalloc(size_t count, size_t size);
void *bvm_xrealloc(void *p, size_t n);
char *bvm_xstrdup(const char *s);
char *bvm_xstrndup(const char *s, size_t n);

/* Bytes with a length (a string literal may contain NUL). */
typedef struct {
    const char *chars;  /* NUL-terminated as well */
    uint32_t len;
} bvm_bytes;

/* malloc'd printf. */
char *bvm_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *bvm_vformat(const char *fmt, va_list ap);

/* Makes room for one more element in a growable array of `count` elements
 * with capacity `cap` (an integer lvalue the macro updates): the capacity
 * doubles, from 8, when the array is full.  The one growth rule of libbvm's
 * arrays; bvm_buf below grows the same way. */
#define BVM_GROW(array, count, cap)                                                  \
    do {                                                                             \
        if ((size_t)(count) >= (size_t)(cap)) {                                      \
            (cap) = (cap) ? (cap) * 2 : 8;                                           \
            (array) = bvm_xrealloc((array), (size_t)(cap) * sizeof *(array));        \
        }                                                                            \
    } while (0)

/* BVM_GROW, then store value as element count (which it increments). */
#define BVM_PUSH(array, count, cap, value)                                           \
    do {                                                                             \
        BVM_GROW(array, count, cap);                                                 \
        (array)[(count)++] = (value);                                                \
    } while (0)

/* A growable byte buffer.  data may be NULL while len == 0. */
typedef struct {
    uint8_t *data;
    size_t len, cap;
} bvm_buf;

void bvm_buf_reserve(bvm_buf *b, size_t extra);
void bvm_buf_put(bvm_buf *b, const void *bytes, size_t n);
void bvm_buf_u8(bvm_buf *b, uint8_t v);
void bvm_buf_u16(bvm_buf *b, uint16_t v);
void bvm_buf_u32(bvm_buf *b, uint32_t v);
void bvm_buf_u64(bvm_buf *b, uint64_t v);
void bvm_buf_printf(bvm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bvm_buf_free(bvm_buf *b);

/* Read a whole file.  Returns false and sets *why (static text, e.g. from
 * strerror) on failure.  The result is NUL-terminated for convenience. */
bool bvm_read_file(const char *path, uint8_t **data, size_t *len, const char **why);

/* Parse a size such as "64", "512K", "16M", "1G" (powers of 1024).
 * Returns false on junk, zero or overflow. */
bool bvm_parse_size(const char *text, uint64_t *out);

/* Monotonic clock in nanoseconds. */
uint64_t bvm_now_ns(void);

#endif
