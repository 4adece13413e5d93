/* eval/bootstrap.c: seeded resampling of a mean and numpy's linear percentile (see bootstrap.h). */
#include "bootstrap.h"

#include <math.h>
#include <stdlib.h>

#include "../core/rng.h"

/* The only place that draws resample indices: both public functions go through it. */
static uint64_t next_index(rgtg_rng_t *rng, size_t n) { return rgtg_rng_below(rng, (uint64_t)n); }

static rgtg_status_t check_sizes(size_t n, size_t resamples) {
    if (n == 0) return rgtg_error_set(RGTG_ERR_INVALID, "bootstrap: no values to resample");
    if (resamples == 0) return rgtg_error_set(RGTG_ERR_INVALID, "bootstrap: resamples must be at least 1");
    return RGTG_OK;
}

rgtg_status_t rgtg_bootstrap_indices(size_t n, size_t resamples, uint64_t seed, uint64_t *indices_out) {
    rgtg_status_t status = check_sizes(n, resamples);
    if (status != RGTG_OK) return status;
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, seed, RGTG_BOOTSTRAP_RNG_STREAM);
    for (size_t b = 0; b < resamples; b++)
        for (size_t i = 0; i < n; i++) indices_out[b * n + i] = next_index(&rng, n);
    return RGTG_OK;
}

double rgtg_percentile_linear(const double *sorted, size_t n, double q) {
    double position = (double)(n - 1) * q;
    double below = floor(position);
    size_t i = (size_t)below;
    if (i + 1 >= n) return sorted[n - 1];
    double t = position - below, a = sorted[i], b = sorted[i + 1], difference = b - a;
    /* numpy's lerp: from the nearer end, so that t = 1 gives b exactly */
    return t >= 0.5 ? b - difference * (1.0 - t) : a + difference * t;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

rgtg_status_t rgtg_bootstrap_mean_ci(const double *values, size_t n, size_t resamples, double confidence,
                                     uint64_t seed, rgtg_bootstrap_ci_t *out) {
    *out = (rgtg_bootstrap_ci_t){.low = NAN, .high = NAN, .quantile_low = NAN, .quantile_high = NAN};
    rgtg_status_t status = check_sizes(n, resamples);
    if (status != RGTG_OK) return status;
    if (!(confidence > 0.0 && confidence < 1.0))
        return rgtg_error_set(RGTG_ERR_INVALID, "bootstrap: confidence %g is not in (0, 1)", confidence);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(values[i]))
            return rgtg_error_set(RGTG_ERR_NUMERIC, "bootstrap: value %zu of %zu is %g", i, n, values[i]);
    double *means = malloc(resamples * sizeof *means);
    if (!means) return rgtg_error_set(RGTG_ERR_NOMEM, "bootstrap: out of memory for %zu resamples", resamples);
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, seed, RGTG_BOOTSTRAP_RNG_STREAM);
    for (size_t b = 0; b < resamples; b++) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) sum += values[next_index(&rng, n)];
        means[b] = sum / (double)n;
    }
    qsort(means, resamples, sizeof *means, compare_doubles);
    out->resamples = resamples;
    out->quantile_low = (1.0 - confidence) / 2.0;
    out->quantile_high = (1.0 + confidence) / 2.0;
    out->low = rgtg_percentile_linear(means, resamples, out->quantile_low);
    out->high = rgtg_percentile_linear(means, resamples, out->quantile_high);
    free(means);
    return RGTG_OK;
}
