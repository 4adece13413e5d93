/* train/train_config.c: the training config read into the trainer's parameters (see train_config.h). */
#include "train_config.h"

#include <stdio.h>
#include <string.h>

#include "../core/log.h"

const char *const rgtg_train_config_keys[] = {
    "data.path", "data.tokenizer", "data.ratio", "data.value_gens", "data.sides",
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

static rgtg_status_t get_choice(const rgtg_config_t *cfg, const char *key, const char *fallback,
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
    if (n > RGTG_TRAIN_MAX_VALUE_GENS)
        return rgtg_error_set(RGTG_ERR_INVALID, "config key '%s': at most %d files", key, RGTG_TRAIN_MAX_VALUE_GENS);
    rgtg_status_t st = RGTG_OK;
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        char item[128];
        snprintf(item, sizeof item, "%s[%zu]", key, i);
        st = rgtg_config_get_string(cfg, item, NULL, &paths[i]);
        if (st == RGTG_OK && !paths[i]) st = rgtg_error_set(RGTG_ERR_INVALID, "config key '%s': null is not a file", item);
    }
    *count = (int)n;
    return st;
}

rgtg_status_t rgtg_train_config_read(const rgtg_config_t *cfg, const char *kind, rgtg_train_config_t *out) {
    static const char *const objectives[] = {"full", "prefix", "dense", NULL};
    static const char *const devices[] = {"cpu", "cuda", NULL};
    static const char *const dtypes[] = {"fp32", "bf16", NULL};
    static const char *const schedules[] = {"cosine", "linear", "constant", NULL};
    static const char *const losses[] = {"mse", "bce", NULL};
    static const char *const sides[] = {"chosen", "both", NULL};
    rgtg_train_params_t *p = &out->train;
    const char *objective, *device, *dtype, *loss, *side;
    rgtg_status_t st = rgtg_config_check_known(cfg, rgtg_train_config_keys);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "data.path", NULL, &p->data_path);
    if (st == RGTG_OK && !p->data_path) st = rgtg_error_set(RGTG_ERR_INVALID, "config key 'data.path' is required");
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "data.tokenizer", NULL, &p->tokenizer_path);
    if (st == RGTG_OK && !p->tokenizer_path)
        st = rgtg_error_set(RGTG_ERR_INVALID, "config key 'data.tokenizer' is required (it is checked against the data "
                            "file and copied into every checkpoint, so that each model directory is complete)");
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "model.init", NULL, &p->init);
    if (st == RGTG_OK) st = get_choice(cfg, "train.objective", "full", objectives, &objective);
    if (st == RGTG_OK) st = rgtg_objective_parse(kind, objective, &p->objective);
    if (st == RGTG_OK) st = get_choice(cfg, "train.device", "cpu", devices, &device);
    if (st == RGTG_OK) st = get_choice(cfg, "train.dtype", "fp32", dtypes, &dtype);
    if (st == RGTG_OK) st = get_choice(cfg, "train.schedule", p->optim.schedule, schedules, &p->optim.schedule);
    if (st == RGTG_OK) st = get_choice(cfg, "value.loss", "mse", losses, &loss);
    if (st == RGTG_OK) st = get_choice(cfg, "data.sides", "chosen", sides, &side);
    if (st != RGTG_OK) return st;
    p->device = !strcmp(device, "cuda") ? TT_CUDA : TT_CPU;
    p->dtype = !strcmp(dtype, "bf16") ? TT_BF16 : TT_F32;
    p->value_bce = !strcmp(loss, "bce");
    p->sft_both_sides = !strcmp(side, "both");

    struct { const char *key; int *target; int64_t min; } ints[] = {
        {"model.hidden_size", &p->model.hidden_size, 1},
        {"model.intermediate_size", &p->model.intermediate_size, 1},
        {"model.num_hidden_layers", &p->model.num_hidden_layers, 1},
        {"model.num_attention_heads", &p->model.num_attention_heads, 1},
        {"model.num_key_value_heads", &p->model.num_key_value_heads, 1},
        {"model.max_position_embeddings", &p->model.max_position_embeddings, 2},
        {"train.threads", &p->threads, 1}, {"train.shard", &p->shard, 0}, {"train.shards", &p->shards, 1},
        {"train.keep_last", &p->keep_last, 0},
    };
    p->model.num_key_value_heads = -1; /* default: as many as query heads */
    for (size_t i = 0; st == RGTG_OK && i < sizeof ints / sizeof ints[0]; i++) {
        int64_t v;
        st = rgtg_config_get_int_in(cfg, ints[i].key, *ints[i].target, ints[i].min, 1 << 30, &v);
        *ints[i].target = (int)v;
    }
    struct { const char *key; int64_t *target; int64_t min; } longs[] = {
        {"train.max_steps", &p->max_steps, 1}, {"train.micro_batch", &p->micro_batch, 1},
        {"train.grad_accum", &p->grad_accum, 1}, {"train.max_len", &p->max_len, 2},
        {"train.log_every", &p->log_every, 1}, {"train.eval_every", &p->eval_every, 0},
        {"train.eval_pairs", &p->eval_pairs, 0}, {"train.warmup_steps", &p->optim.warmup_steps, 0},
        {"train.save_every", &p->save_every, 0}, {"train.stop_after", &p->stop_after, 0},
    };
    for (size_t i = 0; st == RGTG_OK && i < sizeof longs / sizeof longs[0]; i++)
        st = rgtg_config_get_int_in(cfg, longs[i].key, *longs[i].target, longs[i].min, INT64_MAX, longs[i].target);
    struct { const char *key; double *target; rgtg_range_t range; } doubles[] = {
        {"model.rms_norm_eps", &p->model.rms_norm_eps, RGTG_RANGE_POSITIVE},
        {"model.rope_theta", &p->model.rope_theta, RGTG_RANGE_POSITIVE},
        {"train.lr", &p->optim.lr, RGTG_RANGE_POSITIVE},
        {"train.min_lr_ratio", &p->optim.min_lr_ratio, RGTG_RANGE_UNIT},
        {"train.weight_decay", &p->optim.weight_decay, RGTG_RANGE_NONNEGATIVE},
        {"train.beta1", &p->optim.beta1, RGTG_RANGE_UNIT_OPEN_ABOVE},
        {"train.beta2", &p->optim.beta2, RGTG_RANGE_UNIT_OPEN_ABOVE},
        {"train.grad_clip", &p->optim.grad_clip, RGTG_RANGE_NONNEGATIVE},
        {"dpo.beta", &p->dpo_beta, RGTG_RANGE_POSITIVE},
        /* absent: the file's prefix index; given, a positive number of prefix pairs per pair */
        {"data.ratio", &p->prefix_ratio, RGTG_RANGE_POSITIVE},
    };
    for (size_t i = 0; st == RGTG_OK && i < sizeof doubles / sizeof doubles[0]; i++)
        st = rgtg_config_get_double_in(cfg, doubles[i].key, *doubles[i].target, doubles[i].range, doubles[i].target);
    bool tie = p->model.tie_word_embeddings;
    if (st == RGTG_OK) st = rgtg_config_get_bool(cfg, "model.tie_word_embeddings", tie, &tie);
    p->model.tie_word_embeddings = tie;
    int64_t seed = (int64_t)p->seed;
    if (st == RGTG_OK) st = rgtg_config_get_int_in(cfg, "train.seed", seed, 0, INT64_MAX, &seed);
    p->seed = (uint64_t)seed;
    if (st == RGTG_OK) st = get_paths(cfg, "data.value_gens", out->value_gens, &p->value_gens_count);
    p->value_gens = out->value_gens;
    if (st == RGTG_OK && p->objective == RGTG_OBJECTIVE_VALUE && p->value_gens_count == 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "config key 'data.value_gens' is required for train value (scored "
                            "generations: rgtg decode --split train, then rgtg eval score)");
    if (st == RGTG_OK && p->objective != RGTG_OBJECTIVE_DPO && rgtg_config_has(cfg, "dpo.beta"))
        rgtg_log_warn("config key 'dpo.beta' is ignored by train %s", kind);
    if (st == RGTG_OK && p->objective != RGTG_OBJECTIVE_SFT && rgtg_config_has(cfg, "data.sides"))
        rgtg_log_warn("config key 'data.sides' is ignored by train %s (it chooses SFT's targets)", kind);
    if (st == RGTG_OK && p->objective != RGTG_OBJECTIVE_RM_PREFIX && rgtg_config_has(cfg, "data.ratio"))
        rgtg_log_warn("config key 'data.ratio' is ignored by train %s (objective %s)", kind, rgtg_objective_name(p->objective));
    if (p->model.num_key_value_heads <= 0) p->model.num_key_value_heads = p->model.num_attention_heads;
    p->optim.total_steps = p->max_steps;
    if (st == RGTG_OK) st = rgtg_train_params_validate(p);
    return st;
}
