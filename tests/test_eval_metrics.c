/* tests/test_eval_metrics.c: eval/stats, eval/rouge and eval/table: hand-computed values, the
 * results table rendered as Markdown, CSV and LaTeX (exact text), and parity with the independent
 * Python reference tests/reference/eval_ref.py on edge-case and random inputs (within 1e-9).
 * Usage: test_eval_metrics [path/to/eval_ref.py]   (default tests/reference/eval_ref.py;
 * the interpreter is $RGTG_PYTHON or python3). */
#define _GNU_SOURCE /* mkdtemp */
#include "../eval/rouge.h"
#include "../eval/stats.h"
#include "../eval/table.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static bool near(double got, double expected, double tolerance) {
    if (isnan(expected)) return isnan(got);
    return fabs(got - expected) <= tolerance * fmax(1.0, fabs(expected));
}

/* ---- hand-computed values ---- */

static void check_rouge(const char *candidate, const char *reference, size_t lcs, double f1) {
    rgtg_rouge_t score;
    CHECK_MSG(rgtg_rouge_l(candidate, reference, &score) == RGTG_OK, "%s", rgtg_error_message());
    CHECK_MSG(score.lcs == lcs && near(score.f1, f1, 1e-15), "'%s' vs '%s': lcs %zu f1 %.17g (expected %zu, %.17g)",
              candidate, reference, score.lcs, score.f1, lcs, f1);
}

static void test_rouge_known_values(void) {
    check_rouge("the cat sat on the mat", "the cat on the mat", 5, 10.0 / 11.0);
    check_rouge("Hello, World!", "hello world", 2, 1.0);
    check_rouge("a b c d", "d c b a", 1, 0.25);
    check_rouge("Caf\xc3\xa9 au lait", "caf\xc3\xa9", 1, 0.5); /* "caf au lait" vs "caf": P 1/3, R 1 */
    check_rouge("CAF\xc3\x89", "caf\xc3\xa9", 1, 1.0);       /* rouge-score drops non-ASCII letters */
    check_rouge("", "", 0, 0.0);
    check_rouge("...", "a", 0, 0.0);
    check_rouge("a", "", 0, 0.0);
    check_rouge("x-ray 3.5", "x ray 3 5", 4, 1.0);
    check_rouge("the the the", "the cat the", 2, 2.0 / 3.0);

    rgtg_rouge_t score;
    CHECK_MSG(rgtg_rouge_l("a b c", "b c d e", &score) == RGTG_OK && score.candidate_tokens == 3 &&
              score.reference_tokens == 4 && near(score.precision, 2.0 / 3.0, 1e-15) &&
              near(score.recall, 0.5, 1e-15), "precision %g recall %g", score.precision, score.recall);

    const char *candidates[] = {"a b", "x"}, *references[] = {"a b", "y"};
    double mean = 0;
    CHECK_MSG(rgtg_rouge_l_corpus_f1(candidates, references, 2, &mean) == RGTG_OK && mean == 0.5, "corpus %g", mean);
    CHECK_MSG(rgtg_rouge_l_corpus_f1(candidates, references, 0, &mean) == RGTG_OK && isnan(mean), "empty corpus");
}

