/* eval/table.c: building the results table from generations and rendering it (see table.h). */
#define _POSIX_C_SOURCE 200809L
#include "table.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "rouge.h"
#include "stats.h"

/* ---- building ---- */

rgtg_status_t rgtg_table_add_row(rgtg_table_t *table, const rgtg_table_row_t *row) {
    if (!row->label) return rgtg_error_set(RGTG_ERR_INVALID, "table: row without a label");
    char *label = strdup(row->label);
    rgtg_table_row_t *grown = realloc(table->rows, (table->count + 1) * sizeof *grown);
    if (!label || !grown) {
        free(label);
        if (grown) table->rows = grown;
        return rgtg_error_set(RGTG_ERR_NOMEM, "table: out of memory adding '%s'", row->label);
    }
    table->rows = grown;
    table->rows[table->count] = *row;
    table->rows[table->count].label = label;
    table->count++;
    return RGTG_OK;
}

static const char *params_of(const rgtg_generation_t *g) {
    return g->params_json ? g->params_json : "{}";
}

static bool same_group(const rgtg_generation_t *a, const rgtg_generation_t *b) {
    return strcmp(a->method, b->method) == 0 && strcmp(params_of(a), params_of(b)) == 0;
}

/* One group's line: rows whose group_of equals group. */
static rgtg_status_t summarize_group(const rgtg_generation_t *rows, size_t count, const size_t *group_of,
                                     size_t group, const char *label, rgtg_table_row_t *line) {
    size_t n = 0, with_reward = 0, with_reference = 0;
    for (size_t i = 0; i < count; i++) {
        if (group_of[i] != group) continue;
        n++;
        with_reward += rows[i].has_reward;
        with_reference += rows[i].reference != NULL;
    }
    if (with_reward != 0 && with_reward != n)
        return rgtg_error_set(RGTG_ERR_FORMAT, "table: '%s': %zu of %zu rows have a reward", label, with_reward, n);
    if (with_reference != 0 && with_reference != n)
        return rgtg_error_set(RGTG_ERR_FORMAT, "table: '%s': %zu of %zu rows have a reference", label,
                              with_reference, n);

    double *rewards = malloc(n * sizeof *rewards);
    if (!rewards) return rgtg_error_set(RGTG_ERR_NOMEM, "table: out of memory");
    double seconds = 0.0, rouge_sum = 0.0;
    long long tokens = 0;
    size_t k = 0;
    rgtg_status_t status = RGTG_OK;
    for (size_t i = 0; i < count && status == RGTG_OK; i++) {
        if (group_of[i] != group) continue;
        rewards[k++] = rows[i].reward;
        seconds += rows[i].seconds;
        tokens += rows[i].new_tokens;
        if (rows[i].reference) {
            rgtg_rouge_t rouge;
            status = rgtg_rouge_l(rows[i].response, rows[i].reference, &rouge);
            rouge_sum += rouge.f1;
        }
    }
    rgtg_summary_t reward = {.mean = NAN, .se = NAN};
    if (status == RGTG_OK && with_reward) status = rgtg_stats_summarize(rewards, n, &reward);
    free(rewards);
    if (status != RGTG_OK) return status;
    *line = (rgtg_table_row_t){
        .label = (char *)label,
        .n = n,
        .reward_mean = reward.mean,
        .reward_se = reward.se,
        .rouge_l_f1 = with_reference ? rouge_sum / (double)n : NAN,
        .ms_per_token = tokens > 0 ? 1000.0 * seconds / (double)tokens : NAN,
    };
    return RGTG_OK;
}

