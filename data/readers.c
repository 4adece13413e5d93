/* data/readers.c: the preference reader dispatcher (see readers.h): format names and detection, the
 * three row sources (JSON lines, a streamed JSON array, a TSV file), and the checks every format shares.
 * Responses lose one leading space (the template's response prefix, one space, puts it back); then a row
 * is dropped for the first reason that applies: the format's own ("no_shared_prompt",
 * "postedit_equals_mt", "not_reddit_post"), "empty_prompt", "empty_response" (empty or whitespace only),
 * "identical_responses". */
#define _POSIX_C_SOURCE 200809L
#include "readers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "line_stream.h"
#include "read_formats.h"

static const char *const format_names[] = {"hh", "tldr", "ultrafeedback", "sharegpt", "postedit", "jsonl", NULL};
static const char known_formats[] = "hh, tldr, ultrafeedback, sharegpt, postedit, jsonl";

typedef enum { SOURCE_JSON_LINES, SOURCE_JSON_ARRAY, SOURCE_TSV } source_kind_t;

struct rgtg_pref_reader {
    char *path;
    const char *format; /* one of format_names */
    source_kind_t kind;
    rgtg_json_row_fn convert; /* JSON sources */
    rgtg_line_stream_t *lines;
    rgtg_json_array_stream_t *array;
    rgtg_postedit_stream_t *tsv;
    rgtg_row_texts_t current; /* owned until the next call */
    bool can_continue;
    bool ended;
    int64_t rows_read;
};

/* ---- formats and detection ---- */

const char *const *rgtg_pref_formats(void) { return format_names; }

static const char *known_format(const char *name) {
    for (size_t i = 0; format_names[i]; i++)
        if (strcmp(format_names[i], name) == 0) return format_names[i];
    return NULL;
}

static bool ends_with(const char *text, const char *suffix) {
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* "a, b, c" (shortened with "..." past a few hundred characters). */
static void list_keys(const json_t *object, char *out, size_t cap) {
    size_t at = 0;
    const char *key;
    const json_t *value;
    out[0] = '\0';
    json_object_foreach((json_t *)object, key, value) {
        (void)value;
        int n = snprintf(out + at, cap - at, "%s%s", at ? ", " : "", key);
        if (n < 0 || (size_t)n >= cap - at) {
            snprintf(out + (at < cap - 5 ? at : cap - 5), 5, "...");
            return;
        }
        at += (size_t)n;
    }
    if (at == 0) snprintf(out, cap, "none");
}

static rgtg_status_t cannot_tell(const char *path, const char *why) {
    return rgtg_error_set(RGTG_ERR_FORMAT, "cannot tell the format of %s (%s); pass --format", path, why);
}

static rgtg_status_t cannot_tell_keys(const char *path, const char *what, const json_t *row) {
    char keys[320], why[400];
    list_keys(row, keys, sizeof keys);
    snprintf(why, sizeof why, "%s has keys: %s", what, keys);
    return cannot_tell(path, why);
}

static rgtg_status_t detect_array(const char *path, const char **format_out) {
    rgtg_json_array_stream_t *array = NULL;
    rgtg_status_t st = rgtg_json_array_open(path, &array);
    json_t *element = NULL;
    int64_t line;
    bool fatal;
    if (st == RGTG_OK) st = rgtg_json_array_next(array, &element, &line, &fatal);
    rgtg_json_array_close(array);
    if (st != RGTG_OK) return st;
    if (!element) st = cannot_tell(path, "it is an empty JSON array");
    else if (!json_is_object(element)) st = cannot_tell(path, "its first array element is not an object");
    else if (rgtg_sharegpt_looks_like(element)) *format_out = "sharegpt";
    else st = cannot_tell_keys(path, "first array element", element);
    json_decref(element);
    return st;
}

static rgtg_status_t detect_object(const char *path, const char *line, size_t len, int64_t line_number,
                                   const char **format_out) {
    json_error_t error;
    json_t *row = json_loadb(line, len, JSON_DECODE_ANY, &error);
    if (!row)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld:%d: %s", path, (long long)line_number,
                              error.column > 0 ? error.column : 1, error.text);
    const char *candidates[3];
    size_t n = 0;
    if (json_is_object(row)) {
        if (rgtg_tldr_looks_like(row)) candidates[n++] = "tldr";
        if (rgtg_hh_looks_like(row)) candidates[n++] = "hh";
        if (rgtg_ultrafeedback_looks_like(row)) candidates[n++] = "ultrafeedback";
        if (n == 0 && rgtg_jsonl_looks_like(row)) candidates[n++] = "jsonl";
    }
    rgtg_status_t st = RGTG_OK;
    if (n == 1) *format_out = candidates[0];
    else if (json_is_object(row)) st = cannot_tell_keys(path, "first row", row);
    else st = cannot_tell(path, "its first row is not a JSON object");
    json_decref(row);
    return st;
}

