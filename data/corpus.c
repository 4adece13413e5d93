/* data/corpus.c: a tokenizer's training text from preference and plain text files, and the training
 * (see corpus.h). */
#include "corpus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "../core/log.h"
#include "../core/spm/spm.h"
#include "readers.h"
#include "template.h"

rgtg_corpus_params_t rgtg_corpus_default_params(void) {
    rgtg_spm_train_params_t tp = rgtg_spm_train_default_params();
    return (rgtg_corpus_params_t){.model_type = "unigram", .seed = 1, .byte_fallback = tp.byte_fallback,
                                  .remove_extra_whitespaces = tp.remove_extra_whitespaces,
                                  .add_dummy_prefix = tp.add_dummy_prefix,
                                  .whitespace_only_pieces = tp.allow_whitespace_only_pieces,
                                  .split_digits = tp.split_digits};
}

/* The user symbols: the given list, else the template's markers, split at commas in place into items. */
#define MAX_USER_SYMBOLS 64
static rgtg_status_t user_symbols(const rgtg_corpus_params_t *p, char *list, size_t capacity, const char **items,
                                  size_t *count) {
    *count = 0;
    list[0] = '\0';
    if (p->user_symbols) {
        if (strlen(p->user_symbols) >= capacity)
            return rgtg_error_set(RGTG_ERR_INVALID, "tokenizer: the user symbols are longer than %zu bytes", capacity - 1);
        strcpy(list, p->user_symbols);
    } else if (p->template_name && strcmp(p->template_name, "none") != 0) {
        const rgtg_template_t *tmpl = rgtg_template_find(p->template_name);
        if (!tmpl) {
            char known[256] = "";
            for (const char *const *n = rgtg_template_names(); *n; n++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", known[0] ? ", " : "", *n);
            return rgtg_error_set(RGTG_ERR_INVALID, "tokenizer: unknown template \"%s\" (known: %s, none)",
                                  p->template_name, known);
        }
        rgtg_status_t st = rgtg_template_markers(tmpl, list, capacity);
        if (st != RGTG_OK) return st;
    }
    if (!list[0]) return RGTG_OK;
    for (char *item = list;; item++) { /* empty items are kept, so that the trainer names them */
        if (*count == MAX_USER_SYMBOLS)
            return rgtg_error_set(RGTG_ERR_INVALID, "tokenizer: more than %d user symbols", MAX_USER_SYMBOLS);
        items[(*count)++] = item;
        if (!(item = strchr(item, ','))) break;
        *item = '\0';
    }
    return RGTG_OK;
}

/* Writes text as training sentences: one line per line of the text (SentencePiece reads lines). */
static int write_sentences(FILE *fp, const char *text) {
    while (*text) {
        size_t n = strcspn(text, "\r\n");
        if (n > 0 && (fwrite(text, 1, n, fp) != n || fputc('\n', fp) == EOF)) return -1;
        text += n;
        text += strspn(text, "\r\n");
    }
    return 0;
}

static rgtg_status_t corpus_from_prefs(FILE *fp, const char *path, const char *format, int64_t *lines) {
    rgtg_pref_reader_t *reader = NULL;
    rgtg_status_t st = rgtg_pref_reader_open(path, format, &reader);
    while (st == RGTG_OK) {
        rgtg_raw_pair_t pair;
        rgtg_read_result_t result;
        const char *reason = NULL;
        st = rgtg_pref_reader_next(reader, &pair, &result, &reason);
        if (st != RGTG_OK || result == RGTG_READ_END) break;
        if (result != RGTG_READ_PAIR) continue;
        if (write_sentences(fp, pair.prompt) || write_sentences(fp, pair.chosen) || write_sentences(fp, pair.rejected))
            st = rgtg_error_set(RGTG_ERR_IO, "cannot write the training text (%s)", strerror(errno));
        *lines += 3;
    }
    rgtg_pref_reader_close(reader);
    return st;
}

static rgtg_status_t corpus_from_text(FILE *fp, const char *path, int64_t *lines) {
    gzFile gz = gzopen(path, "rb"); /* reads plain files as they are */
    if (!gz) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    gzbuffer(gz, 1 << 17);
    char buf[1 << 16];
    rgtg_status_t st = RGTG_OK;
    int n, last = '\n';
    while ((n = gzread(gz, buf, sizeof buf)) > 0) {
        if (fwrite(buf, 1, (size_t)n, fp) != (size_t)n) {
            st = rgtg_error_set(RGTG_ERR_IO, "cannot write the training text (%s)", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) *lines += buf[i] == '\n';
        last = buf[n - 1];
    }
    int err = Z_OK;
    const char *message = gzerror(gz, &err);
    if (st == RGTG_OK && (n < 0 || (err != Z_OK && err != Z_BUF_ERROR)))
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: %s", path, message);
    /* a gzip stream that stops early reads as Z_BUF_ERROR at the end */
    if (st == RGTG_OK && err == Z_BUF_ERROR)
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: truncated gzip stream (%s)", path, message);
    if (st == RGTG_OK && last != '\n' && fputc('\n', fp) == EOF)
        st = rgtg_error_set(RGTG_ERR_IO, "cannot write the training text (%s)", strerror(errno));
    gzclose(gz);
    return st;
}

/* One input into the text: its format given, detected, or plain text when none fits. */
static rgtg_status_t add_input(FILE *fp, const char *path, const char *format, int64_t *lines) {
    FILE *probe = fopen(path, "rb");
    if (!probe) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    fclose(probe);
    if (!format && rgtg_pref_detect_format(path, &format) != RGTG_OK) {
        rgtg_log_info("data tokenizer: note: %s; reading %s as plain text", rgtg_error_message(), path);
        rgtg_error_clear();
        format = "text";
    }
    return !strcmp(format, "text") ? corpus_from_text(fp, path, lines) : corpus_from_prefs(fp, path, format, lines);
}

rgtg_status_t rgtg_corpus_train_tokenizer(const rgtg_corpus_params_t *p, rgtg_corpus_result_t *result) {
    memset(result, 0, sizeof *result);
    int64_t *lines_out = &result->lines;
    if (p->input_count < 1 || p->input_count > RGTG_CORPUS_MAX_INPUTS || !p->out || p->vocab_size <= 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "tokenizer: 1 to %d inputs, an output and a positive vocabulary are required",
                              RGTG_CORPUS_MAX_INPUTS);
    if (strcmp(p->model_type, "unigram") != 0 && strcmp(p->model_type, "bpe") != 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "tokenizer: model type must be unigram or bpe, not \"%s\"", p->model_type);
    if (p->format && strcmp(p->format, "text") != 0 && rgtg_pref_check_format(p->format) != RGTG_OK)
        return rgtg_error_status();
    char symbol_list[4096];
    const char *symbols[MAX_USER_SYMBOLS];
    rgtg_spm_train_params_t tp = rgtg_spm_train_default_params();
    tp.vocab_size = p->vocab_size;
    tp.model_type = p->model_type;
    tp.seed = p->seed;
    tp.byte_fallback = p->byte_fallback && !p->lossy_legacy;
    tp.normalization = p->normalization ? p->normalization : p->lossy_legacy ? "nmt_nfkc" : tp.normalization;
    tp.remove_extra_whitespaces = p->remove_extra_whitespaces || p->lossy_legacy;
    tp.add_dummy_prefix = p->add_dummy_prefix || p->lossy_legacy;
    tp.allow_whitespace_only_pieces = p->whitespace_only_pieces && !p->lossy_legacy;
    tp.split_digits = p->split_digits && !p->lossy_legacy;
    rgtg_status_t symbols_st = user_symbols(p, symbol_list, sizeof symbol_list, symbols, &tp.user_symbol_count);
    if (symbols_st != RGTG_OK) return symbols_st;
    tp.user_symbols = symbols;
    const char *tmpdir = getenv("TMPDIR");
    char corpus[4096];
    snprintf(corpus, sizeof corpus, "%s/rgtg-tokenizer-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(corpus);
    if (fd < 0) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot create a temporary file (%s)", corpus, strerror(errno));
    FILE *fp = fdopen(fd, "wb");
    rgtg_status_t st = fp ? RGTG_OK : rgtg_error_set(RGTG_ERR_IO, "%s: %s", corpus, strerror(errno));
    for (int i = 0; st == RGTG_OK && i < p->input_count; i++) st = add_input(fp, p->inputs[i], p->format, lines_out);
    if (fp && fclose(fp) != 0 && st == RGTG_OK)
        st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot write (%s)", corpus, strerror(errno));
    if (!fp) close(fd);
    if (st == RGTG_OK && *lines_out == 0) st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no text to train on", p->inputs[0]);
    if (st == RGTG_OK) st = rgtg_spm_train(corpus, p->out, &tp);
    unlink(corpus);
    rgtg_spm_t *trained = NULL;
    if (st == RGTG_OK) st = rgtg_spm_load(p->out, &trained);
    if (st == RGTG_OK) rgtg_spm_settings_describe(rgtg_spm_settings(trained), result->settings, sizeof result->settings);
    rgtg_spm_free(trained);
    return st;
}