rgtg_status_t rgtg_table_add_generations(rgtg_table_t *table, const rgtg_generation_t *rows, size_t count) {
    if (count == 0) return RGTG_OK;
    size_t *group_of = malloc(count * sizeof *group_of);
    size_t *first_row = malloc(count * sizeof *first_row); /* group -> its first row */
    if (!group_of || !first_row) {
        free(group_of);
        free(first_row);
        return rgtg_error_set(RGTG_ERR_NOMEM, "table: out of memory grouping %zu rows", count);
    }
    size_t groups = 0;
    for (size_t i = 0; i < count; i++) {
        size_t g = 0;
        while (g < groups && !same_group(&rows[first_row[g]], &rows[i])) g++;
        if (g == groups) first_row[groups++] = i;
        group_of[i] = g;
    }
    rgtg_status_t status = RGTG_OK;
    for (size_t g = 0; g < groups && status == RGTG_OK; g++) {
        const rgtg_generation_t *first = &rows[first_row[g]];
        bool method_shared = false; /* another group has the same method: show params to tell them apart */
        for (size_t h = 0; h < groups; h++)
            if (h != g && strcmp(rows[first_row[h]].method, first->method) == 0) method_shared = true;
        size_t label_size = strlen(first->method) + strlen(params_of(first)) + 2;
        char *label = malloc(label_size);
        if (!label) {
            status = rgtg_error_set(RGTG_ERR_NOMEM, "table: out of memory");
            break;
        }
        if (method_shared) snprintf(label, label_size, "%s %s", first->method, params_of(first));
        else snprintf(label, label_size, "%s", first->method);
        rgtg_table_row_t line;
        status = summarize_group(rows, count, group_of, g, label, &line);
        if (status == RGTG_OK) status = rgtg_table_add_row(table, &line);
        free(label);
    }
    free(group_of);
    free(first_row);
    return status;
}

void rgtg_table_free(rgtg_table_t *table) {
    for (size_t i = 0; i < table->count; i++) free(table->rows[i].label);
    free(table->rows);
    table->rows = NULL;
    table->count = 0;
}

/* ---- formatting ---- */

typedef struct {
    char *data;
    size_t length, capacity;
    bool failed;
} text_t;

static void text_append(text_t *text, const char *bytes, size_t size) {
    if (text->failed) return;
    if (text->length + size + 1 > text->capacity) {
        size_t capacity = text->capacity ? text->capacity : 512;
        while (text->length + size + 1 > capacity) capacity *= 2;
        char *data = realloc(text->data, capacity);
        if (!data) {
            text->failed = true;
            return;
        }
        text->data = data;
        text->capacity = capacity;
    }
    memcpy(text->data + text->length, bytes, size);
    text->length += size;
    text->data[text->length] = '\0';
}

static void text_add(text_t *text, const char *s) { text_append(text, s, strlen(s)); }

static void text_printf(text_t *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_printf(text_t *text, const char *fmt, ...) {
    char buffer[128];
    va_list args;
    va_start(args, fmt);
    vsnprintf(buffer, sizeof buffer, fmt, args);
    va_end(args);
    text_add(text, buffer);
}

/* x with a fixed number of decimals, without a "-0.000" for values that round to zero. */
static void format_fixed(char *out, size_t size, double x, int decimals) {
    snprintf(out, size, "%.*f", decimals, x);
    bool all_zero = true;
    for (const char *p = out; *p; p++)
        if (*p >= '1' && *p <= '9') all_zero = false;
    if (all_zero) snprintf(out, size, "%.*f", decimals, 0.0);
}

/* Milliseconds with about three significant digits: 512, 51.2, 5.12, 0.512. */
static void format_ms(char *out, size_t size, double ms) {
    int decimals = ms >= 100.0 ? 0 : ms >= 10.0 ? 1 : ms >= 1.0 ? 2 : 3;
    format_fixed(out, size, ms, decimals);
}

enum { COLUMNS = 5, CELL_SIZE = 1024 };

/* The five display cells of a row; missing is the text for an absent value; plus_minus joins mean
 * and SE; math wraps the reward cell (LaTeX). Cells are plain text (label escaping is the caller's). */
static void row_cells(const rgtg_table_row_t *row, const char *missing, const char *plus_minus,
                      bool math, char cells[COLUMNS][CELL_SIZE]) {
    char mean[64], se[64];
    snprintf(cells[0], CELL_SIZE, "%s", row->label);
    if (isnan(row->reward_mean)) {
        snprintf(cells[1], CELL_SIZE, "%s", missing);
    } else {
        format_fixed(mean, sizeof mean, row->reward_mean, 3);
        format_fixed(se, sizeof se, row->reward_se, 3);
        if (isnan(row->reward_se)) snprintf(cells[1], CELL_SIZE, math ? "$%s$" : "%s", mean);
        else snprintf(cells[1], CELL_SIZE, math ? "$%s%s%s$" : "%s%s%s", mean, plus_minus, se);
    }
    if (isnan(row->rouge_l_f1)) snprintf(cells[2], CELL_SIZE, "%s", missing);
    else format_fixed(cells[2], CELL_SIZE, row->rouge_l_f1, 4);
    if (isnan(row->ms_per_token)) snprintf(cells[3], CELL_SIZE, "%s", missing);
    else format_ms(cells[3], CELL_SIZE, row->ms_per_token);
    snprintf(cells[4], CELL_SIZE, "%zu", row->n);
}

/* Display width in code points, so that "±" and "–" count as one column. */
static size_t display_width(const char *s) {
    size_t width = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) width++;
    return width;
}

