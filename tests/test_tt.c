/* tests/test_tt.c: unit tests of the libtorch C shim (core/torch/tt.h): arena, ops against
 * hand-computed values, autograd, AdamW against its formula, error propagation, dtypes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/status.h"
#include "../core/torch/tt.h"

static int failures = 0;

#define CHECK(cond, name)                                                                          \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("ok   %s\n", name);                                                             \
        } else {                                                                                   \
            printf("FAIL %s (%s:%d) [error: %s]\n", name, __FILE__, __LINE__, rgtg_error_message()); \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static tt_t from_f32(const float *data, const int64_t *shape, int ndim) {
    return tt_from_host(data, shape, ndim, TT_F32, TT_CPU);
}

/* true when t (any dtype) holds exactly n values within tol of expected */
static int values_near(tt_t t, const double *expected, int n, double tol) {
    double got[64];
    if (!t || n > 64 || tt_numel(t) != n) return 0;
    if (tt_to_host(t, TT_F64, got, sizeof(double) * (size_t)n) != RGTG_OK) return 0;
    for (int i = 0; i < n; i++)
        if (!(fabs(got[i] - expected[i]) <= tol)) {
            printf("     index %d: got %.17g expected %.17g\n", i, got[i], expected[i]);
            return 0;
        }
    return 1;
}

static int longs_equal(tt_t t, const int64_t *expected, int n) {
    int64_t got[64];
    if (!t || n > 64 || tt_numel(t) != n) return 0;
    if (tt_to_host(t, TT_I64, got, sizeof(int64_t) * (size_t)n) != RGTG_OK) return 0;
    return memcmp(got, expected, sizeof(int64_t) * (size_t)n) == 0;
}

static void test_runtime(void) {
    CHECK(strlen(tt_version()) > 0 && tt_version()[0] >= '1' && tt_version()[0] <= '9', "tt_version is a version");
    CHECK(tt_dtype_size(TT_BF16) == 2 && tt_dtype_size(TT_I64) == 8 && tt_dtype_size(TT_BOOL) == 1,
          "tt_dtype_size");
    CHECK(strcmp(tt_dtype_name(TT_F16), "f16") == 0, "tt_dtype_name");
    tt_set_num_threads(2);
    CHECK(tt_get_num_threads() == 2, "set/get num threads");
}

static void test_arena(void) {
    size_t before = tt_arena_size();
    size_t mark = tt_arena_mark();
    int64_t shape[2] = {2, 3};
    tt_t a = tt_zeros(shape, 2, TT_F32, TT_CPU);
    tt_t b = tt_full(shape, 2, 1.5, TT_F32, TT_CPU);
    tt_t c = tt_add(a, b);
    CHECK(a && b && c && tt_arena_size() == before + 3, "arena holds three new handles");
    tt_t kept = tt_keep(tt_mul_scalar(c, 2.0));
    CHECK(kept && tt_arena_size() == before + 3, "tt_keep takes a handle out of the arena");
    tt_arena_release(mark);
    CHECK(tt_arena_size() == before, "release returns the arena to its size at mark");
    CHECK(tt_arena_mark() == mark, "release returns the arena mark");
    size_t mark2 = tt_arena_mark();
    tt_t s = tt_sum(kept);
    CHECK(s && fabs(tt_item(s) - 18.0) < 1e-9, "kept handle survives release");
    tt_arena_release(mark2);
    tt_free(kept);
    CHECK(tt_arena_size() == before, "arena empty after tt_free");
}

