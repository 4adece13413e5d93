/* core/model.c: the LLaMA transformer over the libtorch shim (attention biases, explicit head_dim and
 * linear / llama3 rope scaling for Qwen2, Mistral and Llama-3 checkpoints): parameters, load/save in
 * Hugging Face layout, the training forward, rewards per sequence where transformers reads them, and
 * the cached incremental decoder with candidate scoring.
 * Shapes in comments: B batch rows, T tokens, H query heads, G key/value heads, D head dim, d width. */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "hf_config.h"
#include "rng.h"
#include "safetensors.h"
#include "tokenizer.h"

#define FLOAT_MIN_F32 (-3.4028234663852886e38)
#define PI 3.14159265358979323846

/* The BOS rule of a model directory (model.h): read from its tokenizer files; a directory without any
 * keeps its config's BOS. Here, not in model_config.c, so that config parsing needs no tokenizer. */
rgtg_status_t rgtg_model_config_read_bos_rule(const char *dir, rgtg_model_config_t *c) {
    char *json_path = rgtg_path_join(dir, "tokenizer.json"), *model_path = rgtg_path_join(dir, "tokenizer.model");
    rgtg_status_t st = json_path && model_path ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    bool adds = true;
    if (st == RGTG_OK && (rgtg_path_exists(json_path) || rgtg_path_exists(model_path)))
        st = rgtg_tokenizer_model_reads_bos(dir, &adds);
    if (st == RGTG_OK) c->tokenizer_adds_no_bos = !adds;
    free(json_path), free(model_path);
    return st;
}

struct rgtg_kv_cache {
    int64_t rows, capacity, length;
    int layers;
    tt_t *keys, *values;      /* per layer [R, G, capacity, D] */
    tt_t key_mask;            /* [R, capacity] f32: 0 where a column holds a token, min where not */
    tt_t next_position;       /* [R] int64: the position id of each row's next token */
    tt_t *cand_keys, *cand_values; /* per layer [R, G, k, D] from the last candidate scoring */
    int64_t cand_count;
};

/* ---------------------------------------------------------------- parameters */

static int head_dim(const rgtg_model_config_t *c) { return rgtg_model_config_head_dim(c); }

typedef struct {
    tt_t input_layernorm, q_proj, k_proj, v_proj, o_proj;
    tt_t q_bias, k_bias, v_bias, o_bias; /* NULL when the architecture has none */
    tt_t post_attention_layernorm, gate_proj, up_proj, down_proj;
} rgtg_layer_t;

struct rgtg_model {
    rgtg_model_config_t config;
    tt_device_t device;
    tt_t embed_tokens;   /* [vocab, d] */
    rgtg_layer_t *layers;
    tt_t norm;           /* [d] */
    tt_t lm_head;        /* [vocab, d]; NULL when tied or for the score head */
    tt_t score;          /* [1, d]; NULL for the LM head */
    tt_t inv_freq;       /* [head_dim / 2] f32, rotary frequencies */
    int param_count;
    char **param_names;  /* Hugging Face names, in a fixed order */
    tt_t **params;       /* pointers to the fields above, same order */
};

static rgtg_status_t add_param(rgtg_model_t *m, const char *name, tt_t *slot) {
    m->param_names[m->param_count] = strdup(name);
    m->params[m->param_count] = slot;
    m->param_count++;
    return m->param_names[m->param_count - 1] ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
}

/* Fills the name table in Hugging Face order; the tensors themselves are set by the caller. */
static rgtg_status_t model_alloc(const rgtg_model_config_t *config, tt_device_t device, rgtg_model_t **out) {
    rgtg_status_t st = rgtg_model_config_validate(config);
    if (st != RGTG_OK) return st;
    rgtg_model_t *m = calloc(1, sizeof *m);
    int max_params = 3 + 13 * config->num_hidden_layers + 1;
    if (m) {
        m->layers = calloc((size_t)config->num_hidden_layers, sizeof *m->layers);
        m->param_names = calloc((size_t)max_params, sizeof *m->param_names);
        m->params = calloc((size_t)max_params, sizeof *m->params);
    }
    if (!m || !m->layers || !m->param_names || !m->params) {
        rgtg_model_free(m);
        return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory allocating a model");
    }
    m->config = *config;
    m->device = device;
    char name[128];
    st = add_param(m, "model.embed_tokens.weight", &m->embed_tokens);
    for (int i = 0; i < config->num_hidden_layers && st == RGTG_OK; i++) {
        rgtg_layer_t *l = &m->layers[i];
        bool qkv = config->qkv_bias, o = config->o_proj_bias;
        struct { const char *suffix; tt_t *slot; } fields[] = {
            {"input_layernorm.weight", &l->input_layernorm},
            {"self_attn.q_proj.weight", &l->q_proj},
            {qkv ? "self_attn.q_proj.bias" : NULL, &l->q_bias},
            {"self_attn.k_proj.weight", &l->k_proj},
            {qkv ? "self_attn.k_proj.bias" : NULL, &l->k_bias},
            {"self_attn.v_proj.weight", &l->v_proj},
            {qkv ? "self_attn.v_proj.bias" : NULL, &l->v_bias},
            {"self_attn.o_proj.weight", &l->o_proj},
            {o ? "self_attn.o_proj.bias" : NULL, &l->o_bias},
            {"post_attention_layernorm.weight", &l->post_attention_layernorm},
            {"mlp.gate_proj.weight", &l->gate_proj},
            {"mlp.up_proj.weight", &l->up_proj},
            {"mlp.down_proj.weight", &l->down_proj},
        };
        for (size_t f = 0; f < sizeof fields / sizeof fields[0] && st == RGTG_OK; f++) {
            if (!fields[f].suffix) continue;
            snprintf(name, sizeof name, "model.layers.%d.%s", i, fields[f].suffix);
            st = add_param(m, name, fields[f].slot);
        }
    }
    if (st == RGTG_OK) st = add_param(m, "model.norm.weight", &m->norm);
    if (st == RGTG_OK && config->head == RGTG_HEAD_LM && !config->tie_word_embeddings)
        st = add_param(m, "lm_head.weight", &m->lm_head);
    if (st == RGTG_OK && config->head == RGTG_HEAD_SCORE) st = add_param(m, "score.weight", &m->score);
    if (st != RGTG_OK) {
        rgtg_model_free(m);
        return st;
    }
    *out = m;
    return RGTG_OK;
}

