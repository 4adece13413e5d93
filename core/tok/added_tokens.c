/* core/tok/added_tokens.c: loading tokenizer.json's added tokens and finding them in a text,
 * leftmost-longest with lstrip/rstrip (see added_tokens.h). */
#include "added_tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe.h"
#include "utf8.h"

static rgtg_status_t nomem(const char *path) {
    return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory while loading added_tokens", path);
}

typedef struct {
    unsigned char first_byte;
    size_t length;
    uint32_t index;
} sort_key_t;

static int by_first_byte_then_longest(const void *a, const void *b) {
    const sort_key_t *x = a, *y = b;
    if (x->first_byte != y->first_byte) return x->first_byte < y->first_byte ? -1 : 1;
    if (x->length != y->length) return x->length > y->length ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index); /* equal strings: the first listed wins */
}

static bool matcher_add(tok_added_matcher_t *m, tok_bytes_t *text, size_t *capacity, const char *s, size_t n,
                        int32_t token) {
    if (m->count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 16;
        size_t *offset = realloc(m->offset, grown * sizeof *offset);
        if (offset) m->offset = offset;
        size_t *length = realloc(m->length, grown * sizeof *length);
        if (length) m->length = length;
        int32_t *tokens = realloc(m->token, grown * sizeof *tokens);
        if (tokens) m->token = tokens;
        if (!offset || !length || !tokens) return false;
        *capacity = grown;
    }
    m->offset[m->count] = text->length;
    m->length[m->count] = n;
    m->token[m->count] = token;
    m->count++;
    return tok_bytes_append(text, s, n);
}

static bool matcher_finish(tok_added_matcher_t *m, tok_bytes_t *text) {
    m->text = text->data;
    text->data = NULL;
    m->order = malloc((m->count ? m->count : 1) * sizeof *m->order);
    sort_key_t *keys = malloc((m->count ? m->count : 1) * sizeof *keys);
    if (!m->order || !keys) {
        free(keys);
        return false;
    }
    for (size_t i = 0; i < m->count; i++)
        keys[i] = (sort_key_t){(unsigned char)m->text[m->offset[i]], m->length[i], (uint32_t)i};
    qsort(keys, m->count, sizeof *keys, by_first_byte_then_longest);
    for (size_t i = 0; i < m->count; i++) m->order[i] = keys[i].index;
    free(keys);
    memset(m->first_index, 0, sizeof m->first_index);
    for (size_t i = 0; i < m->count; i++) m->first_index[(unsigned char)m->text[m->offset[i]] + 1]++;
    for (int b = 0; b < 256; b++) m->first_index[b + 1] += m->first_index[b];
    return true;
}

static void matcher_free(tok_added_matcher_t *m) {
    free(m->text);
    free(m->offset);
    free(m->length);
    free(m->token);
    free(m->order);
    memset(m, 0, sizeof *m);
}

static rgtg_status_t load_token(const json_t *item, size_t i, const char *path, tok_added_token_t *t) {
    const json_t *id = json_object_get(item, "id"), *content = json_object_get(item, "content");
    if (!json_is_integer(id) || json_integer_value(id) < 0 || json_integer_value(id) > TOK_MAX_TOKEN_ID)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: added_tokens[%zu]: \"id\" must be an integer from 0 to %d", path, i,
                              TOK_MAX_TOKEN_ID);
    if (!json_is_string(content) || json_string_length(content) == 0)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: added_tokens[%zu]: \"content\" must be a non-empty string", path, i);
    if (json_is_true(json_object_get(item, "single_word")))
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: added_tokens[%zu] (%s): single_word tokens are not supported",
                              path, i, json_string_value(content));
    t->id = (int32_t)json_integer_value(id);
    t->length = json_string_length(content);
    t->content = malloc(t->length + 1);
    if (!t->content) return nomem(path);
    memcpy(t->content, json_string_value(content), t->length + 1);
    t->special = json_is_true(json_object_get(item, "special"));
    t->lstrip = json_is_true(json_object_get(item, "lstrip"));
    t->rstrip = json_is_true(json_object_get(item, "rstrip"));
    t->normalized = json_is_true(json_object_get(item, "normalized"));
    return RGTG_OK;
}

