/* eval/plot.c: gnuplot figures from results.json (see plot.h): collect the points, write the data
 * file and the script, run gnuplot, commit the PNG. */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/fsutil.h"

extern char **environ;

rgtg_plot_params_t rgtg_plot_default_params(void) {
    return (rgtg_plot_params_t){.kind = RGTG_PLOT_HEATMAP, .width = 800, .height = 600, .gnuplot = "gnuplot"};
}

rgtg_status_t rgtg_plot_kind_from_name(const char *name, rgtg_plot_kind_t *kind_out) {
    static const char *names[] = {"heatmap", "runtime", "agreement"};
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *kind_out = (rgtg_plot_kind_t)i;
            return RGTG_OK;
        }
    return rgtg_error_set(RGTG_ERR_INVALID, "plot kind '%s' unknown (heatmap, runtime or agreement)", name ? name : "");
}

/* ---- text ---- */

typedef struct {
    char *data;
    size_t length, capacity;
    bool failed;
} text_t;

static void text_printf(text_t *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_printf(text_t *text, const char *fmt, ...) {
    if (text->failed) return;
    va_list args;
    va_start(args, fmt);
    int needed = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    if (needed < 0 || text->length + (size_t)needed + 1 > text->capacity) {
        size_t capacity = text->capacity ? text->capacity : 1024;
        while (needed >= 0 && text->length + (size_t)needed + 1 > capacity) capacity *= 2;
        char *data = needed < 0 ? NULL : realloc(text->data, capacity);
        if (!data) {
            text->failed = true;
            return;
        }
        text->data = data, text->capacity = capacity;
    }
    va_start(args, fmt);
    vsnprintf(text->data + text->length, text->capacity - text->length, fmt, args);
    va_end(args);
    text->length += (size_t)needed;
}

/* A gnuplot single-quoted string: no escapes inside except '' for a quote; line breaks become spaces
 * (titles) -- paths with line breaks are refused before this. */
static void gnuplot_string(text_t *text, const char *s) {
    text_printf(text, "'");
    for (; *s; s++) {
        if (*s == '\'') text_printf(text, "''");
        else text_printf(text, "%c", *s == '\n' || *s == '\r' ? ' ' : *s);
    }
    text_printf(text, "'");
}

/* A double-quoted string in a gnuplot data file (no escapes there: quotes become apostrophes). */
static void data_string(text_t *text, const char *s) {
    text_printf(text, "\"");
    for (; *s; s++) text_printf(text, "%c", *s == '"' ? '\'' : *s == '\n' || *s == '\r' ? ' ' : *s);
    text_printf(text, "\"");
}

static void data_number(text_t *text, double x) {
    char buffer[40];
    if (isnan(x)) snprintf(buffer, sizeof buffer, "NaN");
    else rgtg_format_shortest(buffer, sizeof buffer, x);
    text_printf(text, "%s", buffer);
}

static void script_header(text_t *s, const rgtg_plot_params_t *params, const char *png_path, const char *title) {
    text_printf(s, "# written by rgtg eval plot\nset terminal pngcairo size %d,%d noenhanced font 'DejaVu Sans,11'\n",
                params->width, params->height);
    text_printf(s, "set encoding utf8\nset output ");
    gnuplot_string(s, png_path);
    text_printf(s, "\nset title ");
    gnuplot_string(s, title);
    text_printf(s, "\n");
}

/* ---- points ---- */

typedef struct {
    double x, y, value, se;  /* heatmap: x = k, y = beta; runtime: x = ms/token, y = metric; agreement: x, y */
    char name[256];          /* runtime: method; agreement: rm */
    long cell, cell2;        /* results cells behind the point (runtime joins two) */
} point_t;

typedef struct {
    point_t *items;
    size_t count;
} points_t;

static const rgtg_label_t *number_label(const rgtg_result_cell_t *cell, const char *key) {
    const rgtg_label_t *label = rgtg_result_label(cell, key);
    return label && label->kind == RGTG_LABEL_NUMBER ? label : NULL;
}

static rgtg_status_t duplicate(const char *name, size_t a, long b, const char *what) {
    return rgtg_error_set(RGTG_ERR_INVALID, "%s: cells[%zu] repeats cells[%ld] (%s); pick one with --where", name, a, b,
                          what);
}

/* Distinct sorted values. */
static size_t distinct_sorted(const double *values, size_t count, double *out) {
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        size_t j = 0;
        while (j < n && out[j] != values[i]) j++;
        if (j == n) out[n++] = values[i];
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
            double swap = out[j];
            out[j] = out[j - 1], out[j - 1] = swap;
        }
    return n;
}

