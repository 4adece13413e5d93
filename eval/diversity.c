/* eval/diversity.c: self-ROUGE-L per prompt and distinct-n (see diversity.h). */
#include "diversity.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "ngram.h"
#include "rouge.h"
#include "tok13a.h"

rgtg_diversity_params_t rgtg_diversity_default_params(void) {
    return (rgtg_diversity_params_t){.use_stemmer = false};
}

typedef struct {
    uint32_t *ids;
    size_t count;
} token_ids_t;

static void free_token_ids(token_ids_t *tokens, size_t count) {
    for (size_t i = 0; tokens && i < count; i++) free(tokens[i].ids);
    free(tokens);
}

/* Mean ROUGE-L F1 over the pairs of samples[0..count); *pairs_out gets the pair count. */
static rgtg_status_t mean_pairwise(const char *const *samples, size_t count, bool use_stemmer, double *mean_out,
                                   size_t *pairs_out) {
    rgtg_intern_t *vocabulary = rgtg_intern_new();
    token_ids_t *tokens = calloc(count, sizeof *tokens);
    rgtg_status_t status = vocabulary && tokens ? RGTG_OK
                                                : rgtg_error_set(RGTG_ERR_NOMEM, "diversity: out of memory");
    for (size_t i = 0; status == RGTG_OK && i < count; i++) {
        if (!samples[i]) status = rgtg_error_set(RGTG_ERR_INVALID, "diversity: sample %zu is NULL", i);
        else status = rgtg_rouge_tokenize(samples[i], use_stemmer, vocabulary, &tokens[i].ids, &tokens[i].count);
    }
    double sum = 0.0;
    size_t pairs = 0;
    for (size_t i = 0; status == RGTG_OK && i < count; i++)
        for (size_t j = i + 1; status == RGTG_OK && j < count; j++) {
            rgtg_rouge_t score;
            status = rgtg_rouge_l_ids(tokens[i].ids, tokens[i].count, tokens[j].ids, tokens[j].count, &score);
            sum += score.f1;
            pairs++;
        }
    free_token_ids(tokens, count);
    rgtg_intern_free(vocabulary);
    *mean_out = pairs ? sum / (double)pairs : NAN;
    *pairs_out = pairs;
    return status;
}

rgtg_status_t rgtg_self_rouge_l(const char *const *samples, size_t count, bool use_stemmer, double *mean_out) {
    *mean_out = NAN;
    if (count < 2 || !samples)
        return rgtg_error_set(RGTG_ERR_INVALID, "diversity: self-ROUGE-L needs at least 2 samples, got %zu", count);
    size_t pairs;
    return mean_pairwise(samples, count, use_stemmer, mean_out, &pairs);
}

