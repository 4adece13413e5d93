/* tests/test_wilcoxon.c: eval/wilcoxon against scipy.stats.wilcoxon (scipy 1.10, default arguments) on
 * 24 inputs times three alternatives: ties, zeros, n = 1..3, n < 10, the exact/approximate boundary at
 * n = 50, n > 50, x and y given separately; p-values within 1e-9 (relative) where exact and 1e-7 where
 * approximate, statistics within 1e-12; the exact/approximate choice matches the one scipy made; the
 * all-zero input is refused as scipy refuses it; scipy's documented example values; bad arguments.
 * Usage: test_wilcoxon PYTHON tests/reference/wilcoxon_ref.py */
#include "../eval/wilcoxon.h"

#include <math.h>
#include <string.h>

#include "../core/rng.h"
#include "check.h"
#include "reference_run.h"

#define MAX_VALUES 1200

typedef struct {
    const char *name;
    size_t n;
    double x[MAX_VALUES], y[MAX_VALUES];
    bool has_y;
} case_t;

static case_t cases[32];
static size_t case_count;

static case_t *new_case(const char *name, size_t n, bool has_y) {
    case_t *c = &cases[case_count++];
    memset(c, 0, sizeof *c);
    c->name = name;
    c->n = n;
    c->has_y = has_y;
    return c;
}

static void add_values(const char *name, const double *values, size_t n) {
    case_t *c = new_case(name, n, false);
    memcpy(c->x, values, n * sizeof *values);
}

/* Differences drawn as round(scale * N(shift, 1)) / scale: a small scale makes ties and zeros. */
static void add_random(const char *name, size_t n, double shift, double scale, uint64_t seed) {
    case_t *c = new_case(name, n, false);
    rgtg_rng_t rng;
    rgtg_rng_seed(&rng, seed, 77);
    for (size_t i = 0; i < n; i++) {
        double v = rgtg_rng_normal(&rng) + shift;
        c->x[i] = scale > 0 ? round(v * scale) / scale : v;
    }
}

