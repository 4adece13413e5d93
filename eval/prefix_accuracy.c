/* eval/prefix_accuracy.c: a reward model's held-out accuracy on complete responses and prefixes (see
 * prefix_accuracy.h). Each batch is the pairs' chosen and rejected sides, in that order, scored by
 * core's sequence rewards. */
#include "prefix_accuracy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/model_dir.h"
#include "../data/expand.h"
#include "results.h"

const double rgtg_prefix_cuts[RGTG_PREFIX_CUTS] = {0.25, 0.5, 0.75};

/* The two sides of pair id, cut at prefix length len (0: whole responses) and to max_len, as
 * malloc'd id sequences seqs[0..2). */
static rgtg_status_t pair_sequences(const rgtg_prefs_t *data, int64_t id, int64_t len, int64_t max_len, int64_t **seqs,
                                    int64_t *lens) {
    rgtg_pref_pair_t pair;
    rgtg_status_t st = rgtg_prefs_get(data, id, &pair);
    if (st != RGTG_OK) return st;
    rgtg_prefix_view_t view = len > 0 ? rgtg_prefix_view(&pair, len) : (rgtg_prefix_view_t){pair.chosen, pair.rejected};
    const rgtg_token_span_t sides[2] = {view.chosen, view.rejected};
    int64_t response_lens[2] = {sides[0].len, sides[1].len};
    int64_t cut = rgtg_fit_rows(pair.prompt.len, response_lens, 2, max_len);
    for (int s = 0; s < 2; s++) {
        lens[s] = pair.prompt.len - cut + response_lens[s];
        seqs[s] = malloc(sizeof(int64_t) * (size_t)(lens[s] + 1));
        if (!seqs[s]) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        int64_t n = 0;
        for (int64_t i = cut; i < pair.prompt.len; i++) seqs[s][n++] = pair.prompt.ids[i];
        for (int64_t i = 0; i < response_lens[s]; i++) seqs[s][n++] = sides[s].ids[i];
    }
    return RGTG_OK;
}

/* -log sigmoid(margin), without overflow. */
static double bt_loss(double margin) { return margin > 0 ? log1p(exp(-margin)) : -margin + log1p(exp(margin)); }

rgtg_status_t rgtg_prefix_accuracy(const rgtg_model_t *rm, const rgtg_prefs_t *data, int split, int64_t max_pairs,
                                   int64_t micro_batch, int64_t max_len, rgtg_prefix_accuracy_t *out) {
    memset(out, 0, sizeof *out);
    if (rgtg_model_config(rm)->head != RGTG_HEAD_SCORE)
        return rgtg_error_set(RGTG_ERR_INVALID, "prefix accuracy: the model is not a reward model (score head)");
    int64_t n;
    const int64_t *pairs = rgtg_prefs_split_pairs(data, split, &n);
    if (max_pairs > 0 && n > max_pairs) n = max_pairs;
    if (n == 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "prefix accuracy: the %s split holds no pairs", rgtg_split_name(split));
    if (micro_batch < 1) micro_batch = 1;
    int64_t fit_len = max_len - (rgtg_model_config_bos_to_prepend(rgtg_model_config(rm)) >= 0); /* BOS comes first */
    int64_t **seqs = calloc((size_t)(2 * micro_batch), sizeof *seqs), *lens = calloc((size_t)(2 * micro_batch), sizeof *lens);
    float *rewards = calloc((size_t)(2 * micro_batch), sizeof *rewards);
    rgtg_status_t st = seqs && lens && rewards ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    double loss = 0;
    int64_t correct[1 + RGTG_PREFIX_CUTS] = {0};
    for (int64_t start = 0; st == RGTG_OK && start < n; start += micro_batch) {
        int64_t count = n - start < micro_batch ? n - start : micro_batch;
        for (int cut = -1; st == RGTG_OK && cut < RGTG_PREFIX_CUTS; cut++) {
            for (int64_t i = 0; st == RGTG_OK && i < count; i++) {
                int64_t len = 0; /* whole responses */
                if (cut >= 0) {
                    len = (int64_t)ceil(rgtg_prefix_cuts[cut] * (double)rgtg_prefs_max_prefix_len(data, pairs[start + i]));
                    if (len < 1) len = 1;
                }
                st = pair_sequences(data, pairs[start + i], len, fit_len, seqs + 2 * i, lens + 2 * i);
            }
            if (st == RGTG_OK)
                st = rgtg_model_sequence_rewards(rm, (const int64_t *const *)seqs, lens, 2 * count, 2 * count, rewards);
            for (int64_t i = 0; st == RGTG_OK && i < count; i++) {
                float margin = rewards[2 * i] - rewards[2 * i + 1];
                correct[cut + 1] += margin > 0;
                if (cut < 0) loss += bt_loss(margin);
            }
            for (int64_t i = 0; i < 2 * count; i++) free(seqs[i]), seqs[i] = NULL;
        }
    }
    free(seqs), free(lens), free(rewards);
    if (st != RGTG_OK) return st;
    out->pairs = n;
    out->loss = loss / (double)n;
    out->accuracy = (double)correct[0] / (double)n;
    for (int c = 0; c < RGTG_PREFIX_CUTS; c++) out->prefix_accuracy[c] = (double)correct[c + 1] / (double)n;
    return RGTG_OK;
}

