/* data/read_sharegpt.c: LLaMA-Factory ShareGPT DPO files: one JSON array of {"conversations": [{"from":
 * "human"|"gpt"|"system", "value"}...], "chosen": {"from": "gpt", "value"}, "rejected": {...}}, with an
 * optional element-level "system" string. The array is streamed: a small scanner finds each element's
 * text (tracking strings, escapes and bracket depth) and hands it to jansson, so memory stays bounded by
 * the largest element. The prompt is the conversation rendered as plain text:
 * "System: ...\n\nHuman: ...\n\nAssistant: ...\n\nHuman: ...\n\nAssistant:". */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "line_stream.h"
#include "read_common.h"
#include "read_formats.h"

/* ---- the array scanner ---- */

typedef enum { BEFORE_ARRAY, BEFORE_ELEMENT, IN_ELEMENT, AFTER_ELEMENT, AFTER_ARRAY } scan_state_t;

struct rgtg_json_array_stream {
    rgtg_line_stream_t *bytes;
    const char *chunk;
    size_t chunk_len, chunk_pos;
    scan_state_t state;
    int64_t line, column; /* of the last byte consumed; columns count UTF-8 characters, like jansson */
    char *element;
    size_t element_len, element_cap;
    int64_t element_line, element_column;
    int64_t depth;
    bool in_string, escaped, scalar, after_comma;
};

rgtg_status_t rgtg_json_array_open(const char *path, rgtg_json_array_stream_t **out) {
    *out = NULL;
    rgtg_json_array_stream_t *s = calloc(1, sizeof *s);
    if (!s) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    rgtg_status_t st = rgtg_line_stream_open(path, &s->bytes);
    if (st != RGTG_OK) {
        free(s);
        return st;
    }
    s->line = 1;
    *out = s;
    return RGTG_OK;
}

void rgtg_json_array_close(rgtg_json_array_stream_t *s) {
    if (!s) return;
    rgtg_line_stream_close(s->bytes);
    free(s->element);
    free(s);
}

static const char *stream_path(const rgtg_json_array_stream_t *s) { return rgtg_line_stream_path(s->bytes); }

static rgtg_status_t syntax_error(rgtg_json_array_stream_t *s, const char *what) {
    return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld:%lld: %s", stream_path(s), (long long)s->line,
                          (long long)(s->column > 0 ? s->column : 1), what);
}

static rgtg_status_t append_byte(rgtg_json_array_stream_t *s, char c) {
    if (s->element_len + 2 > s->element_cap) {
        if (s->element_cap >= RGTG_LINE_STREAM_MAX_LINE)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: array element longer than %zu bytes", stream_path(s),
                                  (long long)s->element_line, RGTG_LINE_STREAM_MAX_LINE);
        size_t cap = s->element_cap ? s->element_cap * 2 : 4096;
        char *grown = realloc(s->element, cap);
        if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "%s:%lld: out of memory for an array element",
                                          stream_path(s), (long long)s->element_line);
        s->element = grown;
        s->element_cap = cap;
    }
    s->element[s->element_len++] = c;
    s->element[s->element_len] = '\0';
    return RGTG_OK;
}

/* Parses the collected element; jansson's position inside it is mapped back to the file's. */
static rgtg_status_t parse_element(rgtg_json_array_stream_t *s, json_t **element, bool *fatal) {
    json_error_t error;
    *element = json_loadb(s->element ? s->element : "", s->element_len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
                          &error);
    if (*element) return RGTG_OK;
    *fatal = true;
    int64_t line = s->element_line, column = s->element_column;
    if (error.line > 1) {
        line += error.line - 1;
        column = error.column;
    } else if (error.column > 0) {
        column += error.column - 1;
    }
    return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld:%lld: %s", stream_path(s), (long long)line,
                          (long long)(column > 0 ? column : 1), error.text);
}

