/* eval/stats.h: summary statistics for evaluation: mean, sample standard deviation, standard error of
 * the mean, and paired win/tie/loss rates between two methods scored on the same prompts. */
#ifndef RGTG_EVAL_STATS_H
#define RGTG_EVAL_STATS_H

#include <stddef.h>

#include "../core/status.h"

typedef struct {
    size_t n;
    double mean; /* NaN when n == 0 */
    double sd;   /* sample standard deviation (n - 1 denominator); NaN when n < 2 */
    double se;   /* standard error of the mean, sd / sqrt(n); NaN when n < 2 */
} rgtg_summary_t;

/* Summarizes values[0..n). RGTG_ERR_NUMERIC when a value is NaN or infinite (naming its index);
 * n == 0 and n == 1 are not errors: the undefined fields are NaN, as documented above. */
rgtg_status_t rgtg_stats_summarize(const double *values, size_t n, rgtg_summary_t *out);

typedef struct {
    size_t n, wins, ties, losses;
    double win_rate, tie_rate, loss_rate; /* counts / n; NaN when n == 0 */
} rgtg_win_rate_t;

/* Pairs a[i] with b[i]: a win when a[i] - b[i] > tie_eps, a loss when b[i] - a[i] > tie_eps, else a
 * tie. tie_eps must be finite and >= 0; values must be finite. */
rgtg_status_t rgtg_stats_win_rate(const double *a, const double *b, size_t n, double tie_eps,
                                  rgtg_win_rate_t *out);

#endif
