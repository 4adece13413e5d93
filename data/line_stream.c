/* data/line_stream.c: plain or gzip input read through zlib's gzread into a fixed buffer, split into
 * lines (see line_stream.h). */
#define _POSIX_C_SOURCE 200809L
#include "line_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum { CHUNK_SIZE = 1 << 16 };

struct rgtg_line_stream {
    gzFile gz;
    char *path;
    char *chunk;      /* decompressed bytes */
    size_t chunk_len; /* valid bytes in chunk */
    size_t chunk_pos; /* next unread byte */
    bool at_eof;      /* gzread returned its last byte */
    bool started;     /* the byte order mark check is done */
    char *line;
    size_t line_cap;
    int64_t line_number;
};

rgtg_status_t rgtg_line_stream_open(const char *path, rgtg_line_stream_t **out) {
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return rgtg_error_set(RGTG_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
        close(fd);
        return rgtg_error_set(RGTG_ERR_IO, "%s: %s", path, strerror(err));
    }
    rgtg_line_stream_t *s = calloc(1, sizeof *s);
    if (s) s->path = strdup(path);
    if (s) s->chunk = malloc(CHUNK_SIZE);
    if (!s || !s->path || !s->chunk) {
        close(fd);
        rgtg_line_stream_close(s);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory opening the file", path);
    }
    s->gz = gzdopen(fd, "rb");
    if (!s->gz) {
        close(fd);
        rgtg_line_stream_close(s);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: cannot start zlib", path);
    }
    gzbuffer(s->gz, 1 << 17);
    *out = s;
    return RGTG_OK;
}

/* Refills the chunk; at the end of the input checks that a gzip stream was complete. */
static rgtg_status_t refill(rgtg_line_stream_t *s) {
    s->chunk_pos = s->chunk_len = 0;
    if (s->at_eof) return RGTG_OK;
    int n = gzread(s->gz, s->chunk, CHUNK_SIZE);
    if (n > 0) {
        s->chunk_len = (size_t)n;
        if (!s->started) {
            s->started = true;
            if (s->chunk_len >= 3 && memcmp(s->chunk, "\xEF\xBB\xBF", 3) == 0) s->chunk_pos = 3;
        }
        return RGTG_OK;
    }
    s->at_eof = true;
    int code = Z_OK;
    const char *text = gzerror(s->gz, &code);
    switch (code) {
    case Z_OK:
    case Z_STREAM_END: return RGTG_OK;
    case Z_BUF_ERROR: return rgtg_error_set(RGTG_ERR_FORMAT, "%s: truncated gzip stream", s->path);
    case Z_DATA_ERROR: return rgtg_error_set(RGTG_ERR_FORMAT, "%s: corrupt gzip stream (%s)", s->path, text);
    case Z_MEM_ERROR: return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory decompressing", s->path);
    case Z_ERRNO: return rgtg_error_set(RGTG_ERR_IO, "%s: %s", s->path, strerror(errno));
    default: return rgtg_error_set(RGTG_ERR_IO, "%s: read failed (%s)", s->path, text);
    }
}

static rgtg_status_t append_to_line(rgtg_line_stream_t *s, size_t *len, const char *bytes, size_t n) {
    if (*len + n + 1 > s->line_cap) {
        if (*len + n >= RGTG_LINE_STREAM_MAX_LINE)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld: line longer than %zu bytes", s->path,
                                  (long long)s->line_number + 1, RGTG_LINE_STREAM_MAX_LINE);
        size_t cap = s->line_cap ? s->line_cap : 256;
        while (cap < *len + n + 1) cap *= 2;
        char *grown = realloc(s->line, cap);
        if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "%s:%lld: out of memory for a line of %zu bytes",
                                          s->path, (long long)s->line_number + 1, *len + n);
        s->line = grown;
        s->line_cap = cap;
    }
    memcpy(s->line + *len, bytes, n);
    *len += n;
    s->line[*len] = '\0';
    return RGTG_OK;
}

rgtg_status_t rgtg_line_stream_next(rgtg_line_stream_t *s, const char **line, size_t *len, bool *end) {
    *line = NULL;
    *len = 0;
    *end = false;
    size_t n = 0;
    bool any = false; /* some byte (even only "\n") belongs to this line */
    rgtg_status_t st = append_to_line(s, &n, "", 0);
    if (st != RGTG_OK) return st;
    for (;;) {
        if (s->chunk_pos == s->chunk_len) {
            st = refill(s);
            if (st != RGTG_OK) return st;
            if (s->chunk_len == s->chunk_pos) break; /* end of input */
        }
        const char *start = s->chunk + s->chunk_pos;
        size_t avail = s->chunk_len - s->chunk_pos;
        const char *newline = memchr(start, '\n', avail);
        size_t take = newline ? (size_t)(newline - start) : avail;
        st = append_to_line(s, &n, start, take);
        if (st != RGTG_OK) return st;
        any = true;
        s->chunk_pos += take + (newline ? 1 : 0);
        if (newline) break;
    }
    if (!any) {
        *end = true;
        return RGTG_OK;
    }
    if (n > 0 && s->line[n - 1] == '\r') s->line[--n] = '\0';
    s->line_number++;
    *line = s->line;
    *len = n;
    return RGTG_OK;
}

rgtg_status_t rgtg_line_stream_chunk(rgtg_line_stream_t *s, const char **data, size_t *len) {
    if (s->chunk_pos == s->chunk_len) {
        rgtg_status_t st = refill(s);
        if (st != RGTG_OK) {
            *data = NULL;
            *len = 0;
            return st;
        }
    }
    *data = s->chunk + s->chunk_pos;
    *len = s->chunk_len - s->chunk_pos;
    s->chunk_pos = s->chunk_len;
    return RGTG_OK;
}

int64_t rgtg_line_stream_line_number(const rgtg_line_stream_t *s) { return s->line_number; }
const char *rgtg_line_stream_path(const rgtg_line_stream_t *s) { return s->path; }

void rgtg_line_stream_close(rgtg_line_stream_t *s) {
    if (!s) return;
    if (s->gz) gzclose(s->gz);
    free(s->path);
    free(s->chunk);
    free(s->line);
    free(s);
}
