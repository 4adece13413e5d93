/* data/expand.c: sampling of prefix pairs, the atomic rewrite that stores them as /prefix, and the
 * prefix view (see expand.h and FORMAT.md). */
#define _POSIX_C_SOURCE 200809L
#include "expand.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/rng.h"
#include "h5util.h"

rgtg_prefix_view_t rgtg_prefix_view(const rgtg_pref_pair_t *pair, int64_t len) {
    rgtg_prefix_view_t v;
    if (len < 0) len = 0;
    v.chosen.ids = pair->chosen.ids;
    v.chosen.len = len < pair->chosen.len ? len : pair->chosen.len;
    v.rejected.ids = pair->rejected.ids;
    v.rejected.len = len < pair->rejected.len ? len : pair->rejected.len;
    return v;
}

int64_t rgtg_fit_rows(int64_t prompt_len, int64_t *response_lens, int n, int64_t max_len) {
    int64_t over = 0;
    for (int i = 0; i < n; i++)
        if (prompt_len + response_lens[i] - max_len > over) over = prompt_len + response_lens[i] - max_len;
    int64_t cut = over < prompt_len - 1 ? over : prompt_len - 1;
    if (cut < 0) cut = 0;
    for (int i = 0; i < n; i++) {
        int64_t o = prompt_len - cut + response_lens[i] - max_len;
        if (o > 0) response_lens[i] -= o;
    }
    return cut;
}

/* ---- sampling ---- */

typedef struct {
    uint64_t *keys; /* 0 is empty; a key is pair << 32 | len with len >= 1 */
    uint64_t mask;
} key_set_t;

static uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* 1 when inserted, 0 when it was there already. */
static int key_set_insert(key_set_t *set, uint64_t key) {
    for (uint64_t i = mix64(key) & set->mask;; i = (i + 1) & set->mask) {
        if (set->keys[i] == key) return 0;
        if (set->keys[i] == 0) {
            set->keys[i] = key;
            return 1;
        }
    }
}

rgtg_status_t rgtg_prefix_sample(const int64_t *pair_ids, const int64_t *max_lens, int64_t n, double ratio,
                                 uint64_t seed, uint64_t stream, int64_t **pairs_out, int32_t **lens_out,
                                 int64_t *count_out, int *saturated) {
    *pairs_out = NULL;
    *lens_out = NULL;
    *count_out = 0;
    *saturated = 0;
    int list_all = ratio == RGTG_EXPAND_ALL;
    if (!list_all && !(ratio > 0 && isfinite(ratio)))
        return rgtg_error_set(RGTG_ERR_INVALID, "expand: ratio %g must be positive (or RGTG_EXPAND_ALL)", ratio);
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        if (max_lens[i] < 1 || max_lens[i] > INT32_MAX)
            return rgtg_error_set(RGTG_ERR_INVALID, "expand: pair %lld has longest prefix %lld, outside 1..%d",
                                  (long long)pair_ids[i], (long long)max_lens[i], INT32_MAX);
        if (pair_ids[i] < 0 || pair_ids[i] > INT32_MAX)
            return rgtg_error_set(RGTG_ERR_INVALID, "expand: pair id %lld outside 0..%d", (long long)pair_ids[i],
                                  INT32_MAX);
        total += max_lens[i];
    }
    double wanted = list_all ? (double)total : round(ratio * (double)n);
    if (wanted > 1e15) return rgtg_error_set(RGTG_ERR_INVALID, "expand: ratio %g asks for too many prefixes", ratio);
    int64_t k = (int64_t)wanted;
    int enumerate = list_all || k >= total;
    if (enumerate) {
        *saturated = !list_all && k > total;
        k = total;
    }
    int64_t *pairs = malloc((size_t)(k ? k : 1) * sizeof *pairs);
    int32_t *lens = malloc((size_t)(k ? k : 1) * sizeof *lens);
    if (!pairs || !lens) {
        free(pairs);
        free(lens);
        return rgtg_error_set(RGTG_ERR_NOMEM, "expand: out of memory for %lld prefix pairs", (long long)k);
    }
    if (enumerate) {
        int64_t m = 0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t len = 1; len <= max_lens[i]; len++) {
                pairs[m] = pair_ids[i];
                lens[m++] = (int32_t)len;
            }
    } else if (k > 0) {
        /* Draw a pair among those with unused lengths, then an unused length by rejection. */
        key_set_t set = {0};
        uint64_t cap = 16;
        while (cap < 2 * (uint64_t)k) cap *= 2;
        set.keys = calloc(cap, sizeof *set.keys);
        set.mask = cap - 1;
        int64_t *active = malloc((size_t)n * sizeof *active);
        int64_t *used = calloc((size_t)n, sizeof *used);
        if (!set.keys || !active || !used) {
            free(set.keys);
            free(active);
            free(used);
            free(pairs);
            free(lens);
            return rgtg_error_set(RGTG_ERR_NOMEM, "expand: out of memory for %lld prefix pairs", (long long)k);
        }
        for (int64_t i = 0; i < n; i++) active[i] = i;
        int64_t active_n = n;
        rgtg_rng_t rng;
        rgtg_rng_seed(&rng, seed, stream);
        for (int64_t m = 0; m < k; m++) {
            int64_t slot = (int64_t)rgtg_rng_below(&rng, (uint64_t)active_n), i = active[slot];
            int64_t len;
            do len = 1 + (int64_t)rgtg_rng_below(&rng, (uint64_t)max_lens[i]);
            while (!key_set_insert(&set, ((uint64_t)pair_ids[i] << 32) | (uint64_t)len));
            pairs[m] = pair_ids[i];
            lens[m] = (int32_t)len;
            if (++used[i] == max_lens[i]) active[slot] = active[--active_n];
        }
        free(set.keys);
        free(active);
        free(used);
    }
    *pairs_out = pairs;
    *lens_out = lens;
    *count_out = k;
    return RGTG_OK;
}

