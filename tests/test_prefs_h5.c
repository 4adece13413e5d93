/* tests/test_prefs_h5.c: unit tests of data/prefs_h5: writer/reader round trip with a stub byte
 * tokenizer (data/ takes the tokenizer as a callback), EOS appended, attributes, refused pairs, abort
 * leaving nothing, corrupt and inconsistent files giving clear errors, and h5py reading the file. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/status.h"
#include "data/prefs_h5.h"
#include "train/batches.h"

#include "check.h"

/* Expects an error whose message contains want; prints it so that the log shows what users see. */
#define CHECK_ERROR(expr, want)                                                                    \
    do {                                                                                           \
        rgtg_status_t check_status_ = (expr);                                                      \
        const char *msg_ = rgtg_error_message();                                                   \
        if (check_status_ == RGTG_OK || !strstr(msg_, want)) {                                     \
            fprintf(stderr, "%s:%d: %s: expected an error containing \"%s\", got \"%s\"\n",         \
                    __FILE__, __LINE__, #expr, want, msg_);                                        \
            failures++;                                                                            \
        } else {                                                                                   \
            printf("expected error: %s\n", msg_);                                                  \
        }                                                                                          \
        rgtg_error_clear();                                                                        \
    } while (0)

enum { VOCAB = 100, EOS = 2, PAD = 3 };

/* A stub tokenizer: one id per byte, 4 + byte % 96 (ids 0..3 are reserved like in rgtg_spm). */
static rgtg_status_t byte_tokenize(void *ctx, const char *text, size_t len, int32_t **ids, size_t *count) {
    (void)ctx;
    *ids = malloc((len ? len : 1) * sizeof **ids);
    if (!*ids) return RGTG_ERR_NOMEM;
    for (size_t i = 0; i < len; i++) (*ids)[i] = 4 + (unsigned char)text[i] % 96;
    *count = len;
    return RGTG_OK;
}

static rgtg_status_t failing_tokenize(void *ctx, const char *text, size_t len, int32_t **ids, size_t *count) {
    (void)ctx;
    (void)text;
    (void)len;
    *ids = NULL;
    *count = 0;
    return rgtg_error_set(RGTG_ERR_INVALID, "stub tokenizer: refusing");
}

static rgtg_prefs_attrs_t test_attrs(void) {
    rgtg_prefs_attrs_t a = {
        .tokenizer_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        .vocab_size = VOCAB,
        .eos_id = EOS,
        .pad_id = PAD,
        .template_name = "define",
        .template_text = "Define the word \"{word}\" ({pos}).\nDefinition:",
        .source_files = "a.txt\nb.txt",
        .source_sha256 = "aa\nbb",
        .seed = 1234567890123ULL,
    };
    return a;
}

static int count_files_with_prefix(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) n++;
    if (d) closedir(d);
    return n;
}

typedef struct {
    char prompt[64], chosen[64], rejected[64];
    int split;
} text_pair_t;

static void make_texts(text_pair_t *t, int n) {
    for (int i = 0; i < n; i++) {
        snprintf(t[i].prompt, sizeof t[i].prompt, "Define the word \"w%d\" (noun).\nDefinition:", i);
        snprintf(t[i].chosen, sizeof t[i].chosen, " definition number %d%.*s", i, i % 7, "xxxxxxx");
        snprintf(t[i].rejected, sizeof t[i].rejected, " wrong %d", i * 31);
        t[i].split = i % 10 == 0 ? RGTG_SPLIT_VALID : i % 10 == 1 ? RGTG_SPLIT_TEST : RGTG_SPLIT_TRAIN;
    }
}

static int span_equals_text(rgtg_token_span_t span, const char *text, int with_eos) {
    size_t n = strlen(text);
    if (span.len != (int64_t)(n + (with_eos ? 1 : 0))) return 0;
    for (size_t i = 0; i < n; i++)
        if (span.ids[i] != 4 + (unsigned char)text[i] % 96) return 0;
    return !with_eos || span.ids[n] == EOS;
}

