/* train/value_data.c: the value objective's examples from scored generations files (see value_data.h). */
#include "value_data.h"

#include <stdlib.h>
#include <string.h>

#include "../core/generations.h"
#include "../core/log.h"

/* Appends the rows of one file; *n grows, *cap and *out as needed. */
static rgtg_status_t read_file(const rgtg_prefs_t *data, const char *path, bool win_labels, rgtg_value_example_t **out,
                               int64_t *n, int64_t *cap) {
    rgtg_generation_t *rows = NULL;
    size_t count = 0;
    rgtg_status_t st = rgtg_gen_read(path, &rows, &count);
    int32_t vocab = rgtg_prefs_info(data)->vocab_size;
    for (size_t i = 0; st == RGTG_OK && i < count; i++) {
        const rgtg_generation_t *g = &rows[i];
        rgtg_pref_pair_t pair;
        if (!g->has_reward || (win_labels && !g->has_reference_reward)) {
            st = rgtg_error_set(RGTG_ERR_INVALID, "%s: row %zu has no %s (score the file with rgtg eval score%s)", path, i + 1,
                                g->has_reward ? "reference_reward" : "reward", win_labels ? " --reference" : "");
            break;
        }
        if (g->id >= rgtg_prefs_pair_count(data) || rgtg_prefs_get(data, g->id, &pair) != RGTG_OK) {
            rgtg_error_clear();
            st = rgtg_error_set(RGTG_ERR_INVALID, "%s: row %zu: id %lld is not a pair of the data file (%lld pairs)", path,
                                i + 1, (long long)g->id, (long long)rgtg_prefs_pair_count(data));
            break;
        }
        for (size_t t = 0; st == RGTG_OK && t < g->token_count; t++)
            if (g->tokens[t] < 0 || g->tokens[t] >= vocab)
                st = rgtg_error_set(RGTG_ERR_INVALID, "%s: row %zu: token %d is outside the data file's vocabulary %d "
                                    "(decoded with another tokenizer?)", path, i + 1, g->tokens[t], vocab);
        if (st == RGTG_OK && *n == *cap) {
            int64_t grown = *cap ? 2 * *cap : 256;
            rgtg_value_example_t *more = realloc(*out, sizeof *more * (size_t)grown);
            if (!more) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            else *out = more, *cap = grown;
        }
        if (st != RGTG_OK) break;
        rgtg_value_example_t *e = &(*out)[*n];
        e->prompt = pair.prompt.ids, e->prompt_len = pair.prompt.len;
        e->response = malloc(sizeof(int32_t) * (g->token_count + 1));
        if (!e->response) {
            st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            break;
        }
        if (g->token_count) memcpy(e->response, g->tokens, sizeof(int32_t) * g->token_count);
        e->response_len = (int64_t)g->token_count;
        e->target = win_labels ? (g->reward > g->reference_reward ? 1.0f : 0.0f) : (float)g->reward;
        (*n)++;
    }
    rgtg_gen_free(rows, count);
    return st;
}

rgtg_status_t rgtg_value_examples_read(const rgtg_prefs_t *data, const char *const *paths, int count, bool win_labels,
                                       rgtg_value_example_t **out, int64_t *n_out) {
    *out = NULL;
    *n_out = 0;
    if (count < 1)
        return rgtg_error_set(RGTG_ERR_INVALID, "config key 'data.value_gens' is required for train value (scored "
                              "generations: rgtg decode, then rgtg eval score)");
    int64_t cap = 0;
    rgtg_status_t st = RGTG_OK;
    for (int i = 0; st == RGTG_OK && i < count; i++) st = read_file(data, paths[i], win_labels, out, n_out, &cap);
    if (st != RGTG_OK) {
        rgtg_value_examples_free(*out, *n_out);
        *out = NULL, *n_out = 0;
        return st;
    }
    double mean = 0;
    for (int64_t i = 0; i < *n_out; i++) mean += (*out)[i].target;
    rgtg_log_info("value data: %lld responses from %d file%s, mean %s %.4f", (long long)*n_out, count, count == 1 ? "" : "s",
                  win_labels ? "win label" : "reward", *n_out ? mean / (double)*n_out : 0.0);
    return RGTG_OK;
}

void rgtg_value_examples_free(rgtg_value_example_t *examples, int64_t n) {
    for (int64_t i = 0; examples && i < n; i++) free(examples[i].response);
    free(examples);
}
