/* data/prefs_h5.h: the HDF5 preference file (data/FORMAT.md): a streaming writer (temporary file,
 * renamed on commit) and the validating reader that training uses.
 *
 * A file holds pairs (prompt, chosen, rejected) as token ids stored flat with offsets, a split per
 * pair, and optionally the prefix index (pair id, prefix length) written by rgtg_prefs_expand. */
#ifndef RGTG_DATA_PREFS_H5_H
#define RGTG_DATA_PREFS_H5_H

#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

#define RGTG_PREFS_FORMAT_VERSION 1

typedef enum { RGTG_SPLIT_TRAIN = 0, RGTG_SPLIT_VALID = 1, RGTG_SPLIT_TEST = 2, RGTG_SPLIT_COUNT = 3 } rgtg_split_t;

/* "train", "valid", "test". */
const char *rgtg_split_name(int split);
/* The split called name ("train", "valid", "test"), or -1. */
int rgtg_split_from_name(const char *name);

/* Turns len bytes of text into a malloc'd id array (no BOS/EOS); ctx is the tokenizer (e.g. an
 * rgtg_tokenizer_t through a one-line adapter around rgtg_tokenizer_encode). */
typedef rgtg_status_t (*rgtg_tokenize_fn)(void *ctx, const char *text, size_t len, int32_t **ids, size_t *count);

/* What the root attributes record about how the file was made (strings are copied). */
typedef struct {
    const char *tokenizer_sha256; /* sha256 of the tokenizer file, lowercase hex */
    int32_t vocab_size;           /* every token id is in [0, vocab_size) */
    int32_t eos_id;               /* appended to every response */
    int32_t pad_id;
    const char *template_name;
    const char *template_text;
    const char *source_files;     /* the inputs, one path a line */
    const char *source_sha256;    /* their sha256s, one a line, same order */
    uint64_t seed;                /* the seed of selection and splits */
    const char *options;          /* how the file was made ("max_len=512 truncate=drop ..."); NULL: none */
} rgtg_prefs_attrs_t;

/* Counts known at the end of a conversion; rows_kept is the number of pairs written. */
typedef struct {
    int64_t rows_read;
    const char *const *drop_reasons; /* written as attributes "dropped_<reason>" */
    const int64_t *drop_counts;
    size_t drop_reason_count;
    const char *round_trip; /* per source "rows inexact_rows unknown_pieces SOURCE" lines (data/round_trip.h); NULL: none */
} rgtg_prefs_counts_t;

typedef struct rgtg_prefs_writer rgtg_prefs_writer_t;

/* Creates a temporary file beside path; nothing appears at path before commit. */
rgtg_status_t rgtg_prefs_writer_open(const char *path, const rgtg_prefs_attrs_t *attrs, rgtg_prefs_writer_t **out);
/* Appends one pair; EOS is appended to chosen and rejected here. Memory stays bounded: buffers are
 * flushed into extendible datasets. A pair refused for its content (RGTG_ERR_INVALID: a token outside
 * the vocabulary, a bad split) leaves the writer usable; after a failed write only abort is left. */
rgtg_status_t rgtg_prefs_writer_add(rgtg_prefs_writer_t *w, const int32_t *prompt, size_t prompt_len,
                                    const int32_t *chosen, size_t chosen_len, const int32_t *rejected,
                                    size_t rejected_len, int split);
/* Tokenizes the three texts with tokenize(ctx, ...) and appends them. */
rgtg_status_t rgtg_prefs_writer_add_text(rgtg_prefs_writer_t *w, rgtg_tokenize_fn tokenize, void *ctx,
                                         const char *prompt, const char *chosen, const char *rejected, int split);
int64_t rgtg_prefs_writer_pair_count(const rgtg_prefs_writer_t *w);
/* Writes the counts (NULL: rows_read = pairs, no drops), closes, and renames onto path; frees w in
 * every case. On failure the temporary file is removed. */
rgtg_status_t rgtg_prefs_writer_commit(rgtg_prefs_writer_t *w, const rgtg_prefs_counts_t *counts);
/* Closes and removes the temporary file; frees w (NULL is fine). */
void rgtg_prefs_writer_abort(rgtg_prefs_writer_t *w);

/* ---- reader ---- */

typedef struct {
    const int32_t *ids; /* NULL when the file was opened with rgtg_prefs_open_index */
    int64_t len;
} rgtg_token_span_t;

typedef struct {
    rgtg_token_span_t prompt, chosen, rejected; /* chosen and rejected end with EOS */
    int split;
} rgtg_pref_pair_t;

typedef struct {
    int format_version;
    char *tokenizer_sha256;
    int32_t vocab_size, eos_id, pad_id;
    char *template_name, *template_text, *source_files, *source_sha256, *options, *round_trip; /* "" when absent */
    uint64_t seed;
    int64_t rows_read, rows_kept;
    size_t drop_reason_count;
    char **drop_reasons; /* without the "dropped_" prefix */
    int64_t *drop_counts;
    /* Set by rgtg_prefs_expand (has_prefix 0 before): */
    int has_prefix;
    double ratio;          /* the requested ratio; RGTG_EXPAND_ALL's value when every prefix was listed */
    uint64_t expand_seed;
    int prefix_all;        /* 1: every prefix of every pair is listed */
    int prefix_saturated[RGTG_SPLIT_COUNT]; /* 1: the ratio asked for more prefixes than exist */
} rgtg_prefs_info_t;

typedef struct rgtg_prefs rgtg_prefs_t;

/* Opens and validates a file; offsets, splits, prefix index and (for now) all tokens are loaded into
 * memory and the HDF5 file is closed. Errors read "PATH: dataset /x: reason". */
rgtg_status_t rgtg_prefs_open(const char *path, rgtg_prefs_t **out);
/* The same without the token arrays (lengths and prefix index only): for expansion and statistics. */
rgtg_status_t rgtg_prefs_open_index(const char *path, rgtg_prefs_t **out);
void rgtg_prefs_close(rgtg_prefs_t *f);

const rgtg_prefs_info_t *rgtg_prefs_info(const rgtg_prefs_t *f);
int64_t rgtg_prefs_pair_count(const rgtg_prefs_t *f);
/* Pairs in a split (0 for a split out of range). */
int64_t rgtg_prefs_count(const rgtg_prefs_t *f, int split);
/* The ids of the pairs in a split, ascending (owned by f). */
const int64_t *rgtg_prefs_split_pairs(const rgtg_prefs_t *f, int split, int64_t *count);
/* Pair i's spans (pointers into f, valid until close). */
rgtg_status_t rgtg_prefs_get(const rgtg_prefs_t *f, int64_t i, rgtg_pref_pair_t *pair);
/* max(|chosen|, |rejected|) of pair i, EOS counted: the longest prefix length; -1 when out of range. */
int64_t rgtg_prefs_max_prefix_len(const rgtg_prefs_t *f, int64_t i);
/* The prefix index of a split: pair ids and lengths (owned by f); count 0 when the file has none. */
void rgtg_prefs_prefixes(const rgtg_prefs_t *f, int split, const int64_t **pairs, const int32_t **lens,
                         int64_t *count);

#endif
