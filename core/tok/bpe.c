/* core/tok/bpe.c: the BPE model: loading vocabulary and merges from tokenizer.json's "model",
 * merging one word by rank with a heap, and the per-caller word cache (see bpe.h). */
#include "bpe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byte_level.h"

typedef struct {
    int32_t id;
    int32_t prev, next;
} symbol_t;

typedef struct {
    uint32_t rank;
    uint32_t pos;
    int32_t merged_id;
} candidate_t;

static rgtg_status_t nomem(const char *path) {
    return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory while loading the BPE model", path);
}

static rgtg_status_t check_options(const json_t *model, const char *path, tok_bpe_t *bpe) {
    const json_t *dropout = json_object_get(model, "dropout");
    if (dropout && !json_is_null(dropout) && (!json_is_number(dropout) || json_number_value(dropout) != 0.0))
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: model.dropout: BPE dropout (random merges) is not supported",
                              path);
    static const char *const affixes[] = {"continuing_subword_prefix", "end_of_word_suffix"};
    for (size_t i = 0; i < 2; i++) {
        const json_t *affix = json_object_get(model, affixes[i]);
        if (affix && !json_is_null(affix) && !(json_is_string(affix) && json_string_length(affix) == 0))
            return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: model.%s: only empty or null is supported", path,
                                  affixes[i]);
    }
    const json_t *byte_fallback = json_object_get(model, "byte_fallback");
    if (json_is_true(byte_fallback))
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED,
                              "%s: model.byte_fallback: <0xNN> byte fallback (a SentencePiece-style tokenizer.json) "
                              "is not supported",
                              path);
    bpe->ignore_merges = json_is_true(json_object_get(model, "ignore_merges"));
    bpe->fuse_unk = json_is_true(json_object_get(model, "fuse_unk"));
    return RGTG_OK;
}

static rgtg_status_t load_vocab(const json_t *vocab, const char *path, tok_bpe_t *bpe) {
    if (!json_is_object(vocab)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: model.vocab must be an object", path);
    size_t count = json_object_size(vocab);
    int64_t max_id = -1;
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)vocab, key, value) {
        if (!json_is_integer(value) || json_integer_value(value) < 0 || json_integer_value(value) > TOK_MAX_TOKEN_ID)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: model.vocab[\"%s\"] must be an integer id from 0 to %d", path,
                                  key, TOK_MAX_TOKEN_ID);
        if (json_integer_value(value) > max_id) max_id = json_integer_value(value);
    }
    bpe->id_limit = (int32_t)(max_id + 1);
    size_t n = (size_t)bpe->id_limit;
    bpe->piece_offset = malloc((n ? n : 1) * sizeof *bpe->piece_offset);
    bpe->piece_length = calloc(n ? n : 1, sizeof *bpe->piece_length);
    bpe->bytes_offset = malloc((n ? n : 1) * sizeof *bpe->bytes_offset);
    bpe->bytes_length = calloc(n ? n : 1, sizeof *bpe->bytes_length);
    if (!bpe->piece_offset || !bpe->piece_length || !bpe->bytes_offset || !bpe->bytes_length ||
        !tok_strmap_init(&bpe->piece_to_id, count) || !tok_strmap_init(&bpe->bytes_to_id, count))
        return nomem(path);
    memset(bpe->piece_offset, 0xFF, n * sizeof *bpe->piece_offset);
    memset(bpe->bytes_offset, 0xFF, n * sizeof *bpe->bytes_offset);
    tok_bytes_t raw = {0};
    rgtg_status_t st = RGTG_OK;
    json_object_foreach((json_t *)vocab, key, value) {
        int32_t id = (int32_t)json_integer_value(value);
        size_t key_length = strlen(key);
        if (bpe->piece_offset[id] != UINT32_MAX) {
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: model.vocab: id %d is given to two tokens", path, id);
            break;
        }
        bpe->piece_offset[id] = (uint32_t)bpe->piece_to_id.arena_length;
        bpe->piece_length[id] = (uint32_t)key_length;
        bool existed, out_of_memory;
        if (!tok_strmap_put(&bpe->piece_to_id, key, key_length, id, &existed)) {
            st = nomem(path);
            break;
        }
        raw.length = 0;
        if (!tok_byte_level_to_bytes(key, key_length, &raw, &out_of_memory)) {
            if (out_of_memory) {
                st = nomem(path);
                break;
            }
            continue; /* not a byte-level string: decodes as its own UTF-8, never produced by merging */
        }
        uint32_t offset = (uint32_t)bpe->bytes_to_id.arena_length;
        if (!tok_strmap_put(&bpe->bytes_to_id, raw.data, raw.length, id, &existed)) {
            st = nomem(path);
            break;
        }
        if (!existed) {
            bpe->bytes_offset[id] = offset;
            bpe->bytes_length[id] = (uint32_t)raw.length;
        }
    }
    tok_bytes_free(&raw);
    if (st != RGTG_OK) return st;
    for (int b = 0; b < 256; b++) {
        uint8_t byte = (uint8_t)b;
        int32_t id;
        bpe->byte_id[b] = tok_strmap_get(&bpe->bytes_to_id, &byte, 1, &id) ? id : -1;
    }
    return RGTG_OK;
}

