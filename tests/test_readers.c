/* tests/test_readers.c: unit tests of the preference readers (data/readers.h) on fixtures written here:
 * one per format (HH as .jsonl.gz with multi-turn rows, both TL;DR styles, UltraFeedback strings and
 * message lists, a ShareGPT array with a system turn, post-edit TSV with a header line and with a header
 * file, HTML entities), broken files (malformed JSON at a planted line:column, missing and mistyped
 * fields, a truncated gzip, a malformed ShareGPT element, wrong TSV column counts), the drop reasons and
 * their counts, going on after errors, format detection and its refusals. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/status.h"
#include "data/html_entities.h"
#include "data/readers.h"

#include "check.h"

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *got_ = (got), *want_ = (want);                                                 \
        if (!got_ || strcmp(got_, want_) != 0) {                                                   \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #got,    \
                    got_ ? got_ : "(null)", want_);                                                \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static char dir[64];

static char *fixture_path(const char *name) {
    static char paths[8][256];
    static int next = 0;
    char *path = paths[next++ % 8];
    snprintf(path, 256, "%s/%s", dir, name);
    return path;
}

static const char *write_fixture(const char *name, const char *text) {
    const char *path = fixture_path(name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
    return path;
}

/* Everything a reader yields, collected: pairs, drops as "reason@line;", errors as "message\n". */
enum { MAX_PAIRS = 16 };
typedef struct {
    int pairs, drops, errors;
    char *prompt[MAX_PAIRS], *chosen[MAX_PAIRS], *rejected[MAX_PAIRS];
    int64_t line[MAX_PAIRS];
    char drop_log[1024];
    char error_log[4096];
    bool stopped; /* an error after which the reader could not go on */
    int64_t rows_read;
    char format[32];
} outcome_t;

static void append(char *log, size_t cap, const char *fmt, ...) {
    size_t at = strlen(log);
    va_list args;
    va_start(args, fmt);
    vsnprintf(log + at, cap - at, fmt, args);
    va_end(args);
}

static outcome_t read_all(const char *path, const char *format) {
    outcome_t o = {0};
    rgtg_pref_reader_t *reader = NULL;
    if (rgtg_pref_reader_open(path, format, &reader) != RGTG_OK) {
        append(o.error_log, sizeof o.error_log, "open: %s\n", rgtg_error_message());
        rgtg_error_clear();
        o.errors = 1;
        o.stopped = true;
        return o;
    }
    snprintf(o.format, sizeof o.format, "%s", rgtg_pref_reader_format(reader));
    for (int guard = 0; guard < 100000; guard++) {
        rgtg_raw_pair_t pair;
        rgtg_read_result_t result;
        const char *reason;
        if (rgtg_pref_reader_next(reader, &pair, &result, &reason) != RGTG_OK) {
            append(o.error_log, sizeof o.error_log, "%s\n", rgtg_error_message());
            rgtg_error_clear();
            o.errors++;
            if (!rgtg_pref_reader_can_continue(reader)) {
                o.stopped = true;
                break;
            }
            continue;
        }
        if (result == RGTG_READ_END) break;
        if (result == RGTG_READ_DROP) {
            o.drops++;
            append(o.drop_log, sizeof o.drop_log, "%s@%lld;", reason, (long long)pair.line);
            continue;
        }
        if (o.pairs < MAX_PAIRS) {
            o.prompt[o.pairs] = strdup(pair.prompt);
            o.chosen[o.pairs] = strdup(pair.chosen);
            o.rejected[o.pairs] = strdup(pair.rejected);
            o.line[o.pairs] = pair.line;
        }
        o.pairs++;
    }
    o.rows_read = rgtg_pref_reader_rows_read(reader);
    rgtg_pref_reader_close(reader);
    return o;
}

static void outcome_free(outcome_t *o) {
    for (int i = 0; i < o->pairs && i < MAX_PAIRS; i++) {
        free(o->prompt[i]);
        free(o->chosen[i]);
        free(o->rejected[i]);
    }
}

