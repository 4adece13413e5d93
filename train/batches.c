/* train/batches.c: example lists and padded host batches (see batches.h). */
#include "batches.h"

#include "../data/expand.h"

#include <stdlib.h>
#include <string.h>

/* round(ratio x pairs) prefix pairs of the split, sampled in memory. */
static rgtg_status_t sample_prefixes(const rgtg_prefs_t *data, int split, double ratio, uint64_t seed,
                                     rgtg_example_t **out, int64_t *count) {
    int64_t n;
    const int64_t *ids = rgtg_prefs_split_pairs(data, split, &n);
    int64_t *max_lens = malloc(sizeof(int64_t) * (size_t)(n ? n : 1)), *pairs = NULL, sampled = 0;
    int32_t *lens = NULL;
    int saturated = 0;
    if (!max_lens) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++) max_lens[i] = rgtg_prefs_max_prefix_len(data, ids[i]);
    rgtg_status_t st = rgtg_prefix_sample(ids, max_lens, n, ratio, seed, (uint64_t)split, &pairs, &lens, &sampled, &saturated);
    rgtg_example_t *examples = st == RGTG_OK ? malloc(sizeof *examples * (size_t)(sampled ? sampled : 1)) : NULL;
    if (st == RGTG_OK && !examples) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; st == RGTG_OK && i < sampled; i++) examples[i] = (rgtg_example_t){pairs[i], lens[i], 0};
    free(max_lens), free(pairs), free(lens);
    *out = examples;
    *count = sampled;
    return st;
}

rgtg_status_t rgtg_examples_build(const rgtg_prefs_t *data, rgtg_objective_t objective, int split, double prefix_ratio,
                                  uint64_t seed, rgtg_example_t **out, int64_t *count) {
    int64_t n = 0;
    const int64_t *ids = NULL;
    const int32_t *lens = NULL;
    if (objective == RGTG_OBJECTIVE_RM_PREFIX && split == RGTG_SPLIT_TRAIN && prefix_ratio > 0)
        return sample_prefixes(data, split, prefix_ratio, seed, out, count);
    if (objective == RGTG_OBJECTIVE_RM_PREFIX && split == RGTG_SPLIT_TRAIN) {
        if (!rgtg_prefs_info(data)->has_prefix)
            return rgtg_error_set(RGTG_ERR_INVALID,
                                  "the data file has no prefix pairs: run `rgtg data expand`, set data.ratio, or use objective full or dense");
        rgtg_prefs_prefixes(data, split, &ids, &lens, &n);
    } else {
        ids = rgtg_prefs_split_pairs(data, split, &n);
    }
    rgtg_example_t *examples = malloc(sizeof *examples * (size_t)(n ? n : 1));
    if (!examples) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++) examples[i] = (rgtg_example_t){ids[i], lens ? lens[i] : 0, 0};
    *out = examples;
    *count = n;
    return RGTG_OK;
}

typedef struct {
    const int32_t *prompt;
    int64_t prompt_len;
    const int32_t *response;
    int64_t response_len;
    float target;
} row_t;

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Cuts rows[0..n) (one sequence or the two sides of a pair, sharing a prompt) into max_len, by the
 * data stage's length convention (rgtg_fit_rows). */
static void fit(row_t *rows, int n, int64_t max_len) {
    int64_t lens[2];
    for (int i = 0; i < n; i++) lens[i] = rows[i].response_len;
    int64_t cut = rgtg_fit_rows(rows[0].prompt_len, lens, n, max_len);
    for (int i = 0; i < n; i++) rows[i].prompt += cut, rows[i].prompt_len -= cut, rows[i].response_len = lens[i];
}

