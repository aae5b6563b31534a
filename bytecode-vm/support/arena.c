/*
 * arena.c -- the arena allocator (arena.h).
 *
 * The arena hands out memory from large chunks and frees them all at once:
 * a tree of many small nodes costs a few mallocs, and no node needs its own
 * free.  A request larger than a chunk gets a chunk of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "bvm_assert.h"
#include "util.h"

#define ARENA_CHUNK_BYTES (64 * 1024)
#define ARENA_ALIGN 16

struct bvm_arena_chunk {
    bvm_arena_chunk *next;
    size_t used, size;
    _Alignas(ARENA_ALIGN) unsigned char bytes[];
};

void bvm_arena_init(bvm_arena *a) { a->chunks = NULL; }

void *bvm_arena_alloc(bvm_arena *a, size_t n)
{
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    bvm_arena_chunk *c = a->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK_BYTES ? n : ARENA_CHUNK_BYTES;
        c = bvm_xmalloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        /* A big one-off block goes behind the current chunk so the
         * current chunk's free space stays usable. */
        if (n > ARENA_CHUNK_BYTES && a->chunks) {
            c->next = a->chunks->next;
            a->chunks->next = c;
        } else {
            c->next = a->chunks;
            a->chunks = c;
        }
    }
    void *p = c->bytes + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

void *bvm_arena_copy(bvm_arena *a, const void *src, size_t n)
{
    void *p = bvm_arena_alloc(a, n);
    if (n)
        memcpy(p, src, n);
    return p;
}

char *bvm_arena_strndup(bvm_arena *a, const char *s, size_t n)
{
    char *p = bvm_arena_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void bvm_arena_free(bvm_arena *a)
{
    bvm_arena_chunk *c = a->chunks;
    while (c) {
        bvm_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->chunks = NULL;
}

