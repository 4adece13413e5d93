/* core/spm/spm.h: SentencePiece for the C side: train, load, encode, decode, piece lookups, the
 * settings a model records, and the round-trip check of a text.
 *
 * The real work happens in librgtg_spm.so (spm_shim.cpp), which links Debian's libsentencepiece.
 * spm.c loads it with dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) on first use, because
 * libsentencepiece bundles and exports protobuf 3.14 while libtorch uses the system's 3.21: both in
 * one link map crash at start-up (DESIGN.md). The library is looked up in $RGTG_SPM_LIB, then beside
 * the running executable, then in the build folder's core/ (and ../core/, ../lib/). */
#ifndef RGTG_CORE_SPM_H
#define RGTG_CORE_SPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

typedef struct rgtg_spm rgtg_spm_t;

/* Training settings. The defaults make a lossless tokenizer, one for which decode(encode(text)) ==
 * text for any UTF-8 text without NUL and without U+2581 ("\xe2\x96\x81", the character SentencePiece
 * writes for a space, which decode turns into a space): byte fallback, identity normalization, every
 * space kept, no dummy prefix. SentencePiece's own defaults (NFKC, whitespace folding, no byte
 * fallback) turn newlines into spaces and unknown characters into " \xe2\x81\x87 ". */
typedef struct {
    int vocab_size;          /* pieces in the trained model, the 4 specials and any byte pieces included */
    const char *model_type;  /* "unigram" or "bpe" */
    double character_coverage; /* 1.0 for small alphabets, 0.9995 for large ones */
    int threads;             /* trainer threads */
    int64_t input_sentence_size; /* sentences sampled from the input (0: all) */
    uint64_t seed;           /* sampling seed, for reproducible models */
    bool byte_fallback;      /* a character outside the vocabulary becomes its UTF-8 bytes, pieces <0x00>..<0xFF>
                                (256 of the vocab_size), never unk; newlines, which training never sees (it reads
                                one line at a time), come out as <0x0A> */
    const char *normalization; /* "identity" keeps text as it is; "nmt_nfkc", "nfkc", "nmt_nfkc_cf" and "nfkc_cf"
                                  rewrite it (nmt_nfkc, SentencePiece's default, turns newlines and tabs into spaces) */
    bool remove_extra_whitespaces; /* fold runs of spaces into one and drop leading and trailing ones (loses text) */
    bool add_dummy_prefix;   /* put a space before every text (decode takes one off again); off, a response's
                                leading space joins its first word in one piece instead of being a piece alone */
    bool allow_whitespace_only_pieces; /* pieces made of spaces only (runs of indentation) */
    bool split_digits;       /* every digit a piece of its own, so numbers are spelled the same everywhere */
    const char *const *user_symbols; /* pieces always kept whole wherever they occur, e.g. a template's "Human:"
                                        and "Assistant:"; none may be empty, repeat, or hold a comma or space */
    size_t user_symbol_count;
} rgtg_spm_train_params_t;

rgtg_spm_train_params_t rgtg_spm_train_default_params(void);

/* The marker rgtg_spm_train records in the model's trainer_spec.model_prefix, a field SentencePiece
 * only uses to name output files (training through rgtg leaves it otherwise empty). */
#define RGTG_SPM_MARKER "rgtg"

/* Trains on a text file (one sentence a line) and writes model_path atomically. Ids are fixed:
 * unk 0, bos 1, eos 2, pad 3 (LLaMA's first three, plus a pad piece), then the user symbols, then
 * the 256 byte pieces when byte fallback is on, then the learned pieces. */
rgtg_status_t rgtg_spm_train(const char *text_path, const char *model_path,
                             const rgtg_spm_train_params_t *params);

/* What a model file records about its training (its trainer_spec and normalizer_spec), read back
 * when the model is loaded. Strings are owned by the rgtg_spm_t. */
typedef struct {
    const char *model_type;  /* "unigram", "bpe", "word" or "char" */
    int vocab_size;
    double character_coverage;
    bool byte_fallback;
    const char *normalization; /* normalizer_spec.name: "identity", "nmt_nfkc", ...; "" when not recorded */
    bool remove_extra_whitespaces, add_dummy_prefix, escape_whitespaces;
    bool allow_whitespace_only_pieces, split_digits;
    const char *user_symbols; /* comma-separated, "" for none */
    bool trained_by_rgtg;    /* trainer_spec.model_prefix is RGTG_SPM_MARKER */
    bool lossless;           /* byte fallback, identity normalization, spaces kept: the settings that make
                                decode(encode(text)) == text (rgtg_spm_round_trip checks a given text) */
} rgtg_spm_settings_t;

rgtg_status_t rgtg_spm_load(const char *model_path, rgtg_spm_t **out);
void rgtg_spm_free(rgtg_spm_t *spm);

/* Encodes text (len bytes, no BOS/EOS added) into a malloc'd id array. */
rgtg_status_t rgtg_spm_encode(const rgtg_spm_t *spm, const char *text, size_t len,
                              int32_t **ids_out, size_t *count_out);
/* Decodes ids into a malloc'd NUL-terminated string; control ids (bos, eos, pad) are skipped. */
rgtg_status_t rgtg_spm_decode(const rgtg_spm_t *spm, const int32_t *ids, size_t count, char **text_out);

int rgtg_spm_vocab_size(const rgtg_spm_t *spm);
int rgtg_spm_bos_id(const rgtg_spm_t *spm);
int rgtg_spm_eos_id(const rgtg_spm_t *spm);
int rgtg_spm_pad_id(const rgtg_spm_t *spm);
int rgtg_spm_unk_id(const rgtg_spm_t *spm);
/* The piece of id (owned by spm, valid until rgtg_spm_free) or NULL when out of range. */
const char *rgtg_spm_id_to_piece(const rgtg_spm_t *spm, int id);
int rgtg_spm_piece_to_id(const rgtg_spm_t *spm, const char *piece); /* unk id when unknown */

/* The settings the model records (never NULL for a loaded model). */
const rgtg_spm_settings_t *rgtg_spm_settings(const rgtg_spm_t *spm);
/* The settings as one line: "unigram vocab 8000 byte_fallback on normalization identity ...". */
void rgtg_spm_settings_describe(const rgtg_spm_settings_t *settings, char *out, size_t capacity);

/* Whether a text survives the tokenizer: decode(encode(text)) == text, byte for byte. */
typedef struct {
    bool exact;
    size_t unknown_pieces;   /* encoded pieces that are the unk piece (0 with byte fallback) */
    size_t first_difference; /* when not exact: the byte offset in text where the decoded text departs */
} rgtg_spm_round_trip_t;

/* Encodes len bytes of text, decodes the ids and compares the result with text. */
rgtg_status_t rgtg_spm_round_trip(const rgtg_spm_t *spm, const char *text, size_t len, rgtg_spm_round_trip_t *out);
/* The same for ids the caller has already encoded from text (one decode, no encode). */
rgtg_status_t rgtg_spm_round_trip_ids(const rgtg_spm_t *spm, const char *text, size_t len, const int32_t *ids,
                                      size_t count, rgtg_spm_round_trip_t *out);

#endif
