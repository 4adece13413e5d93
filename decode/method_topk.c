/* decode/method_topk.c: top-k sampling: softmax(log pi(v) / T) over the LM's k most likely tokens.
 * The DPO row of the paper's Table 1 is this method with the DPO-trained LM as --lm. */
#include "method.h"

enum { K, TEMPERATURE };

static const rgtg_param_spec_t params[] = {RGTG_PARAM_K, RGTG_PARAM_TEMPERATURE};

static int64_t candidates(const rgtg_method_t *self, int64_t vocab) {
    (void)vocab;
    return (int64_t)self->values[K];
}

static rgtg_status_t choose(const rgtg_method_t *self, const float *weights, int64_t rows, int64_t k,
                            const double *uniform, int64_t *chosen) {
    return rgtg_choose_sample(weights, rows, k, self->values[TEMPERATURE], uniform, chosen);
}

const rgtg_method_def_t rgtg_method_topk = {
    .name = "topk",
    .summary = "sample from the LM's top-k tokens",
    .params = params,
    .param_count = 2,
    .candidates = candidates,
    .weigh = rgtg_weigh_lm,
    .choose = choose,
};
