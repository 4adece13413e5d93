/* tests/test_generations.c: the generations JSONL file (core/generations): write -> read round trip
 * of every field (models, work counters and Best-of-N rewards included), the exact line the writer
 * emits, atomic commit and abort, rewriting with rewards, version-1 rows read with defaults, and a
 * table of broken files, each with its exact error message and line (and column) number. */
#define _GNU_SOURCE /* mkdtemp */
#include "../core/generations.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char directory[] = "/tmp/rgtg_test_generations_XXXXXX";

static char *path_in_directory(const char *name) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    return path;
}

static void write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        exit(2);
    }
    fputs(text, fp);
    fclose(fp);
}

static char *read_text(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    static char text[65536];
    size_t size = fread(text, 1, sizeof text - 1, fp);
    text[size] = '\0';
    fclose(fp);
    return text;
}

static size_t files_in_directory(void) {
    DIR *dir = opendir(directory);
    size_t count = 0;
    for (struct dirent *entry; dir && (entry = readdir(dir));)
        if (entry->d_name[0] != '.') count++;
    if (dir) closedir(dir);
    return count;
}

static bool same_string(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int32_t tokens_a[] = {5, 17, -1, 2147483647, 2};

static double bon_rewards[] = {0.5, -1.25, 3.0};
#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static rgtg_generation_t sample_rows[3] = {
    {.id = 0, .sample = 3, .models = {[RGTG_GEN_LM] = {"runs/lm/final", SHA_A, NULL},
                                      [RGTG_GEN_GUIDE] = {"runs/rm/final", SHA_B, "partial"}},
     .has_work = true, .lm_forwards = 6, .rm_forwards = 6, .candidates_scored = 50, .prompt = "Human: hi\n\nAssistant:", .response = " Hello \"there\"\t\\ caf\xc3\xa9 \xe2\x9c\x93",
     .reference = "Hello.", .method = "pargs", .params_json = "{\"k\": 10, \"beta\": 1.5, \"seed\": 7}",
     .tokens = tokens_a, .token_count = 5, .new_tokens = 5, .seconds = 0.1, .finished = true},
    {.id = 41, .prompt = "", .response = "", .reference = NULL, .method = "topk", .params_json = NULL,
     .tokens = NULL, .token_count = 0, .new_tokens = 0, .seconds = 0.0, .finished = false},
    {.id = 9000000000LL, .prompt = "p", .response = "r", .reference = "", .method = "bon",
     .params_json = "{\"n\": 4, \"temperature\": 0.7, \"note\": [1, null, true]}", .tokens = tokens_a,
     .token_count = 1, .new_tokens = 1, .seconds = 1234.5678901234567, .finished = true, .has_reward = true,
      .reward = -2.0000000000000004, .has_reference_reward = true, .reference_reward = 0.5,
     .models = {[RGTG_GEN_SCORER] = {"rm dir/ü", SHA_A, "scorer"}}, .bon_rewards = bon_rewards, .bon_count = 3,
     .bon_kept = 2},
};

