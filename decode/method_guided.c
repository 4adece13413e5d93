/* decode/method_guided.c: reward-guided decoding over the LM's top-k: each candidate v is weighed by
 * log pi(v) + beta * r(prefix + v), r the guide reward model's score. PARGS (the paper) guides with a
 * reward model trained on partial sequences; ARGS (Khanov et al.) with one trained on full sequences:
 * the rule is the same, the guide's kind is what the row records. CD-FUDGE (Mudgal et al.) weighs with a
 * prefix value function V (`rgtg train value`, a score-head model scored exactly as a guide) in place of r.
 * The sampling variants draw from softmax(weights / T), the -greedy ones take the best. */
#include "method.h"

enum { K, BETA, TEMPERATURE };

static const rgtg_param_spec_t sampled[] = {RGTG_PARAM_K, RGTG_PARAM_BETA, RGTG_PARAM_TEMPERATURE};

static int64_t candidates(const rgtg_method_t *self, int64_t vocab) {
    (void)vocab;
    return (int64_t)self->values[K];
}

static void weigh(const rgtg_method_t *self, const float *logprob, const float *score, int64_t rows, int64_t k,
                  float *weights) {
    rgtg_weigh_guided(logprob, score, self->values[BETA], rows * k, weights);
}

static rgtg_status_t sample(const rgtg_method_t *self, const float *weights, int64_t rows, int64_t k,
                            const double *uniform, int64_t *chosen) {
    return rgtg_choose_sample(weights, rows, k, self->values[TEMPERATURE], uniform, chosen);
}

static rgtg_status_t best(const rgtg_method_t *self, const float *weights, int64_t rows, int64_t k,
                          const double *uniform, int64_t *chosen) {
    (void)self, (void)uniform;
    return rgtg_choose_best(weights, rows, k, chosen);
}

const rgtg_method_def_t rgtg_method_pargs = {
    .name = "pargs",
    .summary = "softmax(log pi + beta * r) over the top-k, r from a partial-sequence reward model",
    .params = sampled,
    .param_count = 3,
    .needs = RGTG_NEEDS_GUIDE,
    .model_kind = "partial",
    .candidates = candidates,
    .weigh = weigh,
    .choose = sample,
};

const rgtg_method_def_t rgtg_method_pargs_greedy = {
    .name = "pargs-greedy",
    .summary = "the top-k token with the largest log pi + beta * r, r from a partial-sequence reward model",
    .params = sampled,
    .param_count = 2, /* k, beta */
    .needs = RGTG_NEEDS_GUIDE,
    .model_kind = "partial",
    .candidates = candidates,
    .weigh = weigh,
    .choose = best,
};

const rgtg_method_def_t rgtg_method_args = {
    .name = "args",
    .summary = "softmax(log pi + beta * r) over the top-k, r from a full-sequence reward model",
    .params = sampled,
    .param_count = 3,
    .needs = RGTG_NEEDS_GUIDE,
    .model_kind = "full",
    .candidates = candidates,
    .weigh = weigh,
    .choose = sample,
};

const rgtg_method_def_t rgtg_method_args_greedy = {
    .name = "args-greedy",
    .summary = "the top-k token with the largest log pi + beta * r, r from a full-sequence reward model",
    .params = sampled,
    .param_count = 2,
    .needs = RGTG_NEEDS_GUIDE,
    .model_kind = "full",
    .candidates = candidates,
    .weigh = weigh,
    .choose = best,
};

const rgtg_method_def_t rgtg_method_cd = {
    .name = "cd",
    .summary = "CD-FUDGE: softmax(log pi + beta * V) over the top-k, V a prefix value model",
    .params = sampled,
    .param_count = 3,
    .needs = RGTG_NEEDS_VALUE,
    .model_kind = "value",
    .candidates = candidates,
    .weigh = weigh,
    .choose = sample,
};
