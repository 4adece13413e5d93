/* tests/test_report.c: eval/results (results.json read, validate, write, read back) and eval/layout
 * (the paper's table layouts: exact Markdown of tables 1, 2, 12 and 13, every layout in every format
 * with a consistent shape, ordering, missing cells, filters and the errors that name cells). */
#include "../eval/layout.h"
#include "../eval/results.h"
#include "../core/fsutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static const char *fixture =
    "{\"version\":1,\"cells\":[\n"
    "{\"metric\":\"reward\",\"value\":1.2345,\"n\":100,\"se\":0.0512,\"labels\":{\"method\":\"top-k\",\"llm_frozen\":true,\"single_y\":true}},\n"
    "{\"metric\":\"reward\",\"value\":2.5,\"n\":100,\"se\":0.05,\"labels\":{\"method\":\"ARGS\",\"llm_frozen\":true,\"single_y\":true}},\n"
    "{\"metric\":\"reward\",\"value\":2.75,\"n\":100,\"se\":0.049,\"labels\":{\"method\":\"PARGS\",\"llm_frozen\":true,\"single_y\":true}},\n"
    "{\"metric\":\"reward\",\"value\":2.1,\"n\":100,\"se\":0.06,\"labels\":{\"method\":\"DPO\",\"llm_frozen\":false,\"single_y\":true}},\n"
    "{\"metric\":\"reward\",\"value\":-0.0001,\"n\":100,\"labels\":{\"method\":\"Best|of-N\",\"llm_frozen\":true,\"single_y\":false}},\n"
    "{\"metric\":\"win\",\"value\":0.45,\"n\":150,\"labels\":{\"method\":\"PARGS\",\"baseline\":\"ARGS\"}},\n"
    "{\"metric\":\"tie\",\"value\":0.2,\"n\":150,\"labels\":{\"method\":\"PARGS\",\"baseline\":\"ARGS\"}},\n"
    "{\"metric\":\"loss\",\"value\":0.35,\"n\":150,\"labels\":{\"method\":\"PARGS\",\"baseline\":\"ARGS\"}},\n"
    "{\"metric\":\"win\",\"value\":0.6,\"n\":150,\"labels\":{\"method\":\"PARGS\",\"baseline\":\"top-k\"}},\n"
    "{\"metric\":\"tie\",\"value\":0.1,\"n\":150,\"labels\":{\"method\":\"PARGS\",\"baseline\":\"top-k\"}},\n"
    "{\"metric\":\"reward\",\"value\":1.5,\"se\":0.1,\"n\":20,\"labels\":{\"method\":\"PARGS\",\"beta\":2,\"k\":5,\"table\":\"t13\"}},\n"
    "{\"metric\":\"reward\",\"value\":1.25,\"se\":0.1,\"n\":20,\"labels\":{\"method\":\"PARGS\",\"beta\":1,\"k\":10,\"table\":\"t13\"}},\n"
    "{\"metric\":\"reward\",\"value\":1.75,\"se\":0.125,\"n\":20,\"labels\":{\"method\":\"PARGS\",\"beta\":2,\"k\":10,\"table\":\"t13\"}},\n"
    "{\"metric\":\"reward\",\"value\":1.0,\"se\":0.1,\"n\":20,\"labels\":{\"method\":\"PARGS\",\"beta\":1,\"k\":5,\"table\":\"t13\"}},\n"
    "{\"metric\":\"reward\",\"value\":1.1,\"n\":20,\"labels\":{\"method\":\"PARGS\",\"beta\":1.5,\"k\":5,\"table\":\"t13\"}},\n"
    "{\"metric\":\"agreement\",\"value\":0.62,\"labels\":{\"rm\":\"partial\",\"prefix_fraction\":0.25}},\n"
    "{\"metric\":\"agreement\",\"value\":0.71,\"labels\":{\"rm\":\"partial\",\"prefix_fraction\":0.5}},\n"
    "{\"metric\":\"agreement\",\"value\":0.55,\"labels\":{\"rm\":\"full\",\"prefix_fraction\":0.25}},\n"
    "{\"metric\":\"agreement\",\"value\":0.9,\"labels\":{\"rm\":\"full\",\"prefix_fraction\":1}},\n"
    "{\"metric\":\"agreement\",\"value\":0.88,\"labels\":{\"rm\":\"partial\",\"prefix_fraction\":1}},\n"
    "{\"metric\":\"bleu\",\"value\":12.345,\"labels\":{\"method\":\"PARGS\",\"dataset\":\"hh\"}},\n"
    "{\"metric\":\"bleu\",\"value\":10.5,\"labels\":{\"method\":\"PARGS\",\"dataset\":\"tldr\"}},\n"
    "{\"metric\":\"bleu\",\"value\":9,\"labels\":{\"method\":\"ARGS\",\"dataset\":\"tldr\"}},\n"
    "{\"metric\":\"reward_diff\",\"value\":0.25,\"se\":0.07,\"n\":100,\"p_value\":0.0004,\"labels\":{\"method\":\"PARGS\",\"baseline\":\"ARGS\"}},\n"
    "{\"metric\":\"reward_diff\",\"value\":0.5,\"se\":0.1,\"n\":100,\"p_value\":0.0312,\"labels\":{\"method\":\"PARGS\",\"baseline\":\"top-k\"}},\n"
    "{\"metric\":\"diversity_rouge_l\",\"value\":0.3125,\"se\":0.01,\"n\":50,\"labels\":{\"method\":\"PARGS\"}},\n"
    "{\"metric\":\"distinct_2\",\"value\":0.8,\"n\":50,\"labels\":{\"method\":\"PARGS\"}},\n"
    "{\"metric\":\"diversity_rouge_l\",\"value\":0.4,\"se\":0.02,\"n\":50,\"labels\":{\"beta\":1,\"k\":5}},\n"
    "{\"metric\":\"reward\",\"value\":3.0,\"se\":0.2,\"labels\":{\"ratio\":2}},\n"
    "{\"metric\":\"reward\",\"value\":2.0,\"se\":0.2,\"labels\":{\"ratio\":1.5}},\n"
    "{\"metric\":\"accuracy\",\"value\":0.75,\"labels\":{\"ratio\":1.5}}\n"
    "]}\n";

