/* tools/cmd_gold.c: the gold reward's commands: `rgtg data gold-label` (two samples per prompt from a
 * generations file -> gold rewards -> Bradley-Terry labels -> prefs.h5; data/gold_pairs.h) and
 * `rgtg eval gold` (the gold reward of every row: mean +- SE; data/gold.h). Until the generations
 * reader moves below decode and data, this file hands its rows to data/ as rgtg_gold_item_t views. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../data/gold.h"
#include "../data/gold_pairs.h"
#include "../data/prefs_h5.h"
#include "../decode/generations.h"
#include "args.h"
#include "commands.h"

#define DEFAULT_WORDNET "/usr/share/wordnet"

/* Views of the rows; sample -1: rgtg_generation_t carries no sample number yet, so the order of the
 * rows of one id decides. */
static rgtg_gold_item_t *items_of(const rgtg_generation_t *rows, size_t n) {
    rgtg_gold_item_t *items = calloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; items && i < n; i++)
        items[i] = (rgtg_gold_item_t){rows[i].id, -1, rows[i].prompt, rows[i].response};
    return items;
}

static const rgtg_option_t label_options[] = {
    {"gens", true, false, "generations JSONL with two samples per prompt id (decode/GENERATIONS.md)"},
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
    wp.source_path = gens;
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
    rgtg_generation_t *rows = NULL;
    size_t n = 0;
    rgtg_gold_t *gold = NULL;
    rgtg_gold_labels_t labels = {0};
    rgtg_gold_params_t gp = rgtg_gold_default_params();
    rgtg_status_t st = rgtg_gen_read(gens, &rows, &n);
    rgtg_gold_item_t *items = st == RGTG_OK ? items_of(rows, n) : NULL;
    if (st == RGTG_OK && !items) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (st == RGTG_OK) st = rgtg_gold_open(rgtg_args_get(&args, "wordnet", DEFAULT_WORDNET), &gp, &gold);
    if (st == RGTG_OK) st = rgtg_gold_label_write(gold, items, n, &lp, &wp, &labels);
    if (st == RGTG_OK) {
        size_t higher = 0, splits[RGTG_SPLIT_COUNT] = {0};
        for (size_t i = 0; i < labels.count; i++) {
            const rgtg_gold_label_t *l = &labels.labels[i];
            higher += l->a_chosen ? l->gold_a >= l->gold_b : l->gold_b >= l->gold_a;
            splits[l->split]++;
        }
        printf("data gold-label: %zu pairs (train %zu, valid %zu, test %zu) from %lld rows; chosen has the higher gold "
               "reward in %.1f%%; dropped: unpaired %lld, extra_sample %lld, identical_responses %lld -> %s\n",
               labels.count, splits[0], splits[1], splits[2], (long long)labels.rows_read,
               100.0 * (double)higher / (double)labels.count, (long long)labels.drop_counts[0],
               (long long)labels.drop_counts[1], (long long)labels.drop_counts[2], wp.out_path);
    }
    rgtg_gold_labels_free(&labels);
    rgtg_gold_free(gold);
    free(items);
    rgtg_gen_free(rows, n);
    return st == RGTG_OK ? 0 : rgtg_report_error("data gold-label");
}

static const rgtg_option_t eval_options[] = {
    {"gens", true, true, "generations JSONL (repeatable)"},
    {"wordnet", true, false, "WordNet dict folder (default " DEFAULT_WORDNET ")"},
    {"as-reward", false, false, "also store each row's gold reward in its \"reward\" field (rewrites the file)"},
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
    rgtg_gold_params_t gp = rgtg_gold_default_params();
    rgtg_gold_t *gold = NULL;
    rgtg_status_t st = rgtg_gold_open(rgtg_args_get(&args, "wordnet", DEFAULT_WORDNET), &gp, &gold);
    for (int a = 0; st == RGTG_OK && a < args.count; a++) {
        if (strcmp(args.names[a], "gens") != 0) continue;
        const char *path = args.values[a];
        rgtg_generation_t *rows = NULL;
        size_t n = 0;
        st = rgtg_gen_read(path, &rows, &n);
        rgtg_gold_item_t *items = st == RGTG_OK ? items_of(rows, n) : NULL;
        double *scores = st == RGTG_OK ? calloc(n ? n : 1, sizeof *scores) : NULL;
        if (st == RGTG_OK && (!items || !scores)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        if (st == RGTG_OK) st = rgtg_gold_score_items(gold, items, n, path, scores);
        for (size_t i = 0; st == RGTG_OK && i < n; i++) rows[i].reward = scores[i], rows[i].has_reward = true;
        if (st == RGTG_OK && rgtg_args_has(&args, "as-reward")) st = rgtg_gen_write_all(path, rows, n);
        if (st == RGTG_OK) {
            rgtg_gold_summary_t s = rgtg_gold_summarize(scores, n);
            printf("%s: gold %.4f +- %.4f (SE), SD %.4f, n %zu\n", path, s.mean, s.se, s.sd, s.n);
        }
        free(scores);
        free(items);
        rgtg_gen_free(rows, n);
    }
    rgtg_gold_free(gold);
    return st == RGTG_OK ? 0 : rgtg_report_error("eval gold");
}
