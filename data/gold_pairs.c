/* data/gold_pairs.c: two samples per prompt -> gold rewards -> Bradley-Terry labels -> prefs.h5 (see
 * gold_pairs.h). */
#define _POSIX_C_SOURCE 200809L
#include "gold_pairs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/generations.h"
#include "../core/rng.h"
#include "../core/tokenizer.h"
#include "expand.h"
#include "prefs_h5.h"
#include "prepare.h"
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

/* The pair of the rows order[first..end) (all with one id): item indices in *a and *b, *found 0 when
 * the group has no pair. Sample numbers decide when every row has a different one; otherwise the
 * rows' order does (two single-sample decode runs concatenated both say sample 0). Counts extra rows. */
static rgtg_status_t pick_pair(const rgtg_gold_item_t *items, const size_t *order, size_t first, size_t end,
                               const char *source, size_t *a, size_t *b, int *found, int64_t *extra) {
    int64_t id = items[order[first]].id;
    int numbered = 1;
    for (size_t i = first; i < end; i++) {
        if (strcmp(items[order[i]].prompt, items[order[first]].prompt) != 0)
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: id %lld: rows of one id with different prompts", source,
                                  (long long)id);
        numbered &= items[order[i]].sample >= 0;
        for (size_t j = first; j < i && numbered; j++) numbered = items[order[j]].sample != items[order[i]].sample;
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
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "gold labels: valid and test fractions must be in [0, 1] with a sum <= 1");
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
            out->drop_counts[RGTG_GOLD_DROP_IDENTICAL]++;
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

    /* the prepare writer path: texts as they are (already templated), splits as drawn */
    const rgtg_wordnet_t *db = rgtg_gold_wordnet(gold);
    const char *sources[2 + 2 * RGTG_POS_COUNT];
    int source_count = 0;
    if (write->source_path) sources[source_count++] = write->source_path;
    if (write->dataset_path) sources[source_count++] = write->dataset_path;
    for (size_t i = 0; i < rgtg_wordnet_source_count(db) && source_count < 2 + 2 * RGTG_POS_COUNT; i++)
        sources[source_count++] = rgtg_wordnet_source_path(db, i);
    char options[1024], gold_text[512];
    snprintf(options, sizeof options, "gold_label seed=%llu bt_scale=%g valid=%g test=%g %s",
             (unsigned long long)params->seed, params->bt_scale, params->valid_fraction, params->test_fraction,
             rgtg_gold_params_string(rgtg_gold_params(gold), gold_text, sizeof gold_text));
    const rgtg_template_t *tmpl = rgtg_template_find("define");
    rgtg_prepare_params_t pp = rgtg_prepare_default_params();
    pp.tokenizer = write->tokenizer_path;
    pp.out = write->out_path;
    pp.seed = params->seed;
    rgtg_prepare_record_t record = {.sources = sources, .source_count = source_count, .template_name = tmpl->name,
                                    .template_text = tmpl->text, .options = options};
    rgtg_prepare_t *session = NULL;
    st = rgtg_prepare_begin(&pp, &record, &session);
    for (size_t i = 0; st == RGTG_OK && i < labels.count; i++) {
        rgtg_gold_label_t *l = &labels.labels[i];
        const rgtg_gold_item_t *chosen = &items[l->a_chosen ? l->a : l->b],
                               *rejected = &items[l->a_chosen ? l->b : l->a];
        const char *dropped = NULL;
        st = rgtg_prepare_add(session, chosen->prompt, chosen->response, rejected->response, l->split, &dropped);
        l->kept = dropped == NULL;
    }
    for (int r = 0; st == RGTG_OK && r < RGTG_GOLD_DROP_COUNT; r++)
        rgtg_prepare_count_drop(session, labels.drop_reasons[r], labels.drop_counts[r]);
    if (st == RGTG_OK) st = rgtg_prepare_commit(session, labels.rows_read, NULL);
    else rgtg_prepare_abort(session);
    if (st == RGTG_OK && write->ratio > 0) {
        st = rgtg_prefs_expand(write->out_path, write->ratio, params->seed);
        if (st != RGTG_OK) unlink(write->out_path); /* a file without its prefix index must not look complete */
    }
    if (st == RGTG_OK && labels_out) *labels_out = labels;
    else rgtg_gold_labels_free(&labels);
    return st;
}

rgtg_gold_label_file_params_t rgtg_gold_label_file_default_params(void) {
    rgtg_gold_label_file_params_t p = {
        .wordnet_dir = "/usr/share/wordnet",
        .ratio = 2.0,
        .label = rgtg_gold_label_default_params(),
        .gold = rgtg_gold_default_params(),
    };
    return p;
}

/* Decoded texts of the dataset pairs, owned here; items point into them. */
typedef struct {
    char **texts; /* 3 per pair: prompt, chosen, rejected */
    size_t pairs;
} dataset_texts_t;