static void check_text(const char *what, const char *got, const char *expected) {
    CHECK_MSG(got && strcmp(got, expected) == 0, "%s:\n--- got\n%s--- expected\n%s", what, got ? got : "(null)",
              expected);
}

static char *render(const rgtg_results_t *results, const char *layout, rgtg_table_format_t format,
                    const char *const *where, size_t where_count) {
    rgtg_layout_params_t params = rgtg_layout_default_params();
    params.layout = layout;
    params.where = where;
    params.where_count = where_count;
    params.results_name = "fixture.json";
    char *text = NULL;
    if (rgtg_layout_render(results, &params, format, &text) != RGTG_OK) {
        fprintf(stderr, "%s: %s\n", layout, rgtg_error_message());
        rgtg_error_clear();
        failures++;
    }
    return text;
}

static void test_read_and_write(void) {
    rgtg_results_t results = {0};
    CHECK_OK(rgtg_results_parse(fixture, "fixture.json", &results));
    CHECK_MSG(results.count == 31, "%zu cells", results.count);
    if (results.count != 31) return;
    const rgtg_result_cell_t *first = &results.cells[0], *grid = &results.cells[14];
    CHECK(strcmp(first->metric, "reward") == 0 && first->value == 1.2345 && first->n == 100 && first->se == 0.0512);
    CHECK(isnan(first->p_value) && first->label_count == 3);
    CHECK(rgtg_result_label(first, "llm_frozen")->kind == RGTG_LABEL_BOOL && rgtg_result_label(first, "llm_frozen")->flag);
    CHECK(isnan(grid->se) && rgtg_result_label(grid, "beta")->number == 1.5 && !rgtg_result_label(grid, "dataset"));
    CHECK(results.cells[23].p_value == 0.0004);
    char text[64];
    rgtg_label_format(rgtg_result_label(grid, "beta"), text, sizeof text);
    CHECK_MSG(strcmp(text, "1.5") == 0, "%s", text);
    rgtg_label_format(rgtg_result_label(&results.cells[11], "k"), text, sizeof text);
    CHECK_MSG(strcmp(text, "10") == 0, "%s", text);
    rgtg_format_shortest(text, sizeof text, 0.1);
    CHECK_MSG(strcmp(text, "0.1") == 0, "%s", text);
    rgtg_format_shortest(text, sizeof text, 1e21);
    CHECK_MSG(strcmp(text, "1e+21") == 0, "%s", text);

    const char *where[] = {"table=t13", "beta=1.5"};
    CHECK(rgtg_result_cell_matches(grid, where, 2) && !rgtg_result_cell_matches(&results.cells[13], where, 2));

    /* write, read back: the same cells; the written text is exact for one cell */
    char dir[] = "/tmp/rgtg_test_report_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/results.json", dir);
    CHECK_OK(rgtg_results_write(&results, path));
    rgtg_results_t again = {0};
    CHECK_OK(rgtg_results_read(path, &again));
    CHECK_MSG(again.count == results.count, "%zu cells read back", again.count);
    for (size_t i = 0; i < again.count && i < results.count; i++) {
        const rgtg_result_cell_t *a = &results.cells[i], *b = &again.cells[i];
        bool same = strcmp(a->metric, b->metric) == 0 && a->value == b->value && a->n == b->n &&
                    (a->se == b->se || (isnan(a->se) && isnan(b->se))) &&
                    (a->p_value == b->p_value || (isnan(a->p_value) && isnan(b->p_value))) &&
                    a->label_count == b->label_count;
        for (size_t l = 0; same && l < a->label_count; l++) {
            char x[64], y[64];
            rgtg_label_format(&a->labels[l], x, sizeof x);
            rgtg_label_format(&b->labels[l], y, sizeof y);
            same = strcmp(a->labels[l].key, b->labels[l].key) == 0 && a->labels[l].kind == b->labels[l].kind &&
                   strcmp(x, y) == 0;
        }
        CHECK_MSG(same, "cell %zu differs after a round trip", i);
    }
    rgtg_results_t one = {0};
    rgtg_label_t labels[] = {{.key = "method", .kind = RGTG_LABEL_STRING, .text = "pa\"rgs"},
                             {.key = "beta", .kind = RGTG_LABEL_NUMBER, .number = 1.5},
                             {.key = "frozen", .kind = RGTG_LABEL_BOOL, .flag = false}};
    rgtg_result_cell_t cell = {.metric = "reward", .value = 2, .n = 7, .se = 0.1, .p_value = NAN, .labels = labels,
                               .label_count = 3};
    CHECK_OK(rgtg_results_add(&one, &cell));
    CHECK_OK(rgtg_results_write(&one, path));
    char *written = NULL;
    size_t size;
    CHECK_OK(rgtg_read_file(path, &written, &size));
    check_text("written results", written,
               "{\"version\":1,\"cells\":[\n{\"metric\":\"reward\",\"value\":2.0,\"n\":7,\"se\":0.1,\"labels\":"
               "{\"method\":\"pa\\\"rgs\",\"beta\":1.5,\"frozen\":false}}\n]}\n");
    free(written);
    cell.se = -1;
    CHECK(rgtg_results_add(&one, &cell) == RGTG_ERR_FORMAT && one.count == 1);
    CHECK_MSG(strstr(rgtg_error_message(), "cells[1]: 'se' must be a finite number >= 0") != NULL, "%s", rgtg_error_message());
    rgtg_error_clear();
    rgtg_results_free(&one);
    rgtg_results_free(&again);
    rgtg_results_free(&results);
    check_remove_dir(dir);
}

