/* eval/results.c: reading, validating and writing results.json (see results.h and RESULTS.md). */
#include "results.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"

void rgtg_format_shortest(char *out, size_t size, double x) {
    char full[40];
    snprintf(full, sizeof full, "%.17g", x);
    bool exponent_allowed = strchr(full, 'e') != NULL; /* 10 stays "10", not "1e+01" */
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(out, size, "%.*g", digits, x);
        if (strtod(out, NULL) == x && (exponent_allowed || !strchr(out, 'e'))) return;
    }
    snprintf(out, size, "%s", full);
}

void rgtg_label_format(const rgtg_label_t *label, char *out, size_t size) {
    switch (label->kind) {
    case RGTG_LABEL_STRING: snprintf(out, size, "%s", label->text); break;
    case RGTG_LABEL_NUMBER: rgtg_format_shortest(out, size, label->number); break;
    case RGTG_LABEL_BOOL: snprintf(out, size, "%s", label->flag ? "true" : "false"); break;
    }
}

const rgtg_label_t *rgtg_result_label(const rgtg_result_cell_t *cell, const char *key) {
    for (size_t i = 0; i < cell->label_count; i++)
        if (strcmp(cell->labels[i].key, key) == 0) return &cell->labels[i];
    return NULL;
}

rgtg_status_t rgtg_results_check_where(const char *const *where, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const char *equals = strchr(where[i], '=');
        if (!equals || equals == where[i])
            return rgtg_error_set(RGTG_ERR_INVALID, "--where '%s': expected KEY=VALUE", where[i]);
    }
    return RGTG_OK;
}

bool rgtg_result_cell_matches(const rgtg_result_cell_t *cell, const char *const *where, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const char *equals = strchr(where[i], '=');
        size_t key_length = (size_t)(equals - where[i]);
        bool matched = false;
        for (size_t l = 0; l < cell->label_count && !matched; l++) {
            if (strlen(cell->labels[l].key) != key_length || strncmp(cell->labels[l].key, where[i], key_length)) continue;
            char text[512];
            rgtg_label_format(&cell->labels[l], text, sizeof text);
            matched = strcmp(text, equals + 1) == 0;
        }
        if (!matched) return false;
    }
    return true;
}

static void cell_free(rgtg_result_cell_t *cell) {
    for (size_t i = 0; i < cell->label_count; i++) {
        free(cell->labels[i].key);
        free(cell->labels[i].text);
    }
    free(cell->labels);
    free(cell->metric);
    memset(cell, 0, sizeof *cell);
}

void rgtg_results_free(rgtg_results_t *results) {
    for (size_t i = 0; i < results->count; i++) cell_free(&results->cells[i]);
    free(results->cells);
    results->cells = NULL;
    results->count = 0;
}

