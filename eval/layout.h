/* eval/layout.h: the paper's table layouts (Tables 1/3, 2, 4, 5, 9/10, 12, 13, 14, 15) as data-driven
 * renderers over results.json cells: each layout names the labels that make its rows (and its column
 * groups) and the metrics that fill its cells; eval/table.h's grid renders it as Markdown, CSV or
 * LaTeX. The layouts and the metric names each one reads are listed in eval/RESULTS.md. */
#ifndef RGTG_EVAL_LAYOUT_H
#define RGTG_EVAL_LAYOUT_H

#include <stddef.h>

#include "../core/status.h"
#include "results.h"
#include "table.h"

typedef struct {
    const char *layout;             /* "table1", "table2", ... "table15" (required) */
    const char *metric;             /* NULL: the layout's main metric; else read this metric instead */
    const char *const *where;       /* "KEY=VALUE" filters: a cell is used only when each of its labels
                                       KEY formats (rgtg_label_format) as VALUE */
    size_t where_count;
    const char *results_name;       /* names the results in messages (default "results") */
} rgtg_layout_params_t;

rgtg_layout_params_t rgtg_layout_default_params(void);

/* Renders the layout into a malloc'd string. Errors name the results: an unknown layout, a malformed
 * --where, no usable cell, two cells for one table cell ("cells[5] repeats cells[2] ..."), or a
 * row whose cells disagree on a shown label (e.g. llm_frozen). */
rgtg_status_t rgtg_layout_render(const rgtg_results_t *results, const rgtg_layout_params_t *params,
                                 rgtg_table_format_t format, char **text_out);

/* The layout names, comma-separated, for help texts. */
const char *rgtg_layout_names(void);

/* `rgtg eval render`: read results_path, render the layout in the format of each out path's extension
 * (.md, .csv, .tex) and write them atomically (all rendered before any is written); no out path only
 * renders. *markdown_out (when not NULL) receives the Markdown rendering for the terminal. */
#define RGTG_RENDER_MAX_OUTS 8
typedef struct {
    const char *results_path;       /* results.json (required) */
    const char *out_path;           /* NULL: write nothing */
    const char *more_outs[RGTG_RENDER_MAX_OUTS]; /* further files of the same table (one per format) */
    size_t more_count;
    rgtg_layout_params_t layout;
} rgtg_render_params_t;

rgtg_render_params_t rgtg_render_default_params(void);
rgtg_status_t rgtg_render_run(const rgtg_render_params_t *params, char **markdown_out);

#endif
