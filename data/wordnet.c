/* data/wordnet.c: WordNet database parsing and the "define" demo pairs (see wordnet.h). */
#define _POSIX_C_SOURCE 200809L
#include "wordnet.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/rng.h"
#include "template.h"

static const char *const pos_names[RGTG_POS_COUNT] = {"noun", "verb", "adjective", "adverb"};
static const char *const pos_file_suffix[RGTG_POS_COUNT] = {"noun", "verb", "adj", "adv"};
static const char pos_index_letter[RGTG_POS_COUNT] = {'n', 'v', 'a', 'r'};

const char *rgtg_pos_name(rgtg_pos_t pos) {
    return (unsigned)pos < RGTG_POS_COUNT ? pos_names[pos] : "unknown";
}

struct rgtg_wordnet {
    rgtg_wordnet_synset_t *synsets;
    size_t synset_count, synset_cap;
    size_t pos_first[RGTG_POS_COUNT], pos_count[RGTG_POS_COUNT]; /* synsets of a pos are contiguous */
    rgtg_wordnet_lemma_t *lemmas;
    size_t lemma_count, lemma_cap;
    int64_t *lemma_order; /* lemma indices by (lemma, pos), for rgtg_wordnet_find_lemma */
    char *sources[2 * RGTG_POS_COUNT];
    size_t source_count;
};

size_t rgtg_wordnet_synset_count(const rgtg_wordnet_t *db) { return db->synset_count; }
const rgtg_wordnet_synset_t *rgtg_wordnet_synset(const rgtg_wordnet_t *db, size_t i) {
    return i < db->synset_count ? &db->synsets[i] : NULL;
}
size_t rgtg_wordnet_lemma_count(const rgtg_wordnet_t *db) { return db->lemma_count; }
const rgtg_wordnet_lemma_t *rgtg_wordnet_lemma(const rgtg_wordnet_t *db, size_t i) {
    return i < db->lemma_count ? &db->lemmas[i] : NULL;
}
size_t rgtg_wordnet_source_count(const rgtg_wordnet_t *db) { return db->source_count; }
const char *rgtg_wordnet_source_path(const rgtg_wordnet_t *db, size_t i) {
    return i < db->source_count ? db->sources[i] : NULL;
}

static void synset_free(rgtg_wordnet_synset_t *s) {
    for (int i = 0; i < s->word_count; i++) free(s->words[i]);
    free(s->words);
    free(s->gloss);
    free(s->definition);
    free(s->pointers);
    for (int i = 0; i < s->example_count; i++) free(s->examples[i]);
    free(s->examples);
}

void rgtg_wordnet_free(rgtg_wordnet_t *db) {
    if (!db) return;
    for (size_t i = 0; i < db->synset_count; i++) synset_free(&db->synsets[i]);
    free(db->synsets);
    for (size_t i = 0; i < db->lemma_count; i++) {
        free(db->lemmas[i].lemma);
        free(db->lemmas[i].senses);
    }
    free(db->lemmas);
    free(db->lemma_order);
    for (size_t i = 0; i < db->source_count; i++) free(db->sources[i]);
    free(db);
}

static char *copy_span(const char *s, size_t n) {
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return out;
}

static char *join_path(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *out = malloc(a + b + 2);
    if (!out) return NULL;
    memcpy(out, dir, a);
    out[a] = '/';
    memcpy(out + a + 1, name, b + 1);
    return out;
}

/* The next blank-separated token at *cursor (length in *len), or NULL at the end. */
static const char *next_token(const char **cursor, const char *end, size_t *len) {
    const char *p = *cursor;
    while (p < end && *p == ' ') p++;
    if (p >= end) return NULL;
    const char *start = p;
    while (p < end && *p != ' ') p++;
    *len = (size_t)(p - start);
    *cursor = p;
    return start;
}

/* Parses a whole token as an unsigned number in base; -1 when it is not one. */
static long long parse_number(const char *tok, size_t len, int base) {
    if (len == 0 || len > 16) return -1;
    char buf[17];
    memcpy(buf, tok, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, base);
    if (errno || *end || !isxdigit((unsigned char)buf[0])) return -1;
    return (long long)v;
}

static void trim_right(char *s) {
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
}