static void test_round_trip(const char *dir, char *path_out, size_t path_size) {
    enum { N = 300 };
    static text_pair_t texts[N];
    make_texts(texts, N);
    snprintf(path_out, path_size, "%s/prefs.h5", dir);
    rgtg_prefs_attrs_t attrs = test_attrs();
    rgtg_prefs_writer_t *w = NULL;
    CHECK_OK(rgtg_prefs_writer_open(path_out, &attrs, &w));
    if (!w) return;
    CHECK(access(path_out, F_OK) != 0); /* nothing at path before commit */
    for (int i = 0; i < N; i++)
        CHECK_OK(rgtg_prefs_writer_add_text(w, byte_tokenize, NULL, texts[i].prompt, texts[i].chosen,
                                            texts[i].rejected, texts[i].split));
    /* Refused pairs leave the writer usable and the datasets aligned. */
    int32_t bad[2] = {5, VOCAB};
    CHECK_ERROR(rgtg_prefs_writer_add(w, bad, 2, bad, 1, bad, 1, 0), "token 100 outside the vocabulary");
    CHECK_ERROR(rgtg_prefs_writer_add(w, bad, 1, bad, 1, bad, 1, 3), "split 3");
    CHECK_ERROR(rgtg_prefs_writer_add_text(w, failing_tokenize, NULL, "a", "b", "c", 0), "refusing");
    /* An empty response is stored as EOS alone. */
    int32_t prompt[3] = {7, 8, 9};
    CHECK_OK(rgtg_prefs_writer_add(w, prompt, 3, NULL, 0, prompt, 1, RGTG_SPLIT_TRAIN));
    CHECK(rgtg_prefs_writer_pair_count(w) == N + 1);
    const char *reasons[] = {"too_long", "empty"};
    const int64_t counts[] = {17, 4};
    rgtg_prefs_counts_t c = {N + 1 + 21, reasons, counts, 2, "40 3 7 a.jsonl\n12 0 0 b c.tsv\n"};
    CHECK_OK(rgtg_prefs_writer_commit(w, &c));
    CHECK(count_files_with_prefix(dir, "prefs.h5.") == 0); /* no temporary left */

    rgtg_prefs_t *f = NULL;
    CHECK_OK(rgtg_prefs_open(path_out, &f));
    if (!f) return;
    CHECK(rgtg_prefs_pair_count(f) == N + 1);
    CHECK(rgtg_prefs_count(f, RGTG_SPLIT_VALID) == N / 10);
    CHECK(rgtg_prefs_count(f, RGTG_SPLIT_TEST) == N / 10);
    CHECK(rgtg_prefs_count(f, RGTG_SPLIT_TRAIN) == N + 1 - 2 * (N / 10));
    CHECK(rgtg_prefs_count(f, 7) == 0);
    for (int i = 0; i < N; i++) {
        rgtg_pref_pair_t p;
        CHECK_OK(rgtg_prefs_get(f, i, &p));
        CHECK(span_equals_text(p.prompt, texts[i].prompt, 0));
        CHECK(span_equals_text(p.chosen, texts[i].chosen, 1));
        CHECK(span_equals_text(p.rejected, texts[i].rejected, 1));
        CHECK(p.split == texts[i].split);
        int64_t longest = p.chosen.len > p.rejected.len ? p.chosen.len : p.rejected.len;
        CHECK(rgtg_prefs_max_prefix_len(f, i) == longest);
    }
    rgtg_pref_pair_t last;
    CHECK_OK(rgtg_prefs_get(f, N, &last));
    CHECK(last.prompt.len == 3 && last.prompt.ids[2] == 9);
    CHECK(last.chosen.len == 1 && last.chosen.ids[0] == EOS);
    CHECK(last.rejected.len == 2 && last.rejected.ids[0] == 7 && last.rejected.ids[1] == EOS);
    CHECK(rgtg_prefs_get(f, N + 1, &last) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    int64_t n_valid;
    const int64_t *valid = rgtg_prefs_split_pairs(f, RGTG_SPLIT_VALID, &n_valid);
    CHECK(n_valid == N / 10 && valid[0] == 0 && valid[1] == 10);

    const rgtg_prefs_info_t *in = rgtg_prefs_info(f);
    CHECK(in->format_version == RGTG_PREFS_FORMAT_VERSION);
    CHECK(strcmp(in->tokenizer_sha256, attrs.tokenizer_sha256) == 0);
    CHECK(in->vocab_size == VOCAB && in->eos_id == EOS && in->pad_id == PAD);
    CHECK(strcmp(in->template_name, "define") == 0 && strcmp(in->template_text, attrs.template_text) == 0);
    CHECK(strcmp(in->source_files, attrs.source_files) == 0 && strcmp(in->source_sha256, "aa\nbb") == 0);
    CHECK(in->seed == attrs.seed);
    CHECK(in->rows_read == N + 22 && in->rows_kept == N + 1);
    CHECK(strcmp(in->round_trip, "40 3 7 a.jsonl\n12 0 0 b c.tsv\n") == 0);
    CHECK(in->drop_reason_count == 2);
    for (size_t i = 0; i < in->drop_reason_count; i++) {
        if (strcmp(in->drop_reasons[i], "too_long") == 0) CHECK(in->drop_counts[i] == 17);
        else if (strcmp(in->drop_reasons[i], "empty") == 0) CHECK(in->drop_counts[i] == 4);
        else CHECK(!"unexpected drop reason");
    }
    CHECK(!in->has_prefix);
    const int64_t *pp;
    const int32_t *pl;
    int64_t pn;
    rgtg_prefs_prefixes(f, RGTG_SPLIT_TRAIN, &pp, &pl, &pn);
    CHECK(pn == 0);
    rgtg_prefs_close(f);

    /* Index-only open: lengths without tokens. */
    CHECK_OK(rgtg_prefs_open_index(path_out, &f));
    if (f) {
        rgtg_pref_pair_t p;
        CHECK_OK(rgtg_prefs_get(f, 1, &p));
        CHECK(p.chosen.ids == NULL && p.chosen.len == (int64_t)strlen(texts[1].chosen) + 1);
        rgtg_prefs_close(f);
    }
}

/* More pairs than one buffer holds, with a response longer than the flush size. */
static void test_large_streaming(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/large.h5", dir);
    rgtg_prefs_attrs_t attrs = test_attrs();
    rgtg_prefs_writer_t *w = NULL;
    CHECK_OK(rgtg_prefs_writer_open(path, &attrs, &w));
    if (!w) return;
    enum { PAIRS = 150000, HUGE_LEN = 1500000 };
    int32_t ids[40];
    int32_t *huge = malloc(HUGE_LEN * sizeof *huge);
    for (int i = 0; i < HUGE_LEN; i++) huge[i] = 4 + i % 90;
    for (int i = 0; i < PAIRS; i++) {
        int n = 1 + i % 37;
        for (int j = 0; j < n; j++) ids[j] = 4 + (i + j) % 90;
        if (i == 777) CHECK_OK(rgtg_prefs_writer_add(w, ids, 3, huge, HUGE_LEN, ids, 2, RGTG_SPLIT_TRAIN));
        else CHECK_OK(rgtg_prefs_writer_add(w, ids, n, ids, n % 5, ids + 1, n - 1, i % 3));
    }
    CHECK_OK(rgtg_prefs_writer_commit(w, NULL));
    rgtg_prefs_t *f = NULL;
    CHECK_OK(rgtg_prefs_open(path, &f));
    if (f) {
        CHECK(rgtg_prefs_pair_count(f) == PAIRS);
        CHECK(rgtg_prefs_info(f)->rows_read == PAIRS && rgtg_prefs_info(f)->drop_reason_count == 0);
        int bad = 0;
        for (int i = 0; i < PAIRS; i += 1) {
            rgtg_pref_pair_t p;
            rgtg_prefs_get(f, i, &p);
            if (i == 777) {
                bad += p.chosen.len != HUGE_LEN + 1 || memcmp(p.chosen.ids, huge, HUGE_LEN * sizeof *huge) != 0;
                continue;
            }
            int n = 1 + i % 37;
            bad += p.prompt.len != n || p.chosen.len != n % 5 + 1 || p.rejected.len != n || p.split != i % 3;
            bad += p.prompt.ids[n - 1] != 4 + (i + n - 1) % 90 || p.rejected.ids[n - 1] != EOS;
        }
        CHECK(bad == 0);
        rgtg_prefs_close(f);
    }
    free(huge);
    unlink(path);
}

static void test_abort(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/aborted.h5", dir);
    rgtg_prefs_attrs_t attrs = test_attrs();
    rgtg_prefs_writer_t *w = NULL;
    CHECK_OK(rgtg_prefs_writer_open(path, &attrs, &w));
    int32_t ids[2] = {5, 6};
    CHECK_OK(rgtg_prefs_writer_add(w, ids, 2, ids, 2, ids, 1, 0));
    CHECK(count_files_with_prefix(dir, "aborted.h5") == 1); /* the temporary file */
    rgtg_prefs_writer_abort(w);
    CHECK(count_files_with_prefix(dir, "aborted.h5") == 0);
    attrs.eos_id = VOCAB;
    CHECK_ERROR(rgtg_prefs_writer_open(path, &attrs, &w), "eos_id");
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no/such/dir/x.h5", dir);
    attrs = test_attrs();
    CHECK_ERROR(rgtg_prefs_writer_open(missing, &attrs, &w), "no/such/dir");
    CHECK(count_files_with_prefix(dir, "aborted.h5") == 0);
}

static void copy_file(const char *from, const char *to, long keep_bytes) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    long n = 0;
    int ch;
    while (in && out && (keep_bytes < 0 || n < keep_bytes) && (ch = fgetc(in)) != EOF) {
        fputc(ch, out);
        n++;
    }
    if (in) fclose(in);
    if (out) fclose(out);
}

