/* core/status.h: the project's status codes and the thread-local last-error message.
 *
 * Below tools/, errors are values: a function returns an rgtg_status_t (or NULL) and, on failure,
 * records one line with rgtg_error_set(). The message lives in thread-local storage owned by this
 * module; callers never free it. A second rgtg_error_set() while a message is unread keeps the first
 * (the root cause) unless rgtg_error_clear() was called: errors are never overwritten silently. Newlines
 * in a message become spaces, so that it prints as one line. */
#ifndef RGTG_CORE_STATUS_H
#define RGTG_CORE_STATUS_H

#include <stdarg.h>

typedef enum {
    RGTG_OK = 0,
    RGTG_ERR_IO,        /* a file could not be opened, read, written or renamed */
    RGTG_ERR_FORMAT,    /* a file's content is malformed, truncated or inconsistent */
    RGTG_ERR_INVALID,   /* an argument, config value or shape is not acceptable */
    RGTG_ERR_NOMEM,     /* an allocation failed */
    RGTG_ERR_TORCH,     /* libtorch raised an exception */
    RGTG_ERR_UNSUPPORTED, /* a feature that is not available in this build or on this device */
    RGTG_ERR_NUMERIC,   /* a NaN or infinity where a finite number was required */
    RGTG_ERR_INTERRUPTED, /* a signal asked the work to stop */
    RGTG_ERR_BUSY,      /* another process holds the output's lock */
} rgtg_status_t;

const char *rgtg_status_to_string(rgtg_status_t status);

/* Records status and a printf-style message unless an unread message is pending; returns status so
 * that callers can write `return rgtg_error_set(RGTG_ERR_IO, "%s: %s", path, strerror(errno));`. */
rgtg_status_t rgtg_error_set(rgtg_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
rgtg_status_t rgtg_error_setv(rgtg_status_t status, const char *fmt, va_list args);
/* The pending message ("" when none) and its status (RGTG_OK when none). */
const char *rgtg_error_message(void);
rgtg_status_t rgtg_error_status(void);
/* Marks the pending message as read, so that the next rgtg_error_set() records anew. */
void rgtg_error_clear(void);

#endif