/* The word as written minus an adjective marker, with '_' turned into ' '. */
static char *clean_word(const char *tok, size_t len) {
    static const char *const markers[] = {"(a)", "(p)", "(ip)"};
    for (size_t m = 0; m < 3; m++) {
        size_t ml = strlen(markers[m]);
        if (len > ml && memcmp(tok + len - ml, markers[m], ml) == 0) {
            len -= ml;
            break;
        }
    }
    char *w = copy_span(tok, len);
    if (w)
        for (char *c = w; *c; c++)
            if (*c == '_') *c = ' ';
    return w;
}

static char *definition_of(const char *gloss) {
    const char *example = strstr(gloss, "; \"");
    size_t len = example ? (size_t)(example - gloss) : strlen(gloss);
    while (len > 0 && (isspace((unsigned char)gloss[len - 1]) || gloss[len - 1] == ';')) len--;
    size_t start = 0;
    while (start < len && isspace((unsigned char)gloss[start])) start++;
    if (start < len && gloss[start] == '"') len = start; /* the gloss is only examples */
    return copy_span(gloss + start, len - start);
}

static rgtg_pos_t pos_of_letter(char c) {
    return c == 'n' ? RGTG_POS_NOUN : c == 'v' ? RGTG_POS_VERB : c == 'r' ? RGTG_POS_ADV : RGTG_POS_ADJ;
}

/* The quoted examples of a gloss: every "..." after the definition, quotes removed. */
static int split_examples(rgtg_wordnet_synset_t *s) {
    const char *p = strstr(s->gloss, "; \"");
    p = p ? p + 2 : s->gloss[0] == '"' ? s->gloss : NULL;
    while (p) {
        const char *close = strchr(p + 1, '"');
        if (!close) break;
        size_t len = (size_t)(close - p - 1);
        if (len > 0) {
            char **grown = realloc(s->examples, (size_t)(s->example_count + 1) * sizeof *grown);
            if (!grown) return -1;
            s->examples = grown;
            if (!(s->examples[s->example_count] = copy_span(p + 1, len))) return -1;
            s->example_count++;
        }
        p = strchr(close + 1, '"');
    }
    return 0;
}

#define PARSE_FAIL(...) do { status = rgtg_error_set(RGTG_ERR_FORMAT, __VA_ARGS__); goto fail; } while (0)

