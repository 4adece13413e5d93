/* runner/experiment.h: `rgtg experiment`: one YAML per paper table or figure, run as a chain of
 * `rgtg` commands (stages meet through files), each stage's output kept in a shared store under the
 * content hash of its resolved command, so a stage that another experiment already ran is reused.
 *
 * An experiment file (schema in experiments/README.md):
 *   name: table1
 *   size: small                       # the default size
 *   vars: {seed: 1}                   # values every size shares
 *   sizes: {tiny: {...}, small: {...}, paper: {...}}   # per-size values; ~ = must be given (--set); a
 *                                     # size's own `grid:` replaces the top-level one; a value named after a
 *                                     # stage gives that stage's folder (not run; see experiments/README.md)
 *   stages: {NAME: [rgtg argv...]}    # run once, in file order (with jobs > 1, a stage starts as soon
 *                                     # as the stages it names have finished)
 *   grid: {beta: [1, 2], k: [5, 10]}  # optional sweep: the cells are the product, first key slowest
 *   cells: {NAME: [rgtg argv...]}     # stages run once per cell; under mpirun cells go round-robin to ranks
 *   report: {NAME: [rgtg argv...]}    # run by rank 0 after every stage, never reused, writing into {dir}
 *   alone: [NAME, ...]                # optional: under --jobs these run with nothing beside them (timed stages)
 * In an argv element, {X} is replaced by: a var (a size's value, or a cell's grid value; a value holding
 * {Y} references is resolved in turn); a stage's
 * output directory (a dependency: its hash enters the hash of the stage that names it); {out} (this
 * stage's own directory); {dir} (the experiment's output directory); {repo} (the folder above the
 * YAML's folder, for configs/...). In report only, an element holding {each:NAME} (NAME a cell stage)
 * is repeated once per cell, in grid order. */
#ifndef RGTG_RUNNER_EXPERIMENT_H
#define RGTG_RUNNER_EXPERIMENT_H

#include <stdbool.h>

#include "../core/status.h"

typedef struct {
    const char *path;       /* experiments/NAME.yaml */
    const char *size;       /* tiny | small | paper | any size the file defines; NULL: the file's default */
    const char *out_dir;    /* tables, results and README; NULL: runs/NAME-SIZE */
    const char *store_dir;  /* stage outputs by hash; NULL: OUT_DIR/../store */
    const char *rgtg;       /* the rgtg binary the stages run; NULL: this process's own executable */
    const char **sets;      /* "var=value" overrides, set_count of them */
    int set_count;
    bool force;             /* rerun every stage even when its output exists */
    bool dry_run;           /* print the resolved commands, run nothing */
    int jobs;               /* stages run at once on each rank (<= 1: one at a time, in file order) */
} rgtg_experiment_params_t;

rgtg_experiment_params_t rgtg_experiment_default_params(void);

/* Runs the experiment (every rank of an mpirun job calls it; cells are split over ranks, rank 0 runs
 * the shared stages and the report). */
rgtg_status_t rgtg_experiment_run(const rgtg_experiment_params_t *params);

#endif
