/* data/tokenize_lines.h: `rgtg data tokenize`: texts to token ids and back, one line per row, with any
 * tokenizer core/tokenizer.h loads (a tokenizer file or a checkpoint directory).
 *
 * Encoding: every input line (without its "\n", and a "\r" before it) is one text; the output line is
 * its ids as a JSON array, "[9906,1917]". Nothing is added: no BOS, no EOS. Special-token text in a
 * line ("<|eot_id|>") is read as that special token, as Hugging Face tokenizers read it by default;
 * ill-formed UTF-8 is read as U+FFFD.
 *
 * Decoding: every input line is a JSON array of ids; the output line is their text. To keep one row
 * per line, a text is written as a JSON string literal when it holds a line break ("\n", "\r") or NUL, or
 * begins with a double quote (which is how a reader tells the two apart); every other text is written
 * as it is, so that encoding and decoding a plain line gives the line back. Special tokens are written
 * as their text unless skip_special.
 *
 * Errors name the input and line: "<stdin>:3: not a JSON array of token ids (...)", "<stdin>:3: token
 * id 128300 is outside the vocabulary (0..128255)". Output is held back until every line succeeded,
 * so a failing run writes nothing. */
#ifndef RGTG_DATA_TOKENIZE_LINES_H
#define RGTG_DATA_TOKENIZE_LINES_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/status.h"

typedef struct {
    const char *tokenizer; /* tokenizer file or checkpoint directory (required) */
    bool decode;           /* ids -> text instead of text -> ids */
    bool skip_special;     /* decoding: leave special tokens out */
    FILE *in, *out;        /* the rows; the results */
    const char *in_name;   /* for messages: "<stdin>" */
} rgtg_tokenize_lines_params_t;

/* stdin to stdout, encoding. */
rgtg_tokenize_lines_params_t rgtg_tokenize_lines_default_params(void);

/* Runs every line of in through the tokenizer and writes the results to out; *rows_out (may be NULL)
 * gets the number of lines. */
rgtg_status_t rgtg_tokenize_lines_run(const rgtg_tokenize_lines_params_t *params, long long *rows_out);

#endif
