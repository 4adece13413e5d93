/* tests/test_model_io.c: model checkpoints in Hugging Face layout: save and load give the same
 * outputs; sharded, bf16 and f16 files load; a missing tensor, a tensor of the wrong shape, a config
 * that does not match the tensors (fewer layers than the weights, a stray tensor), NaN weights, an
 * incomplete directory and a truncated file each give one clear error; loading for a role refuses the
 * wrong kind of model and a missing tokenizer; tokenizers are compared by content. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/hf_config.h"
#include "../core/model.h"
#include "../core/model_dir.h"
#include "../core/safetensors.h"

static int failures;

static void check(bool ok, const char *what, const char *detail) {
    printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail && *detail ? ": " : "", detail ? detail : "");
    if (!ok) failures++;
}

static double output_diff(const rgtg_model_t *a, const rgtg_model_t *b) {
    size_t mark = tt_arena_mark();
    int64_t ids[8] = {1, 5, 9, 4, 7, 8, 10, 2};
    tt_t x = tt_from_host(ids, (int64_t[]){2, 4}, 2, TT_I64, TT_CPU);
    tt_t da = tt_to(rgtg_model_forward(a, x, NULL), TT_F32, TT_CPU);
    tt_t db = tt_to(rgtg_model_forward(b, x, NULL), TT_F32, TT_CPU);
    double d = da && db ? tt_item(tt_max_dim(tt_reshape(tt_abs(tt_sub(da, db)), (int64_t[]){-1}, 1), 0, false, NULL)) : 1e9;
    tt_arena_release(mark);
    return d;
}

/* Rewrites dir/model.safetensors with one tensor changed by edit (or dropped when edit returns false). */
typedef bool (*edit_fn)(rgtg_st_tensor_t *t, void **owned);

static rgtg_status_t rewrite(const char *dir, edit_fn edit) {
    rgtg_weights_t *w;
    rgtg_status_t st = rgtg_weights_open(dir, &w);
    if (st != RGTG_OK) return st;
    size_t n = rgtg_weights_count(w), kept = 0;
    rgtg_st_tensor_t *copy = calloc(n, sizeof *copy);
    void **owned = calloc(n, sizeof *owned);
    for (size_t i = 0; i < n; i++) {
        copy[kept] = *rgtg_weights_at(w, i);
        if (edit(&copy[kept], &owned[kept])) kept++;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/model.safetensors.new", dir);
    st = rgtg_st_write(path, copy, kept, NULL);
    rgtg_weights_close(w);
    for (size_t i = 0; i < n; i++) free(owned[i]);
    free(copy), free(owned);
    char final[1024];
    snprintf(final, sizeof final, "%s/model.safetensors", dir);
    if (st == RGTG_OK && rename(path, final) != 0) st = RGTG_ERR_IO;
    return st;
}

static bool drop_norm(rgtg_st_tensor_t *t, void **owned) {
    (void)owned;
    return strcmp(t->name, "model.norm.weight") != 0;
}

static bool shrink_q(rgtg_st_tensor_t *t, void **owned) {
    (void)owned;
    if (!strcmp(t->name, "model.layers.0.self_attn.q_proj.weight")) {
        t->shape[0] -= 1;
        t->nbytes -= (size_t)t->shape[1] * 4;
    }
    return true;
}

/* Converts every tensor to bf16 (f32 -> bf16 by truncating the low 16 bits after rounding). */
static bool to_bf16(rgtg_st_tensor_t *t, void **owned) {
    size_t n = t->nbytes / 4;
    uint16_t *out = malloc(n * 2 + 1);
    const uint8_t *src = t->data;
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, src + 4 * i, 4);
        bits += 0x7FFF + ((bits >> 16) & 1);
        out[i] = (uint16_t)(bits >> 16);
    }
    t->data = out, t->nbytes = n * 2, t->dtype = TT_BF16;
    *owned = out;
    return true;
}

/* Converts every tensor to f16 through libtorch's own conversion. */
static bool to_f16(rgtg_st_tensor_t *t, void **owned) {
    size_t n = t->nbytes / 4;
    void *out = malloc(n * 2 + 1);
    tt_t src = tt_from_host(t->data, t->shape, t->ndim, TT_F32, TT_CPU);
    tt_to_host(src, TT_F16, out, n * 2);
    t->data = out, t->nbytes = n * 2, t->dtype = TT_F16;
    *owned = out;
    return true;
}

