/* core/model.h: the LLaMA-architecture transformer (as transformers' LlamaModel computes it; Qwen2
 * and Mistral checkpoints where their math is the same, see core/MODELS.md), its two
 * heads (lm_head: logits; score: one reward per position), training forward over a right-padded batch,
 * and the incremental decoder: a KV cache over a batch of rows with prefill, append, row selection and
 * candidate scoring (k next tokens per row in one forward against the cached prefix). */
#ifndef RGTG_CORE_MODEL_H
#define RGTG_CORE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"
#include "torch/tt.h"

typedef enum { RGTG_HEAD_LM = 0, RGTG_HEAD_SCORE = 1 } rgtg_head_t;

/* The architectures whose math rgtg computes (core/MODELS.md): LLaMA; Qwen2 (LLaMA with q/k/v
 * biases); Mistral (LLaMA, with sliding-window attention refused where it would matter). */
typedef enum { RGTG_ARCH_LLAMA = 0, RGTG_ARCH_QWEN2 = 1, RGTG_ARCH_MISTRAL = 2 } rgtg_arch_t;

/* config.json's rope_scaling: none, linear (positions / factor) or llama3 (low frequencies / factor,
 * high ones kept, the band between smoothed; transformers' _compute_llama3_parameters). */
typedef enum { RGTG_ROPE_NONE = 0, RGTG_ROPE_LINEAR = 1, RGTG_ROPE_LLAMA3 = 2 } rgtg_rope_type_t;
typedef struct {
    rgtg_rope_type_t type;
    double factor;                        /* linear, llama3 */
    double low_freq_factor, high_freq_factor; /* llama3 */
    int original_max_position_embeddings; /* llama3 */
} rgtg_rope_scaling_t;

#define RGTG_MAX_EXTRA_EOS 15

/* Field names follow transformers' LlamaConfig, so config.json maps one to one. */
typedef struct {
    int vocab_size;              /* tokens in the embedding table */
    int hidden_size;             /* model width d */
    int intermediate_size;       /* SwiGLU hidden width */
    int num_hidden_layers;       /* transformer blocks */
    int num_attention_heads;     /* query heads */
    int num_key_value_heads;     /* key/value heads (< query heads: grouped-query attention) */
    int max_position_embeddings; /* longest sequence the model is configured for */
    double rms_norm_eps;         /* RMSNorm epsilon */
    double rope_theta;           /* rotary base */
    bool tie_word_embeddings;    /* lm_head shares model.embed_tokens.weight */
    int bos_token_id, eos_token_id, pad_token_id; /* -1 when absent */
    rgtg_head_t head;            /* LlamaForCausalLM or LlamaForSequenceClassification */
    tt_dtype_t dtype;            /* parameter dtype in memory (torch_dtype in config.json) */
    /* Fields below are zero in a plain LLaMA config (so that older initialisers stay valid). */
    rgtg_arch_t arch;            /* model_type: llama, qwen2 or mistral (the same math, see core/MODELS.md) */
    int head_dim;                /* 0: hidden_size / num_attention_heads; else config.json's explicit head_dim */
    bool qkv_bias, o_proj_bias;  /* q/k/v projection biases (Qwen2; Llama's attention_bias), o_proj bias (Llama's) */
    rgtg_rope_scaling_t rope_scaling;
    int sliding_window;          /* 0: full attention; else the window (refused for longer inputs) */
    int extra_eos_count;         /* further ids that end a sequence, besides eos_token_id (an eos_token_id */
    int extra_eos_token_ids[RGTG_MAX_EXTRA_EOS]; /* list, and generation_config.json's), no repeats */
    bool tokenizer_adds_no_bos;  /* runtime only, never in config.json: the model's tokenizer (and chat
                                    template) put no BOS first (Qwen2/3), so neither does rgtg; see
                                    rgtg_model_config_bos_to_prepend */
} rgtg_model_config_t;

/* The id put before every sequence the model reads (prompts in decode, training rows, reward reads),
 * as transformers puts it: bos_token_id when the model's tokenizer adds a BOS or its chat template
 * writes one, else -1 (no BOS; also when the config has no bos_token_id). See core/MODELS.md. */
int rgtg_model_config_bos_to_prepend(const rgtg_model_config_t *c);
/* Sets c->tokenizer_adds_no_bos from the tokenizer in dir (rgtg_tokenizer_model_reads_bos); a directory
 * without tokenizer.json or tokenizer.model leaves it as it is. */
rgtg_status_t rgtg_model_config_read_bos_rule(const char *dir, rgtg_model_config_t *c);

/* The stop ids of c: eos_token_id (when >= 0) and the extra ones; returns how many (<= 1 + max). */
int rgtg_model_config_stop_ids(const rgtg_model_config_t *c, int32_t out[1 + RGTG_MAX_EXTRA_EOS]);
bool rgtg_model_config_is_stop(const rgtg_model_config_t *c, int64_t id);
/* The head dimension (explicit head_dim, else hidden_size / num_attention_heads). */
int rgtg_model_config_head_dim(const rgtg_model_config_t *c);

/* A small model's defaults (every field set; sizes suit tests). */
rgtg_model_config_t rgtg_model_config_default(void);
/* Checks sizes for consistency (heads divide width, kv heads divide heads, ...). */
rgtg_status_t rgtg_model_config_validate(const rgtg_model_config_t *config);


/* ---- the model ---- */

/* Opaque: weights, rotary tables and the tensor list live in core/model.c. */
typedef struct rgtg_model rgtg_model_t;

/* A fresh model: linear and embedding weights ~ N(0, 0.02^2) from a seeded stream, norms 1. */
rgtg_status_t rgtg_model_create(const rgtg_model_config_t *config, uint64_t seed, tt_device_t device,
                                rgtg_model_t **out);
