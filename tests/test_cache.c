/* tests/test_cache.c: the cached decoder against the no-cache reference. Over 50 appended tokens the
 * cache's next-token logits (and an RM's rewards) equal a full forward of each row from scratch;
 * candidate scoring equals scoring each candidate sequence alone; commit and row selection keep the
 * cache consistent; the engine gives the same tokens with and without the cache; the decode loop
 * does not grow the arena. Covers grouped-query attention and tied embeddings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/model.h"
#include "../core/rng.h"
#include "../decode/engine.h"

#define TOL 1e-4
#define ROWS 3
#define STEPS 50
#define K 5

static int failures;

static void check(bool ok, const char *what, double value) {
    printf("%s %-60s %.3g\n", ok ? "ok  " : "FAIL", what, value);
    if (!ok) failures++;
}

/* Output of a full forward over seq[0..n) at its last position: logits [V] or a reward [1]. */
static tt_t reference_last(const rgtg_model_t *m, const int64_t *seq, int64_t n) {
    int64_t shape[2] = {1, n};
    tt_t out = rgtg_model_forward(m, tt_from_host(seq, shape, 2, TT_I64, TT_CPU), NULL);
    return rgtg_model_config(m)->head == RGTG_HEAD_LM ? tt_select(tt_select(out, 0, 0), 0, n - 1)
                                          : tt_narrow(tt_select(out, 0, 0), 0, n - 1, 1);
}

static double max_diff(tt_t a, tt_t b) {
    if (!a || !b) return INFINITY;
    return tt_item(tt_max_dim(tt_reshape(tt_abs(tt_sub(a, b)), (int64_t[]){-1}, 1), 0, false, NULL));
}

typedef struct {
    int64_t seq[ROWS][64 + 2 * STEPS];
    int64_t len[ROWS];
} rows_t;

