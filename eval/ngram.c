/* eval/ngram.c: open-addressing n-gram count table (see ngram.h). */
#include "ngram.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_ngram(const uint32_t *ids, uint32_t order) {
    uint64_t hash = 0x9e3779b97f4a7c15ull * (order + 1);
    for (uint32_t i = 0; i < order; i++) {
        hash ^= ids[i] + 0x9e3779b97f4a7c15ull + (hash << 6) + (hash >> 2);
        hash *= 0xbf58476d1ce4e5b9ull;
    }
    return hash ^ (hash >> 31);
}

static rgtg_status_t allocate_slots(rgtg_ngram_table_t *table, size_t capacity) {
    table->slots = calloc(capacity, sizeof *table->slots);
    if (!table->slots) return rgtg_error_set(RGTG_ERR_NOMEM, "ngram: out of memory for %zu slots", capacity);
    table->capacity = capacity;
    return RGTG_OK;
}

rgtg_status_t rgtg_ngram_table_init(rgtg_ngram_table_t *table, size_t expected_entries) {
    table->count = 0;
    size_t capacity = 16;
    while (capacity < 2 * expected_entries + 2) capacity *= 2;
    return allocate_slots(table, capacity);
}

void rgtg_ngram_table_free(rgtg_ngram_table_t *table) {
    free(table->slots);
    table->slots = NULL;
    table->capacity = table->count = 0;
}

void rgtg_ngram_table_clear(rgtg_ngram_table_t *table) {
    if (table->count) memset(table->slots, 0, table->capacity * sizeof *table->slots);
    table->count = 0;
}

static bool same_ids(const uint32_t *a, const uint32_t *b, uint32_t order) {
    if (a == b) return true;
    for (uint32_t i = 0; i < order; i++)
        if (a[i] != b[i]) return false;
    return true;
}

static size_t find_slot(const rgtg_ngram_entry_t *slots, size_t capacity, const uint32_t *ids, uint32_t order,
                        uint64_t hash) {
    size_t mask = capacity - 1, slot = (size_t)hash & mask;
    for (; slots[slot].order; slot = (slot + 1) & mask) {
        const rgtg_ngram_entry_t *entry = &slots[slot];
        if (entry->hash == hash && entry->order == order && same_ids(entry->ids, ids, order)) break;
    }
    return slot;
}

static rgtg_status_t grow(rgtg_ngram_table_t *table) {
    rgtg_ngram_table_t bigger = {0};
    rgtg_status_t status = allocate_slots(&bigger, 2 * table->capacity);
    if (status != RGTG_OK) return status;
    for (size_t i = 0; i < table->capacity; i++) {
        const rgtg_ngram_entry_t *entry = &table->slots[i];
        if (!entry->order) continue;
        size_t slot = (size_t)entry->hash & (bigger.capacity - 1);
        while (bigger.slots[slot].order) slot = (slot + 1) & (bigger.capacity - 1);
        bigger.slots[slot] = *entry;
    }
    bigger.count = table->count;
    free(table->slots);
    *table = bigger;
    return RGTG_OK;
}

/* The slot of the key, created with count 0 when new. */
static rgtg_status_t slot_for(rgtg_ngram_table_t *table, const uint32_t *ids, uint32_t order, size_t *slot_out) {
    if (2 * (table->count + 1) > table->capacity) {
        rgtg_status_t status = grow(table);
        if (status != RGTG_OK) return status;
    }
    uint64_t hash = hash_ngram(ids, order);
    size_t slot = find_slot(table->slots, table->capacity, ids, order, hash);
    if (!table->slots[slot].order) {
        table->slots[slot] = (rgtg_ngram_entry_t){ids, order, 0, hash};
        table->count++;
    }
    *slot_out = slot;
    return RGTG_OK;
}

rgtg_status_t rgtg_ngram_table_add(rgtg_ngram_table_t *table, const uint32_t *ids, uint32_t order, uint32_t increment) {
    size_t slot;
    rgtg_status_t status = slot_for(table, ids, order, &slot);
    if (status == RGTG_OK) table->slots[slot].count += increment;
    return status;
}

rgtg_status_t rgtg_ngram_table_raise(rgtg_ngram_table_t *table, const uint32_t *ids, uint32_t order, uint32_t value) {
    size_t slot;
    rgtg_status_t status = slot_for(table, ids, order, &slot);
    if (status == RGTG_OK && table->slots[slot].count < value) table->slots[slot].count = value;
    return status;
}

uint32_t rgtg_ngram_table_get(const rgtg_ngram_table_t *table, const uint32_t *ids, uint32_t order) {
    size_t slot = find_slot(table->slots, table->capacity, ids, order, hash_ngram(ids, order));
    return table->slots[slot].order ? table->slots[slot].count : 0;
}
