/* tools/cmd_eval.c: `rgtg eval score|prefix-accuracy`: options into the eval stage's params, one stage
 * call each (eval/score.c, eval/prefix_accuracy.c). */
#include <stdio.h>
#include <string.h>

#include "../data/prefs_h5.h"
#include "../eval/prefix_accuracy.h"
#include "../eval/score.h"
#include "args.h"
#include "commands.h"

int rgtg_cmd_eval_score(int argc, char **argv) {
    rgtg_score_params_t p = rgtg_score_default_params();
    rgtg_strings_t rms = {0};
    const rgtg_opt_t options[] = {
        RGTG_OPT("rm", RGTG_OPT_STRINGS, &rms, "[NAME=]DIR: a reward model (with tokenizer.json or tokenizer.model); repeat for several in one "
                 "pass, each into rewards.NAME (NAME: DIR's last part, or the one before final); the first is also reward",
                 .required = true),
        RGTG_OPT("gens", RGTG_OPT_STRING, &p.gens, "generations JSONL", .required = true),
        RGTG_OPT("out", RGTG_OPT_STRING, &p.out, "where to write the scored generations (default: rewrite --gens in place)"),
        RGTG_OPT("reference", RGTG_OPT_FLAG, &p.reference, "also score each row's reference (adds reference_reward)"),
        RGTG_OPT("retokenize", RGTG_OPT_FLAG, &p.retokenize, "encode the response text even where the row's token ids could be reused"),
        RGTG_OPT("batch", RGTG_OPT_INT, &p.batch, "sequences per forward"),
        RGTG_OPT("threads", RGTG_OPT_INT32, &p.threads, "libtorch threads"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "eval score", .synopsis = "--rm [NAME=]DIR [--rm ...] --gens FILE [--out FILE]",
                            .options = options};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    if (rms.count > RGTG_SCORE_MAX_RMS) {
        fprintf(stderr, "rgtg: eval score: %d --rm given, at most %d\n", rms.count, RGTG_SCORE_MAX_RMS);
        return 2;
    }
    memcpy(p.rms, rms.items, sizeof(const char *) * (size_t)rms.count), p.rm_count = rms.count;
    rgtg_score_result_t r;
    if (rgtg_score_file(&p, &r) != RGTG_OK) return rgtg_report_error("eval score");
    for (int k = 0; k < r.rm_count; k++) {
        const rgtg_score_rm_result_t *m = &r.rms[k];
        printf("eval score: %zu generations, %s %.4f +- %.4f (SE)", r.count, k ? "reward" : "average reward", m->mean, m->se);
        if (p.reference) printf(", references %.4f", m->reference_mean);
        printf(" [rewards.%s; token ids reused for %zu rows, %zu re-tokenized] -> %s\n", m->name, m->reused,
               m->retokenized, p.out ? p.out : p.gens);
    }
    return 0;
}

int rgtg_cmd_eval_prefix_accuracy(int argc, char **argv) {
    rgtg_prefix_accuracy_params_t p = rgtg_prefix_accuracy_default_params();
    static const char *const splits[] = {"train", "valid", "test", NULL};
    bool split_given = false;
    const rgtg_opt_t options[] = {
        RGTG_OPT("rm", RGTG_OPT_STRING, &p.rm_dir, "reward model directory", .required = true),
        RGTG_OPT("data", RGTG_OPT_STRING, &p.data, "preference file (prefs.h5)", .required = true),
        RGTG_OPT("split", RGTG_OPT_CHOICE, &p.split, "the held-out pairs (default valid, or test when valid is empty)",
                 .choices = splits, .given = &split_given),
        RGTG_OPT("pairs", RGTG_OPT_INT, &p.pairs, "pairs evaluated at most (0: all)"),
        RGTG_OPT("batch", RGTG_OPT_INT, &p.batch, "pairs per forward"),
        RGTG_OPT("max-len", RGTG_OPT_INT, &p.max_len, "tokens per sequence at most (0: the model's max_position_embeddings)"),
        RGTG_OPT("threads", RGTG_OPT_INT32, &p.threads, "libtorch threads"),
        RGTG_OPT("results", RGTG_OPT_STRING, &p.results_path, "also write agreement cells at 25/50/75/100% (results.json)"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "eval prefix-accuracy", .synopsis = "--rm DIR --data prefs.h5", .options = options};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    return rgtg_prefix_accuracy_run(&p, stdout) == RGTG_OK ? 0 : rgtg_report_error("eval prefix-accuracy");
}
