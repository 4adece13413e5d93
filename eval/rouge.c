/* eval/rouge.c: ROUGE-L tokenization, token interning and the two-row LCS (see rouge.h). */
#include "rouge.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *start; /* into a lowercased copy of the text */
    size_t length;
} token_span_t;

static bool is_token_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Lowercases text in place and lists its tokens; *spans_out is malloc'd (NULL when there are none). */
static rgtg_status_t tokenize(char *text, token_span_t **spans_out, size_t *count_out) {
    size_t count = 0, capacity = 0;
    token_span_t *spans = NULL;
    for (char *p = text; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    for (char *p = text; *p;) {
        if (!is_token_byte((unsigned char)*p)) { p++; continue; }
        char *start = p;
        while (*p && is_token_byte((unsigned char)*p)) p++;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            token_span_t *grown = realloc(spans, capacity * sizeof *spans);
            if (!grown) {
                free(spans);
                return rgtg_error_set(RGTG_ERR_NOMEM, "rouge: out of memory tokenizing");
            }
            spans = grown;
        }
        spans[count++] = (token_span_t){start, (size_t)(p - start)};
    }
    *spans_out = spans;
    *count_out = count;
    return RGTG_OK;
}

static uint64_t span_hash(const token_span_t *span) {
    uint64_t hash = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < span->length; i++) {
        hash ^= (unsigned char)span->start[i];
        hash *= 1099511628211ull;
    }
    return hash;
}

/* Gives equal tokens equal ids so that the LCS compares integers: spans[0..count) -> ids[0..count). */
static rgtg_status_t intern(const token_span_t *spans, size_t count, uint32_t *ids) {
    size_t slots = 16;
    while (slots < 2 * count) slots *= 2;
    int64_t *table = malloc(slots * sizeof *table); /* index of the first span with that text, or -1 */
    if (!table) return rgtg_error_set(RGTG_ERR_NOMEM, "rouge: out of memory interning %zu tokens", count);
    for (size_t i = 0; i < slots; i++) table[i] = -1;
    for (size_t i = 0; i < count; i++) {
        size_t slot = (size_t)span_hash(&spans[i]) & (slots - 1);
        for (;; slot = (slot + 1) & (slots - 1)) {
            if (table[slot] < 0) {
                table[slot] = (int64_t)i;
                ids[i] = (uint32_t)i;
                break;
            }
            const token_span_t *seen = &spans[table[slot]];
            if (seen->length == spans[i].length && memcmp(seen->start, spans[i].start, seen->length) == 0) {
                ids[i] = ids[table[slot]];
                break;
            }
        }
    }
    free(table);
    return RGTG_OK;
}

/* LCS length with two rows the size of the shorter sequence. */
static rgtg_status_t lcs_length(const uint32_t *a, size_t a_count, const uint32_t *b, size_t b_count,
                                size_t *lcs_out) {
    if (a_count < b_count) {
        const uint32_t *swap = a; a = b; b = swap;
        size_t swap_count = a_count; a_count = b_count; b_count = swap_count;
    }
    size_t *previous = calloc(2 * (b_count + 1), sizeof *previous);
    if (!previous) return rgtg_error_set(RGTG_ERR_NOMEM, "rouge: out of memory for the LCS rows");
    size_t *current = previous + b_count + 1;
    for (size_t i = 0; i < a_count; i++) {
        current[0] = 0;
        for (size_t j = 0; j < b_count; j++) {
            if (a[i] == b[j]) current[j + 1] = previous[j] + 1;
            else current[j + 1] = previous[j + 1] > current[j] ? previous[j + 1] : current[j];
        }
        size_t *swap = previous; previous = current; current = swap;
    }
    *lcs_out = previous[b_count];
    free(previous < current ? previous : current);
    return RGTG_OK;
}

rgtg_status_t rgtg_rouge_l(const char *candidate, const char *reference, rgtg_rouge_t *out) {
    memset(out, 0, sizeof *out);
    if (!candidate || !reference) return rgtg_error_set(RGTG_ERR_INVALID, "rouge: NULL text");
    size_t candidate_size = strlen(candidate) + 1, reference_size = strlen(reference) + 1;
    char *texts = malloc(candidate_size + reference_size);
    if (!texts) return rgtg_error_set(RGTG_ERR_NOMEM, "rouge: out of memory copying texts");
    memcpy(texts, candidate, candidate_size);
    memcpy(texts + candidate_size, reference, reference_size);

    token_span_t *candidate_spans = NULL, *reference_spans = NULL, *all_spans = NULL;
    uint32_t *ids = NULL;
    size_t candidate_count = 0, reference_count = 0, lcs = 0;
    rgtg_status_t status = tokenize(texts, &candidate_spans, &candidate_count);
    if (status == RGTG_OK) status = tokenize(texts + candidate_size, &reference_spans, &reference_count);
    size_t total = candidate_count + reference_count;
    if (status == RGTG_OK && candidate_count > 0 && reference_count > 0) {
        all_spans = malloc(total * sizeof *all_spans);
        ids = malloc(total * sizeof *ids);
        if (!all_spans || !ids) status = rgtg_error_set(RGTG_ERR_NOMEM, "rouge: out of memory");
        if (status == RGTG_OK) {
            memcpy(all_spans, candidate_spans, candidate_count * sizeof *all_spans);
            memcpy(all_spans + candidate_count, reference_spans, reference_count * sizeof *all_spans);
            status = intern(all_spans, total, ids);
        }
        if (status == RGTG_OK)
            status = lcs_length(ids, candidate_count, ids + candidate_count, reference_count, &lcs);
    }
    free(all_spans);
    free(ids);
    free(candidate_spans);
    free(reference_spans);
    free(texts);
    if (status != RGTG_OK) return status;

    out->lcs = lcs;
    out->candidate_tokens = candidate_count;
    out->reference_tokens = reference_count;
    if (candidate_count == 0 || reference_count == 0) return RGTG_OK; /* all scores 0 */
    out->precision = (double)lcs / (double)candidate_count;
    out->recall = (double)lcs / (double)reference_count;
    double sum = out->precision + out->recall;
    out->f1 = sum > 0.0 ? 2.0 * out->precision * out->recall / sum : 0.0;
    return RGTG_OK;
}

rgtg_status_t rgtg_rouge_l_corpus_f1(const char *const *candidates, const char *const *references, size_t n,
                                     double *mean_f1_out) {
    *mean_f1_out = NAN;
    if (n == 0) return RGTG_OK;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        rgtg_rouge_t score;
        if (!candidates[i] || !references[i])
            return rgtg_error_set(RGTG_ERR_INVALID, "rouge: pair %zu of %zu has a NULL text", i, n);
        rgtg_status_t status = rgtg_rouge_l(candidates[i], references[i], &score);
        if (status != RGTG_OK) return status;
        sum += score.f1;
    }
    *mean_f1_out = sum / (double)n;
    return RGTG_OK;
}
