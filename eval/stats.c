/* eval/stats.c: mean, sample standard deviation, standard error and paired win rates (see stats.h). */
#include "stats.h"

#include <math.h>

rgtg_status_t rgtg_stats_summarize(const double *values, size_t n, rgtg_summary_t *out) {
    out->n = n;
    out->mean = out->sd = out->se = NAN;
    if (n > 0 && !values) return rgtg_error_set(RGTG_ERR_INVALID, "stats: %zu values but no array", n);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i]))
            return rgtg_error_set(RGTG_ERR_NUMERIC, "stats: value %zu of %zu is %g", i, n, values[i]);
        sum += values[i];
    }
    if (n == 0) return RGTG_OK;
    if (!isfinite(sum)) return rgtg_error_set(RGTG_ERR_NUMERIC, "stats: the sum of %zu values overflows", n);
    /* Two passes with the residual-sum correction: accurate even when the mean is large. */
    double mean = sum / (double)n;
    double residual_sum = 0.0, squares = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = values[i] - mean;
        residual_sum += d;
        squares += d * d;
    }
    out->mean = mean + residual_sum / (double)n;
    if (n < 2) return RGTG_OK;
    double variance = (squares - residual_sum * residual_sum / (double)n) / (double)(n - 1);
    out->sd = sqrt(variance > 0.0 ? variance : 0.0);
    out->se = out->sd / sqrt((double)n);
    return RGTG_OK;
}

rgtg_status_t rgtg_stats_win_rate(const double *a, const double *b, size_t n, double tie_eps,
                                  rgtg_win_rate_t *out) {
    *out = (rgtg_win_rate_t){.n = n, .win_rate = NAN, .tie_rate = NAN, .loss_rate = NAN};
    if (!isfinite(tie_eps) || tie_eps < 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "stats: tie epsilon %g must be finite and >= 0", tie_eps);
    if (n > 0 && (!a || !b)) return rgtg_error_set(RGTG_ERR_INVALID, "stats: %zu pairs but no arrays", n);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(a[i]) || !isfinite(b[i]))
            return rgtg_error_set(RGTG_ERR_NUMERIC, "stats: pair %zu of %zu is (%g, %g)", i, n, a[i], b[i]);
        double difference = a[i] - b[i];
        if (difference > tie_eps) out->wins++;
        else if (-difference > tie_eps) out->losses++;
        else out->ties++;
    }
    if (n == 0) return RGTG_OK;
    out->win_rate = (double)out->wins / (double)n;
    out->tie_rate = (double)out->ties / (double)n;
    out->loss_rate = (double)out->losses / (double)n;
    return RGTG_OK;
}
