/* core/model_config.c: the model configuration's defaults (a tiny LLaMA for tests) and its
 * consistency checks (see model.h); the model itself lives elsewhere. */
#include <math.h>

#include "model.h"

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

rgtg_status_t rgtg_model_config_validate(const rgtg_model_config_t *c) {
    rgtg_status_t s;
    if ((s = check_positive("vocab_size", c->vocab_size)) != RGTG_OK) return s;
    if ((s = check_positive("hidden_size", c->hidden_size)) != RGTG_OK) return s;
    if ((s = check_positive("intermediate_size", c->intermediate_size)) != RGTG_OK) return s;
    if ((s = check_positive("num_hidden_layers", c->num_hidden_layers)) != RGTG_OK) return s;
    if ((s = check_positive("num_attention_heads", c->num_attention_heads)) != RGTG_OK) return s;
    if ((s = check_positive("num_key_value_heads", c->num_key_value_heads)) != RGTG_OK) return s;
    if ((s = check_positive("max_position_embeddings", c->max_position_embeddings)) != RGTG_OK) return s;
    if (c->hidden_size % c->num_attention_heads != 0)
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "model config: hidden_size %d must be divisible by num_attention_heads %d",
                              c->hidden_size, c->num_attention_heads);
    if (c->num_attention_heads % c->num_key_value_heads != 0)
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "model config: num_attention_heads %d must be divisible by num_key_value_heads %d",
                              c->num_attention_heads, c->num_key_value_heads);
    int head_dim = c->hidden_size / c->num_attention_heads;
    if (head_dim % 2 != 0)
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "model config: head dimension %d (hidden_size / num_attention_heads) must be even "
                              "for rotary embeddings",
                              head_dim);
    if (!(c->rms_norm_eps > 0) || !isfinite(c->rms_norm_eps))
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: rms_norm_eps must be a positive finite number (got %g)",
                              c->rms_norm_eps);
    if (!(c->rope_theta > 0) || !isfinite(c->rope_theta))
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: rope_theta must be a positive finite number (got %g)",
                              c->rope_theta);
    if ((s = check_token("bos_token_id", c->bos_token_id, c->vocab_size)) != RGTG_OK) return s;
    if ((s = check_token("eos_token_id", c->eos_token_id, c->vocab_size)) != RGTG_OK) return s;
    if ((s = check_token("pad_token_id", c->pad_token_id, c->vocab_size)) != RGTG_OK) return s;
    if (c->head != RGTG_HEAD_LM && c->head != RGTG_HEAD_SCORE)
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: unknown head code %d", (int)c->head);
    if (c->dtype != TT_F32 && c->dtype != TT_F16 && c->dtype != TT_BF16 && c->dtype != TT_F64)
        return rgtg_error_set(RGTG_ERR_INVALID, "model config: dtype code %d is not a floating-point type",
                              (int)c->dtype);
    return RGTG_OK;
}
