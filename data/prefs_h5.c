/* data/prefs_h5.c: the HDF5 preference file: streaming writer and validating reader (see prefs_h5.h
 * and FORMAT.md). */
#define _POSIX_C_SOURCE 200809L
#include "prefs_h5.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "h5util.h"

enum {
    CHUNK_ELEMENTS = RGTG_H5_CHUNK, /* 256 KiB of int32 tokens, 512 KiB of int64 offsets */
    TOKEN_FLUSH = 1 << 20,          /* buffered tokens per side before a write */
};

static const char *const side_names[3] = {"prompt", "chosen", "rejected"};
static const char *const split_names[RGTG_SPLIT_COUNT] = {"train", "valid", "test"};

const char *rgtg_split_name(int split) {
    return split >= 0 && split < RGTG_SPLIT_COUNT ? split_names[split] : "unknown";
}

int rgtg_split_from_name(const char *name) {
    for (int s = 0; name && s < RGTG_SPLIT_COUNT; s++)
        if (!strcmp(name, split_names[s])) return s;
    return -1;
}

/* ---- shared HDF5 helpers ---- */

/* Appends n elements of mem_type at the end of a 1-D extendible dataset. */
static herr_t append_1d(hid_t ds, hid_t mem_type, const void *data, hsize_t n) {
    if (n == 0) return 0;
    hid_t space = H5Dget_space(ds);
    if (space < 0) return -1;
    hsize_t old;
    H5Sget_simple_extent_dims(space, &old, NULL);
    H5Sclose(space);
    hsize_t size = old + n;
    if (H5Dset_extent(ds, &size) < 0) return -1;
    space = H5Dget_space(ds);
    hid_t mem = H5Screate_simple(1, &n, NULL);
    herr_t rc = -1;
    if (space >= 0 && mem >= 0 && H5Sselect_hyperslab(space, H5S_SELECT_SET, &old, NULL, &n, NULL) >= 0)
        rc = H5Dwrite(ds, mem_type, mem, space, H5P_DEFAULT, data);
    if (rc < 0) rgtg_h5_note_failure();
    if (mem >= 0) H5Sclose(mem);
    if (space >= 0) H5Sclose(space);
    return rc;
}

static herr_t write_attr_string(hid_t loc, const char *name, const char *value) {
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0) return -1;
    herr_t rc = -1;
    if (H5Tset_size(type, H5T_VARIABLE) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0) {
        const char *v = value ? value : "";
        rc = rgtg_h5_write_attr(loc, name, type, type, &v);
    }
    H5Tclose(type);
    return rc;
}

