/* tools/value_data.c: sampling and scoring the value function's training data (see value_data.h). */
#include "value_data.h"

#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/model_dir.h"
#include "../data/prefs_h5.h"
#include "../decode/engine.h"

rgtg_value_data_params_t rgtg_value_data_default_params(void) {
    return (rgtg_value_data_params_t){
        .prompts = 256, .samples_per_prompt = 2, .max_new_tokens = 48, .top_k = 20, .temperature = 1.0, .threads = 2,
    };
}

/* Rewards at the last token of prompt + response for each row. */
static rgtg_status_t score(const rgtg_model_t *rm, const int32_t *const *prompts, const int64_t *prompt_lens,
                           const int32_t *const *responses, const int64_t *response_lens, int64_t n, float *out) {
    int64_t **seqs = calloc((size_t)n + 1, sizeof *seqs), *lens = calloc((size_t)n + 1, sizeof *lens);
    rgtg_status_t st = seqs && lens ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; st == RGTG_OK && i < n; i++) {
        lens[i] = prompt_lens[i] + response_lens[i];
        seqs[i] = malloc(sizeof(int64_t) * (size_t)(lens[i] + 1));
        if (!seqs[i]) {
            st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            break;
        }
        for (int64_t t = 0; t < prompt_lens[i]; t++) seqs[i][t] = prompts[i][t];
        for (int64_t t = 0; t < response_lens[i]; t++) seqs[i][prompt_lens[i] + t] = responses[i][t];
    }
    if (st == RGTG_OK) st = rgtg_model_sequence_rewards(rm, (const int64_t *const *)seqs, lens, n, 32, out);
    for (int64_t i = 0; seqs && i < n; i++) free(seqs[i]);
    free(seqs), free(lens);
    return st;
}

