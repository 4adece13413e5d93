/* tools/cmd_train.c: `rgtg train sft|rm|dpo|value --config FILE [--set key=value ...] --out DIR
 * [--resume auto|DIR]`: reads the YAML config, applies overrides, reads it into the trainer's params
 * (train/train_config.c checks every key and value) and runs the trainer, which writes the resolved
 * config beside the outputs once the run is checked (under mpirun: data parallel, rank 0 writes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/dist.h"
#include "../core/log.h"
#include "../train/train_config.h"
#include "../train/trainer.h"
#include "args.h"
#include "commands.h"
#include "value_data.h"

static const rgtg_option_t options[] = {
    {"config", true, false, "YAML config (configs/*/*.yaml)"},
    {"set", true, true, "override a config key: --set train.lr=1e-4"},
    {"out", true, false, "output directory (config.yaml, metrics.jsonl, checkpoint-STEP/, final/)"},
    {"resume", true, false, "auto (the newest valid checkpoint in --out, if any) or a checkpoint directory"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

typedef struct {
    rgtg_train_params_t train;
    rgtg_value_data_params_t value;
} run_params_t;

/* The value.* keys (train value's data); the rest is the trainer's (train/train_config.c). */
static rgtg_status_t read_value_params(const rgtg_config_t *cfg, run_params_t *run) {
    rgtg_value_data_params_t *v = &run->value;
    int64_t samples = v->samples_per_prompt, top_k = v->top_k, max_new = v->max_new_tokens;
    const char *loss;
    rgtg_status_t st = rgtg_config_get_string(cfg, "value.lm", NULL, &v->lm_dir);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "value.rm", NULL, &v->rm_dir);
    if (st == RGTG_OK) st = rgtg_config_get_int_in(cfg, "value.prompts", v->prompts, 0, INT64_MAX, &v->prompts);
    if (st == RGTG_OK) st = rgtg_config_get_int_in(cfg, "value.samples_per_prompt", samples, 1, 1 << 20, &samples);
    if (st == RGTG_OK) st = rgtg_config_get_int_in(cfg, "value.top_k", top_k, 1, 1 << 30, &top_k);
    if (st == RGTG_OK) st = rgtg_config_get_int_in(cfg, "value.max_new_tokens", max_new, 1, 1 << 30, &max_new);
    if (st == RGTG_OK) st = rgtg_config_get_double_in(cfg, "value.temperature", v->temperature, RGTG_RANGE_POSITIVE, &v->temperature);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "value.loss", "mse", &loss);
    if (st == RGTG_OK && strcmp(loss, "mse") && strcmp(loss, "bce"))
        st = rgtg_error_set(RGTG_ERR_INVALID, "config key 'value.loss': '%s' is not one of mse, bce", loss);
    if (st == RGTG_OK && run->train.objective == RGTG_OBJECTIVE_VALUE && (!v->lm_dir || !v->rm_dir))
        st = rgtg_error_set(RGTG_ERR_INVALID, "config keys 'value.lm' and 'value.rm' are required for train value");
    v->samples_per_prompt = (int)samples, v->top_k = (int)top_k, v->max_new_tokens = (int)max_new;
    run->train.value_bce = st == RGTG_OK && !strcmp(loss, "bce");
    v->seed = run->train.seed, v->threads = run->train.threads, v->bce = run->train.value_bce;
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
    rgtg_args_t args;
    if (!rgtg_args_parse(command, options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage(command, "--config FILE [--set key=value ...] --out DIR [--resume auto|DIR]", options);
        return 0;
    }
    const char *config_path = rgtg_args_get(&args, "config", NULL), *out = rgtg_args_get(&args, "out", NULL);
    if (!config_path || !out) {
        fprintf(stderr, "rgtg %s: --config and --out are required\n", command);
        return 2;
    }
    if (rgtg_dist_init(&argc, &argv) != RGTG_OK) return rgtg_report_error(command);
    int rank = rgtg_dist_rank();
    rgtg_log_set_rank(rank, rgtg_dist_world_size());
    rgtg_train_install_signal_handlers();
    rgtg_config_t *cfg = NULL;
    rgtg_status_t st = rgtg_config_load(config_path, &cfg);
    for (int i = 0; st == RGTG_OK && i < args.count; i++)
        if (!strcmp(args.names[i], "set")) st = rgtg_config_set(cfg, args.values[i]);
    run_params_t run = {.train = rgtg_train_default_params(), .value = rgtg_value_data_default_params()};
    run.train.out_dir = out;
    run.train.resume = rgtg_args_get(&args, "resume", NULL);
    run.train.resolved_config = cfg; /* written by the trainer once everything is checked */
    if (st == RGTG_OK) st = rgtg_train_params_read(cfg, kind, &run.train);
    if (st == RGTG_OK) st = read_value_params(cfg, &run);
    rgtg_value_data_t value = {0};
    if (st == RGTG_OK && run.train.objective == RGTG_OBJECTIVE_VALUE) {
        st = rgtg_value_data_make(run.train.data_path, &run.value, &value);
        run.train.value_examples = value.examples;
        run.train.value_count = value.count;
    }
    st = rgtg_dist_check(st); /* a rank that failed to set up stops them all */
    rgtg_train_result_t result;
    if (st == RGTG_OK) st = rgtg_train_run(&run.train, &result);
    if (st == RGTG_OK && rank == 0 && !result.interrupted) print_result(command, &run.train, &result);
    rgtg_value_data_free(&value);
    rgtg_config_free(cfg);
    /* every rank knows the outcome (the trainer agrees on failures); rank 0 says it */
    int code = st == RGTG_OK ? 0 : st == RGTG_ERR_INTERRUPTED ? 130 : 1;
    if (st != RGTG_OK && rank == 0) rgtg_report_error(command);
    rgtg_dist_finalize();
    return code;
}
