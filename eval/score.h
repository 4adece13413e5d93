/* eval/score.h: reward scoring of generations: each row's prompt and response, encoded with the reward
 * model's own tokenizer, scored at the last token (EOS included when the response finished). `eval
 * score` adds "reward" to a generations file (and, with reference, "reference_reward": the same
 * model's score of the row's reference), which is how decoded samples become the CD-FUDGE value
 * function's training data (decode -> eval score -> train value reads the scored file). */
#ifndef RGTG_EVAL_SCORE_H
#define RGTG_EVAL_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/generations.h"
#include "../core/model.h"
#include "../core/tokenizer.h"

typedef struct {
    const char *rm_dir;  /* reward model directory, with tokenizer.json or tokenizer.model (required) */
    const char *gens;    /* generations JSONL (required) */
    const char *out;     /* the scored file; NULL: gens is rewritten in place */
    int64_t batch;       /* sequences per forward */
    int threads;         /* libtorch threads */
    bool reference;      /* also score each row's reference (rows without one are an error) */
} rgtg_score_params_t;

/* batch 32, 2 threads, no references. */
rgtg_score_params_t rgtg_score_default_params(void);

typedef struct {
    size_t count;        /* rows scored */
    double mean, se;     /* of the rewards (se NaN below 2 rows) */
    double reference_mean; /* of the reference rewards (NaN without reference) */
} rgtg_score_result_t;

/* Reads gens, scores every row under rm_dir and writes the file atomically. */
rgtg_status_t rgtg_score_file(const rgtg_score_params_t *params, rgtg_score_result_t *result);

/* Sets reward (and, with reference, reference_reward) on rows[0..count) in memory. Sequences longer
 * than the model's max_position_embeddings keep their end, where the reward is read. */
rgtg_status_t rgtg_score_rows(const rgtg_model_t *rm, const rgtg_tokenizer_t *tok, rgtg_generation_t *rows, size_t count,
                              int64_t batch, bool reference);

#endif
