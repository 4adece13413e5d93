/* core/dist_nccl.h: the NCCL communicator for CUDA gradients, on top of the process group (MPI
 * exchanges the NCCL id). */
#ifndef RGTG_CORE_DIST_NCCL_H
#define RGTG_CORE_DIST_NCCL_H

#include <stddef.h>

#include "status.h"
#include "torch/tt.h"

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

#endif
