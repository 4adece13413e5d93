/* data/prepare.c: the one writer path into prefs.h5 (see prepare.h): a session that templates,
 * tokenizes, checks the round trip, truncates, splits and counts pairs, and rgtg_prepare_run, which
 * feeds it from preference files. */
#include "prepare.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/log.h"
#include "../core/rng.h"
#include "../core/tokenizer.h"
#include "readers.h"
#include "template.h"

const char *const rgtg_truncate_names[] = {"drop", "left", "right", NULL};

rgtg_prepare_params_t rgtg_prepare_default_params(void) {
    return (rgtg_prepare_params_t){.truncate = RGTG_TRUNCATE_DROP, .split = {0.9, 0.05, 0.05}, .seed = 1};
}

struct rgtg_prepare {
    rgtg_tokenizer_t *tok;
    const rgtg_template_t *tmpl; /* NULL: the texts as they are */
    int64_t max_len;
    rgtg_truncate_t truncate;
    double split_cut[2]; /* cumulative train and train+valid fractions */
    uint64_t seed;
    const char *first_source;
    rgtg_prefs_writer_t *writer;
    int64_t split_counts[RGTG_SPLIT_COUNT];
    char *drop_names[RGTG_PREPARE_MAX_DROPS];
    int64_t drop_counts[RGTG_PREPARE_MAX_DROPS];
    size_t drop_count;
    rgtg_round_trip_tally_t round_trip;
};

/* ---- drop counts ---- */

void rgtg_prepare_count_drop(rgtg_prepare_t *s, const char *reason, int64_t n) {
    if (!reason || !*reason) reason = "unspecified";
    for (size_t i = 0; i < s->drop_count; i++)
        if (!strcmp(s->drop_names[i], reason)) {
            s->drop_counts[i] += n;
            return;
        }
    if (s->drop_count >= RGTG_PREPARE_MAX_DROPS - 1 && strcmp(reason, "other") != 0) {
        rgtg_prepare_count_drop(s, "other", n); /* the last slot is kept for "other" */
        return;
    }
    char *name = strdup(reason);
    if (!name) return; /* out of memory: the count is lost, the data is not */
    s->drop_names[s->drop_count] = name;
    s->drop_counts[s->drop_count++] = n;
}

/* Sorted by name, so that the attributes come out in the same order for the same counts. */
static void sort_drops(rgtg_prepare_t *s) {
    for (size_t i = 1; i < s->drop_count; i++)
        for (size_t j = i; j > 0 && strcmp(s->drop_names[j - 1], s->drop_names[j]) > 0; j--) {
            char *name = s->drop_names[j];
            int64_t count = s->drop_counts[j];
            s->drop_names[j] = s->drop_names[j - 1], s->drop_counts[j] = s->drop_counts[j - 1];
            s->drop_names[j - 1] = name, s->drop_counts[j - 1] = count;
        }
}

static void session_free(rgtg_prepare_t *s) {
    for (size_t i = 0; i < s->drop_count; i++) free(s->drop_names[i]);
    rgtg_round_trip_tally_free(&s->round_trip);
    rgtg_tokenizer_free(s->tok);
    free(s);
}

/* ---- one pair ---- */

/* FNV-1a over the prompt, mixed with the seed through splitmix64: a uniform number in [0, 1). */
static int split_of(const rgtg_prepare_t *s, const char *prompt) {
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)prompt; *p; p++) h = (h ^ *p) * 1099511628211ull;
    uint64_t state = h ^ s->seed;
    rgtg_rng_splitmix64(&state);
    double u = (double)(rgtg_rng_splitmix64(&state) >> 11) * 0x1.0p-53;
    return u < s->split_cut[0] ? RGTG_SPLIT_TRAIN : u < s->split_cut[1] ? RGTG_SPLIT_VALID : RGTG_SPLIT_TEST;
}

static int only_space(const char *text) { return text[strspn(text, " \t\r\n")] == '\0'; }

