/* core/safetensors.c: the validating safetensors reader (mmap), the atomic writer, and sharded
 * checkpoint directories (see safetensors.h for the format and the rules). */
#define _POSIX_C_SOURCE 200809L
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "fsutil.h"
#include "json_file.h"

struct rgtg_st_file {
    char *path;
    void *map;
    size_t map_size;
    size_t count;
    rgtg_st_tensor_t *tensors; /* file order; names owned */
    size_t *by_name;           /* indices into tensors, sorted by name */
    size_t meta_count;
    char **meta_keys;          /* sorted by key */
    char **meta_values;
};

struct rgtg_weights {
    size_t shard_count;
    rgtg_st_file_t **shards;
    size_t count;
    const rgtg_st_tensor_t **tensors; /* iteration order */
    const rgtg_st_tensor_t **by_name; /* sorted by name */
};

/* ---- dtypes ---- */

static const struct {
    tt_dtype_t dtype;
    const char *name;
    size_t size;
} dtype_table[] = {
    {TT_F32, "F32", 4}, {TT_F16, "F16", 2}, {TT_BF16, "BF16", 2}, {TT_I64, "I64", 8},
    {TT_I32, "I32", 4}, {TT_U8, "U8", 1},   {TT_BOOL, "BOOL", 1}, {TT_F64, "F64", 8},
};
#define DTYPE_COUNT (sizeof dtype_table / sizeof dtype_table[0])

const char *rgtg_st_dtype_name(tt_dtype_t dtype) {
    for (size_t i = 0; i < DTYPE_COUNT; i++)
        if (dtype_table[i].dtype == dtype) return dtype_table[i].name;
    return NULL;
}

bool rgtg_st_dtype_parse(const char *name, tt_dtype_t *dtype_out) {
    for (size_t i = 0; i < DTYPE_COUNT; i++)
        if (strcmp(dtype_table[i].name, name) == 0) {
            *dtype_out = dtype_table[i].dtype;
            return true;
        }
    return false;
}

size_t rgtg_st_dtype_size(tt_dtype_t dtype) {
    for (size_t i = 0; i < DTYPE_COUNT; i++)
        if (dtype_table[i].dtype == dtype) return dtype_table[i].size;
    return 0;
}

/* ---- errors ---- */

/* Records "PATH: reason" with control characters in the reason (which may quote file bytes) replaced,
 * so that the message stays one line. */
