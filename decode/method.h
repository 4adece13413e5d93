/* decode/method.h: decoding methods as self-describing plug-ins over an array of candidate tokens.
 *
 * Each step the engine takes, for every row, the LM's top candidates (their log-probabilities under
 * pi_ref, best first) and, for a method that names a guide or a value model, that model's score of
 * prefix + candidate. The method turns these into sampling weights (logits over the candidates) and
 * picks one candidate per row from the caller's random numbers.
 *
 * A method is one file in decode/ defining an rgtg_method_def_t (its name, a table of its
 * parameters, which model it needs, and its steps) and one line in the table of decode/methods.c.
 * The parameter table drives validation (errors name the parameter), `rgtg decode --help`, the YAML
 * and command-line settings, and the method's params JSON in the generations file. */
#ifndef RGTG_DECODE_METHOD_H
#define RGTG_DECODE_METHOD_H

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/status.h"

#define RGTG_METHOD_MAX_PARAMS 8

typedef enum { RGTG_PARAM_INT, RGTG_PARAM_REAL } rgtg_param_type_t;

/* One parameter: values are finite numbers in [min, max] (an open end when min_open / max_open). */
typedef struct {
    const char *name;     /* "k", "beta", ...: the command-line option --name (with '_' as '-') */
    rgtg_param_type_t type;
    double default_value;
    double min, max;      /* +-INFINITY for no bound */
    bool min_open, max_open;
    const char *help;
} rgtg_param_spec_t;

/* Parameters several methods share (one wording in every --help). */
#define RGTG_PARAM_K {"k", RGTG_PARAM_INT, 10, 1, INFINITY, false, false, "candidates per step: the LM's k most likely tokens"}
#define RGTG_PARAM_TEMPERATURE \
    {"temperature", RGTG_PARAM_REAL, 1.0, 0, INFINITY, true, false, "divides the weights before the softmax"}
#define RGTG_PARAM_BETA {"beta", RGTG_PARAM_REAL, 1.0, -INFINITY, INFINITY, false, false, "weight of the model's score"}

/* The model a method loads besides the LM. */
typedef enum {
    RGTG_NEEDS_NOTHING = 0,
    RGTG_NEEDS_GUIDE,  /* a reward model scores every step's candidates (--rm) */
    RGTG_NEEDS_VALUE,  /* a value model (rgtg train value) scores every step's candidates (--value) */
    RGTG_NEEDS_SCORER, /* a reward model ranks whole samples (--rm) */
} rgtg_method_needs_t;

typedef struct rgtg_method rgtg_method_t;

typedef struct {
    const char *name;        /* "pargs" */
    const char *summary;     /* one line for --help */
    const rgtg_param_spec_t *params; /* param_count entries */
    int param_count;
    rgtg_method_needs_t needs;
    const char *model_kind;  /* what the method takes its model for ("partial", "full", ...); NULL: none */
    /* Candidates per step for a vocabulary of vocab tokens (at most vocab). */
    int64_t (*candidates)(const rgtg_method_t *self, int64_t vocab);
    /* Samples decoded for every output row (Best-of-N: N); NULL means 1. */
    int64_t (*samples_per_output)(const rgtg_method_t *self);
    /* weights[r*k + j]: the sampling logit of candidate j of row r from logprob (the LM's, best first)
     * and score (the guide's or value model's; NULL when the method needs none). -INFINITY excludes. */
    void (*weigh)(const rgtg_method_t *self, const float *logprob, const float *score, int64_t rows, int64_t k,
                  float *weights);
    /* chosen[r] from weights with uniform[r] in [0, 1). RGTG_ERR_NUMERIC when a row's weights hold a
     * NaN or +inf or exclude every candidate, with chosen[r] = -1 for that row (rgtg_choose_* below
     * do this). */
    rgtg_status_t (*choose)(const rgtg_method_t *self, const float *weights, int64_t rows, int64_t k,
                            const double *uniform, int64_t *chosen);
    /* Adds the method's parameters to params (rgtg_method_params_json does it from the table). */
    rgtg_status_t (*write_params)(const rgtg_method_t *self, json_t *params);
} rgtg_method_def_t;

/* An instance: a definition with a value for each of its parameters. */
struct rgtg_method {
    const rgtg_method_def_t *def;
    double values[RGTG_METHOD_MAX_PARAMS]; /* in the order of def->params */
};

/* ---- the registry (decode/methods.c) ---- */

/* The definition called name, or NULL. */
const rgtg_method_def_t *rgtg_method_find(const char *name);
/* The known definitions, in table order. */
int rgtg_method_count(void);
const rgtg_method_def_t *rgtg_method_at(int i);
/* "topk, topp, greedy, ..." into a static buffer. */
const char *rgtg_method_names(void);

/* ---- instances (decode/method.c) ---- */

/* The method called name with every parameter at its default. Unknown name: RGTG_ERR_INVALID
 * listing the known ones. */
rgtg_status_t rgtg_method_init(const char *name, rgtg_method_t *out);
/* The parameter's index in the method's table, or -1. */
int rgtg_method_param_index(const rgtg_method_def_t *def, const char *name);
/* Sets a parameter from a number or from text; the value is checked against the table. Errors name
 * the method and the parameter: "method pargs: beta must be a finite number (got nan)". */
rgtg_status_t rgtg_method_set(rgtg_method_t *m, const char *name, double value);
rgtg_status_t rgtg_method_set_text(rgtg_method_t *m, const char *name, const char *text);
/* A parameter's value by name (NAN when the method has none). */
double rgtg_method_get(const rgtg_method_t *m, const char *name);
/* Candidates per step (checked: at least 1, at most vocab) and samples per output row. */
rgtg_status_t rgtg_method_candidates(const rgtg_method_t *m, int64_t vocab, int64_t *k_out);
int64_t rgtg_method_samples_per_output(const rgtg_method_t *m);
/* The method's params object (a new reference). */
rgtg_status_t rgtg_method_params_json(const rgtg_method_t *m, json_t **out);
/* The default write_params: every parameter of the table, integers as integers. */
rgtg_status_t rgtg_method_write_table_params(const rgtg_method_t *m, json_t *params);
/* Appends the help of every method and its parameters to a malloc'd text (for --help). */
char *rgtg_method_help(void);

/* ---- shared steps (decode/choose.c) ---- */

/* weights = logprob / 1 (the LM alone). */
void rgtg_weigh_lm(const rgtg_method_t *self, const float *logprob, const float *score, int64_t rows, int64_t k,
                   float *weights);
/* weights = logprob + beta * score: the ARGS / PARGS / CD-FUDGE rule. */
void rgtg_weigh_guided(const float *logprob, const float *score, double beta, int64_t n, float *weights);
/* Inverse-CDF sampling of softmax(weights / temperature) per row, in double. Both refuse a row whose
 * weights hold a NaN or +inf or are all -inf (RGTG_ERR_NUMERIC, chosen[r] = -1). */
rgtg_status_t rgtg_choose_sample(const float *weights, int64_t rows, int64_t k, double temperature,
                                 const double *uniform, int64_t *chosen);
/* The first maximum of each row. */
rgtg_status_t rgtg_choose_best(const float *weights, int64_t rows, int64_t k, int64_t *chosen);

#endif
