/* tests/test_config.c: unit tests of core/config: loading, typed getters and defaults, --set overrides,
 * sequences and mappings, empty values refused, range getters, the known-key check, error positions of
 * broken files, duplicate keys, and the write -> load round trip. Files live in a fresh directory under $TMPDIR (or /tmp). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/config.h"

#include "check.h"

static char test_dir[512];

/* Checks that expr fails with code and a message containing text; clears the message. */
#define CHECK_ERROR(expr, code, text)                                                              \
    do {                                                                                           \
        rgtg_status_t status_ = (expr);                                                            \
        if (status_ != (code) || !strstr(rgtg_error_message(), (text))) {                          \
            fprintf(stderr, "%s:%d: %s: expected %s with \"%s\", got %s \"%s\"\n", __FILE__,        \
                    __LINE__, #expr, rgtg_status_to_string(code), (text),                          \
                    rgtg_status_to_string(status_), rgtg_error_message());                         \
            failures++;                                                                            \
        }                                                                                          \
        rgtg_error_clear();                                                                        \
    } while (0)

/* Writes text to test_dir/name and returns the path (static buffer, one at a time). */
static const char *write_test_file(const char *name, const char *text) {
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    FILE *file = fopen(path, "w");
    if (!file) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fputs(text, file);
    fclose(file);
    return path;
}

static const char *const EXAMPLE_YAML =
    "# a training run\n"
    "model:\n"
    "  name: tiny-llama\n"
    "  dim: 64\n"
    "train:\n"
    "  lr: 3.0e-4\n"
    "  max_steps: 1e4\n"
    "  batch: 0x10\n"
    "  shuffle: yes\n"
    "  fp16: False\n"
    "  bad_number: abc\n"
    "  warmup: ~\n"
    "  tag: \"123\"\n"
    "eval:\n"
    "  betas: [0.5, 1, 2.5]\n"
    "  sets:\n"
    "    - name: hh\n"
    "      n: 100\n"
    "    - name: tldr\n"
    "      n: 50\n";

