/* train/batches.h: what the objectives train on: example lists from the HDF5 preference file (pairs,
 * prefix pairs) or from sampled value data, and the padded host batches built from them. */
#ifndef RGTG_TRAIN_BATCHES_H
#define RGTG_TRAIN_BATCHES_H

#include <stdint.h>

#include "../core/status.h"
#include "../data/prefs_h5.h"

typedef enum {
    RGTG_OBJECTIVE_SFT = 0,       /* cross-entropy on prompt + chosen, response tokens only */
    RGTG_OBJECTIVE_RM_FULL = 1,   /* Bradley-Terry on complete responses */
    RGTG_OBJECTIVE_RM_PREFIX = 2, /* Bradley-Terry on the file's expanded prefix pairs (paper eq. 4) */
    RGTG_OBJECTIVE_RM_DENSE = 3,  /* the prefix loss at every prefix length from one forward per pair */
    RGTG_OBJECTIVE_DPO = 4,       /* sigmoid DPO against a frozen reference */
    RGTG_OBJECTIVE_VALUE = 5,     /* CD-FUDGE prefix value regression onto sampled responses' rewards */
} rgtg_objective_t;

/* A sampled response with the reward it earned, for the value objective (train/value_data.c). */
typedef struct {
    const int32_t *prompt;      /* the pair's prompt in the data file */
    int32_t *response;          /* owned; ends with EOS when it finished */
    int64_t prompt_len, response_len;
    float target;               /* the reward (mse) or the win label in [0, 1] (bce) */
} rgtg_value_example_t;

/* One example: a pair id (or value example index) and, for prefix pairs, the prefix length. */
typedef struct {
    int64_t id;
    int32_t prefix_len; /* 0: whole responses */
    int32_t rejected;   /* SFT on both sides (data.sides: both): 1 when this example is the pair's rejected side */
} rgtg_example_t;

/* The examples of a split for an objective. For RM_PREFIX on the train split, prefix pairs: the file's
 * index when prefix_ratio is 0, else round(prefix_ratio x pairs) sampled here with seed (as
 * `rgtg data expand` would, without rewriting the file). */
rgtg_status_t rgtg_examples_build(const rgtg_prefs_t *data, rgtg_objective_t objective, int split, double prefix_ratio,
                                  uint64_t seed, rgtg_example_t **out, int64_t *count);

/* Host-side batch, rows right-padded to the longest. Pairs occupy rows 2i (preferred), 2i+1. */
typedef struct {
    int64_t rows, width;
    int64_t tokens;          /* non-padding tokens */
    int64_t *ids, *mask;     /* [rows, width] */
    int64_t *last;           /* [rows] index of each row's last token */
    float *loss_mask;        /* [rows, width] 1 on response tokens */
    int64_t *prompt_len, *response_len; /* [rows] after fitting into max_len */
    float *target;           /* [rows] value targets (value objective) */
    int64_t units;           /* what the loss averages over: target tokens, pairs or positions */
    int64_t prefix_pairs;    /* prefix pairs the batch trains on: dense counts every prefix length of a pair */
} rgtg_batch_t;

typedef struct {
    const rgtg_prefs_t *data;
    const rgtg_value_example_t *values; /* the value objective's examples */
    rgtg_objective_t objective;
    int64_t max_len;
    int64_t pad_id;
    int64_t bos_id;           /* the model's BOS, put before every prompt; -1: none */
} rgtg_batch_source_t;

/* Builds the batch of examples[0..n): BOS (when the source has one), then prompt and response, fitted
 * into max_len (the prompt loses tokens from the left first, the same number on both sides of a pair),
 * then padding. prompt_len counts BOS. */
rgtg_status_t rgtg_batch_build(const rgtg_batch_source_t *source, const rgtg_example_t *examples, int64_t n,
                               rgtg_batch_t *batch);
void rgtg_batch_free(rgtg_batch_t *batch);

#endif
