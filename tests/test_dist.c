/* tests/test_dist.c: tests of the distributed layer (core/dist.h) with rank-dependent inputs: plain
 * all-reduces, bucketed gradient all-reduce over tensors of mixed shapes, dtypes and layouts,
 * broadcast, barrier, failure agreement, MPI_ERRORS_RETURN, and identical results on every rank.
 * Runs under `mpirun -np N` (N >= 1) and without mpirun (world size 1); every check is collective-safe
 * (a failing check never skips a collective), and the ranks agree on the exit code.
 * `test_dist --bench` instead times the all-reduce of a 5M-float bucket. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef RGTG_HAVE_MPI
#include <mpi.h>
#endif

#include "../core/clock.h"
#include "../core/dist.h"
#include "../core/status.h"
#include "../core/torch/tt.h"

static int failures = 0;

#define CHECK(cond, name)                                                                          \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("rank %d: ok   %s\n", rgtg_dist_rank(), name);                                 \
        } else {                                                                                   \
            printf("rank %d: FAIL %s (%s:%d) [error: %s]\n", rgtg_dist_rank(), name, __FILE__, __LINE__, \
                   rgtg_error_message());                                                          \
            failures++;                                                                            \
        }                                                                                          \
        fflush(stdout);                                                                            \
    } while (0)

static int world, rank;

/* true when t holds n values within rel_tol (relative, at least 1e-12 absolute) of expected */
static int tensor_near(tt_t t, const double *expected, int64_t n, double rel_tol) {
    if (!t || tt_numel(t) != n) return 0;
    double *got = malloc((size_t)n * sizeof *got);
    int ok = got && tt_to_host(t, TT_F64, got, (size_t)n * sizeof *got) == RGTG_OK;
    for (int64_t i = 0; ok && i < n; i++)
        if (!(fabs(got[i] - expected[i]) <= rel_tol * fabs(expected[i]) + 1e-12)) {
            printf("rank %d:      index %lld: got %.9g expected %.9g\n", rank, (long long)i, got[i], expected[i]);
            ok = 0;
        }
    free(got);
    return ok;
}

static void test_ranks(void) {
    CHECK(world >= 1 && rank >= 0 && rank < world, "rank is within the world");
    CHECK(rgtg_dist_local_size() >= 1 && rgtg_dist_local_size() <= world && rgtg_dist_local_rank() >= 0 &&
              rgtg_dist_local_rank() < rgtg_dist_local_size(),
          "local rank is within the node");
    const char *env_size = getenv("OMPI_COMM_WORLD_SIZE");
    CHECK(!env_size || atoi(env_size) == world, "world size matches mpirun's");
    CHECK(rgtg_dist_init(NULL, NULL) == RGTG_ERR_INVALID, "a second rgtg_dist_init is refused");
    rgtg_error_clear();
}

static void test_plain_allreduce(void) {
    enum { N = 1000 };
    float f32[N];
    double f64[N];
    int64_t most[N], least[N];
    for (int i = 0; i < N; i++) {
        f32[i] = (float)(rank + 1) + 0.5f * (float)i;
        f64[i] = 1000.0 * rank + i + 0.25;
        most[i] = least[i] = (int64_t)(rank + 1) * (i + 1) * (i % 2 ? 1 : -1);
    }
    CHECK(rgtg_dist_allreduce_sum_f32(f32, N) == RGTG_OK, "allreduce_sum_f32 runs");
    CHECK(rgtg_dist_allreduce_sum_f64(f64, N) == RGTG_OK, "allreduce_sum_f64 runs");
    CHECK(rgtg_dist_allreduce_max_i64(most, N) == RGTG_OK, "allreduce_max_i64 runs");
    CHECK(rgtg_dist_allreduce_min_i64(least, N) == RGTG_OK, "allreduce_min_i64 runs");
    int f32_ok = 1, f64_ok = 1, max_ok = 1, min_ok = 1;
    for (int i = 0; i < N; i++) {
        f32_ok &= f32[i] == (float)(world * (world + 1) / 2) + 0.5f * (float)(world * i);
        f64_ok &= f64[i] == 1000.0 * world * (world - 1) / 2 + (double)world * (i + 0.25);
        max_ok &= most[i] == (i % 2 ? (int64_t)world * (i + 1) : -(int64_t)(i + 1));
        min_ok &= least[i] == (i % 2 ? (int64_t)(i + 1) : -(int64_t)world * (i + 1));
    }
    CHECK(f32_ok, "allreduce_sum_f32 gives the sum over ranks");
    CHECK(f64_ok, "allreduce_sum_f64 gives the sum over ranks");
    CHECK(max_ok, "allreduce_max_i64 gives the maximum over ranks");
    CHECK(min_ok, "allreduce_min_i64 gives the minimum over ranks");
    CHECK(rgtg_dist_allreduce_sum_f32(NULL, 3) == RGTG_ERR_INVALID, "a NULL buffer is refused");
    rgtg_error_clear();
    CHECK(rgtg_dist_allreduce_sum_f32(NULL, 0) == RGTG_OK, "an empty all-reduce is fine");
}

