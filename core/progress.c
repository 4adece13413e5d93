/* core/progress.c: progress lines on stderr, redrawn on a terminal, rate-limited elsewhere
 * (see progress.h). */
#define _POSIX_C_SOURCE 200809L
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* TIOCGWINSZ */
#endif
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

enum { BAR_WIDTH = 24, EXTRA_CAPACITY = 256, LINE_CAPACITY = 1024 };
static const double TERMINAL_REDRAW_SECONDS = 0.1;

static bool progress_enabled = true;
static double plain_interval_seconds = 10.0;

struct rgtg_progress {
    char *label;
    int64_t total;
    bool on_terminal;
    double start_time;       /* when started */
    double first_update_time; /* rate origin; < 0 before the first update */
    int64_t first_update_done;
    double last_print_time;
    bool printed_once; /* whether the terminal line has been drawn (so finish knows to end it) */
    int64_t done;
    char extra[EXTRA_CAPACITY];
};

void rgtg_progress_set_enabled(bool enabled) { progress_enabled = enabled; }
bool rgtg_progress_get_enabled(void) { return progress_enabled; }
void rgtg_progress_set_interval(double seconds) { plain_interval_seconds = seconds; }

rgtg_progress_t *rgtg_progress_start(const char *label, int64_t total) {
    rgtg_progress_t *progress = calloc(1, sizeof *progress);
    if (!progress) return NULL;
    progress->label = strdup(label ? label : "");
    if (!progress->label) {
        free(progress);
        return NULL;
    }
    progress->total = total;
    progress->on_terminal = isatty(STDERR_FILENO) == 1;
    progress->start_time = rgtg_now_seconds();
    progress->first_update_time = -1.0;
    progress->last_print_time = progress->start_time;
    return progress;
}

/* "M:SS" or "H:MM:SS". */
static void format_duration(double seconds, char *out, size_t size) {
    if (!(seconds >= 0) || seconds > 1e9) {
        snprintf(out, size, "?");
        return;
    }
    const long total = (long)(seconds + 0.5);
    if (total >= 3600) snprintf(out, size, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
    else snprintf(out, size, "%ld:%02ld", total / 60, total % 60);
}

/* Units per second since the first update; negative when not yet known. */
static double current_rate(const rgtg_progress_t *progress, double now) {
    const double elapsed = now - progress->first_update_time;
    if (progress->first_update_time < 0 || elapsed <= 0 || progress->done <= progress->first_update_done)
        return -1.0;
    return (double)(progress->done - progress->first_update_done) / elapsed;
}

static size_t append(char *line, size_t used, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static size_t append(char *line, size_t used, const char *fmt, ...) {
    if (used >= LINE_CAPACITY - 1) return used;
    va_list args;
    va_start(args, fmt);
    const int written = vsnprintf(line + used, LINE_CAPACITY - used, fmt, args);
    va_end(args);
    if (written < 0) return used;
    used += (size_t)written;
    return used < LINE_CAPACITY - 1 ? used : LINE_CAPACITY - 1;
}

static size_t append_rate_and_eta(const rgtg_progress_t *progress, double now, char *line, size_t used) {
    const double rate = current_rate(progress, now);
    if (rate < 0) return used;
    used = append(line, used, rate >= 100 ? " %.0f/s" : rate >= 1 ? " %.1f/s" : " %.3g/s", rate);
    if (progress->total > 0 && progress->done < progress->total) {
        char eta[32];
        format_duration((double)(progress->total - progress->done) / rate, eta, sizeof eta);
        used = append(line, used, " ETA %s", eta);
    }
    return used;
}

static int terminal_columns(void) {
    struct winsize size;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
    return 80;
}

static void draw_terminal_line(rgtg_progress_t *progress, double now, bool final) {
    char line[LINE_CAPACITY];
    size_t used = append(line, 0, "\r%s", progress->label);
    if (progress->total > 0) {
        int64_t done = progress->done < progress->total ? progress->done : progress->total;
        if (done < 0) done = 0;
        const int filled = (int)(BAR_WIDTH * done / progress->total);
        char bar[BAR_WIDTH + 1];
        for (int i = 0; i < BAR_WIDTH; i++) bar[i] = i < filled ? '#' : '.';
        bar[BAR_WIDTH] = '\0';
        used = append(line, used, " [%s] %lld/%lld", bar, (long long)progress->done,
                      (long long)progress->total);
    } else {
        used = append(line, used, " %lld", (long long)progress->done);
    }
    used = append_rate_and_eta(progress, now, line, used);
    if (final) {
        char elapsed[32];
        format_duration(now - progress->start_time, elapsed, sizeof elapsed);
        used = append(line, used, " in %s", elapsed);
    }
    if (progress->extra[0]) used = append(line, used, " %s", progress->extra);
    /* A line wider than the terminal wraps and "\r" then redraws only its last part: cut it. */
    const size_t visible_limit = (size_t)terminal_columns(); /* the leading '\r' takes no column */
    if (used > visible_limit) used = visible_limit;
    line[used] = '\0';
    fputs(line, stderr);
    fputs(final ? "\033[K\n" : "\033[K", stderr);
    fflush(stderr);
    rgtg_log_set_open_terminal_line(!final);
    progress->printed_once = true;
}

static void print_plain_line(const rgtg_progress_t *progress, double now, bool final) {
    char line[LINE_CAPACITY];
    size_t used = append(line, 0, "%s: ", progress->label);
    if (final) used = append(line, used, "done ");
    if (progress->total > 0)
        used = append(line, used, "%lld/%lld (%.1f%%)", (long long)progress->done,
                      (long long)progress->total, 100.0 * (double)progress->done / (double)progress->total);
    else
        used = append(line, used, "%lld", (long long)progress->done);
    used = append_rate_and_eta(progress, now, line, used);
    char elapsed[32];
    format_duration(now - progress->start_time, elapsed, sizeof elapsed);
    used = append(line, used, final ? " in %s" : " elapsed %s", elapsed);
    if (progress->extra[0]) used = append(line, used, " %s", progress->extra);
    append(line, used, "\n");
    fputs(line, stderr);
    fflush(stderr);
}

void rgtg_progress_update(rgtg_progress_t *progress, int64_t done, const char *extra_fmt, ...) {
    if (!progress) return;
    const double now = rgtg_now_seconds();
    if (progress->first_update_time < 0) {
        progress->first_update_time = now;
        progress->first_update_done = done;
    }
    progress->done = done;
    if (extra_fmt) {
        va_list args;
        va_start(args, extra_fmt);
        vsnprintf(progress->extra, sizeof progress->extra, extra_fmt, args);
        va_end(args);
    }
    if (!progress_enabled) return;
    const double since_print = now - progress->last_print_time;
    if (progress->on_terminal) {
        if (progress->printed_once && since_print < TERMINAL_REDRAW_SECONDS) return;
        progress->last_print_time = now;
        draw_terminal_line(progress, now, false);
    } else {
        if (since_print < plain_interval_seconds) return;
        progress->last_print_time = now;
        print_plain_line(progress, now, false);
    }
}

void rgtg_progress_finish(rgtg_progress_t *progress) {
    if (!progress) return;
    if (progress_enabled) {
        const double now = rgtg_now_seconds();
        if (progress->on_terminal) draw_terminal_line(progress, now, true);
        else print_plain_line(progress, now, true);
    }
    free(progress->label);
    free(progress);
}