/* ---- the rewrite ---- */


/* Root attributes that expansion owns and rewrites. */
static int is_expand_attr(const char *name) {
    return strcmp(name, "ratio") == 0 || strcmp(name, "expand_seed") == 0 || strcmp(name, "prefix_all") == 0 ||
           strncmp(name, "prefix_saturated_", 17) == 0;
}

typedef struct {
    hid_t dst;       /* the group (or dataset) being filled */
    int depth;       /* 0 at the root, where /prefix is left out */
    int failed;
    char where[160]; /* the object being copied, for messages */
} copy_ctx_t;

static herr_t copy_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data);

/* A 1-D dataset of fixed-size elements, slab by slab, with its creation properties (chunks, filters)
 * and attributes. */
static int copy_dataset(hid_t src_group, const char *name, copy_ctx_t *c) {
    hid_t in = H5Dopen2(src_group, name, H5P_DEFAULT);
    hid_t type = in >= 0 ? H5Dget_type(in) : -1, space = in >= 0 ? H5Dget_space(in) : -1;
    hid_t dcpl = in >= 0 ? H5Dget_create_plist(in) : -1;
    hid_t mtype = type >= 0 ? H5Tget_native_type(type, H5T_DIR_DEFAULT) : -1;
    size_t esize = mtype >= 0 ? H5Tget_size(mtype) : 0;
    int fixed = mtype >= 0 && H5Tdetect_class(mtype, H5T_VLEN) == 0 &&
                !(H5Tget_class(mtype) == H5T_STRING && H5Tis_variable_str(mtype) > 0);
    hsize_t n = 0, slab = 1 << 20;
    /* the source's chunks and filters; no timestamps (the same input gives the same bytes) */
    int ok = fixed && esize > 0 && space >= 0 && H5Sget_simple_extent_ndims(space) == 1 &&
             H5Sget_simple_extent_dims(space, &n, NULL) == 1 && dcpl >= 0 && H5Pset_obj_track_times(dcpl, 0) >= 0;
    hid_t out = ok ? H5Dcreate2(c->dst, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    if (ok && out < 0) rgtg_h5_note_failure();
    void *buf = out >= 0 ? malloc((size_t)(n < slab ? (n ? n : 1) : slab) * esize) : NULL;
    ok = buf != NULL;
    for (hsize_t at = 0; ok && at < n; at += slab) {
        hsize_t count = n - at < slab ? n - at : slab;
        hid_t mem = H5Screate_simple(1, &count, NULL);
        ok = mem >= 0 && H5Sselect_hyperslab(space, H5S_SELECT_SET, &at, NULL, &count, NULL) >= 0 &&
             H5Dread(in, mtype, mem, space, H5P_DEFAULT, buf) >= 0 &&
             H5Dwrite(out, mtype, mem, space, H5P_DEFAULT, buf) >= 0;
        if (!ok) rgtg_h5_note_failure();
        if (mem >= 0) H5Sclose(mem);
    }
    free(buf);
    copy_ctx_t inner = *c;
    inner.dst = out;
    hsize_t idx = 0;
    if (ok) ok = H5Aiterate2(in, H5_INDEX_NAME, H5_ITER_INC, &idx, copy_attr, &inner) >= 0 && !inner.failed;
    if (out >= 0 && H5Dclose(out) < 0) {
        rgtg_h5_note_failure();
        ok = 0;
    }
    if (mtype >= 0) H5Tclose(mtype);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    if (in >= 0) H5Dclose(in);
    return ok;
}

/* Copies one object (a group, recursively, or a dataset) with its attributes. By hand rather than
 * with H5Ocopy, which crashes in HDF5 1.10 when the disk fills during the copy. */
static herr_t copy_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
    (void)info;
    copy_ctx_t *c = data;
    if (c->depth == 0 && strcmp(name, "prefix") == 0) return 0;
    size_t at = strlen(c->where);
    snprintf(c->where + at, sizeof c->where - at, "/%s", name);
    hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
    H5I_type_t kind = obj >= 0 ? H5Iget_type(obj) : H5I_BADID;
    copy_ctx_t inner = *c;
    inner.depth++;
    int ok = 0;
    if (kind == H5I_GROUP) {
        inner.dst = rgtg_h5_create_group(c->dst, name);
        hsize_t idx = 0;
        ok = inner.dst >= 0 && H5Literate(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, copy_link, &inner) >= 0 &&
             !inner.failed;
        idx = 0;
        ok = ok && H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, copy_attr, &inner) >= 0 && !inner.failed;
        if (inner.dst >= 0 && H5Gclose(inner.dst) < 0) ok = 0;
    } else if (kind == H5I_DATASET) {
        ok = copy_dataset(group, name, &inner);
    }
    if (obj >= 0) H5Oclose(obj);
    if (!ok) {
        if (inner.failed) memcpy(c->where, inner.where, sizeof c->where);
        c->failed = 1;
        return 1;
    }
    c->where[at] = '\0';
    return 0;
}