static void escape_markdown(const char *in, char *out, size_t size) {
    size_t o = 0;
    for (; *in && o + 3 < size; in++) {
        if (*in == '|' || *in == '\\') out[o++] = '\\';
        out[o++] = (*in == '\n' || *in == '\r') ? ' ' : *in;
    }
    out[o] = '\0';
}

static void escape_latex(const char *in, char *out, size_t size) {
    size_t o = 0;
    for (; *in; in++) {
        const char *replacement = NULL;
        char single[3] = {0};
        switch (*in) {
        case '\\': replacement = "\\textbackslash{}"; break;
        case '~': replacement = "\\textasciitilde{}"; break;
        case '^': replacement = "\\textasciicircum{}"; break;
        case '&': case '%': case '$': case '#': case '_': case '{': case '}':
            single[0] = '\\';
            single[1] = *in;
            replacement = single;
            break;
        case '\n': case '\r': single[0] = ' '; replacement = single; break;
        default: single[0] = *in; replacement = single;
        }
        size_t length = strlen(replacement);
        if (o + length + 1 > size) break;
        memcpy(out + o, replacement, length);
        o += length;
    }
    out[o] = '\0';
}

static void render_markdown(const rgtg_table_t *table, text_t *text) {
    static const char *header[COLUMNS] = {"Method", "Reward (mean ± SE)", "ROUGE-L F1", "ms/token", "n"};
    size_t rows = table->count;
    char (*cells)[COLUMNS][CELL_SIZE] = malloc((rows ? rows : 1) * sizeof *cells);
    if (!cells) {
        text->failed = true;
        return;
    }
    size_t width[COLUMNS];
    for (int c = 0; c < COLUMNS; c++) width[c] = display_width(header[c]);
    for (size_t r = 0; r < rows; r++) {
        row_cells(&table->rows[r], "–", " ± ", false, cells[r]);
        char escaped[CELL_SIZE];
        escape_markdown(cells[r][0], escaped, sizeof escaped);
        memcpy(cells[r][0], escaped, sizeof escaped);
        for (int c = 0; c < COLUMNS; c++)
            if (display_width(cells[r][c]) > width[c]) width[c] = display_width(cells[r][c]);
    }
    for (int c = 0; c < COLUMNS; c++) if (width[c] < 3) width[c] = 3;
    for (size_t r = 0; r < rows + 2; r++) {
        text_add(text, "|");
        for (int c = 0; c < COLUMNS; c++) {
            bool right = c > 0;
            text_add(text, " ");
            if (r == 1) { /* alignment row */
                for (size_t i = 0; i < width[c]; i++) text_add(text, right && i + 1 == width[c] ? ":" : "-");
            } else {
                const char *cell = r == 0 ? header[c] : cells[r - 2][c];
                size_t pad = width[c] - display_width(cell);
                if (!right) text_add(text, cell);
                for (size_t i = 0; i < pad; i++) text_add(text, " ");
                if (right) text_add(text, cell);
            }
            text_add(text, " |");
        }
        text_add(text, "\n");
    }
    free(cells);
}