/* The first byte of path that is not whitespace (0 for none), read chunk by chunk so that a minified
 * JSON array is not loaded whole. */
static rgtg_status_t first_significant_byte(const char *path, char *out) {
    *out = 0;
    rgtg_line_stream_t *bytes = NULL;
    rgtg_status_t st = rgtg_line_stream_open(path, &bytes);
    while (st == RGTG_OK) {
        const char *data;
        size_t len;
        st = rgtg_line_stream_chunk(bytes, &data, &len);
        if (st != RGTG_OK || len == 0) break;
        size_t i = 0;
        while (i < len && strchr(" \t\n\r\f\v", data[i]) && data[i]) i++;
        if (i < len) {
            *out = data[i];
            break;
        }
    }
    rgtg_line_stream_close(bytes);
    return st;
}

/* Detection from the first non-blank line of a file that does not start with '['. */
static rgtg_status_t detect_from_first_line(const char *path, const char **format_out) {
    rgtg_line_stream_t *lines = NULL;
    rgtg_status_t st = rgtg_line_stream_open(path, &lines);
    const char *line = NULL;
    size_t len = 0, skip = 0;
    bool end = false;
    while (st == RGTG_OK) {
        st = rgtg_line_stream_next(lines, &line, &len, &end);
        if (st != RGTG_OK || end) break;
        for (skip = 0; skip < len && strchr(" \t\r\f\v", line[skip]) && line[skip]; skip++) {}
        if (skip < len) break;
    }
    if (st == RGTG_OK && !end && line[skip] == '{') {
        st = detect_object(path, line, len, rgtg_line_stream_line_number(lines), format_out);
    } else if (st == RGTG_OK) {
        if (rgtg_postedit_has_header(path) || (!end && (ends_with(path, ".tsv") || ends_with(path, ".tsv.gz"))))
            *format_out = "postedit";
        else if (end)
            st = cannot_tell(path, "it has no rows");
        else
            st = cannot_tell(path, "its first row is not JSON and there is no header naming S, MT and PE");
    }
    rgtg_line_stream_close(lines);
    return st;
}

rgtg_status_t rgtg_pref_detect_format(const char *path, const char **format_out) {
    *format_out = NULL;
    char first = 0;
    rgtg_status_t st = first_significant_byte(path, &first);
    if (st != RGTG_OK) return st;
    return first == '[' ? detect_array(path, format_out) : detect_from_first_line(path, format_out);
}

rgtg_status_t rgtg_pref_check_format(const char *format) {
    if (format && known_format(format)) return RGTG_OK;
    return rgtg_error_set(RGTG_ERR_INVALID, "unknown format '%s' (known: %s)", format ? format : "(none)", known_formats);
}

/* ---- the reader ---- */

rgtg_status_t rgtg_pref_reader_open(const char *path, const char *format, rgtg_pref_reader_t **out) {
    *out = NULL;
    const char *name = NULL;
    if (format) {
        rgtg_status_t st = rgtg_pref_check_format(format);
        if (st != RGTG_OK) return st;
        name = known_format(format);
    } else {
        rgtg_status_t st = rgtg_pref_detect_format(path, &name);
        if (st != RGTG_OK) return st;
        name = known_format(name);
    }
    rgtg_pref_reader_t *r = calloc(1, sizeof *r);
    if (r) r->path = strdup(path);
    if (!r || !r->path) {
        free(r);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    r->format = name;
    r->can_continue = true;
    rgtg_status_t st;
    if (strcmp(name, "sharegpt") == 0) {
        r->kind = SOURCE_JSON_ARRAY;
        r->convert = rgtg_sharegpt_row;
        st = rgtg_json_array_open(path, &r->array);
    } else if (strcmp(name, "postedit") == 0) {
        r->kind = SOURCE_TSV;
        st = rgtg_postedit_open(path, &r->tsv);
    } else {
        r->kind = SOURCE_JSON_LINES;
        r->convert = strcmp(name, "hh") == 0              ? rgtg_hh_row
                     : strcmp(name, "tldr") == 0          ? rgtg_tldr_row
                     : strcmp(name, "ultrafeedback") == 0 ? rgtg_ultrafeedback_row
                                                          : rgtg_jsonl_row;
        st = rgtg_line_stream_open(path, &r->lines);
    }
    if (st != RGTG_OK) {
        rgtg_pref_reader_close(r);
        return st;
    }
    *out = r;
    return RGTG_OK;
}

static bool is_blank(const char *text) {
    for (; *text; text++)
        if (!strchr(" \t\n\r\f\v", *text)) return false;
    return true;
}

/* One JSON line into texts; *end at the end of the file. */
static rgtg_status_t next_json_line(rgtg_pref_reader_t *r, int64_t *line_number, bool *end) {
    const char *line;
    size_t len;
    for (;;) {
        rgtg_status_t st = rgtg_line_stream_next(r->lines, &line, &len, end);
        if (st != RGTG_OK) {
            r->can_continue = false;
            return st;
        }
        if (*end) return RGTG_OK;
        if (len != strlen(line) || !is_blank(line)) break;
    }
    *line_number = rgtg_line_stream_line_number(r->lines);
    r->rows_read++;
    json_error_t error;
    json_t *row = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &error);
    if (!row)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld:%d: %s", r->path, (long long)*line_number,
                              error.column > 0 ? error.column : 1, error.text);
    rgtg_status_t st = json_is_object(row)
                           ? r->convert(row, (rgtg_row_place_t){r->path, *line_number}, &r->current)
                           : rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: row must be a JSON object", r->path,
                                            (long long)*line_number);
    json_decref(row);
    return st;
}

