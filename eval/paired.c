/* eval/paired.c: the paired comparison as one call over the statistics modules (see paired.h). */
#include "paired.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

rgtg_paired_params_t rgtg_paired_default_params(void) {
    return (rgtg_paired_params_t){
        .resamples = 10000, .confidence = 0.95, .seed = 0, .tie_epsilon = 0.0,
        .alternative = RGTG_ALTERNATIVE_TWO_SIDED,
    };
}

rgtg_status_t rgtg_paired_compare(const double *a, const double *b, size_t n, const rgtg_paired_params_t *params,
                                  rgtg_paired_t *out) {
    memset(out, 0, sizeof *out);
    out->n = n;
    if (!params) return rgtg_error_set(RGTG_ERR_INVALID, "compare: NULL params");
    if (n == 0) return rgtg_error_set(RGTG_ERR_INVALID, "compare: no paired scores");
    if (!a || !b) return rgtg_error_set(RGTG_ERR_INVALID, "compare: %zu pairs but no arrays", n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]) || !isfinite(b[i]) || !isfinite(a[i] - b[i]))
            return rgtg_error_set(RGTG_ERR_NUMERIC, "compare: pair %zu of %zu is (%g, %g)", i, n, a[i], b[i]);
    double *differences = malloc(n * sizeof *differences);
    if (!differences) return rgtg_error_set(RGTG_ERR_NOMEM, "compare: out of memory for %zu pairs", n);
    for (size_t i = 0; i < n; i++) differences[i] = a[i] - b[i];

    rgtg_summary_t summary_a, summary_b, summary_d;
    rgtg_status_t status = rgtg_stats_summarize(a, n, &summary_a);
    if (status == RGTG_OK) status = rgtg_stats_summarize(b, n, &summary_b);
    if (status == RGTG_OK) status = rgtg_stats_summarize(differences, n, &summary_d);
    if (status == RGTG_OK)
        status = rgtg_bootstrap_mean_ci(differences, n, params->resamples, params->confidence, params->seed, &out->ci);
    if (status == RGTG_OK) status = rgtg_stats_win_rate(a, b, n, params->tie_epsilon, &out->outcomes);
    size_t zeros = 0;
    for (size_t i = 0; i < n; i++) zeros += differences[i] == 0.0;
    free(differences);
    if (status != RGTG_OK) return status;
    out->mean_a = summary_a.mean;
    out->mean_b = summary_b.mean;
    out->mean_difference = summary_d.mean;
    out->sd_difference = summary_d.sd;
    out->se_difference = summary_d.se;
    out->wilcoxon_defined = zeros < n;
    if (!out->wilcoxon_defined) {
        out->wilcoxon = (rgtg_wilcoxon_t){.n = 0, .zeros = n, .statistic = NAN, .pvalue = NAN, .z = NAN};
        return RGTG_OK;
    }
    return rgtg_wilcoxon(a, b, n, params->alternative, &out->wilcoxon);
}