/* RFC 4180 quoting; lines end in "\n". */
static void csv_field(text_t *text, const char *field) {
    if (!strpbrk(field, ",\"\n")) {
        text_add(text, field);
        return;
    }
    text_add(text, "\"");
    for (; *field; field++) {
        if (*field == '"') text_add(text, "\"");
        text_append(text, field, 1);
    }
    text_add(text, "\"");
}

static void csv_number(text_t *text, double x) {
    text_add(text, ",");
    if (!isnan(x)) text_printf(text, "%.10g", x);
}

static void render_csv(const rgtg_table_t *table, text_t *text) {
    text_add(text, "method,reward_mean,reward_se,rouge_l_f1,ms_per_token,n\n");
    for (size_t r = 0; r < table->count; r++) {
        const rgtg_table_row_t *row = &table->rows[r];
        csv_field(text, row->label);
        csv_number(text, row->reward_mean);
        csv_number(text, row->reward_se);
        csv_number(text, row->rouge_l_f1);
        csv_number(text, row->ms_per_token);
        text_printf(text, ",%zu\n", row->n);
    }
}

static void render_latex(const rgtg_table_t *table, text_t *text) {
    text_add(text, "% rgtg results table; needs \\usepackage{booktabs}\n"
                   "\\begin{tabular}{lrrrr}\n\\toprule\n"
                   "Method & Reward (mean $\\pm$ SE) & ROUGE-L F1 & ms/token & $n$ \\\\\n\\midrule\n");
    for (size_t r = 0; r < table->count; r++) {
        char cells[COLUMNS][CELL_SIZE], label[4 * CELL_SIZE];
        row_cells(&table->rows[r], "--", " \\pm ", true, cells);
        escape_latex(cells[0], label, sizeof label);
        text_add(text, label);
        for (int c = 1; c < COLUMNS; c++) {
            text_add(text, " & ");
            text_add(text, cells[c]);
        }
        text_add(text, " \\\\\n");
    }
    text_add(text, "\\bottomrule\n\\end{tabular}\n");
}

rgtg_status_t rgtg_table_render(const rgtg_table_t *table, rgtg_table_format_t format, char **text_out) {
    *text_out = NULL;
    text_t text = {0};
    switch (format) {
    case RGTG_TABLE_MARKDOWN: render_markdown(table, &text); break;
    case RGTG_TABLE_CSV: render_csv(table, &text); break;
    case RGTG_TABLE_LATEX: render_latex(table, &text); break;
    default: return rgtg_error_set(RGTG_ERR_INVALID, "table: unknown format %d", (int)format);
    }
    if (text.failed || !text.data) {
        free(text.data);
        return rgtg_error_set(RGTG_ERR_NOMEM, "table: out of memory rendering %zu rows", table->count);
    }
    *text_out = text.data;
    return RGTG_OK;
}

rgtg_status_t rgtg_table_format_from_path(const char *path, rgtg_table_format_t *format_out) {
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash)) {
        if (strcmp(dot, ".md") == 0) { *format_out = RGTG_TABLE_MARKDOWN; return RGTG_OK; }
        if (strcmp(dot, ".csv") == 0) { *format_out = RGTG_TABLE_CSV; return RGTG_OK; }
        if (strcmp(dot, ".tex") == 0) { *format_out = RGTG_TABLE_LATEX; return RGTG_OK; }
    }
    return rgtg_error_set(RGTG_ERR_INVALID, "%s: table format unknown (use .md, .csv or .tex)", path);
}

rgtg_status_t rgtg_table_write(const rgtg_table_t *table, const char *path, rgtg_table_format_t format) {
    char *text;
    rgtg_status_t status = rgtg_table_render(table, format, &text);
    if (status != RGTG_OK) return status;
    status = rgtg_write_file_atomic(path, text, strlen(text));
    free(text);
    return status;
}
