/* eval/compare.c: `rgtg eval compare`: two generations files read, checked, paired by prompt and compared
 * (see compare.h; the statistics are eval/paired.c's). */
#define _POSIX_C_SOURCE 200809L
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/generations.h"
#include "pairs.h"
#include "results.h"

rgtg_compare_params_t rgtg_compare_default_params(void) {
    return (rgtg_compare_params_t){.one_sided = RGTG_ALTERNATIVE_GREATER, .stats = rgtg_paired_default_params()};
}

typedef struct {
    const char *path;
    char *label;             /* LABEL of "LABEL=FILE", else the file's method */
    rgtg_generation_t *rows;
    size_t count;
} side_t;

/* One unit of the comparison: a prompt (its samples' mean reward) or, per sample, one row. */
typedef struct {
    int64_t id, sample;
    size_t row;              /* the row it came from (the first of its prompt) */
    double reward;
} unit_t;

static const char *reward_label(const char *field) { return field ? field : "reward"; }

static rgtg_status_t load_side(const char *spec, side_t *s) {
    const char *eq = strchr(spec, '=');
    bool labelled = eq && eq != spec && !memchr(spec, '/', (size_t)(eq - spec));
    s->path = labelled ? eq + 1 : spec;
    if (!rgtg_path_exists(s->path)) return rgtg_error_set(RGTG_ERR_IO, "%s: no such file", s->path);
    rgtg_status_t st = rgtg_gen_read(s->path, &s->rows, &s->count);
    if (st == RGTG_OK && s->count == 0) st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no rows", s->path);
    const char *method = NULL;
    if (st == RGTG_OK) st = rgtg_pairs_single_method(s->rows, s->count, s->path, &method);
    if (st == RGTG_OK) s->label = labelled ? strndup(spec, (size_t)(eq - spec)) : strdup(method);
    if (st == RGTG_OK && !s->label) st = rgtg_error_set(RGTG_ERR_NOMEM, "compare: out of memory");
    return st;
}

/* "rm, gold": the named rewards a row has, for the hint when the chosen one is missing. */
static void names_of(const rgtg_generation_t *g, char *out, size_t size) {
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < g->reward_count && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", g->rewards[i].name);
}

/* The chosen reward of every row; the first row without one is named, with how many lack it. */
static rgtg_status_t rewards_of(const side_t *s, const char *field, double *values) {
    size_t missing = 0, first = 0;
    for (size_t i = 0; i < s->count; i++)
        if (!rgtg_gen_reward_value(&s->rows[i], field, &values[i], NULL) && missing++ == 0) first = i;
    if (missing == 0) return RGTG_OK;
    const rgtg_generation_t *g = &s->rows[first];
    char names[256];
    names_of(g, names, sizeof names);
    return rgtg_error_set(RGTG_ERR_INVALID, "%s: row %zu (id %lld, sample %lld) has no %s%s%s (%zu of %zu rows lack it): %s%s%s",
                          s->path, first + 1, (long long)g->id, (long long)g->sample, field ? "reward '" : "reward",
                          field ? field : "", field ? "'" : "", missing, s->count,
                          field ? "score it with rgtg eval score --rm NAME=DIR" : "score it with rgtg eval score",
                          names[0] ? "; its rewards are: " : "", names);
}

/* The model behind a row's chosen reward, or NULL when the row does not record it. */
static const rgtg_gen_reward_t *scorer_of(const rgtg_generation_t *g, const char *field) {
    double value;
    const char *sha = NULL;
    rgtg_gen_reward_value(g, field, &value, &sha);
    return sha ? rgtg_gen_find_reward(g, field ? field : g->reward_name) : NULL;
}

/* Every row of a file scored by one model (or none on record); *out is that model or NULL. */
static rgtg_status_t file_scorer(const side_t *s, const char *field, const rgtg_gen_reward_t **out) {
    const rgtg_gen_reward_t *first = scorer_of(&s->rows[0], field);
    for (size_t i = 1; i < s->count; i++) {
        const rgtg_gen_reward_t *r = scorer_of(&s->rows[i], field);
        if ((r == NULL) != (first == NULL) || (r && strcmp(r->sha256, first->sha256) != 0))
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: its %s came from different reward models (row 1: %s, row %zu: %s)",
                                  s->path, reward_label(field), first ? first->path : "not recorded", i + 1,
                                  r ? r->path : "not recorded");
    }
    *out = first;
    return RGTG_OK;
}

