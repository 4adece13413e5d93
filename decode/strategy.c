/* decode/strategy.c: the decoding methods (see strategy.h) and the candidate draw. */
#include "strategy.h"

#include <math.h>
#include <string.h>

static void weigh_lm_only(const rgtg_strategy_t *self, const float *logprob, const float *reward, int64_t rows,
                          int64_t k, float *out) {
    (void)self, (void)reward;
    memcpy(out, logprob, sizeof(float) * (size_t)(rows * k));
}

/* log pi_ref(v) + beta * r(prefix + v): the PARGS / ARGS score. */
static void weigh_reward_guided(const rgtg_strategy_t *self, const float *logprob, const float *reward,
                                int64_t rows, int64_t k, float *out) {
    for (int64_t i = 0; i < rows * k; i++) out[i] = (float)(logprob[i] + self->beta * reward[i]);
}

rgtg_status_t rgtg_strategy_make(const char *name, double beta, double temperature, rgtg_strategy_t *out) {
    static const struct { const char *name; bool reward; bool greedy; } known[] = {
        {"topk", false, false},   {"greedy", false, true},       {"pargs", true, false},
        {"args", true, false},    {"pargs-greedy", true, true}, {"args-greedy", true, true},
    };
    if (!(temperature > 0))
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: temperature must be positive (got %g)", temperature);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(name, known[i].name) != 0) continue;
        *out = (rgtg_strategy_t){
            .name = known[i].name,
            .needs_reward = known[i].reward,
            .greedy = known[i].greedy,
            .weigh = known[i].reward ? weigh_reward_guided : weigh_lm_only,
            .beta = beta,
            .temperature = temperature,
        };
        return RGTG_OK;
    }
    return rgtg_error_set(RGTG_ERR_INVALID,
                          "decode: unknown method '%s' (known: topk, greedy, pargs, args, pargs-greedy, args-greedy)",
                          name);
}

void rgtg_strategy_choose(const rgtg_strategy_t *s, const float *weights, int64_t rows, int64_t k,
                          const double *uniform, int64_t *chosen) {
    for (int64_t r = 0; r < rows; r++) {
        const float *w = weights + r * k;
        int64_t best = 0;
        for (int64_t j = 1; j < k; j++)
            if (w[j] > w[best]) best = j;
        if (s->greedy) {
            chosen[r] = best;
            continue;
        }
        /* softmax relative to the maximum, accumulated in double */
        double total = 0, p[k];
        for (int64_t j = 0; j < k; j++) total += p[j] = exp(((double)w[j] - w[best]) / s->temperature);
        double target = uniform[r] * total, acc = 0;
        chosen[r] = k - 1;
        for (int64_t j = 0; j < k; j++) {
            acc += p[j];
            if (target < acc) {
                chosen[r] = j;
                break;
            }
        }
    }
}