/* Opens a copy of the good file read-write with libhdf5 and spoils one thing. */
typedef enum { SPOIL_OFFSET, SPOIL_SPLIT, SPOIL_VERSION, SPOIL_TOKEN, SPOIL_EOS, SPOIL_DROP_SPLIT } spoil_t;

static void spoil(const char *good, const char *path, spoil_t what) {
    copy_file(good, path, -1);
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hsize_t one = 1, at;
    hid_t mem = H5Screate_simple(1, &one, NULL);
    const char *name = what == SPOIL_OFFSET ? "/chosen/offsets" : what == SPOIL_SPLIT ? "/split"
                       : what == SPOIL_TOKEN ? "/prompt/tokens" : "/rejected/tokens";
    if (what == SPOIL_VERSION) {
        int v = 99;
        hid_t a = H5Aopen(file, "format_version", H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_INT, &v);
        H5Aclose(a);
    } else if (what == SPOIL_DROP_SPLIT) {
        H5Ldelete(file, "/split", H5P_DEFAULT);
    } else {
        hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
        hid_t space = H5Dget_space(ds);
        int64_t value = what == SPOIL_OFFSET ? 1000000 : what == SPOIL_SPLIT ? 7 : what == SPOIL_TOKEN ? 5000 : 9;
        /* SPOIL_EOS: pair 0's rejected text is " wrong 0" (8 bytes), so its EOS is element 8. */
        at = what == SPOIL_OFFSET ? 5 : what == SPOIL_SPLIT ? 12 : what == SPOIL_TOKEN ? 20 : 8;
        H5Sselect_hyperslab(space, H5S_SELECT_SET, &at, NULL, &one, NULL);
        H5Dwrite(ds, H5T_NATIVE_INT64, mem, space, H5P_DEFAULT, &value);
        H5Sclose(space);
        H5Dclose(ds);
    }
    H5Sclose(mem);
    H5Fclose(file);
}

