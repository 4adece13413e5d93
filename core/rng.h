/* core/rng.h: explicit-state random numbers (xoshiro256** seeded through splitmix64), with no hidden
 * globals: every stream (data order, dropout, sampling) owns an rgtg_rng_t that the caller passes in.
 *
 * The generator is xoshiro256** 1.0 (Blackman and Vigna, https://prng.di.unimi.it/). Its state is four
 * uint64_t words, so an rgtg_rng_t can be copied by assignment and stored in a checkpoint with
 * rgtg_rng_state_get/set. No function keeps a cache outside the struct (rgtg_rng_normal draws two
 * uniforms per call), so the saved state alone reproduces every later draw. */
#ifndef RGTG_CORE_RNG_H
#define RGTG_CORE_RNG_H

#include <stdint.h>

#include "status.h"

#define RGTG_RNG_STATE_WORDS 4

typedef struct {
    uint64_t s[RGTG_RNG_STATE_WORDS]; /* xoshiro256** state; never all zero */
} rgtg_rng_t;

/* Well-known stream ids; any other uint64_t works too. */
enum {
    RGTG_RNG_STREAM_DATA_ORDER = 1,
    RGTG_RNG_STREAM_DROPOUT = 2,
    RGTG_RNG_STREAM_SAMPLING = 3,
    RGTG_RNG_STREAM_INIT = 4,
};

/* Seeds rng for (seed, stream_id). Different stream ids give unrelated sequences for the same seed:
 * the pair is hashed with splitmix64 into the 256-bit state, so streams start at unrelated points of
 * the 2^256 - 1 period (overlap within any practical run length is vanishingly unlikely). */
void rgtg_rng_seed(rgtg_rng_t *rng, uint64_t seed, uint64_t stream_id);

/* Checkpointing: the full state as RGTG_RNG_STATE_WORDS words. set refuses an all-zero state
 * (xoshiro's one fixed point) with RGTG_ERR_INVALID. */
void rgtg_rng_state_get(const rgtg_rng_t *rng, uint64_t words[RGTG_RNG_STATE_WORDS]);
rgtg_status_t rgtg_rng_state_set(rgtg_rng_t *rng, const uint64_t words[RGTG_RNG_STATE_WORDS]);

/* One step of splitmix64 (Steele, Lea and Flood; the seeding generator Vigna recommends): advances
 * *state and returns a well-mixed 64-bit value. Also handy to derive per-rank or per-item seeds. */
uint64_t rgtg_rng_splitmix64(uint64_t *state);

/* The next raw 64-bit output of xoshiro256**. */
uint64_t rgtg_rng_next_u64(rgtg_rng_t *rng);
/* Uniform double in [0, 1) with 53 random bits. */
double rgtg_rng_uniform(rgtg_rng_t *rng);
/* Uniform float in [0, 1) with 24 random bits. */
float rgtg_rng_uniform_f32(rgtg_rng_t *rng);
/* Standard normal N(0, 1) by Box-Muller (one value per call, two uniforms consumed). */
double rgtg_rng_normal(rgtg_rng_t *rng);
/* Uniform integer in [0, n), without modulo bias (rejection). n == 0 returns 0. */
uint64_t rgtg_rng_below(rgtg_rng_t *rng, uint64_t n);
/* Uniform random permutation of a[0..n) in place (Fisher-Yates). */
void rgtg_rng_shuffle(rgtg_rng_t *rng, int64_t *a, int64_t n);
/* Writes k distinct values of 0..n-1 to out[0..k), each k-subset equally likely, in uniformly random
 * order. Uses O(k) memory (Floyd's algorithm) when k is small against n, otherwise a partial
 * Fisher-Yates over 0..n-1. Errors: RGTG_ERR_INVALID when k < 0, n < 0 or k > n; RGTG_ERR_NOMEM. */
rgtg_status_t rgtg_rng_sample_without_replacement(rgtg_rng_t *rng, int64_t n, int64_t k,
                                                  int64_t *out);

#endif
