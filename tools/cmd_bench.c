/* tools/cmd_bench.c: `rgtg bench train|decode|candidates|methods`: the measurements behind `make bench`,
 * each printing one JSON line (tools/bench.sh runs them side by side with the PyTorch baselines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/hf_config.h"
#include "../core/rng.h"
#include "../decode/bench.h"
#include "../decode/engine.h"
#include "../train/losses.h"
#include "../train/optim.h"
#include "args.h"
#include "commands.h"

static const rgtg_option_t options[] = {
    {"config", true, false, "model config.json (LlamaConfig fields)"},
    {"batch", true, false, "rows (default 8)"},
    {"seq", true, false, "tokens per row for train; prompt tokens for decode (default 128 / 16)"},
    {"steps", true, false, "timed steps (default 10)"},
    {"warmup", true, false, "untimed steps first (default 2)"},
    {"threads", true, false, "libtorch threads (default 2)"},
    {"new-tokens", true, false, "decode: tokens generated per row (default 256)"},
    {"k", true, false, "candidates (default 10)"},
    {"seed", true, false, "seed (default 1)"},
    {"rounds", true, false, "methods: alternating rounds, the median reported (default 3)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

static tt_t random_ids(rgtg_rng_t *rng, int64_t rows, int64_t cols, int vocab) {
    int64_t *ids = malloc(sizeof(int64_t) * (size_t)(rows * cols));
    if (!ids) return NULL;
    for (int64_t i = 0; i < rows * cols; i++) ids[i] = 4 + (int64_t)rgtg_rng_below(rng, (uint64_t)(vocab - 4));
    int64_t shape[2] = {rows, cols};
    tt_t t = tt_from_host(ids, shape, 2, TT_I64, TT_CPU);
    free(ids);
    return t;
}

/* LM cross-entropy on random batches with AdamW: tokens per second (the same work as
 * tools/bench_torch_train.py). */
static rgtg_status_t bench_train(rgtg_model_t *m, rgtg_rng_t *rng, long long batch, long long seq, long long steps,
                                 long long warmup) {
    rgtg_optim_params_t op = rgtg_optim_default_params();
    op.schedule = "constant";
    op.grad_clip = 0;
    rgtg_optim_t opt;
    rgtg_status_t st = rgtg_optim_init(&opt, m, &op);
    for (int p = 0; st == RGTG_OK && p < rgtg_model_tensor_count(m); p++) st = tt_set_requires_grad(rgtg_model_tensor(m, p), true);
    double began = 0, loss = 0;
    for (long long s = 0; st == RGTG_OK && s < warmup + steps; s++) {
        if (s == warmup) began = rgtg_now_seconds();
        size_t mark = tt_arena_mark();
        tt_t ids = random_ids(rng, batch, seq, rgtg_model_config(m)->vocab_size);
        int64_t shape[2] = {batch, seq};
        tt_t l = rgtg_loss_sft(rgtg_model_forward(m, ids, NULL), ids, tt_full(shape, 2, 1.0, TT_F32, TT_CPU));
        st = l ? tt_backward(l) : rgtg_error_status();
        if (st == RGTG_OK) loss = tt_item(l);
        if (st == RGTG_OK) st = rgtg_optim_step(&opt, m, NULL, NULL);
        tt_arena_release(mark);
    }
    double elapsed = rgtg_now_seconds() - began;
    if (st == RGTG_OK)
        printf("{\"bench\": \"train\", \"tokens_per_s\": %.1f, \"step_ms\": %.2f, \"threads\": %d, \"params\": %lld, "
               "\"final_loss\": %.4f}\n",
               (double)(batch * seq * steps) / elapsed, 1000 * elapsed / (double)steps, tt_get_num_threads(),
               (long long)rgtg_model_parameter_count(m), loss);
    rgtg_optim_free(&opt);
    return st;
}

