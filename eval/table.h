/* eval/table.h: rendering tables as Markdown, CSV or LaTeX (booktabs): a generic grid of text cells
 * (what eval/layout.c's paper layouts render through) and the quick results table (one row per
 * decoding method: average reward ± SE, ROUGE-L F1, time per token, n) built from generations. */
#ifndef RGTG_EVAL_TABLE_H
#define RGTG_EVAL_TABLE_H

#include <stdbool.h>
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

/* ---- the generic grid: header and body cells already formatted for the target format ---- */

typedef struct {
    size_t columns, rows;
    const char *const *header; /* columns texts (Markdown: as shown; LaTeX: LaTeX source) */
    const char *const *cells;  /* rows x columns, row-major; NULL is an empty cell */
    const bool *right_aligned; /* columns flags (numbers are right-aligned) */
} rgtg_grid_t;

/* Markdown: "| a | b |" lines with every pipe aligned (widths in code points), an alignment row
 * ("---" or "--:"), at least three columns wide. Cells are used as given: escape text with
 * rgtg_table_escape first. */
rgtg_status_t rgtg_grid_render_markdown(const rgtg_grid_t *grid, char **text_out);
/* LaTeX: a booktabs tabular for \input, after a "% rgtg results table" comment line: l columns for
 * left-aligned, r for right-aligned. Cells and header are LaTeX source. */
rgtg_status_t rgtg_grid_render_latex(const rgtg_grid_t *grid, char **text_out);
/* CSV (RFC 4180 quoting, "\n" line ends): header then rows; cells are plain text. */
rgtg_status_t rgtg_grid_render_csv(const rgtg_grid_t *grid, char **text_out);
rgtg_status_t rgtg_grid_render(const rgtg_grid_t *grid, rgtg_table_format_t format, char **text_out);

/* Text escaped for a cell of the format (malloc'd): Markdown escapes | and \ and turns line breaks
 * into spaces; LaTeX escapes its ten special characters; CSV leaves text as is (the renderer quotes). */
char *rgtg_table_escape(const char *text, rgtg_table_format_t format);

/* Fixed decimals without a "-0.000" for values that round to zero. */
void rgtg_table_format_fixed(char *out, size_t size, double x, int decimals);

/* The format named by the path's extension: .md, .csv or .tex. */
rgtg_status_t rgtg_table_format_from_path(const char *path, rgtg_table_format_t *format_out);

/* Renders and writes atomically (no partial file on failure). */
rgtg_status_t rgtg_table_write(const rgtg_table_t *table, const char *path, rgtg_table_format_t format);

#endif
