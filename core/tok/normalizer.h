/* core/tok/normalizer.h: tokenizer.json's "normalizer": Unicode normalization forms (NFC, NFD,
 * NFKC, NFKD, alone or in a "Sequence"), computed by libutf8proc. Other normalizers (Lowercase,
 * Replace, Prepend, Strip, BertNormalizer, Precompiled) are refused by name. ASCII text is the same in
 * every form, so it passes through untouched. */
#ifndef RGTG_CORE_TOK_NORMALIZER_H
#define RGTG_CORE_TOK_NORMALIZER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../status.h"
#include "bytes.h"

#define TOK_NORMALIZER_MAX_STEPS 8

typedef struct {
    int steps[TOK_NORMALIZER_MAX_STEPS]; /* utf8proc option sets, applied in order */
    size_t count;                        /* 0: no normalizer */
} tok_normalizer_t;

/* Loads the "normalizer" value (NULL or JSON null: none); errors name path. */
rgtg_status_t tok_normalizer_load(const json_t *normalizer, const char *path, tok_normalizer_t *out);

/* Whether normalizing s[0..n) may change it (false for no normalizer or pure ASCII text). */
bool tok_normalizer_may_change(const tok_normalizer_t *normalizer, const char *s, size_t n);

/* Replaces out's content by the normalized s[0..n) (valid UTF-8). */
rgtg_status_t tok_normalize(const tok_normalizer_t *normalizer, const char *s, size_t n, tok_bytes_t *out);

#endif
