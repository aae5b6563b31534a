/*
 * kstring.h -- the C library's memory and string functions that the guest
 * kernel has (kstring.c): the four gcc may call even in freestanding code
 * (memset, memcpy, memmove, memcmp) and the two the command line parser
 * uses.  Declared with their standard names and types, so the parser
 * compiles unchanged on the host against the real C library.
 */
#ifndef KERNEL_KSTRING_H
#define KERNEL_KSTRING_H

#include <stddef.h>

void *memset(void *dest, int byte, size_t count);
void *memcpy(void *restrict dest, const void *restrict src, size_t count);
void *memmove(void *dest, const void *src, size_t count);
int memcmp(const void *a, const void *b, size_t count);
void *memchr(const void *s, int byte, size_t count);
size_t strlen(const char *s);

#endif
