/* tests/test_spm_lossless.c: tokenizers trained with rgtg's default settings are lossless. Trains one
 * on a corpus built here, then checks decode(encode(text)) == text with no unknown piece on seeded
 * Unicode stress strings (CJK, emoji with joiners, combining marks, right-to-left text, control
 * characters, runs of spaces and newlines, leading and trailing spaces) and fixed samples; that the
 * settings are read back from the model file and took effect; that a model with SentencePiece's old
 * defaults is caught as lossy by the round-trip check; the training settings' errors; and the
 * model-settings reader on hand-made protobuf bytes.
 * Usage: test_spm_lossless (librgtg_spm.so found as for test_spm). */
#define _GNU_SOURCE /* mkdtemp */
#include "../core/spm/spm.h"
#include "../core/spm/spm_settings.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_SHOWS_LAST_ERROR
#include "check.h"

static const char sample[] = "Line one\n\nLine two \xe2\x80\x94 \xe2\x80\x9cquotes\xe2\x80\x9d \xf0\x9f\x98\x80 \xc3\xbcn\xc3\xaf" "code";

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t next_random(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}
static uint32_t random_in(uint32_t low, uint32_t high) { return low + next_random() % (high - low + 1); }

/* Appends code point cp as UTF-8. */
static void put_utf8(char **at, uint32_t cp) {
    unsigned char *p = (unsigned char *)*at;
    if (cp < 0x80) *p++ = (unsigned char)cp;
    else if (cp < 0x800) *p++ = (unsigned char)(0xc0 | cp >> 6), *p++ = (unsigned char)(0x80 | (cp & 0x3f));
    else if (cp < 0x10000)
        *p++ = (unsigned char)(0xe0 | cp >> 12), *p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)),
        *p++ = (unsigned char)(0x80 | (cp & 0x3f));
    else
        *p++ = (unsigned char)(0xf0 | cp >> 18), *p++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f)),
        *p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)), *p++ = (unsigned char)(0x80 | (cp & 0x3f));
    *at = (char *)p;
}

static void put_text(char **at, const char *text) {
    size_t n = strlen(text);
    memcpy(*at, text, n);
    *at += n;
}

