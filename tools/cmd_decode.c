/* tools/cmd_decode.c: `rgtg decode`: generates responses for a split of a preference file with one
 * method, and writes the generations JSONL (schema in core/GENERATIONS.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/fsutil.h"
#include "../core/spm/spm.h"
#include "../data/prefs_h5.h"
#include "../decode/engine.h"
#include "../core/generations.h"
#include "args.h"
#include "commands.h"

static const rgtg_option_t options[] = {
    {"config", true, false, "YAML of decoding settings (configs/decode/*.yaml); options given here win"},
    {"lm", true, false, "language model directory (Hugging Face layout, with tokenizer.model)"},
    {"rm", true, false, "reward model directory guiding pargs/args"},
    {"method", true, false, "topk | greedy | pargs | args | pargs-greedy | args-greedy (default pargs)"},
    {"data", true, false, "preference file (prefs.h5) whose prompts are decoded"},
    {"split", true, false, "train | valid | test (default test)"},
    {"limit", true, false, "decode at most this many prompts"},
    {"out", true, false, "generations JSONL to write"},
    {"k", true, false, "candidates per step (default 10)"},
    {"beta", true, false, "reward weight (default 1.0)"},
    {"temperature", true, false, "sampling temperature (default 1.0)"},
    {"max-new-tokens", true, false, "tokens per response at most (default 64)"},
    {"batch", true, false, "prompts decoded together (default 16)"},
    {"seed", true, false, "sampling seed (default 1)"},
    {"threads", true, false, "libtorch threads (default 2)"},
    {"no-cache", false, false, "recompute every forward from scratch (the reference path)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

/* Decoding settings: a YAML file's values, overridden by the command line's. */
typedef struct {
    const char *method, *split;
    int64_t k, max_new_tokens, batch, seed, threads, limit;
    double beta, temperature;
} settings_t;

static rgtg_status_t read_config(const rgtg_config_t *cfg, settings_t *s) {
    static const char *const known[] = {"method", "split", "k", "max_new_tokens", "batch", "seed", "threads",
                                        "limit", "beta", "temperature", NULL};
    rgtg_status_t st = rgtg_config_check_known(cfg, known);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "method", s->method, &s->method);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "split", s->split, &s->split);
    struct { const char *key; int64_t *target; } ints[] = {
        {"k", &s->k}, {"max_new_tokens", &s->max_new_tokens}, {"batch", &s->batch}, {"seed", &s->seed},
        {"threads", &s->threads}, {"limit", &s->limit},
    };
    for (size_t i = 0; st == RGTG_OK && i < sizeof ints / sizeof ints[0]; i++)
        st = rgtg_config_get_int(cfg, ints[i].key, *ints[i].target, ints[i].target);
    if (st == RGTG_OK) st = rgtg_config_get_double(cfg, "beta", s->beta, &s->beta);
    if (st == RGTG_OK) st = rgtg_config_get_double(cfg, "temperature", s->temperature, &s->temperature);
    return st;
}

/* Text of a token span without its trailing EOS. */
static rgtg_status_t span_text(const rgtg_spm_t *spm, rgtg_token_span_t span, int eos, char **out) {
    size_t n = (size_t)span.len;
    if (n > 0 && span.ids[n - 1] == eos) n--;
    return rgtg_spm_decode(spm, span.ids, n, out);
}

