/* decode/outputs.h: the decoded outputs of a run (one per prompt and sample): Best-of-N's ranking of
 * each output's N samples by a scorer, and the gathering of every rank's outputs onto rank 0 in prompt
 * order under mpirun. */
#ifndef RGTG_DECODE_OUTPUTS_H
#define RGTG_DECODE_OUTPUTS_H

#include "../core/model.h"
#include "engine.h"

typedef struct {
    rgtg_decoded_t kept;   /* the response (for Best-of-N, the best of its samples) */
    double *bon_rewards;   /* Best-of-N: every sample's reward; NULL otherwise */
    int64_t bon_count, bon_kept;
} rgtg_decode_output_t;

void rgtg_decode_outputs_free(rgtg_decode_output_t *outputs, int64_t count);

/* Best-of-N: rows holds outputs * n samples (output o's samples at o*n .. o*n+n-1), decoded from
 * prompts[o] (ids without BOS). Each sample is scored whole (BOS, prompt, response with its EOS) by
 * scorer, an output's samples together (64 a forward at most, whatever the batch size or rank); the
 * first best is kept, its work counters grow by the other samples' and by n scorer forwards, and rows'
 * tokens move into outputs. */
rgtg_status_t rgtg_decode_best_of(const rgtg_model_t *scorer, rgtg_decoded_t *rows, int64_t n,
                                  const int32_t *const *prompts, const int64_t *prompt_lengths, int64_t outputs_count,
                                  rgtg_decode_output_t *outputs);

/* Collective: every rank passes its outputs (in order); rank 0 receives all ranks' in rank order into
 * *all_out (count in *all_count_out), others receive nothing. The local outputs are consumed. */
rgtg_status_t rgtg_decode_gather(rgtg_decode_output_t *local, int64_t local_count, rgtg_decode_output_t **all_out,
                                 int64_t *all_count_out);

#endif
