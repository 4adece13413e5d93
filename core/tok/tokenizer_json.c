/* core/tok/tokenizer_json.c: loading a byte-level BPE tokenizer.json (with its
 * tokenizer_config.json) and running encode and decode through its parts (see tokenizer_json.h). */
#include "tokenizer_json.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fsutil.h"
#include "added_tokens.h"
#include "bpe.h"
#include "normalizer.h"
#include "pretokenizer.h"
#include "tokenizer_config.h"
#include "utf8.h"

enum { ID_ADDED = 1, ID_SPECIAL = 2 };

typedef struct {
    tok_bpe_scratch_t bpe;
    tok_regex_matcher_t *matcher;
    tok_bytes_t sanitized, normalized, prefix;
} scratch_t;

struct tok_json {
    tok_bpe_t bpe;
    tok_normalizer_t normalizer;
    tok_pretokenizer_t pretokenizer;
    tok_added_tokens_t added;
    tok_strmap_t added_by_content;
    int32_t vocab_size;
    uint8_t *id_flags;      /* ID_ADDED, ID_SPECIAL per id */
    int32_t *added_index;   /* per id: index into added.tokens, or -1 */
    int32_t bos_id, eos_id, pad_id, unk_id;
    bool add_bos, add_eos;
    pthread_mutex_t *shared_lock;
    scratch_t *shared;
};

static void scratch_free(scratch_t *s) {
    if (!s) return;
    tok_bpe_scratch_free(&s->bpe);
    tok_regex_matcher_free(s->matcher);
    tok_bytes_free(&s->sanitized);
    tok_bytes_free(&s->normalized);
    tok_bytes_free(&s->prefix);
    free(s);
}

static scratch_t *scratch_new(void) {
    scratch_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->matcher = tok_regex_matcher_new();
    if (!s->matcher) {
        scratch_free(s);
        return NULL;
    }
    return s;
}

/* ---- loading ---------------------------------------------------------------------------------- */

static rgtg_status_t check_decoder(const json_t *decoder, const char *path) {
    const char *type = json_string_value(json_object_get(decoder, "type"));
    if (type && strcmp(type, "ByteLevel") == 0) return RGTG_OK;
    return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: decoder \"%s\" is not supported (only ByteLevel)", path,
                          type ? type : (decoder && !json_is_null(decoder) ? "?" : "null"));
}

/* The id that a template's {"SpecialToken": {"id": NAME}} stands for. */
static rgtg_status_t template_token(const json_t *processor, const json_t *item, const char *path, int32_t *id) {
    const char *name = json_string_value(json_object_get(json_object_get(item, "SpecialToken"), "id"));
    const json_t *ids = json_object_get(json_object_get(json_object_get(processor, "special_tokens"), name), "ids");
    if (!name || !json_is_array(ids) || json_array_size(ids) != 1 || !json_is_integer(json_array_get(ids, 0)))
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: post_processor: template token %s must map to exactly one id "
                              "in special_tokens",
                              path, name ? name : "?");
    *id = (int32_t)json_integer_value(json_array_get(ids, 0));
    return RGTG_OK;
}

/* Reads which special tokens the post-processor puts around a single sequence. */
static rgtg_status_t load_post_processor(const json_t *pp, const char *path, int32_t *template_bos,
                                         int32_t *template_eos) {
    if (pp == NULL || json_is_null(pp)) return RGTG_OK;
    const char *type = json_string_value(json_object_get(pp, "type"));
    if (!type) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: post_processor without a \"type\"", path);
    if (strcmp(type, "ByteLevel") == 0) return RGTG_OK; /* only trims offsets */
    if (strcmp(type, "Sequence") == 0) {
        const json_t *list = json_object_get(pp, "processors");
        for (size_t i = 0; i < json_array_size(list); i++) {
            rgtg_status_t st = load_post_processor(json_array_get(list, i), path, template_bos, template_eos);
            if (st != RGTG_OK) return st;
        }
        return RGTG_OK;
    }
    if (strcmp(type, "TemplateProcessing") != 0)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: post_processor \"%s\" is not supported (TemplateProcessing, "
                              "ByteLevel, Sequence)",
                              path, type);
    const json_t *single = json_object_get(pp, "single");
    size_t n = json_array_size(single);
    if (n == 0) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: post_processor: TemplateProcessing without \"single\"", path);
    size_t sequences = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(single, i);
        if (json_object_get(item, "Sequence")) {
            sequences++;
            continue;
        }
        if (i != 0 && i != n - 1)
            return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: post_processor: a template token inside the sequence is "
                                  "not supported",
                                  path);
    }
    if (sequences != 1)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: post_processor: the single template must hold the sequence "
                              "exactly once",
                              path);
    rgtg_status_t st = RGTG_OK;
    if (json_object_get(json_array_get(single, 0), "SpecialToken"))
        st = template_token(pp, json_array_get(single, 0), path, template_bos);
    if (st == RGTG_OK && n > 1 && json_object_get(json_array_get(single, n - 1), "SpecialToken"))
        st = template_token(pp, json_array_get(single, n - 1), path, template_eos);
    return st;
}

