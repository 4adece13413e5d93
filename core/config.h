/* core/config.h: run configuration as a tree of mappings, sequences and scalars, loaded from YAML
 * (libyaml), overridden with `--set a.b.c=value`, read with typed getters, checked against the keys a
 * command knows, and written back as the resolved config next to a run's outputs.
 *
 * Keys are dotted paths with optional sequence indexes: "train.lr", "eval.betas[2]",
 * "data.sources[0].path". Map keys therefore may not contain '.', '[', ']' or '=' (refused on load).
 *
 * Scalars keep their source text. A scalar written without quotes that reads "~", "null" (any case)
 * or nothing at all is null; getters treat "~" and "null" like a missing key (they return the
 * default) and rgtg_config_has() says false, so `lr: ~` or `--set train.lr=null` restores the default.
 * An empty value (`lr:` or `--set train.lr=`) is refused by every getter, naming the key: a value left
 * out by mistake never turns silently into the built-in default.
 * Quoted scalars are strings for rgtg_config_get_string(), but getters of numbers and booleans still
 * parse their text ("3" quoted reads as 3).
 *
 * Each value remembers where it came from, and errors name it: "cfg.yaml:4:7: config key 'train.lr':
 * expected a number, got 'abc'" for a file, "--set: config key ..." for an override.
 * Anchors and aliases are refused (a config should read the same as it runs). */
#ifndef RGTG_CORE_CONFIG_H
#define RGTG_CORE_CONFIG_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct rgtg_config rgtg_config_t;

/* Loads path, which must hold one YAML document whose top level is a mapping (an empty file gives
 * an empty config). Errors: RGTG_ERR_IO (cannot open), RGTG_ERR_FORMAT with "PATH:LINE:COLUMN: reason"
 * (1-based, from libyaml's marks) for syntax errors, duplicate keys, a top level that is not a
 * mapping, aliases, keys that are not plain names. *config_out is NULL on error. */
rgtg_status_t rgtg_config_load(const char *path, rgtg_config_t **config_out);
/* An empty mapping; NULL when out of memory. */
rgtg_config_t *rgtg_config_new_empty(void);
void rgtg_config_free(rgtg_config_t *config);

/* Applies one override "a.b.c=value" (the text after `--set`). value is parsed as YAML: a scalar
 * (quote it to keep a string such as "yes" or "1e-3" literal, or one with spaces and '#'), or a flow
 * sequence or mapping when it starts with '[' or '{' ("eval.betas=[0.5, 1, 2]"). Missing
 * intermediate mappings are created; an existing value is replaced, whatever its type. "a.b[i]=v"
 * replaces element i of a sequence, or appends when i is its length (a missing sequence is created
 * for i = 0). Errors (RGTG_ERR_INVALID): no '=', a bad path, a path through a scalar, an index past the
 * end, a value that is not valid YAML. */
rgtg_status_t rgtg_config_set(rgtg_config_t *config, const char *assignment);

/* Typed getters: *out = default_value when the key is missing or null, else the parsed value.
 * A value of the wrong type (or a path through a scalar) is RGTG_ERR_INVALID, naming the key, the
 * source and the text. Integers: decimal, 0x hex, or a float text with an integral value ("1e6").
 * Numbers: decimal or exponent notation, .inf/-.inf/.nan. Booleans: true/false/yes/no/1/0 (any case). */
rgtg_status_t rgtg_config_get_int(const rgtg_config_t *config, const char *key, int64_t default_value,
                                  int64_t *out);
rgtg_status_t rgtg_config_get_double(const rgtg_config_t *config, const char *key,
                                     double default_value, double *out);
rgtg_status_t rgtg_config_get_bool(const rgtg_config_t *config, const char *key, bool default_value,
                                   bool *out);

/* An interval for rgtg_config_get_double_in: from min to max, each end included unless *_open. */
typedef struct {
    double min, max;
    bool min_open, max_open;
} rgtg_range_t;
#define RGTG_RANGE_POSITIVE ((rgtg_range_t){0, INFINITY, true, true})     /* finite and > 0 */
#define RGTG_RANGE_NONNEGATIVE ((rgtg_range_t){0, INFINITY, false, true}) /* finite and >= 0 */
#define RGTG_RANGE_UNIT ((rgtg_range_t){0, 1, false, false})              /* [0, 1] */
#define RGTG_RANGE_UNIT_OPEN_ABOVE ((rgtg_range_t){0, 1, false, true})    /* [0, 1) */
/* rgtg_config_get_double, and a value outside range (NaN always is) is RGTG_ERR_INVALID "SOURCE:
 * config key 'train.lr': expected a finite number > 0, got 'nan'". The default is not checked. */
rgtg_status_t rgtg_config_get_double_in(const rgtg_config_t *config, const char *key, double default_value,
                                        rgtg_range_t range, double *out);
/* rgtg_config_get_int within [min, max] (INT64_MAX: no upper end), likewise. */
rgtg_status_t rgtg_config_get_int_in(const rgtg_config_t *config, const char *key, int64_t default_value,
                                     int64_t min, int64_t max, int64_t *out);
/* *out points at text owned by config (valid until the value is overridden or config is freed), or
 * is default_value. Any scalar is a string (a number's text); mappings and sequences are errors. */
rgtg_status_t rgtg_config_get_string(const rgtg_config_t *config, const char *key,
                                     const char *default_value, const char **out);
/* True when key names a value that is not null. A malformed path or a path through a scalar is
 * false. */
bool rgtg_config_has(const rgtg_config_t *config, const char *key);

/* Sequences: *count_out = the number of elements (0 when the key is missing or null); elements are
 * read with the getters above as "key[i]". RGTG_ERR_INVALID when the value is not a sequence. */
rgtg_status_t rgtg_config_get_list_count(const rgtg_config_t *config, const char *key,
                                         size_t *count_out);
/* Mappings: *count_out = the number of entries (0 when missing or null; "" is the top level), and the
 * name of entry i in file order (owned by config). RGTG_ERR_INVALID when the value is not a mapping
 * or i is out of range. */
rgtg_status_t rgtg_config_get_map_count(const rgtg_config_t *config, const char *key,
                                        size_t *count_out);
rgtg_status_t rgtg_config_get_map_key(const rgtg_config_t *config, const char *key, size_t index,
                                      const char **name_out);

/* Refuses the first key of config that known_keys (dotted paths, NULL-terminated) does not allow:
 * RGTG_ERR_INVALID "SOURCE: config key 'train.lrr' is not known (did you mean 'train.lr'?)", the
 * suggestion being the nearest known key by edit distance when it is close. A known key allows its
 * whole value (a known sequence or mapping is not looked into); "a.*" allows every key under a. */
rgtg_status_t rgtg_config_check_known(const rgtg_config_t *config, const char *const *known_keys);

/* Writes the resolved config as YAML atomically (core/fsutil). Scalars keep their text and their
 * quoting (plain text that YAML would misread is quoted by the emitter); loading the file back gives an
 * equal tree (rgtg_config_equal). */
rgtg_status_t rgtg_config_write_yaml(const rgtg_config_t *config, const char *path);

/* Deep equality of the trees: same kinds, same keys in the same order, same scalar text, and the same
 * null-ness of every scalar (quoting matters only there: any scalar reads the same quoted or plain
 * otherwise). Sources are not compared. */
bool rgtg_config_equal(const rgtg_config_t *a, const rgtg_config_t *b);

#endif
