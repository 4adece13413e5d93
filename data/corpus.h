/* data/corpus.h: the `data tokenizer` stage: a SentencePiece tokenizer trained on the text of
 * preference files (prompts and both responses, one line per line of text) and plain text files. */
#ifndef RGTG_DATA_CORPUS_H
#define RGTG_DATA_CORPUS_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/status.h"

#define RGTG_CORPUS_MAX_INPUTS 64

typedef struct {
    const char *inputs[RGTG_CORPUS_MAX_INPUTS]; /* preference or plain text files (.gz read too) */
    int input_count;
    const char *format;      /* a preference format, or "text" (one sentence a line); NULL: detected per
                                file, plain text when no preference format fits (a note is logged) */
    const char *out;         /* the SentencePiece model to write (required) */
    int vocab_size;          /* required */
    const char *model_type;  /* "unigram" or "bpe" */
    uint64_t seed;           /* the trainer's sampling seed */
    bool lossy_legacy;       /* SentencePiece's old defaults (no byte fallback, NFKC, spaces folded): text
                                does not round-trip, but tiny vocabularies (< 260 + learned pieces) fit */
} rgtg_corpus_params_t;

/* unigram, seed 1; inputs, out and vocab_size to be filled. */
rgtg_corpus_params_t rgtg_corpus_default_params(void);

/* Writes the training text to a temporary file, trains, removes the text. *lines_out: lines of text. */
rgtg_status_t rgtg_corpus_train_tokenizer(const rgtg_corpus_params_t *params, int64_t *lines_out);

#endif