/* Loads config.json and model.safetensors (or a sharded index) from a Hugging Face directory; the
 * eos_token_id of generation_config.json, when the directory has one, joins the stop ids, and the
 * directory's tokenizer says whether BOS is put first (rgtg_model_config_read_bos_rule).
 * Every tensor the config implies must be present with the implied shape, and no other (a derived
 * rotary_emb.inv_freq buffer aside): a checkpoint that does not match its config is refused, naming
 * the tensor. So are NaN or infinite weights (RGTG_ERR_NUMERIC, naming the tensor; the check is one
 * pass over the bytes beside the copy that loading makes anyway) and a directory without config.json
 * or weights ("incomplete model directory"). Commands load through rgtg_model_load_for
 * (core/model_dir.h), which also checks the head and the tokenizer file. */
rgtg_status_t rgtg_model_load(const char *dir, tt_device_t device, rgtg_model_t **out);
/* Names the first file dir lacks of config.json, the weights (model.safetensors or its sharded
 * index) and, with tokenizer, tokenizer.model: RGTG_ERR_FORMAT "DIR: incomplete model directory:
 * tokenizer.model is missing". */
#define RGTG_TOKENIZER_FILE "tokenizer.model"
rgtg_status_t rgtg_model_dir_complete(const char *dir, bool tokenizer);
/* Writes config.json and model.safetensors (f32 or the model's dtype) atomically into dir. */
rgtg_status_t rgtg_model_save(const rgtg_model_t *model, const char *dir);
void rgtg_model_free(rgtg_model_t *model);
int64_t rgtg_model_parameter_count(const rgtg_model_t *model); /* scalars, not tensors */
tt_t rgtg_model_param(const rgtg_model_t *model, const char *name); /* NULL when absent */
const rgtg_model_config_t *rgtg_model_config(const rgtg_model_t *model);
tt_device_t rgtg_model_device(const rgtg_model_t *model);
/* The weight tensors in a fixed order, under their Hugging Face names (i in [0, count)). */
int rgtg_model_tensor_count(const rgtg_model_t *model);
const char *rgtg_model_tensor_name(const rgtg_model_t *model, int i);
tt_t rgtg_model_tensor(const rgtg_model_t *model, int i);
/* Converts every weight to dtype in place (no-op when it already is). */
rgtg_status_t rgtg_model_convert_dtype(rgtg_model_t *model, tt_dtype_t dtype);

/* Training / reference forward. ids [B, T] int64, mask [B, T] int64 (1 = token, 0 = padding; NULL:
 * all ones). Padding may be on either side: positions are counted from the mask.
 * Returns logits [B, T, vocab] (LM head) or rewards [B, T] (score head) as an arena tensor. */
tt_t rgtg_model_forward(const rgtg_model_t *model, tt_t ids, tt_t mask);
/* The reward (score head) of each of n sequences seqs[i] (lens[i] >= 1 ids each, given without BOS:
 * rgtg_model_config_bos_to_prepend, when >= 0, is put first), batch sequences per forward, without
 * gradients, into out[n]. Read where transformers' *ForSequenceClassification reads it: at the last
 * token that is not pad_token_id (when pad equals EOS, the token before a trailing EOS; a sequence
 * without pad ids, or a model without a pad id, at its last token). See core/MODELS.md. */
rgtg_status_t rgtg_model_sequence_rewards(const rgtg_model_t *rm, const int64_t *const *seqs, const int64_t *lens,
                                          int64_t n, int64_t batch, float *out);
/* Final hidden states [B, T, d] (after the last norm), for heads computed elsewhere. */
tt_t rgtg_model_hidden(const rgtg_model_t *model, tt_t ids, tt_t mask);

/* ---- incremental decoding ---- */

typedef struct rgtg_kv_cache rgtg_kv_cache_t;

/* A cache for rows sequences of up to capacity tokens each (prompt and generated). */
rgtg_status_t rgtg_kv_cache_create(const rgtg_model_t *model, int64_t rows, int64_t capacity,
                                   rgtg_kv_cache_t **out);
void rgtg_kv_cache_free(rgtg_kv_cache_t *cache);
int64_t rgtg_kv_cache_rows(const rgtg_kv_cache_t *cache);
int64_t rgtg_kv_cache_length(const rgtg_kv_cache_t *cache); /* columns filled (shared by all rows) */

/* Fills an empty cache with left-padded prompts ids [R, T], mask [R, T]; returns the outputs at
 * the last column: logits [R, vocab] or rewards [R]. */
tt_t rgtg_model_prefill(const rgtg_model_t *model, rgtg_kv_cache_t *cache, tt_t ids, tt_t mask);
/* Appends one token per row (ids [R]) and returns its outputs: logits [R, vocab] or rewards [R]. */
tt_t rgtg_model_append(const rgtg_model_t *model, rgtg_kv_cache_t *cache, tt_t ids);
/* Scores k candidate next tokens per row (ids [R, k]) in one forward: candidate j of row r sees the
 * row's cached prefix and itself, at the row's next position. Returns logits [R, k, vocab] or rewards
 * [R, k]. The candidates' keys and values stay in the cache until the next score or commit. */
tt_t rgtg_model_score_candidates(const rgtg_model_t *model, rgtg_kv_cache_t *cache, tt_t ids);
/* Appends candidate chosen[r] of the last scoring to each row, with no further forward. */
rgtg_status_t rgtg_kv_cache_commit(rgtg_kv_cache_t *cache, const int64_t *chosen);
/* Keeps rows[0..n) of the cache, in that order (drop finished rows, reorder, duplicate). */
rgtg_status_t rgtg_kv_cache_select_rows(rgtg_kv_cache_t *cache, const int64_t *rows, int64_t n);

#endif
