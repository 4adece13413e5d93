/* core/tok/hashmap.c: open-addressing hash tables for byte strings and pair keys (see hashmap.h). */
#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t tok_hash_bytes(const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, p, n);
    h = (h ^ v) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    h *= 0x94D049BB133111EBull;
    return h ^ (h >> 32);
}

static size_t slots_for(size_t expected) {
    size_t slots = 16;
    while (slots < expected * 2) slots *= 2; /* load factor at most 1/2 */
    return slots;
}

bool tok_strmap_init(tok_strmap_t *map, size_t expected) {
    memset(map, 0, sizeof *map);
    size_t slots = slots_for(expected);
    map->slots = calloc(slots, sizeof *map->slots);
    map->entry_capacity = expected > 8 ? expected : 8;
    map->entries = malloc(map->entry_capacity * sizeof *map->entries);
    map->arena_capacity = map->entry_capacity * 8;
    map->arena = malloc(map->arena_capacity);
    map->slot_mask = slots - 1;
    if (!map->slots || !map->entries || !map->arena) {
        tok_strmap_free(map);
        return false;
    }
    return true;
}

void tok_strmap_free(tok_strmap_t *map) {
    free(map->slots);
    free(map->entries);
    free(map->arena);
    memset(map, 0, sizeof *map);
}

void tok_strmap_clear(tok_strmap_t *map) {
    memset(map->slots, 0, (map->slot_mask + 1) * sizeof *map->slots);
    map->count = 0;
    map->arena_length = 0;
}

/* A slot holds the hash's high half, so that most probes that miss never touch an entry. */
static inline uint64_t slot_value(uint64_t hash, size_t index) { return (hash & 0xFFFFFFFF00000000ull) | (index + 1); }

bool tok_strmap_get_hashed(const tok_strmap_t *map, const void *key, size_t length, uint64_t hash, int32_t *value) {
    uint64_t tag = hash & 0xFFFFFFFF00000000ull;
    for (size_t slot = hash & map->slot_mask;; slot = (slot + 1) & map->slot_mask) {
        uint64_t s = map->slots[slot];
        if (s == 0) return false;
        if ((s & 0xFFFFFFFF00000000ull) != tag) continue;
        const tok_strmap_entry_t *e = &map->entries[(uint32_t)s - 1];
        if (e->hash == hash && e->length == length && memcmp(map->arena + e->offset, key, length) == 0) {
            *value = e->value;
            return true;
        }
    }
}

bool tok_strmap_get(const tok_strmap_t *map, const void *key, size_t length, int32_t *value) {
    return tok_strmap_get_hashed(map, key, length, tok_hash_bytes(key, length), value);
}

static bool strmap_grow_slots(tok_strmap_t *map) {
    size_t slots = (map->slot_mask + 1) * 2;
    uint64_t *fresh = calloc(slots, sizeof *fresh);
    if (!fresh) return false;
    for (size_t i = 0; i < map->count; i++) {
        size_t slot = map->entries[i].hash & (slots - 1);
        while (fresh[slot]) slot = (slot + 1) & (slots - 1);
        fresh[slot] = slot_value(map->entries[i].hash, i);
    }
    free(map->slots);
    map->slots = fresh;
    map->slot_mask = slots - 1;
    return true;
}

bool tok_strmap_put_hashed(tok_strmap_t *map, const void *key, size_t length, uint64_t hash, int32_t value,
                           bool *existed) {
    int32_t old;
    if (existed) *existed = false;
    if (tok_strmap_get_hashed(map, key, length, hash, &old)) {
        if (existed) *existed = true;
        return true;
    }
    if (length > UINT32_MAX || map->count + 1 >= UINT32_MAX) return false;
    if ((map->count + 1) * 2 > map->slot_mask + 1 && !strmap_grow_slots(map)) return false;
    if (map->count == map->entry_capacity) {
        size_t capacity = map->entry_capacity * 2;
        tok_strmap_entry_t *entries = realloc(map->entries, capacity * sizeof *entries);
        if (!entries) return false;
        map->entries = entries;
        map->entry_capacity = capacity;
    }
    if (map->arena_length + length > map->arena_capacity) {
        size_t capacity = map->arena_capacity * 2;
        while (capacity < map->arena_length + length) capacity *= 2;
        if (capacity > UINT32_MAX) return false;
        char *arena = realloc(map->arena, capacity);
        if (!arena) return false;
        map->arena = arena;
        map->arena_capacity = capacity;
    }
    memcpy(map->arena + map->arena_length, key, length);
    tok_strmap_entry_t *e = &map->entries[map->count];
    e->hash = hash;
    e->offset = (uint32_t)map->arena_length;
    e->length = (uint32_t)length;
    e->value = value;
    map->arena_length += length;
    size_t slot = hash & map->slot_mask;
    while (map->slots[slot]) slot = (slot + 1) & map->slot_mask;
    map->slots[slot] = slot_value(hash, map->count++);
    return true;
}

bool tok_strmap_put(tok_strmap_t *map, const void *key, size_t length, int32_t value, bool *existed) {
    return tok_strmap_put_hashed(map, key, length, tok_hash_bytes(key, length), value, existed);
}

static inline size_t pair_slot(uint64_t key, size_t mask) {
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29)) & mask;
}

bool tok_pairmap_init(tok_pairmap_t *map, size_t expected) {
    size_t slots = slots_for(expected);
    map->keys = malloc(slots * sizeof *map->keys);
    map->values = malloc(slots * sizeof *map->values);
    map->mask = slots - 1;
    map->count = 0;
    if (!map->keys || !map->values) {
        tok_pairmap_free(map);
        return false;
    }
    memset(map->keys, 0xFF, slots * sizeof *map->keys); /* TOK_PAIRMAP_EMPTY */
    return true;
}

void tok_pairmap_free(tok_pairmap_t *map) {
    free(map->keys);
    free(map->values);
    memset(map, 0, sizeof *map);
}

bool tok_pairmap_get(const tok_pairmap_t *map, uint64_t key, uint64_t *value) {
    for (size_t slot = pair_slot(key, map->mask);; slot = (slot + 1) & map->mask) {
        if (map->keys[slot] == key) {
            *value = map->values[slot];
            return true;
        }
        if (map->keys[slot] == TOK_PAIRMAP_EMPTY) return false;
    }
}

static bool pairmap_grow(tok_pairmap_t *map) {
    tok_pairmap_t bigger;
    if (!tok_pairmap_init(&bigger, (map->mask + 1))) return false; /* twice the slots */
    for (size_t i = 0; i <= map->mask; i++)
        if (map->keys[i] != TOK_PAIRMAP_EMPTY) tok_pairmap_put(&bigger, map->keys[i], map->values[i], NULL);
    tok_pairmap_free(map);
    *map = bigger;
    return true;
}

bool tok_pairmap_put(tok_pairmap_t *map, uint64_t key, uint64_t value, bool *existed) {
    if (existed) *existed = false;
    if ((map->count + 1) * 2 > map->mask + 1 && !pairmap_grow(map)) return false;
    size_t slot = pair_slot(key, map->mask);
    for (;; slot = (slot + 1) & map->mask) {
        if (map->keys[slot] == key) {
            if (existed) *existed = true;
            map->values[slot] = value;
            return true;
        }
        if (map->keys[slot] == TOK_PAIRMAP_EMPTY) break;
    }
    map->keys[slot] = key;
    map->values[slot] = value;
    map->count++;
    return true;
}
