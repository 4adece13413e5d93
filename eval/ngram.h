/* eval/ngram.h: a hash table of n-gram counts for BLEU and distinct-n. An n-gram is `order` token ids
 * read in place from the caller's id array (the table stores the pointer, not a copy: the array must
 * outlive the table's use). Equal id sequences of equal order are one key. */
#ifndef RGTG_EVAL_NGRAM_H
#define RGTG_EVAL_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

typedef struct {
    const uint32_t *ids; /* the first token of the n-gram */
    uint32_t order;      /* 0 marks an empty slot */
    uint32_t count;
    uint64_t hash;
} rgtg_ngram_entry_t;

typedef struct {
    rgtg_ngram_entry_t *slots; /* iterate slots[0..capacity) and skip order == 0 */
    size_t capacity;           /* a power of two, kept at least twice the entry count */
    size_t count;              /* distinct n-grams held */
} rgtg_ngram_table_t;

/* expected_entries sizes the first allocation (the table grows anyway). */
rgtg_status_t rgtg_ngram_table_init(rgtg_ngram_table_t *table, size_t expected_entries);
void rgtg_ngram_table_free(rgtg_ngram_table_t *table);
/* Removes every entry and keeps the allocation. */
void rgtg_ngram_table_clear(rgtg_ngram_table_t *table);

/* count(ids[0..order)) += increment (a new key starts at 0). order >= 1. */
rgtg_status_t rgtg_ngram_table_add(rgtg_ngram_table_t *table, const uint32_t *ids, uint32_t order, uint32_t increment);
/* count(ids[0..order)) = max(count, value). */
rgtg_status_t rgtg_ngram_table_raise(rgtg_ngram_table_t *table, const uint32_t *ids, uint32_t order, uint32_t value);
/* The count of ids[0..order), 0 when absent. */
uint32_t rgtg_ngram_table_get(const rgtg_ngram_table_t *table, const uint32_t *ids, uint32_t order);

#endif
