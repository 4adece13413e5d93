/* data/inspect.c: a prefs.h5 made readable: inspect (counts, length percentiles, prefix pairs, drops,
 * attributes, the round trip, the tokenizer's settings, decoded examples) and export (pairs or prefix
 * pairs as decoded JSONL) (see inspect.h). */
#include "inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../core/fsutil.h"
#include "../core/tokenizer.h"
#include "expand.h"
#include "round_trip.h"

rgtg_inspect_params_t rgtg_inspect_default_params(void) {
    return (rgtg_inspect_params_t){.examples = 3};
}

rgtg_export_params_t rgtg_export_default_params(void) {
    return (rgtg_export_params_t){.split = -1};
}

/* The tokenizer of a preference file: --tokenizer (a tokenizer file or a checkpoint directory), else
 * tokenizer.json or tokenizer.model beside the file. Its sha256 must match the file's, or decoded text
 * would be nonsense. */
static rgtg_status_t load_file_tokenizer(const char *prefs_path, const char *given, const rgtg_prefs_info_t *info,
                                         int required, rgtg_tokenizer_t **out, char **path_out) {
    *out = NULL;
    *path_out = NULL;
    char *path = NULL;
    if (given) path = strdup(given);
    else {
        const char *slash = strrchr(prefs_path, '/');
        char *dir = slash ? strndup(prefs_path, (size_t)(slash - prefs_path + (slash == prefs_path))) : strdup(".");
        char *json = dir ? rgtg_path_join(dir, "tokenizer.json") : NULL;
        path = dir && json && !rgtg_path_exists(json) ? rgtg_path_join(dir, "tokenizer.model") : json;
        if (path != json) free(json);
        free(dir);
        if (path && !rgtg_path_exists(path) && !required) {
            free(path);
            return RGTG_OK;
        }
    }
    if (!path) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (!rgtg_path_exists(path)) {
        rgtg_status_t st = rgtg_error_set(RGTG_ERR_IO, "%s: no tokenizer there (pass --tokenizer tok.model)", path);
        free(path);
        return st;
    }
    rgtg_tokenizer_files_t files;
    rgtg_status_t st = rgtg_tokenizer_files(path, &files);
    if (st == RGTG_OK && info->tokenizer_sha256[0] && strcmp(files.sha256, info->tokenizer_sha256) != 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: sha256 %.12s... differs from the tokenizer_sha256 %.12s... of %s",
                            files.file, files.sha256, info->tokenizer_sha256, prefs_path);
    if (st == RGTG_OK) rgtg_tokenizer_files_free(&files);
    if (st == RGTG_OK) st = rgtg_tokenizer_load(path, out);
    if (st == RGTG_OK) *path_out = path;
    else free(path);
    return st;
}

static int compare_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts values and prints "p50 A  p90 B  p99 C  max D" (nearest rank). */
static void print_percentiles(FILE *out, const char *label, int64_t *values, int64_t n) {
    if (n == 0) {
        fprintf(out, "  %-9s (none)\n", label);
        return;
    }
    qsort(values, (size_t)n, sizeof *values, compare_i64);
    const double ps[3] = {0.50, 0.90, 0.99};
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += (double)values[i];
    fprintf(out, "  %-9s", label);
    for (int k = 0; k < 3; k++) {
        int64_t rank = (int64_t)ceil(ps[k] * (double)n);
        fprintf(out, " p%-2d %-7" PRId64, (int)(ps[k] * 100 + 0.5), values[rank > 0 ? rank - 1 : 0]);
    }
    fprintf(out, " max %-7" PRId64 " mean %.1f\n", values[n - 1], sum / (double)n);
}

/* "label text" with text quoted and escaped as a JSON string, at the given indent and label width. */
static void print_json_string(FILE *out, int indent, int width, const char *label, const char *text) {
    json_t *s = json_string(text);
    char *quoted = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    fprintf(out, "%*s%-*s %s\n", indent, "", width, label, quoted ? quoted : "(not valid UTF-8)");
    free(quoted);
    json_decref(s);
}

static rgtg_status_t decode_span(const rgtg_tokenizer_t *tok, rgtg_token_span_t span, char **text) {
    return rgtg_tokenizer_decode(tok, span.ids, (size_t)span.len, false, text, NULL);
}

