/* data/expand.h: prefix-pair expansion (the /prefix index of a preference file) and the prefix
 * convention that training uses to cut a pair at a prefix length (FORMAT.md, "Prefix pairs"). */
#ifndef RGTG_DATA_EXPAND_H
#define RGTG_DATA_EXPAND_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/status.h"
#include "prefs_h5.h"

/* Pass as ratio to list every prefix of every pair. */
#define RGTG_EXPAND_ALL (-1.0)

/* Adds or replaces /prefix/{pair,len,split} in the file at path. Per split, round(ratio x pairs in the
 * split) prefix pairs are drawn (each: a pair uniformly among those with unused lengths, then a length
 * uniformly in 1..max(|chosen|, |rejected|) not drawn before for that pair); when that asks for more
 * than the distinct prefixes there are, all are listed and prefix_saturated_<split> is set. The file
 * is rewritten to a temporary file and renamed: on failure the original is untouched. */
rgtg_status_t rgtg_prefs_expand(const char *path, double ratio, uint64_t seed);

/* `data expand` as one stage: the file's own seed unless one is given, then rgtg_prefs_expand, and
 * what the file now holds per split. */
typedef struct {
    const char *path;   /* the prefs.h5, rewritten atomically (required) */
    double ratio;       /* prefix pairs per pair, or RGTG_EXPAND_ALL (required: 0 is refused) */
    bool seed_given;    /* false: the file's seed attribute */
    uint64_t seed;
} rgtg_expand_params_t;

rgtg_expand_params_t rgtg_expand_default_params(void);

typedef struct {
    uint64_t seed;                          /* the seed used */
    int64_t pairs[RGTG_SPLIT_COUNT];
    int64_t prefix_pairs[RGTG_SPLIT_COUNT];
    int saturated[RGTG_SPLIT_COUNT];
} rgtg_expand_result_t;

rgtg_status_t rgtg_expand_run(const rgtg_expand_params_t *params, rgtg_expand_result_t *result);

/* The sampling alone: for the n pairs pair_ids[i] with longest prefix max_lens[i] (>= 1), draws
 * round(ratio x n) distinct (pair, len) (or all; see above) with rgtg_rng stream `stream`.
 * *pairs_out and *lens_out are malloc'd, in sampled order; *saturated is 1 when all were listed
 * because the ratio asked for more. */
rgtg_status_t rgtg_prefix_sample(const int64_t *pair_ids, const int64_t *max_lens, int64_t n, double ratio,
                                 uint64_t seed, uint64_t stream, int64_t **pairs_out, int32_t **lens_out,
                                 int64_t *count_out, int *saturated);

typedef struct {
    rgtg_token_span_t chosen, rejected;
} rgtg_prefix_view_t;

/* The prefix pair of length len (>= 1): each side's first min(len, |side|) tokens. A side shorter
 * than len is its whole response, EOS included; an unfinished prefix gets no EOS appended. */
rgtg_prefix_view_t rgtg_prefix_view(const rgtg_pref_pair_t *pair, int64_t len);

/* The length convention of a batch row (training and evaluation alike): n rows sharing one prompt of
 * prompt_len tokens (one sequence, or the two sides of a pair) with response_lens[i] tokens are cut
 * to max_len tokens each. The prompt loses the same tokens from the left on every row, keeping at
 * least one; then responses lose tokens from the right. Returns the prompt tokens cut from the left;
 * response_lens are shortened in place. */
int64_t rgtg_fit_rows(int64_t prompt_len, int64_t *response_lens, int n, int64_t max_len);

#endif
