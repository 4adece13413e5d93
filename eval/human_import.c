/* eval/human_import.c: reading the votes CSV of the rating page (RFC 4180), checking them against the
 * sheet, undoing the shuffle into win/tie/loss for A, and their agreement with a reward model (see
 * human.h). */
#include "human.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/generations.h"
#include "judge.h"
#include "pairs.h"
#include "results.h"
#include "rm_texts.h"

rgtg_human_import_params_t rgtg_human_import_default_params(void) {
    return (rgtg_human_import_params_t){.tie_tolerance = 1e-4, .batch = 32, .threads = 2};
}

/* ---- CSV ---- */

typedef struct {
    char **fields;
    size_t count;
    size_t line;  /* where the record starts, from 1 */
} record_t;

typedef struct {
    record_t *records;
    size_t count;
} csv_t;

static void csv_free(csv_t *csv) {
    for (size_t r = 0; r < csv->count; r++) {
        for (size_t f = 0; f < csv->records[r].count; f++) free(csv->records[r].fields[f]);
        free(csv->records[r].fields);
    }
    free(csv->records);
    memset(csv, 0, sizeof *csv);
}

static bool push(void **items, size_t *count, size_t size, const void *item) {
    void *grown = realloc(*items, (*count + 1) * size);
    if (!grown) return false;
    memcpy((char *)grown + *count * size, item, size);
    *items = grown;
    (*count)++;
    return true;
}

/* RFC 4180: fields split by commas, records by CRLF or LF, quoted fields may hold both and "" for a
 * quote. Blank lines are skipped. */
static rgtg_status_t csv_parse(const char *text, const char *name, csv_t *out) {
    memset(out, 0, sizeof *out);
    const char *p = text;
    size_t line = 1;
    while (*p) {
        if (*p == '\n' || (*p == '\r' && p[1] == '\n')) { /* blank line */
            p += *p == '\r' ? 2 : 1;
            line++;
            continue;
        }
        record_t record = {.line = line};
        for (;;) {
            char *field = NULL;
            size_t length = 0, capacity = 0;
            bool quoted = *p == '"';
            if (quoted) p++;
            for (;;) {
                char c = *p;
                if (c == '\0') {
                    if (quoted) {
                        free(field);
                        csv_free(out);
                        for (size_t f = 0; f < record.count; f++) free(record.fields[f]);
                        free(record.fields);
                        return rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: a quoted field is not closed", name, record.line);
                    }
                    break;
                }
                if (quoted && c == '"') {
                    if (p[1] == '"') p++;
                    else {
                        p++;
                        quoted = false;
                        continue;
                    }
                } else if (!quoted && (c == ',' || c == '\n' || (c == '\r' && p[1] == '\n'))) {
                    break;
                }
                if (c == '\n') line++;
                if (length + 2 > capacity) {
                    capacity = capacity ? 2 * capacity : 32;
                    char *grown = realloc(field, capacity);
                    if (!grown) {
                        free(field);
                        return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", name);
                    }
                    field = grown;
                }
                field[length++] = *p++;
            }
            char *value = field ? field : malloc(1);
            if (!value) return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", name);
            value[length] = '\0';
            if (!push((void **)&record.fields, &record.count, sizeof value, &value))
                return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", name);
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\r') p++;
            if (*p == '\n') p++, line++;
            break;
        }
        if (!push((void **)&out->records, &out->count, sizeof record, &record))
            return rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", name);
    }
    return RGTG_OK;
}

/* ---- the sheet's data ---- */

typedef struct {
    json_t *root;         /* the data object */
    json_t *pairs;        /* its pairs array */
    const char *id, *method_a, *method_b;
} sheet_t;

