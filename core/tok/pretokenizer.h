/* core/tok/pretokenizer.h: tokenizer.json's "pre_tokenizer" for byte-level BPE: zero or more
 * "Split" steps (a regex or a literal string; behavior Isolated or Removed; invert), then one
 * "ByteLevel" step (add_prefix_space; use_regex splits with the GPT-2 pattern that tokenizers'
 * ByteLevel uses), alone or in a "Sequence". Each step splits every piece the step before it
 * produced; the pieces of the last step are the words that BPE merges. The byte mapping itself is
 * implicit: words stay raw bytes (see byte_level.h). Other pre-tokenizers, a Sequence without a
 * ByteLevel step or with steps after it, and the MergedWithPrevious/MergedWithNext/Contiguous
 * behaviors are refused by name. */
#ifndef RGTG_CORE_TOK_PRETOKENIZER_H
#define RGTG_CORE_TOK_PRETOKENIZER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../status.h"
#include "bytes.h"
#include "regex.h"

/* The pattern of tokenizers' ByteLevel pre-tokenizer with use_regex (GPT-2's). */
#define TOK_GPT2_SPLIT_PATTERN "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

typedef struct {
    tok_regex_t regex;
    bool invert;        /* the pattern matches the pieces, not the delimiters */
    bool remove;        /* behavior Removed: delimiters are dropped; Isolated: they are pieces too */
} tok_split_t;

typedef struct {
    tok_split_t splits[8]; /* the Split steps, then ByteLevel's own split when use_regex */
    size_t split_count;
    size_t prefix_stage;   /* where add_prefix_space applies: before splits[prefix_stage] */
    bool add_prefix_space;
} tok_pretokenizer_t;

typedef rgtg_status_t (*tok_word_fn)(void *context, const char *word, size_t n);

/* Loads the "pre_tokenizer" value; errors name path and the step. */
rgtg_status_t tok_pretokenizer_load(const json_t *pre_tokenizer, const char *path, tok_pretokenizer_t *out);
void tok_pretokenizer_free(tok_pretokenizer_t *pt);

/* Splits text[0..n) (valid UTF-8) into words and calls emit for each non-empty one, in order.
 * prefix_buffer is scratch for add_prefix_space. */
rgtg_status_t tok_pretokenize(const tok_pretokenizer_t *pt, tok_regex_matcher_t *matcher, tok_bytes_t *prefix_buffer,
                              const char *text, size_t n, tok_word_fn emit, void *context);

#endif
