/* core/torch/tt.cpp: the libtorch side of the C shim in tt.h (handles, the thread-local arena,
 * exception-to-status conversion, and every tensor op the project uses). The only C++ file that
 * includes libtorch. Uses only APIs present in libtorch 1.13 and unchanged in 2.x; CUDA is checked
 * at run time so that a CPU-only libtorch links and runs. */
#include <torch/cuda.h>
#include <torch/types.h>
#include <torch/utils.h>
#include <torch/version.h>
#ifdef RGTG_TORCH_CUDA /* set by the build when libtorch has CUDA headers and libc10_cuda */
#include <c10/cuda/CUDAStream.h>
#endif

#include <cmath>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <limits>
#include <memory>
#include <new>
#include <tuple>
#include <vector>

extern "C" {
#include "tt.h"
}

struct tt_tensor {
    torch::Tensor t;
    size_t slot; /* index in the owning thread's arena; kNotInArena once kept */
};

namespace {

constexpr size_t kNotInArena = std::numeric_limits<size_t>::max();

/* Handles registered by this thread; a kept handle leaves a nullptr so later marks stay valid. */
thread_local std::vector<tt_tensor *> arena;
thread_local size_t arena_live = 0;

tt_t wrap(torch::Tensor &&tensor) {
    std::unique_ptr<tt_tensor> handle(new tt_tensor{std::move(tensor), arena.size()});
    arena.push_back(handle.get());
    ++arena_live;
    return handle.release();
}

/* libtorch messages carry a C++ backtrace after the first line; the status keeps one line. */
void record_exception(const char *function, const char *what) {
    const char *newline = std::strchr(what, '\n');
    int length = newline ? (int)(newline - what) : (int)std::strlen(what);
    rgtg_error_set(RGTG_ERR_TORCH, "%s: %.*s", function, length, what);
}

/* Keeps the root cause when one is pending (rgtg_error_set never overwrites), and makes a NULL that
 * arrives without any recorded error visible. */
void note_null(const char *function) {
    rgtg_error_set(RGTG_ERR_TORCH, "%s: NULL tensor argument", function);
}

bool any_null(std::initializer_list<const tt_tensor *> handles) {
    for (const tt_tensor *h : handles)
        if (!h) return true;
    return false;
}

bool to_scalar_type(tt_dtype_t dtype, torch::ScalarType *out) {
    switch (dtype) {
    case TT_F32: *out = torch::kFloat; return true;
    case TT_F16: *out = torch::kHalf; return true;
    case TT_BF16: *out = torch::kBFloat16; return true;
    case TT_I64: *out = torch::kLong; return true;
    case TT_I32: *out = torch::kInt; return true;
    case TT_U8: *out = torch::kByte; return true;
    case TT_BOOL: *out = torch::kBool; return true;
    case TT_F64: *out = torch::kDouble; return true;
    case TT_DTYPE_INVALID: break;
    }
    return false;
}

bool from_scalar_type(torch::ScalarType st, tt_dtype_t *out) {
    switch (st) {
    case torch::kFloat: *out = TT_F32; return true;
    case torch::kHalf: *out = TT_F16; return true;
    case torch::kBFloat16: *out = TT_BF16; return true;
    case torch::kLong: *out = TT_I64; return true;
    case torch::kInt: *out = TT_I32; return true;
    case torch::kByte: *out = TT_U8; return true;
    case torch::kBool: *out = TT_BOOL; return true;
    case torch::kDouble: *out = TT_F64; return true;
    default: return false;
    }
}

bool cuda_available_cached() {
    static const bool available = torch::cuda::is_available();
    return available;
}

/* Thrown for argument errors found by the shim itself; PROTECT turns it into a status. */
struct shim_error : std::exception {
    rgtg_status_t status;
    const char *text;
    shim_error(rgtg_status_t s, const char *t) : status(s), text(t) {}
    const char *what() const noexcept override { return text; }
};

torch::ScalarType scalar_type(tt_dtype_t dtype) {
    torch::ScalarType st;
    if (!to_scalar_type(dtype, &st)) throw shim_error(RGTG_ERR_INVALID, "unknown dtype code");
    return st;
}

torch::Device device_of(tt_device_t device) {
    if (device == TT_CPU) return torch::Device(torch::kCPU);
    if (device == TT_CUDA) {
        if (!cuda_available_cached())
            throw shim_error(RGTG_ERR_UNSUPPORTED, "CUDA is not available in this libtorch or machine");
        return torch::Device(torch::kCUDA);
    }
    throw shim_error(RGTG_ERR_INVALID, "unknown device code");
}

torch::TensorOptions options(tt_dtype_t dtype, tt_device_t device) {
    return torch::TensorOptions().dtype(scalar_type(dtype)).device(device_of(device));
}

torch::IntArrayRef dims_of(const int64_t *shape, int ndim) {
    if (ndim < 0 || ndim > TT_MAX_DIMS || (ndim > 0 && !shape))
        throw shim_error(RGTG_ERR_INVALID, "shape must have 0..8 dims and a non-NULL array");
    return torch::IntArrayRef(shape, (size_t)ndim);
}

std::vector<torch::Tensor> tensor_list(const tt_t *ts, int n) {
    if (n <= 0 || !ts) throw shim_error(RGTG_ERR_INVALID, "needs at least one tensor");
    std::vector<torch::Tensor> list;
    list.reserve((size_t)n);
    for (int i = 0; i < n; i++) list.push_back(ts[i]->t);
    return list;
}

bool any_null_in(const tt_t *ts, int n) {
    if (!ts) return false; /* reported by tensor_list as an invalid argument */
    for (int i = 0; i < n; i++)
        if (!ts[i]) return true;
    return false;
}

} // namespace

