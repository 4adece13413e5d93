/* core/dist.c: the gradient bucket all-reduce (MPI for CPU buckets, NCCL for CUDA ones) and the
 * finalize that ends the distributed layer (see dist.h). */
#include "dist.h"

#include <stdlib.h>
#include <string.h>

/* Buckets by device and reduce dtype: [CPU f32, CPU f64, CUDA f32, CUDA f64]. */
enum { BUCKET_GROUPS = 4 };

typedef struct {
    tt_t tensor;      /* kept 1-D tensor, NULL until first needed */
    int64_t capacity; /* its element count */
} bucket_t;

static bucket_t buckets[BUCKET_GROUPS];

rgtg_status_t rgtg_dist_finalize(void) {
    for (int g = 0; g < BUCKET_GROUPS; g++) {
        tt_free(buckets[g].tensor);
        buckets[g].tensor = NULL;
        buckets[g].capacity = 0;
    }
    rgtg_dist_nccl_finalize();
    return rgtg_dist_group_finalize();
}

/* ---- gradient buckets ---- */

static int bucket_group(tt_device_t device, tt_dtype_t reduce_dtype) {
    return (device == TT_CUDA ? 2 : 0) + (reduce_dtype == TT_F64 ? 1 : 0);
}

static tt_dtype_t group_dtype(int group) { return group % 2 ? TT_F64 : TT_F32; }
static tt_device_t group_device(int group) { return group >= 2 ? TT_CUDA : TT_CPU; }

/* The group of tensors[i], or -1 with an error recorded. */
static int tensor_group(tt_t tensor, int i, int *cuda_index) {
    if (!tensor) {
        rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_allreduce_tensors: tensor %d is NULL", i);
        return -1;
    }
    tt_dtype_t dtype = tt_dtype(tensor);
    tt_device_t device = tt_device(tensor);
    if (dtype == TT_DTYPE_INVALID || device == TT_DEVICE_INVALID) return -1;
    if (dtype != TT_F32 && dtype != TT_F64 && dtype != TT_F16 && dtype != TT_BF16) {
        rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_allreduce_tensors: tensor %d has dtype %s, not a floating-point gradient",
                       i, tt_dtype_name(dtype));
        return -1;
    }
    if (device == TT_CUDA) {
        int index = tt_device_index(tensor);
        if (index < 0) return -1;
        if (*cuda_index >= 0 && index != *cuda_index) {
            rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_allreduce_tensors: tensor %d is on cuda:%d, others on cuda:%d",
                           i, index, *cuda_index);
            return -1;
        }
        *cuda_index = index;
    }
    return bucket_group(device, dtype == TT_F64 ? TT_F64 : TT_F32);
}

/* Sorts the tensors into groups, checks that CUDA reduction is possible and grows the buckets:
 * everything that can fail locally happens before the ranks' size agreement. */
static rgtg_status_t prepare_buckets(tt_t *tensors, int n, int *groups, int64_t counts[BUCKET_GROUPS]) {
    int cuda_index = -1;
    for (int i = 0; i < n; i++) {
        groups[i] = tensor_group(tensors[i], i, &cuda_index);
        if (groups[i] < 0) return rgtg_error_status() != RGTG_OK ? rgtg_error_status() : RGTG_ERR_INVALID;
        counts[groups[i]] += tt_numel(tensors[i]);
    }
    if (cuda_index >= 0 && rgtg_dist_world_size() > 1) {
        int nccl_device = rgtg_dist_nccl_device();
        if (nccl_device < 0)
            return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "rgtg_dist_allreduce_tensors: CUDA gradients with %d ranks need NCCL "
#ifdef RGTG_HAVE_NCCL
                                  "(call rgtg_dist_init_nccl first)",
#else
                                  "(this build has no NCCL; rebuild with a CUDA libtorch and -Dnccl=enabled)",
#endif
                                  rgtg_dist_world_size());
        if (nccl_device != cuda_index)
            return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_allreduce_tensors: gradients are on cuda:%d, NCCL on cuda:%d",
                                  cuda_index, nccl_device);
    }
    for (int g = 0; g < BUCKET_GROUPS; g++) {
        bucket_t *bucket = &buckets[g];
        if (counts[g] == 0 || bucket->capacity >= counts[g]) continue;
        tt_free(bucket->tensor);
        bucket->tensor = NULL;
        bucket->capacity = 0;
        int64_t shape[1] = {counts[g]};
        tt_t fresh = tt_keep(tt_empty(shape, 1, group_dtype(g), group_device(g)));
        if (!fresh) return rgtg_error_status() != RGTG_OK ? rgtg_error_status() : RGTG_ERR_NOMEM;
        if (group_device(g) == TT_CUDA && tt_device_index(fresh) != cuda_index) {
            int got = tt_device_index(fresh);
            tt_free(fresh);
            return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_allreduce_tensors: gradients are on cuda:%d but libtorch's "
                                  "current CUDA device is cuda:%d (rgtg_dist_init_nccl selects it)", cuda_index, got);
        }
        bucket->tensor = fresh;
        bucket->capacity = counts[g];
    }
    return RGTG_OK;
}