/* Figure 3: a runtime point's label gets the method's LM and RM forward passes per token, when the
 * results have them (eval summarize writes them from the generations' work counters). */
static void add_call_counts(const rgtg_results_t *results, const rgtg_plot_params_t *params, point_t *point) {
    double calls[2] = {NAN, NAN};
    static const char *const metrics[2] = {"lm_calls_per_token", "rm_calls_per_token"};
    for (size_t i = 0; i < results->count; i++) {
        const rgtg_result_cell_t *cell = &results->cells[i];
        const rgtg_label_t *method = rgtg_result_label(cell, "method");
        if (!method || !rgtg_result_cell_matches(cell, params->where, params->where_count)) continue;
        char label[256];
        rgtg_label_format(method, label, sizeof label);
        for (int m = 0; m < 2; m++)
            if (strcmp(cell->metric, metrics[m]) == 0 && strcmp(label, point->name) == 0) calls[m] = cell->value;
    }
    if (isnan(calls[0]) && isnan(calls[1])) return;
    char name[sizeof point->name];
    size_t used = (size_t)snprintf(name, sizeof name, "%s (", point->name);
    if (!isnan(calls[0]) && used < sizeof name) used += (size_t)snprintf(name + used, sizeof name - used, "LM %.2f", calls[0]);
    if (!isnan(calls[1]) && used < sizeof name)
        used += (size_t)snprintf(name + used, sizeof name - used, "%sRM %.2f", isnan(calls[0]) ? "" : ", ", calls[1]);
    if (used < sizeof name) snprintf(name + used, sizeof name - used, " calls/token)");
    snprintf(point->name, sizeof point->name, "%s", name);
}

static rgtg_status_t collect(const rgtg_results_t *results, const rgtg_plot_params_t *params, const char *metric,
                             const char *name, points_t *points) {
    points->items = calloc(results->count + 1, sizeof *points->items);
    points->count = 0;
    if (!points->items) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", name);
    for (size_t i = 0; i < results->count; i++) {
        const rgtg_result_cell_t *cell = &results->cells[i];
        if (!rgtg_result_cell_matches(cell, params->where, params->where_count)) continue;
        bool is_metric = strcmp(cell->metric, metric) == 0;
        point_t point = {.se = isnan(cell->se) ? 0.0 : cell->se, .cell = (long)i, .cell2 = -1};
        char what[600];
        if (params->kind == RGTG_PLOT_HEATMAP) {
            const rgtg_label_t *beta = number_label(cell, "beta"), *k = number_label(cell, "k");
            if (!is_metric || !beta || !k) continue;
            point.x = k->number, point.y = beta->number, point.value = cell->value;
            for (size_t p = 0; p < points->count; p++)
                if (points->items[p].x == point.x && points->items[p].y == point.y) {
                    snprintf(what, sizeof what, "metric '%s', beta=%g, k=%g", metric, point.y, point.x);
                    return duplicate(name, i, points->items[p].cell, what);
                }
            points->items[points->count++] = point;
        } else if (params->kind == RGTG_PLOT_AGREEMENT) {
            const rgtg_label_t *fraction = number_label(cell, "prefix_fraction"), *rm = rgtg_result_label(cell, "rm");
            if (!is_metric || !fraction || !rm) continue;
            rgtg_label_format(rm, point.name, sizeof point.name);
            point.x = fraction->number, point.y = cell->value;
            for (size_t p = 0; p < points->count; p++)
                if (points->items[p].x == point.x && strcmp(points->items[p].name, point.name) == 0) {
                    snprintf(what, sizeof what, "metric '%s', rm=%s, prefix_fraction=%g", metric, point.name, point.x);
                    return duplicate(name, i, points->items[p].cell, what);
                }
            points->items[points->count++] = point;
        } else { /* runtime: join the metric and ms_per_token by method */
            const rgtg_label_t *method = rgtg_result_label(cell, "method");
            bool is_time = strcmp(cell->metric, "ms_per_token") == 0;
            if ((!is_metric && !is_time) || !method) continue;
            char label[256];
            rgtg_label_format(method, label, sizeof label);
            size_t p = 0;
            while (p < points->count && strcmp(points->items[p].name, label) != 0) p++;
            if (p == points->count) {
                points->items[p] = (point_t){.x = NAN, .y = NAN, .cell = -1, .cell2 = -1};
                snprintf(points->items[p].name, sizeof points->items[p].name, "%s", label);
                points->count++;
            }
            point_t *target = &points->items[p];
            long *slot = is_time ? &target->cell2 : &target->cell;
            if (*slot >= 0) {
                snprintf(what, sizeof what, "metric '%s', method=%s", cell->metric, label);
                return duplicate(name, i, *slot, what);
            }
            *slot = (long)i;
            if (is_time) target->x = cell->value;
            else target->y = cell->value, target->se = point.se;
        }
    }
    if (params->kind == RGTG_PLOT_RUNTIME) { /* keep methods that have both numbers */
        size_t kept = 0;
        for (size_t p = 0; p < points->count; p++)
            if (points->items[p].cell >= 0 && points->items[p].cell2 >= 0) points->items[kept++] = points->items[p];
        points->count = kept;
        for (size_t p = 0; p < points->count; p++) add_call_counts(results, params, &points->items[p]);
    }
    if (points->count == 0) {
        static const char *needs[] = {"with number labels beta and k", "and 'ms_per_token' with label method",
                                      "with labels rm and prefix_fraction (a number)"};
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: no cell to plot (the %s plot reads metric '%s' %s)", name,
                              params->kind == RGTG_PLOT_HEATMAP ? "heatmap" : params->kind == RGTG_PLOT_RUNTIME ? "runtime" : "agreement",
                              metric, needs[params->kind]);
    }
    return RGTG_OK;
}