/* Wraps a function body: a C++ exception becomes a one-line recorded error and fail_value. */
#define PROTECT(fail_value, ...) PROTECT_AS(__func__, fail_value, __VA_ARGS__)

/* PROTECT for a helper whose errors name its caller, `function`. */
#define PROTECT_AS(function, fail_value, ...)                                                      \
    try {                                                                                          \
        __VA_ARGS__                                                                                \
    } catch (const shim_error &e) {                                                                \
        rgtg_error_set(e.status, "%s: %s", function, e.text);                                      \
        return fail_value;                                                                         \
    } catch (const std::exception &e) {                                                            \
        record_exception(function, e.what());                                                      \
        return fail_value;                                                                         \
    } catch (...) {                                                                                \
        record_exception(function, "unknown C++ exception");                                       \
        return fail_value;                                                                         \
    }

/* Returns fail_value from the enclosing function when any listed handle is NULL. */
#define NEED(fail_value, ...)                                                                      \
    do {                                                                                           \
        if (any_null({__VA_ARGS__})) {                                                             \
            note_null(__func__);                                                                   \
            return fail_value;                                                                     \
        }                                                                                          \
    } while (0)

/* The common shape of a unary tensor op. */
#define UNARY(name, expr)                                                                          \
    tt_t name(tt_t a) {                                                                            \
        NEED(nullptr, a);                                                                          \
        PROTECT(nullptr, return wrap(expr);)                                                       \
    }

#define BINARY(name, expr)                                                                         \
    tt_t name(tt_t a, tt_t b) {                                                                    \
        NEED(nullptr, a, b);                                                                       \
        PROTECT(nullptr, return wrap(expr);)                                                       \
    }