static void expect_parse_error(const char *text, const char *message) {
    rgtg_results_t results = {0};
    rgtg_status_t status = rgtg_results_parse(text, "r.json", &results);
    CHECK_MSG(status == RGTG_ERR_FORMAT && strcmp(rgtg_error_message(), message) == 0, "%s\n   got: %s\n  want: %s", text,
              rgtg_error_message(), message);
    CHECK(results.count == 0 && results.cells == NULL);
    rgtg_error_clear();
}

static void test_bad_results(void) {
    expect_parse_error("{\"version\":1,\"cells\":[\n{\"metric\":\"x\",\"value\":1,}]}",
                       "r.json:2:25: string or '}' expected near '}'");
    expect_parse_error("{\"cells\":[]}", "r.json: 'version' must be 1");
    expect_parse_error("{\"version\":1,\"cells\":{}}", "r.json: 'cells' must be an array");
    expect_parse_error("{\"version\":1,\"cells\":[{\"metric\":\"x\",\"value\":1},{\"metric\":\"x\",\"vlaue\":1}]}",
                       "r.json: cells[1]: unknown key 'vlaue'");
    expect_parse_error("{\"version\":1,\"cells\":[{\"metric\":\"x\"}]}", "r.json: cells[0]: 'value' must be a number (missing)");
    expect_parse_error("{\"version\":1,\"cells\":[{\"metric\":\"\",\"value\":1}]}",
                       "r.json: cells[0]: 'metric' must be a non-empty string");
    expect_parse_error("{\"version\":1,\"cells\":[{\"metric\":\"x\",\"value\":\"1\"}]}",
                       "r.json: cells[0]: 'value' must be a number");
    expect_parse_error("{\"version\":1,\"cells\":[{\"metric\":\"x\",\"value\":1,\"n\":-2}]}",
                       "r.json: cells[0]: 'n' must be an integer >= 0");
    expect_parse_error("{\"version\":1,\"cells\":[{\"metric\":\"x\",\"value\":1,\"p_value\":1.5}]}",
                       "r.json: cells[0]: 'p_value' must be a number in [0, 1]");
    expect_parse_error("{\"version\":1,\"cells\":[{\"metric\":\"x\",\"value\":1,\"se\":\"big\"}]}",
                       "r.json: cells[0]: 'se' must be a number, not a string");
    expect_parse_error("{\"version\":1,\"cells\":[{\"metric\":\"x\",\"value\":1,\"labels\":{\"k\":[1]}}]}",
                       "r.json: cells[0]: label 'k' must be a string, number or boolean, not an array");
    expect_parse_error("{\"version\":1,\"cells\":[{\"metric\":\"x\",\"value\":1,\"labels\":{\"k\":1,\"k\":2}}]}",
                       "r.json:1:65: duplicate object key near '\"k\"'");
}