/* ---- scripts ---- */

static void heatmap(const points_t *points, const rgtg_plot_params_t *params, const char *metric, const char *data_path,
                    const char *png_path, text_t *data, text_t *script) {
    size_t n = points->count;
    double *xs = calloc(n, sizeof *xs), *ys = calloc(n, sizeof *ys), *kx = calloc(n, sizeof *kx), *by = calloc(n, sizeof *by);
    if (!xs || !ys || !kx || !by) {
        data->failed = true;
        free(xs), free(ys), free(kx), free(by);
        return;
    }
    for (size_t i = 0; i < n; i++) xs[i] = points->items[i].x, ys[i] = points->items[i].y;
    size_t nk = distinct_sorted(xs, n, kx), nb = distinct_sorted(ys, n, by);
    double low = INFINITY, high = -INFINITY;
    for (size_t i = 0; i < n; i++) low = fmin(low, points->items[i].value), high = fmax(high, points->items[i].value);
    /* value labels: white on the dark half of the palette, black on the light half */
    double middle = (low + high) / 2.0;
    text_printf(data, "# column row %s k beta label dark (NaN: no cell)\n", metric);
    for (size_t b = 0; b < nb; b++)
        for (size_t k = 0; k < nk; k++) {
            double value = NAN;
            for (size_t i = 0; i < n; i++)
                if (points->items[i].x == kx[k] && points->items[i].y == by[b]) value = points->items[i].value;
            text_printf(data, "%zu %zu ", k, b);
            data_number(data, value);
            text_printf(data, " ");
            data_number(data, kx[k]);
            text_printf(data, " ");
            data_number(data, by[b]);
            char label[40] = "";
            if (!isnan(value)) snprintf(label, sizeof label, "%.3g", value);
            text_printf(data, " \"%s\" %d\n", label, !isnan(value) && value < middle);
        }
    char title[300];
    snprintf(title, sizeof title, "%s over β × k", metric);
    script_header(script, params, png_path, title);
    text_printf(script, "set xlabel 'k'\nset ylabel 'β'\nset cblabel ");
    gnuplot_string(script, metric);
    text_printf(script, "\nset xtics (");
    for (size_t k = 0; k < nk; k++) {
        char label[40];
        rgtg_format_shortest(label, sizeof label, kx[k]);
        text_printf(script, "%s\"%s\" %zu", k ? ", " : "", label, k);
    }
    text_printf(script, ")\nset ytics (");
    for (size_t b = 0; b < nb; b++) {
        char label[40];
        rgtg_format_shortest(label, sizeof label, by[b]);
        text_printf(script, "%s\"%s\" %zu", b ? ", " : "", label, b);
    }
    text_printf(script, ")\nset xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5]\n", nk - 1, nb - 1);
    text_printf(script, "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')\n");
    if (low == high) text_printf(script, "set cbrange [%.17g:%.17g]\n", low - 0.5, high + 0.5);
    text_printf(script, "unset key\nplot ");
    gnuplot_string(script, data_path);
    text_printf(script, " using 1:2:3 with image, \\\n  '' using 1:2:($7 > 0 ? stringcolumn(6) : '') with labels tc rgb 'white', "
                        "\\\n  '' using 1:2:($7 > 0 ? '' : stringcolumn(6)) with labels tc rgb 'black'\n");
    free(xs), free(ys), free(kx), free(by);
}

