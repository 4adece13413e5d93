/* core/safetensors.h: the safetensors file format (Hugging Face): a validating, memory-mapped reader,
 * an atomic writer, and checkpoint directories of one file or of shards with
 * model.safetensors.index.json.
 *
 * Layout: an 8-byte little-endian u64 N, N bytes of JSON header
 * {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the data
 * buffer (offsets relative to its start). The reader checks every length, dtype, shape and offset
 * against the file before any tensor is exposed; the tensors must tile the buffer exactly (no overlap,
 * no hole, no trailing bytes), as the reference implementation requires.
 *
 * Tensor data points into a read-only mapping: it lives until the file (or weights) is closed, and it
 * is not necessarily aligned to the element size (copy it, e.g. with tt_from_host, rather than cast). */
#ifndef RGTG_CORE_SAFETENSORS_H
#define RGTG_CORE_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "torch/tt.h"

/* One tensor: as read (data in the mapping) or as given to a writer (data in caller memory). */
typedef struct {
    const char *name;
    tt_dtype_t dtype;
    int ndim;                     /* 0 for a scalar */
    int64_t shape[TT_MAX_DIMS];
    const void *data;             /* row-major, little-endian; may be NULL when nbytes is 0 */
    size_t nbytes;                /* product(shape) * element size */
} rgtg_st_tensor_t;

typedef struct rgtg_st_file rgtg_st_file_t;

/* Header JSON larger than this is refused (the reference uses the same 100 MB bound). */
#define RGTG_ST_MAX_HEADER_BYTES 100000000ull

/* "F32", "F16", "BF16", "I64", "I32", "U8", "BOOL", "F64"; NULL for an unknown code. */
const char *rgtg_st_dtype_name(tt_dtype_t dtype);
/* Parses a dtype name as above; false when unknown. */
bool rgtg_st_dtype_parse(const char *name, tt_dtype_t *dtype_out);
/* Bytes per element (without libtorch); 0 for an unknown code. */
size_t rgtg_st_dtype_size(tt_dtype_t dtype);

/* Maps and validates path. Errors: RGTG_ERR_IO (open, stat, mmap), RGTG_ERR_FORMAT (content). */
rgtg_status_t rgtg_st_open(const char *path, rgtg_st_file_t **file_out);
void rgtg_st_close(rgtg_st_file_t *file); /* NULL is ignored */
const char *rgtg_st_path(const rgtg_st_file_t *file);
/* Tensors in file (data offset) order. */
size_t rgtg_st_count(const rgtg_st_file_t *file);
const rgtg_st_tensor_t *rgtg_st_at(const rgtg_st_file_t *file, size_t index); /* NULL past the end */
/* Binary search over a name-sorted index; NULL when absent. */
const rgtg_st_tensor_t *rgtg_st_find(const rgtg_st_file_t *file, const char *name);
/* A "__metadata__" value; NULL when absent. */
const char *rgtg_st_metadata(const rgtg_st_file_t *file, const char *key);
size_t rgtg_st_metadata_count(const rgtg_st_file_t *file);
/* The index-th metadata pair, sorted by key; false past the end. */
bool rgtg_st_metadata_at(const rgtg_st_file_t *file, size_t index, const char **key_out, const char **value_out);

/* Writes tensors (in the given order, contiguous) atomically. metadata_kv is NULL or
 * {key, value, key, value, ..., NULL}. The header is space-padded to a multiple of 8 bytes.
 * Refuses (RGTG_ERR_INVALID) duplicate or empty names, nbytes that disagree with dtype and shape,
 * and ndim outside [0, TT_MAX_DIMS]. */
rgtg_status_t rgtg_st_write(const char *path, const rgtg_st_tensor_t *tensors, size_t n,
                            const char *const *metadata_kv);

/* ---- checkpoint directories ---- */

#define RGTG_ST_SINGLE_FILE "model.safetensors"
#define RGTG_ST_INDEX_FILE "model.safetensors.index.json"

typedef struct rgtg_weights rgtg_weights_t;

/* Opens dir/model.safetensors.index.json and every shard its "weight_map" names (each once), or else
 * dir/model.safetensors. Every tensor the map lists must be in the shard it names; tensors a shard
 * holds but the map does not list are not exposed. Shard names must be plain file names. */
rgtg_status_t rgtg_weights_open(const char *dir, rgtg_weights_t **weights_out);
void rgtg_weights_close(rgtg_weights_t *weights); /* NULL is ignored */
/* Tensors ordered by shard file name, then by position in the shard (so a directory written by
 * rgtg_weights_write iterates in the order it was written). */
size_t rgtg_weights_count(const rgtg_weights_t *weights);
const rgtg_st_tensor_t *rgtg_weights_at(const rgtg_weights_t *weights, size_t index);
const rgtg_st_tensor_t *rgtg_weights_find(const rgtg_weights_t *weights, const char *name);

/* Writes tensors into dir (created if needed), each file atomically, with metadata {"format": "pt"}
 * (transformers expects it). All in one shard when the total fits in max_shard_bytes (0: no limit):
 * model.safetensors, and a stale index from an earlier sharded write is removed. Otherwise shards
 * filled greedily in the given order (a tensor larger than the limit gets a shard of its own),
 * model-00001-of-0000N.safetensors ..., then model.safetensors.index.json
 * {"metadata": {"total_size": bytes}, "weight_map": {name: shard}}, and a stale model.safetensors is
 * removed. */
rgtg_status_t rgtg_weights_write(const char *dir, const rgtg_st_tensor_t *tensors, size_t n,
                                 size_t max_shard_bytes);

#endif
