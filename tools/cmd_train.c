/* tools/cmd_train.c: `rgtg train sft|rm|dpo|value --config FILE [--set key=value ...] --out DIR
 * [--resume auto|DIR]`: reads the YAML config, applies overrides, checks every key and value before
 * training starts, writes the resolved config beside the outputs and runs the trainer (under mpirun:
 * data parallel, rank 0 writes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/dist.h"
#include "../core/fsutil.h"
#include "../core/log.h"
#include "../eval/prefix_accuracy.h"
#include "../train/trainer.h"
#include "args.h"
#include "commands.h"

static const char *const known_keys[] = {
    "data.path", "data.tokenizer", "data.ratio", "data.value_gens",
    "model.init", "model.hidden_size", "model.intermediate_size", "model.num_hidden_layers",
    "model.num_attention_heads", "model.num_key_value_heads", "model.max_position_embeddings",
    "model.rms_norm_eps", "model.rope_theta", "model.tie_word_embeddings",
    "train.objective", "train.max_steps", "train.micro_batch", "train.grad_accum", "train.max_len",
    "train.lr", "train.warmup_steps", "train.schedule", "train.min_lr_ratio", "train.weight_decay",
    "train.beta1", "train.beta2", "train.grad_clip", "train.log_every", "train.eval_every",
    "train.eval_pairs", "train.save_every", "train.stop_after", "train.keep_last", "train.seed", "train.threads",
    "train.shard", "train.shards", "train.device", "train.dtype",
    "dpo.beta", "value.loss",
    NULL,
};

#define MAX_VALUE_GENS 64

typedef struct {
    rgtg_train_params_t train;
    const char *value_gens[MAX_VALUE_GENS];
} run_params_t;

static rgtg_status_t get_string_choice(const rgtg_config_t *cfg, const char *key, const char *fallback,
                                       const char *const *choices, const char **out) {
    rgtg_status_t st = rgtg_config_get_string(cfg, key, fallback, out);
    for (int i = 0; st == RGTG_OK && choices[i]; i++)
        if (!strcmp(*out, choices[i])) return RGTG_OK;
    if (st != RGTG_OK) return st;
    char list[128] = "";
    for (int i = 0; choices[i]; i++) strcat(strcat(list, i ? ", " : ""), choices[i]);
    return rgtg_error_set(RGTG_ERR_INVALID, "config key '%s': '%s' is not one of %s", key, *out, list);
}

/* data.value_gens: one path or a list of them. */
static rgtg_status_t get_paths(const rgtg_config_t *cfg, const char *key, const char **paths, int *count) {
    size_t n = 0;
    *count = 0;
    if (!rgtg_config_has(cfg, key)) return RGTG_OK;
    if (rgtg_config_get_list_count(cfg, key, &n) != RGTG_OK) { /* a scalar: one path */
        rgtg_error_clear();
        *count = 1;
        return rgtg_config_get_string(cfg, key, NULL, &paths[0]);
    }
    if (n > MAX_VALUE_GENS) return rgtg_error_set(RGTG_ERR_INVALID, "config key '%s': at most %d files", key, MAX_VALUE_GENS);
    rgtg_status_t st = RGTG_OK;
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        char item[128];
        snprintf(item, sizeof item, "%s[%zu]", key, i);
        st = rgtg_config_get_string(cfg, item, NULL, &paths[i]);
    }
    *count = (int)n;
    return st;
}

