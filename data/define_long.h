/* data/define_long.h: the "define-long" task: the "define" prompt answered by a paragraph built from
 * WordNet (the definition, then synonyms, a related word, an example, an antonym, in varied order and
 * wording), long enough that prefixes matter (median about 30 tokens). Each prompt gets two responses:
 * one good, the other good or degraded in one of seven ways (a wrong sense, another word's content, a
 * late intrusion of another sense, a cut, padding, a repeated sentence, a single sentence); the pair is
 * labelled by the gold reward (data/gold.h) through a seeded Bradley-Terry draw, as RLHF labels are.
 * Several degradations show only at the end of a response, so a prefix cannot always tell them. */
#ifndef RGTG_DATA_DEFINE_LONG_H
#define RGTG_DATA_DEFINE_LONG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/rng.h"
#include "../core/status.h"
#include "gold.h"
#include "wordnet.h"

typedef enum {
    RGTG_DEFINE_LONG_GOOD = 0,       /* the target sense: definition first (mostly) + some of synonyms,
                                        related word, example, antonym */
    RGTG_DEFINE_LONG_WRONG_SENSE,    /* the same paragraph for another sense of the word */
    RGTG_DEFINE_LONG_OTHER_WORD,     /* the same paragraph for a synset of another word */
    RGTG_DEFINE_LONG_LATE_INTRUSION, /* good, then "It can also mean <another sense's definition>." */
    RGTG_DEFINE_LONG_TRUNCATED,      /* good, cut between 40% and 85% of its words, unfinished */
    RGTG_DEFINE_LONG_PADDED,         /* good, then two to four generic filler sentences */
    RGTG_DEFINE_LONG_REPEATED,       /* good, then its definition sentence again */
    RGTG_DEFINE_LONG_SPARSE,         /* one sentence (synonyms, related word or example), no definition */
    RGTG_DEFINE_LONG_VARIANT_COUNT
} rgtg_define_long_variant_t;

/* "good", "wrong_sense", "other_word", "late_intrusion", "truncated", "padded", "repeated", "sparse". */
const char *rgtg_define_long_variant_name(rgtg_define_long_variant_t variant);

typedef struct {
    rgtg_wordnet_pair_params_t words; /* which words (rgtg_wordnet_choose_words with the FIRST sense rule):
                                         max_pairs 4096, seed 1, 3..12 letters, tagged >= 1, template
                                         "define", max_definition_chars 80 (of the first sense) */
    double second_good;               /* P(the second response is good too): 0.3 */
    double variant_weight[RGTG_DEFINE_LONG_VARIANT_COUNT]; /* relative weights of the degraded variants of the
                                         second response (index GOOD unused): 1.2 1.0 1.2 1.0 0.8 0.8 0.6 */
    double bt_scale;                  /* P(first chosen) = sigma((g_first - g_second) / bt_scale): 1 */
    int pairs_per_word;               /* pairs made for each chosen word, each with fresh paragraphs: 1.
                                         Above 1, words.max_pairs counts pairs (max_pairs / pairs_per_word
                                         words), and a word's pairs land in every split, so that held-out
                                         prompts ask about words the models were trained on */
    rgtg_gold_params_t gold;          /* the labelling reward: rgtg_gold_default_params() */
} rgtg_define_long_params_t;

rgtg_define_long_params_t rgtg_define_long_default_params(void);

typedef struct {
    rgtg_wordnet_pairs_t pairs; /* prompt, chosen, rejected, word, pos, and each side's leading synset;
                                   in a seeded random order, as the define task's (same drop reasons) */
    rgtg_define_long_variant_t *chosen_variant, *rejected_variant; /* per pair */
    double *chosen_gold, *rejected_gold;                           /* per pair */
} rgtg_define_long_pairs_t;

/* Builds the pairs, deterministically for a given db and params. */
rgtg_status_t rgtg_define_long_make_pairs(const rgtg_wordnet_t *db, const rgtg_define_long_params_t *params,
                                          rgtg_define_long_pairs_t *out);
void rgtg_define_long_pairs_free(rgtg_define_long_pairs_t *pairs);

/* "task=define-long second_good=0.3 ... gold=v1 ..." for the data file's options attribute; returns buf. */
const char *rgtg_define_long_options(const rgtg_define_long_params_t *params, char *buf, size_t cap);

/* A few lines about the pairs into buf (cut to cap bytes): gold mean and SD per variant and per side,
 * and how often the label agrees with the higher gold reward. */
void rgtg_define_long_report(const rgtg_define_long_pairs_t *pairs, char *buf, size_t cap);

/* One response (malloc'd, without the template's response prefix) of the given variant for word (lemma
 * index) whose target is synset; *lead_synset gets the synset whose content leads it and *made the
 * variant made: wrong_sense becomes other_word for a word with one sense, other_word becomes truncated
 * where the pos has no other synset, sparse becomes truncated where the paragraph has one sentence.
 * Draws from rng. */
rgtg_status_t rgtg_define_long_response(const rgtg_wordnet_t *db, int64_t lemma, int64_t synset,
                                        rgtg_define_long_variant_t variant, rgtg_rng_t *rng, char **out,
                                        int64_t *lead_synset, rgtg_define_long_variant_t *made);

#endif
