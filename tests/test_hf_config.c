/* tests/test_hf_config.c: config.json round trips, transformers' defaults on real-looking configs, a
 * table of bad configs (each with its status and message), and rgtg_model_config_validate. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/hf_config.h"

#define CHECK_STREAM stdout
#define CHECK_SHOWS_LAST_ERROR
#include "check.h"

static char scratch[256];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "wb");
    if (!fp || fputs(text, fp) < 0) {
        printf("cannot write %s\n", path);
        exit(2);
    }
    fclose(fp);
}

/* Field-by-field comparison; returns the number of differing fields and names each. */
static int compare_configs(const rgtg_model_config_t *a, const rgtg_model_config_t *b) {
    int diff = 0;
#define SAME(field, fmt)                                                                   \
    if (a->field != b->field) {                                                            \
        diff++;                                                                            \
        printf("  %s: " fmt " vs " fmt "\n", #field, a->field, b->field);                  \
    }
    SAME(vocab_size, "%d")
    SAME(hidden_size, "%d")
    SAME(intermediate_size, "%d")
    SAME(num_hidden_layers, "%d")
    SAME(num_attention_heads, "%d")
    SAME(num_key_value_heads, "%d")
    SAME(max_position_embeddings, "%d")
    SAME(rms_norm_eps, "%.17g")
    SAME(rope_theta, "%.17g")
    SAME(tie_word_embeddings, "%d")
    SAME(bos_token_id, "%d")
    SAME(eos_token_id, "%d")
    SAME(pad_token_id, "%d")
    SAME(head, "%d")
    SAME(dtype, "%d")
    SAME(arch, "%d")
    SAME(head_dim, "%d")
    SAME(qkv_bias, "%d")
    SAME(o_proj_bias, "%d")
    SAME(rope_scaling.type, "%d")
    SAME(rope_scaling.factor, "%.17g")
    SAME(rope_scaling.low_freq_factor, "%.17g")
    SAME(rope_scaling.high_freq_factor, "%.17g")
    SAME(rope_scaling.original_max_position_embeddings, "%d")
    SAME(sliding_window, "%d")
    SAME(extra_eos_count, "%d")
    for (int i = 0; i < a->extra_eos_count && i < RGTG_MAX_EXTRA_EOS; i++) SAME(extra_eos_token_ids[i], "%d")
#undef SAME
    return diff;
}

static void test_round_trips(void) {
    rgtg_model_config_t configs[3];
    configs[0] = rgtg_model_config_default();
    configs[1] = rgtg_model_config_default();
    configs[1].head = RGTG_HEAD_SCORE;
    configs[1].dtype = TT_BF16;
    configs[1].tie_word_embeddings = true;
    configs[1].pad_token_id = -1;
    configs[1].rms_norm_eps = 1e-5;
    configs[1].rope_theta = 500000.0;
    configs[1].num_key_value_heads = 4;
    configs[2] = rgtg_model_config_default();
    configs[2].rms_norm_eps = 1.0 / 3.0; /* needs all 17 digits */
    configs[2].rope_theta = 12345.678;
    configs[2].dtype = TT_F16;
    configs[2].bos_token_id = -1;
    configs[2].eos_token_id = 0;
    rgtg_model_config_t more[4];
    more[0] = rgtg_model_config_default(); /* Llama-3.1-like: llama3 rope, EOS list, explicit head_dim */
    more[0].rope_scaling = (rgtg_rope_scaling_t){RGTG_ROPE_LLAMA3, 8.0, 1.0, 4.0, 8192};
    more[0].eos_token_id = 2, more[0].extra_eos_count = 2, more[0].extra_eos_token_ids[0] = 9;
    more[0].extra_eos_token_ids[1] = 7, more[0].head_dim = 32, more[0].rope_theta = 500000.0;
    more[1] = rgtg_model_config_default(); /* Qwen2 reward model with a window */
    more[1].arch = RGTG_ARCH_QWEN2, more[1].qkv_bias = true, more[1].sliding_window = 128;
    more[1].head = RGTG_HEAD_SCORE;
    more[2] = rgtg_model_config_default(); /* Mistral, linear rope scaling */
    more[2].arch = RGTG_ARCH_MISTRAL, more[2].sliding_window = 4096;
    more[2].rope_scaling = (rgtg_rope_scaling_t){RGTG_ROPE_LINEAR, 2.5, 0, 0, 0};
    more[3] = rgtg_model_config_default(); /* LLaMA with attention_bias */
    more[3].qkv_bias = more[3].o_proj_bias = true;
    const char *more_text[4][3] = {
        {"\"rope_type\": \"llama3\"", "\"eos_token_id\": [\n    2,\n    9,\n    7\n  ]", "\"head_dim\": 32"},
        {"\"Qwen2ForSequenceClassification\"", "\"use_sliding_window\": true", "\"model_type\": \"qwen2\""},
        {"\"MistralForCausalLM\"", "\"rope_type\": \"linear\"", "\"sliding_window\": 4096"},
        {"\"attention_bias\": true", "\"LlamaForCausalLM\"", "\"rope_scaling\": null"},
    };
    for (int i = 0; i < 4; i++) {
        char *path = rgtg_path_join(scratch, "more.json");
        rgtg_error_clear();
        CHECK_MSG(rgtg_hf_config_write(path, &more[i]) == RGTG_OK, "write more %d", i);
        rgtg_model_config_t back;
        memset(&back, 0xff, sizeof back);
        CHECK_MSG(rgtg_hf_config_read(path, &back) == RGTG_OK, "read back more %d: %s", i, rgtg_error_message());
        int diff = compare_configs(&more[i], &back);
        CHECK_MSG(diff == 0, "config more %d changed in a round trip (%d fields)", i, diff);
        char *text = NULL;
        CHECK_OK(rgtg_read_file(path, &text, NULL));
        for (int k = 0; text && k < 3; k++) CHECK_MSG(strstr(text, more_text[i][k]), "more %d lacks %s:\n%s", i, more_text[i][k], text);
        free(text);
        free(path);
    }
    /* an inconsistent architecture is refused at write: Qwen2 without its q/k/v biases */
    more[1].qkv_bias = false;
    char *refused = rgtg_path_join(scratch, "refused_qwen.json");
    rgtg_error_clear();
    CHECK(rgtg_hf_config_write(refused, &more[1]) == RGTG_ERR_INVALID && !rgtg_path_exists(refused) &&
          strstr(rgtg_error_message(), "Qwen2 model has q/k/v biases"));
    free(refused);
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "config_%d.json", i);
        char *path = rgtg_path_join(scratch, name);
        rgtg_error_clear();
        CHECK_MSG(rgtg_hf_config_write(path, &configs[i]) == RGTG_OK, "write %d", i);
        rgtg_model_config_t back;
        memset(&back, 0xff, sizeof back);
        CHECK_MSG(rgtg_hf_config_read(path, &back) == RGTG_OK, "read back %d", i);
        int diff = compare_configs(&configs[i], &back);
        printf("round trip %d: %d differing fields\n", i, diff);
        CHECK_MSG(diff == 0, "config %d changed in a round trip", i);
        char *text = NULL;
        CHECK_MSG(rgtg_read_file(path, &text, NULL) == RGTG_OK, "read text");
        if (text) {
            CHECK_MSG(strstr(text, "\"model_type\": \"llama\"") && strstr(text, "\"hidden_act\": \"silu\"") &&
                          strstr(text, "\"attention_bias\": false") && strstr(text, "\"mlp_bias\": false"),
                      "fixed fields missing from:\n%s", text);
            if (i == 1) {
                printf("written config.json (score head):\n%s", text);
                CHECK_MSG(strstr(text, "LlamaForSequenceClassification") && strstr(text, "\"num_labels\": 1") &&
                              strstr(text, "\"pad_token_id\": null") && strstr(text, "\"rope_theta\": 500000.0") &&
                              strstr(text, "\"torch_dtype\": \"bfloat16\""),
                          "score-head fields");
            }
        }
        free(text);
        free(path);
    }
    /* The writer refuses an inconsistent config and leaves nothing behind. */
    rgtg_model_config_t bad = rgtg_model_config_default();
    bad.num_attention_heads = 5;
    char *path = rgtg_path_join(scratch, "refused.json");
    rgtg_error_clear();
    CHECK_MSG(rgtg_hf_config_write(path, &bad) == RGTG_ERR_INVALID && strstr(rgtg_error_message(), path) &&
                  !rgtg_path_exists(path),
              "invalid config written");
    free(path);
}

