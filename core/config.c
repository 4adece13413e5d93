/* core/config.c: the config tree, its YAML loader and writer (libyaml events), dotted-path lookup,
 * --set overrides, typed getters and the known-key check (see config.h). */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "fsutil.h"
#include "tok/utf8.h"

/* ---- the tree ---------------------------------------------------------------------------------- */

typedef enum { NODE_MAP, NODE_SEQUENCE, NODE_SCALAR } node_kind_t;

typedef struct config_node {
    node_kind_t kind;
    char *text;  /* scalar: its text, NUL-terminated */
    bool quoted; /* scalar: written quoted (or tagged !!str), hence a string and never null */
    char **keys; /* map: entry names, parallel to children */
    struct config_node **children; /* map and sequence entries, in file order */
    size_t count, capacity;
    const char *source;  /* file path (owned by the config) or SET_SOURCE */
    size_t line, column; /* 1-based position of the value in source; 0 when unknown (--set) */
    size_t key_line, key_column; /* 1-based position of the key naming this value in a map, or 0 */
} node_t;

struct rgtg_config {
    node_t *root; /* always a map */
    char **sources;
    size_t source_count;
};

static const char SET_SOURCE[] = "--set";
enum { MAX_DEPTH = 128, MAX_PATH_STEPS = 64 };

static node_t *node_new(node_kind_t kind, const char *source) {
    node_t *node = calloc(1, sizeof *node);
    if (node) {
        node->kind = kind;
        node->source = source;
    }
    return node;
}

static void node_free(node_t *node) {
    if (!node) return;
    for (size_t i = 0; i < node->count; i++) {
        node_free(node->children[i]);
        if (node->keys) free(node->keys[i]);
    }
    free(node->children);
    free(node->keys);
    free(node->text);
    free(node);
}

/* Appends child (and, for a map, a copy of key); false when out of memory (child stays the caller's). */
static bool node_append(node_t *node, const char *key, size_t key_length, node_t *child) {
    if (node->count == node->capacity) {
        const size_t capacity = node->capacity ? 2 * node->capacity : 4;
        node_t **children = realloc(node->children, capacity * sizeof *children);
        if (!children) return false;
        node->children = children;
        if (node->kind == NODE_MAP) {
            char **keys = realloc(node->keys, capacity * sizeof *keys);
            if (!keys) return false;
            node->keys = keys;
        }
        node->capacity = capacity;
    }
    if (node->kind == NODE_MAP) {
        char *copy = strndup(key, key_length);
        if (!copy) return false;
        node->keys[node->count] = copy;
    }
    node->children[node->count++] = child;
    return true;
}

static node_t **map_find(node_t *map, const char *key, size_t key_length) {
    for (size_t i = 0; i < map->count; i++)
        if (strlen(map->keys[i]) == key_length && memcmp(map->keys[i], key, key_length) == 0)
            return &map->children[i];
    return NULL;
}

/* Plain "", "~", "null", "Null", "NULL" (YAML's null spellings). */
static bool node_is_null(const node_t *node) {
    if (node->kind != NODE_SCALAR || node->quoted) return false;
    const char *t = node->text;
    return t[0] == '\0' || strcmp(t, "~") == 0 || strcmp(t, "null") == 0 || strcmp(t, "Null") == 0 ||
           strcmp(t, "NULL") == 0;
}

static const char *kind_name(const node_t *node) {
    switch (node->kind) {
    case NODE_MAP: return "a mapping";
    case NODE_SEQUENCE: return "a sequence";
    case NODE_SCALAR: return "a scalar";
    }
    return "a value";
}

/* "path:line:column" or the bare source. */
static void describe_position(const char *source, size_t line, size_t column, char *out, size_t size) {
    if (line > 0) snprintf(out, size, "%s:%zu:%zu", source, line, column);
    else snprintf(out, size, "%s", source);
}

static void describe_node(const node_t *node, char *out, size_t size) {
    describe_position(node->source, node->line, node->column, out, size);
}

static rgtg_status_t out_of_memory(void) {
    return rgtg_error_set(RGTG_ERR_NOMEM, "config: out of memory");
}

/* ---- loading (libyaml events -> tree) ------------------------------------------------------------ */

typedef struct {
    yaml_parser_t parser;
    const char *source;     /* file path, or SET_SOURCE */
    const char *assignment; /* --set only: the whole "key=value" text, for messages */
    size_t column_offset;   /* --set only: columns before the value in assignment */
} loader_t;

/* Formats "SOURCE:LINE:COLUMN: " (1-based) for a mark of the loader's input into out. */
static void describe_mark(const loader_t *loader, yaml_mark_t mark, char *out, size_t size) {
    if (loader->assignment)
        snprintf(out, size, "%s %s: column %zu", SET_SOURCE, loader->assignment,
                 mark.column + 1 + loader->column_offset);
    else
        describe_position(loader->source, mark.line + 1, mark.column + 1, out, size);
}