static rgtg_status_t parse_data_line(const char *line, const char *path, long lineno, rgtg_pos_t pos,
                                     rgtg_wordnet_synset_t *s) {
    rgtg_status_t status = RGTG_OK;
    memset(s, 0, sizeof *s);
    const char *bar = strstr(line, " |");
    if (!bar) return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%ld: synset line without '| gloss'", path, lineno);
    const char *cursor = line, *end = bar, *tok;
    size_t len;
    long long v;

    tok = next_token(&cursor, end, &len);
    if (!tok || len != 8 || (v = parse_number(tok, len, 10)) < 0)
        PARSE_FAIL("%s:%ld:1: synset_offset must be 8 decimal digits", path, lineno);
    s->offset = (uint32_t)v;
    tok = next_token(&cursor, end, &len);
    if (!tok || len != 2 || parse_number(tok, len, 10) < 0)
        PARSE_FAIL("%s:%ld:10: lex_filenum must be 2 decimal digits", path, lineno);
    tok = next_token(&cursor, end, &len);
    if (!tok || len != 1 || !strchr("nvasr", tok[0]))
        PARSE_FAIL("%s:%ld:13: ss_type must be one of n v a s r", path, lineno);
    s->ss_type = tok[0];
    rgtg_pos_t written = pos_of_letter(s->ss_type);
    if (written != pos)
        PARSE_FAIL("%s:%ld:13: ss_type '%c' in the %s file", path, lineno, s->ss_type, pos_names[pos]);
    s->pos = pos;
    tok = next_token(&cursor, end, &len);
    if (!tok || len != 2 || (v = parse_number(tok, len, 16)) <= 0)
        PARSE_FAIL("%s:%ld:15: w_cnt must be 2 hex digits, not zero", path, lineno);
    s->words = calloc((size_t)v, sizeof *s->words);
    if (!s->words) PARSE_FAIL("%s:%ld: out of memory", path, lineno);
    for (long long i = 0; i < v; i++) {
        tok = next_token(&cursor, end, &len);
        if (!tok) PARSE_FAIL("%s:%ld: %lld words announced, %lld found", path, lineno, v, i);
        s->words[i] = clean_word(tok, len);
        if (!s->words[i]) PARSE_FAIL("%s:%ld: out of memory", path, lineno);
        s->word_count = (int)i + 1;
        tok = next_token(&cursor, end, &len);
        if (!tok || parse_number(tok, len, 16) < 0)
            PARSE_FAIL("%s:%ld:%ld: word %lld has no hex lex_id", path, lineno, (long)(cursor - line), i + 1);
    }
    tok = next_token(&cursor, end, &len);
    if (!tok || len != 3 || (v = parse_number(tok, len, 10)) < 0)
        PARSE_FAIL("%s:%ld:%ld: p_cnt must be 3 decimal digits", path, lineno, (long)(tok ? tok - line + 1 : 0));
    if (v > 0 && !(s->pointers = calloc((size_t)v, sizeof *s->pointers)))
        PARSE_FAIL("%s:%ld: out of memory", path, lineno);
    for (long long i = 0; i < v; i++) {
        rgtg_wordnet_pointer_t *ptr = &s->pointers[i];
        const char *fields[4];
        size_t lens[4];
        for (int f = 0; f < 4; f++)
            if (!(fields[f] = next_token(&cursor, end, &lens[f])))
                PARSE_FAIL("%s:%ld: %lld pointers announced, the line ends early", path, lineno, v);
        long col = (long)(fields[0] - line + 1);
        long long off = lens[1] == 8 ? parse_number(fields[1], 8, 10) : -1;
        long long words = lens[3] == 4 ? parse_number(fields[3], 4, 16) : -1;
        if (lens[0] > 2 || off < 0 || lens[2] != 1 || !strchr("nvasr", fields[2][0]) || words < 0)
            PARSE_FAIL("%s:%ld:%ld: pointer %lld is not \"symbol offset pos source/target\"", path, lineno, col, i + 1);
        memcpy(ptr->symbol, fields[0], lens[0]);
        ptr->target_offset = (uint32_t)off;
        ptr->target_pos = pos_of_letter(fields[2][0]);
        ptr->source_word = (uint8_t)(words >> 8);
        ptr->target_word = (uint8_t)(words & 0xff);
        ptr->target = -1;
        s->pointer_count = (int)i + 1;
    }

    const char *gloss = bar + 2;
    while (*gloss == ' ') gloss++;
    s->gloss = copy_span(gloss, strlen(gloss));
    if (!s->gloss) PARSE_FAIL("%s:%ld: out of memory", path, lineno);
    trim_right(s->gloss);
    s->definition = definition_of(s->gloss);
    if (!s->definition) PARSE_FAIL("%s:%ld: out of memory", path, lineno);
    if (split_examples(s) != 0) PARSE_FAIL("%s:%ld: out of memory", path, lineno);
    return RGTG_OK;
fail:
    synset_free(s);
    memset(s, 0, sizeof *s);
    return status;
}

static int grow(void **items, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap * 2 : 1024;
    while (c < need) c *= 2;
    void *p = realloc(*items, c * size);
    if (!p) return -1;
    *items = p;
    *cap = c;
    return 0;
}

static rgtg_status_t load_data_file(rgtg_wordnet_t *db, const char *path, rgtg_pos_t pos) {
    FILE *fp = fopen(path, "r");
    if (!fp) return rgtg_error_set(RGTG_ERR_IO, "%s: %s", path, strerror(errno));
    rgtg_status_t status = RGTG_OK;
    char *line = NULL;
    size_t line_cap = 0;
    long lineno = 0;
    ssize_t n;
    db->pos_first[pos] = db->synset_count;
    while ((n = getline(&line, &line_cap, fp)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (n == 0 || (line[0] == ' ' && line[1] == ' ')) continue; /* blank or license header */
        if (grow((void **)&db->synsets, &db->synset_cap, db->synset_count + 1, sizeof *db->synsets)) {
            status = rgtg_error_set(RGTG_ERR_NOMEM, "%s:%ld: out of memory", path, lineno);
            break;
        }
        rgtg_wordnet_synset_t *s = &db->synsets[db->synset_count];
        status = parse_data_line(line, path, lineno, pos, s);
        if (status != RGTG_OK) break;
        if (db->synset_count > db->pos_first[pos] && s->offset <= s[-1].offset) {
            synset_free(s);
            status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%ld: synset offsets are not increasing", path, lineno);
            break;
        }
        db->synset_count++;
    }
    if (status == RGTG_OK && ferror(fp)) status = rgtg_error_set(RGTG_ERR_IO, "%s: read error", path);
    free(line);
    fclose(fp);
    db->pos_count[pos] = db->synset_count - db->pos_first[pos];
    return status;
}

static int64_t find_synset(const rgtg_wordnet_t *db, rgtg_pos_t pos, uint32_t offset) {
    size_t lo = db->pos_first[pos], hi = lo + db->pos_count[pos];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (db->synsets[mid].offset < offset) lo = mid + 1;
        else hi = mid;
    }
    return lo < db->pos_first[pos] + db->pos_count[pos] && db->synsets[lo].offset == offset ? (int64_t)lo : -1;
}

