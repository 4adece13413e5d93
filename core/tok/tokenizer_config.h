/* core/tok/tokenizer_config.h: what rgtg reads from transformers' tokenizer_config.json: the
 * bos/eos/pad/unk token strings (a string, an {"content": ...} object, or null) and the
 * add_bos_token/add_eos_token switches. Everything else in the file (chat_template, model_max_length,
 * ...) is ignored here. */
#ifndef RGTG_CORE_TOK_TOKENIZER_CONFIG_H
#define RGTG_CORE_TOK_TOKENIZER_CONFIG_H

#include "../status.h"

typedef struct {
    char *bos_token, *eos_token, *pad_token, *unk_token; /* malloc'd; NULL when absent or null */
    int add_bos_token, add_eos_token;                     /* 1, 0, or -1 when the file does not say */
} tok_tokenizer_config_t;

/* Reads path; errors name the file (and line and column for malformed JSON). */
rgtg_status_t tok_tokenizer_config_load(const char *path, tok_tokenizer_config_t *out);
/* An empty config: no tokens named, both switches -1. */
void tok_tokenizer_config_init(tok_tokenizer_config_t *config);
void tok_tokenizer_config_free(tok_tokenizer_config_t *config);

#endif