static herr_t write_attr_i64(hid_t loc, const char *name, int64_t v) {
    return rgtg_h5_write_attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v);
}
static herr_t write_attr_i32(hid_t loc, const char *name, int32_t v) {
    return rgtg_h5_write_attr(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT32, &v);
}
static herr_t write_attr_u64(hid_t loc, const char *name, uint64_t v) {
    return rgtg_h5_write_attr(loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
}

/* ---- writer ---- */

typedef struct {
    hid_t group, tokens, offsets;
    int32_t *token_buf;
    size_t token_count, token_cap;
    int64_t *offset_buf;
    size_t offset_count;
    int64_t total_tokens; /* tokens written plus buffered */
} side_writer_t;

struct rgtg_prefs_writer {
    char *path, *tmp_path;
    hid_t file, split_ds;
    side_writer_t sides[3];
    uint8_t *split_buf;
    size_t split_count;
    int64_t pairs;
    int32_t vocab_size, eos_id;
    int failed; /* a write failed: the datasets may be misaligned, only abort is left */
};

static void writer_close_handles(rgtg_prefs_writer_t *w) {
    for (int s = 0; s < 3; s++) {
        side_writer_t *sw = &w->sides[s];
        if (sw->tokens >= 0) H5Dclose(sw->tokens);
        if (sw->offsets >= 0) H5Dclose(sw->offsets);
        if (sw->group >= 0) H5Gclose(sw->group);
        sw->tokens = sw->offsets = sw->group = -1;
    }
    if (w->split_ds >= 0) H5Dclose(w->split_ds);
    w->split_ds = -1;
}

static void writer_free(rgtg_prefs_writer_t *w) {
    for (int s = 0; s < 3; s++) {
        free(w->sides[s].token_buf);
        free(w->sides[s].offset_buf);
    }
    free(w->split_buf);
    free(w->path);
    free(w->tmp_path);
    free(w);
}

void rgtg_prefs_writer_abort(rgtg_prefs_writer_t *w) {
    if (!w) return;
    writer_close_handles(w);
    if (w->file >= 0) H5Fclose(w->file);
    if (w->tmp_path) unlink(w->tmp_path);
    writer_free(w);
}

#define WRITER_FAIL(...) do { rgtg_error_set(RGTG_ERR_IO, __VA_ARGS__); rgtg_prefs_writer_abort(w); return RGTG_ERR_IO; } while (0)

rgtg_status_t rgtg_prefs_writer_open(const char *path, const rgtg_prefs_attrs_t *attrs, rgtg_prefs_writer_t **out) {
    *out = NULL;
    rgtg_h5_quiet();
    if (!attrs || attrs->vocab_size <= 0 || attrs->eos_id < 0 || attrs->eos_id >= attrs->vocab_size ||
        attrs->pad_id < 0 || attrs->pad_id >= attrs->vocab_size)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: vocab_size must be positive and eos_id, pad_id within it", path);
    rgtg_prefs_writer_t *w = calloc(1, sizeof *w);
    if (!w) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    w->file = w->split_ds = -1;
    for (int s = 0; s < 3; s++) w->sides[s].group = w->sides[s].tokens = w->sides[s].offsets = -1;
    w->vocab_size = attrs->vocab_size;
    w->eos_id = attrs->eos_id;
    w->path = strdup(path);
    w->tmp_path = rgtg_tmp_path_for(path);
    w->split_buf = malloc(CHUNK_ELEMENTS);
    for (int s = 0; s < 3; s++) {
        w->sides[s].token_cap = TOKEN_FLUSH;
        w->sides[s].token_buf = malloc(TOKEN_FLUSH * sizeof(int32_t));
        w->sides[s].offset_buf = malloc(CHUNK_ELEMENTS * sizeof(int64_t));
        if (!w->sides[s].token_buf || !w->sides[s].offset_buf) {
            rgtg_prefs_writer_abort(w);
            return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
        }
        w->sides[s].offset_buf[w->sides[s].offset_count++] = 0;
    }
    if (!w->path || !w->tmp_path || !w->split_buf) {
        rgtg_prefs_writer_abort(w);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    w->file = H5Fcreate(w->tmp_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (w->file < 0) WRITER_FAIL("%s: cannot create the temporary file %s (%s)", path, w->tmp_path, rgtg_h5_detail());
    for (int s = 0; s < 3; s++) {
        side_writer_t *sw = &w->sides[s];
        sw->group = rgtg_h5_create_group(w->file, side_names[s]);
        if (sw->group < 0) WRITER_FAIL("%s: group /%s: cannot create (%s)", path, side_names[s], rgtg_h5_detail());
        sw->tokens = rgtg_h5_create_1d(sw->group, "tokens", H5T_STD_I32LE, 0, CHUNK_ELEMENTS);
        sw->offsets = rgtg_h5_create_1d(sw->group, "offsets", H5T_STD_I64LE, 0, CHUNK_ELEMENTS);
        if (sw->tokens < 0 || sw->offsets < 0)
            WRITER_FAIL("%s: dataset /%s: cannot create (%s)", path, side_names[s], rgtg_h5_detail());
    }
    w->split_ds = rgtg_h5_create_1d(w->file, "split", H5T_STD_U8LE, 0, CHUNK_ELEMENTS);
    if (w->split_ds < 0) WRITER_FAIL("%s: dataset /split: cannot create (%s)", path, rgtg_h5_detail());

    hid_t root = w->file;
    if (write_attr_i32(root, "format_version", RGTG_PREFS_FORMAT_VERSION) < 0 ||
        write_attr_string(root, "tokenizer_sha256", attrs->tokenizer_sha256) < 0 ||
        write_attr_i32(root, "vocab_size", attrs->vocab_size) < 0 ||
        write_attr_i32(root, "eos_id", attrs->eos_id) < 0 || write_attr_i32(root, "pad_id", attrs->pad_id) < 0 ||
        write_attr_string(root, "template_name", attrs->template_name) < 0 ||
        write_attr_string(root, "template_text", attrs->template_text) < 0 ||
        write_attr_string(root, "source_files", attrs->source_files) < 0 ||
        write_attr_string(root, "source_sha256", attrs->source_sha256) < 0 ||
        write_attr_u64(root, "seed", attrs->seed) < 0 ||
        (attrs->options && write_attr_string(root, "options", attrs->options) < 0))
        WRITER_FAIL("%s: cannot write attributes (%s)", path, rgtg_h5_detail());
    *out = w;
    return RGTG_OK;
}

static rgtg_status_t flush_side(rgtg_prefs_writer_t *w, int s) {
    side_writer_t *sw = &w->sides[s];
    if (append_1d(sw->tokens, H5T_NATIVE_INT32, sw->token_buf, sw->token_count) < 0 ||
        append_1d(sw->offsets, H5T_NATIVE_INT64, sw->offset_buf, sw->offset_count) < 0)
        return rgtg_error_set(RGTG_ERR_IO, "%s: dataset /%s: write failed (%s)", w->path, side_names[s], rgtg_h5_detail());
    sw->token_count = sw->offset_count = 0;
    return RGTG_OK;
}

static rgtg_status_t flush_splits(rgtg_prefs_writer_t *w) {
    if (append_1d(w->split_ds, H5T_NATIVE_UINT8, w->split_buf, w->split_count) < 0)
        return rgtg_error_set(RGTG_ERR_IO, "%s: dataset /split: write failed (%s)", w->path, rgtg_h5_detail());
    w->split_count = 0;
    return RGTG_OK;
}

static rgtg_status_t add_side(rgtg_prefs_writer_t *w, int s, const int32_t *ids, size_t n, int add_eos) {
    side_writer_t *sw = &w->sides[s];
    size_t total = n + (add_eos ? 1 : 0);
    if (sw->token_count + total > sw->token_cap) {
        rgtg_status_t status = flush_side(w, s);
        if (status != RGTG_OK) return status;
    }
    if (total > sw->token_cap) { /* one huge sequence: write it directly */
        if (append_1d(sw->tokens, H5T_NATIVE_INT32, ids, n) < 0 ||
            (add_eos && append_1d(sw->tokens, H5T_NATIVE_INT32, &w->eos_id, 1) < 0))
            return rgtg_error_set(RGTG_ERR_IO, "%s: dataset /%s/tokens: write failed (%s)", w->path, side_names[s],
                                  rgtg_h5_detail());
    } else {
        if (n) memcpy(sw->token_buf + sw->token_count, ids, n * sizeof *ids);
        sw->token_count += n;
        if (add_eos) sw->token_buf[sw->token_count++] = w->eos_id;
    }
    sw->total_tokens += (int64_t)total;
    if (sw->offset_count == CHUNK_ELEMENTS) {
        rgtg_status_t status = flush_side(w, s);
        if (status != RGTG_OK) return status;
    }
    sw->offset_buf[sw->offset_count++] = sw->total_tokens;
    return RGTG_OK;
}

rgtg_status_t rgtg_prefs_writer_add(rgtg_prefs_writer_t *w, const int32_t *prompt, size_t prompt_len,
                                    const int32_t *chosen, size_t chosen_len, const int32_t *rejected,
                                    size_t rejected_len, int split) {
    if (w->failed) return rgtg_error_set(RGTG_ERR_INVALID, "%s: an earlier write failed; abort the writer", w->path);
    if (split < 0 || split >= RGTG_SPLIT_COUNT)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: pair %lld: split %d is not 0 (train), 1 (valid) or 2 (test)",
                              w->path, (long long)w->pairs, split);
    /* Check every side before writing any, so that a rejected pair leaves the datasets aligned. */
    const int32_t *ids[3] = {prompt, chosen, rejected};
    size_t lens[3] = {prompt_len, chosen_len, rejected_len};
    for (int s = 0; s < 3; s++)
        for (size_t i = 0; i < lens[s]; i++)
            if (ids[s][i] < 0 || ids[s][i] >= w->vocab_size)
                return rgtg_error_set(RGTG_ERR_INVALID, "%s: pair %lld: %s token %d outside the vocabulary [0, %d)",
                                      w->path, (long long)w->pairs, side_names[s], ids[s][i], w->vocab_size);
    for (int s = 0; s < 3; s++) {
        rgtg_status_t status = add_side(w, s, ids[s], lens[s], s > 0);
        if (status != RGTG_OK) {
            w->failed = 1;
            return status;
        }
    }
    if (w->split_count == CHUNK_ELEMENTS) {
        rgtg_status_t status = flush_splits(w);
        if (status != RGTG_OK) {
            w->failed = 1;
            return status;
        }
    }
    w->split_buf[w->split_count++] = (uint8_t)split;
    w->pairs++;
    return RGTG_OK;
}

rgtg_status_t rgtg_prefs_writer_add_text(rgtg_prefs_writer_t *w, rgtg_tokenize_fn tokenize, void *ctx,
                                         const char *prompt, const char *chosen, const char *rejected, int split) {
    const char *texts[3] = {prompt, chosen, rejected};
    int32_t *ids[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0};
    rgtg_status_t status = RGTG_OK;
    for (int s = 0; s < 3 && status == RGTG_OK; s++) {
        status = tokenize(ctx, texts[s], strlen(texts[s]), &ids[s], &lens[s]);
        if (status != RGTG_OK)
            rgtg_error_set(status, "%s: pair %lld: the tokenizer failed on the %s text", w->path,
                           (long long)w->pairs, side_names[s]);
    }
    if (status == RGTG_OK)
        status = rgtg_prefs_writer_add(w, ids[0], lens[0], ids[1], lens[1], ids[2], lens[2], split);
    for (int s = 0; s < 3; s++) free(ids[s]);
    return status;
}

int64_t rgtg_prefs_writer_pair_count(const rgtg_prefs_writer_t *w) { return w->pairs; }

rgtg_status_t rgtg_prefs_writer_commit(rgtg_prefs_writer_t *w, const rgtg_prefs_counts_t *counts) {
    rgtg_status_t status = RGTG_OK;
    if (w->failed) {
        status = rgtg_error_set(RGTG_ERR_INVALID, "%s: an earlier write failed; nothing was committed", w->path);
        rgtg_prefs_writer_abort(w);
        return status;
    }
    for (int s = 0; s < 3 && status == RGTG_OK; s++) status = flush_side(w, s);
    if (status == RGTG_OK) status = flush_splits(w);
    if (status != RGTG_OK) {
        rgtg_prefs_writer_abort(w);
        return status;
    }
    hid_t root = w->file;
    int ok = write_attr_i64(root, "rows_read", counts ? counts->rows_read : w->pairs) >= 0 &&
             write_attr_i64(root, "rows_kept", w->pairs) >= 0;
    for (size_t i = 0; ok && counts && i < counts->drop_reason_count; i++) {
        char name[128];
        snprintf(name, sizeof name, "dropped_%s", counts->drop_reasons[i]);
        ok = write_attr_i64(root, name, counts->drop_counts[i]) >= 0;
    }
    if (ok && counts && counts->round_trip) ok = write_attr_string(root, "round_trip", counts->round_trip) >= 0;
    if (!ok) WRITER_FAIL("%s: cannot write attributes (%s)", w->path, rgtg_h5_detail());
    writer_close_handles(w);
    herr_t rc = H5Fclose(w->file);
    w->file = -1;
    if (rc < 0) WRITER_FAIL("%s: closing the HDF5 file failed (%s)", w->tmp_path, rgtg_h5_detail());
    status = rgtg_commit_rename(w->tmp_path, w->path);
    if (status != RGTG_OK) {
        rgtg_prefs_writer_abort(w);
        return status;
    }
    free(w->tmp_path);
    w->tmp_path = NULL;
    writer_free(w);
    return RGTG_OK;
}

/* ---- reader ---- */

struct rgtg_prefs {
    char *path;
    rgtg_prefs_info_t info;
    int64_t pairs;
    int64_t *offsets[3]; /* pairs + 1 each */
    int32_t *tokens[3];  /* NULL for an index-only open */
    uint8_t *split;
    int64_t *split_pairs[RGTG_SPLIT_COUNT];
    int64_t split_count[RGTG_SPLIT_COUNT];
    int64_t prefix_count;
    int64_t *prefix_pair;
    int32_t *prefix_len;
    uint8_t *prefix_split;
    int64_t prefix_first[RGTG_SPLIT_COUNT], prefix_split_count[RGTG_SPLIT_COUNT];
};

void rgtg_prefs_close(rgtg_prefs_t *f) {
    if (!f) return;
    rgtg_prefs_info_t *in = &f->info;
    free(in->tokenizer_sha256);
    free(in->template_name);
    free(in->template_text);
    free(in->source_files);
    free(in->source_sha256);
    free(in->options);
    free(in->round_trip);
    for (size_t i = 0; i < in->drop_reason_count; i++) free(in->drop_reasons[i]);
    free(in->drop_reasons);
    free(in->drop_counts);
    for (int s = 0; s < 3; s++) {
        free(f->offsets[s]);
        free(f->tokens[s]);
    }
    free(f->split);
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) free(f->split_pairs[s]);
    free(f->prefix_pair);
    free(f->prefix_len);
    free(f->prefix_split);
    free(f->path);
    free(f);
}

typedef struct {
    H5T_class_t cls;
    size_t size;
    H5T_sign_t sign;
    const char *name;
} expected_type_t;

static const expected_type_t type_i32 = {H5T_INTEGER, 4, H5T_SGN_2, "int32"};
static const expected_type_t type_i64 = {H5T_INTEGER, 8, H5T_SGN_2, "int64"};
static const expected_type_t type_u8 = {H5T_INTEGER, 1, H5T_SGN_NONE, "uint8"};

/* Opens a 1-D dataset of the expected element type and returns its length (-1 on error, set). */
static hid_t open_1d(const char *path, hid_t file, const char *name, const expected_type_t *want, int64_t *length) {
    /* each link on the way: absent is a file of another layout, an error is a damaged one */
    char prefix[64];
    htri_t exists = 1;
    for (const char *end = strchr(name + 1, '/');; end = strchr(end + 1, '/')) {
        snprintf(prefix, sizeof prefix, "%.*s", (int)(end ? (size_t)(end - name) : strlen(name)), name);
        exists = H5Lexists(file, prefix, H5P_DEFAULT);
        if (exists <= 0 || !end) break;
    }
    if (exists == 0) {
        rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset %s: missing", path, name);
        return -1;
    }
    hid_t ds = exists > 0 ? H5Dopen2(file, name, H5P_DEFAULT) : -1;
    if (ds < 0) {
        rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset %s: cannot be read, the file is damaged (%s)", path, name, rgtg_h5_detail());
        return -1;
    }
    hid_t type = H5Dget_type(ds), space = H5Dget_space(ds);
    int ok_type = type >= 0 && H5Tget_class(type) == want->cls && H5Tget_size(type) == want->size &&
                  H5Tget_sign(type) == want->sign;
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    hsize_t dims = 0;
    if (rank == 1) H5Sget_simple_extent_dims(space, &dims, NULL);
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    if (!ok_type || rank != 1) {
        rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset %s: must be a 1-D %s array", path, name, want->name);
        H5Dclose(ds);
        return -1;
    }
    *length = (int64_t)dims;
    return ds;
}

/* Reads a whole 1-D dataset into a malloc'd array; NULL on error (set). */
static void *read_1d(const char *path, hid_t file, const char *name, const expected_type_t *want, hid_t mem_type,
                     int64_t *length) {
    hid_t ds = open_1d(path, file, name, want, length);
    if (ds < 0) return NULL;
    void *data = malloc(*length > 0 ? (size_t)*length * want->size : 1);
    if (!data) {
        rgtg_error_set(RGTG_ERR_NOMEM, "%s: dataset %s: out of memory for %lld elements", path, name,
                       (long long)*length);
    } else if (*length > 0 && H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset %s: cannot be read, the file is damaged (%s)", path, name,
                       rgtg_h5_detail());
        free(data);
        data = NULL;
    }
    H5Dclose(ds);
    return data;
}