static rgtg_status_t load_index_file(rgtg_wordnet_t *db, const char *path, rgtg_pos_t pos, FILE *fp) {
    rgtg_status_t status = RGTG_OK;
    char *line = NULL;
    size_t line_cap = 0;
    long lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &line_cap, fp)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (n == 0 || (line[0] == ' ' && line[1] == ' ')) continue;
        const char *cursor = line, *end = line + n, *tok, *lemma;
        size_t len, lemma_len;
        long long synset_cnt, p_cnt, tagged;
        if (!(lemma = next_token(&cursor, end, &lemma_len)))
            PARSE_FAIL("%s:%ld: empty index line", path, lineno);
        tok = next_token(&cursor, end, &len);
        if (!tok || len != 1 || tok[0] != pos_index_letter[pos])
            PARSE_FAIL("%s:%ld: pos must be '%c'", path, lineno, pos_index_letter[pos]);
        tok = next_token(&cursor, end, &len);
        if (!tok || (synset_cnt = parse_number(tok, len, 10)) <= 0)
            PARSE_FAIL("%s:%ld: synset_cnt must be a positive number", path, lineno);
        tok = next_token(&cursor, end, &len);
        if (!tok || (p_cnt = parse_number(tok, len, 10)) < 0)
            PARSE_FAIL("%s:%ld: p_cnt must be a number", path, lineno);
        for (long long i = 0; i < p_cnt; i++)
            if (!next_token(&cursor, end, &len)) PARSE_FAIL("%s:%ld: pointer symbols missing", path, lineno);
        tok = next_token(&cursor, end, &len); /* sense_cnt, redundant with synset_cnt */
        if (!tok || parse_number(tok, len, 10) < 0) PARSE_FAIL("%s:%ld: sense_cnt must be a number", path, lineno);
        tok = next_token(&cursor, end, &len);
        if (!tok || (tagged = parse_number(tok, len, 10)) < 0)
            PARSE_FAIL("%s:%ld: tagsense_cnt must be a number", path, lineno);
        if (grow((void **)&db->lemmas, &db->lemma_cap, db->lemma_count + 1, sizeof *db->lemmas))
            PARSE_FAIL("%s:%ld: out of memory", path, lineno);
        rgtg_wordnet_lemma_t *l = &db->lemmas[db->lemma_count];
        memset(l, 0, sizeof *l);
        l->pos = pos;
        l->tagged_count = (int)tagged;
        l->from_index = 1;
        l->lemma = clean_word(lemma, lemma_len);
        l->senses = malloc((size_t)synset_cnt * sizeof *l->senses);
        if (!l->lemma || !l->senses) {
            free(l->lemma);
            free(l->senses);
            PARSE_FAIL("%s:%ld: out of memory", path, lineno);
        }
        db->lemma_count++;
        for (long long i = 0; i < synset_cnt; i++) {
            tok = next_token(&cursor, end, &len);
            long long off;
            if (!tok || len != 8 || (off = parse_number(tok, len, 10)) < 0)
                PARSE_FAIL("%s:%ld: synset offset %lld of %lld missing or malformed", path, lineno, i + 1, synset_cnt);
            int64_t idx = find_synset(db, pos, (uint32_t)off);
            if (idx < 0) PARSE_FAIL("%s:%ld: synset %08lld is not in data.%s", path, lineno, off, pos_file_suffix[pos]);
            l->senses[l->sense_count++] = idx;
        }
    }
    if (ferror(fp)) status = rgtg_error_set(RGTG_ERR_IO, "%s: read error", path);
fail:
    free(line);
    return status;
}

typedef struct {
    char *word; /* lowercase */
    int64_t synset;
} word_occurrence_t;

