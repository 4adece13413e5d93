/* core/log.c: the log level, the rank prefix and the formatting of log lines (see log.h). */
#define _POSIX_C_SOURCE 200809L
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* Process-wide settings: set once at start-up, read by every line. */
static rgtg_log_level_t log_level = RGTG_LOG_INFO;
static bool log_level_resolved = false; /* false until set explicitly or read from RGTG_LOG */
static int log_rank = 0;
static int log_world_size = 1;
static bool terminal_line_open = false; /* a progress line waits on stderr without its newline */

bool rgtg_log_level_from_string(const char *text, rgtg_log_level_t *level_out) {
    static const struct {
        const char *name;
        rgtg_log_level_t level;
    } names[] = {
        {"debug", RGTG_LOG_DEBUG}, {"info", RGTG_LOG_INFO},   {"warn", RGTG_LOG_WARN},
        {"warning", RGTG_LOG_WARN}, {"error", RGTG_LOG_ERROR},
    };
    if (!text) return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(text, names[i].name) == 0) {
            *level_out = names[i].level;
            return true;
        }
    return false;
}

static void resolve_level_from_environment(void) {
    if (log_level_resolved) return;
    log_level_resolved = true;
    const char *env = getenv("RGTG_LOG");
    if (!env || !*env) return;
    if (!rgtg_log_level_from_string(env, &log_level))
        rgtg_log_warn("RGTG_LOG='%s' is not one of debug, info, warn, error; using info", env);
}

void rgtg_log_set_level(rgtg_log_level_t level) {
    log_level = level;
    log_level_resolved = true;
}

rgtg_log_level_t rgtg_log_get_level(void) {
    resolve_level_from_environment();
    return log_level;
}

void rgtg_log_set_rank(int rank, int world_size) {
    log_rank = rank;
    log_world_size = world_size;
}

void rgtg_log_set_open_terminal_line(bool open) { terminal_line_open = open; }

bool rgtg_log_enabled(rgtg_log_level_t level) {
    resolve_level_from_environment();
    if (level < log_level) return false;
    return log_rank == 0 || level >= RGTG_LOG_WARN;
}

static const char *level_name(rgtg_log_level_t level) {
    switch (level) {
    case RGTG_LOG_DEBUG: return "debug";
    case RGTG_LOG_INFO: return "info";
    case RGTG_LOG_WARN: return "warning";
    case RGTG_LOG_ERROR: return "error";
    }
    return "log";
}

void rgtg_log_messagev(rgtg_log_level_t level, const char *fmt, va_list args) {
    if (!rgtg_log_enabled(level)) return;
    char line[4096];
    int used = 0;
    if (terminal_line_open) { /* erase the progress line; its next update draws it again */
        used = snprintf(line, sizeof line, "\r\033[K");
        terminal_line_open = false;
    }
    if (log_world_size > 1)
        used += snprintf(line + used, sizeof line - (size_t)used, "[rank %d/%d] ", log_rank,
                         log_world_size);
    /* info lines carry no tag: they are the normal output; the others say what they are. */
    if (level != RGTG_LOG_INFO)
        used += snprintf(line + used, sizeof line - (size_t)used, "%s: ", level_name(level));
    int body = vsnprintf(line + used, sizeof line - (size_t)used, fmt, args);
    if (body < 0) body = 0;
    size_t end = (size_t)used + (size_t)body;
    if (end > sizeof line - 2) end = sizeof line - 2; /* truncated: keep room for the newline */
    line[end] = '\n';
    line[end + 1] = '\0';
    fputs(line, stderr);
}

void rgtg_log_message(rgtg_log_level_t level, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    rgtg_log_messagev(level, fmt, args);
    va_end(args);
}

#define RGTG_DEFINE_LOG_FUNCTION(name, level)                                                      \
    void name(const char *fmt, ...) {                                                              \
        va_list args;                                                                              \
        va_start(args, fmt);                                                                       \
        rgtg_log_messagev(level, fmt, args);                                                       \
        va_end(args);                                                                              \
    }

RGTG_DEFINE_LOG_FUNCTION(rgtg_log_debug, RGTG_LOG_DEBUG)
RGTG_DEFINE_LOG_FUNCTION(rgtg_log_info, RGTG_LOG_INFO)
RGTG_DEFINE_LOG_FUNCTION(rgtg_log_warn, RGTG_LOG_WARN)
RGTG_DEFINE_LOG_FUNCTION(rgtg_log_error, RGTG_LOG_ERROR)