static rgtg_status_t st_fail(rgtg_status_t status, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rgtg_status_t st_fail(rgtg_status_t status, const char *path, const char *fmt, ...) {
    char reason[768];
    va_list args;
    va_start(args, fmt);
    vsnprintf(reason, sizeof reason, fmt, args);
    va_end(args);
    for (char *p = reason; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return rgtg_error_set(status, "%s: %s", path, reason);
}

/* A tensor name shortened for messages. */
static const char *short_name(const char *name, char buf[96]) {
    size_t n = strlen(name);
    if (n < 90) return name;
    memcpy(buf, name, 80);
    memcpy(buf + 80, "...", 4);
    return buf;
}

/* ---- reader ---- */

typedef struct {
    rgtg_st_tensor_t tensor;
    uint64_t begin, end;
} parsed_entry_t;

static int compare_by_offsets(const void *a, const void *b) {
    const parsed_entry_t *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

/* qsort context for the name index: qsort has no user pointer, so sort pointers to tensors. */
static int compare_tensor_ptr_names(const void *a, const void *b) {
    const rgtg_st_tensor_t *x = *(const rgtg_st_tensor_t *const *)a;
    const rgtg_st_tensor_t *y = *(const rgtg_st_tensor_t *const *)b;
    return strcmp(x->name, y->name);
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool json_is_nonneg_integer(const json_t *v) {
    return json_is_integer(v) && json_integer_value(v) >= 0;
}

/* Parses and checks one header entry; on success fills *out (name borrowed from the JSON). */
static rgtg_status_t parse_entry(const char *path, const char *name, json_t *entry, uint64_t buffer_size,
                                 parsed_entry_t *out) {
    char nbuf[96];
    const char *sn = short_name(name, nbuf);
    if (!json_is_object(entry)) return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': entry is not an object", sn);
    json_t *dtype = json_object_get(entry, "dtype");
    json_t *shape = json_object_get(entry, "shape");
    json_t *offsets = json_object_get(entry, "data_offsets");
    if (!dtype) return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': missing 'dtype'", sn);
    if (!shape) return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': missing 'shape'", sn);
    if (!offsets) return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': missing 'data_offsets'", sn);
    if (!json_is_string(dtype)) return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': 'dtype' is not a string", sn);
    memset(out, 0, sizeof *out);
    if (!rgtg_st_dtype_parse(json_string_value(dtype), &out->tensor.dtype)) {
        char dbuf[96];
        return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': unknown dtype '%s'", sn,
                       short_name(json_string_value(dtype), dbuf));
    }
    if (!json_is_array(shape)) return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': 'shape' is not an array", sn);
    size_t ndim = json_array_size(shape);
    if (ndim > TT_MAX_DIMS)
        return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': %zu dimensions exceed the limit of %d", sn, ndim,
                       TT_MAX_DIMS);
    uint64_t numel = 1;
    bool overflow = false;
    for (size_t d = 0; d < ndim; d++) {
        json_t *dim = json_array_get(shape, d);
        if (!json_is_integer(dim))
            return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': shape dimension %zu is not an integer", sn, d);
        json_int_t value = json_integer_value(dim);
        if (value < 0)
            return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': shape dimension %zu is negative (%lld)", sn, d,
                           (long long)value);
        out->tensor.shape[d] = (int64_t)value;
        if (__builtin_mul_overflow(numel, (uint64_t)value, &numel)) overflow = true;
    }
    out->tensor.ndim = (int)ndim;
    uint64_t nbytes = 0;
    if (overflow || __builtin_mul_overflow(numel, (uint64_t)rgtg_st_dtype_size(out->tensor.dtype), &nbytes) ||
        nbytes > (uint64_t)SIZE_MAX)
        return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': shape product overflows", sn);
    if (!json_is_array(offsets) || json_array_size(offsets) != 2 ||
        !json_is_nonneg_integer(json_array_get(offsets, 0)) || !json_is_nonneg_integer(json_array_get(offsets, 1)))
        return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': 'data_offsets' must be [begin, end] of non-negative integers",
                       sn);
    uint64_t begin = (uint64_t)json_integer_value(json_array_get(offsets, 0));
    uint64_t end = (uint64_t)json_integer_value(json_array_get(offsets, 1));
    if (begin > end)
        return st_fail(RGTG_ERR_FORMAT, path, "tensor '%s': data_offsets [%llu, %llu] end before they begin", sn,
                       (unsigned long long)begin, (unsigned long long)end);
    if (end - begin != nbytes)
        return st_fail(RGTG_ERR_FORMAT, path,
                       "tensor '%s': data_offsets span %llu bytes but dtype %s and its shape need %llu", sn,
                       (unsigned long long)(end - begin), json_string_value(dtype), (unsigned long long)nbytes);
    if (end > buffer_size)
        return st_fail(RGTG_ERR_FORMAT, path,
                       "tensor '%s': data_offsets [%llu, %llu] run past the end of the data buffer (%llu bytes)", sn,
                       (unsigned long long)begin, (unsigned long long)end, (unsigned long long)buffer_size);
    out->tensor.name = name;
    out->tensor.nbytes = (size_t)nbytes;
    out->begin = begin;
    out->end = end;
    return RGTG_OK;
}

static rgtg_status_t parse_metadata(const char *path, json_t *meta, rgtg_st_file_t *file) {
    if (!json_is_object(meta)) return st_fail(RGTG_ERR_FORMAT, path, "'__metadata__' is not an object");
    size_t n = json_object_size(meta);
    file->meta_keys = calloc(n ? n : 1, sizeof(char *));
    file->meta_values = calloc(n ? n : 1, sizeof(char *));
    if (!file->meta_keys || !file->meta_values) return st_fail(RGTG_ERR_NOMEM, path, "out of memory");
    const char *key;
    json_t *value;
    size_t i = 0;
    json_object_foreach(meta, key, value) {
        char kbuf[96];
        if (!json_is_string(value))
            return st_fail(RGTG_ERR_FORMAT, path, "'__metadata__' value for '%s' is not a string",
                           short_name(key, kbuf));
        file->meta_keys[i] = strdup(key);
        file->meta_values[i] = strdup(json_string_value(value));
        file->meta_count = ++i; /* counted at once, so close() frees what was copied */
        if (!file->meta_keys[i - 1] || !file->meta_values[i - 1]) return st_fail(RGTG_ERR_NOMEM, path, "out of memory");
    }
    /* Sort key/value pairs together by key (small n: insertion sort). */
    for (size_t a = 1; a < file->meta_count; a++)
        for (size_t b = a; b > 0 && strcmp(file->meta_keys[b - 1], file->meta_keys[b]) > 0; b--) {
            char *k = file->meta_keys[b - 1], *v = file->meta_values[b - 1];
            file->meta_keys[b - 1] = file->meta_keys[b];
            file->meta_values[b - 1] = file->meta_values[b];
            file->meta_keys[b] = k;
            file->meta_values[b] = v;
        }
    return RGTG_OK;
}

