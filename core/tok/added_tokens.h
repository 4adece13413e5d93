/* core/tok/added_tokens.h: tokenizer.json's "added_tokens" (special tokens such as <|eot_id|>, and
 * plain added ones such as Qwen's <think>): their flags, and finding them in a text before BPE.
 *
 * Matching is leftmost-longest, as tokenizers' Aho-Corasick matcher does: the earliest position
 * where some token starts wins, and the longest token among those starting there. A token with
 * lstrip (rstrip) also takes the Unicode whitespace right before (after) it, which therefore
 * vanishes from the text. Tokens with "normalized": true are looked for in the normalized text
 * (their content normalized the same way); the others in the raw text. single_word is refused. */
#ifndef RGTG_CORE_TOK_ADDED_TOKENS_H
#define RGTG_CORE_TOK_ADDED_TOKENS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "normalizer.h"

typedef struct {
    int32_t id;
    char *content; /* NUL-terminated UTF-8 as written in the file */
    size_t length;
    bool special, lstrip, rstrip, normalized;
} tok_added_token_t;

/* One set of strings to look for (the raw or the normalized pass). */
typedef struct {
    char *text;          /* the strings, back to back */
    size_t *offset, *length;
    int32_t *token;      /* index into the added token list */
    size_t count;
    /* candidates by first byte, longest first: first_index[b] .. first_index[b + 1] into order[] */
    uint32_t first_index[257];
    uint32_t *order;
} tok_added_matcher_t;

typedef struct {
    tok_added_token_t *tokens;
    size_t count;
    tok_added_matcher_t raw, normalized;
} tok_added_tokens_t;

/* Loads "added_tokens" (NULL: none); normalized contents are computed with normalizer. */
rgtg_status_t tok_added_tokens_load(const json_t *list, const tok_normalizer_t *normalizer, const char *path,
                                    tok_added_tokens_t *out);
void tok_added_tokens_free(tok_added_tokens_t *added);

/* Finds the next added token in text[0..n) at or after `from`. Sets *found; then [*start, *end) is
 * what the token replaces (its content plus stripped whitespace) and *token its index. */
void tok_added_find(const tok_added_tokens_t *added, const tok_added_matcher_t *matcher, const char *text, size_t n,
                    size_t from, bool *found, size_t *start, size_t *end, size_t *token);

#endif
