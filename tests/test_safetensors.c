/* tests/test_safetensors.c: safetensors round trips (dtypes, 0-d, empty, metadata), a table of broken
 * files built byte by byte, sharded checkpoint directories, atomic writes, and fsutil's sha256/mkdirs. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/safetensors.h"

#define CHECK_STREAM stdout
#define CHECK_SHOWS_LAST_ERROR
#include "check.h"

static char scratch[256];

static char *scratch_path(const char *name) { return rgtg_path_join(scratch, name); }

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Number of entries in a directory besides . and .. */
static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void write_raw(const char *path, const void *data, size_t size) {
    FILE *fp = fopen(path, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size)) {
        printf("cannot write %s\n", path);
        exit(2);
    }
    fclose(fp);
}

/* ---- round trip ---- */

static rgtg_st_tensor_t make_tensor(const char *name, tt_dtype_t dtype, int ndim, const int64_t *shape,
                                    const void *data) {
    rgtg_st_tensor_t t = {.name = name, .dtype = dtype, .ndim = ndim, .data = data};
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        t.shape[d] = shape[d];
        numel *= (size_t)shape[d];
    }
    t.nbytes = numel * rgtg_st_dtype_size(dtype);
    return t;
}

/* Compares a read tensor with the one written; returns the number of differing bytes. */
static size_t compare_tensor(const rgtg_st_tensor_t *want, const rgtg_st_tensor_t *got) {
    if (!got) {
        CHECK_MSG(got != NULL, "tensor '%s' missing after round trip", want->name);
        return (size_t)-1;
    }
    CHECK_MSG(strcmp(want->name, got->name) == 0, "name '%s' vs '%s'", want->name, got->name);
    CHECK_MSG(want->dtype == got->dtype, "'%s': dtype %d vs %d", want->name, want->dtype, got->dtype);
    CHECK_MSG(want->ndim == got->ndim, "'%s': ndim %d vs %d", want->name, want->ndim, got->ndim);
    for (int d = 0; d < want->ndim && d < got->ndim; d++)
        CHECK_MSG(want->shape[d] == got->shape[d], "'%s': dim %d %lld vs %lld", want->name, d,
                  (long long)want->shape[d], (long long)got->shape[d]);
    CHECK_MSG(want->nbytes == got->nbytes, "'%s': nbytes %zu vs %zu", want->name, want->nbytes, got->nbytes);
    size_t diff = 0;
    if (want->nbytes == got->nbytes)
        for (size_t i = 0; i < want->nbytes; i++)
            diff += ((const unsigned char *)want->data)[i] != ((const unsigned char *)got->data)[i];
    return diff;
}

