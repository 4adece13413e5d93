/* eval/rm_texts.c: scoring (prompt, response) texts with a reward model (see rm_texts.h). */
#include "rm_texts.h"

#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/model.h"
#include "../core/model_dir.h"
#include "../core/tokenizer.h"

struct rgtg_rm_texts {
    rgtg_model_t *model;
    rgtg_tokenizer_t *tok;
};

rgtg_status_t rgtg_rm_texts_open(const char *dir, int threads, rgtg_rm_texts_t **out) {
    *out = NULL;
    rgtg_rm_texts_t *rm = calloc(1, sizeof *rm);
    if (!rm) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (threads > 0) tt_set_num_threads(threads);
    rgtg_status_t status = rgtg_model_load_for(dir, RGTG_HEAD_SCORE, TT_CPU, &rm->model);
    if (status == RGTG_OK) status = rgtg_tokenizer_load(dir, &rm->tok);
    if (status != RGTG_OK) {
        rgtg_rm_texts_free(rm);
        return status;
    }
    *out = rm;
    return RGTG_OK;
}

void rgtg_rm_texts_free(rgtg_rm_texts_t *rm) {
    if (!rm) return;
    rgtg_model_free(rm->model);
    rgtg_tokenizer_free(rm->tok);
    free(rm);
}

/* prompt ids + response ids (+ EOS when finished), the last max_len of them (the reward is read at
 * the end). */
static rgtg_status_t encode(const rgtg_tokenizer_t *tok, const char *prompt, const char *response, bool finished, int eos,
                            int64_t max_len, int64_t **ids_out, int64_t *length_out) {
    int32_t *prompt_ids = NULL, *response_ids = NULL;
    size_t np = 0, nr = 0;
    *ids_out = NULL;
    rgtg_status_t status = rgtg_tokenizer_encode(tok, prompt, strlen(prompt), &prompt_ids, &np);
    if (status == RGTG_OK) status = rgtg_tokenizer_encode(tok, response, strlen(response), &response_ids, &nr);
    int64_t total = (int64_t)(np + nr) + (finished ? 1 : 0);
    int64_t skip = total > max_len ? total - max_len : 0;
    int64_t *ids = status == RGTG_OK ? malloc(sizeof *ids * (size_t)(total + 1)) : NULL;
    if (status == RGTG_OK && !ids) status = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    int64_t n = 0;
    for (size_t i = 0; status == RGTG_OK && i < np; i++) ids[n++] = prompt_ids[i];
    for (size_t i = 0; status == RGTG_OK && i < nr; i++) ids[n++] = response_ids[i];
    if (status == RGTG_OK && finished) ids[n++] = eos;
    if (status == RGTG_OK && skip) memmove(ids, ids + skip, sizeof *ids * (size_t)(n - skip));
    free(prompt_ids), free(response_ids);
    *ids_out = ids;
    *length_out = n - skip;
    return status;
}

rgtg_status_t rgtg_rm_texts_score(rgtg_rm_texts_t *rm, const char *const *prompts, const char *const *responses,
                                  const bool *finished, size_t n, int64_t batch, double *rewards_out) {
    const rgtg_model_config_t *config = rgtg_model_config(rm->model);
    int eos = config->eos_token_id >= 0 ? config->eos_token_id : rgtg_tokenizer_eos_id(rm->tok);
    int64_t **sequences = calloc(n + 1, sizeof *sequences), *lengths = calloc(n + 1, sizeof *lengths);
    float *rewards = calloc(n + 1, sizeof *rewards);
    rgtg_status_t status = sequences && lengths && rewards ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; status == RGTG_OK && i < n; i++)
        status = encode(rm->tok, prompts[i], responses[i], finished[i], eos, config->max_position_embeddings,
                        &sequences[i], &lengths[i]);
    if (status == RGTG_OK && n > 0)
        status = rgtg_model_sequence_rewards(rm->model, (const int64_t *const *)sequences, lengths, (int64_t)n,
                                             batch < 1 ? 1 : batch, rewards);
    for (size_t i = 0; status == RGTG_OK && i < n; i++) rewards_out[i] = rewards[i];
    for (size_t i = 0; sequences && i < n; i++) free(sequences[i]);
    free(sequences), free(lengths), free(rewards);
    return status;
}
