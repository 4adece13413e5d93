/* eval/summary.h: `rgtg eval summarize`: scored generation files into results.json cells (schema in
 * eval/RESULTS.md): per file, the mean reward +- SE, ms/token, ROUGE-L against the references, BLEU,
 * diversity among a prompt's samples (or, with --diversity, among the samples of a second file of the same
 * method, e.g. two samples for a subset of the prompts); per file and baseline, the paired reward difference with its
 * Wilcoxon p-value and win/tie/loss; per file whose rows record their work, LM and RM forward passes
 * per generated token. Cells of other results files (judge verdicts, prefix agreement) are merged in
 * with --cells. The paper's tables are then laid out by `eval render`. */
#ifndef RGTG_EVAL_SUMMARY_H
#define RGTG_EVAL_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/status.h"

#define RGTG_SUMMARY_MAX 64

typedef struct {
    const char *gens[RGTG_SUMMARY_MAX];      /* "FILE" or "LABEL=FILE" (LABEL: the cells' method label) */
    int gens_count;
    const char *baselines[RGTG_SUMMARY_MAX]; /* method labels every other file is compared against */
    int baseline_count;
    const char *labels[RGTG_SUMMARY_MAX];    /* "KEY=VALUE" added to every cell (numbers and true/false typed), or
                                                "METHOD:KEY=VALUE" to the cells of one method label only (e.g.
                                                "DPO:llm_frozen=false", Table 1's columns) */
    int label_count;
    const char *cells[RGTG_SUMMARY_MAX];     /* "[KEY=VALUE,...:]FILE": cells of another results.json, merged in
                                                with those labels set (e.g. "rm=prefix:agreement.json") */
    int cells_count;
    const char *diversity[RGTG_SUMMARY_MAX]; /* "LABEL=FILE": the diversity cells of method LABEL (a --gens label)
                                                come from FILE, several samples per prompt of the same method,
                                                instead of from its --gens file */
    int diversity_count;
    bool bleu;                               /* corpus BLEU against the references */
    bool append;                             /* add to the cells already in out (same cells are replaced) */
    uint64_t seed;                           /* bootstrap seed */
    const char *reward;                      /* the reward read: NULL the plain "reward", else rewards.NAME */
    const char *out;                         /* results.json (required) */
} rgtg_summary_params_t;

rgtg_summary_params_t rgtg_summary_default_params(void);

rgtg_status_t rgtg_summary_run(const rgtg_summary_params_t *params);

#endif