static void test_round_trip(void) {
    float f32[6] = {1.5f, -2.25f, 3e-8f, 1e30f, -0.0f, 7.0f};
    uint16_t f16[4] = {0x3c00, 0xc000, 0x7bff, 0x0001};
    uint16_t bf16[8] = {0x3f80, 0x4000, 0xbf80, 0x7f80, 0x0000, 0x8000, 0x3e80, 0x4120};
    int64_t i64[3] = {INT64_MIN, 0, INT64_MAX};
    int32_t i32[5] = {-1, 2, -3, 4, INT32_MAX};
    uint8_t u8[7] = {0, 1, 2, 128, 254, 255, 7};
    uint8_t bools[3] = {1, 0, 1};
    double scalar = 3.141592653589793;
    int64_t s23[] = {2, 3}, s4[] = {4}, s222[] = {2, 2, 2}, s3[] = {3}, s15[] = {1, 5}, s7[] = {7}, s04[] = {0, 4};
    rgtg_st_tensor_t tensors[] = {
        make_tensor("model.embed_tokens.weight", TT_F32, 2, s23, f32),
        make_tensor("half", TT_F16, 1, s4, f16),
        make_tensor("brain", TT_BF16, 3, s222, bf16),
        make_tensor("ids64", TT_I64, 1, s3, i64),
        make_tensor("ids32", TT_I32, 2, s15, i32),
        make_tensor("bytes", TT_U8, 1, s7, u8),
        make_tensor("mask", TT_BOOL, 1, s3, bools),
        make_tensor("scalar", TT_F64, 0, NULL, &scalar),
        make_tensor("empty", TT_F32, 2, s04, NULL),
    };
    size_t n = sizeof tensors / sizeof tensors[0];
    const char *meta[] = {"format", "pt", "note", "héllo \"quoted\"", NULL};
    char *path = scratch_path("round.safetensors");
    rgtg_error_clear();
    rgtg_status_t s = rgtg_st_write(path, tensors, n, meta);
    CHECK_MSG(s == RGTG_OK, "write failed");

    /* Header padded with spaces to a multiple of 8; tensors laid out in the given order. */
    char *raw = NULL;
    size_t raw_size = 0;
    CHECK_MSG(rgtg_read_file(path, &raw, &raw_size) == RGTG_OK, "read raw");
    if (raw && raw_size >= 8) {
        uint64_t hlen = 0;
        for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | (unsigned char)raw[i];
        CHECK_MSG(hlen % 8 == 0, "header length %llu is not a multiple of 8", (unsigned long long)hlen);
        CHECK_MSG(raw[8] == '{', "header does not start with '{'");
        size_t total = 0;
        for (size_t i = 0; i < n; i++) total += tensors[i].nbytes;
        CHECK_MSG(8 + hlen + total == raw_size, "file size %zu vs expected %llu", raw_size,
                  (unsigned long long)(8 + hlen + total));
    }
    free(raw);

    rgtg_st_file_t *file = NULL;
    s = rgtg_st_open(path, &file);
    CHECK_MSG(s == RGTG_OK, "open failed");
    if (file) {
        CHECK_MSG(rgtg_st_count(file) == n, "count %zu vs %zu", rgtg_st_count(file), n);
        size_t worst = 0;
        for (size_t i = 0; i < n; i++) {
            size_t diff = compare_tensor(&tensors[i], rgtg_st_find(file, tensors[i].name));
            if (diff > worst) worst = diff;
            /* Iteration order is file order, i.e. the order written. */
            const rgtg_st_tensor_t *at = rgtg_st_at(file, i);
            CHECK_MSG(at && strcmp(at->name, tensors[i].name) == 0, "at(%zu) is '%s', want '%s'", i,
                      at ? at->name : "(null)", tensors[i].name);
        }
        printf("round trip: %zu tensors, max differing bytes per tensor %zu\n", n, worst);
        CHECK_MSG(worst == 0, "data differs after round trip");
        CHECK_MSG(rgtg_st_at(file, n) == NULL, "at past the end");
        CHECK_MSG(rgtg_st_find(file, "absent") == NULL, "find of an absent name");
        const rgtg_st_tensor_t *sc = rgtg_st_find(file, "scalar");
        CHECK_MSG(sc && sc->ndim == 0 && sc->nbytes == 8, "0-d scalar");
        const rgtg_st_tensor_t *em = rgtg_st_find(file, "empty");
        CHECK_MSG(em && em->nbytes == 0 && em->ndim == 2 && em->shape[0] == 0, "empty tensor");
        CHECK_MSG(rgtg_st_metadata(file, "format") && strcmp(rgtg_st_metadata(file, "format"), "pt") == 0, "metadata format");
        CHECK_MSG(rgtg_st_metadata(file, "note") && strcmp(rgtg_st_metadata(file, "note"), meta[3]) == 0, "metadata note");
        CHECK_MSG(rgtg_st_metadata(file, "missing") == NULL, "absent metadata key");
        CHECK_MSG(rgtg_st_metadata_count(file) == 2, "metadata count");
        const char *k = NULL, *v = NULL;
        CHECK_MSG(rgtg_st_metadata_at(file, 0, &k, &v) && strcmp(k, "format") == 0, "metadata sorted by key");
        rgtg_st_close(file);
    }
    free(path);

    /* No tensors and no metadata: a valid file with header "{}". */
    path = scratch_path("nothing.safetensors");
    rgtg_error_clear();
    CHECK_MSG(rgtg_st_write(path, NULL, 0, NULL) == RGTG_OK, "write of zero tensors");
    file = NULL;
    CHECK_MSG(rgtg_st_open(path, &file) == RGTG_OK && rgtg_st_count(file) == 0, "open of zero tensors");
    rgtg_st_close(file);
    free(path);
}