static rgtg_status_t index_ids(tok_json_t *t, const char *path) {
    int32_t limit = t->bpe.id_limit;
    for (size_t i = 0; i < t->added.count; i++)
        if (t->added.tokens[i].id + 1 > limit) limit = t->added.tokens[i].id + 1;
    t->vocab_size = limit;
    t->id_flags = calloc((size_t)limit + 1, 1);
    t->added_index = malloc(((size_t)limit + 1) * sizeof *t->added_index);
    if (!t->id_flags || !t->added_index || !tok_strmap_init(&t->added_by_content, t->added.count))
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    for (int32_t id = 0; id < limit; id++) t->added_index[id] = -1;
    for (size_t i = 0; i < t->added.count; i++) {
        const tok_added_token_t *a = &t->added.tokens[i];
        if (t->added_index[a->id] >= 0)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: added_tokens: id %d is given twice", path, a->id);
        t->added_index[a->id] = (int32_t)i;
        t->id_flags[a->id] = (uint8_t)(ID_ADDED | (a->special ? ID_SPECIAL : 0));
        if (!tok_strmap_put(&t->added_by_content, a->content, a->length, a->id, NULL))
            return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    return RGTG_OK;
}

/* The id of a token named in tokenizer_config.json; name NULL leaves *id as it is. */
static rgtg_status_t named_id(const tok_json_t *t, const char *name, const char *field, const char *config_path,
                              int32_t *id) {
    if (!name) return RGTG_OK;
    int32_t found = tok_json_piece_to_id(t, name, strlen(name));
    if (found < 0)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: %s \"%s\" is not a token of the tokenizer", config_path, field, name);
    *id = found;
    return RGTG_OK;
}

static rgtg_status_t load_specials(tok_json_t *t, const json_t *root, const char *path, const char *config_path) {
    int32_t template_bos = -1, template_eos = -1;
    rgtg_status_t st = load_post_processor(json_object_get(root, "post_processor"), path, &template_bos, &template_eos);
    if (st != RGTG_OK) return st;
    tok_tokenizer_config_t config;
    tok_tokenizer_config_init(&config);
    if (config_path && (st = tok_tokenizer_config_load(config_path, &config)) != RGTG_OK) return st;
    t->bos_id = template_bos;
    t->eos_id = template_eos;
    t->pad_id = -1;
    t->unk_id = t->bpe.unk_id;
    st = named_id(t, config.bos_token, "bos_token", config_path, &t->bos_id);
    if (st == RGTG_OK) st = named_id(t, config.eos_token, "eos_token", config_path, &t->eos_id);
    if (st == RGTG_OK) st = named_id(t, config.pad_token, "pad_token", config_path, &t->pad_id);
    if (st == RGTG_OK) st = named_id(t, config.unk_token, "unk_token", config_path, &t->unk_id);
    t->add_bos = config.add_bos_token >= 0 ? config.add_bos_token == 1 : template_bos >= 0;
    t->add_eos = config.add_eos_token >= 0 ? config.add_eos_token == 1 : template_eos >= 0;
    if (st == RGTG_OK && t->add_bos && t->bos_id < 0)
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: add_bos_token is true but no bos_token is named", config_path);
    if (st == RGTG_OK && t->add_eos && t->eos_id < 0)
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: add_eos_token is true but no eos_token is named", config_path);
    tok_tokenizer_config_free(&config);
    return st;
}