static int compare_occurrence(const void *a, const void *b) {
    const word_occurrence_t *x = a, *y = b;
    int c = strcmp(x->word, y->word);
    return c ? c : (x->synset > y->synset) - (x->synset < y->synset);
}

/* Without index.<pos>: one lemma per distinct lowercase word, senses in file order. */
static rgtg_status_t derive_lemmas(rgtg_wordnet_t *db, rgtg_pos_t pos) {
    size_t total = 0;
    for (size_t i = 0; i < db->pos_count[pos]; i++) total += (size_t)db->synsets[db->pos_first[pos] + i].word_count;
    word_occurrence_t *occ = calloc(total ? total : 1, sizeof *occ);
    if (!occ) return rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
    rgtg_status_t status = RGTG_OK;
    size_t k = 0;
    for (size_t i = 0; i < db->pos_count[pos]; i++) {
        const rgtg_wordnet_synset_t *s = &db->synsets[db->pos_first[pos] + i];
        for (int w = 0; w < s->word_count; w++) {
            occ[k].word = strdup(s->words[w]);
            if (!occ[k].word) {
                status = rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
                goto done;
            }
            for (char *c = occ[k].word; *c; c++) *c = (char)tolower((unsigned char)*c);
            occ[k++].synset = (int64_t)(db->pos_first[pos] + i);
        }
    }
    qsort(occ, k, sizeof *occ, compare_occurrence);
    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && strcmp(occ[j].word, occ[i].word) == 0) j++;
        if (grow((void **)&db->lemmas, &db->lemma_cap, db->lemma_count + 1, sizeof *db->lemmas)) {
            status = rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
            goto done;
        }
        rgtg_wordnet_lemma_t *l = &db->lemmas[db->lemma_count];
        memset(l, 0, sizeof *l);
        l->pos = pos;
        l->senses = malloc((j - i) * sizeof *l->senses);
        if (!l->senses) {
            status = rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
            goto done;
        }
        l->lemma = occ[i].word;
        occ[i].word = NULL;
        for (size_t m = i; m < j; m++)
            if (l->sense_count == 0 || l->senses[l->sense_count - 1] != occ[m].synset)
                l->senses[l->sense_count++] = occ[m].synset;
        db->lemma_count++;
        i = j;
    }
done:
    for (size_t i = 0; i < k; i++) free(occ[i].word);
    free(occ);
    return status;
}

/* Pointer targets as synset indices (-1 where the target is not in the loaded files). */
static void resolve_pointers(rgtg_wordnet_t *db) {
    for (size_t i = 0; i < db->synset_count; i++) {
        rgtg_wordnet_synset_t *s = &db->synsets[i];
        for (int p = 0; p < s->pointer_count; p++)
            s->pointers[p].target = find_synset(db, s->pointers[p].target_pos, s->pointers[p].target_offset);
    }
}

static const rgtg_wordnet_t *order_db; /* qsort has no context argument in C11 */

static int compare_lemma_order(const void *a, const void *b) {
    const rgtg_wordnet_lemma_t *x = &order_db->lemmas[*(const int64_t *)a], *y = &order_db->lemmas[*(const int64_t *)b];
    int c = strcasecmp(x->lemma, y->lemma);
    if (c) return c;
    if (x->pos != y->pos) return (int)x->pos - (int)y->pos;
    return (*(const int64_t *)a > *(const int64_t *)b) - (*(const int64_t *)a < *(const int64_t *)b);
}

/* The lookup order of rgtg_wordnet_find_lemma: by lemma (case-insensitive), then pos. */
static rgtg_status_t index_lemmas(rgtg_wordnet_t *db) {
    db->lemma_order = malloc((db->lemma_count ? db->lemma_count : 1) * sizeof *db->lemma_order);
    if (!db->lemma_order) return rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
    for (size_t i = 0; i < db->lemma_count; i++) db->lemma_order[i] = (int64_t)i;
    order_db = db;
    qsort(db->lemma_order, db->lemma_count, sizeof *db->lemma_order, compare_lemma_order);
    order_db = NULL;
    return RGTG_OK;
}