static void test_arithmetic(void) {
    size_t mark = tt_arena_mark();
    const float av[4] = {1.0f, 4.0f, 9.0f, 16.0f};
    const float bv[4] = {2.0f, -1.0f, 0.5f, 4.0f};
    int64_t shape[2] = {2, 2};
    tt_t a = from_f32(av, shape, 2), b = from_f32(bv, shape, 2);
    int64_t got_shape[TT_MAX_DIMS];
    CHECK(tt_shape(a, got_shape) == 2 && got_shape[0] == 2 && got_shape[1] == 2 && tt_dtype(a) == TT_F32 &&
              tt_device(a) == TT_CPU && tt_size(a, -1) == 2,
          "shape, dtype and device of a host copy");
    CHECK(values_near(tt_add(a, b), (double[]){3, 3, 9.5, 20}, 4, 1e-6), "add");
    CHECK(values_near(tt_sub(a, b), (double[]){-1, 5, 8.5, 12}, 4, 1e-6), "sub");
    CHECK(values_near(tt_mul(a, b), (double[]){2, -4, 4.5, 64}, 4, 1e-6), "mul");
    CHECK(values_near(tt_div(a, b), (double[]){0.5, -4, 18, 4}, 4, 1e-6), "div");
    CHECK(values_near(tt_add_scalar(a, -1), (double[]){0, 3, 8, 15}, 4, 1e-6), "add_scalar");
    CHECK(values_near(tt_mul_scalar(a, 0.5), (double[]){0.5, 2, 4.5, 8}, 4, 1e-6), "mul_scalar");
    CHECK(values_near(tt_pow_scalar(a, 1.5), (double[]){1, 8, 27, 64}, 4, 1e-4), "pow_scalar");
    CHECK(values_near(tt_sqrt(a), (double[]){1, 2, 3, 4}, 4, 1e-6), "sqrt");
    CHECK(values_near(tt_rsqrt(a), (double[]){1, 0.5, 1.0 / 3, 0.25}, 4, 1e-6), "rsqrt");
    CHECK(values_near(tt_abs(tt_neg(b)), (double[]){2, 1, 0.5, 4}, 4, 0), "neg and abs");
    CHECK(values_near(tt_log(tt_exp(b)), (double[]){2, -1, 0.5, 4}, 4, 1e-5), "exp and log");
    CHECK(values_near(tt_sigmoid(b), (double[]){1 / (1 + exp(-2.0)), 1 / (1 + exp(1.0)), 1 / (1 + exp(-0.5)),
                                                1 / (1 + exp(-4.0))},
                      4, 1e-6),
          "sigmoid");
    CHECK(values_near(tt_silu(b), (double[]){2 / (1 + exp(-2.0)), -1 / (1 + exp(1.0)), 0.5 / (1 + exp(-0.5)),
                                             4 / (1 + exp(-4.0))},
                      4, 1e-6),
          "silu");
    CHECK(values_near(tt_logsigmoid(b), (double[]){-log1p(exp(-2.0)), -log1p(exp(1.0)), -log1p(exp(-0.5)),
                                                   -log1p(exp(-4.0))},
                      4, 1e-6),
          "logsigmoid");
    CHECK(values_near(tt_clamp(b, 0, 3), (double[]){2, 0, 0.5, 3}, 4, 0), "clamp");
    CHECK(fabs(tt_item(tt_sum(a)) - 30) < 1e-6 && fabs(tt_item(tt_mean(a)) - 7.5) < 1e-6, "sum and mean");
    CHECK(values_near(tt_sum_dim(a, 1, false), (double[]){5, 25}, 2, 1e-6), "sum_dim");
    tt_t mean_keep = tt_mean_dim(a, 0, true);
    CHECK(values_near(mean_keep, (double[]){5, 10}, 2, 1e-6) && tt_ndim(mean_keep) == 2, "mean_dim keepdim");
    tt_t idx = NULL;
    tt_t mx = tt_max_dim(b, 1, false, &idx);
    CHECK(values_near(mx, (double[]){2, 4}, 2, 0) && longs_equal(idx, (int64_t[]){0, 1}, 2), "max_dim with indices");
    CHECK(longs_equal(tt_argmax(b, 0, false), (int64_t[]){0, 1}, 2), "argmax");
    CHECK(values_near(tt_cumsum(a, 1), (double[]){1, 5, 9, 25}, 4, 1e-6), "cumsum");
    tt_t gt = tt_gt_scalar(a, 5);
    CHECK(tt_dtype(gt) == TT_BOOL && values_near(gt, (double[]){0, 0, 1, 1}, 4, 0), "gt_scalar is bool");
    CHECK(values_near(tt_logical_and(gt, tt_eq_scalar(b, 4)), (double[]){0, 0, 0, 1}, 4, 0), "eq_scalar, logical_and");
    CHECK(values_near(tt_where(gt, a, b), (double[]){2, -1, 9, 16}, 4, 0), "where");
    CHECK(values_near(tt_masked_fill(a, gt, -7), (double[]){1, 4, -7, -7}, 4, 0), "masked_fill");
    CHECK(tt_item(tt_isfinite_all(a)) == 1.0, "isfinite_all true");
    CHECK(tt_item(tt_isfinite_all(tt_log(tt_add_scalar(a, -1)))) == 0.0, "isfinite_all false on log(0)");
    CHECK(values_near(tt_transpose(a, 0, 1), (double[]){1, 9, 4, 16}, 4, 0), "transpose");
    CHECK(values_near(tt_narrow(tt_reshape(a, (int64_t[]){4}, 1), 0, 1, 2), (double[]){4, 9}, 2, 0), "reshape, narrow");
    CHECK(values_near(tt_select(a, 0, 1), (double[]){9, 16}, 2, 0), "select");
    tt_t pair[2] = {a, b};
    tt_t cat = tt_cat(pair, 2, 0);
    CHECK(tt_size(cat, 0) == 4 && values_near(tt_select(cat, 0, 2), (double[]){2, -1}, 2, 0), "cat");
    tt_t stk = tt_stack(pair, 2, 0);
    CHECK(tt_ndim(stk) == 3 && tt_size(stk, 0) == 2, "stack");
    CHECK(values_near(tt_repeat_interleave(tt_select(a, 0, 0), 2, 0), (double[]){1, 1, 4, 4}, 4, 0), "repeat_interleave");
    CHECK(values_near(tt_arange(2, 5, TT_I64, TT_CPU), (double[]){2, 3, 4}, 3, 0), "arange");
    tt_arena_release(mark);
}

