/* core/tok/hashmap.h: the two hash tables of the tokenizer: byte strings -> int32 (vocabulary,
 * word cache) and 64-bit pair keys -> 64-bit values (merges). Open addressing with linear probing;
 * keys are copied into the table's own arena. Not thread-safe; the owner locks. */
#ifndef RGTG_CORE_TOK_HASHMAP_H
#define RGTG_CORE_TOK_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t hash;
    uint32_t offset, length; /* key bytes in the arena */
    int32_t value;
} tok_strmap_entry_t;

typedef struct {
    uint64_t *slots; /* (high 32 bits of the hash << 32) | (entry index + 1); 0: empty */
    size_t slot_mask;
    tok_strmap_entry_t *entries;
    size_t count, entry_capacity;
    char *arena;
    size_t arena_length, arena_capacity;
} tok_strmap_t;

uint64_t tok_hash_bytes(const void *data, size_t n);

/* A map sized for about `expected` keys (it grows as needed). */
bool tok_strmap_init(tok_strmap_t *map, size_t expected);
void tok_strmap_free(tok_strmap_t *map);
/* Removes every key, keeping the memory. */
void tok_strmap_clear(tok_strmap_t *map);
/* The value of key, or false when absent. */
bool tok_strmap_get(const tok_strmap_t *map, const void *key, size_t length, int32_t *value);
bool tok_strmap_get_hashed(const tok_strmap_t *map, const void *key, size_t length, uint64_t hash, int32_t *value);
/* Inserts key -> value; when the key is present keeps the old value and sets *existed. False: no memory. */
bool tok_strmap_put(tok_strmap_t *map, const void *key, size_t length, int32_t value, bool *existed);
bool tok_strmap_put_hashed(tok_strmap_t *map, const void *key, size_t length, uint64_t hash, int32_t value,
                           bool *existed);

typedef struct {
    uint64_t *keys; /* TOK_PAIRMAP_EMPTY where free */
    uint64_t *values;
    size_t mask, count;
} tok_pairmap_t;

#define TOK_PAIRMAP_EMPTY UINT64_MAX

bool tok_pairmap_init(tok_pairmap_t *map, size_t expected);
void tok_pairmap_free(tok_pairmap_t *map);
bool tok_pairmap_get(const tok_pairmap_t *map, uint64_t key, uint64_t *value);
/* Sets key (never TOK_PAIRMAP_EMPTY) -> value; *existed tells whether key was there. False: no memory. */
bool tok_pairmap_put(tok_pairmap_t *map, uint64_t key, uint64_t value, bool *existed);

#endif
