/* tests/test_expand.c: unit tests of data/expand: prefix counts per split (round(R x n)), lengths in
 * range, no repeated (pair, len), saturation and RGTG_EXPAND_ALL, determinism, replacement of an old
 * index, failures that leave the file intact, the prefix view convention, h5py reading /prefix, and
 * the sampling speed on a million pairs. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/status.h"
#include "data/expand.h"
#include "data/prefs_h5.h"

#include "check.h"

enum { VOCAB = 64, EOS = 2 };

/* Pairs with varied lengths: 40 train, 7 valid (short responses, so that ratio 50 saturates), 13 test. */
static void write_file(const char *path) {
    rgtg_prefs_attrs_t attrs = {.tokenizer_sha256 = "ab", .vocab_size = VOCAB, .eos_id = EOS, .pad_id = 3,
                                .template_name = "define", .template_text = "T", .source_files = "s",
                                .source_sha256 = "h", .seed = 5};
    rgtg_prefs_writer_t *w = NULL;
    CHECK_OK(rgtg_prefs_writer_open(path, &attrs, &w));
    if (!w) exit(2);
    int32_t ids[64];
    for (int i = 0; i < 64; i++) ids[i] = 4 + i % 60;
    for (int i = 0; i < 60; i++) {
        int split = i < 40 ? RGTG_SPLIT_TRAIN : i < 47 ? RGTG_SPLIT_VALID : RGTG_SPLIT_TEST;
        size_t chosen = split == RGTG_SPLIT_VALID ? (size_t)(i % 3) : (size_t)((i * 7) % 23);
        size_t rejected = split == RGTG_SPLIT_VALID ? (size_t)(i % 2) : (size_t)((i * 5) % 17);
        CHECK_OK(rgtg_prefs_writer_add(w, ids, 5, ids, chosen, ids + 1, rejected, split));
    }
    CHECK_OK(rgtg_prefs_writer_commit(w, NULL));
}

typedef struct {
    int64_t count;
    int64_t *pairs;
    int32_t *lens;
} prefix_copy_t;

static prefix_copy_t copy_prefixes(const rgtg_prefs_t *f, int split) {
    const int64_t *p;
    const int32_t *l;
    prefix_copy_t c;
    rgtg_prefs_prefixes(f, split, &p, &l, &c.count);
    c.pairs = malloc((size_t)(c.count + 1) * sizeof *c.pairs);
    c.lens = malloc((size_t)(c.count + 1) * sizeof *c.lens);
    if (c.count) {
        memcpy(c.pairs, p, (size_t)c.count * sizeof *p);
        memcpy(c.lens, l, (size_t)c.count * sizeof *l);
    }
    return c;
}

static int same_prefixes(prefix_copy_t a, prefix_copy_t b) {
    return a.count == b.count && memcmp(a.pairs, b.pairs, (size_t)a.count * sizeof *a.pairs) == 0 &&
           memcmp(a.lens, b.lens, (size_t)a.count * sizeof *a.lens) == 0;
}

static void free_prefixes(prefix_copy_t *c) {
    free(c->pairs);
    free(c->lens);
}

/* Checks lengths, splits and (when distinct) repeats; returns the distinct prefixes in the split. */
static int64_t check_split(const rgtg_prefs_t *f, int split, int distinct) {
    const int64_t *p;
    const int32_t *l;
    int64_t n, total = 0, in_split;
    rgtg_prefs_prefixes(f, split, &p, &l, &n);
    const int64_t *ids = rgtg_prefs_split_pairs(f, split, &in_split);
    for (int64_t i = 0; i < in_split; i++) total += rgtg_prefs_max_prefix_len(f, ids[i]);
    char *seen = calloc((size_t)rgtg_prefs_pair_count(f) * 64, 1);
    int repeats = 0, out_of_range = 0, wrong_split = 0;
    for (int64_t k = 0; k < n; k++) {
        rgtg_pref_pair_t pair;
        rgtg_prefs_get(f, p[k], &pair);
        wrong_split += pair.split != split;
        out_of_range += l[k] < 1 || l[k] > rgtg_prefs_max_prefix_len(f, p[k]);
        if (l[k] >= 1 && l[k] < 64) repeats += seen[p[k] * 64 + l[k]]++ > 0;
    }
    CHECK(wrong_split == 0 && out_of_range == 0);
    if (distinct) CHECK(repeats == 0);
    free(seen);
    return total;
}

