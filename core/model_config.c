/* core/model_config.c: the model configuration's defaults (a tiny LLaMA for tests), its consistency
 * checks (biases per architecture, rope scaling, EOS ids; see model.h) and the derived head dimension,
 * stop ids and the BOS to prepend (the rule is read from the tokenizer by core/model.c); the model itself
 * lives elsewhere. */
#include <math.h>

#include "model.h"

#include <stdlib.h>


rgtg_model_config_t rgtg_model_config_default(void) {
    rgtg_model_config_t c = {
        .vocab_size = 512,
        .hidden_size = 64,
        .intermediate_size = 176,
        .num_hidden_layers = 2,
        .num_attention_heads = 4,
        .num_key_value_heads = 2,
        .max_position_embeddings = 256,
        .rms_norm_eps = 1e-6,
        .rope_theta = 10000.0,
        .tie_word_embeddings = false,
        .bos_token_id = 1,
        .eos_token_id = 2,
        .pad_token_id = 3,
        .head = RGTG_HEAD_LM,
        .dtype = TT_F32,
    };
    return c;
}

static rgtg_status_t check_positive(const char *field, int value) {
    if (value > 0) return RGTG_OK;
    return rgtg_error_set(RGTG_ERR_INVALID, "model config: %s must be positive (got %d)", field, value);
}

static rgtg_status_t check_token(const char *field, int id, int vocab_size) {
    if (id >= -1 && id < vocab_size) return RGTG_OK;
    return rgtg_error_set(RGTG_ERR_INVALID, "model config: %s %d must be -1 (none) or below vocab_size %d", field,
                          id, vocab_size);
}

int rgtg_model_config_bos_to_prepend(const rgtg_model_config_t *c) {
    return c->tokenizer_adds_no_bos ? -1 : c->bos_token_id;
}

int rgtg_model_config_head_dim(const rgtg_model_config_t *c) {
    return c->head_dim > 0 ? c->head_dim : c->hidden_size / c->num_attention_heads;
}

int rgtg_model_config_stop_ids(const rgtg_model_config_t *c, int32_t out[1 + RGTG_MAX_EXTRA_EOS]) {
    int n = 0;
    if (c->eos_token_id >= 0) out[n++] = c->eos_token_id;
    for (int i = 0; i < c->extra_eos_count && i < RGTG_MAX_EXTRA_EOS; i++) out[n++] = c->extra_eos_token_ids[i];
    return n;
}

bool rgtg_model_config_is_stop(const rgtg_model_config_t *c, int64_t id) {
    if (id < 0) return false;
    if (id == c->eos_token_id) return true;
    for (int i = 0; i < c->extra_eos_count && i < RGTG_MAX_EXTRA_EOS; i++)
        if (id == c->extra_eos_token_ids[i]) return true;
    return false;
}

/* Which biases each architecture has: Qwen2 q/k/v only, Mistral none, LLaMA all four or none. */
static rgtg_status_t check_architecture(const rgtg_model_config_t *c) {
    switch (c->arch) {
    case RGTG_ARCH_LLAMA:
        if (c->qkv_bias == c->o_proj_bias) return RGTG_OK;
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: a LLaMA model has biases on q/k/v and o_proj alike "
                              "(attention_bias) or on none");
    case RGTG_ARCH_QWEN2:
        if (c->qkv_bias && !c->o_proj_bias) return RGTG_OK;
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: a Qwen2 model has q/k/v biases and no o_proj bias");
    case RGTG_ARCH_MISTRAL:
        if (!c->qkv_bias && !c->o_proj_bias) return RGTG_OK;
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: a Mistral model has no attention biases");
    }
    return rgtg_error_set(RGTG_ERR_INVALID, "model config: unknown architecture code %d", (int)c->arch);
}

static bool positive_finite(double x) { return x > 0 && isfinite(x); }

static rgtg_status_t check_rope_scaling(const rgtg_rope_scaling_t *r) {
    switch (r->type) {
    case RGTG_ROPE_NONE: return RGTG_OK;
    case RGTG_ROPE_LINEAR:
        if (positive_finite(r->factor)) return RGTG_OK;
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: linear rope_scaling needs a positive factor (got %g)",
                              r->factor);
    case RGTG_ROPE_LLAMA3:
        if (!positive_finite(r->factor) || !positive_finite(r->low_freq_factor) ||
            !positive_finite(r->high_freq_factor) || r->original_max_position_embeddings <= 0)
            return rgtg_error_set(RGTG_ERR_INVALID, "model config: llama3 rope_scaling needs positive factor, "
                                  "low_freq_factor, high_freq_factor and original_max_position_embeddings");
        if (!(r->low_freq_factor < r->high_freq_factor))
            return rgtg_error_set(RGTG_ERR_INVALID, "model config: llama3 rope_scaling needs low_freq_factor (%g) "
                                  "below high_freq_factor (%g)", r->low_freq_factor, r->high_freq_factor);
        return RGTG_OK;
    }
    return rgtg_error_set(RGTG_ERR_INVALID, "model config: unknown rope_scaling code %d", (int)r->type);
}

