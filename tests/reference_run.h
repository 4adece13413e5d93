/* tests/reference_run.h: runs a Python reference script on a JSON input and returns its JSON output,
 * for the C tests of eval/ that compare against scipy, numpy or NLTK. The script is called as
 * `PYTHON SCRIPT INPUT.json OUTPUT.json` in a scratch directory that is removed afterwards.
 * Header-only; include after check.h. */
#ifndef RGTG_TESTS_REFERENCE_RUN_H
#define RGTG_TESTS_REFERENCE_RUN_H

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Takes ownership of input. NULL (after a CHECK failure naming the cause) when the script fails. */
static inline json_t *reference_run(const char *python, const char *script, json_t *input) {
    char directory[] = "/tmp/rgtg_reference_XXXXXX";
    if (!mkdtemp(directory)) {
        json_decref(input);
        CHECK_MSG(false, "mkdtemp failed");
        return NULL;
    }
    char input_path[256], output_path[256], command[2048];
    snprintf(input_path, sizeof input_path, "%s/input.json", directory);
    snprintf(output_path, sizeof output_path, "%s/output.json", directory);
    int written = json_dump_file(input, input_path, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(input);
    json_t *output = NULL;
    if (written != 0) {
        CHECK_MSG(false, "cannot write %s", input_path);
    } else {
        snprintf(command, sizeof command, "'%s' '%s' '%s' '%s'", python, script, input_path, output_path);
        int rc = system(command);
        CHECK_MSG(rc == 0, "'%s' exited with status %d", command, rc);
        json_error_t error = {0};
        if (rc == 0) output = json_load_file(output_path, 0, &error);
        CHECK_MSG(rc != 0 || output != NULL, "cannot parse %s: %s", output_path, error.text);
    }
    check_remove_dir(directory);
    return output;
}

/* A JSON number, or NaN for null and anything else. */
static inline double reference_number(json_t *value) { return json_is_number(value) ? json_number_value(value) : NAN; }

static inline json_t *reference_double_array(const double *values, size_t n) {
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(array, json_real(values[i]));
    return array;
}

/* |got - expected| <= tolerance * max(|expected|, floor); NaN matches NaN only. */
static inline bool reference_near(double got, double expected, double tolerance, double floor) {
    if (isnan(expected) || isnan(got)) return isnan(expected) && isnan(got);
    return fabs(got - expected) <= tolerance * fmax(fabs(expected), floor);
}

#endif
