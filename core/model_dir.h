/* core/model_dir.h: a model directory as commands meet it: complete (config.json, weights and
 * a tokenizer: tokenizer.json or tokenizer.model, see core/tokenizer.h), of the kind its role needs (a language model or a reward model), and made with
 * the same tokenizer as the data or the other model it is used with. Every command that loads a
 * model for a role (train's model.init, decode's LM and guide, eval's scorer) goes through here, so
 * that a wrong directory is refused with one plain sentence before any work. */
#ifndef RGTG_CORE_MODEL_DIR_H
#define RGTG_CORE_MODEL_DIR_H

#include "model.h"
#include "status.h"

/* "a language model" or "a reward model" (the score head also serves value models). */
const char *rgtg_head_description(rgtg_head_t head);

/* Refuses (RGTG_ERR_FORMAT) a directory without a tokenizer: "DIR: incomplete model directory:
 * tokenizer.json or tokenizer.model is missing". */
rgtg_status_t rgtg_model_dir_has_tokenizer(const char *dir);

/* The lowercase hex sha256 of the directory's tokenizer file (the one rgtg_tokenizer_load(dir) runs:
 * tokenizer.json, else tokenizer.model) into hex_out[65]: the tokenizer's identity. */
rgtg_status_t rgtg_tokenizer_file_sha256(const char *dir, char hex_out[65]);

/* The sha256 that identifies a checkpoint's weights (what generations files record for a model):
 * that of model.safetensors, or for a sharded checkpoint that of the lines "SHARD SHA256\n" of its
 * shards in name order. */
rgtg_status_t rgtg_model_weights_sha256(const char *dir, char hex_out[65]);

/* Refuses (RGTG_ERR_INVALID) two model directories whose tokenizer files differ: "DIR_B: its
 * tokenizer differs from DIR_A's (sha256 ... vs ...)". Same vocabulary size is not enough. */
rgtg_status_t rgtg_check_same_tokenizer(const char *dir_a, const char *dir_b);

/* Refuses a model directory whose tokenizer file is not the one data_path (a prefs.h5) records
 * (its tokenizer_sha256 attribute, given as sha256_hex; an empty one is not checked). */
rgtg_status_t rgtg_check_tokenizer_matches_data(const char *dir, const char *sha256_hex, const char *data_path);

/* Loads a model for a role: the directory must be complete (rgtg_model_dir_complete and
 * rgtg_model_dir_has_tokenizer) and its head must be head, else
 * "DIR is a reward model, not a language model" (checked from config.json before any weight is
 * read); then rgtg_model_load (matching tensors, finite weights). */
rgtg_status_t rgtg_model_load_for(const char *dir, rgtg_head_t head, tt_device_t device, rgtg_model_t **out);

#endif
