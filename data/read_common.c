/* data/read_common.c: helpers the per-format readers share (see read_common.h). */
#include "read_common.h"

#include <stdlib.h>
#include <string.h>

void rgtg_row_texts_free(rgtg_row_texts_t *texts) {
    free(texts->prompt);
    free(texts->chosen);
    free(texts->rejected);
    *texts = (rgtg_row_texts_t){0};
}

char *rgtg_copy_text(const char *text, size_t n) {
    char *copy = malloc(n + 1);
    if (!copy) return NULL;
    memcpy(copy, text, n);
    copy[n] = '\0';
    return copy;
}

rgtg_status_t rgtg_string_field(const json_t *row, const char *key, rgtg_row_place_t place, const char *expected,
                                const char **out) {
    *out = json_string_value(json_object_get(row, key));
    if (!*out)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field '%s' must be %s", place.path, (long long)place.line, key,
                              expected);
    return RGTG_OK;
}

rgtg_status_t rgtg_out_of_memory(rgtg_row_place_t place) {
    return rgtg_error_set(RGTG_ERR_NOMEM, "%s:%lld: out of memory", place.path, (long long)place.line);
}

/* ---- plain rendering of a conversation ---- */

static const char *role_label(rgtg_turn_role_t role) {
    switch (role) {
    case RGTG_TURN_SYSTEM: return "System: ";
    case RGTG_TURN_HUMAN: return "Human: ";
    case RGTG_TURN_ASSISTANT: return "Assistant: ";
    }
    return "";
}

char *rgtg_render_conversation(const rgtg_turn_t *turns, size_t count) {
    static const char separator[] = "\n\n", cue[] = "Assistant:";
    size_t size = sizeof cue;
    for (size_t i = 0; i < count; i++) size += strlen(role_label(turns[i].role)) + strlen(turns[i].text) + 2;
    char *text = malloc(size);
    if (!text) return NULL;
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        const char *label = role_label(turns[i].role);
        size_t label_len = strlen(label), text_len = strlen(turns[i].text);
        memcpy(text + at, label, label_len);
        memcpy(text + at + label_len, turns[i].text, text_len);
        memcpy(text + at + label_len + text_len, separator, 2);
        at += label_len + text_len + 2;
    }
    memcpy(text + at, cue, sizeof cue);
    return text;
}

