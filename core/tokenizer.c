/* core/tokenizer.c: the one tokenizer interface: choosing the kind from a file or checkpoint
 * directory, special ids from tokenizer_config.json and the EOS list from generation_config.json,
 * the file's sha256 (and finding and copying the files without running them), and forwarding
 * encode/decode/lookups to SentencePiece or tokenizer.json (see tokenizer.h). */
#include "tokenizer.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "spm/spm.h"
#include "tok/tokenizer_config.h"
#include "tok/tokenizer_json.h"
#include "tok/utf8.h"

struct rgtg_tokenizer {
    rgtg_tokenizer_kind_t kind;
    rgtg_spm_t *spm;
    tok_json_t *json;
    char *path;
    char sha256[65];
    int vocab_size, bos_id, pad_id, unk_id;
    bool add_bos, add_eos;
    int32_t *eos_ids;
    size_t eos_count;
};

const char *rgtg_tokenizer_kind_name(rgtg_tokenizer_kind_t kind) {
    switch (kind) {
    case RGTG_TOKENIZER_SENTENCEPIECE: return "sentencepiece";
    case RGTG_TOKENIZER_JSON_BPE: return "tokenizer.json";
    }
    return "?";
}

static bool is_directory(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether the file's first non-blank byte is '{'. */
static rgtg_status_t looks_like_json(const char *path, bool *json) {
    FILE *f = fopen(path, "rb");
    if (!f) return rgtg_error_set(RGTG_ERR_IO, "%s: %s", path, strerror(errno));
    int c;
    do c = fgetc(f);
    while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    fclose(f);
    *json = c == '{';
    return RGTG_OK;
}

static char *sibling(const char *file, const char *name) {
    const char *slash = strrchr(file, '/');
    if (!slash) return strdup(name);
    size_t dir_length = (size_t)(slash - file);
    char *out = malloc(dir_length + 1 + strlen(name) + 1);
    if (out) sprintf(out, "%.*s/%s", (int)dir_length, file, name);
    return out;
}

static rgtg_status_t nomem(void) { return rgtg_error_set(RGTG_ERR_NOMEM, "loading a tokenizer: out of memory"); }

static bool add_eos_id(rgtg_tokenizer_t *tok, int32_t id) {
    for (size_t i = 0; i < tok->eos_count; i++)
        if (tok->eos_ids[i] == id) return true;
    int32_t *ids = realloc(tok->eos_ids, (tok->eos_count + 1) * sizeof *ids);
    if (!ids) return false;
    tok->eos_ids = ids;
    tok->eos_ids[tok->eos_count++] = id;
    return true;
}

/* Appends eos_token_id (an id or a list of ids) of a generation_config.json or config.json. */
static rgtg_status_t add_generation_eos(rgtg_tokenizer_t *tok, const char *dir) {
    char *path = rgtg_path_join(dir, "generation_config.json");
    if (path && !rgtg_path_exists(path)) {
        free(path);
        path = rgtg_path_join(dir, "config.json");
        if (path && !rgtg_path_exists(path)) {
            free(path);
            return RGTG_OK;
        }
    }
    if (!path) return nomem();
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error);
    rgtg_status_t st = RGTG_OK;
    if (!root) {
        st = error.line < 1 ? rgtg_error_set(RGTG_ERR_IO, "%s: %s", path, error.text)
                            : rgtg_error_set(RGTG_ERR_FORMAT, "%s:%d:%d: %s", path, error.line, error.column, error.text);
        free(path);
        return st;
    }
    const json_t *value = json_object_get(root, "eos_token_id");
    size_t n = json_is_array(value) ? json_array_size(value) : (value && !json_is_null(value) ? 1 : 0);
    for (size_t i = 0; i < n && st == RGTG_OK; i++) {
        const json_t *item = json_is_array(value) ? json_array_get(value, i) : value;
        if (!json_is_integer(item) || json_integer_value(item) < 0 || json_integer_value(item) >= tok->vocab_size)
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: eos_token_id must be token ids of the tokenizer (0..%d)", path,
                                tok->vocab_size - 1);
        else if (!add_eos_id(tok, (int32_t)json_integer_value(item)))
            st = nomem();
    }
    json_decref(root);
    free(path);
    return st;
}

