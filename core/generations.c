/* core/generations.c: writing, validating and reading the generations JSONL file
 * (schema in core/GENERATIONS.md). */
#define _POSIX_C_SOURCE 200809L
#include "generations.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

/* ---- a growable text buffer ---- */

typedef struct {
    char *data;
    size_t length;
    size_t capacity;
} text_buffer_t;

static bool buffer_append(text_buffer_t *buffer, const char *bytes, size_t size) {
    if (buffer->length + size + 1 > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 256;
        while (buffer->length + size + 1 > capacity) capacity *= 2;
        char *data = realloc(buffer->data, capacity);
        if (!data) return false;
        buffer->data = data;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->length, bytes, size);
    buffer->length += size;
    buffer->data[buffer->length] = '\0';
    return true;
}

static bool buffer_append_str(text_buffer_t *buffer, const char *text) {
    return buffer_append(buffer, text, strlen(text));
}

/* ---- UTF-8 repair ---- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when the bytes there are not one. Rejects
 * overlong forms, surrogates and code points above U+10FFFF, as jansson does. */
static size_t utf8_sequence_length(const unsigned char *s) {
    unsigned char lead = s[0];
    if (lead < 0x80) return 1;
    size_t length;
    unsigned long code_point;
    if (lead >= 0xC2 && lead <= 0xDF) { length = 2; code_point = lead & 0x1F; }
    else if (lead >= 0xE0 && lead <= 0xEF) { length = 3; code_point = lead & 0x0F; }
    else if (lead >= 0xF0 && lead <= 0xF4) { length = 4; code_point = lead & 0x07; }
    else return 0;
    for (size_t i = 1; i < length; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0; /* also stops at the terminating NUL */
        code_point = (code_point << 6) | (s[i] & 0x3F);
    }
    if ((length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000)) return 0;
    if (code_point >= 0xD800 && code_point <= 0xDFFF) return 0;
    if (code_point > 0x10FFFF) return 0;
    return length;
}

/* A malloc'd copy of text where each byte that does not start a valid sequence becomes U+FFFD. */
static char *utf8_repaired(const char *text) {
    text_buffer_t out = {0};
    const unsigned char *s = (const unsigned char *)text;
    if (!buffer_append(&out, "", 0)) return NULL;
    while (*s) {
        size_t length = utf8_sequence_length(s);
        bool ok = length ? buffer_append(&out, (const char *)s, length)
                         : buffer_append(&out, "\xEF\xBF\xBD", 3);
        if (!ok) { free(out.data); return NULL; }
        s += length ? length : 1;
    }
    return out.data;
}

/* ---- serialization: compact JSON with the shortest decimal that reads back as the same double ---- */

static bool append_real(text_buffer_t *buffer, double value) {
    char text[40];
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(text, sizeof text, "%.*g", precision, value);
        if (strtod(text, NULL) == value) break;
    }
    if (!strpbrk(text, ".eE")) strcat(text, ".0"); /* stays a real when read back */
    return buffer_append_str(buffer, text);
}

static bool append_json(text_buffer_t *buffer, const json_t *value) {
    char scratch[32];
    switch (json_typeof(value)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *member;
        bool first = true;
        if (!buffer_append_str(buffer, "{")) return false;
        json_object_foreach((json_t *)value, key, member) {
            json_t *key_string = json_string(key);
            char *quoted = key_string ? json_dumps(key_string, JSON_ENCODE_ANY) : NULL;
            json_decref(key_string);
            bool ok = quoted && buffer_append_str(buffer, first ? "" : ",") &&
                      buffer_append_str(buffer, quoted) && buffer_append_str(buffer, ":") &&
                      append_json(buffer, member);
            free(quoted);
            if (!ok) return false;
            first = false;
        }
        return buffer_append_str(buffer, "}");
    }
    case JSON_ARRAY: {
        if (!buffer_append_str(buffer, "[")) return false;
        for (size_t i = 0; i < json_array_size(value); i++) {
            if (i && !buffer_append_str(buffer, ",")) return false;
            if (!append_json(buffer, json_array_get(value, i))) return false;
        }
        return buffer_append_str(buffer, "]");
    }
    case JSON_STRING: {
        char *quoted = json_dumps(value, JSON_ENCODE_ANY);
        bool ok = quoted && buffer_append_str(buffer, quoted);
        free(quoted);
        return ok;
    }
    case JSON_INTEGER:
        snprintf(scratch, sizeof scratch, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return buffer_append_str(buffer, scratch);
    case JSON_REAL: return append_real(buffer, json_real_value(value));
    case JSON_TRUE: return buffer_append_str(buffer, "true");
    case JSON_FALSE: return buffer_append_str(buffer, "false");
    case JSON_NULL: return buffer_append_str(buffer, "null");
    }
    return false;
}

/* ---- roles ---- */

