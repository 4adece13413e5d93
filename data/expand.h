/* data/expand.h: prefix-pair expansion (the /prefix index of a preference file) and the prefix
 * convention that training uses to cut a pair at a prefix length (FORMAT.md, "Prefix pairs"). */
#ifndef RGTG_DATA_EXPAND_H
#define RGTG_DATA_EXPAND_H

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

#endif
