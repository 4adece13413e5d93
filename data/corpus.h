/* data/corpus.h: the `data tokenizer` stage: a SentencePiece tokenizer trained on the text of
 * preference files (prompts and both responses, one line per line of text) and plain text files.
 *
 * The tokenizer is lossless by default (decode(encode(text)) == text; core/spm/spm.h): byte fallback,
 * identity normalization, spaces kept, no dummy prefix, whitespace-only pieces, digits split, and a
 * template's fixed markers ("Human:", "Assistant:") as user symbols. Each setting can be changed;
 * the model file records them (data/FORMAT.md "Tokenizers"). */
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
    /* the lossless settings (rgtg_spm_train_params_t's meaning): */
    bool byte_fallback;
    const char *normalization;   /* "identity", "nmt_nfkc", "nfkc", "nmt_nfkc_cf" or "nfkc_cf"; NULL: identity
                                    (nmt_nfkc with lossy_legacy) */
    bool remove_extra_whitespaces;
    bool add_dummy_prefix;
    bool whitespace_only_pieces;
    bool split_digits;
    const char *template_name;   /* its fixed markers become user symbols (rgtg_template_markers) */
    const char *user_symbols;    /* comma-separated pieces kept whole; NULL: the template's markers, "" none */
    bool lossy_legacy;       /* SentencePiece's old defaults (no byte fallback, NFKC, spaces folded, dummy
                                prefix, digits joined): text does not round-trip, but tiny vocabularies (< 260 +
                                learned pieces) fit; overrides the settings above but a given normalization */
} rgtg_corpus_params_t;

/* unigram, seed 1, the lossless settings, no template; inputs, out and vocab_size to be filled. */
rgtg_corpus_params_t rgtg_corpus_default_params(void);

typedef struct {
    int64_t lines;          /* lines of training text */
    char settings[1024];    /* the trained model's settings as it records them (rgtg_spm_settings_describe) */
} rgtg_corpus_result_t;

/* Checks the settings, writes the training text to a temporary file, trains, removes the text, and
 * reads the settings back from the model written. */
rgtg_status_t rgtg_corpus_train_tokenizer(const rgtg_corpus_params_t *params, rgtg_corpus_result_t *result);

#endif