static rgtg_status_t loader_error_at(const loader_t *loader, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rgtg_status_t loader_error_at(const loader_t *loader, yaml_mark_t mark, const char *fmt, ...) {
    char where[512], what[512];
    describe_mark(loader, mark, where, sizeof where);
    va_list args;
    va_start(args, fmt);
    vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    return rgtg_error_set(loader->assignment ? RGTG_ERR_INVALID : RGTG_ERR_FORMAT, "%s: %s", where, what);
}

static rgtg_status_t parser_error(const loader_t *loader) {
    const yaml_parser_t *p = &loader->parser;
    if (p->error == YAML_MEMORY_ERROR) return out_of_memory();
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_READER_ERROR) {
        const char *where = loader->assignment ? loader->assignment : loader->source;
        return rgtg_error_set(loader->assignment ? RGTG_ERR_INVALID : RGTG_ERR_FORMAT,
                              "%s%s: byte %zu: %s", loader->assignment ? "--set " : "", where,
                              p->problem_offset, problem);
    }
    if (p->context) {
        const bool same_place = p->context_mark.line == p->problem_mark.line &&
                                p->context_mark.column == p->problem_mark.column;
        if (same_place || loader->assignment)
            return loader_error_at(loader, p->problem_mark, "%s (%s)", problem, p->context);
        return loader_error_at(loader, p->problem_mark, "%s (%s that started at line %zu, column %zu)",
                               problem, p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    }
    return loader_error_at(loader, p->problem_mark, "%s", problem);
}

static rgtg_status_t next_event(loader_t *loader, yaml_event_t *event) {
    if (!yaml_parser_parse(&loader->parser, event)) return parser_error(loader);
    return RGTG_OK;
}

static bool is_str_tag(const yaml_char_t *tag) {
    return tag && strcmp((const char *)tag, YAML_STR_TAG) == 0;
}

static void set_position(const loader_t *loader, node_t *node, yaml_mark_t mark) {
    if (loader->assignment) return; /* --set values report "--set", not a column */
    node->line = mark.line + 1;
    node->column = mark.column + 1;
}

static rgtg_status_t build_node(loader_t *loader, yaml_event_t *event, int depth, node_t **out);

static rgtg_status_t build_scalar(loader_t *loader, yaml_event_t *event, node_t **out) {
    const size_t length = event->data.scalar.length;
    const char *value = (const char *)event->data.scalar.value;
    if (memchr(value, '\0', length))
        return loader_error_at(loader, event->start_mark, "a scalar contains a NUL character");
    node_t *node = node_new(NODE_SCALAR, loader->source);
    if (!node || !(node->text = strndup(value, length))) {
        node_free(node);
        return out_of_memory();
    }
    node->quoted = event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
                   is_str_tag(event->data.scalar.tag);
    set_position(loader, node, event->start_mark);
    *out = node;
    return RGTG_OK;
}

/* Key text must be addressable by dotted paths (and by "key=value" overrides). */
static const char *key_problem(const char *key, size_t length) {
    if (length == 0) return "an empty key cannot be addressed by a dotted path";
    for (size_t i = 0; i < length; i++)
        switch (key[i]) {
        case '.': return "contains '.', which dotted config paths cannot address";
        case '[':
        case ']': return "contains a bracket, which dotted config paths cannot address";
        case '=': return "contains '=', which --set cannot address";
        case '\0': return "contains a NUL character";
        }
    return NULL;
}

static rgtg_status_t build_map(loader_t *loader, node_t *map, int depth) {
    for (;;) {
        yaml_event_t key_event;
        rgtg_status_t status = next_event(loader, &key_event);
        if (status != RGTG_OK) return status;
        if (key_event.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key_event);
            return RGTG_OK;
        }
        if (key_event.type != YAML_SCALAR_EVENT) {
            status = loader_error_at(loader, key_event.start_mark,
                                     "a mapping key must be a scalar, not a collection");
            yaml_event_delete(&key_event);
            return status;
        }
        const char *key = (const char *)key_event.data.scalar.value;
        const size_t key_length = key_event.data.scalar.length;
        const yaml_mark_t key_mark = key_event.start_mark;
        const char *problem = key_problem(key, key_length);
        node_t **existing = problem ? NULL : map_find(map, key, key_length);
        if (problem || existing) {
            if (problem)
                status = loader_error_at(loader, key_mark, "key '%.*s' %s", (int)key_length, key, problem);
            else if ((*existing)->key_line)
                status = loader_error_at(loader, key_mark, "duplicate key '%.*s' (first at line %zu)",
                                         (int)key_length, key, (*existing)->key_line);
            else
                status = loader_error_at(loader, key_mark, "duplicate key '%.*s'", (int)key_length, key);
            yaml_event_delete(&key_event);
            return status;
        }

        yaml_event_t value_event;
        node_t *value = NULL;
        status = next_event(loader, &value_event);
        if (status == RGTG_OK) status = build_node(loader, &value_event, depth + 1, &value);
        if (status == RGTG_OK) {
            if (!loader->assignment) {
                value->key_line = key_mark.line + 1;
                value->key_column = key_mark.column + 1;
            }
            if (!node_append(map, key, key_length, value)) {
                node_free(value);
                status = out_of_memory();
            }
        }
        yaml_event_delete(&key_event);
        if (status != RGTG_OK) return status;
    }
}

static rgtg_status_t build_sequence(loader_t *loader, node_t *sequence, int depth) {
    for (;;) {
        yaml_event_t event;
        rgtg_status_t status = next_event(loader, &event);
        if (status != RGTG_OK) return status;
        if (event.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&event);
            return RGTG_OK;
        }
        node_t *element = NULL;
        status = build_node(loader, &event, depth + 1, &element);
        if (status != RGTG_OK) return status;
        if (!node_append(sequence, NULL, 0, element)) {
            node_free(element);
            return out_of_memory();
        }
    }
}

