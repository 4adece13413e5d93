/* core/hf_config.c: reads and writes config.json (transformers' LlamaConfig) for rgtg_model_config_t,
 * with transformers' defaults and refusals of what the model does not implement (see hf_config.h). */
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

/* A token id: absent, null or -1 -> -1; a list (newer eos_token_id) -> its first entry. */
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

static rgtg_status_t read_head(const char *path, json_t *root, rgtg_head_t *out) {
    json_t *arch = json_object_get(root, "architectures");
    if (!arch || json_is_null(arch)) {
        *out = RGTG_HEAD_LM;
        return RGTG_OK;
    }
    if (!json_is_array(arch) || json_array_size(arch) != 1 || !json_is_string(json_array_get(arch, 0)))
        return field_error(RGTG_ERR_FORMAT, path, "architectures", "must be a list of one string");
    const char *name = json_string_value(json_array_get(arch, 0));
    if (strcmp(name, "LlamaForCausalLM") == 0) {
        *out = RGTG_HEAD_LM;
        return RGTG_OK;
    }
    if (strcmp(name, "LlamaForSequenceClassification") != 0)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED,
                              "%s: unknown architecture '%s' (expected LlamaForCausalLM or "
                              "LlamaForSequenceClassification)",
                              path, name);
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
                              "%s: LlamaForSequenceClassification needs 'num_labels': 1 or a one-entry 'id2label' "
                              "(transformers would assume 2 labels)",
                              path);
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

static rgtg_status_t refuse_unsupported(const char *path, json_t *root, int hidden_size, int heads) {
    json_t *v = json_object_get(root, "rope_scaling");
    if (v && !json_is_null(v))
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED,
                              "%s: field 'rope_scaling' is set; only unscaled rotary embeddings are supported", path);
    const char *bias_fields[] = {"attention_bias", "mlp_bias"};
    for (int i = 0; i < 2; i++) {
        bool bias = false;
        rgtg_status_t s = read_bool(path, root, bias_fields[i], false, &bias);
        if (s != RGTG_OK) return s;
        if (bias)
            return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: field '%s' is true; biases are not supported", path,
                                  bias_fields[i]);
    }
    v = json_object_get(root, "head_dim");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v)) return field_error(RGTG_ERR_FORMAT, path, "head_dim", "must be a positive integer");
        if (json_integer_value(v) != hidden_size / heads)
            return rgtg_error_set(RGTG_ERR_UNSUPPORTED,
                                  "%s: field 'head_dim' is %lld but hidden_size / num_attention_heads is %d; only "
                                  "the latter is supported",
                                  path, (long long)json_integer_value(v), hidden_size / heads);
    }
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
    if ((s = require_string(path, root, "model_type", "llama")) != RGTG_OK) return s;
    if ((s = require_string(path, root, "hidden_act", "silu")) != RGTG_OK) return s;
    if ((s = read_head(path, root, &c->head)) != RGTG_OK) return s;
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
    if ((s = read_token_id(path, root, "eos_token_id", &c->eos_token_id)) != RGTG_OK) return s;
    if ((s = read_token_id(path, root, "pad_token_id", &c->pad_token_id)) != RGTG_OK) return s;
    if ((s = read_dtype(path, root, &c->dtype)) != RGTG_OK) return s;
    if ((s = refuse_unsupported(path, root, c->hidden_size, c->num_attention_heads)) != RGTG_OK) return s;
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

/* Digits so that both reals print exactly, and an integral rope_theta prints as 500000.0, not 5e+05. */
static int real_precision(const rgtg_model_config_t *c) {
    int p = round_trip_digits(c->rms_norm_eps);
    int q = round_trip_digits(c->rope_theta);
    if (q > p) p = q;
    if (c->rope_theta >= 1 && c->rope_theta < 1e15) {
        int int_digits = (int)floor(log10(c->rope_theta)) + 1;
        if (int_digits > p) p = int_digits;
    }
    return p;
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
    json_array_append_new(arch, json_string(score ? "LlamaForSequenceClassification" : "LlamaForCausalLM"));
    json_object_set_new(root, "architectures", arch);
    json_object_set_new(root, "model_type", json_string("llama"));
    json_object_set_new(root, "vocab_size", json_integer(c->vocab_size));
    json_object_set_new(root, "hidden_size", json_integer(c->hidden_size));
    json_object_set_new(root, "intermediate_size", json_integer(c->intermediate_size));
    json_object_set_new(root, "num_hidden_layers", json_integer(c->num_hidden_layers));
    json_object_set_new(root, "num_attention_heads", json_integer(c->num_attention_heads));
    json_object_set_new(root, "num_key_value_heads", json_integer(c->num_key_value_heads));
    json_object_set_new(root, "max_position_embeddings", json_integer(c->max_position_embeddings));
    json_object_set_new(root, "rms_norm_eps", json_real(c->rms_norm_eps));
    json_object_set_new(root, "rope_theta", json_real(c->rope_theta));
    json_object_set_new(root, "rope_scaling", json_null());
    json_object_set_new(root, "tie_word_embeddings", json_boolean(c->tie_word_embeddings));
    json_object_set_new(root, "bos_token_id", token_json(c->bos_token_id));
    json_object_set_new(root, "eos_token_id", token_json(c->eos_token_id));
    json_object_set_new(root, "pad_token_id", token_json(c->pad_token_id));
    json_object_set_new(root, "torch_dtype", json_string(dtype_name));
    json_object_set_new(root, "hidden_act", json_string("silu"));
    json_object_set_new(root, "attention_bias", json_false());
    json_object_set_new(root, "mlp_bias", json_false());
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