static const char *detect(const char *path) {
    static char result[1024];
    const char *format = NULL;
    if (rgtg_pref_detect_format(path, &format) != RGTG_OK) {
        snprintf(result, sizeof result, "error: %s", rgtg_error_message());
        rgtg_error_clear();
        return result;
    }
    return format;
}

static char *expected_error(const char *fmt, const char *path) {
    static char text[1024];
    snprintf(text, sizeof text, fmt, path);
    return text;
}

/* ---- HH-RLHF ---- */

static const char *const hh_rows[] = {
    /* 1: single turn */
    "{\"chosen\": \"\\n\\nHuman: Hi there\\n\\nAssistant: Hello!\", "
    "\"rejected\": \"\\n\\nHuman: Hi there\\n\\nAssistant: Go away.\"}",
    /* 2: multi-turn, the sides differ in the last turn only */
    "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\\n\\nHuman: c\\n\\nAssistant: good\", "
    "\"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: b\\n\\nHuman: c\\n\\nAssistant: bad\"}",
    /* 3: different questions: no shared prompt */
    "{\"chosen\": \"\\n\\nHuman: x?\\n\\nAssistant: y\", \"rejected\": \"\\n\\nHuman: z?\\n\\nAssistant: w\"}",
    /* 4: the sides diverge before the final turn */
    "{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\\n\\nHuman: c\\n\\nAssistant: d\", "
    "\"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: e\\n\\nHuman: c\\n\\nAssistant: f\"}",
    /* 5: identical responses */
    "{\"chosen\": \"\\n\\nHuman: q\\n\\nAssistant: same\", \"rejected\": \"\\n\\nHuman: q\\n\\nAssistant: same\"}",
    /* 6: an empty response */
    "{\"chosen\": \"\\n\\nHuman: q\\n\\nAssistant: fine\", \"rejected\": \"\\n\\nHuman: q\\n\\nAssistant:\"}",
    /* 7: not a transcript */
    "{\"chosen\": \"just text\", \"rejected\": \"\\n\\nHuman: q\\n\\nAssistant: a\"}",
};

static void test_hh_gzip(void) {
    const char *path = fixture_path("hh.jsonl.gz");
    gzFile gz = gzopen(path, "wb");
    for (size_t i = 0; i < sizeof hh_rows / sizeof hh_rows[0]; i++) gzprintf(gz, "%s\n", hh_rows[i]);
    gzclose(gz);
    CHECK_STR(detect(path), "hh");
    outcome_t o = read_all(path, NULL);
    CHECK_STR(o.format, "hh");
    CHECK(o.pairs == 2 && o.errors == 1 && o.drops == 4 && o.rows_read == 7 && !o.stopped);
    if (o.pairs == 2) {
        CHECK_STR(o.prompt[0], "Human: Hi there\n\nAssistant:");
        CHECK_STR(o.chosen[0], "Hello!");
        CHECK_STR(o.rejected[0], "Go away.");
        CHECK_STR(o.prompt[1], "Human: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:");
        CHECK_STR(o.chosen[1], "good");
        CHECK_STR(o.rejected[1], "bad");
        CHECK(o.line[0] == 1 && o.line[1] == 2);
    }
    CHECK_STR(o.drop_log, "no_shared_prompt@3;no_shared_prompt@4;identical_responses@5;empty_response@6;");
    CHECK_STR(o.error_log,
              expected_error("%s:7: field 'chosen' must be a transcript with \"\\n\\nAssistant:\" turns\n", path));
    outcome_free(&o);
}

/* A .gz cut short: the reader says so instead of ending quietly. */
static void test_truncated_gzip(void) {
    const char *path = fixture_path("cut.jsonl.gz");
    gzFile gz = gzopen(path, "wb");
    for (int i = 0; i < 3000; i++)
        gzprintf(gz, "{\"prompt\": \"p%d\", \"chosen\": \"c%d %d\", \"rejected\": \"r%d\"}\n", i, i, i * 7919 % 1000, i);
    gzclose(gz);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size > 100);
    CHECK(truncate(path, st.st_size / 2) == 0);
    outcome_t o = read_all(path, "jsonl");
    CHECK(o.stopped && o.errors == 1 && o.pairs > 0 && o.pairs < 3000);
    CHECK_STR(o.error_log, expected_error("%s: truncated gzip stream\n", path));
    outcome_free(&o);
}

