/* eval/rouge.c: rouge-score's tokenization, optional Porter stemming, token interning and a
 * bit-parallel LCS (see rouge.h). */
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

/* The slot of token in an open-addressing table of token + 1 values (0: empty). */
static size_t find_token_slot(const uint32_t *slot_token, size_t slot_count, uint32_t token) {
    size_t slot = (size_t)(token * UINT32_C(2654435761)) & (slot_count - 1);
    while (slot_token[slot] && slot_token[slot] != token + 1) slot = (slot + 1) & (slot_count - 1);
    return slot;
}

/* Length of the longest common subsequence by the bit-parallel algorithm of Allison and Dix (1986) in
 * Hyyro's formulation (2004): bit i of V stands for position i of `held`; for each token of `scanned`,
 * U = V & M[token] and V = (V + U) | (V & ~U), where M[token] marks the positions holding that token;
 * at the end the LCS length is the number of zero bits. O(|scanned| * |held| / 64) time. */
static rgtg_status_t lcs_length(const uint32_t *held, size_t held_count, const uint32_t *scanned, size_t scanned_count,
                                size_t *lcs_out) {
    size_t words = (held_count + 63) / 64, slot_count = 16;
    while (slot_count < 2 * held_count) slot_count *= 2;
    uint32_t *slot_token = calloc(slot_count, sizeof *slot_token); /* token + 1, 0 when empty */
    uint32_t *slot_row = malloc(slot_count * sizeof *slot_row);
    uint32_t *row_of = malloc(held_count * sizeof *row_of); /* the mask row of each held position */
    uint64_t *masks = NULL, *v = malloc(words * sizeof *v);
    rgtg_status_t status = RGTG_OK;
    size_t rows = 0;
    if (slot_token && slot_row && row_of && v) {
        for (size_t i = 0; i < held_count; i++) {
            size_t slot = find_token_slot(slot_token, slot_count, held[i]);
            if (!slot_token[slot]) {
                slot_token[slot] = held[i] + 1;
                slot_row[slot] = (uint32_t)rows++;
            }
            row_of[i] = slot_row[slot];
        }
        masks = calloc(rows * words, sizeof *masks); /* one row of `words` per distinct held token */
    }
    if (!masks) {
        status = rgtg_error_set(RGTG_ERR_NOMEM, "rouge: out of memory for the LCS of %zu tokens", held_count);
        goto done;
    }
    for (size_t i = 0; i < held_count; i++) masks[row_of[i] * words + i / 64] |= UINT64_C(1) << (i % 64);
    for (size_t k = 0; k < words; k++) v[k] = ~UINT64_C(0);
    for (size_t j = 0; j < scanned_count; j++) {
        size_t slot = find_token_slot(slot_token, slot_count, scanned[j]);
        if (!slot_token[slot]) continue; /* U = 0 leaves V as it is */
        const uint64_t *mask = masks + slot_row[slot] * words;
        uint64_t carry = 0;
        for (size_t k = 0; k < words; k++) {
            uint64_t u = v[k] & mask[k], sum = v[k] + u, total = sum + carry;
            carry = (sum < v[k]) | (total < sum);
            v[k] = total | (v[k] & ~u);
        }
    }
    size_t ones = 0;
    for (size_t k = 0; k < words; k++) {
        uint64_t bits = v[k];
        if (k == words - 1 && held_count % 64) bits &= (UINT64_C(1) << (held_count % 64)) - 1;
        ones += (size_t)__builtin_popcountll(bits);
    }
    *lcs_out = held_count - ones;
done:
    free(slot_token);
    free(slot_row);
    free(row_of);
    free(masks);
    free(v);
    return status;
}

rgtg_status_t rgtg_rouge_l_ids(const uint32_t *candidate, size_t candidate_count, const uint32_t *reference,
                               size_t reference_count, rgtg_rouge_t *out) {
    memset(out, 0, sizeof *out);
    out->candidate_tokens = candidate_count;
    out->reference_tokens = reference_count;
    if (candidate_count == 0 || reference_count == 0) return RGTG_OK; /* all scores 0 */
    /* hold the shorter sequence in bits */
    rgtg_status_t status = candidate_count <= reference_count
                               ? lcs_length(candidate, candidate_count, reference, reference_count, &out->lcs)
                               : lcs_length(reference, reference_count, candidate, candidate_count, &out->lcs);
    if (status != RGTG_OK) return status;
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
    if (status == RGTG_OK)
        status = rgtg_rouge_l_ids(candidate_ids, candidate_count, reference_ids, reference_count, out);
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
