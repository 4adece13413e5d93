/* core/dist.c: ranks, MPI collectives, the gradient bucket all-reduce, failure agreement and abort
 * (the API and its rules are in dist.h). MPI code is compiled only with RGTG_HAVE_MPI; NCCL lives in
 * dist_nccl.c. */
#include "dist.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef RGTG_HAVE_MPI
#include <mpi.h>
#endif

/* Buckets by device and reduce dtype: [CPU f32, CPU f64, CUDA f32, CUDA f64]. */
enum { BUCKET_GROUPS = 4 };

typedef struct {
    tt_t tensor;      /* kept 1-D tensor, NULL until first needed */
    int64_t capacity; /* its element count */
} bucket_t;

static struct {
    int initialized;
    int using_mpi;
    int called_mpi_init; /* finalize only what we started */
    int rank, world, local_rank, local_size;
    bucket_t buckets[BUCKET_GROUPS];
} dist = {0, 0, 0, 0, 1, 0, 1, {{NULL, 0}}};

int rgtg_dist_rank(void) { return dist.rank; }
int rgtg_dist_world_size(void) { return dist.world; }
int rgtg_dist_local_rank(void) { return dist.local_rank; }
int rgtg_dist_local_size(void) { return dist.local_size; }
int rgtg_dist_using_mpi(void) { return dist.using_mpi; }

/* mpirun (OpenMPI), Hydra (MPICH) and PMIx launchers leave these in each rank's environment. */
static int started_by_launcher(long *world_from_env) {
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    if (!size) size = getenv("PMI_SIZE");
    *world_from_env = size ? strtol(size, NULL, 10) : 0;
    return size || getenv("PMI_RANK") || getenv("PMIX_RANK");
}

#ifdef RGTG_HAVE_MPI

/* MPI counts are int: larger buffers go in pieces of this many elements. */
#define MPI_PIECE ((size_t)1 << 30)

static rgtg_status_t mpi_failure(int code, const char *call) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = snprintf(text, sizeof text, "MPI error %d", code);
    return rgtg_error_set(RGTG_ERR_IO, "%s failed on rank %d/%d: %.*s", call, dist.rank, dist.world, length, text);
}

static rgtg_status_t mpi_allreduce(void *buffer, size_t count, MPI_Datatype type, size_t element_size, MPI_Op op) {
    char *bytes = buffer;
    for (size_t done = 0; done < count;) {
        size_t piece = count - done < MPI_PIECE ? count - done : MPI_PIECE;
        int rc = MPI_Allreduce(MPI_IN_PLACE, bytes + done * element_size, (int)piece, type, op, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_failure(rc, "MPI_Allreduce");
        done += piece;
    }
    return RGTG_OK;
}

static rgtg_status_t mpi_setup(int *argc, char ***argv) {
    int already = 0;
    MPI_Initialized(&already);
    if (!already) {
        int provided = 0;
        int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
        if (rc != MPI_SUCCESS) return rgtg_error_set(RGTG_ERR_IO, "rgtg_dist_init: MPI_Init_thread failed (code %d)", rc);
        dist.called_mpi_init = 1;
    }
    dist.using_mpi = 1;
    int rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (rc != MPI_SUCCESS) return mpi_failure(rc, "MPI_Comm_set_errhandler");
    if ((rc = MPI_Comm_rank(MPI_COMM_WORLD, &dist.rank)) != MPI_SUCCESS) return mpi_failure(rc, "MPI_Comm_rank");
    if ((rc = MPI_Comm_size(MPI_COMM_WORLD, &dist.world)) != MPI_SUCCESS) return mpi_failure(rc, "MPI_Comm_size");
    MPI_Comm node;
    rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, dist.rank, MPI_INFO_NULL, &node);
    if (rc != MPI_SUCCESS) return mpi_failure(rc, "MPI_Comm_split_type");
    MPI_Comm_rank(node, &dist.local_rank);
    MPI_Comm_size(node, &dist.local_size);
    MPI_Comm_free(&node);
    return RGTG_OK;
}

#endif

