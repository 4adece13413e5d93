/* runner/experiment.c: resolves an experiment YAML into stages (see experiment.h), hashes each
 * resolved command, runs the stages that the store does not hold yet as child `rgtg` processes, and
 * writes the experiment's README with every command it ran. */
#include "experiment.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/config.h"
#include "../core/dist_group.h"
#include "../core/fsutil.h"
#include "../core/log.h"

extern char **environ;

#define RUNNER_FORMAT "rgtg-experiment-1" /* enters every hash: bump when stage layout changes */
#define MARKER ".rgtg-stage.json"
#define LOG ".rgtg-stage.log"

rgtg_experiment_params_t rgtg_experiment_default_params(void) {
    return (rgtg_experiment_params_t){0};
}

typedef struct {
    char *name, *value;
} var_t;

typedef struct {
    char *name;
    int cell;         /* -1: a shared stage */
    char **argv;      /* resolved, argc of them */
    int argc;
    char hash[65];
    char *dir;        /* store/NAME-HASH16 */
    bool report;
    char *given;      /* not NULL: a folder the user gave for this stage (--set NAME=DIR): not run, linked */
    int *deps;        /* indices of the earlier stages its arguments name: it starts after they finish */
    int dep_count;
    bool alone;       /* listed under `alone:`: under --jobs nothing runs beside it (its timing is a result) */
} stage_t;

typedef struct {
    const rgtg_experiment_params_t *params;
    rgtg_config_t *cfg;
    const char *size;
    char *repo, *out_dir, *store_dir, *rgtg;
    var_t *vars;      /* size vars, then overrides (later entries win) */
    int var_count;
    char *grid_key;   /* "grid", or "sizes.SIZE.grid" where the size has its own */
    int grid_keys;    /* grid dimensions */
    const char **grid_names;
    size_t *grid_sizes;
    size_t cells;     /* product of grid sizes (1 without a grid) */
    stage_t *stages;
    int stage_count;
} experiment_t;

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

static char *printf_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *printf_alloc(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    return s;
}

/* ---------------------------------------------------------------- growing strings */

typedef struct {
    char *text;
    size_t len, cap;
} buf_t;

static bool buf_add(buf_t *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t) return false;
        b->text = t, b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
    return true;
}

static bool buf_str(buf_t *b, const char *s) { return buf_add(b, s, strlen(s)); }

/* ---------------------------------------------------------------- variables */

static const char *var_get(const experiment_t *e, const char *name) {
    for (int i = e->var_count - 1; i >= 0; i--)
        if (!strcmp(e->vars[i].name, name)) return e->vars[i].value;
    return NULL;
}

static bool has_var(const experiment_t *e, const char *name) {
    for (int i = 0; i < e->var_count; i++)
        if (!strcmp(e->vars[i].name, name)) return true;
    return false;
}

static rgtg_status_t var_push(experiment_t *e, const char *name, const char *value) {
    var_t *v = realloc(e->vars, sizeof *v * (size_t)(e->var_count + 1));
    if (!v) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    e->vars = v;
    v[e->var_count].name = xstrdup(name);
    v[e->var_count].value = value ? xstrdup(value) : NULL; /* NULL: required, not given */
    e->var_count++;
    return RGTG_OK;
}

/* The scalars of mapping `key` as variables (a null value marks a variable the user must set). */
static rgtg_status_t vars_from_map(experiment_t *e, const char *key) {
    size_t n = 0;
    rgtg_status_t st = rgtg_config_get_map_count(e->cfg, key, &n);
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        const char *name, *value = NULL;
        st = rgtg_config_get_map_key(e->cfg, key, i, &name);
        if (st == RGTG_OK && !strcmp(name, "grid") && strcmp(key, "vars") != 0) continue; /* a size's own grid */
        char *path = st == RGTG_OK ? printf_alloc("%s.%s", key, name) : NULL;
        if (st == RGTG_OK) st = rgtg_config_get_string(e->cfg, path, NULL, &value);
        if (st == RGTG_OK) st = var_push(e, name, value);
        free(path);
    }
    return st;
}

/* ---------------------------------------------------------------- resolving */

static int find_stage(const experiment_t *e, const char *name, int cell) {
    for (int i = 0; i < e->stage_count; i++)
        if (!e->stages[i].report && !strcmp(e->stages[i].name, name) &&
            (e->stages[i].cell < 0 || e->stages[i].cell == cell))
            return i;
    return -1;
}

static bool is_cell_stage(const experiment_t *e, const char *name) {
    for (int i = 0; i < e->stage_count; i++)
        if (e->stages[i].cell >= 0 && !strcmp(e->stages[i].name, name)) return true;
    return false;
}

/* The grid value of dimension `name` in cell c; NULL when name is not a grid key. */
static const char *grid_value(const experiment_t *e, const char *name, int cell) {
    if (cell < 0) return NULL;
    size_t rest = (size_t)cell;
    for (int g = e->grid_keys - 1; g >= 0; g--) {
        size_t index = rest % e->grid_sizes[g];
        rest /= e->grid_sizes[g];
        if (strcmp(e->grid_names[g], name) != 0) continue;
        char *key = printf_alloc("%s.%s[%zu]", e->grid_key, name, index);
        const char *value = NULL;
        if (key) rgtg_config_get_string(e->cfg, key, NULL, &value);
        free(key);
        return value;
    }
    return NULL;
}

