/* tests/test_model_arch.c: what the checkpoints of issue 12 need beyond plain LLaMA, end to end on
 * small random models: every EOS id of a Llama-3-style config (config.json's list, and
 * generation_config.json's joined to it) ends a decoded row, where the first id alone would not;
 * embedding rows beyond the tokenizer's vocabulary are never drawn by any method (their candidates
 * carry log-probability -inf), where without the mask they are; Qwen2 biases, an explicit head_dim and
 * llama3 rope scaling decode the same tokens through the KV cache as through the from-scratch
 * reference (LM and guide); such a model saves and loads back, and a checkpoint lacking a bias its
 * config implies is refused naming it; sliding-window attention is refused past the window. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/hf_config.h"
#include "../core/model.h"
#include "../decode/engine.h"
#include "check.h"

#define VOCAB 64
#define PROMPTS 6
#define MAX_NEW 16

static int32_t prompt_ids[PROMPTS][6];
static int64_t prompt_lengths[PROMPTS];
static const int32_t *prompt_ptrs[PROMPTS];
static char scratch[256];

static void make_prompts(void) {
    for (int i = 0; i < PROMPTS; i++) {
        prompt_lengths[i] = 2 + i % 4;
        for (int64_t t = 0; t < prompt_lengths[i]; t++) prompt_ids[i][t] = 4 + (int32_t)((i * 13 + t * 7) % 40);
        prompt_ptrs[i] = prompt_ids[i];
    }
}

static rgtg_model_config_t tiny_config(void) {
    rgtg_model_config_t c = rgtg_model_config_default();
    c.vocab_size = VOCAB, c.hidden_size = 32, c.intermediate_size = 64, c.num_hidden_layers = 2;
    c.num_attention_heads = 4, c.num_key_value_heads = 2, c.max_position_embeddings = 64;
    c.bos_token_id = 1, c.eos_token_id = 2, c.pad_token_id = 3;
    return c;
}

/* A model with peaked distributions (matrices x6) and, when it has them, non-zero biases. */
static rgtg_model_t *make_model(const rgtg_model_config_t *c, uint64_t seed) {
    rgtg_model_t *m = NULL;
    CHECK_OK(rgtg_model_create(c, seed, TT_CPU, &m));
    if (!m) return NULL;
    bool grad = tt_set_grad_enabled(false);
    for (int p = 0; p < rgtg_model_tensor_count(m); p++) {
        tt_t t = rgtg_model_tensor(m, p);
        if (tt_ndim(t) == 2) CHECK_OK(tt_mul_scalar_(t, 6.0));
        if (strstr(rgtg_model_tensor_name(m, p), ".bias")) /* a ramp: biases that matter */
            CHECK_OK(tt_copy_(t, tt_mul_scalar(tt_sin(tt_to(tt_arange(0, tt_size(t, 0), TT_I64, TT_CPU), TT_F32, TT_CPU)),
                                               0.7)));
    }
    tt_set_grad_enabled(grad);
    return m;
}

static rgtg_method_t method(const char *name, double k, double beta) {
    rgtg_method_t m = {0};
    CHECK_OK(rgtg_method_init(name, &m));
    if (rgtg_method_param_index(m.def, "k") >= 0) CHECK_OK(rgtg_method_set(&m, "k", k));
    if (rgtg_method_param_index(m.def, "beta") >= 0) CHECK_OK(rgtg_method_set(&m, "beta", beta));
    return m;
}

static rgtg_decode_params_t params(bool cache) {
    rgtg_decode_params_t p = rgtg_decode_default_params();
    p.max_new_tokens = MAX_NEW, p.batch_size = 4, p.eos_id = -1, p.bos_id = 1, p.seed = 5, p.use_cache = cache;
    return p;
}

static bool decode(const rgtg_model_t *lm, const rgtg_model_t *guide, const rgtg_method_t *m,
                   const rgtg_decode_params_t *p, int64_t count, rgtg_decoded_t *out) {
    rgtg_status_t st = rgtg_decode(lm, guide, m, p, prompt_ptrs, prompt_lengths, count, out);
    CHECK_MSG(st == RGTG_OK, "decode %s: %s", m->def->name, rgtg_error_message());
    rgtg_error_clear();
    return st == RGTG_OK;
}