rgtg_status_t rgtg_dist_init(int *argc, char ***argv) {
    if (dist.initialized) return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_init: called twice");
    long world_from_env = 0;
    int launched = started_by_launcher(&world_from_env);
    dist.rank = 0, dist.world = 1, dist.local_rank = 0, dist.local_size = 1;
#ifdef RGTG_HAVE_MPI
    if (launched) {
        rgtg_status_t status = mpi_setup(argc, argv);
        if (status != RGTG_OK) return status;
    }
#else
    (void)argc, (void)argv;
    if (launched && world_from_env > 1)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED,
                              "rgtg_dist_init: started by mpirun with %ld ranks, but this build has no MPI "
                              "(rebuild with -Dmpi=enabled)", world_from_env);
#endif
    dist.initialized = 1;
    return RGTG_OK;
}

rgtg_status_t rgtg_dist_finalize(void) {
    for (int g = 0; g < BUCKET_GROUPS; g++) {
        tt_free(dist.buckets[g].tensor);
        dist.buckets[g].tensor = NULL;
        dist.buckets[g].capacity = 0;
    }
    rgtg_dist_nccl_finalize();
    rgtg_status_t status = RGTG_OK;
#ifdef RGTG_HAVE_MPI
    if (dist.called_mpi_init) {
        int rc = MPI_Finalize();
        if (rc != MPI_SUCCESS) status = rgtg_error_set(RGTG_ERR_IO, "rgtg_dist_finalize: MPI_Finalize failed (code %d)", rc);
        dist.called_mpi_init = 0;
    }
#endif
    dist.using_mpi = 0;
    dist.initialized = 0;
    dist.rank = 0, dist.world = 1, dist.local_rank = 0, dist.local_size = 1;
    return status;
}

/* ---- plain collectives ---- */

/* The element-wise all-reduces of the public API. */
typedef enum { REDUCE_SUM_F32, REDUCE_SUM_F64, REDUCE_MAX_I64, REDUCE_MIN_I64 } plain_reduce_t;

/* Checks the buffer given to `function`, then reduces it in place across the ranks. */
static rgtg_status_t plain_allreduce(const char *function, const char *buffer_name, void *buffer, size_t count,
                                     plain_reduce_t reduce) {
    if (count > 0 && !buffer) return rgtg_error_set(RGTG_ERR_INVALID, "%s: NULL %s", function, buffer_name);
#ifdef RGTG_HAVE_MPI
    if (dist.using_mpi && dist.world > 1) switch (reduce) {
        case REDUCE_SUM_F32: return mpi_allreduce(buffer, count, MPI_FLOAT, sizeof(float), MPI_SUM);
        case REDUCE_SUM_F64: return mpi_allreduce(buffer, count, MPI_DOUBLE, sizeof(double), MPI_SUM);
        case REDUCE_MAX_I64: return mpi_allreduce(buffer, count, MPI_INT64_T, sizeof(int64_t), MPI_MAX);
        case REDUCE_MIN_I64: return mpi_allreduce(buffer, count, MPI_INT64_T, sizeof(int64_t), MPI_MIN);
        }
#else
    (void)reduce;
#endif
    return RGTG_OK;
}

rgtg_status_t rgtg_dist_allreduce_sum_f32(float *buffer, size_t count) {
    return plain_allreduce(__func__, "buffer", buffer, count, REDUCE_SUM_F32);
}

rgtg_status_t rgtg_dist_allreduce_sum_f64(double *buffer, size_t count) {
    return plain_allreduce(__func__, "buffer", buffer, count, REDUCE_SUM_F64);
}

rgtg_status_t rgtg_dist_allreduce_max_i64(int64_t *values, size_t count) {
    return plain_allreduce(__func__, "values", values, count, REDUCE_MAX_I64);
}

rgtg_status_t rgtg_dist_allreduce_min_i64(int64_t *values, size_t count) {
    return plain_allreduce(__func__, "values", values, count, REDUCE_MIN_I64);
}

