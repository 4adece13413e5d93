/* eval/rouge.c: rouge-score's tokenization, optional Porter stemming, token interning and the two-row
 * LCS (see rouge.h). */
#include "rouge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "porter.h"

typedef struct {
    char *bytes;
    size_t length, capacity;
} token_buffer_t;

static rgtg_status_t token_append(token_buffer_t *token, char c) {
    if (token->length + 1 >= token->capacity) {
        size_t capacity = token->capacity ? 2 * token->capacity : 64;
        char *grown = realloc(token->bytes, capacity);
        if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "rouge: out of memory for a %zu-byte token", capacity);
        token->bytes = grown;
        token->capacity = capacity;
    }
    token->bytes[token->length++] = c;
    return RGTG_OK;
}

typedef struct {
    uint32_t *ids;
    size_t count, capacity;
} id_list_t;

/* Ends the current token (if any): stems it when asked and appends its id. */
static rgtg_status_t finish_token(token_buffer_t *token, bool use_stemmer, char **stem_buffer, size_t *stem_capacity,
                                  rgtg_intern_t *vocabulary, id_list_t *list) {
    if (token->length == 0) return RGTG_OK;
    const char *bytes = token->bytes;
    size_t length = token->length;
    rgtg_status_t status = RGTG_OK;
    if (use_stemmer && length > 3) { /* rouge-score stems only tokens longer than three characters */
        if (*stem_capacity < length + 2) {
            char *grown = realloc(*stem_buffer, length + 2);
            if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "rouge: out of memory stemming");
            *stem_buffer = grown;
            *stem_capacity = length + 2;
        }
        status = rgtg_porter_stem(bytes, length, *stem_buffer, *stem_capacity, &length);
        bytes = *stem_buffer;
    }
    token->length = 0;
    if (status != RGTG_OK || length == 0) return status; /* rouge-score drops empty tokens */
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 64;
        uint32_t *grown = realloc(list->ids, capacity * sizeof *grown);
        if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "rouge: out of memory for %zu tokens", capacity);
        list->ids = grown;
        list->capacity = capacity;
    }
    return rgtg_intern_id(vocabulary, bytes, length, &list->ids[list->count++]);
}

/* The code point of the UTF-8 sequence at p and its byte length; length 1 and code point -1 for an
 * invalid byte. */
static long decode_utf8(const unsigned char *p, size_t left, size_t *length_out) {
    *length_out = 1;
    if (p[0] < 0x80) return p[0];
    size_t length = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
    if (length == 0 || length > left) return -1;
    long code = p[0] & (length == 2 ? 0x1f : length == 3 ? 0x0f : 0x07);
    for (size_t i = 1; i < length; i++) {
        if ((p[i] & 0xc0) != 0x80) return -1;
        code = (code << 6) | (p[i] & 0x3f);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10ffff))) return -1; /* overlong */
    *length_out = length;
    return code;
}

rgtg_status_t rgtg_rouge_tokenize(const char *text, bool use_stemmer, rgtg_intern_t *vocabulary, uint32_t **ids_out,
                                  size_t *count_out) {
    *ids_out = NULL;
    *count_out = 0;
    if (!text) return rgtg_error_set(RGTG_ERR_INVALID, "rouge: NULL text");
    token_buffer_t token = {0};
    id_list_t list = {0};
    char *stem_buffer = NULL;
    size_t stem_capacity = 0;
    rgtg_status_t status = RGTG_OK;
    const unsigned char *p = (const unsigned char *)text, *end = p + strlen(text);
    while (status == RGTG_OK && p < end) {
        size_t length;
        long code = decode_utf8(p, (size_t)(end - p), &length);
        p += length;
        if (code >= 'A' && code <= 'Z') code += 'a' - 'A';
        if (code == 0x212a) code = 'k'; /* KELVIN SIGN lowercases to k */
        if ((code >= 'a' && code <= 'z') || (code >= '0' && code <= '9')) {
            status = token_append(&token, (char)code);
        } else if (code == 0x130) { /* LATIN CAPITAL I WITH DOT ABOVE lowercases to i + U+0307 */
            status = token_append(&token, 'i');
            if (status == RGTG_OK)
                status = finish_token(&token, use_stemmer, &stem_buffer, &stem_capacity, vocabulary, &list);
        } else {
            status = finish_token(&token, use_stemmer, &stem_buffer, &stem_capacity, vocabulary, &list);
        }
    }
    if (status == RGTG_OK) status = finish_token(&token, use_stemmer, &stem_buffer, &stem_capacity, vocabulary, &list);
    free(token.bytes);
    free(stem_buffer);
    if (status != RGTG_OK) {
        free(list.ids);
        return status;
    }
    *ids_out = list.ids;
    *count_out = list.count;
    return RGTG_OK;
}

