/* tests/make_model.c: writes a small random LLaMA checkpoint directory (config.json,
 * model.safetensors, the tokenizer's files copied: tokenizer.model or tokenizer.json with its
 * tokenizer_config.json), so that command-level tests need no training.
 * Usage: make_model OUT_DIR TOKENIZER lm|score SEED [MAX_POSITIONS] [TENSOR=VALUE ...] [--vocab-rows=N]
 * The vocabulary and special ids are the tokenizer's; TENSOR=VALUE fills one tensor (nan, 3e38, ...).
 * --vocab-rows=N gives the embedding N rows (more than the tokenizer's tokens, as Qwen's checkpoints
 * have), the LM head's rows beyond the tokenizer 3x larger, so that a decoder that does not mask them
 * draws them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/model.h"
#include "../core/tokenizer.h"

int main(int argc, char **argv) {
    int vocab_rows = 0;
    for (int i = 5; i < argc; i++) /* options first, out of the positional arguments */
        if (!strncmp(argv[i], "--vocab-rows=", 13)) {
            vocab_rows = atoi(argv[i] + 13);
            for (int j = i; j + 1 < argc; j++) argv[j] = argv[j + 1];
            argc--, i--;
        }
    if (argc < 5) {
        fprintf(stderr, "usage: make_model OUT_DIR TOKENIZER lm|score SEED [MAX_POSITIONS] [TENSOR=VALUE ...]\n");
        return 2;
    }
    rgtg_tokenizer_t *tok = NULL;
    if (rgtg_tokenizer_load(argv[2], &tok) != RGTG_OK) return fprintf(stderr, "%s\n", rgtg_error_message()), 1;
    rgtg_model_config_t c = rgtg_model_config_default();
    c.vocab_size = rgtg_tokenizer_vocab_size(tok), c.hidden_size = 32, c.intermediate_size = 64, c.num_hidden_layers = 2;
    c.num_attention_heads = 4, c.num_key_value_heads = 2, c.max_position_embeddings = argc > 5 ? atoi(argv[5]) : 128;
    c.bos_token_id = rgtg_tokenizer_bos_id(tok), c.eos_token_id = rgtg_tokenizer_eos_id(tok);
    c.pad_token_id = rgtg_tokenizer_pad_id(tok);
    c.head = strcmp(argv[3], "score") ? RGTG_HEAD_LM : RGTG_HEAD_SCORE;
    int tokens = c.vocab_size;
    if (vocab_rows > 0) c.vocab_size = vocab_rows;
    rgtg_tokenizer_free(tok);
    rgtg_model_t *m = NULL;
    rgtg_status_t st = rgtg_model_create(&c, (uint64_t)atoll(argv[4]), TT_CPU, &m);
    tt_set_grad_enabled(false);
    for (int p = 0; st == RGTG_OK && p < rgtg_model_tensor_count(m); p++) /* peaked distributions */
        if (tt_ndim(rgtg_model_tensor(m, p)) == 2) st = tt_mul_scalar_(rgtg_model_tensor(m, p), 5.0);
    tt_t head = rgtg_model_param(m, "lm_head.weight");
    if (st == RGTG_OK && head && c.vocab_size > tokens)
        st = tt_mul_scalar_(tt_narrow(head, 0, tokens, c.vocab_size - tokens), 3.0);
    for (int i = 6; st == RGTG_OK && i < argc; i++) {
        char name[256];
        const char *eq = strchr(argv[i], '=');
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - argv[i]) : 0, argv[i]);
        tt_t t = rgtg_model_param(m, name);
        st = t && eq ? tt_fill_(t, strtod(eq + 1, NULL)) : rgtg_error_set(RGTG_ERR_INVALID, "no tensor '%s'", argv[i]);
    }
    rgtg_tokenizer_files_t files = {0};
    if (st == RGTG_OK) st = rgtg_model_save(m, argv[1]);
    if (st == RGTG_OK) st = rgtg_tokenizer_files(argv[2], &files);
    if (st == RGTG_OK) st = rgtg_tokenizer_files_copy(&files, argv[1]);
    rgtg_tokenizer_files_free(&files);
    rgtg_model_free(m);
    if (st != RGTG_OK) return fprintf(stderr, "make_model: %s\n", rgtg_error_message()), 1;
    return 0;
}
