/* core/model_dir.c: model directories checked for completeness, kind and tokenizer (see model_dir.h). */
#include "model_dir.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "hf_config.h"
#include "safetensors.h"
#include "tokenizer.h"

const char *rgtg_head_description(rgtg_head_t head) {
    return head == RGTG_HEAD_SCORE ? "a reward model" : "a language model";
}

static bool has_file(const char *dir, const char *name) {
    char *path = rgtg_path_join(dir, name);
    bool present = path && rgtg_path_exists(path);
    free(path);
    return present;
}

rgtg_status_t rgtg_model_dir_has_tokenizer(const char *dir) {
    if (has_file(dir, "tokenizer.json") || has_file(dir, "tokenizer.model")) return RGTG_OK;
    return rgtg_error_set(RGTG_ERR_FORMAT, "%s: incomplete model directory: tokenizer.json or tokenizer.model is missing",
                          dir);
}

rgtg_status_t rgtg_tokenizer_file_sha256(const char *dir, char hex_out[65]) {
    hex_out[0] = '\0';
    rgtg_status_t st = rgtg_model_dir_has_tokenizer(dir);
    rgtg_tokenizer_files_t files;
    if (st == RGTG_OK) st = rgtg_tokenizer_files(dir, &files);
    if (st != RGTG_OK) return st;
    memcpy(hex_out, files.sha256, 65);
    rgtg_tokenizer_files_free(&files);
    return RGTG_OK;
}

rgtg_status_t rgtg_check_same_tokenizer(const char *dir_a, const char *dir_b) {
    char a[65], b[65];
    rgtg_status_t st = rgtg_tokenizer_file_sha256(dir_a, a);
    if (st == RGTG_OK) st = rgtg_tokenizer_file_sha256(dir_b, b);
    if (st == RGTG_OK && strcmp(a, b) != 0)
        st = rgtg_error_set(RGTG_ERR_INVALID,
                            "%s: its tokenizer differs from %s's (sha256 %.12s... vs %.12s...): their token ids "
                            "do not mean the same text", dir_b, dir_a, b, a);
    return st;
}

rgtg_status_t rgtg_check_tokenizer_matches_data(const char *dir, const char *sha256_hex, const char *data_path) {
    char hex[65];
    rgtg_status_t st = rgtg_tokenizer_file_sha256(dir, hex);
    if (st == RGTG_OK && sha256_hex && *sha256_hex && strcmp(hex, sha256_hex) != 0)
        st = rgtg_error_set(RGTG_ERR_INVALID,
                            "%s: its tokenizer (sha256 %.12s...) differs from the one %s was built with (%.12s...)",
                            dir, hex, data_path, sha256_hex);
    return st;
}

rgtg_status_t rgtg_model_load_for(const char *dir, rgtg_head_t head, tt_device_t device, rgtg_model_t **out) {
    *out = NULL;
    rgtg_status_t st = rgtg_model_dir_complete(dir, false);
    if (st == RGTG_OK) st = rgtg_model_dir_has_tokenizer(dir);
    char *config_path = st == RGTG_OK ? rgtg_path_join(dir, RGTG_HF_CONFIG_FILE) : NULL;
    if (st == RGTG_OK && !config_path) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    rgtg_model_config_t config;
    if (st == RGTG_OK) st = rgtg_hf_config_read(config_path, &config);
    free(config_path);
    if (st == RGTG_OK && config.head != head)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s is %s, not %s", dir, rgtg_head_description(config.head),
                            rgtg_head_description(head));
    if (st == RGTG_OK) st = rgtg_model_load(dir, device, out);
    return st;
}

static int compare_strings(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* sha256 of "SHARD SHA256\n" lines, one per distinct shard of the index, in name order. */
static rgtg_status_t sharded_sha256(const char *dir, const char *index_path, char hex[65]) {
    json_error_t error;
    json_t *root = json_load_file(index_path, 0, &error);
    json_t *map = root ? json_object_get(root, "weight_map") : NULL;
    if (!json_is_object(map)) {
        json_decref(root);
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: no object 'weight_map'", index_path);
    }
    size_t n = 0, cap = json_object_size(map);
    char **shards = calloc(cap + 1, sizeof *shards);
    const char *key;
    json_t *value;
    json_object_foreach(map, key, value) {
        if (!json_is_string(value)) continue;
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++) seen = !strcmp(shards[i], json_string_value(value));
        if (!seen && shards) shards[n++] = (char *)json_string_value(value);
    }
    rgtg_status_t st = shards ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (st == RGTG_OK) qsort(shards, n, sizeof *shards, compare_strings);
    size_t size = n * 256 + 1, used = 0;
    char *lines = st == RGTG_OK ? malloc(size) : NULL;
    if (st == RGTG_OK && !lines) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        char *path = rgtg_path_join(dir, shards[i]), shard_hex[65];
        st = path ? rgtg_sha256_file(path, shard_hex) : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        if (st == RGTG_OK) used += (size_t)snprintf(lines + used, size - used, "%.180s %s\n", shards[i], shard_hex);
        free(path);
    }
    if (st == RGTG_OK) rgtg_sha256_bytes(lines, used, hex);
    free(lines), free(shards);
    json_decref(root);
    return st;
}

rgtg_status_t rgtg_model_weights_sha256(const char *dir, char hex_out[65]) {
    hex_out[0] = '\0';
    char *index = rgtg_path_join(dir, RGTG_ST_INDEX_FILE), *single = rgtg_path_join(dir, "model.safetensors");
    rgtg_status_t st = index && single ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (st == RGTG_OK) st = rgtg_path_exists(index) ? sharded_sha256(dir, index, hex_out) : rgtg_sha256_file(single, hex_out);
    free(index), free(single);
    return st;
}