/* The shape a parameter must have, from its name. */
static int expected_shape(const rgtg_model_config_t *c, const char *name, int64_t shape[2]) {
    int64_t d = c->hidden_size, kv = (int64_t)c->num_key_value_heads * head_dim(c);
    int64_t q = (int64_t)c->num_attention_heads * head_dim(c);
    const char *which = name; /* the part after "model.layers.N." */
    if (strncmp(name, "model.layers.", 13) == 0) which = strchr(name + 13, '.') + 1;
    if (!strcmp(which, "input_layernorm.weight") || !strcmp(which, "post_attention_layernorm.weight") ||
        !strcmp(name, "model.norm.weight")) {
        shape[0] = d;
        return 1;
    }
    if (!strcmp(which, "self_attn.q_proj.bias") || !strcmp(which, "self_attn.o_proj.bias")) {
        shape[0] = strcmp(which, "self_attn.q_proj.bias") ? d : q;
        return 1;
    }
    if (!strcmp(which, "self_attn.k_proj.bias") || !strcmp(which, "self_attn.v_proj.bias")) {
        shape[0] = kv;
        return 1;
    }
    if (!strcmp(name, "model.embed_tokens.weight") || !strcmp(name, "lm_head.weight")) {
        shape[0] = c->vocab_size, shape[1] = d;
    } else if (!strcmp(name, "score.weight")) {
        shape[0] = 1, shape[1] = d;
    } else if (!strcmp(which, "self_attn.q_proj.weight")) {
        shape[0] = q, shape[1] = d;
    } else if (!strcmp(which, "self_attn.o_proj.weight")) {
        shape[0] = d, shape[1] = q;
    } else if (!strcmp(which, "self_attn.k_proj.weight") || !strcmp(which, "self_attn.v_proj.weight")) {
        shape[0] = kv, shape[1] = d;
    } else if (!strcmp(which, "mlp.gate_proj.weight") || !strcmp(which, "mlp.up_proj.weight")) {
        shape[0] = c->intermediate_size, shape[1] = d;
    } else if (!strcmp(which, "mlp.down_proj.weight")) {
        shape[0] = d, shape[1] = c->intermediate_size;
    } else {
        return 0;
    }
    return 2;
}

/* A rotary frequency under rope_scaling: linear divides every frequency by factor; llama3 divides
 * those whose wavelength exceeds original / low_freq_factor, keeps those below original /
 * high_freq_factor and blends the band between (transformers' _compute_llama3_parameters). */
static double scaled_frequency(const rgtg_rope_scaling_t *r, double freq) {
    if (r->type == RGTG_ROPE_LINEAR) return freq / r->factor;
    if (r->type != RGTG_ROPE_LLAMA3) return freq;
    double original = r->original_max_position_embeddings, wavelen = 2 * PI / freq;
    if (wavelen < original / r->high_freq_factor) return freq;
    if (wavelen > original / r->low_freq_factor) return freq / r->factor;
    double smooth = (original / wavelen - r->low_freq_factor) / (r->high_freq_factor - r->low_freq_factor);
    return (1 - smooth) * freq / r->factor + smooth * freq;
}

static rgtg_status_t init_rotary(rgtg_model_t *m) {
    int dim = head_dim(&m->config);
    float *inv = malloc(sizeof(float) * (size_t)(dim / 2));
    if (!inv) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    for (int i = 0; i < dim / 2; i++) { /* the f32 base frequency as torch computes it, then scaled */
        float base = 1.0f / powf((float)m->config.rope_theta, (float)(2 * i) / (float)dim);
        inv[i] = (float)scaled_frequency(&m->config.rope_scaling, (double)base);
    }
    int64_t shape[1] = {dim / 2};
    m->inv_freq = tt_keep(tt_from_host(inv, shape, 1, TT_F32, m->device));
    free(inv);
    return m->inv_freq ? RGTG_OK : rgtg_error_status();
}

rgtg_status_t rgtg_model_create(const rgtg_model_config_t *config, uint64_t seed, tt_device_t device,
                                rgtg_model_t **out) {
    rgtg_model_t *m;
    rgtg_status_t st = model_alloc(config, device, &m);
    if (st != RGTG_OK) return st;
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, seed, 0x1417);
    for (int p = 0; p < m->param_count && st == RGTG_OK; p++) {
        int64_t shape[2];
        int ndim = expected_shape(config, m->param_names[p], shape);
        int64_t n = ndim == 1 ? shape[0] : shape[0] * shape[1];
        float *host = malloc(sizeof(float) * (size_t)n);
        if (!host) {
            st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            break;
        }
        bool bias = strstr(m->param_names[p], ".bias") != NULL; /* zero, as transformers initialises them */
        for (int64_t i = 0; i < n; i++) host[i] = bias ? 0.0f : ndim == 1 ? 1.0f : (float)(0.02 * rgtg_rng_normal(&rng));
        tt_t t = tt_from_host(host, shape, ndim, TT_F32, device);
        free(host);
        if (t && config->dtype != TT_F32) t = tt_to(t, config->dtype, device);
        *m->params[p] = tt_keep(t);
        if (!t) st = rgtg_error_status();
    }
    if (st == RGTG_OK) st = init_rotary(m);
    if (st != RGTG_OK) {
        rgtg_model_free(m);
        return st;
    }
    *out = m;
    return RGTG_OK;
}

/* Whether element i of a float dtype is NaN or infinite (all exponent bits set). The data may be
 * unaligned (a safetensors mapping), hence memcpy. */
static inline bool nonfinite_at(const unsigned char *bytes, tt_dtype_t dtype, int64_t i) {
    if (dtype == TT_F32) {
        uint32_t u;
        memcpy(&u, bytes + 4 * i, 4);
        return (u & 0x7f800000u) == 0x7f800000u;
    }
    uint16_t u, exponent = dtype == TT_BF16 ? 0x7f80 : 0x7c00;
    memcpy(&u, bytes + 2 * i, 2);
    return (u & exponent) == exponent;
}

/* Index of the first NaN or infinity among n elements, or -1. Blocks without an early exit, so that
 * the compiler vectorizes the common case (measured: about 0.1 s for 47M f32 weights). */
static int64_t first_nonfinite(const void *data, tt_dtype_t dtype, int64_t n) {
    const unsigned char *bytes = data;
    for (int64_t start = 0; start < n; start += 4096) {
        int64_t end = n - start < 4096 ? n : start + 4096;
        bool hit = false;
        for (int64_t i = start; i < end; i++) hit |= nonfinite_at(bytes, dtype, i);
        for (int64_t i = start; hit && i < end; i++)
            if (nonfinite_at(bytes, dtype, i)) return i;
    }
    return -1;
}