/* Thousands of tensors: every one found by name. */
static void test_many_tensors(void) {
    enum { N = 3000 };
    static char names[N][32];
    static float values[N];
    static rgtg_st_tensor_t tensors[N];
    int64_t one[] = {1};
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "model.layers.%d.weight", (i * 7919) % N);
        values[i] = (float)i;
        tensors[i] = make_tensor(names[i], TT_F32, 1, one, &values[i]);
    }
    char *path = scratch_path("many.safetensors");
    rgtg_error_clear();
    CHECK_MSG(rgtg_st_write(path, tensors, N, NULL) == RGTG_OK, "write many");
    rgtg_st_file_t *file = NULL;
    CHECK_MSG(rgtg_st_open(path, &file) == RGTG_OK, "open many");
    int misses = 0;
    for (int i = 0; file && i < N; i++) {
        const rgtg_st_tensor_t *t = rgtg_st_find(file, names[i]);
        float v;
        if (!t) {
            misses++;
            continue;
        }
        memcpy(&v, t->data, sizeof v);
        if (v != values[i]) misses++;
    }
    printf("many tensors: %d, lookups wrong or missing %d\n", N, misses);
    CHECK_MSG(misses == 0, "lookups failed");
    rgtg_st_close(file);
    free(path);
}

/* ---- broken files ---- */

typedef struct {
    const char *label;
    const char *header;     /* JSON text, or NULL to use raw below */
    long long header_len;   /* -1: strlen(header) */
    size_t buffer_bytes;    /* zero bytes appended after the header */
    const char *raw;        /* raw file content (when header is NULL) */
    size_t raw_size;
    rgtg_status_t want_status;
    const char *want_phrase;
} broken_case_t;

