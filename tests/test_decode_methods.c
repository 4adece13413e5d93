/* tests/test_decode_methods.c: the decoding methods and the engine's guarantees on small random
 * models: every invalid parameter refused with its name; choose refuses NaN and +inf weights instead
 * of picking a candidate; beta = 0 PARGS draws topk's tokens; CD-FUDGE with a model in the value slot
 * draws PARGS's tokens with it in the guide slot; the tokens (and work counters) do not depend on the
 * batch size; the counters count what each path does; a NaN reaching a step's weights stops the run
 * naming the prompt and the step; Best-of-N keeps the sample whose reward, recomputed by a full
 * forward of that sequence alone, is the largest; non-finite parameters and prompts too long for the
 * positions are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/rng.h"
#include "../decode/checks.h"
#include "../decode/engine.h"
#include "../decode/outputs.h"
#include "check.h"

#define PROMPTS 19
#define MAX_NEW 14

static int32_t prompt_ids[PROMPTS][12];
static int64_t prompt_lengths[PROMPTS];
static const int32_t *prompt_ptrs[PROMPTS];

static void make_prompts(void) {
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, 3, 9);
    for (int i = 0; i < PROMPTS; i++) {
        prompt_lengths[i] = 1 + (int64_t)rgtg_rng_below(&rng, 11);
        for (int64_t t = 0; t < prompt_lengths[i]; t++) prompt_ids[i][t] = 4 + (int32_t)rgtg_rng_below(&rng, 60);
        prompt_ptrs[i] = prompt_ids[i];
    }
}

static rgtg_method_t method(const char *name, double k, double beta, double temperature) {
    rgtg_method_t m = {0};
    CHECK_OK(rgtg_method_init(name, &m));
    if (rgtg_method_param_index(m.def, "k") >= 0) CHECK_OK(rgtg_method_set(&m, "k", k));
    if (rgtg_method_param_index(m.def, "beta") >= 0) CHECK_OK(rgtg_method_set(&m, "beta", beta));
    if (rgtg_method_param_index(m.def, "temperature") >= 0) CHECK_OK(rgtg_method_set(&m, "temperature", temperature));
    return m;
}

static rgtg_decode_params_t params(int batch, bool cache) {
    rgtg_decode_params_t p = rgtg_decode_default_params();
    p.max_new_tokens = MAX_NEW, p.batch_size = batch, p.eos_id = 2, p.bos_id = 1, p.seed = 21, p.use_cache = cache;
    return p;
}

/* Decodes every prompt; out must hold PROMPTS rows. */
static bool run(const rgtg_model_t *lm, const rgtg_model_t *guide, const rgtg_method_t *m, const rgtg_decode_params_t *p,
                rgtg_decoded_t *out) {
    rgtg_status_t st = rgtg_decode(lm, guide, m, p, prompt_ptrs, prompt_lengths, PROMPTS, out);
    if (st != RGTG_OK) {
        fprintf(stderr, "decode failed: %s\n", rgtg_error_message());
        rgtg_error_clear();
        failures++;
    }
    return st == RGTG_OK;
}

static bool same_tokens(const rgtg_decoded_t *a, const rgtg_decoded_t *b, bool counters) {
    for (int i = 0; i < PROMPTS; i++) {
        if (a[i].count != b[i].count || memcmp(a[i].tokens, b[i].tokens, sizeof(int32_t) * (size_t)a[i].count)) return false;
        if (counters && (a[i].lm_forwards != b[i].lm_forwards || a[i].rm_forwards != b[i].rm_forwards ||
                         a[i].candidates_scored != b[i].candidates_scored))
            return false;
    }
    return true;
}

static int64_t total_tokens(const rgtg_decoded_t *a) {
    int64_t n = 0;
    for (int i = 0; i < PROMPTS; i++) n += a[i].count;
    return n;
}

static void free_rows(rgtg_decoded_t *a) {
    for (int i = 0; i < PROMPTS; i++) rgtg_decoded_free(&a[i]);
}

