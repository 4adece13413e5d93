/* train/trainer.h: the training loop shared by every objective: batches from the HDF5 preference
 * file, forward, loss, backward, AdamW, held-out evaluation, metrics.jsonl and the final checkpoint. */
#ifndef RGTG_TRAIN_TRAINER_H
#define RGTG_TRAIN_TRAINER_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/model.h"
#include "optim.h"

typedef enum {
    RGTG_OBJECTIVE_SFT = 0,       /* cross-entropy on prompt + chosen, response tokens only */
    RGTG_OBJECTIVE_RM_FULL = 1,   /* Bradley-Terry on complete responses */
    RGTG_OBJECTIVE_RM_PREFIX = 2, /* Bradley-Terry on the file's expanded prefix pairs (paper eq. 4) */
} rgtg_objective_t;

const char *rgtg_objective_name(rgtg_objective_t objective);
rgtg_status_t rgtg_objective_parse(const char *kind, const char *name, rgtg_objective_t *out);

typedef struct {
    rgtg_objective_t objective;
    const char *data_path;      /* prefs.h5 */
    const char *tokenizer_path; /* checked against the file's tokenizer hash; copied into final/ */
    const char *out_dir;        /* metrics.jsonl, final/ */
    const char *init;           /* a checkpoint to start from (an RM takes an LM's body), or NULL */
    rgtg_model_config_t model;  /* sizes of a fresh model (vocabulary from the tokenizer) */
    rgtg_optim_params_t optim;
    int64_t max_steps;          /* optimizer steps */
    int64_t micro_batch;        /* pairs (RM) or sequences (SFT) per forward */
    int64_t grad_accum;         /* forwards per optimizer step */
    int64_t max_len;            /* tokens per sequence; longer ones lose prompt tokens from the left */
    int64_t log_every;          /* steps between metrics lines */
    int64_t eval_every;         /* steps between held-out evaluations (0: only at the end) */
    int64_t eval_pairs;         /* held-out pairs evaluated (0: all) */
    uint64_t seed;              /* model init and data order */
    int threads;                /* libtorch intra-op threads */
    int shard, shards;          /* train on the pairs whose id % shards == shard (disjoint subsets) */
    bool quiet;                 /* no progress bar */
} rgtg_train_params_t;

rgtg_train_params_t rgtg_train_default_params(void);

typedef struct {
    double final_loss;
    double eval_accuracy;        /* held-out pairwise accuracy of complete responses (RM) */
    double eval_prefix_accuracy[3]; /* at 25%, 50%, 75% of the longer response (RM) */
    double eval_loss;            /* held-out loss */
    double tokens_per_s;         /* non-padding tokens processed per second of training */
    int64_t examples;            /* training examples available (pairs, prefix pairs or sequences) */
} rgtg_train_result_t;

rgtg_status_t rgtg_train_run(const rgtg_train_params_t *params, rgtg_train_result_t *result);

#endif