static rgtg_status_t named_id(const rgtg_tokenizer_t *tok, const char *name, const char *field, const char *config,
                              int *id) {
    if (!name) return RGTG_OK;
    int found = rgtg_tokenizer_piece_to_id(tok, name);
    if (found < 0)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: %s \"%s\" is not a token of the tokenizer", config, field, name);
    *id = found;
    return RGTG_OK;
}

/* SentencePiece's ids, then what tokenizer_config.json beside it says. */
static rgtg_status_t load_spm(rgtg_tokenizer_t *tok, int *eos_id) {
    rgtg_status_t st = rgtg_spm_load(tok->path, &tok->spm);
    if (st != RGTG_OK) return st;
    tok->kind = RGTG_TOKENIZER_SENTENCEPIECE;
    tok->vocab_size = rgtg_spm_vocab_size(tok->spm);
    tok->bos_id = rgtg_spm_bos_id(tok->spm);
    tok->pad_id = rgtg_spm_pad_id(tok->spm);
    tok->unk_id = rgtg_spm_unk_id(tok->spm);
    *eos_id = rgtg_spm_eos_id(tok->spm);
    tok->add_bos = tok->bos_id >= 0;
    tok->add_eos = false;
    char *config_path = sibling(tok->path, "tokenizer_config.json");
    if (!config_path) return nomem();
    if (!rgtg_path_exists(config_path)) {
        free(config_path);
        return RGTG_OK;
    }
    tok_tokenizer_config_t config;
    st = tok_tokenizer_config_load(config_path, &config);
    if (st == RGTG_OK) {
        st = named_id(tok, config.bos_token, "bos_token", config_path, &tok->bos_id);
        if (st == RGTG_OK) st = named_id(tok, config.eos_token, "eos_token", config_path, eos_id);
        if (st == RGTG_OK) st = named_id(tok, config.pad_token, "pad_token", config_path, &tok->pad_id);
        if (st == RGTG_OK) st = named_id(tok, config.unk_token, "unk_token", config_path, &tok->unk_id);
        if (config.add_bos_token >= 0) tok->add_bos = config.add_bos_token == 1;
        if (config.add_eos_token >= 0) tok->add_eos = config.add_eos_token == 1;
        tok_tokenizer_config_free(&config);
    }
    free(config_path);
    return st;
}

static rgtg_status_t load_json(rgtg_tokenizer_t *tok, int *eos_id) {
    char *config_path = sibling(tok->path, "tokenizer_config.json");
    if (!config_path) return nomem();
    rgtg_status_t st = tok_json_load(tok->path, rgtg_path_exists(config_path) ? config_path : NULL, &tok->json);
    free(config_path);
    if (st != RGTG_OK) return st;
    tok->kind = RGTG_TOKENIZER_JSON_BPE;
    tok->vocab_size = tok_json_vocab_size(tok->json);
    tok->bos_id = tok_json_bos_id(tok->json);
    tok->pad_id = tok_json_pad_id(tok->json);
    tok->unk_id = tok_json_unk_id(tok->json);
    *eos_id = tok_json_eos_id(tok->json);
    tok->add_bos = tok_json_add_bos(tok->json);
    tok->add_eos = tok_json_add_eos(tok->json);
    return RGTG_OK;
}

