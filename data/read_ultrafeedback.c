/* data/read_ultrafeedback.c: UltraFeedback binarized rows {"prompt": str, "chosen": str | messages,
 * "rejected": same}, messages being [{"role", "content"}...]. With a message list the response is the
 * content of its last "assistant" message; when "prompt" is absent the prompt comes from the messages
 * before chosen's last assistant message: a lone user message as it is, a longer history rendered like
 * ShareGPT conversations ("Human: ...\n\nAssistant: ...\n\nHuman: ...\n\nAssistant:"). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "read_common.h"
#include "read_formats.h"

static const char response_expected[] = "a string or a message list";

static rgtg_status_t role_of(const json_t *message, const char *key, size_t i, rgtg_row_place_t place,
                             const char **role) {
    *role = json_string_value(json_object_get(message, "role"));
    if (!*role)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field '%s[%zu].role' must be a string", place.path,
                              (long long)place.line, key, i);
    return RGTG_OK;
}

static rgtg_status_t content_of(const json_t *message, const char *key, size_t i, rgtg_row_place_t place,
                                const char **content) {
    *content = json_string_value(json_object_get(message, "content"));
    if (!*content)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field '%s[%zu].content' must be a string", place.path,
                              (long long)place.line, key, i);
    return RGTG_OK;
}

/* The response text of field key; *assistant_index is the index of the last assistant message in a list
 * (SIZE_MAX for a plain string). */
static rgtg_status_t response_of(const json_t *row, const char *key, rgtg_row_place_t place, const char **text,
                                 size_t *assistant_index) {
    const json_t *value = json_object_get(row, key);
    *assistant_index = SIZE_MAX;
    if (json_is_string(value)) {
        *text = json_string_value(value);
        return RGTG_OK;
    }
    if (!json_is_array(value))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field '%s' must be %s", place.path, (long long)place.line,
                              key, response_expected);
    for (size_t i = json_array_size(value); i-- > 0;) {
        const json_t *message = json_array_get(value, i);
        const char *role;
        rgtg_status_t st = role_of(message, key, i, place, &role);
        if (st != RGTG_OK) return st;
        if (strcmp(role, "assistant") == 0) {
            *assistant_index = i;
            return content_of(message, key, i, place, text);
        }
    }
    return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field '%s' has no assistant message", place.path,
                          (long long)place.line, key);
}

/* The prompt built from the messages of chosen before index end. */
static rgtg_status_t prompt_from_messages(const json_t *messages, size_t end, rgtg_row_place_t place, char **out) {
    if (end == 1) {
        const char *role, *content;
        rgtg_status_t st = role_of(json_array_get(messages, 0), "chosen", 0, place, &role);
        if (st == RGTG_OK) st = content_of(json_array_get(messages, 0), "chosen", 0, place, &content);
        if (st != RGTG_OK) return st;
        if (strcmp(role, "user") == 0) {
            *out = rgtg_copy_text(content, strlen(content));
            return *out ? RGTG_OK : rgtg_out_of_memory(place);
        }
    }
    if (end == 0) {
        *out = rgtg_copy_text("", 0);
        return *out ? RGTG_OK : rgtg_out_of_memory(place);
    }
    rgtg_turn_t *turns = malloc(end * sizeof *turns);
    if (!turns) return rgtg_out_of_memory(place);
    rgtg_status_t st = RGTG_OK;
    for (size_t i = 0; i < end && st == RGTG_OK; i++) {
        const json_t *message = json_array_get(messages, i);
        const char *role;
        st = role_of(message, "chosen", i, place, &role);
        if (st == RGTG_OK) st = content_of(message, "chosen", i, place, &turns[i].text);
        if (st != RGTG_OK) break;
        if (strcmp(role, "user") == 0) turns[i].role = RGTG_TURN_HUMAN;
        else if (strcmp(role, "assistant") == 0) turns[i].role = RGTG_TURN_ASSISTANT;
        else if (strcmp(role, "system") == 0) turns[i].role = RGTG_TURN_SYSTEM;
        else
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field 'chosen[%zu].role' must be user, assistant or system",
                                place.path, (long long)place.line, i);
    }
    if (st == RGTG_OK) {
        *out = rgtg_render_conversation(turns, end);
        if (!*out) st = rgtg_out_of_memory(place);
    }
    free(turns);
    return st;
}

rgtg_status_t rgtg_ultrafeedback_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out) {
    const char *chosen, *rejected;
    size_t chosen_assistant, rejected_assistant;
    rgtg_status_t st = response_of(row, "chosen", place, &chosen, &chosen_assistant);
    if (st == RGTG_OK) st = response_of(row, "rejected", place, &rejected, &rejected_assistant);
    if (st != RGTG_OK) return st;
    const json_t *prompt = json_object_get(row, "prompt");
    if (prompt || chosen_assistant == SIZE_MAX) {
        if (!json_is_string(prompt))
            return rgtg_error_set(RGTG_ERR_FORMAT,
                                  prompt ? "%s:%lld: field 'prompt' must be a string"
                                         : "%s:%lld: field 'prompt' must be a string (or 'chosen' a message list)",
                                  place.path, (long long)place.line);
        out->prompt = rgtg_copy_text(json_string_value(prompt), strlen(json_string_value(prompt)));
        if (!out->prompt) return rgtg_out_of_memory(place);
    } else {
        st = prompt_from_messages(json_object_get(row, "chosen"), chosen_assistant, place, &out->prompt);
        if (st != RGTG_OK) return st;
    }
    out->chosen = rgtg_copy_text(chosen, strlen(chosen));
    out->rejected = rgtg_copy_text(rejected, strlen(rejected));
    if (!out->chosen || !out->rejected) return rgtg_out_of_memory(place);
    return RGTG_OK;
}

bool rgtg_ultrafeedback_looks_like(const json_t *row) {
    const json_t *chosen = json_object_get(row, "chosen"), *rejected = json_object_get(row, "rejected");
    if (!chosen || !rejected) return false;
    if (json_is_array(chosen) || json_is_array(rejected)) return true;
    static const char *const own_keys[] = {"prompt_id", "score_chosen", "score_rejected", "messages"};
    for (size_t i = 0; i < sizeof own_keys / sizeof own_keys[0]; i++)
        if (json_object_get(row, own_keys[i])) return json_is_string(json_object_get(row, "prompt"));
    return false;
}
