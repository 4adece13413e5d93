/* core/tok/tokenizer_config.c: reading the special-token names and add_*_token switches of
 * tokenizer_config.json (see tokenizer_config.h). */
#include "tokenizer_config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void tok_tokenizer_config_init(tok_tokenizer_config_t *config) {
    memset(config, 0, sizeof *config);
    config->add_bos_token = config->add_eos_token = -1;
}

void tok_tokenizer_config_free(tok_tokenizer_config_t *config) {
    free(config->bos_token);
    free(config->eos_token);
    free(config->pad_token);
    free(config->unk_token);
    tok_tokenizer_config_init(config);
}

static rgtg_status_t token_name(const json_t *root, const char *key, const char *path, char **out) {
    const json_t *value = json_object_get(root, key);
    if (json_is_object(value)) value = json_object_get(value, "content");
    if (value == NULL || json_is_null(value)) return RGTG_OK;
    if (!json_is_string(value))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: \"%s\" must be a string, an object with \"content\", or null", path,
                              key);
    *out = strdup(json_string_value(value));
    return *out ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
}

static rgtg_status_t switch_value(const json_t *root, const char *key, const char *path, int *out) {
    const json_t *value = json_object_get(root, key);
    if (value == NULL || json_is_null(value)) return RGTG_OK;
    if (!json_is_boolean(value)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: \"%s\" must be true or false", path, key);
    *out = json_is_true(value);
    return RGTG_OK;
}

rgtg_status_t tok_tokenizer_config_load(const char *path, tok_tokenizer_config_t *out) {
    tok_tokenizer_config_init(out);
    json_error_t error;
    /* integers as reals: model_max_length is often 1e30, beyond jansson's integers */
    json_t *root = json_load_file(path, JSON_DECODE_INT_AS_REAL, &error);
    if (!root) {
        if (error.line < 1) return rgtg_error_set(RGTG_ERR_IO, "%s: %s", path, error.text);
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%d:%d: %s", path, error.line, error.column, error.text);
    }
    rgtg_status_t st = json_is_object(root) ? RGTG_OK
                                             : rgtg_error_set(RGTG_ERR_FORMAT, "%s: must hold a JSON object", path);
    if (st == RGTG_OK) st = token_name(root, "bos_token", path, &out->bos_token);
    if (st == RGTG_OK) st = token_name(root, "eos_token", path, &out->eos_token);
    if (st == RGTG_OK) st = token_name(root, "pad_token", path, &out->pad_token);
    if (st == RGTG_OK) st = token_name(root, "unk_token", path, &out->unk_token);
    if (st == RGTG_OK) st = switch_value(root, "add_bos_token", path, &out->add_bos_token);
    if (st == RGTG_OK) st = switch_value(root, "add_eos_token", path, &out->add_eos_token);
    json_decref(root);
    if (st != RGTG_OK) tok_tokenizer_config_free(out);
    return st;
}