rgtg_status_t rgtg_dist_broadcast(void *data, size_t bytes, int root) {
    if (root < 0 || root >= dist.world)
        return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_broadcast: root %d is outside 0..%d", root, dist.world - 1);
    if (bytes > 0 && !data) return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_broadcast: NULL data");
#ifdef RGTG_HAVE_MPI
    if (dist.using_mpi && dist.world > 1) {
        char *p = data;
        for (size_t done = 0; done < bytes;) {
            size_t piece = bytes - done < MPI_PIECE ? bytes - done : MPI_PIECE;
            int rc = MPI_Bcast(p + done, (int)piece, MPI_BYTE, root, MPI_COMM_WORLD);
            if (rc != MPI_SUCCESS) return mpi_failure(rc, "MPI_Bcast");
            done += piece;
        }
    }
#endif
    return RGTG_OK;
}

rgtg_status_t rgtg_dist_barrier(void) {
#ifdef RGTG_HAVE_MPI
    if (dist.using_mpi && dist.world > 1) {
        int rc = MPI_Barrier(MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return mpi_failure(rc, "MPI_Barrier");
    }
#endif
    return RGTG_OK;
}

/* ---- failure agreement ---- */

enum { CHECK_MESSAGE_BYTES = 1024 };

rgtg_status_t rgtg_dist_check(rgtg_status_t local) {
    if (dist.world <= 1) return local;
    /* The lowest failing rank, or world when none failed. */
    int64_t failing = local != RGTG_OK ? dist.rank : dist.world;
    rgtg_status_t status = rgtg_dist_allreduce_min_i64(&failing, 1);
    if (status != RGTG_OK) return status;
    if (failing >= dist.world) return RGTG_OK;

    struct {
        int32_t status;
        char message[CHECK_MESSAGE_BYTES];
    } report;
    memset(&report, 0, sizeof report);
    if (dist.rank == failing) {
        report.status = (int32_t)local;
        const char *message = rgtg_error_message();
        snprintf(report.message, sizeof report.message, "%s", message[0] ? message : rgtg_status_to_string(local));
    }
    status = rgtg_dist_broadcast(&report, sizeof report, (int)failing);
    if (status != RGTG_OK) return status;
    report.message[CHECK_MESSAGE_BYTES - 1] = '\0';
    /* Every rank ends with the same line; a local message (the root cause on rank failing, or a stale
     * one elsewhere) is replaced by it. */
    rgtg_error_clear();
    return rgtg_error_set((rgtg_status_t)report.status, "rank %d failed: %s", (int)failing, report.message);
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
    if (cuda_index >= 0 && dist.world > 1) {
        int nccl_device = rgtg_dist_nccl_device();
        if (nccl_device < 0)
            return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "rgtg_dist_allreduce_tensors: CUDA gradients with %d ranks need NCCL "
#ifdef RGTG_HAVE_NCCL
                                  "(call rgtg_dist_init_nccl first)",
#else
                                  "(this build has no NCCL; rebuild with a CUDA libtorch and -Dnccl=enabled)",
#endif
                                  dist.world);
        if (nccl_device != cuda_index)
            return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_allreduce_tensors: gradients are on cuda:%d, NCCL on cuda:%d",
                                  cuda_index, nccl_device);
    }
    for (int g = 0; g < BUCKET_GROUPS; g++) {
        bucket_t *bucket = &dist.buckets[g];
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
    tt_t bucket = dist.buckets[group].tensor;
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
    if (dist.world <= 1) return RGTG_OK;
    tt_t bucket = dist.buckets[group].tensor;
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

    if (dist.world > 1) {
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
            status = tt_mul_scalar_(tt_narrow(dist.buckets[g].tensor, 0, 0, counts[g]), scale);
        if (status == RGTG_OK) status = copy_group(tensors, n, groups, g, 0);
        tt_arena_release(mark);
        if (result == RGTG_OK) result = status;
    }
    free(groups);
    return result;
}

/* ---- abort ---- */

_Noreturn void rgtg_dist_abort(int code, const char *message) {
    static atomic_flag printed = ATOMIC_FLAG_INIT;
    if (code == 0) code = 1;
    if (!atomic_flag_test_and_set(&printed)) {
        fprintf(stderr, "rgtg: rank %d/%d: %s\n", dist.rank, dist.world, message && message[0] ? message : "aborted");
        fflush(stderr);
    }
#ifdef RGTG_HAVE_MPI
    if (dist.using_mpi) {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Abort(MPI_COMM_WORLD, code);
    }
#endif
    exit(code);
}
