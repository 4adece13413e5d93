/* tests/fuzz_readers.c: libFuzzer target for the preference readers. The first input byte holds flags
 * (bit 0: gzip the rest, bit 1: then cut the gzip stream short, bit 2: put a "header" file naming S, MT
 * and PE beside the input); the rest is written to a file under /dev/shm (or $TMPDIR), which format
 * detection and every reader then read to the end, going on after errors where the reader allows.
 * Seeds: tests/fuzz_corpus/readers/. Build and run: tests/run_fuzz.sh readers; by hand (from the root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz_readers.c data/readers.c
 *         data/line_stream.c data/html_entities.c data/read_*.c core/status.c -ljansson -lz */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/status.h"
#include "data/readers.h"

enum { FLAG_GZIP = 1, FLAG_CUT = 2, FLAG_HEADER_FILE = 4 };

static char work_dir[128], input_path[160], header_path[160];

static void remove_work_dir(void) {
    unlink(input_path);
    unlink(header_path);
    rmdir(work_dir);
}

static void setup_paths(void) {
    if (input_path[0]) return;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    snprintf(work_dir, sizeof work_dir, "%s/rgtg_fuzz_readers.%ld", base, (long)getpid());
    if (mkdir(work_dir, 0700) != 0 && errno != EEXIST) abort();
    snprintf(input_path, sizeof input_path, "%s/input", work_dir);
    snprintf(header_path, sizeof header_path, "%s/header", work_dir);
    atexit(remove_work_dir);
}

static void write_bytes(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
}

/* The gzip encoding of data (malloc'd), or NULL. */
static unsigned char *gzip_bytes(const uint8_t *data, size_t size, size_t *out_size) {
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&z, size) + 32;
    unsigned char *out = malloc(cap);
    if (out) {
        z.next_in = (Bytef *)data;
        z.avail_in = (uInt)size;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
            free(out);
            out = NULL;
        }
        *out_size = cap - z.avail_out;
    }
    deflateEnd(&z);
    return out;
}

static void read_to_end(const char *format) {
    rgtg_pref_reader_t *reader = NULL;
    if (rgtg_pref_reader_open(input_path, format, &reader) != RGTG_OK) {
        rgtg_error_clear();
        return;
    }
    for (;;) {
        rgtg_raw_pair_t pair;
        rgtg_read_result_t result;
        const char *reason;
        if (rgtg_pref_reader_next(reader, &pair, &result, &reason) != RGTG_OK) {
            rgtg_error_clear();
            if (!rgtg_pref_reader_can_continue(reader)) break;
            continue;
        }
        if (result == RGTG_READ_END) break;
        if (result == RGTG_READ_PAIR) {
            /* touch every byte so that ASan sees any bad string */
            if (strlen(pair.prompt) + strlen(pair.chosen) + strlen(pair.rejected) == (size_t)-1) abort();
        } else if (!reason || !*reason) {
            abort(); /* a drop must say why */
        }
    }
    rgtg_pref_reader_close(reader);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    setup_paths();
    uint8_t flags = size ? data[0] : 0;
    const uint8_t *content = size ? data + 1 : data;
    size_t content_size = size ? size - 1 : 0;

    if (flags & FLAG_GZIP) {
        size_t gz_size = 0;
        unsigned char *gz = gzip_bytes(content, content_size, &gz_size);
        if (!gz) return 0;
        if ((flags & FLAG_CUT) && gz_size > 0) gz_size = gz_size * 2 / 3;
        write_bytes(input_path, gz, gz_size);
        free(gz);
    } else {
        write_bytes(input_path, content, content_size);
    }
    if (flags & FLAG_HEADER_FILE) write_bytes(header_path, "id\tS\tMT\tPE\n", 11);
    else unlink(header_path);

    const char *detected = NULL;
    if (rgtg_pref_detect_format(input_path, &detected) != RGTG_OK) rgtg_error_clear();
    read_to_end(NULL);
    for (const char *const *format = rgtg_pref_formats(); *format; format++) read_to_end(*format);
    return 0;
}
