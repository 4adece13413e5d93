/* tests/fuzz_hf_config.c: libFuzzer target for config.json (core/hf_config.c): the input is the file.
 * A config that reads must validate, write back, and read back to the same model config.
 * Seeds: tests/fuzz_corpus/hf_config/. Build: tests/run_fuzz.sh hf_config. */
#include "core/hf_config.h"
#include "fuzz_util.h"

static bool same_config(const rgtg_model_config_t *a, const rgtg_model_config_t *b) {
    return a->vocab_size == b->vocab_size && a->hidden_size == b->hidden_size &&
           a->intermediate_size == b->intermediate_size && a->num_hidden_layers == b->num_hidden_layers &&
           a->num_attention_heads == b->num_attention_heads && a->num_key_value_heads == b->num_key_value_heads &&
           a->max_position_embeddings == b->max_position_embeddings && a->rms_norm_eps == b->rms_norm_eps &&
           a->rope_theta == b->rope_theta && a->tie_word_embeddings == b->tie_word_embeddings &&
           a->bos_token_id == b->bos_token_id && a->eos_token_id == b->eos_token_id &&
           a->pad_token_id == b->pad_token_id && a->head == b->head && a->dtype == b->dtype;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_path("config.json"), *again = fuzz_path("again.json");
    fuzz_write(path, data, size);
    rgtg_model_config_t config, back;
    if (rgtg_hf_config_read(path, &config) == RGTG_OK) {
        FUZZ_ASSERT(rgtg_model_config_validate(&config) == RGTG_OK, "a config that reads does not validate: %s",
                    rgtg_error_message());
        FUZZ_ASSERT(rgtg_hf_config_write(again, &config) == RGTG_OK, "cannot write back: %s", rgtg_error_message());
        FUZZ_ASSERT(rgtg_hf_config_read(again, &back) == RGTG_OK, "cannot read back: %s", rgtg_error_message());
        FUZZ_ASSERT(same_config(&config, &back), "the config changed on a write and read");
    }
    rgtg_error_clear();
    return 0;
}