/* Derived buffers that older Hugging Face checkpoints store and the model recomputes. */
static bool ignorable_tensor(const char *name) {
    const char *suffix = ".rotary_emb.inv_freq";
    size_t n = strlen(name), sn = strlen(suffix);
    return n > sn && !strcmp(name + n - sn, suffix);
}

rgtg_status_t rgtg_model_dir_complete(const char *dir, bool tokenizer) {
    struct stat st;
    if (!dir || !*dir) return rgtg_error_set(RGTG_ERR_INVALID, "no model directory given");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return rgtg_error_set(RGTG_ERR_IO, "%s: not a model directory (%s)", dir,
                              stat(dir, &st) != 0 ? strerror(errno) : "not a directory");
    const char *needed[3] = {RGTG_HF_CONFIG_FILE, RGTG_ST_SINGLE_FILE, RGTG_TOKENIZER_FILE};
    for (int i = 0; i < (tokenizer ? 3 : 2); i++) {
        char *path = rgtg_path_join(dir, needed[i]), *index = rgtg_path_join(dir, RGTG_ST_INDEX_FILE);
        bool present = path && (rgtg_path_exists(path) || (i == 1 && index && rgtg_path_exists(index)));
        free(path), free(index);
        if (!present)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: incomplete model directory: %s is missing", dir, needed[i]);
    }
    return RGTG_OK;
}

rgtg_status_t rgtg_model_load(const char *dir, tt_device_t device, rgtg_model_t **out) {
    rgtg_status_t st = rgtg_model_dir_complete(dir, false);
    if (st != RGTG_OK) return st;
    char *config_path = rgtg_path_join(dir, RGTG_HF_CONFIG_FILE);
    if (!config_path) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    rgtg_model_config_t config;
    st = rgtg_hf_config_read(config_path, &config);
    free(config_path);
    char *generation_path = st == RGTG_OK ? rgtg_path_join(dir, RGTG_HF_GENERATION_CONFIG_FILE) : NULL;
    if (st == RGTG_OK) st = generation_path ? rgtg_hf_generation_config_merge(generation_path, &config)
                                            : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    free(generation_path);
    if (st == RGTG_OK) st = rgtg_model_config_read_bos_rule(dir, &config);
    if (st != RGTG_OK) return st;
    rgtg_weights_t *weights;
    st = rgtg_weights_open(dir, &weights);
    if (st != RGTG_OK) return st;
    rgtg_model_t *m = NULL;
    st = model_alloc(&config, device, &m);
    for (int p = 0; st == RGTG_OK && p < m->param_count; p++) {
        const char *name = m->param_names[p];
        const rgtg_st_tensor_t *src = rgtg_weights_find(weights, name);
        if (!src) {
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: tensor '%s' is missing (config.json implies it)", dir, name);
            break;
        }
        int64_t shape[2];
        int ndim = expected_shape(&config, name, shape);
        if (src->ndim != ndim || src->shape[0] != shape[0] || (ndim == 2 && src->shape[1] != shape[1])) {
            st = rgtg_error_set(RGTG_ERR_FORMAT,
                                "%s: tensor '%s' has shape [%lld%s%lld] but config.json implies [%lld, %lld]", dir,
                                name, (long long)src->shape[0], src->ndim > 1 ? ", " : "",
                                (long long)(src->ndim > 1 ? src->shape[1] : 0), (long long)shape[0],
                                (long long)(ndim == 2 ? shape[1] : 0));
            break;
        }
        if (src->dtype != TT_F32 && src->dtype != TT_BF16 && src->dtype != TT_F16) {
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: tensor '%s' has dtype %s, expected a float type", dir,
                                name, tt_dtype_name(src->dtype));
            break;
        }
        /* one pass over the bytes, cheap beside the copy that follows: NaN weights never load */
        int64_t bad = first_nonfinite(src->data, src->dtype, ndim == 1 ? shape[0] : shape[0] * shape[1]);
        if (bad >= 0) {
            st = rgtg_error_set(RGTG_ERR_NUMERIC, "%s: tensor '%s' holds NaN or infinite values (element %lld)", dir,
                                name, (long long)bad);
            break;
        }
        tt_t t = tt_from_host(src->data, src->shape, src->ndim, src->dtype, TT_CPU);
        t = tt_to(t, config.dtype, device);
        *m->params[p] = tt_keep(t);
        if (!t) st = rgtg_error_status();
    }
    /* every tensor of the file must be one the config implies: a 2-layer checkpoint under a 1-layer
       config, or a stray tensor, is a mismatch, not something to skip */
    for (size_t i = 0; st == RGTG_OK && i < rgtg_weights_count(weights); i++) {
        const char *name = rgtg_weights_at(weights, i)->name;
        bool used = false;
        for (int p = 0; !used && p < m->param_count; p++) used = !strcmp(name, m->param_names[p]);
        if (!used && !ignorable_tensor(name))
            st = rgtg_error_set(RGTG_ERR_FORMAT,
                                "%s: tensor '%s' is not part of the model config.json describes (%d layers, %s%s): "
                                "the weights and config.json do not match", dir, name, config.num_hidden_layers,
                                config.head == RGTG_HEAD_SCORE ? "score head" : "lm head",
                                config.head == RGTG_HEAD_LM && config.tie_word_embeddings ? ", tied embeddings" : "");
    }
    rgtg_weights_close(weights);
    if (st == RGTG_OK) st = init_rotary(m);
    if (st != RGTG_OK) {
        if (m) rgtg_model_free(m);
        return st;
    }
    *out = m;
    return RGTG_OK;
}

rgtg_status_t rgtg_model_save(const rgtg_model_t *model, const char *dir) {
    rgtg_status_t st = rgtg_mkdirs(dir);
    if (st != RGTG_OK) return st;
    rgtg_st_tensor_t *tensors = calloc((size_t)model->param_count, sizeof *tensors);
    void **buffers = calloc((size_t)model->param_count, sizeof *buffers);
    if (!tensors || !buffers) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    tt_dtype_t dtype = model->config.dtype;
    for (int p = 0; st == RGTG_OK && p < model->param_count; p++) {
        tt_t t = *model->params[p];
        rgtg_st_tensor_t *dst = &tensors[p];
        dst->name = model->param_names[p];
        dst->dtype = dtype;
        dst->ndim = tt_shape(t, dst->shape);
        dst->nbytes = (size_t)tt_numel(t) * tt_dtype_size(dtype);
        buffers[p] = malloc(dst->nbytes ? dst->nbytes : 1);
        if (!buffers[p]) {
            st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            break;
        }
        st = tt_to_host(t, dtype, buffers[p], dst->nbytes);
        dst->data = buffers[p];
    }
    char *config_path = rgtg_path_join(dir, "config.json");
    if (st == RGTG_OK) st = rgtg_weights_write(dir, tensors, (size_t)model->param_count, (size_t)4 << 30);
    if (st == RGTG_OK) st = rgtg_hf_config_write(config_path, &model->config);
    free(config_path);
    for (int p = 0; buffers && p < model->param_count; p++) free(buffers[p]);
    free(buffers);
    free(tensors);
    return st;
}