static void build_cases(void) {
    static const double scipy_doc[] = {6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
    add_values("scipy docs n=15", scipy_doc, 15);
    add_values("n=1 positive", (const double[]){2.5}, 1);
    add_values("n=1 negative", (const double[]){-0.3}, 1);
    add_values("n=2", (const double[]){1.0, -3.0}, 2);
    add_values("n=3 all positive", (const double[]){0.5, 1.5, 2.5}, 3);
    add_values("n=3 with a zero", (const double[]){0.0, 1.5, -2.5}, 3);
    add_values("n=5 tied magnitudes", (const double[]){1, -1, 1, 2, -2}, 5); /* exact with half ranks */
    add_values("n=7 all negative", (const double[]){-1, -2, -3, -4, -5, -6, -7}, 7);
    add_values("n=8 centre", (const double[]){1, -2, 3, -4, -5, 6, -7, 8}, 8); /* R+ = 18 = floor(72/4) */
    add_values("n=8 with zeros", (const double[]){0, 0, 1.5, -0.5, 2, 3, -1, 4}, 8);
    add_values("n=9 ties and a zero", (const double[]){1, 1, 1, -1, 2, 2, 0, 3, -3}, 9);
    add_values("n=12 one magnitude", (const double[]){1, -1, 1, 1, -1, 1, 1, 1, -1, 1, 1, 1}, 12);
    add_random("n=10 shifted", 10, 0.8, 0, 11);
    add_random("n=20 continuous", 20, 0.3, 0, 12);
    add_random("n=30 with ties", 30, 0.2, 2, 13);
    add_random("n=50 no zeros (exact boundary)", 50, 0.25, 0, 14);
    add_random("n=51 (approximate boundary)", 51, 0.25, 0, 15);
    add_random("n=60 heavy ties", 60, 0.1, 1, 16);
    add_random("n=200", 200, -0.15, 0, 17);
    add_random("n=1000 integers with zeros", 1000, 0.05, 0.5, 18);
    {
        /* 52 values with 2 zeros: 50 non-zero differences, approximate because of the zeros */
        add_random("n=52 with 2 zeros", 52, 0.3, 0, 19);
        cases[case_count - 1].x[7] = 0.0;
        cases[case_count - 1].x[31] = 0.0;
    }
    {
        case_t *c = new_case("rewards as x and y, n=40", 40, true);
        rgtg_rng_t rng;
        rgtg_rng_seed(&rng, 20, 77);
        for (size_t i = 0; i < c->n; i++) {
            c->x[i] = 3.0 + 0.7 * rgtg_rng_normal(&rng);
            c->y[i] = i % 9 == 0 ? c->x[i] : c->x[i] - 0.2 + 0.5 * rgtg_rng_normal(&rng);
        }
    }
    {
        case_t *c = new_case("x and y, n=9 no zeros", 9, true);
        for (size_t i = 0; i < c->n; i++) {
            c->x[i] = 0.1 * (double)(i * i % 7) + 0.05 * (double)i;
            c->y[i] = 0.3 + 0.01 * (double)i;
        }
    }
    add_values("outlier n=30", (const double[]){0.1, -0.2, 0.3, 0.15, -0.05, 0.25, 0.2, -0.1, 0.35, 0.4,
                                                0.12, -0.22, 0.31, 0.16, -0.06, 0.26, 0.21, -0.11, 0.36, 0.41,
                                                0.13, -0.23, 0.32, 0.17, -0.07, 0.27, 0.22, -0.12, 0.37, 1e6},
               30);
}

static json_t *case_json(const case_t *c, rgtg_alternative_t alternative) {
    return json_pack("{s:o, s:o, s:s}", "x", reference_double_array(c->x, c->n), "y",
                     c->has_y ? reference_double_array(c->y, c->n) : json_null(), "alternative",
                     rgtg_alternative_name(alternative));
}

static const rgtg_alternative_t alternatives[] = {RGTG_ALTERNATIVE_TWO_SIDED, RGTG_ALTERNATIVE_GREATER,
                                                  RGTG_ALTERNATIVE_LESS};

static void test_against_scipy(const char *python, const char *script) {
    build_cases();
    json_t *inputs = json_array();
    for (size_t c = 0; c < case_count; c++)
        for (size_t a = 0; a < 3; a++) json_array_append_new(inputs, case_json(&cases[c], alternatives[a]));
    /* scipy refuses all-zero differences; empty input gives NaN */
    static const double zeros[] = {0, 0, 0, 0};
    case_t all_zero = {.name = "all zero", .n = 4};
    memcpy(all_zero.x, zeros, sizeof zeros);
    json_array_append_new(inputs, case_json(&all_zero, RGTG_ALTERNATIVE_TWO_SIDED));
    case_t empty = {.name = "empty", .n = 0};
    json_array_append_new(inputs, case_json(&empty, RGTG_ALTERNATIVE_TWO_SIDED));

    json_t *output = reference_run(python, script, json_pack("{s:o}", "cases", inputs));
    json_t *results = json_object_get(output, "results");
    CHECK_MSG(json_array_size(results) == 3 * case_count + 2, "scipy returned %zu results", json_array_size(results));
    if (json_array_size(results) != 3 * case_count + 2) {
        json_decref(output);
        return;
    }
    size_t exact_cases = 0, approx_cases = 0;
    double worst_exact = 0.0, worst_approx = 0.0;
    for (size_t c = 0; c < case_count; c++)
        for (size_t a = 0; a < 3; a++) {
            const case_t *k = &cases[c];
            json_t *expected = json_array_get(results, 3 * c + a);
            rgtg_wilcoxon_t got;
            rgtg_status_t status = rgtg_wilcoxon(k->x, k->has_y ? k->y : NULL, k->n, alternatives[a], &got);
            CHECK_MSG(status == RGTG_OK, "%s: %s", k->name, rgtg_error_message());
            CHECK_MSG(json_is_null(json_object_get(expected, "error")), "%s: scipy raised %s", k->name,
                      json_string_value(json_object_get(expected, "error")));
            double statistic = reference_number(json_object_get(expected, "statistic"));
            double pvalue = reference_number(json_object_get(expected, "pvalue"));
            double chosen = reference_number(json_object_get(expected, got.exact ? "pvalue_exact" : "pvalue_approx"));
            double tolerance = got.exact ? 1e-9 : 1e-7;
            double error = fabs(got.pvalue - pvalue) / fmax(pvalue, 1e-300);
            if (got.exact) worst_exact = fmax(worst_exact, error), exact_cases++;
            else worst_approx = fmax(worst_approx, error), approx_cases++;
            CHECK_MSG(reference_near(got.statistic, statistic, 1e-12, 1.0) &&
                          reference_near(got.pvalue, pvalue, tolerance, 1e-300),
                      "%s (%s): C statistic %.17g p %.17g (%s), scipy %.17g p %.17g", k->name,
                      rgtg_alternative_name(alternatives[a]), got.statistic, got.pvalue, got.exact ? "exact" : "approx",
                      statistic, pvalue);
            /* scipy's "auto" result equals the method C chose */
            CHECK_MSG(chosen == pvalue,
                      "%s (%s): C used the %s distribution, scipy's auto p %.17g differs from it (%.17g)",
                      k->name, rgtg_alternative_name(alternatives[a]), got.exact ? "exact" : "approximate", pvalue,
                      chosen);
        }
    /* the boundary cases take the path scipy 1.10 takes */
    rgtg_wilcoxon_t w;
    CHECK_OK(rgtg_wilcoxon(cases[15].x, NULL, 50, RGTG_ALTERNATIVE_TWO_SIDED, &w));
    CHECK_MSG(w.exact && w.n == 50, "n=50 without zeros is exact");
    CHECK_OK(rgtg_wilcoxon(cases[16].x, NULL, 51, RGTG_ALTERNATIVE_TWO_SIDED, &w));
    CHECK_MSG(!w.exact && w.n == 51 && isfinite(w.z), "n=51 is approximate");
    CHECK_OK(rgtg_wilcoxon(cases[20].x, NULL, 52, RGTG_ALTERNATIVE_TWO_SIDED, &w));
    CHECK_MSG(!w.exact && w.n == 50 && w.zeros == 2, "n=52 with 2 zeros: %zu ranked, %zu zeros", w.n, w.zeros);
    CHECK_OK(rgtg_wilcoxon(cases[6].x, NULL, 5, RGTG_ALTERNATIVE_TWO_SIDED, &w));
    CHECK_MSG(w.exact && w.statistic == 6.5, "ties without zeros stay exact in scipy 1.10 (R- = %g)", w.statistic);

    /* all zero: scipy raises, so does C; empty: NaN in both */
    json_t *zero_result = json_array_get(results, 3 * case_count);
    CHECK_MSG(json_is_string(json_object_get(zero_result, "error")), "scipy accepted all-zero differences");
    rgtg_error_clear();
    rgtg_status_t status = rgtg_wilcoxon(all_zero.x, NULL, 4, RGTG_ALTERNATIVE_TWO_SIDED, &w);
    CHECK_MSG(status == RGTG_ERR_INVALID && strstr(rgtg_error_message(), "all 4 differences are zero"),
              "all-zero: status %d, '%s'", (int)status, rgtg_error_message());
    rgtg_error_clear();
    json_t *empty_result = json_array_get(results, 3 * case_count + 1);
    CHECK_OK(rgtg_wilcoxon(NULL, NULL, 0, RGTG_ALTERNATIVE_TWO_SIDED, &w));
    CHECK_MSG(isnan(w.statistic) && isnan(w.pvalue) && json_is_null(json_object_get(empty_result, "pvalue")) &&
                  json_is_null(json_object_get(empty_result, "error")),
              "empty input: NaN statistic and p-value like scipy");
    printf("test_wilcoxon: %zu exact and %zu approximate comparisons with scipy %s; worst relative p-value "
           "difference %.3g (exact), %.3g (approximate)\n",
           exact_cases, approx_cases, json_string_value(json_object_get(output, "scipy_version")), worst_exact,
           worst_approx);
    json_decref(output);
}

/* The values in scipy.stats.wilcoxon's documentation (cross-fertilized plants, n = 15). */
static void test_published_example(void) {
    static const double d[] = {6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
    rgtg_wilcoxon_t w;
    CHECK_OK(rgtg_wilcoxon(d, NULL, 15, RGTG_ALTERNATIVE_TWO_SIDED, &w));
    CHECK_MSG(w.exact && w.statistic == 24.0 && w.pvalue == 0.041259765625, "two-sided: %g %.17g", w.statistic,
              w.pvalue);
    CHECK_OK(rgtg_wilcoxon(d, NULL, 15, RGTG_ALTERNATIVE_GREATER, &w));
    CHECK_MSG(w.statistic == 96.0 && w.pvalue == 0.0206298828125, "greater: %g %.17g", w.statistic, w.pvalue);
}

static void test_bad_arguments(void) {
    rgtg_wilcoxon_t w;
    const double a[] = {1, 2, NAN}, b[] = {0, 0, 0};
    rgtg_error_clear();
    CHECK(rgtg_wilcoxon(a, b, 3, RGTG_ALTERNATIVE_TWO_SIDED, &w) == RGTG_ERR_NUMERIC);
    CHECK_MSG(strstr(rgtg_error_message(), "pair 2 of 3"), "%s", rgtg_error_message());
    rgtg_error_clear();
    const double big[] = {1e308, 1}, small[] = {-1e308, 0};
    /* the difference overflows */
    CHECK(rgtg_wilcoxon(big, small, 2, RGTG_ALTERNATIVE_TWO_SIDED, &w) == RGTG_ERR_NUMERIC);
    rgtg_error_clear();
    CHECK(rgtg_wilcoxon(b, NULL, 3, (rgtg_alternative_t)7, &w) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    CHECK(rgtg_wilcoxon(NULL, NULL, 3, RGTG_ALTERNATIVE_TWO_SIDED, &w) == RGTG_ERR_INVALID);
    rgtg_error_clear();
    rgtg_alternative_t alternative;
    CHECK(rgtg_alternative_parse("less", &alternative) == RGTG_OK && alternative == RGTG_ALTERNATIVE_LESS);
    CHECK(rgtg_alternative_parse("greater", &alternative) == RGTG_OK && alternative == RGTG_ALTERNATIVE_GREATER);
    CHECK(rgtg_alternative_parse("two-sided", &alternative) == RGTG_OK && alternative == RGTG_ALTERNATIVE_TWO_SIDED);
    CHECK(rgtg_alternative_parse("two_sided", &alternative) == RGTG_ERR_INVALID);
    CHECK_MSG(strstr(rgtg_error_message(), "'two_sided'"), "%s", rgtg_error_message());
    rgtg_error_clear();
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_wilcoxon PYTHON wilcoxon_ref.py\n");
        return 2;
    }
    test_published_example();
    test_bad_arguments();
    test_against_scipy(argv[1], argv[2]);
    return check_summary("test_wilcoxon");
}
