/* data/tokenize_lines.c: lines of text to JSON id arrays and back (see tokenize_lines.h). */
#define _POSIX_C_SOURCE 200809L
#include "tokenize_lines.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tokenizer.h"

rgtg_tokenize_lines_params_t rgtg_tokenize_lines_default_params(void) {
    return (rgtg_tokenize_lines_params_t){.in = stdin, .out = stdout, .in_name = "<stdin>"};
}

static rgtg_status_t nomem(void) { return rgtg_error_set(RGTG_ERR_NOMEM, "data tokenize: out of memory"); }

static bool write_ids(FILE *buffer, const int32_t *ids, size_t count) {
    bool ok = fputc('[', buffer) != EOF;
    for (size_t i = 0; ok && i < count; i++) ok = fprintf(buffer, i ? ",%d" : "%d", (int)ids[i]) > 0;
    return ok && fputs("]\n", buffer) != EOF;
}

/* A JSON string literal of the bytes: quote, backslash and control bytes escaped, the rest as is. */
static bool write_json_string(FILE *buffer, const char *text, size_t length) {
    bool ok = fputc('"', buffer) != EOF;
    for (size_t i = 0; ok && i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\') ok = fputc('\\', buffer) != EOF && fputc(c, buffer) != EOF;
        else if (c == '\n') ok = fputs("\\n", buffer) != EOF;
        else if (c == '\r') ok = fputs("\\r", buffer) != EOF;
        else if (c == '\t') ok = fputs("\\t", buffer) != EOF;
        else if (c < 0x20 || c == 0x7f) ok = fprintf(buffer, "\\u%04x", c) > 0;
        else ok = fputc(c, buffer) != EOF;
    }
    return ok && fputc('"', buffer) != EOF;
}

static bool write_text(FILE *buffer, const char *text, size_t length) {
    bool quote = (length > 0 && text[0] == '"') || memchr(text, '\n', length) || memchr(text, '\r', length) ||
                 memchr(text, '\0', length);
    bool ok = quote ? write_json_string(buffer, text, length) : fwrite(text, 1, length, buffer) == length;
    return ok && fputc('\n', buffer) != EOF;
}

/* The ids of one JSON array line, checked against the vocabulary. */
static rgtg_status_t parse_ids(const rgtg_tokenize_lines_params_t *p, long long line_number, const char *line,
                               size_t length, int vocab_size, int32_t **ids_out, size_t *count_out) {
    json_error_t error;
    json_t *array = json_loadb(line, length, JSON_DECODE_ANY, &error);
    rgtg_status_t st = RGTG_OK;
    if (!json_is_array(array))
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: not a JSON array of token ids (%s)", p->in_name, line_number,
                            array ? "another JSON value" : error.text);
    size_t count = st == RGTG_OK ? json_array_size(array) : 0;
    int32_t *ids = st == RGTG_OK ? malloc((count + 1) * sizeof *ids) : NULL;
    if (st == RGTG_OK && !ids) st = nomem();
    for (size_t i = 0; st == RGTG_OK && i < count; i++) {
        const json_t *item = json_array_get(array, i);
        json_int_t id = json_is_integer(item) ? json_integer_value(item) : -1;
        if (!json_is_integer(item))
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: item %zu is not an integer token id", p->in_name,
                                line_number, i + 1);
        else if (id < 0 || id >= vocab_size)
            st = rgtg_error_set(RGTG_ERR_INVALID, "%s:%lld: token id %lld is outside the vocabulary (0..%d)", p->in_name,
                                line_number, (long long)id, vocab_size - 1);
        else
            ids[i] = (int32_t)id;
    }
    json_decref(array);
    if (st != RGTG_OK) {
        free(ids);
        return st;
    }
    *ids_out = ids;
    *count_out = count;
    return RGTG_OK;
}

static rgtg_status_t one_line(const rgtg_tokenize_lines_params_t *p, const rgtg_tokenizer_t *tok, long long line_number,
                              const char *line, size_t length, FILE *buffer) {
    int32_t *ids = NULL;
    size_t count = 0;
    rgtg_status_t st;
    if (!p->decode) {
        st = rgtg_tokenizer_encode(tok, line, length, &ids, &count);
        if (st == RGTG_OK && !write_ids(buffer, ids, count)) st = nomem();
    } else {
        char *text = NULL;
        size_t text_length = 0;
        st = parse_ids(p, line_number, line, length, rgtg_tokenizer_vocab_size(tok), &ids, &count);
        if (st == RGTG_OK) st = rgtg_tokenizer_decode(tok, ids, count, p->skip_special, &text, &text_length);
        if (st == RGTG_OK && !write_text(buffer, text, text_length)) st = nomem();
        free(text);
    }
    if (st != RGTG_OK && st != RGTG_ERR_NOMEM && !strstr(rgtg_error_message(), p->in_name)) {
        char message[512]; /* name the line: the tokenizer's message does not know it */
        snprintf(message, sizeof message, "%s", rgtg_error_message());
        rgtg_error_clear();
        rgtg_error_set(st, "%s:%lld: %s", p->in_name, line_number, message);
    }
    free(ids);
    return st;
}

rgtg_status_t rgtg_tokenize_lines_run(const rgtg_tokenize_lines_params_t *p, long long *rows_out) {
    if (rows_out) *rows_out = 0;
    if (!p->tokenizer || !*p->tokenizer) return rgtg_error_set(RGTG_ERR_INVALID, "data tokenize: --tokenizer is required");
    rgtg_tokenizer_t *tok = NULL;
    rgtg_status_t st = rgtg_tokenizer_load(p->tokenizer, &tok);
    if (st != RGTG_OK) return st;
    char *held = NULL, *line = NULL;
    size_t held_size = 0, line_cap = 0;
    FILE *buffer = open_memstream(&held, &held_size); /* the output, written only when every line worked */
    if (!buffer) st = nomem();
    long long rows = 0;
    ssize_t got;
    while (st == RGTG_OK && (got = getline(&line, &line_cap, p->in)) >= 0) {
        size_t length = (size_t)got;
        if (length && line[length - 1] == '\n') length--;
        if (length && line[length - 1] == '\r') length--;
        st = one_line(p, tok, ++rows, line, length, buffer);
    }
    if (st == RGTG_OK && ferror(p->in))
        st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot read (%s)", p->in_name, strerror(errno));
    if (buffer && fclose(buffer) != 0 && st == RGTG_OK) st = nomem();
    if (st == RGTG_OK && (fwrite(held, 1, held_size, p->out) != held_size || fflush(p->out) != 0))
        st = rgtg_error_set(RGTG_ERR_IO, "output: cannot write (%s)", strerror(errno));
    free(held);
    free(line);
    rgtg_tokenizer_free(tok);
    if (st == RGTG_OK && rows_out) *rows_out = rows;
    return st;
}