const char *rgtg_gen_role_name(rgtg_gen_role_t role) {
    static const char *const names[RGTG_GEN_ROLE_COUNT] = {"lm", "guide", "value", "scorer"};
    return role >= 0 && role < RGTG_GEN_ROLE_COUNT ? names[role] : "unknown";
}

static bool is_sha256_hex(const char *text) {
    size_t n = 0;
    for (; text[n]; n++)
        if (!((text[n] >= '0' && text[n] <= '9') || (text[n] >= 'a' && text[n] <= 'f'))) return false;
    return n == 64;
}

/* ---- named rewards ---- */

static rgtg_status_t set_text_member(json_t *row, const char *key, const char *text);

bool rgtg_gen_reward_name_valid(const char *name) {
    if (!name || !name[0]) return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("._-", *c)))
            return false;
    return true;
}

const rgtg_gen_reward_t *rgtg_gen_find_reward(const rgtg_generation_t *g, const char *name) {
    for (size_t i = 0; name && i < g->reward_count; i++)
        if (g->rewards[i].name && !strcmp(g->rewards[i].name, name)) return &g->rewards[i];
    return NULL;
}

static void reward_release(rgtg_gen_reward_t *r) {
    free(r->name), free(r->path), free(r->sha256);
    memset(r, 0, sizeof *r);
}

rgtg_status_t rgtg_gen_set_reward(rgtg_generation_t *g, const rgtg_gen_reward_t *reward) {
    rgtg_gen_reward_t copy = *reward;
    copy.name = strdup(reward->name ? reward->name : "");
    copy.path = strdup(reward->path ? reward->path : "");
    copy.sha256 = strdup(reward->sha256 ? reward->sha256 : "");
    rgtg_gen_reward_t *slot = (rgtg_gen_reward_t *)rgtg_gen_find_reward(g, reward->name);
    if (copy.name && copy.path && copy.sha256 && !slot) {
        rgtg_gen_reward_t *grown = realloc(g->rewards, (g->reward_count + 1) * sizeof *grown);
        if (grown) g->rewards = grown, slot = &grown[g->reward_count++], memset(slot, 0, sizeof *slot);
    }
    if (!copy.name || !copy.path || !copy.sha256 || !slot) {
        reward_release(&copy);
        return rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
    }
    reward_release(slot);
    *slot = copy;
    return RGTG_OK;
}

bool rgtg_gen_reward_value(const rgtg_generation_t *g, const char *name, double *value_out,
                           const char **scorer_sha256_out) {
    const rgtg_gen_reward_t *r = rgtg_gen_find_reward(g, name ? name : g->reward_name);
    if (scorer_sha256_out) *scorer_sha256_out = NULL;
    if (name && !r) return false;
    if (!name && !g->has_reward) return false;
    *value_out = name ? r->reward : g->reward;
    /* the plain field's scorer is on record only while it still holds that model's reward */
    if (scorer_sha256_out && r && (name || r->reward == g->reward)) *scorer_sha256_out = r->sha256;
    return true;
}

/* reward_name, written only while reward still equals that entry (see generations.h). */
static const char *consistent_reward_name(const rgtg_generation_t *g) {
    const rgtg_gen_reward_t *r = rgtg_gen_find_reward(g, g->reward_name);
    if (!r || !g->has_reward || r->reward != g->reward) return NULL;
    if (g->has_reference_reward != r->has_reference_reward) return NULL;
    if (g->has_reference_reward && g->reference_reward != r->reference_reward) return NULL;
    return r->name;
}

static rgtg_status_t check_rewards(const rgtg_generation_t *g) {
    for (size_t i = 0; i < g->reward_count; i++) {
        const rgtg_gen_reward_t *r = &g->rewards[i];
        if (!rgtg_gen_reward_name_valid(r->name))
            return rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld: reward name '%s' must be letters, digits, "
                                  "'.', '_' or '-'", (long long)g->id, r->name ? r->name : "");
        if (rgtg_gen_find_reward(g, r->name) != r)
            return rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld: two rewards named '%s'", (long long)g->id,
                                  r->name);
        if (!r->path || !r->sha256 || !is_sha256_hex(r->sha256))
            return rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld: reward '%s' needs its model's path and a "
                                  "64-hex-digit sha256", (long long)g->id, r->name);
        if (!isfinite(r->reward) || (r->has_reference_reward && !isfinite(r->reference_reward)))
            return rgtg_error_set(RGTG_ERR_NUMERIC, "generations: row %lld has a non-finite reward '%s'",
                                  (long long)g->id, r->name);
    }
    return RGTG_OK;
}