/* Records that `self` reads stage `dep`'s output (once). */
static bool add_dep(stage_t *self, int dep) {
    for (int i = 0; i < self->dep_count; i++)
        if (self->deps[i] == dep) return true;
    int *grown = realloc(self->deps, sizeof *grown * (size_t)(self->dep_count + 1));
    if (!grown) return false;
    self->deps = grown;
    self->deps[self->dep_count++] = dep;
    return true;
}

/* Substitutes the {X} references of `text` for stage `self` (cell `cell`; each_cell >= 0 when an
 * {each:NAME} element is being expanded for that cell). real gets paths, hashed gets the hashes of
 * the stages named instead of their paths, so the hash does not depend on where the store is. */
static rgtg_status_t substitute_at(const experiment_t *e, const char *where, const char *text, int cell,
                                   int each_cell, bool report, buf_t *real, buf_t *hashed, stage_t *self, int depth) {
    const char *p = text;
    while (*p) {
        const char *open = strchr(p, '{');
        if (!open) {
            if (!buf_str(real, p) || !buf_str(hashed, p)) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            break;
        }
        const char *close = strchr(open, '}');
        if (!close) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: '%s' has '{' without '}'", where, text);
        if (!buf_add(real, p, (size_t)(open - p)) || !buf_add(hashed, p, (size_t)(open - p)))
            return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(close - open - 1), open + 1);
        const char *value = NULL, *hash_text = NULL;
        int stage_cell = cell;
        const char *stage_name = name;
        if (!strncmp(name, "each:", 5)) {
            if (!report || each_cell < 0)
                return rgtg_error_set(RGTG_ERR_FORMAT, "%s: {%s} is allowed only in report commands", where, name);
            stage_name = name + 5, stage_cell = each_cell;
        }
        int s = find_stage(e, stage_name, stage_cell);
        const char *grid = grid_value(e, name, cell);
        if (!strcmp(name, "out") && !report) value = "@out", hash_text = "@out";
        else if (!strcmp(name, "dir")) value = e->out_dir, hash_text = "@dir";
        else if (!strcmp(name, "repo")) value = e->repo, hash_text = e->repo;
        else if (s >= 0) {
            value = e->stages[s].dir, hash_text = e->stages[s].hash;
            if (!add_dep(self, s)) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        }
        else if (grid) value = hash_text = grid;
        else if (var_get(e, name) && strchr(var_get(e, name), '{')) {
            /* a variable whose value names stages or other variables ("{rm_eval}/final"): resolved in place */
            if (depth >= 8) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: {%s} refers to itself", where, name);
            rgtg_status_t st =
                substitute_at(e, where, var_get(e, name), cell, each_cell, report, real, hashed, self, depth + 1);
            if (st != RGTG_OK) return st;
            p = close + 1;
            continue;
        } else if (var_get(e, name)) value = hash_text = var_get(e, name);
        else if (is_cell_stage(e, name))
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: {%s} is a stage of each cell: use {each:%s} here", where, name,
                                  name);
        else {
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: {%s} is not a variable, a grid key or an earlier stage", where,
                                  name);
        }
        if (!buf_str(real, value) || !buf_str(hashed, hash_text))
            return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        p = close + 1;
    }
    return RGTG_OK;
}

static rgtg_status_t substitute(const experiment_t *e, const char *where, const char *text, int cell,
                                int each_cell, bool report, buf_t *real, buf_t *hashed, stage_t *self) {
    return substitute_at(e, where, text, cell, each_cell, report, real, hashed, self, 0);
}

/* A file named by an argument (the whole text or what follows its last '='), outside the store:
 * its content enters the hash, so editing a config reruns the stages that read it. */
