/* decode/method_cd.c: CD-FUDGE controlled decoding (Mudgal et al.): softmax(log pi(v) + beta *
 * V(prefix + v)) over the LM's top-k, V the prefix value function that `rgtg train value` writes (a
 * score-head model, so its candidates are scored exactly as a guide reward model's). */
#include "method.h"

enum { K, BETA, TEMPERATURE };

static const rgtg_param_spec_t params[] = {RGTG_PARAM_K, RGTG_PARAM_BETA, RGTG_PARAM_TEMPERATURE};

static int64_t candidates(const rgtg_method_t *self, int64_t vocab) {
    (void)vocab;
    return (int64_t)self->values[K];
}

static void weigh(const rgtg_method_t *self, const float *logprob, const float *score, int64_t rows, int64_t k,
                  float *weights) {
    rgtg_weigh_guided(logprob, score, self->values[BETA], rows * k, weights);
}

static rgtg_status_t choose(const rgtg_method_t *self, const float *weights, int64_t rows, int64_t k,
                            const double *uniform, int64_t *chosen) {
    return rgtg_choose_sample(weights, rows, k, self->values[TEMPERATURE], uniform, chosen);
}

const rgtg_method_def_t rgtg_method_cd = {
    .name = "cd",
    .summary = "CD-FUDGE: softmax(log pi + beta * V) over the top-k, V a prefix value model",
    .params = params,
    .param_count = 3,
    .needs = RGTG_NEEDS_VALUE,
    .model_kind = "value",
    .candidates = candidates,
    .weigh = weigh,
    .choose = choose,
};