static rgtg_status_t check_same_scorer(const side_t *a, const side_t *b, const char *field) {
    const rgtg_gen_reward_t *ra = NULL, *rb = NULL;
    rgtg_status_t st = file_scorer(a, field, &ra);
    if (st == RGTG_OK) st = file_scorer(b, field, &rb);
    if (st != RGTG_OK || (!ra && !rb)) return st; /* neither records its model (files scored before names) */
    if (!ra || !rb)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: its %s records no reward model while %s's come from %s: score both "
                              "files with the same model (rgtg eval score)", ra ? b->path : a->path,
                              reward_label(field), ra ? a->path : b->path, ra ? ra->path : rb->path);
    if (strcmp(ra->sha256, rb->sha256) != 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s and %s were scored by different reward models: %s in %s (sha256 "
                              "%.12s...), %s in %s (sha256 %.12s...)", a->path, b->path, reward_label(field), a->path,
                              ra->sha256, reward_label(field), b->path, rb->sha256);
    return RGTG_OK;
}

static int by_id_then_row(const void *x, const void *y) {
    const unit_t *a = x, *b = y;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

static int by_key(const void *x, const void *y) {
    const unit_t *a = x, *b = y;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    if (a->sample != b->sample) return a->sample < b->sample ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* The file's units sorted by key: rows keyed by (id, sample) (rows of version-1 files, which have no
 * sample field, by their order within the id), then, per prompt, the mean over its samples. */
static rgtg_status_t units_of(const side_t *s, const double *rewards, bool per_sample, unit_t **out, size_t *count_out) {
    unit_t *u = malloc((s->count + 1) * sizeof *u);
    if (!u) return rgtg_error_set(RGTG_ERR_NOMEM, "compare: out of memory");
    for (size_t i = 0; i < s->count; i++) u[i] = (unit_t){.id = s->rows[i].id, .row = i, .reward = rewards[i]};
    qsort(u, s->count, sizeof *u, by_id_then_row);
    for (size_t i = 0, order = 0; i < s->count; i++) {
        order = i > 0 && u[i - 1].id == u[i].id ? order + 1 : 0;
        const rgtg_generation_t *g = &s->rows[u[i].row];
        u[i].sample = g->format_version >= 2 ? g->sample : (int64_t)order;
    }
    qsort(u, s->count, sizeof *u, by_key);
    for (size_t i = 1; i < s->count; i++)
        if (u[i].id == u[i - 1].id && u[i].sample == u[i - 1].sample) {
            rgtg_status_t st = rgtg_error_set(RGTG_ERR_INVALID, "%s: rows %zu and %zu are both id %lld, sample %lld "
                                              "(two runs in one file?)", s->path, u[i - 1].row + 1, u[i].row + 1,
                                              (long long)u[i].id, (long long)u[i].sample);
            free(u);
            return st;
        }
    size_t n = s->count;
    if (!per_sample) { /* one unit per prompt: the mean of its samples' rewards */
        n = 0;
        for (size_t i = 0; i < s->count;) {
            size_t j = i;
            double sum = 0;
            for (; j < s->count && u[j].id == u[i].id; j++) sum += u[j].reward;
            u[n] = u[i];
            u[n].reward = sum / (double)(j - i);
            n++, i = j;
        }
    }
    *out = u;
    *count_out = n;
    return RGTG_OK;
}

/* Pairs the units of a and b by key; refuses sets that differ, saying how many are unpaired. */
static rgtg_status_t pair_units(const side_t *sa, const unit_t *a, size_t na, const side_t *sb, const unit_t *b,
                                size_t nb, bool per_sample, double *va, double *vb, size_t *n_out) {
    size_t i = 0, j = 0, n = 0, only_a = 0, only_b = 0;
    const unit_t *example_a = NULL, *example_b = NULL;
    while (i < na || j < nb) {
        int order = i == na ? 1 : j == nb ? -1 : by_key(&(unit_t){a[i].id, a[i].sample, 0, 0}, &(unit_t){b[j].id, b[j].sample, 0, 0});
        if (order < 0) {
            if (only_a++ == 0) example_a = &a[i];
            i++;
        } else if (order > 0) {
            if (only_b++ == 0) example_b = &b[j];
            j++;
        } else {
            va[n] = a[i++].reward, vb[n] = b[j++].reward, n++;
        }
    }
    *n_out = n;
    if (!only_a && !only_b) return RGTG_OK;
    const char *unit = per_sample ? "(id, sample) rows" : "prompt ids";
    char in_a[200] = "", in_b[200] = "", key[64];
    if (only_a) {
        snprintf(key, sizeof key, per_sample ? "id %lld, sample %lld" : "id %lld", (long long)example_a->id,
                 (long long)example_a->sample);
        snprintf(in_a, sizeof in_a, "%zu %s only in %s (e.g. %s)", only_a, unit, sa->path, key);
    }
    if (only_b) {
        snprintf(key, sizeof key, per_sample ? "id %lld, sample %lld" : "id %lld", (long long)example_b->id,
                 (long long)example_b->sample);
        snprintf(in_b, sizeof in_b, "%zu %s only in %s (e.g. %s)", only_b, unit, sb->path, key);
    }
    return rgtg_error_set(RGTG_ERR_INVALID, "%s and %s do not hold the same prompts: %s%s%s; %zu paired", sa->path,
                          sb->path, in_a, only_a && only_b ? ", " : "", in_b, n);
}

static rgtg_status_t check_out(const rgtg_compare_params_t *p, const side_t *a, const side_t *b) {
    if (!p->out) return RGTG_OK;
    if (!strcmp(p->out, a->path) || !strcmp(p->out, b->path))
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: the results file would overwrite an input generations file", p->out);
    char *dir = strdup(p->out);
    if (!dir) return rgtg_error_set(RGTG_ERR_NOMEM, "compare: out of memory");
    char *slash = strrchr(dir, '/');
    rgtg_status_t st = RGTG_OK;
    if (slash) {
        slash[slash == dir ? 1 : 0] = '\0';
        if (!rgtg_path_exists(dir))
            st = rgtg_error_set(RGTG_ERR_IO, "%s: its directory %s does not exist (nothing written)", p->out, dir);
    }
    free(dir);
    return st;
}

/* reward_diff (two-sided Wilcoxon p), its CI bounds, wilcoxon_p per alternative, win/tie/loss. */
static rgtg_status_t write_results(const rgtg_compare_params_t *p, const side_t *a, const side_t *b,
                                   const rgtg_compare_result_t *r) {
    const rgtg_paired_t *c = &r->paired;
    rgtg_label_t labels[5] = {
        {.key = "method", .kind = RGTG_LABEL_STRING, .text = a->label},
        {.key = "baseline", .kind = RGTG_LABEL_STRING, .text = b->label},
        {.key = "reward", .kind = RGTG_LABEL_STRING, .text = (char *)reward_label(p->reward)},
        {.key = "pairing", .kind = RGTG_LABEL_STRING, .text = p->per_sample ? "sample" : "prompt"},
        {.key = "alternative", .kind = RGTG_LABEL_STRING},
    };
    int64_t n = (int64_t)c->n;
    double two_p = c->wilcoxon_defined ? c->wilcoxon.pvalue : NAN, one_p = c->wilcoxon_defined ? r->one_sided.pvalue : NAN;
    struct {
        const char *metric;
        double value, se, p_value;
        const char *alternative; /* NULL: no such label */
    } cells[] = {
        {"reward_diff", c->mean_difference, c->se_difference, two_p, NULL},
        {"reward_diff_ci_low", c->ci.low, NAN, NAN, NULL},
        {"reward_diff_ci_high", c->ci.high, NAN, NAN, NULL},
        {"wilcoxon_p", two_p, NAN, two_p, "two-sided"},
        {"wilcoxon_p", one_p, NAN, one_p, rgtg_alternative_name(p->one_sided)},
        {"win", c->outcomes.win_rate, NAN, NAN, NULL},
        {"tie", c->outcomes.tie_rate, NAN, NAN, NULL},
        {"loss", c->outcomes.loss_rate, NAN, NAN, NULL},
    };
    rgtg_results_t results = {0};
    rgtg_status_t st = RGTG_OK;
    for (size_t i = 0; st == RGTG_OK && i < sizeof cells / sizeof *cells; i++) {
        if (!isfinite(cells[i].value)) continue; /* e.g. no test when every difference is 0 */
        labels[4].text = (char *)cells[i].alternative;
        rgtg_result_cell_t cell = {.metric = (char *)cells[i].metric, .value = cells[i].value, .n = n,
                                   .se = cells[i].se, .p_value = cells[i].p_value, .labels = labels,
                                   .label_count = cells[i].alternative ? 5 : 4};
        st = rgtg_results_add(&results, &cell);
    }
    if (st == RGTG_OK) st = rgtg_results_write(&results, p->out);
    rgtg_results_free(&results);
    return st;
}

static void print_report(const rgtg_compare_params_t *p, const side_t *a, const side_t *b, const rgtg_compare_result_t *r,
                         FILE *out) {
    const rgtg_paired_t *c = &r->paired;
    fprintf(out, "eval compare: %s (%s) vs %s (%s), field %s%s, %zu %s paired (%zu and %zu rows%s)\n", a->label, a->path,
            b->label, b->path, p->reward ? "rewards." : "", reward_label(p->reward), r->units, p->per_sample ? "(id, sample) rows" : "prompts", r->rows_a,
            r->rows_b, p->per_sample || (r->rows_a == r->units && r->rows_b == r->units) ? "" : "; samples averaged per prompt");
    fprintf(out, "  mean %s: A %.6g, B %.6g\n", reward_label(p->reward), c->mean_a, c->mean_b);
    fprintf(out, "  difference A - B: mean %.6g, SE %.6g, %g%% bootstrap CI [%.6g, %.6g] (%zu resamples, seed %llu)\n",
            c->mean_difference, c->se_difference, 100 * p->stats.confidence, c->ci.low, c->ci.high, c->ci.resamples,
            (unsigned long long)p->stats.seed);
    fprintf(out, "  win/tie/loss: %zu/%zu/%zu (A above/equal to/below B)\n", c->outcomes.wins, c->outcomes.ties,
            c->outcomes.losses);
    if (!c->wilcoxon_defined) {
        fprintf(out, "  Wilcoxon signed-rank: undefined, every difference is 0\n");
        return;
    }
    fprintf(out, "  Wilcoxon signed-rank: statistic %.6g, p %.6g two-sided; statistic %.6g, p %.6g %s (%s; %zu zero "
            "differences dropped)\n", c->wilcoxon.statistic, c->wilcoxon.pvalue, r->one_sided.statistic, r->one_sided.pvalue,
            rgtg_alternative_name(p->one_sided), c->wilcoxon.exact ? "exact" : "normal approximation", c->wilcoxon.zeros);
}

rgtg_status_t rgtg_compare_run(const rgtg_compare_params_t *p, FILE *print, rgtg_compare_result_t *result) {
    memset(result, 0, sizeof *result);
    if (!p->a || !p->b) return rgtg_error_set(RGTG_ERR_INVALID, "compare: two generations files are needed");
    if (p->reward && !rgtg_gen_reward_name_valid(p->reward))
        return rgtg_error_set(RGTG_ERR_INVALID, "compare: --reward '%s' is not a reward name (letters, digits, '.', '_', '-')",
                              p->reward);
    if (p->one_sided == RGTG_ALTERNATIVE_TWO_SIDED)
        return rgtg_error_set(RGTG_ERR_INVALID, "compare: the one-sided test is greater or less");
    side_t a = {0}, b = {0};
    rgtg_status_t st = load_side(p->a, &a);
    if (st == RGTG_OK) st = load_side(p->b, &b);
    if (st == RGTG_OK) st = check_out(p, &a, &b);
    double *ra = NULL, *rb = NULL, *va = NULL, *vb = NULL;
    unit_t *ua = NULL, *ub = NULL;
    size_t na = 0, nb = 0, n = 0;
    if (st == RGTG_OK) {
        ra = malloc((a.count + 1) * sizeof *ra), rb = malloc((b.count + 1) * sizeof *rb);
        va = malloc((a.count + 1) * sizeof *va), vb = malloc((a.count + 1) * sizeof *vb);
        if (!ra || !rb || !va || !vb) st = rgtg_error_set(RGTG_ERR_NOMEM, "compare: out of memory");
    }
    if (st == RGTG_OK) st = rewards_of(&a, p->reward, ra);
    if (st == RGTG_OK) st = rewards_of(&b, p->reward, rb);
    if (st == RGTG_OK) st = check_same_scorer(&a, &b, p->reward);
    if (st == RGTG_OK) st = units_of(&a, ra, p->per_sample, &ua, &na);
    if (st == RGTG_OK) st = units_of(&b, rb, p->per_sample, &ub, &nb);
    if (st == RGTG_OK) st = pair_units(&a, ua, na, &b, ub, nb, p->per_sample, va, vb, &n);
    if (st == RGTG_OK) st = rgtg_paired_compare(va, vb, n, &p->stats, &result->paired);
    result->one_sided = (rgtg_wilcoxon_t){.statistic = NAN, .pvalue = NAN, .z = NAN};
    if (st == RGTG_OK && result->paired.wilcoxon_defined) st = rgtg_wilcoxon(va, vb, n, p->one_sided, &result->one_sided);
    result->rows_a = a.count, result->rows_b = b.count, result->units = n;
    if (st == RGTG_OK && p->out) st = write_results(p, &a, &b, result);
    if (st == RGTG_OK && print) print_report(p, &a, &b, result, print);
    free(ra), free(rb), free(va), free(vb), free(ua), free(ub);
    rgtg_gen_free(a.rows, a.count), rgtg_gen_free(b.rows, b.count);
    free(a.label), free(b.label);
    return st;
}
