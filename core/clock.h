/* core/clock.h: monotonic wall time in seconds, for throughput figures and progress. */
#ifndef RGTG_CORE_CLOCK_H
#define RGTG_CORE_CLOCK_H

#include <time.h>

static inline double rgtg_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