/* Reads a scalar integer or float attribute; returns 0 when present, 1 when absent, -1 on error. */
static int read_attr_number(const char *path, hid_t loc, const char *name, hid_t mem_type, void *value) {
    if (H5Aexists(loc, name) <= 0) return 1;
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
    hid_t space = attr >= 0 ? H5Aget_space(attr) : -1;
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    int ok = space >= 0 && H5Sget_simple_extent_npoints(space) == 1 && (cls == H5T_INTEGER || cls == H5T_FLOAT) &&
             H5Aread(attr, mem_type, value) >= 0;
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    if (attr >= 0) H5Aclose(attr);
    if (!ok) {
        rgtg_error_set(RGTG_ERR_FORMAT, "%s: attribute %s: must be a single number", path, name);
        return -1;
    }
    return 0;
}

/* Reads a scalar string attribute (variable or fixed length) into a malloc'd string ("" if absent). */
static int read_attr_string(const char *path, hid_t loc, const char *name, char **out) {
    *out = NULL;
    if (H5Aexists(loc, name) <= 0) {
        *out = strdup("");
        return *out ? 1 : -1;
    }
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
    int ok = 0;
    if (type >= 0 && H5Tget_class(type) == H5T_STRING) {
        hid_t mem = H5Tcopy(H5T_C_S1);
        if (H5Tis_variable_str(type) > 0) {
            char *value = NULL;
            H5Tset_size(mem, H5T_VARIABLE);
            H5Tset_cset(mem, H5Tget_cset(type));
            if (H5Aread(attr, mem, &value) >= 0) {
                *out = strdup(value ? value : "");
                ok = *out != NULL;
                H5free_memory(value);
            }
        } else {
            size_t size = H5Tget_size(type);
            H5Tset_size(mem, size + 1);
            H5Tset_strpad(mem, H5T_STR_NULLTERM);
            *out = calloc(size + 2, 1);
            ok = *out && H5Aread(attr, mem, *out) >= 0;
        }
        H5Tclose(mem);
    }
    if (type >= 0) H5Tclose(type);
    if (attr >= 0) H5Aclose(attr);
    if (!ok) {
        free(*out);
        *out = NULL;
        rgtg_error_set(RGTG_ERR_FORMAT, "%s: attribute %s: must be a string", path, name);
        return -1;
    }
    return 0;
}