static const broken_case_t broken_cases[] = {
    {"truncated file", NULL, 0, 0, "\x10\x00\x00", 3, RGTG_ERR_FORMAT, "shorter than"},
    {"empty file", NULL, 0, 0, "", 0, RGTG_ERR_FORMAT, "shorter than"},
    {"header length beyond file", "{}", 1000, 0, NULL, 0, RGTG_ERR_FORMAT, "runs past the end of the file"},
    {"header length 0", "", 0, 0, NULL, 0, RGTG_ERR_FORMAT, "header length is 0"},
    {"absurd header length", "{}", 1LL << 40, 0, NULL, 0, RGTG_ERR_FORMAT, "exceeds the limit"},
    {"non-JSON header", "{not json", -1, 0, NULL, 0, RGTG_ERR_FORMAT, "not valid JSON"},
    {"header not an object", "[1, 2]  ", -1, 0, NULL, 0, RGTG_ERR_FORMAT, "not a JSON object"},
    {"entry not an object", "{\"a\": 5}", -1, 0, NULL, 0, RGTG_ERR_FORMAT, "tensor 'a': entry is not an object"},
    {"missing dtype", "{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", -1, 4, NULL, 0, RGTG_ERR_FORMAT,
     "tensor 'a': missing 'dtype'"},
    {"missing shape", "{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", -1, 4, NULL, 0, RGTG_ERR_FORMAT,
     "missing 'shape'"},
    {"missing data_offsets", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", -1, 4, NULL, 0, RGTG_ERR_FORMAT,
     "missing 'data_offsets'"},
    {"bad dtype", "{\"a\": {\"dtype\": \"F8\", \"shape\": [1], \"data_offsets\": [0, 1]}}", -1, 1, NULL, 0,
     RGTG_ERR_FORMAT, "unknown dtype 'F8'"},
    {"negative shape", "{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", -1, 4, NULL, 0,
     RGTG_ERR_FORMAT, "tensor 'w': shape dimension 0 is negative"},
    {"fractional shape", "{\"w\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", -1, 4, NULL, 0,
     RGTG_ERR_FORMAT, "not an integer"},
    {"shape overflow",
     "{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4611686018427387904], \"data_offsets\": [0, 4]}}",
     -1, 4, NULL, 0, RGTG_ERR_FORMAT, "shape product overflows"},
    {"too many dimensions",
     "{\"w\": {\"dtype\": \"U8\", \"shape\": [1,1,1,1,1,1,1,1,1], \"data_offsets\": [0, 1]}}", -1, 1, NULL, 0,
     RGTG_ERR_FORMAT, "9 dimensions exceed"},
    {"offsets not a pair", "{\"w\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0]}}", -1, 1, NULL, 0,
     RGTG_ERR_FORMAT, "'data_offsets' must be [begin, end]"},
    {"offsets reversed", "{\"w\": {\"dtype\": \"U8\", \"shape\": [0], \"data_offsets\": [4, 0]}}", -1, 4, NULL, 0,
     RGTG_ERR_FORMAT, "end before they begin"},
    {"offsets past the end", "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", -1, 8, NULL, 0,
     RGTG_ERR_FORMAT, "run past the end of the data buffer"},
    {"size/shape mismatch", "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 12]}}", -1, 16, NULL, 0,
     RGTG_ERR_FORMAT, "span 12 bytes but dtype F32 and its shape need 16"},
    {"overlapping offsets",
     "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
     " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
     -1, 12, NULL, 0, RGTG_ERR_FORMAT, "tensors 'a' and 'b' overlap"},
    {"duplicate names",
     "{\"a\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]},"
     " \"a\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [1, 2]}}",
     -1, 2, NULL, 0, RGTG_ERR_FORMAT, "duplicate"},
    {"hole between tensors",
     "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
     " \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}",
     -1, 12, NULL, 0, RGTG_ERR_FORMAT, "hole of 4 bytes in the data buffer before tensor 'b'"},
    {"hole at the start", "{\"b\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [3, 4]}}", -1, 4, NULL, 0,
     RGTG_ERR_FORMAT, "hole of 3 bytes"},
    {"trailing bytes", "{\"a\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]}}", -1, 5, NULL, 0,
     RGTG_ERR_FORMAT, "4 bytes after the last tensor"},
    {"metadata not strings", "{\"__metadata__\": {\"step\": 5}}", -1, 0, NULL, 0, RGTG_ERR_FORMAT,
     "'__metadata__' value for 'step' is not a string"},
    {"newline in a name", "{\"a\\nb\": 5}", -1, 0, NULL, 0, RGTG_ERR_FORMAT, "tensor 'a?b'"},
};

