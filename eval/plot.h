/* eval/plot.h: PNG figures from results.json, drawn by gnuplot (Debian's gnuplot-nox, pngcairo): the
 * beta x k heatmap of a metric, reward against ms/token per method, and the prefix-agreement curve of
 * each reward model. This module writes a data file and a gnuplot script (every file name and title
 * quoted as a gnuplot string, no shell involved), runs gnuplot with posix_spawnp and renames its PNG
 * onto the output path (atomic: no partial file on failure). */
#ifndef RGTG_EVAL_PLOT_H
#define RGTG_EVAL_PLOT_H

#include <stddef.h>

#include "../core/status.h"
#include "results.h"

typedef enum {
    RGTG_PLOT_HEATMAP,   /* metric (default "reward") over labels beta (y) and k (x), numbers */
    RGTG_PLOT_RUNTIME,   /* metric (default "reward") against "ms_per_token", one labelled point per method (its
                            label with "lm_calls_per_token" and "rm_calls_per_token" where the results have them) */
    RGTG_PLOT_AGREEMENT, /* metric (default "agreement") against label prefix_fraction, one line per label rm */
} rgtg_plot_kind_t;

typedef struct {
    const char *results_path;   /* results.json (required) */
    const char *out_path;       /* the PNG (required) */
    rgtg_plot_kind_t kind;
    const char *metric;         /* NULL: the kind's default */
    const char *const *where;   /* "KEY=VALUE" filters on labels (see rgtg_result_cell_matches) */
    size_t where_count;
    int width, height;          /* pixels (default 800 x 600) */
    const char *keep_script;    /* not NULL: also write KEEP.gp and KEEP.dat (the script reads KEEP.dat and
                                   writes out_path, so it reruns with `gnuplot KEEP.gp`) */
    const char *gnuplot;        /* the program (default "gnuplot", found on PATH) */
} rgtg_plot_params_t;

rgtg_plot_params_t rgtg_plot_default_params(void);
rgtg_status_t rgtg_plot_kind_from_name(const char *name, rgtg_plot_kind_t *kind_out);

/* The data file text and the gnuplot script (malloc'd) for results; the script reads data_path and
 * writes png_path. Errors: no usable cell, two cells for one point, a path with a line break. */
rgtg_status_t rgtg_plot_prepare(const rgtg_results_t *results, const rgtg_plot_params_t *params,
                                const char *data_path, const char *png_path, char **data_out, char **script_out);

/* Reads the results, prepares, runs gnuplot and writes out_path atomically. A missing gnuplot or a
 * failing one is an error naming it (with gnuplot's first error line). */
rgtg_status_t rgtg_plot_run(const rgtg_plot_params_t *params);

#endif
