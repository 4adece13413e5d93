/* data/demo.c: the embedded demo dataset (see demo.h). Its split is positional: the pairs come in a
 * seeded random order, the last `test` are test and the `valid` before them validation, so that the
 * demo's held-out sizes are exact. */
#include "demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/spm/spm.h"
#include "define_long.h"
#include "expand.h"
#include "prepare.h"
#include "wordnet.h"

rgtg_demo_params_t rgtg_demo_default_params(void) {
    return (rgtg_demo_params_t){.wordnet_dir = "/usr/share/wordnet", .task = "define", .pairs = 3000, .test = 100,
                                .valid = 200, .vocab = 2000, .ratio = 2.0, .pairs_per_word = 1, .seed = 1};
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

/* The pairs, already templated by wordnet.c, through the prepare session with positional splits. */
static rgtg_status_t write_prefs(const rgtg_demo_params_t *p, const rgtg_wordnet_t *db, const rgtg_wordnet_pairs_t *pairs,
                                 const char *tokenizer, const char *prefs, const char *options) {
    const char *sources[2 * RGTG_POS_COUNT];
    int source_count = 0;
    for (size_t i = 0; i < rgtg_wordnet_source_count(db) && source_count < 2 * RGTG_POS_COUNT; i++)
        sources[source_count++] = rgtg_wordnet_source_path(db, i);
    rgtg_prepare_params_t pp = rgtg_prepare_default_params();
    pp.tokenizer = tokenizer, pp.out = prefs, pp.seed = p->seed;
    rgtg_prepare_record_t record = {.sources = sources, .source_count = source_count,
                                    .template_name = pairs->template_name, .template_text = pairs->template_text,
                                    .options = options};
    rgtg_prepare_t *session = NULL;
    rgtg_status_t st = rgtg_prepare_begin(&pp, &record, &session);
    size_t first_test = pairs->count - (size_t)p->test, first_valid = first_test - (size_t)p->valid;
    for (size_t i = 0; st == RGTG_OK && i < pairs->count; i++) {
        int split = i >= first_test ? RGTG_SPLIT_TEST : i >= first_valid ? RGTG_SPLIT_VALID : RGTG_SPLIT_TRAIN;
        const rgtg_wordnet_pair_t *pair = &pairs->pairs[i];
        st = rgtg_prepare_add(session, pair->prompt_text, pair->chosen_text, pair->rejected_text, split, NULL);
    }
    for (int r = 0; st == RGTG_OK && r < RGTG_WORDNET_DROP_COUNT; r++)
        rgtg_prepare_count_drop(session, pairs->drop_reasons[r], pairs->drop_counts[r]);
    if (st == RGTG_OK) return rgtg_prepare_commit(session, pairs->lemmas_read, NULL);
    rgtg_prepare_abort(session);
    return st;
}

rgtg_status_t rgtg_demo_build(const rgtg_demo_params_t *p, rgtg_demo_result_t *result) {
    if (!p->out_dir) return rgtg_error_set(RGTG_ERR_INVALID, "demo: an output directory is required");
    if (p->pairs < 1 || p->test < 0 || p->valid < 0 || p->vocab < 16 || !(p->ratio > 0))
        return rgtg_error_set(RGTG_ERR_INVALID, "demo: pairs, ratio and vocabulary (16 at least) must be positive, "
                              "test and valid not negative");
    int long_task = p->task && !strcmp(p->task, "define-long");
    if (!long_task && (!p->task || strcmp(p->task, "define")))
        return rgtg_error_set(RGTG_ERR_INVALID, "demo: the task must be define or define-long, not \"%s\"",
                              p->task ? p->task : "(null)");
    if (result) result->report[0] = '\0';
    rgtg_wordnet_t *db = NULL;
    rgtg_wordnet_pairs_t pairs = {0};
    rgtg_define_long_pairs_t long_pairs = {0};
    rgtg_define_long_params_t lp = rgtg_define_long_default_params();
    char options[1024] = "";
    char *corpus = rgtg_path_join(p->out_dir, "corpus.txt"), *tok = rgtg_path_join(p->out_dir, "tokenizer.model");
    char *prefs = rgtg_path_join(p->out_dir, "prefs.h5");
    rgtg_status_t st = corpus && tok && prefs ? rgtg_mkdirs(p->out_dir) : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (st == RGTG_OK) st = rgtg_wordnet_load(p->wordnet_dir, &db);
    rgtg_wordnet_pair_params_t wp = rgtg_wordnet_pair_default_params();
    wp.max_pairs = (size_t)p->pairs;
    wp.seed = p->seed;
    lp.words.max_pairs = wp.max_pairs;
    lp.words.seed = wp.seed;
    lp.pairs_per_word = p->pairs_per_word;
    if (st == RGTG_OK && !long_task && p->pairs_per_word != 1)
        st = rgtg_error_set(RGTG_ERR_INVALID, "demo: --pairs-per-word applies to the define-long task only");
    if (st == RGTG_OK && long_task && (st = rgtg_define_long_make_pairs(db, &lp, &long_pairs)) == RGTG_OK) {
        rgtg_define_long_options(&lp, options, sizeof options);
        if (result) rgtg_define_long_report(&long_pairs, result->report, sizeof result->report);
        pairs = long_pairs.pairs; /* the variants and gold rewards stay in long_pairs */
        memset(&long_pairs.pairs, 0, sizeof long_pairs.pairs);
    } else if (st == RGTG_OK && !long_task) {
        st = rgtg_wordnet_make_pairs(db, &wp, &pairs);
    }
    if (st == RGTG_OK && (int64_t)pairs.count < p->test + p->valid + 2)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: only %zu pairs could be made, fewer than the held-out splits need",
                            p->wordnet_dir, pairs.count);
    if (st == RGTG_OK) st = write_corpus(corpus, &pairs);
    rgtg_spm_train_params_t tp = rgtg_spm_train_default_params();
    tp.vocab_size = p->vocab;
    tp.seed = p->seed;
    if (st == RGTG_OK) st = rgtg_spm_train(corpus, tok, &tp);
    if (st == RGTG_OK) st = write_prefs(p, db, &pairs, tok, prefs, long_task ? options : NULL);
    if (st == RGTG_OK) st = rgtg_prefs_expand(prefs, p->ratio, p->seed);
    if (st == RGTG_OK && result) {
        result->pairs = pairs.count;
        result->vocab = p->vocab;
        snprintf(result->prefs, sizeof result->prefs, "%s", prefs);
    }
    if (st != RGTG_OK && prefs) unlink(prefs); /* a failed expansion must not leave a file that looks complete */
    if (corpus) unlink(corpus);
    free(corpus), free(tok), free(prefs);
    rgtg_wordnet_pairs_free(&pairs);
    rgtg_define_long_pairs_free(&long_pairs);
    rgtg_wordnet_free(db);
    return st;
}