static uint64_t xorshift(uint64_t *state) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static float uniform_pm1(uint64_t *state) { return (float)((double)(xorshift(state) >> 11) / 9007199254740992.0 * 2.0 - 1.0); }

/* Random floats: the sum is close to the exact sum, and bitwise identical on every rank. */
static void test_identical_on_every_rank(void) {
    enum { N = 100003 };
    float *values = malloc(N * sizeof *values);
    double *exact = calloc(N, sizeof *exact);
    if (!values || !exact) abort();
    for (int r = 0; r < world; r++) {
        uint64_t state = 0x9E3779B97F4A7C15ull * (uint64_t)(r + 1);
        for (int i = 0; i < N; i++) {
            float v = uniform_pm1(&state);
            exact[i] += v;
            if (r == rank) values[i] = v;
        }
    }
    CHECK(rgtg_dist_allreduce_sum_f32(values, N) == RGTG_OK, "random all-reduce runs");
    int close = 1;
    uint64_t hash = 1469598103934665603ull; /* FNV-1a over the result's bytes */
    for (int i = 0; i < N; i++) {
        close &= fabs(values[i] - exact[i]) <= 1e-6 * world;
        const unsigned char *bytes = (const unsigned char *)&values[i];
        for (size_t b = 0; b < sizeof(float); b++) hash = (hash ^ bytes[b]) * 1099511628211ull;
    }
    CHECK(close, "random all-reduce is the sum within float rounding");
    int64_t hashes[2] = {(int64_t)(hash >> 1), -(int64_t)(hash >> 1)};
    CHECK(rgtg_dist_allreduce_max_i64(hashes, 2) == RGTG_OK, "hashes are compared");
    CHECK(hashes[0] == -hashes[1] && hashes[0] == (int64_t)(hash >> 1), "all-reduce result is bitwise the same on every rank");
    free(values);
    free(exact);
}

/* arange(numel) + (rank + 1), in the given dtype and shape */
static tt_t rank_tensor(const int64_t *shape, int ndim, tt_dtype_t dtype, tt_device_t device) {
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++) numel *= shape[d];
    tt_t t = tt_add_scalar(tt_arange(0, numel, TT_F64, TT_CPU), rank + 1);
    return tt_keep(tt_to(tt_reshape(t, shape, ndim), dtype, device));
}

/* scale * sum over ranks of (i + rank + 1) for i < n */
static double *expected_sums(int64_t n, double scale) {
    double *e = malloc((size_t)(n > 0 ? n : 1) * sizeof *e);
    if (!e) abort();
    for (int64_t i = 0; i < n; i++) e[i] = scale * ((double)world * (double)i + world * (world + 1) / 2.0);
    return e;
}

static int tensor_is_sum(tt_t t, double scale, double rel_tol) {
    double *e = expected_sums(tt_numel(t), scale);
    int ok = tensor_near(t, e, tt_numel(t), rel_tol);
    free(e);
    return ok;
}

