/* eval/paired.h: everything `rgtg eval compare` reports about two methods scored on the same prompts,
 * in one call: the mean difference with its standard error and paired bootstrap CI, win/tie/loss
 * counts, and the Wilcoxon signed-rank test (eval/bootstrap.h, eval/stats.h, eval/wilcoxon.h). */
#ifndef RGTG_EVAL_PAIRED_H
#define RGTG_EVAL_PAIRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"
#include "bootstrap.h"
#include "stats.h"
#include "wilcoxon.h"

typedef struct {
    size_t resamples;               /* bootstrap resamples of the mean difference; default 10000 */
    double confidence;              /* level of the percentile interval; default 0.95 */
    uint64_t seed;                  /* bootstrap seed; default 0 */
    double tie_epsilon;             /* |a - b| <= tie_epsilon is a tie; default 0 */
    rgtg_alternative_t alternative; /* for the Wilcoxon test; default two-sided */
} rgtg_paired_params_t;

rgtg_paired_params_t rgtg_paired_default_params(void);

typedef struct {
    size_t n;
    double mean_a, mean_b;
    double mean_difference;   /* mean of a[i] - b[i] */
    double sd_difference;     /* sample standard deviation of a[i] - b[i]; NaN when n < 2 */
    double se_difference;     /* sd_difference / sqrt(n); NaN when n < 2 */
    rgtg_bootstrap_ci_t ci;   /* percentile bootstrap CI of the mean difference (pairs resampled) */
    rgtg_win_rate_t outcomes; /* wins: a[i] - b[i] > tie_epsilon; losses: b[i] - a[i] > tie_epsilon */
    bool wilcoxon_defined;    /* false when every difference is 0: scipy refuses the test, and then
                                 wilcoxon holds NaNs (n 0, zeros n) instead of failing the comparison */
    rgtg_wilcoxon_t wilcoxon;
} rgtg_paired_t;

/* a[i] and b[i] are the two methods' scores on prompt i. n >= 1 finite pairs; RGTG_ERR_INVALID or
 * RGTG_ERR_NUMERIC (naming the pair) otherwise. */
rgtg_status_t rgtg_paired_compare(const double *a, const double *b, size_t n, const rgtg_paired_params_t *params,
                                  rgtg_paired_t *out);

#endif