static void test_real_configs(void) {
    /* Shaped like Llama 3.1 8B's config.json (newer transformers fields included). */
    const char *llama3 =
        "{\n  \"architectures\": [\"LlamaForCausalLM\"],\n  \"attention_bias\": false,\n"
        "  \"attention_dropout\": 0.0,\n  \"bos_token_id\": 128000,\n  \"eos_token_id\": [128001, 128008, 128009],\n"
        "  \"hidden_act\": \"silu\",\n  \"hidden_size\": 4096,\n  \"initializer_range\": 0.02,\n"
        "  \"intermediate_size\": 14336,\n  \"max_position_embeddings\": 131072,\n  \"mlp_bias\": false,\n"
        "  \"model_type\": \"llama\",\n  \"num_attention_heads\": 32,\n  \"num_hidden_layers\": 32,\n"
        "  \"num_key_value_heads\": 8,\n  \"pretraining_tp\": 1,\n  \"rms_norm_eps\": 1e-05,\n"
        "  \"rope_scaling\": null,\n  \"rope_theta\": 500000.0,\n  \"tie_word_embeddings\": false,\n"
        "  \"torch_dtype\": \"bfloat16\",\n  \"transformers_version\": \"4.43.0.dev0\",\n  \"use_cache\": true,\n"
        "  \"head_dim\": 128,\n  \"vocab_size\": 128256\n}\n";
    char *path = rgtg_path_join(scratch, "llama3.json");
    write_text(path, llama3);
    rgtg_model_config_t c;
    rgtg_error_clear();
    CHECK_MSG(rgtg_hf_config_read(path, &c) == RGTG_OK, "llama3 config");
    rgtg_model_config_t want = {.vocab_size = 128256, .hidden_size = 4096, .intermediate_size = 14336,
                                .num_hidden_layers = 32, .num_attention_heads = 32, .num_key_value_heads = 8,
                                .max_position_embeddings = 131072, .rms_norm_eps = 1e-5, .rope_theta = 500000.0,
                                .bos_token_id = 128000, .eos_token_id = 128001, .pad_token_id = -1,
                                .head = RGTG_HEAD_LM, .dtype = TT_BF16, .extra_eos_count = 2,
                                .extra_eos_token_ids = {128008, 128009}};
    int diff = compare_configs(&want, &c);
    printf("llama3-like config: %d differing fields\n", diff);
    CHECK_MSG(diff == 0, "llama3-like config");
    free(path);

    /* Minimal: everything optional absent takes transformers' default. */
    const char *minimal = "{\"vocab_size\": 100, \"hidden_size\": 32, \"intermediate_size\": 64, "
                          "\"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"max_position_embeddings\": 16, "
                          "\"rms_norm_eps\": 1e-6}";
    path = rgtg_path_join(scratch, "minimal.json");
    write_text(path, minimal);
    rgtg_error_clear();
    CHECK_MSG(rgtg_hf_config_read(path, &c) == RGTG_OK, "minimal config");
    rgtg_model_config_t want_min = {.vocab_size = 100, .hidden_size = 32, .intermediate_size = 64, .num_hidden_layers = 1,
                                    .num_attention_heads = 4, .num_key_value_heads = 4, .max_position_embeddings = 16,
                                    .rms_norm_eps = 1e-6, .rope_theta = 10000.0, .bos_token_id = -1, .eos_token_id = -1,
                                    .pad_token_id = -1, .head = RGTG_HEAD_LM, .dtype = TT_F32};
    diff = compare_configs(&want_min, &c);
    printf("minimal config: %d differing fields\n", diff);
    CHECK_MSG(diff == 0, "minimal config defaults");
    free(path);

    /* Reward models: one label, given either way; the newer "dtype" key. */
    const char *reward[] = {
        "{\"architectures\": [\"LlamaForSequenceClassification\"], \"id2label\": {\"0\": \"LABEL_0\"}, "
        "\"vocab_size\": 100, \"hidden_size\": 32, \"intermediate_size\": 64, \"num_hidden_layers\": 1, "
        "\"num_attention_heads\": 4, \"max_position_embeddings\": 16, \"rms_norm_eps\": 1e-6, \"dtype\": \"float16\"}",
        "{\"architectures\": [\"LlamaForSequenceClassification\"], \"num_labels\": 1, \"pad_token_id\": -1, "
        "\"vocab_size\": 100, \"hidden_size\": 32, \"intermediate_size\": 64, \"num_hidden_layers\": 1, "
        "\"num_attention_heads\": 4, \"max_position_embeddings\": 16, \"rms_norm_eps\": 1e-6}",
    };
    for (int i = 0; i < 2; i++) {
        path = rgtg_path_join(scratch, "reward.json");
        write_text(path, reward[i]);
        rgtg_error_clear();
        CHECK_MSG(rgtg_hf_config_read(path, &c) == RGTG_OK && c.head == RGTG_HEAD_SCORE && c.pad_token_id == -1,
                  "reward config %d", i);
        CHECK_MSG(c.dtype == (i == 0 ? TT_F16 : TT_F32), "reward config %d dtype %d", i, (int)c.dtype);
        free(path);
    }
}