void rgtg_model_free(rgtg_model_t *model) {
    if (!model) return;
    for (int p = 0; p < model->param_count; p++) {
        tt_free(*model->params[p]);
        free(model->param_names[p]);
    }
    tt_free(model->inv_freq);
    free(model->param_names);
    free(model->params);
    free(model->layers);
    free(model);
}

int64_t rgtg_model_parameter_count(const rgtg_model_t *model) {
    int64_t n = 0;
    for (int p = 0; p < model->param_count; p++) n += tt_numel(*model->params[p]);
    return n;
}

const rgtg_model_config_t *rgtg_model_config(const rgtg_model_t *model) { return &model->config; }
tt_device_t rgtg_model_device(const rgtg_model_t *model) { return model->device; }
int rgtg_model_tensor_count(const rgtg_model_t *model) { return model->param_count; }
const char *rgtg_model_tensor_name(const rgtg_model_t *model, int i) { return model->param_names[i]; }
tt_t rgtg_model_tensor(const rgtg_model_t *model, int i) { return *model->params[i]; }

rgtg_status_t rgtg_model_convert_dtype(rgtg_model_t *model, tt_dtype_t dtype) {
    if (model->config.dtype == dtype) return RGTG_OK;
    for (int i = 0; i < model->param_count; i++) {
        tt_t converted = tt_keep(tt_to(*model->params[i], dtype, model->device));
        if (!converted) return rgtg_error_status();
        tt_free(*model->params[i]);
        *model->params[i] = converted;
    }
    model->config.dtype = dtype;
    return RGTG_OK;
}

tt_t rgtg_model_param(const rgtg_model_t *model, const char *name) {
    for (int p = 0; p < model->param_count; p++)
        if (!strcmp(model->param_names[p], name)) return *model->params[p];
    return NULL;
}

/* ---------------------------------------------------------------- building blocks */

/* x * rsqrt(mean(x^2) + eps) * weight, computed in f32 as transformers does. */
static tt_t rms_norm(tt_t x, tt_t weight, double eps) {
    tt_dtype_t dtype = tt_dtype(x);
    tt_t x32 = dtype == TT_F32 ? x : tt_to(x, TT_F32, tt_device(x));
    tt_t variance = tt_mean_dim(tt_mul(x32, x32), -1, true);
    tt_t normed = tt_mul(x32, tt_rsqrt(tt_add_scalar(variance, eps)));
    if (dtype != TT_F32) normed = tt_to(normed, dtype, tt_device(x));
    return tt_mul(weight, normed);
}

/* cos and sin [B, 1, T, D] for position ids [B, T]. */
static void rotary_tables(const rgtg_model_t *m, tt_t positions, tt_t *cos_out, tt_t *sin_out) {
    tt_t pos = tt_unsqueeze(tt_to(positions, TT_F32, m->device), -1);   /* [B, T, 1] */
    tt_t freqs = tt_mul(pos, m->inv_freq);                               /* [B, T, D/2] */
    tt_t both[2] = {freqs, freqs};
    tt_t emb = tt_unsqueeze(tt_cat(both, 2, -1), 1);                     /* [B, 1, T, D] */
    tt_t c = tt_cos(emb), s = tt_sin(emb);
    if (m->config.dtype != TT_F32) {
        c = tt_to(c, m->config.dtype, m->device);
        s = tt_to(s, m->config.dtype, m->device);
    }
    *cos_out = c;
    *sin_out = s;
}

/* x * cos + rotate_half(x) * sin, x [B, heads, T, D]. */
static tt_t apply_rotary(tt_t x, tt_t cos, tt_t sin) {
    int64_t half = tt_size(x, -1) / 2;
    tt_t x1 = tt_narrow(x, -1, 0, half), x2 = tt_narrow(x, -1, half, half);
    tt_t rotated_parts[2] = {tt_neg(x2), x1};
    tt_t rotated = tt_cat(rotated_parts, 2, -1);
    return tt_add(tt_mul(x, cos), tt_mul(rotated, sin));
}

/* [B, T, heads*D] -> [B, heads, T, D] */
static tt_t split_heads(tt_t x, int heads, int dim) {
    int64_t shape[4] = {tt_size(x, 0), tt_size(x, 1), heads, dim};
    return tt_transpose(tt_reshape(x, shape, 4), 1, 2);
}

/* [B, heads, T, D] -> [B, T, heads*D] */
static tt_t merge_heads(tt_t x) {
    int64_t shape[3] = {tt_size(x, 0), tt_size(x, 2), tt_size(x, 1) * tt_size(x, 3)};
    return tt_reshape(tt_transpose(x, 1, 2), shape, 3);
}

/* Repeats each key/value head for the query heads it serves: [B, G, S, D] -> [B, H, S, D]. */
static tt_t repeat_kv(tt_t x, int groups) { return groups == 1 ? x : tt_repeat_interleave(x, groups, 1); }

/* softmax(q k^T / sqrt(D) + bias) v in f32; q [B,H,T,D], k/v [B,H,S,D], bias broadcast to [B,H,T,S]. */
static tt_t attend(tt_t q, tt_t k, tt_t v, tt_t bias, int dim) {
    tt_t scores = tt_mul_scalar(tt_matmul(q, tt_transpose(k, -2, -1)), 1.0 / sqrt((double)dim));
    if (tt_dtype(scores) != TT_F32) scores = tt_to(scores, TT_F32, tt_device(scores));
    tt_t probs = tt_softmax(tt_add(scores, bias), -1);
    if (tt_dtype(v) != TT_F32) probs = tt_to(probs, tt_dtype(v), tt_device(v));
    return tt_matmul(probs, v);
}

/* [R, H, n, X] <-> [R, G, (H/G)*n, X]: query heads grouped by the key/value head they share, so that
 * grouped-query attention multiplies against the G cached heads without copying them H/G times. */
