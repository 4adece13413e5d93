/* eval/rouge.h: ROUGE-L (longest common subsequence) between a candidate and a reference text, per
 * pair and averaged over a corpus, with F-measure beta = 1 as in the rouge-score package's "rougeL".
 *
 * Tokens: the text is lowercased (ASCII letters only) and split on every ASCII byte that is not a
 * letter or digit; bytes >= 0x80 (UTF-8 letters such as "é") stay inside tokens. This differs from
 * rouge-score, which drops non-ASCII characters; no stemming. */
#ifndef RGTG_EVAL_ROUGE_H
#define RGTG_EVAL_ROUGE_H

#include <stddef.h>

#include "../core/status.h"

typedef struct {
    size_t lcs;              /* length of the longest common token subsequence */
    size_t candidate_tokens;
    size_t reference_tokens;
    double precision;        /* lcs / candidate_tokens; 0 when the candidate has no tokens */
    double recall;           /* lcs / reference_tokens; 0 when the reference has no tokens */
    double f1;               /* 2PR / (P + R); 0 when P + R == 0 */
} rgtg_rouge_t;

/* O(n*m) time, O(min(n, m)) memory in the token counts. */
rgtg_status_t rgtg_rouge_l(const char *candidate, const char *reference, rgtg_rouge_t *out);

/* Mean F1 over n pairs (NaN when n == 0), the way rouge-score aggregates without bootstrap. */
rgtg_status_t rgtg_rouge_l_corpus_f1(const char *const *candidates, const char *const *references, size_t n,
                                     double *mean_f1_out);

#endif