/* Reads text (written to NAME in the scratch directory) into *c; false (after a CHECK) when refused. */
static bool read_text_config(const char *name, const char *text, rgtg_model_config_t *c) {
    char *path = rgtg_path_join(scratch, name);
    write_text(path, text);
    rgtg_error_clear();
    bool ok = rgtg_hf_config_read(path, c) == RGTG_OK;
    CHECK_MSG(ok, "%s refused: %s", name, rgtg_error_message());
    free(path);
    return ok;
}

#define SIZES "\"vocab_size\": 300, \"hidden_size\": 64, \"intermediate_size\": 96, \"num_hidden_layers\": 2, " \
              "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"max_position_embeddings\": 512, "      \
              "\"rms_norm_eps\": 1e-6"

/* Llama-3.1, Qwen2.5, Mistral (v0.1 with its window, v0.3 without, Nemo's explicit head_dim) and
 * LLaMA with attention_bias, shaped like the shipped config.json files. */
static void test_architectures(void) {
    rgtg_model_config_t c;
    if (read_text_config("llama31.json",
                         "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", " SIZES ", "
                         "\"bos_token_id\": 128, \"eos_token_id\": [129, 136, 137], \"rope_theta\": 500000.0, "
                         "\"rope_scaling\": {\"factor\": 8.0, \"high_freq_factor\": 4.0, \"low_freq_factor\": 1.0, "
                         "\"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"}, "
                         "\"attention_bias\": false, \"mlp_bias\": false, \"head_dim\": 16}",
                         &c)) {
        CHECK(c.arch == RGTG_ARCH_LLAMA && c.head_dim == 0 && !c.qkv_bias && !c.o_proj_bias && c.sliding_window == 0);
        CHECK(c.rope_scaling.type == RGTG_ROPE_LLAMA3 && c.rope_scaling.factor == 8.0 &&
              c.rope_scaling.low_freq_factor == 1.0 && c.rope_scaling.high_freq_factor == 4.0 &&
              c.rope_scaling.original_max_position_embeddings == 8192);
        CHECK(c.eos_token_id == 129 && c.extra_eos_count == 2 && c.extra_eos_token_ids[0] == 136 &&
              c.extra_eos_token_ids[1] == 137);
        int32_t stops[1 + RGTG_MAX_EXTRA_EOS];
        CHECK(rgtg_model_config_stop_ids(&c, stops) == 3 && stops[2] == 137);
        CHECK(rgtg_model_config_is_stop(&c, 136) && !rgtg_model_config_is_stop(&c, 128));
    }
    if (read_text_config("qwen25.json",
                         "{\"architectures\": [\"Qwen2ForCausalLM\"], \"model_type\": \"qwen2\", " SIZES ", "
                         "\"bos_token_id\": 200, \"eos_token_id\": 201, \"rope_theta\": 1000000.0, "
                         "\"tie_word_embeddings\": true, \"use_sliding_window\": false, \"sliding_window\": 131072, "
                         "\"max_window_layers\": 21, \"attention_dropout\": 0.0, \"rope_scaling\": null}",
                         &c)) {
        CHECK(c.arch == RGTG_ARCH_QWEN2 && c.qkv_bias && !c.o_proj_bias && c.sliding_window == 0 &&
              c.tie_word_embeddings && c.rope_scaling.type == RGTG_ROPE_NONE && c.extra_eos_count == 0);
    }
    if (read_text_config("qwen2_window.json",
                         "{\"architectures\": [\"Qwen2ForSequenceClassification\"], \"num_labels\": 1, " SIZES ", "
                         "\"use_sliding_window\": true, \"sliding_window\": 256, \"attention_bias\": false}",
                         &c))
        CHECK(c.arch == RGTG_ARCH_QWEN2 && c.head == RGTG_HEAD_SCORE && c.sliding_window == 256 && c.qkv_bias);
    if (read_text_config("mistral01.json",
                         "{\"architectures\": [\"MistralForCausalLM\"], \"model_type\": \"mistral\", " SIZES ", "
                         "\"sliding_window\": 4096}",
                         &c))
        CHECK(c.arch == RGTG_ARCH_MISTRAL && c.sliding_window == 4096 && !c.qkv_bias);
    if (read_text_config("mistral_default_window.json",
                         "{\"architectures\": [\"MistralForSequenceClassification\"], \"id2label\": {\"0\": \"x\"}, " SIZES "}",
                         &c))
        CHECK(c.arch == RGTG_ARCH_MISTRAL && c.sliding_window == 4096 && c.head == RGTG_HEAD_SCORE);
    if (read_text_config("mistral_nemo.json",
                         "{\"architectures\": [\"MistralForCausalLM\"], \"model_type\": \"mistral\", " SIZES ", "
                         "\"sliding_window\": null, \"head_dim\": 24}",
                         &c))
        CHECK(c.arch == RGTG_ARCH_MISTRAL && c.sliding_window == 0 && c.head_dim == 24 &&
              rgtg_model_config_head_dim(&c) == 24);
    if (read_text_config("llama_bias_linear.json",
                         "{\"model_type\": \"llama\", " SIZES ", \"attention_bias\": true, "
                         "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2}}",
                         &c))
        CHECK(c.arch == RGTG_ARCH_LLAMA && c.qkv_bias && c.o_proj_bias && c.rope_scaling.type == RGTG_ROPE_LINEAR &&
              c.rope_scaling.factor == 2.0);
    if (read_text_config("rope_default.json", "{" SIZES ", \"rope_scaling\": {\"rope_type\": \"default\"}}", &c))
        CHECK(c.rope_scaling.type == RGTG_ROPE_NONE);

    /* generation_config.json: its EOS ids join config.json's, without repeats; absent: no change */
    if (read_text_config("gen_base.json", "{" SIZES ", \"eos_token_id\": 129}", &c)) {
        char *gen = rgtg_path_join(scratch, "generation_config.json");
        write_text(gen, "{\"bos_token_id\": 128, \"eos_token_id\": [129, 137], \"do_sample\": true}");
        rgtg_error_clear();
        CHECK_OK(rgtg_hf_generation_config_merge(gen, &c));
        CHECK(c.eos_token_id == 129 && c.extra_eos_count == 1 && c.extra_eos_token_ids[0] == 137);
        write_text(gen, "{\"eos_token_id\": 140}");
        CHECK_OK(rgtg_hf_generation_config_merge(gen, &c));
        CHECK(c.extra_eos_count == 2 && c.extra_eos_token_ids[1] == 140);
        rgtg_model_config_t before = c;
        write_text(gen, "{\"eos_token_id\": [129, 999]}");
        rgtg_error_clear();
        CHECK(rgtg_hf_generation_config_merge(gen, &c) == RGTG_ERR_INVALID &&
              strstr(rgtg_error_message(), gen) == rgtg_error_message() &&
              strstr(rgtg_error_message(), "eos_token_id 999 must be below vocab_size 300") &&
              compare_configs(&before, &c) == 0);
        write_text(gen, "{\"eos_token_id\": \"</s>\"}");
        rgtg_error_clear();
        CHECK(rgtg_hf_generation_config_merge(gen, &c) == RGTG_ERR_FORMAT && strstr(rgtg_error_message(), gen) &&
              strstr(rgtg_error_message(), "field 'eos_token_id' must be"));
        remove(gen);
        rgtg_error_clear();
        CHECK_OK(rgtg_hf_generation_config_merge(gen, &c));
        CHECK(compare_configs(&before, &c) == 0);
        free(gen);
    }
}