static tt_t group_queries(tt_t x, int groups) {
    int64_t shape[4] = {tt_size(x, 0), tt_size(x, 1) / groups, groups * tt_size(x, 2), tt_size(x, 3)};
    return tt_reshape(x, shape, 4);
}
static tt_t ungroup_queries(tt_t x, int heads) {
    int64_t shape[4] = {tt_size(x, 0), heads, tt_size(x, 1) * tt_size(x, 2) / heads, tt_size(x, 3)};
    return tt_reshape(x, shape, 4);
}

/* attend() with k, v of G heads for q of H heads; bias [R, 1, n or 1, S]. */
static tt_t attend_grouped(tt_t q, tt_t k, tt_t v, tt_t bias, int dim) {
    int heads = (int)tt_size(q, 1), groups = heads / (int)tt_size(k, 1);
    if (groups == 1) return attend(q, k, v, bias, dim);
    int64_t n = tt_size(q, 2), S = tt_size(bias, 3), R = tt_size(bias, 0);
    if (tt_size(bias, 2) != 1) {
        int64_t expanded[5] = {R, 1, groups, n, S}, flat[4] = {R, 1, groups * n, S};
        bias = tt_reshape(tt_expand(tt_unsqueeze(bias, 2), expanded, 5), flat, 4);
    }
    return ungroup_queries(attend(group_queries(q, groups), k, v, bias, dim), heads);
}

/* x @ weight^T (+ bias, when there is one). */
static tt_t linear(tt_t x, tt_t weight, tt_t bias) {
    tt_t y = tt_linear(x, weight);
    return bias ? tt_add(y, bias) : y;
}

static tt_t mlp(const rgtg_layer_t *l, tt_t x) {
    return tt_linear(tt_mul(tt_silu(tt_linear(x, l->gate_proj)), tt_linear(x, l->up_proj)), l->down_proj);
}

static tt_t apply_head(const rgtg_model_t *m, tt_t hidden) {
    if (m->config.head == RGTG_HEAD_SCORE) return tt_squeeze(tt_linear(hidden, m->score), -1);
    return tt_linear(hidden, m->lm_head ? m->lm_head : m->embed_tokens);
}

/* Position ids from a mask: cumsum - 1, and 1 where masked (as transformers' generate does). */
static tt_t positions_from_mask(tt_t mask) {
    tt_t pos = tt_add_scalar(tt_cumsum(mask, 1), -1.0);
    return tt_masked_fill(pos, tt_eq_scalar(mask, 0.0), 1.0);
}

/* ---------------------------------------------------------------- full forward */

/* 0 where allowed, the f32 minimum where not (transformers' additive mask). */
static tt_t bias_where(const rgtg_model_t *m, tt_t allowed) {
    int64_t one[1] = {1};
    return tt_where(allowed, tt_zeros(one, 1, TT_F32, m->device), tt_full(one, 1, FLOAT_MIN_F32, TT_F32, m->device));
}

/* [B, 1, T, T]: query t may see key s when s <= t and s is a token. */
static tt_t attention_bias(const rgtg_model_t *m, tt_t mask) {
    int64_t B = tt_size(mask, 0), T = tt_size(mask, 1);
    tt_t cols = tt_arange(0, T, TT_I64, m->device);
    int64_t row_shape[2] = {T, 1}, col_shape[2] = {1, T}, key_shape[4] = {B, 1, 1, T};
    tt_t causal = tt_gt_scalar(tt_sub(tt_reshape(cols, row_shape, 2), tt_reshape(cols, col_shape, 2)), -1.0);
    return bias_where(m, tt_logical_and(causal, tt_gt_scalar(tt_reshape(mask, key_shape, 4), 0.0)));
}

/* A layer's attention inputs from x [B, T, d]: queries [B, H, T, D] and keys [B, G, T, D] with rotary
 * positions (cos, sin), values [B, G, T, D]; the full forward and the cached path share it. */
static void attention_inputs(const rgtg_model_config_t *c, const rgtg_layer_t *l, tt_t x, tt_t cos, tt_t sin, tt_t *q,
                             tt_t *k, tt_t *v) {
    int H = c->num_attention_heads, G = c->num_key_value_heads, D = head_dim(c);
    tt_t h = rms_norm(x, l->input_layernorm, c->rms_norm_eps);
    *q = apply_rotary(split_heads(linear(h, l->q_proj, l->q_bias), H, D), cos, sin);
    *k = apply_rotary(split_heads(linear(h, l->k_proj, l->k_bias), G, D), cos, sin);
    *v = split_heads(linear(h, l->v_proj, l->v_bias), G, D);
}

/* The attention block's output projection of att [B, H, T, D], added to the residual x. */
static tt_t attention_output(const rgtg_layer_t *l, tt_t x, tt_t att) {
    return tt_add(x, linear(merge_heads(att), l->o_proj, l->o_bias));
}

/* Full attention equals a sliding window only while every query sees at most window keys. */
static rgtg_status_t check_window(const rgtg_model_config_t *c, int64_t positions) {
    if (c->sliding_window <= 0 || positions <= c->sliding_window) return RGTG_OK;
    return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "the model uses sliding-window attention over %d tokens "
                          "(config.json's sliding_window), but this input spans %lld positions: rgtg computes full "
                          "attention, which equals the window only up to %d", c->sliding_window,
                          (long long)positions, c->sliding_window);
}

tt_t rgtg_model_hidden(const rgtg_model_t *m, tt_t ids, tt_t mask) {
    const rgtg_model_config_t *c = &m->config;
    int64_t B = tt_size(ids, 0), T = tt_size(ids, 1);
    int H = c->num_attention_heads, G = c->num_key_value_heads, D = head_dim(c);
    if (!mask) {
        int64_t shape[2] = {B, T};
        mask = tt_full(shape, 2, 1.0, TT_I64, m->device);
    }
    if (check_window(c, T) != RGTG_OK) return NULL;
    tt_t bias = attention_bias(m, mask);

    tt_t cos, sin;
    rotary_tables(m, positions_from_mask(mask), &cos, &sin);
    tt_t x = tt_embedding(m->embed_tokens, ids);
    for (int i = 0; i < c->num_hidden_layers; i++) {
        const rgtg_layer_t *l = &m->layers[i];
        tt_t q, k, v;
        attention_inputs(c, l, x, cos, sin, &q, &k, &v);
        tt_t att = attend(q, repeat_kv(k, H / G), repeat_kv(v, H / G), bias, D);
        x = attention_output(l, x, att);
        x = tt_add(x, mlp(l, rms_norm(x, l->post_attention_layernorm, c->rms_norm_eps)));
    }
    return rms_norm(x, m->norm, c->rms_norm_eps);
}

