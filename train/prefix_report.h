/* train/prefix_report.h: the paper's Theorem 1 made visible: pairwise accuracy of a reward model on
 * held-out pairs for complete responses and for prefixes cut at 25%, 50% and 75% of the longer
 * response (the paper's Table 12 cuts). A full-sequence RM tends to chance on short prefixes; a
 * partial-sequence RM should not. */
#ifndef RGTG_TRAIN_PREFIX_REPORT_H
#define RGTG_TRAIN_PREFIX_REPORT_H

#include <stdint.h>

#include "../core/model.h"
#include "../data/prefs_h5.h"

#define RGTG_PREFIX_CUTS 3
extern const double rgtg_prefix_cuts[RGTG_PREFIX_CUTS]; /* 0.25, 0.5, 0.75 */

typedef struct {
    int64_t pairs;                          /* pairs evaluated */
    double loss;                            /* Bradley-Terry loss on complete responses */
    double accuracy;                        /* complete responses */
    double prefix_accuracy[RGTG_PREFIX_CUTS]; /* prefixes at the cuts */
} rgtg_prefix_report_t;

/* Evaluates rm (score head) on up to max_pairs (0: all) pairs of split, micro_batch pairs per forward,
 * sequences cut to max_len. Runs without gradients. */
rgtg_status_t rgtg_prefix_report(const rgtg_model_t *rm, const rgtg_prefs_t *data, int split, int64_t max_pairs,
                                 int64_t micro_batch, int64_t max_len, rgtg_prefix_report_t *out);

#endif