static void test_getters_and_defaults(void) {
    rgtg_config_t *config = NULL;
    const char *path = write_test_file("example.yaml", EXAMPLE_YAML);
    CHECK_OK(rgtg_config_load(path, &config));
    if (!config) return;

    int64_t i = 0;
    CHECK_OK(rgtg_config_get_int(config, "model.dim", 7, &i));
    CHECK(i == 64);
    CHECK_OK(rgtg_config_get_int(config, "train.max_steps", 7, &i));
    CHECK(i == 10000);
    CHECK_OK(rgtg_config_get_int(config, "train.batch", 7, &i));
    CHECK(i == 16);
    CHECK_OK(rgtg_config_get_int(config, "train.tag", 7, &i)); /* quoted digits still parse */
    CHECK(i == 123);
    CHECK_OK(rgtg_config_get_int(config, "train.missing", -5, &i));
    CHECK(i == -5);
    CHECK_OK(rgtg_config_get_int(config, "train.warmup", 99, &i)); /* null means default */
    CHECK(i == 99);
    CHECK_OK(rgtg_config_get_int(config, "nothing.here.at_all", 3, &i));
    CHECK(i == 3);

    double d = 0;
    CHECK_OK(rgtg_config_get_double(config, "train.lr", 1.0, &d));
    CHECK(d == 3.0e-4);
    CHECK_OK(rgtg_config_get_double(config, "model.dim", 1.0, &d));
    CHECK(d == 64.0);
    CHECK_OK(rgtg_config_get_double(config, "train.momentum", 0.9, &d));
    CHECK(d == 0.9);

    bool b = false;
    CHECK_OK(rgtg_config_get_bool(config, "train.shuffle", false, &b));
    CHECK(b == true);
    CHECK_OK(rgtg_config_get_bool(config, "train.fp16", true, &b));
    CHECK(b == false);
    CHECK_OK(rgtg_config_get_bool(config, "train.resume", true, &b));
    CHECK(b == true);

    const char *s = NULL;
    CHECK_OK(rgtg_config_get_string(config, "model.name", "x", &s));
    CHECK(s && strcmp(s, "tiny-llama") == 0);
    CHECK_OK(rgtg_config_get_string(config, "train.tag", "x", &s));
    CHECK(s && strcmp(s, "123") == 0);
    CHECK_OK(rgtg_config_get_string(config, "model.tokenizer", "spm", &s));
    CHECK(s && strcmp(s, "spm") == 0);

    CHECK(rgtg_config_has(config, "model.name"));
    CHECK(rgtg_config_has(config, "eval.sets[1].n"));
    CHECK(!rgtg_config_has(config, "train.warmup"));
    CHECK(!rgtg_config_has(config, "model.heads"));
    CHECK(!rgtg_config_has(config, "model.name.first")); /* through a scalar: no, and no error left */
    CHECK(rgtg_error_status() == RGTG_OK);

    /* Type errors name the file position, the key and the text. */
    CHECK_ERROR(rgtg_config_get_double(config, "train.bad_number", 0, &d), RGTG_ERR_INVALID,
                "example.yaml:11:15: config key 'train.bad_number': expected a number, got 'abc'");
    CHECK_ERROR(rgtg_config_get_int(config, "train.lr", 0, &i), RGTG_ERR_INVALID,
                "config key 'train.lr': expected an integer, got '3.0e-4'");
    CHECK_ERROR(rgtg_config_get_bool(config, "model.name", false, &b), RGTG_ERR_INVALID,
                "config key 'model.name': expected true or false");
    CHECK_ERROR(rgtg_config_get_string(config, "model", "x", &s), RGTG_ERR_INVALID,
                "example.yaml:3:3: config key 'model': expected a string, got a mapping");
    CHECK_ERROR(rgtg_config_get_int(config, "model.dim.x", 0, &i), RGTG_ERR_INVALID,
                "config key 'model.dim.x': 'model.dim' is a scalar, not a mapping");
    CHECK_ERROR(rgtg_config_get_int(config, "model..dim", 0, &i), RGTG_ERR_INVALID,
                "config key 'model..dim' is not a valid path");
    CHECK_ERROR(rgtg_config_get_int(config, "eval.betas.first", 0, &i), RGTG_ERR_INVALID,
                "'eval.betas' is a sequence, not a mapping");

    /* Sequences. */
    size_t count = 0;
    CHECK_OK(rgtg_config_get_list_count(config, "eval.betas", &count));
    CHECK(count == 3);
    CHECK_OK(rgtg_config_get_double(config, "eval.betas[2]", 0, &d));
    CHECK(d == 2.5);
    CHECK_OK(rgtg_config_get_double(config, "eval.betas[3]", -1, &d)); /* past the end: default */
    CHECK(d == -1);
    CHECK_OK(rgtg_config_get_list_count(config, "eval.sets", &count));
    CHECK(count == 2);
    CHECK_OK(rgtg_config_get_string(config, "eval.sets[1].name", NULL, &s));
    CHECK(s && strcmp(s, "tldr") == 0);
    CHECK_OK(rgtg_config_get_list_count(config, "eval.missing", &count));
    CHECK(count == 0);
    CHECK_ERROR(rgtg_config_get_list_count(config, "model", &count), RGTG_ERR_INVALID,
                "config key 'model': expected a sequence, got a mapping");

    /* Mappings. */
    CHECK_OK(rgtg_config_get_map_count(config, "", &count));
    CHECK(count == 3);
    const char *name = NULL;
    CHECK_OK(rgtg_config_get_map_key(config, "", 2, &name));
    CHECK(name && strcmp(name, "eval") == 0);
    CHECK_OK(rgtg_config_get_map_count(config, "train", &count));
    CHECK(count == 8);
    CHECK_OK(rgtg_config_get_map_key(config, "train", 1, &name));
    CHECK(name && strcmp(name, "max_steps") == 0);
    CHECK_ERROR(rgtg_config_get_map_key(config, "train", 8, &name), RGTG_ERR_INVALID, "no entry 8");

    rgtg_config_free(config);
}