static void runtime(const points_t *points, const rgtg_plot_params_t *params, const char *metric, const char *data_path,
                    const char *png_path, text_t *data, text_t *script) {
    text_printf(data, "# method ms_per_token %s %s_se\n", metric, metric);
    for (size_t i = 0; i < points->count; i++) {
        data_string(data, points->items[i].name);
        text_printf(data, " ");
        data_number(data, points->items[i].x);
        text_printf(data, " ");
        data_number(data, points->items[i].y);
        text_printf(data, " ");
        data_number(data, points->items[i].se);
        text_printf(data, "\n");
    }
    char title[300];
    snprintf(title, sizeof title, "%s vs time per token", metric);
    script_header(script, params, png_path, title);
    text_printf(script, "set xlabel 'ms/token'\nset ylabel ");
    gnuplot_string(script, metric);
    size_t longest = 0; /* labels are drawn right of their points: room for the longest one */
    for (size_t i = 0; i < points->count; i++) longest = strlen(points->items[i].name) > longest ? strlen(points->items[i].name) : longest;
    text_printf(script, "\nset grid\nset offsets graph 0.1, graph %s, graph 0.1, graph 0.1\nunset key\nplot ",
                longest > 16 ? "0.6" : "0.15");
    gnuplot_string(script, data_path);
    text_printf(script, " using 2:3:4 with yerrorbars pt 7 ps 1.2 lc rgb '#21918c', \\\n"
                        "  '' using 2:3:1 with labels offset char 1,1 left\n");
}

static void agreement(const points_t *points, const rgtg_plot_params_t *params, const char *metric, const char *data_path,
                      const char *png_path, text_t *data, text_t *script) {
    char title[300];
    snprintf(title, sizeof title, "%s on response prefixes", metric);
    script_header(script, params, png_path, title);
    text_printf(script, "set xlabel 'prefix (fraction of the response)'\nset ylabel ");
    gnuplot_string(script, metric);
    bool unit = true; /* agreements and accuracies: a fixed 0..1 axis makes figures comparable */
    for (size_t i = 0; i < points->count; i++) unit = unit && points->items[i].y >= 0 && points->items[i].y <= 1;
    text_printf(script, "\nset xrange [0:1.05]\n%sset grid\nset key bottom right\nplot ", unit ? "set yrange [0:1.02]\n" : "");
    /* one block per rm (blocks apart by two blank lines: gnuplot's index), points by fraction */
    size_t block = 0;
    for (size_t i = 0; i < points->count; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++) seen = seen || strcmp(points->items[j].name, points->items[i].name) == 0;
        if (seen) continue;
        double *fractions = malloc(points->count * sizeof *fractions), *sorted = malloc(points->count * sizeof *sorted);
        if (!fractions || !sorted) {
            free(fractions), free(sorted);
            data->failed = true;
            return;
        }
        size_t n = 0;
        for (size_t j = i; j < points->count; j++)
            if (strcmp(points->items[j].name, points->items[i].name) == 0) fractions[n++] = points->items[j].x;
        n = distinct_sorted(fractions, n, sorted);
        text_printf(data, "%s# rm %s: prefix_fraction %s\n", block ? "\n\n" : "", points->items[i].name, metric);
        for (size_t f = 0; f < n; f++)
            for (size_t j = i; j < points->count; j++)
                if (strcmp(points->items[j].name, points->items[i].name) == 0 && points->items[j].x == sorted[f]) {
                    data_number(data, points->items[j].x);
                    text_printf(data, " ");
                    data_number(data, points->items[j].y);
                    text_printf(data, "\n");
                }
        text_printf(script, "%s", block ? ", \\\n  " : "");
        gnuplot_string(script, data_path);
        text_printf(script, " index %zu using 1:2 with linespoints lw 2 pt 7 title ", block);
        gnuplot_string(script, points->items[i].name);
        block++;
        free(fractions), free(sorted);
    }
    text_printf(script, "\n");
}

