/* core/tok/utf8.h: UTF-8 for the tokenizers: validation, the replacement of ill-formed bytes by
 * U+FFFD, one code point at a time, and Unicode's White_Space property.
 *
 * Replacement follows the "maximal subpart" practice of Unicode (chapter 3, U+FFFD substitution),
 * which is what the WHATWG TextDecoder, Rust's String::from_utf8_lossy and Python's
 * errors="replace" do: each maximal prefix of a well-formed sequence that cannot be completed
 * becomes one U+FFFD, and a byte that can start nothing becomes one U+FFFD. */
#ifndef RGTG_CORE_TOK_UTF8_H
#define RGTG_CORE_TOK_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* Length of the well-formed sequence at s[0..n) (1..4), or 0 when it is ill-formed there; then
 * *bad_length (when not NULL) is the length of the maximal subpart to replace (1..3). n > 0. */
size_t tok_utf8_sequence_length(const uint8_t *s, size_t n, size_t *bad_length);

/* Whether s[0..n) is well-formed UTF-8 (no surrogates, no overlongs, nothing above U+10FFFF). */
bool tok_utf8_is_valid(const char *s, size_t n);

/* Appends s[0..n) to out with every maximal ill-formed subpart replaced by U+FFFD (EF BF BD). */
bool tok_utf8_append_replacing(tok_bytes_t *out, const char *s, size_t n);

/* Decodes the well-formed code point at s (length from tok_utf8_sequence_length). */
uint32_t tok_utf8_decode(const uint8_t *s, size_t length);

/* Writes code point cp as UTF-8 into out[4]; returns its length (1..4). */
size_t tok_utf8_encode(uint32_t cp, char out[4]);

/* Unicode's White_Space property: what Rust's char::is_whitespace and Oniguruma's \s match. */
bool tok_unicode_is_white_space(uint32_t cp);

#endif