/* The schema's rules on one cell; where names it in messages ("PATH: cells[3]"). */
static rgtg_status_t cell_check(const rgtg_result_cell_t *cell, const char *where) {
    if (!cell->metric || !cell->metric[0])
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'metric' must be a non-empty string", where);
    if (!isfinite(cell->value)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'value' must be a finite number", where);
    if (cell->n < -1) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'n' must be an integer >= 0", where);
    if (!isnan(cell->se) && !(isfinite(cell->se) && cell->se >= 0))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'se' must be a finite number >= 0", where);
    if (!isnan(cell->p_value) && !(cell->p_value >= 0 && cell->p_value <= 1))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'p_value' must be a number in [0, 1]", where);
    for (size_t i = 0; i < cell->label_count; i++) {
        const rgtg_label_t *label = &cell->labels[i];
        if (!label->key || !label->key[0]) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: a label has an empty key", where);
        if (label->kind == RGTG_LABEL_STRING && !label->text)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: label '%s' has no text", where, label->key);
        if (label->kind == RGTG_LABEL_NUMBER && !isfinite(label->number))
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: label '%s' must be a finite number", where, label->key);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cell->labels[j].key, label->key) == 0)
                return rgtg_error_set(RGTG_ERR_FORMAT, "%s: label '%s' given twice", where, label->key);
    }
    return RGTG_OK;
}

static rgtg_status_t cell_copy(const rgtg_result_cell_t *from, rgtg_result_cell_t *to) {
    memset(to, 0, sizeof *to);
    *to = *from;
    to->labels = NULL;
    to->label_count = 0;
    to->metric = strdup(from->metric);
    if (from->label_count) to->labels = calloc(from->label_count, sizeof *to->labels);
    bool ok = to->metric && (to->labels || !from->label_count);
    for (size_t i = 0; ok && i < from->label_count; i++) {
        to->labels[i] = from->labels[i];
        to->labels[i].key = strdup(from->labels[i].key);
        to->labels[i].text = from->labels[i].text ? strdup(from->labels[i].text) : NULL;
        to->label_count = i + 1;
        ok = to->labels[i].key && (to->labels[i].text || !from->labels[i].text);
    }
    if (ok) return RGTG_OK;
    cell_free(to);
    return rgtg_error_set(RGTG_ERR_NOMEM, "results: out of memory");
}

rgtg_status_t rgtg_results_add(rgtg_results_t *results, const rgtg_result_cell_t *cell) {
    char where[64];
    snprintf(where, sizeof where, "results: cells[%zu]", results->count);
    rgtg_status_t status = cell_check(cell, where);
    if (status != RGTG_OK) return status;
    rgtg_result_cell_t *grown = realloc(results->cells, (results->count + 1) * sizeof *grown);
    if (!grown) return rgtg_error_set(RGTG_ERR_NOMEM, "results: out of memory");
    results->cells = grown;
    status = cell_copy(cell, &results->cells[results->count]);
    if (status == RGTG_OK) results->count++;
    return status;
}

/* ---- reading ---- */

static const char *json_kind(const json_t *value) {
    switch (json_typeof(value)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "unknown";
}

/* An optional number: absent or null gives NaN. */
static rgtg_status_t optional_number(json_t *object, const char *key, const char *where, double *out) {
    json_t *value = json_object_get(object, key);
    *out = NAN;
    if (!value || json_is_null(value)) return RGTG_OK;
    if (!json_is_number(value))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: '%s' must be a number, not %s", where, key, json_kind(value));
    *out = json_number_value(value);
    return RGTG_OK;
}

static rgtg_status_t parse_labels(json_t *labels, const char *where, rgtg_result_cell_t *cell) {
    if (!labels || json_is_null(labels)) return RGTG_OK;
    if (!json_is_object(labels))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'labels' must be an object, not %s", where, json_kind(labels));
    size_t count = json_object_size(labels);
    cell->labels = calloc(count + 1, sizeof *cell->labels);
    if (!cell->labels) return rgtg_error_set(RGTG_ERR_NOMEM, "results: out of memory");
    const char *key;
    json_t *value;
    json_object_foreach(labels, key, value) {
        rgtg_label_t *label = &cell->labels[cell->label_count];
        if (json_is_string(value)) {
            label->kind = RGTG_LABEL_STRING;
            label->text = strdup(json_string_value(value));
        } else if (json_is_number(value)) {
            label->kind = RGTG_LABEL_NUMBER;
            label->number = json_number_value(value);
        } else if (json_is_boolean(value)) {
            label->kind = RGTG_LABEL_BOOL;
            label->flag = json_is_true(value);
        } else {
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: label '%s' must be a string, number or boolean, not %s", where,
                                  key, json_kind(value));
        }
        label->key = strdup(key);
        cell->label_count++;
        if (!label->key || (label->kind == RGTG_LABEL_STRING && !label->text))
            return rgtg_error_set(RGTG_ERR_NOMEM, "results: out of memory");
    }
    return RGTG_OK;
}

static rgtg_status_t parse_cell(json_t *object, const char *where, rgtg_result_cell_t *cell) {
    static const char *known[] = {"metric", "value", "n", "se", "p_value", "labels", NULL};
    *cell = (rgtg_result_cell_t){.n = -1, .se = NAN, .p_value = NAN};
    if (!json_is_object(object))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: must be an object, not %s", where, json_kind(object));
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value) {
        bool is_known = false;
        for (const char **k = known; *k; k++) is_known = is_known || strcmp(*k, key) == 0;
        if (!is_known) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: unknown key '%s'", where, key);
    }
    json_t *metric = json_object_get(object, "metric"), *number = json_object_get(object, "value");
    if (!json_is_string(metric))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'metric' must be a string%s", where, metric ? "" : " (missing)");
    cell->metric = strdup(json_string_value(metric));
    if (!cell->metric) return rgtg_error_set(RGTG_ERR_NOMEM, "results: out of memory");
    if (!json_is_number(number))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'value' must be a number%s", where, number ? "" : " (missing)");
    cell->value = json_number_value(number);
    json_t *n = json_object_get(object, "n");
    if (n && !json_is_null(n)) {
        if (!json_is_integer(n) || json_integer_value(n) < 0)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'n' must be an integer >= 0", where);
        cell->n = json_integer_value(n);
    }
    rgtg_status_t status = optional_number(object, "se", where, &cell->se);
    if (status == RGTG_OK) status = optional_number(object, "p_value", where, &cell->p_value);
    if (status == RGTG_OK) status = parse_labels(json_object_get(object, "labels"), where, cell);
    if (status == RGTG_OK) status = cell_check(cell, where);
    return status;
}

