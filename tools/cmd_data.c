/* tools/cmd_data.c: `rgtg data demo`: the embedded default dataset. WordNet's glosses (Debian package
 * wordnet-base) become "define" preference pairs; a SentencePiece tokenizer is trained on their text;
 * the pairs are tokenized into prefs.h5 with train/valid/test splits and expanded into prefix pairs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/spm/spm.h"
#include "../data/define_long.h"
#include "../data/expand.h"
#include "../data/prefs_h5.h"
#include "../data/wordnet.h"
#include "args.h"
#include "commands.h"

static const rgtg_option_t options[] = {
    {"out", true, false, "output directory (prefs.h5, tokenizer.model)"},
    {"wordnet", true, false, "WordNet dict folder (default /usr/share/wordnet)"},
    {"task", true, false, "define (one gloss; default) or define-long (a paragraph; pairs labelled by the gold reward)"},
    {"pairs", true, false, "preference pairs in all (default 3000)"},
    {"test", true, false, "held-out test prompts among them (default 100)"},
    {"valid", true, false, "validation pairs among them (default 200)"},
    {"vocab", true, false, "tokenizer vocabulary (default 2000)"},
    {"ratio", true, false, "prefix pairs per pair (default 2)"},
    {"seed", true, false, "seed of selection, splits and expansion (default 1)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

static rgtg_status_t tokenize_with_spm(void *ctx, const char *text, size_t len, int32_t **ids, size_t *count) {
    return rgtg_spm_encode(ctx, text, len, ids, count);
}

/* The tokenizer's training text: every prompt and response, one a line. */
static rgtg_status_t write_corpus(const char *path, const rgtg_wordnet_pairs_t *pairs) {
    rgtg_atomic_file_t file;
    rgtg_status_t st = rgtg_atomic_begin(&file, path);
    for (size_t i = 0; st == RGTG_OK && i < pairs->count; i++)
        fprintf(file.fp, "%s\n%s\n%s\n", pairs->pairs[i].prompt_text, pairs->pairs[i].chosen_text,
                pairs->pairs[i].rejected_text);
    if (st == RGTG_OK) st = rgtg_atomic_commit(&file);
    else rgtg_atomic_abort(&file);
    return st;
}