/* One stress segment of a random kind; at most about 80 bytes. */
static void put_segment(char **at) {
    static const char *const words[] = {"the", "reward", "model", "Human:", "Assistant:", "prefix", "token", "café",
                                        "naïve", "2023", "x=3.14", "don't", "e-mail", "C++", "{json}", "<tag>"};
    static const char *const emoji[] = {
        "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa6", /* family, ZWJ */
        "\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88",             /* rainbow flag: VS16 + ZWJ */
        "\xf0\x9f\x91\xa9\xf0\x9f\x8f\xbd\xe2\x80\x8d\xf0\x9f\x92\xbb",         /* technologist, skin tone, ZWJ */
        "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7",                                     /* regional indicators FR */
        "1\xef\xb8\x8f\xe2\x83\xa3",                                            /* keycap one */
        "\xe2\x9d\xa4\xef\xb8\x8f",                                             /* heart + VS16 */
    };
    switch (next_random() % 12) {
    case 0: /* CJK ideographs, kana, hangul */
        for (uint32_t i = 0, n = random_in(1, 6); i < n; i++) {
            uint32_t kind = next_random() % 3;
            put_utf8(at, kind == 0 ? random_in(0x4e00, 0x9fff) : kind == 1 ? random_in(0x3041, 0x3096)
                                                                            : random_in(0xac00, 0xd7a3));
        }
        break;
    case 1: put_text(at, emoji[next_random() % 6]); break;
    case 2: /* a letter with one to three combining marks, or Devanagari with a virama */
        if (next_random() % 2) {
            put_utf8(at, random_in('a', 'z'));
            for (uint32_t i = 0, n = random_in(1, 3); i < n; i++) put_utf8(at, random_in(0x300, 0x36f));
        } else {
            put_text(at, "\xe0\xa4\x95\xe0\xa5\x8d\xe0\xa4\xb7"); /* ksha: ka, virama, ssa */
        }
        break;
    case 3: /* Hebrew or Arabic, with direction marks */
        put_utf8(at, next_random() % 2 ? 0x200f : 0x202b);
        for (uint32_t i = 0, n = random_in(2, 8); i < n; i++)
            put_utf8(at, next_random() % 2 ? random_in(0x5d0, 0x5ea) : random_in(0x627, 0x64a));
        put_utf8(at, next_random() % 2 ? 0x200e : 0x202c);
        break;
    case 4: /* C0 controls (not NUL), DEL, C1 controls */
        for (uint32_t i = 0, n = random_in(1, 4); i < n; i++) {
            uint32_t kind = next_random() % 3;
            put_utf8(at, kind == 0 ? random_in(0x01, 0x1f) : kind == 1 ? 0x7f : random_in(0x80, 0x9f));
        }
        break;
    case 5: /* runs of spaces */
        for (uint32_t i = 0, n = random_in(1, 9); i < n; i++) put_text(at, " ");
        break;
    case 6: /* runs of newlines, CR LF, tabs */
        for (uint32_t i = 0, n = random_in(1, 5); i < n; i++) put_text(at, next_random() % 3 ? "\n" : "\r\n");
        if (next_random() % 2) put_text(at, "\t\t");
        break;
    case 7: { /* other spaces and invisible characters: NBSP, ideographic space, ZWSP, BOM, LS, PS */
        static const uint32_t odd[] = {0xa0, 0x3000, 0x200b, 0xfeff, 0x2028, 0x2029, 0x2060, 0x180e};
        put_utf8(at, odd[next_random() % 8]);
        break;
    }
    case 8: /* characters whose NFKC form differs: ligature, full-width, superscript, Roman numeral */
        put_utf8(at, (uint32_t[]){0xfb01, 0xff21, 0xb2, 0x2163, 0x2126, 0x212b}[next_random() % 6]);
        break;
    case 9: /* astral planes and private use */
        put_utf8(at, (uint32_t[]){0x1d400, 0x10ffff, 0xe000, 0xf8ff, 0x1f600, 0x20000}[next_random() % 6]);
        break;
    case 10: /* digits */
        for (uint32_t i = 0, n = random_in(1, 8); i < n; i++) put_utf8(at, random_in('0', '9'));
        break;
    default: put_text(at, words[next_random() % 16]); break;
    }
}

/* A stress string of up to 24 segments, some separated by a space, some with spaces around. */
static size_t make_stress_string(char *out) {
    char *at = out;
    if (next_random() % 4 == 0) put_text(&at, next_random() % 2 ? " " : "   ");
    for (uint32_t i = 0, n = random_in(1, 24); i < n; i++) {
        put_segment(&at);
        if (next_random() % 2) put_text(&at, " ");
    }
    if (next_random() % 4 == 0) put_text(&at, next_random() % 2 ? "  " : " \n");
    *at = '\0';
    return (size_t)(at - out);
}

/* A corpus of English-like lines with a few accents, CJK words, digits, tab and space runs and the
 * turn markers; it never holds an emoji, a dash or curly quotes (the legacy model must miss them). */
static int write_corpus(const char *path) {
    static const char *const starts[] = {"Human: Can you explain", "Assistant: Sure, here is", "Human: Why does",
                                         "Assistant: The answer to", "Please summarize", "In short,"};
    static const char *const middles[] = {"the reward model", "a partial sequence", "the café menu",
                                          "naïve Bayes", "the 中文 text", "a long    indented line",
                                          "the\tcolumns", "version 2.0.1", "the résumé", "prefix pairs"};
    static const char *const ends[] = {"in 2023?", "for 42 minutes.", "with care!", "step by step.",
                                       "before the deadline;", "and nothing else."};
    static const char *const syllables[] = {"ka", "lo", "mer", "tin", "sa", "vel", "dru", "po", "quin", "ra",
                                            "shi", "bel", "gor", "an", "te", "wy", "fe", "zu", "nor", "cla"};
    FILE *file = fopen(path, "w");
    if (file == NULL) return 0;
    for (int i = 0; i < 1500; i++) {
        uint32_t r = next_random(), w = next_random();
        char name[32] = ""; /* an invented word of two to four syllables keeps the corpus varied */
        for (uint32_t k = 0, n = 2 + w % 3; k < n; k++) strcat(name, syllables[(w >> (2 + 5 * k)) % 20]);
        fprintf(file, "%s %s %s %s %s\n", starts[r % 6], middles[(r / 6) % 10], name, middles[(r / 60) % 10],
                ends[(r / 600) % 6]);
    }
    return fclose(file) == 0;
}