/* "reward_name" and "rewards": {"NAME": {"reward", "reference_reward"?, "path", "sha256"}, ...}. */
static rgtg_status_t set_rewards_members(json_t *row, const rgtg_generation_t *g) {
    const char *name = consistent_reward_name(g);
    bool ok = !name || json_object_set_new(row, "reward_name", json_string(name)) == 0;
    json_t *rewards = g->reward_count ? json_object() : NULL;
    if (ok && g->reward_count) ok = rewards && json_object_set_new(row, "rewards", rewards) == 0;
    for (size_t i = 0; ok && i < g->reward_count; i++) {
        const rgtg_gen_reward_t *r = &g->rewards[i];
        json_t *entry = json_object();
        ok = entry && json_object_set_new(rewards, r->name, entry) == 0 &&
             json_object_set_new(entry, "reward", json_real(r->reward)) == 0 &&
             (!r->has_reference_reward || json_object_set_new(entry, "reference_reward", json_real(r->reference_reward)) == 0);
        if (ok && set_text_member(entry, "path", r->path) != RGTG_OK) return RGTG_ERR_NOMEM;
        ok = ok && json_object_set_new(entry, "sha256", json_string(r->sha256)) == 0;
    }
    return ok ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
}

/* ---- building one row ---- */

static rgtg_status_t set_text_member(json_t *row, const char *key, const char *text) {
    char *repaired = utf8_repaired(text);
    json_t *string = repaired ? json_string(repaired) : NULL;
    free(repaired);
    if (!string || json_object_set_new(row, key, string) != 0)
        return rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory building field '%s'", key);
    return RGTG_OK;
}

/* "models": {"lm": {"path", "sha256"}, "guide": {"path", "sha256", "kind"}, ...}, roles in use only;
 * absent when the row records none (rows rewritten from version-1 files). */
static rgtg_status_t set_models_member(json_t *row, const rgtg_generation_t *g) {
    json_t *models = json_object();
    rgtg_status_t status = models ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
    for (int r = 0; status == RGTG_OK && r < RGTG_GEN_ROLE_COUNT; r++) {
        const rgtg_gen_model_t *m = &g->models[r];
        if (!m->path) continue;
        json_t *entry = json_object();
        if (!entry || json_object_set_new(models, rgtg_gen_role_name((rgtg_gen_role_t)r), entry) != 0) {
            status = rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
            break;
        }
        status = set_text_member(entry, "path", m->path);
        if (status == RGTG_OK) status = set_text_member(entry, "sha256", m->sha256);
        if (status == RGTG_OK && m->kind) status = set_text_member(entry, "kind", m->kind);
    }
    if (status == RGTG_OK && json_object_size(models) > 0 && json_object_set(row, "models", models) != 0)
        status = rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
    json_decref(models);
    return status;
}

/* "work": {"lm_forwards", "rm_forwards", "candidates_scored"}, then Best-of-N's "bon_rewards" and "bon_kept". */
static rgtg_status_t set_work_members(json_t *row, const rgtg_generation_t *g) {
    bool ok = true;
    if (g->has_work) {
        json_t *work = json_object();
        ok = work && json_object_set_new(row, "work", work) == 0 &&
             json_object_set_new(work, "lm_forwards", json_integer(g->lm_forwards)) == 0 &&
             json_object_set_new(work, "rm_forwards", json_integer(g->rm_forwards)) == 0 &&
             json_object_set_new(work, "candidates_scored", json_integer(g->candidates_scored)) == 0;
    }
    if (ok && g->bon_count) {
        json_t *rewards = json_array();
        ok = rewards && json_object_set_new(row, "bon_rewards", rewards) == 0;
        for (size_t i = 0; ok && i < g->bon_count; i++) ok = json_array_append_new(rewards, json_real(g->bon_rewards[i])) == 0;
        ok = ok && json_object_set_new(row, "bon_kept", json_integer(g->bon_kept)) == 0;
    }
    return ok ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
}

