/* eval/judge_cmd.c: the external-command judge (see judge.h): one /bin/sh -c COMMAND for all
 * questions; questions go to its stdin as JSON lines while its answers and its stderr are read at the
 * same time (poll), so that neither side can block the other whatever the command buffers. */
#include "judge.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct {
    rgtg_judge_t base;
    char *command;
    char *description;
} cmd_judge_t;

typedef struct {
    char *data;
    size_t length, capacity;
} buffer_t;

static bool buffer_add(buffer_t *b, const char *bytes, size_t size) {
    if (b->length + size + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 4096;
        while (b->length + size + 1 > capacity) capacity *= 2;
        char *data = realloc(b->data, capacity);
        if (!data) return false;
        b->data = data, b->capacity = capacity;
    }
    memcpy(b->data + b->length, bytes, size);
    b->length += size;
    b->data[b->length] = '\0';
    return true;
}

/* The questions as JSON lines. */
static rgtg_status_t questions_text(const rgtg_judge_question_t *questions, size_t count, buffer_t *out) {
    for (size_t i = 0; i < count; i++) {
        const rgtg_judge_question_t *q = &questions[i];
        json_t *object = json_pack("{sI ss ss ss}", "id", (json_int_t)q->id, "prompt", q->prompt, "response_a",
                                   q->response_a, "response_b", q->response_b);
        char *line = object ? json_dumps(object, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
        json_decref(object);
        bool ok = line && buffer_add(out, line, strlen(line)) && buffer_add(out, "\n", 1);
        free(line);
        if (!ok) return rgtg_error_set(RGTG_ERR_FORMAT, "judge command: cannot encode question %zu (id %lld) as JSON", i + 1,
                                       (long long)q->id);
    }
    return RGTG_OK;
}

/* Runs the command with input on its stdin; collects its stdout and stderr. */
static rgtg_status_t run_command(const char *command, const buffer_t *input, buffer_t *output, buffer_t *errors,
                                 int *wait_status) {
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0) close(in[i]);
            if (out[i] >= 0) close(out[i]);
            if (err[i] >= 0) close(err[i]);
        }
        return rgtg_error_set(RGTG_ERR_IO, "judge command: pipe: %s", strerror(e));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    pid_t pid;
    int spawn_error = posix_spawn(&pid, "/bin/sh", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]), close(out[1]), close(err[1]);
    if (spawn_error) {
        close(in[1]), close(out[0]), close(err[0]);
        return rgtg_error_set(RGTG_ERR_IO, "judge command: cannot start /bin/sh: %s", strerror(spawn_error));
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    /* a command that stops reading early must not kill rgtg with SIGPIPE: block it while writing and
     * take a pending one back afterwards */
    sigset_t pipe_set, old_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    size_t written = 0;
    int write_fd = in[1];
    if (input->length == 0) close(write_fd), write_fd = -1;
    bool out_open = true, err_open = true, failed = false;
    rgtg_status_t status = RGTG_OK;
    while ((out_open || err_open) && status == RGTG_OK) {
        struct pollfd fds[3] = {{.fd = out_open ? out[0] : -1, .events = POLLIN},
                                {.fd = err_open ? err[0] : -1, .events = POLLIN},
                                {.fd = write_fd, .events = POLLOUT}};
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            status = rgtg_error_set(RGTG_ERR_IO, "judge command: poll: %s", strerror(errno));
            break;
        }
        if (write_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = write(write_fd, input->data + written, input->length - written);
            if (n > 0) written += (size_t)n;
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input->length) {
                close(write_fd); /* end of input (or the command closed its stdin: its answers will tell) */
                write_fd = -1;
            }
        }
        for (int s = 0; s < 2; s++) {
            if (!(fds[s].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char chunk[65536];
            ssize_t n = read(s == 0 ? out[0] : err[0], chunk, sizeof chunk);
            if (n > 0) failed = failed || !buffer_add(s == 0 ? output : errors, chunk, (size_t)n);
            else if (n == 0 || (errno != EINTR && errno != EAGAIN)) *(s == 0 ? &out_open : &err_open) = false;
        }
        if (failed) status = rgtg_error_set(RGTG_ERR_NOMEM, "judge command: out of memory reading its answers");
    }
    if (write_fd >= 0) close(write_fd);
    close(out[0]), close(err[0]);
    if (status != RGTG_OK) kill(pid, SIGTERM);
    while (waitpid(pid, wait_status, 0) < 0 && errno == EINTR) {}
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) > 0) {}
    pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    if (!output->data) buffer_add(output, "", 0);
    if (!errors->data) buffer_add(errors, "", 0);
    return status;
}

