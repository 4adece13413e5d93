/* tools/cmd_data_inspect.c: `rgtg data inspect|export`: options into data/inspect.c's params, one
 * stage call each. */
#include <stdio.h>

#include "../data/inspect.h"
#include "../data/prefs_h5.h"
#include "args.h"
#include "commands.h"

int rgtg_cmd_data_inspect(int argc, char **argv) {
    rgtg_inspect_params_t p = rgtg_inspect_default_params();
    rgtg_strings_t file = {0};
    const rgtg_opt_t options[] = {
        RGTG_OPT("tokenizer", RGTG_OPT_STRING, &p.tokenizer, "to show its settings and decode examples (default: tokenizer.json or tokenizer.model beside the file)"),
        RGTG_OPT("examples", RGTG_OPT_INT, &p.examples, "decoded example pairs to show"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "data inspect", .synopsis = "prefs.h5", .options = options, .positional = &file,
                            .min_positional = 1, .max_positional = 1, .positional_name = "one prefs.h5 file"};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    p.path = file.items[0];
    return rgtg_inspect_run(&p, stdout) == RGTG_OK ? 0 : rgtg_report_error("data inspect");
}

int rgtg_cmd_data_export(int argc, char **argv) {
    rgtg_export_params_t p = rgtg_export_default_params();
    rgtg_strings_t file = {0};
    static const char *const splits[] = {"train", "valid", "test", NULL};
    bool split_given = false;
    const rgtg_opt_t options[] = {
        RGTG_OPT("prefixes", RGTG_OPT_FLAG, &p.prefixes, "one line per prefix pair (the prefix index) instead of one per pair"),
        RGTG_OPT("split", RGTG_OPT_CHOICE, &p.split, "only this split", .choices = splits, .given = &split_given),
        RGTG_OPT("limit", RGTG_OPT_INT, &p.limit, "at most this many lines (0: all)"),
        RGTG_OPT("tokenizer", RGTG_OPT_STRING, &p.tokenizer, "to decode (default: tokenizer.json or tokenizer.model beside the file)"),
        RGTG_OPT("out", RGTG_OPT_STRING, &p.out, "JSONL file to write atomically (default: stdout)"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "data export", .synopsis = "prefs.h5", .options = options, .positional = &file,
                            .min_positional = 1, .max_positional = 1, .positional_name = "one prefs.h5 file"};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    p.path = file.items[0];
    return rgtg_export_run(&p) == RGTG_OK ? 0 : rgtg_report_error("data export");
}
