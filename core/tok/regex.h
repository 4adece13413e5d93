/* core/tok/regex.h: the split patterns of tokenizer.json, compiled with PCRE2 (UTF, UCP, JIT).
 *
 * Hugging Face tokenizers compiles these patterns with Oniguruma. The PCRE2 dialect agrees on what
 * these files use (\p{L}, \p{N}, classes, (?i:...), lookahead, possessive and atomic groups) except
 * for a few escapes, which are rewritten before compiling so that they mean what Oniguruma means:
 *   \s \S      -> \p{White_Space} \P{White_Space} (PCRE2's \s also takes U+180E, Oniguruma's not)
 *   \w \W      -> letters, marks, numbers and connector punctuation (PCRE2's \w lacks marks)
 *   \h \H      -> ASCII hex digits (PCRE2's \h is horizontal space)
 *   \uHHHH     -> \x{HHHH}
 *   (?m ...)   -> (?s ...) (Oniguruma's m is PCRE2's dotall)
 * Line anchors ^ and $ work per line and only \n ends a line, as in Oniguruma. Constructs PCRE2
 * cannot express the same way (nested classes, && intersections, \W or \H inside a class) are
 * refused with an error naming the pattern offset. Unicode properties follow PCRE2's tables
 * (Unicode 14 in PCRE2 10.42); code points assigned after that version are unassigned here. */
#ifndef RGTG_CORE_TOK_REGEX_H
#define RGTG_CORE_TOK_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "../status.h"
#include "bytes.h"

typedef struct {
    void *code; /* pcre2_code_8 */
} tok_regex_t;

/* Per-caller match state (match data, JIT stack); one per thread. */
typedef struct tok_regex_matcher tok_regex_matcher_t;

/* Rewrites an Oniguruma pattern into PCRE2 syntax (see above) into out; on a construct that cannot
 * be rewritten, returns RGTG_ERR_UNSUPPORTED with a message naming `where` and the offset. */
rgtg_status_t tok_regex_translate(const char *pattern, size_t n, const char *where, tok_bytes_t *out);

/* Compiles pattern (Oniguruma syntax; literal: a plain string to find). `where` names the pattern
 * in error messages ("FILE: pre_tokenizer.pretokenizers[0].pattern"). */
rgtg_status_t tok_regex_compile(const char *pattern, size_t n, bool literal, const char *where, tok_regex_t *out);
void tok_regex_free(tok_regex_t *regex);

tok_regex_matcher_t *tok_regex_matcher_new(void);
void tok_regex_matcher_free(tok_regex_matcher_t *matcher);

/* Finds the first match in subject[0..n) at or after byte `start` (a code point boundary); subject
 * must be valid UTF-8 (not checked again). Sets *found and the match's [*match_start, *match_end). */
rgtg_status_t tok_regex_find(const tok_regex_t *regex, tok_regex_matcher_t *matcher, const char *subject, size_t n,
                             size_t start, bool *found, size_t *match_start, size_t *match_end);

#endif
