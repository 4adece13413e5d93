/* tests/test_tokenizer.c: the tokenizer interface (core/tokenizer.h) on small tokenizer.json files
 * written here, whose ids are worked out by hand: merges by rank and leftmost among equal ranks,
 * ignore_merges, added tokens (leftmost-longest, lstrip/rstrip, normalized), NFC, Split behaviors,
 * Oniguruma's \s, ByteLevel's add_prefix_space and GPT-2 split, decode with U+FFFD and skipped
 * special tokens, BOS from a template and from tokenizer_config.json, the EOS list of a checkpoint
 * directory, the choice between tokenizer.json and tokenizer.model, sha256 identity, the regex
 * rewriting, concurrent encoding, SentencePiece through the same interface, and the error for each
 * bad input. Usage: test_tokenizer (librgtg_spm.so found as test_spm finds it). */
#define _GNU_SOURCE /* mkdtemp */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/model_dir.h"
#include "../core/spm/spm.h"
#include "../core/tok/regex.h"
#include "../core/tokenizer.h"

#define CHECK_SHOWS_LAST_ERROR
#include "check.h"

static char scratch[] = "/tmp/rgtg-tokenizer-XXXXXX";

/* ---- writing fixtures ----------------------------------------------------------------------------- */

/* The byte-level alphabet, written out from its definition (printable Latin-1 bytes stand for
 * themselves; the rest take U+0100 upwards in byte order). */
static unsigned byte_char(unsigned b) {
    unsigned next = 256;
    for (unsigned x = 0; x < 256; x++) {
        bool self = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || x >= 0xAE;
        if (x == b) return self ? x : next;
        if (!self) next++;
    }
    return 0;
}

/* The byte-level string of raw bytes, appended to out (NUL-terminated). */
static void byte_level(const char *raw, char *out) {
    char *p = out + strlen(out);
    for (const unsigned char *r = (const unsigned char *)raw; *r; r++) {
        unsigned cp = byte_char(*r);
        if (cp < 0x80) *p++ = (char)cp;
        else {
            *p++ = (char)(0xC0 | (cp >> 6));
            *p++ = (char)(0x80 | (cp & 0x3F));
        }
    }
    *p = '\0';
}

typedef struct {
    const char *extra_vocab[16]; /* raw strings, ids 256, 257, ... */
    const char *merges[16][2];   /* raw strings */
    bool ignore_merges;
    const char *normalizer, *pre_tokenizer, *post_processor, *added_tokens, *decoder, *model_extra;
} fixture_t;

static json_t *parse(const char *text) {
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY, &error);
    if (!value) fprintf(stderr, "fixture JSON: %s in %s\n", error.text, text);
    return value;
}

