/* data/read_postedit.c: post-edit TSV files (one segment a line, tab-separated): prompt = source,
 * chosen = post-edit, rejected = MT, columns found by name in a header, which is either the file's first
 * line or the first line of a file named "header" beside it. Column names match case-insensitively, with
 * or without <angle brackets>: source "S", "source" or "src" (in that order of preference), MT "MT",
 * post-edit "PE", "post-edit", "postedit" or "post_edit". HTML character references are decoded
 * (repeatedly, for double-escaped text). Rows whose post-edit equals the MT are dropped as
 * "postedit_equals_mt"; a row with the wrong number of columns or invalid UTF-8 is an error
 * "FILE:LINE:COLUMN: ..." after which reading can go on. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "html_entities.h"
#include "line_stream.h"
#include "read_common.h"
#include "read_formats.h"

typedef struct {
    size_t columns;
    size_t source, mt, pe;
} tsv_header_t;

struct rgtg_postedit_stream {
    rgtg_line_stream_t *lines;
    tsv_header_t header;
    char *pending; /* the first line, read while looking for a header line, when it is a data row */
    size_t pending_len;
    int64_t pending_line;
};

static const char *const source_names[] = {"s", "source", "src", NULL};
static const char *const mt_names[] = {"mt", NULL};
static const char *const pe_names[] = {"pe", "post-edit", "postedit", "post_edit", NULL};

/* Whether the field [start, end) is name, ignoring case, surrounding blanks and <angle brackets>. */
static bool field_is(const char *start, const char *end, const char *name) {
    while (start < end && (*start == ' ' || *start == '<')) start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '>')) end--;
    return (size_t)(end - start) == strlen(name) && strncasecmp(start, name, (size_t)(end - start)) == 0;
}

/* The index of the first name (in preference order) among the line's fields, or SIZE_MAX. */
static size_t find_column(const char *line, size_t len, const char *const *names) {
    for (; *names; names++) {
        size_t index = 0;
        const char *start = line, *end = line + len;
        for (;;) {
            const char *tab = memchr(start, '\t', (size_t)(end - start));
            const char *field_end = tab ? tab : end;
            if (field_is(start, field_end, *names)) return index;
            if (!tab) break;
            start = tab + 1;
            index++;
        }
    }
    return SIZE_MAX;
}

static size_t count_fields(const char *line, size_t len) {
    size_t n = 1;
    for (size_t i = 0; i < len; i++) n += line[i] == '\t';
    return n;
}

static bool parse_header(const char *line, size_t len, tsv_header_t *header) {
    header->source = find_column(line, len, source_names);
    header->mt = find_column(line, len, mt_names);
    header->pe = find_column(line, len, pe_names);
    header->columns = count_fields(line, len);
    return header->source != SIZE_MAX && header->mt != SIZE_MAX && header->pe != SIZE_MAX;
}

static bool is_blank(const char *line, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') return false;
    return true;
}

/* The next line that is not blank; *line NULL at the end. */
static rgtg_status_t next_nonblank(rgtg_line_stream_t *lines, const char **line, size_t *len) {
    for (;;) {
        bool end;
        rgtg_status_t st = rgtg_line_stream_next(lines, line, len, &end);
        if (st != RGTG_OK || end || !is_blank(*line, *len)) return st;
    }
}

static char *header_file_beside(const char *path) {
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    char *header_path = malloc(dir_len + sizeof "header");
    if (!header_path) return NULL;
    memcpy(header_path, path, dir_len);
    memcpy(header_path + dir_len, "header", sizeof "header");
    return header_path;
}

/* Reads the header from the file "header" beside path; *found false when there is none or it does not
 * name the columns. */
static rgtg_status_t read_header_file(const char *path, tsv_header_t *header, bool *found) {
    *found = false;
    char *header_path = header_file_beside(path);
    if (!header_path) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    if (access(header_path, F_OK) != 0) { /* no header file is not an error by itself */
        free(header_path);
        return RGTG_OK;
    }
    rgtg_line_stream_t *lines = NULL;
    rgtg_status_t st = rgtg_line_stream_open(header_path, &lines);
    if (st != RGTG_OK) {
        free(header_path);
        return st;
    }
    const char *line;
    size_t len;
    st = next_nonblank(lines, &line, &len);
    if (st == RGTG_OK && line) *found = parse_header(line, len, header);
    rgtg_line_stream_close(lines);
    free(header_path);
    return st;
}

