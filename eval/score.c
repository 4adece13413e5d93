/* eval/score.c: reward scoring of generations (see score.h). */
#include "score.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/model_dir.h"
#include "stats.h"

rgtg_score_params_t rgtg_score_default_params(void) {
    return (rgtg_score_params_t){.batch = 32, .threads = 2};
}

/* prompt ids + response ids (+ EOS when the response finished) under the reward model's tokenizer,
 * cut from the left to max_len. */
static rgtg_status_t encode_row(const rgtg_tokenizer_t *tok, const char *prompt_text, const char *response_text, bool finished,
                                int eos, int64_t max_len, int64_t **ids_out, int64_t *len_out) {
    int32_t *prompt = NULL, *response = NULL;
    size_t np = 0, nr = 0;
    rgtg_status_t st = rgtg_tokenizer_encode(tok, prompt_text, strlen(prompt_text), &prompt, &np);
    if (st == RGTG_OK) st = rgtg_tokenizer_encode(tok, response_text, strlen(response_text), &response, &nr);
    int64_t total = (int64_t)(np + nr) + (finished ? 1 : 0);
    int64_t skip = total > max_len ? total - max_len : 0; /* keep the end: the reward is read there */
    int64_t *ids = st == RGTG_OK ? malloc(sizeof(int64_t) * (size_t)(total + 1)) : NULL;
    if (st == RGTG_OK && !ids) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    int64_t n = 0;
    for (size_t i = 0; st == RGTG_OK && i < np; i++) ids[n++] = prompt[i];
    for (size_t i = 0; st == RGTG_OK && i < nr; i++) ids[n++] = response[i];
    if (st == RGTG_OK && finished) ids[n++] = eos;
    if (st == RGTG_OK && skip) memmove(ids, ids + skip, sizeof(int64_t) * (size_t)(n - skip));
    free(prompt), free(response);
    *ids_out = ids;
    *len_out = n - skip;
    return st;
}

/* One pass over the rows: their responses, or their references (complete responses, so with EOS). */
static rgtg_status_t score_pass(const rgtg_model_t *rm, const rgtg_tokenizer_t *tok, rgtg_generation_t *rows, size_t count,
                                int64_t batch, bool references) {
    const rgtg_model_config_t *config = rgtg_model_config(rm);
    int eos = config->eos_token_id >= 0 ? config->eos_token_id : rgtg_tokenizer_eos_id(tok);
    int64_t **seqs = calloc(count + 1, sizeof *seqs), *lens = calloc(count + 1, sizeof *lens);
    float *rewards = calloc(count + 1, sizeof *rewards);
    rgtg_status_t st = seqs && lens && rewards ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == RGTG_OK && i < count; i++) {
        const rgtg_generation_t *g = &rows[i];
        if (references && !g->reference)
            st = rgtg_error_set(RGTG_ERR_INVALID, "row %zu (id %lld) has no reference to score", i + 1, (long long)g->id);
        else
            st = encode_row(tok, g->prompt, references ? g->reference : g->response, references || g->finished, eos,
                            config->max_position_embeddings, &seqs[i], &lens[i]);
    }
    if (st == RGTG_OK) st = rgtg_model_sequence_rewards(rm, (const int64_t *const *)seqs, lens, (int64_t)count, batch, rewards);
    for (size_t i = 0; st == RGTG_OK && i < count; i++) {
        if (references) rows[i].has_reference_reward = true, rows[i].reference_reward = rewards[i];
        else rows[i].has_reward = true, rows[i].reward = rewards[i];
    }
    for (size_t i = 0; seqs && i < count; i++) free(seqs[i]);
    free(seqs), free(lens), free(rewards);
    return st;
}

rgtg_status_t rgtg_score_rows(const rgtg_model_t *rm, const rgtg_tokenizer_t *tok, rgtg_generation_t *rows, size_t count,
                              int64_t batch, bool reference) {
    rgtg_status_t st = score_pass(rm, tok, rows, count, batch < 1 ? 1 : batch, false);
    if (st == RGTG_OK && reference) st = score_pass(rm, tok, rows, count, batch < 1 ? 1 : batch, true);
    return st;
}

/* Mean and SE of the rewards (or reference rewards) of rows. */
static rgtg_status_t summarize(const rgtg_generation_t *rows, size_t count, bool references, rgtg_summary_t *out) {
    double *values = calloc(count + 1, sizeof *values);
    if (!values) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) values[i] = references ? rows[i].reference_reward : rows[i].reward;
    rgtg_status_t st = rgtg_stats_summarize(values, count, out);
    free(values);
    return st;
}

rgtg_status_t rgtg_score_file(const rgtg_score_params_t *p, rgtg_score_result_t *result) {
    memset(result, 0, sizeof *result);
    if (!p->rm_dir || !p->gens)
        return rgtg_error_set(RGTG_ERR_INVALID, "score: a reward model and a generations file are required");
    if (p->batch < 1 || p->threads < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "score: --batch and --threads must be >= 1 (got %lld and %d)",
                              (long long)p->batch, p->threads);
    tt_set_num_threads(p->threads);
    rgtg_generation_t *rows = NULL;
    size_t count = 0;
    rgtg_model_t *rm = NULL;
    rgtg_tokenizer_t *tok = NULL;
    rgtg_status_t st = rgtg_gen_read(p->gens, &rows, &count);
    if (st == RGTG_OK) st = rgtg_model_load_for(p->rm_dir, RGTG_HEAD_SCORE, TT_CPU, &rm);
    if (st == RGTG_OK) st = rgtg_tokenizer_load(p->rm_dir, &tok);
    if (st == RGTG_OK && (st = rgtg_score_rows(rm, tok, rows, count, p->batch, p->reference)) != RGTG_OK) {
        char message[512]; /* name the file the rows came from */
        snprintf(message, sizeof message, "%s", rgtg_error_message());
        rgtg_error_clear();
        rgtg_error_set(st, "%s: %s", p->gens, message);
    }
    rgtg_summary_t summary = {0}, reference = {.mean = NAN};
    if (st == RGTG_OK) st = summarize(rows, count, false, &summary);
    if (st == RGTG_OK && p->reference) st = summarize(rows, count, true, &reference);
    if (st == RGTG_OK) st = rgtg_gen_write_all(p->out ? p->out : p->gens, rows, count);
    if (st == RGTG_OK) *result = (rgtg_score_result_t){count, summary.mean, summary.se, reference.mean};
    rgtg_gen_free(rows, count);
    rgtg_model_free(rm);
    rgtg_tokenizer_free(tok);
    return st;
}