static void test_parameters(void) {
    rgtg_method_t m;
    struct { const char *method, *param, *text, *message; } bad[] = {
        {"pargs", "beta", "nan", "method pargs: beta must be a finite number"},
        {"pargs", "beta", "inf", "method pargs: beta must be a finite number"},
        {"topk", "k", "0", "method topk: k must be in [1, inf) (got 0)"},
        {"topk", "k", "2.5", "method topk: k must be an integer"},
        {"topp", "p", "0", "method topp: p must be in (0, 1] (got 0)"},
        {"topp", "p", "1.5", "method topp: p must be in (0, 1] (got 1.5)"},
        {"cd", "temperature", "0", "method cd: temperature must be in (0, inf) (got 0)"},
        {"bon", "best_of", "0", "method bon: best_of must be in [1, 65536] (got 0)"},
        {"args", "k", "ten", "method args: k must be a number (got 'ten')"},
        {"topk", "beta", "1", "method topk has no parameter 'beta' (its parameters: k, temperature)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_OK(rgtg_method_init(bad[i].method, &m));
        rgtg_error_clear();
        CHECK_MSG(rgtg_method_set_text(&m, bad[i].param, bad[i].text) == RGTG_ERR_INVALID, "%s %s=%s accepted",
                  bad[i].method, bad[i].param, bad[i].text);
        CHECK_MSG(strstr(rgtg_error_message(), bad[i].message), "message '%s' lacks '%s'", rgtg_error_message(),
                  bad[i].message);
        rgtg_error_clear();
    }
    CHECK(rgtg_method_init("nucleus", &m) == RGTG_ERR_INVALID && strstr(rgtg_error_message(), "known: topk, topp"));
    rgtg_error_clear();
    CHECK_OK(rgtg_method_init("topp", &m));
    CHECK_OK(rgtg_method_set(&m, "p", 1.0)); /* the closed end */
    char *help = rgtg_method_help();
    for (int i = 0; i < rgtg_method_count(); i++)
        CHECK_MSG(help && strstr(help, rgtg_method_at(i)->name), "--help lacks %s", rgtg_method_at(i)->name);
    CHECK(help && strstr(help, "--best-of"));
    free(help);
}

static void test_choose_refuses_non_finite(void) {
    int64_t chosen[2] = {7, 7};
    double uniform[2] = {0.5, 0.999};
    float nan_row[6] = {-1, -2, -3, -1, NAN, -2};
    CHECK(rgtg_choose_sample(nan_row, 2, 3, 1.0, uniform, chosen) == RGTG_ERR_NUMERIC && chosen[1] == -1);
    CHECK(strstr(rgtg_error_message(), "candidate 1 is NaN"));
    rgtg_error_clear();
    float inf_row[3] = {-1, INFINITY, -2};
    CHECK(rgtg_choose_best(inf_row, 1, 3, chosen) == RGTG_ERR_NUMERIC && strstr(rgtg_error_message(), "infinite"));
    rgtg_error_clear();
    float excluded[3] = {-INFINITY, -INFINITY, -INFINITY};
    CHECK(rgtg_choose_sample(excluded, 1, 3, 1.0, uniform, chosen) == RGTG_ERR_NUMERIC);
    rgtg_error_clear();
    /* the last candidate is picked only as the CDF says: here mass {0.5, 0.5, 0} */
    float w[3] = {0, 0, -INFINITY};
    double u[1] = {0.999999};
    CHECK_OK(rgtg_choose_sample(w, 1, 3, 1.0, u, chosen));
    CHECK_MSG(chosen[0] == 1, "u near 1 picked %lld, not the last non-excluded candidate", (long long)chosen[0]);
    float best[4] = {0.5f, 2.0f, 2.0f, -1.0f};
    CHECK_OK(rgtg_choose_best(best, 1, 4, chosen));
    CHECK(chosen[0] == 1);
}

/* A method whose weights are NaN for the second row from the third step on. */
static void weigh_nan(const rgtg_method_t *self, const float *logprob, const float *score, int64_t rows, int64_t k,
                      float *weights) {
    static int calls;
    rgtg_weigh_lm(self, logprob, score, rows, k, weights);
    if (++calls >= 3 && rows > 1) weights[k + 1] = NAN;
}

static void test_engine(const rgtg_model_t *lm, const rgtg_model_t *rm) {
    rgtg_decoded_t a[PROMPTS], b[PROMPTS];
    rgtg_decode_params_t p1 = params(1, true), p16 = params(16, true), ref = params(4, false);

    rgtg_method_t pargs = method("pargs", 6, 1.7, 0.9), topk = method("topk", 6, 0, 0.9);
    rgtg_method_t pargs0 = method("pargs", 6, 0.0, 0.9), cd = method("cd", 6, 1.7, 0.9);
    if (run(lm, rm, &pargs, &p1, a) && run(lm, rm, &pargs, &p16, b)) {
        CHECK_MSG(same_tokens(a, b, true) && total_tokens(a) > PROMPTS, "pargs: batch 1 != batch 16 (%lld tokens)",
                  (long long)total_tokens(a));
        bool counters = true;
        for (int i = 0; i < PROMPTS; i++)
            counters &= a[i].lm_forwards == a[i].count && a[i].rm_forwards == a[i].count + 1 &&
                        a[i].candidates_scored == 6 * a[i].count;
        CHECK_MSG(counters, "cached counters: LM = tokens, RM = tokens + 1 (prefill), candidates = 6 x tokens");
        free_rows(b);
        if (run(lm, rm, &pargs, &ref, b)) {
            CHECK_MSG(same_tokens(a, b, false), "pargs: cached != no-cache reference");
            bool counters_ref = true;
            for (int i = 0; i < PROMPTS; i++)
                counters_ref &= b[i].lm_forwards == b[i].count && b[i].rm_forwards == 6 * b[i].count;
            CHECK_MSG(counters_ref, "no-cache counters: one LM forward and 6 RM forwards per token");
            free_rows(b);
        }
        if (run(lm, rm, &cd, &p16, b)) {
            CHECK_MSG(same_tokens(a, b, true), "cd with the model as value != pargs with it as guide");
            free_rows(b);
        }
        free_rows(a);
    }
    if (run(lm, rm, &pargs0, &p16, a) && run(lm, NULL, &topk, &p1, b)) {
        CHECK_MSG(same_tokens(a, b, false), "pargs with beta 0 != topk");
        free_rows(a), free_rows(b);
    }
    rgtg_method_t greedy = method("greedy", 1, 0, 1), topp = method("topp", 1, 0, 1.3);
    CHECK_OK(rgtg_method_set(&topp, "p", 0.7));
    const rgtg_method_t *unguided[2] = {&greedy, &topp};
    for (int u = 0; u < 2; u++)
        if (run(lm, NULL, unguided[u], &p1, a) && run(lm, NULL, unguided[u], &p16, b)) {
            CHECK_MSG(same_tokens(a, b, true), "%s: batch 1 != batch 16", unguided[u]->def->name);
            free_rows(a), free_rows(b);
        }

    /* misuse is refused before decoding */
    CHECK(rgtg_decode(lm, NULL, &pargs, &p16, prompt_ptrs, prompt_lengths, PROMPTS, a) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    CHECK(rgtg_decode(rm, NULL, &topk, &p16, prompt_ptrs, prompt_lengths, PROMPTS, a) == RGTG_ERR_INVALID &&
          strstr(rgtg_error_message(), "score head"));
    rgtg_error_clear();
    rgtg_decode_params_t long_run = params(4, true);
    long_run.max_new_tokens = 60; /* 1 + 11 + 60 > 64 positions */
    CHECK(rgtg_decode(lm, NULL, &topk, &long_run, prompt_ptrs, prompt_lengths, PROMPTS, a) == RGTG_ERR_INVALID &&
          strstr(rgtg_error_message(), "beyond the 64 (max_position_embeddings)"));
    rgtg_error_clear();

    /* a NaN in a step's weights stops the run, naming the prompt and the step */
    rgtg_method_def_t nan_def = *topk.def;
    nan_def.weigh = weigh_nan;
    rgtg_method_t nan_method = topk;
    nan_method.def = &nan_def;
    int64_t ids[PROMPTS];
    for (int i = 0; i < PROMPTS; i++) ids[i] = 100 + i;
    rgtg_decode_params_t named = params(4, true);
    named.ids = ids, named.eos_id = -1;
    rgtg_status_t st = rgtg_decode(lm, NULL, &nan_method, &named, prompt_ptrs, prompt_lengths, PROMPTS, a);
    CHECK_MSG(st == RGTG_ERR_NUMERIC && strstr(rgtg_error_message(), "prompt id 101, step 2") &&
              strstr(rgtg_error_message(), "NaN"), "NaN weights: %s", rgtg_error_message());
    rgtg_error_clear();
}

/* Best-of-N: the kept sample's reward, recomputed by a forward of BOS + prompt + response alone, is
 * the largest of its N. */
static void test_best_of(const rgtg_model_t *lm, const rgtg_model_t *rm) {
    enum { N = 5, OUTPUTS = 3 };
    const int32_t *prompts[OUTPUTS * N];
    int64_t lengths[OUTPUTS * N];
    uint64_t streams[OUTPUTS * N];
    for (int i = 0; i < OUTPUTS * N; i++) prompts[i] = prompt_ptrs[i / N], lengths[i] = prompt_lengths[i / N], streams[i] = i;
    rgtg_method_t bon = method("bon", 8, 0, 1.0);
    CHECK_OK(rgtg_method_set(&bon, "best_of", N));
    rgtg_decode_params_t p = params(7, true);
    p.streams = streams;
    rgtg_decoded_t rows[OUTPUTS * N];
    rgtg_decode_output_t outputs[OUTPUTS];
    memset(outputs, 0, sizeof outputs);
    if (rgtg_decode(lm, NULL, &bon, &p, prompts, lengths, OUTPUTS * N, rows) != RGTG_OK) {
        CHECK_OK(rgtg_error_status());
        return;
    }
    float independent[OUTPUTS * N];
    for (int i = 0; i < OUTPUTS * N; i++) {
        int64_t seq[40], n = 0;
        seq[n++] = 1;
        for (int64_t t = 0; t < lengths[i]; t++) seq[n++] = prompts[i][t];
        for (int64_t t = 0; t < rows[i].count; t++) seq[n++] = rows[i].tokens[t];
        size_t mark = tt_arena_mark();
        tt_t r = rgtg_model_forward(rm, tt_from_host(seq, (int64_t[]){1, n}, 2, TT_I64, TT_CPU), NULL);
        int64_t at = n - 1; /* transformers' position: the last token that is not the pad id (3) */
        while (at > 0 && seq[at] == 3) at--;
        independent[i] = (float)tt_item(tt_select(tt_select(r, 0, 0), 0, at));
        tt_arena_release(mark);
    }
    int32_t kept_tokens[OUTPUTS][MAX_NEW];
    int64_t counts[OUTPUTS * N], lm_total[OUTPUTS] = {0};
    for (int i = 0; i < OUTPUTS * N; i++) {
        counts[i] = rows[i].count;
        lm_total[i / N] += rows[i].lm_forwards;
    }
    int32_t copies[OUTPUTS * N][MAX_NEW];
    for (int i = 0; i < OUTPUTS * N; i++) memcpy(copies[i], rows[i].tokens, sizeof(int32_t) * (size_t)rows[i].count);
    CHECK_OK(rgtg_decode_best_of(rm, rows, N, prompt_ptrs, prompt_lengths, OUTPUTS, outputs));
    for (int o = 0; o < OUTPUTS; o++) {
        int best = 0;
        for (int j = 0; j < N; j++) {
            CHECK_MSG(fabs(outputs[o].bon_rewards[j] - independent[o * N + j]) < 1e-4, "output %d sample %d reward %g vs %g", o,
                      j, outputs[o].bon_rewards[j], independent[o * N + j]);
            if (independent[o * N + j] > independent[o * N + best]) best = j;
        }
        CHECK_MSG(outputs[o].bon_kept == best, "output %d kept %lld, the best is %d", o, (long long)outputs[o].bon_kept, best);
        memcpy(kept_tokens[o], copies[o * N + best], sizeof(int32_t) * (size_t)counts[o * N + best]);
        CHECK(outputs[o].kept.count == counts[o * N + best] &&
              !memcmp(outputs[o].kept.tokens, kept_tokens[o], sizeof(int32_t) * (size_t)counts[o * N + best]));
        CHECK(outputs[o].kept.lm_forwards == lm_total[o] && outputs[o].kept.rm_forwards == N);
    }
    for (int i = 0; i < OUTPUTS * N; i++) rgtg_decoded_free(&rows[i]);
    for (int o = 0; o < OUTPUTS; o++) rgtg_decoded_free(&outputs[o].kept), free(outputs[o].bon_rewards);
}

static void test_finite_parameters(rgtg_model_t *rm) {
    tt_t norm = rgtg_model_param(rm, "model.layers.1.post_attention_layernorm.weight");
    CHECK_OK(rgtg_decode_check_finite(rm, "RM"));
    tt_fill_(norm, NAN);
    CHECK(rgtg_decode_check_finite(rm, "RM") == RGTG_ERR_NUMERIC &&
          !strcmp(rgtg_error_message(), "RM: tensor 'model.layers.1.post_attention_layernorm.weight' holds NaN or infinite values"));
    rgtg_error_clear();
}

int main(void) {
    tt_set_num_threads(1);
    make_prompts();
    rgtg_model_config_t c = rgtg_model_config_default();
    c.vocab_size = 64, c.hidden_size = 32, c.intermediate_size = 64, c.num_hidden_layers = 2;
    c.num_attention_heads = 4, c.num_key_value_heads = 2, c.max_position_embeddings = 64;
    c.bos_token_id = 1, c.eos_token_id = 2;
    rgtg_model_t *lm = NULL, *rm = NULL;
    CHECK_OK(rgtg_model_create(&c, 31, TT_CPU, &lm));
    c.head = RGTG_HEAD_SCORE;
    CHECK_OK(rgtg_model_create(&c, 32, TT_CPU, &rm));
    if (!lm || !rm) return check_summary("test_decode_methods");
    /* larger weights than the init: peaked distributions and rewards that matter */
    tt_set_grad_enabled(false);
    rgtg_model_t *both[2] = {lm, rm};
    for (int m = 0; m < 2; m++)
        for (int p = 0; p < rgtg_model_tensor_count(both[m]); p++)
            if (tt_ndim(rgtg_model_tensor(both[m], p)) == 2) tt_mul_scalar_(rgtg_model_tensor(both[m], p), 6.0);
    test_parameters();
    test_choose_refuses_non_finite();
    test_engine(lm, rm);
    test_best_of(lm, rm);
    test_finite_parameters(rm);
    rgtg_model_free(lm);
    rgtg_model_free(rm);
    return check_summary("test_decode_methods");
}
