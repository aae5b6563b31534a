/*
 * hashmap.c -- the hash map (hashmap.h): open addressing, linear probing.
 */
#include <stdlib.h>
#include <string.h>

#include "bvm_assert.h"
#include "hashmap.h"
#include "util.h"

uint32_t bvm_hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

static uint32_t hash_key(uint32_t scope, const void *key, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a over the scope's four bytes, then the key */
    for (int i = 0; i < 4; i++) {
        h ^= (scope >> (8 * i)) & 0xFF;
        h *= 16777619u;
    }
    const unsigned char *p = key;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

/* The slot holding (scope, key), or the empty slot where it would go. */
static bvm_map_entry *find_slot(const bvm_map *map, uint32_t scope, const void *key, size_t len, uint32_t hash)
{
    BVM_ASSERT(map->cap != 0 && (map->cap & (map->cap - 1)) == 0 && map->count * 2 <= map->cap);
    uint32_t mask = map->cap - 1;
    for (uint32_t i = hash & mask;; i = (i + 1) & mask) {
        bvm_map_entry *e = &map->slots[i];
        if (!e->key || (e->hash == hash && e->scope == scope && e->len == len && memcmp(e->key, key, len) == 0))
            return e;
    }
}

/* The slot for (scope, key), making room for a new entry first. */
static bvm_map_entry *slot_for_insert(bvm_map *map, uint32_t scope, const void *key, size_t len, uint32_t hash)
{
    if ((map->count + 1) * 2 > map->cap) {
        bvm_map bigger = {.cap = map->cap ? map->cap * 2 : 16, .count = map->count};
        bigger.slots = bvm_xcalloc(bigger.cap, sizeof *bigger.slots);
        for (uint32_t i = 0; i < map->cap; i++) {
            const bvm_map_entry *e = &map->slots[i];
            if (e->key)
                *find_slot(&bigger, e->scope, e->key, e->len, e->hash) = *e;
        }
        free(map->slots);
        *map = bigger;
    }
    return find_slot(map, scope, key, len, hash);
}

static void fill(bvm_map *map, bvm_map_entry *e, uint32_t scope, const void *key, size_t len, uint32_t hash)
{
    *e = (bvm_map_entry){
        .key = bvm_xstrndup(key, len), .len = (uint32_t)len, .scope = scope, .hash = hash};
    map->count++;
}

bool bvm_map_add(bvm_map *map, uint32_t scope, const void *key, size_t len, uint32_t value)
{
    key = len ? key : ""; /* an empty key may come as NULL */
    uint32_t hash = hash_key(scope, key, len);
    bvm_map_entry *e = slot_for_insert(map, scope, key, len, hash);
    if (e->key)
        return false;
    fill(map, e, scope, key, len, hash);
    e->value = value;
    return true;
}

void bvm_map_set(bvm_map *map, uint32_t scope, const void *key, size_t len, uint32_t value)
{
    key = len ? key : "";
    uint32_t hash = hash_key(scope, key, len);
    bvm_map_entry *e = slot_for_insert(map, scope, key, len, hash);
    if (!e->key)
        fill(map, e, scope, key, len, hash);
    e->value = value;
}

bool bvm_map_get(const bvm_map *map, uint32_t scope, const void *key, size_t len, uint32_t *value)
{
    if (map->cap == 0)
        return false;
    key = len ? key : "";
    const bvm_map_entry *e = find_slot(map, scope, key, len, hash_key(scope, key, len));
    if (!e->key)
        return false;
    *value = e->value;
    return true;
}

void bvm_map_free(bvm_map *map)
{
    for (uint32_t i = 0; i < map->cap; i++)
        free(map->slots[i].key);
    free(map->slots);
    *map = (bvm_map){0};
}