/* Reads the config into params; every getter names the key, its source and the expected type. */
static rgtg_status_t read_params(const rgtg_config_t *cfg, const char *kind, run_params_t *run) {
    rgtg_train_params_t *p = &run->train;
    rgtg_status_t st = rgtg_config_check_known(cfg, known_keys);
    const char *objective, *device, *dtype, *loss;
    static const char *const objectives[] = {"full", "prefix", "dense", NULL};
    static const char *const devices[] = {"cpu", "cuda", NULL};
    static const char *const dtypes[] = {"fp32", "bf16", NULL};
    static const char *const schedules[] = {"cosine", "linear", "constant", NULL};
    static const char *const losses[] = {"mse", "bce", NULL};
    int64_t v;
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "data.path", NULL, &p->data_path);
    if (st == RGTG_OK && !p->data_path) st = rgtg_error_set(RGTG_ERR_INVALID, "config key 'data.path' is required");
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "data.tokenizer", NULL, &p->tokenizer_path);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "model.init", NULL, &p->init);
    if (st == RGTG_OK) st = get_string_choice(cfg, "train.objective", "full", objectives, &objective);
    if (st == RGTG_OK) st = rgtg_objective_parse(kind, objective, &p->objective);
    if (st == RGTG_OK) st = get_string_choice(cfg, "train.device", "cpu", devices, &device);
    if (st == RGTG_OK) st = get_string_choice(cfg, "train.dtype", "fp32", dtypes, &dtype);
    if (st == RGTG_OK) st = get_string_choice(cfg, "train.schedule", p->optim.schedule, schedules, &p->optim.schedule);
    if (st == RGTG_OK) st = get_string_choice(cfg, "value.loss", "mse", losses, &loss);
    if (st != RGTG_OK) return st;
    p->device = !strcmp(device, "cuda") ? TT_CUDA : TT_CPU;
    p->dtype = !strcmp(dtype, "bf16") ? TT_BF16 : TT_F32;
    p->value_bce = !strcmp(loss, "bce");
    struct { const char *key; int *target; } ints[] = {
        {"model.hidden_size", &p->model.hidden_size},
        {"model.intermediate_size", &p->model.intermediate_size},
        {"model.num_hidden_layers", &p->model.num_hidden_layers},
        {"model.num_attention_heads", &p->model.num_attention_heads},
        {"model.num_key_value_heads", &p->model.num_key_value_heads},
        {"model.max_position_embeddings", &p->model.max_position_embeddings},
        {"train.threads", &p->threads}, {"train.shard", &p->shard}, {"train.shards", &p->shards},
        {"train.keep_last", &p->keep_last},
    };
    p->model.num_key_value_heads = -1; /* default: as many as query heads */
    for (size_t i = 0; st == RGTG_OK && i < sizeof ints / sizeof ints[0]; i++) {
        st = rgtg_config_get_int(cfg, ints[i].key, *ints[i].target, &v);
        *ints[i].target = (int)v;
    }
    struct { const char *key; int64_t *target; } longs[] = {
        {"train.max_steps", &p->max_steps}, {"train.micro_batch", &p->micro_batch},
        {"train.grad_accum", &p->grad_accum}, {"train.max_len", &p->max_len},
        {"train.log_every", &p->log_every}, {"train.eval_every", &p->eval_every},
        {"train.eval_pairs", &p->eval_pairs}, {"train.warmup_steps", &p->optim.warmup_steps},
        {"train.save_every", &p->save_every}, {"train.stop_after", &p->stop_after},
    };
    for (size_t i = 0; st == RGTG_OK && i < sizeof longs / sizeof longs[0]; i++)
        st = rgtg_config_get_int(cfg, longs[i].key, *longs[i].target, longs[i].target);
    struct { const char *key; double *target; } doubles[] = {
        {"model.rms_norm_eps", &p->model.rms_norm_eps}, {"model.rope_theta", &p->model.rope_theta},
        {"train.lr", &p->optim.lr}, {"train.min_lr_ratio", &p->optim.min_lr_ratio},
        {"train.weight_decay", &p->optim.weight_decay}, {"train.beta1", &p->optim.beta1},
        {"train.beta2", &p->optim.beta2}, {"train.grad_clip", &p->optim.grad_clip},
        {"dpo.beta", &p->dpo_beta}, {"data.ratio", &p->prefix_ratio},
    };
    for (size_t i = 0; st == RGTG_OK && i < sizeof doubles / sizeof doubles[0]; i++)
        st = rgtg_config_get_double(cfg, doubles[i].key, *doubles[i].target, doubles[i].target);
    bool tie = p->model.tie_word_embeddings;
    if (st == RGTG_OK) st = rgtg_config_get_bool(cfg, "model.tie_word_embeddings", tie, &tie);
    p->model.tie_word_embeddings = tie;
    if (st == RGTG_OK) st = rgtg_config_get_int(cfg, "train.seed", (int64_t)p->seed, &v);
    p->seed = (uint64_t)v;
    if (st == RGTG_OK) st = get_paths(cfg, "data.value_gens", run->value_gens, &p->value_gens_count);
    p->value_gens = run->value_gens;
    if (st == RGTG_OK && p->objective == RGTG_OBJECTIVE_VALUE && p->value_gens_count == 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "config key 'data.value_gens' is required for train value (scored "
                            "generations: rgtg decode --split train, then rgtg eval score)");
    if (st == RGTG_OK && p->objective != RGTG_OBJECTIVE_DPO && rgtg_config_has(cfg, "dpo.beta"))
        rgtg_log_warn("config key 'dpo.beta' is ignored by train %s", kind);
    if (st == RGTG_OK && p->prefix_ratio < 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "config key 'data.ratio': must be positive (or absent), got %g", p->prefix_ratio);
    if (p->model.num_key_value_heads <= 0) p->model.num_key_value_heads = p->model.num_attention_heads;
    p->optim.total_steps = p->max_steps;
    return st;
}

