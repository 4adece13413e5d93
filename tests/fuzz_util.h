/* tests/fuzz_util.h: what the libFuzzer targets share: a scratch directory under /dev/shm (or
 * $TMPDIR) removed at exit, writing bytes to a file in it, and splitting an input at its first NUL.
 * Header-only; include it once, from the target's .c file. */
#ifndef RGTG_TESTS_FUZZ_UTIL_H
#define RGTG_TESTS_FUZZ_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir[160];

static void fuzz_remove_dir(void) {
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", fuzz_dir);
    if (system(command) != 0) fprintf(stderr, "cannot remove %s\n", fuzz_dir);
}

/* dir/name in a static buffer (one of four, rotating). */
static const char *fuzz_path(const char *name) {
    static char paths[4][256];
    static int next;
    if (!fuzz_dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/rgtg_fuzz.%ld", base, (long)getpid());
        if (mkdir(fuzz_dir, 0700) != 0 && errno != EEXIST) abort();
        atexit(fuzz_remove_dir);
    }
    char *out = paths[next++ % 4];
    snprintf(out, 256, "%s/%s", fuzz_dir, name);
    return out;
}

static void fuzz_write(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
}

/* The part before the first NUL (all of it when there is none) and the part after. */
static void fuzz_split(const uint8_t *data, size_t size, size_t *first_size, const uint8_t **rest, size_t *rest_size) {
    const uint8_t *nul = memchr(data, 0, size);
    *first_size = nul ? (size_t)(nul - data) : size;
    *rest = nul ? nul + 1 : data + size;
    *rest_size = nul ? size - *first_size - 1 : 0;
}

/* Aborts (a finding) with a message. */
#define FUZZ_ASSERT(cond, ...)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz assertion failed: %s: ", #cond);                                 \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
