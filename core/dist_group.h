/* core/dist_group.h: the process group of data-parallel training, the bottom of the distributed
 * layer: process ranks, collectives (all-reduce, broadcast, barrier) and agreeing on failure so that a
 * failing rank ends the job with a clear message instead of a hang. NCCL (dist_nccl.h) and the
 * gradient all-reduce (dist.h) stand on it; include dist.h for all of them.
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
#ifndef RGTG_CORE_DIST_GROUP_H
#define RGTG_CORE_DIST_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Joins the job: MPI_Init (with MPI_THREAD_FUNNELED) when started by mpirun and MPI is not yet
 * initialized, else world size 1. argc/argv may be NULL. Calling it twice is an error. */
rgtg_status_t rgtg_dist_init(int *argc, char ***argv);
/* Ends the process group: calls MPI_Finalize when rgtg_dist_init called MPI_Init (rgtg_dist_finalize
 * calls it after freeing what stands on the group). */
rgtg_status_t rgtg_dist_group_finalize(void);
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
