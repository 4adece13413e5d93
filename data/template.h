/* data/template.h: named prompt templates (the canonical prompt text of each task) and their rendering.
 *
 * A template's text uses named placeholders "{name}"; "{{" and "}}" stand for literal braces. The text
 * is a fixed string so that it can be recorded verbatim in a data file's attributes. Responses are
 * stored with the template's response prefix (one space) in front, so that prompt + response reads as
 * continuous text.
 *
 * Chat templates ("llama3", "chatml", "qwen3-no-think") take {prompt} and render it through a chat format
 * (data/chat_template.h): a conversation transcript becomes the model's turns, exactly as the model's
 * own chat_template writes them; their text is the single-turn form, for the record; no response
 * prefix. */
#ifndef RGTG_DATA_TEMPLATE_H
#define RGTG_DATA_TEMPLATE_H

#include <stddef.h>

#include "../core/status.h"
#include "chat_template.h"

typedef struct {
    const char *name;            /* "define", ... */
    const char *text;            /* the prompt text with {placeholders} */
    const char *response_prefix; /* put before every response: " " */
    const rgtg_chat_format_t *chat; /* a chat template's format; NULL: text is filled in */
} rgtg_template_t;

/* The template called name, or NULL when there is none (static storage, never freed). */
const rgtg_template_t *rgtg_template_find(const char *name);
/* The names of all templates, NULL-terminated. */
const char *const *rgtg_template_names(void);

/* Fills the template's placeholders from keys[i] -> values[i] (n of them) into a malloc'd string.
 * Fails on an unknown placeholder, an unclosed brace, or a key that is missing. A chat template
 * renders the value of "prompt". */
rgtg_status_t rgtg_template_render(const rgtg_template_t *tmpl, const char *const *keys,
                                   const char *const *values, size_t n, char **out);
/* response_prefix + response, malloc'd. */
rgtg_status_t rgtg_template_response(const rgtg_template_t *tmpl, const char *response, char **out);

/* The template's fixed markers: the words of its text outside placeholders (split at whitespace) that
 * end in ':' after a letter, e.g. "Human:" and "Assistant:", each once, in order. A tokenizer keeps
 * them as whole pieces (user symbols, data/corpus.h). Written into out as a comma-separated list
 * ("" when there are none); RGTG_ERR_INVALID when it does not fit in capacity bytes. */
rgtg_status_t rgtg_template_markers(const rgtg_template_t *tmpl, char *out, size_t capacity);

#endif
