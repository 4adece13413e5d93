/* eval/intern.h: a string-to-id table for the text metrics: equal byte strings get equal uint32_t
 * ids (0, 1, 2, ... in order of first appearance), so that LCS and n-gram counting compare integers.
 * Keys are copied into the table; the table grows as needed. Not thread-safe (one table per call). */
#ifndef RGTG_EVAL_INTERN_H
#define RGTG_EVAL_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

typedef struct rgtg_intern rgtg_intern_t;

/* NULL when out of memory (the error is recorded). */
rgtg_intern_t *rgtg_intern_new(void);
void rgtg_intern_free(rgtg_intern_t *table);

/* The id of bytes[0..length); a new id when the string was not seen before. */
rgtg_status_t rgtg_intern_id(rgtg_intern_t *table, const char *bytes, size_t length, uint32_t *id_out);

/* How many distinct strings the table holds. */
size_t rgtg_intern_count(const rgtg_intern_t *table);

#endif
