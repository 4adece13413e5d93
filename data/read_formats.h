/* data/read_formats.h: what the reader dispatcher (readers.c) calls in the per-format files
 * (read_*.c): row converters, format detection, and the two sources that are not JSON lines. The
 * formats' shared helpers are in read_common.h. Not for other stages: they use readers.h. */
#ifndef RGTG_DATA_READ_FORMATS_H
#define RGTG_DATA_READ_FORMATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"
#include "read_common.h"

/* Converts one parsed JSON object (a line of a JSONL file, or an element of a ShareGPT array) into
 * texts; RGTG_ERR_FORMAT "PATH:LINE: field 'x' must be ..." when a field is missing or mistyped. */
typedef rgtg_status_t (*rgtg_json_row_fn)(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out);

rgtg_status_t rgtg_hh_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out);
rgtg_status_t rgtg_tldr_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out);
rgtg_status_t rgtg_ultrafeedback_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out);
rgtg_status_t rgtg_jsonl_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out);
rgtg_status_t rgtg_sharegpt_row(const json_t *row, rgtg_row_place_t place, rgtg_row_texts_t *out);

/* Detection: whether a first row (a JSON object) looks like the format. */
bool rgtg_hh_looks_like(const json_t *row);
bool rgtg_tldr_looks_like(const json_t *row);
bool rgtg_ultrafeedback_looks_like(const json_t *row);
bool rgtg_jsonl_looks_like(const json_t *row);
bool rgtg_sharegpt_looks_like(const json_t *element);

/* A ShareGPT JSON array, streamed element by element (read_sharegpt.c). */
typedef struct rgtg_json_array_stream rgtg_json_array_stream_t;
rgtg_status_t rgtg_json_array_open(const char *path, rgtg_json_array_stream_t **out);
/* The next element (a new reference, the caller decrefs) and the line it starts on; *element NULL at the
 * closing ']'. Syntax errors are "PATH:LINE:COLUMN: reason" in file coordinates, after which the stream
 * cannot go on (*fatal true). */
rgtg_status_t rgtg_json_array_next(rgtg_json_array_stream_t *stream, json_t **element, int64_t *line, bool *fatal);
void rgtg_json_array_close(rgtg_json_array_stream_t *stream);

/* A post-edit TSV file with its header (read_postedit.c). */
typedef struct rgtg_postedit_stream rgtg_postedit_stream_t;
/* Finds the header (the first line, or a file "header" beside path); an error naming both when neither
 * names the columns. */
rgtg_status_t rgtg_postedit_open(const char *path, rgtg_postedit_stream_t **out);
/* The next row: *end true at the end; else texts (entities decoded) and its line. Errors for a row
 * ("PATH:LINE:COLUMN: ...") leave the stream able to go on, unless *fatal. */
rgtg_status_t rgtg_postedit_next(rgtg_postedit_stream_t *stream, rgtg_row_texts_t *out, int64_t *line, bool *end,
                                 bool *fatal);
void rgtg_postedit_close(rgtg_postedit_stream_t *stream);
/* Detection: whether path has a post-edit header (first line or "header" file) naming S, MT and PE. */
bool rgtg_postedit_has_header(const char *path);

#endif
