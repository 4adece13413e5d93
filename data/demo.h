/* data/demo.h: the embedded demo dataset as one stage: WordNet's glosses (Debian package
 * wordnet-base) become "define" preference pairs (data/wordnet.c) or, with task "define-long",
 * paragraphs labelled by the gold reward (data/define_long.c), a SentencePiece tokenizer is trained on
 * their text, and the pairs go through the prepare writer path (data/prepare.c) into prefs.h5, which is
 * then expanded into prefix pairs. */
#ifndef RGTG_DATA_DEMO_H
#define RGTG_DATA_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

typedef struct {
    const char *out_dir;     /* prefs.h5 and tokenizer.model go here (required) */
    const char *wordnet_dir; /* the WordNet dict folder */
    const char *task;        /* "define" (one gloss) or "define-long" (a paragraph; data/GOLD.md) */
    int64_t pairs;           /* preference pairs in all */
    int64_t test;            /* held-out test pairs among them (the last ones of the seeded order) */
    int64_t valid;           /* validation pairs among them (the ones before the test pairs) */
    int vocab;               /* tokenizer vocabulary */
    double ratio;            /* prefix pairs per pair */
    int pairs_per_word;      /* define-long: pairs per word (1: every pair asks about its own word) */
    uint64_t seed;           /* selection, tokenizer, splits and expansion */
} rgtg_demo_params_t;

/* /usr/share/wordnet, task define, 3000 pairs (100 test, 200 valid), vocabulary 2000, ratio 2, seed 1. */
rgtg_demo_params_t rgtg_demo_default_params(void);

typedef struct {
    size_t pairs;      /* pairs written */
    int vocab;         /* the tokenizer's vocabulary */
    char prefs[4096];  /* the prefs.h5 written */
    char report[2048]; /* define-long: the gold reward per variant (rgtg_define_long_report); else "" */
} rgtg_demo_result_t;

rgtg_status_t rgtg_demo_build(const rgtg_demo_params_t *params, rgtg_demo_result_t *result);

#endif
