/* eval/table.h: the results table (one row per decoding method: average reward ± SE, ROUGE-L F1,
 * time per token, n), built from generations or given rows, rendered as Markdown, CSV or LaTeX
 * (booktabs) and written atomically. */
#ifndef RGTG_EVAL_TABLE_H
#define RGTG_EVAL_TABLE_H

#include <stddef.h>

#include "../core/status.h"
#include "../core/generations.h"

typedef struct {
    char *label;          /* method name (with its params when one method appears with several) */
    size_t n;             /* rows (prompts) behind this line */
    double reward_mean;   /* NaN when the rows carry no reward */
    double reward_se;     /* standard error of the mean; NaN when n < 2 or no reward */
    double rouge_l_f1;    /* mean ROUGE-L F1 against the references; NaN when there are none */
    double ms_per_token;  /* total decode seconds / total new tokens, in ms; NaN when no tokens */
} rgtg_table_row_t;

typedef struct {
    rgtg_table_row_t *rows; /* owned; labels owned */
    size_t count;
} rgtg_table_t;                 /* zero-initialize before use */

typedef enum {
    RGTG_TABLE_MARKDOWN,
    RGTG_TABLE_CSV,
    RGTG_TABLE_LATEX,
} rgtg_table_format_t;

/* Appends a copy of row (the label is copied). */
rgtg_status_t rgtg_table_add_row(rgtg_table_t *table, const rgtg_table_row_t *row);

/* Appends one row per (method, params) group of generations, in order of first appearance. Within a
 * group, rewards and references must be on every row or on none (RGTG_ERR_FORMAT otherwise, naming
 * the group): averages over a silent subset would not be comparable between methods. */
rgtg_status_t rgtg_table_add_generations(rgtg_table_t *table, const rgtg_generation_t *rows, size_t count);

void rgtg_table_free(rgtg_table_t *table);

/* Renders into a malloc'd NUL-terminated string. Markdown: pipes aligned, numbers right-aligned,
 * reward and SE to 3 decimals, ROUGE-L to 4, ms/token to about 3 significant digits, missing values
 * as "–". CSV (RFC 4180 quoting, "\n" line ends): method,reward_mean,reward_se,rouge_l_f1,
 * ms_per_token,n with 10 significant digits and empty fields for missing values. LaTeX: a booktabs
 * tabular (for \input), missing values as "--". */
rgtg_status_t rgtg_table_render(const rgtg_table_t *table, rgtg_table_format_t format, char **text_out);

/* The format named by the path's extension: .md, .csv or .tex. */
rgtg_status_t rgtg_table_format_from_path(const char *path, rgtg_table_format_t *format_out);

/* Renders and writes atomically (no partial file on failure). */
rgtg_status_t rgtg_table_write(const rgtg_table_t *table, const char *path, rgtg_table_format_t format);

#endif
