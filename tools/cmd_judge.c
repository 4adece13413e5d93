/* tools/cmd_judge.c: `rgtg eval judge` (pairwise win/tie/loss of two generation files under an
 * external judge command or a reward model), `rgtg eval human-sheet` (the blind rating page) and
 * `rgtg eval human-import` (its votes as win/tie counts and agreement with an RM). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../eval/human.h"
#include "../eval/judge.h"
#include "args.h"
#include "commands.h"

static const rgtg_option_t judge_options[] = {
    {"judge-cmd", true, false, "a command (run by /bin/sh -c) reading JSON questions, answering A, B or tie per line"},
    {"judge-rm", true, false, "a reward model directory: the higher reward wins"},
    {"tie-tolerance", true, false, "RM judge: rewards this close tie (default 1e-4)"},
    {"out", true, false, "the JSON summary (with every pair's verdicts), written atomically"},
    {"results", true, false, "a results.json with the win, tie and loss cells (for eval render --layout table2)"},
    {"batch", true, false, "RM judge: sequences per forward (default 32)"},
    {"threads", true, false, "RM judge: libtorch threads (default 2)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

int rgtg_cmd_eval_judge(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("eval judge", judge_options, argc, argv, &args)) return 2;
    bool help = rgtg_args_has(&args, "help");
    if (help || args.positional_count != 2) {
        rgtg_args_usage("eval judge", "A.jsonl B.jsonl (--judge-cmd CMD | --judge-rm DIR) [--out summary.json]",
                        judge_options);
        return help ? 0 : 2;
    }
    rgtg_judge_params_t params = rgtg_judge_default_params();
    long long batch, threads;
    if (!rgtg_args_double(&args, "tie-tolerance", params.tie_tolerance, &params.tie_tolerance) ||
        !rgtg_args_int(&args, "batch", params.batch, &batch) || !rgtg_args_int(&args, "threads", params.threads, &threads))
        return 2;
    params.a_path = args.positional[0];
    params.b_path = args.positional[1];
    params.judge_cmd = rgtg_args_get(&args, "judge-cmd", NULL);
    params.judge_rm = rgtg_args_get(&args, "judge-rm", NULL);
    params.out_path = rgtg_args_get(&args, "out", NULL);
    params.results_path = rgtg_args_get(&args, "results", NULL);
    params.batch = batch;
    params.threads = (int)threads;
    rgtg_judge_summary_t summary;
    char *markdown = NULL;
    if (rgtg_judge_run(&params, &summary, &markdown) != RGTG_OK) return rgtg_report_error("eval judge");
    fputs(markdown, stdout);
    free(markdown);
    rgtg_judge_summary_free(&summary);
    return 0;
}

static const rgtg_option_t sheet_options[] = {
    {"out", true, false, "the HTML page (self-contained, offline)"},
    {"seed", true, false, "the shuffle of pairs and sides (default 1)"},
    {"title", true, false, "the page's title"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

int rgtg_cmd_eval_human_sheet(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("eval human-sheet", sheet_options, argc, argv, &args)) return 2;
    bool help = rgtg_args_has(&args, "help");
    if (help || args.positional_count != 2 || !rgtg_args_has(&args, "out")) {
        rgtg_args_usage("eval human-sheet", "A.jsonl B.jsonl --out sheet.html [--seed N]", sheet_options);
        return help ? 0 : 2;
    }
    rgtg_human_sheet_params_t params = rgtg_human_sheet_default_params();
    long long seed;
    if (!rgtg_args_int(&args, "seed", (long long)params.seed, &seed)) return 2;
    params.a_path = args.positional[0];
    params.b_path = args.positional[1];
    params.out_path = rgtg_args_get(&args, "out", NULL);
    params.seed = (uint64_t)seed;
    params.title = rgtg_args_get(&args, "title", params.title);
    size_t pairs = 0;
    if (rgtg_human_sheet_run(&params, &pairs) != RGTG_OK) return rgtg_report_error("eval human-sheet");
    printf("eval human-sheet: %zu pairs -> %s\n", pairs, params.out_path);
    return 0;
}

static const rgtg_option_t import_options[] = {
    {"sheet", true, false, "the sheet the votes came from (checks them; needed by --judge-rm)"},
    {"judge-rm", true, false, "agreement with this reward model (scores the sheet's texts)"},
    {"scores", true, true, "agreement with the rewards of two scored generation files: --scores A.jsonl --scores B.jsonl"},
    {"tie-tolerance", true, false, "RM rewards this close tie (default 1e-4)"},
    {"out", true, false, "the JSON summary, written atomically"},
    {"results", true, false, "a results.json with win, tie, loss (judge human) and agreement cells"},
    {"batch", true, false, "RM: sequences per forward (default 32)"},
    {"threads", true, false, "RM: libtorch threads (default 2)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

int rgtg_cmd_eval_human_import(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("eval human-import", import_options, argc, argv, &args)) return 2;
    bool help = rgtg_args_has(&args, "help");
    if (help || args.positional_count == 0) {
        rgtg_args_usage("eval human-import", "votes.csv [more.csv ...] [--sheet sheet.html] [--judge-rm DIR | --scores A --scores B]",
                        import_options);
        return help ? 0 : 2;
    }
    rgtg_human_import_params_t params = rgtg_human_import_default_params();
    long long batch, threads;
    if (!rgtg_args_double(&args, "tie-tolerance", params.tie_tolerance, &params.tie_tolerance) ||
        !rgtg_args_int(&args, "batch", params.batch, &batch) || !rgtg_args_int(&args, "threads", params.threads, &threads))
        return 2;
    const char *scores[2] = {NULL, NULL};
    int score_count = 0;
    for (int i = 0; i < args.count; i++)
        if (!strcmp(args.names[i], "scores") && score_count++ < 2) scores[score_count - 1] = args.values[i];
    if (score_count != 0 && score_count != 2) {
        fprintf(stderr, "rgtg eval human-import: --scores is given twice: A's scored file, then B's\n");
        return 2;
    }
    params.votes_paths = args.positional;
    params.votes_count = (size_t)args.positional_count;
    params.sheet_path = rgtg_args_get(&args, "sheet", NULL);
    params.judge_rm = rgtg_args_get(&args, "judge-rm", NULL);
    params.scores_a = scores[0];
    params.scores_b = scores[1];
    params.out_path = rgtg_args_get(&args, "out", NULL);
    params.results_path = rgtg_args_get(&args, "results", NULL);
    params.batch = batch;
    params.threads = (int)threads;
    rgtg_human_summary_t summary;
    char *markdown = NULL;
    if (rgtg_human_import_run(&params, &summary, &markdown) != RGTG_OK) return rgtg_report_error("eval human-import");
    fputs(markdown, stdout);
    free(markdown);
    return 0;
}
