/* data/gold_pairs.c: two samples per prompt -> gold rewards -> Bradley-Terry labels -> prefs.h5 (see
 * gold_pairs.h). */
#define _POSIX_C_SOURCE 200809L
#include "gold_pairs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/rng.h"
#include "../core/spm/spm.h"
#include "expand.h"
#include "prefs_h5.h"
#include "template.h"

/* Stream ids of the per-pair draws: far above core/rng.h's well-known ones, one per prompt id. */
#define LABEL_STREAM_BASE (UINT64_C(1) << 40)
#define SPLIT_STREAM_BASE (UINT64_C(1) << 41)

static const char *const drop_names[RGTG_GOLD_DROP_COUNT] = {"unpaired", "extra_sample", "identical_responses"};

rgtg_gold_label_params_t rgtg_gold_label_default_params(void) {
    rgtg_gold_label_params_t p = {.seed = 1, .bt_scale = 1.0, .valid_fraction = 0.05, .test_fraction = 0.05};
    return p;
}

rgtg_gold_write_params_t rgtg_gold_write_default_params(void) {
    rgtg_gold_write_params_t p = {.ratio = 2.0};
    return p;
}

void rgtg_gold_labels_free(rgtg_gold_labels_t *labels) {
    if (!labels) return;
    free(labels->labels);
    labels->labels = NULL;
    labels->count = 0;
}

static const rgtg_gold_item_t *sort_items; /* qsort has no context argument in C11 */

/* By id, then by position in the input. */
static int compare_rows(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (sort_items[x].id != sort_items[y].id) return sort_items[x].id < sort_items[y].id ? -1 : 1;
    return (x > y) - (x < y);
}

/* Re-raises the pending error with "SOURCE: id N: " in front. */
static rgtg_status_t with_row_context(rgtg_status_t st, const char *source, int64_t id) {
    char cause[512];
    snprintf(cause, sizeof cause, "%s", rgtg_error_message());
    rgtg_error_clear();
    return rgtg_error_set(st, "%s: id %lld: %s", source, (long long)id, cause);
}

/* The pair of the rows order[first..end) (all with one id): item indices in *a and *b, or 0 when the
 * group has no pair. Counts extra rows. */
static rgtg_status_t pick_pair(const rgtg_gold_item_t *items, const size_t *order, size_t first, size_t end,
                               const char *source, size_t *a, size_t *b, int *found, int64_t *extra) {
    int64_t id = items[order[first]].id;
    int numbered = 1;
    for (size_t i = first; i < end; i++) {
        if (strcmp(items[order[i]].prompt, items[order[first]].prompt) != 0)
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: id %lld: rows of one id with different prompts", source,
                                  (long long)id);
        numbered &= items[order[i]].sample >= 0;
    }
    *found = 0;
    if (!numbered) {
        if (end - first >= 2) {
            *a = order[first];
            *b = order[first + 1];
            *found = 1;
        }
        *extra += end - first > 2 ? (int64_t)(end - first - 2) : 0;
        return RGTG_OK;
    }
    int have_a = 0, have_b = 0;
    for (size_t i = first; i < end; i++) {
        int sample = items[order[i]].sample;
        for (size_t j = first; j < i; j++)
            if (items[order[j]].sample == sample)
                return rgtg_error_set(RGTG_ERR_INVALID, "%s: id %lld: two rows with sample %d", source,
                                      (long long)id, sample);
        if (sample == 0) *a = order[i], have_a = 1;
        else if (sample == 1) *b = order[i], have_b = 1;
        else (*extra)++;
    }
    *found = have_a && have_b;
    return RGTG_OK;
}