/* Picks the file for a directory (see tokenizer.h) and loads it. */
static rgtg_status_t load_from_directory(rgtg_tokenizer_t *tok, const char *dir, int *eos_id) {
    char *json_path = rgtg_path_join(dir, "tokenizer.json"), *model_path = rgtg_path_join(dir, "tokenizer.model");
    rgtg_status_t st = RGTG_OK;
    if (!json_path || !model_path) st = nomem();
    else if (rgtg_path_exists(json_path)) {
        tok->path = json_path;
        json_path = NULL;
        st = load_json(tok, eos_id);
        if (st == RGTG_ERR_UNSUPPORTED && rgtg_path_exists(model_path)) {
            rgtg_error_clear(); /* the SentencePiece model beside it tokenizes the same */
            free(tok->path);
            tok->path = model_path;
            model_path = NULL;
            st = load_spm(tok, eos_id);
        }
    } else if (rgtg_path_exists(model_path)) {
        tok->path = model_path;
        model_path = NULL;
        st = load_spm(tok, eos_id);
    } else {
        st = rgtg_error_set(RGTG_ERR_IO, "%s: holds neither tokenizer.json nor tokenizer.model", dir);
    }
    free(json_path);
    free(model_path);
    return st;
}

rgtg_status_t rgtg_tokenizer_load(const char *path_or_dir, rgtg_tokenizer_t **out) {
    *out = NULL;
    rgtg_tokenizer_t *tok = calloc(1, sizeof *tok);
    if (!tok) return nomem();
    int eos_id = -1;
    bool directory = is_directory(path_or_dir);
    rgtg_status_t st;
    if (directory) {
        st = load_from_directory(tok, path_or_dir, &eos_id);
    } else {
        bool json = false;
        tok->path = strdup(path_or_dir);
        st = tok->path ? looks_like_json(path_or_dir, &json) : nomem();
        if (st == RGTG_OK) st = json ? load_json(tok, &eos_id) : load_spm(tok, &eos_id);
    }
    if (st == RGTG_OK && eos_id >= 0 && !add_eos_id(tok, eos_id)) st = nomem();
    if (st == RGTG_OK && directory) st = add_generation_eos(tok, path_or_dir);
    if (st == RGTG_OK) st = rgtg_sha256_file(tok->path, tok->sha256);
    if (st != RGTG_OK) {
        rgtg_tokenizer_free(tok);
        return st;
    }
    *out = tok;
    return RGTG_OK;
}

void rgtg_tokenizer_free(rgtg_tokenizer_t *tok) {
    if (!tok) return;
    rgtg_spm_free(tok->spm);
    tok_json_free(tok->json);
    free(tok->path);
    free(tok->eos_ids);
    free(tok);
}

rgtg_tokenizer_kind_t rgtg_tokenizer_kind(const rgtg_tokenizer_t *tok) { return tok->kind; }
const char *rgtg_tokenizer_path(const rgtg_tokenizer_t *tok) { return tok->path; }
const char *rgtg_tokenizer_sha256(const rgtg_tokenizer_t *tok) { return tok->sha256; }

rgtg_status_t rgtg_tokenizer_encode(const rgtg_tokenizer_t *tok, const char *text, size_t len, int32_t **ids_out,
                                    size_t *count_out) {
    *ids_out = NULL;
    *count_out = 0;
    if (tok->kind == RGTG_TOKENIZER_SENTENCEPIECE) {
        if (tok_utf8_is_valid(text, len)) return rgtg_spm_encode(tok->spm, text, len, ids_out, count_out);
        tok_bytes_t clean = {0};
        if (!tok_utf8_append_replacing(&clean, text, len)) return rgtg_error_set(RGTG_ERR_NOMEM, "encoding: out of memory");
        rgtg_status_t st = rgtg_spm_encode(tok->spm, clean.data, clean.length, ids_out, count_out);
        tok_bytes_free(&clean);
        return st;
    }
    tok_ids_t ids = {0};
    rgtg_status_t st = tok_json_encode(tok->json, text, len, &ids);
    if (st != RGTG_OK) {
        tok_ids_free(&ids);
        return st;
    }
    if (!ids.data && !(ids.data = malloc(sizeof *ids.data))) return rgtg_error_set(RGTG_ERR_NOMEM, "encoding: out of memory");
    *ids_out = ids.data;
    *count_out = ids.length;
    return RGTG_OK;
}