static rgtg_status_t sheet_read(const char *path, sheet_t *sheet) {
    static const char *open_tag = "<script type=\"application/json\" id=\"rgtg-sheet-data\">";
    memset(sheet, 0, sizeof *sheet);
    char *html = NULL;
    size_t size = 0;
    rgtg_status_t status = rgtg_read_file(path, &html, &size);
    if (status != RGTG_OK) return status;
    char *start = strstr(html, open_tag), *end = start ? strstr(start, "</script>") : NULL;
    if (!start || !end) {
        free(html);
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: not a sheet written by rgtg eval human-sheet (no sheet data)", path);
    }
    start += strlen(open_tag);
    json_error_t error;
    sheet->root = json_loadb(start, (size_t)(end - start), 0, &error);
    free(html);
    if (!sheet->root) return rgtg_error_set(RGTG_ERR_FORMAT, "%s: sheet data: %s", path, error.text);
    sheet->pairs = json_object_get(sheet->root, "pairs");
    sheet->id = json_string_value(json_object_get(sheet->root, "sheet"));
    sheet->method_a = json_string_value(json_object_get(sheet->root, "method_a"));
    sheet->method_b = json_string_value(json_object_get(sheet->root, "method_b"));
    bool ok = json_is_array(sheet->pairs) && sheet->id && sheet->method_a && sheet->method_b;
    for (size_t i = 0; ok && i < json_array_size(sheet->pairs); i++) {
        json_t *pair = json_array_get(sheet->pairs, i);
        const char *left = json_string_value(json_object_get(pair, "left"));
        ok = json_is_integer(json_object_get(pair, "id")) && json_is_integer(json_object_get(pair, "sample")) && left &&
             (!strcmp(left, "A") || !strcmp(left, "B")) && json_is_string(json_object_get(pair, "prompt")) &&
             json_is_string(json_object_get(pair, "left_response")) &&
             json_is_string(json_object_get(pair, "right_response")) &&
             json_is_boolean(json_object_get(pair, "left_finished")) &&
             json_is_boolean(json_object_get(pair, "right_finished"));
    }
    if (ok) { /* the id is the hash of the rest: an edited sheet no longer matches its votes */
        json_t *copy = json_deep_copy(sheet->root);
        json_object_del(copy, "sheet");
        char *text = copy ? json_dumps(copy, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
        char digest[65] = "";
        if (text) rgtg_sha256_bytes(text, strlen(text), digest);
        ok = text && strncmp(digest, sheet->id, 16) == 0 && strlen(sheet->id) == 16;
        free(text);
        json_decref(copy);
        if (!ok) {
            json_decref(sheet->root);
            memset(sheet, 0, sizeof *sheet);
            return rgtg_error_set(RGTG_ERR_FORMAT, "%s: the sheet data was edited (its id no longer matches)", path);
        }
    }
    if (!ok) {
        json_decref(sheet->root);
        memset(sheet, 0, sizeof *sheet);
        return rgtg_error_set(RGTG_ERR_FORMAT, "%s: sheet data lacks a field or has one of the wrong type", path);
    }
    return RGTG_OK;
}

/* ---- votes ---- */

typedef struct {
    int64_t pair_id, id, sample;
    char left;              /* 'A' or 'B': the file shown on the left */
    rgtg_outcome_t outcome; /* for A */
    double reward_a, reward_b;
} vote_t;

enum { COL_PAIR_ID, COL_ID, COL_SAMPLE, COL_LEFT, COL_RIGHT, COL_VOTE, COL_CHOICE, COL_SHEET, COLUMNS };
static const char *column_names[COLUMNS] = {"pair_id", "id", "sample", "left", "right", "vote", "choice_method", "sheet"};
static const bool column_required[COLUMNS] = {true, true, true, true, true, true, false, false};

static bool parse_integer(const char *text, int64_t *out) {
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (!*text || *end || errno || value < 0) return false;
    *out = value;
    return true;
}

static rgtg_status_t read_votes(const char *path, const sheet_t *sheet, const char *sheet_path, vote_t **votes,
                                size_t *count) {
    char *text = NULL;
    size_t size = 0;
    csv_t csv = {0};
    rgtg_status_t status = rgtg_read_file(path, &text, &size);
    if (status == RGTG_OK) status = csv_parse(text, path, &csv);
    free(text);
    int column[COLUMNS];
    for (int c = 0; c < COLUMNS; c++) column[c] = -1;
    if (status == RGTG_OK && csv.count == 0) status = rgtg_error_set(RGTG_ERR_FORMAT, "%s: empty (no header)", path);
    for (int c = 0; status == RGTG_OK && c < COLUMNS; c++) {
        for (size_t f = 0; f < csv.records[0].count; f++)
            if (strcmp(csv.records[0].fields[f], column_names[c]) == 0) column[c] = (int)f;
        if (column[c] < 0 && column_required[c])
            status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:1: no '%s' column in the header", path, column_names[c]);
    }
    size_t first = *count;
    for (size_t r = 1; status == RGTG_OK && r < csv.count; r++) {
        const record_t *record = &csv.records[r];
        const char *field[COLUMNS];
        for (int c = 0; c < COLUMNS; c++)
            field[c] = column[c] >= 0 && (size_t)column[c] < record->count ? record->fields[column[c]] : NULL;
        vote_t v = {0};
        const char *vote = field[COL_VOTE], *left = field[COL_LEFT], *right = field[COL_RIGHT];
        size_t line = record->line;
        if (record->count != csv.records[0].count)
            status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: %zu fields, the header has %zu", path, line, record->count,
                                    csv.records[0].count);
        else if (!parse_integer(field[COL_PAIR_ID], &v.pair_id) || !parse_integer(field[COL_ID], &v.id) ||
                 !parse_integer(field[COL_SAMPLE], &v.sample))
            status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: pair_id, id and sample must be integers >= 0", path, line);
        else if (!((!strcmp(left, "A") && !strcmp(right, "B")) || (!strcmp(left, "B") && !strcmp(right, "A"))))
            status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: left and right must be A and B (got '%s', '%s')", path, line,
                                    left, right);
        else if (strcmp(vote, "left") && strcmp(vote, "right") && strcmp(vote, "tie"))
            status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: vote must be left, right or tie (got '%s')", path, line, vote);
        if (status != RGTG_OK) break;
        v.left = left[0];
        char winner = !strcmp(vote, "tie") ? 'T' : !strcmp(vote, "left") ? v.left : right[0];
        v.outcome = winner == 'A' ? RGTG_OUTCOME_WIN : winner == 'B' ? RGTG_OUTCOME_LOSS : RGTG_OUTCOME_TIE;
        if (sheet->root) {
            json_t *pair = json_array_get(sheet->pairs, (size_t)v.pair_id);
            const char *choice = field[COL_CHOICE];
            const char *expected = winner == 'T' ? "tie" : winner == 'A' ? sheet->method_a : sheet->method_b;
            if (field[COL_SHEET] && strcmp(field[COL_SHEET], sheet->id) != 0)
                status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: a vote from sheet %s, not %s (%s)", path, line,
                                        field[COL_SHEET], sheet->id, sheet_path);
            else if (!pair)
                status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: pair %lld is not in %s (%zu pairs)", path, line,
                                        (long long)v.pair_id, sheet_path, json_array_size(sheet->pairs));
            else if (json_integer_value(json_object_get(pair, "id")) != v.id ||
                     json_integer_value(json_object_get(pair, "sample")) != v.sample)
                status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: pair %lld is id %lld sample %lld in %s, not id %lld sample %lld",
                                        path, line, (long long)v.pair_id,
                                        (long long)json_integer_value(json_object_get(pair, "id")),
                                        (long long)json_integer_value(json_object_get(pair, "sample")), sheet_path,
                                        (long long)v.id, (long long)v.sample);
            else if (json_string_value(json_object_get(pair, "left"))[0] != v.left)
                status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: pair %lld shows %s on the left in %s, not %c", path, line,
                                        (long long)v.pair_id, json_string_value(json_object_get(pair, "left")), sheet_path,
                                        v.left);
            else if (choice && strcmp(choice, expected) != 0)
                status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: choice_method '%s' contradicts the vote (%s)", path, line,
                                        choice, expected);
        }
        for (size_t i = first; status == RGTG_OK && i < *count; i++)
            if ((*votes)[i].id == v.id && (*votes)[i].sample == v.sample)
                status = rgtg_error_set(RGTG_ERR_FORMAT, "%s:%zu: id %lld sample %lld voted twice in this file", path, line,
                                        (long long)v.id, (long long)v.sample);
        if (status == RGTG_OK && !push((void **)votes, count, sizeof v, &v))
            status = rgtg_error_set(RGTG_ERR_NOMEM, "%s: out of memory", path);
    }
    csv_free(&csv);
    return status;
}

