/* core/tok/bpe.h: the BPE model of a tokenizer.json ("model": {"type": "BPE", ...}): the vocabulary,
 * the merges by rank, and the encoding of one pre-tokenized word of raw bytes into ids.
 *
 * Vocabulary strings are byte-level strings (byte_level.h); they are converted to raw bytes when
 * loaded, so a word is merged as bytes and never converted at encode time. Merging follows
 * Hugging Face tokenizers: start from one symbol per byte, repeatedly apply the merge of lowest rank
 * among adjacent pairs (leftmost first among equal ranks), with a binary heap over candidate pairs
 * and a linked list of symbols (O(n log n) per word). With ignore_merges (Llama-3), a word that is
 * itself in the vocabulary is one token without merging. Words up to TOK_BPE_CACHED_WORD_MAX bytes
 * are cached (word -> ids) in a scratch that the caller owns. */
#ifndef RGTG_CORE_TOK_BPE_H
#define RGTG_CORE_TOK_BPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "bytes.h"
#include "hashmap.h"

#define TOK_MAX_TOKEN_ID ((1 << 24) - 1) /* larger ids are refused: real vocabularies stay far below */
#define TOK_BPE_CACHED_WORD_MAX 255
#define TOK_BPE_CACHE_MAX_WORDS 200000 /* the cache is emptied when it grows past this */

typedef struct {
    int32_t id_limit;          /* 1 + the largest id of the model's vocabulary */
    tok_strmap_t piece_to_id;  /* vocabulary strings as written in the file -> id */
    tok_strmap_t bytes_to_id;  /* raw bytes of every byte-level vocabulary string -> id */
    uint32_t *piece_offset;    /* per id: where its string starts in piece_to_id's arena; UINT32_MAX: no token */
    uint32_t *piece_length;
    uint32_t *bytes_offset;    /* per id: its raw bytes in bytes_to_id's arena; UINT32_MAX: not byte-level */
    uint32_t *bytes_length;
    int32_t byte_id[256];      /* the id of each single byte, -1 where the vocabulary lacks it */
    tok_pairmap_t merges;      /* (left id << 32 | right id) -> (rank << 32 | merged id) */
    bool ignore_merges;
    int32_t unk_id;            /* -1: bytes without a token are dropped, as tokenizers does */
    bool fuse_unk;
} tok_bpe_t;

/* Per-caller working memory: the word cache and the merge buffers. */
typedef struct {
    tok_strmap_t cache;  /* word -> offset in cache_ids, where [count, ids...] are stored */
    tok_ids_t cache_ids;
    bool cache_ready;
    void *symbols, *heap, *alive;
    size_t symbol_capacity, heap_capacity;
} tok_bpe_scratch_t;

/* Loads the "model" object of path's tokenizer.json. Errors name path and the offending field. */
rgtg_status_t tok_bpe_load(const json_t *model, const char *path, tok_bpe_t *bpe);
void tok_bpe_free(tok_bpe_t *bpe);

/* Appends the ids of one word (raw bytes, n > 0). use_cache: look up and fill scratch's cache.
 * False only when memory ran out. */
bool tok_bpe_encode_word(const tok_bpe_t *bpe, tok_bpe_scratch_t *scratch, bool use_cache, const uint8_t *word,
                         size_t n, tok_ids_t *out);
void tok_bpe_scratch_free(tok_bpe_scratch_t *scratch);
/* Frees the merge buffers when a long word grew them past `symbols` symbols (the cache stays). */
void tok_bpe_scratch_trim(tok_bpe_scratch_t *scratch, size_t symbols);

/* The vocabulary string of id (not NUL-terminated; *length set), or NULL when id has no token. */
const char *tok_bpe_piece(const tok_bpe_t *bpe, int32_t id, size_t *length);
/* The raw bytes of id, or NULL when id has no token or its string is not byte-level. */
const char *tok_bpe_bytes(const tok_bpe_t *bpe, int32_t id, size_t *length);

#endif