static bool is_json_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void start_element(rgtg_json_array_stream_t *s, unsigned char c) {
    s->state = IN_ELEMENT;
    s->element_len = 0;
    s->element_line = s->line;
    s->element_column = s->column;
    s->depth = 0;
    s->in_string = s->escaped = s->after_comma = false;
    s->scalar = c != '{' && c != '[' && c != '"';
}

/* Feeds one consumed byte of an element; *complete when the element's last byte was seen. */
static void element_byte(rgtg_json_array_stream_t *s, unsigned char c, bool *complete) {
    if (s->scalar) return; /* ends at its terminator; jansson judges its text */
    if (s->in_string) {
        if (s->escaped) s->escaped = false;
        else if (c == '\\') s->escaped = true;
        else if (c == '"') s->in_string = false;
        *complete = !s->in_string && s->depth == 0;
        return;
    }
    if (c == '"') s->in_string = true;
    else if (c == '{' || c == '[') s->depth++;
    else if (c == '}' || c == ']') {
        s->depth--;
        *complete = s->depth <= 0;
    }
}

rgtg_status_t rgtg_json_array_next(rgtg_json_array_stream_t *s, json_t **element, int64_t *line, bool *fatal) {
    *element = NULL;
    *line = 0;
    *fatal = false;
    for (;;) {
        if (s->chunk_pos == s->chunk_len) {
            s->chunk_pos = 0;
            rgtg_status_t st = rgtg_line_stream_chunk(s->bytes, &s->chunk, &s->chunk_len);
            if (st != RGTG_OK) {
                *fatal = true;
                return st;
            }
            if (s->chunk_len == 0) break;
        }
        unsigned char c = (unsigned char)s->chunk[s->chunk_pos];
        if (s->state == IN_ELEMENT && s->scalar && (c == ',' || c == ']' || is_json_space(c))) {
            s->state = AFTER_ELEMENT; /* a bare scalar ends before its terminator, which is not consumed */
            *line = s->element_line;
            return parse_element(s, element, fatal);
        }
        s->chunk_pos++;
        if (c == '\n') {
            s->line++;
            s->column = 0;
        } else if ((c & 0xC0) != 0x80) {
            s->column++;
        }
        switch (s->state) {
        case BEFORE_ARRAY:
            if (is_json_space(c)) break;
            if (c != '[') {
                *fatal = true;
                return syntax_error(s, "a sharegpt file must be one JSON array ('[' expected)");
            }
            s->state = BEFORE_ELEMENT;
            break;
        case BEFORE_ELEMENT:
            if (is_json_space(c)) break;
            if (c == ']' && !s->after_comma) {
                s->state = AFTER_ARRAY;
                break;
            }
            if (c == ']' || c == ',' || c == '}') {
                *fatal = true;
                return syntax_error(s, "an array element expected");
            }
            start_element(s, c);
            /* fall through */
        case IN_ELEMENT: {
            rgtg_status_t st = append_byte(s, (char)c);
            if (st != RGTG_OK) {
                *fatal = true;
                return st;
            }
            bool complete = false;
            element_byte(s, c, &complete);
            if (complete) {
                s->state = AFTER_ELEMENT;
                *line = s->element_line;
                return parse_element(s, element, fatal);
            }
            break;
        }
        case AFTER_ELEMENT:
            if (is_json_space(c)) break;
            if (c == ',') {
                s->state = BEFORE_ELEMENT;
                s->after_comma = true;
            } else if (c == ']') {
                s->state = AFTER_ARRAY;
            } else {
                *fatal = true;
                return syntax_error(s, "',' or ']' expected after an array element");
            }
            break;
        case AFTER_ARRAY:
            if (is_json_space(c)) break;
            *fatal = true;
            return syntax_error(s, "end of file expected after the array");
        }
    }
    /* The end of the input. */
    switch (s->state) {
    case AFTER_ARRAY: return RGTG_OK;
    case IN_ELEMENT:
        *fatal = true;
        *line = s->element_line;
        if (parse_element(s, element, fatal) != RGTG_OK) return RGTG_ERR_FORMAT;
        json_decref(*element);
        *element = NULL;
        return syntax_error(s, "']' expected near end of file");
    case BEFORE_ARRAY:
        *fatal = true;
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: no JSON array (the file is empty)", stream_path(s));
    default: *fatal = true; return syntax_error(s, "']' expected near end of file");
    }
}

