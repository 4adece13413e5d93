/* tools/cmd_data_tokenize.c: `rgtg data tokenize`: options into data/tokenize_lines.c's params, one
 * stage call. */
#include <stdio.h>

#include "../data/tokenize_lines.h"
#include "args.h"
#include "commands.h"

int rgtg_cmd_data_tokenize(int argc, char **argv) {
    rgtg_tokenize_lines_params_t p = rgtg_tokenize_lines_default_params();
    const rgtg_opt_t options[] = {
        RGTG_OPT("tokenizer", RGTG_OPT_STRING, &p.tokenizer,
                 "tokenizer file (tokenizer.model, tokenizer.json) or checkpoint directory", .required = true),
        RGTG_OPT("decode", RGTG_OPT_FLAG, &p.decode,
                 "read JSON id arrays, write texts (a text with a line break, or starting with '\"', as a JSON string)"),
        RGTG_OPT("skip-special", RGTG_OPT_FLAG, &p.skip_special, "with --decode: leave special tokens out"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "data tokenize", .synopsis = "--tokenizer PATH [--decode] < in > out",
                            .options = options};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    return rgtg_tokenize_lines_run(&p, NULL) == RGTG_OK ? 0 : rgtg_report_error("data tokenize");
}
