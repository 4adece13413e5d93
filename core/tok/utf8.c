/* core/tok/utf8.c: UTF-8 validation, U+FFFD replacement by maximal subparts, code point
 * decoding and encoding, and the White_Space property (see utf8.h). */
#include "utf8.h"

/* The second byte's allowed range for each lead byte (Unicode table 3-7); later bytes are 80..BF. */
static bool second_byte_ok(uint8_t lead, uint8_t b) {
    switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF; /* no overlongs */
    case 0xED: return b >= 0x80 && b <= 0x9F; /* no surrogates */
    case 0xF0: return b >= 0x90 && b <= 0xBF; /* no overlongs */
    case 0xF4: return b >= 0x80 && b <= 0x8F; /* nothing above U+10FFFF */
    default: return b >= 0x80 && b <= 0xBF;
    }
}

size_t tok_utf8_sequence_length(const uint8_t *s, size_t n, size_t *bad_length) {
    uint8_t lead = s[0];
    size_t need;
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) need = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) need = 3;
    else if (lead >= 0xF0 && lead <= 0xF4) need = 4;
    else {
        if (bad_length) *bad_length = 1;
        return 0;
    }
    size_t have = 1;
    while (have < need && have < n) {
        uint8_t b = s[have];
        bool ok = have == 1 ? second_byte_ok(lead, b) : (b >= 0x80 && b <= 0xBF);
        if (!ok) break;
        have++;
    }
    if (have == need) return need;
    if (bad_length) *bad_length = have; /* the lead byte and the continuation bytes that fitted */
    return 0;
}

bool tok_utf8_is_valid(const char *s, size_t n) {
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) { /* ASCII runs are the common case */
            i++;
            continue;
        }
        size_t length = tok_utf8_sequence_length(p + i, n - i, NULL);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

bool tok_utf8_append_replacing(tok_bytes_t *out, const char *s, size_t n) {
    static const char replacement[3] = {(char)0xEF, (char)0xBF, (char)0xBD};
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0, run_start = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t bad = 0, length = tok_utf8_sequence_length(p + i, n - i, &bad);
        if (length) {
            i += length;
            continue;
        }
        if (!tok_bytes_append(out, s + run_start, i - run_start) || !tok_bytes_append(out, replacement, 3))
            return false;
        i += bad;
        run_start = i;
    }
    return tok_bytes_append(out, s + run_start, n - run_start);
}

uint32_t tok_utf8_decode(const uint8_t *s, size_t length) {
    switch (length) {
    case 1: return s[0];
    case 2: return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    case 3: return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    default:
        return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
               (s[3] & 0x3F);
    }
}

size_t tok_utf8_encode(uint32_t cp, char out[4]) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool tok_unicode_is_white_space(uint32_t cp) {
    /* PropList.txt, White_Space (unchanged since Unicode 6.3) */
    if (cp >= 0x09 && cp <= 0x0D) return true;
    if (cp < 0x80) return cp == 0x20;
    switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    default: return cp >= 0x2000 && cp <= 0x200A;
    }
}