static char *join(const char *folder, const char *name) {
    size_t size = strlen(folder) + strlen(name) + 2;
    char *path = malloc(size);
    snprintf(path, size, "%s/%s", folder, name);
    return path;
}

/* The round-trip check says exact with no unknown piece, and SentencePiece's own decode agrees (the
 * check takes a piece-by-piece shortcut on lossless models). */
static void check_round_trip(const rgtg_spm_t *spm, const char *text, size_t len, const char *label) {
    rgtg_spm_round_trip_t result;
    rgtg_error_clear();
    CHECK_OK(rgtg_spm_round_trip(spm, text, len, &result));
    CHECK_MSG(result.exact, "%s: not exact from byte %zu of %zu", label, result.first_difference, len);
    CHECK_MSG(result.unknown_pieces == 0, "%s: %zu unknown pieces", label, result.unknown_pieces);
    int32_t *ids = NULL;
    size_t count = 0;
    char *decoded = NULL;
    CHECK_OK(rgtg_spm_encode(spm, text, len, &ids, &count));
    CHECK_OK(rgtg_spm_decode(spm, ids, count, &decoded));
    CHECK_MSG(decoded && strlen(decoded) == len && memcmp(decoded, text, len) == 0, "%s: decode disagrees", label);
    free(decoded);
    free(ids);
}

static size_t encode_count(const rgtg_spm_t *spm, const char *text) {
    int32_t *ids = NULL;
    size_t count = 0;
    if (rgtg_spm_encode(spm, text, strlen(text), &ids, &count) != RGTG_OK) count = (size_t)-1;
    free(ids);
    return count;
}