/* ---- bad configs: the base below with one field replaced (NULL: dropped) and extra text added ---- */

static const char *base_fields[][2] = {
    {"vocab_size", "512"},         {"hidden_size", "64"},
    {"intermediate_size", "176"},  {"num_hidden_layers", "2"},
    {"num_attention_heads", "4"},  {"max_position_embeddings", "256"},
    {"rms_norm_eps", "1e-06"},     {"architectures", "[\"LlamaForCausalLM\"]"},
    {"model_type", "\"llama\""},
};

typedef struct {
    const char *label;
    const char *key;         /* base field to replace, or NULL */
    const char *value;       /* its new JSON value; NULL drops it */
    const char *extra;       /* more "key": value text, or NULL */
    rgtg_status_t status;
    const char *phrase;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    {"missing field", "hidden_size", NULL, NULL, RGTG_ERR_FORMAT, "missing field 'hidden_size'"},
    {"string for an int", "hidden_size", "\"64\"", NULL, RGTG_ERR_FORMAT, "field 'hidden_size' must be a positive integer"},
    {"real for an int", "vocab_size", "512.0", NULL, RGTG_ERR_FORMAT, "field 'vocab_size' must be a positive integer"},
    {"zero layers", "num_hidden_layers", "0", NULL, RGTG_ERR_FORMAT, "field 'num_hidden_layers' must be a positive integer"},
    {"int too large", "vocab_size", "4294967296", NULL, RGTG_ERR_FORMAT, "field 'vocab_size' must be a positive integer"},
    {"eps a string", "rms_norm_eps", "\"small\"", NULL, RGTG_ERR_FORMAT, "field 'rms_norm_eps' must be a positive number"},
    {"eps negative", "rms_norm_eps", "-1e-6", NULL, RGTG_ERR_FORMAT, "field 'rms_norm_eps' must be a positive number"},
    {"theta zero", NULL, NULL, "\"rope_theta\": 0", RGTG_ERR_FORMAT, "field 'rope_theta' must be a positive number"},
    {"tie not a bool", NULL, NULL, "\"tie_word_embeddings\": \"yes\"", RGTG_ERR_FORMAT,
     "field 'tie_word_embeddings' must be true or false"},
    {"bos a string", NULL, NULL, "\"bos_token_id\": \"1\"", RGTG_ERR_FORMAT, "field 'bos_token_id' must be a non-negative"},
    {"bad torch_dtype", NULL, NULL, "\"torch_dtype\": \"int8\"", RGTG_ERR_FORMAT, "field 'torch_dtype' must be one of"},
    {"unknown architecture", "architectures", "[\"GemmaForCausalLM\"]", NULL, RGTG_ERR_UNSUPPORTED,
     "unknown architecture 'GemmaForCausalLM'"},
    {"architecture vs model_type", "architectures", "[\"Qwen2ForCausalLM\"]", NULL, RGTG_ERR_UNSUPPORTED,
     "architecture 'Qwen2ForCausalLM' does not match model_type 'llama'"},
    {"architectures not a list", "architectures", "\"LlamaForCausalLM\"", NULL, RGTG_ERR_FORMAT,
     "field 'architectures' must be a list of one string"},
    {"other model_type", "model_type", "\"gemma\"", NULL, RGTG_ERR_UNSUPPORTED, "field 'model_type' is 'gemma'"},
    {"other hidden_act", NULL, NULL, "\"hidden_act\": \"gelu\"", RGTG_ERR_UNSUPPORTED, "field 'hidden_act' is 'gelu'"},
    {"rope_scaling yarn", NULL, NULL, "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}",
     RGTG_ERR_UNSUPPORTED, "config.json: rope_scaling type 'yarn' is not supported"},
    {"rope_scaling dynamic (type)", NULL, NULL, "\"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}",
     RGTG_ERR_UNSUPPORTED, "rope_scaling type 'dynamic' is not supported"},
    {"rope_scaling without type", NULL, NULL, "\"rope_scaling\": {\"factor\": 2.0}", RGTG_ERR_FORMAT,
     "needs a string 'rope_type'"},
    {"rope_scaling not an object", NULL, NULL, "\"rope_scaling\": 2", RGTG_ERR_FORMAT,
     "field 'rope_scaling' must be an object or null"},
    {"linear without factor", NULL, NULL, "\"rope_scaling\": {\"type\": \"linear\"}", RGTG_ERR_FORMAT,
     "field 'rope_scaling.factor' must be a positive number"},
    {"llama3 without low_freq", NULL, NULL,
     "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"high_freq_factor\": 4.0, "
     "\"original_max_position_embeddings\": 8192}",
     RGTG_ERR_FORMAT, "field 'rope_scaling.low_freq_factor' must be a positive number"},
    {"llama3 without original", NULL, NULL,
     "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
     "\"high_freq_factor\": 4.0}",
     RGTG_ERR_FORMAT, "field 'rope_scaling.original_max_position_embeddings' must be a positive integer"},
    {"llama3 low >= high", NULL, NULL,
     "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 4.0, "
     "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}",
     RGTG_ERR_INVALID, "low_freq_factor (4) below high_freq_factor (4)"},
    {"mlp_bias", NULL, NULL, "\"mlp_bias\": true", RGTG_ERR_UNSUPPORTED, "field 'mlp_bias' is true"},
    {"attention_bias a string", NULL, NULL, "\"attention_bias\": \"yes\"", RGTG_ERR_FORMAT,
     "field 'attention_bias' must be true or false"},
    {"head_dim zero", NULL, NULL, "\"head_dim\": 0", RGTG_ERR_FORMAT, "field 'head_dim' must be a positive integer"},
    {"head_dim odd", NULL, NULL, "\"head_dim\": 15", RGTG_ERR_INVALID, "head dimension 15 (head_dim) must be even"},
    {"eos list with -1", NULL, NULL, "\"eos_token_id\": [2, -1]", RGTG_ERR_FORMAT, "field 'eos_token_id' must be"},
    {"eos list beyond vocab", NULL, NULL, "\"eos_token_id\": [2, 600]", RGTG_ERR_INVALID,
     "eos_token_id 600 must be below vocab_size 512"},
    {"eos list too long", NULL, NULL,
     "\"eos_token_id\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]", RGTG_ERR_UNSUPPORTED,
     "field 'eos_token_id' lists more than 16 ids"},
    {"reward without labels", "architectures", "[\"LlamaForSequenceClassification\"]", NULL, RGTG_ERR_FORMAT,
     "needs 'num_labels': 1"},
    {"reward with 2 labels", "architectures", "[\"LlamaForSequenceClassification\"]", "\"num_labels\": 2",
     RGTG_ERR_UNSUPPORTED, "field 'num_labels' is 2"},
    {"reward id2label of 2", "architectures", "[\"LlamaForSequenceClassification\"]",
     "\"id2label\": {\"0\": \"a\", \"1\": \"b\"}", RGTG_ERR_UNSUPPORTED, "field 'id2label' has 2 labels"},
    {"heads do not divide", "num_attention_heads", "5", NULL, RGTG_ERR_INVALID,
     "hidden_size 64 must be divisible by num_attention_heads 5"},
    {"kv heads do not divide", NULL, NULL, "\"num_key_value_heads\": 3", RGTG_ERR_INVALID,
     "num_attention_heads 4 must be divisible by num_key_value_heads 3"},
    {"bos beyond vocab", NULL, NULL, "\"bos_token_id\": 600", RGTG_ERR_INVALID, "bos_token_id 600 must be -1"},
    {"duplicate key", NULL, NULL, "\"hidden_size\": 64", RGTG_ERR_FORMAT, "duplicate object key"},
};