tt_t rgtg_model_forward(const rgtg_model_t *m, tt_t ids, tt_t mask) {
    return apply_head(m, rgtg_model_hidden(m, ids, mask));
}

/* Where transformers' *ForSequenceClassification reads a row's score: at its last token that is not
 * pad_token_id (so, when pad equals EOS, before a trailing EOS), position 0 when every token is the
 * pad id, the last token when the model has no pad id. */
static int64_t reward_position(const int64_t *ids, int64_t n, int64_t pad) {
    if (pad < 0) return n - 1;
    for (int64_t t = n - 1; t >= 0; t--)
        if (ids[t] != pad) return t;
    return 0;
}

rgtg_status_t rgtg_model_sequence_rewards(const rgtg_model_t *rm, const int64_t *const *seqs, const int64_t *lens,
                                          int64_t n, int64_t batch, float *out) {
    if (rm->config.head != RGTG_HEAD_SCORE)
        return rgtg_error_set(RGTG_ERR_INVALID, "sequence rewards: the model is not a reward model (score head)");
    int64_t pad = rm->config.pad_token_id >= 0 ? rm->config.pad_token_id : 0;
    int64_t bos = rgtg_model_config_bos_to_prepend(&rm->config), first = bos >= 0; /* tokens before each sequence */
    rgtg_status_t st = RGTG_OK;
    bool grad = tt_set_grad_enabled(false);
    for (int64_t start = 0; st == RGTG_OK && start < n; start += batch) {
        int64_t count = n - start < batch ? n - start : batch, width = 1;
        for (int64_t i = 0; i < count; i++) {
            if (lens[start + i] < 1) st = rgtg_error_set(RGTG_ERR_INVALID, "sequence rewards: sequence %lld is empty",
                                                         (long long)(start + i));
            if (first + lens[start + i] > width) width = first + lens[start + i];
        }
        int64_t *ids = malloc(sizeof(int64_t) * (size_t)(count * width)), *mask = calloc((size_t)(count * width), sizeof(int64_t));
        int64_t *last = malloc(sizeof(int64_t) * (size_t)count);
        if (st == RGTG_OK && (!ids || !mask || !last)) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; st == RGTG_OK && i < count; i++) {
            if (first) ids[i * width] = bos, mask[i * width] = 1;
            for (int64_t t = first; t < width; t++) {
                bool token = t < first + lens[start + i];
                ids[i * width + t] = token ? seqs[start + i][t - first] : pad;
                mask[i * width + t] = token;
            }
            last[i] = reward_position(ids + i * width, first + lens[start + i], rm->config.pad_token_id);
        }
        if (st == RGTG_OK) {
            size_t mark = tt_arena_mark();
            int64_t shape[2] = {count, width}, rows[1] = {count};
            tt_t rewards = rgtg_model_forward(rm, tt_from_host(ids, shape, 2, TT_I64, rm->device),
                                              tt_from_host(mask, shape, 2, TT_I64, rm->device));
            tt_t index = tt_unsqueeze(tt_from_host(last, rows, 1, TT_I64, rm->device), 1);
            tt_t at = tt_squeeze(tt_gather(tt_to(rewards, TT_F32, rm->device), 1, index), 1);
            st = at ? tt_to_host(at, TT_F32, out + start, sizeof(float) * (size_t)count) : rgtg_error_status();
            tt_arena_release(mark);
        }
        free(ids), free(mask), free(last);
    }
    tt_set_grad_enabled(grad);
    return st;
}

/* ---------------------------------------------------------------- the cache */

rgtg_status_t rgtg_kv_cache_create(const rgtg_model_t *m, int64_t rows, int64_t capacity, rgtg_kv_cache_t **out) {
    if (rows <= 0 || capacity <= 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "kv cache: rows (%lld) and capacity (%lld) must be positive",
                              (long long)rows, (long long)capacity);
    rgtg_kv_cache_t *c = calloc(1, sizeof *c);
    int L = m->config.num_hidden_layers;
    if (c) {
        c->keys = calloc((size_t)L, sizeof(tt_t));
        c->values = calloc((size_t)L, sizeof(tt_t));
        c->cand_keys = calloc((size_t)L, sizeof(tt_t));
        c->cand_values = calloc((size_t)L, sizeof(tt_t));
    }
    if (!c || !c->keys || !c->values || !c->cand_keys || !c->cand_values) {
        rgtg_kv_cache_free(c);
        return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory allocating a kv cache");
    }
    c->rows = rows, c->capacity = capacity, c->layers = L;
    rgtg_status_t window = check_window(&m->config, capacity);
    if (window != RGTG_OK) {
        rgtg_kv_cache_free(c);
        return window;
    }
    int64_t shape[4] = {rows, m->config.num_key_value_heads, capacity, head_dim(&m->config)};
    for (int i = 0; i < L; i++) {
        c->keys[i] = tt_keep(tt_zeros(shape, 4, m->config.dtype, m->device));
        c->values[i] = tt_keep(tt_zeros(shape, 4, m->config.dtype, m->device));
    }
    int64_t mask_shape[2] = {rows, capacity}, pos_shape[1] = {rows};
    c->key_mask = tt_keep(tt_full(mask_shape, 2, FLOAT_MIN_F32, TT_F32, m->device));
    c->next_position = tt_keep(tt_zeros(pos_shape, 1, TT_I64, m->device));
    if (!c->key_mask || !c->next_position || !c->keys[L - 1] || !c->values[L - 1]) {
        rgtg_kv_cache_free(c);
        return rgtg_error_status();
    }
    *out = c;
    return RGTG_OK;
}

static void drop_candidates(rgtg_kv_cache_t *c) {
    for (int i = 0; i < c->layers; i++) {
        tt_free(c->cand_keys[i]);
        tt_free(c->cand_values[i]);
        c->cand_keys[i] = c->cand_values[i] = NULL;
    }
    c->cand_count = 0;
}

void rgtg_kv_cache_free(rgtg_kv_cache_t *c) {
    if (!c) return;
    for (int i = 0; i < c->layers; i++) {
        if (c->keys) tt_free(c->keys[i]);
        if (c->values) tt_free(c->values[i]);
    }
    if (c->cand_keys && c->cand_values) drop_candidates(c);
    tt_free(c->key_mask);
    tt_free(c->next_position);
    free(c->keys);
    free(c->values);
    free(c->cand_keys);
    free(c->cand_values);
    free(c);
}

