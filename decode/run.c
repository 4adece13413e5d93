/* decode/run.c: the decode stage (see run.h): settings, prompts, model checks, sharded decoding and
 * the generations file. */
#define _POSIX_C_SOURCE 200809L
#include "run.h"

#include <stdlib.h>
#include <string.h>

#include "../core/dist.h"
#include "../core/fsutil.h"
#include "../core/generations.h"
#include "../core/rng.h"
#include "../core/tokenizer.h"
#include "checks.h"
#include "outputs.h"
#include "settings.h"

rgtg_decode_run_params_t rgtg_decode_run_default_params(void) {
    return (rgtg_decode_run_params_t){.use_cache = true, .report = stdout};
}

/* Sampling stream of sample j (counting Best-of-N's samples too) of prompt id: the prompt's streams
 * start at a well-mixed point, so that prompts' ranges of streams do not meet in practice. */
static uint64_t stream_of(int64_t id, int64_t j) {
    uint64_t state = (uint64_t)id;
    return rgtg_rng_splitmix64(&state) + (uint64_t)j;
}

typedef struct {
    const rgtg_decode_run_params_t *params;
    rgtg_decode_settings_t settings;
    rgtg_prompt_list_t prompts;
    rgtg_decode_model_t lm, extra; /* extra: the guide, value model or scorer */
    rgtg_gen_role_t extra_role;
    bool has_extra;
    rgtg_tokenizer_t *tok;
    rgtg_decode_output_t *outputs; /* rank 0 after gathering: prompts.count * samples */
    int64_t output_count;
} run_t;

static rgtg_status_t check_options(run_t *run) {
    const rgtg_decode_run_params_t *p = run->params;
    const rgtg_method_def_t *def = run->settings.method.def;
    if (!p->lm_dir || !p->out_path) return rgtg_error_set(RGTG_ERR_INVALID, "decode: --lm and --out are required");
    if (!p->prompts_path == !p->load_prompts)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: give one prompt source (--prompts FILE.jsonl or --data prefs.h5)");
    bool wants_rm = def->needs == RGTG_NEEDS_GUIDE || def->needs == RGTG_NEEDS_SCORER;
    bool wants_value = def->needs == RGTG_NEEDS_VALUE;
    if (wants_rm && !p->rm_dir)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: method %s needs --rm (a reward model %s)", def->name,
                              def->needs == RGTG_NEEDS_GUIDE ? "scoring every step's candidates" : "ranking the samples");
    if (wants_value && !p->value_dir)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: method %s needs --value (a value model from rgtg train value)",
                              def->name);
    if (!wants_rm && p->rm_dir)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: method %s uses no --rm (given %s)", def->name, p->rm_dir);
    if (!wants_value && p->value_dir)
        return rgtg_error_set(RGTG_ERR_INVALID, "decode: method %s uses no --value (given %s)", def->name, p->value_dir);
    run->has_extra = wants_rm || wants_value;
    run->extra_role = def->needs == RGTG_NEEDS_GUIDE   ? RGTG_GEN_GUIDE
                      : def->needs == RGTG_NEEDS_VALUE ? RGTG_GEN_VALUE
                                                       : RGTG_GEN_SCORER;
    return RGTG_OK;
}

static rgtg_status_t read_prompts(run_t *run) {
    const rgtg_decode_run_params_t *p = run->params;
    rgtg_status_t st = p->prompts_path ? rgtg_prompts_read_jsonl(p->prompts_path, p->render, p->render_ctx, &run->prompts)
                                       : p->load_prompts(p->load_ctx, run->settings.split, &run->prompts);
    if (st == RGTG_OK && run->prompts.count == 0) st = rgtg_error_set(RGTG_ERR_INVALID, "decode: no prompts to decode");
    if (st == RGTG_OK && run->settings.limit > 0 && run->prompts.count > run->settings.limit) {
        rgtg_prompt_list_t *list = &run->prompts;
        for (int64_t i = run->settings.limit; i < list->count; i++) {
            rgtg_prompt_t *q = &list->items[i];
            free(q->text), free(q->tokens), free(q->reference), free(q->reference_tokens);
        }
        list->count = run->settings.limit;
    }
    return st;
}