/* ---- agreement with a reward model ---- */

/* Rewards from two scored generation files, by (id, sample). */
static rgtg_status_t rewards_from_scores(const char *a_path, const char *b_path, vote_t *votes, size_t count,
                                         const char **method_a, const char **method_b, char *names_out[2]) {
    rgtg_generation_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0, pair_count = 0;
    rgtg_pair_t *pairs = NULL;
    rgtg_status_t status = rgtg_gen_read(a_path, &a, &na);
    if (status == RGTG_OK) status = rgtg_gen_read(b_path, &b, &nb);
    if (status == RGTG_OK) status = rgtg_pairs_match(a, na, a_path, b, nb, b_path, &pairs, &pair_count);
    for (size_t i = 0; status == RGTG_OK && i < na + nb; i++) {
        const rgtg_generation_t *g = i < na ? &a[i] : &b[i - na];
        if (!g->has_reward)
            status = rgtg_error_set(RGTG_ERR_INVALID, "%s: the row of id %lld has no reward (score it with rgtg eval score)",
                                    i < na ? a_path : b_path, (long long)g->id);
    }
    for (size_t v = 0; status == RGTG_OK && v < count; v++) {
        size_t p = 0;
        while (p < pair_count && !(pairs[p].id == votes[v].id && (int64_t)pairs[p].sample == votes[v].sample)) p++;
        if (p == pair_count)
            status = rgtg_error_set(RGTG_ERR_INVALID, "%s: no row for the voted id %lld (sample %lld)", a_path,
                                    (long long)votes[v].id, (long long)votes[v].sample);
        else votes[v].reward_a = a[pairs[p].a].reward, votes[v].reward_b = b[pairs[p].b].reward;
    }
    if (status == RGTG_OK && !*method_a) { /* names for the table when no sheet gave them */
        names_out[0] = strdup(a[0].method), names_out[1] = strdup(b[0].method);
        if (!names_out[0] || !names_out[1]) status = rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
        else *method_a = names_out[0], *method_b = names_out[1];
    }
    free(pairs);
    rgtg_gen_free(a, na);
    rgtg_gen_free(b, nb);
    return status;
}

