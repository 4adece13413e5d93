/* eval/summary.c: generation files into results.json cells (see summary.h). */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/generations.h"
#include "bleu.h"
#include "diversity.h"
#include "paired.h"
#include "pairs.h"
#include "results.h"
#include "rouge.h"
#include "stats.h"

rgtg_summary_params_t rgtg_summary_default_params(void) { return (rgtg_summary_params_t){.seed = 1}; }

typedef struct {
    const char *path;
    char *label;               /* the method label of its cells */
    rgtg_generation_t *rows;
    size_t count;
} source_t;

#define MAX_LABELS 16

typedef struct {
    rgtg_label_t items[MAX_LABELS];
    size_t count;
} labels_t;

static void label_add(labels_t *l, const char *key, const char *text) {
    if (l->count == MAX_LABELS) return;
    rgtg_label_t *x = &l->items[l->count++];
    x->key = (char *)key;
    char *end = NULL;
    double number = strtod(text, &end);
    if (!strcmp(text, "true") || !strcmp(text, "false")) x->kind = RGTG_LABEL_BOOL, x->flag = text[0] == 't';
    else if (*text && end && *end == '\0' && isfinite(number)) x->kind = RGTG_LABEL_NUMBER, x->number = number;
    else x->kind = RGTG_LABEL_STRING, x->text = (char *)text;
}

static void label_number(labels_t *l, const char *key, double value) {
    if (l->count == MAX_LABELS) return;
    l->items[l->count++] = (rgtg_label_t){.key = (char *)key, .kind = RGTG_LABEL_NUMBER, .number = value};
}

/* the method parameters that sweeps vary: labels of a method's cells */
static const char *const swept[] = {"beta", "k", "p", "best_of", "temperature"};
#define SWEPT_COUNT (sizeof swept / sizeof swept[0])

/* The first swept parameter that differs between the settings of two rows (NULL: none). */
static const char *swept_difference(const rgtg_generation_t *a, const rgtg_generation_t *b) {
    for (size_t i = 0; i < SWEPT_COUNT; i++) {
        double x = NAN, y = NAN;
        bool has_x = rgtg_gen_param_number(a, swept[i], &x) == RGTG_OK, has_y = rgtg_gen_param_number(b, swept[i], &y) == RGTG_OK;
        rgtg_error_clear();
        if (has_x != has_y || (has_x && x != y)) return swept[i];
    }
    return NULL;
}

/* method, the method's numeric parameters that sweeps vary, then the command line's labels */
static labels_t labels_for(const rgtg_summary_params_t *p, const source_t *s, char **keys, char **values) {
    labels_t l = {0};
    label_add(&l, "method", s->label);
    l.items[0].kind = RGTG_LABEL_STRING, l.items[0].text = s->label;
    for (size_t i = 0; i < SWEPT_COUNT; i++) {
        double value;
        if (rgtg_gen_param_number(&s->rows[0], swept[i], &value) == RGTG_OK) label_number(&l, swept[i], value);
        else rgtg_error_clear();
    }
    for (int i = 0; i < p->label_count; i++) {
        const char *colon = strchr(p->labels[i], ':'), *eq = strchr(p->labels[i], '=');
        const bool scoped = colon && colon < eq; /* METHOD:KEY=VALUE */
        if (!scoped || (strlen(s->label) == (size_t)(colon - p->labels[i]) &&
                        !strncmp(s->label, p->labels[i], (size_t)(colon - p->labels[i]))))
            label_add(&l, keys[i], values[i]);
    }
    return l;
}

static rgtg_status_t add_cell(rgtg_results_t *r, const char *metric, double value, int64_t n, double se, double p,
                              const labels_t *l) {
    if (!isfinite(value)) return RGTG_OK; /* nothing measured (e.g. no references) */
    rgtg_result_cell_t cell = {.metric = (char *)metric, .value = value, .n = n, .se = isfinite(se) ? se : NAN,
                               .p_value = p, .labels = (rgtg_label_t *)l->items, .label_count = l->count};
    return rgtg_results_add(r, &cell);
}