/* Validates the header JSON against the buffer and fills file's tensors and metadata. */
static rgtg_status_t parse_header(rgtg_st_file_t *file, const char *header, size_t header_len,
                                  const unsigned char *buffer, uint64_t buffer_size) {
    const char *path = file->path;
    json_error_t jerr;
    json_t *root = json_loadb(header, header_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return st_fail(RGTG_ERR_FORMAT, path, "header is not valid JSON (%d:%d): %s", jerr.line, jerr.column,
                       jerr.text);
    rgtg_status_t s = RGTG_OK;
    parsed_entry_t *entries = NULL;
    if (!json_is_object(root)) {
        s = st_fail(RGTG_ERR_FORMAT, path, "header is not a JSON object");
        goto done;
    }
    size_t n = json_object_size(root);
    json_t *meta = json_object_get(root, "__metadata__");
    if (meta) {
        s = parse_metadata(path, meta, file);
        if (s != RGTG_OK) goto done;
        n--;
    }
    entries = calloc(n ? n : 1, sizeof *entries);
    if (!entries) {
        s = st_fail(RGTG_ERR_NOMEM, path, "out of memory");
        goto done;
    }
    size_t count = 0;
    const char *name;
    json_t *entry;
    json_object_foreach(root, name, entry) {
        if (strcmp(name, "__metadata__") == 0) continue;
        s = parse_entry(path, name, entry, buffer_size, &entries[count]);
        if (s != RGTG_OK) goto done;
        count++;
    }
    /* The tensors must tile the buffer: sorted by offsets, each begins where the previous ended. */
    qsort(entries, count, sizeof *entries, compare_by_offsets);
    uint64_t expected = 0;
    const char *previous = NULL;
    for (size_t i = 0; i < count; i++) {
        char abuf[96], bbuf[96];
        if (entries[i].begin < expected) {
            s = st_fail(RGTG_ERR_FORMAT, path, "tensors '%s' and '%s' overlap in the data buffer (at byte %llu)",
                        short_name(previous, abuf), short_name(entries[i].tensor.name, bbuf),
                        (unsigned long long)entries[i].begin);
            goto done;
        }
        if (entries[i].begin > expected) {
            s = st_fail(RGTG_ERR_FORMAT, path,
                        "hole of %llu bytes in the data buffer before tensor '%s' (bytes %llu..%llu are unused)",
                        (unsigned long long)(entries[i].begin - expected), short_name(entries[i].tensor.name, bbuf),
                        (unsigned long long)expected, (unsigned long long)entries[i].begin);
            goto done;
        }
        if (entries[i].end > entries[i].begin) previous = entries[i].tensor.name;
        expected = entries[i].end;
    }
    if (expected != buffer_size) {
        s = st_fail(RGTG_ERR_FORMAT, path, "%llu bytes after the last tensor are not covered by any tensor",
                    (unsigned long long)(buffer_size - expected));
        goto done;
    }
    file->tensors = calloc(count ? count : 1, sizeof *file->tensors);
    file->by_name = calloc(count ? count : 1, sizeof *file->by_name);
    if (!file->tensors || !file->by_name) {
        s = st_fail(RGTG_ERR_NOMEM, path, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        rgtg_st_tensor_t t = entries[i].tensor;
        t.name = strdup(entries[i].tensor.name);
        if (!t.name) {
            s = st_fail(RGTG_ERR_NOMEM, path, "out of memory");
            goto done;
        }
        t.data = buffer + entries[i].begin;
        file->tensors[i] = t;
        file->count = i + 1;
    }
    /* Name index: sort pointers, then turn them into indices. */
    const rgtg_st_tensor_t **sorted = malloc((count ? count : 1) * sizeof *sorted);
    if (!sorted) {
        s = st_fail(RGTG_ERR_NOMEM, path, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; i++) sorted[i] = &file->tensors[i];
    qsort(sorted, count, sizeof *sorted, compare_tensor_ptr_names);
    for (size_t i = 0; i < count; i++) file->by_name[i] = (size_t)(sorted[i] - file->tensors);
    free(sorted);
done:
    free(entries);
    json_decref(root);
    return s;
}

rgtg_status_t rgtg_st_open(const char *path, rgtg_st_file_t **file_out) {
    *file_out = NULL;
    rgtg_st_file_t *file = calloc(1, sizeof *file);
    if (!file || !(file->path = strdup(path))) {
        free(file);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    rgtg_status_t s = RGTG_OK;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        s = rgtg_error_set(RGTG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        s = rgtg_error_set(RGTG_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        s = rgtg_error_set(RGTG_ERR_IO, "%s: not a regular file", path);
        close(fd);
        goto fail;
    }
    uint64_t file_size = (uint64_t)st.st_size;
    if (file_size < 8) {
        s = st_fail(RGTG_ERR_FORMAT, path, "file is %llu bytes, shorter than the 8-byte header length",
                    (unsigned long long)file_size);
        close(fd);
        goto fail;
    }
    if (file_size > (uint64_t)SIZE_MAX) {
        s = st_fail(RGTG_ERR_FORMAT, path, "file too large to map");
        close(fd);
        goto fail;
    }
    void *map = mmap(NULL, (size_t)file_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        s = rgtg_error_set(RGTG_ERR_IO, "%s: cannot mmap: %s", path, strerror(errno));
        goto fail;
    }
    file->map = map;
    file->map_size = (size_t)file_size;
    const unsigned char *bytes = map;
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; i--) header_len = (header_len << 8) | bytes[i];
    if (header_len == 0) {
        s = st_fail(RGTG_ERR_FORMAT, path, "header length is 0");
        goto fail;
    }
    if (header_len > RGTG_ST_MAX_HEADER_BYTES) {
        s = st_fail(RGTG_ERR_FORMAT, path, "header length %llu exceeds the limit of %llu bytes",
                    (unsigned long long)header_len, RGTG_ST_MAX_HEADER_BYTES);
        goto fail;
    }
    if (header_len > file_size - 8) {
        s = st_fail(RGTG_ERR_FORMAT, path, "header length %llu runs past the end of the file (%llu bytes)",
                    (unsigned long long)header_len, (unsigned long long)file_size);
        goto fail;
    }
    s = parse_header(file, (const char *)bytes + 8, (size_t)header_len, bytes + 8 + header_len,
                     file_size - 8 - header_len);
    if (s != RGTG_OK) goto fail;
    *file_out = file;
    return RGTG_OK;
fail:
    rgtg_st_close(file);
    return s;
}

void rgtg_st_close(rgtg_st_file_t *file) {
    if (!file) return;
    for (size_t i = 0; i < file->count; i++) free((char *)file->tensors[i].name);
    free(file->tensors);
    free(file->by_name);
    for (size_t i = 0; i < file->meta_count; i++) {
        free(file->meta_keys[i]);
        free(file->meta_values[i]);
    }
    free(file->meta_keys);
    free(file->meta_values);
    if (file->map) munmap(file->map, file->map_size);
    free(file->path);
    free(file);
}

const char *rgtg_st_path(const rgtg_st_file_t *file) { return file->path; }
size_t rgtg_st_count(const rgtg_st_file_t *file) { return file->count; }

const rgtg_st_tensor_t *rgtg_st_at(const rgtg_st_file_t *file, size_t index) {
    return index < file->count ? &file->tensors[index] : NULL;
}

const rgtg_st_tensor_t *rgtg_st_find(const rgtg_st_file_t *file, const char *name) {
    size_t lo = 0, hi = file->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const rgtg_st_tensor_t *t = &file->tensors[file->by_name[mid]];
        int c = strcmp(name, t->name);
        if (c == 0) return t;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}

const char *rgtg_st_metadata(const rgtg_st_file_t *file, const char *key) {
    for (size_t i = 0; i < file->meta_count; i++)
        if (strcmp(file->meta_keys[i], key) == 0) return file->meta_values[i];
    return NULL;
}

size_t rgtg_st_metadata_count(const rgtg_st_file_t *file) { return file->meta_count; }

bool rgtg_st_metadata_at(const rgtg_st_file_t *file, size_t index, const char **key_out, const char **value_out) {
    if (index >= file->meta_count) return false;
    if (key_out) *key_out = file->meta_keys[index];
    if (value_out) *value_out = file->meta_values[index];
    return true;
}

/* ---- writer ---- */

/* Checks one tensor given to a writer. */
static rgtg_status_t check_tensor_for_write(const char *path, const rgtg_st_tensor_t *t, size_t index) {
    if (!t->name || !t->name[0])
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: tensor %zu has an empty name", path, index);
    char nbuf[96];
    const char *sn = short_name(t->name, nbuf);
    if (strcmp(t->name, "__metadata__") == 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: '__metadata__' is reserved and cannot name a tensor", path);
    size_t elem = rgtg_st_dtype_size(t->dtype);
    if (elem == 0) return rgtg_error_set(RGTG_ERR_INVALID, "%s: tensor '%s': unknown dtype code %d", path, sn, (int)t->dtype);
    if (t->ndim < 0 || t->ndim > TT_MAX_DIMS)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: tensor '%s': ndim %d is outside [0, %d]", path, sn, t->ndim,
                              TT_MAX_DIMS);
    uint64_t numel = 1;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] < 0)
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: tensor '%s': shape dimension %d is negative", path, sn, d);
        if (__builtin_mul_overflow(numel, (uint64_t)t->shape[d], &numel))
            return rgtg_error_set(RGTG_ERR_INVALID, "%s: tensor '%s': shape product overflows", path, sn);
    }
    uint64_t nbytes;
    if (__builtin_mul_overflow(numel, (uint64_t)elem, &nbytes) || nbytes != (uint64_t)t->nbytes)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: tensor '%s': nbytes %zu does not match dtype %s and its shape",
                              path, sn, t->nbytes, rgtg_st_dtype_name(t->dtype));
    if (t->nbytes > 0 && !t->data)
        return rgtg_error_set(RGTG_ERR_INVALID, "%s: tensor '%s': data is NULL", path, sn);
    return RGTG_OK;
}