/* Rewards of the voted pairs' texts (from the sheet) under a reward model. */
static rgtg_status_t rewards_from_rm(const rgtg_human_import_params_t *params, const sheet_t *sheet, vote_t *votes,
                                     size_t count) {
    rgtg_rm_texts_t *rm = NULL;
    const char **prompts = malloc((2 * count + 1) * sizeof *prompts), **responses = malloc((2 * count + 1) * sizeof *responses);
    bool *finished = malloc((2 * count + 1) * sizeof *finished);
    double *rewards = malloc((2 * count + 1) * sizeof *rewards);
    rgtg_status_t status = prompts && responses && finished && rewards ? RGTG_OK : rgtg_error_set(RGTG_ERR_NOMEM, "out of memory");
    if (status == RGTG_OK) status = rgtg_rm_texts_open(params->judge_rm, params->threads, &rm);
    for (size_t v = 0; status == RGTG_OK && v < count; v++) {
        json_t *pair = json_array_get(sheet->pairs, (size_t)votes[v].pair_id);
        bool a_left = votes[v].left == 'A';
        const char *left = json_string_value(json_object_get(pair, "left_response"));
        const char *right = json_string_value(json_object_get(pair, "right_response"));
        bool left_finished = json_is_true(json_object_get(pair, "left_finished"));
        bool right_finished = json_is_true(json_object_get(pair, "right_finished"));
        prompts[2 * v] = prompts[2 * v + 1] = json_string_value(json_object_get(pair, "prompt"));
        responses[2 * v] = a_left ? left : right, finished[2 * v] = a_left ? left_finished : right_finished;
        responses[2 * v + 1] = a_left ? right : left, finished[2 * v + 1] = a_left ? right_finished : left_finished;
    }
    if (status == RGTG_OK)
        status = rgtg_rm_texts_score(rm, prompts, responses, finished, 2 * count, params->batch, rewards);
    for (size_t v = 0; status == RGTG_OK && v < count; v++)
        votes[v].reward_a = rewards[2 * v], votes[v].reward_b = rewards[2 * v + 1];
    rgtg_rm_texts_free(rm);
    free(prompts), free(responses), free(finished), free(rewards);
    return status;
}

/* ---- outputs ---- */