static void hash_named_file(const experiment_t *e, const char *arg, buf_t *hashed) {
    const char *eq = strrchr(arg, '=');
    const char *candidates[2] = {arg, eq ? eq + 1 : NULL};
    for (int i = 0; i < 2; i++) {
        struct stat sb;
        const char *path = candidates[i];
        if (!path || !*path || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
        if (!strncmp(path, e->store_dir, strlen(e->store_dir))) continue;
        char hex[65];
        if (rgtg_sha256_file(path, hex) != RGTG_OK) {
            rgtg_error_clear();
            continue;
        }
        buf_str(hashed, " file:");
        buf_str(hashed, hex);
    }
}

static rgtg_status_t add_stage(experiment_t *e, const char *section, const char *name, int cell) {
    char *key = printf_alloc("%s.%s", section, name);
    size_t n = 0;
    rgtg_status_t st = key ? rgtg_config_get_list_count(e->cfg, key, &n) : rgtg_error_set(RGTG_ERR_NOMEM, "oom");
    if (st == RGTG_OK && n == 0)
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: %s.%s must be a non-empty list of rgtg arguments", e->params->path,
                            section, name);
    stage_t stage = {.name = xstrdup(name), .cell = cell, .report = !strcmp(section, "report")};
    buf_t hashed = {0};
    buf_str(&hashed, RUNNER_FORMAT);
    char where[256];
    snprintf(where, sizeof where, "%s: %s.%s", e->params->path, section, name);
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        char *item_key = printf_alloc("%s[%zu]", key, i);
        const char *text = NULL;
        st = rgtg_config_get_string(e->cfg, item_key, "", &text);
        free(item_key);
        bool each = st == RGTG_OK && strstr(text, "{each:") != NULL;
        size_t copies = each ? e->cells : 1;
        for (size_t c = 0; st == RGTG_OK && c < copies; c++) {
            buf_t real = {0};
            buf_str(&hashed, "\x1f");
            st = substitute(e, where, text, cell, each ? (int)c : -1, stage.report, &real, &hashed, &stage);
            if (st == RGTG_OK) hash_named_file(e, real.text ? real.text : "", &hashed);
            char **argv = st == RGTG_OK ? realloc(stage.argv, sizeof *argv * (size_t)(stage.argc + 2)) : NULL;
            if (st == RGTG_OK && !argv) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            if (st == RGTG_OK) {
                stage.argv = argv;
                argv[stage.argc++] = real.text ? real.text : strdup("");
                argv[stage.argc] = NULL;
            } else {
                free(real.text);
            }
        }
    }
    const char *given = cell < 0 && !stage.report ? var_get(e, name) : NULL;
    if (st == RGTG_OK && given) {
        /* a given folder stands for the stage: its hash is its real path's (its content is not read: a
           checkpoint changed in place needs --force) */
        stage.given = realpath(given, NULL);
        struct stat sb;
        if (!stage.given || stat(stage.given, &sb) != 0 || !S_ISDIR(sb.st_mode))
            st = rgtg_error_set(RGTG_ERR_INVALID, "%s: stage %s is given as '%s', which is not a folder", e->params->path,
                                name, given);
        free(hashed.text);
        hashed = (buf_t){0};
        if (st == RGTG_OK) buf_str(&hashed, RUNNER_FORMAT " given "), buf_str(&hashed, stage.given);
    }
    if (st == RGTG_OK) {
        rgtg_sha256_bytes(hashed.text, hashed.len, stage.hash);
        stage.dir = stage.report ? xstrdup(e->out_dir) : printf_alloc("%s/%s-%.16s", e->store_dir, name, stage.hash);
        /* {out} now has a place: put it into the real arguments */
        for (int i = 0; i < stage.argc; i++) {
            char *at = strstr(stage.argv[i], "@out");
            if (!at || stage.report) continue;
            char *replaced = printf_alloc("%.*s%s%s", (int)(at - stage.argv[i]), stage.argv[i], stage.dir, at + 4);
            free(stage.argv[i]);
            stage.argv[i] = replaced;
        }
        stage_t *grown = realloc(e->stages, sizeof *grown * (size_t)(e->stage_count + 1));
        if (!grown) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        else e->stages = grown, e->stages[e->stage_count++] = stage;
    }
    if (st != RGTG_OK) {
        for (int i = 0; i < stage.argc; i++) free(stage.argv[i]);
        free(stage.argv), free(stage.name), free(stage.dir), free(stage.given), free(stage.deps);
    }
    free(hashed.text), free(key);
    return st;
}

static rgtg_status_t add_section(experiment_t *e, const char *section, int cell) {
    size_t n = 0;
    rgtg_status_t st = rgtg_config_get_map_count(e->cfg, section, &n);
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        const char *name;
        st = rgtg_config_get_map_key(e->cfg, section, i, &name);
        /* a variable named after a shared stage gives that stage's folder (see link_given) */
        if (st == RGTG_OK && (!strcmp(name, "out") || !strcmp(name, "dir") || !strcmp(name, "repo") ||
                              (has_var(e, name) && strcmp(section, "stages") != 0)))
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: stage name '%s' is taken by a variable", e->params->path, name);
        if (st == RGTG_OK) st = add_stage(e, section, name, cell);
    }
    return st;
}

static rgtg_status_t read_grid(experiment_t *e) {
    size_t n = 0;
    char *own = printf_alloc("sizes.%s.grid", e->size);
    e->grid_key = own && rgtg_config_has(e->cfg, own) ? own : (free(own), strdup("grid"));
    if (!e->grid_key) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    rgtg_status_t st = rgtg_config_get_map_count(e->cfg, e->grid_key, &n);
    e->cells = 1;
    e->grid_names = calloc(n + 1, sizeof *e->grid_names);
    e->grid_sizes = calloc(n + 1, sizeof *e->grid_sizes);
    if (st == RGTG_OK && (!e->grid_names || !e->grid_sizes)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        st = rgtg_config_get_map_key(e->cfg, e->grid_key, i, &e->grid_names[i]);
        char *key = st == RGTG_OK ? printf_alloc("%s.%s", e->grid_key, e->grid_names[i]) : NULL;
        if (st == RGTG_OK) st = rgtg_config_get_list_count(e->cfg, key, &e->grid_sizes[i]);
        if (st == RGTG_OK && e->grid_sizes[i] == 0)
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: %s.%s must be a non-empty list", e->params->path, e->grid_key,
                                e->grid_names[i]);
        if (st == RGTG_OK) e->cells *= e->grid_sizes[i];
        free(key);
    }
    e->grid_keys = (int)n;
    if (st == RGTG_OK && rgtg_config_has(e->cfg, "cells") && n == 0)
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'cells' needs a 'grid'", e->params->path);
    return st;
}