static void test_linear_algebra(void) {
    size_t mark = tt_arena_mark();
    const float xv[6] = {1, 2, 3, 4, 5, 6};       /* [2, 3] */
    const float wv[6] = {1, 0, -1, 2, 1, 0};      /* [2, 3] as Linear weight [out=2, in=3] */
    tt_t x = from_f32(xv, (int64_t[]){2, 3}, 2);
    tt_t w = from_f32(wv, (int64_t[]){2, 3}, 2);
    tt_t y = tt_linear(x, w);
    CHECK(tt_size(y, 0) == 2 && tt_size(y, 1) == 2 && values_near(y, (double[]){-2, 4, -2, 13}, 4, 1e-6),
          "linear is x @ w^T");
    tt_t m = tt_matmul(x, tt_transpose(w, 0, 1));
    CHECK(values_near(m, (double[]){-2, 4, -2, 13}, 4, 1e-6), "matmul [2,3]x[3,2]");
    tt_t batched = tt_matmul(tt_unsqueeze(x, 0), tt_expand(tt_unsqueeze(tt_transpose(w, 0, 1), 0), (int64_t[]){3, 3, 2}, 3));
    CHECK(tt_ndim(batched) == 3 && tt_size(batched, 0) == 3 && tt_size(batched, 2) == 2, "batched matmul shape");

    const float lv[3] = {1, 2, 3};
    tt_t logits = from_f32(lv, (int64_t[]){1, 3}, 2);
    double z = exp(1.0) + exp(2.0) + exp(3.0);
    CHECK(values_near(tt_softmax(logits, -1), (double[]){exp(1.0) / z, exp(2.0) / z, exp(3.0) / z}, 3, 1e-6),
          "softmax");
    CHECK(values_near(tt_log_softmax(logits, 1), (double[]){1 - log(z), 2 - log(z), 3 - log(z)}, 3, 1e-6),
          "log_softmax");

    const float tv[10] = {0.1f, 0.9f, 0.3f, 0.7f, 0.5f, 5, 1, 4, 2, 3};
    tt_t vals = NULL, inds = NULL;
    rgtg_status_t st = tt_topk(from_f32(tv, (int64_t[]){2, 5}, 2), 3, &vals, &inds);
    CHECK(st == RGTG_OK && values_near(vals, (double[]){0.9, 0.7, 0.5, 5, 4, 3}, 6, 1e-6) &&
              longs_equal(inds, (int64_t[]){1, 3, 4, 0, 2, 4}, 6),
          "topk sorted descending along the last dim");

    const float ev[6] = {0, 1, 10, 11, 20, 21}; /* 3 tokens x 2 dims */
    const int64_t ids[3] = {2, 0, 2};
    tt_t emb = tt_embedding(from_f32(ev, (int64_t[]){3, 2}, 2), tt_from_host(ids, (int64_t[]){3}, 1, TT_I64, TT_CPU));
    CHECK(tt_size(emb, 0) == 3 && tt_size(emb, 1) == 2 && values_near(emb, (double[]){20, 21, 0, 1, 20, 21}, 6, 0),
          "embedding");

    const int64_t gi[4] = {1, 1, 0, 2};
    tt_t g = tt_gather(x, 1, tt_from_host(gi, (int64_t[]){2, 2}, 2, TT_I64, TT_CPU));
    CHECK(values_near(g, (double[]){2, 2, 4, 6}, 4, 0), "gather along dim 1");
    CHECK(values_near(tt_index_select(x, 0, tt_from_host((int64_t[]){1}, (int64_t[]){1}, 1, TT_I64, TT_CPU)),
                      (double[]){4, 5, 6}, 3, 0),
          "index_select");
    tt_arena_release(mark);
}

