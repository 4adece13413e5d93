/* data/round_trip.c: per-source counts of the text a tokenizer loses, the lossless requirement of the
 * prepare session, and their printed form (see round_trip.h). */
#include "round_trip.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/tok/utf8.h"

bool rgtg_round_trip_required_by_default(const rgtg_tokenizer_t *tok) { return rgtg_tokenizer_trained_lossless(tok); }

void rgtg_round_trip_tally_init(rgtg_round_trip_tally_t *tally, const rgtg_tokenizer_t *tok, rgtg_lossless_t mode) {
    memset(tally, 0, sizeof *tally);
    tally->tok = tok;
    tally->required = mode == RGTG_LOSSLESS_REQUIRED || (mode == RGTG_LOSSLESS_AUTO && rgtg_round_trip_required_by_default(tok));
}

rgtg_status_t rgtg_round_trip_tally_source(rgtg_round_trip_tally_t *tally, const char *label) {
    if (tally->source_count >= RGTG_ROUND_TRIP_MAX_SOURCES)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: more than %d sources to count", label, RGTG_ROUND_TRIP_MAX_SOURCES);
    char *copy = strdup(label);
    if (!copy) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", label);
    tally->sources[tally->source_count] = copy;
    memset(&tally->counts[tally->source_count], 0, sizeof tally->counts[0]);
    tally->source_count++;
    return RGTG_OK;
}

/* Where text departs from what came back: the character there, as "U+XXXX" (or the byte that is not UTF-8). */
static void describe_difference(const char *text, size_t len, size_t at, char *out, size_t capacity) {
    if (at >= len) {
        snprintf(out, capacity, "after its last byte (%zu)", len);
        return;
    }
    const uint8_t *s = (const uint8_t *)text;
    size_t lead = at;
    while (lead > 0 && at - lead < 3 && (s[lead] & 0xc0) == 0x80) lead--;
    size_t n = tok_utf8_sequence_length(s + lead, len - lead, NULL);
    if (n == 0 || lead + n <= at) {
        snprintf(out, capacity, "from byte %zu (0x%02X, not UTF-8)", at, s[at]);
        return;
    }
    uint32_t cp = tok_utf8_decode(s + lead, n);
    snprintf(out, capacity, "from byte %zu (U+%04" PRIX32 "%s)", lead, cp,
             cp == 0x2581 ? ", which SentencePiece decodes as a space" : cp == 0 ? ", NUL" : "");
}

rgtg_status_t rgtg_round_trip_tally_row(rgtg_round_trip_tally_t *tally, const char *const *names,
                                        const char *const *texts, int32_t *const *ids, const size_t *lens, size_t n) {
    if (tally->source_count == 0) {
        rgtg_status_t st = rgtg_round_trip_tally_source(tally, "(all sources)");
        if (st != RGTG_OK) return st;
    }
    rgtg_round_trip_counts_t *counts = &tally->counts[tally->source_count - 1];
    bool exact = true;
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(texts[k]);
        rgtg_tokenizer_round_trip_t result;
        rgtg_status_t st = rgtg_tokenizer_round_trip_ids(tally->tok, texts[k], len, ids[k], lens[k], &result);
        if (st != RGTG_OK) return st;
        if (!result.exact && tally->required) {
            char where[128];
            describe_difference(texts[k], len, result.first_difference, where, sizeof where);
            return rgtg_error_set(RGTG_ERR_INVALID,
                                  "the %s does not survive the tokenizer: decode(encode(text)) differs %s, %zu unknown "
                                  "piece%s (lossless text is required; --allow-lossy keeps and counts such rows)",
                                  names[k], where, result.unknown_pieces, result.unknown_pieces == 1 ? "" : "s");
        }
        exact = exact && result.exact;
        counts->unknown_pieces += (int64_t)result.unknown_pieces;
    }
    counts->rows++;
    counts->inexact_rows += !exact;
    return RGTG_OK;
}

char *rgtg_round_trip_tally_attribute(const rgtg_round_trip_tally_t *tally) {
    size_t capacity = 1;
    for (size_t i = 0; i < tally->source_count; i++) capacity += 3 * 21 + strlen(tally->sources[i]) + 1;
    char *text = malloc(capacity);
    if (!text) return NULL;
    size_t used = 0;
    text[0] = '\0';
    for (size_t i = 0; i < tally->source_count; i++) {
        const rgtg_round_trip_counts_t *c = &tally->counts[i];
        used += (size_t)snprintf(text + used, capacity - used, "%" PRId64 " %" PRId64 " %" PRId64 " %s\n", c->rows,
                                 c->inexact_rows, c->unknown_pieces, tally->sources[i]);
    }
    return text;
}

void rgtg_round_trip_tally_free(rgtg_round_trip_tally_t *tally) {
    for (size_t i = 0; i < tally->source_count; i++) free(tally->sources[i]);
    memset(tally, 0, sizeof *tally);
}

void rgtg_round_trip_print(FILE *out, const char *indent, const char *source, int source_len,
                           const rgtg_round_trip_counts_t *c) {
    fprintf(out, "%s%.*s: %" PRId64 " rows, %" PRId64 " do not round-trip exactly, %" PRId64 " unknown pieces\n", indent,
            source_len, source, c->rows, c->inexact_rows, c->unknown_pieces);
}

void rgtg_round_trip_print_attribute(FILE *out, const char *indent, const char *attribute) {
    if (!attribute || !*attribute) {
        fprintf(out, "%s(not recorded: the file was made before data prepare counted it)\n", indent);
        return;
    }
    for (const char *line = attribute; *line;) {
        int line_len = (int)strcspn(line, "\n"), consumed = 0;
        rgtg_round_trip_counts_t c = {0, 0, 0};
        if (sscanf(line, "%" SCNd64 " %" SCNd64 " %" SCNd64 " %n", &c.rows, &c.inexact_rows, &c.unknown_pieces,
                   &consumed) == 3 && consumed > 0 && consumed <= line_len)
            rgtg_round_trip_print(out, indent, line + consumed, line_len - consumed, &c);
        else
            fprintf(out, "%s(unreadable line: \"%.*s\")\n", indent, line_len, line);
        line += line_len;
        line += *line == '\n';
    }
}
