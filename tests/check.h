/* tests/check.h: what the C unit tests share: the failure counter, CHECK(cond),
 * CHECK_MSG(cond, fmt, ...), CHECK_OK(expr), removing a scratch directory and the closing summary.
 * Header-only; include it once, from the test's .c file. Before including, a test may define
 * CHECK_STREAM (default stderr) and CHECK_SHOWS_LAST_ERROR (append rgtg_error_message() to each
 * CHECK_MSG failure). */
#ifndef RGTG_TESTS_CHECK_H
#define RGTG_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include "../core/status.h"

#ifndef CHECK_STREAM
#define CHECK_STREAM stderr
#endif

static int failures = 0;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(CHECK_STREAM, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);         \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

#ifdef CHECK_SHOWS_LAST_ERROR
#define CHECK_END_LINE_() fprintf(CHECK_STREAM, " [last error: %s]\n", rgtg_error_message())
#else
#define CHECK_END_LINE_() fputc('\n', CHECK_STREAM)
#endif

/* CHECK with a printf-style message after the condition. */
#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(CHECK_STREAM, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);         \
            fprintf(CHECK_STREAM, __VA_ARGS__);                                                    \
            CHECK_END_LINE_();                                                                     \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* Checks that expr returns RGTG_OK; otherwise prints and clears the error message. */
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        rgtg_status_t check_status_ = (expr);                                                      \
        if (check_status_ != RGTG_OK) {                                                            \
            fprintf(CHECK_STREAM, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr,             \
                    rgtg_error_message());                                                         \
            rgtg_error_clear();                                                                    \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* Removes a scratch directory and everything in it (dir must not contain a single quote). */
static inline void check_remove_dir(const char *dir) {
    char command[4200];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* Prints the closing line of test `name`; returns its exit status. */
static inline int check_summary(const char *name) {
    if (failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif
