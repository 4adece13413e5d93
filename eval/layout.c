/* eval/layout.c: the paper's table layouts over results.json cells (see layout.h and RESULTS.md):
 * the layouts as data, then one pivot that places cells by their labels and formats them. */
#include "layout.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"

/* ---- the layouts ---- */

typedef enum { SHOW_MEAN_SE, SHOW_PERCENT, SHOW_FIXED2, SHOW_FIXED3, SHOW_P_VALUE } show_t;

typedef struct {
    const char *metric;
    show_t show;                   /* SHOW_P_VALUE reads the cell's p_value, the others its value */
    bool optional;                 /* the column is left out when no cell fills it */
    const char *markdown, *latex;  /* headers */
} metric_column_t;

typedef struct {
    const char *key;
    const char *markdown, *latex;
} label_column_t;

typedef enum {
    PIVOT_NONE,
    PIVOT_NAMED,   /* optional label (dataset): one column group per value, named only when there are several */
    PIVOT_KEYED,   /* required label: "k = 10" */
    PIVOT_PERCENT, /* required fraction: "25%" */
} pivot_style_t;

enum { MAX_ROW_LABELS = 2, MAX_FLAGS = 2, MAX_METRICS = 4 };

typedef struct {
    const char *name;
    label_column_t rows[MAX_ROW_LABELS];  /* labels that make a row (all required) */
    label_column_t flags[MAX_FLAGS];      /* labels shown beside the row (e.g. llm_frozen) */
    const char *pivot;
    pivot_style_t pivot_style;
    metric_column_t metrics[MAX_METRICS]; /* metrics[0].metric is the main metric (--metric replaces it) */
    bool show_n;                          /* an n column per group (Markdown, LaTeX; CSV always has n) */
} layout_t;

#define REWARD_COLUMN {"reward", SHOW_MEAN_SE, false, "Reward (mean ± SE)", "Reward (mean $\\pm$ SE)"}
#define METHOD_ROW {{"method", "Method", "Method"}}
#define METHOD_FLAGS {{"llm_frozen", "LLM frozen?", "LLM frozen?"}, {"single_y", "Single y?", "Single $y$?"}}

static const layout_t layouts[] = {
    {"table1", METHOD_ROW, METHOD_FLAGS, "dataset", PIVOT_NAMED, {REWARD_COLUMN}, false},
    /* the demo's summary: Table 1's reward beside the fit to the reference, the diversity among a prompt's
     * samples and the cost of a token */
    {"table1-demo", METHOD_ROW, METHOD_FLAGS, "dataset", PIVOT_NAMED,
     {REWARD_COLUMN,
      {"rouge_l", SHOW_FIXED3, true, "ROUGE-L F1 (vs. reference)", "ROUGE-L F1 (vs.\\ reference)"},
      {"diversity_rouge_l", SHOW_FIXED3, true, "ROUGE-L among samples (lower: more diverse)",
       "ROUGE-L among samples (lower: more diverse)"},
      {"ms_per_token", SHOW_FIXED3, true, "ms/token", "ms/token"}}, false},
    {"table2", {{"method", "Method", "Method"}, {"baseline", "vs.", "vs."}}, {{0}}, "dataset", PIVOT_NAMED,
     {{"win", SHOW_PERCENT, false, "Win (%)", "Win (\\%)"},
      {"tie", SHOW_PERCENT, false, "Tie (%)", "Tie (\\%)"},
      {"loss", SHOW_PERCENT, false, "Loss (%)", "Loss (\\%)"}}, true},
    {"table3", METHOD_ROW, METHOD_FLAGS, "dataset", PIVOT_NAMED, {REWARD_COLUMN}, false},
    {"table4", METHOD_ROW, {{0}}, "dataset", PIVOT_NAMED, {{"bleu", SHOW_FIXED2, false, "BLEU", "BLEU"}}, false},
    {"table5", METHOD_ROW, {{0}}, "dataset", PIVOT_NAMED,
     {{"diversity_rouge_l", SHOW_MEAN_SE, false, "ROUGE-L (mean ± SE)", "ROUGE-L (mean $\\pm$ SE)"},
      {"distinct_1", SHOW_FIXED3, true, "Distinct-1", "Distinct-1"},
      {"distinct_2", SHOW_FIXED3, true, "Distinct-2", "Distinct-2"}}, false},
    {"table9", {{"method", "Method", "Method"}, {"baseline", "Baseline", "Baseline"}}, {{0}}, "dataset", PIVOT_NAMED,
     {{"reward_diff", SHOW_P_VALUE, false, "p-value", "$p$-value"},
      {"reward_diff", SHOW_MEAN_SE, true, "Reward difference (mean ± SE)", "Reward difference (mean $\\pm$ SE)"}}, false},
    {"table10", {{"method", "Method", "Method"}, {"baseline", "Baseline", "Baseline"}}, {{0}}, "dataset", PIVOT_NAMED,
     {{"reward_diff", SHOW_P_VALUE, false, "p-value", "$p$-value"},
      {"reward_diff", SHOW_MEAN_SE, true, "Reward difference (mean ± SE)", "Reward difference (mean $\\pm$ SE)"}}, false},
    {"table12", {{"rm", "Reward model", "Reward model"}}, {{0}}, "prefix_fraction", PIVOT_PERCENT,
     {{"agreement", SHOW_PERCENT, false, "Agreement (%)", "Agreement (\\%)"}}, false},
    {"table13", {{"beta", "β", "$\\beta$"}}, {{0}}, "k", PIVOT_KEYED, {REWARD_COLUMN}, false},
    {"table14", {{"beta", "β", "$\\beta$"}}, {{0}}, "k", PIVOT_KEYED,
     {{"diversity_rouge_l", SHOW_MEAN_SE, false, "ROUGE-L (mean ± SE)", "ROUGE-L (mean $\\pm$ SE)"}}, false},
    {"table15", {{"ratio", "Expansion ratio", "Expansion ratio"}}, {{0}}, "dataset", PIVOT_NAMED,
     {REWARD_COLUMN, {"accuracy", SHOW_PERCENT, true, "Prefix accuracy (%)", "Prefix accuracy (\\%)"}}, false},
    {"figure3", METHOD_ROW, {{0}}, "dataset", PIVOT_NAMED,
     {{"ms_per_token", SHOW_FIXED3, false, "ms/token", "ms/token"},
      REWARD_COLUMN,
      {"lm_calls_per_token", SHOW_FIXED2, true, "LM calls/token", "LM calls/token"},
      {"rm_calls_per_token", SHOW_FIXED2, true, "RM calls/token", "RM calls/token"}}, false},
};

enum { LAYOUT_COUNT = sizeof layouts / sizeof layouts[0] };