static rgtg_status_t next_array_element(rgtg_pref_reader_t *r, int64_t *line_number, bool *end) {
    json_t *element = NULL;
    bool fatal = false;
    rgtg_status_t st = rgtg_json_array_next(r->array, &element, line_number, &fatal);
    if (st != RGTG_OK) {
        r->can_continue = !fatal;
        r->rows_read++;
        return st;
    }
    *end = element == NULL;
    if (*end) return RGTG_OK;
    r->rows_read++;
    st = r->convert(element, (rgtg_row_place_t){r->path, *line_number}, &r->current);
    json_decref(element);
    return st;
}

static rgtg_status_t next_tsv_row(rgtg_pref_reader_t *r, int64_t *line_number, bool *end) {
    bool fatal = false;
    rgtg_status_t st = rgtg_postedit_next(r->tsv, &r->current, line_number, end, &fatal);
    if (st != RGTG_OK && fatal) r->can_continue = false;
    if (!*end && !fatal) r->rows_read++;
    return st;
}

static void drop_one_leading_space(char *text) {
    if (text[0] == ' ') memmove(text, text + 1, strlen(text));
}

/* The shared checks, in order, for a row that the format made into texts. */
static const char *shared_drop_reason(const rgtg_row_texts_t *texts) {
    if (is_blank(texts->prompt)) return "empty_prompt";
    if (is_blank(texts->chosen) || is_blank(texts->rejected)) return "empty_response";
    if (strcmp(texts->chosen, texts->rejected) == 0) return "identical_responses";
    return NULL;
}

rgtg_status_t rgtg_pref_reader_next(rgtg_pref_reader_t *r, rgtg_raw_pair_t *pair, rgtg_read_result_t *result,
                                    const char **drop_reason) {
    rgtg_row_texts_free(&r->current);
    *pair = (rgtg_raw_pair_t){0};
    *result = RGTG_READ_END;
    if (drop_reason) *drop_reason = NULL;
    if (!r->can_continue)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: the reader cannot go on after an earlier error", r->path);
    if (r->ended) return RGTG_OK;

    int64_t line = 0;
    bool end = false;
    rgtg_status_t st = r->kind == SOURCE_JSON_LINES   ? next_json_line(r, &line, &end)
                       : r->kind == SOURCE_JSON_ARRAY ? next_array_element(r, &line, &end)
                                                      : next_tsv_row(r, &line, &end);
    if (st != RGTG_OK) {
        rgtg_row_texts_free(&r->current);
        return st;
    }
    if (end) {
        r->ended = true;
        return RGTG_OK;
    }
    const char *reason = r->current.drop_reason;
    if (!reason) {
        drop_one_leading_space(r->current.chosen);
        drop_one_leading_space(r->current.rejected);
        reason = shared_drop_reason(&r->current);
    }
    pair->line = line;
    if (reason) {
        *result = RGTG_READ_DROP;
        if (drop_reason) *drop_reason = reason;
        return RGTG_OK;
    }
    pair->prompt = r->current.prompt;
    pair->chosen = r->current.chosen;
    pair->rejected = r->current.rejected;
    *result = RGTG_READ_PAIR;
    return RGTG_OK;
}

bool rgtg_pref_reader_can_continue(const rgtg_pref_reader_t *r) { return r->can_continue; }
const char *rgtg_pref_reader_format(const rgtg_pref_reader_t *r) { return r->format; }
int64_t rgtg_pref_reader_rows_read(const rgtg_pref_reader_t *r) { return r->rows_read; }

void rgtg_pref_reader_close(rgtg_pref_reader_t *r) {
    if (!r) return;
    rgtg_row_texts_free(&r->current);
    rgtg_line_stream_close(r->lines);
    rgtg_json_array_close(r->array);
    rgtg_postedit_close(r->tsv);
    free(r->path);
    free(r);
}
