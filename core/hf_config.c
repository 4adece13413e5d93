/* core/hf_config.c: reads and writes config.json (transformers' LlamaConfig, Qwen2Config and
 * MistralConfig) for rgtg_model_config_t, and generation_config.json's EOS ids, with transformers'
 * defaults and refusals of what the model does not implement (see hf_config.h). */
#define _POSIX_C_SOURCE 200809L
#include "hf_config.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fsutil.h"
#include "json_file.h"

static rgtg_status_t field_error(rgtg_status_t status, const char *path, const char *field, const char *what) {
    return rgtg_error_set(status, "%s: field '%s' %s", path, field, what);
}

/* A positive int; absent (or null when optional) gives fallback, or an error when required. */
static rgtg_status_t read_positive_int(const char *path, json_t *root, const char *field, bool required,
                                       int fallback, int *out) {
    json_t *v = json_object_get(root, field);
    if (!v || (!required && json_is_null(v))) {
        if (required) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: missing field '%s'", path, field);
        *out = fallback;
        return RGTG_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > INT_MAX)
        return field_error(RGTG_ERR_FORMAT, path, field, "must be a positive integer");
    *out = (int)json_integer_value(v);
    return RGTG_OK;
}

static rgtg_status_t read_positive_number(const char *path, json_t *root, const char *field, bool required,
                                          double fallback, double *out) {
    json_t *v = json_object_get(root, field);
    if (!v || (!required && json_is_null(v))) {
        if (required) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: missing field '%s'", path, field);
        *out = fallback;
        return RGTG_OK;
    }
    if (!json_is_number(v) || !(json_number_value(v) > 0) || !isfinite(json_number_value(v)))
        return field_error(RGTG_ERR_FORMAT, path, field, "must be a positive number");
    *out = json_number_value(v);
    return RGTG_OK;
}

static rgtg_status_t read_bool(const char *path, json_t *root, const char *field, bool fallback, bool *out) {
    json_t *v = json_object_get(root, field);
    if (!v || json_is_null(v)) {
        *out = fallback;
        return RGTG_OK;
    }
    if (!json_is_boolean(v)) return field_error(RGTG_ERR_FORMAT, path, field, "must be true or false");
    *out = json_is_true(v);
    return RGTG_OK;
}

/* A token id: absent, null or -1 -> -1; a list -> its first entry (eos_token_id has its own reader). */
static rgtg_status_t read_token_id(const char *path, json_t *root, const char *field, int *out) {
    json_t *v = json_object_get(root, field);
    if (json_is_array(v)) v = json_array_size(v) > 0 ? json_array_get(v, 0) : NULL;
    if (!v || json_is_null(v)) {
        *out = -1;
        return RGTG_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < -1 || json_integer_value(v) > INT_MAX)
        return field_error(RGTG_ERR_FORMAT, path, field, "must be a non-negative integer, a list of them, or null");
    *out = (int)json_integer_value(v);
    return RGTG_OK;
}

/* Adds id to c's stop ids (eos_token_id first, then the extra ones), skipping repeats. */
static rgtg_status_t add_stop_id(const char *path, rgtg_model_config_t *c, int id) {
    if (id < 0 || rgtg_model_config_is_stop(c, id)) return RGTG_OK;
    if (c->eos_token_id < 0) {
        c->eos_token_id = id;
        return RGTG_OK;
    }
    if (c->extra_eos_count >= RGTG_MAX_EXTRA_EOS)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: field 'eos_token_id' lists more than %d ids", path,
                              RGTG_MAX_EXTRA_EOS + 1);
    c->extra_eos_token_ids[c->extra_eos_count++] = id;
    return RGTG_OK;
}

/* eos_token_id: an id, null or a list of ids (Llama-3: [128001, 128008, 128009]); every id is a stop. */
static rgtg_status_t read_eos_ids(const char *path, json_t *root, rgtg_model_config_t *c) {
    json_t *v = json_object_get(root, "eos_token_id");
    if (!v || json_is_null(v)) return RGTG_OK;
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    for (size_t i = 0; i < n; i++) {
        json_t *id = json_is_array(v) ? json_array_get(v, i) : v;
        bool list = json_is_array(v);
        if (!json_is_integer(id) || json_integer_value(id) < (list ? 0 : -1) || json_integer_value(id) > INT_MAX)
            return field_error(RGTG_ERR_FORMAT, path, "eos_token_id",
                               "must be a non-negative integer, a list of them, or null");
        rgtg_status_t s = add_stop_id(path, c, (int)json_integer_value(id));
        if (s != RGTG_OK) return s;
    }
    return RGTG_OK;
}