/* Builds the node that starts with event, and deletes event. */
static rgtg_status_t build_node(loader_t *loader, yaml_event_t *event, int depth, node_t **out) {
    rgtg_status_t status = RGTG_OK;
    *out = NULL;
    if (depth > MAX_DEPTH) {
        status = loader_error_at(loader, event->start_mark, "nesting deeper than %d levels", MAX_DEPTH);
    } else if (event->type == YAML_SCALAR_EVENT) {
        status = build_scalar(loader, event, out);
    } else if (event->type == YAML_MAPPING_START_EVENT || event->type == YAML_SEQUENCE_START_EVENT) {
        const bool is_map = event->type == YAML_MAPPING_START_EVENT;
        node_t *node = node_new(is_map ? NODE_MAP : NODE_SEQUENCE, loader->source);
        if (!node) {
            status = out_of_memory();
        } else {
            set_position(loader, node, event->start_mark);
            status = is_map ? build_map(loader, node, depth) : build_sequence(loader, node, depth);
            if (status == RGTG_OK) *out = node;
            else node_free(node);
        }
    } else if (event->type == YAML_ALIAS_EVENT) {
        status = loader_error_at(loader, event->start_mark,
                                 "aliases ('*%s') are not supported in configs; repeat the value",
                                 (const char *)event->data.alias.anchor);
    } else {
        status = loader_error_at(loader, event->start_mark, "unexpected YAML event");
    }
    yaml_event_delete(event);
    return status;
}

/* Reads the single document of the loader's stream into *out (NULL when the stream is empty). */
static rgtg_status_t load_document(loader_t *loader, node_t **out) {
    *out = NULL;
    yaml_event_t event;
    rgtg_status_t status = next_event(loader, &event); /* stream start */
    if (status != RGTG_OK) return status;
    yaml_event_delete(&event);
    if ((status = next_event(loader, &event)) != RGTG_OK) return status;
    if (event.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&event);
        return RGTG_OK;
    }
    yaml_event_delete(&event); /* document start */
    if ((status = next_event(loader, &event)) != RGTG_OK) return status;
    node_t *root = NULL;
    if ((status = build_node(loader, &event, 0, &root)) != RGTG_OK) return status;
    if ((status = next_event(loader, &event)) != RGTG_OK) goto fail; /* document end */
    yaml_event_delete(&event);
    if ((status = next_event(loader, &event)) != RGTG_OK) goto fail;
    if (event.type != YAML_STREAM_END_EVENT) {
        status = loader_error_at(loader, event.start_mark,
                                 "a second YAML document; a config holds exactly one");
        yaml_event_delete(&event);
        goto fail;
    }
    yaml_event_delete(&event);
    *out = root;
    return RGTG_OK;
fail:
    node_free(root);
    return status;
}

rgtg_config_t *rgtg_config_new_empty(void) {
    rgtg_config_t *config = calloc(1, sizeof *config);
    if (!config) return NULL;
    config->root = node_new(NODE_MAP, SET_SOURCE);
    if (!config->root) {
        free(config);
        return NULL;
    }
    return config;
}

void rgtg_config_free(rgtg_config_t *config) {
    if (!config) return;
    node_free(config->root);
    for (size_t i = 0; i < config->source_count; i++) free(config->sources[i]);
    free(config->sources);
    free(config);
}

rgtg_status_t rgtg_config_load(const char *path, rgtg_config_t **config_out) {
    *config_out = NULL;
    rgtg_config_t *config = calloc(1, sizeof *config);
    char *source = strdup(path);
    if (!config || !source || !(config->sources = malloc(sizeof *config->sources))) {
        free(source);
        rgtg_config_free(config);
        return out_of_memory();
    }
    config->sources[config->source_count++] = source;

    FILE *file = fopen(path, "rb");
    if (!file) {
        rgtg_config_free(config);
        return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open config: %s", path, strerror(errno));
    }
    loader_t loader = {.source = source};
    if (!yaml_parser_initialize(&loader.parser)) {
        fclose(file);
        rgtg_config_free(config);
        return out_of_memory();
    }
    yaml_parser_set_input_file(&loader.parser, file);
    node_t *root = NULL;
    rgtg_status_t status = load_document(&loader, &root);
    yaml_parser_delete(&loader.parser);
    fclose(file);
    if (status == RGTG_OK && root && root->kind != NODE_MAP) {
        status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu:%zu: expected a mapping at the top level, got %s",
                                path, root->line, root->column, kind_name(root));
    }
    if (status == RGTG_OK && !root && !(root = node_new(NODE_MAP, source))) status = out_of_memory();
    if (status != RGTG_OK) {
        node_free(root);
        rgtg_config_free(config);
        return status;
    }
    config->root = root;
    *config_out = config;
    return RGTG_OK;
}

/* ---- dotted paths -------------------------------------------------------------------------------- */

typedef struct {
    bool is_index;
    const char *name; /* into the key text; name_length bytes */
    size_t name_length;
    size_t index;
    size_t end; /* offset in the key text just after this step: key[0..end) names the value */
} path_step_t;

/* Whether name[0..n) is text a YAML file can hold: well-formed UTF-8 of YAML's printable characters
 * (a --set key is raw bytes; one the reader would refuse must not reach the writer, whose escape of
 * it would not load back). */