static void test_broken_files(void) {
    size_t ncases = sizeof broken_cases / sizeof broken_cases[0];
    for (size_t i = 0; i < ncases; i++) {
        const broken_case_t *c = &broken_cases[i];
        char name[64];
        snprintf(name, sizeof name, "broken_%02zu.safetensors", i);
        char *path = scratch_path(name);
        if (c->header) {
            size_t hlen = strlen(c->header);
            unsigned long long declared = c->header_len < 0 ? hlen : (unsigned long long)c->header_len;
            size_t size = 8 + hlen + c->buffer_bytes;
            unsigned char *bytes = calloc(1, size);
            for (int b = 0; b < 8; b++) bytes[b] = (unsigned char)(declared >> (8 * b));
            memcpy(bytes + 8, c->header, hlen);
            write_raw(path, bytes, size);
            free(bytes);
        } else {
            write_raw(path, c->raw, c->raw_size);
        }
        rgtg_error_clear();
        rgtg_st_file_t *file = (rgtg_st_file_t *)&file; /* must be reset to NULL */
        rgtg_status_t s = rgtg_st_open(path, &file);
        const char *msg = rgtg_error_message();
        bool ok = s == c->want_status && file == NULL && strstr(msg, path) == msg && strstr(msg, c->want_phrase) &&
                  !strchr(msg, '\n');
        printf("%-4s %-26s -> %s\n", ok ? "ok" : "FAIL", c->label, msg);
        if (!ok) {
            failures++;
            printf("     wanted status %s and phrase \"%s\"\n", rgtg_status_to_string(c->want_status), c->want_phrase);
        }
        if (s == RGTG_OK) rgtg_st_close(file);
        free(path);
    }
    /* A file that does not exist is an I/O error. */
    char *path = scratch_path("does_not_exist.safetensors");
    rgtg_error_clear();
    rgtg_st_file_t *file = NULL;
    rgtg_status_t s = rgtg_st_open(path, &file);
    CHECK_MSG(s == RGTG_ERR_IO && strstr(rgtg_error_message(), "cannot open"), "missing file");
    free(path);
}

/* ---- writer refusals and atomic writes ---- */

static void test_writer_refusals(void) {
    char *dir = scratch_path("refusals");
    rgtg_error_clear();
    CHECK_MSG(rgtg_mkdirs(dir) == RGTG_OK, "mkdirs");
    char *path = rgtg_path_join(dir, "x.safetensors");
    float v[2] = {1, 2};
    int64_t s2[] = {2};
    rgtg_st_tensor_t bad_size = make_tensor("w", TT_F32, 1, s2, v);
    bad_size.nbytes = 4;
    rgtg_error_clear();
    CHECK_MSG(rgtg_st_write(path, &bad_size, 1, NULL) == RGTG_ERR_INVALID && strstr(rgtg_error_message(), "nbytes"),
              "nbytes mismatch refused");
    rgtg_st_tensor_t dup[2] = {make_tensor("w", TT_F32, 1, s2, v), make_tensor("w", TT_F32, 1, s2, v)};
    rgtg_error_clear();
    CHECK_MSG(rgtg_st_write(path, dup, 2, NULL) == RGTG_ERR_INVALID && strstr(rgtg_error_message(), "duplicate"),
              "duplicate names refused");
    rgtg_error_clear();
    CHECK_MSG(rgtg_weights_write(dir, dup, 2, 4) == RGTG_ERR_INVALID && strstr(rgtg_error_message(), "duplicate"),
              "duplicate names across shards refused");
    /* Nothing was written: no file, no temporary file. */
    CHECK_MSG(count_entries(dir) == 0, "refused writes left %d entries in %s", count_entries(dir), dir);
    free(path);
    free(dir);
}

static void test_atomic_abort(void) {
    char *dir = scratch_path("atomic");
    rgtg_error_clear();
    CHECK_MSG(rgtg_mkdirs(dir) == RGTG_OK, "mkdirs");
    char *path = rgtg_path_join(dir, "out.bin");
    rgtg_atomic_file_t f;
    CHECK_MSG(rgtg_atomic_begin(&f, path) == RGTG_OK, "begin");
    char *tmp = f.tmp_path ? strdup(f.tmp_path) : NULL;
    fputs("partial", f.fp);
    CHECK_MSG(tmp && rgtg_path_exists(tmp), "temporary file exists while writing");
    CHECK_MSG(!rgtg_path_exists(path), "final file appears only on commit");
    rgtg_atomic_abort(&f);
    CHECK_MSG(!rgtg_path_exists(path) && !(tmp && rgtg_path_exists(tmp)) && count_entries(dir) == 0,
              "abort left files behind (%d entries)", count_entries(dir));
    rgtg_atomic_abort(&f); /* twice is safe */
    CHECK_MSG(rgtg_atomic_begin(&f, path) == RGTG_OK, "begin again");
    fputs("whole", f.fp);
    CHECK_MSG(rgtg_atomic_commit(&f) == RGTG_OK, "commit");
    rgtg_atomic_abort(&f); /* after commit is safe and removes nothing */
    char *text = NULL;
    size_t size = 0;
    CHECK_MSG(rgtg_read_file(path, &text, &size) == RGTG_OK && size == 5 && strcmp(text, "whole") == 0, "committed content");
    CHECK_MSG(count_entries(dir) == 1, "commit left a temporary file");
    free(text);
    /* Begin in a directory that does not exist fails cleanly. */
    char *bad = scratch_path("no/such/dir/file");
    rgtg_error_clear();
    CHECK_MSG(rgtg_atomic_begin(&f, bad) == RGTG_ERR_IO && f.fp == NULL && f.tmp_path == NULL, "begin in a missing dir");
    free(bad);
    free(tmp);
    free(path);
    free(dir);
}