static rgtg_status_t show_examples(FILE *out, const char *path, const rgtg_tokenizer_t *tok, int64_t examples) {
    rgtg_prefs_t *f = NULL;
    rgtg_status_t st = rgtg_prefs_open(path, &f);
    int64_t n = st == RGTG_OK ? rgtg_prefs_pair_count(f) : 0;
    if (st == RGTG_OK) fprintf(out, "examples (decoded):\n");
    for (int64_t i = 0; st == RGTG_OK && i < n && i < examples; i++) {
        rgtg_pref_pair_t pair;
        char *text[3] = {NULL, NULL, NULL};
        st = rgtg_prefs_get(f, i, &pair);
        if (st == RGTG_OK) st = decode_span(tok, pair.prompt, &text[0]);
        if (st == RGTG_OK) st = decode_span(tok, pair.chosen, &text[1]);
        if (st == RGTG_OK) st = decode_span(tok, pair.rejected, &text[2]);
        if (st == RGTG_OK) {
            fprintf(out, "  pair %" PRId64 " (%s)\n", i, rgtg_split_name(pair.split));
            print_json_string(out, 4, 9, "prompt", text[0]);
            print_json_string(out, 4, 9, "chosen", text[1]);
            print_json_string(out, 4, 9, "rejected", text[2]);
        }
        for (int k = 0; k < 3; k++) free(text[k]);
    }
    rgtg_prefs_close(f);
    return st;
}

