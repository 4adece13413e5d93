/* data/gold.h: the gold reward of the WordNet "define" tasks: a fixed, documented, deterministic scorer
 * g(prompt, response) computed from WordNet alone (nothing learned), which labels preference pairs
 * (Bradley-Terry draws) and judges decoded text, and which no reward model ever sees except through
 * those labels (data/GOLD.md has the design and its rationale).
 *
 * The prompt names a word and its part of speech ("Define the word \"garage\" (noun)."); the target is
 * the word's most frequent sense in that pos (WordNet's first). Text is read as lowercase ASCII words;
 * a content word is a word that is not a stopword, reduced by a small plural rule ("cars" -> "car",
 * "berries" -> "berry", "boxes" -> "box") and at least 3 letters long; every count is over DISTINCT
 * content words, so repeating a word never earns more.
 *
 *   g = coverage - (other_sense + off_topic + repeat + length + unfinished + no_content)
 *
 * coverage = coverage_scale * sum_k w_k c_k / sum_k w_k over the parts k that WordNet has for the sense:
 *   definition c = |D & R| / |D|                      D: content words of the sense's definition
 *   synonym    c = min(1, mentioned / min(2, |S|))     S: the sense's other words (all of a phrase's
 *                                                         content words present = mentioned)
 *   hypernym   c = 1 when any related word is mentioned (nouns, verbs: hypernyms; adjectives: the
 *                                                         "similar to" heads; adverbs: pertainyms)
 *   example    c = min(1, |X & R| / min(3, |X|))       X: content words of the sense's examples not in D
 * where R is the set of content words of the response. The word itself is never credited.
 * Penalties (>= 0; most of them only a complete response reveals):
 *   other_sense  0.3 per distinct word of the word's other senses' glosses that the target sense's
 *                vocabulary lacks (at most 1.5): a wrong sense, early or late;
 *   off_topic    0.1 per distinct content word outside the target's vocabulary (its gloss, synonyms,
 *                related words and their definitions, antonyms), other senses and a short list of
 *                neutral words ("kind", "example", "synonym", ...), beyond the first 2 (at most 1.5);
 *   repeat       2 x the fraction of word trigrams that repeat an earlier trigram;
 *   length       0.05 per word beyond 45 words (at most 2);
 *   unfinished   0.5 when the response does not end with '.', '!' or '?' (closing quotes allowed);
 *   no_content   1 when the response has no content word besides the word itself and neutral ones
 *                (empty, stopwords, a copy of the prompt).
 * A good paragraph scores about 2.7 (at most coverage_scale), degenerate text -1 or less. */
#ifndef RGTG_DATA_GOLD_H
#define RGTG_DATA_GOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/generations.h"
#include "../core/rng.h"
#include "../core/status.h"
#include "wordnet.h"

/* Every constant of the scorer (the defaults are the gold reward; change them only to study it). */
typedef struct {
    double weight_definition;   /* 2.0 */
    double weight_synonym;      /* 0.5 */
    double weight_hypernym;     /* 0.75 */
    double weight_example;      /* 0.5 */
    double coverage_scale;      /* 3.0: the coverage term when every part is complete */
    int synonyms_for_full;      /* 2: synonyms mentioned for full synonym credit */
    int example_words_for_full; /* 3: example words for full example credit */
    int related_max;            /* 4: related synsets (hypernyms, similar-to heads, pertainyms) at most */
    int other_senses_max;       /* 6: other senses (same pos, most frequent first) whose words are penalised */
    double other_sense_penalty; /* 0.3 per distinct other-sense word */
    double other_sense_cap;     /* 1.5 */
    double off_topic_penalty;   /* 0.1 per distinct off-topic word beyond off_topic_free */
    int off_topic_free;         /* 2 */
    double off_topic_cap;       /* 1.5 */
    double repeat_penalty;      /* 2.0 x the repeated-trigram fraction */
    int length_budget_words;    /* 45 */
    double length_penalty;      /* 0.05 per word over the budget */
    double length_cap;          /* 2.0 */
    double unfinished_penalty;  /* 0.5 */
    double no_content_penalty;  /* 1.0 */
} rgtg_gold_params_t;

rgtg_gold_params_t rgtg_gold_default_params(void);
/* "gold=v1 w_def=2 w_syn=0.5 ..." for a data file's attributes; returns buf. */
const char *rgtg_gold_params_string(const rgtg_gold_params_t *params, char *buf, size_t cap);

/* What a score is made of. */
typedef struct {
    double total;
    double coverage;                             /* in [0, coverage_scale] */
    double definition, synonym, hypernym, example; /* each part's c in [0, 1]; -1 when WordNet has none */
    double other_sense, off_topic, repeat, length, unfinished, no_content; /* penalties, >= 0 */
    int words;                                   /* words of the response */
    int content_words;                           /* distinct content words, the word itself included */
    int other_sense_words, off_topic_words;      /* distinct words counted by those penalties */
    int64_t target_synset;                       /* the sense scored against (rgtg_wordnet_synset) */
} rgtg_gold_parts_t;

typedef struct rgtg_gold rgtg_gold_t;

/* The scorer over db (not copied: db must outlive it). Refuses params with negative weights or
 * penalties, an all-zero weight set, or coverage_scale <= 0. */
