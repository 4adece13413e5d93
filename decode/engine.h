/* decode/engine.h: the decoding engine: batches of prompts through the LM (and, for reward-guided
 * methods, the reward model), each with its own KV cache, one strategy per method.
 *
 * The cached path prefills both caches with the left-padded prompts; each step scores the LM's
 * top-k candidates with the reward model in one forward against its cache, draws a candidate, appends
 * it to the LM's cache (one single-token forward) and commits it to the RM's cache (no forward).
 * Finished rows leave the batch. The reference path recomputes every forward from scratch, one row
 * at a time; tests hold the two to the same tokens. */
#ifndef RGTG_DECODE_ENGINE_H
#define RGTG_DECODE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/model.h"
#include "../core/rng.h"
#include "strategy.h"

typedef struct {
    int top_k;             /* LM candidates per step */
    int max_new_tokens;    /* stop a row after this many tokens */
    int batch_size;        /* rows decoded together */
    int eos_id;            /* a row ends when it draws this token */
    int bos_id;            /* put before every prompt (the LM's bos_token_id); -1: none */
    bool use_cache;        /* false: the no-cache reference path */
    uint64_t seed;         /* sampling seed; row i uses stream i, so batching does not change tokens */
} rgtg_decode_params_t;

rgtg_decode_params_t rgtg_decode_default_params(void);

typedef struct {
    int32_t *tokens;     /* generated ids (EOS included when finished), malloc'd */
    int64_t count;
    bool finished;       /* drew EOS */
    double seconds;      /* wall time of the batch, shared out over its rows by tokens generated */
} rgtg_decoded_t;

/* Decodes prompts[i] (prompt_lengths[i] ids each) with lm and, when the strategy needs rewards, rm.
 * out[i] receives row i; free each with rgtg_decoded_free. */
rgtg_status_t rgtg_decode(const rgtg_model_t *lm, const rgtg_model_t *rm, const rgtg_strategy_t *strategy,
                          const rgtg_decode_params_t *params, const int32_t *const *prompts,
                          const int64_t *prompt_lengths, int64_t count, rgtg_decoded_t *out);
void rgtg_decoded_free(rgtg_decoded_t *row);

#endif
