/* core/hf_config.h: config.json in transformers' field names (LlamaConfig, Qwen2Config, MistralConfig),
 * read into and written from rgtg_model_config_t (core/model.h), so that checkpoints load both here and
 * in transformers; and generation_config.json's EOS ids. */
#ifndef RGTG_CORE_HF_CONFIG_H
#define RGTG_CORE_HF_CONFIG_H

#include "model.h"
#include "status.h"

#define RGTG_HF_CONFIG_FILE "config.json"

/* Reads path into *out and validates it (rgtg_model_config_validate).
 * Required: vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
 * max_position_embeddings, rms_norm_eps. Defaults as transformers: num_key_value_heads =
 * num_attention_heads, rope_theta = 10000, tie_word_embeddings = false, torch_dtype (or the newer
 * "dtype") = float32, architectures = LlamaForCausalLM; token ids absent or null -> -1. eos_token_id may
 * be a list: its first id is eos_token_id, the others extra_eos_token_ids (every one ends a sequence).
 * model_type llama, qwen2 or mistral with the matching architectures ({Llama,Qwen2,Mistral}For
 * {CausalLM,SequenceClassification}); a sequence-classification head needs exactly one label
 * ("num_labels": 1 or a one-entry id2label). Per architecture (see core/MODELS.md): LLaMA's
 * attention_bias (q/k/v and o_proj biases), Qwen2's q/k/v biases, an explicit head_dim, rope_scaling of
 * rope_type (or type) "linear", "llama3" or "default", and the sliding window (Qwen2 with
 * use_sliding_window, Mistral unless sliding_window is null), which the model refuses for inputs longer
 * than the window. Missing fields and wrong types: RGTG_ERR_FORMAT, "PATH: field 'x' must be ..." or
 * "PATH: missing field 'x'"; unparsable JSON: "PATH:line:column: ...". What the model does not implement
 * is RGTG_ERR_UNSUPPORTED: another model_type, hidden_act other than "silu", an unknown architecture,
 * more than one label, another rope_scaling type ("PATH: rope_scaling type 'yarn' is not supported ..."),
 * mlp_bias true. Validation failures: RGTG_ERR_INVALID. */
rgtg_status_t rgtg_hf_config_read(const char *path, rgtg_model_config_t *out);

/* Validates cfg and writes it atomically as config.json: every field above with the architecture's
 * model_type and class names, hidden_act "silu", for LLaMA attention_bias and mlp_bias false; for the
 * score head num_labels 1 and id2label/label2id {0: LABEL_0}; token ids of -1 as null; eos_token_id
 * as a list when there are extra ids; head_dim only when explicit. */
rgtg_status_t rgtg_hf_config_write(const char *path, const rgtg_model_config_t *cfg);

/* Adds the ids of generation_config.json's eos_token_id (an id or a list) at path to cfg's stop ids
 * (the union with config.json's, as transformers' generate stops at either); a missing file changes
 * nothing. Errors name path. */
#define RGTG_HF_GENERATION_CONFIG_FILE "generation_config.json"
rgtg_status_t rgtg_hf_generation_config_merge(const char *path, rgtg_model_config_t *cfg);

#endif