/* Heads and tokenizers of every model, before any weights are read. */
static rgtg_status_t open_models(run_t *run) {
    const rgtg_decode_run_params_t *p = run->params;
    rgtg_status_t st = rgtg_decode_model_open(p->lm_dir, RGTG_HEAD_LM, "language model", &run->lm);
    if (st == RGTG_OK && run->has_extra)
        st = rgtg_decode_model_open(run->extra_role == RGTG_GEN_VALUE ? p->value_dir : p->rm_dir, RGTG_HEAD_SCORE,
                                    run->extra_role == RGTG_GEN_VALUE ? "value model" : "reward model", &run->extra);
    if (st == RGTG_OK && run->has_extra) st = rgtg_decode_model_same_tokenizer(&run->lm, &run->extra);
    if (st == RGTG_OK && run->prompts.tokenizer_sha256 && strcmp(run->prompts.tokenizer_sha256, run->lm.tokenizer_sha256))
        st = rgtg_error_set(RGTG_ERR_INVALID, "decode: the prompts were tokenized with another tokenizer (sha256 %.12s...) "
                            "than the language model's (%s/%s, sha256 %.12s...)",
                            run->prompts.tokenizer_sha256, p->lm_dir, run->lm.tokenizer_file, run->lm.tokenizer_sha256);
    if (st == RGTG_OK) st = rgtg_tokenizer_load(p->lm_dir, &run->tok);
    return st;
}

/* Text of ids without a trailing stop id (any of the LM's EOS ids; lm NULL: none is cut); special tokens
 * inside stay (a chat template's markers), so that a scorer that encodes the text again reads the same
 * tokens. */
static rgtg_status_t text_of(const rgtg_tokenizer_t *tok, const int32_t *ids, int64_t n, const rgtg_model_config_t *lm,
                             char **out) {
    if (lm && n > 0 && rgtg_model_config_is_stop(lm, ids[n - 1])) n--;
    return rgtg_tokenizer_decode(tok, ids, (size_t)n, false, out, NULL);
}

/* Every prompt gets both its ids and its text (and its reference's text), then the positions check. */
static rgtg_status_t complete_prompts(run_t *run) {
    rgtg_status_t st = RGTG_OK;
    for (int64_t i = 0; st == RGTG_OK && i < run->prompts.count; i++) {
        rgtg_prompt_t *q = &run->prompts.items[i];
        if (!q->tokens) {
            size_t n = 0;
            st = rgtg_tokenizer_encode(run->tok, q->text, strlen(q->text), &q->tokens, &n);
            q->length = (int64_t)n;
            if (st == RGTG_OK && n == 0)
                st = rgtg_error_set(RGTG_ERR_INVALID, "decode: prompt id %lld has no tokens", (long long)q->id);
        }
        for (int64_t t = 0; st == RGTG_OK && t < q->length; t++)
            if (q->tokens[t] < 0 || q->tokens[t] >= run->lm.config.vocab_size)
                st = rgtg_error_set(RGTG_ERR_INVALID, "decode: prompt id %lld holds token %d, outside the language "
                                    "model's vocabulary of %d", (long long)q->id, q->tokens[t], run->lm.config.vocab_size);
        if (st == RGTG_OK && !q->text) st = text_of(run->tok, q->tokens, q->length, NULL, &q->text);
        if (st == RGTG_OK && !q->reference && q->reference_tokens)
            st = text_of(run->tok, q->reference_tokens, q->reference_length, &run->lm.config, &q->reference);
    }
    int64_t *lengths = calloc((size_t)run->prompts.count + 1, sizeof *lengths), *ids = calloc((size_t)run->prompts.count + 1, sizeof *ids);
    if (st == RGTG_OK && (!lengths || !ids)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; st == RGTG_OK && i < run->prompts.count; i++)
        lengths[i] = run->prompts.items[i].length, ids[i] = run->prompts.items[i].id;
    const rgtg_model_config_t *configs[2] = {&run->lm.config, &run->extra.config};
    const char *names[2] = {run->params->lm_dir, run->extra.dir};
    if (st == RGTG_OK)
        st = rgtg_decode_check_positions(configs, names, run->has_extra ? 2 : 1, (int)run->settings.max_new_tokens,
                                         rgtg_model_config_bos_to_prepend(&run->lm.config), lengths, ids, run->prompts.count);
    free(lengths), free(ids);
    return st;
}

/* This rank's prompts [*first, *last): contiguous shards, so that gathering keeps prompt order. */
static void shard(int64_t count, int64_t *first, int64_t *last) {
    int64_t rank = rgtg_dist_rank(), world = rgtg_dist_world_size();
    *first = count * rank / world;
    *last = count * (rank + 1) / world;
}