static void test_layouts_exact(void) {
    rgtg_results_t results = {0};
    CHECK_OK(rgtg_results_parse(fixture, "fixture.json", &results));
    const char *no_grid[] = {"single_y=true"};
    char *text = render(&results, "table1", RGTG_TABLE_MARKDOWN, no_grid, 1);
    check_text("table1", text,
               "| Method | LLM frozen? | Single y? | Reward (mean ± SE) |\n"
               "| ------ | ----------- | --------- | -----------------: |\n"
               "| top-k  | yes         | yes       |      1.234 ± 0.051 |\n"
               "| ARGS   | yes         | yes       |      2.500 ± 0.050 |\n"
               "| PARGS  | yes         | yes       |      2.750 ± 0.049 |\n"
               "| DPO    | no          | yes       |      2.100 ± 0.060 |\n");
    free(text);
    const char *single_y_false[] = {"single_y=false"};
    text = render(&results, "table3", RGTG_TABLE_MARKDOWN, single_y_false, 1);
    check_text("table3 (a label with a pipe; -0.0001 shows as 0.000)", text,
               "| Method     | LLM frozen? | Single y? | Reward (mean ± SE) |\n"
               "| ---------- | ----------- | --------- | -----------------: |\n"
               "| Best\\|of-N | yes         | no        |              0.000 |\n");
    free(text);
    text = render(&results, "table2", RGTG_TABLE_MARKDOWN, NULL, 0);
    check_text("table2 (a missing loss cell)", text,
               "| Method | vs.   | Win (%) | Tie (%) | Loss (%) |   n |\n"
               "| ------ | ----- | ------: | ------: | -------: | --: |\n"
               "| PARGS  | ARGS  |    45.0 |    20.0 |     35.0 | 150 |\n"
               "| PARGS  | top-k |    60.0 |    10.0 |        – | 150 |\n");
    free(text);
    const char *t13[] = {"table=t13"};
    text = render(&results, "table13", RGTG_TABLE_MARKDOWN, t13, 1);
    check_text("table13 (sorted numerically, a missing cell, an SE-less cell)", text,
               "|   β |         k = 5 |        k = 10 |\n"
               "| --: | ------------: | ------------: |\n"
               "|   1 | 1.000 ± 0.100 | 1.250 ± 0.100 |\n"
               "| 1.5 |         1.100 |             – |\n"
               "|   2 | 1.500 ± 0.100 | 1.750 ± 0.125 |\n");
    free(text);
    text = render(&results, "table13", RGTG_TABLE_LATEX, t13, 1);
    check_text("table13 LaTeX", text,
               "% rgtg results table; needs \\usepackage{booktabs}\n"
               "\\begin{tabular}{rrr}\n\\toprule\n"
               "$\\beta$ & k = 5 & k = 10 \\\\\n\\midrule\n"
               "1 & $1.000 \\pm 0.100$ & $1.250 \\pm 0.100$ \\\\\n"
               "1.5 & $1.100$ & -- \\\\\n"
               "2 & $1.500 \\pm 0.100$ & $1.750 \\pm 0.125$ \\\\\n"
               "\\bottomrule\n\\end{tabular}\n");
    free(text);
    text = render(&results, "table13", RGTG_TABLE_CSV, t13, 1);
    check_text("table13 CSV", text,
               "beta,reward_mean[k=5],reward_se[k=5],reward_n[k=5],reward_mean[k=10],reward_se[k=10],reward_n[k=10]\n"
               "1,1,0.1,20,1.25,0.1,20\n1.5,1.1,,20,,,\n2,1.5,0.1,20,1.75,0.125,20\n");
    free(text);
    text = render(&results, "table12", RGTG_TABLE_MARKDOWN, NULL, 0);
    check_text("table12", text,
               "| Reward model |  25% |  50% | 100% |\n"
               "| ------------ | ---: | ---: | ---: |\n"
               "| partial      | 62.0 | 71.0 | 88.0 |\n"
               "| full         | 55.0 |    – | 90.0 |\n");
    free(text);
    text = render(&results, "table4", RGTG_TABLE_MARKDOWN, NULL, 0);
    check_text("table4 (two datasets name their groups)", text,
               "| Method | hh BLEU | tldr BLEU |\n"
               "| ------ | ------: | --------: |\n"
               "| PARGS  |   12.35 |     10.50 |\n"
               "| ARGS   |       – |      9.00 |\n");
    free(text);
    text = render(&results, "table9", RGTG_TABLE_MARKDOWN, NULL, 0);
    check_text("table9", text,
               "| Method | Baseline | p-value | Reward difference (mean ± SE) |\n"
               "| ------ | -------- | ------: | ----------------------------: |\n"
               "| PARGS  | ARGS     | 4.0e-04 |                 0.250 ± 0.070 |\n"
               "| PARGS  | top-k    |   0.031 |                 0.500 ± 0.100 |\n");
    free(text);
    text = render(&results, "table15", RGTG_TABLE_MARKDOWN, NULL, 0);
    check_text("table15 (an optional metric present)", text,
               "| Expansion ratio | Reward (mean ± SE) | Prefix accuracy (%) |\n"
               "| --------------: | -----------------: | ------------------: |\n"
               "|             1.5 |      2.000 ± 0.200 |                75.0 |\n"
               "|               2 |      3.000 ± 0.200 |                   – |\n");
    free(text);
    rgtg_results_free(&results);
}