static void test_stats_known_values(void) {
    const double values[] = {2, 4, 4, 4, 5, 5, 7, 9};
    rgtg_summary_t s;
    CHECK_MSG(rgtg_stats_summarize(values, 8, &s) == RGTG_OK, "%s", rgtg_error_message());
    CHECK_MSG(s.n == 8 && s.mean == 5.0 && near(s.sd, sqrt(32.0 / 7.0), 1e-15) &&
              near(s.se, sqrt(32.0 / 7.0) / sqrt(8.0), 1e-15), "mean %g sd %g se %g", s.mean, s.sd, s.se);
    CHECK_MSG(rgtg_stats_summarize(NULL, 0, &s) == RGTG_OK && s.n == 0 && isnan(s.mean) && isnan(s.sd) &&
              isnan(s.se), "n = 0");
    CHECK_MSG(rgtg_stats_summarize(values + 6, 1, &s) == RGTG_OK && s.mean == 7.0 && isnan(s.sd) && isnan(s.se),
              "n = 1");
    const double constant[] = {0.1, 0.1, 0.1};
    CHECK_MSG(rgtg_stats_summarize(constant, 3, &s) == RGTG_OK && s.sd == 0.0 && s.se == 0.0, "constant sd %g", s.sd);
    const double with_nan[] = {1.0, NAN, 2.0};
    CHECK_MSG(rgtg_stats_summarize(with_nan, 3, &s) == RGTG_ERR_NUMERIC, "NaN accepted");
    CHECK_MSG(strcmp(rgtg_error_message(), "stats: value 1 of 3 is nan") == 0, "%s", rgtg_error_message());
    rgtg_error_clear();
    const double huge[] = {1e308, 1e308};
    CHECK_MSG(rgtg_stats_summarize(huge, 2, &s) == RGTG_ERR_NUMERIC, "overflowing sum accepted");
    rgtg_error_clear();
}

static void test_win_rate(void) {
    const double a[] = {1.0, 2.0, 3.0, 4.0, 0.5};
    const double b[] = {0.0, 2.0000001, 5.0, 4.0, 0.4999999};
    rgtg_win_rate_t w;
    CHECK_MSG(rgtg_stats_win_rate(a, b, 5, 1e-6, &w) == RGTG_OK, "%s", rgtg_error_message());
    CHECK_MSG(w.n == 5 && w.wins == 1 && w.ties == 3 && w.losses == 1, "w %zu t %zu l %zu", w.wins, w.ties, w.losses);
    CHECK_MSG(w.win_rate == 0.2 && w.tie_rate == 0.6 && w.loss_rate == 0.2, "rates %g %g %g", w.win_rate,
              w.tie_rate, w.loss_rate);
    CHECK_MSG(rgtg_stats_win_rate(a, b, 5, 0.0, &w) == RGTG_OK && w.wins == 2 && w.ties == 1 && w.losses == 2,
              "eps 0: w %zu t %zu l %zu", w.wins, w.ties, w.losses);
    CHECK_MSG(rgtg_stats_win_rate(a, b, 0, 0.0, &w) == RGTG_OK && w.n == 0 && isnan(w.win_rate), "n = 0");
    CHECK_MSG(rgtg_stats_win_rate(a, b, 5, -1.0, &w) == RGTG_ERR_INVALID, "negative eps");
    rgtg_error_clear();
}

/* ---- the results table ---- */

#define GEN(method_, params_, response_, reference_, new_tokens_, seconds_, has_reward_, reward_) \
    {.id = 0, .prompt = "p", .response = response_, .reference = reference_, .method = method_,        \
     .params_json = params_, .new_tokens = new_tokens_, .seconds = seconds_, .has_reward = has_reward_, \
     .reward = reward_}

static void check_text(const char *what, const char *got, const char *expected) {
    CHECK_MSG(got && strcmp(got, expected) == 0, "%s:\n--- got\n%s--- expected\n%s", what, got ? got : "(null)",
              expected);
}