extern "C" {

/* ---- runtime ---- */

void tt_set_num_threads(int threads) {
    if (threads < 1) {
        rgtg_error_set(RGTG_ERR_INVALID, "tt_set_num_threads: thread count %d is below 1", threads);
        return;
    }
    try {
        torch::set_num_threads(threads);
    } catch (const std::exception &e) {
        record_exception(__func__, e.what());
    }
}

int tt_get_num_threads(void) { return torch::get_num_threads(); }

bool tt_cuda_available(void) {
    try {
        return cuda_available_cached();
    } catch (...) {
        return false;
    }
}

void tt_manual_seed(uint64_t seed) {
    try {
        torch::manual_seed(seed);
    } catch (const std::exception &e) {
        record_exception(__func__, e.what());
    }
}

size_t tt_dtype_size(tt_dtype_t dtype) {
    switch (dtype) {
    case TT_F32: case TT_I32: return 4;
    case TT_F16: case TT_BF16: return 2;
    case TT_I64: case TT_F64: return 8;
    case TT_U8: case TT_BOOL: return 1;
    case TT_DTYPE_INVALID: break;
    }
    return 0;
}

const char *tt_dtype_name(tt_dtype_t dtype) {
    switch (dtype) {
    case TT_F32: return "f32";
    case TT_F16: return "f16";
    case TT_BF16: return "bf16";
    case TT_I64: return "i64";
    case TT_I32: return "i32";
    case TT_U8: return "u8";
    case TT_BOOL: return "bool";
    case TT_F64: return "f64";
    case TT_DTYPE_INVALID: break;
    }
    return "unknown";
}

const char *tt_version(void) { return TORCH_VERSION; }

/* ---- arena ---- */

size_t tt_arena_mark(void) { return arena.size(); }

void tt_arena_release(size_t mark) {
    while (arena.size() > mark) {
        tt_tensor *handle = arena.back();
        arena.pop_back();
        if (handle) {
            --arena_live;
            delete handle;
        }
    }
}

tt_t tt_keep(tt_t t) {
    if (!t) return nullptr;
    if (t->slot == kNotInArena) return t; /* already kept */
    if (t->slot >= arena.size() || arena[t->slot] != t) {
        rgtg_error_set(RGTG_ERR_INVALID, "tt_keep: handle belongs to another thread's arena");
        return nullptr;
    }
    arena[t->slot] = nullptr;
    t->slot = kNotInArena;
    --arena_live;
    return t;
}

void tt_free(tt_t t) {
    if (!t) return;
    if (t->slot != kNotInArena) {
        rgtg_error_set(RGTG_ERR_INVALID, "tt_free: handle is still owned by an arena (tt_keep it first)");
        return;
    }
    delete t;
}

size_t tt_arena_size(void) { return arena_live; }

/* ---- creation and host copies ---- */

tt_t tt_empty(const int64_t *shape, int ndim, tt_dtype_t dtype, tt_device_t device) {
    PROTECT(nullptr, return wrap(torch::empty(dims_of(shape, ndim), options(dtype, device)));)
}

tt_t tt_zeros(const int64_t *shape, int ndim, tt_dtype_t dtype, tt_device_t device) {
    PROTECT(nullptr, return wrap(torch::zeros(dims_of(shape, ndim), options(dtype, device)));)
}

tt_t tt_full(const int64_t *shape, int ndim, double value, tt_dtype_t dtype, tt_device_t device) {
    PROTECT(nullptr,
            return wrap(torch::full(dims_of(shape, ndim), torch::Scalar(value), options(dtype, device)));)
}

tt_t tt_arange(int64_t start, int64_t end, tt_dtype_t dtype, tt_device_t device) {
    PROTECT(nullptr, return wrap(torch::arange(torch::Scalar(start), torch::Scalar(end),
                                               options(dtype, device)));)
}

tt_t tt_from_host(const void *data, const int64_t *shape, int ndim, tt_dtype_t dtype, tt_device_t device) {
    PROTECT(nullptr, {
        torch::IntArrayRef dims = dims_of(shape, ndim);
        torch::ScalarType st = scalar_type(dtype);
        torch::Device dev = device_of(device);
        int64_t numel = 1;
        for (int64_t d : dims) {
            if (d < 0) throw shim_error(RGTG_ERR_INVALID, "negative dimension");
            numel *= d;
        }
        if (numel > 0 && !data) throw shim_error(RGTG_ERR_INVALID, "NULL host data");
        if (numel == 0) return wrap(torch::empty(dims, torch::TensorOptions().dtype(st).device(dev)));
        /* The blob view aliases caller memory only for the duration of this copy. */
        torch::Tensor view = torch::from_blob(const_cast<void *>(data), dims, torch::TensorOptions().dtype(st));
        return wrap(dev.is_cpu() ? view.clone() : view.to(dev));
    })
}

rgtg_status_t tt_to_host(tt_t t, tt_dtype_t dtype, void *out, size_t nbytes) {
    if (!t) {
        note_null(__func__);
        return rgtg_error_status() != RGTG_OK ? rgtg_error_status() : RGTG_ERR_TORCH;
    }
    PROTECT(RGTG_ERR_TORCH, {
        torch::ScalarType st = scalar_type(dtype);
        size_t want = (size_t)t->t.numel() * tt_dtype_size(dtype);
        if (want != nbytes) {
            rgtg_error_set(RGTG_ERR_INVALID, "tt_to_host: buffer has %zu bytes, tensor needs %zu", nbytes, want);
            return RGTG_ERR_INVALID;
        }
        if (want == 0) return RGTG_OK;
        if (!out) throw shim_error(RGTG_ERR_INVALID, "NULL output buffer");
        torch::Tensor host = t->t.to(torch::kCPU, st).contiguous();
        if ((size_t)host.nbytes() != want) throw shim_error(RGTG_ERR_TORCH, "converted tensor has an unexpected size");
        std::memcpy(out, host.data_ptr(), want);
        return RGTG_OK;
    })
}

double tt_item(tt_t t) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    NEED(nan, t);
    PROTECT(nan, return t->t.item<double>();)
}

