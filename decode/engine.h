/* decode/engine.h: the decoding engine: batches of prompts through the LM (and, for a method that
 * scores candidates, the guide: a reward or value model), each with its own KV cache, one method.
 *
 * The cached path prefills both caches with the left-padded prompts; each step takes the LM's top-k
 * candidates, scores them with the guide in one forward against its cache, lets the method weigh and
 * pick one per row, commits it to the guide's cache (no forward), drops finished rows from both
 * caches and appends the picks to the LM's cache (one single-token forward). The reference path
 * recomputes every forward from scratch, one row at a time, one guide sequence per candidate; tests
 * hold the two to the same tokens.
 *
 * Determinism: row i draws its random numbers from its own stream (params.streams[i]), one per step,
 * so its tokens do not depend on the batch size, on which rows share its batch, or on the process
 * (mpirun rank) that decodes it, up to floating-point differences between batch shapes. */
#ifndef RGTG_DECODE_ENGINE_H
#define RGTG_DECODE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/model.h"
#include "method.h"

/* What a step computed, for observers (tests, tracing); arrays of rows * k, row-major. */
typedef struct {
    int64_t step;           /* 0 for the first new token */
    int64_t rows, k;        /* live rows, candidates per row */
    const int64_t *row_of;  /* live row i is input row row_of[i] */
    const int64_t *cand_ids;
    const float *logprob;   /* the LM's log-probabilities (over the full vocabulary) */
    const float *score;     /* the guide's scores; NULL without a guide */
    const float *weights;   /* the method's weights */
    const int64_t *chosen;  /* rows */
} rgtg_decode_step_t;

/* Where a run's time went, in seconds (accumulated; libtorch on CPU runs each op before returning,
 * on CUDA the time of queued work lands at the next copy to the host). */
typedef struct {
    double lm;         /* LM prefill and single-token appends */
    double candidates; /* log-softmax over the vocabulary, top-k, copies of both to the host */
    double guide;      /* the guide's prefill and candidate scorings, with the copy of the scores */
    double choose;     /* the method's weigh and choose, recording the tokens */
    double cache;      /* committing candidates to the guide's cache, dropping finished rows */
    double release;    /* freeing each step's temporary tensors */
} rgtg_decode_profile_t;

typedef struct {
    int max_new_tokens;    /* stop a row after this many tokens */
    int batch_size;        /* rows decoded together */
    int eos_id;            /* a row ends when it draws this token; -1: never */
    const int32_t *stop_ids; /* further ids that end a row (the LM's other EOS ids); NULL: none */
    int stop_count;
    int token_count;       /* ids >= token_count (embedding rows beyond the tokenizer's vocabulary) are
                              never drawn: their logits are -inf before any method sees them; 0: none */
    int bos_id;            /* put before every prompt (the LM's bos_token_id); -1: none */
    bool use_cache;        /* false: the no-cache reference path */
    uint64_t seed;         /* sampling seed */
    const uint64_t *streams; /* row i samples from stream streams[i] of seed; NULL: stream i */
    const int64_t *ids;    /* row i's prompt id, named in errors; NULL: i */
    void (*observe)(void *ctx, const rgtg_decode_step_t *step); /* NULL: none */
    void *observe_ctx;
    rgtg_decode_profile_t *profile; /* NULL: not measured */
} rgtg_decode_params_t;

rgtg_decode_params_t rgtg_decode_default_params(void);
/* Sets the stops and BOS from the LM's config (eos_token_id and every extra EOS id: config.json's list
 * and generation_config.json's) and token_count (the tokenizer's vocabulary size; 0: every row). The
 * stop ids live in *stops, which must outlive the decoding. */
void rgtg_decode_params_use_model(rgtg_decode_params_t *params, const rgtg_model_config_t *lm, int token_count,
                                  int32_t stops[1 + RGTG_MAX_EXTRA_EOS]);

typedef struct {
    int32_t *tokens;     /* generated ids (EOS included when finished), malloc'd */
    int64_t count;
    bool finished;       /* drew EOS */
    double seconds;      /* wall time of the batch, shared out over its rows by tokens generated */
    int64_t lm_forwards; /* LM forward passes the row took part in (prefill and appends; or full passes) */
    int64_t rm_forwards; /* guide forward passes (prefill and candidate scorings; or one per candidate) */
    int64_t candidates_scored; /* candidate tokens the guide scored for the row */
} rgtg_decoded_t;

/* Decodes prompts[i] (prompt_lengths[i] >= 1 ids each, without BOS) with lm and, when the method
 * needs one (RGTG_NEEDS_GUIDE or RGTG_NEEDS_VALUE), guide; out[i] receives row i (free each with
 * rgtg_decoded_free). A NaN in a step's weights stops with RGTG_ERR_NUMERIC naming the prompt id and
 * the step. On error nothing is left allocated in out. */
rgtg_status_t rgtg_decode(const rgtg_model_t *lm, const rgtg_model_t *guide, const rgtg_method_t *method,
                          const rgtg_decode_params_t *params, const int32_t *const *prompts,
                          const int64_t *prompt_lengths, int64_t count, rgtg_decoded_t *out);
void rgtg_decoded_free(rgtg_decoded_t *row);

/* Refuses, before anything is allocated, a prompt whose BOS (when bos_id >= 0) + ids + max_new_tokens
 * exceed a model's max_position_embeddings (RGTG_ERR_INVALID) or its sliding window
 * (RGTG_ERR_UNSUPPORTED: full attention equals the window only within it), naming the prompt id (ids
 * may be NULL: the index) and the model (names[m]). */
rgtg_status_t rgtg_decode_check_positions(const rgtg_model_config_t *const *configs, const char *const *names,
                                          int model_count, int max_new_tokens, int bos_id,
                                          const int64_t *prompt_lengths, const int64_t *ids, int64_t count);

#endif