/* Every layout in every format: one line per row plus the header (and the rule lines), the same
 * number of columns on every line. */
static size_t count_char(const char *line, char c) {
    size_t n = 0;
    char previous = '\0';
    for (; *line && *line != '\n'; previous = *line++) n += *line == c && (previous != '\\' || c == ',');
    return n;
}

/* Figure 3's table: ms/token, reward and the optional call counts, which show only when some cell has them. */
static void test_figure3(void) {
    const char *text =
        "{\"version\":1,\"cells\":[\n"
        "{\"metric\":\"reward\",\"value\":1.5,\"n\":8,\"se\":0.25,\"labels\":{\"method\":\"PARGS\"}},\n"
        "{\"metric\":\"ms_per_token\",\"value\":2.125,\"n\":96,\"labels\":{\"method\":\"PARGS\"}},\n"
        "{\"metric\":\"rm_calls_per_token\",\"value\":1.0833,\"n\":96,\"labels\":{\"method\":\"PARGS\"}},\n"
        "{\"metric\":\"reward\",\"value\":1,\"n\":8,\"se\":0.5,\"labels\":{\"method\":\"top-k\"}},\n"
        "{\"metric\":\"ms_per_token\",\"value\":0.5,\"n\":96,\"labels\":{\"method\":\"top-k\"}}\n"
        "]}\n";
    rgtg_results_t results = {0};
    CHECK_OK(rgtg_results_parse(text, "fixture.json", &results));
    char *md = render(&results, "figure3", RGTG_TABLE_MARKDOWN, NULL, 0);
    check_text("figure3", md,
               "| Method | ms/token | Reward (mean ± SE) | RM calls/token |\n"
               "| ------ | -------: | -----------------: | -------------: |\n"
               "| PARGS  |    2.125 |      1.500 ± 0.250 |           1.08 |\n"
               "| top-k  |    0.500 |      1.000 ± 0.500 |              – |\n");
    free(md);
    rgtg_results_free(&results);
}