static int same_ids(const int32_t *a, size_t a_len, const int32_t *b, size_t b_len) {
    return a_len == b_len && (a_len == 0 || !memcmp(a, b, a_len * sizeof(int32_t)));
}

/* The truncation policy on the token counts; the reason when the pair cannot be kept. */
static const char *fit_pair(const rgtg_prepare_t *s, const int32_t **prompt_ids, size_t lens[3], int32_t *const ids[3]) {
    size_t longest = (lens[1] > lens[2] ? lens[1] : lens[2]) + 1; /* + EOS */
    if (s->max_len <= 0 || lens[0] + longest <= (size_t)s->max_len) return NULL;
    size_t max_len = (size_t)s->max_len;
    if (s->truncate == RGTG_TRUNCATE_DROP || (s->truncate == RGTG_TRUNCATE_LEFT && longest >= max_len) ||
        (s->truncate == RGTG_TRUNCATE_RIGHT && lens[0] + 2 > max_len))
        return "over_max_len";
    if (s->truncate == RGTG_TRUNCATE_LEFT) {
        size_t keep = max_len - longest;
        *prompt_ids += lens[0] - keep;
        lens[0] = keep;
        return NULL;
    }
    size_t room = max_len - lens[0] - 1; /* response tokens before EOS */
    for (int k = 1; k < 3; k++)
        if (lens[k] > room) lens[k] = room;
    return same_ids(ids[1], lens[1], ids[2], lens[2]) ? "identical_after_truncation" : NULL;
}

rgtg_status_t rgtg_prepare_add(rgtg_prepare_t *s, const char *prompt, const char *chosen, const char *rejected,
                               int split, const char **dropped) {
    const char *drop = NULL;
    char *texts[3] = {NULL, NULL, NULL};
    int32_t *ids[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0};
    rgtg_status_t st = RGTG_OK;
    if (only_space(chosen) || only_space(rejected)) {
        drop = "empty_response";
        goto done;
    }
    if (s->tmpl) {
        const char *key = "prompt";
        st = rgtg_template_render(s->tmpl, &key, &prompt, 1, &texts[0]);
        if (st == RGTG_OK) st = rgtg_template_response(s->tmpl, chosen, &texts[1]);
        if (st == RGTG_OK) st = rgtg_template_response(s->tmpl, rejected, &texts[2]);
    }
    const char *sources[3] = {texts[0] ? texts[0] : prompt, texts[1] ? texts[1] : chosen, texts[2] ? texts[2] : rejected};
    for (int k = 0; k < 3 && st == RGTG_OK; k++) st = rgtg_tokenizer_encode(s->tok, sources[k], strlen(sources[k]), &ids[k], &lens[k]);
    static const char *const names[3] = {"prompt", "chosen response", "rejected response"};
    if (st == RGTG_OK) st = rgtg_round_trip_tally_row(&s->round_trip, names, sources, ids, lens, 3);
    if (st != RGTG_OK) goto done;
    if (same_ids(ids[1], lens[1], ids[2], lens[2])) {
        drop = lens[1] == 0 ? "empty_response" : "identical_responses";
        goto done;
    }
    const int32_t *prompt_ids = ids[0];
    if ((drop = fit_pair(s, &prompt_ids, lens, ids)) != NULL) goto done;
    if (split < 0) split = split_of(s, prompt);
    st = rgtg_prefs_writer_add(s->writer, prompt_ids, lens[0], ids[1], lens[1], ids[2], lens[2], split);
    if (st == RGTG_OK) s->split_counts[split]++;
done:
    if (drop) rgtg_prepare_count_drop(s, drop, 1);
    if (dropped) *dropped = drop;
    for (int k = 0; k < 3; k++) free(texts[k]), free(ids[k]);
    return st;
}

int64_t rgtg_prepare_kept(const rgtg_prepare_t *s) { return rgtg_prefs_writer_pair_count(s->writer); }

