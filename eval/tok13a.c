/* eval/tok13a.c: the 13a tokenizer as a sequence of byte-buffer passes (see tok13a.h). Each pass reads
 * one buffer and writes the next; the patterns only involve ASCII bytes, so scanning bytes instead of
 * code points finds the same matches in UTF-8 text. */
#include "tok13a.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *data;
    size_t length, capacity;
} buffer_t;

static rgtg_status_t buffer_reserve(buffer_t *buffer, size_t capacity) {
    if (capacity <= buffer->capacity) return RGTG_OK;
    char *grown = realloc(buffer->data, capacity);
    if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "13a tokenizer: out of memory for %zu bytes", capacity);
    buffer->data = grown;
    buffer->capacity = capacity;
    return RGTG_OK;
}

/* Callers reserve enough room first; these never grow the buffer. */
static void put_byte(buffer_t *buffer, char c) { buffer->data[buffer->length++] = c; }
static void put_bytes(buffer_t *buffer, const char *bytes, size_t n) {
    memcpy(buffer->data + buffer->length, bytes, n);
    buffer->length += n;
}

size_t rgtg_python_space_length(const char *p, const char *end) {
    const unsigned char *u = (const unsigned char *)p;
    size_t left = (size_t)(end - p);
    if ((u[0] >= 0x09 && u[0] <= 0x0d) || (u[0] >= 0x1c && u[0] <= 0x20)) return 1;
    if (left >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0)) return 2;
    if (left < 3) return 0;
    if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) return 3; /* U+1680 */
    if (u[0] == 0xe2 && u[1] == 0x80 &&
        ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
        return 3; /* U+2000-U+200A, U+2028, U+2029, U+202F */
    if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f) return 3; /* U+205F */
    if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) return 3; /* U+3000 */
    return 0;
}

/* One str.replace(pattern, replacement) pass: non-overlapping, left to right, no rescanning. The
 * replacement is never longer than the pattern, so the output fits in the input's length. */
