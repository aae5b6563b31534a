/*
 * hashmap.h -- the hash map of libbvm: from a key (a byte string within a
 * numeric scope) to a 32-bit value.  The assembler's symbol tables, the
 * type checker's names, and the module's indexes of its types and
 * constants (interning, module.c) are all this map.
 *
 * Scopes let one map hold, say, the fields of every record (scope = record
 * index) or types keyed by (kind, argument) with an empty byte string.
 * Open addressing with linear probing, FNV-1a over the scope and the key.
 *
 * Invariants: cap is 0 or a power of two; count * 2 <= cap (at most half
 * full, so a probe always ends at an empty slot); the map owns a copy of
 * every key (the caller's bytes need not outlive the call).
 */
#ifndef BVM_HASHMAP_H
#define BVM_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *key;        /* the map's own NUL-terminated copy; NULL: an empty slot */
    uint32_t len;
    uint32_t scope;
    uint32_t hash;
    uint32_t value;
} bvm_map_entry;

typedef struct {
    bvm_map_entry *slots;
    uint32_t cap;     /* a power of two, or 0 (nothing allocated yet) */
    uint32_t count;
} bvm_map;

/* FNV-1a over len bytes. */
uint32_t bvm_hash_bytes(const void *data, size_t len);

/* Store value under (scope, key) unless the key is present already:
 * the FIRST value stored stays.  Returns true if it was stored. */
bool bvm_map_add(bvm_map *map, uint32_t scope, const void *key, size_t len, uint32_t value);
/* Store value under (scope, key), replacing what was there. */
void bvm_map_set(bvm_map *map, uint32_t scope, const void *key, size_t len, uint32_t value);
/* The value under (scope, key): true with *value set, or false. */
bool bvm_map_get(const bvm_map *map, uint32_t scope, const void *key, size_t len, uint32_t *value);
void bvm_map_free(bvm_map *map);

#endif