rgtg_status_t rgtg_plot_prepare(const rgtg_results_t *results, const rgtg_plot_params_t *params,
                                const char *data_path, const char *png_path, char **data_out, char **script_out) {
    *data_out = *script_out = NULL;
    static const char *default_metric[] = {"reward", "reward", "agreement"};
    const char *metric = params->metric ? params->metric : default_metric[params->kind];
    const char *name = params->results_path ? params->results_path : "results";
    if (strpbrk(data_path, "\n\r") || strpbrk(png_path, "\n\r"))
        return rgtg_error_set(RGTG_ERR_INVALID, "plot: a file name with a line break cannot be given to gnuplot");
    if (params->width < 16 || params->height < 16 || params->width > 10000 || params->height > 10000)
        return rgtg_error_set(RGTG_ERR_INVALID, "plot: size %dx%d out of range (16 to 10000 pixels)", params->width,
                              params->height);
    rgtg_status_t status = rgtg_results_check_where(params->where, params->where_count);
    points_t points = {0};
    if (status == RGTG_OK) status = collect(results, params, metric, name, &points);
    text_t data = {0}, script = {0};
    if (status == RGTG_OK) {
        if (params->kind == RGTG_PLOT_HEATMAP) heatmap(&points, params, metric, data_path, png_path, &data, &script);
        else if (params->kind == RGTG_PLOT_RUNTIME) runtime(&points, params, metric, data_path, png_path, &data, &script);
        else agreement(&points, params, metric, data_path, png_path, &data, &script);
        if (data.failed || script.failed || !data.data || !script.data)
            status = rgtg_error_set(RGTG_ERR_NOMEM, "plot: out of memory");
    }
    free(points.items);
    if (status != RGTG_OK) {
        free(data.data), free(script.data);
        return status;
    }
    *data_out = data.data;
    *script_out = script.data;
    return RGTG_OK;
}

/* ---- running gnuplot ---- */

static rgtg_status_t write_plain(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    if (!fp) return rgtg_error_set(RGTG_ERR_IO, "%s: %s", path, strerror(errno));
    bool ok = fputs(text, fp) >= 0;
    if (fclose(fp) != 0 || !ok) return rgtg_error_set(RGTG_ERR_IO, "%s: write failed", path);
    return RGTG_OK;
}

/* The first line of gnuplot's stderr that says something ("" when none). */
static void first_error_line(const char *path, char *out, size_t size) {
    out[0] = '\0';
    FILE *fp = fopen(path, "r");
    if (!fp) return;
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *start = line;
        while (*start == ' ' || *start == '^') start++;
        if (*start && (strstr(start, "rror") || strstr(start, "line ") || !out[0])) {
            snprintf(out, size, "%s", start);
            if (strstr(start, "rror")) break;
        }
    }
    fclose(fp);
}