/* ---- TL;DR ---- */

static void test_tldr(void) {
    const char *comparisons = write_fixture(
        "comparisons.jsonl",
        "{\"info\": {\"id\": \"t3_1\", \"post\": \"My cat sleeps all day.\", \"title\": \"Cat\", \"subreddit\": "
        "\"cats\"}, \"summaries\": [{\"text\": \" cat naps\", \"policy\": \"a\"}, {\"text\": \" my cat sleeps all "
        "day\", \"policy\": \"b\"}], \"choice\": 1, \"worker\": \"w\"}\n"
        "{\"info\": {\"id\": \"n1\", \"article\": \"News text.\", \"title\": \"T\", \"site\": \"cnn\"}, "
        "\"summaries\": [{\"text\": \"a\"}, {\"text\": \"b\"}], \"choice\": 0}\n"
        "{\"info\": {\"post\": \"P\", \"title\": \"T\", \"subreddit\": \"s\"}, \"summaries\": [{\"text\": \"a\"}], "
        "\"choice\": 0}\n");
    CHECK_STR(detect(comparisons), "tldr");
    outcome_t o = read_all(comparisons, NULL);
    CHECK(o.pairs == 1 && o.drops == 1 && o.errors == 1);
    if (o.pairs == 1) {
        CHECK_STR(o.prompt[0], "SUBREDDIT: r/cats\nTITLE: Cat\nPOST: My cat sleeps all day.\nTL;DR:");
        CHECK_STR(o.chosen[0], "my cat sleeps all day");
        CHECK_STR(o.rejected[0], "cat naps");
    }
    CHECK_STR(o.drop_log, "not_reddit_post@2;");
    CHECK_STR(o.error_log,
              expected_error("%s:3: field 'summaries' must be a list of two {\"text\"} objects\n", comparisons));
    outcome_free(&o);

    const char *carper = write_fixture(
        "carper.jsonl",
        "{\"prompt\": \"SUBREDDIT: r/a\\nTITLE: t\\nPOST: p\\nTL;DR:\", \"chosen\": \"TL;DR: short one\", "
        "\"rejected\": \" other one\"}\n");
    CHECK_STR(detect(carper), "tldr");
    o = read_all(carper, NULL);
    CHECK(o.pairs == 1 && o.errors == 0);
    if (o.pairs == 1) {
        CHECK_STR(o.prompt[0], "SUBREDDIT: r/a\nTITLE: t\nPOST: p\nTL;DR:");
        CHECK_STR(o.chosen[0], "short one");
        CHECK_STR(o.rejected[0], "other one");
    }
    outcome_free(&o);
}

/* ---- UltraFeedback ---- */