/* Splits merge i ("left right" or ["left", "right"]) into its two strings. */
static rgtg_status_t merge_parts(const json_t *merge, size_t i, const char *path, const char **left,
                                 size_t *left_length, const char **right, size_t *right_length) {
    if (json_is_string(merge)) {
        const char *text = json_string_value(merge);
        const char *space = strchr(text, ' ');
        if (!space || strchr(space + 1, ' '))
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: model.merges[%zu]: \"%s\" is not two tokens split by a space",
                                  path, i, text);
        *left = text;
        *left_length = (size_t)(space - text);
        *right = space + 1;
        *right_length = strlen(space + 1);
        return RGTG_OK;
    }
    if (json_is_array(merge) && json_array_size(merge) == 2 && json_is_string(json_array_get(merge, 0)) &&
        json_is_string(json_array_get(merge, 1))) {
        *left = json_string_value(json_array_get(merge, 0));
        *left_length = json_string_length(json_array_get(merge, 0));
        *right = json_string_value(json_array_get(merge, 1));
        *right_length = json_string_length(json_array_get(merge, 1));
        return RGTG_OK;
    }
    return rgtg_error_set(RGTG_ERR_FORMAT, "%s: model.merges[%zu] must be \"left right\" or [\"left\", \"right\"]",
                          path, i);
}

static rgtg_status_t load_merges(const json_t *merges, const char *path, tok_bpe_t *bpe) {
    if (!json_is_array(merges)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: model.merges must be an array", path);
    size_t count = json_array_size(merges);
    if (count >= UINT32_MAX) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: model.merges: too many merges", path);
    if (!tok_pairmap_init(&bpe->merges, count)) return nomem(path);
    tok_bytes_t joined = {0};
    rgtg_status_t st = RGTG_OK;
    for (size_t i = 0; i < count && st == RGTG_OK; i++) {
        const char *left = NULL, *right = NULL;
        size_t left_length = 0, right_length = 0;
        st = merge_parts(json_array_get(merges, i), i, path, &left, &left_length, &right, &right_length);
        if (st != RGTG_OK) break;
        int32_t left_id, right_id, merged_id;
        joined.length = 0;
        if (!tok_bytes_append(&joined, left, left_length) || !tok_bytes_append(&joined, right, right_length)) {
            st = nomem(path);
            break;
        }
        const char *missing = NULL;
        if (!tok_strmap_get(&bpe->piece_to_id, left, left_length, &left_id)) missing = "left";
        else if (!tok_strmap_get(&bpe->piece_to_id, right, right_length, &right_id)) missing = "right";
        else if (!tok_strmap_get(&bpe->piece_to_id, joined.data, joined.length, &merged_id)) missing = "merged";
        if (missing) {
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: model.merges[%zu]: the %s token of \"%.*s\" + \"%.*s\" is not in "
                                "the vocabulary",
                                path, i, missing, (int)left_length, left, (int)right_length, right);
            break;
        }
        bool existed;
        uint64_t key = ((uint64_t)(uint32_t)left_id << 32) | (uint32_t)right_id;
        if (!tok_pairmap_put(&bpe->merges, key, ((uint64_t)i << 32) | (uint32_t)merged_id, &existed)) {
            st = nomem(path);
            break;
        }
        /* a repeated pair takes its last rank, as tokenizers' map of merges does */
    }
    tok_bytes_free(&joined);
    return st;
}

rgtg_status_t tok_bpe_load(const json_t *model, const char *path, tok_bpe_t *bpe) {
    memset(bpe, 0, sizeof *bpe);
    bpe->unk_id = -1;
    if (!json_is_object(model)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: \"model\" must be an object", path);
    const json_t *type = json_object_get(model, "type");
    if (type && (!json_is_string(type) || strcmp(json_string_value(type), "BPE") != 0))
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: model.type \"%s\" is not supported (only BPE)", path,
                              json_is_string(type) ? json_string_value(type) : "?");
    rgtg_status_t st = check_options(model, path, bpe);
    if (st == RGTG_OK) st = load_vocab(json_object_get(model, "vocab"), path, bpe);
    if (st == RGTG_OK) st = load_merges(json_object_get(model, "merges"), path, bpe);
    const json_t *unk = json_object_get(model, "unk_token");
    if (st == RGTG_OK && unk && !json_is_null(unk)) {
        if (!json_is_string(unk) ||
            !tok_strmap_get(&bpe->piece_to_id, json_string_value(unk), json_string_length(unk), &bpe->unk_id))
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: model.unk_token is not a token of the vocabulary", path);
    }
    if (st != RGTG_OK) tok_bpe_free(bpe);
    return st;
}