rgtg_status_t rgtg_tokenizer_decode(const rgtg_tokenizer_t *tok, const int32_t *ids, size_t count, bool skip_special,
                                    char **text_out, size_t *length_out) {
    *text_out = NULL;
    if (length_out) *length_out = 0;
    if (tok->kind == RGTG_TOKENIZER_SENTENCEPIECE) {
        rgtg_status_t st = rgtg_spm_decode(tok->spm, ids, count, text_out);
        if (st == RGTG_OK && length_out) *length_out = strlen(*text_out);
        return st;
    }
    tok_bytes_t text = {0};
    rgtg_status_t st = tok_json_decode(tok->json, ids, count, skip_special, &text);
    if (st != RGTG_OK) {
        tok_bytes_free(&text);
        return st;
    }
    *text_out = text.data;
    if (length_out) *length_out = text.length;
    return RGTG_OK;
}

int rgtg_tokenizer_vocab_size(const rgtg_tokenizer_t *tok) { return tok->vocab_size; }
int rgtg_tokenizer_bos_id(const rgtg_tokenizer_t *tok) { return tok->bos_id; }
int rgtg_tokenizer_pad_id(const rgtg_tokenizer_t *tok) { return tok->pad_id; }
int rgtg_tokenizer_unk_id(const rgtg_tokenizer_t *tok) { return tok->unk_id; }
int rgtg_tokenizer_eos_id(const rgtg_tokenizer_t *tok) { return tok->eos_count ? tok->eos_ids[0] : -1; }
bool rgtg_tokenizer_add_bos(const rgtg_tokenizer_t *tok) { return tok->add_bos; }
bool rgtg_tokenizer_add_eos(const rgtg_tokenizer_t *tok) { return tok->add_eos; }

const int32_t *rgtg_tokenizer_eos_ids(const rgtg_tokenizer_t *tok, size_t *count) {
    *count = tok->eos_count;
    return tok->eos_ids;
}

bool rgtg_tokenizer_is_eos(const rgtg_tokenizer_t *tok, int id) {
    for (size_t i = 0; i < tok->eos_count; i++)
        if (tok->eos_ids[i] == id) return true;
    return false;
}

bool rgtg_tokenizer_is_special(const rgtg_tokenizer_t *tok, int id) {
    if (tok->kind == RGTG_TOKENIZER_JSON_BPE) return tok_json_is_special(tok->json, id);
    return id >= 0 && (id == rgtg_spm_bos_id(tok->spm) || id == rgtg_spm_eos_id(tok->spm) ||
                       id == rgtg_spm_pad_id(tok->spm));
}

const char *rgtg_tokenizer_id_to_piece(const rgtg_tokenizer_t *tok, int id, size_t *length) {
    if (tok->kind == RGTG_TOKENIZER_JSON_BPE) return tok_json_id_to_piece(tok->json, id, length);
    const char *piece = rgtg_spm_id_to_piece(tok->spm, id);
    if (piece) *length = strlen(piece);
    return piece;
}

int rgtg_tokenizer_piece_to_id(const rgtg_tokenizer_t *tok, const char *piece) {
    if (tok->kind == RGTG_TOKENIZER_JSON_BPE) return tok_json_piece_to_id(tok->json, piece, strlen(piece));
    int id = rgtg_spm_piece_to_id(tok->spm, piece);
    if (id < 0) return -1;
    if (id == rgtg_spm_unk_id(tok->spm)) { /* SentencePiece answers unk for unknown pieces */
        const char *unk = rgtg_spm_id_to_piece(tok->spm, id);
        if (!unk || strcmp(unk, piece) != 0) return -1;
    }
    return id;
}

/* ---- the files, without running the tokenizer ---- */

