/* core/torch/tt.h: the C interface to libtorch (the only C++ that includes libtorch is tt.cpp).
 *
 * Handles: a tt_t is an opaque pointer to one torch::Tensor. Every function that returns a tt_t
 * registers the new handle in the calling thread's arena; tt_arena_release(mark) frees every handle
 * registered after mark. tt_keep() takes a handle out of the arena: the caller then owns it and frees
 * it with tt_free(). So a decode loop marks, computes, keeps what it needs and releases, and its
 * memory does not grow.
 *
 * Errors: a C++ exception never crosses this boundary. A failing call returns NULL (or a non-OK
 * status) and records the message with rgtg_error_set(RGTG_ERR_TORCH, ...) (core/status.h). An op
 * given a NULL input returns NULL without touching the recorded error, so a chain of ops can be
 * checked once at its end.
 *
 * Shapes are int64_t arrays; dtypes and devices are the small codes below. */
#ifndef RGTG_CORE_TORCH_TT_H
#define RGTG_CORE_TORCH_TT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tt_tensor *tt_t;

/* The _INVALID codes are what tt_dtype()/tt_device() return on failure (with an error recorded). */
typedef enum { TT_DTYPE_INVALID = -1, TT_F32 = 0, TT_F16 = 1, TT_BF16 = 2, TT_I64 = 3, TT_I32 = 4, TT_U8 = 5,
               TT_BOOL = 6, TT_F64 = 7 } tt_dtype_t;
typedef enum { TT_DEVICE_INVALID = -1, TT_CPU = 0, TT_CUDA = 1 } tt_device_t;

#define TT_MAX_DIMS 8

/* ---- runtime ---- */
void tt_set_num_threads(int threads);
int tt_get_num_threads(void);
bool tt_cuda_available(void);
void tt_manual_seed(uint64_t seed);
size_t tt_dtype_size(tt_dtype_t dtype);
const char *tt_dtype_name(tt_dtype_t dtype);
const char *tt_version(void); /* libtorch's version string */

/* ---- arena ---- */
size_t tt_arena_mark(void);
void tt_arena_release(size_t mark);
tt_t tt_keep(tt_t t); /* removes t from the arena; returns t (NULL stays NULL) */
void tt_free(tt_t t); /* frees a kept handle; NULL is ignored */
size_t tt_arena_size(void); /* handles currently held by this thread's arena (for tests) */

/* ---- creation and host copies ---- */
tt_t tt_empty(const int64_t *shape, int ndim, tt_dtype_t dtype, tt_device_t device);
tt_t tt_zeros(const int64_t *shape, int ndim, tt_dtype_t dtype, tt_device_t device);
tt_t tt_full(const int64_t *shape, int ndim, double value, tt_dtype_t dtype, tt_device_t device);
tt_t tt_arange(int64_t start, int64_t end, tt_dtype_t dtype, tt_device_t device);
/* Copies nbytes-consistent host data of the given dtype into a new CPU tensor, then moves it. */
tt_t tt_from_host(const void *data, const int64_t *shape, int ndim, tt_dtype_t dtype, tt_device_t device);
/* Copies t (any device, any layout), converted to dtype, into out; nbytes must equal numel*size. */
rgtg_status_t tt_to_host(tt_t t, tt_dtype_t dtype, void *out, size_t nbytes);
double tt_item(tt_t t); /* a one-element tensor as double; NaN and an error on failure */

/* ---- properties ---- */
int tt_ndim(tt_t t);
int64_t tt_size(tt_t t, int dim); /* negative dim counts from the end */
int64_t tt_numel(tt_t t);
tt_dtype_t tt_dtype(tt_t t);
tt_device_t tt_device(tt_t t);
/* Writes the shape into shape[TT_MAX_DIMS]; returns ndim. */
int tt_shape(tt_t t, int64_t *shape);

/* ---- conversion and layout ---- */
tt_t tt_to(tt_t t, tt_dtype_t dtype, tt_device_t device);
tt_t tt_clone(tt_t t);
tt_t tt_contiguous(tt_t t);
tt_t tt_detach(tt_t t);
tt_t tt_reshape(tt_t t, const int64_t *shape, int ndim);
tt_t tt_transpose(tt_t t, int dim0, int dim1);
tt_t tt_permute(tt_t t, const int64_t *dims, int ndim);
tt_t tt_unsqueeze(tt_t t, int dim);
tt_t tt_squeeze(tt_t t, int dim);
tt_t tt_expand(tt_t t, const int64_t *shape, int ndim);
tt_t tt_narrow(tt_t t, int dim, int64_t start, int64_t length);
tt_t tt_select(tt_t t, int dim, int64_t index);
tt_t tt_cat(const tt_t *ts, int n, int dim);
tt_t tt_stack(const tt_t *ts, int n, int dim);
tt_t tt_index_select(tt_t t, int dim, tt_t index);
tt_t tt_gather(tt_t t, int dim, tt_t index);
tt_t tt_repeat_interleave(tt_t t, int64_t repeats, int dim);

