/* decode/method_topp.c: nucleus (top-p) sampling (Holtzman et al.): the smallest set of most likely
 * tokens whose probability under softmax(log pi / T) reaches p, sampled in proportion to it. The
 * candidates are the whole vocabulary, best first. */
#include "method.h"

enum { P, TEMPERATURE };

static const rgtg_param_spec_t params[] = {
    {"p", RGTG_PARAM_REAL, 0.9, 0, 1, true, false, "probability mass of the nucleus"},
    RGTG_PARAM_TEMPERATURE,
};

static int64_t candidates(const rgtg_method_t *self, int64_t vocab) {
    (void)self;
    return vocab;
}

/* logprob is sorted best first: keep candidates while the tempered mass before them is below p. */
static void weigh(const rgtg_method_t *self, const float *logprob, const float *score, int64_t rows, int64_t k,
                  float *weights) {
    (void)score;
    double p = self->values[P], t = self->values[TEMPERATURE];
    for (int64_t r = 0; r < rows; r++) {
        const float *lp = logprob + r * k;
        float *w = weights + r * k;
        double total = 0;
        for (int64_t j = 0; j < k; j++) total += exp(((double)lp[j] - lp[0]) / t);
        double mass = 0;
        for (int64_t j = 0; j < k; j++) {
            bool keep = j == 0 || (mass < p && !isnan(lp[j]));
            mass += exp(((double)lp[j] - lp[0]) / t) / total;
            w[j] = keep || isnan(lp[j]) ? lp[j] : -INFINITY; /* a NaN stays, for choose to refuse */
        }
    }
}

static rgtg_status_t choose(const rgtg_method_t *self, const float *weights, int64_t rows, int64_t k,
                            const double *uniform, int64_t *chosen) {
    return rgtg_choose_sample(weights, rows, k, self->values[TEMPERATURE], uniform, chosen);
}

const rgtg_method_def_t rgtg_method_topp = {
    .name = "topp",
    .summary = "nucleus sampling: the most likely tokens holding probability p",
    .params = params,
    .param_count = 2,
    .candidates = candidates,
    .weigh = weigh,
    .choose = choose,
};
