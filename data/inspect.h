/* data/inspect.h: a prefs.h5 made readable: `data inspect` (counts, length percentiles, prefix
 * pairs, drops, attributes, the round trip per source, the tokenizer's settings, decoded examples) and `data export` (what training will see, as decoded
 * JSONL). The tokenizer is --tokenizer or tokenizer.model beside the file; its sha256 must match the
 * file's, or the decoded text would be nonsense. */
#ifndef RGTG_DATA_INSPECT_H
#define RGTG_DATA_INSPECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/status.h"

typedef struct {
    const char *path;       /* the prefs.h5 (required) */
    const char *tokenizer;  /* NULL: tokenizer.model beside the file, if there is one */
    int64_t examples;       /* decoded example pairs to show (0: none) */
} rgtg_inspect_params_t;

/* examples 3. */
rgtg_inspect_params_t rgtg_inspect_default_params(void);
/* Prints the report to out. */
rgtg_status_t rgtg_inspect_run(const rgtg_inspect_params_t *params, FILE *out);

typedef struct {
    const char *path;       /* the prefs.h5 (required) */
    const char *tokenizer;  /* NULL: tokenizer.model beside the file (required there) */
    bool prefixes;          /* one line per prefix pair (the prefix index) instead of one per pair */
    int split;              /* only this split (rgtg_split_t); -1: all */
    int64_t limit;          /* lines at most (0: all) */
    const char *out;        /* JSONL written atomically; NULL: stdout */
} rgtg_export_params_t;

/* every split, pairs, no limit, stdout. */
rgtg_export_params_t rgtg_export_default_params(void);
rgtg_status_t rgtg_export_run(const rgtg_export_params_t *params);

#endif