static void test_overrides(void) {
    rgtg_config_t *config = NULL;
    CHECK_OK(rgtg_config_load(write_test_file("example.yaml", EXAMPLE_YAML), &config));
    if (!config) return;

    CHECK_OK(rgtg_config_set(config, "train.lr=0.01"));
    CHECK_OK(rgtg_config_set(config, "decode.pargs.beta=1.5"));
    CHECK_OK(rgtg_config_set(config, "decode.pargs.k=10"));
    CHECK_OK(rgtg_config_set(config, "decode.name=\"yes\""));
    CHECK_OK(rgtg_config_set(config, "eval.betas[1]=4"));
    CHECK_OK(rgtg_config_set(config, "eval.betas[3]=8")); /* append */
    CHECK_OK(rgtg_config_set(config, "train.warmup=100")); /* replaces a null */
    CHECK_OK(rgtg_config_set(config, "train.schedule.kind=cosine")); /* under a new mapping */
    CHECK_OK(rgtg_config_set(config, "sweep.ks=[5, 10, 20]"));
    CHECK_OK(rgtg_config_set(config, "model.dim=null"));                /* null: back to default */
    CHECK_OK(rgtg_config_set(config, "train.comment='a # b = c'"));
    CHECK_OK(rgtg_config_set(config, "new.list[0].name=first"));

    double d = 0;
    int64_t i = 0;
    bool b = true;
    const char *s = NULL;
    size_t count = 0;
    CHECK_OK(rgtg_config_get_double(config, "train.lr", 0, &d));
    CHECK(d == 0.01);
    CHECK_OK(rgtg_config_get_double(config, "decode.pargs.beta", 0, &d));
    CHECK(d == 1.5);
    CHECK_OK(rgtg_config_get_int(config, "decode.pargs.k", 0, &i));
    CHECK(i == 10);
    CHECK_OK(rgtg_config_get_string(config, "decode.name", NULL, &s));
    CHECK(s && strcmp(s, "yes") == 0);
    CHECK_OK(rgtg_config_get_list_count(config, "eval.betas", &count));
    CHECK(count == 4);
    CHECK_OK(rgtg_config_get_double(config, "eval.betas[1]", 0, &d));
    CHECK(d == 4);
    CHECK_OK(rgtg_config_get_double(config, "eval.betas[3]", 0, &d));
    CHECK(d == 8);
    CHECK_OK(rgtg_config_get_int(config, "train.warmup", 0, &i));
    CHECK(i == 100);
    CHECK_OK(rgtg_config_get_string(config, "train.schedule.kind", NULL, &s));
    CHECK(s && strcmp(s, "cosine") == 0);
    CHECK_OK(rgtg_config_get_list_count(config, "sweep.ks", &count));
    CHECK(count == 3);
    CHECK_OK(rgtg_config_get_int(config, "sweep.ks[2]", 0, &i));
    CHECK(i == 20);
    CHECK_OK(rgtg_config_get_int(config, "model.dim", 77, &i));
    CHECK(i == 77);
    CHECK_OK(rgtg_config_get_string(config, "train.comment", NULL, &s));
    CHECK(s && strcmp(s, "a # b = c") == 0);
    CHECK_OK(rgtg_config_get_string(config, "new.list[0].name", NULL, &s));
    CHECK(s && strcmp(s, "first") == 0);
    CHECK_OK(rgtg_config_get_bool(config, "train.shuffle", false, &b)); /* untouched file value */
    CHECK(b == true);

    /* A bad value from the command line says so. */
    CHECK_OK(rgtg_config_set(config, "train.lr=abc"));
    CHECK_ERROR(rgtg_config_get_double(config, "train.lr", 0, &d), RGTG_ERR_INVALID,
                "--set: config key 'train.lr': expected a number, got 'abc'");

    CHECK_ERROR(rgtg_config_set(config, "train.lr"), RGTG_ERR_INVALID, "expected KEY=VALUE");
    CHECK_ERROR(rgtg_config_set(config, "=3"), RGTG_ERR_INVALID, "must start with a name");
    CHECK_ERROR(rgtg_config_set(config, "a..b=3"), RGTG_ERR_INVALID, "is not a valid path");
    /* Key names a YAML file could not hold (a surrogate, a control character, broken UTF-8) are
     * refused here: written out, they would not load back. */
    CHECK_ERROR(rgtg_config_set(config, "a\xed\xa0\x80=3"), RGTG_ERR_INVALID, "is not a valid path");
    CHECK_ERROR(rgtg_config_set(config, "a\x01b=3"), RGTG_ERR_INVALID, "is not a valid path");
    CHECK_ERROR(rgtg_config_set(config, "a\xc3=3"), RGTG_ERR_INVALID, "is not a valid path");
    CHECK_OK(rgtg_config_set(config, "caf\xc3\xa9=3")); /* é is fine */
    CHECK_ERROR(rgtg_config_set(config, "model.name.first=x"), RGTG_ERR_INVALID,
                "'model.name' is a scalar, not a mapping");
    CHECK_ERROR(rgtg_config_set(config, "eval.betas[9]=1"), RGTG_ERR_INVALID,
                "index 9 is past the end of 'eval.betas' (4 elements)");
    CHECK_ERROR(rgtg_config_set(config, "fresh.seq[2]=1"), RGTG_ERR_INVALID, "index 2 of a new sequence");
    CHECK(!rgtg_config_has(config, "fresh")); /* a refused override leaves nothing behind */
    CHECK_ERROR(rgtg_config_set(config, "x=[1, 2"), RGTG_ERR_INVALID, "--set x=[1, 2: column");
    CHECK_ERROR(rgtg_config_set(config, "x=a: b"), RGTG_ERR_INVALID, "not a scalar");
    CHECK(!rgtg_config_has(config, "x"));

    rgtg_config_free(config);

    /* Overrides on an empty config build the whole tree. */
    config = rgtg_config_new_empty();
    CHECK(config != NULL);
    if (!config) return;
    CHECK_OK(rgtg_config_set(config, "a.b.c=-2"));
    CHECK_OK(rgtg_config_get_int(config, "a.b.c", 0, &i));
    CHECK(i == -2);
    rgtg_config_free(config);
}