/* A string field that, when present, must equal expected. */
static rgtg_status_t require_string(const char *path, json_t *root, const char *field, const char *expected) {
    json_t *v = json_object_get(root, field);
    if (!v) return RGTG_OK;
    if (!json_is_string(v)) return field_error(RGTG_ERR_FORMAT, path, field, "must be a string");
    if (strcmp(json_string_value(v), expected) != 0)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: field '%s' is '%s'; only '%s' is supported", path, field,
                              json_string_value(v), expected);
    return RGTG_OK;
}

static const char *const arch_names[] = {"llama", "qwen2", "mistral"};
static const char *const arch_prefixes[] = {"Llama", "Qwen2", "Mistral"};
#define ARCH_COUNT 3

/* model_type, when present: llama, qwen2 or mistral (*known false when absent). */
static rgtg_status_t read_model_type(const char *path, json_t *root, rgtg_arch_t *out, bool *known) {
    json_t *v = json_object_get(root, "model_type");
    *known = false;
    if (!v) return RGTG_OK;
    if (!json_is_string(v)) return field_error(RGTG_ERR_FORMAT, path, "model_type", "must be a string");
    for (int i = 0; i < ARCH_COUNT; i++)
        if (strcmp(json_string_value(v), arch_names[i]) == 0) {
            *out = (rgtg_arch_t)i;
            *known = true;
            return RGTG_OK;
        }
    return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: field 'model_type' is '%s'; only 'llama', 'qwen2' and 'mistral' "
                          "are supported", path, json_string_value(v));
}

/* architectures: {Llama,Qwen2,Mistral}For{CausalLM,SequenceClassification}, agreeing with model_type. */
static rgtg_status_t read_head(const char *path, json_t *root, rgtg_model_config_t *c) {
    bool typed;
    rgtg_status_t s = read_model_type(path, root, &c->arch, &typed);
    if (s != RGTG_OK) return s;
    rgtg_head_t *out = &c->head;
    json_t *arch = json_object_get(root, "architectures");
    if (!arch || json_is_null(arch)) {
        *out = RGTG_HEAD_LM;
        return RGTG_OK;
    }
    if (!json_is_array(arch) || json_array_size(arch) != 1 || !json_is_string(json_array_get(arch, 0)))
        return field_error(RGTG_ERR_FORMAT, path, "architectures", "must be a list of one string");
    const char *name = json_string_value(json_array_get(arch, 0));
    int found = -1;
    for (int i = 0; i < ARCH_COUNT && found < 0; i++) {
        size_t n = strlen(arch_prefixes[i]);
        if (strncmp(name, arch_prefixes[i], n) != 0) continue;
        if (strcmp(name + n, "ForCausalLM") == 0) found = i, *out = RGTG_HEAD_LM;
        else if (strcmp(name + n, "ForSequenceClassification") == 0) found = i, *out = RGTG_HEAD_SCORE;
    }
    if (found < 0)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED,
                              "%s: unknown architecture '%s' (expected LlamaForCausalLM or "
                              "LlamaForSequenceClassification, or the Qwen2 or Mistral forms of either)",
                              path, name);
    if (typed && (int)c->arch != found)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: architecture '%s' does not match model_type '%s'", path, name,
                              arch_names[c->arch]);
    c->arch = (rgtg_arch_t)found;
    if (*out == RGTG_HEAD_LM) return RGTG_OK;
    *out = RGTG_HEAD_SCORE;
    /* transformers stores the label count as id2label; with neither key it assumes 2 labels. */
    json_t *num_labels = json_object_get(root, "num_labels");
    json_t *id2label = json_object_get(root, "id2label");
    if (id2label && !json_is_object(id2label))
        return field_error(RGTG_ERR_FORMAT, path, "id2label", "must be an object");
    if (num_labels) {
        if (!json_is_integer(num_labels))
            return field_error(RGTG_ERR_FORMAT, path, "num_labels", "must be a positive integer");
        if (json_integer_value(num_labels) != 1)
            return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: field 'num_labels' is %lld; a reward model needs 1",
                                  path, (long long)json_integer_value(num_labels));
        if (id2label && json_object_size(id2label) != 1)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: field 'id2label' has %zu entries but num_labels is 1", path,
                                  json_object_size(id2label));
        return RGTG_OK;
    }
    if (!id2label)
        return rgtg_error_set(RGTG_ERR_FORMAT,
                              "%s: %s needs 'num_labels': 1 or a one-entry 'id2label' (transformers would assume "
                              "2 labels)",
                              path, name);
    if (json_object_size(id2label) != 1)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: field 'id2label' has %zu labels; a reward model needs 1",
                              path, json_object_size(id2label));
    return RGTG_OK;
}

