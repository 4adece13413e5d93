/* eval/bleu.c: sacreBLEU-compatible corpus and sentence BLEU (see bleu.h): 13a tokens interned to ids,
 * per-segment n-gram tables, summed statistics, then the score. */
#include "bleu.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "ngram.h"
#include "tok13a.h"

/* sacreBLEU's log of a zero precision. */
#define LOG_OF_ZERO (-9999999999.0)

rgtg_bleu_params_t rgtg_bleu_default_params(void) {
    return (rgtg_bleu_params_t){.max_ngram_order = 4, .effective_order = false};
}

static rgtg_status_t check_params(const rgtg_bleu_params_t *params) {
    if (!params) return rgtg_error_set(RGTG_ERR_INVALID, "bleu: NULL params");
    if (params->max_ngram_order < 1 || params->max_ngram_order > RGTG_BLEU_MAX_ORDER)
        return rgtg_error_set(RGTG_ERR_INVALID, "bleu: max n-gram order %d is outside 1..%d", params->max_ngram_order,
                              RGTG_BLEU_MAX_ORDER);
    return RGTG_OK;
}

rgtg_status_t rgtg_bleu_from_stats(const size_t *counts, const size_t *totals, size_t sys_len, size_t ref_len,
                                   const rgtg_bleu_params_t *params, rgtg_bleu_t *out) {
    memset(out, 0, sizeof *out);
    rgtg_status_t status = check_params(params);
    if (status != RGTG_OK) return status;
    int orders = params->max_ngram_order;
    out->max_ngram_order = orders;
    out->sys_len = sys_len;
    out->ref_len = ref_len;
    bool any_match = false;
    for (int k = 0; k < orders; k++) {
        out->counts[k] = counts[k];
        out->totals[k] = totals[k];
        if (counts[k] > totals[k])
            return rgtg_error_set(RGTG_ERR_INVALID, "bleu: order %d has %zu matches of %zu n-grams", k + 1, counts[k],
                                  totals[k]);
        any_match = any_match || counts[k] > 0;
    }
    if (sys_len < ref_len) out->brevity_penalty = sys_len > 0 ? exp(1.0 - (double)ref_len / (double)sys_len) : 0.0;
    else out->brevity_penalty = 1.0;
    if (!any_match) return RGTG_OK; /* score 0, precisions 0 */

    double smoothing = 1.0;
    int used_orders = orders;
    for (int k = 0; k < orders; k++) {
        if (totals[k] == 0) break;
        if (params->effective_order) used_orders = k + 1;
        if (counts[k] == 0) {
            smoothing *= 2.0;
            out->precisions[k] = 100.0 / (smoothing * (double)totals[k]);
        } else {
            out->precisions[k] = 100.0 * (double)counts[k] / (double)totals[k];
        }
    }
    double log_sum = 0.0;
    for (int k = 0; k < used_orders; k++) log_sum += out->precisions[k] > 0.0 ? log(out->precisions[k]) : LOG_OF_ZERO;
    out->score = out->brevity_penalty * exp(log_sum / used_orders);
    return RGTG_OK;
}

typedef struct {
    uint32_t *ids;
    size_t count, capacity;
} id_list_t;

/* 13a-tokenizes text and appends its token ids to a cleared list. */
static rgtg_status_t tokenize_to_ids(rgtg_intern_t *vocabulary, const char *text, id_list_t *list) {
    char *tokenized = NULL;
    size_t length = 0;
    list->count = 0;
    rgtg_status_t status = rgtg_tokenize_13a(text, &tokenized, &length);
    for (size_t start = 0; status == RGTG_OK && start < length;) {
        size_t end = start;
        while (end < length && tokenized[end] != ' ') end++;
        if (list->count == list->capacity) {
            size_t capacity = list->capacity ? 2 * list->capacity : 64;
            uint32_t *grown = realloc(list->ids, capacity * sizeof *grown);
            if (!grown) {
                status = rgtg_error_set(RGTG_ERR_NOMEM, "bleu: out of memory for %zu tokens", capacity);
                break;
            }
            list->ids = grown;
            list->capacity = capacity;
        }
        status = rgtg_intern_id(vocabulary, tokenized + start, end - start, &list->ids[list->count]);
        list->count++;
        start = end + 1;
    }
    free(tokenized);
    return status;
}

static rgtg_status_t count_ngrams(rgtg_ngram_table_t *table, const id_list_t *tokens, int max_order) {
    for (int order = 1; order <= max_order; order++)
        for (size_t i = 0; i + (size_t)order <= tokens->count; i++) {
            rgtg_status_t status = rgtg_ngram_table_add(table, tokens->ids + i, (uint32_t)order, 1);
            if (status != RGTG_OK) return status;
        }
    return RGTG_OK;
}

/* Everything one corpus pass reuses from segment to segment. */
typedef struct {
    rgtg_intern_t *vocabulary;
    id_list_t hypothesis;
    id_list_t *references; /* reference_count lists */
    rgtg_ngram_table_t reference_max, counts;
} workspace_t;

