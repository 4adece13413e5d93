/* data/gold_pairs.h: preference pairs as RLHF practice builds them: two sampled responses per prompt,
 * each scored by the gold reward (data/gold.h), labelled by a seeded Bernoulli draw with the
 * Bradley-Terry probability sigma((g_a - g_b) / scale), so that labels are noisy the way human labels
 * are; written as an ordinary prefs.h5 (data/prefs_h5.h) that every trainer reads unchanged.
 *
 * Pairing: rows with the same id answer the same prompt. When every row of an id has a sample number
 * and no two share one, samples 0 and 1 form the pair; otherwise the first two rows of that id, in
 * input order. A third and
 * later sample is dropped (extra_sample), an id with one row is dropped (unpaired), and a pair with
 * identical responses is dropped (identical_responses). Each pair's draw and its split come from its
 * own seeded stream (seed, id), so labels do not depend on row order or on which other rows exist. */
#ifndef RGTG_DATA_GOLD_PAIRS_H
#define RGTG_DATA_GOLD_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"
#include "gold.h"

typedef struct {
    int64_t id;
    size_t a, b;       /* item indices of the pair's first (sample 0) and second (sample 1) response */
    double gold_a, gold_b;
    double p_a;        /* sigma((gold_a - gold_b) / scale): the probability that a is chosen */
    int a_chosen;      /* the draw */
    int split;         /* RGTG_SPLIT_TRAIN, _VALID or _TEST */
    int kept;          /* rgtg_gold_label_write: 1 when written (the writer drops an empty response) */
} rgtg_gold_label_t;

typedef enum {
    RGTG_GOLD_DROP_UNPAIRED = 0,
    RGTG_GOLD_DROP_EXTRA_SAMPLE,
    RGTG_GOLD_DROP_IDENTICAL,
    RGTG_GOLD_DROP_COUNT
} rgtg_gold_drop_t;

typedef struct {
    rgtg_gold_label_t *labels; /* by ascending id */
    size_t count;
    int64_t rows_read;
    int64_t split_counts[3];    /* pairs per split (train, valid, test) */
    int64_t chosen_higher;      /* pairs whose chosen side has the higher (or equal) gold reward */
    const char *drop_reasons[RGTG_GOLD_DROP_COUNT]; /* "unpaired", "extra_sample", "identical_responses" */
    int64_t drop_counts[RGTG_GOLD_DROP_COUNT];
} rgtg_gold_labels_t;

typedef struct {
    uint64_t seed;         /* label draws and splits: 1 */
    double bt_scale;       /* 1: P(a chosen) = sigma(g_a - g_b) */
    double valid_fraction; /* of prompts, by a seeded draw per id: 0.05 */
    double test_fraction;  /* 0.05 */
} rgtg_gold_label_params_t;

rgtg_gold_label_params_t rgtg_gold_label_default_params(void);

/* Pairs, scores and labels items (source names them in errors: "SOURCE: id 12: ..."). Errors: two
 * rows of one id with different prompts; a row the gold reward cannot score; bad params. */
rgtg_status_t rgtg_gold_label_items(const rgtg_gold_t *gold, const rgtg_gold_item_t *items, size_t n,
                                    const rgtg_gold_label_params_t *params, const char *source,
                                    rgtg_gold_labels_t *out);
void rgtg_gold_labels_free(rgtg_gold_labels_t *labels);

/* What rgtg_gold_label_write needs beyond the labels. */
typedef struct {
    const char *out_path;       /* the prefs.h5 to write (atomically) */
    const char *tokenizer_path; /* the SentencePiece model that the LM and RMs use */
    const char *source_path;    /* the generations file (recorded with its sha256); NULL: none */
    const char *dataset_path;   /* the preference file whose pairs were added (recorded too); NULL: none */
    double ratio;               /* prefix pairs per pair (rgtg_prefs_expand); 0: no prefix index. 2 */
} rgtg_gold_write_params_t;

rgtg_gold_write_params_t rgtg_gold_write_default_params(void);

/* Labels items (as rgtg_gold_label_items) and writes each pair as (prompt, chosen, rejected) through
 * the prepare writer path (data/prepare.h: texts as they are, the drawn split; it drops a pair with an
 * empty response or responses identical as tokens, and marks its label not kept), with the sources
 * (the generations file, WordNet's files), the gold and label settings in the options attribute, the
 * drops as attributes (unpaired and extra_sample count rows, the others pairs), then the prefix
 * index. Nothing is left at out_path on failure. labels_out (may be NULL) receives the labels. */
rgtg_status_t rgtg_gold_label_write(const rgtg_gold_t *gold, const rgtg_gold_item_t *items, size_t n,
                                    const rgtg_gold_label_params_t *params, const rgtg_gold_write_params_t *write,
                                    rgtg_gold_labels_t *labels_out);

/* The stage behind `rgtg data gold-label`. */
typedef struct {
    const char *gens_path;      /* generations JSONL (core/GENERATIONS.md), two samples per prompt id: required */
    const char *dataset_path;   /* NULL, or a preference file (prefs.h5) whose train-split pairs are labelled
                                   too: dataset responses beside the LM's samples (ids from
                                   RGTG_GOLD_DATASET_ID_BASE; the file's own labels are replaced by draws) */
    const char *tokenizer_path; /* the SentencePiece model of the LM and reward models: required */
    const char *out_path;       /* the prefs.h5 to write: required */
    const char *wordnet_dir;    /* /usr/share/wordnet */
    double ratio;               /* prefix pairs per pair; 0: no prefix index. 2 */
    rgtg_gold_label_params_t label;
    rgtg_gold_params_t gold;    /* the gold reward: rgtg_gold_default_params() */
} rgtg_gold_label_file_params_t;

rgtg_gold_label_file_params_t rgtg_gold_label_file_default_params(void);

/* The id of a dataset pair i (its index in the file) among the items: apart from any decoded prompt's id,
 * so that its label and split streams (seed, id) never meet a sample pair's. */
#define RGTG_GOLD_DATASET_ID_BASE ((int64_t)1 << 40)

/* Reads the generations (and the dataset's train pairs, decoded with its tokenizer, which must be
 * tokenizer_path's), loads WordNet and the gold reward, and runs rgtg_gold_label_write. */
rgtg_status_t rgtg_gold_label_file(const rgtg_gold_label_file_params_t *params, rgtg_gold_labels_t *labels_out);

#endif
