/* eval/wilcoxon.c: ranks, the exact signed-rank distribution by counting subsets, and the normal
 * approximation with tie correction (see wilcoxon.h for the rules taken from scipy 1.10). */
#include "wilcoxon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* scipy's "auto" uses the exact distribution up to this many differences. */
#define EXACT_MAX_N 50

const char *rgtg_alternative_name(rgtg_alternative_t alternative) {
    switch (alternative) {
    case RGTG_ALTERNATIVE_TWO_SIDED: return "two-sided";
    case RGTG_ALTERNATIVE_GREATER: return "greater";
    case RGTG_ALTERNATIVE_LESS: return "less";
    }
    return "unknown";
}

rgtg_status_t rgtg_alternative_parse(const char *name, rgtg_alternative_t *out) {
    static const rgtg_alternative_t all[] = {RGTG_ALTERNATIVE_TWO_SIDED, RGTG_ALTERNATIVE_GREATER,
                                             RGTG_ALTERNATIVE_LESS};
    for (size_t i = 0; name && i < sizeof all / sizeof *all; i++)
        if (strcmp(name, rgtg_alternative_name(all[i])) == 0) {
            *out = all[i];
            return RGTG_OK;
        }
    return rgtg_error_set(RGTG_ERR_INVALID, "alternative '%s' is not two-sided, greater or less",
                          name ? name : "(null)");
}

/* The standard normal cdf as cephes' ndtr (which scipy's norm.cdf and norm.sf use) evaluates it. */
static double normal_cdf(double a) {
    double x = a * M_SQRT1_2, z = fabs(x);
    if (z < M_SQRT1_2) return 0.5 + 0.5 * erf(x);
    double y = 0.5 * erfc(z);
    return x > 0 ? 1.0 - y : y;
}

typedef struct {
    double magnitude;
    int sign; /* +1 or -1 */
} difference_t;

static int compare_magnitude(const void *a, const void *b) {
    double x = ((const difference_t *)a)->magnitude, y = ((const difference_t *)b)->magnitude;
    return (x > y) - (x < y);
}

/* P(R+ <= r) and P(R+ >= r) under the null for n ranks: counts of the subsets of {1..n} by their sum
 * (exact in doubles: at most 2^50 for n = 50), divided by 2^n. */
static rgtg_status_t exact_tails(size_t n, long r, double *p_at_most, double *p_at_least) {
    size_t top = n * (n + 1) / 2;
    double *counts = calloc(top + 1, sizeof *counts);
    if (!counts) return rgtg_error_set(RGTG_ERR_NOMEM, "wilcoxon: out of memory for the exact distribution");
    counts[0] = 1.0;
    size_t reached = 0;
    for (size_t k = 1; k <= n; k++) {
        reached += k;
        for (size_t s = reached; s >= k; s--) counts[s] += counts[s - k];
    }
    double at_most = 0.0, at_least = 0.0;
    for (size_t s = 0; s <= top; s++) {
        if ((long)s <= r) at_most += counts[s];
        if ((long)s >= r) at_least += counts[s];
    }
    free(counts);
    *p_at_most = ldexp(at_most, -(int)n);
    *p_at_least = ldexp(at_least, -(int)n);
    return RGTG_OK;
}

rgtg_status_t rgtg_wilcoxon(const double *a, const double *b, size_t n, rgtg_alternative_t alternative,
                            rgtg_wilcoxon_t *out) {
    *out = (rgtg_wilcoxon_t){.statistic = NAN, .pvalue = NAN, .z = NAN};
    if (alternative != RGTG_ALTERNATIVE_TWO_SIDED && alternative != RGTG_ALTERNATIVE_GREATER &&
        alternative != RGTG_ALTERNATIVE_LESS)
        return rgtg_error_set(RGTG_ERR_INVALID, "wilcoxon: unknown alternative %d", (int)alternative);
    if (n == 0) return RGTG_OK;
    if (!a) return rgtg_error_set(RGTG_ERR_INVALID, "wilcoxon: %zu pairs but no array", n);
    difference_t *differences = malloc(n * sizeof *differences);
    if (!differences) return rgtg_error_set(RGTG_ERR_NOMEM, "wilcoxon: out of memory for %zu differences", n);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        double d = b ? a[i] - b[i] : a[i];
        if (!isfinite(a[i]) || (b && !isfinite(b[i])) || !isfinite(d)) {
            free(differences);
            return rgtg_error_set(RGTG_ERR_NUMERIC, "wilcoxon: pair %zu of %zu is (%g, %g)", i, n, a[i],
                                  b ? b[i] : 0.0);
        }
        if (d != 0.0) differences[count++] = (difference_t){fabs(d), d > 0 ? 1 : -1};
    }
    out->n = count;
    out->zeros = n - count;
    if (count == 0) {
        free(differences);
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "wilcoxon: all %zu differences are zero, so the test is undefined (scipy raises too)", n);
    }
    out->exact = n <= EXACT_MAX_N && out->zeros == 0;

    /* average ranks over ties of |d|; R+ and R- are sums of half-integers, exact in doubles */
    qsort(differences, count, sizeof *differences, compare_magnitude);
    double r_plus = 0.0, r_minus = 0.0, tie_term = 0.0;
    for (size_t start = 0; start < count;) {
        size_t end = start + 1;
        while (end < count && differences[end].magnitude == differences[start].magnitude) end++;
        double rank = 0.5 * (double)(start + 1 + end); /* mean of ranks start+1 .. end */
        for (size_t i = start; i < end; i++) {
            if (differences[i].sign > 0) r_plus += rank;
            else r_minus += rank;
        }
        double t = (double)(end - start);
        if (end - start > 1) tie_term += t * (t * t - 1.0);
        start = end;
    }
    free(differences);
    double statistic = alternative == RGTG_ALTERNATIVE_TWO_SIDED ? fmin(r_plus, r_minus) : r_plus;
    out->statistic = statistic;

    if (out->exact) {
        long r = (long)r_plus; /* scipy: int(r_plus) */
        size_t centre = n * (n + 1) / 2 / 2;
        double at_most = NAN, at_least = NAN, p;
        rgtg_status_t status = exact_tails(count, r, &at_most, &at_least);
        if (status != RGTG_OK) return status;
        if (alternative == RGTG_ALTERNATIVE_TWO_SIDED) p = (size_t)r == centre ? 1.0 : 2.0 * fmin(at_least, at_most);
        else if (alternative == RGTG_ALTERNATIVE_GREATER) p = at_least;
        else p = at_most;
        out->pvalue = fmin(fmax(p, 0.0), 1.0);
        return RGTG_OK;
    }
    double m = (double)count;
    double mean = m * (m + 1.0) * 0.25;
    double variance_24 = m * (m + 1.0) * (2.0 * m + 1.0) - 0.5 * tie_term;
    double z = (statistic - mean) / sqrt(variance_24 / 24.0);
    out->z = z;
    if (alternative == RGTG_ALTERNATIVE_TWO_SIDED) out->pvalue = 2.0 * normal_cdf(-fabs(z));
    else if (alternative == RGTG_ALTERNATIVE_GREATER) out->pvalue = normal_cdf(-z);
    else out->pvalue = normal_cdf(z);
    return RGTG_OK;
}
