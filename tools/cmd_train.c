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
#include "../eval/prefix_accuracy.h"
#include "../train/train_config.h"
#include "../train/trainer.h"
#include "args.h"
#include "commands.h"

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
    rgtg_train_config_t run = {.train = rgtg_train_default_params()};
    run.train.out_dir = out;
    run.train.report = prefix_accuracy_report;
    run.train.resume = resume;
    run.train.resolved_config = cfg; /* written by the trainer once everything is checked */
    if (st == RGTG_OK) st = rgtg_train_config_read(cfg, kind, &run);
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