/* ---- properties ---- */

int tt_ndim(tt_t t) {
    NEED(-1, t);
    return (int)t->t.dim();
}

int64_t tt_size(tt_t t, int dim) {
    NEED(-1, t);
    PROTECT(-1, return t->t.size(dim);)
}

int64_t tt_numel(tt_t t) {
    NEED(-1, t);
    return t->t.numel();
}

tt_dtype_t tt_dtype(tt_t t) {
    NEED(TT_DTYPE_INVALID, t);
    tt_dtype_t code;
    if (!from_scalar_type(t->t.scalar_type(), &code)) {
        rgtg_error_set(RGTG_ERR_UNSUPPORTED, "tt_dtype: tensor dtype %s has no tt code",
                       c10::toString(t->t.scalar_type()));
        return TT_DTYPE_INVALID;
    }
    return code;
}

tt_device_t tt_device(tt_t t) {
    NEED(TT_DEVICE_INVALID, t);
    if (t->t.is_cuda()) return TT_CUDA;
    if (t->t.is_cpu()) return TT_CPU;
    rgtg_error_set(RGTG_ERR_UNSUPPORTED, "tt_device: tensor lives on a device that has no tt code");
    return TT_DEVICE_INVALID;
}

int tt_shape(tt_t t, int64_t *shape) {
    NEED(-1, t);
    int ndim = (int)t->t.dim();
    if (ndim > TT_MAX_DIMS || !shape) {
        rgtg_error_set(RGTG_ERR_INVALID, "tt_shape: %d dims exceed TT_MAX_DIMS or shape is NULL", ndim);
        return -1;
    }
    for (int i = 0; i < ndim; i++) shape[i] = t->t.size(i);
    return ndim;
}

/* ---- conversion and layout ---- */

tt_t tt_to(tt_t t, tt_dtype_t dtype, tt_device_t device) {
    NEED(nullptr, t);
    PROTECT(nullptr, return wrap(t->t.to(device_of(device), scalar_type(dtype)));)
}

UNARY(tt_clone, a->t.clone())
UNARY(tt_contiguous, a->t.contiguous())
UNARY(tt_detach, a->t.detach())

tt_t tt_reshape(tt_t t, const int64_t *shape, int ndim) {
    NEED(nullptr, t);
    PROTECT(nullptr, return wrap(t->t.reshape(dims_of(shape, ndim)));)
}

tt_t tt_transpose(tt_t t, int dim0, int dim1) {
    NEED(nullptr, t);
    PROTECT(nullptr, return wrap(t->t.transpose(dim0, dim1));)
}

tt_t tt_permute(tt_t t, const int64_t *dims, int ndim) {
    NEED(nullptr, t);
    PROTECT(nullptr, return wrap(t->t.permute(dims_of(dims, ndim)));)
}

tt_t tt_unsqueeze(tt_t t, int dim) {
    NEED(nullptr, t);
    PROTECT(nullptr, return wrap(t->t.unsqueeze(dim));)
}

tt_t tt_squeeze(tt_t t, int dim) {
    NEED(nullptr, t);
    PROTECT(nullptr, return wrap(t->t.squeeze(dim));)
}

tt_t tt_expand(tt_t t, const int64_t *shape, int ndim) {
    NEED(nullptr, t);
    PROTECT(nullptr, return wrap(t->t.expand(dims_of(shape, ndim)));)
}

tt_t tt_narrow(tt_t t, int dim, int64_t start, int64_t length) {
    NEED(nullptr, t);
    PROTECT(nullptr, return wrap(t->t.narrow(dim, start, length));)
}

tt_t tt_select(tt_t t, int dim, int64_t index) {
    NEED(nullptr, t);
    PROTECT(nullptr, return wrap(t->t.select(dim, index));)
}

tt_t tt_cat(const tt_t *ts, int n, int dim) {
    if (any_null_in(ts, n)) {
        note_null(__func__);
        return nullptr;
    }
    PROTECT(nullptr, return wrap(torch::cat(tensor_list(ts, n), dim));)
}