static void test_table(void) {
    const rgtg_generation_t rows[] = {
        GEN("pargs", "{\"k\":10}", "the cat sat", "the cat sat", 10, 0.3, true, 1.0),
        GEN("topk", NULL, "q", "q", 10, 0.005, true, -0.0001),
        GEN("pargs", "{\"k\":10}", "a b", "c d", 20, 0.3, true, 2.0),
        GEN("best_of|n,\"x\"", NULL, "r", NULL, 0, 0.0, false, 0.0),
        GEN("pargs", "{\"k\":10}", "x y z", "x z", 30, 0.3, true, 4.0),
        GEN("best_of|n,\"x\"", NULL, "r", NULL, 0, 0.0, false, 0.0),
    };
    rgtg_table_t table = {0};
    CHECK_MSG(rgtg_table_add_generations(&table, rows, 6) == RGTG_OK, "%s", rgtg_error_message());
    CHECK_MSG(table.count == 3, "%zu table rows", table.count);
    if (table.count != 3) return;
    CHECK_MSG(near(table.rows[0].reward_mean, 7.0 / 3.0, 1e-15) && near(table.rows[0].reward_se, sqrt(7.0) / 3.0, 1e-14)
              && near(table.rows[0].rouge_l_f1, 0.6, 1e-15) && near(table.rows[0].ms_per_token, 15.0, 1e-12),
              "pargs row %g %g %g %g", table.rows[0].reward_mean, table.rows[0].reward_se, table.rows[0].rouge_l_f1,
              table.rows[0].ms_per_token);

    char *text = NULL;
    CHECK_MSG(rgtg_table_render(&table, RGTG_TABLE_MARKDOWN, &text) == RGTG_OK, "%s", rgtg_error_message());
    check_text("markdown", text,
               "| Method         | Reward (mean ± SE) | ROUGE-L F1 | ms/token |   n |\n"
               "| -------------- | -----------------: | ---------: | -------: | --: |\n"
               "| pargs          |      2.333 ± 0.882 |     0.6000 |     15.0 |   3 |\n"
               "| topk           |              0.000 |     1.0000 |    0.500 |   1 |\n"
               "| best_of\\|n,\"x\" |                  – |          – |        – |   2 |\n");
    free(text);
    CHECK_MSG(rgtg_table_render(&table, RGTG_TABLE_CSV, &text) == RGTG_OK, "%s", rgtg_error_message());
    check_text("csv", text,
               "method,reward_mean,reward_se,rouge_l_f1,ms_per_token,n\n"
               "pargs,2.333333333,0.8819171037,0.6,15,3\n"
               "topk,-0.0001,,1,0.5,1\n"
               "\"best_of|n,\"\"x\"\"\",,,,,2\n");
    free(text);
    CHECK_MSG(rgtg_table_render(&table, RGTG_TABLE_LATEX, &text) == RGTG_OK, "%s", rgtg_error_message());
    check_text("latex", text,
               "% rgtg results table; needs \\usepackage{booktabs}\n"
               "\\begin{tabular}{lrrrr}\n\\toprule\n"
               "Method & Reward (mean $\\pm$ SE) & ROUGE-L F1 & ms/token & $n$ \\\\\n\\midrule\n"
               "pargs & $2.333 \\pm 0.882$ & 0.6000 & 15.0 & 3 \\\\\n"
               "topk & $0.000$ & 1.0000 & 0.500 & 1 \\\\\n"
               "best\\_of|n,\"x\" & -- & -- & -- & 2 \\\\\n"
               "\\bottomrule\n\\end{tabular}\n");

    /* Written atomically, byte for byte what render gives. */
    char directory[] = "/tmp/rgtg_test_eval_table_XXXXXX";
    CHECK_MSG(mkdtemp(directory) != NULL, "mkdtemp");
    char path[256];
    snprintf(path, sizeof path, "%s/results.tex", directory);
    rgtg_table_format_t format = RGTG_TABLE_MARKDOWN;
    CHECK_MSG(rgtg_table_format_from_path(path, &format) == RGTG_OK && format == RGTG_TABLE_LATEX, "format");
    CHECK_MSG(rgtg_table_write(&table, path, format) == RGTG_OK, "%s", rgtg_error_message());
    FILE *fp = fopen(path, "rb");
    char written[4096] = {0};
    if (fp) {
        size_t size = fread(written, 1, sizeof written - 1, fp);
        written[size] = '\0';
        fclose(fp);
    }
    check_text("written file", written, text ? text : "");
    free(text);
    unlink(path);
    rmdir(directory);
    CHECK_MSG(rgtg_table_format_from_path("results.txt", &format) == RGTG_ERR_INVALID, "unknown extension");
    CHECK_MSG(strcmp(rgtg_error_message(), "results.txt: table format unknown (use .md, .csv or .tex)") == 0, "%s",
              rgtg_error_message());
    rgtg_error_clear();
    rgtg_table_free(&table);

    /* One method with two parameter sets: labels carry the params. */
    const rgtg_generation_t sweep[] = {
        GEN("pargs", "{\"beta\":1.0}", "a", "a", 1, 0.1, true, 1.0),
        GEN("pargs", "{\"beta\":2.0}", "a", "a", 1, 0.1, true, 1.0),
        GEN("topk", "{\"k\":5}", "a", "a", 1, 0.1, true, 1.0),
    };
    CHECK_MSG(rgtg_table_add_generations(&table, sweep, 3) == RGTG_OK && table.count == 3, "%s", rgtg_error_message());
    if (table.count == 3)
        CHECK_MSG(strcmp(table.rows[0].label, "pargs {\"beta\":1.0}") == 0 &&
                  strcmp(table.rows[1].label, "pargs {\"beta\":2.0}") == 0 && strcmp(table.rows[2].label, "topk") == 0,
                  "labels %s / %s / %s", table.rows[0].label, table.rows[1].label, table.rows[2].label);
    rgtg_table_free(&table);

    /* Rewards on some rows of a method only: refused, not silently averaged. */
    const rgtg_generation_t partial[] = {
        GEN("topk", NULL, "a", "a", 1, 0.1, true, 1.0),
        GEN("topk", NULL, "a", "a", 1, 0.1, false, 0.0),
    };
    CHECK_MSG(rgtg_table_add_generations(&table, partial, 2) == RGTG_ERR_FORMAT, "partial rewards accepted");
    CHECK_MSG(strcmp(rgtg_error_message(), "table: 'topk': 1 of 2 rows have a reward") == 0, "%s", rgtg_error_message());
    rgtg_error_clear();
    rgtg_table_free(&table);
}