static herr_t copy_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data) {
    (void)info;
    copy_ctx_t *c = data;
    if (is_expand_attr(name)) return 0;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t ftype = a >= 0 ? H5Aget_type(a) : -1, space = a >= 0 ? H5Aget_space(a) : -1;
    hid_t mtype = ftype >= 0 ? H5Tget_native_type(ftype, H5T_DIR_DEFAULT) : -1;
    hssize_t points = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    size_t size = mtype >= 0 ? H5Tget_size(mtype) : 0;
    void *buf = points >= 0 && size > 0 ? calloc((size_t)(points ? points : 1), size) : NULL;
    int ok = buf && H5Aread(a, mtype, buf) >= 0;
    if (ok) {
        int vlen = H5Tdetect_class(mtype, H5T_VLEN) > 0 ||
                   (H5Tget_class(mtype) == H5T_STRING && H5Tis_variable_str(mtype) > 0);
        hid_t b = H5Acreate2(c->dst, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
        ok = b >= 0 && H5Awrite(b, mtype, buf) >= 0;
        if (b >= 0) H5Aclose(b);
#if H5_VERSION_GE(1, 12, 0)
        if (vlen) H5Treclaim(mtype, space, H5P_DEFAULT, buf);
#else
        if (vlen) H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, buf);
#endif
    }
    free(buf);
    if (mtype >= 0) H5Tclose(mtype);
    if (ftype >= 0) H5Tclose(ftype);
    if (space >= 0) H5Sclose(space);
    if (a >= 0) H5Aclose(a);
    if (!ok) {
        snprintf(c->where, sizeof c->where, "attribute %s", name);
        c->failed = 1;
        return 1;
    }
    return 0;
}