static void check_lossless_model(const char *model) {
    rgtg_spm_t *spm = NULL;
    rgtg_error_clear();
    CHECK_OK(rgtg_spm_load(model, &spm));
    if (spm == NULL) return;

    /* settings read back from the file */
    const rgtg_spm_settings_t *s = rgtg_spm_settings(spm);
    CHECK(s->byte_fallback && !s->remove_extra_whitespaces && !s->add_dummy_prefix && s->escape_whitespaces);
    CHECK(s->allow_whitespace_only_pieces && s->split_digits && s->trained_by_rgtg && s->lossless);
    CHECK_MSG(strcmp(s->normalization, "identity") == 0, "normalization \"%s\"", s->normalization);
    CHECK_MSG(strcmp(s->user_symbols, "Human:,Assistant:") == 0, "user symbols \"%s\"", s->user_symbols);
    CHECK_MSG(strcmp(s->model_type, "unigram") == 0 && s->vocab_size == 500, "%s, vocab %d", s->model_type,
              s->vocab_size);
    CHECK_MSG(s->character_coverage > 0.9994 && s->character_coverage < 0.9996, "coverage %g", s->character_coverage);
    char line[512];
    rgtg_spm_settings_describe(s, line, sizeof line);
    printf("lossless model: %s\n", line);
    CHECK_MSG(strstr(line, "normalization identity") && strstr(line, "byte_fallback on"), "describe: %s", line);

    /* the settings took effect: byte pieces, one piece per user symbol and per digit */
    /* ids: the 4 specials, the user symbols, the 256 byte pieces, then the learned pieces */
    CHECK_MSG(rgtg_spm_piece_to_id(spm, "<0x0A>") == 6 + 0x0a, "<0x0A> is id %d", rgtg_spm_piece_to_id(spm, "<0x0A>"));
    CHECK_MSG(rgtg_spm_piece_to_id(spm, "Human:") == 4 && rgtg_spm_piece_to_id(spm, "Assistant:") == 5,
              "user symbols at ids %d, %d", rgtg_spm_piece_to_id(spm, "Human:"), rgtg_spm_piece_to_id(spm, "Assistant:"));
    CHECK_MSG(encode_count(spm, "Assistant:") == 1, "Assistant: is %zu pieces", encode_count(spm, "Assistant:"));
    CHECK_MSG(encode_count(spm, "90210") == 5, "90210 is %zu pieces", encode_count(spm, "90210"));
    CHECK_MSG(encode_count(spm, "\n") == 1, "a newline is %zu pieces", encode_count(spm, "\n"));

    /* the sample, fixed edge cases, then seeded stress strings */
    check_round_trip(spm, sample, strlen(sample), "the sample");
    static const char *const fixed[] = {"", " ", "  ", "\n", "\n\n\n", "\t", " leading", "trailing ", "  both  ",
                                        "a  b   c    d", "\n\nHuman: hi\n\nAssistant: yo", "Human:Assistant:",
                                        "\r\n\r\n", " \n \n ", "\xef\xbb\xbf" "BOM first", "12345678901234567890"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        char label[64];
        snprintf(label, sizeof label, "fixed string %zu", i);
        check_round_trip(spm, fixed[i], strlen(fixed[i]), label);
    }
    char text[24 * 96 + 16];
    for (int i = 0; i < 400; i++) {
        size_t len = make_stress_string(text);
        char label[64];
        snprintf(label, sizeof label, "stress string %d", i);
        int before = failures;
        check_round_trip(spm, text, len, label);
        if (failures != before) fprintf(stderr, "  the string: \"%s\"\n", text);
    }

    /* round_trip_ids agrees with round_trip on ids the caller has */
    int32_t *ids = NULL;
    size_t count = 0;
    rgtg_spm_round_trip_t result;
    CHECK_OK(rgtg_spm_encode(spm, sample, strlen(sample), &ids, &count));
    CHECK_OK(rgtg_spm_round_trip_ids(spm, sample, strlen(sample), ids, count, &result));
    CHECK(result.exact && result.unknown_pieces == 0);
    if (count > 1) { /* dropping the last piece is caught, at the right byte */
        char *shorter = NULL;
        CHECK_OK(rgtg_spm_decode(spm, ids, count - 1, &shorter));
        CHECK_OK(rgtg_spm_round_trip_ids(spm, sample, strlen(sample), ids, count - 1, &result));
        CHECK_MSG(!result.exact && shorter && result.first_difference == strlen(shorter),
                  "a dropped piece: exact %d at %zu", result.exact, result.first_difference);
        free(shorter);
    }
    free(ids);

    /* The limits no SentencePiece setting lifts, which the check must report rather than hide: U+2581
     * (what a space is written as inside a piece) decodes as a space, and NUL ends decode's string. */
    rgtg_error_clear();
    CHECK_OK(rgtg_spm_round_trip(spm, "a\xe2\x96\x81z", 5, &result));
    CHECK_MSG(!result.exact && result.first_difference == 1, "U+2581: exact %d at %zu", result.exact,
              result.first_difference);
    CHECK_OK(rgtg_spm_round_trip(spm, "nul\0byte", 8, &result));
    CHECK_MSG(!result.exact && result.first_difference == 3, "NUL: exact %d at %zu", result.exact,
              result.first_difference);
    rgtg_spm_free(spm);
}

/* A model with SentencePiece's old defaults (NFKC, whitespace folding, no byte fallback): the
 * round-trip check catches it, the settings say so, and nothing about it claims to be lossless. */
static void check_legacy_model(const char *corpus, const char *model) {
    rgtg_spm_train_params_t params = rgtg_spm_train_default_params();
    params.vocab_size = 200;
    params.byte_fallback = false;
    params.normalization = "nmt_nfkc";
    params.remove_extra_whitespaces = true;
    params.add_dummy_prefix = true;
    params.allow_whitespace_only_pieces = false;
    params.split_digits = false;
    rgtg_error_clear();
    CHECK_OK(rgtg_spm_train(corpus, model, &params));
    rgtg_spm_t *spm = NULL;
    CHECK_OK(rgtg_spm_load(model, &spm));
    if (spm == NULL) return;
    const rgtg_spm_settings_t *s = rgtg_spm_settings(spm);
    CHECK(!s->byte_fallback && s->remove_extra_whitespaces && s->add_dummy_prefix && !s->split_digits);
    CHECK(!s->allow_whitespace_only_pieces && !s->lossless && s->trained_by_rgtg && s->user_symbols[0] == '\0');
    CHECK_MSG(strcmp(s->normalization, "nmt_nfkc") == 0, "normalization \"%s\"", s->normalization);

    rgtg_spm_round_trip_t result;
    CHECK_OK(rgtg_spm_round_trip(spm, sample, strlen(sample), &result));
    CHECK_MSG(!result.exact, "legacy sample came back whole");
    CHECK_MSG(result.unknown_pieces >= 3, "legacy sample: %zu unknown pieces (dash, quotes, emoji)",
              result.unknown_pieces);
    CHECK_OK(rgtg_spm_round_trip(spm, "a\n\nb", 4, &result));
    CHECK_MSG(!result.exact && result.first_difference == 1 && result.unknown_pieces == 0,
              "legacy newlines: exact %d at %zu", result.exact, result.first_difference);
    CHECK_OK(rgtg_spm_round_trip(spm, "a  b", 4, &result));
    CHECK_MSG(!result.exact && result.unknown_pieces == 0, "legacy double space: exact %d", result.exact);
    rgtg_spm_free(spm);
}

