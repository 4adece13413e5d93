/* decode/checks.h: every model a decoding run loads (the LM, a guide reward model, a value model, a
 * Best-of-N scorer) is opened through here, so that it meets the same checks before any decoding:
 * the right kind of head (read from config.json before the weights), the same tokenizer as the LM
 * (sha256 of its tokenizer file, tokenizer.json or tokenizer.model as core/tokenizer.h chooses; a missing
 * one is refused), and finite parameters (a NaN or infinite
 * weight is refused naming the tensor). The weights' sha256 is what the generations file records. */
#ifndef RGTG_DECODE_CHECKS_H
#define RGTG_DECODE_CHECKS_H

#include "../core/model.h"

typedef struct {
    const char *dir;             /* as given */
    const char *role;            /* "language model", "reward model", "value model": for messages */
    rgtg_model_config_t config;  /* from config.json, and the BOS rule of dir's tokenizer */
    char tokenizer_sha256[65];   /* of the tokenizer file */
    const char *tokenizer_file;  /* its name in dir: "tokenizer.json" or "tokenizer.model" */
    char weights_sha256[65];     /* after rgtg_decode_model_load */
    rgtg_model_t *model;         /* after rgtg_decode_model_load */
} rgtg_decode_model_t;

/* Reads dir/config.json and hashes dir's tokenizer file. want: the head the role needs. Errors:
 * "DIR is a reward model, not a language model (config.json: LlamaForSequenceClassification)",
 * "DIR is a language model, not a value model (...)", "DIR has no tokenizer.model or tokenizer.json ...". */
rgtg_status_t rgtg_decode_model_open(const char *dir, rgtg_head_t want, const char *role, rgtg_decode_model_t *out);
/* Refuses other unless its tokenizer file has the same bytes as the LM's, its vocabulary and
 * special ids agree and it reads the same BOS first (rgtg_model_config_bos_to_prepend). */
rgtg_status_t rgtg_decode_model_same_tokenizer(const rgtg_decode_model_t *lm, const rgtg_decode_model_t *other);
/* Loads the weights on CPU, refuses non-finite parameters, and hashes the weights: the sha256 of
 * model.safetensors, or for a sharded checkpoint the sha256 of the lines "SHARD SHA256\n" of its
 * shards in name order. */
rgtg_status_t rgtg_decode_model_load(rgtg_decode_model_t *m);
/* Refuses a model with a NaN or infinite parameter, naming the first such tensor. */
rgtg_status_t rgtg_decode_check_finite(const rgtg_model_t *model, const char *dir);
void rgtg_decode_model_close(rgtg_decode_model_t *m);

#endif
