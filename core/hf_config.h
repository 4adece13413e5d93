/* core/hf_config.h: config.json in transformers' LlamaConfig field names, read into and written from
 * rgtg_model_config_t (core/model.h), so that checkpoints load both here and in transformers. */
#ifndef RGTG_CORE_HF_CONFIG_H
#define RGTG_CORE_HF_CONFIG_H

#include "model.h"
#include "status.h"

#define RGTG_HF_CONFIG_FILE "config.json"

/* Reads path into *out and validates it (rgtg_model_config_validate).
 * Required: vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
 * max_position_embeddings, rms_norm_eps. Defaults as transformers: num_key_value_heads =
 * num_attention_heads, rope_theta = 10000, tie_word_embeddings = false, torch_dtype (or the newer
 * "dtype") = float32, architectures = LlamaForCausalLM; token ids absent or null -> -1 (eos_token_id may
 * be a list: the first is taken). LlamaForSequenceClassification needs exactly one label ("num_labels": 1
 * or a one-entry id2label). Missing fields and wrong types: RGTG_ERR_FORMAT, "PATH: field 'x' must be
 * ..." or "PATH: missing field 'x'"; unparsable JSON: "PATH:line:column: ...". What the model does not
 * implement is RGTG_ERR_UNSUPPORTED: model_type other than "llama", hidden_act other than "silu", an
 * unknown architecture, more than one label, rope_scaling, attention_bias or mlp_bias true, a head_dim
 * other than hidden_size / num_attention_heads. Validation failures: RGTG_ERR_INVALID. */
rgtg_status_t rgtg_hf_config_read(const char *path, rgtg_model_config_t *out);

/* Validates cfg and writes it atomically as config.json: every field above plus model_type "llama",
 * hidden_act "silu", attention_bias and mlp_bias false; for the score head num_labels 1 and
 * id2label/label2id {0: LABEL_0}; token ids of -1 as null. */
rgtg_status_t rgtg_hf_config_write(const char *path, const rgtg_model_config_t *cfg);

#endif