rgtg_status_t rgtg_gold_label_items(const rgtg_gold_t *gold, const rgtg_gold_item_t *items, size_t n,
                                    const rgtg_gold_label_params_t *params, const char *source,
                                    rgtg_gold_labels_t *out) {
    memset(out, 0, sizeof *out);
    source = source ? source : "rows";
    for (int r = 0; r < RGTG_GOLD_DROP_COUNT; r++) out->drop_reasons[r] = drop_names[r];
    out->rows_read = (int64_t)n;
    if (!(params->bt_scale > 0) || !isfinite(params->bt_scale))
        return rgtg_error_set(RGTG_ERR_INVALID, "gold labels: bt_scale must be positive and finite");
    if (!(params->valid_fraction >= 0 && params->test_fraction >= 0 &&
          params->valid_fraction + params->test_fraction <= 1))
        return rgtg_error_set(RGTG_ERR_INVALID, "gold labels: valid and test fractions must be in [0, 1] with a sum <= 1");
    for (size_t i = 0; i < n; i++)
        if (!items[i].prompt || !items[i].response || items[i].id < 0)
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: row %zu: a prompt, a response and an id >= 0 are required",
                                  source, i + 1);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    out->labels = malloc((n / 2 + 1) * sizeof *out->labels);
    if (!order || !out->labels) {
        free(order);
        rgtg_gold_labels_free(out);
        return rgtg_error_set(RGTG_ERR_NOMEM, "gold labels: out of memory");
    }
    for (size_t i = 0; i < n; i++) order[i] = i;
    sort_items = items;
    qsort(order, n, sizeof *order, compare_rows);
    sort_items = NULL;

    rgtg_status_t st = RGTG_OK;
    for (size_t first = 0; first < n && st == RGTG_OK;) {
        size_t end = first;
        while (end < n && items[order[end]].id == items[order[first]].id) end++;
        int64_t id = items[order[first]].id;
        size_t a = 0, b = 0;
        int found = 0;
        int64_t *extra = &out->drop_counts[RGTG_GOLD_DROP_EXTRA_SAMPLE], extra_before = *extra;
        st = pick_pair(items, order, first, end, source, &a, &b, &found, extra);
        int64_t rows = (int64_t)(end - first);
        first = end;
        if (st != RGTG_OK) break;
        if (!found) { /* the rows that are not extra samples had no partner */
            out->drop_counts[RGTG_GOLD_DROP_UNPAIRED] += rows - (*extra - extra_before);
            continue;
        }
        if (strcmp(items[a].response, items[b].response) == 0) {
            out->drop_counts[RGTG_GOLD_DROP_IDENTICAL] += 2;
            continue;
        }
        rgtg_gold_label_t *label = &out->labels[out->count];
        label->id = id;
        label->a = a;
        label->b = b;
        st = rgtg_gold_score(gold, items[a].prompt, items[a].response, &label->gold_a, NULL);
        if (st == RGTG_OK) st = rgtg_gold_score(gold, items[b].prompt, items[b].response, &label->gold_b, NULL);
        if (st != RGTG_OK) {
            st = with_row_context(st, source, id);
            break;
        }
        rgtg_rng_t label_rng, split_rng;
        rgtg_rng_seed(&label_rng, params->seed, LABEL_STREAM_BASE + (uint64_t)id);
        rgtg_rng_seed(&split_rng, params->seed, SPLIT_STREAM_BASE + (uint64_t)id);
        label->p_a = rgtg_gold_bt_probability(label->gold_a, label->gold_b, params->bt_scale);
        label->a_chosen = rgtg_gold_bt_draw(&label_rng, label->gold_a, label->gold_b, params->bt_scale);
        double u = rgtg_rng_uniform(&split_rng);
        label->split = u < params->test_fraction ? RGTG_SPLIT_TEST
                       : u < params->test_fraction + params->valid_fraction ? RGTG_SPLIT_VALID
                                                                              : RGTG_SPLIT_TRAIN;
        out->split_counts[label->split]++;
        out->chosen_higher += label->a_chosen ? label->gold_a >= label->gold_b : label->gold_b >= label->gold_a;
        out->count++;
    }
    free(order);
    if (st != RGTG_OK) rgtg_gold_labels_free(out);
    return st;
}

/* ---- the prefs.h5 ---- */

static rgtg_status_t tokenize_with_spm(void *ctx, const char *text, size_t len, int32_t **ids, size_t *count) {
    return rgtg_spm_encode(ctx, text, len, ids, count);
}

/* Appends "path\n" to *paths and "sha256\n" to *hashes (malloc'd, grown). */
static rgtg_status_t record_source(const char *path, char **paths, char **hashes) {
    char hex[65];
    rgtg_status_t st = rgtg_sha256_file(path, hex);
    if (st != RGTG_OK) return st;
    size_t lp = *paths ? strlen(*paths) : 0, lh = *hashes ? strlen(*hashes) : 0;
    char *p = realloc(*paths, lp + strlen(path) + 2), *h = p ? realloc(*hashes, lh + 66) : NULL;
    if (p) *paths = p;
    if (h) *hashes = h;
    if (!p || !h) return rgtg_error_set(RGTG_ERR_NOMEM, "gold labels: out of memory");
    sprintf(*paths + lp, "%s\n", path);
    sprintf(*hashes + lh, "%s\n", hex);
    return RGTG_OK;
}