/* `alone: [NAME, ...]`: stages (shared or of every cell) that run with nothing beside them. */
static rgtg_status_t mark_alone(experiment_t *e) {
    size_t n = 0;
    rgtg_status_t st = rgtg_config_has(e->cfg, "alone") ? rgtg_config_get_list_count(e->cfg, "alone", &n) : RGTG_OK;
    for (size_t i = 0; st == RGTG_OK && i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "alone[%zu]", i);
        const char *name = NULL;
        st = rgtg_config_get_string(e->cfg, key, "", &name);
        bool found = false;
        for (int s = 0; st == RGTG_OK && s < e->stage_count; s++)
            if (!e->stages[s].report && !strcmp(e->stages[s].name, name)) e->stages[s].alone = found = true;
        if (st == RGTG_OK && !found)
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: alone names '%s', which is not a stage", e->params->path, name);
    }
    return st;
}

static char *dirname_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static rgtg_status_t resolve(experiment_t *e) {
    const rgtg_experiment_params_t *p = e->params;
    static const char *const known[] = {"name", "title", "description", "size", "vars", "sizes", "stages",
                                        "grid", "cells", "report", "alone", NULL};
    rgtg_status_t st = rgtg_config_load(p->path, &e->cfg);
    if (st == RGTG_OK) st = rgtg_config_check_known(e->cfg, known);
    const char *name = NULL;
    if (st == RGTG_OK) st = rgtg_config_get_string(e->cfg, "name", NULL, &name);
    if (st == RGTG_OK && !name) st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: 'name' is missing", p->path);
    if (st == RGTG_OK) st = rgtg_config_get_string(e->cfg, "size", "small", &e->size);
    if (st == RGTG_OK && p->size) e->size = p->size;
    char *size_key = st == RGTG_OK ? printf_alloc("sizes.%s", e->size) : NULL;
    if (st == RGTG_OK && rgtg_config_has(e->cfg, "sizes") && !rgtg_config_has(e->cfg, size_key)) {
        size_t n = 0;
        rgtg_config_get_map_count(e->cfg, "sizes", &n);
        buf_t names = {0};
        for (size_t i = 0; i < n; i++) {
            const char *s;
            if (rgtg_config_get_map_key(e->cfg, "sizes", i, &s) == RGTG_OK) buf_str(&names, i ? ", " : ""), buf_str(&names, s);
        }
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no size '%s' (sizes: %s)", p->path, e->size,
                            names.text ? names.text : "none");
        free(names.text);
    }
    if (st == RGTG_OK) st = var_push(e, "size", e->size);
    if (st == RGTG_OK) st = vars_from_map(e, "vars");
    if (st == RGTG_OK && rgtg_config_has(e->cfg, size_key)) st = vars_from_map(e, size_key);
    free(size_key);
    for (int i = 0; st == RGTG_OK && i < p->set_count; i++) {
        const char *eq = strchr(p->sets[i], '=');
        if (!eq || eq == p->sets[i]) {
            st = rgtg_error_set(RGTG_ERR_INVALID, "--set '%s': expected NAME=VALUE", p->sets[i]);
            break;
        }
        char *var = strndup(p->sets[i], (size_t)(eq - p->sets[i]));
        char *stage_key = printf_alloc("stages.%s", var);
        bool stage = stage_key && rgtg_config_has(e->cfg, stage_key);
        free(stage_key);
        if (!has_var(e, var) && !stage)
            st = rgtg_error_set(RGTG_ERR_INVALID, "--set %s: %s has no variable '%s' (nor a stage of that name)", var,
                                p->path, var);
        else st = var_push(e, var, eq + 1);
        free(var);
    }
    for (int i = 0; st == RGTG_OK && i < e->var_count; i++)
        if (!var_get(e, e->vars[i].name))
            st = rgtg_error_set(RGTG_ERR_INVALID, "%s: size '%s' needs a value for '%s' (--set %s=VALUE)", p->path,
                                e->size, e->vars[i].name, e->vars[i].name);
    if (st == RGTG_OK) {
        char *dir = dirname_of(p->path);
        char *up = printf_alloc("%s/..", dir);
        e->repo = realpath(up, NULL);
        free(dir), free(up);
        if (!e->repo) st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot resolve its folder", p->path);
    }
    if (st == RGTG_OK) {
        e->out_dir = p->out_dir ? strdup(p->out_dir) : printf_alloc("runs/%s-%s", name, e->size);
        char *parent = dirname_of(e->out_dir);
        e->store_dir = p->store_dir ? strdup(p->store_dir) : printf_alloc("%s/store", parent);
        free(parent);
        st = rgtg_mkdirs(e->out_dir);
        if (st == RGTG_OK) st = rgtg_mkdirs(e->store_dir);
        /* absolute paths: stages run from any directory and the README can be replayed */
        char *abs_out = st == RGTG_OK ? realpath(e->out_dir, NULL) : NULL;
        char *abs_store = st == RGTG_OK ? realpath(e->store_dir, NULL) : NULL;
        if (st == RGTG_OK && (!abs_out || !abs_store)) st = rgtg_error_set(RGTG_ERR_IO, "%s: %s", e->out_dir, strerror(errno));
        if (st == RGTG_OK) free(e->out_dir), free(e->store_dir), e->out_dir = abs_out, e->store_dir = abs_store;
        else free(abs_out), free(abs_store);
    }
    if (st == RGTG_OK) {
        if (p->rgtg) e->rgtg = strdup(p->rgtg);
        else e->rgtg = realpath("/proc/self/exe", NULL);
        if (!e->rgtg) st = rgtg_error_set(RGTG_ERR_IO, "cannot find the rgtg executable");
    }
    if (st == RGTG_OK) st = read_grid(e);
    if (st == RGTG_OK) st = add_section(e, "stages", -1);
    for (size_t c = 0; st == RGTG_OK && rgtg_config_has(e->cfg, "cells") && c < e->cells; c++)
        st = add_section(e, "cells", (int)c);
    if (st == RGTG_OK) st = add_section(e, "report", -1);
    if (st == RGTG_OK) st = mark_alone(e);
    return st;
}