/* Adds one segment's statistics to the sums. */
static rgtg_status_t add_segment(workspace_t *work, const char *hypothesis, const char *const *references,
                                 size_t reference_count, size_t segment, int max_order, size_t *counts,
                                 size_t *totals, size_t *sys_len, size_t *ref_len) {
    if (!hypothesis) return rgtg_error_set(RGTG_ERR_INVALID, "bleu: hypothesis %zu is NULL", segment);
    rgtg_ngram_table_clear(&work->reference_max);
    size_t present = 0;
    for (size_t r = 0; r < reference_count; r++) {
        if (!references[r] || !references[r][0]) continue; /* absent, as sacreBLEU drops None and "" */
        id_list_t *tokens = &work->references[present++];
        rgtg_status_t status = tokenize_to_ids(work->vocabulary, references[r], tokens);
        rgtg_ngram_table_clear(&work->counts);
        if (status == RGTG_OK) status = count_ngrams(&work->counts, tokens, max_order);
        for (size_t s = 0; status == RGTG_OK && s < work->counts.capacity; s++) {
            const rgtg_ngram_entry_t *entry = &work->counts.slots[s];
            if (entry->order)
                status = rgtg_ngram_table_raise(&work->reference_max, entry->ids, entry->order, entry->count);
        }
        if (status != RGTG_OK) return status;
    }
    if (present == 0) return rgtg_error_set(RGTG_ERR_INVALID, "bleu: segment %zu has no reference (all empty or NULL)",
                                            segment);
    rgtg_status_t status = tokenize_to_ids(work->vocabulary, hypothesis, &work->hypothesis);
    rgtg_ngram_table_clear(&work->counts);
    if (status == RGTG_OK) status = count_ngrams(&work->counts, &work->hypothesis, max_order);
    if (status != RGTG_OK) return status;
    for (size_t s = 0; s < work->counts.capacity; s++) {
        const rgtg_ngram_entry_t *entry = &work->counts.slots[s];
        if (!entry->order) continue;
        uint32_t reference = rgtg_ngram_table_get(&work->reference_max, entry->ids, entry->order);
        totals[entry->order - 1] += entry->count;
        counts[entry->order - 1] += entry->count < reference ? entry->count : reference;
    }
    /* the closest reference length; the shorter one on a tie */
    size_t hypothesis_length = work->hypothesis.count, closest = 0, closest_difference = SIZE_MAX;
    for (size_t r = 0; r < present; r++) {
        size_t length = work->references[r].count;
        size_t difference = length > hypothesis_length ? length - hypothesis_length : hypothesis_length - length;
        if (difference < closest_difference || (difference == closest_difference && length < closest)) {
            closest_difference = difference;
            closest = length;
        }
    }
    *sys_len += hypothesis_length;
    *ref_len += closest;
    return RGTG_OK;
}

rgtg_status_t rgtg_bleu_corpus(const char *const *hypotheses, size_t n, const char *const *references,
                               size_t reference_count, const rgtg_bleu_params_t *params, rgtg_bleu_t *out) {
    memset(out, 0, sizeof *out);
    rgtg_status_t status = check_params(params);
    if (status != RGTG_OK) return status;
    if (n > 0 && (!hypotheses || !references || reference_count == 0))
        return rgtg_error_set(RGTG_ERR_INVALID, "bleu: %zu hypotheses need their references", n);
    size_t counts[RGTG_BLEU_MAX_ORDER] = {0}, totals[RGTG_BLEU_MAX_ORDER] = {0}, sys_len = 0, ref_len = 0;
    workspace_t work = {0};
    work.vocabulary = rgtg_intern_new();
    work.references = calloc(reference_count ? reference_count : 1, sizeof *work.references);
    if (!work.vocabulary || !work.references) status = rgtg_error_set(RGTG_ERR_NOMEM, "bleu: out of memory");
    if (status == RGTG_OK) status = rgtg_ngram_table_init(&work.reference_max, 256);
    if (status == RGTG_OK) status = rgtg_ngram_table_init(&work.counts, 256);
    for (size_t i = 0; status == RGTG_OK && i < n; i++)
        status = add_segment(&work, hypotheses[i], references + i * reference_count, reference_count, i,
                             params->max_ngram_order, counts, totals, &sys_len, &ref_len);
    rgtg_ngram_table_free(&work.reference_max);
    rgtg_ngram_table_free(&work.counts);
    for (size_t r = 0; work.references && r < reference_count; r++) free(work.references[r].ids);
    free(work.references);
    free(work.hypothesis.ids);
    rgtg_intern_free(work.vocabulary);
    if (status != RGTG_OK) return status;
    return rgtg_bleu_from_stats(counts, totals, sys_len, ref_len, params, out);
}

rgtg_status_t rgtg_bleu_sentence(const char *hypothesis, const char *const *references, size_t reference_count,
                                 rgtg_bleu_t *out) {
    rgtg_bleu_params_t params = rgtg_bleu_default_params();
    params.effective_order = true;
    const char *const hypotheses[] = {hypothesis};
    return rgtg_bleu_corpus(hypotheses, 1, references, reference_count, &params, out);
}