static void test_ultrafeedback(void) {
    const char *path = write_fixture(
        "uf.jsonl",
        /* 1: strings */
        "{\"prompt\": \"Say hi\", \"prompt_id\": \"x1\", \"chosen\": \"Hi!\", \"rejected\": \"No.\", "
        "\"score_chosen\": 8.0}\n"
        /* 2: message lists with a prompt */
        "{\"prompt\": \"Add 2+2\", \"chosen\": [{\"role\": \"user\", \"content\": \"Add 2+2\"}, {\"role\": "
        "\"assistant\", \"content\": \"4\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"Add 2+2\"}, "
        "{\"role\": \"assistant\", \"content\": \"5\"}]}\n"
        /* 3: message lists without a prompt */
        "{\"chosen\": [{\"role\": \"user\", \"content\": \"Name a color\"}, {\"role\": \"assistant\", \"content\": "
        "\"Red\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"Name a color\"}, {\"role\": \"assistant\", "
        "\"content\": \"Seven\"}]}\n"
        /* 4: multi-turn history without a prompt */
        "{\"chosen\": [{\"role\": \"system\", \"content\": \"Be brief\"}, {\"role\": \"user\", \"content\": \"u1\"}, "
        "{\"role\": \"assistant\", \"content\": \"a1\"}, {\"role\": \"user\", \"content\": \"u2\"}, {\"role\": "
        "\"assistant\", \"content\": \"good\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"bad\"}]}\n"
        /* 5: no assistant message */
        "{\"prompt\": \"p\", \"chosen\": [{\"role\": \"user\", \"content\": \"p\"}], \"rejected\": \"r\"}\n"
        /* 6: mistyped */
        "{\"prompt\": \"p\", \"chosen\": 5, \"rejected\": \"r\"}\n"
        /* 7: missing */
        "{\"prompt\": \"p\", \"rejected\": \"r\"}\n");
    CHECK_STR(detect(path), "ultrafeedback");
    outcome_t o = read_all(path, NULL);
    CHECK(o.pairs == 4 && o.errors == 3 && o.drops == 0 && !o.stopped);
    if (o.pairs == 4) {
        CHECK_STR(o.prompt[0], "Say hi");
        CHECK_STR(o.chosen[0], "Hi!");
        CHECK_STR(o.prompt[1], "Add 2+2");
        CHECK_STR(o.chosen[1], "4");
        CHECK_STR(o.rejected[1], "5");
        CHECK_STR(o.prompt[2], "Name a color");
        CHECK_STR(o.rejected[2], "Seven");
        CHECK_STR(o.prompt[3], "System: Be brief\n\nHuman: u1\n\nAssistant: a1\n\nHuman: u2\n\nAssistant:");
        CHECK_STR(o.chosen[3], "good");
        CHECK_STR(o.rejected[3], "bad");
    }
    char want[1024];
    snprintf(want, sizeof want,
             "%s:5: field 'chosen' has no assistant message\n"
             "%s:6: field 'chosen' must be a string or a message list\n"
             "%s:7: field 'chosen' must be a string or a message list\n",
             path, path, path);
    CHECK_STR(o.error_log, want);
    outcome_free(&o);

    const char *lists = write_fixture("uf_lists.jsonl",
                                      "{\"chosen\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": "
                                      "\"assistant\", \"content\": \"a\"}], \"rejected\": []}\n");
    CHECK_STR(detect(lists), "ultrafeedback");
}

/* ---- ShareGPT ---- */