static void write_tokenizer_json(const char *path, const fixture_t *f) {
    json_t *vocab = json_object(), *merges = json_array();
    for (unsigned b = 0; b < 256; b++) {
        char raw[2] = {(char)b, 0}, piece[8] = "";
        if (b == 0) strcpy(piece, "\xC4\x80"); /* U+0100 stands for byte 0 */
        else byte_level(raw, piece);
        json_object_set_new(vocab, piece, json_integer(b));
    }
    for (int i = 0; i < 16 && f->extra_vocab[i]; i++) {
        char piece[64] = "";
        byte_level(f->extra_vocab[i], piece);
        json_object_set_new(vocab, piece, json_integer(256 + i));
    }
    for (int i = 0; i < 16 && f->merges[i][0]; i++) {
        char line[128] = "";
        byte_level(f->merges[i][0], line);
        strcat(line, " ");
        byte_level(f->merges[i][1], line);
        json_array_append_new(merges, json_string(line));
    }
    json_t *model = json_pack("{s:s, s:n, s:n, s:b, s:b, s:o, s:o}", "type", "BPE", "dropout", "unk_token",
                              "fuse_unk", 0, "ignore_merges", f->ignore_merges, "vocab", vocab, "merges", merges);
    if (f->model_extra) {
        json_t *extra = parse(f->model_extra);
        json_object_update(model, extra);
        json_decref(extra);
    }
    json_t *root = json_object();
    json_object_set_new(root, "version", json_string("1.0"));
    json_object_set_new(root, "added_tokens", parse(f->added_tokens ? f->added_tokens : "[]"));
    json_object_set_new(root, "normalizer", parse(f->normalizer ? f->normalizer : "null"));
    json_object_set_new(root, "pre_tokenizer",
                        parse(f->pre_tokenizer ? f->pre_tokenizer
                                               : "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
                                                 "\"use_regex\": false}"));
    json_object_set_new(root, "post_processor", parse(f->post_processor ? f->post_processor : "null"));
    json_object_set_new(root, "decoder", parse(f->decoder ? f->decoder : "{\"type\": \"ByteLevel\"}"));
    json_object_set_new(root, "model", model);
    if (json_dump_file(root, path, JSON_INDENT(1)) != 0) fprintf(stderr, "cannot write %s\n", path);
    json_decref(root);
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static char *path_in(const char *dir, const char *name) {
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

static char *make_dir(const char *name) {
    char *dir = path_in(scratch, name);
    mkdir(dir, 0755);
    return dir;
}

/* ---- checks --------------------------------------------------------------------------------------- */

static bool encodes_to(const rgtg_tokenizer_t *tok, const char *text, size_t n, const int32_t *want, size_t want_n) {
    int32_t *ids = NULL;
    size_t count = 0;
    if (rgtg_tokenizer_encode(tok, text, n, &ids, &count) != RGTG_OK) {
        fprintf(stderr, "encode failed: %s\n", rgtg_error_message());
        rgtg_error_clear();
        return false;
    }
    bool same = count == want_n && memcmp(ids, want, count * sizeof *ids) == 0;
    if (!same) {
        fprintf(stderr, "  encoded %zu ids:", count);
        for (size_t i = 0; i < count; i++) fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, "\n  expected %zu ids:", want_n);
        for (size_t i = 0; i < want_n; i++) fprintf(stderr, " %d", want[i]);
        fputc('\n', stderr);
    }
    free(ids);
    return same;
}

#define ENCODES(tok, text, ...)                                                                            \
    do {                                                                                                   \
        static const int32_t want_[] = {__VA_ARGS__};                                                      \
        CHECK_MSG(encodes_to(tok, text, sizeof(text) - 1, want_, sizeof want_ / sizeof want_[0]), "%s", #text); \
    } while (0)

static bool decodes_to(const rgtg_tokenizer_t *tok, const int32_t *ids, size_t n, bool skip, const char *want,
                       size_t want_n) {
    char *text = NULL;
    size_t length = 0;
    if (rgtg_tokenizer_decode(tok, ids, n, skip, &text, &length) != RGTG_OK) {
        fprintf(stderr, "decode failed: %s\n", rgtg_error_message());
        rgtg_error_clear();
        return false;
    }
    bool same = length == want_n && memcmp(text, want, want_n) == 0 && text[length] == '\0';
    if (!same) fprintf(stderr, "  decoded \"%s\" (%zu bytes), expected \"%s\"\n", text, length, want);
    free(text);
    return same;
}

#define DECODES(tok, skip, want, ...)                                                                      \
    do {                                                                                                   \
        static const int32_t ids_[] = {__VA_ARGS__};                                                       \
        CHECK_MSG(decodes_to(tok, ids_, sizeof ids_ / sizeof ids_[0], skip, want, sizeof(want) - 1), "%s", #__VA_ARGS__); \
    } while (0)

static rgtg_tokenizer_t *load_ok(const char *path) {
    rgtg_tokenizer_t *tok = NULL;
    rgtg_status_t st = rgtg_tokenizer_load(path, &tok);
    CHECK_MSG(st == RGTG_OK, "load %s", path);
    if (st != RGTG_OK) rgtg_error_clear();
    return tok;
}

/* Loading path fails with status and a message holding every fragment. */
static void load_fails(const char *path, rgtg_status_t status, const char *fragment1, const char *fragment2) {
    rgtg_tokenizer_t *tok = NULL;
    rgtg_status_t st = rgtg_tokenizer_load(path, &tok);
    const char *message = rgtg_error_message();
    CHECK_MSG(st == status, "%s: status %s, expected %s (%s)", path, rgtg_status_to_string(st),
              rgtg_status_to_string(status), message);
    CHECK_MSG(strstr(message, fragment1) != NULL, "message \"%s\" lacks \"%s\"", message, fragment1);
    if (fragment2) CHECK_MSG(strstr(message, fragment2) != NULL, "message \"%s\" lacks \"%s\"", message, fragment2);
    CHECK(tok == NULL);
    rgtg_error_clear();
    rgtg_tokenizer_free(tok);
}

/* ---- the cases ------------------------------------------------------------------------------------ */

static const char *const added_fixture;

static void test_merges(void) {
    char *dir = make_dir("merges"), *path = path_in(dir, "tokenizer.json");
    fixture_t f = {.extra_vocab = {"bc", "ab", "abc", "aa", "xyz"},
                   .merges = {{"b", "c"}, {"a", "b"}, {"a", "bc"}, {"a", "a"}}, .added_tokens = added_fixture};
    write_tokenizer_json(path, &f);
    rgtg_tokenizer_t *tok = load_ok(path);
    if (tok) {
        CHECK(rgtg_tokenizer_kind(tok) == RGTG_TOKENIZER_JSON_BPE);
        CHECK(rgtg_tokenizer_vocab_size(tok) == 306); /* ids 261..299 are holes */
        ENCODES(tok, "abc", 258);      /* (b,c) rank 0 first, then (a,bc); (a,b) first would leave ab + c */
        ENCODES(tok, "aaa", 259, 'a'); /* equal ranks: the leftmost pair merges first */
        ENCODES(tok, "xyz", 'x', 'y', 'z'); /* no merges lead to xyz */
        ENCODES(tok, "cab", 'c', 257);
        ENCODES(tok, "x <sep>  y", 'x', 301, 'y');  /* lstrip and rstrip take the spaces around <sep> */
        ENCODES(tok, "x <s>  y", 'x', ' ', 300, ' ', ' ', 'y');
        int32_t *none = NULL;
        size_t none_count = 1;
        CHECK_OK(rgtg_tokenizer_encode(tok, "", 0, &none, &none_count));
        CHECK(none != NULL && none_count == 0); /* an empty text: no ids, and an array to free */
        free(none);
        size_t length = 0;
        const char *piece = rgtg_tokenizer_id_to_piece(tok, ' ', &length);
        CHECK(piece && length == 2 && memcmp(piece, "\xC4\xA0", 2) == 0); /* U+0120 'Ġ' */
        CHECK(rgtg_tokenizer_piece_to_id(tok, "\xC4\xA0") == ' ');
        CHECK(rgtg_tokenizer_piece_to_id(tok, "nope") == -1);
        CHECK(rgtg_tokenizer_id_to_piece(tok, 261, &length) == NULL);
        CHECK(rgtg_tokenizer_bos_id(tok) == -1 && rgtg_tokenizer_eos_id(tok) == -1 && !rgtg_tokenizer_add_bos(tok));
        char hex[65];
        CHECK_OK(rgtg_sha256_file(path, hex));
        CHECK(strcmp(hex, rgtg_tokenizer_sha256(tok)) == 0);
        CHECK(strcmp(rgtg_tokenizer_path(tok), path) == 0);
        DECODES(tok, false, "abcxyz", 258, 260);
        DECODES(tok, false, "\xE4\xB8\xAD", 0xE4, 0xB8, 0xAD);
        DECODES(tok, false, "\xEF\xBF\xBD", 0xE4, 0xB8);            /* one U+FFFD for a cut sequence */
        DECODES(tok, false, "\xEF\xBF\xBD\xEF\xBF\xBD" "a", 0xFF, 0xC0, 'a'); /* one for each bad byte */
        DECODES(tok, false, "a\0b", 'a', 0, 'b');                  /* a NUL byte token, length kept */
        int32_t bad[2] = {306, 261};
        char *text = NULL;
        CHECK(rgtg_tokenizer_decode(tok, &bad[0], 1, false, &text, NULL) == RGTG_ERR_INVALID && text == NULL);
        CHECK(strstr(rgtg_error_message(), "id 306 at position 0 is outside the vocabulary") != NULL);
        rgtg_error_clear();
        CHECK(rgtg_tokenizer_decode(tok, &bad[1], 1, false, &text, NULL) == RGTG_ERR_INVALID && text == NULL);
        CHECK(strstr(rgtg_error_message(), "id 261 at position 0 has no token") != NULL);
        rgtg_error_clear();
        rgtg_tokenizer_free(tok);
    }
    /* ignore_merges: a word that is itself in the vocabulary is one token (Llama-3) */
    f.ignore_merges = true;
    write_tokenizer_json(path, &f);
    if ((tok = load_ok(path)) != NULL) {
        ENCODES(tok, "xyz", 260);
        ENCODES(tok, "xyzx", 'x', 'y', 'z', 'x');
        rgtg_tokenizer_free(tok);
    }
    free(path);
    free(dir);
}

static const char *const added_fixture =
    "[{\"id\": 300, \"content\": \"<s>\", \"special\": true, \"lstrip\": false, \"rstrip\": false, \"normalized\": false},"
    " {\"id\": 301, \"content\": \"<sep>\", \"special\": false, \"lstrip\": true, \"rstrip\": true, \"normalized\": false},"
    " {\"id\": 302, \"content\": \"<a>\", \"special\": true, \"normalized\": false},"
    " {\"id\": 303, \"content\": \"<a><b>\", \"special\": true, \"normalized\": false},"
    " {\"id\": 304, \"content\": \"\xC3\xA9\", \"special\": false, \"normalized\": true},"
    " {\"id\": 305, \"content\": \"</s>\", \"special\": true, \"normalized\": false}]";

static void test_added_and_pretokenizer(void) {
    char *dir = make_dir("added"), *path = path_in(dir, "tokenizer.json");
    fixture_t f = {.added_tokens = added_fixture,
                   .normalizer = "{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}]}",
                   .pre_tokenizer = "{\"type\": \"Sequence\", \"pretokenizers\": ["
                                    "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\s+\"}, \"behavior\": \"Removed\","
                                    " \"invert\": false},"
                                    "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}"};
    write_tokenizer_json(path, &f);
    rgtg_tokenizer_t *tok = load_ok(path);
    if (tok) {
        CHECK(rgtg_tokenizer_vocab_size(tok) == 306);
        ENCODES(tok, "<a><b><a>", 303, 302);                  /* leftmost-longest */
        ENCODES(tok, "e\xCC\x81", 304);                        /* NFC makes e + acute the normalized token */
        ENCODES(tok, "<s>e\xCC\x81<s>", 300, 304, 300);
        ENCODES(tok, "a\xC2\x85" "b\xE1\xA0\x8E" "c", 'a', 'b', 0xE1, 0xA0, 0x8E, 'c'); /* NEL is \s, U+180E not */
        ENCODES(tok, "a\xFF" "b", 'a', 0xEF, 0xBF, 0xBD, 'b');  /* ill-formed UTF-8 reads as U+FFFD */
        ENCODES(tok, "<s", '<', 's');
        CHECK(rgtg_tokenizer_is_special(tok, 300) && !rgtg_tokenizer_is_special(tok, 301));
        CHECK(!rgtg_tokenizer_is_special(tok, 'a'));
        CHECK(rgtg_tokenizer_piece_to_id(tok, "<sep>") == 301);
        DECODES(tok, false, "<s>hi<sep>", 300, 'h', 'i', 301);
        DECODES(tok, true, "hi<sep>", 300, 'h', 'i', 301);     /* <sep> is not special */
        DECODES(tok, false, "\xEF\xBF\xBD<s>\xEF\xBF\xBD", 0xE4, 300, 0xB8); /* bytes do not join across a token */
        rgtg_tokenizer_free(tok);
    }
    /* Split with invert: the pattern matches the pieces; Removed drops the rest */
    f.pre_tokenizer = "{\"type\": \"Sequence\", \"pretokenizers\": ["
                      "{\"type\": \"Split\", \"pattern\": {\"String\": \"a\"}, \"behavior\": \"Removed\", \"invert\": true},"
                      "{\"type\": \"ByteLevel\", \"use_regex\": false}]}";
    write_tokenizer_json(path, &f);
    if ((tok = load_ok(path)) != NULL) {
        ENCODES(tok, "banana", 'a', 'a', 'a');
        rgtg_tokenizer_free(tok);
    }
    free(path);
    free(dir);
}

static const char *const template_bos =
    "{\"type\": \"Sequence\", \"processors\": [{\"type\": \"ByteLevel\"}, {\"type\": \"TemplateProcessing\","
    " \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}],"
    " \"pair\": [], \"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [300], \"tokens\": [\"<s>\"]}}}]}";

static void test_gpt2_split_and_specials(void) {
    char *dir = make_dir("gpt2"), *path = path_in(dir, "tokenizer.json");
    fixture_t f = {.extra_vocab = {"o ", " h"}, .merges = {{"o", " "}, {" ", "h"}}, .added_tokens = added_fixture,
                   .pre_tokenizer = "{\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"use_regex\": true}",
                   .post_processor = template_bos};
    write_tokenizer_json(path, &f);
    rgtg_tokenizer_t *tok = load_ok(path);
    if (tok) {
        /* " hello" and " world" are words: "o " never merges across them */
        ENCODES(tok, "hello world", 257, 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd');
        CHECK(rgtg_tokenizer_add_bos(tok) && rgtg_tokenizer_bos_id(tok) == 300 && !rgtg_tokenizer_add_eos(tok));
        rgtg_tokenizer_free(tok);
    }
    /* tokenizer_config.json beside it names the tokens and overrides the template's BOS */
    char *config = path_in(dir, "tokenizer_config.json");
    write_text(config, "{\"bos_token\": \"<s>\", \"eos_token\": {\"content\": \"</s>\", \"lstrip\": false},"
                       " \"pad_token\": \"<a>\", \"add_bos_token\": false,"
                       " \"model_max_length\": 1000000000000000019884624838656, \"chat_template\": \"{{ x }}\"}");
    if ((tok = load_ok(path)) != NULL) {
        CHECK(!rgtg_tokenizer_add_bos(tok) && rgtg_tokenizer_bos_id(tok) == 300);
        CHECK(rgtg_tokenizer_eos_id(tok) == 305 && rgtg_tokenizer_pad_id(tok) == 302);
        size_t n;
        const int32_t *eos = rgtg_tokenizer_eos_ids(tok, &n);
        CHECK(n == 1 && eos[0] == 305); /* a file, not a directory: no generation_config.json */
        rgtg_tokenizer_free(tok);
    }
    /* a checkpoint directory: the EOS list adds generation_config.json's, in order, without repeats */
    char *generation = path_in(dir, "generation_config.json"), *model_config = path_in(dir, "config.json");
    write_text(generation, "{\"eos_token_id\": [302, 305, 301]}");
    write_text(model_config, "{\"eos_token_id\": 303}");
    if ((tok = load_ok(dir)) != NULL) {
        size_t n;
        const int32_t *eos = rgtg_tokenizer_eos_ids(tok, &n);
        CHECK(n == 3 && eos[0] == 305 && eos[1] == 302 && eos[2] == 301);
        CHECK(rgtg_tokenizer_is_eos(tok, 301) && !rgtg_tokenizer_is_eos(tok, 303));
        rgtg_tokenizer_free(tok);
    }
    unlink(generation); /* without it, config.json's */
    if ((tok = load_ok(dir)) != NULL) {
        size_t n;
        const int32_t *eos = rgtg_tokenizer_eos_ids(tok, &n);
        CHECK(n == 2 && eos[0] == 305 && eos[1] == 303);
        rgtg_tokenizer_free(tok);
    }
    write_text(model_config, "{\"eos_token_id\": [303, 9999]}");
    load_fails(dir, RGTG_ERR_FORMAT, "config.json", "eos_token_id");
    unlink(model_config);
    write_text(config, "{\"eos_token\": \"<nope>\"}");
    load_fails(path, RGTG_ERR_FORMAT, "tokenizer_config.json", "eos_token \"<nope>\"");
    write_text(config, "{\"eos_token\": \"</s>\",");
    load_fails(path, RGTG_ERR_FORMAT, "tokenizer_config.json:1:", NULL);
    unlink(config);
    free(config);
    free(generation);
    free(model_config);
    free(path);
    free(dir);
}

static const char *const corpus_lines[] = {"the quick brown fox jumps over the lazy dog",
                                           "a small cafe near the river sells fresh bread",
                                           "reward models score every prefix of a response"};

static char *train_spm(const char *dir) {
    char *corpus = path_in(dir, "corpus.txt"), *model = path_in(dir, "tokenizer.model");
    FILE *f = fopen(corpus, "w");
    for (int i = 0; i < 600; i++) fprintf(f, "%s %d\n", corpus_lines[i % 3], i);
    fclose(f);
    rgtg_spm_train_params_t params = rgtg_spm_train_default_params();
    params.vocab_size = 300; /* room for the 256 byte pieces of byte fallback */
    params.character_coverage = 1.0;
    params.threads = 1;
    CHECK_OK(rgtg_spm_train(corpus, model, &params));
    unlink(corpus);
    free(corpus);
    return model;
}

static void test_sentencepiece_and_choice(void) {
    char *dir = make_dir("spm");
    char *model = train_spm(dir);
    rgtg_spm_t *spm = NULL;
    CHECK_OK(rgtg_spm_load(model, &spm));
    rgtg_tokenizer_t *tok = load_ok(dir); /* only tokenizer.model */
    if (tok && spm) {
        CHECK(rgtg_tokenizer_kind(tok) == RGTG_TOKENIZER_SENTENCEPIECE);
        CHECK(rgtg_tokenizer_vocab_size(tok) == rgtg_spm_vocab_size(spm));
        CHECK(rgtg_tokenizer_bos_id(tok) == 1 && rgtg_tokenizer_eos_id(tok) == 2 && rgtg_tokenizer_add_bos(tok));
        CHECK(rgtg_tokenizer_is_special(tok, 1) && !rgtg_tokenizer_is_special(tok, 10));
        for (int i = 0; i < 3; i++) {
            int32_t *a = NULL, *b = NULL;
            size_t na = 0, nb = 0;
            CHECK_OK(rgtg_tokenizer_encode(tok, corpus_lines[i], strlen(corpus_lines[i]), &a, &na));
            CHECK_OK(rgtg_spm_encode(spm, corpus_lines[i], strlen(corpus_lines[i]), &b, &nb));
            CHECK(na == nb && na > 0 && memcmp(a, b, na * sizeof *a) == 0);
            char *text = NULL;
            size_t length = 0;
            CHECK_OK(rgtg_tokenizer_decode(tok, a, na, false, &text, &length));
            CHECK(text && strcmp(text, corpus_lines[i]) == 0 && length == strlen(corpus_lines[i]));
            free(text);
            free(a);
            free(b);
        }
        int32_t *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        CHECK_OK(rgtg_tokenizer_encode(tok, "a\xFF" "b", 3, &a, &na)); /* read as U+FFFD, as tokenizer.json does */
        CHECK_OK(rgtg_tokenizer_encode(tok, "a\xEF\xBF\xBD" "b", 5, &b, &nb));
        CHECK(na == nb && memcmp(a, b, na * sizeof *a) == 0);
        free(a);
        free(b);
        CHECK(rgtg_tokenizer_piece_to_id(tok, "definitely-not-a-piece") == -1);
        CHECK(rgtg_tokenizer_piece_to_id(tok, "<unk>") == 0);
        char hex[65];
        CHECK_OK(rgtg_sha256_file(model, hex));
        CHECK(strcmp(hex, rgtg_tokenizer_sha256(tok)) == 0);
    }
    rgtg_tokenizer_free(tok);
    rgtg_spm_free(spm);
    /* both files: tokenizer.json wins */
    char *json = path_in(dir, "tokenizer.json");
    fixture_t f = {.added_tokens = added_fixture};
    write_tokenizer_json(json, &f);
    if ((tok = load_ok(dir)) != NULL) {
        CHECK(rgtg_tokenizer_kind(tok) == RGTG_TOKENIZER_JSON_BPE && strcmp(rgtg_tokenizer_path(tok), json) == 0);
        rgtg_tokenizer_free(tok);
    }
    /* a tokenizer.json that rgtg does not run gives way to the tokenizer.model beside it */
    f.model_extra = "{\"byte_fallback\": true}";
    write_tokenizer_json(json, &f);
    if ((tok = load_ok(dir)) != NULL) {
        CHECK(rgtg_tokenizer_kind(tok) == RGTG_TOKENIZER_SENTENCEPIECE && strcmp(rgtg_tokenizer_path(tok), model) == 0);
        CHECK(rgtg_error_message()[0] == '\0'); /* the refusal was cleared */
        rgtg_tokenizer_free(tok);
    }
    unlink(model); /* without it, the refusal is the answer */
    load_fails(dir, RGTG_ERR_UNSUPPORTED, "tokenizer.json", "byte_fallback");
    unlink(json);
    load_fails(dir, RGTG_ERR_IO, dir, "neither tokenizer.json nor tokenizer.model");
    free(json);
    free(model);
    free(dir);
}

static void test_bad_files(void) {
    char *dir = make_dir("bad"), *path = path_in(dir, "tokenizer.json");
    load_fails(path, RGTG_ERR_IO, path, NULL); /* missing */
    write_text(path, "{\"model\": {\"type\": \"BPE\",\n  \"vocab\": {\"a\": 0,}}}");
    load_fails(path, RGTG_ERR_FORMAT, "tokenizer.json:2:", NULL);
    struct {
        fixture_t f;
        rgtg_status_t status;
        const char *fragment1, *fragment2;
    } cases[] = {
        {{.merges = {{"a", "q"}}, .model_extra = "{\"vocab\": {\"a\": 0, \"q\": 1}}"}, RGTG_ERR_FORMAT, "model.merges[0]",
         "not in the vocabulary"},
        {{.model_extra = "{\"type\": \"WordPiece\"}"}, RGTG_ERR_UNSUPPORTED, "WordPiece", NULL},
        {{.model_extra = "{\"dropout\": 0.1}"}, RGTG_ERR_UNSUPPORTED, "dropout", NULL},
        {{.normalizer = "{\"type\": \"Lowercase\"}"}, RGTG_ERR_UNSUPPORTED, "Lowercase", NULL},
        {{.decoder = "{\"type\": \"Metaspace\"}"}, RGTG_ERR_UNSUPPORTED, "decoder \"Metaspace\"", NULL},
        {{.pre_tokenizer = "{\"type\": \"Whitespace\"}"}, RGTG_ERR_UNSUPPORTED, "Whitespace", NULL},
        {{.pre_tokenizer = "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"a\"}, \"behavior\": \"Isolated\"}"},
         RGTG_ERR_UNSUPPORTED, "no ByteLevel step", NULL},
        {{.pre_tokenizer = "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": "
                           "{\"Regex\": \"(ab\"}, \"behavior\": \"Isolated\"}, {\"type\": \"ByteLevel\"}]}"},
         RGTG_ERR_FORMAT, "pretokenizers[0].pattern: offset 3", "missing closing parenthesis"},
        {{.pre_tokenizer = "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": "
                           "{\"Regex\": \"[a[b]]\"}, \"behavior\": \"Isolated\"}, {\"type\": \"ByteLevel\"}]}"},
         RGTG_ERR_UNSUPPORTED, "offset 2", "nested character class"},
        {{.pre_tokenizer = "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": "
                           "{\"Regex\": \"a\"}, \"behavior\": \"MergedWithNext\"}, {\"type\": \"ByteLevel\"}]}"},
         RGTG_ERR_UNSUPPORTED, "MergedWithNext", NULL},
        {{.added_tokens = "[{\"id\": 300, \"content\": \"<w>\", \"single_word\": true}]"}, RGTG_ERR_UNSUPPORTED,
         "single_word", NULL},
        {{.added_tokens = "[{\"id\": 300, \"content\": \"<w>\"}, {\"id\": 300, \"content\": \"<v>\"}]"},
         RGTG_ERR_FORMAT, "id 300 is given twice", NULL},
        {{.post_processor = "{\"type\": \"BertProcessing\"}"}, RGTG_ERR_UNSUPPORTED, "BertProcessing", NULL},
        {{.added_tokens = "[{\"id\": 2000000000, \"content\": \"<w>\"}]"}, RGTG_ERR_FORMAT, "added_tokens[0]",
         "integer from 0 to"},
        {{.model_extra = "{\"vocab\": {\"a\": -1}}"}, RGTG_ERR_FORMAT, "model.vocab[\"a\"]", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_tokenizer_json(path, &cases[i].f);
        load_fails(path, cases[i].status, cases[i].fragment1, cases[i].fragment2);
    }
    free(path);
    free(dir);
}

/* Whether pattern finds exactly the expected span in text (start == end == -1: no match). */
static bool finds(const char *pattern, const char *text, long start, long end) {
    tok_regex_t regex;
    if (tok_regex_compile(pattern, strlen(pattern), false, "test", &regex) != RGTG_OK) {
        fprintf(stderr, "compile %s: %s\n", pattern, rgtg_error_message());
        rgtg_error_clear();
        return false;
    }
    tok_regex_matcher_t *m = tok_regex_matcher_new();
    bool found = false;
    size_t s = 0, e = 0;
    rgtg_status_t st = tok_regex_find(&regex, m, text, strlen(text), 0, &found, &s, &e);
    tok_regex_matcher_free(m);
    tok_regex_free(&regex);
    bool ok = st == RGTG_OK && (start < 0 ? !found : (found && (long)s == start && (long)e == end));
    if (!ok) fprintf(stderr, "  %s on \"%s\": found %d at %zu..%zu\n", pattern, text, found, s, e);
    return ok;
}

static void test_regex_dialect(void) {
    CHECK(finds("\\s", "a\xC2\x85", 1, 3));            /* NEL is Oniguruma white space */
    CHECK(finds("\\s", "a\xE1\xA0\x8E", -1, -1));      /* U+180E is not */
    CHECK(finds("\\S+", "\xE1\xA0\x8E ", 0, 3));
    CHECK(finds("[^\\s]+", "ab\xC2\x85", 0, 2));
    CHECK(finds("\\w+", "e\xCC\x81!", 0, 3));          /* a combining mark is a word character */
    CHECK(finds("\\W", "e\xCC\x81!", 3, 4));
    CHECK(finds("\\h+", "xBEEFy", 1, 5));              /* hex digits, not horizontal space */
    CHECK(finds("\\h", "\t", -1, -1));
    CHECK(finds("[\\h]+", "zz0f", 2, 4));
    CHECK(finds("\\u00e9", "caf\xC3\xA9", 3, 5));
    CHECK(finds("(?m:a.b)", "a\nb", 0, 3));            /* Oniguruma's m: the dot takes newlines */
    CHECK(finds("a.b", "a\nb", -1, -1));
    CHECK(finds("^b", "a\nb", 2, 3));                  /* line anchors */
    CHECK(finds("(?i:'s)", "X'S", 1, 3));
    CHECK(finds("(?i:'s)", "x'\xC5\xBF", 1, 4));      /* long s folds to s, as in Oniguruma */
    CHECK(finds("\\p{N}{1,3}", "x12345", 1, 4));
    CHECK(finds("\\s+(?!\\S)", "a   b", 1, 3));
    CHECK(finds("[]a]+", "x]a]", 1, 4));               /* a ']' first in a class is literal */
    tok_bytes_t out = {0};
    CHECK(tok_regex_translate("[\\W]", 4, "p", &out) == RGTG_ERR_UNSUPPORTED);
    CHECK(strstr(rgtg_error_message(), "\\W inside a character class") != NULL);
    rgtg_error_clear();
    CHECK(tok_regex_translate("[a&&b]", 6, "p", &out) == RGTG_ERR_UNSUPPORTED);
    rgtg_error_clear();
    CHECK_OK(tok_regex_translate("[[:alpha:]\\s]", 13, "p", &out));
    CHECK(out.data && strcmp(out.data, "[[:alpha:]\\p{White_Space}]") == 0);
    tok_bytes_free(&out);
}

#define THREADS 4
#define TEXTS_PER_THREAD 300

typedef struct {
    const rgtg_tokenizer_t *tok;
    int seed;
    int32_t *expected[TEXTS_PER_THREAD];
    size_t expected_count[TEXTS_PER_THREAD];
    int mismatches;
} thread_job_t;

static void thread_text(int seed, int i, char *text, size_t capacity) {
    snprintf(text, capacity, "w%d <a><b> ab%dc  e\xCC\x81 <sep> %d", (seed * 31 + i) % 97, i % 13, seed * 1000 + i);
}

static void *encode_many(void *arg) {
    thread_job_t *job = arg;
    for (int i = 0; i < TEXTS_PER_THREAD; i++) {
        char text[128];
        thread_text(job->seed, i, text, sizeof text);
        int32_t *ids = NULL;
        size_t n = 0;
        if (rgtg_tokenizer_encode(job->tok, text, strlen(text), &ids, &n) != RGTG_OK || n != job->expected_count[i] ||
            memcmp(ids, job->expected[i], n * sizeof *ids) != 0)
            job->mismatches++;
        free(ids);
    }
    return NULL;
}

static void test_threads(void) {
    char *dir = make_dir("threads"), *path = path_in(dir, "tokenizer.json");
    fixture_t f = {.extra_vocab = {"bc", "ab", "abc"}, .merges = {{"b", "c"}, {"a", "b"}, {"a", "bc"}},
                   .added_tokens = added_fixture, .normalizer = "{\"type\": \"NFC\"}",
                   .pre_tokenizer = "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}"};
    write_tokenizer_json(path, &f);
    rgtg_tokenizer_t *tok = load_ok(path);
    if (tok) {
        /* the expected ids from this thread alone, then the same texts from four threads at once */
        static thread_job_t jobs[THREADS];
        pthread_t threads[THREADS];
        for (int t = 0; t < THREADS; t++) {
            jobs[t].tok = tok;
            jobs[t].seed = t;
            for (int i = 0; i < TEXTS_PER_THREAD; i++) {
                char text[128];
                thread_text(t, i, text, sizeof text);
                CHECK_OK(rgtg_tokenizer_encode(tok, text, strlen(text), &jobs[t].expected[i], &jobs[t].expected_count[i]));
            }
        }
        for (int t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, encode_many, &jobs[t]);
        for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
        for (int t = 0; t < THREADS; t++) {
            CHECK_MSG(jobs[t].mismatches == 0, "thread %d: %d mismatches", t, jobs[t].mismatches);
            for (int i = 0; i < TEXTS_PER_THREAD; i++) free(jobs[t].expected[i]);
        }
        ENCODES(tok, "ab abc", 257, ' ', 258);
        rgtg_tokenizer_free(tok);
    }
    free(path);
    free(dir);
}

/* rgtg_tokenizer_files finds what rgtg_tokenizer_load runs, without running it; the copy loads the
 * same; model_dir's identity checks compare that file's sha256. */
static void check_files_match_load(const char *path) {
    rgtg_tokenizer_files_t files;
    rgtg_tokenizer_t *tok = load_ok(path);
    CHECK_OK(rgtg_tokenizer_files(path, &files));
    if (tok && files.file) {
        CHECK_MSG(!strcmp(files.file, rgtg_tokenizer_path(tok)) && !strcmp(files.sha256, rgtg_tokenizer_sha256(tok)) &&
                      files.kind == rgtg_tokenizer_kind(tok),
                  "%s: files %s, load %s", path, files.file, rgtg_tokenizer_path(tok));
    }
    rgtg_tokenizer_files_free(&files);
    rgtg_tokenizer_free(tok);
}

static void test_files_and_identity(void) {
    char *dir = make_dir("files"), *copy = make_dir("files-copy"), *other = make_dir("files-other");
    char *empty = make_dir("files-empty");
    char *model = train_spm(dir), *json = path_in(dir, "tokenizer.json"), *config = path_in(dir, "tokenizer_config.json");
    check_files_match_load(dir); /* tokenizer.model alone */
    check_files_match_load(model);
    char spm_sha[65];
    CHECK_OK(rgtg_tokenizer_file_sha256(dir, spm_sha));
    fixture_t f = {.added_tokens = added_fixture};
    write_tokenizer_json(json, &f);
    write_text(config, "{\"bos_token\": null, \"add_bos_token\": false}");
    check_files_match_load(dir); /* both: tokenizer.json */
    check_files_match_load(json);
    rgtg_tokenizer_files_t files;
    CHECK_OK(rgtg_tokenizer_files(dir, &files));
    CHECK(files.kind == RGTG_TOKENIZER_JSON_BPE && files.config && !strcmp(files.config, config));
    CHECK_OK(rgtg_tokenizer_files_copy(&files, copy));
    char *copied_json = path_in(copy, "tokenizer.json"), *copied_config = path_in(copy, "tokenizer_config.json");
    CHECK(rgtg_path_exists(copied_json) && rgtg_path_exists(copied_config));
    rgtg_tokenizer_t *tok = load_ok(copy);
    CHECK(tok && !strcmp(rgtg_tokenizer_sha256(tok), files.sha256) && !rgtg_tokenizer_add_bos(tok));
    rgtg_tokenizer_free(tok);
    /* identity: the sha256 of tokenizer.json; the same file passes, another is refused */
    char hex[65];
    CHECK_OK(rgtg_tokenizer_file_sha256(dir, hex));
    CHECK(!strcmp(hex, files.sha256) && strcmp(hex, spm_sha) != 0);
    CHECK_OK(rgtg_check_same_tokenizer(dir, copy));
    CHECK_OK(rgtg_check_tokenizer_matches_data(copy, files.sha256, "prefs.h5"));
    char *other_model = path_in(other, "tokenizer.model");
    CHECK_OK(rgtg_copy_file_atomic(model, other_model));
    CHECK(rgtg_check_same_tokenizer(dir, other) == RGTG_ERR_INVALID &&
          strstr(rgtg_error_message(), "its tokenizer differs from"));
    CHECK(rgtg_check_tokenizer_matches_data(other, files.sha256, "prefs.h5") == RGTG_ERR_INVALID);
    rgtg_error_clear();
    CHECK(rgtg_model_dir_has_tokenizer(empty) == RGTG_ERR_FORMAT &&
          strstr(rgtg_error_message(), "incomplete model directory: tokenizer.json or tokenizer.model is missing"));
    rgtg_error_clear();
    CHECK(rgtg_tokenizer_file_sha256(empty, hex) == RGTG_ERR_FORMAT);
    rgtg_error_clear();
    CHECK(rgtg_tokenizer_files(empty, &(rgtg_tokenizer_files_t){0}) == RGTG_ERR_IO &&
          strstr(rgtg_error_message(), "holds neither tokenizer.json nor tokenizer.model"));
    rgtg_error_clear();
    rgtg_tokenizer_files_free(&files);
    /* a tokenizer.json rgtg does not run, beside tokenizer.model: both answer tokenizer.model */
    f.model_extra = "{\"byte_fallback\": true}";
    write_tokenizer_json(json, &f);
    check_files_match_load(dir);
    CHECK_OK(rgtg_tokenizer_file_sha256(dir, hex));
    CHECK(!strcmp(hex, spm_sha));
    free(other_model), free(copied_json), free(copied_config);
    free(model), free(json), free(config);
    free(dir), free(copy), free(other), free(empty);
}

int main(void) {
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return 1;
    }
    test_merges();
    test_added_and_pretokenizer();
    test_gpt2_split_and_specials();
    test_sentencepiece_and_choice();
    test_bad_files();
    test_files_and_identity();
    test_regex_dialect();
    test_threads();
    check_remove_dir(scratch);
    return check_summary("tokenizer");
}