static void test_bucket(tt_device_t device, const char *device_name) {
    char name[160];
    size_t mark = tt_arena_mark();
    const int64_t shape_a[2] = {3, 4}, shape_b[1] = {5}, shape_c[3] = {2, 3, 2}, shape_base[2] = {4, 3},
                  shape_f[1] = {1000}, shape_half[1] = {6};
    tt_t a = rank_tensor(shape_a, 2, TT_F32, device);
    tt_t b = rank_tensor(shape_b, 1, TT_F64, device);
    tt_t c = rank_tensor(shape_c, 3, TT_BF16, device);
    tt_t half = rank_tensor(shape_half, 1, TT_F16, device);
    tt_t base = rank_tensor(shape_base, 2, TT_F32, device);
    tt_t d = tt_keep(tt_transpose(base, 0, 1)); /* a non-contiguous view into base */
    tt_t e = rank_tensor(NULL, 0, TT_F32, device); /* 0-dim */
    tt_t f = rank_tensor(shape_f, 1, TT_F32, device);
    snprintf(name, sizeof name, "%s: bucket test tensors are made", device_name);
    CHECK(a && b && c && half && base && d && e && f, name);
    if (!(a && b && c && half && base && d && e && f)) return; /* same on every rank: tensor creation is local */

    double scale = 1.0 / world;
    tt_t set1[6] = {a, b, c, d, e, half};
    snprintf(name, sizeof name, "%s: allreduce_tensors (mean) runs", device_name);
    CHECK(rgtg_dist_allreduce_tensors(set1, 6, scale) == RGTG_OK, name);
    snprintf(name, sizeof name, "%s: f32 [3,4] is the mean over ranks", device_name);
    CHECK(tensor_is_sum(a, scale, 1e-6), name);
    snprintf(name, sizeof name, "%s: f64 [5] is the mean over ranks", device_name);
    CHECK(tensor_is_sum(b, scale, 1e-15), name);
    snprintf(name, sizeof name, "%s: bf16 [2,3,2] is the mean over ranks", device_name);
    CHECK(tensor_is_sum(c, scale, 1e-2), name);
    snprintf(name, sizeof name, "%s: f16 [6] is the mean over ranks", device_name);
    CHECK(tensor_is_sum(half, scale, 1e-3), name);
    snprintf(name, sizeof name, "%s: 0-dim f32 is the mean over ranks", device_name);
    CHECK(tensor_is_sum(e, scale, 1e-6), name);
    /* every element of base (its own index + rank + 1) went through the transposed view d */
    snprintf(name, sizeof name, "%s: a non-contiguous view is reduced and written through", device_name);
    CHECK(tensor_is_sum(base, scale, 1e-6), name);

    /* A second call with a larger set grows the f32 bucket and reuses the others; scale 1 sums. */
    tt_t set2[3] = {f, a, b};
    snprintf(name, sizeof name, "%s: allreduce_tensors (sum) with a grown bucket runs", device_name);
    CHECK(rgtg_dist_allreduce_tensors(set2, 3, 1.0) == RGTG_OK, name);
    snprintf(name, sizeof name, "%s: f32 [1000] is the sum over ranks", device_name);
    CHECK(tensor_is_sum(f, 1.0, 1e-6), name);
    {
        /* a was already the mean m; summing it over ranks gives world * m */
        double *e2 = expected_sums(12, scale);
        for (int i = 0; i < 12; i++) e2[i] *= world;
        snprintf(name, sizeof name, "%s: second call sums the first call's means", device_name);
        CHECK(tensor_near(a, e2, 12, 1e-6), name);
        free(e2);
    }
    snprintf(name, sizeof name, "%s: allreduce_tensors with no tensors", device_name);
    CHECK(rgtg_dist_allreduce_tensors(NULL, 0, 1.0) == RGTG_OK, name);

    tt_t all[8] = {a, b, c, half, base, d, e, f};
    for (int i = 0; i < 8; i++) tt_free(all[i]);
    tt_arena_release(mark);
}