static void test_sharegpt(void) {
    const char *path = write_fixture("dpo.json",
                                     "[\n"
                                     "  {\n"
                                     "    \"conversations\": [\n"
                                     "      {\"from\": \"system\", \"value\": \"You are kind.\"},\n"
                                     "      {\"from\": \"human\", \"value\": \"Hi [there] {you}\"},\n"
                                     "      {\"from\": \"gpt\", \"value\": \"Hello \\\"friend\\\"\"},\n"
                                     "      {\"from\": \"human\", \"value\": \"Bye\"}\n"
                                     "    ],\n"
                                     "    \"chosen\": {\"from\": \"gpt\", \"value\": \"Goodbye!\"},\n"
                                     "    \"rejected\": {\"from\": \"gpt\", \"value\": \"Whatever.\"}\n"
                                     "  },\n"
                                     "  {\"conversations\": [{\"from\": \"human\", \"value\": \"q\"}],\n"
                                     "   \"chosen\": {\"from\": \"gpt\", \"value\": \"a\"}},\n"
                                     "  {\"conversations\": [{\"from\": \"human\", \"value\": \"q2\"}], \"chosen\": "
                                     "{\"from\": \"gpt\", \"value\": \"x\"}, \"rejected\": {\"from\": \"gpt\", "
                                     "\"value\": \"x\"}},\n"
                                     "  {\"conversations\": [{\"from\": \"human\", \"value\": \"q3\"}], \"chosen\": "
                                     "{\"from\": \"gpt\", \"value\": \"yes\"}, \"rejected\": {\"from\": \"gpt\", "
                                     "\"value\": \"no\"}}\n"
                                     "]\n");
    CHECK_STR(detect(path), "sharegpt");
    outcome_t o = read_all(path, NULL);
    CHECK(o.pairs == 2 && o.errors == 1 && o.drops == 1 && !o.stopped && o.rows_read == 4);
    if (o.pairs == 2) {
        CHECK_STR(o.prompt[0], "System: You are kind.\n\nHuman: Hi [there] {you}\n\nAssistant: Hello \"friend\"\n\n"
                               "Human: Bye\n\nAssistant:");
        CHECK_STR(o.chosen[0], "Goodbye!");
        CHECK_STR(o.rejected[0], "Whatever.");
        CHECK(o.line[0] == 2);
        CHECK_STR(o.prompt[1], "Human: q3\n\nAssistant:");
        CHECK(o.line[1] == 15);
    }
    CHECK_STR(o.error_log,
              expected_error("%s:12: field 'rejected' must be a {\"from\": \"gpt\", \"value\"} object\n", path));
    CHECK_STR(o.drop_log, "identical_responses@14;");
    outcome_free(&o);

    /* a malformed second element: the missing ':' before "b" at line 4; jansson points at the token's end,
     * column 31 counted in characters (the line holds a 2-byte "ü") */
    const char *broken = write_fixture("broken.json",
                                       "[{\"conversations\": [{\"from\": \"human\", \"value\": \"é\"}],\n"
                                       "  \"chosen\": \"a\", \"rejected\": \"b\"},\n"
                                       " {\"conversations\": [],\n"
                                       "  \"chosen\": \"ü\", \"rejected\" \"b\"},\n"
                                       " {\"conversations\": [], \"chosen\": \"a\", \"rejected\": \"b\"}]\n");
    o = read_all(broken, "sharegpt");
    CHECK(o.pairs == 1 && o.errors == 1 && o.stopped);
    CHECK_STR(o.error_log, expected_error("%s:4:31: ':' expected near '\"b\"'\n", broken));
    outcome_free(&o);

    const char *unclosed = write_fixture("unclosed.json", "[{\"conversations\": [], \"chosen\": \"a\", \"rejected\": "
                                                          "\"b\"},\n {\"conversations\": [");
    o = read_all(unclosed, "sharegpt");
    CHECK(o.errors == 1 && o.stopped && strstr(o.error_log, "unclosed.json:2:") != NULL);
    outcome_free(&o);

    const char *not_array = write_fixture("not_array.json", "  {\"conversations\": []}\n");
    o = read_all(not_array, "sharegpt");
    CHECK_STR(o.error_log,
              expected_error("%s:1:3: a sharegpt file must be one JSON array ('[' expected)\n", not_array));
    outcome_free(&o);
}

/* ---- post-edit TSV ---- */