static void check_same_rows(const rgtg_generation_t *expected, const rgtg_generation_t *got, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const rgtg_generation_t *e = &expected[i], *g = &got[i];
        CHECK_MSG(g->id == e->id, "row %zu id %lld", i, (long long)g->id);
        CHECK_MSG(g->format_version == RGTG_GEN_FORMAT_VERSION, "row %zu format_version %d", i, g->format_version);
        CHECK_MSG(g->sample == e->sample, "row %zu sample %lld", i, (long long)g->sample);
        for (int r = 0; r < RGTG_GEN_ROLE_COUNT; r++) {
            CHECK_MSG(same_string(g->models[r].path, e->models[r].path), "row %zu model %d path", i, r);
            CHECK_MSG(same_string(g->models[r].sha256, e->models[r].sha256), "row %zu model %d sha256", i, r);
            CHECK_MSG(same_string(g->models[r].kind, e->models[r].kind), "row %zu model %d kind", i, r);
        }
        CHECK_MSG(g->has_work == e->has_work && g->lm_forwards == e->lm_forwards && g->rm_forwards == e->rm_forwards &&
                  g->candidates_scored == e->candidates_scored, "row %zu work counters", i);
        CHECK_MSG(g->bon_count == e->bon_count && g->bon_kept == e->bon_kept, "row %zu bon count/kept", i);
        for (size_t b = 0; b < e->bon_count && b < g->bon_count; b++)
            CHECK_MSG(g->bon_rewards[b] == e->bon_rewards[b], "row %zu bon reward %zu", i, b);
        CHECK_MSG(same_string(g->prompt, e->prompt), "row %zu prompt '%s'", i, g->prompt);
        CHECK_MSG(same_string(g->response, e->response), "row %zu response '%s'", i, g->response);
        CHECK_MSG(same_string(g->reference, e->reference), "row %zu reference '%s'", i,
                  g->reference ? g->reference : "(null)");
        CHECK_MSG(same_string(g->method, e->method), "row %zu method '%s'", i, g->method);
        CHECK_MSG(g->token_count == e->token_count, "row %zu token_count %zu", i, g->token_count);
        for (size_t t = 0; t < e->token_count && t < g->token_count; t++)
            CHECK_MSG(g->tokens[t] == e->tokens[t], "row %zu token %zu: %d", i, t, g->tokens[t]);
        CHECK_MSG(g->new_tokens == e->new_tokens, "row %zu new_tokens", i);
        CHECK_MSG(g->seconds == e->seconds, "row %zu seconds %.17g != %.17g", i, g->seconds, e->seconds);
        CHECK_MSG(g->finished == e->finished, "row %zu finished", i);
        CHECK_MSG(g->has_reward == e->has_reward, "row %zu has_reward", i);
        if (e->has_reward) CHECK_MSG(g->reward == e->reward, "row %zu reward %.17g", i, g->reward);
        CHECK_MSG(g->has_reference_reward == e->has_reference_reward, "row %zu has_reference_reward", i);
        if (e->has_reference_reward)
            CHECK_MSG(g->reference_reward == e->reference_reward, "row %zu reference_reward %.17g", i, g->reference_reward);
    }
}

static void test_round_trip(void) {
    const char *path = path_in_directory("round.jsonl");
    rgtg_gen_writer_t *writer;
    CHECK_MSG(rgtg_gen_writer_open(path, &writer) == RGTG_OK, "%s", rgtg_error_message());
    for (size_t i = 0; i < 3; i++)
        CHECK_MSG(rgtg_gen_writer_add(writer, &sample_rows[i]) == RGTG_OK, "%s", rgtg_error_message());
    CHECK_MSG(access(path, F_OK) != 0, "the file appears before commit");
    CHECK_MSG(rgtg_gen_writer_commit(writer) == RGTG_OK, "%s", rgtg_error_message());
    CHECK_MSG(files_in_directory() == 1, "%zu files after commit (temporary left behind?)", files_in_directory());

    /* The first line, byte for byte: key order and number formats are part of the schema. */
    const char *expected_first =
        "{\"format_version\":2,\"id\":0,\"sample\":3,\"method\":\"pargs\",\"params\":{\"k\":10,\"beta\":1.5,\"seed\":7},"
        "\"models\":{\"lm\":{\"path\":\"runs/lm/final\",\"sha256\":\"" SHA_A "\"},"
        "\"guide\":{\"path\":\"runs/rm/final\",\"sha256\":\"" SHA_B "\",\"kind\":\"partial\"}},"
        "\"prompt\":\"Human: hi\\n\\nAssistant:\",\"response\":\" Hello \\\"there\\\"\\t\\\\ caf\xc3\xa9 "
        "\xe2\x9c\x93\",\"reference\":\"Hello.\",\"tokens\":[5,17,-1,2147483647,2],\"new_tokens\":5,"
        "\"seconds\":0.1,\"finished\":true,"
        "\"work\":{\"lm_forwards\":6,\"rm_forwards\":6,\"candidates_scored\":50}}\n";
    const char *text = read_text(path);
    CHECK_MSG(text && strncmp(text, expected_first, strlen(expected_first)) == 0, "first line:\n%s",
              text ? text : "(unreadable)");
    CHECK_MSG(text && strstr(text, "\"bon_rewards\":[0.5,-1.25,3.0],\"bon_kept\":2,\"reward\":-2.0000000000000004,"
                                   "\"reference_reward\":0.5}"),
              "Best-of-N and reward text missing");

    rgtg_generation_t *rows;
    size_t count;
    CHECK_MSG(rgtg_gen_read(path, &rows, &count) == RGTG_OK, "%s", rgtg_error_message());
    CHECK_MSG(count == 3, "count %zu", count);
    if (count == 3) {
        check_same_rows(sample_rows, rows, 3);
        CHECK_MSG(strcmp(rows[1].params_json, "{}") == 0, "NULL params read back as %s", rows[1].params_json);
        double beta = 0, seed = 0, missing = 0;
        CHECK_MSG(rgtg_gen_param_number(&rows[0], "beta", &beta) == RGTG_OK && beta == 1.5, "beta %g", beta);
        CHECK_MSG(rgtg_gen_param_number(&rows[0], "seed", &seed) == RGTG_OK && seed == 7, "seed %g", seed);
        CHECK_MSG(rgtg_gen_param_number(&rows[0], "temperature", &missing) == RGTG_ERR_INVALID, "absent param");
        rgtg_error_clear();

        /* eval's rewrite: add rewards to every row, write over the same path, read again. */
        for (size_t i = 0; i < count; i++) {
            rows[i].has_reward = true;
            rows[i].reward = 0.25 * (double)i - 1.0 / 3.0;
        }
        CHECK_MSG(rgtg_gen_write_all(path, rows, count) == RGTG_OK, "%s", rgtg_error_message());
        rgtg_generation_t *again;
        size_t again_count;
        CHECK_MSG(rgtg_gen_read(path, &again, &again_count) == RGTG_OK, "%s", rgtg_error_message());
        CHECK_MSG(again_count == count, "count after rewrite %zu", again_count);
        if (again_count == count) {
            check_same_rows(rows, again, count);
            CHECK_MSG(strcmp(again[2].params_json, rows[2].params_json) == 0, "params %s", again[2].params_json);
        }
        rgtg_gen_free(again, again_count);
    }
    rgtg_gen_free(rows, count);
    unlink(path);
}

