/* tools/cmd_gold.c: the gold reward's commands: `rgtg data gold-label` (two samples per prompt from a
 * generations file -> gold rewards -> Bradley-Terry labels -> prefs.h5; data/gold_pairs.h) and
 * `rgtg eval gold` (the gold reward of every row: mean +- SE; data/gold.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../data/gold.h"
#include "../data/gold_pairs.h"
#include "args.h"
#include "commands.h"

#define DEFAULT_WORDNET "/usr/share/wordnet"

static const rgtg_option_t label_options[] = {
    {"gens", true, false, "generations JSONL with two samples per prompt id (core/GENERATIONS.md)"},
    {"tokenizer", true, false, "the SentencePiece model of the LM and reward models"},
    {"out", true, false, "the prefs.h5 to write"},
    {"wordnet", true, false, "WordNet dict folder (default " DEFAULT_WORDNET ")"},
    {"seed", true, false, "seed of the label draws and the splits (default 1)"},
    {"bt-scale", true, false, "P(a chosen) = sigma((g_a - g_b) / scale) (default 1)"},
    {"valid", true, false, "fraction of prompts in the valid split (default 0.05)"},
    {"test", true, false, "fraction of prompts in the test split (default 0.05)"},
    {"ratio", true, false, "prefix pairs per pair; 0: no prefix index (default 2)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

int rgtg_cmd_data_gold_label(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("data gold-label", label_options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("data gold-label", "--gens FILE --tokenizer MODEL --out prefs.h5", label_options);
        return 0;
    }
    const char *gens = rgtg_args_get(&args, "gens", NULL);
    rgtg_gold_label_params_t lp = rgtg_gold_label_default_params();
    rgtg_gold_write_params_t wp = rgtg_gold_write_default_params();
    wp.out_path = rgtg_args_get(&args, "out", NULL);
    wp.tokenizer_path = rgtg_args_get(&args, "tokenizer", NULL);
    long long seed;
    if (!gens || !wp.out_path || !wp.tokenizer_path) {
        fprintf(stderr, "rgtg data gold-label: --gens, --tokenizer and --out are required\n");
        return 2;
    }
    if (!rgtg_args_int(&args, "seed", 1, &seed) || !rgtg_args_double(&args, "bt-scale", 1.0, &lp.bt_scale) ||
        !rgtg_args_double(&args, "valid", lp.valid_fraction, &lp.valid_fraction) ||
        !rgtg_args_double(&args, "test", lp.test_fraction, &lp.test_fraction) ||
        !rgtg_args_double(&args, "ratio", wp.ratio, &wp.ratio))
        return 2;
    lp.seed = (uint64_t)seed;
    rgtg_gold_t *gold = NULL;
    rgtg_gold_labels_t labels = {0};
    rgtg_gold_params_t gp = rgtg_gold_default_params();
    rgtg_status_t st = rgtg_gold_open(rgtg_args_get(&args, "wordnet", DEFAULT_WORDNET), &gp, &gold);
    if (st == RGTG_OK) st = rgtg_gold_label_file(gold, gens, &lp, &wp, &labels);
    if (st == RGTG_OK)
        printf("data gold-label: %zu pairs (train %lld, valid %lld, test %lld) from %lld rows; chosen has the higher gold "
               "reward in %.1f%%; dropped: unpaired %lld, extra_sample %lld, identical_responses %lld -> %s\n",
               labels.count, (long long)labels.split_counts[0], (long long)labels.split_counts[1],
               (long long)labels.split_counts[2], (long long)labels.rows_read,
               100.0 * (double)labels.chosen_higher / (double)labels.count, (long long)labels.drop_counts[0],
               (long long)labels.drop_counts[1], (long long)labels.drop_counts[2], wp.out_path);
    rgtg_gold_labels_free(&labels);
    rgtg_gold_free(gold);
    return st == RGTG_OK ? 0 : rgtg_report_error("data gold-label");
}

static const rgtg_option_t eval_options[] = {
    {"gens", true, true, "generations JSONL (repeatable)"},
    {"wordnet", true, false, "WordNet dict folder (default " DEFAULT_WORDNET ")"},
    {"as-reward", false, false, "also store each row's gold reward in its \"reward\" field (rewrites the file)"},
    {"out", true, false, "write the rows with their gold reward as \"reward\" here (one --gens only)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

int rgtg_cmd_eval_gold(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("eval gold", eval_options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("eval gold", "--gens FILE [--gens FILE ...]", eval_options);
        return 0;
    }
    if (!rgtg_args_get(&args, "gens", NULL)) {
        fprintf(stderr, "rgtg eval gold: --gens FILE is required\n");
        return 2;
    }
    const char *out = rgtg_args_get(&args, "out", NULL);
    int gens_count = 0;
    for (int a = 0; a < args.count; a++) gens_count += !strcmp(args.names[a], "gens");
    if (out && (gens_count != 1 || rgtg_args_has(&args, "as-reward"))) {
        fprintf(stderr, "rgtg eval gold: --out takes one --gens and no --as-reward\n");
        return 2;
    }
    rgtg_gold_params_t gp = rgtg_gold_default_params();
    rgtg_gold_t *gold = NULL;
    rgtg_status_t st = rgtg_gold_open(rgtg_args_get(&args, "wordnet", DEFAULT_WORDNET), &gp, &gold);
    for (int a = 0; st == RGTG_OK && a < args.count; a++) {
        if (strcmp(args.names[a], "gens") != 0) continue;
        rgtg_gold_summary_t s;
        st = rgtg_gold_score_file(gold, args.values[a],
                                  out ? out : rgtg_args_has(&args, "as-reward") ? args.values[a] : NULL, &s);
        if (st == RGTG_OK) printf("%s: gold %.4f +- %.4f (SE), SD %.4f, n %zu\n", args.values[a], s.mean, s.se, s.sd, s.n);
    }
    rgtg_gold_free(gold);
    return st == RGTG_OK ? 0 : rgtg_report_error("eval gold");
}
