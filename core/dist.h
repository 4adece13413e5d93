/* core/dist.h: the distributed layer for data-parallel training. The process group (ranks,
 * collectives, failure agreement: dist_group.h) and NCCL (dist_nccl.h) are below this file; here are
 * the gradient all-reduce over one flattened bucket per device and dtype (MPI for CPU tensors, NCCL
 * for CUDA tensors) and the finalize that ends them all. Callers include this header only. */
#ifndef RGTG_CORE_DIST_H
#define RGTG_CORE_DIST_H

#include "dist_group.h"
#include "dist_nccl.h"
#include "torch/tt.h"

/* Frees the buckets and the NCCL communicator, and calls MPI_Finalize when rgtg_dist_init called
 * MPI_Init. Every rank must reach it (a rank that stops early must call rgtg_dist_abort instead). */
rgtg_status_t rgtg_dist_finalize(void);

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

#endif
