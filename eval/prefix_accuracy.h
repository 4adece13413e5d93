/* eval/prefix_accuracy.h: the paper's Theorem 1 made visible: pairwise accuracy of a reward model on
 * held-out pairs for complete responses and for prefixes cut at 25%, 50% and 75% of the longer
 * response (the paper's Table 12 cuts). A full-sequence RM tends to chance on short prefixes; a
 * partial-sequence RM should not. `eval prefix-accuracy` prints it for any RM; the trainer's periodic
 * report of a reward model is this metric, wired in by the command (train/trainer.h's report hook). */
#ifndef RGTG_EVAL_PREFIX_ACCURACY_H
#define RGTG_EVAL_PREFIX_ACCURACY_H

#include <stdint.h>
#include <stdio.h>

#include "../core/model.h"
#include "../data/prefs_h5.h"

#define RGTG_PREFIX_CUTS 3
extern const double rgtg_prefix_cuts[RGTG_PREFIX_CUTS]; /* 0.25, 0.5, 0.75 */

typedef struct {
    int64_t pairs;                            /* pairs evaluated */
    double loss;                              /* Bradley-Terry loss on complete responses */
    double accuracy;                          /* complete responses: share of pairs ranked right */
    double prefix_accuracy[RGTG_PREFIX_CUTS]; /* prefixes at the cuts */
} rgtg_prefix_accuracy_t;

/* Evaluates rm (score head) on up to max_pairs (0: all) pairs of split, micro_batch pairs per forward,
 * each side cut to max_len tokens (BOS included) by the data stage's length convention. A prefix at
 * cut c holds ceil(c x the longer response) tokens of each side (at least one). No gradients. */
rgtg_status_t rgtg_prefix_accuracy(const rgtg_model_t *rm, const rgtg_prefs_t *data, int split, int64_t max_pairs,
                                   int64_t micro_batch, int64_t max_len, rgtg_prefix_accuracy_t *out);

typedef struct {
    const char *rm_dir;    /* the reward model (required) */
    const char *data;      /* prefs.h5 (required) */
    int split;             /* rgtg_split_t; -1: valid, or test when valid is empty */
    int64_t pairs;         /* pairs evaluated at most (0: all) */
    int64_t batch;         /* pairs per forward */
    int64_t max_len;       /* tokens per sequence at most (0: the model's max_position_embeddings) */
    int threads;           /* libtorch threads */
    const char *results_path; /* not NULL: also a results.json with "agreement" cells (prefix_fraction 0.25, 0.5,
                                 0.75, 1) and an "accuracy" cell (complete responses), binomial SEs */
} rgtg_prefix_accuracy_params_t;

/* split -1, all pairs, batch 32, max_len 0, 2 threads. */
rgtg_prefix_accuracy_params_t rgtg_prefix_accuracy_default_params(void);
/* Loads the model and the data, evaluates, and prints a one-row Markdown table to out. */
rgtg_status_t rgtg_prefix_accuracy_run(const rgtg_prefix_accuracy_params_t *params, FILE *out);

#endif
