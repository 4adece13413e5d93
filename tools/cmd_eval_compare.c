/* tools/cmd_eval_compare.c: `rgtg eval compare A.jsonl B.jsonl`: options into eval/compare.c's params,
 * one stage call. */
#include <stdio.h>

#include "../eval/compare.h"
#include "args.h"
#include "commands.h"

int rgtg_cmd_eval_compare(int argc, char **argv) {
    rgtg_compare_params_t p = rgtg_compare_default_params();
    static const char *const sides[] = {"greater", "less", NULL};
    int one_sided = p.one_sided == RGTG_ALTERNATIVE_LESS;
    int64_t resamples = (int64_t)p.stats.resamples;
    rgtg_strings_t files = {0};
    const rgtg_opt_t options[] = {
        RGTG_OPT("reward", RGTG_OPT_STRING, &p.reward, "the named reward to compare (eval score --rm NAME=DIR); default: the plain reward field"),
        RGTG_OPT("one-sided", RGTG_OPT_CHOICE, &one_sided, "the one-sided Wilcoxon test reported beside the two-sided one: A greater or less than B",
                 .choices = sides),
        RGTG_OPT("per-sample", RGTG_OPT_FLAG, &p.per_sample, "pair rows by (id, sample) instead of averaging each prompt's samples"),
        RGTG_OPT("resamples", RGTG_OPT_INT, &resamples, "bootstrap resamples of the mean difference"),
        RGTG_OPT("confidence", RGTG_OPT_DOUBLE, &p.stats.confidence, "level of the bootstrap interval"),
        RGTG_OPT("seed", RGTG_OPT_U64, &p.stats.seed, "bootstrap seed"),
        RGTG_OPT("tie-epsilon", RGTG_OPT_DOUBLE, &p.stats.tie_epsilon, "differences this small count as ties in win/tie/loss"),
        RGTG_OPT("out", RGTG_OPT_STRING, &p.out, "results.json with the cells (eval/RESULTS.md), written atomically"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "eval compare", .synopsis = "[LABEL=]A.jsonl [LABEL=]B.jsonl [--reward NAME] [--out results.json]",
                            .options = options, .positional = &files, .min_positional = 2, .max_positional = 2,
                            .positional_name = "generations files A and B"};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    if (resamples < 1) {
        fprintf(stderr, "rgtg: eval compare: --resamples must be >= 1 (got %lld)\n", (long long)resamples);
        return 2;
    }
    p.a = files.items[0], p.b = files.items[1];
    p.one_sided = one_sided ? RGTG_ALTERNATIVE_LESS : RGTG_ALTERNATIVE_GREATER;
    p.stats.resamples = (size_t)resamples;
    rgtg_compare_result_t result;
    return rgtg_compare_run(&p, stdout, &result) == RGTG_OK ? 0 : rgtg_report_error("eval compare");
}
