/* core/tok/regex.c: Oniguruma -> PCRE2 rewriting of split patterns, compiling them (JIT where the
 * library has it) and finding matches (see regex.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORD_CLASS_BODY "\\p{L}\\p{M}\\p{N}\\p{Pc}" /* Oniguruma's Unicode \w */
#define HEX_CLASS_BODY "0-9A-Fa-f"                  /* Oniguruma's \h */

struct tok_regex_matcher {
    pcre2_match_data *match_data;
    pcre2_match_context *context;
    pcre2_jit_stack *jit_stack;
};

static bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static rgtg_status_t refuse(const char *where, size_t offset, const char *what) {
    return rgtg_error_set(RGTG_ERR_UNSUPPORTED, "%s: offset %zu: %s is not supported", where, offset, what);
}

/* Appends s, recording `source` as the origin of each byte. */
static bool emit(tok_bytes_t *out, tok_ids_t *origin, const char *s, size_t n, size_t source) {
    if (!tok_bytes_append(out, s, n)) return false;
    for (size_t k = 0; k < n; k++)
        if (origin && !tok_ids_push(origin, (int32_t)source)) return false;
    return true;
}

static rgtg_status_t translate(const char *p, size_t n, const char *where, tok_bytes_t *out, tok_ids_t *origin) {
    bool in_class = false;
    size_t class_body_start = 0;
    out->length = 0;
    if (!tok_bytes_reserve(out, n)) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", where);
#define EMIT(s, len, src)                                                                                  \
    do {                                                                                                   \
        if (!emit(out, origin, (s), (len), (src))) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", where); \
    } while (0)
#define EMIT_LIT(s, src) EMIT(s, sizeof(s) - 1, src)
    for (size_t i = 0; i < n;) {
        char c = p[i];
        if (c == '\\' && i + 1 < n) {
            char e = p[i + 1];
            switch (e) {
            case 's': EMIT_LIT("\\p{White_Space}", i); break;
            case 'S': EMIT_LIT("\\P{White_Space}", i); break;
            case 'w':
                if (in_class) EMIT_LIT(WORD_CLASS_BODY, i);
                else EMIT_LIT("[" WORD_CLASS_BODY "]", i);
                break;
            case 'W':
                if (in_class) return refuse(where, i, "\\W inside a character class");
                EMIT_LIT("[^" WORD_CLASS_BODY "]", i);
                break;
            case 'h':
                if (in_class) EMIT_LIT(HEX_CLASS_BODY, i);
                else EMIT_LIT("[" HEX_CLASS_BODY "]", i);
                break;
            case 'H':
                if (in_class) return refuse(where, i, "\\H inside a character class");
                EMIT_LIT("[^" HEX_CLASS_BODY "]", i);
                break;
            case 'u':
                if (i + 6 <= n && is_hex(p[i + 2]) && is_hex(p[i + 3]) && is_hex(p[i + 4]) &&
                    is_hex(p[i + 5])) {
                    char buffer[16];
                    int length = snprintf(buffer, sizeof buffer, "\\x{%.4s}", p + i + 2);
                    EMIT(buffer, (size_t)length, i);
                    i += 6;
                    continue;
                }
                EMIT(p + i, 2, i);
                break;
            default: EMIT(p + i, 2, i); break;
            }
            i += 2;
            continue;
        }
        if (in_class) {
            if (c == '[') {
                if (i + 1 < n && p[i + 1] == ':') { /* a POSIX bracket such as [:alpha:] */
                    const char *close = NULL;
                    for (size_t k = i + 2; k + 1 < n; k++)
                        if (p[k] == ':' && p[k + 1] == ']') {
                            close = p + k;
                            break;
                        }
                    if (!close) return refuse(where, i, "an unclosed POSIX bracket");
                    size_t length = (size_t)(close - (p + i)) + 2;
                    EMIT(p + i, length, i);
                    i += length;
                    continue;
                }
                return refuse(where, i, "a nested character class");
            }
            if (c == '&' && i + 1 < n && p[i + 1] == '&') return refuse(where, i, "a class intersection (&&)");
            if (c == ']' && i > class_body_start) in_class = false;
            EMIT(p + i, 1, i);
            i++;
            continue;
        }
        if (c == '[') {
            in_class = true;
            EMIT(p + i, 1, i);
            i++;
            if (i < n && p[i] == '^') {
                EMIT(p + i, 1, i);
                i++;
            }
            class_body_start = i; /* a ']' right here is a literal */
            continue;
        }
        if (c == '(' && i + 1 < n && p[i + 1] == '?') {
            size_t k = i + 2;
            while (k < n && (p[k] == 'i' || p[k] == 'm' || p[k] == 'x' || p[k] == '-')) k++;
            if (k > i + 2 && k < n && (p[k] == ':' || p[k] == ')')) { /* an option group: (?im-x:...) */
                EMIT_LIT("(?", i);
                for (size_t f = i + 2; f < k; f++) EMIT(p[f] == 'm' ? "s" : p + f, 1, f);
                i = k;
                continue;
            }
        }
        EMIT(p + i, 1, i);
        i++;
    }
#undef EMIT_LIT
#undef EMIT
    return RGTG_OK;
}

rgtg_status_t tok_regex_translate(const char *pattern, size_t n, const char *where, tok_bytes_t *out) {
    return translate(pattern, n, where, out, NULL);
}

rgtg_status_t tok_regex_compile(const char *pattern, size_t n, bool literal, const char *where, tok_regex_t *out) {
    out->code = NULL;
    tok_bytes_t translated = {0};
    tok_ids_t origin = {0};
    rgtg_status_t st = RGTG_OK;
    if (!literal) st = translate(pattern, n, where, &translated, &origin);
    if (st != RGTG_OK) {
        tok_bytes_free(&translated);
        tok_ids_free(&origin);
        return st;
    }
    pcre2_compile_context *context = pcre2_compile_context_create(NULL);
    if (!context) {
        tok_bytes_free(&translated);
        tok_ids_free(&origin);
        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", where);
    }
    pcre2_set_newline(context, PCRE2_NEWLINE_LF);
    int error_code;
    PCRE2_SIZE error_offset;
    uint32_t options = literal ? (PCRE2_LITERAL | PCRE2_UTF) : (PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE);
    const char *source = literal ? pattern : translated.data;
    size_t source_length = literal ? n : translated.length;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)(source ? source : ""), source_length, options, &error_code,
                                     &error_offset, context);
    pcre2_compile_context_free(context);
    if (!code) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(error_code, message, sizeof message);
        size_t offset = error_offset;
        if (!literal && origin.length) offset = error_offset < origin.length ? (size_t)origin.data[error_offset] : n;
        st = rgtg_error_set(RGTG_ERR_FORMAT, "%s: offset %zu: %s", where, offset, (const char *)message);
    } else {
        pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* without JIT support the interpreter runs it */
        out->code = code;
    }
    tok_bytes_free(&translated);
    tok_ids_free(&origin);
    return st;
}

