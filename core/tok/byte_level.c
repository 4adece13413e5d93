/* core/tok/byte_level.c: the byte <-> code point table of the byte-level alphabet (see
 * byte_level.h), built once on first use. */
#include "byte_level.h"

#include <pthread.h>

#include "utf8.h"

static uint32_t byte_to_char[256];
static int16_t char_to_byte[0x180]; /* every alphabet code point is below U+0144 */
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static bool stands_for_itself(int b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

static void build_table(void) {
    for (size_t i = 0; i < sizeof char_to_byte / sizeof char_to_byte[0]; i++) char_to_byte[i] = -1;
    uint32_t next = 256;
    for (int b = 0; b < 256; b++) {
        byte_to_char[b] = stands_for_itself(b) ? (uint32_t)b : next++;
        char_to_byte[byte_to_char[b]] = (int16_t)b;
    }
}

uint32_t tok_byte_level_char(uint8_t b) {
    pthread_once(&table_once, build_table);
    return byte_to_char[b];
}

int tok_byte_level_byte(uint32_t cp) {
    pthread_once(&table_once, build_table);
    return cp < sizeof char_to_byte / sizeof char_to_byte[0] ? char_to_byte[cp] : -1;
}

bool tok_byte_level_to_bytes(const char *s, size_t n, tok_bytes_t *out, bool *nomem) {
    const uint8_t *p = (const uint8_t *)s;
    size_t start_length = out->length;
    *nomem = false;
    if (!tok_bytes_reserve(out, n)) { /* never more bytes than UTF-8 bytes */
        *nomem = true;
        return false;
    }
    for (size_t i = 0; i < n;) {
        size_t length = tok_utf8_sequence_length(p + i, n - i, NULL);
        int b = length ? tok_byte_level_byte(tok_utf8_decode(p + i, length)) : -1;
        if (b < 0) {
            out->length = start_length;
            out->data[out->length] = '\0';
            return false;
        }
        out->data[out->length++] = (char)b;
        i += length;
    }
    out->data[out->length] = '\0';
    return true;
}

bool tok_byte_level_from_bytes(const uint8_t *b, size_t n, tok_bytes_t *out) {
    for (size_t i = 0; i < n; i++) {
        char utf8[4];
        size_t length = tok_utf8_encode(tok_byte_level_char(b[i]), utf8);
        if (!tok_bytes_append(out, utf8, length)) return false;
    }
    return true;
}
