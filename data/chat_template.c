/* data/chat_template.c: transcripts into chat formats (see chat_template.h). */
#include "chat_template.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { ROLE_SYSTEM, ROLE_USER, ROLE_ASSISTANT };

const rgtg_chat_format_t rgtg_chat_llama3 = {
    "llama3",
    {"<|start_header_id|>system<|end_header_id|>\n\n", "<|start_header_id|>user<|end_header_id|>\n\n",
     "<|start_header_id|>assistant<|end_header_id|>\n\n"},
    "<|eot_id|>",
    "<|start_header_id|>assistant<|end_header_id|>\n\n",
    true,
};

const rgtg_chat_format_t rgtg_chat_chatml = {
    "chatml",
    {"<|im_start|>system\n", "<|im_start|>user\n", "<|im_start|>assistant\n"},
    "<|im_end|>\n",
    "<|im_start|>assistant\n",
    false,
};

const rgtg_chat_format_t rgtg_chat_qwen3_no_think = {
    "qwen3-no-think",
    {"<|im_start|>system\n", "<|im_start|>user\n", "<|im_start|>assistant\n"},
    "<|im_end|>\n",
    "<|im_start|>assistant\n<think>\n\n</think>\n\n",
    false,
};

/* The turn markers of a transcript; "Human:" and "System:" may also open it without "\n\n". */
static const struct {
    const char *mark;
    int role;
} marks[] = {{"\n\nSystem:", ROLE_SYSTEM}, {"\n\nHuman:", ROLE_USER}, {"\n\nAssistant:", ROLE_ASSISTANT}};
static const char cue[] = "\n\nAssistant:";

/* The length of the whitespace character at s (as Python's str.isspace() counts it), or 0. */
static size_t space_length(const unsigned char *s, size_t n) {
    if (n >= 1 && ((s[0] >= 0x09 && s[0] <= 0x0d) || (s[0] >= 0x1c && s[0] <= 0x20))) return 1;
    if (n < 2) return 0;
    uint32_t c = 0;
    size_t len = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : 0;
    if (len == 0 || n < len) return 0;
    c = len == 2 ? ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu) : ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
    bool space = c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
                 c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
    return space ? len : 0;
}

/* [*start, *end) without the whitespace around it. */
static void strip(const char *text, size_t *start, size_t *end) {
    size_t n;
    while (*start < *end && (n = space_length((const unsigned char *)text + *start, *end - *start)) > 0) *start += n;
    for (;;) { /* from the back: try each encoded length that ends at *end */
        size_t found = 0;
        for (size_t len = 1; len <= 3 && len <= *end - *start && !found; len++)
            if (space_length((const unsigned char *)text + *end - len, len) == len) found = len;
        if (!found) break;
        *end -= found;
    }
}

/* The next marker at or after from: its offset and role; SIZE_MAX when none. */
static size_t next_mark(const char *text, size_t from, int *role, size_t *mark_length) {
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        const char *at = strstr(text + from, marks[i].mark);
        if (at && (size_t)(at - text) < best) {
            best = (size_t)(at - text);
            *role = marks[i].role;
            *mark_length = strlen(marks[i].mark);
        }
    }
    return best;
}

typedef struct {
    char *data;
    size_t length, cap;
    bool failed;
} buffer_t;

static void append(buffer_t *b, const char *s, size_t n) {
    if (b->failed) return;
    if (b->length + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->length + n + 1) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->data = grown, b->cap = cap;
    }
    memcpy(b->data + b->length, s, n);
    b->length += n;
    b->data[b->length] = '\0';
}

static void message(buffer_t *b, const rgtg_chat_format_t *f, int role, const char *text, size_t start, size_t end,
                    bool trim) {
    if (trim) strip(text, &start, &end);
    append(b, f->open[role], strlen(f->open[role]));
    append(b, text + start, end - start);
    append(b, f->close, strlen(f->close));
}

static bool is_transcript(const char *prompt) {
    size_t n = strlen(prompt), cue_length = sizeof cue - 1;
    bool opens = !strncmp(prompt, "Human:", 6) || !strncmp(prompt, "System:", 7);
    return opens && n >= cue_length && !strcmp(prompt + n - cue_length, cue);
}

rgtg_status_t rgtg_chat_render(const rgtg_chat_format_t *f, const char *prompt, char **out) {
    *out = NULL;
    buffer_t b = {0};
    if (!is_transcript(prompt)) {
        message(&b, f, ROLE_USER, prompt, 0, strlen(prompt), f->trim);
    } else {
        size_t body_end = strlen(prompt) - (sizeof cue - 1); /* the cue is the generation cue */
        int role = prompt[0] == 'H' ? ROLE_USER : ROLE_SYSTEM;
        size_t at = strchr(prompt, ':') + 1 - prompt;
        while (at <= body_end) {
            int next_role = ROLE_USER;
            size_t mark_length = 0, next = next_mark(prompt, at, &next_role, &mark_length);
            size_t end = next < body_end ? next : body_end;
            message(&b, f, role, prompt, at, end, true);
            if (next >= body_end) break;
            role = next_role;
            at = next + mark_length;
        }
    }
    append(&b, f->generation_cue, strlen(f->generation_cue));
    if (b.failed) {
        free(b.data);
        return rgtg_error_set(RGTG_ERR_NOMEM, "chat template %s: out of memory", f->name);
    }
    *out = b.data;
    return RGTG_OK;
}