static rgtg_status_t decode_shard(run_t *run, rgtg_decode_output_t **local_out, int64_t *local_count_out) {
    const rgtg_decode_settings_t *s = &run->settings;
    int64_t first, last, per_output = rgtg_method_samples_per_output(&s->method);
    shard(run->prompts.count, &first, &last);
    int64_t prompts = last - first, outputs = prompts * s->samples, rows = outputs * per_output;
    const int32_t **row_prompts = calloc((size_t)rows + 1, sizeof *row_prompts);
    const int32_t **output_prompts = calloc((size_t)outputs + 1, sizeof *output_prompts);
    int64_t *row_lengths = calloc((size_t)rows + 1, sizeof(int64_t)), *output_lengths = calloc((size_t)outputs + 1, sizeof(int64_t));
    int64_t *row_ids = calloc((size_t)rows + 1, sizeof(int64_t));
    uint64_t *streams = calloc((size_t)rows + 1, sizeof(uint64_t));
    rgtg_decoded_t *decoded = calloc((size_t)rows + 1, sizeof *decoded);
    rgtg_decode_output_t *local = calloc((size_t)outputs + 1, sizeof *local);
    rgtg_status_t st = row_prompts && output_prompts && row_lengths && output_lengths && row_ids && streams && decoded && local
                           ? RGTG_OK
                           : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0, row = 0; st == RGTG_OK && i < prompts; i++) {
        const rgtg_prompt_t *q = &run->prompts.items[first + i];
        for (int64_t j = 0; j < s->samples * per_output; j++, row++) {
            row_prompts[row] = q->tokens, row_lengths[row] = q->length, row_ids[row] = q->id;
            streams[row] = stream_of(q->id, j);
        }
        for (int64_t j = 0; j < s->samples; j++)
            output_prompts[i * s->samples + j] = q->tokens, output_lengths[i * s->samples + j] = q->length;
    }
    rgtg_decode_params_t dp = rgtg_decode_default_params();
    dp.max_new_tokens = (int)s->max_new_tokens, dp.batch_size = (int)s->batch, dp.seed = (uint64_t)s->seed;
    int32_t stops[1 + RGTG_MAX_EXTRA_EOS]; /* the loaded LM's: config.json's and generation_config.json's */
    rgtg_decode_params_use_model(&dp, rgtg_model_config(run->lm.model), rgtg_tokenizer_vocab_size(run->tok), stops);
    dp.use_cache = run->params->use_cache, dp.streams = streams, dp.ids = row_ids;
    const rgtg_model_t *guide = run->has_extra && run->extra_role != RGTG_GEN_SCORER ? run->extra.model : NULL;
    if (st == RGTG_OK && rows > 0) st = rgtg_decode(run->lm.model, guide, &s->method, &dp, row_prompts, row_lengths, rows, decoded);
    if (st == RGTG_OK && rows > 0 && run->extra_role == RGTG_GEN_SCORER && run->has_extra) {
        st = rgtg_decode_best_of(run->extra.model, decoded, per_output, output_prompts, output_lengths, outputs, local);
    } else if (st == RGTG_OK) {
        for (int64_t o = 0; o < outputs; o++) local[o].kept = decoded[o], decoded[o].tokens = NULL;
    }
    for (int64_t r = 0; decoded && r < rows; r++) rgtg_decoded_free(&decoded[r]);
    free(row_prompts), free(output_prompts), free(row_lengths), free(output_lengths), free(row_ids), free(streams);
    free(decoded);
    if (st != RGTG_OK) {
        rgtg_decode_outputs_free(local, outputs);
        return st;
    }
    *local_out = local, *local_count_out = outputs;
    return RGTG_OK;
}

