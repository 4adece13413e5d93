/* train/checkpoint.h: training checkpoints that make a resume exact: OUT/checkpoint-STEP/ holds
 * config.json + model.safetensors (rgtg_model_save), optimizer.safetensors (AdamW moments), the trainer
 * state (step, RNG streams, data cursor, schedule, batch geometry) in trainer_state.json with the sha256
 * of every other file, and the tokenizer when given (tokenizer.model or tokenizer.json, with its
 * tokenizer_config.json: rgtg_tokenizer_files_copy).
 *
 * A save writes everything into OUT/.checkpoint-STEP.tmp.PID/ (each file fsynced), renames the
 * directory to OUT/checkpoint-STEP and fsyncs OUT, so a crash never leaves a checkpoint-STEP that
 * loads: a partial directory either keeps its temporary name or fails the hash check.
 *
 * trainer_state.json (format_version 1):
 *   {"format": "rgtg-trainer-state", "format_version": 1, "step": N,
 *    "rng": {"data_order": ["<u64>", "<u64>", "<u64>", "<u64>"], ...},   (decimal strings: lossless)
 *    "data": {"epoch": E, "cursor": C, "examples": N, "epoch_rng": ["<u64>" x4]},
 *    "schedule": {"lr", "beta1", "beta2", "eps", "weight_decay", "grad_clip", "warmup_steps",
 *                 "total_steps", "name", "min_lr_ratio"},
 *    "run": {"seed": "<u64>", "world_size": W, "micro_batch": M, "grad_accum": G},
 *    "files": {"config.json": "<sha256>", "model.safetensors": "<sha256>", ...}}
 * optimizer.safetensors: F32 tensors exp_avg.<param name> and exp_avg_sq.<param name>, metadata
 * {"format": "rgtg-adamw", "format_version": "1", "step": "<optimizer steps>"}. */
#ifndef RGTG_TRAIN_CHECKPOINT_H
#define RGTG_TRAIN_CHECKPOINT_H

#include <stdint.h>

#include "../core/model.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "optim.h"

#define RGTG_CKPT_PREFIX "checkpoint-"
#define RGTG_CKPT_STATE_FILE "trainer_state.json"
#define RGTG_CKPT_OPTIM_FILE "optimizer.safetensors"
#define RGTG_CKPT_FORMAT_VERSION 1
#define RGTG_CKPT_MAX_RNG_STREAMS 8
#define RGTG_CKPT_NAME_CHARS 32

/* One named RNG stream's state (rgtg_rng_state_get/set). */
typedef struct {
    char name[RGTG_CKPT_NAME_CHARS];     /* "data_order", "dropout", "sampling", ...: unique, non-empty */
    uint64_t words[RGTG_RNG_STATE_WORDS]; /* never all zero */
} rgtg_ckpt_rng_stream_t;

/* The learning-rate schedule and AdamW settings in force when the checkpoint was written. */
typedef struct {
    double lr, beta1, beta2, eps, weight_decay, grad_clip, min_lr_ratio;
    int64_t warmup_steps, total_steps;
    char name[RGTG_CKPT_NAME_CHARS]; /* "cosine", "linear", "constant" */
} rgtg_ckpt_schedule_t;

typedef struct {
    int64_t step;                 /* optimizer steps completed */
    int rng_count;                /* streams used in rng[] */
    rgtg_ckpt_rng_stream_t rng[RGTG_CKPT_MAX_RNG_STREAMS];
    /* The data cursor: the next example is permutation[cursor] of epoch `epoch` (0-based), where the
     * permutation of `examples` items is rebuilt by replaying that epoch's shuffle from epoch_rng, the
     * data-order stream's state just before the shuffle. */
    int64_t epoch, cursor, examples;
    uint64_t epoch_rng[RGTG_RNG_STATE_WORDS];
    uint64_t seed;                /* the run's seed */
    int world_size;               /* ranks that shared each step */
    int64_t micro_batch, grad_accum; /* per rank, per forward; forwards per step */
    /* Filled by rgtg_checkpoint_load from the file; ignored by save, which writes opt->params. */
    rgtg_ckpt_schedule_t schedule;
} rgtg_trainer_state_t;

/* Adds (or replaces) a named stream in state from rng. RGTG_ERR_INVALID when the name is empty or too
 * long, or the table is full. */
rgtg_status_t rgtg_trainer_state_put_rng(rgtg_trainer_state_t *state, const char *name, const rgtg_rng_t *rng);
/* Restores rng from the named stream; RGTG_ERR_INVALID when absent. */
rgtg_status_t rgtg_trainer_state_get_rng(const rgtg_trainer_state_t *state, const char *name, rgtg_rng_t *rng);

/* Writes OUT/checkpoint-STEP atomically (an existing one of the same step is replaced only after the
 * new one is complete). tokenizer_path may be NULL. After success, keep_last > 0 deletes the oldest
 * checkpoint-N with N < step so that keep_last remain, the new one included (newer ones, left by an
 * abandoned run, are not touched), and removes leftover .checkpoint-*.tmp.* directories of other
 * processes. state->step must equal step. Call on one rank only. */
rgtg_status_t rgtg_checkpoint_save(const char *out_dir, int64_t step, const rgtg_model_t *model,
                                   const rgtg_optim_t *opt, const rgtg_trainer_state_t *state,
                                   const char *tokenizer_path, int keep_last);

/* Checks that dir is a complete checkpoint: every file present, trainer_state.json well formed, each
 * file's sha256 as recorded. Fills *state when state is not NULL. */
rgtg_status_t rgtg_checkpoint_validate(const char *dir, rgtg_trainer_state_t *state);

/* Loads dir into an existing model and optimizer (created with the same config; opt initialised for
 * model) and *state. Everything is checked before anything is written (hashes, config.json against
 * model->config, tensor names, shapes and dtypes of weights and moments), so a failed check leaves
 * model, opt and state unchanged. Schedule settings that differ from opt->params are reported with
 * rgtg_log_warn; opt->params stays as the run set it, state->schedule gets the file's. */
rgtg_status_t rgtg_checkpoint_load(const char *dir, rgtg_model_t *model, rgtg_optim_t *opt,
                                   rgtg_trainer_state_t *state);

/* For `--resume auto`: the newest valid OUT/checkpoint-N (malloc'd path) in *dir_out, or NULL when
 * there is none (or OUT does not exist) with RGTG_OK. Invalid ones and leftover temporary directories
 * are skipped with rgtg_log_warn("skipping PATH: reason"). Clears the pending error before each try. */
rgtg_status_t rgtg_checkpoint_find_latest(const char *out_dir, char **dir_out);

#endif
