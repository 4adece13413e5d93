/* tools/cmd_experiment.c: `rgtg experiment FILE.yaml`: options into the runner's params, one call. */
#include <stdio.h>
#include <string.h>

#include "../core/dist_group.h"
#include "../runner/experiment.h"
#include "args.h"
#include "commands.h"

static const rgtg_option_t options[] = {
    {"size", true, false, "tiny | small | paper (default: the file's size)"},
    {"out", true, false, "output folder for tables, results and README (default runs/NAME-SIZE)"},
    {"store", true, false, "stage outputs by content hash, shared by experiments (default OUT/../store)"},
    {"set", true, true, "VAR=VALUE: override one of the file's variables (repeatable)"},
    {"force", false, false, "rerun every stage even when the store holds its output"},
    {"jobs", true, false, "stages run at once (default 1); a stage starts once the stages it names finish. "
                          "Give each fewer threads: --set threads=N"},
    {"dry-run", false, false, "print each stage's command and whether it would be reused; run nothing"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

int rgtg_cmd_experiment(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("experiment", options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help") || args.positional_count != 1) {
        rgtg_args_usage("experiment", "experiments/NAME.yaml [--size tiny|small|paper] [--out DIR]", options);
        return rgtg_args_has(&args, "help") ? 0 : 2;
    }
    rgtg_experiment_params_t p = rgtg_experiment_default_params();
    const char *sets[64];
    p.path = args.positional[0];
    p.size = rgtg_args_get(&args, "size", NULL);
    p.out_dir = rgtg_args_get(&args, "out", NULL);
    p.store_dir = rgtg_args_get(&args, "store", NULL);
    p.force = rgtg_args_has(&args, "force");
    p.dry_run = rgtg_args_has(&args, "dry-run");
    long long jobs = 1;
    if (!rgtg_args_int(&args, "jobs", 1, &jobs)) return 2;
    if (jobs < 1 || jobs > 256) {
        fprintf(stderr, "rgtg experiment: --jobs must be from 1 to 256, got %lld\n", jobs);
        return 2;
    }
    p.jobs = (int)jobs;
    for (int i = 0; i < args.count; i++)
        if (!strcmp(args.names[i], "set")) sets[p.set_count++] = args.values[i];
    p.sets = sets;
    if (rgtg_dist_init(&argc, &argv) != RGTG_OK) return rgtg_report_error("experiment");
    int code = rgtg_experiment_run(&p) == RGTG_OK ? 0 : rgtg_report_error("experiment");
    rgtg_dist_group_finalize(); /* the runner holds no tensors on the group: only MPI to end */
    return code;
}