/* Checks g and appends its line (with '\n') to buffer. */
static rgtg_status_t generation_to_line(const rgtg_generation_t *g, text_buffer_t *buffer) {
    if (g->id < 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "generations: row id %lld is negative", (long long)g->id);
    if (!g->prompt || !g->response || !g->method || !g->method[0])
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "generations: row %lld lacks a prompt, response or method", (long long)g->id);
    if (g->token_count && !g->tokens)
        return rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld has token_count %zu but no tokens",
                              (long long)g->id, g->token_count);
    if (g->new_tokens < 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld has negative new_tokens",
                              (long long)g->id);
    if (!isfinite(g->seconds) || g->seconds < 0)
        return rgtg_error_set(RGTG_ERR_NUMERIC, "generations: row %lld has seconds %g (must be finite, >= 0)",
                              (long long)g->id, g->seconds);
    if ((g->has_reward && !isfinite(g->reward)) || (g->has_reference_reward && !isfinite(g->reference_reward)))
        return rgtg_error_set(RGTG_ERR_NUMERIC, "generations: row %lld has a non-finite reward",
                              (long long)g->id);
    if (g->sample < 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld has a negative sample index",
                              (long long)g->id);
    for (int r = 0; r < RGTG_GEN_ROLE_COUNT; r++)
        if (g->models[r].path && (!g->models[r].sha256 || !is_sha256_hex(g->models[r].sha256)))
            return rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld: the %s model's sha256 must be 64 hex digits",
                                  (long long)g->id, rgtg_gen_role_name((rgtg_gen_role_t)r));
    if (g->has_work && (g->lm_forwards < 0 || g->rm_forwards < 0 || g->candidates_scored < 0))
        return rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld has a negative work counter", (long long)g->id);
    if (g->bon_count && (!g->bon_rewards || g->bon_kept < 0 || (size_t)g->bon_kept >= g->bon_count))
        return rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld: bon_kept %lld is not one of its %zu samples",
                              (long long)g->id, (long long)g->bon_kept, g->bon_count);
    for (size_t i = 0; i < g->bon_count; i++)
        if (!isfinite(g->bon_rewards[i]))
            return rgtg_error_set(RGTG_ERR_NUMERIC, "generations: row %lld has a non-finite bon reward",
                                  (long long)g->id);
    rgtg_status_t checked = check_rewards(g);
    if (checked != RGTG_OK) return checked;

    json_t *params = NULL;
    if (g->params_json) {
        json_error_t error;
        params = json_loads(g->params_json, 0, &error);
        if (!params || !json_is_object(params)) {
            json_decref(params);
            return rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld: params_json is not a JSON object: %s",
                                  (long long)g->id, g->params_json);
        }
    } else {
        params = json_object();
    }

    rgtg_status_t status = RGTG_OK;
    json_t *row = json_object();
    json_t *tokens = json_array();
    if (!row || !tokens || !params) {
        json_decref(row);
        json_decref(tokens);
        json_decref(params);
        return rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
    }
    for (size_t i = 0; i < g->token_count && status == RGTG_OK; i++)
        if (json_array_append_new(tokens, json_integer(g->tokens[i])) != 0)
            status = rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
    /* Key order is the order a reader sees: identity first, then text, then measurements. */
    if (status == RGTG_OK && (json_object_set_new(row, "format_version", json_integer(RGTG_GEN_FORMAT_VERSION)) != 0 ||
                              json_object_set_new(row, "id", json_integer(g->id)) != 0 ||
                              json_object_set_new(row, "sample", json_integer(g->sample)) != 0))
        status = rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
    if (status == RGTG_OK) status = set_text_member(row, "method", g->method);
    if (status == RGTG_OK && json_object_set(row, "params", params) != 0)
        status = rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
    if (status == RGTG_OK) status = set_models_member(row, g);
    if (status == RGTG_OK) status = set_text_member(row, "prompt", g->prompt);
    if (status == RGTG_OK) status = set_text_member(row, "response", g->response);
    if (status == RGTG_OK && g->reference) status = set_text_member(row, "reference", g->reference);
    if (status == RGTG_OK &&
        (json_object_set(row, "tokens", tokens) != 0 ||
         json_object_set_new(row, "new_tokens", json_integer(g->new_tokens)) != 0 ||
         json_object_set_new(row, "seconds", json_real(g->seconds)) != 0 ||
         json_object_set_new(row, "finished", json_boolean(g->finished)) != 0))
        status = rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
    if (status == RGTG_OK) status = set_work_members(row, g);
    if (status == RGTG_OK && ((g->has_reward && json_object_set_new(row, "reward", json_real(g->reward)) != 0) ||
                              (g->has_reference_reward &&
                               json_object_set_new(row, "reference_reward", json_real(g->reference_reward)) != 0)))
        status = rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory");
    if (status == RGTG_OK) status = set_rewards_members(row, g);
    if (status == RGTG_OK && !(append_json(buffer, row) && buffer_append_str(buffer, "\n")))
        status = rgtg_error_set(RGTG_ERR_NOMEM, "generations: out of memory serializing row %lld",
                                (long long)g->id);
    json_decref(tokens);
    json_decref(params);
    json_decref(row);
    return status;
}

/* ---- writer ---- */

struct rgtg_gen_writer {
    rgtg_atomic_file_t file;
    text_buffer_t line;
};

rgtg_status_t rgtg_gen_writer_open(const char *path, rgtg_gen_writer_t **writer_out) {
    *writer_out = NULL;
    rgtg_gen_writer_t *writer = calloc(1, sizeof *writer);
    if (!writer) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    rgtg_status_t status = rgtg_atomic_begin(&writer->file, path);
    if (status != RGTG_OK) {
        free(writer);
        return status;
    }
    *writer_out = writer;
    return RGTG_OK;
}