rgtg_status_t rgtg_wordnet_load(const char *dir, rgtg_wordnet_t **out) {
    *out = NULL;
    rgtg_wordnet_t *db = calloc(1, sizeof *db);
    if (!db) return rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
    rgtg_status_t status = RGTG_OK;
    char name[32];
    for (int pos = 0; pos < RGTG_POS_COUNT && status == RGTG_OK; pos++) {
        snprintf(name, sizeof name, "data.%s", pos_file_suffix[pos]);
        char *path = join_path(dir, name);
        if (!path) {
            status = rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
            break;
        }
        db->sources[db->source_count++] = path;
        status = load_data_file(db, path, (rgtg_pos_t)pos);
    }
    for (int pos = 0; pos < RGTG_POS_COUNT && status == RGTG_OK; pos++) {
        snprintf(name, sizeof name, "index.%s", pos_file_suffix[pos]);
        char *path = join_path(dir, name);
        if (!path) {
            status = rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
            break;
        }
        FILE *fp = fopen(path, "r");
        if (!fp && errno != ENOENT) {
            status = rgtg_error_set(RGTG_ERR_IO, "%s: %s", path, strerror(errno));
            free(path);
        } else if (!fp) {
            free(path);
            status = derive_lemmas(db, (rgtg_pos_t)pos);
        } else {
            db->sources[db->source_count++] = path;
            status = load_index_file(db, path, (rgtg_pos_t)pos, fp);
            fclose(fp);
        }
    }
    if (status == RGTG_OK) resolve_pointers(db);
    if (status == RGTG_OK) status = index_lemmas(db);
    if (status != RGTG_OK) {
        rgtg_wordnet_free(db);
        return status;
    }
    *out = db;
    return RGTG_OK;
}

int64_t rgtg_wordnet_find_lemma(const rgtg_wordnet_t *db, const char *word, rgtg_pos_t pos) {
    size_t lo = 0, hi = db->lemma_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const rgtg_wordnet_lemma_t *l = &db->lemmas[db->lemma_order[mid]];
        int c = strcasecmp(l->lemma, word);
        if (c == 0) c = (int)l->pos - (int)pos;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    if (lo < db->lemma_count) {
        const rgtg_wordnet_lemma_t *l = &db->lemmas[db->lemma_order[lo]];
        if (l->pos == pos && strcasecmp(l->lemma, word) == 0) return db->lemma_order[lo];
    }
    return -1;
}

/* ---- the "define" pairs ---- */

rgtg_wordnet_pair_params_t rgtg_wordnet_pair_default_params(void) {
    rgtg_wordnet_pair_params_t p = {
        .max_pairs = 4096,
        .seed = 1,
        .max_definition_chars = 60,
        .min_word_chars = 3,
        .max_word_chars = 12,
        .min_tagged_count = 1,
        .template_name = "define",
    };
    return p;
}

static const char *const drop_reason_names[RGTG_WORDNET_DROP_COUNT] = {
    "not_single_word", "word_length", "rare", "same_word_other_pos",
    "long_definition", "over_max_pairs", "no_rejected",
};

typedef rgtg_wordnet_choice_t candidate_t;

static const rgtg_wordnet_t *sort_db; /* qsort has no context argument in C11 */

/* By word, then most tagged first, then pos order: the first of each word is its pair's pos. */
static int compare_by_word(const void *a, const void *b) {
    const rgtg_wordnet_lemma_t *x = &sort_db->lemmas[((const candidate_t *)a)->lemma];
    const rgtg_wordnet_lemma_t *y = &sort_db->lemmas[((const candidate_t *)b)->lemma];
    int c = strcmp(x->lemma, y->lemma);
    if (c) return c;
    if (x->tagged_count != y->tagged_count) return y->tagged_count - x->tagged_count;
    return (int)x->pos - (int)y->pos;
}

/* Most tagged first, then alphabetical: the most frequent words win max_pairs. */
static int compare_by_frequency(const void *a, const void *b) {
    const rgtg_wordnet_lemma_t *x = &sort_db->lemmas[((const candidate_t *)a)->lemma];
    const rgtg_wordnet_lemma_t *y = &sort_db->lemmas[((const candidate_t *)b)->lemma];
    if (x->tagged_count != y->tagged_count) return y->tagged_count - x->tagged_count;
    int c = strcmp(x->lemma, y->lemma);
    return c ? c : (int)x->pos - (int)y->pos;
}

static int is_single_word(const char *w) {
    for (const char *c = w; *c; c++)
        if (*c < 'a' || *c > 'z') return 0;
    return 1;
}

static int synset_has_word(const rgtg_wordnet_synset_t *s, const char *lemma) {
    for (int i = 0; i < s->word_count; i++)
        if (strcasecmp(s->words[i], lemma) == 0) return 1;
    return 0;
}