static void replace_all(buffer_t *in, buffer_t *out, const char *pattern, const char *replacement) {
    size_t pattern_length = strlen(pattern), replacement_length = strlen(replacement);
    out->length = 0;
    for (size_t i = 0; i < in->length;) {
        if (in->data[i] == pattern[0] && in->length - i >= pattern_length &&
            memcmp(in->data + i, pattern, pattern_length) == 0) {
            put_bytes(out, replacement, replacement_length);
            i += pattern_length;
        } else {
            put_byte(out, in->data[i++]);
        }
    }
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* { | } ~ [ \ ] ^ _ ` space..& ( ) * + : ..@ / */
static bool is_split_symbol(char c) {
    unsigned char u = (unsigned char)c;
    return (u >= '{' && u <= '~') || (u >= '[' && u <= '`') || (u >= ' ' && u <= '&') || (u >= '(' && u <= '+') ||
           (u >= ':' && u <= '@') || u == '/';
}

static bool is_period_or_comma(char c) { return c == '.' || c == ','; }

/* Pass 2: a symbol of the split set becomes " c ". */
static void split_symbols(const buffer_t *in, buffer_t *out) {
    out->length = 0;
    for (size_t i = 0; i < in->length; i++) {
        if (is_split_symbol(in->data[i])) {
            put_byte(out, ' ');
            put_byte(out, in->data[i]);
            put_byte(out, ' ');
        } else {
            put_byte(out, in->data[i]);
        }
    }
}

/* Pass 3a: ([^0-9])([.,]) -> "\1 \2 " */
static void split_period_after_non_digit(const buffer_t *in, buffer_t *out) {
    out->length = 0;
    for (size_t i = 0; i < in->length;) {
        if (i + 1 < in->length && !is_digit(in->data[i]) && is_period_or_comma(in->data[i + 1])) {
            put_byte(out, in->data[i]);
            put_byte(out, ' ');
            put_byte(out, in->data[i + 1]);
            put_byte(out, ' ');
            i += 2;
        } else {
            put_byte(out, in->data[i++]);
        }
    }
}

/* Pass 3b: ([.,])([^0-9]) -> " \1 \2" */
static void split_period_before_non_digit(const buffer_t *in, buffer_t *out) {
    out->length = 0;
    for (size_t i = 0; i < in->length;) {
        if (i + 1 < in->length && is_period_or_comma(in->data[i]) && !is_digit(in->data[i + 1])) {
            put_byte(out, ' ');
            put_byte(out, in->data[i]);
            put_byte(out, ' ');
            put_byte(out, in->data[i + 1]);
            i += 2;
        } else {
            put_byte(out, in->data[i++]);
        }
    }
}

/* Pass 3c: ([0-9])(-) -> "\1 \2 " */
static void split_dash_after_digit(const buffer_t *in, buffer_t *out) {
    out->length = 0;
    for (size_t i = 0; i < in->length;) {
        if (i + 1 < in->length && is_digit(in->data[i]) && in->data[i + 1] == '-') {
            put_byte(out, in->data[i]);
            put_bytes(out, " - ", 3);
            i += 2;
        } else {
            put_byte(out, in->data[i++]);
        }
    }
}

/* Pass 4: whitespace runs -> one space, none at the ends. */
static void join_tokens(const buffer_t *in, buffer_t *out) {
    out->length = 0;
    const char *end = in->data + in->length;
    bool pending_space = false;
    for (const char *p = in->data; p < end;) {
        unsigned char c = (unsigned char)*p;
        size_t space = c > ' ' && c < 0x80 ? 0 : rgtg_python_space_length(p, end); /* printable ASCII: no space */
        if (space) {
            pending_space = out->length > 0;
            p += space;
            continue;
        }
        if (pending_space) put_byte(out, ' ');
        pending_space = false;
        put_byte(out, *p++);
    }
}

rgtg_status_t rgtg_tokenize_13a(const char *text, char **tokenized_out, size_t *length_out) {
    *tokenized_out = NULL;
    if (length_out) *length_out = 0;
    if (!text) return rgtg_error_set(RGTG_ERR_INVALID, "13a tokenizer: NULL text");
    size_t length = strlen(text);
    /* rstrip: keep up to the end of the last character that is not whitespace */
    const char *end = text + length;
    size_t kept = 0;
    for (const char *p = text; p < end;) {
        unsigned char c = (unsigned char)*p;
        size_t space = c > ' ' && c < 0x80 ? 0 : rgtg_python_space_length(p, end);
        if (space) {
            p += space;
        } else {
            p++;
            kept = (size_t)(p - text);
        }
    }
    buffer_t a = {0}, b = {0};
    rgtg_status_t status = buffer_reserve(&a, kept + 3);
    if (status == RGTG_OK) status = buffer_reserve(&b, kept + 3);
    if (status == RGTG_OK) {
        memcpy(a.data, text, kept);
        a.length = kept;
        static const char *const replacements[][2] = {
            {"<skipped>", ""}, {"-\n", ""}, {"\n", " "}, {"&quot;", "\""}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"},
        };
        for (size_t r = 0; r < sizeof replacements / sizeof *replacements; r++) {
            replace_all(&a, &b, replacements[r][0], replacements[r][1]);
            buffer_t swap = a; a = b; b = swap;
        }
        b.length = 0; /* pad with a space each side */
        put_byte(&b, ' ');
        put_bytes(&b, a.data, a.length);
        put_byte(&b, ' ');
        status = buffer_reserve(&a, 3 * b.length + 1); /* every byte may become three */
    }
    if (status == RGTG_OK) {
        split_symbols(&b, &a);
        status = buffer_reserve(&b, 2 * a.length + 1); /* every 2 matched bytes become 4 */
    }
    if (status == RGTG_OK) {
        split_period_after_non_digit(&a, &b);
        status = buffer_reserve(&a, 2 * b.length + 1);
    }
    if (status == RGTG_OK) {
        split_period_before_non_digit(&b, &a);
        status = buffer_reserve(&b, 2 * a.length + 1);
    }
    if (status == RGTG_OK) {
        split_dash_after_digit(&a, &b);
        status = buffer_reserve(&a, b.length + 1); /* joining never lengthens */
    }
    if (status == RGTG_OK) {
        join_tokens(&b, &a);
        a.data[a.length] = '\0';
    }
    free(b.data);
    if (status != RGTG_OK) {
        free(a.data);
        return status;
    }
    *tokenized_out = a.data;
    if (length_out) *length_out = a.length;
    return RGTG_OK;
}
