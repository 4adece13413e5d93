/* decode/bench.c: top-k against PARGS (equal and quarter-compute guides) on random models (see bench.h). */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <time.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/hf_config.h"
#include "../core/model.h"
#include "../core/rng.h"
#include "engine.h"

rgtg_decode_bench_params_t rgtg_decode_bench_default_params(void) {
    return (rgtg_decode_bench_params_t){.batch = 1, .prompt_tokens = 16, .new_tokens = 64, .k = 10, .rounds = 3,
                                        .threads = 2, .seed = 1};
}

enum { TOPK, PARGS, PARGS_QUARTER, CASES };
static const char *const case_names[CASES] = {"topk", "pargs", "pargs_quarter"};

/* This process's CPU time: on a shared machine it moves far less than wall time with other load. */
static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static json_t *profile_json(const rgtg_decode_profile_t *p, double tokens) {
    json_t *o = json_object();
    json_object_set_new(o, "lm", json_real(1000 * p->lm / tokens));
    json_object_set_new(o, "candidates", json_real(1000 * p->candidates / tokens));
    json_object_set_new(o, "guide", json_real(1000 * p->guide / tokens));
    json_object_set_new(o, "choose", json_real(1000 * p->choose / tokens));
    json_object_set_new(o, "cache", json_real(1000 * p->cache / tokens));
    json_object_set_new(o, "release", json_real(1000 * p->release / tokens));
    return o;
}

