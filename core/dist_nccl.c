/* core/dist_nccl.c: the NCCL communicator and the in-place CUDA all-reduce used for CUDA gradients
 * (API in dist_nccl.h; MPI, through the process group, exchanges the NCCL id). With RGTG_HAVE_NCCL it
 * talks to NCCL and the CUDA runtime; without it the same functions report RGTG_ERR_UNSUPPORTED, so
 * this file is always part of the build. */
#include "dist_nccl.h"

#include "dist_group.h"

#ifdef RGTG_HAVE_NCCL

#include <cuda_runtime_api.h>
#include <nccl.h>
#include <string.h>

static ncclComm_t nccl_comm = NULL;
static int nccl_device = -1;

int rgtg_dist_nccl_device(void) { return nccl_device; }

static rgtg_status_t nccl_failure(ncclResult_t result, const char *call) {
    const char *detail = nccl_comm ? ncclGetLastError(nccl_comm) : ncclGetLastError(NULL);
    return rgtg_error_set(RGTG_ERR_IO, "%s failed on rank %d/%d: %s%s%s", call, rgtg_dist_rank(), rgtg_dist_world_size(),
                          ncclGetErrorString(result), detail && detail[0] ? ": " : "", detail ? detail : "");
}

rgtg_status_t rgtg_dist_init_nccl(int device_index) {
    rgtg_status_t local = RGTG_OK;
    if (nccl_comm) local = rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_init_nccl: already initialized on cuda:%d", nccl_device);
    cudaError_t cuda = cudaSuccess;
    if (local == RGTG_OK && (cuda = cudaSetDevice(device_index)) != cudaSuccess)
        local = rgtg_error_set(RGTG_ERR_UNSUPPORTED, "rgtg_dist_init_nccl: cudaSetDevice(%d) failed on rank %d: %s",
                               device_index, rgtg_dist_rank(), cudaGetErrorString(cuda));
    /* The id is created by rank 0 and travels with its status, so that no rank waits for an id that
     * never comes. */
    struct {
        int32_t ok;
        ncclUniqueId id;
    } offer;
    memset(&offer, 0, sizeof offer);
    if (rgtg_dist_rank() == 0 && local == RGTG_OK) {
        ncclResult_t result = ncclGetUniqueId(&offer.id);
        if (result != ncclSuccess) local = nccl_failure(result, "ncclGetUniqueId");
    }
    rgtg_status_t status = rgtg_dist_check(local);
    if (status != RGTG_OK) return status;
    offer.ok = 1;
    status = rgtg_dist_broadcast(&offer, sizeof offer, 0);
    if (status != RGTG_OK) return status;
    ncclComm_t comm = NULL;
    ncclResult_t result = ncclCommInitRank(&comm, rgtg_dist_world_size(), offer.id, rgtg_dist_rank());
    local = result == ncclSuccess ? RGTG_OK : nccl_failure(result, "ncclCommInitRank");
    status = rgtg_dist_check(local);
    if (status != RGTG_OK) {
        if (comm) ncclCommDestroy(comm);
        return status;
    }
    nccl_comm = comm;
    nccl_device = device_index;
    return RGTG_OK;
}

rgtg_status_t rgtg_dist_nccl_allreduce_sum(void *device_buffer, size_t count, tt_dtype_t dtype, void *cuda_stream) {
    if (!nccl_comm) return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_nccl_allreduce_sum: rgtg_dist_init_nccl was not called");
    if (count == 0) return RGTG_OK;
    if (!device_buffer) return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_nccl_allreduce_sum: NULL buffer");
    ncclDataType_t type;
    switch (dtype) {
    case TT_F32: type = ncclFloat32; break;
    case TT_F64: type = ncclFloat64; break;
    case TT_F16: type = ncclFloat16; break;
    case TT_BF16: type = ncclBfloat16; break;
    default:
        return rgtg_error_set(RGTG_ERR_INVALID, "rgtg_dist_nccl_allreduce_sum: dtype %s is not summed", tt_dtype_name(dtype));
    }
    ncclResult_t result = ncclAllReduce(device_buffer, device_buffer, count, type, ncclSum, nccl_comm, (cudaStream_t)cuda_stream);
    return result == ncclSuccess ? RGTG_OK : nccl_failure(result, "ncclAllReduce");
}

void rgtg_dist_nccl_finalize(void) {
    if (nccl_comm) ncclCommDestroy(nccl_comm);
    nccl_comm = NULL;
    nccl_device = -1;
}

#else /* no NCCL in this build */

int rgtg_dist_nccl_device(void) { return -1; }

rgtg_status_t rgtg_dist_init_nccl(int device_index) {
    return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "rgtg_dist_init_nccl(%d): this build has no NCCL "
                          "(rebuild with a CUDA libtorch and -Dnccl=enabled)", device_index);
}

rgtg_status_t rgtg_dist_nccl_allreduce_sum(void *device_buffer, size_t count, tt_dtype_t dtype, void *cuda_stream) {
    (void)device_buffer, (void)count, (void)dtype, (void)cuda_stream;
    return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "rgtg_dist_nccl_allreduce_sum: this build has no NCCL");
}

void rgtg_dist_nccl_finalize(void) {}

#endif