rgtg_status_t rgtg_rouge_l_ids(const uint32_t *candidate, size_t candidate_count, const uint32_t *reference,
                               size_t reference_count, rgtg_rouge_t *out) {
    memset(out, 0, sizeof *out);
    out->candidate_tokens = candidate_count;
    out->reference_tokens = reference_count;
    if (candidate_count == 0 || reference_count == 0) return RGTG_OK; /* all scores 0 */
    /* two rows the size of the shorter sequence */
    const uint32_t *outer = candidate, *inner = reference;
    size_t outer_count = candidate_count, inner_count = reference_count;
    if (outer_count < inner_count) {
        outer = reference; inner = candidate;
        outer_count = reference_count; inner_count = candidate_count;
    }
    uint32_t *rows = calloc(2 * (inner_count + 1), sizeof *rows);
    if (!rows) return rgtg_error_set(RGTG_ERR_NOMEM, "rouge: out of memory for the LCS rows");
    uint32_t *previous = rows, *current = rows + inner_count + 1;
    for (size_t i = 0; i < outer_count; i++) {
        current[0] = 0;
        uint32_t token = outer[i];
        for (size_t j = 0; j < inner_count; j++) {
            if (token == inner[j]) current[j + 1] = previous[j] + 1;
            else current[j + 1] = previous[j + 1] > current[j] ? previous[j + 1] : current[j];
        }
        uint32_t *swap = previous; previous = current; current = swap;
    }
    out->lcs = previous[inner_count];
    free(rows);
    out->precision = (double)out->lcs / (double)candidate_count;
    out->recall = (double)out->lcs / (double)reference_count;
    double sum = out->precision + out->recall;
    out->f1 = sum > 0.0 ? 2.0 * out->precision * out->recall / sum : 0.0;
    return RGTG_OK;
}

rgtg_status_t rgtg_rouge_l_stemming(const char *candidate, const char *reference, bool use_stemmer, rgtg_rouge_t *out) {
    memset(out, 0, sizeof *out);
    if (!candidate || !reference) return rgtg_error_set(RGTG_ERR_INVALID, "rouge: NULL text");
    rgtg_intern_t *vocabulary = rgtg_intern_new();
    if (!vocabulary) return RGTG_ERR_NOMEM;
    uint32_t *candidate_ids = NULL, *reference_ids = NULL;
    size_t candidate_count = 0, reference_count = 0;
    rgtg_status_t status = rgtg_rouge_tokenize(candidate, use_stemmer, vocabulary, &candidate_ids, &candidate_count);
    if (status == RGTG_OK)
        status = rgtg_rouge_tokenize(reference, use_stemmer, vocabulary, &reference_ids, &reference_count);
    if (status == RGTG_OK) status = rgtg_rouge_l_ids(candidate_ids, candidate_count, reference_ids, reference_count, out);
    free(candidate_ids);
    free(reference_ids);
    rgtg_intern_free(vocabulary);
    return status;
}

rgtg_status_t rgtg_rouge_l(const char *candidate, const char *reference, rgtg_rouge_t *out) {
    return rgtg_rouge_l_stemming(candidate, reference, false, out);
}

rgtg_status_t rgtg_rouge_l_corpus_f1_stemming(const char *const *candidates, const char *const *references, size_t n,
                                              bool use_stemmer, double *mean_f1_out) {
    *mean_f1_out = NAN;
    if (n == 0) return RGTG_OK;
    if (!candidates || !references) return rgtg_error_set(RGTG_ERR_INVALID, "rouge: %zu pairs but no arrays", n);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        rgtg_rouge_t score;
        if (!candidates[i] || !references[i])
            return rgtg_error_set(RGTG_ERR_INVALID, "rouge: pair %zu of %zu has a NULL text", i, n);
        rgtg_status_t status = rgtg_rouge_l_stemming(candidates[i], references[i], use_stemmer, &score);
        if (status != RGTG_OK) return status;
        sum += score.f1;
    }
    *mean_f1_out = sum / (double)n;
    return RGTG_OK;
}

rgtg_status_t rgtg_rouge_l_corpus_f1(const char *const *candidates, const char *const *references, size_t n,
                                     double *mean_f1_out) {
    return rgtg_rouge_l_corpus_f1_stemming(candidates, references, n, false, mean_f1_out);
}
