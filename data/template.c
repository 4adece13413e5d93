/* data/template.c: the table of prompt templates and "{placeholder}" rendering (see template.h). */
#include "template.h"

#include <stdlib.h>
#include <string.h>

static const rgtg_template_t templates[] = {
    {"define", "Define the word \"{word}\" ({pos}).\nDefinition:", " ", NULL},
    /* Anthropic HH's turn markers around a single-turn prompt */
    {"human-assistant", "\n\nHuman: {prompt}\n\nAssistant:", " ", NULL},
    /* the Alpaca-style instruction layout */
    {"instruction", "### Instruction:\n{prompt}\n\n### Response:\n", "", NULL},
    /* chat checkpoints' own formats (data/chat_template.h) */
    {"llama3", "<|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
     "", &rgtg_chat_llama3},
    {"chatml", "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n", "", &rgtg_chat_chatml},
    {"qwen3-no-think", "<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", "",
     &rgtg_chat_qwen3_no_think},
};

static const char *const template_names[] = {"define", "human-assistant", "instruction", "llama3", "chatml",
                                             "qwen3-no-think", NULL};

const rgtg_template_t *rgtg_template_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++)
        if (strcmp(templates[i].name, name) == 0) return &templates[i];
    return NULL;
}

const char *const *rgtg_template_names(void) { return template_names; }

typedef struct {
    char *data;
    size_t len, cap;
} text_buffer_t;

static int buffer_append(text_buffer_t *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) return -1;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

rgtg_status_t rgtg_template_render(const rgtg_template_t *tmpl, const char *const *keys,
                                   const char *const *values, size_t n, char **out) {
    *out = NULL;
    if (!tmpl) return rgtg_error_set(RGTG_ERR_INVALID, "template: none given");
    if (tmpl->chat) {
        for (size_t i = 0; i < n; i++)
            if (!strcmp(keys[i], "prompt")) return rgtg_chat_render(tmpl->chat, values[i], out);
        return rgtg_error_set(RGTG_ERR_INVALID, "template %s: no value for placeholder {prompt}", tmpl->name);
    }
    text_buffer_t b = {0};
    const char *p = tmpl->text;
    rgtg_status_t status = RGTG_OK;
    while (*p && status == RGTG_OK) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            if (buffer_append(&b, p, 1)) status = RGTG_ERR_NOMEM;
            p += 2;
        } else if (*p == '{') {
            const char *close = strchr(p + 1, '}');
            if (!close) {
                status = rgtg_error_set(RGTG_ERR_INVALID, "template %s: unclosed '{' at offset %zu",
                                        tmpl->name, (size_t)(p - tmpl->text));
                break;
            }
            size_t key_len = (size_t)(close - p - 1);
            const char *value = NULL;
            for (size_t i = 0; i < n; i++)
                if (strlen(keys[i]) == key_len && memcmp(keys[i], p + 1, key_len) == 0) value = values[i];
            if (!value) {
                status = rgtg_error_set(RGTG_ERR_INVALID, "template %s: no value for placeholder {%.*s}",
                                        tmpl->name, (int)key_len, p + 1);
                break;
            }
            if (buffer_append(&b, value, strlen(value))) status = RGTG_ERR_NOMEM;
            p = close + 1;
        } else {
            size_t run = strcspn(p, "{}");
            if (run == 0) run = 1; /* a lone '}' is kept as text */
            if (buffer_append(&b, p, run)) status = RGTG_ERR_NOMEM;
            p += run;
        }
    }
    if (status == RGTG_OK && !b.data && buffer_append(&b, "", 0)) status = RGTG_ERR_NOMEM;
    if (status == RGTG_ERR_NOMEM) rgtg_error_set(status, "template %s: out of memory", tmpl->name);
    if (status != RGTG_OK) {
        free(b.data);
        return status;
    }
    *out = b.data;
    return RGTG_OK;
}

rgtg_status_t rgtg_template_response(const rgtg_template_t *tmpl, const char *response, char **out) {
    size_t prefix_len = strlen(tmpl->response_prefix), len = strlen(response);
    *out = malloc(prefix_len + len + 1);
    if (!*out) return rgtg_error_set(RGTG_ERR_NOMEM, "template %s: out of memory", tmpl->name);
    memcpy(*out, tmpl->response_prefix, prefix_len);
    memcpy(*out + prefix_len, response, len + 1);
    return RGTG_OK;
}