static rgtg_status_t build(const char *out, const char *wordnet_dir, const char *task, long long n_pairs,
                           long long n_test, long long n_valid, long long vocab, double ratio, long long seed) {
    rgtg_wordnet_t *db = NULL;
    rgtg_wordnet_pairs_t pairs = {0};
    rgtg_spm_t *spm = NULL;
    rgtg_prefs_writer_t *writer = NULL;
    char *corpus = rgtg_path_join(out, "corpus.txt"), *tok = rgtg_path_join(out, "tokenizer.model");
    char *prefs = rgtg_path_join(out, "prefs.h5");
    rgtg_status_t st = rgtg_mkdirs(out);
    if (st == RGTG_OK) st = rgtg_wordnet_load(wordnet_dir, &db);
    rgtg_wordnet_pair_params_t pp = rgtg_wordnet_pair_default_params();
    pp.max_pairs = (size_t)n_pairs;
    pp.seed = (uint64_t)seed;
    rgtg_define_long_params_t lp = rgtg_define_long_default_params();
    rgtg_define_long_pairs_t long_pairs = {0};
    char options[1024];
    int long_task = !strcmp(task, "define-long");
    lp.words.max_pairs = pp.max_pairs;
    lp.words.seed = pp.seed;
    if (st == RGTG_OK && long_task && (st = rgtg_define_long_make_pairs(db, &lp, &long_pairs)) == RGTG_OK) {
        rgtg_define_long_report(&long_pairs, stdout);
        pairs = long_pairs.pairs; /* the variants and gold rewards stay in long_pairs */
        memset(&long_pairs.pairs, 0, sizeof long_pairs.pairs);
    } else if (st == RGTG_OK) {
        st = rgtg_wordnet_make_pairs(db, &pp, &pairs);
    }
    if (st == RGTG_OK && (long long)pairs.count < n_test + n_valid + 2)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: only %zu pairs could be made, fewer than the held-out splits need",
                            wordnet_dir, pairs.count);
    if (st == RGTG_OK) st = write_corpus(corpus, &pairs);
    rgtg_spm_train_params_t tp = rgtg_spm_train_default_params();
    tp.vocab_size = (int)vocab;
    tp.seed = (uint64_t)seed;
    if (st == RGTG_OK) st = rgtg_spm_train(corpus, tok, &tp);
    if (st == RGTG_OK) st = rgtg_spm_load(tok, &spm);
    char tok_sha[65] = "", src_sha[65 * 4] = "", sources[4096] = "";
    if (st == RGTG_OK) st = rgtg_sha256_file(tok, tok_sha);
    for (size_t i = 0; st == RGTG_OK && i < rgtg_wordnet_source_count(db); i++) {
        char hex[65];
        const char *path = rgtg_wordnet_source_path(db, i);
        st = rgtg_sha256_file(path, hex);
        if (st == RGTG_OK && strlen(sources) + strlen(path) + 2 < sizeof sources && strlen(src_sha) + 66 < sizeof src_sha) {
            strcat(strcat(sources, path), "\n");
            strcat(strcat(src_sha, hex), "\n");
        }
    }
    rgtg_prefs_attrs_t attrs = {
        .tokenizer_sha256 = tok_sha, .vocab_size = spm ? rgtg_spm_vocab_size(spm) : 0,
        .eos_id = spm ? rgtg_spm_eos_id(spm) : 2, .pad_id = spm ? rgtg_spm_pad_id(spm) : 3,
        .template_name = pairs.template_name, .template_text = pairs.template_text,
        .source_files = sources, .source_sha256 = src_sha, .seed = (uint64_t)seed,
        .options = long_task ? rgtg_define_long_options(&lp, options, sizeof options) : NULL,
    };
    if (st == RGTG_OK) st = rgtg_prefs_writer_open(prefs, &attrs, &writer);
    /* pairs come in a seeded random order: the last ones are held out */
    size_t first_test = pairs.count - (size_t)n_test, first_valid = first_test - (size_t)n_valid;
    for (size_t i = 0; st == RGTG_OK && i < pairs.count; i++) {
        int split = i >= first_test ? RGTG_SPLIT_TEST : i >= first_valid ? RGTG_SPLIT_VALID : RGTG_SPLIT_TRAIN;
        const rgtg_wordnet_pair_t *p = &pairs.pairs[i];
        st = rgtg_prefs_writer_add_text(writer, tokenize_with_spm, spm, p->prompt_text, p->chosen_text,
                                        p->rejected_text, split);
    }
    rgtg_prefs_counts_t counts = {
        .rows_read = pairs.lemmas_read, .drop_reasons = pairs.drop_reasons, .drop_counts = pairs.drop_counts,
        .drop_reason_count = RGTG_WORDNET_DROP_COUNT,
    };
    if (st == RGTG_OK) st = rgtg_prefs_writer_commit(writer, &counts);
    else if (writer) rgtg_prefs_writer_abort(writer);
    if (st == RGTG_OK) st = rgtg_prefs_expand(prefs, ratio, (uint64_t)seed);
    if (st == RGTG_OK)
        printf("data demo: %zu pairs (%lld test, %lld valid), vocabulary %d, prefix ratio %g -> %s\n", pairs.count,
               n_test, n_valid, rgtg_spm_vocab_size(spm), ratio, prefs);
    if (st != RGTG_OK) unlink(prefs); /* a failed expansion must not leave a file that looks complete */
    unlink(corpus);
    free(corpus), free(tok), free(prefs);
    rgtg_spm_free(spm);
    rgtg_wordnet_pairs_free(&pairs);
    rgtg_define_long_pairs_free(&long_pairs);
    rgtg_wordnet_free(db);
    return st;
}

int rgtg_cmd_data_demo(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("data demo", options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("data demo", "--out DIR", options);
        return 0;
    }
    const char *out = rgtg_args_get(&args, "out", NULL);
    long long pairs, test, valid, vocab, seed;
    double ratio;
    if (!out) {
        fprintf(stderr, "rgtg data demo: --out is required\n");
        return 2;
    }
    if (!rgtg_args_int(&args, "pairs", 3000, &pairs) || !rgtg_args_int(&args, "test", 100, &test) ||
        !rgtg_args_int(&args, "valid", 200, &valid) || !rgtg_args_int(&args, "vocab", 2000, &vocab) ||
        !rgtg_args_int(&args, "seed", 1, &seed) || !rgtg_args_double(&args, "ratio", 2.0, &ratio))
        return 2;
    if (pairs < 1 || test < 0 || valid < 0 || vocab < 16 || !(ratio > 0)) {
        fprintf(stderr, "rgtg data demo: --pairs, --vocab and --ratio must be positive, --test and --valid not negative\n");
        return 2;
    }
    const char *task = rgtg_args_get(&args, "task", "define");
    if (strcmp(task, "define") && strcmp(task, "define-long")) {
        fprintf(stderr, "rgtg data demo: --task must be define or define-long, not \"%s\"\n", task);
        return 2;
    }
    rgtg_status_t st = build(out, rgtg_args_get(&args, "wordnet", "/usr/share/wordnet"), task, pairs, test, valid,
                             vocab, ratio, seed);
    return st == RGTG_OK ? 0 : rgtg_report_error("data demo");
}
