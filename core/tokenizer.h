/* core/tokenizer.h: the one tokenizer interface of rgtg, over SentencePiece (core/spm/spm.h) and
 * Hugging Face tokenizer.json byte-level BPE (core/tok/tokenizer_json.h).
 *
 * Which kind: rgtg_tokenizer_load() takes a tokenizer file or a checkpoint directory.
 *   - A directory: its tokenizer.json when there is one (as transformers' fast tokenizer does),
 *     else its tokenizer.model. A tokenizer.json of a kind rgtg does not run (for instance Llama-2's,
 *     a SentencePiece conversion with byte fallback) gives way to a tokenizer.model beside it, which
 *     tokenizes the same; without one, its error is returned.
 *   - A file: a tokenizer.json when its first non-blank byte is '{', else a SentencePiece model.
 * tokenizer_config.json beside the file, when present, names bos/eos/pad/unk tokens and says whether
 * BOS/EOS are added (add_bos_token, add_eos_token). For a directory, the EOS list is the tokenizer's
 * EOS followed by the other ids of eos_token_id in generation_config.json (or, without that file, in
 * config.json), the ids at which transformers' generate() stops.
 *
 * Identity: rgtg_tokenizer_sha256() is the sha256 of the tokenizer file that was loaded
 * (tokenizer.json or tokenizer.model); tokenizer-match checks compare it.
 *
 * encode never adds BOS/EOS (callers put rgtg_tokenizer_bos_id() first when rgtg_tokenizer_add_bos()
 * says so). Ill-formed UTF-8 in a text is read as U+FFFD, as SentencePiece and tokenizers'
 * callers (Python, JavaScript) read it. decode gives back the text of the ids; for tokenizer.json, an
 * id sequence that is not well-formed UTF-8 decodes with U+FFFD, as tokenizers does. */
#ifndef RGTG_CORE_TOKENIZER_H
#define RGTG_CORE_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum {
    RGTG_TOKENIZER_SENTENCEPIECE = 1, /* tokenizer.model */
    RGTG_TOKENIZER_JSON_BPE = 2,      /* tokenizer.json, byte-level BPE */
} rgtg_tokenizer_kind_t;

typedef struct rgtg_tokenizer rgtg_tokenizer_t;

/* The files of the tokenizer at a tokenizer file or checkpoint directory, found without running it
 * (a directory holding both tokenizer.json and tokenizer.model is the one case that reads the JSON, to
 * see which rgtg_tokenizer_load would take). file and sha256 are what rgtg_tokenizer_load would give
 * as rgtg_tokenizer_path() and rgtg_tokenizer_sha256(); config is tokenizer_config.json beside the
 * file, or NULL. Errors: "PATH: holds neither tokenizer.json nor tokenizer.model", unreadable files. */
typedef struct {
    rgtg_tokenizer_kind_t kind;
    char *file;   /* malloc'd */
    char *config; /* malloc'd, or NULL */
    char sha256[65];
} rgtg_tokenizer_files_t;
rgtg_status_t rgtg_tokenizer_files(const char *path_or_dir, rgtg_tokenizer_files_t *out);
void rgtg_tokenizer_files_free(rgtg_tokenizer_files_t *files);
/* The name the file has in a checkpoint directory: "tokenizer.json" or "tokenizer.model". */
const char *rgtg_tokenizer_file_name(rgtg_tokenizer_kind_t kind);
/* Copies the tokenizer file (under rgtg_tokenizer_file_name) and its tokenizer_config.json into dir,
 * each atomically, so that rgtg_tokenizer_load(dir) gives the same tokenizer. */
rgtg_status_t rgtg_tokenizer_files_copy(const rgtg_tokenizer_files_t *files, const char *dir);

/* Loads a tokenizer file or a checkpoint directory (see above). Errors name the file. */
rgtg_status_t rgtg_tokenizer_load(const char *path_or_dir, rgtg_tokenizer_t **out);
void rgtg_tokenizer_free(rgtg_tokenizer_t *tok);

rgtg_tokenizer_kind_t rgtg_tokenizer_kind(const rgtg_tokenizer_t *tok);
const char *rgtg_tokenizer_kind_name(rgtg_tokenizer_kind_t kind); /* "sentencepiece", "tokenizer.json" */
/* The tokenizer file that was loaded (owned by tok). */
const char *rgtg_tokenizer_path(const rgtg_tokenizer_t *tok);
/* Lowercase hex sha256 of that file, 64 characters (owned by tok). */
const char *rgtg_tokenizer_sha256(const rgtg_tokenizer_t *tok);

