/* tests/bench_tokenizer.c: the C side of tools/bench_tokenizer.sh (and a handy probe).
 *   bench_tokenizer bench PATH TEXT_FILE   loads the tokenizer at PATH, encodes every line of
 *       TEXT_FILE and prints {"load_s", "encode_s", "encode_cpu_s", "lines", "bytes", "tokens"} as JSON
 *       (encode_cpu_s: the process's CPU time while encoding; on a shared machine it is steadier
 *       than the wall clock).
 *   bench_tokenizer encode PATH            prints the ids of each stdin line, comma-separated. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/tokenizer.h"

static double clock_seconds(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_seconds(void) { return clock_seconds(CLOCK_MONOTONIC); }

static int fail(const char *what) {
    fprintf(stderr, "bench_tokenizer: %s: %s\n", what, rgtg_error_message());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3 || (strcmp(argv[1], "bench") == 0 && argc != 4)) {
        fprintf(stderr, "usage: bench_tokenizer bench PATH TEXT_FILE | encode PATH\n");
        return 2;
    }
    double load_start = now_seconds();
    rgtg_tokenizer_t *tok;
    if (rgtg_tokenizer_load(argv[2], &tok) != RGTG_OK) return fail("load");
    double load_seconds = now_seconds() - load_start;
    FILE *in = strcmp(argv[1], "bench") == 0 ? fopen(argv[3], "rb") : stdin;
    if (!in) {
        perror(argv[3]);
        return 1;
    }
    bool bench = in != stdin;
    char *line = NULL;
    size_t capacity = 0, lines = 0, bytes = 0, tokens = 0;
    ssize_t length;
    char **texts = NULL;
    size_t *lengths = NULL;
    /* read everything first so that the timing covers encoding only */
    while ((length = getline(&line, &capacity, in)) >= 0) {
        if (length > 0 && line[length - 1] == '\n') line[--length] = '\0';
        texts = realloc(texts, (lines + 1) * sizeof *texts);
        lengths = realloc(lengths, (lines + 1) * sizeof *lengths);
        texts[lines] = malloc((size_t)length + 1);
        memcpy(texts[lines], line, (size_t)length + 1);
        lengths[lines++] = (size_t)length;
        bytes += (size_t)length;
    }
    free(line);
    double start = now_seconds(), cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    for (size_t i = 0; i < lines; i++) {
        int32_t *ids;
        size_t count;
        if (rgtg_tokenizer_encode(tok, texts[i], lengths[i], &ids, &count) != RGTG_OK) return fail("encode");
        tokens += count;
        if (!bench) {
            for (size_t k = 0; k < count; k++) printf(k ? ",%d" : "%d", ids[k]);
            putchar('\n');
        }
        free(ids);
    }
    double encode_seconds = now_seconds() - start;
    double encode_cpu_seconds = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
    if (bench)
        printf("{\"load_s\": %.6f, \"encode_s\": %.6f, \"encode_cpu_s\": %.6f, \"lines\": %zu, \"bytes\": %zu, "
               "\"tokens\": %zu}\n",
               load_seconds, encode_seconds, encode_cpu_seconds, lines, bytes, tokens);
    for (size_t i = 0; i < lines; i++) free(texts[i]);
    free(texts);
    free(lengths);
    rgtg_tokenizer_free(tok);
    return 0;
}
