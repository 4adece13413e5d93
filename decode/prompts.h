/* decode/prompts.h: the prompts a decoding run answers, from any source: a JSONL file of
 * {"id", "prompt", "reference"?} lines (read here, with an optional template applied through a
 * callback, since templates are data's), or a list another stage's reader fills (tools/ fills one
 * from a prefs.h5 split through rgtg_prompt_loader_fn). */
#ifndef RGTG_DECODE_PROMPTS_H
#define RGTG_DECODE_PROMPTS_H

#include <stdint.h>

#include "../core/status.h"

typedef struct {
    int64_t id;               /* unique within the list, >= 0: the generations row's id */
    char *text;               /* the prompt text the model sees; NULL until decoded from tokens */
    int32_t *tokens;          /* the prompt's ids (no BOS); NULL until tokenized from text */
    int64_t length;
    char *reference;          /* a reference response; NULL: none (or not yet decoded from its tokens) */
    int32_t *reference_tokens; /* a reference response's ids (a trailing EOS is dropped when decoded) */
    int64_t reference_length;
} rgtg_prompt_t;

typedef struct {
    rgtg_prompt_t *items;
    int64_t count, capacity;
    char *tokenizer_sha256;   /* sha256 of the tokenizer that made the tokens; NULL: unknown or text only */
} rgtg_prompt_list_t;

/* Appends a prompt given as ids (copied) and, optionally, a reference's ids. */
rgtg_status_t rgtg_prompt_list_add_tokens(rgtg_prompt_list_t *list, int64_t id, const int32_t *ids, int64_t length,
                                          const int32_t *reference_ids, int64_t reference_length);
/* Appends a prompt given as text (copied); reference may be NULL. */
rgtg_status_t rgtg_prompt_list_add_text(rgtg_prompt_list_t *list, int64_t id, const char *text, const char *reference);
rgtg_status_t rgtg_prompt_list_set_tokenizer(rgtg_prompt_list_t *list, const char *sha256);
void rgtg_prompt_list_free(rgtg_prompt_list_t *list);

/* Fills list from a source named by ctx; split is the setting "split" ("test" unless set). */
typedef rgtg_status_t (*rgtg_prompt_loader_fn)(void *ctx, const char *split, rgtg_prompt_list_t *list);
/* Renders a prompt through a template into a malloc'd text. */
typedef rgtg_status_t (*rgtg_prompt_render_fn)(void *ctx, const char *prompt, char **out);

/* Reads path: one JSON object per line, {"id": integer >= 0, "prompt": string, "reference": string
 * or null (optional)}; other keys are ignored, blank lines skipped. With render, each prompt goes
 * through it. Errors name PATH:LINE (and the column for malformed JSON): a missing or mistyped
 * field, an empty prompt, an id that repeats an earlier line's, a template failure; a file without
 * prompts is refused. */
rgtg_status_t rgtg_prompts_read_jsonl(const char *path, rgtg_prompt_render_fn render, void *render_ctx,
                                      rgtg_prompt_list_t *out);

#endif