/* The rows of one example: SFT and value give one, the pair objectives two (preferred first). */
static rgtg_status_t example_rows(const rgtg_batch_source_t *s, rgtg_example_t e, row_t *rows, int *count) {
    if (s->objective == RGTG_OBJECTIVE_VALUE) {
        const rgtg_value_example_t *v = &s->values[e.id];
        rows[0] = (row_t){v->prompt, v->prompt_len, v->response, v->response_len, v->target};
        *count = 1;
        return RGTG_OK;
    }
    rgtg_pref_pair_t pair;
    rgtg_status_t st = rgtg_prefs_get(s->data, e.id, &pair);
    if (st != RGTG_OK) return st;
    int64_t chosen_len = pair.chosen.len, rejected_len = pair.rejected.len;
    if (e.prefix_len > 0) {
        /* the prefix convention: the first i tokens of each side; a shorter side is its whole response */
        chosen_len = min64(e.prefix_len, chosen_len);
        rejected_len = min64(e.prefix_len, rejected_len);
    }
    /* SFT's one row is the chosen response, or the rejected one for data.sides: both's second example */
    rows[0] = e.rejected ? (row_t){pair.prompt.ids, pair.prompt.len, pair.rejected.ids, rejected_len, 0}
                         : (row_t){pair.prompt.ids, pair.prompt.len, pair.chosen.ids, chosen_len, 0};
    *count = 1;
    if (s->objective != RGTG_OBJECTIVE_SFT) {
        rows[1] = (row_t){pair.prompt.ids, pair.prompt.len, pair.rejected.ids, rejected_len, 0};
        *count = 2;
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_batch_build(const rgtg_batch_source_t *s, const rgtg_example_t *examples, int64_t n,
                               rgtg_batch_t *b) {
    memset(b, 0, sizeof *b);
    row_t *rows = malloc(sizeof *rows * (size_t)(2 * n + 1));
    if (!rows) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    rgtg_status_t st = RGTG_OK;
    int64_t count = 0, width = 1;
    for (int64_t i = 0; st == RGTG_OK && i < n; i++) {
        int k;
        st = example_rows(s, examples[i], rows + count, &k);
        if (st != RGTG_OK) break;
        fit(rows + count, k, s->max_len - (s->bos_id >= 0));
        for (int j = 0; j < k; j++) {
            int64_t len = (s->bos_id >= 0) + rows[count + j].prompt_len + rows[count + j].response_len;
            if (len > width) width = len;
        }
        count += k;
    }
    size_t cells = (size_t)(count * width), nrows = (size_t)(count ? count : 1);
    if (st == RGTG_OK) {
        b->ids = malloc(cells * sizeof(int64_t) + 1);
        b->mask = calloc(cells + 1, sizeof(int64_t));
        b->loss_mask = calloc(cells + 1, sizeof(float));
        b->last = malloc(nrows * sizeof(int64_t));
        b->prompt_len = malloc(nrows * sizeof(int64_t));
        b->response_len = malloc(nrows * sizeof(int64_t));
        b->target = malloc(nrows * sizeof(float));
        if (!b->ids || !b->mask || !b->loss_mask || !b->last || !b->prompt_len || !b->response_len || !b->target)
            st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    }
    for (int64_t r = 0; st == RGTG_OK && r < count; r++) {
        int64_t *ids = b->ids + r * width, *mask = b->mask + r * width;
        float *loss = b->loss_mask + r * width;
        const row_t *row = &rows[r];
        int64_t t = 0;
        if (s->bos_id >= 0) ids[t] = s->bos_id, mask[t] = 1, t++;
        for (int64_t i = 0; i < row->prompt_len; i++, t++) ids[t] = row->prompt[i], mask[t] = 1;
        for (int64_t i = 0; i < row->response_len; i++, t++) ids[t] = row->response[i], mask[t] = 1, loss[t] = 1;
        b->last[r] = t - 1;
        b->prompt_len[r] = row->prompt_len + (s->bos_id >= 0);
        b->response_len[r] = row->response_len;
        b->target[r] = row->target;
        b->tokens += t;
        for (; t < width; t++) ids[t] = s->pad_id;
        /* SFT counts predicted response tokens (position 0 is never predicted); value, scored positions */
        if (s->objective == RGTG_OBJECTIVE_SFT) b->units += row->response_len - (b->prompt_len[r] == 0);
        if (s->objective == RGTG_OBJECTIVE_VALUE) b->units += row->response_len;
    }
    free(rows);
    if (st != RGTG_OK) {
        rgtg_batch_free(b);
        return st;
    }
    b->rows = count, b->width = width;
    if (s->objective != RGTG_OBJECTIVE_SFT && s->objective != RGTG_OBJECTIVE_VALUE) b->units = b->prefix_pairs = count / 2;
    if (s->objective == RGTG_OBJECTIVE_RM_DENSE) b->prefix_pairs = 0;
    for (int64_t i = 0; s->objective == RGTG_OBJECTIVE_RM_DENSE && i < count / 2; i++)
        b->prefix_pairs += b->response_len[2 * i] > b->response_len[2 * i + 1] ? b->response_len[2 * i] : b->response_len[2 * i + 1];
    return RGTG_OK;
}

void rgtg_batch_free(rgtg_batch_t *b) {
    free(b->ids), free(b->mask), free(b->loss_mask), free(b->last);
    free(b->prompt_len), free(b->response_len), free(b->target);
    memset(b, 0, sizeof *b);
}