static rgtg_status_t load_source(const char *spec, source_t *s) {
    const char *eq = strchr(spec, '=');
    bool labelled = eq && eq != spec && !memchr(spec, '/', (size_t)(eq - spec));
    s->path = labelled ? eq + 1 : spec;
    rgtg_status_t st = rgtg_gen_read(s->path, &s->rows, &s->count);
    if (st == RGTG_OK && s->count == 0) st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no rows", s->path);
    const char *method = NULL;
    if (st == RGTG_OK) st = rgtg_pairs_single_method(s->rows, s->count, s->path, &method);
    if (st == RGTG_OK) s->label = labelled ? strndup(spec, (size_t)(eq - spec)) : strdup(method);
    return st;
}

/* Rewards (the plain field, or the named one) of every row, or none: a mean over a silent subset would
 * not compare with other files. */
static rgtg_status_t rewards_of(const source_t *s, const char *field, double **out) {
    double *v = malloc(sizeof *v * (s->count + 1));
    size_t with = 0;
    *out = NULL;
    if (!v) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->count; i++) with += rgtg_gen_reward_value(&s->rows[i], field, &v[i], NULL);
    if (with == 0 || with != s->count) free(v);
    if (with == 0 && field) return rgtg_error_set(RGTG_ERR_INVALID, "%s: no row has the reward '%s'", s->path, field);
    if (with == 0) return RGTG_OK;
    if (with != s->count)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: %zu of %zu rows have a reward%s%s%s: score every row (eval score)",
                              s->path, with, s->count, field ? " '" : "", field ? field : "", field ? "'" : "");
    *out = v;
    return RGTG_OK;
}

/* The diversity cells (self-ROUGE-L, distinct-1/2) of s's prompts with several samples. With a method file
 * `of` (summarize --diversity), s holds that method's extra samples and must have some. */
static rgtg_status_t add_diversity(const source_t *s, const labels_t *l, rgtg_results_t *r, const source_t *of) {
    const char **responses = calloc(s->count + 1, sizeof *responses);
    char **ids = calloc(s->count + 1, sizeof *ids);
    rgtg_status_t st = responses && ids ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == RGTG_OK && i < s->count; i++) {
        responses[i] = s->rows[i].response;
        if (asprintf(&ids[i], "%lld", (long long)s->rows[i].id) < 0) ids[i] = NULL;
        if (!ids[i]) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    }
    rgtg_diversity_params_t dp = rgtg_diversity_default_params();
    rgtg_diversity_t div = {0};
    if (st == RGTG_OK) st = rgtg_diversity(responses, (const char *const *)ids, s->count, &dp, &div);
    if (st == RGTG_OK && of && div.prompts == 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no prompt has two samples, so it measures no diversity of %s (decode --n 2 or more)",
                            s->path, of->label);
    if (st == RGTG_OK && div.prompts > 0) {
        st = add_cell(r, "diversity_rouge_l", div.self_rouge_l, (int64_t)div.prompts, NAN, NAN, l);
        if (st == RGTG_OK) st = add_cell(r, "distinct_1", div.distinct_1, (int64_t)div.unigrams, NAN, NAN, l);
        if (st == RGTG_OK) st = add_cell(r, "distinct_2", div.distinct_2, (int64_t)div.bigrams, NAN, NAN, l);
    }
    for (size_t i = 0; ids && i < s->count; i++) free(ids[i]);
    free(ids), free(responses);
    return st;
}