/* The part of the bucket that holds tensor (a view shaped like it). */
static tt_t bucket_view(tt_t bucket, int64_t offset, tt_t tensor) {
    int64_t shape[TT_MAX_DIMS];
    int ndim = tt_shape(tensor, shape);
    if (ndim < 0) return NULL;
    return tt_reshape(tt_narrow(bucket, 0, offset, tt_numel(tensor)), shape, ndim);
}

static rgtg_status_t copy_group(tt_t *tensors, int n, const int *groups, int group, int into_bucket) {
    tt_t bucket = buckets[group].tensor;
    int64_t offset = 0;
    for (int i = 0; i < n; i++) {
        if (groups[i] != group) continue;
        tt_t view = bucket_view(bucket, offset, tensors[i]);
        rgtg_status_t status = into_bucket ? tt_copy_(view, tensors[i]) : tt_copy_(tensors[i], view);
        if (status != RGTG_OK) return status;
        offset += tt_numel(tensors[i]);
    }
    return RGTG_OK;
}

static rgtg_status_t reduce_group(int group, int64_t count) {
    if (rgtg_dist_world_size() <= 1) return RGTG_OK;
    tt_t bucket = buckets[group].tensor;
    void *data = tt_data_ptr(bucket);
    if (!data) return rgtg_error_status() != RGTG_OK ? rgtg_error_status() : RGTG_ERR_TORCH;
    if (group_device(group) == TT_CUDA) {
        void *stream = NULL;
        rgtg_status_t status = tt_cuda_current_stream(tt_device_index(bucket), &stream);
        if (status != RGTG_OK) return status;
        return rgtg_dist_nccl_allreduce_sum(data, (size_t)count, group_dtype(group), stream);
    }
    return group_dtype(group) == TT_F64 ? rgtg_dist_allreduce_sum_f64(data, (size_t)count)
                                        : rgtg_dist_allreduce_sum_f32(data, (size_t)count);
}

rgtg_status_t rgtg_dist_allreduce_tensors(tt_t *tensors, int n, double scale) {
    if (n < 0 || (n > 0 && !tensors))
        return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_allreduce_tensors: %d tensors at %p", n, (void *)tensors);
    int64_t counts[BUCKET_GROUPS] = {0};
    int *groups = malloc((size_t)(n > 0 ? n : 1) * sizeof *groups);
    if (!groups) return rgtg_error_set(RGTG_ERR_NOMEM, "rgtg_dist_allreduce_tensors: no memory for %d tensors", n);
    rgtg_status_t local = prepare_buckets(tensors, n, groups, counts);

    if (rgtg_dist_world_size() > 1) {
        /* One small all-reduce: any local failure, and each group's size as max(count), max(-count). */
        int64_t agree[1 + 2 * BUCKET_GROUPS];
        agree[0] = local != RGTG_OK;
        for (int g = 0; g < BUCKET_GROUPS; g++) agree[1 + g] = counts[g], agree[1 + BUCKET_GROUPS + g] = -counts[g];
        rgtg_status_t status = rgtg_dist_allreduce_max_i64(agree, 1 + 2 * BUCKET_GROUPS);
        if (status != RGTG_OK) {
            free(groups);
            return status;
        }
        if (agree[0]) {
            free(groups);
            return rgtg_dist_check(local);
        }
        for (int g = 0; g < BUCKET_GROUPS; g++) {
            int64_t most = agree[1 + g], least = -agree[1 + BUCKET_GROUPS + g];
            if (most != least) {
                free(groups);
                return rgtg_error_set(RGTG_ERR_INVALID,
                                      "rgtg_dist_allreduce_tensors: ranks pass different gradient sizes (%s %s bucket: "
                                      "%lld to %lld elements; this rank %lld)", group_device(g) == TT_CUDA ? "cuda" : "cpu",
                                      tt_dtype_name(group_dtype(g)), (long long)least, (long long)most, (long long)counts[g]);
            }
        }
    } else if (local != RGTG_OK) {
        free(groups);
        return local;
    }

    /* From here every rank takes part in every reduction even if a local copy fails, so that no
     * rank waits for one that left; the first local error is returned at the end. */
    rgtg_status_t result = RGTG_OK;
    for (int g = 0; g < BUCKET_GROUPS; g++) {
        if (counts[g] == 0) continue;
        size_t mark = tt_arena_mark();
        rgtg_status_t status = copy_group(tensors, n, groups, g, 1);
        rgtg_status_t reduced = reduce_group(g, counts[g]);
        if (status == RGTG_OK) status = reduced;
        if (status == RGTG_OK && scale != 1.0)
            status = tt_mul_scalar_(tt_narrow(buckets[g].tensor, 0, 0, counts[g]), scale);
        if (status == RGTG_OK) status = copy_group(tensors, n, groups, g, 0);
        tt_arena_release(mark);
        if (result == RGTG_OK) result = status;
    }
    free(groups);
    return result;
}