tt_t tt_stack(const tt_t *ts, int n, int dim) {
    if (any_null_in(ts, n)) {
        note_null(__func__);
        return nullptr;
    }
    PROTECT(nullptr, return wrap(torch::stack(tensor_list(ts, n), dim));)
}

tt_t tt_index_select(tt_t t, int dim, tt_t index) {
    NEED(nullptr, t, index);
    PROTECT(nullptr, return wrap(t->t.index_select(dim, index->t));)
}

tt_t tt_gather(tt_t t, int dim, tt_t index) {
    NEED(nullptr, t, index);
    PROTECT(nullptr, return wrap(t->t.gather(dim, index->t));)
}

tt_t tt_repeat_interleave(tt_t t, int64_t repeats, int dim) {
    NEED(nullptr, t);
    PROTECT(nullptr, return wrap(t->t.repeat_interleave(repeats, (int64_t)dim));)
}

/* ---- elementwise and reductions ---- */

BINARY(tt_add, a->t + b->t)
BINARY(tt_sub, a->t - b->t)
BINARY(tt_mul, a->t * b->t)
BINARY(tt_div, a->t / b->t)

/* An integral tensor keeps its dtype under integral scalars (torch would promote on a double). */
static torch::Scalar scalar_for(const torch::Tensor &t, double value) {
    if (!c10::isFloatingType(t.scalar_type()) && value == (double)(int64_t)value) return torch::Scalar((int64_t)value);
    return torch::Scalar(value);
}

tt_t tt_add_scalar(tt_t a, double s) {
    NEED(nullptr, a);
    PROTECT(nullptr, return wrap(a->t.add(scalar_for(a->t, s)));)
}

tt_t tt_mul_scalar(tt_t a, double s) {
    NEED(nullptr, a);
    PROTECT(nullptr, return wrap(a->t.mul(torch::Scalar(s)));)
}

tt_t tt_pow_scalar(tt_t a, double exponent) {
    NEED(nullptr, a);
    PROTECT(nullptr, return wrap(a->t.pow(torch::Scalar(exponent)));)
}

UNARY(tt_neg, a->t.neg())
UNARY(tt_exp, a->t.exp())
UNARY(tt_log, a->t.log())
UNARY(tt_sqrt, a->t.sqrt())
UNARY(tt_rsqrt, a->t.rsqrt())
UNARY(tt_abs, a->t.abs())
UNARY(tt_cos, a->t.cos())
UNARY(tt_sin, a->t.sin())
UNARY(tt_silu, torch::silu(a->t))
UNARY(tt_sigmoid, a->t.sigmoid())
UNARY(tt_logsigmoid, torch::log_sigmoid(a->t))
UNARY(tt_sum, a->t.sum())
UNARY(tt_mean, a->t.mean())
UNARY(tt_isfinite_all, torch::isfinite(a->t).all())

tt_t tt_softmax(tt_t a, int dim) {
    NEED(nullptr, a);
    PROTECT(nullptr, return wrap(torch::softmax(a->t, (int64_t)dim));)
}

tt_t tt_log_softmax(tt_t a, int dim) {
    NEED(nullptr, a);
    PROTECT(nullptr, return wrap(torch::log_softmax(a->t, (int64_t)dim));)
}

tt_t tt_sum_dim(tt_t a, int dim, bool keepdim) {
    NEED(nullptr, a);
    const int64_t d = dim;
    PROTECT(nullptr, return wrap(a->t.sum(torch::IntArrayRef(&d, 1), keepdim));)
}

tt_t tt_mean_dim(tt_t a, int dim, bool keepdim) {
    NEED(nullptr, a);
    const int64_t d = dim;
    PROTECT(nullptr, return wrap(a->t.mean(torch::IntArrayRef(&d, 1), keepdim));)
}

tt_t tt_max_dim(tt_t a, int dim, bool keepdim, tt_t *indices_out) {
    if (indices_out) *indices_out = nullptr;
    NEED(nullptr, a);
    PROTECT(nullptr, {
        auto result = torch::max(a->t, (int64_t)dim, keepdim);
        tt_t values = wrap(std::move(std::get<0>(result)));
        if (indices_out) *indices_out = wrap(std::move(std::get<1>(result)));
        return values;
    })
}