/* A NaN in one element of one tensor (all NaN for the norm). */
static bool nan_in_up_proj(rgtg_st_tensor_t *t, void **owned) {
    bool norm = !strcmp(t->name, "model.norm.weight");
    if (strcmp(t->name, "model.layers.1.mlp.up_proj.weight") != 0 && !norm) return true;
    float *out = malloc(t->nbytes);
    memcpy(out, t->data, t->nbytes);
    for (size_t i = norm ? 0 : 7; i < (norm ? t->nbytes / 4 : 8); i++) out[i] = NAN;
    t->data = out;
    *owned = out;
    return true;
}

/* Writes dir's weights again with one more tensor named extra (a [4] f32 vector). */
static rgtg_status_t add_tensor(const char *dir, const char *extra) {
    rgtg_weights_t *w;
    rgtg_status_t st = rgtg_weights_open(dir, &w);
    if (st != RGTG_OK) return st;
    size_t n = rgtg_weights_count(w);
    rgtg_st_tensor_t *all = calloc(n + 1, sizeof *all);
    for (size_t i = 0; i < n; i++) all[i] = *rgtg_weights_at(w, i);
    static const float four[4] = {1, 2, 3, 4};
    all[n] = (rgtg_st_tensor_t){.name = extra, .dtype = TT_F32, .ndim = 1, .shape = {4}, .data = four, .nbytes = 16};
    char path[1024], final[1024];
    snprintf(path, sizeof path, "%s/model.safetensors.new", dir);
    snprintf(final, sizeof final, "%s/model.safetensors", dir);
    st = rgtg_st_write(path, all, n + 1, NULL);
    rgtg_weights_close(w);
    free(all);
    if (st == RGTG_OK && rename(path, final) != 0) st = RGTG_ERR_IO;
    return st;
}

static void expect_load_error(const char *dir, const char *what, const char *phrase) {
    rgtg_model_t *m = NULL;
    rgtg_error_clear();
    rgtg_status_t st = rgtg_model_load(dir, TT_CPU, &m);
    const char *msg = rgtg_error_message();
    check(st != RGTG_OK && strstr(msg, phrase) && !strchr(msg, '\n'), what, msg);
    if (st == RGTG_OK) rgtg_model_free(m);
    rgtg_error_clear();
}