static char *build_config(const bad_case_t *c) {
    static char text[4096];
    size_t at = 0;
    at += (size_t)snprintf(text + at, sizeof text - at, "{");
    bool first = true;
    for (size_t i = 0; i < sizeof base_fields / sizeof base_fields[0]; i++) {
        const char *value = base_fields[i][1];
        if (c->key && strcmp(c->key, base_fields[i][0]) == 0) value = c->value;
        if (!value) continue;
        at += (size_t)snprintf(text + at, sizeof text - at, "%s\n  \"%s\": %s", first ? "" : ",", base_fields[i][0], value);
        first = false;
    }
    if (c->extra) at += (size_t)snprintf(text + at, sizeof text - at, ",\n  %s", c->extra);
    snprintf(text + at, sizeof text - at, "\n}\n");
    return text;
}

static void test_bad_configs(void) {
    char *path = rgtg_path_join(scratch, "bad_config.json");
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case_t *c = &bad_cases[i];
        write_text(path, build_config(c));
        rgtg_error_clear();
        rgtg_model_config_t out = rgtg_model_config_default();
        rgtg_model_config_t before = out;
        rgtg_status_t s = rgtg_hf_config_read(path, &out);
        const char *msg = rgtg_error_message();
        bool ok = s == c->status && strstr(msg, path) == msg && strstr(msg, c->phrase) && !strchr(msg, '\n') &&
                  compare_configs(&out, &before) == 0; /* untouched on failure */
        printf("%-4s %-26s -> %s\n", ok ? "ok" : "FAIL", c->label, msg);
        if (!ok) {
            failures++;
            printf("     wanted %s with \"%s\"; got %s\n", rgtg_status_to_string(c->status), c->phrase,
                   rgtg_status_to_string(s));
        }
    }
    /* Not JSON: the message carries line and column. */
    write_text(path, "{\n  \"vocab_size\": 5,\n  oops\n}\n");
    rgtg_error_clear();
    rgtg_model_config_t out;
    rgtg_status_t s = rgtg_hf_config_read(path, &out);
    char want_prefix[300];
    snprintf(want_prefix, sizeof want_prefix, "%s:3:", path);
    printf("not JSON -> %s\n", rgtg_error_message());
    CHECK_MSG(s == RGTG_ERR_FORMAT && strstr(rgtg_error_message(), want_prefix) == rgtg_error_message() &&
                  strstr(rgtg_error_message(), "not valid JSON"),
              "invalid JSON");
    write_text(path, "[1, 2]");
    rgtg_error_clear();
    CHECK_MSG(rgtg_hf_config_read(path, &out) == RGTG_ERR_FORMAT && strstr(rgtg_error_message(), "not a JSON object"),
              "top-level array");
    free(path);
    path = rgtg_path_join(scratch, "absent.json");
    rgtg_error_clear();
    CHECK_MSG(rgtg_hf_config_read(path, &out) == RGTG_ERR_IO && strstr(rgtg_error_message(), path), "missing file");
    free(path);
}

