/* tools/rgtg.c: the `rgtg` command: dispatches subcommands to the stages. Built twice (meson.build):
 * build/rgtg-torch holds every command; build/rgtg, the launcher (RGTG_LAUNCHER), holds those that
 * never touch a model and hands the others to rgtg-torch beside it. Loading libtorch costs about half
 * a second per process (its operator registry), which data, gold-reward, statistics and table
 * commands, and the experiment runner that spawns every stage, need not pay. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

#ifdef RGTG_LAUNCHER
#define TORCH(run) NULL /* run by rgtg-torch */
#else
#define TORCH(run) run
static int train_sft(int argc, char **argv) { return rgtg_cmd_train("sft", argc, argv); }
static int train_rm(int argc, char **argv) { return rgtg_cmd_train("rm", argc, argv); }
static int train_dpo(int argc, char **argv) { return rgtg_cmd_train("dpo", argc, argv); }
static int train_value(int argc, char **argv) { return rgtg_cmd_train("value", argc, argv); }
static int version(int argc, char **argv) { return (void)argc, (void)argv, rgtg_cmd_version(); }
#endif

static const struct {
    const char *command, *sub; /* sub NULL: the command takes no subcommand */
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"data", "demo", rgtg_cmd_data_demo, "build the embedded WordNet \"define\" (or define-long) dataset and its tokenizer"},
    {"data", "tokenizer", rgtg_cmd_data_tokenizer, "train a SentencePiece tokenizer on preference or text files"},
    {"data", "prepare", rgtg_cmd_data_prepare, "preference files -> prefs.h5 (template, tokenize, truncate, split)"},
    {"data", "expand", rgtg_cmd_data_expand, "add the prefix-pair index to a prefs.h5"},
    {"data", "inspect", rgtg_cmd_data_inspect, "counts, lengths, attributes and examples of a prefs.h5"},
    {"data", "export", rgtg_cmd_data_export, "a prefs.h5 (or its prefix pairs) as decoded JSONL"},
    {"data", "tokenize", rgtg_cmd_data_tokenize, "text lines -> JSON id arrays (--decode: back), any tokenizer"},
    {"data", "gold-label", rgtg_cmd_data_gold_label, "two samples per prompt -> gold rewards -> Bradley-Terry labels -> prefs.h5"},
    {"train", "sft", TORCH(train_sft), "supervised fine-tuning of a language model"},
    {"train", "rm", TORCH(train_rm), "a reward model: full, prefix (PARGS) or dense Bradley-Terry"},
    {"train", "dpo", TORCH(train_dpo), "direct preference optimization from an SFT model"},
    {"train", "value", TORCH(train_value), "the CD-FUDGE prefix value function"},
    {"decode", NULL, TORCH(rgtg_cmd_decode), "generate with topk, topp, greedy, bon, args, pargs, cd (rgtg decode --help)"},
    {"eval", "score", TORCH(rgtg_cmd_eval_score), "score generations under a reward model (mean +- SE)"},
    {"eval", "table", rgtg_cmd_eval_table, "one results table from several scored generation files"},
    {"eval", "prefix-accuracy", TORCH(rgtg_cmd_eval_prefix_accuracy), "a reward model's accuracy on held-out pairs and prefixes"},
    {"eval", "gold", rgtg_cmd_eval_gold, "the WordNet gold reward of generations (mean +- SE)"},
    {"eval", "compare", rgtg_cmd_eval_compare, "two scored generation files paired by prompt: mean difference with bootstrap CI, win/tie/loss, Wilcoxon"},
    {"eval", "summarize", rgtg_cmd_eval_summarize, "scored generations -> results.json: reward +- SE, Wilcoxon vs baselines, ROUGE-L, BLEU, diversity"},
    {"eval", "render", rgtg_cmd_eval_render, "one of the paper's table layouts from results.json (.md, .csv, .tex)"},
    {"eval", "plot", rgtg_cmd_eval_plot, "a PNG figure from results.json through gnuplot (heatmap, runtime, agreement)"},
    {"eval", "judge", TORCH(rgtg_cmd_eval_judge), "pairwise win/tie/loss of two generation files (judge command or RM, both orders)"},
    {"eval", "human-sheet", TORCH(rgtg_cmd_eval_human_sheet), "an offline HTML page for blind pairwise rating of two generation files"},
    {"eval", "human-import", TORCH(rgtg_cmd_eval_human_import), "the page's votes as win/tie/loss and agreement with an RM"},
    {"experiment", NULL, rgtg_cmd_experiment, "one paper table or figure from experiments/NAME.yaml (stages reused by hash)"},
    {"bench", NULL, TORCH(rgtg_cmd_bench), "the speed measurements behind make bench"},
    {"version", NULL, TORCH(version), "versions of rgtg and its libraries"},
};

/* The launcher's hand-off: rgtg-torch from this executable's folder takes over this process (same
 * arguments, environment and pid, so mpirun and the experiment runner see one program). */
static int run_torch_build(char **argv) {
    static const char name[] = "/rgtg-torch";
    char path[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", path, sizeof path - sizeof name);
    char *slash = NULL;
    if (length > 0 && length < (ssize_t)(sizeof path - sizeof name)) path[length] = '\0', slash = strrchr(path, '/');
    if (!slash) {
        fprintf(stderr, "rgtg: cannot find this executable's folder (/proc/self/exe), where rgtg-torch is\n");
        return 1;
    }
    memcpy(slash, name, sizeof name);
    execv(path, argv);
    fprintf(stderr, "rgtg: cannot run %s, which holds the commands that use libtorch: %s\n", path, strerror(errno));
    return 1;
}

static void usage(void) {
    printf("rgtg: tokenwise reward-guided text generation\n\n"
           "usage: rgtg <command> [options]   (rgtg <command> --help for its options)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char name[40];
        snprintf(name, sizeof name, "%s%s%s", commands[i].command, commands[i].sub ? " " : "",
                 commands[i].sub ? commands[i].sub : "");
        printf("  %-21s %s\n", name, commands[i].help);
    }
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    const char *command = argv[1], *sub = argc > 2 ? argv[2] : "";
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(command, commands[i].command) != 0 || (commands[i].sub && strcmp(sub, commands[i].sub) != 0)) continue;
        if (!commands[i].run) return run_torch_build(argv);
        return commands[i].sub ? commands[i].run(argc - 3, argv + 3) : commands[i].run(argc - 2, argv + 2);
    }
    fprintf(stderr, "rgtg: unknown command '%s%s%s' (rgtg --help lists them)\n", command, *sub ? " " : "", sub);
    return 2;
}
