/* data/wordnet.h: the embedded demo dataset: a parser for Princeton WordNet 3.0 database files
 * (data.{noun,verb,adj,adv}, and index.* when present: synsets with their words, gloss, examples and
 * pointers; lemmas with their senses), the choice of a task's words, and the "define" preference pairs
 * built from them (prompt: define a word; chosen: its definition; rejected: another word's definition). */
#ifndef RGTG_DATA_WORDNET_H
#define RGTG_DATA_WORDNET_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

typedef enum { RGTG_POS_NOUN = 0, RGTG_POS_VERB, RGTG_POS_ADJ, RGTG_POS_ADV, RGTG_POS_COUNT } rgtg_pos_t;

/* "noun", "verb", "adjective", "adverb". */
const char *rgtg_pos_name(rgtg_pos_t pos);

/* One pointer of a synset as written in its data line ("@ 02958343 n 0000"). Symbols: "@" hypernym,
 * "@i" instance hypernym, "~" hyponym, "!" antonym, "&" similar to, "\\" pertainym (adverbs: derived
 * from an adjective), "+" derivationally related, ... (WordNet's wninput(5WN)). */
typedef struct {
    char symbol[3];         /* NUL-terminated, one or two characters */
    uint32_t target_offset; /* as written */
    rgtg_pos_t target_pos;  /* 's' counts as an adjective */
    int64_t target;         /* synset index of the target (rgtg_wordnet_synset); -1 when it is not in the files */
    uint8_t source_word;    /* lexical pointers: 1-based word numbers in the source and target synsets; */
    uint8_t target_word;    /* both 0 for a pointer between whole synsets */
} rgtg_wordnet_pointer_t;

typedef struct {
    uint32_t offset;   /* synset_offset: the byte offset of its line in the data file */
    rgtg_pos_t pos;    /* satellite adjectives ('s') count as adjectives */
    char ss_type;      /* 'n', 'v', 'a', 's' or 'r' as written */
    int word_count;
    char **words;      /* as written, '_' turned into ' ', adjective markers "(a)" "(p)" "(ip)" removed */
    char *gloss;       /* everything after "| ", trailing blanks removed */
    char *definition;  /* the gloss up to its first example ('; "'), trimmed; may be "" */
    int example_count;
    char **examples;   /* the quoted examples of the gloss, without their quotes */
    int pointer_count;
    rgtg_wordnet_pointer_t *pointers;
} rgtg_wordnet_synset_t;

typedef struct {
    char *lemma;        /* lowercase, '_' turned into ' ' */
    rgtg_pos_t pos;
    int tagged_count;   /* tagsense_cnt from index.<pos>; 0 when the lemma came from data.<pos> alone */
    int from_index;     /* 1 when read from index.<pos> */
    int sense_count;
    int64_t *senses;    /* synset indices (rgtg_wordnet_synset), most frequent sense first */
} rgtg_wordnet_lemma_t;

typedef struct rgtg_wordnet rgtg_wordnet_t;

/* Parses dir/data.{noun,verb,adj,adv} (all four required) and dir/index.<pos> where present (used for
 * sense order and frequency; without it a pos's lemmas are collected from its synsets in file order).
 * Errors name the file and line. */
rgtg_status_t rgtg_wordnet_load(const char *dir, rgtg_wordnet_t **out);
void rgtg_wordnet_free(rgtg_wordnet_t *db);

size_t rgtg_wordnet_synset_count(const rgtg_wordnet_t *db);
const rgtg_wordnet_synset_t *rgtg_wordnet_synset(const rgtg_wordnet_t *db, size_t i);
size_t rgtg_wordnet_lemma_count(const rgtg_wordnet_t *db);
const rgtg_wordnet_lemma_t *rgtg_wordnet_lemma(const rgtg_wordnet_t *db, size_t i);
/* The lemma index of word (case-insensitive) in pos, or -1 when WordNet has none. */
int64_t rgtg_wordnet_find_lemma(const rgtg_wordnet_t *db, const char *word, rgtg_pos_t pos);
/* The files that were read, in reading order (paths owned by db), for the data file's attributes. */
size_t rgtg_wordnet_source_count(const rgtg_wordnet_t *db);
const char *rgtg_wordnet_source_path(const rgtg_wordnet_t *db, size_t i);

