/* decode/strategy.h: decoding methods as plug-ins over an array of candidate tokens.
 *
 * Each step the engine takes the LM's top-k candidates of every row (their log-probabilities under
 * pi_ref) and, when the method asks for it, the reward model's score of prefix + candidate. A
 * strategy turns these into sampling weights (logits over the k candidates); the engine then draws
 * one candidate per row with the caller's random numbers. */
#ifndef RGTG_DECODE_STRATEGY_H
#define RGTG_DECODE_STRATEGY_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/status.h"

typedef struct rgtg_strategy {
    const char *name;
    bool needs_reward; /* ask the reward model to score each candidate */
    bool greedy;       /* take the best candidate instead of sampling */
    /* out[r*k + j] = the sampling logit of candidate j of row r */
    void (*weigh)(const struct rgtg_strategy *self, const float *logprob, const float *reward, int64_t rows,
                  int64_t k, float *out);
    double beta;        /* reward weight (PARGS, ARGS) */
    double temperature; /* divides the logits before sampling */
} rgtg_strategy_t;

/* Known names: "topk" (sample from the LM's top-k), "greedy", "pargs" and "args" (sample from
 * softmax(log pi_ref + beta * r) over the top-k; they differ only in the reward model given:
 * partial-sequence for PARGS, full-sequence for ARGS), "pargs-greedy"/"args-greedy" (the argmax). */
rgtg_status_t rgtg_strategy_make(const char *name, double beta, double temperature, rgtg_strategy_t *out);

/* Picks one candidate per row: greedy, or inverse-CDF sampling of softmax(weights / temperature)
 * with uniform[r] in [0, 1). */
void rgtg_strategy_choose(const rgtg_strategy_t *strategy, const float *weights, int64_t rows, int64_t k,
                          const double *uniform, int64_t *chosen);

#endif