rgtg_prefix_accuracy_params_t rgtg_prefix_accuracy_default_params(void) {
    return (rgtg_prefix_accuracy_params_t){.split = -1, .batch = 32, .threads = 2};
}

/* agreement with the held-out labels at 25/50/75/100% of the response (Table 12), with a binomial SE */
static rgtg_status_t write_agreement(const rgtg_prefix_accuracy_t *r, const char *path) {
    rgtg_results_t results = {0};
    rgtg_status_t st = RGTG_OK;
    for (int c = 0; c <= RGTG_PREFIX_CUTS && st == RGTG_OK; c++) {
        double fraction = c < RGTG_PREFIX_CUTS ? rgtg_prefix_cuts[c] : 1.0;
        double value = c < RGTG_PREFIX_CUTS ? r->prefix_accuracy[c] : r->accuracy;
        rgtg_label_t label = {.key = "prefix_fraction", .kind = RGTG_LABEL_NUMBER, .number = fraction};
        rgtg_result_cell_t cell = {.metric = "agreement", .value = value, .n = r->pairs,
                                   .se = sqrt(value * (1.0 - value) / (double)r->pairs), .p_value = NAN,
                                   .labels = &label, .label_count = 1};
        st = rgtg_results_add(&results, &cell);
    }
    rgtg_result_cell_t accuracy = {.metric = "accuracy", .value = r->accuracy, .n = r->pairs,
                                   .se = sqrt(r->accuracy * (1.0 - r->accuracy) / (double)r->pairs), .p_value = NAN};
    if (st == RGTG_OK) st = rgtg_results_add(&results, &accuracy);
    if (st == RGTG_OK) st = rgtg_results_write(&results, path);
    rgtg_results_free(&results);
    return st;
}

rgtg_status_t rgtg_prefix_accuracy_run(const rgtg_prefix_accuracy_params_t *p, FILE *out) {
    if (!p->rm_dir || !p->data)
        return rgtg_error_set(RGTG_ERR_INVALID, "prefix accuracy: a reward model and a data file are required");
    /* refused, never replaced by a default */
    if (p->max_len < 0 || p->max_len == 1 || p->batch < 1 || p->pairs < 0 || p->threads < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "prefix accuracy: --max-len must be 0 (the model's limit) or >= 2, "
                              "--batch and --threads >= 1, --pairs >= 0 (got --max-len %lld, --batch %lld, --threads %d, "
                              "--pairs %lld)", (long long)p->max_len, (long long)p->batch, p->threads, (long long)p->pairs);
    tt_set_num_threads(p->threads);
    rgtg_model_t *rm = NULL;
    rgtg_prefs_t *data = NULL;
    rgtg_status_t st = rgtg_model_load_for(p->rm_dir, RGTG_HEAD_SCORE, TT_CPU, &rm);
    if (st == RGTG_OK) st = rgtg_prefs_open(p->data, &data);
    if (st == RGTG_OK) st = rgtg_check_tokenizer_matches_data(p->rm_dir, rgtg_prefs_info(data)->tokenizer_sha256, p->data);
    int split = p->split;
    if (st == RGTG_OK && split < 0) split = rgtg_prefs_count(data, RGTG_SPLIT_VALID) > 0 ? RGTG_SPLIT_VALID : RGTG_SPLIT_TEST;
    rgtg_prefix_accuracy_t r;
    if (st == RGTG_OK)
        st = rgtg_prefix_accuracy(rm, data, split, p->pairs, p->batch,
                                  p->max_len ? p->max_len : rgtg_model_config(rm)->max_position_embeddings, &r);
    if (st == RGTG_OK && p->results_path) st = write_agreement(&r, p->results_path);
    if (st == RGTG_OK) {
        fprintf(out, "| pairs (%s) | complete | prefix 25%% | prefix 50%% | prefix 75%% |\n"
                     "| ---: | ---: | ---: | ---: | ---: |\n", rgtg_split_name(split));
        fprintf(out, "| %lld | %.3f | %.3f | %.3f | %.3f |\n", (long long)r.pairs, r.accuracy, r.prefix_accuracy[0],
                r.prefix_accuracy[1], r.prefix_accuracy[2]);
    }
    rgtg_prefs_close(data);
    rgtg_model_free(rm);
    return st;
}
