/* eval/table.c: building the results table from generations and rendering it (see table.h). */
#define _POSIX_C_SOURCE 200809L
#include "table.h"

#include <math.h>
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

/* ---- text buffer and escaping ---- */

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

static rgtg_status_t text_finish(text_t *text, char **text_out) {
    if (text->failed || !text->data) {
        free(text->data);
        *text_out = NULL;
        return rgtg_error_set(RGTG_ERR_NOMEM, "table: out of memory rendering");
    }
    *text_out = text->data;
    return RGTG_OK;
}

char *rgtg_table_escape(const char *in, rgtg_table_format_t format) {
    text_t text = {0};
    text_add(&text, "");
    for (; *in; in++) {
        char single[3] = {*in, 0, 0};
        const char *out = single;
        if (*in == '\n' || *in == '\r') {
            if (format != RGTG_TABLE_CSV) single[0] = ' ';
        } else if (format == RGTG_TABLE_MARKDOWN && (*in == '|' || *in == '\\')) {
            single[0] = '\\', single[1] = *in;
        } else if (format == RGTG_TABLE_LATEX) {
            switch (*in) {
            case '\\': out = "\\textbackslash{}"; break;
            case '~': out = "\\textasciitilde{}"; break;
            case '^': out = "\\textasciicircum{}"; break;
            case '&': case '%': case '$': case '#': case '_': case '{': case '}':
                single[0] = '\\', single[1] = *in;
                break;
            default: break;
            }
        }
        text_add(&text, out);
    }
    if (text.failed) {
        free(text.data);
        return NULL;
    }
    return text.data;
}

void rgtg_table_format_fixed(char *out, size_t size, double x, int decimals) {
    snprintf(out, size, "%.*f", decimals, x);
    bool all_zero = true;
    for (const char *p = out; *p; p++)
        if (*p >= '1' && *p <= '9') all_zero = false;
    if (all_zero) snprintf(out, size, "%.*f", decimals, 0.0);
}

/* ---- the generic grid ---- */

static const char *grid_cell(const rgtg_grid_t *grid, size_t row, size_t column) {
    const char *cell = grid->cells[row * grid->columns + column];
    return cell ? cell : "";
}

/* Display width in code points, so that "±" and "–" count as one column. */
static size_t display_width(const char *s) {
    size_t width = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) width++;
    return width;
}

rgtg_status_t rgtg_grid_render_markdown(const rgtg_grid_t *grid, char **text_out) {
    size_t *width = calloc(grid->columns + 1, sizeof *width);
    if (!width) return rgtg_error_set(RGTG_ERR_NOMEM, "table: out of memory rendering");
    for (size_t c = 0; c < grid->columns; c++) {
        width[c] = display_width(grid->header[c]);
        for (size_t r = 0; r < grid->rows; r++)
            if (display_width(grid_cell(grid, r, c)) > width[c]) width[c] = display_width(grid_cell(grid, r, c));
        if (width[c] < 3) width[c] = 3;
    }
    text_t text = {0};
    for (size_t r = 0; r < grid->rows + 2; r++) {
        text_add(&text, "|");
        for (size_t c = 0; c < grid->columns; c++) {
            bool right = grid->right_aligned[c];
            text_add(&text, " ");
            if (r == 1) { /* alignment row */
                for (size_t i = 0; i < width[c]; i++) text_add(&text, right && i + 1 == width[c] ? ":" : "-");
            } else {
                const char *cell = r == 0 ? grid->header[c] : grid_cell(grid, r - 2, c);
                size_t pad = width[c] - display_width(cell);
                if (!right) text_add(&text, cell);
                for (size_t i = 0; i < pad; i++) text_add(&text, " ");
                if (right) text_add(&text, cell);
            }
            text_add(&text, " |");
        }
        text_add(&text, "\n");
    }
    free(width);
    return text_finish(&text, text_out);
}

rgtg_status_t rgtg_grid_render_latex(const rgtg_grid_t *grid, char **text_out) {
    text_t text = {0};
    text_add(&text, "% rgtg results table; needs \\usepackage{booktabs}\n\\begin{tabular}{");
    for (size_t c = 0; c < grid->columns; c++) text_add(&text, grid->right_aligned[c] ? "r" : "l");
    text_add(&text, "}\n\\toprule\n");
    for (size_t r = 0; r < grid->rows + 1; r++) {
        for (size_t c = 0; c < grid->columns; c++) {
            if (c > 0) text_add(&text, " & ");
            text_add(&text, r == 0 ? grid->header[c] : grid_cell(grid, r - 1, c));
        }
        text_add(&text, r == 0 ? " \\\\\n\\midrule\n" : " \\\\\n");
    }
    text_add(&text, "\\bottomrule\n\\end{tabular}\n");
    return text_finish(&text, text_out);
}