static void free_rows(rgtg_decoded_t *rows, int64_t n) {
    for (int64_t i = 0; i < n; i++) rgtg_decoded_free(&rows[i]);
}

static bool contains(const int32_t *ids, int64_t n, int32_t id) {
    for (int64_t i = 0; i < n; i++)
        if (ids[i] == id) return true;
    return false;
}

/* ---- stops ---- */

/* Loads dir and decodes prompt 0 greedily with the stops its config (and generation_config.json) set. */
static bool decode_with_model_stops(const char *dir, bool cache, rgtg_decoded_t *row) {
    rgtg_model_t *m = NULL;
    CHECK_OK(rgtg_model_load(dir, TT_CPU, &m));
    if (!m) return false;
    rgtg_method_t greedy = method("greedy", 1, 0);
    rgtg_decode_params_t p = params(cache);
    int32_t stops[1 + RGTG_MAX_EXTRA_EOS];
    rgtg_decode_params_use_model(&p, rgtg_model_config(m), 0, stops);
    bool ok = decode(m, NULL, &greedy, &p, 1, row);
    rgtg_model_free(m);
    return ok;
}

static void test_eos_list(void) {
    rgtg_model_config_t c = tiny_config();
    c.eos_token_id = -1;
    rgtg_model_t *m = make_model(&c, 11);
    if (!m) return;
    /* greedy without stops: the token at the first step s >= 2 not drawn before becomes the second EOS */
    rgtg_method_t greedy = method("greedy", 1, 0);
    rgtg_decode_params_t p = params(true);
    rgtg_decoded_t free_run;
    if (!decode(m, NULL, &greedy, &p, 1, &free_run)) return;
    int64_t s = 2;
    while (s < free_run.count && contains(free_run.tokens, s, free_run.tokens[s])) s++;
    CHECK_MSG(s < free_run.count - 1, "greedy repeats itself from step 2 on; no stop id to pick");
    int32_t second = free_run.tokens[s], first = 4;
    while (contains(free_run.tokens, free_run.count, first)) first++; /* an EOS this row never draws */
    printf("greedy row: %lld tokens; EOS ids [%d, %d], the second drawn at step %lld\n", (long long)free_run.count,
           first, second, (long long)s);

    /* config.json: "eos_token_id": [first, second], as Llama-3.1 ships it */
    char *list_dir = rgtg_path_join(scratch, "eos_list"), *gen_dir = rgtg_path_join(scratch, "eos_generation");
    rgtg_model_config_t listed = c;
    listed.eos_token_id = first, listed.extra_eos_count = 1, listed.extra_eos_token_ids[0] = second;
    rgtg_model_t *saved = NULL;
    CHECK_OK(rgtg_model_create(&listed, 11, TT_CPU, &saved));
    for (int i = 0; saved && i < rgtg_model_tensor_count(saved); i++)
        CHECK_OK(tt_copy_(rgtg_model_tensor(saved, i), rgtg_model_tensor(m, i)));
    if (saved) CHECK_OK(rgtg_model_save(saved, list_dir));
    char *config_text = NULL, *config_path = rgtg_path_join(list_dir, "config.json");
    CHECK_OK(rgtg_read_file(config_path, &config_text, NULL));
    CHECK_MSG(config_text && strstr(config_text, "\"eos_token_id\": ["), "config.json without an EOS list:\n%s", config_text);
    free(config_text), free(config_path);
    for (int cache = 0; cache < 2; cache++) {
        rgtg_decoded_t row;
        if (!decode_with_model_stops(list_dir, cache, &row)) continue;
        CHECK_MSG(row.finished && row.count == s + 1 && !memcmp(row.tokens, free_run.tokens, sizeof(int32_t) * (size_t)(s + 1)),
                  "cache %d: the row did not end at the second EOS id (count %lld, finished %d)", cache,
                  (long long)row.count, row.finished);
        rgtg_decoded_free(&row);
    }
    /* config.json names only the first; generation_config.json lists both: the union stops too */
    rgtg_model_config_t single = c;
    single.eos_token_id = first;
    rgtg_model_free(saved);
    saved = NULL;
    CHECK_OK(rgtg_model_create(&single, 11, TT_CPU, &saved));
    for (int i = 0; saved && i < rgtg_model_tensor_count(saved); i++)
        CHECK_OK(tt_copy_(rgtg_model_tensor(saved, i), rgtg_model_tensor(m, i)));
    if (saved) CHECK_OK(rgtg_model_save(saved, gen_dir));
    rgtg_decoded_t row;
    if (decode_with_model_stops(gen_dir, true, &row)) { /* the first id alone: the row runs past the second */
        CHECK_MSG(!row.finished && row.count == MAX_NEW, "stopped without generation_config.json (count %lld)",
                  (long long)row.count);
        rgtg_decoded_free(&row);
    }
    char *gen_path = rgtg_path_join(gen_dir, RGTG_HF_GENERATION_CONFIG_FILE), text[128];
    snprintf(text, sizeof text, "{\"bos_token_id\": 1, \"eos_token_id\": [%d, %d]}\n", first, second);
    CHECK_OK(rgtg_write_file_atomic(gen_path, text, strlen(text)));
    if (decode_with_model_stops(gen_dir, true, &row)) {
        CHECK_MSG(row.finished && row.count == s + 1, "generation_config.json's EOS did not stop the row (count %lld)",
                  (long long)row.count);
        rgtg_decoded_free(&row);
    }
    /* a generation_config.json naming an id beyond the vocabulary is refused, naming the file */
    snprintf(text, sizeof text, "{\"eos_token_id\": [%d, %d]}\n", first, VOCAB + 5);
    CHECK_OK(rgtg_write_file_atomic(gen_path, text, strlen(text)));
    rgtg_model_t *refused = NULL;
    rgtg_error_clear();
    CHECK(rgtg_model_load(gen_dir, TT_CPU, &refused) == RGTG_ERR_INVALID && !refused &&
          strstr(rgtg_error_message(), gen_path) && strstr(rgtg_error_message(), "eos_token_id 69"));
    rgtg_error_clear();
    free(gen_path), free(list_dir), free(gen_dir);
    rgtg_model_free(saved);
    rgtg_decoded_free(&free_run);
    rgtg_model_free(m);
}