/* ---- parity with tests/reference/eval_ref.py ---- */

static uint64_t random_state = 0x9E3779B97F4A7C15ull;

static uint64_t next_random(void) { /* xorshift64*: test data only */
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * 2685821657736338717ull;
}

static double uniform(void) { return (double)(next_random() >> 11) * 0x1.0p-53; }

/* Words from a small vocabulary (so that LCS is non-trivial) in random case, joined by random
 * separators, some UTF-8. */
static char *random_text(size_t words) {
    static const char *vocabulary[] = {"the", "cat", "sat", "on", "mat", "a", "dog", "ran", "42", "x1",
                                       "caf\xc3\xa9", "na\xc3\xafve", "\xe6\x97\xa5\xe6\x9c\xac", "It's"};
    static const char *separators[] = {" ", " ", " ", ", ", ". ", "!\n", "\t", " -- ", "'", "(", ") "};
    size_t capacity = 16 * words + 16, length = 0;
    char *text = malloc(capacity);
    text[0] = '\0';
    for (size_t i = 0; i < words; i++) {
        char word[32];
        snprintf(word, sizeof word, "%s", vocabulary[next_random() % (sizeof vocabulary / sizeof *vocabulary)]);
        if (next_random() % 4 == 0)
            for (char *p = word; *p; p++)
                if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
        const char *separator = separators[next_random() % (sizeof separators / sizeof *separators)];
        length += (size_t)snprintf(text + length, capacity - length, "%s%s", word, separator);
    }
    return text;
}

static void add_rouge_case(json_t *cases, const char *candidate, const char *reference) {
    json_array_append_new(cases, json_pack("{s:s, s:s}", "candidate", candidate, "reference", reference));
}

static void add_stats_case(json_t *cases, const double *values, size_t n) {
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(array, json_real(values[i]));
    json_array_append_new(cases, json_pack("{s:o}", "values", array));
}

static double json_or_nan(json_t *value) { return json_is_number(value) ? json_number_value(value) : NAN; }