/* Greedy decoding of new_tokens per row with the cache and with the no-cache reference. */
static rgtg_status_t bench_decode(rgtg_model_t *m, rgtg_rng_t *rng, long long batch, long long seq, long long new_tokens) {
    int64_t *prompt_ids = malloc(sizeof(int64_t) * (size_t)(batch * seq));
    int32_t *flat = malloc(sizeof(int32_t) * (size_t)(batch * seq));
    const int32_t **prompts = malloc(sizeof *prompts * (size_t)batch);
    int64_t *lengths = malloc(sizeof(int64_t) * (size_t)batch);
    rgtg_decoded_t *out = calloc((size_t)batch, sizeof *out);
    if (!prompt_ids || !flat || !prompts || !lengths || !out) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (long long i = 0; i < batch * seq; i++) flat[i] = 4 + (int32_t)rgtg_rng_below(rng, (uint64_t)(rgtg_model_config(m)->vocab_size - 4));
    for (long long r = 0; r < batch; r++) prompts[r] = flat + r * seq, lengths[r] = seq;
    rgtg_method_t greedy;
    rgtg_status_t st = rgtg_method_init("greedy", &greedy);
    rgtg_decode_params_t p = rgtg_decode_default_params();
    p.max_new_tokens = (int)new_tokens, p.batch_size = (int)batch, p.eos_id = -1; /* never stop early */
    double rate[2] = {0, 0};
    for (int cached = 1; st == RGTG_OK && cached >= 0; cached--) {
        p.use_cache = cached;
        double began = rgtg_now_seconds();
        st = rgtg_decode(m, NULL, &greedy, &p, prompts, lengths, batch, out);
        double elapsed = rgtg_now_seconds() - began;
        int64_t tokens = 0;
        for (long long r = 0; st == RGTG_OK && r < batch; r++) tokens += out[r].count, rgtg_decoded_free(&out[r]);
        rate[cached] = (double)tokens / elapsed;
    }
    if (st == RGTG_OK)
        printf("{\"bench\": \"decode\", \"new_tokens\": %lld, \"batch\": %lld, \"cache_tokens_per_s\": %.1f, "
               "\"nocache_tokens_per_s\": %.1f, \"speedup\": %.2f}\n",
               new_tokens, batch, rate[1], rate[0], rate[1] / rate[0]);
    free(prompt_ids), free(flat), free(prompts), free(lengths), free(out);
    return st;
}

/* One candidate scoring of k tokens (with its commit) against one single-token append, at about the
 * same cache length, on the reward model (score head) as PARGS uses it. */
static rgtg_status_t bench_candidates(rgtg_model_t *m, rgtg_rng_t *rng, long long batch, long long seq, long long steps,
                                      long long k) {
    rgtg_kv_cache_t *cache;
    rgtg_status_t st = rgtg_kv_cache_create(m, batch, seq + 2 * steps + 8, &cache);
    bool grad = tt_set_grad_enabled(false);
    size_t mark = tt_arena_mark();
    if (st == RGTG_OK) {
        int64_t shape[2] = {batch, seq};
        tt_t ids = random_ids(rng, batch, seq, rgtg_model_config(m)->vocab_size);
        if (!rgtg_model_prefill(m, cache, ids, tt_full(shape, 2, 1.0, TT_I64, TT_CPU))) st = rgtg_error_status();
    }
    double append_s = 0, score_s = 0, commit_s = 0;
    int64_t *chosen = calloc((size_t)batch, sizeof(int64_t));
    for (long long s = 0; st == RGTG_OK && s < steps; s++) {
        size_t step_mark = tt_arena_mark();
        tt_t cands = random_ids(rng, batch, k, rgtg_model_config(m)->vocab_size);
        double t0 = rgtg_now_seconds();
        tt_t scored = rgtg_model_score_candidates(m, cache, cands);
        double t1 = rgtg_now_seconds();
        if (!scored) st = rgtg_error_status();
        if (st == RGTG_OK) st = rgtg_kv_cache_commit(cache, chosen);
        double t2 = rgtg_now_seconds();
        tt_t one = tt_narrow(random_ids(rng, batch, 1, rgtg_model_config(m)->vocab_size), 1, 0, 1);
        tt_t appended = st == RGTG_OK ? rgtg_model_append(m, cache, tt_reshape(one, (int64_t[]){batch}, 1)) : NULL;
        double t3 = rgtg_now_seconds();
        if (st == RGTG_OK && !appended) st = rgtg_error_status();
        if (s > 0) score_s += (t1 - t0) + (t2 - t1), commit_s += t2 - t1, append_s += t3 - t2;
        tt_arena_release(step_mark);
    }
    tt_arena_release(mark);
    tt_set_grad_enabled(grad);
    if (st == RGTG_OK)
        printf("{\"bench\": \"candidates\", \"k\": %lld, \"batch\": %lld, \"score_ms\": %.3f, \"commit_ms\": %.3f, "
               "\"append_ms\": %.3f, \"ratio\": %.2f}\n",
               k, batch, 1000 * score_s / (double)(steps - 1), 1000 * commit_s / (double)(steps - 1),
               1000 * append_s / (double)(steps - 1), score_s / append_s);
    free(chosen);
    rgtg_kv_cache_free(cache);
    return st;
}