static const struct {
    const char *name;
    tt_dtype_t dtype;
} dtype_names[] = {{"float32", TT_F32}, {"bfloat16", TT_BF16}, {"float16", TT_F16}, {"float64", TT_F64}};

static rgtg_status_t read_dtype(const char *path, json_t *root, tt_dtype_t *out) {
    const char *field = "torch_dtype";
    json_t *v = json_object_get(root, field);
    if (!v) { /* transformers 4.56+ writes "dtype" */
        field = "dtype";
        v = json_object_get(root, field);
    }
    if (!v || json_is_null(v)) {
        *out = TT_F32;
        return RGTG_OK;
    }
    if (json_is_string(v))
        for (size_t i = 0; i < sizeof dtype_names / sizeof dtype_names[0]; i++)
            if (strcmp(json_string_value(v), dtype_names[i].name) == 0) {
                *out = dtype_names[i].dtype;
                return RGTG_OK;
            }
    return field_error(RGTG_ERR_FORMAT, path, field, "must be one of float32, bfloat16, float16, float64");
}

static rgtg_status_t rope_number(const char *path, json_t *rope, const char *field, double *out) {
    json_t *v = json_object_get(rope, field);
    if (!json_is_number(v) || !(json_number_value(v) > 0) || !isfinite(json_number_value(v)))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: field 'rope_scaling.%s' must be a positive number", path, field);
    *out = json_number_value(v);
    return RGTG_OK;
}

/* rope_scaling: null, or {"rope_type" (older: "type"): "default" | "linear" | "llama3", ...}. */
static rgtg_status_t read_rope_scaling(const char *path, json_t *root, rgtg_rope_scaling_t *r) {
    memset(r, 0, sizeof *r);
    json_t *rope = json_object_get(root, "rope_scaling");
    if (!rope || json_is_null(rope)) return RGTG_OK;
    if (!json_is_object(rope)) return field_error(RGTG_ERR_FORMAT, path, "rope_scaling", "must be an object or null");
    json_t *type = json_object_get(rope, "rope_type");
    if (!type) type = json_object_get(rope, "type");
    if (!json_is_string(type))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: field 'rope_scaling' needs a string 'rope_type' (or 'type')", path);
    const char *name = json_string_value(type);
    rgtg_status_t s = RGTG_OK;
    if (strcmp(name, "default") == 0) return RGTG_OK;
    if (strcmp(name, "linear") == 0) {
        r->type = RGTG_ROPE_LINEAR;
        return rope_number(path, rope, "factor", &r->factor);
    }
    if (strcmp(name, "llama3") != 0)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: rope_scaling type '%s' is not supported (rgtg computes "
                              "'llama3' and 'linear' scaling only)", path, name);
    r->type = RGTG_ROPE_LLAMA3;
    if ((s = rope_number(path, rope, "factor", &r->factor)) != RGTG_OK) return s;
    if ((s = rope_number(path, rope, "low_freq_factor", &r->low_freq_factor)) != RGTG_OK) return s;
    if ((s = rope_number(path, rope, "high_freq_factor", &r->high_freq_factor)) != RGTG_OK) return s;
    json_t *original = json_object_get(rope, "original_max_position_embeddings");
    if (!json_is_integer(original) || json_integer_value(original) <= 0 || json_integer_value(original) > INT_MAX)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: field 'rope_scaling.original_max_position_embeddings' must be a "
                              "positive integer", path);
    r->original_max_position_embeddings = (int)json_integer_value(original);
    return RGTG_OK;
}

