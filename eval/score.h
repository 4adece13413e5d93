/* eval/score.h: reward scoring of generations under one or several reward models in one pass: each
 * row's prompt and response (its token ids where the tokenizers allow, else its text encoded with the
 * reward model's tokenizer), scored at the last token (EOS included when the response finished). `eval
 * score` adds one "rewards.NAME" per model and "reward" (the first model's) to a generations file (and,
 * with reference, "reference_reward": the same model's score of the row's reference), which is how
 * decoded samples become the CD-FUDGE value function's training data (decode -> eval score -> train
 * value reads the scored file). */
#ifndef RGTG_EVAL_SCORE_H
#define RGTG_EVAL_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/generations.h"
#include "../core/model.h"
#include "../core/tokenizer.h"

#define RGTG_SCORE_MAX_RMS 16

typedef struct {
    const char *rms[RGTG_SCORE_MAX_RMS]; /* "[NAME=]DIR": reward model directories (tokenizer.json or .model); NAME
                                            (the reward field, rewards.NAME) defaults to DIR's last part, or
                                            the one before it when that is "final" (train's layout), with
                                            other characters than [A-Za-z0-9._-] made '_' */
    int rm_count;                /* at least 1; the first one's score is also the plain "reward" */
    const char *gens;            /* generations JSONL (required) */
    const char *out;             /* the scored file; NULL: gens is rewritten in place */
    int64_t batch;               /* sequences per forward */
    int threads;                 /* libtorch threads */
    bool reference;              /* also score each row's reference (rows without one are an error) */
    bool retokenize;             /* encode the response text even where the row's token ids could be reused */
} rgtg_score_params_t;

/* batch 32, 2 threads, no references, token ids reused where the tokenizers match. */
rgtg_score_params_t rgtg_score_default_params(void);

typedef struct {
    char name[64];               /* the reward field */
    double mean, se;             /* of the rewards (se NaN below 2 rows) */
    double reference_mean;       /* of the reference rewards (NaN without reference) */
    size_t reused;               /* rows scored from their own token ids (the RM's tokenizer is the LM's) */
    size_t retokenized;          /* rows whose response text was encoded with the RM's tokenizer */
} rgtg_score_rm_result_t;

typedef struct {
    size_t count;                /* rows scored */
    int rm_count;
    rgtg_score_rm_result_t rms[RGTG_SCORE_MAX_RMS];
    double mean, se, reference_mean; /* the first reward model's, as rms[0] */
} rgtg_score_result_t;

/* Reads gens once, scores every row under each reward model in turn (one model in memory at a time)
 * and writes the file atomically once: each model's score goes to rewards.NAME (with the model's path
 * and weights sha256), the first one's also to reward (reward_name says which). A response is scored
 * from the row's token ids, as the LM produced them, when the RM's tokenizer file has the bytes of the
 * one in the directory of the row's models.lm (core/model_dir.h); otherwise (another tokenizer, the
 * LM's directory gone, a version-1 row without models, or retokenize) its text is encoded with the
 * RM's tokenizer. The prompt is always encoded from its text (decode encodes it the same way). */
rgtg_status_t rgtg_score_file(const rgtg_score_params_t *params, rgtg_score_result_t *result);

/* Sets reward (and, with reference, reference_reward) on rows[0..count) in memory, encoding every text
 * with tok. Sequences longer than the model's max_position_embeddings keep their end, where the reward
 * is read. */
rgtg_status_t rgtg_score_rows(const rgtg_model_t *rm, const rgtg_tokenizer_t *tok, rgtg_generation_t *rows, size_t count,
                              int64_t batch, bool reference);

#endif
