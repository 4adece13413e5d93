/* core/tok/byte_level.h: the byte-level alphabet of GPT-2 style BPE (tokenizers' ByteLevel): each
 * of the 256 byte values is written as one printable code point, so that a vocabulary of strings
 * can hold arbitrary bytes. Printable Latin-1 bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand
 * for themselves; the other 68 bytes take U+0100, U+0101, ... in increasing byte order (space is
 * U+0120 'Ġ', newline U+010A 'Ċ'). The tokenizer works on raw bytes and converts vocabulary strings
 * once, when it loads them. */
#ifndef RGTG_CORE_TOK_BYTE_LEVEL_H
#define RGTG_CORE_TOK_BYTE_LEVEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* The code point that stands for byte b. */
uint32_t tok_byte_level_char(uint8_t b);
/* The byte that code point cp stands for, or -1 when cp is not in the byte-level alphabet. */
int tok_byte_level_byte(uint32_t cp);

/* Appends the bytes that the byte-level string s[0..n) (UTF-8) stands for. Returns false (and
 * leaves out's length as it was) when s holds a code point outside the alphabet or is not UTF-8;
 * *nomem is set when memory ran out. */
bool tok_byte_level_to_bytes(const char *s, size_t n, tok_bytes_t *out, bool *nomem);
/* Appends the byte-level string (UTF-8) for the raw bytes b[0..n). */
bool tok_byte_level_from_bytes(const uint8_t *b, size_t n, tok_bytes_t *out);

#endif