const char *rgtg_tokenizer_file_name(rgtg_tokenizer_kind_t kind) {
    return kind == RGTG_TOKENIZER_JSON_BPE ? "tokenizer.json" : "tokenizer.model";
}

/* out->file and out->kind of a directory: as load_from_directory chooses. */
static rgtg_status_t directory_file(const char *dir, rgtg_tokenizer_files_t *out) {
    char *json_path = rgtg_path_join(dir, "tokenizer.json"), *model_path = rgtg_path_join(dir, "tokenizer.model");
    rgtg_status_t st = RGTG_OK;
    if (!json_path || !model_path) st = nomem();
    else if (rgtg_path_exists(json_path) && rgtg_path_exists(model_path)) {
        rgtg_tokenizer_t *tok = NULL; /* which one runs decides */
        st = rgtg_tokenizer_load(dir, &tok);
        if (st == RGTG_OK) {
            out->kind = tok->kind;
            out->file = strdup(tok->path);
            if (!out->file) st = nomem();
        }
        rgtg_tokenizer_free(tok);
    } else if (rgtg_path_exists(json_path) || rgtg_path_exists(model_path)) {
        out->kind = rgtg_path_exists(json_path) ? RGTG_TOKENIZER_JSON_BPE : RGTG_TOKENIZER_SENTENCEPIECE;
        out->file = out->kind == RGTG_TOKENIZER_JSON_BPE ? json_path : model_path;
        if (out->kind == RGTG_TOKENIZER_JSON_BPE) json_path = NULL;
        else model_path = NULL;
    } else {
        st = rgtg_error_set(RGTG_ERR_IO, "%s: holds neither tokenizer.json nor tokenizer.model", dir);
    }
    free(json_path);
    free(model_path);
    return st;
}

rgtg_status_t rgtg_tokenizer_files(const char *path_or_dir, rgtg_tokenizer_files_t *out) {
    memset(out, 0, sizeof *out);
    rgtg_status_t st;
    if (is_directory(path_or_dir)) {
        st = directory_file(path_or_dir, out);
    } else {
        bool json = false;
        st = looks_like_json(path_or_dir, &json);
        out->kind = json ? RGTG_TOKENIZER_JSON_BPE : RGTG_TOKENIZER_SENTENCEPIECE;
        if (st == RGTG_OK && !(out->file = strdup(path_or_dir))) st = nomem();
    }
    if (st == RGTG_OK && !(out->config = sibling(out->file, "tokenizer_config.json"))) st = nomem();
    if (st == RGTG_OK && !rgtg_path_exists(out->config)) {
        free(out->config);
        out->config = NULL;
    }
    if (st == RGTG_OK) st = rgtg_sha256_file(out->file, out->sha256);
    if (st != RGTG_OK) rgtg_tokenizer_files_free(out);
    return st;
}

/* Whether tokenizer_config.json's chat_template (a string, or a list of {"name", "template"}) writes
 * the BOS: names bos_token or holds its text. */
static rgtg_status_t chat_template_writes_bos(const char *config_path, const char *bos_text, bool *out) {
    json_error_t error;
    json_t *root = json_load_file(config_path, JSON_DECODE_INT_AS_REAL, &error); /* model_max_length 1e30 */
    if (!root)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%d:%d: %s", config_path, error.line, error.column, error.text);
    const json_t *value = json_object_get(root, "chat_template");
    size_t n = json_is_array(value) ? json_array_size(value) : 1;
    for (size_t i = 0; i < n && !*out; i++) {
        const json_t *item = json_is_array(value) ? json_object_get(json_array_get(value, i), "template") : value;
        const char *text = json_is_string(item) ? json_string_value(item) : NULL;
        *out = text && (strstr(text, "bos_token") || (bos_text && *bos_text && strstr(text, bos_text)));
    }
    json_decref(root);
    return RGTG_OK;
}

