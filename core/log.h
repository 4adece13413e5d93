/* core/log.h: leveled, rank-aware log lines on stderr.
 *
 * The level comes from rgtg_log_set_level(), or else from the environment variable RGTG_LOG
 * (debug|info|warn|error, read on first use), or else defaults to info. Under MPI, set the rank once
 * with rgtg_log_set_rank(): lines then start with "[rank R/W] " when W > 1, and ranks other than 0
 * print only warnings and errors, so that N ranks do not repeat every info line N times.
 * Each line is written with one fputs call, so lines from several threads do not interleave. */
#ifndef RGTG_CORE_LOG_H
#define RGTG_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>

typedef enum {
    RGTG_LOG_DEBUG = 0,
    RGTG_LOG_INFO = 1,
    RGTG_LOG_WARN = 2,
    RGTG_LOG_ERROR = 3,
} rgtg_log_level_t;

/* Lines below level are dropped. Overrides RGTG_LOG. */
void rgtg_log_set_level(rgtg_log_level_t level);
rgtg_log_level_t rgtg_log_get_level(void);
/* Parses "debug", "info", "warn" (or "warning") and "error", case-insensitively; false otherwise. */
bool rgtg_log_level_from_string(const char *text, rgtg_log_level_t *level_out);
/* This process's rank and the world size (1 when not under MPI). */
void rgtg_log_set_rank(int rank, int world_size);
/* Whether a line at level would be printed now (to skip building expensive messages). */
bool rgtg_log_enabled(rgtg_log_level_t level);

/* For core/progress: a redrawn terminal line is (or is no longer) on screen. While it is, a log line
 * first erases it ("\r\033[K"); the progress line is drawn again on its next update. */
void rgtg_log_set_open_terminal_line(bool open);

void rgtg_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rgtg_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rgtg_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rgtg_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rgtg_log_message(rgtg_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rgtg_log_messagev(rgtg_log_level_t level, const char *fmt, va_list args);

#endif