static void test_expand_file(const char *dir) {
    char path[512];
    snprintf(path, sizeof path, "%s/p.h5", dir);
    write_file(path);
    CHECK_OK(rgtg_prefs_expand(path, 2.0, 42));
    rgtg_prefs_t *f = NULL;
    CHECK_OK(rgtg_prefs_open(path, &f));
    if (!f) return;
    const rgtg_prefs_info_t *in = rgtg_prefs_info(f);
    CHECK(in->has_prefix && in->ratio == 2.0 && in->expand_seed == 42 && !in->prefix_all);
    CHECK(in->rows_kept == 60 && strcmp(in->tokenizer_sha256, "ab") == 0); /* old attributes kept */
    int64_t totals[RGTG_SPLIT_COUNT];
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) {
        const int64_t *p;
        const int32_t *l;
        int64_t n;
        rgtg_prefs_prefixes(f, s, &p, &l, &n);
        totals[s] = check_split(f, s, 1);
        CHECK(n == llround(2.0 * (double)rgtg_prefs_count(f, s)));
        CHECK(!in->prefix_saturated[s]);
    }
    prefix_copy_t first[RGTG_SPLIT_COUNT];
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) first[s] = copy_prefixes(f, s);
    rgtg_prefs_close(f);
    struct stat st1, st2;
    stat(path, &st1);

    /* Same seed again (replacing the index): identical. */
    CHECK_OK(rgtg_prefs_expand(path, 2.0, 42));
    stat(path, &st2);
    CHECK(st2.st_size <= st1.st_size + 1024); /* a rewrite, not an ever-growing file */
    CHECK_OK(rgtg_prefs_open(path, &f));
    if (!f) return;
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) {
        prefix_copy_t again = copy_prefixes(f, s);
        CHECK(same_prefixes(first[s], again));
        free_prefixes(&again);
    }
    rgtg_prefs_close(f);

    /* Another seed: another sample. */
    CHECK_OK(rgtg_prefs_expand(path, 2.0, 43));
    CHECK_OK(rgtg_prefs_open(path, &f));
    if (!f) return;
    prefix_copy_t other = copy_prefixes(f, RGTG_SPLIT_TRAIN);
    CHECK(!same_prefixes(first[RGTG_SPLIT_TRAIN], other));
    free_prefixes(&other);
    rgtg_prefs_close(f);

    /* Ratio 50: the valid split (short responses) has fewer distinct prefixes than asked: all listed. */
    CHECK_OK(rgtg_prefs_expand(path, 50.0, 1));
    CHECK_OK(rgtg_prefs_open(path, &f));
    if (!f) return;
    in = rgtg_prefs_info(f);
    {
        const int64_t *p;
        const int32_t *l;
        int64_t n;
        rgtg_prefs_prefixes(f, RGTG_SPLIT_VALID, &p, &l, &n);
        CHECK(in->prefix_saturated[RGTG_SPLIT_VALID] && n == totals[RGTG_SPLIT_VALID] && n < 50 * 7);
        check_split(f, RGTG_SPLIT_VALID, 1);
        rgtg_prefs_prefixes(f, RGTG_SPLIT_TRAIN, &p, &l, &n);
        CHECK(in->prefix_saturated[RGTG_SPLIT_TRAIN] == (50 * 40 > totals[RGTG_SPLIT_TRAIN]));
    }
    rgtg_prefs_close(f);

    /* Ratio 1.5 on the 7 valid pairs: round(10.5) = 11 (halves away from zero). */
    CHECK_OK(rgtg_prefs_expand(path, 1.5, 1));
    CHECK_OK(rgtg_prefs_open(path, &f));
    if (!f) return;
    CHECK(rgtg_prefs_info(f)->ratio == 1.5);
    {
        const int64_t *p;
        const int32_t *l;
        int64_t n;
        rgtg_prefs_prefixes(f, RGTG_SPLIT_VALID, &p, &l, &n);
        CHECK(n == 11);
        rgtg_prefs_prefixes(f, RGTG_SPLIT_TRAIN, &p, &l, &n);
        CHECK(n == 60);
    }
    rgtg_prefs_close(f);

    /* Every prefix of every pair. */
    CHECK_OK(rgtg_prefs_expand(path, RGTG_EXPAND_ALL, 9));
    CHECK_OK(rgtg_prefs_open(path, &f));
    if (!f) return;
    CHECK(rgtg_prefs_info(f)->prefix_all == 1);
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) {
        const int64_t *p;
        const int32_t *l;
        int64_t n;
        rgtg_prefs_prefixes(f, s, &p, &l, &n);
        CHECK(n == totals[s]);
        check_split(f, s, 1);
        CHECK(!rgtg_prefs_info(f)->prefix_saturated[s]);
    }
    rgtg_prefs_close(f);

    /* Failures leave the file as it was. */
    char before[65], after[65];
    CHECK_OK(rgtg_sha256_file(path, before));
    CHECK(rgtg_prefs_expand(path, 0.0, 1) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    CHECK(rgtg_prefs_expand(path, NAN, 1) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    CHECK_OK(rgtg_sha256_file(path, after));
    CHECK(strcmp(before, after) == 0);
    char garbage[600];
    snprintf(garbage, sizeof garbage, "%s/garbage.h5", dir);
    FILE *fp = fopen(garbage, "w");
    fputs("not hdf5", fp);
    fclose(fp);
    CHECK(rgtg_prefs_expand(garbage, 2.0, 1) == RGTG_ERR_FORMAT);
    CHECK(strstr(rgtg_error_message(), "garbage.h5: not an HDF5 file") != NULL);
    rgtg_error_clear();

    /* h5py sees the index. */
    if (system("/usr/bin/python3 -c 'import h5py' 2>/dev/null") != 0) {
        printf("skipped: /usr/bin/python3 has no h5py (Debian package python3-h5py)\n");
    } else {
        char cmd[1200];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c \"import h5py,numpy as np,sys; f=h5py.File('%s','r'); "
                 "p=f['prefix/pair'][:]; l=f['prefix/len'][:]; s=f['prefix/split'][:]; "
                 "assert p.dtype==np.int64 and l.dtype==np.int32 and s.dtype==np.uint8; "
                 "assert len(p)==len(l)==len(s)==%lld and (np.diff(s.astype(int))>=0).all(); "
                 "assert int(f.attrs['prefix_all'])==1 and float(f.attrs['ratio'])==-1.0; "
                 "print('h5py read /prefix ok')\"",
                 path, (long long)(totals[0] + totals[1] + totals[2]));
        CHECK(system(cmd) == 0);
    }
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) free_prefixes(&first[s]);
}