rgtg_status_t rgtg_gen_writer_add(rgtg_gen_writer_t *writer, const rgtg_generation_t *g) {
    writer->line.length = 0;
    rgtg_status_t status = generation_to_line(g, &writer->line);
    if (status != RGTG_OK) return status;
    if (fwrite(writer->line.data, 1, writer->line.length, writer->file.fp) != writer->line.length)
        return rgtg_error_set(RGTG_ERR_IO, "%s: write failed: %s", writer->file.tmp_path, strerror(errno));
    return RGTG_OK;
}

rgtg_status_t rgtg_gen_writer_commit(rgtg_gen_writer_t *writer) {
    rgtg_status_t status = rgtg_atomic_commit(&writer->file);
    if (status != RGTG_OK) rgtg_atomic_abort(&writer->file);
    free(writer->line.data);
    free(writer);
    return status;
}

void rgtg_gen_writer_abort(rgtg_gen_writer_t *writer) {
    if (!writer) return;
    rgtg_atomic_abort(&writer->file);
    free(writer->line.data);
    free(writer);
}

rgtg_status_t rgtg_gen_write_all(const char *path, const rgtg_generation_t *rows, size_t count) {
    rgtg_gen_writer_t *writer;
    rgtg_status_t status = rgtg_gen_writer_open(path, &writer);
    if (status != RGTG_OK) return status;
    for (size_t i = 0; i < count; i++) {
        status = rgtg_gen_writer_add(writer, &rows[i]);
        if (status != RGTG_OK) {
            rgtg_gen_writer_abort(writer);
            return status;
        }
    }
    return rgtg_gen_writer_commit(writer);
}

/* ---- reader ---- */

typedef struct {
    const char *path;
    size_t line;
} line_context_t;

static const char *json_type_name(const json_t *value) {
    switch (json_typeof(value)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "unknown";
}

static rgtg_status_t field_error(const line_context_t *at, const char *field, const char *expected,
                                 const json_t *value) {
    if (!value)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: missing field '%s' (must be %s)", at->path, at->line,
                              field, expected);
    return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field '%s' must be %s, not %s", at->path, at->line, field,
                          expected, json_type_name(value));
}

/* A required (or, with optional, absent/null-tolerant) string field, copied. */
static rgtg_status_t read_string(const line_context_t *at, json_t *row, const char *field, bool optional,
                                 char **out) {
    json_t *value = json_object_get(row, field);
    *out = NULL;
    if (optional && (!value || json_is_null(value))) return RGTG_OK;
    if (!json_is_string(value)) return field_error(at, field, "a string", value);
    *out = strdup(json_string_value(value));
    if (!*out) return rgtg_error_set(RGTG_ERR_NOMEM, "%s:%zu: out of memory", at->path, at->line);
    return RGTG_OK;
}

static rgtg_status_t read_nonnegative_integer(const line_context_t *at, json_t *row, const char *field,
                                              int64_t *out) {
    json_t *value = json_object_get(row, field);
    if (!json_is_integer(value)) return field_error(at, field, "a non-negative integer", value);
    if (json_integer_value(value) < 0)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field '%s' must be a non-negative integer, not %"
                              JSON_INTEGER_FORMAT, at->path, at->line, field, json_integer_value(value));
    *out = (int64_t)json_integer_value(value);
    return RGTG_OK;
}

static rgtg_status_t read_tokens(const line_context_t *at, json_t *row, rgtg_generation_t *g) {
    json_t *value = json_object_get(row, "tokens");
    if (!json_is_array(value)) return field_error(at, "tokens", "an array of integers", value);
    size_t count = json_array_size(value);
    g->tokens = malloc((count ? count : 1) * sizeof *g->tokens);
    if (!g->tokens) return rgtg_error_set(RGTG_ERR_NOMEM, "%s:%zu: out of memory", at->path, at->line);
    for (size_t i = 0; i < count; i++) {
        json_t *token = json_array_get(value, i);
        if (!json_is_integer(token))
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'tokens' must be an array of integers "
                                  "(element %zu is %s)", at->path, at->line, i, json_type_name(token));
        json_int_t id = json_integer_value(token);
        if (id < INT32_MIN || id > INT32_MAX)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'tokens' element %zu (%" JSON_INTEGER_FORMAT
                                  ") is outside the 32-bit range", at->path, at->line, i, id);
        g->tokens[i] = (int32_t)id;
    }
    g->token_count = count;
    return RGTG_OK;
}

static void generation_release(rgtg_generation_t *g) {
    free(g->prompt);
    free(g->response);
    free(g->reference);
    free(g->method);
    free(g->params_json);
    free(g->tokens);
    for (int r = 0; r < RGTG_GEN_ROLE_COUNT; r++) {
        free(g->models[r].path);
        free(g->models[r].sha256);
        free(g->models[r].kind);
    }
    free(g->bon_rewards);
    for (size_t i = 0; i < g->reward_count; i++) reward_release(&g->rewards[i]);
    free(g->rewards);
    free(g->reward_name);
    memset(g, 0, sizeof *g);
}