tt_t tt_argmax(tt_t a, int dim, bool keepdim) {
    NEED(nullptr, a);
    PROTECT(nullptr, return wrap(torch::argmax(a->t, (int64_t)dim, keepdim));)
}

tt_t tt_cumsum(tt_t a, int dim) {
    NEED(nullptr, a);
    PROTECT(nullptr, return wrap(torch::cumsum(a->t, (int64_t)dim));)
}

tt_t tt_eq_scalar(tt_t a, double s) {
    NEED(nullptr, a);
    PROTECT(nullptr, return wrap(a->t.eq(torch::Scalar(s)));)
}

tt_t tt_gt_scalar(tt_t a, double s) {
    NEED(nullptr, a);
    PROTECT(nullptr, return wrap(a->t.gt(torch::Scalar(s)));)
}

BINARY(tt_logical_and, torch::logical_and(a->t, b->t))

tt_t tt_where(tt_t cond, tt_t a, tt_t b) {
    NEED(nullptr, cond, a, b);
    PROTECT(nullptr, return wrap(torch::where(cond->t, a->t, b->t));)
}

tt_t tt_masked_fill(tt_t a, tt_t mask, double value) {
    NEED(nullptr, a, mask);
    PROTECT(nullptr, return wrap(a->t.masked_fill(mask->t, torch::Scalar(value)));)
}

tt_t tt_clamp(tt_t a, double lo, double hi) {
    NEED(nullptr, a);
    PROTECT(nullptr, return wrap(torch::clamp(a->t, torch::Scalar(lo), torch::Scalar(hi)));)
}

/* ---- linear algebra and network ops ---- */

BINARY(tt_matmul, torch::matmul(a->t, b->t))

tt_t tt_linear(tt_t x, tt_t weight) {
    NEED(nullptr, x, weight);
    PROTECT(nullptr, return wrap(torch::linear(x->t, weight->t));)
}

tt_t tt_embedding(tt_t weight, tt_t ids) {
    NEED(nullptr, weight, ids);
    PROTECT(nullptr, return wrap(torch::embedding(weight->t, ids->t));)
}

rgtg_status_t tt_topk(tt_t a, int64_t k, tt_t *values_out, tt_t *indices_out) {
    if (values_out) *values_out = nullptr;
    if (indices_out) *indices_out = nullptr;
    if (!a) {
        note_null(__func__);
        return rgtg_error_status() != RGTG_OK ? rgtg_error_status() : RGTG_ERR_TORCH;
    }
    PROTECT(RGTG_ERR_TORCH, {
        auto result = torch::topk(a->t, k, -1, /*largest=*/true, /*sorted=*/true);
        tt_t values = wrap(std::move(std::get<0>(result)));
        tt_t indices = wrap(std::move(std::get<1>(result)));
        if (values_out) *values_out = values;
        if (indices_out) *indices_out = indices;
        return RGTG_OK;
    })
}

/* ---- raw memory ---- */

void *tt_data_ptr(tt_t t) {
    NEED(nullptr, t);
    PROTECT(nullptr, {
        if (!t->t.is_contiguous()) throw shim_error(RGTG_ERR_INVALID, "tensor is not contiguous");
        return t->t.data_ptr();
    })
}

int tt_device_index(tt_t t) {
    NEED(-2, t);
    if (t->t.is_cpu()) return -1;
    if (t->t.is_cuda()) return (int)t->t.get_device();
    rgtg_error_set(RGTG_ERR_UNSUPPORTED, "tt_device_index: tensor lives on a device that has no tt code");
    return -2;
}

rgtg_status_t tt_cuda_current_stream(int device_index, void **stream_out) {
    if (!stream_out) return rgtg_error_set(RGTG_ERR_INVALID, "tt_cuda_current_stream: NULL stream_out");
    *stream_out = nullptr;
#ifdef RGTG_TORCH_CUDA
    PROTECT(RGTG_ERR_TORCH, {
        if (device_index < 0 || device_index > 127) throw shim_error(RGTG_ERR_INVALID, "CUDA device index out of range");
        *stream_out = (void *)c10::cuda::getCurrentCUDAStream((c10::DeviceIndex)device_index).stream();
        return RGTG_OK;
    })
#else
    (void)device_index;
    return rgtg_error_set(RGTG_ERR_UNSUPPORTED,
                          "tt_cuda_current_stream: the libtorch shim was built without CUDA (RGTG_TORCH_CUDA)");
#endif
}