/* Opens path and finds its header; *stream_out NULL (and no error) when there is no header. */
static rgtg_status_t open_with_header(const char *path, rgtg_postedit_stream_t **stream_out) {
    *stream_out = NULL;
    rgtg_postedit_stream_t *s = calloc(1, sizeof *s);
    if (!s) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    rgtg_status_t st = rgtg_line_stream_open(path, &s->lines);
    const char *line = NULL;
    size_t len = 0;
    if (st == RGTG_OK) st = next_nonblank(s->lines, &line, &len);
    if (st == RGTG_OK && line && parse_header(line, len, &s->header)) {
        *stream_out = s;
        return RGTG_OK;
    }
    if (st == RGTG_OK && line) {
        s->pending = rgtg_copy_text(line, len);
        s->pending_len = len;
        s->pending_line = rgtg_line_stream_line_number(s->lines);
        if (!s->pending) st = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    bool found = false;
    if (st == RGTG_OK) st = read_header_file(path, &s->header, &found);
    if (st == RGTG_OK && found) {
        *stream_out = s;
        return RGTG_OK;
    }
    rgtg_postedit_close(s);
    return st;
}

rgtg_status_t rgtg_postedit_open(const char *path, rgtg_postedit_stream_t **out) {
    rgtg_status_t st = open_with_header(path, out);
    if (st == RGTG_OK && !*out)
        return rgtg_error_set(RGTG_ERR_FORMAT,
                              "%s: no header naming the columns S, MT and PE (neither its first line nor a file "
                              "'header' beside it)",
                              path);
    return st;
}

bool rgtg_postedit_has_header(const char *path) {
    rgtg_postedit_stream_t *s = NULL;
    bool error_pending = rgtg_error_status() != RGTG_OK; /* the caller's, which must survive */
    if (open_with_header(path, &s) != RGTG_OK) {
        if (!error_pending) rgtg_error_clear();
        return false;
    }
    bool found = s != NULL;
    rgtg_postedit_close(s);
    return found;
}

void rgtg_postedit_close(rgtg_postedit_stream_t *s) {
    if (!s) return;
    rgtg_line_stream_close(s->lines);
    free(s->pending);
    free(s);
}

/* The 1-based character column of byte offset in line. */
static int64_t char_column(const char *line, size_t offset) {
    int64_t column = 1;
    for (size_t i = 0; i < offset; i++) column += ((unsigned char)line[i] & 0xC0) != 0x80;
    return column;
}

/* The offset of the first byte that is not valid UTF-8 (NUL counts as invalid), or len. */
static size_t invalid_utf8_offset(const unsigned char *text, size_t len) {
    size_t i = 0;
    while (i < len) {
        unsigned char c = text[i];
        size_t n;
        uint32_t min, cp;
        if (c == 0) return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) n = 2, min = 0x80, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0) n = 3, min = 0x800, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0) n = 4, min = 0x10000, cp = c & 0x07;
        else return i;
        if (i + n > len) return i;
        for (size_t k = 1; k < n; k++) {
            if ((text[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (text[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += n;
    }
    return len;
}

/* A malloc'd, entity-decoded copy of field index of the line. */
static char *decoded_field(const char *line, size_t len, size_t index) {
    const char *start = line, *end = line + len;
    for (size_t i = 0; i < index; i++) start = (const char *)memchr(start, '\t', (size_t)(end - start)) + 1;
    const char *tab = memchr(start, '\t', (size_t)(end - start));
    size_t field_len = (size_t)((tab ? tab : end) - start);
    char *copy = rgtg_copy_text(start, field_len);
    if (copy) rgtg_html_decode(copy, field_len);
    return copy;
}

/* Splits and checks one data line into texts. */
static rgtg_status_t postedit_row(const rgtg_postedit_stream_t *s, const char *line, size_t len, int64_t line_number,
                                  rgtg_row_texts_t *out) {
    const char *path = rgtg_line_stream_path(s->lines);
    size_t fields = count_fields(line, len);
    if (fields != s->header.columns) {
        size_t offset = len; /* too few: just past the end; too many: where the first extra field starts */
        if (fields > s->header.columns) {
            offset = 0;
            for (size_t i = 0; i < s->header.columns; i++) offset = (size_t)((const char *)memchr(line + offset, '\t', len - offset) - line) + 1;
        }
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld:%lld: expected %zu tab-separated columns, found %zu", path,
                              (long long)line_number, (long long)char_column(line, offset), s->header.columns, fields);
    }
    size_t bad = invalid_utf8_offset((const unsigned char *)line, len);
    if (bad < len)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%lld:%lld: invalid UTF-8", path, (long long)line_number,
                              (long long)char_column(line, bad));
    out->prompt = decoded_field(line, len, s->header.source);
    out->chosen = decoded_field(line, len, s->header.pe);
    out->rejected = decoded_field(line, len, s->header.mt);
    if (!out->prompt || !out->chosen || !out->rejected)
        return rgtg_out_of_memory((rgtg_row_place_t){path, line_number});
    if (strcmp(out->chosen, out->rejected) == 0) out->drop_reason = "postedit_equals_mt";
    return RGTG_OK;
}

rgtg_status_t rgtg_postedit_next(rgtg_postedit_stream_t *s, rgtg_row_texts_t *out, int64_t *line_number, bool *end,
                                 bool *fatal) {
    *end = *fatal = false;
    if (s->pending) { /* the first data line, read while looking for a header line */
        char *pending = s->pending;
        s->pending = NULL;
        *line_number = s->pending_line;
        rgtg_status_t st = postedit_row(s, pending, s->pending_len, s->pending_line, out);
        free(pending);
        return st;
    }
    const char *line;
    size_t len;
    rgtg_status_t st = next_nonblank(s->lines, &line, &len);
    if (st != RGTG_OK) {
        *fatal = true;
        return st;
    }
    if (!line) {
        *end = true;
        return RGTG_OK;
    }
    *line_number = rgtg_line_stream_line_number(s->lines);
    return postedit_row(s, line, len, *line_number, out);
}