static rgtg_status_t load_parts(tok_json_t *t, const json_t *root, const char *path, const char *config_path) {
    if (!json_is_object(root)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: must hold a JSON object", path);
    rgtg_status_t st = tok_normalizer_load(json_object_get(root, "normalizer"), path, &t->normalizer);
    if (st == RGTG_OK) st = check_decoder(json_object_get(root, "decoder"), path);
    if (st == RGTG_OK) st = tok_pretokenizer_load(json_object_get(root, "pre_tokenizer"), path, &t->pretokenizer);
    if (st == RGTG_OK) st = tok_bpe_load(json_object_get(root, "model"), path, &t->bpe);
    if (st == RGTG_OK) st = tok_added_tokens_load(json_object_get(root, "added_tokens"), &t->normalizer, path, &t->added);
    if (st == RGTG_OK) st = index_ids(t, path);
    if (st == RGTG_OK) st = load_specials(t, root, path, config_path);
    return st;
}

rgtg_status_t tok_json_load(const char *json_path, const char *config_path, tok_json_t **out) {
    *out = NULL;
    char *data;
    size_t size;
    rgtg_status_t read = rgtg_read_file(json_path, &data, &size); /* one read: jansson's file reader goes by fgetc */
    if (read != RGTG_OK) return read;
    json_error_t error;
    json_t *root = json_loadb(data, size, 0, &error);
    free(data);
    if (!root) return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%d:%d: %s", json_path, error.line, error.column, error.text);
    tok_json_t *t = calloc(1, sizeof *t);
    rgtg_status_t st = t ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", json_path);
    if (st == RGTG_OK) st = load_parts(t, root, json_path, config_path);
    json_decref(root);
    if (st == RGTG_OK) {
        t->shared_lock = malloc(sizeof *t->shared_lock);
        t->shared = scratch_new();
        if (!t->shared_lock || !t->shared || pthread_mutex_init(t->shared_lock, NULL) != 0) {
            free(t->shared_lock);
            t->shared_lock = NULL;
            st = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", json_path);
        }
    }
    if (st != RGTG_OK) {
        tok_json_free(t);
        return st;
    }
    *out = t;
    return RGTG_OK;
}

void tok_json_free(tok_json_t *t) {
    if (!t) return;
    tok_bpe_free(&t->bpe);
    tok_pretokenizer_free(&t->pretokenizer);
    tok_added_tokens_free(&t->added);
    if (t->added_by_content.slots) tok_strmap_free(&t->added_by_content);
    free(t->id_flags);
    free(t->added_index);
    scratch_free(t->shared);
    if (t->shared_lock) {
        pthread_mutex_destroy(t->shared_lock);
        free(t->shared_lock);
    }
    free(t);
}

/* ---- encoding --------------------------------------------------------------------------------- */

typedef struct {
    const tok_json_t *t;
    scratch_t *scratch;
    tok_ids_t *out;
} encode_run_t;

static rgtg_status_t encode_word(void *context, const char *word, size_t n) {
    encode_run_t *r = context;
    if (!tok_bpe_encode_word(&r->t->bpe, &r->scratch->bpe, true, (const uint8_t *)word, n, r->out))
        return rgtg_error_set(RGTG_ERR_NOMEM, "encoding a text: out of memory");
    return RGTG_OK;
}

/* Finds added tokens of `matcher` in text and hands what lies between them to `between`. */
static rgtg_status_t split_on_added(encode_run_t *r, const tok_added_matcher_t *matcher, const char *text, size_t n,
                                    rgtg_status_t (*between)(encode_run_t *, const char *, size_t)) {
    size_t position = 0;
    for (;;) {
        bool found;
        size_t start = n, end = n, token = 0;
        tok_added_find(&r->t->added, matcher, text, n, position, &found, &start, &end, &token);
        rgtg_status_t st = start > position ? between(r, text + position, start - position) : RGTG_OK;
        if (st != RGTG_OK) return st;
        if (!found) return RGTG_OK;
        if (!tok_ids_push(r->out, r->t->added.tokens[token].id))
            return rgtg_error_set(RGTG_ERR_NOMEM, "encoding a text: out of memory");
        position = end;
    }
}

static rgtg_status_t pretokenize_section(encode_run_t *r, const char *text, size_t n) {
    return tok_pretokenize(&r->t->pretokenizer, r->scratch->matcher, &r->scratch->prefix, text, n, encode_word, r);
}

static rgtg_status_t normalize_section(encode_run_t *r, const char *text, size_t n) {
    const tok_json_t *t = r->t;
    if (tok_normalizer_may_change(&t->normalizer, text, n)) {
        rgtg_status_t st = tok_normalize(&t->normalizer, text, n, &r->scratch->normalized);
        if (st != RGTG_OK) return st;
        text = r->scratch->normalized.data;
        n = r->scratch->normalized.length;
    }
    if (t->added.normalized.count) return split_on_added(r, &t->added.normalized, text, n, pretokenize_section);
    return pretokenize_section(r, text, n);
}

rgtg_status_t tok_json_encode(const tok_json_t *t, const char *text, size_t n, tok_ids_t *out) {
    bool own_scratch = pthread_mutex_trylock(t->shared_lock) != 0;
    scratch_t *scratch = own_scratch ? scratch_new() : t->shared;
    if (!scratch) return rgtg_error_set(RGTG_ERR_NOMEM, "encoding a text: out of memory");
    rgtg_status_t st = RGTG_OK;
    if (!tok_utf8_is_valid(text, n)) {
        scratch->sanitized.length = 0;
        if (!tok_utf8_append_replacing(&scratch->sanitized, text, n))
            st = rgtg_error_set(RGTG_ERR_NOMEM, "encoding a text: out of memory");
        text = scratch->sanitized.data;
        n = scratch->sanitized.length;
    }
    encode_run_t run = {t, scratch, out};
    if (st == RGTG_OK) st = split_on_added(&run, &t->added.raw, text, n, normalize_section);
    if (own_scratch) {
        scratch_free(scratch);
    } else { /* a long text must not pin its buffers in the shared scratch */
        tok_bpe_scratch_trim(&scratch->bpe, 1 << 16);
        tok_bytes_t *buffers[] = {&scratch->sanitized, &scratch->normalized, &scratch->prefix};
        for (size_t i = 0; i < 3; i++)
            if (buffers[i]->capacity > (1 << 20)) tok_bytes_free(buffers[i]);
        pthread_mutex_unlock(t->shared_lock);
    }
    return st;
}

/* ---- decoding --------------------------------------------------------------------------------- */

rgtg_status_t tok_json_decode(const tok_json_t *t, const int32_t *ids, size_t count, bool skip_special,
                              tok_bytes_t *out) {
    tok_bytes_t pending = {0}; /* raw bytes since the last added token */
    rgtg_status_t st = RGTG_OK;
    for (size_t i = 0; i < count && st == RGTG_OK; i++) {
        int32_t id = ids[i];
        if (id < 0 || id >= t->vocab_size) {
            st = rgtg_error_set(RGTG_ERR_INVALID, "id %d at position %zu is outside the vocabulary (0..%d)", id, i,
                                t->vocab_size - 1);
            break;
        }
        size_t length;
        const char *bytes;
        if (t->id_flags[id] & ID_ADDED) {
            if (skip_special && (t->id_flags[id] & ID_SPECIAL)) continue;
            const tok_added_token_t *a = &t->added.tokens[t->added_index[id]];
            if (!tok_utf8_append_replacing(out, pending.data, pending.length) ||
                !tok_bytes_append(out, a->content, a->length))
                st = rgtg_error_set(RGTG_ERR_NOMEM, "decoding: out of memory");
            pending.length = 0;
        } else if ((bytes = tok_bpe_bytes(&t->bpe, id, &length)) != NULL ||
                   (bytes = tok_bpe_piece(&t->bpe, id, &length)) != NULL) { /* not byte-level: its own UTF-8 */
            if (!tok_bytes_append(&pending, bytes, length)) st = rgtg_error_set(RGTG_ERR_NOMEM, "decoding: out of memory");
        } else {
            st = rgtg_error_set(RGTG_ERR_INVALID, "id %d at position %zu has no token in the vocabulary", id, i);
        }
    }
    if (st == RGTG_OK && !tok_utf8_append_replacing(out, pending.data, pending.length))
        st = rgtg_error_set(RGTG_ERR_NOMEM, "decoding: out of memory");
    if (st == RGTG_OK && !tok_bytes_reserve(out, 0)) st = rgtg_error_set(RGTG_ERR_NOMEM, "decoding: out of memory");
    tok_bytes_free(&pending);
    return st;
}

/* ---- lookups ---------------------------------------------------------------------------------- */

int32_t tok_json_vocab_size(const tok_json_t *t) { return t->vocab_size; }
int32_t tok_json_bos_id(const tok_json_t *t) { return t->bos_id; }
int32_t tok_json_eos_id(const tok_json_t *t) { return t->eos_id; }
int32_t tok_json_pad_id(const tok_json_t *t) { return t->pad_id; }
int32_t tok_json_unk_id(const tok_json_t *t) { return t->unk_id; }
bool tok_json_add_bos(const tok_json_t *t) { return t->add_bos; }
bool tok_json_add_eos(const tok_json_t *t) { return t->add_eos; }

bool tok_json_is_special(const tok_json_t *t, int32_t id) {
    return id >= 0 && id < t->vocab_size && (t->id_flags[id] & ID_SPECIAL);
}

const char *tok_json_id_to_piece(const tok_json_t *t, int32_t id, size_t *length) {
    if (id < 0 || id >= t->vocab_size) return NULL;
    if (t->id_flags[id] & ID_ADDED) {
        const tok_added_token_t *a = &t->added.tokens[t->added_index[id]];
        *length = a->length;
        return a->content;
    }
    return tok_bpe_piece(&t->bpe, id, length);
}

int32_t tok_json_piece_to_id(const tok_json_t *t, const char *piece, size_t length) {
    int32_t id;
    if (tok_strmap_get(&t->added_by_content, piece, length, &id)) return id;
    if (tok_strmap_get(&t->bpe.piece_to_id, piece, length, &id)) return id;
    return -1;
}
