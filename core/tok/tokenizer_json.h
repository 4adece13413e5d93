/* core/tok/tokenizer_json.h: a Hugging Face tokenizer.json of the byte-level BPE kind (GPT-2,
 * Llama-3, Qwen2/2.5/3), run as the tokenizers library runs it:
 *
 *   encode: ill-formed UTF-8 -> U+FFFD; added tokens found in the raw text (added_tokens.h); the rest
 *           normalized (normalizer.h); added tokens with "normalized": true found in that; the rest
 *           pre-tokenized into words (pretokenizer.h); each word merged into ids (bpe.h).
 *   decode: ids -> the raw bytes of their tokens, an added token's content verbatim; every run of
 *           bytes between added tokens is turned into text with U+FFFD for ill-formed UTF-8 (as the
 *           ByteLevel decoder does). No clean-up of spaces (transformers' clean_up_tokenization_spaces)
 *           is applied: decode gives back exactly the text of the tokens.
 *
 * Special ids come from tokenizer_config.json beside the file when there is one (bos_token,
 * eos_token, pad_token, unk_token, add_bos_token, add_eos_token); otherwise, and for what it leaves
 * out, from the post-processor: a TemplateProcessing whose single-sequence template starts (ends)
 * with a special token adds that token as BOS (EOS). Anything outside this kind (a WordPiece or
 * Unigram model, byte fallback, Metaspace, other decoders or post-processors) is refused with
 * RGTG_ERR_UNSUPPORTED and a message naming the file and the part.
 *
 * Encoding is safe from several threads: one cached scratch (word cache, regex state) is used by
 * whichever call gets it first; concurrent calls work with a private scratch. */
#ifndef RGTG_CORE_TOK_TOKENIZER_JSON_H
#define RGTG_CORE_TOK_TOKENIZER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "bytes.h"

typedef struct tok_json tok_json_t;

/* Loads json_path; config_path (tokenizer_config.json) may be NULL. */
rgtg_status_t tok_json_load(const char *json_path, const char *config_path, tok_json_t **out);
void tok_json_free(tok_json_t *t);

/* Appends the ids of text[0..n) to out (no BOS/EOS added). */
rgtg_status_t tok_json_encode(const tok_json_t *t, const char *text, size_t n, tok_ids_t *out);
/* Appends the text of ids to out; skip_special drops added tokens marked "special". An id outside
 * the vocabulary is an error. */
rgtg_status_t tok_json_decode(const tok_json_t *t, const int32_t *ids, size_t count, bool skip_special,
                              tok_bytes_t *out);

int32_t tok_json_vocab_size(const tok_json_t *t); /* 1 + the largest id of any token */
int32_t tok_json_bos_id(const tok_json_t *t);     /* -1 when there is none */
int32_t tok_json_eos_id(const tok_json_t *t);
int32_t tok_json_pad_id(const tok_json_t *t);
int32_t tok_json_unk_id(const tok_json_t *t);
bool tok_json_add_bos(const tok_json_t *t);
bool tok_json_add_eos(const tok_json_t *t);
bool tok_json_is_special(const tok_json_t *t, int32_t id); /* an added token marked "special" */

/* The token string of id as written in the file (byte-level form for vocabulary tokens, e.g.
 * "Ġworld"; the content for added tokens); owned by t. NULL when id has no token. */
const char *tok_json_id_to_piece(const tok_json_t *t, int32_t id, size_t *length);
/* The id of a token string as written in the file, or -1. */
int32_t tok_json_piece_to_id(const tok_json_t *t, const char *piece, size_t length);

#endif