static void test_postedit(void) {
    const char *path = write_fixture("pe.tsv",
                                     "id\tS\tREF\tMT\tPE\n"
                                     "1\tIt&amp;apos;s &lt;b&gt;\tr\tEs &#39;x&#x27;\tEs &quot;y&quot;&nbsp;z\n"
                                     "2\tsame\tr\tigual\tigual\n"
                                     "3\ttoo\tfew\tcolumns\n"
                                     "\n"
                                     "4\tok\tr\tmala\tbuena\textra\n"
                                     "5\tHello &amp;amp; bye\tr\tHola\tHola y adiós\n");
    CHECK_STR(detect(path), "postedit");
    outcome_t o = read_all(path, NULL);
    CHECK(o.pairs == 2 && o.drops == 1 && o.errors == 2 && !o.stopped && o.rows_read == 5);
    if (o.pairs == 2) {
        CHECK_STR(o.prompt[0], "It's <b>");
        CHECK_STR(o.chosen[0], "Es \"y\"\xC2\xA0z");
        CHECK_STR(o.rejected[0], "Es 'x'");
        CHECK_STR(o.prompt[1], "Hello & bye");
        CHECK_STR(o.chosen[1], "Hola y adiós");
        CHECK(o.line[1] == 7);
    }
    CHECK_STR(o.drop_log, "postedit_equals_mt@3;");
    char want[1024];
    snprintf(want, sizeof want,
             "%s:4:18: expected 5 tab-separated columns, found 4\n"
             "%s:6:19: expected 5 tab-separated columns, found 6\n",
             path, path);
    CHECK_STR(o.error_log, want);
    outcome_free(&o);

    /* no header line: a file named "header" beside it names the columns (<S> style, with a decoy <src>) */
    char sub[256];
    snprintf(sub, sizeof sub, "%s/iwslt", dir);
    mkdir(sub, 0755);
    write_fixture("iwslt/header", "<src>\t<S>\t<MT>\t<PE>\n");
    const char *ann = write_fixture("iwslt/ann0", "7\tsource &amp;quot;q&amp;quot;\tmt\tpe\n8\ts\tm\tm\n");
    CHECK_STR(detect(ann), "postedit");
    o = read_all(ann, NULL);
    CHECK(o.pairs == 1 && o.drops == 1 && o.errors == 0);
    if (o.pairs == 1) {
        CHECK_STR(o.prompt[0], "source \"q\"");
        CHECK_STR(o.chosen[0], "pe");
        CHECK_STR(o.rejected[0], "mt");
        CHECK(o.line[0] == 1);
    }
    outcome_free(&o);

    const char *no_header = write_fixture("plain.tsv", "a\tb\tc\n");
    o = read_all(no_header, "postedit");
    CHECK_STR(o.error_log, expected_error("open: %s: no header naming the columns S, MT and PE (neither its first "
                                          "line nor a file 'header' beside it)\n",
                                          no_header));
    outcome_free(&o);
}

static void test_html_entities(void) {
    char text[128];
    snprintf(text, sizeof text, "%s", "a &amp;amp;amp;amp; b &#8364; &#x1F600; &bogus; &#0; &amp &#xZZ;");
    size_t len = rgtg_html_decode(text, strlen(text));
    /* three passes at most: one &amp; level stays */
    CHECK_STR(text, "a &amp; b \xE2\x82\xAC \xF0\x9F\x98\x80 &bogus; &#0; &amp &#xZZ;");
    CHECK(len == strlen(text));
}

/* ---- generic JSONL ---- */

/* The planted error is the bare word oops on line 3 (columns 48-51): jansson reports the column where the
 * offending token ends. */
static void test_jsonl(void) {
    const char *path = write_fixture("prefs.jsonl",
                                     "{\"prompt\": \"p1\", \"chosen\": \"good\", \"rejected\": \"bad\"}\n"
                                     "\n"
                                     "{\"prompt\": \"p2\", \"chosen\": \"good\", \"rejected\": oops}\n"
                                     "{\"prompt\": \"p3\", \"rejected\": \"bad\"}\n"
                                     "{\"prompt\": \"p4\", \"chosen\": [\"x\"], \"rejected\": \"bad\"}\n"
                                     "{\"prompt\": \"p5\", \"chosen\": \"same\", \"rejected\": \"same\"}\n"
                                     "{\"prompt\": \"p6\", \"chosen\": \" \\n\\t\", \"rejected\": \"bad\"}\n"
                                     "{\"prompt\": \"  \", \"chosen\": \"good\", \"rejected\": \"bad\"}\n"
                                     "[1, 2]\n"
                                     "{\"prompt\": \"p9\", \"chosen\": \"yes\", \"rejected\": \"no\"}");
    CHECK_STR(detect(path), "jsonl");
    outcome_t o = read_all(path, NULL);
    CHECK(o.pairs == 2 && o.drops == 3 && o.errors == 4 && !o.stopped && o.rows_read == 9);
    if (o.pairs == 2) {
        CHECK_STR(o.chosen[1], "yes");
        CHECK(o.line[0] == 1 && o.line[1] == 10);
    }
    CHECK_STR(o.drop_log, "identical_responses@6;empty_response@7;empty_prompt@8;");
    char want[1024];
    snprintf(want, sizeof want,
             "%s:3:51: invalid token near 'oops'\n"
             "%s:4: field 'chosen' must be a string\n"
             "%s:5: field 'chosen' must be a string\n"
             "%s:9: row must be a JSON object\n",
             path, path, path, path);
    CHECK_STR(o.error_log, want);
    outcome_free(&o);
}

