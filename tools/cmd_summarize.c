/* tools/cmd_summarize.c: `rgtg eval summarize`: options into eval/summary.c's params, one call. */
#include <stdio.h>
#include <string.h>

#include "../eval/summary.h"
#include "args.h"
#include "commands.h"

int rgtg_cmd_eval_summarize(int argc, char **argv) {
    rgtg_summary_params_t p = rgtg_summary_default_params();
    rgtg_strings_t gens = {0}, baselines = {0}, labels = {0}, cells = {0}, diversity = {0};
    const rgtg_opt_t options[] = {
        RGTG_OPT("gens", RGTG_OPT_STRINGS, &gens, "[LABEL=]FILE: scored generations of one method"),
        RGTG_OPT("baseline", RGTG_OPT_STRINGS, &baselines,
                 "LABEL: compare every other file with this one, paired (Wilcoxon, win/tie/loss)"),
        RGTG_OPT("label", RGTG_OPT_STRINGS, &labels, "KEY=VALUE added to every cell (dataset=wordnet), or METHOD:KEY=VALUE to one method's (DPO:llm_frozen=false)"),
        RGTG_OPT("cells", RGTG_OPT_STRINGS, &cells,
                 "[KEY=VALUE,...:]FILE: merge the cells of another results.json (judge, prefix accuracy), labelled"),
        RGTG_OPT("diversity", RGTG_OPT_STRINGS, &diversity,
                 "LABEL=FILE: the diversity of method LABEL measured on FILE, several samples per prompt of the same "
                 "method and settings (e.g. decode --n 2 --limit 100), instead of on its --gens file"),
        RGTG_OPT("bleu", RGTG_OPT_FLAG, &p.bleu, "corpus BLEU (sacreBLEU's defaults) against the references"),
        RGTG_OPT("append", RGTG_OPT_FLAG, &p.append, "add the cells to those already in --out"),
        RGTG_OPT("seed", RGTG_OPT_U64, &p.seed, "bootstrap seed"),
        RGTG_OPT("reward", RGTG_OPT_STRING, &p.reward, "the named reward to read (eval score --rm NAME=DIR); default: the plain reward"),
        RGTG_OPT("out", RGTG_OPT_STRING, &p.out, "results.json to write (schema: eval/RESULTS.md)", .required = true),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "eval summarize", .synopsis = "--gens [LABEL=]FILE ... --out results.json",
                            .options = options};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    memcpy(p.gens, gens.items, sizeof(const char *) * (size_t)gens.count), p.gens_count = gens.count;
    memcpy(p.baselines, baselines.items, sizeof(const char *) * (size_t)baselines.count);
    p.baseline_count = baselines.count;
    memcpy(p.cells, cells.items, sizeof(const char *) * (size_t)cells.count), p.cells_count = cells.count;
    memcpy(p.diversity, diversity.items, sizeof(const char *) * (size_t)diversity.count);
    p.diversity_count = diversity.count;
    memcpy(p.labels, labels.items, sizeof(const char *) * (size_t)labels.count), p.label_count = labels.count;
    if (rgtg_summary_run(&p) != RGTG_OK) return rgtg_report_error("eval summarize");
    printf("eval summarize: %d files, %d merged -> %s\n", p.gens_count, p.cells_count, p.out);
    return 0;
}
