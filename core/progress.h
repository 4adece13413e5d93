/* core/progress.h: progress reports for long loops (training steps, decoding prompts, scoring).
 *
 * On a terminal (stderr is a tty) one line is redrawn in place, at most 10 times a second:
 *     train [#########...............] 370/1000 12.5/s ETA 0:50 loss=0.693 acc=0.51
 * Elsewhere (a log file, a batch job) a plain line is printed at most every interval seconds (10 by
 * default) and once at the end, so that logs stay short:
 *     train: 370/1000 (37.0%) 12.5/s ETA 0:50 elapsed 0:30 loss=0.693 acc=0.51
 * rgtg_progress_set_enabled(false) (e.g. on MPI ranks other than 0) silences every report.
 * The rate counts from the first update, so resumed runs that start at done > 0 report a true rate. */
#ifndef RGTG_CORE_PROGRESS_H
#define RGTG_CORE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rgtg_progress rgtg_progress_t;

/* Process-wide: whether reports are printed at all (default true). */
void rgtg_progress_set_enabled(bool enabled);
bool rgtg_progress_get_enabled(void);
/* Process-wide: seconds between plain lines when stderr is not a terminal (default 10; values <= 0
 * print every update). */
void rgtg_progress_set_interval(double seconds);

/* Starts a report of total units (total <= 0: unknown, no bar nor ETA). label is copied. Returns NULL
 * only when out of memory; every function below accepts NULL and then does nothing. */
rgtg_progress_t *rgtg_progress_start(const char *label, int64_t total);
/* done units are finished; extra_fmt (printf-style, may be NULL) adds text such as "loss=%.3f",
 * kept for later redraws and for the final line. Prints only when the rate limit allows. */
void rgtg_progress_update(rgtg_progress_t *progress, int64_t done, const char *extra_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints the final line (when enabled) and frees progress. */
void rgtg_progress_finish(rgtg_progress_t *progress);

#endif
