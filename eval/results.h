/* eval/results.h: results.json, the list of measured numbers ("cells": a metric's value with its n,
 * SE and p-value, and labels such as method, beta, k) that the paper's tables and the plots are drawn
 * from. Schema in eval/RESULTS.md; this module is its validating reader and its writer. */
#ifndef RGTG_EVAL_RESULTS_H
#define RGTG_EVAL_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

typedef enum { RGTG_LABEL_STRING, RGTG_LABEL_NUMBER, RGTG_LABEL_BOOL } rgtg_label_kind_t;

typedef struct {
    char *key;               /* e.g. "method", "beta"; non-empty */
    rgtg_label_kind_t kind;
    char *text;              /* RGTG_LABEL_STRING: the string */
    double number;           /* RGTG_LABEL_NUMBER: finite */
    bool flag;               /* RGTG_LABEL_BOOL */
} rgtg_label_t;

typedef struct {
    char *metric;            /* e.g. "reward", "win", "bleu"; non-empty */
    double value;            /* finite */
    int64_t n;               /* observations behind the value; -1 when not given */
    double se;               /* standard error, >= 0; NaN when not given */
    double p_value;          /* in [0, 1]; NaN when not given */
    rgtg_label_t *labels;    /* label_count of them, keys distinct */
    size_t label_count;
} rgtg_result_cell_t;

typedef struct {
    rgtg_result_cell_t *cells; /* owned */
    size_t count;
} rgtg_results_t;                  /* zero-initialize before use */

/* Reads and validates path. Errors: "PATH:LINE:COLUMN: reason" for malformed JSON, "PATH: cells[I]:
 * ..." for a cell that breaks the schema (unknown key, wrong type, non-finite value, SE < 0, p-value
 * outside [0, 1], duplicate label key). */
rgtg_status_t rgtg_results_read(const char *path, rgtg_results_t *out);
/* The same from text; name stands for the path in messages. */
rgtg_status_t rgtg_results_parse(const char *text, const char *name, rgtg_results_t *out);

/* Appends a deep copy of cell (validated as the reader does). */
rgtg_status_t rgtg_results_add(rgtg_results_t *results, const rgtg_result_cell_t *cell);
/* Writes atomically: {"version":1,"cells":[...]} with one cell per line, keys in schema order, reals
 * with the fewest digits that read back as the same double. */
rgtg_status_t rgtg_results_write(const rgtg_results_t *results, const char *path);
void rgtg_results_free(rgtg_results_t *results);

/* The cell's label named key, or NULL. */
const rgtg_label_t *rgtg_result_label(const rgtg_result_cell_t *cell, const char *key);
/* A label's value as text: strings as they are, numbers in their shortest round-trip form ("1.5",
 * "10", "0.25"), booleans "true"/"false". */
void rgtg_label_format(const rgtg_label_t *label, char *out, size_t size);
/* Filters "KEY=VALUE" (what --where takes): check_where refuses one without '=' or with an empty KEY;
 * matches is true when, for each filter, the cell has label KEY formatting as VALUE. */
rgtg_status_t rgtg_results_check_where(const char *const *where, size_t count);
bool rgtg_result_cell_matches(const rgtg_result_cell_t *cell, const char *const *where, size_t count);

/* Shortest "%.*g" text of a finite double that reads back as the same double. */
void rgtg_format_shortest(char *out, size_t size, double x);

#endif