void tok_regex_free(tok_regex_t *regex) {
    pcre2_code_free(regex->code);
    regex->code = NULL;
}

tok_regex_matcher_t *tok_regex_matcher_new(void) {
    tok_regex_matcher_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->match_data = pcre2_match_data_create(64, NULL);
    m->context = pcre2_match_context_create(NULL);
    m->jit_stack = pcre2_jit_stack_create(32 * 1024, 16 * 1024 * 1024, NULL);
    if (!m->match_data || !m->context) {
        tok_regex_matcher_free(m);
        return NULL;
    }
    if (m->jit_stack) pcre2_jit_stack_assign(m->context, NULL, m->jit_stack);
    return m;
}

void tok_regex_matcher_free(tok_regex_matcher_t *m) {
    if (!m) return;
    pcre2_match_data_free(m->match_data);
    pcre2_match_context_free(m->context);
    pcre2_jit_stack_free(m->jit_stack);
    free(m);
}

rgtg_status_t tok_regex_find(const tok_regex_t *regex, tok_regex_matcher_t *matcher, const char *subject, size_t n,
                             size_t start, bool *found, size_t *match_start, size_t *match_end) {
    int rc = pcre2_match(regex->code, (PCRE2_SPTR)subject, n, start, PCRE2_NO_UTF_CHECK, matcher->match_data,
                         matcher->context);
    *found = false;
    if (rc == PCRE2_ERROR_NOMATCH) return RGTG_OK;
    if (rc < 0) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(rc, message, sizeof message);
        return rgtg_error_set(RGTG_ERR_INVALID, "split pattern: matching a text of %zu bytes failed: %s", n,
                              (const char *)message);
    }
    const PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(matcher->match_data);
    *found = true;
    *match_start = ovector[0];
    *match_end = ovector[1];
    return RGTG_OK;
}
