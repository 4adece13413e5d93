/* core/dist_group.c: the process group: ranks, MPI collectives, failure agreement and abort (the API
 * and its rules are in dist_group.h). MPI code is compiled only with RGTG_HAVE_MPI. */
#include "dist_group.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef RGTG_HAVE_MPI
#include <mpi.h>
#endif

static struct {
    int initialized;
    int using_mpi;
    int called_mpi_init; /* finalize only what we started */
    int rank, world, local_rank, local_size;
} dist = {0, 0, 0, 0, 1, 0, 1};

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

rgtg_status_t rgtg_dist_group_finalize(void) {
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