/* ---- fsutil ---- */

static void test_fsutil(void) {
    char hex[65];
    rgtg_sha256_bytes("abc", 3, hex);
    CHECK_MSG(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0, "sha256(abc) %s", hex);
    rgtg_sha256_bytes("", 0, hex);
    CHECK_MSG(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0, "sha256('') %s", hex);
    char *nested = scratch_path("a/b//c/");
    rgtg_error_clear();
    CHECK_MSG(rgtg_mkdirs(nested) == RGTG_OK && rgtg_path_exists(nested), "mkdirs nested");
    CHECK_MSG(rgtg_mkdirs(nested) == RGTG_OK, "mkdirs existing");
    char *file = scratch_path("a/b/c/data.txt");
    /* 200,000 bytes: more than one read buffer of sha256_file. */
    size_t n = 200000;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++) big[i] = (char)('a' + i % 26);
    CHECK_MSG(rgtg_write_file_atomic(file, big, n) == RGTG_OK, "write_file_atomic");
    char want[65], got[65];
    rgtg_sha256_bytes(big, n, want);
    CHECK_MSG(rgtg_sha256_file(file, got) == RGTG_OK && strcmp(want, got) == 0, "sha256 file %s vs bytes %s", got, want);
    char *back = NULL;
    size_t size = 0;
    CHECK_MSG(rgtg_read_file(file, &back, &size) == RGTG_OK && size == n && memcmp(back, big, n) == 0 && back[n] == '\0',
              "read_file");
    free(back);
    char *not_dir = scratch_path("a/b/c/data.txt/sub");
    rgtg_error_clear();
    CHECK_MSG(rgtg_mkdirs(not_dir) != RGTG_OK && strstr(rgtg_error_message(), "data.txt"), "mkdirs through a file");
    rgtg_error_clear();
    CHECK_MSG(rgtg_sha256_file(not_dir, got) == RGTG_ERR_IO, "sha256 of a missing file");
    char *joined = rgtg_path_join("dir/", "f");
    CHECK_MSG(strcmp(joined, "dir/f") == 0, "path_join '%s'", joined);
    free(joined);
    joined = rgtg_path_join("dir", "f");
    CHECK_MSG(strcmp(joined, "dir/f") == 0, "path_join '%s'", joined);
    free(joined);
    free(not_dir);
    free(big);
    free(file);
    free(nested);
}

/* ---- checkpoint directories ---- */