rgtg_status_t rgtg_decode_bench(const rgtg_decode_bench_params_t *p, FILE *out) {
    if (p->batch < 1 || p->prompt_tokens < 1 || p->new_tokens < 1 || p->k < 1 || p->rounds < 1 || p->threads < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "bench methods: batch, seq, new tokens, k, rounds and threads must be positive");
    rgtg_model_config_t c = rgtg_model_config_default();
    rgtg_status_t st = p->config_path ? rgtg_hf_config_read(p->config_path, &c) : RGTG_OK;
    if (st != RGTG_OK) return st;
    c.head = RGTG_HEAD_LM;
    if (c.max_position_embeddings < p->prompt_tokens + p->new_tokens + 1) c.max_position_embeddings = p->prompt_tokens + p->new_tokens + 1;
    rgtg_model_config_t quarter = c;
    quarter.head = RGTG_HEAD_SCORE;
    quarter.hidden_size /= 2, quarter.intermediate_size /= 2, quarter.num_attention_heads /= 2;
    quarter.num_key_value_heads = quarter.num_key_value_heads > 1 ? quarter.num_key_value_heads / 2 : 1;
    rgtg_model_config_t equal = c;
    equal.head = RGTG_HEAD_SCORE;
    tt_set_num_threads(p->threads);
    rgtg_model_t *lm = NULL, *rm = NULL, *rm_quarter = NULL;
    st = rgtg_model_create(&c, p->seed, TT_CPU, &lm);
    if (st == RGTG_OK) st = rgtg_model_create(&equal, p->seed + 1, TT_CPU, &rm);
    if (st == RGTG_OK) st = rgtg_model_create(&quarter, p->seed + 2, TT_CPU, &rm_quarter);
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)(p->batch * p->prompt_tokens));
    const int32_t **prompts = malloc(sizeof *prompts * (size_t)p->batch);
    int64_t *lengths = malloc(sizeof(int64_t) * (size_t)p->batch);
    rgtg_decoded_t *rows = calloc((size_t)p->batch, sizeof *rows);
    double *ms = calloc((size_t)(CASES * p->rounds), sizeof(double)), *cpu_ms = calloc((size_t)(CASES * p->rounds), sizeof(double));
    if (st == RGTG_OK && (!ids || !prompts || !lengths || !rows || !ms || !cpu_ms)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, p->seed, 77);
    for (int r = 0; st == RGTG_OK && r < p->batch; r++) {
        for (int t = 0; t < p->prompt_tokens; t++) ids[r * p->prompt_tokens + t] = 4 + (int32_t)rgtg_rng_below(&rng, (uint64_t)(c.vocab_size - 4));
        prompts[r] = ids + r * p->prompt_tokens, lengths[r] = p->prompt_tokens;
    }
    rgtg_method_t topk, pargs;
    if (st == RGTG_OK) st = rgtg_method_init("topk", &topk);
    if (st == RGTG_OK) st = rgtg_method_set(&topk, "k", p->k);
    if (st == RGTG_OK) st = rgtg_method_init("pargs", &pargs);
    if (st == RGTG_OK) st = rgtg_method_set(&pargs, "k", p->k);
    rgtg_decode_profile_t profiles[CASES];
    memset(profiles, 0, sizeof profiles);
    rgtg_decode_params_t dp = rgtg_decode_default_params();
    dp.max_new_tokens = p->new_tokens, dp.batch_size = p->batch, dp.eos_id = -1, dp.bos_id = rgtg_model_config_bos_to_prepend(&c), dp.seed = p->seed;
    /* one untimed warm-up of each, then rounds in rotating order */
    for (int round = -1; st == RGTG_OK && round < p->rounds; round++) {
        for (int i = 0; st == RGTG_OK && i < CASES; i++) {
            int which = (i + (round < 0 ? 0 : round)) % CASES;
            const rgtg_model_t *guide = which == TOPK ? NULL : which == PARGS ? rm : rm_quarter;
            rgtg_decode_profile_t profile = {0};
            dp.profile = &profile;
            double began = rgtg_now_seconds(), cpu_began = cpu_seconds();
            st = rgtg_decode(lm, guide, which == TOPK ? &topk : &pargs, &dp, prompts, lengths, p->batch, rows);
            double elapsed = rgtg_now_seconds() - began, cpu = cpu_seconds() - cpu_began;
            for (int r = 0; r < p->batch; r++) rgtg_decoded_free(&rows[r]);
            if (round < 0) continue;
            ms[which * p->rounds + round] = 1000 * elapsed / (double)(p->batch * p->new_tokens);
            cpu_ms[which * p->rounds + round] = 1000 * cpu / (double)(p->batch * p->new_tokens);
            profiles[which].lm += profile.lm, profiles[which].candidates += profile.candidates;
            profiles[which].guide += profile.guide, profiles[which].choose += profile.choose;
            profiles[which].cache += profile.cache, profiles[which].release += profile.release;
        }
    }
    if (st == RGTG_OK) {
        json_t *line = json_object(), *time_split = json_object();
        double median[CASES], cpu_median[CASES];
        for (int i = 0; i < CASES; i++) {
            qsort(ms + i * p->rounds, (size_t)p->rounds, sizeof(double), compare_doubles);
            qsort(cpu_ms + i * p->rounds, (size_t)p->rounds, sizeof(double), compare_doubles);
            median[i] = ms[i * p->rounds + p->rounds / 2];
            cpu_median[i] = cpu_ms[i * p->rounds + p->rounds / 2];
            char key[40];
            snprintf(key, sizeof key, "%s_ms", case_names[i]);
            json_object_set_new(line, key, json_real(median[i]));
            snprintf(key, sizeof key, "%s_cpu_ms", case_names[i]);
            json_object_set_new(line, key, json_real(cpu_median[i]));
            json_object_set_new(time_split, case_names[i],
                                profile_json(&profiles[i], (double)p->rounds * p->batch * p->new_tokens));
        }
        json_object_set_new(line, "bench", json_string("methods"));
        json_object_set_new(line, "batch", json_integer(p->batch));
        json_object_set_new(line, "k", json_integer(p->k));
        json_object_set_new(line, "new_tokens", json_integer(p->new_tokens));
        json_object_set_new(line, "lm_params", json_integer(rgtg_model_parameter_count(lm)));
        json_object_set_new(line, "quarter_params", json_integer(rgtg_model_parameter_count(rm_quarter)));
        json_object_set_new(line, "pargs_ratio", json_real(median[PARGS] / median[TOPK]));
        json_object_set_new(line, "pargs_quarter_ratio", json_real(median[PARGS_QUARTER] / median[TOPK]));
        json_object_set_new(line, "pargs_cpu_ratio", json_real(cpu_median[PARGS] / cpu_median[TOPK]));
        json_object_set_new(line, "pargs_quarter_cpu_ratio", json_real(cpu_median[PARGS_QUARTER] / cpu_median[TOPK]));
        json_object_set_new(line, "threads", json_integer(p->threads));
        /* the same ratio from inside the guided runs: their steps with and without the guide's share,
         * timed step by step under the same load (steadier than two runs on a busy machine) */
        for (int i = PARGS; i < CASES; i++) {
            const rgtg_decode_profile_t *q = &profiles[i];
            double unguided = q->lm + q->candidates + q->choose + q->release;
            char key[48];
            snprintf(key, sizeof key, "%s_ratio_in_run", case_names[i]);
            json_object_set_new(line, key, json_real((unguided + q->guide + q->cache) / unguided));
        }
        json_object_set_new(line, "ms_per_token_split", time_split);
        char *text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(4));
        if (text) fprintf(out, "%s\n", text);
        free(text);
        json_decref(line);
    }
    rgtg_model_free(lm), rgtg_model_free(rm), rgtg_model_free(rm_quarter);
    free(ids), free(prompts), free(lengths), free(rows), free(ms), free(cpu_ms);
    return st;
}
