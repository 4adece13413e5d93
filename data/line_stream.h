/* data/line_stream.h: buffered reading of a plain or gzip file (detected by its magic bytes, decompressed
 * on the fly with zlib) either line by line, with line numbers, or chunk by chunk. Memory stays bounded by
 * the longest line (lines) or a fixed buffer (chunks). A gzip file cut short is the error
 * "FILE: truncated gzip stream". */
#ifndef RGTG_DATA_LINE_STREAM_H
#define RGTG_DATA_LINE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

typedef struct rgtg_line_stream rgtg_line_stream_t;

/* Longest line accepted: longer ones are an error rather than an unbounded allocation. */
#define RGTG_LINE_STREAM_MAX_LINE ((size_t)1 << 30)

/* Opens path; "FILE: No such file or directory" and the like when it cannot. */
rgtg_status_t rgtg_line_stream_open(const char *path, rgtg_line_stream_t **out);
/* The next line without its "\n" (and without a "\r" before it), NUL-terminated, valid until the next
 * call; len excludes the terminator (the line may hold NUL bytes). *end is true (and *line NULL) once the
 * file is exhausted. A UTF-8 byte order mark at the start of the file is skipped. */
rgtg_status_t rgtg_line_stream_next(rgtg_line_stream_t *stream, const char **line, size_t *len, bool *end);
/* The next chunk of raw (decompressed) bytes, valid until the next call; *len is 0 at the end. Do not mix
 * with rgtg_line_stream_next() on the same stream. */
rgtg_status_t rgtg_line_stream_chunk(rgtg_line_stream_t *stream, const char **data, size_t *len);
/* The 1-based number of the line last returned (0 before the first). */
int64_t rgtg_line_stream_line_number(const rgtg_line_stream_t *stream);
const char *rgtg_line_stream_path(const rgtg_line_stream_t *stream);
void rgtg_line_stream_close(rgtg_line_stream_t *stream);

#endif
