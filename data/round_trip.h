/* data/round_trip.h: how much text a tokenizer loses on preference data: per source, the rows whose
 * texts do not come back exactly from decode(encode(text)) and the unknown pieces their encodings
 * hold. The prepare session (data/prepare.c) counts them while it tokenizes and records them in
 * prefs.h5's round_trip attribute (data/FORMAT.md); when lossless text is required, the first text
 * that does not come back is an error. `data inspect` shows the attribute. */
#ifndef RGTG_DATA_ROUND_TRIP_H
#define RGTG_DATA_ROUND_TRIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/tokenizer.h"

/* Whether a text that the tokenizer loses stops `data prepare`. */
typedef enum {
    RGTG_LOSSLESS_AUTO = 0,  /* required for a tokenizer rgtg trained with its lossless settings, else counted */
    RGTG_LOSSLESS_REQUIRED,  /* required of any tokenizer */
    RGTG_LOSSLESS_COUNTED,   /* such rows are kept and counted */
} rgtg_lossless_t;

typedef struct {
    int64_t rows;           /* rows tokenized */
    int64_t inexact_rows;   /* rows with a text that decode(encode(text)) does not give back byte for byte */
    int64_t unknown_pieces; /* unknown pieces in all the rows' encodings */
} rgtg_round_trip_counts_t;

#define RGTG_ROUND_TRIP_MAX_SOURCES 64

typedef struct {
    const rgtg_tokenizer_t *tok;
    bool required;                 /* the first text that does not come back is an error */
    size_t source_count;
    char *sources[RGTG_ROUND_TRIP_MAX_SOURCES]; /* labels (the input paths), malloc'd */
    rgtg_round_trip_counts_t counts[RGTG_ROUND_TRIP_MAX_SOURCES];
} rgtg_round_trip_tally_t;

/* Whether lossless text is required by default with this tokenizer: rgtg trained it (its marker is in
 * the model) with the lossless settings. Other tokenizers, --lossy-legacy ones included, are counted. */
bool rgtg_round_trip_required_by_default(const rgtg_tokenizer_t *tok);

void rgtg_round_trip_tally_init(rgtg_round_trip_tally_t *tally, const rgtg_tokenizer_t *tok, rgtg_lossless_t mode);
/* Counts the rows that follow under a new source (a label such as the input's path). */
rgtg_status_t rgtg_round_trip_tally_source(rgtg_round_trip_tally_t *tally, const char *label);
/* Counts one row: texts[k] (named names[k], e.g. "prompt") encoded as ids[k] (lens[k] of them), k < n.
 * Rows before any source are counted under "(all sources)". When lossless text is required, a text
 * that does not come back is an error naming it and the first character that differs (the caller
 * adds the file and line). */
rgtg_status_t rgtg_round_trip_tally_row(rgtg_round_trip_tally_t *tally, const char *const *names,
                                        const char *const *texts, int32_t *const *ids, const size_t *lens, size_t n);
/* The round_trip attribute: one line per source, "rows inexact_rows unknown_pieces SOURCE" (malloc'd;
 * NULL when out of memory). */
char *rgtg_round_trip_tally_attribute(const rgtg_round_trip_tally_t *tally);
void rgtg_round_trip_tally_free(rgtg_round_trip_tally_t *tally);

/* "INDENT SOURCE: R rows, N do not round-trip exactly, U unknown pieces". */
void rgtg_round_trip_print(FILE *out, const char *indent, const char *source, int source_len,
                           const rgtg_round_trip_counts_t *counts);
/* The lines of a round_trip attribute, printed as above ("" prints a line saying it was not recorded). */
void rgtg_round_trip_print_attribute(FILE *out, const char *indent, const char *attribute);

#endif