/* ---- vocabulary padding ---- */

#define TOKENS 50 /* the tokenizer's vocabulary: ids 50..63 are embedding rows only */

typedef struct {
    int64_t padded_candidates; /* candidates >= TOKENS with a finite log-probability */
    int64_t padded_chosen;
} padding_seen_t;

static void observe_padding(void *ctx, const rgtg_decode_step_t *step) {
    padding_seen_t *seen = ctx;
    for (int64_t i = 0; i < step->rows * step->k; i++)
        if (step->cand_ids[i] >= TOKENS && isfinite(step->logprob[i])) seen->padded_candidates++;
    for (int64_t r = 0; r < step->rows; r++)
        if (step->cand_ids[r * step->k + step->chosen[r]] >= TOKENS) seen->padded_chosen++;
}

static void test_vocab_padding(void) {
    rgtg_model_config_t c = tiny_config();
    c.eos_token_id = -1;
    rgtg_model_t *lm = make_model(&c, 21);
    c.head = RGTG_HEAD_SCORE;
    rgtg_model_t *rm = make_model(&c, 22);
    if (!lm || !rm) return;
    /* the padded rows get larger weights: unmasked, the LM likes them */
    bool grad = tt_set_grad_enabled(false);
    CHECK_OK(tt_mul_scalar_(tt_narrow(rgtg_model_param(lm, "lm_head.weight"), 0, TOKENS, VOCAB - TOKENS), 2.0));
    tt_set_grad_enabled(grad);
    struct {
        const char *name;
        double k;
        bool guided;
    } methods[] = {{"greedy", 1, false}, {"topk", 10, false}, {"topp", 0, false}, {"pargs", 8, true},
                   {"args-greedy", 8, true}};
    int64_t unmasked_padded = 0;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        rgtg_method_t m = method(methods[i].name, methods[i].k, 2.0);
        if (!strcmp(methods[i].name, "topp")) CHECK_OK(rgtg_method_set(&m, "p", 0.95));
        for (int masked = 0; masked < 2; masked++) {
            padding_seen_t seen = {0};
            rgtg_decode_params_t p = params(true);
            p.token_count = masked ? TOKENS : 0, p.observe = observe_padding, p.observe_ctx = &seen;
            rgtg_decoded_t rows[PROMPTS];
            if (!decode(lm, methods[i].guided ? rm : NULL, &m, &p, PROMPTS, rows)) continue;
            int64_t drawn = 0;
            for (int r = 0; r < PROMPTS; r++)
                for (int64_t t = 0; t < rows[r].count; t++) drawn += rows[r].tokens[t] >= TOKENS;
            printf("%-12s %-8s padded ids drawn %lld, padded candidates with finite log-probability %lld\n",
                   methods[i].name, masked ? "masked" : "unmasked", (long long)drawn, (long long)seen.padded_candidates);
            if (masked) CHECK_MSG(drawn == 0 && seen.padded_chosen == 0 && seen.padded_candidates == 0,
                                  "%s drew an id the tokenizer cannot decode", methods[i].name);
            else unmasked_padded += drawn;
            free_rows(rows, PROMPTS);
        }
    }
    CHECK_MSG(unmasked_padded > 0, "without the mask no padded id was drawn: the test shows nothing");
    /* a tokenizer larger than the embedding is refused */
    rgtg_method_t greedy = method("greedy", 1, 0);
    rgtg_decode_params_t p = params(true);
    p.token_count = VOCAB + 1;
    rgtg_decoded_t rows[1];
    rgtg_error_clear();
    CHECK(rgtg_decode(lm, NULL, &greedy, &p, prompt_ptrs, prompt_lengths, 1, rows) == RGTG_ERR_INVALID &&
          strstr(rgtg_error_message(), "the tokenizer has 65 tokens, more than the language model's 64 embedding rows"));
    rgtg_error_clear();
    rgtg_model_free(lm);
    rgtg_model_free(rm);
}