typedef struct {
    rgtg_prefs_t *f;
    hid_t root;
    int failed;
} drop_scan_t;

static herr_t collect_drop(hid_t loc, const char *name, const H5A_info_t *info, void *data) {
    (void)loc;
    (void)info;
    drop_scan_t *scan = data;
    if (strncmp(name, "dropped_", 8) != 0) return 0;
    rgtg_prefs_info_t *in = &scan->f->info;
    int64_t count = 0;
    if (read_attr_number(scan->f->path, scan->root, name, H5T_NATIVE_INT64, &count) != 0) {
        scan->failed = 1;
        return 1;
    }
    char **reasons = realloc(in->drop_reasons, (in->drop_reason_count + 1) * sizeof *reasons);
    if (reasons) in->drop_reasons = reasons;
    int64_t *counts = realloc(in->drop_counts, (in->drop_reason_count + 1) * sizeof *counts);
    if (counts) in->drop_counts = counts;
    char *reason = strdup(name + 8);
    if (!reasons || !counts || !reason) {
        free(reason);
        rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", scan->f->path);
        scan->failed = 1;
        return 1;
    }
    in->drop_reasons[in->drop_reason_count] = reason;
    in->drop_counts[in->drop_reason_count++] = count;
    return 0;
}

static rgtg_status_t read_attributes(rgtg_prefs_t *f, hid_t root) {
    rgtg_prefs_info_t *in = &f->info;
    const char *path = f->path;
    int32_t version = 0;
    int rc = read_attr_number(path, root, "format_version", H5T_NATIVE_INT32, &version);
    if (rc < 0) return RGTG_ERR_FORMAT;
    if (rc > 0) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: attribute format_version: missing (not an rgtg "
                                      "preference file?)", path);
    if (version != RGTG_PREFS_FORMAT_VERSION)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: attribute format_version: %d is unknown (this build reads %d)",
                              path, version, RGTG_PREFS_FORMAT_VERSION);
    in->format_version = version;
    static const char *const required[] = {"vocab_size", "eos_id", "pad_id"};
    int32_t *required_out[] = {&in->vocab_size, &in->eos_id, &in->pad_id};
    for (int i = 0; i < 3; i++) {
        rc = read_attr_number(path, root, required[i], H5T_NATIVE_INT32, required_out[i]);
        if (rc < 0) return RGTG_ERR_FORMAT;
        if (rc > 0) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: attribute %s: missing", path, required[i]);
    }
    if (in->vocab_size <= 0 || in->eos_id < 0 || in->eos_id >= in->vocab_size || in->pad_id < 0 ||
        in->pad_id >= in->vocab_size)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: attributes vocab_size %d, eos_id %d, pad_id %d are inconsistent",
                              path, in->vocab_size, in->eos_id, in->pad_id);
    static const char *const strings[] = {"tokenizer_sha256", "template_name", "template_text", "source_files",
                                          "source_sha256", "options", "round_trip"};
    char **string_out[] = {&in->tokenizer_sha256, &in->template_name, &in->template_text, &in->source_files,
                           &in->source_sha256, &in->options, &in->round_trip};
    for (int i = 0; i < 7; i++)
        if (read_attr_string(path, root, strings[i], string_out[i]) < 0) return RGTG_ERR_FORMAT;
    if (read_attr_number(path, root, "seed", H5T_NATIVE_UINT64, &in->seed) < 0 ||
        read_attr_number(path, root, "rows_read", H5T_NATIVE_INT64, &in->rows_read) < 0 ||
        read_attr_number(path, root, "rows_kept", H5T_NATIVE_INT64, &in->rows_kept) < 0 ||
        read_attr_number(path, root, "ratio", H5T_NATIVE_DOUBLE, &in->ratio) < 0 ||
        read_attr_number(path, root, "expand_seed", H5T_NATIVE_UINT64, &in->expand_seed) < 0 ||
        read_attr_number(path, root, "prefix_all", H5T_NATIVE_INT, &in->prefix_all) < 0)
        return RGTG_ERR_FORMAT;
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) {
        char name[64];
        snprintf(name, sizeof name, "prefix_saturated_%s", split_names[s]);
        if (read_attr_number(path, root, name, H5T_NATIVE_INT, &in->prefix_saturated[s]) < 0) return RGTG_ERR_FORMAT;
    }
    drop_scan_t scan = {f, root, 0};
    hsize_t idx = 0;
    if (H5Aiterate2(root, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_drop, &scan) < 0 && !scan.failed)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: cannot list attributes, the file is damaged (%s)", path, rgtg_h5_detail());
    return scan.failed ? RGTG_ERR_FORMAT : RGTG_OK;
}