void tok_bpe_free(tok_bpe_t *bpe) {
    tok_strmap_free(&bpe->piece_to_id);
    tok_strmap_free(&bpe->bytes_to_id);
    tok_pairmap_free(&bpe->merges);
    free(bpe->piece_offset);
    free(bpe->piece_length);
    free(bpe->bytes_offset);
    free(bpe->bytes_length);
    memset(bpe, 0, sizeof *bpe);
}

const char *tok_bpe_piece(const tok_bpe_t *bpe, int32_t id, size_t *length) {
    if (id < 0 || id >= bpe->id_limit || bpe->piece_offset[id] == UINT32_MAX) return NULL;
    *length = bpe->piece_length[id];
    return bpe->piece_to_id.arena + bpe->piece_offset[id];
}

const char *tok_bpe_bytes(const tok_bpe_t *bpe, int32_t id, size_t *length) {
    if (id < 0 || id >= bpe->id_limit || bpe->bytes_offset[id] == UINT32_MAX) return NULL;
    *length = bpe->bytes_length[id];
    return bpe->bytes_to_id.arena + bpe->bytes_offset[id];
}

/* ---- merging ---------------------------------------------------------------------------------- */

static bool grow_scratch(tok_bpe_scratch_t *s, size_t n) {
    if (n > s->symbol_capacity) {
        size_t capacity = s->symbol_capacity ? s->symbol_capacity : 64;
        while (capacity < n) capacity *= 2;
        void *symbols = realloc(s->symbols, capacity * sizeof(symbol_t));
        if (!symbols) return false;
        s->symbols = symbols;
        void *alive = realloc(s->alive, capacity);
        if (!alive) return false;
        s->alive = alive;
        s->symbol_capacity = capacity;
    }
    size_t heap_needed = 3 * n; /* n-1 initial pairs + at most 2 new pairs per merge */
    if (heap_needed > s->heap_capacity) {
        size_t capacity = s->heap_capacity ? s->heap_capacity : 192;
        while (capacity < heap_needed) capacity *= 2;
        void *heap = realloc(s->heap, capacity * sizeof(candidate_t));
        if (!heap) return false;
        s->heap = heap;
        s->heap_capacity = capacity;
    }
    return true;
}

static inline bool candidate_less(const candidate_t *a, const candidate_t *b) {
    return a->rank != b->rank ? a->rank < b->rank : a->pos < b->pos;
}

static void heap_push(candidate_t *heap, size_t *size, candidate_t c) {
    size_t i = (*size)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!candidate_less(&c, &heap[parent])) break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = c;
}

static candidate_t heap_pop(candidate_t *heap, size_t *size) {
    candidate_t top = heap[0], last = heap[--(*size)];
    size_t i = 0, n = *size;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && candidate_less(&heap[child + 1], &heap[child])) child++;
        if (!candidate_less(&heap[child], &last)) break;
        heap[i] = heap[child];
        i = child;
    }
    if (n) heap[i] = last;
    return top;
}

static inline bool lookup_merge(const tok_bpe_t *bpe, int32_t left, int32_t right, uint64_t *merge) {
    if (left < 0 || right < 0) return false;
    return tok_pairmap_get(&bpe->merges, ((uint64_t)(uint32_t)left << 32) | (uint32_t)right, merge);
}

static void push_pair(const tok_bpe_t *bpe, const symbol_t *symbols, uint32_t pos, candidate_t *heap, size_t *size) {
    uint64_t merge;
    int32_t next = symbols[pos].next;
    if (lookup_merge(bpe, symbols[pos].id, symbols[next].id, &merge))
        heap_push(heap, size, (candidate_t){(uint32_t)(merge >> 32), pos, (int32_t)(uint32_t)merge});
}

static bool emit_symbols(const tok_bpe_t *bpe, const symbol_t *symbols, tok_ids_t *out) {
    bool previous_unknown = false;
    for (int32_t i = 0; i >= 0; i = symbols[i].next) {
        int32_t id = symbols[i].id;
        if (id < 0) { /* a byte without a token */
            if (bpe->unk_id < 0) continue;
            if (bpe->fuse_unk && previous_unknown) continue;
            id = bpe->unk_id;
            previous_unknown = true;
        } else {
            previous_unknown = false;
        }
        if (!tok_ids_push(out, id)) return false;
    }
    return true;
}