static void test_every_layout_shape(void) {
    static const char *layouts[] = {"table1", "table2", "table3", "table4", "table5", "table9", "table10",
                                    "table12", "table13", "table14", "table15"};
    rgtg_results_t results = {0};
    CHECK_OK(rgtg_results_parse(fixture, "fixture.json", &results));
    const char *where_for_reward[] = {"table=t13"};
    for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++) {
        bool grid = strcmp(layouts[l], "table13") == 0;
        bool table1 = strcmp(layouts[l], "table1") == 0 || strcmp(layouts[l], "table3") == 0;
        const char *single[] = {"single_y=true"};
        for (int f = 0; f < 3; f++) {
            char *text = render(&results, layouts[l], (rgtg_table_format_t)f, grid ? where_for_reward : table1 ? single : NULL,
                                grid || table1 ? 1 : 0);
            if (!text) continue;
            size_t lines = 0, columns = 0;
            bool consistent = true;
            for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
                lines++;
                if (f == RGTG_TABLE_LATEX && (line[0] == '%' || line[0] == '\\')) continue;
                size_t here = count_char(line, f == RGTG_TABLE_MARKDOWN ? '|' : f == RGTG_TABLE_CSV ? ',' : '&');
                if (columns == 0) columns = here;
                consistent = consistent && here == columns && columns > 0;
            }
            CHECK_MSG(consistent, "%s format %d: ragged lines:\n%s", layouts[l], f, text);
            CHECK_MSG(lines >= (f == RGTG_TABLE_CSV ? 2u : 3u), "%s format %d: %zu lines", layouts[l], f, lines);
            if (f == RGTG_TABLE_LATEX)
                CHECK_MSG(strstr(text, "\\begin{tabular}{") && strstr(text, "\\toprule\n") && strstr(text, "\\midrule\n") &&
                          strstr(text, "\\bottomrule\n\\end{tabular}\n"), "%s LaTeX:\n%s", layouts[l], text);
            free(text);
        }
    }
    rgtg_results_free(&results);
}