static void check_training_errors(const char *corpus, const char *folder) {
    char *never = join(folder, "never.model");
    rgtg_spm_train_params_t params = rgtg_spm_train_default_params();
    params.vocab_size = 260; /* byte fallback needs 260 ids before the first learned piece */
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(corpus, never, &params) == RGTG_ERR_INVALID &&
                  strstr(rgtg_error_message(), "256 byte pieces") != NULL && strstr(rgtg_error_message(), never),
              "vocab 260 with byte fallback and no clear message");
    params.vocab_size = 500;
    params.normalization = "nfd";
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(corpus, never, &params) == RGTG_ERR_INVALID &&
                  strstr(rgtg_error_message(), "\"nfd\"") != NULL,
              "normalization nfd accepted");
    params.normalization = "identity";
    const char *const bad_sets[][2] = {{"Human:", "A,B"}, {"Human:", "two words"}, {"Human:", ""}, {"X", "X"}};
    const char *const expected[] = {"\"A,B\"", "\"two words\"", "is empty", "given twice"};
    for (int i = 0; i < 4; i++) {
        params.user_symbols = bad_sets[i];
        params.user_symbol_count = 2;
        rgtg_error_clear();
        CHECK_MSG(rgtg_spm_train(corpus, never, &params) == RGTG_ERR_INVALID &&
                      strstr(rgtg_error_message(), expected[i]) != NULL,
                  "user symbols %d: \"%s\"", i, rgtg_error_message());
    }
    params.user_symbols = NULL;
    params.user_symbol_count = 1;
    rgtg_error_clear();
    CHECK_MSG(rgtg_spm_train(corpus, never, &params) == RGTG_ERR_INVALID, "a NULL symbol list accepted");
    rgtg_error_clear();
    CHECK_MSG(access(never, F_OK) != 0, "a refused training left %s", never);
    free(never);
}