/* Biases, head_dim, rope scaling and sliding windows, as each architecture's transformers class reads
 * them: Qwen2 always has q/k/v biases (no o_proj bias) and attends in windows only with
 * use_sliding_window; Mistral has no biases and a window unless sliding_window is null (absent: 4096,
 * MistralConfig's default); LLaMA's attention_bias puts biases on q, k, v and o_proj. */
static rgtg_status_t read_attention(const char *path, json_t *root, rgtg_model_config_t *c) {
    rgtg_status_t s;
    bool mlp_bias = false, attention_bias = false;
    if ((s = read_bool(path, root, "mlp_bias", false, &mlp_bias)) != RGTG_OK) return s;
    if (mlp_bias)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: field 'mlp_bias' is true; MLP biases are not supported", path);
    if ((s = read_bool(path, root, "attention_bias", false, &attention_bias)) != RGTG_OK) return s;
    c->qkv_bias = c->arch == RGTG_ARCH_QWEN2 || (c->arch == RGTG_ARCH_LLAMA && attention_bias);
    c->o_proj_bias = c->arch == RGTG_ARCH_LLAMA && attention_bias;
    int head_dim = 0;
    if ((s = read_positive_int(path, root, "head_dim", false, 0, &head_dim)) != RGTG_OK) return s;
    bool derived = c->hidden_size % c->num_attention_heads == 0 && head_dim == c->hidden_size / c->num_attention_heads;
    c->head_dim = derived ? 0 : head_dim;
    if ((s = read_rope_scaling(path, root, &c->rope_scaling)) != RGTG_OK) return s;
    c->sliding_window = 0;
    bool windowed = false;
    if (c->arch == RGTG_ARCH_QWEN2 && (s = read_bool(path, root, "use_sliding_window", false, &windowed)) != RGTG_OK)
        return s;
    if (c->arch == RGTG_ARCH_MISTRAL) windowed = !json_is_null(json_object_get(root, "sliding_window"));
    if (windowed) return read_positive_int(path, root, "sliding_window", false, 4096, &c->sliding_window);
    return RGTG_OK;
}

/* Runs validate and puts path in front of its message. */
static rgtg_status_t validate_with_path(const char *path, const rgtg_model_config_t *cfg) {
    if (rgtg_error_status() != RGTG_OK) return rgtg_model_config_validate(cfg); /* keep an unread root cause */
    rgtg_status_t s = rgtg_model_config_validate(cfg);
    if (s == RGTG_OK) return s;
    char message[1024];
    snprintf(message, sizeof message, "%s", rgtg_error_message());
    rgtg_error_clear();
    return rgtg_error_set(s, "%s: %s", path, message);
}

static rgtg_status_t parse_config(const char *path, json_t *root, rgtg_model_config_t *c) {
    rgtg_status_t s;
    if ((s = require_string(path, root, "hidden_act", "silu")) != RGTG_OK) return s;
    if ((s = read_head(path, root, c)) != RGTG_OK) return s;
    if ((s = read_positive_int(path, root, "vocab_size", true, 0, &c->vocab_size)) != RGTG_OK) return s;
    if ((s = read_positive_int(path, root, "hidden_size", true, 0, &c->hidden_size)) != RGTG_OK) return s;
    if ((s = read_positive_int(path, root, "intermediate_size", true, 0, &c->intermediate_size)) != RGTG_OK) return s;
    if ((s = read_positive_int(path, root, "num_hidden_layers", true, 0, &c->num_hidden_layers)) != RGTG_OK) return s;
    if ((s = read_positive_int(path, root, "num_attention_heads", true, 0, &c->num_attention_heads)) != RGTG_OK)
        return s;
    if ((s = read_positive_int(path, root, "num_key_value_heads", false, c->num_attention_heads,
                               &c->num_key_value_heads)) != RGTG_OK)
        return s;
    if ((s = read_positive_int(path, root, "max_position_embeddings", true, 0, &c->max_position_embeddings)) !=
        RGTG_OK)
        return s;
    if ((s = read_positive_number(path, root, "rms_norm_eps", true, 0, &c->rms_norm_eps)) != RGTG_OK) return s;
    if ((s = read_positive_number(path, root, "rope_theta", false, 10000.0, &c->rope_theta)) != RGTG_OK) return s;
    if ((s = read_bool(path, root, "tie_word_embeddings", false, &c->tie_word_embeddings)) != RGTG_OK) return s;
    if ((s = read_token_id(path, root, "bos_token_id", &c->bos_token_id)) != RGTG_OK) return s;
    c->eos_token_id = -1;
    if ((s = read_eos_ids(path, root, c)) != RGTG_OK) return s;
    if ((s = read_token_id(path, root, "pad_token_id", &c->pad_token_id)) != RGTG_OK) return s;
    if ((s = read_dtype(path, root, &c->dtype)) != RGTG_OK) return s;
    if ((s = read_attention(path, root, c)) != RGTG_OK) return s;
    return validate_with_path(path, c);
}

