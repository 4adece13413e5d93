/* eval/bleu.h: BLEU (Papineni et al., 2002) as sacreBLEU 2.x computes it with its defaults: every
 * segment tokenized with 13a (eval/tok13a.h), case kept, n-grams up to order 4, clipped counts against
 * the maximum count over the segment's references, the closest reference length (the shorter on a
 * tie) for the brevity penalty, corpus statistics summed over segments, and the 'exp' smoothing of
 * mteval-v13a (the k-th order with no match counts 1 / (2^k * total)). A corpus without any matching
 * n-gram scores 0; orders that no hypothesis reaches make the score 0 unless effective_order is set.
 * Scores are on sacreBLEU's 0-100 scale. */
#ifndef RGTG_EVAL_BLEU_H
#define RGTG_EVAL_BLEU_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/status.h"

#define RGTG_BLEU_MAX_ORDER 16

typedef struct {
    int max_ngram_order;  /* highest n-gram order, 1..RGTG_BLEU_MAX_ORDER; sacreBLEU's default 4 */
    bool effective_order; /* stop at the highest order some hypothesis reaches; sacreBLEU's default for
                             corpus BLEU is false, its sentence_bleu() sets it true */
} rgtg_bleu_params_t;

/* {max_ngram_order 4, effective_order false}: sacreBLEU's corpus_bleu defaults. */
rgtg_bleu_params_t rgtg_bleu_default_params(void);

typedef struct {
    double score;                              /* 0..100 */
    double brevity_penalty;                    /* exp(1 - ref_len / sys_len) when shorter, else 1 */
    size_t sys_len, ref_len;                   /* hypothesis tokens; closest reference tokens */
    size_t counts[RGTG_BLEU_MAX_ORDER];        /* clipped matches per order (index 0: unigrams) */
    size_t totals[RGTG_BLEU_MAX_ORDER];        /* hypothesis n-grams per order */
    double precisions[RGTG_BLEU_MAX_ORDER];    /* percent, after smoothing; 0 past the last order used */
    int max_ngram_order;
} rgtg_bleu_t;

/* Corpus BLEU of hypotheses[0..n) against references laid out segment-major:
 * references[i * reference_count + r] is reference r of segment i. A NULL or "" reference is absent
 * (segments may have different numbers of references); a segment with none is RGTG_ERR_INVALID, as
 * is a NULL hypothesis. An empty hypothesis counts (0 tokens). n == 0 scores 0. */
rgtg_status_t rgtg_bleu_corpus(const char *const *hypotheses, size_t n, const char *const *references,
                               size_t reference_count, const rgtg_bleu_params_t *params, rgtg_bleu_t *out);

/* Sentence BLEU the way sacreBLEU's sentence_bleu() computes it: one segment, effective order on. */
rgtg_status_t rgtg_bleu_sentence(const char *hypothesis, const char *const *references, size_t reference_count,
                                 rgtg_bleu_t *out);

/* The score from summed statistics (counts[k] and totals[k] for orders 1..params->max_ngram_order). */
rgtg_status_t rgtg_bleu_from_stats(const size_t *counts, const size_t *totals, size_t sys_len, size_t ref_len,
                                   const rgtg_bleu_params_t *params, rgtg_bleu_t *out);

#endif