static int definition_fits(const rgtg_wordnet_synset_t *s, size_t max_chars) {
    size_t n = strlen(s->definition);
    return n > 0 && n <= max_chars;
}

void rgtg_wordnet_pairs_free(rgtg_wordnet_pairs_t *pairs) {
    if (!pairs) return;
    for (size_t i = 0; i < pairs->count; i++) {
        free(pairs->pairs[i].prompt_text);
        free(pairs->pairs[i].chosen_text);
        free(pairs->pairs[i].rejected_text);
        free(pairs->pairs[i].word);
    }
    free(pairs->pairs);
    pairs->pairs = NULL;
    pairs->count = 0;
}

const char *rgtg_wordnet_drop_name(rgtg_wordnet_drop_t reason) {
    return (unsigned)reason < RGTG_WORDNET_DROP_COUNT ? drop_reason_names[reason] : "unknown";
}

rgtg_status_t rgtg_wordnet_choose_words(const rgtg_wordnet_t *db, const rgtg_wordnet_pair_params_t *params,
                                        rgtg_wordnet_sense_rule_t rule, rgtg_wordnet_choice_t **out, size_t *count,
                                        int64_t drops[RGTG_WORDNET_DROP_COUNT], int64_t *lemmas_read) {
    *out = NULL;
    *count = 0;
    if (params->max_definition_chars == 0)
        return rgtg_error_set(RGTG_ERR_INVALID, "wordnet: max_definition_chars must be positive");
    candidate_t *cands = malloc((db->lemma_count ? db->lemma_count : 1) * sizeof *cands);
    if (!cands) return rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
    size_t n = 0;
    for (size_t i = 0; i < db->lemma_count; i++) {
        const rgtg_wordnet_lemma_t *l = &db->lemmas[i];
        size_t len = strlen(l->lemma);
        (*lemmas_read)++;
        if (!is_single_word(l->lemma)) drops[RGTG_WORDNET_DROP_NOT_SINGLE_WORD]++;
        else if (len < params->min_word_chars || len > params->max_word_chars) drops[RGTG_WORDNET_DROP_WORD_LENGTH]++;
        else if (l->from_index && l->tagged_count < params->min_tagged_count) drops[RGTG_WORDNET_DROP_RARE]++;
        else cands[n++] = (candidate_t){(int64_t)i, -1};
    }
    /* One pair per word: keep its most tagged pos. */
    sort_db = db;
    qsort(cands, n, sizeof *cands, compare_by_word);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept > 0 && strcmp(db->lemmas[cands[kept - 1].lemma].lemma, db->lemmas[cands[i].lemma].lemma) == 0) {
            drops[RGTG_WORDNET_DROP_SAME_WORD_OTHER_POS]++;
            continue;
        }
        cands[kept++] = cands[i];
    }
    n = kept;
    /* The sense: the most frequent one whose definition is short and not empty (or, for
     * RGTG_WORDNET_SENSE_FIRST, the most frequent one, when its definition is short and not empty). */
    kept = 0;
    for (size_t i = 0; i < n; i++) {
        const rgtg_wordnet_lemma_t *l = &db->lemmas[cands[i].lemma];
        int64_t chosen = -1;
        int senses = rule == RGTG_WORDNET_SENSE_FIRST && l->sense_count > 0 ? 1 : l->sense_count;
        for (int s = 0; s < senses && chosen < 0; s++)
            if (definition_fits(&db->synsets[l->senses[s]], params->max_definition_chars)) chosen = l->senses[s];
        if (chosen < 0) {
            drops[RGTG_WORDNET_DROP_LONG_DEFINITION]++;
            continue;
        }
        cands[i].synset = chosen;
        cands[kept++] = cands[i];
    }
    n = kept;
    qsort(cands, n, sizeof *cands, compare_by_frequency);
    sort_db = NULL;
    if (params->max_pairs > 0 && n > params->max_pairs) {
        drops[RGTG_WORDNET_DROP_OVER_MAX_PAIRS] += (int64_t)(n - params->max_pairs);
        n = params->max_pairs;
    }
    *out = cands;
    *count = n;
    return RGTG_OK;
}