/* ---- one element ---- */

static rgtg_status_t turn_role(const char *from, rgtg_turn_role_t *role) {
    if (strcmp(from, "human") == 0 || strcmp(from, "user") == 0) *role = RGTG_TURN_HUMAN;
    else if (strcmp(from, "gpt") == 0 || strcmp(from, "assistant") == 0) *role = RGTG_TURN_ASSISTANT;
    else if (strcmp(from, "system") == 0) *role = RGTG_TURN_SYSTEM;
    else return RGTG_ERR_FORMAT;
    return RGTG_OK;
}

static rgtg_status_t response_of(const json_t *element, const char *key, rgtg_row_place_t place, const char **out) {
    const json_t *value = json_object_get(element, key);
    *out = json_is_string(value) ? json_string_value(value) : json_string_value(json_object_get(value, "value"));
    if (!*out)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field '%s' must be a {\"from\": \"gpt\", \"value\"} object",
                              place.path, (long long)place.line, key);
    return RGTG_OK;
}

rgtg_status_t rgtg_sharegpt_row(const json_t *element, rgtg_row_place_t place, rgtg_row_texts_t *out) {
    if (!json_is_object(element))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: array element must be a JSON object", place.path,
                              (long long)place.line);
    const json_t *conversations = json_object_get(element, "conversations");
    if (!json_is_array(conversations))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field 'conversations' must be a list of {\"from\", \"value\"}",
                              place.path, (long long)place.line);
    const char *chosen, *rejected;
    rgtg_status_t st = response_of(element, "chosen", place, &chosen);
    if (st == RGTG_OK) st = response_of(element, "rejected", place, &rejected);
    if (st != RGTG_OK) return st;

    const json_t *system = json_object_get(element, "system");
    if (system && !json_is_string(system))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field 'system' must be a string", place.path,
                              (long long)place.line);
    size_t count = json_array_size(conversations), used = 0;
    rgtg_turn_t *turns = malloc((count + 1) * sizeof *turns);
    if (!turns) return rgtg_out_of_memory(place);
    if (system && json_string_length(system) > 0)
        turns[used++] = (rgtg_turn_t){RGTG_TURN_SYSTEM, json_string_value(system)};
    for (size_t i = 0; i < count && st == RGTG_OK; i++) {
        const json_t *turn = json_array_get(conversations, i);
        const char *from = json_string_value(json_object_get(turn, "from"));
        const char *value = json_string_value(json_object_get(turn, "value"));
        if (!from || turn_role(from, &turns[used].role) != RGTG_OK)
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field 'conversations[%zu].from' must be human, gpt or system",
                                place.path, (long long)place.line, i);
        else if (!value)
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: field 'conversations[%zu].value' must be a string",
                                place.path, (long long)place.line, i);
        else
            turns[used++].text = value;
    }
    if (st == RGTG_OK) {
        out->prompt = used > 0 ? rgtg_render_conversation(turns, used) : rgtg_copy_text("", 0);
        out->chosen = rgtg_copy_text(chosen, strlen(chosen));
        out->rejected = rgtg_copy_text(rejected, strlen(rejected));
        if (!out->prompt || !out->chosen || !out->rejected) st = rgtg_out_of_memory(place);
    }
    free(turns);
    return st;
}

bool rgtg_sharegpt_looks_like(const json_t *element) {
    return json_is_array(json_object_get(element, "conversations")) && json_object_get(element, "chosen") &&
           json_object_get(element, "rejected");
}