static void test_corrupt(const char *dir, const char *good) {
    char path[512];
    rgtg_prefs_t *f = NULL;
    snprintf(path, sizeof path, "%s/garbage.h5", dir);
    FILE *fp = fopen(path, "w");
    fputs("this is not an HDF5 file at all\n", fp);
    fclose(fp);
    CHECK_ERROR(rgtg_prefs_open(path, &f), "garbage.h5: not an HDF5 file");
    CHECK(f == NULL);
    struct stat st;
    stat(good, &st);
    snprintf(path, sizeof path, "%s/truncated.h5", dir);
    copy_file(good, path, st.st_size / 2);
    CHECK_ERROR(rgtg_prefs_open(path, &f), "truncated.h5");
    copy_file(good, path, 3000);
    CHECK_ERROR(rgtg_prefs_open(path, &f), "truncated.h5");
    snprintf(path, sizeof path, "%s/missing.h5", dir);
    CHECK_ERROR(rgtg_prefs_open(path, &f), "missing.h5: cannot read");

    snprintf(path, sizeof path, "%s/spoiled.h5", dir);
    spoil(good, path, SPOIL_OFFSET);
    CHECK_ERROR(rgtg_prefs_open(path, &f), "spoiled.h5: dataset /chosen/offsets: not monotone at index 6");
    spoil(good, path, SPOIL_SPLIT);
    CHECK_ERROR(rgtg_prefs_open(path, &f), "spoiled.h5: dataset /split: element 12 is 7");
    spoil(good, path, SPOIL_VERSION);
    CHECK_ERROR(rgtg_prefs_open(path, &f), "spoiled.h5: attribute format_version: 99 is unknown");
    spoil(good, path, SPOIL_TOKEN);
    CHECK_ERROR(rgtg_prefs_open(path, &f), "spoiled.h5: dataset /prompt/tokens: element 20 is token 5000");
    spoil(good, path, SPOIL_EOS);
    CHECK_ERROR(rgtg_prefs_open(path, &f), "dataset /rejected/tokens: response 0 does not end with EOS");
    spoil(good, path, SPOIL_DROP_SPLIT);
    CHECK_ERROR(rgtg_prefs_open(path, &f), "spoiled.h5: dataset /split: missing");
    CHECK(f == NULL);
}