static void test_known_keys(void) {
    static const char *const known[] = {
        "model.name", "model.dim", "train.lr", "train.max_steps", "train.batch", "train.shuffle",
        "train.fp16", "train.bad_number", "train.warmup", "train.tag", "eval.betas", "eval.sets", NULL,
    };
    rgtg_config_t *config = NULL;
    CHECK_OK(rgtg_config_load(write_test_file("example.yaml", EXAMPLE_YAML), &config));
    if (!config) return;
    CHECK_OK(rgtg_config_check_known(config, known));

    CHECK_OK(rgtg_config_set(config, "train.lrr=0.1"));
    CHECK_ERROR(rgtg_config_check_known(config, known), RGTG_ERR_INVALID,
                "--set: config key 'train.lrr' is not known (did you mean 'train.lr'?)");
    rgtg_config_free(config);

    /* In a file: the position of the key, and a key at the wrong level suggests the right one. */
    CHECK_OK(rgtg_config_load(write_test_file("unknown.yaml", "model:\n  dim: 4\nlr: 0.1\n"), &config));
    if (!config) return;
    CHECK_ERROR(rgtg_config_check_known(config, known), RGTG_ERR_INVALID,
                "unknown.yaml:3:1: config key 'lr' is not known (did you mean 'train.lr'?)");
    rgtg_config_free(config);

    /* Far from every known key: no suggestion. */
    CHECK_OK(rgtg_config_load(write_test_file("unknown2.yaml", "model:\n  zzzzzzzz: 4\n"), &config));
    if (!config) return;
    CHECK_ERROR(rgtg_config_check_known(config, known), RGTG_ERR_INVALID,
                "unknown2.yaml:2:3: config key 'model.zzzzzzzz' is not known");
    CHECK(strstr(rgtg_error_message(), "did you mean") == NULL);
    rgtg_error_clear();

    /* "model.*" allows anything under model. */
    static const char *const wildcard[] = {"model.*", NULL};
    CHECK_OK(rgtg_config_check_known(config, wildcard));
    rgtg_config_free(config);
}

