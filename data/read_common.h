/* data/read_common.h: what the per-format readers (read_*.c) share: a row's texts and place, field
 * access with errors that name the row, and the plain rendering of a conversation. Internal to data/;
 * below both the dispatcher (readers.c) and the formats, so that neither calls up into the other. */
#ifndef RGTG_DATA_READ_COMMON_H
#define RGTG_DATA_READ_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

/* One row's texts, malloc'd, or the reason the row is not a pair (then the texts may be NULL). */
typedef struct {
    char *prompt;
    char *chosen;
    char *rejected;
    const char *drop_reason; /* static string, NULL for a pair */
} rgtg_row_texts_t;

void rgtg_row_texts_free(rgtg_row_texts_t *texts);

/* Where a row is, for error messages "PATH:LINE: ...". */
typedef struct {
    const char *path;
    int64_t line;
} rgtg_row_place_t;

/* A malloc'd copy of n bytes, NUL-terminated; NULL when out of memory. */
char *rgtg_copy_text(const char *text, size_t n);
/* The string field key of row, or an error "PATH:LINE: field 'key' must be EXPECTED". */
rgtg_status_t rgtg_string_field(const json_t *row, const char *key, rgtg_row_place_t place, const char *expected,
                                const char **out);
rgtg_status_t rgtg_out_of_memory(rgtg_row_place_t place);

/* A conversation turn for the shared plain rendering. */
typedef enum { RGTG_TURN_SYSTEM, RGTG_TURN_HUMAN, RGTG_TURN_ASSISTANT } rgtg_turn_role_t;
typedef struct {
    rgtg_turn_role_t role;
    const char *text;
} rgtg_turn_t;
/* Renders "System: s\n\nHuman: h\n\nAssistant: a\n\nHuman: h2\n\nAssistant:" (turns, then the
 * open "Assistant:" cue), malloc'd; NULL when out of memory. */
char *rgtg_render_conversation(const rgtg_turn_t *turns, size_t count);

#endif