rgtg_status_t rgtg_hf_config_read(const char *path, rgtg_model_config_t *out) {
    json_t *root = NULL;
    rgtg_status_t s = rgtg_json_read_file(path, &root);
    if (s != RGTG_OK) return s;
    rgtg_model_config_t c;
    memset(&c, 0, sizeof c);
    if (!json_is_object(root)) s = rgtg_error_set(RGTG_ERR_FORMAT, "%s: top level is not a JSON object", path);
    else s = parse_config(path, root, &c);
    json_decref(root);
    if (s == RGTG_OK) *out = c;
    return s;
}

/* Fewest significant digits (1..17) with which %g gives back x exactly. */
static int round_trip_digits(double x) {
    char buf[40];
    for (int p = 1; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, x);
        if (strtod(buf, NULL) == x) return p;
    }
    return 17;
}

/* Digits so that every real prints exactly, and an integral rope_theta prints as 500000.0, not 5e+05. */
static int real_precision(const rgtg_model_config_t *c) {
    const rgtg_rope_scaling_t *r = &c->rope_scaling;
    double reals[5] = {c->rms_norm_eps, c->rope_theta, r->factor, r->low_freq_factor, r->high_freq_factor};
    int p = 1;
    for (int i = 0; i < 5; i++) {
        int q = round_trip_digits(reals[i]);
        if (q > p) p = q;
        if (reals[i] >= 1 && reals[i] < 1e15) {
            int int_digits = (int)floor(log10(reals[i])) + 1;
            if (int_digits > p) p = int_digits;
        }
    }
    return p;
}

static json_t *rope_scaling_json(const rgtg_rope_scaling_t *r) {
    if (r->type == RGTG_ROPE_NONE) return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "rope_type", json_string(r->type == RGTG_ROPE_LINEAR ? "linear" : "llama3"));
    json_object_set_new(o, "factor", json_real(r->factor));
    if (r->type == RGTG_ROPE_LLAMA3) {
        json_object_set_new(o, "low_freq_factor", json_real(r->low_freq_factor));
        json_object_set_new(o, "high_freq_factor", json_real(r->high_freq_factor));
        json_object_set_new(o, "original_max_position_embeddings", json_integer(r->original_max_position_embeddings));
    }
    return o;
}

static json_t *eos_json(const rgtg_model_config_t *c) {
    if (c->extra_eos_count == 0) return c->eos_token_id < 0 ? json_null() : json_integer(c->eos_token_id);
    json_t *list = json_array();
    json_array_append_new(list, json_integer(c->eos_token_id));
    for (int i = 0; i < c->extra_eos_count; i++) json_array_append_new(list, json_integer(c->extra_eos_token_ids[i]));
    return list;
}

static json_t *token_json(int id) { return id < 0 ? json_null() : json_integer(id); }