static void expect_render_error(const rgtg_results_t *results, const char *layout, const char *const *where, size_t count,
                                const char *message) {
    rgtg_layout_params_t params = rgtg_layout_default_params();
    params.layout = layout;
    params.where = where;
    params.where_count = count;
    params.results_name = "fixture.json";
    char *text = (char *)"untouched";
    rgtg_status_t status = rgtg_layout_render(results, &params, RGTG_TABLE_MARKDOWN, &text);
    CHECK_MSG(status != RGTG_OK && text == NULL && strcmp(rgtg_error_message(), message) == 0, "%s\n   got: %s\n  want: %s",
              layout, rgtg_error_message(), message);
    rgtg_error_clear();
}

static void test_layout_errors(void) {
    rgtg_results_t results = {0};
    CHECK_OK(rgtg_results_parse(fixture, "fixture.json", &results));
    expect_render_error(&results, "table1", NULL, 0,
                        "fixture.json: cells[10] repeats cells[2] (metric 'reward', method=PARGS); pick one with --where");
    expect_render_error(&results, "table7", NULL, 0,
                        "layout 'table7' unknown (one of table1, table1-demo, table2, table3, table4, table5, table9, table10, table12, "
                        "table13, table14, table15, figure3)");
    const char *bad[] = {"=x"};
    expect_render_error(&results, "table2", bad, 1, "--where '=x': expected KEY=VALUE");
    const char *none[] = {"method=nobody"};
    expect_render_error(&results, "table13", none, 1,
                        "fixture.json: no cell for layout table13 (it reads metric 'reward' with labels beta, k)");
    rgtg_results_t disagree = {0};
    CHECK_OK(rgtg_results_parse("{\"version\":1,\"cells\":[{\"metric\":\"reward\",\"value\":1,\"labels\":{\"method\":\"a\","
                                "\"llm_frozen\":true,\"dataset\":\"x\"}},{\"metric\":\"reward\",\"value\":1,\"labels\":"
                                "{\"method\":\"a\",\"llm_frozen\":false,\"dataset\":\"y\"}}]}", "d.json", &disagree));
    rgtg_layout_params_t params = rgtg_layout_default_params();
    params.layout = "table1";
    params.results_name = "d.json";
    char *text = NULL;
    CHECK(rgtg_layout_render(&disagree, &params, RGTG_TABLE_MARKDOWN, &text) == RGTG_ERR_INVALID && !text);
    CHECK_MSG(strcmp(rgtg_error_message(), "d.json: cells[0] and cells[1] disagree on 'llm_frozen' (yes, no)") == 0,
              "%s", rgtg_error_message());
    rgtg_error_clear();
    rgtg_results_free(&disagree);
    rgtg_results_free(&results);
}

int main(void) {
    test_read_and_write();
    test_bad_results();
    test_layouts_exact();
    test_every_layout_shape();
    test_figure3();
    test_layout_errors();
    printf("test_report: %d failure(s)\n", failures);
    return failures ? 1 : 0;
}