/* ---------------------------------------------------------------- running */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path) { nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* The environment without the MPI launcher's variables: a stage is its own single-process job. */
static char **child_environment(void) {
    size_t n = 0;
    while (environ[n]) n++;
    char **env = calloc(n + 1, sizeof *env);
    size_t k = 0;
    static const char *const dropped[] = {"OMPI_", "PMIX_", "OPAL_", "PRTE_", "PMI_", "HYDRA_", NULL};
    for (size_t i = 0; env && i < n; i++) {
        bool drop = false;
        for (int d = 0; dropped[d]; d++) drop |= !strncmp(environ[i], dropped[d], strlen(dropped[d]));
        if (!drop) env[k++] = environ[i];
    }
    return env;
}

static char *shell_quote(const char *s) {
    bool plain = *s != '\0';
    for (const char *c = s; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%", *c)) plain = false;
    if (plain) return strdup(s);
    buf_t b = {0};
    buf_str(&b, "'");
    for (const char *c = s; *c; c++) {
        if (*c == '\'') buf_str(&b, "'\\''");
        else buf_add(&b, c, 1);
    }
    buf_str(&b, "'");
    return b.text;
}

static char *command_line(const experiment_t *e, const stage_t *s) {
    buf_t b = {0};
    buf_str(&b, "rgtg");
    for (int i = 0; i < s->argc; i++) {
        char *q = shell_quote(s->argv[i]);
        buf_str(&b, " ");
        buf_str(&b, q ? q : "");
        free(q);
    }
    (void)e;
    return b.text;
}

/* The last non-empty line of a log file, for the one-line error. */
static char *last_line(const char *path) {
    char *data = NULL;
    size_t size = 0;
    if (rgtg_read_file(path, &data, &size) != RGTG_OK) {
        rgtg_error_clear();
        return strdup("(no output)");
    }
    while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r')) data[--size] = '\0';
    char *nl = strrchr(data, '\n');
    char *line = strdup(nl ? nl + 1 : data);
    free(data);
    return line;
}

/* Starts rgtg with the stage's arguments, output into log_path (NULL: this process's own), without
 * waiting for it. */
static rgtg_status_t start_child(const experiment_t *e, const stage_t *s, const char *log_path, pid_t *pid) {
    char **argv = calloc((size_t)s->argc + 2, sizeof *argv);
    char **env = child_environment();
    if (!argv || !env) {
        free(argv), free(env);
        return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    }
    argv[0] = e->rgtg;
    for (int i = 0; i < s->argc; i++) argv[i + 1] = s->argv[i];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (log_path) {
        posix_spawn_file_actions_addopen(&actions, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
    }
    int rc = posix_spawn(pid, e->rgtg, &actions, NULL, argv, env);
    posix_spawn_file_actions_destroy(&actions);
    free(argv), free(env);
    if (rc != 0) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot start: %s", e->rgtg, strerror(rc));
    return RGTG_OK;
}

/* The stage's outcome from its wait status: OK, or the one-line error with its log's last line. */
static rgtg_status_t child_outcome(const experiment_t *e, const stage_t *s, const char *log_path, int status) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return RGTG_OK;
    char *why = log_path ? last_line(log_path) : strdup("see its output above");
    rgtg_status_t st;
    if (WIFSIGNALED(status))
        st = rgtg_error_set(RGTG_ERR_IO, "%s: stage '%s' killed by signal %d: %s%s%s", e->params->path, s->name,
                            WTERMSIG(status), why, log_path ? "; log: " : "", log_path ? log_path : "");
    else
        st = rgtg_error_set(RGTG_ERR_IO, "%s: stage '%s' failed (exit %d): %s%s%s", e->params->path, s->name,
                            WEXITSTATUS(status), why, log_path ? "; log: " : "", log_path ? log_path : "");
    free(why);
    return st;
}

static rgtg_status_t wait_child(pid_t pid, int *status) {
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR) return rgtg_error_set(RGTG_ERR_IO, "waitpid: %s", strerror(errno));
    return RGTG_OK;
}

/* Runs a report command in the foreground, its output this process's. */
static rgtg_status_t spawn_stage(const experiment_t *e, const stage_t *s) {
    pid_t pid;
    int status = 0;
    rgtg_status_t st = start_child(e, s, NULL, &pid);
    if (st == RGTG_OK) st = wait_child(pid, &status);
    return st == RGTG_OK ? child_outcome(e, s, NULL, status) : st;
}

static rgtg_status_t write_marker(const experiment_t *e, const stage_t *s, double seconds) {
    json_t *argv = json_array();
    for (int i = 0; i < s->argc; i++) json_array_append_new(argv, json_string(s->argv[i]));
    json_t *root = json_pack("{s:s, s:s, s:o, s:f, s:s}", "stage", s->name, "hash", s->hash, "argv", argv, "seconds",
                             seconds, "experiment", e->params->path);
    if (root && s->given) json_object_set_new(root, "given", json_string(s->given));
    char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    char *path = printf_alloc("%s/%s", s->dir, MARKER);
    rgtg_status_t st = text && path ? rgtg_write_file_atomic(path, text, strlen(text))
                                    : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    free(text), free(path);
    return st;
}

/* A given stage's folder: a link to every entry of the given folder (its prefs.h5, tokenizer.model, ...)
 * and `final` to the folder itself unless it has its own, so that "{lm}/final" names a Hugging Face
 * checkpoint folder as it names a trained model. */
static rgtg_status_t link_given(const stage_t *s) {
    DIR *dir = opendir(s->given);
    if (!dir) return rgtg_error_set(RGTG_ERR_IO, "%s: %s", s->given, strerror(errno));
    rgtg_status_t st = RGTG_OK;
    bool has_final = false;
    for (struct dirent *entry; st == RGTG_OK && (entry = readdir(dir));) {
        if (entry->d_name[0] == '.' && (!entry->d_name[1] || (entry->d_name[1] == '.' && !entry->d_name[2]))) continue;
        has_final |= !strcmp(entry->d_name, "final");
        char *target = printf_alloc("%s/%s", s->given, entry->d_name), *link = printf_alloc("%s/%s", s->dir, entry->d_name);
        if (!target || !link) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        else if (symlink(target, link) != 0) st = rgtg_error_set(RGTG_ERR_IO, "%s: %s", link, strerror(errno));
        free(target), free(link);
    }
    closedir(dir);
    char *link = printf_alloc("%s/final", s->dir);
    if (st == RGTG_OK && !has_final && symlink(s->given, link) != 0)
        st = rgtg_error_set(RGTG_ERR_IO, "%s: %s", link, strerror(errno));
    free(link);
    return st;
}

/* A stage this rank has started: its child, its output lock and its log. */
typedef struct {
    int stage;
    pid_t pid;
    double start;
    rgtg_output_lock_t *lock;
    char *log;
} job_t;

static char *stage_label(const stage_t *s) {
    return s->cell >= 0 ? printf_alloc("%s[cell %d]", s->name, s->cell) : strdup(s->name);
}

/* Begins stage i: prints it (dry run), reuses it (its marker is there), links it (given), or starts its
 * child into job (*started = true). */
static rgtg_status_t begin_stage(const experiment_t *e, int i, int rank, job_t *job, bool *started) {
    const stage_t *s = &e->stages[i];
    char *marker = printf_alloc("%s/%s", s->dir, MARKER);
    char *label = stage_label(s);
    bool done = rgtg_path_exists(marker) && !e->params->force;
    rgtg_status_t st = RGTG_OK;
    *started = false;
    if (e->params->dry_run && s->given) {
        printf("given %s: %s\n", label, s->given);
    } else if (e->params->dry_run) {
        char *line = command_line(e, s);
        printf("%s %s: %s\n", done ? "reuse" : "run  ", label, line);
        free(line);
    } else if (done) {
        printf("[rank %d] %-22s reused   %s\n", rank, label, s->dir);
    } else {
        /* one runner per stage: two experiments sharing a store never write one stage at once */
        *job = (job_t){.stage = i, .start = rgtg_now_seconds()};
        st = rgtg_file_lock(s->dir, &job->lock);
        if (st == RGTG_OK) remove_tree(s->dir); /* a stage that did not finish leaves no half output */
        if (st == RGTG_OK) st = rgtg_mkdirs(s->dir);
        if (st == RGTG_OK && s->given) {
            st = link_given(s);
            if (st == RGTG_OK) st = write_marker(e, s, 0.0);
            if (st == RGTG_OK) printf("[rank %d] %-22s given    %s\n", rank, label, s->given);
        } else if (st == RGTG_OK) {
            job->log = printf_alloc("%s/%s", s->dir, LOG);
            st = job->log ? start_child(e, s, job->log, &job->pid) : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            *started = st == RGTG_OK;
        }
        if (!*started) rgtg_output_unlock(job->lock), free(job->log);
    }
    fflush(stdout);
    free(marker), free(label);
    return st;
}

/* Ends a started stage from its child's wait status: marks it done and prints its time, or returns its
 * error (report = false: a later failure while the first one is being reported stays silent). */
static rgtg_status_t end_stage(const experiment_t *e, job_t *job, int status, int rank, bool report) {
    const stage_t *s = &e->stages[job->stage];
    double seconds = rgtg_now_seconds() - job->start;
    rgtg_status_t st;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) st = report ? child_outcome(e, s, job->log, status) : RGTG_ERR_IO;
    else st = write_marker(e, s, seconds);
    if (st == RGTG_OK) {
        char *label = stage_label(s);
        printf("[rank %d] %-22s %6.1f s  %s\n", rank, label, seconds, s->dir);
        fflush(stdout);
        free(label);
    }
    rgtg_output_unlock(job->lock), free(job->log);
    return st;
}

