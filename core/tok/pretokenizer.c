/* core/tok/pretokenizer.c: loading the Split/ByteLevel pre-tokenizer steps of tokenizer.json and
 * splitting a text into words with them (see pretokenizer.h). */
#include "pretokenizer.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

#define MAX_SPLITS (sizeof(((tok_pretokenizer_t *)0)->splits) / sizeof(((tok_pretokenizer_t *)0)->splits[0]))

typedef struct {
    const char *path;
    tok_pretokenizer_t *pt;
    bool have_byte_level;
} loader_t;

static rgtg_status_t add_split(loader_t *l, const json_t *step, const char *where) {
    if (l->pt->split_count == MAX_SPLITS)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: more than %zu split steps", where, MAX_SPLITS);
    const json_t *pattern = json_object_get(step, "pattern");
    const json_t *regex = json_object_get(pattern, "Regex"), *string = json_object_get(pattern, "String");
    if (!json_is_string(regex) && !json_is_string(string))
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: Split needs \"pattern\": {\"Regex\": ...} or {\"String\": ...}", where);
    const char *behavior = json_string_value(json_object_get(step, "behavior"));
    if (!behavior) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: Split without a \"behavior\"", where);
    bool remove = strcmp(behavior, "Removed") == 0;
    if (!remove && strcmp(behavior, "Isolated") != 0)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: Split behavior \"%s\" is not supported (Isolated, Removed)",
                              where, behavior);
    tok_split_t *split = &l->pt->splits[l->pt->split_count];
    split->invert = json_is_true(json_object_get(step, "invert"));
    split->remove = remove;
    char pattern_where[1200];
    snprintf(pattern_where, sizeof pattern_where, "%s.pattern", where);
    const json_t *source = json_is_string(regex) ? regex : string;
    rgtg_status_t st = tok_regex_compile(json_string_value(source), json_string_length(source), source == string,
                                         pattern_where, &split->regex);
    if (st == RGTG_OK) l->pt->split_count++;
    return st;
}

static rgtg_status_t add_byte_level(loader_t *l, const json_t *step, const char *where) {
    l->have_byte_level = true;
    l->pt->prefix_stage = l->pt->split_count;
    l->pt->add_prefix_space = json_is_true(json_object_get(step, "add_prefix_space"));
    const json_t *use_regex = json_object_get(step, "use_regex");
    if (use_regex == NULL || json_is_true(use_regex)) { /* tokenizers' default is true */
        if (l->pt->split_count == MAX_SPLITS)
            return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: more than %zu split steps", where, MAX_SPLITS);
        tok_split_t *split = &l->pt->splits[l->pt->split_count];
        split->invert = false;
        split->remove = false;
        rgtg_status_t st = tok_regex_compile(TOK_GPT2_SPLIT_PATTERN, strlen(TOK_GPT2_SPLIT_PATTERN), false, where,
                                             &split->regex);
        if (st != RGTG_OK) return st;
        l->pt->split_count++;
    }
    return RGTG_OK;
}

static rgtg_status_t add_step(loader_t *l, const json_t *step, const char *where) {
    const char *type = json_string_value(json_object_get(step, "type"));
    if (!type) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: pre-tokenizer without a \"type\"", where);
    if (l->have_byte_level)
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: a \"%s\" step after ByteLevel is not supported", where, type);
    if (strcmp(type, "Sequence") == 0) {
        const json_t *list = json_object_get(step, "pretokenizers");
        if (!json_is_array(list))
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: Sequence without a \"pretokenizers\" array", where);
        for (size_t i = 0; i < json_array_size(list); i++) {
            char inner[1100];
            snprintf(inner, sizeof inner, "%s.pretokenizers[%zu]", where, i);
            rgtg_status_t st = add_step(l, json_array_get(list, i), inner);
            if (st != RGTG_OK) return st;
        }
        return RGTG_OK;
    }
    if (strcmp(type, "Split") == 0) return add_split(l, step, where);
    if (strcmp(type, "ByteLevel") == 0) return add_byte_level(l, step, where);
    return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: pre-tokenizer \"%s\" is not supported (Split, ByteLevel, Sequence)",
                          where, type);
}

