/* tools/value_data.h: the CD-FUDGE value function's training data (Mudgal et al.): responses sampled
 * from the SFT LM for the training prompts, each scored by a full-sequence reward model; the trainer
 * then regresses that score (or a win label) onto every prefix of the response. */
#ifndef RGTG_TOOLS_VALUE_DATA_H
#define RGTG_TOOLS_VALUE_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "../train/batches.h"

typedef struct {
    const char *lm_dir;     /* the SFT LM that samples */
    const char *rm_dir;     /* the full-sequence RM that scores */
    int64_t prompts;        /* training prompts used (0: all) */
    int samples_per_prompt; /* responses sampled per prompt */
    int max_new_tokens;     /* tokens per response at most */
    int top_k;              /* top-k sampling */
    double temperature;
    uint64_t seed;
    int threads;
    bool bce;               /* targets are win labels: 1 when the sample outscores the dataset's chosen response */
} rgtg_value_data_params_t;

rgtg_value_data_params_t rgtg_value_data_default_params(void);

typedef struct {
    rgtg_value_example_t *examples;
    int64_t count;
} rgtg_value_data_t;

rgtg_status_t rgtg_value_data_make(const char *prefs_path, const rgtg_value_data_params_t *params, rgtg_value_data_t *out);
void rgtg_value_data_free(rgtg_value_data_t *data);

#endif