static void test_invalid_utf8_is_repaired(void) {
    const char *path = path_in_directory("utf8.jsonl");
    rgtg_generation_t row = sample_rows[1];
    row.response = "ab\xff" "c\xe2\x9c"; /* a stray byte, then a character cut after two of its bytes */
    CHECK_MSG(rgtg_gen_write_all(path, &row, 1) == RGTG_OK, "%s", rgtg_error_message());
    rgtg_generation_t *rows;
    size_t count;
    CHECK_MSG(rgtg_gen_read(path, &rows, &count) == RGTG_OK && count == 1, "%s", rgtg_error_message());
    if (count == 1)
        CHECK_MSG(strcmp(rows[0].response, "ab\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd") == 0, "repaired '%s'",
                  rows[0].response);
    rgtg_gen_free(rows, count);
    unlink(path);
}

static void test_writer_rejects_bad_rows_and_abort_leaves_nothing(void) {
    const char *path = path_in_directory("aborted.jsonl");
    rgtg_gen_writer_t *writer;
    CHECK_MSG(rgtg_gen_writer_open(path, &writer) == RGTG_OK, "%s", rgtg_error_message());
    rgtg_generation_t row = sample_rows[0];
    row.params_json = "[1, 2]";
    CHECK_MSG(rgtg_gen_writer_add(writer, &row) == RGTG_ERR_INVALID, "params that are not an object");
    CHECK_MSG(strstr(rgtg_error_message(), "params_json is not a JSON object"), "%s", rgtg_error_message());
    rgtg_error_clear();
    row = sample_rows[0];
    row.seconds = NAN;
    CHECK_MSG(rgtg_gen_writer_add(writer, &row) == RGTG_ERR_NUMERIC, "NaN seconds");
    rgtg_error_clear();
    row = sample_rows[0];
    row.response = NULL;
    CHECK_MSG(rgtg_gen_writer_add(writer, &row) == RGTG_ERR_INVALID, "NULL response");
    rgtg_error_clear();
    row = sample_rows[0];
    row.models[RGTG_GEN_GUIDE].sha256 = "abc";
    CHECK_MSG(rgtg_gen_writer_add(writer, &row) == RGTG_ERR_INVALID, "short sha256");
    CHECK_MSG(strstr(rgtg_error_message(), "guide model's sha256"), "%s", rgtg_error_message());
    rgtg_error_clear();
    row = sample_rows[2];
    row.bon_kept = 3;
    CHECK_MSG(rgtg_gen_writer_add(writer, &row) == RGTG_ERR_INVALID, "bon_kept out of range");
    rgtg_error_clear();
    double nan_rewards[2] = {1.0, NAN};
    row.bon_rewards = nan_rewards, row.bon_count = 2, row.bon_kept = 0;
    CHECK_MSG(rgtg_gen_writer_add(writer, &row) == RGTG_ERR_NUMERIC, "NaN bon reward");
    rgtg_error_clear();
    CHECK_MSG(rgtg_gen_writer_add(writer, &sample_rows[0]) == RGTG_OK, "%s", rgtg_error_message());
    rgtg_gen_writer_abort(writer);
    CHECK_MSG(files_in_directory() == 0, "%zu files after abort", files_in_directory());
}