static void test_prefix_view(void) {
    int32_t chosen[3] = {10, 11, EOS}, rejected[6] = {20, 21, 22, 23, 24, EOS};
    rgtg_pref_pair_t pair = {.chosen = {chosen, 3}, .rejected = {rejected, 6}};
    rgtg_prefix_view_t v = rgtg_prefix_view(&pair, 1);
    CHECK(v.chosen.ids == chosen && v.chosen.len == 1 && v.rejected.ids == rejected && v.rejected.len == 1);
    v = rgtg_prefix_view(&pair, 4);
    CHECK(v.chosen.len == 3 && v.chosen.ids[2] == EOS); /* the shorter side: whole response with EOS */
    CHECK(v.rejected.len == 4 && v.rejected.ids[3] == 23); /* unfinished: no EOS appended */
    v = rgtg_prefix_view(&pair, 6);
    CHECK(v.chosen.len == 3 && v.rejected.len == 6 && v.rejected.ids[5] == EOS);
    v = rgtg_prefix_view(&pair, 100);
    CHECK(v.chosen.len == 3 && v.rejected.len == 6);
}

/* The prefix-length distribution: pairs of equal longest length L sampled at ratio 2 draw every length
 * 1..L about equally often (chi-square with L-1 degrees of freedom far below its 0.1% tail), and pairs
 * of different lengths draw lengths up to their own longest only. */
/* The length convention of batch rows: the shared prompt loses tokens from the left (at least one
 * stays), then responses from the right; every row ends within max_len. */
static void test_fit_rows(void) {
    int64_t lens[2] = {3, 5};
    CHECK_MSG(rgtg_fit_rows(4, lens, 2, 10) == 0 && lens[0] == 3 && lens[1] == 5, "fit: rows that fit are untouched");
    lens[0] = 3, lens[1] = 5;
    CHECK_MSG(rgtg_fit_rows(8, lens, 2, 10) == 3 && lens[0] == 3 && lens[1] == 5,
              "fit: the prompt loses 3 tokens for the longer side");
    lens[0] = 9, lens[1] = 2;
    CHECK_MSG(rgtg_fit_rows(4, lens, 2, 6) == 3 && lens[0] == 5 && lens[1] == 2,
          "fit: the prompt keeps one token, then the long response is cut from the right");
    lens[0] = 7;
    CHECK_MSG(rgtg_fit_rows(0, lens, 1, 5) == 0 && lens[0] == 5, "fit: no prompt, one row cut to max_len");
}

