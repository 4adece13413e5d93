/* decode/bench.h: the decoding speed measurement behind `rgtg bench methods`: top-k, PARGS with a
 * guide of the LM's size and PARGS with a quarter-compute guide (half the width), on random models of
 * one shape, side by side in alternating rounds, with where each method's time went. */
#ifndef RGTG_DECODE_BENCH_H
#define RGTG_DECODE_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "../core/status.h"

typedef struct {
    const char *config_path; /* the LM's config.json; the guides are its body with a score head */
    int batch;               /* rows decoded together */
    int prompt_tokens;       /* tokens per prompt */
    int new_tokens;          /* tokens generated per row (no early stop) */
    int k;                   /* candidates per step */
    int rounds;              /* alternating rounds; the median is reported */
    int threads;             /* libtorch threads */
    uint64_t seed;
} rgtg_decode_bench_params_t;

rgtg_decode_bench_params_t rgtg_decode_bench_default_params(void);

/* Prints one JSON line to out: wall and CPU ms per generated token of each method (medians over
 * rounds), the ratios to top-k, and each method's wall time split (LM, candidates, guide, choose,
 * cache, release) in ms/token; and each guided method's ratio measured inside its own steps (its step
 * time over the same steps without the guide's scoring and commits), steadier on a busy machine. */
rgtg_status_t rgtg_decode_bench(const rgtg_decode_bench_params_t *params, FILE *out);

#endif