/* format_version: absent means 1; newer than this reader is refused. */
static rgtg_status_t read_format_version(const line_context_t *at, json_t *row, int *out) {
    json_t *value = json_object_get(row, "format_version");
    *out = 1;
    if (!value) return RGTG_OK;
    if (!json_is_integer(value)) return field_error(at, "format_version", "an integer", value);
    json_int_t version = json_integer_value(value);
    if (version < 1 || version > RGTG_GEN_FORMAT_VERSION)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: format_version %" JSON_INTEGER_FORMAT " is not one this "
                              "rgtg reads (1 to %d): the file was written by another version", at->path, at->line,
                              version, RGTG_GEN_FORMAT_VERSION);
    *out = (int)version;
    return RGTG_OK;
}

static rgtg_status_t read_models(const line_context_t *at, json_t *row, rgtg_generation_t *g) {
    json_t *models = json_object_get(row, "models");
    if (!models || json_is_null(models)) return RGTG_OK;
    if (!json_is_object(models)) return field_error(at, "models", "an object", models);
    for (int r = 0; r < RGTG_GEN_ROLE_COUNT; r++) {
        const char *role = rgtg_gen_role_name((rgtg_gen_role_t)r);
        json_t *entry = json_object_get(models, role);
        if (!entry) continue;
        char field[32];
        snprintf(field, sizeof field, "models.%s", role);
        if (!json_is_object(entry)) return field_error(at, field, "an object", entry);
        static const char *const keys[3] = {"path", "sha256", "kind"};
        char **slots[3] = {&g->models[r].path, &g->models[r].sha256, &g->models[r].kind};
        for (int f = 0; f < 3; f++) {
            json_t *value = json_object_get(entry, keys[f]);
            char name[48];
            snprintf(name, sizeof name, "%s.%s", field, keys[f]);
            if (f == 2 && (!value || json_is_null(value))) continue; /* kind is optional */
            if (!json_is_string(value)) return field_error(at, name, "a string", value);
            *slots[f] = strdup(json_string_value(value));
            if (!*slots[f]) return rgtg_error_set(RGTG_ERR_NOMEM, "%s:%zu: out of memory", at->path, at->line);
        }
        if (!is_sha256_hex(g->models[r].sha256))
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field '%s.sha256' must be 64 lowercase hex digits",
                                  at->path, at->line, field);
    }
    return RGTG_OK;
}

static rgtg_status_t read_work(const line_context_t *at, json_t *row, rgtg_generation_t *g) {
    json_t *work = json_object_get(row, "work");
    if (work && !json_is_null(work)) {
        if (!json_is_object(work)) return field_error(at, "work", "an object", work);
        rgtg_status_t status = read_nonnegative_integer(at, work, "lm_forwards", &g->lm_forwards);
        if (status == RGTG_OK) status = read_nonnegative_integer(at, work, "rm_forwards", &g->rm_forwards);
        if (status == RGTG_OK) status = read_nonnegative_integer(at, work, "candidates_scored", &g->candidates_scored);
        if (status != RGTG_OK) return status;
        g->has_work = true;
    }
    json_t *rewards = json_object_get(row, "bon_rewards");
    if (!rewards || json_is_null(rewards)) return RGTG_OK;
    if (!json_is_array(rewards) || json_array_size(rewards) == 0)
        return field_error(at, "bon_rewards", "a non-empty array of numbers", rewards);
    g->bon_count = json_array_size(rewards);
    g->bon_rewards = malloc(g->bon_count * sizeof *g->bon_rewards);
    if (!g->bon_rewards) return rgtg_error_set(RGTG_ERR_NOMEM, "%s:%zu: out of memory", at->path, at->line);
    for (size_t i = 0; i < g->bon_count; i++) {
        json_t *value = json_array_get(rewards, i);
        if (!json_is_number(value))
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'bon_rewards' must be an array of numbers "
                                  "(element %zu is %s)", at->path, at->line, i, json_type_name(value));
        g->bon_rewards[i] = json_number_value(value);
    }
    rgtg_status_t status = read_nonnegative_integer(at, row, "bon_kept", &g->bon_kept);
    if (status == RGTG_OK && (size_t)g->bon_kept >= g->bon_count)
        status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'bon_kept' (%lld) must index 'bon_rewards' (%zu of them)",
                                at->path, at->line, (long long)g->bon_kept, g->bon_count);
    return status;
}

static rgtg_status_t read_number(const line_context_t *at, json_t *object, const char *field, const char *name,
                                 bool *present, double *out) {
    json_t *value = json_object_get(object, field);
    if (!value || json_is_null(value)) return RGTG_OK;
    if (!json_is_number(value)) return field_error(at, name, "a number", value);
    *present = true;
    *out = json_number_value(value);
    return RGTG_OK;
}