static rgtg_status_t validate_offsets(const char *path, int side, const int64_t *off, int64_t count,
                                      int64_t token_count) {
    if (off[0] != 0)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset /%s/offsets: first offset is %lld, not 0", path,
                              side_names[side], (long long)off[0]);
    for (int64_t i = 1; i < count; i++)
        if (off[i] < off[i - 1])
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset /%s/offsets: not monotone at index %lld (%lld < %lld)",
                                  path, side_names[side], (long long)i, (long long)off[i], (long long)off[i - 1]);
    if (off[count - 1] != token_count)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset /%s/offsets: last offset %lld does not match the %lld "
                              "tokens in /%s/tokens", path, side_names[side], (long long)off[count - 1],
                              (long long)token_count, side_names[side]);
    if (side > 0)
        for (int64_t i = 1; i < count; i++)
            if (off[i] == off[i - 1])
                return rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset /%s/offsets: response %lld is empty (it must "
                                      "hold at least EOS)", path, side_names[side], (long long)(i - 1));
    return RGTG_OK;
}

static rgtg_status_t read_prefix_index(rgtg_prefs_t *f, hid_t file) {
    const char *path = f->path;
    htri_t has = H5Lexists(file, "prefix", H5P_DEFAULT);
    if (has <= 0) return RGTG_OK;
    int64_t n_pair = 0, n_len = 0, n_split = 0;
    f->prefix_pair = read_1d(path, file, "/prefix/pair", &type_i64, H5T_NATIVE_INT64, &n_pair);
    if (!f->prefix_pair) return rgtg_error_status();
    f->prefix_len = read_1d(path, file, "/prefix/len", &type_i32, H5T_NATIVE_INT32, &n_len);
    if (!f->prefix_len) return rgtg_error_status();
    f->prefix_split = read_1d(path, file, "/prefix/split", &type_u8, H5T_NATIVE_UINT8, &n_split);
    if (!f->prefix_split) return rgtg_error_status();
    if (n_len != n_pair || n_split != n_pair)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset /prefix/len: /prefix/pair, /prefix/len and /prefix/split "
                              "have %lld, %lld and %lld elements", path, (long long)n_pair, (long long)n_len,
                              (long long)n_split);
    f->prefix_count = n_pair;
    f->info.has_prefix = 1;
    for (int64_t k = 0; k < n_pair; k++) {
        int64_t p = f->prefix_pair[k];
        if (p < 0 || p >= f->pairs)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset /prefix/pair: element %lld is pair %lld, outside "
                                  "[0, %lld)", path, (long long)k, (long long)p, (long long)f->pairs);
        int64_t max_len = rgtg_prefs_max_prefix_len(f, p);
        if (f->prefix_len[k] < 1 || f->prefix_len[k] > max_len)
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset /prefix/len: element %lld is %d, outside 1..%lld "
                                  "(max(|chosen|, |rejected|) of pair %lld)", path, (long long)k, f->prefix_len[k],
                                  (long long)max_len, (long long)p);
        if (f->prefix_split[k] != f->split[p])
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset /prefix/split: element %lld is %d but pair %lld is "
                                  "in split %d", path, (long long)k, f->prefix_split[k], (long long)p, f->split[p]);
        if (k > 0 && f->prefix_split[k] < f->prefix_split[k - 1])
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset /prefix/split: not sorted by split at element %lld",
                                  path, (long long)k);
        f->prefix_split_count[f->prefix_split[k]]++;
    }
    for (int s = 1; s < RGTG_SPLIT_COUNT; s++)
        f->prefix_first[s] = f->prefix_first[s - 1] + f->prefix_split_count[s - 1];
    return RGTG_OK;
}