static rgtg_status_t parse_root(json_t *root, const char *name, rgtg_results_t *out) {
    if (!json_is_object(root)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: must hold a JSON object", name);
    json_t *version = json_object_get(root, "version"), *cells = json_object_get(root, "cells");
    if (!json_is_integer(version) || json_integer_value(version) != 1)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'version' must be 1", name);
    if (!json_is_array(cells)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'cells' must be an array", name);
    size_t count = json_array_size(cells);
    out->cells = calloc(count + 1, sizeof *out->cells);
    if (!out->cells) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", name);
    for (size_t i = 0; i < count; i++) {
        char where[4200];
        snprintf(where, sizeof where, "%s: cells[%zu]", name, i);
        out->count = i + 1; /* so that a half-parsed cell is freed */
        rgtg_status_t status = parse_cell(json_array_get(cells, i), where, &out->cells[i]);
        if (status != RGTG_OK) return status;
    }
    return RGTG_OK;
}

static rgtg_status_t parse_loaded(json_t *root, const json_error_t *error, const char *name, rgtg_results_t *out) {
    memset(out, 0, sizeof *out);
    if (!root) return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%d:%d: %s", name, error->line, error->column, error->text);
    rgtg_status_t status = parse_root(root, name, out);
    json_decref(root);
    if (status != RGTG_OK) rgtg_results_free(out);
    return status;
}

rgtg_status_t rgtg_results_parse(const char *text, const char *name, rgtg_results_t *out) {
    json_error_t error;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &error);
    return parse_loaded(root, &error, name, out);
}

rgtg_status_t rgtg_results_read(const char *path, rgtg_results_t *out) {
    char *text = NULL;
    size_t size = 0;
    memset(out, 0, sizeof *out);
    rgtg_status_t status = rgtg_read_file(path, &text, &size);
    if (status != RGTG_OK) return status;
    if (strlen(text) != size) {
        free(text);
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: holds a NUL byte", path);
    }
    status = rgtg_results_parse(text, path, out);
    free(text);
    return status;
}

/* ---- writing ---- */

static bool write_string(FILE *fp, const char *text) {
    json_t *string = json_string(text);
    char *encoded = string ? json_dumps(string, JSON_ENCODE_ANY) : NULL;
    bool ok = encoded && fputs(encoded, fp) >= 0;
    free(encoded);
    json_decref(string);
    return ok;
}

/* Reals keep a '.' or an exponent so that they read back as reals. */
static void write_real(FILE *fp, double x) {
    char text[40];
    rgtg_format_shortest(text, sizeof text, x);
    if (!strpbrk(text, ".eEn")) strcat(text, ".0");
    fputs(text, fp);
}

static bool write_cell(FILE *fp, const rgtg_result_cell_t *cell) {
    bool ok = fputs("{\"metric\":", fp) >= 0 && write_string(fp, cell->metric);
    fputs(",\"value\":", fp);
    write_real(fp, cell->value);
    if (cell->n >= 0) fprintf(fp, ",\"n\":%lld", (long long)cell->n);
    if (!isnan(cell->se)) fputs(",\"se\":", fp), write_real(fp, cell->se);
    if (!isnan(cell->p_value)) fputs(",\"p_value\":", fp), write_real(fp, cell->p_value);
    fputs(",\"labels\":{", fp);
    for (size_t i = 0; ok && i < cell->label_count; i++) {
        const rgtg_label_t *label = &cell->labels[i];
        if (i) fputc(',', fp);
        ok = write_string(fp, label->key);
        fputc(':', fp);
        if (label->kind == RGTG_LABEL_STRING) ok = ok && write_string(fp, label->text);
        else if (label->kind == RGTG_LABEL_BOOL) fputs(label->flag ? "true" : "false", fp);
        else {
            char text[40];
            rgtg_format_shortest(text, sizeof text, label->number);
            fputs(text, fp);
        }
    }
    fputs("}}", fp);
    return ok;
}

rgtg_status_t rgtg_results_write(const rgtg_results_t *results, const char *path) {
    for (size_t i = 0; i < results->count; i++) {
        char where[4200];
        snprintf(where, sizeof where, "%s: cells[%zu]", path, i);
        rgtg_status_t status = cell_check(&results->cells[i], where);
        if (status != RGTG_OK) return status;
    }
    rgtg_atomic_file_t file;
    rgtg_status_t status = rgtg_atomic_begin(&file, path);
    if (status != RGTG_OK) return status;
    bool ok = fputs("{\"version\":1,\"cells\":[", file.fp) >= 0;
    for (size_t i = 0; ok && i < results->count; i++) {
        fputs(i ? ",\n" : "\n", file.fp);
        ok = write_cell(file.fp, &results->cells[i]);
    }
    fputs("\n]}\n", file.fp);
    if (!ok || ferror(file.fp)) {
        rgtg_atomic_abort(&file);
        return rgtg_error_set(RGTG_ERR_IO, "%s: write failed", path);
    }
    return rgtg_atomic_commit(&file);
}