/* Waits until one of the n jobs ends; returns its index and wait status. One job: a plain wait; more:
 * a poll, since waiting for any child could also reap one that the MPI library started. */
static rgtg_status_t wait_any(const job_t *jobs, int n, int *which, int *status) {
    if (n == 1) {
        *which = 0;
        return wait_child(jobs[0].pid, status);
    }
    for (;;) {
        for (int j = 0; j < n; j++) {
            pid_t got = waitpid(jobs[j].pid, status, WNOHANG);
            if (got == jobs[j].pid) {
                *which = j;
                return RGTG_OK;
            }
            if (got < 0 && errno != EINTR) return rgtg_error_set(RGTG_ERR_IO, "waitpid: %s", strerror(errno));
        }
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    }
}

/* Runs the stages marked in `mine`, up to params->jobs at once, in file order as they become ready: a
 * stage starts once every stage it names has finished (one that is not in `mine` finished in an earlier
 * phase). After a failure nothing new starts; the stages already running finish and are kept, and the
 * first failure is the error. */
static rgtg_status_t run_stages(const experiment_t *e, const bool *mine, int rank) {
    int limit = e->params->jobs > 1 && !e->params->dry_run ? e->params->jobs : 1;
    char *state = calloc((size_t)e->stage_count + 1, 1); /* 0 waiting, 1 running, 2 finished */
    job_t *jobs = calloc((size_t)limit, sizeof *jobs);
    if (!state || !jobs) {
        free(state), free(jobs);
        return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    }
    rgtg_status_t first = RGTG_OK;
    int running = 0;
    bool alone_running = false;
    for (;;) {
        for (int i = 0; first == RGTG_OK && running < limit && !alone_running && i < e->stage_count; i++) {
            if (!mine[i] || state[i] != 0) continue;
            bool ready = true;
            for (int d = 0; d < e->stages[i].dep_count; d++) {
                int dep = e->stages[i].deps[d];
                ready &= !mine[dep] || state[dep] == 2;
            }
            /* a stage that must run alone waits for the running ones to end; nothing starts beside it */
            if (!ready || (e->stages[i].alone && running > 0)) continue;
            bool started = false;
            first = begin_stage(e, i, rank, &jobs[running], &started);
            state[i] = started ? 1 : 2;
            if (started) running++, alone_running = e->stages[i].alone;
            else i = -1; /* a stage finished at once: those after it may be ready now */
        }
        if (running == 0) break;
        int which = 0, status = 0;
        rgtg_status_t st = wait_any(jobs, running, &which, &status);
        if (st != RGTG_OK) {
            first = first == RGTG_OK ? st : first;
            break;
        }
        state[jobs[which].stage] = 2;
        alone_running = false;
        st = end_stage(e, &jobs[which], status, rank, first == RGTG_OK);
        if (first == RGTG_OK) first = st;
        jobs[which] = jobs[--running];
    }
    free(state), free(jobs);
    return first;
}