/* The last non-empty line of text, for a message. */
static void last_line(const char *text, char *out, size_t size) {
    out[0] = '\0';
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ')) end--;
    const char *start = end;
    while (start > text && start[-1] != '\n') start--;
    snprintf(out, size, "%.*s", (int)(end - start), start);
}

static rgtg_status_t parse_answers(char *text, size_t count, rgtg_verdict_t *verdicts) {
    size_t line = 0;
    char *cursor = text;
    while (*cursor) {
        char *end = strchr(cursor, '\n');
        if (end) *end = '\0';
        line++;
        char *start = cursor;
        while (isspace((unsigned char)*start)) start++;
        char *stop = start + strlen(start);
        while (stop > start && isspace((unsigned char)stop[-1])) *--stop = '\0';
        if (line > count)
            return rgtg_error_set(RGTG_ERR_FORMAT, "judge command: answered more lines than the %zu questions (line %zu: '%.60s')",
                                  count, line, start);
        if (strcasecmp(start, "A") == 0) verdicts[line - 1] = RGTG_VERDICT_FIRST;
        else if (strcasecmp(start, "B") == 0) verdicts[line - 1] = RGTG_VERDICT_SECOND;
        else if (strcasecmp(start, "tie") == 0) verdicts[line - 1] = RGTG_VERDICT_TIE;
        else
            return rgtg_error_set(RGTG_ERR_FORMAT, "judge command: answer line %zu: expected A, B or tie, got '%.60s'", line,
                                  start);
        if (!end) break;
        cursor = end + 1;
    }
    if (line < count)
        return rgtg_error_set(RGTG_ERR_FORMAT, "judge command: answered %zu lines for %zu questions", line, count);
    return RGTG_OK;
}

static rgtg_status_t cmd_decide(rgtg_judge_t *base, const rgtg_judge_question_t *questions, size_t count,
                                rgtg_verdict_t *verdicts_out) {
    cmd_judge_t *judge = (cmd_judge_t *)base;
    buffer_t input = {0}, output = {0}, errors = {0};
    int wait_status = 0;
    rgtg_status_t status = questions_text(questions, count, &input);
    if (status == RGTG_OK) status = run_command(judge->command, &input, &output, &errors, &wait_status);
    if (status == RGTG_OK && !(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)) {
        char line[300];
        last_line(errors.data, line, sizeof line);
        status = rgtg_error_set(RGTG_ERR_IO, "judge command failed (%s %d)%s%s", WIFEXITED(wait_status) ? "exit" : "signal",
                                WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : WTERMSIG(wait_status),
                                line[0] ? ": " : "", line);
    }
    if (status == RGTG_OK) status = parse_answers(output.data, count, verdicts_out);
    free(input.data), free(output.data), free(errors.data);
    return status;
}

static void cmd_free(rgtg_judge_t *base) {
    cmd_judge_t *judge = (cmd_judge_t *)base;
    free(judge->command);
    free(judge->description);
    free(judge);
}

rgtg_status_t rgtg_judge_cmd_open(const char *command, rgtg_judge_t **judge_out) {
    *judge_out = NULL;
    if (!command || !*command) return rgtg_error_set(RGTG_ERR_INVALID, "judge: the judge command is empty");
    cmd_judge_t *judge = calloc(1, sizeof *judge);
    size_t size = strlen(command) + 16;
    char *description = malloc(size);
    char *copy = strdup(command);
    if (!judge || !description || !copy) {
        free(judge), free(description), free(copy);
        return rgtg_error_set(RGTG_ERR_NOMEM, "judge: out of memory");
    }
    snprintf(description, size, "command: %s", command);
    judge->command = copy;
    judge->description = description;
    judge->base = (rgtg_judge_t){.description = description, .decide = cmd_decide, .free = cmd_free};
    *judge_out = &judge->base;
    return RGTG_OK;
}
