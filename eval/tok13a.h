/* eval/tok13a.h: the "13a" tokenizer of mteval-v13a.pl, as sacreBLEU 2.x applies it to every hypothesis
 * and reference before BLEU (its default tokenizer; lowercasing off). On the line with trailing
 * whitespace removed (sacreBLEU's rstrip):
 *   1. remove "<skipped>" and "-\n", turn "\n" into a space, then unescape &quot; &amp; &lt; &gt;
 *      (each a separate left-to-right pass, in that order);
 *   2. pad with one space each side; put spaces around every character of { | } ~ [ \ ] ^ _ `
 *      space ! " # $ % & ( ) * + : ; < = > ? @ /;
 *   3. split off a period or comma that follows a non-digit, then one that precedes a non-digit,
 *      then a dash that follows a digit (each a left-to-right pass over non-overlapping matches);
 *   4. split on whitespace and join the tokens with single spaces.
 * Whitespace is Python's str.split() set (ASCII 9-13, 28-32 and the Unicode spaces U+0085, U+00A0,
 * U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 in UTF-8). Text is UTF-8; bytes that
 * are not one of the characters above pass through untouched. */
#ifndef RGTG_EVAL_TOK13A_H
#define RGTG_EVAL_TOK13A_H

#include <stddef.h>

#include "../core/status.h"

/* *tokenized_out: a malloc'd NUL-terminated string of the tokens joined by single spaces ("" when
 * there are none); the caller frees it. *length_out (may be NULL) gets its length. */
rgtg_status_t rgtg_tokenize_13a(const char *text, char **tokenized_out, size_t *length_out);

/* The byte length of the Python whitespace character starting at p (0 when there is none); p < end. */
size_t rgtg_python_space_length(const char *p, const char *end);

#endif
