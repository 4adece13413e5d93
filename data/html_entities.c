/* data/html_entities.c: in-place HTML character reference decoding (see html_entities.h). */
#include "html_entities.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../core/tok/utf8.h"

typedef struct {
    const char *name; /* without '&' and ';' */
    const char *utf8;
} named_entity_t;

static const named_entity_t named_entities[] = {
    {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", "\xC2\xA0"},
};

/* Writes code point cp as UTF-8 into out; returns the byte count, 0 for a code point text must not
 * hold (NUL, surrogates, beyond U+10FFFF). */
static size_t encode_utf8(uint32_t cp, char *out) {
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
    return tok_utf8_encode(cp, out);
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes the reference starting at text[0] == '&' (len bytes available) into out; returns how many
 * input bytes it spans, 0 when it is not a reference we decode. The output never exceeds the span. */
static size_t decode_reference(const char *text, size_t len, char *out, size_t *out_len) {
    if (len >= 3 && text[1] == '#') {
        bool hex = text[2] == 'x' || text[2] == 'X';
        size_t i = hex ? 3 : 2;
        uint32_t cp = 0;
        size_t digits = 0;
        for (; i < len && digits < 8; i++, digits++) {
            int d = hex ? hex_digit(text[i]) : (text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1);
            if (d < 0) break;
            cp = cp * (hex ? 16u : 10u) + (uint32_t)d;
        }
        if (digits == 0 || i >= len || text[i] != ';') return 0;
        size_t n = encode_utf8(cp, out);
        if (n == 0 || n > i + 1) return 0;
        *out_len = n;
        return i + 1;
    }
    for (size_t k = 0; k < sizeof named_entities / sizeof named_entities[0]; k++) {
        size_t name_len = strlen(named_entities[k].name);
        if (len >= name_len + 2 && memcmp(text + 1, named_entities[k].name, name_len) == 0 &&
            text[1 + name_len] == ';') {
            *out_len = strlen(named_entities[k].utf8);
            memcpy(out, named_entities[k].utf8, *out_len);
            return name_len + 2;
        }
    }
    return 0;
}

size_t rgtg_html_decode_once(char *text, size_t len) {
    size_t read = 0, write = 0;
    while (read < len) {
        if (text[read] == '&') {
            char decoded[4];
            size_t decoded_len = 0;
            size_t span = decode_reference(text + read, len - read, decoded, &decoded_len);
            if (span > 0) {
                memcpy(text + write, decoded, decoded_len);
                write += decoded_len;
                read += span;
                continue;
            }
        }
        text[write++] = text[read++];
    }
    text[write] = '\0';
    return write;
}

size_t rgtg_html_decode(char *text, size_t len) {
    for (int pass = 0; pass < 3; pass++) {
        size_t decoded = rgtg_html_decode_once(text, len);
        if (decoded == len) break; /* a pass that decodes anything shortens the text */
        len = decoded;
    }
    return len;
}
