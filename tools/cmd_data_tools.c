/* tools/cmd_data_tools.c: the `rgtg data` tools around the data layer: tokenizer (train SentencePiece
 * on preference or plain text files), prepare (read, template, tokenize, truncate, split -> prefs.h5),
 * expand (the prefix index), inspect (counts, lengths, attributes, examples) and export (JSONL).
 *
 * Decisions recorded here because users meet them:
 * - --max-len N counts prompt tokens plus the longer response's tokens, EOS included (not BOS, which
 *   the model adds). left: prompt tokens are dropped from the left, responses kept whole; right:
 *   responses are cut from the right and keep their EOS (the format requires every response to end
 *   with EOS, so a cut response reads as finished); drop: the row is dropped. A row that no policy
 *   can fit (left: responses alone reach N; right: no room for one token plus EOS after the prompt)
 *   is dropped as over_max_len.
 * - Splits come from a seeded hash of the prompt text, so pairs sharing a prompt share a split (no
 *   prompt of the test split is trained on) and the assignment streams: the same input and seed give
 *   the same file, byte for byte. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "../core/fsutil.h"
#include "../core/rng.h"
#include "../core/spm/spm.h"
#include "../data/expand.h"
#include "../data/prefs_h5.h"
#include "../data/readers.h"
#include "../data/template.h"
#include "args.h"
#include "commands.h"

#define MAX_INPUTS 64

/* ---- shared helpers ---- */

/* --input may repeat, and further input files may follow it as plain arguments (--input a.jsonl b.jsonl). */
static int collect_inputs(const rgtg_args_t *args, const char **inputs, const char *command) {
    int n = 0;
    for (int i = 0; i < args->count; i++)
        if (!strcmp(args->names[i], "input") && n++ < MAX_INPUTS) inputs[n - 1] = args->values[i];
    for (int i = 0; i < args->positional_count; i++)
        if (n++ < MAX_INPUTS) inputs[n - 1] = args->positional[i];
    if (n > MAX_INPUTS) {
        fprintf(stderr, "rgtg %s: at most %d input files\n", command, MAX_INPUTS);
        return 0;
    }
    if (n == 0) fprintf(stderr, "rgtg %s: --input FILE is required\n", command);
    return n;
}

static rgtg_status_t check_readable(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    fclose(fp);
    return RGTG_OK;
}

static int is_known_format(const char *format) {
    for (const char *const *f = rgtg_pref_formats(); *f; f++)
        if (!strcmp(*f, format)) return 1;
    return 0;
}

static rgtg_status_t unknown_format_error(const char *format) {
    char list[256] = "";
    for (const char *const *f = rgtg_pref_formats(); *f; f++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? ", " : "", *f);
    return rgtg_error_set(RGTG_ERR_INVALID, "unknown format \"%s\" (known: %s)", format, list);
}

/* The tokenizer of a preference file: --tokenizer, else tokenizer.model beside the file. Its sha256
 * must match the file's, or decoded text would be nonsense. */
static rgtg_status_t load_file_tokenizer(const char *prefs_path, const char *given, const rgtg_prefs_info_t *info,
                                         int required, rgtg_spm_t **out, char **path_out) {
    *out = NULL;
    *path_out = NULL;
    char *path = NULL;
    if (given) path = strdup(given);
    else {
        const char *slash = strrchr(prefs_path, '/');
        char *dir = slash ? strndup(prefs_path, (size_t)(slash - prefs_path + (slash == prefs_path))) : strdup(".");
        path = dir ? rgtg_path_join(dir, "tokenizer.model") : NULL;
        free(dir);
        if (path && !rgtg_path_exists(path) && !required) {
            free(path);
            return RGTG_OK;
        }
    }
    if (!path) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (!rgtg_path_exists(path)) {
        rgtg_status_t st = rgtg_error_set(RGTG_ERR_IO, "%s: no tokenizer there (pass --tokenizer tok.model)", path);
        free(path);
        return st;
    }
    char sha[65];
    rgtg_status_t st = rgtg_sha256_file(path, sha);
    if (st == RGTG_OK && info->tokenizer_sha256[0] && strcmp(sha, info->tokenizer_sha256) != 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: sha256 %.12s... differs from the tokenizer_sha256 %.12s... of %s",
                            path, sha, info->tokenizer_sha256, prefs_path);
    if (st == RGTG_OK) st = rgtg_spm_load(path, out);
    if (st == RGTG_OK) *path_out = path;
    else free(path);
    return st;
}

/* ---- data tokenizer ---- */