static rgtg_status_t summarize_file(const rgtg_summary_params_t *p, const source_t *s, const source_t *diversity,
                                    const labels_t *l, rgtg_results_t *r) {
    double *rewards = NULL;
    rgtg_status_t st = rewards_of(s, p->reward, &rewards);
    if (st == RGTG_OK && rewards) {
        rgtg_summary_t sum;
        st = rgtg_stats_summarize(rewards, s->count, &sum);
        if (st == RGTG_OK) st = add_cell(r, "reward", sum.mean, (int64_t)sum.n, sum.se, NAN, l);
    }
    free(rewards);
    double seconds = 0;
    int64_t tokens = 0;
    for (size_t i = 0; i < s->count; i++) seconds += s->rows[i].seconds, tokens += s->rows[i].new_tokens;
    if (st == RGTG_OK && tokens > 0)
        st = add_cell(r, "ms_per_token", 1000.0 * seconds / (double)tokens, tokens, NAN, NAN, l);
    /* Figure 3's call counts: forward passes per generated token, when every row recorded its work */
    int64_t lm_forwards = 0, rm_forwards = 0;
    size_t with_work = 0;
    for (size_t i = 0; i < s->count; i++)
        if (s->rows[i].has_work)
            with_work++, lm_forwards += s->rows[i].lm_forwards, rm_forwards += s->rows[i].rm_forwards;
    if (st == RGTG_OK && tokens > 0 && with_work == s->count) {
        st = add_cell(r, "lm_calls_per_token", (double)lm_forwards / (double)tokens, tokens, NAN, NAN, l);
        if (st == RGTG_OK) st = add_cell(r, "rm_calls_per_token", (double)rm_forwards / (double)tokens, tokens, NAN, NAN, l);
    }

    const char **responses = calloc(s->count + 1, sizeof *responses), **references = calloc(s->count + 1, sizeof *references);
    if (st == RGTG_OK && (!responses || !references)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    size_t with_reference = 0;
    for (size_t i = 0; st == RGTG_OK && i < s->count; i++) {
        responses[i] = s->rows[i].response;
        references[i] = s->rows[i].reference;
        with_reference += s->rows[i].reference != NULL;
    }
    if (st == RGTG_OK && with_reference == s->count) {
        double f1;
        st = rgtg_rouge_l_corpus_f1(responses, references, s->count, &f1);
        if (st == RGTG_OK) st = add_cell(r, "rouge_l", f1, (int64_t)s->count, NAN, NAN, l);
        rgtg_bleu_params_t bp = rgtg_bleu_default_params();
        rgtg_bleu_t bleu;
        if (st == RGTG_OK && p->bleu) st = rgtg_bleu_corpus(responses, s->count, references, 1, &bp, &bleu);
        if (st == RGTG_OK && p->bleu) st = add_cell(r, "bleu", bleu.score, (int64_t)s->count, NAN, NAN, l);
    } else if (st == RGTG_OK && p->bleu) {
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: BLEU needs a reference on every row (%zu of %zu have one)", s->path,
                            with_reference, s->count);
    }
    free(responses), free(references);
    if (st == RGTG_OK) st = diversity ? add_diversity(diversity, l, r, s) : add_diversity(s, l, r, NULL);
    return st;
}

/* reward_diff, win, tie, loss of file a against baseline file b, paired by prompt id and sample. */
static rgtg_status_t compare_files(const rgtg_summary_params_t *p, const source_t *a, const source_t *b,
                                   labels_t l, rgtg_results_t *r) {
    double *ra = NULL, *rb = NULL;
    rgtg_status_t st = rewards_of(a, p->reward, &ra);
    if (st == RGTG_OK) st = rewards_of(b, p->reward, &rb);
    if (st == RGTG_OK && (!ra || !rb))
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: comparing with baseline %s needs rewards in both files",
                            ra ? b->path : a->path, b->label);
    rgtg_pair_t *pairs = NULL;
    size_t n = 0;
    if (st == RGTG_OK) st = rgtg_pairs_match(a->rows, a->count, a->path, b->rows, b->count, b->path, &pairs, &n);
    double *va = st == RGTG_OK ? malloc(sizeof *va * (n + 1)) : NULL, *vb = st == RGTG_OK ? malloc(sizeof *vb * (n + 1)) : NULL;
    if (st == RGTG_OK && (!va || !vb)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == RGTG_OK && i < n; i++) va[i] = ra[pairs[i].a], vb[i] = rb[pairs[i].b];
    rgtg_paired_params_t pp = rgtg_paired_default_params();
    pp.seed = p->seed;
    rgtg_paired_t cmp;
    if (st == RGTG_OK) st = rgtg_paired_compare(va, vb, n, &pp, &cmp);
    label_add(&l, "baseline", b->label);
    l.items[l.count - 1].kind = RGTG_LABEL_STRING, l.items[l.count - 1].text = b->label;
    if (st == RGTG_OK)
        st = add_cell(r, "reward_diff", cmp.mean_difference, (int64_t)cmp.n, cmp.se_difference,
                      cmp.wilcoxon_defined ? cmp.wilcoxon.pvalue : NAN, &l);
    if (st == RGTG_OK) st = add_cell(r, "win", cmp.outcomes.win_rate, (int64_t)n, NAN, NAN, &l);
    if (st == RGTG_OK) st = add_cell(r, "tie", cmp.outcomes.tie_rate, (int64_t)n, NAN, NAN, &l);
    if (st == RGTG_OK) st = add_cell(r, "loss", cmp.outcomes.loss_rate, (int64_t)n, NAN, NAN, &l);
    free(ra), free(rb), free(pairs), free(va), free(vb);
    return st;
}