static void dataset_texts_free(dataset_texts_t *d) {
    for (size_t i = 0; d->texts && i < 3 * d->pairs; i++) free(d->texts[i]);
    free(d->texts);
}

/* Appends the train-split pairs of the preference file at path to *items (n rows so far): sample 0 the
 * file's chosen response, sample 1 its rejected one, without EOS, id RGTG_GOLD_DATASET_ID_BASE + i. */
static rgtg_status_t add_dataset_items(const char *path, const char *tokenizer_path, rgtg_gold_item_t **items,
                                       size_t *n, dataset_texts_t *texts) {
    rgtg_prefs_t *f = NULL;
    rgtg_tokenizer_t *tok = NULL;
    rgtg_status_t st = rgtg_prefs_open(path, &f);
    if (st == RGTG_OK) st = rgtg_tokenizer_load(tokenizer_path, &tok);
    if (st == RGTG_OK && strcmp(rgtg_tokenizer_sha256(tok), rgtg_prefs_info(f)->tokenizer_sha256) != 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: its pairs were tokenized by another tokenizer than %s (sha256 differs)",
                            path, tokenizer_path);
    int64_t count = 0;
    const int64_t *ids = st == RGTG_OK ? rgtg_prefs_split_pairs(f, RGTG_SPLIT_TRAIN, &count) : NULL;
    rgtg_gold_item_t *grown = st == RGTG_OK ? realloc(*items, sizeof **items * (*n + 2 * (size_t)count + 1)) : NULL;
    if (st == RGTG_OK && grown) *items = grown;
    texts->texts = st == RGTG_OK ? calloc(3 * (size_t)count + 1, sizeof *texts->texts) : NULL;
    if (st == RGTG_OK && (!grown || !texts->texts)) st = rgtg_error_set(RGTG_ERR_NOMEM, "gold labels: out of memory");
    for (int64_t i = 0; st == RGTG_OK && i < count; i++) {
        rgtg_pref_pair_t pair;
        st = rgtg_prefs_get(f, ids[i], &pair);
        const rgtg_token_span_t spans[3] = {pair.prompt, pair.chosen, pair.rejected};
        for (int k = 0; st == RGTG_OK && k < 3; k++) {
            size_t len = (size_t)spans[k].len - (k > 0 && spans[k].len > 0); /* responses end with EOS */
            st = rgtg_tokenizer_decode(tok, spans[k].ids, len, false, &texts->texts[3 * i + k], NULL);
        }
        texts->pairs = (size_t)i + 1;
        if (st != RGTG_OK) break;
        int64_t id = RGTG_GOLD_DATASET_ID_BASE + ids[i];
        (*items)[(*n)++] = (rgtg_gold_item_t){id, 0, texts->texts[3 * i], texts->texts[3 * i + 1]};
        (*items)[(*n)++] = (rgtg_gold_item_t){id, 1, texts->texts[3 * i], texts->texts[3 * i + 2]};
    }
    rgtg_tokenizer_free(tok);
    rgtg_prefs_close(f);
    return st;
}

rgtg_status_t rgtg_gold_label_file(const rgtg_gold_label_file_params_t *p, rgtg_gold_labels_t *labels_out) {
    if (labels_out) memset(labels_out, 0, sizeof *labels_out);
    if (!p->gens_path || !p->out_path || !p->tokenizer_path)
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "gold labels: a generations file, a tokenizer and an output are required");
    rgtg_gold_t *gold = NULL;
    rgtg_generation_t *rows = NULL;
    size_t n = 0;
    rgtg_gold_item_t *items = NULL;
    rgtg_status_t st = rgtg_gen_read(p->gens_path, &rows, &n);
    if (st == RGTG_OK && !(items = rgtg_gold_items_of_generations(rows, n)))
        st = rgtg_error_set(RGTG_ERR_NOMEM, "gold labels: out of memory");
    dataset_texts_t dataset = {0};
    size_t items_count = n;
    if (st == RGTG_OK && p->dataset_path)
        st = add_dataset_items(p->dataset_path, p->tokenizer_path, &items, &items_count, &dataset);
    if (st == RGTG_OK) st = rgtg_gold_open(p->wordnet_dir, &p->gold, &gold);
    rgtg_gold_write_params_t w = {.out_path = p->out_path, .tokenizer_path = p->tokenizer_path,
                                  .source_path = p->gens_path, .dataset_path = p->dataset_path, .ratio = p->ratio};
    if (st == RGTG_OK) st = rgtg_gold_label_write(gold, items, items_count, &p->label, &w, labels_out);
    rgtg_gold_free(gold);
    dataset_texts_free(&dataset);
    free(items);
    rgtg_gen_free(rows, n);
    return st;
}
