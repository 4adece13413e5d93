/* core/rng.c: xoshiro256** with splitmix64 seeding, and the draws built on it (see rng.h).
 * Both generators are written from their published definitions (https://prng.di.unimi.it/). */
#include "rng.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

uint64_t rgtg_rng_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotate_left(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rgtg_rng_seed(rgtg_rng_t *rng, uint64_t seed, uint64_t stream_id) {
    /* Hash the stream id first so that (seed, stream) and (seed + 1, stream - 1) do not collide. */
    uint64_t stream_state = stream_id;
    uint64_t mixer = seed ^ rgtg_rng_splitmix64(&stream_state);
    for (int i = 0; i < RGTG_RNG_STATE_WORDS; i++) rng->s[i] = rgtg_rng_splitmix64(&mixer);
    /* splitmix64 is a bijection of its counter, so four consecutive outputs are never all zero;
     * the guard keeps the invariant explicit anyway. */
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0) rng->s[0] = 1;
}

void rgtg_rng_state_get(const rgtg_rng_t *rng, uint64_t words[RGTG_RNG_STATE_WORDS]) {
    for (int i = 0; i < RGTG_RNG_STATE_WORDS; i++) words[i] = rng->s[i];
}

rgtg_status_t rgtg_rng_state_set(rgtg_rng_t *rng, const uint64_t words[RGTG_RNG_STATE_WORDS]) {
    if ((words[0] | words[1] | words[2] | words[3]) == 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "rng state is all zero, which xoshiro256** cannot leave");
    for (int i = 0; i < RGTG_RNG_STATE_WORDS; i++) rng->s[i] = words[i];
    return RGTG_OK;
}

uint64_t rgtg_rng_next_u64(rgtg_rng_t *rng) {
    uint64_t *s = rng->s;
    const uint64_t result = rotate_left(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotate_left(s[3], 45);
    return result;
}

double rgtg_rng_uniform(rgtg_rng_t *rng) {
    return (double)(rgtg_rng_next_u64(rng) >> 11) * 0x1.0p-53; /* top 53 bits */
}

float rgtg_rng_uniform_f32(rgtg_rng_t *rng) {
    return (float)(rgtg_rng_next_u64(rng) >> 40) * 0x1.0p-24f; /* top 24 bits */
}

double rgtg_rng_normal(rgtg_rng_t *rng) {
    /* 1 - u lies in (0, 1], so the logarithm is finite. */
    const double u1 = 1.0 - rgtg_rng_uniform(rng);
    const double u2 = rgtg_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

uint64_t rgtg_rng_below(rgtg_rng_t *rng, uint64_t n) {
    if (n == 0) return 0;
    /* Reject the lowest (2^64 mod n) outputs so that every residue has equally many preimages. */
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
        const uint64_t r = rgtg_rng_next_u64(rng);
        if (r >= threshold) return r % n;
    }
}

void rgtg_rng_shuffle(rgtg_rng_t *rng, int64_t *a, int64_t n) {
    for (int64_t i = n - 1; i > 0; i--) {
        const int64_t j = (int64_t)rgtg_rng_below(rng, (uint64_t)i + 1);
        const int64_t tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
    }
}

/* Open-addressing set of non-negative int64 values (-1 marks an empty slot), for Floyd's algorithm. */
typedef struct {
    int64_t *slots;
    uint64_t mask;
} int64_set_t;

/* Inserts value; returns false when it was already present. */
static bool int64_set_insert(int64_set_t *set, int64_t value) {
    uint64_t i = ((uint64_t)value * 0x9e3779b97f4a7c15ULL) & set->mask;
    while (set->slots[i] != -1) {
        if (set->slots[i] == value) return false;
        i = (i + 1) & set->mask;
    }
    set->slots[i] = value;
    return true;
}

static rgtg_status_t sample_floyd(rgtg_rng_t *rng, int64_t n, int64_t k, int64_t *out) {
    uint64_t capacity = 16;
    while (capacity < 2 * (uint64_t)k) capacity *= 2;
    int64_set_t set = {malloc(capacity * sizeof(int64_t)), capacity - 1};
    if (!set.slots)
        return rgtg_error_set(RGTG_ERR_NOMEM, "rng: no memory to sample %lld of %lld", (long long)k,
                              (long long)n);
    for (uint64_t i = 0; i < capacity; i++) set.slots[i] = -1;
    int64_t count = 0;
    for (int64_t j = n - k; j < n; j++) {
        const int64_t t = (int64_t)rgtg_rng_below(rng, (uint64_t)j + 1);
        int64_t chosen = t;
        if (!int64_set_insert(&set, t)) { /* t was taken earlier: j itself is new at this step */
            chosen = j;
            int64_set_insert(&set, j);
        }
        out[count++] = chosen;
    }
    free(set.slots);
    /* Floyd picks a uniform subset but not a uniform order. */
    rgtg_rng_shuffle(rng, out, k);
    return RGTG_OK;
}

static rgtg_status_t sample_partial_shuffle(rgtg_rng_t *rng, int64_t n, int64_t k, int64_t *out) {
    int64_t *pool = malloc((size_t)n * sizeof(int64_t));
    if (!pool)
        return rgtg_error_set(RGTG_ERR_NOMEM, "rng: no memory to sample %lld of %lld", (long long)k,
                              (long long)n);
    for (int64_t i = 0; i < n; i++) pool[i] = i;
    for (int64_t i = 0; i < k; i++) {
        const int64_t j = i + (int64_t)rgtg_rng_below(rng, (uint64_t)(n - i));
        const int64_t tmp = pool[i];
        pool[i] = pool[j];
        pool[j] = tmp;
        out[i] = pool[i];
    }
    free(pool);
    return RGTG_OK;
}

rgtg_status_t rgtg_rng_sample_without_replacement(rgtg_rng_t *rng, int64_t n, int64_t k,
                                                  int64_t *out) {
    if (n < 0 || k < 0 || k > n)
        return rgtg_error_set(RGTG_ERR_INVALID,
                              "rng: cannot sample %lld distinct values from 0..%lld", (long long)k,
                              (long long)n - 1);
    if (k == 0) return RGTG_OK;
    /* Floyd costs O(k) memory; the partial shuffle O(n) but no hashing: pick by the ratio. */
    if (k <= n / 8) return sample_floyd(rng, n, k, out);
    return sample_partial_shuffle(rng, n, k, out);
}