static void test_broken_files(void) {
    rgtg_config_t *config = (rgtg_config_t *)&config; /* must be reset to NULL on failure */

    /* '@' cannot start a token: line 3, column 10. */
    const char *path = write_test_file("broken.yaml", "train:\n  lr: 0.1\n  steps: @5\n");
    char expected[1100];
    snprintf(expected, sizeof expected, "%s:3:10: ", path);
    CHECK_ERROR(rgtg_config_load(path, &config), RGTG_ERR_FORMAT, expected);
    CHECK(config == NULL);

    /* Bad indentation: line 3, column 2. */
    path = write_test_file("indent.yaml", "train:\n  lr: 0.1\n steps: 5\n");
    snprintf(expected, sizeof expected, "%s:3:2: did not find expected key", path);
    CHECK_ERROR(rgtg_config_load(path, &config), RGTG_ERR_FORMAT, expected);

    path = write_test_file("duplicate.yaml", "a: 1\nb:\n  c: 2\n  c: 3\n");
    snprintf(expected, sizeof expected, "%s:4:3: duplicate key 'c' (first at line 3)", path);
    CHECK_ERROR(rgtg_config_load(path, &config), RGTG_ERR_FORMAT, expected);

    path = write_test_file("list.yaml", "- 1\n- 2\n");
    snprintf(expected, sizeof expected, "%s:1:1: expected a mapping at the top level, got a sequence", path);
    CHECK_ERROR(rgtg_config_load(path, &config), RGTG_ERR_FORMAT, expected);

    path = write_test_file("scalar.yaml", "just text\n");
    CHECK_ERROR(rgtg_config_load(path, &config), RGTG_ERR_FORMAT, "expected a mapping at the top level");

    path = write_test_file("alias.yaml", "a: &x 1\nb: *x\n");
    CHECK_ERROR(rgtg_config_load(path, &config), RGTG_ERR_FORMAT, ":2:4: aliases ('*x') are not supported");

    path = write_test_file("dotted.yaml", "a:\n  b.c: 1\n");
    CHECK_ERROR(rgtg_config_load(path, &config), RGTG_ERR_FORMAT, ":2:3: key 'b.c' contains '.'");

    path = write_test_file("two.yaml", "a: 1\n---\nb: 2\n");
    CHECK_ERROR(rgtg_config_load(path, &config), RGTG_ERR_FORMAT, ":2:1: a second YAML document");

    snprintf(expected, sizeof expected, "%s/does-not-exist.yaml", test_dir);
    CHECK_ERROR(rgtg_config_load(expected, &config), RGTG_ERR_IO, "does-not-exist.yaml: cannot open config");

    /* An empty file is an empty config. */
    CHECK_OK(rgtg_config_load(write_test_file("empty.yaml", "# nothing yet\n"), &config));
    size_t count = 99;
    if (config) CHECK_OK(rgtg_config_get_map_count(config, "", &count));
    CHECK(count == 0);
    rgtg_config_free(config);
}