rgtg_status_t rgtg_wordnet_make_pairs(const rgtg_wordnet_t *db, const rgtg_wordnet_pair_params_t *params,
                                      rgtg_wordnet_pairs_t *out) {
    memset(out, 0, sizeof *out);
    const rgtg_template_t *tmpl = rgtg_template_find(params->template_name);
    if (!tmpl) return rgtg_error_set(RGTG_ERR_INVALID, "wordnet: unknown template \"%s\"",
                                     params->template_name ? params->template_name : "(null)");
    out->template_name = tmpl->name;
    out->template_text = tmpl->text;
    for (int r = 0; r < RGTG_WORDNET_DROP_COUNT; r++) out->drop_reasons[r] = drop_reason_names[r];
    int64_t *drops = out->drop_counts;

    rgtg_status_t status = RGTG_OK;
    candidate_t *cands = NULL;
    size_t n = 0;
    int64_t *pool[RGTG_POS_COUNT] = {0};
    size_t pool_count[RGTG_POS_COUNT] = {0};
    status =
        rgtg_wordnet_choose_words(db, params, RGTG_WORDNET_SENSE_FIRST_SHORT, &cands, &n, drops, &out->lemmas_read);
    if (status != RGTG_OK) return status;

    /* Rejected definitions come from every synset of the same pos with a short definition. */
    for (int pos = 0; pos < RGTG_POS_COUNT; pos++) {
        pool[pos] = malloc((db->pos_count[pos] ? db->pos_count[pos] : 1) * sizeof *pool[pos]);
        if (!pool[pos]) {
            status = rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
            goto done;
        }
        for (size_t i = 0; i < db->pos_count[pos]; i++)
            if (definition_fits(&db->synsets[db->pos_first[pos] + i], params->max_definition_chars))
                pool[pos][pool_count[pos]++] = (int64_t)(db->pos_first[pos] + i);
    }

    int64_t *order = malloc((n ? n : 1) * sizeof *order);
    out->pairs = calloc(n ? n : 1, sizeof *out->pairs);
    if (!order || !out->pairs) {
        free(order);
        status = rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
        goto done;
    }
    rgtg_rng_t order_rng, reject_rng;
    rgtg_rng_seed(&order_rng, params->seed, 0);
    rgtg_rng_seed(&reject_rng, params->seed, 1);
    for (size_t i = 0; i < n; i++) order[i] = (int64_t)i;
    rgtg_rng_shuffle(&order_rng, order, n);

    enum { REJECT_TRIES = 64 };
    for (size_t k = 0; k < n && status == RGTG_OK; k++) {
        const candidate_t *c = &cands[order[k]];
        const rgtg_wordnet_lemma_t *l = &db->lemmas[c->lemma];
        const rgtg_wordnet_synset_t *chosen = &db->synsets[c->synset];
        int64_t rejected = -1;
        for (int t = 0; t < REJECT_TRIES && pool_count[l->pos] > 0 && rejected < 0; t++) {
            int64_t s = pool[l->pos][rgtg_rng_below(&reject_rng, pool_count[l->pos])];
            if (!synset_has_word(&db->synsets[s], l->lemma) &&
                strcmp(db->synsets[s].definition, chosen->definition) != 0)
                rejected = s;
        }
        if (rejected < 0) {
            drops[RGTG_WORDNET_DROP_NO_REJECTED]++;
            continue;
        }
        rgtg_wordnet_pair_t *p = &out->pairs[out->count];
        const char *keys[] = {"word", "pos"};
        const char *values[] = {l->lemma, rgtg_pos_name(l->pos)};
        p->pos = l->pos;
        p->chosen_synset = c->synset;
        p->rejected_synset = rejected;
        p->word = strdup(l->lemma);
        if (!p->word) status = rgtg_error_set(RGTG_ERR_NOMEM, "wordnet: out of memory");
        if (status == RGTG_OK) status = rgtg_template_render(tmpl, keys, values, 2, &p->prompt_text);
        if (status == RGTG_OK) status = rgtg_template_response(tmpl, chosen->definition, &p->chosen_text);
        if (status == RGTG_OK)
            status = rgtg_template_response(tmpl, db->synsets[rejected].definition, &p->rejected_text);
        out->count++; /* counted even on failure so that free releases the partial pair */
    }
    free(order);
done:
    for (int pos = 0; pos < RGTG_POS_COUNT; pos++) free(pool[pos]);
    free(cands);
    if (status != RGTG_OK) rgtg_wordnet_pairs_free(out);
    return status;
}