/* "KEY=VALUE,KEY=VALUE:" in front of a --cells file: labels every merged cell gets (replacing its own). */
static rgtg_status_t split_cells_spec(const char *spec, labels_t *l, char **owned, const char **path) {
    const char *colon = strchr(spec, ':');
    *path = spec, *owned = NULL;
    l->count = 0;
    if (!colon || !memchr(spec, '=', (size_t)(colon - spec)) || memchr(spec, '/', (size_t)(colon - spec)))
        return RGTG_OK;
    *owned = strndup(spec, (size_t)(colon - spec));
    if (!*owned) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    *path = colon + 1;
    for (char *item = *owned, *next; item; item = next) {
        next = strchr(item, ',');
        if (next) *next++ = '\0';
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1] || l->count == MAX_LABELS)
            return rgtg_error_set(RGTG_ERR_INVALID, "summarize: --cells '%s': expected [KEY=VALUE,...:]FILE", spec);
        *eq = '\0';
        label_add(l, item, eq + 1);
    }
    return RGTG_OK;
}

/* The cells of another results.json (eval judge, eval prefix-accuracy), with the spec's labels set and
 * the command line's --label added where a cell lacks them. */
static rgtg_status_t merge_cells(const char *spec, const labels_t *extra, rgtg_results_t *r) {
    labels_t given = {0};
    char *owned = NULL;
    const char *path = NULL;
    rgtg_status_t st = split_cells_spec(spec, &given, &owned, &path);
    rgtg_results_t from = {0};
    if (st == RGTG_OK) st = rgtg_results_read(path, &from);
    for (size_t i = 0; st == RGTG_OK && i < from.count; i++) {
        const rgtg_result_cell_t *cell = &from.cells[i];
        labels_t l = {0};
        for (size_t k = 0; k < cell->label_count && l.count < MAX_LABELS; k++) {
            bool replaced = false;
            for (size_t g = 0; g < given.count; g++) replaced |= !strcmp(given.items[g].key, cell->labels[k].key);
            if (!replaced) l.items[l.count++] = cell->labels[k];
        }
        for (size_t g = 0; g < given.count && l.count < MAX_LABELS; g++) l.items[l.count++] = given.items[g];
        for (size_t e = 0; e < extra->count && l.count < MAX_LABELS; e++) {
            bool present = false;
            for (size_t k = 0; k < l.count; k++) present |= !strcmp(l.items[k].key, extra->items[e].key);
            if (!present) l.items[l.count++] = extra->items[e];
        }
        rgtg_result_cell_t copy = *cell;
        copy.labels = l.items, copy.label_count = l.count;
        st = rgtg_results_add(r, &copy);
    }
    rgtg_results_free(&from);
    free(owned);
    return st;
}

/* --diversity LABEL=FILE: each method's extra samples (extra[d]), of the same method and swept settings as
 * its --gens file; diversity_of[i] points at the file of sources[i], or stays NULL. */