static rgtg_status_t write_readme(const experiment_t *e) {
    buf_t b = {0};
    const char *title = NULL;
    rgtg_config_get_string(e->cfg, "title", NULL, &title);
    buf_str(&b, "# ");
    buf_str(&b, title ? title : e->params->path);
    buf_str(&b, "\n\nMade by `rgtg experiment ");
    buf_str(&b, e->params->path);
    buf_str(&b, " --size ");
    buf_str(&b, e->size);
    buf_str(&b, "`. Every stage below ran as this command (outputs in the store folder named after its\n"
                "content hash); rerun any one of them by hand, or the whole experiment with `--force`.\n\n");
    buf_str(&b, "## Variables\n\n");
    for (int i = 0; i < e->var_count; i++) {
        if (var_get(e, e->vars[i].name) != e->vars[i].value) continue; /* overridden later */
        buf_str(&b, "- ");
        buf_str(&b, e->vars[i].name);
        buf_str(&b, " = ");
        buf_str(&b, e->vars[i].value ? e->vars[i].value : "(unset)");
        buf_str(&b, "\n");
    }
    buf_str(&b, "\n## Commands\n\n```sh\n");
    for (int i = 0; i < e->stage_count; i++) {
        const stage_t *s = &e->stages[i];
        char *line = command_line(e, s);
        char head[160];
        if (s->cell >= 0) {
            buf_t cell = {0};
            for (int g = 0; g < e->grid_keys; g++) {
                const char *v = grid_value(e, e->grid_names[g], s->cell);
                buf_str(&cell, g ? ", " : ""), buf_str(&cell, e->grid_names[g]), buf_str(&cell, "="), buf_str(&cell, v);
            }
            snprintf(head, sizeof head, "# %s (%s)\n", s->name, cell.text ? cell.text : "");
            free(cell.text);
        } else {
            snprintf(head, sizeof head, "# %s%s\n", s->report ? "report: " : "", s->name);
        }
        buf_str(&b, head);
        if (s->given) {
            free(line);
            line = printf_alloc("# given: %s (--set %s=...)", s->given, s->name);
        }
        buf_str(&b, line ? line : "");
        buf_str(&b, "\n");
        free(line);
    }
    buf_str(&b, "```\n");
    char *path = printf_alloc("%s/README.md", e->out_dir);
    rgtg_status_t st = rgtg_write_file_atomic(path, b.text, b.len);
    free(path), free(b.text);
    return st;
}