/* A whole 1-D dataset, chunked like the writer's (smaller chunks for a short one). */
static herr_t write_whole(hid_t loc, const char *name, hid_t file_type, hid_t mem_type, const void *data, hsize_t n) {
    hid_t ds = rgtg_h5_create_1d(loc, name, file_type, n, n > 0 && n < RGTG_H5_CHUNK ? n : RGTG_H5_CHUNK);
    herr_t rc = ds >= 0 ? (n > 0 ? H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0) : -1;
    if (ds >= 0) H5Dclose(ds);
    return rc;
}

typedef struct {
    int64_t *pairs;
    int32_t *lens;
    uint8_t *splits;
    int64_t count;
    int saturated[RGTG_SPLIT_COUNT];
} prefix_index_t;

static rgtg_status_t write_expanded(const char *path, const char *tmp, const prefix_index_t *index, double ratio,
                                    uint64_t seed) {
    rgtg_status_t status = RGTG_OK;
    hid_t src = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (src < 0) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open (%s)", path, rgtg_h5_detail());
    hid_t dst = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t group = -1;
    if (dst < 0) {
        status = rgtg_error_set(RGTG_ERR_IO, "%s: cannot create (%s)", tmp, rgtg_h5_detail());
        goto done;
    }
    copy_ctx_t ctx = {.dst = dst};
    hsize_t idx = 0;
    if (H5Literate(src, H5_INDEX_NAME, H5_ITER_INC, &idx, copy_link, &ctx) < 0 || ctx.failed) {
        status = rgtg_error_set(RGTG_ERR_IO, "%s: copying %s failed (%s)", path, ctx.where, rgtg_h5_detail());
        goto done;
    }
    idx = 0;
    if (H5Aiterate2(src, H5_INDEX_NAME, H5_ITER_INC, &idx, copy_attr, &ctx) < 0 || ctx.failed) {
        status = rgtg_error_set(RGTG_ERR_IO, "%s: copying %s failed (%s)", path, ctx.where, rgtg_h5_detail());
        goto done;
    }
    group = rgtg_h5_create_group(dst, "prefix");
    if (group < 0 ||
        write_whole(group, "pair", H5T_STD_I64LE, H5T_NATIVE_INT64, index->pairs, (hsize_t)index->count) < 0 ||
        write_whole(group, "len", H5T_STD_I32LE, H5T_NATIVE_INT32, index->lens, (hsize_t)index->count) < 0 ||
        write_whole(group, "split", H5T_STD_U8LE, H5T_NATIVE_UINT8, index->splits, (hsize_t)index->count) < 0) {
        status = rgtg_error_set(RGTG_ERR_IO, "%s: dataset /prefix: write failed (%s)", tmp, rgtg_h5_detail());
        goto done;
    }
    int prefix_all = ratio == RGTG_EXPAND_ALL;
    int ok = rgtg_h5_write_attr(dst, "ratio", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &ratio) >= 0 &&
             rgtg_h5_write_attr(dst, "expand_seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &seed) >= 0 &&
             rgtg_h5_write_attr(dst, "prefix_all", H5T_STD_I32LE, H5T_NATIVE_INT, &prefix_all) >= 0;
    for (int s = 0; ok && s < RGTG_SPLIT_COUNT; s++) {
        char name[64];
        snprintf(name, sizeof name, "prefix_saturated_%s", rgtg_split_name(s));
        ok = rgtg_h5_write_attr(dst, name, H5T_STD_I32LE, H5T_NATIVE_INT, &index->saturated[s]) >= 0;
    }
    if (!ok) status = rgtg_error_set(RGTG_ERR_IO, "%s: cannot write attributes (%s)", tmp, rgtg_h5_detail());
done:
    if (group >= 0) H5Gclose(group);
    if (dst >= 0 && H5Fclose(dst) < 0 && status == RGTG_OK)
        status = rgtg_error_set(RGTG_ERR_IO, "%s: closing failed (%s)", tmp, rgtg_h5_detail());
    H5Fclose(src);
    return status;
}

rgtg_status_t rgtg_prefs_expand(const char *path, double ratio, uint64_t seed) {
    if (ratio != RGTG_EXPAND_ALL && !(ratio > 0 && isfinite(ratio)))
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: expansion ratio %g must be positive (or all)", path, ratio);
    rgtg_prefs_t *f = NULL;
    rgtg_status_t status = rgtg_prefs_open_index(path, &f); /* validates the file before anything is written */
    if (status != RGTG_OK) return status;
    prefix_index_t index = {0};
    int64_t *part_pairs[RGTG_SPLIT_COUNT] = {0};
    int32_t *part_lens[RGTG_SPLIT_COUNT] = {0};
    int64_t part_count[RGTG_SPLIT_COUNT] = {0};
    int64_t *max_lens = malloc((size_t)(rgtg_prefs_pair_count(f) + 1) * sizeof *max_lens);
    char *tmp = NULL;
    if (!max_lens) {
        status = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (int s = 0; s < RGTG_SPLIT_COUNT && status == RGTG_OK; s++) {
        int64_t n;
        const int64_t *ids = rgtg_prefs_split_pairs(f, s, &n);
        for (int64_t i = 0; i < n; i++) max_lens[i] = rgtg_prefs_max_prefix_len(f, ids[i]);
        status = rgtg_prefix_sample(ids, max_lens, n, ratio, seed, (uint64_t)s, &part_pairs[s], &part_lens[s],
                                    &part_count[s], &index.saturated[s]);
        if (status != RGTG_OK) rgtg_error_set(status, "%s: split %s: sampling failed", path, rgtg_split_name(s));
        index.count += part_count[s];
    }
    if (status != RGTG_OK) goto done;
    index.pairs = malloc((size_t)(index.count ? index.count : 1) * sizeof *index.pairs);
    index.lens = malloc((size_t)(index.count ? index.count : 1) * sizeof *index.lens);
    index.splits = malloc((size_t)(index.count ? index.count : 1));
    tmp = rgtg_tmp_path_for(path);
    if (!index.pairs || !index.lens || !index.splits || !tmp) {
        status = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    int64_t m = 0;
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) {
        memcpy(index.pairs + m, part_pairs[s], (size_t)part_count[s] * sizeof *index.pairs);
        memcpy(index.lens + m, part_lens[s], (size_t)part_count[s] * sizeof *index.lens);
        memset(index.splits + m, s, (size_t)part_count[s]);
        m += part_count[s];
    }
    rgtg_prefs_close(f);
    f = NULL;
    status = write_expanded(path, tmp, &index, ratio, seed);
    if (status == RGTG_OK) status = rgtg_commit_rename(tmp, path);
    if (status != RGTG_OK) unlink(tmp);
done:
    rgtg_prefs_close(f);
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) {
        free(part_pairs[s]);
        free(part_lens[s]);
    }
    free(index.pairs);
    free(index.lens);
    free(index.splits);
    free(max_lens);
    free(tmp);
    return status;
}

rgtg_expand_params_t rgtg_expand_default_params(void) { return (rgtg_expand_params_t){.ratio = 0}; }

rgtg_status_t rgtg_expand_run(const rgtg_expand_params_t *p, rgtg_expand_result_t *result) {
    memset(result, 0, sizeof *result);
    rgtg_prefs_t *f = NULL;
    rgtg_status_t st = rgtg_prefs_open_index(p->path, &f);
    if (st != RGTG_OK) return st;
    result->seed = p->seed_given ? p->seed : rgtg_prefs_info(f)->seed;
    rgtg_prefs_close(f);
    f = NULL;
    st = rgtg_prefs_expand(p->path, p->ratio, result->seed);
    if (st == RGTG_OK) st = rgtg_prefs_open_index(p->path, &f);
    for (int s = 0; st == RGTG_OK && s < RGTG_SPLIT_COUNT; s++) {
        const int64_t *pairs;
        const int32_t *lens;
        rgtg_prefs_prefixes(f, s, &pairs, &lens, &result->prefix_pairs[s]);
        result->pairs[s] = rgtg_prefs_count(f, s);
        result->saturated[s] = rgtg_prefs_info(f)->prefix_saturated[s];
    }
    rgtg_prefs_close(f);
    return st;
}