/* ---- elementwise and reductions ---- */
tt_t tt_add(tt_t a, tt_t b);
tt_t tt_sub(tt_t a, tt_t b);
tt_t tt_mul(tt_t a, tt_t b);
tt_t tt_div(tt_t a, tt_t b);
tt_t tt_add_scalar(tt_t a, double s);
tt_t tt_mul_scalar(tt_t a, double s);
tt_t tt_pow_scalar(tt_t a, double exponent);
tt_t tt_neg(tt_t a);
tt_t tt_exp(tt_t a);
tt_t tt_log(tt_t a);
tt_t tt_sqrt(tt_t a);
tt_t tt_rsqrt(tt_t a);
tt_t tt_abs(tt_t a);
tt_t tt_cos(tt_t a);
tt_t tt_sin(tt_t a);
tt_t tt_silu(tt_t a);
tt_t tt_sigmoid(tt_t a);
tt_t tt_logsigmoid(tt_t a);
tt_t tt_softmax(tt_t a, int dim);
tt_t tt_log_softmax(tt_t a, int dim);
tt_t tt_sum(tt_t a);                                 /* all elements */
tt_t tt_sum_dim(tt_t a, int dim, bool keepdim);
tt_t tt_mean(tt_t a);
tt_t tt_mean_dim(tt_t a, int dim, bool keepdim);
tt_t tt_max_dim(tt_t a, int dim, bool keepdim, tt_t *indices_out); /* values; indices optional */
tt_t tt_argmax(tt_t a, int dim, bool keepdim);
tt_t tt_cumsum(tt_t a, int dim);
tt_t tt_eq_scalar(tt_t a, double s);  /* bool */
tt_t tt_gt_scalar(tt_t a, double s);  /* bool */
tt_t tt_logical_and(tt_t a, tt_t b);
tt_t tt_where(tt_t cond, tt_t a, tt_t b);
tt_t tt_masked_fill(tt_t a, tt_t mask, double value);
tt_t tt_clamp(tt_t a, double lo, double hi);
tt_t tt_isfinite_all(tt_t a); /* a bool scalar */

/* ---- linear algebra and network ops ---- */
tt_t tt_matmul(tt_t a, tt_t b);
tt_t tt_linear(tt_t x, tt_t weight); /* x @ weight^T, weight [out, in] as in torch.nn.Linear */
tt_t tt_embedding(tt_t weight, tt_t ids);
/* values and indices of the k largest along the last dim, sorted descending */
rgtg_status_t tt_topk(tt_t a, int64_t k, tt_t *values_out, tt_t *indices_out);

/* ---- in place (no autograd history is recorded) ---- */
rgtg_status_t tt_copy_(tt_t dst, tt_t src);
rgtg_status_t tt_fill_(tt_t dst, double value);
rgtg_status_t tt_mul_scalar_(tt_t dst, double s);
rgtg_status_t tt_add_(tt_t dst, tt_t src, double alpha); /* dst += alpha * src */

/* ---- raw memory (for communication libraries: MPI, NCCL) ---- */
/* The address of a contiguous tensor's first element, in host memory for a CPU tensor and in device
 * memory for a CUDA tensor; NULL with an error for a non-contiguous tensor. Valid while the tensor's
 * storage lives; writes through it bypass autograd. */
void *tt_data_ptr(tt_t t);
/* The CUDA device ordinal of a CUDA tensor, -1 for a CPU tensor, -2 with an error on failure. */
int tt_device_index(tt_t t);
/* Writes libtorch's current CUDA stream on device_index (a cudaStream_t; NULL is the default
 * stream) to *stream_out. libtorch's CUDA ops on that device run on it, so work queued there is
 * ordered with them. RGTG_ERR_UNSUPPORTED when the shim was built without CUDA headers
 * (RGTG_TORCH_CUDA undefined). */
rgtg_status_t tt_cuda_current_stream(int device_index, void **stream_out);

/* ---- autograd ---- */
rgtg_status_t tt_set_requires_grad(tt_t t, bool requires_grad);
bool tt_requires_grad(tt_t t);
rgtg_status_t tt_backward(tt_t loss);
tt_t tt_grad(tt_t t); /* the accumulated gradient (an arena handle sharing storage) or NULL when none */
rgtg_status_t tt_zero_grad(tt_t t); /* drops the gradient */
/* Turns gradient recording off (false) or on (true) for this thread; returns the previous mode. */
bool tt_set_grad_enabled(bool enabled);

/* ---- optimizer ---- */
/* One AdamW step on param in place, exactly as torch.optim.AdamW (decoupled weight decay, bias
 * correction with step counted from 1): exp_avg and exp_avg_sq are updated in place. */
rgtg_status_t tt_adamw_step(tt_t param, tt_t grad, tt_t exp_avg, tt_t exp_avg_sq, int64_t step,
                            double lr, double beta1, double beta2, double eps, double weight_decay);

#ifdef __cplusplus
}
#endif

#endif