rgtg_status_t rgtg_gold_create(const rgtg_wordnet_t *db, const rgtg_gold_params_t *params, rgtg_gold_t **out);
void rgtg_gold_free(rgtg_gold_t *gold);
const rgtg_gold_params_t *rgtg_gold_params(const rgtg_gold_t *gold);

/* The word and pos of a "define" prompt ('Define the word "WORD" (POS).' anywhere in it): word is
 * copied into word_out (cap bytes). RGTG_ERR_INVALID when the prompt has no such sentence. */
rgtg_status_t rgtg_gold_parse_prompt(const char *prompt, char *word_out, size_t cap, rgtg_pos_t *pos_out);

/* g for a response defining word in pos; parts may be NULL. RGTG_ERR_INVALID when WordNet has no such
 * lemma. */
rgtg_status_t rgtg_gold_score_word(const rgtg_gold_t *gold, const char *word, rgtg_pos_t pos, const char *response,
                                   double *out, rgtg_gold_parts_t *parts);
/* g(prompt, response): the prompt parsed by rgtg_gold_parse_prompt. */
rgtg_status_t rgtg_gold_score(const rgtg_gold_t *gold, const char *prompt, const char *response, double *out,
                              rgtg_gold_parts_t *parts);

/* ---- summaries ---- */

typedef struct {
    size_t n;
    double mean, sd, se; /* sd with n - 1; se = sd / sqrt(n); 0 when n < 2 */
    /* rgtg_gold_score_file only: the mean of each part over the rows (where a score comes from) */
    double coverage, other_sense, off_topic, repeat, length, unfinished, no_content;
    double words;        /* mean words per response */
} rgtg_gold_summary_t;

rgtg_gold_summary_t rgtg_gold_summarize(const double *values, size_t n);

/* The scorer over WordNet's files in dir (the db is loaded and owned by the scorer). */
rgtg_status_t rgtg_gold_open(const char *wordnet_dir, const rgtg_gold_params_t *params, rgtg_gold_t **out);
/* The WordNet the scorer reads. */
const rgtg_wordnet_t *rgtg_gold_wordnet(const rgtg_gold_t *gold);

/* One decoded row to score (a view: the strings are not copied). */
typedef struct {
    int64_t id;           /* the prompt's id: rows with the same id answer the same prompt */
    int sample;           /* which sample of that prompt (0, 1, ...); -1: unknown, the rows' order decides */
    const char *prompt;
    const char *response;
} rgtg_gold_item_t;

/* scores[i] = g(items[i].prompt, items[i].response). Errors name source (a file, for the message)
 * and the row: "SOURCE: row 3 (id 12): gold: ...". */
rgtg_status_t rgtg_gold_score_items(const rgtg_gold_t *gold, const rgtg_gold_item_t *items, size_t n,
                                    const char *source, double *scores);
/* The same, also filling parts[i] (parts may be NULL). */
rgtg_status_t rgtg_gold_score_items_parts(const rgtg_gold_t *gold, const rgtg_gold_item_t *items, size_t n,
                                          const char *source, double *scores, rgtg_gold_parts_t *parts);

/* Views of a generations file's rows (malloc'd array; the strings stay the rows'): sample is the row's
 * sample number (decode --n) from format version 2 on, -1 for version-1 rows (which have none). */
rgtg_gold_item_t *rgtg_gold_items_of_generations(const rgtg_generation_t *rows, size_t n);

/* The gold reward of every row of a generations file (core/GENERATIONS.md), summarised with the mean of
 * each part; with
 * write_path (NULL: none; it may be gens_path), each row's "reward" becomes its gold reward and the rows
 * are written there atomically. */
rgtg_status_t rgtg_gold_score_file(const rgtg_gold_t *gold, const char *gens_path, const char *write_path,
                                   rgtg_gold_summary_t *summary);

#define RGTG_GOLD_MAX_FILES 64

/* The stage behind `rgtg eval gold`. */
typedef struct {
    const char *gens[RGTG_GOLD_MAX_FILES]; /* generations files (at least one) */
    int gens_count;
    const char *wordnet_dir;               /* /usr/share/wordnet */
    bool as_reward;                        /* store each row's gold reward in its "reward" field */
    const char *out;                       /* or write the scored rows here instead (one file only) */
    rgtg_gold_params_t gold;               /* rgtg_gold_default_params() */
} rgtg_gold_eval_params_t;

rgtg_gold_eval_params_t rgtg_gold_eval_default_params(void);

/* Loads WordNet once and scores each file (rgtg_gold_score_file); summaries[i] for gens[i]. Files
 * before a failing one keep their rewrite (each is rewritten atomically). */
rgtg_status_t rgtg_gold_eval(const rgtg_gold_eval_params_t *params, rgtg_gold_summary_t *summaries);

/* ---- Bradley-Terry labels ---- */

/* P(a preferred over b) = sigma((gold_a - gold_b) / scale), scale > 0. */
double rgtg_gold_bt_probability(double gold_a, double gold_b, double scale);
/* One seeded Bernoulli draw with that probability: 1 when a is preferred (one uniform consumed). */
int rgtg_gold_bt_draw(rgtg_rng_t *rng, double gold_a, double gold_b, double scale);


#endif