static bool is_yaml_text(const char *name, size_t n) {
    if (!tok_utf8_is_valid(name, n)) return false;
    for (size_t i = 0; i < n;) {
        const size_t length = tok_utf8_sequence_length((const uint8_t *)name + i, n - i, NULL);
        const uint32_t cp = tok_utf8_decode((const uint8_t *)name + i, length);
        const bool printable = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0x7E) ||
                               cp == 0x85 || (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
                               cp >= 0x10000;
        if (!printable) return false;
        i += length;
    }
    return true;
}

/* Parses "a.b[2].c" into steps; "" is the top level (no steps). */
static rgtg_status_t parse_path(const char *key, path_step_t *steps, size_t *count_out) {
    size_t count = 0;
    const char *p = key;
    while (*p) {
        if (count > 0) {
            if (*p != '.') goto invalid;
            p++;
        }
        const char *name = p;
        while (*p && !strchr(".[]=", *p)) p++;
        if (p == name || count == MAX_PATH_STEPS || !is_yaml_text(name, (size_t)(p - name))) goto invalid;
        steps[count++] = (path_step_t){.name = name, .name_length = (size_t)(p - name), .end = (size_t)(p - key)};
        while (*p == '[') {
            char *digits_end = NULL;
            if (p[1] < '0' || p[1] > '9') goto invalid;
            errno = 0;
            const unsigned long long index = strtoull(p + 1, &digits_end, 10);
            if (errno || *digits_end != ']' || count == MAX_PATH_STEPS) goto invalid;
            p = digits_end + 1;
            steps[count++] = (path_step_t){.is_index = true, .index = (size_t)index, .end = (size_t)(p - key)};
        }
    }
    *count_out = count;
    return RGTG_OK;
invalid:
    return rgtg_error_set(RGTG_ERR_INVALID,
                          "config key '%s' is not a valid path (expected names joined by '.', with "
                          "optional [index])", key);
}

static rgtg_status_t not_a_container_error(const char *key, size_t prefix_length, const node_t *node,
                                           bool wanted_map) {
    char where[512];
    describe_node(node, where, sizeof where);
    return rgtg_error_set(RGTG_ERR_INVALID, "%s: config key '%s': '%.*s' is %s, not %s", where, key,
                          (int)prefix_length, key, kind_name(node), wanted_map ? "a mapping" : "a sequence");
}

/* *node_out = the value at key, or NULL when it is missing or a null lies on the way. */
static rgtg_status_t lookup(const rgtg_config_t *config, const char *key, const node_t **node_out) {
    path_step_t steps[MAX_PATH_STEPS];
    size_t count = 0;
    *node_out = NULL;
    rgtg_status_t status = parse_path(key, steps, &count);
    if (status != RGTG_OK) return status;
    const node_t *node = config->root;
    size_t prefix_length = 0;
    for (size_t i = 0; i < count; i++) {
        if (node_is_null(node)) return RGTG_OK;
        const path_step_t *step = &steps[i];
        if (step->is_index) {
            if (node->kind != NODE_SEQUENCE) return not_a_container_error(key, prefix_length, node, false);
            if (step->index >= node->count) return RGTG_OK;
            node = node->children[step->index];
        } else {
            if (node->kind != NODE_MAP) return not_a_container_error(key, prefix_length, node, true);
            node_t *const *child = map_find((node_t *)node, step->name, step->name_length);
            if (!child) return RGTG_OK;
            node = *child;
        }
        prefix_length = step->end;
    }
    *node_out = node;
    return RGTG_OK;
}

/* ---- getters --------------------------------------------------------------------------------------- */

static rgtg_status_t type_error(const char *key, const node_t *node, const char *expected) {
    char where[512];
    describe_node(node, where, sizeof where);
    if (node->kind == NODE_SCALAR)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: config key '%s': expected %s, got '%s'", where, key,
                              expected, node->text);
    return rgtg_error_set(RGTG_ERR_INVALID, "%s: config key '%s': expected %s, got %s", where, key,
                          expected, kind_name(node));
}

/* *node_out = the non-null scalar at key, or NULL when missing or null; other kinds are type errors.
 * An empty plain value ("lr:" or --set train.lr=) is an error rather than the default: nothing written
 * is more likely a slip than a wish for the built-in value, which ~ or null asks for explicitly. */
static rgtg_status_t lookup_scalar(const rgtg_config_t *config, const char *key, const char *expected,
                                   const node_t **node_out) {
    rgtg_status_t status = lookup(config, key, node_out);
    if (status != RGTG_OK || !*node_out) return status;
    if (node_is_null(*node_out)) {
        const node_t *node = *node_out;
        *node_out = NULL;
        if (node->kind == NODE_SCALAR && node->text[0] == '\0') {
            char where[512];
            describe_node(node, where, sizeof where);
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: config key '%s': expected %s, got an empty value (write "
                                  "null or ~ to use the default)", where, key, expected);
        }
        return RGTG_OK;
    }
    if ((*node_out)->kind != NODE_SCALAR) return type_error(key, *node_out, expected);
    return RGTG_OK;
}