static const rgtg_option_t tokenizer_options[] = {
    {"input", true, true, "preference or plain text files (.gz read too); more may follow as arguments"},
    {"vocab", true, false, "vocabulary size (required)"},
    {"out", true, false, "the SentencePiece model to write (required)"},
    {"model-type", true, false, "unigram (default) or bpe"},
    {"format", true, false, "input format (default: detected per file); text: one sentence a line"},
    {"seed", true, false, "sampling seed of the trainer (default 1)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

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

int rgtg_cmd_data_tokenizer(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("data tokenizer", tokenizer_options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("data tokenizer", "--input FILE... --vocab N --out tok.model", tokenizer_options);
        return 0;
    }
    const char *inputs[MAX_INPUTS];
    int n_inputs = collect_inputs(&args, inputs, "data tokenizer");
    const char *out = rgtg_args_get(&args, "out", NULL), *format = rgtg_args_get(&args, "format", NULL);
    long long vocab, seed;
    if (n_inputs == 0) return 2;
    if (!out || !rgtg_args_has(&args, "vocab")) {
        fprintf(stderr, "rgtg data tokenizer: --vocab and --out are required\n");
        return 2;
    }
    if (!rgtg_args_int(&args, "vocab", 0, &vocab) || !rgtg_args_int(&args, "seed", 1, &seed)) return 2;
    rgtg_spm_train_params_t params = rgtg_spm_train_default_params();
    params.vocab_size = (int)vocab;
    params.model_type = rgtg_args_get(&args, "model-type", "unigram");
    params.seed = (uint64_t)seed;
    if (strcmp(params.model_type, "unigram") != 0 && strcmp(params.model_type, "bpe") != 0) {
        fprintf(stderr, "rgtg data tokenizer: --model-type must be unigram or bpe, not \"%s\"\n", params.model_type);
        return 2;
    }
    if (format && strcmp(format, "text") != 0 && !is_known_format(format)) {
        unknown_format_error(format);
        return rgtg_report_error("data tokenizer");
    }

    const char *tmpdir = getenv("TMPDIR");
    char corpus[4096];
    snprintf(corpus, sizeof corpus, "%s/rgtg-tokenizer-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(corpus);
    if (fd < 0) {
        rgtg_error_set(RGTG_ERR_IO, "%s: cannot create a temporary file (%s)", corpus, strerror(errno));
        return rgtg_report_error("data tokenizer");
    }
    FILE *fp = fdopen(fd, "wb");
    rgtg_status_t st = fp ? RGTG_OK : rgtg_error_set(RGTG_ERR_IO, "%s: %s", corpus, strerror(errno));
    int64_t lines = 0;
    for (int i = 0; st == RGTG_OK && i < n_inputs; i++) {
        const char *file_format = format;
        st = check_readable(inputs[i]);
        if (st == RGTG_OK && !file_format) {
            if (rgtg_pref_detect_format(inputs[i], &file_format) != RGTG_OK) {
                fprintf(stderr, "rgtg data tokenizer: note: %s; reading %s as plain text\n", rgtg_error_message(),
                        inputs[i]);
                rgtg_error_clear();
                file_format = "text";
            }
        }
        if (st == RGTG_OK)
            st = !strcmp(file_format, "text") ? corpus_from_text(fp, inputs[i], &lines)
                                             : corpus_from_prefs(fp, inputs[i], file_format, &lines);
    }
    if (fp && fclose(fp) != 0 && st == RGTG_OK)
        st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot write (%s)", corpus, strerror(errno));
    if (!fp) close(fd);
    if (st == RGTG_OK && lines == 0) st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no text to train on", inputs[0]);
    if (st == RGTG_OK) st = rgtg_spm_train(corpus, out, &params);
    unlink(corpus);
    if (st != RGTG_OK) return rgtg_report_error("data tokenizer");
    printf("data tokenizer: %" PRId64 " lines from %d file%s, vocabulary %lld (%s) -> %s\n", lines, n_inputs,
           n_inputs == 1 ? "" : "s", vocab, params.model_type, out);
    return 0;
}

/* ---- data prepare ---- */

static const rgtg_option_t prepare_options[] = {
    {"input", true, true, "preference files (.gz read too); more may follow as arguments"},
    {"format", true, false, "hh, tldr, ultrafeedback, sharegpt, postedit or jsonl (default: detected per file)"},
    {"tokenizer", true, false, "SentencePiece model (required)"},
    {"out", true, false, "prefs.h5 to write (required)"},
    {"template", true, false, "prompt template taking {prompt} (default none: the prompt as it is)"},
    {"max-len", true, false, "most tokens of prompt + longer response, EOS counted (default 0: no limit)"},
    {"truncate", true, false, "rows over --max-len: left (cut the prompt), right (cut responses), drop (default)"},
    {"split", true, false, "train,valid,test fractions (default 0.9,0.05,0.05)"},
    {"seed", true, false, "seed of the split assignment (default 1)"},
    {"on-error", true, false, "a malformed row: fail (default: no output) or skip (counted as malformed)"},
    {"limit", true, false, "stop after this many pairs are kept (default: all)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

typedef enum { TRUNCATE_DROP, TRUNCATE_LEFT, TRUNCATE_RIGHT } truncate_policy_t;

#define MAX_DROP_REASONS 32

typedef struct {
    char *names[MAX_DROP_REASONS];
    int64_t counts[MAX_DROP_REASONS];
    size_t count;
} drop_counts_t;

static void drop_count_add(drop_counts_t *d, const char *reason) {
    if (!reason || !*reason) reason = "unspecified";
    for (size_t i = 0; i < d->count; i++)
        if (!strcmp(d->names[i], reason)) {
            d->counts[i]++;
            return;
        }
    int is_other = !strcmp(reason, "other");
    if (d->count >= MAX_DROP_REASONS - 1 && !is_other) { /* the last slot is kept for "other" */
        drop_count_add(d, "other");
        return;
    }
    char *name = strdup(reason);
    if (!name) return; /* out of memory: the count is lost, the data is not */
    d->names[d->count] = name;
    d->counts[d->count++] = 1;
}

/* Sorted by name, so that the attributes come out in the same order for the same counts. */
static void drop_counts_sort(drop_counts_t *d) {
    for (size_t i = 1; i < d->count; i++)
        for (size_t j = i; j > 0 && strcmp(d->names[j - 1], d->names[j]) > 0; j--) {
            char *name = d->names[j];
            int64_t count = d->counts[j];
            d->names[j] = d->names[j - 1], d->counts[j] = d->counts[j - 1];
            d->names[j - 1] = name, d->counts[j - 1] = count;
        }
}

static void drop_counts_free(drop_counts_t *d) {
    for (size_t i = 0; i < d->count; i++) free(d->names[i]);
}

typedef struct {
    rgtg_spm_t *spm;
    const rgtg_template_t *tmpl; /* NULL: the prompt text as it is */
    long long max_len;
    truncate_policy_t truncate;
    double split_cut[2]; /* cumulative train and train+valid fractions */
    uint64_t seed;
} prepare_config_t;

/* FNV-1a over the prompt, mixed with the seed through splitmix64: a uniform number in [0, 1). */
static int split_of(const prepare_config_t *cfg, const char *prompt) {
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)prompt; *p; p++) h = (h ^ *p) * 1099511628211ull;
    uint64_t state = h ^ cfg->seed;
    rgtg_rng_splitmix64(&state);
    double u = (double)(rgtg_rng_splitmix64(&state) >> 11) * 0x1.0p-53;
    return u < cfg->split_cut[0] ? RGTG_SPLIT_TRAIN : u < cfg->split_cut[1] ? RGTG_SPLIT_VALID : RGTG_SPLIT_TEST;
}

static int only_space(const char *s) {
    return s[strspn(s, " \t\r\n")] == '\0';
}

/* One pair: template, tokenize, truncate, write. *drop is set (and nothing written) when the row
 * is not kept. */
static rgtg_status_t prepare_pair(const prepare_config_t *cfg, rgtg_prefs_writer_t *writer, const rgtg_raw_pair_t *raw,
                                  int *split_counts, const char **drop) {
    *drop = NULL;
    if (only_space(raw->chosen) || only_space(raw->rejected)) {
        *drop = "empty_response";
        return RGTG_OK;
    }
    char *prompt_text = NULL, *texts[2] = {NULL, NULL};
    int32_t *ids[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0};
    rgtg_status_t st = RGTG_OK;
    if (cfg->tmpl) {
        const char *key = "prompt", *value = raw->prompt;
        st = rgtg_template_render(cfg->tmpl, &key, &value, 1, &prompt_text);
        if (st == RGTG_OK) st = rgtg_template_response(cfg->tmpl, raw->chosen, &texts[0]);
        if (st == RGTG_OK) st = rgtg_template_response(cfg->tmpl, raw->rejected, &texts[1]);
    }
    const char *sources[3] = {prompt_text ? prompt_text : raw->prompt, texts[0] ? texts[0] : raw->chosen,
                              texts[1] ? texts[1] : raw->rejected};
    for (int s = 0; s < 3 && st == RGTG_OK; s++)
        st = rgtg_spm_encode(cfg->spm, sources[s], strlen(sources[s]), &ids[s], &lens[s]);
    if (st != RGTG_OK) goto done;
    if (lens[1] == lens[2] && (lens[1] == 0 || !memcmp(ids[1], ids[2], lens[1] * sizeof(int32_t)))) {
        *drop = lens[1] == 0 ? "empty_response" : "identical_responses";
        goto done;
    }
    const int32_t *prompt_ids = ids[0];
    size_t prompt_len = lens[0], longest = (lens[1] > lens[2] ? lens[1] : lens[2]) + 1; /* + EOS */
    if (cfg->max_len > 0 && prompt_len + longest > (size_t)cfg->max_len) {
        size_t max_len = (size_t)cfg->max_len;
        if (cfg->truncate == TRUNCATE_DROP || (cfg->truncate == TRUNCATE_LEFT && longest >= max_len) ||
            (cfg->truncate == TRUNCATE_RIGHT && prompt_len + 2 > max_len)) {
            *drop = "over_max_len";
            goto done;
        }
        if (cfg->truncate == TRUNCATE_LEFT) {
            size_t keep = max_len - longest;
            prompt_ids += prompt_len - keep;
            prompt_len = keep;
        } else {
            size_t room = max_len - prompt_len - 1; /* response tokens before EOS */
            for (int s = 1; s < 3; s++)
                if (lens[s] > room) lens[s] = room;
            if (lens[1] == lens[2] && !memcmp(ids[1], ids[2], lens[1] * sizeof(int32_t))) {
                *drop = "identical_after_truncation";
                goto done;
            }
        }
    }
    int split = split_of(cfg, raw->prompt);
    st = rgtg_prefs_writer_add(writer, prompt_ids, prompt_len, ids[1], lens[1], ids[2], lens[2], split);
    if (st == RGTG_OK) split_counts[split]++;
done:
    free(prompt_text);
    free(texts[0]);
    free(texts[1]);
    for (int s = 0; s < 3; s++) free(ids[s]);
    return st;
}

static int parse_split_fractions(const char *text, double cut[2]) {
    double f[3];
    char tail;
    if (sscanf(text, "%lf,%lf,%lf%c", &f[0], &f[1], &f[2], &tail) != 3) return 0;
    double sum = f[0] + f[1] + f[2];
    if (f[0] < 0 || f[1] < 0 || f[2] < 0 || !(fabs(sum - 1.0) < 1e-6)) return 0;
    cut[0] = f[0];
    cut[1] = f[0] + f[1];
    if (f[2] == 0) cut[1] = 2.0; /* nothing reaches test, whatever the rounding */
    return 1;
}

typedef struct {
    const char *const *inputs;
    int n_inputs;
    const char *format, *out;
    int skip_errors;
    long long limit;
    const char *options; /* the settings, recorded in the file */
} prepare_job_t;

static rgtg_status_t run_prepare(const prepare_job_t *job, prepare_config_t *cfg, const char *tokenizer_path) {
    rgtg_status_t st = RGTG_OK;
    /* Everything that can be checked is checked before any row is read. */
    for (int i = 0; i < job->n_inputs && st == RGTG_OK; i++) st = check_readable(job->inputs[i]);
    if (st == RGTG_OK && job->format && !is_known_format(job->format)) st = unknown_format_error(job->format);
    if (st != RGTG_OK) return st;
    st = rgtg_spm_load(tokenizer_path, &cfg->spm);
    if (st != RGTG_OK) return st;

    char tok_sha[65];
    size_t list_cap = 1;
    for (int i = 0; i < job->n_inputs; i++) list_cap += strlen(job->inputs[i]) + 1;
    char *sources = calloc(list_cap, 1), *source_sha = calloc((size_t)job->n_inputs * 65 + 1, 1);
    if (!sources || !source_sha) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (st == RGTG_OK) st = rgtg_sha256_file(tokenizer_path, tok_sha);
    for (int i = 0; i < job->n_inputs && st == RGTG_OK; i++) {
        char hex[65];
        st = rgtg_sha256_file(job->inputs[i], hex);
        strcat(strcat(sources, job->inputs[i]), "\n");
        strcat(strcat(source_sha, hex), "\n");
    }
    rgtg_prefs_attrs_t attrs = {
        .tokenizer_sha256 = tok_sha,
        .vocab_size = rgtg_spm_vocab_size(cfg->spm),
        .eos_id = rgtg_spm_eos_id(cfg->spm),
        .pad_id = rgtg_spm_pad_id(cfg->spm),
        .template_name = cfg->tmpl ? cfg->tmpl->name : "none",
        .template_text = cfg->tmpl ? cfg->tmpl->text : "{prompt}",
        .source_files = sources,
        .source_sha256 = source_sha,
        .seed = cfg->seed,
        .options = job->options,
    };
    rgtg_prefs_writer_t *writer = NULL;
    if (st == RGTG_OK) st = rgtg_prefs_writer_open(job->out, &attrs, &writer);

    drop_counts_t drops = {0};
    int split_counts[RGTG_SPLIT_COUNT] = {0};
    int64_t rows_read = 0, skipped_shown = 0;
    for (int i = 0; i < job->n_inputs && st == RGTG_OK; i++) {
        rgtg_pref_reader_t *reader = NULL;
        st = rgtg_pref_reader_open(job->inputs[i], job->format, &reader);
        while (st == RGTG_OK && (job->limit <= 0 || rgtg_prefs_writer_pair_count(writer) < job->limit)) {
            rgtg_raw_pair_t raw;
            rgtg_read_result_t result;
            const char *reason = NULL;
            st = rgtg_pref_reader_next(reader, &raw, &result, &reason);
            if (st == RGTG_ERR_FORMAT && job->skip_errors && rgtg_pref_reader_can_continue(reader)) {
                if (skipped_shown++ < 10) fprintf(stderr, "rgtg data prepare: skipped %s\n", rgtg_error_message());
                rgtg_error_clear();
                drop_count_add(&drops, "malformed");
                st = RGTG_OK;
                continue;
            }
            if (st != RGTG_OK || result == RGTG_READ_END) break;
            if (result == RGTG_READ_DROP) {
                drop_count_add(&drops, reason);
                continue;
            }
            const char *drop = NULL;
            st = prepare_pair(cfg, writer, &raw, split_counts, &drop);
            if (st != RGTG_OK) { /* name the row: the message below may not know it */
                char message[512];
                snprintf(message, sizeof message, "%s", rgtg_error_message());
                rgtg_error_clear();
                rgtg_error_set(st, "%s:%" PRId64 ": %s", job->inputs[i], raw.line, message);
            }
            else if (drop) drop_count_add(&drops, drop);
        }
        if (reader) rows_read += rgtg_pref_reader_rows_read(reader);
        rgtg_pref_reader_close(reader);
    }
    int64_t kept = writer ? rgtg_prefs_writer_pair_count(writer) : 0;
    if (st == RGTG_OK && kept == 0)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no pair was kept from %" PRId64 " rows", job->inputs[0], rows_read);
    drop_counts_sort(&drops);
    rgtg_prefs_counts_t counts = {
        .rows_read = rows_read,
        .drop_reasons = (const char *const *)drops.names,
        .drop_counts = drops.counts,
        .drop_reason_count = drops.count,
    };
    if (st == RGTG_OK) st = rgtg_prefs_writer_commit(writer, &counts);
    else rgtg_prefs_writer_abort(writer);
    if (st == RGTG_OK) {
        printf("data prepare: %" PRId64 " rows read, %" PRId64 " pairs kept (train %d, valid %d, test %d) -> %s\n",
               rows_read, kept, split_counts[0], split_counts[1], split_counts[2], job->out);
        if (drops.count) {
            printf("  dropped:");
            for (size_t i = 0; i < drops.count; i++) printf(" %s %" PRId64, drops.names[i], drops.counts[i]);
            printf("\n");
        }
    }
    drop_counts_free(&drops);
    free(sources);
    free(source_sha);
    return st;
}

int rgtg_cmd_data_prepare(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("data prepare", prepare_options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("data prepare", "--input FILE... --tokenizer tok.model --out prefs.h5", prepare_options);
        return 0;
    }
    const char *inputs[MAX_INPUTS];
    prepare_job_t job = {.inputs = inputs, .n_inputs = collect_inputs(&args, inputs, "data prepare")};
    if (job.n_inputs == 0) return 2;
    job.format = rgtg_args_get(&args, "format", NULL);
    job.out = rgtg_args_get(&args, "out", NULL);
    const char *tokenizer = rgtg_args_get(&args, "tokenizer", NULL);
    if (!job.out || !tokenizer) {
        fprintf(stderr, "rgtg data prepare: --tokenizer and --out are required\n");
        return 2;
    }
    prepare_config_t cfg = {0};
    long long seed;
    if (!rgtg_args_int(&args, "max-len", 0, &cfg.max_len) || !rgtg_args_int(&args, "seed", 1, &seed) ||
        !rgtg_args_int(&args, "limit", 0, &job.limit))
        return 2;
    cfg.seed = (uint64_t)seed;
    const char *truncate = rgtg_args_get(&args, "truncate", "drop"), *on_error = rgtg_args_get(&args, "on-error", "fail");
    const char *template_name = rgtg_args_get(&args, "template", NULL);
    if (!strcmp(truncate, "drop")) cfg.truncate = TRUNCATE_DROP;
    else if (!strcmp(truncate, "left")) cfg.truncate = TRUNCATE_LEFT;
    else if (!strcmp(truncate, "right")) cfg.truncate = TRUNCATE_RIGHT;
    else {
        fprintf(stderr, "rgtg data prepare: --truncate must be left, right or drop, not \"%s\"\n", truncate);
        return 2;
    }
    if (strcmp(on_error, "fail") != 0 && strcmp(on_error, "skip") != 0) {
        fprintf(stderr, "rgtg data prepare: --on-error must be fail or skip, not \"%s\"\n", on_error);
        return 2;
    }
    job.skip_errors = !strcmp(on_error, "skip");
    if (cfg.max_len < 0 || job.limit < 0) {
        fprintf(stderr, "rgtg data prepare: --max-len and --limit must not be negative\n");
        return 2;
    }
    if (!parse_split_fractions(rgtg_args_get(&args, "split", "0.9,0.05,0.05"), cfg.split_cut)) {
        fprintf(stderr, "rgtg data prepare: --split wants three fractions summing to 1, like 0.9,0.05,0.05\n");
        return 2;
    }
    if (template_name && strcmp(template_name, "none") != 0) {
        cfg.tmpl = rgtg_template_find(template_name);
        char *probe = NULL;
        const char *key = "prompt", *value = "";
        if (!cfg.tmpl) {
            fprintf(stderr, "rgtg data prepare: unknown template \"%s\" (known:", template_name);
            for (const char *const *n = rgtg_template_names(); *n; n++) fprintf(stderr, " %s", *n);
            fprintf(stderr, ", none)\n");
            return 2;
        }
        if (rgtg_template_render(cfg.tmpl, &key, &value, 1, &probe) != RGTG_OK) {
            fprintf(stderr, "rgtg data prepare: template %s cannot take a row's prompt (%s); prepare fills only {prompt}\n",
                    template_name, rgtg_error_message());
            return 2;
        }
        free(probe);
    }
    char options[512];
    /* the format is left out: a detected and a named format give the same file */
    snprintf(options, sizeof options, "max_len=%lld truncate=%s split=%s on_error=%s limit=%lld", cfg.max_len, truncate,
             rgtg_args_get(&args, "split", "0.9,0.05,0.05"), on_error, job.limit);
    job.options = options;
    rgtg_status_t st = run_prepare(&job, &cfg, tokenizer);
    rgtg_spm_free(cfg.spm);
    return st == RGTG_OK ? 0 : rgtg_report_error("data prepare");
}

/* ---- data expand ---- */

static const rgtg_option_t expand_options[] = {
    {"in", true, false, "prefs.h5 to add the prefix index to (rewritten atomically)"},
    {"ratio", true, false, "prefix pairs per pair, or all (required)"},
    {"seed", true, false, "sampling seed (default: the file's seed attribute)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

int rgtg_cmd_data_expand(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("data expand", expand_options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("data expand", "--in prefs.h5 --ratio R|all", expand_options);
        return 0;
    }
    const char *path = rgtg_args_get(&args, "in", args.positional_count ? args.positional[0] : NULL);
    const char *ratio_text = rgtg_args_get(&args, "ratio", NULL);
    if (!path || !ratio_text) {
        fprintf(stderr, "rgtg data expand: --in and --ratio are required\n");
        return 2;
    }
    double ratio = RGTG_EXPAND_ALL;
    if (strcmp(ratio_text, "all") != 0) {
        char *end;
        ratio = strtod(ratio_text, &end);
        if (end == ratio_text || *end || !(ratio > 0) || !isfinite(ratio)) {
            fprintf(stderr, "rgtg data expand: --ratio wants a positive number or all, not \"%s\"\n", ratio_text);
            return 2;
        }
    }
    rgtg_prefs_t *f = NULL;
    rgtg_status_t st = rgtg_prefs_open_index(path, &f);
    long long seed = 0;
    if (st == RGTG_OK && !rgtg_args_int(&args, "seed", (long long)rgtg_prefs_info(f)->seed, &seed)) {
        rgtg_prefs_close(f);
        return 2;
    }
    rgtg_prefs_close(f);
    f = NULL;
    if (st == RGTG_OK) st = rgtg_prefs_expand(path, ratio, (uint64_t)seed);
    if (st == RGTG_OK) st = rgtg_prefs_open_index(path, &f);
    if (st != RGTG_OK) return rgtg_report_error("data expand");
    printf("data expand: ratio %s, seed %lld -> %s\n", ratio_text, seed, path);
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) {
        const int64_t *pairs;
        const int32_t *lens;
        int64_t n;
        rgtg_prefs_prefixes(f, s, &pairs, &lens, &n);
        printf("  %-5s %" PRId64 " pairs -> %" PRId64 " prefix pairs%s\n", rgtg_split_name(s), rgtg_prefs_count(f, s), n,
               rgtg_prefs_info(f)->prefix_saturated[s] ? " (saturated: every prefix listed)" : "");
    }
    rgtg_prefs_close(f);
    return 0;
}

/* ---- data inspect ---- */

static const rgtg_option_t inspect_options[] = {
    {"tokenizer", true, false, "to decode examples (default: tokenizer.model beside the file)"},
    {"examples", true, false, "decoded example pairs to show (default 3)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

static int compare_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorts values and prints "p50 A  p90 B  p99 C  max D" (nearest rank). */
static void print_percentiles(const char *label, int64_t *values, int64_t n) {
    if (n == 0) {
        printf("  %-9s (none)\n", label);
        return;
    }
    qsort(values, (size_t)n, sizeof *values, compare_i64);
    const double ps[3] = {0.50, 0.90, 0.99};
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += (double)values[i];
    printf("  %-9s", label);
    for (int k = 0; k < 3; k++) {
        int64_t rank = (int64_t)ceil(ps[k] * (double)n);
        printf(" p%-2d %-7" PRId64, (int)(ps[k] * 100 + 0.5), values[rank > 0 ? rank - 1 : 0]);
    }
    printf(" max %-7" PRId64 " mean %.1f\n", values[n - 1], sum / (double)n);
}

/* "label text" with text quoted and escaped as a JSON string, at the given indent and label width. */
static void print_json_string(int indent, int width, const char *label, const char *text) {
    json_t *s = json_string(text);
    char *quoted = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
    printf("%*s%-*s %s\n", indent, "", width, label, quoted ? quoted : "(not valid UTF-8)");
    free(quoted);
    json_decref(s);
}

static rgtg_status_t decode_span(const rgtg_spm_t *spm, rgtg_token_span_t span, char **out) {
    return rgtg_spm_decode(spm, span.ids, (size_t)span.len, out);
}

static rgtg_status_t show_examples(const char *path, const rgtg_spm_t *spm, long long examples) {
    rgtg_prefs_t *f = NULL;
    rgtg_status_t st = rgtg_prefs_open(path, &f);
    int64_t n = st == RGTG_OK ? rgtg_prefs_pair_count(f) : 0;
    if (st == RGTG_OK) printf("examples (decoded):\n");
    for (int64_t i = 0; st == RGTG_OK && i < n && i < examples; i++) {
        rgtg_pref_pair_t pair;
        char *text[3] = {NULL, NULL, NULL};
        st = rgtg_prefs_get(f, i, &pair);
        if (st == RGTG_OK) st = decode_span(spm, pair.prompt, &text[0]);
        if (st == RGTG_OK) st = decode_span(spm, pair.chosen, &text[1]);
        if (st == RGTG_OK) st = decode_span(spm, pair.rejected, &text[2]);
        if (st == RGTG_OK) {
            printf("  pair %" PRId64 " (%s)\n", i, rgtg_split_name(pair.split));
            print_json_string(4, 9, "prompt", text[0]);
            print_json_string(4, 9, "chosen", text[1]);
            print_json_string(4, 9, "rejected", text[2]);
        }
        for (int k = 0; k < 3; k++) free(text[k]);
    }
    rgtg_prefs_close(f);
    return st;
}

static rgtg_status_t inspect(const char *path, const char *tokenizer, long long examples) {
    rgtg_prefs_t *f = NULL;
    rgtg_status_t st = rgtg_prefs_open_index(path, &f);
    if (st != RGTG_OK) return st;
    const rgtg_prefs_info_t *info = rgtg_prefs_info(f);
    int64_t n = rgtg_prefs_pair_count(f);
    printf("%s: format version %d, %" PRId64 " pairs\n", path, info->format_version, n);
    printf("splits:");
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) printf(" %s %" PRId64, rgtg_split_name(s), rgtg_prefs_count(f, s));
    printf("\n");

    int64_t *lens[3];
    for (int k = 0; k < 3; k++) lens[k] = malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    if (!lens[0] || !lens[1] || !lens[2]) st = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    for (int64_t i = 0; st == RGTG_OK && i < n; i++) {
        rgtg_pref_pair_t pair;
        st = rgtg_prefs_get(f, i, &pair);
        lens[0][i] = pair.prompt.len, lens[1][i] = pair.chosen.len, lens[2][i] = pair.rejected.len;
    }
    if (st == RGTG_OK) {
        printf("lengths in tokens (responses with EOS):\n");
        print_percentiles("prompt", lens[0], n);
        print_percentiles("chosen", lens[1], n);
        print_percentiles("rejected", lens[2], n);
    }
    for (int k = 0; k < 3; k++) free(lens[k]);

    if (st == RGTG_OK && info->has_prefix) {
        char ratio[32] = "all";
        if (!info->prefix_all) snprintf(ratio, sizeof ratio, "%g", info->ratio);
        printf("prefix pairs (ratio %s, seed %" PRIu64 "):\n", ratio, info->expand_seed);
        for (int s = 0; s < RGTG_SPLIT_COUNT && st == RGTG_OK; s++) {
            const int64_t *pairs;
            const int32_t *plens;
            int64_t count;
            rgtg_prefs_prefixes(f, s, &pairs, &plens, &count);
            int64_t *values = malloc((size_t)(count ? count : 1) * sizeof *values);
            if (!values) {
                st = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            for (int64_t i = 0; i < count; i++) values[i] = plens[i];
            printf("  %-5s %" PRId64 " prefix pairs%s; prefix length:\n", rgtg_split_name(s), count,
                   info->prefix_saturated[s] ? " (saturated)" : "");
            print_percentiles("", values, count);
            free(values);
        }
    } else if (st == RGTG_OK) {
        printf("prefix pairs: none (rgtg data expand adds them)\n");
    }
    if (st == RGTG_OK) {
        printf("rows: %" PRId64 " read, %" PRId64 " kept\n", info->rows_read, info->rows_kept);
        printf("dropped:");
        if (info->drop_reason_count == 0) printf(" none");
        for (size_t i = 0; i < info->drop_reason_count; i++)
            printf(" %s %" PRId64, info->drop_reasons[i], info->drop_counts[i]);
        printf("\nattributes:\n");
        printf("  format_version    %d\n  tokenizer_sha256  %s\n  vocab_size        %d\n  eos_id            %d\n"
               "  pad_id            %d\n  seed              %" PRIu64 "\n  template_name     %s\n",
               info->format_version, info->tokenizer_sha256, info->vocab_size, info->eos_id, info->pad_id, info->seed,
               info->template_name);
        print_json_string(2, 17, "template_text", info->template_text);
        print_json_string(2, 17, "source_files", info->source_files);
        print_json_string(2, 17, "source_sha256", info->source_sha256);
        if (info->options[0]) print_json_string(2, 17, "options", info->options);
        if (info->has_prefix)
            printf("  ratio             %g\n  expand_seed       %" PRIu64 "\n  prefix_all        %d\n"
                   "  prefix_saturated  train %d valid %d test %d\n",
                   info->ratio, info->expand_seed, info->prefix_all, info->prefix_saturated[0],
                   info->prefix_saturated[1], info->prefix_saturated[2]);
    }
    rgtg_spm_t *spm = NULL;
    char *tok_path = NULL;
    if (st == RGTG_OK && examples > 0) {
        st = load_file_tokenizer(path, tokenizer, info, tokenizer != NULL, &spm, &tok_path);
        if (st == RGTG_OK && !spm) printf("examples: no tokenizer.model beside the file (pass --tokenizer)\n");
    }
    rgtg_prefs_close(f);
    if (st == RGTG_OK && spm) st = show_examples(path, spm, examples);
    rgtg_spm_free(spm);
    free(tok_path);
    return st;
}

int rgtg_cmd_data_inspect(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("data inspect", inspect_options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("data inspect", "prefs.h5", inspect_options);
        return 0;
    }
    long long examples;
    if (args.positional_count != 1) {
        fprintf(stderr, "rgtg data inspect: one prefs.h5 file is required\n");
        return 2;
    }
    if (!rgtg_args_int(&args, "examples", 3, &examples)) return 2;
    rgtg_status_t st = inspect(args.positional[0], rgtg_args_get(&args, "tokenizer", NULL), examples);
    return st == RGTG_OK ? 0 : rgtg_report_error("data inspect");
}

/* ---- data export ---- */

static const rgtg_option_t export_options[] = {
    {"prefixes", false, false, "one line per prefix pair (the prefix index) instead of one per pair"},
    {"split", true, false, "only train, valid or test"},
    {"limit", true, false, "at most this many lines"},
    {"tokenizer", true, false, "to decode (default: tokenizer.model beside the file)"},
    {"out", true, false, "JSONL file to write atomically (default: stdout)"},
    {"help", false, false, "this help"},
    {NULL, false, false, NULL},
};

static int span_ends_with(rgtg_token_span_t span, int32_t id) {
    return span.len > 0 && span.ids[span.len - 1] == id;
}

/* Adds key: decoded span to obj. */
static rgtg_status_t set_decoded(json_t *obj, const char *key, const rgtg_spm_t *spm, rgtg_token_span_t span) {
    char *text = NULL;
    rgtg_status_t st = decode_span(spm, span, &text);
    if (st == RGTG_OK && json_object_set_new(obj, key, json_string(text)) != 0)
        st = rgtg_error_set(RGTG_ERR_FORMAT, "decoded %s is not valid UTF-8", key);
    free(text);
    return st;
}

static rgtg_status_t write_line(FILE *fp, json_t *obj, const char *out_name) {
    char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    rgtg_status_t st = RGTG_OK;
    if (!line) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    else if (fputs(line, fp) == EOF || fputc('\n', fp) == EOF)
        st = rgtg_error_set(RGTG_ERR_IO, "%s: cannot write (%s)", out_name, strerror(errno));
    free(line);
    return st;
}

static rgtg_status_t export_pair(FILE *fp, const char *out_name, const rgtg_spm_t *spm, const rgtg_prefs_t *f,
                                 int64_t id, int64_t prefix_len) {
    rgtg_pref_pair_t pair;
    rgtg_status_t st = rgtg_prefs_get(f, id, &pair);
    json_t *obj = json_object();
    if (!obj) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    int32_t eos = rgtg_prefs_info(f)->eos_id;
    json_object_set_new(obj, "pair", json_integer(id));
    json_object_set_new(obj, "split", json_string(rgtg_split_name(pair.split)));
    if (st == RGTG_OK) st = set_decoded(obj, "prompt", spm, pair.prompt);
    if (prefix_len > 0) {
        rgtg_prefix_view_t view = rgtg_prefix_view(&pair, prefix_len);
        json_object_set_new(obj, "prefix_len", json_integer(prefix_len));
        if (st == RGTG_OK) st = set_decoded(obj, "chosen_prefix", spm, view.chosen);
        if (st == RGTG_OK) st = set_decoded(obj, "rejected_prefix", spm, view.rejected);
        json_object_set_new(obj, "chosen_tokens", json_integer(view.chosen.len));
        json_object_set_new(obj, "rejected_tokens", json_integer(view.rejected.len));
        json_object_set_new(obj, "chosen_eos", json_boolean(span_ends_with(view.chosen, eos)));
        json_object_set_new(obj, "rejected_eos", json_boolean(span_ends_with(view.rejected, eos)));
    } else {
        if (st == RGTG_OK) st = set_decoded(obj, "chosen", spm, pair.chosen);
        if (st == RGTG_OK) st = set_decoded(obj, "rejected", spm, pair.rejected);
        json_object_set_new(obj, "prompt_tokens", json_integer(pair.prompt.len));
        json_object_set_new(obj, "chosen_tokens", json_integer(pair.chosen.len));
        json_object_set_new(obj, "rejected_tokens", json_integer(pair.rejected.len));
    }
    if (st == RGTG_OK) st = write_line(fp, obj, out_name);
    json_decref(obj);
    return st;
}

static rgtg_status_t export_file(const char *path, const char *tokenizer, int prefixes, int only_split,
                                 long long limit, const char *out) {
    rgtg_prefs_t *f = NULL;
    rgtg_spm_t *spm = NULL;
    char *tok_path = NULL;
    rgtg_atomic_file_t file = {0};
    rgtg_status_t st = rgtg_prefs_open(path, &f);
    if (st == RGTG_OK) st = load_file_tokenizer(path, tokenizer, rgtg_prefs_info(f), 1, &spm, &tok_path);
    if (st == RGTG_OK && prefixes && !rgtg_prefs_info(f)->has_prefix)
        st = rgtg_error_set(RGTG_ERR_INVALID, "%s: no prefix index (rgtg data expand adds one)", path);
    if (st == RGTG_OK && out) st = rgtg_atomic_begin(&file, out);
    FILE *fp = out ? file.fp : stdout;
    const char *out_name = out ? out : "stdout";
    long long written = 0;
    for (int s = 0; s < RGTG_SPLIT_COUNT && st == RGTG_OK; s++) {
        if (only_split >= 0 && s != only_split) continue;
        if (prefixes) {
            const int64_t *pairs;
            const int32_t *lens;
            int64_t count;
            rgtg_prefs_prefixes(f, s, &pairs, &lens, &count);
            for (int64_t i = 0; i < count && st == RGTG_OK && (limit <= 0 || written < limit); i++, written++)
                st = export_pair(fp, out_name, spm, f, pairs[i], lens[i]);
        } else {
            int64_t count;
            const int64_t *ids = rgtg_prefs_split_pairs(f, s, &count);
            for (int64_t i = 0; i < count && st == RGTG_OK && (limit <= 0 || written < limit); i++, written++)
                st = export_pair(fp, out_name, spm, f, ids[i], 0);
        }
    }
    if (st == RGTG_OK && out) st = rgtg_atomic_commit(&file);
    else if (out) rgtg_atomic_abort(&file);
    if (st == RGTG_OK && !out && fflush(stdout) != 0)
        st = rgtg_error_set(RGTG_ERR_IO, "stdout: cannot write (%s)", strerror(errno));
    rgtg_prefs_close(f);
    rgtg_spm_free(spm);
    free(tok_path);
    return st;
}

int rgtg_cmd_data_export(int argc, char **argv) {
    rgtg_args_t args;
    if (!rgtg_args_parse("data export", export_options, argc, argv, &args)) return 2;
    if (rgtg_args_has(&args, "help")) {
        rgtg_args_usage("data export", "prefs.h5", export_options);
        return 0;
    }
    long long limit;
    if (args.positional_count != 1) {
        fprintf(stderr, "rgtg data export: one prefs.h5 file is required\n");
        return 2;
    }
    if (!rgtg_args_int(&args, "limit", 0, &limit)) return 2;
    const char *split_name = rgtg_args_get(&args, "split", NULL);
    int split = split_name ? rgtg_split_from_name(split_name) : -1;
    if (split_name && split < 0) {
        fprintf(stderr, "rgtg data export: --split must be train, valid or test, not \"%s\"\n", split_name);
        return 2;
    }
    rgtg_status_t st = export_file(args.positional[0], rgtg_args_get(&args, "tokenizer", NULL),
                                   rgtg_args_has(&args, "prefixes"), split, limit, rgtg_args_get(&args, "out", NULL));
    return st == RGTG_OK ? 0 : rgtg_report_error("data export");
}