static rgtg_status_t write_generations(run_t *run) {
    const rgtg_decode_run_params_t *p = run->params;
    const rgtg_decode_settings_t *s = &run->settings;
    json_t *params = NULL;
    rgtg_status_t st = rgtg_method_params_json(&s->method, &params);
    if (st == RGTG_OK && (json_object_set_new(params, "seed", json_integer(s->seed)) != 0 ||
                          json_object_set_new(params, "max_new_tokens", json_integer(s->max_new_tokens)) != 0 ||
                          json_object_set_new(params, "cache", json_boolean(p->use_cache)) != 0))
        st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    char *params_json = st == RGTG_OK ? json_dumps(params, JSON_COMPACT) : NULL;
    json_decref(params);
    if (st == RGTG_OK && !params_json) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    rgtg_gen_writer_t *writer = NULL;
    if (st == RGTG_OK) st = rgtg_gen_writer_open(p->out_path, &writer);
    int64_t tokens = 0;
    double seconds = 0;
    for (int64_t o = 0; st == RGTG_OK && o < run->output_count; o++) {
        const rgtg_prompt_t *q = &run->prompts.items[o / s->samples];
        rgtg_decode_output_t *out = &run->outputs[o];
        char *response = NULL;
        st = text_of(run->tok, out->kept.tokens, out->kept.count, rgtg_model_config(run->lm.model), &response);
        rgtg_generation_t g = {
            .id = q->id, .sample = o % s->samples, .prompt = q->text, .response = response, .reference = q->reference,
            .method = (char *)s->method.def->name, .params_json = params_json, .tokens = out->kept.tokens,
            .token_count = (size_t)out->kept.count, .new_tokens = out->kept.count, .seconds = out->kept.seconds,
            .finished = out->kept.finished, .has_work = true, .lm_forwards = out->kept.lm_forwards,
            .rm_forwards = out->kept.rm_forwards, .candidates_scored = out->kept.candidates_scored,
            .bon_rewards = out->bon_rewards, .bon_count = (size_t)out->bon_count, .bon_kept = out->bon_kept,
        };
        g.models[RGTG_GEN_LM] = (rgtg_gen_model_t){(char *)p->lm_dir, run->lm.weights_sha256, NULL};
        if (run->has_extra)
            g.models[run->extra_role] = (rgtg_gen_model_t){(char *)run->extra.dir, run->extra.weights_sha256,
                                                           (char *)s->method.def->model_kind};
        if (st == RGTG_OK) st = rgtg_gen_writer_add(writer, &g);
        tokens += out->kept.count, seconds += out->kept.seconds;
        free(response);
    }
    if (st == RGTG_OK) st = rgtg_gen_writer_commit(writer);
    else rgtg_gen_writer_abort(writer);
    free(params_json);
    if (st == RGTG_OK && p->report)
        fprintf(p->report, "decode %s: %lld prompts x %lld samples, %lld tokens, %.2f ms/token -> %s\n",
                s->method.def->name, (long long)run->prompts.count, (long long)s->samples, (long long)tokens,
                tokens ? 1000 * seconds / (double)tokens : 0.0, p->out_path);
    return st;
}

/* The ranks agree on st, unless an earlier agreement failed (then every rank knows already). */
static rgtg_status_t agree(rgtg_status_t st, bool *agreed) {
    if (!*agreed) return st;
    st = rgtg_dist_check(st);
    *agreed = st == RGTG_OK;
    return st;
}

rgtg_status_t rgtg_decode_run(const rgtg_decode_run_params_t *params) {
    run_t run = {.params = params};
    /* every check first, on every rank alike; the ranks agree before the next phase */
    rgtg_status_t st = rgtg_decode_settings_resolve(params->config_path, params->setting_names, params->setting_values,
                                                    params->setting_count, &run.settings);
    bool settled = st == RGTG_OK, agreed = true;
    if (st == RGTG_OK) st = check_options(&run);
    /* one writer of --out at a time: a second decode into the same file fails at once, naming the pid */
    rgtg_output_lock_t *lock = NULL;
    if (st == RGTG_OK && rgtg_dist_rank() == 0) st = rgtg_file_lock(params->out_path, &lock);
    if (st == RGTG_OK) tt_set_num_threads((int)run.settings.threads);
    if (st == RGTG_OK) st = read_prompts(&run);
    if (st == RGTG_OK) st = open_models(&run);
    if (st == RGTG_OK) st = complete_prompts(&run);
    st = agree(st, &agreed);
    if (st == RGTG_OK) st = rgtg_decode_model_load(&run.lm);
    if (st == RGTG_OK && run.has_extra) st = rgtg_decode_model_load(&run.extra);
    st = agree(st, &agreed);
    rgtg_decode_output_t *local = NULL;
    int64_t local_count = 0;
    if (st == RGTG_OK) st = decode_shard(&run, &local, &local_count);
    st = agree(st, &agreed);
    if (st == RGTG_OK) st = rgtg_decode_gather(local, local_count, &run.outputs, &run.output_count);
    else rgtg_decode_outputs_free(local, local_count);
    if (st == RGTG_OK && rgtg_dist_rank() == 0) st = write_generations(&run);
    st = agree(st, &agreed);
    rgtg_decode_outputs_free(run.outputs, run.output_count);
    rgtg_output_unlock(lock);
    rgtg_decode_model_close(&run.lm);
    rgtg_decode_model_close(&run.extra);
    rgtg_tokenizer_free(run.tok);
    rgtg_prompt_list_free(&run.prompts);
    if (settled) rgtg_decode_settings_free(&run.settings);
    return st;
}
