/* eval/table_stage.h: the `eval table` stage: scored generations files in, one results table out (a row
 * per method and params; eval/table.c renders it as Markdown, CSV or LaTeX). */
#ifndef RGTG_EVAL_TABLE_STAGE_H
#define RGTG_EVAL_TABLE_STAGE_H

#include <stdio.h>

#include "../core/status.h"

#define RGTG_TABLE_STAGE_MAX_FILES 64

typedef struct {
    const char *gens[RGTG_TABLE_STAGE_MAX_FILES]; /* scored generations files (one row per method in each) */
    int gens_count;
    const char *outs[RGTG_TABLE_STAGE_MAX_FILES]; /* table files, each .md, .csv or .tex by its name */
    int out_count;
    const char *reward;                           /* the reward shown: NULL the plain "reward", else rewards.NAME */
} rgtg_table_stage_params_t;

rgtg_table_stage_params_t rgtg_table_stage_default_params(void);

/* Builds the table, writes every out file atomically, and prints it as Markdown to print (NULL: not). */
rgtg_status_t rgtg_table_stage_run(const rgtg_table_stage_params_t *params, FILE *print);

#endif