int64_t rgtg_kv_cache_rows(const rgtg_kv_cache_t *c) { return c->rows; }
int64_t rgtg_kv_cache_length(const rgtg_kv_cache_t *c) { return c->length; }

static rgtg_status_t check_room(const rgtg_kv_cache_t *c, int64_t rows, int64_t n) {
    if (rows != c->rows)
        return rgtg_error_set(RGTG_ERR_INVALID, "kv cache holds %lld rows, input has %lld", (long long)c->rows,
                              (long long)rows);
    if (c->length + n > c->capacity)
        return rgtg_error_set(RGTG_ERR_INVALID, "kv cache full: %lld of %lld columns used, %lld more asked",
                              (long long)c->length, (long long)c->capacity, (long long)n);
    return RGTG_OK;
}

/* Writes src [R, G, n, D] into columns [length, length + n) of dst. */
static rgtg_status_t write_columns(tt_t dst, int64_t length, tt_t src) {
    return tt_copy_(tt_narrow(dst, 2, length, tt_size(src, 2)), src);
}

/* One pass of the layers over new tokens x [R, n, d] at positions [R, n], attending to the cached
 * columns [0, length) (masked by the cache's key mask) and to the new tokens under new_bias
 * [R, 1, n, n]. The new keys/values go to the cache (store) or to the candidate slots. */
static tt_t cached_layers(const rgtg_model_t *m, rgtg_kv_cache_t *c, tt_t x, tt_t positions, tt_t new_bias,
                          bool candidates) {
    const rgtg_model_config_t *cfg = &m->config;
    int H = cfg->num_attention_heads, G = cfg->num_key_value_heads, D = head_dim(cfg);
    int64_t R = tt_size(x, 0);
    tt_t cos, sin;
    rotary_tables(m, positions, &cos, &sin);
    int64_t mask_shape[4] = {R, 1, 1, c->length};
    tt_t old_bias = c->length ? tt_reshape(tt_narrow(c->key_mask, 1, 0, c->length), mask_shape, 4) : NULL;
    for (int i = 0; i < cfg->num_hidden_layers; i++) {
        const rgtg_layer_t *l = &m->layers[i];
        tt_t q, k, v;
        attention_inputs(cfg, l, x, cos, sin, &q, &k, &v);
        tt_t att;
        if (candidates) {
            /* each candidate sees the prefix and itself: the diagonal of the new block, computed with
               the queries grouped by key/value head [R, G, H/G, k, D] against k, v [R, G, 1, k, D] */
            int64_t n_cand = tt_size(q, 2);
            int64_t q5[5] = {R, G, H / G, n_cand, D}, flat[4] = {R, H, n_cand, 1}, flat_v[4] = {R, H, n_cand, D};
            tt_t k5 = tt_unsqueeze(k, 2), v5 = tt_unsqueeze(v, 2);
            tt_t qk_self = tt_reshape(tt_sum_dim(tt_mul(tt_reshape(q, q5, 5), k5), -1, true), flat, 4); /* [R, H, k, 1] */
            tt_t self_score = tt_mul_scalar(qk_self, 1.0 / sqrt((double)D));
            if (tt_dtype(self_score) != TT_F32) self_score = tt_to(self_score, TT_F32, m->device);
            tt_t probs;
            if (c->length) {
                /* scores against the G cached heads, queries grouped: [R, G, (H/G)*k, L] */
                tt_t kc = tt_narrow(c->keys[i], 2, 0, c->length);
                tt_t vc = tt_narrow(c->values[i], 2, 0, c->length);
                tt_t grouped = tt_matmul(group_queries(q, H / G), tt_transpose(kc, -2, -1));
                tt_t scores = tt_mul_scalar(ungroup_queries(grouped, H), 1.0 / sqrt((double)D));
                if (tt_dtype(scores) != TT_F32) scores = tt_to(scores, TT_F32, m->device);
                tt_t parts[2] = {tt_add(scores, old_bias), self_score};
                probs = tt_softmax(tt_cat(parts, 2, -1), -1);                          /* [R, H, k, L+1] */
                if (tt_dtype(vc) != TT_F32) probs = tt_to(probs, tt_dtype(vc), m->device);
                tt_t p_old = tt_narrow(probs, -1, 0, c->length), p_self = tt_narrow(probs, -1, c->length, 1);
                tt_t from_cache = ungroup_queries(tt_matmul(group_queries(p_old, H / G), vc), H);
                int64_t p5[5] = {R, G, H / G, n_cand, 1};
                tt_t from_self = tt_reshape(tt_mul(tt_reshape(p_self, p5, 5), v5), flat_v, 4);
                att = tt_add(from_cache, from_self);
            } else {
                att = repeat_kv(v, H / G); /* nothing cached: each candidate attends only to itself */
            }
            tt_free(c->cand_keys[i]);
            tt_free(c->cand_values[i]);
            c->cand_keys[i] = tt_keep(k);
            c->cand_values[i] = tt_keep(v);
        } else {
            if (write_columns(c->keys[i], c->length, k) != RGTG_OK ||
                write_columns(c->values[i], c->length, v) != RGTG_OK)
                return NULL;
            int64_t total = c->length + tt_size(k, 2);
            tt_t kc = tt_narrow(c->keys[i], 2, 0, total);
            tt_t vc = tt_narrow(c->values[i], 2, 0, total);
            tt_t bias = new_bias;
            if (old_bias) {
                int64_t n = tt_size(x, 1);
                int64_t expand_shape[4] = {R, 1, n, c->length};
                tt_t parts[2] = {tt_expand(old_bias, expand_shape, 4), new_bias};
                bias = tt_cat(parts, 2, -1);
            }
            att = attend_grouped(q, kc, vc, bias, D);
        }
        x = attention_output(l, x, att);
        x = tt_add(x, mlp(l, rms_norm(x, l->post_attention_layernorm, cfg->rms_norm_eps)));
    }
    return apply_head(m, rms_norm(x, m->norm, cfg->rms_norm_eps));
}