static rgtg_status_t open_file(const char *path, int load_tokens, rgtg_prefs_t **out) {
    *out = NULL;
    rgtg_h5_quiet();
    rgtg_prefs_t *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    rgtg_status_t status = RGTG_OK;
    hid_t file = -1;
    if (access(path, R_OK) != 0) {
        status = rgtg_error_set(RGTG_ERR_IO, "%s: cannot read the file", path);
        goto done;
    }
#if H5_VERSION_GE(1, 12, 0)
    htri_t is_hdf5 = H5Fis_accessible(path, H5P_DEFAULT);
#else
    htri_t is_hdf5 = H5Fis_hdf5(path);
#endif
    if (is_hdf5 <= 0) {
        status = rgtg_error_set(RGTG_ERR_FORMAT, "%s: not an HDF5 file (bad signature or truncated)", path);
        goto done;
    }
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        status = rgtg_error_set(RGTG_ERR_FORMAT, "%s: cannot open as HDF5: damaged, or not an HDF5 file (%s)", path, rgtg_h5_detail());
        goto done;
    }
    status = read_attributes(f, file);
    if (status != RGTG_OK) goto done;

    int64_t split_len = 0;
    f->split = read_1d(path, file, "/split", &type_u8, H5T_NATIVE_UINT8, &split_len);
    if (!f->split) {
        status = rgtg_error_status();
        goto done;
    }
    f->pairs = split_len;
    for (int s = 0; s < 3; s++) {
        char name[64];
        int64_t n_off = 0, n_tok = 0;
        snprintf(name, sizeof name, "/%s/offsets", side_names[s]);
        f->offsets[s] = read_1d(path, file, name, &type_i64, H5T_NATIVE_INT64, &n_off);
        if (!f->offsets[s]) {
            status = rgtg_error_status();
            goto done;
        }
        if (n_off != f->pairs + 1) {
            status = rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset %s: %lld elements, expected %lld (pairs in /split "
                                    "+ 1)", path, name, (long long)n_off, (long long)(f->pairs + 1));
            goto done;
        }
        snprintf(name, sizeof name, "/%s/tokens", side_names[s]);
        if (load_tokens) {
            f->tokens[s] = read_1d(path, file, name, &type_i32, H5T_NATIVE_INT32, &n_tok);
            if (!f->tokens[s]) {
                status = rgtg_error_status();
                goto done;
            }
        } else {
            hid_t ds = open_1d(path, file, name, &type_i32, &n_tok);
            if (ds < 0) {
                status = rgtg_error_status();
                goto done;
            }
            H5Dclose(ds);
        }
        status = validate_offsets(path, s, f->offsets[s], n_off, n_tok);
        if (status != RGTG_OK) goto done;
        for (int64_t i = 0; load_tokens && i < n_tok; i++)
            if (f->tokens[s][i] < 0 || f->tokens[s][i] >= f->info.vocab_size) {
                status = rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset %s: element %lld is token %d, outside the "
                                        "vocabulary [0, %d)", path, name, (long long)i, f->tokens[s][i],
                                        f->info.vocab_size);
                goto done;
            }
        for (int64_t i = 0; load_tokens && s > 0 && i < f->pairs; i++)
            if (f->tokens[s][f->offsets[s][i + 1] - 1] != f->info.eos_id) {
                status = rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset %s: response %lld does not end with EOS (%d)",
                                        path, name, (long long)i, f->info.eos_id);
                goto done;
            }
    }
    for (int64_t i = 0; i < f->pairs; i++) {
        if (f->split[i] >= RGTG_SPLIT_COUNT) {
            status = rgtg_error_set(RGTG_ERR_FORMAT, "%s: dataset /split: element %lld is %d, not 0 (train), "
                                    "1 (valid) or 2 (test)", path, (long long)i, f->split[i]);
            goto done;
        }
        f->split_count[f->split[i]]++;
    }
    for (int s = 0; s < RGTG_SPLIT_COUNT; s++) {
        f->split_pairs[s] = malloc(f->split_count[s] ? (size_t)f->split_count[s] * sizeof(int64_t) : 1);
        if (!f->split_pairs[s]) {
            status = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
            goto done;
        }
    }
    int64_t filled[RGTG_SPLIT_COUNT] = {0};
    for (int64_t i = 0; i < f->pairs; i++) f->split_pairs[f->split[i]][filled[f->split[i]]++] = i;
    status = read_prefix_index(f, file);
