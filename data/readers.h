/* data/readers.h: readers of the preference formats researchers bring, one interface for all:
 * hh (Anthropic HH-RLHF), tldr (summarize-from-feedback comparisons and prompt/chosen/rejected TL;DR),
 * ultrafeedback (strings or role/content message lists), sharegpt (LLaMA-Factory DPO JSON arrays),
 * postedit (TSV: prompt = source, chosen = post-edit, rejected = MT) and jsonl (prompt/chosen/rejected).
 *
 * A reader streams: memory stays bounded by the longest row, whatever the file size (.gz inputs are
 * decompressed on the fly with zlib). Each call to rgtg_pref_reader_next() yields one pair, one
 * dropped row (with its reason), or the end. A malformed row is an error "FILE:LINE:COLUMN: reason";
 * for line-based formats the reader can go on with the next row afterwards (--on-error skip). */
#ifndef RGTG_DATA_READERS_H
#define RGTG_DATA_READERS_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/status.h"

typedef struct {
    char *prompt;   /* malloc'd UTF-8, owned by the reader until the next call */
    char *chosen;
    char *rejected;
    int64_t line;   /* where the row started in the file (1-based) */
} rgtg_raw_pair_t;

typedef enum {
    RGTG_READ_PAIR = 0, /* *pair holds a pair */
    RGTG_READ_DROP = 1, /* the row is not a pair; *drop_reason names why ("identical_responses", ...) */
    RGTG_READ_END = 2,  /* no more rows */
} rgtg_read_result_t;

typedef struct rgtg_pref_reader rgtg_pref_reader_t;

/* The format names, NULL-terminated. */
const char *const *rgtg_pref_formats(void);
/* RGTG_OK when format names a reader; else RGTG_ERR_INVALID "unknown format 'x' (known: ...)". */
rgtg_status_t rgtg_pref_check_format(const char *format);
/* Guesses the format from the file's first row (and name); a clear error when it cannot tell. */
rgtg_status_t rgtg_pref_detect_format(const char *path, const char **format_out);
/* format NULL: detect. */
rgtg_status_t rgtg_pref_reader_open(const char *path, const char *format, rgtg_pref_reader_t **out);
/* RGTG_OK with *result set, or an error (malformed row, truncated gzip, I/O). After a malformed-row
 * error (RGTG_ERR_FORMAT) rgtg_pref_reader_can_continue() says whether next() may be called again. */
rgtg_status_t rgtg_pref_reader_next(rgtg_pref_reader_t *reader, rgtg_raw_pair_t *pair,
                                    rgtg_read_result_t *result, const char **drop_reason);
bool rgtg_pref_reader_can_continue(const rgtg_pref_reader_t *reader);
const char *rgtg_pref_reader_format(const rgtg_pref_reader_t *reader);
int64_t rgtg_pref_reader_rows_read(const rgtg_pref_reader_t *reader);
void rgtg_pref_reader_close(rgtg_pref_reader_t *reader);

#endif