/* Exercises prefill, append, candidate scoring + commit and row selection on model m. */
static void cache_vs_reference(const rgtg_model_t *m, const char *name) {
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, 7, 1);
    rows_t r;
    const int64_t prompt_len[ROWS] = {5, 9, 2};
    int64_t longest = 9, V = rgtg_model_config(m)->vocab_size;
    for (int i = 0; i < ROWS; i++) {
        r.len[i] = prompt_len[i];
        for (int t = 0; t < prompt_len[i]; t++) r.seq[i][t] = 4 + (int64_t)rgtg_rng_below(&rng, (uint64_t)(V - 4));
    }
    int64_t ids[ROWS * 9] = {0}, mask[ROWS * 9] = {0};
    for (int i = 0; i < ROWS; i++)
        for (int t = 0; t < prompt_len[i]; t++) {
            ids[i * longest + longest - prompt_len[i] + t] = r.seq[i][t];
            mask[i * longest + longest - prompt_len[i] + t] = 1;
        }
    rgtg_kv_cache_t *cache;
    if (rgtg_kv_cache_create(m, ROWS, longest + STEPS + STEPS / 5 + 2, &cache) != RGTG_OK) {
        check(false, rgtg_error_message(), 0);
        return;
    }
    tt_set_grad_enabled(false);
    int64_t shape[2] = {ROWS, longest};
    tt_t out = rgtg_model_prefill(m, cache, tt_from_host(ids, shape, 2, TT_I64, TT_CPU),
                                  tt_from_host(mask, shape, 2, TT_I64, TT_CPU));
    double worst_prefill = 0, worst_append = 0, worst_cand = 0, worst_commit = 0;
    int order[ROWS] = {0, 1, 2}; /* cache row -> sequence */
    int live = ROWS;
    size_t arena_at_start = tt_arena_size();
    for (int step = 0; step < STEPS; step++) {
        size_t mark = tt_arena_mark();
        for (int i = 0; i < live; i++) {
            double d = max_diff(tt_select(out, 0, i), tt_reshape(reference_last(m, r.seq[order[i]], r.len[order[i]]), (int64_t[]){-1}, 1));
            if (step == 0) worst_prefill = fmax(worst_prefill, d);
            else worst_append = fmax(worst_append, d);
        }
        int64_t next[ROWS];
        if (step % 5 == 2) {
            /* candidate scoring, then commit one of them without a forward */
            int64_t cands[ROWS * K];
            for (int i = 0; i < live * K; i++) cands[i] = 4 + (int64_t)rgtg_rng_below(&rng, (uint64_t)(V - 4));
            tt_t scored = rgtg_model_score_candidates(m, cache, tt_from_host(cands, (int64_t[]){live, K}, 2, TT_I64, TT_CPU));
            int64_t chosen[ROWS];
            for (int i = 0; i < live; i++) {
                int seq = order[i];
                for (int j = 0; j < K; j++) {
                    r.seq[seq][r.len[seq]] = cands[i * K + j];
                    tt_t want = tt_reshape(reference_last(m, r.seq[seq], r.len[seq] + 1), (int64_t[]){-1}, 1);
                    tt_t got = tt_reshape(tt_select(tt_select(scored, 0, i), 0, j), (int64_t[]){-1}, 1);
                    worst_cand = fmax(worst_cand, max_diff(got, want));
                }
                chosen[i] = (int64_t)rgtg_rng_below(&rng, K);
                r.seq[seq][r.len[seq]++] = cands[i * K + chosen[i]];
            }
            if (rgtg_kv_cache_commit(cache, chosen) != RGTG_OK) check(false, rgtg_error_message(), 0);
            /* the next output comes from an append of one more token */
        }
        for (int i = 0; i < live; i++) {
            next[i] = 4 + (int64_t)rgtg_rng_below(&rng, (uint64_t)(V - 4));
            r.seq[order[i]][r.len[order[i]]++] = next[i];
        }
        tt_t appended = rgtg_model_append(m, cache, tt_from_host(next, (int64_t[]){live}, 1, TT_I64, TT_CPU));
        if (step % 5 == 2) {
            for (int i = 0; i < live; i++)
                worst_commit = fmax(worst_commit, max_diff(tt_select(appended, 0, i),
                                    tt_reshape(reference_last(m, r.seq[order[i]], r.len[order[i]]), (int64_t[]){-1}, 1)));
        }
        if (step == 20) {
            /* reorder and drop: keep rows 2 and 0 (in that order) */
            int64_t keep[2] = {2, 0};
            if (rgtg_kv_cache_select_rows(cache, keep, 2) != RGTG_OK) check(false, rgtg_error_message(), 0);
            appended = tt_index_select(appended, 0, tt_from_host(keep, (int64_t[]){2}, 1, TT_I64, TT_CPU));
            int new_order[2] = {order[2], order[0]};
            order[0] = new_order[0], order[1] = new_order[1];
            live = 2;
        }
        tt_t kept = tt_keep(tt_clone(appended));
        tt_arena_release(mark);
        static tt_t previous;
        tt_free(previous);
        previous = kept;
        out = kept;
    }
    char what[160];
    snprintf(what, sizeof what, "%s: prefill vs full forward (max abs diff)", name);
    check(worst_prefill < TOL, what, worst_prefill);
    snprintf(what, sizeof what, "%s: %d appends vs full forward", name, STEPS);
    check(worst_append < TOL, what, worst_append);
    snprintf(what, sizeof what, "%s: candidate scoring vs each candidate alone", name);
    check(worst_cand < TOL, what, worst_cand);
    snprintf(what, sizeof what, "%s: append after a commit vs full forward", name);
    check(worst_commit < TOL, what, worst_commit);
    snprintf(what, sizeof what, "%s: arena does not grow over the loop (handles)", name);
    check(tt_arena_size() <= arena_at_start + 1, what, (double)tt_arena_size() - (double)arena_at_start);
    rgtg_kv_cache_free(cache);
}