done:
    if (file >= 0 && H5Fclose(file) < 0 && status == RGTG_OK)
        status = rgtg_error_set(RGTG_ERR_IO, "%s: closing failed (%s)", path, rgtg_h5_detail());
    if (status != RGTG_OK) {
        rgtg_prefs_close(f);
        return status;
    }
    *out = f;
    return RGTG_OK;
}

rgtg_status_t rgtg_prefs_open(const char *path, rgtg_prefs_t **out) { return open_file(path, 1, out); }
rgtg_status_t rgtg_prefs_open_index(const char *path, rgtg_prefs_t **out) { return open_file(path, 0, out); }

const rgtg_prefs_info_t *rgtg_prefs_info(const rgtg_prefs_t *f) { return &f->info; }
int64_t rgtg_prefs_pair_count(const rgtg_prefs_t *f) { return f->pairs; }

int64_t rgtg_prefs_count(const rgtg_prefs_t *f, int split) {
    return split >= 0 && split < RGTG_SPLIT_COUNT ? f->split_count[split] : 0;
}

const int64_t *rgtg_prefs_split_pairs(const rgtg_prefs_t *f, int split, int64_t *count) {
    if (split < 0 || split >= RGTG_SPLIT_COUNT) {
        *count = 0;
        return NULL;
    }
    *count = f->split_count[split];
    return f->split_pairs[split];
}