typedef struct {
    size_t max_pairs;            /* pairs returned at most; the most frequent words win (0: no limit) */
    uint64_t seed;               /* the order of the pairs and the choice of rejected definitions */
    size_t max_definition_chars; /* chosen and rejected definitions at most this many bytes */
    size_t min_word_chars;       /* lemma length bounds, in bytes */
    size_t max_word_chars;
    int min_tagged_count;        /* index.<pos> tagsense_cnt at least this (not applied without index) */
    const char *template_name;   /* the prompt template ("define") */
} rgtg_wordnet_pair_params_t;

/* max_pairs 4096, seed 1, max_definition_chars 60, words of 3..12 letters, min_tagged_count 1, "define". */
rgtg_wordnet_pair_params_t rgtg_wordnet_pair_default_params(void);

typedef struct {
    char *prompt_text;   /* the template filled with the word and its part of speech */
    char *chosen_text;   /* response prefix (" ") + the definition of one sense of the word */
    char *rejected_text; /* response prefix + the definition of a synset that does not contain the word */
    char *word;
    rgtg_pos_t pos;
    int64_t chosen_synset, rejected_synset; /* indices for rgtg_wordnet_synset */
} rgtg_wordnet_pair_t;

/* Why a lemma did not become a pair; names are used as "dropped_<name>" attributes. */
typedef enum {
    RGTG_WORDNET_DROP_NOT_SINGLE_WORD = 0, /* spaces, hyphens, digits, capitals, ... */
    RGTG_WORDNET_DROP_WORD_LENGTH,
    RGTG_WORDNET_DROP_RARE,                /* tagged_count below min_tagged_count */
    RGTG_WORDNET_DROP_SAME_WORD_OTHER_POS, /* at most one pair per word: its most frequent pos wins */
    RGTG_WORDNET_DROP_LONG_DEFINITION,     /* no sense with a short, non-empty definition */
    RGTG_WORDNET_DROP_OVER_MAX_PAIRS,
    RGTG_WORDNET_DROP_NO_REJECTED,         /* no other synset of that pos could be drawn */
    RGTG_WORDNET_DROP_COUNT
} rgtg_wordnet_drop_t;

typedef struct {
    rgtg_wordnet_pair_t *pairs; /* in a seeded random order */
    size_t count;
    int64_t lemmas_read;        /* rows read: lemma entries considered */
    const char *drop_reasons[RGTG_WORDNET_DROP_COUNT];
    int64_t drop_counts[RGTG_WORDNET_DROP_COUNT];
    const char *template_name;  /* static strings of the template used */
    const char *template_text;
} rgtg_wordnet_pairs_t;

/* "not_single_word", "word_length", ... as in the attributes. */
const char *rgtg_wordnet_drop_name(rgtg_wordnet_drop_t reason);

/* Which sense of a word a task defines. */
typedef enum {
    RGTG_WORDNET_SENSE_FIRST_SHORT = 0, /* the most frequent sense whose definition is short and not empty */
    RGTG_WORDNET_SENSE_FIRST,           /* the most frequent sense; the word is dropped when its definition
                                           is empty or longer than max_definition_chars */
} rgtg_wordnet_sense_rule_t;

typedef struct {
    int64_t lemma;  /* index for rgtg_wordnet_lemma */
    int64_t synset; /* the sense the task defines */
} rgtg_wordnet_choice_t;

/* The words a task is built from: single lowercase words within the length bounds, tagged at least
 * min_tagged_count times, one pos per word (its most tagged), with a sense chosen by rule; the most
 * frequent max_pairs of them, most frequent first. Drops are added to drops[] and every lemma
 * considered to *lemmas_read. *out is malloc'd (free it). */
rgtg_status_t rgtg_wordnet_choose_words(const rgtg_wordnet_t *db, const rgtg_wordnet_pair_params_t *params,
                                        rgtg_wordnet_sense_rule_t rule, rgtg_wordnet_choice_t **out, size_t *count,
                                        int64_t drops[RGTG_WORDNET_DROP_COUNT], int64_t *lemmas_read);

/* Builds the demo pairs, deterministically for a given db and params. */
rgtg_status_t rgtg_wordnet_make_pairs(const rgtg_wordnet_t *db, const rgtg_wordnet_pair_params_t *params,
                                      rgtg_wordnet_pairs_t *out);
void rgtg_wordnet_pairs_free(rgtg_wordnet_pairs_t *pairs);

#endif
