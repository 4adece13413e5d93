/* eval/rouge.h: ROUGE-L (longest common subsequence) between a candidate and a reference text, per
 * pair and averaged over a corpus, as the rouge-score package computes "rougeL" (F-measure, beta 1).
 *
 * Tokens, as rouge-score's default tokenizer makes them: the text is lowercased (Python's str.lower(),
 * so U+0130 becomes "i" plus a combining dot and the Kelvin sign U+212A becomes "k"), every character
 * other than a-z and 0-9 separates tokens (so "café" gives "caf", and accented letters vanish), and
 * with stemming each token longer than three characters goes through the Porter stemmer in NLTK's
 * default mode (eval/porter.h). Text is UTF-8; an invalid byte separates tokens. */
#ifndef RGTG_EVAL_ROUGE_H
#define RGTG_EVAL_ROUGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"
#include "intern.h"

typedef struct {
    size_t lcs;              /* length of the longest common token subsequence */
    size_t candidate_tokens;
    size_t reference_tokens;
    double precision;        /* lcs / candidate_tokens; 0 when either side has no tokens */
    double recall;           /* lcs / reference_tokens; 0 when either side has no tokens */
    double f1;               /* 2PR / (P + R); 0 when P + R == 0 */
} rgtg_rouge_t;

/* rouge-score's defaults (use_stemmer=False). O(n*m/64) time and
 * O(d * min(n, m) / 64) memory for n and m tokens, d of them distinct in the shorter text. */
rgtg_status_t rgtg_rouge_l(const char *candidate, const char *reference, rgtg_rouge_t *out);
/* The same with rouge-score's use_stemmer option. */
rgtg_status_t rgtg_rouge_l_stemming(const char *candidate, const char *reference, bool use_stemmer, rgtg_rouge_t *out);

/* Mean F1 over n pairs (NaN when n == 0), the way rouge-score aggregates without bootstrap. */
rgtg_status_t rgtg_rouge_l_corpus_f1(const char *const *candidates, const char *const *references, size_t n,
                                     double *mean_f1_out);
rgtg_status_t rgtg_rouge_l_corpus_f1_stemming(const char *const *candidates, const char *const *references, size_t n,
                                              bool use_stemmer, double *mean_f1_out);

/* Token level, for callers that compare one text with many (diversity): the ROUGE tokens of text as
 * ids of `vocabulary` (*ids_out is malloc'd, NULL when there are none; the caller frees it). */
rgtg_status_t rgtg_rouge_tokenize(const char *text, bool use_stemmer, rgtg_intern_t *vocabulary, uint32_t **ids_out,
                                  size_t *count_out);
/* ROUGE-L of two id sequences from one vocabulary. */
rgtg_status_t rgtg_rouge_l_ids(const uint32_t *candidate, size_t candidate_count, const uint32_t *reference,
                               size_t reference_count, rgtg_rouge_t *out);

#endif
