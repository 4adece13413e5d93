/* decode/checks.c: opening, checking and hashing the models of a decoding run (see checks.h). */
#define _POSIX_C_SOURCE 200809L
#include "checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/hf_config.h"
#include "../core/model_dir.h"
#include "../core/tokenizer.h"

static const char *head_role(rgtg_head_t head) { return head == RGTG_HEAD_LM ? "a language model" : "a reward model"; }

static const char *architecture(rgtg_head_t head) {
    return head == RGTG_HEAD_LM ? "LlamaForCausalLM" : "LlamaForSequenceClassification";
}

rgtg_status_t rgtg_decode_model_open(const char *dir, rgtg_head_t want, const char *role, rgtg_decode_model_t *out) {
    memset(out, 0, sizeof *out);
    out->dir = dir, out->role = role;
    char *config_path = rgtg_path_join(dir, RGTG_HF_CONFIG_FILE), *json_path = rgtg_path_join(dir, "tokenizer.json"),
         *tok_path = rgtg_path_join(dir, "tokenizer.model");
    rgtg_status_t st = config_path && json_path && tok_path ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (st == RGTG_OK) st = rgtg_hf_config_read(config_path, &out->config);
    if (st == RGTG_OK) st = rgtg_model_config_read_bos_rule(dir, &out->config);
    if (st == RGTG_OK && out->config.head != want)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s is %s, not a %s (config.json: %s)", dir, head_role(out->config.head),
                            role, architecture(out->config.head));
    if (st == RGTG_OK && !rgtg_path_exists(tok_path) && !rgtg_path_exists(json_path))
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s has no tokenizer.model or tokenizer.json: its tokenizer cannot be "
                            "checked against the language model's", dir);
    rgtg_tokenizer_files_t files;
    if (st == RGTG_OK) st = rgtg_tokenizer_files(dir, &files);
    if (st == RGTG_OK) {
        memcpy(out->tokenizer_sha256, files.sha256, sizeof out->tokenizer_sha256);
        out->tokenizer_file = rgtg_tokenizer_file_name(files.kind);
        rgtg_tokenizer_files_free(&files);
    }
    free(config_path), free(json_path), free(tok_path);
    return st;
}

rgtg_status_t rgtg_decode_model_same_tokenizer(const rgtg_decode_model_t *lm, const rgtg_decode_model_t *other) {
    if (strcmp(lm->tokenizer_sha256, other->tokenizer_sha256) != 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s/%s is not the language model's tokenizer (%s/%s): "
                              "sha256 %.12s... against %.12s...; the %s would read other tokens than the LM writes",
                              other->dir, other->tokenizer_file, lm->dir, lm->tokenizer_file, other->tokenizer_sha256,
                              lm->tokenizer_sha256, other->role);
    const rgtg_model_config_t *a = &lm->config, *b = &other->config;
    if (a->vocab_size != b->vocab_size || a->bos_token_id != b->bos_token_id || a->eos_token_id != b->eos_token_id)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: config.json has vocab_size %d, bos %d, eos %d, but the language model "
                              "(%s) has %d, %d, %d", other->dir, b->vocab_size, b->bos_token_id, b->eos_token_id, lm->dir,
                              a->vocab_size, a->bos_token_id, a->eos_token_id);
    if (rgtg_model_config_bos_to_prepend(a) != rgtg_model_config_bos_to_prepend(b))
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: reads BOS %d first where the language model (%s) reads %d (-1: none; "
                              "its tokenizer_config.json decides, see core/MODELS.md)", other->dir,
                              rgtg_model_config_bos_to_prepend(b), lm->dir, rgtg_model_config_bos_to_prepend(a));
    return RGTG_OK;
}

rgtg_status_t rgtg_decode_check_finite(const rgtg_model_t *model, const char *dir) {
    rgtg_status_t st = RGTG_OK;
    for (int i = 0; st == RGTG_OK && i < rgtg_model_tensor_count(model); i++) {
        size_t mark = tt_arena_mark();
        double finite = tt_item(tt_isfinite_all(rgtg_model_tensor(model, i)));
        if (finite != finite) st = rgtg_error_status(); /* NaN: the check itself failed */
        else if (finite == 0)
            st = rgtg_error_set(RGTG_ERR_NUMERIC, "%s: tensor '%s' holds NaN or infinite values", dir,
                                rgtg_model_tensor_name(model, i));
        tt_arena_release(mark);
    }
    return st;
}

rgtg_status_t rgtg_decode_model_load(rgtg_decode_model_t *m) {
    rgtg_status_t st = rgtg_model_load(m->dir, TT_CPU, &m->model);
    if (st == RGTG_OK) st = rgtg_decode_check_finite(m->model, m->dir);
    if (st == RGTG_OK) st = rgtg_model_weights_sha256(m->dir, m->weights_sha256);
    return st;
}

void rgtg_decode_model_close(rgtg_decode_model_t *m) {
    rgtg_model_free(m->model);
    m->model = NULL;
}