static bool parse_double_text(const char *text, double *out) {
    static const struct {
        const char *text;
        double value;
    } specials[] = {
        {".inf", INFINITY},  {".Inf", INFINITY},   {".INF", INFINITY},   {"+.inf", INFINITY},
        {"+.Inf", INFINITY}, {"+.INF", INFINITY},  {"-.inf", -INFINITY}, {"-.Inf", -INFINITY},
        {"-.INF", -INFINITY}, {".nan", NAN},       {".NaN", NAN},        {".NAN", NAN},
    };
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
        if (strcmp(text, specials[i].text) == 0) {
            *out = specials[i].value;
            return true;
        }
    if (!*text) return false;
    char *end = NULL;
    errno = 0;
    const double value = strtod(text, &end);
    if (*end != '\0' || end == text) return false;
    if (errno == ERANGE && isinf(value)) return false; /* overflow; underflow to ~0 is fine */
    *out = value;
    return true;
}

static bool parse_int_text(const char *text, int64_t *out) {
    const char *digits = text + (text[0] == '-' || text[0] == '+');
    char *end = NULL;
    errno = 0;
    if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        const unsigned long long magnitude = strtoull(digits + 2, &end, 16);
        if (end == digits + 2 || *end != '\0' || errno || magnitude > (unsigned long long)INT64_MAX)
            return false;
        *out = text[0] == '-' ? -(int64_t)magnitude : (int64_t)magnitude;
        return true;
    }
    const long long value = strtoll(text, &end, 10);
    if (end != text && *end == '\0' && !errno) {
        *out = value;
        return true;
    }
    /* "1e6", "3.0": an integral float in range. */
    double real = 0;
    if (!parse_double_text(text, &real) || !isfinite(real) || real != floor(real) ||
        real < -9223372036854775808.0 || real >= 9223372036854775808.0)
        return false;
    *out = (int64_t)real;
    return true;
}

rgtg_status_t rgtg_config_get_int(const rgtg_config_t *config, const char *key, int64_t default_value,
                                  int64_t *out) {
    const node_t *node = NULL;
    rgtg_status_t status = lookup_scalar(config, key, "an integer", &node);
    if (status != RGTG_OK) return status;
    if (!node) {
        *out = default_value;
        return RGTG_OK;
    }
    if (!parse_int_text(node->text, out)) return type_error(key, node, "an integer");
    return RGTG_OK;
}

rgtg_status_t rgtg_config_get_double(const rgtg_config_t *config, const char *key,
                                     double default_value, double *out) {
    const node_t *node = NULL;
    rgtg_status_t status = lookup_scalar(config, key, "a number", &node);
    if (status != RGTG_OK) return status;
    if (!node) {
        *out = default_value;
        return RGTG_OK;
    }
    if (!parse_double_text(node->text, out)) return type_error(key, node, "a number");
    return RGTG_OK;
}

static void describe_range(rgtg_range_t r, char *out, size_t size) {
    if (isinf(r.max) && r.max > 0 && r.max_open)
        snprintf(out, size, "a finite number %s %g", r.min_open ? ">" : ">=", r.min);
    else
        snprintf(out, size, "a number in %c%g, %g%c", r.min_open ? '(' : '[', r.min, r.max, r.max_open ? ')' : ']');
}

rgtg_status_t rgtg_config_get_double_in(const rgtg_config_t *config, const char *key, double default_value,
                                        rgtg_range_t range, double *out) {
    rgtg_status_t status = rgtg_config_get_double(config, key, default_value, out);
    if (status != RGTG_OK || !rgtg_config_has(config, key)) return status;
    const double v = *out; /* NaN fails every comparison */
    const bool above = range.min_open ? v > range.min : v >= range.min;
    const bool below = range.max_open ? v < range.max : v <= range.max;
    if (above && below) return RGTG_OK;
    const node_t *node = NULL;
    lookup_scalar(config, key, "a number", &node);
    char where[512], wanted[96];
    describe_node(node, where, sizeof where);
    describe_range(range, wanted, sizeof wanted);
    return rgtg_error_set(RGTG_ERR_INVALID, "%s: config key '%s': expected %s, got '%s'", where, key, wanted,
                          node->text);
}

rgtg_status_t rgtg_config_get_int_in(const rgtg_config_t *config, const char *key, int64_t default_value,
                                     int64_t min, int64_t max, int64_t *out) {
    rgtg_status_t status = rgtg_config_get_int(config, key, default_value, out);
    if (status != RGTG_OK || !rgtg_config_has(config, key) || (*out >= min && *out <= max)) return status;
    const node_t *node = NULL;
    lookup_scalar(config, key, "an integer", &node);
    char where[512];
    describe_node(node, where, sizeof where);
    if (max == INT64_MAX)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: config key '%s': expected an integer >= %lld, got '%s'", where, key,
                              (long long)min, node->text);
    return rgtg_error_set(RGTG_ERR_INVALID, "%s: config key '%s': expected an integer in [%lld, %lld], got '%s'", where,
                          key, (long long)min, (long long)max, node->text);
}

rgtg_status_t rgtg_config_get_bool(const rgtg_config_t *config, const char *key, bool default_value,
                                   bool *out) {
    const node_t *node = NULL;
    const char *expected = "true or false (or yes/no, 1/0)";
    rgtg_status_t status = lookup_scalar(config, key, expected, &node);
    if (status != RGTG_OK) return status;
    if (!node) {
        *out = default_value;
        return RGTG_OK;
    }
    const char *t = node->text;
    if (strcasecmp(t, "true") == 0 || strcasecmp(t, "yes") == 0 || strcmp(t, "1") == 0) *out = true;
    else if (strcasecmp(t, "false") == 0 || strcasecmp(t, "no") == 0 || strcmp(t, "0") == 0) *out = false;
    else return type_error(key, node, expected);
    return RGTG_OK;
}

