/* eval/intern.c: open-addressing hash table from byte strings to dense ids (see intern.h). */
#include "intern.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t offset; /* into bytes */
    size_t length;
    uint64_t hash;
} intern_entry_t;

struct rgtg_intern {
    char *bytes; /* every key, back to back */
    size_t bytes_used, bytes_capacity;
    intern_entry_t *entries; /* indexed by id */
    size_t count, entries_capacity;
    uint32_t *slots; /* id + 1, or 0 for an empty slot */
    size_t slot_mask;
};

static uint64_t hash_bytes(const char *bytes, size_t length) {
    uint64_t hash = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < length; i++) {
        hash ^= (unsigned char)bytes[i];
        hash *= 1099511628211ull;
    }
    return hash ^ (hash >> 29);
}

rgtg_intern_t *rgtg_intern_new(void) {
    rgtg_intern_t *table = calloc(1, sizeof *table);
    if (table) table->slots = calloc(64, sizeof *table->slots);
    if (!table || !table->slots) {
        free(table);
        rgtg_error_set(RGTG_ERR_NOMEM, "intern: out of memory");
        return NULL;
    }
    table->slot_mask = 63;
    return table;
}

void rgtg_intern_free(rgtg_intern_t *table) {
    if (!table) return;
    free(table->bytes);
    free(table->entries);
    free(table->slots);
    free(table);
}

size_t rgtg_intern_count(const rgtg_intern_t *table) { return table->count; }

/* Doubles the slot array and reinserts every id; keeps the load factor under 1/2. */
static rgtg_status_t grow_slots(rgtg_intern_t *table) {
    size_t slot_count = 2 * (table->slot_mask + 1);
    uint32_t *slots = calloc(slot_count, sizeof *slots);
    if (!slots) return rgtg_error_set(RGTG_ERR_NOMEM, "intern: out of memory for %zu slots", slot_count);
    for (size_t id = 0; id < table->count; id++) {
        size_t slot = (size_t)table->entries[id].hash & (slot_count - 1);
        while (slots[slot]) slot = (slot + 1) & (slot_count - 1);
        slots[slot] = (uint32_t)id + 1;
    }
    free(table->slots);
    table->slots = slots;
    table->slot_mask = slot_count - 1;
    return RGTG_OK;
}

rgtg_status_t rgtg_intern_id(rgtg_intern_t *table, const char *bytes, size_t length, uint32_t *id_out) {
    uint64_t hash = hash_bytes(bytes, length);
    size_t slot = (size_t)hash & table->slot_mask;
    for (; table->slots[slot]; slot = (slot + 1) & table->slot_mask) {
        const intern_entry_t *entry = &table->entries[table->slots[slot] - 1];
        if (entry->hash == hash && entry->length == length &&
            memcmp(table->bytes + entry->offset, bytes, length) == 0) {
            *id_out = table->slots[slot] - 1;
            return RGTG_OK;
        }
    }
    if (table->count >= UINT32_MAX - 1) return rgtg_error_set(RGTG_ERR_INVALID, "intern: more than 2^32 strings");
    if (table->count == table->entries_capacity) {
        size_t capacity = table->entries_capacity ? 2 * table->entries_capacity : 256;
        intern_entry_t *entries = realloc(table->entries, capacity * sizeof *entries);
        if (!entries) return rgtg_error_set(RGTG_ERR_NOMEM, "intern: out of memory for %zu strings", capacity);
        table->entries = entries;
        table->entries_capacity = capacity;
    }
    if (table->bytes_used + length > table->bytes_capacity) {
        size_t capacity = table->bytes_capacity ? 2 * table->bytes_capacity : 4096;
        while (capacity < table->bytes_used + length) capacity *= 2;
        char *grown = realloc(table->bytes, capacity);
        if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "intern: out of memory for %zu bytes", capacity);
        table->bytes = grown;
        table->bytes_capacity = capacity;
    }
    if (length) memcpy(table->bytes + table->bytes_used, bytes, length);
    uint32_t id = (uint32_t)table->count;
    table->entries[id] = (intern_entry_t){table->bytes_used, length, hash};
    table->bytes_used += length;
    table->count++;
    table->slots[slot] = id + 1;
    if (2 * table->count > table->slot_mask + 1) {
        rgtg_status_t status = grow_slots(table);
        if (status != RGTG_OK) return status;
    }
    *id_out = id;
    return RGTG_OK;
}