/* The trainer's held-out report of a reward model: eval's prefix-accuracy metric. */
static rgtg_status_t prefix_accuracy_report(void *context, const rgtg_model_t *rm, const rgtg_prefs_t *data, int split,
                                            int64_t max_pairs, int64_t micro_batch, int64_t max_len,
                                            rgtg_train_report_t *out) {
    (void)context;
    rgtg_prefix_accuracy_t r;
    rgtg_status_t st = rgtg_prefix_accuracy(rm, data, split, max_pairs, micro_batch, max_len, &r);
    *out = (rgtg_train_report_t){r.pairs, r.loss, r.accuracy, {r.prefix_accuracy[0], r.prefix_accuracy[1], r.prefix_accuracy[2]}};
    return st;
}

static void print_result(const char *command, const rgtg_train_params_t *p, const rgtg_train_result_t *r) {
    printf("%s (%s): %lld steps, final loss %.4f, held-out loss %.4f", command, rgtg_objective_name(p->objective),
           (long long)r->steps, r->final_loss, r->eval_loss);
    if (rgtg_objective_is_reward(p->objective))
        printf(", accuracy %.3f (prefixes 25%% %.3f, 50%% %.3f, 75%% %.3f)", r->report.accuracy,
               r->report.prefix_accuracy[0], r->report.prefix_accuracy[1], r->report.prefix_accuracy[2]);
    else if (p->objective == RGTG_OBJECTIVE_DPO)
        printf(", preference accuracy %.3f", r->report.accuracy);
    printf(", %.0f tokens/s, %.1f examples/s", r->tokens_per_s, r->examples_per_s);
    if (rgtg_objective_is_reward(p->objective)) printf(", %.1f prefix pairs/s", r->prefix_pairs_per_s);
    printf(" -> %s/final\n", p->out_dir);
}

int rgtg_cmd_train(const char *kind, int argc, char **argv) {
    char command[32];
    snprintf(command, sizeof command, "train %s", kind);
    const char *config_path = NULL, *out = NULL, *resume = NULL;
    rgtg_strings_t sets = {0};
    const rgtg_opt_t options[] = {
        RGTG_OPT("config", RGTG_OPT_STRING, &config_path, "YAML config (configs/*/*.yaml)", .required = true),
        RGTG_OPT("set", RGTG_OPT_STRINGS, &sets, "override a config key: --set train.lr=1e-4"),
        RGTG_OPT("out", RGTG_OPT_STRING, &out, "output directory (config.yaml, metrics.jsonl, checkpoint-STEP/, final/)",
                 .required = true),
        RGTG_OPT("resume", RGTG_OPT_STRING, &resume,
                 "auto (the newest valid checkpoint in --out, if any) or a checkpoint directory"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = command, .synopsis = "--config FILE [--set key=value ...] --out DIR [--resume auto|DIR]",
                            .options = options};
    int parsed = rgtg_cli_parse(&cli, argc, argv);
    if (parsed >= 0) return parsed;
    if (rgtg_dist_init(&argc, &argv) != RGTG_OK) return rgtg_report_error(command);
    int rank = rgtg_dist_rank();
    rgtg_log_set_rank(rank, rgtg_dist_world_size());
    rgtg_train_install_signal_handlers();
    rgtg_config_t *cfg = NULL;
    rgtg_status_t st = rgtg_config_load(config_path, &cfg);
    for (int i = 0; st == RGTG_OK && i < sets.count; i++) st = rgtg_config_set(cfg, sets.items[i]);
    run_params_t run = {.train = rgtg_train_default_params()};
    run.train.out_dir = out;
    run.train.report = prefix_accuracy_report;
    run.train.resume = resume;
    if (st == RGTG_OK) st = read_params(cfg, kind, &run);
    if (st == RGTG_OK && rank == 0) st = rgtg_mkdirs(out);
    char *resolved = rgtg_path_join(out, "config.yaml");
    if (st == RGTG_OK && rank == 0) st = rgtg_config_write_yaml(cfg, resolved);
    free(resolved);
    st = rgtg_dist_check(st); /* a rank that failed to set up stops them all */
    rgtg_train_result_t result;
    if (st == RGTG_OK) st = rgtg_train_run(&run.train, &result);
    if (st == RGTG_OK && rank == 0 && !result.interrupted) print_result(command, &run.train, &result);
    rgtg_config_free(cfg);
    /* every rank knows the outcome (the trainer agrees on failures); rank 0 says it */
    int code = st == RGTG_OK ? 0 : st == RGTG_ERR_INTERRUPTED ? 130 : 1;
    if (st != RGTG_OK && rank == 0) rgtg_report_error(command);
    rgtg_dist_finalize();
    return code;
}