static rgtg_status_t check_extra_eos(const rgtg_model_config_t *c) {
    if (c->extra_eos_count < 0 || c->extra_eos_count > RGTG_MAX_EXTRA_EOS)
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: %d end-of-sequence ids beyond eos_token_id; at most %d",
                              c->extra_eos_count, RGTG_MAX_EXTRA_EOS);
    if (c->extra_eos_count > 0 && c->eos_token_id < 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: further end-of-sequence ids without an eos_token_id");
    for (int i = 0; i < c->extra_eos_count; i++) {
        int id = c->extra_eos_token_ids[i];
        if (id < 0 || id >= c->vocab_size)
            return rgtg_error_set(RGTG_ERR_INVALID, "model config: eos_token_id %d must be below vocab_size %d", id,
                                  c->vocab_size);
        bool repeated = id == c->eos_token_id;
        for (int j = 0; j < i; j++) repeated |= id == c->extra_eos_token_ids[j];
        if (repeated) return rgtg_error_set(RGTG_ERR_INVALID, "model config: eos_token_id %d is listed twice", id);
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_model_config_validate(const rgtg_model_config_t *c) {
    rgtg_status_t s;
    if ((s = check_positive("vocab_size", c->vocab_size)) != RGTG_OK) return s;
    if ((s = check_positive("hidden_size", c->hidden_size)) != RGTG_OK) return s;
    if ((s = check_positive("intermediate_size", c->intermediate_size)) != RGTG_OK) return s;
    if ((s = check_positive("num_hidden_layers", c->num_hidden_layers)) != RGTG_OK) return s;
    if ((s = check_positive("num_attention_heads", c->num_attention_heads)) != RGTG_OK) return s;
    if ((s = check_positive("num_key_value_heads", c->num_key_value_heads)) != RGTG_OK) return s;
    if ((s = check_positive("max_position_embeddings", c->max_position_embeddings)) != RGTG_OK) return s;
    if (c->head_dim < 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: head_dim must be positive (got %d)", c->head_dim);
    if (c->head_dim == 0 && c->hidden_size % c->num_attention_heads != 0)
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "model config: hidden_size %d must be divisible by num_attention_heads %d",
                              c->hidden_size, c->num_attention_heads);
    if (c->num_attention_heads % c->num_key_value_heads != 0)
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "model config: num_attention_heads %d must be divisible by num_key_value_heads %d",
                              c->num_attention_heads, c->num_key_value_heads);
    int head_dim = rgtg_model_config_head_dim(c);
    if (head_dim % 2 != 0)
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "model config: head dimension %d (%s) must be even for rotary embeddings", head_dim,
                              c->head_dim ? "head_dim" : "hidden_size / num_attention_heads");
    if ((s = check_architecture(c)) != RGTG_OK) return s;
    if ((s = check_rope_scaling(&c->rope_scaling)) != RGTG_OK) return s;
    if (c->sliding_window < 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: sliding_window must be 0 (none) or positive (got %d)",
                              c->sliding_window);
    if (!(c->rms_norm_eps > 0) || !isfinite(c->rms_norm_eps))
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: rms_norm_eps must be a positive finite number (got %g)",
                              c->rms_norm_eps);
    if (!(c->rope_theta > 0) || !isfinite(c->rope_theta))
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: rope_theta must be a positive finite number (got %g)",
                              c->rope_theta);
    if ((s = check_token("bos_token_id", c->bos_token_id, c->vocab_size)) != RGTG_OK) return s;
    if ((s = check_token("eos_token_id", c->eos_token_id, c->vocab_size)) != RGTG_OK) return s;
    if ((s = check_token("pad_token_id", c->pad_token_id, c->vocab_size)) != RGTG_OK) return s;
    if ((s = check_extra_eos(c)) != RGTG_OK) return s;
    if (c->head != RGTG_HEAD_LM && c->head != RGTG_HEAD_SCORE)
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: unknown head code %d", (int)c->head);
    if (c->dtype != TT_F32 && c->dtype != TT_F16 && c->dtype != TT_BF16 && c->dtype != TT_F64)
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: dtype code %d is not a floating-point type",
                              (int)c->dtype);
    return RGTG_OK;
}