static void test_validate(void) {
    rgtg_model_config_t d = rgtg_model_config_default();
    rgtg_error_clear();
    CHECK_MSG(rgtg_model_config_validate(&d) == RGTG_OK, "default config is valid");
    CHECK_MSG(d.vocab_size == 512 && d.hidden_size == 64 && d.intermediate_size == 176 && d.num_hidden_layers == 2 &&
                  d.num_attention_heads == 4 && d.num_key_value_heads == 2 && d.max_position_embeddings == 256 &&
                  d.rms_norm_eps == 1e-6 && d.rope_theta == 10000.0 && !d.tie_word_embeddings && d.bos_token_id == 1 &&
                  d.eos_token_id == 2 && d.pad_token_id == 3 && d.head == RGTG_HEAD_LM && d.dtype == TT_F32,
              "default values");
    struct {
        const char *label, *phrase;
        rgtg_model_config_t c;
    } cases[12];
    int n = 0;
#define CASE(lbl, phr, stmt)             \
    cases[n].label = lbl;                \
    cases[n].phrase = phr;               \
    cases[n].c = d;                      \
    {                                    \
        rgtg_model_config_t *c = &cases[n].c; \
        stmt;                            \
    }                                    \
    n++;
    CASE("zero vocab", "vocab_size must be positive", c->vocab_size = 0)
    CASE("negative width", "hidden_size must be positive", c->hidden_size = -64)
    CASE("zero kv heads", "num_key_value_heads must be positive", c->num_key_value_heads = 0)
    CASE("heads vs width", "divisible by num_attention_heads", c->num_attention_heads = 3)
    CASE("kv vs heads", "divisible by num_key_value_heads", c->num_key_value_heads = 3)
    CASE("odd head dim", "must be even", (c->hidden_size = 12, c->num_attention_heads = 4))
    CASE("eps zero", "rms_norm_eps must be a positive finite number", c->rms_norm_eps = 0)
    CASE("theta negative", "rope_theta must be a positive finite number", c->rope_theta = -1)
    CASE("eos at vocab", "eos_token_id 512", c->eos_token_id = 512)
    CASE("pad below -1", "pad_token_id -2", c->pad_token_id = -2)
    CASE("integer dtype", "not a floating-point type", c->dtype = TT_I64)
    CASE("bad head", "unknown head", c->head = (rgtg_head_t)7)
#undef CASE
    for (int i = 0; i < n; i++) {
        rgtg_error_clear();
        rgtg_status_t s = rgtg_model_config_validate(&cases[i].c);
        const char *msg = rgtg_error_message();
        bool ok = s == RGTG_ERR_INVALID && strstr(msg, cases[i].phrase) && !strchr(msg, '\n');
        printf("%-4s validate %-16s -> %s\n", ok ? "ok" : "FAIL", cases[i].label, msg);
        if (!ok) failures++;
    }
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/rgtg_test_hf_config_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        printf("cannot create a scratch directory under %s\n", scratch);
        return 2;
    }
    test_validate();
    test_round_trips();
    test_real_configs();
    test_architectures();
    test_bad_configs();
    nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (failures) {
        printf("test_hf_config: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_hf_config: all passed\n");
    return 0;
}
