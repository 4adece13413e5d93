/* decode/method_bon.c: Best-of-N: N responses per output sampled from the LM's top-k (batched as N
 * rows), each scored whole by a reward model; the one with the highest reward is kept and every
 * reward is recorded in the row (decode/run.c does the ranking: the method only says how to sample
 * and how many). */
#include "method.h"

enum { BEST_OF, K, TEMPERATURE };

static const rgtg_param_spec_t params[] = {
    {"best_of", RGTG_PARAM_INT, 4, 1, 1 << 16, false, false, "N: samples drawn per output, the best one kept"},
    RGTG_PARAM_K,
    RGTG_PARAM_TEMPERATURE,
};

static int64_t candidates(const rgtg_method_t *self, int64_t vocab) {
    (void)vocab;
    return (int64_t)self->values[K];
}

static int64_t samples_per_output(const rgtg_method_t *self) { return (int64_t)self->values[BEST_OF]; }

static rgtg_status_t choose(const rgtg_method_t *self, const float *weights, int64_t rows, int64_t k,
                            const double *uniform, int64_t *chosen) {
    return rgtg_choose_sample(weights, rows, k, self->values[TEMPERATURE], uniform, chosen);
}

const rgtg_method_def_t rgtg_method_bon = {
    .name = "bon",
    .summary = "Best-of-N: N top-k samples, the one with the highest reward kept",
    .params = params,
    .param_count = 3,
    .needs = RGTG_NEEDS_SCORER,
    .model_kind = "scorer",
    .candidates = candidates,
    .samples_per_output = samples_per_output,
    .weigh = rgtg_weigh_lm,
    .choose = choose,
};
