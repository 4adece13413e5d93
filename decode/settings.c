/* decode/settings.c: resolving a decoding run's settings (see settings.h). */
#define _POSIX_C_SOURCE 200809L
#include "settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The settings every method shares, with their lower bounds. */
static const struct {
    const char *name;
    size_t offset;
    int64_t min;
} common[] = {
    {"max_new_tokens", offsetof(rgtg_decode_settings_t, max_new_tokens), 1},
    {"batch", offsetof(rgtg_decode_settings_t, batch), 1},
    {"seed", offsetof(rgtg_decode_settings_t, seed), 0},
    {"threads", offsetof(rgtg_decode_settings_t, threads), 1},
    {"limit", offsetof(rgtg_decode_settings_t, limit), 0},
    {"n", offsetof(rgtg_decode_settings_t, samples), 1},
};
#define COMMON_COUNT (sizeof common / sizeof common[0])

/* Rows decoded per prompt at most (--n times Best-of-N's N). */
#define MAX_SAMPLES_PER_PROMPT (1 << 24)

static int64_t *field(rgtg_decode_settings_t *s, size_t i) { return (int64_t *)((char *)s + common[i].offset); }

/* "max-new-tokens" -> "max_new_tokens" into buffer. */
static const char *normalized(const char *name, char *buffer, size_t size) {
    snprintf(buffer, size, "%s", name);
    for (char *c = buffer; *c; c++)
        if (*c == '-') *c = '_';
    return buffer;
}

static const char *option_text(const char *name, char *buffer, size_t size) {
    snprintf(buffer, size, "--%s", name);
    for (char *c = buffer; *c; c++)
        if (*c == '_') *c = '-';
    return buffer;
}

static rgtg_status_t parse_integer(const char *name, const char *text, int64_t min, int64_t *out) {
    char *end = NULL, option[80];
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (!*text || *end || errno || value < min)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s must be an integer >= %lld (got '%s')",
                              option_text(name, option, sizeof option), (long long)min, text);
    *out = value;
    return RGTG_OK;
}

/* Every key a YAML may hold: the common ones, method, split, and any method's parameters. */
static rgtg_status_t check_yaml_keys(const rgtg_config_t *cfg) {
    const char *known[COMMON_COUNT + 2 + RGTG_METHOD_MAX_PARAMS * 16 + 1];
    size_t n = 0;
    for (size_t i = 0; i < COMMON_COUNT; i++) known[n++] = common[i].name;
    known[n++] = "method", known[n++] = "split";
    for (int m = 0; m < rgtg_method_count(); m++)
        for (int p = 0; p < rgtg_method_at(m)->param_count && n + 1 < sizeof known / sizeof known[0]; p++)
            known[n++] = rgtg_method_at(m)->params[p].name;
    known[n] = NULL;
    return rgtg_config_check_known(cfg, known);
}

static rgtg_status_t apply_yaml(const char *path, rgtg_config_t *cfg, rgtg_decode_settings_t *s, const char **method) {
    rgtg_status_t st = check_yaml_keys(cfg);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "method", *method, method);
    if (st == RGTG_OK) st = rgtg_config_get_string(cfg, "split", s->split, &s->split);
    for (size_t i = 0; st == RGTG_OK && i < COMMON_COUNT; i++) {
        st = rgtg_config_get_int(cfg, common[i].name, *field(s, i), field(s, i));
        if (st == RGTG_OK && *field(s, i) < common[i].min)
            st = rgtg_error_set(RGTG_ERR_INVALID, "%s: config key '%s' must be >= %lld (got %lld)", path, common[i].name,
                                (long long)common[i].min, (long long)*field(s, i));
    }
    return st;
}

/* The YAML's values of the method's parameters (others in the file belong to other methods). */
static rgtg_status_t apply_yaml_params(const char *path, const rgtg_config_t *cfg, rgtg_method_t *m) {
    for (int p = 0; p < m->def->param_count; p++) {
        const char *name = m->def->params[p].name;
        if (!rgtg_config_has(cfg, name)) continue;
        double value;
        rgtg_status_t st = rgtg_config_get_double(cfg, name, m->values[p], &value);
        if (st == RGTG_OK) st = rgtg_method_set(m, name, value);
        if (st != RGTG_OK) {
            char reason[512];
            snprintf(reason, sizeof reason, "%s", rgtg_error_message());
            rgtg_error_clear();
            return rgtg_error_set(st, "%s: %s", path, reason);
        }
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_decode_settings_resolve(const char *config_path, const char *const *names,
                                           const char *const *values, int count, rgtg_decode_settings_t *out) {
    *out = (rgtg_decode_settings_t){.split = "test", .max_new_tokens = 64, .batch = 16, .seed = 1, .threads = 2,
                                    .limit = 0, .samples = 1};
    const char *method = "pargs";
    rgtg_status_t st = RGTG_OK;
    if (config_path) {
        st = rgtg_config_load(config_path, &out->config);
        if (st == RGTG_OK) st = apply_yaml(config_path, out->config, out, &method);
    }
    char name[64];
    for (int i = 0; st == RGTG_OK && i < count; i++) {
        normalized(names[i], name, sizeof name);
        if (!strcmp(name, "method")) method = values[i];
        if (!strcmp(name, "split")) out->split = values[i];
    }
    if (st == RGTG_OK) st = rgtg_method_init(method, &out->method);
    if (st == RGTG_OK && out->config) st = apply_yaml_params(config_path, out->config, &out->method);
    for (int i = 0; st == RGTG_OK && i < count; i++) {
        normalized(names[i], name, sizeof name);
        if (!strcmp(name, "method") || !strcmp(name, "split")) continue;
        size_t c = 0;
        while (c < COMMON_COUNT && strcmp(common[c].name, name) != 0) c++;
        if (c < COMMON_COUNT) {
            st = parse_integer(name, values[i], common[c].min, field(out, c));
        } else if (rgtg_method_param_index(out->method.def, name) >= 0) {
            st = rgtg_method_set_text(&out->method, name, values[i]);
        } else {
            char option[80];
            st = rgtg_error_set(RGTG_ERR_INVALID, "%s is not a parameter of method %s (see rgtg decode --help)",
                                option_text(name, option, sizeof option), out->method.def->name);
        }
    }
    if (st == RGTG_OK && out->samples * rgtg_method_samples_per_output(&out->method) > MAX_SAMPLES_PER_PROMPT)
        st = rgtg_error_set(RGTG_ERR_INVALID, "--n %lld times the method's %lld samples per output is more than %d",
                            (long long)out->samples, (long long)rgtg_method_samples_per_output(&out->method),
                            MAX_SAMPLES_PER_PROMPT);
    if (st != RGTG_OK) rgtg_decode_settings_free(out);
    return st;
}

void rgtg_decode_settings_free(rgtg_decode_settings_t *s) {
    rgtg_config_free(s->config);
    s->config = NULL;
}