#define ROW_WITHOUT_ID                                                                              \
    "\"prompt\":\"p\",\"response\":\"r\",\"method\":\"topk\",\"params\":{},\"tokens\":[1,2]," \
    "\"new_tokens\":2,\"seconds\":0.5,\"finished\":true"
#define GOOD_ROW "{\"id\":1," ROW_WITHOUT_ID "}\n"

typedef struct {
    const char *name;
    const char *content;
    rgtg_status_t status;
    size_t rows;              /* when status is RGTG_OK */
    const char *message;      /* after "PATH:" */
} broken_case_t;

static const broken_case_t broken_cases[] = {
    {"empty file", "", RGTG_OK, 0, NULL},
    {"only blank lines", "\n  \n\r\n", RGTG_OK, 0, NULL},
    {"blank lines between rows", GOOD_ROW "\n" GOOD_ROW, RGTG_OK, 2, NULL},
    {"no final newline, CRLF", "{\"id\":1," ROW_WITHOUT_ID "}\r\n{\"id\":2," ROW_WITHOUT_ID "}", RGTG_OK, 2, NULL},
    {"bad JSON on line 3", GOOD_ROW GOOD_ROW "{\"id\": 1, \"prompt\": }\n" GOOD_ROW, RGTG_ERR_FORMAT, 0,
     "3:21: unexpected token near '}'"},
    {"truncated line after a blank line", "\n{\"id\":1\n", RGTG_ERR_FORMAT, 0, "2:7: '}' expected near end of line"},
    {"two objects on one line", GOOD_ROW "{\"id\":1} {}\n", RGTG_ERR_FORMAT, 0,
     "2:10: end of line expected near '{'"},
    {"missing response on line 2", GOOD_ROW
     "{\"id\":1,\"prompt\":\"p\",\"method\":\"topk\",\"params\":{},\"tokens\":[],\"new_tokens\":0,"
     "\"seconds\":0,\"finished\":false}\n", RGTG_ERR_FORMAT, 0, "2: missing field 'response' (must be a string)"},
    {"response of the wrong type", "{\"id\":1,\"prompt\":\"p\",\"response\":5,\"method\":\"topk\"}\n",
     RGTG_ERR_FORMAT, 0, "1: field 'response' must be a string, not an integer"},
    {"negative id", GOOD_ROW GOOD_ROW GOOD_ROW "{\"id\":-3," ROW_WITHOUT_ID "}\n", RGTG_ERR_FORMAT, 0,
     "4: field 'id' must be a non-negative integer, not -3"},
    {"id as a string", "{\"id\":\"7\"," ROW_WITHOUT_ID "}\n", RGTG_ERR_FORMAT, 0,
     "1: field 'id' must be a non-negative integer, not a string"},
    {"a token that is a string", "{\"id\":1,\"prompt\":\"p\",\"response\":\"r\",\"method\":\"topk\","
     "\"params\":{},\"tokens\":[1,\"2\"],\"new_tokens\":2,\"seconds\":0.5,\"finished\":true}\n",
     RGTG_ERR_FORMAT, 0, "1: field 'tokens' must be an array of integers (element 1 is a string)"},
    {"params as a string", "{\"id\":1,\"prompt\":\"p\",\"response\":\"r\",\"method\":\"topk\",\"params\":\"k=3\"}\n",
     RGTG_ERR_FORMAT, 0, "1: field 'params' must be an object, not a string"},
    {"finished as an integer", "{\"id\":1,\"prompt\":\"p\",\"response\":\"r\",\"method\":\"topk\",\"params\":{},"
     "\"tokens\":[],\"new_tokens\":0,\"seconds\":0.5,\"finished\":1}\n", RGTG_ERR_FORMAT, 0,
     "1: field 'finished' must be a boolean, not an integer"},
    {"reward as a string", "{\"id\":1," ROW_WITHOUT_ID ",\"reward\":\"high\"}\n", RGTG_ERR_FORMAT, 0,
     "1: field 'reward' must be a number, not a string"},
    {"reference_reward as a boolean", "{\"id\":1," ROW_WITHOUT_ID ",\"reward\":1.0,\"reference_reward\":true}\n",
     RGTG_ERR_FORMAT, 0, "1: field 'reference_reward' must be a number, not a boolean"},
    {"empty method", "{\"id\":1,\"prompt\":\"p\",\"response\":\"r\",\"method\":\"\"}\n", RGTG_ERR_FORMAT, 0,
     "1: field 'method' must not be empty"},
    {"a line that is an array", GOOD_ROW "[1,2]\n", RGTG_ERR_FORMAT, 0,
     "2: a line must be a JSON object, not an array"},
    {"a version-1 row and a version-2 row", GOOD_ROW "{\"format_version\":2,\"id\":1,\"sample\":0," ROW_WITHOUT_ID "}\n",
     RGTG_OK, 2, NULL},
    {"a newer format_version", GOOD_ROW "{\"format_version\":3,\"id\":1," ROW_WITHOUT_ID "}\n", RGTG_ERR_FORMAT, 0,
     "2: format_version 3 is not one this rgtg reads (1 to 2): the file was written by another version"},
    {"format_version as a string", "{\"format_version\":\"2\",\"id\":1," ROW_WITHOUT_ID "}\n", RGTG_ERR_FORMAT, 0,
     "1: field 'format_version' must be an integer, not a string"},
    {"a model without sha256", "{\"id\":1," ROW_WITHOUT_ID ",\"models\":{\"lm\":{\"path\":\"x\"}}}\n",
     RGTG_ERR_FORMAT, 0, "1: missing field 'models.lm.sha256' (must be a string)"},
    {"a work counter that is negative", "{\"id\":1," ROW_WITHOUT_ID ",\"work\":{\"lm_forwards\":1,"
     "\"rm_forwards\":-1,\"candidates_scored\":0}}\n", RGTG_ERR_FORMAT, 0,
     "1: field 'rm_forwards' must be a non-negative integer, not -1"},
    {"bon_kept outside bon_rewards", "{\"id\":1," ROW_WITHOUT_ID ",\"bon_rewards\":[1.0,2],\"bon_kept\":2}\n",
     RGTG_ERR_FORMAT, 0, "1: field 'bon_kept' (2) must index 'bon_rewards' (2 of them)"},
    {"a named reward without its number", "{\"id\":1," ROW_WITHOUT_ID ",\"rewards\":{\"rm\":{\"path\":\"d\",\"sha256\":\""
     SHA_A "\"}}}\n", RGTG_ERR_FORMAT, 0, "1: missing field 'rewards.rm.reward' (must be a number)"},
    {"a named reward with a short sha256", "{\"id\":1," ROW_WITHOUT_ID ",\"rewards\":{\"rm\":{\"reward\":1,\"path\":\"d\","
     "\"sha256\":\"abc\"}}}\n", RGTG_ERR_FORMAT, 0, "1: field 'rewards.rm.sha256' must be 64 lowercase hex digits"},
    {"a named reward without its model's path", "{\"id\":1," ROW_WITHOUT_ID ",\"rewards\":{\"rm\":{\"reward\":1,"
     "\"sha256\":\"" SHA_A "\"}}}\n", RGTG_ERR_FORMAT, 0, "1: missing field 'rewards.rm.path' (must be a string)"},
    {"a reward name with a space", "{\"id\":1," ROW_WITHOUT_ID ",\"rewards\":{\"my rm\":{\"reward\":1,\"path\":\"d\","
     "\"sha256\":\"" SHA_A "\"}}}\n", RGTG_ERR_FORMAT, 0, "1: reward name 'my rm' must be letters, digits, '.', '_' or '-'"},
    {"reward_name naming no reward", "{\"id\":1," ROW_WITHOUT_ID ",\"reward\":1.0,\"reward_name\":\"gold\"}\n",
     RGTG_ERR_FORMAT, 0, "1: field 'reward_name' names 'gold', which is not in 'rewards'"},
    {"reward differing from the entry reward_name names", "{\"id\":1," ROW_WITHOUT_ID ",\"reward\":2.0,\"reward_name\":\"rm\","
     "\"rewards\":{\"rm\":{\"reward\":1,\"path\":\"d\",\"sha256\":\"" SHA_A "\"}}}\n", RGTG_ERR_FORMAT, 0,
     "1: field 'reward' must equal 'rewards.rm.reward' (reward_name)"},
};

