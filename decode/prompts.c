/* decode/prompts.c: the prompt list and its JSONL reader (see prompts.h). */
#define _POSIX_C_SOURCE 200809L
#include "prompts.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rgtg_prompt_t *list_append(rgtg_prompt_list_t *list, int64_t id) {
    if (list->count == list->capacity) {
        int64_t capacity = list->capacity ? 2 * list->capacity : 64;
        rgtg_prompt_t *grown = realloc(list->items, sizeof *grown * (size_t)capacity);
        if (!grown) return NULL;
        list->items = grown;
        list->capacity = capacity;
    }
    rgtg_prompt_t *p = &list->items[list->count++];
    memset(p, 0, sizeof *p);
    p->id = id;
    return p;
}

static int32_t *copy_ids(const int32_t *ids, int64_t n) {
    int32_t *copy = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    if (copy && n > 0) memcpy(copy, ids, sizeof(int32_t) * (size_t)n);
    return copy;
}

rgtg_status_t rgtg_prompt_list_add_tokens(rgtg_prompt_list_t *list, int64_t id, const int32_t *ids, int64_t length,
                                          const int32_t *reference_ids, int64_t reference_length) {
    rgtg_prompt_t *p = list_append(list, id);
    if (!p) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    p->tokens = copy_ids(ids, length);
    p->length = length;
    if (reference_ids) {
        p->reference_tokens = copy_ids(reference_ids, reference_length);
        p->reference_length = reference_length;
    }
    return p->tokens && (!reference_ids || p->reference_tokens) ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
}

rgtg_status_t rgtg_prompt_list_add_text(rgtg_prompt_list_t *list, int64_t id, const char *text, const char *reference) {
    rgtg_prompt_t *p = list_append(list, id);
    if (!p) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    p->text = strdup(text);
    p->reference = reference ? strdup(reference) : NULL;
    return p->text && (!reference || p->reference) ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
}

rgtg_status_t rgtg_prompt_list_set_tokenizer(rgtg_prompt_list_t *list, const char *sha256) {
    free(list->tokenizer_sha256);
    list->tokenizer_sha256 = sha256 ? strdup(sha256) : NULL;
    return !sha256 || list->tokenizer_sha256 ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
}

void rgtg_prompt_list_free(rgtg_prompt_list_t *list) {
    for (int64_t i = 0; i < list->count; i++) {
        rgtg_prompt_t *p = &list->items[i];
        free(p->text), free(p->tokens), free(p->reference), free(p->reference_tokens);
    }
    free(list->items);
    free(list->tokenizer_sha256);
    memset(list, 0, sizeof *list);
}

/* One parsed line: its fields checked and added to the list. */
static rgtg_status_t add_line(const char *path, size_t line, json_t *row, rgtg_prompt_render_fn render, void *ctx,
                              rgtg_prompt_list_t *out) {
    if (!json_is_object(row)) return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: a line must be a JSON object", path, line);
    json_t *id = json_object_get(row, "id"), *prompt = json_object_get(row, "prompt");
    json_t *reference = json_object_get(row, "reference");
    if (!json_is_integer(id) || json_integer_value(id) < 0)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'id' must be an integer >= 0", path, line);
    if (!json_is_string(prompt) || json_string_length(prompt) == 0)
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'prompt' must be a non-empty string", path, line);
    if (reference && !json_is_null(reference) && !json_is_string(reference))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: field 'reference' must be a string or null", path, line);
    int64_t value = (int64_t)json_integer_value(id);
    char *text = NULL;
    if (render) {
        rgtg_status_t st = render(ctx, json_string_value(prompt), &text);
        if (st != RGTG_OK) {
            char reason[512];
            snprintf(reason, sizeof reason, "%s", rgtg_error_message());
            rgtg_error_clear();
            return rgtg_error_set(st, "%s:%zu: %s", path, line, reason);
        }
    }
    rgtg_status_t st = rgtg_prompt_list_add_text(out, value, text ? text : json_string_value(prompt),
                                                 json_is_string(reference) ? json_string_value(reference) : NULL);
    free(text);
    return st;
}

typedef struct {
    int64_t id;
    size_t line;
} id_line_t;

static int by_id_then_line(const void *a, const void *b) {
    const id_line_t *x = a, *y = b;
    if (x->id != y->id) return x->id < y->id ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Refuses an id that repeats an earlier line's (sorted, so large files stay fast). */
static rgtg_status_t check_unique_ids(const char *path, const id_line_t *lines, int64_t count) {
    id_line_t *sorted = malloc(sizeof *sorted * (size_t)(count + 1));
    if (!sorted) return rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    memcpy(sorted, lines, sizeof *sorted * (size_t)count);
    qsort(sorted, (size_t)count, sizeof *sorted, by_id_then_line);
    /* the repeat met first when reading: the earliest line that is not its id's first */
    const id_line_t *repeat = NULL;
    size_t group_first = 0, repeat_first = 0;
    for (int64_t i = 0; i < count; i++) {
        if (i == 0 || sorted[i].id != sorted[i - 1].id) group_first = sorted[i].line;
        else if (!repeat || sorted[i].line < repeat->line) repeat = &sorted[i], repeat_first = group_first;
    }
    rgtg_status_t st = RGTG_OK;
    if (repeat)
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: id %lld repeats line %zu's", path, repeat->line,
                            (long long)repeat->id, repeat_first);
    free(sorted);
    return st;
}

rgtg_status_t rgtg_prompts_read_jsonl(const char *path, rgtg_prompt_render_fn render, void *render_ctx,
                                      rgtg_prompt_list_t *out) {
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (!fp) return rgtg_error_set(RGTG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *text = NULL;
    size_t capacity = 0, line = 0;
    ssize_t length;
    id_line_t *lines = NULL;
    rgtg_status_t st = RGTG_OK;
    while (st == RGTG_OK && (length = getline(&text, &capacity, fp)) >= 0) {
        line++;
        while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r')) text[--length] = '\0';
        if (strspn(text, " \t") == (size_t)length) continue;
        json_error_t error;
        json_t *row = json_loadb(text, (size_t)length, 0, &error);
        if (!row) {
            st = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu:%d: %s", path, line, error.column > 0 ? error.column : 1, error.text);
            break;
        }
        st = add_line(path, line, row, render, render_ctx, out);
        json_decref(row);
        if (st == RGTG_OK) {
            id_line_t *grown = realloc(lines, sizeof *lines * (size_t)out->capacity);
            if (!grown) st = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
            else lines = grown, lines[out->count - 1] = (id_line_t){out->items[out->count - 1].id, line};
        }
    }
    if (st == RGTG_OK && ferror(fp)) st = rgtg_error_set(RGTG_ERR_IO, "%s: read failed after line %zu", path, line);
    if (st == RGTG_OK && out->count == 0) st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: holds no prompts", path);
    if (st == RGTG_OK) st = check_unique_ids(path, lines, out->count);
    free(lines);
    free(text);
    fclose(fp);
    if (st != RGTG_OK) rgtg_prompt_list_free(out);
    return st;
}