int rgtg_cmd_decode(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("decode", options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("decode", "--lm DIR [--rm DIR] --method M --data prefs.h5 --out gens.jsonl", options);
        return 0;
    }
    const char *lm_dir = rgtg_args_get(&args, "lm", NULL), *rm_dir = rgtg_args_get(&args, "rm", NULL);
    const char *data_path = rgtg_args_get(&args, "data", NULL), *out_path = rgtg_args_get(&args, "out", NULL);
    settings_t set = {.method = "pargs", .split = "test", .k = 10, .max_new_tokens = 64, .batch = 16, .seed = 1,
                      .threads = 2, .limit = 0, .beta = 1.0, .temperature = 1.0};
    rgtg_config_t *cfg = NULL;
    const char *config_path = rgtg_args_get(&args, "config", NULL);
    if (config_path && (rgtg_config_load(config_path, &cfg) != RGTG_OK || read_config(cfg, &set) != RGTG_OK)) {
        rgtg_config_free(cfg);
        return rgtg_report_error("decode");
    }
    const char *method = rgtg_args_get(&args, "method", set.method);
    int split = rgtg_split_from_name(rgtg_args_get(&args, "split", set.split));
    long long k, max_new, batch, seed, threads, limit;
    double beta, temperature;
    if (!lm_dir || !data_path || !out_path) {
        fprintf(stderr, "rgtg decode: --lm, --data and --out are required\n");
        rgtg_config_free(cfg);
        return 2;
    }
    if (split < 0) {
        fprintf(stderr, "rgtg decode: --split must be train, valid or test\n");
        rgtg_config_free(cfg);
        return 2;
    }
    if (!rgtg_args_int(&args, "k", set.k, &k) || !rgtg_args_int(&args, "max-new-tokens", set.max_new_tokens, &max_new) ||
        !rgtg_args_int(&args, "batch", set.batch, &batch) || !rgtg_args_int(&args, "seed", set.seed, &seed) ||
        !rgtg_args_int(&args, "threads", set.threads, &threads) || !rgtg_args_int(&args, "limit", set.limit, &limit) ||
        !rgtg_args_double(&args, "beta", set.beta, &beta) ||
        !rgtg_args_double(&args, "temperature", set.temperature, &temperature)) {
        rgtg_config_free(cfg);
        return 2;
    }
    rgtg_strategy_t strategy;
    if (rgtg_strategy_make(method, beta, temperature, &strategy) != RGTG_OK) {
        rgtg_config_free(cfg);
        return rgtg_report_error("decode");
    }
    if (strategy.needs_reward && !rm_dir) {
        fprintf(stderr, "rgtg decode: method '%s' needs --rm\n", method);
        rgtg_config_free(cfg);
        return 2;
    }
    tt_set_num_threads((int)threads);

    rgtg_model_t *lm = NULL, *rm = NULL;
    rgtg_spm_t *spm = NULL;
    rgtg_prefs_t *data = NULL;
    char *tok_path = rgtg_path_join(lm_dir, "tokenizer.model");
    rgtg_status_t st = rgtg_model_load(lm_dir, TT_CPU, &lm);
    if (st == RGTG_OK && strategy.needs_reward) st = rgtg_model_load(rm_dir, TT_CPU, &rm);
    if (st == RGTG_OK) st = rgtg_spm_load(tok_path, &spm);
    if (st == RGTG_OK) st = rgtg_prefs_open(data_path, &data);
    if (st == RGTG_OK && rgtg_prefs_info(data)->vocab_size > rgtg_model_config(lm)->vocab_size)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: vocabulary %d is larger than the LM's (%d): another tokenizer", data_path,
                            rgtg_prefs_info(data)->vocab_size, rgtg_model_config(lm)->vocab_size);
    free(tok_path);
    int64_t count = 0;
    const int64_t *pair_ids = data ? rgtg_prefs_split_pairs(data, split, &count) : NULL;
    if (limit > 0 && count > limit) count = limit;
    if (st == RGTG_OK && count == 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: the %s split holds no prompts", data_path, rgtg_split_name(split));
    const int32_t **prompts = calloc((size_t)count + 1, sizeof *prompts);
    int64_t *lengths = calloc((size_t)count + 1, sizeof *lengths);
    rgtg_decoded_t *decoded = calloc((size_t)count + 1, sizeof *decoded);
    rgtg_pref_pair_t *pairs = calloc((size_t)count + 1, sizeof *pairs);
    if (st == RGTG_OK && (!prompts || !lengths || !decoded || !pairs)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; st == RGTG_OK && i < count; i++) {
        st = rgtg_prefs_get(data, pair_ids[i], &pairs[i]);
        prompts[i] = pairs[i].prompt.ids;
        lengths[i] = pairs[i].prompt.len;
    }
    rgtg_decode_params_t params = rgtg_decode_default_params();
    params.top_k = (int)k, params.max_new_tokens = (int)max_new, params.batch_size = (int)batch;
    params.seed = (uint64_t)seed, params.use_cache = !rgtg_args_has(&args, "no-cache");
    params.eos_id = lm ? rgtg_model_config(lm)->eos_token_id : 2;
    params.bos_id = lm ? rgtg_model_config(lm)->bos_token_id : -1;
    if (st == RGTG_OK) st = rgtg_decode(lm, rm, &strategy, &params, prompts, lengths, count, decoded);
    bool decoded_ok = st == RGTG_OK;

    rgtg_gen_writer_t *writer = NULL;
    if (st == RGTG_OK) st = rgtg_gen_writer_open(out_path, &writer);
    char params_json[256];
    snprintf(params_json, sizeof params_json,
             "{\"k\": %lld, \"beta\": %g, \"temperature\": %g, \"seed\": %lld, \"max_new_tokens\": %lld, \"cache\": %s}",
             k, strategy.needs_reward ? beta : 0.0, temperature, seed, max_new, params.use_cache ? "true" : "false");
    int64_t total_tokens = 0;
    double total_seconds = 0;
    for (int64_t i = 0; st == RGTG_OK && i < count; i++) {
        char *prompt = NULL, *reference = NULL, *response = NULL;
        st = rgtg_spm_decode(spm, prompts[i], (size_t)lengths[i], &prompt);
        if (st == RGTG_OK) st = span_text(spm, pairs[i].chosen, params.eos_id, &reference);
        rgtg_token_span_t resp = {decoded[i].tokens, decoded[i].count};
        if (st == RGTG_OK) st = span_text(spm, resp, params.eos_id, &response);
        rgtg_generation_t g = {
            .id = pair_ids[i], .prompt = prompt, .response = response, .reference = reference,
            .method = (char *)method, .params_json = params_json, .tokens = decoded[i].tokens,
            .token_count = (size_t)decoded[i].count, .new_tokens = decoded[i].count,
            .seconds = decoded[i].seconds, .finished = decoded[i].finished,
        };
        if (st == RGTG_OK) st = rgtg_gen_writer_add(writer, &g);
        total_tokens += decoded[i].count;
        total_seconds += decoded[i].seconds;
        free(prompt), free(reference), free(response);
    }
    if (st == RGTG_OK) st = rgtg_gen_writer_commit(writer);
    else if (writer) rgtg_gen_writer_abort(writer);
    if (st == RGTG_OK)
        printf("decode %s: %lld prompts, %lld tokens, %.2f ms/token -> %s\n", method, (long long)count,
               (long long)total_tokens, total_tokens ? 1000 * total_seconds / (double)total_tokens : 0.0, out_path);
    if (decoded_ok)
        for (int64_t i = 0; i < count; i++) rgtg_decoded_free(&decoded[i]);
    free(prompts), free(lengths), free(decoded), free(pairs);
    rgtg_prefs_close(data);
    rgtg_spm_free(spm);
    rgtg_model_free(lm);
    rgtg_model_free(rm);
    int code = st == RGTG_OK ? 0 : rgtg_report_error("decode");
    rgtg_config_free(cfg); /* after the report: the method name may live in it */
    return code;
}
