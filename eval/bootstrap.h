/* eval/bootstrap.h: the percentile bootstrap confidence interval of a mean, deterministic for a seed.
 *
 * Resample b (b = 0 .. resamples-1) draws n indices, index i of resample b being the (b*n + i)-th call
 * of rgtg_rng_below(rng, n) on a generator seeded with rgtg_rng_seed(rng, seed,
 * RGTG_BOOTSTRAP_RNG_STREAM) (core/rng.h), and takes the mean of the values at those indices. The
 * interval is the (1 - confidence)/2 and (1 + confidence)/2 quantiles of the resample means, with
 * numpy.percentile's default "linear" interpolation (sorted means m[0..B), quantile q at position
 * (B - 1) q). For paired data, bootstrap the differences a[i] - b[i]: that resamples pairs. */
#ifndef RGTG_EVAL_BOOTSTRAP_H
#define RGTG_EVAL_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

/* The rng stream id of the bootstrap ("boot"). */
#define RGTG_BOOTSTRAP_RNG_STREAM UINT64_C(0x626f6f74)

typedef struct {
    double low, high;               /* the interval */
    double quantile_low, quantile_high; /* the quantile levels used, (1 -/+ confidence) / 2 */
    size_t resamples;
} rgtg_bootstrap_ci_t;

/* n >= 1 finite values, resamples >= 1, 0 < confidence < 1; RGTG_ERR_INVALID / RGTG_ERR_NUMERIC
 * otherwise. Costs resamples * n draws and O(resamples) memory. */
rgtg_status_t rgtg_bootstrap_mean_ci(const double *values, size_t n, size_t resamples, double confidence,
                                     uint64_t seed, rgtg_bootstrap_ci_t *out);

/* The resample indices that rgtg_bootstrap_mean_ci draws for (n, seed), resample by resample:
 * indices_out[b * n + i] for b < resamples. For checking against another implementation. */
rgtg_status_t rgtg_bootstrap_indices(size_t n, size_t resamples, uint64_t seed, uint64_t *indices_out);

/* numpy.percentile(values, 100 q) with the default linear method, for sorted[0..n), n >= 1, 0 <= q <= 1. */
double rgtg_percentile_linear(const double *sorted, size_t n, double q);

#endif
