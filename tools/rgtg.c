/* tools/rgtg.c: the `rgtg` command: dispatches subcommands to the stages. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static void usage(void) {
    printf("rgtg: tokenwise reward-guided text generation\n\n"
           "usage: rgtg <command> [options]   (rgtg <command> --help for its options)\n\n"
           "  data demo      build the embedded WordNet \"define\" dataset and its tokenizer\n"
           "  data tokenizer train a SentencePiece tokenizer on preference or text files\n"
           "  data prepare   preference files -> prefs.h5 (template, tokenize, truncate, split)\n"
           "  data expand    add the prefix-pair index to a prefs.h5\n"
           "  data inspect   counts, lengths, attributes and examples of a prefs.h5\n"
           "  data export    a prefs.h5 (or its prefix pairs) as decoded JSONL\n"
           "  train sft|rm   train an SFT language model or a reward model (full or prefix)\n"
           "  decode         generate with topk, greedy, pargs, args (KV cache, candidate scoring)\n"
           "  eval score     score generations under a reward model (mean +- SE)\n"
           "  eval table     one results table from several scored generation files\n"
           "  version        versions of rgtg and its libraries\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    const char *command = argv[1];
    const char *sub = argc > 2 ? argv[2] : "";
    if (!strcmp(command, "data") && !strcmp(sub, "demo")) return rgtg_cmd_data_demo(argc - 3, argv + 3);
    if (!strcmp(command, "data") && !strcmp(sub, "tokenizer")) return rgtg_cmd_data_tokenizer(argc - 3, argv + 3);
    if (!strcmp(command, "data") && !strcmp(sub, "prepare")) return rgtg_cmd_data_prepare(argc - 3, argv + 3);
    if (!strcmp(command, "data") && !strcmp(sub, "expand")) return rgtg_cmd_data_expand(argc - 3, argv + 3);
    if (!strcmp(command, "data") && !strcmp(sub, "inspect")) return rgtg_cmd_data_inspect(argc - 3, argv + 3);
    if (!strcmp(command, "data") && !strcmp(sub, "export")) return rgtg_cmd_data_export(argc - 3, argv + 3);
    if (!strcmp(command, "train") && (!strcmp(sub, "sft") || !strcmp(sub, "rm")))
        return rgtg_cmd_train(sub, argc - 3, argv + 3);
    if (!strcmp(command, "decode")) return rgtg_cmd_decode(argc - 2, argv + 2);
    if (!strcmp(command, "eval") && !strcmp(sub, "score")) return rgtg_cmd_eval_score(argc - 3, argv + 3);
    if (!strcmp(command, "eval") && !strcmp(sub, "table")) return rgtg_cmd_eval_table(argc - 3, argv + 3);
    if (!strcmp(command, "bench")) return rgtg_cmd_bench(argc - 2, argv + 2);
    if (!strcmp(command, "version")) return rgtg_cmd_version();
    fprintf(stderr, "rgtg: unknown command '%s%s%s' (rgtg --help lists them)\n", command, *sub ? " " : "", sub);
    return 2;
}