static void test_autograd(void) {
    size_t mark = tt_arena_mark();
    const float xv[3] = {1.0f, -2.0f, 0.5f};
    tt_t x = from_f32(xv, (int64_t[]){3}, 1);
    CHECK(tt_set_requires_grad(x, true) == RGTG_OK && tt_requires_grad(x), "requires_grad set");
    CHECK(tt_grad(x) == NULL && rgtg_error_status() == RGTG_OK, "no gradient before backward, no error");
    tt_t loss = tt_sum(tt_mul(x, x));
    CHECK(tt_requires_grad(loss) && tt_backward(loss) == RGTG_OK, "backward of sum(x*x)");
    CHECK(values_near(tt_grad(x), (double[]){2, -4, 1}, 3, 1e-6), "gradient of sum(x*x) is 2x");
    CHECK(tt_zero_grad(x) == RGTG_OK && tt_grad(x) == NULL && rgtg_error_status() == RGTG_OK, "zero_grad drops it");

    bool previous = tt_set_grad_enabled(false);
    tt_t no_hist = tt_mul(x, x);
    CHECK(previous && !tt_requires_grad(no_hist), "grad disabled records no history");
    CHECK(!tt_set_grad_enabled(true), "set_grad_enabled returns the previous mode");

    tt_t buf = tt_zeros((int64_t[]){3}, 1, TT_F32, TT_CPU);
    CHECK(tt_copy_(buf, x) == RGTG_OK && tt_add_(buf, x, 2.0) == RGTG_OK && tt_mul_scalar_(buf, 2.0) == RGTG_OK &&
              values_near(buf, (double[]){6, -12, 3}, 3, 1e-6) && !tt_requires_grad(buf),
          "in-place copy_, add_, mul_scalar_ record no history");
    CHECK(tt_fill_(buf, 0.25) == RGTG_OK && values_near(buf, (double[]){0.25, 0.25, 0.25}, 3, 0), "fill_");
    tt_arena_release(mark);
}

