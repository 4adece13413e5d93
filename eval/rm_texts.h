/* eval/rm_texts.h: rewards of (prompt, response) texts under a reward model, encoded the way
 * `rgtg eval score` encodes a generation (prompt ids, response ids, EOS when the response finished,
 * cut from the left to the model's context). Used by the RM judge and by human-import's agreement.
 * (Kept apart so that it can fold into eval's scoring module later.) */
#ifndef RGTG_EVAL_RM_TEXTS_H
#define RGTG_EVAL_RM_TEXTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

typedef struct rgtg_rm_texts rgtg_rm_texts_t;

/* Loads DIR (a LlamaForSequenceClassification checkpoint) and its tokenizer (core/tokenizer.h), on the CPU with
 * threads libtorch threads (0: leave the setting alone). */
rgtg_status_t rgtg_rm_texts_open(const char *dir, int threads, rgtg_rm_texts_t **out);
void rgtg_rm_texts_free(rgtg_rm_texts_t *rm);

/* rewards_out[i] = r(prompts[i], responses[i]) for i < n, batch sequences per forward. */
rgtg_status_t rgtg_rm_texts_score(rgtg_rm_texts_t *rm, const char *const *prompts, const char *const *responses,
                                  const bool *finished, size_t n, int64_t batch, double *rewards_out);

#endif