tt_t rgtg_model_prefill(const rgtg_model_t *m, rgtg_kv_cache_t *c, tt_t ids, tt_t mask) {
    if (!ids || !mask) return NULL;
    int64_t R = tt_size(ids, 0), T = tt_size(ids, 1);
    if (c->length != 0) {
        rgtg_error_set(RGTG_ERR_INVALID, "kv cache: prefill needs an empty cache (it holds %lld columns)",
                       (long long)c->length);
        return NULL;
    }
    if (check_room(c, R, T) != RGTG_OK) return NULL;
    size_t mark = tt_arena_mark();
    tt_t bias = attention_bias(m, mask);
    tt_t out = cached_layers(m, c, tt_embedding(m->embed_tokens, ids), positions_from_mask(mask), bias, false);
    tt_t key_bias = bias_where(m, tt_gt_scalar(mask, 0.0));
    tt_t last = out ? tt_select(out, 1, T - 1) : NULL;
    if (!last || tt_copy_(tt_narrow(c->key_mask, 1, 0, T), key_bias) != RGTG_OK ||
        tt_copy_(c->next_position, tt_sum_dim(mask, 1, false)) != RGTG_OK) {
        tt_arena_release(mark);
        return NULL;
    }
    last = tt_keep(tt_contiguous(last));
    tt_arena_release(mark);
    c->length = T;
    drop_candidates(c);
    /* hand the result back to the caller's arena */
    tt_t result = tt_clone(last);
    tt_free(last);
    return result;
}

/* Marks column length as a token for every row and advances positions. */
static rgtg_status_t advance(rgtg_kv_cache_t *c) {
    rgtg_status_t st = tt_fill_(tt_narrow(c->key_mask, 1, c->length, 1), 0.0);
    if (st == RGTG_OK) st = tt_add_(c->next_position, tt_full((int64_t[]){1}, 1, 1.0, TT_I64, tt_device(c->next_position)), 1.0);
    if (st == RGTG_OK) c->length++;
    return st;
}

tt_t rgtg_model_append(const rgtg_model_t *m, rgtg_kv_cache_t *c, tt_t ids) {
    if (!ids) return NULL;
    int64_t R = tt_size(ids, 0);
    if (check_room(c, R, 1) != RGTG_OK) return NULL;
    int64_t col[2] = {R, 1}, bias_shape[4] = {R, 1, 1, 1};
    tt_t positions = tt_reshape(c->next_position, col, 2);
    tt_t bias = tt_zeros(bias_shape, 4, TT_F32, m->device);
    tt_t out = cached_layers(m, c, tt_embedding(m->embed_tokens, tt_reshape(ids, col, 2)), positions, bias, false);
    if (!out || advance(c) != RGTG_OK) return NULL;
    drop_candidates(c);
    return tt_select(out, 1, 0);
}

tt_t rgtg_model_score_candidates(const rgtg_model_t *m, rgtg_kv_cache_t *c, tt_t ids) {
    if (!ids) return NULL;
    int64_t R = tt_size(ids, 0), k = tt_size(ids, 1);
    if (check_room(c, R, 1) != RGTG_OK) return NULL;
    int64_t col[2] = {R, 1};
    tt_t positions = tt_reshape(c->next_position, col, 2); /* one position per row, broadcast over candidates */
    tt_t out = cached_layers(m, c, tt_embedding(m->embed_tokens, ids), positions, NULL, true);
    if (out) c->cand_count = k;
    return out;
}

rgtg_status_t rgtg_kv_cache_commit(rgtg_kv_cache_t *c, const int64_t *chosen) {
    if (c->cand_count == 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "kv cache: commit without a preceding candidate scoring");
    rgtg_status_t st = check_room(c, c->rows, 1);
    for (int64_t r = 0; st == RGTG_OK && r < c->rows; r++)
        if (chosen[r] < 0 || chosen[r] >= c->cand_count)
            st = rgtg_error_set(RGTG_ERR_INVALID, "kv cache: row %lld chose candidate %lld of %lld", (long long)r,
                                (long long)chosen[r], (long long)c->cand_count);
    if (st != RGTG_OK) return st;
    size_t mark = tt_arena_mark();
    int64_t idx_shape[1] = {c->rows};
    tt_t index = tt_from_host(chosen, idx_shape, 1, TT_I64, tt_device(c->next_position));
    for (int i = 0; st == RGTG_OK && i < c->layers; i++) {
        int64_t G = tt_size(c->cand_keys[i], 1), D = tt_size(c->cand_keys[i], 3);
        int64_t view[4] = {c->rows, 1, 1, 1}, full[4] = {c->rows, G, 1, D};
        tt_t gather_index = tt_expand(tt_reshape(index, view, 4), full, 4);
        st = write_columns(c->keys[i], c->length, tt_gather(c->cand_keys[i], 2, gather_index));
        if (st == RGTG_OK) st = write_columns(c->values[i], c->length, tt_gather(c->cand_values[i], 2, gather_index));
    }
    if (st == RGTG_OK) st = advance(c);
    tt_arena_release(mark);
    drop_candidates(c);
    return st;
}

rgtg_status_t rgtg_kv_cache_select_rows(rgtg_kv_cache_t *c, const int64_t *rows, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (rows[i] < 0 || rows[i] >= c->rows)
            return rgtg_error_set(RGTG_ERR_INVALID, "kv cache: row %lld out of range (%lld rows)", (long long)rows[i],
                                  (long long)c->rows);
    if (n <= 0) return rgtg_error_set(RGTG_ERR_INVALID, "kv cache: selecting no rows");
    size_t mark = tt_arena_mark();
    int64_t shape[1] = {n};
    tt_t index = tt_from_host(rows, shape, 1, TT_I64, tt_device(c->next_position));
    rgtg_status_t st = index ? RGTG_OK : rgtg_error_status();
    tt_t *slots[4] = {&c->key_mask, &c->next_position, NULL, NULL};
    for (int s = 0; st == RGTG_OK && s < 2; s++) {
        tt_t picked = tt_keep(tt_index_select(*slots[s], 0, index));
        if (!picked) st = rgtg_error_status();
        else tt_free(*slots[s]), *slots[s] = picked;
    }
    for (int i = 0; st == RGTG_OK && i < c->layers; i++) {
        tt_t *layer_slots[4] = {&c->keys[i], &c->values[i], &c->cand_keys[i], &c->cand_values[i]};
        for (int s = 0; st == RGTG_OK && s < 4; s++) {
            if (!*layer_slots[s]) continue;
            tt_t picked = tt_keep(tt_index_select(*layer_slots[s], 0, index));
            if (!picked) st = rgtg_error_status();
            else tt_free(*layer_slots[s]), *layer_slots[s] = picked;
        }
    }
    tt_arena_release(mark);
    if (st == RGTG_OK) c->rows = n;
    return st;
}
