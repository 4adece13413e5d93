/* core/tok/normalizer.c: Unicode normalization forms through libutf8proc (see normalizer.h). */
#include "normalizer.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static rgtg_status_t add_step(const json_t *node, const char *path, tok_normalizer_t *out) {
    const char *type = json_string_value(json_object_get(node, "type"));
    if (!type) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: normalizer without a \"type\"", path);
    if (strcmp(type, "Sequence") == 0) {
        const json_t *list = json_object_get(node, "normalizers");
        if (!json_is_array(list))
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: normalizer Sequence without a \"normalizers\" array", path);
        for (size_t i = 0; i < json_array_size(list); i++) {
            rgtg_status_t st = add_step(json_array_get(list, i), path, out);
            if (st != RGTG_OK) return st;
        }
        return RGTG_OK;
    }
    int options;
    if (strcmp(type, "NFC") == 0) options = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    else if (strcmp(type, "NFD") == 0) options = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
    else if (strcmp(type, "NFKC") == 0) options = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    else if (strcmp(type, "NFKD") == 0) options = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
    else return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: normalizer \"%s\" is not supported (NFC, NFD, NFKC, NFKD)",
                               path, type);
    if (out->count == TOK_NORMALIZER_MAX_STEPS)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: more than %d normalizers", path, TOK_NORMALIZER_MAX_STEPS);
    out->steps[out->count++] = options;
    return RGTG_OK;
}

rgtg_status_t tok_normalizer_load(const json_t *normalizer, const char *path, tok_normalizer_t *out) {
    memset(out, 0, sizeof *out);
    if (normalizer == NULL || json_is_null(normalizer)) return RGTG_OK;
    if (!json_is_object(normalizer)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: \"normalizer\" must be an object", path);
    return add_step(normalizer, path, out);
}

bool tok_normalizer_may_change(const tok_normalizer_t *normalizer, const char *s, size_t n) {
    if (normalizer->count == 0) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) return true;
    return false;
}

rgtg_status_t tok_normalize(const tok_normalizer_t *normalizer, const char *s, size_t n, tok_bytes_t *out) {
    out->length = 0;
    if (!tok_bytes_append(out, s, n)) return rgtg_error_set(RGTG_ERR_NOMEM, "normalizing a text: out of memory");
    for (size_t k = 0; k < normalizer->count; k++) {
        utf8proc_uint8_t *mapped = NULL;
        utf8proc_ssize_t length = utf8proc_map((const utf8proc_uint8_t *)out->data, (utf8proc_ssize_t)out->length,
                                               &mapped, (utf8proc_option_t)normalizer->steps[k]);
        if (length < 0)
            return rgtg_error_set(length == UTF8PROC_ERROR_NOMEM ? RGTG_ERR_NOMEM : RGTG_ERR_INVALID,
                                  "normalizing a text of %zu bytes: %s", n, utf8proc_errmsg(length));
        out->length = 0;
        bool ok = tok_bytes_append(out, mapped, (size_t)length);
        free(mapped);
        if (!ok) return rgtg_error_set(RGTG_ERR_NOMEM, "normalizing a text: out of memory");
    }
    return RGTG_OK;
}