int main(void) {
    char root[] = "/tmp/rgtg-model-io.XXXXXX";
    if (!mkdtemp(root)) return 1;
    char dir[512], copy[512], cmd[2200];
    snprintf(dir, sizeof dir, "%s/lm", root);
    tt_set_num_threads(1);
    rgtg_model_config_t c = rgtg_model_config_default();
    c.vocab_size = 32, c.hidden_size = 32, c.intermediate_size = 48, c.num_hidden_layers = 2;
    c.num_attention_heads = 4, c.num_key_value_heads = 2;
    rgtg_model_t *m, *back;
    if (rgtg_model_create(&c, 9, TT_CPU, &m) != RGTG_OK || rgtg_model_save(m, dir) != RGTG_OK) {
        printf("FAIL create/save: %s\n", rgtg_error_message());
        return 1;
    }
    tt_set_grad_enabled(false);
    bool loaded = rgtg_model_load(dir, TT_CPU, &back) == RGTG_OK;
    check(loaded && output_diff(m, back) == 0.0, "f32 save -> load gives identical logits", rgtg_error_message());
    if (loaded) rgtg_model_free(back);

    /* sharded: the same tensors over several files with an index */
    snprintf(copy, sizeof copy, "%s/sharded", root);
    rgtg_mkdirs(copy);
    snprintf(cmd, sizeof cmd, "cp %s/config.json %s/", dir, copy);
    if (system(cmd) != 0) return 1;
    rgtg_st_tensor_t tensors[64];
    void *buffers[64];
    for (int p = 0; p < rgtg_model_tensor_count(m); p++) {
        tensors[p].name = rgtg_model_tensor_name(m, p);
        tensors[p].dtype = TT_F32;
        tensors[p].ndim = tt_shape(rgtg_model_tensor(m, p), tensors[p].shape);
        tensors[p].nbytes = (size_t)tt_numel(rgtg_model_tensor(m, p)) * 4;
        buffers[p] = malloc(tensors[p].nbytes);
        tt_to_host(rgtg_model_tensor(m, p), TT_F32, buffers[p], tensors[p].nbytes);
        tensors[p].data = buffers[p];
    }
    rgtg_status_t st = rgtg_weights_write(copy, tensors, (size_t)rgtg_model_tensor_count(m), 8192);
    char index[600];
    snprintf(index, sizeof index, "%s/model.safetensors.index.json", copy);
    loaded = st == RGTG_OK && rgtg_path_exists(index) && rgtg_model_load(copy, TT_CPU, &back) == RGTG_OK;
    check(loaded && output_diff(m, back) == 0.0, "a sharded checkpoint (index + shards) loads", rgtg_error_message());
    if (loaded) rgtg_model_free(back);
    for (int p = 0; p < rgtg_model_tensor_count(m); p++) free(buffers[p]);

    /* bf16 weights load into an f32 model and stay close */
    snprintf(copy, sizeof copy, "%s/bf16", root);
    snprintf(cmd, sizeof cmd, "cp -r %s %s", dir, copy);
    if (system(cmd) != 0) return 1;
    loaded = rewrite(copy, to_bf16) == RGTG_OK && rgtg_model_load(copy, TT_CPU, &back) == RGTG_OK;
    double d = loaded ? output_diff(m, back) : 1e9;
    char detail[64];
    snprintf(detail, sizeof detail, "max logit diff %.3g", d);
    check(loaded && d < 2e-2 && d > 0, "bf16 weights load (rounded, close)", detail);
    if (loaded) rgtg_model_free(back);

    snprintf(copy, sizeof copy, "%s/f16", root);
    snprintf(cmd, sizeof cmd, "cp -r %s %s", dir, copy);
    if (system(cmd) != 0) return 1;
    loaded = rewrite(copy, to_f16) == RGTG_OK && rgtg_model_load(copy, TT_CPU, &back) == RGTG_OK;
    d = loaded ? output_diff(m, back) : 1e9;
    snprintf(detail, sizeof detail, "max logit diff %.3g", d);
    check(loaded && d < 2e-3 && d > 0, "f16 weights load (rounded, close)", detail);
    if (loaded) rgtg_model_free(back);

    /* broken checkpoints */
    snprintf(copy, sizeof copy, "%s/missing", root);
    snprintf(cmd, sizeof cmd, "cp -r %s %s", dir, copy);
    if (system(cmd) != 0) return 1;
    rewrite(copy, drop_norm);
    expect_load_error(copy, "a missing tensor is named", "model.norm.weight");

    snprintf(copy, sizeof copy, "%s/shape", root);
    snprintf(cmd, sizeof cmd, "cp -r %s %s", dir, copy);
    if (system(cmd) != 0) return 1;
    rewrite(copy, shrink_q);
    expect_load_error(copy, "a tensor of the wrong shape is named", "q_proj");

    snprintf(copy, sizeof copy, "%s/config", root);
    snprintf(cmd, sizeof cmd, "cp -r %s %s", dir, copy);
    if (system(cmd) != 0) return 1;
    rgtg_model_config_t wrong = c;
    wrong.intermediate_size = 64;
    char cfg_path[600];
    snprintf(cfg_path, sizeof cfg_path, "%s/config.json", copy);
    rgtg_hf_config_write(cfg_path, &wrong);
    expect_load_error(copy, "a config.json that does not match the tensors", "config.json implies");

    snprintf(copy, sizeof copy, "%s/truncated", root);
    snprintf(cmd, sizeof cmd, "cp -r %s %s && truncate -s -100 %s/model.safetensors", dir, copy, copy);
    if (system(cmd) != 0) return 1;
    expect_load_error(copy, "a truncated model.safetensors", "model.safetensors");

    snprintf(copy, sizeof copy, "%s/nothing", root);
    rgtg_mkdirs(copy);
    expect_load_error(copy, "a folder without config.json", "config.json");

    /* a checkpoint of 2 layers under a config.json of 1: layer 1 would be ignored silently */
    snprintf(copy, sizeof copy, "%s/layers", root);
    snprintf(cmd, sizeof cmd, "cp -r %s %s", dir, copy);
    if (system(cmd) != 0) return 1;
    wrong = c;
    wrong.num_hidden_layers = 1;
    snprintf(cfg_path, sizeof cfg_path, "%s/config.json", copy);
    rgtg_hf_config_write(cfg_path, &wrong);
    expect_load_error(copy, "weights with more layers than config.json: the unused tensor is named",
                      "tensor 'model.layers.1.input_layernorm.weight' is not part of the model");

    snprintf(copy, sizeof copy, "%s/extra", root);
    snprintf(cmd, sizeof cmd, "cp -r %s %s", dir, copy);
    if (system(cmd) != 0) return 1;
    add_tensor(copy, "model.layers.0.self_attn.q_norm.weight");
    expect_load_error(copy, "an unknown extra tensor is named", "'model.layers.0.self_attn.q_norm.weight' is not part");

    snprintf(copy, sizeof copy, "%s/inv_freq", root);
    snprintf(cmd, sizeof cmd, "cp -r %s %s", dir, copy);
    if (system(cmd) != 0) return 1;
    add_tensor(copy, "model.layers.0.self_attn.rotary_emb.inv_freq");
    loaded = rgtg_model_load(copy, TT_CPU, &back) == RGTG_OK;
    check(loaded && output_diff(m, back) == 0.0, "an older checkpoint's rotary_emb.inv_freq buffer is ignored",
          rgtg_error_message());
    if (loaded) rgtg_model_free(back);
    rgtg_error_clear();

    snprintf(copy, sizeof copy, "%s/nan", root);
    snprintf(cmd, sizeof cmd, "cp -r %s %s", dir, copy);
    if (system(cmd) != 0) return 1;
    rewrite(copy, nan_in_up_proj);
    expect_load_error(copy, "a NaN weight is refused, naming the tensor and the element",
                      "'model.layers.1.mlp.up_proj.weight' holds NaN or infinite values (element 7)");

    snprintf(copy, sizeof copy, "%s/noweights", root);
    snprintf(cmd, sizeof cmd, "mkdir -p %s && cp %s/config.json %s/", copy, dir, copy);
    if (system(cmd) != 0) return 1;
    expect_load_error(copy, "a folder without weights is incomplete", "incomplete model directory: model.safetensors is missing");

    /* loading for a role: the kind of model, the tokenizer file */
    rgtg_model_t *role = NULL;
    rgtg_error_clear();
    rgtg_status_t rs = rgtg_model_load_for(dir, RGTG_HEAD_LM, TT_CPU, &role);
    check(rs != RGTG_OK && strstr(rgtg_error_message(), "tokenizer.model is missing"),
          "loading for a role needs tokenizer.model", rgtg_error_message());
    rgtg_error_clear();
    char tok[600], rm_dir[512];
    snprintf(tok, sizeof tok, "%s/tokenizer.model", dir);
    rgtg_write_file_atomic(tok, "tokenizer A", 11);
    rs = rgtg_model_load_for(dir, RGTG_HEAD_LM, TT_CPU, &role);
    check(rs == RGTG_OK, "a complete language model loads as a language model", rgtg_error_message());
    rgtg_model_free(role);
    role = NULL;
    rgtg_error_clear();
    rs = rgtg_model_load_for(dir, RGTG_HEAD_SCORE, TT_CPU, &role);
    snprintf(detail, sizeof detail, "is a language model, not a reward model");
    check(rs != RGTG_OK && strstr(rgtg_error_message(), detail) && !role, "a language model where a reward model is needed",
          rgtg_error_message());
    rgtg_error_clear();
    rgtg_model_config_t rc = c;
    rc.head = RGTG_HEAD_SCORE;
    rgtg_model_t *rm;
    snprintf(rm_dir, sizeof rm_dir, "%s/rm", root);
    if (rgtg_model_create(&rc, 3, TT_CPU, &rm) != RGTG_OK || rgtg_model_save(rm, rm_dir) != RGTG_OK) return 1;
    rgtg_model_free(rm);
    snprintf(tok, sizeof tok, "%s/tokenizer.model", rm_dir);
    rgtg_write_file_atomic(tok, "tokenizer B", 11);
    rs = rgtg_model_load_for(rm_dir, RGTG_HEAD_LM, TT_CPU, &role);
    check(rs != RGTG_OK && strstr(rgtg_error_message(), "rm is a reward model, not a language model"),
          "a reward model where a language model is needed", rgtg_error_message());
    rgtg_error_clear();
    rs = rgtg_check_same_tokenizer(dir, rm_dir);
    check(rs != RGTG_OK && strstr(rgtg_error_message(), "its tokenizer differs from"),
          "two models with different tokenizer files are refused", rgtg_error_message());
    rgtg_error_clear();
    rgtg_write_file_atomic(tok, "tokenizer A", 11);
    check(rgtg_check_same_tokenizer(dir, rm_dir) == RGTG_OK, "the same tokenizer file passes", rgtg_error_message());
    char sha[65];
    rgtg_sha256_bytes("tokenizer A", 11, sha);
    check(rgtg_check_tokenizer_matches_data(rm_dir, sha, "prefs.h5") == RGTG_OK, "a data file's tokenizer hash matches",
          rgtg_error_message());
    rs = rgtg_check_tokenizer_matches_data(rm_dir, "00ff", "prefs.h5");
    check(rs != RGTG_OK && strstr(rgtg_error_message(), "differs from the one prefs.h5 was built with"),
          "a data file built with another tokenizer is refused", rgtg_error_message());
    rgtg_error_clear();

    rgtg_model_free(m);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    if (system(cmd) != 0) failures++;
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
