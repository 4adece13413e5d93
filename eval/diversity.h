/* eval/diversity.h: the diversity of sampled generations (paper Table 5/14, and distinct-n).
 *
 * Self-ROUGE-L: for each prompt with S >= 2 samples, the mean ROUGE-L F1 (eval/rouge.h) over its
 * S(S-1)/2 unordered pairs (F1 is symmetric), then the mean of those per-prompt means over the prompts.
 * Lower is more diverse. A prompt with a single sample has no pair: it is skipped and counted.
 *
 * distinct-n: distinct n-grams / all n-grams over every sample together (n-grams never cross sample
 * boundaries). Tokens for distinct-n are whitespace-separated words as Python's str.split() makes
 * them (case and punctuation kept: "Good." and "good" differ), the usual distinct-n convention. */
#ifndef RGTG_EVAL_DIVERSITY_H
#define RGTG_EVAL_DIVERSITY_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/status.h"

typedef struct {
    bool use_stemmer; /* ROUGE-L with the Porter stemmer; default false (rouge-score's default) */
} rgtg_diversity_params_t;

rgtg_diversity_params_t rgtg_diversity_default_params(void);

typedef struct {
    size_t samples;
    size_t prompts;         /* prompts with at least two samples: the ones averaged */
    size_t prompts_skipped; /* prompts with a single sample */
    size_t pairs;           /* sample pairs compared */
    double self_rouge_l;    /* mean over prompts of the mean pairwise ROUGE-L F1; NaN when prompts == 0 */
    size_t unigrams, distinct_unigrams, bigrams, distinct_bigrams;
    double distinct_1, distinct_2; /* distinct / all; NaN when there are none */
} rgtg_diversity_t;

/* samples[i] was generated for prompt prompt_ids[i] (any order; equal strings are one prompt). */
rgtg_status_t rgtg_diversity(const char *const *samples, const char *const *prompt_ids, size_t n,
                             const rgtg_diversity_params_t *params, rgtg_diversity_t *out);

/* The mean pairwise ROUGE-L F1 among samples[0..count), count >= 2. */
rgtg_status_t rgtg_self_rouge_l(const char *const *samples, size_t count, bool use_stemmer, double *mean_out);

/* distinct-n over samples[0..count): *distinct_out / *total_out in *ratio_out (NaN when total is 0). */
rgtg_status_t rgtg_distinct_n(const char *const *samples, size_t count, int order, size_t *distinct_out,
                              size_t *total_out, double *ratio_out);

#endif