static void test_write_load_round_trip(void) {
    static const char *const tricky_yaml =
        "plain: hello world\n"
        "number: 3.0e-4\n"
        "quoted_number: \"123\"\n"
        "quoted_bool: 'yes'\n"
        "quoted_null: \"null\"\n"
        "nothing: ~\n"
        "empty:\n"
        "empty_string: \"\"\n"
        "colon: \"a: b\"\n"
        "hash: \"x # y\"\n"
        "newline: \"two\\nlines\"\n"
        "block: |\n  literal\n  text\n"
        "padded: \"  spaces  \"\n"
        "quote: 'it''s'\n"
        "dash: \"-\"\n"
        "unicode: caf\xc3\xa9\n"
        "list: [1, \"2\", [3, 4], {k: v}, ~]\n"
        "nested:\n  deeper:\n    deepest: [a, b]\n";
    rgtg_config_t *original = NULL;
    CHECK_OK(rgtg_config_load(write_test_file("tricky.yaml", tricky_yaml), &original));
    if (!original) return;
    CHECK_OK(rgtg_config_set(original, "nested.added=\"with \\\"quotes\\\"\""));
    CHECK_OK(rgtg_config_set(original, "number=5"));

    char out_path[1024];
    snprintf(out_path, sizeof out_path, "%s/resolved.yaml", test_dir);
    CHECK_OK(rgtg_config_write_yaml(original, out_path));
    rgtg_config_t *reloaded = NULL;
    CHECK_OK(rgtg_config_load(out_path, &reloaded));
    if (reloaded) {
        CHECK(rgtg_config_equal(original, reloaded));
        const char *s = NULL;
        int64_t i = 0;
        CHECK_OK(rgtg_config_get_string(reloaded, "nested.added", NULL, &s));
        CHECK(s && strcmp(s, "with \"quotes\"") == 0);
        CHECK_OK(rgtg_config_get_string(reloaded, "block", NULL, &s));
        CHECK(s && strcmp(s, "literal\ntext\n") == 0);
        CHECK_OK(rgtg_config_get_string(reloaded, "quoted_null", NULL, &s));
        CHECK(s && strcmp(s, "null") == 0);
        CHECK(!rgtg_config_has(reloaded, "empty"));
        CHECK(rgtg_config_has(reloaded, "empty_string"));
        CHECK_OK(rgtg_config_get_int(reloaded, "number", 0, &i));
        CHECK(i == 5);

        /* equal() sees a difference in text and in null-ness; quoting alone reads the same. */
        CHECK_OK(rgtg_config_set(reloaded, "number=6"));
        CHECK(!rgtg_config_equal(original, reloaded));
        CHECK_OK(rgtg_config_set(reloaded, "number=5"));
        CHECK(rgtg_config_equal(original, reloaded));
        CHECK_OK(rgtg_config_set(reloaded, "quoted_number=123"));
        CHECK(rgtg_config_equal(original, reloaded));
        CHECK_OK(rgtg_config_set(reloaded, "quoted_null=null"));
        CHECK(!rgtg_config_equal(original, reloaded));
        rgtg_config_free(reloaded);
    }

    /* The atomic write leaves only the final file. */
    char listing[1200];
    snprintf(listing, sizeof listing, "ls -a '%s' | grep -c tmp", test_dir);
    FILE *ls = popen(listing, "r");
    int leftovers = -1;
    if (ls) {
        if (fscanf(ls, "%d", &leftovers) != 1) leftovers = -1;
        pclose(ls);
    }
    CHECK(leftovers == 0);

    /* Writing into a missing directory fails cleanly. */
    snprintf(out_path, sizeof out_path, "%s/no/such/dir/resolved.yaml", test_dir);
    rgtg_status_t status = rgtg_config_write_yaml(original, out_path);
    CHECK(status == RGTG_ERR_IO && strstr(rgtg_error_message(), "resolved.yaml"));
    rgtg_error_clear();
    rgtg_config_free(original);
}

