/* decode/method.c: method instances: parameters set by name and checked against the method's table,
 * candidates per step, the params JSON, and the help text built from every method's table. */
#define _POSIX_C_SOURCE 200809L
#include "method.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rgtg_status_t rgtg_method_init(const char *name, rgtg_method_t *out) {
    const rgtg_method_def_t *def = rgtg_method_find(name);
    if (!def)
        return rgtg_error_set(RGTG_ERR_INVALID, "unknown method '%s' (known: %s)", name, rgtg_method_names());
    *out = (rgtg_method_t){.def = def};
    for (int i = 0; i < def->param_count && i < RGTG_METHOD_MAX_PARAMS; i++) out->values[i] = def->params[i].default_value;
    return RGTG_OK;
}

int rgtg_method_param_index(const rgtg_method_def_t *def, const char *name) {
    for (int i = 0; i < def->param_count; i++)
        if (!strcmp(def->params[i].name, name)) return i;
    return -1;
}

/* "[1, inf)", "(0, 1]", ... */
static void range_text(const rgtg_param_spec_t *p, char *out, size_t size) {
    char lo[32], hi[32];
    if (isinf(p->min)) snprintf(lo, sizeof lo, "-inf");
    else snprintf(lo, sizeof lo, "%g", p->min);
    if (isinf(p->max)) snprintf(hi, sizeof hi, "inf");
    else snprintf(hi, sizeof hi, "%g", p->max);
    snprintf(out, size, "%c%s, %s%c", p->min_open || isinf(p->min) ? '(' : '[', lo, hi,
             p->max_open || isinf(p->max) ? ')' : ']');
}

static const char *param_names(const rgtg_method_def_t *def) {
    static char text[256];
    text[0] = '\0';
    for (int i = 0; i < def->param_count; i++) {
        size_t used = strlen(text);
        snprintf(text + used, sizeof text - used, "%s%s", i ? ", " : "", def->params[i].name);
    }
    return def->param_count ? text : "none";
}

rgtg_status_t rgtg_method_set(rgtg_method_t *m, const char *name, double value) {
    const rgtg_method_def_t *def = m->def;
    int i = rgtg_method_param_index(def, name);
    if (i < 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "method %s has no parameter '%s' (its parameters: %s)", def->name, name,
                              param_names(def));
    const rgtg_param_spec_t *p = &def->params[i];
    char range[80];
    range_text(p, range, sizeof range);
    if (!isfinite(value))
        return rgtg_error_set(RGTG_ERR_INVALID, "method %s: %s must be a finite number in %s (got %g)", def->name, name,
                              range, value);
    if (p->type == RGTG_PARAM_INT && value != floor(value))
        return rgtg_error_set(RGTG_ERR_INVALID, "method %s: %s must be an integer in %s (got %g)", def->name, name,
                              range, value);
    bool below = p->min_open ? !(value > p->min) : !(value >= p->min);
    bool above = p->max_open ? !(value < p->max) : !(value <= p->max);
    if (below || above)
        return rgtg_error_set(RGTG_ERR_INVALID, "method %s: %s must be in %s (got %g)", def->name, name, range, value);
    m->values[i] = value;
    return RGTG_OK;
}

rgtg_status_t rgtg_method_set_text(rgtg_method_t *m, const char *name, const char *text) {
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (!*text || *end)
        return rgtg_error_set(RGTG_ERR_INVALID, "method %s: %s must be a number (got '%s')", m->def->name, name, text);
    return rgtg_method_set(m, name, value);
}

double rgtg_method_get(const rgtg_method_t *m, const char *name) {
    int i = rgtg_method_param_index(m->def, name);
    return i < 0 ? NAN : m->values[i];
}

rgtg_status_t rgtg_method_candidates(const rgtg_method_t *m, int64_t vocab, int64_t *k_out) {
    int64_t k = m->def->candidates(m, vocab);
    if (k < 1 || k > vocab)
        return rgtg_error_set(RGTG_ERR_INVALID, "method %s: %lld candidates per step, but the vocabulary has %lld tokens",
                              m->def->name, (long long)k, (long long)vocab);
    *k_out = k;
    return RGTG_OK;
}

int64_t rgtg_method_samples_per_output(const rgtg_method_t *m) {
    return m->def->samples_per_output ? m->def->samples_per_output(m) : 1;
}

rgtg_status_t rgtg_method_write_table_params(const rgtg_method_t *m, json_t *params) {
    for (int i = 0; i < m->def->param_count; i++) {
        const rgtg_param_spec_t *p = &m->def->params[i];
        json_t *value = p->type == RGTG_PARAM_INT ? json_integer((json_int_t)m->values[i]) : json_real(m->values[i]);
        if (!value || json_object_set_new(params, p->name, value) != 0)
            return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_method_params_json(const rgtg_method_t *m, json_t **out) {
    json_t *params = json_object();
    if (!params) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    rgtg_status_t st = m->def->write_params ? m->def->write_params(m, params) : rgtg_method_write_table_params(m, params);
    if (st != RGTG_OK) {
        json_decref(params);
        return st;
    }
    *out = params;
    return RGTG_OK;
}

static const char *needs_text(rgtg_method_needs_t needs) {
    switch (needs) {
    case RGTG_NEEDS_GUIDE: return "needs --rm (a reward model scoring every step's candidates)";
    case RGTG_NEEDS_VALUE: return "needs --value (a value model from rgtg train value)";
    case RGTG_NEEDS_SCORER: return "needs --rm (a reward model ranking the whole samples)";
    case RGTG_NEEDS_NOTHING: break;
    }
    return "the LM alone";
}

char *rgtg_method_help(void) {
    size_t size = 16384, used = 0;
    char *text = malloc(size);
    if (!text) return NULL;
    text[0] = '\0';
    for (int i = 0; i < rgtg_method_count(); i++) {
        const rgtg_method_def_t *def = rgtg_method_at(i);
        used += (size_t)snprintf(text + used, size - used, "  %-13s %s; %s\n", def->name, def->summary, needs_text(def->needs));
        for (int j = 0; j < def->param_count && used < size; j++) {
            const rgtg_param_spec_t *p = &def->params[j];
            char range[80];
            range_text(p, range, sizeof range);
            char option[40];
            snprintf(option, sizeof option, "%s", p->name);
            for (char *c = option; *c; c++) /* option spelling: best_of -> --best-of */
                if (*c == '_') *c = '-';
            used += (size_t)snprintf(text + used, size - used, "      --%-12s %s %s, default %g: %s\n", option,
                                     p->type == RGTG_PARAM_INT ? "integer" : "number", range, p->default_value, p->help);
        }
        if (used >= size) break;
    }
    return text;
}
