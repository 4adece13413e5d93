/* data/chat_template.h: the chat formats of instruction-tuned checkpoints (Llama-3's header tokens,
 * ChatML as Qwen uses it), rendered from rgtg's conversation transcripts so that the tokens equal
 * what the model's own Jinja chat_template gives (tests/reference/chat_template_fixtures.py).
 *
 * A prompt is read as a conversation when it is a transcript as the readers write it, "System: s\n\n
 * Human: h\n\nAssistant: a\n\nHuman: h2\n\nAssistant:" (starting "Human:" or "System:" and ending with
 * the "\n\nAssistant:" cue): each turn's text, with the whitespace around it stripped (as Python's
 * str.strip() strips), is one message of role system, user or assistant. Any other prompt is one user
 * message, as it is. (A turn whose text holds "\n\nHuman:" or "\n\nAssistant:" cannot be told apart
 * from two turns: the transcript format has no escape.)
 *
 * The text has no BOS: the model puts its BOS first (the chat templates write it as text, e.g.
 * "<|begin_of_text|>"; it is the same token; a checkpoint whose chat template writes it reads BOS
 * first even when its tokenizer adds none, core/MODELS.md). The response follows the text as it is; the model's
 * turn ends with the tokenizer's EOS, which for chat checkpoints is the turn-end token (<|eot_id|>,
 * <|im_end|>) in their tokenizer_config.json. */
#ifndef RGTG_DATA_CHAT_TEMPLATE_H
#define RGTG_DATA_CHAT_TEMPLATE_H

#include <stdbool.h>

#include "../core/status.h"

typedef struct {
    const char *name;            /* "llama3", "chatml", "qwen3-no-think" */
    const char *open[3];         /* before a system, user, assistant message's text */
    const char *close;           /* after every message's text */
    const char *generation_cue;  /* after the last message: the assistant's turn begins */
    bool trim;                   /* strip whitespace around every message (Llama-3's "| trim") */
} rgtg_chat_format_t;

/* Llama-3 (Instruct); ChatML as Qwen3's template writes it (no default system message; thinking left
 * to the model: the cue is "<|im_start|>assistant\n"); and Qwen3's non-thinking mode
 * (enable_thinking=False: an empty think block after the cue), the one after which a reply follows
 * as the template writes a finished conversation, so the one for preference data and rewards. */
extern const rgtg_chat_format_t rgtg_chat_llama3, rgtg_chat_chatml, rgtg_chat_qwen3_no_think;

/* The prompt (see above) in the format, malloc'd into *out. */
rgtg_status_t rgtg_chat_render(const rgtg_chat_format_t *format, const char *prompt, char **out);

#endif
