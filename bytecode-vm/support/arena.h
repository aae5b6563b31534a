/*
 * arena.h -- an arena: many small allocations freed at once.  Every node,
 * list and name of one compilation lives in one arena (front/ast.h), and
 * the lexer's token text is copied into it.
 *
 * Invariants: every block is zeroed and aligned for any scalar type; a
 * block stays valid until bvm_arena_free, which frees every block; a chunk
 * never hands out more than it holds (used <= size).
 */
#ifndef BVM_ARENA_H
#define BVM_ARENA_H

#include <stddef.h>

typedef struct bvm_arena_chunk bvm_arena_chunk;

typedef struct {
    bvm_arena_chunk *chunks;  /* newest first; the newest has the free space */
} bvm_arena;

void bvm_arena_init(bvm_arena *a);
/* n zeroed bytes, aligned for any scalar; never NULL. */
void *bvm_arena_alloc(bvm_arena *a, size_t n);
void *bvm_arena_copy(bvm_arena *a, const void *src, size_t n);
/* NUL-terminated copy of s[0..n). */
char *bvm_arena_strndup(bvm_arena *a, const char *s, size_t n);
void bvm_arena_free(bvm_arena *a);

#endif