rgtg_status_t rgtg_inspect_run(const rgtg_inspect_params_t *p, FILE *out) {
    const char *path = p->path, *tokenizer = p->tokenizer;
    int64_t examples = p->examples;
    rgtg_prefs_t *f = NULL;
    rgtg_status_t st = rgtg_prefs_open_index(path, &f);
    if (st != RGTG_OK) return st;
    const rgtg_prefs_info_t *info = rgtg_prefs_info(f);
    int64_t n = rgtg_prefs_pair_count(f);
    fprintf(out, "%s: format version %d, %" PRId64 " pairs\n", path, info->format_version, n);
    fprintf(out, "splits:");
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) fprintf(out, " %s %" PRId64, rgtg_split_name(s), rgtg_prefs_count(f, s));
    fprintf(out, "\n");

    int64_t *lens[3];
    for (int k = 0; k < 3; k++) lens[k] = malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    if (!lens[0] || !lens[1] || !lens[2]) st = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    for (int64_t i = 0; st == RGTG_OK && i < n; i++) {
        rgtg_pref_pair_t pair;
        st = rgtg_prefs_get(f, i, &pair);
        lens[0][i] = pair.prompt.len, lens[1][i] = pair.chosen.len, lens[2][i] = pair.rejected.len;
    }
    if (st == RGTG_OK) {
        fprintf(out, "lengths in tokens (responses with EOS):\n");
        print_percentiles(out, "prompt", lens[0], n);
        print_percentiles(out, "chosen", lens[1], n);
        print_percentiles(out, "rejected", lens[2], n);
    }
    for (int k = 0; k < 3; k++) free(lens[k]);

    if (st == RGTG_OK && info->has_prefix) {
        char ratio[32] = "all";
        if (!info->prefix_all) snprintf(ratio, sizeof ratio, "%g", info->ratio);
        fprintf(out, "prefix pairs (ratio %s, seed %" PRIu64 "):\n", ratio, info->expand_seed);
        for (int s = 0; s < RGTG_SPLIT_COUNT && st == RGTG_OK; s++) {
            const int64_t *pairs;
            const int32_t *plens;
            int64_t count;
            rgtg_prefs_prefixes(f, s, &pairs, &plens, &count);
            int64_t *values = malloc((size_t)(count ? count : 1) * sizeof *values);
            if (!values) {
                st = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            for (int64_t i = 0; i < count; i++) values[i] = plens[i];
            fprintf(out, "  %-5s %" PRId64 " prefix pairs%s; prefix length:\n", rgtg_split_name(s), count,
                   info->prefix_saturated[s] ? " (saturated)" : "");
            print_percentiles(out, "", values, count);
            free(values);
        }
    } else if (st == RGTG_OK) {
        fprintf(out, "prefix pairs: none (rgtg data expand adds them)\n");
    }
    if (st == RGTG_OK) {
        fprintf(out, "rows: %" PRId64 " read, %" PRId64 " kept\n", info->rows_read, info->rows_kept);
        fprintf(out, "dropped:");
        if (info->drop_reason_count == 0) fprintf(out, " none");
        for (size_t i = 0; i < info->drop_reason_count; i++)
            fprintf(out, " %s %" PRId64, info->drop_reasons[i], info->drop_counts[i]);
        fprintf(out, "\nattributes:\n");
        fprintf(out, "  format_version    %d\n  tokenizer_sha256  %s\n  vocab_size        %d\n  eos_id            %d\n"
               "  pad_id            %d\n  seed              %" PRIu64 "\n  template_name     %s\n",
               info->format_version, info->tokenizer_sha256, info->vocab_size, info->eos_id, info->pad_id, info->seed,
               info->template_name);
        print_json_string(out, 2, 17, "template_text", info->template_text);
        print_json_string(out, 2, 17, "source_files", info->source_files);
        print_json_string(out, 2, 17, "source_sha256", info->source_sha256);
        if (info->options[0]) print_json_string(out, 2, 17, "options", info->options);
        if (info->has_prefix)
            fprintf(out, "  ratio             %g\n  expand_seed       %" PRIu64 "\n  prefix_all        %d\n"
                   "  prefix_saturated  train %d valid %d test %d\n",
                   info->ratio, info->expand_seed, info->prefix_all, info->prefix_saturated[0],
                   info->prefix_saturated[1], info->prefix_saturated[2]);
    }
    if (st == RGTG_OK) {
        fprintf(out, "round trip (decode(encode(text)) == text; rows that do not, and unknown pieces, per source):\n");
        rgtg_round_trip_print_attribute(out, "  ", info->round_trip);
    }
    rgtg_tokenizer_t *tok = NULL;
    char *tok_path = NULL;
    if (st == RGTG_OK) { /* for its settings and the examples */
        st = load_file_tokenizer(path, tokenizer, info, tokenizer != NULL, &tok, &tok_path);
        if (st != RGTG_OK && !tokenizer && examples == 0) { /* only its settings were wanted: say why they are not shown */
            fprintf(out, "tokenizer: %s\n", rgtg_error_message());
            rgtg_error_clear();
            st = RGTG_OK;
        } else if (st == RGTG_OK && !tok) {
            fprintf(out, "tokenizer: no tokenizer.json or tokenizer.model beside the file (pass --tokenizer)\n");
        }
    }
    if (st == RGTG_OK && tok) {
        char settings[1024];
        rgtg_tokenizer_describe(tok, settings, sizeof settings);
        fprintf(out, "tokenizer: %s\n  %s\n", tok_path, settings);
    }
    rgtg_prefs_close(f);
    if (st == RGTG_OK && tok && examples > 0) st = show_examples(out, path, tok, examples);
    rgtg_tokenizer_free(tok);
    free(tok_path);
    return st;
}

static int span_ends_with(rgtg_token_span_t span, int32_t id) {
    return span.len > 0 && span.ids[span.len - 1] == id;
}

/* Adds key: decoded span to obj. */
static rgtg_status_t set_decoded(json_t *obj, const char *key, const rgtg_tokenizer_t *tok, rgtg_token_span_t span) {
    char *text = NULL;
    rgtg_status_t st = decode_span(tok, span, &text);
    if (st == RGTG_OK && json_object_set_new(obj, key, json_string(text)) != 0)
        st = rgtg_error_set(RGTG_ERR_FORMAT, "decoded %s is not valid UTF-8", key);
    free(text);
    return st;
}

static rgtg_status_t write_line(FILE *fp, json_t *obj, const char *out_name) {
    char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    rgtg_status_t st = RGTG_OK;
    if (!line) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    else if (fputs(line, fp) == EOF || fputc('\n', fp) == EOF)
        st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot write (%s)", out_name, strerror(errno));
    free(line);
    return st;
}