rgtg_status_t rgtg_config_get_string(const rgtg_config_t *config, const char *key,
                                     const char *default_value, const char **out) {
    const node_t *node = NULL;
    rgtg_status_t status = lookup_scalar(config, key, "a string", &node);
    if (status != RGTG_OK) return status;
    *out = node ? node->text : default_value;
    return RGTG_OK;
}

bool rgtg_config_has(const rgtg_config_t *config, const char *key) {
    const node_t *node = NULL;
    const bool error_was_pending = rgtg_error_status() != RGTG_OK;
    if (lookup(config, key, &node) != RGTG_OK) {
        /* A yes/no question: a bad path is simply "no". Keep an older unread error intact. */
        if (!error_was_pending) rgtg_error_clear();
        return false;
    }
    return node && !node_is_null(node);
}

/* *node_out = the container at key (NULL when missing or null), checked to be of kind. */
static rgtg_status_t lookup_container(const rgtg_config_t *config, const char *key, node_kind_t kind,
                                      const node_t **node_out) {
    rgtg_status_t status = lookup(config, key, node_out);
    if (status != RGTG_OK || !*node_out) return status;
    if (node_is_null(*node_out)) {
        *node_out = NULL;
        return RGTG_OK;
    }
    if ((*node_out)->kind != kind)
        return type_error(key, *node_out, kind == NODE_MAP ? "a mapping" : "a sequence");
    return RGTG_OK;
}

rgtg_status_t rgtg_config_get_list_count(const rgtg_config_t *config, const char *key,
                                         size_t *count_out) {
    const node_t *node = NULL;
    rgtg_status_t status = lookup_container(config, key, NODE_SEQUENCE, &node);
    if (status != RGTG_OK) return status;
    *count_out = node ? node->count : 0;
    return RGTG_OK;
}

rgtg_status_t rgtg_config_get_map_count(const rgtg_config_t *config, const char *key,
                                        size_t *count_out) {
    const node_t *node = NULL;
    rgtg_status_t status = lookup_container(config, key, NODE_MAP, &node);
    if (status != RGTG_OK) return status;
    *count_out = node ? node->count : 0;
    return RGTG_OK;
}

rgtg_status_t rgtg_config_get_map_key(const rgtg_config_t *config, const char *key, size_t index,
                                      const char **name_out) {
    const node_t *node = NULL;
    rgtg_status_t status = lookup_container(config, key, NODE_MAP, &node);
    if (status != RGTG_OK) return status;
    if (!node || index >= node->count)
        return rgtg_error_set(RGTG_ERR_INVALID, "config key '%s': no entry %zu (it has %zu)", key, index,
                              node ? node->count : 0);
    *name_out = node->keys[index];
    return RGTG_OK;
}

/* ---- overrides ------------------------------------------------------------------------------------- */

/* Parses an override's value text as YAML into *out (a null scalar for empty text). */
static rgtg_status_t parse_override_value(const char *assignment, const char *value, node_t **out) {
    *out = NULL;
    loader_t loader = {.source = SET_SOURCE, .assignment = assignment,
                       .column_offset = (size_t)(value - assignment)};
    if (!yaml_parser_initialize(&loader.parser)) return out_of_memory();
    yaml_parser_set_input_string(&loader.parser, (const unsigned char *)value, strlen(value));
    node_t *node = NULL;
    rgtg_status_t status = load_document(&loader, &node);
    yaml_parser_delete(&loader.parser);
    if (status != RGTG_OK) return status;
    if (!node) { /* "" or only a comment: null */
        node = node_new(NODE_SCALAR, SET_SOURCE);
        if (!node || !(node->text = strdup(""))) {
            node_free(node);
            return out_of_memory();
        }
    }
    const char first = value[strspn(value, " \t")];
    if (node->kind != NODE_SCALAR && first != '[' && first != '{') {
        node_free(node);
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "%s %s: the value is YAML block syntax, not a scalar; quote it, or write a "
                              "list as [a, b]", SET_SOURCE, assignment);
    }
    *out = node;
    return RGTG_OK;
}

/* Wraps value in new containers for steps (from the innermost out); takes ownership of value. */
static rgtg_status_t build_chain(const char *assignment, const path_step_t *steps, size_t count,
                                 node_t *value, node_t **out) {
    node_t *node = value;
    for (size_t i = count; i-- > 0;) {
        if (steps[i].is_index && steps[i].index != 0) {
            node_free(node);
            return rgtg_error_set(RGTG_ERR_INVALID, "%s %s: index %zu of a new sequence (only [0] can "
                                  "start one)", SET_SOURCE, assignment, steps[i].index);
        }
        node_t *container = node_new(steps[i].is_index ? NODE_SEQUENCE : NODE_MAP, SET_SOURCE);
        if (!container || !node_append(container, steps[i].name, steps[i].name_length, node)) {
            node_free(container);
            node_free(node);
            return out_of_memory();
        }
        node = container;
    }
    *out = node;
    return RGTG_OK;
}

