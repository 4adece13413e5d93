/* tools/cmd_gold.c: the gold reward's commands: `rgtg data gold-label` (two samples per prompt from a
 * generations file -> gold rewards -> Bradley-Terry labels -> prefs.h5; data/gold_pairs.h) and
 * `rgtg eval gold` (the gold reward of every row: mean +- SE; data/gold.h). */
#include <stdio.h>
#include <string.h>

#include "../data/gold.h"
#include "../data/gold_pairs.h"
#include "args.h"
#include "commands.h"

_Static_assert(RGTG_MAX_STRINGS <= RGTG_GOLD_MAX_FILES, "every --gens the command line takes fits the params");

int rgtg_cmd_data_gold_label(int argc, char **argv) {
    rgtg_gold_label_file_params_t p = rgtg_gold_label_file_default_params();
    const rgtg_opt_t options[] = {
        RGTG_OPT("gens", RGTG_OPT_STRING, &p.gens_path,
                 "generations JSONL, two samples per prompt id (core/GENERATIONS.md)", .required = true),
        RGTG_OPT("tokenizer", RGTG_OPT_STRING, &p.tokenizer_path, "the tokenizer (file or checkpoint directory) of the LM and reward models",
                 .required = true),
        RGTG_OPT("out", RGTG_OPT_STRING, &p.out_path, "the prefs.h5 to write", .required = true),
        RGTG_OPT("dataset", RGTG_OPT_STRING, &p.dataset_path,
                 "also label the train pairs of this prefs.h5 (dataset responses beside the samples)"),
        RGTG_OPT("wordnet", RGTG_OPT_STRING, &p.wordnet_dir, "WordNet dict folder"),
        RGTG_OPT("seed", RGTG_OPT_U64, &p.label.seed, "seed of the label draws and the splits"),
        RGTG_OPT("bt-scale", RGTG_OPT_DOUBLE, &p.label.bt_scale, "P(a chosen) = sigma((g_a - g_b) / scale)"),
        RGTG_OPT("valid", RGTG_OPT_DOUBLE, &p.label.valid_fraction, "fraction of prompts in the valid split"),
        RGTG_OPT("test", RGTG_OPT_DOUBLE, &p.label.test_fraction, "fraction of prompts in the test split"),
        RGTG_OPT("ratio", RGTG_OPT_DOUBLE, &p.ratio, "prefix pairs per pair; 0: no prefix index"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "data gold-label", .synopsis = "--gens FILE --tokenizer MODEL --out prefs.h5",
                            .options = options};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    rgtg_gold_labels_t l = {0};
    if (rgtg_gold_label_file(&p, &l) != RGTG_OK) return rgtg_report_error("data gold-label");
    printf("data gold-label: %zu pairs (train %lld, valid %lld, test %lld) from %lld rows; chosen has the higher gold "
           "reward in %.1f%%; dropped: unpaired %lld, extra_sample %lld, identical_responses %lld -> %s\n",
           l.count, (long long)l.split_counts[0], (long long)l.split_counts[1], (long long)l.split_counts[2],
           (long long)l.rows_read, 100.0 * (double)l.chosen_higher / (double)l.count,
           (long long)l.drop_counts[RGTG_GOLD_DROP_UNPAIRED], (long long)l.drop_counts[RGTG_GOLD_DROP_EXTRA_SAMPLE],
           (long long)l.drop_counts[RGTG_GOLD_DROP_IDENTICAL], p.out_path);
    rgtg_gold_labels_free(&l);
    return 0;
}

int rgtg_cmd_eval_gold(int argc, char **argv) {
    rgtg_gold_eval_params_t p = rgtg_gold_eval_default_params();
    rgtg_strings_t gens = {0};
    const rgtg_opt_t options[] = {
        RGTG_OPT("gens", RGTG_OPT_STRINGS, &gens, "generations JSONL", .required = true),
        RGTG_OPT("wordnet", RGTG_OPT_STRING, &p.wordnet_dir, "WordNet dict folder"),
        RGTG_OPT("as-reward", RGTG_OPT_FLAG, &p.as_reward,
                 "also store each row's gold reward in its \"reward\" field (rewrites the file)"),
        RGTG_OPT("out", RGTG_OPT_STRING, &p.out, "write the rows with their gold reward as \"reward\" here (one --gens)"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "eval gold", .synopsis = "--gens FILE [--gens FILE ...]", .options = options};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    memcpy(p.gens, gens.items, sizeof gens.items);
    p.gens_count = gens.count;
    rgtg_gold_summary_t s[RGTG_GOLD_MAX_FILES];
    if (rgtg_gold_eval(&p, s) != RGTG_OK) return rgtg_report_error("eval gold");
    for (int i = 0; i < p.gens_count; i++) {
        const rgtg_gold_summary_t *m = &s[i];
        printf("%s: gold %.4f +- %.4f (SE), SD %.4f, n %zu\n", p.gens[i], m->mean, m->se, m->sd, m->n);
        printf("  means: coverage %.3f, other_sense %.3f, off_topic %.3f, repeat %.3f, length %.3f, unfinished %.3f, "
               "no_content %.3f; %.1f words\n", m->coverage, m->other_sense, m->off_topic, m->repeat, m->length,
               m->unfinished, m->no_content, m->words);
    }
    return 0;
}
