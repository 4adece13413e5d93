/* eval/wilcoxon.h: the Wilcoxon signed-rank test exactly as scipy.stats.wilcoxon (scipy 1.10) computes
 * it with its defaults: zero_method "wilcox", correction False, method "auto".
 *
 * What scipy 1.10's code does (scipy/stats/_morestats.py), and so what this does:
 *   - d = a - b. "auto" picks the exact null distribution when there are at most 50 differences
 *     (zeros included in that count) and none of them is zero; otherwise the normal approximation.
 *   - Zeros are dropped (only the approximation sees any); all-zero input is an error in scipy
 *     ("zero_method 'wilcox' and 'pratt' do not work if x - y is zero for all elements"), so it is
 *     RGTG_ERR_INVALID here. Empty input gives statistic and p-value NaN, as in scipy.
 *   - Ranks of |d| are averaged over ties. R+ and R- sum the ranks of positive and negative d. The
 *     statistic is min(R+, R-) for two-sided and R+ for one-sided alternatives.
 *   - Exact: the p-value comes from the distribution of R+ over the 2^n sign patterns, at int(R+)
 *     (scipy truncates R+; with tied |d| it can be a half-integer and scipy still uses the exact
 *     distribution). Two-sided: 1 when int(R+) is the centre floor(n(n+1)/4), else
 *     2 * min(P(R+ <= r), P(R+ >= r)); greater: P(R+ >= r); less: P(R+ <= r); clipped to [0, 1].
 *   - Approximate: z = (T - n(n+1)/4) / sqrt((n(n+1)(2n+1) - sum over tie groups t(t^2-1)/2) / 24)
 *     with n the non-zero count, no continuity correction; two-sided 2 * sf(|z|), greater sf(z), less
 *     cdf(z) (z from T = min(R+, R-) two-sided, T = R+ one-sided).
 * Non-finite values are refused (RGTG_ERR_NUMERIC); scipy would propagate NaN. */
#ifndef RGTG_EVAL_WILCOXON_H
#define RGTG_EVAL_WILCOXON_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/status.h"

typedef enum {
    RGTG_ALTERNATIVE_TWO_SIDED = 0,
    RGTG_ALTERNATIVE_GREATER, /* a tends to be greater than b */
    RGTG_ALTERNATIVE_LESS,    /* a tends to be less than b */
} rgtg_alternative_t;

/* "two-sided", "greater", "less" (scipy's spellings). */
const char *rgtg_alternative_name(rgtg_alternative_t alternative);
rgtg_status_t rgtg_alternative_parse(const char *name, rgtg_alternative_t *out);

typedef struct {
    size_t n;         /* non-zero differences, the ones ranked */
    size_t zeros;     /* pairs dropped because a == b */
    double statistic; /* two-sided: min(R+, R-); one-sided: R+ (scipy's `statistic`); NaN when empty */
    double pvalue;    /* NaN when empty */
    bool exact;       /* the exact distribution was used (else the normal approximation) */
    double z;         /* the approximation's z; NaN when exact */
} rgtg_wilcoxon_t;

/* Pairs a[i] with b[i]; b == NULL means a already holds the differences (scipy's wilcoxon(x)). */
rgtg_status_t rgtg_wilcoxon(const double *a, const double *b, size_t n, rgtg_alternative_t alternative,
                            rgtg_wilcoxon_t *out);

#endif