static void test_h5py(const char *dir, const char *path) {
    if (system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") != 0) {
        printf("skipped: /usr/bin/python3 has no h5py (Debian package python3-h5py)\n");
        return;
    }
    char script[600], cmd[1400];
    snprintf(script, sizeof script, "%s/check.py", dir);
    FILE *fp = fopen(script, "w");
    fputs("import sys, h5py, numpy as np\n"
          "f = h5py.File(sys.argv[1], 'r')\n"
          "assert f.attrs['format_version'] == 1\n"
          "assert f.attrs['tokenizer_sha256'] == '0123456789abcdef' * 4, f.attrs['tokenizer_sha256']\n"
          "assert f.attrs['template_text'] == 'Define the word \"{word}\" ({pos}).\\nDefinition:'\n"
          "assert int(f.attrs['eos_id']) == 2 and int(f.attrs['vocab_size']) == 100\n"
          "assert int(f.attrs['dropped_too_long']) == 17 and int(f.attrs['rows_kept']) == 301\n"
          "assert int(f.attrs['seed']) == 1234567890123\n"
          "off = f['chosen/offsets'][:]; tok = f['chosen/tokens'][:]\n"
          "assert off.dtype == np.int64 and tok.dtype == np.int32 and f['split'].dtype == np.uint8\n"
          "assert len(off) == len(f['split']) + 1 == 302 and off[-1] == len(tok)\n"
          "text = ' definition number 3xxx'\n"
          "assert list(tok[off[3]:off[4]]) == [4 + ord(c) % 96 for c in text] + [2]\n"
          "assert f['chosen/tokens'].compression == 'gzip' and f['chosen/tokens'].shuffle\n"
          "print('h5py read', sys.argv[1], 'ok')\n",
          fp);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s'", script, path);
    CHECK(system(cmd) == 0);
}

/* SFT rows: the chosen response, or the rejected one for an example marked rejected (data.sides: both). */
static void test_sft_sides(const char *path) {
    rgtg_prefs_t *f = NULL;
    CHECK_OK(rgtg_prefs_open(path, &f));
    if (!f) return;
    rgtg_pref_pair_t pair;
    CHECK_OK(rgtg_prefs_get(f, 0, &pair));
    rgtg_batch_source_t source = {.data = f, .objective = RGTG_OBJECTIVE_SFT, .max_len = 4096, .pad_id = 0, .bos_id = -1};
    rgtg_example_t examples[2] = {{0, 0, 0}, {0, 0, 1}};
    rgtg_batch_t b;
    CHECK_OK(rgtg_batch_build(&source, examples, 2, &b));
    CHECK(b.rows == 2);
    const rgtg_token_span_t sides[2] = {pair.chosen, pair.rejected};
    for (int r = 0; r < 2 && b.rows == 2; r++) {
        CHECK(b.prompt_len[r] == pair.prompt.len && b.response_len[r] == sides[r].len);
        int same = 1;
        for (int64_t i = 0; i < sides[r].len; i++) same &= b.ids[r * b.width + pair.prompt.len + i] == sides[r].ids[i];
        CHECK_MSG(same, "SFT row %d holds the %s response", r, r ? "rejected" : "chosen");
    }
    CHECK(b.units == pair.chosen.len + pair.rejected.len); /* every response token is a target */
    rgtg_batch_free(&b);
    rgtg_prefs_close(f);
}

int main(void) {
    char dir[] = "/tmp/rgtg_test_prefs_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    char path[512];
    test_round_trip(dir, path, sizeof path);
    test_large_streaming(dir);
    test_abort(dir);
    test_corrupt(dir, path);
    test_h5py(dir, path);
    test_sft_sides(path);
    check_remove_dir(dir);
    return check_summary("test_prefs_h5");
}
