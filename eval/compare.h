/* eval/compare.h: `rgtg eval compare A.jsonl B.jsonl`: two scored generations files paired by prompt,
 * the mean reward difference A - B with its paired bootstrap CI, win/tie/loss counts and the Wilcoxon
 * signed-rank test (scipy.stats.wilcoxon's defaults), two-sided and one-sided (eval/paired.h does the
 * statistics; this module reads, checks and pairs the files and reports).
 *
 * Pairing. The unit is the prompt: each file's rewards are averaged over the samples of a prompt
 * (decode --n S), and the prompt means are paired by id. The S samples of one prompt under two methods
 * are independent draws, so sample i of A has no particular partner in B, and treating the n*S rows as
 * independent pairs would overstate n (the samples of one prompt are correlated). With one sample per
 * prompt both readings agree. per_sample pairs rows by (id, sample) instead, as eval summarize does.
 *
 * Refused, with one line naming the file: a file that cannot be read, a file with several methods or a
 * repeated (id, sample), prompt sets that differ ("3 prompt ids only in A.jsonl (e.g. 7)"), a row
 * without the chosen reward, rewards given by different reward models (between or within the files; a
 * file whose rewards record their model against one whose rewards do not), and an out path that is one
 * of the inputs or in a missing directory. The results file is written atomically, after every check. */
#ifndef RGTG_EVAL_COMPARE_H
#define RGTG_EVAL_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/status.h"
#include "paired.h"

typedef struct {
    const char *a;                  /* "[LABEL=]FILE": the method compared (LABEL names it in results) */
    const char *b;                  /* "[LABEL=]FILE": the baseline */
    const char *reward;             /* NULL: the plain "reward" field; else a named reward (eval score --rm NAME=DIR) */
    bool per_sample;                /* pair rows by (id, sample) instead of averaging each prompt's samples */
    rgtg_alternative_t one_sided;   /* the one-sided test reported next to the two-sided one; default greater */
    rgtg_paired_params_t stats;     /* bootstrap resamples (10000), confidence (0.95), seed (0), tie epsilon (0) */
    const char *out;                /* results.json to write (eval/RESULTS.md); NULL: none */
} rgtg_compare_params_t;

rgtg_compare_params_t rgtg_compare_default_params(void);

typedef struct {
    size_t rows_a, rows_b;          /* rows read */
    size_t units;                   /* pairs compared: prompts (or (id, sample) rows with per_sample) */
    rgtg_paired_t paired;           /* two-sided Wilcoxon, CI, win/tie/loss */
    rgtg_wilcoxon_t one_sided;      /* the test with params.one_sided (NaN p when every difference is 0) */
} rgtg_compare_result_t;

/* Runs the comparison, prints the report to print (NULL: not) and writes params.out. */
rgtg_status_t rgtg_compare_run(const rgtg_compare_params_t *params, FILE *print, rgtg_compare_result_t *result);

#endif