/* Builds the header JSON text (unpadded) into *text_out. */
static rgtg_status_t build_header(const char *path, const rgtg_st_tensor_t *tensors, size_t n,
                                  const char *const *metadata_kv, char **text_out) {
    *text_out = NULL;
    rgtg_status_t s = RGTG_OK;
    json_t *root = json_object();
    if (!root) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    if (metadata_kv && metadata_kv[0]) {
        json_t *meta = json_object();
        if (!meta || json_object_set_new(root, "__metadata__", meta) != 0) goto nomem;
        for (size_t i = 0; metadata_kv[i]; i += 2) {
            if (!metadata_kv[i + 1]) {
                s = rgtg_error_set(RGTG_ERR_INVALID, "%s: metadata key '%s' has no value", path, metadata_kv[i]);
                goto fail;
            }
            json_t *value = json_string(metadata_kv[i + 1]);
            if (!value || json_object_set_new(meta, metadata_kv[i], value) != 0) {
                s = rgtg_error_set(RGTG_ERR_INVALID, "%s: metadata '%s' is not valid UTF-8", path, metadata_kv[i]);
                goto fail;
            }
        }
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        const rgtg_st_tensor_t *t = &tensors[i];
        s = check_tensor_for_write(path, t, i);
        if (s != RGTG_OK) goto fail;
        char nbuf[96];
        if (json_object_get(root, t->name)) {
            s = rgtg_error_set(RGTG_ERR_INVALID, "%s: duplicate tensor name '%s'", path, short_name(t->name, nbuf));
            goto fail;
        }
        json_t *shape = json_array();
        json_t *entry = json_object();
        json_t *offsets = json_array();
        if (!shape || !entry || !offsets) {
            json_decref(shape);
            json_decref(entry);
            json_decref(offsets);
            goto nomem;
        }
        for (int d = 0; d < t->ndim; d++) json_array_append_new(shape, json_integer(t->shape[d]));
        json_array_append_new(offsets, json_integer((json_int_t)offset));
        json_array_append_new(offsets, json_integer((json_int_t)(offset + t->nbytes)));
        offset += t->nbytes;
        json_object_set_new(entry, "dtype", json_string(rgtg_st_dtype_name(t->dtype)));
        json_object_set_new(entry, "shape", shape);
        json_object_set_new(entry, "data_offsets", offsets);
        if (json_object_set_new(root, t->name, entry) != 0) {
            s = rgtg_error_set(RGTG_ERR_INVALID, "%s: tensor name '%s' is not valid UTF-8", path, short_name(t->name, nbuf));
            goto fail;
        }
    }
    *text_out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return *text_out ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
nomem:
    s = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
fail:
    json_decref(root);
    return s;
}