/* "rewards" (an object of named rewards) and "reward_name" (which of them "reward" copies). */
static rgtg_status_t read_named_rewards(const line_context_t *at, json_t *row, rgtg_generation_t *g) {
    json_t *rewards = json_object_get(row, "rewards");
    if (rewards && !json_is_null(rewards)) {
        if (!json_is_object(rewards)) return field_error(at, "rewards", "an object", rewards);
        g->rewards = calloc(json_object_size(rewards) + 1, sizeof *g->rewards);
        if (!g->rewards) return rgtg_error_set(RGTG_ERR_NOMEM, "%s:%zu: out of memory", at->path, at->line);
        const char *key;
        json_t *entry;
        json_object_foreach(rewards, key, entry) {
            char field[160];
            snprintf(field, sizeof field, "rewards.%.100s", key);
            if (!rgtg_gen_reward_name_valid(key))
                return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: reward name '%s' must be letters, digits, '.', '_' "
                                      "or '-'", at->path, at->line, key);
            if (!json_is_object(entry)) return field_error(at, field, "an object", entry);
            rgtg_gen_reward_t *r = &g->rewards[g->reward_count++];
            r->name = strdup(key);
            if (!r->name) return rgtg_error_set(RGTG_ERR_NOMEM, "%s:%zu: out of memory", at->path, at->line);
            char name[192];
            bool has_reward = false;
            snprintf(name, sizeof name, "%s.reward", field);
            rgtg_status_t status = read_number(at, entry, "reward", name, &has_reward, &r->reward);
            if (status == RGTG_OK && !has_reward) status = field_error(at, name, "a number", NULL);
            snprintf(name, sizeof name, "%s.reference_reward", field);
            if (status == RGTG_OK)
                status = read_number(at, entry, "reference_reward", name, &r->has_reference_reward, &r->reference_reward);
            static const char *const keys[2] = {"path", "sha256"};
            char **slots[2] = {&r->path, &r->sha256};
            for (int f = 0; status == RGTG_OK && f < 2; f++) {
                json_t *text = json_object_get(entry, keys[f]);
                snprintf(name, sizeof name, "%s.%s", field, keys[f]);
                if (!json_is_string(text)) status = field_error(at, name, "a string", text);
                else if (!(*slots[f] = strdup(json_string_value(text))))
                    status = rgtg_error_set(RGTG_ERR_NOMEM, "%s:%zu: out of memory", at->path, at->line);
            }
            if (status == RGTG_OK && !is_sha256_hex(r->sha256))
                status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field '%s.sha256' must be 64 lowercase hex digits",
                                        at->path, at->line, field);
            if (status != RGTG_OK) return status;
        }
    }
    rgtg_status_t status = read_string(at, row, "reward_name", true, &g->reward_name);
    const rgtg_gen_reward_t *named = status == RGTG_OK ? rgtg_gen_find_reward(g, g->reward_name) : NULL;
    if (status == RGTG_OK && g->reward_name && !named)
        status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'reward_name' names '%s', which is not in 'rewards'",
                                at->path, at->line, g->reward_name);
    if (status == RGTG_OK && named && (!g->has_reward || g->reward != named->reward))
        status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'reward' must equal 'rewards.%s.reward' (reward_name)",
                                at->path, at->line, named->name);
    return status;
}

static rgtg_status_t row_from_json(const line_context_t *at, json_t *row, rgtg_generation_t *g) {
    rgtg_status_t status;
    memset(g, 0, sizeof *g);
    if ((status = read_format_version(at, row, &g->format_version)) != RGTG_OK) return status;
    if ((status = read_nonnegative_integer(at, row, "id", &g->id)) != RGTG_OK) return status;
    if (json_object_get(row, "sample") && (status = read_nonnegative_integer(at, row, "sample", &g->sample)) != RGTG_OK)
        return status;
    if ((status = read_string(at, row, "prompt", false, &g->prompt)) != RGTG_OK) return status;
    if ((status = read_string(at, row, "response", false, &g->response)) != RGTG_OK) return status;
    if ((status = read_string(at, row, "reference", true, &g->reference)) != RGTG_OK) return status;
    if ((status = read_string(at, row, "method", false, &g->method)) != RGTG_OK) return status;
    if (!g->method[0])
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'method' must not be empty", at->path, at->line);

    json_t *params = json_object_get(row, "params");
    if (!json_is_object(params)) return field_error(at, "params", "an object", params);
    text_buffer_t params_text = {0};
    if (!append_json(&params_text, params)) {
        free(params_text.data);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s:%zu: out of memory", at->path, at->line);
    }
    g->params_json = params_text.data;

    if ((status = read_tokens(at, row, g)) != RGTG_OK) return status;
    if ((status = read_nonnegative_integer(at, row, "new_tokens", &g->new_tokens)) != RGTG_OK) return status;

    json_t *seconds = json_object_get(row, "seconds");
    if (!json_is_number(seconds)) return field_error(at, "seconds", "a non-negative number", seconds);
    if (json_number_value(seconds) < 0)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'seconds' must be a non-negative number, not %g",
                              at->path, at->line, json_number_value(seconds));
    g->seconds = json_number_value(seconds);

    json_t *finished = json_object_get(row, "finished");
    if (!json_is_boolean(finished)) return field_error(at, "finished", "a boolean", finished);
    g->finished = json_is_true(finished);

    if ((status = read_models(at, row, g)) != RGTG_OK) return status;
    if ((status = read_work(at, row, g)) != RGTG_OK) return status;

    json_t *reward = json_object_get(row, "reward");
    if (reward && !json_is_null(reward)) {
        if (!json_is_number(reward)) return field_error(at, "reward", "a number", reward);
        g->has_reward = true;
        g->reward = json_number_value(reward);
    }
    json_t *reference_reward = json_object_get(row, "reference_reward");
    if (reference_reward && !json_is_null(reference_reward)) {
        if (!json_is_number(reference_reward)) return field_error(at, "reference_reward", "a number", reference_reward);
        g->has_reference_reward = true;
        g->reference_reward = json_number_value(reference_reward);
    }
    return read_named_rewards(at, row, g);
}