static double fraction(size_t part, size_t whole) { return whole ? (double)part / (double)whole : NAN; }
static json_t *real_or_null(double x) { return isnan(x) ? json_null() : json_real(x); }

static char *summary_json(const rgtg_human_summary_t *s, size_t raters, const char *method_a, const char *method_b,
                          const char *rm_name, double tolerance) {
    json_t *rm = s->has_rm ? json_pack("{ss sf sI sI so sI sI so}", "judge", rm_name, "tie_tolerance", tolerance, "agreed",
                                       (json_int_t)s->agreed, "compared", (json_int_t)s->votes, "agreement",
                                       real_or_null(fraction(s->agreed, s->votes)), "decisive", (json_int_t)s->decisive,
                                       "decisive_agreed", (json_int_t)s->decisive_agreed, "decisive_agreement",
                                       real_or_null(fraction(s->decisive_agreed, s->decisive)))
                           : json_null();
    json_t *root = json_pack("{sI sI ss ss sI sI sI so so so so}", "votes", (json_int_t)s->votes, "raters", (json_int_t)raters,
                             "method_a", method_a, "method_b", method_b, "win", (json_int_t)s->wins, "tie",
                             (json_int_t)s->ties, "loss", (json_int_t)s->losses, "win_rate",
                             real_or_null(fraction(s->wins, s->votes)), "tie_rate", real_or_null(fraction(s->ties, s->votes)),
                             "loss_rate", real_or_null(fraction(s->losses, s->votes)), "rm", rm);
    char *text = root ? json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(1) | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(root);
    if (!text) return NULL;
    char *line = realloc(text, strlen(text) + 2);
    if (!line) {
        free(text);
        return NULL;
    }
    return strcat(line, "\n");
}

static char *markdown(const rgtg_human_summary_t *s, const char *method_a, const char *method_b, const char *rm_name) {
    size_t size = strlen(method_a) + strlen(method_b) + strlen(rm_name) + 512;
    char *text = malloc(size);
    if (!text) return NULL;
    int used = snprintf(text, size, "| A vs B | Win (%%) | Tie (%%) | Loss (%%) | votes |\n| --- | ---: | ---: | ---: | ---: |\n"
                        "| %s vs %s | %.1f | %.1f | %.1f | %zu |\n", method_a, method_b, 100 * fraction(s->wins, s->votes),
                        100 * fraction(s->ties, s->votes), 100 * fraction(s->losses, s->votes), s->votes);
    if (s->has_rm)
        snprintf(text + used, size - (size_t)used,
                 "\n| agreement with | agreed | votes | %% | decisive agreed | decisive votes | %% |\n"
                 "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n| %s | %zu | %zu | %.1f | %zu | %zu | %.1f |\n",
                 rm_name, s->agreed, s->votes, 100 * fraction(s->agreed, s->votes), s->decisive_agreed, s->decisive,
                 100 * fraction(s->decisive_agreed, s->decisive));
    return text;
}

static rgtg_status_t add_cells(const rgtg_human_summary_t *s, const char *method_a, const char *method_b,
                               const char *rm_name, rgtg_results_t *results) {
    rgtg_judge_summary_t tally = {.pairs = s->votes, .wins = s->wins, .ties = s->ties, .losses = s->losses};
    rgtg_status_t status = rgtg_judge_add_results(&tally, method_a, method_b, "human", results);
    if (status != RGTG_OK || !s->has_rm) return status;
    rgtg_label_t labels[] = {{.key = "method", .kind = RGTG_LABEL_STRING, .text = (char *)method_a},
                             {.key = "baseline", .kind = RGTG_LABEL_STRING, .text = (char *)method_b},
                             {.key = "judge", .kind = RGTG_LABEL_STRING, .text = "human"},
                             {.key = "rm", .kind = RGTG_LABEL_STRING, .text = (char *)rm_name}};
    rgtg_result_cell_t cell = {.metric = "agreement", .value = fraction(s->agreed, s->votes), .n = (int64_t)s->votes,
                               .se = NAN, .p_value = NAN, .labels = labels, .label_count = 4};
    return s->votes ? rgtg_results_add(results, &cell) : RGTG_OK;
}