/* stages.json: where every stage's output lives, for report commands and for readers. */
static rgtg_status_t write_stage_index(const experiment_t *e) {
    json_t *root = json_object(), *stages = json_array();
    json_object_set_new(root, "experiment", json_string(e->params->path));
    json_object_set_new(root, "size", json_string(e->size));
    json_object_set_new(root, "cells", json_integer((json_int_t)e->cells));
    for (int i = 0; i < e->stage_count; i++) {
        const stage_t *s = &e->stages[i];
        if (s->report) continue;
        json_t *item = json_pack("{s:s, s:s, s:s}", "name", s->name, "dir", s->dir, "hash", s->hash);
        if (s->cell >= 0) {
            json_t *cell = json_object();
            for (int g = 0; g < e->grid_keys; g++)
                json_object_set_new(cell, e->grid_names[g], json_string(grid_value(e, e->grid_names[g], s->cell)));
            json_object_set_new(item, "cell", cell);
        }
        json_array_append_new(stages, item);
    }
    json_object_set_new(root, "stages", stages);
    char *text = json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    char *path = printf_alloc("%s/stages.json", e->out_dir);
    rgtg_status_t st = text && path ? rgtg_write_file_atomic(path, text, strlen(text))
                                    : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    free(text), free(path);
    return st;
}

static void experiment_free(experiment_t *e) {
    for (int i = 0; i < e->stage_count; i++) {
        for (int a = 0; a < e->stages[i].argc; a++) free(e->stages[i].argv[a]);
        free(e->stages[i].argv), free(e->stages[i].name), free(e->stages[i].dir), free(e->stages[i].given);
        free(e->stages[i].deps);
    }
    for (int i = 0; i < e->var_count; i++) free(e->vars[i].name), free(e->vars[i].value);
    free(e->stages), free(e->vars), free(e->grid_names), free(e->grid_sizes);
    free(e->repo), free(e->out_dir), free(e->store_dir), free(e->rgtg), free(e->grid_key);
    rgtg_config_free(e->cfg);
}

rgtg_status_t rgtg_experiment_run(const rgtg_experiment_params_t *params) {
    experiment_t e = {.params = params};
    int rank = rgtg_dist_rank(), world = rgtg_dist_world_size();
    rgtg_status_t st = resolve(&e);
    st = rgtg_dist_check(st);
    bool *mine = st == RGTG_OK ? calloc((size_t)e.stage_count + 1, sizeof *mine) : NULL;
    if (st == RGTG_OK && !mine) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    /* shared stages on rank 0, then the cells round-robin over ranks, then the report on rank 0 */
    for (int phase = 0; phase < 2 && st == RGTG_OK; phase++) {
        for (int i = 0; i < e.stage_count; i++) {
            const stage_t *s = &e.stages[i];
            bool in_phase = phase == 0 ? (!s->report && s->cell < 0) : s->cell >= 0;
            mine[i] = in_phase && (phase == 1 ? s->cell % world : 0) == rank;
        }
        st = run_stages(&e, mine, rank);
        if (phase == 1 && st == RGTG_OK && rank == 0 && !params->dry_run) st = write_stage_index(&e);
        st = rgtg_dist_check(st);
    }
    for (int i = 0; st == RGTG_OK && rank == 0 && i < e.stage_count; i++) {
        const stage_t *s = &e.stages[i];
        if (!s->report) continue;
        if (params->dry_run) {
            st = begin_stage(&e, i, rank, NULL, &(bool){false});
            continue;
        }
        char *line = command_line(&e, s);
        printf("report %s: %s\n", s->name, line);
        fflush(stdout);
        free(line);
        st = spawn_stage(&e, s);
    }
    st = rgtg_dist_check(st);
    free(mine);
    if (st == RGTG_OK && rank == 0 && !params->dry_run) st = write_readme(&e);
    if (st == RGTG_OK && rank == 0 && !params->dry_run) printf("experiment %s (%s) -> %s\n", params->path, e.size, e.out_dir);
    experiment_free(&e);
    return st;
}
