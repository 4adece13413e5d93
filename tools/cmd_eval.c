/* tools/cmd_eval.c: `rgtg eval score` (rewards of generations under a reward model, mean +- SE) and
 * `rgtg eval table` (one results table from scored generation files). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/model.h"
#include "../core/model_dir.h"
#include "../core/spm/spm.h"
#include "../eval/stats.h"
#include "../eval/table.h"
#include "../data/prefs_h5.h"
#include "../train/prefix_report.h"
#include "args.h"
#include "commands.h"

static const rgtg_option_t score_options[] = {
    {"rm", true, false, "reward model directory (with tokenizer.model)"},
    {"gens", true, false, "generations JSONL"},
    {"out", true, false, "where to write the scored generations (default: rewrite --gens in place)"},
    {"batch", true, false, "sequences per forward (default 32)"},
    {"threads", true, false, "libtorch threads (default 2)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

/* prompt ids + response ids (+ EOS when the response finished) for each generation, under the
 * reward model's own tokenizer. */
static rgtg_status_t encode_row(const rgtg_spm_t *spm, const rgtg_generation_t *g, int eos, int64_t max_len,
                                int64_t **ids_out, int64_t *len_out) {
    int32_t *prompt = NULL, *response = NULL;
    size_t np = 0, nr = 0;
    rgtg_status_t st = rgtg_spm_encode(spm, g->prompt, strlen(g->prompt), &prompt, &np);
    if (st == RGTG_OK) st = rgtg_spm_encode(spm, g->response, strlen(g->response), &response, &nr);
    int64_t total = (int64_t)(np + nr) + (g->finished ? 1 : 0);
    int64_t skip = total > max_len ? total - max_len : 0; /* keep the end: the reward is read there */
    int64_t *ids = st == RGTG_OK ? malloc(sizeof(int64_t) * (size_t)(total + 1)) : NULL;
    if (st == RGTG_OK && !ids) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    int64_t n = 0;
    for (size_t i = 0; st == RGTG_OK && i < np; i++) ids[n++] = prompt[i];
    for (size_t i = 0; st == RGTG_OK && i < nr; i++) ids[n++] = response[i];
    if (st == RGTG_OK && g->finished) ids[n++] = eos;
    if (st == RGTG_OK && skip) memmove(ids, ids + skip, sizeof(int64_t) * (size_t)(n - skip));
    free(prompt), free(response);
    *ids_out = ids;
    *len_out = n - skip;
    return st;
}

static rgtg_status_t score_all(const rgtg_model_t *rm, const rgtg_spm_t *spm, rgtg_generation_t *rows, size_t count,
                               int64_t batch) {
    int eos = rgtg_model_config(rm)->eos_token_id >= 0 ? rgtg_model_config(rm)->eos_token_id : rgtg_spm_eos_id(spm);
    int64_t **seqs = calloc(count + 1, sizeof *seqs), *lens = calloc(count + 1, sizeof *lens);
    float *rewards = calloc(count + 1, sizeof *rewards);
    rgtg_status_t st = seqs && lens && rewards ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == RGTG_OK && i < count; i++)
        st = encode_row(spm, &rows[i], eos, rgtg_model_config(rm)->max_position_embeddings, &seqs[i], &lens[i]);
    if (st == RGTG_OK)
        st = rgtg_model_sequence_rewards(rm, (const int64_t *const *)seqs, lens, (int64_t)count, batch, rewards);
    for (size_t i = 0; st == RGTG_OK && i < count; i++) {
        rows[i].has_reward = true;
        rows[i].reward = rewards[i];
    }
    for (size_t i = 0; seqs && i < count; i++) free(seqs[i]);
    free(seqs), free(lens), free(rewards);
    return st;
}

int rgtg_cmd_eval_score(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("eval score", score_options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("eval score", "--rm DIR --gens FILE [--out FILE]", score_options);
        return 0;
    }
    const char *rm_dir = rgtg_args_get(&args, "rm", NULL), *gens = rgtg_args_get(&args, "gens", NULL);
    long long batch, threads;
    if (!rm_dir || !gens) {
        fprintf(stderr, "rgtg eval score: --rm and --gens are required\n");
        return 2;
    }
    if (!rgtg_args_int(&args, "batch", 32, &batch) || !rgtg_args_int(&args, "threads", 2, &threads)) return 2;
    if (batch < 1 || threads < 1) {
        fprintf(stderr, "rgtg eval score: --batch and --threads must be >= 1 (got %lld and %lld)\n", batch, threads);
        return 2;
    }
    const char *out = rgtg_args_get(&args, "out", gens);
    tt_set_num_threads((int)threads);
    rgtg_generation_t *rows = NULL;
    size_t count = 0;
    rgtg_model_t *rm = NULL;
    rgtg_spm_t *spm = NULL;
    char *tok_path = rgtg_path_join(rm_dir, "tokenizer.model");
    rgtg_status_t st = rgtg_gen_read(gens, &rows, &count);
    if (st == RGTG_OK) st = rgtg_model_load_for(rm_dir, RGTG_HEAD_SCORE, TT_CPU, &rm);
    if (st == RGTG_OK) st = rgtg_spm_load(tok_path, &spm);
    free(tok_path);
    if (st == RGTG_OK) st = score_all(rm, spm, rows, count, batch);
    double *rewards = calloc(count + 1, sizeof(double));
    rgtg_summary_t summary;
    for (size_t i = 0; st == RGTG_OK && i < count; i++) rewards[i] = rows[i].reward;
    if (st == RGTG_OK) st = rgtg_stats_summarize(rewards, count, &summary);
    if (st == RGTG_OK) st = rgtg_gen_write_all(out, rows, count);
    if (st == RGTG_OK)
        printf("eval score: %zu generations, average reward %.4f +- %.4f (SE) -> %s\n", count, summary.mean,
               summary.se, out);
    free(rewards);
    rgtg_gen_free(rows, count);
    rgtg_model_free(rm);
    rgtg_spm_free(spm);
    return st == RGTG_OK ? 0 : rgtg_report_error("eval score");
}