const char *rgtg_layout_names(void) {
    static char names[LAYOUT_COUNT * 16];
    if (!names[0])
        for (size_t i = 0; i < LAYOUT_COUNT; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", layouts[i].name);
    return names;
}

rgtg_layout_params_t rgtg_layout_default_params(void) {
    return (rgtg_layout_params_t){.layout = NULL, .metric = NULL, .where = NULL, .where_count = 0,
                                  .results_name = "results"};
}

rgtg_render_params_t rgtg_render_default_params(void) {
    return (rgtg_render_params_t){.results_path = NULL, .out_path = NULL, .layout = rgtg_layout_default_params()};
}

/* ---- placing cells ---- */

enum { TEXT_SIZE = 512 };

typedef struct {
    char text[TEXT_SIZE];
    bool numeric;
    double number;
    size_t first;  /* order of first appearance */
} key_t_;

typedef struct {
    key_t_ keys[MAX_ROW_LABELS];
    size_t first;
} row_t;

typedef struct {
    const layout_t *layout;
    metric_column_t metrics[MAX_METRICS];
    size_t metric_count, row_label_count, flag_count;
    bool metric_active[MAX_METRICS];
    row_t *rows;
    size_t row_count;
    key_t_ *groups;
    size_t group_count;
    long *slots;   /* rows x groups x metric_count: the cell index, or -1 */
    const rgtg_results_t *results;
    const char *name;
} pivot_t;

static void key_of(const rgtg_label_t *label, key_t_ *key) {
    memset(key, 0, sizeof *key);
    if (!label) return; /* "": the cell has no such label (an optional pivot) */
    rgtg_label_format(label, key->text, sizeof key->text);
    key->numeric = label->kind == RGTG_LABEL_NUMBER;
    key->number = label->number;
}

static bool same_key(const key_t_ *a, const key_t_ *b) {
    return a->numeric == b->numeric && (a->numeric ? a->number == b->number : strcmp(a->text, b->text) == 0);
}

static bool uses_metric(const pivot_t *p, const char *metric) {
    for (size_t m = 0; m < p->metric_count; m++)
        if (strcmp(p->metrics[m].metric, metric) == 0) return true;
    return false;
}

/* Numeric keys ascending; otherwise first appearance. */
static int compare_keys(const key_t_ *a, const key_t_ *b) {
    if (a->numeric && b->numeric && a->number != b->number) return a->number < b->number ? -1 : 1;
    if (a->numeric != b->numeric) return a->numeric ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;
}

/* Rows sort by their keys when every key is a number, else stay in order of first appearance. */
static int compare_rows(const row_t *x, const row_t *y, size_t label_count) {
    bool all_numeric = true;
    for (size_t k = 0; k < label_count; k++) all_numeric = all_numeric && x->keys[k].numeric && y->keys[k].numeric;
    if (all_numeric)
        for (size_t k = 0; k < label_count; k++) {
            int c = compare_keys(&x->keys[k], &y->keys[k]);
            if (c) return c;
        }
    return x->first < y->first ? -1 : x->first > y->first;
}

/* Insertion sorts (tables have a few dozen rows): stable, and no global context for qsort. */
static void sort_rows(row_t *rows, size_t count, size_t label_count) {
    for (size_t i = 1; i < count; i++)
        for (size_t j = i; j > 0 && compare_rows(&rows[j - 1], &rows[j], label_count) > 0; j--) {
            row_t swap = rows[j];
            rows[j] = rows[j - 1], rows[j - 1] = swap;
        }
}

static void sort_groups(key_t_ *groups, size_t count) {
    for (size_t i = 1; i < count; i++)
        for (size_t j = i; j > 0 && compare_keys(&groups[j - 1], &groups[j]) > 0; j--) {
            key_t_ swap = groups[j];
            groups[j] = groups[j - 1], groups[j - 1] = swap;
        }
}

/* "beta=1.5, k=10" for a message. */
static void describe_cell(const pivot_t *p, const rgtg_result_cell_t *cell, char *out, size_t size) {
    size_t used = (size_t)snprintf(out, size, "metric '%s'", cell->metric);
    const char *keys[MAX_ROW_LABELS + 1] = {0};
    for (size_t k = 0; k < p->row_label_count; k++) keys[k] = p->layout->rows[k].key;
    keys[p->row_label_count] = p->layout->pivot;
    for (size_t k = 0; k <= p->row_label_count && used < size; k++) {
        const rgtg_label_t *label = keys[k] ? rgtg_result_label(cell, keys[k]) : NULL;
        if (!label) continue;
        char text[TEXT_SIZE];
        rgtg_label_format(label, text, sizeof text);
        used += (size_t)snprintf(out + used, size - used, ", %s=%s", keys[k], text);
    }
}

static rgtg_status_t place_cells(pivot_t *p, const rgtg_layout_params_t *params) {
    const layout_t *layout = p->layout;
    const rgtg_results_t *results = p->results;
    size_t *row_of = calloc(results->count + 1, sizeof *row_of), *group_of = calloc(results->count + 1, sizeof *group_of);
    bool *used = calloc(results->count + 1, sizeof *used);
    p->rows = calloc(results->count + 1, sizeof *p->rows);
    p->groups = calloc(results->count + 1, sizeof *p->groups);
    if (!row_of || !group_of || !used || !p->rows || !p->groups) {
        free(row_of), free(group_of), free(used);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", p->name);
    }
    bool pivot_required = layout->pivot_style == PIVOT_KEYED || layout->pivot_style == PIVOT_PERCENT;
    for (size_t i = 0; i < results->count; i++) {
        const rgtg_result_cell_t *cell = &results->cells[i];
        if (!uses_metric(p, cell->metric) || !rgtg_result_cell_matches(cell, params->where, params->where_count)) continue;
        row_t row = {.first = p->row_count};
        bool complete = true;
        for (size_t k = 0; k < p->row_label_count; k++) {
            const rgtg_label_t *label = rgtg_result_label(cell, layout->rows[k].key);
            complete = complete && label;
            key_of(label, &row.keys[k]);
        }
        const rgtg_label_t *pivot_label = layout->pivot ? rgtg_result_label(cell, layout->pivot) : NULL;
        if (!complete || (pivot_required && !pivot_label)) continue;
        key_t_ group;
        key_of(pivot_label, &group);
        size_t r = 0, g = 0;
        while (r < p->row_count) {
            bool same = true;
            for (size_t k = 0; k < p->row_label_count; k++) same = same && same_key(&p->rows[r].keys[k], &row.keys[k]);
            if (same) break;
            r++;
        }
        if (r == p->row_count) p->rows[p->row_count++] = row;
        while (g < p->group_count && !same_key(&p->groups[g], &group)) g++;
        if (g == p->group_count) {
            group.first = g;
            p->groups[p->group_count++] = group;
        }
        used[i] = true;
        row_of[i] = p->rows[r].first;
        group_of[i] = p->groups[g].first;
    }
    rgtg_status_t status = RGTG_OK;
    if (p->row_count == 0) {
        char needs[TEXT_SIZE] = "";
        for (size_t k = 0; k < p->row_label_count; k++)
            snprintf(needs + strlen(needs), sizeof needs - strlen(needs), "%s%s", k ? ", " : "", layout->rows[k].key);
        if (pivot_required) snprintf(needs + strlen(needs), sizeof needs - strlen(needs), ", %s", layout->pivot);
        status = rgtg_error_set(RGTG_ERR_INVALID, "%s: no cell for layout %s (it reads metric '%s' with labels %s)",
                                p->name, layout->name, p->metrics[0].metric, needs);
    }
    /* sort rows and groups, then map first-appearance indices to sorted positions */
    sort_rows(p->rows, p->row_count, p->row_label_count);
    sort_groups(p->groups, p->group_count);
    size_t *row_position = calloc(p->row_count + 1, sizeof *row_position);
    size_t *group_position = calloc(p->group_count + 1, sizeof *group_position);
    p->slots = malloc((p->row_count * p->group_count * p->metric_count + 1) * sizeof *p->slots);
    if (status == RGTG_OK && (!row_position || !group_position || !p->slots))
        status = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", p->name);
    for (size_t r = 0; status == RGTG_OK && r < p->row_count; r++) row_position[p->rows[r].first] = r;
    for (size_t g = 0; status == RGTG_OK && g < p->group_count; g++) group_position[p->groups[g].first] = g;
    for (size_t s = 0; status == RGTG_OK && s < p->row_count * p->group_count * p->metric_count; s++) p->slots[s] = -1;
    for (size_t i = 0; status == RGTG_OK && i < results->count; i++) {
        if (!used[i]) continue;
        for (size_t m = 0; m < p->metric_count && status == RGTG_OK; m++) {
            if (strcmp(p->metrics[m].metric, results->cells[i].metric) != 0) continue;
            long *slot = &p->slots[(row_position[row_of[i]] * p->group_count + group_position[group_of[i]]) *
                                   p->metric_count + m];
            if (*slot >= 0 && (size_t)*slot != i) {
                char what[2 * TEXT_SIZE];
                describe_cell(p, &results->cells[i], what, sizeof what);
                status = rgtg_error_set(RGTG_ERR_INVALID, "%s: cells[%zu] repeats cells[%ld] (%s); pick one with --where",
                                        p->name, i, *slot, what);
            }
            *slot = (long)i;
            p->metric_active[m] = true;
        }
    }
    for (size_t m = 0; m < p->metric_count; m++) p->metric_active[m] = p->metric_active[m] || !p->metrics[m].optional;
    free(row_position), free(group_position), free(row_of), free(group_of), free(used);
    return status;
}

/* The row's shown label (e.g. llm_frozen) from its cells; "" when none has it; an error when two differ. */
static rgtg_status_t row_flag(const pivot_t *p, size_t r, const char *key, char *out, size_t size) {
    out[0] = '\0';
    long first = -1;
    for (size_t s = r * p->group_count * p->metric_count; s < (r + 1) * p->group_count * p->metric_count; s++) {
        if (p->slots[s] < 0) continue;
        const rgtg_label_t *label = rgtg_result_label(&p->results->cells[p->slots[s]], key);
        if (!label) continue;
        char text[TEXT_SIZE];
        if (label->kind == RGTG_LABEL_BOOL) snprintf(text, sizeof text, "%s", label->flag ? "yes" : "no");
        else rgtg_label_format(label, text, sizeof text);
        if (first >= 0 && strcmp(text, out) != 0)
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: cells[%ld] and cells[%ld] disagree on '%s' (%s, %s)", p->name,
                                  first, p->slots[s], key, out, text);
        if (first < 0) snprintf(out, size, "%s", text), first = p->slots[s];
    }
    return RGTG_OK;
}