/* ---- Qwen2 / explicit head_dim / llama3 rope through the cache ---- */

static void test_cached_architectures(void) {
    rgtg_model_config_t c = tiny_config();
    c.arch = RGTG_ARCH_QWEN2, c.qkv_bias = true, c.head_dim = 12; /* 32 / 4 = 8 */
    c.rope_scaling = (rgtg_rope_scaling_t){RGTG_ROPE_LLAMA3, 4.0, 1.0, 4.0, 16};
    rgtg_model_t *lm = make_model(&c, 31);
    rgtg_model_config_t g = c;
    g.arch = RGTG_ARCH_LLAMA, g.o_proj_bias = true, g.head = RGTG_HEAD_SCORE, g.head_dim = 0;
    g.rope_scaling = (rgtg_rope_scaling_t){RGTG_ROPE_LINEAR, 2.0, 0, 0, 0};
    rgtg_model_t *guide = make_model(&g, 32);
    if (!lm || !guide) return;
    CHECK(rgtg_model_param(lm, "model.layers.1.self_attn.k_proj.bias") && !rgtg_model_param(lm, "model.layers.1.self_attn.o_proj.bias"));
    CHECK(tt_size(rgtg_model_param(lm, "model.layers.0.self_attn.q_proj.weight"), 0) == 48 &&
          tt_size(rgtg_model_param(lm, "model.layers.0.self_attn.o_proj.weight"), 1) == 48);
    const char *names[2] = {"topk", "pargs"};
    for (int i = 0; i < 2; i++) {
        rgtg_method_t m = method(names[i], 6, 1.5);
        rgtg_decoded_t cached[PROMPTS], reference[PROMPTS];
        rgtg_decode_params_t pc = params(true), pr = params(false);
        bool ok = decode(lm, i ? guide : NULL, &m, &pc, PROMPTS, cached);
        if (ok && decode(lm, i ? guide : NULL, &m, &pr, PROMPTS, reference)) {
            bool same = true;
            for (int r = 0; r < PROMPTS; r++)
                same &= cached[r].count == reference[r].count &&
                        !memcmp(cached[r].tokens, reference[r].tokens, sizeof(int32_t) * (size_t)cached[r].count);
            CHECK_MSG(same, "%s: cached and from-scratch decoding differ with biases, head_dim 12 and rope scaling",
                      names[i]);
            free_rows(reference, PROMPTS);
        }
        if (ok) free_rows(cached, PROMPTS);
    }
    /* save and load back: the same outputs; the config says qwen2, with its q/k/v biases */
    char *dir = rgtg_path_join(scratch, "qwen2");
    CHECK_OK(rgtg_model_save(lm, dir));
    rgtg_model_t *back = NULL;
    CHECK_OK(rgtg_model_load(dir, TT_CPU, &back));
    if (back) {
        const rgtg_model_config_t *b = rgtg_model_config(back);
        CHECK(b->arch == RGTG_ARCH_QWEN2 && b->qkv_bias && !b->o_proj_bias && b->head_dim == 12 &&
              b->rope_scaling.type == RGTG_ROPE_LLAMA3 && b->rope_scaling.original_max_position_embeddings == 16);
        size_t mark = tt_arena_mark();
        int64_t ids[5] = {1, 5, 9, 20, 7};
        tt_t x = tt_from_host(ids, (int64_t[]){1, 5}, 2, TT_I64, TT_CPU);
        double diff = tt_item(tt_max_dim(tt_reshape(tt_abs(tt_sub(rgtg_model_forward(lm, x, NULL), rgtg_model_forward(back, x, NULL))),
                                                    (int64_t[]){-1}, 1), 0, false, NULL));
        CHECK_MSG(diff == 0, "loaded model differs by %g", diff);
        tt_arena_release(mark);
        rgtg_model_free(back);
    }
    /* a LLaMA checkpoint under a config that says Qwen2: the biases it implies are missing */
    rgtg_model_config_t plain = tiny_config();
    rgtg_model_t *llama = make_model(&plain, 33);
    char *plain_dir = rgtg_path_join(scratch, "plain"), *config_path = rgtg_path_join(plain_dir, "config.json");
    if (llama) CHECK_OK(rgtg_model_save(llama, plain_dir));
    plain.arch = RGTG_ARCH_QWEN2, plain.qkv_bias = true;
    CHECK_OK(rgtg_hf_config_write(config_path, &plain));
    rgtg_error_clear();
    CHECK(rgtg_model_load(plain_dir, TT_CPU, &back) == RGTG_ERR_FORMAT &&
          strstr(rgtg_error_message(), "tensor 'model.layers.0.self_attn.q_proj.bias' is missing"));
    rgtg_error_clear();
    free(plain_dir), free(config_path), free(dir);
    rgtg_model_free(llama);
    rgtg_model_free(lm);
    rgtg_model_free(guide);
}

