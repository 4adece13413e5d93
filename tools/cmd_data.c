/* tools/cmd_data.c: `rgtg data demo|tokenizer|prepare|expand`: options into the data stage's params,
 * one stage call each (data/demo.c, data/corpus.c, data/prepare.c, data/expand.c), and a summary line. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../data/corpus.h"
#include "../data/demo.h"
#include "../data/expand.h"
#include "../data/prepare.h"
#include "../data/round_trip.h"
#include "args.h"
#include "commands.h"

_Static_assert(RGTG_MAX_STRINGS <= RGTG_PREPARE_MAX_INPUTS && RGTG_MAX_STRINGS <= RGTG_CORPUS_MAX_INPUTS,
               "every input the command line takes fits the stages' params");

int rgtg_cmd_data_demo(int argc, char **argv) {
    rgtg_demo_params_t p = rgtg_demo_default_params();
    const rgtg_opt_t options[] = {
        RGTG_OPT("out", RGTG_OPT_STRING, &p.out_dir, "output directory (prefs.h5, tokenizer.model)", .required = true),
        RGTG_OPT("wordnet", RGTG_OPT_STRING, &p.wordnet_dir, "WordNet dict folder"),
        RGTG_OPT("task", RGTG_OPT_STRING, &p.task, "define (one gloss) or define-long (a paragraph; data/GOLD.md)"),
        RGTG_OPT("pairs", RGTG_OPT_INT, &p.pairs, "preference pairs in all"),
        RGTG_OPT("test", RGTG_OPT_INT, &p.test, "held-out test prompts among them"),
        RGTG_OPT("valid", RGTG_OPT_INT, &p.valid, "validation pairs among them"),
        RGTG_OPT("vocab", RGTG_OPT_INT32, &p.vocab, "tokenizer vocabulary"),
        RGTG_OPT("ratio", RGTG_OPT_DOUBLE, &p.ratio, "prefix pairs per pair"),
        RGTG_OPT("pairs-per-word", RGTG_OPT_INT32, &p.pairs_per_word,
                 "define-long: pairs per word, so that test prompts ask about trained words"),
        RGTG_OPT("seed", RGTG_OPT_U64, &p.seed, "seed of selection, splits and expansion"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "data demo", .synopsis = "--out DIR", .options = options};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    rgtg_demo_result_t r;
    if (rgtg_demo_build(&p, &r) != RGTG_OK) return rgtg_report_error("data demo");
    fputs(r.report, stdout);
    printf("data demo: %zu pairs (%" PRId64 " test, %" PRId64 " valid), vocabulary %d, prefix ratio %g -> %s\n", r.pairs,
           p.test, p.valid, r.vocab, p.ratio, r.prefs);
    return 0;
}

int rgtg_cmd_data_tokenizer(int argc, char **argv) {
    rgtg_corpus_params_t p = rgtg_corpus_default_params();
    rgtg_strings_t inputs = {0};
    bool no_byte_fallback = false, no_whitespace_pieces = false, no_split_digits = false;
    const rgtg_opt_t options[] = {
        RGTG_OPT("input", RGTG_OPT_STRINGS, &inputs,
                 "preference or plain text files (.gz read too); more may follow as arguments"),
        RGTG_OPT("vocab", RGTG_OPT_INT32, &p.vocab_size, "vocabulary size", .required = true),
        RGTG_OPT("out", RGTG_OPT_STRING, &p.out, "the SentencePiece model to write", .required = true),
        RGTG_OPT("model-type", RGTG_OPT_STRING, &p.model_type, "unigram or bpe"),
        RGTG_OPT("format", RGTG_OPT_STRING, &p.format, "input format (default: detected per file); text: one sentence a line"),
        RGTG_OPT("seed", RGTG_OPT_U64, &p.seed, "sampling seed of the trainer"),
        RGTG_OPT("template", RGTG_OPT_STRING, &p.template_name, "a prompt template whose markers (Human:, ...) become user symbols"),
        RGTG_OPT("user-symbols", RGTG_OPT_STRING, &p.user_symbols,
                 "comma-separated pieces kept whole, e.g. Human:,Assistant: (default: the --template's markers; \"\" none)"),
        RGTG_OPT("no-byte-fallback", RGTG_OPT_FLAG, &no_byte_fallback,
                 "characters outside the vocabulary become unknown pieces (loses text)"),
        RGTG_OPT("normalization", RGTG_OPT_STRING, &p.normalization,
                 "identity (default: text as it is), nmt_nfkc, nfkc, nmt_nfkc_cf or nfkc_cf (these rewrite text)"),
        RGTG_OPT("remove-extra-whitespaces", RGTG_OPT_FLAG, &p.remove_extra_whitespaces,
                 "fold runs of spaces, drop leading and trailing ones (loses text)"),
        RGTG_OPT("add-dummy-prefix", RGTG_OPT_FLAG, &p.add_dummy_prefix, "put a space before every text, as SentencePiece does"),
        RGTG_OPT("no-whitespace-pieces", RGTG_OPT_FLAG, &no_whitespace_pieces, "no pieces made of spaces only"),
        RGTG_OPT("no-split-digits", RGTG_OPT_FLAG, &no_split_digits, "let digits join into pieces of several digits"),
        RGTG_OPT("lossy-legacy", RGTG_OPT_FLAG, &p.lossy_legacy,
                 "SentencePiece's old defaults (no byte fallback, NFKC): small vocabularies, text not kept exactly"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "data tokenizer", .synopsis = "--input FILE... --vocab N --out tok.model",
                            .options = options,
                            .positional = &inputs, .min_positional = 1, .positional_name = "--input FILE"};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    memcpy(p.inputs, inputs.items, sizeof p.inputs);
    p.input_count = inputs.count;
    p.byte_fallback = !no_byte_fallback;
    p.whitespace_only_pieces = !no_whitespace_pieces;
    p.split_digits = !no_split_digits;
    rgtg_corpus_result_t r;
    if (rgtg_corpus_train_tokenizer(&p, &r) != RGTG_OK) return rgtg_report_error("data tokenizer");
    printf("data tokenizer: %" PRId64 " lines from %d file%s, vocabulary %d (%s) -> %s\n  settings: %s\n", r.lines,
           p.input_count, p.input_count == 1 ? "" : "s", p.vocab_size, p.model_type, p.out, r.settings);
    return 0;
}

int rgtg_cmd_data_prepare(int argc, char **argv) {
    rgtg_prepare_params_t p = rgtg_prepare_default_params();
    rgtg_strings_t inputs = {0};
    const char *split = "0.9,0.05,0.05";
    int truncate = p.truncate, on_error = 0;
    bool require_lossless = false, allow_lossy = false;
    static const char *const on_errors[] = {"fail", "skip", NULL};
    const rgtg_opt_t options[] = {
        RGTG_OPT("input", RGTG_OPT_STRINGS, &inputs, "preference files (.gz read too); more may follow as arguments"),
        RGTG_OPT("format", RGTG_OPT_STRING, &p.format,
                 "hh, tldr, ultrafeedback, sharegpt, postedit or jsonl (default: detected per file)"),
        RGTG_OPT("tokenizer", RGTG_OPT_STRING, &p.tokenizer, "tokenizer file (tokenizer.model, tokenizer.json) or checkpoint directory", .required = true),
        RGTG_OPT("out", RGTG_OPT_STRING, &p.out, "prefs.h5 to write", .required = true),
        RGTG_OPT("template", RGTG_OPT_STRING, &p.template_name,
                 "prompt template taking {prompt} (default none: the prompt as it is)"),
        RGTG_OPT("max-len", RGTG_OPT_INT, &p.max_len, "most tokens of prompt + longer response, EOS counted (0: no limit)"),
        RGTG_OPT("truncate", RGTG_OPT_CHOICE, &truncate, "rows over --max-len: cut the prompt, cut responses, or drop",
         .choices = rgtg_truncate_names),
        RGTG_OPT("split", RGTG_OPT_STRING, &split, "train,valid,test fractions"),
        RGTG_OPT("seed", RGTG_OPT_U64, &p.seed, "seed of the split assignment"),
        RGTG_OPT("on-error", RGTG_OPT_CHOICE, &on_error, "a malformed row: fail (no output) or skip (counted as malformed)",
         .choices = on_errors),
        RGTG_OPT("limit", RGTG_OPT_INT, &p.limit, "stop after this many pairs are kept (0: all)"),
        RGTG_OPT("require-lossless", RGTG_OPT_FLAG, &require_lossless,
                 "refuse a text the tokenizer does not give back exactly (default for tokenizers rgtg trained lossless)"),
        RGTG_OPT("allow-lossy", RGTG_OPT_FLAG, &allow_lossy, "keep rows whose text the tokenizer loses, only counting them"),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "data prepare", .synopsis = "--input FILE... --tokenizer tok.model --out prefs.h5",
                            .options = options,
                            .positional = &inputs, .min_positional = 1, .positional_name = "--input FILE"};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    char tail;
    if (sscanf(split, "%lf,%lf,%lf%c", &p.split[0], &p.split[1], &p.split[2], &tail) != 3) {
        fprintf(stderr, "rgtg data prepare: --split wants three fractions summing to 1, like 0.9,0.05,0.05\n");
        return 2;
    }
    memcpy(p.inputs, inputs.items, sizeof p.inputs);
    p.input_count = inputs.count;
    p.truncate = (rgtg_truncate_t)truncate;
    p.skip_errors = on_error == 1;
    if (require_lossless && allow_lossy) {
        fprintf(stderr, "rgtg data prepare: --require-lossless and --allow-lossy contradict each other\n");
        return 2;
    }
    p.lossless = require_lossless ? RGTG_LOSSLESS_REQUIRED : allow_lossy ? RGTG_LOSSLESS_COUNTED : RGTG_LOSSLESS_AUTO;
    rgtg_prepare_result_t r;
    if (rgtg_prepare_run(&p, &r) != RGTG_OK) return rgtg_report_error("data prepare");
    printf("data prepare: %" PRId64 " rows read, %" PRId64 " pairs kept (train %" PRId64 ", valid %" PRId64 ", test %" PRId64
           ") -> %s\n", r.rows_read, r.kept, r.split_counts[0], r.split_counts[1], r.split_counts[2], p.out);
    if (r.drop_count) {
        printf("  dropped:");
        for (size_t i = 0; i < r.drop_count; i++) printf(" %s %" PRId64, r.drop_reasons[i], r.drop_counts[i]);
        printf("\n");
    }
    printf("  round trip (lossless text %s):\n", r.lossless_required ? "required" : "not required, counted");
    for (size_t i = 0; i < r.source_count && i < (size_t)p.input_count; i++)
        rgtg_round_trip_print(stdout, "    ", p.inputs[i], (int)strlen(p.inputs[i]), &r.round_trip[i]);
    return 0;
}

int rgtg_cmd_data_expand(int argc, char **argv) {
    rgtg_expand_params_t p = rgtg_expand_default_params();
    rgtg_strings_t positional = {0};
    const char *ratio = NULL;
    const rgtg_opt_t options[] = {
        RGTG_OPT("in", RGTG_OPT_STRING, &p.path, "prefs.h5 to add the prefix index to (rewritten atomically)"),
        RGTG_OPT("ratio", RGTG_OPT_STRING, &ratio, "prefix pairs per pair, or all", .required = true),
        RGTG_OPT("seed", RGTG_OPT_U64, &p.seed, "sampling seed (default: the file's seed attribute)", .given = &p.seed_given),
        RGTG_OPT_END,
    };
    const rgtg_cli_t cli = {.command = "data expand", .synopsis = "--in prefs.h5 --ratio R|all", .options = options,
                            .positional = &positional};
    int code = rgtg_cli_parse(&cli, argc, argv);
    if (code >= 0) return code;
    if (!p.path && positional.count > 0) p.path = positional.items[0];
    char *end = NULL;
    p.ratio = strcmp(ratio, "all") == 0 ? RGTG_EXPAND_ALL : strtod(ratio, &end);
    if (!p.path || (end && (end == ratio || *end || !(p.ratio > 0) || !isfinite(p.ratio)))) {
        fprintf(stderr, "rgtg data expand: --in FILE and --ratio (a positive number or all) are required\n");
        return 2;
    }
    rgtg_expand_result_t r;
    if (rgtg_expand_run(&p, &r) != RGTG_OK) return rgtg_report_error("data expand");
    printf("data expand: ratio %s, seed %" PRIu64 " -> %s\n", ratio, r.seed, p.path);
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++)
        printf("  %-5s %" PRId64 " pairs -> %" PRId64 " prefix pairs%s\n", rgtg_split_name(s), r.pairs[s], r.prefix_pairs[s],
               r.saturated[s] ? " (saturated: every prefix listed)" : "");
    return 0;
}