/* The engine: the same tokens from the cached path and the no-cache reference. */
static void engine_cached_vs_reference(const rgtg_model_t *lm, const rgtg_model_t *rm, const char *method) {
    int32_t p0[] = {5, 6, 7, 8}, p1[] = {9, 10}, p2[] = {11, 12, 13, 14, 15, 16}, p3[] = {17};
    const int32_t *prompts[] = {p0, p1, p2, p3};
    int64_t lengths[] = {4, 2, 6, 1};
    rgtg_method_t s;
    rgtg_status_t made = rgtg_method_init(method, &s);
    if (made == RGTG_OK) made = rgtg_method_set(&s, "k", 8);
    if (made == RGTG_OK && rgtg_method_param_index(s.def, "beta") >= 0) made = rgtg_method_set(&s, "beta", 2.0);
    if (made != RGTG_OK) check(false, rgtg_error_message(), 0);
    rgtg_decode_params_t p = rgtg_decode_default_params();
    p.max_new_tokens = 20, p.batch_size = 3, p.eos_id = 2, p.seed = 11;
    rgtg_decoded_t a[4], b[4];
    p.use_cache = true;
    rgtg_status_t st = rgtg_decode(lm, rm, &s, &p, prompts, lengths, 4, a);
    p.use_cache = false;
    if (st == RGTG_OK) st = rgtg_decode(lm, rm, &s, &p, prompts, lengths, 4, b);
    bool same = st == RGTG_OK;
    int64_t total = 0;
    for (int i = 0; same && i < 4; i++) {
        same = a[i].count == b[i].count && !memcmp(a[i].tokens, b[i].tokens, sizeof(int32_t) * (size_t)a[i].count);
        total += a[i].count;
    }
    char what[160];
    snprintf(what, sizeof what, "engine %s: cached tokens == no-cache tokens (tokens compared)", method);
    check(same && total > 0, what, (double)total);
    if (st != RGTG_OK) printf("     %s\n", rgtg_error_message());
    for (int i = 0; st == RGTG_OK && i < 4; i++) rgtg_decoded_free(&a[i]), rgtg_decoded_free(&b[i]);
}

int main(void) {
    tt_set_num_threads(1);
    rgtg_model_config_t c = rgtg_model_config_default();
    c.vocab_size = 64, c.hidden_size = 32, c.intermediate_size = 64, c.num_hidden_layers = 2;
    c.num_attention_heads = 4, c.num_key_value_heads = 2, c.tie_word_embeddings = true;
    rgtg_model_t *lm_gqa, *lm_mha, *rm;
    rgtg_status_t st = rgtg_model_create(&c, 3, TT_CPU, &lm_gqa);
    c.num_key_value_heads = 4, c.tie_word_embeddings = false;
    if (st == RGTG_OK) st = rgtg_model_create(&c, 4, TT_CPU, &lm_mha);
    c.head = RGTG_HEAD_SCORE, c.num_key_value_heads = 1;
    if (st == RGTG_OK) st = rgtg_model_create(&c, 5, TT_CPU, &rm);
    if (st != RGTG_OK) {
        printf("FAIL model create: %s\n", rgtg_error_message());
        return 1;
    }
    /* larger weights than the init, so that attention is far from uniform and mistakes show */
    tt_set_grad_enabled(false);
    rgtg_model_t *all[3] = {lm_gqa, lm_mha, rm};
    for (int i = 0; i < 3; i++)
        for (int p = 0; p < rgtg_model_tensor_count(all[i]); p++)
            if (tt_ndim(rgtg_model_tensor(all[i], p)) == 2) tt_mul_scalar_(rgtg_model_tensor(all[i], p), 8.0);
    cache_vs_reference(lm_gqa, "lm gqa tied");
    cache_vs_reference(lm_mha, "lm mha");
    cache_vs_reference(rm, "rm one kv head");
    engine_cached_vs_reference(lm_gqa, NULL, "topk");
    engine_cached_vs_reference(lm_gqa, rm, "pargs");
    engine_cached_vs_reference(lm_mha, rm, "pargs-greedy");

    /* bad inputs give errors, not crashes */
    rgtg_kv_cache_t *cache;
    rgtg_kv_cache_create(lm_gqa, 2, 4, &cache);
    int64_t chosen[2] = {0, 0};
    check(rgtg_kv_cache_commit(cache, chosen) != RGTG_OK, "commit without scoring is refused", 0);
    rgtg_error_clear();
    int64_t bad_rows[1] = {5};
    check(rgtg_kv_cache_select_rows(cache, bad_rows, 1) != RGTG_OK, "selecting a row out of range is refused", 0);
    rgtg_error_clear();
    int64_t ids[10] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4};
    tt_t too_long = rgtg_model_prefill(lm_gqa, cache, tt_from_host(ids, (int64_t[]){2, 5}, 2, TT_I64, TT_CPU),
                                       tt_from_host(ids, (int64_t[]){2, 5}, 2, TT_I64, TT_CPU));
    check(too_long == NULL && strstr(rgtg_error_message(), "full"), "prefill beyond capacity is refused", 0);
    rgtg_error_clear();
    rgtg_kv_cache_free(cache);
    rgtg_model_free(lm_gqa);
    rgtg_model_free(lm_mha);
    rgtg_model_free(rm);
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