/* ---- detection and refusals ---- */

static void test_detection(void) {
    const char *unknown = write_fixture("unknown.jsonl", "\n  \n{\"a\": 1, \"b\": \"x\", \"c\": null}\n");
    CHECK_STR(detect(unknown),
              expected_error("error: cannot tell the format of %s (first row has keys: a, b, c); pass --format", unknown));
    const char *ambiguous = write_fixture("ambiguous.jsonl",
                                          "{\"prompt\": \"SUBREDDIT: r/x\", \"chosen\": [], \"rejected\": []}\n");
    CHECK(strncmp(detect(ambiguous), "error: cannot tell the format of", 32) == 0);
    const char *empty = write_fixture("empty.jsonl", "\n\n");
    CHECK_STR(detect(empty), expected_error("error: cannot tell the format of %s (it has no rows); pass --format", empty));
    const char *text = write_fixture("notes.txt", "just some words\n");
    CHECK(strncmp(detect(text), "error: cannot tell the format of", 32) == 0);
    const char *other_array = write_fixture("other.json", "[{\"x\": 1, \"y\": 2}]");
    CHECK_STR(detect(other_array),
              expected_error("error: cannot tell the format of %s (first array element has keys: x, y); pass --format",
                             other_array));

    rgtg_pref_reader_t *reader = NULL;
    CHECK(rgtg_pref_reader_open(unknown, "csv", &reader) == RGTG_ERR_INVALID && !reader);
    CHECK_STR(rgtg_error_message(), "unknown format 'csv' (known: hh, tldr, ultrafeedback, sharegpt, postedit, jsonl)");
    rgtg_error_clear();

    const char *missing = fixture_path("missing.jsonl");
    CHECK(rgtg_pref_reader_open(missing, "jsonl", &reader) == RGTG_ERR_IO && !reader);
    CHECK_STR(rgtg_error_message(), expected_error("%s: No such file or directory", missing));
    rgtg_error_clear();
    CHECK_STR(detect(missing), expected_error("error: %s: No such file or directory", missing));

    const char *const *formats = rgtg_pref_formats();
    int n = 0;
    while (formats[n]) n++;
    CHECK(n == 6 && strcmp(formats[0], "hh") == 0 && strcmp(formats[5], "jsonl") == 0);

    /* reading past the end keeps saying "end" */
    const char *one = write_fixture("one.jsonl", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n");
    CHECK(rgtg_pref_reader_open(one, NULL, &reader) == RGTG_OK);
    if (reader) {
        rgtg_raw_pair_t pair;
        rgtg_read_result_t result;
        const char *reason;
        CHECK(rgtg_pref_reader_next(reader, &pair, &result, &reason) == RGTG_OK && result == RGTG_READ_PAIR);
        CHECK(rgtg_pref_reader_next(reader, &pair, &result, &reason) == RGTG_OK && result == RGTG_READ_END);
        CHECK(rgtg_pref_reader_next(reader, &pair, &result, &reason) == RGTG_OK && result == RGTG_READ_END);
        CHECK_STR(rgtg_pref_reader_format(reader), "jsonl");
        rgtg_pref_reader_close(reader);
    }
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rgtg_test_readers.XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_hh_gzip();
    test_truncated_gzip();
    test_tldr();
    test_ultrafeedback();
    test_sharegpt();
    test_postedit();
    test_html_entities();
    test_jsonl();
    test_detection();
    if (failures == 0) check_remove_dir(dir);
    if (failures) fprintf(stderr, "test_readers: %d check(s) failed (fixtures kept in %s)\n", failures, dir);
    else printf("test_readers: all checks passed\n");
    return failures ? 1 : 0;
}
