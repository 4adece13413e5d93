/* core/dist.h: the distributed layer for data-parallel training: process ranks, collectives
 * (all-reduce, broadcast, barrier), gradient all-reduce over one flattened bucket (MPI for CPU
 * tensors, NCCL for CUDA tensors), and agreeing on failure so that a failing rank ends the job with
 * a clear message instead of a hang.
 *
 * One binary, two ways to start it:
 *   - under mpirun (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK in the environment): MPI is
 *     initialized and MPI_COMM_WORLD is the job; its error handler is set to MPI_ERRORS_RETURN so
 *     that MPI failures come back as rgtg_status_t values with MPI's error string;
 *   - otherwise (or when built without MPI): world size 1, rank 0, no MPI call is made, and every
 *     collective is a local no-op (all-reduce leaves the data as it is, times the scale).
 * Built without MPI (RGTG_HAVE_MPI undefined) but started by mpirun with more than one rank,
 * rgtg_dist_init fails rather than letting every rank train alone.
 *
 * Collectives are collective: every rank calls them in the same order with the same counts (and,
 * for rgtg_dist_allreduce_tensors, tensors of the same sizes, dtypes and devices). Call them from one
 * thread (the one that called rgtg_dist_init).
 *
 * Errors: functions return RGTG_OK or a status with a one-line message (core/status.h). A failed
 * MPI or NCCL call gives RGTG_ERR_IO naming the call and the library's error string. After an error
 * the ranks may disagree about what comes next: use rgtg_dist_check() at agreement points, and
 * rgtg_dist_abort() when the job cannot go on.
 *
 * Determinism: an all-reduce gives bitwise the same result on every rank (OpenMPI's allreduce
 * algorithms reduce each element along one fixed path and distribute it, or combine pairs whose
 * float addition is commutative; test_dist checks this), and the same result from run to run for a
 * given world size, element count and dtype, since the algorithm OpenMPI picks depends only on those.
 * Results for different world sizes may differ in the last bits (a different summation order). NCCL
 * likewise is run-to-run deterministic for a fixed world size, topology and NCCL_ALGO/NCCL_PROTO.
 */
#ifndef RGTG_CORE_DIST_H
#define RGTG_CORE_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "torch/tt.h"

/* Joins the job: MPI_Init (with MPI_THREAD_FUNNELED) when started by mpirun and MPI is not yet
 * initialized, else world size 1. argc/argv may be NULL. Calling it twice is an error. */
rgtg_status_t rgtg_dist_init(int *argc, char ***argv);
/* Frees the buckets and the NCCL communicator, and calls MPI_Finalize when rgtg_dist_init called
 * MPI_Init. Every rank must reach it (a rank that stops early must call rgtg_dist_abort instead). */
rgtg_status_t rgtg_dist_finalize(void);

/* Before rgtg_dist_init these answer 0, 1, 0, 1. */
int rgtg_dist_rank(void);
int rgtg_dist_world_size(void);
int rgtg_dist_local_rank(void); /* rank among the processes on this node (for choosing a GPU) */
int rgtg_dist_local_size(void); /* processes on this node */
/* true when MPI is in use (started by mpirun and built with MPI). */
int rgtg_dist_using_mpi(void);

/* In-place sums over all ranks. count may exceed INT_MAX (sent in pieces). */
rgtg_status_t rgtg_dist_allreduce_sum_f32(float *buffer, size_t count);
rgtg_status_t rgtg_dist_allreduce_sum_f64(double *buffer, size_t count);
/* In-place element-wise maximum / minimum over all ranks, e.g. to agree on flags or counts. */
rgtg_status_t rgtg_dist_allreduce_max_i64(int64_t *values, size_t count);
rgtg_status_t rgtg_dist_allreduce_min_i64(int64_t *values, size_t count);
/* Copies root's bytes into data on every rank. */
rgtg_status_t rgtg_dist_broadcast(void *data, size_t bytes, int root);
rgtg_status_t rgtg_dist_barrier(void);

/* Gradient all-reduce: tensors[i] <- scale * sum over ranks of tensors[i], in place (scale = 1.0 /
 * world size averages). Tensors may have any shape and layout and floating-point dtype (f32, f64,
 * f16, bf16); integer or bool tensors are RGTG_ERR_INVALID. They are grouped by device and reduce
 * dtype (f64 -> an f64 bucket; f32, f16 and bf16 -> an f32 bucket, so half-precision gradients are
 * summed in f32), each group is copied into one contiguous bucket (kept and reused between calls,
 * grown when needed), reduced by one collective, scaled and copied back. CPU buckets go through MPI;
 * CUDA buckets through NCCL on libtorch's current stream of the tensors' device (rgtg_dist_init_nccl
 * first; without NCCL in the build, CUDA tensors give RGTG_ERR_UNSUPPORTED). With world size 1 only
 * the scale is applied. Before reducing, the ranks compare their bucket sizes (one small MPI
 * all-reduce), so ranks that pass different tensor sets get RGTG_ERR_INVALID on every rank instead
 * of a hang or a silent truncation. n may be 0 (the rank still takes part). */
rgtg_status_t rgtg_dist_allreduce_tensors(tt_t *tensors, int n, double scale);

/* NCCL (CUDA gradients). rgtg_dist_init_nccl selects CUDA device device_index for this process
 * (cudaSetDevice, so libtorch's default CUDA device becomes it), has rank 0 create the
 * ncclUniqueId, broadcasts it over MPI and creates the communicator of all ranks. Collective.
 * Without NCCL in the build: RGTG_ERR_UNSUPPORTED. rgtg_dist_finalize destroys the communicator. */
rgtg_status_t rgtg_dist_init_nccl(int device_index);
int rgtg_dist_nccl_device(void); /* the communicator's CUDA device; -1 before rgtg_dist_init_nccl */
/* In-place sum over all ranks of count elements of dtype (f32, f64, f16, bf16) in CUDA memory on the
 * NCCL device, queued on cuda_stream (a cudaStream_t; NULL is the legacy default stream). Returns
 * once queued: the result is ordered with later work on that stream. */
rgtg_status_t rgtg_dist_nccl_allreduce_sum(void *device_buffer, size_t count, tt_dtype_t dtype,
                                           void *cuda_stream);
/* Destroys the NCCL communicator if one exists (called by rgtg_dist_finalize). */
void rgtg_dist_nccl_finalize(void);

/* Agreement on failure. Every rank passes its local status; all ranks learn whether any failed.
 * All OK: returns RGTG_OK. Otherwise the lowest failing rank R broadcasts its status and pending
 * error message, and every rank returns R's status with the message "rank R failed: <message>" (on
 * R itself the pending message is replaced by that line). With world size 1 the local status and
 * message are returned unchanged. If the agreement itself fails, that MPI error is returned. */
rgtg_status_t rgtg_dist_check(rgtg_status_t local);

/* Ends the whole job: prints "rgtg: rank R/W: message" to stderr (once, even if called again or
 * from several threads) and calls MPI_Abort(MPI_COMM_WORLD, code), which makes mpirun kill the other
 * ranks so none hangs. Without MPI it exits the process with code. A code of 0 becomes 1. The one
 * deliberate exception to "no exit below tools/": it is meant to be called from tools/ and trainers
 * when a rank cannot go on. */
_Noreturn void rgtg_dist_abort(int code, const char *message);

#endif
