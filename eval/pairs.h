/* eval/pairs.h: pairing the rows of two generation files for pairwise comparison (judges, human
 * sheets): by prompt id, and by sample index when a prompt has several rows (decode --n S). */
#ifndef RGTG_EVAL_PAIRS_H
#define RGTG_EVAL_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/generations.h"
#include "../core/status.h"

typedef struct {
    size_t a, b;       /* row indices in each file */
    int64_t id;        /* the prompt id */
    size_t sample;     /* the row's sample index: how many rows with this id come before it in its file */
} rgtg_pair_t;

/* Pairs every row of a with the row of b that has the same id and sample index; pairs come in a's
 * order. Errors (RGTG_ERR_INVALID), naming the file that lacks a row: "B.jsonl: no row for id 7
 * (sample 1) of A.jsonl", and an empty file: "A.jsonl: no rows". */
rgtg_status_t rgtg_pairs_match(const rgtg_generation_t *a, size_t a_count, const char *a_name,
                               const rgtg_generation_t *b, size_t b_count, const char *b_name,
                               rgtg_pair_t **pairs_out, size_t *count_out);

/* The one method of a file ("A.jsonl: holds several methods (topk, pargs)" otherwise). */
rgtg_status_t rgtg_pairs_single_method(const rgtg_generation_t *rows, size_t count, const char *name,
                                       const char **method_out);

#endif