/* A row written before format_version existed reads as version 1, sample 0, without models or work. */
static void test_version_1_rows_read_with_defaults(void) {
    const char *path = path_in_directory("v1.jsonl");
    write_text(path, GOOD_ROW);
    rgtg_generation_t *rows;
    size_t count;
    CHECK_MSG(rgtg_gen_read(path, &rows, &count) == RGTG_OK && count == 1, "%s", rgtg_error_message());
    if (count == 1) {
        CHECK_MSG(rows[0].format_version == 1 && rows[0].sample == 0 && !rows[0].has_work && !rows[0].bon_count,
                  "version %d sample %lld", rows[0].format_version, (long long)rows[0].sample);
        for (int r = 0; r < RGTG_GEN_ROLE_COUNT; r++) CHECK(rows[0].models[r].path == NULL);
    }
    rgtg_gen_free(rows, count);
    unlink(path);
}

static void test_broken_files(void) {
    const char *path = path_in_directory("broken.jsonl");
    for (size_t c = 0; c < sizeof broken_cases / sizeof broken_cases[0]; c++) {
        const broken_case_t *bc = &broken_cases[c];
        write_text(path, bc->content);
        rgtg_error_clear();
        rgtg_generation_t *rows = (rgtg_generation_t *)&rows; /* must be reset by the reader */
        size_t count = 99;
        rgtg_status_t status = rgtg_gen_read(path, &rows, &count);
        CHECK_MSG(status == bc->status, "%s: status %s (%s)", bc->name, rgtg_status_to_string(status),
                  rgtg_error_message());
        if (bc->status == RGTG_OK) {
            CHECK_MSG(count == bc->rows, "%s: %zu rows", bc->name, count);
            CHECK_MSG((count == 0) == (rows == NULL), "%s: rows pointer with %zu rows", bc->name, count);
            rgtg_gen_free(rows, count);
        } else {
            char expected[1100];
            snprintf(expected, sizeof expected, "%s:%s", path, bc->message);
            CHECK_MSG(strcmp(rgtg_error_message(), expected) == 0, "%s:\n  got      %s\n  expected %s", bc->name,
                      rgtg_error_message(), expected);
            CHECK_MSG(rows == NULL && count == 0, "%s: outputs not reset on error", bc->name);
        }
    }
    unlink(path);

    rgtg_error_clear();
    rgtg_generation_t *rows;
    size_t count;
    const char *missing = path_in_directory("does-not-exist.jsonl");
    CHECK_MSG(rgtg_gen_read(missing, &rows, &count) == RGTG_ERR_IO, "missing file");
    char expected[1100];
    snprintf(expected, sizeof expected, "%s: cannot open: No such file or directory", missing);
    CHECK_MSG(strcmp(rgtg_error_message(), expected) == 0, "%s", rgtg_error_message());
    rgtg_error_clear();
}