rgtg_status_t rgtg_prefs_get(const rgtg_prefs_t *f, int64_t i, rgtg_pref_pair_t *pair) {
    if (i < 0 || i >= f->pairs)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: pair %lld is outside [0, %lld)", f->path, (long long)i,
                              (long long)f->pairs);
    rgtg_token_span_t *spans[3] = {&pair->prompt, &pair->chosen, &pair->rejected};
    for (int s = 0; s < 3; s++) {
        spans[s]->ids = f->tokens[s] ? f->tokens[s] + f->offsets[s][i] : NULL;
        spans[s]->len = f->offsets[s][i + 1] - f->offsets[s][i];
    }
    pair->split = f->split[i];
    return RGTG_OK;
}

int64_t rgtg_prefs_max_prefix_len(const rgtg_prefs_t *f, int64_t i) {
    if (i < 0 || i >= f->pairs) return -1;
    int64_t c = f->offsets[1][i + 1] - f->offsets[1][i], r = f->offsets[2][i + 1] - f->offsets[2][i];
    return c > r ? c : r;
}

void rgtg_prefs_prefixes(const rgtg_prefs_t *f, int split, const int64_t **pairs, const int32_t **lens,
                         int64_t *count) {
    if (split < 0 || split >= RGTG_SPLIT_COUNT || !f->info.has_prefix) {
        *pairs = NULL;
        *lens = NULL;
        *count = 0;
        return;
    }
    *pairs = f->prefix_pair + f->prefix_first[split];
    *lens = f->prefix_len + f->prefix_first[split];
    *count = f->prefix_split_count[split];
}