static bool merge_word(const tok_bpe_t *bpe, tok_bpe_scratch_t *s, const uint8_t *word, size_t n, tok_ids_t *out) {
    if (!grow_scratch(s, n)) return false;
    symbol_t *symbols = s->symbols;
    uint8_t *alive = s->alive;
    candidate_t *heap = s->heap;
    size_t heap_size = 0;
    for (size_t i = 0; i < n; i++) {
        symbols[i] = (symbol_t){bpe->byte_id[word[i]], (int32_t)i - 1, i + 1 < n ? (int32_t)i + 1 : -1};
        alive[i] = 1;
    }
    for (size_t i = 0; i + 1 < n; i++) push_pair(bpe, symbols, (uint32_t)i, heap, &heap_size);
    while (heap_size) {
        candidate_t c = heap_pop(heap, &heap_size);
        symbol_t *left = &symbols[c.pos];
        if (!alive[c.pos] || left->next < 0) continue;
        uint64_t merge;
        int32_t right_pos = left->next;
        /* stale: a side has changed since the pair was queued, so the pair no longer yields this merge */
        if (!lookup_merge(bpe, left->id, symbols[right_pos].id, &merge) || (int32_t)(uint32_t)merge != c.merged_id)
            continue;
        left->id = c.merged_id;
        alive[right_pos] = 0;
        left->next = symbols[right_pos].next;
        if (left->next >= 0) symbols[left->next].prev = (int32_t)c.pos;
        if (left->prev >= 0) push_pair(bpe, symbols, (uint32_t)left->prev, heap, &heap_size);
        if (left->next >= 0) push_pair(bpe, symbols, c.pos, heap, &heap_size);
    }
    return emit_symbols(bpe, symbols, out);
}

bool tok_bpe_encode_word(const tok_bpe_t *bpe, tok_bpe_scratch_t *scratch, bool use_cache, const uint8_t *word,
                         size_t n, tok_ids_t *out) {
    int32_t id;
    if (n == 1) {
        id = bpe->byte_id[word[0]];
        if (id >= 0) return tok_ids_push(out, id);
        return bpe->unk_id < 0 || tok_ids_push(out, bpe->unk_id);
    }
    uint64_t hash = tok_hash_bytes(word, n); /* one hash for the vocabulary and the cache */
    if (bpe->ignore_merges && tok_strmap_get_hashed(&bpe->bytes_to_id, word, n, hash, &id)) return tok_ids_push(out, id);
    use_cache = use_cache && n <= TOK_BPE_CACHED_WORD_MAX;
    if (use_cache) {
        if (!scratch->cache_ready) {
            if (!tok_strmap_init(&scratch->cache, 4096)) return false;
            scratch->cache_ready = true;
        }
        int32_t offset;
        if (tok_strmap_get_hashed(&scratch->cache, word, n, hash, &offset))
            return tok_ids_append(out, scratch->cache_ids.data + offset + 1, (size_t)scratch->cache_ids.data[offset]);
    }
    size_t first = out->length;
    if (!merge_word(bpe, scratch, word, n, out)) return false;
    if (use_cache) {
        if (scratch->cache.count >= TOK_BPE_CACHE_MAX_WORDS || scratch->cache_ids.length > INT32_MAX / 2) {
            tok_strmap_clear(&scratch->cache);
            scratch->cache_ids.length = 0;
        }
        size_t count = out->length - first, offset = scratch->cache_ids.length;
        if (!tok_ids_push(&scratch->cache_ids, (int32_t)count) ||
            !tok_ids_append(&scratch->cache_ids, out->data + first, count) ||
            !tok_strmap_put_hashed(&scratch->cache, word, n, hash, (int32_t)offset, NULL))
            return false;
    }
    return true;
}

void tok_bpe_scratch_free(tok_bpe_scratch_t *scratch) {
    if (scratch->cache_ready) tok_strmap_free(&scratch->cache);
    tok_ids_free(&scratch->cache_ids);
    free(scratch->symbols);
    free(scratch->heap);
    free(scratch->alive);
    memset(scratch, 0, sizeof *scratch);
}

void tok_bpe_scratch_trim(tok_bpe_scratch_t *scratch, size_t symbols) {
    if (scratch->symbol_capacity <= symbols) return;
    free(scratch->symbols);
    free(scratch->heap);
    free(scratch->alive);
    scratch->symbols = scratch->heap = scratch->alive = NULL;
    scratch->symbol_capacity = scratch->heap_capacity = 0;
}