static void test_sharded_weights(void) {
    float a[10], b[3], c[7], d[1];
    int64_t ids[4] = {5, 6, 7, 8};
    for (int i = 0; i < 10; i++) a[i] = (float)i * 0.5f;
    for (int i = 0; i < 3; i++) b[i] = -(float)i;
    for (int i = 0; i < 7; i++) c[i] = (float)i * 1e-3f;
    d[0] = 42.0f;
    int64_t s10[] = {2, 5}, s3[] = {3}, s7[] = {7}, s1[] = {1}, s4[] = {4}, s0[] = {0};
    rgtg_st_tensor_t tensors[] = {
        make_tensor("model.embed_tokens.weight", TT_F32, 2, s10, a), /* 40 bytes: a shard of its own */
        make_tensor("model.norm.weight", TT_F32, 1, s3, b),          /* 12 */
        make_tensor("empty", TT_F32, 1, s0, NULL),                   /* 0 */
        make_tensor("lm_head.weight", TT_F32, 1, s7, c),             /* 28 */
        make_tensor("score.weight", TT_F32, 1, s1, d),               /* 4 */
        make_tensor("ids", TT_I64, 1, s4, ids),                      /* 32 */
    };
    size_t n = sizeof tensors / sizeof tensors[0];
    char *dir = scratch_path("ckpt/sharded");
    rgtg_error_clear();
    CHECK_MSG(rgtg_weights_write(dir, tensors, n, 32) == RGTG_OK, "sharded write");
    /* Greedy with 32 bytes: [embed] [norm, empty] [lm_head, score] [ids]. */
    const char *want_files[] = {"model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
                                "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors",
                                RGTG_ST_INDEX_FILE};
    for (int i = 0; i < 5; i++) {
        char *p = rgtg_path_join(dir, want_files[i]);
        CHECK_MSG(rgtg_path_exists(p), "%s missing", p);
        free(p);
    }
    CHECK_MSG(count_entries(dir) == 5, "sharded dir has %d entries", count_entries(dir));
    char *index_path = rgtg_path_join(dir, RGTG_ST_INDEX_FILE);
    char *index_text = NULL;
    CHECK_MSG(rgtg_read_file(index_path, &index_text, NULL) == RGTG_OK && strstr(index_text, "\"total_size\": 116"),
              "index total_size: %s", index_text ? index_text : "");
    free(index_text);

    rgtg_weights_t *w = NULL;
    CHECK_MSG(rgtg_weights_open(dir, &w) == RGTG_OK, "open sharded");
    if (w) {
        CHECK_MSG(rgtg_weights_count(w) == n, "count %zu", rgtg_weights_count(w));
        size_t worst = 0;
        for (size_t i = 0; i < n; i++) {
            size_t diff = compare_tensor(&tensors[i], rgtg_weights_find(w, tensors[i].name));
            if (diff > worst) worst = diff;
            const rgtg_st_tensor_t *at = rgtg_weights_at(w, i);
            CHECK_MSG(at && strcmp(at->name, tensors[i].name) == 0, "weights_at(%zu) '%s'", i, at ? at->name : "(null)");
        }
        printf("sharded: %zu tensors in 4 shards, max differing bytes per tensor %zu\n", n, worst);
        CHECK_MSG(worst == 0, "sharded data differs");
        CHECK_MSG(rgtg_weights_find(w, "model.layers.0.absent") == NULL, "absent tensor");
        CHECK_MSG(rgtg_weights_at(w, n) == NULL, "weights_at past the end");
        rgtg_weights_close(w);
    }

    /* Rewritten as one file: model.safetensors, and the stale index goes. */
    rgtg_error_clear();
    CHECK_MSG(rgtg_weights_write(dir, tensors, n, 0) == RGTG_OK, "single write");
    CHECK_MSG(!rgtg_path_exists(index_path), "stale index removed");
    w = NULL;
    CHECK_MSG(rgtg_weights_open(dir, &w) == RGTG_OK && rgtg_weights_count(w) == n, "open single");
    if (w) {
        size_t worst = 0;
        for (size_t i = 0; i < n; i++) {
            size_t diff = compare_tensor(&tensors[i], rgtg_weights_find(w, tensors[i].name));
            if (diff > worst) worst = diff;
        }
        printf("single file: max differing bytes per tensor %zu\n", worst);
        CHECK_MSG(worst == 0, "single-file data differs");
        rgtg_weights_close(w);
    }
    free(index_path);
    free(dir);

    /* A missing shard. */
    dir = scratch_path("ckpt/missing_shard");
    rgtg_error_clear();
    CHECK_MSG(rgtg_weights_write(dir, tensors, n, 32) == RGTG_OK, "sharded write 2");
    char *shard = rgtg_path_join(dir, "model-00003-of-00004.safetensors");
    unlink(shard);
    free(shard);
    rgtg_error_clear();
    w = NULL;
    rgtg_status_t s = rgtg_weights_open(dir, &w);
    printf("missing shard -> %s\n", rgtg_error_message());
    CHECK_MSG(s == RGTG_ERR_IO && w == NULL && strstr(rgtg_error_message(), "model-00003-of-00004.safetensors") &&
                  strstr(rgtg_error_message(), "does not exist"),
              "missing shard error");
    free(dir);

    /* A tensor the map lists but the shard lacks, a shard path outside the directory, bad JSON. */
    struct {
        const char *label, *index, *phrase;
        rgtg_status_t status;
    } index_cases[] = {
        {"tensor absent from its shard",
         "{\"weight_map\": {\"a\": \"model.safetensors\", \"ghost\": \"model.safetensors\"}}",
         "tensor 'ghost' is listed in weight_map under 'model.safetensors' but absent", RGTG_ERR_FORMAT},
        {"shard outside the directory", "{\"weight_map\": {\"a\": \"../model.safetensors\"}}", "not a file name",
         RGTG_ERR_FORMAT},
        {"no weight_map", "{\"metadata\": {}}", "missing object 'weight_map'", RGTG_ERR_FORMAT},
        {"index not JSON", "{\"weight_map\": ", "not valid JSON", RGTG_ERR_FORMAT},
    };
    for (size_t i = 0; i < sizeof index_cases / sizeof index_cases[0]; i++) {
        char sub[64];
        snprintf(sub, sizeof sub, "ckpt/index_case_%zu", i);
        dir = scratch_path(sub);
        rgtg_error_clear();
        CHECK_MSG(rgtg_weights_write(dir, tensors + 4, 1, 0) == RGTG_OK, "write single for index case"); /* "score.weight" */
        /* Rename the tensor "a" by writing the shard directly. */
        char *single = rgtg_path_join(dir, RGTG_ST_SINGLE_FILE);
        rgtg_st_tensor_t t = tensors[4];
        t.name = "a";
        CHECK_MSG(rgtg_st_write(single, &t, 1, NULL) == RGTG_OK, "write shard");
        free(single);
        char *ip = rgtg_path_join(dir, RGTG_ST_INDEX_FILE);
        write_raw(ip, index_cases[i].index, strlen(index_cases[i].index));
        rgtg_error_clear();
        w = NULL;
        s = rgtg_weights_open(dir, &w);
        const char *msg = rgtg_error_message();
        bool ok = s == index_cases[i].status && w == NULL && strstr(msg, ip) && strstr(msg, index_cases[i].phrase);
        printf("%-4s %-30s -> %s\n", ok ? "ok" : "FAIL", index_cases[i].label, msg);
        if (!ok) failures++;
        if (w) rgtg_weights_close(w);
        free(ip);
        free(dir);
    }

    /* An empty directory. */
    dir = scratch_path("ckpt/empty_dir");
    rgtg_error_clear();
    rgtg_mkdirs(dir);
    w = NULL;
    s = rgtg_weights_open(dir, &w);
    CHECK_MSG(s == RGTG_ERR_IO && strstr(rgtg_error_message(), "no model.safetensors"), "empty checkpoint dir");
    free(dir);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/rgtg_test_safetensors_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        printf("cannot create a scratch directory under %s\n", scratch);
        return 2;
    }
    test_round_trip();
    test_many_tensors();
    test_broken_files();
    test_writer_refusals();
    test_atomic_abort();
    test_fsutil();
    test_sharded_weights();
    nftw(scratch, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (failures) {
        printf("test_safetensors: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_safetensors: all passed\n");
    return 0;
}
