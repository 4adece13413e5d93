/* core/tok/bytes.h: the growable byte buffer and id vector that the tokenizer code fills.
 * Header-only; every push returns false when memory runs out (the caller reports it). */
#ifndef RGTG_CORE_TOK_BYTES_H
#define RGTG_CORE_TOK_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *data;
    size_t length, capacity;
} tok_bytes_t;

typedef struct {
    int32_t *data;
    size_t length, capacity;
} tok_ids_t;

static inline bool tok_bytes_reserve(tok_bytes_t *b, size_t extra) {
    if (b->length + extra + 1 <= b->capacity) return true; /* +1: room for a closing NUL */
    size_t capacity = b->capacity ? b->capacity : 64;
    while (capacity < b->length + extra + 1) capacity *= 2;
    char *data = realloc(b->data, capacity);
    if (data == NULL) return false;
    b->data = data;
    b->capacity = capacity;
    return true;
}

static inline bool tok_bytes_append(tok_bytes_t *b, const void *data, size_t n) {
    if (!tok_bytes_reserve(b, n)) return false;
    if (n) memcpy(b->data + b->length, data, n);
    b->length += n;
    b->data[b->length] = '\0';
    return true;
}

static inline void tok_bytes_free(tok_bytes_t *b) {
    free(b->data);
    b->data = NULL;
    b->length = b->capacity = 0;
}

static inline bool tok_ids_reserve(tok_ids_t *v, size_t extra) {
    if (v->length + extra <= v->capacity) return true;
    size_t capacity = v->capacity ? v->capacity : 64;
    while (capacity < v->length + extra) capacity *= 2;
    int32_t *data = realloc(v->data, capacity * sizeof *data);
    if (data == NULL) return false;
    v->data = data;
    v->capacity = capacity;
    return true;
}

static inline bool tok_ids_push(tok_ids_t *v, int32_t id) {
    if (v->length == v->capacity && !tok_ids_reserve(v, 1)) return false;
    v->data[v->length++] = id;
    return true;
}

static inline bool tok_ids_append(tok_ids_t *v, const int32_t *ids, size_t n) {
    if (!tok_ids_reserve(v, n)) return false;
    if (n) memcpy(v->data + v->length, ids, n * sizeof *ids);
    v->length += n;
    return true;
}

static inline void tok_ids_free(tok_ids_t *v) {
    free(v->data);
    v->data = NULL;
    v->length = v->capacity = 0;
}

#endif