/* ---- in place (no autograd history is recorded) ---- */

static rgtg_status_t null_status(const char *function) {
    note_null(function);
    return rgtg_error_status() != RGTG_OK ? rgtg_error_status() : RGTG_ERR_TORCH;
}

/* Runs op on tensors that exist (have_handles) without recording autograd history; errors name function. */
extern "C++" { /* a template cannot have C linkage */
template <typename Op> static rgtg_status_t no_grad_in_place(const char *function, bool have_handles, Op op) {
    if (!have_handles) return null_status(function);
    PROTECT_AS(function, RGTG_ERR_TORCH, {
        torch::NoGradGuard no_grad;
        op();
        return RGTG_OK;
    })
}
}

rgtg_status_t tt_copy_(tt_t dst, tt_t src) {
    return no_grad_in_place(__func__, dst && src, [&] { dst->t.copy_(src->t); });
}

rgtg_status_t tt_fill_(tt_t dst, double value) {
    return no_grad_in_place(__func__, dst, [&] { dst->t.fill_(torch::Scalar(value)); });
}

rgtg_status_t tt_mul_scalar_(tt_t dst, double s) {
    return no_grad_in_place(__func__, dst, [&] { dst->t.mul_(torch::Scalar(s)); });
}

rgtg_status_t tt_add_(tt_t dst, tt_t src, double alpha) {
    return no_grad_in_place(__func__, dst && src, [&] { dst->t.add_(src->t, scalar_for(dst->t, alpha)); });
}

/* ---- autograd ---- */

rgtg_status_t tt_set_requires_grad(tt_t t, bool requires_grad) {
    if (!t) return null_status(__func__);
    PROTECT(RGTG_ERR_TORCH, {
        t->t.set_requires_grad(requires_grad);
        return RGTG_OK;
    })
}

bool tt_requires_grad(tt_t t) {
    NEED(false, t);
    return t->t.requires_grad();
}

rgtg_status_t tt_backward(tt_t loss) {
    if (!loss) return null_status(__func__);
    PROTECT(RGTG_ERR_TORCH, {
        loss->t.backward();
        return RGTG_OK;
    })
}

tt_t tt_grad(tt_t t) {
    NEED(nullptr, t);
    PROTECT(nullptr, {
        const torch::Tensor &grad = t->t.grad();
        if (!grad.defined()) return nullptr;
        return wrap(torch::Tensor(grad));
    })
}

rgtg_status_t tt_zero_grad(tt_t t) {
    if (!t) return null_status(__func__);
    PROTECT(RGTG_ERR_TORCH, {
        t->t.mutable_grad().reset();
        return RGTG_OK;
    })
}

bool tt_set_grad_enabled(bool enabled) {
    bool previous = at::GradMode::is_enabled();
    at::GradMode::set_enabled(enabled);
    return previous;
}

/* ---- optimizer ---- */

rgtg_status_t tt_adamw_step(tt_t param, tt_t grad, tt_t exp_avg, tt_t exp_avg_sq, int64_t step,
                            double lr, double beta1, double beta2, double eps, double weight_decay) {
    if (!param || !grad || !exp_avg || !exp_avg_sq) return null_status(__func__);
    if (step < 1) return rgtg_error_set(RGTG_ERR_INVALID, "tt_adamw_step: step %lld is below 1", (long long)step);
    PROTECT(RGTG_ERR_TORCH, {
        torch::NoGradGuard no_grad;
        torch::Tensor &p = param->t;
        const torch::Tensor &g = grad->t;
        /* The same sequence of operations as torch.optim.AdamW's single-tensor path, so that
         * results agree bit for bit where the kernels do. */
        p.mul_(1.0 - lr * weight_decay);
        exp_avg->t.lerp_(g, 1.0 - beta1);
        exp_avg_sq->t.mul_(beta2).addcmul_(g, g, 1.0 - beta2);
        const double bias_correction1 = 1.0 - std::pow(beta1, (double)step);
        const double bias_correction2 = 1.0 - std::pow(beta2, (double)step);
        const double step_size = lr / bias_correction1;
        const double bias_correction2_sqrt = std::sqrt(bias_correction2);
        torch::Tensor denom = (exp_avg_sq->t.sqrt() / bias_correction2_sqrt).add_(eps);
        p.addcdiv_(exp_avg->t, denom, -step_size);
        return RGTG_OK;
    })
}

} /* extern "C" */