rgtg_status_t rgtg_config_set(rgtg_config_t *config, const char *assignment) {
    const char *equals = strchr(assignment, '=');
    if (!equals)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s '%s': expected KEY=VALUE (for example train.lr=3e-4)",
                              SET_SOURCE, assignment);
    char *key = strndup(assignment, (size_t)(equals - assignment));
    if (!key) return out_of_memory();
    path_step_t steps[MAX_PATH_STEPS];
    size_t count = 0;
    node_t *value = NULL;
    rgtg_status_t status = parse_path(key, steps, &count);
    if (status == RGTG_OK && (count == 0 || steps[0].is_index))
        status = rgtg_error_set(RGTG_ERR_INVALID, "%s '%s': the key must start with a name", SET_SOURCE,
                                assignment);
    if (status == RGTG_OK) status = parse_override_value(assignment, equals + 1, &value);
    if (status != RGTG_OK) {
        free(key);
        return status;
    }

    /* Walk what exists without changing anything; the first missing (or null) step gets the rest of
     * the path built in one piece, so that an error never leaves half an override behind. */
    node_t *container = config->root;
    for (size_t i = 0; i < count; i++) {
        const path_step_t *step = &steps[i];
        const size_t prefix_length = i ? steps[i - 1].end : 0;
        if (step->is_index != (container->kind == NODE_SEQUENCE)) {
            status = not_a_container_error(key, prefix_length, container, !step->is_index);
            break;
        }
        node_t **slot = NULL;
        if (step->is_index) {
            if (step->index > container->count) {
                status = rgtg_error_set(RGTG_ERR_INVALID, "%s %s: index %zu is past the end of '%.*s' "
                                        "(%zu elements)", SET_SOURCE, assignment, step->index,
                                        (int)prefix_length, key, container->count);
                break;
            }
            if (step->index < container->count) slot = &container->children[step->index];
        } else {
            slot = map_find(container, step->name, step->name_length);
        }
        if (slot && i == count - 1) { /* replace the value */
            node_free(*slot);
            *slot = value;
            value = NULL;
            break;
        }
        if (slot && !node_is_null(*slot) && (*slot)->kind != NODE_SCALAR) {
            container = *slot;
            continue;
        }
        if (slot && !node_is_null(*slot)) {
            status = not_a_container_error(key, step->end, *slot, !steps[i + 1].is_index);
            break;
        }
        node_t *chain = NULL;
        status = build_chain(assignment, steps + i + 1, count - i - 1, value, &chain);
        value = NULL; /* owned by the chain now (or freed with it) */
        if (status != RGTG_OK) break;
        if (slot) {
            node_free(*slot);
            *slot = chain;
        } else if (!node_append(container, step->name, step->name_length, chain)) {
            node_free(chain);
            status = out_of_memory();
        }
        break;
    }
    node_free(value);
    free(key);
    return status;
}

/* ---- known keys ------------------------------------------------------------------------------------ */

static size_t edit_distance(const char *a, const char *b) {
    const size_t la = strlen(a), lb = strlen(b);
    size_t *row = malloc((lb + 1) * sizeof *row);
    if (!row) return (size_t)-1;
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0]; /* row[i-1][j-1] */
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            const size_t above = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best) best = above + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    const size_t result = row[lb];
    free(row);
    return result;
}

static bool is_wildcard(const char *known) {
    const size_t n = strlen(known);
    return n >= 2 && strcmp(known + n - 2, ".*") == 0;
}

static bool key_is_allowed(const char *path, const char *const *known_keys) {
    const size_t path_length = strlen(path);
    for (const char *const *k = known_keys; *k; k++) {
        if (strcmp(*k, path) == 0) return true;
        if (is_wildcard(*k)) {
            const size_t stem = strlen(*k) - 1; /* keeps the '.' */
            if (path_length > stem && strncmp(path, *k, stem) == 0) return true;
        }
    }
    return false;
}

/* Whether some known key lies under path ("path.something"). */
static bool key_has_known_children(const char *path, const char *const *known_keys) {
    const size_t n = strlen(path);
    for (const char *const *k = known_keys; *k; k++)
        if (strncmp(*k, path, n) == 0 && (*k)[n] == '.') return true;
    return false;
}

static const char *last_component(const char *path) {
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : path;
}

/* The known key to suggest for an unknown path, or NULL: first one with the same last name (a key at
 * the wrong level), else the nearest by edit distance when it is close. */
static const char *suggest_known_key(const char *path, const char *const *known_keys) {
    for (const char *const *k = known_keys; *k; k++)
        if (!is_wildcard(*k) && strcmp(last_component(*k), last_component(path)) == 0) return *k;
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    for (const char *const *k = known_keys; *k; k++) {
        if (is_wildcard(*k)) continue;
        const size_t distance = edit_distance(path, *k);
        if (distance < best_distance) {
            best_distance = distance;
            best = *k;
        }
    }
    size_t limit = strlen(path) / 3;
    if (limit < 1) limit = 1;
    if (limit > 3) limit = 3;
    return best_distance <= limit ? best : NULL;
}