rgtg_status_t rgtg_human_import_run(const rgtg_human_import_params_t *params, rgtg_human_summary_t *summary_out,
                                    char **markdown_out) {
    memset(summary_out, 0, sizeof *summary_out);
    *markdown_out = NULL;
    if (params->votes_count == 0) return rgtg_error_set(RGTG_ERR_INVALID, "human-import: no votes file given");
    if (params->judge_rm && (params->scores_a || params->scores_b))
        return rgtg_error_set(RGTG_ERR_INVALID, "human-import: give --judge-rm or --scores, not both");
    if (params->judge_rm && !params->sheet_path)
        return rgtg_error_set(RGTG_ERR_INVALID, "human-import: --judge-rm needs --sheet (the texts are in the page)");
    if (!params->scores_a != !params->scores_b)
        return rgtg_error_set(RGTG_ERR_INVALID, "human-import: --scores takes two files (A and B)");
    sheet_t sheet = {0};
    vote_t *votes = NULL;
    size_t count = 0;
    char *names[2] = {NULL, NULL}, *json = NULL, *md = NULL;
    rgtg_results_t results = {0};
    rgtg_status_t status = params->sheet_path ? sheet_read(params->sheet_path, &sheet) : RGTG_OK;
    for (size_t f = 0; status == RGTG_OK && f < params->votes_count; f++)
        status = read_votes(params->votes_paths[f], &sheet, params->sheet_path, &votes, &count);
    if (status == RGTG_OK && count == 0)
        status = rgtg_error_set(RGTG_ERR_INVALID, "%s: no votes%s", params->votes_paths[0],
                                params->votes_count > 1 ? " in any of the files" : "");
    const char *method_a = sheet.method_a, *method_b = sheet.method_b;
    const char *rm_name = params->judge_rm ? params->judge_rm : params->scores_a ? "scores" : "";
    bool has_rm = params->judge_rm || params->scores_a;
    if (status == RGTG_OK && params->scores_a)
        status = rewards_from_scores(params->scores_a, params->scores_b, votes, count, &method_a, &method_b, names);
    if (status == RGTG_OK && params->judge_rm) status = rewards_from_rm(params, &sheet, votes, count);
    if (!method_a) method_a = "A", method_b = "B";
    rgtg_human_summary_t s = {.votes = count, .has_rm = has_rm};
    for (size_t v = 0; status == RGTG_OK && v < count; v++) {
        s.wins += votes[v].outcome == RGTG_OUTCOME_WIN;
        s.ties += votes[v].outcome == RGTG_OUTCOME_TIE;
        s.losses += votes[v].outcome == RGTG_OUTCOME_LOSS;
        if (!has_rm) continue;
        double difference = votes[v].reward_a - votes[v].reward_b;
        rgtg_outcome_t rm = fabs(difference) <= params->tie_tolerance ? RGTG_OUTCOME_TIE
                            : difference > 0                           ? RGTG_OUTCOME_WIN
                                                                       : RGTG_OUTCOME_LOSS;
        s.agreed += rm == votes[v].outcome;
        bool decisive = rm != RGTG_OUTCOME_TIE && votes[v].outcome != RGTG_OUTCOME_TIE;
        s.decisive += decisive;
        s.decisive_agreed += decisive && rm == votes[v].outcome;
    }
    if (status == RGTG_OK) {
        json = summary_json(&s, params->votes_count, method_a, method_b, rm_name, params->tie_tolerance);
        md = markdown(&s, method_a, method_b, rm_name);
        if (!json || !md) status = rgtg_error_set(RGTG_ERR_NOMEM, "human-import: out of memory");
    }
    if (status == RGTG_OK && params->results_path) status = add_cells(&s, method_a, method_b, rm_name, &results);
    if (status == RGTG_OK && params->results_path) status = rgtg_results_write(&results, params->results_path);
    if (status == RGTG_OK && params->out_path) {
        status = rgtg_write_file_atomic(params->out_path, json, strlen(json));
        if (status != RGTG_OK && params->results_path) remove(params->results_path);
    }
    rgtg_results_free(&results);
    json_decref(sheet.root);
    free(votes), free(names[0]), free(names[1]), free(json);
    if (status != RGTG_OK) {
        free(md);
        return status;
    }
    *summary_out = s;
    *markdown_out = md;
    return RGTG_OK;
}
