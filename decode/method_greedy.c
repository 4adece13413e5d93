/* decode/method_greedy.c: greedy decoding: the LM's most likely token at every step. */
#include "method.h"

static int64_t candidates(const rgtg_method_t *self, int64_t vocab) {
    (void)self, (void)vocab;
    return 1;
}

static rgtg_status_t choose(const rgtg_method_t *self, const float *weights, int64_t rows, int64_t k,
                            const double *uniform, int64_t *chosen) {
    (void)self, (void)uniform;
    return rgtg_choose_best(weights, rows, k, chosen);
}

const rgtg_method_def_t rgtg_method_greedy = {
    .name = "greedy",
    .summary = "the LM's most likely token",
    .candidates = candidates,
    .weigh = rgtg_weigh_lm,
    .choose = choose,
};