rgtg_status_t tok_pretokenizer_load(const json_t *pre_tokenizer, const char *path, tok_pretokenizer_t *out) {
    memset(out, 0, sizeof *out);
    char where[1024];
    snprintf(where, sizeof where, "%s: pre_tokenizer", path);
    if (pre_tokenizer == NULL || json_is_null(pre_tokenizer))
        return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s is null: only byte-level BPE (a ByteLevel pre-tokenizer) is "
                              "supported",
                              where);
    loader_t loader = {path, out, false};
    rgtg_status_t st = add_step(&loader, pre_tokenizer, where);
    if (st == RGTG_OK && !loader.have_byte_level)
        st = rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s has no ByteLevel step: only byte-level BPE is supported", where);
    if (st != RGTG_OK) tok_pretokenizer_free(out);
    return st;
}

void tok_pretokenizer_free(tok_pretokenizer_t *pt) {
    for (size_t i = 0; i < pt->split_count; i++) tok_regex_free(&pt->splits[i].regex);
    pt->split_count = 0;
}

typedef struct {
    const tok_pretokenizer_t *pt;
    tok_regex_matcher_t *matcher;
    tok_bytes_t *prefix_buffer;
    tok_word_fn emit;
    void *context;
} run_t;

static rgtg_status_t run_stage(const run_t *r, size_t stage, const char *s, size_t n);

/* One piece of a split: passed on unless it is a delimiter that the behavior removes. */
static rgtg_status_t piece(const run_t *r, size_t stage, const tok_split_t *split, bool matched, const char *s,
                           size_t n) {
    if (n == 0) return RGTG_OK;
    bool delimiter = matched != split->invert;
    if (split->remove && delimiter) return RGTG_OK;
    return run_stage(r, stage + 1, s, n);
}

static rgtg_status_t run_split(const run_t *r, size_t stage, const char *s, size_t n) {
    const tok_split_t *split = &r->pt->splits[stage];
    size_t position = 0, last = 0;
    while (position <= n) {
        bool found;
        size_t start, end;
        rgtg_status_t st = tok_regex_find(&split->regex, r->matcher, s, n, position, &found, &start, &end);
        if (st != RGTG_OK) return st;
        if (!found) break;
        if (start > last && (st = piece(r, stage, split, false, s + last, start - last)) != RGTG_OK) return st;
        if (end == start) { /* an empty match splits here; step over one code point */
            last = start;
            if (start >= n) break;
            size_t length = tok_utf8_sequence_length((const uint8_t *)s + start, n - start, NULL);
            position = start + (length ? length : 1);
            continue;
        }
        if ((st = piece(r, stage, split, true, s + start, end - start)) != RGTG_OK) return st;
        last = position = end;
    }
    return last < n ? piece(r, stage, split, false, s + last, n - last) : RGTG_OK;
}

static rgtg_status_t run_stage(const run_t *r, size_t stage, const char *s, size_t n) {
    if (n == 0) return RGTG_OK;
    if (stage == r->pt->prefix_stage && r->pt->add_prefix_space && s[0] != ' ') {
        tok_bytes_t *buffer = r->prefix_buffer;
        buffer->length = 0;
        if (!tok_bytes_append(buffer, " ", 1) || !tok_bytes_append(buffer, s, n))
            return rgtg_error_set(RGTG_ERR_NOMEM, "pre-tokenizing a text: out of memory");
        s = buffer->data;
        n = buffer->length;
    }
    if (stage == r->pt->split_count) return r->emit(r->context, s, n);
    return run_split(r, stage, s, n);
}

rgtg_status_t tok_pretokenize(const tok_pretokenizer_t *pt, tok_regex_matcher_t *matcher, tok_bytes_t *prefix_buffer,
                              const char *text, size_t n, tok_word_fn emit, void *context) {
    run_t r = {pt, matcher, prefix_buffer, emit, context};
    return run_stage(&r, 0, text, n);
}