/* The trainer's use: gradients from backward, averaged in place. */
static void test_gradients(void) {
    size_t mark = tt_arena_mark();
    const int64_t shape[2] = {2, 3};
    tt_t param = tt_zeros(shape, 2, TT_F32, TT_CPU);
    tt_set_requires_grad(param, true);
    CHECK(tt_backward(tt_sum(tt_mul_scalar(param, rank + 1))) == RGTG_OK, "backward gives rank-dependent gradients");
    tt_t grad = tt_grad(param);
    CHECK(rgtg_dist_allreduce_tensors(&grad, 1, 1.0 / world) == RGTG_OK, "gradient all-reduce runs");
    double want[6];
    for (int i = 0; i < 6; i++) want[i] = (world + 1) / 2.0;
    CHECK(tensor_near(tt_grad(param), want, 6, 1e-6), "the parameter's gradient is the mean over ranks");
    tt_arena_release(mark);
}

static void test_bucket_errors(void) {
    size_t mark = tt_arena_mark();
    const int64_t shape[1] = {5}, shape6[1] = {6};
    tt_t good = tt_zeros(shape, 1, TT_F32, TT_CPU);
    tt_t ints = tt_zeros(shape, 1, TT_I64, TT_CPU);
    char want[256];

    /* one rank (the last) passes an integer tensor: every rank fails and names it */
    tt_t mixed = rank == world - 1 ? ints : good;
    rgtg_status_t status = rgtg_dist_allreduce_tensors(&mixed, 1, 1.0);
    if (world > 1)
        snprintf(want, sizeof want, "rank %d failed: rgtg_dist_allreduce_tensors: tensor 0 has dtype i64, not a floating-point gradient",
                 world - 1);
    else
        snprintf(want, sizeof want, "rgtg_dist_allreduce_tensors: tensor 0 has dtype i64, not a floating-point gradient");
    CHECK(status == RGTG_ERR_INVALID && strcmp(rgtg_error_message(), want) == 0,
          "an integer tensor on one rank fails on every rank, naming that rank");
    rgtg_error_clear();

    if (world > 1) {
        /* ranks pass different sizes: every rank gets an error, none hangs */
        tt_t sized = rank == 0 ? good : tt_zeros(shape6, 1, TT_F32, TT_CPU);
        status = rgtg_dist_allreduce_tensors(&sized, 1, 1.0);
        CHECK(status == RGTG_ERR_INVALID && strstr(rgtg_error_message(), "ranks pass different gradient sizes (cpu f32 bucket: 5 to 6"),
              "ranks with different gradient sizes all fail");
        rgtg_error_clear();
    }
    CHECK(rgtg_dist_allreduce_tensors(NULL, 2, 1.0) == RGTG_ERR_INVALID, "NULL tensors with n > 0 are refused");
    rgtg_error_clear();
    tt_arena_release(mark);
}

static void test_shim_raw_memory(void) {
    size_t mark = tt_arena_mark();
    const int64_t shape[2] = {2, 3};
    float host[6] = {1, 2, 3, 4, 5, 6};
    tt_t t = tt_from_host(host, shape, 2, TT_F32, TT_CPU);
    float *p = tt_data_ptr(t);
    CHECK(p && p[0] == 1 && p[5] == 6, "tt_data_ptr reaches a contiguous tensor's elements");
    CHECK(tt_data_ptr(tt_transpose(t, 0, 1)) == NULL && rgtg_error_status() == RGTG_ERR_INVALID,
          "tt_data_ptr refuses a non-contiguous tensor");
    rgtg_error_clear();
    CHECK(tt_device_index(t) == -1, "tt_device_index is -1 for a CPU tensor");
    CHECK(tt_cuda_current_stream(0, NULL) == RGTG_ERR_INVALID, "tt_cuda_current_stream needs an output");
    rgtg_error_clear();
    tt_arena_release(mark);
}

