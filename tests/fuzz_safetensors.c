/* tests/fuzz_safetensors.c: libFuzzer target for the safetensors reader (core/safetensors.c). Input
 * bit 0 of the first byte chooses the layout: clear, the rest is model.safetensors; set, the rest is
 * split at its first NUL into model.safetensors.index.json and a shard named a.safetensors. The file
 * is opened alone (rgtg_st_open) and as a checkpoint directory (rgtg_weights_open); every tensor the
 * reader exposes must lie inside the file and agree with its dtype and shape, and every byte is read.
 * Seeds: tests/fuzz_corpus/safetensors/. Build: tests/run_fuzz.sh safetensors. */
#include "core/safetensors.h"
#include "fuzz_util.h"

static volatile uint8_t sink;

static void touch(const rgtg_st_tensor_t *t) {
    FUZZ_ASSERT(t && t->name && *t->name, "a tensor without a name");
    size_t elements = 1;
    for (int d = 0; d < t->ndim; d++) {
        FUZZ_ASSERT(t->shape[d] >= 0, "%s: negative dimension", t->name);
        elements *= (size_t)t->shape[d];
    }
    FUZZ_ASSERT(t->ndim >= 0 && t->ndim <= TT_MAX_DIMS, "%s: ndim %d", t->name, t->ndim);
    FUZZ_ASSERT(elements * rgtg_st_dtype_size(t->dtype) == t->nbytes, "%s: nbytes %zu disagree with the shape", t->name,
                t->nbytes);
    const uint8_t *bytes = t->data;
    uint8_t x = 0;
    for (size_t i = 0; i < t->nbytes; i++) x ^= bytes[i]; /* ASan checks each byte against the mapping */
    sink = x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t flags = size ? data[0] : 0;
    const uint8_t *content = size ? data + 1 : data;
    size_t content_size = size ? size - 1 : 0;
    const char *single = fuzz_path("model.safetensors"), *index = fuzz_path("model.safetensors.index.json");
    const char *shard = fuzz_path("a.safetensors");
    unlink(single), unlink(index), unlink(shard);
    if (flags & 1) {
        size_t index_size, shard_size;
        const uint8_t *shard_bytes;
        fuzz_split(content, content_size, &index_size, &shard_bytes, &shard_size);
        fuzz_write(index, content, index_size);
        fuzz_write(shard, shard_bytes, shard_size);
    } else {
        fuzz_write(single, content, content_size);
        rgtg_st_file_t *file = NULL;
        if (rgtg_st_open(single, &file) == RGTG_OK) {
            for (size_t i = 0; i < rgtg_st_count(file); i++) {
                const rgtg_st_tensor_t *t = rgtg_st_at(file, i);
                touch(t);
                FUZZ_ASSERT(rgtg_st_find(file, t->name) == t, "%s: find disagrees with at", t->name);
            }
            const char *key, *value;
            for (size_t i = 0; rgtg_st_metadata_at(file, i, &key, &value); i++)
                FUZZ_ASSERT(rgtg_st_metadata(file, key) == value, "metadata %s: lookup disagrees", key);
            rgtg_st_close(file);
        }
        rgtg_error_clear();
    }
    rgtg_weights_t *weights = NULL;
    if (rgtg_weights_open(fuzz_path(""), &weights) == RGTG_OK) {
        for (size_t i = 0; i < rgtg_weights_count(weights); i++) touch(rgtg_weights_at(weights, i));
        rgtg_weights_close(weights);
    }
    rgtg_error_clear();
    return 0;
}