rgtg_status_t rgtg_hf_config_write(const char *path, const rgtg_model_config_t *c) {
    rgtg_status_t s = validate_with_path(path, c);
    if (s != RGTG_OK) return s;
    const char *dtype_name = NULL;
    for (size_t i = 0; i < sizeof dtype_names / sizeof dtype_names[0]; i++)
        if (dtype_names[i].dtype == c->dtype) dtype_name = dtype_names[i].name;
    json_t *root = json_object();
    json_t *arch = json_array();
    if (!root || !arch) {
        json_decref(root);
        json_decref(arch);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    bool score = c->head == RGTG_HEAD_SCORE;
    char arch_name[64];
    snprintf(arch_name, sizeof arch_name, "%s%s", arch_prefixes[c->arch], score ? "ForSequenceClassification" : "ForCausalLM");
    json_array_append_new(arch, json_string(arch_name));
    json_object_set_new(root, "architectures", arch);
    json_object_set_new(root, "model_type", json_string(arch_names[c->arch]));
    if (c->head_dim > 0) json_object_set_new(root, "head_dim", json_integer(c->head_dim));
    if (c->arch == RGTG_ARCH_QWEN2) {
        json_object_set_new(root, "use_sliding_window", json_boolean(c->sliding_window > 0));
        json_object_set_new(root, "sliding_window", c->sliding_window > 0 ? json_integer(c->sliding_window) : json_null());
    } else if (c->arch == RGTG_ARCH_MISTRAL) {
        json_object_set_new(root, "sliding_window", c->sliding_window > 0 ? json_integer(c->sliding_window) : json_null());
    }
    json_object_set_new(root, "vocab_size", json_integer(c->vocab_size));
    json_object_set_new(root, "hidden_size", json_integer(c->hidden_size));
    json_object_set_new(root, "intermediate_size", json_integer(c->intermediate_size));
    json_object_set_new(root, "num_hidden_layers", json_integer(c->num_hidden_layers));
    json_object_set_new(root, "num_attention_heads", json_integer(c->num_attention_heads));
    json_object_set_new(root, "num_key_value_heads", json_integer(c->num_key_value_heads));
    json_object_set_new(root, "max_position_embeddings", json_integer(c->max_position_embeddings));
    json_object_set_new(root, "rms_norm_eps", json_real(c->rms_norm_eps));
    json_object_set_new(root, "rope_theta", json_real(c->rope_theta));
    json_object_set_new(root, "rope_scaling", rope_scaling_json(&c->rope_scaling));
    json_object_set_new(root, "tie_word_embeddings", json_boolean(c->tie_word_embeddings));
    json_object_set_new(root, "bos_token_id", token_json(c->bos_token_id));
    json_object_set_new(root, "eos_token_id", eos_json(c));
    json_object_set_new(root, "pad_token_id", token_json(c->pad_token_id));
    json_object_set_new(root, "torch_dtype", json_string(dtype_name));
    json_object_set_new(root, "hidden_act", json_string("silu"));
    if (c->arch == RGTG_ARCH_LLAMA) {
        json_object_set_new(root, "attention_bias", json_boolean(c->qkv_bias));
        json_object_set_new(root, "mlp_bias", json_false());
    }
    if (score) {
        json_t *id2label = json_object(), *label2id = json_object();
        json_object_set_new(id2label, "0", json_string("LABEL_0"));
        json_object_set_new(label2id, "LABEL_0", json_integer(0));
        json_object_set_new(root, "id2label", id2label);
        json_object_set_new(root, "label2id", label2id);
        json_object_set_new(root, "num_labels", json_integer(1));
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(real_precision(c)));
    json_decref(root);
    if (!text) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    size_t len = strlen(text);
    char *with_newline = realloc(text, len + 2);
    if (!with_newline) {
        free(text);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    with_newline[len] = '\n';
    with_newline[len + 1] = '\0';
    s = rgtg_write_file_atomic(path, with_newline, len + 1);
    free(with_newline);
    return s;
}

rgtg_status_t rgtg_hf_generation_config_merge(const char *path, rgtg_model_config_t *cfg) {
    if (!rgtg_path_exists(path)) return RGTG_OK;
    json_t *root = NULL;
    rgtg_status_t s = rgtg_json_read_file(path, &root);
    if (s != RGTG_OK) return s;
    rgtg_model_config_t c = *cfg;
    if (!json_is_object(root)) s = rgtg_error_set(RGTG_ERR_FORMAT, "%s: top level is not a JSON object", path);
    else s = read_eos_ids(path, root, &c);
    json_decref(root);
    if (s == RGTG_OK) s = validate_with_path(path, &c);
    if (s == RGTG_OK) *cfg = c;
    return s;
}
