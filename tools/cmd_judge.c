/* tools/cmd_judge.c: `rgtg eval judge` (pairwise win/tie/loss of two generation files under an
 * external judge command or a reward model), `rgtg eval human-sheet` (the blind rating page) and
 * `rgtg eval human-import` (its votes as win/tie counts and agreement with an RM). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