static rgtg_status_t export_pair(FILE *fp, const char *out_name, const rgtg_tokenizer_t *tok, const rgtg_prefs_t *f,
                                 int64_t id, int64_t prefix_len) {
    rgtg_pref_pair_t pair;
    rgtg_status_t st = rgtg_prefs_get(f, id, &pair);
    json_t *obj = json_object();
    if (!obj) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    int32_t eos = rgtg_prefs_info(f)->eos_id;
    json_object_set_new(obj, "pair", json_integer(id));
    json_object_set_new(obj, "split", json_string(rgtg_split_name(pair.split)));
    if (st == RGTG_OK) st = set_decoded(obj, "prompt", tok, pair.prompt);
    if (prefix_len > 0) {
        rgtg_prefix_view_t view = rgtg_prefix_view(&pair, prefix_len);
        json_object_set_new(obj, "prefix_len", json_integer(prefix_len));
        if (st == RGTG_OK) st = set_decoded(obj, "chosen_prefix", tok, view.chosen);
        if (st == RGTG_OK) st = set_decoded(obj, "rejected_prefix", tok, view.rejected);
        json_object_set_new(obj, "chosen_tokens", json_integer(view.chosen.len));
        json_object_set_new(obj, "rejected_tokens", json_integer(view.rejected.len));
        json_object_set_new(obj, "chosen_eos", json_boolean(span_ends_with(view.chosen, eos)));
        json_object_set_new(obj, "rejected_eos", json_boolean(span_ends_with(view.rejected, eos)));
    } else {
        if (st == RGTG_OK) st = set_decoded(obj, "chosen", tok, pair.chosen);
        if (st == RGTG_OK) st = set_decoded(obj, "rejected", tok, pair.rejected);
        json_object_set_new(obj, "prompt_tokens", json_integer(pair.prompt.len));
        json_object_set_new(obj, "chosen_tokens", json_integer(pair.chosen.len));
        json_object_set_new(obj, "rejected_tokens", json_integer(pair.rejected.len));
    }
    if (st == RGTG_OK) st = write_line(fp, obj, out_name);
    json_decref(obj);
    return st;
}

rgtg_status_t rgtg_export_run(const rgtg_export_params_t *p) {
    const char *path = p->path, *tokenizer = p->tokenizer, *out = p->out;
    int only_split = p->split;
    bool prefixes = p->prefixes;
    int64_t limit = p->limit;
    rgtg_prefs_t *f = NULL;
    rgtg_tokenizer_t *tok = NULL;
    char *tok_path = NULL;
    rgtg_atomic_file_t file = {0};
    rgtg_status_t st = rgtg_prefs_open(path, &f);
    if (st == RGTG_OK) st = load_file_tokenizer(path, tokenizer, rgtg_prefs_info(f), 1, &tok, &tok_path);
    if (st == RGTG_OK && prefixes && !rgtg_prefs_info(f)->has_prefix)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no prefix index (rgtg data expand adds one)", path);
    if (st == RGTG_OK && out) st = rgtg_atomic_begin(&file, out);
    FILE *fp = out ? file.fp : stdout;
    const char *out_name = out ? out : "stdout";
    int64_t written = 0;
    for (int s = 0; s < RGTG_SPLIT_COUNT && st == RGTG_OK; s++) {
        if (only_split >= 0 && s != only_split) continue;
        if (prefixes) {
            const int64_t *pairs;
            const int32_t *lens;
            int64_t count;
            rgtg_prefs_prefixes(f, s, &pairs, &lens, &count);
            for (int64_t i = 0; i < count && st == RGTG_OK && (limit <= 0 || written < limit); i++, written++)
                st = export_pair(fp, out_name, tok, f, pairs[i], lens[i]);
        } else {
            int64_t count;
            const int64_t *ids = rgtg_prefs_split_pairs(f, s, &count);
            for (int64_t i = 0; i < count && st == RGTG_OK && (limit <= 0 || written < limit); i++, written++)
                st = export_pair(fp, out_name, tok, f, ids[i], 0);
        }
    }
    if (st == RGTG_OK && out) st = rgtg_atomic_commit(&file);
    else if (out) rgtg_atomic_abort(&file);
    if (st == RGTG_OK && !out && fflush(stdout) != 0)
        st = rgtg_error_set(RGTG_ERR_IO, "stdout: cannot write (%s)", strerror(errno));
    rgtg_prefs_close(f);
    rgtg_tokenizer_free(tok);
    free(tok_path);
    return st;
}