/* Named rewards (one per reward model, eval score --rm NAME=DIR): round trip, replacing one by name, the
 * plain reward's scorer kept on record only while reward still holds that model's score. */
static void test_named_rewards(void) {
    const char *path = path_in_directory("named.jsonl");
    write_text(path, GOOD_ROW);
    rgtg_generation_t *rows;
    size_t count;
    CHECK_MSG(rgtg_gen_read(path, &rows, &count) == RGTG_OK && count == 1, "%s", rgtg_error_message());
    if (count != 1) return;
    double value = 0;
    const char *sha = "unset";
    CHECK_MSG(!rgtg_gen_reward_value(&rows[0], NULL, &value, &sha) && !rgtg_gen_reward_value(&rows[0], "rm", &value, &sha),
              "an unscored row has no reward");
    rgtg_gen_reward_t rm = {.name = "rm", .path = "runs/rm", .sha256 = SHA_A, .reward = 0.5,
                            .has_reference_reward = true, .reference_reward = -1.5};
    rgtg_gen_reward_t gold = {.name = "gold.v2", .path = "runs/g", .sha256 = SHA_B, .reward = -0.125};
    CHECK_OK(rgtg_gen_set_reward(&rows[0], &rm));
    CHECK_OK(rgtg_gen_set_reward(&rows[0], &gold));
    rm.reward = 0.75; /* replaces the entry of the same name */
    CHECK_OK(rgtg_gen_set_reward(&rows[0], &rm));
    rows[0].has_reward = true, rows[0].reward = 0.75, rows[0].has_reference_reward = true, rows[0].reference_reward = -1.5;
    rows[0].reward_name = strdup("rm");
    CHECK_OK(rgtg_gen_write_all(path, rows, 1));
    const char *text = read_text(path);
    CHECK_MSG(text && strstr(text, "\"reward\":0.75,\"reference_reward\":-1.5,\"reward_name\":\"rm\",\"rewards\":{\"rm\":"
                                   "{\"reward\":0.75,\"reference_reward\":-1.5,\"path\":\"runs/rm\",\"sha256\":\"" SHA_A "\"},"
                                   "\"gold.v2\":{\"reward\":-0.125,\"path\":\"runs/g\",\"sha256\":\"" SHA_B "\"}}}\n"),
              "named rewards as written:\n%s", text ? text : "(unreadable)");
    rgtg_generation_t *again;
    size_t again_count;
    CHECK_MSG(rgtg_gen_read(path, &again, &again_count) == RGTG_OK && again_count == 1, "%s", rgtg_error_message());
    if (again_count == 1) {
        const rgtg_gen_reward_t *g = rgtg_gen_find_reward(&again[0], "gold.v2"), *r = rgtg_gen_find_reward(&again[0], "rm");
        CHECK_MSG(again[0].reward_count == 2 && g && r && g->reward == -0.125 && !g->has_reference_reward &&
                  r->reward == 0.75 && r->has_reference_reward && r->reference_reward == -1.5 &&
                  !strcmp(r->path, "runs/rm") && !strcmp(g->sha256, SHA_B), "named rewards read back");
        CHECK(rgtg_gen_reward_value(&again[0], "gold.v2", &value, &sha) && value == -0.125 && sha && !strcmp(sha, SHA_B));
        CHECK(rgtg_gen_reward_value(&again[0], NULL, &value, &sha) && value == 0.75 && sha && !strcmp(sha, SHA_A));
        CHECK(!rgtg_gen_reward_value(&again[0], "other", &value, &sha));
        /* a later stage (eval gold) replaces reward: its scorer is no longer the named model */
        again[0].reward = 3.0;
        CHECK(rgtg_gen_reward_value(&again[0], NULL, &value, &sha) && value == 3.0 && sha == NULL);
        CHECK_OK(rgtg_gen_write_all(path, again, 1));
        text = read_text(path);
        CHECK_MSG(text && !strstr(text, "reward_name") && strstr(text, "\"reward\":3.0,"), "stale reward_name kept:\n%s",
                  text ? text : "");
    }
    rgtg_gen_free(again, again_count);
    rgtg_gen_free(rows, count);
    unlink(path);
}

int main(void) {
    if (!mkdtemp(directory)) {
        perror("mkdtemp");
        return 2;
    }
    test_round_trip();
    test_invalid_utf8_is_repaired();
    test_writer_rejects_bad_rows_and_abort_leaves_nothing();
    test_broken_files();
    test_version_1_rows_read_with_defaults();
    test_named_rewards();
    rmdir(directory);
    return check_summary("test_generations");
}