static rgtg_status_t run_gnuplot(const char *program, const char *script_path, const char *log_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char *argv[] = {(char *)program, (char *)script_path, NULL};
    pid_t pid;
    int spawn_error = posix_spawnp(&pid, program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawn_error == ENOENT)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "plot: '%s' not found (install Debian's gnuplot-nox)", program);
    if (spawn_error) return rgtg_error_set(RGTG_ERR_IO, "plot: cannot start '%s': %s", program, strerror(spawn_error));
    int wstatus;
    while (waitpid(pid, &wstatus, 0) < 0)
        if (errno != EINTR) return rgtg_error_set(RGTG_ERR_IO, "plot: waiting for gnuplot: %s", strerror(errno));
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return RGTG_OK;
    char line[512];
    first_error_line(log_path, line, sizeof line);
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "plot: '%s' could not run (install Debian's gnuplot-nox)", program);
    return rgtg_error_set(RGTG_ERR_IO, "plot: gnuplot failed (%s %d)%s%s", WIFEXITED(wstatus) ? "exit" : "signal",
                          WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus), line[0] ? ": " : "", line);
}

static bool is_png(const char *path) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8] = {0};
    FILE *fp = fopen(path, "rb");
    bool ok = fp && fread(head, 1, 8, fp) == 8 && memcmp(head, signature, 8) == 0;
    if (fp) fclose(fp);
    return ok;
}

static char *joined(const char *a, const char *b) {
    char *out = malloc(strlen(a) + strlen(b) + 1);
    if (out) strcat(strcpy(out, a), b);
    return out;
}

rgtg_status_t rgtg_plot_run(const rgtg_plot_params_t *params) {
    if (!params->results_path || !params->out_path)
        return rgtg_error_set(RGTG_ERR_INVALID, "plot: results and output paths are required");
    rgtg_results_t results = {0};
    rgtg_status_t status = rgtg_results_read(params->results_path, &results);
    const char *tmp_root = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *dir = joined(tmp_root, "/rgtg-plot-XXXXXX");
    bool dir_made = false;
    if (status == RGTG_OK && (!dir || !mkdtemp(dir)))
        status = rgtg_error_set(RGTG_ERR_IO, "plot: cannot make a temporary directory in %s: %s", tmp_root, strerror(errno));
    else dir_made = status == RGTG_OK;
    char *data_path = dir ? joined(dir, "/plot.dat") : NULL, *script_path = dir ? joined(dir, "/plot.gp") : NULL;
    char *log_path = dir ? joined(dir, "/gnuplot.log") : NULL, *png_tmp = rgtg_tmp_path_for(params->out_path);
    if (status == RGTG_OK && (!data_path || !script_path || !log_path || !png_tmp))
        status = rgtg_error_set(RGTG_ERR_NOMEM, "plot: out of memory");
    char *data = NULL, *script = NULL;
    if (status == RGTG_OK) status = rgtg_plot_prepare(&results, params, data_path, png_tmp, &data, &script);
    if (status == RGTG_OK) status = write_plain(data_path, data);
    if (status == RGTG_OK) status = write_plain(script_path, script);
    if (status == RGTG_OK)
        status = run_gnuplot(params->gnuplot ? params->gnuplot : "gnuplot", script_path, log_path);
    if (status == RGTG_OK && !is_png(png_tmp))
        status = rgtg_error_set(RGTG_ERR_FORMAT, "plot: gnuplot wrote no PNG for %s", params->out_path);
    if (status == RGTG_OK && params->keep_script) { /* a script that reruns on its own: kept data, final PNG */
        char *kept_data = joined(params->keep_script, ".dat"), *kept_script = joined(params->keep_script, ".gp");
        char *data2 = NULL, *script2 = NULL;
        status = kept_data && kept_script ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "plot: out of memory");
        if (status == RGTG_OK) status = rgtg_plot_prepare(&results, params, kept_data, params->out_path, &data2, &script2);
        if (status == RGTG_OK) status = rgtg_write_file_atomic(kept_data, data2, strlen(data2));
        if (status == RGTG_OK) status = rgtg_write_file_atomic(kept_script, script2, strlen(script2));
        free(kept_data), free(kept_script), free(data2), free(script2);
    }
    if (status == RGTG_OK) status = rgtg_commit_rename(png_tmp, params->out_path);
    if (png_tmp) unlink(png_tmp); /* after a failure; gone already after the rename */
    if (dir_made) {
        unlink(data_path), unlink(script_path), unlink(log_path);
        rmdir(dir);
    }
    free(data), free(script), free(dir), free(data_path), free(script_path), free(log_path), free(png_tmp);
    rgtg_results_free(&results);
    return status;
}