int rgtg_cmd_bench(int argc, char **argv) {
    const char *what = argc > 0 ? argv[0] : "";
    rgtg_args_t args;
    if (!rgtg_args_parse("bench", options, argc > 0 ? argc - 1 : 0, argv + 1, &args)) return 2;
    if (rgtg_args_has(&args, "help") ||
        (strcmp(what, "train") && strcmp(what, "decode") && strcmp(what, "candidates") && strcmp(what, "methods"))) {
        rgtg_args_usage("bench", "train|decode|candidates|methods --config config.json [options]", options);
        return rgtg_args_has(&args, "help") ? 0 : 2;
    }
    bool is_train = !strcmp(what, "train");
    long long batch, seq, steps, warmup, threads, new_tokens, k, seed, rounds;
    if (!rgtg_args_int(&args, "batch", is_train ? 8 : 4, &batch) || !rgtg_args_int(&args, "seq", is_train ? 128 : 16, &seq) ||
        !rgtg_args_int(&args, "steps", 10, &steps) || !rgtg_args_int(&args, "warmup", 2, &warmup) ||
        !rgtg_args_int(&args, "threads", 2, &threads) || !rgtg_args_int(&args, "new-tokens", 256, &new_tokens) ||
        !rgtg_args_int(&args, "k", 10, &k) || !rgtg_args_int(&args, "seed", 1, &seed) ||
        !rgtg_args_int(&args, "rounds", 3, &rounds))
        return 2;
    if (!strcmp(what, "methods")) {
        rgtg_decode_bench_params_t bp = rgtg_decode_bench_default_params();
        bp.config_path = rgtg_args_get(&args, "config", NULL), bp.batch = (int)batch, bp.prompt_tokens = (int)seq;
        bp.new_tokens = (int)new_tokens, bp.k = (int)k, bp.rounds = (int)rounds, bp.threads = (int)threads;
        bp.seed = (uint64_t)seed;
        return rgtg_decode_bench(&bp, stdout) == RGTG_OK ? 0 : rgtg_report_error("bench methods");
    }
    if (batch < 1 || seq < 1 || steps < 2 || k < 1 || new_tokens < 1) {
        fprintf(stderr, "rgtg bench: --batch, --seq, --k, --new-tokens must be positive and --steps at least 2\n");
        return 2;
    }
    rgtg_model_config_t config = rgtg_model_config_default();
    const char *config_path = rgtg_args_get(&args, "config", NULL);
    if (config_path && rgtg_hf_config_read(config_path, &config) != RGTG_OK) return rgtg_report_error("bench");
    tt_set_num_threads((int)threads);
    /* candidates are scored by the reward model in PARGS: time that head */
    if (!strcmp(what, "candidates")) config.head = RGTG_HEAD_SCORE;
    rgtg_model_t *m;
    if (rgtg_model_create(&config, (uint64_t)seed, TT_CPU, &m) != RGTG_OK) return rgtg_report_error("bench");
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, (uint64_t)seed, 77);
    rgtg_status_t st;
    if (is_train) st = bench_train(m, &rng, batch, seq, steps, warmup);
    else if (!strcmp(what, "decode")) st = bench_decode(m, &rng, batch, seq, new_tokens);
    else st = bench_candidates(m, &rng, batch, seq, steps, k);
    rgtg_model_free(m);
    return st == RGTG_OK ? 0 : rgtg_report_error("bench");
}