/* Encodes text (len bytes) into a malloc'd id array; no BOS/EOS added. Thread-safe. */
rgtg_status_t rgtg_tokenizer_encode(const rgtg_tokenizer_t *tok, const char *text, size_t len, int32_t **ids_out,
                                    size_t *count_out);
/* Decodes ids into a malloc'd NUL-terminated string of *length_out bytes (length_out may be NULL;
 * the text holds a NUL byte only where a token stands for one). skip_special drops special tokens
 * (tokenizer.json: added tokens marked special); SentencePiece never renders its control pieces
 * (bos, eos, pad), whatever skip_special says. An id outside the vocabulary is an error. */
rgtg_status_t rgtg_tokenizer_decode(const rgtg_tokenizer_t *tok, const int32_t *ids, size_t count, bool skip_special,
                                    char **text_out, size_t *length_out);

/* 1 + the largest token id (an embedding may have more rows: those ids are not tokens). */
int rgtg_tokenizer_vocab_size(const rgtg_tokenizer_t *tok);
int rgtg_tokenizer_bos_id(const rgtg_tokenizer_t *tok); /* -1 when none */
int rgtg_tokenizer_pad_id(const rgtg_tokenizer_t *tok); /* -1 when none */
int rgtg_tokenizer_unk_id(const rgtg_tokenizer_t *tok); /* -1 when none */
/* The first EOS id (the tokenizer's own), or -1. */
int rgtg_tokenizer_eos_id(const rgtg_tokenizer_t *tok);
/* Every id that ends a sequence (see above), owned by tok; *count may be 0. */
const int32_t *rgtg_tokenizer_eos_ids(const rgtg_tokenizer_t *tok, size_t *count);
bool rgtg_tokenizer_is_eos(const rgtg_tokenizer_t *tok, int id);
/* Whether the model's tokenizer puts BOS first (EOS last) when it encodes a text for the model. */
bool rgtg_tokenizer_add_bos(const rgtg_tokenizer_t *tok);
bool rgtg_tokenizer_add_eos(const rgtg_tokenizer_t *tok);
/* Whether a model whose tokenizer is at path_or_dir reads BOS first (core/MODELS.md): when the
 * tokenizer adds one (rgtg_tokenizer_add_bos; found without running it where it can be:
 * tokenizer_config.json's add_bos_token when it says, else true for SentencePiece, else the
 * tokenizer.json's post-processor), or when tokenizer_config.json's chat_template writes it (names
 * bos_token or holds its text: Llama-3-Instruct's first tokenizer.json adds no BOS, its chat template
 * does, and rgtg's prompts carry none, see data/chat_template.h). Qwen2/3: neither, so false. */
rgtg_status_t rgtg_tokenizer_model_reads_bos(const char *path_or_dir, bool *out);
/* Whether id is a special token: SentencePiece control pieces, tokenizer.json special added tokens. */
bool rgtg_tokenizer_is_special(const rgtg_tokenizer_t *tok, int id);

/* The token string of id as the tokenizer file writes it ("▁world" for SentencePiece, "Ġworld" for
 * byte-level BPE, "<|eot_id|>" for an added token); owned by tok; *length set; NULL when id has none. */
const char *rgtg_tokenizer_id_to_piece(const rgtg_tokenizer_t *tok, int id, size_t *length);
/* The id of a token string (NUL-terminated), or -1 when it is not a token. */
int rgtg_tokenizer_piece_to_id(const rgtg_tokenizer_t *tok, const char *piece);

/* Whether text survives the tokenizer: decode(ids) == text byte for byte, ids being text's encoding
 * (special tokens kept in the decode). */
typedef struct {
    bool exact;
    size_t unknown_pieces;   /* ids that are the unk id (0 with byte fallback) */
    size_t first_difference; /* when not exact: the byte offset in text where the decoded text departs */
} rgtg_tokenizer_round_trip_t;
rgtg_status_t rgtg_tokenizer_round_trip_ids(const rgtg_tokenizer_t *tok, const char *text, size_t len,
                                            const int32_t *ids, size_t count, rgtg_tokenizer_round_trip_t *out);

/* Whether `rgtg data tokenizer` trained it with the lossless settings (a SentencePiece model whose
 * recorded settings say so); such tokenizers must round-trip every text. */
bool rgtg_tokenizer_trained_lossless(const rgtg_tokenizer_t *tok);
/* One line on its settings: a SentencePiece model's recorded settings, or the kind of a tokenizer.json. */
void rgtg_tokenizer_describe(const rgtg_tokenizer_t *tok, char *out, size_t capacity);

#endif