/* ---- sliding windows ---- */

static void test_sliding_window(void) {
    rgtg_model_config_t c = tiny_config();
    c.arch = RGTG_ARCH_MISTRAL, c.sliding_window = 8;
    rgtg_model_t *m = make_model(&c, 41);
    if (!m) return;
    size_t mark = tt_arena_mark();
    int64_t ids[9] = {1, 4, 5, 6, 7, 8, 9, 10, 11};
    rgtg_error_clear();
    CHECK(rgtg_model_forward(m, tt_from_host(ids, (int64_t[]){1, 8}, 2, TT_I64, TT_CPU), NULL) != NULL);
    CHECK(rgtg_model_forward(m, tt_from_host(ids, (int64_t[]){1, 9}, 2, TT_I64, TT_CPU), NULL) == NULL &&
          strstr(rgtg_error_message(), "sliding-window attention over 8 tokens") &&
          strstr(rgtg_error_message(), "spans 9 positions"));
    tt_arena_release(mark);
    rgtg_error_clear();
    rgtg_kv_cache_t *cache = NULL;
    CHECK(rgtg_kv_cache_create(m, 2, 9, &cache) == RGTG_ERR_UNSUPPORTED && !cache);
    rgtg_error_clear();
    rgtg_method_t greedy = method("greedy", 1, 0);
    rgtg_decode_params_t p = params(true);
    p.max_new_tokens = 6; /* prompt 0: 2 tokens + BOS + 6 = 9 positions */
    rgtg_decoded_t rows[1];
    CHECK(rgtg_decode(m, NULL, &greedy, &p, prompt_ptrs, prompt_lengths, 1, rows) == RGTG_ERR_UNSUPPORTED &&
          strstr(rgtg_error_message(), "sliding-window"));
    rgtg_error_clear();
    p.max_new_tokens = 5;
    if (decode(m, NULL, &greedy, &p, 1, rows)) rgtg_decoded_free(&rows[0]);
    rgtg_model_free(m);
}

int main(void) {
    tt_set_num_threads(1);
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/rgtg_test_model_arch_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) return printf("cannot create a scratch directory\n"), 2;
    make_prompts();
    test_eos_list();
    test_vocab_padding();
    test_cached_architectures();
    test_sliding_window();
    check_remove_dir(scratch);
    return check_summary("test_model_arch");
}