/* ---- formatting ---- */

typedef struct {
    char **items;
    size_t count, capacity;
    bool failed;
} strings_t;

static const char *strings_add(strings_t *s, char *owned) {
    if (!owned) s->failed = true;
    if (s->failed) {
        free(owned);
        return "";
    }
    if (s->count == s->capacity) {
        size_t capacity = s->capacity ? 2 * s->capacity : 64;
        char **grown = realloc(s->items, capacity * sizeof *grown);
        if (!grown) {
            s->failed = true;
            free(owned);
            return "";
        }
        s->items = grown, s->capacity = capacity;
    }
    return s->items[s->count++] = owned;
}

static const char *strings_printf(strings_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *strings_printf(strings_t *s, const char *fmt, ...) {
    char buffer[2 * TEXT_SIZE];
    va_list args;
    va_start(args, fmt);
    vsnprintf(buffer, sizeof buffer, fmt, args);
    va_end(args);
    return strings_add(s, strdup(buffer));
}

static void strings_free(strings_t *s) {
    for (size_t i = 0; i < s->count; i++) free(s->items[i]);
    free(s->items);
}

static void format_p_value(char *out, size_t size, double p) {
    if (p >= 0.001) rgtg_table_format_fixed(out, size, p, 3);
    else snprintf(out, size, "%.1e", p);
}

/* A display cell (Markdown or LaTeX) of metric column m from cell (NULL: missing). */
static const char *display_cell(strings_t *s, const metric_column_t *column, const rgtg_result_cell_t *cell,
                                bool latex) {
    if (!cell) return strings_printf(s, "%s", latex ? "--" : "–");
    char a[64], b[64];
    switch (column->show) {
    case SHOW_MEAN_SE:
        rgtg_table_format_fixed(a, sizeof a, cell->value, 3);
        if (isnan(cell->se)) return strings_printf(s, latex ? "$%s$" : "%s", a);
        rgtg_table_format_fixed(b, sizeof b, cell->se, 3);
        return strings_printf(s, latex ? "$%s \\pm %s$" : "%s ± %s", a, b);
    case SHOW_PERCENT: rgtg_table_format_fixed(a, sizeof a, 100.0 * cell->value, 1); break;
    case SHOW_FIXED2: rgtg_table_format_fixed(a, sizeof a, cell->value, 2); break;
    case SHOW_FIXED3: rgtg_table_format_fixed(a, sizeof a, cell->value, 3); break;
    case SHOW_P_VALUE:
        if (isnan(cell->p_value)) return strings_printf(s, "%s", latex ? "--" : "–");
        format_p_value(a, sizeof a, cell->p_value);
        break;
    }
    return strings_printf(s, "%s", a);
}

static const char *csv_number(strings_t *s, double x) {
    char text[40] = "";
    if (!isnan(x)) rgtg_format_shortest(text, sizeof text, x);
    return strings_printf(s, "%s", text);
}

/* The header text that names group g ("" when the table has one unnamed group). */
static void group_name(const pivot_t *p, size_t g, char *out, size_t size) {
    const key_t_ *group = &p->groups[g];
    char percent[40];
    switch (p->layout->pivot_style) {
    case PIVOT_KEYED: snprintf(out, size, "%s = %s", p->layout->pivot, group->text); return;
    case PIVOT_PERCENT:
        rgtg_format_shortest(percent, sizeof percent, 100.0 * group->number);
        snprintf(out, size, "%s%%", percent);
        return;
    case PIVOT_NAMED:
        if (p->group_count > 1) snprintf(out, size, "%s", group->text[0] ? group->text : "(none)");
        else out[0] = '\0';
        return;
    case PIVOT_NONE: out[0] = '\0'; return;
    }
}

static size_t active_metrics(const pivot_t *p) {
    size_t count = 0;
    for (size_t m = 0; m < p->metric_count; m++) count += p->metric_active[m];
    return count;
}

/* Builds the grid for a display format (Markdown or LaTeX). */
static rgtg_status_t build_display(const pivot_t *p, bool latex, strings_t *s, rgtg_grid_t *grid, const char ***header,
                                   const char ***cells, bool **right) {
    rgtg_table_format_t format = latex ? RGTG_TABLE_LATEX : RGTG_TABLE_MARKDOWN;
    size_t per_group = active_metrics(p) + (p->layout->show_n ? 1 : 0);
    size_t columns = p->row_label_count + p->flag_count + p->group_count * per_group;
    *header = calloc(columns, sizeof **header);
    *cells = calloc(columns * (p->row_count + 1), sizeof **cells);
    *right = calloc(columns, sizeof **right);
    if (!*header || !*cells || !*right) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", p->name);
    size_t c = 0;
    for (size_t k = 0; k < p->row_label_count; k++)
        (*header)[c++] = latex ? p->layout->rows[k].latex : p->layout->rows[k].markdown;
    for (size_t f = 0; f < p->flag_count; f++)
        (*header)[c++] = latex ? p->layout->flags[f].latex : p->layout->flags[f].markdown;
    for (size_t g = 0; g < p->group_count; g++) {
        char name[TEXT_SIZE];
        group_name(p, g, name, sizeof name);
        char *escaped = rgtg_table_escape(name, format);
        const char *group = strings_add(s, escaped);
        bool named = group[0] != '\0', keyed = p->layout->pivot_style == PIVOT_KEYED || p->layout->pivot_style == PIVOT_PERCENT;
        for (size_t m = 0; m < p->metric_count; m++) {
            if (!p->metric_active[m]) continue;
            const char *metric = latex ? p->metrics[m].latex : p->metrics[m].markdown;
            /* a grid with one metric shows the pivot value alone ("k = 10") */
            if (named && keyed && active_metrics(p) == 1) (*header)[c] = group;
            else if (named) (*header)[c] = strings_printf(s, "%s %s", group, metric);
            else (*header)[c] = metric;
            (*right)[c++] = true;
        }
        if (p->layout->show_n) {
            (*header)[c] = named ? strings_printf(s, latex ? "%s $n$" : "%s n", group) : latex ? "$n$" : "n";
            (*right)[c++] = true;
        }
    }
    for (size_t r = 0; r < p->row_count; r++) {
        const char **row = *cells + r * columns;
        c = 0;
        for (size_t k = 0; k < p->row_label_count; k++) {
            const key_t_ *key = &p->rows[r].keys[k];
            row[c] = strings_add(s, rgtg_table_escape(key->text, format));
            (*right)[c++] = key->numeric;
        }
        for (size_t f = 0; f < p->flag_count; f++) {
            char text[TEXT_SIZE];
            rgtg_status_t status = row_flag(p, r, p->layout->flags[f].key, text, sizeof text);
            if (status != RGTG_OK) return status;
            const char *shown = !text[0] ? (latex ? "--" : "–") : !strcmp(text, "true") ? "yes" : !strcmp(text, "false") ? "no" : NULL;
            row[c++] = shown ? shown : strings_add(s, rgtg_table_escape(text, format));
        }
        for (size_t g = 0; g < p->group_count; g++) {
            int64_t n = -1;
            for (size_t m = 0; m < p->metric_count; m++) {
                long slot = p->slots[(r * p->group_count + g) * p->metric_count + m];
                const rgtg_result_cell_t *cell = slot >= 0 ? &p->results->cells[slot] : NULL;
                if (cell && n < 0) n = cell->n;
                if (p->metric_active[m]) row[c++] = display_cell(s, &p->metrics[m], cell, latex);
            }
            if (p->layout->show_n) row[c++] = n >= 0 ? strings_printf(s, "%lld", (long long)n) : latex ? "--" : "–";
        }
    }
    *grid = (rgtg_grid_t){.columns = columns, .rows = p->row_count, .header = *header, .cells = *cells,
                          .right_aligned = *right};
    return s->failed ? rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", p->name) : RGTG_OK;
}

/* A metric shown twice (Table 9: the p-value and the difference of reward_diff) has one n column. */
static bool repeats_metric(const pivot_t *p, size_t m) {
    for (size_t earlier = 0; earlier < m; earlier++)
        if (p->metric_active[earlier] && strcmp(p->metrics[earlier].metric, p->metrics[m].metric) == 0) return true;
    return false;
}

/* CSV: one column per number (mean and SE apart, values as stored, not as percent), an n column per
 * metric; group columns carry "[pivot=value]". */
static rgtg_status_t build_csv(const pivot_t *p, strings_t *s, rgtg_grid_t *grid, const char ***header,
                               const char ***cells, bool **right) {
    size_t per_group = 0;
    for (size_t m = 0; m < p->metric_count; m++)
        if (p->metric_active[m]) per_group += (p->metrics[m].show == SHOW_MEAN_SE ? 2 : 1) + !repeats_metric(p, m);
    size_t columns = p->row_label_count + p->flag_count + p->group_count * per_group;
    *header = calloc(columns, sizeof **header);
    *cells = calloc(columns * (p->row_count + 1), sizeof **cells);
    *right = calloc(columns, sizeof **right);
    if (!*header || !*cells || !*right) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", p->name);
    size_t c = 0;
    for (size_t k = 0; k < p->row_label_count; k++) (*header)[c++] = p->layout->rows[k].key;
    for (size_t f = 0; f < p->flag_count; f++) (*header)[c++] = p->layout->flags[f].key;
    bool suffixed = p->layout->pivot_style == PIVOT_KEYED || p->layout->pivot_style == PIVOT_PERCENT || p->group_count > 1;
    for (size_t g = 0; g < p->group_count; g++) {
        char suffix[TEXT_SIZE] = "";
        if (suffixed) snprintf(suffix, sizeof suffix, "[%s=%s]", p->layout->pivot, p->groups[g].text);
        for (size_t m = 0; m < p->metric_count; m++) {
            if (!p->metric_active[m]) continue;
            const char *metric = p->metrics[m].metric;
            if (p->metrics[m].show == SHOW_MEAN_SE) {
                (*header)[c++] = strings_printf(s, "%s_mean%s", metric, suffix);
                (*header)[c++] = strings_printf(s, "%s_se%s", metric, suffix);
            } else {
                (*header)[c++] = strings_printf(s, "%s%s%s", metric, p->metrics[m].show == SHOW_P_VALUE ? "_p" : "", suffix);
            }
            if (!repeats_metric(p, m)) (*header)[c++] = strings_printf(s, "%s_n%s", metric, suffix);
        }
    }
    for (size_t r = 0; r < p->row_count; r++) {
        const char **row = *cells + r * columns;
        c = 0;
        for (size_t k = 0; k < p->row_label_count; k++) row[c++] = p->rows[r].keys[k].text;
        for (size_t f = 0; f < p->flag_count; f++) {
            char text[TEXT_SIZE];
            rgtg_status_t status = row_flag(p, r, p->layout->flags[f].key, text, sizeof text);
            if (status != RGTG_OK) return status;
            row[c++] = strings_printf(s, "%s", text);
        }
        for (size_t g = 0; g < p->group_count; g++)
            for (size_t m = 0; m < p->metric_count; m++) {
                if (!p->metric_active[m]) continue;
                long slot = p->slots[(r * p->group_count + g) * p->metric_count + m];
                const rgtg_result_cell_t *cell = slot >= 0 ? &p->results->cells[slot] : NULL;
                if (p->metrics[m].show == SHOW_MEAN_SE) {
                    row[c++] = csv_number(s, cell ? cell->value : NAN);
                    row[c++] = csv_number(s, cell ? cell->se : NAN);
                } else {
                    row[c++] = csv_number(s, !cell ? NAN : p->metrics[m].show == SHOW_P_VALUE ? cell->p_value : cell->value);
                }
                if (!repeats_metric(p, m)) row[c++] = cell && cell->n >= 0 ? strings_printf(s, "%lld", (long long)cell->n) : "";
            }
    }
    *grid = (rgtg_grid_t){.columns = columns, .rows = p->row_count, .header = *header, .cells = *cells,
                          .right_aligned = *right};
    return s->failed ? rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", p->name) : RGTG_OK;
}

rgtg_status_t rgtg_layout_render(const rgtg_results_t *results, const rgtg_layout_params_t *params,
                                 rgtg_table_format_t format, char **text_out) {
    *text_out = NULL;
    const char *name = params->results_name ? params->results_name : "results";
    const layout_t *layout = NULL;
    for (size_t i = 0; i < LAYOUT_COUNT && params->layout; i++)
        if (strcmp(layouts[i].name, params->layout) == 0) layout = &layouts[i];
    if (!layout)
        return rgtg_error_set(RGTG_ERR_INVALID, "layout '%s' unknown (one of %s)", params->layout ? params->layout : "",
                              rgtg_layout_names());
    rgtg_status_t where_status = rgtg_results_check_where(params->where, params->where_count);
    if (where_status != RGTG_OK) return where_status;
    pivot_t p = {.layout = layout, .results = results, .name = name};
    for (size_t m = 0; m < MAX_METRICS && layout->metrics[m].metric; m++) {
        p.metrics[p.metric_count] = layout->metrics[m];
        if (params->metric && strcmp(layout->metrics[m].metric, layout->metrics[0].metric) == 0) {
            p.metrics[p.metric_count].metric = params->metric;
            if (layout->metrics[m].show != SHOW_P_VALUE)
                p.metrics[p.metric_count].markdown = p.metrics[p.metric_count].latex = params->metric;
        }
        p.metric_count++;
    }
    while (p.row_label_count < MAX_ROW_LABELS && layout->rows[p.row_label_count].key) p.row_label_count++;
    while (p.flag_count < MAX_FLAGS && layout->flags[p.flag_count].key) p.flag_count++;
    strings_t strings = {0};
    const char **header = NULL, **cells = NULL;
    bool *right = NULL;
    rgtg_grid_t grid;
    rgtg_status_t status = place_cells(&p, params);
    if (status == RGTG_OK) {
        if (format == RGTG_TABLE_CSV) status = build_csv(&p, &strings, &grid, &header, &cells, &right);
        else status = build_display(&p, format == RGTG_TABLE_LATEX, &strings, &grid, &header, &cells, &right);
    }
    if (status == RGTG_OK) status = rgtg_grid_render(&grid, format, text_out);
    strings_free(&strings);
    free(header), free(cells), free(right);
    free(p.rows), free(p.groups), free(p.slots);
    return status;
}

rgtg_status_t rgtg_render_run(const rgtg_render_params_t *params, char **markdown_out) {
    if (markdown_out) *markdown_out = NULL;
    if (!params->results_path) return rgtg_error_set(RGTG_ERR_INVALID, "render: no results file given");
    if (params->more_count > RGTG_RENDER_MAX_OUTS) return rgtg_error_set(RGTG_ERR_INVALID, "render: too many --out files");
    const char *outs[RGTG_RENDER_MAX_OUTS + 1];
    size_t out_count = 0;
    if (params->out_path) outs[out_count++] = params->out_path;
    for (size_t i = 0; i < params->more_count; i++) outs[out_count++] = params->more_outs[i];
    rgtg_table_format_t formats[RGTG_RENDER_MAX_OUTS + 1];
    char *texts[RGTG_RENDER_MAX_OUTS + 1] = {0};
    rgtg_status_t status = RGTG_OK;
    for (size_t i = 0; i < out_count && status == RGTG_OK; i++) status = rgtg_table_format_from_path(outs[i], &formats[i]);
    rgtg_results_t results = {0};
    if (status == RGTG_OK) status = rgtg_results_read(params->results_path, &results);
    rgtg_layout_params_t layout = params->layout;
    layout.results_name = params->results_path;
    char *markdown = NULL;
    for (size_t i = 0; i < out_count && status == RGTG_OK; i++)
        status = rgtg_layout_render(&results, &layout, formats[i], &texts[i]);
    if (status == RGTG_OK && markdown_out) status = rgtg_layout_render(&results, &layout, RGTG_TABLE_MARKDOWN, &markdown);
    for (size_t i = 0; i < out_count && status == RGTG_OK; i++)
        status = rgtg_write_file_atomic(outs[i], texts[i], strlen(texts[i]));
    for (size_t i = 0; i < out_count; i++) free(texts[i]);
    rgtg_results_free(&results);
    if (status == RGTG_OK && markdown_out) *markdown_out = markdown;
    else free(markdown);
    return status;
}
