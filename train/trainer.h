/* train/trainer.h: the training loop shared by every objective: data-parallel steps (each rank builds
 * its slice of every global batch; gradients summed across ranks), AdamW, held-out evaluation,
 * metrics.jsonl, checkpoints that make resume exact, SIGINT/SIGTERM handling and the final model. */
#ifndef RGTG_TRAIN_TRAINER_H
#define RGTG_TRAIN_TRAINER_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/config.h"
#include "../core/model.h"
#include "batches.h"
#include "optim.h"

const char *rgtg_objective_name(rgtg_objective_t objective);
/* kind "sft", "rm", "dpo" or "value"; name is the rm objective ("full", "prefix", "dense"). */
rgtg_status_t rgtg_objective_parse(const char *kind, const char *name, rgtg_objective_t *out);
bool rgtg_objective_is_reward(rgtg_objective_t objective);

/* Held-out figures of a reward model: pairwise accuracy on complete responses and on prefixes cut at
 * 25/50/75% of the longer response, and the Bradley-Terry loss on complete responses. */
#define RGTG_TRAIN_PREFIX_CUTS 3
typedef struct {
    int64_t pairs;
    double loss;
    double accuracy;
    double prefix_accuracy[RGTG_TRAIN_PREFIX_CUTS];
} rgtg_train_report_t;

/* The evaluation a reward objective runs on held-out pairs (eval's prefix-accuracy metric, wired in by
 * the command: train does not include eval). Fills *out for up to max_pairs pairs (0: all) of split,
 * micro_batch pairs per forward, sequences cut to max_len. */
typedef rgtg_status_t (*rgtg_train_report_fn)(void *context, const rgtg_model_t *rm, const rgtg_prefs_t *data, int split,
                                              int64_t max_pairs, int64_t micro_batch, int64_t max_len,
                                              rgtg_train_report_t *out);

typedef struct {
    rgtg_objective_t objective;
    const char *data_path;      /* prefs.h5 */
    double prefix_ratio;        /* prefix objective: sample this many prefix pairs per pair (0: the file's index) */
    const char *tokenizer_path; /* checked against the file's tokenizer hash; copied into checkpoints */
    const char *out_dir;        /* config.yaml, metrics.jsonl, checkpoint-STEP/, final/; locked while the run
                                   lasts, and not created before every check has passed */
    const rgtg_config_t *resolved_config; /* written as OUT/config.yaml once the run is checked (NULL: none) */
    const char *init;           /* a checkpoint to start from (an RM takes an LM's body); DPO: policy and reference */
    const char *resume;         /* NULL, "auto" (newest valid checkpoint in out_dir, if any) or a checkpoint dir */
    rgtg_model_config_t model;  /* sizes of a fresh model (vocabulary from the data file) */
    rgtg_optim_params_t optim;
    int64_t max_steps;          /* optimizer steps */
    int64_t micro_batch;        /* examples per forward on each rank */
    int64_t grad_accum;         /* forwards per optimizer step */
    int64_t max_len;            /* tokens per sequence; longer ones lose prompt tokens from the left */
    int64_t log_every;          /* steps between metrics lines */
    int64_t eval_every;         /* steps between held-out evaluations (0: only at the end) */
    int64_t eval_pairs;         /* held-out pairs evaluated (0: all) */
    int64_t save_every;         /* steps between checkpoints (0: none but the final model) */
    int64_t stop_after;         /* checkpoint and stop after this many steps of this invocation (0: never),
                                   for jobs cut into time slices; --resume auto goes on */
    int keep_last;              /* checkpoints kept (0: all) */
    uint64_t seed;              /* model init and data order */
    int threads;                /* libtorch intra-op threads */
    tt_device_t device;         /* TT_CPU or TT_CUDA */
    tt_dtype_t dtype;           /* parameter dtype: TT_F32, or TT_BF16 on CUDA */
    int shard, shards;          /* train on the pairs whose id % shards == shard (disjoint subsets) */
    bool sft_both_sides;        /* SFT: both responses of every pair are targets (data.sides: both), not only
                                   the chosen one: an LM that imitates demonstrations of mixed quality */
    double dpo_beta;            /* DPO temperature */
    bool value_bce;             /* value objective: BCE on a win label instead of squared error */
    const char *const *value_gens; /* value objective: scored generations files (train/value_data.h) */
    int value_gens_count;
    rgtg_train_report_fn report;   /* reward objectives: the held-out report; NULL: BT loss and accuracy on
                                      complete responses only */
    void *report_context;
    bool quiet;                 /* no progress bar */
} rgtg_train_params_t;

rgtg_train_params_t rgtg_train_default_params(void);
/* Refuses values that cannot train (each named by its config key): counts below their minimum, an lr
 * that is not a finite number > 0, betas outside [0, 1), a shard outside [0, shards), a device or dtype
 * this build cannot use, a missing data path, tokenizer or output directory. */
rgtg_status_t rgtg_train_params_validate(const rgtg_train_params_t *p);

typedef struct {
    int64_t steps;               /* the last step trained */
    double final_loss;           /* the last step's loss (global batch) */
    double eval_loss;            /* held-out loss */
    rgtg_train_report_t report;  /* reward objectives: held-out accuracies (DPO: accuracy) */
    double tokens_per_s;         /* non-padding tokens of all ranks per second of training */
    double examples_per_s;       /* examples (pairs, prefix pairs, sequences) of all ranks per second */
    double prefix_pairs_per_s;   /* reward objectives: prefix pairs trained per second (dense: every length) */
    int64_t examples;            /* training examples available */
    bool interrupted;            /* stopped by SIGINT/SIGTERM after writing a checkpoint */
} rgtg_train_result_t;

/* Runs training. Collective under mpirun: every rank calls it with the same params. Everything is
 * checked first (parameters, the data file and its tokenizer, held-out pairs for evaluation, the
 * model to start from, the checkpoint to resume); only then is the output directory locked
 * (rgtg_dir_lock: a second run into it fails at once, naming this one's pid) and written: a run
 * refused before training leaves nothing. On resume, metrics.jsonl is cut back to the checkpoint's
 * step, so that no row appears twice. final/ is written whole (rgtg_dir_begin/commit). */
rgtg_status_t rgtg_train_run(const rgtg_train_params_t *params, rgtg_train_result_t *result);

/* Installs the SIGINT/SIGTERM handlers that ask a running training to checkpoint and stop. */
void rgtg_train_install_signal_handlers(void);

#endif
