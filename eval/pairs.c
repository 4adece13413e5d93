/* eval/pairs.c: pairing two generation files by (prompt id, sample index) (see pairs.h). */
#include "pairs.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t id;
    size_t sample, row;
} key_t_;

static int compare_keys(const void *x, const void *y) {
    const key_t_ *a = x, *b = y;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row; /* file order within an id gives the sample index */
}

/* The rows of a file sorted by (id, file order), with their sample indices. */
static key_t_ *keys_of(const rgtg_generation_t *rows, size_t count) {
    key_t_ *keys = malloc((count + 1) * sizeof *keys);
    if (!keys) return NULL;
    for (size_t i = 0; i < count; i++) keys[i] = (key_t_){.id = rows[i].id, .row = i};
    qsort(keys, count, sizeof *keys, compare_keys);
    for (size_t i = 0; i < count; i++) keys[i].sample = i > 0 && keys[i - 1].id == keys[i].id ? keys[i - 1].sample + 1 : 0;
    return keys;
}

static int compare_pairs(const void *x, const void *y) {
    const rgtg_pair_t *a = x, *b = y;
    return a->a < b->a ? -1 : a->a > b->a;
}

rgtg_status_t rgtg_pairs_match(const rgtg_generation_t *a, size_t a_count, const char *a_name,
                               const rgtg_generation_t *b, size_t b_count, const char *b_name,
                               rgtg_pair_t **pairs_out, size_t *count_out) {
    *pairs_out = NULL;
    *count_out = 0;
    if (a_count == 0) return rgtg_error_set(RGTG_ERR_INVALID, "%s: no rows", a_name);
    if (b_count == 0) return rgtg_error_set(RGTG_ERR_INVALID, "%s: no rows", b_name);
    key_t_ *ka = keys_of(a, a_count), *kb = keys_of(b, b_count);
    rgtg_pair_t *pairs = malloc((a_count + 1) * sizeof *pairs);
    if (!ka || !kb || !pairs) {
        free(ka), free(kb), free(pairs);
        return rgtg_error_set(RGTG_ERR_NOMEM, "pairs: out of memory");
    }
    size_t i = 0, j = 0, n = 0;
    rgtg_status_t status = RGTG_OK;
    while (status == RGTG_OK && (i < a_count || j < b_count)) {
        int order = i == a_count ? 1 : j == b_count ? -1
                  : ka[i].id != kb[j].id ? (ka[i].id < kb[j].id ? -1 : 1)
                  : ka[i].sample != kb[j].sample ? (ka[i].sample < kb[j].sample ? -1 : 1) : 0;
        if (order < 0)
            status = rgtg_error_set(RGTG_ERR_INVALID, "%s: no row for id %lld (sample %zu) of %s", b_name,
                                    (long long)ka[i].id, ka[i].sample, a_name);
        else if (order > 0)
            status = rgtg_error_set(RGTG_ERR_INVALID, "%s: no row for id %lld (sample %zu) of %s", a_name,
                                    (long long)kb[j].id, kb[j].sample, b_name);
        else {
            pairs[n++] = (rgtg_pair_t){.a = ka[i].row, .b = kb[j].row, .id = ka[i].id, .sample = ka[i].sample};
            i++, j++;
        }
    }
    free(ka), free(kb);
    if (status != RGTG_OK) {
        free(pairs);
        return status;
    }
    qsort(pairs, n, sizeof *pairs, compare_pairs);
    *pairs_out = pairs;
    *count_out = n;
    return RGTG_OK;
}

rgtg_status_t rgtg_pairs_single_method(const rgtg_generation_t *rows, size_t count, const char *name,
                                       const char **method_out) {
    *method_out = count ? rows[0].method : "";
    for (size_t i = 1; i < count; i++)
        if (strcmp(rows[i].method, rows[0].method) != 0)
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: holds several methods (%s, %s); compare one against one", name,
                                  rows[0].method, rows[i].method);
    return RGTG_OK;
}