rgtg_status_t rgtg_value_data_make(const char *prefs_path, const rgtg_value_data_params_t *p, rgtg_value_data_t *out) {
    memset(out, 0, sizeof *out);
    if (p->samples_per_prompt < 1 || p->max_new_tokens < 1 || p->top_k < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "config keys 'value.samples_per_prompt', 'value.max_new_tokens' and 'value.top_k' must be positive");
    tt_set_num_threads(p->threads);
    rgtg_prefs_t *data = NULL;
    rgtg_model_t *lm = NULL, *rm = NULL;
    rgtg_status_t st = rgtg_prefs_open(prefs_path, &data);
    if (st == RGTG_OK) st = rgtg_model_load_for(p->lm_dir, RGTG_HEAD_LM, TT_CPU, &lm);
    if (st == RGTG_OK) st = rgtg_model_load_for(p->rm_dir, RGTG_HEAD_SCORE, TT_CPU, &rm);
    int vocab = data ? rgtg_prefs_info(data)->vocab_size : 0;
    if (st == RGTG_OK && (rgtg_model_config(lm)->vocab_size != vocab || rgtg_model_config(rm)->vocab_size != vocab))
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: vocabulary %d, but value.lm has %d and value.rm %d", prefs_path, vocab,
                            rgtg_model_config(lm)->vocab_size, rgtg_model_config(rm)->vocab_size);
    if (st == RGTG_OK) st = rgtg_check_tokenizer_matches_data(p->lm_dir, rgtg_prefs_info(data)->tokenizer_sha256, prefs_path);
    if (st == RGTG_OK) st = rgtg_check_same_tokenizer(p->lm_dir, p->rm_dir);
    int64_t pairs = 0;
    const int64_t *ids = data ? rgtg_prefs_split_pairs(data, RGTG_SPLIT_TRAIN, &pairs) : NULL;
    if (p->prompts > 0 && pairs > p->prompts) pairs = p->prompts;
    int64_t n = pairs * p->samples_per_prompt;
    const int32_t **prompts = calloc((size_t)n + 1, sizeof *prompts), **responses = calloc((size_t)n + 1, sizeof *responses);
    int64_t *prompt_lens = calloc((size_t)n + 1, sizeof(int64_t)), *response_lens = calloc((size_t)n + 1, sizeof(int64_t));
    rgtg_decoded_t *decoded = calloc((size_t)n + 1, sizeof *decoded);
    float *rewards = calloc((size_t)n + 1, sizeof(float)), *chosen_rewards = calloc((size_t)pairs + 1, sizeof(float));
    if (st == RGTG_OK && (!prompts || !responses || !prompt_lens || !response_lens || !decoded || !rewards || !chosen_rewards))
        st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; st == RGTG_OK && i < n; i++) {
        rgtg_pref_pair_t pair;
        st = rgtg_prefs_get(data, ids[i / p->samples_per_prompt], &pair);
        prompts[i] = pair.prompt.ids, prompt_lens[i] = pair.prompt.len;
        if (i % p->samples_per_prompt == 0) responses[i / p->samples_per_prompt] = pair.chosen.ids,
                                            response_lens[i / p->samples_per_prompt] = pair.chosen.len;
    }
    /* the dataset's chosen responses, for win labels */
    if (st == RGTG_OK && p->bce) {
        const int32_t **pair_prompts = malloc(sizeof *pair_prompts * (size_t)(pairs + 1));
        int64_t *pair_prompt_lens = malloc(sizeof(int64_t) * (size_t)(pairs + 1));
        for (int64_t i = 0; pair_prompts && pair_prompt_lens && i < pairs; i++)
            pair_prompts[i] = prompts[i * p->samples_per_prompt], pair_prompt_lens[i] = prompt_lens[i * p->samples_per_prompt];
        st = pair_prompts && pair_prompt_lens ? score(rm, pair_prompts, pair_prompt_lens, responses, response_lens, pairs, chosen_rewards)
                                              : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        free(pair_prompts), free(pair_prompt_lens);
    }
    rgtg_strategy_t sampler;
    if (st == RGTG_OK) st = rgtg_strategy_make("topk", 0, p->temperature, &sampler);
    rgtg_decode_params_t dp = rgtg_decode_default_params();
    dp.top_k = p->top_k, dp.max_new_tokens = p->max_new_tokens, dp.seed = p->seed;
    dp.eos_id = lm ? rgtg_model_config(lm)->eos_token_id : 2;
    dp.bos_id = lm ? rgtg_model_config(lm)->bos_token_id : -1;
    if (st == RGTG_OK) {
        rgtg_log_info("value data: sampling %lld responses from %s", (long long)n, p->lm_dir);
        st = rgtg_decode(lm, NULL, &sampler, &dp, prompts, prompt_lens, n, decoded);
    }
    for (int64_t i = 0; st == RGTG_OK && i < n; i++) responses[i] = decoded[i].tokens, response_lens[i] = decoded[i].count;
    if (st == RGTG_OK) st = score(rm, prompts, prompt_lens, responses, response_lens, n, rewards);
    if (st == RGTG_OK) {
        out->examples = calloc((size_t)n, sizeof *out->examples);
        if (!out->examples) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    }
    double mean = 0;
    for (int64_t i = 0; st == RGTG_OK && i < n; i++) {
        rgtg_value_example_t *e = &out->examples[i];
        e->prompt = malloc(sizeof(int32_t) * (size_t)prompt_lens[i]);
        if (!e->prompt) {
            st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            break;
        }
        memcpy(e->prompt, prompts[i], sizeof(int32_t) * (size_t)prompt_lens[i]);
        e->prompt_len = prompt_lens[i];
        e->response = decoded[i].tokens, e->response_len = decoded[i].count;
        decoded[i].tokens = NULL;
        e->target = p->bce ? (rewards[i] > chosen_rewards[i / p->samples_per_prompt] ? 1.0f : 0.0f) : rewards[i];
        mean += e->target;
        out->count = i + 1;
    }
    if (st == RGTG_OK)
        rgtg_log_info("value data: %lld responses, mean %s %.4f", (long long)n, p->bce ? "win label" : "reward",
                      n ? mean / (double)n : 0.0);
    for (int64_t i = 0; decoded && i < n; i++) rgtg_decoded_free(&decoded[i]);
    free(prompts), free(responses), free(prompt_lens), free(response_lens), free(decoded), free(rewards), free(chosen_rewards);
    rgtg_model_free(lm);
    rgtg_model_free(rm);
    rgtg_prefs_close(data);
    if (st != RGTG_OK) rgtg_value_data_free(out);
    return st;
}

void rgtg_value_data_free(rgtg_value_data_t *data) {
    for (int64_t i = 0; data->examples && i < data->count; i++) {
        free(data->examples[i].prompt);
        free(data->examples[i].response);
    }
    free(data->examples);
    memset(data, 0, sizeof *data);
}