static void test_length_distribution(void) {
    enum { N = 3000, L = 12 };
    int64_t ids[N], lens[N];
    for (int i = 0; i < N; i++) ids[i] = i, lens[i] = L;
    int64_t *p, count;
    int32_t *l;
    int saturated;
    CHECK_OK(rgtg_prefix_sample(ids, lens, N, 2.0, 11, 0, &p, &l, &count, &saturated));
    double histogram[L + 1] = {0};
    for (int64_t k = 0; k < count; k++)
        if (l[k] >= 1 && l[k] <= L) histogram[l[k]]++;
    double expected = (double)count / L, chi2 = 0;
    for (int len = 1; len <= L; len++) chi2 += (histogram[len] - expected) * (histogram[len] - expected) / expected;
    printf("prefix lengths over %lld draws: chi-square %.2f (11 degrees of freedom; 0.1%% tail 31.3)\n",
           (long long)count, chi2);
    CHECK(count == 2 * N && chi2 < 31.3);
    free(p);
    free(l);

    for (int i = 0; i < N; i++) lens[i] = 1 + i % L; /* longest lengths 1..L */
    CHECK_OK(rgtg_prefix_sample(ids, lens, N, 1.5, 12, 0, &p, &l, &count, &saturated));
    int64_t out_of_range = 0, longest_seen = 0;
    for (int64_t k = 0; k < count; k++) {
        if (l[k] < 1 || l[k] > lens[p[k]]) out_of_range++;
        if (l[k] > longest_seen) longest_seen = l[k];
    }
    CHECK(out_of_range == 0 && longest_seen == L);
    free(p);
    free(l);
}

static void test_sampler(void) {
    /* Pathological lengths: one long pair among many of length 1; ratio 2 must still finish, distinct. */
    enum { N = 2000 };
    int64_t ids[N], lens[N];
    for (int i = 0; i < N; i++) {
        ids[i] = i;
        lens[i] = i == 0 ? 10000 : 1;
    }
    int64_t *p, count;
    int32_t *l;
    int saturated;
    CHECK_OK(rgtg_prefix_sample(ids, lens, N, 2.0, 3, 0, &p, &l, &count, &saturated));
    CHECK(count == 2 * N && !saturated);
    int long_ones = 0, ones = 0;
    char *seen = calloc(10001, 1);
    for (int64_t k = 0; k < count; k++) {
        if (p[k] == 0) long_ones += seen[l[k]]++ == 0;
        else ones += l[k] == 1;
    }
    CHECK(long_ones + ones == count && ones == N - 1); /* every short pair once, the rest distinct */
    free(seen);
    free(p);
    free(l);
    CHECK(rgtg_prefix_sample(ids, lens, N, -3.0, 3, 0, &p, &l, &count, &saturated) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    CHECK_OK(rgtg_prefix_sample(ids, lens, 0, 2.0, 3, 0, &p, &l, &count, &saturated));
    CHECK(count == 0);
    free(p);
    free(l);

    /* Speed: a million pairs at ratio 2. */
    enum { BIG = 1000000 };
    int64_t *big_ids = malloc(BIG * sizeof *big_ids), *big_lens = malloc(BIG * sizeof *big_lens);
    for (int i = 0; i < BIG; i++) {
        big_ids[i] = i;
        big_lens[i] = 1 + (i * 2654435761u) % 200;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(rgtg_prefix_sample(big_ids, big_lens, BIG, 2.0, 1, 0, &p, &l, &count, &saturated));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("sampled %lld prefix pairs of 1M pairs in %.2f s\n", (long long)count, seconds);
    CHECK(count == 2 * BIG && seconds < 20.0);
    int64_t *p2;
    int32_t *l2;
    int64_t count2;
    CHECK_OK(rgtg_prefix_sample(big_ids, big_lens, BIG, 2.0, 1, 0, &p2, &l2, &count2, &saturated));
    CHECK(count2 == count && memcmp(p, p2, (size_t)count * sizeof *p) == 0 &&
          memcmp(l, l2, (size_t)count * sizeof *l) == 0);
    free(p);
    free(l);
    free(p2);
    free(l2);
    free(big_ids);
    free(big_lens);
}

int main(void) {
    char dir[] = "/tmp/rgtg_test_expand_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_prefix_view();
    test_fit_rows();
    test_expand_file(dir);
    test_length_distribution();
    test_sampler();
    check_remove_dir(dir);
    return check_summary("test_expand");
}