static rgtg_status_t check_map_keys(const node_t *map, char *path, size_t path_length,
                                    size_t path_capacity, const char *const *known_keys) {
    for (size_t i = 0; i < map->count; i++) {
        const node_t *child = map->children[i];
        const size_t key_length = strlen(map->keys[i]);
        if (path_length + key_length + 2 > path_capacity)
            return rgtg_error_set(RGTG_ERR_INVALID, "config key '%s.%s...' is too long", path, map->keys[i]);
        size_t length = path_length;
        if (length) path[length++] = '.';
        memcpy(path + length, map->keys[i], key_length + 1);
        length += key_length;

        if (!key_is_allowed(path, known_keys)) {
            if (!key_has_known_children(path, known_keys)) {
                char where[512];
                describe_position(child->source, child->key_line, child->key_column, where, sizeof where);
                const char *suggestion = suggest_known_key(path, known_keys);
                if (suggestion)
                    return rgtg_error_set(RGTG_ERR_INVALID,
                                          "%s: config key '%s' is not known (did you mean '%s'?)", where,
                                          path, suggestion);
                return rgtg_error_set(RGTG_ERR_INVALID, "%s: config key '%s' is not known", where, path);
            }
            /* A scalar or sequence where known keys expect a mapping is the getters' type error. */
            if (child->kind == NODE_MAP) {
                rgtg_status_t status = check_map_keys(child, path, length, path_capacity, known_keys);
                if (status != RGTG_OK) return status;
            }
        }
        path[path_length] = '\0';
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_config_check_known(const rgtg_config_t *config, const char *const *known_keys) {
    char path[1024] = "";
    return check_map_keys(config->root, path, 0, sizeof path, known_keys);
}

/* ---- writing ---------------------------------------------------------------------------------------- */

static bool emit(yaml_emitter_t *emitter, yaml_event_t *event) { return yaml_emitter_emit(emitter, event); }

static bool emit_node(yaml_emitter_t *emitter, const node_t *node) {
    yaml_event_t event;
    switch (node->kind) {
    case NODE_SCALAR: {
        /* A quoted scalar stays quoted (it is a string); a plain one stays plain unless the emitter
         * finds that plain text would read differently, and then quotes it. */
        const yaml_scalar_style_t style = node->quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE;
        return yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)node->text,
                                            (int)strlen(node->text), 1, 1, style) &&
               emit(emitter, &event);
    }
    case NODE_SEQUENCE:
        if (!yaml_sequence_start_event_initialize(&event, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE) ||
            !emit(emitter, &event))
            return false;
        for (size_t i = 0; i < node->count; i++)
            if (!emit_node(emitter, node->children[i])) return false;
        return yaml_sequence_end_event_initialize(&event) && emit(emitter, &event);
    case NODE_MAP:
        if (!yaml_mapping_start_event_initialize(&event, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE) ||
            !emit(emitter, &event))
            return false;
        for (size_t i = 0; i < node->count; i++) {
            if (!yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)node->keys[i],
                                              (int)strlen(node->keys[i]), 1, 1, YAML_PLAIN_SCALAR_STYLE) ||
                !emit(emitter, &event) || !emit_node(emitter, node->children[i]))
                return false;
        }
        return yaml_mapping_end_event_initialize(&event) && emit(emitter, &event);
    }
    return false;
}

rgtg_status_t rgtg_config_write_yaml(const rgtg_config_t *config, const char *path) {
    rgtg_atomic_file_t file = {0};
    rgtg_status_t status = rgtg_atomic_begin(&file, path);
    if (status != RGTG_OK) return status;
    yaml_emitter_t emitter;
    if (!yaml_emitter_initialize(&emitter)) {
        rgtg_atomic_abort(&file);
        return out_of_memory();
    }
    yaml_emitter_set_output_file(&emitter, file.fp);
    yaml_emitter_set_unicode(&emitter, 1);
    yaml_emitter_set_width(&emitter, -1); /* no folding of long scalars */
    yaml_emitter_set_indent(&emitter, 2);
    yaml_event_t event;
    bool ok = yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING) && emit(&emitter, &event) &&
              yaml_document_start_event_initialize(&event, NULL, NULL, NULL, 1) && emit(&emitter, &event) &&
              emit_node(&emitter, config->root) &&
              yaml_document_end_event_initialize(&event, 1) && emit(&emitter, &event) &&
              yaml_stream_end_event_initialize(&event) && emit(&emitter, &event) &&
              yaml_emitter_flush(&emitter);
    if (!ok) {
        status = emitter.error == YAML_MEMORY_ERROR
                     ? out_of_memory()
                     : rgtg_error_set(RGTG_ERR_IO, "%s: cannot write config: %s", path,
                                      emitter.problem ? emitter.problem : "emitter failed");
    }
    yaml_emitter_delete(&emitter);
    if (status != RGTG_OK) {
        rgtg_atomic_abort(&file);
        return status;
    }
    return rgtg_atomic_commit(&file);
}

/* ---- equality --------------------------------------------------------------------------------------- */

static bool nodes_equal(const node_t *a, const node_t *b) {
    if (a->kind != b->kind || a->count != b->count) return false;
    if (a->kind == NODE_SCALAR) {
        /* quoting matters only through null-ness: the emitter quotes plain text that plain style
           cannot hold (a tab, a leading space), which reads the same */
        if (node_is_null(a) || node_is_null(b)) return node_is_null(a) && node_is_null(b);
        return strcmp(a->text, b->text) == 0;
    }
    for (size_t i = 0; i < a->count; i++) {
        if (a->kind == NODE_MAP && strcmp(a->keys[i], b->keys[i]) != 0) return false;
        if (!nodes_equal(a->children[i], b->children[i])) return false;
    }
    return true;
}

bool rgtg_config_equal(const rgtg_config_t *a, const rgtg_config_t *b) { return nodes_equal(a->root, b->root); }