static void test_broadcast(void) {
    enum { N = 3001 };
    unsigned char *data = malloc(N);
    if (!data) abort();
    int root = world - 1;
    for (int i = 0; i < N; i++) data[i] = rank == root ? (unsigned char)(i * 7 + 3) : 0;
    CHECK(rgtg_dist_broadcast(data, N, root) == RGTG_OK, "broadcast runs");
    int same = 1;
    for (int i = 0; i < N; i++) same &= data[i] == (unsigned char)(i * 7 + 3);
    CHECK(same, "broadcast copies the root's bytes to every rank");
    CHECK(rgtg_dist_broadcast(data, N, world) == RGTG_ERR_INVALID && strstr(rgtg_error_message(), "root"),
          "broadcast refuses a root outside the world");
    rgtg_error_clear();
    free(data);
}

/* Rank 0 writes a file only after a pause; the barrier must make every rank see it. */
static void test_barrier(void) {
    char dir[64] = "";
    if (rank == 0 && !mkdtemp(strcpy(dir, "/tmp/test_dist.XXXXXX"))) dir[0] = '\0';
    CHECK(rgtg_dist_broadcast(dir, sizeof dir, 0) == RGTG_OK && dir[0], "barrier test directory is shared");
    char path[96];
    snprintf(path, sizeof path, "%s/ready", dir);
    if (rank == 0) {
        struct timespec pause = {0, 300 * 1000 * 1000};
        nanosleep(&pause, NULL);
        FILE *file = fopen(path, "w");
        if (file) fclose(file);
    }
    CHECK(rgtg_dist_barrier() == RGTG_OK, "barrier runs");
    CHECK(access(path, F_OK) == 0, "after the barrier every rank sees rank 0's file");
    CHECK(rgtg_dist_barrier() == RGTG_OK, "second barrier runs");
    if (rank == 0) {
        unlink(path);
        rmdir(dir);
    }
}

static void test_check(void) {
    CHECK(rgtg_dist_check(RGTG_OK) == RGTG_OK, "check with every rank OK is OK");
    char mine[128], want[256];

    /* the last rank fails */
    int failing = world - 1;
    rgtg_status_t local = RGTG_OK;
    if (rank == failing) {
        snprintf(mine, sizeof mine, "test_dist.c: injected failure on rank %d", rank);
        local = rgtg_error_set(RGTG_ERR_FORMAT, "%s", mine);
    }
    rgtg_status_t status = rgtg_dist_check(local);
    if (world > 1)
        snprintf(want, sizeof want, "rank %d failed: test_dist.c: injected failure on rank %d", failing, failing);
    else
        snprintf(want, sizeof want, "test_dist.c: injected failure on rank 0");
    CHECK(status == RGTG_ERR_FORMAT && strcmp(rgtg_error_message(), want) == 0,
          "check: one failing rank gives every rank its status and message");
    rgtg_error_clear();

    if (world > 1) {
        /* ranks 0 and 1 fail differently: the lowest one is reported everywhere */
        local = RGTG_OK;
        if (rank <= 1) local = rgtg_error_set(rank == 0 ? RGTG_ERR_IO : RGTG_ERR_NUMERIC, "failure %d", rank);
        status = rgtg_dist_check(local);
        CHECK(status == RGTG_ERR_IO && strcmp(rgtg_error_message(), "rank 0 failed: failure 0") == 0,
              "check: with several failing ranks the lowest is reported");
        rgtg_error_clear();
    }
}

static void test_mpi_errors_return(void) {
#ifdef RGTG_HAVE_MPI
    if (!rgtg_dist_using_mpi()) return;
    int value = 0;
    int rc = MPI_Bcast(&value, 1, MPI_INT, world + 5, MPI_COMM_WORLD);
    CHECK(rc != MPI_SUCCESS, "MPI errors return a code instead of aborting the job");
#endif
}

