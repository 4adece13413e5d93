/* decode/choose.c: the steps methods share: weighing candidates by the LM alone or by the LM plus a
 * scaled guide score, and picking a candidate per row (sampling or best), refusing weights that are
 * NaN, +infinity or exclude every candidate instead of picking one silently. */
#include <math.h>

#include "method.h"

void rgtg_weigh_lm(const rgtg_method_t *self, const float *logprob, const float *score, int64_t rows, int64_t k,
                   float *weights) {
    (void)self, (void)score;
    for (int64_t i = 0; i < rows * k; i++) weights[i] = logprob[i];
}

void rgtg_weigh_guided(const float *logprob, const float *score, double beta, int64_t n, float *weights) {
    for (int64_t i = 0; i < n; i++) weights[i] = (float)((double)logprob[i] + beta * (double)score[i]);
}

/* The index of the first maximum of w[0..k), or -1 with an error when a weight is NaN or +inf or
 * every weight is -inf. */
static int64_t row_best(const float *w, int64_t k) {
    int64_t best = -1;
    for (int64_t j = 0; j < k; j++) {
        if (isnan(w[j]) || w[j] == INFINITY) {
            rgtg_error_set(RGTG_ERR_NUMERIC, "the weight of candidate %lld is %s", (long long)j,
                           isnan(w[j]) ? "NaN" : "infinite");
            return -1;
        }
        if (w[j] > -INFINITY && (best < 0 || w[j] > w[best])) best = j;
    }
    if (best < 0)
        rgtg_error_set(RGTG_ERR_NUMERIC, "every candidate has weight -infinity");
    return best;
}

rgtg_status_t rgtg_choose_best(const float *weights, int64_t rows, int64_t k, int64_t *chosen) {
    for (int64_t r = 0; r < rows; r++)
        if ((chosen[r] = row_best(weights + r * k, k)) < 0) return RGTG_ERR_NUMERIC;
    return RGTG_OK;
}

rgtg_status_t rgtg_choose_sample(const float *weights, int64_t rows, int64_t k, double temperature,
                                 const double *uniform, int64_t *chosen) {
    for (int64_t r = 0; r < rows; r++) {
        const float *w = weights + r * k;
        int64_t best = row_best(w, k);
        if ((chosen[r] = best) < 0) return RGTG_ERR_NUMERIC;
        /* softmax relative to the maximum, accumulated in double; the last candidate with a non-zero
         * probability catches a target that rounding puts at the very end */
        double total = 0;
        for (int64_t j = 0; j < k; j++) total += exp(((double)w[j] - w[best]) / temperature);
        double target = uniform[r] * total, acc = 0;
        chosen[r] = best;
        for (int64_t j = 0; j < k; j++) {
            double p = exp(((double)w[j] - w[best]) / temperature);
            if (p == 0) continue;
            acc += p;
            chosen[r] = j;
            if (target < acc) break;
        }
    }
    return RGTG_OK;
}
