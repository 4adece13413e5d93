/* tests/fuzz_config.c: libFuzzer target for the YAML run config and --set overrides (core/config.c).
 * The input up to its first NUL is the YAML file; after it, each line is one --set assignment. Every
 * value reachable by a dotted path is read with every typed getter (and the range getters), the keys
 * are checked against a known list, and a config that loads must write back and load back equal.
 * Seeds: tests/fuzz_corpus/config/. Build: tests/run_fuzz.sh config. */
#include "core/config.h"
#include "fuzz_util.h"

#include <math.h>

static size_t sink_length;

static const char *const known[] = {"train.lr", "train.max_steps", "model.*", "data.path", "eval.betas", NULL};

/* Reads key with every getter (errors are answers, not findings) and walks into mappings and
 * sequences below it. */
static void read_all(const rgtg_config_t *config, const char *key, int depth) {
    int64_t i;
    double d;
    bool b;
    const char *s;
    if (*key) {
        if (rgtg_config_get_int(config, key, 0, &i) != RGTG_OK) rgtg_error_clear();
        if (rgtg_config_get_double(config, key, 0, &d) != RGTG_OK) rgtg_error_clear();
        if (rgtg_config_get_double_in(config, key, 1, RGTG_RANGE_POSITIVE, &d) == RGTG_OK)
            FUZZ_ASSERT(d > 0 && isfinite(d), "%s: a positive range gave %g", key, d);
        else
            rgtg_error_clear();
        if (rgtg_config_get_int_in(config, key, 5, 1, 10, &i) == RGTG_OK)
            FUZZ_ASSERT(i >= 1 && i <= 10, "%s: the range [1, 10] gave %lld", key, (long long)i);
        else
            rgtg_error_clear();
        if (rgtg_config_get_bool(config, key, false, &b) != RGTG_OK) rgtg_error_clear();
        if (rgtg_config_get_string(config, key, NULL, &s) == RGTG_OK && s) sink_length += strlen(s);
        else rgtg_error_clear();
        (void)rgtg_config_has(config, key);
    }
    if (depth > 6) return;
    size_t n = 0;
    char child[512];
    if (rgtg_config_get_map_count(config, key, &n) == RGTG_OK) {
        for (size_t k = 0; k < n && k < 16; k++) {
            const char *name;
            if (rgtg_config_get_map_key(config, key, k, &name) != RGTG_OK) abort(); /* in range: must work */
            if (snprintf(child, sizeof child, "%s%s%s", key, *key ? "." : "", name) < (int)sizeof child)
                read_all(config, child, depth + 1);
        }
    }
    rgtg_error_clear();
    if (*key && rgtg_config_get_list_count(config, key, &n) == RGTG_OK) {
        for (size_t k = 0; k < n && k < 16; k++)
            if (snprintf(child, sizeof child, "%s[%zu]", key, k) < (int)sizeof child) read_all(config, child, depth + 1);
    }
    rgtg_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t yaml_size, sets_size;
    const uint8_t *sets;
    fuzz_split(data, size, &yaml_size, &sets, &sets_size);
    const char *path = fuzz_path("config.yaml"), *again = fuzz_path("again.yaml");
    fuzz_write(path, data, yaml_size);
    rgtg_config_t *config = NULL;
    if (rgtg_config_load(path, &config) != RGTG_OK) {
        rgtg_error_clear();
        return 0;
    }
    char *text = malloc(sets_size + 1);
    if (!text) abort();
    memcpy(text, sets, sets_size);
    text[sets_size] = '\0';
    for (char *line = text, *end; line && *line; line = end ? end + 1 : NULL) {
        end = strchr(line, '\n');
        if (end) *end = '\0';
        if (rgtg_config_set(config, line) != RGTG_OK) rgtg_error_clear();
    }
    free(text);
    read_all(config, "", 0);
    if (rgtg_config_check_known(config, known) != RGTG_OK) rgtg_error_clear();
    if (rgtg_config_write_yaml(config, again) == RGTG_OK) {
        rgtg_config_t *back = NULL;
        FUZZ_ASSERT(rgtg_config_load(again, &back) == RGTG_OK, "the written config does not load: %s", rgtg_error_message());
        FUZZ_ASSERT(rgtg_config_equal(config, back), "the config changed on a write and load");
        rgtg_config_free(back);
    }
    rgtg_error_clear();
    rgtg_config_free(config);
    return 0;
}