/* Whitespace words of text (Python's str.split()) as ids, appended to a fresh malloc'd array. */
static rgtg_status_t split_words(const char *text, rgtg_intern_t *vocabulary, token_ids_t *out) {
    size_t length = strlen(text), capacity = 0;
    const char *end = text + length;
    out->ids = NULL;
    out->count = 0;
    for (const char *p = text; p < end;) {
        size_t space = rgtg_python_space_length(p, end);
        if (space) {
            p += space;
            continue;
        }
        const char *start = p;
        while (p < end && !rgtg_python_space_length(p, end)) p++;
        if (out->count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            uint32_t *grown = realloc(out->ids, capacity * sizeof *grown);
            if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "diversity: out of memory for %zu words", capacity);
            out->ids = grown;
        }
        rgtg_status_t status = rgtg_intern_id(vocabulary, start, (size_t)(p - start), &out->ids[out->count++]);
        if (status != RGTG_OK) return status;
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_distinct_n(const char *const *samples, size_t count, int order, size_t *distinct_out,
                              size_t *total_out, double *ratio_out) {
    *distinct_out = *total_out = 0;
    *ratio_out = NAN;
    if (order < 1) return rgtg_error_set(RGTG_ERR_INVALID, "diversity: distinct-n needs n >= 1, got %d", order);
    if (count > 0 && !samples) return rgtg_error_set(RGTG_ERR_INVALID, "diversity: %zu samples but no array", count);
    rgtg_intern_t *vocabulary = rgtg_intern_new();
    token_ids_t *words = calloc(count ? count : 1, sizeof *words);
    rgtg_ngram_table_t table = {0};
    rgtg_status_t status = vocabulary && words ? rgtg_ngram_table_init(&table, 1024)
                                               : rgtg_error_set(RGTG_ERR_NOMEM, "diversity: out of memory");
    size_t total = 0;
    for (size_t i = 0; status == RGTG_OK && i < count; i++) {
        if (!samples[i]) {
            status = rgtg_error_set(RGTG_ERR_INVALID, "diversity: sample %zu is NULL", i);
            break;
        }
        status = split_words(samples[i], vocabulary, &words[i]);
        for (size_t t = 0; status == RGTG_OK && t + (size_t)order <= words[i].count; t++) {
            status = rgtg_ngram_table_add(&table, words[i].ids + t, (uint32_t)order, 1);
            total++;
        }
    }
    size_t distinct = table.count;
    rgtg_ngram_table_free(&table);
    free_token_ids(words, count);
    rgtg_intern_free(vocabulary);
    if (status != RGTG_OK) return status;
    *distinct_out = distinct;
    *total_out = total;
    *ratio_out = total ? (double)distinct / (double)total : NAN;
    return RGTG_OK;
}

typedef struct {
    const char *prompt_id;
    size_t index;
} keyed_sample_t;

static int compare_keyed(const void *a, const void *b) {
    const keyed_sample_t *x = a, *y = b;
    int order = strcmp(x->prompt_id, y->prompt_id);
    if (order) return order;
    return (x->index > y->index) - (x->index < y->index);
}

rgtg_status_t rgtg_diversity(const char *const *samples, const char *const *prompt_ids, size_t n,
                             const rgtg_diversity_params_t *params, rgtg_diversity_t *out) {
    *out = (rgtg_diversity_t){.samples = n, .self_rouge_l = NAN, .distinct_1 = NAN, .distinct_2 = NAN};
    if (!params) return rgtg_error_set(RGTG_ERR_INVALID, "diversity: NULL params");
    if (n > 0 && (!samples || !prompt_ids))
        return rgtg_error_set(RGTG_ERR_INVALID, "diversity: %zu samples but no arrays", n);
    for (size_t i = 0; i < n; i++)
        if (!samples[i] || !prompt_ids[i])
            return rgtg_error_set(RGTG_ERR_INVALID, "diversity: sample %zu has a NULL %s", i,
                                  samples[i] ? "prompt id" : "text");
    rgtg_status_t status = rgtg_distinct_n(samples, n, 1, &out->distinct_unigrams, &out->unigrams, &out->distinct_1);
    if (status == RGTG_OK)
        status = rgtg_distinct_n(samples, n, 2, &out->distinct_bigrams, &out->bigrams, &out->distinct_2);
    if (status != RGTG_OK || n == 0) return status;

    /* group by prompt id: sort (id, original index), then walk the runs */
    keyed_sample_t *keyed = malloc(n * sizeof *keyed);
    const char **group = malloc(n * sizeof *group);
    if (!keyed || !group) {
        free(keyed);
        free(group);
        return rgtg_error_set(RGTG_ERR_NOMEM, "diversity: out of memory for %zu samples", n);
    }
    for (size_t i = 0; i < n; i++) keyed[i] = (keyed_sample_t){prompt_ids[i], i};
    qsort(keyed, n, sizeof *keyed, compare_keyed);
    double sum = 0.0;
    for (size_t start = 0; status == RGTG_OK && start < n;) {
        size_t end = start + 1;
        while (end < n && strcmp(keyed[end].prompt_id, keyed[start].prompt_id) == 0) end++;
        if (end - start < 2) {
            out->prompts_skipped++;
        } else {
            for (size_t i = start; i < end; i++) group[i - start] = samples[keyed[i].index];
            double mean;
            size_t pairs;
            status = mean_pairwise(group, end - start, params->use_stemmer, &mean, &pairs);
            sum += mean;
            out->pairs += pairs;
            out->prompts++;
        }
        start = end;
    }
    free(keyed);
    free(group);
    if (status != RGTG_OK) return status;
    if (out->prompts) out->self_rouge_l = sum / (double)out->prompts;
    return RGTG_OK;
}