rgtg_status_t rgtg_tokenizer_model_reads_bos(const char *path_or_dir, bool *out) {
    *out = true;
    rgtg_tokenizer_files_t files;
    rgtg_status_t st = rgtg_tokenizer_files(path_or_dir, &files);
    if (st != RGTG_OK) return st;
    tok_tokenizer_config_t config;
    tok_tokenizer_config_init(&config);
    if (files.config) st = tok_tokenizer_config_load(files.config, &config);
    if (st == RGTG_OK && config.add_bos_token >= 0) {
        *out = config.add_bos_token == 1;
    } else if (st == RGTG_OK && files.kind == RGTG_TOKENIZER_JSON_BPE) {
        rgtg_tokenizer_t *tok = NULL;
        st = rgtg_tokenizer_load(files.file, &tok);
        if (st == RGTG_OK) *out = tok->add_bos;
        rgtg_tokenizer_free(tok);
    }
    if (st == RGTG_OK && !*out && files.config) st = chat_template_writes_bos(files.config, config.bos_token, out);
    tok_tokenizer_config_free(&config);
    rgtg_tokenizer_files_free(&files);
    return st;
}

void rgtg_tokenizer_files_free(rgtg_tokenizer_files_t *files) {
    free(files->file);
    free(files->config);
    memset(files, 0, sizeof *files);
}

rgtg_status_t rgtg_tokenizer_files_copy(const rgtg_tokenizer_files_t *files, const char *dir) {
    char *dst = rgtg_path_join(dir, rgtg_tokenizer_file_name(files->kind));
    rgtg_status_t st = dst ? rgtg_copy_file_atomic(files->file, dst) : nomem();
    free(dst);
    if (st != RGTG_OK || !files->config) return st;
    dst = rgtg_path_join(dir, "tokenizer_config.json");
    st = dst ? rgtg_copy_file_atomic(files->config, dst) : nomem();
    free(dst);
    return st;
}

rgtg_status_t rgtg_tokenizer_round_trip_ids(const rgtg_tokenizer_t *tok, const char *text, size_t len,
                                            const int32_t *ids, size_t count, rgtg_tokenizer_round_trip_t *out) {
    *out = (rgtg_tokenizer_round_trip_t){0};
    if (tok->kind == RGTG_TOKENIZER_SENTENCEPIECE) { /* piece by piece where the model allows (spm.h) */
        rgtg_spm_round_trip_t r;
        rgtg_status_t st = rgtg_spm_round_trip_ids(tok->spm, text, len, ids, count, &r);
        if (st == RGTG_OK) *out = (rgtg_tokenizer_round_trip_t){r.exact, r.unknown_pieces, r.first_difference};
        return st;
    }
    for (size_t i = 0; i < count; i++) out->unknown_pieces += tok->unk_id >= 0 && ids[i] == tok->unk_id;
    char *decoded = NULL;
    size_t decoded_len = 0;
    rgtg_status_t st = rgtg_tokenizer_decode(tok, ids, count, false, &decoded, &decoded_len);
    if (st != RGTG_OK) return st;
    size_t at = 0;
    while (at < len && at < decoded_len && text[at] == decoded[at]) at++;
    out->exact = at == len && at == decoded_len;
    out->first_difference = out->exact ? 0 : at;
    free(decoded);
    return RGTG_OK;
}

bool rgtg_tokenizer_trained_lossless(const rgtg_tokenizer_t *tok) {
    if (tok->kind != RGTG_TOKENIZER_SENTENCEPIECE) return false;
    const rgtg_spm_settings_t *settings = rgtg_spm_settings(tok->spm);
    return settings != NULL && settings->trained_by_rgtg && settings->lossless;
}

void rgtg_tokenizer_describe(const rgtg_tokenizer_t *tok, char *out, size_t capacity) {
    if (tok->kind == RGTG_TOKENIZER_SENTENCEPIECE) rgtg_spm_settings_describe(rgtg_spm_settings(tok->spm), out, capacity);
    else snprintf(out, capacity, "tokenizer.json, vocabulary %d", tok->vocab_size);
}