static void test_nccl(void) {
    if (!tt_cuda_available()) {
        rgtg_status_t status = rgtg_dist_init_nccl(0);
        CHECK(status != RGTG_OK && rgtg_error_message()[0], "rgtg_dist_init_nccl fails cleanly without a GPU");
        CHECK(rgtg_dist_nccl_device() == -1, "no NCCL device after a failed init");
        rgtg_error_clear();
        return;
    }
    rgtg_status_t status = rgtg_dist_init_nccl(rgtg_dist_local_rank());
#ifdef RGTG_HAVE_NCCL
    CHECK(status == RGTG_OK, "rgtg_dist_init_nccl on the local rank's GPU");
    if (status == RGTG_OK) test_bucket(TT_CUDA, "cuda");
#else
    CHECK(status == RGTG_ERR_UNSUPPORTED, "rgtg_dist_init_nccl is unsupported in a build without NCCL");
    rgtg_error_clear();
    if (world == 1) {
        test_bucket(TT_CUDA, "cuda (world 1, no NCCL needed)");
    } else {
        size_t mark = tt_arena_mark();
        const int64_t shape[1] = {4};
        tt_t g = tt_zeros(shape, 1, TT_F32, TT_CUDA);
        CHECK(rgtg_dist_allreduce_tensors(&g, 1, 1.0) == RGTG_ERR_UNSUPPORTED, "CUDA gradients without NCCL are unsupported");
        rgtg_error_clear();
        tt_arena_release(mark);
    }
#endif
}

/* Times the all-reduce of 5M floats: the raw buffer, and the same size as a bucket of 5 tensors. */
static int bench(void) {
    enum { COUNT = 5000000, REPS = 20 };
    float *buffer = malloc(COUNT * sizeof *buffer);
    if (!buffer) return 1;
    for (int i = 0; i < COUNT; i++) buffer[i] = (float)(i % 1000) * 1e-3f;
    double best = 1e30, total = 0;
    for (int rep = -2; rep < REPS; rep++) {
        rgtg_dist_barrier();
        double start = rgtg_now_seconds();
        if (rgtg_dist_allreduce_sum_f32(buffer, COUNT) != RGTG_OK) return 1;
        double elapsed = rgtg_now_seconds() - start;
        if (rep >= 0) total += elapsed, best = elapsed < best ? elapsed : best;
    }
    if (rank == 0) printf("allreduce_sum_f32 %d floats, %d ranks: mean %.2f ms, best %.2f ms\n", COUNT, world, total / REPS * 1e3, best * 1e3);
    free(buffer);

    tt_t tensors[5];
    const int64_t shape[2] = {1000, 1000};
    for (int i = 0; i < 5; i++) tensors[i] = tt_keep(tt_full(shape, 2, 0.5, TT_F32, TT_CPU));
    best = 1e30, total = 0;
    for (int rep = -2; rep < REPS; rep++) {
        rgtg_dist_barrier();
        double start = rgtg_now_seconds();
        if (rgtg_dist_allreduce_tensors(tensors, 5, 1.0 / world) != RGTG_OK) return 1;
        double elapsed = rgtg_now_seconds() - start;
        if (rep >= 0) total += elapsed, best = elapsed < best ? elapsed : best;
    }
    if (rank == 0)
        printf("allreduce_tensors 5 x [1000,1000] f32 (copy in, reduce, scale, copy out), %d ranks: mean %.2f ms, best %.2f ms\n",
               world, total / REPS * 1e3, best * 1e3);
    for (int i = 0; i < 5; i++) tt_free(tensors[i]);
    return 0;
}

int main(int argc, char **argv) {
    if (rgtg_dist_init(&argc, &argv) != RGTG_OK) {
        fprintf(stderr, "test_dist: %s\n", rgtg_error_message());
        return 1;
    }
    rank = rgtg_dist_rank();
    world = rgtg_dist_world_size();
    tt_set_num_threads(1);
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        int rc = bench();
        rgtg_dist_finalize();
        return rc;
    }
    test_ranks();
    test_plain_allreduce();
    test_identical_on_every_rank();
    test_shim_raw_memory();
    test_bucket(TT_CPU, "cpu");
    test_gradients();
    test_bucket_errors();
    test_broadcast();
    test_barrier();
    test_check();
    test_mpi_errors_return();
    test_nccl();

    int64_t any_failures = failures;
    if (rgtg_dist_allreduce_max_i64(&any_failures, 1) != RGTG_OK) any_failures = 1;
    if (rank == 0) printf("%s (%d ranks)\n", any_failures ? "FAILED" : "all passed", world);
    if (rgtg_dist_finalize() != RGTG_OK) return 1;
    return any_failures ? 1 : 0;
}