static const rgtg_option_t table_options[] = {
    {"gens", true, true, "a scored generations JSONL (one row of the table per method in it)"},
    {"out", true, true, "table file: .md, .csv or .tex (default: print Markdown)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

int rgtg_cmd_eval_table(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("eval table", table_options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help") || !rgtg_args_has(&args, "gens")) {
        rgtg_args_usage("eval table", "--gens FILE [--gens FILE ...] [--out table.md]", table_options);
        return rgtg_args_has(&args, "help") ? 0 : 2;
    }
    rgtg_table_t table = {0};
    rgtg_status_t st = RGTG_OK;
    for (int i = 0; st == RGTG_OK && i < args.count; i++) {
        if (strcmp(args.names[i], "gens") != 0) continue;
        rgtg_generation_t *rows;
        size_t count;
        st = rgtg_gen_read(args.values[i], &rows, &count);
        if (st == RGTG_OK) {
            st = rgtg_table_add_generations(&table, rows, count);
            rgtg_gen_free(rows, count);
        }
    }
    for (int i = 0; st == RGTG_OK && i < args.count; i++) {
        if (strcmp(args.names[i], "out") != 0) continue;
        rgtg_table_format_t format;
        st = rgtg_table_format_from_path(args.values[i], &format);
        if (st == RGTG_OK) st = rgtg_table_write(&table, args.values[i], format);
    }
    char *text = NULL;
    if (st == RGTG_OK) st = rgtg_table_render(&table, RGTG_TABLE_MARKDOWN, &text);
    if (st == RGTG_OK) fputs(text, stdout);
    free(text);
    rgtg_table_free(&table);
    return st == RGTG_OK ? 0 : rgtg_report_error("eval table");
}

static const rgtg_option_t prefix_options[] = {
    {"rm", true, false, "reward model directory"},
    {"data", true, false, "preference file (prefs.h5)"},
    {"split", true, false, "train | valid | test (default valid, or test when valid is empty)"},
    {"pairs", true, false, "pairs evaluated at most (default 0: all)"},
    {"batch", true, false, "pairs per forward (default 32)"},
    {"max-len", true, false, "tokens per sequence at most (default the model's max_position_embeddings)"},
    {"threads", true, false, "libtorch threads (default 2)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

int rgtg_cmd_eval_prefix_accuracy(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("eval prefix-accuracy", prefix_options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("eval prefix-accuracy", "--rm DIR --data prefs.h5", prefix_options);
        return 0;
    }
    const char *rm_dir = rgtg_args_get(&args, "rm", NULL), *data_path = rgtg_args_get(&args, "data", NULL);
    long long pairs, batch, max_len, threads;
    if (!rm_dir || !data_path) {
        fprintf(stderr, "rgtg eval prefix-accuracy: --rm and --data are required\n");
        return 2;
    }
    if (!rgtg_args_int(&args, "pairs", 0, &pairs) || !rgtg_args_int(&args, "batch", 32, &batch) ||
        !rgtg_args_int(&args, "max-len", 0, &max_len) || !rgtg_args_int(&args, "threads", 2, &threads))
        return 2;
    if (max_len < 0 || max_len == 1 || batch < 1 || pairs < 0 || threads < 1) {
        fprintf(stderr, "rgtg eval prefix-accuracy: --max-len must be 0 (the model's limit) or >= 2, --batch and "
                        "--threads >= 1, --pairs >= 0 (got --max-len %lld --batch %lld --threads %lld --pairs %lld)\n",
                max_len, batch, threads, pairs);
        return 2;
    }
    tt_set_num_threads((int)threads);
    rgtg_model_t *rm = NULL;
    rgtg_prefs_t *data = NULL;
    rgtg_status_t st = rgtg_model_load_for(rm_dir, RGTG_HEAD_SCORE, TT_CPU, &rm);
    if (st == RGTG_OK) st = rgtg_prefs_open(data_path, &data);
    if (st == RGTG_OK) st = rgtg_check_tokenizer_matches_data(rm_dir, rgtg_prefs_info(data)->tokenizer_sha256, data_path);
    const char *split_name = rgtg_args_get(&args, "split", NULL);
    int split = rgtg_split_from_name(split_name);
    if (st == RGTG_OK && split_name && split < 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "--split must be train, valid or test (got '%s')", split_name);
    if (st == RGTG_OK && split < 0) split = rgtg_prefs_count(data, RGTG_SPLIT_VALID) > 0 ? RGTG_SPLIT_VALID : RGTG_SPLIT_TEST;
    rgtg_prefix_report_t report;
    if (st == RGTG_OK)
        st = rgtg_prefix_report(rm, data, split, pairs, batch, max_len ? max_len : rgtg_model_config(rm)->max_position_embeddings,
                                &report);
    if (st == RGTG_OK) {
        printf("| pairs (%s) | complete | prefix 25%% | prefix 50%% | prefix 75%% |\n| ---: | ---: | ---: | ---: | ---: |\n",
               rgtg_split_name(split));
        printf("| %lld | %.3f | %.3f | %.3f | %.3f |\n", (long long)report.pairs, report.accuracy,
               report.prefix_accuracy[0], report.prefix_accuracy[1], report.prefix_accuracy[2]);
    }
    rgtg_prefs_close(data);
    rgtg_model_free(rm);
    return st == RGTG_OK ? 0 : rgtg_report_error("eval prefix-accuracy");
}