/* An empty value is refused by every getter (it never becomes the default); ranges refuse NaN. */
static void test_empty_values_and_ranges(void) {
    const char *path = write_test_file("empty.yaml", "train:\n  lr:\n  ratio: .nan\n  steps: 0\n  beta: 0.5\n");
    rgtg_config_t *config = NULL;
    CHECK_OK(rgtg_config_load(path, &config));
    if (!config) return;
    double d = 0;
    int64_t i = 0;
    bool b = false;
    const char *s = NULL;
    CHECK_ERROR(rgtg_config_get_double(config, "train.lr", 3e-4, &d), RGTG_ERR_INVALID, "empty.yaml:2:6: config key 'train.lr': expected a number, got an empty value");
    CHECK_OK(rgtg_config_set(config, "train.lr="));
    CHECK_ERROR(rgtg_config_get_double(config, "train.lr", 3e-4, &d), RGTG_ERR_INVALID, "--set: config key 'train.lr': expected a number, got an empty value");
    CHECK_ERROR(rgtg_config_get_int(config, "train.lr", 1, &i), RGTG_ERR_INVALID, "empty value");
    CHECK_ERROR(rgtg_config_get_bool(config, "train.lr", true, &b), RGTG_ERR_INVALID, "empty value");
    CHECK_ERROR(rgtg_config_get_string(config, "train.lr", "x", &s), RGTG_ERR_INVALID, "empty value");
    CHECK_OK(rgtg_config_set(config, "train.lr=~"));
    CHECK_OK(rgtg_config_get_double(config, "train.lr", 3e-4, &d));
    CHECK(d == 3e-4);

    CHECK_ERROR(rgtg_config_get_double_in(config, "train.ratio", 1, RGTG_RANGE_POSITIVE, &d), RGTG_ERR_INVALID,
                "empty.yaml:3:10: config key 'train.ratio': expected a finite number > 0, got '.nan'");
    const char *bad[] = {"train.ratio=0", "train.ratio=-1", "train.ratio=.inf", "train.ratio=nan"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        CHECK_OK(rgtg_config_set(config, bad[k]));
        CHECK_ERROR(rgtg_config_get_double_in(config, "train.ratio", 1, RGTG_RANGE_POSITIVE, &d), RGTG_ERR_INVALID,
                    "config key 'train.ratio': expected a");
    }
    CHECK_OK(rgtg_config_set(config, "train.ratio=2.5"));
    CHECK_OK(rgtg_config_get_double_in(config, "train.ratio", 1, RGTG_RANGE_POSITIVE, &d));
    CHECK(d == 2.5);
    CHECK_OK(rgtg_config_get_double_in(config, "train.missing", -7, RGTG_RANGE_POSITIVE, &d)); /* the default as given */
    CHECK(d == -7);
    CHECK_OK(rgtg_config_get_double_in(config, "train.beta", 0, RGTG_RANGE_UNIT_OPEN_ABOVE, &d));
    CHECK_OK(rgtg_config_set(config, "train.beta=1"));
    CHECK_ERROR(rgtg_config_get_double_in(config, "train.beta", 0, RGTG_RANGE_UNIT_OPEN_ABOVE, &d), RGTG_ERR_INVALID,
                "expected a number in [0, 1), got '1'");
    CHECK_ERROR(rgtg_config_get_int_in(config, "train.steps", 5, 1, INT64_MAX, &i), RGTG_ERR_INVALID,
                "empty.yaml:4:10: config key 'train.steps': expected an integer >= 1, got '0'");
    CHECK_ERROR(rgtg_config_get_int_in(config, "train.steps", 5, -3, -1, &i), RGTG_ERR_INVALID, "in [-3, -1], got '0'");
    CHECK_OK(rgtg_config_get_int_in(config, "train.steps", 5, 0, 10, &i));
    CHECK(i == 0);
    rgtg_config_free(config);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(test_dir, sizeof test_dir, "%s/rgtg-test-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(test_dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_getters_and_defaults();
    test_overrides();
    test_known_keys();
    test_broken_files();
    test_write_load_round_trip();
    test_empty_values_and_ranges();

    check_remove_dir(test_dir);
    return check_summary("test_config");
}