rgtg_status_t rgtg_gold_label_write(const rgtg_gold_t *gold, const rgtg_gold_item_t *items, size_t n,
                                    const rgtg_gold_label_params_t *params, const rgtg_gold_write_params_t *write,
                                    rgtg_gold_labels_t *labels_out) {
    if (labels_out) memset(labels_out, 0, sizeof *labels_out);
    if (!write->out_path || !write->tokenizer_path)
        return rgtg_error_set(RGTG_ERR_INVALID, "gold labels: an output path and a tokenizer are required");
    if (!(write->ratio >= 0) || !isfinite(write->ratio))
        return rgtg_error_set(RGTG_ERR_INVALID, "gold labels: the prefix ratio must be finite and not negative");
    const char *source = write->source_path ? write->source_path : "rows";
    rgtg_gold_labels_t labels;
    rgtg_status_t st = rgtg_gold_label_items(gold, items, n, params, source, &labels);
    if (st != RGTG_OK) return st;
    if (labels.count == 0) {
        rgtg_gold_labels_free(&labels);
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: no prompt has two different responses to label", source);
    }

    rgtg_spm_t *spm = NULL;
    rgtg_prefs_writer_t *writer = NULL;
    char *paths = NULL, *hashes = NULL, tok_sha[65] = "", options[1024], gold_text[512];
    const rgtg_template_t *tmpl = rgtg_template_find("define");
    st = rgtg_spm_load(write->tokenizer_path, &spm);
    if (st == RGTG_OK) st = rgtg_sha256_file(write->tokenizer_path, tok_sha);
    if (st == RGTG_OK && write->source_path) st = record_source(write->source_path, &paths, &hashes);
    const rgtg_wordnet_t *db = rgtg_gold_wordnet(gold);
    for (size_t i = 0; st == RGTG_OK && i < rgtg_wordnet_source_count(db); i++)
        st = record_source(rgtg_wordnet_source_path(db, i), &paths, &hashes);
    snprintf(options, sizeof options, "gold_label seed=%llu bt_scale=%g valid=%g test=%g %s",
             (unsigned long long)params->seed, params->bt_scale, params->valid_fraction, params->test_fraction,
             rgtg_gold_params_string(rgtg_gold_params(gold), gold_text, sizeof gold_text));
    if (st == RGTG_OK) {
        rgtg_prefs_attrs_t attrs = {
            .tokenizer_sha256 = tok_sha, .vocab_size = rgtg_spm_vocab_size(spm), .eos_id = rgtg_spm_eos_id(spm),
            .pad_id = rgtg_spm_pad_id(spm), .template_name = tmpl->name, .template_text = tmpl->text,
            .source_files = paths, .source_sha256 = hashes, .seed = params->seed, .options = options,
        };
        st = rgtg_prefs_writer_open(write->out_path, &attrs, &writer);
    }
    for (size_t i = 0; st == RGTG_OK && i < labels.count; i++) {
        const rgtg_gold_label_t *l = &labels.labels[i];
        const rgtg_gold_item_t *chosen = &items[l->a_chosen ? l->a : l->b], *rejected = &items[l->a_chosen ? l->b : l->a];
        st = rgtg_prefs_writer_add_text(writer, tokenize_with_spm, spm, chosen->prompt, chosen->response,
                                        rejected->response, l->split);
    }
    rgtg_prefs_counts_t counts = {
        .rows_read = labels.rows_read, .drop_reasons = labels.drop_reasons, .drop_counts = labels.drop_counts,
        .drop_reason_count = RGTG_GOLD_DROP_COUNT,
    };
    if (st == RGTG_OK) st = rgtg_prefs_writer_commit(writer, &counts);
    else rgtg_prefs_writer_abort(writer);
    if (st == RGTG_OK && write->ratio > 0) {
        st = rgtg_prefs_expand(write->out_path, write->ratio, params->seed);
        if (st != RGTG_OK) unlink(write->out_path); /* a file without its prefix index must not look complete */
    }
    rgtg_spm_free(spm);
    free(paths);
    free(hashes);
    if (st == RGTG_OK && labels_out) *labels_out = labels;
    else rgtg_gold_labels_free(&labels);
    return st;
}

rgtg_status_t rgtg_gold_label_file(const rgtg_gold_t *gold, const char *gens_path,
                                   const rgtg_gold_label_params_t *params, const rgtg_gold_write_params_t *write,
                                   rgtg_gold_labels_t *labels_out) {
    if (labels_out) memset(labels_out, 0, sizeof *labels_out);
    rgtg_generation_t *rows = NULL;
    size_t n = 0;
    rgtg_status_t st = rgtg_gen_read(gens_path, &rows, &n);
    rgtg_gold_item_t *items = st == RGTG_OK ? rgtg_gold_items_of_generations(rows, n) : NULL;
    if (st == RGTG_OK && !items) st = rgtg_error_set(RGTG_ERR_NOMEM, "gold labels: out of memory");
    rgtg_gold_write_params_t w = *write;
    w.source_path = gens_path;
    if (st == RGTG_OK) st = rgtg_gold_label_write(gold, items, n, params, &w, labels_out);
    free(items);
    rgtg_gen_free(rows, n);
    return st;
}