rgtg_status_t rgtg_st_write(const char *path, const rgtg_st_tensor_t *tensors, size_t n,
                            const char *const *metadata_kv) {
    char *header = NULL;
    rgtg_status_t s = build_header(path, tensors, n, metadata_kv, &header);
    if (s != RGTG_OK) return s;
    size_t header_len = strlen(header);
    size_t padded = (header_len + 7) / 8 * 8;
    unsigned char len_bytes[8];
    for (int i = 0; i < 8; i++) len_bytes[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    rgtg_atomic_file_t out;
    s = rgtg_atomic_begin(&out, path);
    if (s != RGTG_OK) {
        free(header);
        return s;
    }
    static const char spaces[8] = "        ";
    bool ok = fwrite(len_bytes, 1, 8, out.fp) == 8 && fwrite(header, 1, header_len, out.fp) == header_len &&
              fwrite(spaces, 1, padded - header_len, out.fp) == padded - header_len;
    for (size_t i = 0; ok && i < n; i++)
        if (tensors[i].nbytes > 0) ok = fwrite(tensors[i].data, 1, tensors[i].nbytes, out.fp) == tensors[i].nbytes;
    free(header);
    if (!ok) {
        s = rgtg_error_set(RGTG_ERR_IO, "%s: write failed: %s", out.tmp_path, strerror(errno));
        rgtg_atomic_abort(&out);
        return s;
    }
    return rgtg_atomic_commit(&out);
}

/* ---- checkpoint directories ---- */

static rgtg_status_t build_weights_index(rgtg_weights_t *w, const char *where) {
    w->by_name = malloc((w->count ? w->count : 1) * sizeof *w->by_name);
    if (!w->by_name) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", where);
    memcpy(w->by_name, w->tensors, w->count * sizeof *w->by_name);
    qsort(w->by_name, w->count, sizeof *w->by_name, compare_tensor_ptr_names);
    return RGTG_OK;
}

static rgtg_status_t open_single(const char *dir, rgtg_weights_t *w) {
    char *path = rgtg_path_join(dir, RGTG_ST_SINGLE_FILE);
    if (!path) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    if (!rgtg_path_exists(path)) {
        free(path);
        return rgtg_error_set(RGTG_ERR_IO, "%s: no %s or %s in this checkpoint directory", dir, RGTG_ST_SINGLE_FILE,
                              RGTG_ST_INDEX_FILE);
    }
    w->shards = calloc(1, sizeof *w->shards);
    if (!w->shards) {
        free(path);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    }
    rgtg_status_t s = rgtg_st_open(path, &w->shards[0]);
    free(path);
    if (s != RGTG_OK) return s;
    w->shard_count = 1;
    w->count = rgtg_st_count(w->shards[0]);
    w->tensors = malloc((w->count ? w->count : 1) * sizeof *w->tensors);
    if (!w->tensors) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    for (size_t i = 0; i < w->count; i++) w->tensors[i] = rgtg_st_at(w->shards[0], i);
    return build_weights_index(w, dir);
}

static bool is_plain_file_name(const char *name) {
    return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static rgtg_status_t open_sharded(const char *dir, const char *index_path, rgtg_weights_t *w) {
    json_t *root = NULL;
    rgtg_status_t s = rgtg_json_read_file(index_path, &root);
    if (s != RGTG_OK) return s;
    const char **shard_names = NULL;
    json_t *map = json_is_object(root) ? json_object_get(root, "weight_map") : NULL;
    if (!json_is_object(map)) {
        s = st_fail(RGTG_ERR_FORMAT, index_path, "missing object 'weight_map'");
        goto done;
    }
    size_t entries = json_object_size(map);
    shard_names = malloc((entries ? entries : 1) * sizeof *shard_names);
    if (!shard_names) {
        s = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", index_path);
        goto done;
    }
    const char *name;
    json_t *value;
    size_t k = 0;
    json_object_foreach(map, name, value) {
        char nbuf[96];
        if (!json_is_string(value) || !is_plain_file_name(json_string_value(value))) {
            s = st_fail(RGTG_ERR_FORMAT, index_path, "weight_map entry for '%s' is not a file name in the directory",
                        short_name(name, nbuf));
            goto done;
        }
        shard_names[k++] = json_string_value(value);
    }
    qsort(shard_names, k, sizeof *shard_names, compare_strings);
    size_t unique = 0;
    for (size_t i = 0; i < k; i++)
        if (unique == 0 || strcmp(shard_names[unique - 1], shard_names[i]) != 0) shard_names[unique++] = shard_names[i];
    w->shards = calloc(unique ? unique : 1, sizeof *w->shards);
    if (!w->shards) {
        s = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", index_path);
        goto done;
    }
    for (size_t i = 0; i < unique; i++) {
        char *shard_path = rgtg_path_join(dir, shard_names[i]);
        if (!shard_path) {
            s = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", index_path);
            goto done;
        }
        if (!rgtg_path_exists(shard_path)) {
            s = st_fail(RGTG_ERR_IO, index_path, "weight_map names shard '%s', which does not exist (%s)",
                        shard_names[i], shard_path);
            free(shard_path);
            goto done;
        }
        s = rgtg_st_open(shard_path, &w->shards[i]);
        free(shard_path);
        if (s != RGTG_OK) goto done;
        w->shard_count = i + 1;
    }
    /* Every listed tensor must be in the shard the map names. */
    json_object_foreach(map, name, value) {
        const char *shard = json_string_value(value);
        const char **slot = bsearch(&shard, shard_names, unique, sizeof *shard_names, compare_strings);
        char nbuf[96];
        if (!rgtg_st_find(w->shards[slot - shard_names], name)) {
            s = st_fail(RGTG_ERR_FORMAT, index_path, "tensor '%s' is listed in weight_map under '%s' but absent from that shard",
                        short_name(name, nbuf), shard);
            goto done;
        }
    }
    w->tensors = malloc((entries ? entries : 1) * sizeof *w->tensors);
    if (!w->tensors) {
        s = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", index_path);
        goto done;
    }
    for (size_t i = 0; i < unique; i++)
        for (size_t j = 0; j < rgtg_st_count(w->shards[i]); j++) {
            const rgtg_st_tensor_t *t = rgtg_st_at(w->shards[i], j);
            json_t *listed = json_object_get(map, t->name);
            if (listed && strcmp(json_string_value(listed), shard_names[i]) == 0) w->tensors[w->count++] = t;
        }
    s = build_weights_index(w, index_path);
done:
    free(shard_names);
    json_decref(root);
    return s;
}

rgtg_status_t rgtg_weights_open(const char *dir, rgtg_weights_t **weights_out) {
    *weights_out = NULL;
    rgtg_weights_t *w = calloc(1, sizeof *w);
    char *index_path = rgtg_path_join(dir, RGTG_ST_INDEX_FILE);
    if (!w || !index_path) {
        free(w);
        free(index_path);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    }
    rgtg_status_t s = rgtg_path_exists(index_path) ? open_sharded(dir, index_path, w) : open_single(dir, w);
    free(index_path);
    if (s != RGTG_OK) {
        rgtg_weights_close(w);
        return s;
    }
    *weights_out = w;
    return RGTG_OK;
}

void rgtg_weights_close(rgtg_weights_t *weights) {
    if (!weights) return;
    for (size_t i = 0; i < weights->shard_count; i++) rgtg_st_close(weights->shards[i]);
    free(weights->shards);
    free(weights->tensors);
    free(weights->by_name);
    free(weights);
}

size_t rgtg_weights_count(const rgtg_weights_t *weights) { return weights->count; }

const rgtg_st_tensor_t *rgtg_weights_at(const rgtg_weights_t *weights, size_t index) {
    return index < weights->count ? weights->tensors[index] : NULL;
}

const rgtg_st_tensor_t *rgtg_weights_find(const rgtg_weights_t *weights, const char *name) {
    size_t lo = 0, hi = weights->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, weights->by_name[mid]->name);
        if (c == 0) return weights->by_name[mid];
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}

/* Removes dir/name if it exists (a stale file from an earlier write of the other layout). */
static rgtg_status_t remove_stale(const char *dir, const char *name) {
    char *path = rgtg_path_join(dir, name);
    if (!path) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    rgtg_status_t s = RGTG_OK;
    if (unlink(path) != 0 && errno != ENOENT)
        s = rgtg_error_set(RGTG_ERR_IO, "%s: cannot remove stale file: %s", path, strerror(errno));
    free(path);
    return s;
}

rgtg_status_t rgtg_weights_write(const char *dir, const rgtg_st_tensor_t *tensors, size_t n,
                                 size_t max_shard_bytes) {
    static const char *const metadata[] = {"format", "pt", NULL};
    /* Check everything before any file is written, duplicates across shards included. */
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        rgtg_status_t s = check_tensor_for_write(dir, &tensors[i], i);
        if (s != RGTG_OK) return s;
        total += tensors[i].nbytes;
    }
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    for (size_t i = 0; i < n; i++) names[i] = tensors[i].name;
    qsort(names, n, sizeof *names, compare_strings);
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) == 0) {
            char nbuf[96];
            rgtg_status_t s =
                rgtg_error_set(RGTG_ERR_INVALID, "%s: duplicate tensor name '%s'", dir, short_name(names[i], nbuf));
            free(names);
            return s;
        }
    free(names);
    rgtg_status_t s = rgtg_mkdirs(dir);
    if (s != RGTG_OK) return s;

    if (max_shard_bytes == 0 || total <= max_shard_bytes) {
        char *path = rgtg_path_join(dir, RGTG_ST_SINGLE_FILE);
        if (!path) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
        s = rgtg_st_write(path, tensors, n, metadata);
        free(path);
        return s == RGTG_OK ? remove_stale(dir, RGTG_ST_INDEX_FILE) : s;
    }

    /* Greedy shards: shard_start[k] is the first tensor of shard k. */
    size_t *shard_start = malloc((n + 1) * sizeof *shard_start);
    if (!shard_start) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    size_t shards = 0, filled = 0;
    for (size_t i = 0; i < n; i++) {
        if (shards == 0 || (filled > 0 && filled + tensors[i].nbytes > max_shard_bytes)) {
            shard_start[shards++] = i;
            filled = 0;
        }
        filled += tensors[i].nbytes;
    }
    shard_start[shards] = n;

    json_t *index = json_object(), *meta = json_object(), *map = json_object();
    if (!index || !meta || !map) {
        json_decref(index);
        json_decref(meta);
        json_decref(map);
        free(shard_start);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    }
    json_object_set_new(meta, "total_size", json_integer((json_int_t)total));
    json_object_set_new(index, "metadata", meta);
    json_object_set_new(index, "weight_map", map);
    for (size_t k = 0; k < shards && s == RGTG_OK; k++) {
        char shard_name[64];
        snprintf(shard_name, sizeof shard_name, "model-%05zu-of-%05zu.safetensors", k + 1, shards);
        char *path = rgtg_path_join(dir, shard_name);
        if (!path) {
            s = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
        s = rgtg_st_write(path, tensors + shard_start[k], shard_start[k + 1] - shard_start[k], metadata);
        free(path);
        for (size_t i = shard_start[k]; s == RGTG_OK && i < shard_start[k + 1]; i++)
            if (json_object_set_new(map, tensors[i].name, json_string(shard_name)) != 0)
                s = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    }
    free(shard_start);
    char *text = NULL;
    if (s == RGTG_OK) {
        text = json_dumps(index, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!text) s = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
    }
    json_decref(index);
    if (s == RGTG_OK) {
        size_t len = strlen(text);
        char *with_newline = realloc(text, len + 2);
        if (!with_newline) {
            free(text);
            return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
        }
        text = with_newline;
        text[len] = '\n';
        text[len + 1] = '\0';
        char *index_path = rgtg_path_join(dir, RGTG_ST_INDEX_FILE);
        s = index_path ? rgtg_write_file_atomic(index_path, text, len + 1)
                       : rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", dir);
        free(index_path);
    }
    free(text);
    return s == RGTG_OK ? remove_stale(dir, RGTG_ST_SINGLE_FILE) : s;
}
