/*
 * kstring.c -- memset, memcpy, memmove, memcmp, memchr and strlen for the
 * guest kernel (see kstring.h).
 *
 * The copies and fills are `rep movsb` / `rep stosb`: short, fast on every
 * x86-64 with ERMS, and -- unlike a plain C loop -- never recognized by gcc
 * as a memset or memcpy loop and compiled into a call to itself.
 */
#include <stdint.h>

#include "kstring.h"

void *memset(void *dest, int byte, size_t count)
{
    void *d = dest;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(count) : "a"(byte) : "memory");
    return dest;
}

void *memcpy(void *restrict dest, const void *restrict src, size_t count)
{
    void *d = dest;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(count) : : "memory");
    return dest;
}

void *memmove(void *dest, const void *src, size_t count)
{
    if ((uintptr_t)dest <= (uintptr_t)src || (uintptr_t)dest >= (uintptr_t)src + count)
        return memcpy(dest, src, count); /* a forward copy is safe */
    /* dest overlaps the end of src: copy backwards, from the last byte. */
    void *d = (char *)dest + count - 1;
    const void *s = (const char *)src + count - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(count) : : "memory");
    return dest;
}

int memcmp(const void *a, const void *b, size_t count)
{
    const unsigned char *p = a, *q = b;
    for (size_t i = 0; i < count; i++)
        if (p[i] != q[i])
            return p[i] < q[i] ? -1 : 1;
    return 0;
}

void *memchr(const void *s, int byte, size_t count)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < count; i++)
        if (p[i] == (unsigned char)byte)
            return (void *)(p + i);
    return NULL;
}

size_t strlen(const char *s)
{
    size_t len = 0;
    while (s[len] != '\0')
        len++;
    return len;
}