/* The settings reader on bytes made by hand: defaults, merged occurrences, malformed input. */
static void check_settings_reader(void) {
    rgtg_spm_settings_store_t store;
    CHECK_OK(rgtg_spm_settings_parse((const uint8_t *)"", 0, &store));
    CHECK(store.settings.add_dummy_prefix && store.settings.remove_extra_whitespaces && !store.settings.byte_fallback);
    CHECK(store.settings.vocab_size == 8000 && !strcmp(store.settings.model_type, "unigram") &&
          !store.settings.trained_by_rgtg && !store.settings.lossless && !strcmp(store.settings.user_symbols, ""));
    rgtg_spm_settings_store_free(&store);

    /* trainer_spec {model_type: BPE, byte_fallback: 1, user symbol "A"}, normalizer_spec {name:
       "identity", remove_extra_whitespaces: 0}, then a second trainer_spec {model_prefix: "rgtg",
       user symbol "BC"} merged into the first; an unknown field 9 (fixed64) is skipped. */
    static const uint8_t merged[] = {0x12, 0x09, 0x18, 0x02, 0x98, 0x02, 0x01, 0xfa, 0x01, 0x01, 'A',
                                     0x1a, 0x0c, 0x0a, 0x08, 'i', 'd', 'e', 'n', 't', 'i', 't', 'y', 0x20, 0x00,
                                     0x49, 1, 2, 3, 4, 5, 6, 7, 8,
                                     0x12, 0x0b, 0x12, 0x04, 'r', 'g', 't', 'g', 0xfa, 0x01, 0x02, 'B', 'C'};
    CHECK_OK(rgtg_spm_settings_parse(merged, sizeof merged, &store));
    CHECK_MSG(!strcmp(store.settings.model_type, "bpe") && store.settings.byte_fallback &&
                  !store.settings.remove_extra_whitespaces && !strcmp(store.settings.normalization, "identity") &&
                  store.settings.trained_by_rgtg && store.settings.lossless &&
                  !strcmp(store.settings.user_symbols, "A,BC"),
              "merged: %s, symbols \"%s\"", store.settings.model_type, store.settings.user_symbols);
    rgtg_spm_settings_store_free(&store);

    /* decode works piece by piece only without a dummy prefix, whitespace folding, suffix spaces or a
       denormalizer */
    static const uint8_t piecewise[] = {0x1a, 0x04, 0x18, 0x00, 0x20, 0x00};
    CHECK_OK(rgtg_spm_settings_parse(piecewise, sizeof piecewise, &store));
    CHECK(store.piecewise_decode && !store.settings.add_dummy_prefix);
    rgtg_spm_settings_store_free(&store);
    static const uint8_t suffix[] = {0x1a, 0x04, 0x18, 0x00, 0x20, 0x00, 0x12, 0x03, 0xc0, 0x01, 0x01};
    CHECK_OK(rgtg_spm_settings_parse(suffix, sizeof suffix, &store));
    CHECK(!store.piecewise_decode && store.treat_whitespace_as_suffix);
    rgtg_spm_settings_store_free(&store);
    static const uint8_t denormalizer[] = {0x1a, 0x04, 0x18, 0x00, 0x20, 0x00, 0x2a, 0x03, 0x12, 0x01, 'x'};
    CHECK_OK(rgtg_spm_settings_parse(denormalizer, sizeof denormalizer, &store));
    CHECK(!store.piecewise_decode && store.has_denormalizer);
    rgtg_spm_settings_store_free(&store);
    CHECK_OK(rgtg_spm_settings_parse(merged, sizeof merged, &store)); /* add_dummy_prefix by default */
    CHECK(!store.piecewise_decode);
    rgtg_spm_settings_store_free(&store);

    static const uint8_t truncated_length[] = {0x12, 0x20, 0x18, 0x02};      /* says 32 bytes, has 2 */
    static const uint8_t truncated_varint[] = {0x12, 0x02, 0x20, 0x80};      /* a varint cut short */
    static const uint8_t group[] = {0x13, 0x14};                             /* wire type 3: groups */
    const struct {
        const uint8_t *bytes;
        size_t size;
    } bad[] = {{truncated_length, 4}, {truncated_varint, 4}, {group, 2}};
    for (int i = 0; i < 3; i++) {
        rgtg_error_clear();
        CHECK_MSG(rgtg_spm_settings_parse(bad[i].bytes, bad[i].size, &store) == RGTG_ERR_FORMAT,
                  "malformed settings %d accepted", i);
    }
    rgtg_error_clear();
}

int main(void) {
    char folder[] = "/tmp/rgtg_test_spm_lossless_XXXXXX";
    if (mkdtemp(folder) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char *corpus = join(folder, "corpus.txt"), *model = join(folder, "lossless.model");
    char *legacy = join(folder, "legacy.model");
    CHECK_MSG(write_corpus(corpus), "cannot write %s", corpus);

    rgtg_spm_train_params_t params = rgtg_spm_train_default_params();
    const char *const markers[] = {"Human:", "Assistant:"};
    params.vocab_size = 500;
    params.user_symbols = markers;
    params.user_symbol_count = 2;
    rgtg_error_clear();
    CHECK_OK(rgtg_spm_train(corpus, model, &params));
    check_lossless_model(model);
    check_legacy_model(corpus, legacy);
    check_training_errors(corpus, folder);
    check_settings_reader();

    if (failures == 0) check_remove_dir(folder);
    else fprintf(stderr, "files kept in %s\n", folder);
    free(corpus), free(model), free(legacy);
    return check_summary("test_spm_lossless");
}