rgtg_status_t tok_added_tokens_load(const json_t *list, const tok_normalizer_t *normalizer, const char *path,
                                    tok_added_tokens_t *out) {
    memset(out, 0, sizeof *out);
    if (list == NULL || json_is_null(list)) list = NULL;
    else if (!json_is_array(list)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: \"added_tokens\" must be an array", path);
    size_t count = list ? json_array_size(list) : 0;
    out->tokens = calloc(count ? count : 1, sizeof *out->tokens);
    if (!out->tokens) return nomem(path);
    rgtg_status_t st = RGTG_OK;
    tok_bytes_t raw_text = {0}, normalized_text = {0}, normalized = {0};
    size_t raw_capacity = 0, normalized_capacity = 0;
    for (size_t i = 0; i < count && st == RGTG_OK; i++) {
        tok_added_token_t *t = &out->tokens[i];
        st = load_token(json_array_get(list, i), i, path, t);
        if (st != RGTG_OK) break;
        out->count++;
        if (t->normalized && normalizer->count) {
            st = tok_normalize(normalizer, t->content, t->length, &normalized);
            if (st == RGTG_OK && normalized.length &&
                !matcher_add(&out->normalized, &normalized_text, &normalized_capacity, normalized.data,
                             normalized.length, (int32_t)i))
                st = nomem(path);
        } else if (!matcher_add(&out->raw, &raw_text, &raw_capacity, t->content, t->length, (int32_t)i)) {
            st = nomem(path);
        }
    }
    if (st == RGTG_OK && (!matcher_finish(&out->raw, &raw_text) || !matcher_finish(&out->normalized, &normalized_text)))
        st = nomem(path);
    tok_bytes_free(&raw_text);
    tok_bytes_free(&normalized_text);
    tok_bytes_free(&normalized);
    if (st != RGTG_OK) tok_added_tokens_free(out);
    return st;
}

void tok_added_tokens_free(tok_added_tokens_t *added) {
    for (size_t i = 0; i < added->count; i++) free(added->tokens[i].content);
    free(added->tokens);
    matcher_free(&added->raw);
    matcher_free(&added->normalized);
    memset(added, 0, sizeof *added);
}

/* The start of the code point that ends right before text[end]. */
static size_t previous_code_point(const char *text, size_t end) {
    size_t i = end - 1;
    while (i > 0 && ((unsigned char)text[i] & 0xC0) == 0x80) i--;
    return i;
}

void tok_added_find(const tok_added_tokens_t *added, const tok_added_matcher_t *m, const char *text, size_t n,
                    size_t from, bool *found, size_t *start, size_t *end, size_t *token) {
    *found = false;
    if (m->count == 0) return;
    for (size_t i = from; i < n; i++) {
        unsigned char b = (unsigned char)text[i];
        for (uint32_t k = m->first_index[b]; k < m->first_index[b + 1]; k++) {
            uint32_t c = m->order[k];
            size_t length = m->length[c];
            if (length > n - i || memcmp(text + i, m->text + m->offset[c], length) != 0) continue;
            const tok_added_token_t *t = &added->tokens[m->token[c]];
            size_t s = i, e = i + length;
            while (t->lstrip && s > from) {
                size_t p = previous_code_point(text, s);
                size_t cl = tok_utf8_sequence_length((const uint8_t *)text + p, s - p, NULL);
                if (!cl || !tok_unicode_is_white_space(tok_utf8_decode((const uint8_t *)text + p, cl))) break;
                s = p;
            }
            while (t->rstrip && e < n) {
                size_t cl = tok_utf8_sequence_length((const uint8_t *)text + e, n - e, NULL);
                if (!cl || !tok_unicode_is_white_space(tok_utf8_decode((const uint8_t *)text + e, cl))) break;
                e += cl;
            }
            *found = true;
            *start = s;
            *end = e;
            *token = (size_t)m->token[c];
            return;
        }
    }
}
