/* data/prepare.h: preference pairs -> prefs.h5, the one writer path of the data stage: templating and
 * tokenizing each pair, the truncation policy, the split, counting what was dropped and why, the
 * sources' hashes and the file's attributes.
 *
 * `rgtg data prepare` runs it over preference files (rgtg_prepare_run); the demo set (data/demo.c)
 * feeds its own pairs through the same session (rgtg_prepare_begin, _add, _commit).
 *
 * Decisions users meet:
 * - max_len counts prompt tokens plus the longer response's tokens, EOS included (not BOS, which the
 *   model adds). left: prompt tokens are dropped from the left, responses kept whole; right:
 *   responses are cut from the right and keep their EOS (every response ends with EOS, so a cut
 *   response reads as finished); drop: the row is dropped. A row that no policy can fit (left:
 *   responses alone reach max_len; right: no room for one token plus EOS after the prompt) is dropped
 *   as over_max_len.
 * - The split comes from a seeded hash of the prompt text (unless the caller names it), so pairs
 *   sharing a prompt share a split (no prompt of the test split is trained on) and the assignment
 *   streams: the same input and seed give the same file, byte for byte.
 * - Every text tokenized is checked: decode(encode(text)) == text, byte for byte (data/round_trip.h).
 *   The rows that fail and their unknown pieces are counted per source and recorded (round_trip);
 *   with lossless text required (the default for a tokenizer rgtg trained with its lossless
 *   settings), the first text that fails stops the session and nothing is written. */
#ifndef RGTG_DATA_PREPARE_H
#define RGTG_DATA_PREPARE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/status.h"
#include "prefs_h5.h"
#include "round_trip.h"

typedef enum { RGTG_TRUNCATE_DROP = 0, RGTG_TRUNCATE_LEFT = 1, RGTG_TRUNCATE_RIGHT = 2 } rgtg_truncate_t;
/* "drop", "left", "right", NULL (indexed by rgtg_truncate_t). */
extern const char *const rgtg_truncate_names[];

#define RGTG_PREPARE_MAX_INPUTS 64
#define RGTG_PREPARE_MAX_DROPS 32

typedef struct {
    const char *tokenizer;       /* a tokenizer file or checkpoint directory (core/tokenizer.h; required);
                                    one without a pad token (Llama-3) pads with its EOS */
    const char *out;             /* prefs.h5 to write (required) */
    const char *template_name;   /* fills {prompt} and prefixes responses; NULL or "none": texts as they are */
    int64_t max_len;             /* prompt + longer response in tokens, EOS counted; 0: no limit */
    rgtg_truncate_t truncate;    /* what happens to a pair over max_len */
    double split[3];             /* train, valid, test fractions, summing to 1 */
    uint64_t seed;               /* seed of the split hash, recorded in the file */
    rgtg_lossless_t lossless;    /* whether a text the tokenizer loses stops the session (AUTO: as the tokenizer says) */
    /* rgtg_prepare_run only: */
    const char *inputs[RGTG_PREPARE_MAX_INPUTS]; /* preference files (.gz read too) */
    int input_count;
    const char *format;          /* hh, tldr, ultrafeedback, sharegpt, postedit, jsonl; NULL: detect per file */
    bool skip_errors;            /* a malformed row is skipped and counted as "malformed" instead of failing */
    int64_t limit;               /* stop after this many pairs are kept (0: all) */
} rgtg_prepare_params_t;

/* No template, no length limit (truncate drop), split 0.9/0.05/0.05, seed 1, lossless text as the
 * tokenizer says, fail on errors, no limit. */
rgtg_prepare_params_t rgtg_prepare_default_params(void);

typedef struct {
    int64_t rows_read;
    int64_t kept;
    int64_t split_counts[RGTG_SPLIT_COUNT];
    size_t drop_count;                              /* reasons, sorted by name */
    char drop_reasons[RGTG_PREPARE_MAX_DROPS][64];
    int64_t drop_counts[RGTG_PREPARE_MAX_DROPS];
    bool lossless_required;                         /* a text the tokenizer lost would have stopped the session */
    size_t source_count;                            /* round-trip counts per source, in the order counted */
    rgtg_round_trip_counts_t round_trip[RGTG_ROUND_TRIP_MAX_SOURCES];
} rgtg_prepare_result_t;

/* The whole `data prepare`: checks everything it can before reading a row (inputs readable, format
 * known, template usable, split fractions, tokenizer loads), reads every input, writes out atomically.
 * A row's error names "FILE:LINE". Malformed rows skipped under skip_errors are logged (the first ten). */
rgtg_status_t rgtg_prepare_run(const rgtg_prepare_params_t *params, rgtg_prepare_result_t *result);

/* ---- the session under it ---- */

/* What the file records about where its pairs came from. */
typedef struct {
    const char *const *sources;  /* files hashed into source_files / source_sha256 */
    int source_count;
    const char *template_name;   /* NULL: the params' template ("none" without one) */
    const char *template_text;   /* NULL: the params' template's text ("{prompt}" without one) */
    const char *options;         /* how the file was made, recorded as is; NULL: none */
    bool options_lossless;       /* options gets " lossless=required" or " lossless=counted" appended */
} rgtg_prepare_record_t;

typedef struct rgtg_prepare rgtg_prepare_t;

/* Loads the tokenizer, hashes it and the sources, and opens the writer (a temporary file). Uses
 * params' tokenizer, out, template_name, max_len, truncate, split and seed. */
rgtg_status_t rgtg_prepare_begin(const rgtg_prepare_params_t *params, const rgtg_prepare_record_t *record,
                                 rgtg_prepare_t **out);
/* Counts the round trip of the pairs that follow under source (e.g. the input's path); pairs added
 * before any source are counted under "(all sources)". */
rgtg_status_t rgtg_prepare_source(rgtg_prepare_t *session, const char *source);
/* One pair: template, tokenize, check the round trip, truncate, write to split (-1: by the prompt hash). A pair that is not
 * kept is counted under its reason, which *dropped names (NULL when kept; dropped may be NULL). */
rgtg_status_t rgtg_prepare_add(rgtg_prepare_t *session, const char *prompt, const char *chosen, const char *rejected,
                               int split, const char **dropped);
/* Counts n rows dropped upstream for reason (a reader's reasons, "malformed"; n may be 0, which still
 * records the reason). */
void rgtg_prepare_count_drop(rgtg_prepare_t *session, const char *reason, int64_t n);
int64_t rgtg_prepare_kept(const rgtg_prepare_t *session);
/* Writes the counts (rows_read rows were read) and renames the file into place; fails when no pair
 * was kept. Frees the session in every case; result may be NULL. */
rgtg_status_t rgtg_prepare_commit(rgtg_prepare_t *session, int64_t rows_read, rgtg_prepare_result_t *result);
/* Removes the temporary file and frees the session (NULL is fine). */
void rgtg_prepare_abort(rgtg_prepare_t *session);

#endif
