/* tools/cmd_train.c: `rgtg train sft|rm --config FILE [--set key=value ...] --out DIR`: reads the YAML
 * config, applies overrides, checks every key before training starts, writes the resolved config
 * beside the outputs and runs the trainer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/fsutil.h"
#include "../train/trainer.h"
#include "args.h"
#include "commands.h"

static const rgtg_option_t options[] = {
    {"config", true, false, "YAML config (configs/train/*.yaml)"},
    {"set", true, true, "override a config key: --set train.lr=1e-4"},
    {"out", true, false, "output directory (metrics.jsonl, config.yaml, final/)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

static const char *const known_keys[] = {
    "data.path", "data.tokenizer",
    "model.init", "model.hidden_size", "model.intermediate_size", "model.num_hidden_layers",
    "model.num_attention_heads", "model.num_key_value_heads", "model.max_position_embeddings",
    "model.rms_norm_eps", "model.rope_theta", "model.tie_word_embeddings",
    "train.objective", "train.max_steps", "train.micro_batch", "train.grad_accum", "train.max_len",
    "train.lr", "train.warmup_steps", "train.schedule", "train.min_lr_ratio", "train.weight_decay",
    "train.beta1", "train.beta2", "train.grad_clip", "train.log_every", "train.eval_every",
    "train.eval_pairs", "train.seed", "train.threads", "train.shard", "train.shards", "train.device",
    NULL,
};

/* Reads the config into params; every getter reports the key, its source and the expected type. */
static rgtg_status_t read_params(const rgtg_config_t *cfg, const char *kind, rgtg_train_params_t *p) {
    rgtg_status_t st = rgtg_config_check_known(cfg, known_keys);
    const char *objective = "full", *device = "cpu";
    int64_t v;
    bool b;
    double d;
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "data.path", NULL, &p->data_path);
    if (st == RGTG_OK && !p->data_path) st = rgtg_error_set(RGTG_ERR_INVALID, "config key 'data.path' is required");
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "data.tokenizer", NULL, &p->tokenizer_path);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "model.init", NULL, &p->init);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "train.objective", objective, &objective);
    if (st == RGTG_OK) st = rgtg_objective_parse(kind, objective, &p->objective);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "train.device", device, &device);
    if (st == RGTG_OK && strcmp(device, "cpu") != 0)
        st = rgtg_error_set(RGTG_ERR_UNSUPPORTED, "config key 'train.device': '%s' is not available in this build (cpu)", device);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "train.schedule", p->optim.schedule, &p->optim.schedule);
    struct { const char *key; int *target; } ints[] = {
        {"model.hidden_size", &p->model.hidden_size},
        {"model.intermediate_size", &p->model.intermediate_size},
        {"model.num_hidden_layers", &p->model.num_hidden_layers},
        {"model.num_attention_heads", &p->model.num_attention_heads},
        {"model.num_key_value_heads", &p->model.num_key_value_heads},
        {"model.max_position_embeddings", &p->model.max_position_embeddings},
        {"train.threads", &p->threads}, {"train.shard", &p->shard}, {"train.shards", &p->shards},
    };
    for (size_t i = 0; st == RGTG_OK && i < sizeof ints / sizeof ints[0]; i++) {
        st = rgtg_config_get_int(cfg, ints[i].key, *ints[i].target, &v);
        *ints[i].target = (int)v;
    }
    struct { const char *key; int64_t *target; } longs[] = {
        {"train.max_steps", &p->max_steps}, {"train.micro_batch", &p->micro_batch},
        {"train.grad_accum", &p->grad_accum}, {"train.max_len", &p->max_len},
        {"train.log_every", &p->log_every}, {"train.eval_every", &p->eval_every},
        {"train.eval_pairs", &p->eval_pairs}, {"train.warmup_steps", &p->optim.warmup_steps},
    };
    for (size_t i = 0; st == RGTG_OK && i < sizeof longs / sizeof longs[0]; i++)
        st = rgtg_config_get_int(cfg, longs[i].key, *longs[i].target, longs[i].target);
    struct { const char *key; double *target; } doubles[] = {
        {"model.rms_norm_eps", &p->model.rms_norm_eps}, {"model.rope_theta", &p->model.rope_theta},
        {"train.lr", &p->optim.lr}, {"train.min_lr_ratio", &p->optim.min_lr_ratio},
        {"train.weight_decay", &p->optim.weight_decay}, {"train.beta1", &p->optim.beta1},
        {"train.beta2", &p->optim.beta2}, {"train.grad_clip", &p->optim.grad_clip},
    };
    for (size_t i = 0; st == RGTG_OK && i < sizeof doubles / sizeof doubles[0]; i++)
        st = rgtg_config_get_double(cfg, doubles[i].key, *doubles[i].target, doubles[i].target);
    if (st == RGTG_OK) st = rgtg_config_get_bool(cfg, "model.tie_word_embeddings", p->model.tie_word_embeddings, &b);
    p->model.tie_word_embeddings = b;
    if (st == RGTG_OK) st = rgtg_config_get_int(cfg, "train.seed", (int64_t)p->seed, &v);
    p->seed = (uint64_t)v;
    (void)d;
    if (st == RGTG_OK && strcmp(p->optim.schedule, "cosine") && strcmp(p->optim.schedule, "linear") &&
        strcmp(p->optim.schedule, "constant"))
        st = rgtg_error_set(RGTG_ERR_INVALID, "config key 'train.schedule': '%s' is not one of cosine, linear, constant",
                            p->optim.schedule);
    p->optim.total_steps = p->max_steps;
    if (p->model.num_key_value_heads <= 0) p->model.num_key_value_heads = p->model.num_attention_heads;
    return st;
}