/* AdamW by its formula, in double, for comparison. */
static void adamw_reference(double *p, const double *g, double *m, double *v, int n, int step, double lr,
                            double b1, double b2, double eps, double wd) {
    double bc1 = 1 - pow(b1, step), bc2 = 1 - pow(b2, step);
    for (int i = 0; i < n; i++) {
        p[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        p[i] -= (lr / bc1) * m[i] / (sqrt(v[i]) / sqrt(bc2) + eps);
    }
}

static void test_adamw(tt_dtype_t dtype, double tol, const char *name) {
    size_t mark = tt_arena_mark();
    double p[3] = {0.5, -1.0, 2.0}, m[3] = {0}, v[3] = {0};
    const double g1[3] = {0.1, -0.3, 2.0}, g2[3] = {-0.2, 0.05, 1.0};
    const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
    tt_t param = tt_to(tt_from_host(p, (int64_t[]){3}, 1, TT_F64, TT_CPU), dtype, TT_CPU);
    tt_t exp_avg = tt_zeros((int64_t[]){3}, 1, dtype, TT_CPU);
    tt_t exp_avg_sq = tt_zeros((int64_t[]){3}, 1, dtype, TT_CPU);
    rgtg_status_t s1 = tt_adamw_step(param, tt_to(tt_from_host(g1, (int64_t[]){3}, 1, TT_F64, TT_CPU), dtype, TT_CPU),
                                     exp_avg, exp_avg_sq, 1, lr, b1, b2, eps, wd);
    adamw_reference(p, g1, m, v, 3, 1, lr, b1, b2, eps, wd);
    rgtg_status_t s2 = tt_adamw_step(param, tt_to(tt_from_host(g2, (int64_t[]){3}, 1, TT_F64, TT_CPU), dtype, TT_CPU),
                                     exp_avg, exp_avg_sq, 2, lr, b1, b2, eps, wd);
    adamw_reference(p, g2, m, v, 3, 2, lr, b1, b2, eps, wd);
    CHECK(s1 == RGTG_OK && s2 == RGTG_OK && values_near(param, p, 3, tol) && values_near(exp_avg, m, 3, tol) &&
              values_near(exp_avg_sq, v, 3, tol),
          name);
    /* the same two steps by torch.optim.AdamW (PyTorch 1.13, float64), printed with repr() */
    const double torch_param[3] = {0.49267153603784886, -0.9826256250641876, 1.976690203720801};
    const double torch_exp_avg[3] = {-0.010999999999999998, -0.021999999999999995, 0.2799999999999999};
    CHECK(values_near(param, torch_param, 3, dtype == TT_F64 ? 1e-12 : 2e-7) &&
              values_near(exp_avg, torch_exp_avg, 3, dtype == TT_F64 ? 1e-12 : 2e-8),
          "adamw matches torch.optim.AdamW's values");
    tt_arena_release(mark);
}

static void test_errors(void) {
    size_t mark = tt_arena_mark();
    rgtg_error_clear();
    tt_t a = tt_zeros((int64_t[]){2, 3}, 2, TT_F32, TT_CPU);
    tt_t b = tt_zeros((int64_t[]){4, 5}, 2, TT_F32, TT_CPU);
    tt_t bad = tt_matmul(a, b);
    const char *msg = rgtg_error_message();
    CHECK(bad == NULL && rgtg_error_status() == RGTG_ERR_TORCH, "matmul shape mismatch returns NULL and a torch error");
    CHECK(strlen(msg) > 10 && strchr(msg, '\n') == NULL && strstr(msg, "tt_matmul") != NULL,
          "error message is one line naming the op");
    printf("     message: %s\n", msg);
    char first[1024];
    snprintf(first, sizeof first, "%s", msg);
    tt_t chained = tt_sum(tt_add(bad, a));
    CHECK(chained == NULL && strcmp(rgtg_error_message(), first) == 0, "NULL propagates and keeps the first error");
    CHECK(tt_backward(NULL) == RGTG_ERR_TORCH && strcmp(rgtg_error_message(), first) == 0,
          "status op given NULL keeps the first error");
    rgtg_error_clear();
    CHECK(tt_neg(NULL) == NULL && rgtg_error_status() == RGTG_ERR_TORCH && strstr(rgtg_error_message(), "NULL"),
          "a NULL with no pending error is reported");
    rgtg_error_clear();
    float out[5];
    CHECK(tt_to_host(a, TT_F32, out, sizeof out) == RGTG_ERR_INVALID && rgtg_error_status() == RGTG_ERR_INVALID,
          "to_host rejects a wrong byte count");
    rgtg_error_clear();
    CHECK(tt_reshape(a, (int64_t[]){5}, 1) == NULL && strchr(rgtg_error_message(), '\n') == NULL,
          "invalid reshape returns NULL with a one-line message");
    rgtg_error_clear();
    if (!tt_cuda_available()) {
        CHECK(tt_zeros((int64_t[]){1}, 1, TT_F32, TT_CUDA) == NULL && rgtg_error_status() == RGTG_ERR_UNSUPPORTED,
              "CUDA request without CUDA is an unsupported error");
        rgtg_error_clear();
    }
    tt_arena_release(mark);
}

static void test_dtypes(void) {
    size_t mark = tt_arena_mark();
    const float v[4] = {1.0f, 0.5f, -2.25f, 3.140625f}; /* exact in bf16 and f16 */
    tt_t f32 = from_f32(v, (int64_t[]){4}, 1);
    tt_t bf16 = tt_to(f32, TT_BF16, TT_CPU);
    tt_t f16 = tt_to(bf16, TT_F16, TT_CPU);
    tt_t back = tt_to(f16, TT_F32, TT_CPU);
    float out[4] = {0};
    CHECK(tt_dtype(bf16) == TT_BF16 && tt_dtype(f16) == TT_F16 && tt_to_host(back, TT_F32, out, sizeof out) == RGTG_OK &&
              memcmp(out, v, sizeof v) == 0,
          "f32 -> bf16 -> f16 -> f32 round trip");
    uint16_t bits[4];
    CHECK(tt_to_host(f32, TT_BF16, bits, sizeof bits) == RGTG_OK && bits[0] == 0x3F80 && bits[1] == 0x3F00,
          "to_host converts f32 to bf16 bits");
    CHECK(tt_to_host(bf16, TT_F16, bits, sizeof bits) == RGTG_OK && bits[0] == 0x3C00 && bits[2] == 0xC080,
          "to_host converts bf16 to f16 bits");
    const uint16_t h[2] = {0x3C00, 0xC000}; /* f16 1.0, -2.0 */
    CHECK(values_near(tt_from_host(h, (int64_t[]){2}, 1, TT_F16, TT_CPU), (double[]){1, -2}, 2, 0), "from_host f16");
    const float rounded = 1.00390625f; /* 1 + 2^-8: bf16 rounds it to 1 (ties to even) */
    tt_t r = tt_to(from_f32(&rounded, (int64_t[]){1}, 1), TT_BF16, TT_CPU);
    CHECK(tt_item(r) == 1.0, "bf16 rounding");
    tt_t strided = tt_transpose(from_f32((const float[]){1, 2, 3, 4, 5, 6}, (int64_t[]){2, 3}, 2), 0, 1);
    int32_t ints[6];
    CHECK(tt_to_host(strided, TT_I32, ints, sizeof ints) == RGTG_OK && ints[0] == 1 && ints[1] == 4 && ints[5] == 6,
          "to_host of a transposed view converts and copies in logical order");
    tt_arena_release(mark);
}

/* Runs only where libtorch and the machine have CUDA; the same code must work on a CPU-only build. */
static void test_cuda(void) {
    if (!tt_cuda_available()) {
        printf("skip cuda checks (no CUDA device)\n");
        return;
    }
    size_t mark = tt_arena_mark();
    const float xv[6] = {1, 2, 3, 4, 5, 6};
    const float wv[6] = {1, 0, -1, 2, 1, 0};
    tt_t x = tt_from_host(xv, (int64_t[]){2, 3}, 2, TT_F32, TT_CUDA);
    tt_t w = tt_from_host(wv, (int64_t[]){2, 3}, 2, TT_F32, TT_CUDA);
    tt_t y = tt_linear(x, w);
    CHECK(tt_device(x) == TT_CUDA && tt_device(y) == TT_CUDA && values_near(y, (double[]){-2, 4, -2, 13}, 4, 1e-5),
          "cuda linear");
    tt_t ybf = tt_linear(tt_to(x, TT_BF16, TT_CUDA), tt_to(w, TT_BF16, TT_CUDA));
    CHECK(tt_dtype(ybf) == TT_BF16 && values_near(ybf, (double[]){-2, 4, -2, 13}, 4, 1e-2), "cuda bf16 linear");
    tt_t v = NULL, i = NULL;
    CHECK(tt_topk(x, 2, &v, &i) == RGTG_OK && longs_equal(i, (int64_t[]){2, 1, 2, 1}, 4), "cuda topk");
    tt_t leaf = tt_clone(x);
    tt_set_requires_grad(leaf, true);
    CHECK(tt_backward(tt_sum(tt_mul(leaf, leaf))) == RGTG_OK &&
              values_near(tt_grad(leaf), (double[]){2, 4, 6, 8, 10, 12}, 6, 1e-5),
          "cuda autograd");
    double p[3] = {0.5, -1.0, 2.0}, m[3] = {0}, s[3] = {0};
    const double g[3] = {0.1, -0.3, 2.0};
    tt_t param = tt_from_host(p, (int64_t[]){3}, 1, TT_F64, TT_CUDA);
    tt_t ea = tt_zeros((int64_t[]){3}, 1, TT_F64, TT_CUDA), es = tt_zeros((int64_t[]){3}, 1, TT_F64, TT_CUDA);
    rgtg_status_t st = tt_adamw_step(param, tt_from_host(g, (int64_t[]){3}, 1, TT_F64, TT_CUDA), ea, es, 1, 0.01, 0.9,
                                     0.999, 1e-8, 0.1);
    adamw_reference(p, g, m, s, 3, 1, 0.01, 0.9, 0.999, 1e-8, 0.1);
    CHECK(st == RGTG_OK && values_near(param, p, 3, 1e-12), "cuda adamw step");
    tt_arena_release(mark);
}

int main(void) {
    rgtg_error_clear();
    test_runtime();
    test_arena();
    test_arithmetic();
    test_linear_algebra();
    test_autograd();
    test_adamw(TT_F64, 1e-12, "adamw f64 matches the formula for 2 steps");
    test_adamw(TT_F32, 1e-6, "adamw f32 matches the formula for 2 steps");
    test_errors();
    test_dtypes();
    test_cuda();
    CHECK(tt_arena_size() == 0, "every test released its handles");
    CHECK(rgtg_error_status() == RGTG_OK, "no stray error left pending");
    printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
