/* decode/settings.h: a decoding run's settings resolved in one place: built-in defaults, then a YAML
 * file's values, then the command line's, each checked with its name (the method's parameters against
 * the method's own table). */
#ifndef RGTG_DECODE_SETTINGS_H
#define RGTG_DECODE_SETTINGS_H

#include <stdint.h>

#include "../core/config.h"
#include "method.h"

typedef struct {
    rgtg_method_t method;     /* the method with its parameters */
    const char *split;        /* prompt source's split ("test") */
    int64_t max_new_tokens;   /* >= 1 */
    int64_t batch;            /* rows decoded together, >= 1 */
    int64_t seed;             /* >= 0 */
    int64_t threads;          /* libtorch threads, >= 1 */
    int64_t limit;            /* prompts decoded at most, 0: all */
    int64_t samples;          /* samples per prompt (--n), >= 1 */
    rgtg_config_t *config;    /* the YAML (owns the text of split and method); NULL: none */
} rgtg_decode_settings_t;

/* Resolves the settings from config_path (may be NULL) and the count name/value pairs. */
rgtg_status_t rgtg_decode_settings_resolve(const char *config_path, const char *const *names,
                                           const char *const *values, int count, rgtg_decode_settings_t *out);
void rgtg_decode_settings_free(rgtg_decode_settings_t *s);

#endif