static rgtg_status_t load_diversity_files(const rgtg_summary_params_t *p, const source_t *sources, source_t *extra,
                                          const source_t **diversity_of) {
    for (int d = 0; d < p->diversity_count; d++) {
        const char *spec = p->diversity[d], *eq = strchr(spec, '=');
        if (!eq || eq == spec || !eq[1])
            return rgtg_error_set(RGTG_ERR_INVALID, "summarize: --diversity '%s': expected LABEL=FILE", spec);
        int of = -1;
        for (int i = 0; i < p->gens_count; i++)
            if (strlen(sources[i].label) == (size_t)(eq - spec) && !strncmp(sources[i].label, spec, (size_t)(eq - spec)))
                of = i;
        if (of < 0)
            return rgtg_error_set(RGTG_ERR_INVALID, "summarize: --diversity '%s': no --gens file is labelled '%.*s'", spec,
                                  (int)(eq - spec), spec);
        if (diversity_of[of])
            return rgtg_error_set(RGTG_ERR_INVALID, "summarize: --diversity: two files for '%s'", sources[of].label);
        diversity_of[of] = &extra[d];
        rgtg_status_t st = load_source(spec, &extra[d]);
        if (st != RGTG_OK) return st;
        if (strcmp(sources[of].rows[0].method, extra[d].rows[0].method) != 0)
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: method %s, but the --gens file of '%s' is %s", extra[d].path,
                                  extra[d].rows[0].method, sources[of].label, sources[of].rows[0].method);
        const char *differs = swept_difference(sources[of].rows, extra[d].rows);
        if (differs)
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: its %s is not that of the --gens file of '%s' (%s)", extra[d].path,
                                  differs, sources[of].label, sources[of].path);
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_summary_run(const rgtg_summary_params_t *p) {
    if (!p->out) return rgtg_error_set(RGTG_ERR_INVALID, "summarize: --out is required");
    if (p->gens_count < 1 && p->cells_count < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "summarize: give at least one --gens or --cells file");
    char *keys[RGTG_SUMMARY_MAX] = {0}, *values[RGTG_SUMMARY_MAX] = {0};
    rgtg_status_t st = RGTG_OK;
    for (int i = 0; st == RGTG_OK && i < p->label_count; i++) {
        const char *eq = strchr(p->labels[i], '='), *colon = strchr(p->labels[i], ':');
        const char *key = colon && eq && colon < eq ? colon + 1 : p->labels[i]; /* METHOD:KEY=VALUE */
        if (!eq || eq == key || !eq[1] || key == p->labels[i] + 1)
            st = rgtg_error_set(RGTG_ERR_INVALID, "summarize: --label '%s': expected KEY=VALUE or METHOD:KEY=VALUE",
                                p->labels[i]);
        else keys[i] = strndup(key, (size_t)(eq - key)), values[i] = strdup(eq + 1);
    }
    source_t sources[RGTG_SUMMARY_MAX] = {{0}};
    for (int i = 0; st == RGTG_OK && i < p->gens_count; i++) st = load_source(p->gens[i], &sources[i]);
    for (int b = 0; st == RGTG_OK && b < p->baseline_count; b++) {
        bool found = false;
        for (int i = 0; i < p->gens_count; i++) found |= !strcmp(sources[i].label, p->baselines[b]);
        if (!found) st = rgtg_error_set(RGTG_ERR_INVALID, "summarize: no --gens file is labelled '%s' (the baseline)",
                                        p->baselines[b]);
    }
    source_t extra_samples[RGTG_SUMMARY_MAX] = {{0}};
    const source_t *diversity_of[RGTG_SUMMARY_MAX] = {0};
    if (st == RGTG_OK) st = load_diversity_files(p, sources, extra_samples, diversity_of);
    rgtg_results_t results = {0};
    if (st == RGTG_OK && p->append && rgtg_path_exists(p->out)) st = rgtg_results_read(p->out, &results);
    for (int i = 0; st == RGTG_OK && i < p->gens_count; i++) {
        labels_t l = labels_for(p, &sources[i], keys, values);
        st = summarize_file(p, &sources[i], diversity_of[i], &l, &results);
        for (int b = 0; st == RGTG_OK && b < p->baseline_count; b++)
            for (int j = 0; st == RGTG_OK && j < p->gens_count; j++)
                if (j != i && !strcmp(sources[j].label, p->baselines[b]) && strcmp(sources[i].label, p->baselines[b]))
                    st = compare_files(p, &sources[i], &sources[j], l, &results);
    }
    labels_t extra = {0};
    for (int i = 0; st == RGTG_OK && i < p->label_count; i++) label_add(&extra, keys[i], values[i]);
    for (int i = 0; st == RGTG_OK && i < p->cells_count; i++) st = merge_cells(p->cells[i], &extra, &results);
    if (st == RGTG_OK) st = rgtg_results_write(&results, p->out);
    rgtg_results_free(&results);
    for (int i = 0; i < p->gens_count; i++) rgtg_gen_free(sources[i].rows, sources[i].count), free(sources[i].label);
    for (int d = 0; d < p->diversity_count; d++) rgtg_gen_free(extra_samples[d].rows, extra_samples[d].count), free(extra_samples[d].label);
    for (int i = 0; i < p->label_count; i++) free(keys[i]), free(values[i]);
    return st;
}