int rgtg_cmd_train(const char *kind, int argc, char **argv) {
    char command[32];
    snprintf(command, sizeof command, "train %s", kind);
    rgtg_args_t args;
    if (!rgtg_args_parse(command, options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage(command, "--config FILE [--set key=value ...] --out DIR", options);
        return 0;
    }
    const char *config_path = rgtg_args_get(&args, "config", NULL), *out = rgtg_args_get(&args, "out", NULL);
    if (!config_path || !out) {
        fprintf(stderr, "rgtg %s: --config and --out are required\n", command);
        return 2;
    }
    rgtg_config_t *cfg;
    if (rgtg_config_load(config_path, &cfg) != RGTG_OK) return rgtg_report_error(command);
    rgtg_status_t st = RGTG_OK;
    for (int i = 0; st == RGTG_OK && i < args.count; i++)
        if (!strcmp(args.names[i], "set")) st = rgtg_config_set(cfg, args.values[i]);
    rgtg_train_params_t params = rgtg_train_default_params();
    params.out_dir = out;
    if (st == RGTG_OK) st = read_params(cfg, kind, &params);
    if (st == RGTG_OK) st = rgtg_mkdirs(out);
    char *resolved = rgtg_path_join(out, "config.yaml");
    if (st == RGTG_OK) st = rgtg_config_write_yaml(cfg, resolved);
    free(resolved);
    rgtg_train_result_t result;
    if (st == RGTG_OK) st = rgtg_train_run(&params, &result);
    if (st == RGTG_OK) {
        printf("%s (%s): final loss %.4f, held-out loss %.4f", command, rgtg_objective_name(params.objective),
               result.final_loss, result.eval_loss);
        if (params.objective != RGTG_OBJECTIVE_SFT)
            printf(", accuracy %.3f (prefixes 25%% %.3f, 50%% %.3f, 75%% %.3f)", result.eval_accuracy,
                   result.eval_prefix_accuracy[0], result.eval_prefix_accuracy[1], result.eval_prefix_accuracy[2]);
        printf(", %.0f tokens/s -> %s/final\n", result.tokens_per_s, out);
    }
    rgtg_config_free(cfg);
    return st == RGTG_OK ? 0 : rgtg_report_error(command);
}