static bool is_blank(const char *text, size_t length) {
    for (size_t i = 0; i < length; i++)
        if (!strchr(" \t\r\n", text[i])) return false;
    return true;
}

/* jansson reports "near end of file" for a truncated text; here the text is one line. */
static void say_line_not_file(char *text, size_t size) {
    char *found = strstr(text, "end of file");
    if (!found) return;
    char rest[JSON_ERROR_TEXT_LENGTH];
    snprintf(rest, sizeof rest, "%s", found + strlen("end of file"));
    snprintf(found, size - (size_t)(found - text), "end of line%s", rest);
}

rgtg_status_t rgtg_gen_read(const char *path, rgtg_generation_t **rows_out, size_t *count_out) {
    *rows_out = NULL;
    *count_out = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));

    rgtg_status_t status = RGTG_OK;
    rgtg_generation_t *rows = NULL;
    size_t count = 0, capacity = 0;
    char *line = NULL;
    size_t line_capacity = 0;
    line_context_t at = {path, 0};
    ssize_t length;
    while (status == RGTG_OK && (errno = 0, length = getline(&line, &line_capacity, fp)) >= 0) {
        at.line++;
        while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) line[--length] = '\0';
        if (is_blank(line, (size_t)length)) continue;

        json_error_t error;
        json_t *row = json_loadb(line, (size_t)length, 0, &error);
        if (!row) {
            say_line_not_file(error.text, sizeof error.text);
            status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu:%d: %s", path, at.line,
                                    error.column > 0 ? error.column : 1, error.text);
            break;
        }
        if (!json_is_object(row)) {
            status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: a line must be a JSON object, not %s", path,
                                    at.line, json_type_name(row));
            json_decref(row);
            break;
        }
        if (count == capacity) {
            size_t new_capacity = capacity ? capacity * 2 : 64;
            rgtg_generation_t *grown = realloc(rows, new_capacity * sizeof *rows);
            if (!grown) {
                json_decref(row);
                status = rgtg_error_set(RGTG_ERR_NOMEM, "%s:%zu: out of memory", path, at.line);
                break;
            }
            rows = grown;
            capacity = new_capacity;
        }
        status = row_from_json(&at, row, &rows[count]);
        json_decref(row);
        if (status != RGTG_OK) generation_release(&rows[count]);
        else count++;
    }
    if (status == RGTG_OK && ferror(fp))
        status = rgtg_error_set(RGTG_ERR_IO, "%s: read failed after line %zu: %s", path, at.line,
                                strerror(errno));
    free(line);
    fclose(fp);
    if (status != RGTG_OK) {
        rgtg_gen_free(rows, count);
        return status;
    }
    if (count == 0) {
        free(rows);
        rows = NULL;
    }
    *rows_out = rows;
    *count_out = count;
    return RGTG_OK;
}

void rgtg_gen_free(rgtg_generation_t *rows, size_t count) {
    if (!rows) return;
    for (size_t i = 0; i < count; i++) generation_release(&rows[i]);
    free(rows);
}

rgtg_status_t rgtg_gen_param_number(const rgtg_generation_t *g, const char *key, double *value_out) {
    json_error_t error;
    json_t *params = g->params_json ? json_loads(g->params_json, 0, &error) : NULL;
    json_t *value = json_object_get(params, key);
    rgtg_status_t status = RGTG_OK;
    if (json_is_number(value)) *value_out = json_number_value(value);
    else status = rgtg_error_set(RGTG_ERR_INVALID, "generations: row %lld has no number params.%s",
                                 (long long)g->id, key);
    json_decref(params);
    return status;
}