/* RFC 4180 quoting; lines end in "\n". */
static void csv_field(text_t *text, const char *field) {
    if (!strpbrk(field, ",\"\n\r")) {
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

rgtg_status_t rgtg_grid_render_csv(const rgtg_grid_t *grid, char **text_out) {
    text_t text = {0};
    for (size_t r = 0; r < grid->rows + 1; r++) {
        for (size_t c = 0; c < grid->columns; c++) {
            if (c > 0) text_add(&text, ",");
            csv_field(&text, r == 0 ? grid->header[c] : grid_cell(grid, r - 1, c));
        }
        text_add(&text, "\n");
    }
    return text_finish(&text, text_out);
}

rgtg_status_t rgtg_grid_render(const rgtg_grid_t *grid, rgtg_table_format_t format, char **text_out) {
    *text_out = NULL;
    switch (format) {
    case RGTG_TABLE_MARKDOWN: return rgtg_grid_render_markdown(grid, text_out);
    case RGTG_TABLE_CSV: return rgtg_grid_render_csv(grid, text_out);
    case RGTG_TABLE_LATEX: return rgtg_grid_render_latex(grid, text_out);
    }
    return rgtg_error_set(RGTG_ERR_INVALID, "table: unknown format %d", (int)format);
}

/* ---- the quick results table as a grid ---- */

/* Milliseconds with about three significant digits: 512, 51.2, 5.12, 0.512. */
static void format_ms(char *out, size_t size, double ms) {
    int decimals = ms >= 100.0 ? 0 : ms >= 10.0 ? 1 : ms >= 1.0 ? 2 : 3;
    rgtg_table_format_fixed(out, size, ms, decimals);
}

/* CSV numbers: 10 significant digits, empty when missing. */
static void format_csv_number(char *out, size_t size, double x) {
    if (isnan(x)) out[0] = '\0';
    else snprintf(out, size, "%.10g", x);
}

enum { CELL_SIZE = 128 };

/* The cells of one row in the format: Markdown and LaTeX show reward ± SE in one cell, CSV keeps
 * every number in its own column. Returns the number of cells written. */
static size_t row_cells(const rgtg_table_row_t *row, rgtg_table_format_t format, char **label_out,
                        char cells[][CELL_SIZE]) {
    *label_out = rgtg_table_escape(row->label, format);
    size_t c = 0;
    if (format == RGTG_TABLE_CSV) {
        format_csv_number(cells[c++], CELL_SIZE, row->reward_mean);
        format_csv_number(cells[c++], CELL_SIZE, row->reward_se);
        format_csv_number(cells[c++], CELL_SIZE, row->rouge_l_f1);
        format_csv_number(cells[c++], CELL_SIZE, row->ms_per_token);
        snprintf(cells[c++], CELL_SIZE, "%zu", row->n);
        return c;
    }
    bool latex = format == RGTG_TABLE_LATEX;
    const char *missing = latex ? "--" : "–";
    char mean[64], se[64];
    if (isnan(row->reward_mean)) {
        snprintf(cells[c], CELL_SIZE, "%s", missing);
    } else {
        rgtg_table_format_fixed(mean, sizeof mean, row->reward_mean, 3);
        rgtg_table_format_fixed(se, sizeof se, row->reward_se, 3);
        if (isnan(row->reward_se)) snprintf(cells[c], CELL_SIZE, latex ? "$%s$" : "%s", mean);
        else snprintf(cells[c], CELL_SIZE, latex ? "$%s \\pm %s$" : "%s ± %s", mean, se);
    }
    c++;
    if (isnan(row->rouge_l_f1)) snprintf(cells[c], CELL_SIZE, "%s", missing);
    else rgtg_table_format_fixed(cells[c], CELL_SIZE, row->rouge_l_f1, 4);
    c++;
    if (isnan(row->ms_per_token)) snprintf(cells[c], CELL_SIZE, "%s", missing);
    else format_ms(cells[c], CELL_SIZE, row->ms_per_token);
    c++;
    snprintf(cells[c++], CELL_SIZE, "%zu", row->n);
    return c;
}

rgtg_status_t rgtg_table_render(const rgtg_table_t *table, rgtg_table_format_t format, char **text_out) {
    static const char *markdown_header[] = {"Method", "Reward (mean ± SE)", "ROUGE-L F1", "ms/token", "n"};
    static const char *latex_header[] = {"Method", "Reward (mean $\\pm$ SE)", "ROUGE-L F1", "ms/token", "$n$"};
    static const char *csv_header[] = {"method", "reward_mean", "reward_se", "rouge_l_f1", "ms_per_token", "n"};
    static const bool right5[] = {false, true, true, true, true}, right6[] = {false, true, true, true, true, true};
    *text_out = NULL;
    if (format != RGTG_TABLE_MARKDOWN && format != RGTG_TABLE_CSV && format != RGTG_TABLE_LATEX)
        return rgtg_error_set(RGTG_ERR_INVALID, "table: unknown format %d", (int)format);
    size_t columns = format == RGTG_TABLE_CSV ? 6 : 5, rows = table->count;
    char (*numbers)[6][CELL_SIZE] = calloc(rows + 1, sizeof *numbers);
    char **labels = calloc(rows + 1, sizeof *labels);
    const char **cells = calloc((rows + 1) * columns, sizeof *cells);
    rgtg_status_t status = numbers && labels && cells ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "table: out of memory");
    for (size_t r = 0; status == RGTG_OK && r < rows; r++) {
        row_cells(&table->rows[r], format, &labels[r], numbers[r]);
        if (!labels[r]) status = rgtg_error_set(RGTG_ERR_NOMEM, "table: out of memory");
        cells[r * columns] = labels[r];
        for (size_t c = 1; c < columns; c++) cells[r * columns + c] = numbers[r][c - 1];
    }
    if (status == RGTG_OK) {
        rgtg_grid_t grid = {
            .columns = columns,
            .rows = rows,
            .header = format == RGTG_TABLE_CSV ? csv_header : format == RGTG_TABLE_LATEX ? latex_header : markdown_header,
            .cells = cells,
            .right_aligned = format == RGTG_TABLE_CSV ? right6 : right5,
        };
        status = rgtg_grid_render(&grid, format, text_out);
    }
    for (size_t r = 0; labels && r < rows; r++) free(labels[r]);
    free(labels), free(numbers), free(cells);
    return status;
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
