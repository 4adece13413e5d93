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
    rgtg_model_config_t want = {128256, 4096, 14336, 32, 32, 8, 131072, 1e-5, 500000.0, false,
                                128000, 128001, -1, RGTG_HEAD_LM, TT_BF16};
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
    rgtg_model_config_t want_min = {100, 32, 64, 1, 4, 4, 16, 1e-6, 10000.0, false, -1, -1, -1, RGTG_HEAD_LM, TT_F32};
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
    {"unknown architecture", "architectures", "[\"MistralForCausalLM\"]", NULL, RGTG_ERR_UNSUPPORTED,
     "unknown architecture 'MistralForCausalLM'"},
    {"architectures not a list", "architectures", "\"LlamaForCausalLM\"", NULL, RGTG_ERR_FORMAT,
     "field 'architectures' must be a list of one string"},
    {"other model_type", "model_type", "\"mistral\"", NULL, RGTG_ERR_UNSUPPORTED, "field 'model_type' is 'mistral'"},
    {"other hidden_act", NULL, NULL, "\"hidden_act\": \"gelu\"", RGTG_ERR_UNSUPPORTED, "field 'hidden_act' is 'gelu'"},
    {"rope_scaling", NULL, NULL, "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}", RGTG_ERR_UNSUPPORTED,
     "field 'rope_scaling' is set"},
    {"attention_bias", NULL, NULL, "\"attention_bias\": true", RGTG_ERR_UNSUPPORTED, "field 'attention_bias' is true"},
    {"other head_dim", NULL, NULL, "\"head_dim\": 32", RGTG_ERR_UNSUPPORTED, "field 'head_dim' is 32"},
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
    test_bad_configs();
    nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (failures) {
        printf("test_hf_config: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_hf_config: all passed\n");
    return 0;
}