rgtg_status_t rgtg_prepare_source(rgtg_prepare_t *s, const char *source) {
    return rgtg_round_trip_tally_source(&s->round_trip, source);
}

/* ---- the session ---- */

/* Checks the template and the split fractions; sets s->tmpl and s->split_cut. */
static rgtg_status_t check_settings(rgtg_prepare_t *s, const rgtg_prepare_params_t *p) {
    const double *f = p->split;
    if (!(f[0] >= 0 && f[1] >= 0 && f[2] >= 0 && fabs(f[0] + f[1] + f[2] - 1.0) < 1e-6))
        return rgtg_error_set(RGTG_ERR_INVALID, "split fractions %g,%g,%g must be three non-negative numbers summing to 1",
                              f[0], f[1], f[2]);
    s->split_cut[0] = f[0];
    s->split_cut[1] = f[2] == 0 ? 2.0 : f[0] + f[1]; /* nothing reaches test, whatever the rounding */
    if (p->max_len < 0) return rgtg_error_set(RGTG_ERR_INVALID, "max_len %" PRId64 " must not be negative", p->max_len);
    if ((unsigned)p->truncate > RGTG_TRUNCATE_RIGHT) return rgtg_error_set(RGTG_ERR_INVALID, "unknown truncation policy");
    if (!p->template_name || !strcmp(p->template_name, "none")) return RGTG_OK;
    s->tmpl = rgtg_template_find(p->template_name);
    if (!s->tmpl) {
        char known[256] = "";
        for (const char *const *n = rgtg_template_names(); *n; n++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s, ", *n);
        return rgtg_error_set(RGTG_ERR_INVALID, "unknown template \"%s\" (known: %snone)", p->template_name, known);
    }
    char *probe = NULL;
    const char *key = "prompt", *value = "";
    rgtg_status_t st = rgtg_template_render(s->tmpl, &key, &value, 1, &probe);
    free(probe);
    if (st != RGTG_OK)
        return rgtg_error_set(RGTG_ERR_INVALID, "template %s cannot take a row's prompt (%s); prepare fills only {prompt}",
                              p->template_name, rgtg_error_message());
    return RGTG_OK;
}

/* "a\nb\n" lists of the sources and of their sha256s. */
static rgtg_status_t hash_sources(const rgtg_prepare_record_t *r, char **files, char **hashes) {
    size_t cap = 1;
    for (int i = 0; i < r->source_count; i++) cap += strlen(r->sources[i]) + 1;
    *files = calloc(cap, 1);
    *hashes = calloc((size_t)r->source_count * 65 + 1, 1);
    if (!*files || !*hashes) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int i = 0; i < r->source_count; i++) {
        char hex[65];
        rgtg_status_t st = rgtg_sha256_file(r->sources[i], hex);
        if (st != RGTG_OK) return st;
        strcat(strcat(*files, r->sources[i]), "\n");
        strcat(strcat(*hashes, hex), "\n");
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_prepare_begin(const rgtg_prepare_params_t *p, const rgtg_prepare_record_t *r, rgtg_prepare_t **out) {
    *out = NULL;
    if (!p->tokenizer || !p->out) return rgtg_error_set(RGTG_ERR_INVALID, "prepare: the tokenizer and the output are required");
    rgtg_prepare_t *s = calloc(1, sizeof *s);
    if (!s) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    s->max_len = p->max_len, s->truncate = p->truncate, s->seed = p->seed;
    s->first_source = r->source_count > 0 ? r->sources[0] : p->out;
    rgtg_status_t st = check_settings(s, p);
    if (st == RGTG_OK) st = rgtg_tokenizer_load(p->tokenizer, &s->tok);
    if (st == RGTG_OK) rgtg_round_trip_tally_init(&s->round_trip, s->tok, p->lossless);
    char *options = NULL;
    if (st == RGTG_OK && r->options && r->options_lossless) {
        size_t size = strlen(r->options) + 32;
        options = malloc(size);
        if (options) snprintf(options, size, "%s lossless=%s", r->options, s->round_trip.required ? "required" : "counted");
        else st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    }
    char tok_sha[65] = "", *files = NULL, *hashes = NULL;
    if (st == RGTG_OK) memcpy(tok_sha, rgtg_tokenizer_sha256(s->tok), sizeof tok_sha);
    if (st == RGTG_OK) st = hash_sources(r, &files, &hashes);
    rgtg_prefs_attrs_t attrs = {
        .tokenizer_sha256 = tok_sha,
        .vocab_size = s->tok ? rgtg_tokenizer_vocab_size(s->tok) : 0,
        .eos_id = s->tok ? rgtg_tokenizer_eos_id(s->tok) : 0,
        .pad_id = !s->tok ? 0 : rgtg_tokenizer_pad_id(s->tok) >= 0 ? rgtg_tokenizer_pad_id(s->tok) : rgtg_tokenizer_eos_id(s->tok),
        .template_name = r->template_name ? r->template_name : s->tmpl ? s->tmpl->name : "none",
        .template_text = r->template_text ? r->template_text : s->tmpl ? s->tmpl->text : "{prompt}",
        .source_files = files,
        .source_sha256 = hashes,
        .seed = p->seed,
        .options = options ? options : r->options,
    };
    if (st == RGTG_OK) st = rgtg_prefs_writer_open(p->out, &attrs, &s->writer);
    free(files), free(hashes), free(options);
    if (st != RGTG_OK) {
        session_free(s);
        return st;
    }
    *out = s;
    return RGTG_OK;
}

void rgtg_prepare_abort(rgtg_prepare_t *s) {
    if (!s) return;
    rgtg_prefs_writer_abort(s->writer);
    session_free(s);
}

rgtg_status_t rgtg_prepare_commit(rgtg_prepare_t *s, int64_t rows_read, rgtg_prepare_result_t *result) {
    int64_t kept = rgtg_prepare_kept(s);
    if (kept == 0) {
        rgtg_status_t st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no pair was kept from %" PRId64 " rows", s->first_source,
                                          rows_read);
        rgtg_prepare_abort(s);
        return st;
    }
    sort_drops(s);
    char *round_trip = rgtg_round_trip_tally_attribute(&s->round_trip);
    if (!round_trip) {
        rgtg_status_t st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        rgtg_prepare_abort(s);
        return st;
    }
    rgtg_prefs_counts_t counts = {.rows_read = rows_read, .drop_reasons = (const char *const *)s->drop_names,
                                  .drop_counts = s->drop_counts, .drop_reason_count = s->drop_count,
                                  .round_trip = round_trip};
    rgtg_status_t st = rgtg_prefs_writer_commit(s->writer, &counts);
    s->writer = NULL;
    free(round_trip);
    if (st == RGTG_OK && result) {
        memset(result, 0, sizeof *result);
        result->rows_read = rows_read;
        result->kept = kept;
        memcpy(result->split_counts, s->split_counts, sizeof s->split_counts);
        result->drop_count = s->drop_count;
        for (size_t i = 0; i < s->drop_count; i++) {
            snprintf(result->drop_reasons[i], sizeof result->drop_reasons[i], "%s", s->drop_names[i]);
            result->drop_counts[i] = s->drop_counts[i];
        }
        result->lossless_required = s->round_trip.required;
        result->source_count = s->round_trip.source_count;
        memcpy(result->round_trip, s->round_trip.counts, sizeof result->round_trip);
    }
    session_free(s);
    return st;
}

/* ---- from preference files ---- */

static rgtg_status_t check_readable(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    fclose(fp);
    return RGTG_OK;
}

/* Reads one file into the session until its end or the limit; *rows_read grows by its rows. */
static rgtg_status_t prepare_file(rgtg_prepare_t *s, const rgtg_prepare_params_t *p, const char *path,
                                  int64_t *rows_read, int64_t *skipped_shown) {
    rgtg_pref_reader_t *reader = NULL;
    rgtg_status_t st = rgtg_prepare_source(s, path);
    if (st == RGTG_OK) st = rgtg_pref_reader_open(path, p->format, &reader);
    while (st == RGTG_OK && (p->limit <= 0 || rgtg_prepare_kept(s) < p->limit)) {
        rgtg_raw_pair_t raw;
        rgtg_read_result_t result;
        const char *reason = NULL;
        st = rgtg_pref_reader_next(reader, &raw, &result, &reason);
        if (st == RGTG_ERR_FORMAT && p->skip_errors && rgtg_pref_reader_can_continue(reader)) {
            if ((*skipped_shown)++ < 10) rgtg_log_warn("data prepare: skipped %s", rgtg_error_message());
            rgtg_error_clear();
            rgtg_prepare_count_drop(s, "malformed", 1);
            st = RGTG_OK;
            continue;
        }
        if (st != RGTG_OK || result == RGTG_READ_END) break;
        if (result == RGTG_READ_DROP) {
            rgtg_prepare_count_drop(s, reason, 1);
            continue;
        }
        st = rgtg_prepare_add(s, raw.prompt, raw.chosen, raw.rejected, -1, NULL);
        if (st != RGTG_OK) { /* name the row: the message may not know it */
            char message[512];
            snprintf(message, sizeof message, "%s", rgtg_error_message());
            rgtg_error_clear();
            rgtg_error_set(st, "%s:%" PRId64 ": %s", path, raw.line, message);
        }
    }
    if (reader) *rows_read += rgtg_pref_reader_rows_read(reader);
    rgtg_pref_reader_close(reader);
    return st;
}

rgtg_status_t rgtg_prepare_run(const rgtg_prepare_params_t *p, rgtg_prepare_result_t *result) {
    if (p->input_count < 1 || p->input_count > RGTG_PREPARE_MAX_INPUTS)
        return rgtg_error_set(RGTG_ERR_INVALID, "prepare: 1 to %d input files, not %d", RGTG_PREPARE_MAX_INPUTS,
                              p->input_count);
    if (p->limit < 0) return rgtg_error_set(RGTG_ERR_INVALID, "prepare: limit %" PRId64 " must not be negative", p->limit);
    /* Everything that can be checked is checked before any row is read. */
    rgtg_status_t st = RGTG_OK;
    for (int i = 0; i < p->input_count && st == RGTG_OK; i++) st = check_readable(p->inputs[i]);
    if (st == RGTG_OK && p->format) st = rgtg_pref_check_format(p->format);
    if (st != RGTG_OK) return st;
    char options[512];
    /* the format is left out: a detected and a named format give the same file */
    snprintf(options, sizeof options, "max_len=%" PRId64 " truncate=%s split=%g,%g,%g on_error=%s limit=%" PRId64,
             p->max_len, (unsigned)p->truncate <= RGTG_TRUNCATE_RIGHT ? rgtg_truncate_names[p->truncate] : "?",
             p->split[0], p->split[1], p->split[2], p->skip_errors ? "skip" : "fail", p->limit);
    rgtg_prepare_record_t record = {.sources = p->inputs, .source_count = p->input_count, .options = options,
                                    .options_lossless = true};
    rgtg_prepare_t *s = NULL;
    st = rgtg_prepare_begin(p, &record, &s);
    int64_t rows_read = 0, skipped_shown = 0;
    for (int i = 0; i < p->input_count && st == RGTG_OK; i++) st = prepare_file(s, p, p->inputs[i], &rows_read, &skipped_shown);
    if (st == RGTG_OK) return rgtg_prepare_commit(s, rows_read, result);
    rgtg_prepare_abort(s);
    return st;
}
