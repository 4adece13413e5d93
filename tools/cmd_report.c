/* tools/cmd_report.c: `rgtg eval render` (a paper table layout from results.json), `rgtg eval plot`
 * (a PNG figure from results.json through gnuplot) and `rgtg eval table` (one table straight from scored
 * generation files, eval/table_stage.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../eval/layout.h"
#include "../eval/plot.h"
#include "../eval/table_stage.h"
#include "args.h"
#include "commands.h"

/* The values of a repeatable option, in order (at most 64). */
static size_t collect(const rgtg_args_t *args, const char *name, const char **values) {
    size_t count = 0;
    for (int i = 0; i < args->count; i++)
        if (strcmp(args->names[i], name) == 0) values[count++] = args->values[i];
    return count;
}

int rgtg_cmd_eval_render(int argc, char **argv) {
    const rgtg_option_t render_options[] = {
        {"results", true, false, "results.json (schema: eval/RESULTS.md)"},
        {"layout", true, false, rgtg_layout_names()},
        {"out", true, true, "table file: .md, .csv or .tex (repeatable: one table in several formats; default: print Markdown only)"},
        {"metric", true, false, "read this metric instead of the layout's main one"},
        {"where", true, true, "KEY=VALUE: use only cells whose label KEY is VALUE (repeatable)"},
        {"help", false, false, "this help"},
        {NULL, false, false, NULL},
    };
    rgtg_args_t args;
    if (!rgtg_args_parse("eval render", render_options, argc, argv, &args)) return 2;
    bool help = rgtg_args_has(&args, "help");
    if (help || !rgtg_args_has(&args, "results") || !rgtg_args_has(&args, "layout")) {
        rgtg_args_usage("eval render", "--results results.json --layout table1 [--out table.md|.csv|.tex]", render_options);
        return help ? 0 : 2;
    }
    const char *where[64], *outs[64];
    rgtg_render_params_t params = rgtg_render_default_params();
    params.results_path = rgtg_args_get(&args, "results", NULL);
    size_t out_count = collect(&args, "out", outs);
    params.out_path = out_count ? outs[0] : NULL;
    params.more_count = out_count > 1 ? out_count - 1 : 0;
    for (size_t i = 0; i < params.more_count && i < RGTG_RENDER_MAX_OUTS; i++) params.more_outs[i] = outs[i + 1];
    params.layout.layout = rgtg_args_get(&args, "layout", NULL);
    params.layout.metric = rgtg_args_get(&args, "metric", NULL);
    params.layout.where = where;
    params.layout.where_count = collect(&args, "where", where);
    char *markdown = NULL;
    if (rgtg_render_run(&params, &markdown) != RGTG_OK) return rgtg_report_error("eval render");
    fputs(markdown, stdout);
    free(markdown);
    return 0;
}

static const rgtg_option_t plot_options[] = {
    {"results", true, false, "results.json (schema: eval/RESULTS.md)"},
    {"kind", true, false, "heatmap (beta x k) | runtime (reward vs ms/token) | agreement (prefix agreement)"},
    {"out", true, false, "the PNG file"},
    {"metric", true, false, "heatmap: the metric shown (default reward); runtime: the y metric (default reward)"},
    {"where", true, true, "KEY=VALUE: use only cells whose label KEY is VALUE (repeatable)"},
    {"width", true, false, "pixels (default 800)"},
    {"height", true, false, "pixels (default 600)"},
    {"keep-script", true, false, "also write the gnuplot script and its data beside this path (PATH.gp, PATH.dat)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

int rgtg_cmd_eval_plot(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("eval plot", plot_options, argc, argv, &args)) return 2;
    bool help = rgtg_args_has(&args, "help");
    if (help || !rgtg_args_has(&args, "results") || !rgtg_args_has(&args, "kind") || !rgtg_args_has(&args, "out")) {
        rgtg_args_usage("eval plot", "--results results.json --kind heatmap|runtime|agreement --out fig.png", plot_options);
        return help ? 0 : 2;
    }
    long long width, height;
    if (!rgtg_args_int(&args, "width", 800, &width) || !rgtg_args_int(&args, "height", 600, &height)) return 2;
    const char *where[64];
    rgtg_plot_params_t params = rgtg_plot_default_params();
    params.results_path = rgtg_args_get(&args, "results", NULL);
    params.out_path = rgtg_args_get(&args, "out", NULL);
    params.metric = rgtg_args_get(&args, "metric", NULL);
    params.where = where;
    params.where_count = collect(&args, "where", where);
    params.width = (int)width;
    params.height = (int)height;
    params.keep_script = rgtg_args_get(&args, "keep-script", NULL);
    if (rgtg_plot_kind_from_name(rgtg_args_get(&args, "kind", NULL), &params.kind) != RGTG_OK ||
        rgtg_plot_run(&params) != RGTG_OK)
        return rgtg_report_error("eval plot");
    printf("eval plot: %s -> %s\n", rgtg_args_get(&args, "kind", NULL), params.out_path);
    return 0;
}

_Static_assert(RGTG_MAX_STRINGS <= RGTG_TABLE_STAGE_MAX_FILES, "every file the command line takes fits the params");

int rgtg_cmd_eval_table(int argc, char **argv) {
    rgtg_table_stage_params_t p = rgtg_table_stage_default_params();
    rgtg_strings_t gens = {0}, outs = {0};
    const rgtg_opt_t options[] = {
        RGTG_OPT("gens", RGTG_OPT_STRINGS, &gens, "a scored generations JSONL (one row of the table per method in it)",
                 .required = true),
        RGTG_OPT("out", RGTG_OPT_STRINGS, &outs, "table file: .md, .csv or .tex (the table is printed as Markdown too)"),
        RGTG_OPT("reward", RGTG_OPT_STRING, &p.reward, "the named reward shown (eval score --rm NAME=DIR); default: the plain reward"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "eval table", .synopsis = "--gens FILE [--gens FILE ...] [--out table.md]",
                            .options = options};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    memcpy(p.gens, gens.items, sizeof gens.items);
    memcpy(p.outs, outs.items, sizeof outs.items);
    p.gens_count = gens.count, p.out_count = outs.count;
    return rgtg_table_stage_run(&p, stdout) == RGTG_OK ? 0 : rgtg_report_error("eval table");
}
