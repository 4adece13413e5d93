/* tools/commands.h: the subcommands of `rgtg`, one function each; each returns the exit status. */
#ifndef RGTG_TOOLS_COMMANDS_H
#define RGTG_TOOLS_COMMANDS_H

int rgtg_cmd_data_demo(int argc, char **argv);
int rgtg_cmd_data_tokenizer(int argc, char **argv);
int rgtg_cmd_data_prepare(int argc, char **argv);
int rgtg_cmd_data_expand(int argc, char **argv);
int rgtg_cmd_data_inspect(int argc, char **argv);
int rgtg_cmd_data_export(int argc, char **argv);
int rgtg_cmd_data_gold_label(int argc, char **argv);
int rgtg_cmd_data_tokenize(int argc, char **argv);
int rgtg_cmd_train(const char *kind, int argc, char **argv);
int rgtg_cmd_decode(int argc, char **argv);
int rgtg_cmd_eval_score(int argc, char **argv);
int rgtg_cmd_eval_table(int argc, char **argv);
int rgtg_cmd_eval_compare(int argc, char **argv);
int rgtg_cmd_eval_prefix_accuracy(int argc, char **argv);
int rgtg_cmd_eval_gold(int argc, char **argv);
int rgtg_cmd_eval_render(int argc, char **argv);
int rgtg_cmd_eval_summarize(int argc, char **argv);
int rgtg_cmd_eval_plot(int argc, char **argv);
int rgtg_cmd_eval_judge(int argc, char **argv);
int rgtg_cmd_eval_human_sheet(int argc, char **argv);
int rgtg_cmd_eval_human_import(int argc, char **argv);
int rgtg_cmd_bench(int argc, char **argv);
int rgtg_cmd_experiment(int argc, char **argv);
int rgtg_cmd_version(void);

/* Prints "rgtg: <message>" from core/status.h's pending error and returns 1. */
int rgtg_report_error(const char *context);

#endif
