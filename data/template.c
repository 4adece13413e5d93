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

/* ---- fixed markers (read off the same text) ---- */

/* A letter: ASCII, or any byte of a non-ASCII character (markers in other scripts count too). */
static int is_letter_byte(unsigned char c) { return c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

/* A word of the template's text that ends in ':' after a letter and holds no brace or comma (a comma
 * would split the list). */
static int is_marker(const char *word, size_t len) {
    if (len < 2 || word[len - 1] != ':' || memchr(word, '{', len) || memchr(word, '}', len) || memchr(word, ',', len))
        return 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (is_letter_byte((unsigned char)word[i])) return 1;
    return 0;
}

/* Appends word to the comma-separated list unless it is there already; -1 when it does not fit. */
static int add_marker(char *out, size_t capacity, const char *word, size_t len) {
    for (const char *item = out; *item;) {
        size_t item_len = strcspn(item, ",");
        if (item_len == len && !memcmp(item, word, len)) return 0;
        item += item_len + (item[item_len] == ',');
    }
    size_t used = strlen(out), need = used + (used > 0) + len + 1;
    if (need > capacity) return -1;
    if (used > 0) out[used++] = ',';
    memcpy(out + used, word, len);
    out[used + len] = '\0';
    return 0;
}

rgtg_status_t rgtg_template_markers(const rgtg_template_t *tmpl, char *out, size_t capacity) {
    if (!tmpl || !out || capacity == 0) return rgtg_error_set(RGTG_ERR_INVALID, "template markers: bad arguments");
    *out = '\0';
    const char *p = tmpl->text, *word = NULL; /* word: where the current word starts */
    for (;;) {
        /* a word ends at whitespace, a placeholder or the end; "{{" and "}}" are literal braces */
        int literal_brace = (p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}');
        int ends = *p == '\0' || strchr(" \t\n\r\v\f", *p) || (*p == '{' && !literal_brace);
        if (ends && word && is_marker(word, (size_t)(p - word)) && add_marker(out, capacity, word, (size_t)(p - word)))
            return rgtg_error_set(RGTG_ERR_INVALID, "template %s: its markers do not fit in %zu bytes", tmpl->name,
                                  capacity);
        if (*p == '\0') return RGTG_OK;
        if (!ends) {
            if (!word) word = p;
            p += literal_brace ? 2 : 1;
        } else {
            word = NULL;
            const char *close = *p == '{' ? strchr(p, '}') : NULL;
            p = *p != '{' ? p + 1 : close ? close + 1 : p + strlen(p);
        }
    }
}