static void test_reference_parity(const char *script) {
    json_t *rouge_cases = json_array(), *stats_cases = json_array();
    static const char *fixed[][2] = {
        {"", ""}, {"", "a b"}, {"a b", ""}, {"!!! ,,, ...", "hello"}, {"The quick brown fox", "The quick brown fox"},
        {"alpha beta", "gamma delta"}, {"Hello, world! It's 3:45pm.", "hello world its 3 45pm"},
        {"the the the the", "the cat the hat the"}, {"Caf\xc3\xa9 na\xc3\xafve r\xc3\xa9sum\xc3\xa9",
        "caf\xc3\xa9 NA\xc3\x8fVE resume"}, {"abc123 def", "ABC123def"}, {"line one\nline\ttwo", "line two"},
        {"a a a b b b", "b b b a a a"}, {"x", "x x x x x x x x"},
    };
    size_t fixed_count = sizeof fixed / sizeof fixed[0];
    for (size_t i = 0; i < fixed_count; i++) add_rouge_case(rouge_cases, fixed[i][0], fixed[i][1]);
    char *texts[2 * 42];
    size_t text_count = 0;
    for (size_t i = 0; i < 40; i++) {
        texts[text_count++] = random_text(next_random() % 61);
        texts[text_count++] = random_text(next_random() % 61);
    }
    texts[text_count++] = random_text(400); /* long pairs, both orders of length */
    texts[text_count++] = random_text(300);
    texts[text_count++] = random_text(250);
    texts[text_count++] = random_text(500);
    for (size_t i = 0; i < text_count; i += 2) add_rouge_case(rouge_cases, texts[i], texts[i + 1]);

    static const size_t sizes[] = {0, 1, 2, 3, 10, 1000, 1000, 1000, 5};
    double *stats_values[sizeof sizes / sizeof sizes[0]];
    size_t stats_count = sizeof sizes / sizeof sizes[0];
    for (size_t c = 0; c < stats_count; c++) {
        stats_values[c] = malloc((sizes[c] + 1) * sizeof(double));
        for (size_t i = 0; i < sizes[c]; i++) {
            double u = uniform();
            if (c == 6) stats_values[c][i] = 1e6 + 1e-3 * u;          /* large mean, small spread */
            else if (c == 7) stats_values[c][i] = -5.0 + 10.0 * u;    /* reward-like */
            else if (c == 8) stats_values[c][i] = pow(10.0, 12.0 * u - 6.0); /* mixed magnitudes */
            else stats_values[c][i] = 4.0 * u - 2.0;
        }
        add_stats_case(stats_cases, stats_values[c], sizes[c]);
    }

    char directory[] = "/tmp/rgtg_test_eval_ref_XXXXXX";
    if (!mkdtemp(directory)) {
        CHECK_MSG(false, "mkdtemp failed");
        return;
    }
    char input[256], output[256], command[1024];
    snprintf(input, sizeof input, "%s/cases.json", directory);
    snprintf(output, sizeof output, "%s/reference.json", directory);
    json_t *cases = json_pack("{s:o, s:o}", "rouge", rouge_cases, "stats", stats_cases);
    CHECK_MSG(json_dump_file(cases, input, 0) == 0, "cannot write %s", input);
    json_decref(cases);
    const char *python = getenv("RGTG_PYTHON") ? getenv("RGTG_PYTHON") : "python3";
    snprintf(command, sizeof command, "'%s' '%s' '%s' '%s'", python, script, input, output);
    int rc = system(command);
    CHECK_MSG(rc == 0, "'%s' exited with %d", command, rc);

    json_error_t error;
    json_t *reference = rc == 0 ? json_load_file(output, 0, &error) : NULL;
    CHECK_MSG(reference != NULL, "cannot read %s", output);
    json_t *rouge_expected = json_object_get(reference, "rouge");
    json_t *stats_expected = json_object_get(reference, "stats");
    size_t rouge_count = fixed_count + text_count / 2;
    CHECK_MSG(json_array_size(rouge_expected) == rouge_count && json_array_size(stats_expected) == stats_count,
              "reference has %zu rouge and %zu stats results", json_array_size(rouge_expected),
              json_array_size(stats_expected));
    double max_difference = 0.0;
    const char **candidates = malloc(rouge_count * sizeof *candidates);
    const char **references = malloc(rouge_count * sizeof *references);
    for (size_t i = 0; i < rouge_count && i < json_array_size(rouge_expected); i++) {
        candidates[i] = i < fixed_count ? fixed[i][0] : texts[2 * (i - fixed_count)];
        references[i] = i < fixed_count ? fixed[i][1] : texts[2 * (i - fixed_count) + 1];
        json_t *expected = json_array_get(rouge_expected, i);
        rgtg_rouge_t score;
        CHECK_MSG(rgtg_rouge_l(candidates[i], references[i], &score) == RGTG_OK, "%s", rgtg_error_message());
        double expected_f1 = json_or_nan(json_object_get(expected, "f1"));
        double expected_precision = json_or_nan(json_object_get(expected, "precision"));
        double expected_recall = json_or_nan(json_object_get(expected, "recall"));
        max_difference = fmax(max_difference, fabs(score.f1 - expected_f1));
        CHECK_MSG((json_int_t)score.lcs == json_integer_value(json_object_get(expected, "lcs")) &&
                  near(score.f1, expected_f1, 1e-9) && near(score.precision, expected_precision, 1e-9) &&
                  near(score.recall, expected_recall, 1e-9),
                  "rouge case %zu: C lcs %zu f1 %.17g, Python f1 %.17g\n  candidate: %s\n  reference: %s", i, score.lcs,
                  score.f1, expected_f1, candidates[i], references[i]);
    }
    if (json_array_size(rouge_expected) == rouge_count) {
        double corpus;
        CHECK_MSG(rgtg_rouge_l_corpus_f1(candidates, references, rouge_count, &corpus) == RGTG_OK, "corpus");
        double expected = json_or_nan(json_object_get(reference, "rouge_corpus_f1"));
        CHECK_MSG(near(corpus, expected, 1e-9), "corpus f1 %.17g vs %.17g", corpus, expected);
    }
    for (size_t c = 0; c < stats_count && c < json_array_size(stats_expected); c++) {
        json_t *expected = json_array_get(stats_expected, c);
        rgtg_summary_t s;
        CHECK_MSG(rgtg_stats_summarize(stats_values[c], sizes[c], &s) == RGTG_OK, "%s", rgtg_error_message());
        double mean = json_or_nan(json_object_get(expected, "mean"));
        double sd = json_or_nan(json_object_get(expected, "sd"));
        double se = json_or_nan(json_object_get(expected, "se"));
        CHECK_MSG(near(s.mean, mean, 1e-9) && near(s.sd, sd, 1e-9) && near(s.se, se, 1e-9),
                  "stats case %zu (n %zu): C %.17g %.17g %.17g, Python %.17g %.17g %.17g", c, sizes[c], s.mean, s.sd,
                  s.se, mean, sd, se);
        if (!isnan(sd)) max_difference = fmax(max_difference, fabs(s.sd - sd) / fmax(1.0, fabs(sd)));
    }
    printf("test_eval_metrics: %zu ROUGE-L pairs and %zu arrays vs Python, max difference %.3g\n", rouge_count,
           stats_count, max_difference);
    free(candidates);
    free(references);
    json_decref(reference);
    for (size_t i = 0; i < text_count; i++) free(texts[i]);
    for (size_t c = 0; c < stats_count; c++) free(stats_values[c]);
    unlink(input);
    unlink(output);
    rmdir(directory);
}

int main(int argc, char **argv) {
    const char *script = argc > 1 ? argv[1] : "tests/reference/eval_ref.py";
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "test_eval_metrics: cannot read %s (pass the path of eval_ref.py)\n", script);
        return 2;
    }
    test_rouge_known_values();
    test_stats_known_values();
    test_win_rate();
    test_table();
    test_reference_parity(script);
    return check_summary("test_eval_metrics");
}
