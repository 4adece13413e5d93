/* core/status.c: status names and the thread-local last-error slot (see status.h). */
#include "status.h"

#include <stdio.h>

static _Thread_local char error_text[1024];
static _Thread_local rgtg_status_t error_code = RGTG_OK;

const char *rgtg_status_to_string(rgtg_status_t status) {
    switch (status) {
    case RGTG_OK: return "ok";
    case RGTG_ERR_IO: return "i/o error";
    case RGTG_ERR_FORMAT: return "malformed input";
    case RGTG_ERR_INVALID: return "invalid argument";
    case RGTG_ERR_NOMEM: return "out of memory";
    case RGTG_ERR_TORCH: return "libtorch error";
    case RGTG_ERR_UNSUPPORTED: return "unsupported";
    case RGTG_ERR_NUMERIC: return "non-finite value";
    case RGTG_ERR_INTERRUPTED: return "interrupted";
    case RGTG_ERR_BUSY: return "in use by another process";
    }
    return "unknown status";
}

rgtg_status_t rgtg_error_setv(rgtg_status_t status, const char *fmt, va_list args) {
    if (error_code != RGTG_OK) return status; /* keep the root cause */
    error_code = status;
    vsnprintf(error_text, sizeof error_text, fmt, args);
    /* a failing command prints one line: text from libraries may hold newlines */
    for (char *p = error_text; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return status;
}

rgtg_status_t rgtg_error_set(rgtg_status_t status, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    rgtg_error_setv(status, fmt, args);
    va_end(args);
    return status;
}

const char *rgtg_error_message(void) { return error_code == RGTG_OK ? "" : error_text; }
rgtg_status_t rgtg_error_status(void) { return error_code; }
void rgtg_error_clear(void) {
    error_code = RGTG_OK;
    error_text[0] = '\0';
}
